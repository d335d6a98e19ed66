"""Replay of a compiled plan as a CUDA graph: one launch per run instead of one per kernel.

On a GPU a small model's step is bound by kernel launches (dozens of them, each costing microseconds of
Python and driver time), not by arithmetic. A plan whose feed shapes stay the same is therefore captured once
as a CUDA graph and replayed: each later run copies its feeds into the graph's input buffers, launches the
graph, and copies the fetches back.

- The backend provides the capture (runtime/backends.py, `Backend.graphs`: CuPy's stream capture, with the
  intermediates of the captured run drawn from a memory pool used by nothing else, so no later allocation
  can take memory the graph still writes).
- A plan runs normally for its first WARMUP_RUNS runs with one feed signature, the last of them on the capture
  stream (CuPy compiles its kernels and cuBLAS sets up per stream on first use, which must not happen inside a
  capture), is captured on the next run, and is replayed from then on. New feed shapes or dtypes start over;
  so does a variable whose buffer was replaced (an assign of another shape), since the graph holds the old
  addresses.
- Plans with ops that act on the host or draw random numbers (Print, summaries, random ops, asserts) are never
  captured: a replay would repeat their first result. An op that needs the host while capturing (a
  device-to-host copy) makes the capture fail; the plan then runs normally for good, and `failed` says why.
- One thread replays a plan at a time; a run that finds the plan busy runs normally.
"""
from __future__ import annotations

import os
import threading

from ..framework import dtypes

WARMUP_RUNS = 2
ENV_VAR = "GRAPHGRAD_CUDA_GRAPHS"


def replay_default() -> bool:
    """Graph replay is on unless GRAPHGRAD_CUDA_GRAPHS=0 (to compare, or to rule it out when debugging)."""
    return os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off")


def not_capturable(plan) -> str | None:
    """Why `plan` cannot be replayed as a graph, or None if it can."""
    if not plan.steps:
        return "the plan runs no op"
    for op in plan.steps:
        od = op.op_def
        if od.host_control:
            return f"{op.name} ({op.type}) decides on the host what runs"
        if od.stateful and not (od.is_variable or od.mutates):
            return f"{op.name} ({op.type}) acts on the host or draws random numbers"
        if any(t.dtype.base_dtype == dtypes.string for t in op.outputs):
            return f"{op.name} ({op.type}) makes strings, which live on the host"
    return None


class GraphReplay:
    """The graph state of one plan: `__call__(feeds)` returns the fetched values of a replay, or None when the
    plan should run normally this time (warm-up, busy, or not capturable)."""

    def __init__(self, plan, graphs, variables):
        self.plan, self.graphs = plan, graphs
        self.failed = None       # why capturing failed: the plan then always runs normally
        self.graph = None
        self.captures = 0        # graphs captured so far (a new feed signature or replaced variables recapture)
        self.launches = 0
        self._lock = threading.Lock()
        self._signature = None
        self._runs = 0           # normal runs with the current signature
        self._feeds = self._outs = self._var_ids = None
        self._variables = variables  # whose buffers the run reads or writes: a replay needs them where they were

    def __call__(self, feeds):
        if self.failed is not None or not self._lock.acquire(blocking=False):
            return None
        try:
            signature = tuple((f.shape, f.dtype) for f in feeds)
            if signature != self._signature:
                self._signature, self._runs, self.graph = signature, 0, None
            elif self.graph is not None and self._var_ids != self._variable_ids():
                self._runs, self.graph = 0, None  # a variable's buffer was replaced: the graph writes the old one
            if self.graph is not None:
                return self._replay(feeds)
            self._runs += 1
            if self._runs < WARMUP_RUNS:
                return None
            if self._runs == WARMUP_RUNS:
                # the last warm-up runs on the capture stream, so that what a library sets up per stream on first
                # use (cuBLAS's workspace) is in place before capturing, as PyTorch's docs advise
                with self.graphs.stream():
                    return self.plan.run_normally(feeds)
            return self._capture(feeds)
        finally:
            self._lock.release()

    def _variable_ids(self):
        store = self.plan.ctx.variables
        return [id(store.get(v)) for v in self._variables]

    def _capture(self, feeds):
        xp = self.plan.ctx.xp
        with self.graphs.stream():
            static = [xp.array(f, copy=True) for f in feeds]  # the graph's input buffers, at fixed addresses
        run = self.plan.function_for_capture()
        store = self.plan.ctx.variables
        written = [store[v] for v in self.plan.mutated_vars if v in store]
        try:
            graph, outs = self.graphs.capture(lambda: run(static), written)
        except Exception as e:  # the plan needs the host somewhere: run it normally from now on
            self.failed = f"{type(e).__name__}: {e}"
            return None
        self.graph, self._feeds, self._outs = graph, static, outs
        self._var_ids = self._variable_ids()
        self.captures += 1
        return self._replay(feeds, copy_feeds=False)

    def _replay(self, feeds, copy_feeds=True):
        copyto = self.plan.ctx.xp.copyto
        with self.graphs.stream():
            if copy_feeds:
                for dst, src in zip(self._feeds, feeds):
                    copyto(dst, src)
            self.graphs.launch(self.graph)
            self.launches += 1
            return self.plan.finish_outputs(self._outs)
