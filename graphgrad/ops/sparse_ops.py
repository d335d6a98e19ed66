"""`tf.SparseTensor`: the sparse value TF1 programs build, feed, fetch and compute with, its conversions
(`sparse_placeholder`, `from_dense`, `to_dense` / `sparse_to_dense`, `convert_to_tensor_or_sparse_tensor`).

A SparseTensor is three tensors, as TF1 defines it: `indices` (int64 [N, rank], in row-major order), `values`
([N]) and `dense_shape` (int64 [rank]). It is a namedtuple of them, so `s.run` fetches it as one structure (a
`SparseTensorValue` of three arrays, TF1's fetch result), a feed_dict may key it (fed a SparseTensorValue or an
(indices, values, shape) tuple: runtime/session.py feeds a namedtuple key field by field), and it passes through
a `tf.data` map and iterator whole. The ops that compute with it are in sparse_math_ops.py and
sparse_array_ops.py.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef
from ..framework.tensor_shape import TensorShape
from .core import apply_op, convert_to_tensor, placeholder, placeholder_with_default

__all__ = ["SparseTensor", "SparseTensorValue", "sparse_tensor_to_dense", "to_dense", "sparse_to_dense",
           "from_dense", "sparse_placeholder", "convert_to_tensor_or_sparse_tensor", "is_sparse"]


class SparseTensorValue(namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])):
    """What `s.run(sparse_tensor)` gives: three NumPy arrays."""


class SparseTensor(namedtuple("SparseTensor", ["indices", "values", "dense_shape"])):
    """`tf.SparseTensor(indices, values, dense_shape)`: anything that is not a tensor becomes a constant under
    the scope `SparseTensor/` (int64 indices and shape), as in TF. Fields that are neither tensors nor values
    are kept as given (tf.data fills them with dtypes or shapes for `output_types` / `output_shapes`)."""

    _fetched_as = SparseTensorValue  # runtime/session.py rebuilds a fetched SparseTensor as this

    def __new__(cls, indices, values, dense_shape):
        parts = (indices, values, dense_shape)
        if any(p is None or isinstance(p, (dtypes.DType, TensorShape)) for p in parts):
            return super().__new__(cls, *parts)
        if not all(isinstance(p, Tensor) for p in parts):
            with name_scope(None, "SparseTensor", [p for p in parts if isinstance(p, Tensor)]):
                indices = convert_to_tensor(indices, dtypes.int64, name="indices") \
                    if not isinstance(indices, Tensor) else indices
                values = convert_to_tensor(values, name="values")
                dense_shape = convert_to_tensor(dense_shape, dtypes.int64, name="dense_shape") \
                    if not isinstance(dense_shape, Tensor) else dense_shape
        _check_parts(indices, values, dense_shape)
        return super().__new__(cls, indices, values, dense_shape)

    @classmethod
    def from_value(cls, sparse_tensor_value):
        """A SparseTensor of constants from a SparseTensorValue (a SparseTensor passes through)."""
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        return cls(*sparse_tensor_value)

    @property
    def dtype(self):
        return self.values.dtype

    def get_shape(self):
        """The dense shape as far as it is known while building (constant dimensions; -1 is unknown)."""
        given = self.__dict__.get("_static_shape")
        return given if given is not None else _shape_of(self.dense_shape)

    @property
    def shape(self):
        return self.get_shape()

    def set_shape(self, shape):
        """Narrow the static dense shape (sparse_placeholder's declared shape), as TF's `set_shape`."""
        self.__dict__["_static_shape"] = self.get_shape().merge_with(TensorShape(shape))

    @property
    def graph(self):
        return self.values.graph

    @property
    def op(self):
        return self.values.op

    def eval(self, feed_dict=None, session=None):
        """Run in `session` or the default session: a SparseTensorValue."""
        return Tensor.eval(self, feed_dict, session)

    def consumers(self):
        return sorted({*self.indices.consumers(), *self.values.consumers(), *self.dense_shape.consumers()},
                      key=lambda op: op._id)

    def __repr__(self):
        return f"SparseTensor(indices={self.indices}, values={self.values}, dense_shape={self.dense_shape})"

    __str__ = __repr__

    # TF1 multiplies and divides a SparseTensor by a dense one (its values by the dense entries at their indices);
    # a namedtuple would repeat itself instead.
    def __mul__(self, other):
        from .sparse_math_ops import sparse_dense_cwise

        return sparse_dense_cwise("SparseDenseCwiseMul", self, other)

    def __truediv__(self, other):
        from .sparse_math_ops import sparse_dense_cwise

        return sparse_dense_cwise("SparseDenseCwiseDiv", self, other)

    __div__ = __truediv__

    def __add__(self, other):
        raise TypeError(f"unsupported operand type(s) for an operator on 'SparseTensor' and "
                        f"'{type(other).__name__}' (tf.sparse.add adds SparseTensors)")

    __rmul__ = __radd__ = __add__


def _check_parts(indices, values, dense_shape):
    """TF's build-time checks: indices [N, rank], values [N], dense_shape [rank]."""
    if not isinstance(indices, Tensor) or not isinstance(dense_shape, Tensor):
        return
    for t, rank, what in ((indices, 2, "indices"), (values, 1, "values"), (dense_shape, 1, "dense_shape")):
        if t.shape.ndims is not None and t.shape.ndims != rank:
            raise ValueError(f"Shape {t.shape} must have rank {rank} ({what} of a SparseTensor)")
    i, v, d = indices.shape.dims_tuple, values.shape.dims_tuple, dense_shape.shape.dims_tuple
    if i is not None and v is not None and None not in (i[0], v[0]) and i[0] != v[0]:
        raise ValueError(f"Dimensions {i[0]} and {v[0]} are not compatible")
    if i is not None and d is not None and None not in (i[1], d[0]) and i[1] != d[0]:
        raise ValueError(f"Dimensions {i[1]} and {d[0]} are not compatible")


def _shape_of(dense_shape):
    """TF's constant_value_as_shape: the known entries of a shape tensor (-1: unknown), else only its rank."""
    from .array_ops import get_static_value

    if not isinstance(dense_shape, Tensor):
        return TensorShape(None)
    value = get_static_value(dense_shape)
    if value is not None and value.ndim == 1:
        return TensorShape([None if int(d) == -1 else int(d) for d in value])
    op = dense_shape.op
    if op.type == "Pack" and op.inputs:
        parts = [get_static_value(t) for t in op.inputs]
        return TensorShape([None if p is None or int(p) == -1 else int(p) for p in parts])
    if op.type == "ConcatV2" and op.inputs:  # the known pieces of a concatenation (expand_dims' [.., 1, ..])
        out = TensorShape([])
        for t in op.inputs:
            out = out.concatenate(_shape_of(t))
        return out
    n = dense_shape.shape.dims_tuple
    return TensorShape(None if not n or n[0] is None else [None] * n[0])


def is_sparse(x):
    """Whether `x` is a SparseTensor or a SparseTensorValue (TF's sparse_tensor.is_sparse)."""
    return isinstance(x, (SparseTensor, SparseTensorValue))


def convert_to_tensor_or_sparse_tensor(value, dtype=None, name=None):
    """A SparseTensor (one of constants for a SparseTensorValue) or a Tensor, as TF1's function of that name."""
    if isinstance(value, SparseTensorValue):
        value = SparseTensor.from_value(value)
    if isinstance(value, SparseTensor):
        if dtype is not None and value.dtype.base_dtype != dtypes.as_dtype(dtype).base_dtype:
            raise ValueError(f"Sparse dtype: requested = {dtypes.as_dtype(dtype).name}, "
                             f"actual = {value.dtype.base_dtype.name}")
        return value
    return convert_to_tensor(value, dtype, name)


def sparse_tensor(sp_input, what="Input"):
    """`sp_input` as a SparseTensor (SparseTensorValues become constants); TypeError for anything else."""
    if isinstance(sp_input, SparseTensorValue):
        return SparseTensor.from_value(sp_input)
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"{what} must be a SparseTensor.")
    return sp_input


