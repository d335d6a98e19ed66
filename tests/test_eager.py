"""Eager execution (docs/eager.md): ops run as they are called on the same op definitions as graphs; GradientTape
replays the ops' own gradient rules; tf.function traces into a compiled plan; optimizers run eagerly."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode
from graphgrad.eager.context import context

RNG = np.random.default_rng(3)
A = RNG.normal(size=(4, 3)).astype(np.float32)
B = RNG.normal(size=(3, 5)).astype(np.float32)
V = RNG.normal(size=(5,)).astype(np.float32)
P = RNG.uniform(0.1, 2.0, size=(4, 3)).astype(np.float32)
LABELS = np.eye(5, dtype=np.float32)[[0, 2, 4, 1]]


@pytest.fixture
def eager():
    with eager_mode():
        yield


# name -> (function of tensors, the arrays it takes)
OPS = {
    "matmul": (lambda a, b: tf.matmul(a, b), [A, B]),
    "add_broadcast": (lambda a, v: tf.matmul(a, tf.ones([3, 5])) + v, [A, V]),
    "operators": (lambda a, p: (a * 2.0 - p) / (p + 1.0) ** 2, [A, P]),
    "reduce_sum_axis": (lambda a: tf.reduce_sum(a, axis=1, keepdims=True), [A]),
    "reduce_mean": (lambda a: tf.reduce_mean(a), [A]),
    "reduce_max": (lambda a: tf.reduce_max(a, axis=0), [A]),
    "relu_tanh_sigmoid": (lambda a: tf.nn.relu(a) + tf.tanh(a) * tf.sigmoid(a), [A]),
    "softmax_xent": (lambda y, z: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z),
                     [LABELS, A @ B]),
    "sigmoid_xent": (lambda y, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
                     [LABELS[:, :3], A]),
    "transpose_reshape": (lambda a: tf.reshape(tf.transpose(a), [2, 6]), [A]),
    "slice_concat": (lambda a: tf.concat([a[1:3], a[:1] * 2.0], axis=0), [A]),
    "log_exp_sqrt": (lambda p: tf.log(p) + tf.exp(-p) + tf.sqrt(p), [P]),
    "argmax_cast": (lambda a: tf.cast(tf.argmax(a, axis=1), tf.float32), [A]),
    "where_greater": (lambda a, p: tf.where(a > 0.0, a, p), [A, P]),
}


def _graph_value(fn, arrays):
    with tf.Graph().as_default():
        phs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape) for a in arrays]
        out = fn(*phs)
        with tf.Session() as s:
            return s.run(out, dict(zip(phs, arrays)))


@pytest.mark.parametrize("name", OPS)
def test_eager_values_equal_graph_mode(name, eager):
    fn, arrays = OPS[name]
    expected = _graph_value(fn, arrays)
    got = fn(*[tf.constant(a) for a in arrays])
    assert isinstance(got, tf.EagerTensor)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-6)
    assert got.numpy().dtype == np.asarray(expected).dtype
    assert got.shape.as_list() == list(np.shape(expected))


def test_eager_tensor_protocols(eager):
    assert tf.executing_eagerly()
    x = tf.constant([1.0, 2.0])
    assert str(x) == "tf.Tensor([1. 2.], shape=(2,), dtype=float32)"
    assert repr(x) == "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert str(tf.constant(3)) == "tf.Tensor(3, shape=(), dtype=int32)"
    assert x.dtype == tf.float32 and x.shape == tf.TensorShape([2])
    assert np.asarray(x).tolist() == [1.0, 2.0]
    assert (np.ones(2, np.float32) + x).numpy().tolist() == [2.0, 3.0]  # NumPy on the left defers to the tensor
    assert float(tf.reduce_sum(x)) == 3.0 and len(x) == 2 and [float(v) for v in x] == [1.0, 2.0]
    assert bool(tf.constant(True)) and f"{tf.constant(1.5):.2f}" == "1.50"
    assert (tf.reshape(x, [1, 2]) @ tf.reshape(x, [2, 1])).numpy().tolist() == [[5.0]]


def test_eager_is_scoped(eager):
    assert tf.executing_eagerly()
    with tf.Graph().as_default():
        assert not tf.executing_eagerly()
        assert isinstance(tf.constant(1.0), tf.Tensor) and not isinstance(tf.constant(1.0), tf.EagerTensor)
    assert tf.executing_eagerly()


def test_graph_mode_after_eager_block():
    with eager_mode():
        pass
    assert not tf.executing_eagerly()
    assert not isinstance(tf.constant(1.0), tf.EagerTensor)


def test_shape_errors_match_graph_mode(eager):
    with pytest.raises(ValueError, match=r"with input shapes: \[4,3\], \[4,3\]"):
        tf.matmul(tf.constant(A), tf.constant(A))
    with pytest.raises(TypeError, match="float32"):
        tf.constant(A) + tf.constant(np.ones((4, 3), np.int32))


def test_graph_only_calls_name_what_to_do(eager):
    with pytest.raises(RuntimeError, match=r"tf.placeholder\(\) is not compatible with eager execution"):
        tf.placeholder(tf.float32, [2])
    x = tf.constant([1.0])
    with pytest.raises(RuntimeError, match="tf.gradients is not supported when eager execution is enabled. "
                                           "Use tf.GradientTape instead."):
        tf.gradients(x * x, x)
    with pytest.raises(RuntimeError, match="tf.Session is not compatible with eager execution"):
        tf.Session()
    with tf.Graph().as_default() as g:
        y = tf.constant(1.0)
    with tf.Session(graph=g) as s, pytest.raises(RuntimeError, match="already computed"):
        s.run(x)
    assert tf.Session(graph=g).run(y) == 1.0


def test_variables_hold_their_values(eager):
    v = tf.Variable([1.0, 2.0], name="v")
    assert v.name == "v:0" and v.numpy().tolist() == [1.0, 2.0]
    r = v.read_value()
    v.assign_add([1.0, 1.0])
    assert v.numpy().tolist() == [2.0, 3.0] and r.numpy().tolist() == [1.0, 2.0]  # a read is a snapshot
    v.assign([5.0, 6.0])
    v.assign_sub(tf.constant([1.0, 1.0]))
    assert (v * 2.0).numpy().tolist() == [8.0, 10.0]
    w = tf.get_variable("w", [2, 2], initializer=tf.ones_initializer())
    assert w.numpy().tolist() == [[1, 1], [1, 1]]
    assert "numpy=array([4., 5.]" in repr(v)


def test_reads_of_a_big_variable_share_its_buffer_until_a_write_and_stay_snapshots(eager):
    from graphgrad.eager.context import context
    from graphgrad.eager.shared_reads import SHARE_FROM
    n = int(np.ceil(np.sqrt(SHARE_FROM / 4))) + 1
    ones = np.ones((n, n), np.float32)
    ctx = context()
    v = tf.Variable(np.zeros((n, n), np.float32))

    def buf():
        return ctx.variables[v._handle_op]
    r1 = v.read_value()
    held = r1.numpy()
    assert np.shares_memory(held, buf())  # no copy
    with pytest.raises(ValueError, match="read-only"):
        held[0, 0] = 1.0
    a = v.assign_add(ones)  # r1 is alive: the variable gets a copy to write into
    assert held[0, 0] == 0.0 and a.numpy()[0, 0] == 1.0 and not np.shares_memory(held, buf())
    part = v.read_value().numpy()[2:4, ::3]  # a view of a read outlives its tensor, and keeps it a snapshot
    v.assign_add(ones)
    assert part[0, 0] == 1.0 and v.numpy()[0, 0] == 2.0 and held[0, 0] == 0.0
    assert a.numpy()[0, 0] == 2.0  # an update's result shows the current value, as TF's assign_add result
    del r1, held, part

    same, moved = buf(), ctx.replacements
    with tf.GradientTape() as tape:  # a training step: its reads are gone by the time the update writes
        loss = tf.reduce_sum(v * 2.0)
    g = tape.gradient(loss, v)
    v.assign_sub(g * 0.5)  # (`loss` and `tape` are still held)
    assert buf() is same and ctx.replacements == moved and v.numpy()[0, 0] == 1.0 and loss.numpy() > 0

    with tf.GradientTape(persistent=True) as tape:  # a persistent tape holds its read: the write copies
        loss = tf.reduce_sum(v * v)
    v.assign_add(ones)
    assert buf() is not same and v.numpy()[0, 0] == 2.0
    assert tape.gradient(loss, v).numpy()[0, 0] == 2.0  # d(v*v) at the value read, 1.0
    r = v.read_value()
    v.load(np.full((n, n), 7.0, np.float32))  # `load` writes in place too
    assert r.numpy()[0, 0] == 2.0 and v.numpy()[0, 0] == 7.0


def test_sharing_says_whether_owning_a_variable_has_anything_to_do(eager, monkeypatch):
    """tf.function calls skip their per-variable `own` while no read shares a buffer (small reads are copies)."""
    import weakref

    from graphgrad.eager import shared_reads
    from graphgrad.eager.shared_reads import SHARE_FROM, sharing
    monkeypatch.setattr(shared_reads, "_readers", weakref.WeakKeyDictionary())  # (earlier tests' reads)
    n = int(np.ceil(np.sqrt(SHARE_FROM / 4))) + 1
    small, big = tf.Variable(np.zeros(3, np.float32)), tf.Variable(np.ones((n, n), np.float32))
    small.read_value()
    assert not sharing()
    r = big.read_value()
    assert sharing()

    @tf.function
    def bump():
        big.assign_add(tf.ones((n, n)))
        return tf.reduce_sum(big)
    assert bump().numpy() == 2 * n * n and r.numpy()[0, 0] == 1.0 and not sharing()


def test_a_tf_function_writing_a_big_variable_leaves_eager_reads_as_they_were(eager):
    from graphgrad.eager.shared_reads import SHARE_FROM
    n = int(np.ceil(np.sqrt(SHARE_FROM / 4))) + 1
    v = tf.Variable(np.zeros((n, n), np.float32))

    @tf.function
    def bump():
        v.assign_add(tf.ones((n, n)))
        return tf.reduce_sum(v)
    assert bump().numpy() == n * n
    r = v.read_value()
    assert bump().numpy() == 2 * n * n
    assert r.numpy()[0, 0] == 1.0 and v.numpy()[0, 0] == 2.0
    del r
    assert bump().numpy() == 3 * n * n and v.read_value().numpy()[0, 0] == 3.0


def test_an_eager_variable_s_buffer_and_kernels_go_with_the_variable(eager):
    import gc

    from graphgrad.eager.context import context, eager_graph
    store, handles, opt = context().variables, [], tf.train.AdamOptimizer(0.1)

    def bound(h):  # the eager graph's and the kernel cache's kernels bound to handle op h
        g = eager_graph()
        keys = list(g._entries) + [k[:2] + k[2] for k in g._kernels._bound]  # (the cache's inputs: a tuple)
        return [k for k in keys if ("ref", h) in k]
    for _ in range(5):  # a model made again and again (TF1's eager get_variable makes one at every call)
        w = tf.Variable(np.zeros((256, 256), np.float32))
        w.assign_add(np.ones((256, 256), np.float32))
        opt.apply_gradients([(tf.ones((256, 256)), w)])  # Adam's update kernel keeps scratch buffers
        handles.append(w._handle_op)
    assert handles[-1] in store and bound(handles[-1])
    del w
    opt = None
    gc.collect()
    assert not any(h in store for h in handles)
    assert not any(bound(h) for h in handles)


def test_big_products_reuse_a_dropped_result_s_memory_within_a_bound(eager, monkeypatch):
    import weakref

    from graphgrad.eager import context as eager_context
    a = tf.constant(np.ones((600, 600), np.float32))
    b = tf.constant(np.full((600, 600), 2.0, np.float32))
    held = tf.matmul(a, b).numpy()
    r1 = tf.matmul(a, b * 2.0)  # `held` is alive: a new array
    assert held[0, 0] == 1200.0 and r1.numpy()[0, 0] == 2400.0 and not np.shares_memory(held, r1.numpy())
    last = weakref.ref(r1.numpy())
    del r1
    with tf.GradientTape() as tape:
        tape.watch(b)
        r2 = tf.matmul(a, b * 3.0)  # into r1's array, which nobody holds now
        loss = tf.reduce_sum(r2)
    assert r2.numpy() is last() and r2.numpy()[0, 0] == 3600.0 and held[0, 0] == 1200.0
    np.testing.assert_allclose(tape.gradient(loss, b).numpy(), np.full((600, 600), 1800.0))
    kept = eager_context._kept
    monkeypatch.setattr(kept, "limit", 3 * 600 * 600 * 4)
    for n in (600, 601, 602, 603, 604):  # products of new shapes: the least recently used are dropped
        tf.matmul(tf.ones((n, 600)), b)
    assert sum(x.nbytes for x in kept._local.bufs.values()) <= kept.limit


def _compile_after_three_runs(monkeypatch):
    """Islands on (the suite's default is off: tests/conftest.py), judged after three runs, whatever they took."""
    for name, value in (("GRAPHGRAD_JIT", "1"), ("GRAPHGRAD_JIT_AFTER", "3"), ("GRAPHGRAD_JIT_AFTER_S", "0")):
        monkeypatch.setenv(name, value)


def _fresh_compile_clock(monkeypatch):
    """eager/context.py's compile clock as at the start of a process (restored after the test)."""
    from graphgrad.eager import context as eager_context
    for name, value in (("due", True), ("calls", 0), ("seconds", 0.0), ("convolutions", False)):
        monkeypatch.setattr(eager_context._CompileClock, name, value)


@pytest.mark.cpu_only("the GEMM pool runs on the CPU backend only")
def test_an_eager_training_loop_starts_the_gemm_pool_as_a_plan_would(monkeypatch, two_blas_threads):
    """A CNN trained eagerly with Adam (a convolution of 24 input channels, a dense weight of 2²⁰ elements): once its
    convolutions have run as many times and as long as a plan runs before compiling its islands, the GEMM pool
    starts; the convolution then runs as the pool's passes (no patch matrix: its gradient
    builds what it needs) and the update over the pool. Losses and weights stay those of the run without the pool,
    within float rounding (the filter gradient sums its images in blocks). With islands off it never starts, nor
    for big products alone."""
    from graphgrad.eager import context as eager_context
    from graphgrad.runtime import gemm_pool, jit

    if not gemm_pool.wanted():
        pytest.skip("the GEMM pool needs Numba, a BLAS it can call and two cores")
    _compile_after_three_runs(monkeypatch)
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal((8, 10, 10, 24)).astype(np.float32)
    w0 = (rng.standard_normal((3, 3, 24, 16)) * 0.1).astype(np.float32)
    d0 = (rng.standard_normal((1600, 656)) * 0.01).astype(np.float32)  # 1,049,600 elements: a pooled update
    labels = rng.integers(0, 656, 8)

    def train(steps=6):
        _fresh_compile_clock(monkeypatch)
        with eager_mode():
            w, d = tf.Variable(w0), tf.Variable(d0)
            opt = tf.train.AdamOptimizer(0.01)
            losses = []
            for _ in range(steps):
                with tf.GradientTape() as tape:
                    h = tf.nn.relu(tf.nn.conv2d(tf.constant(x0), w, [1, 1, 1, 1], "SAME"))
                    logits = tf.matmul(tf.reshape(h, [8, 1600]), d)
                    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                                         logits=logits))
                opt.apply_gradients(zip(tape.gradient(loss, [w, d]), [w, d]))
                losses.append(loss.numpy())
            return losses, w.numpy(), d.numpy()

    losses, w, d = train()
    assert gemm_pool.started()
    tasks = gemm_pool._state[0][21]  # gemm_pool_kernels.TASK
    more = train(2)
    assert gemm_pool._state[0][21] > tasks  # its passes and updates ran over the pool
    gemm_pool.stop()
    monkeypatch.setattr(eager_context._CompileClock, "due", True)
    with eager_mode():
        for _ in range(5):
            tf.matmul(tf.constant(x0.reshape(-1, 240)[:, :200]), tf.constant(d0[:200, :300]))
    assert not gemm_pool.started()
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    assert not jit.jit_default()
    plain_losses, plain_w, plain_d = train()
    assert not gemm_pool.started()
    np.testing.assert_allclose(losses, plain_losses, rtol=1e-5)
    np.testing.assert_allclose(w, plain_w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(d, plain_d, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(more[0], plain_losses[:2], rtol=1e-5)


@pytest.mark.cpu_only("compiled updates run on the CPU backend only")
def test_an_eager_adam_loop_loads_its_compiled_update_as_a_plan_would(monkeypatch):
    """An MLP trained eagerly with Adam: once its updates of variables of HERE_FROM elements or more (a dozen NumPy
    passes each) have run as many times and as long as a plan runs before compiling its islands, Numba is loaded
    and those updates run their rule compiled as one loop (`gemm_pool.update_here`), smaller ones their NumPy
    kernel; the weights are bit for bit those of the NumPy kernels."""
    from graphgrad.eager import context as eager_context
    from graphgrad.runtime import context, gemm_pool, jit

    if not jit.numba_available():
        pytest.skip("needs Numba")
    _compile_after_three_runs(monkeypatch)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((32, 97)).astype(np.float32)
    labels = rng.integers(0, 13, 32)
    inits = [(rng.standard_normal((97, 83)) * 0.1).astype(np.float32),  # 8051 elements: compiled
             (rng.standard_normal((83, 13)) * 0.1).astype(np.float32)]  # 1079: NumPy's kernel
    ran = []
    here = gemm_pool.update_here
    monkeypatch.setattr(gemm_pool, "update_here", lambda *a: ran.append(a[1][0].size) or here(*a))

    def train():
        _fresh_compile_clock(monkeypatch)
        with eager_mode():
            ws = [tf.Variable(w) for w in inits]
            opt = tf.train.AdamOptimizer(0.01)
            for _ in range(8):
                with tf.GradientTape() as tape:
                    logits = tf.matmul(tf.nn.relu(tf.matmul(tf.constant(x), ws[0])), ws[1])
                    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                                         logits=logits))
                opt.apply_gradients(zip(tape.gradient(loss, ws), ws))
            return [w.numpy() for w in ws]

    compiled = train()
    assert not eager_context._CompileClock.due and "graphgrad.runtime.jitlib" in sys.modules
    assert ran and set(ran) == {97 * 83}  # the big one, after the clock ran out
    ran.clear()
    monkeypatch.setattr(context.RunContext, "compiled_update", lambda *a: None)
    plain = train()
    assert not ran
    for got, want in zip(compiled, plain):
        np.testing.assert_array_equal(got, want)


