"""Linear algebra ops (ops/matrix_ops.py, decomposition_ops.py, matrix_diag_ops.py): values against NumPy,
TF1's shapes and errors, gradients against central finite differences (and HIPS autograd) in float64 over random
batch shapes, and second derivatives of det, inverse, Cholesky, solve and the matrix exponential."""
import autograd.numpy as anp
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphgrad as tf

GRAD = settings(max_examples=6, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
BATCH = st.lists(st.integers(1, 2), min_size=0, max_size=2).map(tuple)
SEEDS = st.integers(0, 2**31 - 1)


def well_conditioned(rng, batch, n):
    """Random [..., n, n] matrices near 2·I: far from singular, so finite differences are accurate."""
    return rng.uniform(-0.5, 0.5, batch + (n, n)) + 2 * np.eye(n)


def spd(rng, batch, n):
    a = rng.uniform(-1, 1, batch + (n, n))
    return a @ a.swapaxes(-1, -2) + n * np.eye(n)


def sym(x):
    """(x + xᵀ)/2: Cholesky and eigh read only one triangle, so their gradients are checked through this."""
    return (x + tf.linalg.adjoint(x)) * 0.5


def run(fetches, feed=None):
    with tf.Session() as s:
        return s.run(fetches, feed)


# --- values ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_against_numpy(dtype):
    rng = np.random.default_rng(0)
    a, s = well_conditioned(rng, (2,), 3).astype(dtype), spd(rng, (2,), 3).astype(dtype)
    b, w = rng.standard_normal((2, 3, 2)).astype(dtype), rng.standard_normal((2, 4, 3)).astype(dtype)
    out = run({"det": tf.matrix_determinant(a), "slogdet": tf.log_matrix_determinant(-a), "inv": tf.matrix_inverse(a),
               "inv_adj": tf.matrix_inverse(a, adjoint=True), "chol": tf.cholesky(s), "solve": tf.matrix_solve(a, b),
               "solve_adj": tf.matrix_solve(a, b, adjoint=True), "lower": tf.matrix_triangular_solve(a, b),
               "upper_adj": tf.matrix_triangular_solve(a, b, lower=False, adjoint=True),
               "chol_solve": tf.cholesky_solve(tf.cholesky(s), b), "logdet": tf.linalg.logdet(s),
               "eigvals": tf.self_adjoint_eigvals(s), "trace": tf.trace(w), "band": tf.matrix_band_part(w, 1, 0),
               "diag": tf.matrix_diag(b[..., 0]), "diag_part": tf.matrix_diag_part(w),
               "set_diag": tf.matrix_set_diag(w, b[..., 0])})
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10}
    for k, v in out.items():
        assert np.asarray(v).dtype == dtype or k == "slogdet", k
    np.testing.assert_allclose(out["det"], np.linalg.det(a), **tol)
    np.testing.assert_allclose(out["slogdet"], np.linalg.slogdet(-a), **tol)
    np.testing.assert_allclose(out["inv"], np.linalg.inv(a), **tol)
    np.testing.assert_allclose(out["inv_adj"], np.linalg.inv(a).swapaxes(-1, -2), **tol)
    np.testing.assert_allclose(out["chol"], np.linalg.cholesky(s), **tol)
    np.testing.assert_allclose(out["solve"], np.linalg.solve(a, b), **tol)
    np.testing.assert_allclose(out["solve_adj"], np.linalg.solve(a.swapaxes(-1, -2), b), **tol)
    np.testing.assert_allclose(out["lower"], np.linalg.solve(np.tril(a), b), **tol)
    np.testing.assert_allclose(out["upper_adj"], np.linalg.solve(np.triu(a).swapaxes(-1, -2), b), **tol)
    np.testing.assert_allclose(out["chol_solve"], np.linalg.solve(s, b), **tol)
    np.testing.assert_allclose(out["logdet"], np.linalg.slogdet(s)[1], **tol)
    np.testing.assert_allclose(out["eigvals"], np.linalg.eigvalsh(s), **tol)
    np.testing.assert_allclose(out["trace"], np.trace(w, axis1=-2, axis2=-1), **tol)
    np.testing.assert_array_equal(out["band"], np.tril(np.triu(w, -1)))
    np.testing.assert_array_equal(out["diag"], b[..., 0, None] * np.eye(3, dtype=dtype))
    np.testing.assert_array_equal(out["diag_part"], np.diagonal(w, axis1=-2, axis2=-1))
    expected = w.copy()
    expected[:, [0, 1, 2], [0, 1, 2]] = b[..., 0]
    np.testing.assert_array_equal(out["set_diag"], expected)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_decompositions_reconstruct_their_input(shape, full):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape)
    (q, r), (s, u, v) = run([tf.qr(a, full_matrices=full), tf.svd(a, full_matrices=full)])
    m, n = shape[-2:]
    k = m if full else min(m, n)
    assert q.shape[-2:] == (m, k) and r.shape[-2:] == (k, n)
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    np.testing.assert_allclose(np.tril(r, -1), 0, atol=1e-12)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False))
    p = min(m, n)
    np.testing.assert_allclose((u[..., :p] * s[..., None, :]) @ v[..., :p].swapaxes(-1, -2), a, atol=1e-12)
    assert u.shape[-1] == (m if full else p) and v.shape[-1] == (n if full else p)
    e, vecs = run(tf.self_adjoint_eig(a[..., :2, :2] + a[..., :2, :2].swapaxes(-1, -2)))
    np.testing.assert_allclose(np.sort(e), e)


