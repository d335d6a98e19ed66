"""`tf.io.decode_proto` / `tf.io.encode_proto`: fields of serialized protocol buffers as tensors and back, through
the protobuf runtime's descriptor pools (TF's DecodeProtoV2 / EncodeProto).

`descriptor_source` names where `message_type` is found: `"local://"` is the protobuf runtime's default pool (the
message classes imported in this process: TF's own protos are only there under their graphgrad/tensorboardX
names), `"bytes://<serialized FileDescriptorSet>"` or the path of a file holding one. decode gives `sizes`
[batch..., fields] int32 (how many values each field has in each message) and one tensor per field [batch...,
most values of that field in the batch], padded with the field's default; a message field comes back serialized.
Host ops over arrays of bytes, like string_codec_ops.py's.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.op_def import OpDef, not_differentiable, static_shape
from ..ops.categorical_ops import _host_values
from ..ops.core import apply_op, convert_to_tensor
from ..ops.string_ops import _string_input

__all__ = ["decode_proto", "encode_proto"]

_FD = None


def _field_types():
    """Field type name -> the output dtypes TF accepts for it (decode_proto_op.cc's CheckOutputType)."""
    global _FD
    if _FD is None:
        from google.protobuf.descriptor import FieldDescriptor as F

        d = dtypes
        _FD = F, {F.TYPE_DOUBLE: (d.float64,), F.TYPE_FLOAT: (d.float32, d.float64), F.TYPE_INT64: (d.int64,),
                  F.TYPE_UINT64: (d.uint64,), F.TYPE_INT32: (d.int32, d.int64), F.TYPE_FIXED64: (d.uint64,),
                  F.TYPE_FIXED32: (d.uint32, d.uint64), F.TYPE_BOOL: (d.bool_,), F.TYPE_STRING: (d.string,),
                  F.TYPE_GROUP: (d.string,), F.TYPE_MESSAGE: (d.string,), F.TYPE_BYTES: (d.string,),
                  F.TYPE_UINT32: (d.uint32, d.uint64), F.TYPE_ENUM: (d.int32,), F.TYPE_SFIXED32: (d.int32,),
                  F.TYPE_SFIXED64: (d.int64,), F.TYPE_SINT32: (d.int32,), F.TYPE_SINT64: (d.int64,)}
    return _FD


_TYPE_NAMES = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32", 8: "bool",
               9: "string", 10: "group", 11: "message", 12: "bytes", 13: "uint32", 14: "enum", 15: "sfixed32",
               16: "sfixed64", 17: "sint32", 18: "sint64"}


_DT_NAMES = {"float32": "FLOAT", "float64": "DOUBLE", "bool": "BOOL", "string": "STRING"}


def _message_class(op, source, message_type):
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    source = source if isinstance(source, bytes) else source.encode("latin-1")
    if source == b"local://":
        pool = descriptor_pool.Default()
    else:
        if source.startswith(b"bytes://"):
            data = source[len(b"bytes://"):]
        else:
            with open(source, "rb") as f:
                data = f.read()
        pool = descriptor_pool.DescriptorPool()
        for fdp in descriptor_pb2.FileDescriptorSet.FromString(data).file:
            pool.Add(fdp)
    try:
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(message_type))
    except KeyError:
        raise op_error(errors.InvalidArgumentError, op, f"No descriptor found for message type {message_type}") \
            from None


def _fields(op, cls, names, types):
    """The named fields' descriptors, each checked against its output dtype as TF checks them."""
    F, allowed = _field_types()
    if types is not None and len(names) != len(types):
        raise op_error(errors.InvalidArgumentError, op,
                       "field_names and output_types attributes must have the same length")
    out = []
    for i, name in enumerate(names):
        field = cls.DESCRIPTOR.fields_by_name.get(name)
        if field is None:
            raise op_error(errors.InvalidArgumentError, op,
                           f"Unknown field: {name} in message type {cls.DESCRIPTOR.full_name}")
        if types is not None and types[i] not in allowed[field.type]:
            dt = _DT_NAMES.get(types[i].name, types[i].name.upper())
            raise op_error(errors.InvalidArgumentError, op, f"Unexpected output type for {field.full_name}: "
                                                            f"{_TYPE_NAMES[field.type]} to DT_{dt}")
        out.append(field)
    return out


def _repeated(field):
    is_repeated = getattr(field, "is_repeated", None)  # protobuf >= 6 (label is gone from 7)
    return is_repeated if is_repeated is not None else field.label == field.LABEL_REPEATED


def _values(message, field):
    """A field's values in one message (a singular field that is not set has none)."""
    from google.protobuf.descriptor import FieldDescriptor as F

    if _repeated(field):
        values = list(getattr(message, field.name))
    else:
        values = [getattr(message, field.name)] if message.HasField(field.name) else []
    if field.type in (F.TYPE_MESSAGE, F.TYPE_GROUP):
        values = [v.SerializeToString() for v in values]
    elif field.type == F.TYPE_STRING:
        values = [v.encode() for v in values]
    return values


def _default(field):
    from google.protobuf.descriptor import FieldDescriptor as F

    if field.type in (F.TYPE_MESSAGE, F.TYPE_GROUP):
        return b""
    if _repeated(field):
        return b"" if field.type in (F.TYPE_STRING, F.TYPE_BYTES) else 0
    return field.default_value.encode() if field.type == F.TYPE_STRING else field.default_value


