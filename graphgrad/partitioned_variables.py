"""Partitioned variables (TF1's `get_variable(..., partitioner=...)`): one logical variable kept as several
variables `name/part_0`, `name/part_1`, ... that each hold a slice of it along one axis, as word2vec and
wide-and-deep shard their embedding tables. The parts are ordinary variables (initialized, trained and listed in
the collections one by one); a `PartitionedVariable` groups them: iterating it gives the parts (what
`embedding_lookup` takes), converting it to a tensor concatenates them, and `Saver` saves the parts as one
tensor under the full name with a slice per part, as TF does (train/tf_bundle_writer.py), so a checkpoint
restores into other partitionings or none.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Sequence

from .framework import dtypes
from .framework.graph import get_default_graph
from .framework.tensor_shape import TensorShape
from .ops.array_ops import concat
from .ops.core import identity

__all__ = ["PartitionedVariable", "SaveSliceInfo", "create_partitioned_variables", "fixed_size_partitioner",
           "variable_axis_size_partitioner",
           "min_max_variable_partitioner"]


class SaveSliceInfo:
    """Where a part lies in its full variable (TF's `Variable.SaveSliceInfo`): what Saver saves it as."""

    def __init__(self, full_name=None, full_shape=None, var_offset=None, var_shape=None, save_slice_info_def=None,
                 import_scope=None):
        self.full_name, self.full_shape = full_name, list(full_shape)
        self.var_offset, self.var_shape = list(var_offset), list(var_shape)

    @property
    def spec(self) -> str:
        """TF's slice spec string, e.g. "6 2 3,3:0,2": the full shape, then offset,length per dimension."""
        return " ".join(str(d) for d in self.full_shape) + " " + ":".join(
            f"{o},{n}" for o, n in zip(self.var_offset, self.var_shape))


class PartitionInfo:
    """What an initializer learns about the part it fills (TF's `_PartitionInfo`): the full shape (Glorot's fans
    come from it, so every part draws from the full variable's distribution) and the part's offset."""

    def __init__(self, full_shape, var_offset):
        self.full_shape, self.var_offset = list(full_shape), list(var_offset)

    def single_offset(self, shape):
        dim = self.single_slice_dim(shape)
        return 0 if dim is None else self.var_offset[dim]

    def single_slice_dim(self, shape):
        dims = [i for i, (n, full) in enumerate(zip(shape, self.full_shape)) if n != full]
        if len(dims) > 1:
            raise ValueError(f"Cannot use single_slice_dim() with shape: {shape} and full_shape: {self.full_shape} "
                             "since slicing along more than one dimension.")
        return dims[0] if dims else None


class PartitionedVariable:
    """The parts of one partitioned variable, usable where TF1 code uses it: iterate it for the parts, pass it to
    an op (or `convert_to_tensor`) for the whole value, concatenated. As in TF, no Python operators."""

    def __init__(self, name, shape, dtype, variable_list, partitions):
        self._name, self._shape = name, TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._variable_list = sorted(variable_list, key=lambda v: v._save_slice_info.var_offset)
        self._partitions = list(partitions)

    def __iter__(self):
        return iter(self._variable_list)

    def __len__(self):
        return len(self._variable_list)

    def _get_variable_list(self):
        return list(self._variable_list)

    def _get_partitions(self):
        return list(self._partitions)

    def _partition_axes(self):
        return [i for i, p in enumerate(self._partitions) if p > 1] or [0]

    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    @property
    def graph(self):
        return self._variable_list[0].graph

    def __repr__(self):
        return f"<tf.PartitionedVariable '{self._name}' shape={self._shape} partitions={self._partitions}>"

    def _concat(self):
        """The whole value: the parts concatenated along the partitioned axis (TF's ops and names)."""
        g = self.graph
        if len(self._variable_list) == 1:
            with g.name_scope(None):
                return identity(self._variable_list[0], name=self._name)
        with g.name_scope(None), g.name_scope(self._name + "/ConcatPartitions/"):
            whole = concat(self._variable_list, self._partition_axes()[0])
        with g.name_scope(None):
            return identity(whole, name=self._name)

    def as_tensor(self):
        return self._concat()

    def _as_tensor(self, dtype=None, name=None):
        if dtype is not None and dtypes.as_dtype(dtype).base_dtype != self._dtype.base_dtype:
            raise ValueError(f"Incompatible type conversion requested to type '{dtypes.as_dtype(dtype).name}' "
                             f"for variable of type '{self._dtype.name}'")
        return self._concat()

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Assign `value`'s slices to the parts; the assign ops, one per part (TF returns them as a list)."""
        from .ops.array_ops import slice as slice_

        out = []
        for v in self._variable_list:
            info = v._save_slice_info
            out.append(v.assign(slice_(value, info.var_offset, info.var_shape)))
        return out


def _iter_slices(full_shape, num_slices, axis):
    """(offset, shape) of each part: the first `full % num` parts one longer (TF's _iter_slices)."""
    offset, base, extra = [0] * len(full_shape), full_shape[axis] // num_slices, full_shape[axis] % num_slices
    for i in range(num_slices):
        shape = list(full_shape)
        shape[axis] = base + (i < extra)
        yield list(offset), shape
        offset[axis] += shape[axis]


def call_partitioner(partitioner, shape, dtype):
    """The partition list `partitioner` gives for `shape`, checked as TF1 checks it."""
    if not shape.is_fully_defined():
        raise ValueError(f"Shape of a new partitioned variable must be fully defined, but instead was {shape}.")
    if shape.ndims < 1:
        raise ValueError(f"A partitioned Variable must have rank at least 1, shape: {shape}")
    slicing = partitioner(shape=shape, dtype=dtype)
    if not isinstance(slicing, Sequence):
        raise ValueError(f"Partitioner must return a sequence, but saw: {slicing}")
    if len(slicing) != shape.ndims:
        raise ValueError(f"Partitioner returned a partition list that does not match the Variable's rank: "
                         f"{slicing} vs. {shape}")
    if any(p < 1 for p in slicing):
        raise ValueError(f"Partitioner returned zero partitions for some axes: {slicing}")
    if sum(p > 1 for p in slicing) > 1:
        raise ValueError(f"Can only slice a variable along one dimension: shape: {shape}, partitioning: {slicing}")
    return list(slicing)


def _accepts_partition_info(initializer):
    try:
        params = inspect.signature(initializer).parameters
    except (TypeError, ValueError):
        return True
    return "partition_info" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def create(full, shape, dtype, initializer, partitions, make_part):
    """A new PartitionedVariable `full`: `make_part(name, shape, initializer)` makes each part variable, with an
    initializer that knows its part (a tensor or value initializer is sliced)."""
    from .ops.array_ops import slice as slice_
    from .ops.core import convert_to_tensor

    axis = next((i for i, p in enumerate(partitions) if p > 1), 0)
    parts, g = [], get_default_graph()
    for i, (offset, part_shape) in enumerate(_iter_slices(shape.as_list(), partitions[axis], axis)):
        name = f"{full}/part_{i}"
        info = PartitionInfo(shape.as_list(), offset)
        if callable(initializer):
            init = initializer
            if _accepts_partition_info(initializer):
                def init(s, dtype=None, _init=initializer, _info=info, **kw):
                    return _init(s, dtype=dtype, partition_info=_info)
        else:
            with g.name_scope(None), g.name_scope(name + "/PartitionedInitializer/"):
                init = slice_(convert_to_tensor(initializer, dtype=dtype), offset, part_shape)
        part = make_part(name, part_shape, init)
        part._save_slice_info = SaveSliceInfo(full, shape.as_list(), offset, part_shape)
        parts.append(part)
    return PartitionedVariable(full, shape, dtype, parts, partitions)


# --- partitioners: callables `(shape, dtype) -> [partitions per axis]` -------------------------------------------

def fixed_size_partitioner(num_shards, axis=0):
    """`num_shards` parts along `axis` (fewer when the axis is shorter)."""
    def _partitioner(shape, **unused_args):
        partitions = [1] * len(shape)
        partitions[axis] = min(num_shards, shape.dims[axis].value)
        return partitions
    return _partitioner


def _element_size(dtype, bytes_per_string_element):
    dtype = dtypes.as_dtype(dtype).base_dtype
    return bytes_per_string_element if dtype == dtypes.string else dtype.size


def variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16, max_shards=None):
    """As many parts along `axis` as keep each under `max_shard_bytes` (at least one slice of `axis` each),
    at most `max_shards`."""
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError(f"Both max_shard_bytes and bytes_per_string_element must be positive. Currently, "
                         f"max_shard_bytes is {max_shard_bytes} andbytes_per_string_element is "
                         f"{bytes_per_string_element}")
    if max_shards and max_shards < 1:
        raise ValueError("max_shards must be positive.")

    def _partitioner(shape, dtype):
        if not isinstance(shape, TensorShape):
            raise ValueError(f"shape is not a TensorShape: {shape}")
        if not shape.is_fully_defined():
            raise ValueError(f"shape is not fully defined: {shape}")
        partitions = [1] * shape.ndims
        bytes_per_slice = 1.0 * (shape.num_elements() / shape.dims[axis].value) * _element_size(
            dtype, bytes_per_string_element)
        slices_per_shard = max(1, math.floor(max_shard_bytes / bytes_per_slice))
        axis_shards = int(math.ceil(1.0 * shape.dims[axis].value / slices_per_shard))
        if max_shards:
            axis_shards = min(max_shards, axis_shards)
        partitions[axis] = axis_shards
        return partitions
    return _partitioner


