"""`tf.guarantee_const(input)` (op GuaranteeConst): the input unchanged, marked as constant for the rest of the
session (TF lets its runtime cache it; graphgrad's plan already folds what is truly constant). As in TF it has no
gradient: differentiating through it is TF's LookupError "No gradient defined for operation ...". """
from __future__ import annotations

from ..framework.op_def import OpDef, same_shape, static_shape
from .core import apply_op, convert_to_tensor

__all__ = ["guarantee_const"]


class GuaranteeConst(OpDef):
    type = "GuaranteeConst"
    view_of = 0
    shape_rule = same_shape
    gradient = None

    def infer(op):
        x = op.inputs[0]
        return [(op.op_def.shape_rule(op, static_shape(x)), x.dtype.base_dtype)]

    def kernel(op, ctx):
        return lambda x: x


def guarantee_const(input, name=None):  # noqa: A002 - TF's name
    return apply_op(GuaranteeConst, [convert_to_tensor(input, name="input")], {}, name or "GuaranteeConst")
