"""tf.contrib.seq2seq's decoders and attention, against NumPy re-implementations of TF 1.15's formulas, with TF's
variable names; gradients by finite differences; a small attention model that learns to reverse sequences."""
import numpy as np
import pytest

import graphgrad as tf

s2s = tf.contrib.seq2seq


def test_training_helper_decodes_as_dynamic_rnn_does():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 4)).astype(np.float32)
    lengths = np.array([5, 3, 1], np.int32)
    with tf.Graph().as_default(), tf.Session() as s:
        cell = tf.nn.rnn_cell.BasicLSTMCell(6)
        proj = tf.layers.Dense(7, name="proj")
        dec = s2s.BasicDecoder(cell, s2s.TrainingHelper(tf.constant(x), lengths), cell.zero_state(3, tf.float32),
                               output_layer=proj)
        outputs, state, seq_lengths = s2s.dynamic_decode(dec, impute_finished=True)
        assert [v.name for v in tf.global_variables()] == [
            "decoder/basic_lstm_cell/kernel:0", "decoder/basic_lstm_cell/bias:0", "decoder/proj/kernel:0",
            "decoder/proj/bias:0"]
        with tf.variable_scope("decoder", reuse=True):
            ref_out, ref_state = tf.nn.dynamic_rnn(cell, tf.constant(x), sequence_length=lengths, dtype=tf.float32)
        s.run(tf.global_variables_initializer())
        got, st, n, want, want_state = s.run([outputs, state, seq_lengths, proj(ref_out), ref_state])
        time_major, _, _ = s2s.dynamic_decode(s2s.BasicDecoder(
            cell, s2s.TrainingHelper(tf.constant(x.transpose(1, 0, 2)), lengths, time_major=True),
            cell.zero_state(3, tf.float32), output_layer=proj), output_time_major=True, scope="decoder")
        np.testing.assert_array_equal(s.run(time_major.rnn_output).transpose(1, 0, 2)[0], got.rnn_output[0])
    mask = (np.arange(5)[None, :] < lengths[:, None])[..., None]
    assert n.tolist() == [5, 3, 1] and got.sample_id.dtype == np.int32
    np.testing.assert_allclose(got.rnn_output, want * mask, atol=1e-6)  # impute_finished: zeros past the end
    np.testing.assert_array_equal(got.sample_id[mask[..., 0]], want.argmax(-1)[mask[..., 0]])
    np.testing.assert_allclose(st.h, want_state.h, atol=1e-6)


def test_greedy_and_sampled_inference_feed_back_the_chosen_tokens():
    """Greedy decoding in the graph equals the same loop in NumPy: next input = embedding[argmax(logits)], an
    entry finishes when it emits the end token, and the loop stops when all have (or at maximum_iterations)."""
    rng = np.random.default_rng(1)
    vocab, emb_dim, units, batch = 6, 3, 5, 4
    emb = rng.standard_normal((vocab, emb_dim)).astype(np.float32)
    with tf.Graph().as_default(), tf.Session() as s:
        cell = tf.nn.rnn_cell.BasicRNNCell(units)
        proj = tf.layers.Dense(vocab, name="proj", kernel_initializer=tf.random_normal_initializer(0, 2, seed=3))
        helper = s2s.GreedyEmbeddingHelper(tf.constant(emb), tf.fill([batch], 1), 0)
        dec = s2s.BasicDecoder(cell, helper, cell.zero_state(batch, tf.float32), output_layer=proj)
        outputs, _, lengths = s2s.dynamic_decode(dec, maximum_iterations=9)
        sampled = s2s.BasicDecoder(cell, s2s.SampleEmbeddingHelper(tf.constant(emb), tf.fill([batch], 1), 0,
                                                                   softmax_temperature=0.5, seed=4),
                                   cell.zero_state(batch, tf.float32), output_layer=proj)
        s_out, _, s_len = s2s.dynamic_decode(sampled, maximum_iterations=9, scope="decoder")
        s.run(tf.global_variables_initializer())
        ids, n, k, b, pk, pb = s.run([outputs.sample_id, lengths] + cell.variables + proj.variables)
        sample_ids, sample_n = s.run([s_out.sample_id, s_len])
    h = np.zeros((batch, units), np.float32)
    x = emb[np.ones(batch, int)]
    finished = np.zeros(batch, bool)
    want, want_n = [], np.zeros(batch, int)
    for t in range(9):
        h = np.tanh(np.concatenate([x, h], 1) @ k + b)
        step = (h @ pk + pb).argmax(-1)
        want.append(step)
        want_n[~finished] = t + 1
        finished |= step == 0
        x = emb[step]
        if finished.all():
            break
    assert ids.shape == (batch, len(want)) and n.tolist() == want_n.tolist()
    np.testing.assert_array_equal(ids, np.stack(want, 1))
    assert sample_ids.shape[1] <= 9 and ((sample_ids >= 0) & (sample_ids < vocab)).all()
    assert all(0 in row[:m] or m == sample_ids.shape[1] for row, m in zip(sample_ids, sample_n))


