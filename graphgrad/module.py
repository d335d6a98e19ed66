"""`tf.Module` (TF 1.14+): a named container of variables and other modules, the base of models written
without Keras. It finds its variables by walking its attributes (modules, and lists, tuples and dicts of them), in
sorted attribute order as TensorFlow does, so `module.trainable_variables` is what an optimizer is given."""
from __future__ import annotations

import functools
import re

from .framework.graph import name_scope
from .variables import Variable

__all__ = ["Module"]


def _snake(name):
    """TF's default module name: the class name in snake case (`MyDense` -> `my_dense`)."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)).lower()


class Module:
    def __init__(self, name=None):
        if name is None:
            name = _snake(type(self).__name__)
        elif not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid Python identifiers "
                             "(e.g. a valid class name).")
        self._name = name
        with name_scope(name) as scope:  # made unique in the graph, as TF's name scopes are
            self._scope_name = scope

    @property
    def name(self):
        return self._name

    @property
    def name_scope(self):
        """The module's name scope, to enter again: `with self.name_scope:` names variables `<module>/...`."""
        return _Scope(self._scope_name)

    @property
    def variables(self):
        """Every variable of this module and its submodules, in attribute order (each once)."""
        return tuple(self._flatten(lambda x: isinstance(x, Variable)))

    @property
    def trainable_variables(self):
        return tuple(self._flatten(lambda x: isinstance(x, Variable) and x.trainable))

    @property
    def submodules(self):
        """Every module inside this one, nearest first."""
        return tuple(self._flatten(lambda x: isinstance(x, Module)))

    def _flatten(self, predicate, seen=None):
        """What `predicate` picks among this module's attribute values, then (recursively) its submodules', as
        TensorFlow orders them."""
        seen = {id(self)} if seen is None else seen
        found, submodules = [], []
        for value in _leaves(vars(self)):
            if id(value) in seen:
                continue
            seen.add(id(value))
            if predicate(value):
                found.append(value)
            if isinstance(value, Module):
                submodules.append(value)
        for module in submodules:
            found.extend(module._flatten(predicate, seen))
        return found

    @classmethod
    def with_name_scope(cls, method):
        """Decorates a method to run inside the module's name scope."""
        @functools.wraps(method)
        def scoped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        return scoped

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object named {self._name!r}>"


class _Scope:
    """A module's name scope: `.name` (`mlp/`), and a context manager entering it."""

    def __init__(self, name):
        self.name = name
        self._entered = []

    def __enter__(self):
        scope = name_scope(self.name)
        self._entered.append(scope)
        return scope.__enter__()

    def __exit__(self, *exc):
        return self._entered.pop().__exit__(*exc)


def _leaves(attributes):
    """The values in a module's attributes (sorted by name, private ones skipped as TF skips its own), looking
    into lists, tuples and dicts."""
    out = []

    def walk(value):
        if isinstance(value, dict):
            for key in sorted(value, key=str):
                walk(value[key])
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        else:
            out.append(value)
    for key in sorted(attributes):
        if key not in ("_name", "_scope_name"):
            walk(attributes[key])
    return out
