"""The ops that turn raw features into category ids for `tf.feature_column`: hash buckets, vocabulary lookups,
bucket boundaries and hashed crosses, with TensorFlow's bucket ids.

Each takes a dense [batch, k] feature (a SparseTensor is made dense first, padded with the ignored value) and
gives int64 ids of the same shape, -1 where the input holds the ignored value ('' for strings, -1 for integers):
graphgrad's categorical ids are padded rows rather than TF's SparseTensor of ids, so an embedding is a gather, a
mask and a sum. Ids depend on FarmHash's Fingerprint64 exactly as TF's (ops/fingerprint.py).
"""
from __future__ import annotations

import functools
import itertools

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .fingerprint import fingerprint64, fingerprint_cat64

__all__ = ["string_to_hash_bucket_fast", "lookup_ids", "bucketize", "cross_hashed"]

_DEFAULT_CROSS_KEY = 0xDECAFCAFFE  # TF's SparseCrossHashed default hash_key


@functools.lru_cache(maxsize=1 << 16)
def _fingerprint(data):
    """Fingerprint64, remembered: categorical features repeat a few values, and the hash is plain Python."""
    return fingerprint64(data)


@functools.lru_cache(maxsize=1 << 16)
def _crossed(key, fingerprints):
    """TF's chain of FingerprintCat64 over one combination's fingerprints, remembered as `_fingerprint` is."""
    for f in fingerprints:
        key = fingerprint_cat64(key, f)
    return key


def _key_bytes(v):
    """A value as TF hashes it: strings as their bytes, integers as their decimal digits (TF's as_string)."""
    return v if isinstance(v, bytes) else v.encode() if isinstance(v, str) else str(int(v)).encode()


def _as_bytes(v):
    """A string as bytes (attrs read back from a GraphDef hold str)."""
    return v.encode() if isinstance(v, str) else v


def _host_values(x):
    """An input as a host array whose strings are bytes (a fed string array may hold Python str)."""
    x = np.asarray(x)
    if x.dtype.kind == "O" and set(map(type, x.ravel().tolist())) <= {bytes}:
        return x  # the usual case, found without a Python loop
    if x.dtype.kind in "OU":
        return np.array([v.encode() if isinstance(v, str) else v for v in x.reshape(-1)], object).reshape(x.shape)
    return x


class _IdOp(OpDef):
    """An op from a feature to int64 ids of its shape; entries equal to attr `ignore` give -1."""

    gradient = not_differentiable

    def infer(op):
        return [(static_shape(op.inputs[0]), dtypes.int64)]

    def kernel(op, ctx):
        to_host, to_dev, ignore = ctx.to_host, ctx.to_device, _as_bytes(op.attrs["ignore"])
        ids_of = op.op_def.ids  # one array of values -> one array of ids

        def ids_kernel(*arrays):
            x = _host_values(to_host(arrays[0]))
            if ignore is None:  # every entry is a value (tf.strings.to_hash_bucket_fast)
                return to_dev(np.asarray(ids_of(op, x.reshape(-1)), np.int64).reshape(x.shape))
            out = np.full(x.shape, -1, np.int64)
            keep = np.array([v != ignore for v in x.reshape(-1)], bool).reshape(x.shape)
            if keep.any():
                out[keep] = ids_of(op, x[keep], *[np.asarray(to_host(a))[keep] for a in arrays[1:]])
            return to_dev(out)
        return ids_kernel


class StringToHashBucketFast(_IdOp):
    """Fingerprint64 of each value modulo `num_buckets` (TF's op; integers are hashed as their decimal strings,
    as TF's hashed column does after `as_string`)."""

    type = "StringToHashBucketFast"

    def ids(op, values):
        n = op.attrs["num_buckets"]
        if op.inputs[0].dtype.base_dtype == dtypes.string:
            return np.fromiter(map(_fingerprint, values.tolist()), np.uint64, len(values)) % np.uint64(n)
        return [_fingerprint(_key_bytes(v)) % n for v in values]


class LookupIds(_IdOp):
    """A vocabulary's index of each value, the vocabulary held in the op (what TF's feature columns do with an
    index table, ops/lookup_ops.py, and `where`): out-of-vocabulary values get `default_value`, or with
    `num_oov_buckets` the bucket vocabulary size + Fingerprint64 % num_oov_buckets."""

    type = "LookupIds"

    def ids(op, values):
        index = _index(tuple(_as_bytes(v) for v in op.attrs["vocabulary"]))
        size, oov, default = len(index), op.attrs["num_oov_buckets"], op.attrs["default_value"]
        key = (lambda v: v) if op.inputs[0].dtype.base_dtype == dtypes.string else int
        out = []
        for v in values:
            i = index.get(key(v))
            out.append(i if i is not None else size + _fingerprint(_key_bytes(v)) % oov if oov else default)
        return out


