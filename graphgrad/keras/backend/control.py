"""Keras' control flow: `switch` / `in_train_phase` over tf.cond and tf.where, `K.rnn` (a step function over the
time axis: masks, go_backwards, a tf.while_loop unless unrolled), the functional ops, and CTC over tf.nn's CTC
loss and decoders."""
from __future__ import annotations

from ... import nn as _nn
from ...framework import dtypes
from ...framework.graph import get_default_graph
from ...nn.ctc_v2 import dense_labels_to_sparse
from ...ops import array_ops, functional_ops, nest
from ...ops import math_ops as M
from ...ops.control_flow_ops import cond
from ...ops.core import convert_to_tensor, zeros_like
from ...ops.select_ops import where_v2
from ...ops.sparse_ops import SparseTensor
from ...ops.sparse_ops import to_dense as _sparse_to_dense
from ...ops.tensor_array_ops import TensorArray
from ...ops.while_ops import while_loop
from .config import epsilon
from .math import expand_dims, reverse
from .session import learning_phase
from .variables import ndim, shape


# --- branching ----------------------------------------------------------------------------------------------
def _thunk(x):
    return x if callable(x) else (lambda: x)


def switch(condition, then_expression, else_expression):
    """A scalar condition picks a branch with tf.cond (callables run inside it); a tensor condition picks
    elements with tf.where, its shape padded and tiled to the expressions'."""
    if condition.dtype.base_dtype != dtypes.bool_:
        condition = M.cast(condition, dtypes.bool_)
    cond_ndim = ndim(condition)
    if not cond_ndim:
        return cond(condition, _thunk(then_expression), _thunk(else_expression))
    then_expression, else_expression = _thunk(then_expression)(), _thunk(else_expression)()
    expr_ndim = ndim(then_expression)
    if cond_ndim > expr_ndim:
        raise ValueError("Rank of `condition` should be less than or equal to rank of `then_expression` and "
                         f"`else_expression`. ndim(condition)={cond_ndim}, ndim(then_expression)={expr_ndim}")
    if cond_ndim > 1:
        cond_shape = array_ops.concat([shape(condition), [1] * (expr_ndim - cond_ndim)], axis=0)
        condition = array_ops.reshape(condition, cond_shape)
        expr_shape = shape(then_expression)
        condition = array_ops.tile(condition, where_v2(expr_shape - cond_shape > 0, expr_shape,
                                                      array_ops.ones_like(expr_shape)))
    return where_v2(condition, then_expression, else_expression)


def in_train_phase(x, alt, training=None):
    """`x` while training, `alt` otherwise: decided in Python when `training` (or the learning phase) is a
    Python value, else by `switch` at run time. Callables are called only for the branch that is built."""
    if training is None:
        training = learning_phase()
    if not hasattr(training, "dtype"):
        if training == 1 or training is True:
            return x() if callable(x) else x
        if training == 0 or training is False:
            return alt() if callable(alt) else alt
    return switch(training, x, alt)


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training=training)


def map_fn(fn, elems, name=None, dtype=None):
    return functional_ops.map_fn(fn, elems, name=name, dtype=dtype)


def foldl(fn, elems, initializer=None, name=None):
    return functional_ops.foldl(fn, elems, initializer=initializer, name=name)


def foldr(fn, elems, initializer=None, name=None):
    return functional_ops.foldr(fn, elems, initializer=initializer, name=name)


# --- K.rnn ---------------------------------------------------------------------------------------------------
def _swap_batch_time(t):
    axes = list(range(t.shape.ndims))
    axes[0], axes[1] = 1, 0
    return array_ops.transpose(t, axes)


