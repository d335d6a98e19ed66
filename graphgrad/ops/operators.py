"""Python operators on Tensor and Variable, mapped to ops with TensorFlow 1.x's default names
(`a @ b` is `matmul`, `a * b` is `mul`, `a + b` is `add`)."""
from __future__ import annotations

from ..framework.graph import Tensor
from ..variables import Variable
from . import math_ops


def _binary(op_def, default_name, reverse=False):
    def forward(self, other):
        return math_ops.binary(op_def, self, other, None, default_name)

    def backward(self, other):
        return math_ops.binary(op_def, other, self, None, default_name)
    return backward if reverse else forward


def _matmul(reverse=False):
    def f(self, other):
        a, b = (other, self) if reverse else (self, other)
        return math_ops.matmul(a, b, name="matmul")
    return f


OPERATORS = {
    "__add__": _binary(math_ops.AddV2, "add"), "__radd__": _binary(math_ops.AddV2, "add", True),
    "__sub__": _binary(math_ops.Sub, "sub"), "__rsub__": _binary(math_ops.Sub, "sub", True),
    "__mul__": _binary(math_ops.Mul, "mul"), "__rmul__": _binary(math_ops.Mul, "mul", True),
    "__matmul__": _matmul(), "__rmatmul__": _matmul(True),
    "__neg__": lambda self: math_ops.negative(self, name="Neg"),
}


def install(operators=None):
    """Attach operators to Tensor and Variable (a Variable's operators act on its current value)."""
    for name, fn in (operators or OPERATORS).items():
        setattr(Tensor, name, fn)
        setattr(Variable, name, fn)


install()
