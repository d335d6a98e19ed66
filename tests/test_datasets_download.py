"""MNIST / Fashion-MNIST: download from mirrors, SHA-256, fallback, resume, cache hit, offline files, IDX parsing.

Everything is served by a local HTTP server on 127.0.0.1 (tests/idx_server.py); nothing reaches the network.
"""

import gzip
import hashlib
import warnings

import numpy as np
import pytest
from idx_server import Server, fake_mnist, gz_files, idx_bytes, sha256s

from graphgrad.datasets import DownloadError, data_dir, load_fashion_mnist, load_mnist
from graphgrad.datasets import download as dl
from graphgrad.datasets import mnist as mnist_mod

ARRAYS = fake_mnist()
FILES = gz_files(ARRAYS)
HASHES = sha256s(FILES)
NAME = mnist_mod.TRAIN_IMAGES
# A port nothing listens on: any attempt to use it fails at once.
DEAD = "http://127.0.0.1:9/mirror/"


@pytest.fixture
def server():
    with Server(FILES) as s:
        yield s


def load(folder, mirrors, **kw):
    return load_mnist(folder, mirrors=mirrors, sha256=HASHES, progress=False, **kw)


def assert_fake(ds, name="mnist"):
    assert (ds.name, ds.num_classes, ds.num_features) == (name, 10, 784)
    assert ds.x_train.shape == (200, 784) and ds.x_test.shape == (50, 784)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    np.testing.assert_array_equal(ds.x_train, ARRAYS[NAME].reshape(200, 784) / np.float32(255))
    np.testing.assert_array_equal(ds.y_test, ARRAYS[mnist_mod.TEST_LABELS])
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() == 1.0


def test_downloads_verifies_and_leaves_only_the_files(server, tmp_path):
    assert_fake(load(tmp_path, [server.url("a")]))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert [(m, n, r) for m, n, r in server.requests] == [("a", n, None) for n in mnist_mod.FILES]


def test_second_load_is_a_cache_hit_without_network(server, tmp_path):
    load(tmp_path, [server.url("a")])
    assert_fake(load(tmp_path, [DEAD]))
    assert len(server.requests) == 4


def test_files_copied_by_hand_are_used_offline(tmp_path):
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(data)
    assert_fake(load(tmp_path, []))
    assert_fake(load(tmp_path, [DEAD]))


def test_a_failing_mirror_falls_back_to_the_next(server, tmp_path):
    server.faults["a"] = "404"
    assert_fake(load(tmp_path, [server.url("a"), server.url("b")]))
    assert [m for m, _, _ in server.requests] == ["a", "b"] * 4


def test_a_mirror_serving_other_bytes_is_named_and_the_next_one_used(server, tmp_path):
    server.faults["a"] = "corrupt"
    assert_fake(load(tmp_path, [server.url("a"), server.url("b")]))
    assert not list(tmp_path.glob("*.part"))


def test_no_mirror_delivering_raises_naming_every_mirror_and_the_offline_way(server, tmp_path):
    server.faults.update(a="corrupt", b="404")
    with pytest.raises(DownloadError) as e:
        load(tmp_path, [server.url("a"), server.url("b"), DEAD])
    text = str(e.value)
    assert f"cannot download {NAME}" in text
    assert f"{server.url('a')}{NAME}: the download does not match its SHA-256 (expected {HASHES[NAME]}" in text
    assert f"{server.url('b')}{NAME}: HTTP 404" in text and f"{DEAD}{NAME}: " in text
    assert f"copy the file to {tmp_path / NAME} (SHA-256 {HASHES[NAME]})" in text
    assert isinstance(e.value, OSError) and not (tmp_path / NAME).exists()


def test_a_partial_download_is_resumed_with_a_range_request(server, tmp_path):
    data = FILES[NAME]
    (tmp_path / (NAME + ".part")).write_bytes(data[:1000])
    path = dl.fetch(NAME, HASHES[NAME], [server.url("a")], tmp_path, progress=False)
    assert path.read_bytes() == data
    assert server.requests == [("a", NAME, "bytes=1000-")] and server.sent == len(data) - 1000
    assert not (tmp_path / (NAME + ".part")).exists()


