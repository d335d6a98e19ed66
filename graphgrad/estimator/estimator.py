"""`tf.estimator.Estimator`: trains, evaluates and predicts with a model_fn, one fresh graph per call.

Each call builds a new Graph, calls `input_fn` and then `model_fn(features, labels, mode, params, config)` (only
the arguments it names), and runs a MonitoredSession that restores the newest checkpoint of `model_dir`: so
`train` twice continues from the saved global step, and `evaluate`/`predict` use the trained weights.
"""
from __future__ import annotations

import copy
import functools
import inspect
import os
import tempfile

from .. import logging
from ..data import Dataset, make_initializable_iterator
from ..framework import dtypes
from ..framework.graph import Graph, GraphKeys
from ..framework.random_seed import set_random_seed
from ..metrics import mean as metric_mean
from ..ops.core import group
from ..train.global_step import get_global_step, get_or_create_global_step, global_step_read
from ..train.hooks import CheckpointSaverHook, LoggingTensorHook, NanTensorHook, StopAtStepHook
from ..train.monitored_session import ChiefSessionCreator, MonitoredSession, MonitoredTrainingSession
from ..train.saver import Saver, latest_checkpoint, list_variables, load_variable
from ..train.session_run_hook import SessionRunHook
from . import evaluation
from .model_fn import LOSS_METRIC_KEY, EstimatorSpec, ModeKeys
from .run_config import RunConfig
from .warm_starting import WarmStartSettings, warm_start_scaffold

__all__ = ["Estimator"]

_VALID_MODEL_FN_ARGS = {"features", "labels", "mode", "params", "self", "config"}


def _fn_args(fn):
    """The names of `fn`'s named parameters (a partial's bound ones left out), as TF's `fn_args`."""
    params = inspect.signature(fn).parameters.values()
    bound = set(fn.keywords or ()) if isinstance(fn, functools.partial) else set()
    return tuple(p.name for p in params
                 if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in bound)


def _verify_model_fn_args(model_fn, params):
    args = set(_fn_args(model_fn))
    if "features" not in args:
        raise ValueError(f"model_fn ({model_fn}) must include features argument.")
    if params is not None and "params" not in args:
        raise ValueError(f"model_fn ({model_fn}) does not include params argument, but params ({params}) is passed "
                         "to Estimator.")
    if params is None and "params" in args:
        logging.warning("Estimator's model_fn (%s) includes params argument, but params are not passed to "
                        "Estimator.", model_fn)
    extra = sorted(args - _VALID_MODEL_FN_ARGS)
    if extra:
        raise ValueError(f"model_fn ({model_fn}) has following not expected args: {extra}")


def _check_hooks(hooks):
    hooks = list(hooks or [])
    for h in hooks:
        if not isinstance(h, SessionRunHook):
            raise TypeError(f"Hooks must be a SessionRunHook, given: {h}")
    return hooks


class _DatasetInitializerHook(SessionRunHook):
    """Initializes the iterator of a Dataset an input_fn returned, once the session exists."""

    def __init__(self, iterator):
        self._iterator = iterator

    def begin(self):
        self._initializer = self._iterator.initializer

    def after_create_session(self, session, coord):
        session.run(self._initializer)


def _parse_input_fn_result(result):
    """`(features, labels, hooks)` from what an input_fn returned: a Dataset, a (features, labels) pair or
    features alone."""
    hooks = []
    if isinstance(result, Dataset):
        iterator = make_initializable_iterator(result)
        hooks.append(_DatasetInitializerHook(iterator))
        result = iterator.get_next()
    if isinstance(result, (list, tuple)):
        if len(result) != 2:
            raise ValueError("input_fn should return (features, labels) as a len 2 tuple.")
        return result[0], result[1], hooks
    return result, None, hooks


