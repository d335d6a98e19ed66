"""Neural-network ops (`tf.nn`): activations, softmax, bias_add, dropout and the cross-entropies.

Most are fused ops with their own kernels, because a fused kernel is both faster (one Python call, in-place
temporaries) and numerically stable (softmax, log-softmax and every cross-entropy stay finite for logits of
magnitude 1e4). Their gradient rules build graph ops (often the matching `*Grad` op, whose own gradient is
again built from graph ops), so second derivatives work. Gradient conventions at kinks follow TensorFlow:
relu'(0) = 0, relu6'(0) = relu6'(6) = 0, leaky_relu'(0) = alpha, elu'(0) = 1, selu'(0) = scale.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import (
    OpDef,
    broadcast_shape,
    equal_shapes,
    known,
    merge_shapes,
    not_differentiable,
    require,
    same_dtype,
    same_shape,
    static_shape,
)
from ..framework.tensor_shape import TensorShape
from . import array_ops, math_ops
from .core import apply_op, broadcast_like, convert_to_tensor, stop_gradient, sum_to, zeros_like
from .math_ops import add, multiply, negative, subtract


def _same_shape(x):
    return [(static_shape(x), x.dtype.base_dtype)]


def _merge(a, b, what="Shapes"):
    """Merge two static shapes that must be equal (up to unknown dims)."""
    return merge_shapes(a, b, what)


def _equal_shapes_named_by(i):
    """Shape rule of ops whose inputs must have one shape and whose kernel writes its result into a buffer shaped
    like input `i`: the merged shape, where input i's unknown dims name the result's."""
    def rule(op, *shapes):
        merged, like = equal_shapes(op, *shapes), shapes[i]
        if merged is None or like is None:
            return merged
        return tuple(d if known(d) else e for d, e in zip(merged, like))
    return rule


def _is_zero(t):
    """A gradient that autodiff filled in for an unused output (skip the work it would feed)."""
    return t is None or t.op.type == "ZerosLike"


def _needs_grad(t):
    """Labels that are constants or behind stop_gradient never receive a gradient: build no ops for them."""
    return t.op.type not in ("Const", "StopGradient")


def _np_dtype(op, i=0):
    return op.outputs[i].dtype.base_dtype.np


def _consts(ctx, op, *values):
    """0-d arrays of the op's dtype, bound once: NumPy mixes them with arrays much faster than Python numbers."""
    dt = _np_dtype(op)
    out = tuple(ctx.xp.full((), v, dt) for v in values)
    return out if len(out) > 1 else out[0]


# --- elementwise activations -------------------------------------------------------------------------

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
    return math_ops.cast(math_ops.less(y, 0), dtype)


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
                multiply(multiply(u, subtract(math_ops.sign(x), softsign(x))), -2.0)]


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
        x = math_ops.cast(x, dtypes.float32)
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


# --- softmax and log-softmax ---------------------------------------------------------------------------

def _check_axis(op, x, rank_min=1):
    shape = static_shape(x)
    axis = op.attrs.get("axis", -1)
    if shape is not None:
        if len(shape) < rank_min:
            raise ValueError(f"Shape must be at least rank {rank_min} but is rank {len(shape)}")
        if not -len(shape) <= axis < len(shape):
            raise ValueError(f"axis {axis} is out of bounds for a tensor of rank {len(shape)}")
    return shape, axis


class Softmax(OpDef):
    """exp(x - max) / sum(exp(x - max)) along `axis`: stable for any finite logits."""

    type = "Softmax"

    def infer(op):
        x = op.inputs[0]
        require(op, x, floating=True)
        _check_axis(op, x)
        return _same_shape(x)

    def kernel(op, ctx):
        xp, ax = ctx.xp, op.attrs["axis"]
        exp = xp.exp

        def softmax(x):
            z = x - x.max(axis=ax, keepdims=True)
            exp(z, out=z)
            z /= z.sum(axis=ax, keepdims=True)
            return z
        return softmax

    def gradient(op, dy):
        return [apply_op(SoftmaxGrad, [dy, op.outputs[0]], {"axis": op.attrs["axis"]})]


