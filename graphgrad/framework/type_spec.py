"""`tf.TypeSpec` and its family: descriptions of a value without the value (dtype, partial shape, the kind of
composite), as `type_spec_from_value` gives them and `tf.data` / `tf.function` signatures take them.

Each spec is its constructor's arguments (`_fields`): equality, hashing and TF's repr
(`SparseTensorSpec(TensorShape([Dimension(2)]), tf.float32)`) come from them. `is_compatible_with` takes a spec or
a value (whose spec `type_spec_from_value` makes); shapes are compatible where every known dimension agrees.
"""
from __future__ import annotations

import numpy as np

from . import dtypes
from .tensor_shape import TensorShape

__all__ = ["IndexedSlicesSpec", "NoneTensorSpec", "OptionalSpec", "RaggedTensorSpec", "SparseTensorSpec",
           "TensorArraySpec", "TypeSpec", "type_spec_from_value"]


class TypeSpec:
    """The base class: a spec is its `_fields`; subclasses name their `value_type`."""

    _fields: tuple = ()

    def __init__(self):
        if type(self) is TypeSpec:
            raise TypeError("Can't instantiate abstract class TypeSpec with abstract methods _component_specs, "
                            "_from_components, _serialize, _to_components, value_type")

    def _serialize(self) -> tuple:
        return tuple(getattr(self, "_" + f) for f in self._fields)

    @property
    def value_type(self):
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self).__name__, self._key()))

    def _key(self):
        return tuple(tuple(v.as_list()) if isinstance(v, TensorShape) and v.ndims is not None else
                     ("?" if isinstance(v, TensorShape) else v) for v in self._serialize())

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(repr(v) for v in self._serialize())})"

    def is_compatible_with(self, spec_or_value) -> bool:
        """Whether the two describe values that could be the same: same kind and dtypes, shapes that agree."""
        other = spec_or_value if isinstance(spec_or_value, TypeSpec) else type_spec_from_value(spec_or_value)
        if type(self) is not type(other):
            return False
        for a, b in zip(self._serialize(), other._serialize()):
            if isinstance(a, TensorShape) and isinstance(b, TensorShape):
                if not a.is_compatible_with(b):
                    return False
            elif isinstance(a, TypeSpec) and isinstance(b, TypeSpec):
                if not a.is_compatible_with(b):
                    return False
            elif a != b:
                return False
        return True

    def is_subtype_of(self, other) -> bool:
        """Whether every value of this spec is one of `other`'s (its shapes at least as known)."""
        if type(self) is not type(other):
            return False
        for a, b in zip(self._serialize(), other._serialize()):
            if isinstance(a, TensorShape):
                if b.ndims is not None and (a.ndims != b.ndims or any(
                        y is not None and x != y for x, y in zip(a.as_list(), b.as_list()))):
                    return False
            elif a != b:
                return False
        return True

    def most_specific_common_supertype(self, others):
        """The narrowest spec of this kind that holds this and `others` (dimensions that differ become None), or
        None when one is of another kind or dtype."""
        values = list(self._serialize())
        for other in others:
            if type(other) is not type(self):
                return None
            for i, (a, b) in enumerate(zip(values, other._serialize())):
                if isinstance(a, TensorShape):
                    values[i] = common_shape(a, b)
                elif a != b:
                    return None
        return type(self)(*values)


def common_shape(a, b) -> TensorShape:
    if a.ndims is None or b.ndims is None or a.ndims != b.ndims:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


def _dtype(d):
    return dtypes.as_dtype(d).base_dtype


class SparseTensorSpec(TypeSpec):
    """SparseTensorSpec(shape=None, dtype=tf.float32)."""

    _fields = ("shape", "dtype")

    def __init__(self, shape=None, dtype=dtypes.float32):
        self._shape, self._dtype = TensorShape(shape), _dtype(dtype)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        from ..ops.sparse_ops import SparseTensor

        return SparseTensor


class RaggedTensorSpec(TypeSpec):
    """RaggedTensorSpec(shape=None, dtype=tf.float32, ragged_rank=None, row_splits_dtype=tf.int64,
    flat_values_spec=None): ragged_rank defaults to the rank less one."""

    _fields = ("shape", "dtype", "ragged_rank", "row_splits_dtype")

    def __init__(self, shape=None, dtype=dtypes.float32, ragged_rank=None, row_splits_dtype=dtypes.int64,
                 flat_values_spec=None):
        self._shape = TensorShape(shape)
        if ragged_rank is None:
            if self._shape.ndims is None:
                raise ValueError("Must specify ragged_rank or a shape with a known rank.")
            ragged_rank = self._shape.ndims - 1
        self._dtype, self._ragged_rank = _dtype(dtype), int(ragged_rank)
        self._row_splits_dtype, self._flat_values_spec = _dtype(row_splits_dtype), flat_values_spec

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ragged_rank = property(lambda self: self._ragged_rank)
    row_splits_dtype = property(lambda self: self._row_splits_dtype)
    flat_values_spec = property(lambda self: self._flat_values_spec)

    @property
    def value_type(self):
        from ..ops.ragged_ops import RaggedTensor

        return RaggedTensor


