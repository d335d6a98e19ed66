"""Assertions: `tf.Assert` and the `tf.assert_*` family, as TensorFlow 1.x graph mode has them.

Each returns an op to put in `tf.control_dependencies([...])`; running it raises InvalidArgumentError whose
message is TensorFlow's: `assertion failed: [Condition x == y did not hold element-wise:] [x (x:0) = ] [1 2]
...` (data formatted as `tf.Print` formats it, `summarize` elements per tensor, default 3). When every value
involved is known while building, the check happens right away instead, as in TensorFlow: the comparison
asserts raise InvalidArgumentError, `assert_rank` raises ValueError and `assert_type` TypeError.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from . import array_ops, unary_ops
from .arithmetic_ops import add, multiply, subtract
from .comparison_ops import equal, greater, greater_equal, less, less_equal, not_equal
from .core import convert_to_tensor, group, no_op
from .logging_ops import element_formatter, summarize_value
from .math_common import _convert_pair
from .reduction_ops import reduce_all


class AssertOp(OpDef):
    """Fail the run with InvalidArgumentError listing `data` when the scalar bool `condition` is false."""

    type = "Assert"
    stateful = True  # a side effect: never folded or dropped from a run that asks for it

    def infer(op):
        cond = op.inputs[0]
        if cond.dtype.base_dtype != dtypes.bool_:
            raise TypeError(f"Input 'condition' of 'Assert' Op has type {cond.dtype.base_dtype.name} that does not "
                            "match expected type of bool.")
        s = static_shape(cond)
        if s is not None and s != ():
            raise ValueError(f"Shape must be rank 0 but is rank {len(s)}")
        return []

    def kernel(op, ctx):
        summarize = op.attrs["summarize"]
        fmts = [element_formatter(t.dtype) for t in op.inputs[1:]]
        to_host = ctx.to_host

        def check(cond, *data):
            if not cond:
                shown = " ".join(f"[{summarize_value(to_host(d), summarize, f)}]" for d, f in zip(data, fmts))
                raise InvalidArgumentError(op.node_def, op, f"assertion failed: {shown}\n"
                                                            f"\t [[{{{{node {op.name}}}}}]]")
        return check

    gradient = not_differentiable


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TensorFlow's name
    """An op that, when run, raises InvalidArgumentError showing `data` (a list of tensors or values) unless the
    scalar bool `condition` is true; `summarize` elements of each tensor are shown (default 3)."""
    if isinstance(data, (Tensor, str)) or hasattr(data, "_as_tensor"):
        data = [data]
    with name_scope(name, "Assert", [condition, *data]):
        cond = convert_to_tensor(condition, name="Condition")
        xs = [convert_to_tensor(d) for d in data]
        attrs = {"summarize": 3 if summarize is None else int(summarize)}
        return cond.graph.create_op(AssertOp, [cond, *xs], attrs, "Assert")


# --- static checks ----------------------------------------------------------------------------------------

def _static_text(d):
    """A data item as TensorFlow shows it when the check fails while building: values of constants."""
    if not isinstance(d, Tensor):
        return str(d)
    v = array_ops.get_static_value(d)
    return str(d) if v is None else str(v)


def _static_fail(data):
    raise InvalidArgumentError(None, None, "\n".join(_static_text(d) for d in data))


# --- comparisons ------------------------------------------------------------------------------------------

def _binary_assert(sym, default_name, op_func, np_func, x, y, data, summarize, message, name):
    with name_scope(name, default_name, [x, y]):
        x, y = _convert_pair(x, y)
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:", f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        if message is not None:
            data = [message, *data]
        condition = reduce_all(op_func(x, y))
        xv, yv = array_ops.get_static_value(x), array_ops.get_static_value(y)
        if xv is not None and yv is not None and not np.all(np_func(xv, yv)):
            _static_fail(data)
        return Assert(condition, data, summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None):
    """Assert `x == y` element-wise (with broadcasting)."""
    if x is y:
        with name_scope(name, "assert_equal", [x]):
            return no_op()
    return _binary_assert("==", "assert_equal", equal, np.equal, x, y, data, summarize, message, name)


def assert_none_equal(x, y, data=None, summarize=None, message=None, name=None):
    """Assert `x != y` for every (broadcast) pair of elements."""
    return _binary_assert("!=", "assert_none_equal", not_equal, np.not_equal, x, y, data, summarize,
                          message, name)


def assert_less(x, y, data=None, summarize=None, message=None, name=None):
    """Assert `x < y` element-wise."""
    return _binary_assert("<", "assert_less", less, np.less, x, y, data, summarize, message, name)


def assert_less_equal(x, y, data=None, summarize=None, message=None, name=None):
    """Assert `x <= y` element-wise."""
    return _binary_assert("<=", "assert_less_equal", less_equal, np.less_equal, x, y, data, summarize,
                          message, name)


def assert_greater(x, y, data=None, summarize=None, message=None, name=None):
    """Assert `x > y` element-wise."""
    return _binary_assert(">", "assert_greater", greater, np.greater, x, y, data, summarize, message,
                          name)


def assert_greater_equal(x, y, data=None, summarize=None, message=None, name=None):
    """Assert `x >= y` element-wise."""
    return _binary_assert(">=", "assert_greater_equal", greater_equal, np.greater_equal, x, y, data,
                          summarize, message, name)


def _sign_assert(sym, default_name, zero_first, check, x, data, summarize, message, name):
    """assert_positive and friends: a comparison with 0 whose message names only x."""
    with name_scope(name, default_name, [x]):
        x = convert_to_tensor(x, name="x")
        if data is None:
            data = [message or "", f"Condition x {sym} did not hold element-wise:", f"x ({x.name}) = ", x]
        zero = convert_to_tensor(0, dtype=x.dtype.base_dtype)
        a, b = (zero, x) if zero_first else (x, zero)
        return check(a, b, data=data, summarize=summarize)


def assert_positive(x, data=None, summarize=None, message=None, name=None):
    """Assert `x > 0` element-wise."""
    return _sign_assert("> 0", "assert_positive", True, assert_less, x, data, summarize, message, name)


def assert_negative(x, data=None, summarize=None, message=None, name=None):
    """Assert `x < 0` element-wise."""
    return _sign_assert("< 0", "assert_negative", False, assert_less, x, data, summarize, message, name)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None):
    """Assert `x >= 0` element-wise."""
    return _sign_assert(">= 0", "assert_non_negative", True, assert_less_equal, x, data, summarize, message, name)


def assert_non_positive(x, data=None, summarize=None, message=None, name=None):
    """Assert `x <= 0` element-wise."""
    return _sign_assert("<= 0", "assert_non_positive", False, assert_less_equal, x, data, summarize, message,
                        name)


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None, name=None):
    """Assert |x - y| < atol + rtol·|y| element-wise (default tolerances 10·eps of the dtype)."""
    with name_scope(name, "assert_near", [x, y]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        eps = float(np.finfo(x.dtype.base_dtype.np).eps)
        rtol = convert_to_tensor(10 * eps if rtol is None else rtol, name="rtol", dtype=x.dtype.base_dtype)
        atol = convert_to_tensor(10 * eps if atol is None else atol, name="atol", dtype=x.dtype.base_dtype)
        if data is None:
            data = [message or "", f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        tol = add(atol, multiply(rtol, unary_ops.abs(y)))
        diff = unary_ops.abs(subtract(x, y))
        return Assert(reduce_all(less(diff, tol)), data, summarize=summarize)


# --- rank and type ----------------------------------------------------------------------------------------

def _rank_assert(what, static_ok, dynamic, x, rank, data, summarize, message, name, default_name):
    with name_scope(name, default_name, [x, rank]):
        x = convert_to_tensor(x, name="x")
        rank_t = convert_to_tensor(rank, name="rank")
        if rank_t.dtype.base_dtype != dtypes.int32:
            assert_type(rank_t, dtypes.int32)
        message = message or ""
        given = array_ops.get_static_value(rank_t)
        if given is not None and np.ndim(given) != 0:
            raise ValueError("Rank must be a scalar.")
        if data is None:
            data = [message, f"Tensor {x.name} must have {what}", rank_t, "Received shape: ", array_ops.shape(x)]
        s = static_shape(x)
        if given is not None and s is not None:
            if not static_ok(len(s), int(given)):
                raise ValueError(f"{message}.  Tensor {x.name} must have {what} {int(given)}.  Received rank "
                                 f"{len(s)}, shape {x.shape}")
            return no_op(name="static_checks_determined_all_ok")
        condition = dynamic(array_ops.rank(x), rank_t)
        return Assert(condition, data, summarize=summarize)


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None):
    """Assert that `x` has rank `rank`: a ValueError now when the rank is known while building (and a NoOp
    is returned), else an op checking it at run time."""
    return _rank_assert("rank", lambda a, r: a == r, equal, x, rank, data, summarize, message, name,
                        "assert_rank")


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None, name=None):
    """Assert that `x` has rank `rank` or more (statically when possible, as assert_rank)."""
    return _rank_assert("rank at least", lambda a, r: a >= r, greater_equal, x, rank, data, summarize,
                        message, name, "assert_rank_at_least")


def assert_scalar(tensor, name=None, message=None):
    """`tensor`, after checking while building that it is a scalar (ValueError otherwise)."""
    with name_scope(name, "assert_scalar", [tensor]):
        t = convert_to_tensor(tensor, name="tensor")
        s = static_shape(t)
        if s is None:
            raise ValueError(f"{message or ''}Expected scalar shape for {t.name}, saw unknown shape.")
        if s != ():
            raise ValueError(f"{message or ''}Expected scalar shape for {t.name}, saw shape: {t.shape}.")
        return t


def assert_type(tensor, tf_type, message=None, name=None):
    """Check while building that `tensor` has dtype `tf_type` (TypeError otherwise); returns a NoOp."""
    message = message or ""
    with name_scope(name, "assert_type", [tensor]):
        t = convert_to_tensor(tensor, name="tensor")
        want = dtypes.as_dtype(tf_type)
        if t.dtype.base_dtype != want.base_dtype:
            raise TypeError(f"{message}  {t.name} must be of type {want}")
        return no_op(name="statically_determined_correct_type")


def assert_integer(x, message=None, name=None):
    """Check while building that `x` has an integer dtype (TypeError otherwise); returns a NoOp."""
    with name_scope(name, "assert_integer", [x]):
        t = convert_to_tensor(x, name="x")
        if not t.dtype.base_dtype.is_integer:
            raise TypeError(f"{message or ''}Expected \"x\" to be integer type.  Found: {t.name} of dtype "
                            f"{t.dtype.base_dtype.name}")
        return no_op("statically_determined_was_integer")


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None):
    """Assert that the rank of `x` is one of `ranks`: a ValueError now when the rank is known while building (and
    a NoOp is returned), else an op checking it at run time."""
    with name_scope(name, "assert_rank_in", [x, *ranks]):
        x = convert_to_tensor(x, name="x")
        ranks = tuple(int(r) for r in ranks)
        message = message or ""
        s = static_shape(x)
        if s is not None:
            if len(s) not in ranks:
                raise ValueError(f"{message}Tensor {x.name} must have rank in {ranks}.  Received rank {len(s)}, "
                                 f"shape {x.shape}")
            return no_op(name="static_checks_determined_all_ok")
        if data is None:
            data = [message, f"Tensor {x.name} must have rank in", *ranks, "Received shape: ", array_ops.shape(x)]
        rank = array_ops.rank(x)
        hits = [equal(rank, r) for r in ranks]
        condition = hits[0]
        for h in hits[1:]:
            condition = condition | h
        return Assert(condition, data, summarize=summarize)


def assert_same_float_dtype(tensors=None, dtype=None):
    """The one floating dtype of `tensors` (and `dtype`): a ValueError when they differ or are not floating; with
    neither, float32."""
    tensors = [convert_to_tensor(t) for t in (tensors or [])]
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype).base_dtype
        if not dtype.is_floating:
            raise ValueError(f"Expected floating point type, got <dtype: '{dtype.name}'>.")
    first = None
    for t in tensors:
        dt = t.dtype.base_dtype
        if dtype is None:
            dtype, first = dt, t
            if not dt.is_floating:
                raise ValueError(f"Expected floating point type, got <dtype: '{dt.name}'>.")
        elif dt != dtype:
            against = f" as {first.name}" if first is not None else ""
            raise ValueError(f"{t.name}, type=<dtype: '{dt.name}'>, must be of the same type (<dtype: "
                             f"'{dtype.name}'>){against}.")
    return dtype if dtype is not None else dtypes.float32


def assert_proper_iterable(values):
    """TypeError unless `values` is an iterable of values (not a tensor, array, string or bytes)."""
    unintentional = (Tensor, np.ndarray, str, bytes, bytearray)
    if isinstance(values, unintentional) or hasattr(values, "_as_tensor") or not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: {type(values)}')


def is_numeric_tensor(tensor):
    """Whether `tensor` is a tensor of a numeric dtype (integers, floats, complex; not bool or string)."""
    if not isinstance(tensor, Tensor):
        return False
    dt = tensor.dtype.base_dtype
    return dt.is_integer or dt.is_floating or dt.is_complex


def _pairwise(x, compare, name, default_name):
    with name_scope(name, default_name, [x]):
        flat = array_ops.reshape(convert_to_tensor(x, name="x"), [-1])
        return reduce_all(compare(flat[:-1], flat[1:]))


def is_non_decreasing(x, name=None):
    """A bool tensor: each element of `x` (flattened) <= the next; True for fewer than two elements."""
    return _pairwise(x, less_equal, name, "is_non_decreasing")


def is_strictly_increasing(x, name=None):
    """A bool tensor: each element of `x` (flattened) < the next; True for fewer than two elements."""
    return _pairwise(x, less, name, "is_strictly_increasing")


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Check the shapes of several tensors against specs such as `[(x, ("N", "D")), (y, ("N",))]`: ints are
    sizes, strings are sizes that must agree wherever the same string appears, "." any size, a leading "..."
    (or "*") any leading dimensions. What the static shapes decide is a ValueError now; the rest an op."""
    from .array_ops import shape as shape_of

    items = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    message = message or ""
    checks, sizes = [], {}  # sizes: symbol -> (tensor, dim, static size or None, dynamic size)
    with name_scope(name, "assert_shapes", [t for t, _ in items]):
        for x, spec in items:
            x = convert_to_tensor(x)
            spec = [spec] if isinstance(spec, str) and spec not in ("...", "*") else list(spec)
            leading = bool(spec) and spec[0] in ("...", "*")
            spec = spec[1:] if leading else spec
            if leading:
                checks.append(assert_rank_at_least(x, len(spec), message=message or None))
            elif len(spec) == 1:
                checks.append(assert_rank_in(x, (0, 1), message=message or None))
            else:
                checks.append(assert_rank(x, len(spec), message=message or None))
            s = static_shape(x)
            rank = len(s) if s is not None else None
            for k, want in enumerate(spec):
                if want == "." or (len(spec) == 1 and rank == 0):
                    continue
                i = k if not leading or rank is None else rank - len(spec) + k
                have = s[i] if s is not None and i < len(s) else None
                if isinstance(want, str) and want in sizes:
                    src, src_dim, static_size, dynamic_size = sizes[want]
                    origin = f"Specified by tensor {src.name} dimension {src_dim}"
                else:
                    static_size = want if isinstance(want, int) else None
                    dynamic_size = static_size
                    origin = "Specified explicitly"
                    if isinstance(want, str):
                        sizes[want] = (x, i, have, None if have is not None else shape_of(x)[i])
                        continue
                if static_size is not None and have is not None:
                    if have != static_size:
                        raise ValueError(f"{message}{origin}.  Tensor {x.name} dimension {i} must have size "
                                         f"{static_size}.  Received size {have}, shape {x.shape}")
                    continue
                expected = static_size if static_size is not None else dynamic_size
                checks.append(Assert(equal(shape_of(x)[i], expected),
                                     [message, f"{origin}.  Tensor {x.name} dimension {i} must have size",
                                      expected, "Received shape: ", shape_of(x)], summarize=summarize))
        ops = [c for c in checks if c.type != "NoOp"]
        return group(*ops) if ops else no_op(name="static_checks_determined_all_ok")


__all__ = ["Assert", "assert_equal", "assert_none_equal", "assert_less", "assert_less_equal", "assert_greater",
           "assert_greater_equal", "assert_positive", "assert_negative", "assert_non_negative",
           "assert_non_positive", "assert_near", "assert_rank", "assert_rank_at_least", "assert_scalar",
           "assert_type", "assert_integer", "assert_rank_in", "assert_same_float_dtype", "assert_proper_iterable",
           "is_numeric_tensor", "is_non_decreasing", "is_strictly_increasing"]
