"""`frame` (overlapping windows of a signal along an axis) and `overlap_and_add` (the sum of such windows back into
a signal), as TF 1.x's tf.signal defines them. Lengths, steps and axes are known while building."""
from __future__ import annotations

import math

from ..framework.graph import name_scope
from ..ops.array_ops import _norm_axis, _static_ints, concat, pad, reshape, strided_slice, transpose
from ..ops.array_ops import slice as slice_
from ..ops.core import convert_to_tensor
from ..ops.reduction_ops import reduce_sum


def static_int(value, what):
    """A Python int from an int or a constant scalar tensor (graphgrad needs these while building)."""
    v = _static_ints(value, what)
    if len(v) != 1:
        raise ValueError(f"Shape must be rank 0 but is rank 1 for {what}")
    return v[0]


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """Frames of `frame_length` samples every `frame_step` samples along `axis`: [..., samples, ...] becomes
    [..., frames, frame_length, ...]. With pad_end, the end is padded with `pad_value` so that every sample is in
    a frame (ceil(samples / frame_step) frames); without, only whole frames are kept."""
    with name_scope(name, "frame", [signal, frame_length, frame_step, pad_value]):
        signal = convert_to_tensor(signal, name="signal")
        length, step = static_int(frame_length, "frame_length"), static_int(frame_step, "frame_step")
        shape = signal.shape.dims_tuple
        if shape is None or len(shape) < 1:
            raise ValueError(f"Shape must be at least rank 1 but is rank {0 if shape is not None else '?'}")
        axis = _norm_axis(static_int(axis, "axis"), len(shape))
        samples = shape[axis]
        if samples is None:
            raise ValueError(f"the framed axis must be known while building, got {signal.shape}")
        if pad_end:
            frames = -(-samples // step)
            extra = max(0, length + step * (frames - 1) - samples)
            if extra:
                paddings = [[0, 0]] * len(shape)
                paddings[axis] = [0, extra]
                signal = pad(signal, paddings, constant_values=pad_value)
        else:
            frames = max(0, 1 + (samples - length) // step)
        return _frames_by_slices(signal, axis, frames, length, step)


def _frames_by_slices(signal, axis, frames, length, step):
    """TF's construction: the signal cut into subframes of gcd(length, step) samples; frame i is subframes
    i·s, ..., i·s + r − 1 (s = step / gcd, r = length / gcd), gathered as r strided slices and concatenated, so
    the gradient is slices and a concat too (no scatter-add)."""
    shape = list(signal.shape.dims_tuple)
    outer, inner = [-1 if d is None else d for d in shape[:axis]], [-1 if d is None else d for d in shape[axis + 1:]]
    if (outer + inner).count(-1) > 1:
        raise ValueError(f"frame needs the signal's other dimensions known while building, got {signal.shape}")
    sub = math.gcd(length, step)
    r, s = length // sub, step // sub
    needed = ((frames - 1) * s + r) * sub if frames else 0
    begin, size = [0] * len(shape), [-1] * len(shape)
    size[axis] = needed
    signal = slice_(signal, begin, size)
    if not frames:
        return reshape(signal, outer + [0, length] + inner)
    subframes = reshape(signal, outer + [needed // sub if sub else 0, sub] + inner)
    pieces = []
    for j in range(r):
        begin = [0] * (len(shape) + 1)
        end = [0] * (len(shape) + 1)
        strides = [1] * (len(shape) + 1)
        begin[axis], end[axis], strides[axis] = j, j + (frames - 1) * s + 1, s
        mask = sum(1 << i for i in range(len(shape) + 1) if i != axis)
        pieces.append(strided_slice(subframes, begin, end, strides, begin_mask=mask, end_mask=mask))
    return pieces[0] if r == 1 else concat(pieces, axis + 1)


def overlap_and_add(signal, frame_step, name=None):
    """[..., frames, frame_length] → [..., (frames − 1)·frame_step + frame_length]: each frame added in at its
    offset. TF's construction (pad, reshape, transpose, sum), so the gradient frames the incoming one again."""
    with name_scope(name, "overlap_and_add", [signal, frame_step]):
        signal = convert_to_tensor(signal, name="signal")
        step = static_int(frame_step, "frame_step")
        shape = signal.shape.dims_tuple
        if shape is None or len(shape) < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {len(shape) if shape else '?'}")
        if any(d is None for d in shape[-2:]):
            raise ValueError(f"frames and frame_length must be known while building, got {signal.shape}")
        outer, (frames, length) = [-1 if d is None else d for d in shape[:-2]], shape[-2:]
        out_length = length + step * (frames - 1)
        if step == length:
            return reshape(signal, outer + [out_length])
        segments = -(-length // step)
        r = len(outer)
        signal = pad(signal, [[0, 0]] * r + [[0, segments], [0, segments * step - length]])
        signal = reshape(signal, outer + [frames + segments, segments, step])
        signal = transpose(signal, list(range(r)) + [r + 1, r, r + 2])
        signal = reshape(signal, outer + [(frames + segments) * segments, step])
        signal = slice_(signal, [0] * (r + 2), [-1] * r + [(frames + segments - 1) * segments, -1])
        signal = reshape(signal, outer + [segments, frames + segments - 1, step])
        signal = reduce_sum(signal, -3)
        signal = reshape(signal, outer + [(frames + segments - 1) * step])
        return slice_(signal, [0] * (r + 1), [-1] * r + [out_length])
