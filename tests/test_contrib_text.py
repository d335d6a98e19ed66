"""`tf.contrib.learn.preprocessing.VocabularyProcessor` (the sentence CNN's word ids) and
`tf.contrib.legacy_seq2seq` (char-rnn's `rnn_decoder` and `sequence_loss_by_example`), against TF 1.15's
definitions written out in NumPy (TF 2.21, the recording TF here, has no tf.contrib)."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad.contrib import legacy_seq2seq
from graphgrad.contrib.learn import preprocessing


def test_vocabulary_processor_ids_padding_and_unknowns(tmp_path):
    vp = preprocessing.VocabularyProcessor(5)
    ids = np.array(list(vp.fit_transform(["a good movie", "a BAD movie, really bad!", "Good"])))
    # ids in the order first seen, 0 for padding/unknown; TF's tokenizer splits "BAD" and drops punctuation
    assert ids.tolist() == [[1, 2, 3, 0, 0], [1, 4, 3, 5, 6], [7, 0, 0, 0, 0]]
    assert ids.dtype == np.int64 and len(vp.vocabulary_) == 8
    assert list(vp.transform(["an unseen movie"]))[0].tolist() == [0, 0, 3, 0, 0]  # frozen after fit
    assert next(vp.reverse([[1, 3, 0]])) == "a movie <UNK>"
    vp.save(tmp_path / "vocab")
    again = preprocessing.VocabularyProcessor.restore(tmp_path / "vocab")
    assert list(again.transform(["a good movie"]))[0].tolist() == [1, 2, 3, 0, 0]


def test_min_frequency_trims_and_renumbers_by_count():
    vp = preprocessing.VocabularyProcessor(4, min_frequency=1)
    rows = np.array(list(vp.fit_transform(["b a b", "c a b"])))
    # counts b 3, a 2, c 1: c is dropped (count <= 1), b then a
    assert rows.tolist() == [[1, 2, 1, 0], [0, 2, 1, 0]]


def test_sequence_loss_by_example_is_tf_arithmetic():
    r = np.random.RandomState(0)
    logits = [r.randn(3, 4) for _ in range(2)]
    targets = [np.array([0, 3, 1]), np.array([2, 2, 0])]
    weights = [np.ones(3), np.array([1.0, 0.0, 0.5])]

    def ce(lg, t):
        lse = np.log(np.exp(lg).sum(1))
        return lse - lg[np.arange(len(t)), t]
    per_example = (ce(logits[0], targets[0]) * weights[0] + ce(logits[1], targets[1]) * weights[1]) \
        / (weights[0] + weights[1] + 1e-12)
    with tf.Graph().as_default(), tf.Session() as s:
        lt = [tf.constant(x) for x in logits]
        tt = [tf.constant(t) for t in targets]
        wt = [tf.constant(w) for w in weights]
        got = s.run(legacy_seq2seq.sequence_loss_by_example(lt, tt, wt))
        mean = s.run(legacy_seq2seq.sequence_loss(lt, tt, wt))
        with pytest.raises(ValueError, match="Lengths of logits, weights, and targets"):
            legacy_seq2seq.sequence_loss_by_example(lt, tt[:1], wt)
    np.testing.assert_allclose(got, per_example, rtol=1e-12)
    np.testing.assert_allclose(mean, per_example.sum() / 3, rtol=1e-12)


def test_rnn_decoder_shares_one_cell_and_loops_outputs_back():
    with tf.Graph().as_default():
        cell = tf.nn.rnn_cell.BasicRNNCell(3)
        xs = [np.full((2, 3), i, np.float32) for i in range(3)]
        state0 = cell.zero_state(2, tf.float32)
        outs, state = legacy_seq2seq.rnn_decoder([tf.constant(x) for x in xs], state0, cell, scope="rnnlm")
        looped, _ = legacy_seq2seq.rnn_decoder([tf.constant(x) for x in xs], state0, cell, scope="rnnlm",
                                               loop_function=lambda prev, i: prev * 2.0)
        names = [v.name for v in tf.trainable_variables()]
        assert sorted(names) == ["rnnlm/basic_rnn_cell/bias:0", "rnnlm/basic_rnn_cell/kernel:0"]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            o, st, lo = s.run([outs, state, looped])
            kernel, bias = s.run([tf.trainable_variables()[names.index("rnnlm/basic_rnn_cell/kernel:0")],
                                  tf.trainable_variables()[names.index("rnnlm/basic_rnn_cell/bias:0")]])

    def step(x, h):
        return np.tanh(np.concatenate([x, h], 1) @ kernel + bias)
    h, want, hl, want_looped = np.zeros((2, 3), np.float32), [], np.zeros((2, 3), np.float32), []
    for i, x in enumerate(xs):
        h = step(x, h)
        want.append(h)
        hl = step(x if i == 0 else 2.0 * want_looped[-1], hl)
        want_looped.append(hl)
    np.testing.assert_allclose(o, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lo, want_looped, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, o[-1])
