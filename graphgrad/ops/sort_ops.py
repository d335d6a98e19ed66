"""Sorting: `tf.nn.top_k` (the `TopKV2` op: values and int32 indices of the k largest entries of each row),
`tf.sort` and `tf.argsort`, built on it as TensorFlow builds them.

Order follows TensorFlow: descending, and among equal values the lower index first (a stable sort); the
ascending sort is stable too. The gradient of the values scatters back into the input's shape at the
indices (`TopKGrad`), whose own gradient gathers at the same indices, so gradients of any order work.
"""
from __future__ import annotations

import collections
import math

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, fully_defined, static_shape
from . import array_ops
from .core import apply_op, convert_to_tensor

TopKV2Result = collections.namedtuple("TopKV2", ["values", "indices"])
ApproxTopKResult = collections.namedtuple("ApproxTopK", ["values", "indices"])


def _order(xp, descending):
    """`order(x)`: indices that sort the last axis stably, descending (lower index first among ties) or
    ascending. The descending order is the ascending stable sort of the reversed row, read backwards, so no
    negation is needed (which would overflow for the smallest integer and wrap unsigned ones)."""
    argsort = xp.argsort
    if not descending:
        return lambda x: argsort(x, axis=-1, kind="stable")

    def order(x):
        n = x.shape[-1]
        return (n - 1) - argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    return order


class TopKV2(OpDef):
    """(values, indices) of the `k` largest entries along the last axis, largest first.

    graphgrad's `descending=False` attribute gives the k smallest, smallest first (what `tf.sort` needs),
    and `k=None` means the whole last dimension."""

    type = "TopKV2"

    def infer(op):
        x = op.inputs[0]
        dt = x.dtype.base_dtype
        if not (dt.is_floating or dt.is_integer):
            raise TypeError(f"Value passed to parameter 'input' has DataType {dt.name} not in list of allowed "
                            "values: float16, float32, float64, int8, int16, int32, int64, uint8")
        s, k = static_shape(x), op.attrs["k"]
        if s is None:
            return [(None, dt), (None, dtypes.int32)]
        if not s:
            raise ValueError("Shape must be at least rank 1 but is rank 0")
        if k is not None and s[-1] is not None and s[-1] < k:
            raise ValueError(f"input must have last dimension >= k = {k} but is {s[-1]}")
        out = s[:-1] + ((s[-1] if k is None else k),)
        return [(out, dt), (out, dtypes.int32)]

    def kernel(op, ctx):
        xp, k = ctx.xp, op.attrs["k"]
        order = _order(xp, op.attrs.get("descending", True))
        take, argmax, int32 = xp.take_along_axis, xp.argmax, np.int32
        if k == 1 and op.attrs.get("descending", True):
            def top1(x):
                idx = argmax(x, axis=-1)[..., None]  # the first maximum, as the stable order
                return take(x, idx, axis=-1), idx.astype(int32)
            return top1

        def top_k(x):
            if k is not None and x.shape[-1] < k:
                raise InvalidArgumentError(op.node_def, op, f"input must have at least k columns. Had "
                                                            f"{x.shape[-1]}, needed {k}\n\t [[{{{{node {op.name}}}}}]]")
            idx = order(x)
            if k is not None and k < x.shape[-1]:
                idx = idx[..., :k]
            return take(x, idx, axis=-1), idx.astype(int32)
        return top_k

    def gradient(op, dvalues, dindices):
        return [_scatter(dvalues, op.outputs[1], op.inputs[0])]


def _scatter(values, indices, like):
    """`values` put at `indices` (along the last axis) into zeros shaped like `like`."""
    s = static_shape(like)
    if fully_defined(s):
        return apply_op(TopKGrad, [values, indices], {"shape": s}, "TopKGrad")
    return apply_op(TopKGrad, [values, indices, array_ops.shape(like)], {"shape": None}, "TopKGrad")


