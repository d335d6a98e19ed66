"""`graphgrad.examples.tutorials.mnist.input_data`: TensorFlow 1.x's read_data_sets / DataSet.next_batch.

The MNIST source is replaced by a local server with small made-up files (tests/idx_server.py).
"""

import dataclasses

import numpy as np
import pytest
from idx_server import Server, fake_mnist, gz_files, sha256s

from graphgrad.datasets import mnist as mnist_mod
from graphgrad.examples.tutorials.mnist import input_data

ARRAYS = fake_mnist(n_train=200, n_test=50)
FILES = gz_files(ARRAYS)


@pytest.fixture
def server(monkeypatch):
    """MNIST's mirrors and hashes point at a local server of the made-up files."""
    with Server(FILES) as s:
        local = dataclasses.replace(mnist_mod.MNIST, mirrors=(s.url("m"),), sha256=sha256s(FILES))
        monkeypatch.setattr(mnist_mod, "MNIST", local)
        monkeypatch.setitem(mnist_mod.SOURCES, "mnist", local)
        yield s


def test_read_data_sets_as_tf1(server, tmp_path, capsys):
    d = input_data.read_data_sets(str(tmp_path / "MNIST_data"), validation_size=20, source_url=None)
    assert isinstance(d, input_data.Datasets) and d._fields == ("train", "validation", "test")
    assert (d.train.num_examples, d.validation.num_examples, d.test.num_examples) == (180, 20, 50)
    assert d.train.images.shape == (180, 784) and d.train.images.dtype == np.float32
    assert d.train.labels.dtype == np.uint8 and d.train.labels.shape == (180,)
    expected = ARRAYS[mnist_mod.TRAIN_IMAGES][:20].reshape(20, 784).astype(np.float32) * (1.0 / 255.0)   # as TF1
    np.testing.assert_array_equal(d.validation.images, expected)
    np.testing.assert_array_equal(d.train.labels, ARRAYS[mnist_mod.TRAIN_LABELS][20:])
    assert d.train.images.max() == 1.0 and d.train.epochs_completed == 0
    assert sorted(p.name for p in (tmp_path / "MNIST_data").iterdir()) == sorted(FILES)
    assert capsys.readouterr().out.count("Extracting ") == 4


def test_options_one_hot_reshape_dtype(server, tmp_path):
    d = input_data.read_data_sets(tmp_path, one_hot=True, reshape=False, validation_size=0)
    assert d.validation.num_examples == 0 and d.train.num_examples == 200
    assert d.train.images.shape == (200, 28, 28, 1)
    assert d.test.labels.shape == (50, 10) and d.test.labels.dtype == np.float64
    np.testing.assert_array_equal(d.test.labels.argmax(1), ARRAYS[mnist_mod.TEST_LABELS])
    import graphgrad as tf

    raw = input_data.read_data_sets(tmp_path, dtype=tf.uint8, validation_size=0)
    np.testing.assert_array_equal(raw.train.images, ARRAYS[mnist_mod.TRAIN_IMAGES].reshape(200, 784))
    with pytest.raises(TypeError, match="Invalid image dtype"):
        input_data.read_data_sets(tmp_path, dtype=np.float64)
    with pytest.raises(ValueError, match="Validation size should be between 0 and 200. Received: 5000."):
        input_data.read_data_sets(tmp_path)   # TF1's default validation_size does not fit 200 images


def tf1_batches(images, labels, seed, sizes, shuffle=True):
    """TensorFlow 1.x's DataSet.next_batch, verbatim in behaviour, drawing from NumPy's global generator."""
    np.random.seed(seed)
    n, index, epochs, out = len(images), 0, 0, []
    for batch_size in sizes:
        start = index
        if epochs == 0 and start == 0 and shuffle:
            perm0 = np.arange(n)
            np.random.shuffle(perm0)
            images, labels = images[perm0], labels[perm0]
        if start + batch_size > n:
            epochs += 1
            rest_i, rest_l = images[start:n], labels[start:n]
            if shuffle:
                perm = np.arange(n)
                np.random.shuffle(perm)
                images, labels = images[perm], labels[perm]
            index = batch_size - (n - start)
            out.append((np.concatenate((rest_i, images[:index])), np.concatenate((rest_l, labels[:index]))))
        else:
            index += batch_size
            out.append((images[start:index], labels[start:index]))
    return out


