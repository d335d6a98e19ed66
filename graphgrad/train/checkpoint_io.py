"""On-disk checkpoint layer under `tf.train.Saver`: safetensors data files and TF's `checkpoint` state file.

A checkpoint prefix such as ``logs/2/model.ckpt-50`` maps to exactly one data file,
``logs/2/model.ckpt-50.safetensors`` (see `data_path`). One file per checkpoint means one atomic rename
publishes it, so a crash can never leave a checkpoint whose index and data disagree (TF's V2 format
needs an ``.index`` plus ``.data-*`` shards and has no such guarantee).

The data file is plain safetensors (8-byte little-endian header length, JSON header, raw little-endian
bytes), written with NumPy only, so it can hold nothing but arrays and string metadata: loading it never
executes code, unlike pickle. graphgrad adds reserved ``graphgrad.*`` keys to ``__metadata__``: a format
version, a CRC32 per tensor and a CRC32 of the header itself, so every flipped or missing byte is caught.
Standard safetensors files without those keys are read too, with every structural check but no CRCs.
Every header field is validated before NumPy sees it, so a hostile file fails with CorruptCheckpointError
naming the file, never with a NumPy error or a RecursionError. See docs/checkpoint-format.md.
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import secrets
import socket
import time
import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..framework import errors

__all__ = [
    "CheckpointError",
    "CorruptCheckpointError",
    "CheckpointMismatchError",
    "CheckpointState",
    "DATA_SUFFIX",
    "FORMAT_VERSION",
    "save_arrays",
    "load_arrays",
    "read_index",
    "data_path",
    "checkpoint_exists",
    "remove_checkpoint",
    "write_checkpoint_state",
    "read_checkpoint_state",
    "latest_checkpoint",
    "cleanup_temp_files",
    "is_graphgrad_checkpoint",
]


class CheckpointError(errors.OpError, ValueError):
    """Base class for checkpoint problems: a `tf.errors.OpError` that is also a ValueError.

    Built from a message alone; `node_def` and `op` are None because no graph op failed.
    """

    def __init__(self, message):
        super().__init__(None, None, message)

    def __reduce__(self):
        return (type(self), (self.message,))


class CorruptCheckpointError(CheckpointError, errors.DataLossError):
    """A checkpoint file exists but its bytes are damaged, truncated or not a graphgrad checkpoint."""


class UnreadableCheckpointError(CheckpointError, errors.UnimplementedError):
    """A checkpoint TensorFlow wrote holds a tensor graphgrad does not read (partitioned, string, complex)."""


class CheckpointMismatchError(CheckpointError):
    """A checkpoint is intact but does not match what the caller expects (names, shapes, dtypes)."""


FORMAT_VERSION = "1"
DATA_SUFFIX = ".safetensors"
TF_INDEX_SUFFIX = ".index"  # a checkpoint written by TensorFlow (train/tf_bundle.py)
STATE_FILENAME = "checkpoint"
TEMP_SUFFIX = ".graphgrad-tmp"

_RESERVED_PREFIX = "graphgrad."
_VERSION_KEY = "graphgrad.format_version"
_CRC_KEY = "graphgrad.crc32"
_HEADER_CRC_KEY = "graphgrad.header_crc32"
_CRC_PLACEHOLDER = b"00000000"
_HEADER_CRC_PATTERN = f'"{_HEADER_CRC_KEY}":"'.encode()
_MAX_HEADER_BYTES = 100 * 1024 * 1024  # the limit the reference safetensors reader enforces
_MAX_RANK = 64 if int(np.__version__.split(".")[0]) >= 2 else 32  # NumPy's limit on dimensions
_MAX_BYTES = int(np.iinfo(np.intp).max)  # NumPy's limit on any dimension and on an array's byte size
_MAX_STATE_BYTES = 4 * 1024 * 1024  # a state file naming 10,000 checkpoints by long paths is ~2 MB
_STALE_TEMP_S = 3600.0  # a temp file whose writer cannot be checked is abandoned after an hour untouched

# `.<target>.<16 hex>.<host>-<pid>-<process nonce>.graphgrad-tmp`; files of graphgrad <= 0.1 lack the writer part.
_TEMP_RE = re.compile(r"\.(?P<target>.+)\.[0-9a-f]{16}(?:\.(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]{1,10})-"
                      r"(?P<nonce>[0-9a-f]{8}))?" + re.escape(TEMP_SUFFIX), re.S)
_HOST_TAG = f"{zlib.crc32(socket.gethostname().encode()):08x}"
# Tells this process apart from an earlier one that had the same pid (containers restart at the same pid).
_PROCESS_NONCE = secrets.token_hex(4)

# safetensors dtype code -> little-endian NumPy dtype.
_CODE_TO_DTYPE = {
    "BOOL": np.dtype("|b1"),
    "U8": np.dtype("|u1"),
    "I8": np.dtype("|i1"),
    "I16": np.dtype("<i2"),
    "U16": np.dtype("<u2"),
    "F16": np.dtype("<f2"),
    "I32": np.dtype("<i4"),
    "U32": np.dtype("<u4"),
    "F32": np.dtype("<f4"),
    "I64": np.dtype("<i8"),
    "U64": np.dtype("<u8"),
    "F64": np.dtype("<f8"),
}
# (kind, itemsize) -> code, so big-endian inputs map to the same code as native ones.
_KIND_TO_CODE = {(dt.kind, dt.itemsize): code for code, dt in _CODE_TO_DTYPE.items()}


# --------------------------------------------------------------------------- atomic file writes


def _fsync_dir(directory: str) -> None:
    """Make a rename/create inside `directory` durable; without it a power cut can undo the rename."""
    if os.name == "nt":  # Windows cannot open directories; NTFS journals renames itself.
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as e:  # some filesystems (e.g. certain network mounts) refuse directory fsync
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _ensure_dir(directory: str) -> None:
    """Create `directory` (and parents) durably, so a fresh checkpoint dir survives a crash too."""
    if os.path.isdir(directory):
        return
    parent = os.path.dirname(directory)
    if parent and parent != directory:
        _ensure_dir(parent)
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory)
    _fsync_dir(parent or ".")


def _temp_name(path: str, pid: int | None = None) -> str:
    """Hidden name beside `path`; matches _TEMP_RE and never ends in DATA_SUFFIX or equals the state file.

    It names its writer (host, pid, process nonce) so a later cleanup can tell a live writer's file from
    one left by a killed process.
    """
    directory, base = os.path.split(path)
    pid = os.getpid() if pid is None else pid
    writer = f"{_HOST_TAG}-{pid}-{_PROCESS_NONCE}"
    return os.path.join(directory, f".{base}.{secrets.token_hex(8)}.{writer}{TEMP_SUFFIX}")


def _writer_alive(m: re.Match) -> bool | None:
    """Whether the process that named temp file `m` still runs: True, False, or None when it cannot be told."""
    if m["pid"] is None or m["host"] != _HOST_TAG:
        return None  # an old-style name, or a writer on another machine sharing this filesystem
    pid = int(m["pid"])
    if pid == os.getpid():
        return m["nonce"] == _PROCESS_NONCE  # another nonce: an earlier process that had our pid
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: the process exists but belongs to another user
        return True
    return True


def _atomic_write(path: str | os.PathLike, write) -> None:
    """Write via `write(fileobj)` to a temp file, fsync, rename over `path`, fsync the directory.

    Readers and crash survivors therefore see the complete old file or the complete new one, never a
    partial file under the final name. os.open (not mkstemp) so the file gets the usual umask mode.
    """
    path = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(path)
    _ensure_dir(directory)
    tmp = _temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def cleanup_temp_files(
    directory: str | os.PathLike, min_age_s: float = _STALE_TEMP_S, targets=None
) -> list[str]:
    """Delete temp files that killed writers left behind; returns the removed paths.

    Only names of this module's pattern (``.<target>.<16 hex>.<writer>.graphgrad-tmp``) are touched, and
    only those whose `target` (the final file name) passes the `targets` predicate when one is given. A
    file whose writer process on this machine has exited is removed at once; one whose writer still runs
    is never removed, so a concurrent save keeps its file. A file whose writer cannot be checked (another
    machine, an old-style name, Windows) is removed once untouched for `min_age_s` seconds.
    """
    directory = os.fspath(directory)
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    removed = []
    now = time.time()
    for name in sorted(names):
        m = _TEMP_RE.fullmatch(name)
        if m is None or (targets is not None and not targets(m["target"])):
            continue
        alive = _writer_alive(m)
        full = os.path.join(directory, name)
        with contextlib.suppress(FileNotFoundError):
            if alive or (alive is None and now - os.stat(full).st_mtime < min_age_s):
                continue
            os.unlink(full)
            removed.append(full)
    return removed


# --------------------------------------------------------------------------- writing data files


def _dtype_code(name: str, dtype: np.dtype) -> str:
    code = _KIND_TO_CODE.get((dtype.kind, dtype.itemsize))
    if code is None:
        supported = ", ".join(str(dt.newbyteorder("=")) for dt in _CODE_TO_DTYPE.values())
        raise TypeError(f"cannot checkpoint {name!r}: dtype {dtype} is not supported ({supported})")
    return code


def _check_name(name) -> None:
    if not isinstance(name, str) or not name:
        raise ValueError(f"tensor names must be non-empty strings, got {name!r}")
    if name == "__metadata__":
        raise ValueError("'__metadata__' is reserved by the safetensors format")


def _check_metadata(metadata) -> dict[str, str]:
    metadata = dict(metadata or {})
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"checkpoint metadata must map str to str, got {key!r}: {value!r}")
        if key.startswith(_RESERVED_PREFIX):
            raise ValueError(f"metadata key {key!r} uses the reserved prefix {_RESERVED_PREFIX!r}")
    return metadata


def _as_bytes_view(arr: np.ndarray) -> np.ndarray:
    """Flat uint8 view of a C-contiguous array (works for 0-d and 0-size arrays)."""
    return arr.reshape(-1).view(np.uint8)


def _encode_header(entries: dict, metadata: dict[str, str]) -> bytes:
    """JSON header padded to 8 bytes, with its own CRC32 patched into the placeholder.

    The CRC covers every header byte (padding included) with the CRC value itself zeroed, so a change
    anywhere in the header - a dtype letter, a metadata value, a space - is detected.
    """
    header = dict(entries)
    header["__metadata__"] = {**metadata, _HEADER_CRC_KEY: _CRC_PLACEHOLDER.decode()}
    raw = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    raw += b" " * (-len(raw) % 8)  # keeps the data 8-byte aligned for zero-copy readers
    pos = raw.index(_HEADER_CRC_PATTERN) + len(_HEADER_CRC_PATTERN)
    crc = f"{zlib.crc32(raw):08x}".encode()
    return raw[:pos] + crc + raw[pos + len(_CRC_PLACEHOLDER):]


def save_arrays(
    path: str | os.PathLike, arrays: dict[str, np.ndarray], metadata: dict[str, str] | None = None
) -> None:
    """Atomically write `arrays` (and string `metadata`) as one safetensors file at `path`.

    Creates missing parent directories. Arrays are stored little-endian and C-ordered whatever their
    layout in memory; a process killed at any moment leaves the previous file (or none) at `path`.
    """
    metadata = _check_metadata(metadata)
    prepared = []
    for name, value in arrays.items():
        _check_name(name)
        arr = np.asarray(value)
        code = _dtype_code(name, arr.dtype)
        data = _as_bytes_view(np.ascontiguousarray(arr, dtype=_CODE_TO_DTYPE[code]))
        prepared.append((name, code, tuple(int(d) for d in arr.shape), data))
    # Widest dtypes first keeps every tensor aligned to its item size (as the safetensors package does).
    prepared.sort(key=lambda p: (-_CODE_TO_DTYPE[p[1]].itemsize, p[0]))

    entries, crcs, offset = {}, {}, 0
    for name, code, shape, data in prepared:
        entries[name] = {"dtype": code, "shape": list(shape), "data_offsets": [offset, offset + data.size]}
        crcs[name] = f"{zlib.crc32(data):08x}"
        offset += data.size
    crc_table = json.dumps(crcs, separators=(",", ":"), sort_keys=True)
    reserved = {_VERSION_KEY: FORMAT_VERSION, _CRC_KEY: crc_table}
    header = _encode_header(entries, {**metadata, **reserved})

    def write(f):
        f.write(len(header).to_bytes(8, "little"))
        f.write(header)
        for *_, data in prepared:
            f.write(memoryview(data))

    _atomic_write(path, write)


# --------------------------------------------------------------------------- reading data files


@dataclass(frozen=True)
class _TensorInfo:
    name: str
    dtype: np.dtype  # little-endian storage dtype
    shape: tuple[int, ...]
    begin: int
    end: int


def _reject_duplicates(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        dupes = sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        raise ValueError(f"duplicate keys in JSON object: {dupes[:5]}")
    return out


class _Reader:
    """Validates a data file's header; `corrupt(msg)` builds errors that always name the file."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        self.crcs = None  # tensor name -> CRC32 hex for graphgrad files; None for plain safetensors

    def corrupt(self, what: str) -> CorruptCheckpointError:
        return CorruptCheckpointError(f"corrupt checkpoint {self.path!r}: {what}")

    def read_header(self, f) -> tuple[list[_TensorInfo], dict[str, str], int]:
        """Parse and validate the header; returns (tensors by offset, metadata, data start)."""
        file_size = os.fstat(f.fileno()).st_size
        prefix = f.read(8)
        if len(prefix) < 8:
            raise self.corrupt(f"file is {file_size} bytes, too short for the 8-byte header length")
        header_len = int.from_bytes(prefix, "little")
        if not 2 <= header_len <= min(file_size - 8, _MAX_HEADER_BYTES):
            raise self.corrupt(f"header length {header_len} is impossible for a {file_size}-byte file")
        raw = f.read(header_len)
        if len(raw) != header_len:
            raise self.corrupt("file shrank while reading the header")
        checksummed = _HEADER_CRC_PATTERN in raw  # a graphgrad file; other safetensors files have no CRCs
        if checksummed:
            self.check_header_crc(raw)
        try:
            header = json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicates)
        except ValueError as e:  # includes UnicodeDecodeError and JSONDecodeError
            raise self.corrupt(f"header is not valid UTF-8 JSON ({e})") from None
        except RecursionError:  # the C scanner's guard; the header is checked to be at most 3 deep anyway
            raise self.corrupt("header JSON is nested too deeply") from None
        if not isinstance(header, dict):
            raise self.corrupt("header is not a JSON object")
        metadata = self.parse_metadata(header.pop("__metadata__", None if checksummed else {}), checksummed)
        tensors = sorted((self.parse_entry(k, v) for k, v in header.items()), key=lambda t: (t.begin, t.end))
        data_start = 8 + header_len
        self.check_layout(tensors, file_size - data_start)
        return tensors, metadata, data_start

    def check_header_crc(self, raw: bytes) -> None:
        if raw.count(_HEADER_CRC_PATTERN) != 1:
            raise self.corrupt(f"header lacks a single {_HEADER_CRC_KEY!r} (not a graphgrad checkpoint?)")
        pos = raw.index(_HEADER_CRC_PATTERN) + len(_HEADER_CRC_PATTERN)
        stored = raw[pos:pos + 8]
        if raw[pos + 8:pos + 9] != b'"':
            raise self.corrupt("header checksum entry is malformed")
        actual = f"{zlib.crc32(raw[:pos] + _CRC_PLACEHOLDER + raw[pos + 8:]):08x}".encode()
        if stored != actual:
            raise self.corrupt(f"header checksum mismatch (stored {stored!r}, computed {actual.decode()})")

    def parse_metadata(self, metadata, checksummed: bool) -> dict[str, str]:
        """User metadata; for graphgrad files also the version check and the tensor CRC table."""
        if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise self.corrupt("'__metadata__' is not a str->str map (the safetensors spec requires strings)")
        if not checksummed:
            reserved = sorted(k for k in metadata if k.startswith(_RESERVED_PREFIX))
            if reserved:  # a graphgrad header whose checksum entry was damaged, not a foreign file
                raise self.corrupt(f"header has {reserved[:3]} but no header checksum {_HEADER_CRC_KEY!r}")
            return metadata
        version = metadata.get(_VERSION_KEY)
        if version != FORMAT_VERSION:
            # The header CRC already passed, so this file is intact but from another format version.
            raise CheckpointError(
                f"checkpoint {self.path!r} has format version {version!r}; "
                f"this graphgrad reads version {FORMAT_VERSION!r}"
            )
        try:
            self.crcs = json.loads(metadata[_CRC_KEY])
        except (KeyError, ValueError):
            raise self.corrupt(f"metadata {_CRC_KEY!r} is missing or not JSON") from None
        if not isinstance(self.crcs, dict):
            raise self.corrupt(f"metadata {_CRC_KEY!r} is not a JSON object")
        return {k: v for k, v in metadata.items() if not k.startswith(_RESERVED_PREFIX)}

    def parse_entry(self, name: str, entry) -> _TensorInfo:
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise self.corrupt(f"tensor {name!r}: entry must have exactly dtype, shape, data_offsets")
        dtype = _CODE_TO_DTYPE.get(entry["dtype"]) if isinstance(entry["dtype"], str) else None
        if dtype is None:
            raise self.corrupt(f"tensor {name!r}: unknown dtype {_clip(entry['dtype'])}")
        shape, offsets = entry["shape"], entry["data_offsets"]
        if not _is_int_list(shape) or any(not 0 <= d <= _MAX_BYTES for d in shape):
            raise self.corrupt(f"tensor {name!r}: bad shape {_clip(shape)} (needs non-negative int64 sizes)")
        if len(shape) > _MAX_RANK:
            raise self.corrupt(f"tensor {name!r}: shape has {len(shape)} dimensions, NumPy allows {_MAX_RANK}")
        span = dtype.itemsize  # NumPy refuses arrays whose nonzero sizes multiply past intp, zero-size or not
        for d in shape:
            span *= max(d, 1)
        if span > _MAX_BYTES:
            raise self.corrupt(f"tensor {name!r}: shape {shape} is too large for NumPy")
        if not _is_int_list(offsets) or len(offsets) != 2 or not 0 <= offsets[0] <= offsets[1]:
            raise self.corrupt(f"tensor {name!r}: bad data_offsets {_clip(offsets)}")
        nbytes = math.prod(shape) * dtype.itemsize
        if offsets[1] - offsets[0] != nbytes:
            raise self.corrupt(
                f"tensor {name!r}: shape {shape} of {entry['dtype']} needs {nbytes} bytes, "
                f"offsets {_clip(offsets)} hold {offsets[1] - offsets[0]}"
            )
        if self.crcs is not None and not isinstance(self.crcs.get(name), str):
            raise self.corrupt(f"tensor {name!r}: no checksum recorded")
        return _TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1])

    def check_layout(self, tensors: list[_TensorInfo], data_len: int) -> None:
        """Tensors must tile the data region exactly: no gaps, overlaps or trailing bytes."""
        if self.crcs is not None and set(self.crcs) != {t.name for t in tensors}:
            raise self.corrupt("checksum table does not list exactly the stored tensors")
        expected = 0
        for t in tensors:
            if t.begin != expected:
                raise self.corrupt(f"tensor {t.name!r} starts at data byte {t.begin}, expected {expected}")
            expected = t.end
        if expected != data_len:
            raise self.corrupt(f"tensors cover {expected} data bytes, the file holds {data_len} (truncated?)")

    def read_tensor(self, f, t: _TensorInfo) -> np.ndarray:
        arr = np.empty(t.shape, dtype=t.dtype)
        buf = _as_bytes_view(arr)
        if f.readinto(buf) != buf.size:
            raise self.corrupt(f"tensor {t.name!r}: file ended early")
        if self.crcs is not None:
            crc = f"{zlib.crc32(buf):08x}"
            stored = self.crcs[t.name]
            if crc != stored:
                raise self.corrupt(f"tensor {t.name!r}: checksum mismatch (stored {stored}, computed {crc})")
        if t.dtype.kind == "b" and buf.size and buf.max() > 1:
            raise self.corrupt(f"tensor {t.name!r}: bool bytes other than 0/1")
        return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))


