"""Islands compiled by Numba (runtime/jit.py): what they compute agrees with the ops' kernels within the stated
tolerance (relative 1e-5 for one step's values), errors and rollback stay the kernels' own, a Numba refusal
drops the island, and compiled code is cached on disk."""
import glob
import os

import numpy as np
import pytest

import graphgrad as tf

pytest.importorskip("numba", reason="the jit extra (Numba) is not installed")

RTOL, ATOL = 1e-5, 1e-6

pytestmark = pytest.mark.cpu_only("Numba islands compile plans on the CPU backend only")


def _mlp(kind, optimizer, dtype=tf.float32, seed=0):
    """A small MLP as TF1 programs write it; returns (x, y, loss, train, fetchable hidden layer)."""
    rng = np.random.default_rng(seed)
    x = tf.placeholder(dtype, (None, 4), name="x")
    if kind == "logloss":
        y = tf.placeholder(dtype, (None, 1), name="y")
    else:
        y = tf.placeholder(tf.int32, (None,), name="y")
    h = x
    sizes = [4, 16, 8, 1 if kind == "logloss" else 5]
    hidden = None
    for i, (m, n) in enumerate(zip(sizes, sizes[1:])):
        w = tf.Variable(rng.standard_normal((m, n)).astype(dtype.np) * 0.5, name=f"w{i}")
        b = tf.Variable(np.full(n, 0.1, dtype.np), name=f"b{i}")
        h = tf.nn.bias_add(tf.matmul(h, w), b) if i == 1 else tf.matmul(h, w) + b
        if i < len(sizes) - 2:
            h = tf.nn.tanh(h) if i == 0 else tf.nn.relu(h)
            hidden = hidden if hidden is not None else h
    if kind == "logloss":
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=h))
    else:
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
    train = optimizer.minimize(loss)
    return x, y, loss, train, hidden


OPTIMIZERS = {
    "sgd": lambda: tf.train.GradientDescentOptimizer(0.1),
    "adam": lambda: tf.train.AdamOptimizer(0.01),
    "momentum": lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "rmsprop": lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: tf.train.AdagradOptimizer(0.1),
}


def _batches(kind, n=12, batch=16, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        xb = rng.standard_normal((batch, 4)).astype(np.float32)
        yb = (rng.random((batch, 1)) > 0.5).astype(np.float32) if kind == "logloss" \
            else rng.integers(0, 5, batch).astype(np.int32)
        yield xb, yb


def _train(kind, opt, steps=12, dtype=tf.float32):
    """Losses per step and the final variables of a training run (the JIT as the environment says)."""
    g = tf.Graph()
    with g.as_default():
        x, y, loss, train, hidden = _mlp(kind, OPTIMIZERS[opt](), dtype)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            run = sess.make_callable([train, loss, hidden], [x, y])
            losses, hiddens = [], []
            for xb, yb in _batches(kind, steps):
                _, lv, hv = run(xb.astype(dtype.np), yb if kind != "logloss" else yb.astype(dtype.np))
                losses.append(lv)
                hiddens.append(hv)
            values = sess.run(tf.global_variables())
    return np.array(losses), hiddens, values, run


@pytest.mark.parametrize("kind,opt", [("logloss", "sgd"), ("softmax", "adam"), ("softmax", "momentum"),
                                      ("logloss", "rmsprop"), ("softmax", "adagrad")])
def test_islands_train_as_the_kernels_do(monkeypatch, jit_on, kind, opt):
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    ref_losses, ref_hidden, ref_values, _ = _train(kind, opt)
    monkeypatch.setenv("GRAPHGRAD_JIT", "1")
    losses, hidden, values, run = _train(kind, opt)
    # the first run goes through the kernels; the islands are compiled for the second
    assert losses[0] == ref_losses[0]
    np.testing.assert_allclose(losses, ref_losses, rtol=20 * RTOL, atol=ATOL)
    for a, b in zip(hidden, ref_hidden):
        np.testing.assert_allclose(a, b, rtol=20 * RTOL, atol=ATOL)
    for a, b in zip(values, ref_values):
        np.testing.assert_allclose(a, b, rtol=20 * RTOL, atol=ATOL)


def _one_step_graph():
    x, y, loss, train, hidden = _mlp("softmax", tf.train.AdamOptimizer(0.01))
    return x, y, loss, train, hidden


def test_one_step_agrees_within_the_stated_tolerance_and_the_plan_shows_the_island(jit_on):
    x, y, loss, train, hidden = _one_step_graph()
    xb, yb = next(_batches("softmax"))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        start = sess.variable_values(tf.global_variables())
        sess.run([train, loss], {x: xb, y: yb})  # runs through the kernels
        after_kernels = sess.variable_values(tf.global_variables())
        sess.load_variable_values(start)
        sess.run([train, loss], {x: xb, y: yb})  # the same step, through the islands compiled now
        after_island = sess.variable_values(tf.global_variables())
        plan = next(p for p, _ in sess._plans.values() if p.islands)
        assert "j0(" in plan.source and "_jit_failed(0, _e)" in plan.source
        assert not plan.jit_failures
    for k, v in after_kernels.items():
        np.testing.assert_allclose(after_island[k], v, rtol=RTOL, atol=ATOL)


def test_a_bad_label_is_the_kernels_error_and_changes_nothing(jit_on):
    x, y, loss, train, _ = _one_step_graph()
    xb, yb = next(_batches("softmax"))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x: xb, y: yb})
        sess.run(train, {x: xb, y: yb})
        plan = next(p for p, _ in sess._plans.values() if p.islands)
        before = sess.variable_values(tf.global_variables())
        bad = yb.copy()
        bad[3] = 7
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"label value of 7 .*\[0, 5\)") as e:
            sess.run(train, {x: xb, y: bad})
        assert e.value.op.type == "SparseSoftmaxCrossEntropyWithLogits"  # the op that failed, as without islands
        for k, v in sess.variable_values(tf.global_variables()).items():
            np.testing.assert_array_equal(v, before[k])
        assert plan.islands and not plan.jit_failures  # a run-time error keeps the island
        sess.run(train, {x: xb, y: yb})


