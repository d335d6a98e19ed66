"""`tf.contrib.tensorboard.plugins`: `projector`, as word2vec programs import it."""
from . import projector  # noqa: F401

__all__ = ["projector"]
