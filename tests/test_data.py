"""Tests for graphgrad.data: loaders (shapes, dtypes, determinism, splits) and mini-batching."""

import importlib
import random
import sys
from importlib import metadata

import numpy as np
import pytest

from graphgrad.datasets import (
    PLAYGROUND_SETS,
    BatchIterator,
    Dataset,
    batches,
    load_digits,
    load_mnist1d,
    playground,
)
from graphgrad.datasets.digits import read_digits

m1d = importlib.import_module("graphgrad.datasets.mnist1d")
pg = importlib.import_module("graphgrad.datasets.playground")


def assert_same(a: Dataset, b: Dataset) -> None:
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def sorted_rows(*xs: np.ndarray) -> np.ndarray:
    x = np.concatenate(xs)
    return x[np.lexsort(x.T[::-1])]


# --- digits -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_digits_shapes_dtypes_ranges(digits):
    assert (digits.name, digits.num_classes, digits.num_features) == ("digits", 10, 64)
    assert digits.x_train.shape == (1347, 64) and digits.x_test.shape == (450, 64)
    assert digits.x_train.dtype == np.float32 and digits.y_train.dtype == np.int64
    for x in (digits.x_train, digits.x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(digits.y_train)) == set(range(10))


def test_bundled_digits_are_scikit_learns_arrays():
    """The file shipped in graphgrad/datasets/data gives exactly what sklearn.datasets.load_digits gives."""
    sk = pytest.importorskip("sklearn.datasets").load_digits()
    data, target = read_digits()
    assert data.dtype == sk.data.dtype and target.dtype == sk.target.dtype
    np.testing.assert_array_equal(data, sk.data)
    np.testing.assert_array_equal(target, sk.target)


def test_bundled_digits_file_and_its_notice_ship_with_the_package():
    from importlib import resources

    folder = resources.files("graphgrad.datasets") / "data"
    assert (folder / "digits.csv.gz").is_file()
    notice = (folder / "NOTICE.md").read_text(encoding="utf-8")
    assert "Optical Recognition of Handwritten Digits" in notice and "BSD 3-Clause" in notice
    data, target = read_digits()
    assert data.shape == (1797, 64) and data.min() == 0 and data.max() == 16
    assert np.bincount(target).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_digits_load_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)   # `import sklearn` now raises ImportError
    assert_same(load_digits(), load_digits())


def test_digits_split_is_a_stratified_partition(digits):
    data, target = read_digits()
    # Train and test together are exactly the original samples (as a multiset), so they are disjoint.
    full = np.column_stack([data / 16.0, target]).astype(np.float32)
    ours = np.column_stack([np.concatenate([digits.x_train, digits.x_test]),
                            np.concatenate([digits.y_train, digits.y_test])]).astype(np.float32)
    np.testing.assert_array_equal(sorted_rows(full), sorted_rows(ours))
    per_class = np.bincount(target)
    np.testing.assert_allclose(np.bincount(digits.y_test), per_class * 0.25, atol=1)


def test_digits_deterministic_and_seeded(digits):
    assert_same(digits, load_digits())
    other = load_digits(seed=1)
    assert not np.array_equal(digits.y_train, other.y_train)
    assert load_digits(test_fraction=0.5).x_test.shape[0] == pytest.approx(1797 / 2, abs=10)


def test_digits_default_split_is_pinned(digits):
    # The default split must be identical on every machine and scikit-learn version: pin its start.
    assert digits.y_train[:20].tolist() == [7, 7, 2, 7, 6, 1, 8, 5, 1, 6, 5, 0, 7, 9, 9, 2, 3, 1, 5, 1]
    assert digits.y_test[:20].tolist() == [9, 6, 4, 5, 7, 1, 8, 8, 7, 0, 4, 4, 5, 4, 0, 3, 6, 9, 2, 1]
    assert float(digits.x_train[:5].sum()) == 98.6875 and float(digits.x_test[:5].sum()) == 91.25


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_bad_test_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=fraction)
    with pytest.raises(ValueError, match="test_fraction"):
        playground("xor", test_fraction=fraction)


def test_dataset_repr_shows_shapes(digits):
    assert repr(digits) == "Dataset(name='digits', x_train=(1347, 64), x_test=(450, 64), num_classes=10)"


