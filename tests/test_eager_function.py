"""tf.function's call path: which calls share a trace (dtype and shape of tensors, Python values, arguments bound
to the parameters), nested arguments and results, input_signature, and the captured variables' buffers shared
with eager code (replaced buffers, rollback, several traces), checked against eager and graph mode."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode


@pytest.fixture
def eager():
    with eager_mode():
        yield


def test_a_trace_per_dtype_and_shape_and_none_for_new_values(eager):
    @tf.function
    def double(x):
        return x * 2

    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert double(a).numpy().tolist() == (a * 2).tolist()
    assert double(tf.constant(a + 1)).numpy().tolist() == ((a + 1) * 2).tolist()  # same dtype and shape
    assert double.trace_count == 1
    assert double(a.astype(np.float64)).dtype == tf.float64 and double.trace_count == 2
    assert double(a.T).shape == (3, 2) and double.trace_count == 3
    assert double(a.astype(np.int32)).numpy().tolist() == (a * 2).astype(np.int32).tolist()
    assert double.trace_count == 4
    double(a + 5)
    assert double.trace_count == 4


def test_arguments_bound_to_the_parameters_share_a_trace(eager, capsys):
    @tf.function
    def scaled(x, scale=1.0, shift=0.0):
        print("tracing")
        return x * scale + shift

    x = tf.constant([1.0, 2.0])
    results = [scaled(x), scaled(x, 1.0), scaled(x, scale=1.0), scaled(x=x), scaled(shift=0.0, x=x, scale=1.0)]
    assert scaled.trace_count == 1 and capsys.readouterr().out.count("tracing") == 1
    assert all(r.numpy().tolist() == [1.0, 2.0] for r in results)
    assert scaled(x, shift=3.0).numpy().tolist() == [4.0, 5.0] and scaled.trace_count == 2
    y = tf.constant([5.0, 7.0])  # keywords, another value: the trace's feeds come from the bound arguments
    assert scaled(shift=3.0, x=y).numpy().tolist() == [8.0, 10.0] and scaled.trace_count == 2
    with pytest.raises(TypeError, match="unexpected keyword argument 'bias'"):
        scaled(x, bias=1.0)


def test_keywords_bound_in_another_order(eager):
    @tf.function
    def f(b, a):
        return a - b

    same = tf.constant(1.0)
    assert float(f(a=same, b=same)) == 0.0  # the first call of this key passes one tensor twice
    assert float(f(a=tf.constant(5.0), b=tf.constant(2.0))) == 3.0 and f.trace_count == 1


def test_a_tensor_default_is_fed(eager):
    @tf.function
    def add(x, y=np.ones(2, np.float32)):
        return x + y

    assert add(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 3.0]
    assert add(tf.constant([1.0, 2.0]), np.full(2, 3.0, np.float32)).numpy().tolist() == [4.0, 5.0]
    assert add.trace_count == 1


Pair = collections.namedtuple("Pair", "a b")


def test_nested_arguments_and_results(eager):
    @tf.function
    def f(d, pair, xs):
        return {"sum": d["u"] + d["v"], "pair": Pair(pair.b, pair.a), "list": [x * 2.0 for x in xs], "none": None,
                "n": len(xs)}

    def call(k):
        d = {"v": tf.constant([2.0 * k]), "u": np.array([1.0], np.float32)}
        return f(d, Pair(tf.constant(k), tf.constant(3)), [tf.constant([1.0, k])])

    for k in (1.0, 4.0):
        out = call(k)
        assert out["sum"].numpy().tolist() == [1.0 + 2.0 * k]
        assert isinstance(out["pair"], Pair) and out["pair"].a.numpy() == 3 and float(out["pair"].b) == k
        assert out["list"][0].numpy().tolist() == [2.0, 2.0 * k] and out["none"] is None and out["n"] == 1
    assert f.trace_count == 1
    f({"v": tf.constant([1.0]), "u": np.array([1.0], np.float32)}, Pair(tf.constant(1.0), tf.constant(3)),
      [tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])])  # a longer list: another structure
    assert f.trace_count == 2


def test_input_signature_traces_once_and_checks_the_arguments(eager):
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        assert x.shape.as_list() == [None, 2]  # traced for the signature, not for the first argument
        return tf.reduce_sum(x, axis=1)

    assert f(np.ones((3, 2), np.float32)).numpy().tolist() == [2.0] * 3
    assert f(tf.constant(np.ones((5, 2), np.float32))).numpy().tolist() == [2.0] * 5
    assert f(np.ones((1, 2), np.float64)).dtype == tf.float32  # NumPy values are converted, as TF does
    assert f([[1.0, 2.0]]).numpy().tolist() == [3.0]
    assert f.trace_count == 1
    with pytest.raises(TypeError, match=r"Binding inputs to tf.function failed due to `Can not cast "
                                        r"TensorSpec\(shape=\(3, 3\), dtype=tf.float32, name=None\) to "
                                        r"TensorSpec\(shape=\(\?, 2\), dtype=tf.float32, name=None\)"):
        f(np.ones((3, 3), np.float32))
    with pytest.raises(TypeError, match="Can not cast TensorSpec.*dtype=tf.float64"):
        f(tf.constant(np.ones((3, 2))))  # a tensor of another dtype is not converted
    with pytest.raises(TypeError, match="too many positional arguments"):
        f(np.ones((3, 2), np.float32), 1)
    assert f.get_concrete_function().graph is f.get_concrete_function(np.ones((2, 2), np.float32)).graph
    with pytest.raises(TypeError, match="input_signature must be a possibly nested sequence of TensorSpec"):
        tf.function(lambda x: x, input_signature=[np.float32])


def test_input_signature_on_a_method(eager):
    class Model:
        def __init__(self):
            self.w = tf.Variable(2.0)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return x * self.w

    m = Model()
    assert m(np.array([1.0, 2.0], np.float32)).numpy().tolist() == [2.0, 4.0]
    assert m(np.array([3.0], np.float32)).numpy().tolist() == [6.0]
    assert m.__call__.trace_count == 1


# --- captured variables: one buffer for eager code and every trace ------------------------------------------------

def test_eager_updates_and_reshaping_loads_reach_the_trace(eager):
    v = tf.Variable(np.zeros(2, np.float32), validate_shape=False)

    @tf.function
    def read(x):
        return tf.reduce_sum(v.read_value()) + x

    one = tf.constant(1.0)
    assert float(read(one)) == 1.0
    v.assign(np.array([1.0, 2.0], np.float32))  # in place
    assert float(read(one)) == 4.0
    v.load(np.array([1.0, 2.0, 3.0], np.float32))  # another shape: a new buffer
    assert float(read(one)) == 7.0 and read.trace_count == 1


def test_a_buffer_replaced_in_a_trace_reaches_eager_code_and_other_traces(eager):
    v = tf.Variable(np.zeros(2, np.float32), validate_shape=False)

    @tf.function
    def grow(x):
        return tf.assign(v, tf.concat([v.read_value(), x], 0), validate_shape=False)

    @tf.function
    def total():
        return tf.reduce_sum(v.read_value())

    assert float(total()) == 0.0
    assert grow(tf.constant([1.0])).numpy().tolist() == [0.0, 0.0, 1.0]
    assert v.numpy().tolist() == [0.0, 0.0, 1.0]
    assert float(total()) == 1.0
    grow(tf.constant([2.0]))
    v.assign_add(np.ones(4, np.float32))
    assert float(total()) == 7.0 and v.numpy().tolist() == [1.0, 1.0, 2.0, 3.0]


def test_a_failed_run_changes_no_variable(eager):
    v = tf.Variable(np.ones(4, np.float32))

    @tf.function
    def step(n):
        v.assign_add(tf.ones([4]))
        return tf.reshape(v.read_value(), tf.stack([n, -1]))

    assert step(tf.constant(2)).shape == (2, 2)
    with pytest.raises(tf.errors.InvalidArgumentError):
        step(tf.constant(3))
    assert v.numpy().tolist() == [2.0] * 4
    assert step(tf.constant(4)).numpy().tolist() == [[3.0]] * 4 and v.numpy().tolist() == [3.0] * 4


def _mlp_graph_mode(params, batches, optimizer):
    with tf.Graph().as_default():
        x, y = tf.placeholder(tf.float32, (None, 2)), tf.placeholder(tf.float32, (None, 1))
        vs = [tf.Variable(p) for p in params]
        loss = _loss(x, y, vs)
        train = optimizer().minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            losses = [s.run([train, loss], {x: xb, y: yb})[1] for xb, yb in batches]
            return losses, s.run(vs)


def _loss(x, y, vs):
    w1, b1, w2, b2 = vs
    logits = tf.matmul(tf.tanh(tf.matmul(x, w1) + b1), w2) + b2
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))


@pytest.mark.parametrize("optimizer", [lambda: tf.train.GradientDescentOptimizer(0.5),
                                       lambda: tf.train.AdamOptimizer(0.05)], ids=["sgd", "adam"])
def test_a_traced_training_step_gives_graph_modes_numbers(eager, optimizer):
    rng = np.random.default_rng(3)
    params = [rng.normal(size=(2, 8)).astype(np.float32) * 0.5, np.zeros(8, np.float32),
              rng.normal(size=(8, 1)).astype(np.float32) * 0.5, np.zeros(1, np.float32)]
    x = rng.uniform(-1, 1, size=(96, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 96, 32)] * 4 + [(x[:7], y[:7])]  # and a short batch
    vs = [tf.Variable(p) for p in params]
    opt = optimizer()

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = _loss(xb, yb, vs)
        opt.apply_gradients(zip(tape.gradient(loss, vs), vs))
        return loss

    losses = [float(step(tf.constant(xb), yb)) for xb, yb in batches]
    assert step.trace_count == 2  # batches of 32, then of 7
    graph_losses, graph_values = _mlp_graph_mode(params, batches, optimizer)
    assert losses[-2] < losses[0]
    np.testing.assert_allclose(losses, graph_losses, rtol=1e-5)
    for v, g in zip(vs, graph_values):
        np.testing.assert_allclose(v.numpy(), g, rtol=1e-5, atol=1e-6)


def test_a_cond_inside_a_while_loop_traces_without_autograph():
    """The ops of a loop body's cond run through the loop: the trace must not fetch them on their own."""
    with eager_mode():
        @tf.function(autograph=False)
        def halve_odd(n):
            return tf.while_loop(lambda i, x: i < 3,
                                 lambda i, x: (i + 1, tf.cond(x > 10, lambda: x // 2, lambda: x + 7)), (0, n))[1]
        assert int(halve_odd(tf.constant(4))) == 12  # 4 -> 11 -> 5 -> 12
