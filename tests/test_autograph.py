"""tf.autograph and tf.function's conversion of Python control flow on tensors: each converted program is checked
against the same Python function run eagerly (Python's own control flow on eager values), in eager tf.function and
in graph mode; TF's errors for what cannot be converted; gradients through converted conds and loops."""
from __future__ import annotations

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode


@pytest.fixture
def eager():
    with eager_mode():
        yield


def same_as_python(fn, *inputs):
    """`fn` run eagerly (plain Python on eager values) against `fn` as a tf.function and in a graph (a Session
    with the inputs fed); returns the eager result."""
    with eager_mode():
        expected = np.asarray(fn(*[tf.constant(x) for x in inputs]))
        traced = tf.function(fn)(*[tf.constant(x) for x in inputs])
        np.testing.assert_allclose(np.asarray(traced), expected, rtol=1e-6)
    with tf.Graph().as_default():
        feeds = [tf.placeholder(tf.as_dtype(np.asarray(x).dtype), np.shape(x)) for x in inputs]
        out = tf.function(fn)(*feeds)
        with tf.Session() as sess:
            got = sess.run(out, dict(zip(feeds, inputs)))
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)
    return expected


# ------------------------------------------------------------------------------------------------ if / elif / else

def sign_scale(x):
    if tf.reduce_sum(x) > 0:
        y = x * 2
    elif tf.reduce_sum(x) < -5:
        y = x * 0
    else:
        y = -x
    return y


@pytest.mark.parametrize("x", [[1.0, 2.0], [-1.0, -2.0], [-3.0, -4.0]])
def test_if_elif_else_on_a_tensor(x):
    same_as_python(sign_scale, np.float32(x))


