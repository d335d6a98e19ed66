"""Property-based fuzzing of op arguments and feeds (issue 11, "bad API input"): whatever the arguments, an op
either raises a named error — ValueError or TypeError while building, a tf.errors.OpError when run, never a raw
IndexError / KeyError / OverflowError / MemoryError / NumPy AxisError, and never NumPy's message text in a run-time
error — or gives the result of a NumPy reference computation that follows TF1's rules (the reference says BAD where
TF1 raises, so a silently accepted bad input fails too).

Each operand comes as a constant, a placeholder of its full shape, or a placeholder of unknown shape, so the same
argument is checked by the build-time shape rule and by the run-time kernel. Bounded and derandomized (the "ci"
profile of conftest.py): the file runs in seconds and CI always checks the same examples."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf

pytestmark = pytest.mark.cpu_semantics("TF1's CPU kernels check gather indices; GPU kernels do not")

BAD, ANY = "BAD", "ANY"  # reference outcomes: TF1 raises / either outcome is fine (still no raw error)
RAW = (IndexError, KeyError, OverflowError, RecursionError, MemoryError, ZeroDivisionError, AttributeError)
# A run-time error whose text is a Python exception's (how the plan wraps an unexpected one): NumPy's message.
RAW_TEXT = re.compile(r"^(ValueError|IndexError|TypeError|AxisError|OverflowError|MemoryError|KeyError)\b")
EXAMPLES = settings(max_examples=40)


class Bad(Exception):
    """Raised by a reference computation where TF1 raises."""


def _named(e):
    if isinstance(e, tf.errors.OpError):
        return not RAW_TEXT.match(e.message)
    if type(e).__module__.startswith("numpy") or isinstance(e, RAW):
        return False
    return isinstance(e, (ValueError, TypeError))


def outcome(build):
    """Build and run in a fresh graph: the fetched value, or the (named) exception."""
    with tf.Graph().as_default():
        try:
            fetch, feed = build()
            with tf.Session() as s:
                return s.run(fetch, feed)
        except Exception as e:  # noqa: BLE001 - the point is to classify every exception
            assert _named(e), f"raw error {type(e).__module__}.{type(e).__name__}: {e}"
            return e


def reference(fn):
    try:
        return fn()
    except Bad:
        return BAD


def agree(got, expected, what):
    if isinstance(expected, str) and expected == ANY:
        return
    if isinstance(expected, str) and expected == BAD:
        assert isinstance(got, Exception), f"{what}: accepted, TF1 raises; got {got!r}"
        return
    assert not isinstance(got, Exception), f"{what}: raised {type(got).__name__}: {got}; reference {expected!r}"
    expected = np.asarray(expected)
    assert np.shape(got) == expected.shape, f"{what}: shape {np.shape(got)} != {expected.shape}"
    np.testing.assert_array_equal(got, expected, err_msg=what)


VIA = st.sampled_from(["const", "fed", "unknown"])


def operand(value, via, feed):
    """`value` as a constant, a placeholder of its shape, or a placeholder of unknown shape (fed in `feed`)."""
    value = np.asarray(value)
    if via == "const":
        return tf.constant(value)
    p = tf.placeholder(tf.as_dtype(value.dtype), value.shape if via == "fed" else None)
    feed[p] = value
    return p


def _array(shape, dtype=np.float32):
    n = int(np.prod(shape)) if shape else 1
    return (np.arange(n) % 7 + 1).astype(dtype).reshape(shape)


SHAPES = st.lists(st.integers(0, 3), max_size=3).map(tuple)
NONEMPTY = st.lists(st.integers(1, 3), max_size=3).map(tuple)
AXIS = st.integers(-4, 4)


def _norm(axis, rank):
    if not -rank <= axis < rank:
        raise Bad
    return axis % rank


# --- joining, reshaping -------------------------------------------------------------------------------------

@EXAMPLES
@given(st.lists(SHAPES, max_size=3), AXIS, VIA)
def test_concat(shapes, axis, via):
    xs = [_array(s) for s in shapes]

    def build():
        feed = {}
        return tf.concat([operand(x, via, feed) for x in xs], axis), feed

    def ref():
        if not xs:
            raise Bad
        if len(xs) == 1:
            return xs[0]  # TF1 returns the one value itself, whatever the axis
        r = xs[0].ndim
        if r == 0 or any(x.ndim != r for x in xs):
            raise Bad
        a = _norm(axis, r)
        if any(x.shape[:a] + x.shape[a + 1:] != xs[0].shape[:a] + xs[0].shape[a + 1:] for x in xs):
            raise Bad
        return np.concatenate(xs, a)
    agree(outcome(build), reference(ref), f"concat {shapes} axis {axis} via {via}")


@EXAMPLES
@given(SHAPES, st.lists(st.one_of(st.integers(-2, 7), st.sampled_from([2.0, 1.5])), max_size=3), VIA)
def test_reshape(shape, target, via):
    x = _array(shape)

    def build():
        feed = {}
        return tf.reshape(operand(x, via, feed), target), feed

    def ref():
        if any(isinstance(d, float) for d in target) or target.count(-1) > 1 or any(d < -1 for d in target):
            raise Bad
        known = int(np.prod([d for d in target if d != -1]))
        if -1 in target and known == 0:
            return ANY
        if (-1 in target and x.size % known) or (-1 not in target and known != x.size):
            raise Bad
        return x.reshape(target)
    agree(outcome(build), reference(ref), f"reshape {shape} to {target} via {via}")


# --- reductions and arg reductions -------------------------------------------------------------------------

REDUCE = {"reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max, "reduce_min": np.min,
          "reduce_prod": np.prod}


@EXAMPLES
@given(st.sampled_from(sorted(REDUCE)), NONEMPTY, st.one_of(st.none(), AXIS, st.lists(AXIS, max_size=3)),
       st.booleans(), VIA)
def test_reductions(name, shape, axis, keepdims, via):
    x = _array(shape)

    def build():
        feed = {}
        return getattr(tf, name)(operand(x, via, feed), axis=axis, keepdims=keepdims), feed

    def ref():
        axes = None if axis is None else [axis] if isinstance(axis, int) else axis
        if axes is not None:
            norm = [_norm(a, x.ndim) for a in axes]
            if len(set(norm)) != len(norm):
                raise Bad
            axes = tuple(norm)
        return REDUCE[name](x, axis=axes, keepdims=keepdims).astype(np.float32)
    got = outcome(build)
    expected = reference(ref)
    if not isinstance(got, Exception) and not isinstance(expected, str):
        np.testing.assert_allclose(got, expected, rtol=1e-6)
        assert np.shape(got) == np.shape(expected)
    else:
        agree(got, expected, f"{name} {shape} axis {axis} via {via}")


@EXAMPLES
@given(st.sampled_from(["argmax", "argmin", "arg_max", "arg_min"]), st.lists(st.integers(1, 3), max_size=3).map(tuple),
       AXIS, VIA)
def test_arg_reductions(name, shape, axis, via):
    x = (np.arange(int(np.prod(shape)) if shape else 1) * 5 % 7).astype(np.float32).reshape(shape)

    def build():
        feed = {}
        return getattr(tf, name)(operand(x, via, feed), axis), feed

    def ref():
        if x.ndim == 0:
            raise Bad
        return getattr(np, name.replace("_", ""))(x, axis=_norm(axis, x.ndim))
    agree(outcome(build), reference(ref), f"{name} {shape} axis {axis} via {via}")


# --- indexing ------------------------------------------------------------------------------------------------

@EXAMPLES
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple),
       st.lists(st.integers(-3, 5), max_size=4), st.integers(-3, 3), VIA, VIA)
def test_gather(shape, indices, axis, via, via_i):
    p, i = _array(shape), np.array(indices, np.int32)

    def build():
        feed = {}
        return tf.gather(operand(p, via, feed), operand(i, via_i, feed), axis=axis), feed

    def ref():
        a = _norm(axis, p.ndim)
        if i.size and (i.min() < 0 or i.max() >= p.shape[a]):
            raise Bad
        return np.take(p, i, axis=a)
    agree(outcome(build), reference(ref), f"gather {shape}[{indices}] axis {axis} via {via}/{via_i}")


@EXAMPLES
@given(SHAPES, st.lists(st.integers(-2, 4), max_size=3), st.lists(st.integers(-2, 4), max_size=3), VIA)
def test_slice(shape, begin, size, via):
    x = _array(shape)

    def build():
        feed = {}
        return tf.slice(operand(x, via, feed), begin, size), feed

    def ref():
        if len(begin) != len(size) or len(begin) != x.ndim:
            raise Bad
        idx = []
        for d, b, n in zip(x.shape, begin, size):
            if not 0 <= b <= d or n < -1 or (n != -1 and b + n > d):
                raise Bad
            idx.append(slice(b, d if n == -1 else b + n))
        return x[tuple(idx)]
    agree(outcome(build), reference(ref), f"slice {shape} begin {begin} size {size} via {via}")


@EXAMPLES
@given(st.lists(st.integers(-2, 5), max_size=4), st.one_of(st.integers(-3, 6), st.sampled_from([2**31, 2**40])),
       VIA)
def test_one_hot(indices, depth, via):
    i = np.array(indices, np.int32)

    def build():
        feed = {}
        return tf.one_hot(operand(i, via, feed), depth), feed

    def ref():
        if not 0 <= depth < 2**31:
            raise Bad
        return (i[:, None] == np.arange(depth)).astype(np.float32)
    agree(outcome(build), reference(ref), f"one_hot {indices} depth {depth} via {via}")


# --- creating --------------------------------------------------------------------------------------------------

@EXAMPLES
@given(st.integers(-6, 6), st.one_of(st.integers(-6, 6), st.just(2**40)), st.integers(-3, 3))
def test_range(start, limit, delta):
    def build():
        return tf.range(start, limit, delta), {}

    def ref():
        if delta == 0 or (delta > 0 and start > limit) or (delta < 0 and start < limit):
            raise Bad
        if limit == 2**40:
            return BAD  # TF1: out of memory (ResourceExhaustedError)
        return np.arange(start, limit, delta)
    agree(outcome(build), reference(ref), f"range({start}, {limit}, {delta})")


@EXAMPLES
@given(st.sampled_from(["zeros", "ones", "fill"]),
       st.lists(st.one_of(st.integers(-2, 3), st.just(2.0)), max_size=3), st.booleans())
def test_zeros_ones_fill(name, shape, fed_shape):
    def build():
        feed = {}
        s = shape
        if fed_shape and all(isinstance(d, int) for d in shape):
            s = tf.placeholder(tf.int32, (len(shape),))
            feed[s] = shape
        if name == "fill":
            return tf.fill(s, 3.0), feed
        return getattr(tf, name)(s), feed

    def ref():
        if any(isinstance(d, float) or d < 0 for d in shape):
            raise Bad
        return np.full(shape, {"zeros": 0.0, "ones": 1.0, "fill": 3.0}[name], np.float32)
    agree(outcome(build), reference(ref), f"{name}({shape}) fed {fed_shape}")


# --- matrices and layout ---------------------------------------------------------------------------------------

@EXAMPLES
@given(st.lists(st.integers(1, 3), max_size=3).map(tuple), st.lists(st.integers(1, 3), max_size=3).map(tuple),
       VIA, VIA)
def test_matmul(sa, sb, via_a, via_b):
    a, b = _array(sa), _array(sb)

    def build():
        feed = {}
        return tf.matmul(operand(a, via_a, feed), operand(b, via_b, feed)), feed

    def ref():
        if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
            raise Bad
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise Bad from None
        return np.matmul(a, b)
    agree(outcome(build), reference(ref), f"matmul {sa} @ {sb} via {via_a}/{via_b}")


@EXAMPLES
@given(SHAPES, st.one_of(st.none(), st.lists(st.integers(-1, 3), max_size=4)), VIA)
def test_transpose(shape, perm, via):
    x = _array(shape)

    def build():
        feed = {}
        return tf.transpose(operand(x, via, feed), perm), feed

    def ref():
        if perm is not None and sorted(perm) != list(range(x.ndim)):
            raise Bad
        return np.transpose(x, perm)
    agree(outcome(build), reference(ref), f"transpose {shape} perm {perm} via {via}")


@EXAMPLES
@given(SHAPES, st.lists(st.integers(-1, 3), max_size=4), VIA)
def test_tile(shape, multiples, via):
    x = _array(shape)

    def build():
        feed = {}
        return tf.tile(operand(x, via, feed), multiples), feed

    def ref():
        if len(multiples) != x.ndim or any(m < 0 for m in multiples):
            raise Bad
        return np.tile(x, multiples) if multiples else x
    agree(outcome(build), reference(ref), f"tile {shape} by {multiples} via {via}")


@EXAMPLES
@given(SHAPES, st.lists(st.lists(st.integers(-1, 2), min_size=1, max_size=3), max_size=3), VIA)
def test_pad(shape, paddings, via):
    x = _array(shape)

    def build():
        feed = {}
        return tf.pad(operand(x, via, feed), paddings), feed

    def ref():
        if len(paddings) != x.ndim or any(len(p) != 2 or min(p) < 0 for p in paddings):
            raise Bad
        return np.pad(x, paddings) if paddings else x
    agree(outcome(build), reference(ref), f"pad {shape} by {paddings} via {via}")


DTYPES = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64, "bool": np.bool_}


@EXAMPLES
@given(st.sampled_from(sorted(DTYPES)), st.sampled_from(sorted(DTYPES)), SHAPES, VIA)
def test_cast(src, dst, shape, via):
    x = _array(shape, DTYPES[src])

    def build():
        feed = {}
        return tf.cast(operand(x, via, feed), getattr(tf, dst)), feed
    agree(outcome(build), x.astype(DTYPES[dst]), f"cast {src} -> {dst} {shape} via {via}")


# --- feeds ----------------------------------------------------------------------------------------------------

FEED_VALUES = st.one_of(
    st.integers(-2**70, 2**70), st.sampled_from([2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**63, 255, 256, -1]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([2.7, -2.7, 1e30, 0.5]),
    st.booleans(), st.none(), st.text(max_size=2),
    st.lists(st.integers(-3, 3), max_size=3), st.lists(st.lists(st.floats(-3, 3), max_size=2), max_size=2))
FEED_DTYPES = {"float32": np.float32, "int32": np.int32, "int64": np.int64, "uint8": np.uint8, "bool": np.bool_}


@settings(max_examples=120)
@given(st.sampled_from(sorted(FEED_DTYPES)), st.sampled_from([None, (), (None,), (2,), (None, 2)]), FEED_VALUES,
       st.booleans())
def test_feeds(dtype, shape, value, by_name):
    dt = FEED_DTYPES[dtype]

    def build():
        x = tf.placeholder(getattr(tf, dtype), shape, name="x")
        return tf.identity(x), {"x:0" if by_name else x: value}

    def ref():
        if value is None:
            raise Bad
        try:
            src = np.asarray(value)
        except ValueError:
            raise Bad from None
        if src.dtype.kind in "USO" and dt is not np.bool_:
            try:
                src = src.astype(dt)
            except (ValueError, OverflowError):
                raise Bad from None
        if src.dtype.kind in "iuf" and np.issubdtype(dt, np.integer) and src.size:
            if not np.isfinite(src.astype(np.float64)).all():
                raise Bad
            info = np.iinfo(dt)
            lo, hi = (np.trunc(src.min()), np.trunc(src.max())) if src.dtype.kind == "f" else (src.min(), src.max())
            if lo < info.min or hi > info.max or (src.dtype.kind == "f" and hi >= float(info.max) + 1):
                raise Bad
        if src.dtype.kind in "USO" and dt is np.bool_:
            return ANY  # NumPy's truthiness of strings; no TF1 rule worth matching
        if shape is not None and (src.ndim != len(shape) or any(d is not None and d != n
                                                                for d, n in zip(shape, src.shape))):
            raise Bad
        return src.astype(dt)
    agree(outcome(build), reference(ref), f"feed {value!r} to {dtype}{shape}")


def test_unknown_feed_names_and_tensor_values_are_named_errors():
    got = outcome(lambda: (tf.identity(tf.placeholder(tf.float32, (), name="x")), {"nope:0": 1.0}))
    assert isinstance(got, TypeError) and "Cannot interpret feed_dict key as Tensor" in str(got)
    got = outcome(lambda: (tf.identity(tf.placeholder(tf.float32, (), name="x")), {"nope": 1.0}))
    assert isinstance(got, TypeError)

    def tensor_value():
        x = tf.placeholder(tf.float32, (), name="x")
        return x + 1.0, {x: tf.constant(1.0)}
    assert isinstance(outcome(tensor_value), TypeError)
