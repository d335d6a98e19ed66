"""`tf.contrib.cudnn_rnn` (TF 1.15): the fused cuDNN RNN layers `CudnnLSTM`, `CudnnGRU`, `CudnnRNNTanh` and
`CudnnRNNRelu`, the `CudnnCompatible*Cell`s that compute the same thing step by step, and the converters between
the layers' one parameter buffer and the cells' variables. Here they run on any device.

The parameters. A layer keeps all its weights in ONE variable, `<scope>/opaque_kernel`, laid out as cuDNN lays
them out and as `CudnnRNNCanonicalToParams` packs them: for each layer and then each direction (a "pseudo-layer"),
first the weight matrices — for every gate in cuDNN's order (LSTM i, f, c, o; GRU r, z, h; a plain RNN its one)
the matrix applied to the layer's input, [num_units, input width], then those applied to the recurrent state,
[num_units, num_units] — each flattened row-major; then that pseudo-layer's biases, an input and a recurrent bias
vector per gate in the same order. This is the "cuDNN canonical" form.

The computation. TF's cells hold the same numbers differently ("TF canonical"): LSTM's `kernel` [in + units,
4·units] with gates i, c, f, o and one summed bias; GRU's `gates/kernel` for r and u, and the candidate's input and
hidden projections kept apart because cuDNN applies the reset gate after the recurrent product. A layer converts its
buffer to that form (slices, transposes and concats, so gradients reach the buffer) and runs the compatible cells
with `dynamic_rnn` — one definition of each step for the layer and the cells. cuDNN's arithmetic is the same.

Checkpoints. As in TF, building a layer adds a SaveableObject to SAVEABLE_OBJECTS that saves the buffer in TF
canonical form under the names the compatible cells use
(`<scope>/rnn/multi_rnn_cell/cell_0/cudnn_compatible_lstm_cell/kernel`, bidirectional:
`<scope>/stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/...`) and restores it from them; a TF checkpoint of a
CudnnLSTM therefore restores into graphgrad's (by those names, or by `opaque_kernel` itself), and cells built
under those scopes restore from a layer's checkpoint. Like TF, the saved LSTM/plain-RNN bias is the sum of the
input and recurrent biases, split in halves on restore.
"""
from __future__ import annotations

import numbers

from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph, name_scope
from ..framework.tensor_shape import TensorShape
from ..layers.core import Layer
from ..nn.rnn import bidirectional_dynamic_rnn, dynamic_rnn
from ..nn.rnn_cell_impl import BasicLSTMCell, BasicRNNCell, GRUCell, LSTMStateTuple, _depth
from ..ops.activation_ops import relu
from ..ops.arithmetic_ops import add, multiply, subtract
from ..ops.array_ops import concat, reshape, shape, split, stack, transpose, unstack, zeros
from ..ops.bias_ops import bias_add
from ..ops.core import convert_to_tensor
from ..ops.dropout_ops import dropout as _dropout
from ..ops.init_ops import constant_initializer, glorot_uniform_initializer, zeros_initializer
from ..ops.matmul_ops import matmul
from ..ops.state_ops import assign
from ..ops.unary_ops import sigmoid, tanh
from ..train.saveables import SaveableObject, SaveSpec
from ..variables import get_variable, get_variable_scope, variable_scope

CUDNN_RNN_UNIDIRECTION = "unidirectional"
CUDNN_RNN_BIDIRECTION = "bidirectional"
CUDNN_LSTM = "lstm"
CUDNN_GRU = "gru"
CUDNN_RNN_RELU = "rnn_relu"
CUDNN_RNN_TANH = "rnn_tanh"

# Weight matrices (and bias vectors) per layer and direction: half on the input, half on the recurrent state.
CUDNN_LSTM_PARAMS_PER_LAYER = 8
CUDNN_GRU_PARAMS_PER_LAYER = 6
CUDNN_RNN_TANH_PARAMS_PER_LAYER = 2
CUDNN_RNN_RELU_PARAMS_PER_LAYER = 2

CUDNN_INPUT_LINEAR_MODE = "linear_input"
CUDNN_INPUT_SKIP_MODE = "skip_input"
CUDNN_INPUT_AUTO_MODE = "auto_select"


def check_direction(direction):
    if direction not in (CUDNN_RNN_UNIDIRECTION, CUDNN_RNN_BIDIRECTION):
        raise ValueError(f"Invalid direction: {direction}, expecting {CUDNN_RNN_UNIDIRECTION} or "
                         f"{CUDNN_RNN_BIDIRECTION}")


