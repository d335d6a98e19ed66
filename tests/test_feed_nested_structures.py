"""TF1 feeds a nested structure of tensors with a value of the same structure: a MultiRNNCell's state (a tuple of
LSTMStateTuples) fetched at one step and fed back at the next, as char-rnn's sampler does."""
import numpy as np
import pytest

import graphgrad as tf


def test_multi_rnn_state_fed_back_as_fetched():
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        cells = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.LSTMCell(4) for _ in range(2)])
        x = tf.placeholder(tf.float32, [1, 3])
        state0 = cells.zero_state(1, tf.float32)
        out, state = cells(x, state0)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            inputs = np.random.RandomState(0).rand(3, 1, 3).astype(np.float32)
            st = s.run(state0)
            stepped = []
            for xi in inputs:
                o, st = s.run([out, state], {x: xi, state0: st})
                stepped.append(o)
            # the same three steps built as one graph
            st2, unrolled = state0, []
            for xi in inputs:
                o2, st2 = cells(tf.constant(xi), st2)
                unrolled.append(o2)
            np.testing.assert_allclose(np.concatenate(stepped), np.concatenate(s.run(unrolled)), rtol=1e-6)
            assert type(st) is tuple and type(st[0]).__name__ == "LSTMStateTuple"


def test_a_value_of_another_structure_is_refused():
    with tf.Graph().as_default():
        a, b = tf.placeholder(tf.float32, []), tf.placeholder(tf.float32, [])
        with tf.Session() as s:
            assert s.run(a + b, {(a, b): (1.0, 2.0)}) == 3.0
            with pytest.raises(ValueError, match="same structure"):
                s.run(a + b, {(a, b): (1.0,)})
