"""Keras' activation layers: LeakyReLU, PReLU (a learned slope `alpha`), ELU, ReLU (with `max_value`,
`negative_slope`, `threshold`), Softmax and ThresholdedReLU, computed as Keras 2's backend computes them."""
from __future__ import annotations

from ...ops import math_ops
from ...ops.activation_ops import elu, leaky_relu, relu, relu6
from ...ops.clip_ops import clip_by_value
from ...ops.select_ops import where
from ...ops.softmax_ops import softmax
from ._base import Layer, _initializer, _regularizer


def _relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras' backend.relu."""
    if alpha != 0.0:
        if max_value is None and threshold == 0:
            return leaky_relu(x, alpha=alpha)
        negative_part = relu(-x + threshold) if threshold != 0 else relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * math_ops.cast(math_ops.greater(x, threshold), x.dtype.base_dtype)
    elif max_value == 6:
        x, clip_max = relu6(x), False
    else:
        x = relu(x)
    if clip_max:
        x = clip_by_value(x, 0.0, float(max_value))
    if alpha != 0.0:
        x = x - alpha * negative_part
    return x


class LeakyReLU(Layer):
    """x for x > 0, alpha·x below."""

    supports_masking = True

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(f"The alpha value of a Leaky ReLU layer cannot be None, needs a float. Got {alpha}")
        self.alpha = float(alpha)

    def call(self, inputs):
        return _relu(inputs, alpha=self.alpha)


class PReLU(Layer):
    """A leaky ReLU whose slopes `alpha` (one per input position, shared along `shared_axes`) are learned."""

    supports_masking = True

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = _initializer(alpha_initializer)
        self.alpha_regularizer = _regularizer(alpha_regularizer)
        self.alpha_constraint = alpha_constraint
        self.shared_axes = None if shared_axes is None else (
            [shared_axes] if isinstance(shared_axes, int) else list(shared_axes))

    def build(self, input_shape):
        shape = list(input_shape.as_list()[1:])
        for i in self.shared_axes or []:
            shape[i - 1] = 1
        self.alpha = self.add_variable("alpha", shape, initializer=self.alpha_initializer,
                                       regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        return relu(inputs) - self.alpha * relu(-inputs)


class ELU(Layer):
    """x for x > 0, alpha·(exp(x) - 1) below."""

    supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError(f"Alpha of an ELU layer cannot be None, expecting a float. Received: {alpha}")
        self.alpha = float(alpha)

    def call(self, inputs):
        res = elu(inputs)
        return res if self.alpha == 1 else where(math_ops.greater(inputs, 0.0), res, self.alpha * res)


class ReLU(Layer):
    """max(x, 0) capped at `max_value`, with slope `negative_slope` below `threshold` (Keras' backend.relu)."""

    supports_masking = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be a negative value. Received: {negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be a negative value. Received: {threshold}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def call(self, inputs):
        return _relu(inputs, alpha=self.negative_slope, max_value=self.max_value, threshold=self.threshold)


class Softmax(Layer):
    """softmax along `axis`; positions where `mask` is false get (almost) no probability."""

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs + (1.0 - math_ops.cast(mask, inputs.dtype.base_dtype)) * -1e9
        if isinstance(self.axis, (list, tuple)):
            return math_ops.exp(inputs - math_ops.reduce_logsumexp(inputs, axis=list(self.axis), keepdims=True))
        return softmax(inputs, axis=self.axis)


class ThresholdedReLU(Layer):
    """x where x > theta, 0 elsewhere."""

    supports_masking = True

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None or theta < 0:
            raise ValueError(f"Theta of a Thresholded ReLU layer cannot be None or negative, requires a float. "
                             f"Got {theta}")
        self.theta = float(theta)

    def call(self, inputs):
        return inputs * math_ops.cast(math_ops.greater(inputs, self.theta), inputs.dtype.base_dtype)


__all__ = ["LeakyReLU", "PReLU", "ELU", "ReLU", "Softmax", "ThresholdedReLU"]
