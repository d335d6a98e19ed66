"""tf.contrib.slim (TF-Slim), tf.contrib.losses / metrics and tf.train.Supervisor.

tools/record_slim_reference.py holds small programs; run under real TensorFlow 2.21 with the tf-slim package (the
port of tf.contrib.slim) it recorded what each observes into tests/slim_reference.json: the nets' end points and
variables, small ResNets' values and gradients with fixed weights, the contrib losses and streaming metrics,
create_train_op / learning.train / evaluate_once, and Supervisor. Here the same programs run under graphgrad.
"""
import json
import math
import os
import sys

import pytest

import graphgrad as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import record_slim_reference as recorder  # noqa: E402

with open(os.path.join(HERE, "slim_reference.json")) as _f:
    REFERENCE = json.load(_f)

slim = tf.contrib.slim


def assert_same(got, want, path="", rtol=2e-4, atol=2e-5):
    """Equal structures; floats within a tolerance (TF's kernels round differently)."""
    if isinstance(want, float) or isinstance(got, float):
        assert isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=rtol, abs_tol=atol), \
            f"{path}: {got!r} != {want!r}"
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got!r} != {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]", rtol, atol)
    elif isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), f"{path}: keys {sorted(got)} != {sorted(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{path}.{k}", rtol, atol)
    else:
        assert got == want, f"{path}: {got!r} != {want!r}"


# Deep nets on batch statistics of few values (2 images of 2x2 at Inception v2's last blocks) amplify float32
# rounding: these compare to 2e-3 (their entries are in units of the array's mean magnitude: recorder._sample)
TOLERANCES = {"inception_values": {"rtol": 2e-3, "atol": 2e-3}}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_program_observes_what_tensorflow_observed(name):
    assert_same(recorder.run_all(tf, slim, [name])[name], REFERENCE[name], name, **TOLERANCES.get(name, {}))


def test_every_program_is_recorded():
    assert sorted(recorder.PROGRAMS) == sorted(REFERENCE)
