"""`tf.train.basic_train_loop`: the simplest training loop over a `Supervisor`'s managed session."""
from __future__ import annotations

from ..framework import errors

__all__ = ["basic_train_loop"]


def basic_train_loop(supervisor, train_step_fn, args=None, kwargs=None, master=""):
    """Call `train_step_fn(sess, *args, **kwargs)` until the supervisor says stop, in a session it manages;
    an AbortedError (a restarted server in TF) starts a new session and goes on."""
    args, kwargs = args or [], kwargs or {}
    should_retry = True
    while should_retry:
        try:
            should_retry = False
            with supervisor.managed_session(master) as sess:
                while not supervisor.should_stop():
                    train_step_fn(sess, *args, **kwargs)
        except errors.AbortedError:
            should_retry = True
