"""Small framework-level ops TF1 programs call: `tf.identity_n`, `tf.ensure_shape`, `tf.timestamp`,
`tf.broadcast_dynamic_shape` / `broadcast_static_shape`, `tf.parallel_stack`, `tf.switch_case` and
`tf.vectorized_map`."""
from __future__ import annotations

import time

from ..framework import dtypes, errors
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shape, not_differentiable, static_shape
from ..framework.tensor_shape import TensorShape, as_shape
from .core import apply_op, constant, convert_to_tensor

__all__ = ["identity_n", "ensure_shape", "timestamp", "broadcast_dynamic_shape", "broadcast_static_shape",
           "parallel_stack", "switch_case", "vectorized_map"]


class IdentityN(OpDef):
    """Each input passed through as an output of its own. Its gradient passes each output's on, unless the op
    carries `_custom_gradient` (what `tf.custom_gradient` records while executing eagerly: graph mode registers
    the function under a `gradient_override_map` name instead, as TF1 does)."""

    type = "IdentityN"

    def infer(op):
        return [(static_shape(x), x.dtype.base_dtype) for x in op.inputs]

    def kernel(op, ctx):
        if len(op.inputs) == 1:
            return lambda x: x
        return lambda *xs: list(xs)

    def gradient(op, *dys):
        custom = op.attrs.get("_custom_gradient")
        return custom(*dys) if custom is not None else list(dys)


def identity_n(input, name=None):
    """The tensors of the list `input`, each through one IdentityN op (TF's way to pass several at once)."""
    tensors = [convert_to_tensor(x) for x in input]
    out = apply_op(IdentityN, tensors, None, name or "IdentityN")
    return [out] if len(tensors) == 1 else out


def _shape_text(shape):
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


class EnsureShape(OpDef):
    """x as it is, after checking at run time that its shape fits `shape` (known dimensions must match)."""

    type = "EnsureShape"
    view_of = 0

    def infer(op):
        x, want = op.inputs[0], TensorShape(op.attrs["shape"])
        have = x.shape
        if not have.is_compatible_with(want):
            msg = ("Shapes must be equal rank" if have.ndims != want.ndims else
                   next(f"Dimension {i} in both shapes must be equal, but are {b} and {a}"
                        for i, (a, b) in enumerate(zip(have.as_list(), want.as_list()))
                        if a is not None and b is not None and a != b))
            raise ValueError(f"{msg}. Shapes are {_shape_text(want.as_list()) if want.ndims is not None else '?'} "
                             f"and {_shape_text(have.as_list())}. for '{{{{node {op.name}}}}} = EnsureShape' with "
                             f"input shapes: {_shape_text(have.as_list())}.")
        return [(have.merge_with(want).dims_tuple, x.dtype.base_dtype)]

    def kernel(op, ctx):
        want = TensorShape(op.attrs["shape"])

        def ensure_shape(x):
            if not want.is_compatible_with(x.shape):
                raise errors.InvalidArgumentError(
                    op.node_def, op, f"Shape of tensor {op.inputs[0].op.name} {_shape_text(x.shape)} is not "
                                     f"compatible with expected shape {_shape_text(want.as_list())}.\n"
                                     f"\t [[{{{{node {op.name}}}}}]]")
            return x
        return ensure_shape

    def gradient(op, dy):
        return [dy]


def ensure_shape(x, shape, name=None):
    """`x`, checked when it runs to have a shape compatible with `shape` (None for a dimension that may be
    anything); its static shape becomes the merge of the two. A static mismatch is a ValueError now."""
    return apply_op(EnsureShape, [convert_to_tensor(x)], {"shape": as_shape(shape).dims_tuple},
                    name or "EnsureShape")


class Timestamp(OpDef):
    """Seconds since the epoch, float64, read when the op runs."""

    type = "Timestamp"
    stateful = True

    def infer(op):
        return [((), dtypes.float64)]

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda: xp.asarray(time.time(), dtype="float64")

    gradient = not_differentiable


def timestamp(name=None):
    """The time when the op runs, in seconds since the epoch (float64); an op to run, as TF1's."""
    return apply_op(Timestamp, [], None, name or "Timestamp")


def _broadcast_error(x, y):
    return ValueError("Incompatible shapes for broadcasting. Two shapes are compatible if for each dimension pair "
                      f"they are either equal or one of them is 1. Received: {x} and {y}.")


