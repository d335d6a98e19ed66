"""`tf.signal.mdct` and `inverse_mdct`: the modified discrete cosine transform of frames overlapping by half, as TF
builds it (frame, window, fold the four quarters, type-IV DCT; and back, with overlap-add), so gradients flow
through the same graph ops."""
from __future__ import annotations

import numpy as np

from ..framework.graph import name_scope
from ..ops.arithmetic_ops import multiply, negative, subtract
from ..ops.array_ops import concat, reverse, split
from ..ops.core import convert_to_tensor
from .framing import frame, overlap_and_add, static_int
from .mel import dct
from .windows import vorbis_window


def _windowed(frames, window_fn, length):
    if window_fn is None:
        return multiply(frames, np.asarray(1.0 / np.sqrt(2), frames.dtype.base_dtype.np))
    return multiply(frames, window_fn(length, dtype=frames.dtype.base_dtype))


def mdct(signals, frame_length, window_fn=vorbis_window, pad_end=False, norm=None, name=None):
    """MDCTs of `signals` [..., samples] in frames of `frame_length` (a multiple of 4) stepping by half of it:
    [..., frames, frame_length / 2]."""
    with name_scope(name, "mdct", [signals, frame_length]):
        signals = convert_to_tensor(signals, name="signals")
        if signals.shape.ndims == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0")
        length = static_int(frame_length, "frame_length")
        if length % 4 != 0:
            raise ValueError("The frame length must be a multiple of 4.")
        framed = _windowed(frame(signals, length, length // 2, pad_end=pad_end), window_fn, length)
        q = split(framed, 4, axis=-1)
        first = subtract(negative(reverse(q[2], [-1])), q[3])
        second = subtract(q[0], reverse(q[1], [-1]))
        return dct(concat([first, second], axis=-1), type=4, norm=norm)


def inverse_mdct(mdcts, window_fn=vorbis_window, norm=None, name=None):
    """The signal whose MDCTs are `mdcts` [..., frames, half]: a type-IV DCT back, unfolded, windowed and
    overlap-added (with a power-complementary window and norm=None or 'ortho', mdct's inverse)."""
    with name_scope(name, "inverse_mdct", [mdcts]):
        mdcts = convert_to_tensor(mdcts, name="mdcts")
        if mdcts.shape.ndims is not None and mdcts.shape.ndims < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {mdcts.shape.ndims}")
        half = mdcts.shape[-1].value
        if half is None:
            raise ValueError(f"the last dimension must be known while building, got {mdcts.shape}")
        if norm is None:
            back = multiply(dct(mdcts, type=4), np.asarray(0.5 / half, mdcts.dtype.base_dtype.np))
        elif norm == "ortho":
            back = dct(mdcts, type=4, norm="ortho")
        else:
            raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")
        a, b = split(back, 2, axis=-1)
        frames = concat([b, negative(reverse(b, [-1])), negative(reverse(a, [-1])), negative(a)], axis=-1)
        return overlap_and_add(_windowed(frames, window_fn, 2 * half), half)
