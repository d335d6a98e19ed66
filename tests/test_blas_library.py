"""runtime/blas.py's library choice (`GRAPHGRAD_BLAS`): MKL where the mkl wheel is installed (the mkl extra), else
NumPy's own OpenBLAS. The library is bound when graphgrad is imported, and the suite runs on NumPy's
(tests/conftest.py), so MKL is tested in processes of its own."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from graphgrad.runtime import blas

needs_mkl = pytest.mark.skipif(not blas.mkl_paths(), reason="the mkl wheel (graphgrad[mkl]) is not installed")


def _run(code, library, extra_env=None, check=True):
    """Run `code` in a fresh interpreter with GRAPHGRAD_BLAS=`library`; what it printed last, as JSON."""
    env = dict(os.environ, GRAPHGRAD_BLAS=library, GRAPHGRAD_JIT="0", **(extra_env or {}))
    env.pop("GRAPHGRAD_DEVICE", None)  # the CPU's BLAS (a fake GPU run's device exists only in its own process)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                          timeout=300)
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_the_choice_is_read_from_the_environment(monkeypatch):
    for value, expected in (("", "auto"), ("MKL", "mkl"), (" numpy ", "numpy"), ("auto", "auto")):
        monkeypatch.setenv(blas.ENV_VAR, value)
        assert blas.choice() == expected
    monkeypatch.setenv(blas.ENV_VAR, "openblas64")
    with pytest.warns(UserWarning, match=r"GRAPHGRAD_BLAS='openblas64' is not one of auto, mkl, numpy: using auto"):
        assert blas.choice() == "auto"


def test_the_suite_runs_on_the_library_it_asked_for():
    # numpy unless the run sets GRAPHGRAD_BLAS itself (GRAPHGRAD_BLAS=mkl python -m pytest: the suite on MKL)
    expected = "mkl" if blas.choice() != "numpy" and blas.mkl_paths() else "openblas"
    assert blas.library() == expected


def test_asking_for_mkl_where_it_is_missing_warns_and_uses_numpys_blas():
    code = """
        import json, warnings
        from importlib import metadata
        def missing(name):
            raise metadata.PackageNotFoundError(name)
        metadata.distribution = missing  # as where the mkl wheel is not installed
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from graphgrad.runtime import blas
        print(json.dumps([blas.library(), blas.mkl_paths(), [str(w.message) for w in caught]]))
    """
    (library, paths, messages), _ = _run(code, "mkl")
    assert library == "openblas" and paths == []
    assert any("GRAPHGRAD_BLAS=mkl, but no MKL" in m and "graphgrad[mkl]" in m for m in messages), messages
    (library, _, messages), _ = _run(code, "auto")  # auto says nothing: NumPy's BLAS is the default
    assert library == "openblas" and not any("MKL" in m for m in messages)


def test_auto_binds_mkl_on_intels_cpus_only():
    assert blas.mkl_suits("GenuineIntel") and blas.mkl_suits(None)   # None: the vendor is unknown
    assert not blas.mkl_suits("AuthenticAMD") and not blas.mkl_suits("HygonGenuine")
    assert blas.cpu_vendor() is None or isinstance(blas.cpu_vendor(), str)


@needs_mkl
def test_auto_leaves_mkl_unused_on_amds_cpus():
    code = """
        import json
        from graphgrad.runtime import blas
        found = {}
        for vendor in ("GenuineIntel", "AuthenticAMD"):
            blas.cpu_vendor = lambda: vendor
            found[vendor] = blas._load().name
        print(json.dumps(found))
    """
    found, _ = _run(code, "auto")
    assert found == {"GenuineIntel": "mkl", "AuthenticAMD": "openblas"}
    found, _ = _run(code, "mkl")   # asked for by name, MKL runs on any CPU
    assert found == {"GenuineIntel": "mkl", "AuthenticAMD": "mkl"}


_PRODUCTS = """
    import json
    import numpy as np
    from graphgrad.runtime import blas
    rng = np.random.default_rng(0)
    out = {"library": blas.library(), "threads": blas.threads()}
    errors, calls = [], []
    gemm = blas.gemm
    def counted(*args, **kwargs):  # matmul's calls of gemm
        a, _, b = args[:3]
        calls.append(a.shape[0] * a.shape[1] * b.shape[1])
        return gemm(*args, **kwargs)
    blas.gemm = counted
    for dtype in (np.float32, np.float64):
        for m, k, n in ((128, 784, 256), (512, 300, 700), (3, 5, 7), (1, 4096, 64), (300, 1, 900)):
            a = rng.standard_normal((m, k)).astype(dtype)
            b = rng.standard_normal((k, n)).astype(dtype)
            exact = a.astype(np.float64) @ b.astype(np.float64)
            scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
            for x, y in ((a, b), (np.asfortranarray(a), b), (a, np.asfortranarray(b)), (a.T.copy().T, b.T.copy().T)):
                got = blas.matmul(x, y)
                assert got.dtype == dtype and got.shape == (m, n)
                errors.append(float(np.max(np.abs(got - exact) / scale)))
            into = np.full((m, n), np.nan, dtype)
            assert blas.matmul(a, b, out=into) is into
            errors.append(float(np.max(np.abs(into - exact) / scale)))
            c = rng.standard_normal((m, n)).astype(dtype)
            want = 0.5 * c.astype(np.float64) - 2.0 * exact
            assert gemm(a, False, b, False, c, -2.0, 0.5)
            errors.append(float(np.max(np.abs(c - want) / (scale + 1))))
        strided = rng.standard_normal((64, 2 * 600)).astype(dtype)[:, ::2]  # no unit stride: copied for BLAS
        ref = strided.astype(np.float64) @ strided.T.astype(np.float64)
        errors.append(float(np.max(np.abs(blas.matmul(strided, strided.T) - ref)) / np.max(np.abs(ref))))
    ints = np.arange(12).reshape(3, 4)
    assert (blas.matmul(ints, ints.T) == ints @ ints.T).all()
    out["max_error"] = max(errors)
    out["gemm_calls"] = len(calls)
    out["small_by_gemm"] = min(calls, default=0) < blas.GEMM_FROM
    print(json.dumps(out))
