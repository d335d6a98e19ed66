"""Sequence feature columns (`tf.feature_column.sequence_*`) and `tf.contrib.feature_column.sequence_input_layer`:
features of shape [batch, time] (or [batch, time, k]; usually SparseTensors, as `VarLenFeature`s parse them) turned
into a [batch, time, width] float32 for an RNN, and each example's length.

A sequence categorical column wraps an ordinary one: its ids are computed per time step (graphgrad keeps them as a
padded int64 [batch, time, k] with -1 for "no id"), and an `embedding_column` or `indicator_column` over it gives
one row per step. An example's length is one past its last present step (a SparseTensor's last index in the time
dimension; `sequence_numeric_column` counts `shape`'s elements as one step), as TF computes it from the indices.
Variable names are TF's: `sequence_input_layer/<column>_embedding/embedding_weights`."""
from __future__ import annotations

import collections

import numpy as np

from . import feature_column as fc
from .framework import dtypes
from .framework.graph import name_scope
from .ops import array_ops, check_ops, math_ops
from .ops.core import convert_to_tensor, with_dependencies
from .ops.reduction_ops import reduce_max, reduce_sum
from .ops.sparse_ops import SparseTensor, SparseTensorValue, to_dense
from .variables import variable_scope

__all__ = ["sequence_categorical_column_with_identity", "sequence_categorical_column_with_hash_bucket",
           "sequence_categorical_column_with_vocabulary_list", "sequence_categorical_column_with_vocabulary_file",
           "sequence_numeric_column", "sequence_input_layer", "concatenate_context_input"]


def _sparse(value):
    return isinstance(value, (SparseTensor, SparseTensorValue))


def _sequence_length(features, key, num_elements=1):
    """int64 [batch]: one past each example's last present entry along dimension 1, in steps of `num_elements`
    entries. From a SparseTensor's indices (TF's sequence_length_from_sparse_tensor), or from the entries of a
    dense feature that are not '' or -1."""
    value = fc._feature(features, key)
    with name_scope(None, "sequence_length"):
        if _sparse(value):
            from .ops.segment_reduce_ops import unsorted_segment_max

            sp = value if isinstance(value, SparseTensor) else SparseTensor(*value)
            indices = convert_to_tensor(sp.indices, dtype=dtypes.int64)
            rows, steps = indices[:, 0], indices[:, 1] + 1
            batch = convert_to_tensor(sp.dense_shape, dtype=dtypes.int64)[0]
            last = math_ops.maximum(unsorted_segment_max(steps, rows, batch), 0)
        else:
            value = convert_to_tensor(value)
            missing = b"" if value.dtype.base_dtype == dtypes.string else -1
            present = math_ops.cast(math_ops.not_equal(value, missing), dtypes.int64)
            if value.shape.ndims > 2:
                present = reduce_max(array_ops.reshape(present, array_ops.concat(
                    [array_ops.shape(present, out_type=dtypes.int64)[:2], [-1]], 0)), 2)
            steps = math_ops.cast(array_ops.range(1, array_ops.shape(present)[1] + 1), dtypes.int64)
            last = reduce_max(present * steps, 1)
        if num_elements == 1:
            return last
        return math_ops.cast(math_ops.ceil(math_ops.cast(last, dtypes.float64) / num_elements), dtypes.int64)


class SequenceCategoricalColumn(fc._OfCategorical, collections.namedtuple("SequenceCategoricalColumn",
                                                                         ["categorical_column"])):
    """Sequences of categorical values: `categorical_column`'s ids at each time step (its name, buckets and
    parse spec)."""

    is_sequence = True

    def ids(self, features):
        """The ids as [batch, time, k] (a [batch, time] feature has one id per step), weights None."""
        value = fc._feature(features, self.name)
        if _sparse(value):
            string = convert_to_tensor(value.values).dtype.base_dtype == dtypes.string
            value = to_dense(value, default_value=b"" if string else -1)
        value = convert_to_tensor(value)
        if value.shape.ndims is not None and value.shape.ndims < 2:
            raise ValueError(f"Sequence feature {self.name} must have rank at least 2 ([batch, time]), got "
                             f"{value.shape}")
        shape = array_ops.shape(value)
        flat = array_ops.reshape(value, array_ops.stack([shape[0] * shape[1], -1]))
        ids = self.categorical_column.ids({**features, self.name: flat}).ids
        return fc._Ids(array_ops.reshape(ids, array_ops.stack([shape[0], shape[1], -1])), None)

    def sequence_length(self, features):
        return _sequence_length(features, self.name)


def _sequence(column):
    return SequenceCategoricalColumn(column)


def sequence_categorical_column_with_identity(key, num_buckets, default_value=None):
    """Sequences of integer ids in [0, num_buckets)."""
    return _sequence(fc.categorical_column_with_identity(key, num_buckets, default_value))


def sequence_categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=dtypes.string):
    """Sequences of strings or integers hashed into `hash_bucket_size` buckets."""
    return _sequence(fc.categorical_column_with_hash_bucket(key, hash_bucket_size, dtype))


def sequence_categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1,
                                                     num_oov_buckets=0):
    """Sequences of values looked up in `vocabulary_list`."""
    return _sequence(fc.categorical_column_with_vocabulary_list(key, vocabulary_list, dtype, default_value,
                                                                num_oov_buckets))


def sequence_categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None, num_oov_buckets=0,
                                                     default_value=None, dtype=dtypes.string):
    """Sequences of values looked up in a vocabulary file."""
    return _sequence(fc.categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size,
                                                                num_oov_buckets, default_value, dtype))


