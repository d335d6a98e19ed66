"""`slim.nets.alexnet`: AlexNet v2 ("One weird trick", Krizhevsky 2014) as TF-Slim builds it, with its variable
names (`alexnet_v2/conv1/weights`, ...); 224x224 inputs give [batch, num_classes] logits."""
from __future__ import annotations

from ....ops import init_ops
from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from ._common import conv_net_arg_scope, fc_head, trunc_normal

__all__ = ["alexnet_v2", "alexnet_v2_arg_scope"]


def alexnet_v2_arg_scope(weight_decay=0.0005):
    """ReLU, biases 0.1, L2 weight decay, SAME convolutions, VALID pooling."""
    return conv_net_arg_scope(weight_decay, init_ops.constant_initializer(0.1))


def alexnet_v2(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True,
               scope="alexnet_v2"):
    with variable_scope(scope, "alexnet_v2", [inputs]) as sc:
        collection = sc.original_name_scope + "_end_points"
        with arg_scope([layers.conv2d, layers.fully_connected, layers.max_pool2d],
                       outputs_collections=[collection]):
            net = layers.conv2d(inputs, 64, [11, 11], 4, padding="VALID", scope="conv1")
            net = layers.max_pool2d(net, [3, 3], 2, scope="pool1")
            net = layers.conv2d(net, 192, [5, 5], scope="conv2")
            net = layers.max_pool2d(net, [3, 3], 2, scope="pool2")
            net = layers.conv2d(net, 384, [3, 3], scope="conv3")
            net = layers.conv2d(net, 384, [3, 3], scope="conv4")
            net = layers.conv2d(net, 256, [3, 3], scope="conv5")
            net = layers.max_pool2d(net, [3, 3], 2, scope="pool5")
            with arg_scope([layers.conv2d], weights_initializer=trunc_normal(0.005),
                           biases_initializer=init_ops.constant_initializer(0.1)):
                return fc_head(net, sc, collection, num_classes, is_training, dropout_keep_prob, spatial_squeeze,
                               fc6=(4096, [5, 5]), fc8_biases=init_ops.zeros_initializer())


alexnet_v2.default_image_size = 224
