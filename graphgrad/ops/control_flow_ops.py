"""`tf.cond`: run one of two branches, chosen at run time, and differentiate through the one taken.

TensorFlow 1.x builds a cond from Switch and Merge ops spread over the graph. graphgrad builds it as one op, `If`
(TensorFlow 2's functional form), whose inputs are the predicate and the tensors the branches capture from
outside, and whose kernel runs the plan of the branch taken: each branch is compiled like a `Session.run` of its
outputs with the captured tensors fed, so only the taken branch's ops run (its prints and assignments included)
and the plan of the enclosing run stays straight-line code. The output is named as TensorFlow 1.x names it
(`cond/Merge:0`).

Ops built inside a branch belong to it: they run only through the branch's `If`. The gradient of an `If` is an
`If` over the gradients of the two branches, which recomputes what the branch computed (a branch's values do not
outlive its run); gradients of gradients work the same way.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import Operation, Tensor, get_default_graph, name_scope
from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor
from .tensor_array_ops import TensorArray, zeros_for

__all__ = ["cond", "case"]

class Branch:
    """One branch of a cond while it is built and afterwards: its outputs and the outside tensors it reads.
    A loop's body is a Branch too (`is_loop`, ops/while_ops.py)."""

    is_loop = False

    def __init__(self, name, parent, which=""):
        self.name, self.parent, self.which = name, parent, which
        self.outputs: list[Tensor] = []
        self.captures: list[Tensor] = []
        self.external_control: list[Operation] = []  # outside ops the branch's ops waited for; the If takes them

    def encloses(self, other) -> bool:
        """Whether `other` is this branch or one it is built inside (its ops' values exist when this runs)."""
        b = self
        while b is not None:
            if b is other:
                return True
            b = b.parent
        return False

    def find_captures(self):
        """The tensors the outputs need from outside the branch: produced at top level, or in a branch that
        encloses this one. Ops of other branches (a gradient's cond recomputing its forward branch) are part
        of this branch's computation, so the walk goes through them."""
        seen, captures = set(), {}
        stack = [t.op for t in self.outputs if not self._outside(t.op)]
        for t in self.outputs:
            if self._outside(t.op):
                captures[t] = None
        while stack:
            op = stack.pop()
            if op in seen:
                continue
            seen.add(op)
            for t in op.inputs:
                if self._outside(t.op):
                    captures[t] = None
                elif t.op not in seen:
                    stack.append(t.op)
            stack.extend(c for c in op.control_inputs if not self._outside(c) and c not in seen)
        self.captures = list(captures)

    def _outside(self, op: Operation) -> bool:
        """Whether `op`'s value comes into this branch from outside (a capture) rather than being computed in
        it. A loop body computes only its own ops, everything else is a capture; a cond branch also computes
        the ops of other conds' branches it reaches (a gradient's cond recomputing its forward branch), but not
        the ops of a loop body (their values exist only inside their loop, one per iteration)."""
        b = op._branch
        if b is None or (b is not self and self.encloses(b)):
            return True
        if self.is_loop:
            return not b.encloses(self)
        return b.is_loop

    @property
    def key(self) -> str:
        """The branch's name in a GraphDef: the cond's scope and which branch ("cond/true")."""
        return f"{self.name}/{self.which}"

    def __repr__(self):  # what an If op's attributes show (errors)
        return f"<branch {self.name}: outputs {[t.name for t in self.outputs]}>"


class If(OpDef):
    """If(pred, *captures): the outputs of `then` when pred is true, else those of `else`; attrs `then` and
    `else` are the two Branch objects. Stateful: never folded, merged or removed, and never captured into a CUDA
    graph (which branch runs depends on a value)."""

    type = "If"
    stateful = True
    host_control = True

    def infer(op):
        a, b = op.attrs["then"].outputs, op.attrs["else"].outputs
        return [(_merge_shapes(static_shape(x), static_shape(y)), x.dtype.base_dtype) for x, y in zip(a, b)]

    def kernel(op, ctx):
        branches = [ctx.subplan(b.outputs, b.captures) for b in (op.attrs["then"], op.attrs["else"])]
        where = {t: i for i, t in enumerate(op.inputs[1:])}
        positions = [[where[t] for t in b.captures] for b in (op.attrs["then"], op.attrs["else"])]
        single = len(op.outputs) == 1

        def run_if(pred, *captured):
            k = 0 if pred else 1
            out = branches[k]([captured[i] for i in positions[k]])
            return out[0] if single else out
        return run_if

    def gradient(op, *dys):
        from ..autodiff import _backpropagatable, gradients

        pred, captures = op.inputs[0], op.inputs[1:]
        wrt = [c for c in captures if _backpropagatable(c)]
        grads = [None] * len(op.inputs)
        if not wrt:
            return grads
        flowing = [(i, dy if dy is not None else zeros_for(t)) for i, (dy, t) in enumerate(zip(dys, op.outputs))
                   if _backpropagatable(t)]

        def branch_gradient(branch):
            def fn():
                outs = [branch.outputs[i] for i, _ in flowing]
                # each capture is a leaf of the branch: a capture computed outside from another one (`x` and
                # `x[0]`) gets only its own part, and the outside walk carries it on to the other, once
                gs = (gradients(outs, wrt, grad_ys=[dy for _, dy in flowing], stop_gradients=wrt) if outs
                      else [None] * len(wrt))
                return [convert_to_tensor(g) if g is not None else zeros_for(x) for g, x in zip(gs, wrt)]
            return fn

        result = cond(pred, branch_gradient(op.attrs["then"]), branch_gradient(op.attrs["else"]), strict=True)
        result = list(result) if isinstance(result, (list, tuple)) else [result]
        where = {t: i for i, t in enumerate(captures)}
        for x, g in zip(wrt, result):
            grads[1 + where[x]] = g
        return grads


