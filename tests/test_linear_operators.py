"""tf.linalg.LinearOperator* (graphgrad/linear_operators/): every method of every operator against NumPy on the dense
matrix (TF's own values are in tests/tf1_reference.json: linalg_linear_operators), batch shapes broadcast as TF's,
gradients of the structured algorithms (Woodbury, determinant lemma, FFT, Kronecker factors, substitution) against
central finite differences in float64 in graph mode and eagerly, eigh_tridiagonal, logm and conjugate_gradient."""
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf

la = tf.linalg
RNG = np.random.default_rng(7)


def c(a):
    return tf.constant(np.asarray(a, np.float64))


def spd(n, batch=()):
    m = RNG.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def circulant(first_col):
    n = len(first_col)
    return np.array([[first_col[(i - j) % n] for j in range(n)] for i in range(n)])


def block_diag(*blocks):
    n, m = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
    out, i, j = np.zeros((n, m)), 0, 0
    for b in blocks:
        out[i:i + b.shape[0], j:j + b.shape[1]] = b
        i, j = i + b.shape[0], j + b.shape[1]
    return out


def _cases():
    """(name, operator factory, dense NumPy matrix it stands for)."""
    full = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    d = RNG.uniform(1, 2, (2, 3))
    tril = np.tril(RNG.standard_normal((3, 3))) + 3 * np.eye(3)
    s3, k1 = spd(3), RNG.standard_normal((2, 2)) + 2 * np.eye(2)
    below = RNG.standard_normal((3, 2))
    u, v = RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2))
    spectrum = np.array([4.0, 1.0, 2.0, 1.0])
    spectrum2 = np.array([[5.0, 1.0, 1.0], [2.0, 0.5, 0.5]])
    col, row = np.array([3.0, 1.0, 0.5, 0.2]), np.array([3.0, -1.0, 0.4, 0.1])
    axis = np.array([1.0, 2.0, -1.0])
    perm = np.array([2, 0, 3, 1])
    sup, main, sub = np.array([1.0, 0.5, -1.0]), np.array([4.0, 5.0, 6.0, 7.0]), np.array([1.0, 2.0, -0.5])
    return [
        ("full", lambda: la.LinearOperatorFullMatrix(c(full)), full),
        ("full_spd", lambda: la.LinearOperatorFullMatrix(c(s3), is_self_adjoint=True, is_positive_definite=True), s3),
        ("diag", lambda: la.LinearOperatorDiag(c(d)), np.stack([np.diag(x) for x in d])),
        ("identity", lambda: la.LinearOperatorIdentity(3, batch_shape=[2], dtype=tf.float64),
         np.stack([np.eye(3)] * 2)),
        ("scaled", lambda: la.LinearOperatorScaledIdentity(3, c([2.0, -0.5])),
         np.stack([2.0 * np.eye(3), -0.5 * np.eye(3)])),
        ("tril", lambda: la.LinearOperatorLowerTriangular(c(tril + np.triu(np.ones((3, 3)), 1))), tril),
        ("composition", lambda: la.LinearOperatorComposition([la.LinearOperatorFullMatrix(c(s3)),
                                                              la.LinearOperatorDiag(c([1.0, 2.0, 3.0]))]),
         s3 @ np.diag([1.0, 2.0, 3.0])),
        ("block_diag", lambda: la.LinearOperatorBlockDiag([la.LinearOperatorFullMatrix(c(k1)),
                                                           la.LinearOperatorDiag(c([1.0, 2.0, 3.0]))]),
         block_diag(k1, np.diag([1.0, 2.0, 3.0]))),
        ("block_lower", lambda: la.LinearOperatorBlockLowerTriangular(
            [[la.LinearOperatorFullMatrix(c(k1))], [la.LinearOperatorFullMatrix(c(below)),
                                                    la.LinearOperatorDiag(c([1.0, 2.0, 3.0]))]]),
         np.block([[k1, np.zeros((2, 3))], [below, np.diag([1.0, 2.0, 3.0])]])),
        ("kronecker", lambda: la.LinearOperatorKronecker([la.LinearOperatorFullMatrix(c(k1)),
                                                          la.LinearOperatorFullMatrix(c(s3))]), np.kron(k1, s3)),
        ("low_rank", lambda: la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(c([1.0, 2.0, 3.0, 4.0])), c(u),
                                                            diag_update=c([0.5, 1.5]), v=c(v)),
         np.diag([1.0, 2.0, 3.0, 4.0]) + u @ np.diag([0.5, 1.5]) @ v.T),
        ("low_rank_spd", lambda: la.LinearOperatorLowRankUpdate(
            la.LinearOperatorDiag(c([1.0, 2.0, 3.0, 4.0]), is_positive_definite=True), c(u)),
         np.diag([1.0, 2.0, 3.0, 4.0]) + u @ u.T),
        ("circulant", lambda: la.LinearOperatorCirculant(c(spectrum), input_output_dtype=tf.float64),
         circulant(np.fft.ifft(spectrum).real)),
        ("circulant_2d", lambda: la.LinearOperatorCirculant2D(c(spectrum2), input_output_dtype=tf.float64),
         np.real(np.fft.ifft2(spectrum2[None] * np.fft.fft2(np.eye(6).T.reshape(6, 2, 3))).reshape(6, 6).T)),
        ("toeplitz", lambda: la.LinearOperatorToeplitz(c(col), c(row)),
         np.array([[col[i - j] if i >= j else row[j - i] for j in range(4)] for i in range(4)])),
        ("householder", lambda: la.LinearOperatorHouseholder(c(axis)),
         np.eye(3) - 2 * np.outer(axis, axis) / (axis @ axis)),
        ("permutation", lambda: la.LinearOperatorPermutation(tf.constant(perm), dtype=tf.float64), np.eye(4)[perm]),
        ("tridiag", lambda: la.LinearOperatorTridiag([np.append(sup, 0.0), main, np.insert(sub, 0, 0.0)],
                                                     diagonals_format="sequence"),
         np.diag(main) + np.diag(sup, 1) + np.diag(sub, -1)),
        ("adjoint", lambda: la.LinearOperatorFullMatrix(c(full)).H, np.swapaxes(full, -1, -2)),
        ("inversion", lambda: la.LinearOperatorFullMatrix(c(s3)).inverse(), np.linalg.inv(s3)),
    ]


