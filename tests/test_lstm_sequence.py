"""dynamic_rnn of a standard LSTM cell as one LSTMSequence op (ops/lstm_sequence_ops.py): the while loop's values,
gradients and second derivatives, finite differences, the compiled loops (runtime/recurrent.py) with and without
the GEMM pool, and the cells and arguments that keep the while loop."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.nn import rnn as rnn_mod
from graphgrad.ops.lstm_sequence_ops import lstm_sequence


def _build(fused, dtype, cell_fn, x_shape, time_major=False, initial=False, second=False):
    """(x placeholder, fetches, op types, init) of an LSTM classifier's loss and gradients; `fused` False keeps
    dynamic_rnn's while loop."""
    tf.set_random_seed(4)
    x = tf.placeholder(dtype, x_shape)
    with tf.variable_scope("lstm", initializer=tf.random_uniform_initializer(-0.7, 0.7, seed=5)):
        cell = cell_fn()
        batch = x_shape[0 if not time_major else 1]
        state = None
        if initial:
            zeros = cell.zero_state(batch, dtype)
            state = tf.nest.map_structure(lambda z: z + 0.3, zeros)
        saved = rnn_mod._fused_lstm
        if not fused:
            rnn_mod._fused_lstm = lambda *a: None
        try:
            out, final = tf.nn.dynamic_rnn(cell, x, initial_state=state, dtype=dtype, time_major=time_major)
        finally:
            rnn_mod._fused_lstm = saved
    c, h = final if isinstance(final, tuple) else tf.split(final, 2, axis=1)
    loss = tf.reduce_sum(tf.sin(out)) + tf.reduce_sum(c * h * 0.5)
    wrt = tf.trainable_variables() + [x]
    grads = tf.gradients(loss, wrt)
    fetches = [out, c, h, loss] + grads
    if second:
        fetches += tf.gradients(tf.add_n([tf.reduce_sum(g * g) for g in grads]), wrt)
    return x, fetches, {op.type for op in tf.get_default_graph().get_operations()}


def _run_both(dtype, cell_fn, x_shape, **kw):
    rng = np.random.default_rng(7)
    xv = rng.uniform(-1, 1, x_shape)
    got = {}
    for fused in (True, False):
        with tf.Graph().as_default():
            x, fetches, types = _build(fused, dtype, cell_fn, x_shape, **kw)
            assert ("LSTMSequence" in types) == fused
            if not kw.get("second"):  # (second derivatives differentiate the sequence written as tf.scan)
                assert ("While" in types) == (not fused)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                got[fused] = s.run(fetches, {x: xv})
    return got


CELLS = {"basic": lambda: tf.nn.rnn_cell.BasicLSTMCell(5, forget_bias=0.4),
         "lstm_cell": lambda: tf.nn.rnn_cell.LSTMCell(4),
         "concatenated state": lambda: tf.nn.rnn_cell.BasicLSTMCell(3, state_is_tuple=False)}


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("time_major,initial", [(False, False), (True, True)])
def test_the_fused_sequence_gives_the_while_loops_values_and_gradients(cell, time_major, initial):
    shape = (6, 3, 4) if time_major else (3, 6, 4)
    got = _run_both(tf.float64, CELLS[cell], shape, time_major=time_major, initial=initial)
    for a, b in zip(got[True], got[False]):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)


def test_second_derivatives_through_the_fused_sequence():
    got = _run_both(tf.float64, CELLS["basic"], (2, 4, 3), second=True)
    for a, b in zip(got[True], got[False]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-11)


def test_the_op_against_finite_differences():
    rng = np.random.default_rng(3)
    xw, wh, b = rng.uniform(-1, 1, (4, 2, 12)), rng.uniform(-0.8, 0.8, (3, 12)), rng.uniform(-1, 1, 12)
    c0, h0 = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))

    def build(xw, wh, b, c0, h0):
        h, (c, hl) = lstm_sequence(xw, wh, b, c0, h0, 0.6, 3)
        return tf.concat([tf.reshape(h, [-1]), tf.reshape(c, [-1]) * 1.7, tf.reshape(hl, [-1]) * 0.3], 0)

    check_gradients(build, [xw, wh, b, c0, h0])


