"""Norm clipping (TensorFlow 1.x `clip_ops`): rescale tensors whose L2 norm exceeds a limit, typically
gradients between `compute_gradients` and `apply_gradients`:

    grads, variables = zip(*opt.compute_gradients(loss))
    grads, norm = tf.clip_by_global_norm(grads, 5.0)
    train = opt.apply_gradients(zip(grads, variables))

Also `clip_by_value` (min(max(t, lo), hi), elementwise). All are compositions of graph ops, so they differentiate
like any other.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..framework import dtypes
from ..framework.graph import name_scope
from . import array_ops
from .arithmetic_ops import Maximum, add_n, maximum, minimum, truediv
from .cast_ops import cast
from .comparison_ops import greater
from .core import constant, convert_to_tensor, identity, ones_like
from .indexed_slices import IndexedSlices
from .math_common import binary
from .reduction_ops import reduce_sum
from .select_ops import where
from .unary_ops import rsqrt, sqrt

__all__ = ["clip_by_value", "clip_by_norm", "global_norm", "clip_by_global_norm", "clip_by_average_norm"]


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """min(max(t, lo), hi) as TF1 builds it (Minimum then Maximum), so the gradient passes at the bounds:
    dz reaches t wherever lo <= t <= hi."""
    with name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        t = convert_to_tensor(t, name="t")
        t_min = minimum(t, clip_value_max)
        if not t_min.shape.is_compatible_with(t.shape):
            raise ValueError(f"Shapes {t.shape} and {t_min.shape} are incompatible (clip_by_value must not "
                             "broadcast t)")
        t_max = binary(Maximum, t_min, clip_value_min, scope, None)
        if not t_max.shape.is_compatible_with(t.shape):
            raise ValueError(f"Shapes {t.shape} and {t_max.shape} are incompatible (clip_by_value must not "
                             "broadcast t)")
        return t_max



def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(||t||, clip_norm): `t` unchanged when its L2 norm (over `axes`, default all) is at
    most `clip_norm`, else scaled down to that norm. A zero tensor stays zero with a finite gradient. An
    IndexedSlices stays one (its values clipped, as TF does)."""
    with name_scope(name, "clip_by_norm", [t, clip_norm]) as scope:
        values = convert_to_tensor(_values_of(t), name="t")
        l2sum = reduce_sum(values * values, axes, keepdims=True)
        pred = greater(l2sum, constant(0, dtype=l2sum.dtype.base_dtype))
        # Two selects keep sqrt away from 0, whose derivative would turn the gradient into NaN.
        l2sum_safe = where(pred, l2sum, ones_like(l2sum))
        l2norm = where(pred, sqrt(l2sum_safe), l2sum)
        intermediate = values * clip_norm
        # clip_norm must not broadcast t to a bigger shape.
        values.shape.merge_with(intermediate.shape)
        return _like(t, identity(truediv(intermediate, maximum(l2norm, clip_norm)), name=scope))


def _values_of(t):
    """What the clipping ops scale: an IndexedSlices' values (repeated rows count once each, as in TF)."""
    return t.values if isinstance(t, IndexedSlices) else t


def _like(t, values):
    return IndexedSlices(values, t.indices, t.dense_shape) if isinstance(t, IndexedSlices) else values


def _check_sequence(t_list):
    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError("t_list should be a sequence")
    return list(t_list)


def global_norm(t_list, name=None):
    """sqrt(sum of the squares of every element of every tensor in `t_list`); None entries are ignored."""
    t_list = _check_sequence(t_list)
    with name_scope(name, "global_norm", [t for t in t_list if t is not None]) as scope:
        values = [convert_to_tensor(_values_of(t), name=f"t_{i}") for i, t in enumerate(t_list) if t is not None]
        if not values:
            raise ValueError("global_norm needs at least one tensor that is not None")
        squares = [reduce_sum(v * v) for v in values]
        total = squares[0] if len(squares) == 1 else add_n(squares)
        del scope
        return sqrt(total, name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(t_list scaled by clip_norm / max(global_norm, clip_norm), global_norm). The same factor for every
    tensor keeps the direction of the whole gradient. None entries stay None. A non-finite norm makes every
    output NaN (so a diverged step is visible rather than silently clipped)."""
    t_list = _check_sequence(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    use_norm = convert_to_tensor(use_norm)
    present = [t for t in t_list if t is not None]
    with name_scope(name, "clip_by_global_norm", present + [clip_norm]) as scope:
        dt = use_norm.dtype.base_dtype
        clip = clip_norm if hasattr(clip_norm, "dtype") else constant(clip_norm, dtype=dt)
        scale_for_finite = clip * minimum(
            truediv(constant(1.0, dtype=dt), use_norm), truediv(constant(1.0, dtype=dt), clip))
        scale = scale_for_finite + (use_norm - use_norm)   # NaN when the norm is inf or NaN
        out = []
        for i, t in enumerate(t_list):
            if t is None:
                out.append(None)
                continue
            v = convert_to_tensor(_values_of(t), name=f"t_{i}")
            out.append(_like(t, identity(v * cast(scale, v.dtype.base_dtype), name=f"{scope}_{i}")))
        return out, use_norm


def clip_by_average_norm(t, clip_norm, name=None):
    """t * clip_norm / max(||t|| / number of elements, clip_norm): clip by the L2 norm per element."""
    with name_scope(name, "clip_by_average_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name="t")
        dt = t.dtype.base_dtype
        n_element = cast(array_ops.size(t, out_type=dtypes.int64), dt)
        l2norm_inv = rsqrt(reduce_sum(t * t))
        limit = minimum(l2norm_inv * n_element, truediv(constant(1.0, dtype=dt), clip_norm))
        return identity(t * clip_norm * limit, name=scope)
