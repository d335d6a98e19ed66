"""`slim.nets.inception_v4`: Inception v4 (Szegedy et al. 2016, "Inception-v4, Inception-ResNet and the impact of
residual connections") as the TensorFlow models repository's research/slim builds it, with its variable names
(`InceptionV4/Mixed_6b/Branch_1/Conv2d_0b_1x7/weights`, ...), so the published `inception_v4.ckpt` (1001
classes) restores into it. 299x299 inputs (75x75 and up without the auxiliary head)."""
from __future__ import annotations

from ....nn import softmax
from ....ops import math_ops
from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from .inception_utils import avg_pool, block, build_base, conv, fork, inception_arg_scope, max_pool, mixed

__all__ = ["block_inception_a", "block_inception_b", "block_inception_c", "block_reduction_a", "block_reduction_b",
           "inception_v4", "inception_v4_arg_scope", "inception_v4_base"]

_VALID = {"padding": "VALID"}
_S2 = {"stride": 2, "padding": "VALID"}

block_inception_a = block(
    "BlockInceptionA", [conv(96, [1, 1], "Conv2d_0a_1x1")],
    [conv(64, [1, 1], "Conv2d_0a_1x1"), conv(96, [3, 3], "Conv2d_0b_3x3")],
    [conv(64, [1, 1], "Conv2d_0a_1x1"), conv(96, [3, 3], "Conv2d_0b_3x3"), conv(96, [3, 3], "Conv2d_0c_3x3")],
    [avg_pool([3, 3], "AvgPool_0a_3x3"), conv(96, [1, 1], "Conv2d_0b_1x1")])
block_reduction_a = block(
    "BlockReductionA", [conv(384, [3, 3], "Conv2d_1a_3x3", **_S2)],
    [conv(192, [1, 1], "Conv2d_0a_1x1"), conv(224, [3, 3], "Conv2d_0b_3x3"), conv(256, [3, 3], "Conv2d_1a_3x3", **_S2)],
    [max_pool([3, 3], "MaxPool_1a_3x3", **_S2)])
block_inception_b = block(
    "BlockInceptionB", [conv(384, [1, 1], "Conv2d_0a_1x1")],
    [conv(192, [1, 1], "Conv2d_0a_1x1"), conv(224, [1, 7], "Conv2d_0b_1x7"), conv(256, [7, 1], "Conv2d_0c_7x1")],
    [conv(192, [1, 1], "Conv2d_0a_1x1"), conv(192, [7, 1], "Conv2d_0b_7x1"), conv(224, [1, 7], "Conv2d_0c_1x7"),
     conv(224, [7, 1], "Conv2d_0d_7x1"), conv(256, [1, 7], "Conv2d_0e_1x7")],
    [avg_pool([3, 3], "AvgPool_0a_3x3"), conv(128, [1, 1], "Conv2d_0b_1x1")])
block_reduction_b = block(
    "BlockReductionB", [conv(192, [1, 1], "Conv2d_0a_1x1"), conv(192, [3, 3], "Conv2d_1a_3x3", **_S2)],
    [conv(256, [1, 1], "Conv2d_0a_1x1"), conv(256, [1, 7], "Conv2d_0b_1x7"), conv(320, [7, 1], "Conv2d_0c_7x1"),
     conv(320, [3, 3], "Conv2d_1a_3x3", **_S2)],
    [max_pool([3, 3], "MaxPool_1a_3x3", **_S2)])
block_inception_c = block(
    "BlockInceptionC", [conv(256, [1, 1], "Conv2d_0a_1x1")],
    [conv(384, [1, 1], "Conv2d_0a_1x1"), fork(conv(256, [1, 3], "Conv2d_0b_1x3"), conv(256, [3, 1], "Conv2d_0c_3x1"))],
    [conv(384, [1, 1], "Conv2d_0a_1x1"), conv(448, [3, 1], "Conv2d_0b_3x1"), conv(512, [1, 3], "Conv2d_0c_1x3"),
     fork(conv(256, [1, 3], "Conv2d_0d_1x3"), conv(256, [3, 1], "Conv2d_0e_3x1"))],
    [avg_pool([3, 3], "AvgPool_0a_3x3"), conv(256, [1, 1], "Conv2d_0b_1x1")])


def _repeat(block_fn, prefix, n):
    return [(f"{prefix}{chr(ord('b') + i)}", lambda net, d, stage: block_fn(net, stage)) for i in range(n)]


