"""Checkpoints in TensorFlow's V2 "tensor bundle" format: read here, written by train/tf_bundle_writer.py.

A TF checkpoint `prefix` is `prefix.index` plus data shards `prefix.data-00000-of-0000N`. The index is a
LevelDB-format table (TF's core/lib/io/table): sorted keys, prefix-compressed, in blocks that each end in a
compression byte and a masked CRC32C, found through an index block named in a 48-byte footer. Its entry "" is a
`BundleHeaderProto` (shard count, endianness), every other entry a `BundleEntryProto` for the tensor of that name:
dtype, shape, shard, offset, size and the masked CRC32C of its bytes (TF's core/protobuf/tensor_bundle.proto,
described below field for field, enums as their int32 wire form). Tensor bytes are the array in C order.

A partitioned variable is one entry with the full shape and `slices` (no data of its own), each slice stored
under a key `slice_key` builds from the name and the slice's extents (TF's EncodeTensorNameSlice); reading
assembles the full tensor, as TF's restore of a slice does. A string tensor is its elements' lengths as
varints, a masked CRC32C of the lengths, then the bytes; it reads as an object array of bytes. Not read: complex
tensors (`UnreadableCheckpointError` when a restore needs one), Snappy-compressed index blocks (TF writes them
raw) — each a clear error naming the checkpoint.
"""
from __future__ import annotations

import os
import struct

import google_crc32c
import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from .checkpoint_io import TF_INDEX_SUFFIX as INDEX_SUFFIX
from .checkpoint_io import CorruptCheckpointError, UnreadableCheckpointError

_MAGIC = 0xDB4775248B80FB57  # LevelDB's table magic number, as TF's table format keeps it
_MASK_DELTA = 0xA282EAD8

#: TF's DataType enum -> NumPy dtype (core/framework/types.proto)
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 9: np.int64,
          10: np.bool_, 17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64}
STRING = 7  # DT_STRING: an object array of bytes here
_NAMES = {8: "complex64", 14: "bfloat16", 18: "complex128", 20: "resource", 21: "variant"}
_READ = {**DTYPES, STRING: np.object_}

_F = descriptor_pb2.FieldDescriptorProto


def _bundle_file():
    fd = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/protobuf/tensor_bundle.proto",
                                            package="tensorflow", syntax="proto3")

    def message(name, fields, parent=fd):
        m = (parent.message_type if parent is fd else parent.nested_type).add(name=name)
        for fname, number, type_, label, type_name in fields:
            f = m.field.add(name=fname, number=number, type=type_, label=label or _F.LABEL_OPTIONAL)
            if type_name:
                f.type_name = type_name
        return m
    rep, msg = _F.LABEL_REPEATED, _F.TYPE_MESSAGE
    shape = message("TensorShapeProto", [("dim", 2, msg, rep, ".tensorflow.TensorShapeProto.Dim"),
                                         ("unknown_rank", 3, _F.TYPE_BOOL, None, None)])
    message("Dim", [("size", 1, _F.TYPE_INT64, None, None), ("name", 2, _F.TYPE_STRING, None, None)], shape)
    slice_ = message("TensorSliceProto", [("extent", 1, msg, rep, ".tensorflow.TensorSliceProto.Extent")])
    extent = message("Extent", [("start", 1, _F.TYPE_INT64, None, None), ("length", 2, _F.TYPE_INT64, None, None)],
                     slice_)
    extent.oneof_decl.add(name="has_length")  # an extent without a length spans its whole dimension
    extent.field[1].oneof_index = 0
    message("VersionDef", [("producer", 1, _F.TYPE_INT32, None, None), ("min_consumer", 2, _F.TYPE_INT32, None, None),
                           ("bad_consumers", 3, _F.TYPE_INT32, rep, None)])
    message("BundleHeaderProto", [("num_shards", 1, _F.TYPE_INT32, None, None),
                                  ("endianness", 2, _F.TYPE_INT32, None, None),
                                  ("version", 3, msg, None, ".tensorflow.VersionDef")])
    message("BundleEntryProto", [("dtype", 1, _F.TYPE_INT32, None, None),
                                 ("shape", 2, msg, None, ".tensorflow.TensorShapeProto"),
                                 ("shard_id", 3, _F.TYPE_INT32, None, None), ("offset", 4, _F.TYPE_INT64, None, None),
                                 ("size", 5, _F.TYPE_INT64, None, None), ("crc32c", 6, _F.TYPE_FIXED32, None, None),
                                 ("slices", 7, msg, rep, ".tensorflow.TensorSliceProto")])
    return fd


_POOL = descriptor_pool.DescriptorPool()
_POOL.Add(_bundle_file())
BundleHeaderProto = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("tensorflow.BundleHeaderProto"))
BundleEntryProto = message_factory.GetMessageClass(_POOL.FindMessageTypeByName("tensorflow.BundleEntryProto"))


