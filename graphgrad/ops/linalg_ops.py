"""Linear algebra: `tf.norm` (vector and matrix norms) and `tf.einsum`.

`einsum` is built from transpose, reshape, matmul, multiply and reduce_sum graph ops, so its gradient (of any
order) comes from theirs and the plan runs plain NumPy calls. `norm` is a composition too, except the
euclidean/Frobenius norm, which is one `EuclideanNorm` op whose gradient x / ||x|| is 0 at x = 0 where
TensorFlow's sqrt(sum(x²)) composition gives NaN (see docs/extra-apis.md).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..framework.graph import name_scope
from ..framework.op_def import OpDef, require, static_shape
from . import (
    arithmetic_ops,
    array_ops,
    clip_ops,
    cross_ops,
    decomposition_ops,
    diag_ops,
    lu_ops,
    matmul_ops,
    matrix_diag_ops,
    matrix_ops,
    matrix_sqrt_ops,
    nd_ops,
    normalization_ops,
    unary_ops,
)
from .arithmetic_ops import div_no_nan, multiply
from .cast_ops import cast
from .core import apply_op, convert_to_tensor, identity
from .math_common import _scalar
from .reduction_ops import (
    _axes_checked,
    _axis_tuple,
    _op_axes,
    _reduced_shape,
    reduce_max,
    reduce_prod,
    reduce_sum,
    unreduce,
)

# --- norm ---------------------------------------------------------------------------------------------


class EuclideanNorm(OpDef):
    """sqrt(sum(x²)) over `axis` (None: all), the reduced dims kept as 1 if `keep_dims`.

    Gradient dz · x / ||x||, defined as 0 where the norm is 0 (the subgradient of smallest norm) instead of
    the NaN that differentiating sqrt at 0 gives; built from DivNoNan, so it is differentiable again."""

    type = "EuclideanNorm"

    def infer(op):
        x = op.inputs[0]
        dt = require(op, x, floating=True)
        return [(_reduced_shape(static_shape(x), op.attrs["axis"], op.attrs["keep_dims"]), dt)]

    def kernel(op, ctx):
        xp = ctx.xp
        sqrt, square, sum_ = xp.sqrt, xp.square, xp.sum
        axes, keep = _op_axes(op), op.attrs["keep_dims"]
        return _axes_checked(op, lambda x: sqrt(sum_(square(x), axis=axes, keepdims=keep)))

    def gradient(op, dz):
        x, y = op.inputs[0], op.outputs[0]
        return [multiply(unreduce(dz, op), div_no_nan(x, unreduce(y, op)))]


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x²)) over `axis`; its gradient is 0 (not NaN) where the norm is 0."""
    x = convert_to_tensor(input_tensor, name="input_tensor")
    return apply_op(EuclideanNorm, [x], {"axis": _axis_tuple(axis), "keep_dims": bool(keepdims)},
                    name or "EuclideanNorm")


_MATRIX_NORMS = ["euclidean", "fro", 1, np.inf]


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _norm_axes(axis):
    """(axes tuple or None, is_matrix_norm), or TensorFlow's ValueError for anything else."""
    if axis is None:
        return None, False
    if _is_int(axis):
        return (int(axis),), False
    if isinstance(axis, (list, tuple)) and len(axis) == 2 and all(_is_int(a) for a in axis) and axis[0] != axis[1]:
        return (int(axis[0]), int(axis[1])), True
    raise ValueError("'axis' must be None, an integer, or a tuple of 2 unique integers")


