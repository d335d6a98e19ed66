"""Moments from sufficient statistics, as TF1's `tf.nn` builds them from graph ops: `sufficient_statistics` (count,
shifted sum, shifted sum of squares: the one-pass form, to combine over shards), `normalize_moments` (mean and
variance from them), `weighted_moments` (frequency-weighted, two passes), and `log_poisson_loss`."""
from __future__ import annotations

import math

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import static_shape
from . import array_ops
from .arithmetic_ops import add, div_no_nan, multiply, squared_difference, subtract
from .cast_ops import cast
from .comparison_ops import greater_equal, less_equal, logical_and
from .core import constant, convert_to_tensor, zeros_like
from .reduction_ops import reduce_prod, reduce_sum
from .select_ops import where
from .unary_ops import exp, log, reciprocal, square


def _keep(keep_dims, keepdims):
    if keep_dims is not None and keepdims is not None:
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
    return bool(keepdims if keepdims is not None else keep_dims)


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """(count, sum of x - shift, sum of (x - shift)², shift) over `axes`; the count is a constant of x's dtype
    when the reduced dimensions are known while building."""
    axes = sorted(set(int(a) for a in axes))
    keep = _keep(keep_dims, keepdims)
    with name_scope(name, "sufficient_statistics", [x, shift]):
        x = convert_to_tensor(x, name="x")
        s = static_shape(x)
        if s is not None and all(s[d] is not None for d in axes):
            counts = constant(math.prod(s[d] for d in axes), dtype=x.dtype.base_dtype)
        else:
            rank = len(s) if s is not None else None
            if rank is None and any(a < 0 for a in axes):
                raise ValueError("negative axes need x's rank known while building")
            dims = array_ops.gather(cast(array_ops.shape(x), x.dtype.base_dtype),
                                    [a + rank if a < 0 else a for a in axes])
            counts = reduce_prod(dims, name="count")
        if shift is not None:
            shift = convert_to_tensor(shift, name="shift")
            m_ss, v_ss = subtract(x, shift), squared_difference(x, shift)
        else:
            m_ss, v_ss = x, square(x)
        m_ss = reduce_sum(m_ss, axes, keepdims=keep, name="mean_ss")
        v_ss = reduce_sum(v_ss, axes, keepdims=keep, name="var_ss")
    return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """(mean, variance) from `sufficient_statistics`' outputs: mean_ss/count (+ shift), var_ss/count - mean²."""
    with name_scope(name, "normalize", [counts, mean_ss, variance_ss, shift]):
        divisor = reciprocal(counts, name="divisor")
        if shift is not None:
            shifted_mean = multiply(mean_ss, divisor, name="shifted_mean")
            mean = add(shifted_mean, shift, name="mean")
        else:
            shifted_mean = mean = multiply(mean_ss, divisor, name="mean")
        variance = subtract(multiply(variance_ss, divisor), square(shifted_mean), name="variance")
    return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """The `frequency_weights`-weighted mean and variance of x over `axes` (weights broadcast against x; 0 where
    the weights sum to 0, as div_no_nan gives)."""
    keep = _keep(keep_dims, keepdims)
    with name_scope(name, "weighted_moments", [x, frequency_weights, axes]):
        x = convert_to_tensor(x, name="x")
        w = convert_to_tensor(frequency_weights, name="frequency_weights")
        half = x.dtype.base_dtype == dtypes.float16
        if half:
            x = cast(x, dtypes.float32)
        if w.dtype.base_dtype != x.dtype.base_dtype:
            w = cast(w, x.dtype.base_dtype)
        total = reduce_sum(multiply(w, x), axes, name="weighted_input_sum", keepdims=True)
        weight_sum = reduce_sum(add(w, zeros_like(x)), axes, name="sum_of_weights", keepdims=True)
        mean = div_no_nan(total, weight_sum)
        distsq = reduce_sum(multiply(w, squared_difference(x, mean)), axes, name="weighted_distsq", keepdims=True)
        variance = div_no_nan(distsq, weight_sum)
        if not keep:
            mean, variance = array_ops.squeeze(mean, axis=axes), array_ops.squeeze(variance, axis=axes)
        if half:
            mean, variance = cast(mean, dtypes.float16), cast(variance, dtypes.float16)
        return mean, variance


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """exp(log_input) - log_input · targets, the Poisson negative log-likelihood up to a constant; with
    `compute_full_loss` plus Stirling's approximation of log(targets!) (0 for targets in [0, 1])."""
    with name_scope(name, "log_poisson_loss", [log_input, targets]) as scope:
        log_input = convert_to_tensor(log_input, name="log_input")
        targets = convert_to_tensor(targets, name="targets")
        if not log_input.shape.is_compatible_with(targets.shape):
            raise ValueError("`log_input` and `targets` must have the same shape, received "
                             f"({log_input.shape} vs {targets.shape}).")
        result = subtract(exp(log_input), multiply(log_input, targets))
        if not compute_full_loss:
            return result
        dt = targets.dtype.base_dtype
        stirling = add(subtract(multiply(targets, log(targets)), targets),
                       multiply(constant(0.5, dtype=dt), log(multiply(constant(2 * math.pi, dtype=dt), targets))))
        zeros = zeros_like(targets)
        cond = logical_and(greater_equal(targets, zeros), less_equal(targets, constant(1.0, dtype=dt)))
        return add(result, where(cond, zeros, stirling), name=scope)
