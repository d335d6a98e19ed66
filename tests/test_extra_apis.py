"""The extra TF1 APIs: tf.einsum and tf.norm, tf.nn.top_k / tf.sort / tf.argsort, the tf.assert_* family and
tf.Assert, tf.metrics, tf.logging and tf.initializers.

Forward values against NumPy, gradients against finite differences and HIPS autograd (float64), asserts that
raise InvalidArgumentError exactly when violated (at build time when everything is constant), metrics that
accumulate across update runs as the plain NumPy formulas say, and logging that respects the verbosity."""
import logging

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from gradcheck import check_gradients
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf
from graphgrad import initializers, metrics
from graphgrad import logging as tf_logging
from graphgrad.ops import check_ops, init_ops
from graphgrad.ops.linalg_ops import einsum, norm
from graphgrad.ops.sort_ops import argsort, sort, top_k

FAST = settings(max_examples=12, deadline=None, derandomize=True)


def run(fetches, feed=None):
    with tf.Session() as s:
        return s.run(fetches, feed)


# --- einsum -------------------------------------------------------------------------------------------------

# equation, operand shapes
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),            # matmul
    ("ij,jk", [(2, 3), (3, 4)]),                # implicit output
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),   # batch matmul
    ("bij,bkj->bik", [(2, 2, 3), (2, 4, 3)]),   # batch matmul with b transposed
    ("bij,jk->bik", [(2, 2, 3), (3, 4)]),       # shared weights
    ("ij->ji", [(2, 3)]),                       # transpose
    ("bij->jb", [(2, 3, 4)]),                   # sum and transpose
    ("ij->i", [(2, 3)]),                        # row sums
    ("ij->", [(2, 3)]),                         # total
    ("i,j->ij", [(3,), (4,)]),                  # outer product
    ("i,i->", [(3,), (3,)]),                    # dot
    ("ij,ij->i", [(2, 3), (2, 3)]),             # row-wise dots
    ("ij,ij->ij", [(2, 3), (2, 3)]),            # elementwise
    ("i,ij->j", [(2,), (2, 3)]),                # vector-matrix
    ("abc,cd,de->abe", [(2, 2, 3), (3, 2), (2, 3)]),  # a chain of three
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 2)]),
    ("...j,j->...", [(2, 3, 4), (4,)]),
    ("...ij,jk->...ik", [(1, 2, 2, 3), (3, 2)]),
    ("...ij,...jk->...ik", [(1, 2, 3), (2, 3, 2)]),  # '...' dims broadcast
    ("ab,cd->", [(2, 2), (2, 3)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM_CASES, ids=[c[0] + str(i) for i, c in enumerate(EINSUM_CASES)])
def test_einsum_forward_and_gradients(equation, shapes):
    rng = np.random.default_rng(len(equation))
    xs = [rng.standard_normal(s) for s in shapes]
    got = run(einsum(equation, *[tf.constant(x) for x in xs]))
    np.testing.assert_allclose(got, np.einsum(equation, *xs), rtol=1e-12, atol=1e-12)
    check_gradients(lambda *ts: einsum(equation, *ts), xs,
                    reference=lambda *a: anp.einsum(equation, *a))


@FAST
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(0, 5))
def test_einsum_random_shapes_float32(b, i, j, k, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((b, i, j)).astype(np.float32)
    y = rng.standard_normal((j, k)).astype(np.float32)
    for eq, ops in [("bij,jk->bik", (x, y)), ("bij,jk->kb", (x, y)), ("bij->j", (x,)), ("bij,bij->b", (x, x))]:
        got = run(einsum(eq, *[tf.constant(o) for o in ops]))
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, np.einsum(eq, *ops), rtol=1e-5, atol=1e-5)


