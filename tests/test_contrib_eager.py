"""tf.contrib.eager (`tfe`): implicit gradients for optimizers, gradients of functions, Iterator, Network, and
programs in the style of TF1's eager tutorials."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphgrad as tf
import graphgrad.contrib.eager as tfe
from graphgrad.eager import eager_mode


@pytest.fixture
def eager():
    with eager_mode():
        yield


def test_import_forms():
    assert tf.contrib.eager is tfe
    assert tfe.defun is tf.defun and tfe.GradientTape is tf.GradientTape and tfe.Checkpoint is tf.train.Checkpoint
    assert tfe.num_gpus() == len(tf.config.list_physical_devices("GPU"))


def test_implicit_gradients_pair_every_variable_read_in_creation_order(eager):
    w = tfe.Variable(2.0, name="w")
    b = tfe.Variable(1.0, name="b")
    unused = tfe.Variable(5.0, name="unused")
    frozen = tfe.Variable(3.0, trainable=False)

    def loss(x):
        return (b * 1.0 + w * x) * frozen  # reads b first

    pairs = tfe.implicit_gradients(loss)(4.0)
    assert [v for _, v in pairs] == [w, b]
    assert [float(g) for g, _ in pairs] == [12.0, 3.0]
    value, pairs = tfe.implicit_value_and_gradients(loss)(4.0)
    assert float(value) == 27.0 and len(pairs) == 2
    assert unused.numpy() == 5.0
    with pytest.raises(ValueError, match="No trainable variables were accessed"):
        tfe.implicit_gradients(lambda: frozen * 2.0)()
    with pytest.raises(ValueError, match="Cannot differentiate a function that returns None"):
        tfe.implicit_gradients(lambda: None)()


def test_implicit_gradients_drive_an_optimizer_to_the_least_squares_line(eager):
    """linear_regression_eager_api.py's loop: apply_gradients(implicit_gradients(loss)(model, x, y))."""
    rng = np.random.default_rng(1)
    xs = rng.uniform(0, 10, 40).astype(np.float32)
    ys = (0.3 * xs + 1.2 + rng.normal(0, 0.1, 40)).astype(np.float32)
    W, b = tfe.Variable(0.0), tfe.Variable(0.0)

    def mse(model, x, y):
        return tf.reduce_sum(tf.pow(model(x) - y, 2)) / (2 * len(xs))

    grad = tfe.implicit_gradients(mse)
    opt = tf.train.GradientDescentOptimizer(0.02)
    for _ in range(2000):
        opt.apply_gradients(grad(lambda x: x * W + b, xs, ys))
    slope, intercept = np.polyfit(xs, ys, 1)
    assert abs(W.numpy() - slope) < 1e-2 and abs(b.numpy() - intercept) < 5e-2


def test_gradients_function_and_params(eager):
    def f(x, y):
        return x * x * y

    assert [float(g) for g in tfe.gradients_function(f)(3.0, 2.0)] == [12.0, 9.0]
    assert [float(g) for g in tfe.gradients_function(f, params=["y"])(3.0, 2.0)] == [9.0]
    assert [float(g) for g in tfe.gradients_function(f, params=[0])(3.0, 2.0)] == [12.0]
    value, grads = tfe.value_and_gradients_function(f)(3.0, 2.0)
    assert float(value) == 18.0 and [float(g) for g in grads] == [12.0, 9.0]
    # the same tensor passed twice is two arguments
    t = tf.constant(3.0)
    assert [float(g) for g in tfe.gradients_function(lambda a, c: a * c)(t, t)] == [3.0, 3.0]
    # dy weights the output; second derivatives by nesting
    assert float(tfe.gradients_function(lambda x: x * x)(3.0, dy=2.0)[0]) == 12.0
    d2 = tfe.gradients_function(lambda x: tfe.gradients_function(lambda z: z * z * z)(x)[0])
    assert float(d2(2.0)[0]) == 12.0
    with pytest.raises(ValueError, match="cannot receive keyword arguments"):
        tfe.gradients_function(f)(3.0, y=2.0)


