"""`tf.contrib.util` (TF 1.x): a tensor's value known while building, and the TensorProto helpers, under contrib's
names."""
from __future__ import annotations

from ..ops.array_ops import get_static_value

__all__ = ["constant_value", "make_ndarray", "make_tensor_proto"]


def constant_value(tensor, partial=False):
    """The NumPy value of `tensor` when it is known while building, else None (`partial`: accepted; a value is
    only given when all of it is known)."""
    return get_static_value(tensor)


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False, allow_broadcast=False):
    from ..graph_io import make_tensor_proto as make

    return make(values, dtype, shape, verify_shape, allow_broadcast)


def make_ndarray(tensor):
    from ..graph_io import make_ndarray as make

    return make(tensor)
