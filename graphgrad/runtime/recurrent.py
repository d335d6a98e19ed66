"""The compiled loops of ops/lstm_sequence_ops.py (float32, with the `jit` extra): an LSTM sequence forward and
backward, step after step in one Numba function each, with no Python between the steps.

Each step is a task of the GEMM pool (runtime/gemm_pool_kernels.py `run_rows`): the batch's rows cut in blocks,
and for its block of rows a thread makes the step's product (the previous h by the recurrent kernel, added onto
the step's projected inputs; backward, the gates' gradient by the kernel's transpose) and the gate arithmetic
(runtime/jitlib.py's `lstm_gates` / `lstm_gates_grad` formulas, the islands' LSTMGates). Rows are independent
within a step, so the caller and the worker each take whole blocks; the next step starts when both are done.
Where the pool does not run, the calling thread runs the blocks itself.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import gemm_pool
from .gemm_pool_kernels import ALIGN, LSTM_BACKWARD, LSTM_FORWARD, WORDS, run_rows

_NO_POOL = np.zeros(WORDS, np.int64), np.zeros(2)  # a task slot no worker serves


@njit(nogil=True, cache=True)
def _blocks(ctrl, batch):
    """Rows per block: the batch over the threads (caller and workers), in multiples of ALIGN."""
    parts = ctrl[20] + 1  # gemm_pool_kernels.WORKERS
    size = (batch + parts - 1) // parts
    return max(ALIGN, (size + ALIGN - 1) // ALIGN * ALIGN)


@njit(nogil=True, cache=True, inline="always")
def _step_words(words, x, h, w, c_prev, acts, c, tc, out, n, bias):
    """An LSTM step's task words (gemm_pool_kernels `_LX`..`_LBIAS`), from its arrays."""
    words[0], words[1], words[2], words[3] = x.ctypes.data, h.ctypes.data, w.ctypes.data, c_prev.ctypes.data
    words[4], words[5], words[6], words[7] = acts.ctypes.data, c.ctypes.data, tc.ctypes.data, out.ctypes.data
    words[8], words[9], words[10] = x.shape[0], n, bias.ctypes.data


@njit(nogil=True, cache=True)
def _forward(ctrl, fctrl, xw, wh, bias, c0, h0, half_fb, h, c, acts, tc):
    steps, batch, n4 = xw.shape
    local, words, block = _loop_state(ctrl, batch)
    for t in range(steps):
        _step_words(words, xw[t], h0 if t == 0 else h[t - 1], wh, c0 if t == 0 else c[t - 1], acts[t], c[t], tc[t],
                    h[t], n4 // 4, bias)
        run_rows(ctrl, fctrl, local, LSTM_FORWARD, words, batch, block, half_fb)


@njit(nogil=True, cache=True)
def _backward(ctrl, fctrl, wh_t, c0, c, acts, tc, dh, dxw, dcn, dhn, db_rows):
    steps, batch, n4 = acts.shape
    local, words, block = _loop_state(ctrl, batch)
    for t in range(steps - 1, -1, -1):
        _step_words(words, dh[t], dhn, wh_t, c0 if t == 0 else c[t - 1], acts[t], dcn, tc[t], dxw[t], n4 // 4,
                    db_rows)
        run_rows(ctrl, fctrl, local, LSTM_BACKWARD, words, batch, block, 0.0)


@njit(nogil=True, cache=True, inline="always")
def _loop_state(ctrl, batch):
    """(a private task slot, the task words, rows per block) of a loop over the steps."""
    return np.zeros(ctrl.shape[0], np.int64), np.zeros(11, np.int64), _blocks(ctrl, batch)


def _slot():
    st = gemm_pool._state
    return (st[0], st[1]) if st is not None else _NO_POOL


def _c(x):
    return np.ascontiguousarray(x, np.float32)


def lstm_forward(xw, wh, bias, c0, h0, forget_bias, h, c, acts, tc, c_last, h_last):
    """LSTMSequence's outputs written into h, c, acts, tc [T, B, ...] (C-contiguous) and c_last, h_last [B, n]."""
    ctrl, fctrl = _slot()
    c0, h0 = _c(c0), _c(h0)
    _forward(ctrl, fctrl, _c(xw), _c(wh), _c(bias), c0, h0, float(np.float32(forget_bias * 0.5)), h, c, acts, tc)
    c_last[...], h_last[...] = (c[-1], h[-1]) if len(h) else (c0, h0)


def lstm_backward(wh, c0, c, acts, tc, dh, dc_last, dh_last, dxw, dc0, dh0):
    """LSTMSequenceGrad's step-by-step part: dxw [T, B, 4n] written, dc0 and dh0 (the carried gradients, which
    start as dc_last, dh_last); returns the bias gradient (dxw summed over steps and rows, in that order)."""
    ctrl, fctrl = _slot()
    dc0[...], dh0[...] = dc_last, dh_last
    db_rows = np.zeros((c.shape[1], acts.shape[2]), np.float32)
    _backward(ctrl, fctrl, _c(wh.T), _c(c0), _c(c), _c(acts), _c(tc), _c(dh), dxw, dc0, dh0, db_rows)
    return db_rows.sum(axis=0)
