"""The host groupings under the segment / scatter ops and tf.unique: the fast stable sort of integer ids, the
first-appearance unique, and the grouped reduction, each against NumPy's plain definition."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad.ops.row_sums import add_rows, stable_order
from graphgrad.ops.unique_ops import _first_appearance

CASES = [(np.int32, 0, 5), (np.int64, 1, 5), (np.int64, 7, 3), (np.int32, 1000, 50), (np.int64, 5000, 10**6),
         (np.int64, 300, 2**40), (np.int8, 500, 200), (np.uint8, 500, 255), (np.uint64, 300, 2**40),
         (np.int64, 2000, 70000)]


def _ids(dtype, n, hi, seed=0):
    info = np.iinfo(dtype)
    lo = max(-hi if info.min < 0 else 0, info.min)
    return np.random.default_rng(seed).integers(lo, min(hi, info.max), n, endpoint=True).astype(dtype)


@pytest.mark.parametrize("dtype,n,hi", CASES)
def test_stable_order_is_numpys_stable_argsort(dtype, n, hi):
    h = _ids(dtype, n, hi)
    assert np.array_equal(stable_order(h), np.argsort(h, kind="stable"))


@pytest.mark.parametrize("dtype,n,hi", CASES)
def test_unique_in_first_appearance_order(dtype, n, hi):
    h = _ids(dtype, n, hi)
    values, idx, counts = _first_appearance(h)
    firsts = sorted({int(v): i for i, v in reversed(list(enumerate(h.tolist())))}.items(), key=lambda kv: kv[1])
    assert values.tolist() == [v for v, _ in firsts] and values.dtype == h.dtype
    assert np.array_equal(values[idx], h)
    assert counts.tolist() == [int((h == v).sum()) for v, _ in firsts]


def test_unique_op_with_counts():
    with tf.Session() as s:
        y, idx, count = s.run(tf.unique_with_counts(tf.constant([70000, 3, 70000, -2, 3, 3], tf.int64)))
    assert y.tolist() == [70000, 3, -2] and idx.tolist() == [0, 1, 0, 2, 1, 1] and count.tolist() == [2, 3, 1]


@pytest.mark.parametrize("n,hi", [(7680, 20000), (600, 20), (200, 5), (60, 1)])
def test_add_rows_adds_in_the_order_of_add_at(n, hi):
    """Groups up to row_sums.SHORT long (longer ones are summed by reduceat first)."""
    rng = np.random.default_rng(n)
    ids = rng.integers(0, hi, n)
    rows = rng.standard_normal((n, 3)).astype(np.float32) * 10 ** rng.integers(-3, 4, (n, 1)).astype(np.float32)
    out = rng.standard_normal((hi, 3)).astype(np.float32)
    want = out.copy()
    np.add.at(want, ids, rows)
    add_rows(np, out, ids, rows)
    assert np.array_equal(out, want)  # bit for bit: the same additions in the same order


@pytest.mark.parametrize("ufunc", ["add", "maximum", "multiply"])
@pytest.mark.parametrize("width", [1, 40])
def test_long_groups_reduce_row_after_row(ufunc, width):
    """Groups longer than row_sums.SHORT: rows of WIDE elements or more reduced by one `reduce` per group, row after
    row in their order (a left fold, as `ufunc.at` and TF's segment kernels combine them), narrower ones by
    `reduceat`; the groups' other rows keep their value."""
    import types

    from graphgrad.ops.row_sums import reduce_rows
    rng = np.random.default_rng(width)
    ids = rng.integers(0, 5, 700) * 2  # ids 0, 2, ..., 8: rows 1, 3, ... of out untouched
    rows = (rng.standard_normal((700, width)) * 10.0 ** rng.integers(-3, 4, (700, 1))).astype(np.float32)
    if ufunc == "multiply":
        rows = np.float32(1) + rows * np.float32(1e-4)
    out = np.full((10, width), 7, np.float32)
    reduce_rows(types.SimpleNamespace(xp=np, to_device=lambda a: a), ufunc, out, ids, rows)
    f = getattr(np, ufunc)
    for s in range(10):
        if s % 2:
            assert (out[s] == 7).all()
            continue
        group = rows[ids == s]
        if width == 1:
            np.testing.assert_allclose(out[s], f.reduce(group, axis=0), rtol=1e-5)
            continue
        want = group[0].copy()
        for r in group[1:]:
            want = f(want, r)
        assert np.array_equal(out[s], want)
