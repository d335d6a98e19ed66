"""What a kernel may touch besides its input arrays: the array module, the session's variable buffers,
and per-op random generators. One RunContext per Session; an eager mode would make its own."""
from __future__ import annotations

import contextlib
import sys
import threading
import time

import numpy as np

from . import blas, gemm_pool
from .backends import get_backend


def _no_gemm(*args):
    return False


def _no_threads():
    return None


class RunContext:
    """`xp`, `to_device` and `to_host` come from the backend (runtime/backends.py) and are plain attributes,
    so kernels bind them once: NumPy with identity transfers on the CPU, CuPy on a GPU."""

    def __init__(self, backend=None, matmul_precision="float32"):
        backend = get_backend("cpu") if backend is None else get_backend(backend)
        self.backend = backend
        self.xp = backend.xp
        #: Products of float32 operands: `xp.matmul`, or the backend's at a lower precision (runtime/precision.py).
        self.matmul_precision = matmul_precision
        self.matmul_f32 = backend.matmul(matmul_precision)
        #: `gemm(a, ta, b, tb, c, alpha, beta) -> bool`: c <- alpha·op(a)·op(b) + beta·c in c's buffer by NumPy's own
        #: BLAS (runtime/blas.py), so a sum of products needs no product arrays and no addition passes. False (and
        #: nothing done) where it cannot: another backend or dtype, a lower matmul precision; the caller then
        #: computes the product with `xp`.
        self.gemm = blas.gemm if backend.xp is np and matmul_precision == "float32" and blas.available() \
            else _no_gemm
        #: runtime/gemm_pool.py where a convolution's passes may be split over its threads (`conv_forward`,
        #: `conv_input_grad`: False while the pool is not running), or None: another backend, a lower precision.
        self.conv_pool = gemm_pool if self.gemm is not _no_gemm else None
        #: runtime/recurrent.py (compiled LSTM sequence loops) where Numba and NumPy's BLAS serve this context and
        #: islands are compiled (GRAPHGRAD_JIT), else None; imported on first use.
        self._recurrent = None if self.gemm is _no_gemm else False
        #: `blas_threads() -> int | None`: the threads `gemm` runs a product on now (None without `gemm`).
        self.blas_threads = blas.threads if self.gemm is not _no_gemm else _no_threads
        #: Host data (constants, random draws, feeds) as the backend's array type; identity on the CPU.
        #: tf.string (object) arrays stay NumPy arrays on every backend.
        self.to_device = backend.to_device
        #: A backend array as NumPy (a copy on a GPU; identity on the CPU, where the plan copies aliasing fetches).
        self.to_host = backend.to_host
        self.variables: dict = {}   # VariableV2 op -> array (the session owns variable values, on the device)
        #: How many times a variable's buffer was put in or replaced (`set_variable`); in-place writes do not
        #: count. A holder of aliases of the buffers (tf.function's captured variables) re-reads them when it moved.
        self.replacements = 0
        self._rngs: dict = {}       # random op -> np.random.Generator, so each session replays its seeds
        self.stderr = None          # where Print writes; None means sys.stderr at call time
        self.print_counts: dict = {}  # Print op -> times printed (for first_n), per session
        #: Held by every run that touches state (variables, random streams, Print counters): runs are atomic.
        #: Re-entrant, so a tf.cond branch or a py_func may run plans inside a run.
        self.lock = threading.RLock()
        self.optimize = True        # whether plans compiled inside a run (tf.cond branches) get the graph passes
        #: Per-session state of ops above the runtime (tf.data iterators: their position, background threads):
        #: key -> object; values with a `close()` are closed when the session closes (`close`).
        self.resources: dict = {}
        self._deadlines = threading.local()  # per thread: the monotonic time its run's waits must end by

    def compiled_loop(self, name):
        """runtime/jitlib.py's loop `name` (an op's `jit` template calls the same one) where that module is loaded
        already (the GEMM pool's workers or a plan's islands loaded it, and Numba with it) and the arrays are
        NumPy's, else None: a kernel then makes one compiled pass where its NumPy form makes several (an eager
        max pool's gradient), without loading Numba (~130 MiB) for it."""
        module = sys.modules.get("graphgrad.runtime.jitlib") if self.xp is np else None
        return None if module is None else getattr(module, name, None)  # (None while another thread imports it)

    def compiled_update(self, rule, store, keys, arrays, scalars):
        """An optimizer's update `rule` of the buffers `store[key]` (the variable first, then its slots) run
        compiled in this thread, as one loop (runtime/gemm_pool.py `update_here`), where runtime/jitlib.py is
        loaded already (see `compiled_loop`), the arrays are NumPy's and the variable is big enough: the updated
        variable, or None (the caller runs its NumPy kernel)."""
        if self.xp is not np or "graphgrad.runtime.jitlib" not in sys.modules:
            return None
        outs = [store[k] for k in keys]
        return outs[0] if gemm_pool.update_here(rule, outs, arrays, scalars) else None

    @property
    def recurrent(self):
        """runtime/recurrent.py, or None (see `_recurrent`)."""
        if self._recurrent is False:
            from . import jit
            self._recurrent = None
            if jit.jit_default():
                try:
                    from . import recurrent
                    self._recurrent = recurrent
                except ImportError:  # NumPy's BLAS exports no cblas_sgemm to call
                    pass
        return self._recurrent

    @contextlib.contextmanager
    def lock_released(self):
        """Let other runs take the session's lock while this thread waits for one of them (a queue op blocked
        until another thread's run enqueues, docs/queues.md): released however deeply this thread holds it, and
        taken back before the run goes on. Whatever waits inside must not hold the lock of the session, so a
        blocking op never holds it while it blocks: a run is atomic up to its first wait, not across it."""
        lock = self.lock
        if not lock._is_owned():
            yield
            return
        state = lock._release_save()
        try:
            yield
        finally:
            lock._acquire_restore(state)

    @contextlib.contextmanager
    def deadline(self, seconds):
        """Within it, this thread's run has `seconds` to finish its waits (RunOptions.timeout_in_ms)."""
        self._deadlines.at = time.monotonic() + seconds
        try:
            yield
        finally:
            self._deadlines.at = None

    def time_left(self):
        """Seconds left before this thread's run deadline, or None without one (a blocking op's wait)."""
        at = getattr(self._deadlines, "at", None)
        return None if at is None else at - time.monotonic()

    def close(self):
        """Release the per-session state: close every resource that can be closed (stops tf.data's prefetch
        threads), then forget them. Never waits for a resource's background work to finish."""
        resources, self.resources = self.resources, {}
        for r in list(resources.values()):
            close = getattr(r, "close", None)
            if close is not None:
                close()

    def set_variable(self, key, value):
        """Put `value` as the buffer of variable `key` (a first value, or one of another shape): every writer
        that replaces a buffer rather than writing into it goes through here, so `replacements` counts it."""
        self.variables[key] = value
        self.replacements += 1

    def subplan(self, fetches, feeds):
        """A compiled plan of part of the graph, run by an op inside another plan (a tf.cond branch, a loop
        body): `plan(feed_values) -> fetched values`, which stay arrays on the device. Ops get sub-plans here,
        so ops/ never imports the runtime."""
        from .plan import Plan  # late: plan.py imports this module

        return Plan(self, fetches, feeds, optimize=self.optimize, inner=True)

    def rng(self, op) -> np.random.Generator:
        """The op's random stream (on the host, so a seed gives the same numbers on every backend): seeded
        from (seed, seed2) when the graph or op has a seed, else fresh."""
        gen = self._rngs.get(op)
        if gen is None:
            seed, seed2 = op.attrs.get("seed", 0), op.attrs.get("seed2", 0)
            gen = np.random.default_rng([seed, seed2]) if (seed or seed2) else np.random.default_rng()
            self._rngs[op] = gen
        return gen
