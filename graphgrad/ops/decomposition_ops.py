"""Matrix decompositions over a batch `[..., M, N]`: `tf.qr`, `tf.svd` and `tf.self_adjoint_eig` /
`self_adjoint_eigvals`, as TF1's Qr, Svd and SelfAdjointEigV2, with TF's gradients.

The kernels are NumPy's (CuPy's) LAPACK calls, so the signs of singular and eigen vectors are LAPACK's and may
differ from TensorFlow's (Eigen's) by a sign per vector: anything that does not depend on the sign (A = U S Vᵀ,
|v|, v vᵀ, the values) agrees. Gradients follow TF's rules: Walter & Lehmann / Roberts et al. for QR (M >= N,
or reduced to it for wide matrices), Giles / Townsend for the SVD (infinite where singular values repeat, as
TF says), Giles for the symmetric eigenproblem (only A's lower triangle is read, so the gradient is kept there).
"""
from __future__ import annotations

from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, known, static_shape
from .arithmetic_ops import add, multiply, subtract
from .array_ops import concat, expand_dims
from .core import apply_op, convert_to_tensor, zeros_like
from .math_common import _scalar
from .matmul_ops import matmul
from .matrix_diag_ops import at_least, matrix_band_part, matrix_diag, matrix_diag_part, matrix_set_diag
from .matrix_ops import adjoint, float_input, matrix_triangular_solve, square, square_at_run_time
from .unary_ops import reciprocal
from .unary_ops import square as squared

__all__ = ["qr", "svd", "self_adjoint_eig", "self_adjoint_eigvals"]


def _min(m, n):
    return min(m, n) if known(m) and known(n) else None


def _safe_reciprocal(x, epsilon=1e-20):
    """x / (x² + ε): 1/x away from 0, 0 at 0 (TF's Lorentz broadening for repeated values)."""
    return multiply(x, reciprocal(add(multiply(x, x), _scalar(epsilon, x))))


def _differences(e):
    """F[..., i, j] = 1 / (e_j - e_i) off the diagonal, 0 on it."""
    return matrix_set_diag(_safe_reciprocal(subtract(expand_dims(e, -2), expand_dims(e, -1))), zeros_like(e))


class Qr(OpDef):
    """(Q, R) with A = Q R, Q orthonormal columns, R upper triangular: Q [..., M, K], R [..., K, N] with
    K = min(M, N), or Q [..., M, M], R [..., M, N] with `full_matrices`."""

    type = "Qr"
    allocates = True

    def infer(op):
        dt = float_input(op)
        s = at_least(op, 0, 2)
        if s is None:
            return [(None, dt), (None, dt)]
        m, n = s[-2:]
        k = m if op.attrs["full_matrices"] else _min(m, n)
        return [(s[:-2] + (m, k), dt), (s[:-2] + (k, n), dt)]

    def kernel(op, ctx):
        xp, mode = ctx.xp, ("complete" if op.attrs["full_matrices"] else "reduced")

        def qr(x):
            if x.ndim < 2:
                raise InvalidArgumentError(op.node_def, op, f"Input must be at least 2-D, got {list(x.shape)}")
            q, r = xp.linalg.qr(x, mode=mode)
            return q, r
        return qr

    def gradient(op, dq, dr):
        q, r = op.outputs
        sr, sq = static_shape(r), static_shape(q)
        if sr is None or not known(sr[-2]) or not known(sr[-1]):
            raise NotImplementedError(f"QrGrad not implemented with dynamic shapes. Received r.shape: {r.shape}")
        m, n = sq[-2], sr[-1]
        if sr[-2] > sr[-1] and sq[-2] == sq[-1]:
            raise NotImplementedError(f"QrGrad not implemented when nrows > ncols and full_matrices is true. "
                                      f"Received r.shape={r.shape} with nrows={sr[-2]} and ncols={sr[-1]}.")
        if m >= n:
            return [_qr_grad_deep(q, r, dq, dr)]
        # wide: A = [X, Y], R = [U, V] with X square; reduce to the square case (as TF)
        y, u = op.inputs[0][..., :, m:], r[..., :, :m]
        dv, du = dr[..., :, m:], dr[..., :, :m]
        dx = _qr_grad_deep(q, u, add(dq, matmul(y, dv, transpose_b=True)), du)
        return [concat([dx, matmul(q, dv)], axis=-1)]


def _times_r_inv_t(x, r):
    """x · R⁻ᵀ for upper-triangular R, by one triangular solve."""
    return adjoint(matrix_triangular_solve(r, adjoint(x), lower=False))


def _qr_grad_deep(q, r, dq, dr):
    qdq = matmul(q, dq, transpose_a=True)
    rdr = matmul(r, dr, transpose_b=True)
    tril = matrix_band_part(add(subtract(qdq, adjoint(qdq)), subtract(rdr, adjoint(rdr))), -1, 0)
    grad_a = matmul(q, add(dr, _times_r_inv_t(tril, r)))
    grad_b = _times_r_inv_t(subtract(dq, matmul(q, qdq)), r)
    return add(grad_a, grad_b)


