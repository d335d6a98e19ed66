"""A graphgrad Graph as a TensorFlow `GraphDef` protobuf, for TensorBoard's graph dashboard.

Every Operation becomes a NodeDef with TensorFlow's conventions: inputs named "op" (output 0), "op:1"
(output 1, ...) and "^op" (control input); element types as `dtype` (constants, placeholders, variables)
or `T` (everything else); `shape` for placeholders and variables; `value` for constants (values up to
`max_const_bytes`, larger ones keep only dtype and shape so a big embedded array does not bloat the
event file); and `_output_shapes`, which TensorBoard uses to label edges with tensor shapes. Other
attributes (transpose_a, validate_shape, ...) are written with the closest AttrValue kind, and Python values that
have none as a `func` naming their kind (`graphgrad.tuple`, `graphgrad.slice`, ...), so that graph_io/importer.py
rebuilds every attribute exactly; a value no protobuf can hold (a Python function, a sub-graph) is written as
`graphgrad.python` with its repr, which the importer refuses by name.
"""
from __future__ import annotations

import numpy as np
from tensorboardX.proto import attr_value_pb2, graph_pb2, node_def_pb2, tensor_shape_pb2, versions_pb2

from ..framework import dtypes
from ..framework.tensor_shape import TensorShape
from .summary_ops import tensor_proto

#: GraphDef producer version written into `versions` (TensorFlow 1.15 wrote 134; readers only log it).
PRODUCER_VERSION = 134
MAX_CONST_BYTES = 1 << 16

_DT_ENUM = {dtypes.float32: 1, dtypes.float64: 2, dtypes.int32: 3, dtypes.uint8: 4, dtypes.int16: 5,
            dtypes.int8: 6, dtypes.string: 7, dtypes.int64: 9, dtypes.bool_: 10, dtypes.float16: 19,
            dtypes.variant: 21, dtypes.complex64: 8, dtypes.complex128: 18}


def datatype_enum(dtype) -> int:
    """TensorFlow's DataType enum value of a dtype; reference dtypes add 100 (DT_FLOAT_REF = 101)."""
    dt = dtypes.as_dtype(dtype)
    return _DT_ENUM[dt.base_dtype] + (100 if dt.is_ref_dtype else 0)


def shape_proto(shape) -> tensor_shape_pb2.TensorShapeProto:
    """TensorShapeProto of a TensorShape / tuple: unknown dims are -1, unknown rank sets unknown_rank."""
    dims = shape.dims_tuple if isinstance(shape, TensorShape) else (None if shape is None else tuple(shape))
    if dims is None:
        return tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    return tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(
        size=-1 if d is None else int(d)) for d in dims])


def _func(kind, **attrs):
    A = attr_value_pb2.AttrValue
    av = A()
    av.func.name = f"graphgrad.{kind}"
    for key, value in attrs.items():
        av.func.attr[key].CopyFrom(value if isinstance(value, A) else attr_value(value))
    return av


