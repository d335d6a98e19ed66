"""`tf.IndexedSlices`: the sparse gradient TF1 gives for `tf.gather` / `embedding_lookup` params, its conversion
to a dense tensor, and how several of them add up.

An IndexedSlices stands for the dense tensor whose rows `indices` are `values` (rows named twice add up), of shape
`dense_shape`. Gradients stay in this form from the gather back to the variable, so that an optimizer can update
only the rows looked up (train/optimizer.py's `_apply_sparse`, TF1's sparse updates, whose numbers differ from
the dense ones). A consumer that needs a dense tensor converts it (`convert_to_tensor`: an unsorted segment sum
into `dense_shape[0]` rows, as TF does). `s.run` fetches one as an `IndexedSlicesValue` (runtime/session.py reads
`_composite_parts`), and a feed_dict may key one, fed such a value or a tuple.
"""
from __future__ import annotations

import warnings
from collections import namedtuple

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.tensor_shape import TensorShape
from .core import convert_to_tensor

__all__ = ["IndexedSlices", "IndexedSlicesValue", "is_indexed_slices", "to_dense", "aggregate",
           "deduplicate"]

#: TF warns when converting an IndexedSlices of at least this many elements to a dense tensor.
_LARGE_SPARSE_NUM_ELEMENTS = 100000000

IndexedSlicesValue = namedtuple("IndexedSlicesValue", ["values", "indices", "dense_shape"], defaults=[None])
IndexedSlicesValue.__doc__ = "What `s.run(indexed_slices)` gives: NumPy values, indices and dense shape (or None)."


class IndexedSlices:
    """`tf.IndexedSlices(values, indices, dense_shape=None)`: the dense tensor whose rows `indices` (1-D) hold the
    slices `values` (`[len(indices), ...]`)."""

    _fetched_as = IndexedSlicesValue

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    values = property(lambda self: self._values, doc="The slices, a tensor [N, ...].")
    indices = property(lambda self: self._indices, doc="The 1-D tensor of row indices of the slices.")
    dense_shape = property(lambda self: self._dense_shape, doc="The dense tensor's shape (a 1-D tensor), or None.")

    @property
    def shape(self):
        """The dense shape as far as it is known while building (TF's `constant_value_as_shape`)."""
        if self._dense_shape is None:
            return TensorShape(None)
        from .sparse_ops import _shape_of

        return _shape_of(self._dense_shape)

    def get_shape(self):
        return self.shape

    name = property(lambda self: self._values.name)
    op = property(lambda self: self._values.op)
    dtype = property(lambda self: self._values.dtype)
    graph = property(lambda self: self._values.graph)
    device = property(lambda self: self._values.device)

    def consumers(self):
        parts = self._composite_parts()
        return sorted({op for t in parts for op in t.consumers()}, key=lambda op: op._id)

    def _composite_parts(self):
        """The tensors `s.run` fetches (and a feed_dict key feeds) for this value, in IndexedSlicesValue's order."""
        return (self._values, self._indices) + ((self._dense_shape,) if self._dense_shape is not None else ())

    def _as_tensor(self, dtype=None, name=None):
        """The dense tensor (convert_to_tensor calls this)."""
        dense = to_dense(self, name=name)
        if dtype is not None and dense.dtype.base_dtype != dtypes.as_dtype(dtype).base_dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for IndexedSlices "
                             f"with dtype {dense.dtype.base_dtype.name}: {self}")
        return dense

    def __neg__(self):
        from .arithmetic_ops import negative

        return IndexedSlices(negative(self._values), self._indices, self._dense_shape)

    def __str__(self):
        shape = f", dense_shape={self._dense_shape}" if self._dense_shape is not None else ""
        return f"IndexedSlices(indices={self._indices}, values={self._values}{shape})"

    __repr__ = __str__


def is_indexed_slices(x):
    return isinstance(x, IndexedSlices)


def to_dense(slices, name=None):
    """The dense tensor of `slices` (TF's `_indexed_slices_to_tensor`, with its warnings about memory)."""
    from .array_ops import get_static_value
    from .segment_ops import unsorted_segment_sum

    if slices.dense_shape is None:
        raise ValueError(f"Tensor conversion requested for IndexedSlices without dense_shape: {slices}")
    shape = get_static_value(slices.dense_shape)
    rows = slices.dense_shape[0]
    if shape is not None:
        n, rows = int(np.prod(shape)), int(shape[0])  # a known row count keeps the result's shape known
        if n >= _LARGE_SPARSE_NUM_ELEMENTS:
            warnings.warn(f"Converting sparse IndexedSlices to a dense Tensor with {n} elements. This may consume "
                          "a large amount of memory.", stacklevel=3)
    else:
        warnings.warn(f"Converting sparse IndexedSlices({slices}) to a dense Tensor of unknown shape. This may "
                      "consume a large amount of memory.", stacklevel=3)
    return unsorted_segment_sum(slices.values, slices.indices, rows, name=name)


def aggregate(grads, name=None):
    """The sum of gradients of which some are IndexedSlices: dense when any is dense (AddN converts), else one
    IndexedSlices of the concatenated values and indices (TF's `_AggregateIndexedSlicesGradients`)."""
    from .arithmetic_ops import add_n
    from .array_ops import concat

    grads = [g for g in grads if g is not None]
    if len(grads) < 2:
        return grads[0] if grads else None
    if any(not isinstance(g, IndexedSlices) for g in grads):
        return add_n([convert_to_tensor(g) for g in grads], name=name)
    with name_scope(name, "AddN"):
        return IndexedSlices(concat([g.values for g in grads], 0), concat([g.indices for g in grads], 0),
                             grads[0].dense_shape)


def deduplicate(values, indices):
    """(summed values, unique indices): the values of repeated indices added up (TF's
    `_deduplicate_indexed_slices`, what optimizers apply sparse gradients through)."""
    from .array_ops import shape
    from .segment_ops import unsorted_segment_sum
    from .unique_ops import unique

    unique_indices, positions = unique(indices)
    return unsorted_segment_sum(values, positions, shape(unique_indices)[0]), unique_indices
