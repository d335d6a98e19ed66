"""Backends and device placement, tested without CUDA through a NumPy-backed fake GPU (tests/fakegpu.py).

The fake refuses host arrays where CuPy would, so running real graphs on it checks every host/device
boundary: constants, feeds, random draws, variables, fetches, Print, summaries and checkpoints. Tests at the
end run the same graphs on a real GPU when CuPy sees one.
"""
import contextlib
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
import warnings

import numpy as np
import pytest

import graphgrad as tf
import graphgrad.config  # noqa: F401  (tf.config until the package wires it)
import graphgrad.test  # noqa: F401  (tf.test until the package wires it)
from graphgrad.config import ConfigProto
from graphgrad.framework.op_def import OpDef
from graphgrad.ops.core import apply_op, convert_to_tensor
from graphgrad.runtime import backends
from graphgrad.runtime.backends import DevicePlacementWarning, DeviceSpec, get_backend, parse_device
from graphgrad.runtime.elementwise import Fused, emulate
from graphgrad.runtime.passes import optimize_default

sys.path.insert(0, os.path.dirname(__file__))
import fakegpu  # noqa: E402
from fakegpu import DeviceArray  # noqa: E402

fakegpu.register()
GPU = tf.test.is_gpu_available()


@pytest.fixture
def violations(monkeypatch):
    """Host arrays seen going into or coming out of any kernel on the fake GPU; must stay empty."""
    found = []
    fakegpu.check_kernels(monkeypatch, found)
    yield found
    assert found == [], f"kernels that handled host arrays on the device: {sorted(set(found))}"


@pytest.fixture
def no_gpu(monkeypatch):
    """The real "gpu" backend reports CuPy missing, whatever this machine has."""
    def missing(index):
        raise RuntimeError("graphgrad's GPU backend needs CuPy: pip install 'graphgrad[gpu]'")
    monkeypatch.setitem(backends._FACTORIES, "gpu", ("GPU", missing))
    monkeypatch.delenv(backends.ENV_VAR, raising=False)
    for key in [k for k in backends._CACHE if k[0] == "gpu"]:
        monkeypatch.delitem(backends._CACHE, key)


@pytest.fixture
def fake_as_gpu(monkeypatch):
    """The fake stands in for "gpu", so '/gpu:0' and automatic GPU selection reach it."""
    monkeypatch.setitem(backends._FACTORIES, "gpu", ("GPU", fakegpu.make_backend))
    monkeypatch.delenv(backends.ENV_VAR, raising=False)
    for key in [k for k in backends._CACHE if k[0] == "gpu"]:
        monkeypatch.delitem(backends._CACHE, key)


def host_only(value):
    """Fetched structures hold NumPy arrays and scalars, never device arrays."""
    if isinstance(value, (list, tuple)):
        return all(host_only(v) for v in value)
    if isinstance(value, dict):
        return all(host_only(v) for v in value.values())
    return value is None or type(value) is np.ndarray or isinstance(value, (np.generic, bytes))


# --- device strings and the backend registry ---------------------------------------------------------------

@pytest.mark.parametrize("spec, want", [
    ("/cpu:0", ("CPU", 0)), ("/gpu:0", ("GPU", 0)), ("/GPU:1", ("GPU", 1)), ("/device:GPU:0", ("GPU", 0)),
    ("/device:cpu:0", ("CPU", 0)), ("/job:localhost/replica:0/task:0/device:CPU:0", ("CPU", 0)),
    ("/job:worker/task:3/gpu:2", ("GPU", 2)), ("gpu", ("GPU", 0)), ("/gpu:*", ("GPU", 0)), ("", None),
    ("/job:localhost", None),
])
def test_parse_device_spellings(spec, want):
    got = parse_device(spec)
    assert got == (DeviceSpec(*want) if want else None)


@pytest.mark.parametrize("spec", ["/tpu:0", "/gpu:x", "/foo", "/cpu:0/gpu:0", "/gpu:0:1", "/device:XLA_GPU:0",
                                  "/replica:a"])
def test_parse_device_rejects_anything_else(spec):
    with pytest.raises(ValueError, match="device"):
        parse_device(spec)


def test_device_spec_full_name():
    assert DeviceSpec("GPU", 0).to_string() == "/job:localhost/replica:0/task:0/device:GPU:0"
    assert get_backend("/cpu:0").device_name == "/job:localhost/replica:0/task:0/device:CPU:0"


