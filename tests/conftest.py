import os
import sys

import pytest

#: The products run on NumPy's own OpenBLAS, whose results the tests compare with NumPy's bit for bit where the
#: arithmetic is the same; MKL (the mkl extra, which the dev extra installs) is tested in processes of its own
#: (tests/test_blas_library.py). Set before graphgrad is imported: runtime/blas.py binds its library then.
os.environ.setdefault("GRAPHGRAD_BLAS", "numpy")

import graphgrad as tf  # noqa: E402

#: Numba's islands (runtime/jit.py) compile for seconds; the suite runs the kernels unless a test turns them on
#: (tests/test_jit.py), so that each training loop of a test does not pay a compile.
os.environ.setdefault("GRAPHGRAD_JIT", "0")
#: ... and a test that turns them on compiles them in this process: building them ahead in a child (runtime/aot.py,
#: seconds per plan) is what tests/test_aot.py tests, and would otherwise depend on whether an earlier test loaded
#: Numba.
os.environ.setdefault("GRAPHGRAD_JIT_AOT", "0")

#: GRAPHGRAD_DEVICE=fakegpu runs the whole suite with the fake GPU of tests/fakegpu.py as every session's device
#: (docs/devices.md): the closest this suite gets to `GRAPHGRAD_DEVICE=gpu pytest` on a machine without CUDA.
FAKE_GPU = os.environ.get("GRAPHGRAD_DEVICE") == "fakegpu"
#: GRAPHGRAD_DEVICE=gpu on a CUDA machine (bench/gpu_check.sh) skips the same marked tests as the fake GPU does.
GPU_RUN = FAKE_GPU or os.environ.get("GRAPHGRAD_DEVICE", "").lower() in ("gpu", "/gpu:0", "/device:gpu:0")
if FAKE_GPU:
    sys.path.insert(0, os.path.dirname(__file__))
    import fakegpu

    fakegpu.register()
    fakegpu.refuse_implicit_conversion()


def pytest_collection_modifyitems(config, items):
    """On the (fake) GPU, tests marked `host_process`, `cpu_semantics` or `cpu_only` are skipped, naming why; on a
    real GPU also those marked `numpy_kernels`."""
    if not GPU_RUN:
        return
    marks = ("host_process", "cpu_semantics", "cpu_only") + (() if FAKE_GPU else ("numpy_kernels",))
    for item in items:
        for name in marks:
            mark = item.get_closest_marker(name)
            if mark is not None:
                why = f"{'fake ' if FAKE_GPU else ''}GPU run ({name}): {mark.args[0]}"
                item.add_marker(pytest.mark.skipif(True, reason=why))


@pytest.fixture
def two_blas_threads():
    """The GEMM pool stopped, and the BLAS at two threads (other tests of this process may have left it at one:
    tf.config.set_num_threads), so that the pool can start; both as they were afterwards."""
    from graphgrad.runtime import blas, gemm_pool

    gemm_pool.stop()
    _, _, get, put = blas.raw_functions()
    before = get()
    put(2)
    yield
    gemm_pool.stop()
    put(before)


@pytest.fixture
def jit_on(monkeypatch, tmp_path):
    """Numba islands on (tests/test_jit*.py), compiled after one run into a cache folder of the test's own; every
    island pays whatever the runs took, so a slow first run on a loaded machine does not decide what a test sees
    (the profitability tests set `jit.CALL_S` themselves)."""
    monkeypatch.setenv("GRAPHGRAD_JIT", "1")
    monkeypatch.setenv("GRAPHGRAD_JIT_AFTER", "1")
    monkeypatch.setenv("GRAPHGRAD_JIT_AFTER_S", "0")
    monkeypatch.setenv("GRAPHGRAD_JIT_CACHE", str(tmp_path))
    monkeypatch.setenv("GRAPHGRAD_JIT_WAIT", "1")  # islands built ahead are in place after the run that builds them
    from graphgrad.runtime import jit

    monkeypatch.setattr(jit, "CALL_S", 1.0)
    jit._cache_dir.cache_clear()
    yield tmp_path
    jit._cache_dir.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_default_graph():
    """Every test starts on an empty default graph with no default session left over."""
    tf.reset_default_graph()
    yield
    if tf.eager.eager_enabled():  # eager execution is process-wide: a test must not leave it on for the next
        tf.eager.context._disable_eager_execution()
        pytest.fail("the test left eager execution enabled: enter it with `graphgrad.eager.eager_mode()`")
    s = tf.get_default_session()
    while s is not None:
        s.close()
        s = tf.get_default_session()


def _hypothesis_profile():
    """No per-example deadline (CI machines are slow and shared) and a fixed example sequence, so a run
    on CI checks exactly what passed here; set HYPOTHESIS_PROFILE=explore to search new examples."""
    import os

    from hypothesis import settings

    settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
    settings.register_profile("explore", deadline=None, max_examples=500)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profile()
