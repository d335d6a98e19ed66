"""TF 1.x while loops in a GraphDef (Enter, Merge, Switch, LoopCond, NextIteration, Exit) imported as graphgrad's
own `While` ops (ops/while_ops.py), and the TensorArray ops the loops of `dynamic_rnn`, `tf.scan` and `tf.map_fn`
use.

TensorFlow 1.x (control flow v1) writes a loop as a *frame*: `Enter` (attr `frame_name`) brings each loop variable
and each outside tensor the loop reads (`is_constant`) into the frame; per loop variable a `Merge(Enter,
NextIteration)` is its value in the iteration, `LoopCond` the condition computed from the Merges, `Switch(Merge,
LoopCond)` sends the value on to the body (output 1, read by `Identity`) or out of the loop (output 0, read by
`Exit`), and `NextIteration` carries the body's result back to the Merge. Frames nest.

The import rebuilds each frame as the loop tf.while_loop builds, rather than running the frame's data flow: a
`LoopBody` in which each loop Merge (and its Switch's output 1) is a `LoopVar`, each constant Enter is the outside
tensor itself (a capture), the frame's other nodes are built as usual (a nested frame becomes a While op inside
it, a cond inside the body an If op, tf_cond.py), `LoopCond`'s input is the condition and the NextIterations'
inputs are the body's results. So an imported loop runs with the compiled plans, the gradient rule (tf.gradients
of an imported loop) and the error handling of graphgrad's own loops, and needs no dead-tensor or frame
bookkeeping in the runtime. The While op takes the LoopCond node's name; each Exit is an Identity of its output.
A loop variable's static shape inside the body keeps only its rank (TF's shape invariants are not in the
GraphDef). A TensorArray's handle and flow are both graphgrad's TensorArray value (ops/tensor_array_ops.py): the
ops read and write the flow input they are given.
"""
from __future__ import annotations

from ..framework.graph import get_default_graph
from ..framework.tensor_shape import TensorShape
from ..ops import stack_ops
from ..ops.check_ops import AssertOp
from ..ops.core import apply_op, identity
from ..ops.tensor_array_ops import (
    TensorArrayGatherV3,
    TensorArrayGradFlow,
    TensorArrayGradV3,
    TensorArrayReadV3,
    TensorArrayScatterV3,
    TensorArraySizeV3,
    TensorArrayV3,
    TensorArrayWriteV3,
)
from ..ops.while_ops import LoopBody, LoopVar, finish_loop
from .tf_cond import MERGES, SWITCHES, _split

ENTERS = ("Enter", "RefEnter")
EXITS = ("Exit", "RefExit")
NEXTS = ("NextIteration", "RefNextIteration")
_UNKNOWN = object()


def has_loops(nodes):
    return any(n.op in ENTERS or n.op in EXITS for n in nodes)


class Frame:
    """One loop frame of a GraphDef: its loop variables' nodes and every node computed in it."""

    def __init__(self, name, parent):
        self.name, self.parent = name, parent
        self.members = []   # the nodes whose output lives in the frame (inner frames' Exits included), in order
        self.loop_cond = None
        self.vars = []      # per loop variable: (Enter, Merge, Switch or None, NextIteration)
        self.exits = []     # the Exit nodes that leave it
        self.after = set()  # names of the nodes between a loop Switch's output 0 and an Exit: built after the loop
        self.built = False

    def depth(self):
        return 0 if self.parent is None else 1 + self.parent.depth()


