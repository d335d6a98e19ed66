"""The CTC decoders of `tf.nn`: best path (`ctc_greedy_decoder`) and TF's beam search (`ctc_beam_search_decoder`).

Both return a list of SparseTensors (one per path: indices [n, 2] of (batch, position), int64 class values, dense
shape [batch, longest]) and a log-probability matrix, as TF's CTCGreedyDecoder and CTCBeamSearchDecoder ops do.
The greedy decoder is array code: the first largest logit per frame, blanks and (with `merge_repeated`) repeats
dropped, and as its "log probability" the negative sum of those largest logits (TF's, not normalised).

The beam search is ctc_beam_search.py's, TF's algorithm step for step; it runs on the host.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import FailedPreconditionError, InvalidArgumentError
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .ctc_beam_search import beam_search
from .sparse_ops import SparseTensor

__all__ = ["ctc_greedy_decoder", "ctc_beam_search_decoder"]


def _check(op, x, seq_len):
    """TF's CTCDecodeHelper checks of the inputs and sequence lengths."""
    if x.ndim != 3:
        raise InvalidArgumentError(op.node_def, op, "inputs is not a 3-Tensor")
    if x.size == 0:
        raise InvalidArgumentError(op.node_def, op, "inputs must not be empty")
    if seq_len.ndim != 1:
        raise InvalidArgumentError(op.node_def, op, "sequence_length is not a vector")
    if seq_len.shape[0] != x.shape[1]:
        raise FailedPreconditionError(op.node_def, op, f"len(sequence_length) != batch_size.  len(sequence_length):  "
                                                       f"{seq_len.shape[0]} batch_size: {x.shape[1]}")
    for b, n in enumerate(seq_len.tolist()):
        if n > x.shape[0]:
            raise FailedPreconditionError(op.node_def, op, f"sequence_length({b}) <= {x.shape[0]}")


def _infer(op, paths):
    x, seq = op.inputs
    dt = x.dtype.base_dtype
    if dt not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"Value passed to parameter 'inputs' has DataType {dt.name} not in list of allowed values: "
                        "float32, float64")
    if seq.dtype.base_dtype != dtypes.int32:
        raise TypeError(f"Input 'sequence_length' of '{op.type}' Op has type {seq.dtype.base_dtype.name} that does "
                        "not match expected type of int32.")
    s = static_shape(x)
    if s is not None and len(s) != 3:
        raise ValueError(f"Shape must be rank 3 but is rank {len(s)} for '{op.name}' (op: '{op.type}')")
    batch = None if s is None else s[1]
    return ([((None, 2), dtypes.int64)] * paths + [((None,), dtypes.int64)] * paths + [((2,), dtypes.int64)] * paths
            + [((batch, paths), dt)])


def sparse_paths(xp, sequences, batch):
    """(indices, values, dense_shape) device arrays of one path per batch row, as TF's StoreAllDecodedSequences."""
    rows = np.repeat(np.arange(batch, dtype=np.int64), [len(s) for s in sequences])
    cols = np.concatenate([np.arange(len(s), dtype=np.int64) for s in sequences])
    values = np.asarray([v for s in sequences for v in s], np.int64)
    shape = np.asarray([batch, max((len(s) for s in sequences), default=0)], np.int64)
    return xp.asarray(np.stack([rows, cols], axis=1)), xp.asarray(values), xp.asarray(shape)


class CTCGreedyDecoder(OpDef):
    """Inputs (inputs [max_time, batch, num_classes], sequence_length int32 [batch]); outputs decoded_indices,
    decoded_values, decoded_shape and log_probability [batch, 1] = -(sum of each frame's largest logit)."""

    type = "CTCGreedyDecoder"
    gradient = not_differentiable

    def infer(op):
        return _infer(op, 1)

    def kernel(op, ctx):
        xp, to_host = ctx.xp, ctx.to_host
        merge, blank_attr = op.attrs["merge_repeated"], op.attrs["blank_index"]

        def greedy(x, seq_len):
            seq_len = np.asarray(to_host(seq_len))
            _check(op, x, seq_len)
            max_time, batch, classes = x.shape
            blank = blank_attr + classes if blank_attr < 0 else blank_attr
            if not 0 <= blank < classes:
                raise InvalidArgumentError(op.node_def, op, f"blank_index expected to be between {-classes} and "
                                                            f"{classes - 1} but was {blank_attr}")
            best = x.argmax(axis=2)                                       # [T, B], the first largest
            live = xp.asarray(np.arange(max_time)[:, None] < seq_len[None, :])
            top = xp.take_along_axis(x, best[:, :, None], axis=2)[:, :, 0]
            log_prob = -xp.where(live, top, 0).sum(axis=0, keepdims=True).T.astype(x.dtype, copy=False)
            keep = live & (best != blank)
            if merge:
                keep[1:] &= best[1:] != best[:-1]
            keep_t, best_t = keep.T, best.T                               # [B, T]: row-major is (batch, time)
            b, t = xp.nonzero(keep_t)
            col = xp.cumsum(keep_t, axis=1)[b, t] - 1
            counts = keep_t.sum(axis=1)
            width = int(counts.max()) if batch else 0
            indices = xp.stack([b, col], axis=1).astype(np.int64)
            shape = xp.asarray(np.asarray([batch, width], np.int64))
            return indices, best_t[b, t].astype(np.int64), shape, log_prob
        return greedy


