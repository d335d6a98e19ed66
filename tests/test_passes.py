"""The plan compiler's graph passes (runtime/passes.py): each pass on targeted graphs, the rules that keep
results identical (stateful ops, feeds, variables, control dependencies, fetched buffers), and equivalence of
representative graphs run with the passes on and off."""
import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import graphgrad as tf
from graphgrad.ops.core import apply_op
from graphgrad.ops.math_ops import Cast
from graphgrad.runtime.passes import PASSES


@pytest.fixture(autouse=True)
def _passes_on(monkeypatch):
    """These tests are about the passes: on even when the suite runs with GRAPHGRAD_OPTIMIZE=0."""
    monkeypatch.delenv("GRAPHGRAD_OPTIMIZE", raising=False)


def _plan(s, fetches, feed_dict=None):
    """Run once and return the plan compiled for this signature (the session caches it)."""
    s.run(fetches, feed_dict)
    return list(s._plans.values())[-1][0]


def _types(plan):
    return [op.type for op in plan.steps]


def _both(fetches, feed_dict=None, runs=1, setup=None):
    """Results of `runs` runs in a session with the passes and in one without."""
    out = []
    for optimize in (True, False):
        s = tf.Session(optimize=optimize)
        if setup is not None:
            s.run(setup)
        out.append([s.run(fetches, feed_dict) for _ in range(runs)])
        s.close()
    return out


def _assert_same(a, b, exact=True):
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y, exact)
    elif isinstance(a, dict):
        for k in a:
            _assert_same(a[k], b[k], exact)
    elif a is None:
        assert b is None
    elif exact:
        np.testing.assert_array_equal(a, b)
        assert np.asarray(a).dtype == np.asarray(b).dtype
    else:
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# --- the switch and the stats ---------------------------------------------------------------------------------

def test_stats_count_ops_before_and_after_each_pass():
    x = tf.placeholder(tf.float32, (None, 3))
    y = tf.identity(x * (tf.constant(2.0) * 3.0))
    s = tf.Session()
    plan = _plan(s, y, {x: np.ones((2, 3))})
    assert list(plan.stats) == list(PASSES)
    counts = list(plan.stats.values())
    assert counts[0][0] == len(plan.ops) == 5  # Const, Const, mul, mul, Identity
    assert all(a[1] == b[0] for a, b in zip(counts, counts[1:]))  # each pass starts where the last ended
    assert counts[-1][1] == len(plan.steps) == 1 and _types(plan) == ["Mul"]
    assert plan.stats["fold"] == (5, 2) and plan.stats["simplify"] == (2, 1)
    assert "(folded)" in plan.source and "(Mul)" in plan.source


def test_optimize_false_and_env_var_turn_the_passes_off(monkeypatch):
    x = tf.placeholder(tf.float32, ())
    y = tf.identity(x * tf.constant(1.0))
    plan = _plan(tf.Session(optimize=False), y, {x: 2.0})
    assert plan.stats == {} and _types(plan) == ["Const", "Mul", "Identity"]
    monkeypatch.setenv("GRAPHGRAD_OPTIMIZE", "0")
    plan = _plan(tf.Session(), y, {x: 2.0})
    assert plan.stats == {} and len(plan.steps) == 3
    monkeypatch.setenv("GRAPHGRAD_OPTIMIZE", "1")
    plan = _plan(tf.Session(), y, {x: 2.0})
    assert plan.steps == []  # x * 1 is x, Identity is free: the run only returns the (copied) feed


# --- constant folding -----------------------------------------------------------------------------------------

@pytest.mark.numpy_kernels("NumPy's read-only flag on folded constants")
def test_constant_subgraphs_fold_once_and_stay_read_only():
    x = tf.placeholder(tf.float32, (2,))
    c = tf.exp(tf.constant([0.0, 1.0])) * 2.0 + tf.ones((2,))
    y = x * c
    s = tf.Session()
    plan = _plan(s, y, {x: [1.0, 1.0]})
    assert set(plan.rewrites["fold"]) == {c.op.name, c.op.inputs[0].op.name, "Exp"}
    assert _types(plan) == ["Mul"]
    (const,) = [v for k, v in plan._fn.__globals__.items() if k.startswith("c") and k[1:].isdigit()]
    assert not const.flags.writeable
    np.testing.assert_array_equal(s.run(y, {x: [1.0, 2.0]}), [1.0, 2.0] * (np.exp(np.float32([0, 1])) * 2 + 1))


