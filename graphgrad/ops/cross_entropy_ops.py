"""The cross-entropies of `tf.nn`: softmax (dense and sparse labels), sigmoid and weighted sigmoid, each one fused
op that stays finite for logits of magnitude 1e4 and whose gradient builds graph ops, so second derivatives work.
"""
from __future__ import annotations

from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shape, require, same_dtype, static_shape
from . import array_ops
from .activation_ops import softplus, softplus_grad
from .arithmetic_ops import add, multiply, negative, subtract
from .cast_ops import cast
from .core import apply_op, convert_to_tensor, stop_gradient, sum_to
from .nn_common import _consts, _equal_shapes_named_by, _is_zero, _merge, _needs_grad
from .softmax_ops import Softmax, SoftmaxGrad, _check_axis, _softmax_axis, log_softmax


def _expand(dloss, axis):
    return array_ops.expand_dims(dloss, axis)


def _softmax_second_order(grad_logits, dbackprop, logits, axis):
    """Add the gradient that flows in through the `backprop` output (d backprop/d logits = softmax's Jacobian)."""
    if _is_zero(dbackprop):
        return grad_logits
    sm = apply_op(Softmax, [logits], {"axis": axis})
    return add(grad_logits, apply_op(SoftmaxGrad, [dbackprop, sm], {"axis": axis}))


class SoftmaxCrossEntropyWithLogits(OpDef):
    """Inputs (logits, labels); outputs loss = -sum(labels * log_softmax(logits), axis) and
    backprop = softmax(logits) - labels, the gradient wrt the logits (TensorFlow's fused op)."""

    type = "SoftmaxCrossEntropyWithLogits"
    reads_only = True

    def infer(op):
        logits, labels = op.inputs
        dt = same_dtype(op, logits, labels)
        require(op, logits, floating=True)
        _check_axis(op, logits)
        shape = _merge(static_shape(logits), static_shape(labels), "logits and labels shapes")
        ax = op.attrs["axis"]
        loss = None if shape is None else shape[:ax % len(shape)] + shape[ax % len(shape) + 1:]
        return [(loss, dt), (shape, dt)]

    def kernel(op, ctx):
        xp, ax = ctx.xp, op.attrs["axis"]
        exp, log, subtract_ = xp.exp, xp.log, xp.subtract

        def softmax_xent(x, z):
            sh = x - x.max(axis=ax, keepdims=True)
            e = exp(sh)
            s = e.sum(axis=ax, keepdims=True)
            subtract_(log(s), sh, out=sh)      # sh = -log_softmax(x)
            sh *= z
            loss = sh.sum(axis=ax)
            e /= s
            e -= z
            return loss, e
        return softmax_xent

    def jit(op, facts):
        """Rows of 2-D logits against dense label rows, one pass per row in runtime/jitlib.py."""
        ok = len(facts.sym(op.inputs[0])) == 2 and op.attrs["axis"] in (-1, 1)
        return "{o0}, {o1} = _lib.softmax_xent({i0}, {i1})" if ok else None

    def gradient(op, dloss, dbackprop):
        logits, labels = op.inputs
        ax = op.attrs["axis"]
        dl = _expand(dloss, ax)
        g_logits = _softmax_second_order(multiply(dl, op.outputs[1]), dbackprop, logits, ax)
        g_labels = None
        if _needs_grad(labels):
            g_labels = multiply(dl, negative(log_softmax(logits, axis=ax)))
            if not _is_zero(dbackprop):
                g_labels = subtract(g_labels, dbackprop)
        return [g_logits, g_labels]


def _sentinel_check(name, _sentinel, labels, logits):
    if _sentinel is not None:
        raise ValueError(f"Only call `{name}` with named arguments (labels=..., logits=..., ...)")
    if labels is None or logits is None:
        raise ValueError(f"Both labels and logits must be provided to {name}.")


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=None, name=None, dim=None):
    """Cross-entropy between `labels` (a distribution) and softmax(`logits`) along `axis`; the gradient
    flows into both logits and labels."""
    _sentinel_check("softmax_cross_entropy_with_logits_v2", _sentinel, labels, logits)
    axis = _softmax_axis(axis, dim)
    with name_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", preferred_dtype=logits.dtype.base_dtype)
        if labels.dtype.base_dtype != logits.dtype.base_dtype:
            labels = cast(labels, logits.dtype.base_dtype)
        if _as_matrices(logits, labels, axis):
            return _matrix_xent(logits, labels, scope)
        return apply_op(SoftmaxCrossEntropyWithLogits, [logits, labels], {"axis": axis}, scope)[0]


