"""TF1's segment reductions: `tf.segment_sum/mean/max/min/prod` (sorted ids; the output has last id + 1 rows),
`tf.unsorted_segment_max/min/prod` (num_segments rows; negative ids dropped) with `unsorted_segment_mean/sqrt_n`
built from sums as TF builds them, and `tf.sparse_segment_sum/mean/sqrt_n` (rows picked by `indices` first; with
`num_segments`, TF's `...WithNumSegments` ops). Empty segments hold TF's values: 0 for the sorted ops (1 for a
product), the dtype's lowest/highest for an unsorted max/min. Run-time checks raise TF's InvalidArgumentErrors.
The gradients are TF's, from graph ops: a max/min shares its gradient among tied rows, a product is exact with
one zero in a segment (and zero with two), so they differentiate again."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .arithmetic_ops import divide, maximum, multiply
from .array_ops import concat, gather, get_static_value, ones, rank, reshape, shape
from .cast_ops import cast
from .comparison_ops import equal, greater, logical_and
from .core import apply_op, convert_to_tensor, ones_like, zeros_like
from .row_sums import reduce_rows
from .segment_ops import UnsortedSegmentSum, gather_drop_negatives, unsorted_rows, unsorted_segment_sum
from .select_ops import where_v2
from .unary_ops import rsqrt, sqrt

__all__ = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod", "unsorted_segment_max",
           "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_mean", "unsorted_segment_sqrt_n",
           "sparse_segment_sum", "sparse_segment_mean", "sparse_segment_sqrt_n"]


def _check_int(t, what):
    if not t.dtype.base_dtype.is_integer:
        raise TypeError(f"Value passed to parameter '{what}' has DataType {t.dtype.base_dtype.name} not in list of "
                        "allowed values: int32, int64")


def _check_vector(t):
    s = static_shape(t)
    if s is not None and len(s) != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {len(s)}")  # create_op adds the op and shapes


def sorted_rows(op, ids, num=None):
    """The output's rows for sorted host `ids` (last id + 1, or `num`), after TF's checks in TF's order."""
    last = int(ids[-1]) + 1 if len(ids) else 0
    if num is not None and last > num:
        raise op_error(InvalidArgumentError, op, "segment ids must be < num_segments")
    if last < 1 and len(ids):
        raise op_error(InvalidArgumentError, op, "segment ids must be >= 0")
    n = last if num is None else num
    if not len(ids):
        return n
    run = ids[np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]]))]
    falls = np.append(run[1:] < run[:-1], False)
    bad = np.flatnonzero(falls | (run < 0) | (run >= n))
    if len(bad):
        if falls[bad[0]]:
            raise op_error(InvalidArgumentError, op, "segment ids are not increasing")
        raise op_error(InvalidArgumentError, op, f"Segment id {int(run[bad[0]])} out of range [0, {n}), possibly "
                                                 "because 'segment_ids' input is not sorted.")
    return n


def _empty(dt, value):
    """TF's value for an empty segment: a number, or "lowest"/"highest" of the dtype."""
    if value in ("lowest", "highest"):
        integer = np.issubdtype(dt, np.integer)
        info = np.iinfo(dt) if integer else np.finfo(dt)
        bound = info.min if value == "lowest" else info.max
        return int(bound) if integer else float(bound)  # a Python number: xp.full on CuPy takes no NumPy scalar
    return value


def _scale(ctx, out, counts, how):
    """out / count (a mean) or out / sqrt(count), per segment; empty segments stay 0."""
    c = np.maximum(counts, 1).astype(np.float64)
    c = (np.sqrt(c) if how == "sqrt_n" else c).reshape((-1,) + (1,) * (out.ndim - 1))
    if np.issubdtype(out.dtype, np.integer):
        return (out / ctx.to_device(c)).astype(out.dtype)  # TF's integer mean truncates
    return out / ctx.to_device(c.astype(out.dtype))


def _column(v, like):
    """A vector with one entry per row of `like`, reshaped to broadcast against it (statically where ranks are
    known, so that shapes stay known)."""
    if like.shape.ndims is not None:
        return reshape(v, [-1] + [1] * (like.shape.ndims - 1))
    return reshape(v, concat([shape(v), ones(reshape(rank(like) - rank(v), [1]), dtypes.int32)], 0))


# --- gradients, shared by the sorted and unsorted ops: `total` sums rows per segment, `spread` gathers rows of a
# segment-shaped tensor back to the data's rows (zero where an unsorted op dropped the row) ---------------------

def _sorted_grad_tools(op):
    ids = op.inputs[1]
    return (lambda v: segment_sum(v, ids)), (lambda v: gather(v, ids))


