"""tf.keras.datasets' cifar10, cifar100, imdb, reuters and boston_housing downloading through get_file from a
server on 127.0.0.1 (their origins and hashes pointed at it) into graphgrad's data folder, or reading Keras's own
cache; the values themselves are compared with tf_keras in tests/tf1_reference.json (keras_datasets_load_data)."""
import hashlib
import importlib.util
import os
import pickle
import tarfile

import numpy as np
import pytest
from idx_server import Server

import graphgrad as tf
from graphgrad.keras.datasets import _cache, boston_housing, cifar10, cifar100, imdb, reuters

_spec = importlib.util.spec_from_file_location(
    "record_tf1_reference", os.path.join(os.path.dirname(__file__), "..", "tools", "record_tf1_reference.py"))
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)


def _sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def keras_server(tmp_path, monkeypatch):
    """Keras's files (made up, in their formats) served under /m/; the loaders' origins and hashes point at
    them; HOME and GRAPHGRAD_DATA_DIR are empty folders."""
    made = tmp_path / "made"
    recorder._keras_dataset_files(str(made))
    files = {p.name: p.read_bytes() for p in made.iterdir()}
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GRAPHGRAD_DATA_DIR", str(tmp_path / "data"))
    with Server(files) as s:
        monkeypatch.setattr(_cache, "ORIGIN", s.url("m"))
        monkeypatch.setattr(cifar10, "ORIGIN", s.url("m") + "cifar-10-batches-py.tar.gz")
        monkeypatch.setattr(cifar100, "ORIGIN", s.url("m") + "cifar-100-python.tar.gz")
        for module, name in ((cifar10, "cifar-10-batches-py.tar.gz"), (cifar100, "cifar-100-python.tar.gz"),
                             (imdb, "imdb.npz"), (reuters, "reuters.npz"), (boston_housing, "boston_housing.npz")):
            monkeypatch.setattr(module, "FILE_HASH", _sha256(made / name))
        for module, name in ((imdb, "imdb_word_index.json"), (reuters, "reuters_word_index.json")):
            monkeypatch.setattr(module, "WORD_INDEX_HASH", hashlib.md5((made / name).read_bytes()).hexdigest())
        yield s, made, tmp_path


def test_loaders_download_once_into_the_data_folder(keras_server, capsys):
    s, made, tmp = keras_server
    D = tf.keras.datasets
    (xtr, ytr), (xte, yte) = D.cifar10.load_data()
    assert xtr.shape == (10, 32, 32, 3) and xte.shape == (3, 32, 32, 3) and ytr.shape == (10, 1)
    assert xtr.dtype == ytr.dtype == yte.dtype == np.uint8
    first = pickle.load(tarfile.open(made / "cifar-10-batches-py.tar.gz").extractfile(
        "cifar-10-batches-py/data_batch_1"), encoding="bytes")
    np.testing.assert_array_equal(xtr[0], first[b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0))
    assert ytr[:2, 0].tolist() == first[b"labels"]
    cache = tmp / "data" / "keras" / "datasets"
    assert (cache / "cifar-10-batches-py" / "test_batch").is_file()
    (xtr, ytr), _ = D.cifar100.load_data("coarse")
    assert xtr.shape == (4, 32, 32, 3)
    (x, y), (xt, yt) = D.imdb.load_data(num_words=6)
    assert x.dtype == object and len(x) == 8 and all(w < 6 and seq[0] == 1 for seq in x for w in seq)
    assert D.imdb.get_word_index() == {"the": 1, "and": 2, "imdb": 3}
    (x, y), (xt, yt) = D.reuters.load_data(test_split=0.5)
    assert len(x) == len(xt) == 5 and D.reuters.get_word_index()["reuters"] == 3
    (x, y), (xt, yt) = D.boston_housing.load_data()
    assert x.shape == (9, 13) and xt.shape == (3, 13) and y.dtype == np.float64
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        ["boston_housing.npz", "cifar-10-batches-py", "cifar-10-batches-py.tar.gz", "cifar-100-python",
         "cifar-100-python.tar.gz", "imdb.npz", "imdb_word_index.json", "reuters.npz", "reuters_word_index.json"])
    asked = len(s.requests)
    D.cifar10.load_data(), D.imdb.load_data(), D.boston_housing.load_data()
    assert len(s.requests) == asked == 7   # cached and checked: nothing fetched twice
    assert capsys.readouterr().out.count("Downloading data from") == 7


def test_loaders_read_keras_cache_and_cache_dir_first(keras_server):
    s, made, tmp = keras_server
    keras_cache = tmp / "home" / ".keras" / "datasets"
    keras_cache.mkdir(parents=True)
    (keras_cache / "boston_housing.npz").write_bytes((made / "boston_housing.npz").read_bytes())
    tf.keras.datasets.boston_housing.load_data()
    assert s.requests == [] and not (tmp / "data").exists()
    (x, _), _ = tf.keras.datasets.reuters.load_data(cache_dir=tmp / "mine", maxlen=4)
    assert (tmp / "mine" / "datasets" / "reuters.npz").is_file() and all(len(seq) < 4 for seq in x)


def test_a_changed_file_is_fetched_again_and_a_bad_download_refused(keras_server, monkeypatch, capsys):
    s, made, tmp = keras_server
    tf.keras.datasets.boston_housing.load_data()
    cached = tmp / "data" / "keras" / "datasets" / "boston_housing.npz"
    cached.write_bytes(b"not it")
    tf.keras.datasets.boston_housing.load_data()
    assert "hash does not match" in capsys.readouterr().out and len(s.requests) == 2
    monkeypatch.setattr(boston_housing, "FILE_HASH", "0" * 64)
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected"):
        tf.keras.datasets.boston_housing.load_data()
