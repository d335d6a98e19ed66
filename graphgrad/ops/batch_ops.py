"""`tf.nondifferentiable_batch_function(num_batch_threads, max_batch_size, batch_timeout_micros, ...)`: a decorator
whose function's outputs pass through one `batch/BatchFunction` op, which has no gradient (TF's LookupError when
differentiated) and no static shape, as TF's.

TF's op also merges the calls of concurrent `Session.run`s into batches of up to `max_batch_size` rows before it
runs the function (a serving throughput device). graphgrad runs each call on its own rows: the values are the
same, since the function maps rows independently, and its runs of one session are serialized anyway."""
from __future__ import annotations

import functools

from ..framework.graph import name_scope
from ..framework.op_def import OpDef
from . import nest
from .core import apply_op, convert_to_tensor

__all__ = ["nondifferentiable_batch_function"]


class BatchFunction(OpDef):
    """The function's outputs, unchanged and of unknown shape; not differentiable (no gradient at all)."""

    type = "BatchFunction"
    gradient = None

    def infer(op):
        return [(None, t.dtype.base_dtype) for t in op.inputs]

    def kernel(op, ctx):
        return lambda *xs: list(xs) if len(xs) > 1 else xs[0]


def nondifferentiable_batch_function(num_batch_threads, max_batch_size, batch_timeout_micros,
                                     allowed_batch_sizes=None, max_enqueued_batches=10, autograph=True,
                                     enable_large_batch_splitting=True):
    """Decorates a function of tensors whose first dimension is the batch."""
    if allowed_batch_sizes is not None and (list(allowed_batch_sizes) != sorted(allowed_batch_sizes)
                                            or allowed_batch_sizes[-1] != max_batch_size):
        raise ValueError("allowed_batch_sizes must be increasing and end with max_batch_size")

    def decorator(fn):
        @functools.wraps(fn)
        def batched(*args):
            with name_scope("batch"):
                out = fn(*[convert_to_tensor(a) for a in args])
                flat = [convert_to_tensor(t) for t in nest.flatten(out)]
                results = apply_op(BatchFunction, flat, {"max_batch_size": int(max_batch_size)},
                                   "BatchFunction")
                results = results if isinstance(results, list) else [results]
                return nest.pack_sequence_as(out, results)
        return batched
    return decorator
