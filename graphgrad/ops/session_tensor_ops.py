"""TF1's persistent tensors (the ops; the fetched TensorHandle and `get_session_handle` are in
graphgrad/session_tensors.py, above the runtime they use): `tf.get_session_handle(x)` keeps x's value in the
session and gives a handle to it,
`tf.get_session_tensor(handle, dtype)` reads it back in a later run (fed through a string placeholder), and
`tf.delete_session_tensor(handle)` frees it (ops GetSessionHandle, GetSessionTensor, DeleteSessionTensor).

Fetching `get_session_handle(x)` gives a `TensorHandle` whose `handle` is TF's string
("GetSessionHandle;0;/job:localhost/replica:0/task:0/device:CPU:0": the op, a per-session count, the device), and
`eval()` / `delete()` run in the default session. The values live in the session (RunContext.resources) until
deleted or the session closes; graphgrad does not delete a handle when its TensorHandle is garbage-collected (TF
does, lazily, at a later run).
"""
from __future__ import annotations

import itertools

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.op_def import OpDef, not_differentiable
from .core import apply_op, placeholder
from .queue_ops import session_resource

__all__ = ["delete_session_tensor", "get_session_tensor"]

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
