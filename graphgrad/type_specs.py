"""The composite tensors' TypeSpecs (`tf.SparseTensorSpec`, `RaggedTensorSpec`, `IndexedSlicesSpec`,
`TensorArraySpec`, `NoneTensorSpec`, `OptionalSpec`) and `tf.type_spec_from_value`, over the base TypeSpec
(framework/type_spec.py) and TensorSpec; here, above the ops whose values they describe (docs/tf-misc.md)."""
from __future__ import annotations

import numpy as np

from .framework import dtypes
from .framework.tensor_shape import TensorShape
from .framework.type_spec import TypeSpec

__all__ = ["IndexedSlicesSpec", "NoneTensorSpec", "OptionalSpec", "RaggedTensorSpec", "SparseTensorSpec",
           "TensorArraySpec", "type_spec_from_value"]


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
        from .ops.sparse_ops import SparseTensor

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
        from .ops.ragged_ops import RaggedTensor

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
        from .ops.indexed_slices import IndexedSlices

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
        from .ops.tensor_array_ops import TensorArray

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
        from .ops.optional_ops import Present

        return Present


def type_spec_from_value(value) -> TypeSpec:
    """The spec of a tensor, composite tensor, TensorArray, None, or anything `convert_to_tensor` takes."""
    from .framework.graph import Graph, Tensor
    from .framework.tensor_spec import TensorSpec
    from .ops.indexed_slices import IndexedSlices
    from .ops.ragged_ops import RaggedTensor
    from .ops.sparse_ops import SparseTensor
    from .ops.tensor_array_ops import TensorArray

    if value is None:
        return NoneTensorSpec()
    from .variables import Variable

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
        from .ops.core import convert_to_tensor

        with Graph().as_default():  # a throwaway graph: asking for a spec builds nothing in the user's
            t = convert_to_tensor(value)
        return TensorSpec(t.shape, t.dtype.base_dtype)
    except (TypeError, ValueError):
        pass
    raise TypeError(f"Could not build a TypeSpec for {value} of unsupported type {type(value)}.")


TypeSpec._spec_of = staticmethod(type_spec_from_value)