def test_einsum_unknown_dimensions():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    p = tf.placeholder(tf.float64, (None, None, 4))
    q = tf.placeholder(tf.float64, (None, 4, None))
    outs = {"bij,bjk->bik": (p, q), "bij,bjk->ik": (p, q), "bij,j->bi": (p, q[0, :, 0]),
            "bij,jk->kib": (p, q[0])}
    built = {eq: einsum(eq, *ts) for eq, ts in outs.items()}
    assert built["bij,bjk->bik"].shape.as_list() == [None, None, None]
    assert built["bij,j->bi"].shape.as_list() == [None, None]
    got = run(built, {p: a, q: b})
    refs = {"bij,bjk->bik": (a, b), "bij,bjk->ik": (a, b), "bij,j->bi": (a, b[0, :, 0]),
            "bij,jk->kib": (a, b[0])}
    for eq, ops in refs.items():
        np.testing.assert_allclose(got[eq], np.einsum(eq, *ops), rtol=1e-12)
    g = tf.gradients(tf.reduce_sum(built["bij,bjk->bik"]), [p, q])
    ga, gb = run(g, {p: a, q: b})
    np.testing.assert_allclose(ga, np.broadcast_to(b.sum(axis=2)[:, None, :], a.shape))
    np.testing.assert_allclose(gb, np.broadcast_to(a.sum(axis=1)[:, :, None], b.shape))


def test_einsum_name_and_errors():
    x, y = tf.constant(np.ones((2, 3))), tf.constant(np.ones((3, 4)))
    assert einsum("ij,jk->ik", x, y).op.name == "einsum"
    assert einsum("ij,jk->ik", x, y, name="proj").op.name == "proj"
    with pytest.raises(ValueError, match="repeated"):
        einsum("ii->i", tf.constant(np.ones((2, 2))))
    with pytest.raises(ValueError, match="operands"):
        einsum("ij,jk->ik", x)
    with pytest.raises(ValueError, match="rank"):
        einsum("ijk,jk->i", x, y)
    with pytest.raises(ValueError, match="size"):
        einsum("ij,ik->jk", x, y)
    with pytest.raises(ValueError, match="does not appear"):
        einsum("ij,jk->iz", x, y)
    with pytest.raises(ValueError, match="letters"):
        einsum("i1,1k->ik", x, y)
    with pytest.raises(TypeError):
        einsum("ij,jk->ik", x, tf.constant(np.ones((3, 4), np.float32)))
    with pytest.raises(TypeError, match="keyword"):
        einsum("ij->ji", x, optimize=True)


# --- norm ---------------------------------------------------------------------------------------------------

def a_norm(x, ord, axis=None, keepdims=False):  # noqa: A002
    """The norms as autograd functions (a reference independent of NumPy's linalg.norm)."""
    a = anp.abs(x)
    if isinstance(axis, tuple):
        r, c = axis
        if ord in ("euclidean", "fro"):
            return anp.sqrt(anp.sum(x * x, axis=axis, keepdims=keepdims))
        first, second = (r, c) if ord == 1 else (c, r)
        return anp.max(anp.sum(a, axis=first, keepdims=True), axis=second, keepdims=True) if keepdims else \
            anp.squeeze(anp.max(anp.sum(a, axis=first, keepdims=True), axis=second, keepdims=True), axis=axis)
    if ord in ("euclidean", 2):
        return anp.sqrt(anp.sum(x * x, axis=axis, keepdims=keepdims))
    if ord == 1:
        return anp.sum(a, axis=axis, keepdims=keepdims)
    if ord == np.inf:
        return anp.max(a, axis=axis, keepdims=keepdims)
    return anp.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


NORM_CASES = [("euclidean", None, False), ("euclidean", 1, True), (2, -1, False), (1, None, False), (1, 0, True),
              (np.inf, 1, False), (3, None, False), (1.5, 0, False), ("fro", (0, 1), False),
              ("euclidean", (1, 2), True), (1, (0, 1), False), (1, (1, 0), True), (np.inf, (1, 2), False)]


@pytest.mark.parametrize("ord_,axis,keep", NORM_CASES, ids=[str(c) for c in NORM_CASES])
def test_norm_forward_and_gradients(ord_, axis, keep):
    rng = np.random.default_rng(7)
    shape = (2, 3, 4) if isinstance(axis, tuple) and 2 in axis else (3, 4)
    x = (rng.uniform(0.2, 1.5, shape) * rng.choice([-1, 1], shape))
    got = run(norm(tf.constant(x), ord=ord_, axis=axis, keepdims=keep))
    if isinstance(axis, tuple):
        npo = "fro" if ord_ in ("euclidean", "fro") else ord_
        ref = np.linalg.norm(x, ord=npo, axis=axis, keepdims=keep)
    elif axis is None:
        ref = np.linalg.norm(x.ravel(), ord=2 if ord_ == "euclidean" else ord_)
        ref = np.reshape(ref, (1,) * x.ndim) if keep else ref
    else:
        ref = np.linalg.norm(x, ord=2 if ord_ == "euclidean" else ord_, axis=axis, keepdims=keep)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    check_gradients(lambda t: norm(t, ord=ord_, axis=axis, keepdims=keep), [x],
                    reference=lambda a: a_norm(a, ord_, axis, keep))


