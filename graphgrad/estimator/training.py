"""`tf.estimator.train_and_evaluate` as TF's local (single-process) executor runs it: one `train` call whose
checkpoint listener evaluates each new checkpoint, at most once every `throttle_secs`, and the last one at the
end; each evaluation runs the EvalSpec's exporters (docs/saved-model.md)."""
from __future__ import annotations

import collections
import os

from .. import logging
from ..framework.graph import GraphKeys
from ..train.hooks import CheckpointSaverListener, SecondOrStepTimer
from .estimator import Estimator
from .exporter import Exporter
from .model_fn import _hooks as check_hooks

__all__ = ["TrainSpec", "EvalSpec", "train_and_evaluate"]


def _hooks(hooks):
    return check_hooks(hooks, "`SessionRunHook`")


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks", "saving_listeners"])):
    """What `train_and_evaluate` trains on: `input_fn`, up to the global step `max_steps` (None: until the input
    ends), with `hooks` and `saving_listeners`."""

    def __new__(cls, input_fn, max_steps=None, hooks=None, saving_listeners=None):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        listeners = tuple(saving_listeners or ())
        for listener in listeners:
            if not isinstance(listener, CheckpointSaverListener):
                raise TypeError(f"All saving_listeners must be `CheckpointSaverListener` instances, given: {listener}")
        return super().__new__(cls, input_fn, max_steps, _hooks(hooks), listeners)


class EvalSpec(collections.namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters",
                                                   "start_delay_secs", "throttle_secs"])):
    """What `train_and_evaluate` evaluates on: `input_fn` for `steps` batches (None: the whole input), written as
    `eval_<name>`, then `exporters`. `throttle_secs`: the least time between two evaluations; `start_delay_secs`
    only delays a distributed evaluator (graphgrad runs locally and never waits)."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None, start_delay_secs=120,
                throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"`input_fn` must be callable, given: {input_fn}")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be string, given: {name}")
        if start_delay_secs < 0:
            raise ValueError(f"Must specify start_delay_secs >= 0, given: {start_delay_secs}")
        if throttle_secs < 0:
            raise ValueError(f"Must specify throttle_secs >= 0, given: {throttle_secs}")
        exporters = () if exporters is None else (tuple(exporters) if isinstance(exporters, (list, tuple))
                                                  else (exporters,))
        names = set()
        for exporter in exporters:
            if not isinstance(exporter, Exporter):
                raise TypeError(f"`exporters` must be an Exporter, an iterable of Exporter, or `None`, found "
                                f"{exporter}.")
            if not exporter.name or not exporter.name.strip():
                raise ValueError(f"An Exporter cannot have a name that is `None` or empty. All exporter names: "
                                 f"{[e.name for e in exporters]}")
            if exporter.name in names:
                raise ValueError(f"`exporters` must have unique names. Such a name cannot be `None`. All exporter "
                                 f"names: {[e.name for e in exporters]}")
            names.add(exporter.name)
        return super().__new__(cls, input_fn, steps, name, _hooks(hooks), exporters, start_delay_secs,
                               throttle_secs)


class _Evaluator:
    """Evaluates the newest checkpoint (once per checkpoint) and runs the exporters on the result."""

    def __init__(self, estimator, eval_spec, max_steps):
        self._estimator, self._spec, self._max_steps = estimator, eval_spec, max_steps
        self._previous = None

    def evaluate_and_export(self):
        path = self._estimator.latest_checkpoint()
        if not path:
            logging.warning("Estimator is not trained yet. Will start an evaluation when a checkpoint is ready.")
            return None, []
        if path == self._previous:
            logging.info("No new checkpoint ready for evaluation. Skip the current evaluation pass as evaluation "
                         "results are expected to be same for the same checkpoint.")
            return None, []
        metrics = self._estimator.evaluate(self._spec.input_fn, steps=self._spec.steps, name=self._spec.name,
                                           checkpoint_path=path, hooks=self._spec.hooks)
        final = bool(self._max_steps) and metrics[GraphKeys.GLOBAL_STEP] >= self._max_steps
        exports = []
        for exporter in self._spec.exporters:
            export_path = os.path.join(self._estimator.model_dir, "export", exporter.name)
            exports.append(exporter.export(self._estimator, export_path, path, metrics, final))
        self._previous = path
        return metrics, exports


class _EvaluateEachCheckpoint(CheckpointSaverListener):
    """TF's listener: skips the first save (the untrained model), evaluates a later one when `throttle_secs`
    have passed since the last evaluation, and the last checkpoint at the end if it was skipped."""

    def __init__(self, evaluator, throttle_secs):
        self._evaluator, self._throttle_secs = evaluator, throttle_secs
        self.eval_result, self.export_results = None, []

    def begin(self):
        self._timer = SecondOrStepTimer(every_secs=self._throttle_secs)
        self._first = True

    def after_save(self, session, global_step_value):
        if self._first:
            self._first = False
            return
        if self._timer.should_trigger_for_step(global_step_value):
            self._evaluate(global_step_value)
        else:
            logging.info("Skip the current checkpoint eval due to throttle secs (%s secs).", self._throttle_secs)

    def end(self, session, global_step_value):
        if global_step_value != self._timer.last_triggered_step():
            self._evaluate(global_step_value)

    def _evaluate(self, global_step_value):
        self._timer.update_last_triggered_step(global_step_value)
        metrics, exports = self._evaluator.evaluate_and_export()
        if metrics is None:
            raise RuntimeError("There was no new checkpoint after the training. Eval status: no new checkpoint")
        self.eval_result, self.export_results = metrics, exports


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Train `estimator` on `train_spec`, evaluating (and exporting) on `eval_spec` as checkpoints are saved;
    returns `(metrics of the last evaluation, export results)`."""
    if not isinstance(estimator, Estimator):
        raise TypeError(f"`estimator` must have type `tf.estimator.Estimator`. Got: {type(estimator)}")
    if not isinstance(train_spec, TrainSpec):
        raise TypeError(f"`train_spec` must have type `tf.estimator.TrainSpec`. Got: {type(train_spec)}")
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError(f"`eval_spec` must have type `tf.estimator.EvalSpec`. Got: {type(eval_spec)}")
    config = estimator.config
    logging.info("Running training and evaluation locally (non-distributed).")
    logging.info("Start train and evaluate loop. The evaluate will happen after every checkpoint. Checkpoint "
                 "frequency is determined based on RunConfig arguments: save_checkpoints_steps %s or "
                 "save_checkpoints_secs %s.", config.save_checkpoints_steps, config.save_checkpoints_secs)
    listener = _EvaluateEachCheckpoint(_Evaluator(estimator, eval_spec, train_spec.max_steps),
                                       eval_spec.throttle_secs)
    estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks), max_steps=train_spec.max_steps,
                    saving_listeners=[*train_spec.saving_listeners, listener])
    return listener.eval_result, listener.export_results
