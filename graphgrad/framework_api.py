"""TF1's top-level framework names that programs call around their graphs: scopes (`op_scope`,
`variable_op_scope`, `colocate_with`, `container`), `get_local_variable`, `is_tensor`, tensor conversion
(`register_tensor_conversion_function`, `convert_to_tensor_or_indexed_slices`), `AggregationMethod`,
`NoGradient`, `initialize_all_tables` and `get_logger` (docs/framework.md)."""
from __future__ import annotations

import contextlib

from .framework.graph import GraphKeys, Operation, Tensor, get_default_graph, name_scope
from .framework.op_def import no_gradient as NoGradient  # noqa: N812  (TF1's name)
from .logging import get_logger
from .ops import core
from .ops.indexed_slices import IndexedSlices
from .ops.lookup_ops import tables_initializer
from .ops.sparse_ops import SparseTensor
from .variables import Variable, get_variable, variable_scope

__all__ = ["op_scope", "variable_op_scope", "colocate_with", "container", "get_local_variable", "is_tensor",
           "register_tensor_conversion_function", "convert_to_tensor_or_indexed_slices", "AggregationMethod",
           "NoGradient", "initialize_all_tables", "get_logger", "is_symbolic_tensor"]


@contextlib.contextmanager
def op_scope(values, name, default_name=None):
    """TF 0.x's spelling of `name_scope(name, default_name, values)`."""
    with name_scope(name, default_name=default_name, values=values) as scope:
        yield scope


@contextlib.contextmanager
def variable_op_scope(values, name_or_scope, default_name=None, initializer=None, regularizer=None,
                      caching_device=None, partitioner=None, custom_getter=None, reuse=None, dtype=None,
                      use_resource=None, constraint=None):
    """TF 0.x's spelling of `variable_scope(name_or_scope, default_name, values, ...)`."""
    with variable_scope(name_or_scope, default_name=default_name, values=values, initializer=initializer,
                        regularizer=regularizer, caching_device=caching_device, partitioner=partitioner,
                        custom_getter=custom_getter, reuse=reuse, dtype=dtype, use_resource=use_resource,
                        constraint=constraint) as scope:
        yield scope


@contextlib.contextmanager
def colocate_with(op, ignore_existing=False):
    """Ops created inside go where `op` (an op, tensor or variable) is: its device. graphgrad runs a session on
    one device, so this only matters where `op` was pinned with `tf.device`."""
    if op is None:
        yield
        return
    if isinstance(op, Variable):
        op = op.op
    elif isinstance(op, Tensor):
        op = op.op
    device = op.device if isinstance(op, Operation) else ""
    if not device:
        yield
        return
    with get_default_graph().device(device):
        yield


@contextlib.contextmanager
def container(container_name):
    """TF1's resource container for the stateful ops created inside (`Session.reset(target, [name])` clears it);
    graphgrad keeps every variable in its session, whatever the container. Yields the name."""
    yield container_name


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=False,
                       collections=None, caching_device=None, partitioner=None, validate_shape=True,
                       use_resource=None, custom_getter=None, constraint=None, **kwargs):
    """`get_variable` in the LOCAL_VARIABLES collection (not GLOBAL_VARIABLES), not trainable: what metrics'
    counters are; `tf.local_variables_initializer()` initializes it."""
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                        trainable=False, collections=list(collections or []) + [GraphKeys.LOCAL_VARIABLES],
                        caching_device=caching_device, partitioner=partitioner, validate_shape=validate_shape,
                        use_resource=use_resource, custom_getter=custom_getter, constraint=constraint, **kwargs)


def is_tensor(x):
    """Whether `x` is a TensorFlow value type: a tensor, variable, SparseTensor or IndexedSlices (not a NumPy
    array, not an Operation)."""
    return isinstance(x, (Tensor, Variable, SparseTensor, IndexedSlices)) or hasattr(x, "_as_tensor")


def is_symbolic_tensor(tensor):
    """Whether `tensor` is a graph tensor: True for a Tensor of a graph, False for an eager tensor, a variable,
    a SparseTensor or any other value (TF 2's test of "a value that needs a session to compute")."""
    from .eager.tensor import EagerTensor

    return isinstance(tensor, Tensor) and not isinstance(tensor, EagerTensor)


def initialize_all_tables(name="init_all_tables"):
    """TF1's older name of `tf.tables_initializer`."""
    return tables_initializer(name=name)


def register_tensor_conversion_function(base_type, conversion_func, priority=100):
    """`tf.convert_to_tensor` (and every op's argument conversion) calls `conversion_func(value, dtype=None,
    name=None, as_ref=False)` for instances of `base_type`, lower `priority` first; a function returning
    NotImplemented passes the value on to the next."""
    core.register_conversion(base_type, conversion_func, priority)


def convert_to_tensor_or_indexed_slices(value, dtype=None, name=None):
    """IndexedSlices (and SparseTensors) as they are, anything else through `convert_to_tensor`."""
    if isinstance(value, (IndexedSlices, SparseTensor)):
        if dtype is not None and value.dtype.base_dtype != dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype} for Tensor with dtype "
                             f"{value.dtype.base_dtype.name}: {value!r}")
        return value
    return core.convert_to_tensor(value, dtype=dtype, name=name)


class AggregationMethod:
    """How `tf.gradients` sums the gradients that reach one tensor (`aggregation_method=`): graphgrad always
    adds them with one AddN, what ADD_N means; the others give the same sums."""

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2
