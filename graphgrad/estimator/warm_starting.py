"""`tf.estimator.WarmStartSettings`: start a new model's variables from another model's checkpoint."""
from __future__ import annotations

import os
import re

from .. import logging
from ..train.monitored_session import Scaffold
from ..train.saver import Saver, latest_checkpoint, list_variables
from ..variables import trainable_variables

__all__ = ["WarmStartSettings", "warm_start_scaffold"]


class WarmStartSettings:
    """Start a model's variables from another checkpoint: those of `vars_to_warm_start` (a regex, or a list of
    names or regexes; default all trainable variables) found in `ckpt_to_initialize_from` (a file or a folder),
    under their names there (`var_name_to_prev_var_name` maps renamed ones)."""

    def __init__(self, ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None,
                 var_name_to_prev_var_name=None):
        if not ckpt_to_initialize_from:
            raise ValueError("`ckpt_to_initialize_from` MUST be set in WarmStartSettings")
        if var_name_to_vocab_info:
            raise ValueError("var_name_to_vocab_info needs vocabulary files, which graphgrad does not read")
        self.ckpt_to_initialize_from = os.fspath(ckpt_to_initialize_from)
        self.vars_to_warm_start = vars_to_warm_start
        self.var_name_to_prev_var_name = dict(var_name_to_prev_var_name or {})

    def _saver(self):
        """A Saver restoring the chosen variables from their names in the checkpoint (built in the graph)."""
        patterns = self.vars_to_warm_start
        patterns = [patterns] if isinstance(patterns, str) else list(patterns or [])
        in_ckpt = {name for name, _ in list_variables(self.ckpt_to_initialize_from)}
        chosen = {}
        for v in trainable_variables():
            name = v.op.name
            if any(re.match(p, name) for p in patterns):
                prev = self.var_name_to_prev_var_name.get(name, name)
                if prev in in_ckpt:
                    chosen[prev] = v
        logging.info("Warm-starting %d variables from: %s", len(chosen), self.ckpt_to_initialize_from)
        return Saver(chosen, allow_empty=True) if chosen else None

    def _path(self):
        path = self.ckpt_to_initialize_from
        return latest_checkpoint(path) if os.path.isdir(path) else path


def warm_start_scaffold(settings, scaffold):
    """`scaffold` with an init_fn that first restores the warm-started variables (then the user's init_fn)."""
    saver, path = settings._saver(), settings._path()
    if saver is None:
        return scaffold
    user_init_fn = scaffold._user_init_fn

    def init_fn(scaffold, session):
        saver.restore(session, path)
        if user_init_fn:
            user_init_fn(scaffold, session)

    return Scaffold(init_fn=init_fn, copy_from_scaffold=scaffold)