def _masked(mask_t, new, old):
    """Per batch element: `new` where the (batch,) or (batch, 1) mask is true, else `old`."""
    for _ in range(new.shape.ndims - mask_t.shape.ndims):
        mask_t = array_ops.expand_dims(mask_t, -1)
    return where_v2(mask_t, new, old)


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None, unroll=False,
        input_length=None, time_major=False, zero_output_for_mask=False, return_all_outputs=True):
    """Iterate `step_function(input_t, states + constants) -> (output_t, new_states)` over the time axis of
    `inputs` (batch, time, ...). Returns (last output, all outputs (batch, time, ...), final states). Where `mask`
    (batch, time) is false, the output and states of the step before are carried on (zeros for the output with
    `zero_output_for_mask`). Runs as one tf.while_loop, or unrolled (`unroll=True`, or executing eagerly) when the
    number of steps is known. All outputs are returned whatever `return_all_outputs` says, as in TF1."""
    if not time_major:
        inputs = nest.map_structure(_swap_batch_time, inputs)
    flat_inputs = nest.flatten(inputs)
    time_steps = flat_inputs[0].shape[0].value
    batch = flat_inputs[0].shape[1].value
    for x in flat_inputs:
        if x.shape.ndims is not None and x.shape.ndims < 3:
            raise ValueError(f"Shape {x.shape} must have rank at least 3")
    if mask is not None:
        mask = M.cast(mask, dtypes.bool_) if mask.dtype.base_dtype != dtypes.bool_ else mask
        mask = expand_dims(mask) if mask.shape.ndims == 2 else mask
        mask = mask if time_major else _swap_batch_time(mask)
    constants = list(constants or [])
    if unroll or get_default_graph()._is_eager:
        if not time_steps:
            raise ValueError("Unrolling requires a fixed number of timesteps.")
        last, outputs, states = _unrolled(step_function, inputs, flat_inputs, tuple(initial_states), constants,
                                          go_backwards, mask, time_steps, zero_output_for_mask)
    else:
        last, outputs, states = _looped(step_function, inputs, flat_inputs, tuple(initial_states), constants,
                                        go_backwards, mask, input_length, zero_output_for_mask)

    def set_shape(o):
        o.set_shape([time_steps, batch, *o.shape.as_list()[2:]])
        return o
    outputs = nest.map_structure(set_shape, outputs)
    if not time_major:
        outputs = nest.map_structure(_swap_batch_time, outputs)
    return last, outputs, states


def _unrolled(step_function, inputs, flat_inputs, states, constants, go_backwards, mask, time_steps, zero_output):
    order = list(range(time_steps))[::-1] if go_backwards else list(range(time_steps))
    per_step = [array_ops.unstack(x) for x in flat_inputs]
    masks = array_ops.unstack(mask) if mask is not None else None
    outputs = []
    for i in order:
        output, new_states = step_function(nest.pack_sequence_as(inputs, [x[i] for x in per_step]),
                                           tuple(states) + tuple(constants))
        if mask is not None:
            output = _masked(masks[i], output, outputs[-1] if outputs else zeros_like(output))
            flat = [_masked(masks[i], n, s) for n, s in zip(nest.flatten(new_states), nest.flatten(states))]
            new_states = nest.pack_sequence_as(states, flat)
        outputs.append(output)
        states = new_states
    last, outputs = outputs[-1], array_ops.stack(outputs)
    if mask is not None and zero_output:
        last = _masked(masks[order[-1]], last, zeros_like(last))
        outputs = _masked(mask if not go_backwards else reverse(mask, 0), outputs, zeros_like(outputs))
    return last, outputs, states


