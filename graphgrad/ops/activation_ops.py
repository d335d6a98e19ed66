"""Elementwise activations of `tf.nn`: relu, relu6, leaky_relu, elu, selu, softplus, softsign, crelu, each a
fused op with its `*Grad` op (whose own gradient is again built from graph ops, so second derivatives work) and
an in-place kernel the plan can fuse after a matmul and bias. Gradient conventions at kinks follow TensorFlow:
relu'(0) = 0, relu6'(0) = relu6'(6) = 0, leaky_relu'(0) = alpha, elu'(0) = 1, selu'(0) = scale.
`_Activation` and `_ActivationGrad` are the base classes new activations build on (ops/smooth_activations.py).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, equal_shapes, require, same_dtype, same_shape, static_shape
from . import array_ops
from .arithmetic_ops import multiply, negative, subtract
from .cast_ops import cast
from .comparison_ops import less
from .core import apply_op, convert_to_tensor
from .nn_common import _consts, _equal_shapes_named_by
from .unary_ops import sign


class _Activation(OpDef):
    """Elementwise float -> float op; `infer` keeps shape and dtype."""

    shape_rule = same_shape

    def infer(op):
        x = op.inputs[0]
        require(op, x, floating=True)
        return [(op.op_def.shape_rule(op, static_shape(x)), x.dtype.base_dtype)]


class _ActivationGrad(OpDef):
    """`(dy, features) -> dx`, elementwise; the second input is the op's input or output (per subclass)."""

    shape_rule = equal_shapes

    def infer(op):
        dy, f = op.inputs
        same_dtype(op, dy, f)
        return [(op.op_def.shape_rule(op, static_shape(dy), static_shape(f)), dy.dtype.base_dtype)]


class Relu(_Activation):
    type = "Relu"

    def infer(op):
        x = op.inputs[0]
        require(op, x, numeric=True)
        return [(op.op_def.shape_rule(op, static_shape(x)), x.dtype.base_dtype)]

    def kernel(op, ctx):
        maximum, zero = ctx.xp.maximum, _consts(ctx, op, 0)
        return lambda x: maximum(x, zero)

    def inplace_kernel(op, ctx):
        return ctx.xp.maximum, (_consts(ctx, op, 0),)  # maximum(buf, 0, out=buf)

    def jit(op, facts):
        return "{o0} = np.maximum({i0}, {T}(0))" if op.outputs[0].dtype.is_floating else None

    def gradient(op, dy):
        return [apply_op(ReluGrad, [dy, op.outputs[0]])]


class ReluGrad(_ActivationGrad):
    """dy * (y > 0): the gradient is 0 at 0, as in TensorFlow."""

    type = "ReluGrad"
    reads_only = True
    inplace_inputs = (0,)  # into the incoming gradient dy

    def kernel(op, ctx):
        zero = _consts(ctx, op, 0)
        return lambda dy, y: dy * (y > zero)

    def inplace_kernel(op, ctx):
        multiply, zero = ctx.xp.multiply, _consts(ctx, op, 0)
        return (lambda dy, y, out: multiply(dy, y > zero, out=out)), ()

    def jit(op, facts):
        return "{o0} = {i0} * ({i1} > {T}(0))" if op.outputs[0].dtype.is_floating else None

    def gradient(op, g):
        return [apply_op(ReluGrad, [g, op.inputs[1]]), None]


class Relu6(_Activation):
    type = "Relu6"

    def infer(op):
        x = op.inputs[0]
        require(op, x, numeric=True)
        return [(op.op_def.shape_rule(op, static_shape(x)), x.dtype.base_dtype)]

    def kernel(op, ctx):
        maximum, minimum = ctx.xp.maximum, ctx.xp.minimum
        zero, six = _consts(ctx, op, 0, 6)
        return lambda x: minimum(maximum(x, zero), six)

    def gradient(op, dy):
        return [apply_op(Relu6Grad, [dy, op.outputs[0]])]


class Relu6Grad(_ActivationGrad):
    """dy where 0 < y < 6: zero at both kinks."""

    type = "Relu6Grad"
    reads_only = True

    def kernel(op, ctx):
        zero, six = _consts(ctx, op, 0, 6)
        return lambda dy, y: dy * ((y > zero) & (y < six))

    def gradient(op, g):
        return [apply_op(Relu6Grad, [g, op.inputs[1]]), None]