class Frames:
    """The frames of one GraphDef (`nodes` in an order with every node after its inputs but for NextIteration
    back edges) and the import of each as a While op."""

    def __init__(self, nodes, error):
        self.by_name = {n.name: n for n in nodes}
        self.error = error
        self.frames, self.frame_of = {}, {}
        self._assign(nodes)
        self._exits = [n for n in nodes if n.op in EXITS]
        for node in nodes:
            frame = self.frame_of[node.name]
            if frame is not None:
                frame.members.append(node)
        for frame in self.frames.values():
            self._structure(frame)
        from .importer import _in_order

        position = {n.name: i for i, n in enumerate(_in_order(nodes, inputs=self._acyclic_inputs))}
        for frame in self.frames.values():
            frame.members.sort(key=lambda n: position[n.name])

    def extra_inputs(self):
        """{Exit name: its loop's nodes}: the whole loop is built at its first Exit, so everything any node of the
        loop reads must exist before each Exit."""
        out = {}
        for frame in self.frames.values():
            names = [n.name for n in frame.members]
            out.update({e.name: names for e in frame.exits})
        return out

    def _acyclic_inputs(self, node):
        """A node's inputs without a loop's back edges (NextIteration into Merge), and for an Exit also the
        NextIterations of its loop: in that order a frame's nodes come after their inputs, and an inner loop's
        Exit after everything its body reads."""
        names = [i for i in node.input if self.by_name.get(_split(i)[0]) is None
                 or self.by_name[_split(i)[0]].op not in NEXTS]
        if node.op in EXITS:
            frame = self.frame_of.get(_split(node.input[0])[0])
            names += [nxt.name for _, _, _, nxt in (frame.vars if frame is not None else ())]
        return names

    def _assign(self, nodes):
        """The frame each node's output lives in (None: top level): an Enter's is its frame_name's, an Exit's the
        parent of its input's, any other node's the innermost of its inputs'. A node whose only inputs are on a
        back edge (the condition read from a Merge) is known once the Merge is, hence the passes."""
        frame_of = dict.fromkeys(self.by_name, _UNKNOWN)
        for _ in range(len(nodes) + 1):
            changed = False
            for node in nodes:
                frame = self._frame(node, frame_of)
                if frame is not _UNKNOWN and frame_of[node.name] is not frame:
                    frame_of[node.name], changed = frame, True
            if not changed:
                break
        for node in nodes:
            if node.op in EXITS and frame_of[node.name] is _UNKNOWN:
                raise self.error(node, "an Exit that is not inside a while loop's frame")
        self.frame_of = {k: (None if v is _UNKNOWN else v) for k, v in frame_of.items()}

    def _frame(self, node, frame_of):
        srcs = [frame_of.get(_split(i)[0]) for i in node.input]
        known = [f for f in srcs if f is not _UNKNOWN]
        if srcs and not known:
            return _UNKNOWN
        inner = max(known, key=lambda f: -1 if f is None else f.depth(), default=None)
        if node.op in ENTERS:
            name = node.attr["frame_name"].s.decode()
            if name not in self.frames:
                self.frames[name] = Frame(name, inner)
            return self.frames[name]
        if node.op in EXITS:  # outside any frame: not yet known, or an error (see _assign)
            return _UNKNOWN if inner is None else inner.parent
        return inner

    def _structure(self, frame):
        members = {n.name for n in frame.members}
        for node in frame.members:
            if node.op == "LoopCond":
                if frame.loop_cond is not None:
                    raise self.error(node, f"a second LoopCond in the frame '{frame.name}'")
                frame.loop_cond = node
        switches = {}
        for node in frame.members:
            if node.op in SWITCHES and len(node.input) > 1 and frame.loop_cond is not None \
                    and _split(node.input[1])[0] == frame.loop_cond.name:
                switches[_split(node.input[0])[0]] = node
        frame.exits = [n for n in self._exits if self.frame_of.get(_split(n.input[0])[0]) is frame]
        for node in frame.members:
            if node.op not in MERGES:
                continue
            srcs = [self.by_name.get(_split(i)[0]) for i in node.input if not i.startswith("^")]
            nexts = [s for s in srcs if s is not None and s.op in NEXTS and s.name in members]
            if not nexts:
                continue  # a cond's Merge inside the body
            enters = [s for s in srcs if s is not None and s.op in ENTERS and s.name in members]
            if len(srcs) != 2 or len(enters) != 1:
                raise self.error(node, "a loop Merge that does not join one Enter and one NextIteration")
            frame.vars.append((enters[0], node, switches.get(node.name), nexts[0]))
        if frame.loop_cond is None or not frame.vars:
            node = frame.members[0] if frame.members else None
            raise self.error(node, f"the while loop frame '{frame.name}' has no LoopCond or no loop variables")
        # What an Exit reads through other ops than its Switch (TF's gradient of a loop variable's Enter: an Exit
        # of an Identity of a Switch's output 0) is computed from the loop's final values, after the loop.
        stack = [_split(e.input[0])[0] for e in frame.exits]
        while stack:
            name = stack.pop()
            node = self.by_name.get(name)
            if node is None or name not in members or name in frame.after or self.structural(node):
                continue
            frame.after.add(name)
            stack.extend(_split(i)[0] for i in node.input if not i.startswith("^"))

    def structural(self, node):
        """Whether `node` is one of a frame's own Enter, Merge, Switch, LoopCond or NextIteration nodes (built
        as part of the While op, not on their own)."""
        frame = self.frame_of.get(node.name)
        if node.op in ENTERS or node.op in NEXTS or node.op == "LoopCond":
            return True
        return frame is not None and any(node is m or node is s for _, m, s, _ in frame.vars)

    def loop_of_exit(self, node):
        """The frame an Exit node leaves."""
        return self.frame_of[_split(node.input[0])[0]]

    # --- building ----------------------------------------------------------------------------------------------
    def _next_value(self, nxt, resolve):
        """What a NextIteration carries to the next iteration; with control inputs (the StackPushV2s of a
        gradient's forward loop), an Identity of it that waits for them, so they run in every iteration."""
        value = resolve(nxt.input[0])
        control = [resolve(i) for i in nxt.input[1:] if i.startswith("^")]
        if value is None or not control:
            return value
        if any(c is None for c in control):
            raise self.error(nxt, "one of its control inputs was not imported")
        out = identity(value, name=nxt.name)
        for c in control:
            out.op._add_control_input(c)
        return out

    def build(self, frame, graph, scope, resolve, aliases, build_node, ops):
        """The While op of `frame` and an Identity named after each of its Exits (into `ops`).
        `build_node(node)` imports one node of the body the way the importer imports any node."""
        if frame.built:
            return
        initial = []
        for enter, _, _, _ in frame.vars:
            value = resolve(enter.input[0])
            if value is None:
                raise self.error(enter, f"its input '{_split(enter.input[0])[0]}' was not imported")
            initial.append(value)
        scopes = graph._scopes
        name = frame.name[:-len("/while_context")] if frame.name.endswith("/while_context") else frame.name
        loop = LoopBody(scope + name,
                        scopes.cond_stack[-1] if scopes.cond_stack else None)
        scopes.cond_stack.append(loop)
        outer_control, scopes.control_stack = scopes.control_stack, []
        first = len(graph._ops)
        try:
            loop.inner = []
            for (_, merge, switch, _), value in zip(frame.vars, initial):
                dims = value.shape.dims_tuple
                shape = TensorShape(None if dims is None else [None] * len(dims))
                var = apply_op(LoopVar, [], {"shape": shape, "dtype": value.dtype.base_dtype}, merge.name,
                               graph=graph)
                loop.inner.append(var)
                for name in (merge.name, *([switch.name] if switch is not None else [])):
                    aliases.update({f"{name}:0": var, f"{name}:1": var, f"^{name}": var.op})
            for node in frame.members:
                if node.op in ENTERS:
                    if node.attr["is_constant"].b and self.frame_of[node.name] is frame:
                        outside = resolve(node.input[0])
                        if outside is None:
                            raise self.error(node, f"its input '{_split(node.input[0])[0]}' was not imported")
                        aliases.update({f"{node.name}:0": outside, f"^{node.name}": outside.op})
                    continue
                if self.structural(node) or node.name in frame.after:
                    continue
                if node.op in EXITS:
                    self.build(self.loop_of_exit(node), graph, scope, resolve, aliases, build_node, ops)
                else:
                    build_node(node)
            pred = resolve(frame.loop_cond.input[0])
            outs = [self._next_value(nxt, resolve) for _, _, _, nxt in frame.vars]
            for (_, merge, _, nxt), out, var in zip(frame.vars, outs, loop.inner):
                if out is None:
                    raise self.error(nxt, f"its input '{_split(nxt.input[0])[0]}' was not imported")
                if out.dtype.base_dtype != var.dtype.base_dtype:
                    raise self.error(nxt, f"it carries {out.dtype.base_dtype.name} back to the loop variable "
                                          f"'{merge.name}' of type {var.dtype.base_dtype.name}")
            if pred is None:
                raise self.error(frame.loop_cond, "its condition was not imported")
        finally:
            scopes.cond_stack.pop()
            scopes.control_stack = outer_control
        loop_op, exits = finish_loop(graph, loop, initial, outs, pred, first, name=frame.loop_cond.name)
        for (_, merge, switch, _), out in zip(frame.vars, exits):  # after the loop: its final values
            aliases.update({f"{merge.name}:0": out, f"^{merge.name}": loop_op})
            if switch is not None:
                aliases.update({f"{switch.name}:0": out, f"^{switch.name}": loop_op})
                aliases.pop(f"{switch.name}:1")
        for node in frame.members:  # waiting for an op of the body (TF's tuple of both sides) is waiting for the loop
            if node.name not in frame.after:
                aliases[f"^{node.name}"] = loop_op
        for node in frame.members:
            if node.name in frame.after:
                build_node(node)
        for node in frame.exits:
            value = resolve(node.input[0])
            if value is None:
                raise self.error(node, f"its input '{node.input[0]}' is not computed when the loop ends")
            ops[node.name] = identity(value, name=node.name).op
        frame.built = True


