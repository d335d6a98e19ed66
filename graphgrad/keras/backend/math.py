"""Keras' math on tensors: element-wise functions, reductions with `axis=None, keepdims=False`, comparisons,
products (`dot`, `batch_dot`) and reshaping (`permute_dimensions`, `repeat_elements`, `batch_flatten`, ...), each
a thin function over graphgrad's ops with Keras 2's argument names and defaults."""
from __future__ import annotations

import builtins

import numpy as np

from ...framework import dtypes
from ...ops import array_ops, sparse_array_ops, sparse_math_ops
from ...ops import math_ops as M
from .config import normalize_data_format
from .variables import cast, int_shape, is_sparse, ndim, shape, to_dense

# --- element-wise ------------------------------------------------------------------------------------------
# graphgrad's own functions where Keras' take the same arguments (Keras' names shadow builtins in this module,
# which uses builtins.* itself)
abs, square, exp, log, sign, sin, cos, round = M.abs, M.square, M.exp, M.log, M.sign, M.sin, M.cos, M.round
maximum, minimum, equal, not_equal = M.maximum, M.minimum, M.equal, M.not_equal
greater, greater_equal, less, less_equal = M.greater, M.greater_equal, M.less, M.less_equal
cumsum, cumprod = M.cumsum, M.cumprod


def sqrt(x):
    """The square root of max(x, 0): never NaN for tiny negative rounding errors."""
    return M.sqrt(M.maximum(x, M.cast(0.0, x.dtype.base_dtype)))








def pow(x, a):
    return M.pow(x, a)




def clip(x, min_value, max_value):
    """`clip_by_value`, with None for an open bound and `max_value` raised to `min_value` when below it."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    return M.clip_by_value(x, -np.inf if min_value is None else min_value, np.inf if max_value is None else max_value)








# --- reductions ----------------------------------------------------------------------------------------------
def _float_if_bool(x):
    return cast(x, "float32") if x.dtype.base_dtype == dtypes.bool_ else x


def sum(x, axis=None, keepdims=False):
    return M.reduce_sum(x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    return M.reduce_prod(x, axis, keepdims)


def max(x, axis=None, keepdims=False):
    return M.reduce_max(x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    return M.reduce_min(x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """The mean; a bool tensor counts as 0.0 / 1.0."""
    return M.reduce_mean(_float_if_bool(x), axis, keepdims)


def var(x, axis=None, keepdims=False):
    """The population variance (TF's reduce_variance: the mean of |x - mean|²)."""
    x = _float_if_bool(x)
    deviations = M.square(M.abs(x - M.reduce_mean(x, axis, keepdims=True)))
    return M.reduce_mean(deviations, axis, keepdims)


def std(x, axis=None, keepdims=False):
    return M.sqrt(var(x, axis, keepdims))


def any(x, axis=None, keepdims=False):
    return M.reduce_any(cast(x, dtypes.bool_), axis, keepdims)


def all(x, axis=None, keepdims=False):
    return M.reduce_all(cast(x, dtypes.bool_), axis, keepdims)


def argmax(x, axis=-1):
    return M.argmax(x, axis)


def argmin(x, axis=-1):
    return M.argmin(x, axis)




# --- products ----------------------------------------------------------------------------------------------
def _known(x):
    """The shape with static dimensions as ints and the others as scalar tensors."""
    return tuple(d if d is not None else shape(x)[i] for i, d in enumerate(int_shape(x)))


def _shape_arg(dims):
    """A reshape target: a list when every dimension is a Python int (so the static shape is kept), else a
    stacked tensor."""
    return list(dims) if builtins.all(isinstance(d, int) for d in dims) else array_ops.stack(list(dims))


def dot(x, y):
    """Keras' dot: matmul, with N-D operands contracting x's last axis with y's second to last (Theano's rule)."""
    if ndim(x) is not None and (ndim(x) > 2 or ndim(y) > 2):
        x_shape, y_shape = _known(x), _known(y)
        perm = list(range(ndim(y)))
        perm = [perm.pop(-2)] + perm
        xt = array_ops.reshape(x, [-1, x_shape[-1]])
        yt = array_ops.reshape(array_ops.transpose(y, perm), [y_shape[-2], -1])
        return array_ops.reshape(M.matmul(xt, yt), x_shape[:-1] + y_shape[:-2] + y_shape[-1:])
    if is_sparse(x):
        return sparse_math_ops.sparse_tensor_dense_matmul(x, y)
    return M.matmul(x, y)


def _batch_dot_axes(x_shape, y_shape, axes):
    x_ndim, y_ndim = len(x_shape), len(y_shape)
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError(f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes {x_shape} and "
                         f"{y_shape}.")
    if x_shape[0] is not None and y_shape[0] is not None and x_shape[0] != y_shape[0]:
        raise ValueError(f"Cannot do batch_dot on inputs with different batch sizes. Received inputs with shapes "
                         f"{x_shape} and {y_shape}.")
    if isinstance(axes, int):
        axes = [axes, axes]
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 1] if y_ndim == 2 else [x_ndim - 1, y_ndim - 2]
    if builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError(f"Multiple target dimensions are not supported. Expected: None, int, (int, int), Provided: "
                         f"{axes}")
    axes = [axes[0] + x_ndim if axes[0] < 0 else axes[0], axes[1] + y_ndim if axes[1] < 0 else axes[1]]
    if 0 in axes:
        raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch "
                         "dimension to your inputs using K.expand_dims(x, 0)")
    d1, d2 = x_shape[axes[0]], y_shape[axes[1]]
    if d1 is not None and d2 is not None and d1 != d2:
        raise ValueError(f"Cannot do batch_dot on inputs with shapes {x_shape} and {y_shape} with axes={axes}. "
                         f"x.shape[{axes[0]}] != y.shape[{axes[1]}] ({d1} != {d2}).")
    return axes


