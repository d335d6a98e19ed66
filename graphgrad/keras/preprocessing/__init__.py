"""`tf.keras.preprocessing`: Keras 2's data helpers for sequences, text and images (docs/keras.md)."""
from . import image, sequence, text

__all__ = ["image", "sequence", "text"]
