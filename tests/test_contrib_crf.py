"""tf.contrib.crf against brute force: every tag sequence enumerated in NumPy (float64)."""
import itertools

import numpy as np
import pytest

import graphgrad as tf

crf = tf.contrib.crf


def _score(x, y, trans):
    return sum(x[t, y[t]] for t in range(len(y))) + sum(trans[y[t], y[t + 1]] for t in range(len(y) - 1))


def _brute(inputs, tags, lengths, trans):
    """(sequence scores, log Z, best paths, best scores) of a batch by enumerating every tag sequence."""
    scores, log_z, best, best_score = [], [], [], []
    k = trans.shape[0]
    for x, y, n in zip(inputs.astype(np.float64), tags, lengths):
        if n <= 0:
            scores.append(0.0)
            log_z.append(0.0)
            best.append([])
            best_score.append(None)
            continue
        all_scores = {seq: _score(x, seq, trans) for seq in itertools.product(range(k), repeat=int(n))}
        scores.append(_score(x, y[:n], trans))
        v = np.array(list(all_scores.values()))
        log_z.append(v.max() + np.log(np.exp(v - v.max()).sum()))
        seq = max(all_scores, key=all_scores.get)
        best.append(list(seq))
        best_score.append(all_scores[seq])
    return np.array(scores), np.array(log_z), best, best_score


def _problem(seed, batch=4, max_len=4, k=3, lengths=(3, 1, 0, 4)):
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((batch, max_len, k)).astype(np.float32)
    tags = rng.integers(0, k, (batch, max_len)).astype(np.int32)
    trans = rng.standard_normal((k, k)).astype(np.float32)
    return inputs, tags, np.array(lengths, np.int32), trans


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_likelihood_scores_and_log_norm_match_enumeration(seed):
    inputs, tags, lengths, trans = _problem(seed)
    want_scores, want_log_z, _, _ = _brute(inputs, tags, lengths, trans.astype(np.float64))
    with tf.Graph().as_default(), tf.Session() as s:
        ll, t = crf.crf_log_likelihood(tf.constant(inputs), tf.constant(tags), tf.constant(lengths), tf.constant(trans))
        scores = crf.crf_sequence_score(inputs, tags, lengths, trans)
        log_z = crf.crf_log_norm(inputs, lengths, trans)
        got_ll, got_t, got_scores, got_log_z = s.run([ll, t, scores, log_z])
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_log_z, want_log_z, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_ll, want_scores - want_log_z, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got_t, trans)
    assert got_ll[2] == 0.0 and (got_ll[[0, 1, 3]] < 0).all()  # a length of 0 counts nothing


def test_gradients_match_finite_differences_of_the_enumeration():
    inputs, tags, lengths, trans = _problem(3, batch=3, max_len=3, k=3, lengths=(3, 2, 1))

    def total(x, tr):
        s, z, _, _ = _brute(x, tags, lengths, tr)
        return float((s - z).sum())
    x64, t64 = inputs.astype(np.float64), trans.astype(np.float64)
    eps = 1e-6
    want_dx = np.zeros_like(x64)
    for i in np.ndindex(x64.shape):
        d = np.zeros_like(x64)
        d[i] = eps
        want_dx[i] = (total(x64 + d, t64) - total(x64 - d, t64)) / (2 * eps)
    want_dt = np.zeros_like(t64)
    for i in np.ndindex(t64.shape):
        d = np.zeros_like(t64)
        d[i] = eps
        want_dt[i] = (total(x64, t64 + d) - total(x64, t64 - d)) / (2 * eps)
    with tf.Graph().as_default(), tf.Session() as s:
        x = tf.constant(inputs)
        t = tf.constant(trans)
        ll, _ = crf.crf_log_likelihood(x, tags, lengths, t)
        dx, dt = s.run(tf.gradients(tf.reduce_sum(ll), [x, t]))
    np.testing.assert_allclose(dx, want_dx, atol=2e-5)
    np.testing.assert_allclose(dt, want_dt, atol=2e-5)
    assert np.all(dx[1, 2] == 0) and np.all(dx[2, 1:] == 0)  # steps past a sequence's length


@pytest.mark.parametrize("seed", [0, 5])
def test_crf_decode_and_viterbi_decode_find_the_best_sequence(seed):
    inputs, tags, lengths, trans = _problem(seed, batch=4, max_len=5, k=3, lengths=(5, 2, 1, 4))
    _, _, best, best_score = _brute(inputs, tags, lengths, trans.astype(np.float64))
    with tf.Graph().as_default(), tf.Session() as s:
        got_tags, got_score = s.run(crf.crf_decode(tf.constant(inputs), tf.constant(trans), tf.constant(lengths)))
    assert got_tags.dtype == np.int32 and got_tags.shape == (4, 5)
    for b, n in enumerate(lengths):
        assert got_tags[b, :n].tolist() == best[b]
        assert not got_tags[b, n:].any()  # past the length: 0
        np.testing.assert_allclose(got_score[b], best_score[b], rtol=1e-5)
        path, score = crf.viterbi_decode(inputs[b, :n], trans)
        assert [int(t) for t in path] == best[b]
        np.testing.assert_allclose(score, best_score[b], rtol=1e-5)