def _is_int_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)


def _clip(value) -> str:
    """repr for an error message, cut short: a hostile header can hold megabytes in one field."""
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def load_arrays(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read and fully verify a data file; returns (arrays by name, user metadata).

    Arrays are fresh, writeable, native-endian NumPy arrays (no mmap, nothing shared with the file).
    Raises FileNotFoundError if `path` is missing and CorruptCheckpointError (naming the file and the
    problem) for any damage: truncation, flipped bytes, bad header, checksum mismatch.
    """
    reader = _Reader(path)
    with open(reader.path, "rb") as f:
        tensors, metadata, data_start = reader.read_header(f)
        f.seek(data_start)
        arrays = {t.name: reader.read_tensor(f, t) for t in tensors}
        if f.read(1):
            raise reader.corrupt("file grew while being read")
    return dict(sorted(arrays.items())), metadata


def read_index(path: str | os.PathLike) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Names -> (shape, native dtype) from the verified header only, without reading tensor data.

    Cheap enough for `list_variables` on huge checkpoints; data checksums are checked by `load_arrays`.
    """
    reader = _Reader(path)
    with open(reader.path, "rb") as f:
        tensors, _, _ = reader.read_header(f)
    return {t.name: (t.shape, t.dtype.newbyteorder("=")) for t in sorted(tensors, key=lambda t: t.name)}


def is_graphgrad_checkpoint(path: str | os.PathLike) -> bool:
    """Whether `path` is a graphgrad data file whose header verifies against its own checksum.

    Never raises; Saver uses it so that cleaning up a folder never deletes a file that is not its own.
    """
    reader = _Reader(path)
    try:
        with open(reader.path, "rb") as f:
            reader.read_header(f)
    except (OSError, CheckpointError):
        return False
    return reader.crcs is not None


# --------------------------------------------------------------------------- checkpoint prefixes


def data_path(prefix: str | os.PathLike) -> str:
    """The single data file of checkpoint `prefix` (one file, so one rename publishes it atomically)."""
    return os.fspath(prefix) + DATA_SUFFIX


def checkpoint_exists(prefix: str | os.PathLike) -> bool:
    """Whether checkpoint `prefix` has its data file, or is one TensorFlow wrote (its `.index` file; see
    `load_checkpoint`). Existence only: loading verifies the contents."""
    return os.path.isfile(data_path(prefix)) or os.path.isfile(os.fspath(prefix) + TF_INDEX_SUFFIX)


def load_checkpoint(prefix: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(arrays, user metadata) of checkpoint `prefix`: graphgrad's data file, or else a checkpoint in
    TensorFlow's tensor-bundle format (train/tf_bundle.py; no metadata), so TF1 users' trained models restore.
    FileNotFoundError when there is neither."""
    if os.path.isfile(data_path(prefix)) or not os.path.isfile(os.fspath(prefix) + TF_INDEX_SUFFIX):
        return load_arrays(data_path(prefix))
    from .tf_bundle import TFCheckpoint

    return TFCheckpoint(prefix).read_all(), {}


def read_checkpoint_index(prefix: str | os.PathLike) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """`read_index` of checkpoint `prefix`, in either format (see `load_checkpoint`)."""
    if os.path.isfile(data_path(prefix)) or not os.path.isfile(os.fspath(prefix) + TF_INDEX_SUFFIX):
        return read_index(data_path(prefix))
    from .tf_bundle import TFCheckpoint

    return TFCheckpoint(prefix).index()


def unreadable_tensors(prefix: str | os.PathLike) -> dict[str, str]:
    """Tensors of checkpoint `prefix` that graphgrad does not read, with why (only TF checkpoints have any)."""
    if os.path.isfile(data_path(prefix)) or not os.path.isfile(os.fspath(prefix) + TF_INDEX_SUFFIX):
        return {}
    from .tf_bundle import TFCheckpoint

    return TFCheckpoint(prefix).unreadable()


def checkpoint_file(prefix: str | os.PathLike) -> str:
    """The file that stands for checkpoint `prefix` (its data file; a TF checkpoint's `.index`): its mtime."""
    path = data_path(prefix)
    return path if os.path.isfile(path) or not os.path.isfile(os.fspath(prefix) + TF_INDEX_SUFFIX) else \
        os.fspath(prefix) + TF_INDEX_SUFFIX


def remove_checkpoint(prefix: str | os.PathLike) -> None:
    """Delete checkpoint `prefix`'s data file and its meta graph (`prefix.meta`, as TF); a missing file is fine
    (Saver's max_to_keep may race)."""
    for path in (data_path(prefix), f"{os.fspath(prefix)}.meta"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


# --------------------------------------------------------------------------- the `checkpoint` state file


@dataclass(frozen=True)
class CheckpointState:
    """TF's CheckpointState proto: the newest prefix and all kept prefixes, oldest first."""

    model_checkpoint_path: str
    all_model_checkpoint_paths: tuple[str, ...] = ()


_SIMPLE_ESCAPES = {
    "n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, "'": 39, '"': 34, "?": 63,
}
_ESCAPE_OUT = {10: b"\\n", 9: b"\\t", 13: b"\\r", 92: b"\\\\", 39: b"\\'", 34: b'\\"'}
# One escape: octal, hex, or any other character (checked against _SIMPLE_ESCAPES); empty at a trailing "\".
# Each match is a few characters, so scanning a value is linear in its length.
_ESCAPE_RE = re.compile(r"\\([0-7]{1,3}|[xX][0-9A-Fa-f]{1,2}|.?)", re.S)
_STATE_KEY_RE = re.compile(r"[A-Za-z_]\w*")
_IGNORED_STATE_FIELDS = {"all_model_checkpoint_timestamps", "last_preserved_timestamp"}


def _text_escape(value: str) -> str:
    """C-escape like protobuf's text_format (UTF-8 bytes >= 0x80 as octal), so TF reads our file."""
    out = bytearray()
    for byte in value.encode("utf-8"):
        if byte in _ESCAPE_OUT:
            out += _ESCAPE_OUT[byte]
        elif byte < 0x20 or byte >= 0x7F:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return out.decode("ascii")


def _escape_byte(escape: str) -> int:
    """The byte of one escape as `_ESCAPE_RE` captured it (without the backslash)."""
    if escape in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[escape]
    if escape[:1] in ("x", "X") and len(escape) > 1:
        return int(escape[1:], 16)
    if escape[:1] in ("0", "1", "2", "3", "4", "5", "6", "7"):
        if int(escape, 8) > 0xFF:
            raise ValueError(f"octal escape \\{escape} out of range")
        return int(escape, 8)
    raise ValueError("backslash at the end of the value" if not escape else f"invalid escape \\{escape}")


def _text_unescape(body: str, quote: str) -> str:
    """Inverse of `_text_escape` for a value between `quote`s, also accepting \\xHH and the other C escapes
    text_format allows. One pass over `body` (no backtracking, no re-slicing), so time is linear."""
    out, pos = bytearray(), 0
    for m in _ESCAPE_RE.finditer(body):
        plain = body[pos:m.start()]
        if quote in plain:
            raise ValueError(f"unescaped {quote} inside the value")
        out += plain.encode("utf-8")
        out.append(_escape_byte(m.group(1)))
        pos = m.end()
    plain = body[pos:]
    if quote in plain:
        raise ValueError(f"unescaped {quote} inside the value")
    out += plain.encode("utf-8")
    return out.decode("utf-8")


def _relative_if_inside(directory: str, path: str | os.PathLike) -> str:
    """How TF stores a path in the state file: relative to `directory` if inside it, else absolute.

    `path` is an ordinary path (relative paths are relative to the working directory), e.g. what
    Saver.save returns. Relative entries keep a checkpoint directory valid after it is moved.
    """
    abs_dir = os.path.abspath(directory)
    abs_path = os.path.abspath(os.fspath(path))
    with contextlib.suppress(ValueError):  # commonpath: different drives on Windows
        if os.path.commonpath([abs_dir, abs_path]) == abs_dir and abs_path != abs_dir:
            return os.path.relpath(abs_path, abs_dir)
    return abs_path


def write_checkpoint_state(
    directory: str | os.PathLike,
    model_checkpoint_path: str | os.PathLike,
    all_model_checkpoint_paths: list[str] | tuple[str, ...] | None = None,
    filename: str = STATE_FILENAME,
) -> None:
    """Atomically write TF's text-format `checkpoint` file in `directory`.

    As in TF, `model_checkpoint_path` is appended to `all_model_checkpoint_paths` unless it is already
    the last entry, so the list always ends with the newest checkpoint.
    """
    directory = os.fspath(directory)
    newest = _relative_if_inside(directory, model_checkpoint_path)
    kept = [_relative_if_inside(directory, p) for p in (all_model_checkpoint_paths or ())]
    if not kept or kept[-1] != newest:
        kept.append(newest)
    lines = [f'model_checkpoint_path: "{_text_escape(newest)}"']
    lines += [f'all_model_checkpoint_paths: "{_text_escape(p)}"' for p in kept]
    text = ("\n".join(lines) + "\n").encode("ascii")
    if len(text) > _MAX_STATE_BYTES:  # refuse to write what read_checkpoint_state would refuse to read
        raise CheckpointError(f"checkpoint state file for {directory!r} would be {len(text):,} bytes, more than "
                              f"the {_MAX_STATE_BYTES:,} readers accept; keep fewer checkpoints")
    _atomic_write(os.path.join(directory, filename), lambda f: f.write(text))


def _state_error(where: str, what: str) -> CorruptCheckpointError:
    return CorruptCheckpointError(f"corrupt checkpoint state file {where!r}: {what}")


def _split_state_line(line: str) -> tuple[str, str | None, str] | None:
    """`key: "value"` -> (key, quote, body); `key: token` -> (key, None, token); None if malformed."""
    key, colon, value = line.strip().partition(":")
    key, value = key.rstrip(), value.lstrip()
    if not colon or not _STATE_KEY_RE.fullmatch(key) or not value:
        return None
    quote = value[0]
    if quote in ('"', "'"):
        return (key, quote, value[1:-1]) if len(value) >= 2 and value[-1] == quote else None
    return (key, None, value) if len(value.split()) == 1 else None


def _parse_state(text: str, where: str) -> tuple[str, list[str]]:
    """The newest path and the kept paths, in one linear pass (no backtracking regex over whole lines)."""
    newest, kept = None, []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = _split_state_line(line)
        if parts is None:
            raise _state_error(where, f"line {lineno} is not `key: value`: {_clip(line)}")
        key, quote, body = parts
        if key in _IGNORED_STATE_FIELDS and quote is None:
            continue
        if key not in ("model_checkpoint_path", "all_model_checkpoint_paths") or quote is None:
            raise _state_error(where, f"line {lineno} is unexpected: {_clip(line)}")
        try:
            value = _text_unescape(body, quote)
        except ValueError as e:  # bad escape, stray quote or invalid UTF-8
            raise _state_error(where, f"line {lineno}: {e}") from None
        if key == "all_model_checkpoint_paths":
            kept.append(value)
        elif newest is not None:
            raise _state_error(where, "model_checkpoint_path given twice")
        else:
            newest = value
    if not newest:
        raise _state_error(where, "no model_checkpoint_path")
    return newest, kept


def read_checkpoint_state(
    directory: str | os.PathLike, filename: str = STATE_FILENAME
) -> CheckpointState | None:
    """Parse `directory/filename`; None if it does not exist.

    Relative entries are joined onto `directory` (absolute ones kept), as TF's get_checkpoint_state
    does. A malformed file raises CorruptCheckpointError instead of TF's silent None, so a damaged
    state file is never mistaken for "no checkpoint yet" (which would restart training from scratch).
    So does a file over 4 MiB, refused before it is read into memory.
    """
    directory = os.fspath(directory)
    state_path = os.path.join(directory, filename)
    try:
        with open(state_path, "rb") as f:
            size = os.fstat(f.fileno()).st_size  # read no more than the file holds, and never past the cap
            raw = f.read(min(size, _MAX_STATE_BYTES) + 1)
    except FileNotFoundError:
        return None
    if len(raw) > _MAX_STATE_BYTES:
        raise _state_error(state_path, f"larger than {_MAX_STATE_BYTES:,} bytes (the most a state file may hold)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _state_error(state_path, "not UTF-8 text") from None
    newest, kept = _parse_state(text, state_path)
    def resolve(p: str) -> str:
        return p if os.path.isabs(p) else os.path.join(directory, p)

    return CheckpointState(resolve(newest), tuple(resolve(p) for p in kept))


def latest_checkpoint(directory: str | os.PathLike, latest_filename: str | None = None) -> str | None:
    """Prefix of the newest checkpoint recorded in `directory`, or None if none exists (any more)."""
    state = read_checkpoint_state(directory, latest_filename or STATE_FILENAME)
    if state is None or not checkpoint_exists(state.model_checkpoint_path):
        return None
    return state.model_checkpoint_path
