"""TF 2.x control flow v2 in a GraphDef: `If`/`StatelessIf`, `While`/`StatelessWhile` and
`PartitionedCall`/`StatefulPartitionedCall`, whose branches, bodies and callees are FunctionDefs in the GraphDef's
`library`, imported as graphgrad's own `If` and `While` ops; and the TensorList ops of v2 loops as graphgrad's
TensorArray value.

TensorFlow 2.x writes `tf.cond` as one `If` node (inputs: the predicate, then the arguments both branch functions
take) and `tf.while_loop` as one `While` node (inputs: every loop variable, the tensors the body reads from outside
included, which the body passes through). A function is *instantiated*: its nodes are imported, under the name
scope `<node>/<part>/`, with its arguments standing for the node's inputs, by the same builders as any node (a
nested If or While inside is instantiated in turn). A branch is instantiated inside a graphgrad `Branch` and a
loop's condition and body inside a `LoopBody` whose `LoopVar`s are the arguments, so the If op (named after the
node) runs only the branch taken and the While op (named after the node, one output per loop variable) runs as
`tf.while_loop`'s does, with its gradient. A loop variable's static shape is TF's `output_shapes` attribute (the
shape invariant). A call is its function's nodes inlined.

A function node names its inputs `arg`, `node:output_arg:index` (the index within that output argument) or
`^node`; the output argument of a graphgrad op is found from TF's output argument names of the op types with
more than one (`_OUTPUT_ARGS`), any other op's index being its flat output index.

A TensorList is a value, as graphgrad's TensorArray: `TensorListSetItem` returns a new list, which is what
TensorArrayWriteV3 on a flow does, so each TensorList op is built as the TensorArray op on that flow.
"""
from __future__ import annotations

from tensorboardX.proto import attr_value_pb2, node_def_pb2, types_pb2

from ..framework.graph import get_default_graph
from ..framework.proto_messages import message_classes
from ..framework.tensor_shape import TensorShape
from ..ops import optional_ops, tensor_list_ops
from ..ops.control_flow_ops import _build_branch, make_if
from ..ops.core import apply_op, identity
from ..ops.tensor_array_ops import (
    TensorArrayGatherV3,
    TensorArrayReadV3,
    TensorArrayScatterV3,
    TensorArraySizeV3,
    TensorArrayV3,
    TensorArrayWriteV3,
)
from ..ops.while_ops import LoopBody, LoopVar, finish_loop

# TensorFlow's FunctionDefLibrary (core/framework/function.proto, op_def.proto), the parts the import reads; a
# GraphDef parsed with tensorboardX's classes keeps its `library` (field 2) as an unknown field, so the library is
# parsed from the GraphDef's bytes with `_WithLibrary`.
_MESSAGES = {
    "_WithLibrary": [("library", 2, ".FunctionDefLibrary", False)],
    "FunctionDefLibrary": [("function", 1, ".FunctionDef", True)],
    "FunctionDef": [("signature", 1, ".OpDef", False), ("node_def", 3, ".tensorboardX.NodeDef", True),
                    ("ret", 4, ".FunctionDef.RetEntry", True),
                    ("control_ret", 6, ".FunctionDef.ControlRetEntry", True)],
    "FunctionDef.RetEntry": [("key", 1, "string", False), ("value", 2, "string", False)],
    "FunctionDef.ControlRetEntry": [("key", 1, "string", False), ("value", 2, "string", False)],
    "OpDef": [("name", 1, "string", False), ("input_arg", 2, ".OpDef.ArgDef", True),
              ("output_arg", 3, ".OpDef.ArgDef", True)],
    "OpDef.ArgDef": [("name", 1, "string", False), ("type", 3, "enum:.tensorboardX.DataType", False)],
}
_C = message_classes("graphgrad/tf_function.proto", "graphgrad.tf", _MESSAGES,
                     [node_def_pb2, attr_value_pb2, types_pb2])

