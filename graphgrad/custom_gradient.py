"""`tf.custom_gradient`, `tf.grad_pass_through` and `tf.recompute_grad`: a Python function with the gradient you
give it (gradient clipping and reversal layers, straight-through estimators), in graph mode and eagerly.

Graph mode does what TF1 does: the results, the arguments and the variables the function read pass through one
`IdentityN` op whose gradient, registered under a fresh name (`gradient_override_map`), calls your `grad_fn`; the
function's own ops get no gradient. Eagerly, the function runs unrecorded and the tapes that watch its
arguments record one IdentityN op that calls `grad_fn`.
"""
from __future__ import annotations

import functools
import inspect
import itertools

from .eager import context as _ctx
from .eager.context import EagerOperation, executing_eagerly
from .eager.nest import flatten, pack
from .eager.tensor import EagerTensor
from .framework.graph import get_default_graph
from .framework.op_def import RegisterGradient
from .ops.core import convert_to_tensor, identity
from .ops.framework_ops import IdentityN, identity_n
from .variables import Variable, get_variable_scope, global_variables, local_variables, variable_scope

__all__ = ["custom_gradient", "grad_pass_through", "recompute_grad"]

_uids = itertools.count()


def custom_gradient(f=None):
    """Decorator: `f(*x)` returns `(y, grad_fn)`; the gradient of y with respect to x is `grad_fn(dy)` (one
    gradient per argument, a list for several). When f reads variables, `grad_fn(dy, variables=None)` returns
    `(gradients of the arguments, gradients of the variables)`, the variables in the order they are passed."""
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        if executing_eagerly():
            return _eager(f, args, kwargs)
        return _graph(f, args, kwargs)
    return decorated


def _accepts_variables(grad_fn):
    spec = inspect.getfullargspec(grad_fn)
    return "variables" in spec.args or "variables" in spec.kwonlyargs or spec.varkw is not None


def _check_variables(grad_fn, variables):
    if variables and not _accepts_variables(grad_fn):
        raise TypeError("@tf.custom_gradient grad_fn must accept keyword argument 'variables', since function uses "
                        f"variables: {variables}")


def _call_grad_fn(grad_fn, result_grads, variables, n_args):
    """grad_fn's gradients as one flat list: the arguments', then the variables'."""
    if variables:
        input_grads, variable_grads = grad_fn(*result_grads, variables=variables)
        if len(variable_grads) != len(variables):
            raise ValueError("Must return gradient for each variable from @custom_gradient grad_fn.")
    else:
        input_grads, variable_grads = grad_fn(*result_grads), []
    flat = flatten(input_grads) if isinstance(input_grads, (list, tuple)) else [input_grads]
    if len(flat) != n_args:
        raise ValueError(f"custom_gradient function expected to return {n_args} gradients, but returned "
                         f"{len(flat)} instead.")
    return [*flat, *variable_grads]


def _variables_between(args, results):
    """The variables whose values the results were computed from, not through the arguments (TF1 walks the ops
    between them for variable ops)."""
    stops = {id(t) for t in args}
    by_op = {v.op: v for v in [*global_variables(), *local_variables()] if getattr(v, "op", None) is not None}
    found, seen, stack = {}, set(), [t.op for t in results]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op in by_op:
            found[op.name] = by_op[op]
        stack.extend(t.op for t in op.inputs if id(t) not in stops)
        stack.extend(op.control_inputs)
    return [found[n] for n in sorted(found)]


def _graph(f, args, kwargs):
    if kwargs:
        raise ValueError("The custom_gradient decorator currently supports keywords arguments only when eager "
                         "execution is enabled.")
    args = [convert_to_tensor(a) for a in args]
    result, grad_fn = f(*args)
    flat_result = [convert_to_tensor(t) for t in flatten(result)]
    variables = _variables_between(args, flat_result)
    _check_variables(grad_fn, variables)
    n_result = len(flat_result)
    name = f"CustomGradient-{next(_uids)}"

    @RegisterGradient(name)
    def internal_grad_fn(unused_op, *grads):
        return [None] * n_result + _call_grad_fn(grad_fn, list(grads[:n_result]), variables, len(args))

    with get_default_graph().gradient_override_map({"IdentityN": name}):
        passed = identity_n([*flat_result, *args, *(v.value() for v in variables)])
    return pack(result, passed[:n_result])


def _eager(f, args, kwargs):
    """f runs with the tapes paused (a private tape notes the variables it reads); then every tape that watches
    an argument or one of those variables records one IdentityN op whose gradient is grad_fn's."""
    tapes = [t for t in _ctx._tapes if t._recording]
    for t in tapes:
        t._recording = False
    try:
        from .eager.tape import GradientTape

        with GradientTape(watch_accessed_variables=True) as watcher:
            result, grad_fn = f(*args, **kwargs)
    finally:
        for t in tapes:
            t._recording = True
    inputs = [a for a in flatten([list(args), kwargs]) if isinstance(a, (EagerTensor, Variable))]
    variables = [v for v in watcher.watched_variables() if all(v is not a for a in inputs)]
    _check_variables(grad_fn, variables)
    flat_result = [convert_to_tensor(t) for t in flatten(result)]
    n_args = len(inputs)
    recorded = [a.value() if isinstance(a, Variable) else a for a in inputs] + [v.value() for v in variables]
    watchers = _ctx._watchers(recorded)
    if not watchers:
        return result

    def rule(*grads):
        return [None] * len(flat_result) + _call_grad_fn(grad_fn, list(grads[:len(flat_result)]), variables,
                                                         n_args)

    inputs = (*flat_result, *recorded)
    op = EagerOperation(IdentityN, {"_custom_gradient": rule}, inputs, f.__name__)
    op.outputs = [EagerTensor(t._value, t.dtype, op, i) for i, t in enumerate(inputs)]
    for tape in watchers:
        tape._record(op)  # op._key stays None: a reverse pass with it runs as Python, never as a replay
    return pack(result, op.outputs[:len(flat_result)])


def grad_pass_through(f):
    """`f` in the forward pass, the identity in the backward one (straight-through estimators: a quantizer's or
    an assignment's gradient taken as 1)."""
    @functools.wraps(f)
    @custom_gradient
    def wrapped(*args):
        def grad(*dys):
            return dys[0] if len(dys) == 1 else list(dys)
        return f(*args), grad
    return wrapped


def recompute_grad(f):
    """`f` whose activations are computed again for the backward pass instead of being kept (TF's memory saving
    for deep networks): the gradient runs `f` anew on the arguments, after the forward pass, and differentiates
    that. Gradients with respect to the variables `f` reads come back too."""
    @functools.wraps(f)
    def wrapped(*args):
        @custom_gradient
        def inner(*x):
            y = f(*x)

            def grad(*dys, variables=None):
                from .autodiff import gradients

                if executing_eagerly():
                    from .eager.tape import GradientTape

                    with GradientTape(persistent=True) as tape:
                        tape.watch(x)
                        y2 = f(*x)
                    grads = tape.gradient(y2, [*x, *(variables or [])], output_gradients=list(dys))
                else:
                    with get_default_graph().control_dependencies([d.op for d in dys if d is not None]):
                        x2 = [identity(t) for t in x]  # runs f again after the gradients that reach it
                    with variable_scope(get_variable_scope(), reuse=True):  # f's own variables, not new ones
                        y2 = f(*x2)
                    grads = gradients(flatten(y2), [*x2, *(variables or [])], grad_ys=list(dys))
                return (grads[:len(x)], grads[len(x):]) if variables else grads[:len(x)]
            return y, grad
        return inner(*args)
    return wrapped
