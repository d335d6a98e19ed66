"""`tf.keras.datasets`: `mnist.load_data()` and `fashion_mnist.load_data()` as Keras returns them (uint8 images
(n, 28, 28) and uint8 labels), read from graphgrad's data folder: the same files `graphgrad.datasets` fetches once,
SHA-256 checked, or copies placed there by hand (docs/data.md)."""
from . import fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist"]
