"""`tf.contrib.seq2seq.BeamSearchDecoder`: beam search over an RNN decoder, as TF 1.15 does it.

The cell runs on batch_size · beam_width entries ([batch, beam] merged); its initial state (and an attention
mechanism's memory) must be tiled with `tile_batch`. Each step takes the log-softmax of the logits; a finished
beam puts all its mass on `end_token`; every (beam, token) continuation scores its total log probability divided
by the length penalty ((5 + length) / 6)^length_penalty_weight; the best `beam_width` of them over all beams
become the next beams, whose cell states are gathered from their parents. At the start only beam 0 is live (the
others have log probability -inf), so the first step's beams are distinct. `finalize` follows the parents back
(`gather_tree`): `predicted_ids` [batch, time, beam], best beam first.
"""
from __future__ import annotations

import collections

import numpy as np

from ...framework import dtypes
from ...framework.graph import name_scope
from ...framework.tensor_shape import TensorShape
from ...nn.sampled_losses import embedding_lookup
from ...ops import nest
from ...ops.arithmetic_ops import floordiv, floormod
from ...ops.array_ops import concat, expand_dims, fill, gather, one_hot, reshape, shape, size, tile, zeros
from ...ops.array_ops import range as _range
from ...ops.beam_search_ops import gather_tree
from ...ops.cast_ops import cast
from ...ops.comparison_ops import equal, logical_not, logical_or, not_equal
from ...ops.control_flow_ops import cond
from ...ops.core import convert_to_tensor
from ...ops.reduction_ops import reduce_all, reduce_max
from ...ops.select_ops import where
from ...ops.softmax_ops import log_softmax
from ...ops.sort_ops import top_k
from ...ops.tensor_array_ops import TensorArray
from ...python.framework.tensor_shape import dimension_value
from .basic_decoder import _layer_output_size
from .decoder import Decoder

__all__ = ["BeamSearchDecoder", "BeamSearchDecoderOutput", "BeamSearchDecoderState",
           "FinalBeamSearchDecoderOutput", "gather_tree", "tile_batch"]


class BeamSearchDecoderState(collections.namedtuple("BeamSearchDecoderState", (
        "cell_state", "log_probs", "finished", "lengths", "accumulated_attention_probs"))):
    pass


class BeamSearchDecoderOutput(collections.namedtuple("BeamSearchDecoderOutput",
                                                     ("scores", "predicted_ids", "parent_ids"))):
    pass


class FinalBeamSearchDecoderOutput(collections.namedtuple("FinalBeamDecoderOutput",
                                                          ["predicted_ids", "beam_search_decoder_output"])):
    """`predicted_ids` [batch, time, beam] (best beam first), and the steps' `BeamSearchDecoderOutput`."""


def _tile_one(t, multiplier):
    t = convert_to_tensor(t, name="t")
    if t.shape.ndims is None or t.shape.ndims < 1:
        raise ValueError("t must have statically known rank")
    tiling = [1] * (t.shape.ndims + 1)
    tiling[1] = multiplier
    dims = shape(t)
    tiled = reshape(tile(expand_dims(t, 1), tiling), concat([[dims[0] * multiplier], dims[1:]], 0))
    b = t.shape[0].value
    tiled.set_shape(TensorShape([None if b is None else b * multiplier]).concatenate(t.shape[1:]))
    return tiled


def tile_batch(t, multiplier, name=None):
    """Each tensor of (structure) `t`, [batch, ...], as [batch · multiplier, ...]: every entry repeated
    `multiplier` times in a row (t[0], t[0], ..., t[1], t[1], ...), as a beam search's tiled state needs."""
    with name_scope(name, "tile_batch"):
        return nest.map_structure(lambda x: _tile_one(x, multiplier), t)


def _check_maybe(t):
    if isinstance(t, TensorArray):
        raise TypeError(f"TensorArray state is not supported by BeamSearchDecoder: {t}")
    if t.shape.ndims is None:
        raise ValueError(f"Expected tensor ({t}) to have known rank, but ndims == None.")


