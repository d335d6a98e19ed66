"""Attention for seq2seq decoders, as TF 1.15's `tf.contrib.seq2seq`: Bahdanau's additive and Luong's
multiplicative mechanisms, and `AttentionWrapper`, an RNN cell that attends over an encoder's outputs at every
step.

A mechanism keeps the encoder's outputs (`memory` [batch, max_time, depth], zeroed past `memory_sequence_length`)
as `values`, and their projection by `memory_layer` (Dense, no bias) as `keys`. Given a query (the decoder cell's
output) it scores every memory step — Bahdanau: v · tanh(keys + query_layer(query)), optionally weight-normalized;
Luong: query · keys, optionally scaled by a learned g — masks the steps past each sequence's length with -inf, and
turns the scores into alignments with softmax. The wrapper feeds the cell its input concatenated with the last
attention vector, then computes the context (alignments · values) and, with `attention_layer_size`, the attention
vector attention_layer([cell output, context]) (Dense, no bias). Variable names are TF's: `memory_layer/kernel`
where the mechanism is made, and under the wrapper's scope (`decoder/attention_wrapper/...`) the cell's,
`bahdanau_attention/query_layer/kernel`, `bahdanau_attention/attention_v` (`attention_g`, `attention_b` when
normalized), `luong_attention/attention_g` (scaled) and `attention_layer/kernel`, so TF checkpoints restore.
"""
from __future__ import annotations

import collections
import math

import numpy as np

from ...framework import dtypes
from ...framework.graph import control_dependencies, name_scope
from ...framework.tensor_shape import TensorShape
from ...layers.core import Dense
from ...nn.rnn_cell_impl import RNNCell
from ...ops import nest
from ...ops.array_ops import concat, expand_dims, identity, reshape, shape, squeeze, zeros
from ...ops.check_ops import assert_equal, assert_positive
from ...ops.core import convert_to_tensor, ones_like
from ...ops.init_ops import constant_initializer, ones_initializer, zeros_initializer
from ...ops.matmul_ops import matmul
from ...ops.reduction_ops import reduce_sum
from ...ops.select_ops import where
from ...ops.sequence_ops import sequence_mask
from ...ops.softmax_ops import softmax
from ...ops.tensor_array_ops import TensorArray
from ...ops.unary_ops import rsqrt, square, tanh
from ...python.framework.tensor_shape import dimension_value
from ...variables import get_variable, variable_scope

__all__ = ["AttentionMechanism", "BahdanauAttention", "LuongAttention", "AttentionWrapper", "AttentionWrapperState"]


def _zeros(size, batch_size, dtype):
    return zeros([batch_size] + TensorShape(size).as_list(), dtype=dtype)


def _dim(t, i):
    return dimension_value(t.shape[i]) or shape(t)[i]


def _prepare_memory(memory, memory_sequence_length):
    """The memory as tensors, zeroed past each sequence's length (its batch size checked against the lengths')."""
    memory = nest.map_structure(lambda m: convert_to_tensor(m, name="memory"), memory)
    if memory_sequence_length is None:
        return memory
    lengths = convert_to_tensor(memory_sequence_length, name="memory_sequence_length")
    first = nest.flatten(memory)[0]
    mask = sequence_mask(lengths, maxlen=shape(first)[1], dtype=first.dtype.base_dtype)

    def masked(m):
        check = assert_equal(_dim(lengths, 0), _dim(m, 0),
                             message="memory_sequence_length and memory tensor batch sizes do not match.")
        with control_dependencies([check]):
            extra = [1] * (m.shape.ndims - 2)  # (the mask broadcast over a memory's inner dimensions)
            dims = concat([shape(mask), convert_to_tensor(extra, dtype=dtypes.int32)], 0) if extra else shape(mask)
            return m * reshape(mask, dims)
    return nest.map_structure(masked, memory)


def _mask_score(score, memory_sequence_length, score_mask_value):
    if memory_sequence_length is None:
        return score
    check = assert_positive(memory_sequence_length, message="All values in memory_sequence_length must greater "
                                                           "than zero.")
    with control_dependencies([check]):
        mask = sequence_mask(memory_sequence_length, maxlen=shape(score)[1])
        return where(mask, score, score_mask_value * ones_like(score))


class AttentionMechanism:
    """Base of the attention mechanisms (TF's `AttentionMechanism`)."""


