"""`slim.nets` (`tf.contrib.slim.nets`, research/slim's `nets`): the classic image classifiers with TF-Slim's
variable names, so the published slim checkpoints restore into them: AlexNet v2, OverFeat, VGG (A, 16, 19),
ResNet v1/v2 (50, 101, 152, 200), Inception v1-v4 and Inception-ResNet v2 (`inception`), MobileNet v1, and
`nets_factory` that builds any of them by name."""
from . import (  # noqa: F401
    alexnet,
    inception,
    inception_resnet_v2,
    inception_utils,
    inception_v1,
    inception_v2,
    inception_v3,
    inception_v4,
    mobilenet_v1,
    nets_factory,
    overfeat,
    resnet_utils,
    resnet_v1,
    resnet_v2,
    vgg,
)

__all__ = ["alexnet", "inception", "inception_resnet_v2", "inception_utils", "inception_v1", "inception_v2",
           "inception_v3", "inception_v4", "mobilenet_v1", "nets_factory", "overfeat", "resnet_utils", "resnet_v1",
           "resnet_v2", "vgg"]
