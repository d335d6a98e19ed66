"""`tf.diag` / `tf.diag_part`: TF1's Diag and DiagPart, each the other's gradient.

Diag puts a tensor of shape s on the diagonal of one of shape s + s (rank k -> 2k, out[i..., i...] = x[i...]);
DiagPart reads it back. Unlike `tf.matrix_diag` these treat the whole tensor as the diagonal, as CS20's
exercises use them (`tf.diag([1, 2, 3])`)."""
from __future__ import annotations

import math

from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, known, merge_shapes, static_shape
from .core import apply_op, convert_to_tensor

__all__ = ["diag", "diag_part"]


class Diag(OpDef):
    """x of shape s -> zeros of shape s + s with x on the diagonal; gradient DiagPart(dz)."""

    type = "Diag"

    def infer(op):
        s = static_shape(op.inputs[0])
        if s is not None and len(s) == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0")
        return [(None if s is None else s + s, op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def diag(x):
            n = x.size
            out = xp.zeros((n, n), dtype=x.dtype)
            out[xp.arange(n), xp.arange(n)] = x.reshape(-1)
            return out.reshape(x.shape + x.shape)
        return diag

    def gradient(op, dz):
        return [diag_part(dz)]


class DiagPart(OpDef):
    """x of shape s + s -> its diagonal, of shape s; gradient Diag(dz)."""

    type = "DiagPart"

    def infer(op):
        s = static_shape(op.inputs[0])
        if s is None:
            return [(None, op.inputs[0].dtype.base_dtype)]
        if len(s) == 0 or len(s) % 2:
            raise ValueError(f"Input must have even and non-zero rank, input rank is {len(s)}")
        k = len(s) // 2
        for a, b in zip(s[:k], s[k:]):
            if known(a) and known(b) and a != b:
                raise ValueError(f"Dimensions must be equal, but are {a} and {b}")
        return [(merge_shapes(s[:k], s[k:]), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def diag_part(x):
            half = x.shape[: x.ndim // 2]
            if half != x.shape[x.ndim // 2:]:
                raise InvalidArgumentError(op.node_def, op, f"Invalid shape {list(x.shape)}: dimensions must be equal")
            n = math.prod(half)
            return xp.diagonal(x.reshape(n, n)).reshape(half).copy()
        return diag_part

    def gradient(op, dz):
        return [diag(dz)]


def diag(diagonal, name=None):
    """A tensor of shape s + s with `diagonal` (shape s) on its diagonal and zeros elsewhere."""
    return apply_op(Diag, [convert_to_tensor(diagonal, name="diagonal")], {}, name or "Diag")


def diag_part(input, name=None):  # noqa: A002  (TF1's argument name)
    """The diagonal of a tensor of shape s + s, of shape s."""
    return apply_op(DiagPart, [convert_to_tensor(input, name="input")], {}, name or "DiagPart")
