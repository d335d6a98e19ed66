"""tf.Print (the lecture's stderr logging, TensorFlow's value formatting) and numeric checks that stop a
run at the first NaN/Inf and roll back that run's variable updates."""
import re
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphgrad as tf
import graphgrad.train  # noqa: F401  (makes tf.train available)
from graphgrad.framework.op_def import OpDef
from graphgrad.ops.core import apply_op
from graphgrad.ops.logging_ops import (
    Print,
    add_check_numerics_ops,
    check_numerics,
    summarize_value,
    verify_tensor_all_finite,
)

errors = tf.errors


def _gd_step(loss, lr, var_list=None):
    """`GradientDescentOptimizer(lr).minimize(loss)`, or the same update written with tf.gradients."""
    opt = getattr(getattr(tf, "train", None), "GradientDescentOptimizer", None)
    if opt is not None:
        return opt(lr).minimize(loss, var_list=var_list)
    var_list = var_list or tf.trainable_variables()
    grads = tf.gradients(loss, var_list)
    return tf.group(*[tf.assign_sub(v, lr * g) for v, g in zip(var_list, grads)])


# --- the lecture -------------------------------------------------------------------------------------------

LECTURE_LINES = ["x, f:[1.5879565][2.521606]", "x, f:[1.2703652][1.6138278]", "x, f:[0.26641488][0.070976891]",
                 "x, f:[0.2131319][0.04542521]"]


def _lecture_graph():
    x = tf.get_variable("x", dtype=tf.float32, initializer=tf.constant(1.5879565))
    f = x * x
    f = Print(f, [x, f], "x, f:")
    step = _gd_step(f, 0.1)
    s = tf.InteractiveSession()
    s.run(tf.global_variables_initializer())
    return x, f, step, s


def test_lecture_print_example_fd_level(capfd):
    x, f, step, s = _lecture_graph()
    for _ in range(10):
        _, curr_f = s.run([step, f])
    out, err = capfd.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 10
    # The slide shows the first two and the last two lines.
    assert lines[:2] + lines[-2:] == LECTURE_LINES
    # Print runs before the step (creation order), so it shows x and f = x² from before the update.
    for line in lines:
        xv, fv = (np.float32(v) for v in re.fullmatch(r"x, f:\[(.*)\]\[(.*)\]", line).groups())
        assert abs(fv - xv * xv) <= 1e-6 * fv


def test_lecture_print_example_sys_level(capsys):
    _, f, step, s = _lecture_graph()
    s.run([step, f])
    s.run([step, f])
    assert capsys.readouterr().err == "\n".join(LECTURE_LINES[:2]) + "\n"


def test_print_returns_its_input_and_has_tf_names(capsys):
    a = tf.constant(np.arange(4, dtype=np.float32))
    p = Print(a, [a])
    assert p.op.type == "Print" and p.op.name == "Print" and p.dtype == tf.float32
    assert p.shape.as_list() == [4]
    named = Print(a, [], name="log")
    assert named.op.name == "log"
    s = tf.Session()
    np.testing.assert_array_equal(s.run(p), np.arange(4, dtype=np.float32))
    assert capsys.readouterr().err == "[0 1 2...]\n"
    s.run(named)
    assert capsys.readouterr().err == "\n"


def test_print_of_a_variable_does_not_leak_its_buffer():
    v = tf.Variable(np.zeros(3, np.float32))
    p = Print(v, [], "v")
    s = tf.Session()
    s.run(v.initializer)
    out = s.run(p)
    out += 1
    np.testing.assert_array_equal(s.run(v), np.zeros(3, np.float32))


def test_first_n_and_summarize(capsys):
    a = tf.constant(np.arange(10, dtype=np.int32).reshape(2, 5))
    p = Print(a, [a, tf.constant(2.5)], "m=", first_n=2, summarize=7)
    s = tf.Session()
    for _ in range(4):
        s.run(p)
    assert capsys.readouterr().err == "m=[[0 1 2 3 4][5 6...]...][2.5]\n" * 2
    # first_n counts per session.
    s2 = tf.Session()
    s2.run(p)
    s2.run(p)
    s2.run(p)
    assert capsys.readouterr().err.count("\n") == 2
    always = Print(a, [a], summarize=-1, first_n=-1)
    for _ in range(3):
        s.run(always)
    assert capsys.readouterr().err == "[[0 1 2 3 4][5 6 7 8 9]]\n" * 3