@pytest.mark.cpu_semantics("on a GPU every fetch is a fresh host copy, so a fetched Const is writable")
def test_fetching_a_folded_tensor_gives_a_fresh_writable_array():
    c = tf.constant([1.0, 2.0]) * 3.0
    s = tf.Session()
    a = s.run(c)
    a += 100  # the user's array: the plan's constant must not change
    np.testing.assert_array_equal(s.run(c), [3.0, 6.0])
    assert s.run(c) is not s.run(c)
    k = tf.constant([5.0, 6.0])
    assert not s.run(k).flags.writeable  # a Const fetched directly is its read-only value, as without passes


def test_feeding_a_tensor_that_would_fold_uses_the_feed():
    a = tf.constant(2.0)
    b = a * 3.0
    c = b + 1.0
    s = tf.Session()
    assert s.run(c) == 7.0
    assert s.run(c, {b: 10.0}) == 11.0
    assert s.run(c, {a: 5.0}) == 16.0
    assert s.run(b, {b: 4.0}) == 4.0


@pytest.mark.numpy_kernels("bit for bit against NumPy's exp")
@pytest.mark.parametrize("optimize", [True, False])
def test_a_fetched_feed_outlives_its_consumers(optimize):
    x = tf.placeholder(tf.float32, (2,))
    s = tf.Session(optimize=optimize)
    a, b = s.run([x, tf.exp(x)], {x: [0.0, 1.0]})
    np.testing.assert_array_equal(a, [0.0, 1.0])
    np.testing.assert_array_equal(b, np.exp(np.float32([0, 1])))


@pytest.mark.numpy_kernels("NumPy's RuntimeWarnings; CUDA kernels warn of nothing")
def test_ops_that_fail_or_warn_are_not_folded():
    zero_div = tf.constant(1) // tf.constant(0)
    s = tf.Session()
    with pytest.raises(tf.errors.InvalidArgumentError):
        s.run(zero_div)
    log0 = tf.log(tf.constant(0.0))
    with pytest.warns(RuntimeWarning):
        assert s.run(log0) == -np.inf
    with pytest.warns(RuntimeWarning):
        plan = _plan(s, log0)  # warns on every run, as without the passes
    assert _types(plan) == ["Log"]


def test_stateful_ops_are_never_folded_or_merged():
    shape = tf.constant([3], tf.int32)
    r1 = tf.random_uniform(shape, seed=7)
    r2 = tf.random_uniform(shape, seed=7)
    s = tf.Session()
    plan = _plan(s, [r1, r2])
    assert _types(plan).count("RandomUniform") == 2
    a1, a2 = s.run([r1, r2])
    b1, _ = s.run([r1, r2])
    assert not np.array_equal(a1, b1)  # a new draw every run: not folded
    np.testing.assert_array_equal(a1, a2)  # two ops, same seed, same stream: as without the passes


def test_print_prints_once_per_run_and_twins_both_print():
    c = tf.constant([1.0, 2.0])
    p1 = tf.Print(c, [c], message="p: ")
    p2 = tf.Print(c, [c], message="p: ")
    s = tf.Session()
    s._ctx.stderr = out = io.StringIO()
    for _ in range(2):
        s.run(p1 + p2)
    assert out.getvalue().count("p: [1 2]") == 4


def test_assign_ops_run_and_copy_folded_values():
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, tf.constant(1.0) * 1.0)
    reset = tf.assign(v, tf.constant(2.0) * 5.0)
    s = tf.Session()
    s.run(v.initializer)
    s.run(inc)
    s.run(inc)
    assert s.run(v) == 2.0
    s.run(reset)
    s.run(inc)  # must not write into the folded constant 10.0
    s.run(reset)
    assert s.run(v) == 10.0


