"""tf.ragged on graphgrad's one-ragged-dimension RaggedTensor (ops/ragged_factory_ops.py, ops/ragged_array_ops.py):
row splits and segment ids are inverse, gradients flow through map_flat_values and masks, and what would need a
second ragged dimension says so. TF's values and errors: tf1_reference's ragged_api."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=6))
def test_segment_ids_and_row_splits_are_inverse(lengths):
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    with tf.Graph().as_default(), tf.Session() as s:
        ids = tf.ragged.row_splits_to_segment_ids(splits)
        back = tf.ragged.segment_ids_to_row_splits(ids, num_segments=len(lengths))
        got_ids, got_splits = s.run([ids, back])
    assert got_ids.tolist() == np.repeat(np.arange(len(lengths)), lengths).tolist()
    assert got_splits.tolist() == splits.tolist()


def test_placeholder_feeds_and_gradients_through_flat_values():
    p = tf.ragged.placeholder(tf.float32, 1)
    sq = tf.ragged.map_flat_values(tf.square, p)
    kept = tf.ragged.boolean_mask(sq, tf.constant([True, False, True]))
    g, = tf.gradients(tf.reduce_sum(kept.values), p.values)
    value = tf.ragged.constant_value([[1.0, 2.0], [3.0], [4.0]], dtype="float32")
    with tf.Session() as s:
        out, grad = s.run([kept, g], {p: value})
        assert out.to_list() == [[1.0, 4.0], [16.0]]
        assert grad.tolist() == [2.0, 4.0, 0.0, 8.0]
        assert s.run(p, {p: (np.array([5.0], np.float32), np.array([0, 0, 1]))}).to_list() == [[], [5.0]]


def test_second_ragged_dimension_is_refused():
    a = tf.ragged.constant([[1, 2], [3]])
    for build in (lambda: tf.ragged.constant([[[1, 2]], [[3]]]), lambda: tf.ragged.placeholder(tf.int32, 2),
                  lambda: tf.ragged.stack([a, a]), lambda: tf.ragged.stack_dynamic_partitions(a, [0, 1], 2),
                  lambda: tf.ragged.boolean_mask(tf.zeros([2, 2, 2]), tf.ones([2, 2, 2], tf.bool))):
        with pytest.raises(NotImplementedError, match="ragged"):
            build()


def test_strings_and_int32_splits():
    words = tf.ragged.constant([["a", "bc"], []])
    assert words.dtype == tf.string and tf.ragged.constant([[1]], row_splits_dtype=tf.int32).row_splits.dtype == \
        tf.int32
    with tf.Session() as s:
        assert s.run(words).to_list() == [[b"a", b"bc"], []]
        assert s.run(tf.ragged.range([2, 0], row_splits_dtype=tf.int32)).row_splits.dtype == np.int32
