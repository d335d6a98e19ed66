"""`tf.nn.rnn_cell`: TensorFlow 1.x's recurrent cells, with TF1's variable names, shapes, gate orders and
arithmetic (docs/rnn.md).

A cell creates its variables once, the first time it is called or when `dynamic_rnn` builds it before its loop,
under `<current variable scope>/<cell name>/` (`basic_lstm_cell/kernel`, `gru_cell/gates/kernel`, ...), and every
later call uses the same variables, as TF1's layer-based cells do. Wrappers (`DropoutWrapper`,
`ResidualWrapper`) add no scope; `MultiRNNCell` puts cell i under `multi_rnn_cell/cell_i/`."""
from __future__ import annotations

import collections

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.tensor_shape import TensorShape
from ..ops import nest
from ..ops.arithmetic_ops import add, multiply, subtract
from ..ops.array_ops import concat, split, zeros
from ..ops.bias_ops import bias_add
from ..ops.clip_ops import clip_by_value
from ..ops.core import convert_to_tensor
from ..ops.dropout_ops import dropout
from ..ops.init_ops import constant_initializer, zeros_initializer
from ..ops.lstm_ops import lstm_gates
from ..ops.matmul_ops import matmul
from ..ops.unary_ops import sigmoid, tanh
from ..variables import get_variable, variable_scope

WEIGHTS_NAME = "kernel"
BIAS_NAME = "bias"


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """The state of an LSTM cell: (c, h), the memory and the output."""
    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _zeros_for(size, batch_size, dtype):
    return zeros([batch_size] + TensorShape(size).as_list(), dtype=dtype)


def _lstm_step(product, bias, c_prev, forget_bias, activation, num_units):
    """(new_c, new_h) from [x, h]·kernel: through the fused LSTMGates op (ops/lstm_ops.py, the bias added there)
    when the step is the standard one (tanh, a constant forget bias, float32/float64), else written out."""
    if activation is tanh and isinstance(forget_bias, (int, float)) and \
            product.dtype.base_dtype in (dtypes.float32, dtypes.float64):
        return lstm_gates(product, c_prev, forget_bias, num_units, bias=bias)
    i, j, f, o = split(bias_add(product, bias), 4, axis=1)
    forget = convert_to_tensor(forget_bias, dtype=f.dtype)
    new_c = add(multiply(c_prev, sigmoid(add(f, forget))), multiply(sigmoid(i), activation(j)))
    return new_c, multiply(activation(new_c), sigmoid(o))


def _depth(inputs_shape):
    shape = TensorShape(inputs_shape)
    if shape.ndims is None or shape[-1].value is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: {shape}")
    return shape[-1].value


class RNNCell:
    """Base class: `state_size`, `output_size`, `zero_state`, and `__call__(inputs, state) -> (output, state)`."""
    _base_name = "rnn_cell"

    def __init__(self, trainable=True, name=None, dtype=None, reuse=None, **kwargs):
        self._name = name
        self._reuse = reuse
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        self._trainable = trainable
        self._built = False
        self._variables = []
        self._scope_name = None

    @property
    def name(self):
        return self._scope_name.rsplit("/", 1)[-1] if self._scope_name else (self._name or self._base_name)

    @property
    def state_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        raise NotImplementedError("Abstract method")

    def _sub_cells(self):
        return []

    @property
    def variables(self):
        """The cell's variables (a stack's or a wrapper's: those of the cells inside), in creation order."""
        return list(self._variables) + [v for c in self._sub_cells() for v in c.variables]

    weights = variables

    @property
    def trainable_variables(self):
        own = list(self._variables) if self._trainable else []
        return own + [v for c in self._sub_cells() for v in c.trainable_variables]

    trainable_weights = trainable_variables

    @property
    def built(self):
        return self._built

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = convert_to_tensor(inputs)
            batch_size = inputs.shape[0].value
            if batch_size is None:
                from ..ops.array_ops import shape

                batch_size = shape(inputs)[0]
            dtype = inputs.dtype
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """Zeros shaped `[batch_size] + size` for every part of `state_size` (nested like it)."""
        with name_scope(f"{type(self).__name__}ZeroState", values=[batch_size]):
            return nest.map_structure(lambda s: _zeros_for(s, batch_size, dtype), self.state_size)

    def _add_variable(self, name, shape, dtype, initializer=None):
        v = get_variable(name, shape=shape, dtype=dtype, initializer=initializer, trainable=self._trainable)
        self._variables.append(v)
        return v

    def build(self, inputs_shape, dtype):
        """Create the variables (in the cell's variable scope), given the static shape of the inputs."""

    def _maybe_build(self, inputs_shape, dtype, scope=None):
        """Open the cell's variable scope and create its variables, once."""
        if self._built:
            return
        dtype = self._dtype or dtypes.as_dtype(dtype).base_dtype
        if scope is not None:
            ctx = variable_scope(scope, reuse=self._reuse)
        elif self._name is not None:
            ctx = variable_scope(self._name, reuse=self._reuse)
        else:
            ctx = variable_scope(None, default_name=self._base_name, reuse=self._reuse)
        with ctx as sc:
            self._scope_name = sc.name
            self.build(TensorShape(inputs_shape), dtype)
        self._built = True

    def __call__(self, inputs, state, scope=None):
        inputs = self._built_for(inputs, scope)
        with name_scope(self.name):
            return self.call(inputs, state)

    def _built_for(self, inputs, scope):
        """`inputs` as tensors, the cell's variables created for them (once)."""
        if not nest.is_sequence(inputs):
            inputs = convert_to_tensor(inputs, name="inputs")
        first = nest.flatten(inputs)[0]
        self._maybe_build(first.shape, first.dtype, scope)
        return inputs

    def call(self, inputs, state):
        raise NotImplementedError("Abstract method")