def check_input_mode(input_mode):
    if input_mode not in (CUDNN_INPUT_LINEAR_MODE, CUDNN_INPUT_SKIP_MODE, CUDNN_INPUT_AUTO_MODE):
        raise ValueError(f"Invalid input_mode: {input_mode}, expecting one of {CUDNN_INPUT_LINEAR_MODE}, "
                         f"{CUDNN_INPUT_SKIP_MODE} or {CUDNN_INPUT_AUTO_MODE}")


def _check_linear_input(input_mode, input_size, num_units):
    """cuDNN's skip_input has no input matrices in layer 0 (it adds the input as is): not supported here, so only
    the modes that mean linear_input are accepted."""
    skip = input_mode == CUDNN_INPUT_SKIP_MODE or (input_mode == CUDNN_INPUT_AUTO_MODE and input_size == num_units)
    if skip:
        raise NotImplementedError("input_mode='skip_input' (or 'auto_select' with input_size == num_units) is not "
                                  "supported: use input_mode='linear_input'")


# --- the compatible cells -----------------------------------------------------------------------------------
class CudnnCompatibleLSTMCell(BasicLSTMCell):
    """An LSTM cell that computes what CudnnLSTM computes, with TF's variables `cudnn_compatible_lstm_cell/kernel`
    [input + units, 4·units] (gates i, c, f, o) and `bias`: TF's LSTMBlockCell with no forget bias, no clipping
    and no peepholes, which is BasicLSTMCell's step with forget_bias=0."""
    _base_name = "cudnn_compatible_lstm_cell"

    def __init__(self, num_units, reuse=None, name=None, dtype=None):
        super().__init__(num_units, forget_bias=0.0, reuse=reuse, name=name, dtype=dtype)


class CudnnCompatibleGRUCell(GRUCell):
    """cuDNN's GRU as a cell: r, u = sigmoid([x, h] @ gates/kernel + gates/bias);
    c = tanh(x @ W + b_W + r * (h @ R + b_R)); h' = u * h + (1 - u) * c. Unlike tf.nn.rnn_cell.GRUCell the reset
    gate multiplies the recurrent product (with its own bias), so the candidate's input and hidden projections are
    separate variables (`candidate/input_projection/kernel`, `candidate/hidden_projection/kernel`)."""
    _base_name = "cudnn_compatible_gru_cell"

    def __init__(self, num_units, reuse=None, kernel_initializer=None, bias_initializer=None, name=None,
                 dtype=None):
        super().__init__(num_units, reuse=reuse, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, name=name, dtype=dtype)

    def build(self, inputs_shape, dtype):
        depth, n = _depth(inputs_shape), self._num_units
        kernel_init, bias_init = self._kernel_initializer, self._bias_initializer
        with variable_scope("gates"):  # biases start at 1: neither reset nor update at first, as TF
            self._gate_kernel = self._add_variable("kernel", [depth + n, 2 * n], dtype, kernel_init)
            self._gate_bias = self._add_variable("bias", [2 * n], dtype, bias_init or constant_initializer(1.0))
        with variable_scope("candidate"):  # TF's creation order: both kernels, then both biases
            with variable_scope("input_projection"):
                self._candidate_input_kernel = self._add_variable("kernel", [depth, n], dtype, kernel_init)
            with variable_scope("hidden_projection"):
                self._candidate_hidden_kernel = self._add_variable("kernel", [n, n], dtype, kernel_init)
            with variable_scope("input_projection"):
                self._candidate_input_bias = self._add_variable("bias", [n], dtype, bias_init or zeros_initializer())
            with variable_scope("hidden_projection"):
                self._candidate_hidden_bias = self._add_variable("bias", [n], dtype,
                                                                 bias_init or zeros_initializer())

    def call(self, inputs, state):
        gates = sigmoid(bias_add(matmul(concat([inputs, state], 1), self._gate_kernel), self._gate_bias))
        r, u = split(gates, 2, axis=1)
        candidate = bias_add(matmul(inputs, self._candidate_input_kernel), self._candidate_input_bias)
        hidden = bias_add(matmul(state, self._candidate_hidden_kernel), self._candidate_hidden_bias)
        c = self._activation(add(candidate, multiply(r, hidden)))
        new_h = add(multiply(u, state), multiply(subtract(1.0, u), c))
        return new_h, new_h


