"""Arithmetic on `tf.SparseTensor`s, as TF1's ops of the same names: `sparse_tensor_dense_matmul`, `sparse_add`
(sparse + sparse with `thresh`, sparse + dense), sparse-dense products and quotients (`sp * dense`). Reductions,
softmax and the elementwise extrema are in sparse_reduce_ops.py.

Each kernel reads the indices and dense shapes on the host (they decide where values go) and computes the values
with `ctx.xp`. Gradients are TF's: with respect to the values (the indices are not differentiable) and the dense
operand, built from graph ops.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable
from .core import apply_op, convert_to_tensor
from .row_sums import add_rows
from .sparse_ops import SparseTensor, is_sparse, sparse_tensor

__all__ = ["sparse_tensor_dense_matmul", "sparse_matmul", "sparse_add", "sparse_dense_cwise"]


def _host_int(to_host, x):
    return np.asarray(to_host(x)).astype(np.int64, copy=False)


def _rank_of(shape_tensor):
    d = shape_tensor.shape.dims_tuple
    return None if not d else d[0]


def _static(t):
    from .array_ops import get_static_value

    return get_static_value(t)


# --- sparse x dense products ----------------------------------------------------------------------------------

class SparseTensorDenseMatMul(OpDef):
    """op(A) @ op(B) for a rank-2 SparseTensor A (indices, values, shape) and a dense matrix B; op is the
    (conjugate) transpose where `adjoint_a` / `adjoint_b` say. Repeated indices add up."""

    type = "SparseTensorDenseMatMul"
    allocates = True

    def infer(op):
        _, values, a_shape, b = op.inputs
        adj_a, adj_b = op.attrs["adjoint_a"], op.attrs["adjoint_b"]
        if values.dtype.base_dtype != b.dtype.base_dtype:
            raise TypeError(f"Input 'b' of 'SparseTensorDenseMatMul' Op has type {b.dtype.base_dtype.name} that "
                            f"does not match type {values.dtype.base_dtype.name} of argument 'a_values'.")
        bs = b.shape.dims_tuple
        if bs is not None and len(bs) != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {len(bs)} for '{op.name}' (op: '{op.type}')")
        a = _static(a_shape)
        m = None if a is None else int(a[1] if adj_a else a[0])
        k_a = None if a is None else int(a[0] if adj_a else a[1])
        n = None if bs is None else bs[0 if adj_b else 1]
        k_b = None if bs is None else bs[1 if adj_b else 0]
        if None not in (k_a, k_b) and k_a != k_b:
            raise ValueError(f"Dimensions must be equal, but are {k_a} and {k_b} for '{op.name}' "
                             f"(op: '{op.type}') with input shapes: {op.inputs[0].shape}, {values.shape}, "
                             f"{a_shape.shape}, {b.shape}.")
        return [((m, n), b.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host, to_device = ctx.xp, ctx.to_host, ctx.to_device
        adj_a, adj_b = op.attrs["adjoint_a"], op.attrs["adjoint_b"]
        complex_ = op.inputs[1].dtype.base_dtype.is_complex

        def matmul(indices, values, a_shape, b):
            idx, shape = _host_int(to_host, indices), _host_int(to_host, a_shape)
            rows, cols = (idx[:, 1], idx[:, 0]) if adj_a else (idx[:, 0], idx[:, 1])
            m, k = (shape[1], shape[0]) if adj_a else (shape[0], shape[1])
            bb = (xp.conj(b.T) if complex_ else b.T) if adj_b else b
            if bb.shape[0] != k:
                raise op_error(InvalidArgumentError, op, f"Cannot multiply A and B because inner dimension does "
                               f"not match: {k} vs. {bb.shape[0]}.  Did you forget a transpose?  Dimensions of "
                               f"A: [{shape[0]}, {shape[1]}).  Dimensions of B: {list(b.shape)}")
            for name, ix, lim in (("k", cols, k), ("m", rows, m)):
                bad = (ix < 0) | (ix >= lim)
                if bad.any():
                    i = int(np.argmax(bad))
                    raise op_error(InvalidArgumentError, op, f"{name} ({int(ix[i])}) from index[{i},"
                                   f"{int(name == 'k') ^ adj_a}] out of bounds (>={lim})")
            v = xp.conj(values) if adj_a and complex_ else values
            return _row_sums(xp, to_device, rows, v[:, None] * bb[to_device(cols)], int(m))
        return matmul

    def gradient(op, dy):
        from .array_ops import gather, matrix_transpose, transpose
        from .reduction_ops import reduce_sum

        indices, values, a_shape, b = op.inputs
        adj_a, adj_b = op.attrs["adjoint_a"], op.attrs["adjoint_b"]
        b_grad = _matmul(indices, values, a_shape, dy, adjoint_a=not adj_a)
        if adj_b:
            b_grad = matrix_transpose(b_grad, conjugate=True)
        rows, cols = indices[:, 0], indices[:, 1]
        parts_a = gather(dy, cols if adj_a else rows)
        parts_b = gather(transpose(b) if adj_b else b, rows if adj_a else cols)
        return [None, reduce_sum(parts_a * parts_b, 1), None, b_grad]


def _row_sums(xp, to_device, rows, products, m):
    """out[rows[i]] += products[i] into zeros [m, n]. A NumPy product a few columns wide (logistic regression on
    sparse features: one) is one bincount over (row, column) pairs, without add_rows' sort: 50x faster for one
    column of 7,680 entries, slower from about 16 (the sums run in float64, then round once)."""
    n = products.shape[1]
    if xp is np and n <= 4 and products.dtype.kind == "f":
        flat = (rows[:, None] * n + np.arange(n)).reshape(-1)
        return np.bincount(flat, products.reshape(-1), m * n).astype(products.dtype).reshape(m, n)
    out = xp.zeros((m, n), products.dtype)
    add_rows(xp, out, to_device(rows), products)
    return out


def _matmul(indices, values, shape, b, adjoint_a=False, adjoint_b=False, name=None):
    return apply_op(SparseTensorDenseMatMul, [indices, values, shape, b],
                    {"adjoint_a": bool(adjoint_a), "adjoint_b": bool(adjoint_b)}, name)


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """`tf.sparse_tensor_dense_matmul` / `tf.sparse.sparse_dense_matmul`: the dense op(sp_a) @ op(b)."""
    sp_a = sparse_tensor(sp_a, "sp_a")
    with name_scope(name, "SparseTensorDenseMatMul", [sp_a, b]):
        b = convert_to_tensor(b, name="b")
        return _matmul(sp_a.indices, sp_a.values, sp_a.dense_shape, b, adjoint_a, adjoint_b)


def sparse_matmul(a, b, transpose_a=False, transpose_b=False, a_is_sparse=False, b_is_sparse=False, name=None):
    """TF1's `tf.sparse_matmul`: a dense product of two dense matrices (TF's SparseMatMul only uses the hints
    to pick a kernel for mostly-zero inputs; here they change nothing), computed as `tf.matmul`."""
    from .matmul_ops import matmul

    return matmul(a, b, transpose_a, transpose_b, a_is_sparse=a_is_sparse, b_is_sparse=b_is_sparse, name=name)


# --- sums ---------------------------------------------------------------------------------------------------

def _lex_order(idx):
    """The stable row-major order of index rows."""
    return np.lexsort(idx.T[::-1]) if idx.size else np.arange(len(idx))


def _merge(a_idx, b_idx):
    """(union indices in row-major order, position of each a entry in it, of each b entry): a sorted merge of
    two index lists, equal indices meeting in one entry."""
    both = np.concatenate([a_idx, b_idx]).reshape(len(a_idx) + len(b_idx), -1)
    order = _lex_order(both)
    s = both[order]
    new = np.ones(len(s), bool)
    if len(s):
        new[1:] = (s[1:] != s[:-1]).any(axis=1)
    slot = np.cumsum(new) - 1
    where = np.empty(len(s), np.int64)
    where[order] = slot
    return s[new], where[:len(a_idx)], where[len(a_idx):]


def _check_same_shape(op, a, b):
    if len(a) != len(b):
        raise op_error(InvalidArgumentError, op, f"Operands' shapes do not match: got {len(a)} and {len(b)} "
                       "dimensions")
    for d, (x, y) in enumerate(zip(a, b)):
        if x != y:
            raise op_error(InvalidArgumentError, op, f"Operands' shapes do not match: got {x} and {y} for "
                           f"dimension {d}")


class SparseAdd(OpDef):
    """a + b of two SparseTensors of one dense shape: the union of their indices in row-major order (inputs in
    that order, as TF assumes); an index in both whose sum is smaller than `thresh` in magnitude is dropped."""

    type = "SparseAdd"

    def infer(op):
        rank = _rank_of(op.inputs[2]) or _rank_of(op.inputs[5])
        return [((None, rank), dtypes.int64), ((None,), op.inputs[1].dtype.base_dtype),
                (op.inputs[2].shape.dims_tuple, dtypes.int64)]

    def kernel(op, ctx):
        xp, to_host, to_device = ctx.xp, ctx.to_host, ctx.to_device

        def add(a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh):
            a_shape_h, b_shape_h = _host_int(to_host, a_shape), _host_int(to_host, b_shape)
            _check_same_shape(op, a_shape_h.tolist(), b_shape_h.tolist())
            union, pos_a, pos_b = _merge(_host_int(to_host, a_indices), _host_int(to_host, b_indices))
            out = xp.zeros(len(union), a_values.dtype)
            add_rows(xp, out, to_device(pos_a), a_values)
            add_rows(xp, out, to_device(pos_b), b_values)
            t = float(to_host(thresh))
            if t > 0:
                summed = np.zeros(len(union), bool)
                summed[np.intersect1d(pos_a, pos_b)] = True
                keep = ~summed | (np.abs(np.asarray(to_host(out))) >= t)
                union, out = union[keep], out[to_device(keep)]
            return to_device(union.reshape(-1, len(a_shape_h))), out, a_shape
        return add

    def gradient(op, d_indices, d_values, d_shape):
        a_grad, b_grad = apply_op(SparseAddGrad, [d_values, op.inputs[0], op.inputs[3], op.outputs[0]])
        return [None, a_grad, None, None, b_grad, None, None]


class SparseAddGrad(OpDef):
    """The gradients of SparseAdd's two value inputs: the output gradient of the entry each one went into
    (zero where its sum fell under the threshold)."""

    type = "SparseAddGrad"
    gradient = not_differentiable

    def infer(op):
        dt = op.inputs[0].dtype.base_dtype
        return [((op.inputs[1].shape[0].value,), dt), ((op.inputs[2].shape[0].value,), dt)]

    def kernel(op, ctx):
        xp, to_host, to_device = ctx.xp, ctx.to_host, ctx.to_device

        def grads(dv, a_indices, b_indices, sum_indices):
            s = _host_int(to_host, sum_indices)
            out = []
            for idx in (_host_int(to_host, a_indices), _host_int(to_host, b_indices)):
                union, pos_s, pos_x = _merge(s, idx)
                found = np.full(len(union), -1, np.int64)
                found[pos_s] = np.arange(len(s))
                src = found[pos_x]
                g = xp.zeros(len(idx), dv.dtype)
                hit = src >= 0
                if hit.any():
                    g[to_device(np.flatnonzero(hit))] = dv[to_device(src[hit])]
                out.append(g)
            return tuple(out)
        return grads


class SparseTensorDenseAdd(OpDef):
    """The dense b with a SparseTensor's values added at its indices (repeated indices add up)."""

    type = "SparseTensorDenseAdd"
    allocates = True

    def infer(op):
        return [(op.inputs[3].shape.dims_tuple, op.inputs[3].dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host, to_device = ctx.xp, ctx.to_host, ctx.to_device

        def add(indices, values, a_shape, b):
            _check_same_shape(op, _host_int(to_host, a_shape).tolist(), list(b.shape))
            out = xp.array(b, copy=True)
            idx = _host_int(to_host, indices)
            if len(idx):
                flat = np.ravel_multi_index(tuple(idx.T), b.shape)
                add_rows(xp, out.reshape(-1), to_device(flat), values)
            return out
        return add

    def gradient(op, dy):
        from .nd_ops import gather_nd

        return [None, gather_nd(dy, op.inputs[0]), None, dy]


def sparse_add(a, b, threshold=None, thresh=None, name=None):
    """`tf.sparse_add` / `tf.sparse.add`: two SparseTensors give a SparseTensor (entries whose sum is below
    `threshold` in magnitude dropped); a SparseTensor and a dense tensor give a dense tensor."""
    from ..framework.tensor_shape import TensorShape

    threshold = thresh if threshold is None else threshold
    a_sp, b_sp = is_sparse(a), is_sparse(b)
    if not (a_sp or b_sp):
        raise TypeError("At least one input should be SparseTensor; do you mean to use tf.add()?")
    if a_sp and b_sp:
        a, b = sparse_tensor(a), sparse_tensor(b)
        with name_scope(name, "SparseAdd", [a, b]):
            t = convert_to_tensor(0 if threshold is None else threshold,
                                  a.values.dtype.real_dtype if a.values.dtype.is_complex else a.values.dtype,
                                  name="threshold")
            indices, values, shape = apply_op(SparseAdd, [a.indices, a.values, a.dense_shape, b.indices,
                                                          b.values, b.dense_shape, t])
            static = a.get_shape().merge_with(b.get_shape()) if a.get_shape().is_compatible_with(b.get_shape()) \
                else TensorShape(None)
            if not a.get_shape().is_compatible_with(b.get_shape()):
                raise ValueError(f"Shapes {a.get_shape()} and {b.get_shape()} are incompatible")
            return SparseTensor(indices, values, static.as_list() if static.is_fully_defined() else shape)
    if b_sp:
        a, b = b, a
    a = sparse_tensor(a)
    with name_scope(name, "SparseTensorDenseAdd", [a, b]) as scope:
        b = convert_to_tensor(b, a.values.dtype.base_dtype, name="b")
        return apply_op(SparseTensorDenseAdd, [a.indices, a.values, a.dense_shape, b], name=scope)


# --- sparse (op) dense elementwise ---------------------------------------------------------------------------

class _SparseDenseCwise(OpDef):
    """The SparseTensor's values combined with the dense tensor's entries at their indices; the dense side
    broadcasts to the sparse dense shape (from the right, as NumPy), never the other way."""

    fn = None

    def infer(op):
        return [((op.inputs[0].shape[0].value,), op.inputs[1].dtype.base_dtype)]

    def kernel(op, ctx):
        fn, to_host, to_device = op.op_def.fn, ctx.to_host, ctx.to_device

        def cwise(indices, values, shape, dense):
            idx, shp = _host_int(to_host, indices), _host_int(to_host, shape)
            lead = len(shp) - dense.ndim
            if lead < 0 or any(d not in (1, s) for d, s in zip(dense.shape, shp[lead:])):
                raise op_error(InvalidArgumentError, op, f"SparseDenseBinaryOpShared broadcasts dense to sparse "
                               f"only; got incompatible shapes: [{','.join(map(str, shp))}] vs. "
                               f"[{','.join(map(str, dense.shape))}]")
            at = tuple(to_device(idx[:, lead + d] if n != 1 else np.zeros(len(idx), np.int64))
                       for d, n in enumerate(dense.shape))
            return fn(values, dense[at] if at else dense)
        return cwise


def _cwise_grad(op, dv, mul):
    """TF's _SparseDenseCwiseMulOrDivGrad: the values' gradient, and the dense side's summed over the entries
    that read each of its elements."""
    from .array_ops import shape as shape_of
    from .cast_ops import cast
    from .core import zeros_like
    from .nd_ops import gather_nd

    indices, values, sp_shape, y = op.inputs
    added = _rank_of(sp_shape) - y.shape.ndims
    y_shape = cast(shape_of(y), dtypes.int64)
    scaling = sp_shape[added:] // y_shape
    scaled = indices[:, added:] // scaling
    dense_vals = gather_nd(y, scaled)
    if mul:
        dx, dy_vals = dv * dense_vals, dv * values
    else:
        dx, dy_vals = dv / dense_vals, dv * (-values / (dense_vals * dense_vals))
    dy = apply_op(SparseTensorDenseAdd, [scaled, dy_vals, y_shape, zeros_like(y)])
    return [None, dx, None, dy]


class SparseDenseCwiseMul(_SparseDenseCwise):
    type = "SparseDenseCwiseMul"

    @staticmethod
    def fn(a, b):
        return a * b

    def gradient(op, dv):
        return _cwise_grad(op, dv, True)


class SparseDenseCwiseDiv(_SparseDenseCwise):
    type = "SparseDenseCwiseDiv"

    @staticmethod
    def fn(a, b):
        return a / b

    def gradient(op, dv):
        return _cwise_grad(op, dv, False)


class SparseDenseCwiseAdd(_SparseDenseCwise):
    type = "SparseDenseCwiseAdd"  # no gradient in TF either

    @staticmethod
    def fn(a, b):
        return a + b


_CWISE = {c.type: c for c in (SparseDenseCwiseMul, SparseDenseCwiseDiv, SparseDenseCwiseAdd)}


def sparse_dense_cwise(op_type, sp, dense, name=None):
    """A SparseTensor of `sp`'s indices and its values combined with `dense` (SparseDenseCwiseMul, ...Div,
    ...Add): what `sp * dense` and `sp / dense` compute."""
    sp = sparse_tensor(sp)
    with name_scope(name, op_type, [sp, dense]):
        dense = convert_to_tensor(dense, sp.values.dtype.base_dtype)
        values = apply_op(_CWISE[op_type], [sp.indices, sp.values, sp.dense_shape, dense])
        return SparseTensor(sp.indices, values, sp.dense_shape)
