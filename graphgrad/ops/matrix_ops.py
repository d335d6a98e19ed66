"""Square-matrix functions over a batch `[..., M, M]`: determinant, log-determinant, inverse, Cholesky factor and
linear solves (general, triangular, Cholesky, least squares), as TF1's MatrixDeterminant, LogMatrixDeterminant,
MatrixInverse, Cholesky, MatrixSolve and MatrixTriangularSolve, and the matrix exponential (`tf.linalg.expm`).

Kernels are `xp.linalg` calls (NumPy or CuPy). The triangular solve is SciPy's (LAPACK's trtrs) when SciPy is
installed, else a general solve on the triangle that `lower` names (the other one zeroed first): the same result,
as LAPACK reads only that triangle, at O(M³) instead of O(M²K). Gradients are TF's rules written with these same
ops, so second derivatives work (the determinant's gradient uses the inverse, the inverse's uses products of it).
"""
from __future__ import annotations

import contextlib
import sys

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, known, merge_shapes, static_shape
from .arithmetic_ops import add, multiply, negative
from .core import apply_op, convert_to_tensor, ones_like, zeros_like
from .math_common import _scalar
from .matmul_ops import matmul
from .matrix_diag_ops import (
    at_least,
    matrix_band_part,
    matrix_diag,
    matrix_diag_part,
    matrix_set_diag,
    run_time_rank,
    shape_error,
)
from .reduction_ops import reduce_sum
from .unary_ops import abs as abs_
from .unary_ops import log

__all__ = ["matrix_determinant", "log_matrix_determinant", "matrix_inverse", "cholesky", "matrix_solve",
           "matrix_triangular_solve", "cholesky_solve", "matrix_solve_ls", "logdet", "slogdet", "adjoint",
           "matrix_exponential"]

_FLOATS = (dtypes.float32, dtypes.float64)


def float_input(op, i=0, param="input"):
    """Input i's dtype, or TF's TypeError for a dtype the linear-algebra kernels do not take."""
    dt = op.inputs[i].dtype.base_dtype
    if dt not in _FLOATS:
        raise TypeError(f"Value passed to parameter '{param}' has DataType {dt.name} not in list of allowed "
                        "values: float32, float64")
    return dt


def square(op, i=0):
    """Input i's static shape after TF's build-time checks for a batch of square matrices."""
    s = at_least(op, i, 2)
    if s is not None and known(s[-1]) and known(s[-2]) and s[-1] != s[-2]:
        raise shape_error(op, f"Dimensions must be equal, but are {s[-1]} and {s[-2]}")
    return s


def square_at_run_time(op, x):
    run_time_rank(op, x, 2)
    if x.shape[-1] != x.shape[-2]:
        raise InvalidArgumentError(op.node_def, op, f"Input matrix must be square, got shape {list(x.shape)}")


def batch_scalars(t):
    """t [...] as [..., 1, 1], to scale a batch of matrices."""
    from .array_ops import expand_dims
    return expand_dims(expand_dims(t, -1), -1)


def adjoint(matrix, name=None):
    """The (conjugate) transpose of each innermost matrix, as `tf.linalg.adjoint` (real tensors here)."""
    from .array_ops import matrix_transpose
    with name_scope(name, "adjoint", [matrix]) as scope:
        return matrix_transpose(convert_to_tensor(matrix, name="matrix"), name=scope)


class MatrixDeterminant(OpDef):
    """det of each [M, M] matrix: [..., M, M] -> [...]. Gradient dz · det(A) · A⁻ᵀ."""

    type = "MatrixDeterminant"
    allocates = True

    def infer(op):
        dt = float_input(op)
        s = square(op)
        return [(None if s is None else s[:-2], dt)]

    def kernel(op, ctx):
        det = ctx.xp.linalg.det

        def determinant(x):
            square_at_run_time(op, x)
            return det(x)
        return determinant

    def gradient(op, dz):
        return [multiply(batch_scalars(multiply(dz, op.outputs[0])), matrix_inverse(op.inputs[0], adjoint=True))]


