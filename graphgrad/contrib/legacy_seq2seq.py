"""`tf.contrib.legacy_seq2seq`: the list-of-steps sequence models of TF 1.0's translation and char-rnn programs
(sherjilozair's char-rnn-tensorflow builds its language model with `rnn_decoder` and
`sequence_loss_by_example`), with TF 1.15's scopes, variable reuse and arithmetic."""
from __future__ import annotations

import copy

from ..framework import dtypes
from ..framework.graph import name_scope
from ..nn import static_rnn
from ..ops.arithmetic_ops import add_n
from ..ops.array_ops import reshape, shape
from ..ops.cast_ops import cast
from ..ops.cross_entropy_ops import sparse_softmax_cross_entropy_with_logits
from ..ops.reduction_ops import reduce_sum
from ..variables import get_variable_scope, variable_scope

__all__ = ["rnn_decoder", "basic_rnn_seq2seq", "tied_rnn_seq2seq", "sequence_loss_by_example", "sequence_loss"]


def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
    """The cell over the list `decoder_inputs` from `initial_state` (one set of weights, reused after the first
    step); with `loop_function(prev_output, i)`, each step after the first reads the previous output through it
    instead of its input (sampling). Returns (outputs, final state)."""
    with variable_scope(scope or "rnn_decoder"):
        state, outputs, prev = initial_state, [], None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            if i > 0:
                get_variable_scope().reuse_variables()
            output, state = cell(inp, state)
            outputs.append(output)
            if loop_function is not None:
                prev = output
    return outputs, state


def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, dtype=dtypes.float32, scope=None):
    """An encoder (a copy of `cell`, its own weights) whose final state starts `rnn_decoder`."""
    with variable_scope(scope or "basic_rnn_seq2seq"):
        _, enc_state = static_rnn(copy.deepcopy(cell), encoder_inputs, dtype=dtype)
        return rnn_decoder(decoder_inputs, enc_state, cell)


def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, loop_function=None, dtype=dtypes.float32, scope=None):
    """As `basic_rnn_seq2seq`, with one set of weights for the encoder and the decoder."""
    with variable_scope("combined_tied_rnn_seq2seq"):
        scope = scope or "tied_rnn_seq2seq"
        _, enc_state = static_rnn(cell, encoder_inputs, dtype=dtype, scope=scope)
        get_variable_scope().reuse_variables()
        return rnn_decoder(decoder_inputs, enc_state, cell, loop_function=loop_function, scope=scope)


def sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True, softmax_loss_function=None,
                             name=None):
    """Per example: sum over the steps of weight * cross-entropy(logits[t], targets[t]), divided by the summed
    weights (+ 1e-12) when `average_across_timesteps`. Lists of [batch, classes] logits, [batch] targets and
    [batch] weights, one per step."""
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise ValueError("Lengths of logits, weights, and targets must be the same "
                         f"{len(logits)}, {len(weights)}, {len(targets)}.")
    with name_scope(name, "sequence_loss_by_example", list(logits) + list(targets) + list(weights)):
        terms = []
        for logit, target, weight in zip(logits, targets, weights):
            if softmax_loss_function is None:
                crossent = sparse_softmax_cross_entropy_with_logits(labels=reshape(target, [-1]), logits=logit)
            else:
                crossent = softmax_loss_function(labels=target, logits=logit)
            terms.append(crossent * weight)
        log_perps = add_n(terms)
        if average_across_timesteps:
            log_perps /= add_n(list(weights)) + 1e-12  # no division by 0 for all-0 weights
    return log_perps


def sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                  softmax_loss_function=None, name=None):
    """The sum over the batch of `sequence_loss_by_example`, divided by the batch size when
    `average_across_batch`."""
    with name_scope(name, "sequence_loss", list(logits) + list(targets) + list(weights)):
        cost = reduce_sum(sequence_loss_by_example(logits, targets, weights,
                                                   average_across_timesteps=average_across_timesteps,
                                                   softmax_loss_function=softmax_loss_function))
        if average_across_batch:
            return cost / cast(shape(targets[0])[0], cost.dtype)
        return cost
