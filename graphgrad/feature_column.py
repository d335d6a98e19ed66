"""`tf.feature_column`: how TF1 models turn a dict of raw features into tensors, with TF1's names and variables.

    edu = tf.feature_column.categorical_column_with_vocabulary_list("education", ["Bachelors", "Masters"])
    age = tf.feature_column.bucketized_column(tf.feature_column.numeric_column("age"), [18, 30, 50])
    net = tf.feature_column.input_layer(features, [tf.feature_column.embedding_column(edu, 8), age])
    logits = tf.feature_column.linear_model(features, [edu, age, tf.feature_column.crossed_column([edu, age], 100)])

Dense columns (numeric, bucketized, indicator, embedding) give a [batch, width] float32 through `input_layer`;
categorical columns give ids, which graphgrad keeps as a padded int64 [batch, k] tensor with -1 for "no id"
(TF keeps a SparseTensor of ids): an embedding is then a gather, a weighted sum over k and the combiner's
division. Ids, names, variable names and shapes are TF's (tests/test_feature_column.py, recorded under TF).
"""
from __future__ import annotations

import collections
import math

from .framework import dtypes
from .framework.graph import get_default_graph, name_scope
from .io.parsing_ops import FixedLenFeature, VarLenFeature
from .ops import array_ops, categorical_ops, check_ops, math_ops
from .ops.arithmetic_ops import div_no_nan
from .ops.clip_ops import clip_by_norm
from .ops.core import convert_to_tensor, with_dependencies, zeros_like
from .ops.init_ops import truncated_normal_initializer, zeros_initializer
from .ops.reduction_ops import reduce_sum
from .ops.select_ops import where
from .ops.sparse_ops import SparseTensor, SparseTensorValue, to_dense
from .variables import get_variable, variable_scope

__all__ = ["numeric_column", "bucketized_column", "categorical_column_with_vocabulary_list",
           "categorical_column_with_vocabulary_file", "categorical_column_with_identity",
           "categorical_column_with_hash_bucket", "crossed_column", "weighted_categorical_column",
           "indicator_column", "embedding_column", "shared_embedding_columns", "input_layer", "linear_model",
           "make_parse_example_spec", "sequence_categorical_column_with_identity",
           "sequence_categorical_column_with_hash_bucket", "sequence_categorical_column_with_vocabulary_list",
           "sequence_categorical_column_with_vocabulary_file", "sequence_numeric_column"]

_Ids = collections.namedtuple("_Ids", ["ids", "weights"])  # int64 [batch, k] (-1: none), float32 or None


def _feature(features, key):
    if key not in features:
        raise ValueError(f"The feature {key!r} is not in the features dict (keys: {sorted(map(str, features))}).")
    return features[key]


def _rows(features, key, pad=None):
    """`features[key]` as a rank-2 [batch, k] tensor (`_matrix`), a SparseTensor made dense with `pad` ('' for
    strings, -1 for integers unless given) in its holes. Dense strings stay as given (strings live on the host,
    so only the id ops, which take any rank, read them; their ids go through `_matrix`)."""
    value = _feature(features, key)
    if isinstance(value, (SparseTensor, SparseTensorValue)):
        string = convert_to_tensor(value.values).dtype.base_dtype == dtypes.string
        return to_dense(value, default_value=pad if pad is not None else (b"" if string else -1))
    value = convert_to_tensor(value)
    if value.shape.ndims == 0:
        raise ValueError(f"Feature (key: {key}) cannot have rank 0. Given: {value}")
    return value if value.dtype.base_dtype == dtypes.string else _matrix(value)


def _matrix(t):
    """A [batch, ...] tensor as [batch, k]: rank 1 gains a dimension, higher ranks are flattened per example."""
    rank = t.shape.ndims
    if rank == 1:
        return array_ops.expand_dims(t, -1)
    if rank is None or rank > 2:
        return array_ops.reshape(t, [array_ops.shape(t)[0], -1])
    return t


