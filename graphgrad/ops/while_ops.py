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

Second derivatives: the gradient of a WhileGrad is a WhileGradGrad, which reruns the reverse pass to know what
each iteration was fed, then goes over the iterations in forward order through the gradient of the gradient body;
the gradient it gives the history (per iteration and saved tensor) seeds the saved tensors in the forward loop's
gradient. Third derivatives raise LookupError.

A body that assigns variables makes the op an `UpdatingWhile`: it declares `mutates` with those variables as
reference inputs, so the plan orders the loop after the run's other readers of those variables (reads before
writes) and snapshots them when something can fail: a failed iteration leaves every variable as it was before
the run.
"""
from __future__ import annotations

import threading

import numpy as np

from ..framework import dtypes
from ..framework.graph import Tensor, get_default_graph, name_scope
from ..framework.op_def import OpDef, ref_indices, static_shape
from ..framework.tensor_shape import TensorShape, as_shape
from . import nest
from .control_flow_ops import Branch, _detach_external_control
from .core import Placeholder, apply_op, convert_to_tensor
from .matmul_ops import MatMul
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
        #: a gradient body whose ops this one recomputes (a second derivative's body: the first derivative's body
        #: values are not kept), all but its LoopVars, which come in as captures
        self.recomputes = None

    def _outside(self, op):
        r = self.recomputes
        if r is not None and op._branch is not None and op._branch.encloses(r):
            return op._branch is r and op.op_def.must_feed
        return super()._outside(op)

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

    large_products = True  # its body's products (W6's per-step LSTM GEMMs)

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


def _gradient_body(graph, name, like, ys, xs, stops, recomputes=None):
    """A LoopBody computing `gradients(ys, xs, grad_ys=<one LoopVar per tensor of like>)` (None filled with
    zeros), not differentiating past `stops`; its captures found."""
    from ..autodiff import gradients

    scopes = graph._scopes
    g = LoopBody(name, scopes.cond_stack[-1] if scopes.cond_stack else None)
    g.recomputes = recomputes
    scopes.cond_stack.append(g)
    outer_control, scopes.control_stack = scopes.control_stack, []
    first = len(graph._ops)
    try:
        g.inner = [apply_op(LoopVar, [], {"shape": t.shape, "dtype": t.dtype.base_dtype}, "dy", graph=graph)
                   for t in like]
        gs = gradients(ys, xs, grad_ys=g.inner, stop_gradients=stops) if ys else [None] * len(xs)
        g.outputs = [convert_to_tensor(gr) if gr is not None else zeros_for(x) for gr, x in zip(gs, xs)]
    finally:
        scopes.cond_stack.pop()
        scopes.control_stack = outer_control
    g.external_control = _detach_external_control(graph._ops[first:], g)
    g.find_captures()
    return g


def _while_gradient(op, dys):
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
    # A gradient flowing into the history (a second derivative: it reached the saved values through a WhileGrad)
    # seeds the saved tensors too, iteration by iteration.
    dh = dys[n]
    ds_idx = [j for j, t in enumerate(body.saved) if _backpropagatable(t)] if dh is not None else []
    ds = [body.saved[j] for j in ds_idx]
    wrt_caps = [body.captures[j] for j in wrt]
    flow_in = [body.inner[i] for i in flowing]
    # stop at the captures: what lies between two captures outside the loop is differentiated outside
    g = _gradient_body(op.graph, op.name + "_grad", flow_in + ds, [body.outputs[i] for i in flowing] + ds,
                       flow_in + wrt_caps, wrt_caps)
    g.saved = [t for t in g.captures if t.op._branch is body]
    g.captures = [t for t in g.captures if t.op._branch is not body]
    positions = []
    for t in g.saved:
        if t not in body.saved:
            body.saved.append(t)
        positions.append(body.saved.index(t))
    outs = apply_op(WhileGrad, [op.outputs[n]] + dy_in + wrt_caps + g.captures + ([dh] if dh is not None else []),
                    {"grad": g, "positions": positions, "n_flow": len(flowing), "n_wrt": len(wrt),
                     "ds_positions": ds_idx, "forward": op}, "WhileGrad")
    outs = outs if isinstance(outs, list) else [outs]
    for ctl in g.external_control:
        outs[0].op._add_control_input(ctl)
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


def _zeros_like_value(xp, v):
    return {} if isinstance(v, (tuple, dict)) else xp.zeros_like(v)


def _stacked_products(g, m, k):
    """{j: MatMul op} for the captures' gradients (outputs m + j of the gradient body `g`) that are a product
    aᵀ·b of 2-D values (a weight's gradient, x_tᵀ·dy_t). The reverse pass fetches the two factors, and no
    [units, units] product is made and added per iteration: with BLAS on several threads, the iterations' a's
    and b's are stacked by rows and multiplied once per block of iterations (one large product keeps the threads
    busy where many small ones do not); with one BLAS thread, BLAS adds each iteration's product straight into
    the sum (`ctx.gemm`, beta = 1: as fast a product, and no 8.5 MB of factors copied through memory per W6 step,
    bench/RESULTS.md)."""
    out = {}
    for j in range(k):
        mm = g.outputs[m + j].op
        if mm.op_def is MatMul and mm._branch is g and mm.attrs["transpose_a"] and not mm.attrs["transpose_b"] \
                and all(len(static_shape(x) or ()) == 2 for x in mm.inputs):
            out[j] = mm
    return out


#: pending rows of stacked products are multiplied out once they hold this many elements (bounds the memory)
_STACK_ELEMENTS = 1 << 22


def _transposed_weights(op, g):
    """Indices of the gradient body's captures that a MatMul of the body multiplies transposed (b of a·bᵀ: a weight
    in d x = d y·Wᵀ). The reverse pass feeds them once per run in column-major order, so that bᵀ is row-major: the
    same values, and BLAS's product with a row-major operand took ~2/3 of the time here. A variable among them is
    then read once per run instead of per iteration, which only a plain While's gradient body allows (no
    assignment runs between its iterations)."""
    if op.attrs["forward"].op_def is not While:
        return set()
    out = set()
    for i, t in enumerate(g.captures):
        if len(static_shape(t) or ()) == 2 and any(
                c.op_def is MatMul and c._branch is g and c.attrs["transpose_b"] and not c.attrs["transpose_a"]
                and c.inputs[1] is t for c in t._consumers):
            out.add(i)
    return out


class _RowStack:
    """One factor of a stacked product (`_stacked_products`): each iteration's rows are copied into a buffer kept
    from one run to the next as they come, so the iteration's own array is freed at once and reused by the next
    one. Holding the iterations' arrays until a concatenation made the reverse loop's memory peak megabytes higher,
    and the allocator handed that memory back and faulted it in again every run (bench/RESULTS.md)."""

    def __init__(self, xp):
        self.xp, self.buf, self.rows = xp, None, 0

    def fits(self, x):
        buf = self.buf
        return (buf is not None and x.shape[1:] == buf.shape[1:] and x.dtype == buf.dtype
                and self.rows + len(x) <= len(buf))

    def reserve(self, x, n_it):
        """Room for `n_it` arrays like `x` (after `take`): the kept buffer when it is large enough."""
        if not (self.fits(x) and len(self.buf) >= n_it * len(x)):
            self.buf = self.xp.empty((n_it * len(x),) + x.shape[1:], x.dtype)

    def add(self, x):
        self.buf[self.rows:self.rows + len(x)] = x
        self.rows += len(x)

    def take(self):
        """The rows added so far, as a view of the buffer, which then counts as empty."""
        out, self.rows = self.buf[:self.rows], 0
        return out


def _reverse_pass(op, ctx, wanted=None):
    """The WhileGrad `op`'s computation, `run(args, record) -> (d, capture gradients, fed)`: its gradient body's
    plan over the history, last iteration first; with `record`, `fed[it]` is the list of output gradients fed
    to the iteration `it` (what the second derivative differentiates at). Capture gradients that are products
    aᵀ·b (`_stacked_products`) are fetched as their factors and summed by BLAS: per iteration with one BLAS
    thread, else once per block of iterations, rows stacked.
    `wanted`: the captures whose gradients are computed (all when None; the others come back as None), so the
    body's plan is pruned to what the loop variables' gradients and those need."""
    g = op.attrs["grad"]
    m, k = op.attrs["n_flow"], op.attrs["n_wrt"]
    wanted = list(range(k)) if wanted is None else sorted(wanted)
    transposed = _transposed_weights(op, g)
    fed = [i for i, t in enumerate(g.captures) if i in transposed or not _reads_variable(t)]
    stacked = {j: mm for j, mm in _stacked_products(g, m, k).items() if j in wanted}
    fetches = list(g.outputs[:m]) + [stacked[j].inputs[0] if j in stacked else g.outputs[m + j] for j in wanted]
    fetches += [mm.inputs[1] for mm in stacked.values()]
    plan = ctx.subplan(fetches, g.inner + g.saved + [g.captures[i] for i in fed])
    needed = set(plan.ops)  # a weight no product of the pruned body multiplies transposed is fed as it is
    column_major = [q for q, i in enumerate(fed)
                    if i in transposed and any(c in needed for c in g.captures[i]._consumers)]
    at = {j: m + q for q, j in enumerate(wanted)}  # where capture j's gradient (or first factor) is in the results
    products = [(j, m + len(wanted) + q, mm.op_def.kernel(mm, ctx)) for q, (j, mm) in enumerate(stacked.items())]
    summed = [j for j in wanted if j not in stacked]
    positions = op.attrs["positions"]
    ds_positions = op.attrs["ds_positions"]
    cap_idx = [m + k + i for i in fed]  # in the arguments after the history
    xp, gemm, blas_threads = ctx.xp, ctx.gemm, ctx.blas_threads

    def add_product(acc, product, a, b):
        """acc + aᵀ·b, by BLAS into acc's buffer where it can (no product array, no addition pass)."""
        if acc is None:
            return product(a, b)
        if not gemm(a, True, b, False, acc, 1.0, 1.0):
            acc += product(a, b)
        return acc

    kept = threading.local()  # per thread: the stacks of the products' factors, kept from one run to the next

    def run(args, record=False):
        history = args[0]
        args = args[1:]
        d = list(args[:m])
        fwd = args[m:m + k]
        caps = [args[i] for i in cap_idx]
        for q in column_major:
            caps[q] = xp.asfortranarray(caps[q])
        dh = args[-1] if ds_positions else None
        acc = [None] * k
        stacks = kept.__dict__.setdefault("stacks", [(_RowStack(xp), _RowStack(xp)) for _ in products])
        for sa, sb in stacks:
            sa.rows = sb.rows = 0  # a run that failed half-way may have left rows behind
        per_iteration = bool(products) and blas_threads() == 1  # else stacked (`_stacked_products`)
        seen = [None] * len(history) if record else None
        f = plan.repeated()
        try:
            for it in range(len(history) - 1, -1, -1):
                rec = history[it]
                if ds_positions:
                    ds = [dh.get((it, j)) for j in ds_positions]
                    d = d + [_zeros_like_value(xp, rec[j]) if x is None else x for x, j in zip(ds, ds_positions)]
                if record:
                    seen[it] = d
                out = f(d + [rec[p] for p in positions] + caps)
                d = out[:m]
                for j in summed:
                    acc[j] = _accumulate(acc[j], out[at[j]])
                for (j, ib, product), (sa, sb) in zip(products, stacks):
                    a, b = out[at[j]], out[ib]
                    if per_iteration:
                        acc[j] = add_product(acc[j], product, a, b)
                        continue
                    if not (sa.fits(a) and sb.fits(b)):  # multiply out what the stacks hold, make room for the rest
                        if sa.rows:
                            acc[j] = add_product(acc[j], product, sa.take(), sb.take())
                        n_it = max(1, min(it + 1, _STACK_ELEMENTS // max(1, a.size + b.size)))
                        sa.reserve(a, n_it)
                        sb.reserve(b, n_it)
                    sa.add(a)
                    sb.add(b)
            for (j, _, product), (sa, sb) in zip(products, stacks):
                if sa.rows:
                    acc[j] = add_product(acc[j], product, sa.take(), sb.take())
        except Exception as e:
            raise _translate((plan,), e) from None
        for j in wanted:
            if acc[j] is None:
                acc[j] = _zeros_like_value(xp, fwd[j])
        return d, acc, seen
    return run


class WhileGrad(OpDef):
    """WhileGrad(history, *output gradients, *forward captures, *captures of the gradient body[, history
    gradient]) -> gradients of the initial values of the differentiable loop variables, then of the
    differentiable captures. Runs the gradient body's plan once per recorded iteration, last first."""

    large_products = True  # its body's products (W6's per-step LSTM GEMMs)

    type = "WhileGrad"
    stateful = True
    host_control = True

    def infer(op):
        g, m, k = op.attrs["grad"], op.attrs["n_flow"], op.attrs["n_wrt"]
        return [(static_shape(t), t.dtype.base_dtype) for t in g.inner[:m]] + \
            [(static_shape(t), t.dtype.base_dtype) for t in op.inputs[1 + m:1 + m + k]]

    def kernel(op, ctx, wanted=None):
        run = _reverse_pass(op, ctx, wanted)
        single = len(op.outputs) == 1

        def run_while_grad(*args):
            d, acc, _ = run(args)
            out = d + acc
            return out[0] if single else out
        return run_while_grad

    def prune_outputs(op, used, ctx):
        """Only the gradients of the captures the run reads (the loop variables' are the recurrence: always)."""
        m, k = op.attrs["n_flow"], op.attrs["n_wrt"]
        wanted = {i - m for i in used if i >= m}
        return WhileGrad.kernel(op, ctx, wanted) if len(wanted) < k else None

    def gradient(op, *dd):
        return _while_grad_gradient(op, dd)


def _while_grad_gradient(op, dd):
    """Second derivatives: the gradient of a WhileGrad is a pass over the iterations in forward order through the
    gradient of its gradient body (which recomputes that body's values from what each iteration was fed),
    giving the gradients of its output gradients, of its captures, and of the history (the saved values),
    which reach the forward loop's gradient, where they seed the saved tensors."""
    grads = [None] * len(op.inputs)
    if all(x is None for x in dd):
        return grads
    if op.attrs["ds_positions"]:
        raise LookupError(f"No gradient defined for operation '{op.name}' (op type: WhileGrad): derivatives of "
                          "third order through tf.while_loop are not supported (docs/control-flow.md)")
    g, m, k = op.attrs["grad"], op.attrs["n_flow"], op.attrs["n_wrt"]
    body = op.attrs["forward"].attrs["body"]
    dd_in = [x if x is not None else zeros_for(t) for x, t in zip(dd, op.outputs)]
    gcaps = [t for t in g.captures if _backpropagatable(t)]
    gg = _gradient_body(op.graph, op.name + "_grad", op.outputs, g.outputs, g.inner + g.saved + gcaps,
                        g.saved + gcaps, recomputes=g)
    inner = set(g.inner)
    outer = [t for t in gg.captures if t not in inner and t.op._branch is not body]
    n_wg = len(op.inputs)
    outs = apply_op(WhileGradGrad, list(op.inputs) + dd_in + outer,
                    {"gg": gg, "while_grad": op, "outer": outer, "n_gcaps": len(gcaps)}, "WhileGradGrad")
    outs = outs if isinstance(outs, list) else [outs]
    for ctl in gg.external_control:
        outs[0].op._add_control_input(ctl)
    grads[0] = outs[0]
    for i in range(m):
        grads[1 + i] = outs[1 + i]
    where = {t: 1 + m + k + i for i, t in enumerate(g.captures)}
    for j, t in enumerate(gcaps):
        grads[where[t]] = outs[1 + m + j]
    assert len(grads) == n_wg
    return grads


class WhileGradGrad(OpDef):
    """WhileGradGrad(*the WhileGrad's inputs, *gradients of its outputs, *captures) -> (gradient of the history
    as {(iteration, saved index): gradient}, gradients of the WhileGrad's output gradients, of its gradient
    body's captures)."""

    large_products = True  # its body's products (W6's per-step LSTM GEMMs)

    type = "WhileGradGrad"
    stateful = True
    host_control = True

    def infer(op):
        wg = op.attrs["while_grad"]
        m = wg.attrs["n_flow"]
        g = wg.attrs["grad"]
        return [((), dtypes.variant)] + [(static_shape(t), t.dtype.base_dtype) for t in wg.inputs[1:1 + m]] + \
            [(static_shape(t), t.dtype.base_dtype) for t in g.captures if _backpropagatable(t)]

    def kernel(op, ctx):
        wg, gg = op.attrs["while_grad"], op.attrs["gg"]
        g, m, k = wg.attrs["grad"], wg.attrs["n_flow"], wg.attrs["n_wrt"]
        body = wg.attrs["forward"].attrs["body"]
        reverse = _reverse_pass(wg, ctx, wanted=())  # only what each iteration was fed
        n_wg, n_dd, n_gcaps = len(wg.inputs), m + k, op.attrs["n_gcaps"]
        outer = op.attrs["outer"]
        fed = [t for t in gg.captures if not _reads_variable(t)]
        plan = ctx.subplan(gg.outputs, gg.inner + fed)
        inner_pos = {t: i for i, t in enumerate(g.inner)}
        # where each fed capture comes from: ("d", i) the gradient fed to the iteration, ("s", j) the history,
        # ("c", i) an input
        sources = [("d", inner_pos[t]) if t in inner_pos else ("s", body.saved.index(t)) if t.op._branch is body
                   else ("c", n_wg + n_dd + outer.index(t)) for t in fed]
        positions = wg.attrs["positions"]
        n_saved = len(g.saved)
        xp = ctx.xp

        def run_while_grad_grad(*args):
            history = args[0]
            _, _, seen = reverse(args[:n_wg], record=True)
            dd = list(args[n_wg:n_wg + m])
            dacc = list(args[n_wg + m:n_wg + n_dd])
            dhist, acc = {}, [None] * n_gcaps
            f = plan.repeated()
            try:
                for it in range(len(history)):
                    rec, d_fed = history[it], seen[it]
                    feeds = [d_fed[i] if kind == "d" else rec[i] if kind == "s" else args[i] for kind, i in sources]
                    out = f(dd + dacc + feeds)
                    dd = out[:m]
                    for j, p in enumerate(positions):
                        key = (it, p)
                        v = out[m + j]
                        dhist[key] = add_values(dhist[key], v) if key in dhist else v
                    for j in range(n_gcaps):
                        acc[j] = _accumulate(acc[j], out[m + n_saved + j])
            except Exception as e:
                raise _translate((plan,), e) from None
            gcaps = [t for t in g.captures if _backpropagatable(t)]
            for j in range(n_gcaps):
                if acc[j] is None:
                    acc[j] = _zeros_like_value(xp, args[1 + m + k + g.captures.index(gcaps[j])])
            return [dhist] + dd + acc
        return run_while_grad_grad

    def gradient(op, *dys):
        raise LookupError(f"No gradient defined for operation '{op.name}' (op type: WhileGradGrad): derivatives "
                          "of third order through tf.while_loop are not supported (docs/control-flow.md)")


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


def _maximum_iterations(maximum_iterations):
    """`maximum_iterations` as a scalar integer tensor (None when not given), with TF's errors."""
    if maximum_iterations is None:
        return None
    max_t = convert_to_tensor(maximum_iterations, name="maximum_iterations")
    if not max_t.dtype.base_dtype.is_integer:
        raise TypeError(f"maximum_iterations must be an integer, saw dtype {max_t.dtype.base_dtype.name}")
    s = static_shape(max_t)
    if s is not None and s != ():
        raise ValueError(f"maximum_iterations must be a scalar, saw shape: {max_t.shape}")
    return max_t


def _call_body(body, packed):
    """`body(*packed)` as a list of the loop variables' structure (a single result wrapped)."""
    result = body(*packed)
    if result is None:
        raise ValueError("body must return the loop variables; it returned None")
    if not nest.is_sequence(result):
        result = [result]
    nest.assert_same_structure(list(packed), list(result))
    return result


def _eager_while_loop(cond, body, loop_vars, maximum_iterations, return_same_structure):
    """`tf.while_loop` executing eagerly, as TF runs it: `body` called while `cond` is true (and fewer than
    `maximum_iterations` times), as Python on the values; the loop variables keep their structure and dtypes."""
    values = [x if isinstance(x, TensorArray) else convert_to_tensor(x) for x in nest.flatten(loop_vars)]
    structure = loop_vars
    limit = _maximum_iterations(maximum_iterations)
    limit = None if limit is None else int(limit.numpy())
    done = 0
    while limit is None or done < limit:
        packed = nest.pack_sequence_as(structure, values)
        pred = cond(*packed)
        if isinstance(pred, TensorArray) or pred is None:
            raise TypeError(f"cond must return a boolean scalar tensor, got {pred!r}")
        if not bool(np.asarray(pred.numpy() if hasattr(pred, "numpy") else pred)):
            break
        result = _call_body(body, packed)
        new = []
        for i, (x, y) in enumerate(zip(values, nest.flatten(result))):
            if isinstance(y, TensorArray):
                new.append(y)
                continue
            y = convert_to_tensor(y, preferred_dtype=x.dtype.base_dtype)
            if y.dtype.base_dtype != x.dtype.base_dtype:
                raise TypeError(f"Loop variable {i} enters the loop with type {x.dtype.base_dtype.name}, but has "
                                f"type {y.dtype.base_dtype.name} after one iteration.")
            new.append(y)
        values, structure, done = new, result, done + 1
    out = nest.pack_sequence_as(structure, values)
    if return_same_structure:
        return out
    return out[0] if len(values) == 1 else out


def _flat_tensors(flat):
    return [x.flow if isinstance(x, TensorArray) else convert_to_tensor(x) for x in flat]


def finish_loop(graph, loop, tensors, outs, pred, first, max_t=None, back_prop=True, parallel_iterations=10,
                swap_memory=False, name="Exit"):
    """The While op of `loop` (a LoopBody just built, popped from the scope stack, its ops those of the graph from
    index `first` on) over the initial values `tensors`; `outs` are the body's results, `pred` the condition.
    Returns (op, its outputs as a list). tf.while_loop and the import of TF 1.x frames (graph_io/tf_while.py) end
    here."""
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
                                      "swap_memory": swap_memory}, name, graph=graph)
    exits = exits if isinstance(exits, list) else [exits]
    loop_op = exits[0].op
    for ctl in loop.external_control:
        loop_op._add_control_input(ctl)
    return loop_op, exits


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
    if get_default_graph()._is_eager:
        return _eager_while_loop(cond, body, loop_vars, maximum_iterations, return_same_structure)
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
        max_t = _maximum_iterations(maximum_iterations)

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
            result = _call_body(body, packed)
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
        loop_op, exits = finish_loop(graph, loop, tensors, outs, pred, first, max_t, back_prop,
                                     parallel_iterations, swap_memory)
    items = [y._with(e) if isinstance(y, TensorArray) else e for y, e in zip(flat_out, exits)]
    packed_exit = nest.pack_sequence_as(result, items)
    if return_same_structure:
        return packed_exit
    return packed_exit[0] if len(flat) == 1 else packed_exit
