"""`tf.keras.applications.vgg19`: VGG19 (16 convolutions), "caffe" preprocessing (see vgg16)."""
from __future__ import annotations

from .vgg16 import VGG19, decode_predictions, preprocess_input

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]
