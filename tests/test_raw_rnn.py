"""raw_rnn against dynamic_rnn (same cell, same weights: the same outputs and state, with an unknown batch size
and per-element lengths), its gradient, and static_state_saving_rnn's carried state. Values against TF: the
conformance program `raw_rnn_loops`."""
import numpy as np

import graphgrad as tf


def _loop_fn(cell, inputs_ta, lengths, batch, depth, steps):
    def loop_fn(time, cell_output, cell_state, loop_state):
        state = cell.zero_state(batch, tf.float32) if cell_state is None else cell_state
        x = inputs_ta.read(tf.minimum(time, steps - 1))
        x.set_shape([None, depth])
        return time >= lengths, x, state, cell_output, None
    return loop_fn


def test_raw_rnn_matches_dynamic_rnn_and_differentiates():
    steps, depth, units = 5, 2, 3
    x = tf.placeholder(tf.float32, [steps, None, depth])
    lengths = tf.placeholder(tf.int32, [None])
    batch = tf.shape(x)[1]
    cell = tf.nn.rnn_cell.GRUCell(units)
    ta = tf.TensorArray(tf.float32, size=steps, clear_after_read=False).unstack(x)
    emit, state, loop_state = tf.nn.raw_rnn(cell, _loop_fn(cell, ta, lengths, batch, depth, steps))
    raw_out = emit.stack()
    with tf.variable_scope("rnn", reuse=True):
        dyn_out, dyn_state = tf.nn.dynamic_rnn(cell, x, lengths, dtype=tf.float32, time_major=True)
    loss = tf.reduce_sum(raw_out ** 2)
    grads = tf.gradients(loss, tf.trainable_variables() + [x])
    assert loop_state is None and all(g is not None for g in grads)
    feed = {x: np.random.default_rng(0).standard_normal((steps, 4, depth)).astype(np.float32),
            lengths: [5, 1, 3, 4]}
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        a, b, c, d = s.run([raw_out, state, dyn_out, dyn_state], feed)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)   # the loop stops at the longest: 5 steps
        np.testing.assert_allclose(b, d, rtol=1e-5, atol=1e-6)
        g = s.run(grads[-1], feed)
        assert np.all(g[1:, 1] == 0) and np.any(g[0, 1] != 0)   # past its length an element sees no gradient


def test_static_state_saving_rnn_carries_state_through_the_saver():
    class Saver:
        def __init__(self):
            self.v = tf.Variable(tf.zeros([1, 2]), trainable=False)

        def state(self, name):
            assert name == "h"
            return self.v.value()

        def save_state(self, name, value):
            return tf.assign(self.v, value)

    cell = tf.nn.rnn_cell.BasicRNNCell(2, activation=tf.identity)
    saver = Saver()
    outputs, state = tf.nn.static_state_saving_rnn(cell, [tf.ones([1, 1])] * 2, saver, "h")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        first, after = s.run([outputs[-1], saver.v])[0], s.run(saver.v)
        np.testing.assert_allclose(after, first)   # the save ran before the last output was fetched
        second = s.run(outputs[0])
        assert not np.allclose(second, s.run(tf.nn.static_rnn(cell, [tf.ones([1, 1])],
                                                              initial_state=tf.zeros([1, 2]))[0][0]))