def test_norm_float32_and_shapes():
    x = tf.placeholder(tf.float32, (None, 5))
    assert norm(x).op.name == "norm" and norm(x, name="size").op.name == "size"
    assert norm(x).shape.as_list() == []
    assert norm(x, axis=1).shape.as_list() == [None]
    assert norm(x, axis=1, keepdims=True).shape.as_list() == [None, 1]
    assert norm(x, axis=[0, 1], keepdims=True).shape.as_list() == [1, 1]
    assert norm(x, keep_dims=True).shape.as_list() == [1, 1]
    v = np.arange(10, dtype=np.float32).reshape(2, 5)
    got = run(norm(x, axis=1), {x: v})
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.linalg.norm(v, axis=1), rtol=1e-6)


def test_norm_gradient_at_zero_is_zero_not_nan():
    # TensorFlow's sqrt(sum(x^2)) gives NaN here; graphgrad gives the minimal-norm subgradient 0 (documented).
    x = tf.constant(np.zeros((2, 3)))
    n = norm(x, axis=1)
    g = tf.gradients(tf.reduce_sum(n), x)[0]
    gg = tf.gradients(tf.reduce_sum(g), x)[0]
    gv, ggv = run([g, gg])
    np.testing.assert_array_equal(gv, np.zeros((2, 3)))
    assert np.all(np.isfinite(ggv))
    # Away from zero the second derivative is exact.
    v = np.array([[3.0, 4.0, 0.0], [1.0, 2.0, 2.0]])
    check_gradients(lambda t: tf.gradients(tf.reduce_sum(norm(t, axis=1) ** 2 * 0.5 + norm(t, axis=1)), t)[0],
                    [v], reference=autograd.elementwise_grad(
                        lambda a: anp.sum(0.5 * anp.sum(a * a, axis=1) + anp.sqrt(anp.sum(a * a, axis=1)))))


def test_norm_errors():
    x = tf.constant(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="supported vector norm"):
        norm(x, ord="fro", axis=1)
    with pytest.raises(ValueError, match="supported vector norm"):
        norm(x, ord=0)
    with pytest.raises(ValueError, match="matrix norm"):
        norm(x, ord=3, axis=(0, 1))
    with pytest.raises(ValueError, match="spectral"):
        norm(x, ord=2, axis=(0, 1))
    with pytest.raises(ValueError, match="'axis' must be"):
        norm(x, axis=(0, 0))
    with pytest.raises(ValueError, match="'axis' must be"):
        norm(x, axis=(0, 1, 2))
    with pytest.raises(TypeError):
        norm(tf.constant([1, 2]))


# --- top_k, sort, argsort ------------------------------------------------------------------------------------

def _np_top_k(x, k):
    """NumPy reference: descending, lower index first among ties."""
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, idx, -1), idx


def _take_last(a, idx):
    """a[..., idx] row by row, with autograd-friendly indexing."""
    n = a.shape[-1]
    a2 = anp.reshape(a, (-1, n))
    i2 = np.reshape(idx, (a2.shape[0], -1))
    return anp.reshape(a2[np.arange(a2.shape[0])[:, None], i2], idx.shape)


@FAST
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 4), st.integers(0, 100))
def test_top_k_matches_numpy_with_ties(shape, k_off, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 3, shape).astype(np.float32)  # many ties
    k = max(1, shape[-1] - k_off)
    v, i = run(top_k(tf.constant(x), k))
    rv, ri = _np_top_k(x, k)
    assert i.dtype == np.int32 and v.dtype == np.float32
    np.testing.assert_array_equal(v, rv)
    np.testing.assert_array_equal(i, ri)


