"""`tf.linalg.logm` (TF's MatrixLogarithm): the principal logarithm of each innermost square complex matrix.

TF's kernel takes complex64/complex128 only and registers no gradient; both are kept. The kernel is SciPy's
`linalg.logm` (inverse scaling and squaring, as Eigen's) when SciPy is there and the arrays are NumPy's, else the
eigendecomposition V·diag(log λ)·V⁻¹ (exact for diagonalisable matrices) on the array module.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor
from .special_ops import _scipy_special

_COMPLEX = (dtypes.complex64, dtypes.complex128)


def _by_eigendecomposition(xp, a):
    w, v = xp.linalg.eig(a)
    return (v * xp.log(w)[..., None, :]) @ xp.linalg.inv(v)


class MatrixLogarithm(OpDef):
    type = "MatrixLogarithm"

    def infer(op):
        x = op.inputs[0]
        dt = x.dtype.base_dtype
        if dt not in _COMPLEX:
            raise TypeError(f"Value passed to parameter 'input' has DataType {dt.name} not in list of allowed "
                            "values: complex64, complex128")
        s = static_shape(x)
        if s is not None and len(s) < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {len(s)} for '{op.name}' "
                             "(op: 'MatrixLogarithm')")
        if s is not None and None not in s[-2:] and s[-1] != s[-2]:
            raise ValueError(f"Dimensions must be equal, but are {s[-1]} and {s[-2]} for '{op.name}' "
                             "(op: 'MatrixLogarithm')")
        return [(s, dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        scipy_logm = _scipy_linalg_logm() if xp is np else None

        def logm(a):
            if a.size == 0:
                return a.copy()
            flat = a.reshape((-1,) + a.shape[-2:]).astype(np.complex128)
            if scipy_logm is not None:
                out = np.stack([scipy_logm(m) for m in flat])
            else:
                out = _by_eigendecomposition(xp, flat)
            return out.reshape(a.shape).astype(a.dtype)
        return logm


def _scipy_linalg_logm():
    if _scipy_special("erf") is None:  # no SciPy at all
        return None
    from scipy import linalg

    return lambda m: linalg.logm(m)


def logm(input, name=None):  # noqa: A002 - TensorFlow's name
    """The principal matrix logarithm of each innermost square complex matrix (no gradient, as in TF)."""
    return apply_op(MatrixLogarithm, [convert_to_tensor(input, name="input")], None, name or "MatrixLogarithm")


__all__ = ["logm"]
