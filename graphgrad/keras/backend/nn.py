"""Keras' neural-network functions over tf.nn: activations, cross-entropies (`from_logits`, or the logits under a
softmax / sigmoid op), dropout, normalization, convolutions and pooling in `image_data_format`, locally connected
convolutions, image resizing and random tensors."""
from __future__ import annotations

import itertools

import numpy as np

from ... import image as _image
from ... import nn as _nn
from ...framework import dtypes
from ...ops import array_ops, nd_ops, random_ops
from ...ops import math_ops as M
from ...ops.core import convert_to_tensor, ones_like, zeros_like
from ...ops.select_ops import where, where_v2
from .config import epsilon, floatx, normalize_data_format
from .math import batch_dot, concatenate, permute_dimensions, repeat_elements, reshape, temporal_padding
from .session import executing_eagerly
from .variables import _seed, cast, int_shape, ndim, shape


# --- activations ---------------------------------------------------------------------------------------------
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with a slope `alpha` below `threshold`, capped at `max_value` (Keras' generalized ReLU)."""
    if alpha != 0.0 and max_value is None and threshold == 0:
        return _nn.leaky_relu(x, alpha=alpha)
    if alpha != 0.0:
        negative_part = _nn.relu(-x + threshold) if threshold != 0 else _nn.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * M.cast(M.greater(x, threshold), x.dtype.base_dtype)
    elif max_value == 6:
        x, clip_max = _nn.relu6(x), False
    else:
        x = _nn.relu(x)
    if clip_max:
        dtype = x.dtype.base_dtype
        x = M.clip_by_value(x, M.cast(0, dtype), M.cast(max_value, dtype))
    if alpha != 0.0:
        x -= M.cast(alpha, x.dtype.base_dtype) * negative_part
    return x


def elu(x, alpha=1.0):
    res = _nn.elu(x)
    return res if alpha == 1 else where_v2(x > 0, res, alpha * res)


def softmax(x, axis=-1):
    if x.shape.ndims is not None and x.shape.ndims <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    return _nn.softmax(x, axis=axis)


def softplus(x):
    return _nn.softplus(x)


def softsign(x):
    return _nn.softsign(x)


sigmoid, tanh = M.sigmoid, M.tanh  # graphgrad's own: Keras' take the same arguments


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1)."""
    return M.clip_by_value(x * M.cast(0.2, x.dtype.base_dtype) + M.cast(0.5, x.dtype.base_dtype), 0.0, 1.0)


# --- cross-entropies ---------------------------------------------------------------------------------------
def _logits(output, from_logits, op_type):
    """(logits or probabilities, whether they are logits): in graph mode the input of a `op_type` op (Softmax,
    Sigmoid) stands for its output, as tf.keras takes it; an eager tensor's op is no graph to read from."""
    op = None if executing_eagerly() else getattr(output, "op", None)
    if op is not None and getattr(op, "type", None) == op_type and len(op.inputs) == 1:
        return op.inputs[0], True
    return output, from_logits


