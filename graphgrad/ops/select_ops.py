"""Selection by a bool condition: TF1's `where`/`select` (x and y of one shape, or rows picked by a vector),
`where_v2` (NumPy broadcasting), and `where(cond)` alone (the coordinates of the true elements).
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shape, not_differentiable, same_dtype, static_shape
from .core import apply_op, convert_to_tensor, sum_to, zeros_like
from .math_common import _is_graph_value, _scalar


def _merge_shapes(a, b, what):
    if a is None:
        return b
    if b is None:
        return a
    if len(a) != len(b):
        raise ValueError(f"Shapes must be equal rank, but are {len(a)} and {len(b)} ({what})")
    out = []
    for d1, d2 in zip(a, b):
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f"Dimension {d1} and {d2} are not equal ({what})")
        out.append(d1 if d1 is not None else d2)
    return tuple(out)


class Select(OpDef):
    """TF1 `where(cond, x, y)`: x and y of one shape; cond of that shape, a scalar, or a vector that picks
    whole rows (its length is x's first dimension)."""

    type = "Select"

    def infer(op):
        c, x, y = op.inputs
        if not c.dtype.base_dtype.is_bool:
            raise TypeError(f"Input 'condition' of 'Select' Op has type {c.dtype.base_dtype.name} that does "
                            "not match expected type of bool.")
        dt = same_dtype(op, x, y)
        shape = _merge_shapes(static_shape(x), static_shape(y), "x and y")
        sc = static_shape(c)
        if sc is not None and shape is not None and sc != () and len(sc) != len(shape):
            if len(sc) != 1 or not shape:
                raise ValueError(f"Shape must be rank 0, 1 or {len(shape)} but is rank {len(sc)} (condition)")
            if sc[0] is not None and shape[0] is not None and sc[0] != shape[0]:
                raise ValueError(f"Dimension 0 in both shapes must be equal, but are {sc[0]} and {shape[0]}")
        elif sc is not None and shape is not None and sc != ():
            _merge_shapes(sc, shape, "condition and x")
        return [(shape, dt)]

    def kernel(op, ctx):
        where_ = ctx.xp.where

        def select(c, x, y):
            if c.ndim == 1 and x.ndim > 1:
                c = c.reshape((-1,) + (1,) * (x.ndim - 1))
            return where_(c, x, y)
        return select

    def gradient(op, dz):
        c = op.inputs[0]
        zeros = zeros_like(dz)
        return [None, select(c, dz, zeros), select(c, zeros, dz)]


class SelectV2(OpDef):
    """`where_v2(cond, x, y)`: NumPy-broadcasting select."""

    type = "SelectV2"

    def infer(op):
        c, x, y = op.inputs
        if not c.dtype.base_dtype.is_bool:
            raise TypeError(f"Input 'condition' of 'SelectV2' Op has type {c.dtype.base_dtype.name} that "
                            "does not match expected type of bool.")
        dt = same_dtype(op, x, y)
        shape = broadcast_shape(broadcast_shape(static_shape(c), static_shape(x)), static_shape(y))
        return [(shape, dt)]

    def kernel(op, ctx):
        return ctx.xp.where

    def gradient(op, dz):
        c, x, y = op.inputs
        zero = _scalar(0, dz)
        return [None, sum_to(where_v2(c, dz, zero), x), sum_to(where_v2(c, zero, dz), y)]


class Where(OpDef):
    """`where(cond)`: int64 coordinates (one row per true element, in row-major order)."""

    type = "Where"
    gradient = not_differentiable

    def infer(op):
        c = op.inputs[0]
        shape = static_shape(c)
        return [((None, None if shape is None else len(shape)), dtypes.int64)]

    def kernel(op, ctx):
        argwhere = ctx.xp.argwhere
        return lambda c: argwhere(c)


def _select_args(condition, x, y):
    condition = convert_to_tensor(condition, name="condition")
    if not _is_graph_value(x) and _is_graph_value(y):
        y = convert_to_tensor(y, name="e")
        x = convert_to_tensor(x, name="t", preferred_dtype=y.dtype.base_dtype)
    else:
        x = convert_to_tensor(x, name="t")
        y = convert_to_tensor(y, name="e", preferred_dtype=x.dtype.base_dtype)
    return condition, x, y


def select(condition, x, y, name=None):
    with name_scope(name, "Select", [condition, x, y]) as scope:
        return apply_op(Select, list(_select_args(condition, x, y)), None, scope)


def where(condition, x=None, y=None, name=None):
    """TF1 `where`: with x and y, pick elementwise (or rows, for a vector condition); alone, the int64
    coordinates of the true elements."""
    if x is None and y is None:
        return apply_op(Where, [convert_to_tensor(condition, name="condition")], None, name or "Where")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    return select(condition, x, y, name)


def where_v2(condition, x=None, y=None, name=None):
    """`where` with NumPy broadcasting between condition, x and y."""
    if x is None and y is None:
        return where(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    with name_scope(name, "SelectV2", [condition, x, y]) as scope:
        return apply_op(SelectV2, list(_select_args(condition, x, y)), None, scope)

