"""Keras' EinsumDense: `einsum(equation, inputs, kernel) + bias`, the kernel's and the bias' shapes read from the
equation, the input's shape and `output_shape` (Keras 2's `_analyze_einsum_string`), so a layer such as
`EinsumDense("abc,cde->abde", (None, 4, 8))` projects to several heads in one kernel."""
from __future__ import annotations

import re

from ...framework.tensor_shape import TensorShape
from ...layers.core import _activation
from ...ops.linalg_ops import einsum
from ._base import Layer, _weight_arguments

_FORMS = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False), ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False))


def _analyze(equation, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape or None, full output shape) as Keras 2 derives them; `...` stands for the axes of
    the input the equation does not name, on the left ("...b,bc->...c") or on the right ("ab...,bc->ac...")."""
    eq = re.sub(r"\.\.\.", "0", equation)
    for pattern, left in _FORMS:
        match = re.match(pattern, eq)
        if match:
            return _shapes(*match.groups(), left, bias_axes, input_shape, output_shape)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
                     "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _shapes(input_spec, weight_spec, output_spec, left, bias_axes, input_shape, output_shape):
    elided = len(input_shape) - len(input_spec)
    output_shape = [input_shape[0], *([output_shape] if isinstance(output_shape, int) else output_shape)]
    if elided > 0 and left:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided:])
    shift = elided if left else 0
    input_dims = {d: i + shift - (len(input_shape) if left else 0) for i, d in enumerate(input_spec)}
    output_dims = {d: i + shift for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in output_dims and output_shape[output_dims[d]] not in (None, input_shape[input_dims[d]]):
            raise ValueError(f"Input shape and output shape do not match at shared dimension '{d}'. Input shape is "
                             f"{input_shape[input_dims[d]]}, and output shape is {output_shape[output_dims[d]]}.")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"Dimension '{d}' was specified in the output '{output_spec}' but has no corresponding "
                             f"dim in the input spec '{input_spec}' or weight spec '{output_spec}'")
    kernel = []
    for d in weight_spec:
        if d not in input_dims and d not in output_dims:
            raise ValueError(f"Weight dimension '{d}' did not have a match in either the input spec '{input_spec}' "
                             f"or the output spec '{output_spec}'. For this layer, the weight must be fully "
                             "specified.")
        kernel.append(input_shape[input_dims[d]] if d in input_dims else output_shape[output_dims[d]])
    bias = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in output_spec:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the output spec "
                                 f"'{output_spec}'")
        sizes = {c: output_shape[i + shift] for i, c in enumerate(output_spec)}
        first = min(output_spec.find(c) for c in bias_axes)
        bias = [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]] + [1] * (0 if left else elided)
    return kernel, bias, output_shape


class EinsumDense(Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`: a dense layer over any axes. `output_shape` is the
    output's shape without the batch axis (None where it follows the input); `bias_axes` the output letters the
    bias varies along (none: no bias)."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.equation, self.bias_axes = equation, bias_axes
        self.partial_output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
        self.activation = _activation(activation)
        _weight_arguments(self, locals())

    def build(self, input_shape):
        kernel, bias, self.full_output_shape = _analyze(self.equation, self.bias_axes,
                                                        TensorShape(input_shape).as_list(), self.partial_output_shape)
        self.kernel = self.add_variable("kernel", kernel, initializer=self.kernel_initializer,
                                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None if bias is None else self.add_variable(
            "bias", bias, initializer=self.bias_initializer, regularizer=self.bias_regularizer,
            constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        out = einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            out = out + self.bias
        return out if self.activation is None else self.activation(out)


__all__ = ["EinsumDense"]