def _unsorted_grad_tools(op):
    ids, num = op.inputs[1], op.inputs[2]
    return (lambda v: unsorted_segment_sum(v, ids, num)), (lambda v: gather_drop_negatives(v, ids)[0])


def _extremum_grad(op, g, total, spread):
    """TF's _SegmentMinOrMaxGrad: the rows equal to their segment's max (min) share its gradient equally."""
    data = op.inputs[0]
    selected = equal(data, spread(op.outputs[0]))
    if len(op.inputs) == 3:  # unsorted: a dropped row is never selected
        selected = logical_and(selected, gather_drop_negatives(ones_like(g, dtype=dtypes.bool_), op.inputs[1])[0])
    share = divide(g, total(cast(selected, g.dtype.base_dtype)))
    return where_v2(selected, spread(share), zeros_like(data))


def _prod_grad(op, g, total, spread, prod):
    """TF's _SegmentProdGrad: prod / x without zeros; the product of the others at a segment's only zero; 0 in a
    segment with two zeros."""
    data = op.inputs[0]
    is_zero = equal(data, zeros_like(data))
    zeros_in = total(cast(is_zero, dtypes.int32))
    g = where_v2(greater(zeros_in, 1), zeros_like(g), g)
    nonzero = where_v2(is_zero, ones_like(data), data)
    partial = where_v2(is_zero, spread(prod(nonzero)), spread(op.outputs[0]) / nonzero)
    return spread(g) * partial


def _mean_grad(op, g, total, spread):
    """Each row gets its segment's gradient over the segment's count (at least 1: empty segments pass nothing)."""
    counts = total(ones_like(op.inputs[1], dtype=g.dtype.base_dtype))
    return spread(g / _column(maximum(counts, ones_like(counts)), g))


