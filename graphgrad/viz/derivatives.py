"""The chain-rule lecture's graph of derivatives, built from a real graphgrad graph.

Take the forward graph of `y`, reverse every edge, and label the edge from an op's output `o` back to its input
`i` with the local derivative `∂o/∂i`. The derivative of `y` by `x` is then the sum, over every path from `y`
to `x`, of the product of the edge labels along the path (`path_sum`): the lecture's algorithm, written out
as a slow, explicit computation. `tf.gradients` gets the same number by visiting every edge once, in reverse
topological order, summing at each node what arrived from its consumers (docs/viz.md measures the difference).

The local derivatives are computed by graphgrad itself: each op is copied into a scratch graph whose inputs are
placeholders fed with the values the op saw, and `tf.gradients` of the copy's output by each input is run there.
The user's graph gets no new ops (except a variable initializer when no session is given).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autodiff import gradients
from ..framework.graph import Graph, Operation, Tensor
from ..ops.core import constant, placeholder
from ..runtime.session import Session
from .draw import shape_text
from .picture import Picture, attrs, quote


@dataclass(frozen=True)
class Edge:
    """One edge of the graph of derivatives: from an op's output `out` back to its `slot`-th input `inp`."""

    out: Tensor
    inp: Tensor
    slot: int

    @property
    def op(self) -> Operation:
        return self.out.op