def test_cpu_backend_is_numpy_with_identity_transfers():
    b = get_backend("cpu")
    assert b is get_backend("/device:CPU:0") and b.xp is np and b.device_type == "CPU"
    a = np.ones(3)
    assert b.to_device(a) is a and b.to_host(a) is a
    b.synchronize()
    with pytest.raises(ValueError, match="one CPU"):
        get_backend("/cpu:1")
    with pytest.raises(ValueError):
        get_backend("tpu")


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed here")
def test_gpu_without_cupy_is_a_clear_error_not_a_crash():
    with pytest.raises(RuntimeError, match=r"needs CuPy: pip install 'graphgrad\[gpu\]'"):
        get_backend("gpu")
    with pytest.raises(RuntimeError, match="needs CuPy"):
        tf.Session(device="/gpu:0")
    assert not tf.test.is_gpu_available() and tf.test.gpu_device_name() == ""
    assert not tf.test.is_built_with_cuda()
    assert [d.device_type for d in tf.config.list_physical_devices()] == ["CPU"]
    assert tf.config.list_physical_devices("GPU") == []


class _OrderOnlyStream(contextlib.nullcontext):
    def __init__(self, synced):
        super().__init__()
        self.synchronize = lambda: synced.append(True)

    def record(self):
        return None

    def wait_event(self, event):
        pass


def _fake_cupy_module(device_count):
    """A module named cupy with the few attributes the GPU backend uses, backed by the fake device."""
    cupy = fakegpu.FakeXP("cupy")
    cupy.__spec__ = importlib.machinery.ModuleSpec("cupy", None)
    synced = []

    def count():
        if device_count == 0:
            raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
        return device_count
    runtime = types.SimpleNamespace(getDeviceCount=count, getDeviceProperties=lambda i: {"name": b"Fake 80GB"})
    stream = _OrderOnlyStream(synced)
    # Streams order work but cannot capture here: a plan's capture then fails and it keeps running normally
    cupy.cuda = types.SimpleNamespace(runtime=runtime, get_current_stream=lambda: stream,
                                      Stream=lambda non_blocking=False: _OrderOnlyStream(synced))
    cupy.synced = synced
    compiled = cupy.compiled = []

    def elementwise_kernel(in_params, out_params, body, name):  # cupy.ElementwiseKernel, run by the emulator
        compiled.append(name)
        return emulate(cupy, Fused(name, in_params, out_params, body))
    cupy.ElementwiseKernel = elementwise_kernel
    return cupy


@pytest.fixture
def fake_cupy(monkeypatch):
    def install(device_count):
        monkeypatch.setitem(sys.modules, "cupy", _fake_cupy_module(device_count))
        backends._import_cupy.cache_clear()
        for key in [k for k in backends._CACHE if k[0] == "gpu"]:
            monkeypatch.delitem(backends._CACHE, key)
        return sys.modules["cupy"]
    yield install
    backends._import_cupy.cache_clear()
    for key in [k for k in backends._CACHE if k[0] == "gpu"]:
        del backends._CACHE[key]


def test_cupy_without_a_visible_device_is_a_clear_error(fake_cupy, monkeypatch):
    fake_cupy(0)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with pytest.raises(RuntimeError, match=r"CuPy is installed but no CUDA device is visible: .*no CUDA-capable "
                                           r"device.*CUDA_VISIBLE_DEVICES=''"):
        get_backend("gpu")
    assert not tf.test.is_gpu_available()


def test_cupy_backend_transfers_and_keeps_strings_on_the_host(fake_cupy):
    cupy = fake_cupy(2)
    b = get_backend("/device:GPU:0")
    assert b.name == "gpu" and b.xp is cupy and "Fake 80GB" in b.description
    d = b.to_device(np.arange(3.0))
    assert type(d) is DeviceArray
    h = b.to_host(d)
    assert type(h) is np.ndarray and h.tolist() == [0.0, 1.0, 2.0]
    s = np.array(b"summary", dtype=object)
    assert b.to_device(s) is s and b.to_host(s) is s
    b.synchronize()
    assert cupy.synced == [True]
    with pytest.raises(ValueError, match="one GPU"):
        get_backend("/gpu:1")
    assert tf.test.is_gpu_available() and tf.test.gpu_device_name() == "/device:GPU:0"


def test_session_on_the_cupy_backend_runs_a_training_step(fake_cupy, violations):
    fake_cupy(1)
    x = tf.placeholder(tf.float32, [None, 2])
    w = tf.Variable(np.ones((2, 1), np.float32))
    loss = tf.reduce_mean(tf.square(x @ w))
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    s = tf.Session(device="/gpu:0")
    s.run(tf.global_variables_initializer())
    _, l0 = s.run([step, loss], {x: [[1, 2], [3, 4]]})
    assert l0 == np.float32(29.0) and type(s._ctx.variables[w.op]) is DeviceArray
    assert type(s.run(w)) is np.ndarray
    grad = np.array([[1, 3], [2, 4]], np.float32) @ np.array([[3], [7]], np.float32)  # (2/2) xᵀ (x w)
    for _ in range(4):  # warm-up runs, a capture that fails, then normal runs
        np.testing.assert_array_equal(s.run(w), 1 - grad * np.float32(0.1))  # the fused update ran
    (plan,) = [p for p, _ in s._plans.values() if p.replay is not None and p.replay.failed]
    assert "MemoryPool" in plan.replay.failed  # the fake module has none: capturing fails, the plan goes on
    assert sys.modules["cupy"].compiled == ["graphgrad_apply_gradient_descent"]