def _check_ord(ord, matrix):  # noqa: A002 - TensorFlow's name
    """TensorFlow's ValueError for an `ord` the norm does not support."""
    if isinstance(ord, bool) or not isinstance(ord, (str, numbers.Real)):
        raise ValueError(f"'ord' must be a supported {'matrix' if matrix else 'vector'} norm, got {ord}")
    if matrix:
        if not isinstance(ord, str) and ord == 2:
            raise ValueError(f"'ord' 2 (the spectral norm) is not supported for matrix norms; use one of "
                             f"{_MATRIX_NORMS}")
        if ord not in _MATRIX_NORMS:
            raise ValueError(f"'ord' must be a supported matrix norm in {_MATRIX_NORMS}, got {ord}")
    elif (isinstance(ord, str) and ord != "euclidean") or (not isinstance(ord, str) and not ord > 0):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None):  # noqa: A002
    """The `ord`-norm of `tensor` along `axis`, as `tf.norm`.

    axis None: the whole tensor as one vector; an int: vector norms along it; a pair of ints: matrix norms
    over those two dims. Vector ord: 'euclidean' (= 2), 1, np.inf or any p > 0; matrix ord: 'euclidean' /
    'fro' (Frobenius), 1 (max column sum) or np.inf (max row sum). The result has the norm dims removed
    unless `keepdims`. Gradients: TensorFlow's, except 0 instead of NaN for the euclidean norm of zeros
    (general p-norms still give NaN there, as TensorFlow does)."""
    if keep_dims is not None:
        if keepdims is not None and bool(keepdims) != bool(keep_dims):
            raise ValueError("The `keep_dims` and `keepdims` arguments must agree.")
        keepdims = keep_dims
    keep = bool(keepdims)
    axes, matrix = _norm_axes(axis)
    _check_ord(ord, matrix)
    with name_scope(name, "norm", [tensor]) as scope:
        x = convert_to_tensor(tensor, name="tensor")
        _require_float(x)
        if ord in ("euclidean", "fro") or (not matrix and not isinstance(ord, str) and ord == 2):
            return apply_op(EuclideanNorm, [x], {"axis": axes, "keep_dims": keep}, scope)
        a = unary_ops.abs(x)
        if matrix:
            rank = _known_rank(x, "norm")
            rows, cols = (ax % rank for ax in axes)
            if ord == 1:  # max over columns of the column sums
                first, second = rows, cols
            else:  # np.inf: max over rows of the row sums
                first, second = cols, rows
            s = reduce_sum(a, axis=first, keepdims=True)
            if keep:
                return reduce_max(s, axis=second, keepdims=True, name=scope)
            m = reduce_max(s, axis=second, keepdims=True)
            return array_ops.squeeze(m, axis=[rows, cols], name=scope)
        if ord == 1:
            return reduce_sum(a, axis=axes, keepdims=keep, name=scope)
        if ord == np.inf:
            return reduce_max(a, axis=axes, keepdims=keep, name=scope)
        p = float(ord)
        powered = arithmetic_ops.pow(a, _scalar(p, a))
        total = reduce_sum(powered, axis=axes, keepdims=keep)
        return arithmetic_ops.pow(total, _scalar(1.0 / p, total), name=scope)


def _require_float(x):
    if not x.dtype.base_dtype.is_floating:
        raise TypeError(f"norm needs a floating-point tensor, got {x.dtype.base_dtype.name} ({x.name})")


def _known_rank(x, what):
    s = static_shape(x)
    if s is None:
        raise ValueError(f"{what} needs a tensor of known rank, got {x}")
    return len(s)


# --- einsum -------------------------------------------------------------------------------------------

_ELLIPSIS_LETTERS = "".join(chr(0x3B1 + i) for i in range(24))  # Greek: never in a valid equation


def _parse_equation(equation, ranks):
    """(input subscripts, output subscripts) as strings of one character per dimension, '...' expanded."""
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise ValueError(f"einsum equation {equation!r} has more than one '->'")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(ranks):
        raise ValueError(f"einsum equation {equation!r} names {len(subs)} operands but {len(ranks)} were given")
    letters, ell = [], []
    for i, (s, r) in enumerate(zip(subs, ranks)):
        body = s.replace("...", "", 1)
        if not all(c.isascii() and c.isalpha() for c in body):
            raise ValueError(f"einsum subscripts must be letters (and one '...'), got {s!r} in {equation!r}")
        repeated = sorted({c for c in body if body.count(c) > 1})
        if repeated:
            raise ValueError(f"einsum: subscript {repeated[0]!r} repeated in operand {i} ({s!r}): traces and "
                             "diagonals are not supported")
        n_ell = r - len(body)
        if n_ell < 0 or (n_ell > 0 and "..." not in s):
            raise ValueError(f"einsum: operand {i} has rank {r} but subscripts {s!r} in {equation!r}")
        letters.append(s)
        ell.append(n_ell)
    n_ell = max(ell, default=0)
    ell_letters = _ELLIPSIS_LETTERS[:n_ell]
    subs = [s.replace("...", ell_letters[n_ell - k:], 1) for s, k in zip(letters, ell)]
    if not arrow:
        counts = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell_letters))
        return subs, out
    if not all((c.isascii() and c.isalpha()) for c in rhs.replace("...", "", 1)):
        raise ValueError(f"einsum output subscripts must be letters (and one '...'), got {rhs!r}")
    if "..." not in rhs and n_ell:
        raise ValueError(f"einsum equation {equation!r}: the output has no '...' for the dimensions that '...' "
                         "covers in the inputs")
    out = rhs.replace("...", ell_letters, 1)
    if len(set(out)) != len(out):
        raise ValueError(f"einsum: output subscripts {rhs!r} repeat a letter")
    missing = [c for c in out if not any(c in s for s in subs)]
    if missing:
        raise ValueError(f"einsum: output subscript {missing[0]!r} does not appear in any input of {equation!r}")
    return subs, out


