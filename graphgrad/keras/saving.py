"""Weights files and `model.summary()`.

`save_weights(path)` writes the model's weights, in `model.weights` order, as one graphgrad safetensors file
(train/checkpoint_io.py: atomic, pickle-free); `load_weights` reads it back by order, or a Keras 2 HDF5 weights
file (`.h5`/`.hdf5`, h5py from the `h5` extra) by order of the layers that have weights, or by layer name."""
from __future__ import annotations

import os

import numpy as np

from ..train import checkpoint_io

_FORMAT = "graphgrad.keras weights"


def _key(i, v):
    return f"{i:04d}/{v.name.split(':')[0]}"


def save_weights(model, filepath):
    path = os.fspath(filepath)
    if path.endswith((".h5", ".hdf5", ".keras")):
        raise ValueError("save_weights writes graphgrad's safetensors format; use a path not ending in .h5 "
                         "(load_weights reads Keras .h5 files)")
    values = model.get_weights()
    checkpoint_io.save_arrays(path, {_key(i, v): a for i, (v, a) in enumerate(zip(model.weights, values))},
                              {"format": _FORMAT})


def load_weights(model, filepath, by_name=False):
    path = os.fspath(filepath)
    if path.endswith((".h5", ".hdf5")):
        return _load_h5(model, path, by_name)
    arrays, meta = checkpoint_io.load_arrays(path)
    if meta.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a weights file written by model.save_weights")
    values = [arrays[k] for k in sorted(arrays)]
    if len(values) != len(model.weights):
        raise ValueError(f"You are trying to load a weight file containing {len(values)} weights into a model "
                         f"with {len(model.weights)} weights.")
    model.set_weights(values)


def _text(x):
    return x.decode("utf8") if isinstance(x, bytes) else str(x)


def _load_h5(model, path, by_name):
    try:
        import h5py
    except ImportError:
        raise ImportError("loading a Keras .h5 weights file needs h5py: pip install 'graphgrad[h5]'") from None
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        saved = []
        for name in (_text(n) for n in group.attrs["layer_names"]):
            g = group[name]
            names = [_text(n) for n in g.attrs["weight_names"]]
            if names:
                saved.append((name, [np.asarray(g[n]) for n in names]))
    layers = [layer for layer in model.layers if layer.weights]
    if by_name:
        found = dict(saved)
        pairs = [(layer, found[layer.name]) for layer in layers if layer.name in found]
    else:
        if len(saved) != len(layers):
            raise ValueError(f"You are trying to load a weight file containing {len(saved)} layers into a model "
                             f"with {len(layers)} layers.")
        pairs = [(layer, values) for layer, (_, values) in zip(layers, saved)]
    for layer, values in pairs:
        layer.set_weights(values)


# --- summary ---------------------------------------------------------------------------------------------
def _shape_text(layer):
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"
    if isinstance(shape, list):
        return str(shape) if len(shape) != 1 else str(shape[0])
    return str(shape)


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Keras' table: Layer (type), Output Shape, Param # (and Connected to for a functional model with merges)."""
    print_fn = print_fn or print
    layers = model.layers
    if not layers or not all(lay._inbound or getattr(lay, "_eager_shapes", None) for lay in layers):
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or "
                         "calling `fit()` with some data, or specify an `input_shape` argument in the first layer(s)"
                         " for automatic build.")
    from .layers import InputLayer

    functional = getattr(model, "_functional", False)
    sequential_like = not functional or all(len(lay._inbound[0][0]) <= 1 for lay in layers)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        columns = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        columns = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def row(fields):
        line = ""
        for field, pos in zip(fields, positions):
            line = (line + str(field))[:pos]
            line += " " * (pos - len(line))
        print_fn(line)

    from . import backend as K

    hist = {} if K.executing_eagerly() or model.outputs is None else K.history(model.outputs[0].graph)
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    row(columns)
    print_fn("=" * line_length)
    for i, layer in enumerate(layers):
        fields = [f"{layer.name} ({type(layer).__name__})", _shape_text(layer), layer.count_params()]
        if not sequential_like:
            ins = layer._inbound[0][0] if layer._inbound else []
            fields.append(", ".join(f"{hist[t][0].name}[0][0]" for t in ins if t in hist)
                          if not isinstance(layer, InputLayer) else "")
        row(fields)
        print_fn("=" * line_length if i == len(layers) - 1 else "_" * line_length)
    trainable = sum(int(np.prod(v.shape.as_list())) for v in model.trainable_weights)
    total = sum(int(np.prod(v.shape.as_list())) for v in model.weights)
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn("_" * line_length)