def _prebuilt(cell, **weights):
    """`cell` computing with the given tensors (views of a layer's opaque kernel) instead of variables of its own,
    so the layer runs exactly the compatible cell's step."""
    for attr, tensor in weights.items():
        setattr(cell, attr, tensor)
    cell._built = True
    return cell


# --- the parameter layouts ------------------------------------------------------------------------------------
class _CudnnParamsFormatConverter:
    """Converts a cuDNN parameter buffer to the compatible cells' weights and back (TF 1.15's
    CudnnParamsFormatConverter*). Subclasses say how one pseudo-layer's cuDNN canonical weights and biases map to
    the cell's (`_cu_to_tf_*`, `_tf_to_cu_*`), what the cell's variables are called, and how to run the cell."""

    _num_params_per_layer = None
    _cell_name = None
    _tf_weight_names = ("kernel",)
    _tf_bias_names = ("bias",)

    def __init__(self, num_layers, num_units, input_size, num_proj=None, input_mode=CUDNN_INPUT_LINEAR_MODE,
                 direction=CUDNN_RNN_UNIDIRECTION):
        if num_proj:
            raise NotImplementedError("num_proj (LSTM projections) is not supported")
        check_direction(direction)
        check_input_mode(input_mode)
        _check_linear_input(input_mode, input_size, num_units)
        self._num_layers, self._num_units, self._input_size = num_layers, num_units, input_size
        self._input_mode, self._direction = input_mode, direction
        self._num_dirs = 1 if direction == CUDNN_RNN_UNIDIRECTION else 2
        self._num_gates = self._num_params_per_layer // 2

    # shapes, in cuDNN canonical order
    def _input_width(self, layer):
        """The width of the matrices applied to layer `layer`'s input: the input, or the layer below's output."""
        return self._input_size if layer == 0 else self._num_units * self._num_dirs

    def weight_shapes(self):
        """[(num_units, input width)] per gate then [(num_units, num_units)] per gate, per layer and direction."""
        out = []
        for layer in range(self._num_layers):
            one = ([(self._num_units, self._input_width(layer))] * self._num_gates
                   + [(self._num_units, self._num_units)] * self._num_gates)
            out.extend(one * self._num_dirs)
        return out

    def bias_shapes(self):
        return [[self._num_units]] * (self._num_params_per_layer * self._num_dirs * self._num_layers)

    def params_size(self):
        """The number of values in the opaque buffer."""
        return sum(a * b for a, b in self.weight_shapes()) + sum(s[0] for s in self.bias_shapes())

    # opaque <-> cuDNN canonical
    def _cu_canonical_to_opaque(self, cu_weights, cu_biases):
        """One flat buffer: per pseudo-layer its matrices (row-major), then its biases (cuDNN's layout)."""
        k = self._num_params_per_layer
        pieces = []
        for p in range(self._num_layers * self._num_dirs):
            pieces += [reshape(w, [-1]) for w in cu_weights[p * k:(p + 1) * k]]
            pieces += [reshape(b, [-1]) for b in cu_biases[p * k:(p + 1) * k]]
        return concat(pieces, 0)

    def _opaque_to_cu_canonical(self, opaque):
        """The buffer cut back into cuDNN canonical (weights, biases)."""
        k = self._num_params_per_layer
        w_shapes, b_shapes = self.weight_shapes(), self.bias_shapes()
        sizes, shapes = [], []
        for p in range(self._num_layers * self._num_dirs):
            shapes += w_shapes[p * k:(p + 1) * k] + [tuple(s) for s in b_shapes[p * k:(p + 1) * k]]
            sizes += [a * b for a, b in w_shapes[p * k:(p + 1) * k]] + [s[0] for s in b_shapes[p * k:(p + 1) * k]]
        parts = [reshape(t, list(s)) for t, s in zip(split(reshape(opaque, [-1]), sizes, axis=0), shapes)]
        weights, biases = [], []
        for p in range(self._num_layers * self._num_dirs):
            one = parts[2 * k * p:2 * k * (p + 1)]
            weights += one[:k]
            biases += one[k:]
        return weights, biases

    # cuDNN canonical <-> TF canonical
    def _cu_canonical_to_tf_canonical(self, cu_weights, cu_biases):
        k = self._num_params_per_layer
        tf_weights, tf_biases = [], []
        for p in range(self._num_layers * self._num_dirs):
            tf_weights += self._cu_to_tf_weights(*cu_weights[p * k:(p + 1) * k])
            tf_biases += self._cu_to_tf_biases(*cu_biases[p * k:(p + 1) * k])
        return tf_weights, tf_biases

    def _tf_canonical_to_cu_canonical(self, tf_canonicals):
        """`tf_canonicals`: all the cells' weights (per layer, forward then backward), then all their biases."""
        nw, nb = len(self._tf_weight_names), len(self._tf_bias_names)
        pseudo = self._num_layers * self._num_dirs
        if len(tf_canonicals) != (nw + nb) * pseudo:
            raise ValueError(f"Expected {(nw + nb) * pseudo} TF canonical tensors, got {len(tf_canonicals)}")
        weights, biases = tf_canonicals[:nw * pseudo], tf_canonicals[nw * pseudo:]
        cu_weights, cu_biases = [], []
        for p in range(pseudo):
            layer = p // self._num_dirs
            cu_weights += self._tf_to_cu_weights(layer, *weights[p * nw:(p + 1) * nw])
            cu_biases += self._tf_to_cu_biases(*biases[p * nb:(p + 1) * nb])
        return cu_weights, cu_biases

    def _split_input_recurrent(self, layer, w):
        """[units, input width + units] -> (input part, recurrent part)."""
        return split(w, [self._input_width(layer), self._num_units], axis=1)

    def opaque_to_tf_canonical(self, opaque_param):
        """The buffer as the compatible cells' (weights, biases), per layer and direction."""
        return self._cu_canonical_to_tf_canonical(*self._opaque_to_cu_canonical(opaque_param))

    def tf_canonical_to_opaque(self, tf_canonicals, weights_proj=None):
        """The compatible cells' weights then biases as one buffer."""
        if weights_proj is not None:
            raise NotImplementedError("weights_proj (LSTM projections) is not supported")
        return self._cu_canonical_to_opaque(*self._tf_canonical_to_cu_canonical(list(tf_canonicals)))

    # names and cells
    def tf_canonical_names(self):
        """The checkpoint names (under the layer's scope) of opaque_to_tf_canonical's tensors, as TF saves them:
        the cells of `MultiRNNCell` under dynamic_rnn's `rnn/`, or of `stack_bidirectional_dynamic_rnn`."""
        prefixes = []
        for layer in range(self._num_layers):
            if self._num_dirs == 1:
                prefixes.append(f"rnn/multi_rnn_cell/cell_{layer}/{self._cell_name}")
            else:
                for d in ("fw", "bw"):
                    prefixes.append(f"stack_bidirectional_rnn/cell_{layer}/bidirectional_rnn/{d}/{self._cell_name}")
        return ([f"{p}/{n}" for p in prefixes for n in self._tf_weight_names],
                [f"{p}/{n}" for p in prefixes for n in self._tf_bias_names])

    def _cell(self, weights, biases):
        """The compatible cell of one pseudo-layer, computing with `weights` and `biases` (TF canonical)."""
        raise NotImplementedError