def batch_dot(x, y, axes=None):
    """Per-sample dot products: for each i of the batch, x[i] and y[i] contracted over `axes` (by default x's
    last axis and y's second to last, or last if y is 2-D); rank-2 results keep a trailing axis of 1 as Keras'."""
    x_ndim0, y_ndim0 = ndim(x), ndim(y)
    a0, a1 = _batch_dot_axes(int_shape(x), int_shape(y), axes)
    x_ndim, y_ndim = x_ndim0, y_ndim0
    if x_ndim == 2:
        x, a0, x_ndim = array_ops.expand_dims(x, 1), a0 + 1, 3
    if y_ndim == 2:
        y, y_ndim = array_ops.expand_dims(y, 2), 3
    if a0 != x_ndim - 1:  # x's contracted axis last
        x = array_ops.transpose(x, [i for i in range(x_ndim) if i != a0] + [a0])
    if a1 != 1:  # y's contracted axis second
        rest = [i for i in range(1, y_ndim) if i != a1]
        y = array_ops.transpose(y, [0, a1] + rest)
    x_mid = y_trail = None
    if x_ndim > 3:  # squash x's middle axes, y's trailing ones; unsquash the product after
        xs = _known(x)
        x_mid = xs[1:-1]
        x = array_ops.reshape(x, _shape_arg([xs[0], -1, xs[-1]]))
    if y_ndim > 3:
        ys = _known(y)
        y_trail = ys[2:]
        y = array_ops.reshape(y, _shape_arg([ys[0], ys[1], -1]))
    result = M.matmul(x, y)
    if x_mid is not None or y_trail is not None:
        out = _known(result)
        if x_mid is not None:
            out = (out[0], *x_mid, out[-1])
        if y_trail is not None:
            out = (*out[:-1], *y_trail)
        result = array_ops.reshape(result, _shape_arg(out))
    if x_ndim0 == 2:
        return array_ops.squeeze(result, [1])
    if y_ndim0 == 2:
        return array_ops.squeeze(result, [-1])
    return result


# --- shapes and layout ---------------------------------------------------------------------------------------
def reshape(x, shape):
    return array_ops.reshape(x, shape)


def transpose(x):
    return array_ops.transpose(x)


def permute_dimensions(x, pattern):
    return array_ops.transpose(x, perm=pattern)


def expand_dims(x, axis=-1):
    return array_ops.expand_dims(x, axis)


