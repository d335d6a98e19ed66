"""The LSTM cell's gate arithmetic as one op each way, `LSTMGates` and `LSTMGatesGrad` (TF1's fused
`LSTMBlockCell` does the same in C++).

Written out, `BasicLSTMCell`'s step after its matmul is a bias add, a split, three sigmoids, two tanhs, three
multiplies and two adds, and its gradient about twenty more ops: each a NumPy call on a [batch, units] slice, run
once per time step forward and again backward inside a `tf.while_loop`. Here the forward pass is five whole-array
passes over the [batch, 4·units] gates (bias included; σ(x) as tanh(x/2)/2 + 1/2, within an ulp or two of the
Sigmoid op) plus four over [batch, units]; the gradient writes the gates' gradient straight into one [batch,
4·units] array (no concat of four pieces) and keeps three of the cell's tensors per time step for the backward pass
instead of nine. `LSTMGatesGrad`'s own gradient is its arithmetic differentiated by hand, as graph ops, so second
and higher derivatives work, in graph mode and on eager tapes, as through the unfused ops.
"""
from __future__ import annotations

import numpy as np

from ..framework.op_def import OpDef, static_shape
from .arithmetic_ops import add
from .array_ops import concat, split
from .bias_ops import BiasAddGrad
from .core import apply_op, convert_to_tensor, zeros_like
from .nn_common import _is_zero
from .unary_ops import SigmoidGrad, TanhGrad

__all__ = ["lstm_gates"]


def _units(op):
    return op.attrs["num_units"]


class LSTMGates(OpDef):
    """LSTMGates(gates [batch, 4n] in TF1's order i, j, f, o, c_prev [batch, n][, bias [4n], added to the gates];
    forget_bias) -> (c, h, acts, tanh_c):
    c = c_prev·σ(f + forget_bias) + σ(i)·tanh(j), h = tanh(c)·σ(o); `acts` [batch, 4n] holds σ(i), tanh(j),
    σ(f + forget_bias), σ(o) and `tanh_c` is tanh(c): what the gradient reads."""

    type = "LSTMGates"

    def infer(op):
        g, c = op.inputs[:2]
        n, dt = _units(op), g.dtype.base_dtype
        gs, cs = static_shape(g), static_shape(c)
        batch = next((s[0] for s in (gs, cs) if s is not None and s[0] is not None), None)
        for s, w, what in ((gs, 4 * n, "gates"), (cs, n, "c_prev")):
            if s is not None and (len(s) != 2 or s[1] not in (None, w)):
                raise ValueError(f"LSTMGates: {what} must be [batch, {w}], got {s}")
        bs = static_shape(op.inputs[2]) if len(op.inputs) == 3 else None
        if bs is not None and bs not in ((4 * n,), (None,)):
            raise ValueError(f"LSTMGates: bias must be [{4 * n}], got {bs}")
        return [((batch, n), dt), ((batch, n), dt), ((batch, 4 * n), dt), ((batch, n), dt)]

    def kernel(op, ctx):
        return _gates_kernel(ctx.xp, _units(op), op.outputs[0].dtype.np, float(op.attrs["forget_bias"]))

    jit_calls = 12  # the kernel's NumPy passes, one loop per row when compiled

    def jit(op, facts):
        """float32: one loop (runtime/jitlib.py, its tanh the vectorizable rational form)."""
        if op.outputs[0].dtype.base_dtype.name != "float32":
            return None
        bias = "{i2}" if len(op.inputs) == 3 else "None"
        half_fb = float(np.float32(op.attrs["forget_bias"] * 0.5))
        return f"{{o0}}, {{o1}}, {{o2}}, {{o3}} = _lib.lstm_gates({{i0}}, {{i1}}, {bias}, np.float32({half_fb!r}))"

    def gradient(op, dc, dh, dacts, dtc):
        if all(_is_zero(t) for t in (dc, dh, dacts, dtc)):
            return [None] * len(op.inputs)
        new_c, new_h, acts, tc = op.outputs
        dc, dh = (zeros_like(t) if d is None else d for d, t in ((dc, new_c), (dh, new_h)))
        if not _is_zero(dtc):  # a second derivative reached tanh(c) (LSTMGatesGrad reads it)
            dc = add(dc, apply_op(TanhGrad, [tc, dtc]))
        dgates, dc_prev = apply_op(LSTMGatesGrad, [op.inputs[1], acts, tc, dc, dh], {"num_units": _units(op)},
                                   "LSTMGatesGrad")
        if not _is_zero(dacts):  # ... or the activations
            dgates = add(dgates, _activation_grads(acts, dacts))
        if len(op.inputs) == 3:
            return [dgates, dc_prev, apply_op(BiasAddGrad, [dgates], {"axis": -1})]
        return [dgates, dc_prev]


def _activation_grads(acts, dacts):
    """The gates' gradient from the activations' gradient: σ' on i, f, o and tanh' on j, as graph ops."""
    a, d = split(acts, 4, axis=1), split(dacts, 4, axis=1)
    return concat([apply_op(TanhGrad if k == 1 else SigmoidGrad, [a[k], d[k]]) for k in range(4)], 1)


