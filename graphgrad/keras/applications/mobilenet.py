"""MobileNet (Howard et al., 2017) as tf_keras 2.21 builds it: depthwise separable convolutions with ReLU6, width
multiplier `alpha`; "tf" preprocessing. The weight file depends on alpha and the (square) input size."""
from __future__ import annotations

import logging

from .. import layers
from . import imagenet_utils as iu

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"


def _sizes(input_shape, input_tensor, include_top, weights, sizes):
    """Keras' choice of default size (a square input of a published size) and the checked input shape."""
    first = iu.K.image_data_format() == "channels_first"
    default_size = 224
    source = None
    if input_shape is not None:
        source = input_shape[1:3] if first else input_shape[0:2]
    elif input_tensor is not None and iu.K.is_keras_tensor(input_tensor):
        source = iu.K.int_shape(input_tensor)[2:4] if first else iu.K.int_shape(input_tensor)[1:3]
    if source is not None and source[0] == source[1] and source[0] in sizes:
        default_size = source[0]
    input_shape = iu.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                        data_format=iu.K.image_data_format(), require_flatten=include_top,
                                        weights=weights)
    rows, cols = input_shape[1:3] if first else input_shape[0:2]
    if weights == "imagenet" and (rows != cols or rows not in sizes):
        rows = 224
        logging.warning(f"`input_shape` is undefined or non-square, or `rows` is not in {sizes}. Weights for "
                        "input shape (224, 224) will be loaded as the default.")
    return input_shape, rows


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True, weights="imagenet",
              input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax"):
    """MobileNet: a 3x3/2 convolution then 13 depthwise-separable blocks; the top is a 1x1 convolution."""
    iu.check_weights(weights, include_top, classes)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1.  Received "
                             f"depth_multiplier={depth_multiplier}")
        if alpha not in [0.25, 0.5, 0.75, 1.0]:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of`0.25`, `0.50`, `0.75` or "
                             f"`1.0` only.  Received alpha={alpha}")
    input_shape, rows = _sizes(input_shape, None, include_top, weights, [128, 160, 192, 224])
    img_input = iu.image_input(input_tensor, input_shape)
    axis = 1 if iu.K.image_data_format() == "channels_first" else -1
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2), name="conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2), (1024, 1)]
    for block_id, (filters, stride) in enumerate(plan, 1):
        if stride == 2:
            x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
        x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                                   depth_multiplier=depth_multiplier, strides=(stride, stride), use_bias=False,
                                   name=f"conv_dw_{block_id}")(x)
        x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
        x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
        x = layers.Conv2D(int(filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1),
                          name=f"conv_pw_{block_id}")(x)
        x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
        x = layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        iu.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = iu.head(x, False, pooling, classes, classifier_activation, weights)

    def fetch():
        alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
        fname = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"
        return fname, BASE_WEIGHT_PATH + fname, None
    return iu.finish(img_input, input_tensor, x, f"mobilenet_{alpha:0.2f}_{rows}", weights, fetch)


def preprocess_input(x, data_format=None):
    """"tf": pixels scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions
