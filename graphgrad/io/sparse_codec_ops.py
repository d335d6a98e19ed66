"""SparseTensors as strings: `tf.io.serialize_sparse` (one SparseTensor as 3 serialized TensorProtos: indices,
values, dense shape), `serialize_many_sparse` (a batch as one such row per minibatch entry, [N, 3]) and
`deserialize_many_sparse` (rows back into one SparseTensor batched along a new first dimension), byte for byte as
TensorFlow writes them, so queues and TFRecords of them interchange with TF (docs/sparse.md)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.op_def import OpDef, not_differentiable
from ..ops.core import apply_op, convert_to_tensor
from ..ops.sparse_ops import SparseTensor, sparse_tensor

__all__ = ["serialize_sparse", "serialize_many_sparse", "deserialize_many_sparse"]


def _protos(*arrays):
    """Each array as a serialized TensorProto with its values in `tensor_content` (TF's AsProtoTensorContent:
    strings as all their varint lengths, then all their bytes)."""
    from ..summary.summary_ops import _varint, tensor_proto

    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        proto = tensor_proto(a, include_content=a.dtype != object)
        if a.dtype == object:
            items = [x.encode() if isinstance(x, str) else bytes(x) for x in a.ravel().tolist()]
            proto.tensor_content = b"".join(_varint(len(x)) for x in items) + b"".join(items)
        out[i] = proto.SerializeToString()
    return out


def _strings(content, n):
    """The `n` strings of a string TensorProto's tensor_content."""
    from ..train.tf_bundle import _varint as read_varint

    lengths, pos = [], 0
    for _ in range(n):
        k, pos = read_varint(content, pos)
        lengths.append(k)
    out = np.empty(n, dtype=object)
    for i, k in enumerate(lengths):
        out[i], pos = content[pos:pos + k], pos + k
    return out


def _check_string(out_type):
    if dtypes.as_dtype(out_type) != dtypes.string:
        raise NotImplementedError("out_type=tf.variant: graphgrad serializes SparseTensors as strings only")


class SerializeSparse(OpDef):
    """SerializeSparse(indices, values, dense_shape) -> string [3]; SerializeManySparse -> string [N, 3], row i
    the SparseTensor of minibatch entry i (indices without their first column, in their order)."""

    type = "SerializeSparse"
    gradient = not_differentiable
    many = False

    def infer(op):
        return [((None, 3) if op.op_def.many else (3,), dtypes.string)]

    def kernel(op, ctx):
        to_host, many = ctx.to_host, op.op_def.many

        def serialize(indices, values, dense_shape):
            indices, values = np.asarray(to_host(indices), np.int64), np.asarray(to_host(values))
            shape = np.asarray(to_host(dense_shape), np.int64)
            if not many:
                return _protos(indices, values, shape)
            if shape.size == 0:
                raise op_error(errors.InvalidArgumentError, op, "SparseTensor must have rank at least 1")
            rows = np.empty((int(shape[0]), 3), dtype=object)
            for i in range(rows.shape[0]):
                mine = indices[:, 0] == i
                rows[i] = _protos(indices[mine][:, 1:], values[mine], shape[1:])
            return rows
        return serialize


class SerializeManySparse(SerializeSparse):
    type = "SerializeManySparse"
    many = True


