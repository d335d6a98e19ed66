"""`tf.graph_util` (freezing a graph for inference) and `tf.train.write_graph`, on GraphDef protobufs."""
from __future__ import annotations

import os

from google.protobuf import text_format

from ..summary.graph_def import MARKER, attr_value, datatype_enum
from .importer import _split, as_graph_def, import_graph_def  # noqa: F401 (tf.graph_util.import_graph_def)
from .meta_graph import _write
from .protos import GraphDef


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """TF's `tf.train.write_graph`: the GraphDef (of a Graph, or as given) written to `logdir/name`, as text
    (`.pbtxt`) or binary; returns the path. The folder is created when missing."""
    gd = graph_or_graph_def
    if hasattr(gd, "as_graph_def"):
        gd = gd.as_graph_def()
    gd = as_graph_def(gd)
    path = os.path.join(logdir, name)
    _write(path, text_format.MessageToString(gd).encode() if as_text else gd.SerializeToString())
    return path


def extract_sub_graph(graph_def, dest_nodes):
    """The nodes `dest_nodes` need (through data and control inputs), in the GraphDef's order."""
    if isinstance(dest_nodes, str):
        raise TypeError("dest_nodes must be a list.")
    gd = as_graph_def(graph_def)
    by_name = {n.name: n for n in gd.node}
    keep, stack = set(), list(dest_nodes)
    for name in dest_nodes:
        if name not in by_name:
            raise AssertionError(f"{name} is not in graph")
    while stack:
        name = stack.pop()
        if name in keep:
            continue
        keep.add(name)
        stack.extend(_split(i)[0] for i in by_name[name].input)
    out = GraphDef()
    out.versions.CopyFrom(gd.versions)
    out.node.extend(n for n in gd.node if n.name in keep)
    return out


def convert_variables_to_constants(sess, input_graph_def, output_node_names, variable_names_whitelist=None,
                                   variable_names_blacklist=None):
    """TF's freezing: the sub-graph that `output_node_names` need, with every variable in it replaced by a
    `Const` holding its value in `sess` (an inference graph without variables, e.g. for a `.pb` file)."""
    gd = extract_sub_graph(input_graph_def, output_node_names)
    names = [n.name for n in gd.node if n.op in ("VariableV2", "Variable")
             and (variable_names_whitelist is None or n.name in variable_names_whitelist)
             and (variable_names_blacklist is None or n.name not in variable_names_blacklist)]
    values = dict(zip(names, sess.run([f"{n}:0" for n in names]))) if names else {}
    out = GraphDef()
    out.versions.CopyFrom(gd.versions)
    for node in gd.node:
        new = out.node.add()
        if node.name not in values:
            new.CopyFrom(node)
            continue
        new.name, new.op, new.device = node.name, "Const", node.device
        new.attr["dtype"].type = datatype_enum(values[node.name].dtype)
        new.attr["value"].CopyFrom(attr_value(values[node.name], None))
        if MARKER in node.attr:
            new.attr[MARKER].list.SetInParent()
    from ..logging import info

    info("Froze %d variables.", len(values))
    return out


def remove_training_nodes(input_graph, protected_nodes=None):
    """TF's clean-up before inference: Identity and CheckNumerics nodes are spliced out (their consumers read
    their input), except those in `protected_nodes` and those something depends on by control."""
    gd = as_graph_def(input_graph)
    protected = set(protected_nodes or ())
    controlled = {i[1:] for n in gd.node for i in n.input if i.startswith("^")}
    splice = {n.name: n.input[0] for n in gd.node if n.op in ("Identity", "CheckNumerics") and n.input
              and n.name not in protected and n.name not in controlled and not n.input[0].startswith("^")}

    def resolve(inp):
        seen = set()
        while True:
            src, index, is_control = _split(inp)
            if src not in splice or index or src in seen:
                return inp
            seen.add(src)
            inp = ("^" + _split(splice[src])[0]) if is_control else splice[src]

    out = GraphDef()
    out.versions.CopyFrom(gd.versions)
    for node in gd.node:
        if node.name in splice:
            continue
        new = out.node.add()
        new.CopyFrom(node)
        del new.input[:]
        new.input.extend(resolve(i) for i in node.input)
    return out


def tensor_shape_from_node_def_name(graph, input_name):
    """The static shape of the tensor a NodeDef input names ("op", "op:1", "^op"), as TF's graph_util gives it to
    statistics functions (tf.profiler's flops)."""
    name = input_name.lstrip("^")
    return graph.get_tensor_by_name(name if ":" in name else name + ":0").get_shape()


_VARIABLE_OPS = frozenset(["Assign", "AssignAdd", "AssignSub", "Queue", "ScatterAdd", "ScatterSub", "ScatterUpdate",
                           "TruncatedNormal", "Variable", "VariableV2"])
_DTYPE_ATTR = {"Const": "dtype", "DynamicStitch": "T", "ParallelDynamicStitch": "T", "Cast": "SrcT"}


def must_run_on_cpu(node, pin_variables_on_cpu=False):
    """TF1's placement rule for an Operation or NodeDef: string/int32 constants, int32 dynamic stitches and casts
    from int32 (and, with `pin_variables_on_cpu`, variable ops) must run on the CPU."""
    op_type = node.type if hasattr(node, "graph") else node.op
    if pin_variables_on_cpu and op_type in _VARIABLE_OPS:
        return True
    attr = _DTYPE_ATTR.get(op_type)
    if attr is None:
        return False
    if hasattr(node, "graph"):  # an Operation: the dtype TF's attr holds
        dt = (node.inputs[0] if op_type == "Cast" else node.outputs[0]).dtype.base_dtype
        kind = datatype_enum(dt)
    else:
        kind = node.attr[attr].type
    return kind == 3 or (op_type == "Const" and kind == 7)  # DT_INT32; DT_STRING for constants
