"""glibc's malloc told to keep a training step's buffers for the next step instead of handing them back to the
kernel (`tune`, called once when graphgrad is imported).

A step allocates and frees the same arrays every time: activations, patch matrices, gradients, temporaries of
a few MB each. By default glibc serves such sizes from fresh `mmap`s (below a threshold that it raises as it
goes) and gives the top of its heap back to the kernel once 128 KiB or more lie free there, so the next step
faults every page of those arrays in again, zeroed by the kernel: on the 2-core VM this project measures on, a
deep MNIST CNN (hunkim's lab-11-2: three 3x3 convolutions, max pools, dropout) spent a third of its step in
page faults, 77 against 46 ms a step with the buffers kept (TensorFlow: 40 ms; its allocator never gives
memory back either). `tune` sets glibc's `M_MMAP_THRESHOLD` to its largest value, 32 MiB (larger arrays are
still mapped and unmapped one by one, so a huge evaluation batch's memory goes back when it is freed), and
`M_TRIM_THRESHOLD` to 1 GiB, so the heap keeps up to that much free memory for the next step.

It changes nothing where the allocator is not glibc's (macOS, Windows, musl, or jemalloc/tcmalloc preloaded:
glibc's setting then applies to an allocator nobody calls), nor where the user tuned glibc already
(`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_` or `GLIBC_TUNABLES` in the environment).
`GRAPHGRAD_MALLOC=0` turns it off. The cost: the process's resident memory stays at the peak of its heap (as
under TensorFlow's and PyTorch's caching allocators) instead of shrinking between steps.
"""
from __future__ import annotations

import ctypes
import os
import sys

ENV_VAR = "GRAPHGRAD_MALLOC"
#: glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: the largest mmap threshold glibc accepts on 64-bit systems (HEAP_MAX_SIZE / 2)
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 1 << 30
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")

_tuned = None   # what `tune` did: None before it ran, then True or False


def tune() -> bool:
    """Set glibc's thresholds as the module's docstring says, once per process; True where they were set."""
    global _tuned
    if _tuned is None:
        _tuned = _set()
    return _tuned


def tuned() -> bool:
    return bool(_tuned)


def _set() -> bool:
    if os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if not sys.platform.startswith("linux") or any(os.environ.get(k) for k in _USER_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    if not hasattr(libc, "gnu_get_libc_version"):   # not glibc: musl's mallopt does nothing
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
