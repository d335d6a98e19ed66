"""Matrix products: MatMul (2-D and batched, transposes folded into the call, the session's matmul precision
for float32) and tensordot, which TensorFlow builds from one MatMul between reshaped operands.
"""
from __future__ import annotations

from math import prod

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shape, known, same_dtype, static_shape
from .core import apply_op, convert_to_tensor, sum_to
from .math_common import NUMERIC, _check_kind, _const_value, _dims, _node

#: A product with at most this many result columns, known to the plan, is written out in an island with one
#: accumulator per column (`_unrolled_product`).
UNROLLED_COLUMNS = 32
#: Columns per group of accumulators: a float32 vector of AVX2, and few enough to stay in registers.
COLUMN_GROUP = 8


def _unrolled_product(ta, tb, k, n):
    """An island's template for `{o0} = op({i0}) @ op({i1})` with `n` result columns (and `k`, where an int, the
    contraction): each row's columns summed in local accumulators, COLUMN_GROUP at a time, and stored once. In
    _lib.matmul's loop every multiply-add stores into the result, and as LLVM cannot tell the result from the
    operands it reloads and stores each one (W1's 32x8x8: 1.3 -> 0.44 µs, its 8x32x1 weight gradient 0.83 ->
    0.15). The same terms added in the same order (over the contraction, from zero): the same numbers."""
    lines = [f"{{u}}a = {{i0}}{ta}", f"{{u}}b = {{i1}}{tb}",
             "if {u}b.shape[0] != {u}a.shape[1] or {u}b.shape[1] != " + f"{n}"
             + (f" or {{u}}a.shape[1] != {k}:" if isinstance(k, int) else ":"),
             '    raise ValueError("matrix size-incompatible")',
             "{o0} = np.empty(({u}a.shape[0], " + f"{n}), {{T}})", "for {u}i in range({u}a.shape[0]):"]
    terms = str(k) if isinstance(k, int) else "{u}a.shape[1]"
    for first in range(0, n, COLUMN_GROUP):
        cols = range(first, min(n, first + COLUMN_GROUP))
        lines += [f"    {{u}}s{j} = {{T}}(0)" for j in cols]
        lines += [f"    for {{u}}p in range({terms}):", "        {u}x = {u}a[{u}i, {u}p]"]
        lines += [f"        {{u}}s{j} += {{u}}x * {{u}}b[{{u}}p, {j}]" for j in cols]
        lines += [f"    {{o0}}[{{u}}i, {j}] = {{u}}s{j}" for j in cols]
    return "\n".join(lines)


