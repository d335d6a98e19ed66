"""Operators that hold their entries: `LinearOperatorFullMatrix` (any [batch of] matrix; solves by LU, or by
Cholesky when hinted self-adjoint positive definite) and `LinearOperatorLowerTriangular` (the lower triangle of
`tril`: triangular solves, the determinant as the product of the diagonal)."""
from __future__ import annotations

from ..framework import dtypes
from ..ops import array_ops, matrix_ops
from ..ops.matmul_ops import matmul
from ..ops.matrix_diag_ops import matrix_band_part, matrix_diag_part
from ..ops.reduction_ops import reduce_prod, reduce_sum
from ..ops.unary_ops import abs as abs_
from ..ops.unary_ops import log
from .base import LinearOperator, adjoint_if, as_tensor, broadcast_batch, static_dims
from .diag import assert_no_zero

_ALLOWED = [dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128]


def _at_least_2d(t, message):
    if t.shape.ndims is not None and t.shape.ndims < 2:
        raise ValueError(message)


class LinearOperatorFullMatrix(LinearOperator):
    """A [batch of] dense matrix [..., M, N]."""

    def __init__(self, matrix, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorFullMatrix"):
        self._matrix = as_tensor(matrix, "matrix")
        if self._matrix.dtype.base_dtype not in _ALLOWED:
            raise TypeError(f"Argument `matrix` must have dtype in {_ALLOWED}. Received: {self._matrix.dtype}.")
        _at_least_2d(self._matrix, f"Argument `matrix` must have at least 2 dimensions. Received: {self._matrix}.")
        super().__init__(self._matrix.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=dict(matrix=matrix, is_non_singular=is_non_singular,
                                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite,
                                         is_square=is_square, name=name))

    matrix = property(lambda self: self._matrix)

    def _shape(self):
        return static_dims(self._matrix)

    def _shape_tensor(self):
        return array_ops.shape(self._matrix)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return matmul(self._matrix, x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _to_dense(self):
        return self._matrix


class LinearOperatorLowerTriangular(LinearOperator):
    """The lower triangle of `tril` [..., N, N] (the part above the diagonal is ignored)."""

    def __init__(self, tril, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorLowerTriangular"):
        if is_square is False:
            raise ValueError("Only square lower triangular operators supported at this time.")
        self._tril = as_tensor(tril, "tril")
        _at_least_2d(self._tril, f"Argument tril must have at least 2 dimensions.  Found: {self._tril}")
        super().__init__(self._tril.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=dict(tril=tril, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                                         is_positive_definite=is_positive_definite, is_square=is_square, name=name))

    tril = property(lambda self: self._tril)

    def _get_tril(self):
        return matrix_band_part(self._tril, -1, 0)

    def _get_diag(self):
        return matrix_diag_part(self._tril)

    def _shape(self):
        return static_dims(self._tril)

    def _shape_tensor(self):
        return array_ops.shape(self._tril)

    def _assert_non_singular(self):
        return assert_no_zero(self._get_diag(), "Singular operator:  Diagonal contained zero values.")

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return matmul(self._get_tril(), x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def _linop_matmul(self, left, right):
        if getattr(right, "_check_diag", False):  # L @ diagonal is lower triangular: scale L's columns
            from .diag import _diag_hints
            hints = _diag_hints(right, left)
            return LinearOperatorLowerTriangular(left.to_dense() * array_ops.expand_dims(right.diag, -2),
                                                 is_non_singular=hints["is_non_singular"],
                                                 is_self_adjoint=hints["is_self_adjoint"], is_square=True)
        return super()._linop_matmul(left, right)

    def _determinant(self):
        return reduce_prod(self._get_diag(), axis=[-1])

    def _log_abs_determinant(self):
        return reduce_sum(log(abs_(self._get_diag())), axis=[-1])

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        tril, rhs = broadcast_batch(self._get_tril(), adjoint_if(rhs, adjoint_arg))
        return matrix_ops.matrix_triangular_solve(tril, rhs, lower=True, adjoint=adjoint)

    def _to_dense(self):
        return self._get_tril()

    def _eigvals(self):
        return self._get_diag()
