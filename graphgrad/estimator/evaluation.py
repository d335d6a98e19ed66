"""One evaluation pass for `Estimator.evaluate`: run the metrics' update ops until the input ends (or N steps),
then read their values once (TF's `evaluation._evaluate_once`), and log and write the results."""
from __future__ import annotations

import time

import numpy as np

from .. import logging
from ..framework import dtypes
from ..framework.graph import GraphKeys, control_dependencies, get_default_graph
from ..ops import state_ops
from ..ops.core import identity
from ..ops.init_ops import Zeros
from ..train.hooks import FinalOpsHook
from ..train.monitored_session import ChiefSessionCreator, MonitoredSession
from ..train.session_run_hook import SessionRunArgs, SessionRunHook
from ..variables import get_variable

_EVAL_STEP = "eval_step"


def get_or_create_eval_step():
    """The int64 local variable "eval_step" counting the evaluation batches run."""
    found = get_default_graph().get_collection(_EVAL_STEP)
    if found:
        return found[0]
    return get_variable(_EVAL_STEP, shape=[], dtype=dtypes.int64, initializer=Zeros(),
                        trainable=False, collections=[GraphKeys.LOCAL_VARIABLES, _EVAL_STEP])


class StopAfterNEvalsHook(SessionRunHook):
    """Stops after `num_evals` evaluation batches (None: at the end of the input), logging progress."""

    def __init__(self, num_evals, log_progress=True):
        self._num_evals, self._log_progress = num_evals, log_progress
        self._evals_completed = None
        self._log_frequency = 1 if num_evals is None or num_evals < 20 else num_evals // 10

    def _set_evals_completed_tensor(self, tensor):
        self._evals_completed = tensor

    def before_run(self, run_context):
        return SessionRunArgs({"evals_completed": self._evals_completed})

    def after_run(self, run_context, run_values):
        done = run_values.results["evals_completed"]
        if self._log_progress:
            if self._num_evals is None:
                logging.info("Evaluation [%d]", done)
            elif done % self._log_frequency == 0 or done == self._num_evals:
                logging.info("Evaluation [%d/%d]", done, self._num_evals)
        if self._num_evals is not None and done >= self._num_evals:
            run_context.request_stop()


def evaluate_once(checkpoint_path, scaffold, eval_ops, final_ops, hooks, config=None):
    """Run `eval_ops` until the session stops, then `final_ops` once; returns their values."""
    eval_step = get_or_create_eval_step()
    hooks = list(hooks)
    update_eval_step = state_ops.assign_add(eval_step, 1)
    eval_ops = [eval_ops, update_eval_step] if eval_ops is not None else [update_eval_step]
    with control_dependencies(eval_ops):
        evals_completed = identity(eval_step.read_value())
    for h in hooks:
        if isinstance(h, StopAfterNEvalsHook):
            h._set_evals_completed_tensor(evals_completed)
    logging.info("Starting evaluation at " + time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()))
    start = time.time()
    final_ops_hook = FinalOpsHook(final_ops)
    hooks.append(final_ops_hook)
    creator = ChiefSessionCreator(scaffold=scaffold, checkpoint_filename_with_path=checkpoint_path, config=config)
    with MonitoredSession(session_creator=creator, hooks=hooks) as session:
        while not session.should_stop():
            session.run(eval_ops)
    logging.info(f"Inference Time : {time.time() - start:0.5f}s")
    logging.info("Finished evaluation at " + time.strftime("%Y-%m-%d-%H:%M:%S", time.localtime()))
    return final_ops_hook.final_ops_values


def _dict_to_str(dictionary):
    return ", ".join(f"{k} = {v!s}" for k, v in sorted(dictionary.items()) if not isinstance(v, bytes))


def write_dict_to_summary(output_dir, dictionary, current_global_step):
    """Log the results and write the scalar ones as summaries (tags = their names) to `output_dir`."""
    from ..summary import FileWriterCache, Summary

    logging.info("Saving dict for global step %d: %s", current_global_step, _dict_to_str(dictionary))
    values = []
    for key, value in dictionary.items():
        if value is None or key == "global_step":
            continue
        if isinstance(value, (np.floating, float, np.integer, int)) and not isinstance(value, bool):
            values.append(Summary.Value(tag=key, simple_value=float(value)))
        else:
            logging.warning("Skipping summary for %s, must be a float, np.float32, np.int64, np.int32 or int.", key)
    writer = FileWriterCache.get(output_dir)
    writer.add_summary(Summary(value=values), current_global_step)
    writer.flush()
