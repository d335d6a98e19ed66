"""Peer implementations of the benchmark workloads.

Interface of a peer module (graphgrad's ``graphgrad_peer`` included):

- ``make_step(workload, params, data, *, threads=None, forward_only=False) -> step``: ``params`` is a list of
  ``(W (fan_in, fan_out), b)`` float32 NumPy arrays (the peer's own copy), ``data`` is ``{"x", "y"}`` from
  ``bench.workloads.make_data``; each ``step()`` trains on the next mini-batch of ``workloads.batches``
  (cycling) and returns the loss (float, 0-d array, or anything ``float(np.asarray(...))`` takes after an
  optional ``block_until_ready()``). ``threads`` and ``forward_only`` are passed only if accepted.
- optional ``make_matmul(n, *, threads=None) -> mm``: one float32 ``n x n @ n x n`` product per call.
- optional ``make_loop(n, *, threads=None) -> loop``: L1, one run of the library's while loop counting from 0 to
  ``n`` per call (``tf.while_loop``, ``lax.while_loop``, a Python loop over NumPy scalars), returning ``n``.
- optional ``cold_start(workload, params, data, *, threads=None) -> dict`` (W4, run in a fresh process): build
  the training step from nothing and run it once, timing each phase with a ``Clock``; returns ``Clock.result``:
  seconds per phase among ``build`` (forward model / graph, variables), ``grad`` (gradient and update
  construction, init op), ``session`` (Session creation and variable initialisation), ``compile`` (plan,
  executor or XLA compilation), ``first_step`` (the first training step, synced), leaving out the phases the
  peer does not have, plus ``loss`` (the first step's loss) and ``steady`` (median of the next steps).
- optional ``LIBRARY`` and ``VERSION`` strings for the report header.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

# With the jit extra installed, graphgrad's plans (graph mode and tf.function) compile their islands
# (runtime/jit.py) after the fourth step (whether they pay is judged on the fastest of the four: W5's first three
# are several times longer than the rest, so any saving would look small): the harness's loss check (its fifth
# step, with the full settings) then compares the compiled code with the other peers, and the compile time
# (seconds, or a load from the on-disk cache) falls before the timing starts, instead of in the middle of it after
# the default 20 runs and seconds of running. Scripts that compile first call the step WARM_STEPS times.
WARM_STEPS = 5
os.environ.setdefault("GRAPHGRAD_JIT_AFTER", str(WARM_STEPS - 1))
os.environ.setdefault("GRAPHGRAD_JIT_WAIT", "1")  # islands built ahead are in place after the warm-up (runtime/aot.py)
os.environ.setdefault("GRAPHGRAD_JIT_AFTER_S", "0")

COLD_PHASES = ("build", "grad", "session", "compile", "first_step")
STEADY_STEPS = 10


class Clock:
    """Lap timer for ``cold_start``: ``lap(name)`` records the time since the previous lap under ``name``."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self.t
        self.t = now

    def result(self, loss: float, step: Callable[[], float], steps: int = STEADY_STEPS) -> dict:
        """Phases, the first ``loss`` and the median time of ``steps`` more calls of ``step`` (each synced)."""
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        return {**self.phases, "loss": float(loss), "steady": statistics.median(times)}
