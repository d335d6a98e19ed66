"""TF 2's behaviour switches and `graphgrad.compat` (graphgrad/compat/): what migrated TF1 programs call first.

tests/test_tf1_conformance.py replays what TensorFlow recorded for the graph-mode side (compat_v2_switches,
compat_helpers); here the eager side, the imports and a whole program."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.compat import v2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_migrated_tf1_program_runs_from_its_first_two_lines():
    program = textwrap.dedent("""
        import numpy as np
        import graphgrad.compat.v1 as tf
        tf.disable_v2_behavior()
        from graphgrad.compat import v1
        assert v1 is tf and not tf.executing_eagerly()

        x = tf.placeholder(tf.float32, [None, 1], name="x")
        w = tf.get_variable("w", [1, 1], initializer=tf.zeros_initializer())
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 3.0 * x))
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for _ in range(200):
                s.run(step, {x: np.linspace(-1, 1, 8, dtype=np.float32)[:, None]})
            print(round(float(s.run(w)[0, 0]), 4), s.run(loss, {x: [[1.0]]}) < 1e-6)
    """)
    env = {k: v for k, v in os.environ.items() if k != "GRAPHGRAD_DEVICE"}  # fakegpu is the suite's, not a device
    env["PYTHONPATH"] = ROOT
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["3.0", "True"]


def test_v2_behavior_switches_eager_execution_and_tensor_equality_on_and_off():
    g = tf.get_default_graph()
    try:
        tf.enable_v2_behavior()
        assert tf.executing_eagerly() and tf.executing_eagerly_outside_functions()
        assert tf.resource_variables_enabled() and not tf.control_flow_v2_enabled()
        a, b = tf.constant([1.0, 2.0]), tf.constant([1.0, 3.0])
        np.testing.assert_array_equal((a == b).numpy(), [True, False])
        np.testing.assert_array_equal((a != b).numpy(), [False, True])
        assert (a == None) is False and (a != None) is True  # noqa: E711  (TF 2's rule for None)
        assert (a == tf.constant([1.0, 2.0, 3.0])).numpy() == np.False_  # shapes that do not broadcast
        assert (a == "text") is False
        with pytest.raises(TypeError, match=r"Tensor is unhashable. Instead, use tensor.ref\(\) as the key."):
            hash(a)
        assert {a.ref(): 1}[a.ref()] == 1 and a.ref().deref() is a

        w = tf.Variable([1.0, 2.0])
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * a)
        np.testing.assert_array_equal(tape.gradient(loss, w).numpy(), [1.0, 2.0])

        @tf.function
        def f(x):
            assert tf.executing_eagerly_outside_functions() and not tf.executing_eagerly()
            return (x == x) is True  # traced tensors keep identity: graphgrad keys its bookkeeping on them

        assert f(a) is True
        with tf.Graph().as_default():
            assert not tf.executing_eagerly_outside_functions()
    finally:
        tf.disable_v2_behavior()
    assert not tf.executing_eagerly() and tf.get_default_graph() is g
    assert (a == a) is True and hash(a) == id(a)


def test_disable_eager_execution_goes_back_to_the_graph_of_before():
    g = tf.get_default_graph()
    tf.enable_eager_execution()
    assert tf.executing_eagerly()
    tf.disable_eager_execution()
    assert not tf.executing_eagerly() and tf.get_default_graph() is g
    tf.disable_eager_execution()  # in graph mode already: nothing changes
    assert tf.get_default_graph() is g


def test_switches_without_a_second_behaviour_say_so(caplog):
    tf.enable_v2_tensorshape()
    assert "Dimension" in caplog.text
    x = tf.placeholder(tf.float32, (None, 3))
    assert isinstance(x.shape[1], tf.Dimension) and tf.compat.dimension_value(x.shape[1]) == 3
    tf.disable_v2_tensorshape()
    tf.enable_resource_variables()
    assert not tf.resource_variables_enabled()
    assert repr(tf.Variable(1.0, name="v")) == "<tf.Variable 'v:0' shape=() dtype=float32_ref>"
    tf.enable_control_flow_v2()
    assert not tf.control_flow_v2_enabled()


def test_compat_v2_has_tf2_names_graphgrad_has_and_says_why_not_otherwise():
    assert v2.GradientTape is tf.GradientTape and v2.function is tf.function and v2.keras is tf.keras
    assert "GradientTape" in dir(v2) and "placeholder" not in dir(v2)
    with pytest.raises(AttributeError, match="TF 1 only"):
        _ = v2.placeholder
    with pytest.raises(AttributeError, match="TensorFlow 2 has it, graphgrad does not"):
        _ = v2.lite
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'$"):
        _ = v2.no_such_name
    import graphgrad.compat.v2 as tf2

    assert tf2 is v2


def test_forward_compatibility_environment_variable(monkeypatch):
    monkeypatch.setenv("TF_FORWARD_COMPATIBILITY_DELTA_DAYS", "3650")
    assert tf.compat.forward_compatible(2030, 1, 1)
    monkeypatch.setenv("TF_FORWARD_COMPATIBILITY_DELTA_DAYS", "-3650")  # before the horizon: ignored
    assert tf.compat.forward_compatible(2026, 1, 15) and not tf.compat.forward_compatible(2026, 1, 16)