_STAGES = [
    ("Conv2d_1a_3x3", conv(32, [3, 3], stride=2, **_VALID)),
    ("Conv2d_2a_3x3", conv(32, [3, 3], **_VALID)),
    ("Conv2d_2b_3x3", conv(64, [3, 3])),
    ("Mixed_3a", mixed([max_pool([3, 3], "MaxPool_0a_3x3", **_S2)], [conv(96, [3, 3], "Conv2d_0a_3x3", **_S2)])),
    ("Mixed_4a", mixed([conv(64, [1, 1], "Conv2d_0a_1x1"), conv(96, [3, 3], "Conv2d_1a_3x3", **_VALID)],
                       [conv(64, [1, 1], "Conv2d_0a_1x1"), conv(64, [1, 7], "Conv2d_0b_1x7"),
                        conv(64, [7, 1], "Conv2d_0c_7x1"), conv(96, [3, 3], "Conv2d_1a_3x3", **_VALID)])),
    ("Mixed_5a", mixed([conv(192, [3, 3], "Conv2d_1a_3x3", **_S2)], [max_pool([3, 3], "MaxPool_1a_3x3", **_S2)])),
    *_repeat(block_inception_a, "Mixed_5", 4),
    ("Mixed_6a", lambda net, d, stage: block_reduction_a(net, stage)),
    *_repeat(block_inception_b, "Mixed_6", 7),
    ("Mixed_7a", lambda net, d, stage: block_reduction_b(net, stage)),
    *_repeat(block_inception_c, "Mixed_7", 3),
]
_POOLED = [layers.conv2d, layers.max_pool2d, layers.avg_pool2d]


def inception_v4_base(inputs, final_endpoint="Mixed_7d", scope=None):
    """The trunk up to `final_endpoint` ('Conv2d_1a_3x3' ... 'Mixed_7d'); returns (net, end_points)."""
    with variable_scope(scope, "InceptionV4", [inputs]):
        with arg_scope(_POOLED, stride=1, padding="SAME"):
            return build_base(inputs, _STAGES, final_endpoint)


def dense_head(net, end_points, num_classes, dropout_keep_prob, dropout_scope, pool_scope, is_training=True,
               flatten_first=False):
    """Inception v4's and Inception-ResNet v2's head, in the `Logits` scope: an average pool over the whole map
    (the mean when its size is unknown; end point 'global_pool'), dropout, flatten ('PreLogitsFlatten') and
    a dense layer 'Logits'; returns the pooled features when `num_classes` is 0 or None."""
    kernel_size = net.get_shape()[1:3]
    if kernel_size.is_fully_defined():
        net = layers.avg_pool2d(net, kernel_size.as_list(), padding="VALID", scope=pool_scope)
    else:
        net = math_ops.reduce_mean(net, [1, 2], keepdims=True, name="global_pool")
    end_points["global_pool"] = net
    if not num_classes:
        return net
    if flatten_first:
        net = layers.flatten(net)
        net = layers.dropout(net, dropout_keep_prob, is_training=is_training, scope=dropout_scope)
    else:
        net = layers.dropout(net, dropout_keep_prob, scope=dropout_scope)
        net = layers.flatten(net, scope="PreLogitsFlatten")
    end_points["PreLogitsFlatten"] = net
    logits = end_points["Logits"] = layers.fully_connected(net, num_classes, activation_fn=None, scope="Logits")
    end_points["Predictions"] = softmax(logits, name="Predictions")
    return logits


def dense_aux_logits(net, num_classes, pool_scope, conv_scope, logits_scope):
    """The auxiliary head, in the `AuxLogits` scope: 5x5/3 average pool, 1x1 convolution to 128, a VALID
    convolution over the whole map to 768, flatten, a dense layer to `num_classes`."""
    net = layers.avg_pool2d(net, [5, 5], stride=3, padding="VALID", scope=pool_scope)
    net = layers.conv2d(net, 128, [1, 1], scope="Conv2d_1b_1x1")
    net = layers.conv2d(net, 768, net.get_shape()[1:3].as_list(), padding="VALID", scope=conv_scope)
    net = layers.flatten(net)
    return layers.fully_connected(net, num_classes, activation_fn=None, scope=logits_scope)


def inception_v4(inputs, num_classes=1001, is_training=True, dropout_keep_prob=0.8, reuse=None, scope="InceptionV4",
                 create_aux_logits=True):
    """The trunk, the auxiliary head on Mixed_6h (`create_aux_logits`), average pooling, dropout and dense
    logits; returns (logits, end_points), or the pooled features when `num_classes` is 0 or None."""
    with variable_scope(scope, "InceptionV4", [inputs], reuse=reuse) as sc:
        with arg_scope([layers.batch_norm, layers.dropout], is_training=is_training):
            net, end_points = inception_v4_base(inputs, scope=sc)
            with arg_scope(_POOLED, stride=1, padding="SAME"):
                if create_aux_logits and num_classes:
                    with variable_scope("AuxLogits"):
                        end_points["AuxLogits"] = dense_aux_logits(end_points["Mixed_6h"], num_classes,
                                                                   "AvgPool_1a_5x5", "Conv2d_2a", "Aux_logits")
                with variable_scope("Logits"):
                    net = dense_head(net, end_points, num_classes, dropout_keep_prob, "Dropout_1b", "AvgPool_1a")
    return net, end_points


inception_v4.default_image_size = 299
inception_v4_arg_scope = inception_arg_scope
