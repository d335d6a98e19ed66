"""Islands in the plans of loop bodies (runtime/jit.py, runtime/plan.py `repeated`): a tf.while_loop's body and
its gradient body compile as outer plans do, LSTMGates and LSTMGatesGrad as one loop each (runtime/jitlib.py),
and an LSTM trained through them agrees with its kernels within the islands' stated tolerance."""
import glob

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.ops.core import apply_op
from graphgrad.ops.lstm_ops import LSTMGates, LSTMGatesGrad

pytest.importorskip("numba", reason="the jit extra (Numba) is not installed")
from graphgrad.runtime import jitlib  # noqa: E402 - needs Numba

RTOL, ATOL = 1e-5, 1e-6

pytestmark = pytest.mark.cpu_only("Numba islands compile plans on the CPU backend only")


class _Ctx:
    xp = np


def _kernels(units, bias):
    g = tf.placeholder(tf.float32, (None, 4 * units))
    c = tf.placeholder(tf.float32, (None, units))
    ins = [g, c] + ([tf.placeholder(tf.float32, (4 * units,))] if bias else [])
    outs = apply_op(LSTMGates, ins, {"num_units": units, "forget_bias": 1.0}, "gates")
    grad = apply_op(LSTMGatesGrad, [c, outs[2], outs[3], c, c], {"num_units": units}, "gates_grad")[0].op
    return LSTMGates.kernel(outs[0].op, _Ctx), LSTMGatesGrad.kernel(grad, _Ctx)


@pytest.mark.parametrize("bias", [True, False])
def test_the_compiled_lstm_step_computes_what_the_kernels_do(bias):
    rng = np.random.default_rng(0)
    n = 6
    with tf.Graph().as_default():
        fwd, bwd = _kernels(n, bias)
    g = rng.standard_normal((5, 4 * n)).astype(np.float32) * 4
    c = rng.standard_normal((5, n)).astype(np.float32)
    b = rng.standard_normal(4 * n).astype(np.float32) if bias else None
    ref = fwd(g, c, b) if bias else fwd(g, c)
    got = jitlib.lstm_gates(g, c, b, np.float32(0.5))
    for r, x in zip(ref, got):  # tanh is the 5-ulp rational form
        np.testing.assert_allclose(x, r, rtol=RTOL, atol=ATOL)
    wide = rng.standard_normal((5, 3 * n)).astype(np.float32)
    dc, dh = wide[:, :n], wide[:, n:2 * n]  # views with a row stride of their own, as a split gradient is
    _, _, acts, tc = ref
    for r, x in zip(bwd(c, acts, tc, dc, dh), jitlib.lstm_gates_grad(c, acts, tc, dc, dh)):
        np.testing.assert_allclose(x, r, rtol=1e-6, atol=1e-7)  # the kernel's products in its order
    with pytest.raises(ValueError, match="shapes do not match"):
        jitlib.lstm_gates(g, c[:, :-1], b, np.float32(0.5))


def _lstm_training(x, y, loss, train, steps):
    """`steps` training steps of the LSTM classifier, in a new session: (losses, variables after)."""
    rng = np.random.default_rng(1)
    xb = rng.standard_normal((4, 7, 3)).astype(np.float32)
    yb = rng.integers(0, 5, 4).astype(np.int32)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            losses.append(sess.run([train, loss], {x: xb, y: yb})[1])
        return losses, sess.run(tf.trainable_variables())


def test_an_lstm_trains_through_islands_in_its_loop_bodies_as_through_the_kernels(monkeypatch, jit_on):
    with tf.Graph().as_default():
        tf.set_random_seed(3)  # each session starts from the same weights
        x = tf.placeholder(tf.float32, (None, 7, 3))
        y = tf.placeholder(tf.int32, (None,))
        # in a MultiRNNCell, so that dynamic_rnn runs its while loop (a lone BasicLSTMCell is one LSTMSequence op)
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(8)])
        out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        logits = tf.layers.dense(out[:, -1], 5)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        monkeypatch.setenv("GRAPHGRAD_JIT", "0")
        ref_losses, ref_vars = _lstm_training(x, y, loss, train, 6)
        assert not glob.glob(str(jit_on / "graphgrad_island_*.py"))
        monkeypatch.setenv("GRAPHGRAD_JIT", "1")
        losses, got_vars = _lstm_training(x, y, loss, train, 6)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-4)
    assert losses[-1] < losses[0]
    for r, x in zip(ref_vars, got_vars):
        np.testing.assert_allclose(x, r, rtol=1e-4, atol=1e-5)
    sources = [open(f).read() for f in glob.glob(str(jit_on / "graphgrad_island_*.py"))]
    assert any("_lib.lstm_gates(" in s for s in sources)  # the forward body's island
    assert any("_lib.lstm_gates_grad(" in s for s in sources)  # the gradient body's
    assert any("_lib.lstm_gates_grad(" in s for s in sources)


def test_islands_need_two_calls_worth_of_ops():
    from graphgrad.runtime import jit

    class Op:
        def __init__(self, calls):
            self.op_def = type("D", (), {"jit_calls": calls})

    assert jit.saved_calls([jit.Island(0, 1, [Op(1), Op(12)]), jit.Island(2, 3, [Op(1)])]) == 14
