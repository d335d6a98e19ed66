"""DenseNet121/169/201 (Huang et al., 2017) as tf_keras 2.21 builds them: dense blocks (each conv block's 32 new
channels concatenated to its input) joined by transition blocks that halve channels and size; "torch"
preprocessing. Layer names keep Keras' slashes (`conv1/conv`, `conv2_block1_0_bn`, ...)."""
from __future__ import annotations

from .. import layers
from . import imagenet_utils as iu

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
_HASHES = {"densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
           "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
           "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1")}
_NAMES = {(6, 12, 24, 16): "densenet121", (6, 12, 32, 32): "densenet169", (6, 12, 48, 32): "densenet201"}


def _bn(name):
    return layers.BatchNormalization(axis=iu.channel_axis(), epsilon=1.001e-5, name=name)


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, 32, name=name + "_block" + str(i + 1))
    return x


def transition_block(x, reduction, name):
    x = _bn(name + "_bn")(x)
    x = layers.Activation("relu", name=name + "_relu")(x)
    x = layers.Conv2D(int(iu.K.int_shape(x)[iu.channel_axis()] * reduction), 1, use_bias=False,
                      name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def conv_block(x, growth_rate, name):
    x1 = _bn(name + "_0_bn")(x)
    x1 = layers.Activation("relu", name=name + "_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(x1)
    x1 = _bn(name + "_1_bn")(x1)
    x1 = layers.Activation("relu", name=name + "_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(x1)
    return layers.Concatenate(axis=iu.channel_axis(), name=name + "_concat")([x, x1])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax"):
    """A DenseNet with `blocks` conv blocks in its four dense blocks."""
    img_input, input_shape = iu.start(weights, include_top, classes, input_tensor, input_shape, 224, 32)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1/conv")(x)
    x = _bn("conv1/bn")(x)
    x = layers.Activation("relu", name="conv1/relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, n in enumerate(blocks):
        x = dense_block(x, n, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = _bn("bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = iu.head(x, include_top, pooling, classes, classifier_activation, weights, ("avg_pool", "max_pool"))
    name = _NAMES.get(tuple(blocks), "densenet")

    def fetch():
        fname = f"{name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
        return fname, BASE_WEIGHTS_PATH + fname, _HASHES[name][0 if include_top else 1]
    return iu.finish(img_input, input_tensor, x, name, weights, fetch)


def _densenet(blocks, name):
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax"):
        return DenseNet(list(blocks), include_top, weights, input_tensor, input_shape, pooling, classes,
                        classifier_activation)
    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"{name}: dense blocks of {blocks} conv blocks."
    return build


DenseNet121 = _densenet((6, 12, 24, 16), "DenseNet121")
DenseNet169 = _densenet((6, 12, 32, 32), "DenseNet169")
DenseNet201 = _densenet((6, 12, 48, 32), "DenseNet201")


def preprocess_input(x, data_format=None):
    """"torch": pixels scaled to [0, 1], then normalized with the ImageNet channel means and deviations."""
    return iu.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = iu.decode_predictions
