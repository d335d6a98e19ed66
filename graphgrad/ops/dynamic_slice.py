"""`tf.slice` with `begin` / `size` computed in the graph (tf.image.sample_distorted_bounding_box's crop, any
offset known only when the graph runs): TF's Slice with its bounds as inputs. The static form (bounds known while
building) stays array_ops.Slice. The result is a view; the gradient places dy at `begin` in zeros shaped like the
input (TF's _SliceGrad pads instead), and that op's gradient slices again."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.op_def import OpDef, static_shape
from .array_ops import _slice_problem, get_static_value
from .core import apply_op, convert_to_tensor


def _bounds(op, shape, begin, size, to_host):
    b, n = [int(v) for v in to_host(begin)], [int(v) for v in to_host(size)]
    problem = _slice_problem(tuple(shape), b, n)
    if problem:
        raise op_error(InvalidArgumentError, op, problem)
    return tuple(slice(bi, d if ni == -1 else bi + ni) for bi, ni, d in zip(b, n, shape))


def _check_bounds(op, x, begin, size):
    for t, what in ((begin, "begin"), (size, "size")):
        s = static_shape(t)
        if not t.dtype.base_dtype.is_integer or (s is not None and len(s) != 1):
            raise TypeError(f"{what} of '{op.name}' must be a 1-D int32 or int64 tensor, got {t}")
    xs, n = static_shape(x), static_shape(begin)
    if xs is not None and n is not None and n[0] is not None and n[0] != len(xs):
        raise ValueError(f"Expected begin and size arguments to be 1-D tensors of size {len(xs)}, but got shapes "
                         f"{list(n)} and {static_shape(size)} instead.")
    return xs


class SliceDynamic(OpDef):
    type = "SliceDynamic"
    view_of = 0

    def infer(op):
        x, begin, size = op.inputs
        xs = _check_bounds(op, x, begin, size)
        sz = get_static_value(size)
        if xs is None:
            return [(None, x.dtype.base_dtype)]
        dims = tuple(None if sz is None or int(sz[i]) == -1 else int(sz[i]) for i in range(len(xs)))
        return [(dims, x.dtype.base_dtype)]

    def kernel(op, ctx):
        to_host = ctx.to_host
        return lambda x, begin, size: x[_bounds(op, x.shape, begin, size, to_host)]

    def gradient(op, dy):
        x, begin, size = op.inputs
        return [apply_op(SliceDynamicGrad, [dy, x, begin, size], None, "SliceDynamicGrad"), None, None]


class SliceDynamicGrad(OpDef):
    """Zeros shaped like input 1 (read for its shape only) with dy at `begin`."""

    type = "SliceDynamicGrad"
    shape_only_inputs = (1,)

    def infer(op):
        x = op.inputs[1]
        return [(static_shape(x), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host = ctx.xp, ctx.to_host

        def slice_grad(dy, x, begin, size):
            out = xp.zeros(x.shape, dy.dtype)
            out[_bounds(op, x.shape, begin, size, to_host)] = dy
            return out
        return slice_grad

    def gradient(op, ddx):
        return [slice_dynamic(ddx, op.inputs[2], op.inputs[3]), None, None, None]


def slice_dynamic(x, begin, size, name=None):
    """tf.slice(x, begin, size) with bounds that are only known when the graph runs."""
    x = convert_to_tensor(x)
    begin = convert_to_tensor(begin, name="begin")
    size = convert_to_tensor(size, name="size", dtype=begin.dtype.base_dtype if begin.dtype.is_integer
                             else dtypes.int32)
    return apply_op(SliceDynamic, [x, begin, size], None, name or "Slice")
