"""Fused batch normalization: `tf.nn.fused_batch_norm` and the ops TensorFlow writes for it (`FusedBatchNorm`,
`V2`, `V3` and their gradients), so that graphs `tf.layers.batch_normalization(fused=True)` built in TensorFlow
import and train (docs/graph-io.md).

One op normalizes over every axis but the channels (the last for NHWC, axis 1 for NCHW). Training mode uses the
batch's moments and returns the mean and the Bessel-corrected variance for the moving averages; inference mode
uses the `mean` and `variance` inputs. The reserve spaces are what TensorFlow's CPU kernel keeps for the
gradient: the batch mean and the population variance (or the inputs, in inference mode).
"""
from __future__ import annotations

from ..framework.op_def import OpDef, not_differentiable, require, static_shape
from .core import apply_op, convert_to_tensor


def _channel_axis(op):
    fmt = op.attrs["data_format"]
    if fmt not in ("NHWC", "NCHW", "NDHWC", "NCDHW"):
        raise ValueError(f"Invalid data format: {fmt}")
    return 1 if fmt.startswith("NC") else -1


def _reduced(x, axis):
    """The axes a per-channel statistic sums over, and a reshape that broadcasts a [C] vector against x."""
    nd = x.ndim
    axes = tuple(i for i in range(nd) if i != axis % nd)
    shape = [1] * nd
    shape[axis] = -1
    return axes, tuple(shape)


def _vector_shape(op, x):
    xs = static_shape(x)
    if xs is None:
        return (None,)
    return (xs[_channel_axis(op)],)


class FusedBatchNorm(OpDef):
    """FusedBatchNorm(x, scale, offset, mean, variance) -> y, batch_mean, batch_variance, reserve_space_1,
    reserve_space_2 (V3: and reserve_space_3, which the CPU kernel leaves as a scalar); attrs `epsilon`,
    `data_format`, `is_training`, `exponential_avg_factor` (the moving average the op itself takes of the batch
    moments, 1: none)."""

    type = "FusedBatchNorm"
    n_outputs = 5
    reads_only = True

    def infer(op):
        x = op.inputs[0]
        dt = require(op, x, floating=True)
        xs = static_shape(x)
        if xs is not None and len(xs) not in (4, 5):
            raise ValueError(f"input must be 4 or 5-dimensional, got shape {list(xs)} for '{op.name}'")
        _channel_axis(op)
        vec = (_vector_shape(op, x), op.inputs[1].dtype.base_dtype)
        outs = [(xs, dt)] + [vec] * 4
        return outs + [((), vec[1])] * (op.op_def.n_outputs - 5)

    def kernel(op, ctx):
        xp, axis = ctx.xp, _channel_axis(op)
        eps, training = op.attrs["epsilon"], op.attrs["is_training"]
        factor = op.attrs.get("exponential_avg_factor", 1.0)
        extra = op.op_def.n_outputs - 5

        def fused_batch_norm(x, scale, offset, mean, variance):
            # TensorFlow's CPU kernel step by step (sums times 1/n, rsqrt(var + eps) * scale), so that training
            # matches it to float32 rounding
            axes, shape = _reduced(x, axis)
            u = scale.dtype
            xf = x.astype(u, copy=False)
            if training:
                n = x.size // max(x.shape[axis], 1)
                inv_n = u.type(1.0 / n)
                batch_mean = xf.sum(axis=axes) * inv_n
                centered = xf - batch_mean.reshape(shape)
                batch_var = (centered * centered).sum(axis=axes) * inv_n
                adjust = u.type(n) / u.type(max(n - 1, 1))  # Bessel's correction
                if factor != 1.0:
                    f = u.type(factor)
                    run_mean, run_var = (1 - f) * mean + f * batch_mean, (1 - f) * variance + (f * adjust) * batch_var
                else:
                    run_mean, run_var = batch_mean.copy(), batch_var * adjust
                saved = (batch_mean, batch_var)
            else:  # outputs of their own, not the inputs (`reads_only`: a result holds no input buffer)
                centered = xf - mean.reshape(shape)
                run_mean, run_var = mean.copy(), variance.copy()
                saved = (mean.copy(), variance.copy())
            scaling = xp.reciprocal(xp.sqrt(saved[1] + eps)) * scale
            y = centered * scaling.reshape(shape) + offset.reshape(shape)
            outs = (y.astype(x.dtype, copy=False), run_mean, run_var, saved[0], saved[1])
            return outs + tuple(xp.zeros((), u) for _ in range(extra))
        return fused_batch_norm

    def gradient(op, dy, *unused):
        if dy is None:  # only the moments were used (the moving averages): TF's gradient ignores them too
            return [None] * 5
        grad_def = {FusedBatchNorm: FusedBatchNormGrad, FusedBatchNormV2: FusedBatchNormGradV2}.get(
            op.op_def, FusedBatchNormGradV3)
        x, scale = op.inputs[0], op.inputs[1]
        saved = list(op.outputs[3:grad_def.n_inputs])  # the reserve spaces the gradient op takes
        attrs = {k: op.attrs[k] for k in ("epsilon", "data_format", "is_training")}
        dx, dscale, doffset = apply_op(grad_def, [dy, x, scale] + saved, attrs, op.name + "_grad")[:3]
        return [dx, dscale, doffset, None, None]


