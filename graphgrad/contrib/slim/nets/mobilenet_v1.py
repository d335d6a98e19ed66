"""`slim.nets.mobilenet_v1`: MobileNet v1 (Howard et al. 2017) as the TensorFlow models repository's research/slim
builds it — a 3x3 convolution, then depthwise separable convolutions (`slim.separable_conv2d(num_outputs=None)`
and a 1x1 convolution, each with batch norm and ReLU6) — with its variable names
(`MobilenetV1/Conv2d_1_depthwise/depthwise_weights`, ...), so the published MobileNet checkpoints restore into
it. `depth_multiplier` (0.25 ... 1) thins every layer; `conv_defs` replaces the body."""
from __future__ import annotations

import functools
from collections import namedtuple

from ....framework.graph import GraphKeys
from ....nn import relu6
from ....ops import array_ops, init_ops
from ....regularizers import l2_regularizer
from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from .inception_utils import classifier_head, depth_fn, reduced_kernel_size_for_small_input

__all__ = ["Conv", "DepthSepConv", "MOBILENETV1_CONV_DEFS", "mobilenet_v1", "mobilenet_v1_base",
           "mobilenet_v1_arg_scope", "mobilenet_v1_025", "mobilenet_v1_050", "mobilenet_v1_075"]

Conv = namedtuple("Conv", ["kernel", "stride", "depth"])
DepthSepConv = namedtuple("DepthSepConv", ["kernel", "stride", "depth"])
MOBILENETV1_CONV_DEFS = [Conv([3, 3], 2, 32)] + [DepthSepConv([3, 3], s, d) for s, d in (
    (1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512), (1, 512), (1, 512), (1, 512), (1, 512), (1, 512),
    (2, 1024), (1, 1024))]


def _fixed_padding(inputs, kernel_size, rate=1):
    """Zero padding that makes a VALID convolution of `kernel_size` (dilated by `rate`) keep SAME's size."""
    effective = kernel_size[0] + (kernel_size[0] - 1) * (rate - 1)
    begin, end = (effective - 1) // 2, effective - 1 - (effective - 1) // 2
    return array_ops.pad(inputs, [[0, 0], [begin, end], [begin, end], [0, 0]])


def mobilenet_v1_base(inputs, final_endpoint="Conv2d_13_pointwise", min_depth=8, depth_multiplier=1.0,
                      conv_defs=None, output_stride=None, use_explicit_padding=False, scope=None):
    """The layers of `conv_defs` up to `final_endpoint` ('Conv2d_0', 'Conv2d_1_depthwise', 'Conv2d_1_pointwise',
    ...); `output_stride` (8, 16, 32) keeps a denser map with atrous depthwise convolutions past it. Returns
    (net, end_points)."""
    depth = depth_fn(depth_multiplier, min_depth)
    conv_defs = MOBILENETV1_CONV_DEFS if conv_defs is None else conv_defs
    if output_stride is not None and output_stride not in (8, 16, 32):
        raise ValueError("Only allowed output_stride values are 8, 16, 32.")
    end_points = {}
    with variable_scope(scope, "MobilenetV1", [inputs]):
        with arg_scope([layers.conv2d, layers.separable_conv2d],
                       padding="VALID" if use_explicit_padding else "SAME"):
            current_stride, rate, net = 1, 1, inputs
            for i, conv_def in enumerate(conv_defs):
                if output_stride is not None and current_stride == output_stride:
                    layer_stride, layer_rate = 1, rate
                    rate *= conv_def.stride
                else:
                    layer_stride, layer_rate = conv_def.stride, 1
                    current_stride *= conv_def.stride
                if isinstance(conv_def, Conv):
                    if use_explicit_padding:
                        net = _fixed_padding(net, conv_def.kernel)
                    net = layers.conv2d(net, depth(conv_def.depth), conv_def.kernel, stride=conv_def.stride,
                                        scope=f"Conv2d_{i}")
                    steps = [(f"Conv2d_{i}", net)]
                elif isinstance(conv_def, DepthSepConv):
                    if use_explicit_padding:
                        net = _fixed_padding(net, conv_def.kernel, layer_rate)
                    net = layers.separable_conv2d(net, None, conv_def.kernel, depth_multiplier=1, stride=layer_stride,
                                                  rate=layer_rate, scope=f"Conv2d_{i}_depthwise")
                    steps = [(f"Conv2d_{i}_depthwise", net)]
                    if final_endpoint != steps[0][0]:
                        net = layers.conv2d(net, depth(conv_def.depth), [1, 1], stride=1, scope=f"Conv2d_{i}_pointwise")
                        steps.append((f"Conv2d_{i}_pointwise", net))
                else:
                    raise ValueError(f"Unknown convolution type {type(conv_def).__name__} for layer {i}")
                for name, tensor in steps:
                    end_points[name] = tensor
                    if name == final_endpoint:
                        return tensor, end_points
    raise ValueError(f"Unknown final endpoint {final_endpoint}")