class MatMul(OpDef):
    """`a @ b` for 2-D and batched (3-D+, batch dims broadcast) operands; the lecture's dense-layer slide:
    dX = dZ·Wᵀ, dW = Xᵀ·dZ (summed over batch dims that were broadcast)."""

    type = "MatMul"
    allocates = True   # a new product every run, which bias and activation may then overwrite in place
    reads_only = True

    def infer(op):
        a, b = op.inputs
        dt = same_dtype(op, a, b)
        _check_kind(op, dt, NUMERIC, "a")
        return [(op.op_def.shape_rule(op, static_shape(a), static_shape(b)), dt)]

    def shape_rule(op, sa, sb):
        if sa is None or sb is None:
            return None
        if len(sa) < 2 or len(sb) < 2:
            raise ValueError(f"Shape must be rank 2 but is rank {min(len(sa), len(sb))}")
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        m, k1 = (sa[-1], sa[-2]) if ta else (sa[-2], sa[-1])
        k2, n = (sb[-1], sb[-2]) if tb else (sb[-2], sb[-1])
        if known(k1) and known(k2) and k1 != k2:
            raise ValueError(f"Dimensions must be equal, but are {k1} and {k2}")
        return broadcast_shape(sa[:-2], sb[:-2]) + (m, n)

    def kernel(op, ctx):
        fast = _matmul_kernel(op, ctx)
        sa, sb = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if sa is not None and sb is not None:
            # ranks known while building (the shape rule checked them): a contracted dimension that turns out
            # different at run time is NumPy's error, which the plan words as TF does ("Matrix size-incompatible")
            return fast

        def matmul_checked(a, b, out=None):
            if a.ndim < 2 or b.ndim < 2:
                k = 0 if a.ndim < 2 else 1
                raise InvalidArgumentError(op.node_def, op, f"In[{k}] is not a matrix. Instead it has shape "
                                                            f"{_dims(a.shape if k == 0 else b.shape)}{_node(op)}")
            if a.shape[-2 if ta else -1] != b.shape[-1 if tb else -2]:
                raise InvalidArgumentError(op.node_def, op, f"Matrix size-incompatible: In[0]: {_dims(a.shape)}, "
                                                            f"In[1]: {_dims(b.shape)}{_node(op)}")
            return fast(a, b, out=out)
        return matmul_checked

    def jit(op, facts):
        """Small 2-D float products as loops in the island (runtime/jitlib.py): there the call is the cost.
        Known m, k, n: at most 4096 multiply-adds, where the loops cost a NumPy call (16x16x16: ~1 µs each;
        32x8x8 0.6 against 1.0), so a tf.function (traced with its inputs' batch size) keeps W1's products in the
        island. An unknown (batch) dimension: the known ones multiply to at most 1024. Larger ones stay NumPy's
        BLAS calls."""
        sa, sb = facts.sym(op.inputs[0]), facts.sym(op.inputs[1])
        if len(sa) != 2 or len(sb) != 2 or not op.outputs[0].dtype.is_floating \
                or facts.ctx.matmul_precision != "float32":
            return None
        m, k = (sa[1], sa[0]) if op.attrs["transpose_a"] else sa
        n = sb[0] if op.attrs["transpose_b"] else sb[1]
        dims = [d for d in (m, k, n) if isinstance(d, int)]
        if prod(dims) > (4096 if len(dims) == 3 else 1024):
            return None
        ta, tb = (".T" if op.attrs[k] else "" for k in ("transpose_a", "transpose_b"))
        if isinstance(n, int) and n <= UNROLLED_COLUMNS:
            return _unrolled_product(ta, tb, k, n)
        return f"{{o0}} = _lib.matmul({{i0}}{ta}, {{i1}}{tb})"

    def result_shape(op):
        """`(a, b) -> shape of a @ b` for 2-D operands (None otherwise): lets a plan keep the product's buffer
        from one run to the next and pass it as `out=` (runtime/passes.py, the reuse pass)."""
        sa, sb = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        if sa is None or sb is None or len(sa) != 2 or len(sb) != 2:
            return None
        i, j = (1 if op.attrs["transpose_a"] else 0), (0 if op.attrs["transpose_b"] else 1)
        return lambda a, b: (a.shape[i], b.shape[j])

    def product(op):
        """(transpose_a, transpose_b) for a 2-D float product at float32 precision (OpDef.product)."""
        sa, sb = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        if sa is None or sb is None or len(sa) != 2 or len(sb) != 2 or not op.outputs[0].dtype.is_floating:
            return None
        return op.attrs["transpose_a"], op.attrs["transpose_b"]

    def gradient(op, dz):
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            da, db = matmul(dz, b, transpose_b=True), matmul(a, dz, transpose_a=True)
        elif not ta and tb:
            da, db = matmul(dz, b), matmul(dz, a, transpose_a=True)
        elif ta and not tb:
            da, db = matmul(b, dz, transpose_b=True), matmul(a, dz)
        else:
            da, db = matmul(b, dz, transpose_a=True, transpose_b=True), matmul(dz, a, transpose_a=True,
                                                                              transpose_b=True)
        if len(static_shape(a) or ()) == 2 and len(static_shape(b) or ()) == 2:
            return [da, db]  # 2-D operands: nothing was broadcast, so the products have the operands' shapes
        return [sum_to(da, a), sum_to(db, b)]


