"""`tf.train.SyncReplicasOptimizer` over graphgrad's data parallelism (docs/distributed.md, "TF1's cluster names").

In TF1 the replicas are worker tasks that push gradients to accumulators on parameter servers; the chief applies
their mean once `replicas_to_aggregate` have arrived and hands out tokens. In graphgrad the replicas are the
ranks of a `graphgrad.distributed` job (one process, one replica, without one): `apply_gradients` averages the
gradients over the ranks (one bucketed MPI allreduce, as `DistributedOptimizer`) and every rank applies the mean,
so every step is synchronous over all replicas, which is TF's numbers for `replicas_to_aggregate ==
total_num_replicas` (no stale gradients are dropped because none can be late). Backup workers
(`replicas_to_aggregate < total_num_replicas`) have no meaning there and are a ValueError; so is a job whose
size is not `total_num_replicas`. `make_session_run_hook` makes every rank start from rank 0's variables (TF's
replicas share the PS's variables); the token queue and the chief's queue runner do not exist
(`get_chief_queue_runner` is None, `get_init_tokens_op` a NoOp).
"""
from __future__ import annotations

from .. import logging
from ..framework.graph import get_default_graph
from ..ops.core import group, no_op
from .optimizer import Optimizer
from .session_run_hook import SessionRunHook

__all__ = ["SyncReplicasOptimizer"]


def _job_size():
    from ..distributed import comm

    return comm.world().size if comm.is_initialized() else 1


class SyncReplicasOptimizer(Optimizer):
    """Synchronous data-parallel training with TF1's class: wraps `opt`; see the module for what a replica is."""

    def __init__(self, opt, replicas_to_aggregate, total_num_replicas=None, variable_averages=None,
                 variables_to_average=None, use_locking=False, name="sync_replicas"):
        if total_num_replicas is None:
            total_num_replicas = replicas_to_aggregate
        super().__init__(use_locking, name)
        logging.info("SyncReplicas enabled: replicas_to_aggregate=%s; total_num_replicas=%s",
                     replicas_to_aggregate, total_num_replicas)
        if replicas_to_aggregate != total_num_replicas:
            raise ValueError(f"graphgrad's SyncReplicasOptimizer aggregates every replica in every step: "
                             f"replicas_to_aggregate ({replicas_to_aggregate}) must equal total_num_replicas "
                             f"({total_num_replicas}); backup workers have no meaning for an allreduce")
        self._opt = opt
        self._replicas_to_aggregate, self._total_num_replicas = replicas_to_aggregate, total_num_replicas
        self._variable_averages, self._variables_to_average = variable_averages, variables_to_average
        self._gradients_applied = False

    def compute_gradients(self, *args, **kwargs):
        """The wrapped optimizer's gradients of this replica (averaged over the replicas by `apply_gradients`)."""
        return self._opt.compute_gradients(*args, **kwargs)

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """The mean of the replicas' gradients applied by the wrapped optimizer (the global step incremented
        once per synchronous step), then the variable averages, if any."""
        grads_and_vars = list(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("Must supply at least one variable")
        if global_step is None:
            raise ValueError("Global step is required to check staleness")
        size = _job_size()
        if size != self._total_num_replicas:
            raise ValueError(f"total_num_replicas is {self._total_num_replicas} but this graphgrad.distributed job "
                             f"has {size} process(es): each replica is one rank (graphgrad.distributed.init())")
        if size > 1:
            from ..distributed.optimizer import allreduce_gradients

            grads_and_vars = allreduce_gradients(grads_and_vars, name=self.get_name())
        update = self._opt.apply_gradients(grads_and_vars, global_step=global_step, name=name)
        self._gradients_applied = True
        if self._variable_averages is None:
            return update
        with get_default_graph().control_dependencies([update]):
            averages = self._variable_averages.apply(self._variables_to_average)
        return group(update, averages, name=name or self.get_name())

    def get_chief_queue_runner(self):
        """None: graphgrad's replicas synchronize in the allreduce, with no token queue to run."""
        if not self._gradients_applied:
            raise ValueError("Should be called after apply_gradients().")
        return None

    def get_init_tokens_op(self, num_tokens=-1):
        """A NoOp (there are no tokens to hand out)."""
        if not self._gradients_applied:
            raise ValueError("get_init_tokens_op() should be called after apply_gradients().")
        return no_op(name="sync_replicas_init_tokens")

    def make_session_run_hook(self, is_chief, num_tokens=-1):
        """A hook that gives every replica rank 0's variables when its session starts."""
        return _SyncReplicasOptimizerHook()

    def get_slot(self, *args, **kwargs):
        return self._opt.get_slot(*args, **kwargs)

    def get_slot_names(self, *args, **kwargs):
        return self._opt.get_slot_names(*args, **kwargs)

    def variables(self):
        return self._opt.variables()


class _SyncReplicasOptimizerHook(SessionRunHook):
    """Broadcasts rank 0's global variables once the session is initialized (nothing to do for one replica)."""

    def begin(self):
        self._broadcast = None
        if _job_size() > 1:
            from ..distributed.optimizer import broadcast_global_variables

            self._broadcast = broadcast_global_variables(0)

    def after_create_session(self, session, coord):
        if self._broadcast is not None:
            session.run(self._broadcast)
