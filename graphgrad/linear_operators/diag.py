"""Diagonal operators, which never build their N x N matrix to compute: `LinearOperatorDiag` (products and solves
are elementwise multiply/divide, the determinant a product), `LinearOperatorIdentity`, `LinearOperatorScaledIdentity`
(c·I: powers and logs of c) and `LinearOperatorZeros` (zeros of the right shape)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..ops import array_ops, check_ops
from ..ops.arithmetic_ops import add, multiply, realdiv
from ..ops.cast_ops import cast
from ..ops.complex_ops import conj, real
from ..ops.core import convert_to_tensor
from ..ops.matrix_diag_ops import matrix_diag, matrix_diag_part, matrix_set_diag
from ..ops.reduction_ops import reduce_max, reduce_min, reduce_prod, reduce_sum
from ..ops.unary_ops import abs as abs_
from ..ops.unary_ops import log, sqrt
from .base import LinearOperator, adjoint_if, as_tensor, broadcast_shapes, dims, static_dims


def assert_no_zero(x, message):
    """An assert op that fails when run if any entry of x is 0 (TF's assert_no_entries_with_modulus_zero)."""
    return check_ops.assert_none_equal(abs_(x), array_ops.zeros_like(real(x) if x.dtype.is_complex else x),
                                       message=message)


def _conj_if(x, flag):
    return conj(x) if flag and x.dtype.is_complex else x


def _column(d):
    """A diagonal [..., N] as [..., N, 1], to scale the rows of a matrix."""
    return array_ops.expand_dims(d, -1)


def _real_self_adjoint(dtype, is_self_adjoint):
    """Real diagonal operators are self-adjoint; TF refuses a False hint for them."""
    if dtypes.as_dtype(dtype).is_complex:
        return is_self_adjoint
    if is_self_adjoint is False:
        raise ValueError("A real diagonal operator is always self adjoint.")
    return True


class LinearOperatorDiag(LinearOperator):
    """A [batch of] diagonal matrix from its diagonal `diag` [..., N]."""

    def __init__(self, diag, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorDiag"):
        self._diag = as_tensor(diag, "diag")
        if self._diag.shape.ndims is not None and self._diag.shape.ndims < 1:
            raise ValueError(f"Argument diag must have at least 1 dimension.  Found: {self._diag}")
        is_self_adjoint = _real_self_adjoint(self._diag.dtype, is_self_adjoint)
        if is_square is False:
            raise ValueError("Only square diagonal operators currently supported.")
        super().__init__(self._diag.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=dict(diag=diag, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                                         is_positive_definite=is_positive_definite, is_square=is_square, name=name))

    diag = property(lambda self: self._diag)
    _check_diag = True  # TF's marker that other operators look for

    def _shape(self):
        d = static_dims(self._diag)
        return d + d[-1:]

    def _shape_tensor(self):
        s = array_ops.shape(self._diag)
        return array_ops.concat([s, s[-1:]], 0)

    def _assert_non_singular(self):
        return assert_no_zero(self._diag, "Singular operator:  Diagonal contained zero values.")

    def _assert_positive_definite(self):
        return check_ops.assert_positive(real(self._diag) if self._diag.dtype.is_complex else self._diag,
                                         message="Real diagonal operator had non-positive diagonal entries, thus "
                                                 "was not positive definite.")

    def _assert_self_adjoint(self):
        if not self._diag.dtype.is_complex:
            from ..ops.core import no_op
            return no_op("assert_real")
        return check_ops.assert_equal(self._diag, conj(self._diag), message="This diagonal operator contained "
                                                                              "non-real entries.")

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return multiply(_column(_conj_if(self._diag, adjoint)), adjoint_if(x, adjoint_arg))

    def _matvec(self, x, adjoint=False):
        return multiply(_conj_if(self._diag, adjoint), x)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return realdiv(adjoint_if(rhs, adjoint_arg), _column(_conj_if(self._diag, adjoint)))

    def _solvevec(self, rhs, adjoint=False):
        return realdiv(rhs, _conj_if(self._diag, adjoint))

    def _determinant(self):
        return reduce_prod(self._diag, axis=[-1])

    def _log_abs_determinant(self):
        return reduce_sum(log(abs_(self._diag)), axis=[-1])

    def _to_dense(self):
        return matrix_diag(self._diag)

    def _diag_part(self):
        return self._diag

    def _trace(self):
        return reduce_sum(self._diag, axis=-1)

    def _add_to_tensor(self, x):
        return matrix_set_diag(x, add(matrix_diag_part(x), self._diag))

    def _eigvals(self):
        return self._diag

    def _cond(self):
        a = abs_(self._diag)
        return reduce_max(a, axis=-1) / reduce_min(a, axis=-1)

    def _linop_matmul(self, left, right):
        if isinstance(right, LinearOperatorDiag):
            return LinearOperatorDiag(multiply(left.diag, right.diag), **_diag_hints(left, right))
        return super()._linop_matmul(left, right)

    def _linop_adjoint(self):
        return LinearOperatorDiag(conj(self._diag) if self._diag.dtype.is_complex else self._diag,
                                  is_non_singular=self.is_non_singular, is_self_adjoint=self.is_self_adjoint,
                                  is_positive_definite=self.is_positive_definite, is_square=True)

    def _linop_inverse(self):
        return LinearOperatorDiag(1.0 / self._diag, is_non_singular=self.is_non_singular,
                                  is_self_adjoint=self.is_self_adjoint,
                                  is_positive_definite=self.is_positive_definite, is_square=True)

    def _linop_cholesky(self):
        return LinearOperatorDiag(sqrt(self._diag), is_non_singular=True, is_self_adjoint=True,
                                  is_positive_definite=True, is_square=True)


def _diag_hints(a, b):
    """Hints of a product of two commuting (diagonal) operators."""
    ns = False if a.is_non_singular is False or b.is_non_singular is False else (a.is_non_singular and
                                                                                 b.is_non_singular)
    sa = (True if a.is_self_adjoint and b.is_self_adjoint else
          False if {a.is_self_adjoint, b.is_self_adjoint} == {True, False} else None)
    pd = True if a.is_positive_definite and a.is_self_adjoint and b.is_positive_definite and b.is_self_adjoint \
        else None
    return dict(is_non_singular=ns, is_self_adjoint=sa, is_positive_definite=pd, is_square=True)


def _static_size(value, what):
    """A non-negative Python int from num_rows / num_columns (int, NumPy integer or constant tensor)."""
    from ..ops.array_ops import get_static_value
    v = get_static_value(value) if hasattr(value, "dtype") and hasattr(value, "op") else value
    a = np.asarray(v)
    if a.dtype.kind not in "iu":
        raise TypeError(f"Argument {what} must be integer type.  Found: {value}")
    if a.ndim != 0:
        raise ValueError(f"Argument {what} must be a 0-D Tensor.  Found: {value}")
    if int(a) < 0:
        raise ValueError(f"Argument {what} must be non-negative.  Found: {value}")
    return int(a)


def _static_batch(batch_shape):
    if batch_shape is None:
        return []
    from ..ops.array_ops import get_static_value
    v = get_static_value(batch_shape) if hasattr(batch_shape, "op") else batch_shape
    a = np.asarray(v)
    if a.size and a.dtype.kind not in "iu":
        raise TypeError(f"Argument batch_shape must be integer type.  Found: {batch_shape}")
    if a.ndim != 1:
        raise ValueError(f"Argument batch_shape must be a 1-D Tensor.  Found: {batch_shape}")
    if (a < 0).any():
        raise ValueError(f"Argument batch_shape must be non-negative.  Found: {batch_shape}")
    return [int(d) for d in a]


class _SizedOperator(LinearOperator):
    """An operator whose shape comes from num_rows (and a batch_shape) rather than from a tensor it holds."""

    def _broadcast_batch(self, x, batch):
        """x + zeros of shape batch + [1, 1] when `batch` is not already x's (TF's
        _possibly_broadcast_batch_shape), so the result has the operator's batch dimensions too."""
        if not batch:
            return x
        full = broadcast_shapes(dims(x)[:-2], batch)
        if full == dims(x)[:-2]:
            return x
        return add(x, array_ops.zeros(batch + [1, 1], dtype=x.dtype))

    def _filled(self, value, extra=()):
        return array_ops.fill(self._batch_list() + list(extra), np.array(value, self.dtype.np))


class LinearOperatorIdentity(_SizedOperator):
    """The [batch of] N x N identity: products return their argument (broadcast to batch_shape)."""

    def __init__(self, num_rows, batch_shape=None, dtype=None, is_non_singular=True, is_self_adjoint=True,
                 is_positive_definite=True, is_square=True, assert_proper_shapes=False,
                 name="LinearOperatorIdentity"):
        for hint, what in ((is_self_adjoint, "self adjoint"), (is_non_singular, "non-singular"),
                           (is_positive_definite, "positive-definite"), (is_square, "square")):
            if not hint:
                raise ValueError(f"An identity operator is always {what}.")
        self._num_rows = _static_size(num_rows, "num_rows")
        self._batch = _static_batch(batch_shape)
        super().__init__(dtype or dtypes.float32, is_non_singular=True, is_self_adjoint=True,
                         is_positive_definite=True, is_square=True, name=name,
                         parameters=dict(num_rows=num_rows, batch_shape=batch_shape, dtype=dtype,
                                         assert_proper_shapes=assert_proper_shapes, name=name))

    def _shape(self):
        return self._batch + [self._num_rows, self._num_rows]

    def _ones_diag(self):
        return self._filled(1, [self._num_rows])

    def _assert_non_singular(self):
        from ..ops.core import no_op
        return no_op("assert_non_singular")

    _assert_positive_definite = _assert_self_adjoint = _assert_non_singular

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._broadcast_batch(adjoint_if(x, adjoint_arg), self._batch)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._matmul(rhs, adjoint_arg=adjoint_arg)

    def _determinant(self):
        return self._filled(1)

    def _log_abs_determinant(self):
        return self._filled(0)

    def _to_dense(self):
        from ..ops.nd_ops import eye
        return eye(self._num_rows, batch_shape=self._batch or None, dtype=self.dtype)

    def _diag_part(self):
        return self._ones_diag()

    def _trace(self):
        return self._filled(self._num_rows)

    def _add_to_tensor(self, x):
        return matrix_set_diag(x, matrix_diag_part(x) + 1.0)

    def _eigvals(self):
        return self._ones_diag()

    def _cond(self):
        return self._filled(1)

    def _linop_adjoint(self):
        return self

    _linop_inverse = _linop_cholesky = _linop_adjoint

    def _linop_matmul(self, left, right):
        return right


class LinearOperatorScaledIdentity(_SizedOperator):
    """multiplier · I, N x N, with a [batch of] scalar `multiplier` (its shape is the batch shape)."""

    def __init__(self, num_rows, multiplier, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, assert_proper_shapes=False,
                 name="LinearOperatorScaledIdentity"):
        self._multiplier = as_tensor(multiplier, "multiplier")
        is_self_adjoint = _real_self_adjoint(self._multiplier.dtype, is_self_adjoint)
        if not is_square:
            raise ValueError("A ScaledIdentity operator is always square.")
        self._num_rows = _static_size(num_rows, "num_rows")
        super().__init__(self._multiplier.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=dict(num_rows=num_rows, multiplier=multiplier, name=name))

    multiplier = property(lambda self: self._multiplier)

    def _shape(self):
        return dims(self._multiplier) + [self._num_rows, self._num_rows]

    def _ones_diag(self):
        return self._filled(1, [self._num_rows])

    def _scale(self, adjoint):
        """The multiplier as [..., 1, 1] (conjugated for the adjoint)."""
        return array_ops.expand_dims(array_ops.expand_dims(_conj_if(self._multiplier, adjoint), -1), -1)

    def _assert_non_singular(self):
        return assert_no_zero(self._multiplier, "LinearOperator was singular")

    def _assert_positive_definite(self):
        m = real(self._multiplier) if self._multiplier.dtype.is_complex else self._multiplier
        return check_ops.assert_positive(m, message="LinearOperator was not positive definite.")

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return multiply(self._scale(adjoint), adjoint_if(x, adjoint_arg))

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return realdiv(adjoint_if(rhs, adjoint_arg), self._scale(adjoint))

    def _n_as_dtype(self):
        return convert_to_tensor(np.array(self._num_rows, self.dtype.np))

    def _determinant(self):
        return self._multiplier ** self._n_as_dtype()

    def _log_abs_determinant(self):
        n = cast(self._n_as_dtype(), self._multiplier.dtype.real_dtype) if self.dtype.is_complex else \
            self._n_as_dtype()
        return multiply(n, log(abs_(self._multiplier)))

    def _to_dense(self):
        from ..ops.nd_ops import eye
        return multiply(self._scale(False), eye(self._num_rows, dtype=self.dtype))

    def _diag_part(self):
        return multiply(array_ops.expand_dims(self._multiplier, -1), self._ones_diag())

    def _trace(self):
        return multiply(self._multiplier, self._n_as_dtype())

    def _add_to_tensor(self, x):
        return matrix_set_diag(x, add(matrix_diag_part(x), array_ops.expand_dims(self._multiplier, -1)))

    def _eigvals(self):
        return self._diag_part()

    def _cond(self):
        return self._filled(1)

    def _like(self, multiplier, **hints):
        hints["is_square"] = True
        return LinearOperatorScaledIdentity(self._num_rows, multiplier, **hints)

    def _linop_matmul(self, left, right):
        if isinstance(right, LinearOperatorScaledIdentity):
            return left._like(multiply(left.multiplier, right.multiplier), **_diag_hints(left, right))
        if isinstance(right, LinearOperatorDiag):
            return LinearOperatorDiag(multiply(right.diag, array_ops.expand_dims(left.multiplier, -1)),
                                      **_diag_hints(left, right))
        return super()._linop_matmul(left, right)

    def _linop_adjoint(self):
        return self._like(conj(self._multiplier) if self.dtype.is_complex else self._multiplier,
                          is_non_singular=self.is_non_singular, is_self_adjoint=self.is_self_adjoint,
                          is_positive_definite=self.is_positive_definite)

    def _linop_inverse(self):
        return self._like(1.0 / self._multiplier, is_non_singular=self.is_non_singular,
                          is_self_adjoint=self.is_self_adjoint, is_positive_definite=self.is_positive_definite)

    def _linop_cholesky(self):
        return self._like(sqrt(self._multiplier), is_non_singular=True, is_self_adjoint=True,
                          is_positive_definite=True)


class LinearOperatorZeros(_SizedOperator):
    """The [batch of] num_rows x num_columns zero matrix (pass is_square=False when they differ)."""

    def __init__(self, num_rows, num_columns=None, batch_shape=None, dtype=None, is_non_singular=False,
                 is_self_adjoint=True, is_positive_definite=False, is_square=True, assert_proper_shapes=False,
                 name="LinearOperatorZeros"):
        if not is_self_adjoint and is_square:
            raise ValueError("A zero operator is always self adjoint.")
        if is_non_singular:
            raise ValueError("A zero operator is always singular.")
        if is_positive_definite:
            raise ValueError("A zero operator is always not positive-definite.")
        self._num_rows = _static_size(num_rows, "num_rows")
        self._num_columns = self._num_rows if num_columns is None else _static_size(num_columns, "num_columns")
        if is_square and self._num_rows != self._num_columns:
            raise ValueError(f"LinearOperatorZeros initialized as is_square=True, but got "
                             f"num_rows({self._num_rows}) != num_columns({self._num_columns})")
        self._batch = _static_batch(batch_shape)
        super().__init__(dtype or dtypes.float32, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=dict(num_rows=num_rows, num_columns=num_columns, batch_shape=batch_shape,
                                         dtype=dtype, name=name))

    def _shape(self):
        return self._batch + [self._num_rows, self._num_columns]

    def _zeros_diag(self):
        return self._filled(0, [min(self._num_rows, self._num_columns)])

    def _assert_non_singular(self):
        from ..framework.errors import InvalidArgumentError
        raise InvalidArgumentError(None, None, "Zero operators are always non-invertible.")

    def _assert_positive_definite(self):
        from ..framework.errors import InvalidArgumentError
        raise InvalidArgumentError(None, None, "Zero operators are always non-positive definite.")

    def _assert_self_adjoint(self):
        from ..ops.core import no_op
        return no_op("assert_self_adjoint")

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        s = dims(x)
        cols = s[-2] if adjoint_arg else s[-1]
        rows = self._num_columns if adjoint else self._num_rows
        return self._broadcast_batch(array_ops.zeros(s[:-2] + [rows, cols], dtype=x.dtype), self._batch)

    def _linop_matmul(self, left, right):
        if not left.is_square or not right.is_square:
            raise ValueError("Matmul with non-square `LinearOperator`s or non-square `LinearOperatorZeros` not "
                             "supported at this time.")
        return left

    def _determinant(self):
        return self._filled(0)

    def _log_abs_determinant(self):
        return self._filled(-np.inf)

    def _to_dense(self):
        return array_ops.zeros(self._shape(), dtype=self.dtype)

    def _trace(self):
        return self._filled(0)

    def _diag_part(self):
        return self._zeros_diag()

    def _add_to_tensor(self, x):
        return self._broadcast_batch(x, self._batch)

    def _eigvals(self):
        return self._zeros_diag()


__all__ = ["LinearOperatorDiag", "LinearOperatorIdentity", "LinearOperatorScaledIdentity", "LinearOperatorZeros"]