#: TF's output argument names of the op types with more than one output argument (each one tensor).
_OUTPUT_ARGS = {
    "Unique": ("y", "idx"), "TopKV2": ("values", "indices"), "ListDiff": ("out", "idx"),
    "SoftmaxCrossEntropyWithLogits": ("loss", "backprop"), "SparseSoftmaxCrossEntropyWithLogits": ("loss", "backprop"),
    "BroadcastGradientArgs": ("r0", "r1"), "Switch": ("output_false", "output_true"),
    "Merge": ("output", "value_index"),
    "FusedBatchNormV3": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2", "reserve_space_3"),
    "TensorListPopBack": ("output_handle", "tensor"),
    "FusedBatchNorm": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"),
    "FusedBatchNormV2": ("y", "batch_mean", "batch_variance", "reserve_space_1", "reserve_space_2"),
}


class Library:
    """The functions of one GraphDef's library, instantiated on request. `build(node, inputs)` builds one
    node as the importer builds any node (returning its op or `Outputs`)."""

    def __init__(self, graph_def, build):
        self.graph_def, self.build, self._functions = graph_def, build, None
        self.effects = []  # the control_ret ops of the last function instantiated

    @property
    def functions(self):
        """{name: FunctionDef}, parsed at the first call (most graphs call none)."""
        if self._functions is None:
            lib = _C["_WithLibrary"].FromString(self.graph_def.SerializeToString()).library
            self._functions = {f.signature.name: f for f in lib.function}
        return self._functions

    def call(self, b, attr, args, part):
        """The output tensors of the function named in node `b`'s attribute `attr`, instantiated on `args` under
        the name scope `<node>/<part>/`."""
        from .importer import _in_order

        name = b.node.attr[attr].func.name
        fdef = self.functions.get(name)
        if fdef is None:
            raise b.error(f"its function '{name}' ({attr}) is not in the GraphDef's library")
        sig = fdef.signature
        if len(sig.input_arg) != len(args):
            raise b.error(f"its function '{name}' takes {len(sig.input_arg)} arguments; it has {len(args)}")
        values = {a.name: t for a, t in zip(sig.input_arg, args)}
        outputs, ops = {}, {}

        def resolve(text):
            if text.startswith("^"):
                return ops[text[1:]]
            node, _, rest = text.partition(":")
            if not rest:
                return values[text]
            arg, _, index = rest.partition(":")
            names = _OUTPUT_ARGS.get(ops[node].type, ())
            flat = names.index(arg) + int(index or 0) if arg in names else int(index or 0)
            return outputs[node][flat]

        graph = get_default_graph()
        here = graph._scopes.name_stack
        with graph.name_scope(f"{here}/{b.name}/{part}/" if here else f"{b.name}/{part}/"):
            for node in _in_order(list(fdef.node_def), inputs=lambda n: [i.partition(":")[0] for i in n.input]):
                try:
                    inputs = [resolve(i) for i in node.input if not i.startswith("^")]
                    control = [resolve(i) for i in node.input if i.startswith("^")]
                except (KeyError, ValueError, IndexError):
                    raise b.error(f"the node '{node.name}' of its function '{name}' reads an input its function "
                                  f"does not have: {list(node.input)}") from None
                out = self.build(node, inputs)
                op = out.op if isinstance(out, Outputs) else out
                for c in control:
                    op._add_control_input(c)
                ops[node.name] = op
                outputs[node.name] = out.tensors if isinstance(out, Outputs) else op.outputs
            try:
                outs = [resolve(fdef.ret[a.name]) for a in sig.output_arg]
                effects = [ops[n] for n in fdef.control_ret.values()]
            except (KeyError, ValueError, IndexError):
                raise b.error(f"its function '{name}' returns what it does not compute") from None
            if effects:  # the stateful ops a function runs for their effect (control_ret) run before its results
                with graph.control_dependencies(effects):
                    outs = [identity(t, name="control_ret") for t in outs]
            self.effects = effects
            return outs


class Outputs:
    """What a node that imports as several ops (an inlined call) is: the op its control readers wait for and
    its output tensors."""

    def __init__(self, op, tensors):
        self.op, self.tensors = op, tensors