class DeserializeManySparse(OpDef):
    """DeserializeManySparse(serialized [N, 3]; dtype) -> indices, values, dense_shape: entry i's indices get i in
    front, in the rows' order (not reordered, as TF); the dense shape is N and then each dimension's largest."""

    type = "DeserializeManySparse"
    gradient = not_differentiable

    def infer(op):
        rank = op.attrs["rank"]
        return [((None, rank), dtypes.int64), ((None,), op.attrs["dtype"]), ((rank,), dtypes.int64)]

    def kernel(op, ctx):
        from tensorboardX.proto import tensor_pb2

        from ..graph_io.attrs import dtype_from_enum, make_ndarray
        dtype, to_host, to_device = op.attrs["dtype"], ctx.to_host, ctx.to_device

        def parse(s):
            try:
                proto = tensor_pb2.TensorProto.FromString(s)
            except Exception:  # noqa: BLE001 -- any damage is TF's "Could not parse"
                raise op_error(errors.InvalidArgumentError, op, "Could not parse serialized sparse tensor") from None
            found = dtype_from_enum(proto.dtype)
            if found == dtypes.string and proto.tensor_content:
                shape = tuple(d.size for d in proto.tensor_shape.dim)
                return found, _strings(proto.tensor_content, int(np.prod(shape))).reshape(shape)
            return found, make_ndarray(proto)

        def deserialize(serialized):
            rows = np.asarray(to_host(serialized), dtype=object)
            if rows.ndim != 2 or rows.shape[1] != 3:
                raise op_error(errors.InvalidArgumentError, op, "Serialized sparse should be a matrix with 3 "
                                                                f"columns, got shape {list(rows.shape)}")
            indices, values, shapes = [], [], []
            for i, (ind, val, shp) in enumerate(rows):
                found, v = parse(val)
                if found != dtype:
                    raise op_error(errors.InvalidArgumentError, op,
                                   f"Requested SparseTensor of type {_tf_name(dtype)} but "
                                   f"SparseTensor[{i}].values.dtype() == {_tf_name(found)}")
                ind, shp = parse(ind)[1].astype(np.int64), parse(shp)[1].astype(np.int64)
                if shapes and len(shp) != len(shapes[0]):
                    raise op_error(errors.InvalidArgumentError, op, "Inconsistent shape across SparseTensors: "
                                                                    f"rank prior to SparseTensor[{i}] was: "
                                                                    f"{len(shapes[0]) + 1} but rank of "
                                                                    f"SparseTensor[{i}] is: {len(shp) + 1}")
                ind = ind.reshape(len(ind), len(shp))
                indices.append(np.concatenate([np.full((len(ind), 1), i, np.int64), ind], 1))
                values.append(v.reshape(-1))
                shapes.append(shp)
            rank = 1 + (len(shapes[0]) if shapes else 0)
            dense = np.array([len(rows), *np.max(shapes, axis=0)] if shapes else [0], np.int64)
            out_values = np.concatenate(values) if values else np.zeros(0, dtype.np)
            return [to_device(np.concatenate(indices) if indices else np.zeros((0, rank), np.int64)),
                    out_values if dtype == dtypes.string else to_device(out_values.astype(dtype.np)),
                    to_device(dense)]
        return deserialize


def serialize_sparse(sp_input, name=None, out_type=dtypes.string):
    """`tf.io.serialize_sparse`: a string [3], the serialized TensorProtos of indices, values and dense shape."""
    _check_string(out_type)
    sp = sparse_tensor(sp_input)
    return apply_op(SerializeSparse, list(sp), {}, name or "SerializeSparse")


def serialize_many_sparse(sp_input, name=None, out_type=dtypes.string):
    """`tf.io.serialize_many_sparse`: a string [N, 3], one `serialize_sparse` row per entry of the first
    dimension (of size N)."""
    _check_string(out_type)
    sp = sparse_tensor(sp_input)
    return apply_op(SerializeManySparse, list(sp), {}, name or "SerializeManySparse")


def deserialize_many_sparse(serialized_sparse, dtype, rank=None, name=None):
    """`tf.io.deserialize_many_sparse`: the SparseTensor of [N, 3] serialized rows, batched along a new first
    dimension; `rank` (the result's) makes the static shapes known."""
    x = convert_to_tensor(serialized_sparse, dtypes.string)
    dims = x.shape.dims_tuple
    if dims is not None and len(dims) != 2:
        raise ValueError(f"Shape must be rank 2 but is rank {len(dims)} for 'DeserializeManySparse' with input "
                         f"shapes: {list(dims)}.")
    return SparseTensor(*apply_op(DeserializeManySparse, [x], {"dtype": dtypes.as_dtype(dtype), "rank": rank},
                                  name or "DeserializeManySparse"))


def _tf_name(dtype):
    return {"float32": "float", "float64": "double"}.get(dtype.name, dtype.name)
