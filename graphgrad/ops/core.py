"""Core ops every graph needs: constants, placeholders, identity, grouping, and the broadcasting helpers
that gradient rules use to sum a gradient back to an input's shape."""
from __future__ import annotations

import functools
import math

import numpy as np

from ..framework import dtypes
from ..framework.errors import feed_error as _feed_error  # the old name, still importable from here
from ..framework.graph import Operation, Tensor, get_default_graph, name_scope
from ..framework.op_def import OpDef, fully_defined, not_differentiable, same_shape, shape_of_input, static_shape
from ..framework.tensor_shape import TensorShape, as_shape


def apply_op(op_def, inputs, attrs=None, name=None, graph=None):
    """Create `op_def` on the graph of its inputs (or the default graph); return its output tensor(s)."""
    g = graph or (inputs[0].graph if inputs else get_default_graph())
    op = g.create_op(op_def, list(inputs), attrs, name)
    outs = op.outputs
    if op_callbacks and outs:
        for callback in op_callbacks:
            outs = callback(op_def, list(outs))
    return outs[0] if len(outs) == 1 else (op if not outs else list(outs))


#: Functions `(op_def, outputs) -> outputs` every op built by `apply_op` passes its outputs through, to replace
#: them (`tf.debugging.enable_check_numerics` puts a CheckNumerics after each float output).
op_callbacks: list = []


# --- conversion --------------------------------------------------------------------------------------

def _infer_numpy(value, dtype):
    """Python values follow TensorFlow: floats become float32, ints int32; NumPy arrays keep their dtype;
    strings become UTF-8 `bytes` (TF's tf.string). None is TF's error, not a string (a cond branch returning
    `ema.average(v)` before `ema.apply` gives None, and the error must say so)."""
    if value is None:
        raise ValueError("None values not supported.")
    arr = _infer_numeric(value, dtype)
    if arr.dtype == object and any(x is None for x in arr.flat):
        raise TypeError(f"Failed to convert elements of {value!r} to Tensor. Consider casting elements to a "
                        "supported type. See https://www.tensorflow.org/api_docs/python/tf/dtypes for supported "
                        "TF dtypes.")
    return _as_bytes(arr) if arr.dtype.kind in "USO" else arr


def _asarray(value):
    """np.asarray, but strings keep their trailing NULs (NumPy's fixed-width arrays drop them: a serialized
    proto ending in a zero byte would lose it)."""
    arr = np.asarray(value)
    if arr.dtype.kind in "SU" and not isinstance(value, np.ndarray):
        obj = np.asarray(value, dtype=object)
        if obj.shape == arr.shape:
            return obj
    return arr


def _infer_numeric(value, dtype):
    if dtype is not None:
        dt = dtypes.as_dtype(dtype).base_dtype
        arr = _asarray(value)
        if arr.dtype.kind == "f" and arr.size and dt.is_integer and not isinstance(value, np.ndarray):  # [] is fine
            raise TypeError(f"Expected {dt.name}, got {value!r} of type '{type(value).__name__}' instead.")
        return np.asarray(arr, dtype=dt.np)
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    arr = _asarray(value)
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        if arr.size == 0 or (arr.min() >= -(2**31) and arr.max() < 2**31):
            return arr.astype(np.int32)
        return arr.astype(np.int64)
    return arr


def _as_bytes(arr):
    """A string array as TF holds it: an object array of UTF-8 `bytes` (so fetching gives b'...')."""
    items = [s.encode("utf-8") if isinstance(s, str) else s for s in arr.ravel().tolist()]
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(arr.shape)


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None) -> Tensor:
    """Tensors pass through (dtype-checked); variables give their value; anything else becomes a Const."""
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype.base_dtype != dtypes.as_dtype(dtype).base_dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for Tensor with "
                             f"dtype {value.dtype.base_dtype.name}: {value!r}")
        return value
    conv = getattr(value, "_as_tensor", None)
    if conv is not None:
        return conv(dtype=dtype, name=name)
    if _conversions:
        t = _registered_conversion(value, dtype, name)
        if t is not NotImplemented:
            return t
    if _eager_scalar is not None and type(value) in _SCALAR_TYPES:
        t = _eager_scalar(value, dtype, preferred_dtype)
        if t is not None:
            return t
    if isinstance(value, (list, tuple)) and any(_is_tensorlike(v) for v in _flatten(value)):
        from .array_ops import stack

        return stack([convert_to_tensor(v, dtype) for v in value], name=name or "packed")
    if dtype is None and preferred_dtype is not None:
        try:
            return constant(value, dtype=preferred_dtype, name=name or "Const")
        except (TypeError, ValueError):
            pass
    return constant(value, dtype=dtype, name=name or "Const")