def test_top_k_gradients_first_and_second_order():
    rng = np.random.default_rng(3)
    x = rng.permutation(24).reshape(2, 3, 4) * 0.1 + 0.05  # distinct values: locally smooth
    _, idx = _np_top_k(x, 2)
    check_gradients(lambda t: top_k(t, 2).values, [x], reference=lambda a: _take_last(a, idx))
    check_gradients(lambda t: top_k(t, k=1).values, [x], reference=lambda a: _take_last(a, _np_top_k(x, 1)[1]))
    w = rng.standard_normal((2, 3, 2))

    def grad_of(t):
        return tf.gradients(tf.reduce_sum(tf.square(top_k(t, 2).values) * tf.constant(w)), t)[0]
    ref = autograd.grad(lambda a: anp.sum(_take_last(a, idx) ** 2 * w))
    check_gradients(grad_of, [x], reference=ref)


def test_top_k_result_names_and_unknown_shapes():
    x = tf.placeholder(tf.float32, (None, None))
    res = top_k(x, 2)
    assert res.values is res[0] and res.indices is res[1]
    assert res.values.op.type == "TopKV2" and res.values.name == "TopKV2:0" and res.indices.name == "TopKV2:1"
    assert res.values.shape.as_list() == [None, 2]
    g = tf.gradients(tf.reduce_sum(res.values), x)[0]
    v = np.array([[1, 5, 3], [4, 4, 0]], np.float32)
    got_v, got_g = run([res.values, g], {x: v})
    np.testing.assert_array_equal(got_v, [[5, 3], [4, 4]])
    np.testing.assert_array_equal(got_g, [[0, 1, 1], [1, 1, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least k columns"):
        run(res.values, {x: v[:, :1]})
    with pytest.raises(ValueError, match="last dimension >= k"):
        top_k(tf.constant(v), 4)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.uint8])
@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("direction", ["ASCENDING", "DESCENDING"])
def test_sort_and_argsort(dtype, axis, direction):
    rng = np.random.default_rng(11)
    x = rng.integers(0, 5, (3, 4, 2)).astype(dtype)  # ties: the sort must be stable
    s, a = run([sort(tf.constant(x), axis=axis, direction=direction),
                argsort(tf.constant(x), axis=axis, direction=direction)])
    if direction == "ASCENDING":
        ra = np.argsort(x, axis=axis, kind="stable")
    else:  # descending, lower index first among ties
        rev = np.flip(x, axis)
        ra = (x.shape[axis] - 1) - np.flip(np.argsort(rev, axis=axis, kind="stable"), axis)
    np.testing.assert_array_equal(a, ra)
    assert a.dtype == np.int32 and s.dtype == dtype
    np.testing.assert_array_equal(s, np.take_along_axis(x, ra, axis))


def test_sort_gradient():
    rng = np.random.default_rng(5)
    x = rng.permutation(12).reshape(3, 4) * 0.3
    order = np.argsort(x, axis=0, kind="stable")
    ref = lambda a: anp.transpose(_take_last(anp.transpose(a), order.T))  # noqa: E731
    check_gradients(lambda t: sort(t, axis=0), [x], reference=ref)
    check_gradients(lambda t: sort(t, direction="DESCENDING"), [x],
                    reference=lambda a: _take_last(a, np.argsort(-x, axis=-1, kind="stable")))
    assert sort(tf.constant(x)).op.name == "sort"
    with pytest.raises(ValueError, match="direction"):
        sort(tf.constant(x), direction="UP")


# --- asserts ------------------------------------------------------------------------------------------------

# assert function, args building it from a placeholder p, a value that passes, a value that fails
ASSERTS = [
    (check_ops.assert_equal, lambda p: (p, [1.0, 2.0]), [1, 2], [1, 3]),
    (check_ops.assert_none_equal, lambda p: (p, [1.0, 2.0]), [2, 1], [1, 5]),
    (check_ops.assert_less, lambda p: (p, 2.0), [1, 1.5], [1, 2]),
    (check_ops.assert_less_equal, lambda p: (p, 2.0), [1, 2], [1, 3]),
    (check_ops.assert_greater, lambda p: (p, 0.0), [1, 2], [0, 1]),
    (check_ops.assert_greater_equal, lambda p: (p, 0.0), [0, 2], [-1, 1]),
    (check_ops.assert_positive, lambda p: (p,), [1, 2], [0, 1]),
    (check_ops.assert_negative, lambda p: (p,), [-1, -2], [-1, 0]),
    (check_ops.assert_non_negative, lambda p: (p,), [0, 2], [0, -1]),
    (check_ops.assert_non_positive, lambda p: (p,), [0, -2], [0, 1]),
    (check_ops.assert_near, lambda p: (p, [1.0, 2.0]), [1, 2 + 1e-7], [1, 2.1]),
]


@pytest.mark.parametrize("fn,args,good,bad", ASSERTS, ids=[a[0].__name__ for a in ASSERTS])
def test_asserts_raise_at_run_time_only_when_violated(fn, args, good, bad):
    p = tf.placeholder(tf.float32, [2])
    check = fn(*args(p))
    assert isinstance(check, tf.Operation)
    with tf.control_dependencies([check]):
        out = tf.identity(p)
    with tf.Session() as s:
        np.testing.assert_array_equal(s.run(out, {p: good}), np.float32(good))
        with pytest.raises(tf.errors.InvalidArgumentError) as err:
            s.run(out, {p: bad})
    assert err.value.message.startswith("assertion failed: [")
    assert f"node {check.name}" in err.value.message
    assert "Placeholder:0" in err.value.message


def test_assert_message_matches_tensorflow():
    x = tf.placeholder(tf.int32, [None])
    check = check_ops.assert_equal(x, [1, 2, 3, 4], message="labels differ", summarize=2)
    assert check.name == "assert_equal/Assert/Assert"
    with pytest.raises(tf.errors.InvalidArgumentError) as err:
        run(check, {x: [1, 2, 3, 5]})
    assert err.value.message == (
        "assertion failed: [labels differ] [Condition x == y did not hold element-wise:] [x (Placeholder:0) = ] "
        "[1 2...] [y (assert_equal/y:0) = ] [1 2...]\n\t [[{{node assert_equal/Assert/Assert}}]]")
    p = tf.placeholder(tf.float32, [3])
    pos = check_ops.assert_positive(p)
    assert pos.name == "assert_positive/assert_less/Assert/Assert"
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"^assertion failed: \[\] \[Condition x > 0 did not "
                                                               r"hold element-wise:\] \[x \(Placeholder_1:0\) = \] "
                                                               r"\[1 -2 3\]"):
        run(pos, {p: [1, -2, 3]})


