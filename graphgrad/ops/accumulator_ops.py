"""TF1's conditional accumulators (`tf.ConditionalAccumulator`, `tf.SparseConditionalAccumulator`): gradients
that workers apply with the step they were computed at, summed in the session until a `take_grad(num_required)`
takes their mean (or sum) — the aggregation SyncReplicasOptimizer is built on.

As in TF: an accumulator has a global step (0 at first, +1 after each take, or `set_global_step`); a gradient whose
`local_step` is below it is stale and silently dropped; `take_grad` waits inside `Session.run` until
`num_required` gradients have come (the session's lock released meanwhile, as queue ops wait: queue_ops.py), then
returns their average and resets the count. The sparse one keeps a sum and a count per row index, so MEAN divides
each row by the number of gradients that touched it; it returns the indices sorted (TF merges as if each
gradient's indices were sorted; graphgrad sorts them). Shapes are checked as TF's kernels check them. The state
lives in the session (RunContext.resources), so each session has its own; closing the session cancels waiters.
"""
from __future__ import annotations

import collections
import threading

import numpy as np

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.errors import op_error
from ..framework.graph import get_default_graph
from ..framework.op_def import OpDef, not_differentiable
from ..framework.tensor_shape import TensorShape
from .cast_ops import cast
from .core import apply_op, convert_to_tensor
from .indexed_slices import IndexedSlices
from .queue_ops import ResourceHandle, session_resource

__all__ = ["ConditionalAccumulator", "ConditionalAccumulatorBase", "SparseConditionalAccumulator"]


class _State:
    """One accumulator in one session: the count, the global step, the sums, and the waiters' condition."""

    def __init__(self, acc):
        self.acc, self.cond = acc, threading.Condition()
        self.count = self.step = 0
        self.shape = acc._shape.as_list() if acc._shape.ndims is not None else None
        self.total = None  # dense: the running sum; sparse: {row index: [sum row, count]}
        self.closed = False

    def check_shape(self, op, got, what="shape"):
        """The gradient's dims against the accumulator's (its declared shape, else the first gradient's)."""
        if self.shape is None:
            self.shape = list(got)
        elif len(self.shape) != len(got) or any(d is not None and d != g for d, g in zip(self.shape, got)):
            raise op_error(errors.InvalidArgumentError, op, f"Shape mismatch: expected {_dims(self.shape)}, got "
                                                            f"{_dims(got)}")

    def add(self, local_step, check, fold):
        """Folds a gradient in after `check` validates it, unless it is stale (TF drops a stale gradient, with a
        log line, before looking at its shape)."""
        with self.cond:
            if local_step < self.step:
                return
            check()
            fold()
            self.count += 1
            self.cond.notify_all()

    def take(self, ctx, op, num_required, finish):
        if num_required < 1:
            raise op_error(errors.InvalidArgumentError, op,
                           f"Argument num_required must be positive, but was {num_required}")
        while True:
            with self.cond:
                if self.closed:
                    raise op_error(errors.CancelledError, op, "TakeGrad operation was cancelled")
                if self.count >= num_required:
                    out = finish(self.total, self.count)
                    self.total, self.count = None, 0
                    self.step += 1
                    return out
            left = ctx.time_left()
            if left is not None and left <= 0:
                raise op_error(errors.DeadlineExceededError, op, "Timed out waiting for notification")
            with ctx.lock_released(), self.cond:
                self.cond.wait(timeout=1.0 if left is None else min(1.0, left))

    def set_step(self, step):
        with self.cond:
            self.step = step

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()


def _dims(shape):
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _state(ctx, acc):
    return session_resource(ctx, ("accumulator", acc), lambda: _State(acc))


class _AccumulatorOp(OpDef):
    stateful = True
    gradient = not_differentiable

    def can_fail(op):
        return True


class AccumulatorHandle(ResourceHandle):
    type = "ResourceConditionalAccumulator"


class SparseAccumulatorHandle(ResourceHandle):
    type = "SparseConditionalAccumulator"