def test_cupy_matmul_precisions_use_cublas_compute_types_and_casts(fake_cupy, monkeypatch):
    """The CuPy paths of runtime/precision.py: TF32 sets cuBLAS's compute type around each product and restores it;
    bfloat16/float16 cast the operands and return float32."""
    fake_cupy(1)
    calls = []
    state = {"f": 1}  # COMPUTE_TYPE_DEFAULT
    linalg = types.ModuleType("cupy._core._routines_linalg")
    linalg.COMPUTE_TYPE_TF32 = 7
    linalg.get_compute_type = lambda dt: state["f"]
    linalg.set_compute_type = lambda dt, ct: calls.append(ct) or state.update(f=ct)
    core = types.ModuleType("cupy._core")
    core._routines_linalg = linalg
    monkeypatch.setitem(sys.modules, "cupy._core", core)
    monkeypatch.setitem(sys.modules, "cupy._core._routines_linalg", linalg)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((8, 16)).astype(np.float32), rng.standard_normal((16, 4)).astype(np.float32)
    x, w = tf.placeholder(tf.float32, a.shape), tf.placeholder(tf.float32, b.shape)
    p = tf.matmul(x, w)
    for precision, tol in (("tensorfloat32", 1e-6), ("float16", 1e-2), ("bfloat16", 5e-2)):
        got = tf.Session(device="/gpu:0", matmul_precision=precision).run(p, {x: a, w: b})
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, a @ b, rtol=tol, atol=tol * 10)
    assert calls == [7, 1] and state["f"] == 1  # TF32 for the product, then back to what it was


class _Recorder:
    """Stands in for CuPy's stream, memory pool and graph, recording what the capture glue calls."""

    def __init__(self, calls, name="stream"):
        self.calls, self.name, self.ptr = calls, name, id(self)

    def __enter__(self):
        self.calls.append(f"enter {self.name}")

    def __exit__(self, *exc):
        self.calls.append(f"exit {self.name}")

    def begin_capture(self):
        self.calls.append("begin")

    def end_capture(self):
        self.calls.append("end")
        return self

    def record(self):
        return f"event of {self.name}"

    def wait_event(self, event):
        self.calls.append(f"{self.name} waits for {event}")

    def launch(self, stream=None):
        self.calls.append(("launch", stream))


def _recording_cupy(calls, streams, pool=None):
    @contextlib.contextmanager
    def using_allocator(malloc):
        calls.append(("allocator", malloc))
        yield
        calls.append("allocator back")

    def new_stream(non_blocking=False):
        assert non_blocking  # a blocking stream would tie the legacy stream to a capture
        streams.append(_Recorder(calls))
        return streams[-1]

    caller = _Recorder(calls, "caller")
    return types.SimpleNamespace(cuda=types.SimpleNamespace(
        Stream=new_stream, MemoryPool=lambda: pool, using_allocator=using_allocator,
        get_current_stream=lambda: caller))  # no cuBLAS here: products would stay CuPy's


def test_cupy_capture_glue_follows_cupys_stream_capture_protocol():
    calls, streams = [], []
    pool = types.SimpleNamespace(malloc="private malloc")
    graphs = backends._CupyGraphs(_recording_cupy(calls, streams, pool))
    graph, result = graphs.capture(lambda: calls.append("work") or "result")
    assert result == "result" and graphs.gemm_unavailable  # the stand-in has no libcublas
    rec = streams[0]
    assert calls == ["stream waits for event of caller", "enter stream", ("allocator", "private malloc"), "begin",
                     "work", "end", "allocator back", "exit stream", "caller waits for event of stream"]
    assert graph == (rec, pool)  # the pool lives as long as the graph
    graphs.launch(graph)
    assert calls[-1] == ("launch", rec)
    calls.clear()
    with pytest.raises(ZeroDivisionError):
        graphs.capture(lambda: 1 / 0)
    assert calls[3:5] == ["begin", "end"]  # the capture is ended, and the kernel's error is the one raised
    assert calls[-1] == "caller waits for event of stream"


def test_products_on_the_capture_stream_go_to_the_capture_gemm(monkeypatch):
    """CuPy refuses cuBLAS inside a capture: on the capture stream float32 products take cublas_capture's path."""
    calls, streams, seen = [], [], []
    graphs = backends._CupyGraphs(_recording_cupy(calls, streams))
    gemm = types.SimpleNamespace(prepare=lambda stream: seen.append(("prepare", stream)),
                                 matmul=lambda stream, a, b, out, precision: ("gemm", stream, a, b, precision))
    graphs._gemm = gemm
    mm = backends._cupy_matmul(types.SimpleNamespace(matmul=lambda a, b, out=None: "cupy", float32=np.float32),
                               "float32")
    a, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    assert mm(a, b) == "cupy"
    with graphs.stream() as stream:
        assert mm(a, b)[:2] == ("gemm", stream) and mm(a, b)[-1] == "float32"
    assert mm(a, b) == "cupy" and seen == [("prepare", stream)]
    gemm.matmul = lambda *args: None  # a product the gemm does not take (batched, float64) stays CuPy's
    with graphs.stream():
        assert mm(a, b) == "cupy"
    with pytest.raises(ValueError, match=r"size 2 is different from 3"):  # in NumPy's words, which the plan
        mm(a, a)                                                          # words as TF's


