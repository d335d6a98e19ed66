"""Small recurrent programs written once against the TF1 API, run under real TensorFlow by
tools/record_rnn_reference.py (which writes tests/rnn_reference.json) and under graphgrad by tests/test_rnn.py.

Every variable gets deterministic values from its name (`weights_for`), so both frameworks run the same
weights; each case returns {key: tensor or list of tensors} to fetch: outputs, final states and the gradients
of a fixed weighting of them with respect to every variable and to the inputs."""
import zlib

import numpy as np

BATCH, TIME, DEPTH = 3, 4, 2
LENGTHS = [4, 2, 3]


def weights_for(name, shape):
    rng = np.random.RandomState(zlib.crc32(name.encode()) % (2 ** 31))
    return rng.uniform(-0.6, 0.6, size=shape)


def inputs_value():
    return np.random.RandomState(1).uniform(-1, 1, size=(BATCH, TIME, DEPTH))


def _observe(tf, x, outputs, state):
    flat = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
    flat_state = tf.nest.flatten(state) if hasattr(tf, "nest") else _flatten(state)
    loss = 0.0
    for k, t in enumerate(flat + flat_state):
        r = np.cos(np.arange(np.prod(t.shape.as_list())) + 0.3 * k).reshape(t.shape.as_list())
        loss = loss + tf.reduce_sum(t * tf.constant(r, dtype=t.dtype))
    variables = tf.trainable_variables()
    grads = tf.gradients(loss, variables + [x])
    r = {"outputs": flat, "state": flat_state, "loss": loss}
    for v, g in zip(variables, grads[:-1]):
        r["grad/" + v.name] = g
    r["grad/inputs"] = grads[-1]
    return r


def _flatten(s):
    if isinstance(s, (list, tuple)):
        return [y for x in s for y in _flatten(x)]
    return [s]


def basic_lstm(tf, rc):
    x = tf.placeholder(tf.float64, [BATCH, TIME, DEPTH], name="x")
    out, st = tf.nn.dynamic_rnn(rc.BasicLSTMCell(3, forget_bias=0.7), x, sequence_length=LENGTHS,
                                dtype=tf.float64)
    return x, _observe(tf, x, out, st)


def basic_lstm_concat_state_time_major(tf, rc):
    x = tf.placeholder(tf.float64, [BATCH, TIME, DEPTH], name="x")
    xt = tf.transpose(x, [1, 0, 2])
    cell = rc.BasicLSTMCell(3, state_is_tuple=False)
    init = tf.constant(weights_for("init", (BATCH, 6)))
    out, st = tf.nn.dynamic_rnn(cell, xt, initial_state=init, time_major=True)
    return x, _observe(tf, x, out, st)


def lstm_peephole_proj_clip(tf, rc):
    x = tf.placeholder(tf.float64, [BATCH, TIME, DEPTH], name="x")
    cell = rc.LSTMCell(4, use_peepholes=True, num_proj=2, cell_clip=0.5, proj_clip=0.3, forget_bias=0.5)
    out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=LENGTHS, dtype=tf.float64)
    return x, _observe(tf, x, out, st)


def gru(tf, rc):
    x = tf.placeholder(tf.float64, [BATCH, TIME, DEPTH], name="x")
    out, st = tf.nn.dynamic_rnn(rc.GRUCell(3), x, sequence_length=LENGTHS, dtype=tf.float64)
    return x, _observe(tf, x, out, st)


def basic_rnn_static(tf, rc):
    x = tf.placeholder(tf.float64, [BATCH, TIME, DEPTH], name="x")
    out, st = tf.nn.static_rnn(rc.BasicRNNCell(3), tf.unstack(x, axis=1), sequence_length=LENGTHS,
                               dtype=tf.float64)
    return x, _observe(tf, x, tf.stack(out, 1), st)


def multi_residual(tf, rc):
    x = tf.placeholder(tf.float64, [BATCH, TIME, DEPTH], name="x")
    cell = rc.MultiRNNCell([rc.BasicLSTMCell(2), rc.ResidualWrapper(rc.GRUCell(2)),
                            rc.DropoutWrapper(rc.BasicRNNCell(3))])
    out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=LENGTHS, dtype=tf.float64)
    return x, _observe(tf, x, out, st)


def bidirectional_gru(tf, rc):
    x = tf.placeholder(tf.float64, [BATCH, TIME, DEPTH], name="x")
    (fw, bw), (sf, sb) = tf.nn.bidirectional_dynamic_rnn(rc.GRUCell(2), rc.BasicLSTMCell(3), x,
                                                         sequence_length=LENGTHS, dtype=tf.float64)
    return x, _observe(tf, x, [fw, bw], [sf, sb])


CASES = [basic_lstm, basic_lstm_concat_state_time_major, lstm_peephole_proj_clip, gru, basic_rnn_static,
         multi_residual, bidirectional_gru]


def run_case(tf, rc, case):
    """Build `case` in a fresh graph, set every variable from its name, run; returns (names/shapes, values)."""
    g = tf.Graph()
    with g.as_default():
        x, fetches = case(tf, rc)
        variables = tf.global_variables()
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for v in variables:
                v.load(weights_for(v.name, v.shape.as_list()), s)
            values = s.run(fetches, {x: inputs_value()})
    names = [[v.name, v.shape.as_list()] for v in variables]
    return names, values
