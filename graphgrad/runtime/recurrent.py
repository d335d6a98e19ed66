"""The compiled loops of ops/lstm_sequence_ops.py (float32, with the `jit` extra): an LSTM sequence forward and
backward, step after step in one Numba function each, with no Python between the steps.

A sequence is one task of the GEMM pool (runtime/gemm_pool_kernels.py `run_rows`): the batch's rows cut in
blocks, and for its block of rows a thread runs every step, the step's product (the previous h by the recurrent
kernel, added onto the step's projected inputs; backward, the gates' gradient by the kernel's transpose) and the
gate arithmetic (runtime/jitlib.py's `lstm_gates` / `lstm_gates_grad` formulas, the islands' LSTMGates). A row's
steps need only that row's h and c, so the caller and the worker each take whole blocks and never wait for each
other between steps. Where the pool does not run, the calling thread runs the blocks itself.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import gemm_pool
from .gemm_pool_kernels import ALIGN, LSTM_BACKWARD, LSTM_FORWARD, WORDS, WORKERS, run_rows

_NO_POOL = np.zeros(WORDS, np.int64), np.zeros(2)  # a task slot no worker serves


@njit(nogil=True, cache=True)
def _blocks(ctrl, batch):
    """Rows per block: the batch over the threads (caller and workers), in multiples of ALIGN."""
    parts = ctrl[WORKERS] + 1
    size = (batch + parts - 1) // parts
    return max(ALIGN, (size + ALIGN - 1) // ALIGN * ALIGN)


@njit(nogil=True, cache=True)
def _forward(ctrl, fctrl, xw, wh, bias, c0, h0, half_fb, h, c, acts, tc):
    steps, batch, n4 = xw.shape
    words = np.array([xw.ctypes.data, h0.ctypes.data, wh.ctypes.data, c0.ctypes.data, acts.ctypes.data,
                      c.ctypes.data, tc.ctypes.data, h.ctypes.data, batch, n4 // 4, bias.ctypes.data, steps, 0])
    run_rows(ctrl, fctrl, np.zeros(ctrl.shape[0], np.int64), LSTM_FORWARD, words, batch, _blocks(ctrl, batch),
             half_fb)


@njit(nogil=True, cache=True)
def _backward(ctrl, fctrl, wh_t, c0, c, acts, tc, dh, dxw, dcn, dhn, db_rows):
    steps, batch, n4 = acts.shape
    words = np.array([dh.ctypes.data, dhn.ctypes.data, wh_t.ctypes.data, c0.ctypes.data, acts.ctypes.data,
                      c.ctypes.data, tc.ctypes.data, dxw.ctypes.data, batch, n4 // 4, db_rows.ctypes.data, steps,
                      dcn.ctypes.data, dh.strides[0] // 4, dh.strides[1] // 4])
    run_rows(ctrl, fctrl, np.zeros(ctrl.shape[0], np.int64), LSTM_BACKWARD, words, batch, _blocks(ctrl, batch), 0.0)


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
    if dh.dtype != np.float32 or dh.strides[2] != 4 or dh.strides[0] % 4 or dh.strides[1] % 4:
        dh = _c(dh)  # read in place when its rows are float32 runs (a transposed batch-major gradient is)
    _backward(ctrl, fctrl, _c(wh.T), _c(c0), _c(c), _c(acts), _c(tc), dh, dxw, dc0, dh0, db_rows)
    return db_rows.sum(axis=0)
