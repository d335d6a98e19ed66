"""Index reductions: argmax and argmin (and TF1's arg_max / arg_min), the position of the largest or smallest
entry along one axis. They return indices, so they are not differentiable.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .math_common import NUMERIC, _check_kind, _const_value, _dims, _node


class ArgMax(OpDef):
    """Index of the largest element along `axis` (first one on ties), int64 unless output_type says."""

    type, func = "ArgMax", "argmax"
    gradient = not_differentiable

    def infer(op):
        x = op.inputs[0]
        _check_kind(op, x.dtype.base_dtype, NUMERIC, "input")
        shape = static_shape(x)
        if shape is None:
            return [(None, op.attrs["output_type"])]
        if not shape:
            raise ValueError("Expected dimension in the range [0, 0) (input of rank 0)")
        a = op.attrs["axis"]
        if not -len(shape) <= a < len(shape):
            raise ValueError(f"Dimension ({a}) must be in the range [{-len(shape)}, {len(shape)}), where "
                             f"{len(shape)} is the number of dimensions in the input.")
        a %= len(shape)
        return [(shape[:a] + shape[a + 1:], op.attrs["output_type"])]

    def kernel(op, ctx):
        f = getattr(ctx.xp, op.op_def.func)
        axis = op.attrs["axis"]
        out = op.attrs["output_type"].np
        if out == np.int64:
            kernel = lambda x: f(x, axis=axis)  # noqa: E731
        else:
            kernel = lambda x: f(x, axis=axis).astype(out)  # noqa: E731
        if static_shape(op.inputs[0]) is not None:
            return kernel  # the axis was checked while building

        def arg_checked(x):
            if not -x.ndim <= axis < max(x.ndim, 1) or x.ndim == 0:
                raise InvalidArgumentError(op.node_def, op, f"Expected dimension in the range [{-x.ndim}, {x.ndim}),"
                                                            f" but got {axis}{_node(op)}")
            if x.shape[axis] == 0:
                raise InvalidArgumentError(op.node_def, op, f"Reduction axis {axis} is empty in shape "
                                                            f"{_dims(x.shape)}{_node(op)}")
            return kernel(x)
        return arg_checked


class ArgMin(ArgMax):
    type, func = "ArgMin", "argmin"


def _arg_reduce(op_def, input, axis, name, dimension, output_type):
    if dimension is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dimension'")
        axis = dimension
    axis = 0 if axis is None else _const_value(axis, "axis")
    a = np.asarray(axis)
    if a.ndim != 0 or a.dtype.kind not in "iu":
        raise ValueError(f"axis must be a scalar int, got {axis!r}")
    output_type = dtypes.as_dtype(output_type).base_dtype
    if output_type not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"output_type must be int32 or int64, got {output_type.name}")
    x = convert_to_tensor(input, name="input")
    return apply_op(op_def, [x], {"axis": int(a), "output_type": output_type}, name or op_def.type)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the max along `axis` (None means 0, as TF1); int64 by default; first index on ties."""
    return _arg_reduce(ArgMax, input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    return _arg_reduce(ArgMin, input, axis, name, dimension, output_type)


def arg_max(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """TF1's older name of argmax (the raw op): `dimension` is required."""
    return _arg_reduce(ArgMax, input, dimension, name, None, output_type)


def arg_min(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """TF1's older name of argmin (the raw op): `dimension` is required."""
    return _arg_reduce(ArgMin, input, dimension, name, None, output_type)

