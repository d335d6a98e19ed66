"""`slim.nets.inception_v2`: Inception v2 (Ioffe & Szegedy 2015, "Batch Normalization") as TF-Slim builds it — a
depthwise-separable 7x7 stem, 3x3 pairs in place of 5x5 — with its variable names, so the published
`inception_v2.ckpt` restores into it. `depth_multiplier` / `min_depth` thin every layer."""
from __future__ import annotations

from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from .inception_utils import (
    avg_pool,
    build_base,
    classifier_head,
    conv,
    depth_fn,
    max_pool,
    mixed,
    reduced_kernel_size_for_small_input,
    slim_v1_arg_scope,
    trunc_normal,
)

__all__ = ["inception_v2", "inception_v2_arg_scope", "inception_v2_base"]


def _narrow(depth, kernel, scope):
    """A 1x1 reduction before a larger convolution: TF-Slim initializes these with stddev 0.09."""
    return conv(depth, kernel, scope, weights_initializer=trunc_normal(0.09))


def _mixed(a, b1, b2, c1, c2, d, pool=avg_pool, pool_scope="AvgPool_0a_3x3"):
    return mixed([conv(a, [1, 1], "Conv2d_0a_1x1")],
                 [_narrow(b1, [1, 1], "Conv2d_0a_1x1"), conv(b2, [3, 3], "Conv2d_0b_3x3")],
                 [_narrow(c1, [1, 1], "Conv2d_0a_1x1"), conv(c2, [3, 3], "Conv2d_0b_3x3"),
                  conv(c2, [3, 3], "Conv2d_0c_3x3")],
                 [pool([3, 3], pool_scope), conv(d, [1, 1], "Conv2d_0b_1x1", weights_initializer=trunc_normal(0.1))])


def _reduction(a1, a2, b1, b2):
    return mixed([_narrow(a1, [1, 1], "Conv2d_0a_1x1"), conv(a2, [3, 3], "Conv2d_1a_3x3", stride=2)],
                 [_narrow(b1, [1, 1], "Conv2d_0a_1x1"), conv(b2, [3, 3], "Conv2d_0b_3x3"),
                  conv(b2, [3, 3], "Conv2d_1a_3x3", stride=2)],
                 [max_pool([3, 3], "MaxPool_1a_3x3", stride=2)])


def _stem(net, d, scope):
    """A separable 7x7/2 convolution whose depthwise part has min(depth(64) / 3, 8) filters per channel."""
    return layers.separable_conv2d(net, d(64), [7, 7], depth_multiplier=min(int(d(64) / 3), 8), stride=2,
                                   weights_initializer=trunc_normal(1.0), scope=scope)


_STAGES = [
    ("Conv2d_1a_7x7", _stem),
    ("MaxPool_2a_3x3", max_pool([3, 3], stride=2)),
    ("Conv2d_2b_1x1", conv(64, [1, 1], weights_initializer=trunc_normal(0.1))),
    ("Conv2d_2c_3x3", conv(192, [3, 3])),
    ("MaxPool_3a_3x3", max_pool([3, 3], stride=2)),
    ("Mixed_3b", _mixed(64, 64, 64, 64, 96, 32)),
    ("Mixed_3c", _mixed(64, 64, 96, 64, 96, 64)),
    ("Mixed_4a", _reduction(128, 160, 64, 96)),
    ("Mixed_4b", _mixed(224, 64, 96, 96, 128, 128)),
    ("Mixed_4c", _mixed(192, 96, 128, 96, 128, 128)),
    ("Mixed_4d", _mixed(160, 128, 160, 128, 160, 96)),
    ("Mixed_4e", _mixed(96, 128, 192, 160, 192, 96)),
    ("Mixed_5a", _reduction(128, 192, 192, 256)),
    ("Mixed_5b", _mixed(352, 192, 320, 160, 224, 128)),
    ("Mixed_5c", _mixed(352, 192, 320, 192, 224, 128, pool=max_pool, pool_scope="MaxPool_0a_3x3")),
]


def inception_v2_base(inputs, final_endpoint="Mixed_5c", min_depth=16, depth_multiplier=1.0, scope=None):
    """The convolutional trunk up to `final_endpoint` ('Conv2d_1a_7x7' ... 'Mixed_5c'); returns
    (net, end_points)."""
    depth = depth_fn(depth_multiplier, min_depth)
    with variable_scope(scope, "InceptionV2", [inputs]):
        with arg_scope([layers.conv2d, layers.max_pool2d, layers.avg_pool2d, layers.separable_conv2d], stride=1,
                       padding="SAME"):
            return build_base(inputs, _STAGES, final_endpoint, depth)


def inception_v2(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.8, min_depth=16,
                 depth_multiplier=1.0, prediction_fn=layers.softmax, spatial_squeeze=True, reuse=None,
                 scope="InceptionV2", global_pool=False):
    """The trunk, an average pool of up to 7x7 (`global_pool`: the mean), dropout and 1x1 logits; returns
    (logits, end_points); `num_classes` 0 or None returns the pooled features."""
    depth_fn(depth_multiplier, min_depth)
    with variable_scope(scope, "InceptionV2", [inputs], reuse=reuse) as sc:
        with arg_scope([layers.batch_norm, layers.dropout], is_training=is_training):
            net, end_points = inception_v2_base(inputs, scope=sc, min_depth=min_depth,
                                                depth_multiplier=depth_multiplier)
            kernel_size = reduced_kernel_size_for_small_input(net, [7, 7])
            net = classifier_head(net, end_points, num_classes, global_pool, kernel_size,
                                  "AvgPool_1a_{}x{}".format(*kernel_size), dropout_keep_prob, "Dropout_1b",
                                  "Conv2d_1c_1x1", spatial_squeeze, prediction_fn)
    return net, end_points


inception_v2.default_image_size = 224


def inception_v2_arg_scope(weight_decay=0.00004, batch_norm_var_collection="moving_vars"):
    """ReLU, He weights, L2 decay and batch norm (decay 0.9997, epsilon 0.001) after every convolution."""
    return slim_v1_arg_scope(weight_decay, batch_norm_var_collection)
