"""Moving a `tf.SparseTensor`'s entries around, as TF1's ops of the same names: `sparse_concat`,
`sparse_reorder`, `sparse_reshape`, `sparse_retain`, `sparse_slice`, `sparse_split`, `sparse_fill_empty_rows`,
`sparse_transpose`. Those made of other graph ops alone (`sparse_merge`, `sparse_to_indicator`, ...) are in
sparse_compose_ops.py.

The kernels work on the host: indices and dense shapes decide where each entry goes, and the values follow by
one gather on the array module's side. A value's gradient follows it back (TF's rules: reorder and slice route
it, fill_empty_rows adds the filled rows' gradients into the default value's); concat and split have none in TF.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable
from .core import apply_op, convert_to_tensor
from .sparse_math_ops import _host_int, _lex_order, _rank_of, _static
from .sparse_ops import SparseTensor, sparse_tensor

__all__ = ["sparse_concat", "sparse_reorder", "sparse_reshape", "sparse_retain", "sparse_slice", "sparse_split",
           "sparse_fill_empty_rows", "sparse_transpose"]


class SparseConcat(OpDef):
    """N SparseTensors (N indices, N values, N shapes) joined along `concat_dim`: the other dimensions must
    match; the result is in row-major order."""

    type = "SparseConcat"
    gradient = not_differentiable  # as TF

    def infer(op):
        n = op.attrs["N"]
        rank = next((r for r in (_rank_of(t) for t in op.inputs[2 * n:]) if r is not None), None)
        counts = [t.shape[0].value if t.shape.ndims else None for t in op.inputs[:n]]
        total = None if None in counts else sum(counts)
        return [((total, rank), dtypes.int64), ((total,), op.inputs[n].dtype.base_dtype), ((rank,), dtypes.int64)]

    def kernel(op, ctx):
        n, dim, to_host, to_device = op.attrs["N"], op.attrs["concat_dim"], ctx.to_host, ctx.to_device
        xp = ctx.xp

        def concat(*args):
            shapes = [_host_int(to_host, s) for s in args[2 * n:]]
            rank = len(shapes[0])
            d = dim % rank if -rank <= dim < rank else None
            if d is None:
                raise op_error(InvalidArgumentError, op, f"Concat dimension must be in range [{-rank}, {rank}), "
                               f"got {dim}")
            out_shape = shapes[0].copy()
            for i, s in enumerate(shapes[1:], 1):
                for j in range(rank):
                    if j != d and s[j] != shapes[0][j]:
                        raise op_error(InvalidArgumentError, op, f"Input shapes must match: expected "
                                       f"{shapes[0][j]} for dimension {j} but got {s[j]} at position {i}")
                out_shape[d] += s[d]
            parts, offset = [], 0
            for i in range(n):
                idx = _host_int(to_host, args[i]).reshape(-1, rank).copy()
                idx[:, d] += offset
                offset += shapes[i][d]
                parts.append(idx)
            idx = np.concatenate(parts)
            order = _lex_order(idx)
            values = xp.concatenate([args[n + i] for i in range(n)])
            return to_device(idx[order]), values[to_device(order)], to_device(out_shape)
        return concat


def sparse_concat(axis, sp_inputs, name=None, expand_nonconcat_dim=False, concat_dim=None,
                  expand_nonconcat_dims=False):
    """`tf.sparse_concat` / `tf.sparse.concat`: with `expand_nonconcat_dim`, the other dimensions grow to the
    largest among the inputs instead of having to match."""
    from .array_ops import concat, reshape
    from .reduction_ops import reduce_max

    axis = concat_dim if concat_dim is not None else axis
    expand = expand_nonconcat_dim or expand_nonconcat_dims
    sp_inputs = [sparse_tensor(s) for s in sp_inputs]
    with name_scope(name, "SparseConcat", sp_inputs) as scope:
        shapes = [s.dense_shape for s in sp_inputs]
        if expand:
            top = reduce_max(concat([reshape(s, [1, -1]) for s in shapes], 0), 0)
            shapes = [concat([top[:axis], s[-1:] if axis == -1 else s[axis:axis + 1],
                              [] if axis == -1 else top[axis + 1:]], 0) for s in shapes]
        n = len(sp_inputs)
        outs = apply_op(SparseConcat, [s.indices for s in sp_inputs] + [s.values for s in sp_inputs] + shapes,
                        {"N": n, "concat_dim": int(axis)}, name=scope)
        return SparseTensor(outs[0], outs[1], _concat_static(sp_inputs, int(axis), expand) or outs[2])


def _concat_static(sp_inputs, axis, expand):
    """The concatenation's dense shape when every input's is known while building (TF then gives a constant)."""
    dims = [s.get_shape().as_list() if s.get_shape().is_fully_defined() else None for s in sp_inputs]
    if None in dims or len({len(d) for d in dims}) != 1:
        return None
    rank = len(dims[0])
    a = axis % rank
    out = [max(d[j] for d in dims) if expand else dims[0][j] for j in range(rank)]
    out[a] = sum(d[a] for d in dims)
    return out


class SparseReorder(OpDef):
    """A SparseTensor's entries sorted into row-major order (stable): (indices, values)."""

    type = "SparseReorder"

    def infer(op):
        return [(op.inputs[0].shape.dims_tuple, dtypes.int64), (op.inputs[1].shape.dims_tuple,
                                                                op.inputs[1].dtype.base_dtype)]

    def kernel(op, ctx):
        to_host, to_device = ctx.to_host, ctx.to_device

        def reorder(indices, values, shape):
            idx = _host_int(to_host, indices)  # (out-of-bounds indices are kept, as TF's kernel keeps them)
            order = _lex_order(idx)
            return to_device(idx[order]), values[to_device(order)]
        return reorder

    def gradient(op, d_indices, d_values):
        """Each value's gradient back at its place before the sort."""
        from .array_ops import range as range_
        from .array_ops import shape
        from .segment_ops import unsorted_segment_sum

        n = shape(op.inputs[0], out_type=dtypes.int64)[0]
        _, order = apply_op(SparseReorder, [op.inputs[0], range_(n), op.inputs[2]])
        return [None, unsorted_segment_sum(d_values, order, n), None]


