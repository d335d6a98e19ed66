"""tf.contrib.cudnn_rnn against a NumPy cuDNN: the layers' outputs and states from their opaque buffer laid out as
cuDNN lays it out (per layer and direction: gate matrices on the input, on the state, then input and recurrent
biases; LSTM gates i, f, c, o; GRU r, z, h), the compatible cells and checkpoints both ways, gradients."""
import numpy as np
import pytest

import graphgrad as tf

cudnn_rnn = tf.contrib.cudnn_rnn
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
LAYERS = {"lstm": cudnn_rnn.CudnnLSTM, "gru": cudnn_rnn.CudnnGRU, "rnn_tanh": cudnn_rnn.CudnnRNNTanh,
          "rnn_relu": cudnn_rnn.CudnnRNNRelu}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _cut(opaque, mode, layers, units, depth, dirs):
    """The opaque buffer as [(W per gate, R per gate, bW per gate, bR per gate)] per layer and direction."""
    g, pos, out = GATES[mode], 0, []

    def take(shape):
        nonlocal pos
        n = int(np.prod(shape))
        pos += n
        return opaque[pos - n:pos].reshape(shape)

    for layer in range(layers):
        width = depth if layer == 0 else units * dirs
        for _ in range(dirs):
            w = [take((units, width)) for _ in range(g)]
            r = [take((units, units)) for _ in range(g)]
            bw = [take((units,)) for _ in range(g)]
            br = [take((units,)) for _ in range(g)]
            out.append((w, r, bw, br))
    assert pos == opaque.size
    return out


def _step(mode, p, x, h, c):
    """One cuDNN step (the cuDNN developer guide's equations) for a batch."""
    w, r, bw, br = p
    lin = [x @ w[k].T + bw[k] for k in range(len(w))]
    rec = [h @ r[k].T + br[k] for k in range(len(w))]
    if mode == "lstm":
        i, f, g, o = (lin[k] + rec[k] for k in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c
    if mode == "gru":
        rg, z = _sigmoid(lin[0] + rec[0]), _sigmoid(lin[1] + rec[1])
        cand = np.tanh(lin[2] + rg * rec[2])
        return (1 - z) * cand + z * h, c
    act = np.tanh if mode == "rnn_tanh" else (lambda v: np.maximum(v, 0))
    return act(lin[0] + rec[0]), c


def _reference(mode, opaque, x, h0, c0, lengths, layers, units, dirs):
    """NumPy cuDNN RNN: time-major x, states [layers*dirs, batch, units]; zeros past a length, final states at
    the last step; the backward direction reads each sequence reversed within its length."""
    steps, batch, depth = x.shape
    params = _cut(opaque, mode, layers, units, depth, dirs)
    hn, cn = np.zeros_like(h0), np.zeros_like(c0)
    inp = x
    for layer in range(layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            out = np.zeros((steps, batch, units))
            for b in range(batch):
                n = lengths[b]
                order = range(n) if d == 0 else range(n - 1, -1, -1)
                h, c = h0[k, b:b + 1], c0[k, b:b + 1]
                for t in order:
                    h, c = _step(mode, params[k], inp[t, b:b + 1], h, c)
                    out[t, b] = h[0]
                hn[k, b], cn[k, b] = h[0], c[0]
            outs.append(out)
        inp = np.concatenate(outs, axis=2)
    return inp, hn, cn


def _run_layer(mode, layers, units, dirs, lengths=None, seed=0, initial=True, steps=4, batch=3, depth=5):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, batch, depth))
    k = layers * dirs
    h0 = rng.standard_normal((k, batch, units)) * 0.5 if initial else np.zeros((k, batch, units))
    c0 = rng.standard_normal((k, batch, units)) * 0.5 if initial else np.zeros((k, batch, units))
    with tf.Graph().as_default():
        layer = LAYERS[mode](layers, units, direction="bidirectional" if dirs == 2 else "unidirectional",
                             dtype=tf.float64)
        state = None
        if initial:
            state = (tf.constant(h0), tf.constant(c0)) if mode == "lstm" else (tf.constant(h0),)
        out, states = layer(tf.constant(x), initial_state=state, sequence_lengths=lengths)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            opaque = rng.uniform(-0.6, 0.6, sess.run(tf.size(layer.kernel)))
            layer.kernel.load(opaque, sess)
            got = sess.run([out, *states])
    want = _reference(mode, opaque, x, h0, c0, lengths if lengths is not None else [steps] * batch, layers, units,
                      dirs)
    return got, want


@pytest.mark.parametrize("mode,layers,dirs,lengths", [
    ("lstm", 2, 1, None), ("lstm", 2, 2, [4, 1, 3]), ("gru", 2, 2, None), ("gru", 1, 1, [2, 4, 3]),
    ("rnn_tanh", 2, 2, [3, 4, 1]), ("rnn_relu", 2, 1, [4, 2, 2])])