def _dense_rows(features, key):
    """True for a feature given dense (every entry is a value), False for a SparseTensor."""
    return not isinstance(_feature(features, key), (SparseTensor, SparseTensorValue))


# --- dense columns ------------------------------------------------------------------------------------------


class NumericColumn(collections.namedtuple("NumericColumn", ["key", "shape", "default_value", "dtype",
                                                             "normalizer_fn"])):
    """A dense feature read from `features[key]`: float values of `shape` per example."""

    @property
    def name(self):
        return self.key

    @property
    def variable_shape(self):
        return tuple(self.shape)

    @property
    def width(self):
        return math.prod(self.shape)

    @property
    def parse_example_spec(self):
        return {self.key: FixedLenFeature(self.shape, self.dtype, self.default_value)}

    def dense_tensor(self, features):
        """`features[key]` as float32 (after `normalizer_fn`), one row of `prod(shape)` values per example."""
        value = convert_to_tensor(_feature(features, self.key))
        if not value.dtype.is_floating:
            value = math_ops.cast(value, dtypes.float32)
        if self.normalizer_fn is not None:
            value = self.normalizer_fn(value)
        return array_ops.reshape(math_ops.cast(value, dtypes.float32), [-1, self.width])


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32, normalizer_fn=None):
    """A numeric feature column; `shape` is per example (an int or a tuple), `dtype` a float or int type."""
    _check_key(key)
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    if any(d < 1 for d in shape):
        raise ValueError(f"shape dimensions must be greater than 0. Given: {shape}, key: {key}")
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise ValueError(f"dtype must be convertible to float. dtype: {dtype}, key: {key}")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    return NumericColumn(key, shape, default_value, dtype, normalizer_fn)


def _check_key(key):
    if not isinstance(key, str):
        raise ValueError(f"key must be a string. Given: {key}")


def _weighted_sum(table, ids, combiner, max_norm=None):
    """Each row's `combiner` of the rows of `table` at its ids: TF's safe_embedding_lookup_sparse (ids of -1 and
    weights <= 0 left out; a row with none gives zeros)."""
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError("combiner must be one of 'mean', 'sqrtn' or 'sum'")
    valid = math_ops.cast(math_ops.greater_equal(ids.ids, 0), dtypes.float32)
    w = valid if ids.weights is None else valid * math_ops.cast(math_ops.greater(ids.weights, 0.0),
                                                               dtypes.float32) * ids.weights
    rows = array_ops.gather(table, math_ops.maximum(ids.ids, 0))
    if max_norm is not None:
        rows = clip_by_norm(rows, max_norm, axes=[2])
    total = reduce_sum(rows * array_ops.expand_dims(w, -1), 1)
    if combiner == "sum":
        return total
    scale = reduce_sum(w, 1, keepdims=True) if combiner == "mean" else math_ops.sqrt(reduce_sum(w * w, 1,
                                                                                                keepdims=True))
    return div_no_nan(total, scale)


class BucketizedColumn(collections.namedtuple("BucketizedColumn", ["source_column", "boundaries"])):
    """A numeric column's values as the ids of the buckets between `boundaries` (dense: their one-hot rows)."""

    @property
    def name(self):
        return f"{self.source_column.name}_bucketized"

    @property
    def num_buckets(self):
        return self.source_column.width * (len(self.boundaries) + 1)

    @property
    def width(self):
        return self.num_buckets

    @property
    def parse_example_spec(self):
        return self.source_column.parse_example_spec

    def _buckets(self, features):
        return categorical_ops.bucketize(self.source_column.dense_tensor(features), self.boundaries)

    def dense_tensor(self, features):
        one_hot = array_ops.one_hot(self._buckets(features), len(self.boundaries) + 1)
        return array_ops.reshape(one_hot, [-1, self.width])

    def ids(self, features):
        per_value = len(self.boundaries) + 1
        offsets = array_ops.range(self.source_column.width, dtype=dtypes.int64) * per_value
        return _Ids(self._buckets(features) + offsets, None)