class CTCBeamSearchDecoder(OpDef):
    """Inputs as CTCGreedyDecoder; outputs `top_paths` decoded_indices, then as many decoded_values and
    decoded_shape, then log_probability [batch, top_paths] (each path's log probability, best first)."""

    type = "CTCBeamSearchDecoder"
    gradient = not_differentiable

    def infer(op):
        return _infer(op, op.attrs["top_paths"])

    def kernel(op, ctx):
        xp, to_host = ctx.xp, ctx.to_host
        width, paths, merge = op.attrs["beam_width"], op.attrs["top_paths"], op.attrs["merge_repeated"]

        def beam_decoder(x, seq_len):
            seq_len = np.asarray(to_host(seq_len))
            _check(op, x, seq_len)
            host = np.asarray(to_host(x), np.float64)
            best, log_probs = [], np.zeros((x.shape[1], paths), x.dtype)
            for b in range(x.shape[1]):
                try:
                    found = beam_search(host[:max(int(seq_len[b]), 0), b], width, paths, merge)
                except ValueError as e:
                    raise InvalidArgumentError(op.node_def, op, str(e)) from None
                best.append([p for p, _ in found])
                log_probs[b] = [lp for _, lp in found]
            out = [sparse_paths(xp, [best[b][p] for b in range(x.shape[1])], x.shape[1]) for p in range(paths)]
            return (*[o[0] for o in out], *[o[1] for o in out], *[o[2] for o in out], xp.asarray(log_probs))
        return beam_decoder


def _decoded(outputs, paths):
    return [SparseTensor(outputs[p], outputs[paths + p], outputs[2 * paths + p]) for p in range(paths)]


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """`tf.nn.ctc_greedy_decoder`: best-path decoding of logits [max_time, batch, num_classes]. Returns
    ([SparseTensor of the decoded classes], neg_sum_logits [batch, 1]); the blank is the last class unless
    `blank_index` says otherwise (negative: counted from the end)."""
    x = convert_to_tensor(inputs, name="inputs")
    seq = convert_to_tensor(sequence_length, dtypes.int32, name="sequence_length")
    attrs = {"merge_repeated": bool(merge_repeated), "blank_index": -1 if blank_index is None else int(blank_index)}
    outputs = apply_op(CTCGreedyDecoder, [x, seq], attrs, "CTCGreedyDecoder")
    return _decoded(outputs, 1), outputs[3]


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1, merge_repeated=True):
    """`tf.nn.ctc_beam_search_decoder` (TF1): the `top_paths` most probable label sequences found by a beam search
    of width `beam_width` over softmax(logits), blank = last class. Returns ([SparseTensor per path, best first],
    log_probability [batch, top_paths])."""
    if beam_width < 1 or top_paths < 1:
        raise ValueError(f"Value for attr 'beam_width' of {beam_width} must be at least minimum 1" if beam_width < 1
                         else f"Value for attr 'top_paths' of {top_paths} must be at least minimum 1")
    x = convert_to_tensor(inputs, name="inputs")
    seq = convert_to_tensor(sequence_length, dtypes.int32, name="sequence_length")
    attrs = {"beam_width": int(beam_width), "top_paths": int(top_paths), "merge_repeated": bool(merge_repeated)}
    outputs = apply_op(CTCBeamSearchDecoder, [x, seq], attrs, "CTCBeamSearchDecoder")
    return _decoded(outputs, top_paths), outputs[-1]