def broadcast_static_shape(shape_x, shape_y):
    """The TensorShape two static shapes broadcast to (NumPy's rules, unknown dimensions kept unknown)."""
    shape_x, shape_y = as_shape(shape_x), as_shape(shape_y)
    try:
        out = broadcast_shape(shape_x.dims_tuple, shape_y.dims_tuple)
    except ValueError:
        raise _broadcast_error(shape_x, shape_y) from None
    return TensorShape(out)


class BroadcastArgs(OpDef):
    """The shape two shapes (int vectors) broadcast to, computed when the op runs."""

    type = "BroadcastArgs"

    def infer(op):
        a, b = (static_shape(t) for t in op.inputs)
        n = None if a is None or b is None or None in (a[0], b[0]) else max(a[0], b[0])
        return [((n,), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def broadcast_args(s0, s1):
            a, b = [int(d) for d in ctx.to_host(s0)], [int(d) for d in ctx.to_host(s1)]
            try:
                out = broadcast_shape(tuple(a), tuple(b))
            except ValueError:
                raise errors.InvalidArgumentError(
                    op.node_def, op, f"Incompatible shapes: [{','.join(map(str, a))}] vs. "
                                     f"[{','.join(map(str, b))}]\n\t [[{{{{node {op.name}}}}}]]") from None
            return xp.asarray(out, dtype=s0.dtype)
        return broadcast_args

    gradient = not_differentiable


def broadcast_dynamic_shape(shape_x, shape_y):
    """The shape (a 1-D int tensor) two shapes given as tensors broadcast to; an InvalidArgumentError when run
    on shapes that do not broadcast."""
    return apply_op(BroadcastArgs, [convert_to_tensor(shape_x), convert_to_tensor(shape_y)], None, "BroadcastArgs")


def parallel_stack(values, name="parallel_stack"):
    """`tf.stack` along a new first axis (TF builds it from ParallelConcat, for inputs of fully known shape)."""
    from .array_ops import stack

    with name_scope(name):
        values = [convert_to_tensor(v) for v in values]
        if any(not v.shape.is_fully_defined() for v in values):
            raise ValueError(f"Shape of a tensor passed to parallel_stack must be fully defined: "
                             f"{[str(v.shape) for v in values]}")
        return stack(values, name="ParallelConcat")


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """The result of `branch_fns[branch_index]` (a list, or a dict with the keys 0..n-1); an index out of range
    runs `default`, or the last branch when there is none. Only the branch taken runs; gradients flow through
    it (a chain of `tf.cond`, where TF builds one Case op)."""
    from .comparison_ops import equal
    from .control_flow_ops import case

    if isinstance(branch_fns, dict):
        keys = sorted(branch_fns)
        if keys != list(range(len(keys))):
            raise ValueError(f"branch indices (keys) must form contiguous range of [0 to {len(keys)}) but found "
                             f"{{{','.join(map(str, keys))}}}")
        branch_fns = [branch_fns[k] for k in keys]
    branch_fns = list(branch_fns)
    if not branch_fns:
        raise ValueError("Must provide at least one item in 'branch_fns'")
    for fn in [*branch_fns, default]:
        if fn is not None and not callable(fn):
            raise TypeError("fn for branch_fns must be callable.")
    with name_scope(name, "switch_case", [branch_index]):
        branch_index = convert_to_tensor(branch_index, name="branch_index")
        if not branch_index.dtype.base_dtype.is_integer:
            raise TypeError(f"'branch_index' must be an integer Tensor, got <dtype: "
                            f"'{branch_index.dtype.base_dtype.name}'>")
        if default is None:
            branch_fns, default = branch_fns[:-1], branch_fns[-1]
        pairs = [(equal(branch_index, constant(i, dtype=branch_index.dtype.base_dtype)), fn)
                 for i, fn in enumerate(branch_fns)]
        return case(pairs, default=default, exclusive=False, name="case")


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """`fn` over the rows of `elems` (a tensor or nested structure of them), the results stacked: TF vectorizes
    `fn`, graphgrad runs it as `tf.map_fn` (same values and gradients). `fn` is first applied to row 0 once to
    learn its results' structure and dtypes (ops that run only if fetched)."""
    from . import nest
    from .array_ops import gather
    from .functional_ops import map_fn

    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    with name_scope("loop_body_probe"):
        probe = fn(nest.pack_sequence_as(elems, [gather(e, 0) for e in flat]))
    dtype = nest.pack_sequence_as(probe, [convert_to_tensor(t).dtype.base_dtype for t in nest.flatten(probe)])
    return map_fn(fn, nest.pack_sequence_as(elems, flat), dtype=dtype, name="loop_body")
