"""Keras' recurrent layers and cells: `SimpleRNN`, `LSTM`, `GRU`, the cells `SimpleRNNCell`, `LSTMCell`,
`GRUCell`, `StackedRNNCells`, `AbstractRNNCell`, and `RNN` running any cell, with Keras' weights (`kernel`
[input, gates·units], `recurrent_kernel` [units, gates·units], `bias`), gate orders (LSTM i, f, c, o; GRU z, r, h)
and defaults (sigmoid recurrent activation, orthogonal recurrent kernel, LSTM's forget-gate bias of 1, GRU's
`reset_after=True` with a [2, 3·units] bias), as tf.keras in TF 2.x writes them, so Keras' weights load unchanged.

A layer and its cell share one definition of the step (the `_*Math` classes). The time loop is graphgrad's
`tf.nn.dynamic_rnn` (one `while_loop`) in a graph, and a Python loop over the time steps while executing eagerly
(where a while loop runs as Python anyway), each step's ops recorded by the tape."""
from __future__ import annotations

from ..nn.rnn import dynamic_rnn
from ..nn.rnn_cell_impl import RNNCell
from ..ops import array_ops, nest
from ..ops.init_ops import Initializer
from ..ops.matmul_ops import matmul
from ..variables import variable_scope
from . import backend as K
from .layers._base import Layer, _activation, _Container, _from_spec, _weight_arguments

__all__ = ["SimpleRNN", "LSTM", "GRU", "CuDNNLSTM", "CuDNNGRU", "SimpleRNNCell", "LSTMCell", "GRUCell",
           "StackedRNNCells", "AbstractRNNCell", "RNN"]


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
        return self._layer._output_size()

    def call(self, inputs, state):
        return self._layer.step(inputs, state)


