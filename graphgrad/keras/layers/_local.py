"""Keras' LocallyConnected1D/2D: a convolution whose weights differ at every output position, in Keras 2's three
`implementation`s, each with its own kernel layout (so weights saved by Keras load): 1, a kernel
[positions, patch, filters] applied patch by patch (`keras.backend.local_conv2d`); 2, a dense [*input, *output]
kernel masked to the connected pairs; 3, the connected pairs' weights as one vector, scattered into that matrix.
The three give the same outputs for the same connections."""
from __future__ import annotations

import itertools

import numpy as np

from ...layers.core import _activation
from ...ops import array_ops
from ...ops.matmul_ops import matmul
from ...ops.nd_ops import scatter_nd
from ..backend.config import normalize_data_format
from ..backend.nn import bias_add, local_conv
from ._base import InputSpec, Layer, _weight_arguments


def _length(n, k, padding, stride):
    """Keras' conv_output_length (no dilation)."""
    return ((n if padding == "same" else n - k + 1) + stride - 1) // stride


def _connections(in_shape, kernel_size, strides, padding):
    """[(output position, input position)] of the connected spatial pairs, in Keras 2's order
    (`conv_utils.conv_connected_inputs`)."""
    out_shape = [_length(n, k, padding, s) for n, k, s in zip(in_shape, kernel_size, strides)]
    pairs = []
    for out in itertools.product(*[range(n) for n in out_shape]):
        ranges = []
        for d, (n, k, s) in enumerate(zip(in_shape, kernel_size, strides)):
            left = k // 2
            center = out[d] * s + (left if padding == "valid" else 0)
            ranges.append(range(max(0, center - left), min(n, center + k - left)))
        pairs.extend((out, pos) for pos in itertools.product(*ranges))
    return out_shape, pairs


def _tuple(value, rank, name):
    value = (value,) * rank if isinstance(value, int) else tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"The `{name}` argument must be a tuple of {rank} integers. Received: {value}")
    return value


class _LocallyConnected(Layer):
    """What LocallyConnected1D and 2D share: arguments, the kernels of the three implementations, the call."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.padding = padding.lower()
        if self.padding != "valid" and implementation == 1:
            raise ValueError(f"Invalid border mode for LocallyConnected{self.rank}D (only \"valid\" is supported if "
                             f"implementation is 1): {padding}")
        if implementation not in (1, 2, 3):
            raise ValueError(f"Unrecognized implementation mode: {implementation}.")
        self.data_format = normalize_data_format(data_format)
        self.activation, self.use_bias, self.implementation = _activation(activation), use_bias, implementation
        _weight_arguments(self, locals())

    def _first(self):
        return self.data_format == "channels_first"

    def build(self, input_shape):
        shape = input_shape.as_list() if hasattr(input_shape, "as_list") else list(input_shape)
        channels = shape[1] if self._first() else shape[-1]
        spatial = shape[2:] if self._first() else shape[1:-1]
        if channels is None or None in spatial:
            raise ValueError(f"LocallyConnected{self.rank}D needs its input's spatial and channel sizes. Found "
                             f"shape: {tuple(shape)}")
        self.output_shape_spatial, pairs = _connections(spatial, self.kernel_size, self.strides, self.padding)
        if min(self.output_shape_spatial) <= 0:
            raise ValueError(f"One of the dimensions in the output is <= 0 due to downsampling in {self.name}. "
                             f"Consider increasing the input size. Received input shape {tuple(shape)}")
        f, out = self.filters, self.output_shape_spatial
        if self.implementation == 1:
            kernel = [int(np.prod(out)), int(np.prod(self.kernel_size)) * channels, f]
        elif self.implementation == 2:
            self._mask = np.zeros([*spatial, *out], np.float32)
            for o, i in pairs:
                self._mask[i + o] = 1.0
            # broadcast over the channels: (1, *in, 1, *out) or (*in, 1, *out, 1), as the kernel is laid out
            self._mask = (self._mask.reshape([1, *spatial, 1, *out]) if self._first()
                          else self._mask.reshape([*spatial, 1, *out, 1]))
            kernel = [channels, *spatial, f, *out] if self._first() else [*spatial, channels, *out, f]
        else:
            self._idxs = sorted(self._sparse_indices(spatial, channels, pairs))
            kernel = [len(self._idxs)]
        self._in_size, self._out_size = int(np.prod(spatial)) * channels, int(np.prod(out)) * f
        self.kernel = self.add_variable("kernel", kernel, initializer=self.kernel_initializer,
                                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_variable("bias", [*out, f], initializer=self.bias_initializer,
                                      regularizer=self.bias_regularizer,
                                      constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={1 if self._first() else -1: channels})
        self.built = True

    def _sparse_indices(self, spatial, channels, pairs):
        """(output index, input index) in the flattened output and input, per connected pair and channel pair."""
        out = self.output_shape_spatial

        def join(position, channel):
            return (channel, *position) if self._first() else (*position, channel)
        for o, i in pairs:
            for c in range(channels):
                for f in range(self.filters):
                    yield (int(np.ravel_multi_index(join(o, f), join(out, self.filters))),
                           int(np.ravel_multi_index(join(i, c), join(spatial, channels))))

    def call(self, inputs):
        out = self.output_shape_spatial
        if self.implementation == 1:
            y = local_conv(inputs, self.kernel, self.kernel_size, self.strides, tuple(out), self.data_format)
        else:
            flat = array_ops.reshape(inputs, [-1, self._in_size])
            if self.implementation == 2:
                y = matmul(flat, array_ops.reshape(self.kernel * self._mask, [self._in_size, self._out_size]))
            else:
                dense = scatter_nd(np.asarray(self._idxs, np.int64), self.kernel, [self._out_size, self._in_size])
                y = matmul(flat, dense, transpose_b=True)
            y = array_ops.reshape(y, [-1, self.filters, *out] if self._first() else [-1, *out, self.filters])
        if self.bias is not None:
            y = bias_add(y, self.bias, data_format=self.data_format)
        return y if self.activation is None else self.activation(y)


class LocallyConnected1D(_LocallyConnected):
    """[batch, steps, channels] -> [batch, new steps, filters], each output step with its own weights."""

    rank = 1


class LocallyConnected2D(_LocallyConnected):
    """[batch, rows, cols, channels] -> [batch, new rows, new cols, filters], each output position with its own
    weights."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, **kwargs)


__all__ = ["LocallyConnected1D", "LocallyConnected2D"]