def test_layer_matches_numpy_cudnn(mode, layers, dirs, lengths):
    got, (out, hn, cn) = _run_layer(mode, layers, 3, dirs, lengths)
    np.testing.assert_allclose(got[0], out, atol=1e-10)
    np.testing.assert_allclose(got[1], hn, atol=1e-10)
    if mode == "lstm":
        np.testing.assert_allclose(got[2], cn, atol=1e-10)
    else:
        assert len(got) == 2  # (h,) alone


def test_shapes_and_names():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [None, None, 5])
        lstm = cudnn_rnn.CudnnLSTM(2, 3, direction="bidirectional")
        out, (h, c) = lstm(x)
        assert lstm.kernel.op.name == "cudnn_lstm/opaque_kernel"
        assert lstm.trainable_variables == [lstm.kernel]
        assert out.shape.as_list() == [None, None, 6] and h.shape.as_list() == [4, None, 3]
        assert lstm.canonical_weight_shapes == ([(3, 5)] * 4 + [(3, 3)] * 4) * 2 + ([(3, 6)] * 4 + [(3, 3)] * 4) * 2
        assert lstm.canonical_bias_shapes == [[3]] * 32
        assert lstm.num_dirs == 2 and lstm.rnn_mode == "lstm" and lstm.input_size == 5
        with tf.variable_scope("enc"):
            gru = cudnn_rnn.CudnnGRU(1, 4, name="fast")
            gru(tf.zeros([2, 1, 5]))
        assert gru.kernel.op.name == "enc/fast/opaque_kernel"
        names = [s.name for o in g.get_collection(tf.GraphKeys.SAVEABLE_OBJECTS) for s in o.specs]
        assert "cudnn_lstm/stack_bidirectional_rnn/cell_1/bidirectional_rnn/bw/cudnn_compatible_lstm_cell/kernel" \
            in names
        assert "enc/fast/rnn/multi_rnn_cell/cell_0/cudnn_compatible_gru_cell/candidate/hidden_projection/bias" \
            in names
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            assert sess.run(tf.size(lstm.kernel)) == 2 * (4 * 3 * 5 + 4 * 3 * 3 + 8 * 3) + 2 * (4 * 3 * 6 + 4 * 3 * 3
                                                                                               + 8 * 3)


def test_opaque_layout_is_cudnns():
    """Known canonical pieces packed per layer and direction (weights, then that pseudo-layer's biases) cut back
    into the same pieces; and TF canonical -> opaque -> TF canonical is the identity."""
    conv = cudnn_rnn.CudnnParamsFormatConverterGRU(2, 2, 3, direction="bidirectional")
    rng = np.random.default_rng(1)
    ws = [rng.standard_normal(s) for s in conv.weight_shapes()]
    bs = [rng.standard_normal(s) for s in conv.bias_shapes()]
    packed = np.concatenate([np.concatenate([w.ravel() for w in ws[6 * p:6 * p + 6]] + bs[6 * p:6 * p + 6])
                             for p in range(4)])
    with tf.Graph().as_default(), tf.Session() as sess:
        cw, cb = sess.run(conv._opaque_to_cu_canonical(tf.constant(packed)))
        tf_w, tf_b = conv.opaque_to_tf_canonical(tf.constant(packed))
        w2, b2 = conv.opaque_to_tf_canonical(conv.tf_canonical_to_opaque(tf_w + tf_b))
        back = sess.run(conv.tf_canonical_to_opaque(w2 + b2))
        again = sess.run(conv.tf_canonical_to_opaque(tf_w + tf_b))
    for a, b in zip(cw + cb, ws + bs):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(back, again)  # biases come back halved, then stay put
    assert conv.params_size() == packed.size


def _compatible_outputs(mode, layers, dirs, x, lengths, ckpt, scope):
    """Outputs of the compatible cells, built as TF's docs build them, restored from a layer's checkpoint."""
    with tf.Graph().as_default():
        cell = {"lstm": lambda: cudnn_rnn.CudnnCompatibleLSTMCell(3),
                "gru": lambda: cudnn_rnn.CudnnCompatibleGRUCell(3),
                "rnn_tanh": lambda: tf.nn.rnn_cell.BasicRNNCell(3)}[mode]
        with tf.variable_scope(scope):
            if dirs == 1:
                out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell([cell() for _ in range(layers)]),
                                           tf.constant(x), sequence_length=lengths, dtype=tf.float64,
                                           time_major=True)
            else:
                out = tf.constant(x)
                for k in range(layers):
                    with tf.variable_scope(f"stack_bidirectional_rnn/cell_{k}"):
                        outs, _ = tf.nn.bidirectional_dynamic_rnn(cell(), cell(), out, sequence_length=lengths,
                                                                  dtype=tf.float64, time_major=True)
                        out = tf.concat(outs, 2)
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, ckpt)
            return sess.run(out)