def _library(b):
    if getattr(b, "library", None) is None:
        raise b.error("it calls a function, and the graph has no function library")
    return b.library


def _if(b, tf):
    lib, graph = _library(b), get_default_graph()
    pred, args = b.input(0), b.inputs[1:]
    if pred.dtype.base_dtype != tf.bool:  # TF's If takes any scalar: nonzero is true
        pred = tf.not_equal(pred, tf.zeros_like(pred), name=b.name + "/pred")
    here = graph._scopes.name_stack
    full = f"{here}/{b.name}" if here else b.name
    then_b, _ = _build_branch(graph, lambda: lib.call(b, "then_branch", args, "then"), full, "true")
    else_b, _ = _build_branch(graph, lambda: lib.call(b, "else_branch", args, "else"), full, "false")
    for x, y in zip(then_b.outputs, else_b.outputs):
        if x.dtype.base_dtype != y.dtype.base_dtype:
            raise b.error(f"its branches return {x.dtype.base_dtype.name} and {y.dtype.base_dtype.name}")
    return make_if(pred, then_b, else_b, b.name)


def _while(b, tf):
    lib, graph = _library(b), get_default_graph()
    initial = list(b.inputs)
    shapes = b.attr("output_shapes") or [None] * len(initial)
    scopes = graph._scopes
    here = scopes.name_stack
    loop = LoopBody(f"{here}/{b.name}" if here else b.name, scopes.cond_stack[-1] if scopes.cond_stack else None)
    scopes.cond_stack.append(loop)
    outer_control, scopes.control_stack = scopes.control_stack, []
    first = len(graph._ops)
    try:
        loop.inner = []
        for value, shape in zip(initial, shapes):
            if shape is None or not value.shape.is_compatible_with(shape):
                dims = value.shape.dims_tuple
                shape = TensorShape(None if dims is None else [None] * len(dims))
            loop.inner.append(apply_op(LoopVar, [], {"shape": shape, "dtype": value.dtype.base_dtype},
                                       f"{b.name}/loop_var", graph=graph))
        (pred,) = lib.call(b, "cond", loop.inner, "cond")
        outs = lib.call(b, "body", loop.inner, "body")
        if len(outs) != len(initial):
            raise b.error(f"its body returns {len(outs)} values for {len(initial)} loop variables")
        for i, (out, var) in enumerate(zip(outs, loop.inner)):
            if out.dtype.base_dtype != var.dtype.base_dtype:
                raise b.error(f"its body returns {out.dtype.base_dtype.name} for loop variable {i} of type "
                              f"{var.dtype.base_dtype.name}")
        if pred.dtype.base_dtype != tf.bool:
            pred = tf.not_equal(pred, tf.zeros_like(pred))
    finally:
        scopes.cond_stack.pop()
        scopes.control_stack = outer_control
    loop_op, _ = finish_loop(graph, loop, initial, outs, pred, first,
                             parallel_iterations=b.attr("parallel_iterations", 10), name=b.name)
    return loop_op


def _call(b, tf):
    """The function's nodes inlined; waiting for the call (`^call`, or a call without outputs fetched) is
    waiting for its outputs and its stateful ops."""
    lib = _library(b)
    outs = lib.call(b, "f", b.inputs, "call")
    op = tf.no_op(name=b.name)
    for dep in dict.fromkeys([t.op for t in outs] + lib.effects):
        op._add_control_input(dep)
    return Outputs(op, outs)


# --- TensorLists: graphgrad's TensorArray value ----------------------------------------------------------------

def _element_shape(b, i):
    """The element shape a TensorList op's input i gives (-1: unknown; a -1 dimension: unknown)."""
    if i >= len(b.inputs):
        return TensorShape(None)
    try:
        shape = b.const(i)
    except ValueError:
        return TensorShape(None)
    if shape.ndim == 0:
        return TensorShape(None)
    return TensorShape([None if d < 0 else int(d) for d in shape.tolist()])