def test_tf_Assert_and_summarize():
    x = tf.placeholder(tf.float32, [None])
    check = check_ops.Assert(tf.reduce_all(x > 0), ["x must be positive:", x], summarize=4)
    assert check.name == "Assert/Assert" and check.type == "Assert"
    with tf.Session() as s:
        s.run(check, {x: [1, 2]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"assertion failed: \[x must be positive:\] "
                                                                   r"\[-1 0 1 2\.\.\.\]"):
            s.run(check, {x: np.arange(-1, 6, dtype=np.float32)})
    with pytest.raises(TypeError):
        check_ops.Assert(x, [x])
    with pytest.raises(ValueError, match="rank 0"):
        check_ops.Assert(x > 0, [x])


def test_asserts_on_constants_fail_while_building():
    with pytest.raises(tf.errors.InvalidArgumentError) as err:
        check_ops.assert_equal(tf.constant([1, 2]), [1, 3])
    assert err.value.message == ("Condition x == y did not hold element-wise:\nx (Const:0) = \n[1 2]\n"
                                 "y (assert_equal/y:0) = \n[1 3]")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x > 0"):
        check_ops.assert_positive(tf.constant([1.0, -1.0]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        check_ops.assert_equal(tf.shape(tf.zeros([2, 3])), [2, 2])  # static shapes count as constants
    ok = check_ops.assert_equal(tf.constant([1, 2]), [1, 2])
    run(ok)  # a constant check that holds still gives a runnable op
    t = tf.constant([1.0])
    assert check_ops.assert_equal(t, t).type == "NoOp"


def test_assert_rank_and_type():
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(ValueError, match=r"Tensor Placeholder:0 must have rank 3\.  Received rank 2"):
        check_ops.assert_rank(x, 3)
    assert check_ops.assert_rank(x, 2).type == "NoOp"
    assert check_ops.assert_rank_at_least(x, 1).type == "NoOp"
    with pytest.raises(ValueError, match="rank at least 3"):
        check_ops.assert_rank_at_least(x, 3)
    u = tf.placeholder(tf.float32)  # unknown rank: checked when run
    dyn = check_ops.assert_rank(u, 2)
    with tf.Session() as s:
        s.run(dyn, {u: np.ones((2, 2))})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"must have rank\] \[2\] \[Received shape: \] "
                                                                   r"\[3\]"):
            s.run(dyn, {u: np.ones(3)})
    with pytest.raises(TypeError, match="must be of type <dtype: 'int32'>"):
        check_ops.assert_type(x, tf.int32)
    assert check_ops.assert_type(x, tf.float32).type == "NoOp"
    with pytest.raises(TypeError):
        check_ops.assert_integer(x)
    assert check_ops.assert_scalar(tf.constant(1.0)).shape.as_list() == []
    with pytest.raises(ValueError, match="scalar"):
        check_ops.assert_scalar(x)


# --- metrics ------------------------------------------------------------------------------------------------

def _batches(seed, n=4, size=7):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, 2, size), rng.integers(0, 2, size), rng.random(size).astype(np.float32),
             rng.random(size).astype(np.float32)) for _ in range(n)]


