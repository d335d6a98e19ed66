"""`tf.test`: whether graphgrad can run on a GPU here (CuPy installed and a CUDA device visible), and TF1's
`tf.test.TestCase` / `tf.test.main()`, so a program's own unit tests of its graphs run unchanged.

    if tf.test.is_gpu_available():
        sess = tf.Session(device="/gpu:0")
"""
from __future__ import annotations

import contextlib
import functools
import platform
import tempfile
import time
import unittest

import numpy as np

from .test_helpers import (  # noqa: F401 - tf.test's names
    StubOutForTesting,
    assert_equal_graph_def,
    benchmark_config,
    create_local_cluster,
    disable_with_predicate,
    mock,
    test_src_dir_path,
    with_eager_op_as_function,
)

__all__ = ["is_gpu_available", "gpu_device_name", "is_built_with_cuda", "is_built_with_gpu_support", "TestCase",
           "main", "compute_gradient", "compute_gradient_error", "get_temp_dir", "Benchmark", "is_built_with_xla",
           "is_built_with_rocm", "is_cpu_target_available", "assert_equal_graph_def", "create_local_cluster",
           "disable_with_predicate", "with_eager_op_as_function", "test_src_dir_path", "mock", "StubOutForTesting",
           "benchmark_config"]

_DEFAULT_GRAPH_SEED = 87654321  # TF1's test_util seed: every test starts from a fresh, seeded default graph


class TestCase(unittest.TestCase):
    """TF1's `tf.test.TestCase`: each test gets a fresh default graph with graph seed 87654321; `test_session()`,
    `session()` and `cached_session()` yield a Session on it that is the default one (so `x.eval()` works);
    `evaluate` runs tensors; `assertAllEqual` / `assertAllClose` compare arrays with NumPy's messages."""

    def setUp(self):
        from .framework.graph import get_default_graph, reset_default_graph
        from .framework.random_seed import set_random_seed

        super().setUp()
        reset_default_graph()
        set_random_seed(_DEFAULT_GRAPH_SEED)
        np.random.seed(_DEFAULT_GRAPH_SEED)
        self._cached = None
        self._graph = get_default_graph()

    def tearDown(self):
        if getattr(self, "_cached", None) is not None:
            self._cached.close()
        super().tearDown()

    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """A new Session on `graph` (the default graph), made the default session (and its graph the default
        graph) inside the `with` block; closed after it."""
        from .runtime.session import Session

        sess = Session(graph=graph, config=config)
        with sess.graph.as_default(), sess.as_default():
            try:
                yield sess
            finally:
                sess.close()

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """The same Session on every call within one test (TF1 keeps its variables between `with` blocks)."""
        from .runtime.session import Session

        if self._cached is None or self._cached.graph is not (graph or self._cached.graph):
            self._cached = Session(graph=graph, config=config)
        with self._cached.graph.as_default(), self._cached.as_default():
            yield self._cached

    def test_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """The cached session (deprecated in TF1 in favour of the two above; what old tests call). unittest
        collects it as a test by its name; as in TF1, that run is skipped."""
        if self.id().endswith(".test_session"):
            self.skipTest("Not a test.")
        return self.cached_session(graph, config, use_gpu, force_gpu)

    def evaluate(self, tensors):
        """Runs `tensors` (any nesting) in the default session, or in the cached one when none is open."""
        from .runtime.session import get_default_session

        sess = get_default_session()
        if sess is None:
            with self.cached_session() as sess:
                return sess.run(tensors)
        return sess.run(tensors)

    def assertAllEqual(self, a, b, msg=None):
        a, b = self._value(a), self._value(b)
        self.assertEqual(a.shape, b.shape, f"Shape mismatch: expected {a.shape}, got {b.shape}. {msg or ''}")
        np.testing.assert_array_equal(a, b, err_msg=msg or "")

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        a, b = self._value(a), self._value(b)
        self.assertEqual(a.shape, b.shape, f"Shape mismatch: expected {a.shape}, got {b.shape}. {msg or ''}")
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=msg or "")

    def assertNear(self, f1, f2, err, msg=None):
        """|f1 - f2| <= err, as TF1 checks two floats."""
        self.assertTrue(abs(f1 - f2) <= err, f"{f1!r} != {f2!r} +/- {err!r}{' : ' + msg if msg else ''}")

    def assertArrayNear(self, farray1, farray2, err, msg=None):
        self.assertEqual(len(farray1), len(farray2), msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg)

    def assertShapeEqual(self, np_array, tf_tensor, msg=None):
        """The NumPy array's shape equals the tensor's static shape."""
        self.assertEqual(list(np_array.shape), tf_tensor.get_shape().as_list(), msg)

    def _value(self, x):
        from .framework.graph import Tensor
        from .variables import Variable

        return np.asarray(self.evaluate(x) if isinstance(x, (Tensor, Variable)) else x)