class Estimator:
    """Trains and evaluates the model `model_fn` builds. `model_dir` (default: `config.model_dir`, else a new
    temporary folder) holds its checkpoints and summaries; `params` is passed to model_fn and input_fn."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if config is None:
            config = RunConfig()
            logging.info("Using default config.")
        if not isinstance(config, RunConfig):
            raise ValueError(f"config must be an instance of `RunConfig`, but provided {config}.")
        if model_dir is not None:
            model_dir = os.fspath(model_dir)
            if config.model_dir is not None and config.model_dir != model_dir:
                raise ValueError("`model_dir` are set both in constructor and `RunConfig`, but with different "
                                 f"values. In constructor: '{model_dir}', in `RunConfig`: '{config.model_dir}' ")
            config = config.replace(model_dir=model_dir)
        elif config.model_dir is None:
            model_dir = tempfile.mkdtemp()
            logging.warning("Using temporary folder as model directory: %s", model_dir)
            config = config.replace(model_dir=model_dir)
        logging.info("Using config: %s", config)
        self._config = config
        self._model_dir = config.model_dir
        if model_fn is None:
            raise ValueError("model_fn must be provided to Estimator.")
        _verify_model_fn_args(model_fn, params)
        self._model_fn = model_fn
        self._params = copy.deepcopy(params or {})
        if isinstance(warm_start_from, (str, os.PathLike)):
            warm_start_from = WarmStartSettings(warm_start_from)
        self._warm_start_settings = warm_start_from

    model_dir = property(lambda self: self._model_dir)
    config = property(lambda self: copy.deepcopy(self._config))
    params = property(lambda self: copy.deepcopy(self._params))
    model_fn = property(lambda self: self._model_fn)

    # --- checkpoints ---------------------------------------------------------------------------------------
    def latest_checkpoint(self):
        return latest_checkpoint(self._model_dir)

    def _require_checkpoint(self):
        if not self.latest_checkpoint():
            raise ValueError(f"Could not find trained model in model_dir: {self._model_dir}.")

    def get_variable_names(self):
        self._require_checkpoint()
        return [name for name, _ in list_variables(self._model_dir)]

    def get_variable_value(self, name):
        self._require_checkpoint()
        return load_variable(self._model_dir, name)

    def eval_dir(self, name=None):
        return os.path.join(self._model_dir, "eval" if not name else "eval_" + name)

    def _checkpoint_to_use(self, checkpoint_path, what):
        """`checkpoint_path`, else the newest of model_dir, else None (then variables start initialized)."""
        if not checkpoint_path:
            checkpoint_path = self.latest_checkpoint()
            if not checkpoint_path:
                logging.info(f"Could not find trained model in model_dir: {self._model_dir}, running "
                             f"initialization to {what}.")
        return checkpoint_path

    # --- building ------------------------------------------------------------------------------------------
    def _new_graph(self, graph):
        """The start of every call's graph: the seed and an int64 global step."""
        set_random_seed(self._config.tf_random_seed)
        step = get_or_create_global_step(graph)
        if step.dtype.base_dtype != dtypes.int64:
            raise TypeError(f"Global step must be int64, given: {step.dtype}")
        global_step_read(graph)

    def _call_input_fn(self, input_fn, mode):
        args = _fn_args(input_fn)
        kwargs = {k: v for k, v in (("mode", mode), ("params", self.params), ("config", self.config))
                  if k in args}
        return _parse_input_fn_result(input_fn(**kwargs))

    def _call_model_fn(self, features, labels, mode):
        args = _fn_args(self._model_fn)
        kwargs = {}
        if "labels" in args:
            kwargs["labels"] = labels
        elif labels is not None:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        if "mode" in args:
            kwargs["mode"] = mode
        if "params" in args:
            kwargs["params"] = self.params
        if "config" in args:
            kwargs["config"] = self.config
        logging.info("Calling model_fn.")
        spec = self._model_fn(features=features, **kwargs)
        logging.info("Done calling model_fn.")
        if not isinstance(spec, EstimatorSpec):
            raise ValueError("model_fn should return an EstimatorSpec.")
        return spec

    def _scaffold(self, spec, checkpoint_path):
        """The spec's scaffold, warm-starting in its init_fn when no checkpoint is restored."""
        if self._warm_start_settings is None or checkpoint_path:
            return spec.scaffold
        return warm_start_scaffold(self._warm_start_settings, spec.scaffold)

    # --- train ---------------------------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Train until the input ends, `steps` more steps, or the global step reaches `max_steps`; returns self."""
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        if max_steps is not None:
            path = self.latest_checkpoint()
            start = int(load_variable(path, GraphKeys.GLOBAL_STEP)) if path else 0
            if max_steps <= start:
                logging.info("Skipping training since max_steps has already saved.")
                return self
        hooks = _check_hooks(hooks)
        if steps is not None or max_steps is not None:
            hooks.append(StopAtStepHook(steps, max_steps))
        listeners = list(saving_listeners or [])
        loss = self._train_model(input_fn, hooks, listeners)
        logging.info("Loss for final step: %s.", loss)
        return self

    def _train_model(self, input_fn, hooks, listeners):
        with Graph().as_default() as g:
            self._new_graph(g)
            features, labels, input_hooks = self._call_input_fn(input_fn, ModeKeys.TRAIN)
            spec = self._call_model_fn(features, labels, ModeKeys.TRAIN)
            return self._train_with_spec(g, spec, input_hooks + hooks, listeners)

    def _train_with_spec(self, g, spec, worker_hooks, listeners):
        config = self._config
        if not any(s.op.name == "loss" for s in g.get_collection(GraphKeys.SUMMARIES)):
            from ..summary import scalar

            scalar("loss", spec.loss)
        g.add_to_collection(GraphKeys.LOSSES, spec.loss)
        step = get_global_step(g)
        worker_hooks.append(NanTensorHook(spec.loss))
        if config.log_step_count_steps is not None:
            worker_hooks.append(LoggingTensorHook({"loss": spec.loss, "step": step},
                                                  every_n_iter=config.log_step_count_steps))
        worker_hooks.extend(spec.training_hooks)
        if not (spec.scaffold.saver or g.get_collection(GraphKeys.SAVERS)):
            g.add_to_collection(GraphKeys.SAVERS, Saver(
                sharded=True, max_to_keep=config.keep_checkpoint_max,
                keep_checkpoint_every_n_hours=config.keep_checkpoint_every_n_hours, defer_build=True,
                save_relative_paths=True))
        scaffold = self._scaffold(spec, self.latest_checkpoint())
        chief_hooks = []
        saver_hooks = [h for h in worker_hooks + list(spec.training_chief_hooks) if isinstance(h, CheckpointSaverHook)]
        if (config.save_checkpoints_secs or config.save_checkpoints_steps) and not saver_hooks:
            chief_hooks = [CheckpointSaverHook(self._model_dir, save_secs=config.save_checkpoints_secs,
                                               save_steps=config.save_checkpoints_steps, scaffold=scaffold,
                                               save_graph_def=config.checkpoint_save_graph_def)]
            saver_hooks = chief_hooks
        if listeners:
            if not saver_hooks:
                raise ValueError("There should be a CheckpointSaverHook to use saving_listeners. Please set one of "
                                 "the RunConfig.save_checkpoints_steps or RunConfig.save_checkpoints_secs.")
            for listener in listeners:
                if listener not in saver_hooks[0]._listeners:
                    saver_hooks[0]._listeners.append(listener)
        loss, steps_run = None, 0
        with MonitoredTrainingSession(
                checkpoint_dir=self._model_dir, scaffold=scaffold, hooks=worker_hooks,
                chief_only_hooks=tuple(chief_hooks) + tuple(spec.training_chief_hooks), save_checkpoint_secs=0,
                save_summaries_steps=config.save_summary_steps, config=config.session_config,
                log_step_count_steps=config.log_step_count_steps,
                save_graph_def=config.checkpoint_save_graph_def) as session:
            while not session.should_stop():
                steps_run += 1
                _, loss = session.run([spec.train_op, spec.loss])
        if steps_run == 0:
            logging.warning("Training with estimator made no steps. Perhaps input is empty or misspecified.")
        return loss

    # --- evaluate ------------------------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """The metrics of `eval_metric_ops`, the mean loss over the batches and the global step, over the whole
        input (or `steps` batches), at `checkpoint_path` (default the newest); also written to `eval_dir(name)`."""
        hooks = _check_hooks(hooks)
        if steps is not None:
            if steps <= 0:
                raise ValueError(f"Must specify steps > 0, given: {steps}")
            hooks.append(evaluation.StopAfterNEvalsHook(num_evals=steps))
        checkpoint_path = self._checkpoint_to_use(checkpoint_path, "evaluate")
        with Graph().as_default() as g:
            self._new_graph(g)
            features, labels, input_hooks = self._call_input_fn(input_fn, ModeKeys.EVAL)
            spec = self._call_model_fn(features, labels, ModeKeys.EVAL)
            scaffold = self._scaffold(spec, checkpoint_path)
            metric_ops = dict(spec.eval_metric_ops)
            if LOSS_METRIC_KEY in metric_ops:
                raise ValueError(f'Metric with name "{LOSS_METRIC_KEY}" is not allowed, because Estimator already '
                                 "defines a default metric with the same name.")
            metric_ops[LOSS_METRIC_KEY] = metric_mean(spec.loss)
            update_op = group(*[metric_ops[k][1] for k in sorted(metric_ops)])
            values = {k: metric_ops[k][0] for k in sorted(metric_ops)}
            if GraphKeys.GLOBAL_STEP in values:
                raise ValueError("Metric with name `global_step` is not allowed, because Estimator already defines a "
                                 "default metric with the same name.")
            values[GraphKeys.GLOBAL_STEP] = get_global_step(g)
            results = evaluation.evaluate_once(checkpoint_path, scaffold, update_op, values,
                                               input_hooks + hooks + list(spec.evaluation_hooks),
                                               config=self._config.session_config)
        evaluation.write_dict_to_summary(self.eval_dir(name), results, results[GraphKeys.GLOBAL_STEP])
        return results

    # --- predict -------------------------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields the model's predictions for each example of the input (one dict per example when predictions
        is a dict; whole batches with `yield_single_examples=False`)."""
        hooks = _check_hooks(hooks)
        checkpoint_path = self._checkpoint_to_use(checkpoint_path, "predict")
        with Graph().as_default() as g:
            self._new_graph(g)
            features, _, input_hooks = self._call_input_fn(input_fn, ModeKeys.PREDICT)
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT)
            predictions = _extract_keys(spec.predictions, predict_keys)
            creator = ChiefSessionCreator(scaffold=self._scaffold(spec, checkpoint_path),
                                          checkpoint_filename_with_path=checkpoint_path,
                                          config=self._config.session_config)
            with MonitoredSession(session_creator=creator,
                                  hooks=input_hooks + hooks + list(spec.prediction_hooks)) as session:
                while not session.should_stop():
                    batch = session.run(predictions)
                    if not yield_single_examples:
                        yield batch
                    elif not isinstance(predictions, dict):
                        yield from batch
                    else:
                        for i in range(_batch_length(batch)):
                            yield {k: v[i] for k, v in batch.items()}

    # --- export --------------------------------------------------------------------------------------------
    def export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                           checkpoint_path=None, experimental_mode=ModeKeys.PREDICT):
        """Write the PREDICT graph that `serving_input_receiver_fn` feeds, with the variables of
        `checkpoint_path` (default the newest), as a SavedModel in `export_dir_base/<timestamp>`; returns that
        path (bytes). Signatures come from the spec's `export_outputs` (default: a Predict signature)."""
        from .export import export_saved_model

        if experimental_mode != ModeKeys.PREDICT:
            raise ValueError(f"graphgrad exports the PREDICT graph only; given experimental_mode {experimental_mode}")
        return export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra, as_text,
                                  checkpoint_path)

    def export_savedmodel(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                          checkpoint_path=None, strip_default_attrs=False):
        """TF 1.x's name of `export_saved_model`."""
        return self.export_saved_model(export_dir_base, serving_input_receiver_fn, assets_extra, as_text,
                                       checkpoint_path)


def _extract_keys(predictions, predict_keys):
    if not predict_keys:
        return predictions
    if not isinstance(predictions, dict):
        raise ValueError("predictions must be a dict if predict_keys is set.")
    existing = set(predictions)
    chosen = {k: v for k, v in predictions.items() if k in predict_keys}
    if not chosen:
        raise ValueError(f"Expected to run at least one output from {existing}, provided {predict_keys}.")
    return chosen


def _batch_length(batch):
    length = None
    for key, value in batch.items():
        length = length or value.shape[0]
        if value.shape[0] != length:
            raise ValueError(f"Batch length of predictions should be same. {key} has different batch length than "
                             "others.")
    return length