def test_print_gradient_flows_to_input_only():
    x = tf.constant(3.0)
    y = tf.constant(4.0)
    f = Print(x * x, [y, x])
    gx, gy = tf.gradients(f * y, [x, y])
    assert gy is not None  # through the product, not through Print's data
    gx_only, gy_only = tf.gradients(f, [x, y])
    assert gy_only is None
    s = tf.Session()
    assert s.run(gx_only) == 6.0
    assert s.run([gx, gy]) == [24.0, 9.0]


# --- TensorFlow's value formatting --------------------------------------------------------------------------

@pytest.mark.parametrize("value, summarize, text", [
    (np.float32(2.5), 3, "2.5"),
    (np.float32(1.5879565), 3, "1.5879565"),
    (np.float32(0.1), 3, "0.1"),
    (np.float32(1e-7), 3, "1e-07"),
    (np.float32(123456789.0), 3, "1.2345679e+08"),
    (np.float64(0.1), 3, "0.1"),
    (np.float64(1 / 3), 3, "0.33333333333333331"),
    (np.float16(0.1), 3, "0.099975586"),
    (np.array([np.nan, np.inf, -np.inf], np.float32), 3, "nan inf -inf"),
    (np.int64(-7), 3, "-7"),
    (np.array([True, False]), 3, "1 0"),
    (np.arange(3, dtype=np.float32), 3, "0 1 2"),
    (np.arange(5, dtype=np.int32), 3, "0 1 2..."),
    (np.array([[1, 2], [3, 4]], np.int32), 4, "[1 2][3 4]"),
    (np.array([[1, 2], [3, 4]], np.int32), 3, "[1 2][3...]..."),
    (np.arange(6).reshape(2, 3), 3, "[0 1 2]..."),
    (np.arange(24).reshape(2, 3, 4), 3, "[[0 1 2...]]..."),
    (np.arange(8).reshape(2, 2, 2), 100, "[[0 1][2 3]][[4 5][6 7]]"),
    (np.zeros((0,), np.float32), 3, ""),
    (np.zeros((2, 0), np.float32), 3, ""),
    (np.array([b"ab", b"c"], dtype=object), 3, "ab c"),
])
def test_summarize_value_matches_tensorflow(value, summarize, text):
    assert summarize_value(value, summarize) == text


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
                  elements=st.floats(-1e6, 1e6, width=32, allow_subnormal=False)),
       st.integers(-1, 30))
def test_summarize_value_shows_the_first_elements(arr, summarize):
    text = summarize_value(arr, summarize)
    n = arr.size if summarize < 0 else min(summarize, arr.size)
    numbers = re.findall(r"[-+0-9.e]+(?<!\.\.\.)", text.replace("...", " "))
    assert len(numbers) == n
    np.testing.assert_allclose(np.array(numbers, np.float64), arr.reshape(-1)[:n].astype(np.float64),
                               rtol=1e-7, atol=0)
    assert text.endswith("...") == (n < arr.size)
    assert text.count("[") == text.count("]")
    if 0 < n == arr.size and arr.ndim:
        # Not truncated: the brackets spell out the full nesting, like np.array2string.
        assert text.count("[") == sum(int(np.prod(arr.shape[:k])) for k in range(1, arr.ndim))


# --- check_numerics ---------------------------------------------------------------------------------------

def test_check_numerics_passes_finite_values_through():
    p = tf.placeholder(tf.float32, (None,))
    c = check_numerics(p, "checked")
    assert c.op.type == "CheckNumerics" and c.op.name == "CheckNumerics"
    s = tf.Session()
    np.testing.assert_array_equal(s.run(c, {p: [1.0, -2.0]}), [1.0, -2.0])
    np.testing.assert_array_equal(s.run(c, {p: np.zeros(0)}), np.zeros(0))


@pytest.mark.parametrize("values, what", [([1.0, np.nan], "NaN"), ([np.inf, 1.0], "Inf"),
                                          ([-np.inf, np.nan], "Inf and NaN")])
