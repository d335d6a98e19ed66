"""`tf.nn.dynamic_rnn`, `tf.nn.static_rnn`, `tf.nn.bidirectional_dynamic_rnn` and
`tf.nn.static_bidirectional_rnn`, as TensorFlow 1.x defines them (docs/rnn.md).

`dynamic_rnn` is one `tf.while_loop` over the time steps, reading the inputs from a TensorArray and writing the
outputs to one (so one `While` op, with gradients through its saved history). Past a batch element's
`sequence_length` its outputs are zeros and its state is copied through, so the final state is the state at the
element's last step, as in TF1."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor_shape import TensorShape
from ..ops import nest
from ..ops.array_ops import concat, identity, reverse, shape, stack, transpose, unstack, zeros
from ..ops.cast_ops import cast
from ..ops.comparison_ops import greater_equal
from ..ops.core import convert_to_tensor
from ..ops.lstm_sequence_ops import lstm_sequence
from ..ops.select_ops import where
from ..ops.sequence_ops import reverse_sequence
from ..ops.tensor_array_ops import TensorArray
from ..ops.while_ops import while_loop
from ..variables import VariableScope, variable_scope


def _swap_batch_time(x):
    """[B, T, ...] <-> [T, B, ...]."""
    rank = x.shape.ndims
    if rank is None:
        raise ValueError(f"rnn inputs need a known rank, got {x}")
    if rank < 2:
        raise ValueError(f"Expected input tensor {x.name} to have rank at least 2")
    return transpose(x, [1, 0] + list(range(2, rank)))


def _batch_size(flat_inputs, batch_axis):
    for x in flat_inputs:
        b = x.shape[batch_axis].value if x.shape.ndims is not None else None
        if b is not None:
            return b
    return shape(flat_inputs[0])[batch_axis]


def _scope(scope, default):
    return variable_scope(scope) if isinstance(scope, VariableScope) else variable_scope(scope or default)


def _check_dtype(initial_state, dtype):
    if initial_state is None and dtype is None:
        raise ValueError("If there is no initial_state, you must give a dtype.")


def _input_depth_shape(flat_inputs):
    first = flat_inputs[0]
    return TensorShape([None] + first.shape.as_list()[2:]) if first.shape.ndims else TensorShape(None)


def _sequence_length(sequence_length):
    if sequence_length is None:
        return None
    sequence_length = convert_to_tensor(sequence_length, name="sequence_length")
    if sequence_length.shape.ndims not in (None, 1):
        raise ValueError(f"sequence_length must be a vector of length batch_size, but saw shape: "
                         f"{sequence_length.shape}")
    return identity(cast(sequence_length, dtypes.int32), name="sequence_length")


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory=False, time_major=False, scope=None):
    """Run `cell` over the time steps of `inputs` ([batch, time, ...], or [time, batch, ...] with
    `time_major=True`; a nested structure of such tensors also works). Returns (outputs, final_state), outputs
    shaped like the inputs' batch/time layout with the cell's `output_size` last."""
    _check_dtype(initial_state, dtype)
    with _scope(scope, "rnn"):
        flat_input = [convert_to_tensor(x, name="input") for x in nest.flatten(inputs)]
        if not time_major:
            flat_input = [_swap_batch_time(x) for x in flat_input]
        batch_size = _batch_size(flat_input, 1)
        sequence_length = _sequence_length(sequence_length)
        state = initial_state if initial_state is not None else cell.zero_state(batch_size, dtype)
        in_dtype = flat_input[0].dtype.base_dtype
        cell._maybe_build(_input_depth_shape(flat_input), in_dtype)  # the variables, outside the loop
        fused = _fused_lstm(cell, flat_input, state, sequence_length)
        if fused is not None:
            outputs, final_state = fused
        else:
            outputs, final_state = _dynamic_rnn_loop(cell, nest.pack_sequence_as(inputs, flat_input), state,
                                                     sequence_length, batch_size, parallel_iterations or 32,
                                                     swap_memory, dtype)
        if not time_major:
            outputs = nest.map_structure(_swap_batch_time, outputs)
        return outputs, final_state


def _fused_lstm(cell, flat_input, state, sequence_length):
    """(outputs, final state), time-major, of a standard LSTM cell over whole sequences as one LSTMSequence op
    (ops/lstm_sequence_ops.py): the inputs of all steps multiplied by the kernel's input rows in one product
    first, the recurrence in one kernel. None (the while loop instead) for anything else: another cell or a
    subclass overriding `call`, peepholes, clipping, a projection, another activation or forget bias than a
    number, `sequence_length`, nested inputs, inputs of unknown depth, other dtypes than float32/float64."""
    from ..nn.rnn_cell_impl import BasicLSTMCell, LSTMCell
    from ..ops.unary_ops import tanh
    kind = type(cell)
    if kind not in (BasicLSTMCell, LSTMCell) or sequence_length is not None or len(flat_input) != 1:
        return None
    if kind is LSTMCell and (cell._use_peepholes or cell._cell_clip is not None or cell._num_proj is not None):
        return None
    x = flat_input[0]
    if cell._activation is not tanh or not isinstance(cell._forget_bias, (int, float)) or x.shape.ndims != 3 \
            or x.shape[2].value is None or x.dtype.base_dtype not in (dtypes.float32, dtypes.float64):
        return None
    from ..ops.array_ops import reshape, split
    from ..ops.matmul_ops import matmul
    from .rnn_cell_impl import LSTMStateTuple
    n, depth = cell._num_units, x.shape[2].value
    c0, h0 = state if cell._state_is_tuple else split(state, 2, axis=1)
    steps, batch = shape(x)[0], shape(x)[1]
    with name_scope(cell.name):
        w_x, w_h = split(cell._kernel, [depth, n], axis=0)
        xw = reshape(matmul(reshape(x, [-1, depth]), w_x), stack([steps, batch, 4 * n]))
        xw.set_shape([x.shape[0].value, x.shape[1].value, 4 * n])
        h, (c_last, h_last) = lstm_sequence(xw, w_h, cell._bias, c0, h0, cell._forget_bias, n)
    final = LSTMStateTuple(c_last, h_last) if cell._state_is_tuple else concat([c_last, h_last], 1)
    return h, final


def _dynamic_rnn_loop(cell, inputs, initial_state, sequence_length, batch_size, parallel_iterations, swap_memory,
                      dtype=None):
    flat_input = nest.flatten(inputs)
    steps_static = flat_input[0].shape[0].value
    time_steps = steps_static if steps_static is not None else shape(flat_input[0])[0]
    flat_state = nest.flatten(initial_state)
    # the outputs' dtype: `dtype` where given, else the state's (TF's `_infer_state_dtype`: a CRF's Viterbi cell
    # outputs int32 back-pointers from a float32 state)
    state_dtype = (dtypes.as_dtype(dtype).base_dtype if dtype is not None else
                   flat_state[0].dtype.base_dtype if flat_state else flat_input[0].dtype.base_dtype)
    flat_output_size = nest.flatten(cell.output_size)

    # Executing eagerly, TF runs the loop's body as Python and keeps its TensorArrays as lists (below).
    eager = get_default_graph()._is_eager
    with name_scope("dynamic_rnn"):
        if not eager:
            input_tas = [TensorArray(x.dtype, size=time_steps, tensor_array_name=f"input_{k}",
                                     element_shape=x.shape[1:] if x.shape.ndims else None).unstack(x)
                         for k, x in enumerate(flat_input)]
            output_tas = [TensorArray(state_dtype, size=time_steps, tensor_array_name=f"output_{k}",
                                      element_shape=TensorShape([batch_size if isinstance(batch_size, int) else
                                                                 None]).concatenate(TensorShape(size)))
                          for k, size in enumerate(flat_output_size)]
        zero_output = None
        if sequence_length is not None:
            zero_output = [zeros([batch_size] + TensorShape(size).as_list(), dtype=state_dtype)
                           for size in flat_output_size]
        time = convert_to_tensor(0, dtype=dtypes.int32, name="time")

    def step(t, x_t, state):
        """One time step: the cell's flat outputs and its new state (zeros and the old state past a batch
        element's sequence_length)."""
        output, new_state = cell(nest.pack_sequence_as(inputs, x_t), state)
        nest.assert_same_structure(state, new_state)
        flat_out = nest.flatten(output)
        if sequence_length is not None:
            done = greater_equal(t, sequence_length)  # [batch]: this step is past the element's length
            flat_out = [where(done, z, o) for z, o in zip(zero_output, flat_out)]
            flat_new = [where(done, s, n) for s, n in zip(nest.flatten(state), nest.flatten(new_state))]
            for n, s in zip(flat_new, nest.flatten(state)):
                n.set_shape(s.shape)
            new_state = nest.pack_sequence_as(state, flat_new)
        return flat_out, new_state

    if eager:  # the same steps over the (known) time steps, on the unstacked inputs; the outputs stacked
        xs = [unstack(x) for x in flat_input]
        steps, state = [], initial_state
        for t in range(steps_static):
            flat_out, state = step(t, [x[t] for x in xs], state)
            steps.append(flat_out)
        outputs = [stack([o[k] for o in steps]) for k in range(len(flat_output_size))]
        return nest.pack_sequence_as(cell.output_size, outputs), state

    def cond(t, *_):
        from ..ops.comparison_ops import less

        return less(t, time_steps)

    def body(t, out_tas, state):
        flat_out, new_state = step(t, [ta.read(t) for ta in input_tas], state)
        out_tas = tuple(ta.write(t, o) for ta, o in zip(out_tas, flat_out))
        return t + 1, out_tas, new_state

    _, final_tas, final_state = while_loop(cond, body, (time, tuple(output_tas), initial_state),
                                           parallel_iterations=parallel_iterations, swap_memory=swap_memory,
                                           maximum_iterations=time_steps)
    outputs = []
    for ta, size in zip(final_tas, flat_output_size):
        o = ta.stack()
        o.set_shape(TensorShape([steps_static, batch_size if isinstance(batch_size, int) else None])
                    .concatenate(TensorShape(size)))
        outputs.append(o)
    return nest.pack_sequence_as(cell.output_size, outputs), final_state


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """The cell unrolled over a Python list of [batch, ...] inputs: one copy of the cell's ops per step, the same
    variables. Returns (list of outputs, final state); with `sequence_length`, zeros and copied state past it."""
    if not nest.is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    _check_dtype(initial_state, dtype)
    with _scope(scope, "rnn"):
        first = [convert_to_tensor(x) for x in nest.flatten(inputs[0])]
        batch_size = _batch_size(first, 0)
        state = initial_state if initial_state is not None else cell.zero_state(batch_size, dtype)
        sequence_length = _sequence_length(sequence_length)
        fused = _static_fused_lstm(cell, inputs, state, sequence_length)
        if fused is not None:
            return fused
        outputs = []
        for t, x in enumerate(inputs):
            output, new_state = cell(x, state)
            if sequence_length is not None:
                with name_scope(f"step_{t}"):
                    done = greater_equal(t, sequence_length)
                    flat_out = [where(done, zeros(shape(o), dtype=o.dtype), o) for o in nest.flatten(output)]
                    output = nest.pack_sequence_as(output, flat_out)
                    flat = [where(done, s, n) for s, n in zip(nest.flatten(state), nest.flatten(new_state))]
                    new_state = nest.pack_sequence_as(state, flat)
            state = new_state
            outputs.append(output)
        return outputs, state