# --- common subexpressions ---------------------------------------------------------------------------------------

def test_cse_merges_equal_ops_and_equal_constants():
    x = tf.placeholder(tf.float32, (2, 3))
    w = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    a = tf.matmul(x, w) * 2.0
    b = tf.matmul(x, w) * 2.0  # separate Const ops for 2.0, equal values
    c = tf.matmul(x, w, transpose_b=False) * 2.0
    d = tf.matmul(x, tf.transpose(w), transpose_b=True)  # different attrs and inputs: kept
    s = tf.Session()
    feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3)}
    plan = _plan(s, [a, b, c, d], feed)
    assert len(plan.rewrites["cse"]) == 4  # two MatMul and two Mul merged into the first pair
    assert _types(plan).count("MatMul") == 2 and _types(plan).count("Mul") == 1
    ra, rb, rc, rd = s.run([a, b, c, d], feed)
    np.testing.assert_array_equal(ra, rb)
    np.testing.assert_array_equal(ra, rc)
    assert not np.shares_memory(ra, rb)  # two fetches, two arrays, as without the passes
    np.testing.assert_array_equal(rd, ra / 2)


def test_cse_compares_attributes_and_constant_bits():
    x = tf.placeholder(tf.float32, (2, 3))
    sums = [tf.reduce_sum(x, axis=0), tf.reduce_sum(x, axis=1), tf.reduce_sum(x, axis=0, keepdims=True)]
    shapes = [tf.reshape(x, [3, 2]), tf.reshape(x, [3, 2]), tf.reshape(x, [6])]
    signed = [x * 0.0, x * -0.0]
    s = tf.Session()
    feed = {x: -np.arange(6, dtype=np.float32).reshape(2, 3)}
    plan = _plan(s, sums + shapes + signed, feed)
    assert [(a.split("/")[-1], b) for a, b in plan.rewrites["cse"]] == [(shapes[1].op.name, shapes[0].op.name)]
    got = s.run(sums + shapes + signed, feed)
    assert np.signbit(got[-1]).tolist() != np.signbit(got[-2]).tolist()


def test_cse_does_not_merge_reads_across_a_variable_update():
    v = tf.Variable(1.0)
    before = v * 2.0
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        after = v * 2.0  # depends on the update: runs after it
    on, off = _both([before, after, inc], setup=tf.global_variables_initializer())
    _assert_same(on, off)
    assert on[0][:2] == [2.0, 4.0]


# --- algebraic simplification ------------------------------------------------------------------------------------

def test_free_aliases_and_neutral_elements_disappear():
    x = tf.placeholder(tf.float32, (None, 3))
    y = tf.identity(tf.stop_gradient(x))
    y = tf.placeholder_with_default(y, (None, 3))
    y = y * tf.ones((3,)) + tf.zeros((1, 3)) - tf.zeros(())
    flat = tf.reshape(y, [-1])
    y = tf.reshape(flat, [-1, 3])  # back to the shape before the chain of reshapes
    inner = tf.transpose(y)
    y = tf.transpose(inner)
    y = tf.reduce_sum(y, axis=[]) + tf.cast(x, tf.float32)
    y = tf.add_n([y])
    z = apply_op(Cast, [y], {"DstT": tf.float32, "SrcT": tf.float32})
    s = tf.Session()
    feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3)}
    plan = _plan(s, z, feed)
    assert _types(plan) == ["AddV2"]
    assert plan.rewrites["dead"] == [flat.op.name, inner.op.name]  # unused once the outer ops are aliases
    np.testing.assert_array_equal(s.run(z, feed), 2 * feed[x])


def test_reshape_to_its_own_static_shape_and_identity_transpose():
    x = tf.placeholder(tf.float32, (2, 3))
    y = tf.transpose(tf.reshape(tf.reshape(x, [6]), [2, 3]), [0, 1])
    s = tf.Session()
    plan = _plan(s, y * 2.0, {x: np.ones((2, 3))})
    assert _types(plan) == ["Mul"]
    assert plan.rewrites["dead"] == [y.op.inputs[0].op.inputs[0].op.name]  # the inner reshape, now unused


