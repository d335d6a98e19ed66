"""Keras' layer wrappers: `TimeDistributed` (a layer applied to every time step, its weights built once in the
wrapper's scope: `time_distributed/kernel`) and `Bidirectional` (a recurrent layer run forwards and, as a copy,
backwards: `bidirectional/forward_lstm/...`, `bidirectional/backward_lstm/...`, outputs merged)."""
from __future__ import annotations

import inspect

from ...framework.op_def import static_shape
from ...framework.tensor_shape import TensorShape
from ...ops import array_ops, math_ops, nest
from ._base import _Container, _from_spec


class Wrapper(_Container):
    """A layer around another layer (`self.layer`), whose config nests the inner layer's."""

    _config_keys = ("layer",)

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = _from_spec(layer)

    def _sublayers(self):
        return [self.layer]


class TimeDistributed(Wrapper):
    """`layer` applied to each slice [batch, t, ...] -> [batch, ...] of its [batch, time, ...] input."""

    supports_masking = True

    def build(self, input_shape):
        shape = input_shape.as_list()
        if len(shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, "
                             f"received: {tuple(shape)}")
        self.layer._dtype = self.layer._dtype or self._dtype
        self.layer.build(TensorShape([None, *shape[2:]]))
        self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        s = static_shape(inputs)
        dyn = array_ops.shape(inputs)
        x = array_ops.reshape(inputs, [-1, *[dyn[i] if d is None else d for i, d in enumerate(s) if i >= 2]])
        params = inspect.signature(self.layer.call).parameters
        kwargs = {"training": self._phase(training)} if "training" in params else {}
        if mask is not None and "mask" in params:  # the inner layer sees one mask row per (example, step)
            kwargs["mask"] = array_ops.reshape(mask, [-1, *[dyn[i] if d is None else d
                                                            for i, d in enumerate(static_shape(mask)) if i >= 2]])
        y = self.layer.call(x, **kwargs)
        ys = static_shape(y)
        dims = [dyn[0] if s[0] is None else s[0], dyn[1] if s[1] is None else s[1], *ys[1:]]
        return array_ops.reshape(y, dims if all(isinstance(d, int) for d in dims) else array_ops.stack(dims))

    def compute_mask(self, inputs, mask=None):
        """The input's mask, reduced to [batch, time] (Keras 2's result for an inner layer that makes no mask)."""
        if mask is None or mask.shape.ndims <= 2:
            return mask
        return math_ops.reduce_all(mask, axis=list(range(2, mask.shape.ndims)))


_MERGES = {"concat": lambda a, b: array_ops.concat([a, b], -1), "sum": lambda a, b: a + b,
           "mul": lambda a, b: a * b, "ave": lambda a, b: (a + b) / 2.0, None: None}


class Bidirectional(Wrapper):
    """A recurrent `layer` run forwards and a copy of it backwards over the sequence, their outputs merged by
    `merge_mode` ('concat', 'sum', 'mul', 'ave', or None for both as a list); backward outputs are put back in
    time order when `return_sequences`."""

    supports_masking = True

    _config_keys = ("layer", "backward_layer")

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if merge_mode not in _MERGES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             "{\"sum\", \"mul\", \"ave\", \"concat\", None}")
        if weights is not None:
            raise NotImplementedError("Bidirectional(weights=...) is not supported: call set_weights after building")
        super().__init__(layer, **kwargs)
        self.merge_mode = merge_mode
        config = self.layer.get_config()
        name = config["name"]
        self.forward_layer = type(self.layer).from_config(dict(config, name=f"forward_{name}"))
        if backward_layer is None:
            self.backward_layer = type(self.layer).from_config(
                dict(config, name=f"backward_{name}", go_backwards=not self.layer.go_backwards))
        else:
            self.backward_layer = _from_spec(backward_layer)
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        for inner in (self.forward_layer, self.backward_layer):  # as Keras 2: masked steps output zeros
            if hasattr(inner, "zero_output_for_mask"):
                inner.zero_output_for_mask = inner.return_sequences

    def _sublayers(self):
        return [self.forward_layer, self.backward_layer]

    def compute_mask(self, inputs, mask=None):
        """The input's mask for returned sequences (one per direction when not merged), none for the states."""
        mask = mask[0] if isinstance(mask, list) else mask
        out = mask if self.return_sequences else None
        out = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            out += [None] * (2 * len(nest.flatten(self.forward_layer._state_size())))
        return out if len(out) > 1 else out[0]

    def call(self, inputs, initial_state=None, training=None, mask=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(inputs, initial_state=forward_state, mask=mask)
        y_rev = self.backward_layer(inputs, initial_state=backward_state, mask=mask)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = array_ops.reverse(y_rev, [1])
        merge = _MERGES[self.merge_mode]
        out = [y, y_rev] if merge is None else [merge(y, y_rev)]
        return out + states if self.return_state or merge is None else out[0]


__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]
