"""tf.nn.rnn_cell, dynamic_rnn / static_rnn / bidirectional_dynamic_rnn, reverse_sequence, sequence_mask and
tf.contrib.seq2seq.sequence_loss: against TensorFlow 1.x recordings with the same weights (tests/rnn_cases.py,
tools/record_rnn_reference.py), finite differences, and the classic TF1 programs with only the import changed."""
import json
import os

import numpy as np
import pytest
import rnn_cases
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.nn import rnn_cell as rc

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "rnn_reference.json")))


@pytest.mark.parametrize("case", rnn_cases.CASES, ids=lambda c: c.__name__)
def test_matches_tensorflow_with_the_same_weights(case):
    ref = REFERENCE[case.__name__]
    names, values = rnn_cases.run_case(tf, rc, case)
    assert names == ref["variables"]  # TF1's variable names and shapes, in creation order
    want = ref["values"]
    assert set(values) == set(want)
    for key in want:
        got = values[key]
        if isinstance(got, list):
            assert len(got) == len(want[key]), key
            for k, (g, w) in enumerate(zip(got, want[key])):
                np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11, err_msg=f"{key}[{k}]")
        else:
            np.testing.assert_allclose(got, want[key], rtol=1e-9, atol=1e-11, err_msg=key)


# --- finite differences (float64), arithmetic by hand -----------------------------------------------------

def _numeric(f, base, set_value, eps=1e-6):
    num = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        vals = []
        for e in (eps, -eps):
            w = base.copy()
            w[idx] += e
            set_value(w)
            vals.append(f())
        num[idx] = (vals[0] - vals[1]) / (2 * eps)
    set_value(base)
    return num


def _flat(s):
    return [y for x in s for y in _flat(x)] if isinstance(s, (list, tuple)) else [s]


@pytest.mark.parametrize("make_cell", [
    lambda: rc.BasicLSTMCell(2, forget_bias=0.3),
    lambda: rc.LSTMCell(3, use_peepholes=True, num_proj=2, cell_clip=0.4),
    lambda: rc.GRUCell(2),
    lambda: rc.MultiRNNCell([rc.BasicRNNCell(2), rc.ResidualWrapper(rc.BasicRNNCell(2))]),
], ids=["basic_lstm", "lstm_peephole_proj", "gru", "multi_residual_basic_rnn"])
def test_gradients_match_finite_differences(make_cell):
    """Gradients through the loop (sequence_length masking included) for the inputs and every variable."""
    x0 = np.random.RandomState(0).uniform(-1, 1, (2, 3, 2))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [2, 3, 2])
        with tf.variable_scope("fd", initializer=tf.random_uniform_initializer(-0.6, 0.6, seed=3)):
            out, st = tf.nn.dynamic_rnn(make_cell(), x, sequence_length=[3, 1], dtype=tf.float64)
        r = np.cos(np.arange(np.prod(out.shape.as_list()))).reshape(out.shape.as_list())
        loss = tf.reduce_sum(out * r) + tf.add_n([tf.reduce_sum(t) * 0.7 for t in _flat(st)])
        variables = tf.trainable_variables()
        grads = tf.gradients(loss, variables + [x])
        feed = {x: x0}
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            sym = s.run(grads, feed)
            box = {"x": x0}
            num_x = _numeric(lambda: s.run(loss, {x: box["x"]}), x0, lambda w: box.update(x=w))
            np.testing.assert_allclose(sym[-1], num_x, rtol=1e-5, atol=1e-7, err_msg="inputs")
            for v, g in zip(variables, sym):
                num = _numeric(lambda: s.run(loss, feed), s.run(v), lambda w, v=v: v.load(w, s))
                np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7, err_msg=v.name)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_basic_lstm_step_by_hand_and_masking():
    """One LSTM written in NumPy (gate order i, j, f, o; forget bias on f), with outputs zeroed and the state
    carried past each sequence's length."""
    x = np.random.RandomState(2).uniform(-1, 1, (2, 3, 2))
    lengths = [3, 1]
    with tf.Graph().as_default():
        out, st = tf.nn.dynamic_rnn(rc.BasicLSTMCell(2, forget_bias=0.5), tf.constant(x), sequence_length=lengths,
                                    dtype=tf.float64)
        (kernel, bias) = tf.trainable_variables()
        assert kernel.name == "rnn/basic_lstm_cell/kernel:0" and kernel.shape.as_list() == [4, 8]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            b = np.linspace(-0.2, 0.3, 8)
            bias.load(b, s)
            k, (o, (c_f, h_f)) = s.run(kernel), s.run([out, st])
    c, h = np.zeros((2, 2)), np.zeros((2, 2))
    want = np.zeros((2, 3, 2))
    for t in range(3):
        i, j, f, og = np.split(np.concatenate([x[:, t], h], 1) @ k + b, 4, axis=1)
        nc = c * _sigmoid(f + 0.5) + _sigmoid(i) * np.tanh(j)
        nh = np.tanh(nc) * _sigmoid(og)
        live = (t < np.array(lengths))[:, None]
        c, h = np.where(live, nc, c), np.where(live, nh, h)
        want[:, t] = np.where(live, nh, 0)
    np.testing.assert_allclose(o, want, rtol=1e-12)
    np.testing.assert_allclose(c_f, c, rtol=1e-12)
    np.testing.assert_allclose(h_f, h, rtol=1e-12)


