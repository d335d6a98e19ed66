"""`slim.nets.overfeat`: OverFeat (Sermanet et al. 2013) as TF-Slim builds it, with its variable names
(`overfeat/conv1/weights`, ...); 231x231 inputs give [batch, num_classes] logits."""
from __future__ import annotations

from ....ops import init_ops
from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from ._common import conv_net_arg_scope, fc_head, trunc_normal

__all__ = ["overfeat", "overfeat_arg_scope"]


def overfeat_arg_scope(weight_decay=0.0005):
    """ReLU, L2 weight decay, zero biases, SAME convolutions, VALID pooling."""
    return conv_net_arg_scope(weight_decay, init_ops.zeros_initializer())


def overfeat(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True,
             scope="overfeat"):
    with variable_scope(scope, "overfeat", [inputs]) as sc:
        collection = sc.name + "_end_points"
        with arg_scope([layers.conv2d, layers.fully_connected, layers.max_pool2d], outputs_collections=collection):
            net = layers.conv2d(inputs, 64, [11, 11], 4, padding="VALID", scope="conv1")
            net = layers.max_pool2d(net, [2, 2], scope="pool1")
            net = layers.conv2d(net, 256, [5, 5], padding="VALID", scope="conv2")
            net = layers.max_pool2d(net, [2, 2], scope="pool2")
            net = layers.conv2d(net, 512, [3, 3], scope="conv3")
            net = layers.conv2d(net, 1024, [3, 3], scope="conv4")
            net = layers.conv2d(net, 1024, [3, 3], scope="conv5")
            net = layers.max_pool2d(net, [2, 2], scope="pool5")
            with arg_scope([layers.conv2d], weights_initializer=trunc_normal(0.005),
                           biases_initializer=init_ops.constant_initializer(0.1)):
                return fc_head(net, sc, collection, num_classes, is_training, dropout_keep_prob, spatial_squeeze,
                               fc6=(3072, [6, 6]), fc8_biases=init_ops.zeros_initializer())


overfeat.default_image_size = 231
