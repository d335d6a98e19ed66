"""Fake quantization (`tf.quantization.fake_quant_with_min_max_args` / `_vars` / `_vars_per_channel` and their
`_gradient` ops; also top-level `tf.fake_quant_*`): float inputs rounded to the 2^num_bits levels of a range, as
quantization-aware training simulates 8-bit inference, in TF's float32 arithmetic bit for bit.

TF first nudges the range so that 0.0 is exactly a level: with quant_min = 1 if narrow_range else 0, quant_max =
2^num_bits - 1 and scale = (max - min) / (quant_max - quant_min), the zero point round(quant_min - min / scale)
(clamped to the levels, rounded half away from zero) gives nudged_min = (quant_min - zero_point)·scale and
nudged_max = (quant_max - zero_point)·scale. An input is clamped to [nudged_min, nudged_max] and becomes
floor((x - nudged_min) / scale + 0.5)·scale + nudged_min. The gradient is straight-through: the incoming gradient
where nudged_min <= x <= nudged_max, 0 elsewhere; for the `_vars` ops, min gets the sum of the gradient below the
range and max the sum above it (per channel, the last dimension, for `_per_channel`).
"""
from __future__ import annotations

import collections

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor

__all__ = ["fake_quant_with_min_max_args", "fake_quant_with_min_max_args_gradient", "fake_quant_with_min_max_vars",
           "fake_quant_with_min_max_vars_gradient", "fake_quant_with_min_max_vars_per_channel",
           "fake_quant_with_min_max_vars_per_channel_gradient"]


def _grid(lo, hi, num_bits, narrow_range):
    """(quant_min, zero_point, scale) as float32 arrays (broadcast over channels), TF's Nudge."""
    f32 = np.float32
    qmin, qmax = f32(1 if narrow_range else 0), f32((1 << num_bits) - 1)
    lo, hi = np.asarray(lo, f32), np.asarray(hi, f32)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = ((hi - lo) / (qmax - qmin)).astype(f32)
        from_min = (qmin - lo / scale).astype(f32)
    rounded = np.where(from_min < 0, -np.floor(-from_min + f32(0.5)), np.floor(from_min + f32(0.5)))
    zero = np.where(from_min < qmin, qmin, np.where(from_min > qmax, qmax, rounded)).astype(f32)
    return qmin, zero, scale


def nudge(lo, hi, num_bits, narrow_range):
    """(nudged_min, nudged_max, scale) as float32 arrays."""
    qmin, zero, scale = _grid(lo, hi, num_bits, narrow_range)
    qmax = np.float32((1 << num_bits) - 1)
    return ((qmin - zero) * scale).astype(np.float32), ((qmax - zero) * scale).astype(np.float32), scale


def _quantize(x, lo, hi, num_bits, narrow_range):
    """The level of each clamped input, floor((x - nudged_min)/scale + 0.5), back as (level + quant_min -
    zero_point)·scale: float32 operations in TF's order (its outputs are exact multiples of the scale)."""
    qmin, zero, scale = _grid(lo, hi, num_bits, narrow_range)
    nmin, nmax, _ = nudge(lo, hi, num_bits, narrow_range)
    f32 = np.float32
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = (f32(1) / scale).astype(f32)
        shifted = (np.minimum(np.maximum(x.astype(f32), nmin), nmax) - nmin).astype(f32)
        levels = np.floor((shifted * inv).astype(f32) + f32(0.5)).astype(f32)
        return ((levels + (qmin - zero)).astype(f32) * scale).astype(f32)


def _inside(x, lo, hi, num_bits, narrow_range):
    nmin, nmax, _ = nudge(lo, hi, num_bits, narrow_range)
    return (x >= nmin) & (x <= nmax), x < nmin, x > nmax


def _check_bits(op, num_bits):
    if not 2 <= num_bits <= 16:
        raise InvalidArgumentError(op.node_def, op, "num_bits must be between 2 and 16, inclusive")


def _attrs(op):
    return op.attrs["num_bits"], op.attrs["narrow_range"]