CASES = _cases()


@pytest.mark.parametrize("name,make,dense", CASES, ids=[k for k, _, _ in CASES])
def test_methods_match_the_dense_matrix(name, make, dense):
    with tf.Graph().as_default():
        o = make()
        batch, n = dense.shape[:-2], dense.shape[-1]
        assert o.shape.as_list() == list(dense.shape) and o.batch_shape.as_list() == list(batch)
        x = RNG.standard_normal((n, 2))
        t = {"dense": o.to_dense(), "mm": o.matmul(c(x)), "mm_adj": o.matmul(c(x), adjoint=True),
             "mm_adj_arg": o.matmul(c(x.T), adjoint_arg=True), "mv": o.matvec(c(x[:, 0])),
             "solve": o.solve(c(x)), "solve_adj": o.solve(c(x.T), adjoint=True, adjoint_arg=True),
             "solvevec": o.solvevec(c(x[:, 0]), adjoint=True), "det": o.determinant(),
             "lad": o.log_abs_determinant(), "trace": o.trace(), "diag": o.diag_part(),
             "add": o.add_to_tensor(c(np.ones(dense.shape))), "cond": o.cond(), "op": (o @ o).to_dense()}
        if o.is_self_adjoint:
            t["eig"] = o.eigvals()
        with tf.Session() as s:
            got = s.run(t)
    inv, adj = np.linalg.inv(dense), np.swapaxes(dense, -1, -2)
    want = {"dense": dense, "mm": dense @ x, "mm_adj": adj @ x, "mm_adj_arg": dense @ x, "mv": dense @ x[:, 0],
            "solve": inv @ x, "solve_adj": np.linalg.inv(adj) @ x, "solvevec": np.linalg.inv(adj) @ x[:, 0],
            "det": np.linalg.det(dense), "lad": np.linalg.slogdet(dense)[1],
            "trace": np.trace(dense, axis1=-2, axis2=-1),
            "diag": np.diagonal(dense, axis1=-2, axis2=-1), "add": dense + 1, "op": dense @ dense,
            "cond": np.linalg.cond(dense), "eig": np.linalg.eigvalsh(dense)}
    for k, v in got.items():
        w = want[k]
        if k == "eig":
            v = np.sort(v, axis=-1)
        np.testing.assert_allclose(v, w, rtol=1e-7, atol=1e-9, err_msg=f"{name}.{k}")


