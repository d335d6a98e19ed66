"""tf.nn's other spellings of the convolutions and poolings, on the ops of ops/conv_ops.py and pooling_ops.py:
`conv_transpose` (rank from output_shape), TF 2's `max_pool_v2` / `avg_pool_v2` (rank from the input),
`conv2d_backprop_filter_v2` / `conv2d_backprop_input_v2` (the filter or input itself instead of its sizes; also top
level), `conv3d_backprop_filter(_v2)`, the depthwise backprops (`depthwise_conv2d_backprop_filter/input` and their
`_native_` names: a depthwise convolution is a grouped one, filter [kh, kw, C, M] viewed as [kh, kw, 1, C·M]) and
`with_space_to_batch` (an op applied to space_to_batch_nd's output, as TF's atrous convolutions are built)."""
from __future__ import annotations

from ..framework.graph import name_scope
from ..framework.op_def import static_shape
from ..ops.array_ops import _static_ints, reshape
from ..ops.conv_ops import (
    _attrs,
    backprop_filter,
    backprop_input,
    backprop_input_from_sizes,
    conv1d_transpose,
    conv2d_transpose,
    conv3d_transpose,
)
from ..ops.core import convert_to_tensor
from ..ops.manip_ops import batch_to_space_nd, required_space_to_batch_paddings, space_to_batch_nd
from ..ops.pooling_ops import avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d, max_pool3d

_FORMATS = {1: "NWC", 2: "NHWC", 3: "NDHWC"}


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,  # noqa: A002
                   dilations=None, name=None):
    """conv1d/2d/3d_transpose by the length of `output_shape` (N + 2)."""
    n = len(_static_ints(output_shape, "output_shape")) - 2
    fn = {1: conv1d_transpose, 2: conv2d_transpose, 3: conv3d_transpose}.get(n)
    if fn is None:
        raise ValueError(f"output_shape must be of length 3, 4 or 5 but was {n + 2}.")
    return fn(input, filters, output_shape, strides, padding=padding, data_format=data_format or _FORMATS[n],
              dilations=dilations, name=name)


def _pool_v2(fns, input, ksize, strides, padding, data_format, name):  # noqa: A002
    s = static_shape(convert_to_tensor(input))
    n = None if s is None else len(s) - 2
    if n not in fns:
        raise ValueError(f"`input.shape.rank` must be 3, 4 or 5. Received: input.shape={s}")
    return fns[n](input, ksize, strides, padding, data_format=data_format or _FORMATS[n], name=name)