class LogMatrixDeterminant(OpDef):
    """(sign, log|det|) of each [M, M] matrix, both [...]: no overflow where det itself would. Gradient of
    log|det|: dz · A⁻ᵀ; the sign is piecewise constant (no gradient)."""

    type = "LogMatrixDeterminant"
    allocates = True

    def infer(op):
        dt = float_input(op)
        s = square(op)
        out = None if s is None else s[:-2]
        return [(out, dt), (out, dt)]

    def kernel(op, ctx):
        slogdet = ctx.xp.linalg.slogdet

        def log_det(x):
            square_at_run_time(op, x)
            sign, logabs = slogdet(x)
            return sign.astype(x.dtype), logabs.astype(x.dtype)
        return log_det

    def gradient(op, dsign, dlog):
        return [multiply(batch_scalars(dlog), matrix_inverse(op.inputs[0], adjoint=True))]


class MatrixInverse(OpDef):
    """A⁻¹ (or, with `adjoint`, A⁻ᴴ) of each [M, M] matrix. With C the output: dA = -Cᵀ dz Cᵀ, or -C dzᵀ C."""

    type = "MatrixInverse"
    allocates = True

    def infer(op):
        return [(square(op), float_input(op))]

    def kernel(op, ctx):
        xp, adj = ctx.xp, op.attrs["adjoint"]

        def inverse(x):
            square_at_run_time(op, x)
            try:
                with _singular_raises(xp):
                    inv = xp.linalg.inv(x)
            except np.linalg.LinAlgError:
                raise InvalidArgumentError(op.node_def, op, "Input is not invertible.") from None
            return inv.swapaxes(-1, -2).copy() if adj else inv
        return inverse

    def gradient(op, dz):
        c, adj = op.outputs[0], op.attrs["adjoint"]
        if adj:  # C = A⁻ᵀ: dA = -C dzᵀ C
            return [negative(matmul(c, matmul(dz, c, transpose_a=True)))]
        return [negative(matmul(c, matmul(dz, c, transpose_b=True), transpose_a=True))]


class Cholesky(OpDef):
    """The lower-triangular L with L Lᵀ = A, for each symmetric positive definite [M, M] matrix (only A's lower
    triangle is read). Gradient (Murray 2016, as TF): Φ(Lᵀ dz) with Φ taking the lower triangle and halving
    the diagonal, then L⁻ᵀ · Φ · L⁻¹, symmetrized."""

    type = "Cholesky"
    allocates = True

    def infer(op):
        return [(square(op), float_input(op))]

    def kernel(op, ctx):
        xp = ctx.xp

        def cholesky(x):
            square_at_run_time(op, x)
            try:
                with _singular_raises(xp):
                    return xp.linalg.cholesky(x)
            except np.linalg.LinAlgError:
                raise InvalidArgumentError(op.node_def, op, "Cholesky decomposition was not successful. The "
                                                            "input might not be valid.") from None
        return cholesky

    def gradient(op, dz):
        el = op.outputs[0]
        eye = matrix_diag(ones_like(matrix_diag_part(el)))
        el_inv = matrix_triangular_solve(el, eye, lower=True)
        middle = matmul(el, dz, transpose_a=True)
        middle = matrix_band_part(matrix_set_diag(middle, multiply(_scalar(0.5, middle), matrix_diag_part(middle))),
                                  -1, 0)
        g = matmul(matmul(el_inv, middle, transpose_a=True), el_inv)
        return [multiply(_scalar(0.5, g), add(g, adjoint(g)))]


#: Higham (2005)'s [13/13] Padé coefficients and the 1-norm up to which they give double precision unscaled
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(xp, a):
    """exp of each matrix of a [..., M, M] batch: scaling and squaring with the [13/13] Padé approximant, scaled
    for the batch's largest 1-norm."""
    norm = float(xp.abs(a).sum(axis=-2).max()) if a.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    a = a / (2.0 ** s)
    b = _PADE13
    eye = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    x = xp.linalg.solve(v - u, v + u)
    for _ in range(s):
        x = x @ x
    return x


class MatrixExponential(OpDef):
    """exp(A) = Σ Aᵏ/k! of each [M, M] matrix. Gradient: the top-right block of exp([[Aᵀ, dz], [0, Aᵀ]]), the
    same op on a matrix twice the size (Mathias 1996), so it is differentiable again."""

    type = "MatrixExponential"
    allocates = True

    def infer(op):
        return [(square(op), float_input(op))]

    def kernel(op, ctx):
        xp = ctx.xp

        def expm(x):
            square_at_run_time(op, x)
            return _expm(xp, x)
        return expm

    def gradient(op, dz):
        from .array_ops import concat
        at = adjoint(op.inputs[0])
        block = concat([concat([at, dz], axis=-1), concat([zeros_like(at), at], axis=-1)], axis=-2)
        n = static_shape(op.inputs[0])[-1]
        return [matrix_exponential(block)[..., :n, n:]]