class _BaseAttentionMechanism(AttentionMechanism):
    def __init__(self, query_layer, memory, probability_fn, memory_sequence_length=None, memory_layer=None,
                 score_mask_value=None, name=None):
        if not callable(probability_fn):
            raise TypeError(f"probability_fn must be callable, saw type: {type(probability_fn).__name__}")
        self._query_layer, self._memory_layer = query_layer, memory_layer
        self.dtype = dtypes.as_dtype(getattr(memory_layer, "dtype", None) or dtypes.float32).base_dtype
        if score_mask_value is None:
            score_mask_value = self.dtype.np.type(-np.inf)
        lengths = None if memory_sequence_length is None else convert_to_tensor(memory_sequence_length)
        self._probability_fn = lambda score, prev: probability_fn(_mask_score(score, lengths, score_mask_value),
                                                                  prev)
        with name_scope(name, "BaseAttentionMechanismInit"):
            self._values = _prepare_memory(memory, memory_sequence_length)
            self._keys = self._memory_layer(self._values) if self._memory_layer is not None else self._values
            self._batch_size = _dim(self._keys, 0)
            self._alignments_size = _dim(self._keys, 1)

    @property
    def memory_layer(self):
        return self._memory_layer

    @property
    def query_layer(self):
        return self._query_layer

    @property
    def values(self):
        return self._values

    @property
    def keys(self):
        return self._keys

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def alignments_size(self):
        return self._alignments_size

    @property
    def state_size(self):
        return self._alignments_size

    def initial_alignments(self, batch_size, dtype):
        """Zeros [batch_size, max_time]: the alignments before the first step."""
        return _zeros(self._alignments_size, batch_size, dtype)

    def initial_state(self, batch_size, dtype):
        return self.initial_alignments(batch_size, dtype)


def _softmax_of_score(probability_fn):
    probability_fn = softmax if probability_fn is None else probability_fn
    return lambda score, _: probability_fn(score)


class BahdanauAttention(_BaseAttentionMechanism):
    """Additive attention (Bahdanau et al. 2015): score = v · tanh(keys + query_layer(query)); with `normalize`,
    v is weight-normalized (g · v / |v|) and a bias b is added inside the tanh (Salimans & Kingma 2016)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, normalize=False, probability_fn=None,
                 score_mask_value=None, dtype=None, custom_key_value_fn=None, name="BahdanauAttention"):
        if custom_key_value_fn is not None:
            raise NotImplementedError("custom_key_value_fn is not supported")
        dtype = dtypes.float32 if dtype is None else dtype
        super().__init__(query_layer=Dense(num_units, name="query_layer", use_bias=False, dtype=dtype),
                         memory_layer=Dense(num_units, name="memory_layer", use_bias=False, dtype=dtype),
                         memory=memory, probability_fn=_softmax_of_score(probability_fn),
                         memory_sequence_length=memory_sequence_length, score_mask_value=score_mask_value,
                         name=name)
        self._num_units, self._normalize, self._name = num_units, normalize, name
        self._weights = None  # (v, g, b), made in the first call's scope

    def __call__(self, query, state):
        """(alignments, next state) for `query` [batch, query_depth]; the state is the previous alignments."""
        with variable_scope(None, default_name="bahdanau_attention"):
            processed = expand_dims(self._query_layer(query) if self._query_layer is not None else query, 1)
            if self._weights is None:
                units = dimension_value(self._keys.shape[2])
                dtype = processed.dtype.base_dtype
                v = get_variable("attention_v", [units], dtype=dtype)
                g = b = None
                if self._normalize:
                    g = get_variable("attention_g", dtype=dtype, shape=(),
                                     initializer=constant_initializer(math.sqrt(1.0 / units)))
                    b = get_variable("attention_b", [units], dtype=dtype, initializer=zeros_initializer())
                self._weights = (v, g, b)
            v, g, b = self._weights
            if self._normalize:
                normed_v = g * v * rsqrt(reduce_sum(square(v)))
                score = reduce_sum(normed_v * tanh(self._keys + processed + b), [2])
            else:
                score = reduce_sum(v * tanh(self._keys + processed), [2])
        alignments = self._probability_fn(score, state)
        return alignments, alignments


class LuongAttention(_BaseAttentionMechanism):
    """Multiplicative attention (Luong et al. 2015): score = query · keys, times a learned scalar g with `scale`.
    The query's depth must equal `num_units`."""

    def __init__(self, num_units, memory, memory_sequence_length=None, scale=False, probability_fn=None,
                 score_mask_value=None, dtype=None, custom_key_value_fn=None, name="LuongAttention"):
        if custom_key_value_fn is not None:
            raise NotImplementedError("custom_key_value_fn is not supported")
        dtype = dtypes.float32 if dtype is None else dtype
        super().__init__(query_layer=None,
                         memory_layer=Dense(num_units, name="memory_layer", use_bias=False, dtype=dtype),
                         memory=memory, probability_fn=_softmax_of_score(probability_fn),
                         memory_sequence_length=memory_sequence_length, score_mask_value=score_mask_value,
                         name=name)
        self._num_units, self._scale, self._name = num_units, scale, name
        self._g = None

    def __call__(self, query, state):
        with variable_scope(None, default_name="luong_attention"):
            depth, key_units = query.shape[-1].value, self._keys.shape[-1].value
            if depth != key_units:
                raise ValueError(f"Incompatible or unknown inner dimensions between query and keys.  Query "
                                 f"({query}) has units: {depth}.  Keys ({self._keys}) have units: {key_units}.  "
                                 "Perhaps you need to set num_units to the keys' dimension ({depth})?")
            score = squeeze(matmul(expand_dims(query, 1), self._keys, transpose_b=True), [1])
            if self._scale:
                if self._g is None:
                    self._g = get_variable("attention_g", dtype=query.dtype.base_dtype, shape=(),
                                           initializer=ones_initializer())
                score = self._g * score
        alignments = self._probability_fn(score, state)
        return alignments, alignments


