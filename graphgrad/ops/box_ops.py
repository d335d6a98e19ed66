"""Boxes: non-maximum suppression (TF's NonMaxSuppressionV5 and WithOverlaps kernels) and DrawBoundingBoxes.

Suppression is TF's greedy one, run on the host: candidates scoring above `score_threshold` in order of score
(ties: the lower index first); a candidate is kept unless its IoU with a kept box exceeds `iou_threshold` (boxes
given by any two opposite corners; a box of no area overlaps nothing). With `soft_nms_sigma` > 0 (Soft-NMS) no
box is dropped outright: its score is multiplied by exp(-IoU²/(2σ)) for each kept box, and it goes back in line
while its score stays above the threshold, as in TF's kernel. Selection is not differentiable (TF: neither).
"""
from __future__ import annotations

import heapq

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .array_ops import get_static_value
from .core import apply_op, convert_to_tensor


def _iou_with(boxes, order):
    """similarity(a, b): the IoU of boxes a with boxes b, positions in `order` (ints, slices or index arrays that
    broadcast), in the boxes' float type, as TF computes it."""
    boxes = boxes[order]
    lo, hi = np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])
    area = (hi[:, 0] - lo[:, 0]) * (hi[:, 1] - lo[:, 1])

    def similarity(a, b):
        size = np.maximum(np.minimum(hi[a], hi[b]) - np.maximum(lo[a], lo[b]), 0)
        inter = size[..., 0] * size[..., 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = inter / (area[a] + area[b] - inter)
        return np.where((area[a] <= 0) | (area[b] <= 0), area.dtype.type(0), iou)
    return similarity


def _overlaps_with(overlaps, order):
    given = overlaps[np.ix_(order, order)]
    return lambda a, b: given[a, b]


def _hard(order, scores, max_out, threshold, similarity, block=128):
    """Hard suppression, a block of candidates at a time: each block is checked against the boxes kept so far in
    one product, then greedily within itself (a candidate overlapping a kept box of higher rank is dropped), so
    the work is candidates looked at x boxes kept, as in TF's kernel, not candidates x candidates."""
    kept = []
    for start in range(0, len(order), block):
        if len(kept) >= max_out:
            break
        cand = np.arange(start, min(start + block, len(order)))
        alive = np.ones(len(cand), bool)
        if kept:
            alive &= ~(similarity(cand[:, None], np.asarray(kept)[None, :]) > threshold).any(axis=1)
        within = similarity(cand[:, None], cand[None, :]) > threshold     # [candidate, kept one]
        for c in np.flatnonzero(alive):
            if not alive[c]:
                continue
            kept.append(int(cand[c]))
            if len(kept) >= max_out:
                break
            alive[c + 1:] &= ~within[c + 1:, c]
    kept = order[np.asarray(kept, np.int64)]
    return kept, scores[kept]


def _select(scores, max_out, threshold, score_threshold, sigma, similarity_of):
    """TF's greedy selection: (kept indices, their final scores). `similarity_of(order)` gives TF's similarity_fn
    on positions in `order` (candidate first: an overlaps matrix need not be symmetric)."""
    candidates = np.flatnonzero(scores > score_threshold)
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    similarity = similarity_of(order)
    if sigma <= 0:
        return _hard(order, scores, max_out, threshold, similarity)
    scale = scores.dtype.type(-0.5 / sigma)
    heap = [(-scores[i], int(i), pos, 0) for pos, i in enumerate(order)]
    kept, kept_pos, kept_scores = [], [], []
    while heap and len(kept) < max_out:
        neg, i, pos, begin = heapq.heappop(heap)
        score = original = -neg
        if len(kept) > begin:
            for sim in similarity(pos, np.asarray(kept_pos[begin:][::-1], np.int64)):
                score = score * np.exp(scale * sim * sim)
                if score <= score_threshold:
                    break
        if score == original:
            kept.append(i)
            kept_pos.append(pos)
            kept_scores.append(score)
        elif score > score_threshold:
            heapq.heappush(heap, (-score, i, pos, len(kept)))
    return np.asarray(kept, np.int64), np.asarray(kept_scores, scores.dtype)


def _scalar_input(op, i, what):
    s = static_shape(op.inputs[i])
    if s is not None and len(s) != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {len(s)} for '{op.name}' (op: '{op.type}'): {what}")


class NonMaxSuppressionV5(OpDef):
    """(selected_indices, selected_scores, valid_outputs) from boxes [n, 4], scores [n], max_output_size,
    iou_threshold, score_threshold, soft_nms_sigma; padded with zeros to max_output_size when
    `pad_to_max_output_size`."""

    type = "NonMaxSuppressionV5"
    gradient = not_differentiable
    _first, _what = 4, "boxes"

    def infer(op):
        cls = op.op_def
        boxes, scores = op.inputs[:2]
        bs, ss = static_shape(boxes), static_shape(scores)
        if bs is not None and len(bs) != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {len(bs)} for '{op.name}' (op: '{op.type}'): "
                             f"{cls._what} {boxes.shape}")
        if bs is not None and cls._first == 4 and bs[1] not in (None, 4):
            raise ValueError(f"Dimension must be 4 but is {bs[1]} for '{op.name}' (op: '{op.type}'): boxes "
                             f"{boxes.shape}")
        if ss is not None and len(ss) != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {len(ss)} for '{op.name}' (op: '{op.type}'): scores")
        if ss is not None and bs is not None and None not in (ss[0], bs[0]) and ss[0] != bs[0]:
            raise ValueError(f"Dimensions must be equal, but are {bs[0]} and {ss[0]} for '{op.name}' (op: "
                             f"'{op.type}') with input shapes: {boxes.shape}, {scores.shape}.")
        for i, what in enumerate(("max_output_size", "iou_threshold", "score_threshold", "soft_nms_sigma")):
            if i + 2 < len(op.inputs):
                _scalar_input(op, i + 2, what)
        n = get_static_value(op.inputs[2]) if op.attrs["pad_to_max_output_size"] else None
        n = None if n is None else int(n)
        return [((n,), dtypes.int32), ((n,), scores.dtype.base_dtype), ((), dtypes.int32)]

    similarity = staticmethod(_iou_with)        # (first input on the host, order) -> similarity on positions

    def kernel(op, ctx):
        to_host, to_dev, pad = ctx.to_host, ctx.to_device, op.attrs["pad_to_max_output_size"]

        def non_max_suppression(first, scores, max_output_size, threshold, score_threshold, sigma=0.0):
            host, s = np.asarray(to_host(first)), np.asarray(to_host(scores))
            if len(s) != len(host):
                raise op_error(InvalidArgumentError, op, f"scores has incompatible shape {list(s.shape)}")
            threshold, sigma = float(threshold), float(sigma)
            if op.op_def._first == 4 and not 0 <= threshold <= 1:
                raise op_error(InvalidArgumentError, op, "iou_threshold must be in [0, 1]")
            if sigma < 0:
                raise op_error(InvalidArgumentError, op, "soft_nms_sigma must be non-negative")
            limit = int(max_output_size)
            kept, kept_scores = _select(s, limit, s.dtype.type(threshold), s.dtype.type(float(score_threshold)),
                                        sigma, lambda order: op.op_def.similarity(host, order))
            valid = len(kept)
            if pad and valid < limit:
                kept = np.concatenate([kept, np.zeros(limit - valid, np.int64)])
                kept_scores = np.concatenate([kept_scores, np.zeros(limit - valid, s.dtype)])
            return (to_dev(kept.astype(np.int32)), to_dev(kept_scores.astype(s.dtype)),
                    to_dev(np.asarray(valid, np.int32)))
        return non_max_suppression


