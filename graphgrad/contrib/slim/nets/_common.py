"""What the classic slim nets share: the convolutional "fully connected" head and the end points."""
from __future__ import annotations

from ....nn import relu
from ....ops import array_ops, init_ops
from ....regularizers import l2_regularizer
from ... import layers
from ...framework import arg_scope
from ..utils import convert_collection_to_dict


def trunc_normal(stddev):
    return init_ops.truncated_normal_initializer(0.0, stddev)


def conv_net_arg_scope(weight_decay, biases_initializer):
    """ReLU, L2 weight decay and `biases_initializer` for convolutions and dense layers, SAME convolutions, VALID
    pooling: AlexNet's and OverFeat's defaults."""
    with arg_scope([layers.conv2d, layers.fully_connected], activation_fn=relu,
                   weights_regularizer=l2_regularizer(weight_decay), biases_initializer=biases_initializer):
        with arg_scope([layers.conv2d], padding="SAME"):
            with arg_scope([layers.max_pool2d], padding="VALID") as sc:
                return sc


def fc_head(net, sc, collection, num_classes, is_training, dropout_keep_prob, spatial_squeeze, fc6, fc7=4096,
            fc8_biases=None):
    """fc6 (a VALID convolution of `fc6` = (outputs, kernel)), dropout6, fc7 (1x1), dropout7, fc8 (1x1, linear);
    returns (logits, end points), the logits squeezed to [batch, num_classes] under `spatial_squeeze`."""
    net = layers.conv2d(net, fc6[0], fc6[1], padding="VALID", scope="fc6")
    net = layers.dropout(net, dropout_keep_prob, is_training=is_training, scope="dropout6")
    net = layers.conv2d(net, fc7, [1, 1], scope="fc7")
    net = layers.dropout(net, dropout_keep_prob, is_training=is_training, scope="dropout7")
    extra = {} if fc8_biases is None else {"biases_initializer": fc8_biases}
    net = layers.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None, scope="fc8", **extra)
    end_points = convert_collection_to_dict(collection)
    if spatial_squeeze:
        net = array_ops.squeeze(net, [1, 2], name="fc8/squeezed")
        end_points[sc.name + "/fc8"] = net
    return net, end_points
