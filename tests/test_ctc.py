"""CTC: ctc_loss against a sum over every alignment, its gradient against finite differences, the decoders against
exhaustive search, edit_distance against a direct Levenshtein. (tests/test_tf1_conformance.py replays the same
ops against TensorFlow's recordings: ctc_loss_values, ctc_decoders, edit_distances.)"""
import itertools

import numpy as np
import pytest
from gradcheck import symbolic_and_numeric

import graphgrad as tf


def sparse(rows):
    idx = [[b, i] for b, row in enumerate(rows) for i in range(len(row))]
    return tf.SparseTensor(np.array(idx, np.int64).reshape(-1, 2), np.array([v for r in rows for v in r], np.int32),
                           np.array([len(rows), max(map(len, rows))], np.int64))


def collapse(path, blank, merge=True):
    out, prev = [], None
    for c in path:
        if c != blank and not (merge and c == prev):
            out.append(c)
        prev = c
    return out


def brute_force_loss(x, label, merge=True):
    """-log of the summed probability of every path over x's frames [T, C] that collapses to `label`."""
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    blank, total = x.shape[1] - 1, 0.0
    for path in itertools.product(range(x.shape[1]), repeat=len(x)):
        if collapse(path, blank, merge) == list(label):
            total += np.prod(p[np.arange(len(x)), path])
    return -np.log(total)


@pytest.mark.parametrize("merge", [True, False])
def test_loss_is_minus_log_of_all_alignments(merge):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 4))
    rows, seq = [[0, 1], [2, 2], [1]], [5, 4, 3]
    with tf.Session() as s:
        got = s.run(tf.nn.ctc_loss(sparse(rows), tf.constant(x), np.array(seq, np.int32), ctc_merge_repeated=merge))
    want = [brute_force_loss(x[:n, b], r, merge) for b, (r, n) in enumerate(zip(rows, seq))]
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 3, 5))
    seq = np.array([6, 4, 5], np.int32)
    sym, num, _ = symbolic_and_numeric(lambda xi: tf.nn.ctc_loss(sparse([[0, 3, 3], [1], [2, 0]]), xi, seq), [x])
    np.testing.assert_allclose(sym[0], num[0], rtol=1e-6, atol=1e-8)
    assert not sym[0][4:, 1].any(), "no gradient past a sequence's end"


def test_second_derivative_is_refused_as_in_tf():
    x = tf.constant(np.zeros((3, 1, 3), np.float32))
    g = tf.gradients(tf.nn.ctc_loss(sparse([[0]]), x, [3]), x)[0]
    with pytest.raises(LookupError, match="Gradient explicitly disabled.*second"):
        tf.gradients(g, x)


def test_errors_and_options():
    x = tf.constant(np.zeros((3, 2, 4), np.float32))
    with tf.Session() as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Not enough time for target transition sequence "
                                                                 r"\(required: 4, available: 3\)"):
            s.run(tf.nn.ctc_loss(sparse([[0, 1, 2, 0], [1]]), x, [3, 3]))
        ignored = s.run(tf.nn.ctc_loss(sparse([[0, 1, 2, 0], [1]]), x, [3, 3], ignore_longer_outputs_than_inputs=True))
        assert ignored[0] == 0 and ignored[1] > 0
        with pytest.raises(tf.errors.InvalidArgumentError, match="Saw a non-null label"):
            s.run(tf.nn.ctc_loss(sparse([[3, 1], [1]]), x, [3, 3]))
        # repeats need a blank between them: [1, 1] in 2 frames has no path (inf, TF's "No valid path found")
        assert np.isinf(s.run(tf.nn.ctc_loss(sparse([[1, 1], [1]]), x, [2, 2]))[0])
        collapsed = s.run(tf.nn.ctc_loss(sparse([[1, 1], [1]]), x, [2, 2], preprocess_collapse_repeated=True))
        np.testing.assert_allclose(collapsed[0], collapsed[1])
    with pytest.raises(TypeError, match="SparseTensor"):
        tf.nn.ctc_loss([[1]], x, [3, 3])


def label_probability(x, label, merge=True):
    return np.exp(-brute_force_loss(x, label, merge)) if label is not None else 0.0


def test_beam_search_finds_the_most_probable_labellings():
    """With a beam wide enough to hold every prefix, the beam's probabilities are exact: compare the top paths
    with the probabilities of all label sequences, enumerated. (merge_repeated=True, the default, would also merge
    repeated labels of the output: TF calls that an invalid optimization.)"""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 1, 3)) * 2
    with tf.Session() as s:
        decoded, log_p = s.run(tf.nn.ctc_beam_search_decoder(x, [4], beam_width=100, top_paths=3,
                                                             merge_repeated=False))
    seqs = {tuple(collapse(p, 2)) for p in itertools.product(range(3), repeat=4)}
    probs = sorted(((label_probability(x[:, 0], s_), s_) for s_ in seqs), reverse=True)[:3]
    for path, lp, (p, want) in zip(decoded, log_p[0], probs):
        assert tuple(path.values.tolist()) == want
        np.testing.assert_allclose(lp, np.log(p), rtol=1e-5)


def test_greedy_decoder_takes_the_best_class_per_frame():
    x = np.array([[[0, 5, 1]], [[0, 5, 1]], [[0, 1, 6]], [[7, 0, 1]], [[0, 0, 9]], [[7, 0, 1]]], np.float32)
    with tf.Session() as s:
        (d,), lp = s.run(tf.nn.ctc_greedy_decoder(x, [6]))
        (d2,), _ = s.run(tf.nn.ctc_greedy_decoder(x, [6], merge_repeated=False))
    assert d.values.tolist() == [1, 0, 0] and d.indices.tolist() == [[0, 0], [0, 1], [0, 2]]
    assert d2.values.tolist() == [1, 1, 0, 0] and d.dense_shape.tolist() == [1, 3]
    assert lp.tolist() == [[-(5 + 5 + 6 + 7 + 9 + 7)]]


def test_edit_distance():
    h = tf.SparseTensor([[0, 0], [0, 1], [0, 2], [1, 0]], np.array([1, 2, 3, 4], np.int64), [3, 3])
    t = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], np.array([1, 3, 5], np.int64), [3, 2])
    with tf.Session() as s:
        d, raw = s.run([tf.edit_distance(h, t), tf.edit_distance(h, t, normalize=False)])
    assert raw.tolist() == [1.0, 1.0, 1.0]          # one deletion; a hypothesis alone; a truth alone
    assert d.tolist() == [0.5, np.inf, 1.0]


def test_example_recogniser_learns_digit_strings():
    """examples/ctc_digits.py: a conv1d model trained with ctc_loss for 150 steps reads unsegmented digit strings
    with a label error rate (edits per true digit, greedy and beam-search decoding) below 10 %."""
    from tests.test_examples import load_example

    loss, greedy, beam = load_example("ctc_digits").train(steps=150, log_every=0)
    assert loss < 1.0 and greedy < 0.1 and beam < 0.1


def test_ops_are_named_in_the_callers_scope():
    x = tf.constant(np.zeros((3, 1, 3), np.float32))
    with tf.name_scope("model"):
        loss = tf.nn.ctc_loss(sparse([[1]]), x, [3])
        _, log_p = tf.nn.ctc_beam_search_decoder(x, [3], beam_width=2)
    assert loss.name == "model/CTCLoss:0" and log_p.op.name == "model/CTCBeamSearchDecoder"
