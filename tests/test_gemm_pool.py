"""runtime/gemm_pool.py: products split over the cores by Numba-compiled workers give NumPy's single-threaded
product (bit for bit on the workloads' shapes), decline what they cannot take, and stay correct under threads,
forks and sessions."""
from __future__ import annotations

import itertools
import multiprocessing
import os
import threading

import numpy as np
import pytest

from graphgrad.runtime import blas, gemm_pool

pytestmark = [pytest.mark.skipif(not gemm_pool.wanted(), reason="needs Numba, NumPy's OpenBLAS and two cores"),
              pytest.mark.skipif(blas.library() != "openblas", reason="checks the pool's products bit for bit against "
                                 "NumPy's OpenBLAS (GRAPHGRAD_BLAS=numpy); MKL's: tests/test_blas_library.py")]


@pytest.fixture(autouse=True)
def _two_blas_threads(two_blas_threads):
    yield


@pytest.fixture
def pool():
    assert gemm_pool.start()
    yield gemm_pool


def gemm_pool_kernels_futex():
    import platform
    return gemm_pool.wanted() and platform.system() == "Linux" and platform.machine().lower() in (
        "x86_64", "amd64", "aarch64", "arm64")


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


def test_blocks_are_on_the_tiles_and_as_even_as_they_can_be():
    """All blocks but the last a multiple of the BLAS's tile, the last the rest, the largest as small as such
    blocks allow: 128 rows in 12s as 60 + 68 (the ceiling's 72 + 56 left one thread 12 % more work)."""
    from graphgrad.runtime.gemm_pool_kernels import _blocks

    for dim, parts, align in itertools.product((17, 40, 128, 256, 512, 1000, 4096), (2, 4), (12, 16, 24)):
        size, count = _blocks.py_func(dim, parts, align)
        last = dim - (count - 1) * size
        assert size % align == 0 and 1 <= count <= parts and last >= 1, (dim, parts, align)
        best = min(max(s, dim - (min(parts, -(-dim // s)) - 1) * s) for s in range(align, dim + align, align))
        assert max(size, last) == best, (dim, parts, align, size, count)
    assert _blocks.py_func(128, 2, 12) == (60, 2) and _blocks.py_func(512, 4, 12) == (132, 4)


def test_blocks_off_the_kernel_tiles_round_as_openblas_does(pool):
    """A block edge inside a kernel tile (33 x 47 results) may round differently, as OpenBLAS's own thread
    counts do: within float rounding of the whole product, never more."""
    rng = np.random.default_rng(3)
    for dtype, rtol in ((np.float32, 2e-5), (np.float64, 1e-12)):
        a, b = _operands(rng, 33, 1000, 47, False, True, dtype)
        want = np.matmul(a.astype(np.float64), b.T.astype(np.float64))
        np.testing.assert_allclose(blas.matmul(a, b.T), want, rtol=rtol, atol=rtol * np.abs(want).max())


@pytest.mark.parametrize("m,k,n", [(25, 50176, 32), (1, 50176, 32), (32, 20000, 1), (3, 40000, 5)])
def test_a_long_contraction_of_a_narrow_result_is_split_along_it(pool, m, k, n):
    """W5's first filter gradient (25x50176 by 50176x32) and a bias gradient (a row of ones by the gradient): a
    contraction 16 times the result's longer side is split along it, each thread's partial product added in
    order by the caller; within float rounding of the whole product, alpha and beta as BLAS's (c not read where
    beta is 0), every layout."""
    rng = np.random.default_rng(m + n)
    for ta, tb, dtype in itertools.product((False, True), (False, True), (np.float32, np.float64)):
        rtol = 2e-5 if dtype == np.float32 else 1e-12
        a, b = _operands(rng, m, k, n, ta, tb, dtype)
        op_a, op_b = (a.T if ta else a), (b.T if tb else b)
        exact = np.matmul(op_a.astype(np.float64), op_b.astype(np.float64))
        tol = dict(rtol=rtol, atol=rtol * np.sqrt(k))
        tasks = _tasks()
        np.testing.assert_allclose(blas.matmul(op_a, op_b), exact, **tol)
        c = rng.standard_normal((m, n)).astype(dtype)
        want = 0.5 * exact + 2.0 * c
        assert blas.gemm(a, ta, b, tb, c, 0.5, 2.0)
        np.testing.assert_allclose(c, want, **tol)
        c[:] = np.nan
        assert blas.gemm(a, ta, b, tb, c, 1.0, 0.0)
        np.testing.assert_allclose(c, exact, **tol)
        assert _tasks() == tasks + 3  # all three split


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

    _in_threads(work, 4)
    assert not errors


def _in_threads(work, n):
    """work(0) .. work(n - 1), each in its own thread, all at once."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


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


# (input NHWC, filter HWIO, strides, padding, dilations, channels_first): W5's second convolution, strides, SAME's
# uneven pads, dilations, explicit pads, odd channel counts, NCHW
CONV_CASES = [((8, 14, 14, 32), (5, 5, 32, 64), (1, 1), "SAME", (1, 1), False),
              ((4, 15, 13, 24), (3, 4, 24, 8), (2, 1), "SAME", (1, 1), False),
              ((4, 15, 13, 20), (3, 3, 20, 8), (1, 1), "VALID", (2, 2), False),
              ((3, 9, 11, 17), (2, 2, 17, 5), (1, 1), "SAME", (1, 1), False),
              ((6, 10, 10, 32), (3, 3, 32, 16), (1, 1), [[0, 0], [2, 1], [0, 3], [0, 0]], (1, 1), False),
              ((5, 12, 10, 24), (3, 3, 24, 7), (1, 2), "SAME", (1, 1), True)]


def _conv_grads(case, dtype, xv, wv, dyv):
    """y, dx, dw of one convolution in a session (whatever the pool is made to do meanwhile)."""
    import graphgrad as tf
    _, wshape, strides, padding, dils, first = case
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(dtype, xv.shape)
        w = tf.placeholder(dtype, wshape)
        fmt = "NCHW" if first else "NHWC"
        pads = padding if isinstance(padding, str) or not first else [padding[0], padding[3], *padding[1:3]]
        y = tf.nn.conv2d(x, w, strides=[1, 1, *strides] if first else [1, *strides, 1], padding=pads,
                         dilations=[1, 1, *dils] if first else [1, *dils, 1], data_format=fmt)
        dy = tf.placeholder(dtype, y.shape)
        gx, gw = tf.gradients(y, [x, w], grad_ys=dy)
        with tf.Session() as s:
            return s.run([y, gx, gw], {x: xv, w: wv, dy: dyv(s.run(y, {x: xv, w: wv}).shape)})


def _images_multiply_as_the_batch(dtype, rows, k, n, images=8):
    """Whether the bound BLAS at one thread multiplies each image's `rows` patch rows (by a k x n filter) into the
    rows the whole batch's product gives them (split over the pool, as the whole-batch kernel's), bit for bit."""
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((images * rows, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    whole = blas.matmul(a, b)
    return all(np.array_equal(gemm_pool._one_thread_product(a[i:i + rows], b), whole[i:i + rows])
               for i in range(0, images * rows, rows))


@pytest.mark.cpu_only("the pool's convolution passes run on NumPy arrays")
@pytest.mark.parametrize("case", CONV_CASES, ids=range(len(CONV_CASES)))
def test_convolution_passes_split_by_images(pool, monkeypatch, case):
    """The forward pass (patch rows and their product) and the unit-stride input gradient, image blocks over
    the pool's threads, give the whole-batch kernels' values: bit for bit on W5's shape and dtype where the BLAS's
    product of one image's patch rows gives the whole batch's product's rows bit for bit (OpenBLAS's SkylakeX
    kernels; not its Haswell kernels, which AMD's Zen cores run), within float rounding where a block's rows end
    off the BLAS's tiles. The filter gradient, summed by blocks of images and then over the blocks, is within
    float rounding of the one product over the whole batch."""
    rng = np.random.default_rng(len(case[0]) + sum(case[0]))
    shape = case[0] if not case[5] else (case[0][0], case[0][3], *case[0][1:3])
    for dtype, rtol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        xv = rng.standard_normal(shape).astype(dtype)
        wv = rng.standard_normal(case[1]).astype(dtype)
        dys = {}

        def dyv(s, dys=dys, dtype=dtype):
            return dys.setdefault(s, rng.standard_normal(s).astype(dtype))

        tasks = _tasks()
        split = _conv_grads(case, dtype, xv, wv, dyv)
        assert _tasks() > tasks  # the passes were split (the filter gradient's product too)
        with monkeypatch.context() as m:
            m.setattr(gemm_pool, "conv_forward", lambda *a: False)
            m.setattr(gemm_pool, "conv_input_grad", lambda *a: False)
            m.setattr(gemm_pool, "conv_filter_grad", lambda *a: False)
            whole = _conv_grads(case, dtype, xv, wv, dyv)
        for name, got, want in zip(("y", "dx", "dw"), split, whole):
            # dw: sums over image blocks, then the blocks
            if (case is CONV_CASES[0] and name != "dw" and dtype == np.float32
                    and _images_multiply_as_the_batch(dtype, 14 * 14, 800, 64)):
                np.testing.assert_array_equal(got, want)
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())


@pytest.mark.cpu_only("the pool's convolution passes run on NumPy arrays")
def test_convolutions_from_several_threads(pool):
    """Convolutions from four Python threads at once: one at a time is split, the others run whole."""
    import graphgrad as tf
    rng = np.random.default_rng(5)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [4, 12, 12, 24])
        w = tf.constant(rng.standard_normal((3, 3, 24, 16)).astype(np.float32))
        y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
        gx = tf.gradients(tf.reduce_sum(y * y), x)[0]
    xs = [rng.standard_normal((4, 12, 12, 24)).astype(np.float32) for _ in range(4)]
    with tf.Session(graph=g) as s:
        wants = [s.run([y, gx], {x: v}) for v in xs]
        errors = []

        def work(i):
            for _ in range(20):
                for got, want in zip(s.run([y, gx], {x: xs[i]}), wants[i]):
                    if not np.allclose(got, want, rtol=1e-5, atol=1e-4):
                        errors.append(i)

        _in_threads(work, 4)
    assert not errors


@pytest.mark.cpu_only("the pool's convolution passes run on NumPy arrays")
def test_the_filter_gradients_sums_do_not_depend_on_the_threads(pool):
    """conv_filter_grad's partial sums are fixed blocks of images, each summed image by image: the blocks'
    sums are the same products added in the same order as one thread adding them, bit for bit."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((10, 9, 9, 24)).astype(np.float32)
    dy = rng.standard_normal((10, 9, 9, 16)).astype(np.float32)
    pads = ((1, 1), (1, 1))
    xp_ = np.pad(x, ((0, 0), *pads, (0, 0)))
    st = xp_.strides
    cols = np.lib.stride_tricks.as_strided(xp_, (10, 9, 9, 3, 3, 24), (st[0], st[1], st[2], st[1], st[2], st[3]))
    cols = np.ascontiguousarray(cols).reshape(10, 81, 216)
    blocks = gemm_pool.filter_blocks(10)
    per = -(-10 // blocks)
    want = []
    for b in range(blocks):
        acc = None
        for i in range(b * per, min(10, (b + 1) * per)):
            p = np.matmul(dy[i].reshape(81, 16).T, cols[i])  # small: NumPy's BLAS at the pool's one thread
            acc = p if acc is None else acc + p
        want.append(acc)
    threads, size = gemm_pool.conv_scratch(81 * 216 * 4)
    scratch = np.empty((threads, size // 4), np.float32)
    partials = np.empty((blocks, 16, 216), np.float32)  # transposed: [O, K·C]
    assert gemm_pool.conv_filter_grad(x, dy, partials, (3, 3, 24, 16), (1, 1), (1, 1), pads, scratch)
    np.testing.assert_array_equal(partials, np.stack(want))


def test_a_product_of_whole_flops_runs_whole_on_the_blas_threads(pool, monkeypatch):
    # W3's 17-GFLOP products: each row block would pack the other operand again; the BLAS's threads share it
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((96, 200)).astype(np.float32), rng.standard_normal((200, 64)).astype(np.float32)
    original, seen = blas.gemm, []

    def spy(*args, **kw):   # the pool's own call of the whole product, and the BLAS's threads then
        seen.append((blas.threads(), kw))
        return original(*args, **kw)
    monkeypatch.setattr(blas, "gemm", spy)
    before = gemm_pool._state[4][1]
    tasks = _tasks()
    c = np.ones((96, 64), np.float32)
    assert original(a, False, b, False, c, 2.0, 1.0)
    np.testing.assert_allclose(c, 2 * (a @ b) + 1, rtol=1e-5, atol=1e-5)
    assert _tasks() == tasks + 1 and seen == []   # 2.5 MFLOP: split
    monkeypatch.setattr(gemm_pool, "WHOLE_FLOPS", 1e6)
    c = np.ones((96, 64), np.float32)
    assert original(a, False, b, False, c, 2.0, 1.0)
    np.testing.assert_allclose(c, 2 * (a @ b) + 1, rtol=1e-5, atol=1e-5)
    assert _tasks() == tasks + 1 and seen == [(before, {"split": False})]   # whole, on the BLAS's threads ...
    assert blas.threads() == 1   # ... and the pool's one thread again after the call


@pytest.mark.skipif(not gemm_pool_kernels_futex(), reason="futex sleep on Linux x86-64 / AArch64 only")
def test_workers_sleep_through_a_product_run_whole(pool, monkeypatch):
    """A worker still spinning after a split product would take a core from the BLAS's threads during the next
    whole one (W3's 17-GFLOP products 10-18 % slower): `_whole` parks it, and the next split product wakes it."""
    import time

    from graphgrad.runtime.gemm_pool_kernels import PARK, SLEEPING
    ctrl = gemm_pool._state[0]
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((96, 200)).astype(np.float32), rng.standard_normal((200, 64)).astype(np.float32)
    original, during = blas.gemm, []

    def spy(*args, **kw):   # the whole product's BLAS call: the workers are told to sleep, and do
        deadline = time.monotonic() + 60
        while ctrl[SLEEPING] != 1 and time.monotonic() < deadline:
            time.sleep(0.001)
        during.append((int(ctrl[PARK]), int(ctrl[SLEEPING])))
        return original(*args, **kw)
    c = np.empty((96, 64), np.float32)
    tasks = _tasks()
    assert original(a, False, b, False, c, 1.0, 0.0)   # split: the worker ran blocks and spins on
    assert _tasks() == tasks + 1
    monkeypatch.setattr(blas, "gemm", spy)
    monkeypatch.setattr(gemm_pool, "WHOLE_FLOPS", 1e6)
    assert original(a, False, b, False, c, 1.0, 0.0)
    assert during == [(1, 1)] and ctrl[PARK] == 0
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)
    monkeypatch.undo()
    c = np.empty((96, 64), np.float32)
    assert original(a, False, b, False, c, 1.0, 0.0)   # split again, the worker woken for it
    assert _tasks() == tasks + 2 and ctrl[SLEEPING] == 0
    np.testing.assert_array_equal(c, _unpooled(np.matmul, a, b))


@pytest.mark.skipif(not gemm_pool_kernels_futex(), reason="futex sleep on Linux x86-64 / AArch64 only")
def test_an_idle_worker_sleeps_until_the_next_product(pool):
    """After its spin, the worker sleeps on a futex (no CPU while the process idles) and the next product's
    caller wakes it."""
    import time

    from graphgrad.runtime.gemm_pool_kernels import SLEEPING
    ctrl = gemm_pool._state[0]
    # its spin is SPINS sched_yields, each a time slice long where the other test worker keeps the core busy
    deadline = time.monotonic() + 60
    while ctrl[SLEEPING] != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ctrl[SLEEPING] == 1
    for _ in range(20):   # (OpenBLAS's own threads spin a while after a product a test ran whole on them)
        cpu = time.process_time()
        time.sleep(0.3)
        used = time.process_time() - cpu
        if used < 0.05:
            break
    assert used < 0.05  # asleep: neither spinning nor polling
    assert ctrl[SLEEPING] == 1
    a = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32)
    tasks = _tasks()
    np.testing.assert_array_equal(blas.matmul(a, a), _unpooled(np.matmul, a, a))
    assert _tasks() == tasks + 1 and ctrl[SLEEPING] == 0  # posted, and the worker woken


# ---------------------------------------------------------------- optimizer updates split over the pool

def _rules():
    from graphgrad.runtime import elementwise
    return [r for r in vars(elementwise).values() if isinstance(r, elementwise.Fused) and r.arrays is not None]


def _update_case(rule, dtype, n, seed=0):
    """(outputs, arrays, scalars) for `rule` on n elements: positive values (accumulators under square roots),
    scalars in (0.01, 0.99)."""
    rng = np.random.default_rng(seed)
    outs = [(rng.random(n) + 0.5).astype(dtype) for _ in rule.names(rule.out_params)]
    arrays = [rng.standard_normal(n).astype(dtype) for _ in rule.arrays]
    scalars = [dtype(v) for v in rng.uniform(0.01, 0.99, len(rule.names(rule.in_params)) - len(rule.arrays))]
    return outs, arrays, scalars


def _numpy_update(rule, outs, arrays, scalars):
    from graphgrad.runtime import elementwise
    values, given = iter(arrays), iter(scalars)
    ins = [next(values) if p in rule.arrays else next(given) for p in rule.names(rule.in_params)]
    outs = [o.copy() for o in outs]
    elementwise.numpy_kernel(rule).bind(np)(*ins, *outs)
    return outs


@pytest.mark.parametrize("rule,dtype", [(r, np.float32) for r in _rules()] + [(_rules()[0], np.float64)],
                         ids=lambda v: getattr(v, "name", getattr(v, "__name__", v)))
def test_pooled_updates_give_the_numpy_kernels_values(pool, rule, dtype):
    """Every optimizer's rule, on a variable of UPDATE_FROM + 12,345 elements (a last block shorter than the
    others): bit for bit the NumPy kernel's values."""
    outs, arrays, scalars = _update_case(rule, dtype, gemm_pool.UPDATE_FROM + 12_345)
    expected = _numpy_update(rule, outs, arrays, scalars)
    tasks = _tasks()
    assert gemm_pool.update(rule, outs, arrays, scalars)
    assert _tasks() == tasks + 1
    for got, want in zip(outs, expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("rule,dtype", [(r, np.float32) for r in _rules()] + [(_rules()[0], np.float64)],
                         ids=lambda v: getattr(v, "name", getattr(v, "__name__", v)))
def test_updates_in_the_calling_thread_give_the_numpy_kernels_values(rule, dtype):
    """`update_here` (no pool needed): the rule compiled as one loop, bit for bit the NumPy kernel's values, from
    HERE_FROM elements; smaller variables are left to the NumPy kernel."""
    gemm_pool.stop()
    outs, arrays, scalars = _update_case(rule, dtype, gemm_pool.HERE_FROM + 77)
    expected = _numpy_update(rule, outs, arrays, scalars)
    assert gemm_pool.update_here(rule, outs, arrays, scalars)
    for got, want in zip(outs, expected):
        np.testing.assert_array_equal(got, want)
    small = [o[:-78] for o in outs]
    assert not gemm_pool.update_here(rule, small, [a[:-78] for a in arrays], scalars)


def test_a_busy_pool_leaves_the_update_to_the_caller(pool):
    """Another thread's task holds the slot: the calling thread runs every block itself, to the same values."""
    from graphgrad.runtime import elementwise
    from graphgrad.runtime.gemm_pool_kernels import BUSY
    outs, arrays, scalars = _update_case(elementwise.ADAM, np.float32, gemm_pool.UPDATE_FROM)
    expected = _numpy_update(elementwise.ADAM, outs, arrays, scalars)
    ctrl = gemm_pool._state[0]
    tasks = _tasks()
    ctrl[BUSY] = 1
    try:
        assert gemm_pool.update(elementwise.ADAM, outs, arrays, scalars)
    finally:
        ctrl[BUSY] = 0
    assert _tasks() == tasks
    for got, want in zip(outs, expected):
        np.testing.assert_array_equal(got, want)


def test_the_pool_declines_updates_it_cannot_take(pool):
    from graphgrad.runtime import elementwise
    rule, n = elementwise.ADAM, gemm_pool.UPDATE_FROM

    def declined(outs, arrays, scalars):
        before = [o.copy() for o in outs]
        ok = gemm_pool.update(rule, outs, arrays, scalars)
        assert all(np.array_equal(a, b) for a, b in zip(outs, before))
        return not ok

    outs, arrays, scalars = _update_case(rule, np.float32, n)
    assert declined([o[:-1] for o in outs], [a[:-1] for a in arrays], scalars)  # too small
    assert declined([o.astype(np.float16) for o in outs], [a.astype(np.float16) for a in arrays],
                    [np.float16(s) for s in scalars])
    assert declined(outs, [arrays[0].astype(np.float64)], scalars)  # dtypes differ
    assert declined(outs, [np.repeat(arrays[0], 2)[::2]], scalars)  # not contiguous
    assert declined(outs, [arrays[0][:-1]], scalars)  # shapes differ
    assert declined(outs, [outs[1]], scalars)  # the gradient is the first moment's buffer
    assert declined(outs, arrays, [np.full(3, s) for s in scalars])  # a learning rate per element
    gemm_pool.stop()
    assert declined(outs, arrays, scalars)  # the pool is not running


def _product_update_case(rule, dtype, m, k, n, ta, tb):
    """An update case of `rule` on an [m, n] variable whose gradient (its first array) is the product of two
    operands (laid out transposed where asked), and the values the unsplit product then the NumPy kernel give."""
    outs, arrays, scalars = _update_case(rule, dtype, m * n)
    outs, arrays = [o.reshape(m, n) for o in outs], [x.reshape(m, n) for x in arrays]
    a, b = _operands(np.random.default_rng(1), m, k, n, ta, tb, dtype)
    a, b = (a.T if ta else a), (b.T if tb else b)
    at = rule.arrays.index("grad")
    arrays[at] = _unpooled(np.matmul, a, b)
    expected = _numpy_update(rule, outs, arrays, scalars)
    arrays[at] = None
    return outs, arrays, scalars, a, b, expected


def _gradient_rules():
    return [r for r in _rules() if "grad" in r.arrays]


@pytest.mark.parametrize("rule,dtype,ta,tb", [(r, np.float32, True, False) for r in _gradient_rules()]
                         + [(_gradient_rules()[0], np.float64, True, False),
                            (_gradient_rules()[0], np.float32, False, False),
                            (_gradient_rules()[0], np.float32, False, True)],
                         ids=lambda v: getattr(v, "name", getattr(v, "__name__", str(v))))
def test_updates_by_product_give_the_product_then_the_update(pool, rule, dtype, ta, tb):
    """A weight gradient made block by block of rows and consumed there by the rule (W5's dense layer, xᵀ·dy;
    1040 rows: a last block shorter than the others) ends in the values of the whole product followed by the
    NumPy kernel, bit for bit."""
    m, k, n = 1040, 64, gemm_pool.UPDATE_FROM // 1024
    outs, arrays, scalars, a, b, expected = _product_update_case(rule, dtype, m, k, n, ta, tb)
    tasks = _tasks()
    grad = rule.arrays.index("grad")
    assert gemm_pool.update_by_product(rule, outs, arrays, grad, scalars, a.T if ta else a, ta, b.T if tb else b,
                                       tb)
    assert _tasks() == tasks + 1
    for got, want in zip(outs, expected):
        np.testing.assert_array_equal(got, want)


def test_updates_by_product_from_several_threads(pool):
    """Three Python threads updating their own weights by product at once: whichever holds the pool splits its
    update, the others find it busy and decline (their callers then make the product whole): each weight ends as
    the unsplit product then the update would leave it, bit for bit."""
    from graphgrad.runtime import elementwise
    rule, m, k, n = elementwise.ADAM, 1024, 48, gemm_pool.UPDATE_FROM // 1024
    cases = [_product_update_case(rule, np.float32, m, k, n, True, False) for _ in range(3)]
    firsts = [[o.copy() for o in case[0]] for case in cases]
    done = [0, 0, 0]

    def work(i):
        outs, arrays, scalars, a, b, _ = cases[i]
        for _ in range(10):
            if gemm_pool.update_by_product(rule, outs, arrays, 0, scalars, a.T, True, b, False):
                done[i] += 1
            else:  # as the plan's kernel then does: the product whole (NumPy's, here), then the update
                done.append(gemm_pool.update(rule, outs, [np.matmul(a, b)], scalars))

    _in_threads(work, 3)
    assert sum(done[:3]) > 0 and all(done[3:])
    for (outs, _, scalars, a, b, _), first in zip(cases, firsts):
        want = first
        grad = _unpooled(np.matmul, a, b)
        for _ in range(10):
            want = _numpy_update(rule, want, [grad], scalars)
        for got, w in zip(outs, want):
            np.testing.assert_array_equal(got, w)


def test_updates_by_product_decline_what_they_cannot_take(pool):
    from graphgrad.runtime import elementwise
    rule, m, k, n = elementwise.ADAM, 1024, 32, gemm_pool.UPDATE_FROM // 1024
    outs, arrays, scalars, a, b, _ = _product_update_case(rule, np.float32, m, k, n, True, False)
    at = a.T  # [k, m], multiplied transposed

    def declined(*args, outs=outs):
        before = [o.copy() for o in outs]
        ok = gemm_pool.update_by_product(rule, outs, *args)
        assert all(np.array_equal(x, y) for x, y in zip(outs, before))
        return not ok

    assert declined(arrays, 0, scalars, at[:, :-16], True, b, False)  # the product has fewer rows
    assert declined(arrays, 0, scalars, at[:-1], True, b, False)  # the contractions differ
    assert declined(arrays, 0, scalars, at.astype(np.float64), True, b, False)
    assert declined(arrays, 0, scalars, at.repeat(2, axis=1)[:, ::2], True, b, False)  # BLAS cannot read it as is
    assert declined(arrays, 0, scalars, at, True, outs[1][:k], False)  # an operand is a slot's buffer
    assert declined(arrays, 0, [np.full(3, s) for s in scalars], at, True, b, False)
    small = [o[:16] for o in outs]
    assert declined(arrays, 0, scalars, at[:, :16], True, b, False, outs=small)  # too few elements
    gemm_pool.stop()
    assert declined(arrays, 0, scalars, at, True, b, False)


@pytest.mark.cpu_only("islands and the pooled updates run plans on the CPU backend only")
@pytest.mark.usefixtures("jit_on")
def test_a_dense_layers_adam_update_makes_its_gradient_block_by_block(pool):
    """W5's dense layer in small: Adam on a weight of UPDATE_FROM elements whose gradient is xᵀ·dy. The plan
    hands the product's operands to the update (`gemm` rewrites), which runs over the pool once it has started;
    losses and weights are those of the plan without the pool or islands bit for bit (there: the product, then
    the NumPy kernel). A fetched gradient keeps its product."""
    import graphgrad as tf

    def train(fetch_grad=False):
        g = tf.Graph()
        with g.as_default():
            rng = np.random.default_rng(3)
            x = tf.constant(rng.standard_normal((48, 1024)).astype(np.float32))
            w = tf.Variable(rng.standard_normal((1024, gemm_pool.UPDATE_FROM // 1024)).astype(np.float32) * 0.03)
            target = tf.placeholder(tf.float32, [])
            loss = tf.reduce_mean(tf.square(tf.nn.relu(tf.matmul(x, w)) - target))
            opt = tf.train.AdamOptimizer(0.01)
            grads = opt.compute_gradients(loss, [w])
            train_op = opt.apply_gradients(grads)
            fetches = [loss, train_op] + ([grads[0][0]] if fetch_grad else [])
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                losses = [s.run(fetches, {target: 0.1 * i})[0] for i in range(6)]
                plan = next(p for p, _ in s._plans.values() if train_op in p.ops)
                return losses, s.run(w), plan.rewrites["gemm"]

    from graphgrad.runtime import passes

    done, by_product = [], gemm_pool.update_by_product
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gemm_pool, "update_by_product", lambda *a: done.append(by_product(*a)) or done[-1])
        losses, weights, rewrites = train()
    assert rewrites == [("gradients/MatMul_grad/MatMul_1", "Adam/update_Variable/ApplyAdam")]
    assert done and all(done)  # once the pool started (the first runs: the product, then the update's kernel)
    assert train(fetch_grad=True)[2] == []
    with pytest.MonkeyPatch.context() as mp:  # the product made whole, then the update over the pool
        mp.setattr(passes.Program, "_update_by_product", lambda *a: None)
        whole_losses, whole_weights, whole_rewrites = train()
    assert whole_rewrites == []
    np.testing.assert_array_equal(losses, whole_losses)
    np.testing.assert_array_equal(weights, whole_weights)
    gemm_pool.stop()
    os.environ["GRAPHGRAD_JIT"] = "0"
    try:
        plain_losses, plain_weights, plain_rewrites = train()
    finally:
        os.environ["GRAPHGRAD_JIT"] = "1"
    assert plain_rewrites == rewrites  # the same plan, run by the product then the update's kernel
    np.testing.assert_allclose(losses, plain_losses, rtol=1e-5)  # (the forward product, whole or split)
    # (Adam's step, about lr wherever a gradient's sign holds, turns the products' rounding into differences of up
    # to 3e-6 where a gradient is near zero: OpenBLAS's Haswell kernels at two threads against one)
    np.testing.assert_allclose(weights, plain_weights, rtol=1e-5, atol=1e-5)


@pytest.mark.cpu_only("islands and the pooled updates run plans on the CPU backend only")
@pytest.mark.usefixtures("jit_on")
def test_a_big_variables_update_runs_over_the_pool_in_a_session(pool):
    """Adam on a variable of UPDATE_FROM elements and a small one: the big one's update stays out of the plan's
    islands and runs over the pool, the small one's in an island; the values are the NumPy kernels' (as the
    plan runs without the pool or islands) bit for bit, the losses too."""
    import graphgrad as tf
    from graphgrad.runtime import jit

    def train():
        g = tf.Graph()
        with g.as_default():
            big = tf.Variable(np.linspace(-1, 1, gemm_pool.UPDATE_FROM, dtype=np.float32).reshape(1024, -1))
            small = tf.Variable(np.linspace(-2, 2, 64, dtype=np.float32))
            target = tf.placeholder(tf.float32, [])
            loss = tf.reduce_sum(tf.square(big - target)) + tf.reduce_sum(tf.square(small * target))
            train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                losses = [s.run([loss, train_op], {target: 0.25 * i})[0] for i in range(6)]
                plan = next(p for p, _ in s._plans.values() if train_op in p.ops)
                return losses, s.run([big, small]), plan, train_op.graph

    tasks = _tasks()
    losses, values, plan, g = train()
    update_big = g.get_operation_by_name("Adam/update_Variable/ApplyAdam")
    update_small = g.get_operation_by_name("Adam/update_Variable_1/ApplyAdam")
    assert plan.islands and any(update_small in isl.ops for isl in plan.islands)
    assert not any(update_big in isl.ops for isl in plan.islands)
    assert _tasks() > tasks
    gemm_pool.stop()
    os.environ["GRAPHGRAD_JIT"] = "0"
    try:
        plain_losses, plain_values, _, _ = train()
    finally:
        os.environ["GRAPHGRAD_JIT"] = "1"
    assert jit.jit_default()
    np.testing.assert_allclose(losses, plain_losses, rtol=1e-5)
    np.testing.assert_array_equal(values[0], plain_values[0])
    np.testing.assert_allclose(values[1], plain_values[1], rtol=1e-5)


@pytest.mark.cpu_only("the pooled updates run plans on the CPU backend only")
@pytest.mark.usefixtures("jit_on")
def test_a_plan_with_no_island_but_a_big_update_still_starts_the_pool(monkeypatch):
    """A big variable's update stays out of islands: a plan with nothing else to compile still reaches the point
    where it starts the pool, and its update runs there."""
    import graphgrad as tf
    from graphgrad.runtime import jit

    monkeypatch.setattr(jit, "find_islands", lambda steps, prog, **k: [])
    big = tf.Variable(np.ones((1024, gemm_pool.UPDATE_FROM // 1024), np.float32))
    loss = tf.reduce_sum(big * tf.placeholder_with_default(0.5, []))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(4):
            s.run(train)
        assert gemm_pool.started()
        tasks = _tasks()
        s.run(train)
        assert _tasks() > tasks
