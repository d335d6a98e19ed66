"""`tf.write_file` (also `tf.io.write_file`): a string scalar written to a file, as TF1's WriteFile op, the other
half of `tf.read_file` (graphgrad/io/decode_ops.py), e.g. `tf.write_file(path, tf.image.encode_png(x))`; and the
string-scalar checks the image codecs (ops/image_codec_ops.py) share."""
from __future__ import annotations

import os

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor

__all__ = ["write_file"]


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


def write_file(filename, contents, name=None):
    """An op that writes `contents` (a string scalar) to the file `filename` when it runs."""
    f = convert_to_tensor(filename, dtype=dtypes.string, name="filename")
    c = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
    return apply_op(WriteFile, [f, c], {}, name or "WriteFile")
