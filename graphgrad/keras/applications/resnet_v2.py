"""`tf.keras.applications.resnet_v2`: the pre-activation ResNets, whose weights expect "tf" preprocessing."""
from __future__ import annotations

from . import imagenet_utils as iu
from .resnet import ResNet50V2, ResNet101V2, ResNet152V2


def preprocess_input(x, data_format=None):
    """"tf": pixels scaled to [-1, 1]."""
    return iu.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = iu.decode_predictions

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "preprocess_input", "decode_predictions"]
