"""TF1's framework-level names (graphgrad/custom_gradient.py, framework_api.py, template.py, ops/framework_ops.py,
eager/py_function.py, tf.print): what tests/test_tf1_conformance.py's recorded framework_* programs do not cover,
the eager side above all."""
import sys

import autograd.numpy as anp
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad.eager import eager_mode


@tf.custom_gradient
def _clip_gradient(x):
    return tf.identity(x), lambda dy: tf.clip_by_value(dy, -0.1, 0.1)


@tf.custom_gradient
def _log1pexp(x):
    """TF's documented example: a numerically stable gradient for log(1 + e^x)."""
    e = tf.exp(x)
    return tf.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))


def test_custom_gradient_eagerly_matches_graph_mode():
    x0 = np.array([-2.0, 0.5, 100.0], np.float32)
    x = tf.constant(x0)
    g_graph = tf.gradients(tf.reduce_sum(_log1pexp(x) * 3.0 + _clip_gradient(x) * 5.0), x)[0]
    with tf.Session() as s:
        want = s.run(g_graph)
    np.testing.assert_allclose(want, 3.0 * (1 - 1 / (1 + np.exp(x0.astype(np.float64)))) + 0.1, rtol=1e-6)
    with eager_mode():
        x = tf.constant(x0)
        for _ in range(3):  # again and again: the record is never replayed from a cache
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.reduce_sum(_log1pexp(x) * 3.0 + _clip_gradient(x) * 5.0)
            np.testing.assert_allclose(tape.gradient(y, x).numpy(), want, rtol=1e-6)


def test_custom_gradient_with_variables_eagerly():
    with eager_mode():
        w = tf.Variable(3.0)

        @tf.custom_gradient
        def scale(x):
            def grad(dy, variables=None):
                assert variables == [w]
                return dy * 10.0, [tf.reduce_sum(dy * x) * 100.0]
            return x * w, grad

        @tf.custom_gradient
        def forgets_variables(x):
            return x * w, lambda dy: dy

        x = tf.constant([1.0, 2.0])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(scale(x))
        gx, gw = tape.gradient(y, [x, w])
        np.testing.assert_allclose(gx.numpy(), [10.0, 10.0])
        assert float(gw) == 300.0
        with pytest.raises(TypeError, match="must accept keyword argument 'variables'"):
            forgets_variables(x)
        assert float(tf.reduce_sum(scale(x))) == 9.0  # no tape: just the forward value


def test_custom_gradient_checks_the_number_of_gradients():
    @tf.custom_gradient
    def two_args(a, b):
        return a * b, lambda dy: dy  # one gradient for two arguments

    a, b = tf.constant(1.0), tf.constant(2.0)
    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 1"):
        tf.gradients(two_args(a, b), [a, b])


def test_recompute_grad_gives_the_plain_gradient_of_a_block(rng=np.random.default_rng(0)):
    w0 = rng.normal(size=(3, 3))
    x0 = rng.normal(size=(2, 3))

    def block(h):
        return tf.tanh(tf.matmul(h, tf.constant(w0)))

    check_gradients(lambda x: tf.reduce_sum(tf.recompute_grad(block)(x) ** 2), [x0],
                    reference=lambda x: anp.sum(anp.tanh(x @ w0) ** 2))


def test_py_function_passes_eager_tensors_and_runs_tf_ops_on_them():
    x = tf.placeholder(tf.float32, (3,), name="x")
    seen = []

    def f(a, k):
        seen.append((type(a).__name__, a.numpy().tolist(), int(k)))
        return tf.reduce_sum(a) * tf.cast(k, tf.float32), a.numpy()[::-1]

    total, rev = tf.py_function(f, [x, 2], [tf.float32, tf.float32])
    assert total.op.type == "EagerPyFunc" and total.name == "EagerPyFunc:0"
    single = tf.py_function(lambda a: a + 1, [x], tf.float32)
    with tf.Session() as s:
        out = s.run([total, rev, single], {x: [1, 2, 3]})
    assert seen == [("EagerTensor", [1.0, 2.0, 3.0], 2)] and not tf.executing_eagerly()
    assert out[0] == 12.0 and out[1].tolist() == [3, 2, 1] and out[2].tolist() == [2, 3, 4]
    with eager_mode():
        assert float(tf.py_function(lambda a: a * 3, [tf.constant(2.0)], tf.float32)) == 6.0