class LSTMGatesGrad(OpDef):
    """LSTMGatesGrad(c_prev, acts, tanh_c, dc, dh) -> (d gates [batch, 4n], d c_prev): the gradient of LSTMGates
    from its saved activations."""

    type = "LSTMGatesGrad"
    reads_only = True

    def infer(op):
        c_prev, acts = op.inputs[:2]
        return [(static_shape(acts), acts.dtype.base_dtype), (static_shape(c_prev), c_prev.dtype.base_dtype)]

    def kernel(op, ctx):
        return _gates_grad_kernel(ctx.xp, _units(op), op.outputs[0].dtype.np)

    jit_calls = 14

    def jit(op, facts):
        return "{o0}, {o1} = _lib.lstm_gates_grad({i0}, {i1}, {i2}, {i3}, {i4})"

    def gradient(op, ddg, ddc):
        """Second derivatives, written out from the arithmetic above as graph ops (so eager tapes replay them
        too); `e` is the total gradient reaching d c."""
        if _is_zero(ddg) and _is_zero(ddc):
            return [None] * 5
        c, a, tc, dc, dh = op.inputs
        if ddc is None:
            ddc = zeros_like(c)
        i, j, f, o = split(a, 4, axis=1)
        gi, gj, gf, go = split(ddg if ddg is not None else zeros_like(a), 4, axis=1)
        si, sj, sf, so = i * (1.0 - i), 1.0 - j * j, f * (1.0 - f), o * (1.0 - o)
        u = 1.0 - tc * tc
        dct = dc + dh * o * u
        e = gi * j * si + gj * i * sj + gf * c * sf + ddc * f
        d_acts = concat([gi * dct * j * (1.0 - 2.0 * i) + gj * dct * sj,
                         gi * dct * si - 2.0 * gj * dct * i * j,
                         gf * dct * c * (1.0 - 2.0 * f) + ddc * dct,
                         e * dh * u + go * dh * tc * (1.0 - 2.0 * o)], 1)
        return [gf * dct * sf, d_acts, go * dh * so - 2.0 * e * dh * o * tc, e, e * o * u + go * tc * so]


def _gates_kernel(xp, n, dt, fb):
    """LSTMGates' kernel: (g [batch, 4n], c_prev[, bias]) -> (c, h, acts, tanh_c); also LSTMSequence's step."""
    # σ(x) = tanh(x/2)/2 + 1/2 (exact scalings by 1/2, no overflow for any x): one tanh over all four gates
    # and whole-array passes with per-column factors; the j columns get factor 1, shift 0, so tanh(j)
    half = np.full(4 * n, 0.5, dt)
    half[n:2 * n] = 1
    shift_in, shift_out = np.zeros(4 * n, dt), np.full(4 * n, 0.5, dt)
    shift_in[2 * n:3 * n] = fb * 0.5  # (f + forget_bias)/2, rounded as f/2 + forget_bias/2
    shift_out[n:2 * n] = 0
    half, shift_in, shift_out = xp.asarray(half), xp.asarray(shift_in), xp.asarray(shift_out)
    tanh_, mul = xp.tanh, xp.multiply

    def lstm_gates(g, c, b=None):
        a = mul(g, half)
        if b is None:
            a += shift_in
        else:  # (g + b + forget_bias)/2 as g/2 + (b/2 + forget_bias/2): no pass of its own for the bias
            shift = mul(b, half)
            shift += shift_in
            a += shift
        tanh_(a, out=a)
        a *= half
        a += shift_out                  # σ(i), tanh(j), σ(f + forget_bias), σ(o)
        new_c = mul(c, a[:, 2 * n:3 * n])
        new_c += mul(a[:, :n], a[:, n:2 * n])
        tc = tanh_(new_c)
        return new_c, mul(tc, a[:, 3 * n:]), a, tc
    return lstm_gates


def _gates_grad_kernel(xp, n, dt):
    """LSTMGatesGrad's kernel: (c_prev, acts, tanh_c, dc, dh) -> (d gates, d c_prev); also LSTMSequenceGrad's."""
    one = xp.ones((), dt)
    sig = np.ones(4 * n, dt)  # 1 on the σ columns, 0 on tanh(j)'s
    sig[n:2 * n] = 0
    sig, tanh_col = xp.asarray(sig), xp.asarray(1 - sig)
    mul, sub, empty = xp.multiply, xp.subtract, xp.empty_like

    def lstm_gates_grad(c_prev, a, tc, dc, dh):
        dct = mul(tc, tc)
        sub(one, dct, out=dct)
        mul(dct, dh, out=dct)
        mul(dct, a[:, 3 * n:], out=dct)
        dct += dc                                   # d c: from the next step and through h = tanh(c)·σ(o)
        d = empty(a)                                # d acts, then d gates
        mul(dct, a[:, n:2 * n], out=d[:, :n])       # d σ(i)
        mul(dct, a[:, :n], out=d[:, n:2 * n])       # d tanh(j)
        mul(dct, c_prev, out=d[:, 2 * n:3 * n])     # d σ(f)
        mul(dh, tc, out=d[:, 3 * n:])               # d σ(o)
        p = sub(sig, a)                             # σ' = σ·(1 - σ), tanh' = 1 + tanh·(0 - tanh)
        p *= a
        p += tanh_col
        d *= p
        return d, mul(dct, a[:, 2 * n:3 * n])
    return lstm_gates_grad


def lstm_gates(gates, c_prev, forget_bias, num_units, bias=None, name="lstm_gates"):
    """(c, h) of an LSTM step from its gates [batch, 4·num_units] (i, j, f, o; plus `bias` if given) and previous
    memory, fused."""
    inputs = [convert_to_tensor(t) for t in (gates, c_prev, bias) if t is not None]
    c, h, _, _ = apply_op(LSTMGates, inputs, {"num_units": num_units, "forget_bias": float(forget_bias)}, name)
    return c, h