class CudnnParamsFormatConverterLSTM(_CudnnParamsFormatConverter):
    """CudnnLSTM's buffer <-> CudnnCompatibleLSTMCell's `kernel` (gates i, c, f, o) and `bias` (summed)."""

    _num_params_per_layer = CUDNN_LSTM_PARAMS_PER_LAYER
    _cell_name = "cudnn_compatible_lstm_cell"

    def _cu_to_tf_weights(self, w_i, w_f, w_c, w_o, r_i, r_f, r_c, r_o):
        gates = [concat([w, r], 1) for w, r in ((w_i, r_i), (w_c, r_c), (w_f, r_f), (w_o, r_o))]
        return [transpose(concat(gates, 0))]

    def _tf_to_cu_weights(self, layer, kernel):
        w_i, w_c, w_f, w_o = split(transpose(kernel), 4, axis=0)
        (w_i, r_i), (w_f, r_f), (w_c, r_c), (w_o, r_o) = [self._split_input_recurrent(layer, w)
                                                          for w in (w_i, w_f, w_c, w_o)]
        return [w_i, w_f, w_c, w_o, r_i, r_f, r_c, r_o]

    def _cu_to_tf_biases(self, b_wi, b_wf, b_wc, b_wo, b_ri, b_rf, b_rc, b_ro):
        return [concat([b_wi + b_ri, b_wc + b_rc, b_wf + b_rf, b_wo + b_ro], 0)]

    def _tf_to_cu_biases(self, bias):
        b_i, b_c, b_f, b_o = [b * 0.5 for b in split(bias, 4, axis=0)]
        return [b_i, b_f, b_c, b_o] * 2

    def _cell(self, weights, biases):
        # a plain BasicLSTMCell (what CudnnCompatibleLSTMCell is) lets dynamic_rnn use its fused sequence op
        return _prebuilt(BasicLSTMCell(self._num_units, forget_bias=0.0, name=self._cell_name),
                         _kernel=weights[0], _bias=biases[0])