"""


@needs_mkl
def test_mkls_products_are_the_products():
    got, _ = _run(_PRODUCTS, "mkl")
    assert got["library"] == "mkl" and got["threads"] >= 1
    assert got["max_error"] < 1e-5  # relative to the sum of |terms|: float32's rounding, far below any blunder
    assert got["gemm_calls"] > 0 and not got["small_by_gemm"]  # matmul takes MKL from GEMM_FROM multiply-adds
    numpy_run, _ = _run(_PRODUCTS, "numpy")
    assert numpy_run["library"] == "openblas" and numpy_run["gemm_calls"] == 0  # NumPy's matmul calls the same BLAS
    assert numpy_run["max_error"] < 1e-5


_TRAIN = """
    import json
    import numpy as np
    import graphgrad as tf
    from graphgrad.runtime import blas
    rng = np.random.default_rng(1)
    x_data = rng.standard_normal((512, 784)).astype(np.float32)
    y_data = rng.integers(0, 10, 512)
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.int64, [None])
    h = tf.layers.dense(x, 256, tf.nn.relu, kernel_initializer=tf.glorot_uniform_initializer(seed=1))
    h = tf.layers.dense(h, 256, tf.nn.relu, kernel_initializer=tf.glorot_uniform_initializer(seed=2))
    logits = tf.layers.dense(h, 10, kernel_initializer=tf.glorot_uniform_initializer(seed=3))
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(40):
            i = step % 4 * 128
            losses.append(float(sess.run([train, loss], {x: x_data[i:i + 128], y: y_data[i:i + 128]})[1]))
    print(json.dumps({"library": blas.library(), "losses": losses}))
"""


@needs_mkl
def test_a_network_trains_the_same_on_mkl_as_on_numpys_blas():
    mkl, _ = _run(_TRAIN, "mkl")
    ref, _ = _run(_TRAIN, "numpy")
    assert mkl["library"] == "mkl" and ref["library"] == "openblas"
    assert ref["losses"][-1] < 0.5 * ref["losses"][0]  # it learns (the labels of 512 samples, by heart)
    rel = [abs(a - b) / b for a, b in zip(mkl["losses"], ref["losses"])]
    assert max(rel[:10]) < 1e-4 and max(rel) < 1e-2, rel  # rounding apart, the same steps


_POOL = """
    import json
    import numpy as np
    import graphgrad as tf
    from graphgrad.runtime import blas, gemm_pool
    out = {"wanted": gemm_pool.wanted(), "threads_before": blas.threads()}
    g = tf.Graph()
    with g.as_default():
        big = tf.matmul(tf.placeholder(tf.float32, [None, 4096]), tf.ones([4096, 4096]))
        conv = tf.nn.conv2d(tf.placeholder(tf.float32, [None, 28, 28, 8]), tf.ones([5, 5, 8, 16]), [1, 1, 1, 1],
                            "SAME")
    out["products_start_it"] = gemm_pool.worth_starting([big.op])
    out["convolutions_start_it"] = gemm_pool.worth_starting([conv.op])
    if out["wanted"]:
        from graphgrad.runtime import gemm_pool_kernels
        assert gemm_pool.start()
        out["threads_pooled"] = blas.threads()
        rng = np.random.default_rng(2)
        a = rng.standard_normal((512, 384)).astype(np.float32)
        b = rng.standard_normal((384, 640)).astype(np.float32)
        c = np.empty((512, 640), np.float32)
        out["split"] = bool(gemm_pool._pooled_gemm(a, b, c, 1.0, 0.0))
        exact = a.astype(np.float64) @ b.astype(np.float64)
        out["split_error"] = float(np.max(np.abs(c - exact) / (np.abs(a) @ np.abs(b))))
        out["same_functions"] = list(blas.raw_functions()[:2]) == list(blas._LIB.addresses)
        gemm_pool.stop()
        out["threads_after"] = blas.threads()
    tf.config.set_num_threads(1)
    out["threads_set"] = blas.threads()
    tf.config.set_num_threads(None)
    out["threads_restored"] = blas.threads()
    print(json.dumps(out))