def _clipped(output):
    eps = M.cast(epsilon(), output.dtype.base_dtype)
    return M.clip_by_value(output, eps, 1.0 - eps)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy (not averaged); probabilities are clipped to [eps, 1 - eps]."""
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    output, from_logits = _logits(output, from_logits, "Sigmoid")
    if from_logits:
        return _nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    output = _clipped(output)
    bce = target * M.log(output + epsilon())
    bce += (1 - target) * M.log(1 - output + epsilon())
    return -bce


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of one-hot `target` along `axis`; probabilities are renormalized, then clipped."""
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    target.shape.assert_is_compatible_with(output.shape)
    output, from_logits = _logits(output, from_logits, "Softmax")
    if from_logits:
        return _nn.softmax_cross_entropy_with_logits_v2(labels=target, logits=output, axis=axis)
    output = _clipped(output / M.reduce_sum(output, axis, True))
    return -M.reduce_sum(target * M.log(output), axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, ignore_class=None):
    """Cross-entropy of integer `target`; outputs of rank 3 or more are flattened and the result reshaped back
    (to the output's shape without its last axis).
    Targets equal to `ignore_class` get a loss of 0."""
    target, output = cast(convert_to_tensor(target), "int64"), convert_to_tensor(output)
    output, from_logits = _logits(output, from_logits, "Softmax")
    if not from_logits:
        output = M.log(_clipped(output))
    rank = output.shape.ndims
    if rank is not None:
        axis %= rank
        if axis != rank - 1:
            output = array_ops.transpose(output, [*range(axis), *range(axis + 1, rank), axis])
    elif axis != -1:
        raise ValueError(f"Cannot compute sparse categorical crossentropy with `axis={axis}` on an output tensor "
                         "with unknown rank")
    output_shape = shape(output)
    target_rank = target.shape.ndims
    # a target of unknown rank (Keras' target placeholder) is read flat too: (batch, time, 1) or (batch, time)
    update_shape = rank is not None and (target_rank is None or target_rank != rank - 1)
    if update_shape:
        target = array_ops.reshape(target, [-1])
        output = array_ops.reshape(output, [-1, output_shape[-1]])
    if ignore_class is not None:  # the loss of the valid targets only, scattered back among zeros
        valid = M.not_equal(target, M.cast(ignore_class, target.dtype))
        target, output = array_ops.boolean_mask(target, valid), array_ops.boolean_mask(output, valid)
    res = _nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if ignore_class is not None:
        res_shape = M.cast(output_shape[:-1], dtypes.int64)
        return nd_ops.scatter_nd(where(array_ops.reshape(valid, res_shape)), res, res_shape)
    if update_shape and rank >= 3:
        res = array_ops.reshape(res, output_shape[:-1])
    return res


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False):
    """Binary cross-entropy scaled by (1 - p_t) ** gamma, and by alpha / 1 - alpha with class balancing."""
    sigmoidal = M.sigmoid(output) if from_logits else output
    p_t = target * sigmoidal + (1 - target) * (1 - sigmoidal)
    focal = M.pow(1.0 - p_t, gamma) * binary_crossentropy(target, output, from_logits=from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1 - target) * (1 - alpha)) * focal
    return focal


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False, axis=-1):
    """Categorical cross-entropy per class scaled by alpha (1 - p) ** gamma, summed along `axis`."""
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    target.shape.assert_is_compatible_with(output.shape)
    output, from_logits = _logits(output, from_logits, "Softmax")
    if from_logits:
        output = _nn.softmax(output, axis=axis)
    output = _clipped(output / M.reduce_sum(output, axis=axis, keepdims=True))
    cce = -target * M.log(output)
    return M.reduce_sum(M.pow(1.0 - output, gamma) * alpha * cce, axis=axis)


# --- dropout and normalization -------------------------------------------------------------------------------
def dropout(x, level, noise_shape=None, seed=None):
    """Inverted dropout at rate `level` (always applied: wrap in `in_train_phase` for training only)."""
    return _nn.dropout(x, rate=level, noise_shape=noise_shape, seed=_seed(seed, 10e6))


def l2_normalize(x, axis=None):
    return _nn.l2_normalize(x, axis=axis)


def in_top_k(predictions, targets, k):
    return _nn.in_top_k(predictions, targets, k)


