"""`dataset.cardinality()` / `tf.data.experimental.cardinality(dataset)`: how many elements a dataset has, as an
int64 scalar tensor computed when it runs (so a `batch` or `take` of a fed size counts right); TF's
INFINITE_CARDINALITY (-1) for a dataset that never ends and UNKNOWN_CARDINALITY (-2) where only iterating could
tell (filter, flat_map, files, generators). Each dataset class states its own rule (`Dataset._cardinality`)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, not_differentiable
from ..ops.core import apply_op
from .dataset_ops import Closables, Dataset, Env

__all__ = ["cardinality"]


class DatasetCardinality(OpDef):
    """DatasetCardinality(*captures) -> int64: `attrs["dataset"]`'s number of elements, with the values of the
    tensors it captures."""

    type = "DatasetCardinality"
    stateful = True  # a pipeline's files and generators may change between runs
    gradient = not_differentiable

    def infer(op):
        return [((), dtypes.int64)]

    def kernel(op, ctx):
        dataset, captures, to_device = op.attrs["dataset"], op.inputs, ctx.to_device

        def count(*values):
            env = Env(ctx, {t: ctx.to_host(v) for t, v in zip(captures, values)}, Closables(), {})
            return to_device(np.int64(dataset._cardinality(env)))
        return count

    def can_fail(op):
        return True


def cardinality(dataset):
    """`tf.data.experimental.cardinality(dataset)`: the same as `dataset.cardinality()`."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"`dataset` must be a `tf.data.Dataset`, got {type(dataset).__name__}.")
    return apply_op(DatasetCardinality, dataset._captures(), {"dataset": dataset}, "DatasetCardinality")