def bucketized_column(source_column, boundaries):
    """Buckets of a `numeric_column` (sorted float `boundaries`: len + 1 buckets per value)."""
    if not isinstance(source_column, NumericColumn):
        raise ValueError(f"source_column must be a column generated with numeric_column(). Given: {source_column}")
    if len(source_column.shape) > 1:
        raise ValueError(f"source_column must be one-dimensional column. Given: {source_column}")
    if not boundaries or not isinstance(boundaries, (list, tuple)):
        raise ValueError("boundaries must be a sorted list.")
    if any(boundaries[i] >= boundaries[i + 1] for i in range(len(boundaries) - 1)):
        raise ValueError("boundaries must be a sorted list.")
    return BucketizedColumn(source_column, tuple(float(b) for b in boundaries))


class _OfCategorical:
    """A column built on `categorical_column`: named after it (+ `suffix`), with its buckets and its features."""

    suffix = ""

    @property
    def name(self):
        return self.categorical_column.name + self.suffix

    @property
    def num_buckets(self):
        return self.categorical_column.num_buckets

    @property
    def parse_example_spec(self):
        return self.categorical_column.parse_example_spec

    def _table(self):
        """The [num_buckets, dimension] embedding table, `embedding_weights` in the current variable scope."""
        return get_variable("embedding_weights", [self.num_buckets, self.dimension], dtype=dtypes.float32,
                            initializer=self.initializer, trainable=self.trainable)


class IndicatorColumn(_OfCategorical, collections.namedtuple("IndicatorColumn", ["categorical_column"])):
    """A categorical column as a multi-hot row of `num_buckets` counts (or weights, for a weighted column)."""

    suffix = "_indicator"

    @property
    def width(self):
        return self.num_buckets

    def dense_tensor(self, features):
        ids = self.categorical_column.ids(features)
        one_hot = array_ops.one_hot(ids.ids, self.width)
        if ids.weights is not None:
            one_hot = one_hot * array_ops.expand_dims(math_ops.cast(ids.weights, dtypes.float32), -1)
        return reduce_sum(one_hot, 1)


def indicator_column(categorical_column):
    """The multi-hot representation of a categorical column, for `input_layer` and DNN models."""
    return IndicatorColumn(_categorical(categorical_column))


class EmbeddingColumn(_OfCategorical, collections.namedtuple("EmbeddingColumn", [
        "categorical_column", "dimension", "combiner", "initializer", "ckpt_to_load_from", "tensor_name_in_ckpt",
        "max_norm", "trainable"])):
    """A categorical column through a trainable [num_buckets, dimension] table (`<name>_embedding/
    embedding_weights`), the rows of an example's ids combined by `combiner`."""

    suffix = "_embedding"

    @property
    def width(self):
        return self.dimension

    def dense_tensor(self, features):
        return _weighted_sum(self._table(), self.categorical_column.ids(features), self.combiner, self.max_norm)


def embedding_column(categorical_column, dimension, combiner="mean", initializer=None, ckpt_to_load_from=None,
                     tensor_name_in_ckpt=None, max_norm=None, trainable=True):
    """A dense `dimension`-wide embedding of a categorical column; the table starts from `initializer`
    (TF's default: truncated normal, stddev 1/√dimension)."""
    if dimension is None or dimension < 1:
        raise ValueError(f"Invalid dimension {dimension}.")
    if (ckpt_to_load_from is None) != (tensor_name_in_ckpt is None):
        raise ValueError("Must specify both `ckpt_to_load_from` and `tensor_name_in_ckpt` or none of them.")
    if ckpt_to_load_from is not None:
        raise NotImplementedError("embedding_column(ckpt_to_load_from=...) is not supported: use "
                                  "tf.estimator.WarmStartSettings or a Saver to load the table")
    if initializer is not None and not callable(initializer):
        raise ValueError(f"initializer must be callable if specified. Embedding of column_name: "
                         f"{categorical_column.name}")
    if initializer is None:
        initializer = truncated_normal_initializer(mean=0.0, stddev=1 / math.sqrt(dimension))
    return EmbeddingColumn(_categorical(categorical_column), dimension, combiner, initializer, ckpt_to_load_from,
                           tensor_name_in_ckpt, max_norm, trainable)