@functools.lru_cache(maxsize=64)
def _index(vocabulary):
    return {v: i for i, v in enumerate(vocabulary)}


class Bucketize(_IdOp):
    """The bucket of each value among sorted `boundaries`: i where boundaries[i-1] <= v < boundaries[i]."""

    type = "Bucketize"

    def ids(op, values):
        return np.searchsorted(np.asarray(op.attrs["boundaries"], np.float64), values.astype(np.float64), "right")


class CrossHashed(OpDef):
    """TF's SparseCrossHashed on padded rows: for each example, every combination of one value from each input
    (all of a `dense` input's values, as TF crosses a dense feature; the others' without -1 or ''), in TF's order
    (sparse inputs before dense ones, each in the given order; the last varies fastest), hashed by FingerprintCat64 from
    `hash_key` (strings through Fingerprint64, integers as they are) modulo `num_buckets`; rows are padded
    with -1 to the longest."""

    type = "SparseCrossHashed"
    gradient = not_differentiable

    def infer(op):
        return [((None, None), dtypes.int64)]

    def kernel(op, ctx):
        to_host, to_dev = ctx.to_host, ctx.to_device
        n, key, dense = op.attrs["num_buckets"], op.attrs["hash_key"], op.attrs["dense"]

        def feature_hash(v):
            return _fingerprint(v) if isinstance(v, bytes) else int(v) & ((1 << 64) - 1)

        def cross(*inputs):
            inputs = [_host_values(to_host(x)) for x in inputs]
            inputs = [x.reshape(len(x), -1) for x in inputs]  # a dense [batch] feature: one value per row
            order = sorted(range(len(inputs)), key=lambda i: dense[i])  # TF: sparse inputs first, then dense
            inputs, flags = [inputs[i] for i in order], [dense[i] for i in order]
            rows = []
            for r in range(inputs[0].shape[0]):
                parts = [[feature_hash(v) for v in x[r] if d or (v != b"" and v != -1)]
                         for x, d in zip(inputs, flags)]
                rows.append([_crossed(key, combo) % n for combo in itertools.product(*parts)])
            out = np.full((len(rows), max(map(len, rows), default=0)), -1, np.int64)
            for r, row in enumerate(rows):
                out[r, :len(row)] = row
            return to_dev(out)
        return cross


def _ignored(x):
    return b"" if x.dtype.base_dtype == dtypes.string else -1


def string_to_hash_bucket_fast(x, num_buckets, name=None):
    """Ids in [0, num_buckets) of a string (or integer) tensor; '' (or -1) gives -1."""
    x = convert_to_tensor(x)
    return apply_op(StringToHashBucketFast, [x], {"num_buckets": int(num_buckets), "ignore": _ignored(x)},
                    name or "StringToHashBucketFast")


def lookup_ids(x, vocabulary, default_value=-1, num_oov_buckets=0, name=None):
    """Each value's position in `vocabulary` (a list of strings or ints)."""
    x = convert_to_tensor(x)
    vocabulary = tuple(v.encode() if isinstance(v, str) else v for v in vocabulary)
    return apply_op(LookupIds, [x], {"vocabulary": vocabulary, "default_value": int(default_value),
                                     "num_oov_buckets": int(num_oov_buckets), "ignore": _ignored(x)},
                    name or "hash_table_Lookup")


def bucketize(x, boundaries, name=None):
    """The bucket id of each value of a float or int tensor among sorted `boundaries` (len + 1 buckets)."""
    return apply_op(Bucketize, [convert_to_tensor(x)], {"boundaries": tuple(float(b) for b in boundaries),
                                                        "ignore": None}, name or "Bucketize")


def cross_hashed(inputs, num_buckets, hash_key=None, dense=None, name=None):
    """Hashed crosses of padded [batch, k_i] (or [batch]) inputs (strings or int64 ids): int64 [batch, ?], -1 pads.
    `dense[i]` says that every entry of input i is a value (a dense feature: '' and -1 are crossed too)."""
    return apply_op(CrossHashed, [convert_to_tensor(x) for x in inputs],
                    {"num_buckets": int(num_buckets), "hash_key": _DEFAULT_CROSS_KEY if hash_key is None
                     else int(hash_key), "dense": tuple(bool(d) for d in dense or [False] * len(inputs))},
                    name or "SparseCrossHashed")