class AccumulatorNumAccumulated(_AccumulatorOp):
    """How many gradients have been accumulated since the last take (int32)."""

    type = "ResourceAccumulatorNumAccumulated"

    def infer(op):
        return [((), _dtypes.int32)]

    def kernel(op, ctx):
        acc, to_device = op.attrs["accumulator"], ctx.to_device
        return lambda handle: to_device(np.int32(_state(ctx, acc).count))


class AccumulatorSetGlobalStep(_AccumulatorOp):
    type = "ResourceAccumulatorSetGlobalStep"

    def infer(op):
        return []

    def kernel(op, ctx):
        acc = op.attrs["accumulator"]
        return lambda handle, step: _state(ctx, acc).set_step(int(ctx.to_host(step)))


class AccumulatorApplyGradient(_AccumulatorOp):
    """(handle, local_step, gradient): adds the gradient unless it is stale."""

    type = "ResourceAccumulatorApplyGradient"

    def infer(op):
        return []

    def kernel(op, ctx):
        acc, to_host = op.attrs["accumulator"], ctx.to_host

        def apply_gradient(handle, local_step, grad):
            state, g = _state(ctx, acc), np.asarray(to_host(grad))

            def fold():
                state.total = g.astype(acc.dtype.np, copy=True) if state.total is None else state.total + g
            state.add(int(to_host(local_step)), lambda: state.check_shape(op, g.shape), fold)
        return apply_gradient


class AccumulatorTakeGradient(_AccumulatorOp):
    """(handle, num_required) -> the mean (or sum) of the gradients, once num_required have come."""

    type = "ResourceAccumulatorTakeGradient"

    def infer(op):
        acc = op.attrs["accumulator"]
        return [(acc._shape.dims_tuple, acc.dtype)]

    def kernel(op, ctx):
        acc, to_host, to_device = op.attrs["accumulator"], ctx.to_host, ctx.to_device
        mean = acc._reduction_type == "MEAN"

        def take_gradient(handle, num_required):
            def finish(total, count):
                return (total / count).astype(acc.dtype.np) if mean else total
            return to_device(_state(ctx, acc).take(ctx, op, int(to_host(num_required)), finish))
        return take_gradient


class SparseAccumulatorApplyGradient(_AccumulatorOp):
    """(handle, local_step, indices, values, shape): adds each row of values at its index unless stale."""

    type = "SparseAccumulatorApplyGradient"

    def infer(op):
        return []

    def kernel(op, ctx):
        acc, to_host, known = op.attrs["accumulator"], ctx.to_host, op.attrs["has_known_shape"]

        def apply_gradient(handle, local_step, indices, values, shape):
            state = _state(ctx, acc)
            idx, vals = np.asarray(to_host(indices)).reshape(-1), np.asarray(to_host(values))

            def check():
                if vals.ndim == 0 or vals.shape[0] != len(idx):
                    raise op_error(errors.InvalidArgumentError, op, f"Expected {len(idx)} non-empty input values, "
                                                                    f"got {vals.shape[0] if vals.ndim else 0}")
                if state.shape is None:
                    state.shape = [None, *vals.shape[1:]]
                for i, (want, got) in enumerate(zip(state.shape[1:], vals.shape[1:]), start=1):
                    if want is not None and want != got:
                        raise op_error(errors.InvalidArgumentError, op, f"Shape mismatch: expected values dim {i} "
                                                                        f"to be {want}, got {got}")
                if known:
                    for i, (want, got) in enumerate(zip(state.shape, np.asarray(to_host(shape)).tolist())):
                        if want is not None and want != got:
                            raise op_error(errors.InvalidArgumentError, op, f"Shape mismatch: expected shape dim "
                                                                            f"{i} to be {want}, got {got}")
                        state.shape[i] = got

            def fold():
                rows = {} if state.total is None else state.total
                for i, row in zip(idx.tolist(), vals):
                    if i in rows:
                        rows[i][0] = rows[i][0] + row
                        rows[i][1] += 1
                    else:
                        rows[i] = [row.astype(acc.dtype.np, copy=True), 1]
                state.total = rows
            state.add(int(to_host(local_step)), check, fold)
        return apply_gradient