def test_each_thread_captures_and_replays_on_its_own_stream():
    """A capture records all that is issued to its stream: two threads sharing one would capture each other."""
    calls, made = [], []
    graphs = backends._CupyGraphs(_recording_cupy(calls, made))
    with graphs.stream() as mine:
        pass
    with graphs.stream() as again:
        assert again is mine  # one per thread, kept
    theirs = []

    def other():
        with graphs.stream() as s:
            theirs.append(s)
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert theirs[0] is not mine and len(made) == 2
    graph = _Recorder([])
    graphs.launch((graph, None))
    assert graph.calls == [("launch", mine)]


# --- choosing the session's device ------------------------------------------------------------------------

def test_default_is_the_cpu(no_gpu):
    a = tf.constant(1.0) + 1
    s = tf.Session()
    assert s._ctx.backend.name == "cpu" and s._ctx.xp is np
    assert s.run(a) == 2.0


def test_env_var_picks_the_backend(monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_DEVICE", "fakegpu")
    assert tf.Session()._ctx.backend.name == "fakegpu"
    monkeypatch.setenv("GRAPHGRAD_DEVICE", "CPU")
    assert tf.Session()._ctx.backend.name == "cpu"
    assert tf.Session(device="fakegpu")._ctx.backend.name == "fakegpu"  # the argument wins
    monkeypatch.setenv("GRAPHGRAD_DEVICE", "/tpu:0")
    with pytest.raises(ValueError, match="GRAPHGRAD_DEVICE='/tpu:0'"):
        tf.Session()


def test_env_var_asking_for_a_missing_gpu_raises(no_gpu, monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_DEVICE", "gpu")
    with pytest.raises(RuntimeError, match=r"needs CuPy.*GRAPHGRAD_DEVICE=gpu"):
        tf.Session()


def test_ops_pinned_to_the_gpu_select_it_when_there_is_one(fake_as_gpu):
    with tf.device("/gpu:0"):
        y = tf.constant([1.0, 2.0]) * 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = tf.Session()
        assert s._ctx.backend.name == "fakegpu"
        np.testing.assert_array_equal(s.run(y), [3.0, 6.0])


def test_device_count_gpu_zero_means_cpu(fake_as_gpu):
    with tf.device("/device:GPU:0"):
        y = tf.constant(2.0) * 3
    s = tf.Session(config={"device_count": {"GPU": 0}})
    assert s._ctx.backend.name == "cpu"
    with pytest.warns(DevicePlacementWarning, match=r"device_count=\{'GPU': 0\}"):
        assert s.run(y) == 6.0
    assert tf.Session(config=ConfigProto(device_count={"GPU": 0}))._ctx.backend.name == "cpu"


def test_soft_placement_warns_once_naming_the_ops(no_gpu):
    x = tf.placeholder(tf.float32, [2])
    with tf.device("/gpu:0"):
        y = tf.multiply(x, 2.0, name="double")
        z = tf.add(y, 1.0, name="plus_one")
    s = tf.Session()
    with pytest.warns(DevicePlacementWarning) as rec:
        np.testing.assert_array_equal(s.run(z, {x: [1, 2]}), [3.0, 5.0])
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "double (/gpu:0)" in msg and "plus_one (/gpu:0)" in msg and "needs CuPy" in msg
    assert "/job:localhost/replica:0/task:0/device:CPU:0" in msg
    assert rec[0].filename == __file__  # points at the user's run call
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.run(y, {x: [1, 2]})          # another plan of the same session: no second warning
        s.make_callable(z, [x])([0, 0])


def test_session_created_before_the_pins_says_so(fake_as_gpu):
    s = tf.Session()
    with tf.device("/gpu:0"):
        y = tf.constant(2.0) * 3
    with pytest.warns(DevicePlacementWarning, match="created for the CPU before any op was pinned"):
        assert s.run(y) == 6.0


def test_hard_placement_refuses_ops_pinned_elsewhere(no_gpu):
    with tf.device("/device:GPU:0"):
        y = tf.constant(1.0, name="c") + 1
    s = tf.Session(config=ConfigProto(allow_soft_placement=False))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Cannot assign a device for operation c: .*"
                                                            r"explicitly assigned to /device:GPU:0"):
        s.run(y)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.Session(config={"allow_soft_placement": False}).run(y)
    with pytest.warns(DevicePlacementWarning):
        tf.Session(config={"allow_soft_placement": True}).run(y)


def test_cpu_pinned_ops_in_a_gpu_session_are_reported_too(violations):
    with tf.device("/cpu:0"):
        y = tf.constant(1.0, name="on_cpu") * 2
    s = tf.Session(device="fakegpu")
    with pytest.warns(DevicePlacementWarning, match=r"mixed CPU/GPU placement.*on_cpu \(/cpu:0\)"):
        assert s.run(y) == 2.0


def test_invalid_device_string_is_reported_with_the_op():
    with tf.device("/tpu:0"):
        y = tf.constant(1.0, name="odd")
    with pytest.raises(ValueError, match=r"Operation 'odd' was built under tf.device\('/tpu:0'\)"):
        tf.Session().run(y)


def test_log_device_placement_prints_each_op_once(capsys):
    a = tf.constant(1.0, name="a")
    b = tf.multiply(a, 2.0, name="b")
    s = tf.Session(device="fakegpu", config=ConfigProto(log_device_placement=True))
    s.run(b)
    s.run(b)
    err = capsys.readouterr().err
    assert "b: (Mul): /job:localhost/replica:0/task:0/device:GPU:0\n" in err
    assert err.count("a: (Const)") == 1


def test_config_proto_rejects_unknown_fields():
    with pytest.raises(ValueError, match='has no "log_placement" field'):
        ConfigProto(log_placement=True)
    c = tf.config.ConfigProto(gpu_options=tf.config.GPUOptions(allow_growth=True), inter_op_parallelism_threads=2)
    assert c.gpu_options.allow_growth and c.allow_soft_placement is None


# --- the fake GPU runs real graphs exactly as NumPy does -------------------------------------------------

def _mlp_run(device, steps=4):
    """A seeded MLP with dropout trained by Adam; returns every fetched value and the final weights."""
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(7)
        x = tf.placeholder(tf.float32, [None, 5], name="x")
        y = tf.placeholder(tf.int32, [None], name="y")
        keep = tf.placeholder_with_default(0.8, [])
        h = tf.layers.dense(x, 160, activation=tf.nn.relu)  # wide enough for kept product buffers
        h = tf.nn.dropout(h, keep_prob=keep, seed=3)
        logits = tf.layers.dense(h, 3)
        loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y), tf.float32))
        gs = tf.train.get_or_create_global_step()
        step = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=gs)
        tf.summary.scalar("loss", loss)
        tf.summary.histogram("logits", logits)
        merged = tf.summary.merge_all()
        grads = tf.gradients(loss, tf.trainable_variables())
        with tf.Session(device=device) as s:
            s.run(tf.global_variables_initializer())
            rng = np.random.default_rng(0)
            out = []
            for _ in range(steps):
                xb = rng.normal(size=(8, 5)).astype(np.float32)
                yb = rng.integers(0, 3, size=8)
                out.append(s.run({"step": step, "loss": loss, "acc": acc, "summary": merged, "gs": gs},
                                 {x: xb, y: yb}))
            out.append(s.run(grads, {x: xb, y: yb, keep: 1.0}))
            fn = s.make_callable([loss, logits], [x, y])
            out.append(fn(xb, yb))
            variables = s.run(tf.global_variables())
            stored = list(s._ctx.variables.values())
            if optimize_default():
                assert any(plan.rewrites["reuse"] for plan, _ in s._plans.values())
        return out, variables, stored


