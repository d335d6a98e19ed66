"""`tf.keras.applications`: the ImageNet architectures transfer learning starts from, as tf_keras 2.21 builds them
(layer names, order, weight names and shapes), so Keras' published .h5 weights load unchanged; one module per
family with its `preprocess_input` and `decode_predictions` (docs/keras.md)."""
from . import densenet, imagenet_utils, inception_v3, mobilenet, mobilenet_v2, resnet, resnet50, resnet_v2  # isort: skip
from . import vgg16, vgg19, xception  # isort: skip
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .inception_v3 import InceptionV3
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .resnet import ResNet50, ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .vgg16 import VGG16
from .vgg19 import VGG19
from .xception import Xception

__all__ = ["densenet", "imagenet_utils", "inception_v3", "mobilenet", "mobilenet_v2", "resnet", "resnet50",
           "resnet_v2", "vgg16", "vgg19", "xception", "DenseNet121", "DenseNet169", "DenseNet201", "InceptionV3",
           "MobileNet", "MobileNetV2", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2",
           "ResNet152V2", "VGG16", "VGG19", "Xception"]