# --- playground -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PLAYGROUND_SETS)
def test_playground_shapes_balance_determinism(name):
    ds = playground(name, n=400, noise=0.1, seed=3)
    assert ds.name == name and ds.num_classes == 2
    assert ds.x_train.shape == (300, 2) and ds.x_test.shape == (100, 2)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    y = np.concatenate([ds.y_train, ds.y_test])
    assert set(np.unique(y)) == {0, 1}
    assert 0.25 <= y.mean() <= 0.75
    assert np.abs(ds.x_train).max() < 2.0
    assert_same(ds, playground(name, n=400, noise=0.1, seed=3))
    assert not np.array_equal(ds.x_train, playground(name, n=400, noise=0.1, seed=4).x_train)
    # Stratified: the test set has the same class balance as the whole set.
    assert abs(ds.y_test.mean() - y.mean()) < 0.02


def all_points(ds: Dataset):
    return np.concatenate([ds.x_train, ds.x_test]), np.concatenate([ds.y_train, ds.y_test])


def test_circle_and_xor_rules_separate_clean_data():
    x, y = all_points(playground("circle"))
    np.testing.assert_array_equal(np.hypot(x[:, 0], x[:, 1]) < 0.6, y == 1)
    x, y = all_points(playground("xor"))
    np.testing.assert_array_equal(x[:, 0] * x[:, 1] > 0, y == 1)
    assert np.abs(x).min() >= 0.05 - 1e-6


def test_gaussians_and_spiral_structure():
    x, y = all_points(playground("gaussians"))
    assert np.mean((x.sum(axis=1) > 0) == (y == 1)) > 0.98
    x, y = all_points(playground("spiral"))
    assert np.hypot(x[:, 0], x[:, 1]).max() == pytest.approx(1.0, abs=1e-6)
    # The two arms are point reflections of each other.
    np.testing.assert_allclose(sorted_rows(x[y == 0]), sorted_rows(-x[y == 1]), atol=1e-6)


def test_noise_jitters_features_but_not_labels():
    assert_same(playground("xor"), playground("xor", noise=0.0))
    x, y = all_points(playground("xor", noise=0.2))
    assert 0.8 < np.mean((x[:, 0] * x[:, 1] > 0) == (y == 1)) < 1.0
    _, clean_y = all_points(playground("xor"))
    assert np.bincount(y).tolist() == np.bincount(clean_y).tolist()


def test_triangle_needs_three_half_planes():
    x, y = all_points(playground("triangle", n=2000))
    np.testing.assert_array_equal(pg.inside_triangle(x), y == 1)
    # Best linear fit (least squares on +-1 targets) stays far from the rule.
    a = np.column_stack([x, np.ones(len(x))])
    w, *_ = np.linalg.lstsq(a, 2.0 * y - 1, rcond=None)
    linear_acc = np.mean((a @ w > 0) == (y == 1))
    assert linear_acc < 0.85
    # A 2-3-1 sigmoid network with hand-set weights (one steep unit per edge, output = AND) solves it.
    v = pg.TRIANGLE
    w1, b1 = [], []
    for i in range(3):
        a_, b_, c_ = v[i], v[(i + 1) % 3], v[(i + 2) % 3]
        normal = np.array([-(b_ - a_)[1], (b_ - a_)[0]])
        normal *= np.sign(normal @ (c_ - a_))
        w1.append(normal)
        b1.append(-normal @ a_)

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    hidden = sigmoid(200 * (x @ np.array(w1).T + np.array(b1)))
    out = sigmoid(50 * (hidden.sum(axis=1) - 2.5))
    assert np.mean((out > 0.5) == (y == 1)) > 0.99 > linear_acc + 0.1


def test_playground_errors():
    with pytest.raises(ValueError, match="valid names: circle, xor, gaussians, spiral, triangle"):
        playground("moons")
    with pytest.raises(ValueError, match="noise"):
        playground("xor", noise=-1)
    with pytest.raises(ValueError, match="n must be"):
        playground("xor", n=1)


# --- mnist1d ----------------------------------------------------------------------------------------

