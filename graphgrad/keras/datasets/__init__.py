"""`tf.keras.datasets`: Keras's `load_data()` for mnist, fashion_mnist, cifar10, cifar100, imdb, reuters and
boston_housing. MNIST and Fashion-MNIST come from graphgrad's data folder (the files `graphgrad.datasets` fetches
once, SHA-256 checked); the others through `keras.utils.get_file` from Keras's origins with Keras's hashes, into
`~/.keras/datasets/` when the file is already there, else `$GRAPHGRAD_DATA_DIR/keras/datasets/` (docs/data.md)."""
from . import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

__all__ = ["mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters", "boston_housing"]
