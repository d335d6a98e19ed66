"""The TypeSpec family (framework/type_spec.py): specs are values (equal specs hash alike, usable as keys), a
spec from a Python value builds nothing in the user's graph (test_eager_function checks that TensorSpec signatures
still check arguments). TF's reprs, errors and compatibility: tf1_reference's type_specs."""
import numpy as np
import pytest

import graphgrad as tf


def test_specs_are_values_and_asking_builds_nothing():
    g = tf.Graph()
    with g.as_default():
        specs = [tf.type_spec_from_value(v) for v in ([1.5, 2.0], np.zeros((2, 1), np.int64), b"x", None)]
        assert g.get_operations() == []
    assert [repr(s) for s in specs[:3]] == ["TensorSpec(shape=(2,), dtype=tf.float32, name=None)",
                                            "TensorSpec(shape=(2, 1), dtype=tf.int64, name=None)",
                                            "TensorSpec(shape=(), dtype=tf.string, name=None)"]
    table = {tf.SparseTensorSpec([2, None]): "sparse", tf.RaggedTensorSpec([None, None], tf.int32): "ragged"}
    assert table[tf.SparseTensorSpec([2, None], tf.float32)] == "sparse"
    assert table[tf.RaggedTensorSpec([None, None], tf.int32, 1)] == "ragged"
    assert tf.SparseTensorSpec([2]).most_specific_common_supertype([tf.SparseTensorSpec([3])]) == \
        tf.SparseTensorSpec([None])
    assert tf.SparseTensorSpec([2]).most_specific_common_supertype([tf.SparseTensorSpec([2], tf.int32)]) is None
    with pytest.raises(TypeError, match="unsupported type"):
        tf.type_spec_from_value({1, 2})

