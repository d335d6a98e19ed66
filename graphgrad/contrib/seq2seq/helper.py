"""The helpers of `BasicDecoder` (TF 1.15's `tf.contrib.seq2seq` helpers): what each step's next input is and
when an entry has finished. Training reads the target sequence (teacher forcing); inference feeds back the
embedding of the token the output picks (greedily, or sampled); custom helpers take three functions."""
from __future__ import annotations

from ...framework import dtypes
from ...framework.graph import name_scope
from ...framework.tensor_shape import TensorShape
from ...nn.sampled_losses import embedding_lookup
from ...ops import nest
from ...ops.argmax_ops import argmax
from ...ops.array_ops import concat, gather, reshape, shape, size, tile, zeros_like
from ...ops.cast_ops import cast
from ...ops.comparison_ops import equal, greater, greater_equal, less_equal, logical_not, logical_or
from ...ops.control_flow_ops import cond
from ...ops.core import convert_to_tensor
from ...ops.nd_ops import gather_nd, scatter_nd
from ...ops.random_ops import multinomial, random_uniform
from ...ops.reduction_ops import reduce_all, reduce_any
from ...ops.select_ops import where
from ...ops.tensor_array_ops import TensorArray
from .decoder import _transpose_batch_time

__all__ = ["Helper", "CustomHelper", "TrainingHelper", "GreedyEmbeddingHelper", "SampleEmbeddingHelper",
           "InferenceHelper", "ScheduledEmbeddingTrainingHelper", "ScheduledOutputTrainingHelper"]


def _unstack_ta(inp):
    return TensorArray(dtype=inp.dtype.base_dtype, size=shape(inp)[0], element_shape=inp.shape[1:]).unstack(inp)


def _embedding_fn(embedding):
    return embedding if callable(embedding) else (lambda ids: embedding_lookup(embedding, ids))


class Helper:
    """The interface: `batch_size`, `initialize()` -> (finished, first inputs), `sample(time, outputs, state)` ->
    sample ids, `next_inputs(time, outputs, state, sample_ids)` -> (finished, next inputs, next state);
    `sample_ids_shape` and `sample_ids_dtype` describe the ids."""

    @property
    def batch_size(self):
        raise NotImplementedError("batch_size has not been implemented")

    _sample_ids_shape = TensorShape([])
    _sample_ids_dtype = dtypes.int32

    @property
    def sample_ids_shape(self):
        return self._sample_ids_shape

    @property
    def sample_ids_dtype(self):
        return self._sample_ids_dtype

    def initialize(self, name=None):
        raise NotImplementedError

    def sample(self, time, outputs, state, name=None):
        raise NotImplementedError

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        raise NotImplementedError


class CustomHelper(Helper):
    """A helper from `initialize_fn() -> (finished, next_inputs)`, `sample_fn(time, outputs, state)` and
    `next_inputs_fn(time, outputs, state, sample_ids) -> (finished, next_inputs, next_state)`."""

    def __init__(self, initialize_fn, sample_fn, next_inputs_fn, sample_ids_shape=None, sample_ids_dtype=None):
        self._initialize_fn, self._sample_fn, self._next_inputs_fn = initialize_fn, sample_fn, next_inputs_fn
        self._batch_size = None
        self._sample_ids_shape = TensorShape(sample_ids_shape or [])
        self._sample_ids_dtype = sample_ids_dtype or dtypes.int32

    @property
    def batch_size(self):
        if self._batch_size is None:
            raise ValueError("batch_size accessed before initialize was called")
        return self._batch_size

    def initialize(self, name=None):
        with name_scope(name, f"{type(self).__name__}Initialize"):
            finished, next_inputs = self._initialize_fn()
            if self._batch_size is None:
                self._batch_size = size(finished)
        return finished, next_inputs

    def sample(self, time, outputs, state, name=None):
        with name_scope(name, f"{type(self).__name__}Sample"):
            return self._sample_fn(time=time, outputs=outputs, state=state)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        with name_scope(name, f"{type(self).__name__}NextInputs"):
            return self._next_inputs_fn(time=time, outputs=outputs, state=state, sample_ids=sample_ids)


