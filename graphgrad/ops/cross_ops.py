"""`tf.cross` / `tf.linalg.cross` (TF's Cross): the cross product of 3-vectors along the last axis, batched over
the leading ones (a and b of one shape). Its gradient is TF's: cross(b, dz) for a and cross(dz, a) for b, so it
is differentiable again."""
from __future__ import annotations

from ..framework.graph import name_scope
from ..framework.op_def import OpDef, require, same_dtype, static_shape
from .core import apply_op, convert_to_tensor


class Cross(OpDef):
    type = "Cross"

    def infer(op):
        a, b = op.inputs
        dt = same_dtype(op, a, b)
        require(op, a, numeric=True)
        sa, sb = static_shape(a), static_shape(b)
        if sa is not None and sb is not None:
            if len(sa) != len(sb) or any(x is not None and y is not None and x != y for x, y in zip(sa, sb)):
                raise ValueError(f"Dimensions must be equal, but are {list(sa)} and {list(sb)} for '{op.name}' "
                                 f"(op: 'Cross')")
        for s in (sa, sb):
            if s is not None and (not s or (s[-1] is not None and s[-1] != 3)):
                raise ValueError(f"Dimension must be 3 but is {s[-1] if s else 'rank 0'} for '{op.name}' "
                                 "(op: 'Cross')")
        return [(sa if sa is not None else sb, dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda a, b: xp.cross(a, b)

    def gradient(op, dz):
        a, b = op.inputs
        return [cross(b, dz), cross(dz, a)]


def cross(a, b, name=None):
    """The cross product a × b of 3-vectors along the last axis."""
    with name_scope(name, "Cross", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", preferred_dtype=a.dtype.base_dtype)
        return apply_op(Cross, [a, b], None, scope)


__all__ = ["cross"]
