"""`tf.fingerprint(data, method="farmhash64")` (op Fingerprint): a [batch, 8] uint8 tensor, each row the
little-endian bytes of FarmHash's Fingerprint64 (ops/fingerprint.py) of one slice data[i], bit for bit TF's.

A numeric slice is hashed as its raw bytes in row-major order; a string slice of one string as that string; a
string slice of several as the Fingerprint64 of the concatenated fingerprints of its strings (TF's kernel)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .fingerprint import fingerprint64

__all__ = ["fingerprint"]


def _bytes(s):
    return s.encode() if isinstance(s, str) else bytes(s)


def _row_fingerprint(row, strings) -> bytes:
    if not strings:
        return fingerprint64(np.ascontiguousarray(row).tobytes()).to_bytes(8, "little")
    row = np.asarray(row, dtype=object)
    if row.ndim == 0:
        return fingerprint64(_bytes(row.item())).to_bytes(8, "little")
    items = row.reshape(-1).tolist()
    return fingerprint64(b"".join(fingerprint64(_bytes(s)).to_bytes(8, "little") for s in items)).to_bytes(8, "little")


class Fingerprint(OpDef):
    """Fingerprint(data, method) -> uint8 [data.shape[0], 8]."""

    type = "Fingerprint"
    gradient = not_differentiable

    def infer(op):
        s = static_shape(op.inputs[0])
        if s is not None and len(s) == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0")
        return [((None if s is None else s[0], 8), dtypes.uint8)]

    def kernel(op, ctx):
        strings = op.inputs[0].dtype.base_dtype == dtypes.string
        to_host, to_dev = ctx.to_host, ctx.to_device

        def fingerprint_kernel(data, method):
            x = np.asarray(to_host(data), dtype=object if strings else None)
            out = np.frombuffer(b"".join(_row_fingerprint(r, strings) for r in x), np.uint8).reshape(len(x), 8)
            return to_dev(out.copy())
        return fingerprint_kernel


def fingerprint(data, method="farmhash64", name=None):
    """The Fingerprint64 of each slice data[i] as 8 uint8 bytes; `method` must be "farmhash64"."""
    with name_scope(name, "Fingerprint") as scope:
        data = convert_to_tensor(data, name="data")
        if method != "farmhash64":
            raise ValueError(f"Unsupported method: {method}")
        method = convert_to_tensor(method, dtypes.string, name="method")
        return apply_op(Fingerprint, [data, method], {}, scope)
