"""tf.nn's other convolution/pooling spellings, its CTC-label and loss compositions, and tf.linalg's simple
functions: what the TF recordings (nn_conv_pool_variants, linalg_simple) cannot check — the _v2 backprops that
TF's CPU build cannot run, LU on random batches, singular matrices and ties, finite-difference gradients in
float64."""
import numpy as np
import pytest
import scipy.linalg
from gradcheck import check_gradients

import graphgrad as tf

rng = np.random.default_rng(9)


def test_backprop_v2_equal_the_sizes_forms():
    x, w, dy = rng.standard_normal((2, 5, 6, 3)), rng.standard_normal((3, 2, 3, 4)), rng.standard_normal((2, 3, 3, 4))
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run([tf.conv2d_backprop_filter_v2(x, w, dy, [1, 2, 2, 1], "SAME"),
                     tf.conv2d_backprop_input_v2(x, w, dy, [1, 2, 2, 1], "SAME")])
        want = s.run([tf.nn.conv2d_backprop_filter(x, [3, 2, 3, 4], dy, [1, 2, 2, 1], "SAME"),
                      tf.nn.conv2d_backprop_input([2, 5, 6, 3], w, dy, [1, 2, 2, 1], "SAME")])
    for g, v in zip(got, want):
        np.testing.assert_allclose(g, v, rtol=1e-12)


def test_depthwise_backprops_are_the_gradients_of_depthwise_conv():
    x, w = rng.standard_normal((2, 5, 4, 3)), rng.standard_normal((3, 2, 3, 2))
    with tf.Graph().as_default(), tf.Session() as s:
        xt, wt = tf.constant(x), tf.constant(w)
        y = tf.nn.depthwise_conv2d(xt, wt, [1, 2, 1, 1], "SAME")
        dy = tf.constant(rng.standard_normal(y.shape.as_list()))
        gx, gw = tf.gradients(y, [xt, wt], dy)
        mine = [tf.nn.depthwise_conv2d_backprop_input([2, 5, 4, 3], wt, dy, [1, 2, 1, 1], "SAME"),
                tf.nn.depthwise_conv2d_native_backprop_filter(xt, [3, 2, 3, 2], dy, [1, 2, 1, 1], "SAME")]
        for a, b in zip(s.run(mine), s.run([gx, gw])):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_with_space_to_batch_is_a_dilated_convolution():
    x, w = rng.standard_normal((1, 7, 9, 2)), rng.standard_normal((3, 2, 2, 3))
    with tf.Graph().as_default(), tf.Session() as s:
        for padding in ("SAME", "VALID"):
            got = tf.nn.with_space_to_batch(x, [2, 3], padding, lambda t, n, p: tf.nn.conv2d(t, w, 1, p),
                                            filter_shape=[3, 2])
            want = tf.nn.conv2d(x, w, 1, padding, dilations=[1, 2, 3, 1])
            np.testing.assert_allclose(*s.run([got, want]), rtol=1e-12)


def test_pool_v2_and_conv_transpose_pick_the_rank():
    with tf.Graph().as_default():
        assert tf.nn.max_pool_v2(tf.zeros([1, 6, 2]), 2, 2, "VALID").shape.as_list() == [1, 3, 2]
        assert tf.nn.avg_pool_v2(tf.zeros([1, 4, 4, 4, 1]), 2, 2, "SAME").shape.as_list() == [1, 2, 2, 2, 1]
        assert tf.nn.conv_transpose(tf.zeros([1, 2, 2, 2, 4]), tf.zeros([2, 2, 2, 3, 4]), [1, 4, 4, 4, 3],
                                    2).shape.as_list() == [1, 4, 4, 4, 3]
        with pytest.raises(ValueError, match="must be 3, 4 or 5"):
            tf.nn.max_pool_v2(tf.zeros([2, 3]), 2, 2, "VALID")


def test_collapse_repeated_and_unique_labels_match_a_python_loop():
    labels = rng.integers(0, 3, (4, 7)).astype(np.int32)
    lengths = np.array([7, 0, 3, 5], np.int32)
    with tf.Graph().as_default(), tf.Session() as s:
        (collapsed, new_len), (uniq, idx) = s.run([tf.nn.collapse_repeated(labels, lengths),
                                                   tf.nn.ctc_unique_labels(labels)])
    for row, n, c, m, u, i in zip(labels, lengths, collapsed, new_len, uniq, idx):
        runs = [v for k, v in enumerate(row[:n]) if k == 0 or v != row[k - 1]]
        assert m == len(runs) and list(c[:m]) == runs and not c[m:].any()
        first_seen = list(dict.fromkeys(row.tolist()))
        assert list(u[:len(first_seen)]) == first_seen and not u[len(first_seen):].any()
        assert [first_seen[j] for j in i] == row.tolist()