LayerRNNCell = RNNCell


class _UnitsCell(RNNCell):
    """A cell whose state and output are both `num_units` wide."""

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units


class BasicRNNCell(_UnitsCell):
    """output = new_state = activation(concat([inputs, state]) @ kernel + bias)."""
    _base_name = "basic_rnn_cell"

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = activation or tanh

    def build(self, inputs_shape, dtype):
        depth = _depth(inputs_shape)
        self._kernel = self._add_variable(WEIGHTS_NAME, [depth + self._num_units, self._num_units], dtype)
        self._bias = self._add_variable(BIAS_NAME, [self._num_units], dtype, zeros_initializer())

    def call(self, inputs, state):
        output = self._activation(bias_add(matmul(concat([inputs, state], 1), self._kernel), self._bias))
        return output, output


class BasicLSTMCell(RNNCell):
    """TF1's basic LSTM: gates = concat([x, h]) @ kernel + bias, split as i, j, f, o;
    c' = c * sigmoid(f + forget_bias) + sigmoid(i) * activation(j); h' = activation(c') * sigmoid(o)."""
    _base_name = "basic_lstm_cell"

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or tanh

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape, dtype):
        depth = _depth(inputs_shape)
        self._kernel = self._add_variable(WEIGHTS_NAME, [depth + self._num_units, 4 * self._num_units], dtype)
        self._bias = self._add_variable(BIAS_NAME, [4 * self._num_units], dtype, zeros_initializer())

    def call(self, inputs, state):
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = split(state, 2, axis=1)
        new_c, new_h = _lstm_step(matmul(concat([inputs, h], 1), self._kernel), self._bias, c, self._forget_bias,
                                  self._activation, self._num_units)
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(RNNCell):
    """TF1's LSTMCell: BasicLSTMCell's arithmetic plus optional peepholes (`w_f_diag`, `w_i_diag`, `w_o_diag`),
    cell clipping, and a projection of the output (`projection/kernel`, then `proj_clip`)."""
    _base_name = "lstm_cell"

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None, num_proj=None,
                 proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias=1.0, state_is_tuple=True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise NotImplementedError("num_unit_shards and num_proj_shards are not supported (deprecated in TF1)")
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or tanh

    @property
    def state_size(self):
        out = self._num_proj or self._num_units
        return LSTMStateTuple(self._num_units, out) if self._state_is_tuple else self._num_units + out

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    def build(self, inputs_shape, dtype):
        depth = _depth(inputs_shape)
        n, h_depth = self._num_units, self._num_proj or self._num_units
        self._kernel = self._add_variable(WEIGHTS_NAME, [depth + h_depth, 4 * n], dtype, self._initializer)
        self._bias = self._add_variable(BIAS_NAME, [4 * n], dtype, zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self._add_variable("w_f_diag", [n], dtype, self._initializer)
            self._w_i_diag = self._add_variable("w_i_diag", [n], dtype, self._initializer)
            self._w_o_diag = self._add_variable("w_o_diag", [n], dtype, self._initializer)
        if self._num_proj is not None:
            with variable_scope("projection"):
                self._proj_kernel = self._add_variable(WEIGHTS_NAME, [n, self._num_proj], dtype, self._initializer)

    def call(self, inputs, state):
        n = self._num_units
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev, m_prev = split(state, [n, self._num_proj or n], axis=1)
        product = matmul(concat([inputs, m_prev], 1), self._kernel)
        if not self._use_peepholes and self._cell_clip is None:
            return self._project(*_lstm_step(product, self._bias, c_prev, self._forget_bias, self._activation, n))
        i, j, f, o = split(bias_add(product, self._bias), 4, axis=1)
        forget = convert_to_tensor(self._forget_bias, dtype=f.dtype)
        if self._use_peepholes:
            c = add(multiply(sigmoid(add(add(f, forget), multiply(self._w_f_diag, c_prev))), c_prev),
                    multiply(sigmoid(add(i, multiply(self._w_i_diag, c_prev))), self._activation(j)))
        else:
            c = add(multiply(sigmoid(add(f, forget)), c_prev), multiply(sigmoid(i), self._activation(j)))
        if self._cell_clip is not None:
            c = clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = multiply(sigmoid(add(o, multiply(self._w_o_diag, c))), self._activation(c))
        else:
            m = multiply(sigmoid(o), self._activation(c))
        return self._project(c, m)

    def _project(self, c, m):
        """The output projection (and its clipping), then (output, new state)."""
        if self._num_proj is not None:
            m = matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else concat([c, m], 1)
        return m, new_state


class GRUCell(_UnitsCell):
    """TF1's GRU: r, u = split(sigmoid(concat([x, h]) @ gates/kernel + gates/bias)) (bias starting at 1.0);
    c = activation(concat([x, r * h]) @ candidate/kernel + candidate/bias); h' = u * h + (1 - u) * c."""
    _base_name = "gru_cell"

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None, bias_initializer=None,
                 name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = activation or tanh
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    def build(self, inputs_shape, dtype):
        depth, n = _depth(inputs_shape), self._num_units
        with variable_scope("gates"):
            self._gate_kernel = self._add_variable(WEIGHTS_NAME, [depth + n, 2 * n], dtype,
                                                   self._kernel_initializer)
            self._gate_bias = self._add_variable(BIAS_NAME, [2 * n], dtype,
                                                 self._bias_initializer or constant_initializer(1.0))
        with variable_scope("candidate"):
            self._candidate_kernel = self._add_variable(WEIGHTS_NAME, [depth + n, n], dtype,
                                                        self._kernel_initializer)
            self._candidate_bias = self._add_variable(BIAS_NAME, [n], dtype,
                                                      self._bias_initializer or zeros_initializer())

    def call(self, inputs, state):
        value = sigmoid(bias_add(matmul(concat([inputs, state], 1), self._gate_kernel), self._gate_bias))
        r, u = split(value, 2, axis=1)
        candidate = bias_add(matmul(concat([inputs, multiply(r, state)], 1), self._candidate_kernel),
                             self._candidate_bias)
        c = self._activation(candidate)
        new_h = add(multiply(u, state), multiply(subtract(1.0, u), c))
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """Cells stacked: cell i reads cell i-1's output; its variables live under `multi_rnn_cell/cell_i/`."""
    _base_name = "multi_rnn_cell"

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not nest.is_sequence(cells):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        if len(set(id(c) for c in cells)) < len(cells):
            raise ValueError("At least two cells provided to MultiRNNCell are the same object and will share "
                             "weights.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(nest.is_sequence(c.state_size) for c in self._cells):
            raise ValueError("Some cells return tuples of states, but the flag state_is_tuple is not set.  "
                             f"State sizes are: {[c.state_size for c in self._cells]}")

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(c.state_size for c in self._cells)
        return sum(c.state_size for c in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def zero_state(self, batch_size, dtype):
        with name_scope(f"{type(self).__name__}ZeroState", values=[batch_size]):
            if self._state_is_tuple:
                return tuple(c.zero_state(batch_size, dtype) for c in self._cells)
            return super().zero_state(batch_size, dtype)

    def build(self, inputs_shape, dtype):
        shape = inputs_shape
        for i, cell in enumerate(self._cells):
            with variable_scope(f"cell_{i}"):
                cell._maybe_build(shape, dtype)
            shape = TensorShape(shape.as_list()[:-1] + [cell.output_size]) if shape.ndims else TensorShape(None)

    def _sub_cells(self):
        return self._cells

    def call(self, inputs, state):
        cur, new_states, start = inputs, [], 0
        for i, cell in enumerate(self._cells):
            with name_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    cur_state = state[i]
                else:
                    from ..ops.array_ops import slice as _slice

                    cur_state = _slice(state, [0, start], [-1, cell.state_size])
                    start += cell.state_size
                cur, s = cell(cur, cur_state)
                new_states.append(s)
        return cur, tuple(new_states) if self._state_is_tuple else concat(new_states, 1)


class _Wrapper(RNNCell):
    """A cell around a cell: no variable scope of its own."""

    def __init__(self, cell):
        super().__init__()
        self._cell = cell

    @property
    def wrapped_cell(self):
        return self._cell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    def _sub_cells(self):
        return [self._cell]

    def zero_state(self, batch_size, dtype):
        with name_scope(f"{type(self).__name__}ZeroState", values=[batch_size]):
            return self._cell.zero_state(batch_size, dtype)

    def _maybe_build(self, inputs_shape, dtype, scope=None):
        self._cell._maybe_build(inputs_shape, dtype, scope)
        self._built = True

    def __call__(self, inputs, state, scope=None):
        return self.call(self._built_for(inputs, scope), state)


def _is_one(p):
    return isinstance(p, (int, float)) and float(p) == 1.0


def _default_dropout_state_filter_visitor(substate):
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)  # TF1 drops an LSTM's h, never its memory c
    return True


class DropoutWrapper(_Wrapper):
    """Dropout on the cell's inputs, outputs and (filtered) state, with `tf.nn.dropout` (kept values scaled by
    1/keep_prob). A Python keep probability of 1 adds no op; a tensor (a placeholder fed 1.0 at test time) does."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__(cell)
        if variational_recurrent:
            raise NotImplementedError("DropoutWrapper(variational_recurrent=True) is not supported")
        for what, p in (("input", input_keep_prob), ("output", output_keep_prob), ("state", state_keep_prob)):
            if isinstance(p, (int, float)) and not 0.0 < float(p) <= 1.0:
                raise ValueError(f"Parameter {what}_keep_prob must be between 0 and 1: {p}")
        self._input_keep_prob = input_keep_prob
        self._output_keep_prob = output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._seed = seed
        self._filter = dropout_state_filter_visitor or _default_dropout_state_filter_visitor

    def _seed_for(self, salt):
        return None if self._seed is None else (self._seed * 1000003 + salt) % (2 ** 31 - 1)

    def _dropout(self, values, keep_prob, salt, keep_mask=None):
        flat = nest.flatten(values)
        mask = [True] * len(flat) if keep_mask is None else keep_mask
        out = [dropout(v, keep_prob=keep_prob, seed=self._seed_for(salt + k)) if m else v
               for k, (v, m) in enumerate(zip(flat, mask))]
        return nest.pack_sequence_as(values, out)

    def _state_mask(self, state):
        def visit(sub):
            if isinstance(sub, LSTMStateTuple) or not nest.is_sequence(sub):
                return [bool(x) for x in nest.flatten(self._filter(sub))] if isinstance(sub, LSTMStateTuple) \
                    else [bool(self._filter(sub))]
            return [m for s in sub for m in visit(s)]
        return visit(state)

    def call(self, inputs, state):
        if not _is_one(self._input_keep_prob):
            inputs = self._dropout(inputs, self._input_keep_prob, 0)
        output, new_state = self._cell(inputs, state)
        if not _is_one(self._state_keep_prob):
            new_state = self._dropout(new_state, self._state_keep_prob, 100, self._state_mask(new_state))
        if not _is_one(self._output_keep_prob):
            output = self._dropout(output, self._output_keep_prob, 200)
        return output, new_state


class ResidualWrapper(_Wrapper):
    """output = inputs + cell output (or `residual_fn(inputs, outputs)`); the state is the cell's."""

    def __init__(self, cell, residual_fn=None):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def call(self, inputs, state):
        output, new_state = self._cell(inputs, state)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        nest.assert_same_structure(inputs, output)
        summed = [add(a, b) for a, b in zip(nest.flatten(inputs), nest.flatten(output))]
        return nest.pack_sequence_as(output, summed), new_state


class DeviceWrapper(_Wrapper):
    """Runs the cell under `tf.device(device)`."""

    def __init__(self, cell, device):
        super().__init__(cell)
        self._device = device

    def call(self, inputs, state):
        from ..framework.graph import device

        with device(self._device):
            return self._cell(inputs, state)


__all__ = ["RNNCell", "LayerRNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell",
           "DropoutWrapper", "ResidualWrapper", "DeviceWrapper", "LSTMStateTuple"]