def test_random_ops_honour_seeds(eager):
    tf.set_random_seed(7)
    a = [tf.random_normal([3]).numpy() for _ in range(2)] + [tf.random_uniform([2, 2]).numpy()]
    assert not np.array_equal(a[0], a[1])  # one stream: successive calls differ
    tf.set_random_seed(7)
    b = [tf.random_normal([3]).numpy() for _ in range(2)] + [tf.random_uniform([2, 2]).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c1 = tf.random_normal([3], seed=5).numpy()
    tf.set_random_seed(7)
    np.testing.assert_array_equal(tf.random_normal([3], seed=5).numpy(), c1)


def test_print_prints_when_called(eager, capsys):
    x = tf.constant([1.0, 2.0])
    y = tf.Print(x, [x], message="x is ")
    assert y.numpy().tolist() == [1.0, 2.0]
    assert "x is [1 2]" in capsys.readouterr().err


def test_eager_mode_leaves_no_trace_between_tests():
    assert not tf.executing_eagerly()
    assert not context().variables or True  # the eager context outlives blocks; graph mode never reads it


def test_the_readme_example_runs(capsys):
    """The 10-line eager example of README.md and docs/eager.md, run as written (in an eager block)."""
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    code = next(c for c in re.findall(r"```python\n(.*?)```", readme, re.S) if "enable_eager_execution" in c)
    with eager_mode():
        exec(compile(code, "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("tf.Tensor(") for line in lines)
    values = [float(line[len("tf.Tensor("):].split(",")[0]) for line in lines]
    assert values[0] > values[1] > values[2]


def test_cond_and_while_loop_run_as_python_on_the_values(eager):
    """As TF executing eagerly: tf.cond calls only the branch the value picks; tf.while_loop calls the body while
    the condition holds (and fewer than maximum_iterations times); a tape differentiates through both."""
    calls = []

    def branch(v):
        calls.append(v)
        return tf.constant(v)
    assert tf.cond(tf.constant(True), lambda: branch(1), lambda: branch(2)).numpy() == 1 and calls == [1]
    assert tf.cond(False, lambda: [tf.constant(1)], lambda: [tf.constant(2)]).numpy() == 2  # a one-item list: unpacked
    assert tf.cond(False, lambda: [1], lambda: [2], strict=True) == [2]
    assert tf.while_loop(lambda i: i < 5, lambda i: i + 1, [tf.constant(0)]).numpy() == 5
    i, a = tf.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a * 2.0), (0, 1.0))
    assert (i.numpy(), a.numpy()) == (5, 32.0) and i.dtype == tf.int32 and a.dtype == tf.float32
    assert tf.while_loop(lambda i: i < 50, lambda i: i + 1, [0], maximum_iterations=7).numpy() == 7
    same = tf.while_loop(lambda i: i < 2, lambda i: [i + 1], [0], return_same_structure=True)
    assert [t.numpy() for t in same] == [2]
    with pytest.raises(TypeError, match="after one iteration"):
        tf.while_loop(lambda i: i < 2, lambda i: tf.cast(i, tf.float32) + 1.0, [0])
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.cond(x > 2.0, lambda: x * x, lambda: x)
        z = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, tf.constant(1.0)])[1]
    assert (y.numpy(), z.numpy()) == (9.0, 27.0)
    assert tape.gradient([y, z], x).numpy() == 6.0 + 27.0


