"""`tf.keras.applications.vgg16` (and the code of vgg19): VGG16 and VGG19 (Simonyan & Zisserman, 2014) as tf_keras
2.21 builds them: blocks of 3x3 'same' ReLU convolutions, each block ending in 2x2 max pooling, then fc1, fc2 and
`predictions`; "caffe" preprocessing."""
from __future__ import annotations

from .. import layers
from . import imagenet_utils as iu

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/{0}/{0}_weights_tf_dim_ordering_tf_kernels{1}.h5"
_HASHES = {"vgg16": ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
           "vgg19": ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")}


def _vgg(name, convs, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation):
    img_input, input_shape = iu.start(weights, include_top, classes, input_tensor, input_shape, 224, 32)
    x = img_input
    for block, (filters, n) in enumerate(zip((64, 128, 256, 512, 512), convs), 1):
        for i in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        iu.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = iu.head(x, False, pooling, classes, classifier_activation, weights)

    def fetch():
        tail = "" if include_top else "_notop"
        return (f"{name}_weights_tf_dim_ordering_tf_kernels{tail}.h5", _URL.format(name, tail),
                _HASHES[name][0 if include_top else 1])
    return iu.finish(img_input, input_tensor, x, name, weights, fetch)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax"):
    """VGG16: 13 convolutions (2, 2, 3, 3, 3 per block) and 3 dense layers; 138M parameters with the top."""
    return _vgg("vgg16", (2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation)


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax"):
    """VGG19: 16 convolutions (2, 2, 4, 4, 4 per block) and 3 dense layers; 144M parameters with the top."""
    return _vgg("vgg19", (2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation)


def preprocess_input(x, data_format=None):
    """"caffe": RGB -> BGR, minus the ImageNet channel means, no scaling."""
    return iu.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = iu.decode_predictions
