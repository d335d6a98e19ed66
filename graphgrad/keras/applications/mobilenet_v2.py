"""MobileNetV2 (Sandler et al., 2018) as tf_keras 2.21 builds it: inverted residual blocks (expand, depthwise,
linear projection) with ReLU6, width multiplier `alpha`; "tf" preprocessing."""
from __future__ import annotations

from .. import layers
from . import imagenet_utils as iu
from .mobilenet import _sizes, decode_predictions, preprocess_input

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"


def _make_divisible(v, divisor, min_value=None):
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _bn_v2(name):
    axis = 1 if iu.K.image_data_format() == "channels_first" else -1
    return layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=name)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """Expand (1x1, ReLU6), depthwise 3x3 (ReLU6), project (1x1, linear); the input added back when shapes agree."""
    in_channels = iu.K.int_shape(inputs)[1 if iu.K.image_data_format() == "channels_first" else -1]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False, activation=None,
                          name=prefix + "expand")(x)
        x = _bn_v2(prefix + "expand_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=iu.correct_pad(x, 3), name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=prefix + "depthwise")(x)
    x = _bn_v2(prefix + "depthwise_BN")(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None,
                      name=prefix + "project")(x)
    x = _bn_v2(prefix + "project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


_V2_PLAN = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
            (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
            (320, 1, 6)]


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                classes=1000, classifier_activation="softmax"):
    """MobileNetV2: a 3x3/2 convolution, 17 inverted residual blocks, a 1x1 convolution to 1280 channels."""
    iu.check_weights(weights, include_top, classes)
    if input_shape is not None and input_tensor is not None:
        if not iu.K.is_keras_tensor(input_tensor):
            raise ValueError(f"input_tensor is not a TF-Keras tensor; Received `input_tensor={input_tensor}`")
        first = iu.K.image_data_format() == "channels_first"
        if iu.K.int_shape(input_tensor)[1 if first else 2] != input_shape[1]:
            raise ValueError(f"input_tensor.shape[2] must equal input_shape[1]; Received "
                             f"`input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`")
    if weights == "imagenet" and alpha not in [0.35, 0.5, 0.75, 1.0, 1.3, 1.4]:
        raise ValueError("If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, `0.75`, "
                         f"`1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`")
    input_shape, rows = _sizes(input_shape, input_tensor, include_top, weights, [96, 128, 160, 192, 224])
    img_input = iu.image_input(input_tensor, input_shape)
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="Conv1")(img_input)
    x = _bn_v2("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_V2_PLAN):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                                block_id=block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _bn_v2("Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        iu.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = iu.head(x, False, pooling, classes, classifier_activation, weights)

    def fetch():
        fname = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
                 f"{'' if include_top else '_no_top'}.h5")
        return fname, BASE_WEIGHT_PATH + fname, None
    return iu.finish(img_input, input_tensor, x, f"mobilenetv2_{alpha:0.2f}_{rows}", weights, fetch)


__all__ = ["MobileNetV2", "preprocess_input", "decode_predictions"]
