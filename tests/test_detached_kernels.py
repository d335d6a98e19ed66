"""Kernels bound from a signature: ops run straight on NumPy arrays through their own definitions, with no
graph (what eager execution will call)."""
from __future__ import annotations

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.framework.detached import detached_op, source
from graphgrad.ops.state_ops import VariableV2
from graphgrad.runtime.context import RunContext
from graphgrad.runtime.kernels import KernelCache
from graphgrad.train.adam import ApplyAdam
from graphgrad.train.gradient_descent import ApplyGradientDescent

RNG = np.random.default_rng(1)
A = RNG.normal(size=(4, 3)).astype(np.float32)
B = RNG.normal(size=(3, 5)).astype(np.float32)
V = RNG.normal(size=(5,)).astype(np.float32)
LABELS = np.eye(5, dtype=np.float32)[[0, 2, 4, 1]]

# name -> (build the op from placeholders, the arrays it is run on)
CASES = {
    "matmul": (lambda a, b: tf.matmul(a, b), [A, B]),
    "matmul_transposed": (lambda a, b: tf.matmul(a, b, transpose_a=True), [A.T.copy(), B]),
    "add_broadcast": (lambda a, v: a + v, [A @ B, V]),
    "reduce_sum_axis": (lambda a: tf.reduce_sum(a, axis=1, keepdims=True), [A]),
    "reduce_mean": (lambda a: tf.reduce_mean(a), [A]),
    "reduce_max": (lambda a: tf.reduce_max(a, axis=0), [A]),
    "relu": (lambda a: tf.nn.relu(a), [A]),
    "tanh": (lambda a: tf.tanh(a), [A]),
    "sigmoid": (lambda a: tf.sigmoid(a), [A]),
    "bias_add": (lambda a, v: tf.nn.bias_add(a, v), [A @ B, V]),
    "softmax": (lambda a: tf.nn.softmax(a), [A @ B]),
    "softmax_cross_entropy": (lambda y, z: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z),
                              [LABELS, A @ B]),
    "transpose": (lambda a: tf.transpose(a), [A]),
    "reshape": (lambda a: tf.reshape(a, [2, 6]), [A]),
    "argmax": (lambda a: tf.argmax(a, axis=1), [A]),
    "cast": (lambda a: tf.cast(a, tf.int32), [A * 10]),
}


def _graph_op(build, arrays):
    """The tensor `build` creates on placeholders, what a Session computes for it (the reference), and the
    arrays in the order of its op's inputs."""
    with tf.Graph().as_default():
        phs = [tf.placeholder(tf.as_dtype(a.dtype), a.shape) for a in arrays]
        out = build(*phs)
        with tf.Session() as s:
            expected = s.run(out, dict(zip(phs, arrays)))
        by_input = dict(zip(phs, arrays))
        return out, expected, [by_input[t] for t in out.op.inputs]


@pytest.mark.numpy_kernels("bit for bit against NumPy's kernels")
@pytest.mark.parametrize("name", CASES)
def test_an_op_runs_on_arrays_through_its_own_definition(name):
    build, arrays = CASES[name]
    graph_out, expected, inputs = _graph_op(build, arrays)
    graph_op = graph_out.op
    cache = KernelCache(RunContext())
    outs = cache.run(graph_op.op_def, inputs, graph_op.attrs)
    assert len(outs) == len(graph_op.outputs)
    out = outs[graph_out.value_index]
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == expected.dtype


def test_bound_kernels_are_cached_by_signature():
    graph_op = _graph_op(*CASES["matmul"])[0].op
    cache = KernelCache(RunContext())
    for _ in range(3):
        cache.run(graph_op.op_def, [A, B], graph_op.attrs)
    assert (cache.misses, cache.hits) == (1, 2)
    cache.run(graph_op.op_def, [A[:2], B], graph_op.attrs)  # a new shape: a new signature
    assert cache.misses == 2


def test_a_detached_op_raises_the_shape_rules_errors():
    graph_op = _graph_op(*CASES["matmul"])[0].op
    with pytest.raises(ValueError, match="with input shapes: \\[4,3\\], \\[4,3\\]"):
        KernelCache(RunContext()).run(graph_op.op_def, [A, A], graph_op.attrs)
    a = source(tf.float32, (None, 3))
    op = detached_op(graph_op.op_def, [a, source(tf.float32, (3, 5))], graph_op.attrs)
    assert op.outputs[0].shape.as_list() == [None, 5] and op.graph is None


def test_optimizer_updates_run_on_variable_buffers_without_a_graph():
    ctx = RunContext()
    cache = KernelCache(ctx)
    var, m, v = (source(tf.float32, (5,), name=n, ref=True) for n in ("w", "w/Adam", "w/Adam_1"))
    w0 = V.copy()
    ctx.variables.update({var.op: w0.copy(), m.op: np.zeros(5, np.float32), v.op: np.zeros(5, np.float32)})
    grad = np.linspace(-1, 1, 5).astype(np.float32)
    f = np.float32
    hyper = [f(0.9), f(0.999), f(0.1), f(0.9), f(0.999), f(1e-8)]  # beta1^t, beta2^t, lr, beta1, beta2, eps
    cache.run(ApplyAdam, [var, m, v, *(np.asarray(h) for h in hyper), grad], {"use_locking": False,
                                                                             "use_nesterov": False})
    lr_t = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    m1, v1 = 0.1 * grad, 0.001 * grad * grad
    np.testing.assert_allclose(ctx.variables[var.op], w0 - lr_t * m1 / (np.sqrt(v1) + 1e-8), rtol=1e-5)

    ctx.variables[var.op] = w0.copy()
    cache.run(ApplyGradientDescent, [var, np.asarray(f(0.5)), grad], {"use_locking": False})
    np.testing.assert_allclose(ctx.variables[var.op], w0 - 0.5 * grad, rtol=1e-6)


def test_a_reference_input_is_bound_to_its_own_variable():
    ctx = RunContext()
    cache = KernelCache(ctx)
    a, b = source(tf.float32, (2,), "a", ref=True), source(tf.float32, (2,), "b", ref=True)
    ctx.variables.update({a.op: np.ones(2, np.float32), b.op: np.ones(2, np.float32)})
    one = np.asarray(np.float32(1.0))
    cache.run(ApplyGradientDescent, [a, one, np.ones(2, np.float32)], {})
    assert (ctx.variables[a.op] == 0).all() and (ctx.variables[b.op] == 1).all()
    assert VariableV2.type == "VariableV2"  # graph variables are keyed the same way: by their op