@pytest.mark.parametrize("shuffle", [True, False])
def test_next_batch_gives_tf1s_batches_across_epochs(shuffle):
    images = np.arange(10 * 4, dtype=np.float32).reshape(10, 4) * 6
    labels = np.arange(10, dtype=np.uint8)
    sizes = [3, 3, 3, 3, 4, 10, 7, 1]
    ds = input_data.DataSet(images, labels, seed=7, dtype=np.uint8)
    ours = [ds.next_batch(b, shuffle=shuffle) for b in sizes]
    for (xi, yi), (xr, yr), b in zip(ours, tf1_batches(images, labels, 7, sizes, shuffle), sizes):
        assert len(yi) == b
        np.testing.assert_array_equal(xi, xr)
        np.testing.assert_array_equal(yi, yr)
    assert ds.epochs_completed == 3
    # Each epoch covers every example exactly once.
    first_epochs = np.concatenate([y for _, y in ours])[:30]
    for e in range(3):
        assert sorted(first_epochs[10 * e:10 * e + 10].tolist()) == list(range(10))


def test_next_batch_leaves_numpys_global_generator_alone():
    np.random.seed(1)
    before = np.random.get_state()[1].copy()
    ds = input_data.DataSet(np.zeros((5, 2)), np.zeros(5), dtype=np.uint8)
    ds.next_batch(3)
    ds.next_batch(3)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_fake_data():
    d = input_data.read_data_sets("unused", fake_data=True, one_hot=True)
    xs, ys = d.train.next_batch(3, fake_data=True)
    assert len(xs) == 3 and len(xs[0]) == 784 and ys[0] == [1] + [0] * 9 and d.train.num_examples == 10000


def test_fashion_files_copied_by_hand_are_recognised(monkeypatch, tmp_path):
    """Zalando's README loads Fashion-MNIST with read_data_sets('data/fashion'): its files must be used as is."""
    files = gz_files(fake_mnist(seed=5))
    fashion = dataclasses.replace(mnist_mod.FASHION_MNIST, sha256=sha256s(files), mirrors=())
    monkeypatch.setitem(mnist_mod.SOURCES, "fashion_mnist", fashion)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    d = input_data.read_data_sets(tmp_path, validation_size=0)
    assert d.train.num_examples == 200
    assert input_data._source_for("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/").name == \
        "fashion_mnist"
    assert input_data._source_for(input_data.DEFAULT_SOURCE_URL).name == "mnist"


# The TF1 tutorial mnist_softmax.py, with only the import line changed (and the data folder and step count).
SOFTMAX_TUTORIAL = """
from graphgrad.examples.tutorials.mnist import input_data
import graphgrad as tf

mnist = input_data.read_data_sets(DATA_DIR, one_hot=True, validation_size=20)

x = tf.placeholder(tf.float32, [None, 784])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
y = tf.matmul(x, W) + b
y_ = tf.placeholder(tf.float32, [None, 10])
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=y))
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)

sess = tf.InteractiveSession()
tf.global_variables_initializer().run()
for _ in range(100):
    batch_xs, batch_ys = mnist.train.next_batch(100)
    sess.run(train_step, feed_dict={x: batch_xs, y_: batch_ys})

correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
print(sess.run(accuracy, feed_dict={x: mnist.test.images, y_: mnist.test.labels}))
"""


def test_the_classic_softmax_tutorial_runs_with_only_the_import_changed(server, tmp_path, capsys):
    program = SOFTMAX_TUTORIAL.replace("DATA_DIR", repr(str(tmp_path / "MNIST_data")))
    exec(compile(program, "mnist_softmax.py", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("Extracting ") for line in lines) == 4
    assert float(lines[-1]) >= 0.95, lines


def test_uncompressed_mnist_files_copied_by_hand_are_used(monkeypatch, tmp_path):
    """graphgrad also takes MNIST's four files uncompressed (how many archives keep them), checked by their hashes."""
    import gzip
    import hashlib
    files = gz_files(fake_mnist(seed=7))
    raw = {name: gzip.decompress(data) for name, data in files.items()}
    local = dataclasses.replace(mnist_mod.MNIST, mirrors=(), sha256=sha256s(files),
                                raw_sha256={n: hashlib.sha256(b).hexdigest() for n, b in raw.items()})
    monkeypatch.setattr(mnist_mod, "MNIST", local)
    monkeypatch.setitem(mnist_mod.SOURCES, "mnist", local)
    for name, data in raw.items():
        (tmp_path / name.removesuffix(".gz")).write_bytes(data)
    d = input_data.read_data_sets(tmp_path, validation_size=0, source_url=None)
    assert d.train.num_examples == 200 and sorted(p.suffix for p in tmp_path.iterdir()) == [""] * 4