class SparseAccumulatorTakeGradient(_AccumulatorOp):
    """(handle, num_required) -> (indices, values, shape): rows sorted by index, averaged per index for MEAN."""

    type = "SparseAccumulatorTakeGradient"

    def infer(op):
        acc = op.attrs["accumulator"]
        inner = acc._shape.dims_tuple[1:] if acc._shape.ndims else None
        return [((None,), _dtypes.int64), (None if inner is None else (None, *inner), acc.dtype),
                ((None,), _dtypes.int64)]

    def kernel(op, ctx):
        acc, to_host, to_device = op.attrs["accumulator"], ctx.to_host, ctx.to_device
        mean = acc._reduction_type == "MEAN"

        def take_gradient(handle, num_required):
            state = _state(ctx, acc)

            def finish(rows, count):
                keys = sorted(rows)
                vals = [rows[k][0] / rows[k][1] if mean else rows[k][0] for k in keys]
                inner = state.shape[1:]
                values = (np.stack(vals).astype(acc.dtype.np) if vals
                          else np.zeros((0, *[d or 0 for d in inner]), acc.dtype.np))
                shape = np.array([-1 if d is None else d for d in state.shape], np.int64)
                return [to_device(np.array(keys, np.int64)), to_device(values), to_device(shape)]
            return state.take(ctx, op, int(to_host(num_required)), finish)
        return take_gradient


class SparseAccumulatorNumAccumulated(AccumulatorNumAccumulated):
    type = "AccumulatorNumAccumulated"


class SparseAccumulatorSetGlobalStep(AccumulatorSetGlobalStep):
    type = "AccumulatorSetGlobalStep"


class ConditionalAccumulatorBase:
    """What both accumulators share: the handle, dtype, shape, `num_accumulated` and `set_global_step`."""

    _num_op, _step_op = AccumulatorNumAccumulated, AccumulatorSetGlobalStep

    def __init__(self, dtype, shape, accumulator_ref):
        self._dtype = _dtypes.as_dtype(dtype).base_dtype
        self._shape = TensorShape(shape)
        self._accumulator_ref = accumulator_ref
        self._name = accumulator_ref.op.name.split("/")[-1]

    accumulator_ref = property(lambda self: self._accumulator_ref)
    name = property(lambda self: self._accumulator_ref.op.name)
    dtype = property(lambda self: self._dtype)

    def num_accumulated(self, name=None):
        """How many gradients have been accumulated since the last take_grad (int32)."""
        return apply_op(self._num_op, [self._accumulator_ref], {"accumulator": self},
                        name or f"{self._name}_NumAccumulated")

    def set_global_step(self, new_global_step, name=None):
        """Sets the step below which applied gradients are stale."""
        step = cast(convert_to_tensor(new_global_step), _dtypes.int64)
        return apply_op(self._step_op, [self._accumulator_ref, step], {"accumulator": self},
                        name or self._step_op.type)


def _make(cls, handle, dtype, shape, name, reduction_type):
    if reduction_type not in ("MEAN", "SUM"):
        raise ValueError(f"Attr 'reduction_type' of '{handle.type}' Op passed string '{reduction_type}' not in: "
                         f'"MEAN", "SUM".')
    dt = _dtypes.as_dtype(dtype).base_dtype
    if dt not in (_dtypes.float16, _dtypes.float32, _dtypes.float64):
        raise TypeError(f"{cls.__name__} accumulates float16, float32 or float64 gradients (TF has kernels for "
                        f"no other), got {dt.name}")
    return apply_op(handle, [], {}, name, graph=get_default_graph())