def _matmul_kernel(op, ctx):
    """The product as a plain function: `mm` itself for untransposed operands (no Python layer)."""
    # float32 products honour the session's matmul precision (TF32 / bfloat16 / float16 inputs)
    mm = ctx.matmul_f32 if op.outputs[0].dtype.base_dtype == dtypes.float32 else ctx.xp.matmul
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        return mm
    # transposes as array methods (xp.swapaxes is a Python wrapper costing ~1 us); `.T` for known 2-D
    sa, sb = static_shape(op.inputs[0]), static_shape(op.inputs[1])
    # `out=` is accepted so that a plan can write the product into a buffer it keeps (result_shape)
    if ta and tb:
        if sa is not None and sb is not None and len(sa) == len(sb) == 2:
            return lambda a, b, out=None: mm(a.T, b.T, out=out)
        return lambda a, b, out=None: mm(a.swapaxes(-1, -2), b.swapaxes(-1, -2), out=out)
    if ta:
        if sa is not None and len(sa) == 2:
            return lambda a, b, out=None: mm(a.T, b, out=out)
        return lambda a, b, out=None: mm(a.swapaxes(-1, -2), b, out=out)
    if sb is not None and len(sb) == 2:
        return lambda a, b, out=None: mm(a, b.T, out=out)
    return lambda a, b, out=None: mm(a, b.swapaxes(-1, -2), out=out)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, name=None):
    """Matrix product; batched over leading dims. `tf.matmul` is named MatMul, `a @ b` is `matmul`."""
    with name_scope(name, "MatMul", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", preferred_dtype=a.dtype.base_dtype)
        return apply_op(MatMul, [a, b], {"transpose_a": bool(transpose_a or adjoint_a),
                                         "transpose_b": bool(transpose_b or adjoint_b)}, scope)


def _tensordot_axes(axes, ra, rb):
    axes = _const_value(axes, "axes")
    if np.ndim(axes) == 0:
        n = int(axes)
        if not 0 <= n <= min(ra, rb):
            raise ValueError(f"'axes' must be at most the rank of a and b, got {n} for ranks {ra} and {rb}")
        return list(range(ra - n, ra)), list(range(n))
    if len(axes) != 2:
        raise ValueError(f"'axes' must be an integer or have length 2, got {axes!r}")
    ax_a, ax_b = ([int(i) for i in np.atleast_1d(np.asarray(v)).reshape(-1)] for v in axes)
    if len(ax_a) != len(ax_b):
        raise ValueError(f"Different number of contraction axes 'a' and 'b', {len(ax_a)} != {len(ax_b)}")
    return _distinct_axes(ax_a, ra), _distinct_axes(ax_b, rb)


def _distinct_axes(axes, rank):
    out = [a % rank for a in axes if -rank <= a < rank]
    if len(out) != len(axes) or len(set(out)) != len(out):
        raise ValueError(f"Invalid or repeated axes {axes} for a tensor of rank {rank}")
    return out


def tensordot(a, b, axes, name=None):
    """Sum of products over `axes` (an int n: the last n of a with the first n of b; or a pair of axis
    lists), as TensorFlow builds it: transpose and reshape both to matrices, one MatMul, reshape back.
    The contracted dimensions must be known while building."""
    from . import array_ops  # array ops import this module

    with name_scope(name, "Tensordot", [a, b, axes]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b", preferred_dtype=a.dtype.base_dtype)
        sa, sb = static_shape(a), static_shape(b)
        if sa is None or sb is None:
            raise ValueError("tensordot needs inputs of known rank")
        ax_a, ax_b = _tensordot_axes(axes, len(sa), len(sb))
        k = 1
        for i, j in zip(ax_a, ax_b):
            if sa[i] is None or sb[j] is None:
                raise ValueError("tensordot needs the contracted dimensions to be known while building")
            if sa[i] != sb[j]:
                raise ValueError(f"Dimensions must be equal, but are {sa[i]} and {sb[j]} for 'Tensordot' with "
                                 f"input shapes: {list(sa)}, {list(sb)} and axes {ax_a}, {ax_b}")
            k *= sa[i]
        free_a = [i for i in range(len(sa)) if i not in ax_a]
        free_b = [j for j in range(len(sb)) if j not in ax_b]

        def as_matrix(x, perm, shape):
            if perm != sorted(perm):
                x = array_ops.transpose(x, perm)
            return array_ops.reshape(x, shape)

        a2 = as_matrix(a, free_a + ax_a, [-1, k])
        b2 = as_matrix(b, ax_b + free_b, [k, -1])
        out_dims = [sa[i] for i in free_a] + [sb[j] for j in free_b]
        if all(d is not None for d in out_dims):
            out_shape = out_dims
        else:
            out_shape = array_ops.concat([array_ops.gather(array_ops.shape(a), free_a),
                                          array_ops.gather(array_ops.shape(b), free_b)], 0)
        out = array_ops.reshape(matmul(a2, b2), out_shape, name=scope)
        out.set_shape(out_dims)
        return out

