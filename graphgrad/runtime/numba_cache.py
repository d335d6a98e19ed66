"""Numba's on-disk cache of graphgrad's compiled runtime, kept in step with the sources.

Numba keys each cached function by its own file's timestamp, and a function's cached code holds the code of the
compiled functions it calls: runtime/recurrent.py's loops hold gemm_pool_kernels.py's step blocks, which hold
jitlib.py's LSTM rows, and the plans' islands (runtime/jit.py) hold jitlib's functions. An edit to a callee
(a `git pull` in an editable install) would leave its callers running the old code. So the cache files of
graphgrad/runtime/__pycache__ are deleted whenever the compiled runtime's sources changed since they were written
(`refresh`, once per process before the first of them loads), and island files are named by a hash that includes
these sources (`digest`)."""
from __future__ import annotations

import functools
import glob
import hashlib
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
#: The runtime files whose Numba functions call each other's.
SOURCES = ("jitlib.py", "gemm_pool_kernels.py", "recurrent.py")
_STAMP = "graphgrad_numba_sources.sha1"


@functools.lru_cache(maxsize=None)
def digest() -> str:
    """A hash of SOURCES' contents."""
    h = hashlib.sha1()
    for name in SOURCES:
        with open(os.path.join(_HERE, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def refresh() -> bool:
    """Delete this folder's Numba cache files when SOURCES changed since they were cached; whether it did."""
    cache = os.path.join(_HERE, "__pycache__")
    stamp = os.path.join(cache, _STAMP)
    try:
        with open(stamp) as f:
            if f.read().strip() == digest():
                return False
    except OSError:
        pass
    try:
        os.makedirs(cache, exist_ok=True)
        for path in glob.glob(os.path.join(cache, "*.nbi")) + glob.glob(os.path.join(cache, "*.nbc")):
            try:
                os.remove(path)
            except FileNotFoundError:  # another process cleared it first
                pass
        tmp = f"{stamp}.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(digest())
        os.replace(tmp, stamp)
    except OSError:  # a read-only install: Numba caches elsewhere (its user-wide folder) or not at all
        return False
    return True
