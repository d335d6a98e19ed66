"""Making and inspecting Keras tensors and variables: `K.variable`, `K.placeholder`, `K.constant`, `K.zeros`,
shapes and dtypes, updates, `K.gradients`, and `K.eval`."""
from __future__ import annotations

import numpy as np

from ...autodiff import gradients as _gradients
from ...framework import dtypes
from ...framework.graph import GraphKeys, name_scope  # noqa: F401  (K.name_scope is TF1's name_scope)
from ...ops import array_ops, init_ops, nd_ops, sparse_ops, state_ops
from ...ops import core as _core
from ...ops.arithmetic_ops import pow as _pow
from ...ops.cast_ops import cast as _cast
from ...ops.logging_ops import Print
from ...ops.sparse_ops import SparseTensor
from ...variables import Variable, get_variable, variable_scope
from . import session as _session
from .config import floatx


def _tf_dtype(dtype):
    return dtypes.as_dtype(floatx() if dtype is None else dtype)


def variable(value, dtype=None, name=None, constraint=None):
    """A Variable holding `value` (floatx unless `dtype`); a SciPy sparse matrix becomes a SparseTensor."""
    if hasattr(value, "tocoo"):
        coo = value.tocoo()
        return SparseTensor(np.stack([coo.row, coo.col], 1).astype(np.int64), coo.data, coo.shape)
    return Variable(value, dtype=_tf_dtype(dtype), name=name, constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    return _core.constant(value, dtype=_tf_dtype(dtype), shape=shape, name=name)


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False):
    """A placeholder of `shape` (or `ndim` unknown dimensions), floatx unless `dtype`; a SparseTensor one if
    `sparse`."""
    if sparse and ragged:
        raise ValueError("Cannot set both sparse and ragged to True when creating a placeholder.")
    if ragged:
        raise NotImplementedError("K.placeholder(ragged=True): graphgrad has no RaggedTensor")
    if not shape and ndim:
        shape = (None,) * ndim
    if sparse:
        return sparse_ops.sparse_placeholder(_tf_dtype(dtype), shape=shape, name=name)
    return _core.placeholder(_tf_dtype(dtype), shape=shape, name=name)


def is_sparse(tensor):
    return isinstance(tensor, SparseTensor)


def to_dense(tensor):
    return sparse_ops.to_dense(tensor) if is_sparse(tensor) else tensor


def eval(x):
    """The value of `x` (a SparseTensor made dense first) as a NumPy array."""
    return _session.get_value(to_dense(x))


def is_keras_tensor(x):
    """Whether `x` is the output of a Keras layer (or Input); ValueError for something that is no tensor."""
    if not (is_sparse(x) or isinstance(x, Variable) or (hasattr(x, "op") and hasattr(x, "dtype"))):
        raise ValueError(f"Unexpectedly found an instance of type `{type(x)}`. Expected a symbolic tensor instance.")
    graph = getattr(x, "graph", None)
    return graph is not None and x in _session.history(graph)


def zeros(shape, dtype=None, name=None):
    """A Variable of zeros when every dimension is known (and nonzero), else a tensor."""
    v = array_ops.zeros(shape, dtype=_tf_dtype(dtype), name=name)
    return variable(v, dtype, name) if all(v.shape.as_list()) else v


def ones(shape, dtype=None, name=None):
    """A Variable of ones when every dimension is known (and nonzero), else a tensor."""
    v = array_ops.ones(shape, dtype=_tf_dtype(dtype), name=name)
    return variable(v, dtype, name) if all(v.shape.as_list()) else v


def eye(size, dtype=None, name=None):
    """A Variable holding the `size` x `size` identity."""
    return variable(nd_ops.eye(size, dtype=_tf_dtype(dtype)), dtype, name)


def zeros_like(x, dtype=None, name=None):
    return _core.zeros_like(x, dtype=dtype, name=name)


def ones_like(x, dtype=None, name=None):
    return _core.ones_like(x, dtype=dtype, name=name)


def _seed(seed, high):
    return np.random.randint(high) if seed is None else seed


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    init = init_ops.random_uniform_initializer(low, high, dtype=_tf_dtype(dtype), seed=_seed(seed, 10e8))
    return variable(init(shape), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    init = init_ops.random_normal_initializer(mean, scale, dtype=_tf_dtype(dtype), seed=_seed(seed, 10e8))
    return variable(init(shape), dtype, name)


def cast_to_floatx(x):
    """A tensor cast to floatx, or a NumPy array of floatx for anything else."""
    if is_sparse(x) or isinstance(x, Variable) or hasattr(x, "op"):
        return _cast(x, floatx())
    return np.asarray(x, dtype=floatx())


def cast(x, dtype):
    return _cast(x, dtype)


def dtype(x):
    return x.dtype.base_dtype.name


def int_shape(x):
    """The static shape as a tuple of ints and None; None when the rank is unknown."""
    shape = x.shape
    if isinstance(shape, tuple):
        return shape
    try:
        return tuple(shape.as_list())
    except ValueError:
        return None


def ndim(x):
    return x.shape.ndims


def shape(x):
    return array_ops.shape(x)


def count_params(x):
    return np.prod(x.shape.as_list())


def update(x, new_x):
    return state_ops.assign(x, new_x)


def update_add(x, increment):
    return state_ops.assign_add(x, increment)


def update_sub(x, decrement):
    return state_ops.assign_sub(x, decrement)


def moving_average_update(x, value, momentum):
    """TF1 Keras' zero-debiased moving average: `x/biased` moves toward `value` by `1 - momentum` per run,
    `x/local_step` counts the runs, and `x` becomes `biased / (1 - momentum ** step)` (so the first step gives
    `value` itself, not `(1 - momentum) * value`)."""
    with variable_scope(x.op.name, values=[x, value]) as scope:
        decay = _cast(1.0 - _core.convert_to_tensor(momentum), x.dtype.base_dtype)
        taken = {v.op.name for v in x.graph.get_collection(GraphKeys.GLOBAL_VARIABLES)}

        def unique(name):  # TF's _maybe_get_unique: a second average of `x` gets biased_1, local_step_1
            i, full = 0, f"{scope.name}/{name}"
            while (f"{full}_{i}" if i else full) in taken:
                i += 1
            return f"{name}_{i}" if i else name
        biased = get_variable(unique("biased"), shape=x.shape, dtype=x.dtype.base_dtype, trainable=False,
                              initializer=init_ops.zeros_initializer())
        step = get_variable(unique("local_step"), shape=[], dtype=x.dtype.base_dtype, trainable=False,
                            initializer=init_ops.zeros_initializer())
    update_biased = state_ops.assign_sub(biased, (biased - value) * decay)
    bias_factor = 1 - _pow(1.0 - decay, state_ops.assign_add(step, 1))
    return state_ops.assign(x, update_biased / bias_factor)


def gradients(loss, variables):
    return _gradients(loss, variables, colocate_gradients_with_ops=True)


def stop_gradient(variables):
    """`tf.stop_gradient` of a tensor, or of each of a list of them."""
    if isinstance(variables, (list, tuple)):
        return [_core.stop_gradient(v) for v in variables]
    return _core.stop_gradient(variables)


def print_tensor(x, message="", summarize=3):
    """`x`, printing `message` and its value whenever it is computed (TF1's tf.Print: to standard error)."""
    return Print(x, [x], message=message, summarize=summarize)
