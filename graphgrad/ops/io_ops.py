"""`tf.read_file` / `tf.write_file` (also `tf.io.read_file` / `write_file`): a whole file as one string scalar,
as TF1's ReadFile and WriteFile ops, so that an input pipeline reads images inside the graph
(`tf.image.decode_png(tf.read_file(path))`). Both are stateful: a file is read on every run, never folded into
a constant while building, since it may change between runs."""
from __future__ import annotations

import os

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, NotFoundError
from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor

__all__ = ["read_file", "write_file"]


def string_scalar(op, i, what):
    """TF's checks on a string scalar input: its dtype while building and its rank (static when known)."""
    t = op.inputs[i]
    if t.dtype.base_dtype != dtypes.string:
        raise TypeError(f"Input '{what}' of '{op.type}' Op has type {t.dtype.base_dtype.name} that does not match "
                        "expected type of string.")
    s = static_shape(t)
    if s is not None and len(s) != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {len(s)} for '{op.name}' (op: '{op.type}') with input "
                         f"shapes: [{','.join('?' if d is None else str(d) for d in s)}].")


def host_bytes(op, ctx, value, what):
    """A string scalar's bytes, on the host; InvalidArgumentError when it is not a scalar at run time."""
    a = np.asarray(ctx.to_host(value), dtype=object)
    if a.shape != ():
        raise InvalidArgumentError(op.node_def, op, f"{what} must be scalar, got shape {list(a.shape)}")
    v = a.item()
    return v.encode() if isinstance(v, str) else bytes(v)


def _path(op, ctx, value):
    return os.fsdecode(host_bytes(op, ctx, value, "filename"))


class ReadFile(OpDef):
    """filename (string scalar) -> the file's bytes (string scalar)."""

    type = "ReadFile"
    stateful = True

    def infer(op):
        string_scalar(op, 0, "filename")
        return [((), dtypes.string)]

    def kernel(op, ctx):
        def read_file(filename):
            path = _path(op, ctx, filename)
            try:
                with open(path, "rb") as f:
                    return np.array(f.read(), dtype=object)
            except FileNotFoundError:
                raise NotFoundError(op.node_def, op, f"{path}; No such file or directory") from None
            except IsADirectoryError:
                raise InvalidArgumentError(op.node_def, op, f"{path}; Is a directory") from None
        return read_file


class WriteFile(OpDef):
    """Writes contents (string scalar) to filename, creating missing folders; no output."""

    type = "WriteFile"
    stateful = True

    def infer(op):
        string_scalar(op, 0, "filename")
        string_scalar(op, 1, "contents")
        return []

    def kernel(op, ctx):
        def write_file(filename, contents):
            path = _path(op, ctx, filename)
            data = host_bytes(op, ctx, contents, "contents")
            folder = os.path.dirname(path)
            if folder:
                os.makedirs(folder, exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        return write_file


def read_file(filename, name=None):
    """The contents of the file `filename`, as a string scalar; NotFoundError when there is none."""
    return apply_op(ReadFile, [convert_to_tensor(filename, dtype=dtypes.string, name="filename")], {},
                    name or "ReadFile")


def write_file(filename, contents, name=None):
    """An op that writes `contents` (a string scalar) to the file `filename` when it runs."""
    f = convert_to_tensor(filename, dtype=dtypes.string, name="filename")
    c = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
    return apply_op(WriteFile, [f, c], {}, name or "WriteFile")