def test_tf1_names_and_static_shapes():
    a = tf.placeholder(tf.float32, [None, 4, 4])
    w = tf.placeholder(tf.float32, [5, 3])
    assert tf.matrix_determinant(a).name == "MatrixDeterminant:0"
    assert tf.matrix_determinant(a).shape.as_list() == [None]
    sign, logabs = tf.log_matrix_determinant(a)
    assert sign.name == "LogMatrixDeterminant:0" and logabs.name == "LogMatrixDeterminant:1"
    assert tf.cholesky_solve(a, a).name == "cholesky_solve/MatrixTriangularSolve_1:0"
    assert tf.trace(a).name == "Trace:0" and tf.trace(a).shape.as_list() == [None]
    q, r = tf.qr(w)
    assert (q.shape.as_list(), r.shape.as_list()) == ([5, 3], [3, 3])
    s, u, v = tf.svd(w, full_matrices=True)
    assert (s.shape.as_list(), u.shape.as_list(), v.shape.as_list()) == ([3], [5, 5], [3, 3])
    assert tf.svd(w, compute_uv=False).shape.as_list() == [3]
    assert tf.matrix_solve(a, tf.placeholder(tf.float32, [2, 4, 1])).shape.as_list() == [2, 4, 1]
    assert tf.matrix_diag(tf.placeholder(tf.float32, [None, 3])).shape.as_list() == [None, 3, 3]
    assert tf.matrix_diag_part(w).shape.as_list() == [3]
    e, vecs = tf.self_adjoint_eig(a)
    assert e.shape.as_list() == [None, 4] and vecs.shape.as_list() == [None, 4, 4]
    for alias, fn in [("det", tf.matrix_determinant), ("inv", tf.matrix_inverse), ("solve", tf.matrix_solve),
                      ("triangular_solve", tf.matrix_triangular_solve), ("eigh", tf.self_adjoint_eig),
                      ("band_part", tf.matrix_band_part), ("set_diag", tf.matrix_set_diag),
                      ("lstsq", tf.matrix_solve_ls), ("diag", tf.matrix_diag), ("diag_part", tf.matrix_diag_part),
                      ("eigvalsh", tf.self_adjoint_eigvals)]:
        assert getattr(tf.linalg, alias) is fn, alias


