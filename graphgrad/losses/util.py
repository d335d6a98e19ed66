"""Loss collections: what `add_loss` registers and what `get_total_loss` sums for an optimizer."""
from __future__ import annotations

from ..framework.graph import GraphKeys, get_collection, get_default_graph
from ..ops.core import constant
from ..ops.math_ops import add_n


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Register `loss` in `loss_collection` (no-op when the collection is None or empty)."""
    if loss_collection:
        graph = getattr(loss, "graph", None) or get_default_graph()
        graph.add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    """The losses in `loss_collection` whose names match the `scope` regex."""
    return get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    """The terms that `kernel_regularizer=`, `get_variable(regularizer=)` and friends registered."""
    return get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """Sum of the regularization losses, or a constant 0.0 when there are none."""
    losses = get_regularization_losses(scope)
    if losses:
        return add_n(losses, name=name)
    return constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """Sum of the collected losses (and, by default, the regularization losses); ValueError when empty."""
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope=scope)
    if not losses:
        raise ValueError("No losses found: add some with tf.losses.* or tf.losses.add_loss first.")
    return add_n(losses, name=name)
