"""Reductions over axes: reduce_sum/mean/max/min/prod/any/all, reduce_logsumexp and count_nonzero, with the ops
their gradients use: Unreduce (broadcast a reduced gradient back to the input's shape) and ProdOthers (the
exact gradient of a product, zeros included). reduce_max's ties share the gradient equally, as in TF1.
"""
from __future__ import annotations

from math import prod

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, fully_defined, not_differentiable, static_shape
from .arithmetic_ops import AddV2, multiply, realdiv, subtract
from .cast_ops import cast
from .comparison_ops import equal, not_equal
from .core import apply_op, constant, convert_to_tensor, stop_gradient
from .math_common import NUMERIC, NUMERIC_COMPLEX, _check_kind, _const_value, _node, _scalar
from .select_ops import where_v2
from .unary_ops import exp, is_finite, log


def _axis_tuple(axis):
    """Raw axes as a tuple of ints (None: all axes); a repeated axis is TF1's "duplicate dimension" error."""
    if axis is None:
        return None
    a = np.asarray(_const_value(axis, "axis"))
    if a.size == 0:
        return ()
    if a.dtype.kind not in "iu":
        raise TypeError(f"axis must be an int or a list of ints, got {axis!r}")
    if a.ndim > 1:
        raise ValueError(f"axis must be a scalar or a vector, got shape {list(a.shape)}")
    axes = tuple(int(i) for i in a.reshape(-1))
    if len(set(axes)) != len(axes):
        raise ValueError(f"Invalid reduction arguments: Axes contains duplicate dimension: "
                         f"{next(i for i in axes if axes.count(i) > 1)}")
    return axes


def _normalize_axes(axes, rank, what="reduction dimension"):
    """Axes in [0, rank) sorted; ValueError for out-of-range ones. None stands for all axes."""
    if axes is None:
        return tuple(range(rank))
    out = set()
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"Invalid {what} {a} for input with {rank} dimensions.")
        if a % rank in out:
            raise ValueError(f"Invalid reduction arguments: Axes contains duplicate dimension: {a % rank}")
        out.add(a % rank)
    return tuple(sorted(out))


def _op_axes(op, x=None):
    """The op's normalized axes when the input's rank is known statically, else the raw attribute."""
    shape = static_shape(op.inputs[0] if x is None else x)
    axes = op.attrs["axis"]
    return axes if shape is None else _normalize_axes(axes, len(shape))


def _reduced_shape(shape, axes, keep):
    if shape is None:
        return () if axes is None and not keep else None
    ax = _normalize_axes(axes, len(shape))
    if keep:
        return tuple(1 if i in ax else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in ax)


def _reduction_of_nothing(op, facts):
    """`simplify` of reductions over no axes (or, with keep_dims, only over axes of size 1): the input."""
    x = facts.args(op)[0]
    axes, s = op.attrs.get("axis"), facts.sym(x)
    if axes is not None and len(axes) == 0:
        return x, False
    if s is None:
        return None
    if axes is None:
        axes = range(len(s))
    try:
        ones = all(s[a] == 1 for a in axes)
    except IndexError:
        return None
    return (x, False) if ones and (op.attrs.get("keep_dims") or len(s) == 0) else None


def _axes_checked(op, kernel):
    """`kernel` itself when the input's rank is known while building (the axes were checked then), else behind a
    check of the axes against the rank when run, in TF's words (not NumPy's AxisError)."""
    axes = op.attrs["axis"]
    if axes is None or static_shape(op.inputs[0]) is not None:
        return kernel

    def axes_checked(x):
        r, seen = x.ndim, set()
        for a in axes:
            if not -r <= a < r:
                raise InvalidArgumentError(op.node_def, op, f"Invalid reduction dimension ({a} for input with {r} "
                                                            f"dimension(s){_node(op)}")
            if a % r in seen:
                raise InvalidArgumentError(op.node_def, op, f"Invalid reduction arguments: Axes contains duplicate "
                                                            f"dimension: {a % r}{_node(op)}")
            seen.add(a % r)
        return kernel(x)
    return axes_checked


