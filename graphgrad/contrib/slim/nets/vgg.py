"""`slim.nets.vgg`: VGG-A (11 layers), VGG-16 and VGG-19 (Simonyan & Zisserman 2014) as TF-Slim builds them,
with its variable names (`vgg_16/conv1/conv1_1/weights`, ..., `vgg_16/fc8/biases`), so the published slim
checkpoints restore into them. The fully connected layers are convolutions (fc6 7x7 VALID): inputs of 224x224
give [batch, num_classes] logits (`spatial_squeeze`), larger ones a map of them.

    with slim.arg_scope(vgg.vgg_arg_scope()):
        logits, end_points = vgg.vgg_16(images, num_classes=1000, is_training=False)
"""
from __future__ import annotations

from ....nn import relu
from ....ops import init_ops
from ....regularizers import l2_regularizer
from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from ._common import fc_head

__all__ = ["vgg_arg_scope", "vgg_a", "vgg_16", "vgg_19", "vgg_d", "vgg_e"]


def vgg_arg_scope(weight_decay=0.0005):
    """ReLU, L2 weight decay, zero biases, SAME convolutions."""
    with arg_scope([layers.conv2d, layers.fully_connected], activation_fn=relu,
                   weights_regularizer=l2_regularizer(weight_decay), biases_initializer=init_ops.zeros_initializer()):
        with arg_scope([layers.conv2d], padding="SAME") as sc:
            return sc


def _vgg(inputs, repeats, num_classes, is_training, dropout_keep_prob, spatial_squeeze, scope, default,
         collection_from_name=False):
    with variable_scope(scope, default, [inputs]) as sc:
        # VGG-A and VGG-16 name the collection after the name scope ('vgg_16/_end_points'), VGG-19 after the scope
        collection = sc.name + "_end_points" if collection_from_name else sc.original_name_scope + "_end_points"
        with arg_scope([layers.conv2d, layers.fully_connected, layers.max_pool2d], outputs_collections=collection):
            net = inputs
            for i, (n, width) in enumerate(zip(repeats, (64, 128, 256, 512, 512)), 1):
                net = layers.repeat(net, n, layers.conv2d, width, [3, 3], scope=f"conv{i}")
                net = layers.max_pool2d(net, [2, 2], scope=f"pool{i}")
            return fc_head(net, sc, collection, num_classes, is_training, dropout_keep_prob, spatial_squeeze,
                           fc6=(4096, [7, 7]))


def vgg_a(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True, scope="vgg_a"):
    """VGG configuration A: 8 convolutions (1, 1, 2, 2, 2 per block) and 3 fully connected layers."""
    return _vgg(inputs, (1, 1, 2, 2, 2), num_classes, is_training, dropout_keep_prob, spatial_squeeze, scope,
                "vgg_a")


def vgg_16(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True,
           scope="vgg_16"):
    """VGG configuration D: 13 convolutions (2, 2, 3, 3, 3 per block) and 3 fully connected layers."""
    return _vgg(inputs, (2, 2, 3, 3, 3), num_classes, is_training, dropout_keep_prob, spatial_squeeze, scope,
                "vgg_16")


def vgg_19(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True,
           scope="vgg_19"):
    """VGG configuration E: 16 convolutions (2, 2, 4, 4, 4 per block) and 3 fully connected layers."""
    return _vgg(inputs, (2, 2, 4, 4, 4), num_classes, is_training, dropout_keep_prob, spatial_squeeze, scope,
                "vgg_19", collection_from_name=True)


vgg_a.default_image_size = vgg_16.default_image_size = vgg_19.default_image_size = 224
vgg_d, vgg_e = vgg_16, vgg_19