def test_the_issue_example_runs_in_eager_tf_function(eager):
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x * 2
        else:
            y = -x
        return y

    assert f(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert f(tf.constant([-1.0, -2.0])).numpy().tolist() == [1.0, 2.0]
    assert f.trace_count == 1  # one trace holds both branches: a tf.cond


def test_a_variable_assigned_in_one_branch_keeps_its_value_in_the_other():
    def f(x):
        y = x + 1
        temp = 0.0
        if x > 2:
            temp = x * 10  # temp is used after: an output; unused names stay inside the branch
            y = temp + 1
            unused = y * 3
            del unused
        return y + temp

    for v in (1.0, 3.0):
        same_as_python(f, np.float32(v))


def test_a_variable_only_one_branch_defines_is_tfs_error(eager):
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x * 2
        return y

    with pytest.raises(ValueError, match="'y' must also be initialized in the else branch"):
        tf.function(f)(tf.constant([1.0]))

    def g(x):
        if x > 0:
            pass
        else:
            y = x
        return y

    with pytest.raises(ValueError, match="'y' must also be initialized in the main branch"):
        tf.function(g)(tf.constant(1.0))
    # used only inside its branch, it is no output: no error
    def h(x):
        if x > 0:
            t = x * 3
            x = t + 1
        return x

    assert tf.function(h)(tf.constant(1.0)).numpy() == 4.0
    assert h(tf.constant(-1.0)).numpy() == -1.0


def test_branches_of_different_dtypes_are_tfs_error(eager):
    def f(x):
        if x > 0:
            y = 1
        else:
            y = 2.0
        return y

    with pytest.raises(TypeError, match="'y' has dtype int32 in the main branch, but dtype float32 in the else"):
        tf.function(f)(tf.constant(3.0))


def test_python_conditions_run_unchanged(eager):
    calls = []

    def f(x, training):
        if training:  # a Python bool: one branch, as Python
            calls.append("train")
            y = x * 2
        else:
            calls.append("eval")
            y = x
        n = 0
        while n < 3:
            n += 1
        for k in [1, 2]:
            y = y + k
        return y + n, len(calls)

    fn = tf.function(f)
    y, count = fn(tf.constant(1.0), True)
    assert y.numpy() == 8.0 and count == 1 and calls == ["train"]
    y, _ = fn(tf.constant(1.0), False)
    assert y.numpy() == 7.0 and calls == ["train", "eval"]


def test_a_python_function_without_tensor_conditions_is_unchanged():
    def f(n, items):
        total = 0
        for i in range(n):
            if i % 2 == 0 and i > 0:
                continue
            if i == 5:
                break
            total += i
        else:
            total += 100
        out = [x for x in items if not x is None]  # noqa: E714
        return total, out, (1 if total > 3 else 2), (total or -1)

    converted = tf.autograph.to_graph(f)
    for n in (0, 3, 8):
        assert converted(n, [1, None, 2]) == f(n, [1, None, 2])


# ------------------------------------------------------------------------------------------------ loops

def count_down(n):
    i = n
    total = tf.constant(0)
    while i > 0:
        total += i
        i -= 1
    return total


@pytest.mark.parametrize("n", [0, 1, 5])
def test_while_on_a_tensor_is_a_while_loop(n):
    same_as_python(count_down, np.int32(n))


def test_for_over_tf_range_and_over_a_tensors_rows():
    def over_range(n):
        s = 0.0
        for i in tf.range(n):
            s += tf.cast(i, tf.float32) * 0.5
        return s

    def over_rows(m):
        s = tf.zeros([2])
        for row in m:
            s = s + row * row
        return s

    same_as_python(over_range, np.int32(4))
    same_as_python(over_rows, np.arange(6, dtype=np.float32).reshape(3, 2))


def test_a_tensor_loop_builds_one_while_op_and_python_range_unrolls():
    def tensor_loop(n):
        s = tf.constant(0)
        for i in tf.range(n):
            s += i
        return s

    def python_loop(x):
        for _ in range(3):
            x = x * 2
        return x

    with tf.Graph().as_default() as g:
        tf.function(tensor_loop)(tf.placeholder(tf.int32, []))
        types = [op.type for op in g.get_operations()]
        assert types.count("While") == 1
    with tf.Graph().as_default() as g:
        tf.function(python_loop)(tf.placeholder(tf.float32, []))
        types = [op.type for op in g.get_operations()]
        assert "While" not in types and types.count("Mul") == 3


def test_break_and_continue_in_tensor_loops():
    def f(n):
        s = 0
        for i in tf.range(n):
            if i % 2 == 0:
                continue
            if i > 6:
                break
            s += i
        return s

    def g(x):
        steps = 0
        while x > 1:
            if steps >= 4:
                break
            x = x / 2
            steps += 1
        return x + tf.cast(steps, tf.float32)

    for n in (0, 5, 12):
        same_as_python(f, np.int32(n))
    for x in (1.0, 8.0, 100.0):
        same_as_python(g, np.float32(x))


def test_loop_else_and_nested_loops():
    def f(n):
        s = 0
        for i in tf.range(n):
            j = 0
            while j < i:
                s += j
                j += 1
        else:
            s += 100
        return s

    same_as_python(f, np.int32(4))


def test_loop_variable_errors_are_tfs(eager):
    def undefined_before(n):
        i = 0
        while i < n:
            last = i
            i += 1
        return last

    with pytest.raises(ValueError, match="'last' must be defined before the loop"):
        tf.function(undefined_before)(tf.constant(3))
    assert undefined_before(3) == 2  # a Python loop needs nothing

    def grows(x):
        y = x
        while tf.reduce_sum(y) < 10:
            y = tf.concat([y, y], 0)
        return y

    with pytest.raises(ValueError, match="'y' has shape \\(1,\\) before the loop, but shape \\(2,\\) after"):
        tf.function(grows)(tf.constant([1.0]))


def test_a_tensor_break_in_a_python_loop_is_a_clear_error(eager):
    def f(x):
        for _ in range(3):
            if x > 0:
                break
            x = x + 1
        return x

    with pytest.raises(NotImplementedError, match="Python loop"):
        tf.function(f)(tf.constant(1.0))


def test_attribute_assignments_under_a_tensor_condition_are_refused(eager):
    class Box:
        value = 0.0

    box = Box()

    def f(x):
        if x > 0:
            box.value = x
        return x

    with pytest.raises(NotImplementedError, match="box.value"):
        tf.function(f)(tf.constant(1.0))
    tf.autograph.to_graph(f)(tf.constant(2.0))  # eagerly the condition is a value: Python runs it
    assert box.value.numpy() == 2.0


# ------------------------------------------------------------------------------------------------ return

def test_returns_inside_ifs():
    def early(x):
        if x > 0:
            return x * 3
        y = -x
        return y + 1

    def both(x):
        if x > 10:
            return x
        else:
            if x > 0:
                return x * 2
            return x * 0

    for v in (-2.0, 3.0, 20.0):
        same_as_python(early, np.float32(v))
        same_as_python(both, np.float32(v))


def test_a_missing_return_and_a_return_in_a_tensor_loop_are_tfs_errors(eager):
    def f(x):
        if x > 0:
            return x

    with pytest.raises(ValueError, match="the else branch must also have a return statement"):
        tf.function(f)(tf.constant(1.0))
    assert tf.autograph.to_graph(f)(-1.0) is None  # Python: falls off the end

    def g(x):
        while x > 0:
            x -= 1
            if x < 2:
                return x
        return x

    with pytest.raises(NotImplementedError, match="a return statement cannot be placed inside this TensorFlow loop"):
        tf.function(g)(tf.constant(5.0))
    assert tf.autograph.to_graph(g)(5.0) == g(5.0) == 1.0  # a Python loop returns from inside


# ------------------------------------------------------------------------------------------------ operators

def test_and_or_not_on_tensors_are_lazy():
    def f(x):
        inside = x > 0 and x < 5
        outside = x < -3 or x > 3
        return tf.cast(inside, tf.float32) + 10 * tf.cast(not outside, tf.float32)

    for v in (-4.0, 1.0, 4.0, 6.0):
        same_as_python(f, np.float32(v))

    def guarded(x):  # the right operand runs only where the left is true (a tf.cond)
        return tf.size(x) > 0 and x[0] > 1

    with tf.Graph().as_default() as g:
        tf.function(guarded)(tf.placeholder(tf.float32, [None]))
        assert any(op.type == "If" for op in g.get_operations())
    same_as_python(lambda x: x if x > 0 else -x * 2, np.float32(-3.0))


def test_print_of_a_tensor_becomes_tf_print(eager, capsys):
    @tf.function
    def f(x):
        print("value:", x)
        return x + 1

    f(tf.constant(3))
    f(tf.constant(4))  # traced once: tf.print prints on every call, Python's print only while tracing
    err = capsys.readouterr().err
    assert "value: 3" in err and "value: 4" in err


# ------------------------------------------------------------------------------------------------ calls

def helper_abs(x):
    if x < 0:
        x = -x
    return x


@tf.autograph.experimental.do_not_convert
def not_converted(x):
    if x < 0:
        x = -x
    return x


def test_called_functions_and_lambdas_are_converted_unless_opted_out(eager):
    scale = lambda v: v * 2 if v > 1 else v  # noqa: E731

    def f(x):
        def inner(v):
            while v > 10:
                v = v / 2
            return v
        return scale(helper_abs(inner(x)))

    fn = tf.function(f)
    assert fn(tf.constant(-3.0)).numpy() == 6.0
    assert fn(tf.constant(40.0)).numpy() == 20.0
    assert fn(tf.constant(0.5)).numpy() == 0.5

    with pytest.raises(TypeError, match="bool"):
        tf.function(lambda x: not_converted(x))(tf.constant(-1.0))
    assert tf.function(lambda x: helper_abs(x))(tf.constant(-1.0)).numpy() == 1.0
    # recursive=False: the calls stay as they are
    with pytest.raises(TypeError, match="bool"):
        tf.function(tf.autograph.to_graph(lambda x: helper_abs(x), recursive=False))(tf.constant(-1.0))


def test_methods_closures_and_autograph_false(eager):
    class Model:
        def __init__(self, limit):
            self.limit = limit

        @tf.function
        def __call__(self, x):
            while x < self.limit:
                x = x * 2
            return x

    assert Model(10.0)(tf.constant(1.0)).numpy() == 16.0
    off = tf.function(sign_scale, autograph=False)
    with pytest.raises(TypeError, match="bool"):
        off(tf.constant([1.0]))


# ------------------------------------------------------------------------------------------------ gradients

def test_gradients_flow_through_converted_cond_and_loop(eager):
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = x * x
        else:
            y = x * 3
        i = 0
        while i < 3:
            y = y * 2
            i += 1
        return tf.reduce_sum(y)

    for value, grad in (([1.0, 2.0], [16.0, 32.0]), ([-1.0, -2.0], [24.0, 24.0])):
        x = tf.constant(value)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), grad)

    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        dx = tf.gradients(f(x), x)[0]
        with tf.Session() as sess:
            np.testing.assert_allclose(sess.run(dx, {x: [1.0, 2.0]}), [16.0, 32.0])