def _letter_sizes(tensors, subs):
    """Static size of each letter (None if unknown); ValueError when two operands disagree (1 broadcasts
    only for '...' dimensions, as in NumPy)."""
    sizes = {}
    for t, s in zip(tensors, subs):
        for c, d in zip(s, static_shape(t)):
            old = sizes.get(c)
            if old is None or d is None:
                sizes[c] = d if old is None else old
            elif old != d:
                if c in _ELLIPSIS_LETTERS and 1 in (old, d):
                    sizes[c] = max(old, d)
                else:
                    raise ValueError(f"einsum: dimension {c!r} has size {old} in one operand and {d} in another")
    return sizes


class _Term:
    """A tensor with one letter per dimension (its einsum subscripts)."""

    def __init__(self, tensor, letters):
        self.t, self.s = tensor, letters

    def dim(self, c):
        """Static size of the dimension named `c`, or None."""
        return static_shape(self.t)[self.s.index(c)]

    def dyn(self, cs):
        """An int32 scalar tensor: the product of the (run-time) sizes of the dimensions `cs`."""
        idx = [self.s.index(c) for c in cs]
        sizes = array_ops.gather(array_ops.shape(self.t), idx)
        return reduce_prod(sizes)

    def sum_out(self, drop):
        if not drop:
            return self
        axes = [self.s.index(c) for c in drop]
        t = reduce_sum(self.t, axis=axes)
        return _Term(t, "".join(c for c in self.s if c not in drop))

    def arrange(self, order):
        """Transposed so that its letters read `order` (a permutation of them)."""
        if order == self.s:
            return self
        return _Term(array_ops.transpose(self.t, [self.s.index(c) for c in order]), order)


def _reshape(term, groups, source, merge=True):
    """`term` reshaped so that each group of its letters (in order) becomes one dimension (no op when each is a
    single letter), or, with merge=False, to one dimension per letter. `source(group)` gives (static size or
    None, function building its run-time size)."""
    if merge and len(groups) == len(term.s) and all(len(g) == 1 for g in groups):
        return term.t
    parts = [source(g) for g in groups]
    unknown = sum(1 for d, _ in parts if d is None)
    if unknown == 0:
        target = [d for d, _ in parts]
    elif unknown == 1:
        target = [-1 if d is None else d for d, _ in parts]
    else:
        target = array_ops.stack([cast(make(), "int32") if d is None else d for d, make in parts])
    return array_ops.reshape(term.t, target)


def _group_source(*terms):
    """Sizes of letter groups looked up in the first of `terms` that has all the group's letters."""
    def source(group):
        for term in terms:
            if all(c in term.s for c in group):
                dims = [term.dim(c) for c in group]
                static = math.prod(dims) if all(d is not None for d in dims) else None
                return static, (lambda term=term: term.dyn(group))
        raise AssertionError(group)
    return source