@pytest.mark.parametrize("mode,layers,dirs", [("lstm", 2, 1), ("gru", 1, 2), ("rnn_tanh", 2, 2)])
def test_checkpoint_to_compatible_cells_and_back(tmp_path, mode, layers, dirs):
    rng = np.random.default_rng(2)
    x, lengths = rng.standard_normal((4, 2, 5)), [4, 2]
    direction = "bidirectional" if dirs == 2 else "unidirectional"
    with tf.Graph().as_default():
        layer = LAYERS[mode](layers, 3, direction=direction, dtype=tf.float64,
                             bias_initializer=tf.random_uniform_initializer(-1, 1, seed=3))
        out, _ = layer(tf.constant(x), sequence_lengths=lengths)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            want = sess.run(out)
            ckpt = tf.train.Saver().save(sess, str(tmp_path / "layer"))
    np.testing.assert_allclose(_compatible_outputs(mode, layers, dirs, x, lengths, ckpt, layer.name), want,
                               atol=1e-10)
    # the canonical tensors alone (a TF checkpoint without a usable opaque buffer) restore the layer
    with tf.Graph().as_default():
        names = [s.name for s in layer.saveable.specs]
        reader = tf.train.load_checkpoint(ckpt)
        canonical = {n: reader.get_tensor(n) for n in names}
        with tf.variable_scope("copy"):
            vs = {n: tf.Variable(v, name=f"v{i}") for i, (n, v) in enumerate(canonical.items())}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            only_canonical = tf.train.Saver(vs).save(sess, str(tmp_path / "canonical"))
    with tf.Graph().as_default():
        fresh = LAYERS[mode](layers, 3, direction=direction, dtype=tf.float64, name=layer.name)
        out, _ = fresh(tf.constant(x), sequence_lengths=lengths)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.train.Saver([fresh.saveable]).restore(sess, only_canonical)
            np.testing.assert_allclose(sess.run(out), want, atol=1e-10)


def test_time_major_false_and_dropout():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    with tf.Graph().as_default():
        layer = cudnn_rnn.CudnnGRU(2, 4, dropout=0.5, seed=7)
        batch_major, (h1,) = layer(tf.constant(x), time_major=False, training=False)
        time_major, (h2,) = layer(tf.constant(x.transpose(1, 0, 2)), training=False)
        dropped, _ = layer(tf.constant(x.transpose(1, 0, 2)), training=True)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            a, b, s1, s2, d = sess.run([batch_major, time_major, h1, h2, dropped])
    np.testing.assert_allclose(a, b.transpose(1, 0, 2), atol=1e-6)
    np.testing.assert_allclose(s1, s2, atol=1e-6)
    assert not np.allclose(d, b)  # dropout between the two layers, only when training


def test_gradients_match_finite_differences():
    """d loss / d opaque kernel from autodiff against central differences of the kernel's loaded values."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, 2))
    for cls, layers, direction in ((cudnn_rnn.CudnnLSTM, 2, "bidirectional"), (cudnn_rnn.CudnnGRU, 1, "bidirectional"),
                                   (cudnn_rnn.CudnnRNNTanh, 2, "unidirectional")):
        with tf.Graph().as_default():
            layer = cls(layers, 2, direction=direction, dtype=tf.float64)
            xt = tf.constant(x)
            out, states = layer(xt, sequence_lengths=[3, 2])
            weights = tf.range(1.0, 1.0 + layers * layer.num_dirs, dtype=tf.float64)[:, None, None]
            loss = tf.reduce_sum(out * out) + tf.reduce_sum(states[-1] * weights)
            grad = tf.gradients(loss, layer.kernel)[0]
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                k0 = rng.uniform(-0.8, 0.8, sess.run(tf.size(layer.kernel)))
                layer.kernel.load(k0, sess)
                analytic = sess.run(grad)
                numeric = np.zeros_like(k0)
                for i in range(k0.size):
                    for sign in (1, -1):
                        k = k0.copy()
                        k[i] += sign * 1e-6
                        layer.kernel.load(k, sess)
                        numeric[i] += sign * sess.run(loss) / 2e-6
                err_x = tf.test.compute_gradient_error(xt, list(x.shape), loss, [], x_init_value=x)
        np.testing.assert_allclose(analytic, numeric, atol=1e-6)
        assert err_x < 1e-6


def test_training_reduces_loss():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((6, 8, 2)).astype(np.float32)
    y = np.cumsum(x[:, :, 0], axis=0)[-1:].T  # the running sum of the first feature
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        out, (h, c) = cudnn_rnn.CudnnLSTM(1, 8)(tf.constant(x))
        loss = tf.reduce_mean(tf.square(tf.layers.dense(h[-1], 1) - y))
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            first = sess.run(loss)
            for _ in range(60):
                sess.run(train)
            assert sess.run(loss) < 0.2 * first


def test_errors():
    with tf.Graph().as_default():
        x = tf.zeros([2, 1, 3])
        with pytest.raises(TypeError):
            cudnn_rnn.CudnnGRU(1, 3)(x, initial_state=tf.zeros([1, 1, 3]))
        with pytest.raises(ValueError):
            cudnn_rnn.CudnnLSTM(1, 3, direction="sideways")
        with pytest.raises(NotImplementedError):
            cudnn_rnn.CudnnLSTM(1, 3, input_mode="skip_input")(x)
        with pytest.raises(ValueError):
            cudnn_rnn.CudnnLSTM(1, 3)(tf.zeros([2, 3]))