class AttentionWrapperState(collections.namedtuple("AttentionWrapperState", (
        "cell_state", "attention", "time", "alignments", "alignment_history", "attention_state"))):
    """The state of an `AttentionWrapper`: the wrapped cell's state, the last attention vector, the step, the
    alignments (and their history, a TensorArray, with `alignment_history=True`) and the mechanisms' states."""

    def clone(self, **kwargs):
        """A copy with the fields in `kwargs` replaced (`zero_state(...).clone(cell_state=encoder_state)`)."""
        def with_shape(old, new):
            if hasattr(old, "shape") and hasattr(new, "set_shape") and not isinstance(old, TensorArray):
                new.set_shape(old.shape)
            return new
        return nest.map_structure(with_shape, self, super()._replace(**kwargs))


def _compute_attention(mechanism, cell_output, attention_state, attention_layer):
    alignments, next_state = mechanism(cell_output, state=attention_state)
    context = squeeze(matmul(expand_dims(alignments, 1), mechanism.values), [1])
    attention = attention_layer(concat([cell_output, context], 1)) if attention_layer is not None else context
    return attention, alignments, next_state


class AttentionWrapper(RNNCell):
    """An RNN cell that attends over one mechanism (or a list of them) at every step; see the module docstring."""

    _base_name = "attention_wrapper"

    def __init__(self, cell, attention_mechanism, attention_layer_size=None, alignment_history=False,
                 cell_input_fn=None, output_attention=True, initial_cell_state=None, name=None,
                 attention_layer=None, attention_fn=None):
        super().__init__(name=name)
        self._is_multi = isinstance(attention_mechanism, (list, tuple))
        mechanisms = tuple(attention_mechanism) if self._is_multi else (attention_mechanism,)
        for m in mechanisms:
            if not isinstance(m, AttentionMechanism):
                raise TypeError(f"attention_mechanism must be an AttentionMechanism or list of multiple "
                                f"AttentionMechanism instances, saw type: {type(m).__name__}")
        if cell_input_fn is None:
            cell_input_fn = lambda inputs, attention: concat([inputs, attention], -1)  # noqa: E731
        elif not callable(cell_input_fn):
            raise TypeError(f"cell_input_fn must be callable, saw type: {type(cell_input_fn).__name__}")
        if attention_layer_size is not None and attention_layer is not None:
            raise ValueError("Only one of attention_layer_size and attention_layer should be set")
        if attention_layer_size is not None:
            sizes = tuple(attention_layer_size) if isinstance(attention_layer_size, (list, tuple)) \
                else (attention_layer_size,)
            if len(sizes) != len(mechanisms):
                raise ValueError(f"If provided, attention_layer_size must contain exactly one integer per "
                                 f"attention_mechanism, saw: {len(sizes)} vs {len(mechanisms)}")
            self._attention_layers = tuple(Dense(n, name="attention_layer", use_bias=False, dtype=m.dtype)
                                           for n, m in zip(sizes, mechanisms))
            self._attention_layer_size = sum(sizes)
        elif attention_layer is not None:
            layers = tuple(attention_layer) if isinstance(attention_layer, (list, tuple)) else (attention_layer,)
            if len(layers) != len(mechanisms):
                raise ValueError(f"If provided, attention_layer must contain exactly one layer per "
                                 f"attention_mechanism, saw: {len(layers)} vs {len(mechanisms)}")
            self._attention_layers = layers
            self._attention_layer_size = sum(layer.units for layer in layers)
        else:
            self._attention_layers = None
            self._attention_layer_size = sum(dimension_value(m.values.shape[-1]) for m in mechanisms)
        self._attention_fn = _compute_attention if attention_fn is None else attention_fn
        self._cell, self._mechanisms = cell, mechanisms
        self._cell_input_fn, self._output_attention = cell_input_fn, output_attention
        self._alignment_history = alignment_history
        with name_scope(name, "AttentionWrapperInit"):
            self._initial_cell_state = None if initial_cell_state is None else nest.map_structure(
                lambda s: identity(s, name="check_initial_cell_state"), initial_cell_state)
        self._scope = None

    def _sub_cells(self):
        return [self._cell]

    def _item_or_tuple(self, seq):
        t = tuple(seq)
        return t if self._is_multi else t[0]

    @property
    def output_size(self):
        return self._attention_layer_size if self._output_attention else self._cell.output_size

    @property
    def state_size(self):
        return AttentionWrapperState(
            cell_state=self._cell.state_size, time=TensorShape([]), attention=self._attention_layer_size,
            alignments=self._item_or_tuple(m.alignments_size for m in self._mechanisms),
            attention_state=self._item_or_tuple(m.state_size for m in self._mechanisms),
            alignment_history=self._item_or_tuple(m.alignments_size if self._alignment_history else ()
                                                  for m in self._mechanisms))

    def zero_state(self, batch_size, dtype):
        """The initial AttentionWrapperState: the cell's zero (or `initial_cell_state`) state, zero attention
        and alignments, time 0, empty alignment histories."""
        with name_scope(f"{type(self).__name__}ZeroState"):
            cell_state = self._initial_cell_state if self._initial_cell_state is not None else \
                self._cell.zero_state(batch_size, dtype)
            alignments = [m.initial_alignments(batch_size, dtype) for m in self._mechanisms]
            return AttentionWrapperState(
                cell_state=cell_state, time=zeros([], dtype=dtypes.int32),
                attention=_zeros(self._attention_layer_size, batch_size, dtype),
                alignments=self._item_or_tuple(alignments),
                attention_state=self._item_or_tuple(m.initial_state(batch_size, dtype) for m in self._mechanisms),
                alignment_history=self._item_or_tuple(
                    TensorArray(dtype, size=0, dynamic_size=True, element_shape=a.shape)
                    if self._alignment_history else () for a in alignments))

    def __call__(self, inputs, state, scope=None):
        if self._scope is None:  # the variables are made under the wrapper's scope in the first call
            with variable_scope(scope or self._name, default_name=self._base_name) as sc:
                self._scope_name, self._scope = sc.name, sc
                out = self.call(convert_to_tensor(inputs), state)
            self._built = True
            return out
        with name_scope(self.name):
            return self.call(convert_to_tensor(inputs), state)

    def call(self, inputs, state):
        if not isinstance(state, AttentionWrapperState):
            raise TypeError(f"Expected state to be instance of AttentionWrapperState. Received type "
                            f"{type(state)} instead.")
        cell_inputs = self._cell_input_fn(inputs, state.attention)
        cell_output, next_cell_state = self._cell(cell_inputs, state.cell_state)
        if self._is_multi:
            prev_states, prev_histories = state.attention_state, state.alignment_history
        else:
            prev_states, prev_histories = [state.attention_state], [state.alignment_history]
        attentions, alignments, states, histories = [], [], [], []
        for i, mechanism in enumerate(self._mechanisms):
            layer = self._attention_layers[i] if self._attention_layers else None
            attention, align, next_state = self._attention_fn(mechanism, cell_output, prev_states[i], layer)
            histories.append(prev_histories[i].write(state.time, align) if self._alignment_history else ())
            attentions.append(attention)
            alignments.append(align)
            states.append(next_state)
        attention = concat(attentions, 1)
        next_state = AttentionWrapperState(
            time=state.time + 1, cell_state=next_cell_state, attention=attention,
            attention_state=self._item_or_tuple(states), alignments=self._item_or_tuple(alignments),
            alignment_history=self._item_or_tuple(histories))
        return (attention if self._output_attention else cell_output), next_state
