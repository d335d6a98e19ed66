"""`tf.contrib.seq2seq.Decoder` and `dynamic_decode`: a decoder stepped in a `tf.while_loop` until every batch entry
has finished (or `maximum_iterations`), its outputs gathered in TensorArrays, as TF 1.15 does it."""
from __future__ import annotations

from ...framework import dtypes
from ...framework.tensor_shape import TensorShape
from ...ops import nest
from ...ops.array_ops import fill, shape, transpose, zeros, zeros_like
from ...ops.comparison_ops import logical_not, logical_or
from ...ops.core import convert_to_tensor
from ...ops.reduction_ops import reduce_all
from ...ops.select_ops import where
from ...ops.tensor_array_ops import TensorArray
from ...ops.while_ops import while_loop
from ...variables import variable_scope

__all__ = ["Decoder", "dynamic_decode"]


def _transpose_batch_time(x):
    """[batch, time, ...] <-> [time, batch, ...] (a tensor of rank 2 or more; others as they are)."""
    x = convert_to_tensor(x)
    rank = x.shape.ndims
    if rank is None or rank < 2:
        return x
    return transpose(x, [1, 0] + list(range(2, rank)))


def _zeros(size, batch_size, dtype):
    return zeros([batch_size] + TensorShape(size).as_list(), dtype=dtype)


class Decoder:
    """What `dynamic_decode` steps: `batch_size`, `output_size` and `output_dtype` (structures), `initialize()` ->
    (finished, first inputs, initial state), `step(time, inputs, state)` -> (outputs, next state, next inputs,
    finished), and optionally `finalize(outputs, final_state, sequence_lengths)`."""

    @property
    def batch_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    @property
    def output_dtype(self):
        raise NotImplementedError

    def initialize(self, name=None):
        raise NotImplementedError

    def step(self, time, inputs, state, name=None):
        raise NotImplementedError

    def finalize(self, outputs, final_state, sequence_lengths):
        raise NotImplementedError

    @property
    def tracks_own_finished(self):
        """True for a decoder that reorders its batch entries between steps (beam search) and so says itself
        which are finished; `dynamic_decode` then does not OR the finished flags over time."""
        return False


def dynamic_decode(decoder, output_time_major=False, impute_finished=False, maximum_iterations=None,
                   parallel_iterations=32, swap_memory=False, scope=None):
    """(final_outputs, final_state, final_sequence_lengths): `decoder.initialize()`, then `decoder.step` until all
    entries are finished or `maximum_iterations` steps. An entry's sequence length is the step at which it
    finished, plus one. With `impute_finished`, a finished entry's outputs are zeros and its state is carried
    through unchanged (so gradients ignore the steps after it finished). Outputs are batch major unless
    `output_time_major`."""
    if not isinstance(decoder, Decoder):
        raise TypeError(f"Expected decoder to be type Decoder, but saw: {type(decoder)}")
    with variable_scope(scope, default_name="decoder"):
        if maximum_iterations is not None:
            maximum_iterations = convert_to_tensor(maximum_iterations, dtype=dtypes.int32, name="maximum_iterations")
            if maximum_iterations.shape.ndims != 0:
                raise ValueError("maximum_iterations must be a scalar")
        initial_finished, initial_inputs, initial_state = decoder.initialize()
        zero_outputs = nest.map_structure(lambda s, d: _zeros(s, decoder.batch_size, d), decoder.output_size,
                                          decoder.output_dtype)
        if maximum_iterations is not None:
            initial_finished = logical_or(initial_finished, 0 >= maximum_iterations)
        initial_lengths = zeros_like(initial_finished, dtype=dtypes.int32)
        initial_time = convert_to_tensor(0, dtype=dtypes.int32)
        batch = decoder.batch_size
        batch = batch if isinstance(batch, int) else None

        def make_ta(size, dtype):  # (TF: an element shape only from a TensorShape output size of rank 1+)
            known = isinstance(size, TensorShape) and size.ndims
            element = TensorShape([batch]).concatenate(size) if known else TensorShape(None)
            return TensorArray(dtype=dtype, size=0, dynamic_size=True, element_shape=element)

        initial_tas = nest.map_structure(make_ta, decoder.output_size, decoder.output_dtype)

        def condition(time, outputs_ta, state, inputs, finished, lengths):
            return logical_not(reduce_all(finished))

        def body(time, outputs_ta, state, inputs, finished, lengths):
            outputs, decoder_state, next_inputs, decoder_finished = decoder.step(time, inputs, state)
            next_finished = decoder_finished if decoder.tracks_own_finished else \
                logical_or(decoder_finished, finished)
            next_lengths = where(logical_not(finished), fill(shape(lengths), time + 1), lengths)
            nest.assert_same_structure(state, decoder_state)
            nest.assert_same_structure(outputs_ta, outputs)
            nest.assert_same_structure(inputs, next_inputs)
            if impute_finished:
                emit = nest.map_structure(lambda out, zero: where(finished, zero, out), outputs, zero_outputs)

                def carry(new, cur):
                    if isinstance(cur, TensorArray):
                        return new
                    new.set_shape(cur.shape)
                    return new if new.shape.ndims == 0 else where(finished, cur, new)
                next_state = nest.map_structure(carry, decoder_state, state)
            else:
                emit, next_state = outputs, decoder_state
            outputs_ta = nest.map_structure(lambda ta, out: ta.write(time, out), outputs_ta, emit)
            return time + 1, outputs_ta, next_state, next_inputs, next_finished, next_lengths

        res = while_loop(condition, body, loop_vars=(initial_time, initial_tas, initial_state, initial_inputs,
                                                     initial_finished, initial_lengths),
                         parallel_iterations=parallel_iterations, maximum_iterations=maximum_iterations,
                         swap_memory=swap_memory)
        final_outputs = nest.map_structure(lambda ta: ta.stack(), res[1])
        final_state, final_lengths = res[2], res[5]
        try:
            final_outputs, final_state = decoder.finalize(final_outputs, final_state, final_lengths)
        except NotImplementedError:
            pass
        if not output_time_major:
            final_outputs = nest.map_structure(_transpose_batch_time, final_outputs)
    return final_outputs, final_state, final_lengths