def _as_matrices(logits, labels, axis):
    """Whether the shapes differ in a way TF's wrapper accepts: it flattens logits and labels each to rows of
    classes, so `labels=[y]` of shape (1, n, C) against logits (n, C) — a classic tutorial's slip — trains as
    (n, C), and the fused op broadcasts a single row. Equal shapes (the usual case) take the op directly."""
    ls, ys = static_shape(logits), static_shape(labels)
    if ls is None or ys is None or axis % max(len(ls), 1) != len(ls) - 1 or not ys:
        return False
    try:
        _merge(ls, ys)
        return False
    except ValueError:
        return ls[-1] == ys[-1]


def _matrix_xent(logits, labels, scope):
    """TF's flatten-compute-reshape: both as [-1, C] (one of them broadcast when it is a single row), the loss
    shaped as the logits without their class axis."""
    classes = static_shape(logits)[-1]
    rows = [array_ops.reshape(t, [-1, classes]) for t in (logits, labels)]
    shapes = [static_shape(r) for r in rows]
    if shapes[0][0] != shapes[1][0]:
        big = 0 if shapes[1][0] == 1 else 1
        rows[1 - big] = array_ops.broadcast_to(rows[1 - big], array_ops.shape(rows[big]))
    loss = apply_op(SoftmaxCrossEntropyWithLogits, rows, {"axis": -1})[0]
    out = array_ops.reshape(loss, array_ops.shape(logits)[:-1], name=scope)
    out.set_shape(static_shape(logits)[:-1])
    return out


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF1's (deprecated) version: like `_v2`, but no gradient flows into `labels` (it gets None)."""
    _sentinel_check("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        labels = stop_gradient(labels, name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=axis, dim=dim if axis is None
                                                else None, name=scope)