def _solve_shapes(op):
    """Output shape of a solve A X = B: A [..., M, M], B [..., M, K] -> [..., M, K], TF's errors otherwise."""
    sa, sb = square(op, 0), at_least(op, 1, 2)
    if sa is None or sb is None:
        return sb
    if known(sa[-1]) and known(sb[-2]) and sa[-1] != sb[-2]:
        raise shape_error(op, f"Dimensions must be equal, but are {sa[-1]} and {sb[-2]}")
    try:
        batch = merge_shapes(sa[:-2], sb[:-2])
    except ValueError as e:
        raise shape_error(op, str(e)) from None
    return batch + (sa[-1] if known(sa[-1]) else sb[-2], sb[-1])


def _solve_dtype(op):
    dt = float_input(op, 0, "matrix")
    if op.inputs[1].dtype.base_dtype != dt:
        raise TypeError(f"Input 'rhs' of '{op.type}' Op has type {op.inputs[1].dtype.base_dtype.name} that does "
                        f"not match type {dt.name} of argument 'matrix'.")
    return dt


def _singular_raises(xp):
    """NumPy raises LinAlgError for a singular matrix; CuPy checks its factorization's status only under
    `cupyx.errstate(linalg="raise")` (one wait for the device), and otherwise returns NaNs. TF's GPU kernels
    check it too ("Input is not invertible.")."""
    errstate = getattr(sys.modules.get("cupyx"), "errstate", None)  # CuPy imports cupyx
    return contextlib.nullcontext() if xp is np or errstate is None else errstate(linalg="raise")


def _solve_checked(op, xp, a, b):
    square_at_run_time(op, a)
    run_time_rank(op, b, 2, "rhs")
    if a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise InvalidArgumentError(op.node_def, op, f"Input matrix and right-hand side must have matching shapes, "
                                                    f"got {list(a.shape)} and {list(b.shape)}")
    try:
        with _singular_raises(xp):
            return xp.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(op.node_def, op, "Input matrix is not invertible.") from None


def _solve_gradient(op, dz, solve_again):
    """TF's rule for X = A⁻¹B (X = A⁻ᴴB with `adjoint`): dB = A⁻ᴴ dz (A⁻¹ dz), dA = -dB Xᵀ (-X dBᵀ)."""
    adj, x = op.attrs["adjoint"], op.outputs[0]
    db = solve_again(not adj)
    da = negative(matmul(x, db, transpose_b=True) if adj else matmul(db, x, transpose_b=True))
    return da, db


class MatrixSolve(OpDef):
    """X with A X = B (or Aᴴ X = B with `adjoint`), for A [..., M, M] and B [..., M, K]."""

    type = "MatrixSolve"
    allocates = True

    def infer(op):
        return [(_solve_shapes(op), _solve_dtype(op))]

    def kernel(op, ctx):
        xp, adj = ctx.xp, op.attrs["adjoint"]
        return lambda a, b: _solve_checked(op, xp, a.swapaxes(-1, -2) if adj else a, b)

    def gradient(op, dz):
        a = op.inputs[0]
        return list(_solve_gradient(op, dz, lambda adj: matrix_solve(a, dz, adjoint=adj)))


class MatrixTriangularSolve(OpDef):
    """X with A X = B for triangular A (its `lower` or upper triangle; the other is not read), or Aᴴ X = B with
    `adjoint`. Gradients as MatrixSolve's, dA kept to A's triangle."""

    type = "MatrixTriangularSolve"
    allocates = True

    def infer(op):
        return [(_solve_shapes(op), _solve_dtype(op))]

    def kernel(op, ctx):
        xp, adj, lower = ctx.xp, op.attrs["adjoint"], op.attrs["lower"]
        tri = xp.tril if lower else xp.triu
        trsm = _scipy_triangular_solve() if xp is np else None

        def triangular_solve(a, b):
            run_time_rank(op, a, 2)
            if trsm is not None and a.shape[:-2] == b.shape[:-2] and a.shape[-2:] == (b.shape[-2],) * 2:
                return _by_trsm(op, trsm, a, b, lower, adj)
            t = tri(a)
            return _solve_checked(op, xp, t.swapaxes(-1, -2) if adj else t, b)
        return triangular_solve

    def gradient(op, dz):
        a, lower = op.inputs[0], op.attrs["lower"]
        da, db = _solve_gradient(op, dz, lambda adj: matrix_triangular_solve(a, dz, lower=lower, adjoint=adj))
        return [matrix_band_part(da, -1, 0) if lower else matrix_band_part(da, 0, -1), db]


class MatrixSolveLs(OpDef):
    """min ||A X - B||² + λ||X||² for A [..., M, N], B [..., M, K] by NumPy's SVD-based lstsq (on [A; √λ I] when
    λ > 0): the minimum-norm solution where A is rank deficient. No gradient: TF's ValueError, as for fast=False."""

    type = "MatrixSolveLs"
    allocates = True

    def infer(op):
        dt = _solve_dtype(op)
        sa, sb = at_least(op, 0, 2), at_least(op, 1, 2)
        if sa is None or sb is None:
            return [(None, dt)]
        if known(sa[-2]) and known(sb[-2]) and sa[-2] != sb[-2]:
            raise shape_error(op, f"Dimensions must be equal, but are {sa[-2]} and {sb[-2]}")
        return [(sa[:-2] + (sa[-1], sb[-1]), dt)]

    def kernel(op, ctx):
        lam = op.attrs["l2_regularizer"]
        to_host, to_dev = ctx.to_host, ctx.to_device

        def solve_ls(a, b):
            a, b = np.asarray(to_host(a)), np.asarray(to_host(b))
            if a.shape[:-2] != b.shape[:-2] or a.shape[-2] != b.shape[-2]:
                raise InvalidArgumentError(op.node_def, op, f"matrix and rhs must have matching shapes, got "
                                                            f"{list(a.shape)} and {list(b.shape)}")
            out = np.empty(a.shape[:-2] + (a.shape[-1], b.shape[-1]), np.result_type(a, b))
            for i in np.ndindex(a.shape[:-2]):
                ai, bi = a[i], b[i]
                if lam > 0:
                    n = ai.shape[-1]
                    ai = np.concatenate([ai, np.sqrt(lam) * np.eye(n, dtype=ai.dtype)])
                    bi = np.concatenate([bi, np.zeros((n, bi.shape[-1]), bi.dtype)])
                out[i] = np.linalg.lstsq(ai, bi, rcond=None)[0]
            return to_dev(out)
        return solve_ls

    def gradient(op, dz):
        raise ValueError("Gradient not defined for fast=False")


def _scipy_triangular_solve():
    """SciPy's solve_triangular (LAPACK's trtrs: O(M²K), a general solve's O(M³) less) when SciPy is there; it
    is not a dependency, and without it the kernel solves with the triangle by xp.linalg.solve."""
    try:
        from scipy.linalg import solve_triangular
    except ImportError:
        return None
    return solve_triangular


def _by_trsm(op, trsm, a, b, lower, adj):
    out = np.empty(b.shape, np.result_type(a, b))
    for i in np.ndindex(a.shape[:-2]):
        try:
            out[i] = trsm(a[i], b[i], lower=lower, trans="T" if adj else "N", check_finite=False)
        except np.linalg.LinAlgError:
            raise InvalidArgumentError(op.node_def, op, "Input matrix is not invertible.") from None
    return out


def _unary(op_def, x, attrs, name, param="input"):
    return apply_op(op_def, [convert_to_tensor(x, name=param)], attrs, name or op_def.type)


def _binary(op_def, matrix, rhs, attrs, name):
    with name_scope(name, op_def.type, [matrix, rhs]) as scope:
        a = convert_to_tensor(matrix, name="matrix")
        b = convert_to_tensor(rhs, name="rhs", preferred_dtype=a.dtype.base_dtype)
        return apply_op(op_def, [a, b], attrs, scope)


def matrix_determinant(input, name=None):  # noqa: A002  (TF's argument names throughout)
    """The determinant of each innermost square matrix: [..., M, M] -> [...]."""
    return _unary(MatrixDeterminant, input, {}, name)


