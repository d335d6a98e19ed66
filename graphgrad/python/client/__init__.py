"""`tensorflow.python.client`: `timeline` (and `session`'s classes through graphgrad.Session)."""
import sys

from ...client import timeline

sys.modules[__name__ + ".timeline"] = timeline  # `import tensorflow.python.client.timeline` works too

__all__ = ["timeline"]