class Svd(OpDef):
    """(s, U, V) with A = U diag(s) Vᵀ, s [..., P] descending (P = min(M, N)), U [..., M, P], V [..., N, P]
    (U [..., M, M], V [..., N, N] with `full_matrices`); only s without `compute_uv`."""

    type = "Svd"
    allocates = True

    def infer(op):
        dt = float_input(op)
        s = at_least(op, 0, 2)
        if not op.attrs["compute_uv"]:
            return [(None if s is None else s[:-2] + (_min(*s[-2:]),), dt)]
        if s is None:
            return [(None, dt)] * 3
        m, n = s[-2:]
        p = _min(m, n)
        full = op.attrs["full_matrices"]
        return [(s[:-2] + (p,), dt), (s[:-2] + (m, m if full else p), dt), (s[:-2] + (n, n if full else p), dt)]

    def kernel(op, ctx):
        xp, uv, full = ctx.xp, op.attrs["compute_uv"], op.attrs["full_matrices"]

        def svd(x):
            if x.ndim < 2:
                raise InvalidArgumentError(op.node_def, op, f"Input must be at least 2-D, got {list(x.shape)}")
            if not uv:
                return xp.linalg.svd(x, compute_uv=False)
            u, s, vt = xp.linalg.svd(x, full_matrices=full)
            return s, u, vt.swapaxes(-1, -2).copy()
        return svd

    def gradient(op, ds, du=None, dv=None):
        a = op.inputs[0]
        if not op.attrs["compute_uv"]:
            _, u, v = svd(a, compute_uv=True)
            return [matmul(u, matmul(matrix_diag(ds), v, transpose_b=True))]
        sa = static_shape(a)
        if sa is None or not known(sa[-2]) or not known(sa[-1]):
            raise NotImplementedError("SVD gradient has not been implemented for input with unknown inner matrix "
                                      "shape.")
        m, n = sa[-2:]
        s, u, v = op.outputs
        transposed = m > n  # differentiate Aᵀ = V S Uᵀ instead, then transpose back
        if transposed:
            m, n, u, v, du, dv = n, m, v, u, dv, du
        if op.attrs["full_matrices"] and abs(m - n) > 1:
            raise NotImplementedError(f"svd gradient is not implemented for abs(m - n) > 1 when full_matrices is "
                                      f"True. Received: m={m} and n={n}.")
        s_mat = matrix_diag(s)
        f = _differences(squared(s))
        v1, dv1 = v[..., :, :m], dv[..., :, :m]
        f_u = multiply(f, matmul(u, du, transpose_a=True))
        f_v = multiply(f, matmul(v1, dv1, transpose_a=True))
        inner = add(add(matrix_diag(ds), matmul(add(f_u, adjoint(f_u)), s_mat)),
                    matmul(s_mat, add(f_v, adjoint(f_v))))
        grad = matmul(u, matmul(inner, v1, transpose_b=True))
        if m != n:
            dv1t = adjoint(dv1)
            rest = subtract(dv1t, matmul(matmul(dv1t, v1), v1, transpose_b=True))
            if op.attrs["full_matrices"]:
                v2, dv2 = v[..., :, m:n], dv[..., :, m:n]
                rest = subtract(rest, matmul(matmul(v1, dv2, transpose_a=True), v2, transpose_b=True))
            grad = add(grad, matmul(matmul(u, matrix_diag(_safe_reciprocal(s))), rest))
        return [adjoint(grad) if transposed else grad]


class SelfAdjointEigV2(OpDef):
    """(e, V) of each symmetric [M, M] matrix, from its lower triangle: e [..., M] ascending, A V = V diag(e);
    e only without `compute_v`."""

    type = "SelfAdjointEigV2"
    allocates = True

    def infer(op):
        dt = float_input(op)
        s = square(op)
        e = None if s is None else s[:-1]
        return [(e, dt), (s if op.attrs["compute_v"] else (0,), dt)]

    def kernel(op, ctx):
        xp, compute_v = ctx.xp, op.attrs["compute_v"]

        def eig(x):
            square_at_run_time(op, x)
            if compute_v:
                return xp.linalg.eigh(x, UPLO="L")
            return xp.linalg.eigvalsh(x, UPLO="L"), xp.zeros((0,), x.dtype)
        return eig

    def gradient(op, de, dv):
        e = op.outputs[0]
        if op.attrs["compute_v"]:
            v = op.outputs[1]
            inner = add(matrix_diag(de), multiply(_differences(e), matmul(v, dv, transpose_a=True)))
        else:
            _, v = self_adjoint_eig(op.inputs[0])
            inner = matrix_diag(de)
        g = matmul(v, matmul(inner, v, transpose_b=True))
        g = matrix_band_part(add(g, adjoint(g)), -1, 0)
        return [matrix_set_diag(g, multiply(_scalar(0.5, g), matrix_diag_part(g)))]


def qr(input, full_matrices=False, name=None):  # noqa: A002  (TF's argument names)
    """(q, r) of each innermost matrix: A = q r, q with orthonormal columns, r upper triangular."""
    x = convert_to_tensor(input, name="input")
    return tuple(apply_op(Qr, [x], {"full_matrices": bool(full_matrices)}, name or "Qr"))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """(s, u, v) of each innermost matrix (A = u diag(s) vᵀ, s descending), or s alone without `compute_uv`."""
    x = convert_to_tensor(tensor, name="tensor")
    out = apply_op(Svd, [x], {"full_matrices": bool(full_matrices), "compute_uv": bool(compute_uv)},
                   name or "Svd")
    return tuple(out) if compute_uv else out


def self_adjoint_eig(tensor, name=None):
    """(e, v): eigenvalues (ascending) and eigenvectors (columns) of each innermost symmetric matrix."""
    x = convert_to_tensor(tensor, name="tensor")
    return tuple(apply_op(SelfAdjointEigV2, [x], {"compute_v": True}, name or "SelfAdjointEigV2"))


def self_adjoint_eigvals(tensor, name=None):
    """The eigenvalues (ascending) of each innermost symmetric matrix."""
    x = convert_to_tensor(tensor, name="tensor")
    return apply_op(SelfAdjointEigV2, [x], {"compute_v": False}, name or "SelfAdjointEigV2")[0]