def mobilenet_v1(inputs, num_classes=1000, dropout_keep_prob=0.999, is_training=True, min_depth=8,
                 depth_multiplier=1.0, conv_defs=None, prediction_fn=layers.softmax, spatial_squeeze=True, reuse=None,
                 scope="MobilenetV1", global_pool=False):
    """The body, an average pool of up to 7x7 ('AvgPool_1a'; `global_pool`: the mean), dropout and 1x1 logits;
    returns (logits, end_points), or the pooled features when `num_classes` is 0 or None."""
    shape = inputs.get_shape().as_list()
    if len(shape) != 4:
        raise ValueError(f"Invalid input tensor rank, expected 4, was: {len(shape)}")
    with variable_scope(scope, "MobilenetV1", [inputs], reuse=reuse) as sc:
        with arg_scope([layers.batch_norm, layers.dropout], is_training=is_training):
            net, end_points = mobilenet_v1_base(inputs, scope=sc, min_depth=min_depth,
                                                depth_multiplier=depth_multiplier, conv_defs=conv_defs)
            kernel_size = reduced_kernel_size_for_small_input(net, [7, 7])
            net = classifier_head(net, end_points, num_classes, global_pool, kernel_size, "AvgPool_1a",
                                  dropout_keep_prob, "Dropout_1b", "Conv2d_1c_1x1", spatial_squeeze, prediction_fn,
                                  pool_end_point="AvgPool_1a")
    return net, end_points


mobilenet_v1.default_image_size = 224


def _thinned(multiplier):
    fn = functools.partial(mobilenet_v1, depth_multiplier=multiplier)
    functools.update_wrapper(fn, mobilenet_v1)
    return fn


mobilenet_v1_075, mobilenet_v1_050, mobilenet_v1_025 = _thinned(0.75), _thinned(0.5), _thinned(0.25)


def mobilenet_v1_arg_scope(is_training=True, weight_decay=0.00004, stddev=0.09, regularize_depthwise=False,
                           batch_norm_decay=0.9997, batch_norm_epsilon=0.001,
                           batch_norm_updates_collections=GraphKeys.UPDATE_OPS, normalizer_fn=layers.batch_norm):
    """Truncated-normal weights, ReLU6 and batch norm (with gamma) after every layer, L2 decay on the 1x1 and
    full convolutions (on the depthwise ones too with `regularize_depthwise`)."""
    bn = {"center": True, "scale": True, "decay": batch_norm_decay, "epsilon": batch_norm_epsilon,
          "updates_collections": batch_norm_updates_collections}
    if is_training is not None:
        bn["is_training"] = is_training
    regularizer = l2_regularizer(weight_decay)
    with arg_scope([layers.conv2d, layers.separable_conv2d], weights_initializer=init_ops.truncated_normal_initializer(
            stddev=stddev), activation_fn=relu6, normalizer_fn=normalizer_fn):
        with arg_scope([layers.batch_norm], **bn):
            with arg_scope([layers.conv2d], weights_regularizer=regularizer):
                with arg_scope([layers.separable_conv2d],
                               weights_regularizer=regularizer if regularize_depthwise else None) as sc:
                    return sc