def test_neutral_elements_that_broadcast_are_kept():
    x = tf.placeholder(tf.float32, (3,))
    y = x * tf.ones((2, 3))        # the result is bigger than x
    z = x + tf.zeros((3,), tf.float32) * 1.0
    s = tf.Session()
    plan = _plan(s, [y, z], {x: [1.0, 2.0, 3.0]})
    assert _types(plan) == ["Mul"]
    a, b = s.run([y, z], {x: [1.0, 2.0, 3.0]})
    assert a.shape == (2, 3) and b.shape == (3,)


def test_a_fetched_alias_of_a_feed_is_a_fresh_array():
    x = tf.placeholder(tf.float32, (3,))
    y = x * 1.0
    arr = np.array([1.0, 2.0, 3.0], np.float32)
    out = tf.Session().run(y, {x: arr})
    np.testing.assert_array_equal(out, arr)
    assert not np.shares_memory(out, arr)


def test_simplification_keeps_a_snapshot_of_a_variable_before_its_update():
    v = tf.Variable([1.0, 2.0])
    copy = v * 1.0          # a copy made before the update
    inc = tf.assign_add(v, [10.0, 10.0])
    on, off = _both([copy, inc, v], setup=tf.global_variables_initializer())
    _assert_same(on, off)
    np.testing.assert_array_equal(on[0][0], [1.0, 2.0])


def test_gradient_shape_ops_with_unknown_batch_size_are_dropped():
    x = tf.placeholder(tf.float32, (None, 3))
    b = tf.Variable(np.ones(3, np.float32))
    y = tf.reduce_sum(tf.tanh(x + b) * x)
    gx, gb = tf.gradients(y, [x, b])
    s = tf.Session()
    s.run(b.initializer)
    feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3)}
    plan = _plan(s, [gx, gb], feed)
    assert _types(plan).count("SumToShape") == 1  # the one for b sums over the batch
    assert any("SumToShape" in n for n in plan.rewrites["simplify"])
    assert plan.rewrites["static_axes"]  # and reduces over axes known at compile time
    on, off = _both([gx, gb], feed, setup=b.initializer)
    _assert_same(on, off)


@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.lists(st.booleans(), min_size=3, max_size=3),
       st.integers(0, 3))
def test_neutral_elements_match_unoptimized_on_random_shapes(shape, unknown, rank_c):
    tf.reset_default_graph()
    static = [None if u else d for d, u in zip(shape, unknown)]
    x = tf.placeholder(tf.float32, static)
    cshape = [1 if i % 2 else d for i, d in enumerate(shape[len(shape) - min(rank_c, len(shape)):])]
    y = (x * tf.ones(cshape)) + tf.zeros(cshape) - tf.zeros(cshape)
    g = tf.gradients(tf.reduce_sum(y * y), x)[0]
    feed = {x: np.random.default_rng(0).standard_normal(shape).astype(np.float32)}
    on, off = _both([y, g], feed)
    _assert_same(on, off)


# --- dead ops, control dependencies -------------------------------------------------------------------------------

def test_control_dependencies_are_respected():
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        read = tf.identity(v)
        folded = tf.constant(2.0) * 3.0
    x = tf.placeholder(tf.float32, (2,))
    check = tf.check_numerics(x, "bad x")
    with tf.control_dependencies([check]):
        y = x * 2.0
    s = tf.Session()
    s.run(v.initializer)
    assert s.run(read) == 1.0
    assert s.run(folded) == 6.0 and s.run(v) == 2.0  # the folded op's control input still runs
    np.testing.assert_array_equal(s.run(y, {x: [1.0, 2.0]}), [2.0, 4.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="bad x"):
        s.run(y, {x: [np.nan, 1.0]})  # a check only reached through a control dependency still runs


def test_fetched_ops_and_unused_values():
    x = tf.placeholder(tf.float32, (2,))
    unused = tf.exp(x)
    with tf.control_dependencies([unused]):
        out = tf.identity(x)
    s = tf.Session()
    plan = _plan(s, [out, unused.op], {x: [1.0, 2.0]})
    assert _types(plan) == ["Exp"]  # a fetched op runs (and is a control input here)
    assert s.run(unused.op, {x: [1.0, 2.0]}) is None


# --- in-place fusion ---------------------------------------------------------------------------------------------

def _layer(act=tf.nn.relu, bias_add=False):
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    w = tf.Variable(np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32), name="w")
    b = tf.Variable(np.linspace(-1, 1, 5).astype(np.float32), name="b")
    z = tf.nn.bias_add(tf.matmul(x, w), b) if bias_add else tf.matmul(x, w) + b
    return x, w, b, z, act(z)


