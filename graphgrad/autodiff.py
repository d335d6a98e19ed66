"""Reverse-mode automatic differentiation that builds the graph of derivatives (the lecture's reversed graph).

`gradients(ys, xs)` visits the ops between xs and ys once, in reverse topological order, and calls each
op's gradient rule. Gradients flowing into one tensor from several consumers are summed with AddN (the
"sum over paths" of the chain-rule lecture). Everything it creates is ordinary graph ops under a
`gradients/` name scope, so the result can be run, inspected in TensorBoard, or differentiated again.
The sweep itself (`backprop`) takes any per-op rule, so that an eager tape or a loop's gradient can reuse it.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from .framework import dtypes
from .framework.graph import Tensor, get_default_graph
from .framework.op_def import gradient_rule
from .ops import indexed_slices
from .ops.arithmetic_ops import add_n
from .ops.core import constant, convert_to_tensor, ones_like, zeros_like
from .ops.tensor_array_ops import add_gradient_lists


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _as_tensor(x):
    ref = getattr(x, "_ref", None)
    return ref() if ref is not None and not isinstance(x, Tensor) else convert_to_tensor(x)


def _backpropagatable(t):
    """Floats, complex numbers, and variants (a TensorArray's flow: its gradient is a gradient list,
    ops/tensor_array_ops.py)."""
    dt = t.dtype.base_dtype
    return dt.is_floating or dt.is_complex or dt == dtypes.variant


def _aggregate(grads, name=None):
    grads = [g for g in grads if g is not None]
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    if any(isinstance(g, indexed_slices.IndexedSlices) for g in grads):
        return indexed_slices.aggregate(grads, name=name)
    return add_gradient_lists(grads, name=name) if grads[0].dtype == dtypes.variant else add_n(grads, name=name)


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None):
    """Symbolic d(sum of ys)/d(x) for each x in xs; None for an x that ys do not depend on. As in TF, the
    gradient of rows gathered from x (`tf.gather`, `embedding_lookup`) is a `tf.IndexedSlices`."""
    ys = [_as_tensor(y) for y in _as_list(ys)]
    xs = [_as_tensor(x) for x in _as_list(xs)]
    grad_ys = _as_list(grad_ys) if grad_ys is not None else [None] * len(ys)
    if len(grad_ys) != len(ys):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    stops = {_as_tensor(s).op for s in _as_list(stop_gradients)} if stop_gradients is not None else set()
    g = ys[0].graph if ys else get_default_graph()
    between = _ops_between(xs, ys, stops)
    with g.as_default(), g.name_scope(name):  # gradient rules build their ops (and constants) in g
        grads = _initial_grads(ys, grad_ys)
        backprop(_reverse_order(ys, between, stops), grads, _graph_rules(g, between, stops))
        return [_aggregate(grads.get(x, [])) for x in xs]


def backprop(ops, grads, op_gradient):
    """The reverse sweep of reverse-mode autodiff, for any way of differentiating one op.

    `ops` run in reverse topological order (every consumer before what it consumes); `grads` maps tensors to
    the gradients collected for them so far (seeded with the gradients of the ys). For each op, the gradients
    of each output are summed (AddN: the sum over paths) and `op_gradient(op, out_grads)` returns the input
    gradients (one per input, None for none) or None when the op is not to be differentiated; they are
    collected for the inputs. Afterwards `grads[t]` holds one summed gradient for every tensor some gradient
    reached as an op's output (the xs' gradients are left to sum). `gradients` passes the graph gradient
    rules; an eager tape or a loop's gradient passes its own ops and rules."""
    for op in ops:
        out_grads = []
        for t in op.outputs:
            total = _aggregate(grads.get(t, []))
            if total is not None:
                grads[t] = [total]  # summed once, also when t is one of the xs
            out_grads.append(total)
        in_grads = op_gradient(op, out_grads)
        if in_grads is None:
            continue
        for t, gr in zip(op.inputs, in_grads):
            if gr is not None and _backpropagatable(t):
                grads.setdefault(t, []).append(gr)
    return grads


