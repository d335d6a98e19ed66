"""`tf.image.sample_distorted_bounding_box`: TF's SampleDistortedBoundingBoxV2 kernel, draw for draw.

Each attempt draws an aspect ratio in `aspect_ratio_range`, a height whose area lies in `area_range` of the image
(TF's rounding: lrintf, then one step up or down to stay inside the range), and a uniform position; the crop is
taken when it has at least 10 pixels and covers `min_object_covered` of some box (boxes [batch, n, 4] in [0, 1],
truncated to pixels). After `max_attempts` failures the whole image is the crop.

The draws are TF's: Philox-4x32-10 seeded with the op's (seed, seed2), as TF1's `tf.image.sample_distorted_bounding_box`
passes them (no graph-level seed is involved), each run starting `max_attempts` counter values after the previous
run's start, as TF's GuardedPhiloxRandom reserves them; so with a seed or seed2 the crops are TF's, run after run,
in a new session again from the first. With neither (both 0) the session draws its own random seeds, as TF does.
"""
from __future__ import annotations

import math

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .philox import Philox, SimplePhilox

_F32 = np.float32


def _lrint(x):
    return int(np.rint(_F32(x)))


def _random_crop(rand, width, height, min_area_frac, max_area_frac, aspect):
    """TF's GenerateRandomCrop: (x, y, w, h) or None."""
    if max_area_frac <= 0 or aspect <= 0 or width <= 0 or height <= 0 or min_area_frac > max_area_frac:
        return None
    min_area, max_area = _F32(_F32(min_area_frac * _F32(width)) * _F32(height)), _F32(
        _F32(max_area_frac * _F32(width)) * _F32(height))
    h = _lrint(np.sqrt(_F32(min_area / aspect)))
    max_h = _lrint(np.sqrt(_F32(max_area / aspect)))
    if _lrint(_F32(max_h) * aspect) > width:
        max_h = int((width + 0.5 - float(_F32(1e-7))) / float(aspect))
        if _lrint(_F32(max_h) * aspect) > width:
            max_h -= 1
    max_h = min(max_h, height)
    h = min(h, max_h)
    if h < max_h:
        h += rand.uniform(max_h - h + 1)
    w = _lrint(_F32(h) * aspect)
    area = _F32(w * h)
    if area < min_area:
        h += 1
        w = _lrint(_F32(h) * aspect)
        area = _F32(w * h)
    if area > max_area:
        h -= 1
        w = _lrint(_F32(h) * aspect)
        area = _F32(w * h)
    if area < min_area or area > max_area or w > width or h > height or w <= 0 or h <= 0:
        return None
    y = rand.uniform(height - h) if h < height else 0
    x = rand.uniform(width - w) if w < width else 0
    return x, y, w, h


def _covers(crop, boxes, min_covered):
    """TF's SatisfiesOverlapConstraints: at least 10 pixels, and min_covered of some box with an area."""
    x, y, w, h = crop
    if w * h < 10:
        return False
    for x0, y0, x1, y1 in boxes:
        area = (x1 - x0) * (y1 - y0)
        if area <= 0:
            continue
        iw, ih = min(x + w, x1) - max(x, x0), min(y + h, y1) - max(y, y0)
        inter = iw * ih if iw > 0 and ih > 0 else 0
        if _F32(_F32(inter) / _F32(area)) >= min_covered:
            return True
    return False


