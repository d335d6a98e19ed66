"""TF 2.x's behaviour switches as `tensorflow.compat.v1` has them, and what each means for graphgrad.

Programs migrated to TF 2 start `import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()`: under graphgrad
that line must run and leave TF1's behaviour, which graphgrad has by default. Each switch below either does what
TensorFlow's does (eager execution, tensor equality) or names a TF 2 behaviour graphgrad has no second version of;
the queries answer what graphgrad does, not what was asked for (docs/eager.md#tf-2s-behaviour-switches).
"""
from __future__ import annotations

from .. import logging
from ..eager import context
from ..eager.function import FuncGraph
from ..eager.tensor import EagerTensor
from ..framework.graph import _default_graph_stack, _DefaultGraphStack

__all__ = ["disable_v2_behavior", "enable_v2_behavior", "disable_eager_execution", "enable_eager_execution",
           "executing_eagerly_outside_functions", "enable_control_flow_v2", "disable_control_flow_v2",
           "control_flow_v2_enabled", "enable_resource_variables", "disable_resource_variables",
           "resource_variables_enabled", "enable_tensor_equality", "disable_tensor_equality",
           "enable_v2_tensorshape", "disable_v2_tensorshape"]

enable_eager_execution = context.enable_eager_execution


def disable_eager_execution():
    """Graph mode from now on (graphgrad's default): undoes `tf.enable_eager_execution()`, with the default graph
    that was there before it."""
    context._disable_eager_execution()


def executing_eagerly_outside_functions():
    """Whether ops outside any `tf.function` being traced run eagerly: False inside a `tf.Graph().as_default()`
    block, True while tracing a `tf.function` in eager mode (TF's rule: function graphs are looked through)."""
    for g in reversed(_default_graph_stack.stack):
        if not isinstance(g, FuncGraph):
            return g._is_eager
    return _DefaultGraphStack._global_default._is_eager


# --- tensor equality: TF 2's `==` on eager tensors ---------------------------------------------------------

def _tensor_equals(self, other):
    """TF 2's `Tensor.__eq__` while executing eagerly: elementwise, False for None or shapes that do not
    broadcast (TF's `incompatible_shape_error=False`)."""
    from ..ops import comparison_ops, core

    return _compare(self, other, comparison_ops.equal, core, False)


def _tensor_not_equals(self, other):
    from ..ops import comparison_ops, core

    return _compare(self, other, comparison_ops.not_equal, core, True)


def _compare(self, other, fn, core, none_result):
    if other is None:
        return none_result
    try:
        other = core.convert_to_tensor(other, dtype=self.dtype.base_dtype)
    except (TypeError, ValueError):
        return none_result
    if not _broadcasts(self.shape, other.shape):
        return core.constant(none_result)
    return fn(self, other)


def _broadcasts(a, b):
    a, b = a.as_list(), b.as_list()
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(a), reversed(b)))


def _unhashable(self):
    raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")


_IDENTITY = (EagerTensor.__eq__, EagerTensor.__ne__, EagerTensor.__hash__)


def enable_tensor_equality():
    """TF 2's `==`: eager tensors compare elementwise and are unhashable (`t.ref()` is a dict key). Graph
    tensors, those of a `tf.function` trace included, keep TF1's identity (graphgrad keys its own bookkeeping on
    them)."""
    EagerTensor.__eq__, EagerTensor.__ne__, EagerTensor.__hash__ = _tensor_equals, _tensor_not_equals, _unhashable


def disable_tensor_equality():
    """TF1's `==` (graphgrad's default): identity, so tensors are dict keys."""
    EagerTensor.__eq__, EagerTensor.__ne__, EagerTensor.__hash__ = _IDENTITY


def tensor_equality_enabled():
    return EagerTensor.__hash__ is _unhashable


# --- switches whose TF1 side is the only one graphgrad has --------------------------------------------------

def enable_control_flow_v2():
    """Changes nothing: graphgrad has one control flow (TF1's: a cond's branch ops in the enclosing graph under
    `cond/`, TF1's gradients), built as single If/While ops; see control_flow_v2_enabled."""
    logging.info("tf.enable_control_flow_v2: graphgrad has one control flow (TF1's); nothing changes")


def disable_control_flow_v2():
    """TF1's control flow: graphgrad's only one, so nothing changes."""


def control_flow_v2_enabled():
    """False: `tf.cond` and `tf.while_loop` build into the enclosing graph as TF1's do (no function library)."""
    return False


def enable_resource_variables():
    """Changes nothing in graph mode: `tf.Variable` stays a reference variable (`VariableV2`, `float32_ref`).
    What resource variables were made for, reads that do not race with the updates of the same run, graphgrad's
    runs already give (reads of a variable run before its updates; docs/design.md)."""
    logging.info("tf.enable_resource_variables: graphgrad's graph-mode variables stay reference variables")


def disable_resource_variables():
    """Reference variables in graph mode (graphgrad's only kind there): nothing changes."""


def resource_variables_enabled():
    """True only while executing eagerly outside functions, where variables are handles read by value."""
    return context.eager_enabled()


def enable_v2_tensorshape():
    """Not applied: `shape[i]` stays TF1's `Dimension` (`.value`, int(), arithmetic and comparisons with ints
    work; `shape[i] is None` does not), because graphgrad's own layers read dimensions that way."""
    logging.warning("tf.enable_v2_tensorshape: graphgrad keeps TF1's Dimension objects (use "
                    "tf.compat.dimension_value(shape[i]) for an int or None)")


def disable_v2_tensorshape():
    """TF1's shapes (`shape[i]` is a `Dimension`): graphgrad's only kind, so nothing changes."""


def enable_v2_behavior():
    """TF 2's behaviour where graphgrad has it: eager execution and tensor equality (the other switches above say
    what they do)."""
    enable_eager_execution()
    enable_tensor_equality()
    enable_resource_variables()
    enable_control_flow_v2()
    enable_v2_tensorshape()


def disable_v2_behavior():
    """TF1's behaviour, graphgrad's default: graph mode (undoing eager execution) and tensors compared by
    identity; what migrated programs call on their second line."""
    disable_eager_execution()
    disable_tensor_equality()
