"""Tests for graphgrad.train.checkpoint_io: round trips, corruption detection, state file, crash safety."""

import json
import os
import random
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from graphgrad.train import checkpoint_io as cio
from graphgrad.train.checkpoint_io import CheckpointError, CorruptCheckpointError

try:
    import safetensors
    import safetensors.numpy
except ImportError:  # the compatibility checks are skipped, everything else still runs
    safetensors = None

needs_safetensors = pytest.mark.skipif(safetensors is None, reason="safetensors is not installed")

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
          np.uint8, np.uint16, np.uint32, np.uint64, np.bool_]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def same(loaded: np.ndarray, original) -> bool:
    """Bit-exact equality (NaN payloads and -0.0 included) after conversion to native byte order."""
    original = np.asarray(original)
    native = original.dtype.newbyteorder("=")
    return (loaded.dtype == native and loaded.shape == original.shape
            and loaded.tobytes() == original.astype(native).tobytes())


def sample_arrays():
    return {
        "dense/kernel": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
        "dense/bias": np.array([-1.5, 0.0, 2.25], dtype=np.float64),
        "global_step": np.array(250, dtype=np.int64),
        "mask": np.array([[True, False], [False, True]]),
        "empty": np.zeros((0, 5), dtype=np.int16),
        "half": np.array([1.0, -2.0, np.inf], dtype=np.float16),
    }


# --------------------------------------------------------------------------- round trips


@st.composite
def array_dicts(draw):
    names = draw(st.lists(st.text(min_size=1, max_size=10).filter(lambda s: s != "__metadata__"),
                          max_size=5, unique=True))
    arrays = {}
    for name in names:
        dtype = np.dtype(draw(st.sampled_from(DTYPES))).newbyteorder(draw(st.sampled_from("<>=")))
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
        arr = draw(hnp.arrays(dtype, shape))
        arrays[name] = arr.T if draw(st.booleans()) else arr  # also non-C-contiguous inputs
    return arrays


@FAST
@given(arrays=array_dicts(),
       metadata=st.dictionaries(st.text().filter(lambda k: not k.startswith("graphgrad.")), st.text(),
                                max_size=4))
def test_round_trip_any_dtype_and_shape(tmp_path, arrays, metadata):
    path = tmp_path / "rt.safetensors"
    cio.save_arrays(path, arrays, metadata)
    loaded, meta = cio.load_arrays(path)
    assert meta == metadata
    assert list(loaded) == sorted(arrays)
    for name, arr in arrays.items():
        assert same(loaded[name], arr), name
        assert loaded[name].flags.writeable and loaded[name].flags.owndata
    index = cio.read_index(path)
    assert index == {n: (a.shape, a.dtype.newbyteorder("=")) for n, a in arrays.items()}
    if safetensors is not None:
        theirs = safetensors.numpy.load_file(path)
        assert set(theirs) == set(arrays)
        for name, arr in arrays.items():
            assert same(np.asarray(theirs[name]), arr), name


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (3, 0, 2), (2, 3, 5), (1, 1, 1, 7)])
def test_every_dtype_and_odd_shapes(tmp_path, dtype, shape):
    arr = (np.arange(int(np.prod(shape))) % 3).astype(dtype).reshape(shape)
    path = tmp_path / "a.safetensors"
    cio.save_arrays(path, {"x": arr})
    loaded, _ = cio.load_arrays(path)
    assert same(loaded["x"], arr)
    loaded["x"][...] = 1  # owned and writeable


def test_scalars_and_numpy_scalar_inputs(tmp_path):
    path = tmp_path / "s.safetensors"
    cio.save_arrays(path, {"a": np.float32(1.5), "b": 7, "c": np.array(True)})
    loaded, _ = cio.load_arrays(path)
    assert loaded["a"].shape == () and loaded["a"].dtype == np.float32 and loaded["a"] == 1.5
    assert loaded["b"].shape == () and loaded["b"] == 7
    assert loaded["c"].dtype == np.bool_ and loaded["c"]


def test_metadata_round_trip_and_empty_checkpoint(tmp_path):
    path = tmp_path / "m.safetensors"
    meta = {"global_step": "250", "graph": json.dumps({"ops": ["a", "b"]}), "unicode ✓": "naïve \"quoted\"\n"}
    cio.save_arrays(path, {}, meta)
    assert cio.load_arrays(path) == ({}, meta)
    assert cio.read_index(path) == {}


