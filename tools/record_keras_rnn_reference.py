"""Record tests/keras_rnn_cases.py under real TensorFlow's tf.keras into tests/keras_rnn_reference.json: each
case's outputs and the gradients of a fixed weighting of them with respect to the layer's weights and inputs; and
a small LSTM+GRU model saved by Keras' `model.save` into tests/data/keras_lstm_gru.h5 with its predictions.

    /work/bench-venv/bin/python tools/record_keras_rnn_reference.py
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
import keras_rnn_cases as cases  # noqa: E402


def record(case):
    layer = cases.build(tf.keras, case)
    x = tf.constant(cases.inputs_value())
    layer.build(x.shape)
    layer.set_weights(cases.weights_for(case, [w.shape for w in layer.get_weights()]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = layer(x)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = sum(tf.reduce_sum(o * w) for o, w in zip(outs, cases.loss_weights(outs)))
    grads = tape.gradient(loss, [x] + list(layer.weights))
    return {"weight_shapes": [list(w.shape) for w in layer.get_weights()],
            "outputs": [o.numpy().tolist() for o in outs],
            "grads": [np.asarray(g).tolist() for g in grads]}


def saved_model():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((cases.TIME, cases.DEPTH)),
                                 tf.keras.layers.LSTM(4, return_sequences=True), tf.keras.layers.GRU(3),
                                 tf.keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(os.path.join(HERE, "..", "tests", "data", "keras_lstm_gru.h5"))
    return model.predict(cases.inputs_value(), verbose=0).tolist()


def main():
    out = {"tensorflow": tf.__version__, "keras": tf.keras.__version__,
           "cases": {c: record(c) for c in cases.CASES}, "saved_model_predictions": saved_model()}
    with open(os.path.join(HERE, "..", "tests", "keras_rnn_reference.json"), "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