def attr_value(value, max_const_bytes=MAX_CONST_BYTES):
    """The AttrValue of a Python attribute value: None is an AttrValue with nothing set."""
    A = attr_value_pb2.AttrValue
    if value is None:
        return A()
    if isinstance(value, (bool, np.bool_)):
        return A(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return A(i=int(value))
    if isinstance(value, (float, np.floating)):
        if float(np.float32(value)) == float(value) or not np.isfinite(value):
            return A(f=float(value))
        return _func("double", value=repr(float(value)))  # AttrValue.f is a float32
    if isinstance(value, str):
        return A(s=value.encode("utf-8"))
    if isinstance(value, bytes):
        return A(s=value)
    if isinstance(value, dtypes.DType):
        return A(type=datatype_enum(value))
    if isinstance(value, TensorShape):
        return A(shape=shape_proto(value))
    if isinstance(value, np.ndarray):
        try:
            return A(tensor=tensor_proto(value, include_content=max_const_bytes is None
                                         or value.nbytes <= max_const_bytes))
        except TypeError:
            pass
    elif isinstance(value, (list, tuple)):
        return _list_attr(list(value), max_const_bytes)
    elif isinstance(value, slice):
        return _func("slice", start=value.start, stop=value.stop, step=value.step)
    elif value is Ellipsis:
        return _func("ellipsis")
    elif type(value).__name__ == "_Ref":  # a strided slice's index read from its k-th input (ops/array_ops.py)
        return _func("input", k=value.k)
    elif type(value).__name__ == "Branch":  # a tf.cond branch (ops/control_flow_ops.py): its tensors by name
        return _func("branch", key=value.key, name=value.name, which=value.which,
                     parent=value.parent.key if value.parent is not None else None,
                     outputs=[t.name for t in value.outputs], captures=[t.name for t in value.captures],
                     control=[op.name for op in value.external_control])
    text = repr(value)
    return _func("python", repr=text if len(text) <= 200 else text[:197] + "...")


def _list_attr(items, max_const_bytes):
    A = attr_value_pb2.AttrValue
    lst = A.ListValue()
    if not items:
        pass
    elif all(isinstance(x, (bool, np.bool_)) for x in items):
        lst.b.extend(bool(x) for x in items)
    elif all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in items):
        lst.i.extend(int(x) for x in items)
    elif all(isinstance(x, (int, float, np.integer, np.floating)) for x in items):
        lst.f.extend(float(x) for x in items)
    elif all(isinstance(x, (str, bytes)) for x in items):
        lst.s.extend(x.encode("utf-8") if isinstance(x, str) else x for x in items)
    elif all(isinstance(x, dtypes.DType) for x in items):
        lst.type.extend(datatype_enum(x) for x in items)
    elif all(isinstance(x, TensorShape) for x in items):
        lst.shape.extend(shape_proto(x) for x in items)
    else:
        return _func("tuple", **{str(i): attr_value(x, max_const_bytes) for i, x in enumerate(items)})
    return A(list=lst)


def input_name(tensor) -> str:
    """TensorFlow's NodeDef input spelling: "op" for output 0, "op:i" otherwise."""
    return tensor.op.name if tensor.value_index == 0 else f"{tensor.op.name}:{tensor.value_index}"


#: Attribute of every node `Graph.as_graph_def()` writes: the node is graphgrad's own (its attributes are the op's,
#: not TensorFlow's), and its list names the attributes added only for TensorFlow's readers (`T`).
MARKER = "_graphgrad"
#: Attribute of a node built inside a tf.cond branch: the branch's key (`Branch.key`).
BRANCH = "_graphgrad_branch"


def node_def(op, add_shapes=True, max_const_bytes=MAX_CONST_BYTES, importable=False) -> node_def_pb2.NodeDef:
    node = node_def_pb2.NodeDef(name=op.name, op=op.type, device=op.device or "")
    node.input.extend(input_name(t) for t in op.inputs)
    node.input.extend("^" + c.name for c in op.control_inputs)
    for key, value in op.attrs.items():
        node.attr[key].CopyFrom(attr_value(value, max_const_bytes))
    if importable:
        node.attr[MARKER].list.SetInParent()
        if op._branch is not None:  # built in a tf.cond branch: runs only when it is taken
            branch = op._branch
            node.attr[BRANCH].s = (branch.key if type(branch).__name__ == "Branch" else repr(branch)).encode()
    if "dtype" not in node.attr and "T" not in node.attr:
        source = op.inputs[0] if op.inputs else (op.outputs[0] if op.outputs else None)
        if source is not None:
            node.attr["T"].type = datatype_enum(source.dtype.base_dtype)
            if importable:
                node.attr[MARKER].list.s.append(b"T")
    if add_shapes and op.outputs:
        node.attr["_output_shapes"].list.shape.extend(shape_proto(t.shape) for t in op.outputs)
    return node


def graph_to_graph_def(graph, add_shapes=True, max_const_bytes=MAX_CONST_BYTES, importable=False):
    """Every op of `graph`, in creation order, as a GraphDef protobuf. `importable` (what `Graph.as_graph_def()`
    asks for) writes constants whole and marks each node as graphgrad's, so that `tf.import_graph_def` rebuilds
    the graph exactly; TensorBoard's copy leaves big constants out."""
    gd = graph_pb2.GraphDef(versions=versions_pb2.VersionDef(producer=PRODUCER_VERSION))
    gd.node.extend(node_def(op, add_shapes, max_const_bytes, importable) for op in graph.get_operations())
    return gd
