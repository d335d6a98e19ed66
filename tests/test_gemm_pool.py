"""runtime/gemm_pool.py: products split over the cores by Numba-compiled workers give NumPy's single-threaded
product (bit for bit on the workloads' shapes), decline what they cannot take, and stay correct under threads,
forks and sessions."""
from __future__ import annotations

import itertools
import multiprocessing
import threading

import numpy as np
import pytest

from graphgrad.runtime import blas, gemm_pool

pytestmark = pytest.mark.skipif(not gemm_pool.wanted(), reason="needs Numba, NumPy's OpenBLAS and two cores")


@pytest.fixture(autouse=True)
def two_blas_threads():
    """Other tests of this process may have left NumPy's BLAS at one thread (tf.config.set_num_threads)."""
    gemm_pool.stop()
    _, _, get, put = blas.raw_functions()
    before = get()
    put(2)
    yield
    gemm_pool.stop()
    put(before)


@pytest.fixture
def pool():
    assert gemm_pool.start()
    yield gemm_pool


def _tasks():
    """How many products the running pool has split."""
    from graphgrad.runtime.gemm_pool_kernels import TASK
    return gemm_pool._state[0][TASK]


def _unpooled(f, *args):
    """f(*args) with products through NumPy's BLAS alone (at the one thread the running pool leaves it)."""
    blas.set_pool(None)
    try:
        return f(*args)
    finally:
        blas.set_pool(gemm_pool._pooled_gemm)


def _operands(rng, m, k, n, ta, tb, dtype):
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    return a, b


# (m, k, n) of W2's, W5's and W6's products: split on the kernels' tiles, these equal the whole product exactly
WORKLOAD_SHAPES = [(128, 784, 256), (784, 128, 256), (128, 256, 256), (64, 3136, 1024), (64, 160, 512),
                   (800, 1254, 64)]


@pytest.mark.parametrize("m,k,n", WORKLOAD_SHAPES)
def test_split_products_equal_the_single_threaded_product(pool, m, k, n):
    rng = np.random.default_rng(m + k + n)
    for ta, tb, dtype in itertools.product((False, True), (False, True), (np.float32, np.float64)):
        a, b = _operands(rng, m, k, n, ta, tb, dtype)
        op_a, op_b = (a.T if ta else a), (b.T if tb else b)
        np.testing.assert_array_equal(blas.matmul(op_a, op_b), _unpooled(np.matmul, op_a, op_b))
        c = rng.standard_normal((m, n)).astype(dtype)
        want = c.copy()
        assert _unpooled(blas.gemm, a, ta, b, tb, want, 0.5, 1.0)
        assert blas.gemm(a, ta, b, tb, c, 0.5, 1.0)  # c <- 0.5·op(a)·op(b) + c, split
        np.testing.assert_array_equal(c, want)


def test_blocks_off_the_kernel_tiles_round_as_openblas_does(pool):
    """A block edge inside a kernel tile (33 x 47 results) may round differently, as OpenBLAS's own thread
    counts do: within float rounding of the whole product, never more."""
    rng = np.random.default_rng(3)
    for dtype, rtol in ((np.float32, 2e-5), (np.float64, 1e-12)):
        a, b = _operands(rng, 33, 1000, 47, False, True, dtype)
        want = np.matmul(a.astype(np.float64), b.T.astype(np.float64))
        np.testing.assert_allclose(blas.matmul(a, b.T), want, rtol=rtol, atol=rtol * np.abs(want).max())


