"""`tf.import_graph_def`: a GraphDef's nodes as ops of the default graph.

A node graphgrad wrote (marked `_graphgrad`, see summary/graph_def.py) is rebuilt from its op definition with its
own attributes, so a graphgrad graph comes back whole; a node TensorFlow wrote is built by tf_ops.py from
TensorFlow's op type and attributes. An op type neither knows is a ValueError naming the node and its type.
"""
from __future__ import annotations

import contextlib

import numpy as np

from ..framework import dtypes
from ..framework.graph import Operation, get_default_graph
from ..framework.op_def import OP_DEFS
from ..framework.tensor_shape import TensorShape
from ..ops.array_ops import get_static_value
from ..ops.control_flow_ops import Branch
from ..ops.core import convert_to_tensor, identity
from ..summary.graph_def import BRANCH, MARKER
from . import tf_cond, tf_functions, tf_ops, tf_while
from .attrs import BranchRef, UnserializableAttr, decode
from .protos import GraphDef

#: Attributes TensorFlow leaves out when they have their default (`strip_default_attrs`), as graphgrad's ops need.
_DEFAULTS = {"validate_shape": True, "transpose_a": False, "transpose_b": False, "axis": 0, "container": "",
             "shared_name": "", "use_locking": False, "use_nesterov": False, "update_slots": True, "alpha": 0.2,
             "out_type": None, "epsilon": 1e-4, "data_format": "NHWC", "is_training": True,
             "exponential_avg_factor": 1.0}
_IGNORED = {MARKER, BRANCH, "_output_shapes", "_class"}


def as_graph_def(graph_def):
    """A GraphDef of graphgrad's protobuf classes, from one of TensorFlow's own classes or bytes."""
    if isinstance(graph_def, GraphDef):
        return graph_def
    if isinstance(graph_def, (bytes, bytearray)):
        return GraphDef.FromString(bytes(graph_def))
    if hasattr(graph_def, "SerializeToString") and hasattr(graph_def, "node"):
        return GraphDef.FromString(graph_def.SerializeToString())
    raise TypeError(f"graph_def must be a GraphDef proto; got {type(graph_def).__name__}")


def _split(name):
    """('op', index, is_control) of a NodeDef input."""
    if name.startswith("^"):
        return name[1:], 0, True
    op, _, index = name.partition(":")
    return op, int(index or 0), False


def _in_order(nodes, extra=None, inputs=None):
    """The nodes with every node after its inputs and the `extra` inputs named for it (TensorFlow allows any
    order in a GraphDef); `inputs(node)`, when given, names the inputs to order by instead (a loop's without its
    back edges, tf_while.py)."""
    by_name = {n.name: n for n in nodes}
    extra = extra or {}
    inputs = inputs or (lambda node: list(node.input) + extra.get(node.name, []))
    order, state = [], {}
    for root in nodes:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                state[node.name] = 2
                order.append(node)
                continue
            if state.get(node.name):
                continue
            state[node.name] = 1
            stack.append((node, True))
            for inp in reversed(inputs(node)):
                dep = by_name.get(_split(inp)[0])
                if dep is not None and not state.get(dep.name):
                    stack.append((dep, False))
    return order


class _Builder:
    """What a tf_ops.py builder sees of one node: its resolved inputs, attributes and constant inputs."""

    def __init__(self, node, inputs, library=None):
        self.node, self.name, self.inputs = node, node.name, inputs
        self.library = library  # the GraphDef's functions (tf_functions.py)

    def input(self, i):
        return self.inputs[i]

    def attr(self, key, default=None):
        return decode(self.node.attr[key]) if key in self.node.attr else default

    def const(self, i):
        """The value of input i, which must be known while building (a constant, or computed from constants and
        static shapes: an axis, a shape, a slice's bounds, a permutation)."""
        op = self.inputs[i].op
        if op.type == "Const":
            return np.asarray(op.attrs["value"])
        value = get_static_value(self.inputs[i])
        if value is not None:
            return np.asarray(value)
        raise self.error(f"input {i} ({self.inputs[i].name}) must be a constant")

    def error(self, why):
        return ValueError(f"Cannot import node '{self.name}' (op: '{self.node.op}'): {why}")


class _Branches:
    """The tf.cond branches of one import, by key: made at their first mention (an op built inside one, or the
    If op that runs it) and filled in from the If op's attribute, which names their tensors."""

    def __init__(self, graph, scope):
        self.graph, self.scope, self.made = graph, scope, {}

    def get(self, key):
        """The branch of `key` ("cond/true"); one no If op defines stays empty, as in the graph written (a cond
        whose construction failed after building its branches)."""
        if key not in self.made:
            name, _, which = key.rpartition("/")
            self.made[key] = Branch(self.scope + name, None, which)
        return self.made[key]

    def define(self, ref: BranchRef):
        b = self.get(ref.key)
        find = self.graph.as_graph_element
        b.name, b.which = self.scope + ref.name, ref.which
        b.parent = self.get(ref.parent) if ref.parent is not None else None
        b.outputs = [find(self.scope + n) for n in ref.outputs]
        b.captures = [find(self.scope + n) for n in ref.captures]
        b.external_control = [find(self.scope + n) for n in ref.control]
        return b