class _ForgetBiasOnes(Initializer):
    """LSTM's `unit_forget_bias`: the bias initializer's values with ones for the forget gate."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None, partition_info=None):
        u = self.units
        return array_ops.concat([self.base([u], dtype), array_ops.ones([u], dtype), self.base([2 * u], dtype)], 0)


def _no_dropout(dropout, recurrent_dropout):
    if dropout or recurrent_dropout:
        raise NotImplementedError("dropout and recurrent_dropout of recurrent layers are not supported: add a "
                                  "Dropout layer before or after the recurrent layer")


class _Math:
    """The weights and the step of a simple RNN, an LSTM or a GRU: shared by the layer and its cell."""

    _gates = 1

    def _cell_arguments(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                        kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                        bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                        bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                        bias_constraint=None, dropout=0.0, recurrent_dropout=0.0):
        _no_dropout(dropout, recurrent_dropout)
        self.units = int(units)
        self.activation = _activation(activation)
        self.recurrent_activation = _activation(recurrent_activation)
        self.use_bias = use_bias
        _weight_arguments(self, locals())
        self.dropout, self.recurrent_dropout = dropout, recurrent_dropout

    def _state_size(self):
        return self.units

    def _output_size(self):
        return self.units

    def _bias_shape(self):
        return [self._gates * self.units]

    def _bias_initializer(self):
        return self.bias_initializer

    def _build_weights(self, depth):
        width = self._gates * self.units
        self.kernel = self.add_variable("kernel", [depth, width], initializer=self.kernel_initializer,
                                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_variable(
            "recurrent_kernel", [self.units, width], initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = (self.add_variable("bias", self._bias_shape(), initializer=self._bias_initializer(),
                                       regularizer=self.bias_regularizer, constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.built = True

    def _input_bias(self):
        return self.bias

    def _projections(self, x, h):
        """x @ kernel (+ bias) and h @ recurrent_kernel, each [batch, gates·units]."""
        xw = matmul(x, self.kernel)
        if self.bias is not None:
            xw = xw + self._input_bias()
        return xw, matmul(h, self.recurrent_kernel)

    def _gate(self, z, k):
        return z[:, k * self.units:(k + 1) * self.units]


class _SimpleMath(_Math):
    def step(self, x, h):
        """h = activation(x @ kernel + h @ recurrent_kernel + bias)."""
        xw, hu = self._projections(x, h)
        h = self.activation(xw + hu)
        return h, h


class _LSTMMath(_Math):
    _gates = 4

    def _state_size(self):
        return (self.units, self.units)

    def _bias_initializer(self):
        return _ForgetBiasOnes(self.bias_initializer, self.units) if self.unit_forget_bias else self.bias_initializer

    def step(self, x, state):
        """Gates i, f, c, o (Keras' order) in one kernel; state (h, c)."""
        h, c = state
        xw, hu = self._projections(x, h)
        z = xw + hu
        i = self.recurrent_activation(self._gate(z, 0))
        f = self.recurrent_activation(self._gate(z, 1))
        c = f * c + i * self.activation(self._gate(z, 2))
        o = self.recurrent_activation(self._gate(z, 3))
        h = o * self.activation(c)
        return h, (h, c)


class _GRUMath(_Math):
    _gates = 3

    def _bias_shape(self):
        return [2, 3 * self.units] if self.reset_after else [3 * self.units]

    def _bias_pair(self):
        """The input and the recurrent bias of `reset_after`."""
        return self.bias[0], self.bias[1]

    def step(self, x, h):
        """Gates z, r, h (Keras' order); with `reset_after` the reset gate multiplies h @ recurrent_kernel after
        the product, with separate input and recurrent biases."""
        u = self.units
        xw = matmul(x, self.kernel)
        if self.reset_after:
            hu = matmul(h, self.recurrent_kernel)
            if self.bias is not None:
                b_input, b_recurrent = self._bias_pair()
                xw, hu = xw + b_input, hu + b_recurrent
        else:
            if self.bias is not None:
                xw = xw + self.bias
            hu = matmul(h, self.recurrent_kernel[:, :2 * u])
        z = self.recurrent_activation(self._gate(xw, 0) + self._gate(hu, 0))
        r = self.recurrent_activation(self._gate(xw, 1) + self._gate(hu, 1))
        reset = r * self._gate(hu, 2) if self.reset_after else matmul(r * h, self.recurrent_kernel[:, 2 * u:])
        h = z * h + (1.0 - z) * self.activation(self._gate(xw, 2) + reset)
        return h, h


class _Loop(Layer):
    """A recurrent layer's arguments and time loop over `self.step(x_t, state) -> (output, state)`."""

    supports_masking = True

    def _loop_arguments(self, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                        unroll=False, time_major=False, zero_output_for_mask=False):
        if stateful:
            raise NotImplementedError("stateful=True is not supported: pass the state on with `initial_state` "
                                      "and `return_state=True`")
        if time_major:
            raise NotImplementedError("time_major=True is not supported: transpose the inputs to [batch, time, ...]")
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.unroll = go_backwards, stateful, unroll
        self.zero_output_for_mask = zero_output_for_mask
        self._cell = _StepCell(self)

    def _check_input(self, input_shape):
        shape = input_shape.as_list() if hasattr(input_shape, "as_list") else list(input_shape)
        if len(shape) < 3 or shape[-1] is None:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: expected ndim=3 with a "
                             f"known last dimension, found shape={tuple(shape)}")
        return shape

    def compute_mask(self, inputs, mask=None):
        """The input's mask for the sequence returned (none for the last output alone or the states)."""
        mask = nest.flatten(mask)[0] if isinstance(mask, (list, tuple)) else mask
        out = mask if self.return_sequences else None
        return [out] + [None] * len(nest.flatten(self._state_size())) if self.return_state else out

    def call(self, inputs, initial_state=None, training=None, mask=None):
        x = inputs
        if self.go_backwards:
            x = array_ops.reverse(x, [1])
        flat = not isinstance(self._state_size(), int)
        if initial_state is None:
            state = self._cell.get_initial_state(inputs=x[:, 0])
        elif flat:
            state = nest.pack_sequence_as(self._state_size(), nest.flatten(initial_state))
        else:
            state = initial_state[0] if isinstance(initial_state, (list, tuple)) else initial_state
        mask = nest.flatten(mask)[0] if isinstance(mask, (list, tuple)) else mask
        if mask is not None:
            outputs, state = self._masked_loop(x, state, array_ops.reverse(mask, [1]) if self.go_backwards else mask)
        elif K.executing_eagerly():
            outs = []
            for x_t in array_ops.unstack(x, axis=1):
                out, state = self.step(x_t, state)
                outs.append(out)
            outputs = array_ops.stack(outs, axis=1)
        else:
            outputs, state = dynamic_rnn(self._cell, x, initial_state=state)
        result = outputs if self.return_sequences else outputs[:, -1]
        if self.return_state:
            return [result] + nest.flatten(state)
        return result

    def _masked_loop(self, x, state, mask):
        """Keras' masked loop (`keras.backend.rnn`): where `mask` is false a step keeps the states and outputs the
        step before's output (zeros with `zero_output_for_mask`)."""
        def step(x_t, states):
            out, new = self.step(x_t, nest.pack_sequence_as(state, list(states)))
            return out, nest.flatten(new)
        _, outputs, states = K.rnn(step, x, nest.flatten(state), mask=mask, unroll=self.unroll,
                                   zero_output_for_mask=self.zero_output_for_mask)
        return outputs, nest.pack_sequence_as(state, list(states))


