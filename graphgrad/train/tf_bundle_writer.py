"""Writing checkpoints in TensorFlow's V2 tensor-bundle format, so TensorFlow (and TensorBoard's projector) read
what graphgrad saves. The layout is train/tf_bundle.py's; the bytes are those TF's BundleWriter makes for the
same tensors (tests/test_tf_bundle_writer.py compares them with files TF wrote):

- the data file holds the tensors one after another in the order of their names (a partitioned one's slices in
  the order of their offsets), each its little-endian C-order bytes, nothing between them;
- the index is a table as TF's TableBuilder builds it, uncompressed: data blocks of up to 256 KiB with a
  restart every 16 keys, an empty meta-index block, an index block keyed by LevelDB's shortest separators.

Crash safety: each file is written to a temporary name, fsynced and renamed (checkpoint_io's `_atomic_write`),
the data file first and the index last, so a checkpoint appears under its name only whole: readers find it by
its index. Saving again under the same prefix replaces the data file before the index; a crash between the two
leaves an index whose CRC32Cs do not match the data, which a restore reports (DataLossError) rather than
restoring wrong values.
"""
from __future__ import annotations

import struct

import google_crc32c
import numpy as np

from .checkpoint_io import TF_INDEX_SUFFIX, _atomic_write
from .tf_bundle import _MAGIC, DTYPES, STRING, BundleEntryProto, BundleHeaderProto, mask, slice_key, string_sizes

_BLOCK_SIZE = 262144  # TF's table::Options default
_RESTART_INTERVAL = 16
_VERSION = 1  # kTensorBundleVersion: the producer TF names in the header
_TF_DTYPE = {np.dtype(v): k for k, v in DTYPES.items()}


def data_file(prefix) -> str:
    """The one data shard graphgrad writes for checkpoint `prefix`."""
    return f"{prefix}.data-00000-of-00001"