def test_a_cut_connection_keeps_the_part_and_the_next_mirror_continues_it(server, tmp_path):
    server.faults["a"] = "cut"
    path = dl.fetch(NAME, HASHES[NAME], [server.url("a"), server.url("b")], tmp_path, progress=False)
    assert path.read_bytes() == FILES[NAME]
    (_, _, first), (mirror, _, second) = server.requests
    assert first is None and mirror == "b" and second == f"bytes={len(FILES[NAME]) // 2}-"


def test_a_cut_connection_alone_fails_and_the_next_call_resumes(server, tmp_path):
    server.faults["a"] = "cut"
    with pytest.raises(DownloadError, match="connection closed|IncompleteRead|bytes"):
        dl.fetch(NAME, HASHES[NAME], [server.url("a")], tmp_path, progress=False)
    assert (tmp_path / (NAME + ".part")).stat().st_size == len(FILES[NAME]) // 2
    del server.faults["a"]
    assert dl.fetch(NAME, HASHES[NAME], [server.url("a")], tmp_path, progress=False).read_bytes() == FILES[NAME]
    assert server.requests[-1][2] == f"bytes={len(FILES[NAME]) // 2}-"


def test_a_server_ignoring_range_sends_the_whole_file_again(server, tmp_path):
    server.faults["a"] = "no-range"
    (tmp_path / (NAME + ".part")).write_bytes(FILES[NAME][:500])
    assert dl.fetch(NAME, HASHES[NAME], [server.url("a")], tmp_path, progress=False).read_bytes() == FILES[NAME]


def test_a_corrupt_partial_file_is_detected_and_fetched_again_from_scratch(server, tmp_path):
    (tmp_path / (NAME + ".part")).write_bytes(b"\xff" * 1000)
    assert dl.fetch(NAME, HASHES[NAME], [server.url("a")], tmp_path, progress=False).read_bytes() == FILES[NAME]
    assert [r for _, _, r in server.requests] == ["bytes=1000-", None]


def test_a_complete_part_file_left_by_a_killed_rename_is_kept(server, tmp_path):
    (tmp_path / (NAME + ".part")).write_bytes(FILES[NAME])   # the server answers the Range with 416
    assert dl.fetch(NAME, HASHES[NAME], [server.url("a")], tmp_path, progress=False).read_bytes() == FILES[NAME]
    assert server.sent == 0


def test_a_corrupt_file_in_the_folder_is_named_and_fetched_again(server, tmp_path):
    (tmp_path / NAME).write_bytes(FILES[NAME][:-10])
    with pytest.warns(dl.ChecksumWarning, match=f"{tmp_path / NAME} does not match its SHA-256"):
        path = dl.fetch(NAME, HASHES[NAME], [server.url("a")], tmp_path, progress=False)
    assert path.read_bytes() == FILES[NAME]


def test_the_built_in_hashes_guard_the_default_source(server, tmp_path):
    """Without `sha256=`, the real MNIST hashes apply: the test's files are refused, not silently used."""
    with pytest.raises(DownloadError, match="does not match its SHA-256 .expected 440fcabf"):
        load_mnist(tmp_path, mirrors=[server.url("a")], progress=False)


def test_mirrors_from_the_environment(server, tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_FASHION_MNIST_MIRRORS", f"{DEAD}, {server.url('f')}")
    monkeypatch.setenv("GRAPHGRAD_DATA_DIR", str(tmp_path))
    ds = load_fashion_mnist(sha256=HASHES, progress=False)
    assert_fake(ds, "fashion_mnist")
    assert sorted(p.name for p in (tmp_path / "fashion_mnist").iterdir()) == sorted(FILES)
    assert {m for m, _, _ in server.requests} == {"f"}


def test_progress_bar_on_stderr(server, tmp_path, capsys):
    dl.fetch(NAME, HASHES[NAME], [server.url("a")], tmp_path, progress=True)
    assert f"downloading {NAME}" in capsys.readouterr().err


def test_data_dir(monkeypatch, tmp_path):
    for var in ("GRAPHGRAD_DATA_DIR", "GRAPHGRAD_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    if dl.sys.platform.startswith("linux"):
        assert data_dir().parts[-2:] == (".cache", "graphgrad")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert data_dir() == tmp_path / "xdg" / "graphgrad"
    monkeypatch.setenv("GRAPHGRAD_CACHE", str(tmp_path / "old"))
    assert data_dir() == tmp_path / "old"
    monkeypatch.setenv("GRAPHGRAD_DATA_DIR", str(tmp_path / "new"))
    assert data_dir() == tmp_path / "new"


# --- IDX ------------------------------------------------------------------------------------------------

def test_idx_round_trip_and_other_types():
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(mnist_mod.parse_idx(idx_bytes(a)), a)
    f = np.array([1.5, -2.0], dtype=">f4")
    data = bytes([0, 0, 0x0D, 1]) + np.array([2], ">u4").tobytes() + f.tobytes()
    out = mnist_mod.parse_idx(data)
    assert out.dtype == np.float32 and out.dtype.isnative and out.tolist() == [1.5, -2.0]


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04rest", "is not an IDX file"),
    (b"", "is not an IDX file"),
    (bytes([0, 0, 8, 2, 0, 0]), "ends inside its IDX header"),
    (idx_bytes(np.zeros((2, 3)))[:-1], "holds 17 bytes, but its IDX header"),
])
def test_malformed_idx_is_named(data, message):
    with pytest.raises(ValueError, match=message):
        mnist_mod.parse_idx(data, "x.idx")


