"""`slim.learning`: a training op that returns the loss, and a loop that runs it under a `tf.train.Supervisor`.

    train_op = slim.learning.create_train_op(total_loss, tf.train.AdamOptimizer(1e-3))
    final_loss = slim.learning.train(train_op, logdir, number_of_steps=1000, save_interval_secs=60)

`create_train_op` runs the UPDATE_OPS (batch norm's moving averages) before the loss, applies the optimizer's
step and increments the global step, and its value is the loss (checked for inf/NaN). `train` restores the newest
checkpoint in `logdir` (else initializes, then runs `init_fn`, e.g. `slim.assign_from_checkpoint_fn` for
fine-tuning), runs steps until the global step reaches `number_of_steps` or the input ends, logs the loss every
`log_every_n_steps`, writes summaries and checkpoints on the Supervisor's timers, and saves a last checkpoint.
"""
from __future__ import annotations

import time

from ... import logging
from ...framework.errors import OutOfRangeError
from ...framework.graph import GraphKeys, control_dependencies, get_default_graph, name_scope
from ...ops import clip_ops, logging_ops, math_ops
from ...ops.core import constant, convert_to_tensor, no_op, with_dependencies
from ...train.global_step import get_or_create_global_step
from ...train.saver import Saver
from ...train.supervisor import Supervisor
from ...variables import trainable_variables

__all__ = ["add_gradients_summaries", "clip_gradient_norms", "create_train_op", "multiply_gradients", "train",
           "train_step"]

_USE_GLOBAL_STEP = 0
_USE_DEFAULT = 0


def clip_gradient_norms(gradients_to_variables, max_norm):
    """Each gradient clipped to the norm `max_norm` on its own (`tf.clip_by_norm`)."""
    return [(clip_ops.clip_by_norm(g, max_norm) if g is not None else None, v) for g, v in gradients_to_variables]


def multiply_gradients(grads_and_vars, gradient_multipliers):
    """Gradients of the variables in `gradient_multipliers` (keyed by variable or op name) times their factor."""
    if not isinstance(grads_and_vars, list):
        raise ValueError("`grads_and_vars` must be a list.")
    if not gradient_multipliers:
        raise ValueError("`gradient_multipliers` is empty.")
    if not isinstance(gradient_multipliers, dict):
        raise ValueError("`gradient_multipliers` must be a dict.")
    out = []
    for grad, var in grads_and_vars:
        key = var if var in gradient_multipliers else var.op.name
        if key in gradient_multipliers:
            if grad is None:
                raise ValueError("Requested multiple of `None` gradient.")
            grad = math_ops.multiply(grad, convert_to_tensor(gradient_multipliers[key], dtype=grad.dtype.base_dtype))
        out.append((grad, var))
    return out


def add_gradients_summaries(grads_and_vars):
    """A histogram `<var>/gradient` and a scalar `<var>/gradient_norm` per gradient."""
    from ...summary import histogram, scalar

    summaries = []
    for grad, var in grads_and_vars:
        if grad is None:
            logging.info("Var %s has no gradient", var.op.name)
            continue
        summaries.append(histogram(var.op.name + "/gradient", grad))
        summaries.append(scalar(var.op.name + "/gradient_norm", clip_ops.global_norm([grad])))
    return summaries


def create_train_op(total_loss, optimizer, global_step=_USE_GLOBAL_STEP, update_ops=None, variables_to_train=None,
                    clip_gradient_norm=0, summarize_gradients=False, gate_gradients=1, aggregation_method=None,
                    colocate_gradients_with_ops=False, gradient_multipliers=None, check_numerics=True):
    """A tensor whose evaluation runs the update ops, takes an optimizer step on `variables_to_train` (default:
    all trainable) and increments `global_step` (default: the graph's, created if missing; None: no step), and
    whose value is the loss before the step. Added to the TRAIN_OP collection."""
    if global_step is _USE_GLOBAL_STEP:
        global_step = get_or_create_global_step()
    graph = get_default_graph()
    all_updates = set(graph.get_collection(GraphKeys.UPDATE_OPS))
    update_ops = all_updates if update_ops is None else set(update_ops)
    if not all_updates.issubset(update_ops):
        logging.warning("update_ops in create_train_op does not contain all the update_ops in GraphKeys.UPDATE_OPS")
    if update_ops:
        with control_dependencies(sorted(update_ops, key=lambda u: u.name)):
            barrier = no_op(name="update_barrier")
        total_loss = with_dependencies([barrier], total_loss)
    if variables_to_train is None:
        variables_to_train = trainable_variables()
    if not variables_to_train:
        raise ValueError("No variables to optimize.")
    grads = optimizer.compute_gradients(total_loss, variables_to_train, gate_gradients=gate_gradients,
                                        aggregation_method=aggregation_method,
                                        colocate_gradients_with_ops=colocate_gradients_with_ops)
    if gradient_multipliers:
        with name_scope("multiply_grads"):
            grads = multiply_gradients(grads, gradient_multipliers)
    if clip_gradient_norm > 0:
        with name_scope("clip_grads"):
            grads = clip_gradient_norms(grads, clip_gradient_norm)
    if summarize_gradients:
        with name_scope("summarize_grads"):
            add_gradients_summaries(grads)
    grad_updates = optimizer.apply_gradients(grads, global_step=global_step)
    with name_scope("train_op"):
        if check_numerics:
            total_loss = logging_ops.check_numerics(total_loss, "LossTensor is inf or nan")
        train_op = with_dependencies([grad_updates], total_loss)
    train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
    if train_op not in train_ops:
        train_ops.append(train_op)
    return train_op


