"""`tf.estimator.RunConfig`: where an Estimator writes and how often it checkpoints, summarizes and logs."""
from __future__ import annotations

import copy

__all__ = ["RunConfig"]

_USE_DEFAULT = object()
_SAVE_CKPT_ERR = "`save_checkpoints_steps` and `save_checkpoints_secs` cannot be both set."
#: The settings `replace` may change (TF's list; the cluster's are fixed by the environment).
_REPLACEABLE = ("model_dir", "tf_random_seed", "save_summary_steps", "save_checkpoints_steps",
                "save_checkpoints_secs", "session_config", "keep_checkpoint_max", "keep_checkpoint_every_n_hours",
                "log_step_count_steps", "train_distribute", "device_fn", "protocol", "eval_distribute",
                "experimental_distribute", "experimental_max_worker_delay_secs", "session_creation_timeout_secs",
                "checkpoint_save_graph_def")
_AT_LEAST_ZERO = ("save_summary_steps", "save_checkpoints_steps", "save_checkpoints_secs", "keep_checkpoint_max",
                  "log_step_count_steps", "session_creation_timeout_secs")


class RunConfig:
    """Read-only settings of an Estimator's runs. Checkpoints every 600 seconds unless `save_checkpoints_steps`
    or `_secs` is given (not both), keeping the newest `keep_checkpoint_max` (5); summaries every
    `save_summary_steps` (100); loss and steps/sec logged every `log_step_count_steps` (100, None for never).
    graphgrad trains in one process: the cluster properties are those of a lone chief."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=_USE_DEFAULT, save_checkpoints_secs=_USE_DEFAULT, session_config=None,
                 keep_checkpoint_max=5, keep_checkpoint_every_n_hours=10000, log_step_count_steps=100,
                 train_distribute=None, device_fn=None, protocol=None, eval_distribute=None,
                 experimental_distribute=None, experimental_max_worker_delay_secs=None,
                 session_creation_timeout_secs=7200, checkpoint_save_graph_def=True):
        if save_checkpoints_steps is _USE_DEFAULT and save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_steps, save_checkpoints_secs = None, 600
        elif save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_secs = None
        elif save_checkpoints_steps is _USE_DEFAULT:
            save_checkpoints_steps = None
        elif save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError(_SAVE_CKPT_ERR)
        values = dict(locals())
        del values["self"]
        self._values = {k: values[k] for k in _REPLACEABLE}
        self._validate()

    def _validate(self):
        v = self._values
        if v["model_dir"] is not None:
            v["model_dir"] = str(v["model_dir"])
            if not v["model_dir"]:
                raise ValueError("model_dir should be non-empty")
        for key in _AT_LEAST_ZERO:
            if v[key] is not None and v[key] < 0:
                raise ValueError(f"{key} should be >= 0")
        if v["keep_checkpoint_every_n_hours"] is not None and v["keep_checkpoint_every_n_hours"] <= 0:
            raise ValueError("keep_checkpoint_every_n_hours should be > 0")
        if v["tf_random_seed"] is not None and not isinstance(v["tf_random_seed"], int):
            raise ValueError(f"tf_random_seed must be integer, given {v['tf_random_seed']!r}")
        if v["save_checkpoints_steps"] is not None and v["save_checkpoints_secs"] is not None:
            raise ValueError(_SAVE_CKPT_ERR)

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(f"'RunConfig' object has no attribute {name!r}")

    # A lone chief: graphgrad's Estimator trains in this process.
    master = evaluation_master = ""
    is_chief = True
    num_worker_replicas = 1
    num_ps_replicas = 0
    task_type = "worker"
    task_id = 0
    global_id_in_cluster = 0
    cluster_spec = None
    service = None

    def replace(self, **kwargs):
        """A copy with `kwargs` changed: ValueError for a setting that cannot be replaced or a bad value.
        Replacing one of save_checkpoints_steps/secs turns the other off unless both are given."""
        for key in kwargs:
            if key not in _REPLACEABLE:
                raise ValueError(f"{key} property is not allowed to be replaced")
        new = copy.copy(self)
        new._values = {**self._values, **kwargs}
        steps, secs = "save_checkpoints_steps" in kwargs, "save_checkpoints_secs" in kwargs
        if steps and not secs and kwargs["save_checkpoints_steps"] is not None:
            new._values["save_checkpoints_secs"] = None
        elif secs and not steps and kwargs["save_checkpoints_secs"] is not None:
            new._values["save_checkpoints_steps"] = None
        new._validate()
        return new

    def __repr__(self):
        return repr({**self._values, "master": self.master, "is_chief": self.is_chief,
                     "num_worker_replicas": self.num_worker_replicas, "num_ps_replicas": self.num_ps_replicas,
                     "task_type": self.task_type, "task_id": self.task_id, "service": self.service})
