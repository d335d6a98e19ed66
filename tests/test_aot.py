"""Islands built ahead of time (runtime/aot.py): compiled in a child process into an extension module, they give
the in-process islands' values, check their arguments, fall back to the in-process compiler where the child
fails, are reused from the cache, and leave the training process without Numba."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.runtime import aot

pytestmark = [pytest.mark.skipif(not aot.available(), reason="needs Numba's pycc, setuptools and a C compiler"),
              pytest.mark.cpu_only("islands run plans on the CPU backend only")]


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory):
    """One cache folder for the module's tests: a plan built by one test is loaded, not rebuilt, by the next."""
    return str(tmp_path_factory.mktemp("aot-cache"))


@pytest.fixture
def ahead(monkeypatch, jit_on, built_cache):
    monkeypatch.setenv("GRAPHGRAD_JIT_AOT", "1")
    monkeypatch.setenv("GRAPHGRAD_JIT_CACHE", built_cache)
    from graphgrad.runtime import jit
    jit._cache_dir.cache_clear()
    yield built_cache
    jit._cache_dir.cache_clear()


def _mlp_run(steps=6, feed=None):
    """Losses, final weights and the plan of a small MLP trained with Adam (tanh, ReLU, softmax CE)."""
    g = tf.Graph()
    with g.as_default():
        rng = np.random.default_rng(0)
        x = tf.placeholder(tf.float32, (None, 6))
        y = tf.placeholder(tf.int32, (None,))
        w0 = tf.Variable(rng.standard_normal((6, 16)).astype(np.float32) * 0.5)
        w1 = tf.Variable(rng.standard_normal((16, 4)).astype(np.float32) * 0.5)
        b0 = tf.Variable(np.full(16, 0.1, np.float32))
        h = tf.nn.relu(tf.nn.tanh(tf.matmul(x, w0) + b0))
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=tf.matmul(h, w1)))
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            run = s.make_callable([loss, train], [x, y])
            losses = []
            for i in range(steps):
                xb = np.random.default_rng(i).standard_normal((8, 6)).astype(np.float32)
                if feed is not None:
                    xb = feed(xb)
                losses.append(run(xb, np.arange(8, dtype=np.int32) % 4)[0])
            return np.array(losses), s.run([w0, w1, b0]), run.plan


