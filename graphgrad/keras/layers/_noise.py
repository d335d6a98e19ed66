"""Keras' noise layers, active only while training (the learning phase, or `training=True`): GaussianNoise,
GaussianDropout, AlphaDropout (keeps SELU's mean and variance) and SpatialDropout1D/2D/3D (drops whole channels)."""
from __future__ import annotations

import math

from ...ops import array_ops, math_ops
from ...ops.random_ops import random_normal, random_uniform
from ._base import Layer, _named
from ._core import Dropout


class GaussianNoise(Layer):
    """x + N(0, stddev²) noise while training."""

    supports_masking = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev, self.seed = stddev, seed

    def call(self, inputs, training=None):
        def noised():
            return inputs + random_normal(array_ops.shape(inputs), 0.0, self.stddev, inputs.dtype.base_dtype,
                                          seed=self.seed)
        return self._in_train_phase(noised, inputs, training)


class GaussianDropout(Layer):
    """x · N(1, rate / (1 - rate)) noise while training."""

    supports_masking = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = rate, seed

    def call(self, inputs, training=None):
        if not 0 < self.rate < 1:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))

        def noised():
            return inputs * random_normal(array_ops.shape(inputs), 1.0, stddev, inputs.dtype.base_dtype,
                                          seed=self.seed)
        return self._in_train_phase(noised, inputs, training)


class AlphaDropout(Layer):
    """Dropout for SELU networks: dropped units are set to SELU's negative saturation and the result is scaled
    and shifted so the mean and variance stay as they were (Keras 2's formula)."""

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=None):
        if not 0 < self.rate < 1:
            return inputs
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        rate, dt = self.rate, inputs.dtype.base_dtype

        def dropped():
            shape = array_ops.shape(inputs) if self.noise_shape is None else self.noise_shape
            kept = math_ops.cast(math_ops.greater_equal(random_uniform(shape, dtype=dt, seed=self.seed), rate), dt)
            a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
            b = -a * alpha_p * rate
            return a * (inputs * kept + alpha_p * (1 - kept)) + b
        return self._in_train_phase(dropped, inputs, training)


def _spatial(rank):
    class SpatialDropout(Dropout):
        def __init__(self, rate, data_format=None, **kwargs):
            super().__init__(rate, **kwargs)
            self.data_format = data_format or "channels_last"
            ones = (1,) * rank
            self.noise_shape = ((None, None, *ones) if self.data_format == "channels_first"
                                else (None, *ones, None))
    return _named(SpatialDropout, f"SpatialDropout{rank}D",
                  f"dropout of whole channels of a {rank}-D feature map (one draw per example and channel), for "
                  "convolutional features whose neighbours are correlated.")


SpatialDropout2D = _spatial(2)
SpatialDropout3D = _spatial(3)


class SpatialDropout1D(Dropout):
    """Dropout of whole channels of a sequence: one draw per example and channel."""

    def __init__(self, rate, **kwargs):
        super().__init__(rate, **kwargs)
        self.noise_shape = (None, 1, None)


__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D",
           "SpatialDropout3D"]