def test_an_island_numba_refuses_is_dropped_and_the_kernels_run(jit_on, monkeypatch):
    from graphgrad.ops.activation_ops import Relu

    monkeypatch.setattr(Relu, "jit", lambda op, facts: "{o0} = np.maximum({i0}, 'not a number')")
    x, y, loss, train, hidden = _one_step_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([train, loss], {x: xb, y: yb})[1] for xb, yb in _batches("softmax", 4)]
        plan = next(p for p, _ in sess._plans.values() if p.jit_failures)
        failed_ops, exc = plan.jit_failures[0]
        assert any(op.type == "Relu" for op in failed_ops)
        assert type(exc).__module__.startswith("numba")
        assert "Relu" not in "".join(op.type for isl in plan.islands for op in isl.ops)
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    tf.reset_default_graph()
    x, y, loss, train, hidden = _one_step_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        ref = [sess.run([train, loss], {x: xb, y: yb})[1] for xb, yb in _batches("softmax", 4)]
    np.testing.assert_allclose(losses, ref, rtol=20 * RTOL)


def test_compiled_islands_are_cached_on_disk(jit_on):
    x, y, loss, train, _ = _one_step_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for xb, yb in _batches("softmax", 3):
            sess.run(train, {x: xb, y: yb})
    sources = glob.glob(os.path.join(jit_on, "graphgrad_island_*.py"))
    assert sources
    assert glob.glob(os.path.join(jit_on, "__pycache__", "graphgrad_island_*.nbi"))  # Numba's index


def test_off_switch_and_float64(monkeypatch, jit_on):
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    x, y, loss, train, _ = _mlp("logloss", tf.train.GradientDescentOptimizer(0.1), tf.float64)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for xb, yb in _batches("logloss", 3):
            sess.run(train, {x: xb.astype(np.float64), y: yb.astype(np.float64)})
        assert not any(p.islands for p, _ in sess._plans.values())
    monkeypatch.setenv("GRAPHGRAD_JIT", "1")
    ref, _, ref_values, _ = _train("logloss", "sgd", dtype=tf.float64)
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    plain, _, values, _ = _train("logloss", "sgd", dtype=tf.float64)
    np.testing.assert_allclose(ref, plain, rtol=1e-12)  # float64 uses the C library's tanh: sums differ only


def test_batch_size_may_change_between_runs(jit_on):
    x, y, loss, train, hidden = _one_step_graph()
    rng = np.random.default_rng(3)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for batch in (16, 16, 3, 40, 1):
            xb = rng.standard_normal((batch, 4)).astype(np.float32)
            yb = rng.integers(0, 5, batch).astype(np.int32)
            h, _ = sess.run([hidden, train], {x: xb, y: yb})
            assert h.shape == (batch, 16)


def _classic(onehot_batches):
    """The classic TF1 tutorial model: sigmoid hidden layer, dense softmax cross-entropy, L2 on the weights."""
    rng = np.random.default_rng(5)
    x = tf.placeholder(tf.float32, (None, 4))
    y = tf.placeholder(tf.float32, (None, 3))
    w0 = tf.Variable(rng.standard_normal((4, 12)).astype(np.float32))
    w1 = tf.Variable(rng.standard_normal((12, 3)).astype(np.float32))
    h = tf.nn.sigmoid(tf.matmul(x, w0))
    logits = tf.identity(tf.matmul(h, w1))
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)) \
        + 1e-3 * tf.add_n([tf.nn.l2_loss(w0), tf.nn.l2_loss(w1)])
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable([train, loss], [x, y])
        losses = [run(xb, yb)[1] for xb, yb in onehot_batches]
        return np.array(losses), run.plan


def test_the_classic_tutorial_model_runs_in_islands(monkeypatch, jit_on):
    rng = np.random.default_rng(6)
    batches = [(rng.standard_normal((10, 4)).astype(np.float32),
                np.eye(3, dtype=np.float32)[rng.integers(0, 3, 10)]) for _ in range(8)]
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    ref, _ = _classic(batches)
    monkeypatch.setenv("GRAPHGRAD_JIT", "1")
    tf.reset_default_graph()
    losses, plan = _classic(batches)
    compiled = {op.type for isl in plan.islands for op in isl.ops}
    assert {"Sigmoid", "SigmoidGrad", "SoftmaxCrossEntropyWithLogits", "L2Loss", "AddN",
            "ApplyGradientDescent"} <= compiled, compiled
    assert not plan.jit_failures
    np.testing.assert_allclose(losses, ref, rtol=20 * RTOL)


def test_threads_running_one_plan_while_it_compiles_get_the_kernels_results(jit_on):
    import threading

    x, y, loss, _, hidden = _one_step_graph()
    xb, yb = next(_batches("softmax"))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable([loss, hidden], [x, y])  # no state: runs are not serialized by the lock
        ref_loss, ref_hidden = run(xb, yb)
        errors, results = [], []

        def work():
            try:
                for _ in range(30):
                    results.append(run(xb, yb))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and len(results) == 90
        assert run.plan.islands and not run.plan.jit_failures
    for lv, hv in results:
        np.testing.assert_allclose(lv, ref_loss, rtol=RTOL)
        np.testing.assert_allclose(hv, ref_hidden, rtol=RTOL, atol=ATOL)


def test_a_plan_whose_kernel_calls_cost_nothing_next_to_its_arithmetic_keeps_them(monkeypatch, jit_on):
    from graphgrad.runtime import jit

    x, y, loss, train, _ = _one_step_graph()
    xb, yb = next(_batches("softmax"))
    monkeypatch.setattr(jit, "CALL_S", 1e-12)  # as if the calls were free: no island pays
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable(train, [x, y])
        for _ in range(12):  # judged after runs 1, 3 and 7 (again after twice as many runs, twice), then kept
            run(xb, yb)
        assert not run.plan.islands and run.plan._jit_in is None and "j0(" not in run.plan.source
    monkeypatch.setenv("GRAPHGRAD_JIT", "always")  # unless told to compile anyway
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable(train, [x, y])
        for _ in range(3):
            run(xb, yb)
        assert run.plan.islands


def test_a_max_pool_gradient_counts_three_calls_per_window_offset():
    """Its NumPy kernel makes three calls (compare, multiply, subtract) per window offset: 12 for 2x2 windows, 27
    for 3x3; its island one loop. (Counted as 3, a CNN trained by plain SGD judged its islands not worth
    compiling, W5's max-pool gradients 9 ms instead of 1.3.)"""
    from graphgrad.runtime import jit

    x = tf.placeholder(tf.float32, (8, 12, 12, 4))
    for k, calls in ((2, 12), (3, 27)):
        y = tf.nn.max_pool(x, [1, k, k, 1], [1, k, k, 1], "VALID")
        (dx,) = tf.gradients(y, [x])
        assert dx.op.type == "MaxPoolGrad" and jit.jit_calls(dx.op) == calls


