"""`tf.nn.raw_rnn` and `tf.nn.static_state_saving_rnn`: TF1's two RNN drivers beside dynamic_rnn (rnn.py).

`raw_rnn` hands every step to the caller's `loop_fn(time, cell_output, cell_state, loop_state)`, which returns
`(elements_finished, next_input, next_cell_state, emit_output, next_loop_state)`: called once with
`cell_output=None` for the first input, state and emit structure, then after each cell step. The loop is one
`tf.while_loop` that runs until every batch element is finished; a finished element emits zeros and keeps its
state (TF's `_copy_some_through`). Returns `(emit_ta, final_state, final_loop_state)`, emit_ta a (nested)
TensorArray of [time, batch, ...] values.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import control_dependencies
from ..framework.tensor_shape import TensorShape
from ..ops import nest
from ..ops.array_ops import concat, identity, shape, zeros
from ..ops.comparison_ops import logical_not, logical_or
from ..ops.core import Tensor, convert_to_tensor
from ..ops.reduction_ops import reduce_all
from ..ops.select_ops import where
from ..ops.tensor_array_ops import TensorArray
from ..ops.while_ops import while_loop
from .rnn import _scope, static_rnn


def _zeros_like_emit(batch_size, size, dtype):
    if isinstance(size, Tensor):
        return zeros(concat([[batch_size], size], 0), dtype)
    return zeros([batch_size] + TensorShape(size).as_list(), dtype)


def _element_shape(batch, size):
    return TensorShape([batch]).concatenate(TensorShape(None) if isinstance(size, Tensor) else TensorShape(size))


def raw_rnn(cell, loop_fn, parallel_iterations=None, swap_memory=False, scope=None):
    """Run `cell` in a while loop whose inputs, finishing and outputs `loop_fn` decides (module docstring)."""
    if not callable(loop_fn):
        raise TypeError(f"Argument `loop_fn` must be a callable. Received: {loop_fn}.")
    with _scope(scope, "rnn"):
        time = convert_to_tensor(0, dtype=dtypes.int32)
        finished, next_input, initial_state, emit_structure, init_loop_state = loop_fn(
            time=time, cell_output=None, cell_state=None, loop_state=None)
        flat_input = nest.flatten(next_input)
        loop_state = init_loop_state if init_loop_state is not None else convert_to_tensor(0, dtype=dtypes.int32)
        static_batch = flat_input[0].shape[0]
        for x in flat_input[1:]:
            static_batch.assert_is_compatible_with(x.shape[0])
        const_batch = static_batch.value
        batch_size = const_batch if const_batch is not None else shape(flat_input[0])[0]
        nest.assert_same_structure(initial_state, cell.state_size)
        flat_state = [convert_to_tensor(s) for s in nest.flatten(initial_state)]
        state = nest.pack_sequence_as(initial_state, flat_state)
        if emit_structure is not None:
            flat_emit = nest.flatten(emit_structure)
            sizes = [e.shape if e.shape.is_fully_defined() else shape(e) for e in flat_emit]
            emit_dtypes = [e.dtype for e in flat_emit]
        else:
            emit_structure = cell.output_size
            sizes = nest.flatten(emit_structure)
            emit_dtypes = [flat_state[0].dtype] * len(sizes)
        emit_ta = nest.pack_sequence_as(emit_structure, [
            TensorArray(dtype, size=0, dynamic_size=True, element_shape=_element_shape(const_batch, size),
                        tensor_array_name=f"rnn_output_{i}")
            for i, (dtype, size) in enumerate(zip(emit_dtypes, sizes))])
        zero_emit = nest.pack_sequence_as(emit_structure, [_zeros_like_emit(batch_size, size, dtype)
                                                           for size, dtype in zip(sizes, emit_dtypes)])

        def condition(_, elements_finished, *__):
            return logical_not(reduce_all(elements_finished))

        def body(time, elements_finished, current_input, emit_ta, state, loop_state):
            output, cell_state = cell(current_input, state)
            nest.assert_same_structure(state, cell_state)
            nest.assert_same_structure(cell.output_size, output)
            next_time = time + 1
            next_finished, next_input, next_state, emit, next_loop_state = loop_fn(next_time, output, cell_state,
                                                                                   loop_state)
            nest.assert_same_structure(state, next_state)
            nest.assert_same_structure(current_input, next_input)
            nest.assert_same_structure(emit_ta, emit)
            loop_state = loop_state if next_loop_state is None else next_loop_state

            def copy_some_through(current, candidate):
                """Finished elements keep `current`; scalars and TensorArrays take `candidate`."""
                return nest.pack_sequence_as(current, [
                    new if isinstance(cur, TensorArray) or cur.shape.ndims == 0 else where(elements_finished, cur, new)
                    for cur, new in zip(nest.flatten(current), nest.flatten(candidate))])
            emit = copy_some_through(zero_emit, emit)
            next_state = copy_some_through(state, next_state)
            emit_ta = nest.pack_sequence_as(emit_ta, [ta.write(time, e) for ta, e in
                                                      zip(nest.flatten(emit_ta), nest.flatten(emit))])
            return next_time, logical_or(elements_finished, next_finished), next_input, emit_ta, next_state, loop_state

        returned = while_loop(condition, body, [time, finished, next_input, emit_ta, state, loop_state],
                              parallel_iterations=parallel_iterations or 32, swap_memory=swap_memory)
        emit_ta, final_state, final_loop_state = returned[-3:]
        return emit_ta, final_state, (None if init_loop_state is None else final_loop_state)


def static_state_saving_rnn(cell, inputs, state_saver, state_name, sequence_length=None, scope=None):
    """`static_rnn` whose initial state is `state_saver.state(name)` and whose final state is handed to
    `state_saver.save_state(name, value)` (TF1's contract, e.g. a SequenceQueueingStateSaver's); the last output
    and the returned state depend on the saves. `state_name` nests like `cell.state_size`."""
    state_size = cell.state_size
    if nest.is_sequence(state_size) != nest.is_sequence(state_name):
        raise ValueError(f"Argument `state_name` should be the same type as `cell.state_size`. Received: "
                         f"state_name={state_name}, cell.state_size={state_size}.")
    names = nest.flatten(state_name)
    if nest.is_sequence(state_size):
        if len(names) != len(nest.flatten(state_size)):
            raise ValueError(f"Number of elements in argument `state_name` and `cell.state_size` are mismatched. "
                             f"Received state_name={state_name} with {len(names)} elements and "
                             f"cell.state_size={state_size} with {len(nest.flatten(state_size))} elements.")
        initial_state = nest.pack_sequence_as(state_size, [state_saver.state(n) for n in names])
    else:
        initial_state = state_saver.state(state_name)
    outputs, state = static_rnn(cell, inputs, initial_state=initial_state, sequence_length=sequence_length,
                                scope=scope)
    saves = [state_saver.save_state(n, s) for n, s in zip(names, nest.flatten(state))]
    with control_dependencies(saves):
        last = outputs[-1]
        outputs[-1] = nest.pack_sequence_as(last, [identity(o) for o in nest.flatten(last)])
        state = nest.pack_sequence_as(state, [identity(s) for s in nest.flatten(state)])
    return outputs, state


__all__ = ["raw_rnn", "static_state_saving_rnn"]
