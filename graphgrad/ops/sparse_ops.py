"""`tf.SparseTensor` and `tf.sparse.to_dense`: the minimal sparse value VarLenFeature parsing gives.

A SparseTensor is a namedtuple of three tensors, as TF1 defines it: `indices` (int64 [N, rank], in row-major
order), `values` ([N]) and `dense_shape` (int64 [rank]). Being a namedtuple, it can be fetched with `s.run`,
which gives a `SparseTensorValue` of three arrays (TF1's fetch result), and it passes through a `tf.data` map
and iterator whole (`get_next()` gives a SparseTensor again). Only `to_dense` computes with it here.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef, not_differentiable
from .core import apply_op, convert_to_tensor

__all__ = ["SparseTensor", "SparseTensorValue", "sparse_tensor_to_dense", "to_dense"]


class SparseTensorValue(namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])):
    """What `s.run(sparse_tensor)` gives: three NumPy arrays."""


class SparseTensor(namedtuple("SparseTensor", ["indices", "values", "dense_shape"])):
    """`tf.SparseTensor(indices, values, dense_shape)`. Python lists become constant tensors (int64 indices and
    shape); three NumPy arrays make a SparseTensorValue, which is how a fetched SparseTensor comes back. Anything
    else is kept as given (tf.data fills the fields with dtypes or shapes for `output_types` / `output_shapes`)."""

    def __new__(cls, indices, values, dense_shape):
        parts = (indices, values, dense_shape)
        if all(isinstance(p, np.ndarray) for p in parts):
            return SparseTensorValue(*parts)
        if any(isinstance(p, (list, np.ndarray)) or type(p) is tuple for p in (indices, dense_shape)):
            indices = convert_to_tensor(indices, dtypes.int64) if not isinstance(indices, Tensor) else indices
            values = convert_to_tensor(values)
            dense_shape = (convert_to_tensor(dense_shape, dtypes.int64) if not isinstance(dense_shape, Tensor)
                           else dense_shape)
        return super().__new__(cls, indices, values, dense_shape)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self):
        from ..framework.tensor_shape import TensorShape

        n = self.dense_shape.shape.dims_tuple if isinstance(self.dense_shape, Tensor) else None
        return TensorShape(None if not n or n[0] is None else [None] * n[0])

    @property
    def graph(self):
        return self.values.graph

    @property
    def op(self):
        return self.values.op

    def __repr__(self):
        return f"SparseTensor(indices={self.indices!r}, values={self.values!r}, dense_shape={self.dense_shape!r})"


class SparseToDense(OpDef):
    """SparseToDense(indices, dense_shape, values, default_value): the dense array with `values` at `indices`,
    `default_value` elsewhere (TF's op, with validate_indices)."""

    type = "SparseToDense"
    gradient = not_differentiable

    def infer(op):
        rank = op.inputs[1].shape.dims_tuple
        shape = None if not rank or rank[0] is None else (None,) * rank[0]
        return [(shape, op.inputs[2].dtype.base_dtype)]

    def kernel(op, ctx):
        to_host, to_device = ctx.to_host, ctx.to_device
        string = op.inputs[2].dtype.base_dtype == dtypes.string

        def sparse_to_dense(indices, shape, values, default):
            indices, shape = np.asarray(to_host(indices)), [int(d) for d in np.asarray(to_host(shape))]
            values, default = np.asarray(to_host(values)), np.asarray(to_host(default))
            out = np.empty(shape, dtype=object if string else values.dtype)
            out[...] = default
            if indices.size:
                idx = indices.reshape(len(indices), -1)
                if idx.shape[1] != len(shape) or (idx < 0).any() or (idx >= np.asarray(shape)).any():
                    raise errors.InvalidArgumentError(op.node_def, op, f"indices[0] = {idx[0].tolist()} is out of "
                                                                       f"bounds: need 0 <= index < {shape}")
                out[tuple(idx.T)] = values if values.ndim else values.item()
            return out if string else to_device(out)
        return sparse_to_dense


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """`tf.sparse.to_dense` (TF1: `tf.sparse_tensor_to_dense`)."""
    if not isinstance(sp_input, (SparseTensor, SparseTensorValue)):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input).__name__}")
    with name_scope(name or "SparseToDense"):
        values = convert_to_tensor(sp_input.values)
        if default_value is None:
            default_value = b"" if values.dtype.base_dtype == dtypes.string else 0
        default = convert_to_tensor(np.asarray(default_value, dtype=object if values.dtype == dtypes.string
                                               else values.dtype.base_dtype.np))
        return apply_op(SparseToDense, [convert_to_tensor(sp_input.indices, dtypes.int64),
                                        convert_to_tensor(sp_input.dense_shape, dtypes.int64), values, default],
                        name="SparseToDense")


sparse_tensor_to_dense = to_dense