class _Recurrent(_Loop):
    """What SimpleRNN, LSTM and GRU share: the Keras arguments; the weights are the layer's, named as Keras 2 names
    them (`lstm/lstm_cell/kernel`)."""

    _keras_name = "simple_rnn"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, unroll=False,
                 dropout=0.0, recurrent_dropout=0.0, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 time_major=False, zero_output_for_mask=False, **kwargs):
        _no_dropout(dropout, recurrent_dropout)
        super().__init__(**kwargs)
        self._base_name = self._keras_name
        self._cell_arguments(units, activation, recurrent_activation, use_bias, kernel_initializer,
                             recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                             bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint)
        self._loop_arguments(return_sequences, return_state, go_backwards, stateful, unroll, time_major,
                             zero_output_for_mask)

    def build(self, input_shape):
        with variable_scope(f"{self._keras_name}_cell"):  # Keras 2's names: lstm/lstm_cell/kernel
            self._build_weights(self._check_input(input_shape)[-1])


class SimpleRNN(_SimpleMath, _Recurrent):
    """h = activation(x @ kernel + h @ recurrent_kernel + bias)."""

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)


class LSTM(_LSTMMath, _Recurrent):
    """Gates i, f, c, o (Keras' order) in one kernel; state [h, c]; `unit_forget_bias` starts f's bias at 1."""

    _keras_name = "lstm"

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        self.unit_forget_bias = unit_forget_bias
        super().__init__(units, **kwargs)


class GRU(_GRUMath, _Recurrent):
    """Gates z, r, h (Keras' order). `reset_after=True` (TF 2.x's default, cuDNN's form): the reset gate multiplies
    h @ recurrent_kernel after the product, with separate input and recurrent biases (bias [2, 3·units])."""

    _keras_name = "gru"

    def __init__(self, units, reset_after=True, **kwargs):
        self.reset_after = reset_after
        super().__init__(units, **kwargs)


class _CuDNN:
    """TF1's cuDNN layers (CuDNNLSTM, CuDNNGRU): tanh and sigmoid, cuDNN's input and recurrent biases in one
    vector [2·gates·units], the weights in the layer's scope (`cu_dnnlstm/kernel`); they run on any device here."""

    def build(self, input_shape):
        self._build_weights(self._check_input(input_shape)[-1])

    def _bias_shape(self):
        return [2 * self._gates * self.units]

    def _input_bias(self):
        w = self._gates * self.units
        return self.bias[:w] + self.bias[w:]

    def _bias_pair(self):
        w = self._gates * self.units
        return self.bias[:w], self.bias[w:]


class _CuDNNForgetBiasOnes(_ForgetBiasOnes):
    """CuDNNLSTM's `unit_forget_bias`: ones for the forget gate of the recurrent bias (bias[5u:6u])."""

    def __call__(self, shape, dtype=None, partition_info=None):
        u = self.units
        return array_ops.concat([self.base([5 * u], dtype), array_ops.ones([u], dtype), self.base([2 * u], dtype)],
                                0)


def _cudnn_init(self, units, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                recurrent_constraint, bias_constraint, return_sequences, return_state, go_backwards, stateful,
                kwargs):
    _Recurrent.__init__(
        self, units, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
        bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
        recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
        recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, return_sequences=return_sequences,
        return_state=return_state, go_backwards=go_backwards, stateful=stateful, **kwargs)


class CuDNNLSTM(_CuDNN, _LSTMMath, _Recurrent):
    """TF1's `tf.keras.layers.CuDNNLSTM`: an LSTM (gates i, f, c, o) with bias [8·units]."""

    _keras_name = "cu_dnnlstm"

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, **kwargs):
        self.unit_forget_bias = unit_forget_bias
        _cudnn_init(self, units, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                    recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                    recurrent_constraint, bias_constraint, return_sequences, return_state, go_backwards, stateful,
                    kwargs)

    def _bias_initializer(self):
        return (_CuDNNForgetBiasOnes(self.bias_initializer, self.units) if self.unit_forget_bias
                else self.bias_initializer)


class CuDNNGRU(_CuDNN, _GRUMath, _Recurrent):
    """TF1's `tf.keras.layers.CuDNNGRU`: a GRU (gates z, r, h) with the reset gate applied after the recurrent
    product and bias [6·units]."""

    _keras_name = "cu_dnngru"
    reset_after = True

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, **kwargs):
        _cudnn_init(self, units, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                    recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                    recurrent_constraint, bias_constraint, return_sequences, return_state, go_backwards, stateful,
                    kwargs)