class FusedBatchNormV2(FusedBatchNorm):
    type = "FusedBatchNormV2"


class FusedBatchNormV3(FusedBatchNorm):
    type = "FusedBatchNormV3"
    n_outputs = 6


class FusedBatchNormGrad(OpDef):
    """FusedBatchNormGrad(y_backprop, x, scale, reserve_space_1, reserve_space_2[, reserve_space_3]) ->
    x_backprop, scale_backprop, offset_backprop and two empty reserve spaces: the gradient of FusedBatchNorm in
    the mode `is_training` says (training: through the batch's moments too)."""

    type = "FusedBatchNormGrad"
    n_inputs = 5
    reads_only = True

    def infer(op):
        dy, x, scale = op.inputs[:3]
        dt = require(op, x, floating=True)
        vec = (_vector_shape(op, x), scale.dtype.base_dtype)
        return [(static_shape(x), dt), vec, vec, ((0,), vec[1]), ((0,), vec[1])]

    def kernel(op, ctx):
        xp, axis = ctx.xp, _channel_axis(op)
        eps, training = op.attrs["epsilon"], op.attrs["is_training"]

        def fused_batch_norm_grad(dy, x, scale, mean, variance, *unused):
            # TensorFlow's CPU kernels' formulas, in their order
            axes, shape = _reduced(x, axis)
            u = scale.dtype
            dyf, xf = dy.astype(u, copy=False), x.astype(u, copy=False)
            coef0 = xp.reciprocal(xp.sqrt(variance + eps))
            centered = xf - mean.reshape(shape)
            offset_backprop = dyf.sum(axis=axes)
            if training:
                n = x.size // max(x.shape[axis], 1)
                scale_backprop = (dyf * (centered * coef0.reshape(shape))).sum(axis=axes)
                dy_centered = dyf - (offset_backprop * u.type(1.0 / n)).reshape(shape)
                dy_x_mean = (dyf * centered).sum(axis=axes) / u.type(n)
                coef1, coef2 = scale * coef0, coef0 * coef0 * dy_x_mean
                dx = coef1.reshape(shape) * (dy_centered - centered * coef2.reshape(shape))
            else:
                scale_backprop = (dyf * centered).sum(axis=axes) * coef0
                dx = dyf * (coef0 * scale).reshape(shape)
            empty = xp.zeros((0,), u)
            return dx.astype(x.dtype, copy=False), scale_backprop, offset_backprop, empty, empty
        return fused_batch_norm_grad

    gradient = not_differentiable


class FusedBatchNormGradV2(FusedBatchNormGrad):
    type = "FusedBatchNormGradV2"


class FusedBatchNormGradV3(FusedBatchNormGrad):
    type = "FusedBatchNormGradV3"
    n_inputs = 6


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC",
                     is_training=True, name=None, exponential_avg_factor=1.0):
    """TF's `tf.nn.fused_batch_norm`: (y, batch_mean, batch_variance) of one FusedBatchNormV3 op; in training mode
    without `mean`/`variance` the moments are the batch's alone, in inference mode both are required."""
    x = convert_to_tensor(x, name="input")
    scale = convert_to_tensor(scale, name="scale")
    offset = convert_to_tensor(offset, name="offset")
    if mean is None or variance is None:
        if not is_training or exponential_avg_factor != 1.0:
            raise ValueError("Both 'mean' and 'variance' must be a 1D tensor when is_training is False or "
                             "exponential_avg_factor is not 1.0.")
        from .array_ops import zeros  # an empty moving mean: the kernel ignores it when factor is 1

        mean = variance = zeros([0], dtype=scale.dtype)
    attrs = {"epsilon": float(epsilon), "data_format": data_format, "is_training": bool(is_training),
             "exponential_avg_factor": float(exponential_avg_factor)}
    y, batch_mean, batch_var = apply_op(FusedBatchNormV3, [x, scale, offset, convert_to_tensor(mean, name="mean"),
                                                           convert_to_tensor(variance, name="variance")], attrs,
                                        name or "FusedBatchNormV3")[:3]
    return y, batch_mean, batch_var
