"""`tf.keras.datasets.fashion_mnist`."""
from ...datasets import mnist as _files
from ._idx import load


def load_data():
    """Fashion-MNIST as Keras gives it: ((x_train, y_train), (x_test, y_test)), uint8 (n, 28, 28) and uint8."""
    return load(_files.FASHION_MNIST)
