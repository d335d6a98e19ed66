"""TFRecord files: `TFRecordWriter`, `tf_record_iterator`, `TFRecordOptions` (docs/data.md, "TFRecord files").

A TFRecord file is a sequence of records, each

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

little-endian, where masked_crc32c(x) = ((c >> 15) | (c << 17)) + 0xa282ead8 (mod 2**32) of c = CRC-32C(x); the whole
file may be GZIP- or ZLIB-compressed (TFRecordOptions). Reading streams: a record at a time through a buffered
(and, compressed, an incremental zlib) reader, never the whole file. As TensorFlow's RecordReader: a checksum that
does not match is a DataLossError "corrupted record at <offset>" (the offset of the header for the length's
checksum, of the data for the data's), a record cut short in its data or checksum is "truncated record at
<offset>", and a file that ends inside a record's 12-byte header ends the records (TF reads it as the end).
Offsets count the uncompressed stream. CRC-32C comes from `google-crc32c` (C, with its own pure-Python fallback);
without that package a table-driven implementation here does it. TensorBoard's event files (summary/writer.py)
are TFRecord files too and use `frame` from here.
"""
from __future__ import annotations

import io
import os
import struct
import zlib

from ..framework import errors

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator",
           "masked_crc32c", "crc32c", "frame", "read_records"]

try:
    from google_crc32c import value as _crc32c_value
except ImportError:  # pragma: no cover -- the dependency is declared; this keeps a bare checkout working
    _crc32c_value = None

def _crc_tables():
    poly, t0 = 0x82F63B78, []  # CRC-32C (Castagnoli), reflected
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t0.append(c)
    tables = [t0]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(prev[i] >> 8) ^ t0[prev[i] & 0xFF] for i in range(256)])
    return [tuple(t) for t in tables]


_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7 = _crc_tables()
_words = struct.Struct("<II").iter_unpack


def crc32c_python(data) -> int:
    """CRC-32C in pure Python, eight bytes per step (slicing-by-8): the fallback without google-crc32c (tests check
    it against known vectors)."""
    crc = 0xFFFFFFFF
    mv = memoryview(data)
    n8 = len(mv) & ~7
    for lo, hi in _words(mv[:n8]):
        x = crc ^ lo
        crc = (_T7[x & 0xFF] ^ _T6[(x >> 8) & 0xFF] ^ _T5[(x >> 16) & 0xFF] ^ _T4[x >> 24]
               ^ _T3[hi & 0xFF] ^ _T2[(hi >> 8) & 0xFF] ^ _T1[(hi >> 16) & 0xFF] ^ _T0[hi >> 24])
    for b in mv[n8:]:
        crc = _T0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc32c(data) -> int:
    return _crc32c_value(bytes(data)) if _crc32c_value is not None else crc32c_python(data)


_MASK_DELTA = 0xA282EAD8


