"""`tf.contrib.eager` (`import tensorflow.contrib.eager as tfe`): TF 1.x's eager helpers, on graphgrad's eager
mode (graphgrad/eager) — the names the 2018 eager tutorials use.

`implicit_gradients(f)(*args)` runs `f` under a `GradientTape` and returns `[(gradient, variable)]` for every
trainable variable `f` read, in the order first read: what `optimizer.apply_gradients` takes.
`gradients_function(f)(*args)` differentiates `f` with respect to its arguments instead. `Network` is TF 1.8's
container of `tf.layers` objects (`track_layer`), kept because tutorials of that time subclass it.
"""
from __future__ import annotations

import inspect

from ..autodiff import gradients
from ..config import list_physical_devices
from ..data.iterator_ops import EagerIterator as Iterator
from ..eager import (
    GradientTape,
    defun,
    enable_eager_execution,
    executing_eagerly,
    function,
)
from ..eager.nest import flatten, pack
from ..layers.core import Layer
from ..ops.core import convert_to_tensor, identity
from ..train.checkpoint import Checkpoint
from ..variables import Variable, trainable_variables

__all__ = ["enable_eager_execution", "executing_eagerly", "in_eager_mode", "Variable", "GradientTape",
           "implicit_gradients", "implicit_value_and_gradients", "gradients_function", "value_and_gradients_function",
           "Iterator", "defun", "function", "num_gpus", "Checkpoint", "Network"]


def in_eager_mode():
    """TF 1.4's name of `executing_eagerly`."""
    return executing_eagerly()


def num_gpus():
    """How many GPUs graphgrad can run on (0 or 1: the CuPy backend drives one device)."""
    return len(list_physical_devices("GPU"))


def _returned(f, value):
    if value is None:
        raise ValueError(f"Cannot differentiate a function that returns None; did you forget to return a value from "
                         f"{getattr(f, '__name__', f)}?")
    return value


def _creation_order(v):
    return v._unique_id if hasattr(v, "_unique_id") else v.op._id


def implicit_value_and_gradients(f):
    """`f` -> a function returning `(f(*args), [(gradient, variable), ...])` over the trainable variables that
    `f` read (in the order first read); a gradient is None where the value does not depend on the variable."""
    def grad_fn(*args, **kwargs):
        if not executing_eagerly():  # building a graph: the trainable variables the value depends on
            value = _returned(f, f(*args, **kwargs))
            candidates = trainable_variables()
            pairs = [(g, v) for g, v in zip(gradients(flatten(value), candidates), candidates) if g is not None]
            if not pairs:
                raise ValueError("No trainable variables were accessed while the function was being computed.")
            return value, pairs
        with GradientTape() as tape:
            value = _returned(f, f(*args, **kwargs))
        # in the order they were created (TF1's, which a program's optimizer slots and printouts follow)
        variables = sorted(tape.watched_variables(), key=_creation_order)
        if not variables:
            raise ValueError("No trainable variables were accessed while the function was being computed.")
        return value, list(zip(tape.gradient(flatten(value), variables), variables))
    return grad_fn


def implicit_gradients(f):
    """`f` -> a function returning `[(gradient, variable), ...]` (implicit_value_and_gradients without the
    value): `optimizer.apply_gradients(implicit_gradients(loss)(x, y))` is one training step."""
    value_and_grads = implicit_value_and_gradients(f)

    def grad_fn(*args, **kwargs):
        return value_and_grads(*args, **kwargs)[1]
    return grad_fn


def _parameter_positions(f, params, args):
    """Which positional arguments are differentiated: `params` as names or indices, else all of them (but
    `self`)."""
    try:
        names = inspect.getfullargspec(f).args
    except TypeError as exc:
        raise ValueError(f"Could not get the argument names of {f!r}: {exc}") from exc
    if params is None:
        if not names:
            return range(len(args))
        return range(len(names) - 1) if names[0] == "self" else range(len(names))
    if all(isinstance(p, str) for p in params):
        return [names.index(p) for p in params]
    if all(isinstance(p, int) for p in params):
        return params
    raise ValueError(f"params must be all strings or all integers; got {params}.")


def value_and_gradients_function(f, params=None):
    """`f` -> a function returning `(f(*args), [d f / d arg for each differentiated argument])`; `params` names
    or numbers the arguments (default: all). A keyword `dy` weights the value's components."""
    def decorated(*args, **kwargs):
        dy = kwargs.pop("dy", None)
        if kwargs:
            raise ValueError("Functions to be differentiated cannot receive keyword arguments.")
        positions = list(_parameter_positions(f, params, args))
        args = list(args)
        seen = set()
        for i in positions:
            t = convert_to_tensor(args[i])
            if id(t) in seen:  # the same tensor twice is two arguments: each gets its own gradient
                t = identity(t)
            seen.add(id(t))
            args[i] = t
        with GradientTape() as tape:
            for i in positions:
                tape.watch(args[i])
            value = _returned(f, f(*args))
            flat = [identity(v) for v in flatten(value)]
        seeds = None if dy is None else [convert_to_tensor(d) for d in flatten(dy)]
        return pack(value, flat), tape.gradient(flat, [args[i] for i in positions], output_gradients=seeds)
    return decorated


def gradients_function(f, params=None):
    """`f` -> a function returning the gradients of `f` with respect to its arguments (a list, one per
    differentiated argument): `gradients_function(lambda x: x * x)(3.)` is `[6.]`."""
    value_and_grads = value_and_gradients_function(f, params)

    def decorated(*args, **kwargs):
        return value_and_grads(*args, **kwargs)[1]
    return decorated


class Network(Layer):
    """TF 1.8's `tfe.Network`: a layer made of the `tf.layers` objects it tracks; their variables are created under
    the network's scope (`neural_net/dense/kernel`) and listed by its `variables`."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self._layers = []

    def track_layer(self, layer):
        """Make `layer` part of this network (its variables become the network's); returns it."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Network.track_layer() passed type {type(layer)}, not a tf.layers.Layer")
        if layer not in self._layers:
            self._layers.append(layer)
        return layer

    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A tracked layer by its position or its name."""
        if index is not None:
            if name is not None:
                raise ValueError("Exactly one of 'index' or 'name' must be provided")
            if len(self._layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self._layers)} layers.")
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}")

    @property
    def variables(self):
        out = list(self._variables)
        for layer in self._layers:
            out.extend(v for v in layer.variables if v not in out)
        return out

    @property
    def losses(self):
        return list(self._losses) + [loss for layer in self._layers for loss in layer.losses]

    def _checkpoint_dependencies(self):
        """tf.train.Checkpoint saves the tracked layers under their names (`dense/kernel`), as tf.keras models."""
        return super()._checkpoint_dependencies() + [(layer.name, layer) for layer in self._layers]