def test_accuracy_precision_recall_accumulate():
    labels = tf.placeholder(tf.int64, [None])
    preds = tf.placeholder(tf.int64, [None])
    w = tf.placeholder(tf.float32, [None])
    acc, acc_op = metrics.accuracy(labels, preds)
    wacc, wacc_op = metrics.accuracy(labels, preds, weights=w)
    prec, prec_op = metrics.precision(labels, preds)
    rec, rec_op = metrics.recall(labels, preds)
    names = {v.op.name for v in tf.local_variables()}
    assert {"accuracy/total", "accuracy/count", "accuracy_1/total", "accuracy_1/count",
            "precision/true_positives/count", "precision/false_positives/count",
            "recall/true_positives/count", "recall/false_negatives/count"} <= names
    assert not tf.trainable_variables() and not tf.global_variables()
    assert acc.op.name == "accuracy/value" and acc_op.op.name == "accuracy/update_op"
    assert set(tf.get_collection(metrics.METRIC_VARIABLES)) == set(tf.local_variables())
    seen = []
    with tf.Session() as s:
        s.run(initializers.local_variables())
        assert s.run([acc, prec, rec]) == [0, 0, 0]  # nothing seen yet: 0, not NaN
        for lab, pr, wt, _ in _batches(0):
            seen.append((lab, pr, wt))
            got = s.run([acc_op, wacc_op, prec_op, rec_op], {labels: lab, preds: pr, w: wt})
            L = np.concatenate([b[0] for b in seen])
            P = np.concatenate([b[1] for b in seen])
            W = np.concatenate([b[2] for b in seen])
            tp = np.sum((L == 1) & (P == 1))
            want = [np.mean(L == P), np.sum(W * (L == P)) / np.sum(W), tp / np.sum(P == 1), tp / np.sum(L == 1)]
            np.testing.assert_allclose(got, want, rtol=1e-6)
        np.testing.assert_allclose(s.run([acc, wacc, prec, rec]), want, rtol=1e-6)  # reading changes nothing
        np.testing.assert_allclose(s.run([acc, wacc, prec, rec]), want, rtol=1e-6)
        s.run(tf.local_variables_initializer())  # restart
        assert s.run(acc) == 0
        np.testing.assert_allclose(s.run(acc_op, {labels: [1, 0], preds: [1, 1]}), 0.5)


def test_mean_and_error_metrics():
    v = tf.placeholder(tf.float64, [None, 2])
    t = tf.placeholder(tf.float64, [None, 2])
    w = tf.placeholder(tf.float64, [None, 1])
    m, m_op = metrics.mean(v)
    wm, wm_op = metrics.mean(v, weights=w)
    mse, mse_op = metrics.mean_squared_error(t, v)
    rmse, rmse_op = metrics.root_mean_squared_error(t, v)
    mae, mae_op = metrics.mean_absolute_error(t, v, metrics_collections=["my_metrics"], updates_collections=["up"])
    assert tf.get_collection("my_metrics") == [mae] and tf.get_collection("up") == [mae_op]
    assert m.dtype == tf.float32  # TF casts metric values to float32
    rng = np.random.default_rng(2)
    V, T, W = [], [], []
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        for _ in range(3):
            vb, tb, wb = rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), rng.random((3, 1))
            V.append(vb), T.append(tb), W.append(wb)
            s.run([m_op, wm_op, mse_op, rmse_op, mae_op], {v: vb, t: tb, w: wb})
        Vc, Tc, Wc = np.concatenate(V), np.concatenate(T), np.broadcast_to(np.concatenate(W), (9, 2))
        err = (Vc.astype(np.float32) - Tc.astype(np.float32))
        want = [Vc.mean(), (Vc * Wc).sum() / Wc.sum(), (err ** 2).mean(), np.sqrt((err ** 2).mean()),
                np.abs(err).mean()]
        np.testing.assert_allclose(s.run([m, wm, mse, rmse, mae]), want, rtol=1e-5)


