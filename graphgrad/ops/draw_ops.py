"""`tf.image.draw_bounding_boxes`: TF's DrawBoundingBoxes(V2) kernel. Box (y_min, x_min, y_max, x_max) in [0, 1]
becomes rows y·(h-1) and columns x·(w-1), truncated toward zero; its one-pixel outline is drawn in colour
`i % len(colors)` for the i-th box of an image, clipped to the image; inverted boxes and boxes wholly outside are
skipped. TF's default colours cycle yellow, blue, red, lime, purple, olive, maroon, navy, aqua, fuchsia (first
channel of each set to 1 for one-channel images: white). Not differentiable, as in TF."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor

_COLORS = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1], [0.5, 0.5, 0, 1],
                    [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]], np.float32)


def _outline(box, h, w):
    """(top, bottom, left, right, clipped rows, clipped columns) of one box, or None when it is not drawn."""
    top, left, bottom, right = (int(np.float32(v) * (n - 1)) for v, n in zip(box, (h, w, h, w)))
    if top > bottom or left > right or top >= h or bottom < 0 or left >= w or right < 0:
        return None
    return top, bottom, left, right, slice(max(top, 0), min(bottom, h - 1) + 1), slice(max(left, 0),
                                                                                        min(right, w - 1) + 1)


class DrawBoundingBoxesV2(OpDef):
    type = "DrawBoundingBoxesV2"
    gradient = not_differentiable

    def infer(op):
        images, boxes = op.inputs[:2]
        s, bs = static_shape(images), static_shape(boxes)
        if s is not None and len(s) != 4:
            raise ValueError(f"Shape must be rank 4 but is rank {len(s)} for '{op.name}' (op: '{op.type}')")
        if bs is not None and (len(bs) != 3 or bs[2] not in (None, 4)):
            raise ValueError(f"boxes must be [batch, num_boxes, 4], got {boxes.shape} for '{op.name}'")
        if s is not None and s[3] not in (None, 1, 3, 4):
            raise ValueError(f"Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA) for '{op.name}' (op: "
                             f"'{op.type}') with input shapes: {images.shape}, {boxes.shape}.")
        return [(s, images.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host = ctx.xp, ctx.to_host

        def draw_bounding_boxes(images, boxes, colors=None):
            batch, h, w, depth = images.shape
            if depth not in (1, 3, 4):
                raise op_error(InvalidArgumentError, op, "Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA)")
            table = None if colors is None else np.asarray(to_host(colors), np.float32)
            if table is not None and (table.ndim != 2 or table.shape[1] < depth):
                raise op_error(InvalidArgumentError, op, "colors must be a 2-D matrix with equal or more channels "
                                                         f"than the image provided, got {list(table.shape)}")
            if table is None or table.size == 0:
                table = _COLORS.copy()
                if depth == 1:
                    table[:, 0] = 1
            host_boxes = np.asarray(to_host(boxes), np.float32)
            if host_boxes.shape[0] != batch:
                raise op_error(InvalidArgumentError, op, "boxes and images must have the same batch size")
            out = xp.array(images, copy=True)
            table = xp.asarray(table[:, :depth].astype(images.dtype))
            for b in range(batch):
                for i, box in enumerate(host_boxes[b]):
                    lines = _outline(box, h, w)
                    if lines is None:
                        continue
                    top, bottom, left, right, rows, cols = lines
                    color = table[i % len(table)]
                    for row in (top, bottom):
                        if 0 <= row < h:
                            out[b, row, cols] = color
                    for col in (left, right):
                        if 0 <= col < w:
                            out[b, rows, col] = color
            return out
        return draw_bounding_boxes


def draw_bounding_boxes(images, boxes, name=None, colors=None):
    """`images` [batch, h, w, depth] (float) with the outlines of `boxes` [batch, n, 4] drawn in; `colors`
    [k, 4] RGBA rows cycle over the boxes (TF's ten colours when None)."""
    inputs = [convert_to_tensor(images, name="images"), convert_to_tensor(boxes, name="boxes", dtype=dtypes.float32)]
    if colors is not None:
        inputs.append(convert_to_tensor(colors, name="colors", dtype=dtypes.float32))
    return apply_op(DrawBoundingBoxesV2, inputs, None, name or "DrawBoundingBoxesV2")