# --- TensorArrays: handle and flow are both graphgrad's TensorArray value -----------------------------------------

#: {op type: {output index: the output of graphgrad's op it is}}: a TensorArrayV3's flow (1) is its handle (0).
ALIASED_OUTPUTS = {"TensorArrayV3": {1: 0}, "TensorArrayGradV3": {1: 0}}


def _array_attrs(b):
    """The attributes of the TensorArray whose handle is input 0: those of the TensorArrayV3 op it comes from."""
    src = b.input(0).op
    while src.type in ("Identity", "LoopVar") and src.inputs:
        src = src.inputs[0].op
    if src.type == "TensorArrayV3":
        return {k: src.attrs[k] for k in ("dtype", "element_shape", "dynamic_size", "infer_shape")}
    return {"dtype": b.attr("dtype"), "element_shape": TensorShape(None), "dynamic_size": False,
            "infer_shape": True}


def _gradient_array(b):
    src = b.input(0).op
    while src.type == "Identity" and src.inputs:
        src = src.inputs[0].op
    return src.type == "TensorArrayGradV3"


def _write(b, op_def, flow, *inputs):
    """A write or scatter: on a forward array the new array is the flow; a gradient array is written in place
    and the flow is TF's float (TensorArrayGradFlow)."""
    if not _gradient_array(b):
        return apply_op(op_def, [b.input(flow), *inputs], _array_attrs(b), b.name)
    array = apply_op(op_def, [b.input(0), *inputs], _array_attrs(b), b.name + "/gradient_array")
    return apply_op(TensorArrayGradFlow, [array], {}, b.name)


