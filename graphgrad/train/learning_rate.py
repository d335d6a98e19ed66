"""Learning-rate schedules of `tf.train` (TensorFlow 1.x formulas), built as graph ops of the global step.

Each returns a scalar tensor in the learning rate's dtype; pass it as an optimizer's `learning_rate` and
the schedule is re-evaluated every run from the step's current value (`global_step` may be a variable, a
tensor or a placeholder). Python numbers become constants of the learning rate's dtype; tensors are cast.

    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, step, decay_steps=100, decay_rate=0.96, staircase=True)
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss, global_step=step)
"""
from __future__ import annotations

import math

from ..framework import dtypes
from ..framework.graph import Tensor, name_scope
from ..ops import math_ops
from ..ops.control_flow_ops import cond
from ..ops.core import constant, convert_to_tensor, identity
from ..ops.random_ops import random_normal

__all__ = ["exponential_decay", "piecewise_constant", "piecewise_constant_decay", "polynomial_decay",
           "natural_exp_decay", "inverse_time_decay", "cosine_decay", "cosine_decay_restarts", "linear_cosine_decay",
           "noisy_linear_cosine_decay"]


def _is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")


def _as(x, dtype, name=None):
    """`x` in `dtype`: tensors (and variables) are cast, Python numbers become a constant directly."""
    if _is_tensor(x):
        return math_ops.cast(x, dtype)
    return constant(x, dtype=dtype, name=name or "Const")


def _require_step(global_step, what):
    if global_step is None:
        raise ValueError(f"global_step is required for {what}.")


