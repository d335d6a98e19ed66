"""The NumPy-only path: with Numba absent (the `jit` extra not installed), a plan that would compile islands,
chains and the GEMM pool runs its kernels instead, and trains as it does with them (issue 17: "the NumPy-only
path keeps working when the JIT library is absent")."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import graphgrad as tf

HIDDEN = ("numba", "llvmlite")

#: A small CNN (two convolutions, max pooling, a dense layer) trained with Adam: every kind of compiled work a
#: plan may want (islands, in-place chains, the pool's convolution passes and products).
PROGRAM = """
def train():
    import numpy as np
    import graphgrad as tf
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((32, 12, 12, 1)).astype(np.float32)
    y_np = rng.integers(0, 10, 32).astype(np.int32)
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, [None, 12, 12, 1])
    y = tf.placeholder(tf.int32, [None])
    h = tf.layers.conv2d(x, 24, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv2d(h, 24, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.dense(tf.layers.flatten(h), 64, activation=tf.nn.relu)
    loss = tf.losses.sparse_softmax_cross_entropy(y, tf.layers.dense(h, 10))
    step = tf.train.AdamOptimizer(1e-3).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return [float(s.run([step, loss], {x: x_np, y: y_np})[1]) for _ in range(25)]
"""

CHILD = PROGRAM + """
import importlib.util, json, sys
site = [p for p in sys.path if p.endswith("site-packages")]
sys.path[:] = [sys.argv[1] if p in site else p for p in sys.path]
assert all(importlib.util.find_spec(m) is None for m in {hidden!r})
losses = train()
from graphgrad.runtime import gemm_pool
print(json.dumps({{"losses": losses, "pool": gemm_pool.started(), "loaded": [m for m in sys.modules
                                                                        if m.split(".")[0] in {hidden!r}]}}))
""".format(hidden=HIDDEN)


def _site_without_numba(tmp_path):
    """A copy of this interpreter's site-packages made of links to all of it but Numba and llvmlite."""
    site = Path(np.__file__).resolve().parent.parent
    out = tmp_path / "site"
    out.mkdir()
    for entry in site.iterdir():
        if not entry.name.lower().startswith(HIDDEN):
            (out / entry.name).symlink_to(entry)
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
@pytest.mark.host_process("a child without Numba, on the CPU's NumPy-only path")
def test_a_plan_that_would_compile_runs_its_kernels_and_trains_the_same_without_numba(tmp_path):
    env = dict(os.environ, GRAPHGRAD_JIT="1", GRAPHGRAD_JIT_AFTER="1", GRAPHGRAD_JIT_AFTER_S="0",
               GRAPHGRAD_JIT_AOT="1", GRAPHGRAD_JIT_CACHE=str(tmp_path / "cache"), GRAPHGRAD_JIT_WAIT="1")
    done = subprocess.run([sys.executable, "-c", CHILD, str(_site_without_numba(tmp_path))], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    child = json.loads(done.stdout.strip().splitlines()[-1])
    assert child["loaded"] == [] and child["pool"] is False
    scope = {}
    exec(PROGRAM, scope)  # this process: the suite's NumPy kernels, as the child's
    with tf.Graph().as_default():
        here = scope["train"]()
    assert child["losses"][-1] < 0.7 * child["losses"][0]
    np.testing.assert_allclose(child["losses"], here, rtol=1e-5)
