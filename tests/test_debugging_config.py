"""tf.debugging's switches, tf.config's device functions, tf.test's gradient checker and Benchmark, tf.dtypes'
types without arrays (graphgrad/debugging.py, config.py, test.py, framework/dtypes.py). TensorFlow's recordings
of the graph-mode side are debugging_checks, errors_and_dtypes and test_compute_gradient in
tools/record_tf1_reference.py."""
import os
import subprocess
import sys

import numpy as np
import pytest

import graphgrad as tf
from graphgrad import config
from graphgrad.eager import eager_mode


@pytest.fixture
def check_numerics():
    tf.debugging.enable_check_numerics()
    yield
    tf.debugging.disable_check_numerics()


def test_enable_check_numerics_names_the_op_that_made_the_nan(check_numerics):
    x = tf.placeholder(tf.float32, (2,), name="x")
    y = tf.log(x) * 2.0
    tf.debugging.disable_check_numerics()
    unchecked = tf.log(x)
    with tf.Session() as s:
        assert s.run(y, {x: [1.0, 1.0]}).tolist() == [0.0, 0.0]
        with pytest.raises(tf.errors.InvalidArgumentError, match="output 0 of op Log : Tensor had Inf values"):
            s.run(y, {x: [1.0, 0.0]})
        assert np.isinf(s.run(unchecked, {x: [0.0, 1.0]})[0])
    tf.debugging.enable_check_numerics()
    with eager_mode():
        with pytest.raises(tf.errors.InvalidArgumentError, match="op Sqrt : Tensor had NaN values"):
            tf.sqrt(tf.constant([-1.0]))


def test_check_numerics_keeps_gradients_and_variables_working(check_numerics):
    w = tf.Variable([1.0, 2.0])
    loss = tf.reduce_sum(w * w)
    step = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(step)
        assert s.run(w).tolist() == [0.5, 1.0]


def test_log_device_placement_and_soft_placement_are_process_defaults(capsys, monkeypatch):
    monkeypatch.setattr(config, "_log_device_placement", False)
    monkeypatch.setattr(config, "_soft_device_placement", True)
    tf.debugging.set_log_device_placement(True)
    assert tf.debugging.get_log_device_placement()
    with tf.Session() as s:
        s.run(tf.constant(1.0) + 1.0)
    assert "add: (AddV2): /job:localhost/replica:0/task:0/device:" in capsys.readouterr().err
    tf.config.set_soft_device_placement(False)
    assert not tf.config.get_soft_device_placement()
    with tf.device("/gpu:0"):
        y = tf.constant(2.0) * 3.0
    if not tf.test.is_gpu_available() and os.environ.get("GRAPHGRAD_DEVICE") != "fakegpu":
        with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError):
            s.run(y)
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as s:  # the config still wins
            assert s.run(y) == 6.0


def test_visible_devices(monkeypatch):
    monkeypatch.setattr(config, "_visible", None)
    cpu = tf.config.list_physical_devices("CPU")
    assert tf.config.list_logical_devices("CPU") == [tf.config.LogicalDevice("/device:CPU:0", "CPU")]
    tf.config.set_visible_devices(cpu)
    assert tf.config.get_visible_devices() == cpu and config.gpu_hidden()
    with pytest.raises(ValueError, match="CPU cannot be hidden"):
        tf.config.set_visible_devices([], "CPU")
    assert tf.config.get_logical_device_configuration(cpu[0]) is None
    with pytest.raises(ValueError, match="several logical devices"):
        tf.config.set_logical_device_configuration(cpu[0], [tf.config.LogicalDeviceConfiguration()] * 2)


def test_run_functions_eagerly():
    calls = []

    @tf.function
    def f(x):
        calls.append(tf.executing_eagerly())
        return x * 2.0

    with eager_mode():
        f(tf.constant(1.0))
        tf.config.run_functions_eagerly(True)
        try:
            assert tf.config.functions_run_eagerly()
            assert float(f(tf.constant(2.0))) == 4.0
        finally:
            tf.config.run_functions_eagerly(False)
    assert calls == [False, True]


def test_compute_gradient_of_several_inputs_and_its_error():
    a = tf.placeholder(tf.float64, (2,))
    b = tf.placeholder(tf.float64, (2,))
    y = a * b
    with tf.Session():
        (ta, na), (tb, nb) = tf.test.compute_gradient([a, b], [(2,), (2,)], y, (2,),
                                                      x_init_value=[np.array([1.0, 2.0]), np.array([3.0, 4.0])])
        err = tf.test.compute_gradient_error(a, (2,), tf.sin(a), (2,))
    np.testing.assert_allclose(ta, np.diag([3.0, 4.0]))
    np.testing.assert_allclose(nb, np.diag([1.0, 2.0]), atol=1e-9)
    assert err < 1e-6
    with pytest.raises(ValueError, match="default session"):
        tf.test.compute_gradient(a, (2,), y, (2,))


def test_benchmark_and_temp_dir():
    bench = tf.test.Benchmark()
    with tf.Session() as s:
        entry = bench.run_op_benchmark(s, tf.constant(1.0) + 1.0, min_iters=3, name="add")
    assert entry["name"] == "add" and entry["iters"] == 3 and entry["wall_time"] > 0
    assert bench.reported == [entry]
    assert os.path.isdir(tf.test.get_temp_dir()) and tf.test.get_temp_dir() == tf.test.get_temp_dir()


def test_the_temp_dir_goes_when_the_process_exits(tmp_path):
    code = ("import os, graphgrad as tf; d = tf.test.get_temp_dir(); "
            "open(os.path.join(d, 'ckpt'), 'w').write('x'); os.mkdir(os.path.join(d, 'sub')); print(d)")
    env = dict(os.environ, TEST_TMPDIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    made = out.stdout.strip()
    assert os.path.dirname(made) == str(tmp_path) and not os.path.exists(made)


def test_types_without_arrays_say_why():
    assert tf.as_dtype("bfloat16") is tf.bfloat16 and tf.bfloat16.is_floating and tf.bfloat16.size == 2
    assert tf.qint8 in tf.dtypes.QUANTIZED_DTYPES and tf.qint8.is_quantized and not tf.float32.is_quantized
    assert tf.bfloat16 != tf.float32 and tf.float32 != tf.bfloat16
    assert str(tf.qint8._as_ref()) == "<dtype: 'qint8_ref'>"
    with pytest.raises(TypeError, match="cannot compute in bfloat16: NumPy has no such type"):
        tf.constant(1.0, tf.bfloat16)
    with pytest.raises(TypeError, match="cannot compute in qint8: a quantized type"):
        tf.cast(tf.constant([1.0]), tf.qint8)


def test_error_codes_round_trip():
    for code in range(1, 17):
        cls = tf.errors.exception_type_from_error_code(code)
        assert tf.errors.error_code_from_exception_type(cls) == code and issubclass(cls, tf.OpError)
    with tf.errors.raise_exception_on_not_ok_status() as status:
        assert status is None