def bias_add(x, bias, data_format=None):
    """`x + bias` along the channels axis of `data_format`; a bias of rank ndim(x) - 1 is added per position."""
    data_format = normalize_data_format(data_format)
    bias_shape = int_shape(bias)
    if len(bias_shape) != 1 and len(bias_shape) != ndim(x) - 1:
        raise ValueError(f"Unexpected bias dimensions {len(bias_shape)}, expect to be 1 or {ndim(x) - 1} dimensions")
    if len(bias_shape) == 1:
        return _nn.bias_add(x, bias, data_format="NCHW" if data_format == "channels_first" else "NHWC")
    if ndim(x) in (3, 4, 5):
        if data_format == "channels_first":
            return x + reshape(bias, (1, bias_shape[-1]) + bias_shape[:-1])
        return x + reshape(bias, (1,) + bias_shape)
    return _nn.bias_add(x, bias)


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, with None for no scale or offset."""
    if ndim(x) == 4 and axis in (1, -3, 3, -1):
        flat = [None if t is None else (reshape(t, [-1]) if ndim(t) > 1 else t) for t in (mean, var, beta, gamma)]
        mean, var, beta, gamma = flat
        beta = zeros_like(mean) if beta is None else beta
        gamma = ones_like(mean) if gamma is None else gamma
        y, _, _ = _nn.fused_batch_norm(x, gamma, beta, epsilon=epsilon, mean=mean, variance=var, is_training=False,
                                       data_format="NCHW" if axis in (1, -3) else "NHWC")
        return y
    return _nn.batch_normalization(x, mean, var, beta, gamma, epsilon)


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """(normalized x, batch mean, batch variance) over `reduction_axes`. Images normalized per channel (4-D, axes
    [0, 1, 2]) go through the fused batch norm as in Keras, whose variance is the unbiased (n - 1) one."""
    if ndim(x) == 4 and list(reduction_axes) == [0, 1, 2]:
        channels = [x.shape.as_list()[3]]
        gamma = array_ops.ones(channels, x.dtype.base_dtype) if gamma is None else gamma
        beta = array_ops.zeros(channels, x.dtype.base_dtype) if beta is None else beta
        return _nn.fused_batch_norm(x, gamma, beta, epsilon=epsilon)
    mean, var = _nn.moments(x, reduction_axes, None, None, False)
    if sorted(reduction_axes) == list(range(ndim(x)))[:-1]:
        return _nn.batch_normalization(x, mean, var, beta, gamma, epsilon), mean, var
    target = array_ops.stack([1 if axis in reduction_axes else shape(x)[axis] for axis in range(ndim(x))])
    mean_b, var_b = reshape(mean, target), reshape(var, target)
    gamma_b = None if gamma is None else reshape(gamma, target)
    beta_b = None if beta is None else reshape(beta, target)
    return _nn.batch_normalization(x, mean_b, var_b, beta_b, gamma_b, epsilon), mean, var


# --- convolutions and pooling --------------------------------------------------------------------------------
_TF_FORMATS = {3: ("NWC", (0, 2, 1), (0, 2, 1)), 4: ("NHWC", (0, 2, 3, 1), (0, 3, 1, 2)),
               5: ("NDHWC", (0, 2, 3, 4, 1), (0, 4, 1, 2, 3))}


def _padding(padding):
    if padding not in ("same", "valid"):
        raise ValueError("Invalid padding: " + str(padding))
    return padding.upper()


def _channels_last(fn, x, data_format):
    """fn(x in channels_last) in `data_format`: channels_first inputs are transposed there and back (graphgrad's
    CPU kernels are channels_last, as TF's are without NCHW support)."""
    if normalize_data_format(data_format) == "channels_last":
        return fn(x)
    _, to_last, to_first = _TF_FORMATS[ndim(x)]
    return array_ops.transpose(fn(array_ops.transpose(x, to_last)), to_first)


def _window(values):
    return (1, *values, 1)


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution; `padding="causal"` pads only the start of the sequence."""
    if padding == "causal":
        x = temporal_padding(x, (dilation_rate * (kernel.shape.as_list()[0] - 1), 0))
        padding = "valid"
    pad = _padding(padding)
    return _channels_last(lambda t: _nn.convolution(t, kernel, padding=pad, strides=strides,
                                                    dilation_rate=dilation_rate), x, data_format)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    pad = _padding(padding)
    return _channels_last(lambda t: _nn.convolution(t, kernel, padding=pad, strides=strides,
                                                    dilation_rate=dilation_rate), x, data_format)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    pad = _padding(padding)
    return _channels_last(lambda t: _nn.convolution(t, kernel, padding=pad, strides=strides,
                                                    dilation_rate=dilation_rate), x, data_format)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """The transpose of conv2d to `output_shape` (batch first; None for the batch size of `x`)."""
    pad = _padding(padding)
    if normalize_data_format(data_format) == "channels_first":
        output_shape = (output_shape[0], output_shape[2], output_shape[3], output_shape[1])
    if tuple(dilation_rate) != (1, 1) and dilation_rate[0] != dilation_rate[1]:
        raise ValueError("Expected the 2 dimensions of the `dilation_rate` argument to be equal to each other. "
                         f"Received: dilation_rate={dilation_rate}")

    def fn(t):
        out = array_ops.stack([shape(t)[0] if output_shape[0] is None else output_shape[0], *output_shape[1:]])
        if tuple(dilation_rate) == (1, 1):
            return _nn.conv2d_transpose(t, kernel, out, _window(strides), padding=pad)
        return _nn.atrous_conv2d_transpose(t, kernel, out, rate=dilation_rate[0], padding=pad)
    return _channels_last(fn, x, data_format)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    if len(strides) != 2:
        raise ValueError("`strides` must be a tuple of 2 integers.")
    pad = _padding(padding)
    return _channels_last(lambda t: _nn.separable_conv2d(t, depthwise_kernel, pointwise_kernel, _window(strides),
                                                         pad, dilations=dilation_rate), x, data_format)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    pad = _padding(padding)
    return _channels_last(lambda t: _nn.depthwise_conv2d(t, depthwise_kernel, _window(strides), pad,
                                                         dilations=dilation_rate), x, data_format)


def _pool(x, pool_size, strides, padding, data_format, pool_mode, max_fn, avg_fn):
    if pool_mode not in ("max", "avg"):
        raise ValueError("Invalid pooling mode: " + str(pool_mode))
    pad, fn = _padding(padding), max_fn if pool_mode == "max" else avg_fn
    return _channels_last(lambda t: fn(t, _window(pool_size), _window(strides), pad), x, data_format)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    normalize_data_format(data_format)
    if len(pool_size) != 2:
        raise ValueError("`pool_size` must be a tuple of 2 integers.")
    if len(strides) != 2:
        raise ValueError("`strides` must be a tuple of 2 integers.")
    return _pool(x, tuple(pool_size), tuple(strides), padding, data_format, pool_mode, _nn.max_pool, _nn.avg_pool)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    return _pool(x, tuple(pool_size), tuple(strides), padding, data_format, pool_mode, _nn.max_pool3d,
                 _nn.avg_pool3d)


def local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """A convolution with separate weights per output position (Keras' LocallyConnected): each patch flattened,
    all patches multiplied by their own kernel slice in one batch_dot. `kernel` is (positions, patch size,
    filters)."""
    data_format = normalize_data_format(data_format)
    feature_dim, channels_out = int_shape(kernel)[1], int_shape(kernel)[-1]
    dims = list(range(len(output_shape)))
    patches = []
    for position in itertools.product(*[range(n) for n in output_shape]):
        window = [slice(p * s, p * s + k) for p, s, k in zip(position, strides, kernel_size)]
        index = [slice(None), *window, slice(None)] if data_format == "channels_last" else \
            [slice(None), slice(None), *window]
        patches.append(reshape(inputs[tuple(index)], (1, -1, feature_dim)))
    out = reshape(batch_dot(concatenate(patches, axis=0), kernel), tuple(output_shape) + (-1, channels_out))
    n = len(output_shape)
    return permute_dimensions(out, [n, n + 1, *dims] if data_format == "channels_first" else [n, *dims, n + 1])


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    return local_conv(inputs, kernel, kernel_size, strides, (kernel.shape.as_list()[0],), data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    return local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format)


# --- resizing ------------------------------------------------------------------------------------------------
_RESIZE = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5", "mitchellcubic", "nearest")


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Images scaled up by integer factors (TF2's half-pixel `tf.image.resize`, as Keras 2 uses it)."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Invalid `data_format` argument: {data_format}")
    if interpolation not in _RESIZE:
        names = '"' + '", "'.join(_RESIZE) + '"'
        raise ValueError(f'`interpolation` argument should be one of: {names}. Received: "{interpolation}".')
    rows = 2 if data_format == "channels_first" else 1
    size = x.shape.as_list()[rows:rows + 2]
    if None in size:
        size = shape(x)[rows:rows + 2] * np.array([height_factor, width_factor], np.int32)
    else:
        size = [size[0] * height_factor, size[1] * width_factor]
    return _channels_last(lambda t: _image.resize_v2(t, size, method=interpolation), x, data_format)


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Volumes scaled up by repeating each voxel along depth, height and width."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Invalid data_format: " + str(data_format))
    first = 2 if data_format == "channels_first" else 1
    for axis, factor in zip(range(first, first + 3), (depth_factor, height_factor, width_factor)):
        x = repeat_elements(x, factor, axis=axis)
    return x


# --- random tensors --------------------------------------------------------------------------------------------
def _float(dtype):
    return dtypes.as_dtype(floatx() if dtype is None else dtype)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random_ops.random_normal(shape, mean=mean, stddev=stddev, dtype=_float(dtype), seed=_seed(seed, 10e6))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return random_ops.random_uniform(shape, minval=minval, maxval=maxval, dtype=_float(dtype),
                                     seed=_seed(seed, 10e6))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random_ops.truncated_normal(shape, mean, stddev, dtype=_float(dtype), seed=_seed(seed, 10e6))


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability `p`, else 0."""
    dtype = _float(dtype)
    return where_v2(random_ops.random_uniform(shape, dtype=dtype, seed=_seed(seed, 10e6)) <= p,
                    array_ops.ones(shape, dtype=dtype), array_ops.zeros(shape, dtype=dtype))


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Keras' older name of `random_bernoulli`."""
    return random_bernoulli(shape, p, dtype, seed)