def max_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Max pooling of 1-3 spatial dimensions, the rank from the input (TF 2's tf.nn.max_pool)."""
    return _pool_v2({1: max_pool1d, 2: max_pool2d, 3: max_pool3d}, input, ksize, strides, padding, data_format, name)


def avg_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling of 1-3 spatial dimensions, the rank from the input (TF 2's tf.nn.avg_pool)."""
    return _pool_v2({1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}, input, ksize, strides, padding, data_format, name)


def _known_shape(t, what):
    s = static_shape(t)
    if s is None or None in s:
        raise ValueError(f"{what} must have a shape known while building the graph, got {t.shape}")
    return tuple(s)


def _v2_args(input, filter, out_backprop):  # noqa: A002
    x = convert_to_tensor(input, name="input")
    return (x, convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter"),
            convert_to_tensor(out_backprop, dtype=x.dtype.base_dtype, name="out_backprop"))


def conv2d_backprop_filter_v2(input, filter, out_backprop, strides, padding, use_cudnn_on_gpu=True,  # noqa: A002
                              explicit_paddings=(), data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """conv2d's filter gradient for a filter shaped like `filter` (TF's Conv2DBackpropFilterV2)."""
    with name_scope(name, "Conv2DBackpropFilterV2", [input, filter, out_backprop]) as scope:
        x, w, dy = _v2_args(input, filter, out_backprop)
        return backprop_filter(x, dy, _known_shape(w, "filter"), _attrs(2, strides, dilations,
                                                                         explicit_paddings or padding, data_format),
                               scope)


def conv2d_backprop_input_v2(input, filter, out_backprop, strides, padding, use_cudnn_on_gpu=True,  # noqa: A002
                             explicit_paddings=(), data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """conv2d's input gradient for an input shaped like `input` (TF's Conv2DBackpropInputV2)."""
    with name_scope(name, "Conv2DBackpropInputV2", [input, filter, out_backprop]) as scope:
        x, w, dy = _v2_args(input, filter, out_backprop)
        return backprop_input(dy, w, x, _attrs(2, strides, dilations, explicit_paddings or padding, data_format),
                              scope)


def conv3d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, data_format="NDHWC",  # noqa: A002
                           dilations=(1, 1, 1, 1, 1), name=None):
    """conv3d's filter gradient for a filter of `filter_sizes` (known while building)."""
    with name_scope(name, "Conv3DBackpropFilterV2", [input, out_backprop]) as scope:
        x = convert_to_tensor(input, name="input")
        dy = convert_to_tensor(out_backprop, dtype=x.dtype.base_dtype, name="out_backprop")
        return backprop_filter(x, dy, _static_ints(filter_sizes, "filter_sizes"),
                               _attrs(3, strides, dilations, padding, data_format), scope, label="Conv3DBackpropFilter")


conv3d_backprop_filter_v2 = conv3d_backprop_filter


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                                            data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """depthwise_conv2d's filter gradient, [kh, kw, C, M] = filter_sizes."""
    with name_scope(name, "DepthwiseConv2dNativeBackpropFilter", [input, out_backprop]) as scope:
        kh, kw, c, m = _static_ints(filter_sizes, "filter_sizes")
        x = convert_to_tensor(input, name="input")
        dy = convert_to_tensor(out_backprop, dtype=x.dtype.base_dtype, name="out_backprop")
        grouped = backprop_filter(x, dy, (kh, kw, 1, c * m), _attrs(2, strides, dilations, padding, data_format),
                                  label="DepthwiseConv2dNativeBackpropFilter")
        return reshape(grouped, [kh, kw, c, m], name=scope)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                                           data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """depthwise_conv2d's input gradient for an input of `input_sizes`."""
    with name_scope(name, "DepthwiseConv2dNativeBackpropInput", [filter, out_backprop]) as scope:
        dy = convert_to_tensor(out_backprop, name="out_backprop")
        w = convert_to_tensor(filter, dtype=dy.dtype.base_dtype, name="filter")
        kh, kw, c, m = _known_shape(w, "filter")
        return backprop_input_from_sizes(dy, reshape(w, [kh, kw, 1, c * m]), input_sizes,
                                         _attrs(2, strides, dilations, padding, data_format), scope,
                                         label="DepthwiseConv2dNativeBackpropInput")


depthwise_conv2d_backprop_filter = depthwise_conv2d_native_backprop_filter
depthwise_conv2d_backprop_input = depthwise_conv2d_native_backprop_input


def with_space_to_batch(input, dilation_rate, padding, op, filter_shape=None, spatial_dims=None,  # noqa: A002
                        data_format=None):
    """`op(converted, num_spatial_dims, padding)` on space_to_batch_nd(input) by `dilation_rate`, then
    batch_to_space_nd back: a dilated op from an undilated one, as TF builds atrous convolutions. The spatial
    dimensions are 1..N (channels last) and their sizes are known while building."""
    x = convert_to_tensor(input, name="input")
    rate = _static_ints(dilation_rate, "dilation_rate")
    n = len(rate)
    if spatial_dims is not None and list(spatial_dims) != list(range(1, n + 1)):
        raise NotImplementedError("with_space_to_batch supports the spatial dimensions 1..N (channels last)")
    if data_format is not None and data_format.startswith("NC"):
        raise NotImplementedError("with_space_to_batch supports channels-last data formats")
    if any(r < 1 for r in rate):
        raise ValueError(f"dilation_rate must be positive, got {list(rate)}")
    if all(r == 1 for r in rate):
        return op(x, n, padding)
    if padding == "SAME":
        if filter_shape is None:
            raise ValueError("filter_shape must be specified for SAME padding")
        extra = [(k - 1) * r for k, r in zip(_static_ints(filter_shape, "filter_shape"), rate)]
        base = [[e // 2, e - e // 2] for e in extra]
    elif padding == "VALID":
        base = [[0, 0]] * n
    else:
        raise ValueError(f"Invalid padding method {padding!r}")
    sizes = _known_shape(x, "input")[1:n + 1]
    paddings, crops = required_space_to_batch_paddings(list(sizes), list(rate), base_paddings=base)
    converted = space_to_batch_nd(x, list(rate), paddings)
    return batch_to_space_nd(op(converted, n, "VALID"), list(rate), crops)