def test_the_pool_takes_and_declines(pool):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((256, 256)).astype(np.float32)
    tasks = _tasks()
    blas.matmul(a, a)
    assert _tasks() == tasks + 1  # split
    small = a[:16, :16]
    np.testing.assert_array_equal(blas.matmul(small, small), np.matmul(small, small))
    strided = a[:, ::2]  # no unit stride along either axis of the view's rows: BLAS cannot read it in place
    np.testing.assert_allclose(blas.matmul(strided.T, strided), np.matmul(strided.T, strided), rtol=1e-5)
    out = a.copy()
    want = np.matmul(a, a)
    np.testing.assert_array_equal(blas.matmul(out, a, out=out), want)  # the result overwrites an operand
    assert _tasks() == tasks + 1  # none of those was split
    ints = np.arange(256 * 256).reshape(256, 256) % 7
    np.testing.assert_array_equal(blas.matmul(ints, ints), np.matmul(ints, ints))


def test_threads_multiplying_at_once_each_get_their_product(pool):
    """Products from several Python threads at once: one at a time is split, the others run whole."""
    rng = np.random.default_rng(1)
    mats = [rng.standard_normal((192, 320)).astype(np.float32) for _ in range(4)]
    wants = [np.matmul(x, x.T) for x in mats]
    errors = []

    def work(i):
        for _ in range(40):
            got = blas.matmul(mats[i], mats[i].T)
            if not np.allclose(got, wants[i], rtol=1e-5, atol=1e-3):
                errors.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def _child_product(q):
    a = np.arange(256 * 256, dtype=np.float32).reshape(256, 256) / 65536
    q.put(bool(np.array_equal(blas.matmul(a, a), np.matmul(a, a))) and not gemm_pool.started())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_forked_child_multiplies_without_the_workers(pool):
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child_product, args=(q,))
    p.start()
    assert q.get(timeout=60) is True
    p.join(timeout=60)
    assert p.exitcode == 0


def test_stop_gives_openblas_its_threads_back():
    before = blas.threads()
    assert gemm_pool.start()
    assert blas.threads() == 1
    gemm_pool.stop()
    assert blas.threads() == before and not gemm_pool.started()


@pytest.mark.cpu_only("the pool splits NumPy's products; a GPU session multiplies on the device")
def test_a_training_session_through_the_pool(pool):
    """An MLP's Adam steps with the pool splitting its products and without (both at one BLAS thread): the
    same losses and weights."""
    import graphgrad as tf

    def train(split):
        blas.set_pool(gemm_pool._pooled_gemm if split else None)
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(0)
            x = tf.placeholder(tf.float32, [None, 300])
            y = tf.placeholder(tf.int64, [None])
            h = tf.layers.dense(x, 256, tf.nn.relu)
            logits = tf.layers.dense(h, 10)
            loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
            train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
            rng = np.random.default_rng(0)
            xs, ys = rng.standard_normal((128, 300)).astype(np.float32), rng.integers(0, 10, 128)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                losses = [s.run([loss, train_op], {x: xs, y: ys})[0] for _ in range(4)]
                return losses, s.run(tf.trainable_variables())

    tasks = _tasks()
    split_losses, split_weights = train(True)
    assert _tasks() > tasks
    whole_losses, whole_weights = train(False)
    np.testing.assert_array_equal(split_losses, whole_losses)
    for u, v in zip(split_weights, whole_weights):
        np.testing.assert_array_equal(u, v)


def test_tf_config_threads_and_the_pool(pool):
    import graphgrad as tf
    assert tf.config.get_num_threads() == gemm_pool.threads() == 2
    tf.config.set_num_threads(1)  # one thread asked for: the pool stops, OpenBLAS runs one
    try:
        assert not gemm_pool.started() and blas.threads() == 1
        tf.config.set_num_threads(2)
        assert blas.threads() == 2  # stopped by the one-thread setting, the pool waits for a plan to start it
    finally:
        tf.config.set_num_threads(None)


def test_plans_with_products_of_some_size_start_the_pool():
    import graphgrad as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        big = tf.matmul(x, tf.ones([784, 256]))
        small = tf.matmul(tf.placeholder(tf.float32, [None, 2]), tf.ones([2, 8]))
    assert gemm_pool.worth_starting([big.op])
    assert not gemm_pool.worth_starting([small.op])