def _varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class _Block:
    """LevelDB's BlockBuilder: keys prefix-compressed against the previous one, restarting every `interval`."""

    def __init__(self, interval):
        self.buf, self.restarts, self.count, self.last, self.interval = bytearray(), [0], 0, b"", interval

    def add(self, key, value):
        shared = 0
        if self.count < self.interval:
            limit = min(len(key), len(self.last))
            while shared < limit and key[shared] == self.last[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.count = 0
        self.buf += _varint(shared) + _varint(len(key) - shared) + _varint(len(value)) + key[shared:] + value
        self.last, self.count = key, self.count + 1

    def size(self):
        return len(self.buf) + 4 * len(self.restarts) + 4

    def finish(self):
        return bytes(self.buf) + struct.pack(f"<{len(self.restarts) + 1}I", *self.restarts, len(self.restarts))


def _separator(start, limit):
    """LevelDB's FindShortestSeparator: a short key >= `start` and < `limit`."""
    i, n = 0, min(len(start), len(limit))
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n and start[i] < 0xFF and start[i] + 1 < limit[i]:
        return start[:i] + bytes([start[i] + 1])
    return start


def _successor(key):
    """LevelDB's FindShortSuccessor: a short key >= `key`."""
    for i, c in enumerate(key):
        if c != 0xFF:
            return key[:i] + bytes([c + 1])
    return key


def table(items) -> bytes:
    """A LevelDB-format table of `items`, (key, value) byte pairs in key order, as TF's TableBuilder writes it."""
    out = bytearray()

    def write(block):
        raw = block.finish()
        handle = _varint(len(out)) + _varint(len(raw))
        out.extend(raw + b"\0" + struct.pack("<I", mask(google_crc32c.value(raw + b"\0"))))
        return handle

    index, data, pending, last = _Block(1), _Block(_RESTART_INTERVAL), None, b""
    for key, value in items:
        if pending is not None:
            index.add(_separator(last, key), pending)
            pending = None
        data.add(key, value)
        last = key
        if data.size() >= _BLOCK_SIZE:
            pending, data = write(data), _Block(_RESTART_INTERVAL)
    if data.buf:
        pending = write(data)
    meta = write(_Block(_RESTART_INTERVAL))
    if pending is not None:
        index.add(_successor(last), pending)
    footer = (meta + write(index)).ljust(40, b"\0") + struct.pack("<Q", _MAGIC)
    return bytes(out) + footer


def _encode(name, arr):
    """(TF dtype, bytes, CRC32C) of one tensor as TF's BundleWriter stores it."""
    arr = np.asarray(arr)
    if arr.dtype.kind in "OSU":
        return (STRING, *_strings(name, arr))
    if arr.dtype not in _TF_DTYPE and arr.dtype.newbyteorder("=") not in _TF_DTYPE:
        raise TypeError(f"cannot write {name!r} to a TensorFlow checkpoint: dtype {arr.dtype} is not supported")
    dt = arr.dtype.newbyteorder("=")
    raw = np.ascontiguousarray(arr, dtype=dt.newbyteorder("<")).reshape(-1).view(np.uint8)
    return _TF_DTYPE[dt], raw, google_crc32c.value(raw)


def _strings(name, arr):
    """A string tensor (TF's WriteStringTensor): the lengths as varints, a masked CRC32C of the lengths, then the
    bytes; its CRC32C covers the lengths as 4-byte integers, that checksum and the bytes."""
    items = []
    for x in arr.reshape(-1):
        if not isinstance(x, (bytes, str)):
            raise TypeError(f"cannot write {name!r} to a TensorFlow checkpoint: {type(x).__name__} in a string "
                            "tensor")
        items.append(x.encode("utf-8") if isinstance(x, str) else bytes(x))
    sizes = string_sizes(len(x) for x in items)
    head = b"".join(_varint(len(x)) for x in items) + struct.pack("<I", mask(google_crc32c.value(sizes)))
    body = b"".join(items)
    return head + body, google_crc32c.value(sizes + head[-4:] + body)


def _entry(dtype, shape, **fields):
    e = BundleEntryProto(dtype=dtype, **fields)
    e.shape.SetInParent()  # TF writes a scalar's empty shape too
    for d in shape:
        e.shape.dim.add(size=int(d))
    return e


def write_bundle(prefix, tensors, slices=None) -> None:
    """Write checkpoint `prefix` (`.index` and `.data-00000-of-00001`).

    `tensors`: {name: array}. `slices`: {name: (full shape, [(offset per dimension, array)])} for partitioned
    variables, saved as TF saves them: one entry with the full shape listing the slices, each slice's data under
    its own key."""
    slices = slices or {}
    clash = set(tensors) & set(slices)
    if clash:
        raise ValueError(f"tensors saved both whole and in slices: {sorted(clash)}")
    entries, chunks, offset = {b"": BundleHeaderProto(num_shards=1)}, [], 0
    entries[b""].version.producer = _VERSION

    def add(key, name, arr):
        nonlocal offset
        dtype, raw, crc = _encode(name, arr)
        entries[key] = _entry(dtype, np.shape(arr), offset=offset, size=len(raw), crc32c=mask(crc))
        chunks.append(raw)
        offset += len(raw)
        return dtype

    for name in sorted(set(tensors) | set(slices)):
        if name in tensors:
            add(name.encode("utf-8"), name, tensors[name])
            continue
        full_shape, parts = slices[name]
        whole = None
        for start, arr in sorted(parts, key=lambda p: tuple(p[0])):
            extents = [(int(s), int(n)) for s, n in zip(start, np.shape(arr))]
            dtype = add(slice_key(name, extents), name, arr)
            if whole is None:
                whole = _entry(dtype, full_shape)
            sl = whole.slices.add()
            for s, n in extents:
                sl.extent.add(start=s, length=n)
        entries[name.encode("utf-8")] = whole
    items = [(k, entries[k].SerializeToString(deterministic=True)) for k in sorted(entries)]
    _atomic_write(data_file(prefix), lambda f: [f.write(memoryview(c)) for c in chunks])
    _atomic_write(str(prefix) + TF_INDEX_SUFFIX, lambda f: f.write(table(items)))
