"""Strings that hold other data, as `tf.io` decodes them: `decode_compressed` (ZLIB/GZIP), `decode_json_example`
(an Example written in protobuf's JSON form, to its binary form) and `serialize_tensor` / `parse_tensor` (a
tensor to and from a serialized TensorProto). Host ops on arrays of bytes, like ops/string_ops.py's; they live
here, above the ops, because they use the protobuf messages that summaries and graph files use."""
from __future__ import annotations

import gzip
import zlib

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.op_def import OpDef, not_differentiable
from ..ops.categorical_ops import _host_values
from ..ops.core import apply_op, convert_to_tensor
from ..ops.string_ops import _Elementwise, _string_input

__all__ = ["decode_compressed", "decode_json_example", "serialize_tensor", "parse_tensor"]


def _inflate(kind):
    if kind == "ZLIB":
        return zlib.decompress
    if kind == "GZIP":
        return gzip.decompress
    return bytes


class _DataLoss(ValueError):
    error_class = errors.DataLossError


class DecodeCompressed(_Elementwise):
    """DecodeCompressed(bytes; compression_type): each string inflated ('' leaves it as it is)."""

    type = "DecodeCompressed"

    def element(op):
        inflate = _inflate(op.attrs["compression_type"])

        def decode(s):
            try:
                return inflate(s)
            except (zlib.error, OSError, EOFError) as e:
                text = str(e).partition(": ")[2] or str(e)
                raise _DataLoss(f"inflate() failed with error -3: {text}") from None
        return decode


def decode_compressed(bytes, compression_type="", name=None):  # noqa: A002 -- TF's argument name
    """Each string decompressed: compression_type '' (none), 'ZLIB' or 'GZIP'."""
    if compression_type not in ("", "ZLIB", "GZIP"):
        raise ValueError(f"Only ZLIB, GZIP or no compression types are supported, got {compression_type!r}")
    return apply_op(DecodeCompressed, [_string_input(bytes, "bytes")], {"compression_type": compression_type},
                    name or "DecodeCompressed")


class DecodeJSONExample(_Elementwise):
    """DecodeJSONExample(json_examples): each tf.train.Example in protobuf's JSON form, as its binary form."""

    type = "DecodeJSONExample"

    def element(op):
        from google.protobuf import json_format

        from .example_pb import Example

        def decode(s):
            try:
                return json_format.Parse(s.decode("utf-8"), Example()).SerializeToString()
            except (json_format.ParseError, UnicodeDecodeError) as e:
                raise ValueError(f"Error while parsing JSON: {e}") from None
        return decode


def decode_json_example(json_examples, name=None):
    """Examples written as JSON (`{"features": {"feature": {"x": {"int64List": {"value": ["1"]}}}}}`) to the
    binary strings `parse_example` reads."""
    return apply_op(DecodeJSONExample, [_string_input(json_examples, "json_examples")], {},
                    name or "DecodeJSONExample")


class SerializeTensor(OpDef):
    """SerializeTensor(tensor): the tensor as a serialized TensorProto (a string scalar)."""

    type = "SerializeTensor"
    gradient = not_differentiable

    def infer(op):
        return [((), dtypes.string)]

    def kernel(op, ctx):
        from ..summary.summary_ops import tensor_proto

        def serialize(x):
            x = _host_values(ctx.to_host(x))
            return np.array(tensor_proto(x).SerializeToString(), dtype=object)
        return serialize


class ParseTensor(OpDef):
    """ParseTensor(serialized; out_type): the tensor a serialized TensorProto holds, which must be of out_type."""

    type = "ParseTensor"
    gradient = not_differentiable

    def infer(op):
        return [(None, op.attrs["out_type"])]

    def kernel(op, ctx):
        from tensorboardX.proto import tensor_pb2

        from ..graph_io.attrs import dtype_from_enum, make_ndarray
        out_type = op.attrs["out_type"]

        def parse(serialized):
            try:
                proto = tensor_pb2.TensorProto.FromString(_host_values(serialized).item())
                found = dtype_from_enum(proto.dtype)
            except Exception:  # noqa: BLE001 -- any damage is TF's "Could not parse"
                raise op_error(errors.InvalidArgumentError, op, "Could not parse `serialized` as TensorProto: "
                                                                f"'{_host_values(serialized).item()!r}'") from None
            if found != out_type:
                raise op_error(errors.InvalidArgumentError, op, "Type mismatch between parsed tensor "
                                                                f"({_tf_name(found)}) and dtype ({_tf_name(out_type)})")
            value = make_ndarray(proto)
            return value if out_type == dtypes.string else ctx.to_device(np.array(value))
        return parse


def _tf_name(dtype):
    return {"float32": "float", "float64": "double"}.get(dtype.name, dtype.name)


def serialize_tensor(tensor, name=None):
    """The tensor as one string: a serialized TensorProto, as TF writes it."""
    return apply_op(SerializeTensor, [convert_to_tensor(tensor)], {}, name or "SerializeTensor")


def parse_tensor(serialized, out_type, name=None):
    """The tensor of `out_type` that `serialize_tensor` wrote into `serialized`."""
    return apply_op(ParseTensor, [_string_input(serialized, "serialized")], {"out_type": dtypes.as_dtype(out_type)},
                    name or "ParseTensor")

