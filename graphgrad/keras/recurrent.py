"""Keras' recurrent layers: `SimpleRNN`, `LSTM`, `GRU` with Keras' weights (`kernel` [input, gates·units],
`recurrent_kernel` [units, gates·units], `bias`), gate orders (LSTM i, f, c, o; GRU z, r, h) and defaults (sigmoid
recurrent activation, orthogonal recurrent kernel, LSTM's forget-gate bias of 1, GRU's `reset_after=True` with a
[2, 3·units] bias), as tf.keras in TF 2.x writes them, so Keras' weights load unchanged.

The layer owns the weights and the step function; the time loop is graphgrad's `tf.nn.dynamic_rnn` (one
`while_loop`) in a graph, and a Python loop over the time steps while executing eagerly (where a while loop
runs as Python anyway), each step's ops recorded by the tape."""
from __future__ import annotations

from ..layers.core import _activation
from ..nn.rnn import dynamic_rnn
from ..nn.rnn_cell_impl import RNNCell
from ..ops import array_ops
from ..ops.init_ops import Initializer
from ..ops.matmul_ops import matmul
from . import backend as K
from .layers._base import Layer, _initializer

__all__ = ["SimpleRNN", "LSTM", "GRU"]


class _StepCell(RNNCell):
    """The step of a Keras recurrent layer as an RNNCell, for dynamic_rnn (the layer holds the weights)."""

    def __init__(self, layer):
        super().__init__(name=f"{layer._base_name}_cell")
        self._layer = layer
        self._built = True

    @property
    def state_size(self):
        return self._layer._state_size()

    @property
    def output_size(self):
        return self._layer.units

    def call(self, inputs, state):
        return self._layer.step(inputs, state)


class _ForgetBiasOnes(Initializer):
    """LSTM's `unit_forget_bias`: the bias initializer's values with ones for the forget gate."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None, partition_info=None):
        u = self.units
        return array_ops.concat([self.base([u], dtype), array_ops.ones([u], dtype), self.base([2 * u], dtype)], 0)


class _Recurrent(Layer):
    """What SimpleRNN, LSTM and GRU share: the weights, the loop and the Keras arguments."""

    _gates = 1
    _keras_name = "simple_rnn"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 dropout=0.0, recurrent_dropout=0.0, **kwargs):
        if stateful:
            raise NotImplementedError("stateful=True is not supported: pass the state on with `initial_state` "
                                      "and `return_state=True`")
        if dropout or recurrent_dropout:
            raise NotImplementedError("dropout and recurrent_dropout of recurrent layers are not supported: add a "
                                      "Dropout layer before or after the recurrent layer")
        super().__init__(**kwargs)
        self._base_name = self._keras_name
        self.units = int(units)
        self.activation = _activation(activation)
        self.recurrent_activation = _activation(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = _initializer(kernel_initializer)
        self.recurrent_initializer = _initializer(recurrent_initializer)
        self.bias_initializer = _initializer(bias_initializer)
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.unroll = go_backwards, stateful, unroll
        self._cell = _StepCell(self)

    def _state_size(self):
        return self.units

    def _bias_shape(self):
        return [self._gates * self.units]

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        shape = input_shape.as_list() if hasattr(input_shape, "as_list") else list(input_shape)
        if len(shape) != 3 or shape[-1] is None:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: expected ndim=3 with a "
                             f"known last dimension, found shape={tuple(shape)}")
        width = self._gates * self.units
        self.kernel = self.add_variable("kernel", [shape[-1], width], initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_variable("recurrent_kernel", [self.units, width],
                                                  initializer=self.recurrent_initializer)
        self.bias = (self.add_variable("bias", self._bias_shape(), initializer=self._bias_initializer())
                     if self.use_bias else None)
        self.built = True

    def _initial_state(self, x):
        return self._cell.get_initial_state(inputs=x[:, 0])

    def call(self, inputs, initial_state=None, training=None, mask=None):
        x = inputs
        if self.go_backwards:
            x = array_ops.reverse(x, [1])
        state = self._initial_state(x) if initial_state is None else (
            initial_state if isinstance(self._state_size(), int) else tuple(initial_state))
        if isinstance(self._state_size(), int) and isinstance(state, (list, tuple)):
            (state,) = state
        if K.executing_eagerly():
            outs = []
            for x_t in array_ops.unstack(x, axis=1):
                out, state = self.step(x_t, state)
                outs.append(out)
            outputs = array_ops.stack(outs, axis=1)
        else:
            outputs, state = dynamic_rnn(self._cell, x, initial_state=state)
        result = outputs if self.return_sequences else outputs[:, -1]
        if self.return_state:
            return [result] + (list(state) if isinstance(state, tuple) else [state])
        return result

    def _projections(self, x, h):
        """x @ kernel (+ bias) and h @ recurrent_kernel, each [batch, gates·units]."""
        xw = matmul(x, self.kernel)
        if self.bias is not None:
            xw = xw + self.bias
        return xw, matmul(h, self.recurrent_kernel)

    def _gate(self, z, k):
        return z[:, k * self.units:(k + 1) * self.units]



class SimpleRNN(_Recurrent):
    """h = activation(x @ kernel + h @ recurrent_kernel + bias)."""

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)

    def step(self, x, h):
        xw, hu = self._projections(x, h)
        h = self.activation(xw + hu)
        return h, h


class LSTM(_Recurrent):
    """Gates i, f, c, o (Keras' order) in one kernel; state [h, c]; `unit_forget_bias` starts f's bias at 1."""

    _gates = 4
    _keras_name = "lstm"

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def _state_size(self):
        return (self.units, self.units)

    def _bias_initializer(self):
        return _ForgetBiasOnes(self.bias_initializer, self.units) if self.unit_forget_bias else self.bias_initializer

    def step(self, x, state):
        h, c = state
        xw, hu = self._projections(x, h)
        z = xw + hu
        i = self.recurrent_activation(self._gate(z, 0))
        f = self.recurrent_activation(self._gate(z, 1))
        c = f * c + i * self.activation(self._gate(z, 2))
        o = self.recurrent_activation(self._gate(z, 3))
        h = o * self.activation(c)
        return h, (h, c)


class GRU(_Recurrent):
    """Gates z, r, h (Keras' order). `reset_after=True` (TF 2.x's default, cuDNN's form): the reset gate multiplies
    h @ recurrent_kernel after the product, with separate input and recurrent biases (bias [2, 3·units])."""

    _gates = 3
    _keras_name = "gru"

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self):
        return [2, 3 * self.units] if self.reset_after else [3 * self.units]

    def step(self, x, h):
        u = self.units
        xw = matmul(x, self.kernel)
        if self.reset_after:
            hu = matmul(h, self.recurrent_kernel)
            if self.bias is not None:
                xw, hu = xw + self.bias[0], hu + self.bias[1]
        else:
            if self.bias is not None:
                xw = xw + self.bias
            hu = matmul(h, self.recurrent_kernel[:, :2 * u])
        z = self.recurrent_activation(self._gate(xw, 0) + self._gate(hu, 0))
        r = self.recurrent_activation(self._gate(xw, 1) + self._gate(hu, 1))
        reset = r * self._gate(hu, 2) if self.reset_after else matmul(r * h, self.recurrent_kernel[:, 2 * u:])
        h = z * h + (1.0 - z) * self.activation(self._gate(xw, 2) + reset)
        return h, h