def sparse_reorder(sp_input, name=None):
    """`tf.sparse_reorder` / `tf.sparse.reorder`: the same SparseTensor with entries in row-major order."""
    sp = sparse_tensor(sp_input)
    with name_scope(name, "SparseReorder", [sp]) as scope:
        indices, values = apply_op(SparseReorder, [sp.indices, sp.values, sp.dense_shape], name=scope)
        shape = sp.get_shape().as_list() if sp.get_shape().is_fully_defined() else sp.dense_shape
        return SparseTensor(indices, values, shape)


class SparseReshape(OpDef):
    """The indices of a SparseTensor reshaped to `new_shape` (one -1 inferred), and that shape; the values
    are unchanged, so the op has no value gradient to route."""

    type = "SparseReshape"
    gradient = not_differentiable

    def infer(op):
        n = _rank_of(op.inputs[2])
        return [((op.inputs[0].shape[0].value if op.inputs[0].shape.ndims else None, n), dtypes.int64),
                ((n,), dtypes.int64)]

    def kernel(op, ctx):
        to_host, to_device = ctx.to_host, ctx.to_device

        def reshape(indices, shape, new_shape):
            old, new = _host_int(to_host, shape), _host_int(to_host, new_shape).copy()
            size = int(np.prod(old))
            unknown = np.flatnonzero(new == -1)
            if len(unknown) > 1:
                raise op_error(InvalidArgumentError, op, f"only one output dimension may be -1, not both "
                               f"{unknown[0]} and {unknown[1]}")
            known = int(np.prod(new[new != -1]))
            if len(unknown):
                if known == 0 or size % known:
                    raise op_error(InvalidArgumentError, op, f"Input to reshape is a SparseTensor with {size} "
                                   f"dense values, but the requested shape requires a multiple of {known}. "
                                   f"input_shape={old.tolist()} output_shape={new.tolist()}")
                new[unknown[0]] = size // known
            elif known != size:
                raise op_error(InvalidArgumentError, op, f"Input to reshape is a tensor with {size} dense values, "
                               f"but the requested shape has {known}. input_shape={old.tolist()} "
                               f"output_shape={new.tolist()}")
            idx = _host_int(to_host, indices).reshape(-1, len(old))
            flat = np.ravel_multi_index(tuple(idx.T), old) if len(idx) and size else np.zeros(len(idx), np.int64)
            out = np.stack(np.unravel_index(flat, new), 1) if len(new) else np.zeros((len(idx), 0), np.int64)
            return to_device(out.astype(np.int64).reshape(len(idx), len(new))), to_device(new)
        return reshape