class FakeQuantWithMinMaxArgs(OpDef):
    """FakeQuantWithMinMaxArgs(inputs; attrs min, max, num_bits, narrow_range)."""

    type = "FakeQuantWithMinMaxArgs"

    def infer(op):
        return [(static_shape(op.inputs[0]), dtypes.float32)]

    def kernel(op, ctx):
        lo, hi = op.attrs["min"], op.attrs["max"]
        bits, narrow = _attrs(op)
        to_host, to_dev = ctx.to_host, ctx.to_device

        def fake_quant(x):
            _check_bits(op, bits)
            if not lo < hi:
                raise InvalidArgumentError(op.node_def, op, f"min has to be smaller than max, was: {lo:g} >= {hi:g}")
            return to_dev(_quantize(np.asarray(to_host(x)), lo, hi, bits, narrow))
        return fake_quant

    def gradient(op, dy):
        a = op.attrs
        return [fake_quant_with_min_max_args_gradient(dy, op.inputs[0], a["min"], a["max"], a["num_bits"],
                                                      a["narrow_range"])]


class FakeQuantWithMinMaxArgsGradient(OpDef):
    """(gradients, inputs) -> gradients where the input lies in the nudged range, else 0."""

    type = "FakeQuantWithMinMaxArgsGradient"
    gradient = not_differentiable

    def infer(op):
        return [(static_shape(op.inputs[1]), dtypes.float32)]

    def kernel(op, ctx):
        lo, hi = op.attrs["min"], op.attrs["max"]
        bits, narrow = _attrs(op)
        to_host, to_dev = ctx.to_host, ctx.to_device

        def fake_quant_gradient(dy, x):
            _check_bits(op, bits)
            inside = _inside(np.asarray(to_host(x)), lo, hi, bits, narrow)[0]
            return to_dev(np.where(inside, np.asarray(to_host(dy)), np.float32(0)).astype(np.float32))
        return fake_quant_gradient


class FakeQuantWithMinMaxVars(OpDef):
    """FakeQuantWithMinMaxVars(inputs, min, max): the range from tensors (scalars; per channel: [d] vectors over
    the last dimension); differentiable in all three."""

    type = "FakeQuantWithMinMaxVars"
    per_channel = False

    def infer(op):
        return [(static_shape(op.inputs[0]), dtypes.float32)]

    def kernel(op, ctx):
        bits, narrow = _attrs(op)
        to_host, to_dev = ctx.to_host, ctx.to_device

        def fake_quant(x, lo, hi):
            _check_bits(op, bits)
            return to_dev(_quantize(np.asarray(to_host(x)), to_host(lo), to_host(hi), bits, narrow))
        return fake_quant

    def gradient(op, dy):
        x, lo, hi = op.inputs
        fn = (fake_quant_with_min_max_vars_per_channel_gradient if op.op_def.per_channel
              else fake_quant_with_min_max_vars_gradient)
        return list(fn(dy, x, lo, hi, *_attrs(op)))


class FakeQuantWithMinMaxVarsPerChannel(FakeQuantWithMinMaxVars):
    type = "FakeQuantWithMinMaxVarsPerChannel"
    per_channel = True


class FakeQuantWithMinMaxVarsGradient(OpDef):
    """(gradients, inputs, min, max) -> (backprops_wrt_input, backprop_wrt_min, backprop_wrt_max)."""

    type = "FakeQuantWithMinMaxVarsGradient"
    gradient = not_differentiable
    per_channel = False

    def infer(op):
        x = static_shape(op.inputs[1])
        bound = (() if not op.op_def.per_channel else (None,) if x is None else (x[-1],))
        return [(x, dtypes.float32), (bound, dtypes.float32), (bound, dtypes.float32)]

    def kernel(op, ctx):
        bits, narrow = _attrs(op)
        to_host, to_dev = ctx.to_host, ctx.to_device
        per_channel = op.op_def.per_channel

        def fake_quant_gradient(dy, x, lo, hi):
            _check_bits(op, bits)
            dy, x = np.asarray(to_host(dy), np.float32), np.asarray(to_host(x))
            inside, below, above = _inside(x, to_host(lo), to_host(hi), bits, narrow)
            axes = tuple(range(x.ndim - 1)) if per_channel else None
            zero = np.float32(0)
            return [to_dev(np.where(inside, dy, zero)),
                    to_dev(np.asarray(np.where(below, dy, zero).sum(axis=axes, dtype=np.float32))),
                    to_dev(np.asarray(np.where(above, dy, zero).sum(axis=axes, dtype=np.float32)))]
        return fake_quant_gradient