class IndexedSlicesSpec(TypeSpec):
    """IndexedSlicesSpec(shape=None, dtype=tf.float32, indices_dtype=tf.int64, dense_shape_dtype=None,
    indices_shape=None)."""

    _fields = ("shape", "dtype", "indices_dtype", "dense_shape_dtype", "indices_shape")

    def __init__(self, shape=None, dtype=dtypes.float32, indices_dtype=dtypes.int64, dense_shape_dtype=None,
                 indices_shape=None):
        self._shape, self._dtype, self._indices_dtype = TensorShape(shape), _dtype(dtype), _dtype(indices_dtype)
        self._dense_shape_dtype = None if dense_shape_dtype is None else _dtype(dense_shape_dtype)
        self._indices_shape = TensorShape(indices_shape).with_rank(1)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        from ..ops.indexed_slices import IndexedSlices

        return IndexedSlices


class TensorArraySpec(TypeSpec):
    """TensorArraySpec(element_shape=None, dtype=tf.float32, dynamic_size=False, infer_shape=True)."""

    _fields = ("element_shape", "dtype", "dynamic_size", "infer_shape")

    def __init__(self, element_shape=None, dtype=dtypes.float32, dynamic_size=False, infer_shape=True):
        self._element_shape, self._dtype = TensorShape(element_shape), _dtype(dtype)
        self._dynamic_size, self._infer_shape = dynamic_size, infer_shape

    element_shape = property(lambda self: self._element_shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        from ..ops.tensor_array_ops import TensorArray

        return TensorArray


class NoneTensor:
    """The value a NoneTensorSpec describes: TF's stand-in for None among composite components."""


class NoneTensorSpec(TypeSpec):
    """The spec of None (`type_spec_from_value(None)`)."""

    def __init__(self):
        pass

    value_type = property(lambda self: NoneTensor)


class OptionalSpec(TypeSpec):
    """OptionalSpec(element_spec): a `tf.experimental.Optional` holding a value of `element_spec`."""

    _fields = ("element_spec",)

    def __init__(self, element_spec):
        self._element_spec = element_spec

    element_spec = property(lambda self: self._element_spec)

    def __repr__(self):
        return f"OptionalSpec({self._element_spec!r},)"  # TF prints its one field as a tuple

    @property
    def value_type(self):
        """graphgrad's run-time value of an optional that holds one (ops/optional_ops.py: TF's is _OptionalImpl)."""
        from ..ops.optional_ops import Present

        return Present


def type_spec_from_value(value) -> TypeSpec:
    """The spec of a tensor, composite tensor, TensorArray, None, or anything `convert_to_tensor` takes."""
    from ..ops.indexed_slices import IndexedSlices
    from ..ops.ragged_ops import RaggedTensor
    from ..ops.sparse_ops import SparseTensor
    from ..ops.tensor_array_ops import TensorArray
    from .graph import Graph, Tensor
    from .tensor_spec import TensorSpec

    if value is None:
        return NoneTensorSpec()
    from ..variables import Variable

    if isinstance(value, (Tensor, Variable)):
        return TensorSpec(value.shape, value.dtype.base_dtype)
    if isinstance(value, SparseTensor):
        return SparseTensorSpec(value.shape, value.dtype)
    if isinstance(value, RaggedTensor):
        return RaggedTensorSpec(value.shape, value.dtype, 1, value.row_splits.dtype)
    if isinstance(value, IndexedSlices):
        shape = value.shape if value.dense_shape is not None else TensorShape(
            [None]).concatenate(value.values.shape[1:])
        return IndexedSlicesSpec(shape, value.dtype, value.indices.dtype,
                                 None if value.dense_shape is None else value.dense_shape.dtype, value.indices.shape)
    if isinstance(value, TensorArray):
        return TensorArraySpec(value._element_shape, value.dtype, value._dynamic_size, value._infer_shape)
    if not isinstance(value, (bool, int, float, complex, str, bytes, list, tuple, np.ndarray, np.generic)) \
            and not hasattr(value, "_as_tensor"):
        raise TypeError(f"Could not build a TypeSpec for {value} of unsupported type {type(value)}.")
    try:
        from ..ops.core import convert_to_tensor

        with Graph().as_default():  # a throwaway graph: asking for a spec builds nothing in the user's
            t = convert_to_tensor(value)
        return TensorSpec(t.shape, t.dtype.base_dtype)
    except (TypeError, ValueError):
        pass
    raise TypeError(f"Could not build a TypeSpec for {value} of unsupported type {type(value)}.")