def sparse_placeholder(dtype, shape=None, name=None):
    """A SparseTensor of three placeholders (`name/indices`, `name/values`, `name/shape`); with `shape`, the
    dense shape is a placeholder with that default (None dimensions: -1), as in TF."""
    sub = (lambda s: f"{name}/{s}") if name is not None else (lambda s: None)
    if shape is None:
        rank, static = None, None
        dense_shape = placeholder(dtypes.int64, [None], name=sub("shape"))
    elif isinstance(shape, Tensor):
        rank, static = shape.shape[0].value, _shape_of(shape)
        dense_shape = placeholder_with_default(shape, shape.shape, name=sub("shape"))
    else:
        dims = [getattr(d, "value", d) for d in shape]
        rank, static = len(dims), TensorShape([None if d == -1 else d for d in dims])
        default = convert_to_tensor([-1 if d is None else d for d in dims], dtypes.int64,
                                    name=sub("shape_default"))
        dense_shape = placeholder_with_default(default, default.shape, name=sub("shape"))
    values = placeholder(dtype, [None], name=sub("values"))
    indices = placeholder(dtypes.int64, [None, rank], name=sub("indices"))
    result = SparseTensor(indices, values, dense_shape)
    if static is not None:
        result.set_shape(static)
    return result


class SparseToDense(OpDef):
    """SparseToDense(indices, dense_shape, values, default_value): the dense array with `values` at `indices`,
    `default_value` elsewhere (TF's op; with `validate_indices`, indices must be in bounds, sorted and unique)."""

    type = "SparseToDense"

    def infer(op):
        from .array_ops import get_static_value

        value = get_static_value(op.inputs[1])
        if value is not None and value.ndim == 1:
            shape = tuple(None if d < 0 else int(d) for d in value)
        else:
            rank = op.inputs[1].shape.dims_tuple
            shape = None if not rank or rank[0] is None else (None,) * rank[0]
        return [(shape, op.inputs[2].dtype.base_dtype)]

    def kernel(op, ctx):
        to_host, to_device = ctx.to_host, ctx.to_device
        string = op.inputs[2].dtype.base_dtype == dtypes.string
        validate = op.attrs.get("validate_indices", True)

        def sparse_to_dense(indices, shape, values, default):
            indices, shape = np.asarray(to_host(indices)), [int(d) for d in np.asarray(to_host(shape)).reshape(-1)]
            values, default = np.asarray(to_host(values)), np.asarray(to_host(default))
            out = np.empty(shape, dtype=object if string else values.dtype)
            out[...] = default
            if indices.size:
                idx = indices.reshape(len(indices), -1) if indices.ndim > 1 else indices.reshape(-1, 1)
                bad = (idx < 0).any(axis=1) | (idx >= np.asarray(shape)).any(axis=1) if idx.shape[1] == len(shape) \
                    else np.ones(len(idx), bool)
                if bad.any():
                    i = int(np.argmax(bad))
                    raise errors.InvalidArgumentError(op.node_def, op, f"indices[{i}] = {idx[i].tolist()} is out "
                                                                       f"of bounds: need 0 <= index < {shape}")
                if validate and len(idx) > 1:
                    _check_order(op, idx, shape)
                out[tuple(idx.T)] = values if values.ndim else values.item()
            return out if string else to_device(out)
        return sparse_to_dense

    def gradient(op, dy):
        from .arithmetic_ops import subtract
        from .nd_ops import gather_nd
        from .reduction_ops import reduce_sum

        values = gather_nd(dy, op.inputs[0])
        return [None, None, values, subtract(reduce_sum(dy), reduce_sum(values))]


