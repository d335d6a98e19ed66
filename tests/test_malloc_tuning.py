"""runtime/malloc_tuning.py: glibc keeps a step's freed buffers for the next step (no page faults again). Each
check runs in a fresh interpreter, since the setting is made once, when graphgrad is imported."""
from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import textwrap

import pytest

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "mallinfo2"),
                           reason="glibc 2.33+ (mallinfo2) on Linux")

_PROBE = """
    import ctypes, json
    import numpy as np
    import graphgrad
    from graphgrad.runtime import malloc_tuning

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                   "fsmblks", "uordblks", "fordblks", "keepcost")]
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = Info
    a = np.ones(8 << 18, np.float32)           # 8 MiB: glibc maps it apart unless told otherwise
    mapped = libc.mallinfo2().hblkhd
    del a
    kept = libc.mallinfo2().fordblks            # free bytes the heap keeps after the array is freed
    print(json.dumps([malloc_tuning.tuned(), mapped >= 8 << 20, kept >= 8 << 20]))
"""


def _probe(**env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    full.update(env)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_PROBE)], env=full, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@glibc
def test_graphgrad_keeps_freed_buffers_in_the_heap():
    tuned, mapped, kept = _probe()
    assert tuned and not mapped and kept   # from the heap, and still there after it is freed


@glibc
@pytest.mark.parametrize("env", [{"GRAPHGRAD_MALLOC": "0"}, {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_turned_off_or_tuned_by_the_user_glibc_keeps_its_defaults(env):
    tuned, mapped, kept = _probe(**env)
    assert not tuned and mapped and not kept
