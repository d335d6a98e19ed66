"""`slim.nets` (`tf.contrib.slim.nets`): the classic image classifiers with TF-Slim's variable names, so the
published slim checkpoints restore into them: AlexNet v2, OverFeat, VGG (A, 16, 19) and ResNet v1/v2 (50, 101,
152, 200)."""
from . import alexnet, overfeat, resnet_utils, resnet_v1, resnet_v2, vgg  # noqa: F401

__all__ = ["alexnet", "overfeat", "resnet_utils", "resnet_v1", "resnet_v2", "vgg"]