@pytest.mark.parametrize("act,bias_add", [(tf.nn.relu, False), (tf.nn.relu, True), (tf.tanh, False)])
def test_matmul_bias_activation_share_one_buffer(act, bias_add):
    x, w, b, z, h = _layer(act, bias_add)
    loss = tf.reduce_sum(h * h)
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    feed = {x: np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)}
    plan = _plan(s, [step, loss], feed)
    assert [z.op.inputs[0].op.name, z.op.name, h.op.name] in plan.rewrites["fuse"]
    assert plan.source.count("out=") >= 2
    on, off = _both([loss, step], feed, runs=4, setup=tf.global_variables_initializer())
    _assert_same(on, off, exact=False)


def test_conv_bias_relu_share_the_convolution_buffer_but_not_its_patch_matrix():
    """`Conv` has two outputs; only its result (`allocates = (0,)`) is fresh: the bias add and ReLU continue it
    in place, while the patch matrix, which the filter gradient reads, is never written into."""
    rng = np.random.default_rng(3)
    x = tf.placeholder(tf.float32, (None, 6, 6, 2), name="x")
    w = tf.Variable(rng.standard_normal((3, 3, 2, 4)).astype(np.float32), name="w")
    b = tf.Variable(np.linspace(-1, 1, 4).astype(np.float32), name="b")
    conv = tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")
    h = tf.nn.relu(conv + b)
    loss = tf.reduce_sum(h * h)
    step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    feed = {x: rng.standard_normal((2, 6, 6, 2)).astype(np.float32)}
    plan = _plan(s, [step, loss], feed)
    assert [conv.op.name, h.op.inputs[0].op.name, h.op.name] in plan.rewrites["fuse"]
    on, off = _both([loss, step], feed, runs=3, setup=tf.global_variables_initializer())
    _assert_same(on, off, exact=False)


def test_no_fusion_when_an_intermediate_is_fetched_or_shared():
    x, w, b, z, h = _layer()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    feed = {x: np.ones((2, 4), np.float32)}
    plan = _plan(s, [z, h], feed)
    assert plan.rewrites["fuse"] == [[z.op.inputs[0].op.name, z.op.name]]  # relu may not overwrite z
    zz, hh = s.run([z, h], feed)
    np.testing.assert_array_equal(hh, np.maximum(zz, 0))
    mm = z.op.inputs[0]
    plan = _plan(s, [h, mm * 2.0], feed)
    assert plan.rewrites["fuse"] == [] or all(mm.op.name not in c[:1] for c in plan.rewrites["fuse"])


def test_a_fetched_fused_result_is_not_overwritten_by_the_next_run():
    x, w, b, z, h = _layer()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    call = s.make_callable(h, [x])
    first = call(np.ones((2, 4), np.float32))
    keep = first.copy()
    call(np.full((2, 4), -3.0, np.float32))
    np.testing.assert_array_equal(first, keep)


# --- buffers kept across runs (reuse) -----------------------------------------------------------------------------

def _wide_mlp(width=160):
    """A ReLU MLP whose products are big enough (batch unknown, counted as 32) for the reuse pass."""
    rng = np.random.default_rng(4)
    x = tf.placeholder(tf.float32, (None, width), name="x")
    y = tf.placeholder(tf.int32, (None,), name="y")
    h = x
    for i, n_out in enumerate([width, width, 3]):
        w = tf.Variable(rng.standard_normal((h.shape[1].value, n_out)).astype(np.float32) * 0.2, name=f"w{i}")
        h = tf.matmul(h, w) + tf.Variable(np.zeros(n_out, np.float32), name=f"b{i}")
        if i < 2:
            h = tf.nn.relu(h)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
    step = tf.train.AdamOptimizer(0.01).minimize(loss)
    return x, y, h, loss, step


