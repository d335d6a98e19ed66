"""Batched matrix structure: `tf.matrix_band_part`, `tf.matrix_diag`, `tf.matrix_diag_part`, `tf.matrix_set_diag`
and `tf.trace`, over the last two dimensions of a `[..., M, N]` tensor.

Unlike `tf.diag` (ops/diag_ops.py) these keep the leading dimensions as a batch. Each op's gradient is one of
the others (band part of dz; diag part <-> diag / set_diag), so derivatives of any order come for free; the
linear-algebra gradients (ops/matrix_ops.py, ops/decomposition_ops.py) are built from them.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, merge_shapes, static_shape
from .core import apply_op, convert_to_tensor, zeros_like
from .reduction_ops import reduce_sum

__all__ = ["matrix_band_part", "matrix_diag", "matrix_diag_part", "matrix_set_diag", "trace"]


def shapes_text(op):
    """The input shapes as TF prints them in shape errors: `[2,3], [?,2]`."""
    def one(t):
        s = static_shape(t)
        return "?" if s is None else "[" + ",".join("?" if d is None else str(d) for d in s) + "]"
    return ", ".join(one(t) for t in op.inputs)


def shape_error(op, message):
    """TF's build-time shape ValueError: the message, then the op and its input shapes."""
    return ValueError(f"{message} for '{op.name}' (op: '{op.type}') with input shapes: {shapes_text(op)}.")


def at_least(op, i, rank):
    """Input i's static shape after checking it has at least `rank` dims (None: unknown rank)."""
    s = static_shape(op.inputs[i])
    if s is not None and len(s) < rank:
        raise shape_error(op, f"Shape must be at least rank {rank} but is rank {len(s)}")
    return s


def run_time_rank(op, x, rank, what="input"):
    """The run-time twin of `at_least`, for inputs whose rank was unknown while building."""
    if x.ndim < rank:
        raise InvalidArgumentError(op.node_def, op, f"{what} must be at least {rank}-dimensional, got shape "
                                                    f"{list(x.shape)}")


def _min_dim(m, n):
    return None if m is None or n is None else min(m, n)