def test_tensor_arrays_and_map_fn_scan_fold_run_eagerly_with_gradients(eager):
    x = tf.Variable([1.0, 2.0, 3.0])
    assert tf.map_fn(lambda v: v * 2, tf.constant([1, 2, 3])).numpy().tolist() == [2, 4, 6]
    assert tf.scan(lambda a, v: a + v, tf.constant([1, 2, 3])).numpy().tolist() == [1, 3, 6]
    assert tf.foldl(lambda a, v: a + v, tf.constant([1, 2, 3])).numpy() == 6
    assert tf.foldr(lambda a, v: a * 10 + v, tf.constant([1, 2, 3])).numpy() == 321
    ta = tf.TensorArray(tf.float32, size=3).write(0, 1.0).write(1, 2.0).write(2, 5.0)
    assert ta.stack().numpy().tolist() == [1.0, 2.0, 5.0] and ta.read(2).numpy() == 5.0 and ta.size().numpy() == 3
    with pytest.raises(tf.errors.InvalidArgumentError, match="already been written"):
        ta.write(0, 3.0)
    with tf.GradientTape(persistent=True) as tape:
        squares = tf.reduce_sum(tf.map_fn(lambda v: v * v, x))
        products = tf.reduce_sum(tf.scan(lambda a, v: a * v, x))  # 1 + 1*2 + 1*2*3
        arr = tf.TensorArray(tf.float32, size=2).write(0, x * 2.0).write(1, x * x)
        both = tf.reduce_sum(arr.stack()) + tf.reduce_sum(arr.read(1))
    assert tape.gradient(squares, x).numpy().tolist() == [2.0, 4.0, 6.0]
    assert tape.gradient(products, x).numpy().tolist() == [9.0, 4.0, 2.0]
    assert tape.gradient(both, x).numpy().tolist() == [6.0, 10.0, 14.0]