def test_unknown_time_and_batch_and_zero_steps():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None, None, 2])
        cell = tf.nn.rnn_cell.BasicLSTMCell(3)
        init = cell.zero_state(tf.shape(x)[0], tf.float64)
        init = tf.nn.rnn_cell.LSTMStateTuple(init.c + 0.5, init.h - 0.25)
        out, final = tf.nn.dynamic_rnn(cell, x, initial_state=init)
        grads = tf.gradients(tf.reduce_sum(final.c) + tf.reduce_sum(out), tf.trainable_variables())
        assert "LSTMSequence" in {op.type for op in tf.get_default_graph().get_operations()}
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            o, f = s.run([out, final], {x: np.ones((2, 5, 2))})
            assert o.shape == (2, 5, 3) and f.c.shape == (2, 3)
            o, f, g = s.run([out, final, grads], {x: np.ones((2, 0, 2))})  # no steps: the initial state
            assert o.shape == (2, 0, 3)
            np.testing.assert_array_equal(f.c, np.full((2, 3), 0.5))
            np.testing.assert_array_equal(f.h, np.full((2, 3), -0.25))
            assert all(not np.any(v) for v in g)


@pytest.mark.parametrize("cell", [
    lambda: tf.nn.rnn_cell.LSTMCell(3, use_peepholes=True),
    lambda: tf.nn.rnn_cell.LSTMCell(3, num_proj=2),
    lambda: tf.nn.rnn_cell.BasicLSTMCell(3, activation=tf.nn.relu),
    lambda: tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(3)]),
    lambda: type("Mine", (tf.nn.rnn_cell.BasicLSTMCell,), {})(3)], ids=range(5))
def test_other_cells_keep_the_while_loop(cell):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 4, 3])
        tf.nn.dynamic_rnn(cell(), x, dtype=tf.float32)
        types = {op.type for op in tf.get_default_graph().get_operations()}
    assert "While" in types and "LSTMSequence" not in types


def test_sequence_length_keeps_the_while_loop():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 4, 3])
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(3), x, sequence_length=[4, 2], dtype=tf.float32)
        types = {op.type for op in tf.get_default_graph().get_operations()}
    assert "While" in types and "LSTMSequence" not in types


def test_the_variables_keep_tf1s_names():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 4, 3])
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(5), x, dtype=tf.float32)
        assert [(v.name, v.shape.as_list()) for v in tf.global_variables()] == [
            ("rnn/basic_lstm_cell/kernel:0", [8, 20]), ("rnn/basic_lstm_cell/bias:0", [20])]


def _static(fused, cell_fn, steps, initial, dtype=tf.float64):
    """static_rnn of `cell_fn()` over `steps` [3, 4] inputs: (fetches' values, op types, variable names); `fused`
    False unrolls the cell as before."""
    rng = np.random.default_rng(9)
    with tf.Graph().as_default():
        tf.set_random_seed(4)
        xs = [tf.placeholder(dtype, [None, 4]) for _ in range(steps)]
        cell = cell_fn()
        state = None
        if initial:
            state = tf.nest.map_structure(lambda z: z - 0.2, cell.zero_state(3, dtype))
        saved = rnn_mod._static_fused_lstm
        if not fused:
            rnn_mod._static_fused_lstm = lambda *a: None
        try:
            with tf.variable_scope("s", initializer=tf.random_uniform_initializer(-0.7, 0.7, seed=5)):
                outs, final = tf.nn.static_rnn(cell, xs, initial_state=state, dtype=dtype)
        finally:
            rnn_mod._static_fused_lstm = saved
        c, h = final if isinstance(final, tuple) else tf.split(final, 2, axis=1)
        loss = tf.add_n([tf.reduce_sum(tf.sin(o)) * (k + 1) for k, o in enumerate(outs)]) + tf.reduce_sum(c * h)
        grads = tf.gradients(loss, tf.trainable_variables() + xs)
        graph = tf.get_default_graph()
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            got = s.run(outs + [c, h, loss] + grads, {x: rng.uniform(-1, 1, (3, 4)) for x in xs})
        return got, {op.type for op in graph.get_operations()}, [v.name for v in tf.global_variables()], outs


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("initial", [False, True])
def test_static_rnn_of_an_lstm_cell_is_one_sequence_with_the_unrolled_values(cell, initial):
    """nlintz's 07_lstm: static_rnn of a BasicLSTMCell over 28 steps made 28 copies of the cell's ops; the
    inputs are stacked into one LSTMSequence now, with the unrolled cell's values, gradients and variables."""
    fused, types, names, outs = _static(True, CELLS[cell], 7, initial)
    unrolled, types_u, names_u, _ = _static(False, CELLS[cell], 7, initial)
    assert "LSTMSequence" in types and "LSTMGates" not in types and "LSTMGates" in types_u
    assert names == names_u == ["s/rnn/" + names[0].split("/rnn/")[1], "s/rnn/" + names[1].split("/rnn/")[1]]
    assert len(outs) == 7 and outs[0].shape.as_list() == [None, CELLS[cell]().output_size]
    for a, b in zip(fused, unrolled):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("case", ["another cell", "one step", "unknown depth", "sequence_length"])
