"""Full Jacobians in graph mode, beside `tf.hessians`: one `tf.gradients` per element of the function's output
(the Jacobian lecture's rows), stacked into a tensor of shape y.shape + x.shape."""
from __future__ import annotations

from .autodiff import gradients
from .framework.graph import Tensor
from .ops import array_ops
from .ops.core import convert_to_tensor, zeros_like


def _as_tensor(x):
    ref = getattr(x, "_ref", None)
    return ref() if ref is not None and not isinstance(x, Tensor) else convert_to_tensor(x)


def jacobian(ys, xs, name="jacobian"):
    """d ys[i...] / d x[j...] for each x in `xs` (a tensor or a list): a tensor of shape ys.shape + x.shape, or
    None for an x that ys do not depend on. `ys` needs a fully defined shape."""
    single = not isinstance(xs, (list, tuple))
    xs = [_as_tensor(x) for x in ([xs] if single else xs)]
    y = convert_to_tensor(ys)
    n = y.shape.num_elements()
    if n is None:
        raise ValueError(f"jacobian needs a fully defined shape for ys, got {y.shape}")
    flat = array_ops.reshape(y, [-1])
    rows = [gradients(flat[i], xs) for i in range(n)]
    out = []
    for k, x in enumerate(xs):
        col = [r[k] for r in rows]
        if all(g is None for g in col):
            out.append(None)
            continue
        col = [g if g is not None else zeros_like(x) for g in col]
        x_shape = x.shape.as_list()
        if None in x_shape:
            x_shape = [-1] if len(x_shape) == 1 else None
        stacked = array_ops.stack(col)
        out.append(array_ops.reshape(stacked, y.shape.as_list() + x_shape) if x_shape else stacked)
    return out[0] if single else out


def batch_jacobian(ys, x, name="batch_jacobian"):
    """Per-example Jacobians of `ys` [B, ...] with respect to `x` [B, ...] (example b of ys depending only on
    example b of x): shape [B] + ys.shape[1:] + x.shape[1:]. The per-example dims must be known."""
    x = _as_tensor(x)
    y = convert_to_tensor(ys)
    rest, x_rest = y.shape.as_list()[1:], x.shape.as_list()[1:]
    if None in rest or None in x_rest:
        raise ValueError("batch_jacobian needs the per-example dims of ys and x to be known")
    m = 1
    for d in rest:
        m *= d
    flat = array_ops.reshape(y, [-1, m])
    cols = []
    for j in range(m):
        (g,) = gradients(flat[:, j], [x])
        if g is None:
            return None
        cols.append(array_ops.reshape(g, [-1, int(_prod(x_rest))]))
    return array_ops.reshape(array_ops.stack(cols, axis=1), [-1, *rest, *x_rest])


def _prod(dims):
    p = 1
    for d in dims:
        p *= d
    return p