#: [(priority, order, base_type, function)] of `tf.register_tensor_conversion_function`, lowest priority first.
_conversions: list = []


def register_conversion(base_type, conversion_func, priority=100):
    """TF's registry of conversions to tensors for types of your own (`tf.register_tensor_conversion_function`)."""
    types = base_type if isinstance(base_type, tuple) else (base_type,)
    if not all(isinstance(t, type) for t in types):
        raise TypeError("base_type must be a type or a tuple of types.")
    if any(issubclass(t, (int, float, np.generic, np.ndarray)) for t in types):
        raise TypeError("Cannot register conversions for Python numeric types and NumPy scalars and arrays.")
    if not callable(conversion_func):
        raise TypeError("conversion_func must be callable.")
    _conversions.append((priority, len(_conversions), types, conversion_func))
    _conversions.sort(key=lambda c: c[:2])


def _registered_conversion(value, dtype, name):
    for _, _, types, fn in _conversions:
        if isinstance(value, types):
            t = fn(value, dtype=dtype, name=name, as_ref=False)
            if t is not NotImplemented:
                if not isinstance(t, Tensor):
                    raise RuntimeError(f"Conversion function {fn!r} for type {type(value)} returned non-Tensor: "
                                       f"{t!r}")
                return convert_to_tensor(t, dtype=dtype)
    return NotImplemented


#: Installed by graphgrad/eager: `(value, dtype, preferred_dtype) -> tensor or None`, the eager conversion of a
#: Python scalar operand (`x * 2.0`) from a cache, as TF's eager context caches them; None when building a graph.
_eager_scalar = None
_SCALAR_TYPES = (float, int, bool)


def _is_tensorlike(v):
    return isinstance(v, Tensor) or hasattr(v, "_as_tensor")


def _flatten(v):
    if isinstance(v, (list, tuple)):
        for x in v:
            yield from _flatten(x)
    else:
        yield v


# --- Const ---------------------------------------------------------------------------------------------

class Const(OpDef):
    type = "Const"
    is_constant = True

    def infer(op):
        v = op.attrs["value"]
        return [(v.shape, dtypes.as_dtype(v.dtype))]

    def kernel(op, ctx):
        value = ctx.to_device(op.attrs["value"])
        return lambda: value

    gradient = not_differentiable


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False) -> Tensor:
    arr = _infer_numpy(value, dtype)
    if shape is not None:
        shape = tuple(as_shape(shape).as_list())
        if arr.shape != shape:
            if verify_shape:
                raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
            if arr.size == 1:
                arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
            elif arr.size == int(np.prod(shape)):
                arr = arr.reshape(shape)
            else:
                raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried to convert "
                                f"value of {arr.size} elements to shape {shape}.")
    arr = np.array(arr, copy=True)
    arr.flags.writeable = False
    return apply_op(Const, [], {"value": arr, "dtype": dtypes.as_dtype(arr.dtype)}, name)


# --- Placeholder ------------------------------------------------------------------------------------

def _passes_input_through(op, facts):
    """`simplify` of ops whose kernel returns its (value) input itself: the plan uses the input instead."""
    return facts.args(op)[0], True


class Placeholder(OpDef):
    type = "Placeholder"
    stateful = True  # its value comes from outside the graph
    must_feed = True

    def infer(op):
        return [(op.attrs["shape"].dims_tuple, op.attrs["dtype"])]

    def kernel(op, ctx):
        def unfed():
            raise _feed_error(op)
        return unfed

    gradient = not_differentiable