class SharedEmbeddingColumn(_OfCategorical, collections.namedtuple("SharedEmbeddingColumn", [
        "categorical_column", "dimension", "combiner", "initializer", "shared_embedding_collection_name",
        "max_norm", "trainable"])):
    """One of several categorical columns embedded by one table, `<collection name>/embedding_weights`, made by
    the first of them a graph builds and kept in the graph collection of that name for the others."""

    suffix = "_shared_embedding"

    @property
    def var_scope_name(self):
        return self.shared_embedding_collection_name

    @property
    def width(self):
        return self.dimension

    def dense_tensor(self, features):
        shared = get_default_graph().get_collection_ref(self.shared_embedding_collection_name)
        if not shared:
            shared.append(self._table())
        return _weighted_sum(shared[0], self.categorical_column.ids(features), self.combiner, self.max_norm)


def shared_embedding_columns(categorical_columns, dimension, combiner="mean", initializer=None,
                             shared_embedding_collection_name=None, ckpt_to_load_from=None,
                             tensor_name_in_ckpt=None, max_norm=None, trainable=True):
    """Embedding columns of categorical columns with the same number of buckets that share one table (by default
    `<sorted names joined by _>_shared_embedding`), in the order given."""
    columns = [embedding_column(c, dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt,
                                max_norm, trainable) for c in categorical_columns]
    if not columns:
        raise ValueError("categorical_columns must not be empty.")
    first = columns[0].categorical_column
    for c in columns[1:]:
        c = c.categorical_column
        if type(c) is not type(first):
            raise ValueError(f"To use shared_embedding_column, all categorical_columns must have the same type, or "
                             f"be weighted_categorical_column or sequence column of the same type. Given column: "
                             f"{first} of type: {type(first)} does not match given column: {c} of type: {type(c)}")
        if c.num_buckets != first.num_buckets:
            raise ValueError(f"To use shared_embedding_column, all categorical_columns must have the same number of "
                             f"buckets. Given column: {first} with buckets: {first.num_buckets} does not match "
                             f"column: {c} with buckets: {c.num_buckets}")
    name = shared_embedding_collection_name or "_".join(sorted(c.categorical_column.name for c in columns)) + \
        "_shared_embedding"
    return [SharedEmbeddingColumn(c.categorical_column, dimension, combiner, c.initializer, name, max_norm,
                                  trainable) for c in columns]


# --- categorical columns -----------------------------------------------------------------------------------


def _check_dtype(column, tensor):
    string = column.dtype == dtypes.string
    if string != (tensor.dtype.base_dtype == dtypes.string) or not (string or tensor.dtype.is_integer):
        raise ValueError(f"Column dtype and SparseTensors dtype must be compatible. key: {column.key}, column dtype: "
                         f"{column.dtype.name}, tensor dtype: {tensor.dtype.base_dtype.name}")
    return tensor if string else math_ops.cast(tensor, dtypes.int64)


class _Categorical:
    @property
    def name(self):
        return self.key

    @property
    def parse_example_spec(self):
        return {self.key: VarLenFeature(self.dtype)}


class VocabularyListCategoricalColumn(_Categorical, collections.namedtuple("VocabularyListCategoricalColumn", [
        "key", "vocabulary_list", "dtype", "default_value", "num_oov_buckets"])):
    """Ids by position in an in-memory vocabulary; out-of-vocabulary values get `default_value` (-1: none) or
    one of `num_oov_buckets` hash buckets after the vocabulary."""

    @property
    def num_buckets(self):
        return len(self.vocabulary_list) + self.num_oov_buckets

    def ids(self, features):
        value = _check_dtype(self, _rows(features, self.key))
        with name_scope(f"{self.key}_lookup"):
            return _Ids(_matrix(categorical_ops.lookup_ids(value, self.vocabulary_list, self.default_value,
                                                           self.num_oov_buckets)), None)


def _vocabulary_column(key, vocabulary, dtype, default_value, num_oov_buckets, what):
    if num_oov_buckets:
        if default_value != -1:
            raise ValueError(f"Can't specify both num_oov_buckets and default_value in {key}.")
        if num_oov_buckets < 0:
            raise ValueError(f"Invalid num_oov_buckets {num_oov_buckets} in {key}.")
    string = all(isinstance(v, (str, bytes)) for v in vocabulary)
    if dtype is None:
        dtype = dtypes.string if string else dtypes.int64
    dtype = dtypes.as_dtype(dtype)
    if string != (dtype == dtypes.string) or not (dtype == dtypes.string or dtype.is_integer):
        raise ValueError(f"dtype {dtype.name} and {what} are not compatible, column_name: {key}")
    vocabulary = tuple(v.encode() if isinstance(v, str) else v if string else int(v) for v in vocabulary)
    return VocabularyListCategoricalColumn(key, vocabulary, dtype, int(default_value), int(num_oov_buckets))


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1,
                                            num_oov_buckets=0):
    """Ids of a string or integer feature by position in `vocabulary_list`."""
    _check_key(key)
    vocabulary_list = list(vocabulary_list) if vocabulary_list is not None else []
    if not vocabulary_list:
        raise ValueError(f"vocabulary_list {vocabulary_list} must be non-empty, column_name: {key}")
    if len(set(vocabulary_list)) != len(vocabulary_list):
        raise ValueError(f"Duplicate keys in vocabulary_list {vocabulary_list}, column_name: {key}")
    return _vocabulary_column(key, vocabulary_list, dtype, default_value, num_oov_buckets,
                              f"vocabulary {vocabulary_list}")


def categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None, num_oov_buckets=0,
                                            default_value=None, dtype=dtypes.string):
    """Ids by line number in a vocabulary file (one value a line; the first `vocabulary_size` lines). The file
    is read when the column is made (TF reads it when the session initializes its tables)."""
    _check_key(key)
    if not vocabulary_file:
        raise ValueError(f"Missing vocabulary_file in {key}.")
    if vocabulary_size is not None and vocabulary_size < 1:
        raise ValueError(f"Invalid vocabulary_size in {key}.")
    with open(vocabulary_file, "rb") as f:
        lines = f.read().decode().splitlines()
    lines = lines[:vocabulary_size] if vocabulary_size is not None else lines
    dtype = dtypes.as_dtype(dtype)
    vocabulary = lines if dtype == dtypes.string else [int(v) for v in lines]
    return _vocabulary_column(key, vocabulary, dtype, -1 if default_value is None else default_value,
                              num_oov_buckets, f"vocabulary file {vocabulary_file}")


class IdentityCategoricalColumn(_Categorical, collections.namedtuple("IdentityCategoricalColumn", [
        "key", "number_buckets", "default_value"])):
    """Integer features that are their own ids in [0, num_buckets); others become `default_value`, or, without
    one, fail the run (TF's assertion)."""

    dtype = dtypes.int64

    @property
    def num_buckets(self):
        return self.number_buckets

    def ids(self, features):
        value = _rows(features, self.key)
        if not value.dtype.is_integer:
            raise ValueError(f"Invalid input, not integer. key: {self.key} dtype: {value.dtype.base_dtype.name}")
        ids = math_ops.cast(value, dtypes.int64)
        present = math_ops.not_equal(ids, -1)
        if self.default_value is None:
            checked = where(present, ids, zeros_like(ids))
            return _Ids(with_dependencies([
                check_ops.assert_less(checked, self.number_buckets, message=f'Bucket index for categorical '
                                      f'column "{self.key}" exceeds number of buckets',
                                      name="assert_less_than_num_buckets"),
                check_ops.assert_greater_equal(checked, 0, name="assert_greater_or_equal_0")], ids), None)
        inside = math_ops.logical_and(math_ops.greater_equal(ids, 0), math_ops.less(ids, self.number_buckets))
        default = where(present, zeros_like(ids) + self.default_value, ids)
        return _Ids(where(inside, ids, default), None)


