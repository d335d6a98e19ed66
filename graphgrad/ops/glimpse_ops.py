"""`tf.image.extract_glimpse`: TF1's ExtractGlimpse (Eigen's ExtractGlimpses), one size[0] x size[1] window per
image at `offsets` [batch, 2] (y, x).

Offsets are normalized ([-1, 1] when centered: image centre 0; [0, 1] from the top-left otherwise) or in pixels
from the top-left; centered pixel offsets count from the centre and are halved first (TF's arithmetic, whatever
its documentation says). The window's top-left corner is the offset minus half the window,
truncated toward zero as TF's integer conversion does. Where the window leaves the image it is first filled with
noise drawn per image, uniform in [min, max) of that image (`uniform_noise`) or normal with its mean and standard
deviation, then the part inside the image is copied in. The noise comes from the op's own generator (seeded by
the graph and op seeds as graphgrad's random ops are), not TF's, so only the pixels inside the image equal TF's.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .array_ops import _static_ints
from .core import apply_op, convert_to_tensor
from .random_ops import _seed_attrs

_F32 = np.float32


def _corner(offset, n_in, n_out, normalized, centered):
    """TF's float arithmetic from one offset to the window's first row (or column), truncated."""
    v = _F32(offset)
    if normalized:
        v = v * _F32(n_in)
    if centered:                                   # halved even in pixels, as Eigen's ExtractGlimpses does
        v = v / _F32(2) + _F32(n_in) / _F32(2)
    return int(v - _F32(n_out) / _F32(2))


def _overlap(start, n_out, n_in):
    """(source slice, destination slice, partial?) of a window starting at `start` along one axis."""
    if start < 0:
        keep = max(0, n_out + start)
        return slice(0, keep), slice(n_out - keep, n_out), True
    keep = max(0, min(n_out, n_in - start))
    return slice(start, start + keep), slice(0, keep), start + n_out >= n_in


class ExtractGlimpse(OpDef):
    type = "ExtractGlimpse"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        x, offsets = op.inputs
        s, os_ = static_shape(x), static_shape(offsets)
        if s is not None and len(s) != 4:
            raise ValueError(f"input must be a 4-D tensor, got {x.shape} for '{op.name}'")
        if os_ is not None and (len(os_) != 2 or os_[1] not in (None, 2)):
            raise ValueError(f"offsets must be [batch_size, 2], got {offsets.shape} for '{op.name}'")
        b, c = (None, None) if s is None else (s[0], s[3])
        return [((b, *op.attrs["size"], c), dtypes.float32)]

    def kernel(op, ctx):
        xp, to_host, to_dev, gen = ctx.xp, ctx.to_host, ctx.to_device, ctx.rng(op)
        (gh, gw), a = op.attrs["size"], op.attrs

        def extract_glimpse(x, offsets):
            batch, h, w, c = x.shape
            offs = np.asarray(to_host(offsets), np.float32)
            if offs.shape != (batch, 2):
                raise op_error(InvalidArgumentError, op, "input and offsets must have the same batch size, got "
                                                         f"{list(x.shape)} and {list(offs.shape)}")
            out = xp.empty((batch, gh, gw, c), xp.float32)
            for i in range(batch):
                top = _corner(offs[i, 0], h, gh, a["normalized"], a["centered"])
                left = _corner(offs[i, 1], w, gw, a["normalized"], a["centered"])
                (ys, yd, py), (xs, xd, px) = _overlap(top, gh, h), _overlap(left, gw, w)
                if py or px:
                    img = np.asarray(to_host(x[i]), np.float64)
                    if a["uniform_noise"]:
                        lo, hi = img.min(), img.max()
                        noise = gen.random((gh, gw, c)) * (hi - lo) + lo
                    else:
                        noise = gen.standard_normal((gh, gw, c)) * img.std() + img.mean()
                    out[i] = to_dev(noise.astype(np.float32))
                out[i, yd, xd] = x[i, ys, xs]
            return out
        return extract_glimpse


def extract_glimpse(input, size, offsets, centered=True, normalized=True, uniform_noise=True,  # noqa: A002
                    name=None):
    """[batch, h, w, c] -> [batch, size[0], size[1], c] float32: each image's window at its offset (y, x)."""
    size = _static_ints(size, "size")
    if len(size) != 2:
        raise ValueError(f"size must be a 1-D tensor of 2 elements (height, width), got {list(size)}")
    inputs = [convert_to_tensor(input, name="input", dtype=dtypes.float32),
              convert_to_tensor(offsets, name="offsets", dtype=dtypes.float32)]
    attrs = {"size": size, "centered": bool(centered), "normalized": bool(normalized),
             "uniform_noise": bool(uniform_noise), **_seed_attrs(None)}
    return apply_op(ExtractGlimpse, inputs, attrs, name or "ExtractGlimpse")