#: Modules `import graphgrad` leaves for first use (graphgrad/__init__.py `__getattr__`) that define ops of their own
_LAZY_OP_MODULES = ("contrib", "estimator", "summary", "keras")


def _lazy_op_def(op_type):
    """The op `op_type` where one of the modules graphgrad imports on first use defines it (tf.contrib's tensor
    forest ops, the summaries): a graph holding it imports without the program having touched that module."""
    import importlib

    for name in _LAZY_OP_MODULES:
        importlib.import_module(f"graphgrad.{name}")
        if op_type in OP_DEFS:
            return OP_DEFS[op_type]
    return None


def _build(node, inputs, graph, module, branches, library=None):
    """The op of one node (created in the current name scope under the node's name), or the
    tf_functions.Outputs of a node that imports as several ops."""
    b = _Builder(node, inputs, library)
    if MARKER in node.attr:
        op_def = OP_DEFS.get(node.op) or _lazy_op_def(node.op)
        if op_def is None:
            raise b.error("graphgrad has no op of this type")
        added = {s.decode() for s in node.attr[MARKER].list.s}
        try:
            attrs = {k: decode(v) for k, v in node.attr.items() if k not in _IGNORED and k not in added}
        except UnserializableAttr as e:
            raise b.error(f"an attribute holds {e}, which a GraphDef cannot carry") from None
        attrs = {k: branches.define(v) if isinstance(v, BranchRef) else v for k, v in attrs.items()}
        op = graph.create_op(op_def, inputs, attrs, name=node.name)
        if BRANCH in node.attr:
            op._branch = branches.get(node.attr[BRANCH].s.decode())
        return op
    op_type = tf_ops.RESOURCE.get(node.op, node.op)
    if inputs and node.op in tf_functions.ON_LISTS and inputs[0].dtype.base_dtype == dtypes.variant:
        op_type = tf_functions.ON_LISTS[node.op]  # AddN or ZerosLike of TensorLists
    if op_type in tf_ops.SAME:
        attrs = {k: b.attr(k, _DEFAULTS.get(k)) for k in tf_ops.SAME[op_type]} | tf_ops.FIXED.get(op_type, {})
        if op_type == "Placeholder" and attrs["shape"] is None:
            attrs["shape"] = TensorShape(None)
        return graph.create_op(OP_DEFS[op_type], inputs, attrs, name=node.name)
    builder = tf_ops.BUILDERS.get(op_type) or tf_while.BUILDERS.get(op_type) or tf_functions.BUILDERS.get(op_type)
    if builder is None:
        raise b.error(f"graphgrad cannot build TensorFlow's op type '{node.op}'")
    out = builder(b, module)
    if isinstance(out, tf_functions.Outputs):
        return out
    op = out if isinstance(out, Operation) else (out[0] if isinstance(out, (list, tuple)) else out).op
    return op