# --- cells -------------------------------------------------------------------------------------------------
class AbstractRNNCell(Layer):
    """A Keras cell: `call(inputs, states) -> (output, new_states)` with `state_size` and `output_size`; `RNN`
    runs it over the time steps (its variables under the RNN's scope, `rnn/lstm_cell/kernel`)."""

    @property
    def state_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return _StepCell(_Adapter(self)).get_initial_state(inputs=inputs, batch_size=batch_size, dtype=dtype)

    def _build_in(self, input_shape):
        """Build the cell's weights in a variable scope of its own name under the current one (Keras' name)."""
        with variable_scope(self._given_name, default_name=self._base_name) as scope:
            self._scope = scope
            self.build(input_shape)
        self.built = True


class _Cell(AbstractRNNCell):
    """What SimpleRNNCell, LSTMCell and GRUCell share: Keras' arguments, and states as a list."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self._cell_arguments(units, activation, recurrent_activation, use_bias, kernel_initializer,
                             recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                             bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                             recurrent_dropout)

    def build(self, input_shape):
        shape = input_shape.as_list() if hasattr(input_shape, "as_list") else list(input_shape)
        self._build_weights(shape[-1])

    @property
    def state_size(self):
        size = self._state_size()
        return list(size) if isinstance(size, tuple) else size

    @property
    def output_size(self):
        return self.units

    def call(self, inputs, states, training=None):
        nested = isinstance(states, (list, tuple))
        state = states[0] if nested and isinstance(self._state_size(), int) else (
            tuple(states) if nested else states)
        out, new = self.step(inputs, state)
        new = list(new) if isinstance(new, tuple) else [new]
        return out, new if nested else new[0]


class SimpleRNNCell(_SimpleMath, _Cell):
    """One step of SimpleRNN: output = new state = activation(x @ kernel + h @ recurrent_kernel + bias)."""


class LSTMCell(_LSTMMath, _Cell):
    """One step of LSTM: states [h, c], gates i, f, c, o."""

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        self.unit_forget_bias = unit_forget_bias
        super().__init__(units, **kwargs)


class GRUCell(_GRUMath, _Cell):
    """One step of GRU: gates z, r, h; `reset_after=True` by default (bias [2, 3·units])."""

    def __init__(self, units, reset_after=True, **kwargs):
        self.reset_after = reset_after
        super().__init__(units, **kwargs)


class _Adapter:
    """A Keras cell seen by _StepCell (its state_size as a tuple, the step as a function of flat states)."""

    def __init__(self, cell):
        self.cell = cell
        self._base_name = cell._base_name

    def _state_size(self):
        return _as_tuple(self.cell.state_size)

    def _output_size(self):
        return self.cell.output_size


def _as_tuple(size):
    return tuple(_as_tuple(s) for s in size) if isinstance(size, (list, tuple)) else size


class StackedRNNCells(_Container, AbstractRNNCell):
    """Cells run one after the other in each time step: the output of one is the input of the next."""

    _config_keys = ("cells",)

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = [_from_spec(c) for c in cells]

    @property
    def state_size(self):
        return tuple(c.state_size for c in self.cells)

    @property
    def output_size(self):
        return self.cells[-1].output_size

    def build(self, input_shape):
        shape = input_shape.as_list() if hasattr(input_shape, "as_list") else list(input_shape)
        for cell in self.cells:
            cell._build_in(shape)
            shape = [shape[0], cell.output_size]
        self.built = True

    def _sublayers(self):
        return self.cells

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, state in zip(self.cells, states):
            inputs, new = cell.call(inputs, state if isinstance(state, (list, tuple)) else [state])
            new_states.append(new if isinstance(cell.state_size, (list, tuple)) else new[0])
        return inputs, new_states


class RNN(_Container, _Loop):
    """Runs `cell` (a Keras cell, or a list of cells, stacked) over the time axis of [batch, time, ...] inputs."""

    _config_keys = ("cell",)

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, time_major=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        cell = [_from_spec(c) for c in cell] if isinstance(cell, (list, tuple)) else _from_spec(cell)
        self.cell = StackedRNNCells(cell) if isinstance(cell, list) else cell
        self._adapter = _Adapter(self.cell)
        self._loop_arguments(return_sequences, return_state, go_backwards, stateful, unroll, time_major,
                             zero_output_for_mask)

    def _state_size(self):
        return self._adapter._state_size()

    def _output_size(self):
        return self.cell.output_size

    def build(self, input_shape):
        shape = self._check_input(input_shape)
        self.cell._build_in([shape[0], *shape[2:]])
        self.built = True

    def _sublayers(self):
        return [self.cell]

    def step(self, x, state):
        size = self.cell.state_size
        states = list(state) if isinstance(size, (list, tuple)) else [state]
        out, new = self.cell.call(x, states)
        return out, _as_tuple(new) if isinstance(size, (list, tuple)) else (
            new[0] if isinstance(new, (list, tuple)) else new)