def sparse_reshape(sp_input, shape, name=None):
    """`tf.sparse_reshape` / `tf.sparse.reshape`: the same entries in a dense shape of as many elements; with
    the input's shape and the new one known while building, a wrong size is a ValueError then."""
    from .core import identity
    from .sparse_ops import _shape_of

    sp = sparse_tensor(sp_input)
    with name_scope(name, "SparseReshape", [sp]) as scope:
        shape = convert_to_tensor(shape, dtypes.int64, name="shape")
        indices, out_shape = apply_op(SparseReshape, [sp.indices, sp.dense_shape, shape], name=scope)
        wanted = _shape_of(shape)
        if wanted.ndims is not None and sp.get_shape().is_fully_defined():
            static = _static_reshape(sp.get_shape().as_list(), shape, wanted.as_list())
            out_shape = out_shape if static is None else static
        return SparseTensor(indices, identity(sp.values), out_shape)


def _static_reshape(old, shape, dims):
    """TF's build-time check of sparse_reshape: the new dense shape as a list when it is known (one unknown
    dimension inferred), a ValueError when its size cannot be the input's, None when it is not known."""
    from .array_ops import get_static_value

    given = get_static_value(shape)
    if given is not None and int((np.asarray(given) == -1).sum()) > 1:
        raise ValueError(f"At most one dimension can be inferred (-1). Found: {list(given)}")
    size, wanted = int(np.prod(old)), list(dims)
    implied = [i for i, d in enumerate(dims) if d is None]
    if len(implied) == 1 and 0 not in dims:
        dims[implied[0]] = int(size // np.prod([d for d in dims if d is not None]))
    elif implied:
        return None
    if int(np.prod(dims)) != size:
        raise ValueError(f"Cannot reshape a tensor with {size} elements to shape {wanted} "
                         f"({int(np.prod(dims))} elements).")
    return convert_to_tensor(np.array(dims, np.int64))


def sparse_retain(sp_input, to_retain):
    """`tf.sparse_retain` / `tf.sparse.retain`: the entries where the bool vector `to_retain` is True."""
    from .array_ops import gather, reshape
    from .core import identity
    from .select_ops import where

    sp = sparse_tensor(sp_input)
    to_retain = convert_to_tensor(to_retain)
    n, k = sp.values.shape.dims_tuple, to_retain.shape.dims_tuple
    if k is not None and len(k) != 1:
        raise ValueError(f"Shape {to_retain.shape} must have rank 1")
    if n and k and None not in (n[0], k[0]) and n[0] != k[0]:
        raise ValueError(f"Dimensions {n[0]} and {k[0]} are not compatible")
    keep = reshape(where(to_retain), [-1])
    return SparseTensor(gather(sp.indices, keep), gather(sp.values, keep), identity(sp.dense_shape))


class SparseSlice(OpDef):
    """The entries of a SparseTensor inside the box `start` .. `start + size` (clipped to the dense shape),
    shifted to start at 0: (indices, values, shape)."""

    type = "SparseSlice"

    def infer(op):
        rank = _rank_of(op.inputs[2])
        return [((None, rank), dtypes.int64), ((None,), op.inputs[1].dtype.base_dtype), ((rank,), dtypes.int64)]

    def kernel(op, ctx):
        to_host, to_device = ctx.to_host, ctx.to_device

        def slice_(indices, values, shape, start, size):
            shp, lo, n = _host_int(to_host, shape), _host_int(to_host, start), _host_int(to_host, size)
            if not len(lo) == len(n) == len(shp):
                raise op_error(InvalidArgumentError, op, f"Expected start and size of length {len(shp)}, got "
                               f"{len(lo)} and {len(n)}")
            out_shape = np.maximum(np.minimum(lo + n, shp) - lo, 0)
            idx = _host_int(to_host, indices).reshape(-1, len(shp))
            keep = np.flatnonzero(((idx >= lo) & (idx < lo + out_shape)).all(axis=1))
            return to_device(idx[keep] - lo), values[to_device(keep)], to_device(out_shape)
        return slice_

    def gradient(op, d_indices, d_values, d_shape):
        indices, _, _, start, _ = op.inputs
        return [None, apply_op(SparseSliceGrad, [d_values, indices, start, op.outputs[0]]), None, None, None]


class SparseSliceGrad(OpDef):
    """SparseSlice's value gradient: each sliced entry's gradient back at its input position, zeros elsewhere."""

    type = "SparseSliceGrad"
    gradient = not_differentiable

    def infer(op):
        return [((op.inputs[1].shape[0].value if op.inputs[1].shape.ndims else None,),
                 op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host, to_device = ctx.xp, ctx.to_host, ctx.to_device

        def grad(dv, indices, start, out_indices):
            idx, lo = _host_int(to_host, indices), _host_int(to_host, start)
            out = _host_int(to_host, out_indices).reshape(-1, len(lo)) + lo
            where = {tuple(row): i for i, row in enumerate(idx.reshape(-1, len(lo)).tolist())}
            pos = np.array([where[tuple(row)] for row in out.tolist()], np.int64)
            g = xp.zeros(len(idx), dv.dtype)
            if len(pos):
                g[to_device(pos)] = dv
            return g
        return grad


def sparse_slice(sp_input, start, size, name=None):
    """`tf.sparse_slice` / `tf.sparse.slice`: the SparseTensor inside `start` .. `start + size`."""
    sp = sparse_tensor(sp_input)
    with name_scope(name, "SparseSlice", [sp]) as scope:
        start = convert_to_tensor(start, dtypes.int64)
        size = convert_to_tensor(size, dtypes.int64)
        return SparseTensor(*apply_op(SparseSlice, [sp.indices, sp.values, sp.dense_shape, start, size],
                                      name=scope))


class SparseSplit(OpDef):
    """A SparseTensor cut into `num_split` along `split_dim` (the first `dim % num_split` pieces one longer):
    N indices, N values, N shapes."""

    type = "SparseSplit"

    def infer(op):
        n, rank = op.attrs["num_split"], _rank_of(op.inputs[3])
        return ([((None, rank), dtypes.int64)] * n + [((None,), op.inputs[2].dtype.base_dtype)] * n
                + [((rank,), dtypes.int64)] * n)

    def kernel(op, ctx):
        n, to_host, to_device = op.attrs["num_split"], ctx.to_host, ctx.to_device

        def split(split_dim, indices, values, shape):
            shp = _host_int(to_host, shape)
            d = int(to_host(split_dim))
            if not -len(shp) <= d < len(shp):
                raise op_error(InvalidArgumentError, op, f"Input split_dim should be between -{len(shp)} and "
                               f"{len(shp)}, got {d}")
            d %= len(shp)
            if n > shp[d]:
                raise op_error(InvalidArgumentError, op, f"Input num_split should be less than or equal to input "
                               f"shape[{d}]={shp[d]}, got {n}")
            sizes = [shp[d] // n + (1 if i < shp[d] % n else 0) for i in range(n)]
            bounds = np.cumsum([0] + sizes)
            idx = _host_int(to_host, indices).reshape(-1, len(shp))
            outs = ([], [], [])
            for i in range(n):
                keep = np.flatnonzero((idx[:, d] >= bounds[i]) & (idx[:, d] < bounds[i + 1]))
                part = idx[keep].copy()
                part[:, d] -= bounds[i]
                piece_shape = shp.copy()
                piece_shape[d] = sizes[i]
                outs[0].append(to_device(part))
                outs[1].append(values[to_device(keep)])
                outs[2].append(to_device(piece_shape))
            return tuple(outs[0] + outs[1] + outs[2])
        return split


def sparse_split(keyword_required=None, sp_input=None, num_split=None, axis=None, name=None, split_dim=None):
    """`tf.sparse_split` / `tf.sparse.split` (keywords only, as TF1 asks): a list of `num_split`
    SparseTensors."""
    if keyword_required is not None:
        raise ValueError("Keyword arguments are required for this function.")
    if sp_input is None:
        raise ValueError("sp_input is required")
    if num_split is None:
        raise ValueError("num_split is required")
    axis = split_dim if axis is None else axis
    if axis is None:
        raise ValueError("axis is required")
    sp = sparse_tensor(sp_input)
    with name_scope(name, "SparseSplit", [sp]) as scope:
        outs = apply_op(SparseSplit, [convert_to_tensor(axis, dtypes.int64), sp.indices, sp.values, sp.dense_shape],
                        {"num_split": int(num_split)}, name=scope)
        outs = outs if isinstance(outs, list) else [outs]
        k = int(num_split)
        return [SparseTensor(outs[i], outs[k + i], outs[2 * k + i]) for i in range(k)]


class SparseFillEmptyRows(OpDef):
    """A SparseTensor with an entry `default_value` at [r, 0, ...] for each empty row r: (indices, values,
    empty_row_indicator, reverse_index_map: where each input entry went)."""

    type = "SparseFillEmptyRows"

    def infer(op):
        rank = _rank_of(op.inputs[2])
        shape = _static(op.inputs[2])
        rows = int(shape[0]) if shape is not None and len(shape) else None
        n = op.inputs[0].shape[0].value if op.inputs[0].shape.ndims else None
        return [((None, rank), dtypes.int64), ((None,), op.inputs[1].dtype.base_dtype), ((rows,), dtypes.bool_),
                ((n,), dtypes.int64)]

    def kernel(op, ctx):
        xp, to_host, to_device = ctx.xp, ctx.to_host, ctx.to_device

        def fill(indices, values, shape, default):
            shp = _host_int(to_host, shape)
            idx = _host_int(to_host, indices).reshape(-1, len(shp))
            rows = idx[:, 0] if len(shp) else np.zeros(0, np.int64)
            bad = (rows < 0) | (rows >= shp[0])
            if bad.any():
                i = int(np.argmax(bad))
                raise op_error(InvalidArgumentError, op, f"indices({i}, 0) is invalid: {int(rows[i])} >= "
                               f"{int(shp[0])}")
            counts = np.bincount(rows, minlength=int(shp[0]))
            empty = counts == 0
            filled = np.maximum(counts, 1)
            starts = np.concatenate([[0], np.cumsum(filled)[:-1]]).astype(np.int64)
            order = np.argsort(rows, kind="stable")
            within = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
            reverse = np.empty(len(rows), np.int64)
            reverse[order] = starts[rows[order]] + within
            total = int(filled.sum())
            out_idx = np.zeros((total, len(shp)), np.int64)
            out_idx[reverse] = idx
            out_idx[starts[empty], 0] = np.flatnonzero(empty)
            out_val = xp.empty(total, values.dtype)
            out_val[to_device(starts[empty])] = default
            out_val[to_device(reverse)] = values
            return to_device(out_idx), out_val, to_device(empty), to_device(reverse)
        return fill

    def gradient(op, d_indices, d_values, d_empty, d_reverse):
        d_vals, d_default = apply_op(SparseFillEmptyRowsGrad, [op.outputs[3], d_values])
        return [None, d_vals, None, d_default]


class SparseFillEmptyRowsGrad(OpDef):
    """(the input values' gradients: at reverse_index_map, the default value's: the sum of the rest)."""

    type = "SparseFillEmptyRowsGrad"
    gradient = not_differentiable

    def infer(op):
        dt = op.inputs[1].dtype.base_dtype
        return [(op.inputs[0].shape.dims_tuple, dt), ((), dt)]

    def kernel(op, ctx):
        xp = ctx.xp

        def grad(reverse, dv):
            picked = dv[reverse]
            return picked, xp.sum(dv) - xp.sum(picked)
        return grad


def sparse_fill_empty_rows(sp_input, default_value, name=None):
    """`tf.sparse_fill_empty_rows` / `tf.sparse.fill_empty_rows`: (the filled SparseTensor, a bool per row
    saying whether it was empty)."""
    sp = sparse_tensor(sp_input)
    with name_scope(name, "SparseFillEmptyRows", [sp]):
        default = convert_to_tensor(default_value, sp.values.dtype.base_dtype)
        indices, values, empty, _ = apply_op(SparseFillEmptyRows, [sp.indices, sp.values, sp.dense_shape, default])
        return SparseTensor(indices, values, sp.dense_shape), empty


def sparse_transpose(sp_input, perm=None, name=None):
    """`tf.sparse_transpose` / `tf.sparse.transpose`: dimensions permuted (reversed by default), reordered."""
    from .array_ops import gather, get_static_value, rank, transpose
    from .array_ops import range as range_

    sp = sparse_tensor(sp_input)
    with name_scope(name, "SparseTranspose", [sp]):
        if perm is None:
            n = sp.get_shape().ndims
            perm = list(range(n))[::-1] if n is not None else range_(rank(sp) - 1, -1, -1)
        indices = transpose(gather(transpose(sp.indices), perm))
        p = get_static_value(perm) if not isinstance(perm, list) else np.array(perm)
        if p is not None and sp.get_shape().is_fully_defined():
            old = sp.get_shape().as_list()
            shape = [old[int(i)] for i in p]
        else:
            shape = gather(sp.dense_shape, perm)
        return sparse_reorder(SparseTensor(indices, sp.values, shape))