class SoftmaxGrad(_ActivationGrad):
    """Vector-Jacobian product of softmax: y * (dy - sum(dy * y, axis))."""

    type = "SoftmaxGrad"

    def kernel(op, ctx):
        ax = op.attrs["axis"]

        def softmax_grad(dy, y):
            r = dy - (dy * y).sum(axis=ax, keepdims=True)
            r *= y
            return r
        return softmax_grad

    def gradient(op, g):
        dy, y = op.inputs
        ax = op.attrs["axis"]
        s = math_ops.reduce_sum(multiply(dy, y), axis=ax, keepdims=True)
        gy = math_ops.reduce_sum(multiply(g, y), axis=ax, keepdims=True)
        wrt_y = subtract(multiply(g, subtract(dy, s)), multiply(dy, gy))
        return [apply_op(SoftmaxGrad, [g, y], {"axis": ax}), wrt_y]


class LogSoftmax(OpDef):
    """x - max - log(sum(exp(x - max))) along `axis`: finite for any finite logits."""

    type = "LogSoftmax"

    def infer(op):
        x = op.inputs[0]
        require(op, x, floating=True)
        _check_axis(op, x)
        return _same_shape(x)

    def kernel(op, ctx):
        xp, ax = ctx.xp, op.attrs["axis"]
        exp, log = xp.exp, xp.log

        def log_softmax(x):
            z = x - x.max(axis=ax, keepdims=True)
            z -= log(exp(z).sum(axis=ax, keepdims=True))
            return z
        return log_softmax

    def gradient(op, dy):
        ax = op.attrs["axis"]
        return [subtract(dy, multiply(math_ops.exp(op.outputs[0]),
                                      math_ops.reduce_sum(dy, axis=ax, keepdims=True)))]


def _softmax_axis(axis, dim):
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    axis = dim if axis is None else axis
    return -1 if axis is None else int(axis)


def softmax(logits, axis=None, name=None, dim=None):
    """Softmax along `axis` (default: the last one)."""
    x = convert_to_tensor(logits, name="logits")
    return apply_op(Softmax, [x], {"axis": _softmax_axis(axis, dim)}, name or "Softmax")


def log_softmax(logits, axis=None, name=None, dim=None):
    """log(softmax(logits)) along `axis`, computed without forming the softmax."""
    x = convert_to_tensor(logits, name="logits")
    return apply_op(LogSoftmax, [x], {"axis": _softmax_axis(axis, dim)}, name or "LogSoftmax")


# --- bias_add -------------------------------------------------------------------------------------------

def _channel_axis(data_format):
    if data_format is None or data_format in ("NHWC", "NWC", "NDHWC", "N...C", "channels_last"):
        return -1
    if data_format in ("NCHW", "NCW", "NCDHW", "NC...", "channels_first"):
        return 1
    raise ValueError(f"Unknown data_format: {data_format}")


class BiasAdd(OpDef):
    """value + bias, the bias (rank 1) added along the channel axis (last, or 1 for NCHW)."""

    type = "BiasAdd"
    inplace_inputs = (0,)  # into `value`

    def shape_rule(op, vs, bs):
        """`value`'s shape, its channel dimension known from the bias when `value`'s is not."""
        if vs is None or bs is None or len(bs) != 1:
            return vs
        ax = op.attrs["axis"] % len(vs)
        return vs[:ax] + merge_shapes(vs[ax:ax + 1], bs) + vs[ax + 1:]

    def inplace_kernel(op, ctx):
        """With the channels last, `add(buf, bias, out=buf)`; channels first reshapes the bias: no in place."""
        return (ctx.xp.add, ()) if op.attrs["axis"] == -1 else None

    def infer(op):
        value, bias = op.inputs
        dt = same_dtype(op, value, bias)
        vs, bs = static_shape(value), static_shape(bias)
        if bs is not None and len(bs) != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {len(bs)}")
        if vs is None:
            return [(None, dt)]
        if len(vs) < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {len(vs)}")
        ax = op.attrs["axis"] % len(vs)
        c = vs[ax]
        if bs is not None and c is not None and bs[0] is not None and bs[0] != c:
            raise ValueError(f"Dimensions must be equal, but are {c} and {bs[0]}")
        return [(op.op_def.shape_rule(op, vs, bs), dt)]

    def kernel(op, ctx):
        add_ = ctx.xp.add
        if op.attrs["axis"] == -1:
            return add_

        def bias_add_channels_first(x, b):
            return add_(x, b.reshape((-1,) + (1,) * (x.ndim - 2)))
        return bias_add_channels_first

    def gradient(op, dy):
        return [dy, apply_op(BiasAddGrad, [dy], {"axis": op.attrs["axis"]})]


