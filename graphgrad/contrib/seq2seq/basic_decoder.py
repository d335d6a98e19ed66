"""`tf.contrib.seq2seq.BasicDecoder`: an RNN cell stepped by a helper, with an optional output layer (the
projection to the vocabulary) applied before sampling."""
from __future__ import annotations

import collections

from ...framework import dtypes
from ...framework.graph import name_scope
from ...framework.tensor_shape import TensorShape
from ...ops import nest
from .decoder import Decoder
from .helper import Helper

__all__ = ["BasicDecoderOutput", "BasicDecoder"]


class BasicDecoderOutput(collections.namedtuple("BasicDecoderOutput", ("rnn_output", "sample_id"))):
    pass


def _layer_output_size(layer, size):
    """The output size of `layer` on inputs of (structure) `size` (a Dense layer: its units)."""
    shape_of = getattr(layer, "compute_output_shape", None)
    if shape_of is not None:
        out = nest.map_structure(lambda s: shape_of(TensorShape([None]).concatenate(TensorShape(s))), size)
        return nest.map_structure(lambda s: s[1:], out)
    units = getattr(layer, "units", None)
    if units is None:
        raise TypeError(f"output_layer {layer!r} has neither compute_output_shape nor units")
    return units


class BasicDecoder(Decoder):
    def __init__(self, cell, helper, initial_state, output_layer=None):
        if not callable(cell) or not hasattr(cell, "output_size") or not hasattr(cell, "state_size"):
            raise TypeError(f"cell must be an RNNCell, received: {type(cell)}")
        if not isinstance(helper, Helper):
            raise TypeError(f"helper must be a Helper, received: {type(helper)}")
        if output_layer is not None and not callable(output_layer):
            raise TypeError(f"output_layer must be a Layer, received: {type(output_layer)}")
        self._cell, self._helper, self._initial_state, self._output_layer = cell, helper, initial_state, output_layer

    @property
    def batch_size(self):
        return self._helper.batch_size

    def _rnn_output_size(self):
        size = self._cell.output_size
        return size if self._output_layer is None else _layer_output_size(self._output_layer, size)

    @property
    def output_size(self):
        return BasicDecoderOutput(rnn_output=self._rnn_output_size(), sample_id=self._helper.sample_ids_shape)

    @property
    def output_dtype(self):
        dtype = dtypes.as_dtype(nest.flatten(self._initial_state)[0].dtype).base_dtype  # (a NumPy state too)
        return BasicDecoderOutput(nest.map_structure(lambda _: dtype, self._rnn_output_size()),
                                  self._helper.sample_ids_dtype or dtypes.int32)

    def initialize(self, name=None):
        """(finished, first inputs, initial state)."""
        return tuple(self._helper.initialize()) + (self._initial_state,)

    def step(self, time, inputs, state, name=None):
        """(outputs, next state, next inputs, finished) of one step."""
        with name_scope(name, "BasicDecoderStep"):
            cell_outputs, cell_state = self._cell(inputs, state)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            sample_ids = self._helper.sample(time=time, outputs=cell_outputs, state=cell_state)
            finished, next_inputs, next_state = self._helper.next_inputs(time=time, outputs=cell_outputs,
                                                                         state=cell_state, sample_ids=sample_ids)
        return BasicDecoderOutput(cell_outputs, sample_ids), next_state, next_inputs, finished