class CudnnParamsFormatConverterGRU(_CudnnParamsFormatConverter):
    """CudnnGRU's buffer <-> CudnnCompatibleGRUCell's `gates/kernel` (r, u), `candidate/input_projection/kernel`,
    `candidate/hidden_projection/kernel` and their biases (the gates' summed)."""

    _num_params_per_layer = CUDNN_GRU_PARAMS_PER_LAYER
    _cell_name = "cudnn_compatible_gru_cell"
    _tf_weight_names = ("gates/kernel", "candidate/input_projection/kernel", "candidate/hidden_projection/kernel")
    _tf_bias_names = ("gates/bias", "candidate/input_projection/bias", "candidate/hidden_projection/bias")

    def _cu_to_tf_weights(self, w_r, w_z, w_h, r_r, r_z, r_h):
        gates = concat([concat([w_r, r_r], 1), concat([w_z, r_z], 1)], 0)
        return [transpose(gates), transpose(w_h), transpose(r_h)]

    def _tf_to_cu_weights(self, layer, gate_kernel, input_kernel, hidden_kernel):
        g_r, g_z = split(transpose(gate_kernel), 2, axis=0)
        (w_r, r_r), (w_z, r_z) = self._split_input_recurrent(layer, g_r), self._split_input_recurrent(layer, g_z)
        return [w_r, w_z, transpose(input_kernel), r_r, r_z, transpose(hidden_kernel)]

    def _cu_to_tf_biases(self, b_wr, b_wz, b_wh, b_rr, b_rz, b_rh):
        return [concat([b_wr + b_rr, b_wz + b_rz], 0), b_wh, b_rh]

    def _tf_to_cu_biases(self, gate_bias, input_bias, hidden_bias):
        b_r, b_z = split(gate_bias * 0.5, 2, axis=0)
        return [b_r, b_z, input_bias, b_r, b_z, hidden_bias]

    def _cell(self, weights, biases):
        return _prebuilt(CudnnCompatibleGRUCell(self._num_units),
                         _gate_kernel=weights[0], _candidate_input_kernel=weights[1],
                         _candidate_hidden_kernel=weights[2], _gate_bias=biases[0], _candidate_input_bias=biases[1],
                         _candidate_hidden_bias=biases[2])


class _CudnnParamsFormatConverterSimple(_CudnnParamsFormatConverter):
    """A plain RNN's buffer <-> BasicRNNCell's `kernel` [input + units, units] and `bias` (summed)."""

    _cell_name = "basic_rnn_cell"
    _activation = None

    def _cu_to_tf_weights(self, w, r):
        return [transpose(concat([w, r], 1))]

    def _tf_to_cu_weights(self, layer, kernel):
        return list(self._split_input_recurrent(layer, transpose(kernel)))

    def _cu_to_tf_biases(self, b_w, b_r):
        return [b_w + b_r]

    def _tf_to_cu_biases(self, bias):
        return [bias * 0.5, bias * 0.5]

    def _cell(self, weights, biases):
        cell = BasicRNNCell(self._num_units, activation=type(self)._activation, name=self._cell_name)
        return _prebuilt(cell, _kernel=weights[0], _bias=biases[0])


class CudnnParamsFormatConverterTanh(_CudnnParamsFormatConverterSimple):
    _num_params_per_layer = CUDNN_RNN_TANH_PARAMS_PER_LAYER
    _activation = tanh


class CudnnParamsFormatConverterRelu(_CudnnParamsFormatConverterSimple):
    _num_params_per_layer = CUDNN_RNN_RELU_PARAMS_PER_LAYER
    _activation = relu


