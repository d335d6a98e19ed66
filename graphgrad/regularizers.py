"""Weight regularizers: functions `tensor -> scalar tensor` to pass as `regularizer=` / `kernel_regularizer=`.

Two conventions exist and both are here, because programs use both:
- TF1 contrib (`tf.contrib.layers.l2_regularizer(scale)`): l2 = scale * sum(w²) / 2 (via `tf.nn.l2_loss`),
  l1 = scale * sum(|w|); the ops live under an `l2_regularizer`/`l1_regularizer` name scope.
- Keras (`tf.keras.regularizers.l2(l)`, graphgrad/keras/regularizers.py): l2 = l * sum(w²) (no 1/2),
  l1 = l * sum(|w|).
"""
from __future__ import annotations

import numbers

from .framework.graph import GraphKeys, get_collection, get_default_graph, name_scope
from .ops import math_ops, nn_ops
from .ops.core import convert_to_tensor


def _check_scale(scale):
    if isinstance(scale, numbers.Integral) and not isinstance(scale, bool):
        raise ValueError(f"scale cannot be an integer: {scale}")
    if isinstance(scale, numbers.Real):
        if scale < 0.0:
            raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
        return scale == 0.0
    return False


def _scale_for(scale, weights):
    return convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name="scale")


def l1_regularizer(scale, scope=None):
    """`weights -> scale * sum(|weights|)`; a scale of 0 gives a regularizer returning None."""
    if _check_scale(scale):
        return lambda _: None

    def l1(weights):
        with name_scope(scope, "l1_regularizer", [weights]) as name:
            weights = convert_to_tensor(weights)
            return math_ops.multiply(_scale_for(scale, weights), math_ops.reduce_sum(math_ops.abs(weights)),
                                     name=name)
    return l1


def l2_regularizer(scale, scope=None):
    """`weights -> scale * sum(weights²) / 2` (scale times `tf.nn.l2_loss`)."""
    if _check_scale(scale):
        return lambda _: None

    def l2(weights):
        with name_scope(scope, "l2_regularizer", [weights]) as name:
            weights = convert_to_tensor(weights)
            return math_ops.multiply(_scale_for(scale, weights), nn_ops.l2_loss(weights), name=name)
    return l2


def sum_regularizer(regularizer_list, scope=None):
    """A regularizer returning the sum of the non-None results of `regularizer_list`."""
    regularizer_list = [r for r in regularizer_list if r is not None]
    if not regularizer_list:
        return None

    def sum_reg(weights):
        with name_scope(scope, "sum_regularizer", [weights]) as name:
            tensors = [t for t in (r(weights) for r in regularizer_list) if t is not None]
            if not tensors:
                return None
            return math_ops.add_n(tensors, name=name)
    return sum_reg


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """l1_regularizer(scale_l1) + l2_regularizer(scale_l2)."""
    if isinstance(scale_l1, numbers.Real) and isinstance(scale_l2, numbers.Real) and scale_l1 == scale_l2 == 0:
        return lambda _: None
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope=scope)


def apply_regularization(regularizer, weights_list=None):
    """Sum `regularizer` over `weights_list` (default: the WEIGHTS collection), add the sum to
    REGULARIZATION_LOSSES and return it."""
    if weights_list is None:
        weights_list = get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    with name_scope(None, "get_regularization_penalty", weights_list) as scope:
        penalties = [p for p in (regularizer(w) for w in weights_list) if p is not None]
        if not penalties:
            from .ops.core import constant

            return constant(0.0)
        total = math_ops.add_n(penalties, name=scope)
    get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, total)
    return total


def __getattr__(name):
    """Keras' regularizer classes (`tf.keras.regularizers`), once also reachable here: `regularizers.l2(0.1)`."""
    if name in _KERAS:
        from .keras import regularizers

        return getattr(regularizers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_KERAS = ("Regularizer", "L1L2", "L1", "L2", "l1", "l2", "l1_l2")

__all__ = ["l1_regularizer", "l2_regularizer", "l1_l2_regularizer", "sum_regularizer", "apply_regularization"]
