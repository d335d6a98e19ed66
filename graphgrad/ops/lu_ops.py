"""`tf.linalg.lu` (TF's Lu op) and what TF composes on it: `lu_reconstruct`, `lu_solve`, `lu_matrix_inverse`.

Lu factors each innermost square matrix with partial pivoting, P·A = L·U, into one matrix holding L's strict
lower part (unit diagonal implied) and U, and the permutation p with gather(A, p) = L·U (the row of A that became
row i). The pivot is the first largest |entry| of the column, as LAPACK's and Eigen's. TF registers no gradient
for Lu; the compositions differentiate through their triangular solves, matmuls and gathers.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, require, static_shape
from .array_ops import gather, ones, shape
from .core import apply_op, convert_to_tensor
from .matmul_ops import matmul
from .matrix_diag_ops import matrix_band_part, matrix_set_diag
from .matrix_ops import matrix_triangular_solve
from .nd_ops import eye
from .partition_ops import batch_gather
from .sort_ops import argsort


class Lu(OpDef):
    type = "Lu"
    gradient = not_differentiable

    def infer(op):
        x = op.inputs[0]
        dt = require(op, x, floating=True)
        s = static_shape(x)
        if s is not None:
            if len(s) < 2:
                raise ValueError(f"Shape must be at least rank 2 but is rank {len(s)} for '{op.name}' (op: 'Lu')")
            if s[-1] is not None and s[-2] is not None and s[-1] != s[-2]:
                raise ValueError(f"Dimensions must be equal, but are {s[-2]} and {s[-1]} for '{op.name}' (op: 'Lu')")
        return [(s, dt), (None if s is None else tuple(s[:-1]), op.attrs["output_idx_type"])]

    def kernel(op, ctx):
        xp, it = ctx.xp, op.attrs["output_idx_type"].np

        def lu(a):
            n = a.shape[-1]
            lu_ = a.reshape((-1, n, n)).copy()
            batch = xp.arange(lu_.shape[0])
            perm = xp.broadcast_to(xp.arange(n, dtype=it), (lu_.shape[0], n)).copy()
            for k in range(n - 1):
                piv = k + xp.argmax(xp.abs(lu_[:, k:, k]), axis=1)
                rows_k, rows_p = lu_[batch, k].copy(), lu_[batch, piv].copy()
                lu_[batch, k], lu_[batch, piv] = rows_p, rows_k
                pk, pp = perm[batch, k].copy(), perm[batch, piv].copy()
                perm[batch, k], perm[batch, piv] = pp, pk
                pivot = lu_[:, k, k:k + 1]
                safe = xp.where(pivot == 0, 1, pivot)
                lu_[:, k + 1:, k] = xp.where(pivot == 0, 0, lu_[:, k + 1:, k] / safe)
                lu_[:, k + 1:, k + 1:] -= lu_[:, k + 1:, k:k + 1] * lu_[:, k:k + 1, k + 1:]
            return lu_.reshape(a.shape), perm.reshape(a.shape[:-1])
        return lu


def lu(input, output_idx_type=dtypes.int32, name=None):  # noqa: A002 - TensorFlow's name
    """(lu, p): L (strict lower part, unit diagonal) and U packed in one matrix, and the row permutation p with
    gather(input, p) = L·U."""
    x = convert_to_tensor(input, name="input")
    out = apply_op(Lu, [x], {"output_idx_type": dtypes.as_dtype(output_idx_type).base_dtype}, name or "Lu")
    return out[0], out[1]


def _lower(lower_upper):
    return matrix_set_diag(matrix_band_part(lower_upper, -1, 0), ones(shape(lower_upper)[:-1],
                                                                      lower_upper.dtype.base_dtype))


def _batched_gather(x, perm):
    """x[..., perm[..., i], :]: the rows of each matrix in the batch in the order of its permutation."""
    rank = perm.shape.ndims
    if rank is None:
        raise ValueError("the permutation's rank must be known while building the graph")
    return gather(x, perm) if rank == 1 else batch_gather(x, perm)


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrix that `lu` factored: gather(L·U, invert_permutation(perm))."""
    with name_scope(name or "lu_reconstruct"):
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        perm = convert_to_tensor(perm, name="perm")
        x = matmul(_lower(lower_upper), matrix_band_part(lower_upper, 0, -1))
        return _batched_gather(x, argsort(perm, axis=-1))  # the inverse permutation, per batch


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """X with A·X = rhs from A's `lu` factors: two triangular solves on rhs's rows permuted by perm."""
    with name_scope(name or "lu_solve"):
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        perm = convert_to_tensor(perm, name="perm")
        rhs = convert_to_tensor(rhs, name="rhs", dtype=lower_upper.dtype.base_dtype)
        permuted = _batched_gather(rhs, perm)
        return matrix_triangular_solve(lower_upper, matrix_triangular_solve(_lower(lower_upper), permuted),
                                       lower=False)


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """A⁻¹ from A's `lu` factors (lu_solve against the identity)."""
    with name_scope(name or "lu_matrix_inverse"):
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        s = static_shape(lower_upper)
        if s is None or None in s:
            raise ValueError("lu_matrix_inverse needs a matrix of known shape")
        identity = eye(s[-1], batch_shape=s[:-2], dtype=lower_upper.dtype.base_dtype)
        return lu_solve(lower_upper, perm, identity)


__all__ = ["lu", "lu_reconstruct", "lu_solve", "lu_matrix_inverse"]