def test_read_idx_gz_and_plain_and_not_gzip(tmp_path):
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(a)))
    (tmp_path / "a").write_bytes(idx_bytes(a))
    (tmp_path / "b.gz").write_bytes(idx_bytes(a))
    np.testing.assert_array_equal(mnist_mod.read_idx(tmp_path / "a.gz"), a)
    np.testing.assert_array_equal(mnist_mod.read_idx(tmp_path / "a"), a)
    with pytest.raises(ValueError, match="b.gz is not a readable gzip file"):
        mnist_mod.read_idx(tmp_path / "b.gz")


def test_images_and_labels_that_do_not_fit_together(server, tmp_path):
    files = dict(FILES)
    files[mnist_mod.TRAIN_LABELS] = gzip.compress(idx_bytes(np.zeros(7)))
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ValueError, match=r"the train files do not fit together: images \(200, 28, 28\), labels \(7,\)"):
        load_mnist(tmp_path, mirrors=[], sha256=sha256s(files), progress=False)


def test_built_in_sources_are_complete():
    for source in mnist_mod.SOURCES.values():
        assert set(source.sha256) == set(mnist_mod.FILES) and len(source.mirrors) >= 2
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in source.sha256.values())
        assert all(m.endswith("/") for m in source.mirrors)
    assert len({h for s in mnist_mod.SOURCES.values() for h in s.sha256.values()}) == 8


def test_sha256_of_matches_hashlib(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 3_000_000)
    assert dl.sha256_of(tmp_path / "f") == hashlib.sha256(b"x" * 3_000_000).hexdigest()


def test_no_warnings_on_the_happy_path(server, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(tmp_path, [server.url("a")])


def _raw_source():
    """MNIST's Source with the test files' hashes, gzipped and uncompressed."""
    raw = {name: hashlib.sha256(gzip.decompress(data)).hexdigest() for name, data in FILES.items()}
    return mnist_mod.Source("mnist", (), HASHES, "GRAPHGRAD_TEST_UNUSED", raw_sha256=raw)


def test_uncompressed_files_copied_by_hand_are_used_offline(tmp_path):
    for name, data in FILES.items():
        (tmp_path / name.removesuffix(".gz")).write_bytes(gzip.decompress(data))
    files = mnist_mod.fetch_files(_raw_source(), tmp_path, mirrors=[DEAD], progress=False)
    assert {p.name for p in files.values()} == {n.removesuffix(".gz") for n in FILES}
    arrays = mnist_mod.read_arrays(files)
    np.testing.assert_array_equal(arrays[0], ARRAYS[NAME])


def test_a_wrong_uncompressed_file_is_named_and_the_gzipped_one_fetched(server, tmp_path):
    for name, data in FILES.items():
        (tmp_path / name.removesuffix(".gz")).write_bytes(gzip.decompress(data))
    (tmp_path / NAME.removesuffix(".gz")).write_bytes(b"not mnist")
    with pytest.warns(dl.ChecksumWarning, match="uncompressed file"):
        files = mnist_mod.fetch_files(_raw_source(), tmp_path, mirrors=[server.url("a")], progress=False)
    assert files[NAME].name == NAME and [n for _, n, _ in server.requests] == [NAME]


def test_the_built_in_uncompressed_hashes_cover_mnist():
    assert set(mnist_mod.MNIST.raw_sha256) == set(mnist_mod.FILES)
