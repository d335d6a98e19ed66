"""Operators diagonalised by the discrete Fourier transform: `LinearOperatorCirculant` (and the block circulant
`...2D`, nested block circulant `...3D`) given by their spectrum, and `LinearOperatorToeplitz`, embedded in a
circulant of twice its size as TF does.

A circulant C = F^-1 diag(spectrum) F, so C x = ifft(spectrum · fft(x)) and C^-1 x = ifft(fft(x) / spectrum), both
O(N log N); det C is the product of the spectrum and trace C its sum. The argument is cast to the complex dtype for
the transforms and the result cast back to `input_output_dtype` (the real part when that is real, so a real operator
needs a Hermitian spectrum, as in TF).
"""
from __future__ import annotations

import math

import numpy as np

from ..framework import dtypes
from ..ops import array_ops, check_ops, fft_ops
from ..ops.arithmetic_ops import multiply, realdiv
from ..ops.cast_ops import cast
from ..ops.complex_ops import angle, complex, conj, imag, real
from ..ops.reduction_ops import reduce_max, reduce_min, reduce_prod, reduce_sum
from ..ops.unary_ops import abs as abs_
from ..ops.unary_ops import cos, log, sin
from .base import LinearOperator, adjoint_if, as_tensor, broadcast_shapes, dims
from .diag import assert_no_zero

_FFT = {1: fft_ops.fft, 2: fft_ops.fft2d, 3: fft_ops.fft3d}
_IFFT = {1: fft_ops.ifft, 2: fft_ops.ifft2d, 3: fft_ops.ifft3d}
_ALLOWED = [dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128]


def to_complex(x):
    if x.dtype.is_complex:
        return x
    return cast(x, dtypes.complex128 if x.dtype.base_dtype == dtypes.float64 else dtypes.complex64)


