"""Record tests/keras_layers_cases.py under real TensorFlow's tf.keras (Keras 2) into
tests/keras_layers_reference.json: each case's weight names and shapes, output shape (`compute_output_shape`),
outputs, and the gradients of a fixed weighting of the outputs with respect to the inputs and the weights; and
(`model`) a small model over several layers trained a few steps, saved by Keras into tests/data/; and the
preprocessing layers' outputs (after `adapt` where they have one).

    TF_USE_LEGACY_KERAS=1 /work/bench-venv/bin/python tools/record_keras_layers_reference.py
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
import keras_layers_cases as cases  # noqa: E402


def _shape(s):
    """A TensorShape (or a list of them, for several outputs) as JSON lists."""
    if isinstance(s, (list, tuple)) and s and not isinstance(s[0], (int, type(None))):
        return [tf.TensorShape(x).as_list() for x in s]
    return tf.TensorShape(s).as_list()


def record(case):
    tf.keras.backend.clear_session()  # names from scratch (lstm_cell, not lstm_cell_3), as in a new graph
    layer = cases.build(tf.keras, case)
    xs = [tf.constant(v) for v in cases.inputs_for(case)]
    cases.call(layer, case, xs)
    shapes = [w.shape for w in layer.get_weights()]
    layer.set_weights(cases.weights_for(case, shapes))
    in_shapes = [(None, *x.shape[1:]) for x in xs]
    out_shape = None
    if case in cases.CASES and type(layer).__name__ != "MultiHeadAttention":
        out_shape = _shape(layer.compute_output_shape(in_shapes if len(xs) > 1 else in_shapes[0]))
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        out = cases.call(layer, case, xs)
        outs = tf.nest.flatten(out)  # a stack of cells' states come nested
        loss = sum(tf.reduce_sum(o * w) for o, w in zip(outs, cases.loss_weights(outs)))
    grads = tape.gradient(loss, xs + list(layer.weights))
    return {"weight_names": [w.name.split("/", 1)[1] for w in layer.weights],
            "weight_shapes": [list(s) for s in shapes],
            "output_shape": out_shape,
            "outputs": [o.numpy().tolist() for o in outs],
            "grads": [np.zeros(x.shape).tolist() if g is None else np.asarray(g).tolist()
                      for x, g in zip(xs + list(layer.weights), grads)]}


def trained_model():
    """cases.model trained STEPS steps of SGD from fixed weights: the losses, the predictions, and the model as
    Keras 2 saves it (tests/data/keras_layers_model.h5, before training)."""
    tf.keras.backend.clear_session()  # layer names from scratch, as in a new graphgrad graph
    model = cases.model(tf.keras)
    for layer in model.layers:
        layer.set_weights(cases.weights_for(layer.name, [w.shape for w in layer.get_weights()]))
    model.compile(tf.keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    x, y = cases.model_data()
    model.save(os.path.join(HERE, "..", "tests", "data", "keras_layers_model.h5"), include_optimizer=False)
    first = model.predict(x, verbose=0)
    losses = [float(model.train_on_batch(x, y)) for _ in range(cases.STEPS)]
    return {"layer_weights": {layer.name: [list(w.shape) for w in layer.get_weights()] for layer in model.layers
                              if layer.weights}, "predictions": first.tolist(),
            "losses": losses, "trained_predictions": model.predict(x, verbose=0).tolist()}


def preprocessing(name):
    build, data, inputs = cases.PREPROCESSING[name]
    layer = build(tf.keras)
    if data is not None:
        layer.adapt(data())
    return layer(tf.constant(inputs())).numpy().tolist()


def main():
    names = sys.argv[1:] or [*cases.CASES, *cases.CALLS, *cases.PREPROCESSING, "model"]
    path = os.path.join(HERE, "..", "tests", "keras_layers_reference.json")
    out = json.load(open(path)) if os.path.exists(path) else {"cases": {}}
    import tf_keras

    out.update(tensorflow=tf.__version__, keras=tf_keras.__version__)
    for name in names:
        if name == "model":
            out["model"] = trained_model()
        elif name in cases.PREPROCESSING:
            out.setdefault("preprocessing", {})[name] = preprocessing(name)
        else:
            out["cases"][name] = record(name)
    with open(path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
