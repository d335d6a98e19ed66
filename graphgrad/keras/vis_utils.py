"""`tf.keras.utils.model_to_dot` / `plot_model`: a model's layers as a Graphviz picture (the `viz` extra)."""
from __future__ import annotations

import os

from ..viz.picture import attrs

_MISSING = ("You must install graphviz (`pip install 'graphgrad[viz]'`) and the system's Graphviz `dot` (see "
            "instructions at https://graphviz.gitlab.io/download/) for plot_model to work.")


def _graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError(_MISSING) from None
    return graphviz


def _shapes(tensors):
    shapes = [tuple(t.shape.as_list()) if t.shape.dims is not None else "?" for t in tensors]
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable):
    cls = type(layer).__name__
    parts = [f"{layer.name}|{cls}" if show_layer_names else cls]
    activation = getattr(getattr(layer, "activation", None), "__name__", None)
    if show_layer_activations and activation:
        parts.append(activation)
    if show_dtype:
        parts.append(str(getattr(layer, "dtype", "float32")))
    ins, outs = layer._inbound[0] if layer._inbound else ([], [])
    if show_shapes:
        parts.append(f"input:|{_shapes(ins) if ins else _shapes(outs)}")
        parts.append(f"output:|{_shapes(outs) if outs else 'multiple'}")
    if show_trainable:
        parts.append(f"Trainable: {'Y' if layer.trainable else 'N'}")
    return "{" + "}|{".join(parts) + "}" if len(parts) > 1 else parts[0]


def _source(model, show_shapes, show_dtype, show_layer_names, rankdir, dpi, show_layer_activations,
            show_trainable, layer_range):
    from . import backend as K

    layers = model.layers
    if layer_range is not None:
        names = [layer.name for layer in layers]
        if len(layer_range) != 2 or not all(n in names for n in layer_range):
            raise ValueError(f"layer_range must be two layer names of the model; received: {layer_range}")
        layers = layers[names.index(layer_range[0]):names.index(layer_range[1]) + 1]
    ids = {id(layer): f"L{i}" for i, layer in enumerate(layers)}
    lines = ["digraph G {", f"  rankdir={rankdir}; concentrate=True; dpi={dpi};", '  node [shape=record];']
    for layer in layers:
        label = _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
        lines.append(f"  {ids[id(layer)]}" + attrs(label=label))
    hist = K.history(model.outputs[0].graph) if getattr(model, "outputs", None) else {}
    previous = None
    for layer in layers:
        if model._is_sequential():
            if previous is not None:
                lines.append(f"  {ids[id(previous)]} -> {ids[id(layer)]};")
            previous = layer
            continue
        for t in (layer._inbound[0][0] if layer._inbound else []):
            source = hist.get(t, (None,))[0]
            if source is not None and id(source) in ids:
                lines.append(f"  {ids[id(source)]} -> {ids[id(layer)]};")
    return "\n".join([*lines, "}"])


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False, layer_range=None, show_layer_activations=False,
                 show_trainable=False):
    """The model as a `graphviz.Source`: one record node per layer (`name|Class`, shapes with `show_shapes`),
    an edge per connection; `.source` is the DOT text. Keras returns a pydot graph; graphgrad uses the
    `graphviz` package (the `viz` extra) instead. Nested models are drawn as one node."""
    return _graphviz().Source(_source(model, show_shapes, show_dtype, show_layer_names, rankdir, dpi,
                                      show_layer_activations, show_trainable, layer_range))


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96, layer_range=None, show_layer_activations=False,
               show_trainable=False):
    """Write `model_to_dot(...)` to `to_file` in the format its extension names (png, svg, pdf, dot, ...).
    Without the graphviz package or the `dot` program: ImportError saying what to install."""
    dot = model_to_dot(model, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
                       layer_range=layer_range, show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    if extension == "dot":
        data = dot.source.encode()
    else:
        try:
            data = dot.pipe(format=extension)
        except _graphviz().ExecutableNotFound:
            raise ImportError(_MISSING) from None
    with open(to_file, "wb") as f:
        f.write(data)
    return dot


__all__ = ["model_to_dot", "plot_model"]