def test_save_creates_parent_dirs_and_overwrites(tmp_path):
    path = tmp_path / "a" / "b" / "c.safetensors"
    cio.save_arrays(path, {"x": np.ones(3)})
    cio.save_arrays(path, {"y": np.zeros(2, np.int8)})
    loaded, _ = cio.load_arrays(path)
    assert list(loaded) == ["y"]
    assert os.listdir(path.parent) == ["c.safetensors"]  # no temp file left behind


@pytest.mark.parametrize("arrays, metadata, error", [
    ({"x": np.array([1 + 2j])}, None, TypeError),
    ({"x": np.array(["text"])}, None, TypeError),
    ({"x": np.array([object()])}, None, TypeError),
    ({"": np.ones(1)}, None, ValueError),
    ({"__metadata__": np.ones(1)}, None, ValueError),
    ({3: np.ones(1)}, None, ValueError),
    ({}, {"graphgrad.format_version": "9"}, ValueError),
    ({}, {"k": 1}, TypeError),
])
def test_save_rejects_bad_input(tmp_path, arrays, metadata, error):
    with pytest.raises(error):
        cio.save_arrays(tmp_path / "bad.safetensors", arrays, metadata)
    assert not os.listdir(tmp_path)


def test_failed_save_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    path = tmp_path / "c.safetensors"
    cio.save_arrays(path, {"x": np.ones(3)})

    def broken_fsync(fd):
        raise OSError("disk on fire")

    monkeypatch.setattr(cio.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk on fire"):
        cio.save_arrays(path, {"x": np.zeros(3)})
    monkeypatch.undo()
    assert same(cio.load_arrays(path)[0]["x"], np.ones(3))
    assert os.listdir(tmp_path) == ["c.safetensors"]


@needs_safetensors
def test_real_safetensors_reader_and_metadata(tmp_path):
    path = tmp_path / "compat.safetensors"
    arrays = sample_arrays()
    cio.save_arrays(path, arrays, {"step": "250"})
    theirs = safetensors.numpy.load_file(path)
    for name, arr in arrays.items():
        assert same(np.asarray(theirs[name]), arr)
    with safetensors.safe_open(path, framework="numpy") as f:
        assert f.metadata()["step"] == "250"
        assert f.metadata()["graphgrad.format_version"] == cio.FORMAT_VERSION


# --------------------------------------------------------------------------- corruption


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.safetensors"
    cio.save_arrays(path, sample_arrays(), {"note": "hello"})
    return path, path.read_bytes()


def assert_corrupt(path, read=cio.load_arrays):
    with pytest.raises(CorruptCheckpointError) as info:
        read(path)
    assert str(path) in str(info.value)
    return info.value


def test_truncation_at_every_offset_is_detected(good_file):
    path, blob = good_file
    bad = path.with_name("cut.safetensors")
    for size in range(len(blob)):
        bad.write_bytes(blob[:size])
        assert_corrupt(bad)
        assert_corrupt(bad, cio.read_index)  # the header pass alone sees the missing bytes


def test_every_single_byte_change_is_detected(good_file):
    path, blob = good_file
    bad = path.with_name("flipped.safetensors")
    rng = random.Random(0)
    for pos in range(len(blob)):
        for new in {blob[pos] ^ 0xFF, blob[pos] ^ 0x01, rng.randrange(256)} - {blob[pos]}:
            bad.write_bytes(blob[:pos] + bytes([new]) + blob[pos + 1:])
            assert_corrupt(bad)


def test_appended_bytes_are_detected(good_file):
    path, blob = good_file
    path.write_bytes(blob + b"\0")
    assert "truncated" in str(assert_corrupt(path))


@pytest.mark.parametrize("blob", [
    b"",
    b"\x10\x00\x00",
    (2**62).to_bytes(8, "little") + b"{}",
    (2).to_bytes(8, "little") + b"[]",
    (2).to_bytes(8, "little") + b"{}" + b"x",
    b"PK\x03\x04" + bytes(200),  # a zip / torch file
    b"\x80\x04\x95" + bytes(100),  # a pickle
    bytes(random.Random(1).randrange(256) for _ in range(4096)),
])
def test_garbage_is_detected(tmp_path, blob):
    path = tmp_path / "garbage.safetensors"
    path.write_bytes(blob)
    assert_corrupt(path)
    assert_corrupt(path, cio.read_index)


@needs_safetensors
def test_files_written_by_the_safetensors_package_are_read(tmp_path):
    path = tmp_path / "foreign.safetensors"
    arrays = {k: v for k, v in sample_arrays().items()}
    safetensors.numpy.save_file(arrays, str(path), metadata={"source": "elsewhere"})
    loaded, meta = cio.load_arrays(path)
    assert meta == {"source": "elsewhere"} and list(loaded) == sorted(arrays)
    for name, arr in arrays.items():
        assert same(loaded[name], arr), name
    assert cio.read_index(path)["dense/kernel"] == ((3, 4), np.dtype(np.float32))
    safetensors.numpy.save_file({}, str(path))  # no tensors, no metadata
    assert cio.load_arrays(path) == ({}, {})


def plain_file(path, header: str, data=b""):
    """A standard safetensors file (no graphgrad keys, so no checksums) around hand-written header JSON."""
    raw = header.encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + data)


