"""`tf.types`: TF's type annotations for user code; TF 2.21's compat.v1 has only `tf.types.experimental`."""
from . import experimental

__all__ = ["experimental"]