def placeholder(dtype, shape=None, name=None) -> Tensor:
    """A value fed at run time through `feed_dict`; running without it raises InvalidArgumentError."""
    return apply_op(Placeholder, [], {"dtype": dtypes.as_dtype(dtype).base_dtype,
                                      "shape": TensorShape(shape)}, name,
                    graph=get_default_graph())


class PlaceholderWithDefault(OpDef):
    type = "PlaceholderWithDefault"
    view_of = 0
    shape_rule = same_shape  # when not fed (the plan's passes ask only then); `infer` gives the declared shape
    simplify = _passes_input_through

    def infer(op):
        return [(op.attrs["shape"].dims_tuple, op.inputs[0].dtype)]

    def kernel(op, ctx):
        return lambda x: x

    def gradient(op, dy):
        return [dy]


def placeholder_with_default(input, shape, name=None) -> Tensor:
    x = convert_to_tensor(input)
    shape = TensorShape(shape)
    if not shape.is_compatible_with(x.shape):
        raise ValueError(f"Shapes {shape} and {x.shape} are incompatible")
    return apply_op(PlaceholderWithDefault, [x], {"shape": shape}, name)


# --- Identity, StopGradient, NoOp, group ---------------------------------------------------------------

class Identity(OpDef):
    type = "Identity"
    view_of = 0
    sparse_gradients = True
    shape_rule = same_shape
    simplify = _passes_input_through

    def infer(op):
        x = op.inputs[0]
        return [(op.op_def.shape_rule(op, static_shape(x)), x.dtype.base_dtype)]

    def kernel(op, ctx):
        return lambda x: x

    def jit(op, facts):
        return "{o0} = {i0}"

    def gradient(op, dy):
        return [dy]


def identity(input, name=None) -> Tensor:
    return apply_op(Identity, [convert_to_tensor(input)], None, name)


class StopGradient(Identity):
    type = "StopGradient"
    gradient = not_differentiable


def stop_gradient(input, name=None) -> Tensor:
    """Pass the value through but block back-propagation (gradient None/zero on the other side)."""
    return apply_op(StopGradient, [convert_to_tensor(input)], None, name)


class NoOp(OpDef):
    type = "NoOp"
    no_op = True

    def infer(op):
        return []

    def kernel(op, ctx):
        return lambda *a: None

    gradient = not_differentiable


def no_op(name=None) -> Operation:
    return get_default_graph().create_op(NoOp, [], None, name)


def group(*inputs, name=None) -> Operation:
    """One op that runs after all `inputs` (a NoOp with control dependencies)."""
    ops = []
    for x in _flatten(list(inputs)):
        if x is None:
            continue
        x = getattr(x, "op", x) if not isinstance(x, Operation) else x
        ops.append(x)
    g = ops[0].graph if ops else get_default_graph()
    with g.control_dependencies(ops):
        return g.create_op(NoOp, [], None, name or "group_deps")


def tuple_(tensors, name=None, control_inputs=None):
    """Tensors that are available only after all of `tensors` (and `control_inputs`) are computed."""
    ts = [t for t in tensors if t is not None]
    with name_scope(name, "tuple", ts):
        gate = group(*ts, *(control_inputs or []))
        return [None if t is None else with_dependencies([gate], t) for t in tensors]


def with_dependencies(dependencies, output_tensor, name=None):
    """`output_tensor` passed through an Identity that runs after `dependencies` (named `control_dependency`);
    an IndexedSlices passes its values through it."""
    sliced = hasattr(output_tensor, "_composite_parts")
    values = output_tensor.values if sliced else convert_to_tensor(output_tensor)
    with name_scope(name, "control_dependency", [values]) as scope:
        with values.graph.control_dependencies(dependencies):
            out = identity(values, name=scope)
    return type(output_tensor)(out, output_tensor.indices, output_tensor.dense_shape) if sliced else out


# --- ZerosLike / OnesLike (what autodiff seeds and pads with) ------------------------------------------