def _feed(x, y, n, seed):
    rng = np.random.default_rng(seed)
    return {x: rng.standard_normal((n, x.shape[1].value)).astype(np.float32), y: rng.integers(0, 3, n).astype(np.int32)}


def test_training_products_keep_their_buffers_and_results_stay_identical():
    x, y, h, loss, step = _wide_mlp()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    plan = _plan(s, [step, loss], _feed(x, y, 40, 0))
    kept = plan.rewrites["reuse"]
    assert "MatMul" in kept and "MatMul_1" in kept and "MatMul_2" not in kept  # logits: (None, 3), too small
    assert any(n.startswith("gradients/") for n in kept)
    assert plan.source.count("into a kept buffer") == len(kept)
    # several steps, with a batch size that changes in between (the buffer follows the shape)
    feeds = [_feed(x, y, n, i) for i, n in enumerate([40, 40, 17, 40, 64])]
    out = []
    for optimize in (True, False):
        sess = tf.Session(optimize=optimize)
        sess.run(tf.global_variables_initializer())
        out.append([sess.run([loss, step], f)[0] for f in feeds] + sess.run(tf.trainable_variables()))
    _assert_same(out[0], out[1])


def test_a_kept_buffer_is_the_same_memory_in_the_next_run():
    x, y, h, loss, step = _wide_mlp()
    s = tf.Session(device="cpu")  # a plan that runs its function every time (no CUDA-graph replay)
    s.run(tf.global_variables_initializer())
    plan = _plan(s, loss, _feed(x, y, 40, 0))
    assert "MatMul_1" in plan.rewrites["reuse"]
    ns = plan._fn.__globals__  # the generated function calls op i's kernel as global k<i>
    name = f"k{[op.name for op in plan.steps].index('MatMul_1')}"
    kernel, results = ns[name], []
    ns[name] = lambda a, b: results.append(kernel(a, b)) or results[-1]
    s.run(loss, _feed(x, y, 40, 1))
    s.run(loss, _feed(x, y, 40, 2))
    assert len(results) == 2 and results[0] is results[1]


@pytest.mark.parametrize("escape", ["fetch", "view_fetched", "unknown_reader"])
def test_a_product_that_can_leave_the_run_gets_a_new_buffer_every_run(escape):
    x = tf.placeholder(tf.float32, (None, 100))
    w = tf.Variable(np.eye(100, dtype=np.float32))
    p = tf.matmul(x, w)
    fetch = {"fetch": p, "view_fetched": tf.reshape(p, [-1]),
             "unknown_reader": tf.concat([p, p], axis=0)}[escape]
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    feed1 = {x: np.ones((64, 100), np.float32)}
    plan = _plan(s, fetch, feed1)
    assert plan.rewrites["reuse"] == []  # concat: not known to keep nothing, so treated like a fetch
    first = s.run(fetch, feed1)
    keep = first.copy()
    s.run(fetch, {x: np.full((64, 100), 7.0, np.float32)})
    np.testing.assert_array_equal(first, keep)


def test_small_products_and_other_dtypes_are_left_to_the_allocator():
    x = tf.placeholder(tf.float32, (None, 8))
    s = tf.Session()
    plan = _plan(s, tf.reduce_sum(tf.matmul(x, tf.ones((8, 8)))), {x: np.ones((32, 8), np.float32)})
    assert plan.rewrites["reuse"] == []


