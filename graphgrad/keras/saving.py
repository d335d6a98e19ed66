"""Weights files, whole-model files and `model.summary()`.

`save_weights(path)` writes the model's weights, in `model.weights` order, as one graphgrad safetensors file
(train/checkpoint_io.py: atomic, pickle-free); `load_weights` reads it back by order, or a Keras 2 HDF5 weights
file (`.h5`/`.hdf5`, h5py from the `h5` extra) by order of the layers that have weights, or by layer name.
`save_model` / `load_model` write and read a whole model as Keras 2 does: one HDF5 file with the architecture
(`model_config` JSON), the training configuration and the weights (`model_weights/<layer>/<layer>/kernel:0`)."""
from __future__ import annotations

import json
import os

import numpy as np

from ..train import checkpoint, checkpoint_io
from .serialization import *  # noqa: F403  (tf.keras.saving's names: custom_object_scope, ...)

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


def _h5py(what):
    try:
        import h5py
    except ImportError:
        raise ImportError(f"{what} needs h5py: pip install 'graphgrad[h5]'") from None
    return h5py


def _load_h5(model, path, by_name):
    h5py = _h5py("loading a Keras .h5 weights file")
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


# --- whole models ----------------------------------------------------------------------------------------
def _training_config(model):
    opt = model.optimizer
    if opt is None or not hasattr(opt, "get_config") or type(opt).__name__ == "TFOptimizer":
        return None
    from . import metrics as _metrics
    saved = [m if isinstance(m, str) else _metrics.serialize(m) for m in model._metric_list
             if isinstance(m, (str, _metrics.Metric))]
    if not isinstance(model.loss, str) or len(saved) != len(model._metric_list):
        return None  # only a loss by name, metrics by name or as Metric objects can be rebuilt from a file
    return {"optimizer_config": {"class_name": type(opt).__name__, "config": opt.get_config()},
            "loss": model.loss, "metrics": saved}


class _Training:
    """A model with its optimizer, as tf.train.Checkpoint paths name them (`optimizer/...`, slots under
    `model/layer-0/kernel/.OPTIMIZER_SLOT/optimizer/m/...`): how the optimizer's state is saved."""

    def __init__(self, model):
        self.model = model

    def _checkpoint_dependencies(self):
        return [("model", self.model), ("optimizer", self.model.optimizer)]


def _optimizer_weights(model):
    """{path: value} of the optimizer's state (its variables and slots), empty before it was built by training."""
    from ..eager import EagerVariable

    if getattr(model.optimizer, "_tf", None) is None:
        return {}
    found = {p: v for p, v in checkpoint.object_variables(_Training(model)).items()
             if p.startswith("optimizer/") or "/.OPTIMIZER_SLOT/" in p}
    graph = [v for v in found.values() if not isinstance(v, EagerVariable)]
    values = model._session().variable_values(graph) if graph else {}
    return {p: v.numpy() if isinstance(v, EagerVariable) else values[v.op] for p, v in found.items()}


def _restore_optimizer(model, saved):
    """Put the saved optimizer state back: in graph mode after building the training function (which makes the
    slots), eagerly when the first training step makes them (a Checkpoint's deferred restore)."""
    from ..eager import executing_eagerly

    root = _Training(model)
    if executing_eagerly():
        model.optimizer.build()
        checkpoint.CheckpointLoadStatus(root, saved, "optimizer_weights")
        return
    model._make_functions()
    checkpoint.CheckpointLoadStatus(root, saved, "optimizer_weights").run_restore_ops(model._session())


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write `model` (Sequential or functional) as one Keras HDF5 file, atomically (a temporary file renamed)."""
    h5py = _h5py("model.save (a Keras .h5 file)")
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    config = model_config(model)
    training = _training_config(model) if include_optimizer else None
    optimizer_weights = _optimizer_weights(model) if training is not None else {}
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = "2.2.4-tf"  # the Keras whose HDF5 layout this is
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = json.dumps(config)
            if training is not None:
                f.attrs["training_config"] = json.dumps(training)
            group = f.create_group("model_weights")
            group.attrs["layer_names"] = [layer.name.encode("utf8") for layer in model.layers]
            for layer in model.layers:
                g = group.create_group(layer.name)
                names = [f"{layer.name}/{rel}:0" for rel, _ in layer._checkpoint_dependencies()]
                g.attrs["weight_names"] = [n.encode("utf8") for n in names]
                for name, value in zip(names, layer.get_weights()):
                    g.create_dataset(name, data=value)
            if optimizer_weights:  # Keras' group for the optimizer's state (named by checkpoint path here)
                g = f.create_group("optimizer_weights")
                g.attrs["weight_names"] = [n.encode("utf8") for n in optimizer_weights]
                for name, value in optimizer_weights.items():
                    g.create_dataset(name, data=value)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _accepted(cls):
    """The argument names the constructors of `cls` take (Keras files hold more keys: constraints, policies)."""
    import inspect

    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None and klass is not object:
            names.update(inspect.signature(inspect.unwrap(init)).parameters)
    return names


def _object_key(key):
    """An argument whose config dict is an object to rebuild (an initializer, regularizer, constraint or
    activation, `keras.initializers.get(dict)`...), not a setting graphgrad's layer lacks."""
    return key == "activation" or key.endswith(("_initializer", "_regularizer", "_constraint"))