# --- cells: sizes, zero_state, reuse, wrappers ------------------------------------------------------------

def test_state_and_output_sizes_and_zero_state():
    lstm = rc.LSTMCell(4, num_proj=2)
    assert lstm.state_size == rc.LSTMStateTuple(4, 2) and lstm.output_size == 2
    multi = rc.MultiRNNCell([rc.BasicLSTMCell(3), rc.GRUCell(5)])
    assert multi.state_size == (rc.LSTMStateTuple(3, 3), 5) and multi.output_size == 5
    assert rc.BasicLSTMCell(3, state_is_tuple=False).state_size == 6
    with tf.Graph().as_default():
        b = tf.placeholder(tf.int32, [])
        z = multi.zero_state(b, tf.float32)
        assert isinstance(z[0], rc.LSTMStateTuple)
        with tf.Session() as s:
            got = s.run(z, {b: 2})
        assert got[0].c.shape == (2, 3) and got[1].shape == (2, 5) and not got[1].any()


def test_a_cell_called_twice_shares_its_variables_and_static_rnn_unrolls():
    with tf.Graph().as_default():
        cell = rc.BasicRNNCell(3)
        x = tf.ones([2, 4])
        s0 = cell.zero_state(2, tf.float32)
        cell(x, s0)
        cell(x, s0)
        assert [v.name for v in tf.global_variables()] == ["basic_rnn_cell/kernel:0", "basic_rnn_cell/bias:0"]
        rc.BasicRNNCell(3)(x, s0)
        assert tf.global_variables()[-1].name == "basic_rnn_cell_1/bias:0"
        outs, _ = tf.nn.static_rnn(rc.GRUCell(2), [x, x, x], dtype=tf.float32)
        assert len(outs) == 3 and outs[0].shape.as_list() == [2, 2]


def test_dropout_wrapper_keep_prob_tensor_and_state_filter():
    with tf.Graph().as_default():
        keep = tf.placeholder_with_default(1.0, [])
        cell = rc.DropoutWrapper(rc.BasicLSTMCell(50), input_keep_prob=keep, output_keep_prob=keep,
                                 state_keep_prob=keep, seed=1)
        x = tf.ones([4, 3, 20])
        out, st = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        ref, _ = tf.nn.dynamic_rnn(cell.wrapped_cell, x, dtype=tf.float32, scope="rnn_ref")
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for v, w in zip(tf.trainable_variables()[2:], tf.trainable_variables()[:2]):
                v.load(s.run(w), s)
            o1, r1 = s.run([out, ref])
            # keep 1.0: the cell itself (the bare cell runs as one LSTMSequence op: rounded apart from the loop)
            np.testing.assert_allclose(o1, r1, rtol=1e-5, atol=1e-7)
            o2, (c2, h2) = s.run([out, st], {keep: 0.5})
            assert 0.3 < np.mean(o2 == 0) < 0.7  # about half the outputs dropped
            assert np.mean(h2 == 0) > 0.3 and np.mean(c2 == 0) < 0.1  # h is dropped, the memory c never
    with pytest.raises(ValueError, match="must be between 0 and 1"):
        rc.DropoutWrapper(rc.GRUCell(2), output_keep_prob=1.5)


def test_multi_rnn_cell_rejects_the_same_cell_twice():
    c = rc.GRUCell(2)
    with pytest.raises(ValueError, match="same object"):
        rc.MultiRNNCell([c, c])


