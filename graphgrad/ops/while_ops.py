"""`tf.while_loop`: one op, `While`, whose kernel runs the compiled plans of the loop's cond and body in a Python
loop, and `WhileGrad`, which runs the compiled plan of the body's gradient once per iteration, in reverse.

TensorFlow 1.x builds a loop from Enter, Merge, Switch, NextIteration and Exit ops spread over the graph.
graphgrad builds it as tf.cond is built (ops/control_flow_ops.py): `cond` and `body` are called once, inside a
`LoopBody` (a Branch), with the loop variables as `LoopVar` tensors of that body; the ops they create belong to
the loop and run only through it; the outside tensors they read are the loop's captures, inputs of the While op
(enclosing control dependencies go onto the While op too). The kernel compiles `pred` and the body's results as
two inner plans fed with the loop variables and captures (`ctx.subplan`), and iterates:
`while cond(vals + caps): vals = body(vals + caps)`, calling the generated functions directly, so an iteration
costs two Python calls plus the body's own kernels.

Gradients. With `back_prop=True` (and something differentiable among the loop variables) the While op has one
more output, a `variant` history: per iteration, the
values of the body tensors the backward pass reads (`LoopBody.saved`, fetched from the body's plan as extra
results). `While.gradient` builds the body's gradient once, in a loop body of its own (`gradients(body results,
loop variables + captures, grad_ys=<LoopVar per result>)`); the forward tensors that gradient reads become the
saved ones (so a random op in the body, dropout, uses the same mask backwards, and no forward op runs twice), and
a `WhileGrad` op runs its plan over the history in reverse, summing the captures' gradients. The history lives
as long as any value of the run: the plan deletes it after WhileGrad, its last reader.

A body that assigns variables makes the op an `UpdatingWhile`: it declares `mutates` with those variables as
reference inputs, so the plan orders the loop after the run's other readers of those variables (reads before
writes) and snapshots them when something can fail: a failed iteration leaves every variable as it was before
the run.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef, ref_indices, static_shape
from ..framework.tensor_shape import TensorShape, as_shape
from . import nest
from .control_flow_ops import Branch, _detach_external_control
from .core import Placeholder, apply_op, convert_to_tensor
from .tensor_array_ops import TensorArray, add_values, zeros_for

__all__ = ["while_loop"]


class LoopBody(Branch):
    """The ops of a loop's cond and body (or of a loop's gradient body) while they are built and afterwards."""

    is_loop = True

    def __init__(self, name, parent):
        super().__init__(name, parent)
        self.inner: list[Tensor] = []   # the loop variables as the body sees them (LoopVar tensors)
        self.pred: Tensor | None = None
        self.saved: list[Tensor] = []   # body tensors a gradient reads: kept per iteration in the history

    def __repr__(self):
        return f"<loop {self.name}: outputs {[t.name for t in self.outputs]}>"


class LoopVar(Placeholder):
    """A loop variable inside the loop (TF1's `while/Identity`), or an output gradient inside a loop's gradient
    body: fed by the loop's kernel each iteration."""

    type = "LoopVar"


def _reads_variable(t) -> bool:
    """Whether `t` is a variable's buffer or a plain view of it (the `v/read` a body uses): a loop does not feed
    such a capture but reads it live in each iteration, so the body sees its own assignments."""
    while True:
        op = t.op
        if op.control_inputs:
            return False
        od = op.op_def
        if od.is_variable:
            return True
        if od.view_of is None or od.mutates:
            return False
        t = op.inputs[od.view_of]


def _translate(plans, exc):
    for plan in plans:
        out = plan.translate(exc)
        if out is not exc:
            return out
    return exc


def _while_kernel(op, ctx):
    body = op.attrs["body"]
    n, c = len(body.inner), len(body.captures)
    fed = [i for i, t in enumerate(body.captures) if not _reads_variable(t)]
    feeds = body.inner + [body.captures[i] for i in fed]
    saving = op.attrs["history"]
    saved = list(body.saved) if saving else []
    cond_plan = ctx.subplan([body.pred], feeds)
    body_plan = ctx.subplan(body.outputs + saved, feeds)
    cap_idx = [n + i for i in fed]
    max_idx = n + c if op.attrs["has_max"] else None
    copy_idx = [i for i in range(n) if _reads_variable(op.inputs[i])]
    single = len(op.outputs) == 1

    def run_while(*args):
        vals = list(args[:n])
        for i in copy_idx:  # a loop variable starting from a variable: a value, not the live buffer
            vals[i] = vals[i].copy()
        caps = [args[i] for i in cap_idx]
        limit = None if max_idx is None else int(args[max_idx])
        cond_f, body_f = cond_plan.repeated(), body_plan.repeated()
        history = [] if saving else None
        try:
            if not saving and limit is None:
                if caps:
                    while cond_f(vals + caps)[0]:
                        vals = body_f(vals + caps)
                else:
                    while cond_f(vals)[0]:
                        vals = body_f(vals)
            else:
                k = 0
                while (limit is None or k < limit) and cond_f(vals + caps)[0]:
                    out = body_f(vals + caps)
                    if saving:
                        history.append(tuple(out[n:]))
                        vals = out[:n]
                    else:
                        vals = out
                    k += 1
        except Exception as e:
            raise _translate((body_plan, cond_plan), e) from None
        if saving:
            vals = list(vals) + [history]
        return vals[0] if single else vals
    return run_while


class While(OpDef):
    """While(*initial values, *captures, [maximum_iterations]) -> final values [, history]; attr `body` is the
    LoopBody. Stateful (never folded, merged or dropped) and host_control (never in a CUDA graph)."""

    type = "While"
    stateful = True
    host_control = True

    def infer(op):
        body = op.attrs["body"]
        out = [(static_shape(t), t.dtype.base_dtype) for t in body.inner]
        if op.attrs["history"]:
            out.append(((), dtypes.variant))
        return out

    kernel = _while_kernel

    def gradient(op, *dys):
        return _while_gradient(op, dys)


class UpdatingWhile(While):
    """A While whose body assigns variables: those are its last inputs, as references (`mutates`)."""

    type = "UpdatingWhile"
    mutates = True

    def ref_inputs(op):
        n = len(op.inputs)
        return range(n - op.attrs["n_refs"], n)


# --- gradients ---------------------------------------------------------------------------------------------------

def _backpropagatable(t):
    dt = t.dtype.base_dtype
    return dt.is_floating or dt == dtypes.variant


def _while_gradient(op, dys):
    from ..autodiff import gradients

    body = op.attrs["body"]
    n, c = len(body.inner), len(body.captures)
    grads = [None] * len(op.inputs)
    if not op.attrs["history"]:
        return grads
    flowing = [i for i in range(n) if _backpropagatable(body.inner[i])]
    wrt = [j for j in range(c) if _backpropagatable(body.captures[j])]
    if not flowing:
        return grads
    dy_in = [dys[i] if dys[i] is not None else zeros_for(op.outputs[i]) for i in flowing]
    graph = op.graph
    scopes = graph._scopes
    g = LoopBody(op.name + "_grad", scopes.cond_stack[-1] if scopes.cond_stack else None)
    scopes.cond_stack.append(g)
    outer_control, scopes.control_stack = scopes.control_stack, []
    first = len(graph._ops)
    try:
        g.inner = [apply_op(LoopVar, [], {"shape": body.inner[i].shape, "dtype": body.inner[i].dtype.base_dtype},
                            "dy", graph=graph) for i in flowing]
        xs = [body.inner[i] for i in flowing] + [body.captures[j] for j in wrt]
        # stop at the captures: what lies between two captures outside the loop is differentiated outside
        gs = gradients([body.outputs[i] for i in flowing], xs, grad_ys=g.inner,
                       stop_gradients=[body.captures[j] for j in wrt])
        g.outputs = [gr if gr is not None else zeros_for(x) for gr, x in zip(gs, xs)]
    finally:
        scopes.cond_stack.pop()
        scopes.control_stack = outer_control
    g.external_control = _detach_external_control(graph._ops[first:], g)
    g.find_captures()
    g.saved = [t for t in g.captures if t.op._branch is body]
    g.captures = [t for t in g.captures if t.op._branch is not body]
    positions = []
    for t in g.saved:
        if t not in body.saved:
            body.saved.append(t)
        positions.append(body.saved.index(t))
    wrt_caps = [body.captures[j] for j in wrt]
    history = op.outputs[n]
    outs = apply_op(WhileGrad, [history] + dy_in + wrt_caps + g.captures,
                    {"grad": g, "positions": positions, "n_flow": len(flowing), "n_wrt": len(wrt),
                     "forward": op.name}, "WhileGrad")
    outs = outs if isinstance(outs, list) else [outs]
    grad_op = outs[0].op
    for ctl in g.external_control:
        grad_op._add_control_input(ctl)
    for k, i in enumerate(flowing):
        grads[i] = outs[k]
    for k, j in enumerate(wrt):
        grads[n + j] = outs[len(flowing) + k]
    return grads


def _accumulate(acc, g):
    if acc is None:
        return g.copy() if getattr(g, "ndim", 0) else g
    if isinstance(acc, dict):
        return add_values(acc, g)
    if getattr(acc, "ndim", 0):
        acc += g
        return acc
    return acc + g


class WhileGrad(OpDef):
    """WhileGrad(history, *output gradients, *forward captures, *captures of the gradient body) -> gradients of
    the initial values of the differentiable loop variables, then of the differentiable captures. Runs the
    gradient body's plan once per recorded iteration, last first."""

    type = "WhileGrad"
    stateful = True
    host_control = True

    def infer(op):
        g = op.attrs["grad"]
        return [(static_shape(t), t.dtype.base_dtype) for t in g.inner] + \
            [(static_shape(t), t.dtype.base_dtype) for t in op.inputs[1 + op.attrs["n_flow"]:][:op.attrs["n_wrt"]]]

    def kernel(op, ctx):
        g = op.attrs["grad"]
        m, k = op.attrs["n_flow"], op.attrs["n_wrt"]
        fed = [i for i, t in enumerate(g.captures) if not _reads_variable(t)]
        plan = ctx.subplan(g.outputs, g.inner + g.saved + [g.captures[i] for i in fed])
        positions = op.attrs["positions"]
        cap_idx = [1 + m + k + i for i in fed]
        xp = ctx.xp
        single = len(op.outputs) == 1

        def run_while_grad(history, *args):
            d = list(args[:m])
            fwd = args[m:m + k]
            caps = [args[i - 1] for i in cap_idx]
            acc = [None] * k
            f = plan.repeated()
            try:
                for rec in reversed(history):
                    out = f(d + [rec[p] for p in positions] + caps)
                    d = out[:m]
                    for j in range(k):
                        acc[j] = _accumulate(acc[j], out[m + j])
            except Exception as e:
                raise _translate((plan,), e) from None
            for j in range(k):
                if acc[j] is None:
                    acc[j] = {} if isinstance(fwd[j], tuple) else xp.zeros_like(fwd[j])
            out = d + acc
            return out[0] if single else out
        return run_while_grad

    def gradient(op, *dys):
        raise LookupError(f"No gradient defined for operation '{op.name}' (op type: WhileGrad): second "
                          "derivatives through tf.while_loop are not supported (docs/control-flow.md)")


# --- building -----------------------------------------------------------------------------------------------------

def _shape_le(a: TensorShape, b: TensorShape) -> bool:
    """TF1's _ShapeLessThanOrEqual: `a` is at least as specific as `b`."""
    bd = b.dims_tuple
    if bd is None:
        return True
    ad = a.dims_tuple
    if ad is None or len(ad) != len(bd):
        return False
    return all(y is None or x == y for x, y in zip(ad, bd))


def _flat_tensors(flat):
    return [x.flow if isinstance(x, TensorArray) else convert_to_tensor(x) for x in flat]


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """Repeat `body` while `cond` is true, as TensorFlow 1.x's `tf.while_loop` (docs/control-flow.md).

    `loop_vars` is a (nested) list, tuple, namedtuple or dict of tensors, numbers and TensorArrays; `cond` and
    `body` are called once, while building, with the loop variables unpacked (`body(*loop_vars)`), and `body`
    returns the same structure. A loop variable's shape may not change between iterations unless
    `shape_invariants` relaxes it. As in TF1, a single loop variable comes back as itself (not a list) unless
    `return_same_structure`. `parallel_iterations` and `swap_memory` are accepted and have no effect: the
    iterations run one after the other and saved values stay on the device."""
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if not isinstance(parallel_iterations, (int, np.integer)) or parallel_iterations < 1:
        raise TypeError("parallel_iterations must be a positive integer.")
    if loop_vars is None or (nest.is_sequence(loop_vars) and not nest.flatten(loop_vars)):
        raise ValueError("No loop variables provided")
    if not isinstance(loop_vars, (list, tuple)):
        loop_vars = [loop_vars]
        structure_was_single = True
    else:
        structure_was_single = False
    flat = nest.flatten(loop_vars)
    with name_scope(name, "while", [x for x in flat if isinstance(x, Tensor)]) as scope:
        tensors = _flat_tensors(flat)
        graph = tensors[0].graph
        invariants = [t.shape for t in tensors]
        if shape_invariants is not None:
            if structure_was_single:
                shape_invariants = [shape_invariants]
            nest.assert_same_structure(loop_vars, shape_invariants, check_types=False)
            for i, (x, s) in enumerate(zip(flat, nest.flatten(shape_invariants))):
                if isinstance(x, TensorArray):
                    continue
                s = as_shape(s)
                if not _shape_le(tensors[i].shape, s):
                    raise ValueError(f"The shape invariant specified for {tensors[i].name} is not compatible with "
                                     "the initial shape of the loop variable. It enters the loop with shape "
                                     f"{tensors[i].shape}, but the specified shape invariant is {s}.")
                invariants[i] = s
        max_t = None
        if maximum_iterations is not None:
            max_t = convert_to_tensor(maximum_iterations, name="maximum_iterations")
            if not max_t.dtype.base_dtype.is_integer:
                raise TypeError(f"maximum_iterations must be an integer, saw dtype {max_t.dtype.base_dtype.name}")
            s = static_shape(max_t)
            if s is not None and s != ():
                raise ValueError(f"maximum_iterations must be a scalar, saw shape: {max_t.shape}")

        scopes = graph._scopes
        loop = LoopBody(scope.rstrip("/"), scopes.cond_stack[-1] if scopes.cond_stack else None)
        scopes.cond_stack.append(loop)
        outer_control, scopes.control_stack = scopes.control_stack, []
        first = len(graph._ops)
        try:
            loop.inner = [apply_op(LoopVar, [], {"shape": inv, "dtype": t.dtype.base_dtype}, "Identity", graph=graph)
                          for t, inv in zip(tensors, invariants)]
            inner_items = [x._with(v) if isinstance(x, TensorArray) else v for x, v in zip(flat, loop.inner)]
            packed = nest.pack_sequence_as(loop_vars, inner_items)
            pred = cond(*packed)
            if isinstance(pred, TensorArray) or pred is None:
                raise TypeError(f"cond must return a boolean scalar tensor, got {pred!r}")
            pred = convert_to_tensor(pred)
            if pred.dtype.base_dtype != dtypes.bool_:
                raise TypeError(f"Input 'input' of 'LoopCond' Op has type {pred.dtype.base_dtype.name} that does "
                                "not match expected type of bool.")
            ps = static_shape(pred)
            if ps is not None and ps != ():
                raise ValueError(f"Shape must be rank 0 but is rank {len(ps)} for '{scope}LoopCond' (op: "
                                 f"'LoopCond') with input shapes: {pred.shape}.")
            result = body(*packed)
            if result is None:
                raise ValueError("body must return the loop variables; it returned None")
            if not nest.is_sequence(result):
                result = [result]
            nest.assert_same_structure(list(packed), list(result))
            flat_out = nest.flatten(result)
            outs = []
            for i, (x, y) in enumerate(zip(flat, flat_out)):
                if isinstance(x, TensorArray) != isinstance(y, TensorArray):
                    raise TypeError(f"Loop variable {i} ({tensors[i].name}) is "
                                    f"{'a TensorArray' if isinstance(x, TensorArray) else 'a tensor'} entering "
                                    "the loop but the body returned "
                                    f"{'a TensorArray' if isinstance(y, TensorArray) else 'a tensor'} for it")
                if isinstance(y, TensorArray):
                    outs.append(y.flow)
                    continue
                y = convert_to_tensor(y, preferred_dtype=tensors[i].dtype.base_dtype)
                if y.dtype.base_dtype != tensors[i].dtype.base_dtype:
                    raise TypeError(f"Input tensor '{tensors[i].name}' enters the loop with type "
                                    f"{tensors[i].dtype.base_dtype.name}, but has type {y.dtype.base_dtype.name} "
                                    "after one iteration.")
                if not _shape_le(y.shape, invariants[i]):
                    raise ValueError(f"Input tensor '{tensors[i].name}' enters the loop with shape "
                                     f"{invariants[i]}, but has shape {y.shape} after one iteration. To allow the "
                                     "shape to vary across iterations, use the `shape_invariants` argument of "
                                     "tf.while_loop to specify a less-specific shape.")
                outs.append(y)
        finally:
            scopes.cond_stack.pop()
            scopes.control_stack = outer_control
        loop.outputs = outs + [pred]
        created = graph._ops[first:]
        loop.external_control = _detach_external_control(created, loop)
        loop.find_captures()
        loop.outputs, loop.pred = outs, pred
        refs = {}
        for o in created:
            if o.op_def.mutates and o._branch is not None and o._branch.encloses(loop):
                for i in ref_indices(o):
                    refs[o.inputs[i]] = None
        inputs = tensors + loop.captures + ([max_t] if max_t is not None else []) + list(refs)
        op_def = UpdatingWhile if refs else While
        # a loop of integers and bools has nothing to differentiate: no history to keep
        history = bool(back_prop) and any(_backpropagatable(t) for t in tensors)
        exits = apply_op(op_def, inputs, {"body": loop, "history": history, "has_max": max_t is not None,
                                          "n_refs": len(refs), "parallel_iterations": parallel_iterations,
                                          "swap_memory": swap_memory}, "Exit")
        exits = exits if isinstance(exits, list) else [exits]
        loop_op = exits[0].op
        for ctl in loop.external_control:
            loop_op._add_control_input(ctl)
    items = [y._with(e) if isinstance(y, TensorArray) else e for y, e in zip(flat_out, exits)]
    packed_exit = nest.pack_sequence_as(result, items)
    if return_same_structure:
        return packed_exit
    return packed_exit[0] if len(flat) == 1 else packed_exit