class MatrixBandPart(OpDef):
    """x with entries outside the band zeroed: kept where (num_lower < 0 or i - j <= num_lower) and
    (num_upper < 0 or j - i <= num_upper). Gradient: the same band of dz."""

    type = "MatrixBandPart"
    allocates = True

    def infer(op):
        return [(at_least(op, 0, 2), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def band_part(x, lower, upper):
            run_time_rank(op, x, 2)
            lower, upper = int(lower), int(upper)
            m, n = x.shape[-2:]
            if lower > m:
                raise InvalidArgumentError(op.node_def, op, f"num_lower must be negative or less or equal to "
                                                            f"number of rows ({m}) got: {lower}")
            if upper > n:
                raise InvalidArgumentError(op.node_def, op, f"num_upper must be negative or less or equal to "
                                                            f"number of columns ({n}) got: {upper}")
            d = xp.arange(n)[None, :] - xp.arange(m)[:, None]  # j - i
            keep = xp.ones((m, n), dtype=bool)
            if lower >= 0:
                keep &= -d <= lower
            if upper >= 0:
                keep &= d <= upper
            return xp.where(keep, x, xp.zeros((), x.dtype))
        return band_part

    def gradient(op, dz):
        return [matrix_band_part(dz, op.inputs[1], op.inputs[2]), None, None]


class MatrixDiag(OpDef):
    """diagonal [..., N] -> [..., N, N] with it on the diagonal; gradient MatrixDiagPart(dz)."""

    type = "MatrixDiag"
    allocates = True

    def infer(op):
        s = at_least(op, 0, 1)
        return [(None if s is None else s + s[-1:], op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def diag(d):
            run_time_rank(op, d, 1, "diagonal")
            n = d.shape[-1]
            out = xp.zeros(d.shape + (n,), dtype=d.dtype)
            i = xp.arange(n)
            out[..., i, i] = d
            return out
        return diag

    def gradient(op, dz):
        return [matrix_diag_part(dz)]


class MatrixDiagPart(OpDef):
    """x [..., M, N] -> its main diagonal [..., min(M, N)]; gradient: dz set on the diagonal of zeros."""

    type = "MatrixDiagPart"
    allocates = True

    def infer(op):
        s = at_least(op, 0, 2)
        return [(None if s is None else s[:-2] + (_min_dim(*s[-2:]),), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def diag_part(x):
            run_time_rank(op, x, 2)
            return xp.diagonal(x, axis1=-2, axis2=-1).copy()
        return diag_part

    def gradient(op, dz):
        return [matrix_set_diag(zeros_like(op.inputs[0]), dz)]


class MatrixSetDiag(OpDef):
    """x [..., M, N] with its main diagonal replaced by diagonal [..., min(M, N)]. Gradients: dz with a zero
    diagonal for x, dz's diagonal for the diagonal."""

    type = "MatrixSetDiag"
    allocates = True

    def infer(op):
        x, d = op.inputs
        if d.dtype.base_dtype != x.dtype.base_dtype:
            raise TypeError(f"Input 'diagonal' of 'MatrixSetDiag' Op has type {d.dtype.base_dtype.name} that does "
                            f"not match type {x.dtype.base_dtype.name} of argument 'input'.")
        s, sd = at_least(op, 0, 2), at_least(op, 1, 1)
        if s is not None and sd is not None:
            try:
                merge_shapes(s[:-2] + (_min_dim(*s[-2:]),), sd)
            except ValueError:
                raise shape_error(op, f"Shapes must be equal rank, or dimensions must be equal: the diagonal of "
                                      f"{list(s)} has shape {list(s[:-2]) + [_min_dim(*s[-2:])]}") from None
        return [(s, x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def set_diag(x, d):
            run_time_rank(op, x, 2)
            k = min(x.shape[-2:])
            if d.shape != x.shape[:-2] + (k,):
                raise InvalidArgumentError(op.node_def, op, f"diagonal must have shape {list(x.shape[:-2]) + [k]}, "
                                                            f"got {list(d.shape)}")
            out = x.copy()
            i = xp.arange(k)
            out[..., i, i] = d
            return out
        return set_diag

    def gradient(op, dz):
        return [matrix_set_diag(dz, zeros_like(op.inputs[1])), matrix_diag_part(dz)]


def _band_arg(v, name):
    t = convert_to_tensor(v, name=name, preferred_dtype=dtypes.int64)
    if not t.dtype.base_dtype.is_integer:
        raise TypeError(f"{name} must be an integer tensor, got {t.dtype.base_dtype.name}")
    s = static_shape(t)
    if s is not None and len(s) != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {len(s)} for {name}")
    return t


def matrix_band_part(input, num_lower, num_upper, name=None):  # noqa: A002  (TF's argument name)
    """The band of each innermost matrix: `num_lower` sub- and `num_upper` superdiagonals kept (negative: all),
    the rest zeroed. (0, -1) is the upper triangle, (-1, 0) the lower, (0, 0) the diagonal."""
    x = convert_to_tensor(input, name="input")
    return apply_op(MatrixBandPart, [x, _band_arg(num_lower, "num_lower"), _band_arg(num_upper, "num_upper")], {},
                    name or "MatrixBandPart")


def matrix_diag(diagonal, name=None):
    """[..., N] -> [..., N, N]: a batch of diagonal matrices."""
    return apply_op(MatrixDiag, [convert_to_tensor(diagonal, name="diagonal")], {}, name or "MatrixDiag")


def matrix_diag_part(input, name=None):  # noqa: A002
    """[..., M, N] -> [..., min(M, N)]: the main diagonal of each innermost matrix."""
    return apply_op(MatrixDiagPart, [convert_to_tensor(input, name="input")], {}, name or "MatrixDiagPart")


def matrix_set_diag(input, diagonal, name=None):  # noqa: A002
    """`input` with the main diagonal of each innermost matrix replaced by `diagonal`."""
    x = convert_to_tensor(input, name="input")
    d = convert_to_tensor(diagonal, name="diagonal", preferred_dtype=x.dtype.base_dtype)
    return apply_op(MatrixSetDiag, [x, d], {}, name or "MatrixSetDiag")


def trace(x, name=None):
    """The sum of each innermost matrix's main diagonal: [..., M, N] -> [...]."""
    with name_scope(name, "Trace", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return reduce_sum(matrix_diag_part(x), axis=-1, name=scope)
