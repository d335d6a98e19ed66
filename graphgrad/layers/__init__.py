"""`tf.layers`: TF1's layer objects and functions (dense, dropout, flatten, batch_normalization)."""
from .core import Dense, Dropout, Flatten, Layer, dense, dropout, flatten
from .normalization import BatchNormalization, batch_normalization

__all__ = ["Layer", "Dense", "Dropout", "Flatten", "BatchNormalization", "dense", "dropout", "flatten",
           "batch_normalization"]
