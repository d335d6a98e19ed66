"""tf.linalg's functions that TF composes from other ops, composed the same way here (their gradients are those of
the parts): `matvec`, `normalize`, `pinv` and `matrix_rank` (from the SVD, TF's cut-offs), `tridiagonal_matmul`
(the three diagonals times shifted rows of rhs) and `tridiagonal_solve` (the diagonals as a dense matrix and one
MatrixSolve: TF's op pivots the same way up to rounding). Formats of the diagonals, as TF's: "compact"
[..., 3, M] (superdiagonal with its last entry unused, main diagonal, subdiagonal with its first entry unused),
"sequence" (a tuple of those three [..., M] tensors) or "matrix" [..., M, M]."""
from __future__ import annotations

import numpy as np

from ..framework.graph import name_scope
from ..framework.op_def import static_shape
from .arithmetic_ops import add, multiply, realdiv
from .array_ops import expand_dims, matrix_transpose, pad, squeeze
from .cast_ops import cast
from .comparison_ops import greater
from .core import convert_to_tensor
from .decomposition_ops import svd
from .math_common import _scalar
from .matmul_ops import matmul
from .matrix_diag_ops import matrix_diag
from .matrix_ops import matrix_solve
from .reduction_ops import reduce_max, reduce_sum
from .select_ops import where_v2


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False, name=None):
    """a @ b for a batch of matrices a [..., M, N] and vectors b [..., N]."""
    with name_scope(name, "MatVec", [a, b]) as scope:
        out = matmul(a, expand_dims(convert_to_tensor(b, name="b"), axis=-1), transpose_a=transpose_a,
                     adjoint_a=adjoint_a)
        return squeeze(out, axis=-1, name=scope)


def normalize(tensor, ord="euclidean", axis=None, name=None):  # noqa: A002 - TensorFlow's name
    """(tensor / its norm along `axis`, the norm with the reduced dims kept)."""
    from .linalg_ops import norm  # linalg_ops re-exports this module's functions

    with name_scope(name, "normalize", [tensor]):
        tensor = convert_to_tensor(tensor)
        n = cast(norm(tensor, ord, axis, keepdims=True), tensor.dtype.base_dtype)
        return realdiv(tensor, n), n