# ------------------------------------------------------------------------------------------------ the API

def test_to_code_to_graph_and_the_api():
    code = tf.autograph.to_code(sign_scale)
    assert "ag__.if_stmt" in code and "def if_body" in code and code.startswith("def sign_scale(x):")
    converted = tf.autograph.to_graph(sign_scale)
    assert converted.__name__ == "sign_scale" and converted is tf.autograph.to_graph(sign_scale)
    assert tf.autograph.do_not_convert is not None and tf.autograph.experimental.Feature.ALL
    tf.autograph.to_graph(sign_scale, experimental_optional_features=[tf.autograph.experimental.Feature.LISTS])
    with pytest.raises(ValueError, match="Feature"):
        tf.autograph.to_graph(sign_scale, experimental_optional_features=["lists"])
    with pytest.raises(tf.autograph.ConversionError):
        tf.autograph.to_graph(len)
    tf.autograph.set_verbosity(0)


def test_trace_and_verbosity(capsys):
    tf.autograph.trace("shape", 3)
    assert capsys.readouterr().out == "shape 3\n"
    tf.autograph.set_verbosity(3, alsologtostdout=True)
    try:
        def g(x):
            return x
        tf.autograph.to_graph(g)
    finally:
        tf.autograph.set_verbosity(0)
    assert "Converted" in capsys.readouterr().out


