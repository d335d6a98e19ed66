"""Record tests/rnn_cases.py under real TensorFlow 1.x (compat.v1) into tests/rnn_reference.json.

    /work/bench-venv/bin/python tools/record_rnn_reference.py

TF 2.21 with Keras 3 refuses `tf.nn.rnn_cell.*` ("not available with Keras 3"), so the cells come from the legacy
module that `tf.nn.rnn_cell` names (tensorflow/python/keras/layers/legacy_rnn/rnn_cell_impl.py); `tf.nn.dynamic_rnn`,
`static_rnn` and `bidirectional_dynamic_rnn` are TF's own."""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import rnn_cases  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402
from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl as rc  # noqa: E402

tf.disable_v2_behavior()


def encode(v):
    if isinstance(v, dict):
        return {k: encode(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    return np.asarray(v, dtype=np.float64).tolist()


def main():
    out = {"tensorflow": tf.__version__}
    for case in rnn_cases.CASES:
        names, values = rnn_cases.run_case(tf, rc, case)
        out[case.__name__] = {"variables": names, "values": encode(values)}
        print(case.__name__, [n for n, _ in names])
    with open(os.path.join(HERE, "..", "tests", "rnn_reference.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
