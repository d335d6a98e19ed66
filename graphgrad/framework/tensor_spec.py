"""`tf.TensorSpec`: a dtype and a possibly partial shape, describing a tensor without a value (a dataset's
`element_spec`, a `tf.function`'s `input_signature`)."""
from __future__ import annotations

from . import dtypes
from .tensor_shape import TensorShape
from .type_spec import TypeSpec, common_shape


class TensorSpec(TypeSpec):
    """TensorSpec(shape, dtype=tf.float32, name=None)."""

    _fields = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape, self.dtype, self.name = TensorShape(shape), dtypes.as_dtype(dtype), name

    def _serialize(self) -> tuple:
        return (self.shape, self.dtype, self.name)

    @property
    def value_type(self):
        from .graph import Tensor

        return Tensor

    @classmethod
    def from_spec(cls, spec, name=None):
        """This spec's shape and dtype, named `name` (or the spec's name)."""
        return cls(spec.shape, spec.dtype, name or getattr(spec, "name", None))

    @classmethod
    def from_tensor(cls, tensor, name=None):
        """The shape and dtype of `tensor`, named `name` or after its op."""
        return cls(tensor.shape, tensor.dtype.base_dtype, name or tensor.op.name)

    def __repr__(self):
        name = None if self.name is None else repr(self.name)
        return f"TensorSpec(shape={self.shape}, dtype=tf.{self.dtype.name}, name={name})"

    def accepts(self, dtype, shape) -> bool:
        """Whether a value of `dtype` and `shape` (a tuple) fits this spec (a tf.function argument)."""
        return dtypes.as_dtype(dtype).base_dtype == self.dtype.base_dtype and self.shape.is_compatible_with(shape)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and self.shape.as_list() == other.shape.as_list() \
            and self.dtype == other.dtype if self.shape.dims_tuple is not None else self is other

    __hash__ = object.__hash__

    def is_compatible_with(self, spec_or_value) -> bool:
        """TF's: a TensorSpec or tensor of the same dtype and a compatible shape (names do not matter)."""
        from .graph import Tensor

        if isinstance(spec_or_value, Tensor):
            spec_or_value = TensorSpec(spec_or_value.shape, spec_or_value.dtype)
        return isinstance(spec_or_value, TensorSpec) and self.dtype.base_dtype == spec_or_value.dtype.base_dtype \
            and self.shape.is_compatible_with(spec_or_value.shape)

    def most_specific_common_supertype(self, others):
        """The TensorSpec of this dtype whose dimensions are those all agree on (None elsewhere); None when a
        dtype differs. The name stays only when all have it."""
        if not all(isinstance(o, TensorSpec) and o.dtype == self.dtype for o in others):
            return None
        shape = self.shape
        for o in others:
            shape = common_shape(shape, o.shape)
        return TensorSpec(shape, self.dtype, self.name if all(o.name == self.name for o in others) else None)
