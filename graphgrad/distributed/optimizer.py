"""`DistributedOptimizer`: any tf.train optimizer, with its gradients averaged over the ranks in buckets; and
`broadcast_global_variables`, which makes every rank start from the root's weights.

The gradients of one step go into buckets of at most `bucket_bytes` (default 4 MiB; one dtype per bucket), filled
in the order the backward pass produces them (the gradient of the last layer first). A bucket is one MPI
allreduce on one flat buffer (`ops.bucket_allreduce`): a model of 100 small tensors costs one collective per
step, not 100. The bucket's allreduce is *started* (MPI_Iallreduce) as soon as its last gradient exists in the
plan's order, and awaited only by the first update that needs it, so the communication of the late layers'
gradients can overlap with the backward pass of the early layers (docs/distributed.md says how much of it
actually overlaps: MPI progresses a non-blocking collective when the rank calls into MPI, and graphgrad's plan
runs on one thread).

Every rank applies the same averaged gradients to the same weights, so the weights, the optimizer's slots
(Momentum's accumulators, Adam's moments and beta powers) and the global step stay identical on every rank;
nothing of the optimizer's state is ever communicated after the initial broadcast.
"""
from __future__ import annotations

import numpy as np

from ..framework.graph import get_default_graph, name_scope
from ..framework.op_def import fully_defined, static_shape
from ..ops import state_ops
from ..ops.core import group
from ..train.optimizer import Optimizer
from ..variables import global_variables
from . import ops

__all__ = ["DistributedOptimizer", "allreduce_gradients", "broadcast_variables", "broadcast_global_variables",
           "BroadcastGlobalVariablesHook", "DEFAULT_BUCKET_BYTES"]

DEFAULT_BUCKET_BYTES = 4 << 20


def _nbytes(t):
    return int(np.prod(static_shape(t), dtype=np.int64)) * t.dtype.base_dtype.np.itemsize


def allreduce_gradients(grads_and_vars, op=ops.Average, bucket_bytes=DEFAULT_BUCKET_BYTES, name="DistributedOptimizer"):
    """`grads_and_vars` with every gradient replaced by its allreduce over the ranks (None stays None): gradients
    of static shape go into buckets of at most `bucket_bytes` (one collective each, in the order the gradients
    are produced), the others each get an allreduce of their own."""
    grads_and_vars = list(grads_and_vars)
    present = [(i, g) for i, (g, _) in enumerate(grads_and_vars) if g is not None]
    if not present:
        return grads_and_vars
    reduced = {}
    with name_scope(name):
        bucketable = [(i, g) for i, g in present if fully_defined(static_shape(g))]
        # the order the plan produces them: creation order of the gradient ops (the backward pass runs the last
        # layer first); ties (one tensor for two variables) keep var_list order
        bucketable.sort(key=lambda ig: (ig[1].op._id, ig[0]))
        buckets, open_buckets = [], {}   # dtype -> (indices, tensors, bytes) being filled
        for i, g in bucketable:
            dt = g.dtype.base_dtype
            idx, ts, size = open_buckets.get(dt, ([], [], 0))
            nb = _nbytes(g)
            if ts and size + nb > bucket_bytes:
                buckets.append((idx, ts))
                idx, ts, size = [], [], 0
            idx.append(i)
            ts.append(g)
            open_buckets[dt] = (idx, ts, size + nb)
            if size + nb >= bucket_bytes:
                buckets.append(open_buckets.pop(dt)[:2])
        buckets.extend(v[:2] for v in open_buckets.values())
        buckets.sort(key=lambda b: max(t.op._id for t in b[1]))  # started in the order they fill
        for k, (idx, ts) in enumerate(buckets):
            for i, r in zip(idx, ops.bucket_allreduce(ts, op=op, name=f"bucket_{k}")):
                reduced[i] = r
        for i, g in present:
            if i not in reduced:
                reduced[i] = ops.allreduce(g, op=op)
    return [(reduced.get(i), v) for i, (_, v) in enumerate(grads_and_vars)]


class DistributedOptimizer(Optimizer):
    """Wraps a tf.train optimizer (Horovod's `hvd.DistributedOptimizer`): `compute_gradients` returns the
    gradients averaged (`op=Sum`: summed) over the ranks, bucketed into collectives of at most `bucket_bytes`;
    `apply_gradients` and the slots are the wrapped optimizer's. `minimize` works as usual."""

    def __init__(self, optimizer, name=None, use_locking=False, op=ops.Average,
                 bucket_bytes=DEFAULT_BUCKET_BYTES):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"DistributedOptimizer wraps a tf.train.Optimizer, not {type(optimizer).__name__}")
        if bucket_bytes <= 0:
            raise ValueError(f"bucket_bytes must be > 0, not {bucket_bytes}")
        super().__init__(use_locking, name or f"Distributed{optimizer.get_name()}")
        self._optimizer, self._op, self._bucket_bytes = optimizer, ops._check_op(op), int(bucket_bytes)

    def compute_gradients(self, *args, **kwargs):
        grads_and_vars = self._optimizer.compute_gradients(*args, **kwargs)
        return allreduce_gradients(grads_and_vars, op=self._op, bucket_bytes=self._bucket_bytes,
                                   name=self.get_name())

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        return self._optimizer.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def get_slot(self, var, name):
        return self._optimizer.get_slot(var, name)

    def get_slot_names(self):
        return self._optimizer.get_slot_names()

    def variables(self):
        return self._optimizer.variables()


def broadcast_variables(variables, root_rank=0, name=None):
    """One op that sets each of `variables` to its value on `root_rank` (one broadcast per variable, in the order
    given, which must be the same on every rank)."""
    variables = list(variables)
    with name_scope(name, "BroadcastVariables"):
        return group(*[state_ops.assign(v, ops.broadcast(v.value(), root_rank)) for v in variables])


def broadcast_global_variables(root_rank=0):
    """`broadcast_variables(tf.global_variables(), root_rank)`: run it once after initializing (or after the
    root restored a checkpoint) so that every rank starts from the root's weights, slots and global step."""
    return broadcast_variables(global_variables(), root_rank, name="BroadcastGlobalVariables")


class BroadcastGlobalVariablesHook:
    """Horovod's hook, for code that drives sessions by hand: `begin()` builds the broadcast op (call it after
    the model and optimizer exist), `after_create_session(session)` runs it (after the variables are
    initialized or restored)."""

    def __init__(self, root_rank=0):
        self.root_rank = root_rank
        self.bcast_op = None

    def begin(self):
        if self.bcast_op is None or self.bcast_op.graph is not get_default_graph():
            self.bcast_op = broadcast_global_variables(self.root_rank)

    def after_create_session(self, session, coord=None):
        if self.bcast_op is None:
            self.begin()
        session.run(self.bcast_op)