def _contract(a, b, keep):
    """The einsum of two terms keeping the letters in `keep`: a broadcasting multiply when nothing is
    contracted, else one (batched) matmul between transposes and reshapes."""
    a = a.sum_out([c for c in a.s if c not in b.s and c not in keep])
    b = b.sum_out([c for c in b.s if c not in a.s and c not in keep])
    batch = [c for c in a.s if c in b.s and c in keep]
    contract = [c for c in a.s if c in b.s and c not in keep]
    free_a = [c for c in a.s if c not in b.s]
    free_b = [c for c in b.s if c not in a.s]
    letters = "".join(batch + free_a + free_b)
    if not contract:
        at = a.arrange("".join(batch + free_a))
        bt = b.arrange("".join(batch + free_b))
        x = at.t
        for _ in free_b:
            x = array_ops.expand_dims(x, -1)
        y = bt.t
        for i in range(len(free_a)):
            y = array_ops.expand_dims(y, len(batch) + i)
        return _Term(multiply(x, y), letters)
    at = a.arrange("".join(batch + free_a + contract))
    bt = b.arrange("".join(batch + contract + free_b))
    src = _group_source(a, b)
    x = _reshape(at, [[c] for c in batch] + [free_a, contract], src)
    y = _reshape(bt, [[c] for c in batch] + [contract, free_b], src)
    z = _Term(matmul_ops.matmul(x, y), "".join(batch) + "\0\1")  # \0, \1: the merged free groups
    if len(free_a) == 1 and len(free_b) == 1:
        return _Term(z.t, letters)

    def source(group):
        c = group[0]
        if c in batch:  # the product's batch dims (they may have been broadcast)
            d = z.dim(c)
            return d, (lambda: z.dyn(c))
        return _group_source(a, b)(group)
    return _Term(_reshape(z, [[c] for c in letters], source, merge=False), letters)


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, e.g. 'ij,jk->ik' (matmul), 'bij,bjk->bik' (batch matmul), 'ij->ji' (transpose),
    'ij->i' (sum), 'i,j->ij' (outer product), 'i,i->' (dot), with '...' for leading dimensions and any number
    of operands (contracted left to right). The implicit form ('ij,jk') outputs the letters that appear once,
    sorted. Repeated letters within one operand (traces, diagonals) raise ValueError."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"invalid keyword arguments for einsum: {', '.join(sorted(kwargs))}")
    if not inputs:
        raise ValueError("einsum needs at least one operand")
    with name_scope(name, "einsum", list(inputs)) as scope:
        xs = [convert_to_tensor(x, name=f"input_{i}") for i, x in enumerate(inputs)]
        ranks = []
        for x in xs:
            s = static_shape(x)
            if s is None:
                raise ValueError(f"einsum needs operands of known rank, got {x}")
            ranks.append(len(s))
        _same_dtype(xs)
        subs, out = _parse_equation(equation, ranks)
        _letter_sizes(xs, subs)
        terms = [_Term(x, s) for x, s in zip(xs, subs)]
        cur = terms[0]
        for i, nxt in enumerate(terms[1:], start=1):
            keep = set(out).union(*(t.s for t in terms[i + 1:]))
            cur = _contract(cur, nxt, keep)
        cur = cur.sum_out([c for c in cur.s if c not in out]).arrange(out)
        return identity(cur.t, name=scope)


def _same_dtype(xs):
    first = xs[0].dtype.base_dtype
    for x in xs[1:]:
        if x.dtype.base_dtype != first:
            raise TypeError(f"einsum operands must have one dtype, got {first.name} and {x.dtype.base_dtype.name} "
                            f"({xs[0].name}, {x.name})")


# `tf.linalg` gathers these with the matrix functions defined elsewhere.
matmul = matmul_ops.matmul
tensordot = matmul_ops.tensordot
transpose = matrix_transpose = array_ops.matrix_transpose
adjoint = matrix_ops.adjoint
det = matrix_ops.matrix_determinant
slogdet = matrix_ops.slogdet
logdet = matrix_ops.logdet
inv = matrix_ops.matrix_inverse
expm = matrix_ops.matrix_exponential
cholesky = matrix_ops.cholesky
cholesky_solve = matrix_ops.cholesky_solve
solve = matrix_ops.matrix_solve
triangular_solve = matrix_ops.matrix_triangular_solve
lstsq = matrix_ops.matrix_solve_ls
qr = decomposition_ops.qr
svd = decomposition_ops.svd
eigh = decomposition_ops.self_adjoint_eig
eigvalsh = decomposition_ops.self_adjoint_eigvals
band_part = matrix_diag_ops.matrix_band_part
diag = matrix_diag_ops.matrix_diag
diag_part = matrix_diag_ops.matrix_diag_part
set_diag = matrix_diag_ops.matrix_set_diag
trace = matrix_diag_ops.trace
cross = cross_ops.cross
eye = nd_ops.eye
global_norm = clip_ops.global_norm
l2_normalize = normalization_ops.l2_normalize
tensor_diag = diag_ops.diag
tensor_diag_part = diag_ops.diag_part
from . import linalg_compositions  # noqa: E402  (it uses norm, defined above)

matvec = linalg_compositions.matvec
normalize = linalg_compositions.normalize
pinv = linalg_compositions.pinv
matrix_rank = linalg_compositions.matrix_rank
tridiagonal_matmul = linalg_compositions.tridiagonal_matmul
tridiagonal_solve = linalg_compositions.tridiagonal_solve
lu = lu_ops.lu
sqrtm = matrix_sqrt_ops.sqrtm
lu_solve = lu_ops.lu_solve
lu_reconstruct = lu_ops.lu_reconstruct
lu_matrix_inverse = lu_ops.lu_matrix_inverse
eigh_tridiagonal = linalg_compositions.eigh_tridiagonal
from .matrix_log_ops import logm  # noqa: E402,F401

# tf.linalg.LinearOperator* and tf.linalg.experimental are installed here by graphgrad.linear_operators (a layer
# above the ops).

__all__ = ["norm", "einsum"]
