"""`tf.nn.ctc_loss`: connectionist temporal classification (Graves et al. 2006) as TensorFlow's fused CTCLoss op.

The loss of batch element b is -log p(labels_b | inputs_b), summed over every alignment of the label sequence to
the first `sequence_length[b]` frames, where each frame's distribution is the softmax of the logits and the last
class is the blank. It is computed in log space by the forward-backward recursion of TF's CTCLossCalculator
(GravesTh ch. 7): the labels with a blank before, between and after them (l', length U = 2L + 1), alphas and
betas over (t, u) with TF's transitions (`ctc_merge_repeated=False` also forbids a label to repeat itself), TF's
time windows (an alpha or beta that cannot reach the end stays log 0) and TF's pairwise log-sum-exp. Batch and
label positions are array axes; only time is a Python loop.

The op returns the gradient with respect to the logits with the loss, softmax - posterior of each class, as TF's
does; its gradient rule only scales that by the loss's gradient. Like TF, it cannot be differentiated twice: the
returned gradient passes through PreventGradient, and asking for a second derivative raises LookupError.

The labels are a `tf.SparseTensor` read the way TF's kernel reads them: the values of each batch row in order
(the column index only has to be sorted and unique), a label >= num_classes - 1 ends the sequence (blanks used as
padding), and TF's checks and messages ("Not enough time for target transition sequence", "Saw a non-null label
...", "Labels length is zero in batch b", sorted indices). One deliberate difference: a row whose labels are all
such padding gives -log prod(blank probabilities), where TF's kernel reads outside its arrays.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, static_shape
from . import array_ops
from .arithmetic_ops import multiply
from .core import Identity, apply_op, convert_to_tensor
from .sparse_ops import SparseTensor, SparseTensorValue

__all__ = ["ctc_loss"]

_SECOND_DERIVATIVE = ("Currently there is no way to take the second  derivative of ctc_loss due to the fused "
                      "implementation's interaction  with tf.gradients()")


class PreventGradient(Identity):
    """The value unchanged; differentiating through it is a LookupError naming `message` (TF's op)."""

    type = "PreventGradient"

    def gradient(op, dy):
        raise LookupError(f"Gradient explicitly disabled. Reason: {op.attrs['message']}")


def log_add(xp, a, b):
    """TF's LogSumExp of two log probabilities elementwise: log 0 (-inf) on either side gives the other, else
    max + log1p(exp(min - max)); no NaN from -inf - -inf."""
    m, n = xp.maximum(a, b), xp.minimum(a, b)
    safe = xp.where(m == -np.inf, 0, m)
    return m + xp.log1p(xp.exp(n - safe))


def _shift(xp, a, k):
    """a[..., u - k] along the last axis (k > 0: later positions; k < 0: earlier), log 0 where out of range."""
    out = xp.full_like(a, -np.inf)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _sparse_error(op, i, idx, why):
    return InvalidArgumentError(op.node_def, op, f"label SparseTensor is not valid: indices[{i}] = "
                                                 f"[{','.join(str(v) for v in idx)}] {why}")


def label_rows(op, indices, values, batch):
    """The label values of each batch row, after TF's checks of the SparseTensor (sorted, unique, in bounds)."""
    n = len(indices)
    shape = [batch, int(indices[:, 1].max()) + 1 if n else 0]
    for i in range(n):
        idx = indices[i].tolist()
        if not all(0 <= v < s for v, s in zip(idx, shape)):
            raise _sparse_error(op, i, idx, f"is out of bounds: need 0 <= index < [{shape[0]},{shape[1]}]")
        if i and idx <= indices[i - 1].tolist():
            why = "is repeated" if idx == indices[i - 1].tolist() else (
                "is out of order. Many sparse ops require sorted indices.\n    Use `tf.sparse.reorder` to create "
                "a correctly ordered copy.\n\n")
            raise _sparse_error(op, i, idx, why)
    rows = [[] for _ in range(batch)]
    for b, v in zip(indices[:, 0].tolist(), values.tolist()):
        rows[b].append(v)
    return rows


def _targets(op, rows, seq_len, num_classes):
    """TF's PopulateLPrimes: each row's labels up to the first null one (>= num_classes - 1), collapsed if asked,
    with its errors; and which rows are skipped (loss and gradient 0)."""
    a = op.attrs
    targets, skipped = [], []
    for b, label in enumerate(rows):
        if not label:
            raise InvalidArgumentError(op.node_def, op, f"Labels length is zero in batch {b}")
        ls, finished = [], False
        for i, v in enumerate(label):
            if i and a["preprocess_collapse_repeated"] and v == label[i - 1]:
                continue
            if v >= num_classes - 1:
                finished = True
            elif finished:
                raise InvalidArgumentError(
                    op.node_def, op, f"Saw a non-null label (index >= num_classes - 1) following a null label, batch: "
                                     f"{b} num_classes: {num_classes} labels: {','.join(map(str, label))} labels seen "
                                     f"so far: {','.join(map(str, ls))}")
            else:
                ls.append(v)
        if any(v < 0 for v in ls):
            raise InvalidArgumentError(op.node_def, op, f"All labels must be nonnegative integers, batch: {b} labels: "
                                                        f"{','.join(map(str, ls))}")
        if not a["ignore_longer_outputs_than_inputs"] and len(label) > seq_len[b]:
            raise InvalidArgumentError(
                op.node_def, op, f"Not enough time for target transition sequence (required: {len(label)}, "
                                 f"available: {seq_len[b]}){b}You can turn this error into a warning by using the "
                                 "flag ignore_longer_outputs_than_inputs")
        targets.append(ls)
        skipped.append(seq_len[b] == 0 or (a["ignore_longer_outputs_than_inputs"] and len(label) > seq_len[b]))
    return targets, np.asarray(skipped, bool)


def _check_inputs(op, x, indices, values, seq_len):
    def fail(msg):
        return InvalidArgumentError(op.node_def, op, msg)
    if x.ndim != 3:
        raise fail("inputs is not a 3-Tensor")
    if indices.ndim != 2:
        raise fail("labels_indices is not a matrix")
    if indices.shape[1] != 2:
        raise fail(f"labels_indices second dimension must be >= 1. Received {indices.shape[1]}")
    if values.ndim != 1:
        raise fail("labels_values is not a vector")
    if seq_len.ndim != 1:
        raise fail("sequence_length is not a vector")
    max_time, batch = x.shape[:2]
    if max_time == 0:
        raise fail("Max time or first dimension of input cannot be 0.")
    if batch != seq_len.shape[0]:
        raise fail(f"len(sequence_length) != batch_size.  len(sequence_length):  {seq_len.shape[0]} batch_size: "
                   f"{batch}")
    if indices.shape[0] != values.shape[0]:
        raise fail(f"labels_indices and labels_values must contain the same number of rows, but saw shapes: "
                   f"[{','.join(map(str, indices.shape))}] vs. [{values.shape[0]}]")
    if batch == 0:
        raise fail("batch_size must not be 0")


def _check_lengths(op, seq_len, max_time):
    for b, n in enumerate(seq_len):
        if n > max_time:
            raise InvalidArgumentError(op.node_def, op, f"sequence_length({b}) <= {max_time}")
    for b, n in enumerate(seq_len):
        if n < 0:
            raise InvalidArgumentError(op.node_def, op, f"seq_len({b}) < 0")


class _Lattice:
    """The label lattice of a batch: l' per row padded to the longest (U), which transitions TF allows, and the
    (t, u) window outside which TF leaves alphas and betas at log 0. Host arrays, moved to the device once."""

    def __init__(self, xp, targets, seq_len, num_classes, merge, max_time):
        blank = num_classes - 1
        u_len = np.asarray([2 * len(t) + 1 for t in targets])
        width = int(u_len.max())
        lp = np.full((len(targets), width), blank, np.int64)
        for b, t in enumerate(targets):
            lp[b, 1:2 * len(t):2] = t
        u = np.arange(width)
        inside = u[None, :] < u_len[:, None]
        label = (lp != blank) & inside
        self_ok = merge | ~label
        skip = np.zeros_like(label)                       # u-2 -> u: two labels that merge_repeated does not join
        skip[:, 2:] = label[:, 2:] & ~(merge & (lp[:, 2:] == lp[:, :-2]))
        t = np.arange(max_time)[:, None, None]
        n, uu = seq_len[None, :, None], u_len[None, :, None]
        window = (t < n) & (u >= np.maximum(0, uu - 2 * (n - t))) & (u < np.minimum(uu, 2 * (t + 1)))
        last = (t == n - 1) & (u >= uu - 2) & (u < uu)   # beta's start: log 1 at the last two positions
        to = xp.asarray
        self.lp, self.self_ok, self.skip, self.window = to(lp), to(self_ok), to(skip), to(window)
        self.last, self.before_last = to(last), to(t < n - 1)
        self.start = to((u[None, :] < np.minimum(u_len, 2)[:, None]) & (seq_len > 0)[:, None])  # TF's alpha(0|1, 0)
        self.skip_from = to(np.concatenate([skip[:, 2:], np.zeros_like(skip[:, :2])], axis=1))   # u -> u+2


def ctc_forward_backward(xp, x, lat):
    """The softmax y [T, B, C] (computed as TF does, then its log taken) and the log alphas and betas [T, B, U]
    of TF's recursion."""
    e = xp.exp(x - x.max(axis=2, keepdims=True))
    y = e / e.sum(axis=2, keepdims=True)
    ly = xp.take_along_axis(xp.log(y), xp.broadcast_to(lat.lp[None], (x.shape[0],) + lat.lp.shape), axis=2)
    alpha = xp.full(ly.shape, -np.inf, x.dtype)
    alpha[0] = xp.where(lat.start, ly[0], -np.inf)
    for t in range(1, x.shape[0]):
        prev = alpha[t - 1]
        s = xp.where(lat.self_ok, prev, -np.inf)
        s = log_add(xp, s, _shift(xp, prev, 1))
        s = log_add(xp, s, xp.where(lat.skip, _shift(xp, prev, 2), -np.inf))
        alpha[t] = xp.where(lat.window[t], ly[t] + s, -np.inf)
    beta = xp.full(ly.shape, -np.inf, x.dtype)
    beta[-1] = xp.where(lat.last[-1], 0, -np.inf)
    for t in range(x.shape[0] - 2, -1, -1):
        nxt = beta[t + 1] + ly[t + 1]
        s = xp.where(lat.self_ok, nxt, -np.inf)
        s = log_add(xp, s, _shift(xp, nxt, -1))
        s = log_add(xp, s, xp.where(lat.skip_from, _shift(xp, nxt, -2), -np.inf))
        s = xp.where(lat.window[t] & lat.before_last[t], s, -np.inf)
        beta[t] = xp.where(lat.last[t], 0, s)
    return y, alpha, beta


def _posteriors(xp, alpha, beta, lat, classes):
    """log p(labels) [B] and each class's posterior [T, B, C], summed over the label positions u in TF's order
    (pairwise log-sum-exp, one u at a time: a loop over the label axis, with batch and time on arrays)."""
    ab = alpha + beta
    log_p = ab[0, :, 0]
    for u in range(1, ab.shape[2]):
        log_p = log_add(xp, log_p, ab[0, :, u])
    rows = xp.arange(ab.shape[1])
    prob = xp.full(ab.shape[:2] + (classes,), -np.inf, ab.dtype)
    for u in range(ab.shape[2]):
        c = lat.lp[:, u]
        prob[:, rows, c] = log_add(xp, prob[:, rows, c], ab[:, :, u])
    safe = xp.where(log_p == -np.inf, 0, log_p)
    return log_p, xp.exp(prob - safe[None, :, None])


class CTCLoss(OpDef):
    """Inputs (inputs [max_time, batch, num_classes] logits, labels_indices int64 [n, 2], labels_values int32 [n],
    sequence_length int32 [batch]); outputs loss [batch] and gradient [max_time, batch, num_classes], the loss's
    gradient with respect to the logits (zero past each sequence's end)."""

    type = "CTCLoss"

    def infer(op):
        x, ind, val, seq = op.inputs
        dt = x.dtype.base_dtype
        if dt not in (dtypes.float32, dtypes.float64):
            raise TypeError(f"Value passed to parameter 'inputs' has DataType {dt.name} not in list of allowed "
                            "values: float32, float64")
        for t, want in ((ind, dtypes.int64), (val, dtypes.int32), (seq, dtypes.int32)):
            if t.dtype.base_dtype != want:
                raise TypeError(f"Input '{t.name}' of 'CTCLoss' Op has type {t.dtype.base_dtype.name} that does not "
                                f"match expected type of {want.name}.")
        s = static_shape(x)
        if s is not None and len(s) != 3:
            raise ValueError(f"Shape must be rank 3 but is rank {len(s)} for '{op.name}' (op: 'CTCLoss')")
        return [((None if s is None else s[1],), dt), (s, dt)]

    def kernel(op, ctx):
        xp, to_host = ctx.xp, ctx.to_host
        merge = op.attrs["ctc_merge_repeated"]

        def ctc_loss(x, indices, values, seq_len):
            indices, values = np.asarray(to_host(indices)), np.asarray(to_host(values))
            seq_len = np.asarray(to_host(seq_len))
            _check_inputs(op, x, indices, values, seq_len)
            rows = label_rows(op, indices, values, x.shape[1])
            _check_lengths(op, seq_len.tolist(), x.shape[0])
            targets, skipped = _targets(op, rows, seq_len.tolist(), x.shape[2])
            lat = _Lattice(xp, targets, seq_len, x.shape[2], merge, x.shape[0])
            y, alpha, beta = ctc_forward_backward(xp, x, lat)
            log_p, negative = _posteriors(xp, alpha, beta, lat, x.shape[2])
            no_path = log_p == -np.inf                                    # TF: "No valid path found."
            live = xp.asarray(np.arange(x.shape[0])[:, None] < seq_len[None, :])[:, :, None]
            grad = xp.where(live & ~xp.asarray(skipped)[None, :, None],
                            y - xp.where(no_path[None, :, None], 0, negative), 0).astype(x.dtype, copy=False)
            loss = xp.where(xp.asarray(skipped), 0, -log_p).astype(x.dtype, copy=False)
            return loss, grad
        return ctc_loss

    def gradient(op, dloss, dgrad):
        g = apply_op(PreventGradient, [op.outputs[1]], {"message": _SECOND_DERIVATIVE})
        return [multiply(array_ops.expand_dims(dloss, -1), g), None, None, None]


def ctc_loss(labels, inputs=None, sequence_length=None, preprocess_collapse_repeated=False, ctc_merge_repeated=True,
             ignore_longer_outputs_than_inputs=False, time_major=True, logits=None):
    """`tf.nn.ctc_loss` (TF1): -log p(labels | inputs) per batch element, [batch]. `labels` is a SparseTensor of
    int32 class ids (the blank is the last class, num_classes - 1), `inputs` the logits, [max_time, batch,
    num_classes] (with `time_major=False`, [batch, max_time, num_classes]), `sequence_length` int32 [batch]."""
    if not isinstance(labels, (SparseTensor, SparseTensorValue)):
        raise TypeError(f"Expected argument `labels` to be a SparseTensor. Received labels={labels} of type: "
                        f"{type(labels).__name__}")
    if inputs is not None and logits is not None:
        raise ValueError("Cannot specify both 'logits' and 'inputs'")
    inputs = inputs if inputs is not None else logits
    x = convert_to_tensor(inputs, name="logits")
    if not time_major:
        x = array_ops.transpose(x, [1, 0, 2])
    attrs = {"preprocess_collapse_repeated": bool(preprocess_collapse_repeated),
             "ctc_merge_repeated": bool(ctc_merge_repeated),
             "ignore_longer_outputs_than_inputs": bool(ignore_longer_outputs_than_inputs)}
    inputs = [x, convert_to_tensor(labels.indices, dtypes.int64), convert_to_tensor(labels.values, dtypes.int32),
              convert_to_tensor(sequence_length, dtypes.int32)]
    return apply_op(CTCLoss, inputs, attrs, "CTCLoss")[0]