class LeakyRelu(_Activation):
    type = "LeakyRelu"

    def kernel(op, ctx):
        xp, a, zero = ctx.xp, *_consts(ctx, op, op.attrs["alpha"], 0)
        if 0 <= a <= 1:
            maximum = xp.maximum
            return lambda x: maximum(x, x * a)
        where = xp.where
        return lambda x: where(x > zero, x, x * a)

    def gradient(op, dy):
        return [apply_op(LeakyReluGrad, [dy, op.inputs[0]], {"alpha": op.attrs["alpha"]})]


class LeakyReluGrad(_ActivationGrad):
    """dy where x > 0, alpha * dy elsewhere (so alpha at 0, as in TensorFlow)."""

    type = "LeakyReluGrad"
    reads_only = True

    def kernel(op, ctx):
        where, (a, zero) = ctx.xp.where, _consts(ctx, op, op.attrs["alpha"], 0)
        return lambda dy, x: where(x > zero, dy, dy * a)

    def gradient(op, g):
        return [apply_op(LeakyReluGrad, [g, op.inputs[1]], dict(op.attrs)), None]


class Elu(_Activation):
    """x for x > 0, exp(x) - 1 otherwise; computed as max(x, 0) + expm1(min(x, 0)) (never overflows)."""

    type = "Elu"

    def kernel(op, ctx):
        xp = ctx.xp
        maximum, minimum, expm1 = xp.maximum, xp.minimum, xp.expm1
        zero = _consts(ctx, op, 0)

        def elu(x):
            y = expm1(minimum(x, zero))
            y += maximum(x, zero)
            return y
        return elu

    def gradient(op, dy):
        return [apply_op(EluGrad, [dy, op.outputs[0]])]


def _negative_mask(y, dtype):
    return cast(less(y, 0), dtype)


class EluGrad(_ActivationGrad):
    """dy * (y + 1) where y < 0, dy elsewhere: 1 at 0. Second input is the Elu output."""

    type = "EluGrad"
    reads_only = True

    def kernel(op, ctx):
        where, (zero, one) = ctx.xp.where, _consts(ctx, op, 0, 1)
        return lambda dy, y: where(y < zero, dy * (y + one), dy)

    def gradient(op, g):
        dy, y = op.inputs
        return [apply_op(EluGrad, [g, y]), multiply(multiply(g, dy), _negative_mask(y, y.dtype))]


_SELU_ALPHA = 1.6732632423543772848170429916717


_SELU_SCALE = 1.0507009873554804934193349852946


class Selu(_Activation):
    type = "Selu"

    def kernel(op, ctx):
        xp = ctx.xp
        maximum, minimum, expm1 = xp.maximum, xp.minimum, xp.expm1
        sa, s, zero = _consts(ctx, op, _SELU_SCALE * _SELU_ALPHA, _SELU_SCALE, 0)

        def selu(x):
            y = expm1(minimum(x, zero))
            y *= sa
            y += maximum(x, zero) * s
            return y
        return selu

    def gradient(op, dy):
        return [apply_op(SeluGrad, [dy, op.outputs[0]])]


class SeluGrad(_ActivationGrad):
    """dy * (y + scale * alpha) where y < 0, dy * scale elsewhere (scale at 0, as in TensorFlow)."""

    type = "SeluGrad"

    def kernel(op, ctx):
        where = ctx.xp.where
        sa, s, zero = _consts(ctx, op, _SELU_SCALE * _SELU_ALPHA, _SELU_SCALE, 0)
        return lambda dy, y: where(y < zero, dy * (y + sa), dy * s)

    def gradient(op, g):
        dy, y = op.inputs
        return [apply_op(SeluGrad, [g, y]), multiply(multiply(g, dy), _negative_mask(y, y.dtype))]


def _sigmoid_kernel(ctx, op):
    """Logistic function without overflow: exp(-|x|) lies in (0, 1]."""
    xp = ctx.xp
    exp, abs_, where = xp.exp, xp.abs, xp.where
    zero, one = _consts(ctx, op, 0, 1)

    def sigmoid(x):
        e = exp(-abs_(x))
        s = where(x >= zero, one, e)
        s /= one + e
        return s
    return sigmoid


class Softplus(_Activation):
    """log(1 + exp(x)) as logaddexp(x, 0): exact for large |x| (softplus(1e4) = 1e4, softplus(-1e4) = 0)."""

    type = "Softplus"

    def kernel(op, ctx):
        logaddexp, zero = ctx.xp.logaddexp, _consts(ctx, op, 0)
        return lambda x: logaddexp(x, zero)

    def gradient(op, dy):
        return [softplus_grad(dy, op.inputs[0])]


