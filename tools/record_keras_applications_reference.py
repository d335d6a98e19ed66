"""Record tests/keras_applications_cases.py under real TensorFlow's tf_keras 2.21 into
tests/keras_applications_reference.json: each model's name, layers (name, class, output shape, weight names and
shapes, in Keras' order), parameter count, and for the RUN cases the outputs on fixed images with fixed weights.

    TF_USE_LEGACY_KERAS=1 /work/bench-venv/bin/python tools/record_keras_applications_reference.py
"""
import json
import os
import sys

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
import keras_applications_cases as cases  # noqa: E402


def _shape(s):
    return [list(x) for x in s] if isinstance(s, list) else list(s)


def record(case):
    tf.keras.backend.clear_session()  # unnamed layers numbered from scratch (conv2d, conv2d_1), as in a new graph
    model = cases.build(tf.keras, case)
    out = {"name": model.name, "params": int(model.count_params()),
           "layers": [[layer.name, type(layer).__name__, _shape(layer.output_shape),
                       [[w.name, list(w.shape)] for w in layer.weights]] for layer in model.layers]}
    if case in cases.RUN:
        model.set_weights(cases.weights_for([w.name for w in model.weights], [w.shape for w in model.weights]))
        out["outputs"] = model(cases.images(case), training=False).numpy().tolist()
    return out


def main():
    names = sys.argv[1:] or list(cases.CASES)
    path = os.path.join(HERE, "..", "tests", "keras_applications_reference.json")
    ref = json.load(open(path)) if os.path.exists(path) else {}
    for case in names:
        ref[case] = record(case)
        print(case, ref[case]["name"], len(ref[case]["layers"]), ref[case]["params"])
    with open(path, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
