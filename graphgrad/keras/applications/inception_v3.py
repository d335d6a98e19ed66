"""InceptionV3 (Szegedy et al., 2015) as tf_keras 2.21 builds it: a convolution stem, then the `mixed0`..`mixed10`
modules (parallel 1x1, 3x3/5x5 or factorized 7x7 branches and a pooling branch, concatenated); "tf" preprocessing.
Its conv-bn-relu units are unnamed (`conv2d_7`, `batch_normalization_7`, ...) as in Keras."""
from __future__ import annotations

from .. import layers
from . import imagenet_utils as iu

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
_FILES = {True: ("inception_v3_weights_tf_dim_ordering_tf_kernels.h5", "9a0d58056eeedaa3f26cb7ebd46da564"),
          False: ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", "bcbd6486424b2319ff4ef7d526e38f63")}


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution (no bias), batch norm without scale, ReLU."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                      name=None if name is None else name + "_conv")(x)
    x = layers.BatchNormalization(axis=iu.channel_axis(), scale=False, name=None if name is None else name + "_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_branch(x, filters):
    return conv2d_bn(layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x), filters, 1, 1)


def _module_a(x, pool_filters, name):
    b1 = conv2d_bn(x, 64, 1, 1)
    b5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    b3 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    return layers.concatenate([b1, b5, b3, _avg_branch(x, pool_filters)], axis=iu.channel_axis(), name=name)


def _module_c(x, c, name):
    b1 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(conv2d_bn(conv2d_bn(x, c, 1, 1), c, 1, 7), 192, 7, 1)
    b7d = conv2d_bn(x, c, 1, 1)
    for filters, (r, k) in zip((c, c, c, 192), ((7, 1), (1, 7), (7, 1), (1, 7))):
        b7d = conv2d_bn(b7d, filters, r, k)
    return layers.concatenate([b1, b7, b7d, _avg_branch(x, 192)], axis=iu.channel_axis(), name=name)


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """InceptionV3 at 299x299 by default (at least 75x75)."""
    img_input, input_shape = iu.start(weights, include_top, classes, input_tensor, input_shape, 299, 75)
    axis = iu.channel_axis()
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _module_a(x, pool_filters, f"mixed{i}")
    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    b3d = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, strides=(2, 2), padding="valid")
    x = layers.concatenate([b3, b3d, layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], axis=axis, name="mixed3")
    for i, c in enumerate((128, 160, 160, 192)):
        x = _module_c(x, c, f"mixed{4 + i}")
    b3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1)
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    x = layers.concatenate([b3, b7, layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], axis=axis, name="mixed8")
    for i in range(2):
        b1 = conv2d_bn(x, 320, 1, 1)
        b3 = conv2d_bn(x, 384, 1, 1)
        b3 = layers.concatenate([conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)], axis=axis,
                                name=f"mixed9_{i}")
        b3d = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
        b3d = layers.concatenate([conv2d_bn(b3d, 384, 1, 3), conv2d_bn(b3d, 384, 3, 1)], axis=axis)
        x = layers.concatenate([b1, b3, b3d, _avg_branch(x, 192)], axis=axis, name=f"mixed{9 + i}")
    x = iu.head(x, include_top, pooling, classes, classifier_activation, weights)
    return iu.finish(img_input, input_tensor, x, "inception_v3", weights, iu.published(_URL, _FILES, include_top))


def preprocess_input(x, data_format=None):
    """"tf": pixels scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions
