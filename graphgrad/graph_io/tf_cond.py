"""TF 1.x's tf.cond in a GraphDef (Switch, Merge and the ops between them) imported as graphgrad's `If` ops.

TensorFlow 1.x writes a cond as data flow: `Switch(x, pred)` forwards x to output 1 when pred is true and to
output 0 otherwise (the other output is *dead*, and so is every op that reads it), and `Merge` forwards the one
input that is alive. Its gradient is written the same way (a Merge's gradient is a Switch, a Switch's a Merge).
graphgrad runs a cond as one `If` op over two `Branch`es (ops/control_flow_ops.py), so the import finds them:

- the *context* of a tensor is the list of (predicate, side) pairs of the Switch outputs it depends on, less
  those a Merge resolved: Switch output b adds (pred, b), a Merge drops its last pair;
- the Merges of one cond (one name scope, one predicate, one context) become one `If` whose outputs they are;
  its branch b holds the ops of context `outer + (pred, b)` that its Merges need, and runs them only when taken;
- a Switch becomes nothing: its readers read its input, which the branch captures from outside.

An op of one branch that a later cond also needs (the forward ops a gradient's branch reads) is recomputed
there, which graphgrad's `If` supports. Merges' second output (`value_index`) is not imported: import_graph_def
names the node. TF 1.x loops (Enter, Exit, NextIteration, LoopCond and the Switches and Merges of a loop) are not
conds: tf_while.py imports them, and a cond inside a loop's body is built inside the loop's body.
"""
from __future__ import annotations

import contextlib

from ..ops.control_flow_ops import Branch, _detach_external_control, make_if
from ..ops.core import identity

SWITCHES = ("Switch", "RefSwitch")
MERGES = ("Merge", "RefMerge")
LOOP_OPS = ("Enter", "RefEnter", "Exit", "RefExit", "NextIteration", "RefNextIteration", "LoopCond")


def _split(name):
    if name.startswith("^"):
        return name[1:], 0, True
    op, _, index = name.partition(":")
    return op, int(index or 0), False


def has_conds(nodes):
    return any(n.op in SWITCHES or n.op in MERGES for n in nodes)


class _Cond:
    """The Merges of one cond and what the import made of it."""

    def __init__(self, pred, outer):
        self.pred, self.outer, self.merges = pred, outer, []
        self.branches, self.if_op = {}, None