@settings(max_examples=8, deadline=None, derandomize=True)
@given(st.sampled_from([((2, 1), (3,)), ((1,), (2, 1)), ((), (2,)), ((3, 1), (1, 2))]))
def test_batch_shapes_broadcast(shapes):
    """A [b1] diagonal times [b2] right-hand sides: results of the broadcast batch shape, as TF's."""
    op_batch, x_batch = shapes
    d = RNG.uniform(1, 2, op_batch + (3,))
    x = RNG.standard_normal(x_batch + (3, 2))
    m = RNG.standard_normal(op_batch + (3, 3)) + 3 * np.eye(3)
    with tf.Graph().as_default():
        diag, full = la.LinearOperatorDiag(c(d)), la.LinearOperatorFullMatrix(c(m))
        comp = la.LinearOperatorComposition([full, diag])
        lowrank = la.LinearOperatorLowRankUpdate(full, c(RNG.standard_normal((3, 1))))
        with tf.Session() as s:
            got = s.run([diag.matmul(c(x)), diag.solve(c(x)), full.solve(c(x)), comp.solve(c(x)),
                         lowrank.solve(c(x)), la.LinearOperatorKronecker([diag, diag]).shape_tensor()])
    dense = [np.vectorize(np.diag, signature="(n)->(n,n)")(d), m]
    np.testing.assert_allclose(got[0], dense[0] @ x)
    np.testing.assert_allclose(got[1], np.linalg.inv(dense[0]) @ x)
    np.testing.assert_allclose(got[2], np.linalg.solve(np.broadcast_to(m, np.broadcast_shapes(m.shape[:-2], x_batch)
                                                                       + (3, 3)), x))
    np.testing.assert_allclose(got[3], np.linalg.inv(dense[0]) @ np.linalg.inv(m) @ x, rtol=1e-7)
    assert got[4].shape == np.broadcast_shapes(op_batch, x_batch) + (3, 2)
    assert list(got[5]) == list(op_batch) + [9, 9]


def _grad(build, *arrays):
    check_gradients(build, [np.asarray(a, np.float64) for a in arrays], rtol=1e-5, atol=1e-6)


def test_gradients_low_rank_update_woodbury_and_determinant_lemma():
    u, rhs = RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2))
    base = RNG.uniform(1, 2, 4)

    def build(d, u, x):
        op = la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(d, is_positive_definite=True), u)
        return tf.concat([tf.reshape(op.solve(x), [-1]), tf.reshape(op.log_abs_determinant(), [1]),
                          tf.reshape(op.solve(x, adjoint=True), [-1])], 0)
    _grad(build, base, u, rhs)

    def general(d, u, v, e):
        op = la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(d), u, diag_update=e, v=v)
        return tf.concat([tf.reshape(op.solve(c(rhs), adjoint=True), [-1]), tf.reshape(op.determinant(), [1])], 0)
    _grad(general, base, u, RNG.standard_normal((4, 2)), [0.5, 1.5])


def test_gradients_kronecker_circulant_toeplitz_householder():
    k1, k2 = RNG.standard_normal((2, 2)) + 2 * np.eye(2), RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    x6 = RNG.standard_normal((6, 2))

    def kron(a, b):
        op = la.LinearOperatorKronecker([la.LinearOperatorFullMatrix(a), la.LinearOperatorFullMatrix(b)])
        return tf.concat([tf.reshape(op.solve(c(x6)), [-1]), tf.reshape(op.matmul(c(x6), adjoint=True), [-1]),
                          tf.reshape(op.log_abs_determinant(), [1]), tf.reshape(op.trace(), [1])], 0)
    _grad(kron, k1, k2)

    def circ(spectrum, x):
        op = la.LinearOperatorCirculant(spectrum, input_output_dtype=tf.float64)
        return tf.concat([tf.reshape(op.matmul(x), [-1]), tf.reshape(op.solve(x), [-1]),
                          tf.reshape(op.log_abs_determinant(), [1])], 0)
    _grad(circ, [4.0, 1.0, 2.0, 1.0], RNG.standard_normal((4, 2)))

    def toeplitz(col, row, x):
        return la.LinearOperatorToeplitz(col, row).matmul(x, adjoint=True)
    _grad(toeplitz, [3.0, 1.0, 0.5], [3.0, -1.0, 0.4], RNG.standard_normal((3, 2)))

    def householder(v, x):
        return la.LinearOperatorHouseholder(v).matmul(x)
    _grad(householder, [1.0, 2.0, -1.0], RNG.standard_normal((3, 2)))


