"""Xception (Chollet, 2017) as tf_keras 2.21 builds it: separable convolutions in 14 blocks with residual
connections (the strided shortcuts are unnamed `conv2d`, `batch_normalization` layers, as in Keras); "tf"
preprocessing."""
from __future__ import annotations

from .. import layers
from . import imagenet_utils as iu

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
_FILES = {True: ("xception_weights_tf_dim_ordering_tf_kernels.h5", "0a58e3b7378bc2990ea3b43d5981f1f6"),
          False: ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5", "b0042744bf5b25fce3cb969f33bebb97")}


def _sep_bn(x, filters, name, axis):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=name + "_bn")(x)


def _down_block(x, filters, block, axis, first_act=True):
    """Two separable convolutions and a 3x3/2 max pooling, plus a strided 1x1 shortcut."""
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=axis)(residual)
    if first_act:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sep_bn(x, filters[0], f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sep_bn(x, filters[1], f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax"):
    """Xception at 299x299 by default (at least 71x71)."""
    img_input, input_shape = iu.start(weights, include_top, classes, input_tensor, input_shape, 299, 71)
    axis = 1 if iu.K.image_data_format() == "channels_first" else -1
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _down_block(x, (128, 128), 2, axis, first_act=False)
    x = _down_block(x, (256, 256), 3, axis)
    x = _down_block(x, (728, 728), 4, axis)
    for i in range(5, 13):
        residual = x
        for j in (1, 2, 3):
            x = layers.Activation("relu", name=f"block{i}_sepconv{j}_act")(x)
            x = _sep_bn(x, 728, f"block{i}_sepconv{j}", axis)
        x = layers.add([x, residual])
    x = _down_block(x, (728, 1024), 13, axis)
    x = _sep_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = iu.head(x, include_top, pooling, classes, classifier_activation, weights)
    return iu.finish(img_input, input_tensor, x, "xception", weights, iu.published(_URL, _FILES, include_top))


def preprocess_input(x, data_format=None):
    """"tf": pixels scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions
