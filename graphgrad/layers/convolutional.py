"""TF1 `tf.layers` convolutions: Conv1D/2D/3D, Conv2DTranspose/Conv3DTranspose, SeparableConv2D and their
functional forms, with TF1's variable names (`conv2d/kernel`, `conv2d/bias`, `separable_conv2d/depthwise_kernel`,
...), glorot-uniform kernels and zero biases by default."""
from __future__ import annotations

from ..framework.op_def import static_shape
from ..ops import array_ops, conv_ops, init_ops, nn_ops
from .core import Layer, _activation


def _tuple(v, n, what):
    if isinstance(v, int):
        return (v,) * n
    v = tuple(int(d) for d in v)
    if len(v) != n:
        raise ValueError(f"The `{what}` argument must be a tuple of {n} integers. Received: {v}")
    return v


def _padding(padding):
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: {padding}")
    return p.upper()


def _data_format(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of 'channels_first', 'channels_last'. "
                         f"Received: {data_format}")
    return data_format


class _ConvBase(Layer):
    """What every convolution layer shares: arguments, the channel axis, bias and activation."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=None, kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, activity_regularizer=activity_regularizer, **kwargs)
        n = self.rank
        self.filters = int(filters) if filters is not None else None
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.strides = _tuple(strides, n, "strides")
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)
        self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate")
        self.activation = _activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.kernel = self.bias = None

    @property
    def _first(self):
        return self.data_format == "channels_first"

    def _channels(self, input_shape):
        dims = input_shape.dims_tuple
        if dims is None or len(dims) != self.rank + 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: expected "
                             f"ndim={self.rank + 2}, found shape {input_shape}")
        c = dims[1] if self._first else dims[-1]
        if c is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        return c

    def _add_bias(self, size):
        if self.use_bias:
            init = self.bias_initializer if self.bias_initializer is not None else init_ops.zeros_initializer()
            self.bias = self.add_variable("bias", [size], initializer=init, regularizer=self.bias_regularizer,
                                          constraint=self.bias_constraint)

    def _attrs(self, strides=None, dilations=None, padding=None):
        return {"strides": strides or self.strides, "dilations": dilations or self.dilation_rate,
                "padding": padding or self.padding, "channels_first": self._first}

    def _finish(self, outputs):
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias, data_format="NCHW" if self._first else "NHWC")
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


class Conv(_ConvBase):
    """N-d convolution layer: `activation(conv(inputs, kernel) + bias)`, kernel `[*kernel_size, in, filters]`."""

    def __init__(self, rank, filters, kernel_size, *args, **kwargs):
        self.rank = rank
        super().__init__(filters, kernel_size, *args, **kwargs)
        if any(s > 1 for s in self.strides) and any(d > 1 for d in self.dilation_rate):
            raise ValueError("strides > 1 not supported in conjunction with dilation_rate > 1")

    def build(self, input_shape):
        c = self._channels(input_shape)
        self.kernel = self.add_variable("kernel", list(self.kernel_size) + [c, self.filters],
                                        initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                        constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        label = f"Conv{self.rank}D"
        y = conv_ops.conv(inputs, self.kernel, self._attrs(), label if self.rank > 1 else "conv1d", label=label)
        return self._finish(y)


class Conv1D(Conv):
    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(1, filters, kernel_size, *args, **kwargs)
        self._base_name = "conv1d"


class Conv2D(Conv):
    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(2, filters, kernel_size, *args, **kwargs)
        self._base_name = "conv2d"


class Conv3D(Conv):
    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(3, filters, kernel_size, *args, **kwargs)
        self._base_name = "conv3d"


def _deconv_length(n, k, s, d, padding):
    """Keras' deconv_output_length (no output_padding)."""
    if n is None:
        return None
    k = (k - 1) * d + 1
    return n * s if padding == "SAME" else n * s + max(k - s, 0)


class _ConvTranspose(_ConvBase):
    """The transpose of a convolution: kernel `[*kernel_size, filters, in]`."""

    def build(self, input_shape):
        c = self._channels(input_shape)
        self.kernel = self.add_variable("kernel", list(self.kernel_size) + [self.filters, c],
                                        initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                        constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        s = static_shape(inputs)
        spatial = s[2:] if self._first else s[1:-1]
        outs = [_deconv_length(n, k, st, d, self.padding) for n, k, st, d in
                zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        shape_t = array_ops.shape(inputs)
        dims = [shape_t[0] if s[0] is None else s[0]]
        spatial_t = []
        for i, o in enumerate(outs):
            if o is None:
                ax = i + 2 if self._first else i + 1
                o = shape_t[ax] * self.strides[i]
                if self.padding == "VALID":
                    o = o + max((self.kernel_size[i] - 1) * self.dilation_rate[i] + 1 - self.strides[i], 0)
            spatial_t.append(o)
        dims += [self.filters] + spatial_t if self._first else spatial_t + [self.filters]
        out_shape = dims if all(isinstance(d, int) for d in dims) else array_ops.stack(dims)
        label = "conv2d_transpose" if self.rank == 2 else f"conv{self.rank}d_transpose"
        y = conv_ops.backprop_input_from_sizes(inputs, self.kernel, out_shape, self._attrs(), label, label=label)
        return self._finish(y)


class Conv2DTranspose(_ConvTranspose):
    rank = 2

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(filters, kernel_size, *args, **kwargs)
        self._base_name = "conv2d_transpose"


class Conv3DTranspose(_ConvTranspose):
    rank = 3

    def __init__(self, filters, kernel_size, *args, **kwargs):
        super().__init__(filters, kernel_size, *args, **kwargs)
        self._base_name = "conv3d_transpose"


class SeparableConv2D(_ConvBase):
    """Depthwise convolution (`depth_multiplier` filters per channel) then a 1x1 pointwise convolution."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last",
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer=None, pointwise_initializer=None, bias_initializer=None,
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint,
                         trainable=trainable, name=name, **kwargs)
        self._base_name = "separable_conv2d"
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer, self.pointwise_initializer = depthwise_initializer, pointwise_initializer
        self.depthwise_regularizer, self.pointwise_regularizer = depthwise_regularizer, pointwise_regularizer
        self.depthwise_constraint, self.pointwise_constraint = depthwise_constraint, pointwise_constraint

    def build(self, input_shape):
        c = self._channels(input_shape)
        m = self.depth_multiplier
        self.depthwise_kernel = self.add_variable(
            "depthwise_kernel", list(self.kernel_size) + [c, m], initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_variable(
            "pointwise_kernel", [1, 1, c * m, self.filters], initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        fmt = "NCHW" if self._first else "NHWC"
        y = conv_ops.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel, strides=self.strides,
                                      padding=self.padding, dilations=self.dilation_rate, data_format=fmt)
        return self._finish(y)


class SeparableConv1D(SeparableConv2D):
    """SeparableConv2D over a length axis, as TF computes it: inputs and kernels get a unit height, the 2-D
    separable convolution runs, the height is squeezed away. Kernels `[k, in, m]` and `[1, in·m, filters]`."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, depth_multiplier=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, **kwargs)
        self._base_name = "separable_conv1d"

    def build(self, input_shape):
        c, m = self._channels(input_shape), self.depth_multiplier
        self.depthwise_kernel = self.add_variable(
            "depthwise_kernel", [self.kernel_size[0], c, m], initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_variable(
            "pointwise_kernel", [1, c * m, self.filters], initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        axis = 2 if self._first else 1
        y = conv_ops.separable_conv2d(
            array_ops.expand_dims(inputs, axis), array_ops.expand_dims(self.depthwise_kernel, 0),
            array_ops.expand_dims(self.pointwise_kernel, 0), strides=(1,) + self.strides,
            padding=self.padding, dilations=(1,) + self.dilation_rate, data_format="NCHW" if self._first else "NHWC")
        return array_ops.squeeze(self._finish(y), [axis])


def _functional(cls, doc):
    def layer_fn(inputs, filters, kernel_size, *args, name=None, reuse=None, **kwargs):
        layer = cls(filters, kernel_size, *args, name=name, _scope=name, _reuse=reuse, **kwargs)
        return layer.apply(inputs)
    layer_fn.__doc__ = doc
    return layer_fn


conv1d = _functional(Conv1D, "1-D convolution layer: creates `conv1d/kernel` [k, in, filters] and `conv1d/bias`.")
conv2d = _functional(Conv2D, "2-D convolution layer: creates `conv2d/kernel` [kh, kw, in, filters] and "
                             "`conv2d/bias` (glorot uniform, zeros), returns activation(conv + bias).")
conv3d = _functional(Conv3D, "3-D convolution layer: creates `conv3d/kernel` and `conv3d/bias`.")
conv2d_transpose = _functional(Conv2DTranspose, "Transposed 2-D convolution: `conv2d_transpose/kernel` "
                                                "[kh, kw, filters, in]; output size in * stride (SAME).")
conv3d_transpose = _functional(Conv3DTranspose, "Transposed 3-D convolution.")
separable_conv1d = _functional(SeparableConv1D, "Depthwise then pointwise 1-D convolution: creates "
                                                "`separable_conv1d/depthwise_kernel`, `pointwise_kernel`, `bias`.")
separable_conv2d = _functional(SeparableConv2D, "Depthwise then pointwise convolution: creates "
                                                "`separable_conv2d/depthwise_kernel`, `pointwise_kernel`, `bias`.")
for _f, _n in ((conv1d, "conv1d"), (conv2d, "conv2d"), (conv3d, "conv3d"), (conv2d_transpose, "conv2d_transpose"),
               (conv3d_transpose, "conv3d_transpose"), (separable_conv2d, "separable_conv2d"),
               (separable_conv1d, "separable_conv1d")):
    _f.__name__ = _f.__qualname__ = _n

# TF1 aliases
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
SeparableConvolution2D = SeparableConv2D
SeparableConvolution1D = SeparableConv1D

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv2D", "conv1d",
           "conv2d", "conv3d", "conv2d_transpose", "conv3d_transpose", "separable_conv2d", "Convolution1D",
           "Convolution2D", "Convolution3D", "Convolution2DTranspose", "Convolution3DTranspose",
           "SeparableConvolution2D", "SeparableConv1D", "SeparableConvolution1D", "separable_conv1d"]