def test_built_islands_give_the_in_process_islands_values(ahead, monkeypatch):
    losses, weights, plan = _mlp_run()
    assert plan.islands and plan._aot is not None
    built = list(plan._aot["built"].values())
    assert len(built) == len(plan.islands) and all(hasattr(f, "specs") for f in built)
    monkeypatch.setenv("GRAPHGRAD_JIT_AOT", "0")
    in_losses, in_weights, in_plan = _mlp_run()
    assert in_plan.islands and in_plan._aot is None
    np.testing.assert_allclose(losses, in_losses, rtol=1e-6)
    for a, b in zip(weights, in_weights):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_an_argument_of_another_layout_runs_the_kernels(ahead, monkeypatch):
    """Built for contiguous inputs, an island given a strided view of them refuses it (the module's functions
    would read it as contiguous): that run goes through the ops' kernels, to the same values."""
    views = {"n": 0}

    def strided_after_compile(xb):  # from the fifth step on, x is every other column of a wider array
        views["n"] += 1
        return np.repeat(xb, 2, axis=1)[:, ::2] if views["n"] > 4 else xb

    from graphgrad.runtime.plan import Plan
    refused, failed = [], Plan._jit_failed
    monkeypatch.setattr(Plan, "_jit_failed", lambda self, isl, k, e: refused.append(type(e)) or failed(self, isl, k, e))
    losses, weights, plan = _mlp_run(feed=strided_after_compile)
    assert plan._aot is not None and plan._aot["built"] and aot.Mismatch in refused
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    plain_losses, plain_weights, _ = _mlp_run()
    np.testing.assert_allclose(losses, plain_losses, rtol=1e-5)
    for a, b in zip(weights, plain_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_guard_checks_every_argument():
    calls = []
    island = aot.guarded(lambda *a: calls.append(a) or "ran", [("a", "float32", 2, "C"), ("a", "int32", 1, "A"),
                                                             ("s", "float64", "py"), ("s", "float32", "np")], 3)
    x, i = np.ones((2, 3), np.float32), np.arange(4, dtype=np.int32)
    assert island(x, i[::2], 0.5, np.float32(2)) == "ran"
    x.flags.writeable = False
    assert island(x, i, 0.5, np.float32(2)) == "ran"  # read-only is fine: an island writes only its results
    for bad in [(x.astype(np.float64), i, 0.5, np.float32(2)), (x.T, i, 0.5, np.float32(2)),
                (x[0], i, 0.5, np.float32(2)), (x.tolist(), i, 0.5, np.float32(2)),
                (x, i.astype(np.int64), 0.5, np.float32(2)), (x, i, 1, np.float32(2)),
                (x, i, 0.5, 2.0), (x, i, np.float64(0.5), np.float32(2))]:
        with pytest.raises(aot.Mismatch):
            island(*bad)
    assert len(calls) == 2
    assert aot.spec(np.ones(3, ">f4")) is None and aot.spec(object()) is None and aot.spec(1 << 70) is None
    assert aot.spec(True) == ("s", "bool", "py") and aot.spec(np.ones((2, 2)).T) == ("a", "float64", 2, "F")


def test_the_guard_checks_the_sessions_buffers_once_per_object():
    calls = []
    island = aot.guarded(lambda *a: calls.append(a) or "ran", [("a", "float32", 2, "C"), ("a", "float32", 1, "C"),
                                                             ("a", "float32", 2, "C")], 1, owned=[1, 2])
    x, b, w = np.ones((2, 3), np.float32), np.zeros(3, np.float32), np.ones((3, 3), np.float32)
    assert island(x, b, w) == "ran"
    assert island.__globals__["_m"] == [b, w] and island.__globals__["_m"][0] is b
    for bad in [(x, b.astype(np.float64), w), (x, b, w.T), (x, b, w[:, :2]), (x, b, w.tolist()), (x.T, b, w)]:
        with pytest.raises(aot.Mismatch):   # a new object is checked (and x, not owned, every run)
            island(*bad)
    assert island.__globals__["_m"][0] is b   # a refused object is not remembered
    w2 = w.copy()   # a variable given a new buffer: checked, then remembered in its place
    assert island(x, b, w2) == "ran" and island.__globals__["_m"][1] is w2
    assert len(calls) == 2 and "a1.dtype" in island.source and "a1 is not _m[0]" in island.source


def test_a_plan_s_built_islands_check_its_variables_buffers_once(ahead):
    _, _, plan = _mlp_run()
    import re
    reads = set(re.findall(r"(\w+) = k\d+\(\)  # .* \(VariableV2\)", plan.source))
    calls = re.findall(r"= j(\d+)\(([^)]*)\)", plan.source)
    built = {i: f for i, f in enumerate(plan._aot["built"].values())}
    assert reads and calls and len(calls) == len(built)
    for k, args in calls:
        args = args.split(", ")
        owned = [i for i, a in enumerate(args) if a in reads or a.startswith("r")]   # reads, buffers looked up
        assert owned and any(a.startswith("f") for a in args)
        source = built[int(k)].source
        assert set(map(int, re.findall(r"a(\d+) is not _m", source))) == set(owned)   # feeds: every run


def test_a_plan_whose_islands_were_built_ahead_loads_them_twenty_times_sooner(ahead, monkeypatch):
    # importing the built module costs milliseconds (W1's: 14 ms), loading from Numba's cache about 0.4 s
    from graphgrad.runtime import jit
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 5))
        w = tf.Variable(np.ones((5, 3), np.float32))
        loss = tf.reduce_mean(tf.nn.tanh(tf.matmul(x, w) + 1.0))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

    def plan_after(seconds):
        monkeypatch.setenv("GRAPHGRAD_JIT_AFTER_S", seconds)
        sess = tf.Session(graph=g)
        sess.run(w.initializer)
        return sess, sess.make_callable([loss, train], [x])

    sess, run = plan_after("1")
    key = run.plan._jit_key
    if jit.warmth(key) is None:   # (the module's cache folder may hold it from an earlier run of this test)
        assert run.plan._jit_after_s == 5.0
        sess.close()
        sess, run = plan_after("0")
        for _ in range(3):
            run(np.ones((4, 5), np.float32))
        assert run.plan.islands and run.plan._aot is not None
    sess.close()
    assert jit.warmth(key) == "built"
    sess, run = plan_after("1")
    assert run.plan._jit_after_s == 0.05
    sess.close()
    monkeypatch.setenv("GRAPHGRAD_JIT_AOT", "0")   # compiled in-process next time: Numba's cache, 0.4 s
    sess, run = plan_after("1")
    assert run.plan._jit_after_s == 1.0
    sess.close()
    jit.mark_warm(key)
    monkeypatch.setenv("GRAPHGRAD_JIT_AOT", "1")
    sess, run = plan_after("1")
    assert jit.warmth(key) == "compiled" and run.plan._jit_after_s == 1.0
    sess.close()


def test_a_failed_build_leaves_the_islands_to_the_in_process_compiler(ahead, monkeypatch):
    from graphgrad.runtime import jit
    monkeypatch.setattr(aot, "build", lambda items, owned=None: None)
    losses, _, plan = _mlp_run()
    assert plan.islands and plan._aot is None
    assert jit.warmth(plan._jit_key) == "compiled"   # a later process loads Numba's cache, not a module
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    np.testing.assert_allclose(losses, _mlp_run()[0], rtol=1e-5)


def test_the_child_s_error_is_kept_and_the_build_returns_none(ahead):
    source = "from numba import njit\n\n\n@njit\ndef island(a):\n    return (a.no_such_attribute,)\n"
    assert aot.build([(source, [("a", "float32", 1, "C")])]) is None
    logs = [f for f in os.listdir(ahead) if f.startswith("graphgrad_aot_") and f.endswith(".log")]
    assert logs and "no_such_attribute" in open(os.path.join(ahead, logs[0])).read()