def test_state_changes_in_converted_control_flow_run(eager):
    """`v.assign_add` in a tensor `if` or loop body runs although nothing reads it (TF's automatic control
    dependencies), nested ones too; a Python condition runs it as plain Python."""
    v = tf.Variable(0.0)

    @tf.function
    def loop(n):
        for i in tf.range(n):
            v.assign_add(1.0)
            if i % 2 > 0:
                v.assign_add(100.0)
        return tf.constant(0)

    @tf.function
    def branch(x):
        if x > 0:
            v.assign_add(1000.0)
        else:
            v.assign_sub(1000.0)
        return x

    loop(tf.constant(4))
    assert v.numpy() == 4.0 + 200.0
    branch(tf.constant(1))
    branch(tf.constant(1))
    branch(tf.constant(-1))
    assert v.numpy() == 204.0 + 1000.0


def test_a_dataset_loop_in_a_tf_function(eager):
    """`for x in dataset` in a traced function: a loop over the dataset's elements, started anew each call, with
    state changes, structures and `break`."""
    @tf.function
    def total(ds):
        s = tf.constant(0, tf.int64)
        for x in ds:
            s += x
        return s
    assert int(total(tf.data.Dataset.range(5))) == 10 and int(total(tf.data.Dataset.range(5))) == 10

    v = tf.Variable(0.0)
    pairs = tf.data.Dataset.from_tensor_slices((np.arange(4, dtype=np.float32), np.ones(4, np.float32))).batch(2)

    @tf.function
    def epoch():
        for a, b in pairs:
            v.assign_add(tf.reduce_sum(a * b))
        return v.read_value()
    assert float(epoch()) == 6.0 and float(epoch()) == 12.0

    @tf.function
    def first_above(ds, limit):
        found = tf.constant(-1, tf.int64)
        for x in ds:
            if x > limit:
                found = x
                break
        return found
    assert int(first_above(tf.data.Dataset.range(10), tf.constant(2, tf.int64))) == 3
    assert int(first_above(tf.data.Dataset.range(2), tf.constant(2, tf.int64))) == -1
