"""`tf.contrib.framework`: slim's `arg_scope` (default arguments for a set of layer functions inside a block) and
the variable helpers contrib programs use (`model_variable`, `get_variables_to_restore`,
`assign_from_checkpoint_fn`, the global step).

    with arg_scope([layers.conv2d, layers.fully_connected], activation_fn=tf.nn.elu):
        net = layers.conv2d(images, 32, 3)           # activation_fn=tf.nn.elu, as if written here

A function takes part when it is wrapped by `add_arg_scope`; arguments given at the call win over the scope's.
The stack of scopes is per thread, as graph construction is.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import threading

from ..framework.graph import GraphKeys, get_collection
from ..logging import warning
from ..train.global_step import (
    assert_global_step,
    create_global_step,
    get_global_step,
    get_or_create_global_step,
)
from ..train.saver import NewCheckpointReader, Saver
from ..variables import VariableScope, get_variable

__all__ = ["arg_scope", "add_arg_scope", "has_arg_scope", "arg_scoped_arguments", "current_arg_scope",
           "arg_scope_func_key", "variable", "model_variable", "add_model_variable", "get_variables",
           "get_model_variables", "get_trainable_variables", "get_local_variables", "get_variables_by_name",
           "get_variables_by_suffix", "get_unique_variable", "get_variables_to_restore", "assign_from_checkpoint_fn",
           "get_global_step", "get_or_create_global_step", "create_global_step", "assert_global_step"]

# --- arg_scope ----------------------------------------------------------------------------------------------

_DECORATED = {}  # key of each function wrapped by add_arg_scope -> the names of its arguments
_stack = threading.local()


def _arg_stack():
    if not hasattr(_stack, "scopes"):
        _stack.scopes = [{}]
    return _stack.scopes


def current_arg_scope():
    """The innermost scope: {function key: {argument: default}}."""
    return _arg_stack()[-1]


def arg_scope_func_key(op):
    return getattr(op, "_key_op", str(op))


def has_arg_scope(func):
    """Whether `func` was wrapped by `add_arg_scope`."""
    return arg_scope_func_key(func) in _DECORATED


def arg_scoped_arguments(func):
    """The argument names of a function wrapped by `add_arg_scope`."""
    assert has_arg_scope(func)
    return _DECORATED[arg_scope_func_key(func)]


@contextlib.contextmanager
def arg_scope(list_ops_or_scope, **kwargs):
    """Inside the block, calls of the functions in `list_ops_or_scope` get `kwargs` as defaults (merged over the
    enclosing scope's). A dict (a scope yielded by an earlier `arg_scope`) re-enters that scope as it was."""
    stack = _arg_stack()
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            raise ValueError("When attempting to re-use a scope by suppling a dictionary, kwargs must be empty.")
        scope = list_ops_or_scope.copy()
    else:
        if not isinstance(list_ops_or_scope, (list, tuple)):
            raise TypeError("list_ops_or_scope must either be a list/tuple or reused scope (i.e. dict)")
        scope = current_arg_scope().copy()
        for op in list_ops_or_scope:
            key = arg_scope_func_key(op)
            if not has_arg_scope(op):
                raise ValueError(f"{(op.__module__, op.__name__)} is not decorated with @add_arg_scope")
            scope[key] = {**scope.get(key, {}), **kwargs}
    stack.append(scope)
    try:
        yield scope
    finally:
        stack.pop()


def add_arg_scope(func):
    """Let `arg_scope` supply default arguments to `func`."""
    key = arg_scope_func_key(func)

    @functools.wraps(func)
    def func_with_args(*args, **kwargs):
        scoped = current_arg_scope().get(key)
        if scoped is not None:
            kwargs = {**scoped, **kwargs}
        return func(*args, **kwargs)

    _DECORATED[key] = [p.name for p in inspect.signature(func).parameters.values()
                       if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    func_with_args._key_op = key
    return func_with_args


# --- variables ----------------------------------------------------------------------------------------------

@add_arg_scope
def variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True, collections=None,
             caching_device=None, device=None, partitioner=None, custom_getter=None, use_resource=None):
    """`get_variable` with the variable put in `collections` (default GLOBAL_VARIABLES; TRAINABLE_VARIABLES too
    when trainable)."""
    collections = list(dict.fromkeys(collections if collections is not None else [GraphKeys.GLOBAL_VARIABLES]))
    getter = custom_getter or get_variable
    return getter(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                  trainable=trainable, collections=collections)


@add_arg_scope
def model_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
                   collections=None, caching_device=None, device=None, partitioner=None, custom_getter=None,
                   use_resource=None):
    """A variable of the model (in MODEL_VARIABLES as well as GLOBAL_VARIABLES): what slim's layers create, and
    what `get_model_variables` and a model's checkpoint list."""
    collections = list(collections or []) + [GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES]
    from ..framework import dtypes

    return variable(name, shape=shape, dtype=dtype or dtypes.float32, initializer=initializer,
                    regularizer=regularizer, trainable=trainable, collections=collections,
                    custom_getter=custom_getter)


