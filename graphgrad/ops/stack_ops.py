"""TF 1.x's stacks (`StackV2`, `StackPushV2`, `StackPopV2`, `StackCloseV2`): how the gradient of a control flow v1
while loop that TensorFlow wrote keeps the forward loop's values for the backward loop. Each iteration of the
forward loop pushes the values the gradient needs, and each iteration of the gradient loop pops them, last first.

graphgrad's own tf.while_loop keeps such values in its While op's history instead (ops/while_ops.py); these ops
exist so that training graphs TensorFlow wrote import as written (graph_io/tf_while.py). A stack is a Python list
made anew by each run of `StackV2` (the handle's value, dtype variant: graphgrad has no resource dtype), so runs
never share one; the push keeps a reference to the value it is given, which the plan lets no later op overwrite
(a push is not `reads_only`).
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, not_differentiable, static_shape


class StackV2(OpDef):
    """StackV2(max_size) -> a new empty stack (attrs `elem_type`, `stack_name`); max_size < 0: unbounded."""

    type = "StackV2"
    stateful = True

    def infer(op):
        return [((), dtypes.variant)]

    def kernel(op, ctx):
        return lambda max_size: _Stack(int(max_size))

    gradient = not_differentiable


class _Stack(list):
    def __init__(self, max_size):
        super().__init__()
        self.max_size, self.closed = max_size, False


def _error(op, text):
    return InvalidArgumentError(op.node_def, op, text)


class StackPushV2(OpDef):
    """StackPushV2(handle, elem) -> elem, pushed on the stack (attr `swap_memory`, which has no effect)."""

    type = "StackPushV2"
    stateful = True
    view_of = 1

    def infer(op):
        x = op.inputs[1]
        return [(static_shape(x), x.dtype.base_dtype)]

    def kernel(op, ctx):
        def push(stack, elem):
            if stack.closed:
                raise _error(op, "Stack has been closed")
            if 0 <= stack.max_size <= len(stack):
                raise _error(op, f"Stack has reached its maximum size {stack.max_size}")
            stack.append(elem)
            return elem
        return push

    gradient = not_differentiable


class StackPopV2(OpDef):
    """StackPopV2(handle) -> the element pushed last, taken off the stack (attr `elem_type`)."""

    type = "StackPopV2"
    stateful = True

    def infer(op):
        return [(None, op.attrs["elem_type"])]

    def kernel(op, ctx):
        def pop(stack):
            if not stack:
                raise _error(op, "Calling Pop() when the stack is empty")
            return stack.pop()
        return pop

    gradient = not_differentiable


class StackCloseV2(OpDef):
    """StackCloseV2(handle): no push succeeds after it."""

    type = "StackCloseV2"
    stateful = True

    def infer(op):
        return []

    def kernel(op, ctx):
        def close(stack):
            stack.closed = True
        return close

    gradient = not_differentiable
