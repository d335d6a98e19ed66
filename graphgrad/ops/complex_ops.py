"""Complex numbers: `tf.complex`, `tf.real`, `tf.imag`, `tf.conj`, `tf.angle` and `tf.abs` of a complex tensor
(TF's Complex, Real, Imag, Conj, Angle, ComplexAbs ops), with TF's gradients: for a real loss L, the gradient
with respect to z = a + ib is ∂L/∂a + i·∂L/∂b, so that z·w passes dz·conj(w) back (arithmetic_ops uses `conj`).
graphgrad's complex support is what tf.signal's spectra need: these ops, + − * /, negation, square, sums, means,
casts, and the array ops that only move elements."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shapes, same_dtype, same_shape, static_shape
from .core import apply_op, convert_to_tensor, zeros_like
from .math_common import _check_kind

_COMPLEX_OF = {np.dtype(np.float32): dtypes.complex64, np.dtype(np.float64): dtypes.complex128}


class Complex(OpDef):
    """real + i·imag (float32 → complex64, float64 → complex128); gradients real(dz) and imag(dz)."""

    type = "Complex"

    def infer(op):
        re, im = op.inputs
        dt = _check_kind(op, same_dtype(op, re, im), "f", "real")
        if dt.np not in _COMPLEX_OF:
            raise TypeError(f"Value passed to parameter 'real' has DataType {dt.name} not in list of allowed "
                            "values: float32, float64")
        return [(broadcast_shapes(op, static_shape(re), static_shape(im)), _COMPLEX_OF[dt.np])]

    def kernel(op, ctx):
        xp, dt = ctx.xp, op.outputs[0].dtype.np

        def make(re, im):
            out = xp.empty(xp.broadcast_shapes(xp.shape(re), xp.shape(im)), dt)
            out.real, out.imag = re, im
            return out
        return make

    def gradient(op, dz):
        from .core import sum_to

        re, im = op.inputs
        return [sum_to(real(dz), re), sum_to(imag(dz), im)]


class _ComplexToReal(OpDef):
    """A real function of a complex tensor, same shape, result of the complex type's real dtype."""

    part = None

    def infer(op):
        x = op.inputs[0]
        dt = _check_kind(op, x.dtype.base_dtype, "c", "input")
        return [(same_shape(op, static_shape(x)), dt.real_dtype)]

    def kernel(op, ctx):
        f = getattr(ctx.xp, op.op_def.part)
        if op.op_def.part in ("real", "imag"):  # NumPy gives views of the complex array: a result of its own
            return lambda x: f(x).copy()
        return f


class Real(_ComplexToReal):
    type, part = "Real", "real"

    def gradient(op, dz):
        return [complex(dz, zeros_like(dz))]


class Imag(_ComplexToReal):
    type, part = "Imag", "imag"

    def gradient(op, dz):
        return [complex(zeros_like(dz), dz)]


class ComplexAbs(_ComplexToReal):
    """|z|; gradient dz·z/|z| (0 where z is 0)."""

    type, part = "ComplexAbs", "abs"

    def gradient(op, dz):
        from .arithmetic_ops import div_no_nan, multiply

        z = op.inputs[0]
        return [div_no_nan(multiply(complex(dz, zeros_like(dz)), z),
                           complex(op.outputs[0], zeros_like(op.outputs[0])))]


class Angle(_ComplexToReal):
    """arg z; gradient −complex(dz, 0) / complex(im z, re z), as TF writes it."""

    type, part = "Angle", "angle"

    def gradient(op, dz):
        from .arithmetic_ops import negative, realdiv

        z = op.inputs[0]
        return [negative(realdiv(complex(dz, zeros_like(dz)), complex(imag(z), real(z))))]


class Conj(OpDef):
    """Complex conjugate; its own gradient (conj(dz))."""

    type = "Conj"

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), _check_kind(op, x.dtype.base_dtype, "c", "input"))]

    def kernel(op, ctx):
        return ctx.xp.conj

    def gradient(op, dz):
        return [conj(dz)]


def complex(real, imag, name=None):  # noqa: A001 - TensorFlow's name
    """real + i·imag, elementwise (both float32, or both float64)."""
    with name_scope(name, "Complex", [real, imag]) as scope:
        re = convert_to_tensor(real, name="real")
        im = convert_to_tensor(imag, name="imag", preferred_dtype=re.dtype.base_dtype)
        kinds = (re.dtype.base_dtype, im.dtype.base_dtype)
        if kinds[0] != kinds[1] or kinds[0].np not in _COMPLEX_OF:
            raise TypeError(f"The `real` and `imag` components have incorrect types: {kinds[0].name} {kinds[1].name}. "
                            "They must be consistent, and one of [tf.float32, tf.float64]")
    return apply_op(Complex, [re, im], None, scope)


def _part(op_def, x, name, default, otherwise):
    """op_def on a complex tensor; `otherwise(x)` on a real one (TF's real/imag/conj of a real tensor)."""
    with name_scope(name, default, [x]) as scope:
        x = convert_to_tensor(x, name="input")
        if x.dtype.base_dtype.is_complex:
            return apply_op(op_def, [x], None, scope)
        return otherwise(x)


def real(input, name=None):  # noqa: A002
    """The real part (a real tensor is returned as it is)."""
    return _part(Real, input, name, "Real", lambda x: x)


def imag(input, name=None):  # noqa: A002
    """The imaginary part (zeros for a real tensor)."""
    return _part(Imag, input, name, "Imag", zeros_like)


def conj(x, name=None):
    """The complex conjugate (a real tensor is returned as it is)."""
    return _part(Conj, x, name, "Conj", lambda t: t)


def angle(input, name=None):  # noqa: A002
    """The argument of each complex number (0 or π for real ones, as TF)."""
    def of_real(x):
        from .arithmetic_ops import multiply
        from .cast_ops import cast
        from .comparison_ops import less

        return multiply(cast(less(x, 0), x.dtype.base_dtype), np.array(np.pi, x.dtype.base_dtype.np))
    return _part(Angle, input, name, "Angle", of_real)


def complex_abs(x, name=None):
    """|z| of a complex tensor (what tf.abs does with one)."""
    with name_scope(name, "ComplexAbs", [x]) as scope:
        x = convert_to_tensor(x, name="x")
    return apply_op(ComplexAbs, [x], None, scope)


__all__ = ["complex", "real", "imag", "conj", "angle"]
