"""Resampling weights of TF's ResizeBicubic and ResizeArea kernels, per axis, as (indices, weights) taps:
image/__init__.py's `_resize` turns them into gathers and products (so gradients flow), the width first and then
the height, as TF's kernels go; float32 arithmetic throughout, as TF's."""
from __future__ import annotations

import numpy as np

__all__ = ["area_taps", "bicubic_taps"]

_TABLE = 1024  # TF's bicubic kernel is tabulated at 1/1024 steps


def _cubic_table(a):
    """TF's ResizeBicubic coefficient table (float32): Keys' cubic with a = -0.75 (legacy) or -0.5 (half-pixel)."""
    x = np.arange(_TABLE + 1, dtype=np.float32) / np.float32(_TABLE)
    a = np.float32(a)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + np.float32(1)
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return near, far


def _scale(n_in, n_out, align_corners):
    if align_corners and n_out > 1:
        return np.float32(n_in - 1) / np.float32(n_out - 1)
    return np.float32(n_in) / np.float32(n_out)


def bicubic_taps(n_in, n_out, half_pixel, align_corners):
    """[(indices, weights)] x 4 per output index, as TF's GetWeightsAndIndices: the source position (float32),
    its fraction rounded to the table, indices clamped; with half-pixel centres (Keys' a = -0.5) taps outside the
    image weigh 0 and the rest are renormalized."""
    out = np.arange(n_out, dtype=np.float32)
    scale = _scale(n_in, n_out, align_corners)
    src = (out + np.float32(0.5)) * scale - np.float32(0.5) if half_pixel else out * scale
    base = np.floor(src).astype(np.int64)
    offset = np.rint((src - base) * np.float32(_TABLE)).astype(np.int64)
    near, far = _cubic_table(-0.5 if half_pixel else -0.75)
    weights = [far[offset], near[offset], near[_TABLE - offset], far[_TABLE - offset]]
    taps = []
    for k, w in zip(range(-1, 3), weights):
        idx = base + k
        clamped = np.clip(idx, 0, n_in - 1)
        taps.append([clamped.astype(np.int32), np.where(clamped == idx, w, np.float32(0)) if half_pixel else w])
    if half_pixel:
        total = sum(w for _, w in taps)
        ok = np.abs(total) >= np.float32(1000) * np.finfo(np.float32).tiny
        for tap in taps:
            tap[1] = np.where(ok, tap[1] * (np.float32(1) / np.where(ok, total, 1)), tap[1])
    return taps


def area_taps(n_in, n_out, align_corners):
    """TF's ResizeArea along one axis: output i averages the input cells under [i·scale, (i+1)·scale), the end
    cells by the part of them covered (indices clamped), weights divided by the scale."""
    scale = _scale(n_in, n_out, align_corners)
    rows = []
    for i in range(n_out):
        lo, hi = np.float32(i) * scale, np.float32(i + 1) * scale
        cells = []
        for j in range(int(np.floor(lo)), int(np.ceil(hi))):
            w = (scale if j + 1 > hi else np.float32(j + 1) - lo) if j < lo else \
                (hi - np.float32(j) if j + 1 > hi else np.float32(1))
            cells.append((min(max(j, 0), n_in - 1), np.float32(w) / scale))
        rows.append(cells)
    width = max(len(c) for c in rows)
    return [[np.array([c[k][0] if k < len(c) else 0 for c in rows], np.int32),
             np.array([c[k][1] if k < len(c) else 0 for c in rows], np.float32)] for k in range(width)]