def _merge_shapes(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def _flatten(structure):
    if isinstance(structure, (list, tuple)):
        return [x for s in structure for x in _flatten(s)]
    return [structure]


def _assert_same_structure(a, b):
    """As TensorFlow's nest: TypeError for other sequence types, ValueError for other lengths."""
    msg = f"The two structures don't have the same nested structure. First structure: {a!r}, second: {b!r}"
    a_seq, b_seq = isinstance(a, (list, tuple)), isinstance(b, (list, tuple))
    if a_seq != b_seq or (a_seq and len(a) != len(b)):
        raise ValueError(msg)
    if a_seq:
        if type(a) is not type(b):
            raise TypeError(msg)
        for x, y in zip(a, b):
            _assert_same_structure(x, y)


def _pack(structure, flat):
    """`flat` in the nesting of `structure` (lists and tuples, namedtuples included)."""
    it = iter(flat)

    def build(s):
        if isinstance(s, (list, tuple)):
            items = [build(x) for x in s]
            return type(s)(*items) if hasattr(s, "_fields") else type(s)(items)
        return next(it)
    return build(structure)


def _build_branch(graph, fn, name, which):
    """Call `fn` with the branch open. The enclosing control dependencies do not apply to the branch's ops (the
    If op carries them, so they run once, before the cond, as in TF1): were they inputs of the branch's plan,
    that plan would run them a second time, without the feeds of the enclosing run."""
    scopes = graph._scopes
    branch = Branch(name, scopes.cond_stack[-1] if scopes.cond_stack else None, which)
    scopes.cond_stack.append(branch)
    outer_control, scopes.control_stack = scopes.control_stack, []
    first = len(graph._ops)
    try:
        structure = fn()
        if structure is None:
            raise ValueError(f"'{which}_fn' must have a return value.")
        flat = _flatten(structure)
        for x in flat:
            if isinstance(x, Operation):
                raise TypeError(f"{which}_fn returned the operation {x.name}: graphgrad's cond returns tensors "
                                "only; return a tensor computed after it (tf.control_dependencies) instead")
        branch.outputs = [x.flow if isinstance(x, TensorArray) else convert_to_tensor(x) for x in flat]
    finally:
        scopes.cond_stack.pop()
        scopes.control_stack = outer_control
    branch.external_control = _detach_external_control(graph._ops[first:], branch)
    branch.find_captures()
    return branch, structure


def _detach_external_control(ops, branch):
    """Remove from the branch's own ops their control inputs on ops outside it (a `tf.control_dependencies`
    inside the branch function naming an outside op) and return those: the If op takes them, so they run once
    before the cond instead of again inside the branch's plan."""
    external = {}
    for op in ops:
        if op._branch is not branch:
            continue
        outside = [c for c in op.control_inputs if branch._outside(c)]
        for c in outside:
            op.control_inputs.remove(c)
            if op in c._control_outputs:
                c._control_outputs.remove(op)
            external[c] = None
    return list(external)


def make_if(pred, then_b, else_b, name):
    """The If op of two branches just built: its inputs are the predicate and what either branch captures, and
    it waits for the outside ops the branches' ops waited for (tf.cond, and the import of TF's conds)."""
    captures = list(dict.fromkeys(then_b.captures + else_b.captures))
    out = apply_op(If, [pred] + captures, {"then": then_b, "else": else_b}, name)
    if_op = (out[0] if isinstance(out, list) else out).op
    for c in dict.fromkeys(then_b.external_control + else_b.external_control):
        if_op._add_control_input(c)
    return if_op


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """`true_fn()` if `pred` else `false_fn()`, decided when the graph runs; only the taken branch's ops run.

    Both functions are called once, when the graph is built, and must return the same nesting of tensors with
    the same dtypes. As in TensorFlow 1.x, with `strict=False` a single-element list or tuple comes back as the
    element itself. Executing eagerly, as in TF, only the function `pred`'s value picks is called (a Python bool
    is fine there), and what it returns is the result."""
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if true_fn is None or false_fn is None:
        raise TypeError("cond() missing required arguments: true_fn and false_fn")
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    if get_default_graph()._is_eager:  # executing eagerly: TF calls the branch the value picks, as Python
        result = true_fn() if pred else false_fn()
        if not strict and isinstance(result, (list, tuple)) and len(result) == 1 and not hasattr(result, "_fields"):
            return result[0]
        return result
    if isinstance(pred, bool):
        raise TypeError("'pred' must not be a Python bool.")
    with name_scope(name, "cond", [pred]) as scope:
        pred = convert_to_tensor(pred)
        if pred.dtype.base_dtype != dtypes.bool_:
            raise TypeError(f"Input 'pred' of 'Switch' Op has type {pred.dtype.base_dtype.name} that does not match "
                            "expected type of bool.")
        shape = static_shape(pred)
        if shape is not None and shape != ():
            raise ValueError(f"Shape must be rank 0 but is rank {len(shape)} for 'cond' (pred)")
        graph = pred.graph if isinstance(pred, Tensor) else get_default_graph()
        then_b, then_s = _build_branch(graph, true_fn, scope.rstrip("/"), "true")
        else_b, else_s = _build_branch(graph, false_fn, scope.rstrip("/"), "false")
        _assert_same_structure(then_s, else_s)
        for a, b in zip(then_b.outputs, else_b.outputs):
            if a.dtype.base_dtype != b.dtype.base_dtype:
                raise ValueError(f"Outputs of 'true_fn' and 'false_fn' must have the same type(s). Received "
                                 f"{a.dtype.base_dtype.name} from 'true_fn' and {b.dtype.base_dtype.name} from "
                                 "'false_fn'.")
        if_op = make_if(pred, then_b, else_b, "Merge")
    flat = if_op.outputs
    # a TensorArray comes back as a TensorArray whose flow is the cond's output
    flat = [x._with(t) if isinstance(x, TensorArray) else t for x, t in zip(_flatten(then_s), flat)]
    result = _pack(then_s, flat)
    if not strict and isinstance(result, (list, tuple)) and len(result) == 1 and not hasattr(result, "_fields"):
        return result[0]
    return result


def _case_args(pred_fn_pairs, exclusive):
    if not isinstance(pred_fn_pairs, (list, tuple, dict)):
        raise TypeError("fns must be a list, tuple, or dict")
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = list(pred_fn_pairs.items())
    preds, fns = [], []
    for pair in pred_fn_pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError("Each entry in pred_fn_pairs must be a 2-tuple")
        pred, fn = pair
        if not isinstance(pred, Tensor) or pred.dtype.base_dtype != dtypes.bool_:
            raise TypeError(f"pred must be Tensor of type bool: {getattr(pred, 'name', pred)}")
        if not callable(fn):
            raise TypeError(f"fn for pred {pred.name} must be callable.")
        preds.append(pred)
        fns.append(fn)
    return preds, fns


def _assert_at_most_n_true(preds, n, msg):
    from .array_ops import stack
    from .cast_ops import cast
    from .check_ops import Assert
    from .comparison_ops import less_equal
    from .reduction_ops import reduce_sum

    preds_c = stack(preds, name="preds_c")
    num = reduce_sum(cast(preds_c, dtypes.int32), name="num_true_conds")
    names = ", ".join(p.name for p in preds)
    return Assert(less_equal(num, n), [f"{msg}: more than {n} conditions ({names}) evaluated as True:", preds_c],
                  summarize=len(preds))


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """TF1's `tf.case`: the result of the first `fn` whose `pred` is true (a chain of tf.cond), else of
    `default`. Without a default the last pair's `fn` is the default, run after asserting that its `pred` holds.
    With `exclusive=True` the run fails (InvalidArgumentError) when more than one predicate is true."""
    from .array_ops import stack
    from .check_ops import Assert

    preds, fns = _case_args(pred_fn_pairs, exclusive)
    if not preds:
        if default is None:
            raise ValueError("Must provide at least one pred_fn_pair or a default")
        return default()
    with name_scope(name, "case", preds):
        if default is None:
            all_preds = list(preds)
            k = len(preds) - 1
            last_pred, last_fn = preds[k], fns[k]
            others, other_fns = preds[:k], fns[:k]

            def default():
                checks = [Assert(last_pred, ["Input error: None of conditions evaluated as True:",
                                             stack(all_preds, name="preds_c")], summarize=len(all_preds))]
                if others:
                    checks.append(_assert_at_most_n_true(
                        others, 0, f"Implementation error: selected default action #{k} was called, but some of "
                                   "other predicates are True: "))
                with get_default_graph().control_dependencies(checks):
                    out = last_fn()
                    return _identity_structure(out)
            preds, fns = others, other_fns
        fn = default
        for pred, action in reversed(list(zip(preds, fns))):
            fn = (lambda p, a, f: lambda: cond(p, a, f, strict=strict))(pred, action, fn)
        if exclusive and len(preds) > 1:
            with get_default_graph().control_dependencies([_assert_at_most_n_true(preds, 1, "Input error: "
                                                                                  "exclusive=True")]):
                return fn()
        return fn()


def _identity_structure(out):
    """Identity of every tensor in `out`, so control dependencies taken around it apply to something built in
    their scope."""
    from .core import identity

    if isinstance(out, (list, tuple)):
        items = [_identity_structure(x) for x in out]
        return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)
    return identity(out) if isinstance(out, Tensor) else out
