"""ResNet50/101/152 (He et al., 2015: post-activation bottleneck blocks, "caffe" preprocessing) and
ResNet50V2/101V2/152V2 (He et al., 2016: pre-activation blocks, "tf" preprocessing) as tf_keras 2.21 builds them,
with its layer names (`conv2_block1_1_conv`, ...), so Keras' weight files load by layer order."""
from __future__ import annotations

from .. import layers
from . import imagenet_utils as iu

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}


def _bn(name):
    return layers.BatchNormalization(axis=iu.channel_axis(), epsilon=1.001e-5, name=name)


def ResNet(stack_fn, preact, use_bias, model_name="resnet", include_top=True, weights="imagenet", input_tensor=None,
           input_shape=None, pooling=None, classes=1000, classifier_activation="softmax"):
    """The stem (7x7/2 convolution, 3x3/2 max pooling), `stack_fn`'s stages, then the head."""
    img_input, input_shape = iu.start(weights, include_top, classes, input_tensor, input_shape, 224, 32)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = _bn("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = _bn("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = iu.head(x, include_top, pooling, classes, classifier_activation, weights, ("avg_pool", "max_pool"))

    def fetch():
        tail = "" if include_top else "_notop"
        fname = f"{model_name}_weights_tf_dim_ordering_tf_kernels{tail}.h5"
        return fname, BASE_WEIGHTS_PATH + fname, WEIGHTS_HASHES[model_name][0 if include_top else 1]
    return iu.finish(img_input, input_tensor, x, model_name, weights, fetch)


def block1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """The v1 bottleneck: 1x1, 3x3, 1x1 (x4 filters) convolutions with batch norms, plus the shortcut, then ReLU."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = _bn(name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = _bn(name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=name + "_2_conv")(x)
    x = _bn(name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = _bn(name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack1(x, filters, blocks, stride1=2, name=None):
    x = block1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = block1(x, filters, conv_shortcut=False, name=name + "_block" + str(i))
    return x


def block2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """The v2 (pre-activation) bottleneck: batch norm and ReLU first, the stride on the 3x3 convolution."""
    preact = _bn(name + "_preact_bn")(x)
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=name + "_1_conv")(preact)
    x = _bn(name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=name + "_2_conv")(x)
    x = _bn(name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def stack2(x, filters, blocks, stride1=2, name=None):
    x = block2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = block2(x, filters, name=name + "_block" + str(i))
    return block2(x, filters, stride=stride1, name=name + "_block" + str(blocks))


def _resnet(model_name, counts, v2):
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax"):
        def stack_fn(x):
            if v2:
                for i, (filters, n) in enumerate(zip((64, 128, 256, 512), counts)):
                    x = stack2(x, filters, n, stride1=1 if i == 3 else 2, name=f"conv{i + 2}")
                return x
            for i, (filters, n) in enumerate(zip((64, 128, 256, 512), counts)):
                x = stack1(x, filters, n, stride1=1 if i == 0 else 2, name=f"conv{i + 2}")
            return x
        return ResNet(stack_fn, v2, True, model_name, include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation)
    build.__name__ = build.__qualname__ = model_name.replace("resnet", "ResNet").replace("v2", "V2")
    build.__doc__ = f"{build.__name__}: bottleneck blocks {counts} in the four stages."
    return build


ResNet50 = _resnet("resnet50", (3, 4, 6, 3), False)
ResNet101 = _resnet("resnet101", (3, 4, 23, 3), False)
ResNet152 = _resnet("resnet152", (3, 8, 36, 3), False)
ResNet50V2 = _resnet("resnet50v2", (3, 4, 6, 3), True)
ResNet101V2 = _resnet("resnet101v2", (3, 4, 23, 3), True)
ResNet152V2 = _resnet("resnet152v2", (3, 8, 36, 3), True)


def preprocess_input(x, data_format=None):
    """"caffe": RGB -> BGR, minus the ImageNet channel means, no scaling."""
    return iu.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = iu.decode_predictions
