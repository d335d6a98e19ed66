"""runtime/row_chains.py: in-place steps on a big buffer run as one compiled loop over the GEMM pool's threads,
giving the kernels' values bit for bit, and the kernels run wherever a chain cannot take the arrays."""
from __future__ import annotations

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.runtime import gemm_pool, row_chains

pytestmark = [pytest.mark.skipif(not gemm_pool.wanted(), reason="needs Numba and two cores (the GEMM pool)"),
              pytest.mark.cpu_only("chains run on NumPy arrays, with the plan's islands")]


@pytest.fixture(scope="module")
def chain_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("chains")


@pytest.fixture
def pool(jit_on, chain_cache, monkeypatch, two_blas_threads):
    """The pool running (whatever BLAS threads earlier tests left), and one Numba cache for the module's tests:
    they compile the same chains."""
    monkeypatch.setenv("GRAPHGRAD_JIT_CACHE", str(chain_cache))
    from graphgrad.runtime import jit
    jit._cache_dir.cache_clear()
    assert gemm_pool.start()
    yield


def _cnn(rng):
    """A conv layer (output 16x32x32x16) with bias and ReLU, 2x2 max pooling (16x16x16x16: 65,536 elements)
    into a second conv layer; beside it a conv branch (16x32x32x4) scaled by a fed scalar, less a constant, plus
    a 4-D constant broadcast along the rows; SGD."""
    x = tf.placeholder(tf.float32, (16, 32, 32, 8))
    scale = tf.placeholder(tf.float32, ())
    w = tf.Variable(rng.standard_normal((3, 3, 8, 16)).astype(np.float32) * 0.2)
    b = tf.Variable(rng.standard_normal(16).astype(np.float32) * 0.1)
    w2 = tf.Variable(rng.standard_normal((3, 3, 16, 2)).astype(np.float32) * 0.2)
    w3 = tf.Variable(rng.standard_normal((3, 3, 8, 4)).astype(np.float32) * 0.2)
    h = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b), [1, 2, 2, 1], [1, 2, 2, 1],
                       "VALID")
    y = tf.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME")
    pos = tf.constant(rng.standard_normal((1, 32, 32, 4)).astype(np.float32))  # broadcast along the rows, 4-D
    q = tf.nn.conv2d(x, w3, [1, 1, 1, 1], "SAME") * scale - 0.5 + pos
    loss = tf.reduce_mean(tf.square(y)) + tf.reduce_mean(tf.square(q))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    feeds = (rng.standard_normal((16, 32, 32, 8)).astype(np.float32), np.float32(0.5))
    return (x, scale), (loss, h, train), feeds, (w, b, w2, w3)


def _train(monkeypatch, chains_on, steps=4):
    monkeypatch.setattr(row_chains, "FROM", row_chains.FROM if chains_on else 1 << 40)
    tf.reset_default_graph()
    rng = np.random.default_rng(0)
    inputs, fetches, feeds, variables = _cnn(rng)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable(fetches, list(inputs))
        out = [run(*feeds)[:2] for _ in range(2)]  # the islands and chains are compiled in the second
        ns, ran = run.plan._ns, []
        for k in range(len(run.plan.chains)):  # each chain's calls noted: whether it took the arrays
            ns[f"q{k}"] = lambda *a, _f=ns[f"q{k}"], _k=k: ran.append((_k, _f(*a))) or ran[-1][1]
        out += [run(*feeds)[:2] for _ in range(max(1, steps - 2))]
        assert all(took is not None for _, took in ran) and len({k for k, _ in ran}) == len(run.plan.chains), ran
        return out, sess.run(list(variables)), run.plan


def test_chains_give_the_kernels_values_bit_for_bit(monkeypatch, pool):
    """The conv layer's bias add and ReLU (viewed as rows of channels); its max pooling; the pooling's gradient
    and the ReLU's; the branch's scaling by a fed scalar, subtraction of a 0-d constant and addition of a 4-D one
    (4-D views); the gradient's scalings (by the loss's folded seed, a broadcast constant; flat views): chains on
    the pool, each taking its arrays, and four training steps give what the kernels and islands give, bit for
    bit."""
    with_chains, w1, plan = _train(monkeypatch, True)
    kinds = [[op.type for op in ch.ops] for ch in plan.chains]
    for want in (["AddV2", "Relu"], ["MaxPool"], ["Mul", "Sub", "AddV2"]):
        assert want in kinds, kinds
    assert {"MaxPoolGrad", "ReluGrad"} <= {t for k in kinds for t in k}, kinds
    assert "steps over the pool's threads" in plan.source
    without, w0, plan0 = _train(monkeypatch, False)
    assert not plan0.chains
    for (l1, h1), (l0, h0) in zip(with_chains, without):
        assert l1 == l0
        np.testing.assert_array_equal(h1, h0)
    for a, b in zip(w1, w0):
        np.testing.assert_array_equal(a, b)


