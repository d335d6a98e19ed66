"""Array ops: creating, reshaping, slicing, joining and indexing tensors without changing their values.

Arguments that describe a structure (shapes, axes, permutations, multiples, paddings) are attributes when they
are known while building (Python values or constant tensors), so the kernel is bound once and the op has no
extra inputs; a shape only known at run time becomes an int tensor input instead. Most gradients are the
adjoint op (tile <-> TileGrad, gather <-> GatherGrad, strided slice <-> StridedSliceGrad): linear pairs whose
gradients are each other, so gradients of gradients work without any run-time shape bookkeeping.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, ResourceExhaustedError
from ..framework.graph import Tensor, get_default_graph, name_scope
from ..framework.op_def import OpDef, broadcast_shape, fully_defined, not_differentiable, same_dtype, static_shape
from ..framework.tensor_shape import Dimension, TensorShape
from .core import (
    _flatten,
    _is_tensorlike,
    apply_op,
    constant,
    convert_to_tensor,
    identity,
    ones_like,
    sum_to,
    zeros_like,
)

newaxis = None
_pyrange, _pyslice = builtins.range, builtins.slice  # `range` and `slice` are ops below


# --- build-time helpers ---------------------------------------------------------------------------------

def _multi(op_def, inputs, attrs, name):
    """Create a multi-output op and return its outputs as a list (also when there is only one)."""
    g = inputs[0].graph if inputs else get_default_graph()
    return list(g.create_op(op_def, list(inputs), attrs, name).outputs)


def get_static_value(tensor):
    """The NumPy value of `tensor` when it is known while building (constants, shapes of fully defined
    tensors, stacks and concatenations of those), else None."""
    if not isinstance(tensor, Tensor):
        if hasattr(tensor, "_as_tensor"):
            return None
        return np.asarray(tensor)
    value = getattr(tensor, "_value", None)  # a tensor computed eagerly: its value is known
    if value is not None:
        return np.asarray(value)
    op = tensor.op
    t = op.type
    if t == "Const":
        return op.attrs["value"]
    if t in ("Shape", "Size", "Rank"):
        s = static_shape(op.inputs[0])
        dt = op.attrs.get("out_type", dtypes.int32).np
        if t == "Rank":
            return None if s is None else np.array(len(s), dt)
        if not fully_defined(s):
            return None
        return np.array(s, dt) if t == "Shape" else np.array(math.prod(s), dt)
    if t == "ShapeN":
        s = static_shape(op.inputs[tensor.value_index])
        return np.array(s, op.attrs["out_type"].np) if fully_defined(s) else None
    if t in ("Identity", "StopGradient"):
        return get_static_value(op.inputs[0])
    if t == "Cast":
        v = get_static_value(op.inputs[0])
        return None if v is None else v.astype(op.attrs["DstT"].np)
    if t == "Pack":
        vals = [get_static_value(x) for x in op.inputs]
        return None if any(v is None for v in vals) else np.stack(vals, op.attrs["axis"])
    if t == "ConcatV2":
        vals = [get_static_value(x) for x in op.inputs]
        return None if any(v is None for v in vals) else np.concatenate(vals, op.attrs["axis"])
    if t == "Range":  # a transpose's permutation in a GraphDef TF wrote: range(rank) (dynamic_rnn)
        vals = [get_static_value(x) for x in op.inputs]
        return None if any(v is None for v in vals) else np.arange(*(v[()] for v in vals), dtype=op.attrs["Tidx"].np)
    if t == "InvertPermutation":  # and that transpose's gradient
        v = get_static_value(op.inputs[0])
        return None if v is None else np.argsort(v).astype(v.dtype)
    return None


def _shape_from_tensor(t):
    """The partial shape a 1-D int tensor describes: a tuple with None for entries unknown while building
    (and -1 kept as -1), or None when even its length is unknown."""
    v = get_static_value(t)
    if v is not None:
        return tuple(int(d) for d in np.reshape(v, -1))
    op = t.op
    if op.type == "Shape":
        return static_shape(op.inputs[0])
    if op.type == "Pack" and op.attrs["axis"] == 0:
        out = []
        for x in op.inputs:
            xv = get_static_value(x)
            out.append(None if xv is None else int(xv))
        return tuple(out)
    if op.type == "ConcatV2":
        parts = [_shape_from_tensor(x) for x in op.inputs]
        return None if any(p is None for p in parts) else sum(parts, ())
    s = static_shape(t)
    if s is None or len(s) != 1 or s[0] is None:
        return None
    return (None,) * s[0]


def _as_int(d):
    if isinstance(d, Dimension):
        d = d.value
    if d is None:
        raise ValueError("Cannot convert a partially known shape to a tensor: unknown dimension")
    if not isinstance(d, (int, np.integer)) or isinstance(d, (bool, np.bool_)):
        raise TypeError(f"Expected int32, got {d!r} of type '{type(d).__name__}' instead.")
    return int(d)


def _shape_operand(shape, name="shape"):
    """`(static tuple, None)` for a shape known while building, `(partial tuple or None, int tensor)` else."""
    if isinstance(shape, TensorShape):
        if shape.dims_tuple is None:
            raise ValueError("Cannot convert a shape of unknown rank to a tensor")
        return tuple(_as_int(d) for d in shape.dims_tuple), None
    if _is_tensorlike(shape) or (isinstance(shape, (list, tuple)) and any(_is_tensorlike(v)
                                                                          for v in _flatten(shape))):
        t = convert_to_tensor(shape, name=name)
        if not t.dtype.base_dtype.is_integer:
            raise TypeError(f"Shape must be an int32 or int64 tensor, got {t.dtype.base_dtype.name}")
        v = get_static_value(t)
        if v is not None:
            return tuple(int(d) for d in np.reshape(v, -1)), None
        return _shape_from_tensor(t), t
    if isinstance(shape, np.ndarray):
        if shape.ndim > 1:
            raise ValueError(f"Shape must be rank 1 but is rank {shape.ndim}")
        if shape.size and shape.dtype.kind not in "iu":
            raise TypeError(f"Expected int32, got an array of dtype {shape.dtype} instead.")
        return tuple(int(d) for d in shape.reshape(-1)), None
    if isinstance(shape, (list, tuple)):
        return tuple(_as_int(d) for d in shape), None
    return (_as_int(shape),), None


def _static_int(value, what="axis"):
    """An int known while building (Python int, NumPy integer, or constant scalar tensor)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be an int, got a bool")
    if isinstance(value, (int, np.integer)):
        return int(value)
    v = get_static_value(value) if _is_tensorlike(value) else np.asarray(value)
    if v is None or v.ndim != 0 or v.dtype.kind not in "iu":
        raise TypeError(f"{what} must be an int known while building the graph, got {value!r}")
    return int(v)


def _static_ints(value, what):
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    v = get_static_value(value) if _is_tensorlike(value) else np.asarray(value)
    if v is None:
        raise TypeError(f"{what} must be known while building the graph, got {value!r}")
    if v.size and v.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers, got {v.dtype}")
    return tuple(int(d) for d in np.reshape(v, -1))


def _norm_axis(axis, rank, what="axis", extra=0):
    """Axis in [0, rank + extra) from a possibly negative one; the ValueError TensorFlow raises otherwise."""
    n = rank + extra
    if not -n <= axis < n:
        raise ValueError(f"{what} {axis} is out of range [{-n}, {n}) for a tensor of rank {rank}")
    return axis + n if axis < 0 else axis


def _runtime_shape(x):
    """A reshape target for `x`'s shape: static when fully known, else a Shape op."""
    s = static_shape(x)
    return list(s) if fully_defined(s) else shape(x)


def _merge_shapes(shapes):
    out = None
    for s in shapes:
        if s is None:
            continue
        if out is None:
            out = s
            continue
        if len(s) != len(out):
            raise ValueError(f"Shapes must be equal rank, but are {len(out)} and {len(s)}")
        merged = []
        for a, b in zip(out, s):
            if a is not None and b is not None and a != b:
                raise ValueError(f"Shapes {_fmt(out)} and {_fmt(s)} are incompatible")
            merged.append(a if a is not None else b)
        out = tuple(merged)
    return out


def _fmt(s):
    return "<unknown>" if s is None else "[" + ",".join("?" if d is None else str(d) for d in s) + "]"


def _convert_all(values):
    """Convert a list of values to tensors of one dtype (Python numbers take the first tensor's dtype)."""
    first = next((v for v in values if _is_tensorlike(v)), None)
    pref = convert_to_tensor(first).dtype.base_dtype if first is not None else None
    return [convert_to_tensor(v, preferred_dtype=pref) for v in values]


# --- constants: zeros, ones, fill -----------------------------------------------------------------------

