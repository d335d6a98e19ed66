"""`tf.io.parse_example`, `parse_single_example`, `parse_single_sequence_example` and the feature
configurations `FixedLenFeature`, `VarLenFeature`, `FixedLenSequenceFeature`, `SparseFeature` (docs/data.md,
"TFRecord files").

The parsing is a graph op (ParseExample, ParseSequenceExample) whose kernel reads each serialized proto with the
protobuf classes of `example_pb` and lays the features out as TensorFlow does: a FixedLenFeature is a dense tensor
(its default_value where the feature is missing; no default and missing is an InvalidArgumentError naming the
key), a FixedLenSequenceFeature a dense tensor with one row per value group (padded with its default across a
batch), and a VarLenFeature a `tf.SparseTensor` (indices, values, dense_shape), in TF's output order: sparse keys
then dense keys, each group sorted by key.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from google.protobuf.message import DecodeError

from ..framework import dtypes, errors
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable
from ..framework.tensor_shape import TensorShape
from ..ops.core import apply_op, convert_to_tensor
from ..ops.sparse_ops import SparseTensor
from .example_pb import Example, SequenceExample

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "SparseFeature", "VarLenFeature", "parse_example",
           "parse_single_example", "parse_sequence_example", "parse_single_sequence_example"]


class FixedLenFeature(namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A feature with a fixed number of values: parsed to a dense tensor of `shape`."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class FixedLenSequenceFeature(namedtuple("FixedLenSequenceFeature",
                                         ["shape", "dtype", "allow_missing", "default_value"])):
    """A feature whose values are any number of groups of `shape`: parsed to a dense [groups, *shape] tensor."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class VarLenFeature(namedtuple("VarLenFeature", ["dtype"])):
    """A feature with any number of values: parsed to a SparseTensor."""


class SparseFeature(namedtuple("SparseFeature", ["index_key", "value_key", "dtype", "size", "already_sorted"])):
    """A SparseTensor stored as two features of each Example: its indices (int64, under `index_key`, or one key
    per dimension) and its values (under `value_key`); parsed to a SparseTensor of dense shape [batch, *size]."""

    def __new__(cls, index_key, value_key, dtype, size, already_sorted=False):
        return super().__new__(cls, index_key, value_key, dtypes.as_dtype(dtype), size, already_sorted)


_KIND = {dtypes.float32: "float_list", dtypes.int64: "int64_list", dtypes.string: "bytes_list"}
_TF_NAME = {"float_list": "float", "int64_list": "int64", "bytes_list": "string"}


def _dtype(dt, key):
    dt = dtypes.as_dtype(dt).base_dtype
    if dt not in _KIND:
        raise ValueError(f"Unsupported dtype {dt.name} for feature {key!r}: a feature is float32, int64 or string")
    return dt


def _np_dtype(dt):
    return object if dt == dtypes.string else dt.np


def _dims(shape, key):
    dims = TensorShape(shape).dims_tuple
    if dims is None or any(d is None for d in dims):
        raise ValueError(f"All dimensions of shape for feature {key} need to be known but received {shape}.")
    return tuple(dims)


def _default(value, dt, dims, key, exact=True):
    if value is None:
        return None
    arr = np.asarray(value, dtype=_np_dtype(dt))
    if dt == dtypes.string:
        arr = np.vectorize(lambda s: s.encode() if isinstance(s, str) else s, otypes=[object])(arr)
    if not exact:
        return arr.reshape(())
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"Cannot reshape a tensor with {arr.size} elements to shape {list(dims)} (default_value "
                         f"of feature {key!r})")
    return arr.reshape(dims)