def test_static_rnn_unrolls_what_one_sequence_cannot_take(case):
    with tf.Graph().as_default():
        cell = tf.nn.rnn_cell.GRUCell(3) if case == "another cell" else tf.nn.rnn_cell.BasicLSTMCell(3)
        xs = [tf.placeholder(tf.float32, [2, None if case == "unknown depth" else 4]) for _ in range(3)]
        if case == "one step":
            xs = xs[:1]
        kw = {"sequence_length": [3, 1]} if case == "sequence_length" else {}
        if case == "unknown depth":
            with pytest.raises(ValueError):   # as TF: the cell needs its inputs' depth to make its kernel
                tf.nn.static_rnn(cell, xs, dtype=tf.float32, **kw)
            return
        tf.nn.static_rnn(cell, xs, dtype=tf.float32, **kw)
        types = {op.type for op in tf.get_default_graph().get_operations()}
    assert "LSTMSequence" not in types


@pytest.mark.cpu_only("the compiled loops run on NumPy arrays")
@pytest.mark.parametrize("pooled", [False, True])
def test_the_compiled_loops_match_the_while_loop(jit_on, pooled):
    """float32 with Numba: runtime/recurrent.py's loops (each step's rows over the GEMM pool's threads, or all on
    the calling thread) within float32 rounding of the while loop's kernels."""
    from graphgrad.runtime import blas, gemm_pool
    if pooled and not gemm_pool.wanted():
        pytest.skip("needs Numba, NumPy's OpenBLAS and two cores")
    gemm_pool.stop()
    _, _, get, put = blas.raw_functions() or (None, None, lambda: None, lambda n: None)
    before = get()
    put(2)  # other tests may have left NumPy's BLAS at one thread (tf.config.set_num_threads)
    try:
        if pooled:
            assert gemm_pool.start()
        got = _run_both(tf.float32, lambda: tf.nn.rnn_cell.BasicLSTMCell(40), (37, 9, 6), initial=True)
    finally:
        gemm_pool.stop()
        if before is not None:
            put(before)
    for a, b in zip(got[True], got[False]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5 * max(1.0, np.abs(b).max()))


@pytest.mark.cpu_only("the compiled loops run on NumPy arrays")
def test_sequences_from_several_threads(jit_on):
    """LSTM sequences (and their gradients) from three Python threads at once, with the GEMM pool running: one
    thread's sequence at a time is split, the others run on their own thread; all give the values of a lone run."""
    import threading

    from graphgrad.runtime import blas, gemm_pool
    if not gemm_pool.wanted():
        pytest.skip("needs Numba, NumPy's OpenBLAS and two cores")
    _, _, get, put = blas.raw_functions()
    before = get()
    put(2)
    try:
        assert gemm_pool.start()
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [20, 12, 5])
            out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(24), x, dtype=tf.float32)
            loss = tf.reduce_sum(out * out) + tf.reduce_sum(state.c)
            fetches = [out, loss] + tf.gradients(loss, tf.trainable_variables() + [x])
            rng = np.random.default_rng(11)
            xs = [rng.standard_normal((20, 12, 5)).astype(np.float32) for _ in range(3)]
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                wants = [s.run(fetches, {x: v}) for v in xs]
                errors = []

                def work(i):
                    for _ in range(15):
                        for got, want in zip(s.run(fetches, {x: xs[i]}), wants[i]):
                            if not np.allclose(got, want, rtol=1e-5, atol=1e-5):
                                errors.append(i)

                threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
        assert not errors
    finally:
        gemm_pool.stop()
        put(before)
