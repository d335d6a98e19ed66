"""The unit of extension: one op = one class holding its shape rule, its kernel and its gradient.

An op definition is a class that is never instantiated; its functions take the Operation (or arrays)
as their first argument and are called through the class, e.g. `MatMul.infer(op)`:

    class MatMul(OpDef):
        type = "MatMul"
        def infer(op):                 # -> [(shape tuple or None, dtype)], at build time
        def kernel(op, ctx):           # -> plain function of arrays, bound once per compiled plan;
                                       #    ctx.xp is numpy or cupy, so both backends share the code
        def gradient(op, dz):          # -> one graph tensor (or None) per input; built from graph ops,
                                       #    so gradients of gradients work

Definitions register themselves by `type`, so a GraphDef or checkpoint can name them; everywhere else the
Operation holds the class itself, so "go to definition" lands here.
"""
from __future__ import annotations

from . import dtypes

OP_DEFS: dict[str, type] = {}


class OpDef:
    type: str = ""
    #: Side effects or randomness: never constant-folded or merged with a twin, kept by the pruner's caller.
    stateful = False
    #: Index of the input whose memory the output may share (reshape, identity, ...). Fetches that may
    #: alias a variable's buffer are copied so the user never holds a live view of session state.
    view_of = None
    #: Set on ops that write variables in place; the session snapshots them so a failed run changes nothing.
    mutates = False

    def can_fail(op):
        """Whether the op's kernel may raise at run time for inputs that passed its build-time rule. A plan
        snapshots the variables it writes only when such an op runs from the first write on."""
        return True

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.type:
            if cls.type in OP_DEFS and OP_DEFS[cls.type].__module__ != cls.__module__:
                raise ValueError(f"Op type {cls.type!r} defined twice ({OP_DEFS[cls.type].__module__}, "
                                 f"{cls.__module__})")
            OP_DEFS[cls.type] = cls

    def infer(op):
        raise NotImplementedError

    def kernel(op, ctx):
        raise NotImplementedError

    #: `gradient(op, *output_grads) -> sequence with one entry per input`. None as the attribute means
    #: "no gradient defined" (LookupError when needed); use `not_differentiable` for integer-valued ops.
    gradient = None


def not_differentiable(op, *grads):
    """Gradient rule of ops whose outputs do not depend smoothly on inputs (argmax, comparisons, shape)."""
    return [None] * len(op.inputs)


# --- shape helpers shared by op definitions ----------------------------------------------------------

def broadcast_shape(a, b):
    """NumPy broadcasting of two static shapes (tuples with None for unknown dims, or None for unknown rank)."""
    if a is None or b is None:
        return None
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None or x == y:
            out.append(x)
        else:
            raise ValueError(f"Dimensions must be equal, but are {x} and {y}")
    return tuple(reversed(out))


def same_dtype(op, *tensors):
    """The common dtype of `tensors`, or the TypeError TensorFlow raises for float32 + int32."""
    first = tensors[0].dtype.base_dtype
    for t in tensors[1:]:
        if t.dtype.base_dtype != first:
            raise TypeError(f"Input '{t.name}' of '{op.type}' Op has type {t.dtype.base_dtype.name} that does "
                            f"not match type {first.name} of argument '{tensors[0].name}'")
    return first


def require(op, tensor, *, floating=False, numeric=False, integer=False):
    dt = tensor.dtype.base_dtype
    if floating and not dt.is_floating:
        raise TypeError(f"Value passed to parameter 'x' of op '{op.type}' has DataType {dt.name} not in list "
                        "of allowed values: float16, float32, float64")
    if integer and not dt.is_integer:
        raise TypeError(f"Value passed to op '{op.type}' has DataType {dt.name}; an integer type is required")
    if numeric and not dt.is_numeric:
        raise TypeError(f"Value passed to op '{op.type}' has DataType {dt.name}; a numeric type is required")
    return dt


def static_shape(tensor):
    """The tensor's static shape as a tuple with None for unknown dims, or None for unknown rank."""
    return tensor.shape.dims_tuple


def fully_defined(shape) -> bool:
    return shape is not None and all(d is not None for d in shape)


BOOL = dtypes.bool_