def _as_tensor(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    ref = getattr(x, "_ref", None)  # a Variable: its VariableV2 output
    if ref is not None:
        return ref()
    raise TypeError(f"expected a Tensor or a Variable, got {type(x).__name__}")


def _differentiable(t: Tensor) -> bool:
    return t.dtype.base_dtype.is_floating


def derivative_edges(y, include_constants=False) -> list[Edge]:
    """The edges of y's graph of derivatives: for every op y depends on, one edge per (output that leads to y,
    floating-point input). Constants are left out unless `include_constants`: their derivatives are never used."""
    y = _as_tensor(y)
    live, todo, ops = {y}, [y.op], set()
    while todo:
        op = todo.pop()
        if op in ops:
            continue
        ops.add(op)
        for t in op.inputs:
            live.add(t)
            todo.append(t.op)
    edges = []
    for op in sorted(ops, key=lambda o: -o._id):
        for out in op.outputs:
            if out not in live or not _differentiable(out):
                continue
            for slot, inp in enumerate(op.inputs):
                if _differentiable(inp) and (include_constants or inp.op.type != "Const"):
                    edges.append(Edge(out, inp, slot))
    return edges


def reaching(edges, xs) -> set:
    """The tensors that depend on some x along the edges (the xs included)."""
    consumers: dict[Tensor, list[Edge]] = {}
    for e in edges:
        consumers.setdefault(e.inp, []).append(e)
    seen, todo = set(), list(xs)
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        todo.extend(e.out for e in consumers.get(t, []))
    return seen


def count_paths(y, x, edges=None) -> int:
    """How many paths lead from y to x in the graph of derivatives (exact, by dynamic programming)."""
    y, x = _as_tensor(y), _as_tensor(x)
    edges = derivative_edges(y) if edges is None else edges
    by_out: dict[Tensor, list[Edge]] = {}
    for e in edges:
        by_out.setdefault(e.out, []).append(e)
    memo: dict[Tensor, int] = {x: 1}
    # edges come from ops in reverse creation order: visit tensors so that inputs are counted first
    order = sorted({e.out for e in edges}, key=lambda t: t.op._id)
    for t in order:
        if t is not x:
            memo[t] = sum(memo.get(e.inp, 0) for e in by_out[t])
    return memo.get(y, 0)


def _session_for(graph, session):
    if session is not None:
        return session, False
    from ..variables import global_variables, variables_initializer

    s = Session(graph=graph)
    with graph.as_default():
        var_list = global_variables()
        if var_list:
            s.run(variables_initializer(var_list))
    return s, True


def forward_values(tensors, feed_dict=None, session=None) -> dict:
    """The values of `tensors` for one feed (in `session`, or in a new one with fresh variables)."""
    tensors = list(dict.fromkeys(tensors))
    if not tensors:
        return {}
    s, own = _session_for(tensors[0].graph, session)
    try:
        fed = {(_as_tensor(k) if not isinstance(k, str) else tensors[0].graph.get_tensor_by_name(k)): v
               for k, v in (feed_dict or {}).items()}
        fetch = [t for t in tensors if t not in fed]
        values = dict(zip(fetch, s.run(fetch, feed_dict=feed_dict))) if fetch else {}
        values.update({t: np.asarray(v) for t, v in fed.items() if t in set(tensors)})
        return {t: np.asarray(v) for t, v in values.items()}
    finally:
        if own:
            s.close()


def local_partials(edges, values) -> dict:
    """The value of each edge's local derivative ∂out/∂inp, where both are single numbers (size 1), for the
    inputs in `values`: each op is copied into one scratch graph with its inputs fed, and `tf.gradients` of the
    copy's output by each input slot is run there. Edges between larger tensors are left out."""
    wanted: dict[Operation, list[Edge]] = {}
    for e in edges:
        if e.op.inputs and all(t in values for t in e.op.inputs) and e.out in values:
            if values[e.out].size == 1 and values[e.inp].size == 1:
                wanted.setdefault(e.op, []).append(e)
    if not wanted:
        return {}
    g = Graph()
    fetches, feeds = {}, {}
    with g.as_default():
        for op, op_edges in wanted.items():
            slots = {e.slot for e in op_edges}
            ins = []
            for slot, t in enumerate(op.inputs):
                v = np.asarray(values[t], dtype=t.dtype.base_dtype.np)
                if slot in slots:
                    ph = placeholder(t.dtype.base_dtype, v.shape, f"in{len(feeds)}")
                    feeds[ph] = v
                    ins.append(ph)
                else:
                    ins.append(constant(v, dtype=t.dtype.base_dtype))
            try:
                copy = g.create_op(op.op_def, ins, dict(op.attrs), name=f"local_{op.type}")
                for e in op_edges:
                    (d,) = gradients(copy.outputs[e.out.value_index], [ins[e.slot]])
                    fetches[e] = d
            except (ValueError, TypeError, NotImplementedError, LookupError):
                continue  # an op without a gradient rule or that cannot be copied: its edges stay unlabelled
    s = Session(graph=g)
    try:
        real = {e: d for e, d in fetches.items() if d is not None}
        results = dict(zip(real, s.run(list(real.values()), feed_dict=feeds))) if real else {}
    finally:
        s.close()
    return {e: float(np.asarray(results[e]).reshape(-1)[0]) if e in results else 0.0 for e in fetches}


class DerivativeGraph:
    """The graph of derivatives of `y` (see the module's doc): its edges, and, for a feed, the forward values
    and the local derivatives (numbers where both ends are single numbers)."""

    def __init__(self, y, xs=(), feed_dict=None, session=None, labels=None, include_constants=False):
        self.y = _as_tensor(y)
        xs = xs if isinstance(xs, (list, tuple)) else [xs]
        self.xs = [_as_tensor(x) for x in xs]
        self.labels = {_as_tensor(k): v for k, v in (labels or {}).items()}
        self.edges = derivative_edges(self.y, include_constants)
        self.tensors = list(dict.fromkeys([self.y] + [t for e in self.edges for t in (e.out, e.inp)]))
        self.on_path = reaching(self.edges, self.xs) if self.xs else set()
        self.values, self.partials = {}, {}
        if feed_dict is not None:
            ops_inputs = [t for e in self.edges for t in e.op.inputs]
            self.values = forward_values(self.tensors + ops_inputs, feed_dict, session)
            self.partials = local_partials(self.edges, self.values)

    def name(self, t: Tensor) -> str:
        if t in self.labels:
            return self.labels[t]
        return t.op.name if t.value_index == 0 else t.name

    def symbol(self, e: Edge) -> str:
        return f"∂{self.name(e.out)}/∂{self.name(e.inp)}"

    def highlighted(self, e: Edge) -> bool:
        return e.inp in self.on_path

    def paths(self, x) -> list[tuple[list[Edge], float | None]]:
        """Every path from y to x (lists of edges) with the product of its edge values (None without a feed)."""
        x = _as_tensor(x)
        by_out: dict[Tensor, list[Edge]] = {}
        for e in self.edges:
            by_out.setdefault(e.out, []).append(e)
        found, stack = [], [(self.y, [])]
        while stack:
            t, path = stack.pop()
            if t is x:
                found.append(path)
                continue
            for e in reversed(by_out.get(t, [])):
                stack.append((e.inp, path + [e]))
        result = []
        for path in found:
            product = None
            if self.values:
                product = 1.0
                for e in path:
                    if e not in self.partials:
                        raise ValueError(
                            f"path_sum multiplies single numbers: {self.symbol(e)} joins a tensor of shape "
                            f"{shape_text(e.out.shape)} and one of shape {shape_text(e.inp.shape)}")
                    product *= self.partials[e]
            result.append((path, product))
        return result

    # --- the picture -------------------------------------------------------------------------------------

    def source(self, title=None) -> str:
        ids = {t: f"t{i}" for i, t in enumerate(self.tensors)}
        lines = ["digraph derivatives {", '  rankdir="TB";', "  nodesep=0.5; ranksep=0.7;",
                 '  node [fontname="Helvetica", fontsize=12, shape=ellipse, style=filled, fillcolor="#ffffff"];',
                 '  edge [fontname="Helvetica", fontsize=10, color="#9a9a9a", fontcolor="#666666"];']
        if title:
            lines.append(f"  label={quote(title)}; labelloc=t; fontname=\"Helvetica\"; fontsize=14;")
        for t in self.tensors:
            label = self.name(t)
            v = self.values.get(t)
            if v is not None and v.size == 1:
                label += f" = {float(v.reshape(-1)[0]):.4g}"
            elif t.shape.dims_tuple != ():
                label += "\n" + shape_text(t.shape if v is None else _shape_of(v))
            fill = "#ffd6d6" if t is self.y else "#ffe6b3" if t in self.xs else "#ffffff"
            lines.append(f"  {ids[t]}" + attrs(label=label, fillcolor=fill, tooltip=t.name))
        for e in self.edges:
            label = self.symbol(e)
            if e in self.partials:
                label += f"\n= {self.partials[e]:.4g}"
            elif self.values:
                label += "\n" + " by ".join(shape_text(_shape_of(self.values[t])) for t in (e.out, e.inp)
                                           if t in self.values)
            hot = self.highlighted(e)
            lines.append(f"  {ids[e.out]} -> {ids[e.inp]}" + attrs(
                label=label, color="#d62728" if hot else None, fontcolor="#b01010" if hot else None,
                penwidth="2.2" if hot else None))
        lines.append("}")
        return "\n".join(lines) + "\n"

    def picture(self, title=None) -> Picture:
        return Picture(self.source(title))


def _shape_of(v):
    from ..framework.tensor_shape import as_shape

    return as_shape(np.shape(v))


def derivative_graph(y, xs=(), feed_dict=None, path=None, session=None, labels=None, title=None,
                     include_constants=False) -> DerivativeGraph:
    """Draw the lecture's graph of derivatives of `y`: the forward graph with its edges reversed, each edge
    labelled with its local derivative `∂out/∂in` and, for a `feed_dict`, with its value (where both ends are
    single numbers; edges between larger tensors show the shapes); the paths from y to each of `xs` in red.

    `labels` maps tensors (or variables) to the names shown (`{alpha: "α"}`); `session` supplies variables'
    values (a new session with freshly initialized variables otherwise). Writes `path` (.svg, .png, .pdf, .dot)
    when given; returns the `DerivativeGraph` (`.picture()`, `.paths(x)`, `.partials`, `.values`)."""
    dg = DerivativeGraph(y, xs, feed_dict, session, labels, include_constants)
    if path is not None:
        dg.picture(title).save(path)
    return dg


def path_sum(y, x, feed_dict=None, session=None, return_terms=False):
    """∂y/∂x by the lecture's algorithm: find every path from y to x in the graph of derivatives, multiply the
    edge values along each, and add the products. Slow on purpose (the number of paths grows exponentially with
    depth); for graphs of single numbers. With `return_terms`, also returns [(path as names, product), ...]."""
    dg = DerivativeGraph(y, [x], {} if feed_dict is None else feed_dict, session)
    if dg.values[dg.y].size != 1:
        raise ValueError(f"path_sum differentiates a single number; {dg.name(dg.y)} has shape "
                         f"{dg.values[dg.y].shape}")
    terms = dg.paths(x)
    total = float(sum(p for _, p in terms))
    if return_terms:
        named = [([dg.name(dg.y)] + [dg.name(e.inp) for e in path], p) for path, p in terms]
        return total, named
    return total

