"""Fused element-wise kernels (runtime/elementwise.py): each optimizer's update rule is written once, as a body
that CUDA compiles (valid C++) and from which the NumPy kernel is generated; the generated kernel gives exactly
what the emulator gives, with no more ufunc calls or buffers than the hand-written kernels it replaced, and
training on the fake GPU (fused kernels, emulated) gives exactly the CPU's numbers."""
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
           elementwise.ADADELTA, elementwise.ADAM_BETA_POWERS]


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
                                  "y = a[0];", "T t = a; T t = b;", "T a = b;", "T y = a;", "y = t; T t = a;",
                                  "T t += a;", "t = a;", "y = b(a);"])
def test_bodies_outside_the_common_subset_are_refused(body):
    with pytest.raises(ValueError):
        Fused("k", "T a, T b", "T y", body).statements()


# --- the NumPy kernel generated from each body ------------------------------------------------------------------

# The hand-written NumPy kernels this replaced: ufunc calls per step and scratch buffers, per update rule.
HAND_WRITTEN = {"graphgrad_apply_adam": (12, 2), "graphgrad_apply_momentum": (4, 2), "graphgrad_apply_nesterov": (7, 2),
                "graphgrad_apply_gradient_descent": (2, 1), "graphgrad_apply_rmsprop": (11, 2),
                "graphgrad_apply_centered_rmsprop": (16, 2), "graphgrad_apply_adagrad": (7, 2),
                "graphgrad_apply_adagrad_frozen": (5, 2), "graphgrad_apply_adadelta": (17, 2),
                "graphgrad_adam_beta_powers": (2, 0)}


def _inputs(kernel, dtype, shape, seed):
    """Random inputs and outputs for `kernel`: arrays in [0.5, 1.5) (square roots stay real), scalar
    hyper-parameters in (0, 1) as the plan passes them (0-d arrays)."""
    rng = np.random.default_rng(seed)
    ins = [np.array(rng.random(shape) + 0.5, dtype) if n in kernel.arrays else np.array(rng.uniform(0.05, 0.95), dtype)
           for n in kernel.names(kernel.in_params)]
    outs = [np.array(rng.random(shape) + 0.5, dtype) for _ in kernel.names(kernel.out_params)]
    return ins, outs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_the_generated_numpy_kernel_equals_the_emulated_body_bit_for_bit(kernel, dtype):
    shape = () if kernel is elementwise.ADAM_BETA_POWERS else (7, 5)
    ins, outs = _inputs(kernel, dtype, shape, seed=len(kernel.name))
    emulated, generated = [o.copy() for o in outs], [o.copy() for o in outs]
    run_emulated, run_generated = emulate(np, kernel), elementwise.numpy_kernel(kernel).bind(np)
    for _ in range(3):  # several steps: the outputs feed the next one, as in training
        run_emulated(*ins, *emulated)
        run_generated(*ins, *generated)
        for e, g in zip(emulated, generated):
            assert g.dtype == dtype
            np.testing.assert_array_equal(g, e)
    assert all((g != o).any() for g, o in zip(generated, outs) if kernel.name != "graphgrad_apply_adagrad_frozen")


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_the_generated_kernel_is_readable_and_shows_each_statement(kernel):
    nk = elementwise.numpy_kernel(kernel)
    assert nk is elementwise.numpy_kernel(kernel)  # compiled once per body
    for s in kernel.statements():
        expr = " ".join(s.expr.split())
        assert (f"# T {s.target} = {expr}" if s.declares else f"# {s.target} {s.op} {expr}") in nk.source
    assert f"def {kernel.name}(" in nk.source


