"""`tf.make_template`: a function whose variables are created on its first call and shared by every later one,
under a variable scope of its own (TF1's templates: `make_template("encoder", encoder_fn)`)."""
from __future__ import annotations

import functools

from .framework.graph import GraphKeys, get_collection
from .variables import variable_scope

__all__ = ["make_template", "Template"]


def make_template(name_, func_, create_scope_now_=False, unique_name_=None, custom_getter_=None, **kwargs):
    """`func_` (with `kwargs` bound) as a Template: its `get_variable`s create variables under the scope
    `name_` (made unique: `name__1` for a second template of that name) on the first call and reuse them after.
    `create_scope_now_=True` opens the scope here (inside the enclosing scopes of this line), else at the first
    call."""
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(name_, func_, create_scope_now=create_scope_now_, unique_name=unique_name_,
                    custom_getter=custom_getter_)


class Template:
    """A function that shares its variables between calls (see make_template)."""

    def __init__(self, name, func, create_scope_now=False, unique_name=None, custom_getter=None):
        if not name:
            raise ValueError("name cannot be None.")
        self._func, self._name, self._unique_name, self._custom_getter = func, name, unique_name, custom_getter
        self._variables_created = False
        self._variable_scope = None
        if create_scope_now:
            with variable_scope(unique_name, name, custom_getter=custom_getter) as vs:
                self._variable_scope = vs

    def __call__(self, *args, **kwargs):
        if self._variable_scope is not None:
            with variable_scope(self._variable_scope, reuse=self._variables_created):
                return self._call_func(args, kwargs)
        with variable_scope(self._unique_name, self._name, custom_getter=self._custom_getter) as vs:
            self._variable_scope = vs
            return self._call_func(args, kwargs)

    def _call_func(self, args, kwargs):
        trainable_at_start = len(get_collection(GraphKeys.TRAINABLE_VARIABLES))
        result = self._func(*args, **kwargs)
        if self._variables_created:
            trainable = get_collection(GraphKeys.TRAINABLE_VARIABLES)
            if len(trainable) != trainable_at_start:
                raise ValueError("Trainable variable created when calling a template after the first time, perhaps "
                                 "you used tf.Variable when you meant tf.get_variable: "
                                 f"{trainable[trainable_at_start:]}")
        self._variables_created = True
        return result

    @property
    def name(self):
        return self._name

    @property
    def func(self):
        return self._func

    @property
    def variable_scope(self):
        return self._variable_scope

    @property
    def variable_scope_name(self):
        """The scope's name with a trailing "/" (what `get_collection(..., scope)` matches), "" before the first
        call of a template whose scope opens then."""
        return "" if self._variable_scope is None else self._variable_scope.name + "/"

    def _collection(self, key):
        return get_collection(key, self.variable_scope_name) if self._variable_scope is not None else []

    @property
    def variables(self):
        return self.global_variables + self.local_variables

    @property
    def global_variables(self):
        return self._collection(GraphKeys.GLOBAL_VARIABLES)

    @property
    def local_variables(self):
        return self._collection(GraphKeys.LOCAL_VARIABLES)

    @property
    def trainable_variables(self):
        return self._collection(GraphKeys.TRAINABLE_VARIABLES)

    @property
    def non_trainable_variables(self):
        return [v for v in self.global_variables if v not in self.trainable_variables]

    weights = trainable_variables
    non_weights = non_trainable_variables
    trainable_weights = trainable_variables
    non_trainable_weights = non_trainable_variables
