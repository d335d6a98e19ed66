"""contrib.learn's `Estimator` calls (`fit`, `evaluate`, `predict`) over `tf.estimator.Estimator`, and its
`RunConfig` arguments."""
from __future__ import annotations

import numpy as np

from ...estimator import estimator as core
from ...estimator.run_config import _USE_DEFAULT
from ...estimator.run_config import RunConfig as _CoreRunConfig


class RunConfig(_CoreRunConfig):
    """contrib.learn's RunConfig: its extra arguments (`master`, `num_cores`, `log_device_placement`,
    `gpu_memory_fraction`, `evaluation_master`) are accepted and have no effect in one graphgrad process."""

    def __init__(self, master=None, num_cores=0, log_device_placement=False, gpu_memory_fraction=1,
                 tf_random_seed=None, save_summary_steps=100, save_checkpoints_secs=_USE_DEFAULT,
                 save_checkpoints_steps=None, keep_checkpoint_max=5, keep_checkpoint_every_n_hours=10000,
                 log_step_count_steps=100, protocol=None, evaluation_master="", model_dir=None,
                 session_config=None, session_creation_timeout_secs=7200):
        if save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_secs = 600 if save_checkpoints_steps is None else None
        super().__init__(model_dir=model_dir, tf_random_seed=tf_random_seed, save_summary_steps=save_summary_steps,
                         save_checkpoints_steps=save_checkpoints_steps, save_checkpoints_secs=save_checkpoints_secs,
                         session_config=session_config, keep_checkpoint_max=keep_checkpoint_max,
                         keep_checkpoint_every_n_hours=keep_checkpoint_every_n_hours,
                         log_step_count_steps=log_step_count_steps, protocol=protocol,
                         session_creation_timeout_secs=session_creation_timeout_secs)


def _only_input_fn(x, y, batch_size, what):
    if x is not None or y is not None or batch_size is not None:
        raise ValueError(f"graphgrad's contrib.learn Estimator.{what} takes input_fn; x, y and batch_size (the "
                         "deprecated numpy arguments) are not supported.")


class Estimator(core.Estimator):
    """A contrib.learn Estimator: `fit`, `evaluate` and `predict` as contrib names them."""

    def fit(self, x=None, y=None, input_fn=None, steps=None, batch_size=None, monitors=None, max_steps=None):
        """Train on `input_fn` for `steps` steps or until the global step reaches `max_steps`; returns self."""
        _only_input_fn(x, y, batch_size, "fit")
        if input_fn is None:
            raise ValueError("Either x or input_fn must be provided.")
        return self.train(input_fn, hooks=monitors, steps=steps, max_steps=max_steps)

    def evaluate(self, x=None, y=None, input_fn=None, feed_fn=None, batch_size=None, steps=None, metrics=None,
                 name=None, checkpoint_path=None, hooks=None, log_progress=True):
        """The metrics (`loss`, `accuracy`, ..., `global_step`) over `input_fn`'s batches."""
        _only_input_fn(x, y, batch_size, "evaluate")
        if metrics is not None or feed_fn is not None:
            raise ValueError("graphgrad's contrib.learn Estimator.evaluate does not take metrics or feed_fn.")
        return super().evaluate(input_fn, steps=steps, hooks=hooks, checkpoint_path=checkpoint_path, name=name)

    def predict(self, x=None, input_fn=None, batch_size=None, outputs=None, as_iterable=True, iterate_batches=False):
        """The predictions of `input_fn`'s examples: an iterator of dicts (`as_iterable`), else one dict of
        arrays over all of them."""
        _only_input_fn(x, None, batch_size, "predict")
        if as_iterable:
            return super().predict(input_fn, predict_keys=outputs, yield_single_examples=not iterate_batches)
        batches = list(super().predict(input_fn, predict_keys=outputs, yield_single_examples=False))
        return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]} if batches else {}