def test_an_update_of_many_parameters_pays_by_the_passes_over_memory_it_saves(monkeypatch, jit_on):
    """With the calls free, a big Adam update still pays: its NumPy kernel makes 12 passes over the variable
    (`jit_calls`), its island one; the estimate is 11 passes per element."""
    from graphgrad.runtime import jit

    w = tf.Variable(np.full((300, 200), 0.5, np.float32), name="w")
    x = tf.placeholder(tf.float32, (None, 300))
    loss = tf.reduce_mean(tf.matmul(x, w) ** 2)
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    xb = np.random.default_rng(0).standard_normal((4, 300)).astype(np.float32)
    assert train.control_inputs[0].op_def.jit_calls == 12
    monkeypatch.setattr(jit, "CALL_S", 1e-12)
    for pass_s, compiles in ((1e-3, True), (1e-15, False)):
        monkeypatch.setattr(jit, "PASS_S", pass_s)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            run = sess.make_callable(train, [x])
            for _ in range(3):
                run(xb)
            prog, islands = run.plan._jit_args[0], run.plan._jit_args[3]
            assert jit.savings(islands, prog)[1] == pytest.approx((11 * 300 * 200 + 1) * pass_s)  # + beta powers
            assert bool(run.plan.islands) == compiles
            assert any(op.type == "ApplyAdam" for isl in run.plan.islands for op in isl.ops) == compiles


