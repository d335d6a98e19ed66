"""Eager execution: ops run as they are called (TF 1.5+'s `tf.enable_eager_execution()`), on the same op
definitions as graphs. See docs/eager.md.

    import graphgrad as tf
    tf.enable_eager_execution()
    x = tf.constant([[1., 2.]])
    print(tf.matmul(x, x, transpose_b=True))   # tf.Tensor([[5.]], shape=(1, 1), dtype=float32)
"""
import functools as _functools

from .. import autodiff as _autodiff
from .context import (
    EagerGraph,
    EagerOperation,
    eager_enabled,
    eager_graph,
    eager_mode,
    enable_eager_execution,
    executing_eagerly,
    graph_mode,
    init_scope,
)
from .function import Function, defun, function
from .tape import GradientTape, UnconnectedGradients
from .tensor import EagerTensor
from .variable import EagerVariable


def _graph_only(fn, message):
    """`fn`, refusing to run while executing eagerly with TensorFlow's message."""
    @_functools.wraps(fn)
    def graph_only(*args, **kwargs):
        if executing_eagerly():
            raise RuntimeError(message)
        return fn(*args, **kwargs)
    return graph_only

#: tf.gradients and tf.hessians build graph ops: while executing eagerly they say what to use instead.
gradients = _graph_only(_autodiff.gradients, "tf.gradients is not supported when eager execution is enabled. "
                                              "Use tf.GradientTape instead.")
hessians = _graph_only(_autodiff.hessians, "tf.hessians is not supported when eager execution is enabled. Use "
                                            "nested tf.GradientTapes (or tape.jacobian of a gradient) instead.")

__all__ = ["gradients", "hessians", "eager_graph", "enable_eager_execution", "executing_eagerly", "eager_mode",
           "graph_mode", "init_scope", "eager_enabled", "EagerGraph", "EagerOperation", "EagerTensor",
           "EagerVariable", "GradientTape", "UnconnectedGradients", "Function", "function", "defun"]