def categorical_column_with_identity(key, num_buckets, default_value=None):
    """Integer features used as ids directly."""
    _check_key(key)
    if num_buckets < 1:
        raise ValueError(f"num_buckets {num_buckets} < 1, column_name {key}")
    if default_value is not None and not 0 <= default_value < num_buckets:
        raise ValueError(f"default_value {default_value} not in range [0, {num_buckets}), column_name {key}")
    return IdentityCategoricalColumn(key, int(num_buckets), default_value)


class HashedCategoricalColumn(_Categorical, collections.namedtuple("HashedCategoricalColumn", [
        "key", "hash_bucket_size", "dtype"])):
    """Ids by FarmHash Fingerprint64 of the value (integers: of their decimal digits) modulo the bucket count."""

    @property
    def num_buckets(self):
        return self.hash_bucket_size

    def ids(self, features):
        value = _check_dtype(self, _rows(features, self.key))
        return _Ids(_matrix(categorical_ops.string_to_hash_bucket_fast(value, self.hash_bucket_size)), None)


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=dtypes.string):
    """Ids of a string or integer feature by hashing, when the values are too many to list."""
    _check_key(key)
    if hash_bucket_size is None:
        raise ValueError(f"hash_bucket_size must be set. key: {key}")
    if hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be at least 1. hash_bucket_size: {hash_bucket_size}, key: {key}")
    dtype = dtypes.as_dtype(dtype)
    if dtype != dtypes.string and not dtype.is_integer:
        raise ValueError(f"dtype must be string or integer. dtype: {dtype}, column_name: {key}")
    return HashedCategoricalColumn(key, int(hash_bucket_size), dtype)


class WeightedCategoricalColumn(_OfCategorical, collections.namedtuple("WeightedCategoricalColumn", [
        "categorical_column", "weight_feature_key", "dtype"])):
    """A categorical column whose ids each carry the float in the same place of `features[weight_feature_key]`."""

    @property
    def name(self):
        return f"{self.categorical_column.name}_weighted_by_{self.weight_feature_key}"

    @property
    def parse_example_spec(self):
        return {**self.categorical_column.parse_example_spec, self.weight_feature_key: VarLenFeature(self.dtype)}

    def ids(self, features):
        weights = _rows(features, self.weight_feature_key, pad=0.0)
        if not weights.dtype.is_floating:
            weights = math_ops.cast(weights, dtypes.float32)
        return _Ids(self.categorical_column.ids(features).ids, math_ops.cast(weights, dtypes.float32))


def weighted_categorical_column(categorical_column, weight_feature_key, dtype=dtypes.float32):
    """Gives each id of `categorical_column` the weight in `features[weight_feature_key]` (same shape)."""
    dtype = dtypes.as_dtype(dtype)
    if dtype is None or not (dtype.is_integer or dtype.is_floating):
        raise ValueError(f"dtype {dtype} is not convertible to float.")
    return WeightedCategoricalColumn(_categorical(categorical_column), weight_feature_key, dtype)


