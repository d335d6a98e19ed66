"""Keras masking and model-structure programs, written once against the Keras API in TF1 graph mode, run under real
TensorFlow (tf_keras 2.21, `tf.compat.v1` with v2 behaviour off) by tools/record_keras_mask_reference.py (which
writes tests/keras_mask_reference.json) and under graphgrad by tests/test_keras_mask.py.

A case builds a model from `keras` and returns (model, inputs, targets, loss, extra) where `extra` names more
tensors whose masks are compared; `run` gives every layer deterministic weights (from its name and position),
then records the predictions, the loss and metric of `evaluate`, the masks, and the names of the layers and the
weights in the model's order."""
import numpy as np

VOCAB, TIME = 7, 5
# TF1's LSTM/GRU (tf_keras' v1 classes) default to hard_sigmoid and, for GRU, reset_after=False; graphgrad's follow
# Keras 2 in TF 2.x, so the cases name them
SIG = {"recurrent_activation": "sigmoid"}
GRU_V2 = {"recurrent_activation": "sigmoid", "reset_after": True}
IDS = np.array([[3, 1, 4, 0, 0], [2, 0, 5, 6, 1], [6, 5, 0, 0, 0]], np.int32)  # 0 is padding (also mid-sequence)
IDS_B = np.array([[1, 2, 0, 0, 0], [4, 4, 4, 3, 0], [5, 0, 2, 0, 0]], np.int32)


def floats_with_gaps():
    """[3, TIME, 3] values with all-zero steps (masked by Masking(0.0)) at the end and in the middle."""
    x = np.random.RandomState(4).uniform(-1, 1, size=(3, TIME, 3)).astype(np.float32)
    x[0, 3:] = 0.0
    x[1, 1] = 0.0
    x[2, 2:] = 0.0
    return x


def targets(shape, seed=7):
    return np.random.RandomState(seed).uniform(-1, 1, size=shape).astype(np.float32)


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def _ids_input(keras):
    return keras.Input((TIME,), dtype="int32")


def _two_masked_embeddings(keras):
    """Two id inputs and their embeddings, masked where the id is 0."""
    a, b = _ids_input(keras), _ids_input(keras)
    embed = [keras.layers.Embedding(VOCAB, 4, mask_zero=True) for _ in range(2)]
    return a, b, embed[0](a), embed[1](b)


@case
def embedding_lstm_sequences(keras):
    L = keras.layers
    x = _ids_input(keras)
    emb = L.Embedding(VOCAB, 4, mask_zero=True)(x)
    seq = L.LSTM(3, return_sequences=True, **SIG)(emb)
    out = L.TimeDistributed(L.Dense(2))(seq)
    return keras.Model(x, out), [IDS], targets((3, TIME, 2)), "mse", {"embedding": emb, "lstm": seq}


@case
def embedding_gru_last(keras):
    L = keras.layers
    x = _ids_input(keras)
    h = L.GRU(3, **GRU_V2)(L.Embedding(VOCAB, 4, mask_zero=True)(x))
    out = L.Dense(1, activation="sigmoid")(h)
    return keras.Model(x, out), [IDS], (targets((3, 1)) > 0).astype(np.float32), "binary_crossentropy", {"gru": h}


@case
def masking_simple_rnn_backwards(keras):
    L = keras.layers
    x = keras.Input((TIME, 3))
    m = L.Masking(0.0)(x)
    seq = L.SimpleRNN(3, return_sequences=True, go_backwards=True)(m)
    out = L.Dense(2)(seq)
    return keras.Model(x, out), [floats_with_gaps()], targets((3, TIME, 2)), "mae", {"masking": m}


@case
def bidirectional_lstm(keras):
    L = keras.layers
    x = _ids_input(keras)
    seq = L.Bidirectional(L.LSTM(2, return_sequences=True, **SIG))(L.Embedding(VOCAB, 3, mask_zero=True)(x))
    out = L.Dense(1)(seq)
    return keras.Model(x, out), [IDS], targets((3, TIME, 1)), "mse", {"bidirectional": seq}


@case
def rnn_cells_state(keras):
    L = keras.layers
    x = keras.Input((TIME, 3))
    m = L.Masking(0.0)(x)
    last, h, c = L.RNN(L.LSTMCell(3, **SIG), return_state=True)(m)
    seq = L.RNN([L.SimpleRNNCell(2), L.GRUCell(3, **GRU_V2)], return_sequences=True)(m)
    out = L.Concatenate()([last, h, c, L.GlobalAveragePooling1D()(seq)])
    return keras.Model(x, out), [floats_with_gaps()], targets((3, 12)), "mse", {"rnn_seq": seq, "rnn_last": last}