def _assert_same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for u, v in zip(a, b):
            _assert_same(u, v)
    elif isinstance(a, bytes) or a is None:
        assert a == b
    else:
        assert type(a) is type(b) and np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(a, b)


def test_mlp_training_on_the_fake_gpu_matches_numpy_bit_for_bit(violations):
    cpu_out, cpu_vars, cpu_stored = _mlp_run("cpu")
    dev_out, dev_vars, dev_stored = _mlp_run("fakegpu")
    _assert_same(dev_out, cpu_out)
    _assert_same(dev_vars, cpu_vars)
    assert host_only(dev_out) and host_only(dev_vars)
    assert all(type(v) is DeviceArray for v in dev_stored)       # variables and Adam slots live on the device
    assert all(type(v) is np.ndarray for v in cpu_stored)
    assert dev_out[0]["summary"].startswith(b"\n") and dev_out[0]["gs"] == 1


def _many_ops(x, y):
    """A mix of broadcasting, reductions, shape-driven and indexing ops, differentiated twice."""
    n = tf.cast(tf.shape(x)[0], tf.float64)
    z = tf.concat([x * y, tf.tanh(x) - y], axis=1)
    z = tf.transpose(tf.reshape(z, [-1, 2, 3]), [0, 2, 1])
    w = tf.gather(tf.reduce_prod(z + 2.0, axis=2), [1, 0, 1], axis=1)
    r = tf.reduce_sum(tf.nn.softmax(w) * tf.nn.log_softmax(w)) / n
    r += tf.reduce_mean(tf.maximum(x, 0.5) ** 2) + tf.nn.l2_loss(tf.tile(y, [2, 1]))
    r += tf.reduce_sum(tf.where(x > 0, tf.exp(-x), tf.sigmoid(x))) + tf.reduce_max(tf.cumsum(x, axis=1))
    r += tf.reduce_sum(tf.one_hot(tf.argmax(x, axis=1), 3, dtype=tf.float64) * tf.pad(y, [[0, 0], [0, 0]]))
    gx, gy = tf.gradients(r, [x, y])
    hx = tf.gradients(tf.reduce_sum(gx * gx), x)[0]
    return [r, gx, gy, hx]


