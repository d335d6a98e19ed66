"""A whole LSTM sequence as one op each way, `LSTMSequence` and `LSTMSequenceGrad` (TF1's `LSTMBlockFusedCell`
does the same in C++; PyTorch's `nn.LSTM` on the CPU too).

`tf.nn.dynamic_rnn` of a standard LSTM cell (ops/../nn/rnn.py `_fused_lstm`) multiplies the inputs of every time
step by the kernel's input rows in one product before the recurrence ([T·B, d] by [d, 4n], the bias added there),
and this op runs only what must run step by step: the product of the previous h by the kernel's recurrent rows,
added to the step's projected inputs, and the cell's gate arithmetic (`LSTMGates`'s formulas). The gradient runs
the steps backwards the same way and leaves the big products to the end: the recurrent rows' gradient is one
product of all the steps' previous h by all the gates' gradients, and the inputs' gradient (and the input rows')
come from differentiating the product before the loop. With the `jit` extra, both loops are compiled
(runtime/recurrent.py) and each step's product is split over the GEMM pool's threads; without it, or for another
dtype or backend, they are NumPy (or CuPy) loops over the steps with LSTMGates' kernel arithmetic.

Second derivatives: `LSTMSequenceGrad`'s gradient differentiates the same sequence written as `tf.scan` over
`LSTMGates` steps (recomputed in the graph), whose derivatives of any order work.
"""
from __future__ import annotations

import threading

from ..framework.op_def import OpDef, static_shape
from .core import apply_op, convert_to_tensor, zeros_like
from .lstm_ops import _gates_grad_kernel, _gates_kernel, lstm_gates
from .nn_common import _is_zero
from .result_buffers import recycled

__all__ = ["lstm_sequence"]


def _units(op):
    return op.attrs["num_units"]


def _native(op, ctx):
    """runtime/recurrent.py where the run context offers it for this op's dtype (float32 on NumPy), else None."""
    rec = getattr(ctx, "recurrent", None)
    return rec if rec is not None and op.outputs[0].dtype.base_dtype.name == "float32" else None


class LSTMSequence(OpDef):
    """LSTMSequence(xw [T, B, 4n], w_h [n, 4n], bias [4n], c0 [B, n], h0 [B, n]; num_units, forget_bias) ->
    (h [T, B, n], c_last [B, n], h_last [B, n], c [T, B, n], acts [T, B, 4n], tanh_c [T, B, n]): per step t,
    gates = xw[t] + h[t-1]·w_h + bias (i, j, f, o), then LSTMGates' c and h. c, acts and tanh_c are what the gradient
    reads (the graph's users see h and the final state)."""

    type = "LSTMSequence"
    allocates = (0, 1, 2)  # h and the final state are new every run; c, acts and tanh_c are recycled
    reads_only = True
    large_products = True  # one product per step, the recurrence's

    def infer(op):
        xw, wh, bias, c0, h0 = op.inputs
        n, dt = _units(op), xw.dtype.base_dtype
        xs = static_shape(xw)
        if xs is not None and (len(xs) != 3 or xs[2] not in (None, 4 * n)):
            raise ValueError(f"LSTMSequence: the projected inputs must be [time, batch, {4 * n}], got {xs}")
        ws = static_shape(wh)
        if ws is not None and ws not in ((n, 4 * n),):
            raise ValueError(f"LSTMSequence: the recurrent kernel must be [{n}, {4 * n}], got {ws}")
        t, b = (None, None) if xs is None else xs[:2]
        return [((t, b, n), dt), ((b, n), dt), ((b, n), dt), ((t, b, n), dt), ((t, b, 4 * n), dt), ((t, b, n), dt)]

    def kernel(op, ctx):
        xp, n, native = ctx.xp, _units(op), _native(op, ctx)
        fb = float(op.attrs["forget_bias"])
        gates = _gates_kernel(xp, n, op.outputs[0].dtype.np, fb)
        mm = ctx.matmul_f32 if op.outputs[0].dtype.base_dtype.name == "float32" else xp.matmul
        local = threading.local()

        def lstm_sequence(xw, wh, bias, c0, h0):
            steps, batch = xw.shape[:2]
            saved = local.__dict__  # the gradient's tensors of the last run, once it has read them (result_buffers)
            h = xp.empty((steps, batch, n), xw.dtype)
            c, tc = (recycled(saved, k, xp, (steps, batch, n), xw.dtype) for k in ("c", "tanh_c"))
            acts = recycled(saved, "acts", xp, (steps, batch, 4 * n), xw.dtype)
            c_last, h_last = xp.empty((batch, n), xw.dtype), xp.empty((batch, n), xw.dtype)
            if native is not None:
                native.lstm_forward(xw, wh, bias, c0, h0, fb, h, c, acts, tc, c_last, h_last)
                return h, c_last, h_last, c, acts, tc
            cp, hp = c0, h0
            for t in range(steps):
                c[t], h[t], acts[t], tc[t] = gates(xw[t] + mm(hp, wh), cp, bias)
                cp, hp = c[t], h[t]
            c_last[...], h_last[...] = cp, hp
            return h, c_last, h_last, c, acts, tc
        return lstm_sequence

    def gradient(op, dh, dc_last, dh_last, dc, dacts, dtc):
        if not all(_is_zero(t) for t in (dc, dacts, dtc)):
            raise ValueError("LSTMSequence: its saved tensors (c, acts, tanh_c) are the gradient's, not to be "
                             "differentiated")
        if all(_is_zero(t) for t in (dh, dc_last, dh_last)):
            return [None] * 5
        h, c_last, h_last, c, acts, tc = op.outputs
        dh, dc_last, dh_last = (zeros_like(t) if _is_zero(d) else d
                                for d, t in ((dh, h), (dc_last, c_last), (dh_last, h_last)))
        xw, wh, bias, c0, h0 = op.inputs
        dxw, dwh, dc0, dh0, dbias = apply_op(LSTMSequenceGrad, [xw, wh, bias, c0, h0, h, c, acts, tc, dh, dc_last,
                                                                dh_last], dict(op.attrs), "LSTMSequenceGrad")
        return [dxw, dwh, dbias, dc0, dh0]