def test_dynamic_rnn_needs_a_dtype_or_an_initial_state_and_accepts_unknown_batch_and_time():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, None, 3])
        with pytest.raises(ValueError, match="you must give a dtype"):
            tf.nn.dynamic_rnn(rc.GRUCell(2), x)
        out, st = tf.nn.dynamic_rnn(rc.GRUCell(2), x, dtype=tf.float32)
        assert out.shape.as_list() == [None, None, 2]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            o, h = s.run([out, st], {x: np.ones((5, 7, 3))})
        assert o.shape == (5, 7, 2) and np.allclose(o[:, -1], h)


# --- sequence ops and sequence_loss -----------------------------------------------------------------------

def test_reverse_sequence_and_its_gradient():
    x = np.arange(24, dtype=np.float64).reshape(2, 4, 3)
    with tf.Graph().as_default():
        y = tf.reverse_sequence(x, [3, 1], seq_axis=1, batch_axis=0)
        with tf.Session() as s:
            got = s.run(y)
    np.testing.assert_array_equal(got[0], x[0][[2, 1, 0, 3]])
    np.testing.assert_array_equal(got[1], x[1])
    check_gradients(lambda t: tf.reverse_sequence(t, [2, 4], seq_axis=0, batch_axis=1), [x.transpose(1, 0, 2)])


def test_sequence_mask():
    with tf.Graph().as_default(), tf.Session() as s:
        np.testing.assert_array_equal(s.run(tf.sequence_mask([1, 3, 0], 4)),
                                      [[1, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]])
        assert s.run(tf.sequence_mask([2, 1], dtype=tf.float32)).tolist() == [[1.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize("flags", [
    dict(), dict(average_across_timesteps=False), dict(average_across_batch=False),
    dict(average_across_timesteps=False, average_across_batch=False),
    dict(average_across_timesteps=False, average_across_batch=False, sum_over_timesteps=True,
         sum_over_batch=True),
    dict(average_across_timesteps=False, average_across_batch=False, sum_over_batch=True),
])
def test_sequence_loss_arithmetic(flags):
    rng = np.random.RandomState(0)
    logits = rng.randn(3, 4, 5)
    targets = rng.randint(0, 5, (3, 4))
    weights = (rng.rand(3, 4) > 0.3).astype(np.float64)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    ce = -np.take_along_axis(logp, targets[..., None], -1)[..., 0] * weights
    at, ab = flags.get("average_across_timesteps", True), flags.get("average_across_batch", True)
    st, sb = flags.get("sum_over_timesteps", False), flags.get("sum_over_batch", False)
    nz = (weights != 0).astype(np.float64)
    if at and ab:
        want = ce.sum() / weights.sum()
    elif st and sb:
        want = ce.sum() / nz.sum()
    elif at or ab:
        ax = 0 if ab else 1
        want = ce.sum(ax) / weights.sum(ax)
    elif st or sb:
        ax = 0 if sb else 1
        want = ce.sum(ax) / nz.sum(ax)
    else:
        want = ce
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run(tf.contrib.seq2seq.sequence_loss(logits, targets, weights, **flags))
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_sequence_loss_rejects_average_and_sum_together():
    with pytest.raises(ValueError, match="cannot be set to True at same time"):
        tf.contrib.seq2seq.sequence_loss(np.zeros((1, 1, 2)), np.zeros((1, 1), np.int32), np.ones((1, 1)),
                                         sum_over_timesteps=True)


# --- the classic TF1 programs, only the import changed ----------------------------------------------------

def test_mnist_rows_basic_rnn_classifier_learns():
    """Géron's MNIST-rows RNN (BasicRNNCell + dynamic_rnn, the final state into a dense layer) on the bundled
    8x8 digits read as 8 rows of 8 pixels."""
    from graphgrad.datasets import load_digits

    data = load_digits()
    xs = data.x_train.reshape(-1, 8, 8).astype(np.float32)
    ys = np.asarray(data.y_train)
    ys = ys.argmax(1) if ys.ndim == 2 else ys
    tf.reset_default_graph()
    tf.set_random_seed(0)
    n_steps, n_inputs, n_neurons, n_outputs = 8, 8, 32, 10
    X = tf.placeholder(tf.float32, [None, n_steps, n_inputs])
    y = tf.placeholder(tf.int32, [None])
    basic_cell = tf.nn.rnn_cell.BasicRNNCell(num_units=n_neurons)
    outputs, states = tf.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32)
    logits = tf.layers.dense(states, n_outputs)
    xentropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.reduce_mean(xentropy)
    training_op = tf.train.AdamOptimizer(learning_rate=0.01).minimize(loss)
    correct = tf.nn.in_top_k(logits, y, 1)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {X: xs[:256], y: ys[:256]})
        for step in range(40):
            i = (step * 64) % (len(xs) - 64)
            sess.run(training_op, {X: xs[i:i + 64], y: ys[i:i + 64]})
        last, acc = sess.run([loss, accuracy], {X: xs[:256], y: ys[:256]})
    assert last < 0.6 * first and acc > 0.5, (first, last, acc)