def test_threads_running_one_plan_each_get_their_own_buffers():
    import threading

    x, y, h, loss, step = _wide_mlp()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    run = s.make_callable(loss, [x, y])
    feeds = [_feed(x, y, 40 + i, i) for i in range(4)]
    expected = [run(f[x], f[y]) for f in feeds]
    errors = []

    def worker(i):
        for _ in range(30):
            got = run(feeds[i][x], feeds[i][y])
            if got != expected[i]:
                errors.append((i, got, expected[i]))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_errors_still_name_the_failing_op():
    x = tf.placeholder(tf.float32, (None,))
    y = tf.reshape(x * 2.0, [-1, 4], name="to_rows")
    s = tf.Session()
    with pytest.raises(tf.errors.InvalidArgumentError, match="to_rows"):
        s.run(y, {x: np.ones(3, np.float32)})


# --- equivalence on representative graphs -------------------------------------------------------------------------

def _mlp_adam():
    rng = np.random.default_rng(3)
    x = tf.placeholder(tf.float32, (None, 6))
    y = tf.placeholder(tf.int32, (None,))
    h = x
    for i, (n_in, n_out) in enumerate([(6, 8), (8, 8), (8, 3)]):
        w = tf.Variable(rng.standard_normal((n_in, n_out)).astype(np.float32) * 0.5, name=f"w{i}")
        b = tf.Variable(np.zeros(n_out, np.float32), name=f"b{i}")
        h = tf.matmul(h, w) + b
        if i < 2:
            h = tf.nn.relu(h) if i == 0 else tf.tanh(h)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
    step = tf.train.AdamOptimizer(0.01).minimize(loss)
    feed = {x: rng.standard_normal((5, 6)).astype(np.float32), y: np.array([0, 1, 2, 1, 0], np.int32)}
    return [step, loss] + tf.trainable_variables(), feed


def test_mlp_trained_with_adam_matches_unoptimized():
    fetches, feed = _mlp_adam()
    on, off = _both(fetches, feed, runs=5, setup=tf.global_variables_initializer())
    _assert_same(on, off, exact=False)
    assert on[-1][1] < on[0][1]  # it trains


def test_gradients_of_gradients_match_unoptimized():
    x = tf.placeholder(tf.float64, (None, 3))
    w = tf.constant(np.linspace(-1, 1, 6).reshape(3, 2))
    y = tf.reduce_sum(tf.square(tf.tanh(tf.matmul(x, w))) * tf.sigmoid(x[:, :2]))
    (g,) = tf.gradients(y, [x])
    (gg,) = tf.gradients(tf.reduce_sum(g * g), [x])
    feed = {x: np.linspace(-2, 2, 12).reshape(4, 3)}
    on, off = _both([y, g, gg], feed)
    _assert_same(on, off)


def test_op_families_match_unoptimized():
    x = tf.placeholder(tf.float32, (None, 4))
    k = tf.constant(np.arange(4, dtype=np.float32))
    m = tf.reshape(tf.range(8.0), [2, 4])
    outs = [
        tf.nn.softmax(x * 2.0 + k), tf.nn.log_softmax(x), tf.nn.sigmoid(x) * tf.ones_like(x),
        tf.reduce_max(x, axis=1, keepdims=True), tf.reduce_mean(x * x), tf.reduce_prod(m + 1.0, axis=0),
        tf.concat([x, tf.zeros_like(x)], axis=1), tf.stack([x, x * 1.0]), tf.transpose(x)[1:3],
        tf.gather(m, [1, 0, 1]), tf.one_hot(tf.argmax(x, 1), 4) * tf.cast(tf.shape(x)[0], tf.float32),
        tf.where(x > 0.0, x, -x), tf.squeeze(tf.expand_dims(x, 0)), tf.maximum(x, k) - tf.minimum(x, m[0]),
        tf.nn.l2_loss(x), tf.clip_by_value(x, -1.0, 1.0), tf.square(tf.stop_gradient(x)) + tf.exp(k) * 0.5,
    ]
    y = tf.reduce_sum(tf.concat([tf.reshape(o, [-1]) for o in outs if o.dtype == tf.float32], 0))
    outs.append(tf.gradients(y, x)[0])
    feed = {x: np.random.default_rng(4).standard_normal((3, 4)).astype(np.float32)}
    on, off = _both(outs, feed, runs=2)
    _assert_same(on, off)