class Reduction(OpDef):
    """Reduce over `axis` (tuple of ints, or None for all), keeping reduced dims as 1 if `keep_dims`."""

    kinds = NUMERIC
    func = None

    def infer(op):
        x = op.inputs[0]
        dt = _check_kind(op, x.dtype.base_dtype, op.op_def.kinds, "input")
        return [(_reduced_shape(static_shape(x), op.attrs["axis"], op.attrs["keep_dims"]), dt)]

    def kernel(op, ctx):
        f = getattr(ctx.xp, op.op_def.func)
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        if axes is not None and static_shape(op.inputs[0]) is not None and len(axes) == op.inputs[0].shape.ndims:
            axes = None  # all axes: NumPy's fastest path
        return _axes_checked(op, lambda x: f(x, axis=axes, keepdims=keep))


class Sum(Reduction):
    type, func, kinds = "Sum", "sum", NUMERIC_COMPLEX
    simplify = _reduction_of_nothing

    def kernel(op, ctx):
        f = ctx.xp.sum
        dt = op.outputs[0].dtype.np  # NumPy would widen int32 sums to int64
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        return _axes_checked(op, lambda x: f(x, axis=axes, dtype=dt, keepdims=keep))

    def gradient(op, dz):
        return [unreduce(dz, op)]


class Prod(Reduction):
    type, func = "Prod", "prod"
    simplify = _reduction_of_nothing

    def kernel(op, ctx):
        f = ctx.xp.prod
        dt = op.outputs[0].dtype.np
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        return _axes_checked(op, lambda x: f(x, axis=axes, dtype=dt, keepdims=keep))

    def gradient(op, dz):
        x = op.inputs[0]
        others = apply_op(ProdOthers, [x], {"axis": _op_axes(op)})
        return [multiply(unreduce(dz, op), others)]


