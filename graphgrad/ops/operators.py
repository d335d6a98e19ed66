"""Python operators on Tensor and Variable, mapped to ops with TensorFlow 1.x's default names
(`a @ b` is `matmul`, `a * b` is `mul`, `a + b` is `add`, `a < b` is `Less`, `a & b` is `and`).

`==` and `!=` stay identity (tensors are dict keys, as in TF1): use tf.equal for elementwise equality.
NumPy arrays and Python scalars work on either side: Tensor and Variable set `__array_priority__`, so
`ndarray * tensor` calls the tensor's reflected operator instead of NumPy's own.
"""
from __future__ import annotations

from ..framework.graph import Tensor
from . import unary_ops
from .arithmetic_ops import AddV2, FloorDiv, FloorMod, Mul, Pow, Sub, negative, truediv
from .comparison_ops import Greater, GreaterEqual, Less, LessEqual, logical_and, logical_not, logical_or, logical_xor
from .core import convert_to_tensor
from .math_common import binary
from .matmul_ops import matmul


def _binary(fn, default_name, reverse=False):
    """Operator from a public wrapper `fn(x, y, name)`; the op is named `default_name` (made unique)."""
    if reverse:
        def reflected(self, other):
            return fn(other, self, name=default_name)
        return reflected

    def forward(self, other):
        return fn(self, other, name=default_name)
    return forward


def _op(op_def, default_name, reverse=False):
    """Operator creating `op_def` directly (no wrapper logic), named like TF1's operator."""
    if reverse:
        return lambda self, other: binary(op_def, other, self, None, default_name)
    return lambda self, other: binary(op_def, self, other, None, default_name)


def _logical(fn, default_name, reverse=False):
    """`& | ^` are logical ops on bool tensors (TF1 would use bitwise ops on integers; graphgrad has none)."""
    return _binary(fn, default_name, reverse)


def _getitem(self, key):
    from . import array_ops  # array ops import math ops; resolve lazily

    return array_ops._slice_helper(convert_to_tensor(self), key)


OPERATORS = {
    "__add__": _op(AddV2, "add"), "__radd__": _op(AddV2, "add", True),
    "__sub__": _op(Sub, "sub"), "__rsub__": _op(Sub, "sub", True),
    "__mul__": _op(Mul, "mul"), "__rmul__": _op(Mul, "mul", True),
    "__truediv__": _binary(truediv, "truediv"),
    "__rtruediv__": _binary(truediv, "truediv", True),
    "__floordiv__": _op(FloorDiv, "floordiv"),
    "__rfloordiv__": _op(FloorDiv, "floordiv", True),
    "__mod__": _op(FloorMod, "mod"), "__rmod__": _op(FloorMod, "mod", True),
    "__pow__": _op(Pow, "pow"), "__rpow__": _op(Pow, "pow", True),
    "__matmul__": _binary(matmul, "matmul"), "__rmatmul__": _binary(matmul, "matmul", True),
    "__lt__": _op(Less, "Less"), "__le__": _op(LessEqual, "LessEqual"),
    "__gt__": _op(Greater, "Greater"), "__ge__": _op(GreaterEqual, "GreaterEqual"),
    "__and__": _logical(logical_and, "and"), "__rand__": _logical(logical_and, "and", True),
    "__or__": _logical(logical_or, "or"), "__ror__": _logical(logical_or, "or", True),
    "__xor__": _logical(logical_xor, "xor"), "__rxor__": _logical(logical_xor, "xor", True),
    "__invert__": lambda self: logical_not(self, name="LogicalNot"),
    "__neg__": lambda self: negative(self, name="Neg"),
    "__abs__": lambda self: unary_ops.abs(self, name="Abs"),
    "__getitem__": _getitem,
}


def install(cls=Tensor, operators=None):
    """Attach operators to `cls`: Tensor here, Variable from variables.py (a Variable's operators act on its
    current value), so that this module needs nothing above ops/."""
    for name, fn in (operators or OPERATORS).items():
        setattr(cls, name, fn)
    cls.__array_priority__ = Tensor.__array_priority__


install()