class SoftplusGrad(_ActivationGrad):
    """dy * sigmoid(x). Also serves as sigmoid for the cross-entropy gradients, so they differentiate again."""

    type = "SoftplusGrad"
    shape_rule = _equal_shapes_named_by(1)  # `s *= dy`: the result is a buffer shaped like x

    def kernel(op, ctx):
        xp = ctx.xp
        sigmoid = _sigmoid_kernel(ctx, op)
        nd, copysign, exp, where, ge = xp.ndarray, xp.copysign, xp.exp, xp.where, xp.greater_equal
        add, divide, multiply = xp.add, xp.divide, xp.multiply
        zero, one, minus_one = _consts(ctx, op, 0, 1, -1)

        def softplus_grad(dy, x):
            e = copysign(x, minus_one)  # -|x| in one call
            if type(e) is not nd:  # a NumPy scalar: no buffer to reuse
                s = sigmoid(x)
                s *= dy
                return s
            # sigmoid's formula with its temporaries reused: where(x >= 0, 1, e) / (1 + e), e = exp(-|x|)
            exp(e, out=e)
            s = where(ge(x, zero), one, e)
            add(one, e, out=e)
            divide(s, e, out=s)
            return multiply(s, dy, out=s)
        return softplus_grad

    def jit(op, facts):
        return "{o0} = _lib.sigmoid{B}({i1}) * {i0}"

    def gradient(op, g):
        dy, x = op.inputs
        # d/dx [dy * sigmoid(x)] = dy * sigmoid(x) * sigmoid(-x)
        return [softplus_grad(g, x), softplus_grad(softplus_grad(multiply(g, dy), x), negative(x))]


def softplus_grad(dy, x, name=None):
    return apply_op(SoftplusGrad, [dy, x], None, name)


class Softsign(_Activation):
    type = "Softsign"

    def kernel(op, ctx):
        abs_, one = ctx.xp.abs, _consts(ctx, op, 1)
        return lambda x: x / (one + abs_(x))

    def gradient(op, dy):
        return [apply_op(SoftsignGrad, [dy, op.inputs[0]])]


class SoftsignGrad(_ActivationGrad):
    """dy / (1 + |x|)^2."""

    type = "SoftsignGrad"

    def kernel(op, ctx):
        abs_, one = ctx.xp.abs, _consts(ctx, op, 1)

        def softsign_grad(dy, x):
            d = one + abs_(x)
            d *= d
            return dy / d
        return softsign_grad

    def gradient(op, g):
        dy, x = op.inputs
        u = apply_op(SoftsignGrad, [multiply(g, dy), x])
        # d/dx (1+|x|)^-2 = -2 sign(x) / (1+|x|)^3 and sign(x) / (1+|x|) = sign(x) - softsign(x)
        return [apply_op(SoftsignGrad, [g, x]),
                multiply(multiply(u, subtract(sign(x), softsign(x))), -2.0)]


def _unary(op_def, features, name, attrs=None):
    return apply_op(op_def, [convert_to_tensor(features, name="features")], attrs, name or op_def.type)


def relu(features, name=None):
    """max(features, 0); gradient 0 at 0."""
    return _unary(Relu, features, name)


def relu6(features, name=None):
    """min(max(features, 0), 6); gradient 0 at 0 and at 6."""
    return _unary(Relu6, features, name)


def leaky_relu(features, alpha=0.2, name=None):
    """features where positive, alpha * features elsewhere; gradient alpha at 0."""
    x = convert_to_tensor(features, name="features")
    if x.dtype.base_dtype.is_integer:
        x = cast(x, dtypes.float32)
    if isinstance(alpha, np.ndarray):
        alpha = alpha.item()
    return apply_op(LeakyRelu, [x], {"alpha": float(alpha)}, name or "LeakyRelu")


def elu(features, name=None):
    """Exponential linear unit: exp(x) - 1 for x < 0; gradient 1 at 0."""
    return _unary(Elu, features, name)


def selu(features, name=None):
    """Scaled ELU (Klambauer et al. 2017): scale * elu with alpha = 1.6733, scale = 1.0507."""
    return _unary(Selu, features, name)


def softplus(features, name=None):
    """log(exp(features) + 1), stable for large |features|."""
    return _unary(Softplus, features, name)


def softsign(features, name=None):
    """features / (abs(features) + 1)."""
    return _unary(Softsign, features, name)


def crelu(features, name=None, axis=-1):
    """Concatenated relu(x), relu(-x) along `axis`."""
    with name_scope(name, "CRelu", [features]) as scope:
        x = convert_to_tensor(features, name="features")
        c = array_ops.concat([x, negative(x)], axis)
        return relu(c, name=scope)