class TrainingHelper(Helper):
    """Teacher forcing: step t's input is `inputs[:, t]` (batch major unless `time_major`); an entry finishes at
    its `sequence_length`. Sample ids are the argmax of the outputs."""

    def __init__(self, inputs, sequence_length, time_major=False, name=None):
        with name_scope(name, "TrainingHelper"):
            inputs = nest.map_structure(lambda x: convert_to_tensor(x, name="inputs"), inputs)
            if not time_major:
                inputs = nest.map_structure(_transpose_batch_time, inputs)
            self._input_tas = nest.map_structure(_unstack_ta, inputs)
            self._sequence_length = convert_to_tensor(sequence_length, name="sequence_length")
            if self._sequence_length.shape.ndims != 1:
                raise ValueError(f"Expected sequence_length to be a vector, but received shape: "
                                 f"{self._sequence_length.shape}")
            self._zero_inputs = nest.map_structure(lambda inp: zeros_like(inp[0, :]), inputs)
            self._batch_size = size(sequence_length)

    @property
    def batch_size(self):
        return self._batch_size

    def _read(self, time):
        return nest.map_structure(lambda ta: ta.read(time), self._input_tas)

    def initialize(self, name=None):
        with name_scope(name, "TrainingHelperInitialize"):
            finished = equal(0, self._sequence_length)
            next_inputs = cond(reduce_all(finished), lambda: self._zero_inputs, lambda: self._read(0))
            return finished, next_inputs

    def sample(self, time, outputs, name=None, **unused_kwargs):
        with name_scope(name, "TrainingHelperSample"):
            return cast(argmax(outputs, axis=-1), dtypes.int32)

    def next_inputs(self, time, outputs, state, name=None, **unused_kwargs):
        with name_scope(name, "TrainingHelperNextInputs"):
            next_time = time + 1
            finished = greater_equal(next_time, self._sequence_length)
            next_inputs = cond(reduce_all(finished), lambda: self._zero_inputs, lambda: self._read(next_time))
            return finished, next_inputs, state


class ScheduledEmbeddingTrainingHelper(TrainingHelper):
    """Teacher forcing, except that with `sampling_probability` an entry's next input is the embedding of a token
    sampled from its output logits (scheduled sampling); sample ids are -1 where no sampling took place."""

    def __init__(self, inputs, sequence_length, embedding, sampling_probability, time_major=False, seed=None,
                 scheduling_seed=None, name=None):
        with name_scope(name, "ScheduledEmbeddingSamplingWrapper"):
            self._embedding_fn = _embedding_fn(embedding)
            self._sampling_probability = convert_to_tensor(sampling_probability, name="sampling_probability")
            if self._sampling_probability.shape.ndims not in (0, 1):
                raise ValueError(f"sampling_probability must be either a scalar or a vector. saw shape: "
                                 f"{self._sampling_probability.shape}")
            self._seed, self._scheduling_seed = seed, scheduling_seed
            super().__init__(inputs=inputs, sequence_length=sequence_length, time_major=time_major, name=name)

    def sample(self, time, outputs, state, name=None):
        with name_scope(name, "ScheduledEmbeddingTrainingHelperSample"):
            noise = random_uniform([self.batch_size], seed=self._scheduling_seed)
            chosen = greater(self._sampling_probability, noise)
            sampled = cast(reshape(multinomial(outputs, 1, seed=self._seed), [-1]), dtypes.int32)
            return where(chosen, sampled, tile([-1], [self.batch_size]))

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        with name_scope(name, "ScheduledEmbeddingTrainingHelperSample"):
            finished, base_next_inputs, state = super().next_inputs(time=time, outputs=outputs, state=state,
                                                                     sample_ids=sample_ids, name=name)

            def maybe_sample():
                where_sampling = cast(where(greater(sample_ids, -1)), dtypes.int32)
                where_not_sampling = cast(where(less_equal(sample_ids, -1)), dtypes.int32)
                sampled = self._embedding_fn(gather(sample_ids, reshape(where_sampling, [-1])))
                kept = gather(base_next_inputs, reshape(where_not_sampling, [-1]))
                base_shape = shape(base_next_inputs)
                return (scatter_nd(where_sampling, sampled, base_shape)
                        + scatter_nd(where_not_sampling, kept, base_shape))
            next_inputs = cond(reduce_all(finished), lambda: base_next_inputs, maybe_sample)
            return finished, next_inputs, state


