"""Fused element-wise kernels (runtime/elementwise.py): the body CUDA compiles is valid C++, and run by the
emulator it gives exactly what the NumPy optimizer kernels give (training on the fake GPU, which uses them)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.runtime import elementwise
from graphgrad.runtime.elementwise import Fused, emulate

sys.path.insert(0, os.path.dirname(__file__))
import fakegpu  # noqa: E402

fakegpu.register()
KERNELS = [elementwise.ADAM, elementwise.MOMENTUM, elementwise.NESTEROV, elementwise.GRADIENT_DESCENT,
           elementwise.RMSPROP, elementwise.CENTERED_RMSPROP, elementwise.ADAGRAD, elementwise.ADAGRAD_FROZEN_SLOTS,
           elementwise.ADADELTA]


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++ to check the kernels' C++")
@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_the_body_is_valid_cplusplus(kernel, tmp_path):
    """CUDA compiles the body inside a function whose outputs are references: check it the same way."""
    ins = ", ".join(f"T {n}" for n in kernel.names(kernel.in_params))
    outs = ", ".join(f"T& {n}" for n in kernel.names(kernel.out_params))
    src = tmp_path / "k.cpp"
    src.write_text(f"#include <cmath>\nusing std::sqrt;\ntemplate <typename T> void k({ins}, {outs}) {{\n"
                   f"{kernel.body}\n}}\ntemplate void k<float>({ins.replace('T ', 'float ')}, "
                   f"{outs.replace('T& ', 'float& ')});\n")
    out = subprocess.run(["g++", "-std=c++17", "-Wall", "-Werror", "-fsyntax-only", str(src)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def _train(opt, device, steps=4):
    g = tf.Graph()
    with g.as_default():
        rng = np.random.default_rng(2)
        x = tf.constant(rng.standard_normal((16, 5)).astype(np.float32))
        y = tf.constant(rng.integers(0, 3, 16).astype(np.int32))
        w = tf.Variable(rng.standard_normal((5, 3)).astype(np.float32))
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=tf.matmul(x, w)))
        step = opt().minimize(loss)
        with tf.Session(device=device) as s:
            s.run(tf.global_variables_initializer())
            losses = [s.run([loss, step])[0] for _ in range(steps)]
            return losses, s.run(tf.global_variables())


@pytest.mark.parametrize("opt,kernel", [
    (lambda: tf.train.GradientDescentOptimizer(0.5), elementwise.GRADIENT_DESCENT),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), elementwise.MOMENTUM),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), elementwise.NESTEROV),
    (lambda: tf.train.AdamOptimizer(0.1), elementwise.ADAM),
    (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5), elementwise.RMSPROP),
    (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True), elementwise.CENTERED_RMSPROP),
    (lambda: tf.train.AdagradOptimizer(0.1), elementwise.ADAGRAD),
    (lambda: tf.train.AdadeltaOptimizer(1.0), elementwise.ADADELTA),
], ids=["sgd", "momentum", "nesterov", "adam", "rmsprop", "centered_rmsprop", "adagrad", "adadelta"])
def test_fused_updates_match_the_numpy_kernels_bit_for_bit(opt, kernel, monkeypatch):
    backend = fakegpu_backend()
    used = []
    compile_kernel = backend._elementwise
    monkeypatch.setattr(backend, "_fused", {})  # compile afresh, so this optimizer's kernel is seen
    monkeypatch.setattr(backend, "_elementwise", lambda k: used.append(k) or compile_kernel(k))
    cpu = _train(opt, "cpu")
    gpu = _train(opt, "fakegpu")
    assert gpu[0] == cpu[0]
    for a, b in zip(gpu[1], cpu[1]):
        np.testing.assert_array_equal(a, b)
    assert kernel in used


def fakegpu_backend():
    from graphgrad.runtime.backends import get_backend

    return get_backend("fakegpu")


def test_emulated_statements_update_outputs_in_place():
    k = Fused("k", "T a, T b", "T y, T z", "y = y * a + b;\n z -= y / b;")
    y, z = np.ones(3, np.float32), np.full(3, 10.0, np.float32)
    emulate(np, k)(np.float32(2.0), np.float32(4.0), y, z)
    np.testing.assert_array_equal(y, [6, 6, 6])
    np.testing.assert_array_equal(z, [8.5, 8.5, 8.5])
    assert y.dtype == np.float32


@pytest.mark.parametrize("body", ["y = a if b else a;", "float t = a;", "y = a;\n a = y;", "y = pow(a, b);",
                                  "y = a[0];"])
def test_bodies_outside_the_common_subset_are_refused(body):
    with pytest.raises(ValueError):
        Fused("k", "T a, T b", "T y", body).statements()