def _static_fused_lstm(cell, inputs, state, sequence_length):
    """`static_rnn` of a standard LSTM cell (as `_fused_lstm` takes) over a list of [batch, depth] tensors of one
    dtype and known depth, as one LSTMSequence over the inputs stacked: (list of outputs, final state); None for
    anything else. The unrolled cell made 3 ops a step and 5 in its gradient, each a kernel call of a few µs on
    small batches (nlintz's 07_lstm: 28 steps)."""
    from ..nn.rnn_cell_impl import BasicLSTMCell, LSTMCell
    if type(cell) not in (BasicLSTMCell, LSTMCell) or sequence_length is not None or len(inputs) < 2 \
            or any(nest.is_sequence(x) for x in inputs):
        return None
    xs = [convert_to_tensor(x) for x in inputs]
    depth, dtype = xs[0].shape[-1].value if xs[0].shape.ndims == 2 else None, xs[0].dtype.base_dtype
    if depth is None or any(x.shape.ndims != 2 or x.shape[1].value != depth or x.dtype.base_dtype != dtype
                            for x in xs):
        return None
    cell._maybe_build(TensorShape([None, depth]), dtype)  # the variables, named as the unrolled cell's
    fused = _fused_lstm(cell, [stack(xs)], state, None)
    if fused is None:
        return None
    h, final = fused
    return unstack(h, num=len(xs)), final