class Conds:
    """The conds of one GraphDef: which node belongs to which branch, and the `If` op of each cond."""

    def __init__(self, nodes, scope, error):
        """`nodes` in an order with every node after its inputs."""
        self.by_name = {n.name: n for n in nodes}
        self.scope, self.error = scope, error
        self.out_ctx, self.node_ctx = {}, {}  # (name, port) -> context; name -> context of its non-Switch use
        self.conds, self.cond_of = [], {}  # cond of each Merge
        self.claims = {}  # node name -> (cond, side)
        self.built = {}  # Branch -> the ops built in it
        self._enclosing = None  # the loop body (or branch) being built when a branch is made
        self.frame_of = {}  # node name -> its while loop frame (tf_while.Frames), set by the importer
        self.loop_nodes = self._loop_nodes(nodes)
        for node in nodes:
            self._context(node)
        self._claim()

    def _loop_nodes(self, nodes):
        """A while loop's own Switches and Merges (and its Enter, Exit, NextIteration, LoopCond): not conds
        (tf_while.py builds them)."""
        out = {n.name for n in nodes if n.op in LOOP_OPS}
        for n in nodes:
            src = [self.by_name.get(_split(i)[0]) for i in n.input]
            nexts = any(s is not None and s.op in ("NextIteration", "RefNextIteration") for s in src)
            loop_pred = len(src) > 1 and src[1] is not None and src[1].op == "LoopCond"
            if (n.op in MERGES and nexts) or (n.op in SWITCHES and loop_pred):
                out.add(n.name)
        return out

    # --- contexts --------------------------------------------------------------------------------------------
    def _pred_key(self, name):
        """A predicate's source tensor, through the Identities TF puts between (`cond/pred_id`)."""
        src, index, _ = _split(name)
        node = self.by_name.get(src)
        while node is not None and node.op == "Identity" and index == 0:
            src, index, _ = _split(node.input[0])
            node = self.by_name.get(src)
        return f"{src}:{index}"

    def _input_ctx(self, name):
        src, index, control = _split(name)
        if control or self.by_name.get(src) is None or self.by_name[src].op not in SWITCHES or src in self.loop_nodes:
            return self.node_ctx.get(src, ())
        return self.out_ctx.get((src, index), ())

    def _context(self, node):
        inputs = [self._input_ctx(i) for i in node.input]
        if node.name in self.loop_nodes:
            self.node_ctx[node.name] = max(inputs, key=len, default=())
            return
        if node.op in MERGES:
            data = [c for i, c in zip(node.input, inputs) if not i.startswith("^")]
            if not data or any(not c for c in data):
                raise self.error(node, "a Merge whose inputs are not all inside a cond's branches")
            outer, pred = data[0][:-1], data[0][-1][0]
            if any(c[:-1] != outer or c[-1][0] != pred for c in data) or len({c[-1][1] for c in data}) != len(data):
                raise self.error(node, "a Merge that does not join the two branches of one cond")
            inputs = [outer] + [c for i, c in zip(node.input, inputs) if i.startswith("^")]
            key = (node.name.rpartition("/")[0], pred, outer)
            if key not in self.cond_of:
                self.cond_of[key] = _Cond(pred, outer)
                self.conds.append(self.cond_of[key])
            self.cond_of[node.name] = cond = self.cond_of[key]
            cond.merges.append(node)
        ctx = max(inputs, key=len, default=())
        self.node_ctx[node.name] = ctx
        if node.op in SWITCHES:
            pred = self._pred_key(node.input[1])
            for side in (0, 1):
                self.out_ctx[(node.name, side)] = ctx + ((pred, side),)

    # --- branches --------------------------------------------------------------------------------------------
    def _side_inputs(self, merge, cond):
        """{side: the Merge input of that side}."""
        out = {}
        for name in merge.input:
            if not name.startswith("^"):
                out[self._input_ctx(name)[-1][1]] = name
        return out

    def _claim(self):
        """Give each op inside a branch to the first cond (in graph order) whose Merges need it in that branch;
        an op no Merge needs goes to the first cond of its context."""
        first = {}
        for cond in self.conds:
            for side in (0, 1):
                target = cond.outer + ((cond.pred, side),)
                first.setdefault(target, (cond, side))
                stack = [self._side_inputs(m, cond)[side] for m in cond.merges if side in self._side_inputs(m, cond)]
                seen = set()
                while stack:
                    src = _split(stack.pop())[0]
                    node = self.by_name.get(src)
                    if node is None or src in seen or self.node_ctx[src][:len(target)] != target:
                        continue
                    seen.add(src)
                    if self.node_ctx[src] == target and not self.is_switch(node):
                        self.claims.setdefault(src, (cond, side))
                    stack.extend(node.input)
        for name, ctx in self.node_ctx.items():
            if ctx and name not in self.claims and not self.is_switch(self.by_name[name]) and ctx in first:
                self.claims[name] = first[ctx]
        for node in self.by_name.values():
            for name in node.input:
                src, index, control = _split(name)
                if not control and index == 1 and src in self.by_name and self.is_merge(self.by_name[src]):
                    raise self.error(node, f"it reads the value_index output of the Merge '{src}'")

    def extra_inputs(self):
        """{Merge name: the inputs of its cond's other Merges}: they must all exist before the cond's If."""
        out = {}
        for cond in self.conds:
            names = [i for m in cond.merges for i in m.input if not i.startswith("^")]
            for m in cond.merges:
                out[m.name] = names
        return out

    def branch(self, name):
        """The Branch the node `name` is built in, or None at top level (or directly in its loop's body: a cond
        of another loop frame, as a gradient's cond reading a forward loop, does not hold the node)."""
        claim = self.claims.get(name)
        if claim is None or self.frame_of.get(name) is not self.frame_of.get(claim[0].merges[0].name):
            return None
        return self._branch(*claim)

    def _branch(self, cond, side):
        if side not in cond.branches:
            parent = self.branch(cond.merges[0].name) or self._enclosing
            cond.branches[side] = Branch(self.scope + cond.merges[0].name, parent, ("false", "true")[side])
        return cond.branches[side]

    # --- building --------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def opened(self, graph, name):
        """Ops created inside belong to the branch of node `name` (if it is in one)."""
        stack = graph._scopes.cond_stack
        self._enclosing = stack[-1] if stack else None  # a cond inside an imported loop's body is built in it
        branch = self.branch(name)
        if branch is None or (self._enclosing is not None and self._enclosing.encloses(branch)):
            yield  # not in a branch, or in a loop that the branch holds (tf_while.py): built in the loop
            return
        first = len(graph._ops)
        graph._scopes.cond_stack.append(branch)
        try:
            yield
        finally:
            graph._scopes.cond_stack.pop()
            self.built.setdefault(branch, []).extend(graph._ops[first:])

    def is_switch(self, node):
        return node.op in SWITCHES and node.name not in self.loop_nodes

    def is_merge(self, node):
        return node.op in MERGES and node.name not in self.loop_nodes

    def merge(self, node, resolve, graph):
        """The op a Merge node imports as: its cond's If (built at the cond's first Merge, named after it), or
        an Identity of the If's output for the cond's other Merges."""
        cond = self.cond_of[node.name]
        if cond.if_op is None:
            then_b, else_b = self._branch(cond, 1), self._branch(cond, 0)
            for side, b in ((1, then_b), (0, else_b)):
                b.outputs = [resolve(self._side_inputs(m, cond)[side]) for m in cond.merges]
                b.external_control = _detach_external_control(self.built.get(b, []), b)
                b.find_captures()
            cond.if_op = make_if(resolve(cond.pred), then_b, else_b, node.name)
            return cond.if_op
        return identity(cond.if_op.outputs[cond.merges.index(node)], name=node.name).op