def _attention_reference(kind, mem, mlen, dec_in, values_of, steps, att_size):
    """TF 1.15's AttentionWrapper over a BasicRNNCell, in NumPy."""
    v = values_of
    mask = np.arange(mem.shape[1])[None, :] < mlen[:, None]
    values = mem * mask[..., None]
    keys = values @ v("memory_layer/kernel")
    cell_k, cell_b = (v(f"decoder/attention_wrapper/basic_rnn_cell/{n}") for n in ("kernel", "bias"))
    h = np.zeros((mem.shape[0], cell_b.shape[0]))
    att = np.zeros((mem.shape[0], att_size))
    outs, aligns = [], []
    for t in range(steps):
        h = np.tanh(np.concatenate([dec_in[:, t], att, h], 1) @ cell_k + cell_b)
        if kind.startswith("bahdanau"):
            pq = h @ v("decoder/attention_wrapper/bahdanau_attention/query_layer/kernel")
            vv = v("decoder/attention_wrapper/bahdanau_attention/attention_v")
            if kind.endswith("normalized"):
                g, b = (v("decoder/attention_wrapper/bahdanau_attention/attention_" + n) for n in "gb")
                score = (g * vv / np.sqrt((vv ** 2).sum()) * np.tanh(keys + pq[:, None] + b)).sum(2)
            else:
                score = (vv * np.tanh(keys + pq[:, None])).sum(2)
        else:
            score = np.einsum("bu,btu->bt", h, keys)
            if kind.endswith("scaled"):
                score = score * v("decoder/attention_wrapper/luong_attention/attention_g")
        score = np.where(mask, score, -np.inf)
        a = np.exp(score - score.max(1, keepdims=True))
        a /= a.sum(1, keepdims=True)
        context = np.einsum("bt,btd->bd", a, values)
        att = np.concatenate([h, context], 1) @ v("decoder/attention_wrapper/attention_layer/kernel")
        outs.append(att)
        aligns.append(a)
    return np.stack(outs, 1), np.stack(aligns)


@pytest.mark.parametrize("kind, extra", [
    ("bahdanau", ["bahdanau_attention/query_layer/kernel", "bahdanau_attention/attention_v"]),
    ("bahdanau_normalized", ["bahdanau_attention/query_layer/kernel", "bahdanau_attention/attention_v",
                             "bahdanau_attention/attention_g", "bahdanau_attention/attention_b"]),
    ("luong", []), ("luong_scaled", ["luong_attention/attention_g"])])
def test_attention_wrapper_matches_tf_formulas_and_variable_names(kind, extra):
    rng = np.random.default_rng(2)
    batch, max_time, depth, units, steps = 3, 4, 5, 6, 3
    mem = rng.standard_normal((batch, max_time, depth)).astype(np.float32)
    mlen = np.array([4, 2, 3], np.int32)
    dec_in = rng.standard_normal((batch, steps, 2)).astype(np.float32)
    with tf.Graph().as_default(), tf.Session() as s:
        if kind.startswith("bahdanau"):
            mech = s2s.BahdanauAttention(units, mem, memory_sequence_length=mlen, normalize=kind.endswith("normalized"))
        else:
            mech = s2s.LuongAttention(units, mem, memory_sequence_length=mlen, scale=kind.endswith("scaled"))
        cell = s2s.AttentionWrapper(tf.nn.rnn_cell.BasicRNNCell(units), mech, attention_layer_size=7,
                                    alignment_history=True)
        assert cell.output_size == 7 and cell.state_size.alignments == max_time
        dec = s2s.BasicDecoder(cell, s2s.TrainingHelper(dec_in, [steps] * batch), cell.zero_state(batch, tf.float32))
        out, state, _ = s2s.dynamic_decode(dec)
        names = [v.name[:-2] for v in tf.global_variables()]
        assert names == (["memory_layer/kernel", "decoder/attention_wrapper/basic_rnn_cell/kernel",
                          "decoder/attention_wrapper/basic_rnn_cell/bias"]
                         + [f"decoder/attention_wrapper/{n}" for n in extra]
                         + ["decoder/attention_wrapper/attention_layer/kernel"])
        s.run(tf.global_variables_initializer())
        values = dict(zip(names, s.run(tf.global_variables())))
        got, history, final_alignments = s.run([out.rnn_output, state.alignment_history.stack(), state.alignments])
    want, want_align = _attention_reference(kind, mem.astype(np.float64), mlen, dec_in, values.__getitem__, steps, 7)
    np.testing.assert_allclose(got, want, atol=2e-6)
    np.testing.assert_allclose(history, want_align, atol=2e-6)
    np.testing.assert_allclose(final_alignments, want_align[-1], atol=2e-6)
    assert (history[:, 1, 2:] == 0).all()  # no attention past a memory's length