def _np_auc(labels, scores, num_thresholds=200, curve="ROC"):
    """TensorFlow's thresholded AUC, in NumPy."""
    eps = 1e-7
    th = np.array([-eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + eps])
    pos = scores[None, :] > th[:, None]
    lab = labels[None, :].astype(bool)
    tp, fn = (pos & lab).sum(1), (~pos & lab).sum(1)
    tn, fp = (~pos & ~lab).sum(1), (pos & ~lab).sum(1)
    rec = (tp + 1e-6) / (tp + fn + 1e-6)
    if curve == "ROC":
        x, y = fp / (fp + tn + 1e-6), rec
    else:
        x, y = rec, (tp + 1e-6) / (tp + fp + 1e-6)
    return np.sum((x[:-1] - x[1:]) * (y[:-1] + y[1:]) / 2)


def test_auc_accumulates():
    labels = tf.placeholder(tf.int32, [None])
    scores = tf.placeholder(tf.float32, [None])
    roc, roc_op = metrics.auc(labels, scores)
    pr, pr_op = metrics.auc(labels, scores, curve="PR", summation_method="minoring", num_thresholds=50)
    assert {"auc/true_positives", "auc/false_negatives", "auc/true_negatives", "auc/false_positives"} <= \
        {v.op.name for v in tf.local_variables()}
    assert tf.local_variables()[0].shape.as_list() == [200]
    L, S = [], []
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        for lab, _, _, sc in _batches(4, n=3, size=20):
            L.append(lab), S.append(sc)
            s.run([roc_op, pr_op], {labels: lab, scores: sc})
        Lc, Sc = np.concatenate(L), np.concatenate(S)
        got_roc = s.run(roc)
        np.testing.assert_allclose(got_roc, _np_auc(Lc, Sc), rtol=1e-4)
        # and close to the exact (rank-based) ROC AUC
        pos, neg = Sc[Lc == 1], Sc[Lc == 0]
        exact = np.mean(pos[:, None] > neg[None, :])
        assert abs(got_roc - exact) < 0.02
        assert 0 <= s.run(pr) <= 1
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"predictions must be in \[0, 1\]"):
            s.run(roc_op, {labels: [1], scores: [1.5]})
    with pytest.raises(ValueError, match="curve"):
        metrics.auc(labels, scores, curve="XY")


# --- logging ------------------------------------------------------------------------------------------------

@pytest.fixture
def verbosity():
    logger = tf_logging.get_logger()
    old = logger.level
    yield
    logger.setLevel(old)


def test_logging_respects_verbosity(caplog, verbosity):
    caplog.set_level(logging.DEBUG)  # the root logger lets everything through; graphgrad's level decides
    tf_logging.set_verbosity(tf_logging.WARN)
    assert tf_logging.get_verbosity() == tf_logging.WARN == 30
    tf_logging.info("hidden %d", 1)
    tf_logging.warn("shown %d", 2)
    tf_logging.set_verbosity(tf_logging.INFO)
    tf_logging.info("step %d: loss %.2f", 3, 0.5)
    tf_logging.debug("hidden too")
    tf_logging.error("bad")
    tf_logging.fatal("worse")  # logs; does not exit
    records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records if r.name == "graphgrad"]
    assert records == [("graphgrad", 30, "shown 2"), ("graphgrad", 20, "step 3: loss 0.50"),
                       ("graphgrad", 40, "bad"), ("graphgrad", 50, "worse")]
    assert all(r.filename == "test_extra_apis.py" for r in caplog.records if r.name == "graphgrad")
    assert (tf_logging.DEBUG, tf_logging.INFO, tf_logging.ERROR, tf_logging.FATAL) == (10, 20, 40, 50)


