"""`tf.TensorSpec`: a dtype and a possibly partial shape, describing a tensor without a value (a dataset's
`element_spec`, a `tf.function`'s `input_signature`)."""
from __future__ import annotations

from . import dtypes
from .tensor_shape import TensorShape


class TensorSpec:
    """TensorSpec(shape, dtype=tf.float32, name=None)."""

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape, self.dtype, self.name = TensorShape(shape), dtypes.as_dtype(dtype), name

    def __repr__(self):
        name = None if self.name is None else repr(self.name)
        return f"TensorSpec(shape={self.shape}, dtype=tf.{self.dtype.name}, name={name})"

    def is_compatible_with(self, dtype, shape) -> bool:
        """Whether a value of `dtype` and `shape` (a tuple) fits this spec."""
        return dtypes.as_dtype(dtype).base_dtype == self.dtype.base_dtype and self.shape.is_compatible_with(shape)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and self.shape.as_list() == other.shape.as_list() \
            and self.dtype == other.dtype if self.shape.dims_tuple is not None else self is other

    __hash__ = object.__hash__