def test_a_chain_declines_arrays_it_was_not_compiled_for(monkeypatch, pool):
    """Its call returns None, writing nothing, for another dtype, a buffer not in C order, an operand of
    another shape or sharing the buffer's memory; True for what it was made for."""
    _, _, plan = _train(monkeypatch, True, steps=2)
    ch = next(c for c in plan.chains if [op.type for op in c.ops] == ["AddV2", "Relu"])
    call = plan._ns[f"q{plan.chains.index(ch)}"]
    buf = np.linspace(-1, 1, 262144, dtype=np.float32).reshape(16, 32, 32, 16)
    bias = np.linspace(-0.5, 0.5, 16, dtype=np.float32)
    for args in ((buf.astype(np.float64), bias), (np.asfortranarray(buf), bias), (buf, bias[:8]),
                 (buf, buf.reshape(-1)[:16]), (buf, bias.astype(np.float64))):
        before = args[0].copy()
        assert call(*args) is None
        np.testing.assert_array_equal(args[0], before)
    want = np.maximum(buf + bias, 0)
    assert call(buf, bias) is buf
    np.testing.assert_array_equal(buf, want)


def test_small_buffers_and_traced_runs_keep_the_kernels(monkeypatch, pool):
    """A buffer of fewer than FROM elements makes no chain; a traced run (RunOptions.FULL_TRACE) runs the steps'
    kernels so that each op is timed."""
    x = tf.placeholder(tf.float32, (8, 64))
    w = tf.Variable(np.ones((64, 64), np.float32))
    y = tf.nn.relu(tf.matmul(x, w) + 1.0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable(y, [x])
        for _ in range(3):
            run(np.ones((8, 64), np.float32))
        assert not run.plan.chains
    _, _, plan = _train(monkeypatch, True, steps=2)
    assert plan.chains
    plan.enable_trace()
    assert all(plan._ns[f"q{k}"]() is None for k in range(len(plan.chains)))


def test_threads_running_one_plan_at_once_each_get_their_values(pool, monkeypatch):
    """A plan without state runs unlocked: its chain's calls from four threads at once (one on the pool, the
    others in their own thread while it is busy) each give that thread's result. (No island: the plan compiles
    for its chain alone, judged to pay.)"""
    import threading

    from graphgrad.runtime import jit

    monkeypatch.setattr(jit, "PASS_S", 1.0)

    rng = np.random.default_rng(2)
    x = tf.placeholder(tf.float32, (16, 32, 32, 8))
    w = tf.constant(rng.standard_normal((3, 3, 8, 16)).astype(np.float32) * 0.2)
    b = tf.constant(rng.standard_normal(16).astype(np.float32))
    y = tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)
    feeds = [rng.standard_normal((16, 32, 32, 8)).astype(np.float32) for _ in range(4)]
    with tf.Session() as sess:
        run = sess.make_callable(y, [x])
        wants = [run(f) for f in feeds]  # the kernels' (the chain is built after these runs)
        for _ in range(2):
            run(feeds[0])
        assert [[op.type for op in ch.ops] for ch in run.plan.chains] == [["AddV2", "Relu"]]
        errors = []

        def work(i):
            for _ in range(20):
                if not np.array_equal(run(feeds[i]), wants[i]):
                    errors.append(i)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors


def test_chains_alone_compile_only_where_they_pay(pool, monkeypatch):
    """Without islands, a plan compiles for its chains only when the passes they save are worth it
    (`row_chains.pays`, as islands are judged): not for a big model's bias add and ReLU (W3's, 1 % of its step,
    would cost Numba's compiler's memory)."""
    from graphgrad.runtime import jit

    monkeypatch.setattr(jit, "PASS_S", 1e-15)
    x = tf.placeholder(tf.float32, (16, 32, 32, 8))
    w = tf.constant(np.ones((3, 3, 8, 16), np.float32))
    y = tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + 1.0)
    with tf.Session() as sess:
        run = sess.make_callable(y, [x])
        for _ in range(4):
            run(np.ones((16, 32, 32, 8), np.float32))
        assert not run.plan.chains and "over the pool" not in run.plan.source
