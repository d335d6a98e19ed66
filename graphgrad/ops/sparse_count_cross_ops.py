"""`tf.sparse.bincount` (TF's DenseCountSparseOutput / SparseCountSparseOutput), `tf.sparse.cross` and
`tf.sparse.cross_hashed` (TF's SparseCrossV2 / SparseCross: every combination of one value per input in each
row, as "a_X_b" strings or FingerprintCat64 hashes, categorical_ops.py's hashing) and `tf.sparse.mask` (an
IndexedSlices without some of its rows). Host kernels giving SparseTensors; not differentiable (TF: neither)."""
from __future__ import annotations

import itertools

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable
from .array_ops import gather
from .categorical_ops import _DEFAULT_CROSS_KEY, _crossed, _fingerprint, _host_values
from .core import apply_op, convert_to_tensor
from .indexed_slices import IndexedSlices
from .partition_ops import setdiff1d
from .sparse_ops import SparseTensor, SparseTensorValue

__all__ = ["bincount", "cross", "cross_hashed", "sparse_mask"]


class SparseBincount(OpDef):
    """(values[, indices, dense_shape][, weights]) -> indices, counts, dense_shape: counts of each value, of the
    whole input (`per_row` false) or of each row; attrs sparse, weighted, per_row, minlength, maxlength,
    binary_output."""

    type = "DenseCountSparseOutput"
    gradient = not_differentiable

    def infer(op):
        rank = 2 if op.attrs["per_row"] else 1
        dt = op.inputs[-1].dtype.base_dtype if op.attrs["weighted"] else op.inputs[0].dtype.base_dtype
        return [((None, rank), dtypes.int64), ((None,), dt), ((rank,), dtypes.int64)]

    def kernel(op, ctx):
        a, to_host, to_dev = op.attrs, ctx.to_host, ctx.to_device
        out_dtype = SparseBincount.infer(op)[1][1].np

        def count(*inputs):
            arrays = [np.asarray(to_host(x)) for x in inputs]
            values = arrays[0]
            weights = arrays[-1] if a["weighted"] else None
            if a["sparse"]:
                indices, shape = arrays[1].astype(np.int64), arrays[2].astype(np.int64)
                rows, nrows = indices[:, 0] if len(shape) > 1 else np.zeros(len(values), np.int64), \
                    int(shape[0]) if len(shape) > 1 else 1
            else:
                nrows = values.shape[0] if values.ndim > 1 else 1
                rows = np.repeat(np.arange(nrows), values.size // max(nrows, 1)) if values.ndim > 1 \
                    else np.zeros(values.size, np.int64)
                values = values.reshape(-1)
                weights = None if weights is None else weights.reshape(-1)
            if (values < 0).any():
                raise InvalidArgumentError(op.node_def, op, "Input contains negative values")
            size = max(int(values.max(initial=-1)) + 1, a["minlength"] or 0)
            if a["maxlength"] is not None and a["maxlength"] >= 0:
                size = min(size, a["maxlength"])
            keep = values < size
            rows = rows if a["per_row"] else np.zeros_like(rows)
            counts = {}
            for r, v, w in zip(rows[keep].tolist(), values[keep].tolist(),
                               (weights[keep].tolist() if weights is not None else itertools.repeat(1))):
                counts[(r, v)] = 1 if a["binary_output"] else counts.get((r, v), 0) + w
            keys = sorted(counts)
            idx = np.array(keys, np.int64).reshape(len(keys), 2)
            out_idx = idx if a["per_row"] else idx[:, 1:]
            dense = [nrows, size] if a["per_row"] else [size]
            return [to_dev(out_idx), to_dev(np.array([counts[k] for k in keys], out_dtype)),
                    to_dev(np.array(dense, np.int64))]
        return count


class SparseCountSparseOutput(SparseBincount):
    type = "SparseCountSparseOutput"


def bincount(values, weights=None, axis=0, minlength=None, maxlength=None, binary_output=False, name=None):
    """`tf.sparse.bincount`: a SparseTensor of how often each value occurs (weighted: the sum of its weights) in
    `values` (a dense tensor or a SparseTensor of non-negative ints), over everything (`axis=0`) or per row of a
    2-D input (`axis=-1`); `minlength` / `maxlength` bound the dense size, `binary_output` gives 1s."""
    if axis not in (0, -1):
        raise ValueError(f"Unsupported axis value {axis}. Only 0 and -1 are currently supported.")
    with name_scope(name, "count"):
        sparse = isinstance(values, (SparseTensor, SparseTensorValue))
        if sparse:
            sp = SparseTensor.from_value(values)
            inputs = [sp.values, sp.indices, sp.dense_shape]
            rank = sp.dense_shape.shape.dims_tuple[0] if sp.dense_shape.shape.dims_tuple else None
        else:
            x = convert_to_tensor(values, name="values")
            inputs, rank = [x], x.shape.ndims
        per_row = axis == -1 and rank != 1
        if weights is not None:
            w = weights.values if isinstance(weights, SparseTensor) else convert_to_tensor(weights, name="weights")
            inputs.append(w)
        attrs = {"sparse": sparse, "weighted": weights is not None, "per_row": per_row,
                 "minlength": None if minlength is None else int(minlength),
                 "maxlength": None if maxlength is None else int(maxlength), "binary_output": bool(binary_output)}
        op_def = SparseCountSparseOutput if sparse else SparseBincount
        return SparseTensor(*apply_op(op_def, inputs, attrs, op_def.type))


class SparseCross(OpDef):
    """SparseCrossV2 / SparseCross: inputs per feature (a SparseTensor's indices, values, shape, or a dense
    [batch, k] tensor; attrs `kinds`), in TF's order (sparse features first, the last varying fastest) ->
    indices, crossed values (strings joined by `separator`, or hashes), dense_shape [batch, most crosses]."""

    type = "SparseCrossV2"
    gradient = not_differentiable

    def infer(op):
        return [((None, 2), dtypes.int64), ((None,), dtypes.int64 if op.attrs["hashed"] else dtypes.string),
                ((2,), dtypes.int64)]

    def kernel(op, ctx):
        a, to_host, to_dev = op.attrs, ctx.to_host, ctx.to_device
        mod = a["num_buckets"] if a["num_buckets"] > 0 else (1 << 63) - 1

        def text(v):
            return v if isinstance(v, bytes) else str(int(v)).encode()

        def feature_hash(v):
            return _fingerprint(v) if isinstance(v, bytes) else int(v) & ((1 << 64) - 1)

        def cross(*flat):
            features, pos, batch = [], 0, None
            for kind in a["kinds"]:
                if kind == "sparse":
                    indices, values, shape = (_host_values(to_host(x)) for x in flat[pos:pos + 3])
                    pos += 3
                    n = int(shape[0])
                    rows = [[] for _ in range(n)]
                    for r, v in zip(np.asarray(indices)[:, 0].tolist(), values.tolist()):
                        rows[r].append(v)
                else:
                    x = _host_values(to_host(flat[pos]))
                    pos += 1
                    n = x.shape[0]
                    rows = x.reshape(n, -1).tolist()
                if batch is not None and n != batch:
                    raise InvalidArgumentError(op.node_def, op, f"Expected batch size {batch} got {n}")
                batch = n
                features.append(rows)
            out_rows = []
            for r in range(batch or 0):
                combos = itertools.product(*(f[r] for f in features))
                if a["hashed"]:
                    out_rows.append([_crossed(a["hash_key"], tuple(feature_hash(v) for v in c)) % mod
                                     for c in combos])
                else:
                    out_rows.append([a["separator"].join(text(v) for v in c) for c in combos])
            idx = [(r, j) for r, row in enumerate(out_rows) for j in range(len(row))]
            flat_values = [v for row in out_rows for v in row]
            if a["hashed"]:
                values = to_dev(np.array(flat_values, np.int64))
            else:
                values = np.empty(len(flat_values), dtype=object)
                values[:] = flat_values
            width = max((len(row) for row in out_rows), default=0)
            return [to_dev(np.array(idx, np.int64).reshape(len(idx), 2)), values,
                    to_dev(np.array([batch or 0, width], np.int64))]
        return cross


class SparseCrossHashed(SparseCross):
    type = "SparseCross"  # TF's hashed cross is the older op with hashed_output=True


def _cross(inputs, hashed, num_buckets, hash_key, separator, name, op_type):
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("Inputs must be a list")
    sparse = [SparseTensor.from_value(x) for x in inputs if isinstance(x, (SparseTensor, SparseTensorValue))]
    dense = [convert_to_tensor(x) for x in inputs if not isinstance(x, (SparseTensor, SparseTensorValue))]
    flat = [t for sp in sparse for t in (sp.indices, sp.values, sp.dense_shape)] + dense
    attrs = {"kinds": ["sparse"] * len(sparse) + ["dense"] * len(dense), "hashed": hashed,
             "num_buckets": int(num_buckets), "hash_key": _DEFAULT_CROSS_KEY if hash_key is None else int(hash_key),
             "separator": separator.encode() if isinstance(separator, str) else separator}
    return SparseTensor(*apply_op(SparseCrossHashed if hashed else SparseCross, flat, attrs, name or op_type))


def cross(inputs, name=None, separator=None):
    """`tf.sparse.cross`: a SparseTensor [batch, ?] of every combination of one value from each input per row
    (SparseTensors first, then dense [batch, k] tensors), joined by `separator` ("_X_")."""
    return _cross(inputs, False, 0, None, "_X_" if separator is None else separator, name, "SparseCrossV2")


def cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """`tf.sparse.cross_hashed`: the crosses as TF's FingerprintCat64 hashes (from `hash_key`) modulo
    `num_buckets` (0: modulo the largest int64)."""
    return _cross(inputs, True, num_buckets, hash_key, b"", name, "SparseCross")


def sparse_mask(a, mask_indices, name=None):
    """`tf.sparse.mask(a, mask_indices)`: the IndexedSlices `a` without its slices at `mask_indices`."""
    with name_scope(name, "sparse_mask", [a, mask_indices]) as scope:
        out_indices, to_gather = setdiff1d(a.indices, mask_indices)
        return IndexedSlices(gather(a.values, to_gather, name=scope), out_indices, a.dense_shape)
