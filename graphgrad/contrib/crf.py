"""`tf.contrib.crf`: the linear-chain conditional random field of TF1's sequence taggers (BiLSTM-CRF and kin).

A CRF scores a whole tag sequence y of a sentence: score(y) = sum_t inputs[t, y_t] + sum_t transitions[y_t, y_t+1]
(unary potentials from the network, a learned matrix of tag-to-tag transitions). Training maximizes
log p(y) = score(y) - log Z, where Z sums exp(score) over every tag sequence; the forward algorithm computes log Z
in one pass over time, as an RNN whose state is the log-sum-exp of the scores of all prefixes ending in each tag
(`CrfForwardRnnCell`). Decoding finds the best sequence by the Viterbi algorithm: the same recursion with max for
log-sum-exp, then the back-pointers followed backwards (`crf_decode` in the graph, `viterbi_decode` in NumPy).

Built as TF1 builds it, from `dynamic_rnn` over these cells, gathers and masks, so graphgrad's autodiff gives its
gradients and sequences of different lengths in one batch work the same way: steps past a sequence's length
count nothing (a length of 0 gives a log-likelihood of 0). Reference: TF 1.15 `tensorflow/contrib/crf`.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..nn.rnn import dynamic_rnn
from ..nn.rnn_cell_impl import RNNCell, _UnitsCell
from ..ops.argmax_ops import argmax
from ..ops.arithmetic_ops import add, multiply
from ..ops.array_ops import concat, expand_dims, fill, gather, reshape, shape, slice, squeeze, stack, zeros_like
from ..ops.array_ops import range as _range
from ..ops.cast_ops import cast
from ..ops.comparison_ops import equal, less_equal
from ..ops.control_flow_ops import cond
from ..ops.core import convert_to_tensor
from ..ops.math_ops import maximum
from ..ops.nd_ops import gather_nd
from ..ops.reduction_ops import reduce_logsumexp, reduce_max, reduce_sum
from ..ops.select_ops import where
from ..ops.sequence_ops import reverse_sequence, sequence_mask
from ..python.framework.tensor_shape import dimension_value
from ..python.layers.utils import smart_cond
from ..variables import get_variable

__all__ = ["crf_sequence_score", "crf_log_norm", "crf_log_likelihood", "crf_unary_score", "crf_binary_score",
           "CrfForwardRnnCell", "viterbi_decode", "crf_decode", "CrfDecodeForwardRnnCell",
           "CrfDecodeBackwardRnnCell", "crf_multitag_sequence_score"]


def _max_len_is_one(x):
    """Whether axis 1 of `x` has length 1: a Python bool when the static shape says, else a boolean tensor."""
    n = dimension_value(x.shape[1]) if x.shape.ndims else None
    return n == 1 if n is not None else equal(shape(x)[1], 1)


def _mask_empty(values, sequence_lengths):
    """`values` with 0 where a sequence's length is 0 or less."""
    return where(less_equal(sequence_lengths, 0), zeros_like(values), values)


def crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params):
    """The unnormalized score of each tag sequence: unary plus binary scores, a [batch_size] vector.

    `inputs` [batch_size, max_seq_len, num_tags] unary potentials, `tag_indices` [batch_size, max_seq_len],
    `sequence_lengths` [batch_size], `transition_params` [num_tags, num_tags]."""
    inputs = convert_to_tensor(inputs, name="inputs")
    tag_indices = convert_to_tensor(tag_indices, name="tag_indices")
    sequence_lengths = convert_to_tensor(sequence_lengths, name="sequence_lengths")

    def single():  # one step: the unary potential of the one tag
        batch = shape(inputs, out_type=tag_indices.dtype)[0]
        examples = reshape(_range(batch, dtype=tag_indices.dtype), [-1, 1])
        scores = gather_nd(squeeze(inputs, [1]), concat([examples, tag_indices], axis=1))
        return _mask_empty(scores, sequence_lengths)

    def multi():
        return (crf_unary_score(tag_indices, sequence_lengths, inputs)
                + crf_binary_score(tag_indices, sequence_lengths, transition_params))
    return smart_cond(_max_len_is_one(inputs), single, multi)


def crf_multitag_sequence_score(inputs, tag_bitmap, sequence_lengths, transition_params):
    """The log-sum-exp of the scores of every tag sequence that `tag_bitmap` [batch_size, max_seq_len, num_tags]
    (booleans) allows: several tags may be right at a step. A [batch_size] vector."""
    inputs = convert_to_tensor(inputs, name="inputs")
    tag_bitmap = convert_to_tensor(tag_bitmap, name="tag_bitmap")
    filtered = where(cast(tag_bitmap, dtypes.bool_), inputs, fill(shape(inputs), cast(float("-inf"), inputs.dtype)))

    def single():
        return _mask_empty(reduce_logsumexp(squeeze(filtered, [1]), [1]), sequence_lengths)

    def multi():
        return crf_log_norm(filtered, sequence_lengths, transition_params)
    return smart_cond(_max_len_is_one(inputs), single, multi)


def crf_log_norm(inputs, sequence_lengths, transition_params):
    """log Z, the log of the sum of exp(score) over every tag sequence (the forward algorithm), a [batch_size]
    vector; 0 for a sequence of length 0."""
    inputs = convert_to_tensor(inputs, name="inputs")
    sequence_lengths = convert_to_tensor(sequence_lengths, name="sequence_lengths")
    transition_params = convert_to_tensor(transition_params, name="transition_params")
    first_input = squeeze(slice(inputs, [0, 0, 0], [-1, 1, -1]), [1])

    def single():
        return _mask_empty(reduce_logsumexp(first_input, [1]), sequence_lengths)

    def multi():
        rest = slice(inputs, [0, 1, 0], [-1, -1, -1])
        lengths_less_one = maximum(cast(0, sequence_lengths.dtype), sequence_lengths - 1)
        _, alphas = dynamic_rnn(cell=CrfForwardRnnCell(transition_params), inputs=rest,
                                sequence_length=lengths_less_one, initial_state=first_input, dtype=dtypes.float32)
        return _mask_empty(reduce_logsumexp(alphas, [1]), sequence_lengths)
    return cond(equal(shape(inputs)[1], 1), single, multi)


def crf_log_likelihood(inputs, tag_indices, sequence_lengths, transition_params=None):
    """(log_likelihood [batch_size], transition_params): log p(tag_indices | inputs) of each example. Without
    `transition_params`, a variable "transitions" [num_tags, num_tags] is made (`tf.get_variable`, in the current
    variable scope), as TF1 does, and returned."""
    inputs = convert_to_tensor(inputs, name="inputs")
    num_tags = dimension_value(inputs.shape[2])
    if transition_params is None:
        transition_params = get_variable("transitions", [num_tags, num_tags])
    scores = crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params)
    log_norm = crf_log_norm(inputs, sequence_lengths, transition_params)
    return scores - log_norm, transition_params


def crf_unary_score(tag_indices, sequence_lengths, inputs):
    """The sum over each sequence's steps of the potential of its tag, a [batch_size] vector."""
    tag_indices = convert_to_tensor(tag_indices, name="tag_indices")
    inputs = convert_to_tensor(inputs, name="inputs")
    dims = shape(inputs)
    batch, max_len, num_tags = dims[0], dims[1], dims[2]
    offsets = expand_dims(_range(batch) * max_len * num_tags, 1) + expand_dims(_range(max_len) * num_tags, 0)
    if tag_indices.dtype.base_dtype == dtypes.int64:
        offsets = cast(offsets, dtypes.int64)
    flat = reshape(offsets + tag_indices, [-1])
    unary = reshape(gather(reshape(inputs, [-1]), flat), [batch, max_len])
    masks = sequence_mask(sequence_lengths, maxlen=shape(tag_indices)[1], dtype=dtypes.float32)
    return reduce_sum(multiply(unary, masks), 1)


def crf_binary_score(tag_indices, sequence_lengths, transition_params):
    """The sum over each sequence's consecutive tags of their transition score, a [batch_size] vector."""
    tag_indices = convert_to_tensor(tag_indices, name="tag_indices")
    transition_params = convert_to_tensor(transition_params, name="transition_params")
    num_tags = dimension_value(transition_params.shape[0])
    num_transitions = shape(tag_indices)[1] - 1
    start = slice(tag_indices, [0, 0], stack([-1, num_transitions]))
    end = slice(tag_indices, [0, 1], stack([-1, num_transitions]))
    binary = gather(reshape(transition_params, [-1]), add(start * num_tags, end))
    masks = sequence_mask(sequence_lengths, maxlen=shape(tag_indices)[1], dtype=dtypes.float32)
    return reduce_sum(multiply(binary, slice(masks, [0, 1], [-1, -1])), 1)


class _TransitionCell(_UnitsCell):
    """A cell over [batch_size, num_tags] states (and outputs) that adds the transition matrix to each step's
    scores."""

    def __init__(self, transition_params):
        super().__init__()
        self._transition_params = expand_dims(convert_to_tensor(transition_params), 0)
        self._num_units = dimension_value(self._transition_params.shape[1])