def main(argv=None):
    """Runs the TestCases of `__main__` (TF1's `tf.test.main()`)."""
    unittest.main(argv=argv)


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """True when a session can run on the GPU: CuPy imports and sees a CUDA device (with at least
    `min_cuda_compute_capability`, a (major, minor) tuple, when given). Never raises."""
    from .runtime.backends import get_backend

    try:
        backend = get_backend("gpu")
    except (RuntimeError, ValueError):
        return False
    if min_cuda_compute_capability is None:
        return True
    try:
        cc = backend.xp.cuda.Device(backend.index).compute_capability  # e.g. "90"
        have = (int(cc[:-1]), int(cc[-1]))
    except Exception:
        return False
    return have >= tuple(min_cuda_compute_capability)


def gpu_device_name():
    """'/device:GPU:0' when a GPU is available, else '' (TensorFlow's convention)."""
    return "/device:GPU:0" if is_gpu_available() else ""


def is_built_with_cuda():
    """Whether graphgrad's GPU backend (CuPy) is installed, whether or not a device is visible."""
    import importlib.util

    return importlib.util.find_spec("cupy") is not None


is_built_with_gpu_support = is_built_with_cuda


def is_built_with_xla():
    """False: graphgrad compiles plans with Numba (the `jit` extra), not XLA."""
    return False


def is_built_with_rocm():
    """False: graphgrad's GPU backend is CuPy on CUDA."""
    return False


_ARCHES = {"x86_64": ("x86", "x86_64", "amd64"), "amd64": ("x86", "x86_64", "amd64"),
           "aarch64": ("arm", "aarch64", "arm64"), "arm64": ("arm", "aarch64", "arm64")}


def is_cpu_target_available(target):
    """Whether `target` ("x86", "aarch64", ...) names this machine's CPU architecture: graphgrad's kernels are
    NumPy's, built for the host and nothing else."""
    machine = platform.machine().lower()
    return target.lower() in _ARCHES.get(machine, (machine,))


