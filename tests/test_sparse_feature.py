"""tf.io.SparseFeature (graphgrad/io/parsing_ops.py): a SparseTensor kept as index and value features of each
Example, parsed as TensorFlow 2.21 parses it (values recorded by hand from the same program)."""
import numpy as np
import pytest

import graphgrad as tf


def example(idx, val):
    return tf.train.Example(features=tf.train.Features(feature={
        "ix": tf.train.Feature(int64_list=tf.train.Int64List(value=idx)),
        "v": tf.train.Feature(float_list=tf.train.FloatList(value=val))})).SerializeToString()


SERIALIZED = [example([3, 1], [0.5, 1.5]), example([], []), example([4], [2.0])]


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default():
        yield


def test_sparse_feature_parses_into_one_sparse_tensor_sorted():
    out = tf.io.parse_example(SERIALIZED, {"sp": tf.io.SparseFeature("ix", "v", tf.float32, 6)})
    assert set(out) == {"sp"}
    with tf.Session() as s:
        sp = s.run(out["sp"])
    assert sp.indices.tolist() == [[0, 1], [0, 3], [2, 4]]
    assert sp.values.tolist() == [1.5, 0.5, 2.0] and sp.dense_shape.tolist() == [3, 6]


def test_sparse_feature_of_one_example_and_already_sorted():
    with tf.Session() as s:
        one = s.run(tf.parse_single_example(SERIALIZED[0], {"sp": tf.SparseFeature("ix", "v", tf.float32, 6)})["sp"])
        assert one.indices.tolist() == [[1], [3]] and one.values.tolist() == [1.5, 0.5]
        both = s.run(tf.io.parse_example(SERIALIZED, {"sp": tf.io.SparseFeature("ix", "v", tf.float32, 6, True),
                                                      "v": tf.io.VarLenFeature(tf.float32)}))
    assert both["sp"].indices.tolist() == [[0, 3], [0, 1], [2, 4]]  # kept in the order stored
    assert both["v"].values.tolist() == [0.5, 1.5, 2.0] and both["v"].dense_shape.tolist() == [3, 2]


def test_sparse_feature_with_an_index_key_per_dimension():
    feature = tf.io.SparseFeature(["ix", "ix"], "v", tf.float32, [6, 5])
    with tf.Session() as s:
        sp = s.run(tf.io.parse_example(SERIALIZED, {"sp": feature})["sp"])
    assert sp.indices.tolist() == [[0, 1, 1], [0, 3, 3], [2, 4, 4]] and sp.dense_shape.tolist() == [3, 6, 5]


def test_sparse_feature_keeps_indices_past_its_size_and_conflicts_are_errors():
    with tf.Session() as s:
        sp = s.run(tf.io.parse_example([example([7], [1.0])], {"sp": tf.io.SparseFeature("ix", "v", tf.float32, 6)}))
    assert sp["sp"].indices.tolist() == [[0, 7]]  # TF neither checks nor drops it
    with pytest.raises(ValueError, match="Conflicting type for feature ix"):
        tf.io.parse_example(SERIALIZED, {"sp": tf.io.SparseFeature("ix", "v", tf.float32, 6),
                                         "ix": tf.io.FixedLenFeature([1], tf.int64)})
    assert repr(tf.io.SparseFeature("ix", "v", tf.float32, 6)) == (
        "SparseFeature(index_key='ix', value_key='v', dtype=tf.float32, size=6, already_sorted=False)")


def test_sparse_reorder_keeps_out_of_bounds_indices_as_tf():
    sp = tf.SparseTensor([[0, 7], [0, 2]], [1.0, 2.0], [1, 6])
    with tf.Session() as s:
        out = s.run(tf.sparse.reorder(sp))
    assert out.indices.tolist() == [[0, 2], [0, 7]] and np.array_equal(out.values, [2.0, 1.0])