def _matrix_dims(a, what):
    s = static_shape(a)
    if s is None or len(s) < 2:
        raise ValueError(f"{what} needs a tensor of rank at least 2, got {a.shape}")
    return s[-2], s[-1]


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse from the SVD: singular values at most rcond · the largest are dropped
    (rcond defaults to 10 · max(rows, cols) · eps of the dtype, as TF's)."""
    with name_scope(name or "pinv"):
        a = convert_to_tensor(a, name="a")
        dt = a.dtype.base_dtype
        rows, cols = _matrix_dims(a, "pinv")
        if rcond is None:
            if rows is None or cols is None:
                raise ValueError("pinv without rcond needs the matrix dimensions known while building")
            rcond = 10.0 * max(rows, cols) * float(np.finfo(dt.np).eps)
        rcond = convert_to_tensor(rcond, dtype=dt, name="rcond")
        s, u, v = svd(a, full_matrices=False, compute_uv=True)
        cutoff = multiply(rcond, reduce_max(s, axis=-1))
        s = where_v2(greater(s, expand_dims(cutoff, -1)), s, _scalar(np.inf, s))
        return matmul(realdiv(v, expand_dims(s, -2)), u, adjoint_b=True)


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The number of singular values above `tol` (default: eps · max(rows, cols) · the largest one), int32."""
    with name_scope(name or "matrix_rank"):
        a = convert_to_tensor(a, name="a")
        rows, cols = _matrix_dims(a, "matrix_rank")
        s = svd(a, compute_uv=False)
        if tol is None:
            if rows is None or cols is None:
                raise ValueError("matrix_rank without tol needs the matrix dimensions known while building")
            eps = float(np.finfo(a.dtype.base_dtype.np).eps)
            tol = multiply(_scalar(eps * max(rows, cols), s), reduce_max(s, axis=-1, keepdims=True))
        return reduce_sum(cast(greater(s, tol), "int32"), axis=-1)


def _three_diagonals(diagonals, diagonals_format):
    """(superdiagonal, main diagonal, subdiagonal), each [..., M] (unused ends included)."""
    if diagonals_format == "compact":
        d = convert_to_tensor(diagonals, name="diagonals")
        return d[..., 0, :], d[..., 1, :], d[..., 2, :]
    if diagonals_format == "sequence":
        if not isinstance(diagonals, (list, tuple)) or len(diagonals) != 3:
            raise ValueError("Expected diagonals to be a sequence of length 3.")
        return tuple(convert_to_tensor(d) for d in diagonals)
    raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")


def _shift_rows(x, by):
    """x [..., M, K] moved `by` (±1) rows along M: row i holds x's row i + by, zero past the ends."""
    rank = x.shape.ndims
    if by > 0:
        return pad(x[..., 1:, :], [[0, 0]] * (rank - 2) + [[0, 1], [0, 0]])
    return pad(x[..., :-1, :], [[0, 0]] * (rank - 2) + [[1, 0], [0, 0]])


def tridiagonal_matmul(diagonals, rhs, diagonals_format="compact", name=None):
    """T @ rhs for a batch of tridiagonal matrices T given by their diagonals; rhs [..., M, K]."""
    with name_scope(name or "tridiagonal_matmul"):
        rhs = convert_to_tensor(rhs, name="rhs")
        if diagonals_format == "matrix":
            return matmul(convert_to_tensor(diagonals, name="diagonals"), rhs)
        sup, main, sub = _three_diagonals(diagonals, diagonals_format)
        col = lambda d: expand_dims(d, -1)  # noqa: E731 - one column per diagonal
        return add(add(multiply(col(main), rhs), multiply(col(sup), _shift_rows(rhs, 1))),
                   multiply(col(sub), _shift_rows(rhs, -1)))


def _dense_tridiagonal(sup, main, sub):
    rank = main.shape.ndims
    batch = [[0, 0]] * (rank - 1)
    upper = pad(matrix_diag(sup[..., :-1]), batch + [[0, 1], [1, 0]])
    lower = pad(matrix_diag(sub[..., 1:]), batch + [[1, 0], [0, 1]])
    return add(add(matrix_diag(main), upper), lower)


def tridiagonal_solve(diagonals, rhs, diagonals_format="compact", transpose_rhs=False, conjugate_rhs=False,
                      name=None, partial_pivoting=True, perturb_singular=False):
    """X with T @ X = rhs for a batch of tridiagonal matrices T; rhs [..., M, K] or [..., M]
    (`transpose_rhs`: rhs given as [..., K, M]). Real dtypes: `conjugate_rhs` changes nothing."""
    with name_scope(name or "tridiagonal_solve"):
        rhs = convert_to_tensor(rhs, name="rhs")
        if diagonals_format == "matrix":
            dense = convert_to_tensor(diagonals, name="diagonals")
        else:
            dense = _dense_tridiagonal(*_three_diagonals(diagonals, diagonals_format))
        vector = rhs.shape.ndims == dense.shape.ndims - 1
        if vector:
            return squeeze(matrix_solve(dense, expand_dims(rhs, -1)), axis=-1)
        return matrix_solve(dense, matrix_transpose(rhs) if transpose_rhs else rhs)


def eigh_tridiagonal(alpha, beta, eigvals_only=True, select="a", select_range=None, tol=None, name=None):
    """Eigenvalues (ascending; with eigvals_only=False also the eigenvectors as columns) of the real symmetric
    tridiagonal matrix with diagonal `alpha` [N] and off-diagonal `beta` [N-1]. select "a": all; "i": the indices
    select_range[0]..select_range[1] (inclusive); "v": those in the half-open interval (select_range[0],
    select_range[1]]. TF bisects to `tol`; here the matrix is formed and handed to the symmetric eigensolver
    (exact to rounding, and differentiable); `tol` is accepted and not needed."""
    from .array_ops import boolean_mask
    from .comparison_ops import less_equal, logical_and
    from .decomposition_ops import self_adjoint_eig, self_adjoint_eigvals
    with name_scope(name or "eigh_tridiagonal"):
        alpha = convert_to_tensor(alpha, name="alpha")
        beta = convert_to_tensor(beta, name="beta")
        if alpha.dtype.base_dtype != beta.dtype.base_dtype:
            raise ValueError("'alpha' and 'beta' must have the same type.")
        if alpha.dtype.is_complex:
            raise TypeError("eigh_tridiagonal: complex (Hermitian) tridiagonal matrices are not supported here, "
                            "only real symmetric ones")
        if select not in ("a", "i", "v"):
            raise ValueError("'select must have a value in {'a', 'i', 'v'}.")
        zero = _scalar(0.0, beta)[None]
        sub = pad(beta, [[1, 0]]) if beta.shape[0] else zero
        sup = pad(beta, [[0, 1]]) if beta.shape[0] else zero
        dense = _dense_tridiagonal(sup, alpha, sub)
        if eigvals_only:
            values, vectors = self_adjoint_eigvals(dense), None
        else:
            values, vectors = self_adjoint_eig(dense)
        if select == "i":
            lo, hi = int(select_range[0]), int(select_range[1])
            values = values[lo:hi + 1]
            vectors = None if vectors is None else vectors[:, lo:hi + 1]
        elif select == "v":
            lo = _scalar(float(select_range[0]), values)
            hi = _scalar(float(select_range[1]), values)
            keep = logical_and(greater(values, lo), less_equal(values, hi))
            values = boolean_mask(values, keep)
            vectors = None if vectors is None else boolean_mask(vectors, keep, axis=1)
        return values if eigvals_only else (values, vectors)


__all__ = ["matvec", "normalize", "pinv", "matrix_rank", "tridiagonal_matmul", "tridiagonal_solve",
           "eigh_tridiagonal"]