class NonMaxSuppressionWithOverlaps(NonMaxSuppressionV5):
    """Greedy suppression given the pairwise overlaps [n, n] instead of boxes (suppressed above the threshold)."""

    type = "NonMaxSuppressionWithOverlaps"
    _first, _what = None, "overlaps"

    similarity = staticmethod(_overlaps_with)


def _nms(boxes, scores, max_output_size, iou_threshold, score_threshold, soft_nms_sigma, pad, name,
         op_def=NonMaxSuppressionV5):
    first = convert_to_tensor(boxes, name="boxes" if op_def is NonMaxSuppressionV5 else "overlaps")
    dt = first.dtype.base_dtype
    inputs = [first, convert_to_tensor(scores, name="scores", dtype=dt),
              convert_to_tensor(max_output_size, name="max_output_size", dtype=dtypes.int32),
              convert_to_tensor(iou_threshold, name="iou_threshold", dtype=dt),
              convert_to_tensor(score_threshold, name="score_threshold", dtype=dt)]
    if op_def is NonMaxSuppressionV5:
        inputs.append(convert_to_tensor(soft_nms_sigma, name="soft_nms_sigma", dtype=dt))
    return apply_op(op_def, inputs, {"pad_to_max_output_size": bool(pad)}, name or op_def.type)


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5, score_threshold=float("-inf"),
                        name=None):
    """The indices (int32) of at most `max_output_size` boxes kept by greedy non-maximum suppression."""
    return _nms(boxes, scores, max_output_size, iou_threshold, score_threshold, 0.0, False, name)[0]


def non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold=0.5,
                                    score_threshold=float("-inf"), soft_nms_sigma=0.0, name=None):
    """(indices, scores) of the boxes kept; with `soft_nms_sigma` > 0, Soft-NMS and its decayed scores."""
    return tuple(_nms(boxes, scores, max_output_size, iou_threshold, score_threshold, soft_nms_sigma, False,
                      name)[:2])


def non_max_suppression_padded(boxes, scores, max_output_size, iou_threshold=0.5, score_threshold=float("-inf"),
                               pad_to_max_output_size=False, name=None, sorted_input=False,
                               canonicalized_coordinates=False, tile_size=512):
    """(indices, number valid): with `pad_to_max_output_size` the indices are padded with zeros to
    max_output_size (one set of boxes [n, 4]; TF's batched form is not supported). `sorted_input`,
    `canonicalized_coordinates` and `tile_size` are TF's speed hints and change nothing here."""
    s = static_shape(convert_to_tensor(boxes))
    if s is not None and len(s) > 2:
        if not pad_to_max_output_size:
            raise ValueError(f"'pad_to_max_output_size' (value {pad_to_max_output_size}) must be True for batched "
                             "input")
        raise NotImplementedError("batched non_max_suppression_padded is not supported")
    indices, _, valid = _nms(boxes, scores, max_output_size, iou_threshold, score_threshold, 0.0,
                             pad_to_max_output_size, name)
    return indices, valid


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None):
    """As non_max_suppression, with the pairwise overlaps [n, n] given (any similarity; no [0, 1] limit)."""
    return _nms(overlaps, scores, max_output_size, overlap_threshold, score_threshold, None, False, name,
                NonMaxSuppressionWithOverlaps)[0]