# --- saving -----------------------------------------------------------------------------------------------------
class CudnnOpaqueParamsSaveable(SaveableObject):
    """Saves a layer's opaque kernel as the compatible cells' variables (TF canonical form, under `scope`) and
    restores it from them, so checkpoints move between CudnnRNN layers and compatible cells (TF's
    CudnnOpaqueParamsSaveable)."""

    _converter_cls = None

    def __init__(self, opaque_params, num_layers, num_units, input_size, input_mode=CUDNN_INPUT_LINEAR_MODE,
                 direction=CUDNN_RNN_UNIDIRECTION, scope=None, name="cudnn_rnn_saveable"):
        self._variables = opaque_params
        self._converter = self._converter_cls(num_layers, num_units, input_size, input_mode=input_mode,
                                              direction=direction)
        scope_name = getattr(scope, "name", scope) or ""
        weights, biases = self._converter.opaque_to_tf_canonical(opaque_params.value())
        weight_names, bias_names = self._converter.tf_canonical_names()
        names = [f"{scope_name}/{n}" if scope_name else n for n in weight_names + bias_names]
        specs = [SaveSpec(t, "", n) for t, n in zip(weights + biases, names)]
        super().__init__(opaque_params, specs, name)

    def restore(self, restored_tensors, restored_shapes):
        return assign(self._variables, self._converter.tf_canonical_to_opaque(list(restored_tensors)))


class CudnnLSTMSaveable(CudnnOpaqueParamsSaveable):
    _converter_cls = CudnnParamsFormatConverterLSTM


class CudnnGRUSaveable(CudnnOpaqueParamsSaveable):
    _converter_cls = CudnnParamsFormatConverterGRU


class CudnnRNNTanhSaveable(CudnnOpaqueParamsSaveable):
    _converter_cls = CudnnParamsFormatConverterTanh


class CudnnRNNReluSaveable(CudnnOpaqueParamsSaveable):
    _converter_cls = CudnnParamsFormatConverterRelu