def _check_order(op, idx, shape):
    """TF's validate_indices: each index after the one before it in row-major order, none repeated."""
    keys = np.ravel_multi_index(tuple(idx.T), shape) if all(shape) else np.zeros(len(idx), np.int64)
    step = np.diff(keys)
    if (step <= 0).any():
        i = int(np.argmax(step <= 0)) + 1
        what = "is repeated" if step[i - 1] == 0 else "is out of order"
        what += "" if step[i - 1] == 0 else ". Many sparse ops require sorted indices.\n    Use " \
                                            "`tf.sparse.reorder` to create a correctly ordered copy."
        raise errors.InvalidArgumentError(op.node_def, op, f"indices[{i}] = {idx[i].tolist()} {what}\n\n")


def _dense(indices, dense_shape, values, default_value, validate_indices, name):
    values = convert_to_tensor(values)
    if default_value is None:
        default_value = b"" if values.dtype.base_dtype == dtypes.string else 0
    default = default_value if isinstance(default_value, Tensor) else convert_to_tensor(
        np.asarray(default_value, dtype=object if values.dtype == dtypes.string else values.dtype.base_dtype.np))
    return apply_op(SparseToDense, [convert_to_tensor(indices), convert_to_tensor(dense_shape), values, default],
                    {"validate_indices": bool(validate_indices)}, name=name)


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """`tf.sparse.to_dense` (TF1: `tf.sparse_tensor_to_dense`)."""
    if not isinstance(sp_input, (SparseTensor, SparseTensorValue)):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input).__name__}")
    sp = SparseTensor.from_value(sp_input)
    return _dense(sp.indices, sp.dense_shape, sp.values, default_value, validate_indices, name or "SparseToDense")


sparse_tensor_to_dense = to_dense


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0, validate_indices=True,
                    name=None):
    """TF1's `tf.sparse_to_dense`: indices a scalar, a vector (rank-1 output) or a matrix."""
    return _dense(sparse_indices, output_shape, sparse_values, default_value, validate_indices,
                  name or "SparseToDense")


def from_dense(tensor, name=None):
    """`tf.sparse.from_dense`: the nonzero entries of a dense tensor (non-empty strings), in row-major order."""
    from .array_ops import shape
    from .comparison_ops import not_equal
    from .core import zeros_like
    from .nd_ops import gather_nd
    from .select_ops import where

    with name_scope(name, "dense_to_sparse"):
        tensor = convert_to_tensor(tensor)
        indices = where(not_equal(tensor, zeros_like(tensor) if tensor.dtype != dtypes.string
                                  else convert_to_tensor(b"")))
        return SparseTensor(indices, gather_nd(tensor, indices), shape(tensor, out_type=dtypes.int64))