class BiasAddGrad(OpDef):
    """Sum of the gradient over every axis but the channel axis."""

    type = "BiasAddGrad"

    def infer(op):
        dy = op.inputs[0]
        s = static_shape(dy)
        return [((None if s is None else s[op.attrs["axis"]],), dy.dtype.base_dtype)]

    def kernel(op, ctx):
        s, ax = static_shape(op.inputs[0]), op.attrs["axis"]
        if s is not None:
            axes = tuple(i for i in range(len(s)) if i != ax % len(s))
            return lambda dy: dy.sum(axis=axes)
        return lambda dy: dy.sum(axis=tuple(i for i in range(dy.ndim) if i != ax % dy.ndim))

    def gradient(op, g):
        dy = op.inputs[0]
        if op.attrs["axis"] == -1:
            return [broadcast_like(g, dy)]
        return [apply_op(BiasAdd, [zeros_like(dy), g], {"axis": op.attrs["axis"]})]


def bias_add(value, bias, data_format=None, name=None):
    """Add a 1-D `bias` along the channel axis of `value` (the last axis by default)."""
    with name_scope(name, "BiasAdd", [value, bias]) as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype.base_dtype, name="bias")
        return apply_op(BiasAdd, [value, bias], {"axis": _channel_axis(data_format)}, scope)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases."""
    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        mm = math_ops.matmul(x, weights)
        return bias_add(mm, biases, name=scope)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, "relu_layer", [x, weights, biases]) as scope:
        return relu(bias_add(math_ops.matmul(x, weights), biases), name=scope)


# --- dropout --------------------------------------------------------------------------------------------

class Dropout(OpDef):
    """Outputs (x * mask, mask) with mask = (u >= 1 - keep_prob) / keep_prob, u ~ U[0, 1) of `noise_shape`.

    The mask is an output so that the gradient (dy * mask) uses exactly the mask of the forward pass. An
    optional third input `training` (bool scalar) switches the op to the identity (mask of ones) when false.
    """

    type = "Dropout"
    stateful = True
    view_of = 0  # the identity case returns x itself

    def infer(op):
        x, keep = op.inputs[0], op.inputs[1]
        require(op, x, floating=True)
        same_dtype(op, x, keep)
        ks = static_shape(keep)
        if ks is not None and len(ks) != 0:
            raise ValueError(f"keep_prob must be a scalar, but has shape {TensorShape(ks)}")
        ns = op.attrs["noise_shape"]
        xs = static_shape(x)
        if ns is None:
            mask = xs
        else:
            mask = ns if xs is None else tuple(n if n is not None else d for n, d in zip(ns, xs))
            if xs is not None:
                if len(ns) != len(xs):
                    raise ValueError(f"noise_shape {list(ns)} must have the rank of x {TensorShape(xs)}")
                broadcast_shape(xs, mask)
        return [(xs, x.dtype.base_dtype), (mask, x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        dt = _np_dtype(op)
        rdt = dt if dt in (np.float32, np.float64) else np.dtype(np.float32)
        rng = ctx.rng(op)
        ns = op.attrs["noise_shape"]
        one = xp.ones((), dtype=dt)

        def mask_shape(x):
            if ns is None:
                return x.shape
            return tuple(x.shape[i] if n is None else n for i, n in enumerate(ns))

        to_device = ctx.to_device

        def draw(x, keep):
            keep = dt.type(float(keep))  # float(): a device scalar (CuPy) converts only explicitly
            if not 0 < keep <= 1:
                raise InvalidArgumentError(op.node_def, op, f"keep_prob must be in (0, 1], got {keep}")
            u = rng.random(mask_shape(x), dtype=rdt)  # drawn on the host, so a seed gives the same mask anywhere
            mask = (u >= 1 - keep).astype(dt)
            mask *= 1 / keep
            mask = to_device(mask)
            return x * mask, mask

        if len(op.inputs) == 2:
            return draw

        def dropout_when_training(x, keep, training):
            if training:
                return draw(x, keep)
            return x, xp.broadcast_to(one, mask_shape(x))
        return dropout_when_training

    def gradient(op, dy, dmask):
        return [multiply(dy, op.outputs[1]), None] + [None] * (len(op.inputs) - 2)


def _get_seed(seed):
    from ..framework import random_seed

    return random_seed.get_seed(seed)


def _noise_shape(noise_shape):
    if noise_shape is None:
        return None
    if hasattr(noise_shape, "op"):
        raise TypeError("noise_shape must be a list or tuple of ints (a static shape), not a tensor")
    return TensorShape(noise_shape).dims_tuple


def _dropout(x, keep, noise_shape, seed, training, scope):
    seed1, seed2 = _get_seed(seed)
    inputs = [x, keep] + ([training] if training is not None else [])
    attrs = {"noise_shape": _noise_shape(noise_shape), "seed": seed1 or 0, "seed2": seed2 or 0}
    return apply_op(Dropout, inputs, attrs, scope)[0]


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element with probability `rate` (= 1 - keep_prob) and scale the rest by 1 / keep_prob.

    `keep_prob`/`rate` may be a Python number or a scalar tensor (e.g. a placeholder fed 1.0 at test time);
    a Python rate of 0 returns `x` itself. The same mask scales the gradient."""
    if (keep_prob is None) == (rate is None):
        raise ValueError("Exactly one of keep_prob and rate must be set")
    with name_scope(name, "dropout", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        dt = x.dtype.base_dtype
        if not dt.is_floating:
            raise ValueError(f"x has to be a floating point tensor since it's going to be scaled. Got a "
                             f"{dt.name} tensor instead.")
        if keep_prob is not None:
            if isinstance(keep_prob, numbers.Real) and not 0 < keep_prob <= 1:
                raise ValueError(f"keep_prob must be a scalar tensor or a float in the range (0, 1], got "
                                 f"{keep_prob}")
            if isinstance(keep_prob, numbers.Real) and keep_prob == 1:
                return x
            keep = convert_to_tensor(keep_prob, dtype=dt, name="keep_prob") \
                if not hasattr(keep_prob, "dtype") else math_ops.cast(convert_to_tensor(keep_prob), dt)
        else:
            if isinstance(rate, numbers.Real):
                if not 0 <= rate < 1:
                    raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}")
                if rate == 0:
                    return x
                keep = convert_to_tensor(1.0 - rate, dtype=dt, name="keep_prob")
            else:
                keep = subtract(1.0, math_ops.cast(convert_to_tensor(rate, name="rate"), dt), name="keep_prob")
        return _dropout(x, keep, noise_shape, seed, None, scope)


