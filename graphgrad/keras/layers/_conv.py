"""Keras' convolutions: Conv1D/2D/3D, Conv1D/2D/3DTranspose (with `output_padding`), SeparableConv1D/2D and
DepthwiseConv2D with Keras 2's arguments and weights (`kernel`, `depthwise_kernel`, `pointwise_kernel`, `bias`),
on tf.layers' convolution layers and graphgrad's conv ops."""
from __future__ import annotations

from ... import layers as _tfl
from ...framework.op_def import static_shape
from ...layers.convolutional import _ConvBase, _ConvTranspose, _tuple
from ...ops import array_ops, conv_ops
from ._base import Layer, _initializer, _named, _regularizer


def _ones(rank):
    return 1 if rank == 1 else (1,) * rank


class _KerasConv(Layer):
    """Keras' convolution arguments handed on to the tf.layers class by name."""

    def __init__(self, filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                 kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                 kernel_constraint, bias_constraint, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format or "channels_last", dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


def _conv(base, rank):
    class Conv(_KerasConv, base):
        def __init__(self, filters, kernel_size, strides=_ones(rank), padding="valid", data_format=None,
                     dilation_rate=_ones(rank), groups=1, activation=None, use_bias=True,
                     kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                     **kwargs):
            if groups != 1:
                raise NotImplementedError("Conv layers with groups > 1 are not supported")
            super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                             kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                             activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
    return _named(Conv, f"Conv{rank}D", f"on tf.layers.Conv{rank}D: kernel [*kernel_size, in, filters], bias "
                  "[filters].")


Conv1D = _conv(_tfl.Conv1D, 1)
Conv2D = _conv(_tfl.Conv2D, 2)
Conv3D = _conv(_tfl.Conv3D, 3)


def _deconv_length(n, k, padding, output_padding, stride, dilation):
    """Keras' deconv_output_length."""
    if n is None:
        return None
    k = (k - 1) * dilation + 1
    if output_padding is None:
        return n * stride if padding == "SAME" else n * stride + max(k - stride, 0)
    pad = k // 2 if padding == "SAME" else 0
    return (n - 1) * stride + k - 2 * pad + output_padding


def _conv_transpose(rank):
    class ConvTranspose(_KerasConv, _ConvTranspose):
        def __init__(self, filters, kernel_size, strides=_ones(rank), padding="valid", output_padding=None,
                     data_format=None, dilation_rate=_ones(rank), activation=None, use_bias=True,
                     kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                     **kwargs):
            self.rank = rank
            super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                             kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                             activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
            self.output_padding = None if output_padding is None else _tuple(output_padding, rank, "output_padding")
            if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(f"Strides {self.strides} must be greater than output padding "
                                 f"{self.output_padding}")

        def call(self, inputs):
            s = static_shape(inputs)
            dyn = array_ops.shape(inputs)
            axes = range(2, rank + 2) if self._first else range(1, rank + 1)
            pads = self.output_padding or (None,) * rank
            spatial = []
            for i, ax in enumerate(axes):
                n = _deconv_length(s[ax], self.kernel_size[i], self.padding, pads[i], self.strides[i],
                                   self.dilation_rate[i])
                if n is None:  # run-time length: Keras' formula on the run-time size
                    n = _deconv_length(dyn[ax], self.kernel_size[i], self.padding, pads[i], self.strides[i],
                                       self.dilation_rate[i])
                spatial.append(n)
            dims = [dyn[0] if s[0] is None else s[0]]
            dims += [self.filters, *spatial] if self._first else [*spatial, self.filters]
            sizes = dims if all(isinstance(d, int) for d in dims) else array_ops.stack(dims)
            label = "conv2d_transpose" if rank == 2 else f"conv{rank}d_transpose"
            y = conv_ops.backprop_input_from_sizes(inputs, self.kernel, sizes, self._attrs(), label, label=label)
            return self._finish(y)
    return _named(ConvTranspose, f"Conv{rank}DTranspose",
                  f"the transpose of Conv{rank}D, kernel [*kernel_size, filters, in].")


Conv1DTranspose = _conv_transpose(1)
Conv2DTranspose = _conv_transpose(2)
Conv3DTranspose = _conv_transpose(3)


class _Depthwise(Layer, _ConvBase):
    """What SeparableConv1D/2D and DepthwiseConv1D/2D share: the depthwise kernel [*kernel_size, in, multiplier]."""

    def __init__(self, filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                 activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
                 bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format or "channels_last", dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias, bias_initializer=bias_initializer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = _initializer(depthwise_initializer)
        self.depthwise_regularizer = _regularizer(depthwise_regularizer)
        self.depthwise_constraint = depthwise_constraint

    def _add_depthwise(self, c):
        self.depthwise_kernel = self.add_variable(
            "depthwise_kernel", [*self.kernel_size, c, self.depth_multiplier], initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)

    def _depthwise_conv(self, inputs):
        return conv_ops._depthwise(inputs, self.depthwise_kernel, self._attrs(), "depthwise", "DepthwiseConv2dNative")


def _separable(rank):
    class SeparableConv(_Depthwise):
        def __init__(self, filters, kernel_size, strides=_ones(rank), padding="valid", data_format=None,
                     dilation_rate=_ones(rank), depth_multiplier=1, activation=None, use_bias=True,
                     depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                     bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                     pointwise_constraint=None, bias_constraint=None, **kwargs):
            self.rank = rank
            super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                             activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
                             bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint,
                             **kwargs)
            self.pointwise_initializer = _initializer(pointwise_initializer)
            self.pointwise_regularizer = _regularizer(pointwise_regularizer)
            self.pointwise_constraint = pointwise_constraint

        def build(self, input_shape):
            c = self._channels(input_shape)
            self._add_depthwise(c)
            self.pointwise_kernel = self.add_variable(
                "pointwise_kernel", [1] * rank + [c * self.depth_multiplier, self.filters],
                initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
                constraint=self.pointwise_constraint)
            self._add_bias(self.filters)
            self.built = True

        def call(self, inputs):
            h = self._depthwise_conv(inputs)
            point = dict(self._attrs(), strides=(1,) * rank, dilations=(1,) * rank, padding="VALID")
            return self._finish(conv_ops.conv(h, self.pointwise_kernel, point, "pointwise",
                                              label="Conv2D" if rank == 2 else f"Conv{rank}D"))
    return _named(SeparableConv, f"SeparableConv{rank}D",
                  "a depthwise convolution (`depth_multiplier` filters per channel), then a pointwise (1-wide) one "
                  "mixing the channels.")


SeparableConv1D = _separable(1)
SeparableConv2D = _separable(2)


def _depthwise(rank):
    class DepthwiseConv(_Depthwise):
        def __init__(self, kernel_size, strides=_ones(rank), padding="valid", depth_multiplier=1, data_format=None,
                     dilation_rate=_ones(rank), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                     bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
            self.rank = rank
            super().__init__(None, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                             activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
                             bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint,
                             **kwargs)

        def build(self, input_shape):
            c = self._channels(input_shape)
            self._add_depthwise(c)
            self._add_bias(c * self.depth_multiplier)
            self.built = True

        def call(self, inputs):
            return self._finish(self._depthwise_conv(inputs))
    return _named(DepthwiseConv, f"DepthwiseConv{rank}D",
                  "each channel convolved with its own `depth_multiplier` filters: kernel [*kernel_size, in, m], "
                  "bias [in·m].")


DepthwiseConv1D = _depthwise(1)
DepthwiseConv2D = _depthwise(2)


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (Conv1DTranspose, Conv2DTranspose,
                                                                          Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
           "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D", "Convolution1D", "Convolution2D", "Convolution3D",
           "Convolution1DTranspose", "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D",
           "SeparableConvolution2D"]
