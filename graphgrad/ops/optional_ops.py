"""TF's `Optional` values as the gradients of TF 2.x conds use them: a forward `If` (control flow v2) returns the
intermediates its gradient reads as optionals, `OptionalFromValue` in the branch that computed them and
`OptionalNone` in the other, and the gradient's branch of the same side takes them out with `OptionalGetValue`.
An optional is a variant scalar holding a `Present` (the tuple of its components) or `ABSENT`; it is a value,
as graphgrad's TensorArray is (tensor_array_ops.py), so it passes through If outputs and loop variables."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, not_differentiable


class Present(tuple):
    """The components of an optional that has a value."""


class _Absent:
    """The value of an optional without one."""

    def __repr__(self):
        return "<optional without a value>"


ABSENT = _Absent()


class OptionalFromValue(OpDef):
    """OptionalFromValue(*components) -> an optional holding them."""

    type = "OptionalFromValue"

    def infer(op):
        return [((), dtypes.variant)]

    def kernel(op, ctx):
        return lambda *components: Present(components)

    gradient = not_differentiable  # TF's gradient graphs read optionals; they are not differentiated again


class OptionalNone(OpDef):
    """OptionalNone() -> an optional with no value."""

    type = "OptionalNone"

    def infer(op):
        return [((), dtypes.variant)]

    def kernel(op, ctx):
        return lambda: ABSENT

    gradient = not_differentiable


class OptionalHasValue(OpDef):
    """OptionalHasValue(optional) -> whether it holds a value."""

    type = "OptionalHasValue"

    def infer(op):
        return [((), dtypes.bool_)]

    def kernel(op, ctx):
        to_device = ctx.to_device
        return lambda optional: to_device(np.bool_(optional is not ABSENT))

    gradient = not_differentiable


class OptionalGetValue(OpDef):
    """OptionalGetValue(optional) -> its components, of attrs `output_types` and `output_shapes`; an
    InvalidArgumentError for an optional with no value, as in TF."""

    type = "OptionalGetValue"

    def infer(op):
        shapes = op.attrs["output_shapes"]
        return [(None if s.dims_tuple is None else s.dims_tuple, t) for s, t in zip(shapes, op.attrs["output_types"])]

    def kernel(op, ctx):
        def get(optional):
            if optional is ABSENT:
                raise InvalidArgumentError(None, op, "The given optional does not have a value.")
            return optional[0] if len(op.outputs) == 1 else list(optional)
        return get

    gradient = not_differentiable