class SegmentReduction(OpDef):
    """out[s] = the reduction of data[i] over the rows i with segment_ids[i] == s; ids sorted, out has last id + 1
    rows. Subclasses name the reduction (`ufunc`), TF's value of an empty segment and the gradient."""

    allocates = True
    ufunc, empty, scale = "add", 0, None

    def infer(op):
        data, ids = op.inputs
        _check_int(ids, "segment_ids")
        _check_vector(ids)
        ds = static_shape(data)
        return [(None if ds is None else (None, *ds[1:]), data.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, how = ctx.xp, op.op_def

        def segment_reduce(data, ids):
            h = np.asarray(ctx.to_host(ids))
            if data.ndim == 0 or len(h) != data.shape[0]:
                raise op_error(InvalidArgumentError, op,
                               "segment_ids should be the same size as dimension 0 of input.")
            n = sorted_rows(op, h)
            out = xp.full((n,) + data.shape[1:], _empty(data.dtype, how.empty), data.dtype)
            reduce_rows(ctx, how.ufunc, out, h, data)
            return out if how.scale is None else _scale(ctx, out, np.bincount(h, minlength=n), how.scale)
        return segment_reduce


class SegmentSum(SegmentReduction):
    type = "SegmentSum"

    def gradient(op, g):
        return [gather(g, op.inputs[1]), None]


class SegmentMean(SegmentReduction):
    type, scale = "SegmentMean", "mean"

    def gradient(op, g):
        return [_mean_grad(op, g, *_sorted_grad_tools(op)), None]


class SegmentMax(SegmentReduction):
    type, ufunc = "SegmentMax", "maximum"

    def gradient(op, g):
        return [_extremum_grad(op, g, *_sorted_grad_tools(op)), None]


class SegmentMin(SegmentMax):
    type, ufunc = "SegmentMin", "minimum"


class SegmentProd(SegmentReduction):
    type, ufunc, empty = "SegmentProd", "multiply", 1

    def gradient(op, g):
        return [_prod_grad(op, g, *_sorted_grad_tools(op), lambda v: segment_prod(v, op.inputs[1])), None]


class UnsortedSegmentMax(UnsortedSegmentSum):
    """As UnsortedSegmentSum (TF's shape rule and range check), reducing by max; empty segments hold the dtype's
    lowest value."""

    type, ufunc, empty = "UnsortedSegmentMax", "maximum", "lowest"

    def kernel(op, ctx):
        xp, how = ctx.xp, op.op_def

        def segment_reduce(data, ids, num):
            n, flat, rows = unsorted_rows(op, ctx, data, ids, num)
            out = xp.full((n,) + rows.shape[1:], _empty(data.dtype, how.empty), data.dtype)
            reduce_rows(ctx, how.ufunc, out, flat, rows)
            return out
        return segment_reduce

    def gradient(op, g):
        return [_extremum_grad(op, g, *_unsorted_grad_tools(op)), None, None]


class UnsortedSegmentMin(UnsortedSegmentMax):
    type, ufunc, empty = "UnsortedSegmentMin", "minimum", "highest"


class UnsortedSegmentProd(UnsortedSegmentMax):
    type, ufunc, empty = "UnsortedSegmentProd", "multiply", 1

    def gradient(op, g):
        ids, num = op.inputs[1], op.inputs[2]
        return [_prod_grad(op, g, *_unsorted_grad_tools(op), lambda v: unsorted_segment_prod(v, ids, num)), None, None]


class SparseSegmentSum(OpDef):
    """out[s] = the sum (mean, sum / sqrt(count)) of data[indices[i]] over the i with segment_ids[i] == s; ids
    sorted; last id + 1 rows, or num_segments in the WithNumSegments ops (a fourth input)."""

    type = "SparseSegmentSum"
    allocates = True
    scale = None

    def infer(op):
        data, indices, ids = op.inputs[:3]
        _check_int(indices, "indices")
        _check_int(ids, "segment_ids")
        _check_vector(indices)
        _check_vector(ids)
        ds = static_shape(data)
        n = get_static_value(op.inputs[3]) if len(op.inputs) == 4 else None
        n = None if n is None else int(n)
        return [(None if ds is None else (n, *ds[1:]), data.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, how, to_host = ctx.xp, op.op_def, ctx.to_host

        def sparse_segment_reduce(data, indices, ids, num=None):
            hi, h = np.asarray(to_host(indices)), np.asarray(to_host(ids))
            if len(hi) != len(h):
                raise op_error(InvalidArgumentError, op, "segment_ids and indices should have same size.")
            n = sorted_rows(op, h, None if num is None else int(to_host(num)))
            bad = np.flatnonzero((hi < 0) | (hi >= data.shape[0]))
            if len(bad):
                raise op_error(InvalidArgumentError, op, f"Bad: indices[{bad[0]}] == {int(hi[bad[0]])} out of "
                                                         f"range [0, {data.shape[0]})")
            out = xp.zeros((n,) + data.shape[1:], data.dtype)
            reduce_rows(ctx, "add", out, h, data[ctx.to_device(hi)])
            return out if how.scale is None else _scale(ctx, out, np.bincount(h, minlength=n), how.scale)
        return sparse_segment_reduce

    def gradient(op, g):
        """TF's SparseSegment*Grad from graph ops: each picked row gets its segment's gradient (divided by the
        count or its square root), summed per index into the data's rows."""
        data, indices, ids = op.inputs[:3]
        rows = gather(g, ids)
        if op.op_def.scale is not None:
            counts = unsorted_segment_sum(ones_like(ids, dtype=g.dtype.base_dtype), ids, shape(g)[0])
            counts = maximum(counts, ones_like(counts))
            w = rsqrt(counts) if op.op_def.scale == "sqrt_n" else 1.0 / counts
            rows = multiply(rows, _column(gather(w, ids), rows))
        ds = static_shape(data)
        n = ds[0] if ds is not None and ds[0] is not None else shape(data)[0]
        return [unsorted_segment_sum(rows, indices, n)] + [None] * (len(op.inputs) - 1)


class SparseSegmentMean(SparseSegmentSum):
    type, scale = "SparseSegmentMean", "mean"


class SparseSegmentSqrtN(SparseSegmentSum):
    type, scale = "SparseSegmentSqrtN", "sqrt_n"


class SparseSegmentSumWithNumSegments(SparseSegmentSum):
    type = "SparseSegmentSumWithNumSegments"


class SparseSegmentMeanWithNumSegments(SparseSegmentMean):
    type = "SparseSegmentMeanWithNumSegments"


class SparseSegmentSqrtNWithNumSegments(SparseSegmentSqrtN):
    type = "SparseSegmentSqrtNWithNumSegments"


def _segment(op_def, data, segment_ids, name, *more):
    with name_scope(name, op_def.type, [data, segment_ids, *more]) as scope:
        d = convert_to_tensor(data, name="data")
        i = convert_to_tensor(segment_ids, name="segment_ids")
        extra = [convert_to_tensor(m, name="num_segments") for m in more]
        return apply_op(op_def, [d, i, *extra], None, scope)


def segment_sum(data, segment_ids, name=None):
    """Rows of `data` summed per sorted segment id: out has segment_ids[-1] + 1 rows, 0 where no id points."""
    return _segment(SegmentSum, data, segment_ids, name)


def segment_mean(data, segment_ids, name=None):
    """Rows of `data` averaged per sorted segment id (0 for an empty segment)."""
    return _segment(SegmentMean, data, segment_ids, name)


def segment_max(data, segment_ids, name=None):
    """The largest row entries per sorted segment id (0 for an empty segment, as TF)."""
    return _segment(SegmentMax, data, segment_ids, name)


def segment_min(data, segment_ids, name=None):
    """The smallest row entries per sorted segment id (0 for an empty segment, as TF)."""
    return _segment(SegmentMin, data, segment_ids, name)


def segment_prod(data, segment_ids, name=None):
    """Rows of `data` multiplied per sorted segment id (1 for an empty segment)."""
    return _segment(SegmentProd, data, segment_ids, name)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """`num_segments` rows: the largest entries of the rows with each id (the dtype's lowest where none)."""
    return _segment(UnsortedSegmentMax, data, segment_ids, name, num_segments)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """`num_segments` rows: the smallest entries of the rows with each id (the dtype's highest where none)."""
    return _segment(UnsortedSegmentMin, data, segment_ids, name, num_segments)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """`num_segments` rows: the products of the rows with each id (1 where none)."""
    return _segment(UnsortedSegmentProd, data, segment_ids, name, num_segments)


def _unsorted_count(data, segment_ids, num_segments):
    """TF's _unsorted_segment_N: rows per segment, at least 1, shaped to broadcast against the sums."""
    n = unsorted_segment_sum(ones(shape(segment_ids), data.dtype.base_dtype), segment_ids, num_segments)
    ranks, num = (data.shape.ndims, segment_ids.shape.ndims), get_static_value(num_segments)
    if None not in ranks:  # a static shape where one is known, as TF's shape inference folds it
        n = reshape(n, [-1 if num is None else int(num)] + [1] * (ranks[0] - ranks[1]))
    else:
        n = reshape(n, concat([reshape(num_segments, [1]),
                               ones(reshape(rank(data) - rank(segment_ids), [1]), num_segments.dtype.base_dtype)], 0))
    return maximum(n, ones_like(n))


def _unsorted_normalized(data, segment_ids, num_segments, name, default, norm):
    with name_scope(name, default):
        data, segment_ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
        num_segments = convert_to_tensor(num_segments)
        n = _unsorted_count(data, segment_ids, num_segments)
        return unsorted_segment_sum(data, segment_ids, num_segments) / norm(n)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of the rows with each id, as TF builds it: a segment sum divided by the count (at least 1)."""
    return _unsorted_normalized(data, segment_ids, num_segments, name, "UnsortedSegmentMean", lambda n: n)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of the rows with each id divided by the square root of their count (at least 1)."""
    return _unsorted_normalized(data, segment_ids, num_segments, name, "UnsortedSegmentSqrtN", sqrt)


def _sparse(op_defs, data, indices, segment_ids, name, num_segments):
    plain, numbered = op_defs
    op_def = plain if num_segments is None else numbered
    with name_scope(name, op_def.type, [data, indices, segment_ids, num_segments]) as scope:
        ins = [convert_to_tensor(data, name="data"), convert_to_tensor(indices, name="indices"),
               convert_to_tensor(segment_ids, name="segment_ids")]
        if num_segments is not None:
            ins.append(convert_to_tensor(num_segments, name="num_segments"))
        return apply_op(op_def, ins, None, scope)


def sparse_segment_sum(data, indices, segment_ids, name=None, num_segments=None, sparse_gradient=False):
    """segment_sum of the rows data[indices]; with `num_segments`, that many rows. The gradient is dense
    (`sparse_gradient` is accepted; TF's IndexedSlices hold the same values)."""
    return _sparse((SparseSegmentSum, SparseSegmentSumWithNumSegments), data, indices, segment_ids, name,
                   num_segments)


def sparse_segment_mean(data, indices, segment_ids, name=None, num_segments=None, sparse_gradient=False):
    """segment_mean of the rows data[indices] (0 for an empty segment); with `num_segments`, that many rows."""
    return _sparse((SparseSegmentMean, SparseSegmentMeanWithNumSegments), data, indices, segment_ids, name,
                   num_segments)


def sparse_segment_sqrt_n(data, indices, segment_ids, name=None, num_segments=None, sparse_gradient=False):
    """The sum of the rows data[indices] per sorted segment id divided by the square root of their count."""
    return _sparse((SparseSegmentSqrtN, SparseSegmentSqrtNWithNumSegments), data, indices, segment_ids, name,
                   num_segments)