@case
def attention_merges_pooling(keras):
    L = keras.layers
    a, b, qa, vb = _two_masked_embeddings(keras)
    att = L.Attention()([qa, vb])
    plain = L.Dense(4)(L.Embedding(VOCAB, 4)(b))  # no mask: counts as all true in Concatenate
    cat = L.Concatenate()([att, plain])
    added = L.Add()([qa, vb])
    pooled = L.GlobalAveragePooling1D()(L.Concatenate()([cat, added]))
    out = L.Dense(2)(pooled)
    return (keras.Model([a, b], out), [IDS, IDS_B], targets((3, 2)), "mse",
            {"attention": att, "concatenate": cat, "add": added, "pooled": pooled})


@case
def multi_head_attention_masks(keras):
    L = keras.layers
    a, b, qa, vb = _two_masked_embeddings(keras)
    att = L.MultiHeadAttention(2, 3)(qa, vb)
    out = L.Dense(1)(L.GlobalAveragePooling1D()(att))
    return keras.Model([a, b], out), [IDS, IDS_B], targets((3, 1)), "mse", {"attention": att}


@case
def sequential_embedding_lstm(keras):
    L = keras.layers
    model = keras.Sequential([L.Embedding(VOCAB, 4, mask_zero=True, input_length=TIME),
                              L.LSTM(3, return_sequences=True, **SIG), L.Dropout(0.5),
                              L.Dense(4, activation="softmax")])
    labels = np.random.RandomState(3).randint(0, 4, size=(3, TIME, 1)).astype(np.float32)
    return model, [IDS], labels, "sparse_categorical_crossentropy", {}


@case
def branched_shared(keras):
    """Two branches of different depths and a layer shared by both: Keras 2 lists the layers by depth."""
    L = keras.layers
    a, b = keras.Input((4,), name="a"), keras.Input((5,), name="b")
    shared = L.Dense(2, name="shared")
    deep = L.Dense(5, name="deep2")(L.Dense(3, name="deep1")(a))
    left = shared(deep)
    right = shared(b)
    side = L.Dense(2, name="side")(b)
    out = L.Dense(1, name="head")(L.Concatenate(name="cat")([left, right, side]))
    return keras.Model([a, b], out), [targets((3, 4), 1), targets((3, 5), 2)], targets((3, 1)), "mse", {}


def weights_for(name, shapes):
    rng = np.random.RandomState(sum(map(ord, name)))
    return [rng.uniform(-0.6, 0.6, size=s).astype(np.float32) for s in shapes]


def run(keras, name, session, cases=None):
    """The case's record (of `cases`, by default these): layers and weights (names and shapes, in the model's
    order), predictions, masks, evaluate."""
    model, xs, y, loss, extra = (cases or CASES)[name](keras)
    for layer in model.layers:
        shapes = [w.shape for w in layer.get_weights()]
        if shapes:
            values = weights_for(layer.name, shapes)
            layer.set_weights([np.abs(v) for v in values] if "batch_norm" in layer.name else values)  # variances
    model.compile("sgd", loss, metrics=["accuracy" if loss.startswith("sparse") else "mae"])
    record = {"layers": [layer.name for layer in model.layers],
              "weights": [w.name for w in model.weights],
              "trainable_weights": [w.name for w in model.trainable_weights],
              "weight_shapes": [list(w.shape) for w in model.get_weights()],
              "predict": model.predict(xs, batch_size=len(xs[0])).tolist(),
              "evaluate": [float(v) for v in model.evaluate(xs, y, batch_size=len(xs[0]), verbose=0)]}
    rows = []
    model.summary(print_fn=rows.append)
    record["summary_layers"] = [r.split()[0] for r in rows if r.split() and r.split()[0] in record["layers"]]
    masks = {k: getattr(t, "_keras_mask", None) for k, t in {"output": model.outputs[0], **extra}.items()}
    fetch = {k: m for k, m in masks.items() if m is not None}
    values = session.run(fetch, dict(zip(model.inputs, xs))) if fetch else {}
    record["masks"] = {k: None if m is None else np.asarray(values[k]).tolist() for k, m in masks.items()}
    return record


def compare(got, want):
    """Assert that graphgrad's record `got` of a case is tf_keras' `want`: layer, weight and summary order, weight
    shapes, predictions and evaluate (to float32 rounding), masks exactly."""
    for key in ("layers", "weights", "trainable_weights", "weight_shapes", "summary_layers"):
        assert got[key] == want[key], key
    np.testing.assert_allclose(got["predict"], want["predict"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["evaluate"], want["evaluate"], rtol=1e-5, atol=1e-6)
    assert got["masks"].keys() == want["masks"].keys()
    for key, mask in want["masks"].items():
        assert (got["masks"][key] is None) == (mask is None), key
        if mask is not None:
            np.testing.assert_array_equal(got["masks"][key], mask, err_msg=key)