def test_datasets_map_filter_and_flat_map_functions_run_eagerly(eager):
    """A dataset's functions are traced into a graph of their own (TF traces them too), so `map`, `filter`,
    `flat_map` and `interleave` work while executing eagerly, eager tensors captured as constants."""
    scale = tf.constant(3, tf.int64)
    ds = tf.data.Dataset.from_tensor_slices(np.arange(5)).map(lambda v: v * scale).filter(lambda v: v > 0).batch(2)
    assert [b.numpy().tolist() for b in ds] == [[3, 6], [9, 12]]
    flat = tf.data.Dataset.range(3).flat_map(lambda v: tf.data.Dataset.from_tensors(v).repeat(2))
    assert [int(b) for b in flat.as_numpy_iterator()] == [0, 0, 1, 1, 2, 2]
    pairs = tf.data.Dataset.from_tensor_slices((np.arange(4.0), np.arange(4))).map(lambda a, b: (a * 2, b + 1))
    a, b = next(iter(pairs.batch(4)))
    assert a.numpy().tolist() == [0.0, 2.0, 4.0, 6.0] and b.numpy().tolist() == [1, 2, 3, 4]
    it = tf.contrib.eager.Iterator(tf.data.Dataset.range(4).map(lambda v: tf.py_func(lambda q: q * 10, [v], tf.int64)))
    assert [int(x) for x in it] == [0, 10, 20, 30]


def test_saver_saves_and_restores_eager_variables_with_sess_none(eager, tmp_path):
    v = tf.Variable([1.0, 2.0], name="sv")
    w = tf.Variable(np.ones((2, 2), np.float32), name="w")
    step = tf.Variable(7, name="step")
    saver = tf.train.Saver([v, w])
    path = saver.save(None, str(tmp_path / "m"), global_step=step)
    assert path.endswith("m-7") and not (tmp_path / "m-7.meta").exists()  # no graph to export eagerly
    assert tf.train.list_variables(path) == [("sv", [2]), ("w", [2, 2])]
    v.assign([0.0, 0.0])
    w.assign(np.zeros((2, 2), np.float32))
    saver.restore(None, path)
    assert v.numpy().tolist() == [1.0, 2.0] and w.numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(RuntimeError, match="var_list` must specify"):
        tf.train.Saver()
    with tf.Graph().as_default(), tf.Session() as sess:  # a graph program restores what the eager one saved
        g = tf.Variable([0.0, 0.0], name="sv")
        tf.train.Saver([g]).restore(sess, path)
        assert sess.run(g).tolist() == [1.0, 2.0]
