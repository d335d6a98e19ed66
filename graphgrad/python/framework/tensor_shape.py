"""`tensorflow.python.framework.tensor_shape`: graphgrad's TensorShape and Dimension, with TF1's helpers."""
from ...framework.tensor_shape import Dimension, TensorShape, as_dimension, as_shape, unknown_shape

__all__ = ["Dimension", "TensorShape", "as_dimension", "as_shape", "unknown_shape", "scalar", "vector", "matrix",
           "dimension_value", "dimension_at_index"]


def scalar():
    """The shape of a scalar, `TensorShape([])`."""
    return TensorShape([])


def vector(length):
    return TensorShape([length])


def matrix(rows, cols):
    return TensorShape([rows, cols])


def dimension_value(dimension):
    """A dimension's int (None when unknown), whether given a Dimension or already an int."""
    return dimension.value if isinstance(dimension, Dimension) else dimension


def dimension_at_index(shape, index):
    """`shape[index]` as a Dimension; an unknown rank gives an unknown dimension."""
    shape = as_shape(shape)
    return Dimension(None) if shape.dims is None else as_dimension(shape.dims[index])
