"""`tf.gather_nd`, `tf.scatter_nd` and `tf.eye`: the rest of what TF1 CNN code indexes with.

`GatherNd(params, indices)` reads `params[indices[..., 0], ..., indices[..., k-1]]` (one slice of the trailing
dims per index row); `ScatterNd(indices, updates, shape)` adds `updates` into zeros of `shape` at those
positions (duplicates add up). Each is the other's gradient, so both differentiate to any order.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .array_ops import _shape_from_tensor, reshape, shape, transpose
from .core import apply_op, constant, convert_to_tensor


def _index_tuple(xp, indices):
    return tuple(xp.moveaxis(indices, -1, 0))


def _check_indices(op, indices):
    if not indices.dtype.base_dtype.is_integer:
        raise TypeError(f"Value passed to parameter 'indices' has DataType {indices.dtype.base_dtype.name} not in "
                        "list of allowed values: int32, int64")


class GatherNd(OpDef):
    type = "GatherNd"
    allocates = True

    def infer(op):
        params, indices = op.inputs
        _check_indices(op, indices)
        return [(op.op_def.shape_rule(op, static_shape(params), static_shape(indices)), params.dtype.base_dtype)]

    def shape_rule(op, ps, ins):
        if ps is None or ins is None or ins[-1] is None:
            return None
        k = ins[-1]
        if isinstance(k, int) and k > len(ps):
            raise ValueError(f"indices.shape[-1] must be <= params.rank, but saw indices shape: {list(ins)} and "
                             f"params shape: {list(ps)}")
        return tuple(ins[:-1]) + tuple(ps[k:])

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda p, i: p[_index_tuple(xp, i)]

    def gradient(op, dy):
        params, indices = op.inputs
        return [scatter_nd(indices, dy, shape(params, out_type=indices.dtype.base_dtype)), None]


class ScatterNd(OpDef):
    type = "ScatterNd"
    allocates = True

    def infer(op):
        indices, updates, shp = op.inputs
        _check_indices(op, indices)
        return [(_shape_from_tensor(shp), updates.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host = ctx.xp, ctx.to_host

        def scatter(i, u, s):
            out = xp.zeros(tuple(int(d) for d in np.asarray(to_host(s)).ravel()), u.dtype)
            xp.add.at(out, _index_tuple(xp, i), u)
            return out
        return scatter

    def gradient(op, dout):
        indices = op.inputs[0]
        return [None, apply_op(GatherNd, [dout, indices], None, "GatherNd"), None]


def gather_nd(params, indices, name=None, batch_dims=0):
    """Slices of `params` addressed by the last axis of `indices`."""
    if batch_dims:
        raise NotImplementedError("gather_nd with batch_dims is not supported")
    with name_scope(name, "GatherNd", [params, indices]) as scope:
        p = convert_to_tensor(params, name="params")
        i = convert_to_tensor(indices, name="indices")
        return apply_op(GatherNd, [p, i], None, scope)


def scatter_nd(indices, updates, shape, name=None):  # noqa: F811  (TF's argument name shadows shape())
    """Zeros of `shape` with `updates` added at `indices` (duplicates sum)."""
    with name_scope(name, "ScatterNd", [indices, updates, shape]) as scope:
        i = convert_to_tensor(indices, name="indices")
        u = convert_to_tensor(updates, name="updates")
        s = convert_to_tensor(shape, dtype=i.dtype.base_dtype, name="shape")
        return apply_op(ScatterNd, [i, u, s], None, scope)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """The identity matrix [num_rows, num_columns] (optionally repeated over `batch_shape`), sizes known while
    building (a constant named `eye`)."""
    m = np.eye(int(num_rows), int(num_columns if num_columns is not None else num_rows),
               dtype=dtypes.as_dtype(dtype).base_dtype.np)
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(int(d) for d in batch_shape) + m.shape)
    return constant(m, dtype=dtype, name=name or "eye")


def _blocks(x, block_size, data_format, what):
    x = convert_to_tensor(x)
    s = static_shape(x)
    if data_format != "NHWC":
        raise NotImplementedError(f"{what} supports NHWC only")
    if s is None or len(s) != 4 or None in s[1:]:
        raise ValueError(f"{what} needs a 4-D input with known height, width and depth, got {x.shape}")
    bs = int(block_size)
    if bs < 2:
        raise ValueError(f"Value for attr 'block_size' of {bs} must be at least 2")
    return x, s, bs


def space_to_depth(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """Blocks of block_size x block_size pixels moved into the depth: out[b, i, j, (di * bs + dj) * C + c] =
    in[b, i * bs + di, j * bs + dj, c] (TF's order). A reshape, a transpose and a reshape."""
    with name_scope(name, "SpaceToDepth", [input]) as scope:
        x, (_, h, w, c), bs = _blocks(input, block_size, data_format, "space_to_depth")
        if h % bs or w % bs:
            raise ValueError(f"Image height {h} and width {w} must be multiples of block_size {bs}")
        t = transpose(reshape(x, [-1, h // bs, bs, w // bs, bs, c]), [0, 1, 3, 2, 4, 5])
        return reshape(t, [-1, h // bs, w // bs, bs * bs * c], name=scope)


def depth_to_space(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """The inverse of space_to_depth: depth (di * bs + dj) * C' + c goes to pixel (i * bs + di, j * bs + dj)."""
    with name_scope(name, "DepthToSpace", [input]) as scope:
        x, (_, h, w, c), bs = _blocks(input, block_size, data_format, "depth_to_space")
        if c % (bs * bs):
            raise ValueError(f"Depth {c} must be a multiple of block_size squared ({bs * bs})")
        t = transpose(reshape(x, [-1, h, w, bs, bs, c // (bs * bs)]), [0, 1, 3, 2, 4, 5])
        return reshape(t, [-1, h * bs, w * bs, c // (bs * bs)], name=scope)


__all__ = ["gather_nd", "scatter_nd", "eye", "space_to_depth", "depth_to_space"]