def test_attention_gradients_match_finite_differences():
    """d(sum of outputs · r)/d(memory, decoder inputs, every variable) of a float64 Bahdanau (normalized) decoder
    over a GRU, against central differences."""
    rng = np.random.default_rng(3)
    mem, dec_in = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 2, 3))
    r = rng.standard_normal((2, 2, 2))
    with tf.Graph().as_default(), tf.Session() as s:
        m, x = tf.placeholder(tf.float64, mem.shape), tf.placeholder(tf.float64, dec_in.shape)
        mech = s2s.BahdanauAttention(3, m, memory_sequence_length=[3, 2], normalize=True, dtype=tf.float64)
        cell = s2s.AttentionWrapper(tf.nn.rnn_cell.GRUCell(3, dtype=tf.float64), mech, attention_layer_size=2)
        dec = s2s.BasicDecoder(cell, s2s.TrainingHelper(x, [2, 2]), cell.zero_state(2, tf.float64))
        loss = tf.reduce_sum(s2s.dynamic_decode(dec)[0].rnn_output * r)
        variables = tf.trainable_variables()
        s.run(tf.global_variables_initializer())
        feed = {m: mem, x: dec_in}
        symbolic = s.run(tf.gradients(loss, [m, x] + variables), feed)
        weights = [np.array(w) for w in s.run(variables)]  # (attention_g is a scalar)
        for i, base in enumerate([mem, dec_in] + weights):
            numeric = np.zeros_like(base)
            for idx in np.ndindex(base.shape):
                values = []
                for sign in (1, -1):
                    moved = base.copy()
                    moved[idx] += sign * 1e-6
                    if i < 2:
                        values.append(s.run(loss, {**feed, (m, x)[i]: moved}))
                    else:
                        variables[i - 2].load(moved, s)
                        values.append(s.run(loss, feed))
                numeric[idx] = (values[0] - values[1]) / 2e-6
            if i >= 2:
                variables[i - 2].load(base, s)
            np.testing.assert_allclose(symbolic[i], numeric, atol=1e-6, err_msg=f"input {i}")


def test_zero_state_clone_multi_mechanisms_and_errors():
    mem = np.ones((2, 3, 4), np.float32)
    with tf.Graph().as_default(), tf.Session() as s:
        a = s2s.LuongAttention(5, mem, name="a")
        b = s2s.BahdanauAttention(4, mem, name="b")
        cell = s2s.AttentionWrapper(tf.nn.rnn_cell.LSTMCell(5), [a, b], attention_layer_size=[2, 3],
                                    output_attention=False)
        assert cell.output_size == 5 and cell.state_size.attention == 5
        encoder_state = tf.nn.rnn_cell.LSTMStateTuple(tf.ones((2, 5)), tf.ones((2, 5)))
        state = cell.zero_state(2, tf.float32).clone(cell_state=encoder_state)
        assert state.cell_state.c is encoder_state.c and isinstance(state.alignments, tuple)
        out, nxt = cell(tf.ones((2, 1)), state)
        s.run(tf.global_variables_initializer())
        o, att = s.run([out, nxt.attention])
        assert o.shape == (2, 5) and att.shape == (2, 5)
        with pytest.raises(TypeError, match="AttentionWrapperState"):
            cell(tf.ones((2, 1)), encoder_state)
        with pytest.raises(TypeError, match="AttentionMechanism"):
            s2s.AttentionWrapper(tf.nn.rnn_cell.LSTMCell(5), "memory")
        with pytest.raises(ValueError, match="Incompatible or unknown inner dimensions"):
            bad = s2s.LuongAttention(5, mem, name="bad")
            s2s.AttentionWrapper(tf.nn.rnn_cell.LSTMCell(3), bad)(tf.ones((2, 1)), s2s.AttentionWrapper(
                tf.nn.rnn_cell.LSTMCell(3), bad).zero_state(2, tf.float32))
        with pytest.raises(TypeError, match="helper must be a Helper"):
            s2s.BasicDecoder(cell, object(), state)