def test_print_eagerly_and_to_streams(capsys, tmp_path):
    with eager_mode():
        assert tf.print("eager", tf.constant([1.5, 2.0]), {"n": tf.constant(3)}, sep=", ", end=".\n",
                        output_stream=sys.stdout) is None
    assert capsys.readouterr().out == "eager, [1.5 2], {'n': 3}.\n"
    path = tmp_path / "log.txt"
    p = tf.print(tf.constant([b"a\tb", b'q"']), output_stream=f"file://{path}")
    with tf.Session() as s:
        s.run(p)
        s.run(p)
    assert path.read_text() == '["a\\tb" "q\\""]\n' * 2


def test_vectorized_map_learns_the_results_structure_from_row_0():
    v = tf.vectorized_map(lambda r: (tf.reduce_sum(r), tf.cast(r > 1.5, tf.int32)), tf.constant([[1., 2.], [3., 4.]]))
    with tf.Session() as s:
        total, flags = s.run(v)
        assert total.tolist() == [3.0, 7.0] and flags.tolist() == [[0, 1], [1, 1]]


def test_register_tensor_conversion_function():
    class Meters:
        def __init__(self, v):
            self.v = v

    def convert(value, dtype=None, name=None, as_ref=False):
        return tf.constant(value.v, dtype=dtype or tf.float32, name=name)

    tf.register_tensor_conversion_function(Meters, convert)
    y = tf.add(Meters(2.0), 1.0)
    with tf.Session() as s:
        assert s.run(y) == 3.0
    with pytest.raises(TypeError, match="Python numeric types"):
        tf.register_tensor_conversion_function(float, convert)


def test_is_tensor_and_timestamp_and_ensure_shape_gradient():
    x = tf.placeholder(tf.float32, (None, 2))
    assert tf.is_tensor(x) and tf.is_tensor(tf.Variable(1.0)) and not tf.is_tensor(np.ones(2))
    g = tf.gradients(tf.reduce_sum(tf.ensure_shape(x, (3, 2)) * 2.0), x)[0]
    t = tf.timestamp()
    with tf.Session() as s:
        assert s.run(g, {x: np.ones((3, 2))}).tolist() == [[2.0, 2.0]] * 3
        t1, t2 = s.run(t), s.run(t)
    assert t2 >= t1 > 1.5e9


def test_device_spec_parses_merges_and_refuses():
    d = tf.DeviceSpec.from_string("/job:worker/replica:1/task:2/gpu:3")
    assert (d.job, d.replica, d.task, d.device_type, d.device_index) == ("worker", 1, 2, "GPU", 3)
    d.merge_from(tf.DeviceSpec(device_type="CPU", device_index=0))
    assert d.to_string() == "/job:worker/replica:1/task:2/device:CPU:0"
    assert tf.DeviceSpec.from_string("/device:GPU:*").to_string() == "/device:GPU:*"
    with pytest.raises(ValueError, match="Unknown attribute"):
        tf.DeviceSpec.from_string("/nonsense:1")


def test_make_tensor_proto_round_trips_through_make_ndarray():
    for value in (np.arange(6, dtype=np.int64).reshape(2, 3), np.array([1.5, -2.0], np.float16), [b"x", b"yz"]):
        back = tf.make_ndarray(tf.make_tensor_proto(value))
        np.testing.assert_array_equal(back, np.asarray(value, dtype=object if isinstance(value, list) else None))
    filled = tf.make_ndarray(tf.make_tensor_proto(2.5, shape=[2, 2]))
    assert filled.tolist() == [[2.5, 2.5], [2.5, 2.5]] and filled.dtype == np.float32
    with pytest.raises(TypeError, match="Expected Tensor's shape"):
        tf.make_tensor_proto([1, 2, 3], shape=[2], verify_shape=True)


def test_template_shares_variables_in_eager_free_graph_code():
    dense = tf.make_template("dense", lambda x: tf.layers.dense(x, 2, name="d"))
    x = tf.placeholder(tf.float32, (None, 3))
    dense(x)
    dense(x)
    assert [v.name for v in tf.global_variables()] == ["dense/d/kernel:0", "dense/d/bias:0"]
    assert [v.name for v in dense.trainable_variables] == ["dense/d/kernel:0", "dense/d/bias:0"]
