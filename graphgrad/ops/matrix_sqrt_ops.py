"""`tf.linalg.sqrtm` / `tf.matrix_square_root` (TF's MatrixSquareRoot): the principal square root R of each
innermost square matrix A (R·R = A, eigenvalues of R with positive real parts).

The kernel is SciPy's `linalg.sqrtm` (a Schur method, as Eigen's that TF uses) when SciPy is installed and the
arrays are NumPy's; otherwise the Denman-Beavers iteration with determinant scaling, on the array module (matrix
inverses only, so CuPy runs it), to convergence. Matrices with eigenvalues on the closed negative real axis have no
real principal root: NaN there. The gradient is TF's: the Sylvester equation R·dA + dA·R = dR solved as one
Kronecker-product system, built from graph ops.
"""
from __future__ import annotations

import numpy as np

from ..framework.op_def import OpDef, require, static_shape
from .arithmetic_ops import add, multiply
from .array_ops import concat, expand_dims, matrix_transpose, reshape, shape, transpose
from .core import apply_op, convert_to_tensor
from .matrix_ops import matrix_solve
from .nd_ops import eye
from .reduction_ops import reduce_prod
from .special_ops import _scipy_special

_ITERATIONS = 100


def _denman_beavers(xp, a):
    """sqrtm of a batch [..., n, n] in float64 by scaled Denman-Beavers steps."""
    y = a.astype(np.float64)
    n = y.shape[-1]
    z = xp.broadcast_to(xp.eye(n), y.shape).copy()
    for _ in range(_ITERATIONS):
        det = xp.abs(xp.linalg.det(y) * xp.linalg.det(z))
        g = (det ** (-1.0 / (2 * n)))[..., None, None]
        y_inv, z_inv = xp.linalg.inv(y), xp.linalg.inv(z)
        y_next = 0.5 * (g * y + z_inv / g)
        z = 0.5 * (g * z + y_inv / g)
        done = float(xp.max(xp.abs(y_next - y))) <= 1e-15 * max(float(xp.max(xp.abs(y_next))), 1e-300)
        y = y_next
        if done:
            break
    return y


class MatrixSquareRoot(OpDef):
    type = "MatrixSquareRoot"

    def infer(op):
        x = op.inputs[0]
        dt = require(op, x, floating=True)
        s = static_shape(x)
        if s is not None and (len(s) < 2 or (None not in s[-2:] and s[-1] != s[-2])):
            raise ValueError(f"Input matrix must be square for '{op.name}' (op: 'MatrixSquareRoot'), got {list(s)}")
        return [(s, dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        scipy_sqrtm = _scipy_linalg_sqrtm() if xp is np else None

        def sqrtm(a):
            if a.size == 0:
                return a.copy()
            if scipy_sqrtm is not None:
                flat = a.reshape((-1,) + a.shape[-2:]).astype(np.float64)
                roots = [np.real_if_close(scipy_sqrtm(m)) for m in flat]
                out = np.stack([r if not np.iscomplexobj(r) else np.full_like(m, np.nan)
                                for r, m in zip(roots, flat)])
                return out.reshape(a.shape).astype(a.dtype)
            return _denman_beavers(xp, a).astype(a.dtype)
        return sqrtm

    def gradient(op, dz):
        root = op.outputs[0]
        s = shape(root)
        ident = eye_like(root)
        system = add(_kronecker(ident, matrix_transpose(root)), _kronecker(root, ident))  # TF's, term for term
        vec = reshape(matrix_transpose(dz), concat([s[:-2], reshape(reduce_prod(s[-2:]), [1]), [1]], 0))
        return [matrix_transpose(reshape(matrix_solve(system, vec), s))]


def _scipy_linalg_sqrtm():
    if _scipy_special("erf") is None:  # no SciPy at all
        return None
    from scipy import linalg

    return lambda m: linalg.sqrtm(m)


def eye_like(m):
    s = static_shape(m)
    if s is None or None in s:
        raise ValueError("sqrtm's gradient needs matrices of known shape")
    return eye(s[-1], batch_shape=s[:-2], dtype=m.dtype.base_dtype)


def _kronecker(a, b):
    """kron(a, b) of each pair of innermost [n, n] matrices: [..., n·n, n·n]."""
    s = static_shape(a)
    n = s[-1]
    prod = multiply(expand_dims(expand_dims(a, -1), -1), expand_dims(expand_dims(b, -3), -3))  # [..., i, j, k, l]
    perm = list(range(len(s) - 2)) + [len(s) - 2, len(s), len(s) - 1, len(s) + 1]
    return reshape(transpose(prod, perm), list(s[:-2]) + [n * n, n * n])


def sqrtm(input, name=None):  # noqa: A002 - TensorFlow's name
    """The principal square root of each innermost square matrix."""
    return apply_op(MatrixSquareRoot, [convert_to_tensor(input, name="input")], None, name or "MatrixSquareRoot")


matrix_square_root = sqrtm

__all__ = ["sqrtm", "matrix_square_root"]
