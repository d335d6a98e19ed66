"""Keras recurrent layers' small programs, written once against the Keras API, run under real TensorFlow (tf.keras,
eagerly) by tools/record_keras_rnn_reference.py (which writes tests/keras_rnn_reference.json) and under graphgrad by
tests/test_keras_rnn.py. Every weight gets deterministic values from the case and its position."""
import numpy as np

BATCH, TIME, DEPTH, UNITS = 2, 5, 4, 3

CASES = {
    "simple_rnn_sequences": ("SimpleRNN", {"return_sequences": True}),
    "simple_rnn_backwards_state": ("SimpleRNN", {"go_backwards": True, "return_state": True}),
    "lstm_sequences_state": ("LSTM", {"return_sequences": True, "return_state": True}),
    "lstm_backwards": ("LSTM", {"go_backwards": True}),
    "lstm_backwards_sequences": ("LSTM", {"go_backwards": True, "return_sequences": True}),
    "gru_sequences_state": ("GRU", {"return_sequences": True, "return_state": True}),
    "gru_reset_before_backwards": ("GRU", {"reset_after": False, "go_backwards": True, "return_state": True}),
    "lstm_relu_no_bias": ("LSTM", {"activation": "relu", "use_bias": False}),
}


def inputs_value():
    return np.random.RandomState(1).uniform(-1, 1, size=(BATCH, TIME, DEPTH)).astype(np.float32)


def weights_for(case, shapes):
    rng = np.random.RandomState(sum(map(ord, case)))
    return [rng.uniform(-0.6, 0.6, size=s).astype(np.float32) for s in shapes]


def build(keras, case):
    """The layer of `case` (not yet built)."""
    kind, kwargs = CASES[case]
    return getattr(keras.layers, kind)(UNITS, **kwargs)


def loss_weights(outputs):
    """A fixed weighting of every output, so one scalar's gradient checks them all."""
    return [np.cos(np.arange(int(np.prod(o.shape))) + 0.3 * k).reshape(tuple(o.shape)).astype(np.float32)
            for k, o in enumerate(outputs)]
