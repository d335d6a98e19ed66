"""Collectives as graph ops: allreduce, allgather, broadcast (with their gradients), and the bucket allreduce
that `DistributedOptimizer` uses.

Every op here is `stateful` (never folded, merged, dropped or captured into a CUDA graph) and runs one MPI
collective per run (`comm.World`). A collective completes only when every rank runs it, so **every rank must run
the same collective ops in the same order**: build the same graph on every rank (no rank-dependent ops before or
between collectives) and make the same `Session.run` calls with the same fetches and feed keys. The plan's order
is a deterministic function of the graph and the run's signature (docs/design.md, "run order"), so ranks that
build one graph run its collectives in one order. A rank that runs something else does not deadlock silently: the
wait loop warns after a minute and stops the job after `GRAPHGRAD_DIST_TIMEOUT` seconds (comm.py).

Gradients (the sum over ranks of each rank's loss is what is differentiated, as in Horovod):
- `allreduce(x, op)`: dL/dx_r = allreduce(dL/dy, op) (the sum's Jacobian is all ones; the average's 1/N);
- `allgather(x)`: rank r's rows of allreduce-sum(dL/dy);
- `broadcast(x, root)`: on root the sum over ranks of dL/dy (a reduce to root), zero elsewhere.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, same_shape, static_shape
from ..ops.core import apply_op, convert_to_tensor
from . import comm

__all__ = ["allreduce", "allgather", "broadcast", "bucket_allreduce", "Sum", "Average"]

Sum, Average = comm.SUM, comm.AVERAGE


def _check_op(op):
    if op not in (Sum, Average):
        raise ValueError(f"op must be graphgrad.distributed.Sum or Average, not {op!r}")
    return op


def _numeric(op, x, average):
    dt = x.dtype.base_dtype
    if not dt.is_numeric or dt == dtypes.bool_:
        raise TypeError(f"{op.type}: {x.name} has type {dt.name}; collectives take numbers")
    if average and not dt.is_floating:
        raise TypeError(f"{op.type}: averaging {x.name} of type {dt.name}; use op=Sum for integers")
    return dt


class _Collective(OpDef):
    stateful = True     # communication: never folded, merged, dropped or replayed as a CUDA graph
    allocates = True    # every kernel returns a new array of its own


class HorovodAllreduce(_Collective):
    """The sum (or average) over ranks of `x`, the same on every rank."""

    type = "HorovodAllreduce"
    shape_rule = same_shape

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), _numeric(op, x, op.attrs["reduce_op"] == Average))]

    def kernel(op, ctx):
        average, what = op.attrs["reduce_op"] == Average, f"allreduce '{op.name}'"
        xp = ctx.xp

        def allreduce(x):
            w = comm.world()
            out = xp.array(x, copy=True, order="C")
            if w.size > 1:
                buf, finish = comm.to_mpi(w, ctx, out)
                w.allreduce_(buf, what)
                finish()
                if average:
                    out *= out.dtype.type(1.0 / w.size)
            return out
        return allreduce

    def gradient(op, dy):
        return [allreduce(dy, op=op.attrs["reduce_op"], name=None)]


class HorovodAllgather(_Collective):
    """The ranks' `x` concatenated along the first axis in rank order (the ranks may have different numbers of
    rows; the other dimensions must agree)."""

    type = "HorovodAllgather"

    def infer(op):
        x = op.inputs[0]
        s = static_shape(x)
        if s is not None and len(s) == 0:
            raise ValueError(f"allgather needs a tensor of rank >= 1, got the scalar {x.name}")
        return [(None if s is None else (None,) + tuple(s[1:]), _numeric(op, x, False))]

    def kernel(op, ctx):
        what = f"allgather '{op.name}'"

        def allgather(x):
            w = comm.world()
            host = np.ascontiguousarray(ctx.to_host(x))
            counts = w.counts(host.shape[0], what)
            return ctx.to_device(w.allgatherv(host, counts, what))
        return allgather

    def gradient(op, dy):
        return [apply_op(HorovodAllgatherGrad, [dy, op.inputs[0]], {})]


class HorovodAllgatherGrad(_Collective):
    """Rank r's rows of allreduce-sum(dy), where `x` (read for its number of rows) is what rank r gathered."""

    type = "HorovodAllgatherGrad"
    shape_only_inputs = (1,)

    def infer(op):
        dy, x = op.inputs
        s, sy = static_shape(x), static_shape(dy)
        shape = s if s is not None else (None if sy is None else (None,) + tuple(sy[1:]))
        return [(shape, dy.dtype.base_dtype)]

    def kernel(op, ctx):
        what = f"allgather gradient '{op.name}'"
        xp = ctx.xp

        def allgather_grad(dy, x):
            w = comm.world()
            total = xp.array(dy, copy=True, order="C")
            buf, finish = comm.to_mpi(w, ctx, total)
            w.allreduce_(buf, what)
            finish()
            counts = w.counts(x.shape[0], what)
            start = int(counts[: w.rank].sum())
            return total[start: start + x.shape[0]]
        return allgather_grad


class HorovodBroadcast(_Collective):
    """`root_rank`'s `x` on every rank."""

    type = "HorovodBroadcast"
    shape_rule = same_shape

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), _numeric(op, x, False))]

    def kernel(op, ctx):
        root, what = op.attrs["root_rank"], f"broadcast '{op.name}'"
        xp = ctx.xp

        def broadcast(x):
            w = comm.world()
            _check_root(root, w)
            out = xp.array(x, copy=True, order="C")
            if w.size > 1:
                buf, finish = comm.to_mpi(w, ctx, out)
                w.bcast_(buf, root, what)
                finish()
            return out
        return broadcast

    def gradient(op, dy):
        return [apply_op(HorovodBroadcastGrad, [dy], {"root_rank": op.attrs["root_rank"]})]