class ZerosLike(OpDef):
    type = "ZerosLike"
    shape_rule = same_shape
    shape_only_inputs = (0,)

    def infer(op):
        x = op.inputs[0]
        return [(op.op_def.shape_rule(op, static_shape(x)), x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda x: xp.zeros_like(x)

    gradient = not_differentiable


class OnesLike(ZerosLike):
    type = "OnesLike"

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda x: xp.ones_like(x)


def zeros_like(tensor, dtype=None, name=None, optimize=True) -> Tensor:
    x = convert_to_tensor(tensor)
    out = apply_op(ZerosLike, [x], None, name)
    return out if dtype is None else _cast(out, dtype)


def ones_like(tensor, dtype=None, name=None, optimize=True) -> Tensor:
    x = convert_to_tensor(tensor)
    out = apply_op(OnesLike, [x], None, name)
    return out if dtype is None else _cast(out, dtype)


def _cast(x, dtype):
    from .cast_ops import cast

    return cast(x, dtype)


# --- broadcasting helpers for gradient rules ------------------------------------------------------------

def _sum_axes(from_shape, to_shape):
    """Axes along which a broadcast from `to_shape` to `from_shape` must be summed back."""
    lead = len(from_shape) - len(to_shape)
    axes = list(range(lead))
    for i, d in enumerate(to_shape):
        if d == 1 and from_shape[lead + i] != 1:
            axes.append(lead + i)
    return tuple(axes)


#: A sum over two or more leading axes of at least this many rows (a convolution's bias gradient, [N, H, W, C] ->
#: [C]) is one matrix product `ones(1, M) @ g.reshape(M, K)` by BLAS: NumPy reduces leading axes one row at a time,
#: adding in sequence (W5's [64·28·28, 32]: 0.89 ms and a relative error up to ~5e-3 in float32; BLAS's blocked
#: sums 0.12-0.2 ms and ~5e-4). One leading axis (a dense layer's bias gradient) keeps NumPy's sum, which the
#: islands' `sum0` loop repeats bit for bit.
BLAS_SUM_ROWS = 4096


@functools.lru_cache(maxsize=8)
def _ones_row(m, dtype):
    ones = np.ones((1, m), dtype)
    ones.flags.writeable = False
    return ones


def _sum_leading(lead, mm=None):
    """`g.sum(axis=tuple(range(lead)))`, through `mm` (the context's float32 product, `blas.matmul` on the CPU)
    where it is faster: a C-contiguous NumPy float array, two or more leading axes of BLAS_SUM_ROWS+ rows."""
    axes = tuple(range(lead))
    if mm is None or lead < 2:
        return lambda g, like=None: g.sum(axis=axes)

    def run(g, like=None):
        if type(g) is np.ndarray and g.dtype.char in "fd" and g.flags.c_contiguous and g.ndim > lead:
            m = math.prod(g.shape[:lead])
            k = g.size // m if m else 0
            if m >= BLAS_SUM_ROWS and k:
                return mm(_ones_row(m, g.dtype), g.reshape(m, k)).reshape(g.shape[lead:])
        return g.sum(axis=axes)
    return run


def _cpu_matmul(ctx):
    """The context's product (runtime/blas.py's matmul) where it runs NumPy on the CPU at float32 precision, else
    None."""
    if ctx is None or ctx.xp is not np or ctx.matmul_precision != "float32":
        return None
    return ctx.matmul_f32


class SumToShape(OpDef):
    """Sum `grad` over the axes along which `like` was broadcast: the gradient of broadcasting."""

    type = "SumToShape"
    view_of = 0  # returns `grad` itself when nothing was broadcast
    shape_rule = shape_of_input(1)
    shape_only_inputs = (1,)

    def infer(op):
        g, like = op.inputs
        return [(op.op_def.shape_rule(op, static_shape(g), static_shape(like)), g.dtype.base_dtype)]

    def simplify(op, facts):
        """Nothing to sum when the shapes provably agree (a hidden layer's bias gradient is summed, its
        activations' gradient, (?, 8) like (?, 8) with the same batch, is not)."""
        g, like = facts.args(op)
        s = facts.sym(g)
        return (g, False) if s is not None and s == facts.sym(like) else None

    def specialize(op, facts):
        """The summed axes, when the symbolic shapes tell them (e.g. a bias gradient, whose batch size is
        unknown): the same `g.sum(axis).reshape(shape)` as the static-shape kernel, without the per-run axis
        computation. Summing an axis whose size may be 1 is exact, so such axes are included."""
        g, like = facts.args(op)
        sg, sl = facts.sym(g), facts.sym(like)
        if sg is None or sl is None or len(sg) < len(sl) or not all(isinstance(d, int) for d in sl):
            return None
        if fully_defined(g.shape.dims_tuple) and fully_defined(like.shape.dims_tuple):
            return None  # the op's own kernel already reduces with static axes
        lead = len(sg) - len(sl)
        if any(isinstance(d, int) and d != e and e != 1 for d, e in zip(sg[lead:], sl)):
            return None  # not the gradient of a broadcast: leave the error to the op
        axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(sl) if d == 1 and sg[lead + i] != 1)
        shape = tuple(sl)
        if len(axes) == lead:  # only leading axes: the sum already has `like`'s shape (else the op fails)
            return _sum_leading(lead, _cpu_matmul(facts.ctx))
        return lambda g, like: g.sum(axis=axes).reshape(shape)

    def jit(op, facts):
        """The bias gradient (a 2-D gradient summed over its rows to a vector), or nothing to sum."""
        g, like = op.inputs
        sg, sl = facts.sym(g), facts.sym(like)
        if sg == sl:
            return "{o0} = {i0}"
        if len(sg) == 2 and len(sl) == 1 and sl[0] == sg[1] \
                and op.outputs[0].dtype.is_floating:
            return "{o0} = _lib.sum0({i0})"
        if len(sg) == len(sl) == 2 and op.outputs[0].dtype.is_floating:
            return "{o0} = _lib.sum_to2({i0}, {i1})"
        return None

    def kernel(op, ctx):
        g_shape, like_shape = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        lead = len(g_shape) - len(like_shape) if g_shape is not None and like_shape is not None else -1
        if lead >= 0 and fully_defined(like_shape) and all(
                d is None or d == e or e == 1 for d, e in zip(g_shape[lead:], like_shape)):
            # like's shape known: so are the axes, even if g's dims are not (an unknown dim of g where like has 1
            # is summed; should it be 1 at run time, summing one element returns it unchanged)
            axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(like_shape)
                                              if d == 1 and g_shape[lead + i] != 1)
            if len(axes) == lead and fully_defined(g_shape[lead:]):
                # only leading axes, and g's other dims are like's: the sum has like's shape already
                return _sum_leading(lead, _cpu_matmul(ctx)) if axes else (lambda g, like: g)
            return lambda g, like: g.sum(axis=axes).reshape(like_shape)

        def run(g, like):
            if g.shape == like.shape:
                return g
            return g.sum(axis=_sum_axes(g.shape, like.shape)).reshape(like.shape)
        return run

    def gradient(op, dy):
        return [broadcast_like(dy, op.inputs[0]), None]


