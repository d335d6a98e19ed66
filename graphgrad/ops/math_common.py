"""What the math op families (arithmetic, comparison, unary, matmul, reduction, ... `*_ops.py`) share: the
dtype-kind checks worded like TensorFlow's, the conversion of Python and NumPy operands (a scalar takes the other
operand's dtype), the `Binary` and `Unary` base classes of elementwise ops with their in-place (`out=`) kernels,
and TF1's error-message formatting. It defines no op type itself.
"""
from __future__ import annotations

from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef, broadcast_shapes, fully_defined, same_dtype, same_shape, static_shape
from .core import apply_op, constant, convert_to_tensor

_KIND_NAMES = {"f": "float16, float32, float64", "i": "int8, int16, int32, int64", "u": "uint8",
               "b": "bool", "O": "string", "c": "complex64, complex128"}


def _check_kind(op, dt, kinds, param="x"):
    """TypeError, worded like TensorFlow's, when `dt` is not one of the dtype kinds the op accepts."""
    if dt.np.kind not in kinds:
        allowed = ", ".join(_KIND_NAMES[k] for k in kinds)
        raise TypeError(f"Value passed to parameter '{param}' has DataType {dt.name} not in list of allowed "
                        f"values: {allowed}")
    return dt


FLOAT, NUMERIC, ANY_CMP = "f", "fiu", "fiubO"
#: What the arithmetic that complex spectra need (+, -, *, /, negation, square, sum, mean) accepts.
NUMERIC_COMPLEX = "fiuc"


def _dtype_of(v):
    dt = getattr(v, "dtype", None)
    return getattr(dt, "base_dtype", None)


def _is_graph_value(v):
    return isinstance(v, Tensor) or hasattr(v, "_as_tensor")


def _convert_pair(x, y):
    """Convert operands the TensorFlow way: a Python scalar or NumPy array takes the other operand's dtype
    and becomes a Const named after its consumer (`mul/y`)."""
    if not _is_graph_value(x) and _is_graph_value(y):
        x = convert_to_tensor(x, name="x", preferred_dtype=_dtype_of(y))
    else:
        x = convert_to_tensor(x, name="x")
    y = convert_to_tensor(y, name="y", preferred_dtype=x.dtype.base_dtype)
    return x, y


def _binary_args(x, y, name, default_name):
    """Operands converted inside the op's name scope, and that scope (the op's name)."""
    with name_scope(name, default_name, [x, y]) as scope:
        x, y = _convert_pair(x, y)
    return x, y, scope


def binary(op_def, x, y, name, default_name):
    """Create the binary op `op_def(x, y)`; the Python operators and the public wrappers go through here."""
    x, y, scope = _binary_args(x, y, name, default_name)
    return apply_op(op_def, [x, y], None, scope)


def _unary(op_def, x, name, default_name=None):
    return apply_op(op_def, [convert_to_tensor(x, name="x")], None, name or default_name or op_def.type)


def _scalar(value, like):
    """A 0-d Const of `like`'s dtype: the cheapest operand for a gradient formula (broadcasts)."""
    return constant(value, dtype=like.dtype.base_dtype)


def _in_place(xp):
    """`fresh(a)`: whether `a` is an array the kernel just allocated, so that `out=a` is safe (NumPy returns
    scalars, not arrays, for 0-d results)."""
    nd = xp.ndarray
    return lambda a: type(a) is nd


def _ufunc_inplace(op, ctx):
    """`inplace_kernel` of ops whose kernel is an xp ufunc: the same ufunc with `out=`."""
    return op.op_def.kernel(op, ctx), ()


def _kernel_is_the_ufunc(cls):
    """Subclasses of Unary / Binary that bring their own kernel (or change the result's dtype) run in place
    only if they declare their own `inplace_kernel`: `ufunc(x, out=buf)` is no longer what they compute."""
    if "kernel" in vars(cls) or getattr(cls, "out_dtype", None) is not None:
        if "inplace_kernel" not in vars(cls):
            cls.inplace_kernel = None
        if "jit" not in vars(cls):  # nor is the ufunc's jit template
            cls.jit = None