def _state(b, flow):
    """The input that holds the array's elements: the flow (input `flow`), but for a gradient array the handle
    TensorArrayGradV3 gives, since TF hands the gradient array the forward array's flow."""
    return b.input(0) if _gradient_array(b) else b.input(flow)


def _with_shape(attrs, b):
    shape = b.attr("element_shape")
    if shape is not None and shape.dims_tuple is not None:
        attrs = dict(attrs, element_shape=attrs["element_shape"].merge_with(shape))
    return attrs


def _tensor_array(b):
    return apply_op(TensorArrayV3, [b.input(0)], {
        "dtype": b.attr("dtype"), "element_shape": b.attr("element_shape", TensorShape(None)),
        "dynamic_size": b.attr("dynamic_size", False), "infer_shape": b.attr("identical_element_shapes", False),
        "tensor_array_name": b.attr("tensor_array_name", "")}, b.name)


def _split_op(b, tf):
    return tf.split(b.input(1), b.attr("num_split"), axis=int(b.const(0)), name=b.name)


def _all_any(b, fn):
    axis = b.const(1)
    return fn(b.input(0), axis=axis.tolist(), keepdims=b.attr("keep_dims", False), name=b.name)


def _stack(b, op_def, inputs, *attrs):
    stack = get_default_graph()._scopes.cond_stack
    if op_def in (stack_ops.StackPushV2, stack_ops.StackPopV2) and stack and not stack[-1].is_loop:
        # TF syncs such pushes and pops with ControlTriggers that run whether or not their branch ran
        raise b.error("a stack push or pop inside a cond's branch (the gradient of a tf.cond inside a "
                      "tf.while_loop) is not imported yet")
    return apply_op(op_def, inputs, {k: b.attr(k, d) for k, d in attrs}, b.name)


BUILDERS = {
    # the stacks of a loop's gradient (ops/stack_ops.py)
    "StackV2": lambda b, tf: _stack(b, stack_ops.StackV2, b.inputs, ("elem_type", None), ("stack_name", "")),
    "StackPushV2": lambda b, tf: _stack(b, stack_ops.StackPushV2, b.inputs, ("swap_memory", False)),
    "StackPopV2": lambda b, tf: _stack(b, stack_ops.StackPopV2, b.inputs, ("elem_type", None)),
    "StackCloseV2": lambda b, tf: _stack(b, stack_ops.StackCloseV2, b.inputs),
    "ControlTrigger": lambda b, tf: tf.no_op(name=b.name),
    "TensorArrayV3": lambda b, tf: _tensor_array(b),
    "TensorArrayWriteV3": lambda b, tf: _write(b, TensorArrayWriteV3, 3, b.input(1), b.input(2)),
    "TensorArrayReadV3": lambda b, tf: apply_op(TensorArrayReadV3, [_state(b, 2), b.input(1)], _array_attrs(b),
                                                b.name),
    "TensorArrayScatterV3": lambda b, tf: _write(b, TensorArrayScatterV3, 3, b.input(1), b.input(2)),
    "TensorArrayGatherV3": lambda b, tf: apply_op(TensorArrayGatherV3, [_state(b, 2), b.input(1)],
                                                  _with_shape(_array_attrs(b), b), b.name),
    "TensorArrayGradV3": lambda b, tf: apply_op(TensorArrayGradV3, b.inputs, {"source": b.attr("source", "")},
                                                b.name),
    "TensorArraySizeV3": lambda b, tf: apply_op(TensorArraySizeV3, [_state(b, 1)], {}, b.name),
    "Split": _split_op,
    "All": lambda b, tf: _all_any(b, tf.reduce_all),
    "Any": lambda b, tf: _all_any(b, tf.reduce_any),
    "Assert": lambda b, tf: apply_op(AssertOp, b.inputs, {"summarize": b.attr("summarize", 3)}, b.name),
}
