"""`LinearOperatorLowRankUpdate`: A = L + U D V^H with L an operator, U and V [..., N, K] and D diagonal [..., K]
(the identity when `diag_update` is None; V = U when `v` is None).

Products never form A: L x + U (D (V^H x)). Solves use the Woodbury identity
A^-1 = L^-1 - L^-1 U C^-1 V^H L^-1 with the K x K capacitance C = D^-1 + V^H L^-1 U, and the determinant the
matrix determinant lemma det(A) = det(C) det(D) det(L); C is factored by Cholesky when L is self-adjoint positive
definite, D positive and V = U (then A is too), as TF does.
"""
from __future__ import annotations

from ..ops import matrix_ops
from ..ops.arithmetic_ops import multiply
from ..ops.complex_ops import conj
from ..ops.matmul_ops import matmul
from ..ops.matrix_diag_ops import matrix_diag_part
from ..ops.reduction_ops import reduce_sum
from ..ops.unary_ops import abs as abs_
from ..ops.unary_ops import exp, log
from .base import LinearOperator, as_tensor, broadcast_batch, broadcast_shapes, dims, matrix_solve_with_broadcast
from .diag import LinearOperatorDiag, LinearOperatorIdentity


class LinearOperatorLowRankUpdate(LinearOperator):
    """base_operator + u @ diag(diag_update) @ v^H."""

    def __init__(self, base_operator, u, diag_update=None, v=None, is_diag_update_positive=None,
                 is_non_singular=None, is_self_adjoint=None, is_positive_definite=None, is_square=None,
                 name="LinearOperatorLowRankUpdate"):
        dtype = base_operator.dtype
        if diag_update is None:
            if is_diag_update_positive is False:
                raise ValueError("Default diagonal is the identity, which is positive.  However, user set "
                                 "'is_diag_update_positive' to False.")
            is_diag_update_positive = True
        self._use_cholesky = bool(base_operator.is_positive_definite and base_operator.is_self_adjoint
                                  and is_diag_update_positive and v is None)
        if base_operator.is_self_adjoint and v is None and not dtype.is_complex:
            if is_self_adjoint is False:
                raise ValueError("A = L + UDU^H, with L self-adjoint and D real diagonal.  Since UDU^H is "
                                 "self-adjoint, this must be a self-adjoint operator.")
            is_self_adjoint = True
        if self._use_cholesky:
            if is_positive_definite is False or is_self_adjoint is False or is_non_singular is False:
                raise ValueError("Arguments imply this is self-adjoint positive-definite operator.")
            is_positive_definite = is_self_adjoint = True
        self._u = as_tensor(u, "u", dtype=dtype)
        self._v = self._u if v is None else as_tensor(v, "v", dtype=dtype)
        self._diag_update = None if diag_update is None else as_tensor(diag_update, "diag_update", dtype=dtype)
        self._is_diag_update_positive = is_diag_update_positive
        self._base_operator = base_operator
        if self._diag_update is not None:
            self._diag_operator = LinearOperatorDiag(self._diag_update, is_positive_definite=is_diag_update_positive)
        else:
            self._diag_operator = LinearOperatorIdentity(dims(self._u)[-1], dtype=dtype)
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=dict(base_operator=base_operator, u=u, diag_update=diag_update, v=v,
                                         is_diag_update_positive=is_diag_update_positive, name=name))

    u = property(lambda self: self._u)
    v = property(lambda self: self._v)
    diag_update = property(lambda self: self._diag_update)
    diag_operator = property(lambda self: self._diag_operator)
    base_operator = property(lambda self: self._base_operator)
    is_diag_update_positive = property(lambda self: self._is_diag_update_positive)

    def _shape(self):
        batch = broadcast_shapes(self._base_operator.batch_shape.as_list(),
                                 self._diag_operator.batch_shape.as_list(), dims(self._u)[:-2], dims(self._v)[:-2])
        return batch + self._base_operator.shape.as_list()[-2:]

    def _assert_self_adjoint(self):
        if self._u is self._v and self._diag_update is None:
            return self._base_operator.assert_self_adjoint()
        return super()._assert_self_adjoint()

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        u, v = (self._v, self._u) if adjoint else (self._u, self._v)
        leading = self._base_operator.matmul(x, adjoint=adjoint, adjoint_arg=adjoint_arg)
        vh_x = matmul(v, x, adjoint_a=True, adjoint_b=adjoint_arg)
        low_rank = matmul(u, self._diag_operator.matmul(vh_x, adjoint=adjoint))
        return leading + low_rank

    def _capacitance(self):
        """C = D^-1 + V^H L^-1 U, [..., K, K]."""
        vh_linv_u = matmul(self._v, self._base_operator.solve(self._u), adjoint_a=True)
        return self._diag_operator.inverse().add_to_tensor(vh_linv_u)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        if self._base_operator.is_non_singular is False:
            raise ValueError("Solve not implemented unless this is a perturbation of a non-singular LinearOperator.")
        base = self._base_operator
        # A^H = L^H + V D^H U^H has capacitance C^H, so the adjoint solve swaps U and V and solves with C^H.
        u, v = (self._v, self._u) if adjoint else (self._u, self._v)
        cap = self._capacitance()
        linv_rhs = base.solve(rhs, adjoint=adjoint, adjoint_arg=adjoint_arg)
        vh_linv_rhs = matmul(v, linv_rhs, adjoint_a=True)
        if self._use_cholesky:
            chol, vh_linv_rhs = broadcast_batch(matrix_ops.cholesky(cap), vh_linv_rhs)
            cap_inv = matrix_ops.cholesky_solve(chol, vh_linv_rhs)
        else:
            cap_inv = matrix_solve_with_broadcast(cap, vh_linv_rhs, adjoint=adjoint)
        return linv_rhs - base.solve(matmul(u, cap_inv), adjoint=adjoint)

    def _log_abs_det_capacitance(self):
        cap = self._capacitance()
        if self._use_cholesky:
            return 2.0 * reduce_sum(log(matrix_diag_part(matrix_ops.cholesky(cap))), axis=[-1])
        return log(abs_(matrix_ops.matrix_determinant(cap)))

    def _determinant(self):
        if self.is_positive_definite:
            return exp(self.log_abs_determinant())
        det_c = matrix_ops.matrix_determinant(self._capacitance())
        return multiply(multiply(det_c, self._diag_operator.determinant()), self._base_operator.determinant())

    def _log_abs_determinant(self):
        return (self._log_abs_det_capacitance() + self._diag_operator.log_abs_determinant()
                + self._base_operator.log_abs_determinant())

    def _diag_part(self):
        product = multiply(self._u, conj(self._v) if self.dtype.is_complex else self._v)
        if self._diag_update is not None:
            from ..ops.array_ops import expand_dims
            product = multiply(product, expand_dims(self._diag_update, -2))
        return reduce_sum(product, axis=-1) + self._base_operator.diag_part()