def train_step(sess, train_op, global_step, train_step_kwargs):
    """One step: (the loss, whether to stop). Logs when `train_step_kwargs["should_log"]` says so."""
    start = time.time()
    total_loss, step = sess.run([train_op, global_step])
    elapsed = time.time() - start
    if "should_log" in train_step_kwargs and sess.run(train_step_kwargs["should_log"]):
        logging.info("global step %d: loss = %.4f (%.3f sec/step)", step, total_loss, elapsed)
    should_stop = sess.run(train_step_kwargs["should_stop"]) if "should_stop" in train_step_kwargs else False
    return total_loss, should_stop


def train(train_op, logdir, train_step_fn=train_step, train_step_kwargs=_USE_DEFAULT, log_every_n_steps=1,
          graph=None, master="", is_chief=True, global_step=None, number_of_steps=None, init_op=_USE_DEFAULT,
          init_feed_dict=None, local_init_op=_USE_DEFAULT, init_fn=None, ready_op=_USE_DEFAULT,
          summary_op=_USE_DEFAULT, save_summaries_secs=600, summary_writer=_USE_DEFAULT, startup_delay_steps=0,
          saver=None, save_interval_secs=600, sync_optimizer=None, session_config=None, session_wrapper=None,
          trace_every_n_steps=None, ignore_live_threads=False):
    """Run `train_op` until the global step reaches `number_of_steps` (or the input ends, or forever); returns
    the last loss. With `logdir` None nothing is written (then `summary_op`, `saver` and tracing must be unset)."""
    if train_op is None:
        raise ValueError("train_op cannot be None.")
    if logdir is None:
        if summary_op != _USE_DEFAULT:
            raise ValueError("Cannot provide summary_op because logdir=None")
        if saver is not None:
            raise ValueError("Cannot provide saver because logdir=None")
        if trace_every_n_steps is not None:
            raise ValueError("Cannot provide trace_every_n_steps because logdir=None")
    if sync_optimizer is not None:
        raise NotImplementedError("slim.learning.train: sync_optimizer (SyncReplicasOptimizer) is not supported; "
                                  "graphgrad.distributed averages gradients over MPI instead")
    if number_of_steps is not None and number_of_steps <= 0:
        raise ValueError("`number_of_steps` must be either None or a positive number.")
    if trace_every_n_steps is not None:
        logging.warning("slim.learning.train: trace_every_n_steps is ignored (graphgrad writes no Chrome traces; "
                        "python -m bench.step_profile shows where a step's time goes)")
    graph = graph or get_default_graph()
    sv_args = {}
    with graph.as_default():
        if global_step is None:
            global_step = get_or_create_global_step()
        saver = saver or Saver()
        for name, value in (("init_op", init_op), ("local_init_op", local_init_op), ("ready_op", ready_op),
                            ("summary_op", summary_op), ("summary_writer", summary_writer)):
            if value is not _USE_DEFAULT:
                sv_args[name] = value
        if train_step_kwargs is _USE_DEFAULT:
            with name_scope("train_step"):
                train_step_kwargs = {"should_stop": (math_ops.greater_equal(global_step, number_of_steps)
                                                     if number_of_steps else constant(False))}
                if log_every_n_steps > 0:
                    train_step_kwargs["should_log"] = math_ops.equal(math_ops.mod(global_step, log_every_n_steps), 0)
    sv = Supervisor(graph=graph, is_chief=is_chief, logdir=logdir, init_feed_dict=init_feed_dict,
                    global_step=global_step, saver=saver, save_summaries_secs=save_summaries_secs,
                    save_model_secs=save_interval_secs, init_fn=init_fn, **sv_args)
    total_loss = None
    with sv.managed_session(master, start_standard_services=False, config=session_config) as sess:
        logging.info("Starting Session.")
        if session_wrapper is not None:
            sess = session_wrapper(sess)
        if is_chief and logdir:
            sv.start_standard_services(sess)
        logging.info("Starting Queues.")
        try:
            while not sv.should_stop():
                total_loss, should_stop = train_step_fn(sess, train_op, global_step, train_step_kwargs)
                if should_stop:
                    logging.info("Stopping Training.")
                    sv.request_stop()
                    break
        except OutOfRangeError as e:  # the end of the input stops training quietly, as in TF
            logging.info("Caught OutOfRangeError. Stopping Training. %s", e)
        if logdir and sv.is_chief:
            logging.info("Finished training! Saving model to disk.")
            sv.saver.save(sess, sv.save_path, global_step=sv.global_step)
    return total_loss