def test_gradients_of_many_ops_match(violations):
    xv = np.random.default_rng(1).normal(size=(4, 3))
    yv = np.random.default_rng(2).normal(size=(1, 3))
    results = []
    for device in ("cpu", "fakegpu"):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float64, [None, 3])
            y = tf.constant(yv)
            fetches = _many_ops(x, y)
            results.append(tf.Session(device=device).run(fetches, {x: xv}))
    _assert_same(results[1], results[0])
    assert host_only(results[1])


def test_conv_and_pool_kernels_match_on_the_fake_gpu(violations):
    """The convolution and pooling kernels' paths (unit-stride input gradient with kept scratch buffers, strided
    col2im, max-pool gradient of tiling and overlapping windows) run on the device array module alone, twice."""
    xv = np.random.default_rng(1).integers(0, 3, size=(2, 6, 6, 2)).astype(np.float64)  # ties in the pools
    results = []
    for device in ("cpu", "fakegpu"):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float64, [None, 6, 6, 2])
            w1 = tf.constant(np.random.default_rng(2).normal(size=(3, 3, 2, 4)))
            w2 = tf.constant(np.random.default_rng(3).normal(size=(2, 2, 4, 3)))
            h = tf.nn.max_pool(tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME")), 2, 2, "VALID")
            h = tf.nn.max_pool(tf.nn.conv2d(h, w2, 2, "SAME"), 2, 1, "SAME")
            fetches = [h] + tf.gradients(tf.reduce_sum(h * h), [x, w1, w2])
            with tf.Session(device=device) as s:
                results.append([s.run(fetches, {x: xv}), s.run(fetches, {x: xv[:1]})])
    _assert_same(results[1], results[0])
    assert host_only(results[1])


def test_random_ops_give_the_same_numbers_with_a_seed(violations):
    results = []
    for device in ("cpu", "fakegpu"):
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(11)
            ops = [tf.random_normal([3, 2]), tf.random_uniform([4], 1, 5, dtype=tf.int32),
                   tf.truncated_normal([2, 2], dtype=tf.float64), tf.random_shuffle(tf.range(6)),
                   tf.multinomial(tf.log([[0.2, 0.8], [0.5, 0.5]]), 5),
                   tf.nn.dropout(tf.ones([3, 3]), keep_prob=0.5)]
            s = tf.Session(device=device)
            results.append([s.run(ops), s.run(ops)])
    _assert_same(results[1], results[0])


def test_print_writes_the_same_text(capsys, violations):
    texts = []
    for device in ("cpu", "fakegpu"):
        g = tf.Graph()
        with g.as_default():
            v = tf.Variable([1.5, 2.25], dtype=tf.float32, name="v")
            f = tf.Print(v * v, [v, v * v], "v, f:")
            s = tf.Session(device=device)
            s.run(v.initializer)
            s.run(f)
        texts.append(capsys.readouterr().err)
    assert texts[0] == texts[1] == "v, f:[1.5 2.25][2.25 5.0625]\n"


def test_summaries_are_identical_and_written(tmp_path, violations):
    blobs = []
    for device in ("cpu", "fakegpu"):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [2, 4, 4, 1])
            tf.summary.scalar("mean", tf.reduce_mean(x))
            tf.summary.histogram("values", x)
            tf.summary.image("img", x)
            tf.summary.text("note", tf.constant("**on** the device"))
            merged = tf.summary.merge_all()
            s = tf.Session(device=device)
            blob = s.run(merged, {x: np.linspace(0, 1, 32).reshape(2, 4, 4, 1)})
            with tf.summary.FileWriter(str(tmp_path / device)) as w:
                w.add_summary(blob, 1)
            blobs.append(blob)
    assert [v.tag for v in tf.Summary.FromString(blobs[1]).value] == ["mean_1", "values", "img/image/0",
                                                                       "img/image/1", "note"]
    assert blobs[0] == blobs[1]
    assert any(p.name.startswith("events") for p in (tmp_path / "fakegpu").iterdir())