class _Spec:
    """The parsed features of one parse op, sorted as TF sorts them."""

    def __init__(self, features, batched, what="features", sequence=False):
        """`sequence`: the feature lists of a SequenceExample, where a dense entry's default slot holds
        `allow_missing` (a missing list is then [0, *shape])."""
        if not features:
            raise ValueError(f"Missing: {what} was {features}.")
        self.sparse, self.dense = [], []
        for key in sorted(features):
            f = features[key]
            if isinstance(f, VarLenFeature):
                self.sparse.append((key, _dtype(f.dtype, key)))
            elif isinstance(f, FixedLenFeature) and sequence:
                raise ValueError(f"Feature list {key!r}: use FixedLenSequenceFeature or VarLenFeature")
            elif isinstance(f, FixedLenFeature):
                dt = _dtype(f.dtype, key)
                dims = _dims(f.shape, key)
                self.dense.append((key, dt, dims, _default(f.default_value, dt, dims, key), False))
            elif isinstance(f, FixedLenSequenceFeature):
                dt = _dtype(f.dtype, key)
                if batched and not f.allow_missing:
                    raise ValueError("Unsupported: FixedLenSequenceFeature requires allow_missing to be True.")
                dims = _dims(f.shape, key)
                default = bool(f.allow_missing) if sequence else _default(f.default_value, dt, dims, key, False)
                self.dense.append((key, dt, dims, default, True))
            else:
                raise ValueError(f"Invalid feature {key}:{f}.")

    def output_specs(self, lead):
        """[(shape, dtype)] of the outputs; `lead` the leading dims (() for one example, (None,) a batch)."""
        rank = len(lead) + 1
        out = [((None, rank), dtypes.int64) for _ in self.sparse]
        out += [((None,), dt) for _, dt in self.sparse]
        out += [((rank,), dtypes.int64) for _ in self.sparse]
        out += [(lead + ((None,) if seq else ()) + dims, dt) for _, dt, dims, _, seq in self.dense]
        return out

    def pack(self, outputs):
        n = len(self.sparse)
        result = {key: SparseTensor(outputs[i], outputs[n + i], outputs[2 * n + i])
                  for i, (key, _) in enumerate(self.sparse)}
        for j, (key, *_rest) in enumerate(self.dense):
            result[key] = outputs[3 * n + j]
        return result


def _values(feature, key, dt, op):
    """The values of one Feature message as an array of `dt` (empty for a Feature with no list)."""
    kind = feature.WhichOneof("kind")
    want = _KIND[dt]
    if kind is None:
        return np.zeros(0, dtype=_np_dtype(dt))
    if kind != want:
        raise errors.InvalidArgumentError(op.node_def, op, f"Key: {key}.  Data types don't match. Data type: "
                                                           f"{_TF_NAME[kind]} but expected type: {_TF_NAME[want]}")
    values = getattr(feature, kind).value
    if dt == dtypes.string:
        out = np.empty(len(values), dtype=object)
        out[:] = list(values)
        return out
    return np.array(values, dtype=dt.np)