class BeamSearchDecoder(Decoder):
    def __init__(self, cell, embedding, start_tokens, end_token, initial_state, beam_width, output_layer=None,
                 length_penalty_weight=0.0, coverage_penalty_weight=0.0, reorder_tensor_arrays=True):
        if not callable(cell) or not hasattr(cell, "state_size"):
            raise TypeError(f"cell must be an RNNCell, received: {type(cell)}")
        if output_layer is not None and not callable(output_layer):
            raise TypeError(f"output_layer must be a Layer, received: {type(output_layer)}")
        if coverage_penalty_weight:
            raise NotImplementedError("BeamSearchDecoder's coverage penalty is not supported "
                                      "(coverage_penalty_weight must be 0.0)")
        self._cell, self._output_layer = cell, output_layer
        self._embedding_fn = embedding if callable(embedding) else (lambda ids: embedding_lookup(embedding, ids))
        self._start_tokens = convert_to_tensor(start_tokens, dtype=dtypes.int32, name="start_tokens")
        if self._start_tokens.shape.ndims != 1:
            raise ValueError("start_tokens must be a vector")
        self._end_token = convert_to_tensor(end_token, dtype=dtypes.int32, name="end_token")
        if self._end_token.shape.ndims != 0:
            raise ValueError("end_token must be a scalar")
        self._batch_size = size(start_tokens)
        self._static_batch = self._start_tokens.shape[0].value
        self._beam_width = beam_width
        self._length_penalty_weight = length_penalty_weight
        self._initial_cell_state = nest.map_structure(self._maybe_split_batch_beams, initial_state,
                                                      self._cell.state_size)
        self._start_tokens = tile(expand_dims(self._start_tokens, 1), [1, beam_width])
        self._start_inputs = self._embedding_fn(self._start_tokens)
        self._finished = one_hot(zeros([self._batch_size], dtype=dtypes.int32), depth=beam_width,
                                 on_value=False, off_value=True, dtype=dtypes.bool_)

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def tracks_own_finished(self):
        return True  # beams are reordered every step: the decoder says which are finished

    def _rnn_output_size(self):
        size_ = self._cell.output_size
        return size_ if self._output_layer is None else _layer_output_size(self._output_layer, size_)

    @property
    def output_size(self):
        beams = TensorShape([self._beam_width])
        return BeamSearchDecoderOutput(scores=beams, predicted_ids=beams, parent_ids=beams)

    @property
    def output_dtype(self):
        dtype = nest.flatten(self._initial_cell_state)[0].dtype.base_dtype
        return BeamSearchDecoderOutput(scores=nest.map_structure(lambda _: dtype, self._rnn_output_size()),
                                       predicted_ids=dtypes.int32, parent_ids=dtypes.int32)

    def initialize(self, name=None):
        dtype = nest.flatten(self._initial_cell_state)[0].dtype.base_dtype
        log_probs = one_hot(zeros([self._batch_size], dtype=dtypes.int32), depth=self._beam_width,
                            on_value=convert_to_tensor(0.0, dtype=dtype),
                            off_value=convert_to_tensor(-np.inf, dtype=dtype), dtype=dtype)
        state = BeamSearchDecoderState(cell_state=self._initial_cell_state, log_probs=log_probs,
                                       finished=self._finished,
                                       lengths=zeros([self._batch_size, self._beam_width], dtype=dtypes.int64),
                                       accumulated_attention_probs=())
        return self._finished, self._start_inputs, state

    def finalize(self, outputs, final_state, sequence_lengths):
        """The best sequences, followed back through the parents (`gather_tree`) up to each entry's longest
        beam; the final state as it is."""
        lengths = cast(reduce_max(final_state.lengths, axis=1), dtypes.int32)
        predicted = gather_tree(outputs.predicted_ids, outputs.parent_ids, max_sequence_lengths=lengths,
                                end_token=self._end_token)
        return FinalBeamSearchDecoderOutput(beam_search_decoder_output=outputs, predicted_ids=predicted), \
            final_state

    # --- [batch, beam, ...] <-> [batch · beam, ...] ----------------------------------------------------------
    def _merge_batch_beams(self, t, s=None):
        dims = shape(t)
        merged = reshape(t, concat([[self._batch_size * self._beam_width], dims[2:]], 0))
        b = None if self._static_batch is None else self._static_batch * self._beam_width
        merged.set_shape(TensorShape([b]).concatenate(TensorShape(s)))
        return merged

    def _split_batch_beams(self, t, s=None):
        dims = shape(t)
        split = reshape(t, concat([[self._batch_size, self._beam_width], dims[1:]], 0))
        expected = TensorShape([self._static_batch, self._beam_width]).concatenate(TensorShape(s))
        if not split.shape.is_compatible_with(expected):
            raise ValueError(f"Unexpected behavior when reshaping between beam width and batch size.  The reshaped "
                             f"tensor has shape: {split.shape}.  We expected it to have shape (batch_size, "
                             f"beam_width, depth) == {expected}.  Perhaps you forgot to create a zero_state with "
                             "batch_size=encoder_batch_size * beam_width?")
        split.set_shape(expected)
        return split

    def _maybe_split_batch_beams(self, t, s):
        _check_maybe(t)
        return self._split_batch_beams(t, s) if t.shape.ndims >= 1 else t

    def _maybe_merge_batch_beams(self, t, s):
        _check_maybe(t)
        return self._merge_batch_beams(t, s) if t.shape.ndims >= 2 else t

    def step(self, time, inputs, state, name=None):
        with name_scope(name, "BeamSearchDecoderStep"):
            inputs = nest.map_structure(lambda x: self._merge_batch_beams(x, s=x.shape[2:]), inputs)
            cell_state = nest.map_structure(self._maybe_merge_batch_beams, state.cell_state, self._cell.state_size)
            cell_outputs, next_cell_state = self._cell(inputs, cell_state)
            cell_outputs = nest.map_structure(lambda o: self._split_batch_beams(o, o.shape[1:]), cell_outputs)
            next_cell_state = nest.map_structure(self._maybe_split_batch_beams, next_cell_state,
                                                 self._cell.state_size)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            output, next_state = _beam_search_step(cell_outputs, next_cell_state, state, self._batch_size,
                                                   self._beam_width, self._end_token, self._length_penalty_weight,
                                                   self._static_batch)
            finished = next_state.finished
            next_inputs = cond(reduce_all(finished), lambda: self._start_inputs,
                               lambda: self._embedding_fn(output.predicted_ids))
        return output, next_state, next_inputs, finished


