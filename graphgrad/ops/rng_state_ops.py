"""The state ops of `tf.random.Generator`: `RngReadAndSkip` hands out the Philox state (counter, counter, key:
three int64) and moves the variable's counter on by 256 blocks per requested output, as TF's kernel does, so the
draws of consecutive calls never overlap; `NonDeterministicInts` gives a fresh state from the OS."""
from __future__ import annotations

import secrets

import numpy as np

from ..framework import dtypes
from ..framework.op_def import OpDef, not_differentiable
from .array_ops import _shape_from_tensor
from .state_ops import MutatingOp

_U64 = 2**64


class RngReadAndSkip(MutatingOp):
    """RngReadAndSkip(state; delta): the int64 state [counter_lo, counter_hi, key] before the call; the
    128-bit counter grows by 256 · delta."""

    type = "RngReadAndSkip"
    host_kernel = True
    gradient = not_differentiable

    def infer(op):
        MutatingOp.infer(op)
        if op.inputs[0].dtype.base_dtype != dtypes.int64:
            raise TypeError(f"RngReadAndSkip needs an int64 state variable, got {op.inputs[0].dtype.base_dtype.name}")
        return [((3,), dtypes.int64)]

    def kernel(op, ctx):
        store, var, to_host, to_dev = ctx.variables, op.inputs[0].op, ctx.to_host, ctx.to_device

        def read_and_skip(delta):
            state = np.asarray(to_host(store[var]))
            before = state.copy()
            c = (int(state[0]) % _U64 | (int(state[1]) % _U64) << 64) + 256 * int(delta)
            new = np.array([c % _U64, (c >> 64) % _U64], np.uint64).view(np.int64)
            state = state.copy()
            state[:2] = new
            ctx.set_variable(var, to_dev(state))
            return before
        return read_and_skip

    def can_fail(op):
        return False


class NonDeterministicInts(OpDef):
    """NonDeterministicInts(shape): int64 values from the operating system's entropy, fresh each run."""

    type = "NonDeterministicInts"
    stateful = True
    host_kernel = True
    gradient = not_differentiable

    def infer(op):
        return [(_shape_from_tensor(op.inputs[0]), op.attrs["dtype"])]

    def kernel(op, ctx):
        dt = op.attrs["dtype"].np

        def draw(shape):
            shape = tuple(int(v) for v in np.asarray(shape).reshape(-1))
            n = int(np.prod(shape, dtype=np.int64))
            return np.frombuffer(secrets.token_bytes(8 * n), np.int64).astype(dt).reshape(shape)
        return draw