def test_standard_safetensors_without_checksums_is_read_structurally(tmp_path):
    path = tmp_path / "plain.safetensors"
    plain_file(path, '{"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]},'
                     '"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', b"\x07\0\0\0\x01\x02")
    loaded, meta = cio.load_arrays(path)
    assert meta == {} and loaded["a"] == 7 and loaded["b"].tolist() == [1, 2]
    plain_file(path, "{}")
    assert cio.load_arrays(path) == ({}, {})
    # The structural checks still apply to files without checksums.
    plain_file(path, '{"a":{"dtype":"I32","shape":[2],"data_offsets":[0,4]}}', bytes(4))
    assert "needs 8 bytes" in str(assert_corrupt(path))
    plain_file(path, '{"__metadata__":{"n":5}}')
    assert "str->str" in str(assert_corrupt(path))


def test_graphgrad_file_that_lost_its_header_checksum_is_corrupt(good_file):
    path, blob = good_file
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    del header["__metadata__"]["graphgrad.header_crc32"]  # everything else still says graphgrad
    plain_file(path, json.dumps(header), blob[8 + n:])
    assert "checksum" in str(assert_corrupt(path))


def craft(path, entries, data=b"", crcs=None, version=cio.FORMAT_VERSION):
    """A file with a valid header checksum but arbitrary content, to reach the structural checks."""
    crcs = crcs if crcs is not None else {name: "00000000" for name in entries}
    meta = {"graphgrad.format_version": version, "graphgrad.crc32": json.dumps(crcs)}
    header = cio._encode_header(entries, meta)
    path.write_bytes(len(header).to_bytes(8, "little") + header + data)