class TopKGrad(OpDef):
    """Zeros of the input's shape with `values` written at `indices` along the last axis (the indices of a
    row are distinct, so writing equals summing). The shape comes from the `shape` attribute when static,
    else from a third (shape) input."""

    type = "TopKGrad"

    def infer(op):
        s = op.attrs["shape"]
        if s is None:
            s = array_ops._shape_from_tensor(op.inputs[2])
        return [(s, op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp, static = ctx.xp, op.attrs["shape"]
        zeros, arange = xp.zeros, xp.arange

        def scatter(v, i, shape):
            out = zeros(shape, v.dtype)
            rows, k = math.prod(shape[:-1]), i.shape[-1]
            flat = out.reshape(rows, shape[-1])  # a view: writing it fills `out`
            flat[arange(rows)[:, None], i.reshape(rows, k)] = v.reshape(rows, k)
            return out
        if static is not None:
            return lambda v, i: scatter(v, i, static)
        return lambda v, i, s: scatter(v, i, tuple(s.tolist()))

    def gradient(op, g):
        return [apply_op(TakeAlongLastAxis, [g, op.inputs[1]], None, "TakeAlongLastAxis")] + \
            [None] * (len(op.inputs) - 1)


class TakeAlongLastAxis(OpDef):
    """`params[..., indices]` row by row (NumPy's take_along_axis on the last axis): TopKGrad's gradient."""

    type = "TakeAlongLastAxis"

    def infer(op):
        return [(static_shape(op.inputs[1]), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        take, intp = ctx.xp.take_along_axis, np.intp
        return lambda p, i: take(p, i.astype(intp), axis=-1)

    def gradient(op, dy):
        return [_scatter(dy, op.inputs[1], op.inputs[0]), None]


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TensorFlow's names
    """(values, indices) of the `k` largest entries of each row (last axis), largest first; indices are int32
    and among equal values the lower index comes first. `k` must be known while building."""
    x = convert_to_tensor(input, name="input")
    k = array_ops._static_int(k, "k")
    if k < 0:
        raise ValueError(f"Need k >= 0, got {k}")
    values, indices = apply_op(TopKV2, [x], {"k": k, "sorted": bool(sorted), "descending": True},
                               name or "TopKV2")
    return TopKV2Result(values, indices)


_DIRECTIONS = ("ASCENDING", "DESCENDING")


def _sort_along(values, axis, direction, want_indices, scope):
    """Sort along `axis` by moving it last (TopKV2 works on the last axis) and back."""
    if direction not in _DIRECTIONS:
        raise ValueError(f"{direction!r} is not a valid direction; use one of {list(_DIRECTIONS)}")
    vals, idx = _top_k_along(values, axis, None, direction == "DESCENDING", scope, (not want_indices, want_indices))
    return idx if want_indices else vals


def _top_k_along(values, axis, k, descending, scope, named=(False, False)):
    """TopKV2's (values, indices) along `axis` (moved last and back); the outputs in `named` get `scope`'s name."""
    x = convert_to_tensor(values, name="values")
    s = static_shape(x)
    if s is None:
        raise ValueError(f"sort needs a tensor of known rank, got {x}")
    if not s:
        raise ValueError("sort needs a tensor of rank >= 1, got a scalar")
    axis = array_ops._norm_axis(array_ops._static_int(axis), len(s))
    perm = None
    if axis != len(s) - 1:
        perm = list(range(len(s)))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        x = array_ops.transpose(x, perm)
    last = None if perm is None else "TopKV2"
    out = apply_op(TopKV2, [x], {"k": k, "sorted": True, "descending": bool(descending)}, last or scope)
    if perm is not None:  # a swap is its own inverse
        out = [array_ops.transpose(o, perm, name=scope if n else None) for o, n in zip(out, named)]
    return tuple(out)


def approx_top_k(input, k, reduction_dimension=-1, recall_target=0.95, is_max_k=True,  # noqa: A002
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """`tf.approx_top_k`: (values, indices) of the `k` largest (`is_max_k`) or smallest entries along
    `reduction_dimension`, sorted. graphgrad's are exact (recall 1 >= any `recall_target`; TF's CPU/GPU XLA
    lowering is exact too, TPUs approximate), so the tuning arguments only have to be valid."""
    del reduction_input_size_override, aggregate_to_topk  # tuning of TPU's approximate search
    if not 0.0 < recall_target <= 1.0:
        raise ValueError(f"recall_target must be in (0, 1], got {recall_target}")
    with name_scope(name, "ApproxTopK", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        s = static_shape(x)
        if s is not None and s:
            n = s[array_ops._norm_axis(reduction_dimension, len(s))]
            if n is not None and n < k:
                raise ValueError(f"input must have last dimension >= k = {k} but was {n}")
        return ApproxTopKResult(*_top_k_along(x, reduction_dimension, int(k), is_max_k, scope))


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95, reduction_input_size_override=-1,
                 aggregate_to_topk=True, name=None):
    """The `k` largest along `reduction_dimension` (`approx_top_k`): exact in graphgrad."""
    return approx_top_k(operand, k, reduction_dimension, recall_target, True, reduction_input_size_override,
                        aggregate_to_topk, name)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95, reduction_input_size_override=-1,
                 aggregate_to_topk=True, name=None):
    """The `k` smallest along `reduction_dimension`, smallest first (`approx_top_k`): exact in graphgrad."""
    return approx_top_k(operand, k, reduction_dimension, recall_target, False, reduction_input_size_override,
                        aggregate_to_topk, name)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """`values` sorted along `axis` (stable; differentiable: the gradient follows each value to its place)."""
    with name_scope(name, "sort", [values]) as scope:
        return _sort_along(values, axis, direction, False, scope)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """int32 indices that sort `values` along `axis`; always stable (equal values keep their order)."""
    with name_scope(name, "argsort", [values]) as scope:
        return _sort_along(values, axis, direction, True, scope)


__all__ = ["top_k", "sort", "argsort", "approx_top_k", "approx_max_k", "approx_min_k"]
