"""tf.nn.rnn_cell, dynamic_rnn / static_rnn / bidirectional_dynamic_rnn, reverse_sequence, sequence_mask and
tf.contrib.seq2seq.sequence_loss: against TensorFlow 1.x recordings with the same weights (tests/rnn_cases.py,
tools/record_rnn_reference.py), finite differences, and the classic TF1 programs with only the import changed."""
import json
import os

import numpy as np
import pytest
import rnn_cases

import graphgrad as tf
from graphgrad.nn import rnn_cell as rc

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "rnn_reference.json")))


@pytest.mark.parametrize("case", rnn_cases.CASES, ids=lambda c: c.__name__)
def test_matches_tensorflow_with_the_same_weights(case):
    ref = REFERENCE[case.__name__]
    names, values = rnn_cases.run_case(tf, rc, case)
    assert names == ref["variables"]  # TF1's variable names and shapes, in creation order
    want = ref["values"]
    assert set(values) == set(want)
    for key in want:
        got = values[key]
        if isinstance(got, list):
            assert len(got) == len(want[key]), key
            for k, (g, w) in enumerate(zip(got, want[key])):
                np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11, err_msg=f"{key}[{k}]")
        else:
            np.testing.assert_allclose(got, want[key], rtol=1e-9, atol=1e-11, err_msg=key)
