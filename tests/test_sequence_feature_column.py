"""Sequence feature columns beyond the TF recording (tests/test_tf1_conformance.py, feature_column_sequences):
dense features give what their SparseTensor gives, variable names, gradients into the embedding, context input,
and TF's errors."""
import numpy as np
import pytest

import graphgrad as tf

fc = tf.feature_column
sfc = tf.contrib.feature_column


def run(fetch, tables=False):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        if tables:
            s.run(tf.tables_initializer())
        return s.run(fetch)


def test_dense_features_equal_their_sparse_form():
    sparse = tf.SparseTensor([[0, 0], [0, 1], [1, 0], [2, 2]], tf.constant([1, 2, 0, 3], tf.int64), [3, 3])
    dense = tf.constant([[1, 2, -1], [0, -1, -1], [-1, -1, 3]], tf.int64)
    col = fc.indicator_column(sfc.sequence_categorical_column_with_identity("ids", 4))
    (a, la), (b, lb) = run([sfc.sequence_input_layer({"ids": sparse}, [col]),
                            sfc.sequence_input_layer({"ids": dense}, [col])])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, [2, 1, 3])
    np.testing.assert_array_equal(lb, [2, 1, 3])


def test_embedding_variable_name_and_gradient():
    ids = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([1, 1, 3], tf.int64), [2, 2])
    col = fc.embedding_column(sfc.sequence_categorical_column_with_identity("ids", 4), 2)
    out, length = sfc.sequence_input_layer({"ids": ids}, [col])
    (table,) = tf.global_variables()
    assert table.name == "sequence_input_layer/ids_embedding/embedding_weights:0"
    assert out.shape.as_list()[-1] == 2 and length.dtype == tf.int64
    grad = tf.convert_to_tensor(tf.gradients(tf.reduce_sum(out), table)[0])
    np.testing.assert_array_equal(run(grad), [[0, 0], [2, 2], [0, 0], [1, 1]])  # id 1 used twice, 3 once


def test_context_input_is_repeated_at_each_step():
    seq = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    ctx = np.array([[7.0], [8.0]], np.float32)
    out = run(sfc.concatenate_context_input(ctx, seq))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out[:, :, 2], [[7, 7, 7], [8, 8, 8]])
    with pytest.raises(TypeError, match="float32"):
        sfc.concatenate_context_input(ctx, seq.astype(np.float64))


def test_errors_and_parse_spec():
    seq = sfc.sequence_categorical_column_with_hash_bucket("w", 10)
    feats = {"w": tf.SparseTensor([[0, 0]], ["a"], [1, 1])}
    with pytest.raises(ValueError, match="must not be of type _SequenceCategoricalColumn"):
        fc.input_layer(feats, [fc.indicator_column(seq)])
    with pytest.raises(ValueError, match="_SequenceDenseColumn"):
        sfc.sequence_input_layer(feats, [fc.indicator_column(fc.categorical_column_with_hash_bucket("w", 10))])
    with pytest.raises(ValueError, match="SparseTensor"):
        sfc.sequence_input_layer({"n": tf.constant([[1.0]])}, [fc.sequence_numeric_column("n")])
    assert fc.sequence_numeric_column("n", shape=3).shape == (3,)
    assert isinstance(fc.make_parse_example_spec([seq])["w"], tf.io.VarLenFeature)
    with pytest.raises(tf.errors.InvalidArgumentError):
        run(sfc.sequence_input_layer({"w": tf.SparseTensor([[0, 0]], ["a"], [1, 2]),
                                      "n": tf.SparseTensor([[0, 1]], [1.0], [1, 2])},
                                     [fc.indicator_column(seq), fc.sequence_numeric_column("n")]))