def add_model_variable(var):
    """Put `var` in MODEL_VARIABLES (once)."""
    from ..framework.graph import get_default_graph

    g = get_default_graph()
    if var not in g.get_collection(GraphKeys.MODEL_VARIABLES):
        g.add_to_collection(GraphKeys.MODEL_VARIABLES, var)


def get_variables(scope=None, suffix=None, collection=GraphKeys.GLOBAL_VARIABLES):
    """The variables of `collection` whose names match `scope` (a name prefix, a regular expression or a
    VariableScope) and end with `suffix`."""
    if isinstance(scope, VariableScope):
        scope = scope.name
    if suffix is not None:
        if ":" not in suffix:
            suffix += ":"
        scope = (scope or "") + ".*" + suffix
    return get_collection(collection, scope)


def get_model_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.MODEL_VARIABLES)


def get_trainable_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.TRAINABLE_VARIABLES)


def get_local_variables(scope=None, suffix=None):
    return get_variables(scope, suffix, GraphKeys.LOCAL_VARIABLES)


def get_variables_by_suffix(suffix, scope=None):
    return get_variables(scope=scope, suffix=suffix)


def get_variables_by_name(given_name, scope=None):
    """The variables named `given_name` or ending in `/given_name` (`weights` finds `conv1/weights`, not
    `conv1/weights_1`; `out/weights` finds `out/weights` itself)."""
    return get_variables(scope=scope, suffix="/" + given_name + ":|^" + given_name + ":")


def get_unique_variable(var_op_name):
    """The one variable named `var_op_name`; ValueError when there is none."""
    found = [v for v in get_variables(var_op_name) if v.op.name == var_op_name]
    if not found:
        raise ValueError(f"Couldn't find variable {var_op_name}")
    return found[0]


def get_variables_to_restore(include=None, exclude=None):
    """The global variables under the scopes `include` (default: all) and not under those of `exclude`: the
    `var_list` of a Saver that restores part of a model."""
    if include is None:
        chosen = get_variables()
    else:
        if not isinstance(include, (list, tuple)):
            raise TypeError("include is provided but is not a list or a tuple.")
        chosen = [v for scope in include for v in get_variables(scope)]
    excluded = set()
    if exclude is not None:
        if not isinstance(exclude, (list, tuple)):
            raise TypeError("exclude is provided but is not a list or a tuple.")
        for scope in exclude:
            excluded.update(get_variables(scope))
    return [v for v in chosen if v not in excluded]


def assign_from_checkpoint_fn(model_path, var_list, ignore_missing_vars=False, reshape_variables=False):
    """A function `fn(session)` restoring `var_list` (a list, or a dict {name in the checkpoint: variable}) from
    the checkpoint `model_path`; with `ignore_missing_vars` the variables missing from it are skipped (with a
    warning), and None is returned when nothing is left to restore."""
    if not var_list:
        raise ValueError("var_list cannot be empty")
    if ignore_missing_vars:
        reader = NewCheckpointReader(model_path)
        named = var_list if isinstance(var_list, dict) else {v.op.name: v for v in var_list}
        var_list = {}
        for name, var in named.items():
            if reader.has_tensor(name):
                var_list[name] = var
            else:
                warning("Variable %s missing in checkpoint %s", name, model_path)
    if not var_list:
        warning("No Variables to restore")
        return None
    saver = Saver(var_list, reshape=reshape_variables)

    def callback(session):
        saver.restore(session, model_path)
    return callback