def _gather_beams(indices, source, batch_size, range_size, gather_shape, static_batch):
    """source[b, indices[b, k], ...] for each b (`gather_shape`: how `source` is flattened to gather rows)."""
    with name_scope(None, "tensor_gather_helper"):
        offsets = expand_dims(_range(batch_size) * range_size, 1)
        flat = reshape(indices + offsets, [-1])
        out = gather(reshape(source, gather_shape), flat)
        out = reshape(out, shape(source)[:1 + len(gather_shape)], name="output")
        out.set_shape(TensorShape([static_batch]).concatenate(source.shape[1:1 + len(gather_shape)]))
        return out


def _beam_search_step(logits, next_cell_state, beam_state, batch_size, beam_width, end_token,
                      length_penalty_weight, static_batch):
    lengths, previously_finished = beam_state.lengths, beam_state.finished
    vocab_size = dimension_value(logits.shape[-1]) or shape(logits)[-1]
    step_log_probs = _mask_probs(log_softmax(logits), end_token, previously_finished)
    total = expand_dims(beam_state.log_probs, 2) + step_log_probs
    not_eos = cast(not_equal(_range(vocab_size), end_token), dtypes.int64)  # [vocab]: 0 at the end token
    lengths_to_add = not_eos * expand_dims(cast(logical_not(previously_finished), dtypes.int64), 2)
    new_lengths = lengths_to_add + expand_dims(lengths, 2)
    scores = total / _length_penalty(new_lengths, length_penalty_weight, total.dtype.base_dtype)
    scores_flat = reshape(scores, [batch_size, -1])
    next_scores, word_indices = top_k(scores_flat, k=beam_width)
    next_scores.set_shape([static_batch, beam_width])
    word_indices.set_shape([static_batch, beam_width])
    next_probs = _gather_beams(word_indices, total, batch_size, beam_width * vocab_size, [-1], static_batch)
    next_word_ids = cast(floormod(word_indices, vocab_size, name="next_beam_word_ids"), dtypes.int32)
    next_beam_ids = cast(floordiv(word_indices, vocab_size), dtypes.int32, name="next_beam_parent_ids")
    previously_finished = _gather_beams(next_beam_ids, previously_finished, batch_size, beam_width, [-1],
                                        static_batch)
    next_finished = logical_or(previously_finished, equal(next_word_ids, end_token), name="next_beam_finished")
    next_lengths = _gather_beams(next_beam_ids, lengths, batch_size, beam_width, [-1], static_batch) + \
        cast(logical_not(previously_finished), dtypes.int64)

    def gather_state(source):
        _check_maybe(source)
        if source.shape.ndims < 2:
            return source
        return _gather_beams(next_beam_ids, source, batch_size, beam_width, [batch_size * beam_width, -1],
                             static_batch)
    next_cell_state = nest.map_structure(gather_state, next_cell_state)
    state = BeamSearchDecoderState(cell_state=next_cell_state, log_probs=next_probs, lengths=next_lengths,
                                   finished=next_finished, accumulated_attention_probs=())
    return BeamSearchDecoderOutput(scores=next_scores, predicted_ids=next_word_ids, parent_ids=next_beam_ids), state


def _length_penalty(lengths, weight, dtype):
    """((5 + length) / 6) ** weight (Wu et al. 2016); 1 when the weight is 0."""
    if isinstance(weight, (int, float)) and weight == 0:
        return 1.0
    weight = cast(convert_to_tensor(weight, name="penalty_factor"), dtype)
    return ((5.0 + cast(lengths, dtype)) ** weight) / (6.0 ** weight)


def _mask_probs(probs, eos_token, finished):
    """`probs`, but a finished beam's row puts all its mass on `eos_token` (0 there, the dtype's lowest
    elsewhere)."""
    vocab_size = shape(probs)[2]
    dtype = probs.dtype.base_dtype
    lowest = fill([vocab_size], convert_to_tensor(np.finfo(dtype.np).min, dtype=dtype))
    finished_row = where(equal(_range(vocab_size), eos_token), zeros([vocab_size], dtype=dtype), lowest)
    finished_probs = tile(reshape(finished_row, [1, 1, -1]), concat([shape(finished), [1]], 0))
    finished_mask = tile(expand_dims(finished, 2), [1, 1, vocab_size])
    return where(finished_mask, finished_probs, probs)