class CrfForwardRnnCell(_TransitionCell):
    """One step of the forward algorithm: alphas' = inputs + logsumexp over the previous tag of (alphas +
    transitions). State and output are the new alphas [batch_size, num_tags]."""

    def __call__(self, inputs, state, scope=None):
        scores = expand_dims(state, 2) + self._transition_params
        alphas = inputs + reduce_logsumexp(scores, [1])
        return alphas, alphas


class CrfDecodeForwardRnnCell(_TransitionCell):
    """One step of Viterbi's forward pass: the best score of a path ending in each tag, and for each tag the best
    previous tag (the back-pointers, int32). Output: the back-pointers; state: the scores."""

    def __call__(self, inputs, state, scope=None):
        scores = expand_dims(state, 2) + self._transition_params  # [B, O, O]
        new_state = inputs + reduce_max(scores, [1])
        backpointers = cast(argmax(scores, 1), dtypes.int32)
        return backpointers, new_state


class CrfDecodeBackwardRnnCell(RNNCell):
    """One step of Viterbi's backward pass: the tag the back-pointers name for the current tag. State and output
    are that tag [batch_size, 1]."""

    def __init__(self, num_tags):
        super().__init__()
        self._num_tags = num_tags

    @property
    def state_size(self):
        return 1

    @property
    def output_size(self):
        return 1

    def __call__(self, inputs, state, scope=None):
        state = squeeze(state, axis=[1])
        rows = _range(shape(inputs)[0])
        tags = expand_dims(gather_nd(inputs, stack([rows, state], axis=1)), axis=-1)
        return tags, tags


def crf_decode(potentials, transition_params, sequence_length):
    """(decode_tags [batch_size, max_seq_len] int32, best_score [batch_size]): the highest scoring tag sequence of
    each example (Viterbi), in the graph. Steps past a sequence's length hold 0."""
    potentials = convert_to_tensor(potentials, name="potentials")
    transition_params = convert_to_tensor(transition_params, name="transition_params")
    sequence_length = convert_to_tensor(sequence_length, name="sequence_length")

    def single():
        squeezed = squeeze(potentials, [1])
        tags = expand_dims(argmax(squeezed, axis=1), 1)
        return cast(tags, dtypes.int32), reduce_max(squeezed, axis=1)

    def multi():
        num_tags = dimension_value(potentials.shape[2])
        first = squeeze(slice(potentials, [0, 0, 0], [-1, 1, -1]), axis=[1])
        rest = slice(potentials, [0, 1, 0], [-1, -1, -1])
        lengths_less_one = maximum(cast(0, sequence_length.dtype), sequence_length - 1)
        backpointers, last_score = dynamic_rnn(CrfDecodeForwardRnnCell(transition_params), inputs=rest,
                                               sequence_length=lengths_less_one, initial_state=first,
                                               time_major=False, dtype=dtypes.int32)
        backpointers = reverse_sequence(backpointers, lengths_less_one, seq_axis=1)
        last = expand_dims(cast(argmax(last_score, axis=1), dtypes.int32), axis=-1)
        tags, _ = dynamic_rnn(CrfDecodeBackwardRnnCell(num_tags), inputs=backpointers,
                              sequence_length=lengths_less_one, initial_state=last, time_major=False,
                              dtype=dtypes.int32)
        tags = concat([last, squeeze(tags, axis=[2])], axis=1)
        tags = reverse_sequence(tags, sequence_length, seq_axis=1)
        return tags, reduce_max(last_score, axis=1)
    with name_scope("crf_decode"):
        return smart_cond(_max_len_is_one(potentials), single, multi)


def viterbi_decode(score, transition_params):
    """(viterbi, viterbi_score): the highest scoring tag sequence of one example, in NumPy (outside the graph):
    `score` [seq_len, num_tags] unary potentials, `transition_params` [num_tags, num_tags]. `viterbi` is a list
    of ints, `viterbi_score` its score."""
    score = np.asarray(score)
    transition_params = np.asarray(transition_params)
    trellis = np.zeros_like(score)
    backpointers = np.zeros_like(score, dtype=np.int32)
    trellis[0] = score[0]
    for t in range(1, score.shape[0]):
        v = np.expand_dims(trellis[t - 1], 1) + transition_params
        trellis[t] = score[t] + np.max(v, 0)
        backpointers[t] = np.argmax(v, 0)
    viterbi = [np.argmax(trellis[-1])]
    for bp in reversed(backpointers[1:]):
        viterbi.append(bp[viterbi[-1]])
    viterbi.reverse()
    return viterbi, np.max(trellis[-1])