def squeeze(x, axis):
    return array_ops.squeeze(x, [axis])


def flatten(x):
    return array_ops.reshape(x, [-1])


def batch_flatten(x):
    """(batch, everything else): the product of the other dimensions, computed at run time."""
    rest = int_shape(x)[1:]
    if None not in rest:
        return array_ops.reshape(x, [-1, int(np.prod(rest))])
    return array_ops.reshape(x, array_ops.stack([-1, M.reduce_prod(shape(x)[1:])]))


def stack(x, axis=0):
    return array_ops.stack(x, axis=axis)


def concatenate(tensors, axis=-1):
    """Concatenation along `axis` (negative counts from the end); all-sparse inputs give a SparseTensor."""
    if axis < 0:
        rank = ndim(tensors[0])
        axis = axis % rank if rank else 0
    if builtins.all(is_sparse(x) for x in tensors):
        return sparse_array_ops.sparse_concat(axis, tensors)
    return array_ops.concat([to_dense(x) for x in tensors], axis)


def tile(x, n):
    return array_ops.tile(x, [n] if isinstance(n, int) else n)


def repeat(x, n):
    """A 2-D (batch, features) tensor repeated `n` times on a new axis 1: (batch, n, features)."""
    if ndim(x) != 2:
        raise ValueError(f"K.repeat expects a 2-D tensor, got rank {ndim(x)}")
    return array_ops.tile(array_ops.expand_dims(x, 1), array_ops.stack([1, n, 1]))


def repeat_elements(x, rep, axis):
    """Each slice along `axis` repeated `rep` times in place (NumPy's repeat), static or dynamic length."""
    size = x.shape.as_list()[axis]
    if size is not None:
        splits = array_ops.split(x, size, axis=axis)
        return concatenate([s for s in splits for _ in range(rep)], axis)
    aux = axis + 1 if axis >= 0 else ndim(x) + axis + 1
    reps = np.ones(ndim(x) + 1, np.int32)
    reps[aux] = rep
    tiled = array_ops.tile(array_ops.expand_dims(x, aux), reps)
    reps = np.delete(reps, aux)
    reps[axis] = rep
    out = array_ops.reshape(tiled, shape(x) * reps)
    out.set_shape(x.shape)
    return out


def reverse(x, axes):
    return array_ops.reverse(x, [axes] if isinstance(axes, int) else axes)


def gather(reference, indices):
    return array_ops.gather(reference, indices)


def one_hot(indices, num_classes):
    return array_ops.one_hot(indices, depth=num_classes, axis=-1)


def arange(start, stop=None, step=1, dtype="int32"):
    """`range` as int32 (then cast to `dtype`); a negative `start` alone gives an empty range, as Keras'."""
    if stop is None and start < 0:
        start = 0
    result = array_ops.range(start, limit=stop, delta=step, name="arange")
    return result if dtype == "int32" else cast(result, dtype)


def temporal_padding(x, padding=(1, 1)):
    """Zeros before and after the time axis of (batch, time, features)."""
    if len(padding) != 2:
        raise ValueError(f"temporal_padding takes (left, right), got {padding}")
    return array_ops.pad(x, [[0, 0], list(padding), [0, 0]])


def _spatial_padding(x, padding, data_format):
    pads = [list(p) for p in padding]
    if builtins.any(len(p) != 2 for p in pads):
        raise ValueError(f"each padding must be a pair (before, after), got {padding}")
    if normalize_data_format(data_format) == "channels_first":
        return array_ops.pad(x, [[0, 0], [0, 0], *pads])
    return array_ops.pad(x, [[0, 0], *pads, [0, 0]])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zeros around rows and columns of 4-D images (Keras' ZeroPadding2D)."""
    if len(padding) != 2:
        raise ValueError(f"spatial_2d_padding takes two (before, after) pairs, got {padding}")
    return _spatial_padding(x, padding, data_format)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zeros around the three spatial axes of 5-D volumes (Keras' ZeroPadding3D)."""
    if len(padding) != 3:
        raise ValueError(f"spatial_3d_padding takes three (before, after) pairs, got {padding}")
    return _spatial_padding(x, padding, data_format)