def test_an_attention_seq2seq_learns_to_reverse_sequences():
    """The NMT tutorial's model in small: an LSTM encoder, a Luong-attention decoder trained with teacher forcing
    and `sequence_loss`, then greedy decoding of the training sequences."""
    rng = np.random.default_rng(4)
    vocab, n, length, go, eos = 8, 64, 5, 1, 0
    src = rng.integers(2, vocab, (n, length)).astype(np.int32)
    tgt = src[:, ::-1]
    dec_in = np.concatenate([np.full((n, 1), go, np.int32), tgt], 1)
    dec_out = np.concatenate([tgt, np.full((n, 1), eos, np.int32)], 1)
    with tf.Graph().as_default(), tf.Session() as s:
        tf.set_random_seed(0)
        emb = tf.get_variable("emb", [vocab, 16])
        enc_out, enc_state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(32), tf.nn.embedding_lookup(emb, src),
                                               dtype=tf.float32, scope="encoder")
        mech = s2s.LuongAttention(32, enc_out)
        cell = s2s.AttentionWrapper(tf.nn.rnn_cell.LSTMCell(32), mech, attention_layer_size=32)
        init = cell.zero_state(n, tf.float32).clone(cell_state=enc_state)
        proj = tf.layers.Dense(vocab, use_bias=False, name="output_projection")
        train_dec = s2s.BasicDecoder(cell, s2s.TrainingHelper(tf.nn.embedding_lookup(emb, dec_in), [length + 1] * n),
                                     init, output_layer=proj)
        logits = s2s.dynamic_decode(train_dec)[0].rnn_output
        loss = s2s.sequence_loss(logits, dec_out, tf.ones([n, length + 1]))
        train = tf.train.AdamOptimizer(0.02).minimize(loss)
        infer_dec = s2s.BasicDecoder(cell, s2s.GreedyEmbeddingHelper(emb, tf.fill([n], go), eos), init,
                                     output_layer=proj)
        ids = s2s.dynamic_decode(infer_dec, maximum_iterations=2 * length, scope="decoder")[0].sample_id
        s.run(tf.global_variables_initializer())
        for _ in range(150):
            last, _ = s.run([loss, train])
        got = s.run(ids)
    assert last < 0.05
    assert (got[:, :length] == tgt).mean() > 0.95


def _numpy_beam_search(emb, h0, weights, batch, width, steps, penalty, end=0, start=1):
    """TF 1.15's beam search over a BasicRNNCell and a dense projection, in NumPy (ties to the lower index)."""
    k, b, pk, pb = weights
    vocab = pk.shape[1]
    h = h0.reshape(batch, width, -1)
    log_probs = np.full((batch, width), -np.inf, np.float32)
    log_probs[:, 0] = 0
    finished = np.ones((batch, width), bool)
    finished[:, 0] = False
    lengths = np.zeros((batch, width), np.int64)
    x = emb[np.full((batch, width), start)]
    ids, parents, scores = [], [], []
    eos_row = np.full(vocab, np.finfo(np.float32).min, np.float32)
    eos_row[end] = 0
    not_eos = (np.arange(vocab) != end).astype(np.int64)
    for _ in range(steps):
        h_new = np.tanh(np.concatenate([x, h], -1) @ k + b)
        logits = h_new @ pk + pb
        m = logits.max(-1, keepdims=True)
        step = logits - m - np.log(np.exp(logits - m).sum(-1, keepdims=True))
        step = np.where(finished[..., None], eos_row, step)
        total = log_probs[..., None] + step
        new_lengths = lengths[..., None] + not_eos * (~finished)[..., None]
        flat = (total / (((5 + new_lengths) / 6.0) ** penalty if penalty else 1.0)).reshape(batch, -1)
        best = np.argsort(-flat, axis=1, kind="stable")[:, :width]
        word, parent = best % vocab, best // vocab
        log_probs = np.take_along_axis(total.reshape(batch, -1), best, 1)
        was_finished = np.take_along_axis(finished, parent, 1)
        finished = was_finished | (word == end)
        lengths = np.take_along_axis(lengths, parent, 1) + ~was_finished
        h = np.take_along_axis(h_new, parent[..., None], 1)
        x = emb[word]
        ids.append(word)
        parents.append(parent)
        scores.append(np.take_along_axis(flat, best, 1))
        if finished.all():
            break
    return np.stack(ids, 1), np.stack(parents, 1), np.stack(scores, 1), lengths