class SequenceNumericColumn(collections.namedtuple("SequenceNumericColumn", ["key", "shape", "default_value",
                                                                            "dtype", "normalizer_fn"])):
    """Sequences of numbers, `shape` per step: a SparseTensor [batch, time · elements] read as [batch, time,
    *shape], missing entries `default_value`."""

    @property
    def name(self):
        return self.key

    @property
    def width(self):
        return int(np.prod(self.shape))

    @property
    def parse_example_spec(self):
        return {self.key: fc.VarLenFeature(self.dtype)}

    def sequence_dense_tensor(self, features):
        value = fc._feature(features, self.key)
        if not _sparse(value):
            raise ValueError(f"sequence_numeric_column {self.key} needs a SparseTensor feature, got {value}")
        sp = value if isinstance(value, SparseTensor) else SparseTensor(*value)
        if self.normalizer_fn is not None:
            sp = self.normalizer_fn(sp)
        dense = to_dense(sp, default_value=self.default_value)
        rank2 = dense.shape.ndims == 2
        dense = array_ops.reshape(dense, array_ops.concat([array_ops.shape(dense)[:1], [-1], list(self.shape)], 0))
        length = _sequence_length(features, self.key, self.width if rank2 else 1)
        return math_ops.cast(dense, dtypes.float32), length


def sequence_numeric_column(key, shape=(1,), default_value=0.0, dtype=dtypes.float32, normalizer_fn=None):
    """Sequences of numbers (`shape` per time step)."""
    base = fc.numeric_column(key, shape, None, dtype, normalizer_fn)
    return SequenceNumericColumn(key, base.shape, default_value, base.dtype, normalizer_fn)


def _sequence_dense(column, features):
    """(values [batch, time, width], lengths [batch]) of a sequence dense column."""
    if isinstance(column, SequenceNumericColumn):
        dense, length = column.sequence_dense_tensor(features)
        shape = array_ops.shape(dense)
        return array_ops.reshape(dense, array_ops.stack([shape[0], shape[1], column.width])), length
    seq = column.categorical_column
    ids = seq.ids(features)
    shape = array_ops.shape(ids.ids)
    if isinstance(column, fc.IndicatorColumn):
        dense = reduce_sum(array_ops.one_hot(ids.ids, column.num_buckets), 2)
    else:
        flat = fc._Ids(array_ops.reshape(ids.ids, array_ops.stack([shape[0] * shape[1], shape[2]])), None)
        if isinstance(column, fc.SharedEmbeddingColumn):
            raise ValueError("SharedEmbeddingColumns are not supported in `sequence_input_layer`.")
        rows = fc._weighted_sum(column._table(), flat, column.combiner, column.max_norm)
        dense = array_ops.reshape(rows, array_ops.stack([shape[0], shape[1], column.dimension]))
    return dense, seq.sequence_length(features)


def _check_sequence_columns(feature_columns):
    columns = list(feature_columns) if isinstance(feature_columns, (list, tuple, set)) else [feature_columns]
    for c in columns:
        ok = isinstance(c, SequenceNumericColumn) or (isinstance(c, (fc.EmbeddingColumn, fc.IndicatorColumn))
                                                      and isinstance(c.categorical_column, SequenceCategoricalColumn))
        if not ok:
            raise ValueError(f"All feature_columns must be of type _SequenceDenseColumn. You can wrap a "
                             f"sequence_categorical_column with an embedding_column or indicator_column. Given "
                             f"(type {type(c)}): {c}")
    return sorted(columns, key=lambda c: c.name)


def sequence_input_layer(features, feature_columns, weight_collections=None, trainable=True):
    """(input_layer [batch, time, total width] float32, sequence_length int64 [batch]): the columns' sequences
    side by side in the order of their names; the examples' lengths must agree between columns (checked when
    the graph runs)."""
    columns = _check_sequence_columns(feature_columns)
    with variable_scope(None, default_name="sequence_input_layer", values=list(features.values())):
        tensors, lengths = [], []
        for column in columns:
            with variable_scope(None, default_name=column.name):
                dense, length = _sequence_dense(column, features)
            tensors.append(dense)
            lengths.append(length)
        with name_scope(None, "assert_all_equal"):
            checks = [check_ops.assert_equal(lengths[0], t) for t in lengths[1:]]
            length = with_dependencies(checks, lengths[0]) if checks else lengths[0]
        return array_ops.concat(tensors, -1), length


def concatenate_context_input(context_input, sequence_input):
    """`sequence_input` [batch, time, d] with `context_input` [batch, c] repeated at every step: [batch, time,
    d + c]."""
    sequence_input, context_input = convert_to_tensor(sequence_input), convert_to_tensor(context_input)
    if sequence_input.shape.ndims not in (None, 3) or context_input.shape.ndims not in (None, 2):
        raise ValueError(f"sequence_input must have rank 3 and context_input rank 2, got {sequence_input.shape} "
                         f"and {context_input.shape}")
    for t, what in ((sequence_input, "sequence_input"), (context_input, "context_input")):
        if t.dtype.base_dtype != dtypes.float32:
            raise TypeError(f"{what} must have dtype float32; got {t.dtype.base_dtype.name}.")
    steps = array_ops.shape(sequence_input)[1]
    tiled = array_ops.tile(array_ops.expand_dims(context_input, 1), array_ops.stack([1, steps, 1]))
    return array_ops.concat([sequence_input, tiled], 2)
