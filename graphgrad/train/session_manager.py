"""`tf.train.SessionManager` (TF1's training/session_manager.py): a session whose model is ready, made by
restoring a checkpoint, else by running an init op, then the local init op, checked by `ready_op` (the names of
the variables still uninitialized; empty when ready). `Supervisor` and `MonitoredSession` do the same for
themselves; this is the class for programs that drive it directly.

    sm = tf.train.SessionManager(ready_op=tf.report_uninitialized_variables())
    sess = sm.prepare_session("", init_op=tf.global_variables_initializer(), saver=saver, checkpoint_dir=d)

`master` is accepted for compatibility (graphgrad runs in-process); `wait_for_session` waits for another process's
initialization only in so far as the model's readiness can change in this one (a `wait_for_checkpoint` does wait
for a checkpoint file another process writes).
"""
from __future__ import annotations

import time

import numpy as np

from .. import logging
from ..framework import errors
from ..framework.graph import get_default_graph
from ..runtime.session import Session
from .saver import get_checkpoint_state

__all__ = ["SessionManager"]


def _name(op):
    return getattr(op, "name", op)


def _ready(op, sess, msg):
    """(ready, why not): `op` (a ready op) gives the uninitialized variables' names, empty when all are."""
    if op is None:
        return True, None
    try:
        value = sess.run(op)
    except errors.FailedPreconditionError as e:
        if "uninitialized" not in str(e):
            logging.warning("%s raised: %s", msg, e)
            raise
        return False, str(e)
    if value is None or value.dtype == np.int32 or value.size == 0:
        return True, None
    names = ", ".join(v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.ravel(value))
    return False, "Variables not initialized: " + names


class SessionManager:
    """Makes sessions whose model is ready: `prepare_session` (the chief's), `recover_session`,
    `wait_for_session` (a worker's)."""

    def __init__(self, local_init_op=None, ready_op=None, ready_for_local_init_op=None, graph=None,
                 recovery_wait_secs=30, local_init_run_options=None, local_init_feed_dict=None):
        if ready_for_local_init_op is not None and local_init_op is None:
            raise ValueError("If you pass a ready_for_local_init_op you must also pass a local_init_op , "
                             f"ready_for_local_init_op [{ready_for_local_init_op}]")
        self._local_init_op, self._ready_op = local_init_op, ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._graph = graph if graph is not None else get_default_graph()
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_run_options, self._local_init_feed_dict = local_init_run_options, local_init_feed_dict

    def _restore_checkpoint(self, saver, checkpoint_dir, checkpoint_filename_with_path, wait_for_checkpoint,
                            max_wait_secs, config):
        """(a new session, whether a checkpoint was restored into it)."""
        sess = Session(graph=self._graph, config=config)
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError("Can not provide both checkpoint_dir and checkpoint_filename_with_path.")
        if not saver or not (checkpoint_dir or checkpoint_filename_with_path):
            return sess, False
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return sess, True
        waited = 0
        state = get_checkpoint_state(checkpoint_dir)
        while not state or not state.model_checkpoint_path:
            if not (wait_for_checkpoint and waited < max_wait_secs):
                return sess, False
            logging.info("Waiting for checkpoint to be available.")
            time.sleep(self._recovery_wait_secs)
            waited += self._recovery_wait_secs
            state = get_checkpoint_state(checkpoint_dir)
        saver.restore(sess, state.model_checkpoint_path)
        saver.recover_last_checkpoints(list(state.all_model_checkpoint_paths))
        return sess, True

    def prepare_session(self, master, init_op=None, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint=False, max_wait_secs=7200,
                        config=None, init_feed_dict=None, init_fn=None):
        """A session with the model restored from a checkpoint, else initialized by `init_op` and `init_fn`;
        RuntimeError when the ready ops still name uninitialized variables."""
        sess, restored = self._restore_checkpoint(saver, checkpoint_dir, checkpoint_filename_with_path,
                                                  wait_for_checkpoint, max_wait_secs, config)
        if not restored:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or local_init_op was given")
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        ok, msg = self._try_run_local_init_op(sess)
        if not ok:
            raise RuntimeError("Init operations did not make model ready for local_init.  Init op: "
                               f"{_name(init_op)}, init fn: {init_fn}, error: {msg}")
        ok, msg = _ready(self._ready_op, sess, "Model not ready")
        if not ok:
            raise RuntimeError(f"Init operations did not make model ready.  Init op: {_name(init_op)}, init fn: "
                               f"{init_fn}, local_init_op: {self._local_init_op}, error: {msg}")
        return sess

    def recover_session(self, master, saver=None, checkpoint_dir=None, checkpoint_filename_with_path=None,
                        wait_for_checkpoint=False, max_wait_secs=7200, config=None):
        """(session, True) when a checkpoint restored a ready model, else (session, False): nothing initialized."""
        sess, restored = self._restore_checkpoint(saver, checkpoint_dir, checkpoint_filename_with_path,
                                                  wait_for_checkpoint, max_wait_secs, config)
        local_ok, msg = self._try_run_local_init_op(sess)
        if not restored:
            return sess, False
        source = checkpoint_dir or checkpoint_filename_with_path
        if not local_ok:
            logging.info("Restoring model from %s did not make model ready for local init: %s", source, msg)
            return sess, False
        ready, msg = _ready(self._ready_op, sess, "Model not ready")
        if not ready:
            logging.info("Restoring model from %s did not make model ready: %s", source, msg)
            return sess, False
        logging.info("Restored model from %s", source)
        return sess, True

    def wait_for_session(self, master, config=None, max_wait_secs=float("Inf")):
        """A session once the model is ready (after the local init op); DeadlineExceededError after
        `max_wait_secs`, tried every `recovery_wait_secs`."""
        max_wait_secs = float("Inf") if max_wait_secs is None else max_wait_secs
        deadline = time.time() + max_wait_secs
        while True:
            sess = Session(graph=self._graph, config=config)
            ready, not_ready_msg = False, None
            local_ok, not_ready_local_msg = self._try_run_local_init_op(sess)
            if local_ok:
                ready, not_ready_msg = _ready(self._ready_op, sess, "Model not ready")
                if ready:
                    return sess
            sess.close()
            if deadline - time.time() - self._recovery_wait_secs < 0:
                raise errors.DeadlineExceededError(None, None, f"Session was not ready after waiting "
                                                   f"{int(max_wait_secs)} secs.")
            logging.info("Waiting for model to be ready.  Ready_for_local_init_op:  %s, ready: %s",
                         not_ready_local_msg, not_ready_msg)
            time.sleep(self._recovery_wait_secs)

    def _try_run_local_init_op(self, sess):
        if self._local_init_op is None:
            return True, None
        ready, msg = _ready(self._ready_for_local_init_op, sess, "Model not ready for local init")
        if not ready:
            return False, msg
        logging.info("Running local_init_op.")
        sess.run(self._local_init_op, feed_dict=self._local_init_feed_dict, options=self._local_init_run_options)
        logging.info("Done running local_init_op.")
        return True, None