def _list_attrs(b, shape_input=None, dtype=None):
    shape = _element_shape(b, shape_input) if shape_input is not None else TensorShape(None)
    return {"dtype": dtype or b.attr("element_dtype"), "element_shape": shape, "dynamic_size": False,
            "infer_shape": True}


def _reserve(b, tf):
    return apply_op(TensorArrayV3, [b.input(1)], dict(_list_attrs(b, 0), tensor_array_name=""), b.name)


def _from_tensor(b, tf):
    value = b.input(0)
    attrs = _list_attrs(b, 1, value.dtype.base_dtype)
    size = tf.shape(value, out_type=tf.int32, name=b.name + "/shape")[0]
    empty = apply_op(TensorArrayV3, [size], dict(attrs, tensor_array_name=""), b.name + "/reserve")
    return apply_op(TensorArrayScatterV3, [empty, value], dict(attrs, unstack=True), b.name)


def _empty(b, tf):
    size = tf.constant(0, tf.int32, name=b.name + "/size")
    return apply_op(TensorArrayV3, [size], dict(_list_attrs(b, 0), dynamic_size=True, tensor_array_name=""), b.name)


def _push_back(b, tf):
    attrs = dict(_list_attrs(b, dtype=b.input(1).dtype.base_dtype), dynamic_size=True)
    size = apply_op(TensorArraySizeV3, [b.input(0)], {}, b.name + "/size")
    return apply_op(TensorArrayWriteV3, [b.input(0), size, b.input(1)], attrs, b.name)


#: TF op types that take TensorLists as well as tensors: the builder's key for a TensorList input.
ON_LISTS = {"AddN": "TensorListAddN", "ZerosLike": "TensorListZerosLike"}

BUILDERS = {
    "If": _if, "StatelessIf": _if, "While": _while, "StatelessWhile": _while,
    "PartitionedCall": _call, "StatefulPartitionedCall": _call,
    "TensorListReserve": _reserve,
    "TensorListFromTensor": _from_tensor,
    "TensorListSetItem": lambda b, tf: apply_op(TensorArrayWriteV3, b.inputs[:3], dict(
        _list_attrs(b, dtype=b.input(2).dtype.base_dtype), overwrite=True), b.name),
    "TensorListGetItem": lambda b, tf: apply_op(TensorArrayReadV3, b.inputs[:2], _list_attrs(b, 2), b.name),
    "TensorListStack": lambda b, tf: apply_op(TensorArrayGatherV3, [b.input(0)],
                                              dict(_list_attrs(b, 1), stack=True), b.name),
    "TensorListLength": lambda b, tf: apply_op(TensorArraySizeV3, [b.input(0)], {}, b.name),
    "TensorListPushBack": _push_back,
    "EmptyTensorList": _empty,
    "TensorListAddN": lambda b, tf: apply_op(tensor_list_ops.TensorListAddN, b.inputs, {}, b.name),
    "TensorListZerosLike": lambda b, tf: apply_op(tensor_list_ops.TensorListZerosLike, b.inputs, {}, b.name),
    "TensorListPopBack": lambda b, tf: apply_op(tensor_list_ops.TensorListPopBack, [b.input(0)], {
        "element_dtype": b.attr("element_dtype"), "element_shape": _element_shape(b, 1)}, b.name),
    "TensorListElementShape": lambda b, tf: apply_op(tensor_list_ops.TensorListElementShape, [b.input(0)],
                                                     {"shape_type": b.attr("shape_type")}, b.name),
    # the optionals of a v2 cond's gradient (ops/optional_ops.py)
    "OptionalFromValue": lambda b, tf: apply_op(optional_ops.OptionalFromValue, b.inputs, {}, b.name),
    "OptionalNone": lambda b, tf: apply_op(optional_ops.OptionalNone, [], {}, b.name),
    "OptionalHasValue": lambda b, tf: apply_op(optional_ops.OptionalHasValue, b.inputs, {}, b.name),
    "OptionalGetValue": lambda b, tf: apply_op(optional_ops.OptionalGetValue, b.inputs, {
        "output_types": b.attr("output_types"), "output_shapes": b.attr("output_shapes")}, b.name),
}
