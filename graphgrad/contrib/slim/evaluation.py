"""`slim.evaluation`: evaluate a checkpoint with streaming metrics, once or each time a new one appears.

    names_to_values, names_to_updates = slim.metrics.aggregate_metric_map({
        "accuracy": slim.metrics.streaming_accuracy(predictions, labels)})
    values = slim.evaluation.evaluate_once("", checkpoint_path, logdir, num_evals=10,
                                           eval_op=list(names_to_updates.values()),
                                           final_op=list(names_to_values.values()))

A run restores the checkpoint (`variables_to_restore`, default all), initializes the local variables (the
metrics' totals and counts start at zero), runs `initial_op`, then `eval_op` `num_evals` times (the input may
end sooner: an OutOfRangeError ends the evaluation), then `final_op`, whose value it returns; with a `logdir`
the summaries (`summary_op`, default all) are written there at the checkpoint's global step.
"""
from __future__ import annotations

import time

from ... import logging
from ...framework.errors import OutOfRangeError
from ...framework.graph import GraphKeys, get_default_graph
from ...ops.core import group
from ...runtime.session import Session
from ...train.checkpoint_utils import checkpoints_iterator, wait_for_new_checkpoint
from ...train.global_step import get_global_step
from ...train.saver import Saver
from ...variables import local_variables_initializer

__all__ = ["checkpoints_iterator", "evaluate_once", "evaluation_loop", "wait_for_new_checkpoint"]

_USE_DEFAULT = 0


def _default_summary_op(summary_op):
    if summary_op != _USE_DEFAULT:
        return summary_op
    if not get_default_graph().get_collection(GraphKeys.SUMMARIES):
        return None
    from ...summary import merge_all

    return merge_all()


class _Evaluation:
    """What one evaluation runs, built once (a loop over checkpoints adds no ops per checkpoint)."""

    def __init__(self, variables_to_restore, summary_op, hooks):
        if hooks:
            raise NotImplementedError("slim.evaluation: session-run hooks are not supported here; fetch what they "
                                      "would observe with final_op")
        self.summary_op = _default_summary_op(summary_op)
        self.saver = Saver(variables_to_restore)
        self.local_init = group(local_variables_initializer())
        self.global_step = get_global_step()

    def run(self, checkpoint_path, logdir, num_evals, initial_op, initial_op_feed_dict, eval_op, eval_op_feed_dict,
            final_op, final_op_feed_dict, summary_op_feed_dict, session_config):
        logging.info("Starting evaluation at %s", time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()))
        with Session(config=session_config) as sess:
            self.saver.restore(sess, checkpoint_path)
            sess.run(self.local_init)
            if initial_op is not None:
                sess.run(initial_op, feed_dict=initial_op_feed_dict)
            if eval_op is not None:
                every, done = max(num_evals // 10, 1), 0
                try:
                    while done < num_evals:
                        sess.run(eval_op, feed_dict=eval_op_feed_dict)
                        done += 1
                        if done % every == 0 or done == num_evals:
                            logging.info("Evaluation [%d/%d]", done, num_evals)
                except OutOfRangeError:
                    logging.info("Input ended after %d of %d evaluations", done, num_evals)
            final = sess.run(final_op, feed_dict=final_op_feed_dict) if final_op is not None else None
            if logdir and self.summary_op is not None:
                from ...summary import FileWriterCache

                step = int(sess.run(self.global_step)) if self.global_step is not None else None
                writer = FileWriterCache.get(logdir)
                writer.add_summary(sess.run(self.summary_op, feed_dict=summary_op_feed_dict), step)
                writer.flush()
        logging.info("Finished evaluation at %s", time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()))
        return final


def evaluate_once(master, checkpoint_path, logdir, num_evals=1, initial_op=None, initial_op_feed_dict=None,
                  eval_op=None, eval_op_feed_dict=None, final_op=None, final_op_feed_dict=None,
                  summary_op=_USE_DEFAULT, summary_op_feed_dict=None, variables_to_restore=None,
                  session_config=None, hooks=None):
    """Evaluate the model in `checkpoint_path` (see the module); returns the value of `final_op` (or None)."""
    return _Evaluation(variables_to_restore, summary_op, hooks).run(
        checkpoint_path, logdir, num_evals, initial_op, initial_op_feed_dict, eval_op, eval_op_feed_dict, final_op,
        final_op_feed_dict, summary_op_feed_dict, session_config)


def evaluation_loop(master, checkpoint_dir, logdir, num_evals=1, initial_op=None, initial_op_feed_dict=None,
                    init_fn=None, eval_op=None, eval_op_feed_dict=None, final_op=None, final_op_feed_dict=None,
                    summary_op=_USE_DEFAULT, summary_op_feed_dict=None, variables_to_restore=None,
                    eval_interval_secs=60, max_number_of_evaluations=None, session_config=None, timeout=None,
                    timeout_fn=None, hooks=None):
    """`evaluate_once` on each new checkpoint of `checkpoint_dir` (at most every `eval_interval_secs`), up to
    `max_number_of_evaluations` of them or until none comes for `timeout` seconds; returns the last final value."""
    evaluation = _Evaluation(variables_to_restore, summary_op, hooks)
    final, done = None, 0
    for checkpoint in checkpoints_iterator(checkpoint_dir, eval_interval_secs, timeout, timeout_fn):
        final = evaluation.run(checkpoint, logdir, num_evals, initial_op, initial_op_feed_dict, eval_op,
                               eval_op_feed_dict, final_op, final_op_feed_dict, summary_op_feed_dict, session_config)
        done += 1
        if max_number_of_evaluations is not None and done >= max_number_of_evaluations:
            break
    return final