def _dense(feature_map, key, dt, dims, default, seq, op, index):
    """One example's value of a dense feature (`seq`: [groups, *dims], [0, *dims] when missing). A Feature
    holding no list counts as missing, as in TF."""
    if key not in feature_map or feature_map[key].WhichOneof("kind") is None:
        if seq:
            return np.zeros((0, *dims), dtype=_np_dtype(dt))
        if default is None:
            raise errors.InvalidArgumentError(op.node_def, op, f"Feature: {key} (data type: {dt.name}) is required "
                                                               f"but could not be found.")
        return default
    values = _values(feature_map[key], key, dt, op)
    size = int(np.prod(dims))
    if seq:
        if size == 0 or values.size % size:
            raise errors.InvalidArgumentError(op.node_def, op, f"Key: {key}, Index: {index}.  Number of {dt.name} "
                                                               f"values is not a multiple of {size}.  Values "
                                                               f"size: {values.size}")
        return values.reshape((values.size // size, *dims))
    if values.size != size:
        raise errors.InvalidArgumentError(op.node_def, op, f"Key: {key}, Index: {index}.  Number of {dt.name} values "
                                                           f"!= expected.  Values size: {values.size} but output "
                                                           f"shape: {list(dims)}")
    return values.reshape(dims)


def _stack_groups(rows, dt, dims, default):
    """Sequence features of a batch: [batch, longest, *dims], short ones padded with `default` (or zeros)."""
    longest = max((r.shape[0] for r in rows), default=0)
    out = np.empty((len(rows), longest, *dims), dtype=_np_dtype(dt))
    out[...] = (b"" if dt == dtypes.string else 0) if default is None else default
    for i, r in enumerate(rows):
        out[i, :r.shape[0]] = r
    return out


def _sparse(lists, dt, batched):
    """indices, values, dense_shape of a VarLenFeature from each example's values (`batched=2`: each example's
    values per step, indices [example, step, position])."""
    if batched == 2:
        steps = max((len(e) for e in lists), default=0)
        longest = max((len(v) for e in lists for v in e), default=0)
        idx = [(b, t, j) for b, e in enumerate(lists) for t, v in enumerate(e) for j in range(len(v))]
        flat = [v for e in lists for v in e]
        _, values, _ = _sparse(flat, dt, True)
        return (np.array(idx, dtype=np.int64).reshape(len(idx), 3), values,
                np.array([len(lists), steps, longest], dtype=np.int64))
    longest = max((len(v) for v in lists), default=0)
    if batched:
        idx = [(b, j) for b, v in enumerate(lists) for j in range(len(v))]
        indices = np.array(idx, dtype=np.int64).reshape(len(idx), 2)
        shape = np.array([len(lists), longest], dtype=np.int64)
    else:
        indices = np.arange(longest, dtype=np.int64).reshape(longest, 1)
        shape = np.array([longest], dtype=np.int64)
    values = np.concatenate(lists) if lists else np.zeros(0)
    if dt == dtypes.string:
        flat = [x for v in lists for x in v]
        values = np.empty(len(flat), dtype=object)
        values[:] = flat
    else:
        values = values.astype(dt.np, copy=False)
    return indices, values, shape


def _sparse_outputs(spec, lists_of, batched):
    """The indices, then values, then dense shapes of `spec`'s VarLenFeatures, `lists_of(key, dt)` giving each
    example's (or each step's) values of one."""
    parts = [_sparse(lists_of(key, dt), dt, batched) for key, dt in spec.sparse]
    return [p[0] for p in parts] + [p[1] for p in parts] + [p[2] for p in parts]


def _missing_empty(feature_map, key, dt, op):
    return _values(feature_map[key], key, dt, op) if key in feature_map else np.zeros(0, _np_dtype(dt))


def _decode(cls, s, op):
    try:
        return cls.FromString(bytes(s))
    except (DecodeError, TypeError) as e:
        raise errors.InvalidArgumentError(op.node_def, op, f"Could not parse example input, value: '{s!r}'") from e


def _result(op, ctx, arrays, types):
    to_device = ctx.to_device
    out = [a if t == dtypes.string else to_device(a) for a, t in zip(arrays, types)]
    return out[0] if len(out) == 1 else out  # a one-output op's kernel returns its array


class ParseExample(OpDef):
    """ParseExample(serialized): attrs `spec` (a _Spec) and `batched` (a vector of Examples, or one)."""

    type = "ParseExample"
    gradient = not_differentiable

    def infer(op):
        batched = op.attrs["batched"]
        dims = op.inputs[0].shape.dims_tuple
        if dims is not None and len(dims) != (1 if batched else 0):
            raise ValueError(f"Shape must be rank {1 if batched else 0} but is rank {len(dims)} for "
                             f"'{op.name}' (serialized)")
        lead = ((dims[0] if dims else None),) if batched else ()
        return op.attrs["spec"].output_specs(lead)

    def kernel(op, ctx):
        spec, batched = op.attrs["spec"], op.attrs["batched"]
        types = [t for _, t in spec.output_specs((None,) if batched else ())]
        to_host = ctx.to_host

        def parse_example(serialized):
            arr = np.asarray(to_host(serialized), dtype=object)
            items = arr.ravel().tolist() if batched else [arr.item()]
            maps = [_decode(Example, s, op).features.feature for s in items]
            sparse = _sparse_outputs(spec, lambda key, dt: [_missing_empty(m, key, dt, op) for m in maps], batched)
            dense = []
            for key, dt, dims, default, seq in spec.dense:
                rows = [_dense(m, key, dt, dims, default, seq, op, b) for b, m in enumerate(maps)]
                if seq and batched:
                    dense.append(_stack_groups(rows, dt, dims, default))
                elif batched:
                    dense.append(np.stack(rows).astype(_np_dtype(dt), copy=False) if rows
                                 else np.zeros((0, *dims), dtype=_np_dtype(dt)))
                else:
                    dense.append(np.array(rows[0], dtype=_np_dtype(dt)))
            return _result(op, ctx, sparse + dense, types)
        return parse_example


def _parse(serialized, features, batched, name, default_name):
    sparse = {k: f for k, f in features.items() if isinstance(f, SparseFeature)}
    plain = {k: f for k, f in features.items() if k not in sparse}
    for f in sparse.values():  # parsed as VarLenFeatures, then merged (TF's sparse_merge)
        for key, dt in [*((k, dtypes.int64) for k in _index_keys(f)), (f.value_key, f.dtype)]:
            have = plain.setdefault(key, VarLenFeature(dt))
            if not isinstance(have, VarLenFeature) or dtypes.as_dtype(have.dtype) != dt:
                raise ValueError(f"Conflicting type for feature {key}: a SparseFeature needs VarLenFeature({dt!r}), "
                                 f"but {have} was given.")
    spec = _Spec(plain, batched)
    with name_scope(name or default_name):
        serialized = convert_to_tensor(serialized, dtypes.string)
        out = apply_op(ParseExample, [serialized], {"spec": spec, "batched": batched}, name="ParseExample")
        parsed = spec.pack(out if isinstance(out, list) else [out])
        merged = {k: _merge_sparse_feature(parsed, f) for k, f in sparse.items()}
    if not sparse:
        return parsed
    return {**{k: v for k, v in parsed.items() if k in features}, **merged}  # (TF's order: SparseFeatures last)


def _index_keys(feature):
    return [feature.index_key] if isinstance(feature.index_key, str) else list(feature.index_key)


def _merge_sparse_feature(parsed, feature):
    """The SparseTensor of a SparseFeature from its parsed index and value features: each value at [example,
    *indices] in a dense shape [batch, *size], in row-major order unless `already_sorted`."""
    from ..ops.array_ops import concat, expand_dims
    from ..ops.sparse_array_ops import sparse_reorder

    ids = [parsed[k] for k in _index_keys(feature)]
    sizes = [feature.size] if isinstance(feature.index_key, str) else list(feature.size)
    indices = concat([ids[0].indices[:, :-1], *(expand_dims(i.values, 1) for i in ids)], 1)
    shape = concat([ids[0].dense_shape[:-1], np.array(sizes, np.int64)], 0)
    result = SparseTensor(indices, parsed[feature.value_key].values, shape)
    return result if feature.already_sorted else sparse_reorder(result)


def parse_example(serialized, features, name=None, example_names=None):
    """`tf.io.parse_example(serialized, features)`: a vector of serialized Examples to a dict of tensors (dense
    ones [batch, *shape]; VarLen ones SparseTensors with [batch, position] indices)."""
    return _parse(serialized, features, True, name, "ParseExample")


def parse_single_example(serialized, features, name=None, example_names=None):
    """`tf.io.parse_single_example(serialized, features)` (TF1: `tf.parse_single_example`): one serialized
    Example (a scalar string) to a dict of tensors."""
    return _parse(serialized, features, False, name, "ParseSingleExample")


class ParseSequenceExample(OpDef):
    """ParseSequenceExample(serialized): one SequenceExample, or with attr `batched` a vector of them; attrs
    `context` and `sequence` (_Specs or None). Outputs: the context's (as ParseExample's), then the sequence's,
    whose features have one row per FeatureList entry (dense [steps, *shape]; VarLen indices [step, position]),
    batched: a leading example dimension, dense ones padded with zeros to the longest, then each dense feature
    list's length per example (int64 [batch])."""

    type = "ParseSequenceExample"
    gradient = not_differentiable

    def infer(op):
        ctx_spec, seq_spec, batched = op.attrs["context"], op.attrs["sequence"], op.attrs.get("batched", False)
        lead = (None,) if batched else ()
        out = ctx_spec.output_specs(lead) if ctx_spec else []
        if seq_spec:
            n, rank = len(seq_spec.sparse), 2 + len(lead)
            out += [((None, rank), dtypes.int64)] * n + [((None,), dt) for _, dt in seq_spec.sparse] + \
                [((rank,), dtypes.int64)] * n + [(lead + (None, *dims), dt) for _, dt, dims, _, _ in seq_spec.dense]
            if batched:
                out += [((None,), dtypes.int64)] * len(seq_spec.dense)
        return out

    def kernel(op, ctx):
        ctx_spec, seq_spec, batched = op.attrs["context"], op.attrs["sequence"], op.attrs.get("batched", False)
        types = [t for _, t in ParseSequenceExample.infer(op)]
        to_host = ctx.to_host

        def one(s):
            """(context VarLen values by key, context dense arrays, feature-list VarLen values per step by key,
            feature-list dense arrays [steps, *shape]) of one serialized SequenceExample."""
            ex = _decode(SequenceExample, s, op)
            m, lists = ex.context.feature, ex.feature_lists.feature_list
            ctx_sparse = {key: _missing_empty(m, key, dt, op) for key, dt in (ctx_spec.sparse if ctx_spec else ())}
            ctx_dense = [np.array(_dense(m, key, dt, dims, default, seq, op, 0), dtype=_np_dtype(dt))
                         for key, dt, dims, default, seq in (ctx_spec.dense if ctx_spec else ())]
            seq_sparse = {key: [_values(f, key, dt, op) for f in lists[key].feature] if key in lists else []
                          for key, dt in (seq_spec.sparse if seq_spec else ())}
            seq_dense = []
            for key, dt, dims, allow_missing, _seq in (seq_spec.dense if seq_spec else ()):
                if key not in lists:
                    if not allow_missing:
                        raise errors.InvalidArgumentError(
                            op.node_def, op, f"Name: <unknown>, Feature list '{key}' is required but could "
                                             f"not be found.  Did you mean to include it in "
                                             f"feature_list_dense_missing_assumed_empty or "
                                             f"feature_list_dense_defaults?")
                    seq_dense.append(np.zeros((0, *dims), dtype=_np_dtype(dt)))
                    continue
                rows = [_dense({key: f}, key, dt, dims, None, False, op, t) for t, f in enumerate(lists[key].feature)]
                seq_dense.append(np.stack(rows).astype(_np_dtype(dt), copy=False) if rows
                                 else np.zeros((0, *dims), dtype=_np_dtype(dt)))
            return ctx_sparse, ctx_dense, seq_sparse, seq_dense

        def parse_sequence_example(serialized):
            arr = np.asarray(to_host(serialized), dtype=object)
            parsed = [one(s) for s in (arr.ravel().tolist() if batched else [arr.item()])]
            out = []
            if ctx_spec:
                out += _sparse_outputs(ctx_spec, lambda key, dt: [p[0][key] for p in parsed], batched)
                out += [(np.stack([p[1][j] for p in parsed]) if parsed else np.zeros((0, *dims), _np_dtype(dt)))
                        if batched else parsed[0][1][j] for j, (_, dt, dims, _, _) in enumerate(ctx_spec.dense)]
            if seq_spec:
                if batched:
                    out += _sparse_outputs(seq_spec, lambda key, dt: [p[2][key] for p in parsed], 2)
                    out += [_stack_groups([p[3][j] for p in parsed], dt, dims, None)
                            for j, (_, dt, dims, _, _) in enumerate(seq_spec.dense)]
                    out += [np.array([p[3][j].shape[0] for p in parsed], np.int64)
                            for j in range(len(seq_spec.dense))]
                else:
                    out += _sparse_outputs(seq_spec, lambda key, dt: parsed[0][2][key], True)
                    out += parsed[0][3]
            return _result(op, ctx, out, types)
        return parse_sequence_example


def parse_sequence_example(serialized, context_features=None, sequence_features=None, example_names=None,
                           name=None):
    """`tf.io.parse_sequence_example`: a vector of SequenceExamples to (context dict, feature-list dict, lengths
    dict): context features [batch, ...], feature lists [batch, longest, *shape] padded with zeros (VarLen ones
    SparseTensors [batch, step, position]), and each dense feature list's number of steps per example."""
    ctx_spec, seq_spec = _sequence_specs(context_features, sequence_features, True)
    with name_scope(name or "ParseSequenceExample"):
        serialized = convert_to_tensor(serialized, dtypes.string)
        out = apply_op(ParseSequenceExample, [serialized], {"context": ctx_spec, "sequence": seq_spec,
                                                            "batched": True}, name="ParseSequenceExample")
    out = out if isinstance(out, list) else [out]
    k = len(ctx_spec.output_specs((None,))) if ctx_spec else 0
    n = len(seq_spec.output_specs((None,))) + k if seq_spec else k
    lengths = {key: t for (key, *_rest), t in zip(seq_spec.dense if seq_spec else (), out[n:])}
    return (ctx_spec.pack(out[:k]) if ctx_spec else {}), (seq_spec.pack(out[k:n]) if seq_spec else {}), lengths


def _sequence_specs(context_features, sequence_features, batched):
    if not context_features and not sequence_features:
        raise ValueError("Missing features.")
    ctx_spec = _Spec(context_features, batched, "context_features") if context_features else None
    seq_spec = _Spec(sequence_features, False, "sequence_features", True) if sequence_features else None
    if seq_spec and batched:
        for key, f in sequence_features.items():
            if isinstance(f, FixedLenSequenceFeature) and f.default_value is not None:
                raise ValueError(f"Value feature_list.dense_defaults[{key}] must be None")
    return ctx_spec, seq_spec


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None, example_name=None,
                                  name=None):
    """`tf.io.parse_single_sequence_example`: one SequenceExample to (context dict, sequence dict). Sequence
    features are FixedLenSequenceFeature (dense [steps, *shape]; a missing list is an error unless
    allow_missing) or VarLenFeature (SparseTensor [steps, longest])."""
    ctx_spec, seq_spec = _sequence_specs(context_features, sequence_features, False)
    with name_scope(name or "ParseSingleSequenceExample"):
        serialized = convert_to_tensor(serialized, dtypes.string)
        out = apply_op(ParseSequenceExample, [serialized], {"context": ctx_spec, "sequence": seq_spec},
                       name="ParseSequenceExample")
    out = out if isinstance(out, list) else [out]
    k = len(ctx_spec.output_specs(())) if ctx_spec else 0
    return (ctx_spec.pack(out[:k]) if ctx_spec else {}), (seq_spec.pack(out[k:]) if seq_spec else {})