def test_gradients_diag_tridiag_block_lower_triangular():
    x = RNG.standard_normal((4, 2))

    def diag(d, x):
        op = la.LinearOperatorDiag(d)
        return tf.concat([tf.reshape(op.solve(x), [-1]), tf.reshape(op.log_abs_determinant(), [1])], 0)
    _grad(diag, [1.0, -2.0, 3.0, 0.5], x)

    def tridiag(d, x):
        return la.LinearOperatorTridiag(d).solve(x, adjoint=True)
    _grad(tridiag, [[1.0, 0.5, -1.0, 0.0], [4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, -0.5]], x)

    def block_lower(a, b, x):
        op = la.LinearOperatorBlockLowerTriangular([[la.LinearOperatorFullMatrix(a)],
                                                    [la.LinearOperatorFullMatrix(b), la.LinearOperatorDiag(
                                                        c([1.0, 2.0]))]])
        return tf.concat([tf.reshape(op.solve(x), [-1]), tf.reshape(op.solve(x, adjoint=True), [-1])], 0)
    _grad(block_lower, RNG.standard_normal((2, 2)) + 2 * np.eye(2), RNG.standard_normal((2, 2)), x)


def test_gradients_flow_eagerly():
    tf.enable_eager_execution()
    try:
        spectrum = tf.Variable(np.array([4.0, 1.0, 2.0, 1.0]))
        u = tf.Variable(RNG.standard_normal((4, 1)))
        x = RNG.standard_normal((4, 2))
        with tf.GradientTape() as tape:
            circ = la.LinearOperatorCirculant(spectrum, input_output_dtype=tf.float64)
            op = la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(c([1.0, 2.0, 3.0, 4.0]),
                                                                      is_positive_definite=True), u)
            loss = tf.reduce_sum(circ.solve(c(x)) ** 2) + op.log_abs_determinant()
        g_spec, g_u = tape.gradient(loss, [spectrum, u])
        s, uu = spectrum.numpy(), u.numpy()
        # d/ds of sum(ifft(fft(x)/s)²) by central differences; d/du log det(D + u uᵀ) = 2 (D + u uᵀ)⁻¹ u
        fx = np.fft.fft(x, axis=0)
        eps, num = 1e-6, np.zeros(4)
        for i in range(4):
            sp, sm = s.copy(), s.copy()
            sp[i] += eps
            sm[i] -= eps
            f = lambda q: np.sum(np.real(np.fft.ifft(fx / q[:, None], axis=0)) ** 2)  # noqa: E731
            num[i] = (f(sp) - f(sm)) / (2 * eps)
        np.testing.assert_allclose(g_spec.numpy(), num, rtol=1e-5)
        a = np.diag([1.0, 2.0, 3.0, 4.0]) + uu @ uu.T
        np.testing.assert_allclose(g_u.numpy(), 2 * np.linalg.solve(a, uu), rtol=1e-7)
    finally:
        tf.disable_eager_execution()


