"""`tf.keras.datasets.mnist`."""
from ...datasets import mnist as _files
from ._idx import load


def load_data(path="mnist.npz"):
    """MNIST as Keras gives it: ((x_train, y_train), (x_test, y_test)), images uint8 (n, 28, 28), labels uint8."""
    return load(_files.MNIST, path)