@pytest.mark.parametrize("shape", [(4, 4), (3, 5, 5), (2, 1, 1)])
def test_lu_matches_scipy(shape):
    a = rng.standard_normal(shape)
    with tf.Graph().as_default(), tf.Session() as s:
        lu, p = s.run(tf.linalg.lu(a))
    for m, packed, perm in zip(a.reshape(-1, *shape[-2:]), lu.reshape(-1, *shape[-2:]), p.reshape(-1, shape[-1])):
        ref, piv = scipy.linalg.lu_factor(m)
        np.testing.assert_allclose(packed, ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(m[perm], (np.tril(packed, -1) + np.eye(len(m))) @ np.triu(packed), atol=1e-12)


def test_lu_of_singular_matrices_and_ties():
    a = np.array([[[0.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [-1.0, 3.0]], [[2.0, 4.0], [1.0, 2.0]]])
    with tf.Graph().as_default(), tf.Session() as s:
        lu, p = s.run(tf.linalg.lu(a))
        back = s.run(tf.linalg.lu_reconstruct(lu, p))
    assert np.isfinite(lu).all()
    assert p[1].tolist() == [0, 1]  # |1| == |-1|: the first one pivots, as LAPACK
    np.testing.assert_allclose(back, a)


def test_linalg_compositions_gradients():
    m = rng.standard_normal((3, 2))
    check_gradients(tf.linalg.pinv, [m], rtol=1e-4, atol=1e-6)
    diags = rng.standard_normal((2, 3, 4)) + np.array([0.0, 4.0, 0.0])[:, None]
    rhs = rng.standard_normal((2, 4, 2))
    check_gradients(tf.linalg.tridiagonal_solve, [diags, rhs])
    check_gradients(tf.linalg.tridiagonal_matmul, [diags, rhs])
    check_gradients(lambda a, b: tf.linalg.matvec(a, b), [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4))])
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    with tf.Graph().as_default(), tf.Session() as s:
        lu, p = s.run(tf.linalg.lu(a))
    check_gradients(lambda b: tf.linalg.lu_solve(lu, p, b), [rng.standard_normal((3, 2))])


def test_pinv_and_rank_of_rank_deficient_matrices():
    a = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 5))
    with tf.Graph().as_default(), tf.Session() as s:
        pinv, rank = s.run([tf.linalg.pinv(a), tf.linalg.matrix_rank(a)])
    np.testing.assert_allclose(pinv, np.linalg.pinv(a, rcond=10 * 5 * np.finfo(float).eps), atol=1e-10)
    assert rank == 2


@pytest.mark.parametrize("pool", [tf.nn.fractional_max_pool, tf.nn.fractional_avg_pool], ids=["max", "avg"])
@pytest.mark.parametrize("pseudo,overlap", [(False, False), (True, True)])
def test_fractional_pool_gradients(pool, pseudo, overlap):
    x = rng.standard_normal((2, 7, 6, 2))
    check_gradients(lambda t: pool(t, [1.0, 1.4, 1.6, 1.0], pseudo, overlap, deterministic=True, seed=3,
                                   seed2=4)[0], [x])


def test_fractional_pool_values_follow_the_sequences():
    x = rng.standard_normal((1, 9, 8, 3))
    with tf.Graph().as_default(), tf.Session() as s:
        out, rows, cols = s.run(tf.nn.fractional_max_pool(x, [1.0, 1.3, 1.7, 1.0], overlapping=True,
                                                          deterministic=True, seed=5, seed2=6))
        unseeded = s.run(tf.nn.fractional_avg_pool(x, [1.0, 2.5, 2.5, 1.0])[1])  # TF seeds these from the clock
    assert rows[0] == 0 and rows[-1] == 9 and cols[-1] == 8 and (np.diff(rows) >= 1).all()
    for i in range(len(rows) - 1):
        for j in range(len(cols) - 1):
            region = x[0, rows[i]:min(rows[i + 1] + 1, 9), cols[j]:min(cols[j + 1] + 1, 8)]
            np.testing.assert_array_equal(out[0, i, j], region.max(axis=(0, 1)))
    assert unseeded[0] == 0 and unseeded[-1] == 9 and len(unseeded) == 4
    with pytest.raises(ValueError, match="should be 0 if deterministic is false"):
        tf.nn.fractional_max_pool(x, [1.0, 1.5, 1.5, 1.0], seed=1)


def _spd(*batch, n=3):
    m = rng.standard_normal((*batch, n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("without_scipy", [False, True])
def test_sqrtm_values_and_gradient(monkeypatch, without_scipy):
    from graphgrad.ops import matrix_sqrt_ops

    if without_scipy:  # the Denman-Beavers iteration that CuPy and SciPy-less installs run
        monkeypatch.setattr(matrix_sqrt_ops, "_scipy_linalg_sqrtm", lambda: None)
    a = np.concatenate([_spd(2), (_spd() + rng.standard_normal((3, 3)) * 0.3)[None]])  # one not symmetric
    with tf.Graph().as_default(), tf.Session() as s:
        root = s.run(tf.linalg.sqrtm(a))
    np.testing.assert_allclose(root @ root, a, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(root, np.stack([scipy.linalg.sqrtm(m) for m in a]).real, rtol=1e-9, atol=1e-12)
    check_gradients(tf.linalg.sqrtm, [a], rtol=1e-4, atol=1e-7)