@pytest.mark.parametrize("entries, data, message", [
    ({"x": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8), "unknown dtype"),
    ({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8), "needs 12 bytes"),
    ({"x": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, bytes(8), "bad shape"),
    ({"x": {"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}}, bytes(4), "bad shape"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, bytes(4), "bad data_offsets"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8), "starts at data byte 4"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "y": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, bytes(4), "starts at data byte 0"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, bytes(8), "file holds 8"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "extra": 1}}, bytes(4), "exactly dtype"),
    ({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, bytes(4), "checksum mismatch"),
    ({"x": {"dtype": "BOOL", "shape": [1], "data_offsets": [0, 1]}}, b"\x02", "checksum mismatch"),
])
def test_structural_problems_are_named(tmp_path, entries, data, message):
    path = tmp_path / "crafted.safetensors"
    craft(path, entries, data)
    assert message in str(assert_corrupt(path))


def test_bool_bytes_other_than_0_1_rejected(tmp_path):
    path = tmp_path / "bool.safetensors"
    entries = {"x": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}
    data = b"\x01\x07"
    craft(path, entries, data, crcs={"x": f"{zlib.crc32(data):08x}"})
    assert "0/1" in str(assert_corrupt(path))


def test_missing_checksum_entry_rejected(tmp_path):
    path = tmp_path / "nocrc.safetensors"
    craft(path, {"x": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}, b"\x01", crcs={})
    assert "no checksum" in str(assert_corrupt(path))


def test_other_format_version_is_not_called_corrupt(tmp_path):
    path = tmp_path / "v2.safetensors"
    craft(path, {}, version="2")
    with pytest.raises(CheckpointError, match="format version '2'") as info:
        cio.load_arrays(path)
    assert not isinstance(info.value, CorruptCheckpointError)


def sealed(header: str) -> bytes:
    """Header JSON text with a valid graphgrad header CRC (see docs/checkpoint-format.md), whatever it says."""
    raw = header.encode()
    raw += b" " * (-len(raw) % 8)
    crc = f"{zlib.crc32(raw):08x}".encode()
    return raw.replace(b'"graphgrad.header_crc32":"00000000"', b'"graphgrad.header_crc32":"' + crc + b'"')


def hostile(path, shape="[1]", nbytes=4, note='"x"'):
    """A graphgrad file whose CRCs are all valid but whose header holds whatever JSON text is passed in."""
    data = bytes(nbytes)
    crcs = json.dumps(json.dumps({"x": f"{zlib.crc32(data):08x}"}))
    header = (f'{{"x":{{"dtype":"U8","shape":{shape},"data_offsets":[0,{nbytes}]}},'
              f'"__metadata__":{{"note":{note},"graphgrad.format_version":"1","graphgrad.crc32":{crcs},'
              f'"graphgrad.header_crc32":"00000000"}}}}')
    raw = sealed(header)
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + data)


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("kw, message", [
    ({"shape": f"[{2**70}, 0]", "nbytes": 0}, "bad shape"),
    ({"shape": f"[{2**40}, {2**40}, 0]", "nbytes": 0}, "too large"),
    ({"shape": "[" + ",".join(["1"] * 65) + "]", "nbytes": 1}, "65 dimensions"),
    ({"shape": DEEP}, "nested"),
    ({"note": DEEP}, "nested"),
    ({"note": "5"}, "str->str"),
    ({"shape": "[1.0]"}, "bad shape"),
])
def test_absurd_headers_with_valid_checksums_are_corrupt(tmp_path, kw, message):
    from graphgrad.train.saver import list_variables

    path = tmp_path / "hostile.safetensors"
    hostile(path, **kw)
    for read in (cio.load_arrays, cio.read_index, list_variables):
        assert message in str(assert_corrupt(path, read))


def test_hostile_helper_makes_a_valid_file(tmp_path):
    path = tmp_path / "fine.safetensors"
    hostile(path, shape="[2, 2]")
    arrays, meta = cio.load_arrays(path)
    assert meta == {"note": "x"} and same(arrays["x"], np.zeros((2, 2), np.uint8))
    assert cio.read_index(path) == {"x": ((2, 2), np.dtype(np.uint8))}


def test_missing_file_is_file_not_found(tmp_path):
    for read in (cio.load_arrays, cio.read_index):
        with pytest.raises(FileNotFoundError, match="nope.safetensors"):
            read(tmp_path / "nope.safetensors")


def test_error_hierarchy():
    assert issubclass(CorruptCheckpointError, CheckpointError)
    assert issubclass(cio.CheckpointMismatchError, CheckpointError)
    assert issubclass(CheckpointError, ValueError)


# --------------------------------------------------------------------------- prefixes and the state file


STATE_TEXT = (
    'model_checkpoint_path: "model.ckpt-250"\n'
    'all_model_checkpoint_paths: "model.ckpt-50"\n'
    'all_model_checkpoint_paths: "model.ckpt-100"\n'
)


def test_prefix_helpers(tmp_path):
    prefix = tmp_path / "model.ckpt-50"
    assert cio.data_path(prefix) == str(prefix) + ".safetensors"
    assert not cio.checkpoint_exists(prefix)
    cio.save_arrays(cio.data_path(prefix), {"x": np.ones(1)})
    assert cio.checkpoint_exists(prefix)
    cio.remove_checkpoint(prefix)
    cio.remove_checkpoint(prefix)  # idempotent
    assert not cio.checkpoint_exists(prefix)


def test_state_file_text_is_exactly_tf_format(tmp_path):
    d = tmp_path / "logs"
    paths = [str(d / f"model.ckpt-{s}") for s in (50, 100, 250)]
    cio.write_checkpoint_state(d, paths[-1], paths)
    assert (d / "checkpoint").read_text() == STATE_TEXT + 'all_model_checkpoint_paths: "model.ckpt-250"\n'
    # like TF, the newest checkpoint is appended when the list does not end with it
    cio.write_checkpoint_state(d, paths[-1], paths[:2])
    assert (d / "checkpoint").read_text() == STATE_TEXT + 'all_model_checkpoint_paths: "model.ckpt-250"\n'
    assert sorted(os.listdir(d)) == ["checkpoint"]


def test_reads_tf_written_state_file(tmp_path):
    (tmp_path / "checkpoint").write_text(
        STATE_TEXT + "all_model_checkpoint_timestamps: 1700000000.5\n" + "last_preserved_timestamp: 1699.0\n")
    state = cio.read_checkpoint_state(tmp_path)
    assert state == cio.CheckpointState(
        str(tmp_path / "model.ckpt-250"), (str(tmp_path / "model.ckpt-50"), str(tmp_path / "model.ckpt-100")))


def test_state_paths_relative_inside_dir_absolute_outside(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cio.write_checkpoint_state("logs/2", "logs/2/model.ckpt-50", ["logs/2/model.ckpt-10", "elsewhere/m-1"])
    text = Path("logs/2/checkpoint").read_text()
    assert 'model_checkpoint_path: "model.ckpt-50"\n' in text
    assert f'all_model_checkpoint_paths: "{tmp_path / "elsewhere" / "m-1"}"\n' in text
    state = cio.read_checkpoint_state("logs/2")
    assert state.model_checkpoint_path == os.path.join("logs/2", "model.ckpt-50")
    outside = str(tmp_path / "elsewhere" / "m-1")
    assert state.all_model_checkpoint_paths == (
        os.path.join("logs/2", "model.ckpt-10"), outside, state.model_checkpoint_path)


@pytest.mark.parametrize("name", ['we"ird\\name', "tab\there", "new\nline", "ünï😀", "'single'"])
def test_state_file_escapes_round_trip(tmp_path, name):
    cio.write_checkpoint_state(tmp_path, tmp_path / name)
    assert (tmp_path / "checkpoint").read_bytes().isascii()
    assert cio.read_checkpoint_state(tmp_path).model_checkpoint_path == str(tmp_path / name)


def test_state_file_accepts_text_format_escapes(tmp_path):
    (tmp_path / "checkpoint").write_text("model_checkpoint_path: 'a\\x41\\101\\303\\274'\n")
    assert cio.read_checkpoint_state(tmp_path).model_checkpoint_path == str(tmp_path / "aAAü")


@pytest.mark.parametrize("text", [
    "garbage\n",
    'model_checkpoint_path: "unterminated\n',
    'model_checkpoint_path: bare\n',
    'all_model_checkpoint_paths: "only-all"\n',
    'model_checkpoint_path: "a"\nmodel_checkpoint_path: "b"\n',
    'model_checkpoint_path: "bad \\q escape"\n',
    'model_checkpoint_path: "bad \\777 octal"\n',
    'model_checkpoint_path: "\\377 not utf-8"\n',
    'unknown_field: "x"\nmodel_checkpoint_path: "a"\n',
    "",
])
def test_malformed_state_file_raises(tmp_path, text):
    (tmp_path / "checkpoint").write_text(text)
    with pytest.raises(CorruptCheckpointError, match="checkpoint"):
        cio.read_checkpoint_state(tmp_path)
    with pytest.raises(CorruptCheckpointError):
        cio.latest_checkpoint(tmp_path)


def test_oversized_state_file_is_refused_without_parsing_it(tmp_path):
    with open(tmp_path / "checkpoint", "w") as f:  # one 16 MB line
        f.write('model_checkpoint_path: "' + "a" * (16 << 20) + '"\n')
    with pytest.raises(CorruptCheckpointError, match="larger than") as info:
        cio.read_checkpoint_state(tmp_path)
    assert str(tmp_path / "checkpoint") in str(info.value)


def test_state_file_parsing_memory_is_linear_in_its_size(tmp_path):
    import tracemalloc

    body = "\\101" * 64_000  # 256 KB of escapes
    (tmp_path / "checkpoint").write_text(f'model_checkpoint_path: "{body}"\n')
    tracemalloc.start()
    try:
        state = cio.read_checkpoint_state(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert state.model_checkpoint_path == str(tmp_path / ("A" * 64_000))
    assert peak < 4 << 20  # a backtracking regex needs ~150 bytes per character here: 40 MB


def test_latest_checkpoint(tmp_path):
    assert cio.read_checkpoint_state(tmp_path / "missing") is None
    assert cio.latest_checkpoint(tmp_path) is None
    prefix = str(tmp_path / "model.ckpt-7")
    cio.write_checkpoint_state(tmp_path, prefix)
    assert cio.latest_checkpoint(tmp_path) is None  # state points at a checkpoint that does not exist
    cio.save_arrays(cio.data_path(prefix), {"x": np.ones(1)})
    assert cio.latest_checkpoint(tmp_path) == prefix
    cio.write_checkpoint_state(tmp_path, prefix, filename="other_state")
    assert cio.latest_checkpoint(tmp_path, "other_state") == prefix
    cio.remove_checkpoint(prefix)
    assert cio.latest_checkpoint(tmp_path) is None


def test_cleanup_temp_files(tmp_path):
    prefix = str(tmp_path / "model.ckpt-1")
    cio.save_arrays(cio.data_path(prefix), {"x": np.ones(1)})
    cio.write_checkpoint_state(tmp_path, prefix)
    stale = [tmp_path / ".model.ckpt-2.safetensors.0123456789abcdef.graphgrad-tmp",
             tmp_path / ".checkpoint.fedcba9876543210.graphgrad-tmp"]
    for p in stale:
        p.write_bytes(b"partial")
    keep = ["notes.tmp", ".hidden", "x.graphgrad-tmp", ".a.123.graphgrad-tmp"]
    for name in keep:
        (tmp_path / name).write_bytes(b"")
    assert not cio.checkpoint_exists(str(stale[0]).removesuffix(".safetensors"))
    assert cio.latest_checkpoint(tmp_path) == prefix
    assert cio.cleanup_temp_files(tmp_path) == []  # too fresh: may belong to a live saver
    assert sorted(cio.cleanup_temp_files(tmp_path, min_age_s=0)) == sorted(map(str, stale))
    assert sorted(os.listdir(tmp_path)) == sorted(keep + ["checkpoint", "model.ckpt-1.safetensors"])
    assert cio.cleanup_temp_files(tmp_path / "missing") == []


def test_cleanup_temp_files_asks_whether_the_writer_still_runs(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()

    def temp(target, pid=None, host=None, nonce=None):
        name = os.path.basename(cio._temp_name(str(tmp_path / target), pid))
        if host or nonce:
            m = cio._TEMP_RE.fullmatch(name)
            name = name.replace(f".{m['host']}-{m['pid']}-{m['nonce']}.",
                                f".{host or m['host']}-{m['pid']}-{nonce or m['nonce']}.")
        (tmp_path / name).write_bytes(b"partial")
        return str(tmp_path / name)

    live = temp("a.safetensors")  # this process, e.g. another thread saving right now
    killed = temp("b.safetensors", dead.pid)
    earlier_me = temp("c.safetensors", os.getpid(), nonce="00000000")  # a restarted container reuses pids
    remote = temp("d.safetensors", dead.pid, host="0badf00d")  # another machine: its pids mean nothing here
    other_target = temp("e.safetensors", dead.pid)
    removed = cio.cleanup_temp_files(tmp_path, targets=lambda target: target != "e.safetensors")
    assert sorted(removed) == sorted([killed, earlier_me])
    assert sorted(cio.cleanup_temp_files(tmp_path, min_age_s=0)) == sorted([remote, other_target])
    assert os.listdir(tmp_path) == [os.path.basename(live)]  # a live writer's file is never removed


# --------------------------------------------------------------------------- crash safety

CHILD = r"""
import os, sys, time
import numpy as np
from graphgrad.train import checkpoint_io as cio

directory, big, hook = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def stall(real):
    def stalled(*args):  # announce the crash point, then wait for the parent's SIGKILL
        if armed:
            print("hook", flush=True)
            time.sleep(60)
        return real(*args)
    return stalled

armed = False
if hook == "fsync":  # stop after the data is written, before the rename
    os.fsync = stall(os.fsync)
elif hook == "fsync_dir":  # stop after the rename, before the directory fsync and the state update
    cio._fsync_dir = stall(cio._fsync_dir)

def save(v, n):
    prefix = f"{directory}/model.ckpt-{v % 2}"  # two rotating names, so saves also overwrite old files
    arrays = {"step": np.array(v, np.int64), "w": np.full(n, v, np.float32),
              "b": np.arange(5, dtype=np.int16) + v}
    print("saving", v, flush=True)
    cio.save_arrays(cio.data_path(prefix), arrays, {"step": str(v)})
    kept = [f"{directory}/model.ckpt-{(v - 1) % 2}"] if v else []
    cio.write_checkpoint_state(directory, prefix, kept)
    print("saved", v, flush=True)

save(0, 16)
armed = True
for v in range(1, 1000):
    save(v, big)
"""
BIG = 50 * 2**20 // 4  # float32 elements in a 50 MB tensor


def check_consistent(arrays, metadata, max_step):
    step = int(arrays["step"])
    assert 0 <= step <= max_step
    assert metadata == {"step": str(step)}
    assert (arrays["w"] == step).all() and arrays["w"].size in (16, BIG)
    assert (arrays["b"] == np.arange(5) + step).all()
    return step


def kill_child_while_saving(directory, wait_for, delay, hook=""):
    """Run CHILD, SIGKILL it `delay` s after it prints `wait_for`; returns its output lines as word lists."""
    root = Path(cio.__file__).resolve().parents[2]
    pythonpath = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": pythonpath}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(directory), str(BIG), hook],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line.split())
            if lines[-1] == wait_for:
                break
        assert lines and lines[-1] == wait_for, f"child failed early: {lines}"
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=10)
        return lines + [line.split() for line in proc.stdout.read().splitlines()]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def check_directory_after_crash(directory, lines):
    """latest_checkpoint is a fully written version and no final name holds a partial file.

    Returns (step of the latest checkpoint, leftover temp files).
    """
    last_saved = max(int(words[1]) for words in lines if words[0] == "saved")
    last_started = max(int(words[1]) for words in lines if words[0] == "saving")
    latest = cio.latest_checkpoint(directory)
    assert latest is not None
    step = check_consistent(*cio.load_arrays(cio.data_path(latest)), last_started)
    assert step in (last_saved, last_saved + 1)  # +1: killed between writing the state and printing
    temps = []
    for name in os.listdir(directory):
        path = directory / name
        if cio._TEMP_RE.match(name):
            temps.append(str(path))
        elif name == "checkpoint":
            assert cio.read_checkpoint_state(directory) is not None
        else:  # every file under a final name is complete and verified
            assert name.endswith(cio.DATA_SUFFIX), name
            check_consistent(*cio.load_arrays(path), last_started)
    assert sorted(cio.cleanup_temp_files(directory)) == sorted(temps)
    assert cio.latest_checkpoint(directory) == latest
    return step, temps


def test_killed_saver_never_leaves_a_partial_checkpoint(tmp_path):
    rng = random.Random(1234)
    # (which save to interrupt, delay after its "saving" line); save 2 overwrites the file written by save 0
    plans = [(1, 0.0), (2, 0.01), (1, rng.uniform(0.02, 0.08)), (2, rng.uniform(0.05, 0.15)),
             (3, rng.uniform(0.0, 0.25))]
    for run, (target, delay) in enumerate(plans):
        directory = tmp_path / f"run{run}"
        lines = kill_child_while_saving(directory, ["saving", str(target)], delay)
        check_directory_after_crash(directory, lines)


@pytest.mark.parametrize("hook", ["fsync", "fsync_dir"])
def test_kill_at_exact_crash_points(tmp_path, hook):
    """Deterministic versions of the random test: killed just before / just after the rename of save 1."""
    lines = kill_child_while_saving(tmp_path, ["hook"], 0.0, hook)
    step, temps = check_directory_after_crash(tmp_path, lines)
    assert step == 0  # the state file still names save 0
    if hook == "fsync":  # complete temp file, never renamed: invisible to readers
        assert len(temps) == 1 and not cio.checkpoint_exists(tmp_path / "model.ckpt-1")
    else:  # renamed but not yet recorded: a complete extra checkpoint, not the latest
        assert not temps and cio.load_arrays(cio.data_path(tmp_path / "model.ckpt-1"))[0]["step"] == 1