def _decay_fraction(global_step, decay_steps, dtype, staircase):
    """p = global_step / decay_steps, floored when `staircase`."""
    p = math_ops.truediv(_as(global_step, dtype), _as(decay_steps, dtype))
    return math_ops.floor(p) if staircase else p


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """learning_rate * decay_rate ^ (global_step / decay_steps); an integer exponent when `staircase`."""
    _require_step(global_step, "exponential_decay")
    with name_scope(name, "ExponentialDecay", [learning_rate, global_step, decay_steps, decay_rate]) as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dtype = lr.dtype.base_dtype
        p = _decay_fraction(global_step, decay_steps, dtype, staircase)
        return math_ops.multiply(lr, math_ops.pow(_as(decay_rate, dtype), p), name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """learning_rate * exp(-decay_rate) ^ (global_step / decay_steps) (TF1 builds it as an exponential decay
    with rate exp(-decay_rate)); an integer exponent when `staircase`."""
    _require_step(global_step, "natural_exp_decay")
    with name_scope(name, "ExponentialDecay", [learning_rate, global_step, decay_rate]) as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dtype = lr.dtype.base_dtype
        rate = math_ops.exp(math_ops.negative(_as(decay_rate, dtype)))
        p = _decay_fraction(global_step, decay_steps, dtype, staircase)
        return math_ops.multiply(lr, math_ops.pow(rate, p), name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """learning_rate / (1 + decay_rate * global_step / decay_steps); floored fraction when `staircase`."""
    _require_step(global_step, "inverse_time_decay")
    with name_scope(name, "InverseTimeDecay", [learning_rate, global_step, decay_rate]) as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dtype = lr.dtype.base_dtype
        p = _decay_fraction(global_step, decay_steps, dtype, staircase)
        denom = math_ops.add(constant(1, dtype=dtype), math_ops.multiply(_as(decay_rate, dtype), p))
        return math_ops.truediv(lr, denom, name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                     name=None):
    """(learning_rate - end) * (1 - step / decay_steps) ^ power + end, with step capped at decay_steps;
    `cycle` instead stretches decay_steps to the first multiple of itself at or above the step."""
    _require_step(global_step, "polynomial_decay")
    with name_scope(name, "PolynomialDecay", [learning_rate, global_step, decay_steps, end_learning_rate,
                                              power]) as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dtype = lr.dtype.base_dtype
        end = _as(end_learning_rate, dtype)
        power = _as(power, dtype)
        step = _as(global_step, dtype)
        steps = _as(decay_steps, dtype)
        if cycle:
            # ceil(step / decay_steps), but 1 at step 0 (TF1 uses a cond on step == 0)
            multiplier = math_ops.where_v2(math_ops.equal(step, constant(0, dtype=dtype)), constant(1, dtype=dtype),
                                           math_ops.ceil(math_ops.truediv(step, steps)))
            steps = math_ops.multiply(steps, multiplier)
        else:
            step = math_ops.minimum(step, steps)
        p = math_ops.truediv(step, steps)
        decayed = math_ops.multiply(math_ops.subtract(lr, end),
                                    math_ops.pow(math_ops.subtract(constant(1, dtype=dtype), p), power))
        return math_ops.add(decayed, end, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)."""
    _require_step(global_step, "cosine_decay")
    with name_scope(name, "CosineDecay", [learning_rate, global_step]) as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dtype = lr.dtype.base_dtype
        steps = _as(decay_steps, dtype)
        fraction = math_ops.truediv(math_ops.minimum(_as(global_step, dtype), steps), steps)
        cosine = math_ops.multiply(constant(0.5, dtype=dtype), math_ops.add(
            constant(1.0, dtype=dtype), math_ops.cos(math_ops.multiply(constant(math.pi, dtype=dtype), fraction))))
        alpha = _as(alpha, dtype)
        decayed = math_ops.add(math_ops.multiply(math_ops.subtract(constant(1, dtype=dtype), alpha), cosine), alpha)
        return math_ops.multiply(lr, decayed, name=scope)


def cosine_decay_restarts(learning_rate, global_step, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                          name=None):
    """SGDR (Loshchilov & Hutter): cosine decays over periods of first_decay_steps·t_mul^i steps, the i-th
    starting again from learning_rate·m_mul^i; `alpha` is the floor as a fraction of the rate."""
    _require_step(global_step, "cosine_decay_restarts")
    with name_scope(name, "SGDRDecay", [learning_rate, global_step]) as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype.base_dtype
        first = _as(first_decay_steps, dtype)
        alpha, t, m = _as(alpha, dtype), _as(t_mul, dtype), _as(m_mul, dtype)
        fraction = _as(global_step, dtype) / first

        def restarts(geometric):
            if not geometric:
                i = math_ops.floor(fraction)
                return i, fraction - i
            i = math_ops.floor(math_ops.log(1.0 - fraction * (1.0 - t)) / math_ops.log(t))
            done = (1.0 - t ** i) / (1.0 - t)
            return i, (fraction - done) / t ** i
        if _is_tensor(t_mul):
            i, fraction = cond(math_ops.equal(t, 1.0), lambda: restarts(False), lambda: restarts(True))
        else:
            i, fraction = restarts(t_mul != 1.0)
        cosine = 0.5 * m ** i * (1.0 + math_ops.cos(constant(math.pi, dtype=dtype) * fraction))
        return math_ops.multiply(lr, (1 - alpha) * cosine + alpha, name=scope)


def linear_cosine_decay(learning_rate, global_step, decay_steps, num_periods=0.5, alpha=0.0, beta=0.001,
                        name=None):
    """learning_rate·((alpha + linear)·cosine + beta): linear = 1 - s/decay_steps, cosine = ½(1 + cos(2π·periods·
    s/decay_steps)), s = min(step, decay_steps) (Bello et al., Neural Optimizer Search)."""
    _require_step(global_step, "linear_cosine_decay")
    with name_scope(name, "LinearCosineDecay", [learning_rate, global_step]) as scope:
        lr, linear, cosine = _linear_cosine(learning_rate, global_step, decay_steps, num_periods)
        dtype = lr.dtype.base_dtype
        return math_ops.multiply(lr, (_as(alpha, dtype) + linear) * cosine + _as(beta, dtype), name=scope)


def noisy_linear_cosine_decay(learning_rate, global_step, decay_steps, initial_variance=1.0, variance_decay=0.55,
                              num_periods=0.5, alpha=0.0, beta=0.001, name=None):
    """linear_cosine_decay with the linear part plus a normal draw of variance initial_variance / (1 + s)^
    variance_decay, drawn anew at every run (a `random_normal` op without a seed: the graph-level seed applies)."""
    _require_step(global_step, "noisy_linear_cosine_decay")
    with name_scope(name, "NoisyLinearCosineDecay", [learning_rate, global_step]) as scope:
        lr, linear, cosine = _linear_cosine(learning_rate, global_step, decay_steps, num_periods)
        dtype = lr.dtype.base_dtype
        step = math_ops.minimum(_as(global_step, dtype), _as(decay_steps, dtype))
        variance = _as(initial_variance, dtype) / math_ops.pow(1.0 + step, _as(variance_decay, dtype))
        noisy = linear + random_normal(linear.shape, stddev=math_ops.sqrt(variance), dtype=dtype)
        return math_ops.multiply(lr, (_as(alpha, dtype) + noisy) * cosine + _as(beta, dtype), name=scope)


def _linear_cosine(learning_rate, global_step, decay_steps, num_periods):
    """(learning rate, 1 - s/decay_steps, ½(1 + cos(2π·num_periods·s/decay_steps))), s = min(step, decay_steps)."""
    lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
    dtype = lr.dtype.base_dtype
    steps = _as(decay_steps, dtype)
    step = math_ops.minimum(_as(global_step, dtype), steps)
    linear = (steps - step) / steps
    fraction = 2.0 * _as(num_periods, dtype) * (step / steps)
    return lr, linear, 0.5 * (1.0 + math_ops.cos(constant(math.pi, dtype=dtype) * fraction))


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] while x <= boundaries[0], values[i] while boundaries[i-1] < x <= boundaries[i], and
    values[-1] after the last boundary. Built as a chain of selects, so tensor values get gradients."""
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with name_scope(name, "PiecewiseConstant", [x, *boundaries, *values]) as scope:
        x = convert_to_tensor(x)
        xdt = x.dtype.base_dtype
        bounds = []
        for b in boundaries:
            b = convert_to_tensor(b)
            bdt = b.dtype.base_dtype
            if bdt != xdt:
                # Integer boundaries (Python ints) are promoted to an int64 or float step without loss; float
                # boundaries against an integer step would be truncated, so they are refused (as TensorFlow).
                if not (bdt == dtypes.int32 and xdt == dtypes.int64) and not (bdt.is_integer and xdt.is_floating):
                    raise ValueError(f"Boundaries ({bdt.name}) must have the same dtype as x ({xdt.name}).")
                b = math_ops.cast(b, xdt)
            bounds.append(b)
        vals = [convert_to_tensor(v) for v in values]
        for v in vals[1:]:
            if v.dtype.base_dtype != vals[0].dtype.base_dtype:
                raise ValueError(f"Values must have elements all with the same dtype ({vals[0].dtype.base_dtype.name}"
                                 f" vs {v.dtype.base_dtype.name}).")
        out = vals[-1]
        for i in range(len(bounds) - 1, -1, -1):
            out = math_ops.where_v2(math_ops.less_equal(x, bounds[i]), vals[i], out,
                                    name=scope if i == 0 else None)
        return out if bounds else identity(out, name=scope)


piecewise_constant_decay = piecewise_constant