def test_check_numerics_raises_with_tf_message(values, what):
    p = tf.placeholder(tf.float64, (None,))
    c = check_numerics(p * 1.0, "my check")
    s = tf.Session()
    with pytest.raises(errors.InvalidArgumentError, match=f"my check : Tensor had {what} values") as info:
        s.run(c, {p: values})
    assert info.value.op is c.op


def test_check_numerics_requires_floats():
    with pytest.raises(TypeError):
        check_numerics(tf.constant(1), "int")


def test_check_numerics_gradient_passes_through_and_checks_the_gradient():
    x = tf.placeholder(tf.float32, ())
    y = check_numerics(x * x, "forward")
    (g,) = tf.gradients(y, [x])
    s = tf.Session()
    assert s.run(g, {x: 3.0}) == 6.0
    big = tf.placeholder(tf.float32, ())
    (g2,) = tf.gradients(check_numerics(x, "fwd") * big, [x])
    with pytest.raises(errors.InvalidArgumentError, match="detected in gradient. fwd : Tensor had Inf"):
        s.run(g2, {x: 1.0, big: np.inf})


def test_verify_tensor_all_finite():
    p = tf.placeholder(tf.float32, (2,))
    v = verify_tensor_all_finite(p, "must be finite")
    assert v.op.name.startswith("VerifyFinite/")
    s = tf.Session()
    np.testing.assert_array_equal(s.run(v, {p: [1, 2]}), [1, 2])
    with pytest.raises(errors.InvalidArgumentError, match="must be finite : Tensor had NaN values"):
        s.run(v, {p: [1, np.nan]})


# --- add_check_numerics_ops ---------------------------------------------------------------------------------