class Mean(Reduction):
    """Mean; on integers the sum is divided with truncation toward zero (mean of [-1, -2, -4] is -2)."""

    type, func, kinds = "Mean", "mean", NUMERIC_COMPLEX

    def simplify(op, facts):
        """A mean over nothing is its input; only for floats (integer means keep their kernel)."""
        return _reduction_of_nothing(op, facts) if facts.args(op)[0].dtype.base_dtype.is_floating else None

    def jit(op, facts):
        """The mean of every element (a loss), as a scalar."""
        return "{o0} = {T}(_lib.mean_all({i0}))" if _reduces_all(op, facts) else None

    def kernel(op, ctx):
        xp = ctx.xp
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        dt = op.outputs[0].dtype
        if dt.is_floating or dt.is_complex:
            return _axes_checked(op, _float_mean_kernel(op, xp, axes, keep, dt.np))
        sum_, sign_, abs_ = xp.sum, xp.sign, xp.abs

        def int_mean(x):
            s = sum_(x, axis=axes, dtype=dt.np, keepdims=keep)
            n = _count(x.shape, axes)
            return sign_(s) * (abs_(s) // max(n, 1))
        return _axes_checked(op, int_mean)

    def gradient(op, dz):
        return [unreduce(dz, op, mean=True)]


_EXACT_COUNT = 2 ** 24  # element counts up to this are exact in float32, so dividing in the dtype is exact


def _float_mean_kernel(op, xp, axes, keep, dt):
    """Sum, then divide by the count: xp.mean costs ~5 us of Python on small arrays. Bit-identical to NumPy's
    mean (same pairwise sum; its float64 division by the count rounds as the dtype's own division does for
    counts up to 2**24, the only ones taken here). float16 (NumPy sums it in float32), empty reductions (mean's
    own warning) and huge counts go to xp.mean."""
    mean = xp.mean
    if dt.itemsize < 4:
        return lambda x: mean(x, axis=axes, keepdims=keep)
    shape = static_shape(op.inputs[0])
    if shape is not None and axes is not None and len(axes) == len(shape):
        axes = None  # all axes: NumPy's fastest path
    known = shape is not None and all(shape[i] is not None for i in (range(len(shape)) if axes is None else axes))
    # xp.add.reduce is what x.sum calls, minus a Python layer (CuPy before v13 has only x.sum)
    add_reduce = getattr(xp.add, "reduce", None)
    if add_reduce is not None:
        def total(x):
            return add_reduce(x, axes, None, None, keep)
    else:
        def total(x):
            return x.sum(axis=axes, keepdims=keep)
    if known:
        n = _count(shape, axes)
        if not 0 < n <= _EXACT_COUNT:
            return lambda x: mean(x, axis=axes, keepdims=keep)
        div = xp.full((), n, dt)

        def static_mean(x):
            s = total(x)
            s /= div
            return s
        return static_mean

    def dynamic_mean(x):
        n = x.size if axes is None else _count(x.shape, axes)
        if not 0 < n <= _EXACT_COUNT:
            return mean(x, axis=axes, keepdims=keep)
        s = total(x)
        s /= n
        return s
    return dynamic_mean


class Max(Reduction):
    """Max; gradient shared equally among tied maxima (TF's rule). Over nothing it is the dtype's lowest
    value (-inf for floats), as in TF, where NumPy raises."""

    type, func = "Max", "max"
    simplify = _reduction_of_nothing

    def kernel(op, ctx):
        xp = ctx.xp
        reduce = Reduction.kernel(op, ctx)
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        dt = op.outputs[0].dtype.np
        floating = np.issubdtype(dt, np.floating)
        lowest = -np.inf if floating else np.iinfo(dt).min
        highest = np.inf if floating else np.iinfo(dt).max
        empty = lowest if op.op_def.func == "max" else highest

        def reduce_or_empty(x):
            if x.size:
                return reduce(x)
            ax = range(x.ndim) if axes is None else [a % x.ndim for a in axes]
            shape = tuple(1 if i in ax else d for i, d in enumerate(x.shape) if keep or i not in ax)
            return xp.full(shape, empty, dt)
        return _axes_checked(op, reduce_or_empty)

    def gradient(op, dz):
        return [_min_max_grad(op, dz)]


class Min(Max):
    type, func = "Min", "min"


class Any(Reduction):
    type, func, kinds = "Any", "any", "b"
    gradient = not_differentiable


class All(Reduction):
    type, func, kinds = "All", "all", "b"
    gradient = not_differentiable


def _count(shape, axes):
    n = 1
    for i in range(len(shape)) if axes is None else axes:
        n *= shape[i]
    return n


def _min_max_grad(op, dz):
    x, y = op.inputs[0], op.outputs[0]
    axes = _op_axes(op)
    indicators = cast(equal(x, unreduce(y, op)), x.dtype.base_dtype)
    num_selected = apply_op(Sum, [indicators], {"axis": axes, "keep_dims": True})
    return multiply(realdiv(indicators, num_selected), unreduce(dz, op))


def _reduces_all(op, facts):
    """Whether a float reduction (or its Unreduce) takes every axis of a tensor of rank >= 1 to a scalar."""
    x = op.inputs[0] if op.type != "Unreduce" else None
    rank = len(facts.sym(x)) if x is not None else len(op.attrs["shape"] or facts.sym(op.inputs[1]))
    return (op.outputs[0].dtype.is_floating and rank >= 1 and not op.attrs["keep_dims"]
            and _normalize_axes(op.attrs["axis"], rank) == tuple(range(rank)))


class Unreduce(OpDef):
    """Gradient of a reduction: `dz` with the reduced axes put back, broadcast to the input's shape (and
    divided by the number of reduced elements for a mean). The input's shape comes from the `shape` attr
    when it is static, so the forward input need not stay alive; otherwise from a second input."""

    type = "Unreduce"
    shape_only_inputs = (1,)

    def infer(op):
        return [(op.op_def.shape_rule(op, *map(static_shape, op.inputs)), op.inputs[0].dtype.base_dtype)]

    def shape_rule(op, *shapes):
        if op.attrs["shape"] is not None:
            return tuple(op.attrs["shape"])
        return shapes[1] if len(shapes) > 1 else None

    def kernel(op, ctx):
        xp = ctx.xp
        axes, keep, mean = op.attrs["axis"], op.attrs["keep_dims"], op.attrs["mean"]
        shape = op.attrs["shape"]
        expand = _unreduce_expand(xp, op.outputs[0].dtype.np, mean)
        if shape is not None:
            ax = _normalize_axes(axes, len(shape))
            kept = tuple(1 if i in ax else d for i, d in enumerate(shape))
            n = _count(shape, ax)
            return lambda g: expand(g.reshape(kept), shape, n)

        x_shape = static_shape(op.inputs[1])
        if x_shape is not None:  # rank known: the axes are too
            ax = _normalize_axes(axes, len(x_shape))
            if keep or ax == tuple(range(len(ax))):  # g broadcasts as it is (reduced dims kept, or leading)
                if not mean:
                    return lambda g, x: expand(g, x.shape, 1)
                return lambda g, x: expand(g, x.shape, _count(x.shape, ax))

            def unreduce_rank(g, x):
                s = x.shape
                g = g.reshape(tuple(1 if i in ax else d for i, d in enumerate(s)))
                return expand(g, s, _count(s, ax) if mean else 1)
            return unreduce_rank

        def unreduce_dynamic(g, x):
            ax = _normalize_axes(axes, x.ndim)
            if not keep:
                g = g.reshape(tuple(1 if i in ax else d for i, d in enumerate(x.shape)))
            return expand(g, x.shape, _count(x.shape, ax) if mean else 1)
        return unreduce_dynamic

    def jit(op, facts):
        """The gradient of a mean (or sum) of every element: the scalar (divided by the count) everywhere."""
        if op.attrs["shape"] is None and len(op.inputs) < 2 or not _reduces_all(op, facts):
            return None
        shape = "{i1}.shape" if op.attrs["shape"] is None else repr(tuple(op.attrs["shape"]))
        value = "{i0} / {T}({u}n)" if op.attrs["mean"] else "{i0}"
        return "\n".join(["{u}s = " + shape, "{u}n = 1", "for {u}d in {u}s:", "    {u}n *= {u}d",
                          "{o0} = np.full({u}s, " + value + ")"])

    def gradient(op, g):
        attrs = {"axis": op.attrs["axis"], "keep_dims": op.attrs["keep_dims"]}
        dz = apply_op(Mean if op.attrs["mean"] else Sum, [g], attrs)
        return [dz] + [None] * (len(op.inputs) - 1)


_SMALL_FILL = 1 << 14  # results up to this many elements are written out; xp.broadcast_to costs ~2 us of Python


def _unreduce_expand(xp, dt, mean):
    """`expand(g, shape, n)`: g (reduced dims kept as 1) broadcast to `shape`, divided by n for a mean (as
    `g / n`: the same rounding either way). Small results are written into a new array by one ufunc call; large
    ones stay a broadcast view of `g / n` (no pass over memory)."""
    empty, divide, copyto, broadcast_to = xp.empty, xp.true_divide, xp.copyto, xp.broadcast_to
    if mean and dt.kind != "f":
        return lambda g, shape, n: broadcast_to(g / n, shape)

    full, last = xp.full, [(None, None)]  # the last count, and it as a 0-d array (faster than an int in a ufunc)

    def expand(g, shape, n):
        if prod(shape) > _SMALL_FILL:
            return broadcast_to(g / n if mean else g, shape)
        out = empty(shape, dt)
        if mean:
            count = last[0]
            if count[0] != n:
                count = last[0] = (n, full((), n, dt))  # the value NumPy converts the int n to
            divide(g, count[1], out=out)
        else:
            copyto(out, g)
        return out
    return expand


def unreduce(dz, reduce_op, mean=False):
    """The Unreduce op taking `dz` (shaped like reduce_op's output) back to reduce_op's input shape."""
    x = reduce_op.inputs[0]
    shape = static_shape(x)
    attrs = {"axis": _op_axes(reduce_op), "keep_dims": reduce_op.attrs["keep_dims"], "mean": mean,
             "shape": shape if fully_defined(shape) else None}
    return apply_op(Unreduce, [dz] if attrs["shape"] is not None else [dz, x], attrs)


class ProdOthers(OpDef):
    """For each element, the product of the OTHER elements of its reduction group: reduce_prod's exact
    gradient factor, also with zeros in the input (exclusive products from the left times from the right)."""

    type = "ProdOthers"

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        axes = op.attrs["axis"]

        def prod_others(x):
            nd = x.ndim
            red = _normalize_axes(axes, nd)
            keep = [i for i in range(nd) if i not in red]
            perm = keep + list(red)
            xt = xp.transpose(x, perm)
            lead = xt.shape[:len(keep)]
            n = _count(xt.shape, range(len(keep), nd))
            flat = xt.reshape((-1, n))
            left = xp.ones_like(flat)
            right = xp.ones_like(flat)
            if n > 1:
                xp.cumprod(flat[:, :-1], axis=1, out=left[:, 1:])
                xp.cumprod(flat[:, :0:-1], axis=1, out=right[:, -2::-1])
            left *= right
            inverse = np.argsort(perm)
            return xp.transpose(left.reshape(lead + xt.shape[len(keep):]), inverse)
        return prod_others

    def gradient(op, g):
        # d/dx_j sum_i g_i prod_{k != i} x_k = sum_{i != j} g_i prod_{k != i, j} x_k
        #   = (sum_i g_i others_i - g_j others_j) / x_j   (exact for nonzero x, as TensorFlow's)
        x, others = op.inputs[0], op.outputs[0]
        axes = op.attrs["axis"]
        go = multiply(g, others)
        total = apply_op(Sum, [go], {"axis": axes, "keep_dims": True})
        return [realdiv(subtract(total, go), x)]


def _reduce_args(axis, keepdims, reduction_indices, keep_dims):
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Can not specify both 'axis' and 'reduction_indices'.")
        axis = reduction_indices
    if keepdims is None:
        keepdims = bool(keep_dims) if keep_dims is not None else False
    elif keep_dims is not None and bool(keep_dims) != bool(keepdims):
        raise ValueError("The `keep_dims` and `keepdims` arguments must agree.")
    return _axis_tuple(axis), bool(keepdims)


def _reduce(op_def, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    axes, keep = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    x = convert_to_tensor(input_tensor, name="input_tensor")
    return apply_op(op_def, [x], {"axis": axes, "keep_dims": keep}, name or op_def.type)


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Sum, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """Mean over `axis`; integer inputs give an integer mean truncated toward zero, as TensorFlow."""
    return _reduce(Mean, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Max, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Min, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Prod, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(Any, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(All, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                     keep_dims=None):
    """log(sum(exp(x))) computed as max + log(sum(exp(x - max))): no overflow for inputs near 1e4.
    The max is a stop_gradient'ed constant shift, so the gradient is exactly softmax(x)·dz."""
    axes, keep = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    with name_scope(name, "ReduceLogSumExp", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor, name="input_tensor")
        raw_max = apply_op(Max, [x], {"axis": axes, "keep_dims": True})
        my_max = stop_gradient(where_v2(is_finite(raw_max), raw_max, _scalar(0, raw_max)))
        summed = apply_op(Sum, [exp(subtract(x, my_max))], {"axis": axes, "keep_dims": keep})
        shift = my_max if keep else apply_op(Sum, [my_max], {"axis": axes, "keep_dims": False})
        return apply_op(AddV2, [log(summed), shift], None, scope)


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None):
    axes, keep = _reduce_args(axis, keepdims, reduction_indices, keep_dims)
    with name_scope(name, "count_nonzero", [input_tensor]):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        zero = constant(0, dtype=x.dtype.base_dtype) if not x.dtype.base_dtype.is_bool else constant(False)
        nonzero = cast(not_equal(x, zero), dtype)
        return apply_op(Sum, [nonzero], {"axis": axes, "keep_dims": keep})

