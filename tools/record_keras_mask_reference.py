"""Record tests/keras_mask_cases.py and tests/keras_new_layers_cases.py under real TensorFlow's tf.keras (tf_keras
2.21, TF1 graph mode) into tests/keras_mask_reference.json and tests/keras_new_layers_reference.json: per case the
layers and weights in the model's order, the summary's rows, the predictions, evaluate's loss and metric, and the
masks (`_keras_mask`) of the output and named tensors.

    TF_USE_LEGACY_KERAS=1 /work/bench-venv/bin/python tools/record_keras_mask_reference.py
"""
import json
import os
import sys

import tensorflow.compat.v1 as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
import keras_mask_cases as cases  # noqa: E402
import keras_new_layers_cases as new_layers  # noqa: E402


def record(all_cases, filename, extra=None):
    out = dict(extra or {})
    for name in all_cases:
        tf.reset_default_graph()
        tf.keras.backend.clear_session()  # names from scratch, as in a new graphgrad graph
        out[name] = cases.run(tf.keras, name, tf.keras.backend.get_session(), all_cases)
    with open(os.path.join(HERE, "..", "tests", filename), "w") as f:
        json.dump({"tensorflow": tf.__version__, "cases": out}, f, indent=1)
        f.write("\n")


def main():
    tf.disable_v2_behavior()
    record(cases.CASES, "keras_mask_reference.json")
    tf.reset_default_graph()
    tf.keras.backend.clear_session()
    premade = new_layers.premade_models(tf.keras)
    record(new_layers.CASES, "keras_new_layers_reference.json", {"premade": premade})


if __name__ == "__main__":
    main()