def _batch_shape(op):
    s = static_shape(op.inputs[0])
    return None if s is None else tuple(s)


class DecodeProtoV2(OpDef):
    """DecodeProtoV2(bytes; message_type, field_names, output_types, descriptor_source, message_format,
    sanitize): (sizes, *values) as the module says."""

    type = "DecodeProtoV2"
    gradient = not_differentiable

    def infer(op):
        batch = _batch_shape(op)
        n = len(op.attrs["field_names"])
        sizes = None if batch is None else batch + (n,)
        values = None if batch is None else batch + (None,)
        return [(sizes, dtypes.int32)] + [(values, t) for t in op.attrs["output_types"]]

    def kernel(op, ctx):
        from google.protobuf import message, text_format

        a = op.attrs
        cls = _message_class(op, a["descriptor_source"], a["message_type"])
        fields = _fields(op, cls, a["field_names"], a["output_types"])
        text = a["message_format"] == "text"

        def parse(raw):
            try:
                return text_format.Parse(raw.decode(), cls()) if text else cls.FromString(raw)
            except (message.DecodeError, text_format.ParseError, UnicodeDecodeError):
                raise op_error(errors.DataLossError, op, "Unable to parse binary protobuf" if not text else
                               "Unable to parse text protobuf") from None

        def decode(data):
            data = _host_values(ctx.to_host(data))
            parsed = [[_values(parse(raw), f) for f in fields] for raw in data.reshape(-1).tolist()]
            sizes = np.array([[len(v) for v in row] for row in parsed], np.int32).reshape(data.shape + (len(fields),))
            outs = [sizes]
            for i, (field, dt) in enumerate(zip(fields, a["output_types"])):
                width = int(sizes[..., i].max(initial=0))
                column = [row[i] + [_default(field)] * (width - len(row[i])) for row in parsed]
                np_dt = object if dt == dtypes.string else dt.as_numpy_dtype
                arr = np.empty((len(parsed), width), np_dt)
                for j, vals in enumerate(column):
                    arr[j, :] = vals
                outs.append(arr.reshape(data.shape + (width,)))
            return tuple(ctx.to_device(o) for o in outs)
        return decode


class EncodeProto(OpDef):
    """EncodeProto(sizes, *values; field_names, message_type, descriptor_source): one serialized message per batch
    element, field i holding the first sizes[..., i] entries of values[i]."""

    type = "EncodeProto"
    gradient = not_differentiable

    def infer(op):
        s = _batch_shape(op)
        return [(None if s is None else s[:-1], dtypes.string)]

    def kernel(op, ctx):
        from google.protobuf.descriptor import FieldDescriptor as F

        a = op.attrs
        cls = _message_class(op, a["descriptor_source"], a["message_type"])
        fields = _fields(op, cls, a["field_names"], None)

        def encode(sizes, *values):
            sizes = np.asarray(ctx.to_host(sizes))
            batch = sizes.shape[:-1]
            values = [_host_values(ctx.to_host(v)).reshape((-1, np.shape(v)[-1])) for v in values]
            out = np.empty(int(np.prod(batch, dtype=np.int64)), object)
            for j, row in enumerate(sizes.reshape(-1, len(fields))):
                m = cls()
                for field, n, vals in zip(fields, row.tolist(), values):
                    items = vals[j, :n].tolist()
                    if field.type in (F.TYPE_MESSAGE, F.TYPE_GROUP):
                        items = [field.message_type._concrete_class.FromString(b) for b in items]
                    if _repeated(field):
                        getattr(m, field.name).extend(items)
                    elif items and field.type in (F.TYPE_MESSAGE, F.TYPE_GROUP):
                        getattr(m, field.name).CopyFrom(items[0])
                    elif items:
                        setattr(m, field.name, items[0])
                out[j] = m.SerializeToString()
            return ctx.to_device(out.reshape(batch))
        return encode


def decode_proto(bytes, message_type, field_names, output_types, descriptor_source="local://",  # noqa: A002
                 message_format="binary", sanitize=False, name=None):
    """(sizes, values): the fields `field_names` of each serialized `message_type` in `bytes` (module docstring)."""
    if message_format not in ("binary", "text"):
        raise ValueError(f"message_format must be 'binary' or 'text', got {message_format!r}")
    attrs = {"message_type": message_type, "field_names": list(field_names),
             "output_types": [dtypes.as_dtype(t).base_dtype for t in output_types],
             "descriptor_source": descriptor_source, "message_format": message_format, "sanitize": bool(sanitize)}
    outs = apply_op(DecodeProtoV2, [_string_input(bytes, "bytes")], attrs, name or "DecodeProtoV2")
    return outs[0], list(outs[1:])


def encode_proto(sizes, values, field_names, message_type, descriptor_source="local://", name=None):
    """Serialized `message_type` messages from `sizes` [batch..., fields] and one values tensor per field."""
    inputs = [convert_to_tensor(sizes, dtypes.int32, name="sizes")] + [convert_to_tensor(v) for v in values]
    attrs = {"field_names": list(field_names), "message_type": message_type, "descriptor_source": descriptor_source,
             "Tinput_types": [v.dtype.base_dtype for v in inputs[1:]]}
    return apply_op(EncodeProto, inputs, attrs, name or "EncodeProto")