def _ufunc_jit(op, facts):
    """The `jit` template of ops whose kernel is a NumPy ufunc: the same ufunc, which Numba compiles (and fuses
    with its neighbours); floats only, the integer ufuncs' corner cases being NumPy's own."""
    if not op.outputs[0].dtype.base_dtype.is_floating:
        return None
    args = ", ".join(f"{{i{i}}}" for i in range(len(op.inputs)))
    return f"{{o0}} = np.{op.op_def.ufunc}({args})"


class Binary(OpDef):
    """Elementwise op on two same-dtype tensors with NumPy broadcasting; `ufunc` names the xp function,
    `kinds` the dtype kinds it accepts (TypeError otherwise, as TensorFlow)."""

    ufunc = None
    kinds = NUMERIC
    out_dtype = None  # None: same as the inputs
    shape_rule = broadcast_shapes
    inplace_kernel = _ufunc_inplace
    jit = _ufunc_jit

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _kernel_is_the_ufunc(cls)

    def infer(op):
        x, y = op.inputs
        dt = same_dtype(op, x, y)
        _check_kind(op, dt, op.op_def.kinds)
        return [(op.op_def.shape_rule(op, static_shape(x), static_shape(y)), op.op_def.out_dtype or dt)]

    def kernel(op, ctx):
        return getattr(ctx.xp, op.op_def.ufunc)

    def can_fail(op):
        """Only through shapes unknown when the graph was built (`infer` checked the broadcast of known ones) or
        integers (`pow` to a negative integer power raises): float arithmetic under NumPy's error handling gives
        inf or nan. A Keras metric's total / count after its updates no longer makes the plan snapshot every
        variable it writes before each step (`Plan.needs_snapshot`)."""
        dt = op.inputs[0].dtype.base_dtype
        return not (dt.is_floating or dt.is_complex) or any(not fully_defined(static_shape(t)) for t in op.inputs)


class Unary(OpDef):
    """Elementwise function of one tensor; output has the input's shape and dtype."""

    ufunc = None
    kinds = FLOAT
    shape_rule = same_shape
    inplace_kernel = _ufunc_inplace
    jit = _ufunc_jit

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        _kernel_is_the_ufunc(cls)

    def infer(op):
        x = op.inputs[0]
        dt = _check_kind(op, x.dtype.base_dtype, op.op_def.kinds)
        return [(op.op_def.shape_rule(op, static_shape(x)), dt)]

    def kernel(op, ctx):
        return getattr(ctx.xp, op.op_def.ufunc)


def zero_where_kernel(xp, guard, compute):
    """Kernel of the guarded binary ops (DivNoNan, MulNoNan, Xdivy, Xlog1py): 0 wherever operand `guard` (0: x,
    1: y) is 0, whatever the other one is, else `compute(x, y, zero)`, which substitutes safe values under the
    mask `zero` so that no inf or NaN is computed there."""
    where = xp.where

    def kernel(x, y):
        zero = (x, y)[guard] == 0
        return where(zero, 0, compute(x, y, zero))
    return kernel


def _dims(shape):
    return "[" + ",".join(map(str, shape)) + "]"


def _node(op):
    return f"\n\t [[{{{{node {op.name}}}}}]]"


def _const_value(v, what):
    """A Python/NumPy value for an attribute given as a value or a Const tensor (graphgrad has no
    data-dependent axes)."""
    if isinstance(v, Tensor) or hasattr(v, "_as_tensor"):
        t = convert_to_tensor(v)
        if t.op.type != "Const":
            raise TypeError(f"{what} must be a constant (a Python value or tf.constant), got {t}")
        return t.op.attrs["value"]
    return v

