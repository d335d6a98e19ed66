"""Keras 2's `layers.experimental` layers: RandomFourierFeatures (cos(x·W/scale + b), approximating a Gaussian or
Laplacian kernel) and SyncBatchNormalization."""
from __future__ import annotations

import numpy as np

from ...framework import dtypes
from ...ops import math_ops
from ...ops.init_ops import constant_initializer, random_normal_initializer, random_uniform_initializer
from ...ops.matmul_ops import matmul
from ...ops.unary_ops import cos
from ._base import InputSpec, Layer
from ._normalization import BatchNormalization

_KERNELS = ["gaussian", "laplacian"]


def _non_neg(w):
    """Keras' NonNeg constraint."""
    return w * math_ops.cast(math_ops.greater_equal(w, 0.0), w.dtype.base_dtype)


class RandomFourierFeatures(Layer):
    """cos(inputs · unscaled_kernel / kernel_scale + bias) for [batch, dim] inputs: random features whose inner
    products approximate a Gaussian ("gaussian": kernel entries N(0, 1), default scale sqrt(dim / 2)) or Laplacian
    ("laplacian": standard Cauchy entries, scale 1) kernel. The kernel and bias are fixed; `kernel_scale` trains
    when the layer is `trainable`."""

    def __init__(self, output_dim, kernel_initializer="gaussian", scale=None, trainable=False, name=None, **kwargs):
        if output_dim <= 0:
            raise ValueError(f"`output_dim` should be a positive integer. Received: {output_dim}")
        if isinstance(kernel_initializer, str) and kernel_initializer.lower() not in _KERNELS:
            raise ValueError(f"Unsupported `kernel_initializer`: {kernel_initializer} Expected one of: {_KERNELS}")
        if scale is not None and scale <= 0.0:
            raise ValueError(f"When provided, `scale` should be a positive float. Received: {scale}")
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.output_dim, self.kernel_initializer, self.scale = int(output_dim), kernel_initializer, scale

    def build(self, input_shape):
        shape = input_shape.as_list()
        if len(shape) != 2:
            raise ValueError(f"The rank of the input tensor should be 2. Received input with rank {len(shape)} "
                             f"instead. Full input shape received: {input_shape}")
        if shape[1] is None:
            raise ValueError("The last dimension of the input tensor should be defined. Found `None`. Full input "
                             f"shape received: {input_shape}")
        dim, kind = shape[1], self.kernel_initializer
        self.input_spec = InputSpec(ndim=2, axes={1: dim})
        if isinstance(kind, str) and kind.lower() == "gaussian":
            init = random_normal_initializer(0.0, 1.0)
        elif isinstance(kind, str):  # Cauchy samples, drawn by NumPy as Keras draws them
            init = constant_initializer(np.tan(np.pi * (np.random.uniform(size=(dim, self.output_dim)) - 0.5)))
        else:
            init = kind
        if self.scale is None:
            self.scale = float(np.sqrt(dim / 2.0)) if kind == "gaussian" else 1.0
        f32 = dtypes.float32
        self.unscaled_kernel = self.add_variable("unscaled_kernel", [dim, self.output_dim], f32, init,
                                                 trainable=False)
        self.bias = self.add_variable("bias", [self.output_dim], f32, random_uniform_initializer(0.0, 2 * np.pi),
                                      trainable=False)
        self.kernel_scale = self.add_variable("kernel_scale", [1], f32, constant_initializer(self.scale),
                                              constraint=_non_neg)
        self.built = True

    def call(self, inputs):
        inputs = math_ops.cast(inputs, dtypes.float32)
        return cos(matmul(inputs, (1.0 / self.kernel_scale) * self.unscaled_kernel) + self.bias)


class SyncBatchNormalization(BatchNormalization):
    """Keras' SyncBatchNormalization: batch normalization whose batch statistics are meant to be averaged over the
    replicas of a distribution strategy. graphgrad's Keras runs one replica per process, where it is exactly
    BatchNormalization (same weights, `sync_batch_normalization/gamma`, ...)."""


__all__ = ["RandomFourierFeatures", "SyncBatchNormalization"]
