"""Benchmark harness: loads peers, checks they compute the same losses, times them round-robin.

All peers run in the same process and are measured in alternation (round r starts at peer r mod k), after a
warm-up; each measurement is ``time.perf_counter`` around a batch of steps, and a peer's figure is the median
over rounds of the per-step time. Peak memory is measured separately, one child process per peer and
workload (``peak_rss``), so the peaks of different peers never mix.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from bench import workloads as wls

THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
REPO_ROOT = Path(__file__).resolve().parent.parent
_LIMITERS: list = []  # keeps threadpoolctl limits alive for the life of the process


# ---------------------------------------------------------------- threads and environment


def thread_env(threads: int) -> dict[str, str]:
    """The environment variables that fix the BLAS/OpenMP thread count of a process started with them."""
    return {k: str(threads) for k in THREAD_ENV_VARS}


def limit_threads(threads: int) -> str:
    """Limit every BLAS/OpenMP pool loaded so far to ``threads`` (threadpoolctl); returns a note."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return "threadpoolctl not installed: in-process thread limits rely on the env vars only"
    _LIMITERS.append(threadpool_limits(limits=threads))
    return ""


def environment_lines(threads: int) -> list[str]:
    """Header lines: Python, CPU count, NumPy's BLAS and thread pools, OPENBLAS_CORETYPE."""
    lines = [
        f"Python {platform.python_version()}, {platform.machine()}, os.cpu_count()={os.cpu_count()}, "
        f"threads={threads}, numpy {np.__version__}",
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
        + ", ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in THREAD_ENV_VARS),
    ]
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return lines + ["threadpoolctl not installed"]
    for info in threadpool_info():
        desc = f"{info.get('internal_api')} {info.get('version') or ''}".strip()
        extra = ", ".join(f"{k}={info[k]}" for k in ("architecture", "threading_layer") if info.get(k))
        lines.append(
            f"pool: {desc} ({Path(info['filepath']).name}) num_threads={info['num_threads']}"
            + (f", {extra}" if extra else "")
        )
    return lines


class OtherLoad:
    """CPU time used by *other* processes since construction, from /proc/stat minus this process's own time.

    ``cores()`` is the average number of cores they kept busy: on a 2-core machine anything above ~0.1 means
    the figures taken meanwhile are disturbed.
    """

    def __init__(self) -> None:
        self.t0, self.busy0, self.self0 = time.perf_counter(), self._busy(), self._self()

    @staticmethod
    def _busy() -> float | None:
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        hz = os.sysconf("SC_CLK_TCK")
        return (sum(v[:8]) - v[3] - v[4]) / hz  # user nice system irq softirq steal (no idle, iowait)

    @staticmethod
    def _self() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def cores(self) -> float | None:
        busy = self._busy()
        if busy is None or self.busy0 is None:
            return None
        other = (busy - self.busy0) - (self._self() - self.self0)
        return max(0.0, other) / max(time.perf_counter() - self.t0, 1e-9)


# ---------------------------------------------------------------- peers


def load_peer(module_path: str) -> tuple[ModuleType | None, str]:
    """Import a peer module; on failure return ``(None, note)`` instead of raising."""
    try:
        return importlib.import_module(module_path), ""
    except ModuleNotFoundError as e:
        if e.name == module_path:
            return None, f"skipped: {module_path} does not exist yet"
        return None, f"skipped: library {e.name!r} not installed"
    except Exception as e:  # a broken peer must not stop the others
        return None, f"skipped: import failed ({type(e).__name__}: {e})"


def peer_version(mod: ModuleType) -> str:
    return f"{getattr(mod, 'LIBRARY', mod.__name__)} {getattr(mod, 'VERSION', '?')}"


def _accepts(fn: Callable, name: str) -> bool:
    params = inspect.signature(fn).parameters.values()
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in params)


def build_step(mod: ModuleType, wl: wls.Workload, params, data, threads: int) -> Callable:
    """``mod.make_step(wl, params, data)``, passing ``threads``/``forward_only`` only where accepted."""
    kwargs = {}
    if _accepts(mod.make_step, "threads"):
        kwargs["threads"] = threads
    if wl.forward_only:
        if not _accepts(mod.make_step, "forward_only"):
            raise NotImplementedError("make_step has no forward_only")
        kwargs["forward_only"] = True
    return mod.make_step(wl, wls.copy_params(params), data, **kwargs)


def _sync(x) -> float | None:
    """Wait for a step's result and turn it into a float (JAX dispatch is asynchronous)."""
    if x is None:
        return None
    if hasattr(x, "block_until_ready"):
        x = x.block_until_ready()
    return float(np.asarray(x))


# ---------------------------------------------------------------- timing


