"""Adding a bias vector along the channel axis (`bias_add`, NHWC or NCHW), its gradient op BiasAddGrad, and the
dense-layer compositions built on it: `xw_plus_b` and `relu_layer`.
"""
from __future__ import annotations

from ..framework.graph import name_scope
from ..framework.op_def import OpDef, merge_shapes, same_dtype, static_shape
from .activation_ops import relu
from .core import apply_op, broadcast_like, convert_to_tensor, zeros_like
from .matmul_ops import matmul


def _channel_axis(data_format):
    if data_format is None or data_format in ("NHWC", "NWC", "NDHWC", "N...C", "channels_last"):
        return -1
    if data_format in ("NCHW", "NCW", "NCDHW", "NC...", "channels_first"):
        return 1
    raise ValueError(f"Unknown data_format: {data_format}")


class BiasAdd(OpDef):
    """value + bias, the bias (rank 1) added along the channel axis (last, or 1 for NCHW)."""

    type = "BiasAdd"
    inplace_inputs = (0,)  # into `value`

    def shape_rule(op, vs, bs):
        """`value`'s shape, its channel dimension known from the bias when `value`'s is not."""
        if vs is None or bs is None or len(bs) != 1:
            return vs
        ax = op.attrs["axis"] % len(vs)
        return vs[:ax] + merge_shapes(vs[ax:ax + 1], bs) + vs[ax + 1:]

    def inplace_kernel(op, ctx):
        """With the channels last, `add(buf, bias, out=buf)`; channels first reshapes the bias: no in place."""
        return (ctx.xp.add, ()) if op.attrs["axis"] == -1 else None

    def infer(op):
        value, bias = op.inputs
        dt = same_dtype(op, value, bias)
        vs, bs = static_shape(value), static_shape(bias)
        if bs is not None and len(bs) != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {len(bs)}")
        if vs is None:
            return [(None, dt)]
        if len(vs) < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {len(vs)}")
        ax = op.attrs["axis"] % len(vs)
        c = vs[ax]
        if bs is not None and c is not None and bs[0] is not None and bs[0] != c:
            raise ValueError(f"Dimensions must be equal, but are {c} and {bs[0]}")
        return [(op.op_def.shape_rule(op, vs, bs), dt)]

    def jit(op, facts):
        return "{o0} = {i0} + {i1}" if op.attrs["axis"] == -1 and op.outputs[0].dtype.is_floating else None

    def kernel(op, ctx):
        add_ = ctx.xp.add
        if op.attrs["axis"] == -1:
            return add_

        def bias_add_channels_first(x, b):
            return add_(x, b.reshape((-1,) + (1,) * (x.ndim - 2)))
        return bias_add_channels_first

    def gradient(op, dy):
        return [dy, apply_op(BiasAddGrad, [dy], {"axis": op.attrs["axis"]})]


class BiasAddGrad(OpDef):
    """Sum of the gradient over every axis but the channel axis."""

    type = "BiasAddGrad"

    def infer(op):
        dy = op.inputs[0]
        s = static_shape(dy)
        return [((None if s is None else s[op.attrs["axis"]],), dy.dtype.base_dtype)]

    def jit(op, facts):
        """The bias gradient of a dense layer (2-D, channels last): the rows' sum."""
        ok = len(facts.sym(op.inputs[0])) == 2 and op.attrs["axis"] in (-1, 1)
        return "{o0} = _lib.sum0({i0})" if ok and op.outputs[0].dtype.is_floating else None

    def kernel(op, ctx):
        s, ax = static_shape(op.inputs[0]), op.attrs["axis"]
        if s is not None:
            axes = tuple(i for i in range(len(s)) if i != ax % len(s))
            return lambda dy: dy.sum(axis=axes)
        return lambda dy: dy.sum(axis=tuple(i for i in range(dy.ndim) if i != ax % dy.ndim))

    def gradient(op, g):
        dy = op.inputs[0]
        if op.attrs["axis"] == -1:
            return [broadcast_like(g, dy)]
        return [apply_op(BiasAdd, [zeros_like(dy), g], {"axis": op.attrs["axis"]})]


def bias_add(value, bias, data_format=None, name=None):
    """Add a 1-D `bias` along the channel axis of `value` (the last axis by default)."""
    with name_scope(name, "BiasAdd", [value, bias]) as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype.base_dtype, name="bias")
        return apply_op(BiasAdd, [value, bias], {"axis": _channel_axis(data_format)}, scope)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases."""
    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        mm = matmul(x, weights)
        return bias_add(mm, biases, name=scope)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, "relu_layer", [x, weights, biases]) as scope:
        return relu(bias_add(matmul(x, weights), biases), name=scope)