# --- losses and normalization -------------------------------------------------------------------------

class L2Loss(OpDef):
    """sum(x ** 2) / 2 as one dot product."""

    type = "L2Loss"

    def infer(op):
        x = op.inputs[0]
        require(op, x, floating=True)
        return [((), x.dtype.base_dtype)]

    def kernel(op, ctx):
        dot, half = ctx.xp.dot, _np_dtype(op).type(0.5)

        def l2_loss(x):
            f = x.ravel()
            return dot(f, f) * half
        return l2_loss

    def gradient(op, dy):
        return [multiply(op.inputs[0], dy)]


def l2_loss(t, name=None):
    """sum(t ** 2) / 2 (half the squared L2 norm; TF's weight-decay building block)."""
    return apply_op(L2Loss, [convert_to_tensor(t, name="t")], None, name or "L2Loss")


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon)); `axis=None` normalizes over all elements."""
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    axis = dim if axis is None else axis
    with name_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return multiply(x, x_inv_norm, name=scope)


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of `x` over `axes`; the variance uses the population formula (divides by n)."""
    if keep_dims is not None and keepdims is not None:
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "moments", [x, axes]):
        y = convert_to_tensor(x, name="x")
        if y.dtype.base_dtype == dtypes.float16:
            y = math_ops.cast(y, dtypes.float32)
        axes = list(axes) if isinstance(axes, (list, tuple)) else axes
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(math_ops.squared_difference(y, stop_gradient(mean)), axes, keepdims=True,
                                        name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if x.dtype.base_dtype == dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


# --- cross-entropies ---------------------------------------------------------------------------------

def _expand(dloss, axis):
    return array_ops.expand_dims(dloss, axis)


def _softmax_second_order(grad_logits, dbackprop, logits, axis):
    """Add the gradient that flows in through the `backprop` output (d backprop/d logits = softmax's Jacobian)."""
    if _is_zero(dbackprop):
        return grad_logits
    sm = apply_op(Softmax, [logits], {"axis": axis})
    return add(grad_logits, apply_op(SoftmaxGrad, [dbackprop, sm], {"axis": axis}))


class SoftmaxCrossEntropyWithLogits(OpDef):
    """Inputs (logits, labels); outputs loss = -sum(labels * log_softmax(logits), axis) and
    backprop = softmax(logits) - labels, the gradient wrt the logits (TensorFlow's fused op)."""

    type = "SoftmaxCrossEntropyWithLogits"
    reads_only = True

    def infer(op):
        logits, labels = op.inputs
        dt = same_dtype(op, logits, labels)
        require(op, logits, floating=True)
        _check_axis(op, logits)
        shape = _merge(static_shape(logits), static_shape(labels), "logits and labels shapes")
        ax = op.attrs["axis"]
        loss = None if shape is None else shape[:ax % len(shape)] + shape[ax % len(shape) + 1:]
        return [(loss, dt), (shape, dt)]

    def kernel(op, ctx):
        xp, ax = ctx.xp, op.attrs["axis"]
        exp, log, subtract_ = xp.exp, xp.log, xp.subtract

        def softmax_xent(x, z):
            sh = x - x.max(axis=ax, keepdims=True)
            e = exp(sh)
            s = e.sum(axis=ax, keepdims=True)
            subtract_(log(s), sh, out=sh)      # sh = -log_softmax(x)
            sh *= z
            loss = sh.sum(axis=ax)
            e /= s
            e -= z
            return loss, e
        return softmax_xent

    def gradient(op, dloss, dbackprop):
        logits, labels = op.inputs
        ax = op.attrs["axis"]
        dl = _expand(dloss, ax)
        g_logits = _softmax_second_order(multiply(dl, op.outputs[1]), dbackprop, logits, ax)
        g_labels = None
        if _needs_grad(labels):
            g_labels = multiply(dl, negative(log_softmax(logits, axis=ax)))
            if not _is_zero(dbackprop):
                g_labels = subtract(g_labels, dbackprop)
        return [g_logits, g_labels]


def _sentinel_check(name, _sentinel, labels, logits):
    if _sentinel is not None:
        raise ValueError(f"Only call `{name}` with named arguments (labels=..., logits=..., ...)")
    if labels is None or logits is None:
        raise ValueError(f"Both labels and logits must be provided to {name}.")


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=None, name=None, dim=None):
    """Cross-entropy between `labels` (a distribution) and softmax(`logits`) along `axis`; the gradient
    flows into both logits and labels."""
    _sentinel_check("softmax_cross_entropy_with_logits_v2", _sentinel, labels, logits)
    axis = _softmax_axis(axis, dim)
    with name_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", preferred_dtype=logits.dtype.base_dtype)
        if labels.dtype.base_dtype != logits.dtype.base_dtype:
            labels = math_ops.cast(labels, logits.dtype.base_dtype)
        return apply_op(SoftmaxCrossEntropyWithLogits, [logits, labels], {"axis": axis}, scope)[0]


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF1's (deprecated) version: like `_v2`, but no gradient flows into `labels` (it gets None)."""
    _sentinel_check("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        labels = stop_gradient(labels, name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=axis, dim=dim if axis is None
                                                else None, name=scope)