def log_matrix_determinant(input, name=None):  # noqa: A002
    """(sign, log_abs_determinant) of each innermost square matrix, both [...]."""
    return tuple(_unary(LogMatrixDeterminant, input, {}, name))


def slogdet(input, name=None):  # noqa: A002
    """`tf.linalg.slogdet`: `log_matrix_determinant`."""
    return log_matrix_determinant(input, name)


def logdet(matrix, name=None):
    """log det of each Hermitian positive definite matrix, as `tf.linalg.logdet`: 2 Σ log diag(cholesky(A))."""
    with name_scope(name, "logdet", [matrix]) as scope:
        chol = cholesky(matrix)
        total = reduce_sum(log(abs_(matrix_diag_part(chol))), axis=-1)
        return multiply(_scalar(2.0, total), total, name=scope)


def matrix_exponential(input, name=None):  # noqa: A002
    """exp of each innermost square matrix (`tf.linalg.expm`)."""
    return _unary(MatrixExponential, input, {}, name)


def matrix_inverse(input, adjoint=False, name=None):  # noqa: A002
    """The inverse (`adjoint`: the inverse's transpose) of each innermost square matrix; InvalidArgumentError
    "Input is not invertible." for a singular one."""
    return _unary(MatrixInverse, input, {"adjoint": bool(adjoint)}, name)


def cholesky(input, name=None):  # noqa: A002
    """The lower Cholesky factor of each innermost symmetric positive definite matrix."""
    return _unary(Cholesky, input, {}, name)


def matrix_solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix · X = rhs (matrixᴴ · X = rhs with `adjoint`): [..., M, M], [..., M, K] -> [..., M, K]."""
    return _binary(MatrixSolve, matrix, rhs, {"adjoint": bool(adjoint)}, name)


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """X with matrix · X = rhs for a lower (`lower`) or upper triangular matrix; only that triangle is read."""
    return _binary(MatrixTriangularSolve, matrix, rhs, {"lower": bool(lower), "adjoint": bool(adjoint)}, name)


def cholesky_solve(chol, rhs, name=None):
    """X with A X = rhs given A's Cholesky factor `chol` (L Lᵀ = A): two triangular solves."""
    with name_scope(name, "cholesky_solve", [chol, rhs]):
        y = matrix_triangular_solve(chol, rhs, lower=True, adjoint=False)
        return matrix_triangular_solve(chol, y, lower=True, adjoint=True)


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Regularized least squares min ||A X - B||² + λ||X||², as TF's fast path: the normal equations by Cholesky,
    (AᵀA + λI)⁻¹ AᵀB when M >= N, Aᵀ (AAᵀ + λI)⁻¹ B when M < N (N, M known while building). Differentiable.
    `fast=False`: one MatrixSolveLs op by an SVD-based solve, for rank-deficient or ill-conditioned A (the
    minimum-norm solution), without a gradient (ValueError "Gradient not defined for fast=False", as TF)."""
    if not fast:
        return _binary(MatrixSolveLs, matrix, rhs, {"l2_regularizer": float(l2_regularizer)}, name)
    with name_scope(name, "matrix_solve_ls", [matrix, rhs, l2_regularizer]):
        a = convert_to_tensor(matrix, name="matrix")
        b = convert_to_tensor(rhs, name="rhs", preferred_dtype=a.dtype.base_dtype)
        s = static_shape(a)
        if s is None or len(s) < 2 or not known(s[-2]) or not known(s[-1]):
            raise ValueError(f"matrix_solve_ls needs a matrix of known rank and inner dimensions, got {a.shape}")
        m, n = s[-2], s[-1]
        lam = convert_to_tensor(l2_regularizer, name="l2_regularizer", preferred_dtype=a.dtype.base_dtype)
        if m >= n:
            gram = matmul(a, a, transpose_a=True)
        else:
            gram = matmul(a, a, transpose_b=True)
        diag = matrix_diag_part(gram)
        gram = matrix_set_diag(gram, add(diag, multiply(lam, ones_like(diag))))
        chol = cholesky(gram)
        if m >= n:
            return cholesky_solve(chol, matmul(a, b, transpose_a=True))
        return matmul(a, cholesky_solve(chol, b), transpose_a=True)
