"""TF's special_math for distributions: the standard normal CDF `ndtr` and its logarithm `log_ndtr`, stable far
into the tails (TF's piecewise rule: log1p(-ndtr(-x)) above `upper`, an asymptotic series below `lower`, with each
branch's input clamped so that gradients of the branch not taken stay finite)."""
from __future__ import annotations

import math

import numpy as np

from ..ops import math_ops as m

_LIMITS = {np.dtype(np.float64): (-20.0, 8.0), np.dtype(np.float32): (-10.0, 5.0), np.dtype(np.float16): (-5.0, 2.5)}


def ndtr(x):
    """Φ(x) = ½ erfc(−x/√2), by erf near 0 and erfc in the tails as TF computes it."""
    w = m.multiply(x, 0.5 * math.sqrt(2.0))
    z = m.abs(w)
    y = m.where(m.less(z, 0.5 * math.sqrt(2.0)), m.add(1.0, m.erf(w)),
                m.where(m.greater(w, 0.0), m.subtract(2.0, m.erfc(z)), m.erfc(z)))
    return m.multiply(0.5, y)


def _asymptotic_series(x, order=3):
    x2 = m.square(x)
    even, odd, x2n = 0.0, 0.0, x2
    for n in range(1, order + 1):
        term = m.realdiv(float(np.prod(np.arange(2 * n - 1, 0, -2))), x2n)
        if n % 2:
            odd = m.add(odd, term)
        else:
            even = m.add(even, term)
        x2n = m.multiply(x2n, x2)
    return m.subtract(m.add(1.0, even), odd)


def log_ndtr(x):
    """log Φ(x) without underflow for very negative x."""
    lower, upper = _LIMITS[x.dtype.base_dtype.np]
    low = m.minimum(x, lower)
    asym = m.subtract(m.add(m.multiply(-0.5, m.square(low)), m.negative(m.log(m.negative(low)))),
                      0.5 * math.log(2 * math.pi))
    asym = m.add(asym, m.log(_asymptotic_series(low)))
    middle = m.log(ndtr(m.maximum(x, lower)))
    high = m.log1p(m.negative(ndtr(m.negative(m.maximum(x, upper)))))
    return m.where(m.greater(x, upper), high, m.where(m.greater(x, lower), middle, asym))