@pytest.mark.parametrize("build, msg", [
    (lambda: tf.matrix_determinant(tf.ones([3])), r"Shape must be at least rank 2 but is rank 1 for "
                                                  r"'MatrixDeterminant' \(op: 'MatrixDeterminant'\) with input "
                                                  r"shapes: \[3\]"),
    (lambda: tf.matrix_determinant(tf.ones([2, 3])), "Dimensions must be equal, but are 3 and 2"),
    (lambda: tf.matrix_inverse(tf.ones([2, 3])), "Dimensions must be equal"),
    (lambda: tf.cholesky(tf.ones([2, 3])), "Dimensions must be equal"),
    (lambda: tf.matrix_solve(tf.ones([3, 3]), tf.ones([2, 1])), r"Dimensions must be equal, but are 3 and 2 .*"
                                                                r"input shapes: \[3,3\], \[2,1\]"),
    (lambda: tf.matrix_solve(tf.ones([3, 3]), tf.ones([3])), "Shape must be at least rank 2 but is rank 1"),
    (lambda: tf.matrix_triangular_solve(tf.ones([3, 3]), tf.ones([2, 1])), "Dimensions must be equal"),
    (lambda: tf.qr(tf.ones([3])), "Shape must be at least rank 2 but is rank 1"),
    (lambda: tf.svd(tf.ones([3])), "Shape must be at least rank 2 but is rank 1"),
    (lambda: tf.self_adjoint_eig(tf.ones([2, 3])), "Dimensions must be equal"),
    (lambda: tf.matrix_diag(1.0), "Shape must be at least rank 1 but is rank 0"),
    (lambda: tf.matrix_diag_part(tf.ones([3])), "Shape must be at least rank 2 but is rank 1"),
    (lambda: tf.trace(tf.ones([3])), "Shape must be at least rank 2 but is rank 1"),
])
def test_tf1_shape_errors(build, msg):
    with tf.Graph().as_default(), pytest.raises(ValueError, match=msg):
        build()


def test_tf1_dtype_and_run_time_errors():
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        tf.matrix_determinant(tf.ones([2, 2], tf.int32))
    p = tf.placeholder(tf.float64)
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Input is not invertible."):
            s.run(tf.matrix_inverse(np.zeros((2, 2))))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix is not invertible."):
            s.run(tf.matrix_solve(np.zeros((2, 2)), np.ones((2, 1))))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Cholesky decomposition was not successful"):
            s.run(tf.cholesky(-np.eye(2)))
        with pytest.raises(tf.errors.InvalidArgumentError, match="must be square"):
            s.run(tf.matrix_determinant(p), {p: np.ones((2, 3))})


@pytest.mark.parametrize("scale", [0.1, 1.0, 8.0])
def test_matrix_exponential_against_the_eigendecomposition(scale):
    """exp(S) = V diag(exp(e)) Vᵀ for symmetric S, over norms that need 0 to several squarings; exp of a
    nilpotent matrix is its finite series."""
    rng = np.random.default_rng(5)
    m = rng.standard_normal((2, 4, 4)) * scale
    s = (m + m.swapaxes(-1, -2)) / 2
    e, v = np.linalg.eigh(s)
    n = np.triu(rng.standard_normal((3, 3)), 1)
    got, nil = run([tf.linalg.expm(s), tf.linalg.expm(n)])
    np.testing.assert_allclose(got, (v * np.exp(e)[..., None, :]) @ v.swapaxes(-1, -2), rtol=1e-12,
                               atol=1e-12 * np.exp(e).max())
    np.testing.assert_allclose(nil, np.eye(3) + n + n @ n / 2, atol=1e-15)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
