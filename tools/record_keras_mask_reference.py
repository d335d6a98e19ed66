"""Record tests/keras_mask_cases.py under real TensorFlow's tf.keras (tf_keras 2.21, TF1 graph mode) into
tests/keras_mask_reference.json: per case the layers and weights in the model's order, the summary's rows, the
predictions, evaluate's loss and metric, and the masks (`_keras_mask`) of the output and named tensors.

    TF_USE_LEGACY_KERAS=1 /work/bench-venv/bin/python tools/record_keras_mask_reference.py
"""
import json
import os
import sys

import tensorflow.compat.v1 as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
import keras_mask_cases as cases  # noqa: E402


def main():
    tf.disable_v2_behavior()
    out = {}
    for name in cases.CASES:
        tf.reset_default_graph()
        tf.keras.backend.clear_session()  # names from scratch, as in a new graphgrad graph
        out[name] = cases.run(tf.keras, name, tf.keras.backend.get_session())
    path = os.path.join(HERE, "..", "tests", "keras_mask_reference.json")
    with open(path, "w") as f:
        json.dump({"tensorflow": tf.__version__, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
