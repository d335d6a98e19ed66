"""`tf.math`: the public names of graphgrad's math ops, re-exported from the modules that define them.

This module defines nothing. It keeps every name importable from where it always was
(`graphgrad.ops.math_ops.reduce_sum`, `tf.math.tanh`, `from graphgrad.ops.math_ops import Cast`), and `__all__`
below is what `import graphgrad as tf` puts at the top level. The ops live in one module per family:

- `math_common.py`     dtype-kind checks, operand conversion, the Binary/Unary base classes (no op types)
- `arithmetic_ops.py`  + - * / // % **, negative, maximum/minimum, squared_difference, div_no_nan, add_n
- `comparison_ops.py`  == != < <= > >= and logical and/or/xor/not
- `unary_ops.py`       abs, exp, log, sqrt, trigonometric, sigmoid, tanh, rounding, is_finite, ... (+ their *Grad ops)
- `cast_ops.py`        cast, to_float, ...
- `select_ops.py`      where, where_v2, select
- `matmul_ops.py`      matmul, tensordot
- `reduction_ops.py`   reduce_sum/mean/max/min/prod/any/all, reduce_logsumexp, count_nonzero (+ Unreduce)
- `argmax_ops.py`      argmax, argmin
- `scan_ops.py`        cumsum
- `clip_ops.py`        clip_by_value (with the norm clipping)
- `complex_ops.py`     complex, real, imag, conj, angle (tf.abs of a complex tensor is its magnitude)
- `special_ops.py`     lgamma, digamma, polygamma, erf, erfc, lbeta, xlogy, igamma, igammac, betainc
- `inverse_trig_ops.py` acos, asin, acosh, asinh, atanh, atan2
- `quantile_bessel_ops.py` erfinv, erfcinv, ndtri, zeta, bessel_i0/i0e/i1/i1e
- `safe_math_ops.py`   multiply_no_nan, xdivy, xlog1py, nextafter, reciprocal_no_nan, log_sigmoid, reduce_std /
                       reduce_variance, polyval, is_non_decreasing / is_strictly_increasing, zero_fraction
- and, defined with their families: softmax, log_softmax (softmax_ops), softplus, softsign (activation_ops),
  l2_normalize (normalization_ops), reduce_euclidean_norm (linalg_ops), cumulative_logsumexp (scan_ops)

Code inside graphgrad imports from those modules; this one is for users and for `graphgrad/__init__.py`.
"""
from ..framework.op_def import not_differentiable
from .activation_ops import softplus, softsign
from .argmax_ops import ArgMax, ArgMin, arg_max, arg_min, argmax, argmin
from .arithmetic_ops import (
    AddN,
    AddV2,
    DivNoNan,
    FloorDiv,
    FloorMod,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    RealDiv,
    SquaredDifference,
    Sub,
    TruncateDiv,
    TruncateMod,
    accumulate_n,
    add,
    add_n,
    div,
    div_no_nan,
    divide,
    floor_div,
    floordiv,
    floormod,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    pow,
    realdiv,
    scalar_mul,
    squared_difference,
    subtract,
    truediv,
    truncatediv,
    truncatemod,
)
from .cast_ops import Cast, cast, to_double, to_float, to_int32, to_int64
from .clip_ops import clip_by_value
from .comparison_ops import (
    Compare,
    Equal,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    LogicalAnd,
    LogicalNot,
    LogicalOr,
    LogicalXor,
    NotEqual,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    not_equal,
)
from .complex_ops import Angle, Complex, ComplexAbs, Conj, Imag, Real, angle, complex, conj, imag, real
from .confusion_ops import bincount, confusion_matrix, meshgrid
from .evaluation_ops import in_top_k  # noqa: F401  (tf.math's; TF1 has no top-level in_top_k or top_k)
from .inverse_trig_ops import Acos, Acosh, Asin, Asinh, Atan2, Atanh, acos, acosh, asin, asinh, atan2, atanh
from .linalg_ops import reduce_euclidean_norm
from .math_common import ANY_CMP, FLOAT, NUMERIC, Binary, Unary, binary
from .matmul_ops import MatMul, matmul, tensordot
from .normalization_ops import l2_normalize
from .partition_ops import invert_permutation
from .quantile_bessel_ops import (
    BesselI0,
    BesselI0e,
    BesselI1,
    BesselI1e,
    Erfinv,
    Ndtri,
    Zeta,
    bessel_i0,
    bessel_i0e,
    bessel_i1,
    bessel_i1e,
    erfcinv,
    erfinv,
    ndtri,
    zeta,
)
from .reduction_ops import (
    All,
    Any,
    Max,
    Mean,
    Min,
    Prod,
    ProdOthers,
    Reduction,
    Sum,
    Unreduce,
    count_nonzero,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    unreduce,
)
from .safe_math_ops import (
    MulNoNan,
    NextAfter,
    Xdivy,
    Xlog1py,
    is_non_decreasing,
    is_strictly_increasing,
    log_sigmoid,
    multiply_no_nan,
    nextafter,
    polyval,
    reciprocal_no_nan,
    reduce_std,
    reduce_variance,
    xdivy,
    xlog1py,
    zero_fraction,
)
from .scan_ops import Cumprod, Cumsum, CumulativeLogsumexp, cumprod, cumsum, cumulative_logsumexp
from .segment_ops import unsorted_segment_sum
from .segment_reduce_ops import (
    segment_max,
    segment_mean,
    segment_min,
    segment_prod,
    segment_sum,
    unsorted_segment_max,
    unsorted_segment_mean,
    unsorted_segment_min,
    unsorted_segment_prod,
    unsorted_segment_sqrt_n,
)
from .select_ops import Select, SelectV2, Where, select, where, where_v2
from .softmax_ops import log_softmax, softmax
from .sort_ops import approx_max_k, approx_min_k, top_k  # noqa: F401  (tf.math's, not top-level in TF1)
from .special_ops import (
    Betainc,
    Digamma,
    Erf,
    Erfc,
    Igamma,
    Igammac,
    Lgamma,
    Polygamma,
    betainc,
    digamma,
    erf,
    erfc,
    igamma,
    igammac,
    lbeta,
    lgamma,
    polygamma,
    xlogy,
)
from .unary_ops import (
    Abs,
    Atan,
    Ceil,
    Cos,
    Cosh,
    Exp,
    Expm1,
    Floor,
    IsFinite,
    IsInf,
    IsNan,
    Log,
    Log1p,
    Reciprocal,
    ReciprocalGrad,
    Rint,
    Round,
    Rsqrt,
    RsqrtGrad,
    Sigmoid,
    SigmoidGrad,
    Sign,
    Sin,
    Sinh,
    Sqrt,
    SqrtGrad,
    Square,
    Tan,
    Tanh,
    TanhGrad,
    abs,
    atan,
    ceil,
    cos,
    cosh,
    exp,
    expm1,
    floor,
    is_finite,
    is_inf,
    is_nan,
    log,
    log1p,
    reciprocal,
    rint,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    tanh,
)