def test_triangular_solve_without_scipy_gives_the_same(monkeypatch, lower, adjoint):
    """With SciPy the NumPy kernel calls LAPACK's triangular solve; without it, a general solve on the triangle."""
    from graphgrad.ops import matrix_ops

    rng = np.random.default_rng(6)
    a, b = well_conditioned(rng, (2,), 4), rng.standard_normal((2, 4, 3))
    with_scipy = run(tf.matrix_triangular_solve(a, b, lower=lower, adjoint=adjoint))
    monkeypatch.setattr(matrix_ops, "_scipy_triangular_solve", lambda: None)
    without = run(tf.matrix_triangular_solve(a, b, lower=lower, adjoint=adjoint))
    tri = np.tril(a) if lower else np.triu(a)
    np.testing.assert_allclose(with_scipy, np.linalg.solve(tri.swapaxes(-1, -2) if adjoint else tri, b), rtol=1e-12)
    np.testing.assert_allclose(without, with_scipy, rtol=1e-12)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        s.run(tf.matrix_triangular_solve(np.zeros((2, 2)), np.ones((2, 1))))


def test_least_squares_against_numpy():
    rng = np.random.default_rng(2)
    tall, wide = rng.standard_normal((6, 3)), rng.standard_normal((2, 5))
    b_tall, b_wide = rng.standard_normal((6, 2)), rng.standard_normal((2, 1))
    x_tall, x_wide, x_reg = run([tf.matrix_solve_ls(tall, b_tall), tf.linalg.lstsq(wide, b_wide),
                                 tf.matrix_solve_ls(tall, b_tall, l2_regularizer=0.5)])
    np.testing.assert_allclose(x_tall, np.linalg.lstsq(tall, b_tall, rcond=None)[0], rtol=1e-10)
    np.testing.assert_allclose(x_wide, np.linalg.lstsq(wide, b_wide, rcond=None)[0], rtol=1e-10)  # min norm
    np.testing.assert_allclose(x_reg, np.linalg.solve(tall.T @ tall + 0.5 * np.eye(3), tall.T @ b_tall), rtol=1e-10)
    deficient = np.concatenate([tall[:, :2], tall[:, :1]], axis=1)     # rank 2: only the SVD path copes
    slow = [tf.matrix_solve_ls(np.stack([deficient, tall]), np.stack([b_tall, b_tall]), fast=False),
            tf.matrix_solve_ls(tall, b_tall, l2_regularizer=0.5, fast=False)]
    x_slow, x_slow_reg = run(slow)
    np.testing.assert_allclose(x_slow[0], np.linalg.pinv(deficient) @ b_tall, rtol=1e-9)
    np.testing.assert_allclose(x_slow[1], x_tall, rtol=1e-10)
    np.testing.assert_allclose(x_slow_reg, x_reg, rtol=1e-10)
    assert slow[0].op.type == "MatrixSolveLs" and slow[0].shape.as_list() == [2, 3, 2]
    with pytest.raises(ValueError, match="Gradient not defined for fast=False"):
        tf.gradients(tf.reduce_sum(slow[1]), slow[1].op.inputs[0])


# --- gradients ----------------------------------------------------------------------------------------------

@GRAD
@given(batch=BATCH, n=st.integers(1, 3), seed=SEEDS)
def test_square_matrix_gradients(batch, n, seed):
    rng = np.random.default_rng(seed)
    a, b = well_conditioned(rng, batch, n), rng.standard_normal(batch + (n, 2))
    check_gradients(tf.matrix_determinant, [a], reference=anp.linalg.det)
    check_gradients(lambda x: tf.log_matrix_determinant(x)[1], [a], reference=lambda x: anp.linalg.slogdet(x)[1])
    check_gradients(tf.matrix_inverse, [a], reference=anp.linalg.inv)
    check_gradients(tf.linalg.expm, [a - 2 * np.eye(n)])
    check_gradients(lambda x: tf.matrix_inverse(x, adjoint=True), [a])
    check_gradients(tf.matrix_solve, [a, b], reference=anp.linalg.solve)
    check_gradients(lambda x, y: tf.matrix_solve(x, y, adjoint=True), [a, b])
    for lower in (True, False):
        for adj in (True, False):
            check_gradients(lambda x, y, lo=lower, ad=adj: tf.matrix_triangular_solve(x, y, lower=lo, adjoint=ad),
                            [a, b])


