"""The Python side of TF1's persistent tensors: `tf.get_session_handle(data)` (fetched as a `TensorHandle`) over
the ops in ops/session_tensor_ops.py; here because a TensorHandle evaluates and deletes in the default session."""
from __future__ import annotations

import functools

import numpy as np

from .framework import dtypes
from .framework.graph import Tensor
from .ops.core import apply_op, convert_to_tensor
from .ops.session_tensor_ops import GetSessionHandle, delete_session_tensor, get_session_tensor
from .runtime.session import get_default_session

__all__ = ["TensorHandle", "get_session_handle"]


class TensorHandle:
    """A fetched handle: `handle` (TF's string), `eval()` (the kept value) and `delete()`, both in the default
    session; `str()` is the handle."""

    _fields = ("handle",)
    _dtype = None

    def __init__(self, handle, dtype=None):
        handle = handle.item() if isinstance(handle, np.ndarray) else handle
        self._handle = handle.decode() if isinstance(handle, bytes) else str(handle)
        if dtype is not None:
            self._dtype = dtypes.as_dtype(dtype)

    handle = property(lambda self: self._handle)

    def get_raw_handle(self):
        return self._handle

    def __str__(self):
        return self._handle

    def _session(self):
        session = get_default_session()
        if session is None:
            raise ValueError("TensorHandle.eval() and delete() run in the default session: use them inside "
                             "`with session.as_default():` (or `with tf.Session() as session:`)")
        return session

    def eval(self):
        session = self._session()
        with session.graph.as_default():
            holder, tensor = get_session_tensor(self._handle, self._dtype)
        return session.run(tensor, {holder: self._handle})

    def delete(self):
        session = self._session()
        with session.graph.as_default():
            holder, deleter = delete_session_tensor(self._handle)
        session.run(deleter, {holder: self._handle})


@functools.lru_cache(maxsize=None)
def _handle_class(dtype):
    """The TensorHandle class a fetch of a handle of `dtype` builds (Session.run builds a composite's value from
    its class alone, so the dtype rides on the class)."""
    return type("TensorHandle", (TensorHandle,), {"_dtype": dtype, "__module__": __name__})


class SessionHandle:
    """What `get_session_handle` returns: the handle tensor, fetched as a TensorHandle (a composite of one part)."""

    def __init__(self, tensor, dtype):
        self._tensor = tensor
        self._fetched_as = _handle_class(dtype)

    def _composite_parts(self):
        return (self._tensor,)

    def _as_tensor(self, dtype=None, name=None):
        return self._tensor

    op = property(lambda self: self._tensor.op)
    name = property(lambda self: self._tensor.name)
    dtype = property(lambda self: self._tensor.dtype)
    shape = property(lambda self: self._tensor.shape)
    graph = property(lambda self: self._tensor.graph)

    def get_shape(self):
        return self._tensor.shape

    def consumers(self):
        return self._tensor.consumers()

    def __repr__(self):
        return repr(self._tensor)

    def __str__(self):
        return str(self._tensor)


def get_session_handle(data, name=None):
    """Keeps `data`'s value in the session when run; the fetch is a TensorHandle."""
    data = convert_to_tensor(data)
    if not isinstance(data, Tensor):
        raise TypeError("`data` must be of type Tensor.")
    return SessionHandle(apply_op(GetSessionHandle, [data], {}, name or "GetSessionHandle"), data.dtype.base_dtype)