class HorovodBroadcastGrad(_Collective):
    """The sum over ranks of `dy` on `root_rank`, zeros elsewhere (the gradient of broadcast)."""

    type = "HorovodBroadcastGrad"
    shape_rule = same_shape

    def infer(op):
        return [(static_shape(op.inputs[0]), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        root, what = op.attrs["root_rank"], f"broadcast gradient '{op.name}'"
        xp = ctx.xp

        def broadcast_grad(dy):
            w = comm.world()
            host = np.ascontiguousarray(ctx.to_host(dy))
            total = w.reduce_to(host, root, what)
            if w.rank == root:
                return ctx.to_device(total)
            return xp.zeros_like(dy)
        return broadcast_grad


def _check_root(root, w):
    if not 0 <= root < w.size:
        raise ValueError(f"root_rank {root} is not a rank of this job of {w.size}")


# --- the bucket allreduce: many tensors, one collective, started early -----------------------------------------

class HorovodBucketStart(_Collective):
    """Copies its inputs into one flat buffer and *starts* a non-blocking allreduce of it (MPI_Iallreduce, in
    place); `urgent`, so the plan issues it as soon as the last of its gradients exists, and the transfer overlaps
    with the ops that run until the matching `HorovodBucketWait`. The output is the flat buffer."""

    type = "HorovodBucketStart"
    urgent = True

    def infer(op):
        dt = op.inputs[0].dtype.base_dtype
        n = 0
        for t in op.inputs:
            s = static_shape(t)
            if s is None or any(d is None for d in s) or t.dtype.base_dtype != dt:
                raise ValueError(f"bucket allreduce: {t.name} must have a static shape and type {dt.name}")
            n += int(np.prod(s, dtype=np.int64))
        return [((n,), dt)]

    def kernel(op, ctx):
        xp, what = ctx.xp, f"allreduce of bucket '{op.name}' ({len(op.inputs)} tensors)"
        average = op.attrs["reduce_op"] == Average

        def bucket_start(*grads):
            w = comm.world()
            flat = xp.concatenate([g.reshape(-1) for g in grads])
            if w.size > 1:
                buf, finish = comm.to_mpi(w, ctx, flat)
                w.pending[id(flat)] = (w.iallreduce(buf), finish, average, what)
            return flat
        return bucket_start


class HorovodBucketWait(_Collective):
    """Waits for the bucket's allreduce and returns its tensors (views of the flat buffer, divided by the number
    of ranks for an average)."""

    type = "HorovodBucketWait"

    def infer(op):
        dt = op.inputs[0].dtype.base_dtype
        return [(tuple(s), dt) for s in op.attrs["shapes"]]

    def kernel(op, ctx):
        shapes = [tuple(s) for s in op.attrs["shapes"]]
        sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()

        def bucket_wait(flat):
            w = comm.world()
            entry = w.pending.pop(id(flat), None)
            if entry is not None:
                request, finish, average, what = entry
                w.wait(request, what)
                finish()
                if average:
                    flat *= flat.dtype.type(1.0 / w.size)
            if len(shapes) == 1:
                return flat.reshape(shapes[0])
            return tuple(flat[offsets[i]: offsets[i + 1]].reshape(s) for i, s in enumerate(shapes))
        return bucket_wait


# --- the public functions --------------------------------------------------------------------------------------

def allreduce(tensor, average=None, name=None, op=None):
    """The sum or average over ranks of `tensor` (Horovod's `hvd.allreduce`): `op=Average` (the default, or
    `average=True`) or `op=Sum`. Differentiable: the gradient is the allreduce of the gradient."""
    if op is None:
        op = Sum if average is False else Average
    elif average is not None:
        raise ValueError("give op= or average=, not both")
    tensor = convert_to_tensor(tensor)
    return apply_op(HorovodAllreduce, [tensor], {"reduce_op": _check_op(op)}, name=name or "HorovodAllreduce")


def allgather(tensor, name=None):
    """The ranks' `tensor`s concatenated along axis 0, in rank order (Horovod's `hvd.allgather`)."""
    tensor = convert_to_tensor(tensor)
    return apply_op(HorovodAllgather, [tensor], {}, name=name or "HorovodAllgather")


def broadcast(tensor, root_rank, name=None):
    """`root_rank`'s value of `tensor` on every rank (Horovod's `hvd.broadcast`)."""
    tensor = convert_to_tensor(tensor)
    if not isinstance(root_rank, (int, np.integer)) or root_rank < 0:
        raise ValueError(f"root_rank must be a rank (an int >= 0), not {root_rank!r}")
    return apply_op(HorovodBroadcast, [tensor], {"root_rank": int(root_rank)}, name=name or "HorovodBroadcast")


def bucket_allreduce(tensors, op=Average, name=None):
    """One allreduce for all of `tensors` (same dtype, static shapes), started as soon as they exist and awaited
    by the returned tensors' consumers: [reduced tensor] in the order given."""
    tensors = [convert_to_tensor(t) for t in tensors]
    flat = apply_op(HorovodBucketStart, tensors, {"reduce_op": _check_op(op)}, name=name or "HorovodBucket")
    shapes = [tuple(static_shape(t)) for t in tensors]
    out = apply_op(HorovodBucketWait, [flat], {"shapes": shapes}, name=(name or "HorovodBucket") + "_wait")
    return [out] if len(tensors) == 1 else list(out)