@GRAD
@given(batch=BATCH, n=st.integers(1, 3), seed=SEEDS)
def test_symmetric_gradients(batch, n, seed):
    rng = np.random.default_rng(seed)
    s, b = spd(rng, batch, n), rng.standard_normal(batch + (n, 2))
    check_gradients(lambda x: tf.cholesky(sym(x)), [s])
    check_gradients(lambda x, y: tf.cholesky_solve(tf.cholesky(sym(x)), y), [s, b])
    check_gradients(lambda x: tf.linalg.logdet(sym(x)), [s])
    check_gradients(lambda x: tf.self_adjoint_eigvals(sym(x)), [s])
    # eigenvectors are defined up to sign: differentiate sign-free functions of them
    check_gradients(lambda x: tf.self_adjoint_eig(sym(x))[1] ** 2, [s])


@GRAD
@given(batch=BATCH, shape=st.sampled_from([(3, 3), (4, 2), (2, 4), (3, 2)]), seed=SEEDS)
def test_decomposition_gradients(batch, shape, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(batch + shape)
    a[..., range(min(shape)), range(min(shape))] += 3.0 * np.arange(1, min(shape) + 1)  # distinct singular values
    check_gradients(lambda x: tf.svd(x, compute_uv=False), [a])
    check_gradients(lambda x: tf.svd(x)[0], [a])
    check_gradients(lambda x: tf.abs(tf.svd(x)[1]), [a])   # sign-free
    check_gradients(lambda x: tf.abs(tf.svd(x)[2]), [a])
    check_gradients(lambda x: tf.qr(x)[1], [a])
    check_gradients(lambda x: tf.qr(x)[0], [a])
    if abs(shape[0] - shape[1]) <= 1:
        check_gradients(lambda x: tf.abs(tf.svd(x, full_matrices=True)[1]), [a])
        check_gradients(lambda x: tf.abs(tf.svd(x, full_matrices=True)[2]), [a])


def test_structure_gradients():
    rng = np.random.default_rng(3)
    w, d = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3))
    check_gradients(lambda x: tf.matrix_band_part(x, 1, 0), [w], reference=lambda x: anp.tril(anp.triu(x, -1)))
    check_gradients(tf.matrix_diag_part, [w])
    check_gradients(tf.matrix_diag, [d])
    check_gradients(tf.matrix_set_diag, [w, d])
    check_gradients(tf.trace, [w])
    check_gradients(lambda x, y: tf.matrix_solve_ls(x, y, l2_regularizer=0.1), [rng.standard_normal((5, 3)),
                                                                              rng.standard_normal((5, 2))])


@pytest.mark.parametrize("name, fn, prep", [
    ("det", tf.matrix_determinant, lambda x: x),
    ("inverse", tf.matrix_inverse, lambda x: x),
    ("cholesky", lambda x: tf.cholesky(sym(x)), lambda x: x @ x.T + 3 * np.eye(3)),
    ("solve", lambda x: tf.matrix_solve(x, tf.constant(np.arange(6.0).reshape(3, 2))), lambda x: x),
    ("logdet", lambda x: tf.log_matrix_determinant(x)[1], lambda x: x),
    ("expm", tf.linalg.expm, lambda x: x - 2 * np.eye(3)),
])
def test_second_derivatives(name, fn, prep):
    """The gradient graph is differentiable again: d/dA of grad(sum(f(A)·w)) against finite differences."""
    rng = np.random.default_rng(4)
    a = prep(rng.uniform(-0.5, 0.5, (3, 3)) + 2 * np.eye(3))

    def grad_graph(x):
        y = fn(x)
        w = tf.constant(np.random.default_rng(5).standard_normal(tuple(y.shape.as_list())))
        return tf.gradients(tf.reduce_sum(y * w), x)[0]

    check_gradients(grad_graph, [a], rtol=1e-4, atol=1e-6)