def _ops_between(xs, ys, stops):
    """The ops to differentiate: reachable forward from xs (data edges only) and leading to ys, not looking
    behind a stop op."""
    reached = set()
    queue = deque(x.op for x in xs)
    while queue:
        op = queue.popleft()
        if op in reached:
            continue
        reached.add(op)
        for t in op.outputs:
            for c in t._consumers:
                if c not in reached:
                    queue.append(c)
    between = set()
    queue = deque(y.op for y in ys)
    while queue:
        op = queue.popleft()
        if op in between or op not in reached:
            continue
        between.add(op)
        if op in stops:
            continue
        for t in op.inputs:
            queue.append(t.op)
    return between


def _reverse_order(ys, between, stops):
    """The ops of `between` in reverse topological order: an op comes once all its consumers in `between` came
    (Kahn's algorithm from the ys' ops, the latest created first)."""
    pending = dict.fromkeys(between, 0)
    for op in between:
        if op in stops:
            continue
        for t in op.inputs:
            if t.op in between:
                pending[t.op] += 1
    ready = deque(sorted((op for op in {y.op for y in ys} if op in between and pending[op] == 0),
                         key=lambda o: -o._id))
    order = []
    while ready:
        op = ready.popleft()  # each op becomes ready once: when its last consumer came, or at the start
        order.append(op)
        if op in stops:
            continue
        for t in op.inputs:
            if t.op in between:
                pending[t.op] -= 1
                if pending[t.op] == 0:
                    ready.append(t.op)
    return order


def _initial_grads(ys, grad_ys):
    """`{y: [gradient of y]}`: grad_ys, or ones (a constant when y's shape is known) where it is None."""
    grads: dict[Tensor, list] = {}
    for i, (y, gy) in enumerate(zip(ys, grad_ys)):
        if gy is None:
            if not _backpropagatable(y) or y.dtype == dtypes.variant:
                continue  # as in TF: nothing flows back from an integer y, so its xs get None
            shape = y.shape.dims_tuple
            if shape is not None and all(d is not None for d in shape):
                gy = constant(np.ones(shape, y.dtype.base_dtype.np), name=f"grad_ys_{i}")
            else:
                gy = ones_like(y, name=f"grad_ys_{i}")
        else:
            gy = convert_to_tensor(gy, dtype=y.dtype.base_dtype)
        grads.setdefault(y, []).append(gy)
    return grads


def _graph_rules(g, between, stops):
    """`op_gradient` for `backprop` that calls each op's gradient rule, building its ops in g under
    `<op name>_grad`; missing output gradients become zeros."""
    def op_gradient(op, out_grads):
        # As TF1's stop ops: an op none of whose inputs lead back to xs needs no gradient rule (e.g. the
        # MatMul behind an x that is a hidden layer's output).
        if (op in stops or all(gr is None for gr in out_grads)
                or not any(t.op in between for t in op.inputs)):
            return None
        rule = gradient_rule(op)
        if rule is None:
            raise LookupError(f"No gradient defined for operation '{op.name}' (op type: {op.type})")
        with g.name_scope(op.name + "_grad"):
            # a variant output without a gradient gets None (zero), which its rules handle; an IndexedSlices
            # (a gather's gradient) reaches only rules that take one (`OpDef.sparse_gradients`), others get it dense
            out_grads = [(gr if op.op_def.sparse_gradients or not isinstance(gr, indexed_slices.IndexedSlices)
                          else convert_to_tensor(gr)) if gr is not None
                         else (zeros_like(t) if _backpropagatable(t) and t.dtype != dtypes.variant else None)
                         for gr, t in zip(out_grads, op.outputs)]
            in_grads = _as_list(rule(op, *out_grads))
        if len(in_grads) != len(op.inputs):
            raise ValueError(f"Gradient rule of {op.type} returned {len(in_grads)} values for "
                             f"{len(op.inputs)} inputs")
        return in_grads
    return op_gradient


def hessians(ys, xs, name="hessians"):
    """Full Hessian of sum(ys) with respect to each x, built from gradients of gradients."""
    from .ops import array_ops

    out = []
    for x in _as_list(xs):
        x = _as_tensor(x)
        (gx,) = gradients(ys, x)
        n = x.shape.num_elements()
        if n is None:
            raise ValueError("hessians needs a fully defined shape for x")
        flat = array_ops.reshape(gx, [-1])
        rows = [gradients(flat[i], x)[0] for i in range(n)]
        rows = [r if r is not None else zeros_like(x) for r in rows]
        out.append(array_ops.reshape(array_ops.stack(rows), x.shape.as_list() + x.shape.as_list()))
    return out