def test_saver_moves_checkpoints_between_devices(tmp_path, violations):
    def build():
        tf.reset_default_graph()
        w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
        b = tf.Variable(np.int64(7), name="b")
        gs = tf.train.get_or_create_global_step()
        return w, b, gs, tf.train.Saver()

    w, b, gs, saver = build()
    s = tf.Session(device="fakegpu")
    s.run(tf.global_variables_initializer())
    s.run([tf.assign_add(w, tf.ones_like(w)), tf.assign(gs, 5)])
    path = saver.save(s, str(tmp_path / "model"), global_step=gs)
    assert path.endswith("model-5")

    w, b, gs, saver = build()
    cpu = tf.Session(device="cpu")
    saver.restore(cpu, path)
    np.testing.assert_array_equal(cpu.run(w), np.arange(1, 7, dtype=np.float32).reshape(2, 3))
    cpu.run(tf.assign(b, 9))
    path2 = saver.save(cpu, str(tmp_path / "back"))

    dev = tf.Session(device="fakegpu")
    saver.restore(dev, path2)
    assert dev.run(b) == 9 and dev.run(gs) == 5
    assert all(type(v) is DeviceArray for v in dev._ctx.variables.values())


def test_feeds_fetches_and_variable_access_cross_the_boundary(violations):
    x = tf.placeholder(tf.float32, [None, 2])
    names = tf.placeholder(tf.string, [None])
    v = tf.Variable(np.zeros((2, 2), np.float32), name="v")
    read_then_add = v + x[:1]
    s = tf.Session(device="fakegpu")
    with s.as_default():
        v.load(np.eye(2, dtype=np.float32))
        assert type(s._ctx.variables[v.op]) is DeviceArray
        got = v.eval()
    assert type(got) is np.ndarray
    got[0, 0] = 100.0                                              # a fetched value is the user's copy
    np.testing.assert_array_equal(s.run(v), np.eye(2))
    fetches = [read_then_add, tf.identity(names), tf.constant(["a", "b"])]
    feeds = {x: [[1, 2], [3, 4]], names: [b"p", b"q"]}
    out, fed_names, name_const = s.run(fetches, feeds)
    np.testing.assert_array_equal(out, [[2, 2], [1, 3]])
    assert fed_names.tolist() == [b"p", b"q"]
    assert name_const.tolist() == tf.Session(device="cpu").run(fetches[2]).tolist()
    assert host_only([out, fed_names, name_const])
    assert s.run(tf.report_uninitialized_variables()).tolist() == []


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_failed_run_rolls_back_device_variables(violations):
    v = tf.Variable([1.0, 2.0], name="v")
    x = tf.placeholder(tf.float32, [2])
    update = tf.assign_add(v, x)
    with tf.control_dependencies([update]):
        checked = tf.check_numerics(tf.log(v - 3.5), "bad")
    s = tf.Session(device="fakegpu")
    s.run(v.initializer)
    with pytest.raises(tf.errors.InvalidArgumentError, match="bad : Tensor had NaN values"):
        s.run(checked, {x: [0.0, 0.0]})
    np.testing.assert_array_equal(s.run(v), [1.0, 2.0])
    assert type(s._ctx.variables[v.op]) is DeviceArray


class _HostLeak(OpDef):
    """A deliberately wrong kernel (returns a host array) to show that the checks catch such bugs."""

    type = "FakeGpuHostLeak"

    def infer(op):
        return [(op.inputs[0].shape.dims_tuple, op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        return lambda x: np.zeros(x.shape, x.dtype)


def test_the_checks_catch_a_kernel_that_leaves_the_device(monkeypatch):
    found = []
    fakegpu.check_kernels(monkeypatch, found)
    x = tf.placeholder(tf.float32, [2])
    y = apply_op(_HostLeak, [convert_to_tensor(x)], {}, "leak")
    s = tf.Session(device="fakegpu")
    s.run(y, {x: [1, 2]})
    assert ("leak", "output", "ndarray") in found
    with pytest.raises(tf.errors.InvalidArgumentError, match="host numpy.ndarray"):
        s.run(y * 2.0, {x: [1, 2]})  # CuPy would refuse to multiply it with a device array


# --- thread settings ---------------------------------------------------------------------------------------

def test_num_threads_set_and_restore():
    before = tf.config.get_num_threads()
    assert before is None or before >= 1
    try:
        tf.config.set_num_threads(1)
        assert tf.config.get_num_threads() in (1, None)
        tf.config.threading.set_intra_op_parallelism_threads(1)
        assert tf.config.threading.get_intra_op_parallelism_threads() in (1, None)
    finally:
        tf.config.set_num_threads(None)
    assert tf.config.get_num_threads() == before
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError):
            tf.config.set_num_threads(bad)


def test_session_config_intra_op_threads_sets_the_pool():
    before = tf.config.get_num_threads()
    if before is None:
        pytest.skip("no BLAS library visible to threadpoolctl")
    try:
        tf.Session(config=ConfigProto(intra_op_parallelism_threads=1))
        assert tf.config.get_num_threads() == 1
    finally:
        tf.config.set_num_threads(None)
    assert tf.config.get_num_threads() == before


# --- a real GPU, when there is one -------------------------------------------------------------------------

needs_gpu = pytest.mark.skipif(not GPU, reason="needs CuPy and a CUDA GPU")


@needs_gpu
def test_gpu_mlp_training_matches_the_cpu():
    cpu_out, cpu_vars, _ = _mlp_run("cpu")
    gpu_out, gpu_vars, gpu_stored = _mlp_run("/gpu:0")
    assert host_only(gpu_out) and host_only(gpu_vars)
    import cupy

    assert all(isinstance(v, cupy.ndarray) for v in gpu_stored)
    for a, b in zip(cpu_out[:-2], gpu_out[:-2]):
        np.testing.assert_allclose(b["loss"], a["loss"], rtol=1e-4)
    for a, b in zip(cpu_vars, gpu_vars):
        np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-5)