class FakeQuantWithMinMaxVarsPerChannelGradient(FakeQuantWithMinMaxVarsGradient):
    type = "FakeQuantWithMinMaxVarsPerChannelGradient"
    per_channel = True


VarsGradient = collections.namedtuple("FakeQuantWithMinMaxVarsGradient",
                                      ["backprops_wrt_input", "backprop_wrt_min", "backprop_wrt_max"])
PerChannelGradient = collections.namedtuple("FakeQuantWithMinMaxVarsPerChannelGradient",
                                            ["backprops_wrt_input", "backprop_wrt_min", "backprop_wrt_max"])


def _f32(x, name):
    return convert_to_tensor(x, dtypes.float32, name=name)


def _range_attrs(min, max, num_bits, narrow_range):  # noqa: A002 - TF's names
    return {"min": float(min), "max": float(max), "num_bits": int(num_bits), "narrow_range": bool(narrow_range)}


def fake_quant_with_min_max_args(inputs, min=-6, max=6, num_bits=8, narrow_range=False, name=None):  # noqa: A002
    """`inputs` fake-quantized to the nudged [min, max] (Python floats)."""
    return apply_op(FakeQuantWithMinMaxArgs, [_f32(inputs, "inputs")], _range_attrs(min, max, num_bits,
                                                                                     narrow_range),
                    name or "FakeQuantWithMinMaxArgs")


def fake_quant_with_min_max_args_gradient(gradients, inputs, min=-6, max=6, num_bits=8, narrow_range=False,  # noqa: A002
                                          name=None):
    return apply_op(FakeQuantWithMinMaxArgsGradient, [_f32(gradients, "gradients"), _f32(inputs, "inputs")],
                    _range_attrs(min, max, num_bits, narrow_range), name or "FakeQuantWithMinMaxArgsGradient")


def _vars_op(op_def, inputs, min, max, num_bits, narrow_range, name):  # noqa: A002
    with name_scope(name, op_def.type) as scope:
        args = [_f32(inputs, "inputs"), _f32(min, "min"), _f32(max, "max")]
        return apply_op(op_def, args, {"num_bits": int(num_bits), "narrow_range": bool(narrow_range)}, scope)


def fake_quant_with_min_max_vars(inputs, min, max, num_bits=8, narrow_range=False, name=None):  # noqa: A002
    """`inputs` fake-quantized to the nudged range of the scalar tensors `min`, `max` (gradients reach them)."""
    return _vars_op(FakeQuantWithMinMaxVars, inputs, min, max, num_bits, narrow_range, name)


def fake_quant_with_min_max_vars_per_channel(inputs, min, max, num_bits=8, narrow_range=False, name=None):  # noqa: A002
    """Per channel of the last dimension: `min`, `max` are [d] vectors."""
    return _vars_op(FakeQuantWithMinMaxVarsPerChannel, inputs, min, max, num_bits, narrow_range, name)


def _vars_gradient(op_def, result, gradients, inputs, min, max, num_bits, narrow_range, name):  # noqa: A002
    with name_scope(name, op_def.type) as scope:
        args = [_f32(gradients, "gradients"), _f32(inputs, "inputs"), _f32(min, "min"), _f32(max, "max")]
        return result(*apply_op(op_def, args, {"num_bits": int(num_bits), "narrow_range": bool(narrow_range)},
                                scope))


def fake_quant_with_min_max_vars_gradient(gradients, inputs, min, max, num_bits=8, narrow_range=False,  # noqa: A002
                                          name=None):
    return _vars_gradient(FakeQuantWithMinMaxVarsGradient, VarsGradient, gradients, inputs, min, max, num_bits,
                          narrow_range, name)


def fake_quant_with_min_max_vars_per_channel_gradient(gradients, inputs, min, max, num_bits=8,  # noqa: A002
                                                      narrow_range=False, name=None):
    return _vars_gradient(FakeQuantWithMinMaxVarsPerChannelGradient, PerChannelGradient, gradients, inputs, min,
                          max, num_bits, narrow_range, name)