class SparseSoftmaxCrossEntropyWithLogits(OpDef):
    """Inputs (logits [..., C], integer labels [...]); outputs the loss and backprop = softmax - one_hot."""

    type = "SparseSoftmaxCrossEntropyWithLogits"
    reads_only = True

    def infer(op):
        logits, labels = op.inputs
        dt = require(op, logits, floating=True)
        require(op, labels, integer=True)
        ls, ys = static_shape(logits), static_shape(labels)
        if ls is not None and len(ls) < 1:
            raise ValueError("Logits must be at least rank 1")
        if ls is not None and ys is not None:
            if len(ys) != len(ls) - 1:
                raise ValueError(f"Rank mismatch: Rank of labels (received {len(ys)}) should equal rank of logits "
                                 f"minus 1 (received {len(ls)}).")
            batch = _merge(ls[:-1], ys, "logits and labels batch shapes")
            ls = batch + ls[-1:]
            ys = batch
        elif ys is None and ls is not None:
            ys = ls[:-1]
        return [(ys, dt), (ls, dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        exp, log, arange, where, clip = xp.exp, xp.log, xp.arange, xp.where, xp.clip
        # As in TensorFlow: a label outside [0, classes) is an error on the CPU, and NaN loss and gradient rows on
        # a GPU, where checking would wait for the device (and could not be replayed as a CUDA graph).
        on_host = ctx.backend.device_type == "CPU"

        def sparse_xent(x, labels):
            c = x.shape[-1]
            x2 = x.reshape(-1, c)
            lab = labels.reshape(-1)
            bad = None
            if on_host:
                if lab.size and (int(lab.min()) < 0 or int(lab.max()) >= c):
                    first = lab[(lab < 0) | (lab >= c)][0]
                    raise InvalidArgumentError(op.node_def, op, f"Received a label value of {first} which is outside "
                                                                f"the valid range of [0, {c}).")
            else:
                bad = (lab < 0) | (lab >= c)
                lab = clip(lab, 0, c - 1)
            sh = x2 - x2.max(axis=1, keepdims=True)
            e = exp(sh)
            s = e.sum(axis=1, keepdims=True)
            rows = arange(lab.shape[0])
            loss = log(s[:, 0])
            loss -= sh[rows, lab]
            e /= s
            e[rows, lab] -= 1
            if bad is not None:
                loss = where(bad, xp.nan, loss).astype(loss.dtype, copy=False)
                e = where(bad[:, None], xp.nan, e).astype(e.dtype, copy=False)
            return loss.reshape(labels.shape), e.reshape(x.shape)
        return sparse_xent

    def jit(op, facts):
        """Rows of logits: one pass per row in runtime/jitlib.py; a bad label makes the plan rerun the kernel."""
        return "{o0}, {o1} = _lib.sparse_softmax_xent({i0}, {i1})" if len(facts.sym(op.inputs[0])) == 2 else None

    def gradient(op, dloss, dbackprop):
        logits = op.inputs[0]
        g = multiply(_expand(dloss, -1), op.outputs[1])
        return [_softmax_second_order(g, dbackprop, logits, -1), None]


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Cross-entropy of softmax(`logits`) against integer class `labels` (shape = logits' shape minus the last
    axis); a label outside [0, num_classes) is an InvalidArgumentError at run time."""
    _sentinel_check("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        labels = convert_to_tensor(labels, name="labels")
        logits = convert_to_tensor(logits, name="logits")
        return apply_op(SparseSoftmaxCrossEntropyWithLogits, [logits, labels], None,
                        "SparseSoftmaxCrossEntropyWithLogits")[0]


class SigmoidCrossEntropyWithLogits(OpDef):
    """Inputs (logits x, labels z): max(x, 0) - x z + log(1 + exp(-|x|)) = softplus(x) - x z, computed as
    logaddexp(x, 0) - x z (finite for |x| = 1e4). Gradients: (sigmoid(x) - z) dy and -x dy."""

    type = "SigmoidCrossEntropyWithLogits"
    shape_rule = _equal_shapes_named_by(0)  # `loss -= x * z` into a buffer shaped like the logits

    def infer(op):
        logits, labels = op.inputs
        dt = same_dtype(op, logits, labels)
        require(op, logits, floating=True)
        try:
            shape = op.op_def.shape_rule(op, static_shape(logits), static_shape(labels))
        except ValueError:
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs {labels.shape})") \
                from None
        return [(shape, dt)]

    def kernel(op, ctx):
        logaddexp, zero = ctx.xp.logaddexp, _consts(ctx, op, 0)

        def sigmoid_xent(x, z):
            loss = logaddexp(x, zero)
            loss -= x * z
            return loss
        return sigmoid_xent

    def jit(op, facts):
        return "{o0} = _lib.sigmoid_xent{B}({i0}, {i1})"

    def gradient(op, dy):
        x, z = op.inputs
        g_x = subtract(softplus_grad(dy, x), multiply(dy, z))
        g_z = negative(multiply(dy, x)) if _needs_grad(z) else None
        return [g_x, g_z]


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Elementwise logistic loss of `logits` against `labels` in [0, 1]; stable for any logits."""
    _sentinel_check("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", preferred_dtype=logits.dtype.base_dtype)
        return apply_op(SigmoidCrossEntropyWithLogits, [logits, labels], None, scope)


class WeightedCrossEntropyWithLogits(OpDef):
    """Inputs (logits x, labels z, pos_weight q): (1 - z) x + (1 + (q - 1) z) softplus(-x), broadcast."""

    type = "WeightedCrossEntropyWithLogits"

    def infer(op):
        x, z, q = op.inputs
        dt = same_dtype(op, x, z, q)
        require(op, x, floating=True)
        shape = broadcast_shape(_merge(static_shape(x), static_shape(z), "logits and labels shapes"),
                                static_shape(q))
        return [(shape, dt)]

    def kernel(op, ctx):
        logaddexp, (zero, one) = ctx.xp.logaddexp, _consts(ctx, op, 0, 1)

        def weighted_xent(x, z, q):
            loss = logaddexp(-x, zero) * ((q - one) * z + one)     # softplus(-x) = -log(sigmoid(x))
            loss += x * (one - z)
            return loss
        return weighted_xent

    def gradient(op, dy):
        x, z, q = op.inputs
        one = convert_to_tensor(1.0, dtype=x.dtype.base_dtype)
        lw = add(multiply(subtract(q, one), z), one)
        nx = negative(x)
        sp = softplus(nx)
        g_x = subtract(multiply(dy, subtract(one, z)), softplus_grad(multiply(dy, lw), nx))
        g_z = multiply(dy, subtract(multiply(subtract(q, one), sp), x)) if _needs_grad(z) else None
        g_q = multiply(dy, multiply(z, sp)) if _needs_grad(q) else None
        return [sum_to(g_x, x), sum_to(g_z, z), sum_to(g_q, q)]


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """Sigmoid cross-entropy with the positive term weighted by `pos_weight` (trades recall for precision)."""
    if labels is None:
        labels = targets
    elif targets is not None:
        raise ValueError("Cannot specify both 'labels' and 'targets'")
    if labels is None or logits is None or pos_weight is None:
        raise ValueError("labels (targets), logits and pos_weight are required")
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        dt = logits.dtype.base_dtype
        labels = convert_to_tensor(labels, name="labels", preferred_dtype=dt)
        pos_weight = convert_to_tensor(pos_weight, name="pos_weight", preferred_dtype=dt)
        return apply_op(WeightedCrossEntropyWithLogits, [logits, labels, pos_weight], None, scope)

