"""Operations outside any graph: an op definition applied to a *signature* (attributes plus the dtypes and
static shapes of its inputs) instead of to graph tensors.

A kernel is bound from an Operation (`op_def.kernel(op, ctx)`), and an op's shape rule reads an Operation
(`op_def.infer(op)`); both only look at the op's type, attributes and the dtypes and shapes of its inputs and
outputs. A detached op carries exactly that, so the same shape rule and the same kernel run an op that was
never added to a graph: what eager execution calls (runtime/kernels.py binds and caches the kernels). Its
inputs are outputs of detached *source* ops that stand for values supplied at call time; a reference input's
source op is the key under which the run context keeps that variable's buffer, as a VariableV2 op is in a
graph.
"""
from __future__ import annotations

from . import dtypes
from .graph import Operation, Tensor, infer_outputs
from .op_def import OpDef
from .tensor_shape import as_shape


class _Source(OpDef):
    """The op behind a detached input: a value given when the kernel is called (never run itself)."""

    # no `type`: not registered, never serialized


def source(dtype, shape, name="input", ref=False) -> Tensor:
    """A detached input of `dtype` and static `shape` (None dims or None for unknown); `ref=True` gives a
    reference (a variable's buffer, found as `ctx.variables[tensor.op]` by the kernels that write it)."""
    op = Operation(None, _Source, name, (), {}, (), "")
    dt = dtypes.as_dtype(dtype)
    op.outputs = [Tensor(op, 0, dt._as_ref() if ref else dt.base_dtype, as_shape(shape))]
    return op.outputs[0]


def detached_op(op_def, inputs, attrs=None, name=None) -> Operation:
    """`op_def` applied to detached inputs (from `source`): its outputs' shapes and dtypes come from the op's
    own shape rule, which raises the same errors as when building a graph."""
    op = Operation(None, op_def, name or op_def.type, tuple(inputs), dict(attrs or {}), (), "")
    op.outputs = infer_outputs(op)
    return op