# --- the layers ---------------------------------------------------------------------------------------------------
class _CudnnRNN(Layer):
    """A multi-layer, optionally bidirectional RNN whose weights are one cuDNN parameter buffer.

    `layer(inputs, initial_state=None, sequence_lengths=None, time_major=True, training=True)` returns
    (outputs [time, batch, num_dirs·num_units], output_states): states are tuples of
    [num_layers·num_dirs, batch, num_units] tensors, (h, c) for an LSTM and (h,) otherwise. Past an element's
    sequence length the outputs are zeros and the final states are those of its last step; the backward direction
    reads each sequence reversed within its length. `dropout` applies to each layer's output but the last's
    while training."""

    _rnn_mode = None
    _num_params_per_layer = None
    _saveable_cls = None
    _converter_cls = None
    _layer_name = None

    def __init__(self, num_layers, num_units, input_mode=CUDNN_INPUT_LINEAR_MODE, direction=CUDNN_RNN_UNIDIRECTION,
                 dropout=0., seed=None, dtype=dtypes.float32, kernel_initializer=None, bias_initializer=None,
                 name=None):
        dtype = dtypes.as_dtype(dtype).base_dtype
        super().__init__(dtype=dtype, name=name)
        self._base_name = self._layer_name  # TF's snake case: cudnn_lstm, cudnn_rnn_tanh
        check_direction(direction)
        check_input_mode(input_mode)
        if dtype not in (dtypes.float16, dtypes.float32, dtypes.float64):
            raise ValueError(f"Only support float16, float32, float64, provided {dtype}")
        self._plain_dtype = dtype
        self._num_layers, self._num_units = num_layers, num_units
        self._input_mode, self._direction = input_mode, direction
        self._dropout, self._seed = dropout, seed
        self._kernel_initializer, self._bias_initializer = kernel_initializer, bias_initializer
        self._input_size = None
        self._saveable = None
        self._converter = None
        self.kernel = None

    @property
    def num_layers(self):
        return self._num_layers

    @property
    def num_units(self):
        return self._num_units

    @property
    def input_mode(self):
        return self._input_mode

    @property
    def input_size(self):
        if not self._input_size:
            raise ValueError("'input_size' is unknown since layer has not been built.")
        return self._input_size

    @property
    def rnn_mode(self):
        return self._rnn_mode

    @property
    def direction(self):
        return self._direction

    @property
    def num_dirs(self):
        return 1 if self._direction == CUDNN_RNN_UNIDIRECTION else 2

    @property
    def saveable(self):
        return self._saveable

    @property
    def canonical_weight_shapes(self):
        """The cuDNN canonical weight shapes, per layer and direction: (num_units, input width) per gate, then
        (num_units, num_units) per gate."""
        if not self._input_size:
            raise RuntimeError(f"{type(self).__name__}.canonical_weight_shapes invoked before input shape is known")
        return self._converter.weight_shapes()

    @property
    def canonical_bias_shapes(self):
        """[num_units] per gate, input and recurrent, per layer and direction."""
        return [[self._num_units]] * (self._num_params_per_layer * self.num_dirs * self._num_layers)

    def state_shape(self, batch_size):
        return ([self._num_layers * self.num_dirs, batch_size, self._num_units],)

    def _zero_state(self, batch_size):
        return tuple(zeros(s, dtype=self._plain_dtype) for s in self.state_shape(batch_size))

    def build(self, input_shape):
        """Create the opaque kernel: each canonical matrix drawn by `kernel_initializer` (Glorot uniform by
        default) and each bias by `bias_initializer` (zeros), packed in cuDNN's layout, as TF does."""
        if self.built:
            return
        input_shape = TensorShape(input_shape)
        if input_shape.ndims != 3:
            raise ValueError(f"Expecting input_shape with 3 dims, got {input_shape.ndims}")
        if input_shape[-1].value is None:
            raise ValueError("The last dimension of the inputs to `CudnnRNN` should be defined. Found `None`.")
        self._input_size = input_shape[-1].value
        self._converter = self._converter_cls(self._num_layers, self._num_units, self._input_size,
                                              input_mode=self._input_mode, direction=self._direction)
        kernel_init = self._kernel_initializer or glorot_uniform_initializer(seed=self._seed)
        bias_init = self._bias_initializer or constant_initializer(0.0)
        converter, dtype = self._converter, self._plain_dtype

        def opaque_initializer(shape, dtype=dtype, partition_info=None):
            weights = [kernel_init(list(s), dtype=dtype) for s in converter.weight_shapes()]
            biases = [bias_init(list(s), dtype=dtype) for s in converter.bias_shapes()]
            return converter._cu_canonical_to_opaque(weights, biases)

        self.kernel = get_variable("opaque_kernel", shape=[converter.params_size()], dtype=dtype,
                                   initializer=opaque_initializer, validate_shape=False)
        if self.kernel not in self._variables:
            self._variables.append(self.kernel)
        scope = get_variable_scope()
        if not scope.reuse:
            self._create_saveable(scope)
        self.built = True

    def _create_saveable(self, scope):
        """The SaveableObject that saves the kernel in TF canonical form, in SAVEABLE_OBJECTS (as TF's build)."""
        if get_default_graph()._is_eager:  # eager programs save objects (tf.train.Checkpoint), not collections
            return
        self._saveable = self._saveable_cls(
            self.kernel, self._num_layers, self._num_units, self._input_size, input_mode=self._input_mode,
            direction=self._direction, scope=scope, name=f"{self.kernel.op.name}_saveable")
        get_default_graph().add_to_collection(GraphKeys.SAVEABLE_OBJECTS, self._saveable)

    def call(self, inputs, initial_state=None, sequence_lengths=None, time_major=True, training=True):
        if initial_state is not None and not isinstance(initial_state, tuple):
            raise TypeError(f"Invalid initial_state type: {initial_state}, expecting tuple.")
        if not isinstance(training, (bool, numbers.Integral)):
            raise TypeError("training must be a Python bool (TF's cuDNN op takes it as an attribute)")
        inputs = convert_to_tensor(inputs, dtype=self._plain_dtype)
        if not time_major:
            inputs = transpose(inputs, [1, 0, 2])
        batch_size = inputs.shape[1].value
        if batch_size is None:
            batch_size = shape(inputs)[1]
        states = initial_state if initial_state is not None else self._zero_state(batch_size)
        states = [unstack(convert_to_tensor(s, dtype=self._plain_dtype), num=self._num_layers * self.num_dirs)
                  for s in states]
        if sequence_lengths is not None:
            sequence_lengths = convert_to_tensor(sequence_lengths, dtype=dtypes.int32)
        weights, biases = self._converter.opaque_to_tf_canonical(self.kernel.value())
        per_w, per_b = len(self._converter._tf_weight_names), len(self._converter._tf_bias_names)
        x, finals = inputs, []
        for layer in range(self._num_layers):
            if layer > 0 and training and self._dropout > 0:
                x = _dropout(x, rate=self._dropout, seed=None if self._seed is None else self._seed + layer)
            cells, starts = [], []
            for d in range(self.num_dirs):
                p = layer * self.num_dirs + d
                cells.append(self._converter._cell(weights[p * per_w:(p + 1) * per_w],
                                                   biases[p * per_b:(p + 1) * per_b]))
                starts.append(self._cell_state([s[p] for s in states]))
            with name_scope(f"layer_{layer}"):
                if self.num_dirs == 1:
                    x, final = dynamic_rnn(cells[0], x, sequence_length=sequence_lengths, initial_state=starts[0],
                                           time_major=True)
                    finals.append(final)
                else:
                    (out_fw, out_bw), (final_fw, final_bw) = bidirectional_dynamic_rnn(
                        cells[0], cells[1], x, sequence_length=sequence_lengths, initial_state_fw=starts[0],
                        initial_state_bw=starts[1], time_major=True)
                    x = concat([out_fw, out_bw], 2)
                    finals += [final_fw, final_bw]
        outputs = x if time_major else transpose(x, [1, 0, 2])
        return outputs, self._output_states(finals)

    def _cell_state(self, parts):
        """A pseudo-layer's state for its cell, from its slices of the layer's states."""
        return parts[0]

    def _output_states(self, finals):
        return (stack(finals, axis=0),)


