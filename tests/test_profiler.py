"""tf.profiler against TensorFlow: tools/record_profiler_reference.py holds small programs; run under real
TensorFlow (tensorflow-cpu 2.21, `compat.v1`) it recorded what tfprof printed and returned for each into
tests/profiler_reference.json, and here the same programs run on graphgrad. The graphs use constant initializers
and forward passes so that graphgrad's graph has TF's ops where flops are counted (docs/profiler.md)."""
import json
import os
import sys

import pytest

import graphgrad as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import record_profiler_reference as recorder  # noqa: E402

with open(os.path.join(HERE, "profiler_reference.json")) as _f:
    REFERENCE = json.load(_f)


@pytest.mark.parametrize("name", sorted(recorder.PROGRAMS))
def test_program_matches_tensorflow(name):
    assert recorder.PROGRAMS[name](tf) == REFERENCE[name]