class LSTMSequenceGrad(OpDef):
    """LSTMSequenceGrad(xw, w_h, bias, c0, h0, h, c, acts, tanh_c, dh [T, B, n], dc_last, dh_last) ->
    (d xw [T, B, 4n], d w_h, d c0, d h0, d bias): back through the steps, LSTMGatesGrad's arithmetic per step
    and the product of the gates' gradient by w_hᵀ carried to the step before; d w_h as one product at the end,
    d bias as d xw summed. xw and bias are inputs for the second derivatives only (`gradient`)."""

    type = "LSTMSequenceGrad"
    allocates = (1, 2, 3, 4)  # d xw is recycled (result_buffers.py)
    reads_only = True
    large_products = True

    def infer(op):
        xw, wh, bias, c0, h0 = op.inputs[:5]
        return [(static_shape(t), t.dtype.base_dtype) for t in (xw, wh, c0, h0, bias)]

    def kernel(op, ctx):
        xp, n, native = ctx.xp, _units(op), _native(op, ctx)
        gates_grad = _gates_grad_kernel(xp, n, op.outputs[0].dtype.np)
        mm = ctx.matmul_f32 if op.outputs[0].dtype.base_dtype.name == "float32" else xp.matmul
        local = threading.local()

        def lstm_sequence_grad(xw, wh, bias, c0, h0, h, c, acts, tc, dh, dc_last, dh_last):
            steps, batch = h.shape[:2]
            dxw = recycled(local.__dict__, "dxw", xp, (steps, batch, 4 * n), h.dtype)
            dc0, dh0 = xp.empty((batch, n), h.dtype), xp.empty((batch, n), h.dtype)
            if native is not None:
                dbias = native.lstm_backward(wh, c0, c, acts, tc, dh, dc_last, dh_last, dxw, dc0, dh0)
            else:
                dcn, dhn = dc_last, dh_last
                for t in range(steps - 1, -1, -1):
                    dxw[t], dcn = gates_grad(c[t - 1] if t else c0, acts[t], tc[t], dcn, dh[t] + dhn)
                    dhn = mm(dxw[t], wh.T)
                dc0[...], dh0[...] = dcn, dhn
                dbias = dxw.reshape(-1, 4 * n).sum(axis=0)
            dwh = mm(h0.T, dxw[0]) if steps else xp.zeros(wh.shape, wh.dtype)
            if steps > 1:
                dwh += mm(h[:-1].reshape(-1, n).T, dxw[1:].reshape(-1, 4 * n))
            return dxw, dwh, dc0, dh0, dbias
        return lstm_sequence_grad

    def gradient(op, g_dxw, g_dwh, g_dc0, g_dh0, g_dbias):
        """Second derivatives: the first derivative recomputed in the graph from the sequence as `tf.scan` over
        LSTMGates steps (runtime values equal to this op's within rounding), and differentiated."""
        from ..autodiff import gradients
        xw, wh, bias, c0, h0, _, _, _, _, dh, dc_last, dh_last = op.inputs
        wrt = [xw, wh, c0, h0, bias]
        h, c_last, h_last = _scanned(xw, wh, bias, c0, h0, op.attrs["forget_bias"], _units(op))
        firsts = gradients([h, c_last, h_last], wrt, grad_ys=[dh, dc_last, dh_last])
        pairs = [(f, g) for f, g in zip(firsts, (g_dxw, g_dwh, g_dc0, g_dh0, g_dbias))
                 if f is not None and not _is_zero(g)]
        if not pairs:
            return [None] * len(op.inputs)
        # dh and the final state's gradients are inputs here: their own dependence on xw (through the loss) is the
        # outer sweep's to follow, not this one's
        upstream = [dh, dc_last, dh_last]
        seconds = gradients([f for f, _ in pairs], wrt + upstream, grad_ys=[g for _, g in pairs],
                            stop_gradients=upstream)
        xw_, wh_, c0_, h0_, bias_ = seconds[:5]
        return [xw_, wh_, bias_, c0_, h0_] + [None] * 4 + seconds[5:]


def _scanned(xw, wh, bias, c0, h0, forget_bias, n):
    """(h [T, B, n], c_last, h_last) of the sequence as tf.scan over LSTMGates steps."""
    from .functional_ops import scan
    from .matmul_ops import matmul

    def step(carry, x_t):
        c, h = carry
        return lstm_gates(x_t + matmul(h, wh), c, forget_bias, n, bias=bias)

    cs, hs = scan(step, xw, initializer=(c0, h0))
    return hs, cs[-1], hs[-1]


def lstm_sequence(xw, w_h, bias, c0, h0, forget_bias, num_units, name="lstm_sequence"):
    """(h [T, B, n], (c_last, h_last)) of the LSTM recurrence over projected inputs xw [T, B, 4n] (the inputs'
    product by the kernel's input rows) with the recurrent kernel w_h [n, 4n] and the bias [4n]."""
    inputs = [convert_to_tensor(t) for t in (xw, w_h, bias, c0, h0)]
    h, c_last, h_last = apply_op(LSTMSequence, inputs, {"num_units": num_units, "forget_bias": float(forget_bias)},
                                 name)[:3]
    return h, (c_last, h_last)
