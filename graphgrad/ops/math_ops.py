"""Math ops: elementwise arithmetic with NumPy broadcasting, matmul, reductions, comparisons, casts."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shape, not_differentiable, same_dtype, static_shape
from .core import apply_op, convert_to_tensor, sum_to


def _binary_args(x, y, name, default_name):
    """Convert operands the TensorFlow way: a Python scalar takes the other operand's dtype (`mul/y`)."""
    scope = name_scope(name, default_name, [x, y])
    scope_name = scope.__enter__()
    try:
        if not hasattr(x, "dtype") or not hasattr(x.dtype, "base_dtype"):
            x = convert_to_tensor(x, name="x", preferred_dtype=_dtype_of(y))
        else:
            x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", preferred_dtype=x.dtype.base_dtype)
    finally:
        scope.__exit__(None, None, None)
    return x, y, scope_name


def _dtype_of(v):
    dt = getattr(v, "dtype", None)
    return getattr(dt, "base_dtype", None)


def binary(op_def, x, y, name, default_name):
    x, y, scope = _binary_args(x, y, name, default_name)
    return apply_op(op_def, [x, y], None, scope)


class Binary(OpDef):
    """Elementwise op on two same-dtype tensors with NumPy broadcasting; `ufunc` names the xp function."""

    ufunc = None

    def infer(op):
        x, y = op.inputs
        dt = same_dtype(op, x, y)
        return [(broadcast_shape(static_shape(x), static_shape(y)), dt)]

    def kernel(op, ctx):
        return getattr(ctx.xp, op.op_def.ufunc)


class AddV2(Binary):
    type, ufunc = "AddV2", "add"

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(dz, x), sum_to(dz, y)]


class Sub(Binary):
    type, ufunc = "Sub", "subtract"

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(dz, x), sum_to(negative(dz), y)]


class Mul(Binary):
    type, ufunc = "Mul", "multiply"

    def gradient(op, dz):
        x, y = op.inputs
        return [sum_to(multiply(dz, y), x), sum_to(multiply(x, dz), y)]


def add(x, y, name=None):
    return binary(AddV2, x, y, name, "Add")


def subtract(x, y, name=None):
    return binary(Sub, x, y, name, "Sub")


def multiply(x, y, name=None):
    return binary(Mul, x, y, name, "Mul")


class Neg(OpDef):
    type = "Neg"

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), x.dtype.base_dtype)]

    def kernel(op, ctx):
        return ctx.xp.negative

    def gradient(op, dy):
        return [negative(dy)]


def negative(x, name=None):
    return apply_op(Neg, [convert_to_tensor(x)], None, name)


class AddN(OpDef):
    """Sum of many same-shape tensors in one pass: how autodiff adds up fan-in."""

    type = "AddN"

    def infer(op):
        dt = same_dtype(op, *op.inputs)
        shape = static_shape(op.inputs[0])
        for t in op.inputs[1:]:
            s = static_shape(t)
            if shape is None or s is None:
                shape = shape or s
                continue
            if len(s) != len(shape):
                raise ValueError(f"Shapes must be equal rank, but are {len(shape)} and {len(s)}")
            merged = []
            for a, b in zip(shape, s):
                if a is not None and b is not None and a != b:
                    raise ValueError(f"Dimension {a} and {b} are not equal")
                merged.append(a if a is not None else b)
            shape = tuple(merged)
        return [(shape, dt)]

    def kernel(op, ctx):
        n = len(op.inputs)
        if n == 1:
            return lambda a: a
        if n == 2:
            return ctx.xp.add
        add_ = ctx.xp.add

        def add_n_kernel(first, *rest):
            out = add_(first, rest[0])
            for r in rest[1:]:
                add_(out, r, out=out)
            return out
        return add_n_kernel

    def gradient(op, dz):
        return [dz] * len(op.inputs)


def add_n(inputs, name=None):
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors")
    return apply_op(AddN, inputs, None, name)


class MatMul(OpDef):
    """`a @ b` for 2-D (and batched 3-D+) operands; the lecture's dense-layer slide:
    dX = dZ·Wᵀ, dW = Xᵀ·dZ."""

    type = "MatMul"

    def infer(op):
        a, b = op.inputs
        dt = same_dtype(op, a, b)
        sa, sb = static_shape(a), static_shape(b)
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if sa is None or sb is None:
            return [(None, dt)]
        if len(sa) < 2 or len(sb) < 2:
            raise ValueError(f"Shape must be rank 2 but is rank {min(len(sa), len(sb))}")
        m, k1 = (sa[-1], sa[-2]) if ta else (sa[-2], sa[-1])
        k2, n = (sb[-1], sb[-2]) if tb else (sb[-2], sb[-1])
        if k1 is not None and k2 is not None and k1 != k2:
            raise ValueError(f"Dimensions must be equal, but are {k1} and {k2}")
        batch = broadcast_shape(sa[:-2], sb[:-2])
        return [(batch + (m, n), dt)]

    def kernel(op, ctx):
        mm = ctx.xp.matmul
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            return mm
        sw = ctx.xp.swapaxes
        if ta and tb:
            return lambda a, b: mm(sw(a, -1, -2), sw(b, -1, -2))
        if ta:
            return lambda a, b: mm(sw(a, -1, -2), b)
        return lambda a, b: mm(a, sw(b, -1, -2))

    def gradient(op, dz):
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            da, db = matmul(dz, b, transpose_b=True), matmul(a, dz, transpose_a=True)
        elif not ta and tb:
            da, db = matmul(dz, b), matmul(dz, a, transpose_a=True)
        elif ta and not tb:
            da, db = matmul(b, dz, transpose_b=True), matmul(a, dz)
        else:
            da, db = matmul(b, dz, transpose_a=True, transpose_b=True), matmul(dz, a, transpose_a=True,
                                                                              transpose_b=True)
        return [sum_to(da, a), sum_to(db, b)]


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, name=None):
    """Matrix product; batched over leading dims. `tf.matmul` is named MatMul, `a @ b` is `matmul`."""
    with name_scope(name, "MatMul", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", preferred_dtype=a.dtype.base_dtype)
        return apply_op(MatMul, [a, b], {"transpose_a": bool(transpose_a or adjoint_a),
                                         "transpose_b": bool(transpose_b or adjoint_b)}, scope)


class Cast(OpDef):
    type = "Cast"

    def infer(op):
        return [(static_shape(op.inputs[0]), op.attrs["DstT"])]

    def kernel(op, ctx):
        dt = op.attrs["DstT"].np
        return lambda x: x.astype(dt)

    def gradient(op, dy):
        src = op.inputs[0].dtype.base_dtype
        if src.is_floating and op.attrs["DstT"].is_floating:
            return [cast(dy, src)]
        return [None]


def cast(x, dtype, name=None):
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype).base_dtype
    if x.dtype.base_dtype == dtype:
        return x
    return apply_op(Cast, [x], {"DstT": dtype, "SrcT": x.dtype.base_dtype}, name or "Cast")


__all__ = ["add", "subtract", "multiply", "negative", "add_n", "matmul", "cast", "not_differentiable"]