class CrossedColumn(collections.namedtuple("CrossedColumn", ["keys", "hash_bucket_size", "hash_key"])):
    """Every combination of one value from each key (a feature name or a categorical column), hashed into
    `hash_bucket_size` ids as TF's SparseCrossHashed hashes them."""

    @property
    def name(self):
        return "_X_".join(sorted(k if isinstance(k, str) else k.name for k in self.keys))

    @property
    def num_buckets(self):
        return self.hash_bucket_size

    @property
    def parse_example_spec(self):
        spec = {}
        for k in self.keys:
            spec.update({k: VarLenFeature(dtypes.string)} if isinstance(k, str) else k.parse_example_spec)
        return spec

    def _leaves(self):
        for k in self.keys:
            yield from (k._leaves() if isinstance(k, CrossedColumn) else [k])

    def ids(self, features):
        inputs, dense = [], []
        for k in self._leaves():
            if isinstance(k, str):
                value = _rows(features, k)
                inputs.append(value if value.dtype.base_dtype == dtypes.string
                              else math_ops.cast(value, dtypes.int64))
                dense.append(_dense_rows(features, k))
            else:
                inputs.append(k.ids(features).ids)
                dense.append(False)
        return _Ids(categorical_ops.cross_hashed(inputs, self.hash_bucket_size, self.hash_key, dense), None)


def crossed_column(keys, hash_bucket_size, hash_key=None):
    """The cross of two or more features or categorical columns (not hashed ones), hashed into ids."""
    if not hash_bucket_size or hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be > 1. hash_bucket_size: {hash_bucket_size}")
    if not keys or len(keys) < 2:
        raise ValueError(f"keys must be a list with length > 1. Given: {keys}")
    for k in keys:
        if isinstance(k, HashedCategoricalColumn):
            raise ValueError(f"categorical_column_with_hash_bucket is not supported for crossing. Hashing before "
                             f"crossing will increase probability of collision. Instead, use the feature name as a "
                             f"string. Given: {k}")
        if not isinstance(k, str) and not _is_categorical(k):
            raise ValueError(f"Unsupported key type. All keys must be either string, or categorical column except "
                             f"HashedCategoricalColumn. Given: {k}")
    return CrossedColumn(tuple(keys), int(hash_bucket_size), hash_key)


_CATEGORICAL = (VocabularyListCategoricalColumn, IdentityCategoricalColumn, HashedCategoricalColumn,
                WeightedCategoricalColumn, CrossedColumn, BucketizedColumn)
_DENSE = (NumericColumn, BucketizedColumn, IndicatorColumn, EmbeddingColumn, SharedEmbeddingColumn)


def _is_categorical(column):
    """A categorical column: one of `_CATEGORICAL`, or a sequence of one (sequence_feature_column.py)."""
    return isinstance(column, _CATEGORICAL) or getattr(column, "is_sequence", False)


def _categorical(column):
    if not _is_categorical(column):
        raise ValueError(f"categorical_column must be of type _CategoricalColumn. Given (type {type(column)}): "
                         f"{column}")
    return column


# --- input_layer, linear_model, make_parse_example_spec -----------------------------------------------------


def _columns(feature_columns, kinds=None, what="either a _DenseColumn or _CategoricalColumn"):
    """The columns sorted by name, each one of `kinds` (all column kinds by default), names unique."""
    columns = list(feature_columns) if isinstance(feature_columns, (list, tuple, set)) else [feature_columns]
    if not columns:
        raise ValueError("feature_columns must not be empty.")
    for c in columns:
        if not isinstance(c, kinds or _DENSE + _CATEGORICAL):
            raise ValueError(f"Items of feature_columns must be {what}. Given: {c}")
    names = [c.name for c in columns]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"Duplicate feature column name found for columns: {name} and {name}. This usually "
                             f"means that these columns refer to same base feature. Either one must be discarded "
                             f"or a duplicated but renamed item must be inserted in features dict.")
    return sorted(columns, key=lambda c: c.name)


def _checked(feature_columns):
    columns = _columns(feature_columns, _DENSE, "a _DenseColumn. You can wrap a categorical column with an "
                                                "embedding_column or indicator_column")
    for c in columns:
        if getattr(getattr(c, "categorical_column", None), "is_sequence", False):
            raise ValueError(f"In {type(c).__name__}: {c.name}. categorical_column must not be of type "
                             "_SequenceCategoricalColumn. Suggested fix A: If you wish to use input_layer, use a "
                             "non-sequence categorical_column_with_*. Suggested fix B: If you wish to create "
                             "sequence input, use sequence_input_layer instead of input_layer.")
    return columns