TEXT = ("the quick brown fox jumps over the lazy dog. " * 4 + "a stitch in time saves nine. " * 4)


def test_char_lstm_with_multi_rnn_cell_and_dropout_learns():
    """A char-level language model as TF1 tutorials write it: embedding_lookup, MultiRNNCell of dropout-wrapped
    BasicLSTMCells, dynamic_rnn, a dense softmax, sequence_loss, Adam; the loss (ln 26 ≈ 3.2 at the start)
    falls below 2.0 in 60 steps."""
    chars = sorted(set(TEXT))
    ids = np.array([chars.index(c) for c in TEXT], np.int32)
    vocab, seq_len, batch = len(chars), 12, 16
    tf.reset_default_graph()
    tf.set_random_seed(1)
    inputs = tf.placeholder(tf.int32, [None, seq_len])
    targets = tf.placeholder(tf.int32, [None, seq_len])
    keep_prob = tf.placeholder_with_default(1.0, [])
    embedding = tf.get_variable("embedding", [vocab, 16])
    emb = tf.nn.embedding_lookup(embedding, inputs)
    cell = tf.contrib.rnn.MultiRNNCell([tf.contrib.rnn.DropoutWrapper(tf.contrib.rnn.BasicLSTMCell(48),
                                                                      output_keep_prob=keep_prob)
                                        for _ in range(2)])
    initial_state = cell.zero_state(tf.shape(inputs)[0], tf.float32)
    outputs, final_state = tf.nn.dynamic_rnn(cell, emb, initial_state=initial_state)
    logits = tf.layers.dense(outputs, vocab)
    loss = tf.contrib.seq2seq.sequence_loss(logits, targets, tf.ones([tf.shape(inputs)[0], seq_len]))
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
    rng = np.random.RandomState(0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = []
        for _ in range(60):
            starts = rng.randint(0, len(ids) - seq_len - 1, batch)
            xb = np.stack([ids[s:s + seq_len] for s in starts])
            yb = np.stack([ids[s + 1:s + seq_len + 1] for s in starts])
            losses.append(sess.run([train_op, loss], {inputs: xb, targets: yb, keep_prob: 0.9})[1])
    assert losses[0] > 2.8 and np.mean(losses[-5:]) < 2.0, losses[::10]


def test_dynamic_rnn_outputs_take_the_given_dtype_when_the_state_has_another():
    """TF's `_infer_state_dtype`: with `dtype` given, the outputs (and their zeros past a sequence's length) are
    of that dtype, whatever the state's: a Viterbi cell outputs int32 back-pointers from a float32 state."""
    class ArgmaxCell(tf.nn.rnn_cell.RNNCell):
        state_size = 3
        output_size = 1

        def __call__(self, inputs, state, scope=None):
            new = state + inputs
            return tf.cast(tf.argmax(new, 1)[:, None], tf.int32), new
    x = np.array([[[1, 0, 0], [0, 0, 5], [0, 9, 0]], [[0, 2, 0], [3, 0, 0], [0, 0, 0]]], np.float32)
    with tf.Graph().as_default(), tf.Session() as s:
        out, state = tf.nn.dynamic_rnn(ArgmaxCell(), x, sequence_length=[3, 1], initial_state=tf.zeros([2, 3]),
                                       dtype=tf.int32)
        assert out.dtype == tf.int32 and state.dtype == tf.float32
        got_out, got_state = s.run([out, state])
    assert got_out[..., 0].tolist() == [[0, 2, 1], [1, 0, 0]]
    assert got_state.tolist() == [[1, 9, 5], [0, 2, 0]]
