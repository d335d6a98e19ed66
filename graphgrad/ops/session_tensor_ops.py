"""TF1's persistent tensors: `tf.get_session_handle(x)` keeps x's value in the session and gives a handle to it,
`tf.get_session_tensor(handle, dtype)` reads it back in a later run (fed through a string placeholder), and
`tf.delete_session_tensor(handle)` frees it (ops GetSessionHandle, GetSessionTensor, DeleteSessionTensor).

Fetching `get_session_handle(x)` gives a `TensorHandle` whose `handle` is TF's string
("GetSessionHandle;0;/job:localhost/replica:0/task:0/device:CPU:0": the op, a per-session count, the device), and
`eval()` / `delete()` run in the default session. The values live in the session (RunContext.resources) until
deleted or the session closes; graphgrad does not delete a handle when its TensorHandle is garbage-collected (TF
does, lazily, at a later run).
"""
from __future__ import annotations

import functools
import itertools

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.graph import Tensor
from ..framework.op_def import OpDef, not_differentiable
from .core import apply_op, convert_to_tensor, placeholder
from .queue_ops import session_resource

__all__ = ["TensorHandle", "delete_session_tensor", "get_session_handle", "get_session_tensor"]

_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class _Store(dict):
    """The session's persistent tensors by handle string, and the count that numbers new handles."""

    def __init__(self):
        super().__init__()
        self.count = itertools.count()


def _store(ctx):
    return session_resource(ctx, "session_tensors", _Store)


def _handle_text(ctx, op, value):
    v = np.asarray(ctx.to_host(value), dtype=object)
    if v.shape != ():
        raise op_error(errors.InvalidArgumentError, op, f"handle must be a scalar, got shape {list(v.shape)}")
    v = v.item()
    return v.decode() if isinstance(v, bytes) else str(v)


class GetSessionHandle(OpDef):
    """GetSessionHandle(value) -> string handle: the value stays in the session."""

    type = "GetSessionHandle"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        return [((), dtypes.string)]

    def kernel(op, ctx):
        def get_session_handle(value):
            store = _store(ctx)
            handle = f"{op.name};{next(store.count)};{_DEVICE}"
            store[handle] = value.copy() if hasattr(value, "copy") else value
            return np.array(handle.encode(), dtype=object)
        return get_session_handle


class GetSessionTensor(OpDef):
    """GetSessionTensor(handle) -> the value kept under it (attr dtype); InvalidArgumentError once deleted."""

    type = "GetSessionTensor"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        return [(None, op.attrs["dtype"])]

    def kernel(op, ctx):
        def get_session_tensor(handle):
            key = _handle_text(ctx, op, handle)
            store = _store(ctx)
            if key not in store:
                raise op_error(errors.InvalidArgumentError, op, f"The tensor with handle '{key}' is not in the "
                                                                f"session store.")
            return store[key]
        return get_session_tensor


class DeleteSessionTensor(OpDef):
    type = "DeleteSessionTensor"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        return []

    def kernel(op, ctx):
        def delete_session_tensor(handle):
            key = _handle_text(ctx, op, handle)
            if _store(ctx).pop(key, None) is None:
                raise op_error(errors.InvalidArgumentError, op, f"The tensor with handle '{key}' is not in the "
                                                                f"session store.")
        return delete_session_tensor


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
        from ..runtime.session import get_default_session

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


def get_session_tensor(handle, dtype, name=None):
    """(holder, tensor): feed a handle string to the string placeholder `holder` to read its value as `tensor`."""
    holder = placeholder(dtypes.string)
    tensor = apply_op(GetSessionTensor, [holder], {"dtype": dtypes.as_dtype(dtype).base_dtype},
                      name or "GetSessionTensor")
    return holder, tensor


def delete_session_tensor(handle, name=None):
    """(holder, deleter): running `deleter` with a handle fed to `holder` frees its value."""
    holder = placeholder(dtypes.string)
    return holder, apply_op(DeleteSessionTensor, [holder], {}, name or "DeleteSessionTensor")
