"""`tensorflow.python.client`: `timeline` (and `session`'s classes through graphgrad.Session)."""
from ...client import timeline  # noqa: F401

__all__ = ["timeline"]
