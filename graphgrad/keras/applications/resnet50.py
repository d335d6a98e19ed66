"""`tf.keras.applications.resnet50`: ResNet50 and its "caffe" preprocessing (see resnet)."""
from __future__ import annotations

from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "preprocess_input", "decode_predictions"]