def test_one_step_sequences_and_lengths_known_only_when_run():
    inputs, tags, lengths, trans = _problem(4, batch=3, max_len=1, k=4, lengths=(1, 0, 1))
    want_scores, want_log_z, best, _ = _brute(inputs, tags, lengths, trans.astype(np.float64))
    with tf.Graph().as_default(), tf.Session() as s:
        x = tf.placeholder(tf.float32, [None, None, 4])
        y = tf.placeholder(tf.int32, [None, None])
        n = tf.placeholder(tf.int32, [None])
        ll, _ = crf.crf_log_likelihood(x, y, n, tf.constant(trans))
        tags_out, _ = crf.crf_decode(x, tf.constant(trans), n)
        static_ll, _ = crf.crf_log_likelihood(tf.constant(inputs), tags, lengths, tf.constant(trans))
        feed = {x: inputs, y: tags, n: lengths}
        got, got_static, got_tags = s.run([ll, static_ll, tags_out], feed)
        inputs5, tags5, lengths5, trans4 = _problem(6, batch=2, max_len=5, k=4, lengths=(5, 3))
        got5 = s.run(ll, {x: inputs5, y: tags5, n: lengths5})
    np.testing.assert_allclose(got, want_scores - want_log_z, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_static, got, rtol=1e-6)
    assert got_tags[0, 0] == best[0][0] and got_tags[2, 0] == best[2][0]
    s5, z5, _, _ = _brute(inputs5, tags5, lengths5, trans.astype(np.float64))
    np.testing.assert_allclose(got5, s5 - z5, rtol=1e-5, atol=1e-5)


def test_multitag_score_sums_over_the_allowed_sequences():
    inputs, tags, lengths, trans = _problem(7, batch=2, max_len=3, k=3, lengths=(3, 2))
    rng = np.random.default_rng(8)
    bitmap = rng.random((2, 3, 3)) < 0.6
    bitmap[:, :, 0] = True  # at least one allowed tag per step
    want = []
    for x, m, n in zip(inputs.astype(np.float64), bitmap, lengths):
        v = [_score(x, seq, trans) for seq in itertools.product(range(3), repeat=int(n))
             if all(m[t, seq[t]] for t in range(n))]
        want.append(np.log(np.exp(v).sum()))
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run(crf.crf_multitag_sequence_score(inputs, bitmap, lengths, trans))
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_a_bilstm_crf_tagger_learns_and_makes_its_transitions_variable():
    """The classic TF1 NER model: embeddings, a bidirectional LSTM, a dense layer to tag scores, a CRF. The
    tag of a token depends on the token before it, which the CRF's transitions and the LSTM can learn."""
    rng = np.random.default_rng(0)
    vocab, k, batch, max_len = 6, 3, 32, 7
    words = rng.integers(0, vocab, (batch, max_len)).astype(np.int32)
    lengths = rng.integers(2, max_len + 1, batch).astype(np.int32)
    labels = np.zeros_like(words)
    labels[:, 1:] = words[:, :-1] % k
    labels[:, 0] = words[:, 0] % k
    tf.set_random_seed(1)
    with tf.Graph().as_default(), tf.Session() as s:
        tf.set_random_seed(1)
        w = tf.placeholder(tf.int32, [None, None])
        y = tf.placeholder(tf.int32, [None, None])
        n = tf.placeholder(tf.int32, [None])
        emb = tf.nn.embedding_lookup(tf.get_variable("emb", [vocab, 8]), w)
        (fw, bw), _ = tf.nn.bidirectional_dynamic_rnn(tf.nn.rnn_cell.LSTMCell(8), tf.nn.rnn_cell.LSTMCell(8), emb,
                                                      sequence_length=n, dtype=tf.float32)
        logits = tf.layers.dense(tf.concat([fw, bw], axis=-1), k)
        with tf.variable_scope("crf"):
            ll, trans = crf.crf_log_likelihood(logits, y, n)
        assert trans.name == "crf/transitions:0" and trans in tf.trainable_variables()
        loss = -tf.reduce_mean(ll)
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        decoded, _ = crf.crf_decode(logits, trans, n)
        s.run(tf.global_variables_initializer())
        feed = {w: words, y: labels, n: lengths}
        first = s.run(loss, feed)
        for _ in range(150):
            s.run(train, feed)
        last, tags = s.run([loss, decoded], feed)
    mask = np.arange(max_len)[None, :] < lengths[:, None]
    assert last < 0.1 * first
    assert (tags[mask] == labels[mask]).mean() > 0.95


def test_executing_eagerly_it_gives_the_graph_s_values_and_gradients():
    from graphgrad.eager.context import eager_mode
    inputs, tags, lengths, trans = _problem(9, batch=3, max_len=4, k=3, lengths=(4, 2, 3))
    with tf.Graph().as_default(), tf.Session() as s:
        t = tf.constant(trans)
        ll, _ = crf.crf_log_likelihood(inputs, tags, lengths, t)
        decoded, best = crf.crf_decode(inputs, t, lengths)
        want = s.run([ll, tf.gradients(tf.reduce_sum(ll), t)[0], decoded, best])
    with eager_mode():
        v = tf.Variable(trans)
        with tf.GradientTape() as tape:
            ll, _ = crf.crf_log_likelihood(inputs, tags, lengths, v)
            total = tf.reduce_sum(ll)
        decoded, best = crf.crf_decode(inputs, v, lengths)
        got = [ll.numpy(), tape.gradient(total, v).numpy(), decoded.numpy(), best.numpy()]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