"""


@needs_mkl
def test_the_gemm_pool_and_thread_settings_drive_mkl():
    got, _ = _run(_POOL, "mkl")
    assert got["convolutions_start_it"] and not got["products_start_it"]  # MKL's own threads take the products
    assert got["threads_set"] == 1 and got["threads_restored"] == got["threads_before"]
    if got["wanted"] and got["threads_before"] >= 2:
        assert got["threads_pooled"] == 1 and got["threads_after"] == got["threads_before"]
        assert got["split"] and got["split_error"] < 1e-5 and got["same_functions"]
    ref, _ = _run(_POOL, "numpy")
    assert ref["products_start_it"]  # OpenBLAS's threads run them slower than the pool


_CONCURRENT = """
    import json, multiprocessing, threading
    import numpy as np
    from graphgrad.runtime import blas
    a = np.random.default_rng(3).standard_normal((512, 512)).astype(np.float32)
    want = blas.matmul(a, a)  # MKL's threads started in the parent
    def child(q):
        q.put(blas.threads() == 1 and bool(np.allclose(blas.matmul(a, a), want, rtol=1e-5, atol=1e-4)))
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    forked = q.get(timeout=120)
    p.join()
    same = []
    def run():
        for _ in range(30):
            # (MKL may run a product on fewer threads while others run, and round it another way)
            same.append(bool(np.allclose(blas.matmul(a, a), want, rtol=1e-5, atol=1e-4)))
    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"library": blas.library(), "forked": forked, "threads": all(same) and len(same) == 120}))
"""


@needs_mkl
def test_mkl_in_a_forked_child_and_from_several_threads():
    """A forked child runs MKL on one thread (Intel's OpenMP can deadlock in a forked child otherwise)."""
    got, _ = _run(_CONCURRENT, "mkl")
    assert got == {"library": "mkl", "forked": True, "threads": True}


@needs_mkl
def test_with_mkl_numpys_openblas_runs_on_one_thread_so_the_two_pools_never_fight():
    code = """
        import json
        import numpy as np
        from threadpoolctl import threadpool_info
        import graphgrad as tf
        from graphgrad.runtime import blas
        def counts():
            return sorted({(i["internal_api"], i["num_threads"]) for i in threadpool_info()
                           if i["internal_api"] in ("mkl", "openblas")})
        first = counts()
        tf.config.set_num_threads(2)   # threadpoolctl sets every library's count: OpenBLAS goes back to one
        second = counts()
        print(json.dumps([blas.library(), first, second]))
    """
    (library, first, second), _ = _run(code, "mkl", {"MKL_NUM_THREADS": "2"})
    assert library == "mkl"
    assert ["openblas", 1] in first and ["mkl", 2] in first, first
    assert ["openblas", 1] in second and ["mkl", 2] in second, second
    (library, first, _), _ = _run(code, "mkl", {"OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"})
    assert ["openblas", 2] in first, first   # a count the user asked for stays
    (library, first, _), _ = _run(code, "numpy", {"OPENBLAS_NUM_THREADS": "", "OMP_NUM_THREADS": "2"})
    assert library == "openblas" and ["openblas", 2] in first, first   # OpenBLAS bound: its threads are its own


@needs_mkl
def test_with_mkl_batched_products_of_big_matrices_run_on_it_matrix_by_matrix():
    code = """
        import json
        import numpy as np
        from graphgrad.runtime import blas
        rng = np.random.default_rng(0)
        calls = []
        gemm = blas.gemm
        def counting(*args):
            calls.append(args[0].shape)
            return gemm(*args)
        blas.gemm = counting
        a = rng.standard_normal((3, 128, 96)).astype(np.float32)
        b = rng.standard_normal((3, 96, 128)).astype(np.float32)
        big = np.abs(blas.matmul(a, b) - np.matmul(a, b)).max() / np.abs(np.matmul(a, b)).max()
        n_big = len(calls)
        out = np.zeros((3, 128, 128), np.float32)
        blas.matmul(a.swapaxes(1, 2).copy().swapaxes(1, 2), b, out=out)   # strided operands, a given out
        strided = float(np.abs(out - np.matmul(a, b)).max() / np.abs(np.matmul(a, b)).max())
        small = blas.matmul(a[:, :8], b[:, :, :8])                         # below BATCHED_GEMM_FROM: NumPy's
        print(json.dumps([float(big), n_big, strided, len(calls) - 2 * n_big,
                          bool(np.array_equal(small, np.matmul(a[:, :8], b[:, :, :8])))]))
    """
    (big, n_big, strided, n_small, small_same), _ = _run(code, "mkl")
    assert n_big == 3 and big < 1e-5 and strided < 1e-5
    assert n_small == 0 and small_same
