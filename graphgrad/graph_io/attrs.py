"""AttrValue and TensorProto protobufs back to the Python values graphgrad's ops hold: the inverse of
summary/graph_def.py's `attr_value`, including its `graphgrad.*` kinds for values AttrValue has no field for."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..framework.dtypes import _DT_ENUM
from ..framework.tensor_shape import TensorShape
from ..ops.array_ops import _Ref

_DTYPES = {enum: dt for dt, enum in _DT_ENUM.items()}
#: TensorProto's typed value fields, by the dtypes they hold (what TensorFlow writes for small constants).
_VAL_FIELDS = {np.float32: "float_val", np.float64: "double_val", np.int32: "int_val", np.uint8: "int_val",
               np.int16: "int_val", np.int8: "int_val", np.int64: "int64_val", np.bool_: "bool_val",
               np.float16: "half_val", np.object_: "string_val"}


def dtype_from_enum(enum: int):
    """The dtype of a TensorFlow DataType enum value (a reference type, DT_FLOAT_REF = 101, gives its base)."""
    try:
        return _DTYPES[enum % 100]
    except KeyError:
        raise TypeError(f"Unsupported TensorFlow DataType {enum}") from None


def shape_from_proto(proto) -> TensorShape:
    if proto.unknown_rank:
        return TensorShape(None)
    return TensorShape([None if d.size < 0 else d.size for d in proto.dim])


def make_ndarray(proto) -> np.ndarray:
    """TF's `tf.make_ndarray`: the array a TensorProto holds. Fewer typed values than elements repeat the last
    one (TensorFlow writes a filled constant as one value)."""
    dt = dtype_from_enum(proto.dtype).np
    shape = tuple(d.size for d in proto.tensor_shape.dim)
    if proto.tensor_content:
        return np.frombuffer(proto.tensor_content, dt.newbyteorder("<")).astype(dt).reshape(shape)
    values = list(getattr(proto, _VAL_FIELDS[dt.type]))
    if dt == np.float16:
        values = np.array(values, np.uint16).view(np.float16)
    n = int(np.prod(shape))
    arr = np.empty(n, dt) if dt != np.object_ else np.empty(n, object)
    if n:
        if not len(values):
            arr[:] = b"" if dt == np.object_ else 0
        else:
            arr[:len(values)] = values[:n]
            arr[len(values):] = values[-1]
    return arr.reshape(shape)


def decode(av):
    """The Python value of an AttrValue (None when nothing is set)."""
    kind = av.WhichOneof("value")
    if kind is None:
        return None
    if kind == "list":
        return _decode_list(av.list)
    if kind == "func":
        return _decode_func(av.func)
    value = getattr(av, kind)
    if kind == "s":
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    if kind == "type":
        return dtype_from_enum(value)
    if kind == "shape":
        return shape_from_proto(value)
    if kind == "tensor":
        return make_ndarray(value)
    if kind == "placeholder":
        raise ValueError(f"Attribute placeholder ${value} is only valid inside a function definition")
    return value


def _decode_list(lst):
    for field, conv in (("s", lambda v: v.decode("utf-8")), ("i", int), ("f", float), ("b", bool),
                        ("type", dtype_from_enum), ("shape", shape_from_proto), ("tensor", make_ndarray)):
        items = getattr(lst, field)
        if len(items):
            return tuple(conv(v) for v in items)
    return ()


@dataclass(frozen=True)
class BranchRef:
    """A tf.cond branch as a GraphDef names it; the importer turns it into the graph's Branch object."""

    key: str
    name: str
    which: str
    parent: str | None
    outputs: tuple
    captures: tuple
    control: tuple


class UnserializableAttr(ValueError):
    """An attribute held a Python object that no GraphDef can carry (a function, a sub-graph)."""


def _decode_func(func):
    kind = func.name[len("graphgrad."):] if func.name.startswith("graphgrad.") else None
    a = {k: decode(v) for k, v in func.attr.items()}
    if kind == "tuple":
        return tuple(a[str(i)] for i in range(len(a)))
    if kind == "slice":
        return slice(a.get("start"), a.get("stop"), a.get("step"))
    if kind == "ellipsis":
        return Ellipsis
    if kind == "input":
        return _Ref(a["k"])
    if kind == "double":
        return float(a["value"])
    if kind == "branch":
        return BranchRef(**a)
    if kind == "python":
        raise UnserializableAttr(f"a Python object ({a['repr']})")
    raise ValueError(f"function-valued attribute {func.name!r}: TensorFlow functions are not supported")


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False, allow_broadcast=False):
    """TF's `tf.make_tensor_proto`: a TensorProto of `values` (Python floats as float32, ints as int32), of
    `shape` when given. Numbers whose count matches the shape go little-endian into `tensor_content`, strings
    into `string_val`; a single value for a larger shape is stored once in its typed field (TF's fill)."""
    from tensorboardX.proto import tensor_shape_pb2

    from ..framework.dtypes import as_dtype
    from ..ops.core import _infer_numpy
    from ..summary.summary_ops import tensor_proto

    arr = _infer_numpy(values, None if dtype is None else as_dtype(dtype).base_dtype)
    if dtype is not None and arr.dtype != as_dtype(dtype).base_dtype.np and arr.dtype.kind != "O":
        arr = arr.astype(as_dtype(dtype).base_dtype.np)
    if shape is None:
        return tensor_proto(arr)
    shape = [int(d) for d in shape]
    n = int(np.prod(shape))
    if arr.size == n:
        if verify_shape and list(arr.shape) != shape:
            raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, but got {arr.shape}.")
        return tensor_proto(arr.reshape(shape))
    if verify_shape or allow_broadcast and arr.size != 1:
        raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, but got {arr.shape}.")
    if arr.size > n:
        raise ValueError(f"Too many elements provided. Takes at most {n:d}, but got {arr.size:d}")
    proto = tensor_proto(arr.ravel()[:0])
    proto.tensor_shape.CopyFrom(tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in shape]))
    field = _VAL_FIELDS[arr.dtype.type]
    flat = arr.ravel().tolist()
    if arr.dtype == np.float16:
        flat = arr.ravel().view(np.uint16).tolist()
    getattr(proto, field).extend(flat)
    return proto
