"""`tf.layers`: TF1's layer objects and functions (dense, dropout, flatten)."""
from .core import Dense, Dropout, Flatten, Layer, dense, dropout, flatten

__all__ = ["Layer", "Dense", "Dropout", "Flatten", "dense", "dropout", "flatten"]