class _BaseCirculant(LinearOperator):
    """Circulant operators of block depth 1, 2 or 3 from a spectrum [..., n1 (, n2 (, n3))]."""

    block_depth_value = 1

    def __init__(self, spectrum, input_output_dtype=dtypes.complex64, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, name="LinearOperatorCirculant"):
        depth = self.block_depth_value
        self._spectrum = as_tensor(spectrum, "spectrum")
        if self._spectrum.dtype.base_dtype not in _ALLOWED:
            raise TypeError(f"Argument `spectrum` must have dtype in {_ALLOWED}. Received: {self._spectrum.dtype}.")
        if self._spectrum.shape.ndims is not None and self._spectrum.shape.ndims < depth:
            raise ValueError(f"Argument `spectrum` must have at least {depth} dimensions. Received: "
                             f"{self._spectrum}.")
        if not self._spectrum.dtype.is_complex:
            if is_self_adjoint is False:
                raise ValueError(f"A real spectrum always corresponds to a self-adjoint operator. Expected argument "
                                 f"`is_self_adjoint` to be True when `spectrum.dtype.is_complex` = True. "
                                 f"Received: {is_self_adjoint}.")
            is_self_adjoint = True
        if is_square is False:
            raise ValueError(f"A [[nested] block] circulant operator is always square. Expected argument "
                             f"`is_square` to be True. Received: {is_square}.")
        super().__init__(dtypes.as_dtype(input_output_dtype), is_non_singular=is_non_singular,
                         is_self_adjoint=is_self_adjoint, is_positive_definite=is_positive_definite, is_square=True,
                         name=name, parameters=dict(spectrum=spectrum, input_output_dtype=input_output_dtype,
                                                    name=name))

    spectrum = property(lambda self: self._spectrum)

    @property
    def block_depth(self):
        return self.block_depth_value

    @property
    def block_shape(self):
        from ..framework.tensor_shape import TensorShape
        return TensorShape(dims(self._spectrum)[-self.block_depth:])

    def block_shape_tensor(self):
        return array_ops.shape(self._spectrum)[-self.block_depth:]

    def _shape(self):
        s = dims(self._spectrum)
        n = math.prod(s[-self.block_depth:])
        return s[:-self.block_depth] + [n, n]

    def _axes(self):
        return [-(i + 1) for i in range(self.block_depth)]

    def _apply(self, x, adjoint, adjoint_arg, solve):
        """ifft(spectrum · fft(x)) (or with / for solve) over the block dimensions of each column of x."""
        x = adjoint_if(x, adjoint_arg)
        spectrum = to_complex(self._spectrum)
        if adjoint:
            spectrum = conj(spectrum)
        x = cast(x, spectrum.dtype) if x.dtype != spectrum.dtype else x
        s, block = dims(x), dims(self._spectrum)[-self.block_depth:]
        rank = len(s)
        cols = array_ops.transpose(x, list(range(rank - 2)) + [rank - 1, rank - 2])  # [..., R, N]
        blocks = array_ops.reshape(cols, s[:-2] + [s[-1]] + block)
        spec = array_ops.expand_dims(spectrum, -self.block_depth - 1)  # [..., 1, n1, ...]
        f = _FFT[self.block_depth](blocks)
        y = _IFFT[self.block_depth](realdiv(f, spec) if solve else multiply(spec, f))
        ys = dims(y)
        nb = len(ys) - self.block_depth - 1
        flat = array_ops.reshape(y, ys[:nb + 1] + [math.prod(block)])
        out = array_ops.transpose(flat, list(range(nb)) + [nb + 1, nb])
        return out if self.dtype.is_complex else cast(out, self.dtype)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._apply(x, adjoint, adjoint_arg, solve=False)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._apply(rhs, adjoint, adjoint_arg, solve=True)

    def convolution_kernel(self, name="convolution_kernel"):
        """The kernel whose DFT is the spectrum (the first column of the matrix, as a block array)."""
        with self._name_scope(name):
            h = _IFFT[self.block_depth](to_complex(self._spectrum))
            return h if self.dtype.is_complex else cast(h, self.dtype)

    def assert_hermitian_spectrum(self, name="assert_hermitian_spectrum"):
        """An op that fails when run unless the spectrum is Hermitian (so that the operator is real)."""
        eps = float(np.finfo(self.dtype.real_dtype.np).eps)
        with self._name_scope(name):
            h = _IFFT[self.block_depth](to_complex(self._spectrum))
            max_err = eps * reduce_max(abs_(h))
            return check_ops.assert_less_equal(abs_(imag(h)), max_err, message="Spectrum was not Hermitian")

    def _assert_non_singular(self):
        return assert_no_zero(self._spectrum, "Singular operator:  Spectrum contained zero values.")

    def _assert_positive_definite(self):
        s = real(self._spectrum) if self._spectrum.dtype.is_complex else self._spectrum
        return check_ops.assert_positive(s, message="Not positive definite:  Real part of spectrum was not all "
                                                    "positive.")

    def _assert_self_adjoint(self):
        if not self._spectrum.dtype.is_complex:
            from ..ops.core import no_op
            return no_op("assert_self_adjoint")
        im = imag(self._spectrum)
        return check_ops.assert_equal(im, array_ops.zeros_like(im), message="Not self-adjoint:  The spectrum "
                                                                            "contained non-zero imaginary part.")

    def _to_dtype(self, x):
        return x if x.dtype == self.dtype else cast(x, self.dtype)

    def _determinant(self):
        s = self._spectrum
        if not s.dtype.is_complex:
            return self._to_dtype(reduce_prod(s, axis=self._axes()))
        # The product of complex numbers from the product of moduli and the sum of angles.
        r = reduce_prod(abs_(s), axis=self._axes())
        t = reduce_sum(angle(s), axis=self._axes())
        return self._to_dtype(complex(r * cos(t), r * sin(t)))

    def _log_abs_determinant(self):
        return self._to_dtype(reduce_sum(log(abs_(self._spectrum)), axis=self._axes()))

    def _trace(self):
        s = self._spectrum
        re = reduce_sum(real(s) if s.dtype.is_complex else s, axis=self._axes())
        if not self.dtype.is_complex:
            return cast(re, self.dtype)
        im = array_ops.zeros_like(re) if self.is_self_adjoint or not s.dtype.is_complex else \
            reduce_sum(imag(s), axis=self._axes())
        return cast(complex(re, im), self.dtype)

    def _diag_part(self):
        n = int(self.shape[-1])
        mean = self.trace() / np.array(n, self.dtype.np)
        return multiply(array_ops.expand_dims(mean, -1), array_ops.ones(self.shape.as_list()[:-1], self.dtype))

    def _flat_spectrum(self):
        s = dims(self._spectrum)
        return array_ops.reshape(self._spectrum, s[:-self.block_depth] + [int(self.shape[-1])])

    def _eigvals(self):
        return self._flat_spectrum()

    def _cond(self):
        a = abs_(self._flat_spectrum())
        return reduce_max(a, axis=-1) / reduce_min(a, axis=-1)

    def _like(self, spectrum, **hints):
        hints["is_square"] = True
        return type(self)(spectrum, input_output_dtype=self.dtype, **hints)

    def _linop_adjoint(self):
        s = conj(self._spectrum) if self._spectrum.dtype.is_complex else self._spectrum
        return self._like(s, is_non_singular=self.is_non_singular, is_self_adjoint=self.is_self_adjoint,
                          is_positive_definite=self.is_positive_definite)

    def _linop_inverse(self):
        return self._like(1.0 / self._spectrum, is_non_singular=self.is_non_singular,
                          is_self_adjoint=self.is_self_adjoint, is_positive_definite=self.is_positive_definite)

    def _linop_matmul(self, left, right):
        if type(right) is type(left):
            return left._like(multiply(left.spectrum, right.spectrum))
        return super()._linop_matmul(left, right)