def test_log_every_n_and_first_n(caplog, verbosity):
    tf_logging.set_verbosity(tf_logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    for i in range(7):
        tf_logging.log_every_n(tf_logging.INFO, "every %d", 3, i)
    for i in range(5):
        tf_logging.log_first_n(tf_logging.WARN, "first %d", 2, i)
    for i in range(2):  # another line of code counts separately
        tf_logging.log_first_n(tf_logging.WARN, "other %d", 1, i)
    msgs = [r.getMessage() for r in caplog.records if r.name == "graphgrad"]
    assert msgs == ["every 0", "every 3", "every 6", "first 0", "first 1", "other 0"]


def test_logging_prints_to_stderr_without_root_handlers(capsys, verbosity):
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        tf_logging.set_verbosity(tf_logging.INFO)
        tf_logging.info("hello %s", "world")
    finally:
        root.handlers[:] = saved
    assert "INFO:graphgrad:hello world" in capsys.readouterr().err


# --- initializers -------------------------------------------------------------------------------------------

def test_initializers_namespace():
    assert initializers.zeros is init_ops.zeros_initializer
    assert initializers.glorot_uniform is init_ops.glorot_uniform_initializer
    assert initializers.variance_scaling is init_ops.variance_scaling_initializer
    assert initializers.he_normal is init_ops.he_normal
    a = tf.get_variable("a", [2, 3], initializer=initializers.constant(3.0))
    b = tf.get_variable("b", [3, 3], initializer=initializers.identity())
    c = tf.get_variable("c", [50, 40], initializer=initializers.he_uniform(seed=1))
    d = tf.get_variable("d", [4, 4], initializer=initializers.orthogonal(seed=2))
    e = tf.get_variable("e", [2], initializer=initializers.ones())
    loc = metrics.metric_variable([2], tf.float32, name="loc")
    assert initializers.global_variables().name == "init"
    with tf.Session() as s:
        s.run(initializers.global_variables())
        with pytest.raises(tf.errors.FailedPreconditionError):
            s.run(loc)
        s.run(initializers.variables([loc]))
        s.run(initializers.tables_initializer())
        av, bv, cv, dv, ev, lv = s.run([a, b, c, d, e, loc])
    np.testing.assert_array_equal(av, np.full((2, 3), 3.0))
    np.testing.assert_array_equal(bv, np.eye(3))
    assert np.abs(cv).max() <= np.sqrt(6 / 50) and cv.std() > 0.1
    np.testing.assert_allclose(dv @ dv.T, np.eye(4), atol=1e-5)
    np.testing.assert_array_equal(ev, [1, 1])
    np.testing.assert_array_equal(lv, [0, 0])


# --- on a (fake) GPU ----------------------------------------------------------------------------------------

def test_kernels_keep_arrays_on_the_device(monkeypatch):
    """Every kernel above, run on the NumPy-backed CuPy double: no host arrays in or out, same results."""
    import fakegpu

    fakegpu.register()
    found = []
    fakegpu.check_kernels(monkeypatch, found)
    x = tf.placeholder(tf.float32, [None, 4])
    labels = tf.placeholder(tf.int64, [None])
    vals, idx = top_k(x, 2)
    dyn = tf.placeholder(tf.float32)  # unknown shape: TopKGrad gets its shape at run time
    check = check_ops.assert_positive(x)
    with tf.control_dependencies([check]):
        y = tf.identity(x)
    acc, acc_op = metrics.accuracy(labels, tf.argmax(x, 1))
    fetches = [einsum("bi,bj->ij", y, x), norm(x, axis=1), norm(x, ord=1, axis=(0, 1)), vals, idx,
               tf.gradients(tf.reduce_sum(vals * vals), x)[0], sort(x, axis=0), argsort(x, direction="DESCENDING"),
               tf.gradients(tf.reduce_sum(norm(x, axis=1)), x)[0],
               tf.gradients(tf.reduce_sum(top_k(dyn, 1).values), dyn)[0], acc_op]
    v = np.array([[1, 4, 2, 3], [5, 1, 1, 2], [2, 2, 9, 1]], np.float32)
    feed = {x: v, labels: [1, 0, 3], dyn: v}
    results = {}
    for device in ("cpu", "fakegpu"):
        with tf.Session(device=device) as s:
            s.run(tf.local_variables_initializer())
            results[device] = s.run(fetches, feed)
            with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x > 0"):
                s.run(y, {x: -v})
    assert found == []
    for a, b in zip(results["cpu"], results["fakegpu"]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
        assert np.asarray(a).dtype == np.asarray(b).dtype