def test_an_op_continuing_a_big_buffer_in_place_stays_its_kernel(monkeypatch, jit_on):
    """The bias add and ReLU the plan runs in place on a big product (made outside any island) keep their in-place
    kernels: an island would allocate their result every run. Below `INPLACE_FROM` they join an island."""
    from graphgrad.runtime import jit

    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, (None, 8))
    w = tf.Variable(rng.standard_normal((8, 4096)).astype(np.float32), name="w")
    b = tf.Variable(np.linspace(-1, 1, 4096).astype(np.float32), name="b")
    h = tf.nn.relu(tf.matmul(x, w) + b)
    loss = tf.reduce_mean(h * h)
    xb = rng.standard_normal((3, 8)).astype(np.float32)
    monkeypatch.setenv("GRAPHGRAD_JIT", "always")
    results = []
    for inplace_from, joins in ((jit.INPLACE_FROM, False), (1 << 40, True)):
        monkeypatch.setattr(jit, "INPLACE_FROM", inplace_from)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            run = sess.make_callable([h, loss], [x])
            for _ in range(3):
                results.append(run(xb))
            in_islands = {op.type for isl in run.plan.islands for op in isl.ops}
            assert ({"AddV2", "Relu"} <= in_islands) == joins
            assert joins or "(AddV2) in place" in run.plan.source
    for hv, lv in results[1:]:
        np.testing.assert_allclose(hv, results[0][0], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(lv, results[0][1], rtol=RTOL)


def test_islands_that_did_not_pay_are_judged_again_after_more_runs(monkeypatch, jit_on):
    """A busy machine can make a plan's first runs look long, so islands that did not pay are judged again
    after twice as many runs (RETRIES times): here the second judgment finds that they pay."""
    from graphgrad.runtime import jit

    verdicts = iter([False, True])
    seen = []
    monkeypatch.setattr(jit, "pays", lambda saved, run_s: seen.append(run_s) or next(verdicts))
    x, y, loss, train, _ = _one_step_graph()
    xb, yb = next(_batches("softmax"))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable(train, [x, y])
        for _ in range(6):
            run(xb, yb)
            assert bool(run.plan.islands) == (len(seen) == 2)
        assert len(seen) == 2 and run.plan._jit_in is None


def test_division_by_zero_in_an_island_is_numpys_inf_and_nan(monkeypatch, jit_on):
    """Adam with epsilon 0 on a zero gradient divides 0 by 0: NaN in the kernels and in the island alike."""
    w = tf.Variable(np.ones((3, 2), np.float32))
    x = tf.placeholder(tf.float32, (None, 3))
    loss = tf.reduce_mean(tf.matmul(x, w))
    train = tf.train.AdamOptimizer(0.1, epsilon=0.0).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable(train, [x])
        for _ in range(3):
            run(np.zeros((4, 3), np.float32))
        assert run.plan.islands and not run.plan.jit_failures
        assert np.isnan(sess.run(w)).all()


def test_a_plan_waits_five_times_longer_for_islands_never_compiled(monkeypatch, jit_on):
    x, y, loss, train, _ = _one_step_graph()
    xb, yb = next(_batches("softmax"))

    def plan_after(seconds):
        monkeypatch.setenv("GRAPHGRAD_JIT_AFTER_S", seconds)
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        run = sess.make_callable(train, [x, y])
        return sess, run

    sess, run = plan_after("1")
    assert run.plan._jit_after_s == 5.0  # cold: nothing in the cache for this plan
    sess.close()
    sess, run = plan_after("0")
    for _ in range(3):
        run(xb, yb)
    assert run.plan.islands
    sess.close()
    sess, run = plan_after("1")
    assert run.plan._jit_after_s == 1.0  # its islands are in the cache now
    sess.close()


#: (GRAPHGRAD_JIT, whether kernels may call runtime/jitlib.py's loops): the NumPy kernels first, then the kernels
#: with the compiled loops (`RunContext.compiled_loop`: eager loops once the GEMM pool runs), then the islands
_KERNEL_MODES = [("0", False), ("0", True), ("always", False)]


def _kernels_use_loops(monkeypatch, loops):
    from graphgrad.runtime import context, jitlib
    monkeypatch.setattr(context.RunContext, "compiled_loop",
                        (lambda self, name: getattr(jitlib, name)) if loops else (lambda self, name: None))


def test_max_pool_in_an_island_gives_the_kernel_s_maxima_bit_for_bit(monkeypatch, jit_on):
    """2x2 and 3x2 windows tiling an NHWC input, and windows that do not (SAME with stride 1, 3x3 of stride 2,
    2x2 SAME on odd sizes, VALID leaving a border): the island's loops (runtime/jitlib.py) give what the kernel's
    chain of `maximum` calls gives, nan propagated and the sign of a zero tied with the other zero included (each
    saves passes, so they make an island alone), and so does the kernel calling those loops itself."""
    x = tf.placeholder(tf.float32, (None, 6, 8, 3))
    ys = [tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), tf.nn.max_pool(x, [1, 3, 2, 1], [1, 3, 2, 1],
                                                                                   "SAME"),
          tf.nn.max_pool(x, [1, 2, 2, 1], [1, 1, 1, 1], "SAME"), tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
          tf.nn.max_pool(x[:, :5, :7], [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
          tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "VALID")]
    rng = np.random.default_rng(6)
    xb = rng.integers(-1, 2, (2, 6, 8, 3)).astype(np.float32) * rng.choice([-0.0, 1.0], (2, 6, 8, 3))
    xb[rng.random(xb.shape) < 0.3] *= 0.0
    xb *= np.float32(1.0)
    xb[1, 0, 1, 2] = np.nan
    assert (np.signbit(xb) & (xb == 0)).any() and (~np.signbit(xb) & (xb == 0)).any()
    out = {}
    for mode, loops in _KERNEL_MODES:
        monkeypatch.setenv("GRAPHGRAD_JIT", mode)
        _kernels_use_loops(monkeypatch, loops)
        with tf.Session() as sess:
            run = sess.make_callable(ys, [x])
            out[mode, loops] = [run(xb) for _ in range(3)][-1]
            types = [[op.type for op in isl.ops] for isl in run.plan.islands]
            assert sum(t.count("MaxPool") for t in types) == (len(ys) if mode == "always" else 0)
    for key in _KERNEL_MODES[1:]:
        for got, want in zip(out[key], out["0", False]):
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    assert np.isnan(out["0", False][0]).any()


def test_a_max_pool_and_its_gradient_are_islands_of_their_own(monkeypatch, jit_on):
    """The ReLU before a max pool and the dropout's Mul before its gradient form islands without them
    (`OpDef.jit_alone`): compiled into one function with a Mul, LLVM inlined the 2x2 MaxPoolGrad loop and optimized
    it again, 16-23 s of compile (nlintz's CNN tutorial stalled its first epoch 40 s) against 0.4 s alone; the
    islands' result is the kernels'."""
    from graphgrad.runtime import jit

    x = tf.placeholder(tf.float32, (None, 8, 8, 3))
    keep = tf.placeholder(tf.float32, (None, 4, 4, 3))
    h = tf.nn.max_pool(tf.nn.relu(x * 2.0 + 1.0), [1, 2, 2, 1], [1, 2, 2, 1], "VALID") * keep
    loss = tf.reduce_sum(tf.square(h * keep - 0.5))
    dx = tf.gradients(loss, x)[0]
    rng = np.random.default_rng(3)
    xb, kb = rng.standard_normal((2, 8, 8, 3)).astype(np.float32), rng.random((2, 4, 4, 3)).astype(np.float32)
    out = {}
    for mode in ("0", "always"):
        monkeypatch.setenv("GRAPHGRAD_JIT", mode)
        with tf.Session() as sess:
            run = sess.make_callable(dx, [x, keep])
            out[mode] = [run(xb, kb) for _ in range(3)][-1]
            types = [[op.type for op in isl.ops] for isl in run.plan.islands]
    assert ["MaxPool"] in types and ["MaxPoolGrad"] in types, types
    assert all(len(t) > 1 for t in types if "MaxPool" not in t and "MaxPoolGrad" not in t), types
    assert any("Relu" in t for t in types) and any("Mul" in t for t in types), types
    steps = run.plan.steps
    assert [[op.type for op in isl.ops] for isl in jit.find_islands(steps, run.plan._jit_args[0])] == types
    np.testing.assert_allclose(out["always"], out["0"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ksize, strides, padding", [(2, 2, "VALID"), (3, 2, "SAME"), (2, 2, "SAME"), (3, 1, "SAME"),
                                                      (3, 2, "VALID")])
def test_max_pool_gradient_in_an_island_routes_exactly_as_the_kernel(monkeypatch, jit_on, ksize, strides, padding):
    """NHWC windows, tiling the input (2x2 of stride 2) or not (overlapping, padded, odd sizes): the island's loop
    (runtime/jitlib.py), and the kernel calling it, give the kernel's result bit for bit, ties going to the first
    maximum in row-major window order and an element shared by windows summing their parts in the kernel's order;
    each an island of its own (`OpDef.jit_alone`; each saves passes)."""
    x = tf.placeholder(tf.float32, (None, 6, 7 if padding == "SAME" and ksize == 2 else 8, 3))
    y = tf.nn.max_pool(x, [1, ksize, ksize, 1], [1, strides, strides, 1], padding)
    g = tf.placeholder(tf.float32, (None, *y.shape.as_list()[1:]))
    dx = tf.gradients(y, x, grad_ys=g)[0]
    rng = np.random.default_rng(5)
    xb = rng.integers(-2, 3, (2, *x.shape.as_list()[1:])).astype(np.float32)  # many ties
    gb = rng.standard_normal((2, *g.shape.as_list()[1:])).astype(np.float32)
    gb[0, 0, 0, 0] = np.inf  # inf times "not the maximum" is nan, as in the kernel
    xb[1, :2, :2, 1] = -np.inf  # a window of -inf: padding before it (-inf too) holds its first maximum
    out = {}
    for mode, loops in _KERNEL_MODES:
        monkeypatch.setenv("GRAPHGRAD_JIT", mode)
        _kernels_use_loops(monkeypatch, loops)
        with tf.Session() as sess:
            run = sess.make_callable(dx, [x, g])
            out[mode, loops] = [run(xb, gb) for _ in range(3)][-1]
            types = [[op.type for op in isl.ops] for isl in run.plan.islands]
            assert (["MaxPool"] in types and ["MaxPoolGrad"] in types) == (mode == "always")
    for key in _KERNEL_MODES[1:]:
        np.testing.assert_array_equal(out[key], out["0", False])
    assert np.isnan(out["0", False]).any()


def test_islands_of_rank_4_arrays_compile_at_o2_and_of_matrices_at_o3(monkeypatch, jit_on):
    """An island over 4-D arrays compiles with LLVM at O2 (jit.ISLAND_OPT: at O3 the DCGAN's AddN and two TanhGrads
    took 76 s), one over matrices at Numba's O3 (10 % faster on W1); the level is Numba's again afterwards, and a
    NUMBA_OPT the user set is kept."""
    from numba.core import config
    from numba.core.dispatcher import Dispatcher

    from graphgrad.runtime import jit

    levels = {}
    compile_ = Dispatcher.compile

    def noting(self, sig):
        if self.py_func.__name__ == "island":
            levels[max(getattr(t, "ndim", 0) for t in sig)] = int(config.OPT)
        return compile_(self, sig)

    monkeypatch.setattr(Dispatcher, "compile", noting)
    monkeypatch.delenv("NUMBA_OPT", raising=False)
    default = int(config.OPT)
    rng = np.random.default_rng(0)
    for shape in ((2, 3, 4, 5), (6, 7)):
        a, b = tf.placeholder(tf.float32, shape), tf.placeholder(tf.float32, shape)
        y = tf.tanh(a) * b + (1.0 - a * a)
        av, bv = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
        with tf.Session() as sess:
            run = sess.make_callable(y, [a, b])
            out = [run(av, bv) for _ in range(3)][-1]
            assert run.plan.islands and jit.deep(run.plan.islands, run.plan._jit_args[0]) == (len(shape) == 4)
        np.testing.assert_allclose(out, np.tanh(av) * bv + (1 - av * av), rtol=1e-5, atol=1e-6)
    assert levels == {4: jit.ISLAND_OPT, 2: default} and int(config.OPT) == default
    monkeypatch.setenv("NUMBA_OPT", str(default))
    with jit.compiling():
        assert int(config.OPT) == default


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("n", [1, 8, 11])
@pytest.mark.parametrize("known_k", [False, True])
def test_a_small_products_unrolled_template_gives_the_loops_numbers_bit_for_bit(ta, tb, n, known_k):
    # each row's columns summed in accumulators, 8 at a time (11: a group of 8 and one of 3); the same terms in
    # the same order as runtime/jitlib.py's matmul, so the same numbers, and a size mismatch raises as it does
    from textwrap import indent

    from numba import njit

    from graphgrad.ops.matmul_ops import _unrolled_product
    from graphgrad.runtime import jitlib
    m, k = 13, 6
    template = _unrolled_product(".T" if ta else "", ".T" if tb else "", k if known_k else None, n)
    funcs = {}
    for dtype in (np.float32, np.float64):
        body = template.format(i0="a", i1="b", o0="out", u="_u_", T=f"np.{np.dtype(dtype).name}")
        ns = {"np": np}
        exec("def product(a, b):\n" + indent(body, "    ") + "\n    return out\n", ns)  # noqa: S102
        funcs[dtype] = njit(error_model="numpy")(ns["product"])
        rng = np.random.default_rng(n)
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
        got = funcs[dtype](a, b)
        expected = jitlib.matmul(a.T if ta else a, b.T if tb else b)
        assert got.dtype == dtype and got.shape == (m, n)
        assert np.array_equal(got, expected)
        np.testing.assert_allclose(got, (a.T if ta else a) @ (b.T if tb else b), rtol=1e-5, atol=1e-5)
    a = np.ones((m + 1, k + 1) if ta else (m, k + 1), np.float32)  # one more term than b has
    with pytest.raises(ValueError, match="size-incompatible"):
        funcs[np.float32](a, np.ones((n, k) if tb else (k, n), np.float32))


def test_small_products_in_an_island_are_written_out_with_known_columns(jit_on):
    g = tf.Graph()
    with g.as_default():
        x, y, loss, train, _ = _mlp("logloss", OPTIMIZERS["sgd"]())
        init = tf.global_variables_initializer()
    with tf.Session(graph=g) as sess:
        sess.run(init)
        feeds = next(_batches("logloss"))
        run = sess.make_callable([train, loss], [x, y])
        run(*feeds)
        run(*feeds)
        assert run.plan.islands and not run.plan.jit_failures
    source = "\n".join(open(f).read() for f in glob.glob(os.path.join(jit_on, "graphgrad_island_*.py")))
    # the forward products (4x16, 16x8, 8x1 weights), dX and dW: accumulators, no loop storing every term
    assert source.count("_s0 = np.float32(0)") >= 7, source
    assert "_lib.matmul(" not in source