class LinearOperatorCirculant(_BaseCirculant):
    """A [batch of] circulant matrix from its spectrum [..., N]."""


class LinearOperatorCirculant2D(_BaseCirculant):
    """A block circulant matrix with circulant blocks, from its spectrum [..., n1, n2] (N = n1·n2)."""

    block_depth_value = 2

    def __init__(self, spectrum, input_output_dtype=dtypes.complex64, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, name="LinearOperatorCirculant2D"):
        super().__init__(spectrum, input_output_dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name)


class LinearOperatorCirculant3D(_BaseCirculant):
    """A nested block circulant matrix from its spectrum [..., n1, n2, n3] (N = n1·n2·n3)."""

    block_depth_value = 3

    def __init__(self, spectrum, input_output_dtype=dtypes.complex64, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=True, name="LinearOperatorCirculant3D"):
        super().__init__(spectrum, input_output_dtype, is_non_singular, is_self_adjoint, is_positive_definite,
                         is_square, name)


class LinearOperatorToeplitz(LinearOperator):
    """The [batch of] Toeplitz matrix with first column `col` and first row `row` [..., N] (row[0] is ignored:
    the diagonal is col[0]). Products embed it in a 2N circulant: O(N log N)."""

    def __init__(self, col, row, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorToeplitz"):
        self._col = as_tensor(col, "col")
        self._row = as_tensor(row, "row", dtype=self._col.dtype)
        if self._col.shape[-1] != self._row.shape[-1]:
            raise ValueError(f"Expected square matrix, got col shape {self._col.shape} and row shape "
                             f"{self._row.shape}")
        super().__init__(self._col.dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square, name=name,
                         parameters=dict(col=col, row=row, name=name))

    col = property(lambda self: self._col)
    row = property(lambda self: self._row)

    def _shape(self):
        n = dims(self._col)[-1]
        return broadcast_shapes(dims(self._col)[:-1], dims(self._row)[:-1]) + [n, n]

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        x = adjoint_if(x, adjoint_arg)
        # First column of the 2N circulant holding this matrix (and its adjoint that of the adjoint) top left.
        col, row = self._col_row()
        first = array_ops.concat([col, array_ops.zeros_like(col[..., :1]), array_ops.reverse(row[..., 1:], [-1])],
                                 axis=-1)
        circulant = LinearOperatorCirculant(fft_ops.fft(to_complex(first)), input_output_dtype=self.dtype)
        n = int(self.shape[-1])
        padded = array_ops.concat([x, array_ops.zeros_like(x)], axis=-2)
        return circulant.matmul(padded, adjoint=adjoint)[..., :n, :]

    def _trace(self):
        return self._col[..., 0] * np.array(int(self.shape[-1]), self.dtype.np)

    def _diag_part(self):
        n = int(self.shape[-1])
        return multiply(self._col[..., :1], array_ops.ones(self.shape.as_list()[:-1], self.dtype)) if n else \
            array_ops.zeros(self.shape.as_list()[:-1], self.dtype)

    def _to_dense(self):
        n = int(self.shape[-1])
        col, row = self._col_row()
        values = array_ops.concat([array_ops.reverse(row[..., 1:], [-1]), col], axis=-1)  # index n-1+i-j
        index = (n - 1) + np.arange(n)[:, None] - np.arange(n)[None, :]
        return array_ops.gather(values, index.astype(np.int32), axis=len(self._batch_list()))

    def _col_row(self):
        """col and row broadcast to the operator's batch shape."""
        batch = self._batch_list()
        return [t if dims(t)[:-1] == batch else array_ops.broadcast_to(t, batch + dims(t)[-1:])
                for t in (self._col, self._row)]

    def _assert_self_adjoint(self):
        return check_ops.assert_equal(self._col, self._row, message="Matrix was not equal to its adjoint.")