def input_layer(features, feature_columns, weight_collections=None, trainable=True, cols_to_vars=None,
                cols_to_output_tensors=None):
    """The dense columns' tensors side by side, in the order of their names: a [batch, total width] float32.
    Embedding tables are `input_layer/<column>_embedding/embedding_weights`."""
    columns = _checked(feature_columns)
    with variable_scope(None, default_name="input_layer", values=list(features.values())):
        return _dense_columns(features, columns, cols_to_output_tensors)


def _dense_columns(features, columns, cols_to_output_tensors=None):
    """input_layer's concatenation of checked, sorted `columns` in the current variable scope (also what Keras'
    DenseFeatures layer computes in its own)."""
    tensors = []
    for column in columns:
        scope = getattr(column, "var_scope_name", column.name)
        with variable_scope(None, default_name=scope), name_scope(column.name):
            tensors.append(column.dense_tensor(features))
        if cols_to_output_tensors is not None:
            cols_to_output_tensors[column] = tensors[-1]
    return array_ops.concat(tensors, 1)


def _layer_name(name):
    """TF builds linear_model's columns as Keras layers, whose names are unique in the whole graph: a second
    linear_model puts its `edu` column's weights under `linear_model_1/edu_1/`."""
    g = get_default_graph()
    counts = g.__dict__.setdefault("_feature_column_layer_names", collections.Counter())
    n = counts[name]
    counts[name] += 1
    return name if n == 0 else f"{name}_{n}"


def _linear_part(features, column, units, sparse_combiner, trainable):
    """One column's term of a linear model: its weights (`<column>/weights`, zeros) times its value."""
    with variable_scope(_layer_name(column.name)):
        if isinstance(column, _DENSE) and not isinstance(column, BucketizedColumn):
            w = get_variable("weights", [column.width, units], initializer=zeros_initializer(), trainable=trainable)
            return math_ops.matmul(column.dense_tensor(features), w), w
        w = get_variable("weights", [column.num_buckets, units], initializer=zeros_initializer(),
                         trainable=trainable)
        return _weighted_sum(w, column.ids(features), sparse_combiner), w


def linear_model(features, feature_columns, units=1, sparse_combiner="sum", weight_collections=None,
                 trainable=True, cols_to_vars=None):
    """A linear model over any columns: per column `linear_model/<name>/weights` ([num_buckets or width, units],
    zeros; categorical ids combined by `sparse_combiner`) plus `linear_model/bias_weights`: [batch, units]."""
    columns = _columns(feature_columns)
    with variable_scope(None, default_name="linear_model", values=list(features.values())):
        parts = []
        for column in columns:
            part, w = _linear_part(features, column, units, sparse_combiner, trainable)
            parts.append(part)
            if cols_to_vars is not None:
                cols_to_vars[column] = [w]
        bias = get_variable("bias_weights", [units], initializer=zeros_initializer(), trainable=trainable)
        if cols_to_vars is not None:
            cols_to_vars["bias"] = [bias]
        return math_ops.add(math_ops.add_n(parts), bias, name="weighted_sum")


def make_parse_example_spec(feature_columns):
    """The `tf.io.parse_example` spec that gives the features these columns read."""
    spec = {}
    for column in feature_columns:
        if not hasattr(column, "parse_example_spec"):
            raise ValueError(f"All feature_columns must be _FeatureColumn instances. Given: {column}")
        for key, value in column.parse_example_spec.items():
            if key in spec and spec[key] != value:
                raise ValueError(f"feature_columns contain different parse_spec for key {key}. Given {spec[key]} "
                                 f"and {value}")
            spec[key] = value
    return spec


from .sequence_feature_column import (  # noqa: E402 - sequence columns are built on the ones above
    sequence_categorical_column_with_hash_bucket,
    sequence_categorical_column_with_identity,
    sequence_categorical_column_with_vocabulary_file,
    sequence_categorical_column_with_vocabulary_list,
    sequence_numeric_column,
)
