"""`draw`: a forward graph as a picture: ops are boxes, edges are the tensors between them, labelled with shapes."""
from __future__ import annotations

from ..framework.graph import Graph, Operation, Tensor
from .picture import Picture, attrs, quote

#: Ops drawn as inputs rather than computations.
SOURCE_TYPES = {"Placeholder": "#cfe8ff", "PlaceholderWithDefault": "#cfe8ff", "VariableV2": "#d7f5d0",
                "Const": "#eeeeee"}


def shape_text(shape) -> str:
    dims = shape.dims_tuple
    if dims is None:
        return "<unknown>"
    if not dims:
        return "scalar"
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"


def tensor_text(t: Tensor) -> str:
    dtype = t.dtype.base_dtype.name
    return shape_text(t.shape) + ("" if dtype == "float32" else f" {dtype}")


def node_id(op: Operation) -> str:
    return f"op{op._id}"


def as_ops(graph_or_tensors) -> list[Operation]:
    """The ops to draw: all of a Graph's, or the ancestors (inputs, then their inputs, ...) of the given tensors
    and ops, in creation order."""
    if isinstance(graph_or_tensors, Graph):
        return list(graph_or_tensors.get_operations())
    items = graph_or_tensors if isinstance(graph_or_tensors, (list, tuple, set)) else [graph_or_tensors]
    todo, seen = [], set()
    for item in items:
        if not isinstance(item, (Tensor, Operation)) and hasattr(item, "_ref"):
            item = item._ref()  # a Variable
        op = item.op if isinstance(item, Tensor) else item
        if not isinstance(op, Operation):
            raise TypeError(f"draw() takes a Graph, tensors or operations, got {type(item).__name__}")
        todo.append(op)
    while todo:
        op = todo.pop()
        if op in seen:
            continue
        seen.add(op)
        todo.extend(t.op for t in op.inputs)
        todo.extend(op.control_inputs)
    return sorted(seen, key=lambda o: o._id)


def graph_source(graph_or_tensors, title=None) -> str:
    ops = as_ops(graph_or_tensors)
    chosen = set(ops)
    lines = ["digraph graphgrad {", '  rankdir="BT";', '  node [fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=9, color="#555555"];']
    if title:
        lines.append(f"  label={quote(title)}; labelloc=t; fontname=\"Helvetica\";")
    scopes: dict[str, list[Operation]] = {}
    for op in ops:
        scope = op.name.split("/", 1)[0] if "/" in op.name else ""
        scopes.setdefault(scope, []).append(op)
    for i, (scope, members) in enumerate(scopes.items()):
        indent = "  "
        if scope:
            lines.append(f"  subgraph cluster_{i} {{ label={quote(scope)}; style=rounded; color=\"#bbbbbb\";")
            indent = "    "
        for op in members:
            fill = SOURCE_TYPES.get(op.type)
            short = op.name.rsplit("/", 1)[-1]
            label = short if short == op.type else f"{short}\n{op.type}"
            lines.append(indent + node_id(op) + attrs(label=label, shape="ellipse" if fill else "box",
                                                        style="filled,rounded" if fill else "rounded",
                                                        fillcolor=fill, tooltip=op.name))
        if scope:
            lines.append("  }")
    for op in ops:
        for t in op.inputs:
            if t.op in chosen:
                lines.append(f"  {node_id(t.op)} -> {node_id(op)}" + attrs(label=tensor_text(t), tooltip=t.name))
        for c in op.control_inputs:
            if c in chosen:
                lines.append(f"  {node_id(c)} -> {node_id(op)}" + attrs(style="dashed", color="#999999"))
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw(graph_or_tensors, path=None, title=None) -> Picture:
    """Draw a Graph (all its ops) or the ops that compute some tensors: ops as boxes (inputs as ellipses),
    grouped by their top-level name scope, edges labelled with the tensors' shapes (`?` for unknown sizes).

    `path` (optional) is written as SVG, PNG, PDF or DOT by its suffix. Returns the `Picture` (`.source` is the
    DOT text; `.pipe("svg")` the rendered bytes)."""
    picture = Picture(graph_source(graph_or_tensors, title))
    if path is not None:
        picture.save(path)
    return picture
