"""`tf.test`: whether graphgrad can run on a GPU here (CuPy installed and a CUDA device visible), and TF1's
`tf.test.TestCase` / `tf.test.main()`, so a program's own unit tests of its graphs run unchanged.

    if tf.test.is_gpu_available():
        sess = tf.Session(device="/gpu:0")
"""
from __future__ import annotations

import contextlib
import unittest

import numpy as np

__all__ = ["is_gpu_available", "gpu_device_name", "is_built_with_cuda", "is_built_with_gpu_support", "TestCase",
           "main"]

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
