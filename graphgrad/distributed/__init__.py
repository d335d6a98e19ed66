"""Data-parallel training over MPI, Horovod's way: `import graphgrad.distributed as hvd`.

    hvd.init()
    loss = ...                                                    # the same graph on every rank
    opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(1e-3 * hvd.size()))
    step = opt.minimize(loss)
    bcast = hvd.broadcast_global_variables(0)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer()); s.run(bcast)  # every rank starts from rank 0's weights
        for x, y in batches(*hvd.shard_arrays(x_train, y_train)):
            s.run(step, {...})                                    # gradients averaged over the ranks

    mpiexec -n 4 python -m graphgrad.distributed train.py      # each rank under a supervisor (supervisor.py)

Without MPI (or outside a launcher) everything works as a job of one process. See docs/distributed.md.
"""
from __future__ import annotations

from .comm import AVERAGE, SUM, DistributedError, init, is_initialized, shutdown, world
from .data import rank_seed, shard_arrays, split_batch
from .ops import Average, Sum, allgather, allreduce, broadcast, bucket_allreduce
from .optimizer import (
    DEFAULT_BUCKET_BYTES,
    BroadcastGlobalVariablesHook,
    DistributedOptimizer,
    allreduce_gradients,
    broadcast_global_variables,
    broadcast_variables,
)

__all__ = ["init", "shutdown", "is_initialized", "rank", "size", "local_rank", "local_size", "is_root",
           "allreduce", "allgather", "broadcast", "bucket_allreduce", "Sum", "Average", "SUM", "AVERAGE",
           "DistributedOptimizer", "allreduce_gradients", "broadcast_variables", "broadcast_global_variables",
           "BroadcastGlobalVariablesHook", "DEFAULT_BUCKET_BYTES", "shard_arrays", "split_batch", "rank_seed",
           "DistributedError", "world", "mpi_threads_supported"]


def rank() -> int:
    """This process's rank, 0 .. size() - 1."""
    return world().rank


def size() -> int:
    """The number of processes in the job (1 without MPI)."""
    return world().size


def local_rank() -> int:
    """This process's rank among the job's processes on this host."""
    return world().local_rank


def local_size() -> int:
    """The number of the job's processes on this host."""
    return world().local_size


def is_root() -> bool:
    """Whether this is rank 0: the one rank that writes summaries, checkpoints and logs."""
    return world().rank == 0


def mpi_threads_supported() -> bool:
    """Whether MPI may be called from several threads at once (MPI_THREAD_MULTIPLE); True without MPI."""
    w = world()
    if w.MPI is None:
        return True
    return w.MPI.Query_thread() == w.MPI.THREAD_MULTIPLE
