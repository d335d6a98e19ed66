"""`tf.linalg.experimental.conjugate_gradient`: solves A x = rhs for a self-adjoint positive definite operator A
(any LinearOperator: only its matvec is used) by TF's (preconditioned) conjugate-gradient loop, a tf.while_loop
that stops after `max_iter` steps or once every residual norm is at most tol·|rhs|."""
from __future__ import annotations

import collections

from ..framework.graph import name_scope
from ..ops import array_ops
from ..ops.comparison_ops import greater, less, logical_and
from ..ops.core import convert_to_tensor
from ..ops.linalg_ops import norm
from ..ops.reduction_ops import reduce_any, reduce_sum
from ..ops.while_ops import while_loop
from .base import broadcast_shapes, dims

CGState = collections.namedtuple("CGState", ["i", "x", "r", "p", "gamma"])


def _dot(x, y):
    return reduce_sum(x * y, axis=-1)


def _column(t):
    return array_ops.expand_dims(t, -1)


def conjugate_gradient(operator, rhs, preconditioner=None, x=None, tol=1e-5, max_iter=20,
                       name="conjugate_gradient"):
    """CGState(i, x, r, p, gamma) after the iterations: x the solution, r its residual rhs - A x."""
    if not (operator.is_self_adjoint and operator.is_positive_definite):
        raise ValueError("Expected a self-adjoint, positive definite operator.")
    with name_scope(name):
        rhs = convert_to_tensor(rhs, name="rhs")
        batch = broadcast_shapes(dims(rhs)[:-1], operator.batch_shape.as_list(),
                                 *([preconditioner.batch_shape.as_list()] if preconditioner is not None else []))
        full = batch + dims(rhs)[-1:]
        r0 = rhs if dims(rhs) == full else array_ops.broadcast_to(rhs, full)
        tol = tol * norm(r0, axis=-1)
        if x is None:
            x = array_ops.zeros(full, dtype=rhs.dtype.base_dtype)
        else:
            r0 = rhs - operator.matvec(x)
        p0 = r0 if preconditioner is None else preconditioner.matvec(r0)

        def keep_going(i, x, r, p, gamma):
            return logical_and(less(i, max_iter), reduce_any(greater(norm(r, axis=-1), tol)))

        def step(i, x, r, p, gamma):
            z = operator.matvec(p)
            alpha = gamma / _dot(p, z)
            x = x + _column(alpha) * p
            r = r - _column(alpha) * z
            q = r if preconditioner is None else preconditioner.matvec(r)
            new_gamma = _dot(r, q)
            p = q + _column(new_gamma / gamma) * p
            return i + 1, x, r, p, new_gamma

        start = convert_to_tensor(0, name="i")
        out = while_loop(keep_going, step, [start, x, r0, p0, _dot(r0, p0)])
        return CGState(*out)


__all__ = ["conjugate_gradient", "CGState"]
