"""The subset of `tf.RaggedTensor` that tf.strings' splitting and decoding ops give for a batch of strings (rows of
different lengths): `values` (1-D) and `row_splits` (int64, row i is values[row_splits[i]:row_splits[i + 1]]),
`from_row_splits`, `to_tensor(default_value)`, `nrows()`, `row_lengths()`; `s.run` gives a
`tf.RaggedTensorValue` (`values`, `row_splits`, `to_list()`, `to_tensor()`). One ragged dimension only (TF's
`ragged_rank` 1); `tf.ragged` builds and transforms them (ragged_factory_ops.py, ragged_array_ops.py,
docs/tf-misc.md)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef, not_differentiable
from .core import apply_op, convert_to_tensor

__all__ = ["RaggedTensor", "RaggedTensorValue"]


def _dense_rows(values, splits, default):
    """[nrows, longest, ...] of a ragged value's rows, padded with `default`."""
    lengths = np.diff(splits)
    longest = int(lengths.max(initial=0))
    out = np.empty((len(lengths), longest, *values.shape[1:]), dtype=values.dtype)
    out[...] = default
    for i, (a, b) in enumerate(zip(splits[:-1], splits[1:])):
        out[i, :b - a] = values[a:b]
    return out


class RaggedTensorValue(namedtuple("RaggedTensorValue", ["values", "row_splits"])):
    """What `s.run(ragged)` gives: NumPy `values` and `row_splits`; TF's `dtype`, `flat_values`,
    `nested_row_splits`, `ragged_rank` and `shape` (rows, None, then the values' inner dimensions)."""

    dtype = property(lambda self: self.values.dtype)
    flat_values = property(lambda self: self.values)
    nested_row_splits = property(lambda self: (self.row_splits,))
    ragged_rank = 1
    shape = property(lambda self: (len(self.row_splits) - 1, None, *self.values.shape[1:]))

    def to_list(self):
        return [self.values[a:b].tolist() for a, b in zip(self.row_splits[:-1], self.row_splits[1:])]

    def to_tensor(self, default_value=None):
        default = (b"" if self.values.dtype == object else 0) if default_value is None else default_value
        return _dense_rows(self.values, self.row_splits, default)

    def __repr__(self):
        return f"tf.RaggedTensorValue(values={self.values!r}, row_splits={self.row_splits!r})"


class RaggedToTensor(OpDef):
    """RaggedToTensor(values, row_splits, default_value) -> [nrows, longest row, ...], padded."""

    type = "RaggedTensorToTensor"
    gradient = not_differentiable

    def infer(op):
        values = op.inputs[0].shape.dims_tuple
        return [((None, None) + (tuple(values[1:]) if values else ()), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        to_host, to_dev = ctx.to_host, ctx.to_device
        strings = op.inputs[0].dtype.base_dtype == dtypes.string

        def ragged_to_tensor(values, splits, default):
            out = _dense_rows(np.asarray(to_host(values)), np.asarray(to_host(splits), np.int64), to_host(default))
            return out if strings else to_dev(out)
        return ragged_to_tensor


class RaggedTensor(namedtuple("RaggedTensor", ["values", "row_splits"])):
    """`tf.RaggedTensor`: rows of different lengths, as `values` and `row_splits` tensors."""

    _fetched_as = RaggedTensorValue  # runtime/session.py rebuilds a fetched RaggedTensor as this

    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        with name_scope(name, "RaggedFromRowSplits"):
            return cls(convert_to_tensor(values, name="values"),
                       convert_to_tensor(row_splits, dtypes.int64, name="row_splits"))

    dtype = property(lambda self: self.values.dtype)
    ragged_rank = 1
    flat_values = property(lambda self: self.values)

    @property
    def shape(self):
        from ..framework.tensor_shape import TensorShape

        rows = self.row_splits.shape.dims_tuple
        inner = self.values.shape.dims_tuple
        return TensorShape([None if not rows or rows[0] is None else rows[0] - 1, None,
                            *(inner[1:] if inner else ())])

    def nrows(self, out_type=dtypes.int64, name=None):
        from .array_ops import shape

        with name_scope(name, "RaggedNRows"):
            return shape(self.row_splits, out_type=out_type)[0] - 1

    def row_lengths(self, name=None):
        from .arithmetic_ops import subtract

        with name_scope(name, "RaggedRowLengths"):
            return subtract(self.row_splits[1:], self.row_splits[:-1])

    def to_tensor(self, default_value=None, name=None, shape=None):
        """The rows padded to the longest with `default_value` (zero or b"" by default)."""
        if shape is not None:
            raise NotImplementedError("RaggedTensor.to_tensor(shape=...) is not supported")
        dt = self.values.dtype.base_dtype
        if default_value is None:
            default_value = b"" if dt == dtypes.string else 0
        with name_scope(name, "RaggedToTensor"):
            default = convert_to_tensor(default_value, dt, name="default_value")
            return apply_op(RaggedToTensor, [self.values, self.row_splits, default], {}, "RaggedTensorToTensor")

    def to_list(self):
        """The rows as Python lists (eager mode; in a graph, run the tensor and call `to_list` on the value)."""
        if not hasattr(self.values, "numpy"):  # an eager tensor holds its value
            raise ValueError("RaggedTensor.to_list() is only supported in eager mode.")
        return RaggedTensorValue(self.values.numpy(), self.row_splits.numpy()).to_list()

    def __repr__(self):
        return f"tf.RaggedTensor(values={self.values}, row_splits={self.row_splits})"


def ragged_rows(lists, dtype):
    """(values, row_splits) host arrays of a list of per-row sequences."""
    splits = np.zeros(len(lists) + 1, np.int64)
    splits[1:] = np.cumsum([len(r) for r in lists])
    if dtype == dtypes.string:
        values = np.empty(int(splits[-1]), dtype=object)
        values[:] = [x for r in lists for x in r]
    else:
        values = np.array([x for r in lists for x in r], dtype=dtype.np).reshape(-1)
    return values, splits


def check_splits(op, splits, n):
    if len(splits) == 0 or splits[0] != 0 or splits[-1] != n or (np.diff(splits) < 0).any():
        raise InvalidArgumentError(op.node_def, op, "Invalid row_splits")


def is_ragged(x):
    return isinstance(x, RaggedTensor) and isinstance(x.values, Tensor)