@needs_gpu
def test_gpu_gradients_random_print_and_saver(tmp_path, capsys):
    xv = np.random.default_rng(1).normal(size=(4, 3))
    yv = np.random.default_rng(2).normal(size=(1, 3))
    results = []
    for device in ("cpu", "gpu"):
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(3)
            x = tf.placeholder(tf.float64, [None, 3])
            fetches = _many_ops(x, tf.constant(yv)) + [tf.random_normal([3]), tf.nn.dropout(tf.ones([4]), 0.5)]
            v = tf.Variable([1.5, 2.25], name="v")
            fetches.append(tf.Print(v * v, [v], "v:"))
            s = tf.Session(device=device)
            s.run(v.initializer)
            results.append(s.run(fetches, {x: xv}))
            path = tf.train.Saver().save(s, str(tmp_path / device))
            tf.train.Saver().restore(s, path)
    for a, b in zip(results[0], results[1]):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    assert host_only(results[1])
    assert capsys.readouterr().err == "v:[1.5 2.25]\nv:[1.5 2.25]\n"


@needs_gpu
@pytest.mark.parametrize("precision, tol", [("float32", 1e-4), ("tensorfloat32", 2e-3), ("bfloat16", 3e-2)])
def test_gpu_training_step_is_captured_with_its_products_and_matches_the_cpu(precision, tol):
    """CuPy refuses cuBLAS inside a CUDA-graph capture: products on the capture stream go through
    runtime/cublas_capture.py, so a training step (products forward and backward, with transposed operands) is
    captured once and replayed, and trains as the CPU does at the same precision."""
    from graphgrad.runtime.graph_replay import WARMUP_RUNS

    runs = {}
    for device in ("cpu", "/gpu:0"):
        rng = np.random.default_rng(0)
        with tf.Graph().as_default():
            x, y = tf.placeholder(tf.float32, (None, 20)), tf.placeholder(tf.int32, (None,))
            w1 = tf.Variable((rng.normal(size=(20, 32)) * 0.3).astype(np.float32))
            w2 = tf.Variable((rng.normal(size=(32, 5)) * 0.3).astype(np.float32))
            logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
            train = tf.train.AdamOptimizer(0.01).minimize(loss)
            s = tf.Session(device=device, matmul_precision=precision)
            s.run(tf.global_variables_initializer())
            step = s.make_callable([train, loss], [x, y])
            xb, yb = rng.normal(size=(16, 20)).astype(np.float32), rng.integers(0, 5, 16).astype(np.int32)
            losses = [step(xb, yb)[1] for _ in range(8)]
            runs[device] = losses, s.run([w1, w2]), step.plan.replay
    replay = runs["/gpu:0"][2]
    assert replay is not None and replay.failed is None, replay and replay.failed
    assert replay.captures == 1 and replay.launches == 8 - WARMUP_RUNS
    np.testing.assert_allclose(runs["/gpu:0"][0], runs["cpu"][0], rtol=tol)
    for a, b in zip(runs["cpu"][1], runs["/gpu:0"][1]):
        np.testing.assert_allclose(b, a, rtol=tol * 10, atol=tol)


def test_a_failing_capture_gemm_falls_back_to_cupy_outside_a_capture_and_fails_the_capture_inside():
    calls, streams = [], []
    graphs = backends._CupyGraphs(_recording_cupy(calls, streams, types.SimpleNamespace(malloc="m")))

    def broken(stream, a, b, out, precision):
        raise RuntimeError("cublasGemmEx failed with cuBLAS status 13")
    graphs._gemm = types.SimpleNamespace(prepare=lambda stream: None, matmul=broken)
    mm = backends._cupy_matmul(types.SimpleNamespace(matmul=lambda a, b, out=None: "cupy", float32=np.float32),
                               "float32")
    a = np.ones((2, 2), np.float32)
    with graphs.stream():
        assert mm(a, a) == "cupy"  # the last warm-up run still computes
    with pytest.raises(RuntimeError, match="status 13"):
        graphs.capture(lambda: mm(a, a))  # GraphReplay records why and runs the plan normally for good
    assert calls[-1] == "caller waits for event of stream"