def import_nodes(graph_def, input_map=None, name=None, skip=None, lenient=False, clear_devices=False):
    """Import `graph_def`'s nodes under scope `name` ('' for none); returns ({node name: op}, scope, skipped
    types). `skip(node)` leaves a node out; `lenient` leaves out TensorFlow nodes graphgrad cannot build and
    everything that needs them instead of raising."""
    import graphgrad as module

    graph_def = as_graph_def(graph_def)
    graph = get_default_graph()
    input_map = {(k if ":" in k or k.startswith("^") else k + ":0"): v for k, v in (input_map or {}).items()}
    unused = set(input_map)
    ops, skipped = {}, {}
    nodes = list(graph_def.node)
    aliases = {}  # "name:index" or "^name" of a node that imports as no op of its own (a Switch) -> what it is

    def resolve(inp):
        """The tensor (or, for "^name", the op) a NodeDef input names; None when it was not imported."""
        src, index, is_control = _split(inp)
        key = f"^{src}" if is_control else f"{src}:{index}"
        if key in input_map:
            unused.discard(key)
            value = input_map[key]
            return graph.as_graph_element(value) if is_control else convert_to_tensor(value)
        if key in aliases:
            return aliases[key]
        if src in ops:
            return ops[src] if is_control else ops[src].outputs[index]
        return None

    with graph.name_scope(name) as scope:
        branches = _Branches(graph, scope)
        library = tf_functions.Library(graph_def, lambda node, inputs: _in_function(
            node, inputs, graph, module, branches, library))
        conds = tf_cond.Conds(_in_order(nodes), scope, _node_error) if tf_cond.has_conds(nodes) else None
        frames = tf_while.Frames(_in_order(nodes), _node_error) if tf_while.has_loops(nodes) else None
        if conds is not None and frames is not None:
            conds.frame_of = frames.frame_of

        def build_node(node):
            if skip is not None and skip(node):
                return
            inputs, control, missing = [], [], None
            for inp in node.input:
                found = resolve(inp)
                if found is None:
                    missing = _split(inp)[0]
                    break
                (control if inp.startswith("^") else inputs).append(found)
            if missing is not None:
                if lenient and (missing in skipped or (skip is not None and missing not in ops)):
                    skipped[node.name] = node.op
                    return
                raise ValueError(f"Node '{node.name}': input '{missing}' is not in the GraphDef")
            if _exists(graph, scope + node.name):
                raise ValueError(f"Node '{scope + node.name}' already exists in the Graph (import under another "
                                 "name scope: name=None gives 'import')")
            if conds is not None and conds.is_switch(node):  # its readers read its input (see tf_cond.py)
                aliases.update({f"{node.name}:0": inputs[0], f"{node.name}:1": inputs[0],
                                f"^{node.name}": inputs[0].op})
                return
            try:
                with conds.opened(graph, node.name) if conds is not None else contextlib.nullcontext():
                    if conds is not None and conds.is_merge(node):
                        op = conds.merge(node, resolve, graph)
                    else:
                        op = _build(node, inputs, graph, module, branches, library)
                    if isinstance(op, tf_functions.Outputs):  # an inlined call: its outputs are other ops'
                        aliases.update({f"{node.name}:{i}": t for i, t in enumerate(op.tensors)})
                        op = op.op
                    expected = scope + node.name
                    if op.name != expected:  # a builder's helper op took the name: the node's name reads the result
                        op = identity(op.outputs[0], name=node.name).op
            except (TypeError, AttributeError, IndexError, KeyError) as e:  # a corrupt or hand-edited node
                raise ValueError(f"Node '{node.name}' (op: '{node.op}') does not hold what its op needs: "
                                 f"{type(e).__name__}: {e}") from e
            except ValueError:
                if lenient and MARKER not in node.attr and not _buildable(node):
                    skipped[node.name] = node.op
                    return
                raise
            for c in control:
                op._add_control_input(c)
            if not clear_devices and node.device:
                op.device = node.device
            ops[node.name] = op
            for index, other in tf_while.ALIASED_OUTPUTS.get(node.op, {}).items():
                aliases[f"{node.name}:{index}"] = op.outputs[other]

        extra = {**(conds.extra_inputs() if conds else {})}
        for k, v in (frames.extra_inputs() if frames else {}).items():
            extra[k] = extra.get(k, []) + v
        for node in _in_order(nodes, extra):
            if frames is None or (frames.frame_of[node.name] is None and node.op not in tf_while.EXITS):
                build_node(node)
            elif frames.frame_of[node.name] is None:  # the Exit of a loop at top level: the whole loop
                _build_loop(frames, node, graph, scope, resolve, aliases, build_node, ops, conds, lenient, skipped)
    if unused:
        raise ValueError(f"Attempted to map inputs that were not found in graph_def: [{', '.join(sorted(unused))}]")
    return ops, scope, skipped


def _build_loop(frames, exit_node, graph, scope, resolve, aliases, build_node, ops, conds, lenient, skipped):
    """The While op of the loop that `exit_node` leaves (tf_while.py), built in the cond branch the Exit is in;
    with `lenient`, a loop that cannot be built is left out with everything that reads its Exits."""
    frame = frames.loop_of_exit(exit_node)
    try:
        with conds.opened(graph, exit_node.name) if conds is not None else contextlib.nullcontext():
            frames.build(frame, graph, scope, resolve, aliases, build_node, ops)
    except ValueError:
        if not lenient:
            raise
        skipped.update({e.name: e.op for e in frame.exits})


def _in_function(node, inputs, graph, module, branches, library):
    """A node of a function being instantiated (tf_functions.py), built as a GraphDef's node is; its name is
    the node's in the function's name scope."""
    out = _build(node, inputs, graph, module, branches, library)
    if isinstance(out, tf_functions.Outputs):
        return out
    here = graph._scopes.name_stack
    if out.name != f"{here}/{node.name}":  # a builder's helper op took the name: the node's name reads the result
        out = identity(out.outputs[0], name=node.name).op
    return out


def _node_error(node, why):
    return ValueError(f"Cannot import node '{node.name}' (op: '{node.op}'): {why}")


def _exists(graph, name):
    try:
        graph.get_operation_by_name(name)
    except KeyError:
        return False
    return True


def _buildable(node):
    op_type = tf_ops.RESOURCE.get(node.op, node.op)
    return op_type in tf_ops.SAME or op_type in tf_ops.BUILDERS or op_type in tf_while.BUILDERS


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None, op_dict=None,
                     producer_op_list=None):
    """TF's `tf.import_graph_def`: add `graph_def`'s nodes to the default graph under `name` ("import" when
    None, no prefix when ""); `input_map` replaces inputs ("x:0" -> a tensor); returns the tensors ("op:0") and
    ops ("op") named in `return_elements`, or None."""
    ops, scope, _ = import_nodes(graph_def, input_map, "import" if name is None else name)
    if return_elements is None:
        return None
    out = []
    for element in return_elements:
        src, index, _ = _split(element)
        if src not in ops:
            raise ValueError(f"Requested return_element {element!r} not found in graph_def.")
        out.append(ops[src].outputs[index] if ":" in element else ops[src])
    return out