@dataclass(frozen=True)
class Settings:
    """How much to measure."""

    check_steps: int = 5  # steps compared across peers before timing
    tol: float = 1e-3  # relative loss agreement required
    warmup_s: float = 0.3  # minimum warm-up per peer (at least 2 calls)
    batch_s: float = 0.1  # target duration of one timed batch of steps
    rounds: int = 21
    slow_rounds: int = 5  # rounds for workloads whose single step exceeds batch_s (W3, matmul)
    matmul_n: int = 4096
    settle_s: float = 0.05  # idle pause before each timed batch (previous peer's spinning threads go idle)
    # A round during which other processes kept more than max_other_load cores busy is discarded and
    # repeated, up to rounds * max_round_factor rounds; with too few clean rounds all are used ("contended").
    max_other_load: float = 0.15
    max_round_factor: int = 3
    quiet_wait_s: float = 30.0  # before each workload, wait up to this long for the machine to go quiet
    max_timing_s: float = 90.0  # no new round after this long (a busy machine can slow steps 100x)
    cold_repeats: int = 5  # W4: fresh child processes per peer (the median is reported)
    cold_max_s: float = 600.0  # W4: no new child after this long


FULL = Settings()
QUICK = Settings(
    check_steps=3, warmup_s=0.05, batch_s=0.04, rounds=5, slow_rounds=2, quiet_wait_s=5.0, max_timing_s=15.0,
    cold_repeats=2, cold_max_s=60.0,
)


@dataclass
class Timing:
    """Per-step times (s) of one peer, one entry per round."""

    per_step: list[float]
    steps_per_batch: int
    discarded: int = 0  # rounds dropped because other processes were busy
    contended: bool = False  # too few clean rounds: per_step includes the disturbed ones

    @property
    def median(self) -> float:
        return statistics.median(self.per_step)


@dataclass
class WorkloadResult:
    workload: wls.Workload
    timings: dict[str, Timing] = field(default_factory=dict)
    losses: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    other_load: float | None = None  # mean cores used by other processes during the rounds used
    waited_s: float = 0.0  # time spent waiting for the machine to go quiet first


def _timed_batch(fn: Callable, n: int) -> float:
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = None
        for _ in range(n):
            out = fn()
        _sync(out)
        return time.perf_counter() - t0
    finally:
        if gc_was:
            gc.enable()


def round_robin(
    fns: dict[str, Callable], settings: Settings, notes: dict[str, str], stats: dict | None = None
) -> dict[str, Timing]:
    """Warm up each callable, size its batch of calls, then time all of them in alternating rounds.

    ``stats["other_load"]`` gets the mean load of other processes (cores) over the rounds used.
    """
    sizes: dict[str, int] = {}
    slow = False
    for name, fn in list(fns.items()):
        # Warm-up doubles as calibration: batches of n calls, n doubling while a batch is short; the batch
        # size comes from the fastest per-call time seen, so one hiccup cannot shrink it.
        try:
            t_end, n, calls, best = time.perf_counter() + settings.warmup_s, 1, 0, math.inf
            while calls < 2 or time.perf_counter() < t_end:
                t = _timed_batch(fn, n)
                calls += n
                best = min(best, t / n)
                if t < settings.batch_s / 4:
                    n *= 2
        except Exception as e:
            notes[name] = f"failed during warm-up ({type(e).__name__}: {e})"
            del fns[name]
            continue
        sizes[name] = max(1, math.ceil(settings.batch_s / best))
        slow = slow or best > settings.batch_s
    rounds = settings.slow_rounds if slow else settings.rounds
    kept: dict[str, list[float]] = {name: [] for name in fns}
    loads: list[tuple[bool, float | None]] = []
    dropped: dict[str, list[float]] = {name: [] for name in fns}
    names, clean, tried, t_stop = list(fns), 0, 0, time.perf_counter() + settings.max_timing_s
    while names and clean < rounds and tried < rounds * settings.max_round_factor:
        if tried and time.perf_counter() > t_stop:
            break
        k = tried % len(names)
        tried += 1
        load = OtherLoad()
        got = {}
        for name in names[k:] + names[:k]:
            if settings.settle_s:
                time.sleep(settings.settle_s)  # let the previous peer's spinning worker threads go idle
            got[name] = _timed_batch(fns[name], sizes[name]) / sizes[name]
        other = load.cores()
        ok = other is None or other <= settings.max_other_load
        clean += ok
        loads.append((ok, other))
        for name, t in got.items():
            (kept if ok else dropped)[name].append(t)
    contended = clean < max(3, rounds // 2) if rounds >= 3 else clean == 0
    used = [c for ok, c in loads if c is not None and (ok or contended)]
    if stats is not None:
        stats["other_load"] = statistics.mean(used) if used else None
    return {
        name: Timing(
            kept[name] + (dropped[name] if contended else []), sizes[name], len(dropped[name]), contended
        )
        for name in fns
    }


def wait_quiet(max_s: float, threshold: float) -> float:
    """Wait up to ``max_s`` until other processes use <= ``threshold`` cores over 1 s; returns s waited."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < max_s:
        load = OtherLoad()
        time.sleep(1.0)
        cores = load.cores()
        if cores is None or cores <= threshold:
            break
    return time.perf_counter() - t0


def md_row(cells) -> str:
    """One markdown table row."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def rel_diff(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def prepare_workload(
    wl: wls.Workload, peers: dict[str, ModuleType], settings: Settings, threads: int
) -> tuple[WorkloadResult, dict[str, Callable]]:
    """Build every peer's step from the same weights and data and run the loss check; returns the result
    (losses and notes filled in) and the steps, ready for ``round_robin``."""
    res = WorkloadResult(wl)
    data = wls.make_data(wl)
    params = wls.init_params(wl)
    steps: dict[str, Callable] = {}
    for name, mod in peers.items():
        try:
            steps[name] = build_step(mod, wl, params, data, threads)
            res.losses[name] = [_sync(steps[name]()) for _ in range(settings.check_steps)]
        except NotImplementedError as e:
            res.notes[name] = f"not run: {e}"
            steps.pop(name, None)
        except Exception as e:
            res.notes[name] = f"failed ({type(e).__name__}: {e})"
            steps.pop(name, None)
    return res, steps