class ScheduledOutputTrainingHelper(TrainingHelper):
    """Teacher forcing, except that with `sampling_probability` an entry's next input is its own output (through
    `next_input_layer` when given), concatenated with `auxiliary_inputs` at the next step when given; sample ids
    are booleans: whether the output was fed back."""

    def __init__(self, inputs, sequence_length, sampling_probability, time_major=False, seed=None,
                 next_input_layer=None, auxiliary_inputs=None, name=None):
        with name_scope(name, "ScheduledOutputTrainingHelper"):
            self._sampling_probability = convert_to_tensor(sampling_probability, name="sampling_probability")
            if self._sampling_probability.shape.ndims not in (0, 1):
                raise ValueError(f"sampling_probability must be either a scalar or a vector. saw shape: "
                                 f"{self._sampling_probability.shape}")
            if auxiliary_inputs is None:
                full_inputs = inputs
            else:
                inputs = convert_to_tensor(inputs, name="inputs")
                auxiliary_inputs = convert_to_tensor(auxiliary_inputs, name="auxiliary_inputs")
                full_inputs = nest.map_structure(lambda x, y: concat((x, y), -1), inputs, auxiliary_inputs)
                if not time_major:
                    auxiliary_inputs = nest.map_structure(_transpose_batch_time, auxiliary_inputs)
            self._auxiliary_input_tas = (None if auxiliary_inputs is None
                                         else nest.map_structure(_unstack_ta, auxiliary_inputs))
            self._seed = seed
            if next_input_layer is not None and not callable(next_input_layer):
                raise TypeError(f"next_input_layer must be a Layer, received: {type(next_input_layer)}")
            self._next_input_layer = next_input_layer
            super().__init__(inputs=full_inputs, sequence_length=sequence_length, time_major=time_major,
                             name=name)

    @property
    def sample_ids_dtype(self):
        return dtypes.bool_

    def sample(self, time, outputs, state, name=None):
        with name_scope(name, "ScheduledOutputTrainingHelperSample"):
            noise = random_uniform([self.batch_size], seed=self._seed)
            return greater(self._sampling_probability, noise)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        with name_scope(name, "ScheduledOutputTrainingHelperNextInputs"):
            finished, base_next_inputs, state = super().next_inputs(time=time, outputs=outputs, state=state,
                                                                     sample_ids=sample_ids, name=name)

            def with_auxiliary(outputs_, indices=None):
                if self._auxiliary_input_tas is None:
                    return outputs_
                aux = nest.map_structure(lambda ta: ta.read(time + 1), self._auxiliary_input_tas)
                if indices is not None:
                    aux = gather_nd(aux, indices)
                return nest.map_structure(lambda x, y: concat((x, y), -1), outputs_, aux)

            def maybe_sample():
                if self._next_input_layer is None:
                    return where(sample_ids, with_auxiliary(outputs), base_next_inputs)
                where_sampling = cast(where(sample_ids), dtypes.int32)
                where_not_sampling = cast(where(logical_not(sample_ids)), dtypes.int32)
                sampled = with_auxiliary(self._next_input_layer(gather_nd(outputs, where_sampling)),
                                         where_sampling)
                kept = gather_nd(base_next_inputs, where_not_sampling)
                base_shape = shape(base_next_inputs)
                return scatter_nd(where_sampling, sampled, base_shape) + \
                    scatter_nd(where_not_sampling, kept, base_shape)
            no_samples = logical_not(reduce_any(sample_ids))
            next_inputs = cond(logical_or(reduce_all(finished), no_samples), lambda: base_next_inputs,
                               maybe_sample)
            return finished, next_inputs, state


