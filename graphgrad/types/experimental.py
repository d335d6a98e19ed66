"""`tf.types.experimental`: `TensorLike` (the values `convert_to_tensor` takes, as a typing.Union for
annotations) and `FunctionType` (a callable's signature, TF's inspect.Signature subclass)."""
from __future__ import annotations

import inspect
import typing

import numpy as np

from ..framework.graph import Tensor

__all__ = ["FunctionType", "TensorLike"]

TensorLike = typing.Union[Tensor, int, float, bool, str, bytes, complex, tuple, list, np.ndarray, np.generic]


class FunctionType(inspect.Signature):
    """The type of a callable: its parameters (and return annotation), as `inspect.Signature` holds them."""

    @classmethod
    def from_callable(cls, obj, *, follow_wrapped=True):
        return super().from_callable(obj, follow_wrapped=follow_wrapped)