class _CountingXP:
    """NumPy with its ufuncs counted: each call with `out=` (an array op, which must write into an output or a
    scratch buffer) and each without (allowed only on scalars: hyper-parameter arithmetic); allocations too."""

    def __init__(self):
        self.array_calls, self.scalar_calls, self.allocations, self.outs = 0, 0, [], set()

    def __getattr__(self, name):
        fn = getattr(np, name)
        if name.startswith("__"):
            return fn
        if name in ("empty_like", "empty"):
            def empty(a, *args):
                self.allocations.append(np.shape(a) if name == "empty_like" else a)
                return fn(a, *args)
            return empty

        def call(*args, **kw):
            result = fn(*args, **kw)
            if "out" in kw or name == "copyto":
                self.array_calls += 1
                self.outs.add(id(kw.get("out", args[0])))
            else:
                assert np.ndim(result) == 0, f"{name} made an array {np.shape(result)}"
                self.scalar_calls += 1
            return result
        return call


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_the_generated_kernel_makes_no_more_calls_and_buffers_than_the_hand_written_one(kernel):
    xp = _CountingXP()
    nk = elementwise.numpy_kernel(kernel)
    calls, buffers = HAND_WRITTEN[kernel.name]
    assert nk.calls <= calls and nk.temporaries <= buffers
    run = nk.bind(xp)
    shape = () if kernel is elementwise.ADAM_BETA_POWERS else (64, 3)
    ins, outs = _inputs(kernel, np.float32, shape, seed=1)
    run(*ins, *outs)
    assert xp.array_calls == nk.calls
    assert len(xp.allocations) == nk.temporaries  # the scratch buffers, made on the first step ...
    run(*ins, *outs)
    assert xp.array_calls == 2 * nk.calls and len(xp.allocations) == nk.temporaries  # ... and kept
    # every array op writes into an output or one of the scratch buffers
    assert len(xp.outs - {id(o) for o in outs}) <= nk.temporaries


def test_scalar_sub_expressions_are_computed_once_per_call_as_scalars():
    src = elementwise.numpy_kernel(elementwise.ADAM).source
    assert "= lr * sqrt(1 - beta2_power) / (1 - beta1_power)" in src
    assert src.count("= 1 - beta1\n") == 1
    centered = elementwise.numpy_kernel(elementwise.CENTERED_RMSPROP).source
    assert centered.count("= 1 - rho\n") == 1  # computed once, before both the whole-array and the sliced path


def test_a_temporary_lives_in_a_scratch_buffer_until_its_last_use():
    k = Fused("k", "T g, T a", "T y, T z", "T u = g * g + a; y -= u * a; z += u * u;", arrays=("g",))
    nk = elementwise.numpy_kernel(k)
    assert nk.temporaries == 2 and nk.calls == 6
    ins, outs = _inputs(k, np.float64, (4,), seed=3)
    expected = [o.copy() for o in outs]
    emulate(np, k)(*ins, *expected)
    nk.bind(np)(*ins, *outs)
    for o, e in zip(outs, expected):
        np.testing.assert_array_equal(o, e)


def test_the_op_form_takes_the_op_inputs_in_order_and_finds_outputs_in_the_store():
    k = elementwise.MOMENTUM
    ins, outs = _inputs(k, np.float32, (3, 3), seed=4)
    expected = [o.copy() for o in outs]
    emulate(np, k)(*ins, *expected)
    store = {"v": outs[0], "a": outs[1]}
    grad, lr, momentum = ins
    run = elementwise.numpy_kernel(k).bind(np, args=("lr", "grad", "momentum"), store=store, keys=("v", "a"))
    assert run(lr, grad, momentum) is outs[0]
    for o, e in zip(outs, expected):
        np.testing.assert_array_equal(o, e)


def test_a_body_without_declared_arrays_has_no_numpy_kernel():
    with pytest.raises(ValueError, match="declare which inputs are arrays"):
        elementwise.numpy_kernel(Fused("k", "T a", "T y", "y += a;"))
    with pytest.raises(ValueError, match="not inputs"):
        elementwise.numpy_kernel(Fused("k", "T a", "T y", "y += a;", arrays=("b",)))


def _apply_ops():
    from graphgrad.train.optimizer import ApplyOp

    todo, seen = [ApplyOp], []
    while todo:
        for sub in todo.pop().__subclasses__():
            seen.append(sub)
            todo.append(sub)
    return [c for c in seen if c.type]


def test_no_optimizer_op_has_a_hand_written_kernel():
    from graphgrad.train.optimizer import ApplyOp

    ops = _apply_ops()
    assert {c.type for c in ops} >= {"ApplyGradientDescent", "ApplyMomentum", "ApplyAdam", "AdamBetaPowers",
                                     "ApplyRMSProp", "ApplyCenteredRMSProp", "ApplyAdagrad", "ApplyAdadelta"}
    for c in ops:
        assert "kernel" not in c.__dict__ and c.kernel is ApplyOp.kernel, c
        assert c.input_names and (c.update is not None or "rule" in c.__dict__), c


def test_an_op_whose_inputs_do_not_match_its_rule_is_refused_when_bound():
    from graphgrad.train.gradient_descent import ApplyGradientDescent

    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0])
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(v * v))
        op = next(o for o in g.get_operations() if o.type == "ApplyGradientDescent")

    class Ctx:
        variables, xp = {}, np
        backend = __import__("graphgrad.runtime.backends", fromlist=["x"]).get_backend("cpu")

    ApplyGradientDescent.kernel(op, Ctx)  # binds
    try:
        ApplyGradientDescent.input_names = ("var", "lr", "delta")
        with pytest.raises(TypeError, match="do not match the parameters of its update rule"):
            ApplyGradientDescent.kernel(op, Ctx)
    finally:
        ApplyGradientDescent.input_names = ("var", "alpha", "delta")


def test_emulated_temporaries_are_copies():
    k = Fused("k", "T a", "T y, T z", "T old = y; y += a; z = old;")
    y, z = np.ones(2, np.float32), np.zeros(2, np.float32)
    emulate(np, k)(np.float32(1.0), y, z)
    np.testing.assert_array_equal(y, [2, 2])
    np.testing.assert_array_equal(z, [1, 1])
    k = Fused(k.name, k.in_params, k.out_params, k.body, arrays=())
    y, z = np.ones(2, np.float32), np.zeros(2, np.float32)
    elementwise.numpy_kernel(k).bind(np)(np.float32(1.0), y, z)
    np.testing.assert_array_equal(y, [2, 2])
    np.testing.assert_array_equal(z, [1, 1])


@pytest.mark.parametrize("kernel", [k for k in KERNELS if k.arrays], ids=lambda k: k.name)
def test_big_variables_are_updated_slice_by_slice_bit_for_bit_with_small_temporaries(kernel):
    """From CHUNKED_FROM elements the NumPy kernel runs over slices of CHUNK elements (a last, shorter slice
    included): the same numbers as the emulated body, and no temporary shaped like the variable."""
    n = elementwise.CHUNKED_FROM + elementwise.CHUNK // 3
    ins, outs = _inputs(kernel, np.float32, (n // 7, 7), seed=5)
    emulated, generated = [o.copy() for o in outs], [o.copy() for o in outs]
    xp = _CountingXP()
    run = elementwise.numpy_kernel(kernel).bind(xp)
    for _ in range(2):
        emulate(np, kernel)(*ins, *emulated)
        assert run(*ins, *generated) is generated[0]
        for e, g in zip(emulated, generated):
            np.testing.assert_array_equal(g, e)
    nk = elementwise.numpy_kernel(kernel)
    assert xp.allocations == [elementwise.CHUNK] * nk.temporaries
    assert xp.array_calls == 2 * -(-n // elementwise.CHUNK) * nk.calls


def test_a_big_update_whose_gradient_shares_the_variables_memory_runs_in_one_pass():
    """An input that overlaps an output (here at other indices) would read values the slices before it wrote:
    such calls run over the whole arrays, as the emulated body does."""
    k = elementwise.GRADIENT_DESCENT
    n = elementwise.CHUNKED_FROM + 1
    base = np.arange(n + 1, dtype=np.float64)
    var, delta = base[1:], base[:-1]  # delta[i] is var[i - 1]
    expected = base.copy()
    emulate(np, k)(expected[:-1], np.float64(0.5), expected[1:])
    elementwise.numpy_kernel(k).bind(np)(delta, np.float64(0.5), var)
    np.testing.assert_array_equal(base, expected)


def test_emulation_refuses_mixed_dtypes_under_one_type_letter_as_cupy_does():
    """CuPy binds each type letter once per call ("Type is mismatched"): the fake GPU must refuse what CUDA would."""
    import numpy as np

    from graphgrad.runtime.elementwise import ADAM_BETA_POWERS, Fused, emulate

    one_type = Fused("one_type", "T beta1, T beta2", "T p1, T p2", "p1 *= beta1; p2 *= beta2;", arrays=())
    args = (np.float64(0.9), np.float32(0.99), np.ones(1), np.ones(1, np.float32))
    with pytest.raises(TypeError, match="Type is mismatched"):
        emulate(np, one_type)(*args)
    p1, p2 = emulate(np, ADAM_BETA_POWERS)(*args)  # each power keeps its own beta's dtype (TF's beta1_power)
    assert p1.dtype == np.float64 and p2.dtype == np.float32 and p2[0] == np.float32(0.99)