def _reverse_time(x, sequence_length, time_axis, batch_axis):
    if sequence_length is None:
        return reverse(x, [time_axis])
    return reverse_sequence(x, sequence_length, seq_axis=time_axis, batch_axis=batch_axis)


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """A forward `dynamic_rnn` under `<scope>/fw` and one over the (per-element) reversed sequences under
    `<scope>/bw`, whose outputs are reversed back. Returns ((output_fw, output_bw), (state_fw, state_bw))."""
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    with _scope(scope, "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            out_fw, state_fw = dynamic_rnn(cell_fw, inputs, sequence_length, initial_state_fw, dtype,
                                           parallel_iterations, swap_memory, time_major, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            seq = None if sequence_length is None else _sequence_length(sequence_length)
            rev_in = nest.map_structure(lambda x: _reverse_time(convert_to_tensor(x), seq, time_axis, batch_axis),
                                        inputs)
            tmp, state_bw = dynamic_rnn(cell_bw, rev_in, sequence_length, initial_state_bw, dtype,
                                        parallel_iterations, swap_memory, time_major, scope=bw_scope)
            out_bw = nest.map_structure(lambda x: _reverse_time(x, seq, time_axis, batch_axis), tmp)
    return (out_fw, out_bw), (state_fw, state_bw)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None, dtype=None,
                             sequence_length=None, scope=None):
    """`static_rnn` forward and backward; outputs are the two directions concatenated per step."""
    from ..ops.array_ops import concat

    with _scope(scope, "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            out_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, sequence_length, fw_scope)
        with variable_scope("bw") as bw_scope:
            if sequence_length is None:
                rev = list(reversed(inputs))
            else:
                seq = _sequence_length(sequence_length)
                rev = unstack(reverse_sequence(stack(inputs), seq, 0, 1))
            tmp, state_bw = static_rnn(cell_bw, rev, initial_state_bw, dtype, sequence_length, bw_scope)
            if sequence_length is None:
                out_bw = list(reversed(tmp))
            else:
                out_bw = unstack(reverse_sequence(stack(tmp), seq, 0, 1))
    outputs = [concat([f, b], 1) for f, b in zip(out_fw, out_bw)]
    return outputs, state_fw, state_bw


__all__ = ["dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn"]