class _FromStartInputs(Helper):
    """An inference helper: no entry has finished at first, and the first inputs are `_start_inputs`."""

    @property
    def batch_size(self):
        return self._batch_size

    def initialize(self, name=None):
        return tile([False], [self._batch_size]), self._start_inputs


class GreedyEmbeddingHelper(_FromStartInputs):
    """Inference: the next input is the embedding of the argmax of the output (logits); an entry finishes when it
    emits `end_token`. `start_tokens` [batch_size] give the first inputs."""

    def __init__(self, embedding, start_tokens, end_token):
        self._embedding_fn = _embedding_fn(embedding)
        self._start_tokens = convert_to_tensor(start_tokens, dtype=dtypes.int32, name="start_tokens")
        self._end_token = convert_to_tensor(end_token, dtype=dtypes.int32, name="end_token")
        if self._start_tokens.shape.ndims != 1:
            raise ValueError("start_tokens must be a vector")
        self._batch_size = size(start_tokens)
        if self._end_token.shape.ndims != 0:
            raise ValueError("end_token must be a scalar")
        self._start_inputs = self._embedding_fn(self._start_tokens)

    def sample(self, time, outputs, state, name=None):
        return cast(argmax(outputs, axis=-1), dtypes.int32)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        finished = equal(sample_ids, self._end_token)
        next_inputs = cond(reduce_all(finished), lambda: self._start_inputs,
                           lambda: self._embedding_fn(sample_ids))
        return finished, next_inputs, state


class SampleEmbeddingHelper(GreedyEmbeddingHelper):
    """As `GreedyEmbeddingHelper`, but the token is sampled from softmax(outputs / softmax_temperature)."""

    def __init__(self, embedding, start_tokens, end_token, softmax_temperature=None, seed=None):
        super().__init__(embedding, start_tokens, end_token)
        self._softmax_temperature = softmax_temperature
        self._seed = seed

    def sample(self, time, outputs, state, name=None):
        logits = outputs if self._softmax_temperature is None else outputs / self._softmax_temperature
        return cast(reshape(multinomial(logits, 1, seed=self._seed), [-1]), dtypes.int32)


class InferenceHelper(_FromStartInputs):
    """Inference without embeddings: `sample_fn(outputs)` gives the samples (of `sample_shape`, `sample_dtype`),
    `end_fn(samples)` which entries finished, and the next input is `next_inputs_fn(samples)` (the samples
    themselves by default)."""

    def __init__(self, sample_fn, sample_shape, sample_dtype, start_inputs, end_fn, next_inputs_fn=None):
        self._sample_fn, self._end_fn, self._next_inputs_fn = sample_fn, end_fn, next_inputs_fn
        self._sample_ids_shape = TensorShape(sample_shape)
        self._sample_ids_dtype = dtypes.as_dtype(sample_dtype)
        self._start_inputs = convert_to_tensor(start_inputs, name="start_inputs")
        self._batch_size = shape(self._start_inputs)[0]

    def sample(self, time, outputs, state, name=None):
        return self._sample_fn(outputs)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        finished = self._end_fn(sample_ids)
        next_inputs = sample_ids if self._next_inputs_fn is None else self._next_inputs_fn(sample_ids)
        next_inputs = cond(reduce_all(finished), lambda: self._start_inputs, lambda: next_inputs)
        return finished, next_inputs, state