class CudnnLSTM(_CudnnRNN):
    """cuDNN's LSTM: gates i, f, c, o with input and recurrent biases; states (h, c)."""

    _rnn_mode = CUDNN_LSTM
    _num_params_per_layer = CUDNN_LSTM_PARAMS_PER_LAYER
    _saveable_cls = CudnnLSTMSaveable
    _converter_cls = CudnnParamsFormatConverterLSTM
    _layer_name = "cudnn_lstm"

    def state_shape(self, batch_size):
        one = [self._num_layers * self.num_dirs, batch_size, self._num_units]
        return (one, list(one))

    def _cell_state(self, parts):
        h, c = parts
        return LSTMStateTuple(c=c, h=h)

    def _output_states(self, finals):
        return (stack([f.h for f in finals], axis=0), stack([f.c for f in finals], axis=0))


class CudnnGRU(_CudnnRNN):
    """cuDNN's GRU: gates r, z and the candidate h, the reset gate applied after the recurrent product."""

    _rnn_mode = CUDNN_GRU
    _num_params_per_layer = CUDNN_GRU_PARAMS_PER_LAYER
    _saveable_cls = CudnnGRUSaveable
    _converter_cls = CudnnParamsFormatConverterGRU
    _layer_name = "cudnn_gru"


class CudnnRNNTanh(_CudnnRNN):
    """h' = tanh(W x + b_W + R h + b_R)."""

    _rnn_mode = CUDNN_RNN_TANH
    _num_params_per_layer = CUDNN_RNN_TANH_PARAMS_PER_LAYER
    _saveable_cls = CudnnRNNTanhSaveable
    _converter_cls = CudnnParamsFormatConverterTanh
    _layer_name = "cudnn_rnn_tanh"


class CudnnRNNRelu(_CudnnRNN):
    """h' = relu(W x + b_W + R h + b_R)."""

    _rnn_mode = CUDNN_RNN_RELU
    _num_params_per_layer = CUDNN_RNN_RELU_PARAMS_PER_LAYER
    _saveable_cls = CudnnRNNReluSaveable
    _converter_cls = CudnnParamsFormatConverterRelu
    _layer_name = "cudnn_rnn_relu"


__all__ = ["CudnnLSTM", "CudnnGRU", "CudnnRNNTanh", "CudnnRNNRelu", "CudnnCompatibleLSTMCell",
           "CudnnCompatibleGRUCell", "CudnnParamsFormatConverterLSTM", "CudnnParamsFormatConverterGRU",
           "CudnnParamsFormatConverterTanh", "CudnnParamsFormatConverterRelu", "CudnnOpaqueParamsSaveable",
           "CudnnLSTMSaveable", "CudnnGRUSaveable", "CudnnRNNTanhSaveable", "CudnnRNNReluSaveable",
           "CUDNN_RNN_UNIDIRECTION", "CUDNN_RNN_BIDIRECTION", "CUDNN_LSTM", "CUDNN_GRU", "CUDNN_RNN_RELU",
           "CUDNN_RNN_TANH", "CUDNN_INPUT_LINEAR_MODE", "CUDNN_INPUT_SKIP_MODE", "CUDNN_INPUT_AUTO_MODE",
           "CUDNN_LSTM_PARAMS_PER_LAYER", "CUDNN_GRU_PARAMS_PER_LAYER", "CUDNN_RNN_TANH_PARAMS_PER_LAYER",
           "CUDNN_RNN_RELU_PARAMS_PER_LAYER"]