def _numpy_gather_tree(ids, parents, lengths, end):
    """[batch, time, beam] sequences followed back from each entry's longest length, end token after the first."""
    batch, steps, width = ids.shape
    out = np.full(ids.shape, end)
    for bi in range(batch):
        n = min(steps, lengths[bi])
        for w in range(width):
            p = w
            for t in range(n - 1, -1, -1):
                out[bi, t, w] = ids[bi, t, p]
                p = parents[bi, t, p]
            seen = np.flatnonzero(out[bi, :n, w] == end)
            if seen.size:
                out[bi, seen[0] + 1:n, w] = end
    return out


@pytest.mark.parametrize("penalty", [0.0, 0.7])
def test_beam_search_matches_a_numpy_beam_search(penalty):
    rng = np.random.default_rng(5)
    vocab, units, batch, width, steps = 7, 4, 2, 3, 6
    emb = rng.standard_normal((vocab, 3)).astype(np.float32)
    with tf.Graph().as_default(), tf.Session() as s:
        cell = tf.nn.rnn_cell.BasicRNNCell(units)
        proj = tf.layers.Dense(vocab, name="proj", kernel_initializer=tf.random_normal_initializer(0, 1.5, seed=2))
        h0 = s2s.tile_batch(tf.constant(rng.standard_normal((batch, units)).astype(np.float32)), width)
        dec = s2s.BeamSearchDecoder(cell, tf.constant(emb), tf.fill([batch], 1), 0, h0, width, output_layer=proj,
                                    length_penalty_weight=penalty)
        out, state, _ = s2s.dynamic_decode(dec, maximum_iterations=steps)
        assert isinstance(out, s2s.FinalBeamSearchDecoderOutput)
        s.run(tf.global_variables_initializer())
        raw = out.beam_search_decoder_output
        got_final, got_ids, got_parents, got_scores, got_lengths, h0_value, *weights = s.run(
            [out.predicted_ids, raw.predicted_ids, raw.parent_ids, raw.scores, state.lengths, h0]
            + cell.variables + proj.variables)
    ids, parents, scores, lengths = _numpy_beam_search(emb, h0_value, weights, batch, width, steps, penalty)
    np.testing.assert_array_equal(got_ids, ids)
    np.testing.assert_array_equal(got_parents, parents)
    np.testing.assert_allclose(got_scores, scores, rtol=1e-5)
    np.testing.assert_array_equal(got_lengths, lengths)
    np.testing.assert_array_equal(got_final, _numpy_gather_tree(ids, parents, lengths.max(1), 0))
    assert (got_scores[:, -1, :-1] >= got_scores[:, -1, 1:]).all()  # best beam first


def test_gather_tree_follows_parents_and_pads_with_the_end_token():
    step_ids = np.array([[[1, 2, 3]], [[4, 5, 6]], [[7, 8, 9]]], np.int32)  # [time 3, batch 1, beam 3]
    parent_ids = np.array([[[0, 0, 0]], [[2, 1, 0]], [[2, 1, 0]]], np.int32)
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run(s2s.gather_tree(step_ids, parent_ids, [3], end_token=5))
        short = s.run(s2s.gather_tree(step_ids, parent_ids, [2], end_token=10))
    # beam 0: t2 token 7 from parent 2, t1 token 6 from parent 0, t0 token 1; beam 1 meets the end token 5 at t1
    assert got[:, 0].T.tolist() == [[1, 6, 7], [2, 5, 5], [3, 4, 9]]
    assert short[:, 0].T.tolist() == [[3, 4, 10], [2, 5, 10], [1, 6, 10]]