def layer_from_config(spec, custom_objects=None):
    """A layer from Keras' `{"class_name": ..., "config": {...}}`, keeping the arguments graphgrad's layer takes
    (settings at their defaults in a Keras file, such as `kernel_constraint: null`, are dropped)."""
    from .layers._base import layer_class

    cls = layer_class(spec, custom_objects)
    accepted = _accepted(cls)
    extra = set(getattr(cls, "_config_keys", ()))  # what a layer's from_config reads besides its arguments
    config = {k: v for k, v in spec["config"].items()
              if k in extra or k in accepted and (not isinstance(v, dict) or _object_key(k))}
    if _name_taken(config.get("name")):
        del config["name"]  # the saved model is in this graph too: the copy's layers get names of their own
    from .serialization import CustomObjectScope

    with CustomObjectScope(custom_objects or {}):  # the objects nested in the config are found by name too
        if extra:
            return cls.from_config(config, custom_objects)
        return cls.from_config(config)


def _name_taken(name):
    from ..framework.graph import GraphKeys, get_default_graph

    return name is not None and any(v.op.name.startswith(name + "/")
                                    for v in get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES))


def model_config(model):
    """Keras' `{"class_name": ..., "config": ...}` of a Sequential or functional model (what `model_config` in an
    HDF5 file and `to_json` hold)."""
    return {"class_name": "Sequential" if model._is_sequential() else "Functional", "config": model.get_config()}


def model_from_config(config, custom_objects=None):
    """The (uncompiled, freshly initialized) model of `model_config`: Sequential, or functional ("Functional", or
    "Model" as older Keras wrote it)."""
    from .models import Model, Sequential

    kind, body = config["class_name"], config["config"]
    if kind == "Sequential":
        return Sequential.from_config(body, custom_objects)
    if kind in ("Functional", "Model"):
        return Model.from_config(body, custom_objects)
    raise ValueError(f"Unknown model class {kind}: graphgrad rebuilds Sequential and functional models")


def load_model(filepath, custom_objects=None, compile=True):
    """The model saved by `model.save` (or by Keras 2 for these layers): architecture, weights, and compiled
    with the saved optimizer, loss and metrics when `compile` and the file has them."""
    from . import optimizers

    h5py = _h5py("keras.models.load_model (a Keras .h5 file)")
    path = os.fspath(filepath)
    with h5py.File(path, "r") as f:
        if "model_config" not in f.attrs:
            raise ValueError(f"No model found in config file {path}: it holds weights only (use load_weights)")
        config = json.loads(_text(f.attrs["model_config"]))
        training = json.loads(_text(f.attrs["training_config"])) if "training_config" in f.attrs else None
        saved_state = {}
        if "optimizer_weights" in f:
            g = f["optimizer_weights"]
            saved_state = {n: np.asarray(g[n]) for n in (_text(n) for n in g.attrs["weight_names"])}
    model = model_from_config(config, custom_objects)
    # by name when the rebuilt layers kept the file's names: Keras 2 lists a functional model's layers by depth,
    # graphgrad's model.layers by a walk from the outputs, so with branches the two orders differ
    body = config["config"]
    names = {layer.name for layer in model.layers}
    specs = body.get("layers", []) if isinstance(body, dict) else body
    _load_h5(model, path, by_name=bool(specs) and all(s["config"].get("name") in names for s in specs))
    if compile and training is not None:
        spec = training["optimizer_config"]
        cls = getattr(optimizers, spec["class_name"], None) or optimizers.get(spec["class_name"].lower()).__class__
        accepted = _accepted(cls) | set(cls._defaults)
        opt = cls(**{k: v for k, v in spec["config"].items()  # a learning-rate schedule is a config dict
                      if k in accepted and (not isinstance(v, dict) or k == "learning_rate")})
        model.compile(opt, training["loss"], metrics=training.get("metrics") or None)
        if saved_state:
            _restore_optimizer(model, saved_state)
    return model


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
