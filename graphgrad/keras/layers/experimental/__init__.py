"""`tf.keras.layers.experimental`: the names Keras 2 keeps there (EinsumDense, RandomFourierFeatures,
SyncBatchNormalization) and `preprocessing`, the preprocessing layers under their older path."""
from .._einsum_dense import EinsumDense
from .._experimental import RandomFourierFeatures, SyncBatchNormalization
from . import preprocessing

__all__ = ["EinsumDense", "RandomFourierFeatures", "SyncBatchNormalization", "preprocessing"]