def min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256 << 10, bytes_per_string_element=16):
    """Parts of at least `min_slice_size` bytes along `axis`, at most `max_partitions` of them."""
    def _partitioner(shape, dtype):
        if axis >= len(shape):
            raise ValueError(f"Cannot partition variable along axis {axis} when shape is only {shape}")
        total = shape.num_elements() * _element_size(dtype, bytes_per_string_element)
        partitions = [1] * len(shape)
        partitions[axis] = max(1, min(shape.dims[axis].value, max_partitions,
                                      int(math.ceil(total / min_slice_size))))
        return partitions
    return _partitioner


def create_partitioned_variables(shape, slicing, initializer, dtype=dtypes.float32, trainable=True,
                                 collections=None, name=None, reuse=None):
    """TF1's older spelling of a partitioned get_variable: the part variables (a list) of a variable `shape`
    sliced `slicing` (partitions per axis, more than one on one axis at most), named `<name or
    PartitionedVariable>/part_<i>` in a variable scope of that name."""
    from .variables import _get_partitioned, variable_scope

    if len(shape) != len(slicing):
        raise ValueError(f"The 'shape' and 'slicing' of a partitioned Variable must have the length: shape: "
                         f"{shape}, slicing: {slicing}")
    if len(shape) < 1:
        raise ValueError(f"A partitioned Variable must have rank at least 1: shape: {shape}")
    with variable_scope(name, "PartitionedVariable", reuse=reuse) as scope:
        options = dict(regularizer=None, trainable=trainable, collections=collections, validate_shape=True,
                       constraint=None)
        return list(_get_partitioned(get_default_graph(), scope.name, scope.reuse, shape, dtype, initializer,
                                     lambda **unused: list(slicing), options))