__all__ = [
    # binary arithmetic
    "add", "subtract", "multiply", "divide", "truediv", "div", "realdiv", "floordiv", "floor_div",
    "truncatediv", "mod", "floormod", "truncatemod", "pow", "maximum", "minimum", "squared_difference",
    "div_no_nan", "scalar_mul", "add_n", "accumulate_n",
    # unary
    "negative", "abs", "sign", "square", "reciprocal", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt",
    "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "sigmoid", "floor", "ceil", "round", "rint",
    "is_finite", "is_nan", "is_inf", "lgamma", "digamma", "polygamma", "erf", "erfc", "lbeta", "xlogy",
    "igamma", "igammac", "betainc", "complex", "real", "imag", "conj", "angle",
    # matrices and casts
    "matmul", "tensordot", "cast", "to_float", "to_double", "to_int32", "to_int64",
    # reductions and scans
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
    "reduce_logsumexp", "count_nonzero", "argmax", "argmin", "arg_max", "arg_min", "cumsum", "cumprod", "bincount",
    "confusion_matrix", "meshgrid",
    # segment reductions (ops/segment_reduce_ops.py)
    "segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod", "unsorted_segment_sum",
    "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_mean",
    "unsorted_segment_sqrt_n", "invert_permutation",
    # comparisons, logic, selection
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
    "logical_not", "logical_xor", "where", "where_v2", "clip_by_value",
    "not_differentiable",
    # inverse trigonometric functions and the rest of TF1's top-level math (tf.math has more: see the docstring)
    "acos", "asin", "acosh", "asinh", "atanh", "atan2", "log_sigmoid", "zeta", "is_non_decreasing",
    "is_strictly_increasing",
]

#: tf.math's names that TF1 does not also put at the top level (`tf.erfinv` does not exist).
MATH_ONLY = [
    "softmax", "log_softmax", "softplus", "softsign", "l2_normalize", "reduce_std", "reduce_variance",
    "reduce_euclidean_norm", "divide_no_nan", "multiply_no_nan", "reciprocal_no_nan", "xdivy", "xlog1py", "erfinv",
    "erfcinv", "ndtri", "polyval", "bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e", "cumulative_logsumexp",
    "zero_fraction", "nextafter",
]
divide_no_nan = div_no_nan