def test_a_built_module_is_loaded_from_the_cache(ahead, monkeypatch):
    source = "import numpy as np\nfrom numba import njit\n\n\n@njit\ndef island(a, s):\n    return (a * s + 1,)\n"
    items = [(source, [("a", "float32", 1, "C"), ("s", "float32", "np")])]
    (fn,) = aot.build(items)
    np.testing.assert_array_equal(fn(np.arange(3, dtype=np.float32), np.float32(2))[0], [1, 3, 5])

    def no_child(*a, **k):
        raise AssertionError("built again")
    monkeypatch.setattr(subprocess, "run", no_child)
    (again,) = aot.build(items)
    np.testing.assert_array_equal(again(np.ones(2, np.float32), np.float32(3))[0], [4, 4])


def test_a_process_that_builds_its_islands_ahead_never_loads_numba(tmp_path):
    script = textwrap.dedent("""
        import json, sys
        import numpy as np
        import graphgrad as tf
        x = tf.placeholder(tf.float32, (None, 6))
        w = tf.Variable(np.full((6, 3), 0.1, np.float32))
        loss = tf.reduce_mean(tf.nn.relu(tf.tanh(tf.matmul(x, w)) * 2.0 - 0.1))
        train = tf.train.AdamOptimizer(0.01).minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            run = s.make_callable([loss, train], [x])
            for i in range(5):
                run(np.full((4, 6), 0.5 + i, np.float32))
            run.plan.wait_for_islands()
            run(np.full((4, 6), 0.25, np.float32))
            print(json.dumps({"islands": len(run.plan.islands), "built": len(run.plan._aot["built"]),
                              "numba": "numba" in sys.modules, "llvmlite": "llvmlite" in sys.modules}))
    """)
    env = {**os.environ, "GRAPHGRAD_JIT": "1", "GRAPHGRAD_JIT_AFTER": "1", "GRAPHGRAD_JIT_AFTER_S": "0",
           "GRAPHGRAD_JIT_AOT": "auto", "GRAPHGRAD_JIT_CACHE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["islands"] >= 1 and got["built"] == got["islands"]
    assert not got["numba"] and not got["llvmlite"]


def test_the_build_runs_in_the_background_while_the_kernels_run(ahead, monkeypatch):
    """Without GRAPHGRAD_JIT_WAIT the run that records the islands starts their build in a thread and the plan's
    next runs go through its kernels until the module is there; `wait_for_islands` installs it."""
    monkeypatch.setenv("GRAPHGRAD_JIT_WAIT", "0")
    x = tf.placeholder(tf.float32, (None, 5))
    w = tf.Variable(np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3))
    loss = tf.reduce_mean(tf.nn.relu(tf.tanh(tf.matmul(x, w)) * 3.0 - 0.25))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    xb = np.linspace(0, 1, 20, dtype=np.float32).reshape(4, 5)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        run = s.make_callable([loss, train], [x])
        losses = [run(xb)[0] for _ in range(3)]  # the second run records and starts the build
        plan = run.plan
        assert plan._aot is not None and (plan._aot_pending is not None or plan.islands)
        assert plan.wait_for_islands(timeout=600)
        assert plan._aot_pending is None and plan.islands and plan._aot["built"]
        losses += [run(xb)[0] for _ in range(3)]
    monkeypatch.setenv("GRAPHGRAD_JIT", "0")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        plain = [s.run([loss, train], {x: xb})[0] for _ in range(6)]
    np.testing.assert_allclose(losses, plain, rtol=1e-6)


def test_a_child_that_outlives_its_program_still_fills_the_cache(ahead, monkeypatch):
    # the build runs in a background thread; a program that exits first leaves the child running: the child itself
    # puts the module where the next run looks, instead of compiling again on every run
    source = "import numpy as np\nfrom numba import njit\n\n\n@njit\ndef island(a):\n    return (a * 3 - 1,)\n"
    items = [(source, [("a", "float32", 1, "C")])]
    request = aot._request(items)
    name = aot.module_name(request)
    work = os.path.join(ahead, name + ".orphan")
    os.makedirs(work)
    with open(os.path.join(work, "request.json"), "w") as f:
        json.dump(request, f)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(aot.__file__))))
    done = subprocess.run([sys.executable, "-m", "graphgrad.runtime.aot", work, name], cwd=work, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": root})
    assert done.returncode == 0, done.stderr[-2000:]
    assert not os.path.exists(work)                      # its work folder removed by the child
    assert os.path.exists(os.path.join(ahead, name + aot._SUFFIX))

    def no_child(*a, **k):
        raise AssertionError("built again")
    monkeypatch.setattr(subprocess, "run", no_child)      # the next run loads it
    (fn,) = aot.build(items)
    np.testing.assert_array_equal(fn(np.arange(3, dtype=np.float32))[0], [-1, 2, 5])
