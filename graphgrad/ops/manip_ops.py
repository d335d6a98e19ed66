"""`tf.manip` (TF 1.x's name for a few array ops) and what it adds: `roll` (TF's Roll op) and
`space_to_batch_nd` / `batch_to_space_nd`, written as TF documents them (pad, reshape, transpose, reshape; and
back), so their gradients come from those ops; TF1's 2-D `space_to_batch` / `batch_to_space` (one `block_size`)
and `required_space_to_batch_paddings` on top of them. Shifts, axes, block shapes, paddings and crops are known while
building, as graphgrad's other shape arguments."""
from __future__ import annotations

import numpy as np

from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .array_ops import _norm_axis, _static_ints, pad, reshape, reverse, tile, transpose
from .array_ops import slice as slice_
from .core import apply_op, convert_to_tensor
from .nd_ops import gather_nd, scatter_nd


class Roll(OpDef):
    """Elements shifted along axes, wrapping around; the gradient rolls back."""

    type = "Roll"

    def infer(op):
        x = op.inputs[0]
        s = static_shape(x)
        shift, axis = op.attrs["shift"], op.attrs["axis"]
        if len(shift) != len(axis):
            raise ValueError(f"shift and axis must have the same size, got {len(shift)} and {len(axis)}")
        if s is not None:
            for a in axis:
                _norm_axis(a, len(s))
        return [(s, x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, shift, axis = ctx.xp, op.attrs["shift"], op.attrs["axis"]
        return lambda x: xp.roll(x, shift, axis)

    def gradient(op, dy):
        return [roll(dy, [-s for s in op.attrs["shift"]], list(op.attrs["axis"]))]


def roll(input, shift, axis, name=None):  # noqa: A002 - TensorFlow's name
    """Roll `input` by `shift` places along `axis` (each an int or a list of them; repeated axes add up)."""
    x = convert_to_tensor(input, name="input")
    attrs = {"shift": _static_ints(shift, "shift"), "axis": _static_ints(axis, "axis")}
    return apply_op(Roll, [x], attrs, name or "Roll")


def _block_args(input, block_shape, pairs, what):
    x = convert_to_tensor(input, name="input")
    block = list(_static_ints(block_shape, "block_shape"))
    pairs = np.reshape(np.asarray(_static_ints(pairs, what), np.int64), (-1, 2))
    s = static_shape(x)
    if len(pairs) != len(block):
        raise ValueError(f"{what} should have shape [{len(block)}, 2] instead of {list(pairs.shape)}")
    if s is None or any(d is None for d in s[1:len(block) + 1]):
        raise ValueError(f"the spatial dimensions of input must be known while building, got {x.shape}")
    return x, block, pairs, list(s)


def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    """Zero-pad the M spatial dimensions after the batch, then move `block_shape` blocks of them into the batch:
    [b, d1·k1, ..., rest] → [b·k1·...·kM, d1, ..., rest]."""
    with name_scope(name, "SpaceToBatchND", [input]):
        x, block, paddings, s = _block_args(input, block_shape, paddings, "paddings")
        m = len(block)
        padded = pad(x, [[0, 0], *paddings.tolist(), *[[0, 0]] * (len(s) - 1 - m)])
        dims = [d + int(p.sum()) for d, p in zip(s[1:m + 1], paddings)]
        for d, k in zip(dims, block):
            if d % k:
                raise ValueError(f"padded spatial dimension {d} is not divisible by block size {k}")
        rest = s[m + 1:]
        split = [-1 if s[0] is None else s[0]] + [v for d, k in zip(dims, block) for v in (d // k, k)] + rest
        y = reshape(padded, split)
        perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + list(
            range(1 + 2 * m, 1 + 2 * m + len(rest)))
        y = transpose(y, perm)
        return reshape(y, [-1] + [d // k for d, k in zip(dims, block)] + rest)


def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    """The inverse of space_to_batch_nd: blocks of the batch back into the spatial dimensions, then cropped."""
    with name_scope(name, "BatchToSpaceND", [input]):
        x, block, crops, s = _block_args(input, block_shape, crops, "crops")
        m, prod = len(block), int(np.prod(block))
        if s[0] is not None and s[0] % prod:
            raise ValueError(f"batch dimension {s[0]} is not divisible by the product of block sizes {prod}")
        rest = s[m + 1:]
        y = reshape(x, block + [-1] + s[1:])
        perm = [m] + [v for i in range(m) for v in (m + 1 + i, i)] + list(range(2 * m + 1, 2 * m + 1 + len(rest)))
        y = transpose(y, perm)
        full = [d * k for d, k in zip(s[1:m + 1], block)]
        y = reshape(y, [-1] + full + rest)
        begin = [0] + [int(c[0]) for c in crops] + [0] * len(rest)
        size = [-1] + [d - int(c.sum()) for d, c in zip(full, crops)] + [-1] * len(rest)
        return slice_(y, begin, size)


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):  # noqa: A002
    """TF1's 4-D space_to_batch: space_to_batch_nd with the block [block_size, block_size]."""
    size = _block_size(block_size, block_shape)
    return space_to_batch_nd(input, [size, size], paddings, name=name)


def batch_to_space(input, crops, block_size=None, name=None, block_shape=None):  # noqa: A002
    """TF1's 4-D batch_to_space: batch_to_space_nd with the block [block_size, block_size]."""
    size = _block_size(block_size, block_shape)
    return batch_to_space_nd(input, [size, size], crops, name=name)


def _block_size(block_size, block_shape):
    if (block_size is None) == (block_shape is None):
        raise ValueError("Cannot specify both 'block_shape' and 'block_size'." if block_size is not None else
                         "block_size is required")
    return int(block_size if block_size is not None else block_shape)


def required_space_to_batch_paddings(input_shape, block_shape, base_paddings=None, name=None):
    """(paddings, crops) for space_to_batch_nd / batch_to_space_nd such that the padded input_shape (after
    base_paddings) is divisible by block_shape: the extra padding goes at the end and is cropped back."""
    from .array_ops import zeros
    from .core import constant

    with name_scope(name, "required_space_to_batch_paddings", [input_shape, block_shape]):
        shape_v, block_v = (_static_ints(v, w) for v, w in ((input_shape, "input_shape"),
                                                            (block_shape, "block_shape")))
        m = len(block_v)
        if m == 0:
            return zeros([0, 2], "int32"), zeros([0, 2], "int32")
        if len(shape_v) != m:
            raise ValueError(f"Shapes must be equal rank, but are {len(shape_v)} and {m}")
        base = np.zeros((m, 2), np.int32) if base_paddings is None else \
            np.asarray(_static_ints(base_paddings, "base_paddings"), np.int32).reshape(m, 2)
        block, full = np.asarray(block_v, np.int32), np.asarray(shape_v, np.int32) + base.sum(axis=1)
        extra = (block - full % block) % block
        paddings = np.stack([base[:, 0], base[:, 1] + extra], axis=1)
        crops = np.stack([np.zeros(m, np.int32), extra], axis=1)
        return constant(paddings.astype(np.int32), name="paddings"), constant(crops.astype(np.int32), name="crops")


__all__ = ["roll", "space_to_batch_nd", "batch_to_space_nd", "gather_nd", "reshape", "reverse", "scatter_nd",
           "tile"]