class ConditionalAccumulator(ConditionalAccumulatorBase):
    """`tf.ConditionalAccumulator(dtype, shape=None, shared_name=None, name="conditional_accumulator",
    reduction_type="MEAN")`: dense gradients."""

    def __init__(self, dtype, shape=None, shared_name=None, name="conditional_accumulator", reduction_type="MEAN"):
        self._reduction_type = reduction_type
        super().__init__(dtype, shape, _make(type(self), AccumulatorHandle, dtype, shape, name, reduction_type))

    def apply_grad(self, grad, local_step=0, name=None):
        """Adds `grad` (its shape must fit the accumulator's) unless `local_step` is below the global step."""
        grad = convert_to_tensor(grad, self._dtype)
        grad.shape.assert_is_compatible_with(self._shape)
        step = cast(convert_to_tensor(local_step), _dtypes.int64)
        return apply_op(AccumulatorApplyGradient, [self._accumulator_ref, step, grad], {"accumulator": self},
                        name or "ResourceAccumulatorApplyGradient")

    def take_grad(self, num_required, name=None):
        """The mean (or sum) of the gradients, once `num_required` have been applied: waits until then."""
        n = convert_to_tensor(num_required, _dtypes.int32)
        return apply_op(AccumulatorTakeGradient, [self._accumulator_ref, n], {"accumulator": self},
                        name or "ResourceAccumulatorTakeGradient")


#: What SparseConditionalAccumulator.take_grad gives (and `s.run` of it): (indices, values, shape), by name too.
SparseTakeGradient = collections.namedtuple("SparseAccumulatorTakeGradient", ["indices", "values", "shape"])


class SparseConditionalAccumulator(ConditionalAccumulatorBase):
    """`tf.SparseConditionalAccumulator(dtype, shape=None, shared_name=None,
    name="sparse_conditional_accumulator", reduction_type="MEAN")`: IndexedSlices gradients."""

    _num_op, _step_op = SparseAccumulatorNumAccumulated, SparseAccumulatorSetGlobalStep

    def __init__(self, dtype, shape=None, shared_name=None, name="sparse_conditional_accumulator",
                 reduction_type="MEAN"):
        self._reduction_type = reduction_type
        super().__init__(dtype, shape, _make(type(self), SparseAccumulatorHandle, dtype, shape, name,
                                             reduction_type))

    def apply_grad(self, grad_indices, grad_values, grad_shape=None, local_step=0, name=None):
        """Adds the rows `grad_values` at `grad_indices` (a dense shape `grad_shape` is checked when given)."""
        step = cast(convert_to_tensor(local_step), _dtypes.int64)
        indices = cast(convert_to_tensor(grad_indices, preferred_dtype=_dtypes.int64), _dtypes.int64)
        values = convert_to_tensor(grad_values, self._dtype)
        shape = cast(convert_to_tensor([] if grad_shape is None else grad_shape, preferred_dtype=_dtypes.int64),
                     _dtypes.int64)
        return apply_op(SparseAccumulatorApplyGradient, [self._accumulator_ref, step, indices, values, shape],
                        {"accumulator": self, "has_known_shape": grad_shape is not None},
                        name or "SparseAccumulatorApplyGradient")

    def apply_indexed_slices_grad(self, grad, local_step=0, name=None):
        """apply_grad of an IndexedSlices."""
        return self.apply_grad(grad.indices, grad.values, grad.dense_shape, local_step, name)

    def take_grad(self, num_required, name=None):
        """(indices, values, shape) of the averaged (or summed) rows once `num_required` gradients came."""
        n = convert_to_tensor(num_required, _dtypes.int32)
        out = apply_op(SparseAccumulatorTakeGradient, [self._accumulator_ref, n], {"accumulator": self},
                       name or "SparseAccumulatorTakeGradient")
        return SparseTakeGradient(*out)

    def take_indexed_slices_grad(self, num_required, name=None):
        """take_grad as an IndexedSlices."""
        indices, values, shape = self.take_grad(num_required, name)
        return IndexedSlices(values, indices, shape)