def string_sizes(lengths):
    """What a string tensor's length checksum covers: each length as 4 little-endian bytes (8 above 4 GiB)."""
    return b"".join(struct.pack("<I" if n <= 0xFFFFFFFF else "<Q", n) for n in lengths)


def mask(crc):
    """LevelDB's masked CRC, which the table and the bundle entries store."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def _ordered_num(n):
    """OrderedCode::WriteNumIncreasing: a length byte, then the number big-endian without leading zeros."""
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([len(raw)]) + raw


_SIGNED_HEADER = {1: (0x80, 0), 2: (0xC0, 0), 3: (0xE0, 0), 4: (0xF0, 0), 5: (0xF8, 0), 6: (0xFC, 0), 7: (0xFE, 0),
                  8: (0xFF, 0), 9: (0xFF, 0x80), 10: (0xFF, 0xC0)}


def _ordered_signed(v):
    """OrderedCode::WriteSignedNumIncreasing: 1 to 10 bytes whose leading ones give the length."""
    x = ~v if v < 0 else v
    length = x.bit_length() // 7 + 1
    buf = bytearray(v.to_bytes(10, "big", signed=True)[10 - length:])
    buf[0] ^= _SIGNED_HEADER[length][0]
    if length > 1:
        buf[1] ^= _SIGNED_HEADER[length][1]
    return bytes(buf)


def slice_key(name, extents):
    """The index key of one slice of tensor `name` (TF's EncodeTensorNameSlice): `extents` are (start, length)
    per dimension, length -1 for a whole dimension."""
    escaped = b"".join(b"\0\xff" if c == 0 else b"\xff\0" if c == 255 else bytes([c]) for c in name.encode())
    out = _ordered_num(0) + escaped + b"\0\x01" + _ordered_num(len(extents))
    return out + b"".join(_ordered_signed(s) + _ordered_signed(n) for s, n in extents)


def _extents(slice_proto):
    return [(e.start, e.length if e.HasField("length") else -1) for e in slice_proto.extent]


def is_tf_checkpoint(prefix) -> bool:
    """Whether `prefix` names a checkpoint in TensorFlow's format: its `.index` file ends in the table magic."""
    try:
        with open(os.fspath(prefix) + INDEX_SUFFIX, "rb") as f:
            f.seek(-8, os.SEEK_END)
            return struct.unpack("<Q", f.read(8))[0] == _MAGIC
    except (OSError, struct.error):
        return False


def _unmask(crc):
    rot = (crc - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def _varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


class _Table:
    """The entries of a LevelDB-format table file, in key order."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        if len(self.data) < 48 or struct.unpack("<Q", self.data[-8:])[0] != _MAGIC:
            raise self.corrupt("not a TensorFlow checkpoint index (no table magic number)")
        footer = self.data[-48:-8]
        _, pos = _varint(footer, 0)  # the metaindex block: TF writes it empty
        _, pos = _varint(footer, pos)
        index_off, pos = _varint(footer, pos)
        index_size, _ = _varint(footer, pos)
        self.index = (index_off, index_size)

    def corrupt(self, what):
        return CorruptCheckpointError(f"{self.path}: {what}")

    def _block(self, offset, size):
        end = offset + size
        if end + 5 > len(self.data) - 48:
            raise self.corrupt("a block runs past the end of the file (truncated?)")
        kind, crc = self.data[end], struct.unpack("<I", self.data[end + 1:end + 5])[0]
        if google_crc32c.value(self.data[offset:end + 1]) != _unmask(crc):
            raise self.corrupt(f"block at byte {offset} fails its CRC32C")
        if kind != 0:
            raise self.corrupt(f"block at byte {offset} is compressed (type {kind}); only raw blocks are read")
        return self.data[offset:end]

    @staticmethod
    def _entries(block):
        (restarts,) = struct.unpack("<I", block[-4:])
        limit, pos, key = len(block) - 4 - 4 * restarts, 0, b""
        while pos < limit:
            shared, pos = _varint(block, pos)
            unshared, pos = _varint(block, pos)
            size, pos = _varint(block, pos)
            key = key[:shared] + block[pos:pos + unshared]
            pos += unshared
            yield key, block[pos:pos + size]
            pos += size

    def items(self):
        for _, handle in self._entries(self._block(*self.index)):
            offset, pos = _varint(handle, 0)
            size, _ = _varint(handle, pos)
            yield from self._entries(self._block(offset, size))


class TFCheckpoint:
    """One TensorFlow checkpoint: its tensors' names, shapes and dtypes from the index; values on request."""

    def __init__(self, prefix):
        self.prefix = os.fspath(prefix)
        table = _Table(self.prefix + INDEX_SUFFIX)
        self.entries, self.num_shards, self.slices = {}, 1, {}
        for key, value in table.items():
            if key == b"":
                header = BundleHeaderProto.FromString(value)
                self.num_shards = max(header.num_shards, 1)
                if header.endianness != 0:
                    raise table.corrupt("big-endian checkpoints are not read")
                continue
            if key[:1] == b"\0":  # one slice of a partitioned variable (its whole entry, with `slices`, comes too)
                self.slices[key] = BundleEntryProto.FromString(value)
                continue
            self.entries[key.decode("utf-8")] = BundleEntryProto.FromString(value)

    def _error(self, name, what, cls=CorruptCheckpointError):
        return cls(f"TensorFlow checkpoint {self.prefix}: tensor {name!r} {what}")

    def unreadable(self):
        """{name: why} of the tensors graphgrad does not read."""
        out = {}
        for name, e in self.entries.items():
            if e.dtype not in _READ:
                out[name] = f"has dtype {_NAMES.get(e.dtype, e.dtype)}, which graphgrad does not read"
        return out

    def dtype(self, name):
        why = self.unreadable().get(name)
        if why:
            raise self._error(name, why, UnreadableCheckpointError)
        return np.dtype(_READ[self.entries[name].dtype])

    def shape(self, name):
        return tuple(d.size for d in self.entries[name].shape.dim)

    def index(self):
        """{name: (shape, dtype)} of the tensors graphgrad reads (partitioned ones with their full shape, as TF
        lists them; strings as object arrays)."""
        return {n: (self.shape(n), np.dtype(_READ[e.dtype])) for n, e in sorted(self.entries.items())
                if e.dtype in _READ}

    def read(self, name):
        """The tensor's value, its CRC32C checked; a partitioned one assembled from its slices."""
        e = self.entries[name]
        dt, shape = self.dtype(name), self.shape(name)
        if not e.slices:
            return self._read_entry(name, e, dt, shape)
        out, covered = np.zeros(shape, dt), 0
        for sl in e.slices:
            extents = _extents(sl)
            part = self.slices.get(slice_key(name, extents))
            if part is None or len(extents) != len(shape):
                raise self._error(name, f"lacks its slice {extents}")
            where = tuple(slice(s, None if n < 0 else s + n) for s, n in extents)
            piece = self._read_entry(name, part, dt, out[where].shape)
            out[where] = piece
            covered += piece.size
        if covered != out.size:
            raise self._error(name, f"has slices covering {covered} of its {out.size} elements")
        return out

    def _read_entry(self, name, e, dt, shape):
        path = f"{self.prefix}.data-{e.shard_id:05d}-of-{self.num_shards:05d}"
        try:
            with open(path, "rb") as f:
                f.seek(e.offset)
                raw = f.read(e.size)
        except FileNotFoundError:
            raise CorruptCheckpointError(f"TensorFlow checkpoint {self.prefix}: data file {path} is missing") from None
        if e.dtype == STRING and tuple(d.size for d in e.shape.dim) == tuple(shape) and len(raw) == e.size:
            return self._strings(name, raw, shape, e, path)
        if tuple(d.size for d in e.shape.dim) != tuple(shape) or len(raw) != e.size or \
                e.size != dt.itemsize * int(np.prod(shape, dtype=np.int64)):
            raise self._error(name, f"needs {e.size} bytes at {e.offset} of {path}, found {len(raw)}")
        if google_crc32c.value(raw) != _unmask(e.crc32c):
            raise self._error(name, f"fails its CRC32C in {path}")
        return np.frombuffer(raw, dt.newbyteorder("<")).astype(dt).reshape(shape)

    def _strings(self, name, raw, shape, e, path):
        count, pos, sizes = int(np.prod(shape, dtype=np.int64)), 0, []
        try:
            for _ in range(count):
                size, pos = _varint(raw, pos)
                sizes.append(size)
        except IndexError:
            raise self._error(name, f"has string lengths running past its bytes in {path}") from None
        lengths, stored, body = string_sizes(sizes), raw[pos:pos + 4], raw[pos + 4:]
        if len(stored) != 4 or len(body) != sum(sizes) or \
                google_crc32c.value(lengths) != _unmask(struct.unpack("<I", stored)[0]):
            raise self._error(name, f"has damaged string lengths in {path}")
        if google_crc32c.value(lengths + stored + body) != _unmask(e.crc32c):
            raise self._error(name, f"fails its CRC32C in {path}")
        out, start = np.empty(count, object), 0
        for i, size in enumerate(sizes):
            out[i] = body[start:start + size]
            start += size
        return out.reshape(shape)

    def read_all(self):
        """Every tensor graphgrad reads (`unreadable()` ones left out)."""
        skip = self.unreadable()
        return {n: self.read(n) for n in self.index() if n not in skip}