def test_eigh_tridiagonal_logm_and_conjugate_gradient():
    alpha, beta = np.array([2.0, 3.0, 1.0, 4.0]), np.array([0.5, -1.0, 0.7])
    t = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    a = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 0.2], [0.0, 0.1, 1.5]])
    s3 = spd(3)
    with tf.Graph().as_default():
        w, v = la.eigh_tridiagonal(c(alpha), c(beta), eigvals_only=False)
        cg = la.experimental.conjugate_gradient(la.LinearOperatorFullMatrix(
            c(s3), is_self_adjoint=True, is_positive_definite=True), c([[1.0, 2.0, 3.0]]), tol=1e-12, max_iter=10)
        with tf.Session() as s:
            got = s.run({"w": w, "v": v, "mid": la.eigh_tridiagonal(c(alpha), c(beta), select="v",
                                                                    select_range=[1.5, 4.0]),
                         "log": la.logm(tf.constant(a.astype(np.complex128))), "cg": cg})
    want = np.linalg.eigvalsh(t)
    np.testing.assert_allclose(got["w"], want)
    np.testing.assert_allclose(t @ got["v"], got["v"] * want, atol=1e-12)
    np.testing.assert_allclose(got["mid"], want[(want > 1.5) & (want <= 4.0)])
    from scipy.linalg import expm
    np.testing.assert_allclose(expm(got["log"]), a, atol=1e-12)
    np.testing.assert_allclose(got["cg"].x[0], np.linalg.solve(s3, [1.0, 2.0, 3.0]), rtol=1e-9)
    assert got["cg"].i <= 4  # exact in at most n steps (plus rounding)
    _grad(lambda al, be: la.eigh_tridiagonal(al, be), alpha, beta)


def test_hints_are_checked_and_implied():
    d = la.LinearOperatorDiag([1.0, 2.0])
    assert d.is_self_adjoint and d.is_square
    assert la.LinearOperatorFullMatrix(np.eye(2, dtype=np.float32), is_positive_definite=True).is_non_singular
    with pytest.raises(ValueError, match="User set is_square hint to False, but the operator was square."):
        la.LinearOperatorFullMatrix(np.eye(2, dtype=np.float32), is_square=False).is_square  # noqa: B018
    with pytest.raises(NotImplementedError, match="Only self-adjoint"):
        la.LinearOperatorFullMatrix(np.eye(2, dtype=np.float32)).eigvals()
    assert type(d.H) is la.LinearOperatorDiag and d.H is d
    assert type(la.LinearOperatorIdentity(2) @ d) is la.LinearOperatorDiag


def test_unknown_batch_dimensions():
    """Placeholders with a None batch: shapes partly unknown, shape tensors and broadcasting at run time."""
    m = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    d, x = RNG.uniform(1, 2, (2, 3)), RNG.standard_normal((2, 3, 2))
    with tf.Graph().as_default():
        pm, pd = tf.placeholder(tf.float64, [None, 3, 3]), tf.placeholder(tf.float64, [None, 3])
        full, diag = la.LinearOperatorFullMatrix(pm), la.LinearOperatorDiag(pd)
        comp = full @ diag
        assert comp.shape.as_list() == [None, 3, 3] and comp.domain_dimension == 3
        with tf.Session() as s:
            got = s.run([comp.solve(c(x)), full.solve(np.ones((3, 1))), comp.shape_tensor(), comp.log_abs_determinant(),
                         la.LinearOperatorLowerTriangular(pm).H.solve(c(x))], {pm: m, pd: d})
    dense = m * d[:, None, :]
    np.testing.assert_allclose(got[0], np.linalg.solve(dense, x))
    np.testing.assert_allclose(got[1], np.linalg.solve(m, np.ones((2, 3, 1))))
    assert list(got[2]) == [2, 3, 3]
    np.testing.assert_allclose(got[3], np.linalg.slogdet(dense)[1])
    np.testing.assert_allclose(got[4], np.linalg.solve(np.swapaxes(np.tril(m), -1, -2), x))


def test_batched_permutation_gathers_each_member_by_its_own_perm():
    perm = np.array([[2, 0, 1], [0, 2, 1]])
    x = RNG.standard_normal((2, 3, 2))
    with tf.Graph().as_default():
        p = la.LinearOperatorPermutation(tf.constant(perm), dtype=tf.float64)
        with tf.Session() as s:
            got = s.run([p.matmul(c(x)), p.solve(c(x)), p.determinant(), p.to_dense()])
    dense = np.stack([np.eye(3)[q] for q in perm])
    np.testing.assert_allclose(got[0], dense @ x)
    np.testing.assert_allclose(got[1], np.swapaxes(dense, -1, -2) @ x)
    np.testing.assert_allclose(got[2], [1.0, -1.0])
    np.testing.assert_allclose(got[3], dense)