class SampleDistortedBoundingBoxV2(OpDef):
    """(begin, size, bboxes): a crop as `tf.slice` arguments [y, x, 0] and [h, w, -1], and as a [1, 1, 4] box."""

    type = "SampleDistortedBoundingBoxV2"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        size, boxes, covered = op.inputs
        ss, bs, cs = static_shape(size), static_shape(boxes), static_shape(covered)
        if ss is not None and ss != (3,):
            raise ValueError(f"image_size must be 1-dimensional with 3 elements, got {size.shape} for '{op.name}'")
        if bs is not None and (len(bs) != 3 or bs[2] not in (None, 4)):
            raise ValueError(f"bounding_boxes must be [batch, num_boxes, 4], got {boxes.shape} for '{op.name}'")
        if cs is not None and cs != ():
            raise ValueError(f"min_object_covered must be a scalar, got {covered.shape} for '{op.name}'")
        dt = size.dtype.base_dtype
        return [((3,), dt), ((3,), dt), ((1, 1, 4), dtypes.float32)]

    def kernel(op, ctx):
        a = op.attrs
        gen = ctx.resources.get((op, "philox"))     # one stream per op and session, whichever plan runs it
        if gen is None:
            seed, seed2 = a["seed"], a["seed2"]
            if not seed and not seed2:
                seed, seed2 = (int(v) for v in np.random.default_rng().integers(1, 2**63, 2))
            gen = ctx.resources.setdefault((op, "philox"), Philox(seed % 2**64, seed2 % 2**64))
        to_host, to_dev = ctx.to_host, ctx.to_device
        (lo_ar, hi_ar), (lo_area, hi_area) = ((_F32(v) for v in a[k]) for k in ("aspect_ratio_range", "area_range"))

        def sample_distorted_bounding_box(image_size, bounding_boxes, min_object_covered):
            size = np.asarray(to_host(image_size))
            height, width = int(size[0]), int(size[1])
            covered = _F32(to_host(min_object_covered))
            if covered < 0:
                raise op_error(InvalidArgumentError, op, f"min_object_covered must be non-negative: {covered}")
            raw = np.asarray(to_host(bounding_boxes), np.float32).reshape(-1, 4)
            if ((raw < 0) | (raw > 1)).any():
                bad = raw[(raw < 0) | (raw > 1)][0]
                raise op_error(InvalidArgumentError, op, f"All bounding box coordinates must be in [0.0, 1.0]: {bad}")
            boxes = [(int(b[1] * _F32(width)), int(b[0] * _F32(height)), int(b[3] * _F32(width)),
                      int(b[2] * _F32(height))) for b in raw]
            if not boxes:
                if not a["use_image_if_no_bounding_boxes"]:
                    raise op_error(InvalidArgumentError, op, "No bounding boxes provided as input. One must enable "
                                   "use_image_if_no_bounding_boxes if you wish to not provide any bounding boxes.")
                boxes = [(0, 0, width, height)]
            rand = SimplePhilox(gen.copy())          # this run draws from a copy of the generator ...
            gen.skip(a["max_attempts"])              # ... which the next run finds moved on
            crop = None
            for _ in range(a["max_attempts"]):
                aspect = _F32(_F32(rand.rand_float() * (hi_ar - lo_ar)) + lo_ar)
                c = _random_crop(rand, width, height, lo_area, hi_area, aspect)
                if c is not None and _covers(c, boxes, covered):
                    crop = c
                    break
            x, y, w, h = crop if crop is not None else (0, 0, width, height)
            box = np.array([[[y, x, y + h, x + w]]], np.float32) / np.array([height, width] * 2, np.float32)
            dt = size.dtype
            return (to_dev(np.array([y, x, 0], dt)), to_dev(np.array([h, w, -1], dt)), to_dev(box))
        return sample_distorted_bounding_box


def _pair(value, default, what):
    v = default if value is None else [float(x) for x in value]
    if len(v) != 2:
        raise ValueError(f"{what} must have 2 elements, got {value!r}")
    return tuple(v)


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=None, seed2=None, min_object_covered=0.1,
                                  aspect_ratio_range=None, area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None):
    """(begin, size, bboxes) of a random crop of an image of `image_size` [h, w, c] that covers
    `min_object_covered` of one of `bounding_boxes`: `tf.slice(image, begin, size)` cuts it out."""
    aspect = _pair(aspect_ratio_range, (0.75, 1.33), "aspect_ratio_range")
    area = _pair(area_range, (0.05, 1.0), "area_range")
    if min(aspect) <= 0:
        raise ValueError(f"aspect_ratio_range must be positive, got {list(aspect)}")
    if not 0 < area[0] <= area[1] <= 1 or math.isnan(sum(area)):
        raise ValueError(f"area_range must be within (0, 1] and ordered, got {list(area)}")
    attempts = 100 if max_attempts is None else int(max_attempts)
    if attempts <= 0:
        raise ValueError(f"max_attempts must be positive, got {attempts}")
    size = convert_to_tensor(image_size, name="image_size")
    if not size.dtype.base_dtype.is_integer:
        raise TypeError(f"image_size must be an integer tensor, got {size.dtype.base_dtype.name}")
    inputs = [size, convert_to_tensor(bounding_boxes, name="bounding_boxes", dtype=dtypes.float32),
              convert_to_tensor(min_object_covered, name="min_object_covered", dtype=dtypes.float32)]
    attrs = {"seed": int(seed or 0), "seed2": int(seed2 or 0), "aspect_ratio_range": aspect, "area_range": area,
             "max_attempts": attempts, "use_image_if_no_bounding_boxes": bool(use_image_if_no_bounding_boxes)}
    return tuple(apply_op(SampleDistortedBoundingBoxV2, inputs, attrs, name or "SampleDistortedBoundingBoxV2"))