class BroadcastLike(OpDef):
    """Broadcast `x` to the shape of `like` (materialized, so later in-place kernels may own it)."""

    type = "BroadcastLike"
    view_of = 0  # a broadcast view of `x`
    shape_rule = shape_of_input(1)
    shape_only_inputs = (1,)

    def infer(op):
        x, like = op.inputs
        return [(op.op_def.shape_rule(op, static_shape(x), static_shape(like)), x.dtype.base_dtype)]

    def simplify(op, facts):
        """Nothing to broadcast when the shapes provably agree: `x` itself (the kernel returns a view of it)."""
        x, like = facts.args(op)
        s = facts.sym(x)
        return (x, True) if s is not None and s == facts.sym(like) else None

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda x, like: xp.broadcast_to(x, like.shape)

    def gradient(op, dy):
        return [sum_to(dy, op.inputs[0]), None]


def _needs_broadcast_op(src, dst):
    a, b = static_shape(src), static_shape(dst)
    return not (fully_defined(a) and a == b)


def sum_to(grad, like, name=None):
    """`grad` summed back to `like`'s shape; no op at all when the static shapes already agree."""
    if grad is None:
        return None
    if not _needs_broadcast_op(grad, like):
        return grad
    return apply_op(SumToShape, [grad, like], None, name)


def broadcast_like(x, like, name=None):
    if not _needs_broadcast_op(x, like):
        return x
    return apply_op(BroadcastLike, [x, like], None, name)