class SparseSoftmaxCrossEntropyWithLogits(OpDef):
    """Inputs (logits [..., C], integer labels [...]); outputs the loss and backprop = softmax - one_hot."""

    type = "SparseSoftmaxCrossEntropyWithLogits"
    reads_only = True

    def infer(op):
        logits, labels = op.inputs
        dt = require(op, logits, floating=True)
        require(op, labels, integer=True)
        ls, ys = static_shape(logits), static_shape(labels)
        if ls is not None and len(ls) < 1:
            raise ValueError("Logits must be at least rank 1")
        if ls is not None and ys is not None:
            if len(ys) != len(ls) - 1:
                raise ValueError(f"Rank mismatch: Rank of labels (received {len(ys)}) should equal rank of logits "
                                 f"minus 1 (received {len(ls)}).")
            batch = _merge(ls[:-1], ys, "logits and labels batch shapes")
            ls = batch + ls[-1:]
            ys = batch
        elif ys is None and ls is not None:
            ys = ls[:-1]
        return [(ys, dt), (ls, dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        exp, log, arange, where, clip = xp.exp, xp.log, xp.arange, xp.where, xp.clip
        # As in TensorFlow: a label outside [0, classes) is an error on the CPU, and NaN loss and gradient rows on
        # a GPU, where checking would wait for the device (and could not be replayed as a CUDA graph).
        on_host = ctx.backend.device_type == "CPU"

        def sparse_xent(x, labels):
            c = x.shape[-1]
            x2 = x.reshape(-1, c)
            lab = labels.reshape(-1)
            bad = None
            if on_host:
                if lab.size and (int(lab.min()) < 0 or int(lab.max()) >= c):
                    first = lab[(lab < 0) | (lab >= c)][0]
                    raise InvalidArgumentError(op.node_def, op, f"Received a label value of {first} which is outside "
                                                                f"the valid range of [0, {c}).")
            else:
                bad = (lab < 0) | (lab >= c)
                lab = clip(lab, 0, c - 1)
            sh = x2 - x2.max(axis=1, keepdims=True)
            e = exp(sh)
            s = e.sum(axis=1, keepdims=True)
            rows = arange(lab.shape[0])
            loss = log(s[:, 0])
            loss -= sh[rows, lab]
            e /= s
            e[rows, lab] -= 1
            if bad is not None:
                loss = where(bad, xp.nan, loss).astype(loss.dtype, copy=False)
                e = where(bad[:, None], xp.nan, e).astype(e.dtype, copy=False)
            return loss.reshape(labels.shape), e.reshape(x.shape)
        return sparse_xent

    def gradient(op, dloss, dbackprop):
        logits = op.inputs[0]
        g = multiply(_expand(dloss, -1), op.outputs[1])
        return [_softmax_second_order(g, dbackprop, logits, -1), None]


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Cross-entropy of softmax(`logits`) against integer class `labels` (shape = logits' shape minus the last
    axis); a label outside [0, num_classes) is an InvalidArgumentError at run time."""
    _sentinel_check("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        labels = convert_to_tensor(labels, name="labels")
        logits = convert_to_tensor(logits, name="logits")
        return apply_op(SparseSoftmaxCrossEntropyWithLogits, [logits, labels], None,
                        "SparseSoftmaxCrossEntropyWithLogits")[0]


class SigmoidCrossEntropyWithLogits(OpDef):
    """Inputs (logits x, labels z): max(x, 0) - x z + log(1 + exp(-|x|)) = softplus(x) - x z, computed as
    logaddexp(x, 0) - x z (finite for |x| = 1e4). Gradients: (sigmoid(x) - z) dy and -x dy."""

    type = "SigmoidCrossEntropyWithLogits"
    shape_rule = _equal_shapes_named_by(0)  # `loss -= x * z` into a buffer shaped like the logits

    def infer(op):
        logits, labels = op.inputs
        dt = same_dtype(op, logits, labels)
        require(op, logits, floating=True)
        try:
            shape = op.op_def.shape_rule(op, static_shape(logits), static_shape(labels))
        except ValueError:
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs {labels.shape})") \
                from None
        return [(shape, dt)]

    def kernel(op, ctx):
        logaddexp, zero = ctx.xp.logaddexp, _consts(ctx, op, 0)

        def sigmoid_xent(x, z):
            loss = logaddexp(x, zero)
            loss -= x * z
            return loss
        return sigmoid_xent

    def gradient(op, dy):
        x, z = op.inputs
        g_x = subtract(softplus_grad(dy, x), multiply(dy, z))
        g_z = negative(multiply(dy, x)) if _needs_grad(z) else None
        return [g_x, g_z]


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Elementwise logistic loss of `logits` against `labels` in [0, 1]; stable for any logits."""
    _sentinel_check("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels", preferred_dtype=logits.dtype.base_dtype)
        return apply_op(SigmoidCrossEntropyWithLogits, [logits, labels], None, scope)


class WeightedCrossEntropyWithLogits(OpDef):
    """Inputs (logits x, labels z, pos_weight q): (1 - z) x + (1 + (q - 1) z) softplus(-x), broadcast."""

    type = "WeightedCrossEntropyWithLogits"

    def infer(op):
        x, z, q = op.inputs
        dt = same_dtype(op, x, z, q)
        require(op, x, floating=True)
        shape = broadcast_shape(_merge(static_shape(x), static_shape(z), "logits and labels shapes"),
                                static_shape(q))
        return [(shape, dt)]

    def kernel(op, ctx):
        logaddexp, (zero, one) = ctx.xp.logaddexp, _consts(ctx, op, 0, 1)

        def weighted_xent(x, z, q):
            loss = logaddexp(-x, zero) * ((q - one) * z + one)     # softplus(-x) = -log(sigmoid(x))
            loss += x * (one - z)
            return loss
        return weighted_xent

    def gradient(op, dy):
        x, z, q = op.inputs
        one = convert_to_tensor(1.0, dtype=x.dtype.base_dtype)
        lw = add(multiply(subtract(q, one), z), one)
        nx = negative(x)
        sp = softplus(nx)
        g_x = subtract(multiply(dy, subtract(one, z)), softplus_grad(multiply(dy, lw), nx))
        g_z = multiply(dy, subtract(multiply(subtract(q, one), sp), x)) if _needs_grad(z) else None
        g_q = multiply(dy, multiply(z, sp)) if _needs_grad(q) else None
        return [sum_to(g_x, x), sum_to(g_z, z), sum_to(g_q, q)]


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """Sigmoid cross-entropy with the positive term weighted by `pos_weight` (trades recall for precision)."""
    if labels is None:
        labels = targets
    elif targets is not None:
        raise ValueError("Cannot specify both 'labels' and 'targets'")
    if labels is None or logits is None or pos_weight is None:
        raise ValueError("labels (targets), logits and pos_weight are required")
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        dt = logits.dtype.base_dtype
        labels = convert_to_tensor(labels, name="labels", preferred_dtype=dt)
        pos_weight = convert_to_tensor(pos_weight, name="pos_weight", preferred_dtype=dt)
        return apply_op(WeightedCrossEntropyWithLogits, [logits, labels, pos_weight], None, scope)


# --- evaluation helpers ---------------------------------------------------------------------------------

class InTopK(OpDef):
    """Whether each target's prediction is among the `k` largest of its row (ties count as in; non-finite
    predictions and out-of-range targets give False, as in TensorFlow)."""

    type = "InTopK"

    def infer(op):
        p, t = op.inputs
        require(op, p, floating=True)
        require(op, t, integer=True)
        ps, ts = static_shape(p), static_shape(t)
        if ps is not None and len(ps) != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {len(ps)}")
        if ts is not None and len(ts) != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {len(ts)}")
        n = _merge(None if ps is None else ps[:1], ts, "predictions and targets batch sizes")
        return [(n, dtypes.bool_)]

    def kernel(op, ctx):
        xp, k = ctx.xp, op.attrs["k"]

        def in_top_k(p, t):
            c = p.shape[1]
            valid = (t >= 0) & (t < c)
            tp = p[xp.arange(p.shape[0]), xp.where(valid, t, 0)]
            above = (p > tp[:, None]).sum(axis=1)
            return (above < k) & valid & xp.isfinite(tp)
        return in_top_k

    gradient = not_differentiable


def in_top_k(predictions, targets, k, name=None):
    """Bool vector: is `targets[i]` among the top `k` classes of `predictions[i]`?"""
    p = convert_to_tensor(predictions, name="predictions")
    t = convert_to_tensor(targets, name="targets")
    return apply_op(InTopK, [p, t], {"k": int(k)}, name or "in_top_k")


__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "softplus", "softsign", "crelu",
    "softmax", "log_softmax", "bias_add", "xw_plus_b", "relu_layer", "dropout", "l2_loss", "l2_normalize",
    "moments", "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
    "weighted_cross_entropy_with_logits", "in_top_k",
]