class Fill(OpDef):
    """A tensor of shape `dims` filled with a scalar; dims is an attribute or (run-time) an int tensor."""

    type = "Fill"

    def infer(op):
        value = op.inputs[-1]
        vs = static_shape(value)
        if vs is not None and len(vs) != 0:
            raise ValueError(f"Shape must be rank 0 but is rank {len(vs)}")
        dims = op.attrs["dims"]
        if dims is None:
            dims = _shape_from_tensor(op.inputs[0])
        if dims is not None and any(d is not None and d < 0 for d in dims):
            raise ValueError(f"Fill dimensions must be >= 0, got {list(dims)}")
        return [(dims, value.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        dims = op.attrs["dims"]
        if dims is not None:
            return lambda v: _allocating(op, xp.full, dims, v)

        def fill_dynamic(d, v):
            d = d.tolist()
            if not isinstance(d, list) or any(n < 0 for n in d):
                raise InvalidArgumentError(op.node_def, op, f"dims must be a vector of non-negative sizes, got "
                                                            f"{d}{_node(op)}")
            return _allocating(op, xp.full, d, v)
        return fill_dynamic

    def gradient(op, dy):
        return [None] * (len(op.inputs) - 1) + [sum_to(dy, op.inputs[-1])]


def _node(op):
    """The op-naming tail TensorFlow puts under a run-time error's message."""
    return f"\n\t [[{{{{node {op.name}}}}}]]"


def _allocating(op, f, shape, *args):
    """`f(shape, *args)`, whose result is new memory of `shape`: NumPy's MemoryError becomes TF1's
    ResourceExhaustedError naming the op."""
    try:
        return f(shape, *args)
    except MemoryError:
        dt = op.outputs[0].dtype.base_dtype.name
        raise ResourceExhaustedError(op.node_def, op, f"OOM when allocating tensor with shape{list(shape)} and "
                                                      f"type {dt}{_node(op)}") from None


def _rank_checked(op, kernel, rank, message):
    """`kernel` itself when the first input's rank is known while building (checked then), else behind a check
    that the input has `rank` dimensions when run: InvalidArgumentError with `message(x)` (TF's words)."""
    if static_shape(op.inputs[0]) is not None:
        return kernel

    def rank_checked(x, *rest):
        if x.ndim != rank:
            raise InvalidArgumentError(op.node_def, op, message(x) + _node(op))
        return kernel(x, *rest)
    return rank_checked


def _check_dims(static, what="Dimension"):
    for d in static:
        if d < 0:
            raise ValueError(f"{what} {d} must be >= 0 (shape {list(static)})")
    return static


def fill(dims, value, name=None):
    """`dims`-shaped tensor full of `value` (TF op `Fill`)."""
    static, t = _shape_operand(dims, name="dims")
    if t is None:
        _check_dims(static)
    v = convert_to_tensor(value)
    inputs = [v] if t is None else [t, v]
    return apply_op(Fill, inputs, {"dims": static if t is None else None}, name or "Fill")


def _filled(shape, value, dtype, name, default):
    """zeros/ones: a Const when small (as TF1 does), else Fill, so big graphs stay small."""
    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype == dtypes.string and value == 0:
        value = b""  # TF's zeros of strings are empty strings
    with name_scope(name, default, [shape]) as scope:
        static, t = _shape_operand(shape)
        if t is None:
            _check_dims(static)
        if t is None and math.prod(static) < 1000:
            return constant(np.full(static, value, dtype.np), name=scope)
        v = constant(np.array(value, dtype.np), name="Const")
        inputs = [v] if t is None else [t, v]
        return apply_op(Fill, inputs, {"dims": static if t is None else None}, scope)


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros (Const named `zeros` for small shapes, `Fill` beyond 1000 elements)."""
    return _filled(shape, 0, dtype, name, "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, 1, dtype, name, "ones")


# --- reshape family -------------------------------------------------------------------------------------

def _reshape_shape(src, target):
    if target is None:
        return None
    if sum(1 for d in target if d == -1) > 1:
        raise ValueError(f"Cannot infer more than one dimension of shape {list(target)}: only one -1 allowed")
    if any(d is not None and d < -1 for d in target):
        raise ValueError(f"Size {min(d for d in target if d is not None)} must be non-negative, not in "
                         f"shape {list(target)}")
    known = math.prod(d for d in target if d is not None and d != -1)
    n = math.prod(src) if fully_defined(src) else None
    if -1 in target:
        if n is None or None in target:
            return tuple(None if d == -1 else d for d in target)
        if known == 0 or n % known:
            raise ValueError(f"Cannot reshape a tensor with {n} elements to shape {list(target)} "
                             f"(a multiple of {known} elements is needed)")
        return tuple(n // known if d == -1 else d for d in target)
    if n is not None and None not in target and n != known:
        raise ValueError(f"Cannot reshape a tensor with {n} elements to shape {list(target)} ({known} elements)")
    return tuple(target)


def _reshape_error(op, x, shape):
    shape = list(shape)
    n = math.prod(d for d in shape if d != -1)
    need = f"requires a multiple of {n}" if -1 in shape else f"has {n}"
    return InvalidArgumentError(op.node_def, op, f"Input to reshape is a tensor with {np.size(x)} values, but "
                                                 f"the requested shape {need}\n\t [[{{{{node {op.name}}}}}]]")


class Reshape(OpDef):
    type = "Reshape"
    view_of = 0

    def simplify(op, facts):
        """A reshape to the shape its input already has (a view of it), or back to the shape before a chain of
        reshapes (whose inner reshapes may have copied)."""
        target = op.attrs.get("shape")
        out = op.outputs[0].shape.dims_tuple
        src, depth = facts.args(op)[0], 0
        while True:
            s = facts.sym(src)
            if s is not None and (
                    (target is not None and len(target) == len(s) and sum(d == -1 for d in target) <= 1
                     and all(d == -1 or (isinstance(e, int) and d == e) for d, e in zip(target, s)))
                    or (out is not None and None not in out and out == s)):
                return src, depth == 0
            inner = facts.producer(src)
            if inner is None or inner.op_def is not Reshape:
                return None
            src, depth = facts.args(inner)[0], depth + 1

    def infer(op):
        x = op.inputs[0]
        target = op.attrs["shape"]
        if target is None:
            target = _shape_from_tensor(op.inputs[1])
        return [(_reshape_shape(static_shape(x), target), x.dtype.base_dtype)]

    def kernel(op, ctx):
        target = op.attrs["shape"]
        if target is not None:
            def reshape_static(x):
                try:
                    return x.reshape(target)
                except ValueError:
                    raise _reshape_error(op, x, target) from None
            return reshape_static

        def reshape_dynamic(x, s):
            s = s.tolist()
            try:
                return x.reshape(s)
            except ValueError:
                raise _reshape_error(op, x, s) from None
        return reshape_dynamic

    def gradient(op, dy):
        return [reshape(dy, _runtime_shape(op.inputs[0]))] + [None] * (len(op.inputs) - 1)


def reshape(tensor, shape, name=None):
    """`tensor` with a new shape of the same number of elements; one entry may be -1 (inferred).

    A mismatch is a ValueError while building when the sizes are known, else InvalidArgumentError when run."""
    x = convert_to_tensor(tensor)
    static, t = _shape_operand(shape)
    inputs = [x] if t is None else [x, t]
    return apply_op(Reshape, inputs, {"shape": static if t is None else None}, name or "Reshape")


class ExpandDims(OpDef):
    type = "ExpandDims"
    view_of = 0

    def infer(op):
        x = op.inputs[0]
        s = static_shape(x)
        if s is None:
            return [(None, x.dtype.base_dtype)]
        a = _norm_axis(op.attrs["axis"], len(s), "axis", extra=1)
        return [(s[:a] + (1,) + s[a:], x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, axis = ctx.xp, op.attrs["axis"]
        return lambda x: xp.expand_dims(x, axis)

    def jit(op, facts):
        rank = len(facts.sym(op.inputs[0]))
        return None if rank == 0 else f"{{o0}} = np.expand_dims({{i0}}, {op.attrs['axis'] % (rank + 1)})"

    def gradient(op, dy):
        return [reshape(dy, _runtime_shape(op.inputs[0]))]


def expand_dims(input, axis=None, name=None, dim=None):
    """Insert a dimension of size 1 at `axis` (-1 appends one at the end)."""
    if axis is None:
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    return apply_op(ExpandDims, [convert_to_tensor(input)], {"axis": _static_int(axis)}, name or "ExpandDims")


class Squeeze(OpDef):
    type = "Squeeze"
    view_of = 0

    def infer(op):
        x = op.inputs[0]
        s, axes = static_shape(x), op.attrs["squeeze_dims"]
        dt = x.dtype.base_dtype
        if s is None:
            return [(None, dt)]
        if not axes:
            return [(None if None in s else tuple(d for d in s if d != 1), dt)]
        norm = {_norm_axis(a, len(s)) for a in axes}
        for a in sorted(norm):
            if s[a] is not None and s[a] != 1:
                raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {s[a]}")
        return [(tuple(d for i, d in enumerate(s) if i not in norm), dt)]

    def kernel(op, ctx):
        xp, axes = ctx.xp, op.attrs["squeeze_dims"]
        if not axes:
            return xp.squeeze
        return lambda x: xp.squeeze(x, axes)

    def gradient(op, dy):
        return [reshape(dy, _runtime_shape(op.inputs[0]))]


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    """Remove dimensions of size 1 (all of them, or those in `axis`)."""
    if axis is None:
        axis = squeeze_dims
    axes = () if axis is None else _static_ints(axis, "axis")
    return apply_op(Squeeze, [convert_to_tensor(input)], {"squeeze_dims": axes}, name or "Squeeze")


# --- transpose, reverse, broadcast_to -------------------------------------------------------------------

def _perm_of(op, rank):
    p = op.attrs.get("perm")
    return tuple(_pyrange(rank))[::-1] if p is None else tuple(p)


class Transpose(OpDef):
    type = "Transpose"
    view_of = 0

    def simplify(op, facts):
        """A transpose by the identity permutation, or one that undoes the transpose before it (views both)."""
        x = facts.args(op)[0]
        s = facts.sym(x)
        if s is None:
            return None
        p2 = _perm_of(op, len(s))
        if p2 == tuple(_pyrange(len(s))):
            return x, True
        inner = facts.producer(x)
        if inner is not None and inner.op_def is Transpose:
            p1 = _perm_of(inner, len(s))
            if len(p1) == len(p2) and all(p1[p2[i]] == i for i in _pyrange(len(p2))):
                return facts.args(inner)[0], True
        return None

    def infer(op):
        x = op.inputs[0]
        s, perm = static_shape(x), op.attrs["perm"]
        dt = x.dtype.base_dtype
        if perm is None:
            return [(None if s is None else s[::-1], dt)]
        if sorted(perm) != list(_pyrange(len(perm))):
            raise ValueError(f"perm {list(perm)} is not a permutation of 0..{len(perm) - 1}")
        if s is None:
            return [((None,) * len(perm), dt)]
        if len(perm) != len(s):
            raise ValueError(f"Dimension must be {len(s)} but is {len(perm)}")
        return [(tuple(s[p] for p in perm), dt)]

    def kernel(op, ctx):
        xp, perm = ctx.xp, op.attrs["perm"]
        if perm is None:
            return xp.transpose
        return _rank_checked(op, lambda x: xp.transpose(x, perm), len(perm),
                             lambda x: f"transpose expects a vector of size {x.ndim}. But input(1) is a vector of "
                                       f"size {len(perm)}")

    def gradient(op, dy):
        perm = op.attrs["perm"]
        return [transpose(dy, None if perm is None else list(np.argsort(perm)))]


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permute dimensions; without `perm` the dimensions are reversed (a matrix transpose for 2-D)."""
    x = convert_to_tensor(a)
    perm = None if perm is None else _static_ints(perm, "perm")
    return apply_op(Transpose, [x], {"perm": perm}, name)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Swap the last two dimensions."""
    x = convert_to_tensor(a)
    s = static_shape(x)
    if s is None:
        raise ValueError("matrix_transpose needs a tensor of known rank")
    if len(s) < 2:
        raise ValueError(f"Argument 'a' should be a (batch) matrix, with rank >= 2.  Found: {x.shape}")
    perm = list(_pyrange(len(s) - 2)) + [len(s) - 1, len(s) - 2]
    return transpose(x, perm, name=name)


class ReverseV2(OpDef):
    type = "ReverseV2"
    view_of = 0

    def infer(op):
        x = op.inputs[0]
        s = static_shape(x)
        if s is not None:
            axes = [_norm_axis(a, len(s)) for a in op.attrs["axis"]]
            if len(set(axes)) != len(axes):
                raise ValueError(f"axis {list(op.attrs['axis'])} specified more than once")
        return [(s, x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, axes = ctx.xp, op.attrs["axis"]
        return lambda x: xp.flip(x, axes)

    def gradient(op, dy):
        return [reverse(dy, list(op.attrs["axis"]))]


def reverse(tensor, axis, name=None):
    """Reverse the order of elements along each of `axis`."""
    return apply_op(ReverseV2, [convert_to_tensor(tensor)], {"axis": _static_ints(axis, "axis")},
                    name or "ReverseV2")


reverse_v2 = reverse


class BroadcastTo(OpDef):
    type = "BroadcastTo"

    def infer(op):
        x = op.inputs[0]
        target = op.attrs["shape"]
        if target is None:
            target = _shape_from_tensor(op.inputs[1])
        s = static_shape(x)
        if target is None:
            return [(None, x.dtype.base_dtype)]
        if s is not None and len(s) > len(target):
            raise ValueError(f"Rank of input ({len(s)}) must be no greater than rank of output shape "
                             f"({len(target)})")
        out = broadcast_shape(s, target) if s is not None else target
        if out is not None:
            for a, b in zip(out, target):
                if a is not None and b is not None and a != b:
                    raise ValueError(f"Incompatible shapes: {_fmt(s)} vs. {_fmt(target)}")
            out = tuple(b if b is not None else a for a, b in zip(out, target))
        return [(out, x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, target = ctx.xp, op.attrs["shape"]
        if target is not None:
            return lambda x: xp.broadcast_to(x, target).copy()
        return lambda x, s: xp.broadcast_to(x, s.tolist()).copy()

    def gradient(op, dy):
        return [sum_to(dy, op.inputs[0])] + [None] * (len(op.inputs) - 1)


def broadcast_to(input, shape, name=None):
    """`input` broadcast (NumPy rules) to `shape`, as a new array."""
    x = convert_to_tensor(input)
    static, t = _shape_operand(shape)
    inputs = [x] if t is None else [x, t]
    return apply_op(BroadcastTo, inputs, {"shape": static if t is None else None}, name or "BroadcastTo")


# --- shape, size, rank ----------------------------------------------------------------------------------

class Shape(OpDef):
    type = "Shape"
    shape_only_inputs = (0,)

    def infer(op):
        s = static_shape(op.inputs[0])
        return [((None if s is None else len(s),), op.attrs["out_type"])]

    def kernel(op, ctx):
        xp, dt = ctx.xp, op.attrs["out_type"].np
        return lambda x: xp.asarray(x.shape, dt)

    gradient = not_differentiable


def _out_type(out_type):
    dt = dtypes.as_dtype(out_type).base_dtype
    if dt not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"out_type must be int32 or int64, got {dt.name}")
    return dt


def shape(input, name=None, out_type=dtypes.int32):
    """The shape of `input` as a 1-D int tensor; a constant when the static shape is fully defined (as TF1)."""
    x = convert_to_tensor(input)
    dt = _out_type(out_type)
    s = static_shape(x)
    if fully_defined(s):
        return constant(np.array(s, dt.np), name=name or "Shape")
    return apply_op(Shape, [x], {"out_type": dt}, name or "Shape")


class ShapeN(OpDef):
    type = "ShapeN"

    def infer(op):
        dt = op.attrs["out_type"]
        return [((None if s is None else len(s),), dt) for s in map(static_shape, op.inputs)]

    def kernel(op, ctx):
        xp, dt = ctx.xp, op.attrs["out_type"].np
        if len(op.inputs) == 1:
            return lambda x: xp.asarray(x.shape, dt)
        return lambda *xs: [xp.asarray(x.shape, dt) for x in xs]

    gradient = not_differentiable


def shape_n(input, out_type=dtypes.int32, name=None):
    """The shapes of several tensors at once (one multi-output op)."""
    xs = [convert_to_tensor(x) for x in input]
    return _multi(ShapeN, xs, {"out_type": _out_type(out_type), "N": len(xs)}, name or "ShapeN")


class Size(OpDef):
    type = "Size"
    shape_only_inputs = (0,)

    def infer(op):
        return [((), op.attrs["out_type"])]

    def kernel(op, ctx):
        dt, xp = op.attrs["out_type"].np.type, ctx.xp
        if xp is np:
            return lambda x: dt(x.size)
        return lambda x: xp.asarray(x.size, dt)  # a device value, as every kernel returns

    gradient = not_differentiable


def size(input, name=None, out_type=dtypes.int32):
    """Number of elements of `input` (a constant when its shape is fully defined)."""
    x = convert_to_tensor(input)
    dt = _out_type(out_type)
    s = static_shape(x)
    if fully_defined(s):
        return constant(np.array(math.prod(s), dt.np), name=name or "Size")
    return apply_op(Size, [x], {"out_type": dt}, name or "Size")


class Rank(OpDef):
    type = "Rank"
    shape_only_inputs = (0,)

    def infer(op):
        return [((), dtypes.int32)]

    def kernel(op, ctx):
        xp = ctx.xp
        if xp is np:
            return lambda x: np.int32(x.ndim)
        return lambda x: xp.asarray(x.ndim, np.int32)  # a device value, as every kernel returns

    gradient = not_differentiable


def rank(input, name=None):
    """Number of dimensions of `input` (a constant when it is known while building)."""
    x = convert_to_tensor(input)
    s = static_shape(x)
    if s is not None:
        return constant(np.array(len(s), np.int32), name=name or "Rank")
    return apply_op(Rank, [x], None, name or "Rank")


# --- joining and splitting ------------------------------------------------------------------------------

class ConcatV2(OpDef):
    type = "ConcatV2"

    def infer(op):
        dt = same_dtype(op, *op.inputs)
        shapes = [static_shape(t) for t in op.inputs]
        known = [s for s in shapes if s is not None]
        axis = op.attrs["axis"]
        if not known:
            return [(None, dt)]
        r = len(known[0])
        if r == 0:
            raise ValueError("Can't concatenate scalars (use tf.stack instead)")
        for s in known:
            if len(s) != r:
                raise ValueError(f"Shape must be rank {r} but is rank {len(s)}")
        a = _norm_axis(axis, r)
        out = []
        for i in _pyrange(r):
            if i == a:
                sizes = [s[i] for s in shapes if s is not None]
                out.append(sum(sizes) if len(sizes) == len(shapes) and None not in sizes else None)
                continue
            d = None
            for s in known:
                if s[i] is not None:
                    if d is not None and d != s[i]:
                        raise ValueError(f"Dimension {i} in both shapes must be equal, but are {d} and {s[i]}. "
                                         f"Shapes are {_fmt(known[0])} and {_fmt(s)}")
                    d = s[i]
            out.append(d)
        return [(tuple(out), dt)]

    def kernel(op, ctx):
        xp, axis = ctx.xp, op.attrs["axis"]
        # tf.string tensors stay NumPy arrays on every backend
        concatenate = np.concatenate if op.outputs[0].dtype.base_dtype == dtypes.string else xp.concatenate

        def concat_kernel(*xs):
            try:
                return concatenate(xs, axis)
            except ValueError:  # NumPy's AxisError is one too
                raise _concat_error(op, xs, axis) from None
        return concat_kernel

    def gradient(op, dy):
        axis = op.attrs["axis"]
        sizes = []
        for t in op.inputs:
            s = static_shape(t)
            sizes.append(None if s is None else s[axis])
        if None in sizes:
            sizes = stack([_slice_helper(shape(t), axis) for t in op.inputs])
        return split(dy, sizes, axis=axis)


def _concat_error(op, xs, axis):
    r = xs[0].ndim
    if not -r <= axis < r:
        msg = f"ConcatOp : Expected concatenating dimensions in the range [{-r}, {r}), but got {axis}"
    else:
        a = axis % r
        msg = "ConcatOp : Ranks of all input tensors should match"
        for k, x in enumerate(xs[1:], 1):
            if x.ndim != r:
                msg = (f"ConcatOp : Ranks of all input tensors should match: shape[0] = {_fmt(xs[0].shape)} vs. "
                       f"shape[{k}] = {_fmt(x.shape)}")
                break
            bad = [i for i in _pyrange(r) if i != a and x.shape[i] != xs[0].shape[i]]
            if bad:
                msg = (f"ConcatOp : Dimension {bad[0]} in both shapes must be equal: shape[0] = {_fmt(xs[0].shape)} "
                       f"vs. shape[{k}] = {_fmt(x.shape)}")
                break
    return InvalidArgumentError(op.node_def, op, msg + _node(op))


def concat(values, axis, name="concat"):
    """Join tensors along an existing `axis` (negative counts from the end)."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    axis = _static_int(axis)
    if not values:
        raise ValueError("List argument 'values' to 'ConcatV2' Op with length 0 shorter than minimum length 2.")
    if len(values) == 1:
        return identity(values[0], name=name)
    xs = _convert_all(values)
    return apply_op(ConcatV2, xs, {"axis": axis, "N": len(xs)}, name)


class Pack(OpDef):
    type = "Pack"

    def infer(op):
        dt = same_dtype(op, *op.inputs)
        s = _merge_shapes([static_shape(t) for t in op.inputs])
        if s is None:
            return [(None, dt)]
        a = _norm_axis(op.attrs["axis"], len(s), "axis", extra=1)
        return [(s[:a] + (len(op.inputs),) + s[a:], dt)]

    def kernel(op, ctx):
        axis = op.attrs["axis"]
        # tf.string tensors stay NumPy arrays on every backend (tf.string_split([line]) packs a string)
        stack = np.stack if op.outputs[0].dtype.base_dtype == dtypes.string else ctx.xp.stack
        return lambda *xs: stack(xs, axis)

    def gradient(op, dy):
        return unstack(dy, num=len(op.inputs), axis=op.attrs["axis"])


def stack(values, axis=0, name="stack"):
    """Join same-shape tensors along a new `axis` (TF op `Pack`); a list of constants becomes one Const."""
    axis = _static_int(axis)
    if axis == 0 and not any(_is_tensorlike(v) for v in _flatten(values)):
        try:
            return constant(values, name=name)
        except (TypeError, ValueError):
            pass
    xs = _convert_all(list(values))
    if not xs:
        raise ValueError("stack needs at least one value")
    return apply_op(Pack, xs, {"axis": axis, "N": len(xs)}, name)


class Unpack(OpDef):
    type = "Unpack"
    view_of = 0

    def infer(op):
        x = op.inputs[0]
        s, num = static_shape(x), op.attrs["num"]
        dt = x.dtype.base_dtype
        if s is None:
            return [(None, dt)] * num
        a = _norm_axis(op.attrs["axis"], len(s))
        if s[a] is not None and s[a] != num:
            raise ValueError(f"Dimension {a} of the input has size {s[a]}, not num={num}")
        return [(s[:a] + s[a + 1:], dt)] * num

    def kernel(op, ctx):
        xp, axis, num = ctx.xp, op.attrs["axis"], op.attrs["num"]
        if num == 1:
            return lambda x: xp.moveaxis(x, axis, 0)[0]
        if axis == 0:
            return tuple
        return lambda x: tuple(xp.moveaxis(x, axis, 0))

    def gradient(op, *grads):
        return [stack(list(grads), axis=op.attrs["axis"])]


def unstack(value, num=None, axis=0, name="unstack"):
    """Split along `axis` into a list of tensors with that dimension removed (TF op `Unpack`)."""
    x = convert_to_tensor(value)
    axis = _static_int(axis)
    if num is None:
        s = static_shape(x)
        if s is None:
            raise ValueError(f"Cannot infer num from shape {x.shape}")
        num = s[_norm_axis(axis, len(s))]
        if num is None:
            raise ValueError(f"Cannot infer num from shape {x.shape}")
    return _multi(Unpack, [x], {"num": int(num), "axis": axis}, name)


def _slicer(axis, bounds):
    """`x -> pieces` of a split whose pieces ([(start, stop)] along `axis`) are known when the plan is built:
    basic slicing (views), which costs far less per call than xp.split's general path."""
    keys = [(builtins.slice(None),) * axis + (builtins.slice(a, b),) for a, b in bounds]
    return lambda x: [x[k] for k in keys]


def _split_pieces(op, sizes_of):
    """`OpDef.pieces` of a split: (axis, [(start, stop)]) when its axis and the input's size along it are known
    while building; `sizes_of(size)` gives the pieces' sizes."""
    s = static_shape(op.inputs[0])
    if s is None:
        return None
    a = _norm_axis(op.attrs["axis"], len(s))
    if s[a] is None:
        return None
    sizes = sizes_of(s[a])
    ends = np.cumsum(sizes).tolist()
    return a, [(e - k, e) for k, e in zip(sizes, ends)]


class Split(OpDef):
    type = "Split"
    view_of = 0

    def infer(op):
        x = op.inputs[0]
        s, n = static_shape(x), op.attrs["num_split"]
        dt = x.dtype.base_dtype
        if s is None:
            return [(None, dt)] * n
        a = _norm_axis(op.attrs["axis"], len(s))
        d = s[a]
        if d is not None and d % n:
            raise ValueError(f"Dimension size must be evenly divisible by {n} but is {d}")
        out = s[:a] + (None if d is None else d // n,) + s[a + 1:]
        return [(out, dt)] * n

    def pieces(op):
        n = op.attrs["num_split"]
        return _split_pieces(op, lambda d: [d // n] * n)

    def kernel(op, ctx):
        xp, axis, n = ctx.xp, op.attrs["axis"], op.attrs["num_split"]
        if n == 1:
            return lambda x: x
        pieces = Split.pieces(op)
        if pieces is not None:
            return _slicer(*pieces)
        return lambda x: xp.split(x, n, axis)

    def gradient(op, *grads):
        return [concat(list(grads), op.attrs["axis"])]


class SplitV(OpDef):
    type = "SplitV"
    view_of = 0

    def infer(op):
        x = op.inputs[0]
        s, n, sizes = static_shape(x), op.attrs["num_split"], op.attrs["size_splits"]
        dt = x.dtype.base_dtype
        if sizes is None:
            sizes = _shape_from_tensor(op.inputs[1]) or (None,) * n
        if len(sizes) != n:
            raise ValueError(f"size_splits has {len(sizes)} entries, but num_split is {n}")
        if sum(1 for d in sizes if d == -1) > 1:
            raise ValueError("Only one of size_splits may be -1")
        if s is None:
            return [(None, dt)] * n
        a = _norm_axis(op.attrs["axis"], len(s))
        d = s[a]
        if d is not None and None not in sizes:
            rest = d - sum(v for v in sizes if v != -1)
            if (-1 in sizes and rest < 0) or (-1 not in sizes and rest != 0):
                raise ValueError(f"Determined shape must either match input shape along split_dim exactly if "
                                 f"fully specified, or be less than the size of the input along split_dim if "
                                 f"not fully specified.  Got: {sum(v for v in sizes if v != -1)} vs. {d}")
            sizes = tuple(rest if v == -1 else v for v in sizes)
        return [(s[:a] + (None if v in (None, -1) else v,) + s[a + 1:], dt) for v in sizes]

    def pieces(op):
        """Known when the sizes are an attribute (checked against the input's size at build time, infer)."""
        sizes = op.attrs["size_splits"]
        if sizes is None:
            return None
        return _split_pieces(op, lambda d: [d - (sum(sizes) + 1) if v == -1 else v for v in sizes])

    def kernel(op, ctx):
        xp, axis, n, sizes = ctx.xp, op.attrs["axis"], op.attrs["num_split"], op.attrs["size_splits"]

        def cut(x, sz):
            d = x.shape[axis]
            if -1 in sz:
                sz = [d - (sum(sz) + 1) if v == -1 else v for v in sz]
            if sum(sz) != d or min(sz) < 0:
                raise InvalidArgumentError(op.node_def, op, f"Determined shape must either match input shape "
                                                            f"along split_dim exactly, got sizes {list(sz)} for "
                                                            f"a dimension of {d}")
            if n == 1:
                return x
            return xp.split(x, np.cumsum(sz[:-1]).tolist(), axis)

        pieces = SplitV.pieces(op) if n > 1 else None
        if pieces is not None:
            return _slicer(*pieces)
        if sizes is not None:
            return lambda x: cut(x, sizes)
        return lambda x, sz: cut(x, sz.tolist())

    def gradient(op, *grads):
        return [concat(list(grads), op.attrs["axis"])] + [None] * (len(op.inputs) - 1)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Split into `num_or_size_splits` equal pieces, or pieces of the given sizes (one may be -1); a list."""
    x = convert_to_tensor(value)
    axis = _static_int(axis)
    if isinstance(num_or_size_splits, (int, np.integer, Dimension)) and not isinstance(num_or_size_splits, bool):
        n = int(num_or_size_splits)
        if n < 1:
            raise ValueError(f"num_split must be >= 1, got {n}")
        return _multi(Split, [x], {"axis": axis, "num_split": n}, name)
    if _is_tensorlike(num_or_size_splits):
        t = convert_to_tensor(num_or_size_splits)
        v = get_static_value(t)
        if v is not None and v.ndim == 0:
            return split(x, int(v), axis, name=name)
        if v is None:
            sizes = _shape_from_tensor(t)
            n = num if num is not None else (None if sizes is None else len(sizes))
            if n is None:
                raise ValueError(f"Cannot infer num from shape {t.shape}")
            return _multi(SplitV, [x, t], {"axis": axis, "num_split": int(n), "size_splits": None}, name)
        sizes = tuple(int(d) for d in v.reshape(-1))
    else:
        sizes = tuple(_static_ints(num_or_size_splits, "size_splits"))
    return _multi(SplitV, [x], {"axis": axis, "num_split": len(sizes), "size_splits": sizes}, name)


# --- tile -----------------------------------------------------------------------------------------------

def _multiples(op):
    m = op.attrs["multiples"]
    return m if m is not None else _shape_from_tensor(op.inputs[1])


class Tile(OpDef):
    type = "Tile"

    def infer(op):
        x = op.inputs[0]
        s, m = static_shape(x), _multiples(op)
        dt = x.dtype.base_dtype
        if m is not None and any(v is not None and v < 0 for v in m):
            raise ValueError(f"Expected multiples >= 0, got {list(m)}")
        if s is None or m is None:
            return [(None if m is None else (None,) * len(m), dt)]
        if len(s) != len(m):
            raise ValueError(f"Shape must be rank 1 with {len(s)} entries (the input's rank), but multiples "
                             f"has {len(m)}")
        return [(tuple(None if a is None or b is None else a * b for a, b in zip(s, m)), dt)]

    def kernel(op, ctx):
        xp, m = ctx.xp, op.attrs["multiples"]
        if m is not None:
            return _rank_checked(op, lambda x: xp.tile(x, m), len(m),
                                 lambda x: f"Expected multiples argument to be a vector of length {x.ndim} but got "
                                           f"length {len(m)}")

        def tile_dynamic(x, mt):
            m = mt.tolist()
            if len(m) != x.ndim or min(m, default=0) < 0:
                raise InvalidArgumentError(op.node_def, op, f"Expected multiples argument to be a vector of {x.ndim} "
                                                            f"non-negative entries but got {m}{_node(op)}")
            return xp.tile(x, m)
        return tile_dynamic

    def gradient(op, dy):
        return [apply_op(TileGrad, [dy] + list(op.inputs[1:]), {"multiples": op.attrs["multiples"]},
                         "TileGrad"), None][:len(op.inputs)]


def _untile(xp, dy, m):
    inter = []
    for k, d in zip(m, dy.shape):
        inter += [k, d // k if k else 0]
    return dy.reshape(inter).sum(axis=tuple(_pyrange(0, 2 * len(m), 2)))


class TileGrad(OpDef):
    """Sum the tiles of `dy` back onto one copy: the adjoint of Tile (so its own gradient is Tile)."""

    type = "TileGrad"

    def infer(op):
        dy = op.inputs[0]
        s, m = static_shape(dy), _multiples(op)
        if s is None or m is None:
            return [(None if m is None else (None,) * len(m), dy.dtype.base_dtype)]
        return [(tuple(None if a is None or b is None or b == 0 else a // b for a, b in zip(s, m)),
                 dy.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, m = ctx.xp, op.attrs["multiples"]
        if m is not None:
            return lambda dy: _untile(xp, dy, m)
        return lambda dy, mt: _untile(xp, dy, mt.tolist())

    def gradient(op, ddx):
        m = op.attrs["multiples"] if op.attrs["multiples"] is not None else op.inputs[1]
        return [tile(ddx, m), None][:len(op.inputs)]


def tile(input, multiples, name=None):
    """Repeat `input` `multiples[i]` times along dimension i."""
    x = convert_to_tensor(input)
    static, t = _shape_operand(multiples, name="multiples")
    inputs = [x] if t is None else [x, t]
    return apply_op(Tile, inputs, {"multiples": static if t is None else None}, name or "Tile")


# --- pad ------------------------------------------------------------------------------------------------

class Pad(OpDef):
    type = "Pad"

    def infer(op):
        x = op.inputs[0]
        s, p = static_shape(x), op.attrs["paddings"]
        dt = x.dtype.base_dtype
        if any(b < 0 or a < 0 for b, a in p):
            raise ValueError(f"paddings must be non-negative, got {[list(r) for r in p]}")
        if s is None:
            return [((None,) * len(p), dt)]
        if len(s) != len(p):
            raise ValueError(f"paddings must have {len(s)} rows (the input's rank), got {len(p)}")
        mode = op.attrs["mode"]
        for d, (b, a) in zip(s, p):
            if b < 0 or a < 0:
                raise ValueError(f"paddings must be non-negative, got {[list(r) for r in p]}")
            if d is not None and mode == "REFLECT" and max(b, a) > d - 1:
                raise ValueError(f"paddings must be less than the dimension size: {b}, {a} not less than {d}")
            if d is not None and mode == "SYMMETRIC" and max(b, a) > d:
                raise ValueError(f"paddings must be no greater than the dimension size: {b}, {a} greater than {d}")
        return [(tuple(None if d is None else d + b + a for d, (b, a) in zip(s, p)), dt)]

    def kernel(op, ctx):
        xp, p, mode = ctx.xp, op.attrs["paddings"], op.attrs["mode"]

        def message(x):
            return f"The first dimension of paddings must be the rank of inputs: {len(p)} rows, shape {list(x.shape)}"
        if not p:  # a scalar: NumPy's pad wants at least one row
            return _rank_checked(op, lambda x: x.copy(), 0, message)
        if mode == "CONSTANT":
            cv = op.attrs["constant_values"]
            return _rank_checked(op, lambda x: xp.pad(x, p, mode="constant", constant_values=cv), len(p), message)
        np_mode = mode.lower()
        return _rank_checked(op, lambda x: xp.pad(x, p, mode=np_mode), len(p), message)

    def gradient(op, dy):
        p = op.attrs["paddings"]
        if op.attrs["mode"] == "CONSTANT":
            return [_slice_helper(dy, tuple(_pyslice(b, -a if a else None) for b, a in p), name="Slice")]
        return [apply_op(MirrorPadGrad, [dy], {"paddings": p, "mode": op.attrs["mode"]}, "MirrorPadGrad")]


class PadV2(Pad):
    type = "PadV2"


class MirrorPad(Pad):
    type = "MirrorPad"


def _mirror_index(n, b, a, mode):
    """Source index of every position of a mirror-padded axis of length n (the gather that MirrorPad does)."""
    j = np.arange(-b, n + a)
    if mode == "REFLECT":
        period = 2 * (n - 1) if n > 1 else 1
        j = np.abs(j) % period
        return np.where(j >= n, period - j, j)
    period = 2 * n
    j = np.where(j < 0, -j - 1, j) % period
    return np.where(j >= n, period - 1 - j, j)


class MirrorPadGrad(OpDef):
    """Scatter-add a mirror-padded gradient back onto the unpadded positions (adjoint of MirrorPad)."""

    type = "MirrorPadGrad"

    def infer(op):
        dy = op.inputs[0]
        s, p = static_shape(dy), op.attrs["paddings"]
        if s is None:
            return [((None,) * len(p), dy.dtype.base_dtype)]
        return [(tuple(None if d is None else d - b - a for d, (b, a) in zip(s, p)), dy.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, p, mode = ctx.xp, op.attrs["paddings"], op.attrs["mode"]

        def run(dy):
            for ax, (b, a) in enumerate(p):
                if not (b or a):
                    continue
                n = dy.shape[ax] - b - a
                idx = _mirror_index(n, b, a, mode)
                out_shape = dy.shape[:ax] + (n,) + dy.shape[ax + 1:]
                out = xp.zeros(out_shape, dy.dtype)
                xp.add.at(out, (_pyslice(None),) * ax + (xp.asarray(idx),), dy)
                dy = out
            return dy
        return run

    def gradient(op, ddx):
        return [apply_op(MirrorPad, [ddx], {"paddings": op.attrs["paddings"], "mode": op.attrs["mode"],
                                            "constant_values": 0}, "MirrorPad")]


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """Pad with `paddings[i] = [before, after]` along dimension i; mode CONSTANT, REFLECT or SYMMETRIC."""
    x = convert_to_tensor(tensor)
    mode = mode.upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"Unknown padding mode: {mode}")
    v = get_static_value(paddings) if _is_tensorlike(paddings) else np.asarray(paddings)
    if v is None:
        raise TypeError("paddings must be known while building the graph")
    v = np.asarray(v)
    if v.size == 0:
        v = v.reshape(0, 2)
    if v.ndim != 2 or v.shape[1] != 2:
        raise ValueError(f"paddings must be a matrix with 2 columns, got shape {v.shape}")
    p = tuple((int(b), int(a)) for b, a in v)
    if mode == "CONSTANT":
        cv = get_static_value(constant_values) if _is_tensorlike(constant_values) else constant_values
        if cv is None:
            raise TypeError("constant_values must be known while building the graph")
        cv = np.asarray(cv, x.dtype.base_dtype.np)[()]
        op_def = Pad if cv == 0 else PadV2
        return apply_op(op_def, [x], {"paddings": p, "mode": mode, "constant_values": cv}, name or op_def.type)
    return apply_op(MirrorPad, [x], {"paddings": p, "mode": mode, "constant_values": 0}, name or "MirrorPad")


# --- gather, one_hot, boolean_mask ----------------------------------------------------------------------

def _gather_shape(ps, ins, axis):
    if ps is None or ins is None:
        return None, axis
    a = _norm_axis(axis, len(ps))
    return ps[:a] + ins + ps[a + 1:], a


class GatherV2(OpDef):
    type = "GatherV2"

    def infer(op):
        params, indices = op.inputs
        if not indices.dtype.base_dtype.is_integer:
            raise TypeError(f"Value passed to parameter 'indices' has DataType {indices.dtype.base_dtype.name} not "
                            "in list of allowed values: int32, int64")
        out, _ = _gather_shape(static_shape(params), static_shape(indices), op.attrs["axis"])
        return [(out, params.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, axis = ctx.xp, op.attrs["axis"]
        take = xp.take
        if xp is not np:  # as TF1 on a GPU: no bounds check (it would wait for the device)
            return lambda p, i: take(p, i, axis=axis)

        def gather_kernel(p, i):
            try:
                out = take(p, i, axis=axis)
            except IndexError:  # an index too large (or the axis out of range: AxisError)
                raise _gather_error(op, p, i, axis) from None
            if i.size and i.min() < 0:
                raise _gather_error(op, p, i, axis)
            return out
        return gather_kernel

    def gradient(op, dy):
        params, indices = op.inputs
        ps = static_shape(params)
        if op.attrs["axis"] == 0:
            return [_gather_rows_gradient(params, indices, dy, ps), None]
        attrs = {"axis": op.attrs["axis"], "shape": ps if fully_defined(ps) else None}
        inputs = [dy, indices] if fully_defined(ps) else [dy, indices, shape(params)]
        return [apply_op(GatherGrad, inputs, attrs, "GatherGrad"), None]


def _gather_rows_gradient(params, indices, dy, ps):
    """The gradient of the rows gathered from `params`: an IndexedSlices of `dy`'s rows at `indices` (TF's
    `_GatherV2Grad` for axis 0), so that optimizers update only those rows."""
    from .indexed_slices import IndexedSlices

    tail = ps[1:] if ps is not None else None
    if tail is not None and fully_defined(tail):
        values = reshape(dy, [-1, *tail])
    else:
        values = reshape(dy, concat([[-1], shape(params)[1:]], 0))
    return IndexedSlices(values, reshape(indices, [-1]), shape(params))


class GatherGrad(OpDef):
    """Dense scatter-add of `dy` into zeros of the params' shape: the gradient of a gather along an axis other than
    0 (along axis 0 it is an IndexedSlices)."""

    type = "GatherGrad"

    def infer(op):
        dy = op.inputs[0]
        s = op.attrs["shape"]
        if s is None:
            s = _shape_from_tensor(op.inputs[2])
        return [(s, dy.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, axis, static = ctx.xp, op.attrs["axis"], op.attrs["shape"]
        lead = (_pyslice(None),) * axis if axis >= 0 else None

        def scatter(dy, i, shp):
            out = xp.zeros(shp, dy.dtype)
            if lead is None:
                a = axis + out.ndim
                xp.add.at(out, (_pyslice(None),) * a + (i,), dy)
            else:
                xp.add.at(out, lead + (i,), dy)
            return out
        if static is not None:
            return lambda dy, i: scatter(dy, i, static)
        return lambda dy, i, s: scatter(dy, i, s.tolist())

    def gradient(op, ddp):
        return [gather(ddp, op.inputs[1], axis=op.attrs["axis"])] + [None] * (len(op.inputs) - 1)


def _gather_error(op, p, i, axis):
    if not -p.ndim <= axis < p.ndim:
        msg = f"Expected axis in the range [{-p.ndim}, {p.ndim}), but got {axis}"
    else:
        n = p.shape[axis]
        i = np.asarray(i)
        where = np.unravel_index(int(np.flatnonzero((i < 0) | (i >= n))[0]), i.shape)
        msg = f"indices[{','.join(map(str, where))}] = {int(i[where])} is not in [0, {n})"
    return InvalidArgumentError(op.node_def, op, msg + _node(op))


def gather(params, indices, validate_indices=None, name=None, axis=0, batch_dims=0):
    """Slices of `params` along `axis` at `indices` (any shape): out = params[:, ..., indices, ...]."""
    if batch_dims:
        raise NotImplementedError("gather with batch_dims is not supported")
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices)
    axis = _static_int(axis if axis is not None else 0)
    return apply_op(GatherV2, [p, i], {"axis": axis}, name or "GatherV2")


class OneHot(OpDef):
    type = "OneHot"

    def infer(op):
        (indices,) = op.inputs
        if not indices.dtype.base_dtype.is_integer:
            raise TypeError(f"indices must be an integer tensor, got {indices.dtype.base_dtype.name}")
        s, depth, axis = static_shape(indices), op.attrs["depth"], op.attrs["axis"]
        if s is None:
            return [(None, op.attrs["T"])]
        if not -1 <= axis <= len(s):
            raise ValueError(f"Expected axis to be -1 or between [0, {len(s)}].  But received: {axis}")
        a = len(s) if axis == -1 else axis
        return [(s[:a] + (depth,) + s[a:], op.attrs["T"])]

    def kernel(op, ctx):
        xp, depth, axis = ctx.xp, op.attrs["depth"], op.attrs["axis"]
        dt = op.attrs["T"].np
        on, off = dt.type(op.attrs["on_value"]), dt.type(op.attrs["off_value"])
        ar = xp.arange(depth)
        plain = on == 1 and off == 0

        def one_hot_kernel(i):
            try:
                eq = xp.expand_dims(i, -1) == ar
                out = eq.astype(dt) if plain else xp.where(eq, on, off).astype(dt, copy=False)
            except MemoryError:
                raise ResourceExhaustedError(op.node_def, op, f"OOM when allocating tensor with shape"
                                                              f"{list(i.shape) + [depth]} and type "
                                                              f"{op.attrs['T'].name}{_node(op)}") from None
            return out if axis == -1 else xp.moveaxis(out, -1, axis)
        return one_hot_kernel

    gradient = not_differentiable


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """Rows of `depth` entries that are `on_value` at each index and `off_value` elsewhere (float32 1/0 by
    default); indices outside [0, depth) give a row of `off_value`."""
    with name_scope(name, "one_hot", [indices, depth, on_value, off_value]) as scope:
        i = convert_to_tensor(indices)
        on = None if on_value is None else convert_to_tensor(on_value)
        off = None if off_value is None else convert_to_tensor(off_value)
        if dtype is not None:
            dt = dtypes.as_dtype(dtype).base_dtype
        elif on is not None:
            dt = on.dtype.base_dtype
        elif off is not None:
            dt = off.dtype.base_dtype
        else:
            dt = dtypes.float32
        if on is not None and off is not None and on.dtype.base_dtype != off.dtype.base_dtype:
            raise TypeError(f"dtype of on_value ({on.dtype.base_dtype.name}) and off_value "
                            f"({off.dtype.base_dtype.name}) must be the same")
        vals = []
        for v, default in ((on, 1), (off, 0)):
            if v is None:
                vals.append(default)
                continue
            sv = get_static_value(v)
            if sv is None or np.ndim(sv) != 0:
                raise TypeError("on_value and off_value must be scalars known while building the graph")
            vals.append(sv[()])
        d = _static_int(depth, "depth")
        if not 0 <= d < 2**31:
            raise ValueError(f"depth must be a non-negative int32, got {d} (op '{scope.rstrip('/')}')")
        attrs = {"depth": d, "on_value": vals[0], "off_value": vals[1],
                 "axis": -1 if axis is None else _static_int(axis), "T": dt}
        return apply_op(OneHot, [i], attrs, scope)


class BooleanMask(OpDef):
    type = "BooleanMask"

    def infer(op):
        x, mask = op.inputs
        if mask.dtype.base_dtype != dtypes.bool_:
            raise TypeError(f"mask must be a bool tensor, got {mask.dtype.base_dtype.name}")
        ms = static_shape(mask)
        if ms is None:
            raise ValueError("Number of mask dimensions must be specified, even if some dimensions are None.")
        if len(ms) == 0:
            raise ValueError("mask cannot be scalar.")
        s, axis = static_shape(x), op.attrs["axis"]
        if s is None:
            return [(None, x.dtype.base_dtype)]
        k = len(ms)
        if axis + k > len(s):
            raise ValueError(f"mask of rank {k} at axis {axis} does not fit a tensor of rank {len(s)}")
        if not TensorShape(s[axis:axis + k]).is_compatible_with(ms):
            raise ValueError(f"Shapes {_fmt(s[axis:axis + k])} and {_fmt(ms)} are incompatible")
        return [(s[:axis] + (None,) + s[axis + k:], x.dtype.base_dtype)]

    def kernel(op, ctx):
        lead = (_pyslice(None),) * op.attrs["axis"]
        return lambda x, m: x[lead + (m,)]

    def gradient(op, dy):
        return [apply_op(BooleanMaskGrad, [dy, op.inputs[1]], {"axis": op.attrs["axis"]}, "BooleanMaskGrad"),
                None]


class BooleanMaskGrad(OpDef):
    """Put the masked rows of `dy` back where the mask was true, zeros elsewhere (adjoint of BooleanMask)."""

    type = "BooleanMaskGrad"

    def infer(op):
        dy, mask = op.inputs
        s, ms, a = static_shape(dy), static_shape(mask), op.attrs["axis"]
        return [(None if s is None else s[:a] + ms + s[a + 1:], dy.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, a = ctx.xp, op.attrs["axis"]
        lead = (_pyslice(None),) * a

        def scatter(dy, m):
            out = xp.zeros(dy.shape[:a] + m.shape + dy.shape[a + 1:], dy.dtype)
            out[lead + (m,)] = dy
            return out
        return scatter

    def gradient(op, ddx):
        return [boolean_mask(ddx, op.inputs[1], axis=op.attrs["axis"]), None]


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The entries of `tensor` where the k-D bool `mask` (aligned with dims axis..axis+k) is true."""
    with name_scope(name, "boolean_mask", [tensor, mask]) as scope:
        x = convert_to_tensor(tensor)
        m = convert_to_tensor(mask)
        axis = 0 if axis is None else _static_int(axis)
        if axis < 0:
            s = static_shape(x)
            if s is None:
                raise ValueError("A negative axis needs a tensor of known rank")
            axis = _norm_axis(axis, len(s))
        return apply_op(BooleanMask, [x, m], {"axis": axis}, scope)


# --- range ----------------------------------------------------------------------------------------------

_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


class Range(OpDef):
    type = "Range"

    def infer(op):
        dt = op.attrs["Tidx"]
        vals = [get_static_value(t) for t in op.inputs]
        for t in op.inputs:
            s = static_shape(t)
            if s is not None and len(s) != 0:
                raise ValueError(f"Shape must be rank 0 but is rank {len(s)}")
        if any(v is None for v in vals):
            return [((None,), dt)]
        start, limit, delta = (v[()].item() for v in vals)
        if delta == 0:
            raise ValueError("Requires delta != 0")
        if delta > 0 and start > limit:
            raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
        if delta < 0 and start < limit:
            raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit}")
        return [((max(0, math.ceil((limit - start) / delta)),), dt)]

    def kernel(op, ctx):
        xp, dt = ctx.xp, op.attrs["Tidx"].np
        arange = xp.arange

        def range_kernel(s, lim, d):
            s, lim, d = (x.item() for x in (s, lim, d))  # 0-d arrays, on a GPU too: the length is the host's
            if d == 0 or (d > 0 and s > lim) or (d < 0 and s < lim):
                what = ("delta != 0" if d == 0 else "start <= limit when delta > 0" if d > 0
                        else "start >= limit when delta < 0")
                raise InvalidArgumentError(op.node_def, op, f"Requires {what}: {s}/{lim}{_node(op)}")
            try:
                return arange(s, lim, d, dtype=dt)
            except MemoryError:
                n = math.ceil((lim - s) / d)
                raise ResourceExhaustedError(op.node_def, op, f"OOM when allocating tensor with shape[{n}] and "
                                                              f"type {op.attrs['Tidx'].name}{_node(op)}") from None
        return range_kernel

    gradient = not_differentiable


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """Numbers from `start` up to (not including) `limit` in steps of `delta`; dtype like TF (ints -> int32,
    any float -> float32, the widest argument wins)."""
    if limit is None:
        start, limit = 0, start
    with name_scope(name, "Range", [start, limit, delta]) as scope:
        args = [convert_to_tensor(v, name=n) if _is_tensorlike(v) else v
                for v, n in ((start, "start"), (limit, "limit"), (delta, "delta"))]
        arg_dtypes = []
        for v, n in zip(args, ("start", "limit", "delta")):
            if isinstance(v, Tensor):
                arg_dtypes.append(v.dtype.base_dtype)
            else:
                arr = np.asarray(v)
                if isinstance(v, (np.ndarray, np.generic)):
                    arg_dtypes.append(dtypes.as_dtype(arr.dtype))
                elif arr.dtype.kind == "f":
                    arg_dtypes.append(dtypes.float32)
                elif arr.dtype.kind in "iu" and arr.ndim == 0 and -2**31 <= int(arr) < 2**31:
                    arg_dtypes.append(dtypes.int32)
                elif arr.dtype.kind in "iu" and arr.ndim == 0 and -2**63 <= int(arr) < 2**63:
                    arg_dtypes.append(dtypes.int64)
                else:
                    raise TypeError(f"range's {n} must be a scalar int or float, got {v!r}")
        if dtype is not None:
            dt = dtypes.as_dtype(dtype).base_dtype
        else:
            dt = max(arg_dtypes, key=lambda d: _RANGE_ORDER.index(d) if d in _RANGE_ORDER else -1)
        if dt not in _RANGE_ORDER:
            raise TypeError(f"range does not support dtype {dt.name}")
        ts = []
        for v, n in zip(args, ("start", "limit", "delta")):
            if isinstance(v, Tensor):
                if v.dtype.base_dtype != dt:
                    from .cast_ops import cast

                    v = cast(v, dt)
                ts.append(v)
            else:
                value = np.asarray(v)
                if dt.is_integer and value.dtype.kind in "iu" and not (
                        np.iinfo(dt.np).min <= int(value) <= np.iinfo(dt.np).max):
                    raise ValueError(f"range's {n} {int(value)} is out of range for {dt.name}")
                ts.append(constant(value.astype(dt.np), name=n))
        return apply_op(Range, ts, {"Tidx": dt}, scope)


# --- strided slice: tensor[...] -------------------------------------------------------------------------

class _Ref:
    """Marks a slice-spec entry whose value is the k-th index input of the op (a scalar int tensor)."""

    __slots__ = ("k",)

    def __init__(self, k):
        self.k = k

    def __repr__(self):
        return f"<input {self.k}>"


def _has_ref(item):
    if isinstance(item, _Ref):
        return True
    return isinstance(item, _pyslice) and any(isinstance(v, _Ref) for v in (item.start, item.stop, item.step))


def _slice_shape(s, spec):
    """Static result shape of basic indexing `x[spec]` (NumPy rules), with bounds checks for constant ints."""
    if sum(1 for it in spec if it is Ellipsis) > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed")
    consumed = sum(1 for it in spec if it is not None and it is not Ellipsis)
    if s is None:
        return None
    if consumed > len(s):
        raise ValueError(f"Index out of range using input dim {len(s)}; input has only {len(s)} dims")
    full = []
    for it in spec:
        if it is Ellipsis:
            full += [_pyslice(None)] * (len(s) - consumed)
        else:
            full.append(it)
    if Ellipsis not in spec:
        full += [_pyslice(None)] * (len(s) - consumed)
    out, k = [], 0
    for it in full:
        if it is None:
            out.append(1)
            continue
        d = s[k]
        if isinstance(it, _pyslice):
            if d is not None and not _has_ref(it):
                out.append(len(_pyrange(d)[it]))
            elif it.start is None and it.stop is None and it.step in (None, 1):
                out.append(d)
            else:
                out.append(None)
        elif not isinstance(it, _Ref) and d is not None and not -d <= it < d:
            raise ValueError(f"slice index {it} of dimension {k} out of bounds.")
        k += 1
    return tuple(out)


def _resolver(spec):
    """A function from the index inputs' values to the NumPy index tuple (spec entries filled in)."""
    def val(v, vals):
        return int(vals[v.k]) if isinstance(v, _Ref) else v

    def resolve(vals):
        out = []
        for it in spec:
            if isinstance(it, _pyslice):
                out.append(_pyslice(val(it.start, vals), val(it.stop, vals), val(it.step, vals)))
            else:
                out.append(val(it, vals))
        return tuple(out)
    return resolve


class StridedSlice(OpDef):
    """Basic indexing `x[spec]`: ints, slices (any step), `...` and newaxis; int entries may be scalar tensors
    (the op's extra inputs). The result is a view; its gradient scatters into zeros of the input's shape."""

    type = "StridedSlice"
    view_of = 0

    def infer(op):
        x = op.inputs[0]
        for t in op.inputs[1:]:
            ts = static_shape(t)
            if not t.dtype.base_dtype.is_integer or (ts is not None and len(ts) != 0):
                raise TypeError(f"Only scalar int32/int64 tensors are valid indices, got {t}")
        return [(_slice_shape(static_shape(x), op.attrs["spec"]), x.dtype.base_dtype)]

    def kernel(op, ctx):
        spec = op.attrs["spec"]
        if len(op.inputs) == 1:
            return lambda x: x[spec]
        resolve = _resolver(spec)
        return lambda x, *vals: x[resolve(vals)]

    def gradient(op, dy):
        x, refs = op.inputs[0], list(op.inputs[1:])
        s = static_shape(x)
        static = fully_defined(s)
        inputs = [dy] + refs + ([] if static else [shape(x)])
        g = apply_op(StridedSliceGrad, inputs, {"spec": op.attrs["spec"], "shape": s if static else None},
                     "StridedSliceGrad")
        return [g] + [None] * len(refs)


class StridedSliceGrad(OpDef):
    """Zeros of the sliced tensor's shape with `dy` written at `spec` (adjoint of StridedSlice)."""

    type = "StridedSliceGrad"

    def infer(op):
        dy = op.inputs[0]
        s = op.attrs["shape"]
        if s is None:
            s = _shape_from_tensor(op.inputs[-1])
        return [(s, dy.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, spec, static = ctx.xp, op.attrs["spec"], op.attrs["shape"]
        n_refs = len(op.inputs) - 1 - (static is None)
        resolve = _resolver(spec)

        def scatter(dy, idx, shp):
            out = xp.zeros(shp, dy.dtype)
            out[idx] = dy
            return out
        if static is not None:
            if not n_refs:
                return lambda dy: scatter(dy, spec, static)
            return lambda dy, *vals: scatter(dy, resolve(vals), static)
        return lambda dy, *rest: scatter(dy, resolve(rest[:-1]), rest[-1].tolist())

    def gradient(op, ddx):
        static = op.attrs["shape"] is not None
        refs = list(op.inputs[1:] if static else op.inputs[1:-1])
        return [_strided(ddx, op.attrs["spec"], refs, "strided_slice")] + [None] * (len(op.inputs) - 1)


def _strided(x, spec, refs, name, op_def=StridedSlice):
    return apply_op(op_def, [x] + list(refs), {"spec": spec}, name)


def _index_entry(v, refs):
    """A slice-spec entry from a user index value: int, None, or a _Ref to a scalar int tensor input."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("Boolean indices are not supported by tensor[...]; use tf.boolean_mask")
    if isinstance(v, (int, np.integer)):
        return int(v)
    if _is_tensorlike(v):
        t = convert_to_tensor(v)
        sv = get_static_value(t)
        if sv is not None and np.ndim(sv) == 0 and np.asarray(sv).dtype.kind in "iu":
            return int(sv)
        ts = static_shape(t)
        if not t.dtype.base_dtype.is_integer or (ts is not None and len(ts) != 0):
            raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                            f"tf.int32/tf.int64 tensors are valid indices, got {v!r}")
        refs.append(t)
        return _Ref(len(refs) - 1)
    raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                    f"tf.int32/tf.int64 tensors are valid indices, got {v!r}")


def _slice_helper(tensor, slice_spec, var=None, name=None):
    """`tensor[slice_spec]` with NumPy's basic-indexing rules, as one StridedSlice op named `strided_slice`."""
    x = convert_to_tensor(tensor)
    if not isinstance(slice_spec, tuple):
        slice_spec = (slice_spec,)
    refs, spec = [], []
    for s in slice_spec:
        if s is Ellipsis:
            spec.append(Ellipsis)
        elif isinstance(s, _pyslice):
            step = _index_entry(s.step, refs)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            spec.append(_pyslice(_index_entry(s.start, refs), _index_entry(s.stop, refs), step))
        else:
            spec.append(_index_entry(s, refs))
    return _strided(x, tuple(spec), refs, name or "strided_slice")


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                  shrink_axis_mask=0, var=None, name=None):
    """TensorFlow's mask-based strided slice (begin/end/strides known while building)."""
    b = _static_ints(begin, "begin")
    e = _static_ints(end, "end")
    st = _static_ints(strides, "strides") if strides is not None else (1,) * len(b)
    if not len(b) == len(e) == len(st):
        raise ValueError("begin, end and strides must have the same length")
    spec = []
    for i, (bi, ei, si) in enumerate(zip(b, e, st)):
        bit = 1 << i
        if ellipsis_mask & bit:
            spec.append(Ellipsis)
        elif new_axis_mask & bit:
            spec.append(None)
        elif shrink_axis_mask & bit:
            spec.append(bi)
        else:
            if si == 0:
                raise ValueError("strides entries must be non-zero")
            spec.append(_pyslice(None if begin_mask & bit else bi, None if end_mask & bit else ei, si))
    return _strided(convert_to_tensor(input_), tuple(spec), [], name or "StridedSlice")


def _slice_problem(shape, begin, size):
    """TF1's complaint about `begin`/`size` for an input of `shape` (None for unknown dims), or None."""
    if len(shape) != len(begin):
        return (f"Expected begin and size arguments to be 1-D tensors of size {len(shape)}, but got shapes "
                f"[{len(begin)}] and [{len(size)}] instead.")
    for i, (d, b, n) in enumerate(zip(shape, begin, size)):
        if b < 0 or (d is not None and b > d):
            return f"Expected begin[{i}] in [0, {'?' if d is None else d}], but got {b}"
        if n < -1 or (d is not None and n != -1 and b + n > d):
            return f"Expected size[{i}] in [0, {'?' if d is None else d - b}], but got {n}"
    return None


class Slice(StridedSlice):
    """tf.slice: unlike `x[a:b]`, a block that does not fit the input is an error (as TF1), not a shorter
    result. Checked while building when the input's shape is known, else when run."""

    type = "Slice"

    def infer(op):
        x = op.inputs[0]
        s = static_shape(x)
        if s is not None:
            problem = _slice_problem(s, op.attrs["begin"], op.attrs["size"])
            if problem:
                raise ValueError(problem)
        return StridedSlice.infer(op)

    def kernel(op, ctx):
        spec, begin, size = op.attrs["spec"], op.attrs["begin"], op.attrs["size"]
        if fully_defined(static_shape(op.inputs[0])):
            return lambda x: x[spec]

        def slice_kernel(x):
            problem = _slice_problem(x.shape, begin, size)
            if problem:
                raise InvalidArgumentError(op.node_def, op, problem + _node(op))
            return x[spec]
        return slice_kernel


def slice(input_, begin, size, name=None):  # noqa: A001
    """The block of `input_` starting at `begin` with `size` (-1: to the end). A block that does not fit is a
    ValueError (known shape and bounds) or InvalidArgumentError when run, as in TF1. Bounds computed in the graph
    make a SliceDynamic op (ops/dynamic_slice.py)."""
    if any(_is_tensorlike(v) and get_static_value(v) is None for v in (begin, size)):
        from .dynamic_slice import slice_dynamic  # it builds on this module
        return slice_dynamic(input_, begin, size, name)
    b = _static_ints(begin, "begin")
    sz = _static_ints(size, "size")
    if len(b) != len(sz):
        raise ValueError(f"Expected begin and size arguments to be 1-D tensors of the same size, but got shapes "
                         f"[{len(b)}] and [{len(sz)}] instead.")
    spec = tuple(_pyslice(bi, None if si == -1 else bi + si) for bi, si in zip(b, sz))
    return apply_op(Slice, [convert_to_tensor(input_)], {"spec": spec, "begin": b, "size": sz}, name or "Slice")


__all__ = ["zeros", "ones", "fill", "zeros_like", "ones_like", "reshape", "expand_dims", "squeeze", "transpose",
           "matrix_transpose", "reverse", "reverse_v2", "broadcast_to", "shape", "shape_n", "size", "rank", "concat",
           "stack", "unstack", "split", "tile", "pad", "gather", "one_hot", "boolean_mask", "range",
           "strided_slice", "slice", "newaxis", "get_static_value"]
