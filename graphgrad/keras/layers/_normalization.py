"""Keras' BatchNormalization (tf.layers' one, reading the learning phase) and LayerNormalization (each example
normalized over `axis`, then scaled by `gamma` and shifted by `beta`)."""
from __future__ import annotations

from ... import layers as _tfl
from ...ops import array_ops
from ...ops.normalization_ops import moments
from ...ops.unary_ops import rsqrt
from ._base import Layer, _initializer, _regularizer


class BatchNormalization(Layer, _tfl.BatchNormalization):
    supports_masking = True

    def call(self, inputs, training=None):
        return super().call(inputs, training=self._phase(training))


class LayerNormalization(Layer):
    """(x - mean) / sqrt(variance + epsilon) · gamma + beta, the statistics of each example over `axis`."""

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = [axis] if isinstance(axis, int) else list(axis)
        self.epsilon, self.center, self.scale = epsilon, center, scale
        self.beta_initializer, self.gamma_initializer = _initializer(beta_initializer), _initializer(gamma_initializer)
        self.beta_regularizer = _regularizer(beta_regularizer)
        self.gamma_regularizer = _regularizer(gamma_regularizer)
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint

    def build(self, input_shape):
        dims = input_shape.as_list()
        self._axes = sorted(a % len(dims) for a in self.axis)
        shape = [dims[a] for a in self._axes]
        self.gamma = (self.add_variable("gamma", shape, initializer=self.gamma_initializer,
                                        regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
                      if self.scale else None)
        self.beta = (self.add_variable("beta", shape, initializer=self.beta_initializer,
                                       regularizer=self.beta_regularizer, constraint=self.beta_constraint)
                     if self.center else None)
        self._broadcast = [d if i in self._axes else 1 for i, d in enumerate(dims)]
        self.built = True

    def call(self, inputs):
        mean, variance = moments(inputs, self._axes, keepdims=True)
        out = (inputs - mean) * rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            out = out * array_ops.reshape(self.gamma, self._broadcast)
        if self.beta is not None:
            out = out + array_ops.reshape(self.beta, self._broadcast)
        return out


__all__ = ["BatchNormalization", "LayerNormalization"]