@functools.lru_cache(maxsize=1)
def get_temp_dir():
    """A temporary directory for this process's tests (made on first use, under TEST_TMPDIR when set), removed
    with what the tests left in it when the process exits, as TF's."""
    import atexit
    import os
    import shutil

    path = tempfile.mkdtemp(prefix="graphgrad_test_", dir=os.environ.get("TEST_TMPDIR"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


# --- TF1's gradient checker (tensorflow/python/ops/gradient_checker.py) -------------------------------------

def _as_list(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _jacobians(x, x_shape, x0, y, y_shape, delta, feed):
    """(theoretical, numerical) Jacobian of y with respect to x, both (x_size, y_size) in x's dtype: the first
    from tf.gradients with a one-hot grad_ys per element of y, the second from central differences."""
    from .autodiff import gradients
    from .ops.core import convert_to_tensor, placeholder
    from .runtime.session import get_default_session

    sess = get_default_session()
    if sess is None:
        raise ValueError("compute_gradient needs a default session: run it inside `with tf.Session():`")
    dt = x.dtype.base_dtype.np
    x_size, y_size = int(np.prod(x_shape, dtype=np.int64)), int(np.prod(y_shape, dtype=np.int64))
    dy = placeholder(y.dtype.base_dtype, y_shape)
    grad = gradients(y, x, grad_ys=dy)[0]
    theoretical = np.zeros((x_size, y_size), dt)
    if grad is not None:
        grad = convert_to_tensor(grad)
        for col in range(y_size):
            seed = np.zeros(y_size, y.dtype.base_dtype.np)
            seed[col] = 1
            theoretical[:, col] = np.ravel(sess.run(grad, {**feed, x: x0, dy: seed.reshape(y_shape)}))
    numerical = np.zeros((x_size, y_size), dt)
    flat = x0.ravel()
    for row in range(x_size):
        old = flat[row]
        flat[row] = old + delta
        y_pos = np.asarray(sess.run(y, {**feed, x: flat.reshape(x_shape)}), dtype=dt)
        flat[row] = old - delta
        y_neg = np.asarray(sess.run(y, {**feed, x: flat.reshape(x_shape)}), dtype=dt)
        flat[row] = old
        numerical[row, :] = np.ravel(y_pos - y_neg) / (2 * delta)
    return theoretical, numerical


def compute_gradient(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3, init_targets=None,
                     extra_feed_dict=None):
    """TF1's `tf.test.compute_gradient`: (theoretical, numerical) Jacobians of `y` with respect to `x`, each of
    shape (x size, y size), in the default session; `x` is fed `x_init_value` (random in [0, 1) when None).
    Lists of x give a list of pairs."""
    from .runtime.session import get_default_session

    if init_targets is not None:
        get_default_session().run(init_targets)
    xs, shapes = _as_list(x), (x_shape if isinstance(x, (list, tuple)) else [x_shape])
    inits = x_init_value if isinstance(x, (list, tuple)) and x_init_value is not None else [x_init_value]
    if len(inits) != len(xs):
        inits = [None] * len(xs)
    x0s = [(np.random.random_sample(shape) if init is None else np.asarray(init)).astype(xi.dtype.base_dtype.np)
           .reshape(shape) for xi, shape, init in zip(xs, shapes, inits)]
    feed = {**dict(zip(xs, x0s)), **dict(extra_feed_dict or {})}  # every x keeps its value while one moves
    out = [_jacobians(xi, shape, x0.copy(), y, y_shape, delta, feed) for xi, shape, x0 in zip(xs, shapes, x0s)]
    return out if isinstance(x, (list, tuple)) else out[0]


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3, init_targets=None,
                           extra_feed_dict=None):
    """The largest |theoretical - numerical| over the Jacobians of compute_gradient."""
    pairs = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets, extra_feed_dict)
    pairs = pairs if isinstance(pairs, list) else [pairs]
    return max(float(np.max(np.abs(t - n), initial=0.0)) for t, n in pairs)


class Benchmark:
    """TF1's `tf.test.Benchmark`: `run_op_benchmark` times an op in a session (after burn-in runs) and reports
    it; `report_benchmark` logs an entry (name, iters, wall_time, ...) and keeps it in `self.reported`."""

    def __init__(self):
        self.reported = []

    def report_benchmark(self, iters=None, cpu_time=None, wall_time=None, throughput=None, extras=None, name=None,
                         metrics=None):
        from . import logging

        entry = {k: v for k, v in dict(name=name or type(self).__name__, iters=iters, cpu_time=cpu_time,
                                       wall_time=wall_time, throughput=throughput, extras=extras,
                                       metrics=metrics).items() if v is not None}
        self.reported.append(entry)
        logging.info("Benchmark [%s] %s", entry["name"], entry)
        return entry

    def run_op_benchmark(self, sess, op_or_tensor, feed_dict=None, burn_iters=2, min_iters=10, store_trace=False,
                         store_memory_usage=True, name=None, extras=None, mbs=0):
        """Runs `op_or_tensor` burn_iters times, then min_iters timed times; reports the median wall time."""
        for _ in range(burn_iters):
            sess.run(op_or_tensor, feed_dict=feed_dict)
        times = []
        for _ in range(min_iters):
            start = time.perf_counter()
            sess.run(op_or_tensor, feed_dict=feed_dict)
            times.append(time.perf_counter() - start)
        wall = float(np.median(times))
        extras = dict(extras or {})
        if mbs:
            extras["throughput_mbs"] = mbs / wall
        return self.report_benchmark(iters=min_iters, wall_time=wall, extras=extras or None, name=name)

    def evaluate(self, tensors):
        from .runtime.session import get_default_session

        return get_default_session().run(tensors)