def test_mnist1d_missing_package_message(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(m1d.metadata, "version", not_installed)
    with pytest.raises(ImportError, match=r"pip install 'graphgrad\[mnist1d\]'"):
        load_mnist1d()


def test_mnist1d_unimportable_package_message(monkeypatch):
    monkeypatch.setattr(m1d.metadata, "version", lambda name: "0")
    monkeypatch.setitem(sys.modules, "mnist1d", None)
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(ImportError, match="load_mnist1d needs the mnist1d package"):
        load_mnist1d(cache=False)


def test_mnist1d_generates_and_caches(monkeypatch, tmp_path):
    pytest.importorskip("mnist1d")
    monkeypatch.setenv("GRAPHGRAD_CACHE", str(tmp_path / "cache"))
    np.random.seed(123)
    random.seed(123)
    before = np.random.get_state()[1].copy(), random.getstate()
    ds = load_mnist1d(num_samples=500)
    # Generation must not reseed the caller's global random generators.
    np.testing.assert_array_equal(np.random.get_state()[1], before[0])
    assert random.getstate() == before[1]

    assert (ds.name, ds.num_classes) == ("mnist1d", 10)
    assert ds.x_train.shape == (400, 40) and ds.x_test.shape == (100, 40)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert set(np.unique(ds.y_train)) == set(range(10))
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"  # no temp file left behind

    def fail(*args):
        raise AssertionError("second call should come from the cache")

    monkeypatch.setattr(m1d, "_generate", fail)
    assert_same(ds, load_mnist1d(num_samples=500))


def test_mnist1d_seeded_and_regenerates_bad_cache(monkeypatch, tmp_path):
    pytest.importorskip("mnist1d")
    monkeypatch.setenv("GRAPHGRAD_CACHE", str(tmp_path))
    ds = load_mnist1d(num_samples=200, cache=False)
    assert not list(tmp_path.iterdir())
    assert_same(ds, load_mnist1d(num_samples=200, cache=False))
    assert not np.array_equal(ds.x_train, load_mnist1d(seed=1, num_samples=200, cache=False).x_train)
    path = m1d.cache_dir() / f"mnist1d-{metadata.version('mnist1d')}-seed42-n200.npz"
    path.write_bytes(b"not a zip file")
    assert_same(ds, load_mnist1d(num_samples=200))
    assert np.load(path)["x_train"].shape == (160, 40)


def test_cache_dir_default(monkeypatch):
    for var in ("GRAPHGRAD_DATA_DIR", "GRAPHGRAD_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    if sys.platform.startswith("linux"):
        assert m1d.cache_dir().parts[-2:] == (".cache", "graphgrad")


# --- batching ---------------------------------------------------------------------------------------

def toy(n=10):
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n)


def test_batches_cover_every_sample_once_with_partial_last():
    x, y = toy(10)
    out = list(batches(x, y, 4))
    assert [len(yb) for _, yb in out] == [4, 4, 2]
    seen = np.concatenate([yb for _, yb in out])
    assert sorted(seen.tolist()) == list(range(10))
    assert seen.tolist() != list(range(10))  # shuffled
    for xb, yb in out:
        np.testing.assert_array_equal(xb, x[yb])  # rows stay paired with their labels


def test_batches_drop_last_and_no_shuffle():
    x, y = toy(10)
    assert [len(yb) for _, yb in batches(x, y, 4, drop_last=True)] == [4, 4]
    assert [yb.tolist() for _, yb in batches(x, y, 5, shuffle=False)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert [len(yb) for _, yb in batches(x, y, 20)] == [10]
    assert list(batches(x, y, 20, drop_last=True)) == []


def test_batches_reproducible_per_seed_and_epoch():
    x, y = toy(50)

    def order(**kw):
        return np.concatenate([yb for _, yb in batches(x, y, 7, **kw)]).tolist()

    assert order(seed=1, epoch=2) == order(seed=1, epoch=2)
    assert order(seed=1, epoch=2) != order(seed=1, epoch=3)
    assert order(seed=1, epoch=2) != order(seed=2, epoch=2)


def test_batch_iterator():
    x, y = toy(10)
    it = BatchIterator(x, y, 3, seed=5)
    assert len(it) == 4 and it.num_samples == 10
    assert len(BatchIterator(x, y, 3, drop_last=True)) == 3
    assert len(BatchIterator(x, y, 5)) == 2
    for i in range(3):
        got = [yb.tolist() for _, yb in it.epoch(i)]
        assert len(got) == len(it)
        assert got == [yb.tolist() for _, yb in batches(x, y, 3, seed=5, epoch=i)]
        assert sorted(sum(got, [])) == list(range(10))
    assert [yb.tolist() for _, yb in it.epoch(0)] != [yb.tolist() for _, yb in it.epoch(1)]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_batches_reject_bad_batch_size(bad):
    x, y = toy()
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        batches(x, y, bad)  # raised at call time, not at the first next()
    with pytest.raises(ValueError, match="batch_size"):
        BatchIterator(x, y, bad)


def test_batches_reject_mismatched_lengths():
    x, y = toy()
    with pytest.raises(ValueError, match="same number of samples, got 10 and 9"):
        batches(x, y[:9], 2)
    with pytest.raises(ValueError, match="same number of samples"):
        BatchIterator(x[:3], y, 2)
    with pytest.raises(ValueError, match="seed and epoch"):
        batches(x, y, 2, epoch=-1)