def masked_crc32c(data) -> int:
    """TFRecord's masked CRC: rotate right by 15 and add a constant (so CRCs of CRCs look random)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    """One TFRecord record around `data` (also what TensorBoard's event files are made of)."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


class TFRecordCompressionType:
    """`tf.python_io.TFRecordCompressionType`."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


_BY_NAME = {"": TFRecordCompressionType.NONE, "NONE": TFRecordCompressionType.NONE,
            "ZLIB": TFRecordCompressionType.ZLIB, "GZIP": TFRecordCompressionType.GZIP}
_NAMES = {TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
          TFRecordCompressionType.GZIP: "GZIP"}


class TFRecordOptions:
    """`tf.io.TFRecordOptions(compression_type, ..., compression_level)`: NONE (or None / ""), "ZLIB" or "GZIP"
    (or the TFRecordCompressionType constants). The zlib tuning knobs TF takes are accepted; of them only
    `compression_level` changes what is written."""

    compression_type_map = {TFRecordCompressionType.ZLIB: "ZLIB", TFRecordCompressionType.GZIP: "GZIP",
                            TFRecordCompressionType.NONE: ""}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None, output_buffer_size=None,
                 window_bits=None, compression_level=None, compression_method=None, mem_level=None,
                 compression_strategy=None):
        self.compression_type = compression_type
        self.compression_level = compression_level
        self.flush_mode, self.input_buffer_size, self.output_buffer_size = flush_mode, input_buffer_size, \
            output_buffer_size
        self.window_bits, self.compression_method = window_bits, compression_method
        self.mem_level, self.compression_strategy = mem_level, compression_strategy
        compression_name(self)  # validates

    @classmethod
    def get_compression_type_string(cls, options):
        """"" / "ZLIB" / "GZIP" for options, a compression-type name or constant, or None."""
        return _NAMES[compression_name(options)]


def compression_name(options) -> int:
    """The TFRecordCompressionType of `options` (a TFRecordOptions, a name such as "GZIP", a constant, None)."""
    if isinstance(options, TFRecordOptions):
        options = options.compression_type
    if options is None:
        return TFRecordCompressionType.NONE
    if isinstance(options, bytes):
        options = options.decode()
    if isinstance(options, str):
        key = options.upper()
        if key not in _BY_NAME:
            raise ValueError(f'Unsupported compression type: {options!r} (use "", "ZLIB" or "GZIP")')
        return _BY_NAME[key]
    if options in _NAMES:
        return int(options)
    raise ValueError(f"Unsupported compression type: {options!r}")


def _wbits(kind):
    # zlib's windowBits: 15 is a zlib stream, 15 + 16 a gzip one (what TensorFlow's ZlibOutputBuffer writes)
    return 15 + 16 if kind == TFRecordCompressionType.GZIP else 15


def _path(path):
    return os.fsdecode(path.item() if hasattr(path, "item") else path)


class TFRecordWriter:
    """`tf.io.TFRecordWriter(path, options=None)` (`tf.python_io.TFRecordWriter`): `write(record)` appends one
    record (bytes, e.g. `example.SerializeToString()`); `flush()`, `close()`; a context manager."""

    def __init__(self, path, options=None):
        self._path = _path(path)
        self._kind = compression_name(options)
        level = options.compression_level if isinstance(options, TFRecordOptions) else None
        try:
            self._file = open(self._path, "wb")
        except FileNotFoundError as e:
            raise errors.NotFoundError(None, None, f"{self._path}; No such file or directory") from e
        except OSError as e:
            raise errors.UnknownError(None, None, f"{self._path}; {e.strerror}") from e
        self._zip = None
        if self._kind != TFRecordCompressionType.NONE:
            self._zip = zlib.compressobj(-1 if level is None or level < 0 else level, zlib.DEFLATED,
                                         _wbits(self._kind))

    def _put(self, data):
        if self._zip is not None:
            data = self._zip.compress(data)
        if data:
            self._file.write(data)

    def write(self, record):
        if self._file is None:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")
        if isinstance(record, str):
            record = record.encode("utf-8")
        self._put(frame(bytes(record)))

    def flush(self):
        if self._file is None:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")
        if self._zip is not None:
            self._file.write(self._zip.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self):
        if self._file is None:
            return
        if self._zip is not None:
            self._file.write(self._zip.flush(zlib.Z_FINISH))
        self._file.close()
        self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 -- nothing to report to at interpreter exit
            pass


class _Inflating(io.RawIOBase):
    """A file's zlib/gzip content, decompressed as it is read (concatenated gzip members included)."""

    def __init__(self, raw, wbits, path, chunk=1 << 16):
        self._raw, self._wbits, self._path, self._chunk = raw, wbits, path, chunk
        self._z = zlib.decompressobj(wbits)
        self._in = b""  # compressed input not yet given to zlib
        self._pending = b""  # decompressed output not yet read

    def readable(self):
        return True

    def readinto(self, buf):
        while not self._pending:
            if not self._in:
                self._in = self._raw.read(self._chunk)
                if not self._in:
                    return 0  # the end (a stream cut short reads as a truncated record)
            if self._z.eof:
                self._z = zlib.decompressobj(self._wbits)  # the next gzip member
            try:
                self._pending = self._z.decompress(self._in, self._chunk)
            except zlib.error as e:
                raise errors.DataLossError(None, None, f"{self._path}: cannot decompress ({e})") from e
            self._in = self._z.unused_data if self._z.eof else self._z.unconsumed_tail
        n = min(len(buf), len(self._pending))
        buf[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self):
        self._raw.close()
        super().close()


def _open(path, kind, buffer_size):
    try:
        raw = open(path, "rb", buffering=buffer_size if buffer_size and buffer_size > 1 else io.DEFAULT_BUFFER_SIZE)
    except FileNotFoundError as e:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from e
    except IsADirectoryError as e:
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from e
    except OSError as e:
        raise errors.UnknownError(None, None, f"{path}; {e.strerror}") from e
    if kind == TFRecordCompressionType.NONE:
        return raw
    return io.BufferedReader(_Inflating(raw, _wbits(kind), path), buffer_size or 256 * 1024)


def read_records(path, compression_type=None, buffer_size=None):
    """The records of the TFRecord file `path`, one `bytes` at a time (streaming); DataLossError naming the file
    and offset for a corrupted or truncated record."""
    path = _path(path)
    kind = compression_name(compression_type)
    with _open(path, kind, buffer_size) as f:
        offset = 0
        read = f.read
        unpack_q, unpack_i = struct.Struct("<Q").unpack, struct.Struct("<I").unpack
        while True:
            header = read(12)
            if len(header) < 12:
                return  # TF's reader: a file ending inside a header ends the records
            if unpack_i(header[8:])[0] != masked_crc32c(header[:8]):
                raise errors.DataLossError(None, None, f"corrupted record at {offset} in {path}")
            length = unpack_q(header[:8])[0]
            data = read(length + 4)
            if len(data) < length + 4:
                raise errors.DataLossError(None, None, f"truncated record at {offset} in {path}")
            record = data[:length]
            if unpack_i(data[length:])[0] != masked_crc32c(record):
                raise errors.DataLossError(None, None, f"corrupted record at {offset + 12} in {path}")
            yield record
            offset += 16 + length


def tf_record_iterator(path, options=None):
    """`tf.python_io.tf_record_iterator(path, options=None)` (`tf.io.tf_record_iterator`): the records of a file
    as `bytes`, read as they are asked for."""
    return read_records(path, options)