def test_iterator_and_eager_dataset_iteration(eager):
    ds = tf.data.Dataset.from_tensor_slices((np.arange(10, dtype=np.float32), np.arange(10))).batch(4)
    it = tfe.Iterator(ds)
    first = it.next()
    np.testing.assert_array_equal(first[0].numpy(), [0, 1, 2, 3])
    assert [x.shape[0] for x, _ in it] == [4, 2]
    with pytest.raises(tf.errors.OutOfRangeError):
        it.get_next()
    assert [int(y.numpy()[0]) for _, y in ds] == [0, 4, 8]  # iter(dataset) restarts the pipeline
    assert it.output_types == (tf.float32, tf.int64)


def test_iterator_outside_eager_mode_says_what_to_use():
    ds = tf.data.Dataset.range(3)
    with pytest.raises(RuntimeError, match="only be used when eager execution is enabled"):
        tfe.Iterator(ds)


def test_network_tracks_layers_names_and_checkpoints(eager, tmp_path):
    class NeuralNet(tfe.Network):
        def __init__(self):
            super().__init__()
            self.layer1 = self.track_layer(tf.layers.Dense(8, activation=tf.nn.relu))
            self.out = self.track_layer(tf.layers.Dense(3))

        def call(self, x):
            return self.out(self.layer1(x))

    net = NeuralNet()
    y = net(np.ones((2, 4), np.float32))
    assert y.shape == (2, 3)
    assert [v.name for v in net.variables] == ["neural_net/dense/kernel:0", "neural_net/dense/bias:0",
                                               "neural_net/dense_1/kernel:0", "neural_net/dense_1/bias:0"]
    assert net.get_layer(index=1) is net.out and len(net.trainable_variables) == 4
    with pytest.raises(TypeError, match="not a tf.layers.Layer"):
        net.track_layer(object())
    path = tfe.Checkpoint(model=net).save(str(tmp_path / "ckpt"))
    before = y.numpy()
    net.variables[0].assign(tf.zeros((4, 8)))
    tfe.Checkpoint(model=net).restore(path).assert_consumed()
    np.testing.assert_allclose(net(np.ones((2, 4), np.float32)).numpy(), before)


def test_defun_compiles_a_step(eager):
    v = tfe.Variable(1.0)

    @tfe.defun
    def step(x):
        v.assign_add(x)
        return v * 2.0

    assert float(step(tf.constant(2.0))) == 6.0 and v.numpy() == 3.0


@pytest.mark.host_process("runs a program that enables eager execution at its start, as the tutorials do")
def test_a_program_in_the_style_of_the_eager_tutorials_runs_and_learns():
    """`import graphgrad.contrib.eager as tfe`, `tfe.enable_eager_execution()`, a tfe.Network over the bundled
    digits read through tfe.Iterator, trained with implicit_gradients and Adam."""
    program = textwrap.dedent("""
        import numpy as np
        import graphgrad as tf
        import graphgrad.contrib.eager as tfe
        tfe.enable_eager_execution()
        assert tfe.executing_eagerly()
        d = tf.datasets.load_digits()
        ds = tf.data.Dataset.from_tensor_slices((d.x_train.astype(np.float32), d.y_train.astype(np.int64)))
        it = tfe.Iterator(ds.shuffle(2000, seed=1).repeat().batch(64))

        class Net(tfe.Network):
            def __init__(self):
                super().__init__()
                self.hidden = self.track_layer(tf.layers.Dense(64, activation=tf.nn.relu))
                self.logits = self.track_layer(tf.layers.Dense(10))
            def call(self, x):
                return self.logits(self.hidden(x))

        net = Net()
        def loss_fn(model, x, y):
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(logits=model(x), labels=y))
        grad = tfe.implicit_gradients(loss_fn)
        opt = tf.train.AdamOptimizer(0.01)
        for step in range(150):
            x, y = it.next()
            opt.apply_gradients(grad(net, x, y))
        pred = tf.argmax(net(d.x_test.astype(np.float32)), 1)
        acc = tf.reduce_mean(tf.cast(tf.equal(pred, d.y_test.astype(np.int64)), tf.float32))
        print("accuracy %.3f" % acc)
    """)
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.split()[-1]) > 0.9


def test_implicit_gradients_while_building_a_graph():
    w = tf.Variable(2.0)
    tf.Variable(1.0)  # not used by the function: no pair
    pairs = tfe.implicit_gradients(lambda x: w * x)(3.0)
    assert [v for _, v in pairs] == [w]
    step = tf.train.GradientDescentOptimizer(0.5).apply_gradients(pairs)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(step)
        assert s.run(w) == 0.5