def bench_workload(
    wl: wls.Workload, peers: dict[str, ModuleType], settings: Settings, threads: int
) -> WorkloadResult:
    """Build every peer's step from the same weights and data, check the losses agree, then time them."""
    waited = wait_quiet(settings.quiet_wait_s, settings.max_other_load)
    res, steps = prepare_workload(wl, peers, settings, threads)
    res.waited_s = waited
    stats: dict = {}
    res.timings = round_robin(steps, settings, res.notes, stats)
    res.other_load = stats.get("other_load")
    del steps
    gc.collect()
    return res


def check_rows(res: WorkloadResult, ref: str, tol: float) -> list[tuple[str, str, float, bool]]:
    """``(peer, compared_with, max relative loss difference, ok)`` for every peer that ran the check."""
    losses = {k: v for k, v in res.losses.items() if v and None not in v}
    if not losses:
        return []
    base = ref if ref in losses else next(iter(losses))
    rows = []
    for name, ls in losses.items():
        d = max(rel_diff(a, b) for a, b in zip(ls, losses[base]))
        rows.append((name, base, d, d <= tol))
    return rows


def bench_matmul(peers: dict[str, ModuleType], settings: Settings, threads: int) -> WorkloadResult:
    """float32 n^3 matmul of every peer that has ``make_matmul``, timed round-robin like a workload."""
    n = settings.matmul_n
    mm = wls.Workload(f"MM{n}", (n, n), "", "", 0, "", 0.0, 0, "GFLOP/s", description=f"float32 matmul {n}^3")
    res = WorkloadResult(mm)
    res.waited_s = wait_quiet(settings.quiet_wait_s, settings.max_other_load)
    fns = {}
    for name, mod in peers.items():
        if not hasattr(mod, "make_matmul"):
            res.notes[name] = "no make_matmul"
            continue
        try:
            fns[name] = mod.make_matmul(settings.matmul_n, threads=threads)
        except Exception as e:
            res.notes[name] = f"failed ({type(e).__name__}: {e})"
    stats: dict = {}
    res.timings = round_robin(fns, settings, res.notes, stats)
    res.other_load = stats.get("other_load")
    del fns
    gc.collect()
    return res


# ---------------------------------------------------------------- peak memory (child processes)


def peak_rss(module_path: str, workload: str, threads: int, steps: int = 5, timeout: float = 600) -> dict:
    """Peak RSS of ``steps`` steps of a workload, measured in a fresh child process.

    Returns ``{"import_mb", "peak_mb"}`` (peak RSS after importing the peer, and at the end) or
    ``{"error"}``.
    """
    env = {**os.environ, **thread_env(threads)}
    cmd = [sys.executable, "-m", "bench.harness", "rss", module_path, workload, str(threads), str(steps)]
    try:
        out = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail[:120]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _maxrss_mb() -> float:
    """Peak RSS of this process image in MiB.

    Linux: VmHWM from /proc/self/status. ``getrusage(...).ru_maxrss`` would be wrong in a child started from a
    big parent: the kernel carries the forked copy's high-water mark over exec into ru_maxrss.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _rss_child(module_path: str, workload: str, threads: int, steps: int) -> None:
    limit_threads(threads)
    mod, note = load_peer(module_path)
    if mod is None:
        raise SystemExit(note)
    limit_threads(threads)
    import_mb = _maxrss_mb()
    wl = wls.WORKLOADS[workload]
    step = build_step(mod, wl, wls.init_params(wl), wls.make_data(wl), threads)
    for _ in range(steps):
        out = step()
    _sync(out)
    print(json.dumps({"import_mb": round(import_mb, 1), "peak_mb": round(_maxrss_mb(), 1)}))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "rss":
        _rss_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        raise SystemExit("usage: python -m bench.harness rss MODULE WORKLOAD THREADS STEPS")