class _SqrtForTest(OpDef):
    """sqrt without a gradient, so a fed -1 makes NaN inside the forward pass from a finite input."""

    type = "TestOnlySqrtForNumerics"

    def infer(op):
        return [(op.inputs[0].shape.dims_tuple, op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        return ctx.xp.sqrt

    def gradient(op, dy):
        return [tf.multiply(dy, apply_op(_HalfRsqrtForTest, [op.inputs[0]], None, "half_rsqrt"))]


class _HalfRsqrtForTest(_SqrtForTest):
    type = "TestOnlyHalfRsqrtForNumerics"

    def kernel(op, ctx):
        return lambda x: 0.5 / ctx.xp.sqrt(x)

    gradient = None


def _sqrt(x, name):
    return apply_op(_SqrtForTest, [tf.convert_to_tensor(x)], None, name)


def _regression_graph():
    """`factor` = sqrt(scale): feeding scale = -1 makes NaN in the forward pass, from finite inputs."""
    features = tf.placeholder(tf.float32, (None, 2), name="features")
    scale = tf.placeholder(tf.float32, (), name="scale")
    w = tf.Variable(np.array([[0.0], [1.0]], np.float32), name="w")
    b = tf.Variable(np.float32(0.5), name="b")
    scaled = tf.multiply(features, _sqrt(scale, "factor"), name="scaled")
    pred = tf.matmul(scaled, w, name="pred")
    err = tf.subtract(pred, b, name="err")
    loss = tf.matmul(err, err, transpose_a=True, name="loss")
    return features, scale, w, b, loss


def _plan_for(s, op):
    return next(p for p, _ in s._plans.values() if op in p.ops)


FEED = np.array([[1.0, 2.0]], np.float32)


@pytest.mark.parametrize("check_first", [False, True], ids=["check-after-train-op", "check-before-train-op"])
def test_add_check_numerics_ops_stops_the_run_and_changes_no_variable(check_first):
    features, scale, w, b, loss = _regression_graph()
    if check_first:
        check_op = add_check_numerics_ops()
        train_op = _gd_step(loss, 0.01)
    else:
        train_op = _gd_step(loss, 0.01)
        check_op = add_check_numerics_ops()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run([train_op, check_op], {features: FEED, scale: 1.0})
    before = s.run([w, b])
    with pytest.raises(errors.InvalidArgumentError, match=r"^factor:0 : Tensor had NaN values"):
        s.run([train_op, check_op], {features: FEED, scale: -1.0})
    after = s.run([w, b])
    for x, y in zip(before, after):
        np.testing.assert_array_equal(x, y)

    # Reads before writes: wherever the checks were created, they read no update of this run, so they run
    # before the first in-place update, and the run stops before any variable is touched (no snapshot needed).
    plan = _plan_for(s, check_op)
    first_update = next(i for i, op in enumerate(plan.ops) if op.op_def.mutates)
    scaled_check = next(i for i, op in enumerate(plan.ops) if op.type == "CheckNumerics"
                        and op.inputs[0].op.name == "factor")
    assert scaled_check < first_update
    assert not plan.needs_snapshot
    # The session still works and trains normally afterwards.
    s.run([train_op, check_op], {features: FEED, scale: 1.0})
    assert not np.array_equal(s.run(w), before[0])


def test_add_check_numerics_ops_covers_float_tensors_only_and_applies_no_update():
    features, scale, w, b, loss = _regression_graph()
    steps = tf.Variable(np.int32(0), name="steps", trainable=False)
    count = tf.assign_add(steps, 1)
    train_op = tf.group(_gd_step(loss, 0.01), count)
    doubled = tf.identity(loss) * 2.0  # reads the loss, writes nothing: checked
    with tf.control_dependencies([train_op]):
        tf.identity(loss, name="loss_after_step")
    check_op = add_check_numerics_ops()
    checked = {op.inputs[0].op.name for op in tf.get_default_graph().get_operations() if op.type == "CheckNumerics"}
    assert {"features", "scale", "factor", "scaled", "pred", "err", "loss", doubled.op.name} <= checked
    assert not checked & {"w", "b", "steps", "w/read", "b/read", "loss_after_step"}
    assert not any(name.startswith(("w/", "b/", "steps/")) for name in checked)  # initial values are not re-run
    assert all(op.type != "Assign" for op in tf.get_default_graph().get_operations()
               if op.name in checked)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    before = s.run([w, b, steps])
    s.run(check_op, {features: FEED, scale: 1.0})  # checking alone never trains
    for x, y in zip(before, s.run([w, b, steps])):
        np.testing.assert_array_equal(x, y)


def test_add_check_numerics_ops_reports_inf_gradients():
    x = tf.Variable(np.float32(0.0), name="x")
    f = _sqrt(x, "f")  # sqrt(0) = 0 is fine, its gradient 0.5 / sqrt(0) is not
    train_op = _gd_step(f, 0.1)
    check_op = add_check_numerics_ops()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    with pytest.raises(errors.InvalidArgumentError, match="^gradients/f_grad/half_rsqrt:0 : Tensor had Inf values"):
        s.run([train_op, check_op])
    assert s.run(x) == 0.0


def test_add_check_numerics_ops_on_an_empty_graph_is_a_no_op():
    op = add_check_numerics_ops()
    assert op.type == "NoOp"
    tf.Session().run(op)


def test_stderr_is_looked_up_at_call_time(monkeypatch):
    import io

    a = tf.constant(1.0)
    p = Print(a, [a], "v=")
    s = tf.Session()
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buf)
    s.run(p)
    assert buf.getvalue() == "v=[1]\n"


def test_rollback_covers_optimizer_slots_and_global_step():
    train = getattr(tf, "train", None)
    if getattr(train, "AdamOptimizer", None) is None or getattr(train, "get_or_create_global_step", None) is None:
        pytest.skip("tf.train optimizers are not available")
    features, scale, w, b, loss = _regression_graph()
    gs = train.get_or_create_global_step()
    train_op = train.AdamOptimizer(0.1).minimize(loss, global_step=gs)
    with tf.control_dependencies([train_op]):  # a check that reads the step's result: it fails after the writes
        check_op = tf.check_numerics(tf.sqrt(scale) + w[0, 0], "after the step")
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run([train_op, check_op], {features: FEED, scale: 1.0})
    variables = tf.global_variables()
    assert len(variables) >= 7  # w, b, their Adam slots, beta powers, global_step
    before = s.run(variables)
    with pytest.raises(errors.InvalidArgumentError, match="after the step : Tensor had NaN values"):
        s.run([train_op, check_op], {features: FEED, scale: -1.0})
    for v, x, y in zip(variables, before, s.run(variables)):
        np.testing.assert_array_equal(x, y, err_msg=v.name)
    assert _plan_for(s, check_op.op).needs_snapshot