def _looped(step_function, inputs, flat_inputs, states, constants, go_backwards, mask, input_length, zero_output):
    steps = shape(flat_inputs[0])[0]
    input_tas = [TensorArray(x.dtype, size=steps, tensor_array_name=f"input_ta_{i}")
                 .unstack(reverse(x, 0) if go_backwards else x) for i, x in enumerate(flat_inputs)]
    output_zero, _ = step_function(nest.pack_sequence_as(inputs, [x[0] for x in flat_inputs]),
                                   tuple(states) + tuple(constants))
    flat_zero = nest.flatten(output_zero)
    output_tas = tuple(TensorArray(o.dtype, size=steps, element_shape=o.shape, tensor_array_name=f"output_ta_{i}")
                       for i, o in enumerate(flat_zero))
    if mask is not None:
        mask_ta = TensorArray(dtypes.bool_, size=steps, tensor_array_name="mask_ta").unstack(
            reverse(mask, 0) if go_backwards else mask)
        masking_fn = mask_ta.read
    elif input_length is not None and hasattr(input_length, "dtype"):
        if go_backwards:
            rev_length = M.reduce_max(input_length, axis=0) - 1 - input_length
            masking_fn = lambda t: M.less(rev_length, t)  # noqa: E731
        else:
            masking_fn = lambda t: M.greater(input_length, t)  # noqa: E731
    else:
        masking_fn = None
    zeros = tuple(zeros_like(o) for o in flat_zero)

    def step(time, output_tas, prev_output, *states):
        x_t = nest.pack_sequence_as(inputs, [ta.read(time) for ta in input_tas])
        output, new_states = step_function(x_t, tuple(states) + tuple(constants))
        flat_out, flat_new = nest.flatten(output), nest.flatten(new_states)
        for s, n in zip(states, flat_new):
            n.set_shape(s.shape)
        if masking_fn is not None:
            mask_t = masking_fn(time)
            flat_out = [_masked(mask_t, o, p) for o, p in zip(flat_out, zeros if zero_output else prev_output)]
            flat_new = [_masked(mask_t, n, s) for n, s in zip(flat_new, states)]
        output_tas = tuple(ta.write(time, o) for ta, o in zip(output_tas, flat_out))
        return (time + 1, output_tas, tuple(flat_out), *flat_new)

    time = convert_to_tensor(0, dtype=dtypes.int32, name="time")
    final = while_loop(lambda time, *_: M.less(time, steps), step, (time, output_tas, zeros, *nest.flatten(states)),
                       parallel_iterations=32, swap_memory=True)
    outputs = [ta.stack() for ta in final[1]]
    last = [o[-1] for o in outputs]
    new_states = nest.pack_sequence_as(states, list(final[3:]))
    return nest.pack_sequence_as(output_zero, last), nest.pack_sequence_as(output_zero, outputs), new_states


# --- CTC -------------------------------------------------------------------------------------------------------
def ctc_label_dense_to_sparse(labels, label_lengths):
    """The first `label_lengths[i]` labels of each row of the dense (batch, max length) `labels` as an int64-indexed
    SparseTensor."""
    return dense_labels_to_sparse(labels, label_lengths)


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss per batch element, (batch, 1), of softmax outputs `y_pred` (batch, time, classes; the last class
    is the blank) against the dense labels `y_true`; lengths are (batch, 1)."""
    label_length = M.cast(array_ops.squeeze(label_length, axis=-1), dtypes.int32)
    input_length = M.cast(array_ops.squeeze(input_length, axis=-1), dtypes.int32)
    sparse = ctc_label_dense_to_sparse(y_true, label_length)
    sparse = SparseTensor(sparse.indices, M.cast(sparse.values, dtypes.int32), sparse.dense_shape)
    y_pred = M.log(array_ops.transpose(y_pred, perm=[1, 0, 2]) + epsilon())
    return array_ops.expand_dims(_nn.ctc_loss(labels=sparse, inputs=y_pred, sequence_length=input_length), 1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """([dense (batch, time) decoded paths, -1 after each path's end], log probabilities) by best path or beam
    search over softmax outputs `y_pred` (batch, time, classes)."""
    dims = [d if d is not None else shape(y_pred)[i] for i, d in enumerate(y_pred.shape.as_list()[:2])]
    dense_shape = M.cast(array_ops.stack(dims), dtypes.int64) if None in y_pred.shape.as_list()[:2] else dims
    y_pred = M.log(array_ops.transpose(y_pred, perm=[1, 0, 2]) + epsilon())
    input_length = M.cast(input_length, dtypes.int32)
    if greedy:
        decoded, log_prob = _nn.ctc_greedy_decoder(inputs=y_pred, sequence_length=input_length)
    else:
        decoded, log_prob = _nn.ctc_beam_search_decoder(inputs=y_pred, sequence_length=input_length,
                                                        beam_width=beam_width, top_paths=top_paths)
    dense = [_sparse_to_dense(SparseTensor(st.indices, st.values, dense_shape), default_value=-1) for st in decoded]
    return dense, log_prob
