"""`tf.image.combined_non_max_suppression`: TF's CombinedNonMaxSuppression kernel, non-maximum suppression per
class and per image of a batch, then the best of all classes.

Per (image, class): candidates scoring above `score_threshold` go into a `std::priority_queue` and come out
best first; one is kept unless its IoU (box_ops' TF IoU) with a box kept before it exceeds `iou_threshold`, until
`max_output_size_per_class` are kept. The kept ones of every class, with an empty slot (score -1) for each
class's unused places, are put in order of score by `std::sort`, and the first `max_total_size` (with
`pad_per_class`: at most max_output_size_per_class · classes) are the result, padded with zeros; `clip_boxes`
clips their corners to [0, 1]. Ties are broken where libstdc++'s heap and introsort break them (stl_order.py),
so the order of equal scores is TF's; `valid_detections` counts the kept boxes. Not differentiable (TF: neither).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .array_ops import get_static_value
from .box_ops import _iou_with
from .core import apply_op, convert_to_tensor
from .stl_order import HeapQueue, std_sort

__all__ = ["combined_non_max_suppression"]

_EMPTY = (-1, -1.0, -1, (0.0, 0.0, 0.0, 0.0))  # a class's unused place: box, score, class, corners


def _per_class(boxes, scores, size_per_class, score_threshold, iou_threshold):
    """TF's DoNMSPerClass on one image's boxes [n, 4] and one class's scores [n]: (box, score) kept, in order."""
    queue = HeapQueue(lambda a, b: a[1] < b[1])
    for i in np.flatnonzero(scores > score_threshold).tolist():
        queue.push((i, scores[i]))
    similarity = _iou_with(boxes, slice(None))
    kept = []
    while len(kept) < size_per_class and len(queue):
        i, score = queue.pop()
        if not any(similarity(i, j) > iou_threshold for j, _ in reversed(kept)):
            kept.append((i, score))
    return kept


class CombinedNonMaxSuppression(OpDef):
    """(boxes [batch, n, q, 4], scores [batch, n, classes], max_output_size_per_class, max_total_size,
    iou_threshold, score_threshold; pad_per_class, clip_boxes) -> nmsed_boxes [batch, size, 4], nmsed_scores,
    nmsed_classes (float32) [batch, size], valid_detections int32 [batch]."""

    type = "CombinedNonMaxSuppression"
    gradient = not_differentiable

    def infer(op):
        bs, ss = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        if bs is not None and len(bs) != 4:
            raise ValueError(f"Shape must be rank 4 but is rank {len(bs)} for '{op.name}' (op: '{op.type}'): boxes")
        if ss is not None and len(ss) != 3:
            raise ValueError(f"Shape must be rank 3 but is rank {len(ss)} for '{op.name}' (op: '{op.type}'): scores")
        batch = bs[0] if bs is not None else (ss[0] if ss is not None else None)
        per_class, total = (get_static_value(t) for t in op.inputs[2:4])
        size = None if total is None else int(total)
        if op.attrs["pad_per_class"]:
            classes = ss[2] if ss is not None else None
            size = None if None in (size, per_class, classes) else min(size, int(per_class) * classes)
        return [((batch, size, 4), dtypes.float32), ((batch, size), dtypes.float32), ((batch, size), dtypes.float32),
                ((batch,), dtypes.int32)]

    def kernel(op, ctx):
        pad_per_class, clip, to_host, to_dev = op.attrs["pad_per_class"], op.attrs["clip_boxes"], ctx.to_host, \
            ctx.to_device

        def combined_nms(boxes, scores, max_per_class, max_total, iou_threshold, score_threshold):
            boxes, scores = np.asarray(to_host(boxes), np.float32), np.asarray(to_host(scores), np.float32)
            per_class, total = int(to_host(max_per_class)), int(to_host(max_total))
            iou, floor = np.float32(to_host(iou_threshold)), np.float32(to_host(score_threshold))
            if per_class <= 0:
                raise InvalidArgumentError(op.node_def, op, "max_size_per_class must be > 0")
            if total <= 0:
                raise InvalidArgumentError(op.node_def, op, "max_total_size must be > 0")
            if not 0 <= iou <= 1:
                raise InvalidArgumentError(op.node_def, op, "iou_threshold must be in [0, 1]")
            batch, n, q, _ = boxes.shape
            classes = scores.shape[2]
            if q not in (1, classes):
                raise InvalidArgumentError(op.node_def, op, "third dimension of boxes must be either 1 or num "
                                                            "classes")
            size_per_class = min(per_class, n)
            size = min(total, per_class * classes) if pad_per_class else total
            out_boxes = np.zeros((batch, size, 4), np.float32)
            out_scores, out_classes = np.zeros((batch, size), np.float32), np.zeros((batch, size), np.float32)
            valid = np.zeros(batch, np.int32)
            for b in range(batch):
                slots = [_EMPTY] * (size_per_class * classes)
                for c in range(classes):
                    own = boxes[b, :, c if q > 1 else 0]
                    for k, (i, score) in enumerate(_per_class(own, scores[b, :, c], size_per_class, floor, iou)):
                        slots[c * size_per_class + k] = (i, score, c, tuple(own[i]))
                std_sort(slots, lambda x, y: x[1] > y[1])
                found = sum(s[0] > -1 for s in slots)
                valid[b] = count = min(found, size)
                for k, (_i, score, c, corners) in enumerate(slots[:count]):
                    out_boxes[b, k] = np.clip(corners, 0, 1) if clip else corners
                    out_scores[b, k], out_classes[b, k] = score, c
            return [to_dev(out_boxes), to_dev(out_scores), to_dev(out_classes), to_dev(valid)]
        return combined_nms


def combined_non_max_suppression(boxes, scores, max_output_size_per_class, max_total_size, iou_threshold=0.5,
                                 score_threshold=float("-inf"), pad_per_class=False, clip_boxes=True, name=None):
    """(nmsed_boxes, nmsed_scores, nmsed_classes, valid_detections) of a batch of detections: boxes [batch, n, q,
    4] (q 1: shared by the classes, or one per class), scores [batch, n, classes]."""
    with name_scope(name, "combined_non_max_suppression"):
        iou = convert_to_tensor(iou_threshold, dtypes.float32, name="iou_threshold")
        floor = convert_to_tensor(score_threshold, dtypes.float32, name="score_threshold")
        total = convert_to_tensor(max_total_size)
        inputs = [convert_to_tensor(boxes, dtypes.float32, name="boxes"),
                  convert_to_tensor(scores, dtypes.float32, name="scores"),
                  convert_to_tensor(max_output_size_per_class, dtypes.int32, name="max_output_size_per_class"),
                  total, iou, floor]
        return tuple(apply_op(CombinedNonMaxSuppression, inputs, {"pad_per_class": bool(pad_per_class),
                                                                  "clip_boxes": bool(clip_boxes)},
                              "CombinedNonMaxSuppression"))
