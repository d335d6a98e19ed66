"""Sparse structured operators: `LinearOperatorHouseholder` (I - 2vv^H/|v|²: a reflection, its own inverse, products
in O(N)), `LinearOperatorPermutation` (rows gathered by `perm`; the adjoint gathers by the inverse permutation) and
`LinearOperatorTridiag` (products and solves by tf.linalg.tridiagonal_matmul / tridiagonal_solve)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..ops import array_ops
from ..ops.cast_ops import cast
from ..ops.comparison_ops import equal
from ..ops.complex_ops import conj
from ..ops.core import no_op
from ..ops.linalg_compositions import _dense_tridiagonal, tridiagonal_matmul, tridiagonal_solve
from ..ops.manip_ops import roll
from ..ops.matmul_ops import matmul
from ..ops.matrix_diag_ops import matrix_diag_part, matrix_set_diag
from ..ops.normalization_ops import l2_normalize
from ..ops.reduction_ops import reduce_prod
from ..ops.sort_ops import argsort
from ..ops.unary_ops import sign
from .base import LinearOperator, adjoint_if, as_tensor, broadcast_shapes, dims


def _conj(x):
    return conj(x) if x.dtype.is_complex else x


class _Unitary(LinearOperator):
    """Operators with |det| = 1 and condition number 1 (reflections and permutations)."""

    def _log_abs_determinant(self):
        return array_ops.zeros(self._batch_list(), self.dtype)

    def _cond(self):
        return array_ops.ones(self._batch_list(), self.dtype)

    def _assert_non_singular(self):
        return no_op("assert_non_singular")


class LinearOperatorHouseholder(_Unitary):
    """The reflection I - 2 v v^H / (v^H v) across the hyperplane orthogonal to `reflection_axis` v [..., N]."""

    def __init__(self, reflection_axis, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorHouseholder"):
        if is_self_adjoint is False:
            raise ValueError("A Householder operator is always self adjoint.")
        if is_positive_definite is True:
            raise ValueError("A Householder operator is always non-positive definite.")
        if is_square is False:
            raise ValueError("A Householder operator is always square.")
        self._reflection_axis = as_tensor(reflection_axis, "reflection_axis")
        if self._reflection_axis.shape.ndims is not None and self._reflection_axis.shape.ndims < 1:
            raise ValueError(f"Argument reflection_axis must have at least 1 dimension.  Found: "
                             f"{self._reflection_axis}")
        super().__init__(self._reflection_axis.dtype, is_non_singular=is_non_singular, is_self_adjoint=True,
                         is_positive_definite=False, is_square=True, name=name,
                         parameters=dict(reflection_axis=reflection_axis, name=name))

    reflection_axis = property(lambda self: self._reflection_axis)

    def _shape(self):
        s = dims(self._reflection_axis)
        return s + s[-1:]

    def _unit(self):
        return l2_normalize(self._reflection_axis, axis=-1)

    def _assert_positive_definite(self):
        from ..framework.errors import InvalidArgumentError
        raise InvalidArgumentError(None, None, "Householder operators are always non-positive definite.")

    def _assert_self_adjoint(self):
        return no_op("assert_self_adjoint")

    def _linop_adjoint(self):
        return self

    _linop_inverse = _linop_adjoint

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = adjoint_if(x, adjoint_arg)
        v = array_ops.expand_dims(self._unit(), -1)
        return x - 2.0 * v * matmul(v, x, adjoint_a=True)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._matmul(rhs, adjoint, adjoint_arg)

    def _trace(self):
        return array_ops.fill(self._batch_list(), np.array(self._n() - 2, self.dtype.np))

    def _determinant(self):
        return -array_ops.ones(self._batch_list(), self.dtype)

    def _to_dense(self):
        v = array_ops.expand_dims(self._unit(), -1)
        m = -2.0 * matmul(v, v, adjoint_b=True)
        return matrix_set_diag(m, 1.0 + matrix_diag_part(m))

    def _diag_part(self):
        u = self._unit()
        return 1.0 - 2.0 * u * _conj(u)

    def _eigvals(self):
        batch = self._batch_list()
        return array_ops.concat([-array_ops.ones(batch + [1], self.dtype),
                                 array_ops.ones(batch + [self._n() - 1], self.dtype)], axis=-1)


class LinearOperatorPermutation(_Unitary):
    """The permutation matrix P with P[i, perm[i]] = 1, so (P x)[i] = x[perm[i]]; `perm` [..., N] integers."""

    def __init__(self, perm, dtype=dtypes.float32, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorPermutation"):
        self._perm = as_tensor(perm, "perm")
        if self._perm.shape.ndims is not None and self._perm.shape.ndims < 1:
            raise ValueError(f"Argument `perm` must have at least 1 dimension. Received: {self._perm}.")
        if not self._perm.dtype.is_integer:
            raise TypeError(f"Argument `perm` must be integer dtype. Received: {self._perm}.")
        static = array_ops.get_static_value(self._perm)
        if static is not None and np.any(np.sort(static, axis=-1) != np.arange(static.shape[-1])):
            raise ValueError(f"Argument `perm` must be a vector of unique integers from 0 to "
                             f"{static.shape[-1] - 1}.")
        if is_non_singular is False:
            raise ValueError(f"A Permutation operator is always non-singular. Expected argument `is_non_singular` "
                             f"to be True. Received: {is_non_singular}.")
        if is_square is False:
            raise ValueError(f"A Permutation operator is always square. Expected argument `is_square` to be True. "
                             f"Received: {is_square}.")
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=dict(perm=perm, dtype=dtype, name=name))

    perm = property(lambda self: self._perm)

    def _shape(self):
        s = dims(self._perm)
        return s + s[-1:]

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        perm = self._perm
        if adjoint and not self.is_self_adjoint:
            perm = argsort(perm, axis=-1)
        x = adjoint_if(x, adjoint_arg)
        s = dims(x)
        batch = broadcast_shapes(s[:-2], dims(perm)[:-1])
        n, k = s[-2], s[-1]
        x = array_ops.broadcast_to(x, batch + [n, k]) if s[:-2] != batch else x
        perm = array_ops.broadcast_to(perm, batch + [n]) if dims(perm)[:-1] != batch else perm
        if not batch:
            return array_ops.gather(x, perm, axis=0)
        # One gather over the flattened batch: row perm[b, i] of batch member b is row b·n + perm[b, i].
        count = int(np.prod(batch))
        offsets = (np.arange(count) * n).reshape(batch + [1]).astype(perm.dtype.np)
        rows = array_ops.reshape(perm + offsets, [-1])
        return array_ops.reshape(array_ops.gather(array_ops.reshape(x, [count * n, k]), rows, axis=0), batch + [n, k])

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._matmul(rhs, adjoint=not adjoint, adjoint_arg=adjoint_arg)

    def _determinant(self):
        # The sign of the permutation: the product over pairs i < j of sign(perm[j] - perm[i]).
        p = cast(self._perm, self.dtype)
        diffs = sign(array_ops.expand_dims(p, -2) - array_ops.expand_dims(p, -1))  # [..., i, j]: perm[j] - perm[i]
        n = self._n()
        upper = np.triu(np.ones((n, n)), 1)
        factors = diffs * upper.astype(self.dtype.np) + (1.0 - upper).astype(self.dtype.np)
        return reduce_prod(array_ops.reshape(factors, self._batch_list() + [n * n]), axis=-1)

    def _identity_mask(self):
        return equal(self._perm, array_ops.range(self._n(), dtype=self._perm.dtype))

    def _to_dense(self):
        return cast(equal(array_ops.expand_dims(self._perm, -1), array_ops.range(self._n(), dtype=self._perm.dtype)),
                    self.dtype)

    def _diag_part(self):
        return cast(self._identity_mask(), self.dtype)

    def _linop_inverse(self):
        return LinearOperatorPermutation(argsort(self._perm, axis=-1), dtype=self.dtype,
                                         is_non_singular=True, is_square=True)

    _linop_adjoint = _linop_inverse


_FORMATS = ("compact", "matrix", "sequence")


class LinearOperatorTridiag(LinearOperator):
    """A [batch of] tridiagonal matrix from its diagonals, in tf.linalg.tridiagonal_solve's formats: "compact"
    [..., 3, N] (superdiagonal, diagonal, subdiagonal), "sequence" (three [..., N] tensors) or "matrix"."""

    def __init__(self, diagonals, diagonals_format="compact", is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name="LinearOperatorTridiag"):
        if diagonals_format not in _FORMATS:
            raise ValueError(f"Argument `diagonals_format` must be one of compact, matrix, or sequence. Received : "
                             f"{diagonals_format}.")
        if diagonals_format == "sequence":
            self._diagonals = [as_tensor(d, f"diag_{i}") for i, d in enumerate(diagonals)]
            dtype = self._diagonals[0].dtype
        else:
            self._diagonals = as_tensor(diagonals, "diagonals")
            dtype = self._diagonals.dtype
        self._diagonals_format = diagonals_format
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=dict(diagonals=diagonals, diagonals_format=diagonals_format, name=name))

    diagonals = property(lambda self: self._diagonals)
    diagonals_format = property(lambda self: self._diagonals_format)

    def _shape(self):
        if self._diagonals_format == "matrix":
            return dims(self._diagonals)
        if self._diagonals_format == "compact":
            s = dims(self._diagonals)
            return s[:-2] + [s[-1], s[-1]]
        shapes = [dims(d) for d in self._diagonals]
        n = shapes[0][-1]
        return broadcast_shapes(*(s[:-1] for s in shapes)) + [n, n]

    def _three(self):
        d = self._diagonals
        if self._diagonals_format == "sequence":
            return list(d)
        return [d[..., 0, :], d[..., 1, :], d[..., 2, :]]

    def _adjoint_diagonals(self):
        if self._diagonals_format == "matrix":
            from ..ops.matrix_ops import adjoint
            return adjoint(self._diagonals)
        sup, main, sub = (_conj(t) for t in self._three())
        new = [roll(sub, shift=-1, axis=-1), main, roll(sup, shift=1, axis=-1)]
        return new if self._diagonals_format == "sequence" else array_ops.stack(new, axis=-2)

    def _broadcast_diagonals(self, diagonals, batch):
        n = self._n()
        if self._diagonals_format == "sequence":
            return [d if dims(d)[:-1] == batch else array_ops.broadcast_to(d, batch + [n]) for d in diagonals]
        tail = dims(diagonals)[-2:]
        return diagonals if dims(diagonals)[:-2] == batch else array_ops.broadcast_to(diagonals, batch + tail)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        diagonals = self._adjoint_diagonals() if adjoint else self._diagonals
        x = adjoint_if(x, adjoint_arg)
        batch = broadcast_shapes(self._batch_list(), dims(x)[:-2])
        if dims(x)[:-2] != batch:
            x = array_ops.broadcast_to(x, batch + dims(x)[-2:])
        return tridiagonal_matmul(self._broadcast_diagonals(diagonals, batch), x,
                                  diagonals_format=self._diagonals_format)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        diagonals = self._adjoint_diagonals() if adjoint else self._diagonals
        rhs = adjoint_if(rhs, adjoint_arg)
        batch = broadcast_shapes(self._batch_list(), dims(rhs)[:-2])
        if dims(rhs)[:-2] != batch:
            rhs = array_ops.broadcast_to(rhs, batch + dims(rhs)[-2:])
        return tridiagonal_solve(self._broadcast_diagonals(diagonals, batch), rhs,
                                 diagonals_format=self._diagonals_format)

    def _diag_part(self):
        if self._diagonals_format == "matrix":
            return matrix_diag_part(self._diagonals)
        main = self._three()[1]
        shape = self.shape.as_list()[:-1]
        return main if dims(main) == shape else array_ops.broadcast_to(main, shape)

    def _to_dense(self):
        if self._diagonals_format == "matrix":
            return self._diagonals
        three = self._three()
        if self._diagonals_format == "sequence":
            three = self._broadcast_diagonals(three, self._batch_list())
        return _dense_tridiagonal(*three)

    def _assert_self_adjoint(self):
        from ..ops import check_ops
        return check_ops.assert_equal(self.to_dense(), array_ops.matrix_transpose(self.to_dense()),
                                      message="Matrix was not equal to its adjoint.")


__all__ = ["LinearOperatorHouseholder", "LinearOperatorPermutation", "LinearOperatorTridiag"]