def test_beam_width_one_with_attention_decodes_as_greedy():
    """The NMT tutorial's inference: memory, its lengths and the encoder state tiled with tile_batch, an
    AttentionWrapper's zero_state for batch · beam_width cloned from it; one beam gives the greedy decoding."""
    rng = np.random.default_rng(6)
    batch, max_time, depth, vocab = 2, 5, 6, 9
    memory = rng.standard_normal((batch, max_time, depth)).astype(np.float32)
    encoder_state = rng.standard_normal((batch, depth)).astype(np.float32)

    def build(width):
        with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
            emb = tf.get_variable("emb", [vocab, 3])
            lengths = tf.constant([5, 3])
            tiled = (s2s.tile_batch(memory, width), s2s.tile_batch(lengths, width),
                     s2s.tile_batch(encoder_state, width)) if width else (memory, lengths, encoder_state)
            mech = s2s.BahdanauAttention(depth, tiled[0], memory_sequence_length=tiled[1])
            cell = s2s.AttentionWrapper(tf.nn.rnn_cell.GRUCell(depth), mech, attention_layer_size=depth)
            init = cell.zero_state(batch * max(width, 1), tf.float32).clone(cell_state=tiled[2])
            proj = tf.layers.Dense(vocab, name="proj", _reuse=tf.AUTO_REUSE)
            if width:
                dec = s2s.BeamSearchDecoder(cell, emb, tf.fill([batch], 1), 0, init, width, output_layer=proj)
                return s2s.dynamic_decode(dec, maximum_iterations=7, scope="decoder")[0].predicted_ids
            dec = s2s.BasicDecoder(cell, s2s.GreedyEmbeddingHelper(emb, tf.fill([batch], 1), 0), init,
                                   output_layer=proj)
            return s2s.dynamic_decode(dec, maximum_iterations=7, scope="decoder")[0].sample_id
    with tf.Graph().as_default(), tf.Session() as s:
        one, four, greedy = build(1), build(4), build(0)
        assert len(tf.global_variables()) == 11  # one set of variables, shared
        s.run(tf.global_variables_initializer())
        got_one, got_four, got_greedy = s.run([one, four, greedy])
    for beam, greedy in zip(got_one[..., 0], got_greedy):  # (greedy goes on past an entry's end token)
        n = list(greedy).index(0) + 1 if 0 in greedy else len(greedy)
        assert beam[:n].tolist() == greedy[:n].tolist() and not beam[n:].any()
    assert got_four.shape[0] == batch and got_four.shape[2] == 4
    with pytest.raises(NotImplementedError, match="coverage penalty"):
        s2s.BeamSearchDecoder(tf.nn.rnn_cell.GRUCell(2), np.eye(3, dtype=np.float32), [1], 0, tf.zeros((1, 2)), 1,
                              coverage_penalty_weight=0.5)


@pytest.mark.parametrize("probability", [0.0, 1.0])
def test_scheduled_helpers_feed_back_outputs_or_samples_at_their_probability(probability):
    """Probability 0: teacher forcing exactly (TrainingHelper's outputs); 1: every next input is the entry's own
    output (ScheduledOutputTrainingHelper, here through a next-input layer) or the embedding of a token sampled
    from it (ScheduledEmbeddingTrainingHelper), so the outputs differ from teacher forcing after the first step."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    emb = rng.standard_normal((5, 3)).astype(np.float32)
    with tf.Graph().as_default(), tf.Session() as s:
        cell = tf.nn.rnn_cell.BasicRNNCell(5)
        init = cell.zero_state(2, tf.float32)

        def run(helper, scope):
            return s2s.dynamic_decode(s2s.BasicDecoder(cell, helper, init), scope=scope)[0]
        forced = run(s2s.TrainingHelper(x, [4, 4]), "decoder")
        fed_back = run(s2s.ScheduledOutputTrainingHelper(x, [4, 4], probability, seed=1,
                                                         next_input_layer=tf.layers.Dense(3, name="back")), "decoder")
        sampled = run(s2s.ScheduledEmbeddingTrainingHelper(x, [4, 4], emb, probability, seed=2), "decoder")
        s.run(tf.global_variables_initializer())
        want, got_back, got_sampled = s.run([forced.rnn_output, fed_back, sampled])
    assert got_back.sample_id.dtype == bool and got_back.sample_id.all() == (probability == 1.0)
    assert (got_sampled.sample_id >= 0).all() == (probability == 1.0) and (got_sampled.sample_id < 5).all()
    for got in (got_back.rnn_output, got_sampled.rnn_output):
        np.testing.assert_allclose(got[:, 0], want[:, 0], atol=1e-6)  # the first step reads the inputs
        assert np.allclose(got, want, atol=1e-6) == (probability == 0.0)
