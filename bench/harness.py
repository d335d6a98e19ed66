"""Benchmark harness: loads peers, checks they compute the same losses, times them round-robin.

Each peer runs in its own long-lived worker process (``Worker``, ``python -m bench.harness worker ...``), or,
with ``python -m bench --in-process``, all peers share this process. Either way this process drives the
measurement: the peers are timed in alternation (round r starts at peer r mod k), after a warm-up; each
measurement is ``time.perf_counter`` around a batch of steps, taken where the step runs, and a peer's figure
is the median over rounds of the per-step time. Peak memory is measured separately, one child process per
peer and workload (``peak_rss``), so the peaks of different peers never mix.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import itertools
import json
import math
import os
import pickle
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
    return lines + (pool_lines() or ["threadpoolctl not installed"])


def pool_lines() -> list[str]:
    """One line per BLAS/OpenMP thread pool loaded in this process (threadpoolctl; empty without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    lines = []
    for info in threadpool_info():
        desc = f"{info.get('internal_api')} {info.get('version') or ''}".strip()
        extra = ", ".join(f"{k}={info[k]}" for k in ("architecture", "threading_layer") if info.get(k))
        lines.append(
            f"pool: {desc} ({Path(info['filepath']).name}) num_threads={info['num_threads']}"
            + (f", {extra}" if extra else "")
        )
    return lines


class OtherLoad:
    """CPU time used by *other* processes since construction: /proc/stat minus the CPU time of this process,
    its waited-for children and its live workers (which run the steps being timed).

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
        return t.user + t.system + t.children_user + t.children_system + _workers_cpu()

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


def peer_version(mod: ModuleType | Worker) -> str:
    if isinstance(mod, Worker):
        return mod.version
    return f"{getattr(mod, 'LIBRARY', mod.__name__)} {getattr(mod, 'VERSION', '?')}"


def _accepts(fn: Callable, name: str) -> bool:
    params = inspect.signature(fn).parameters.values()
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in params)


def build_step(mod: ModuleType, wl: wls.Workload, params, data, threads: int, copy: bool = True) -> Callable:
    """``mod.make_step(wl, params, data)``, passing ``threads``/``forward_only`` only where accepted; the peer gets
    a copy of ``params`` unless ``copy`` is False (a process with one peer, which may keep them)."""
    kwargs = {}
    if _accepts(mod.make_step, "threads"):
        kwargs["threads"] = threads
    if wl.forward_only:
        if not _accepts(mod.make_step, "forward_only"):
            raise NotImplementedError("make_step has no forward_only")
        kwargs["forward_only"] = True
    return mod.make_step(wl, wls.copy_params(params) if copy else params, data, **kwargs)


def _sync(x) -> float | None:
    """Wait for a step's result and turn it into a float (JAX dispatch is asynchronous)."""
    if x is None:
        return None
    if hasattr(x, "block_until_ready"):
        x = x.block_until_ready()
    return float(np.asarray(x))


# ---------------------------------------------------------------- worker processes
# Each library brings its own thread pools (OpenMP, OpenBLAS, Eigen, XLA), allocator and affinity settings;
# loaded into one process they slow each other down unevenly (seen: hand-NumPy 6% slower relative to graphgrad
# on W2 with torch, TF and JAX merely imported). So by default each peer lives in a worker process of its own
# that imports only that peer, and this process, which imports none of them, sends it requests: build a step,
# run the loss check, time a batch of calls. The batch is timed inside the worker (``_timed_batch``, GC off,
# last result synced), so the pipe's latency is never counted.

_WORKERS: dict[int, Worker] = {}  # live workers by pid: OtherLoad subtracts their CPU time
#: optional peer functions ``maker(n, *, threads=None) -> callable``, timed like a step: a float32 n³ product
#: (``make_matmul``), an n-iteration while-loop counter returning n (``make_loop``)
OPTIONAL_MAKERS = ("make_matmul", "make_loop")


class WorkerError(Exception):
    """A request failed in a worker: ``kind`` is the remote exception's type name (or "WorkerDied")."""

    def __init__(self, kind: str, msg: str) -> None:
        super().__init__(msg)
        self.kind = kind


def _why(e: BaseException) -> str:
    """``Type: message`` of an exception, with a worker's exception named by its own type."""
    return f"{e.kind if isinstance(e, WorkerError) else type(e).__name__}: {e}"


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a live process, from /proc/<pid>/stat (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # fields 14, 15: utime, stime


def _workers_cpu() -> float:
    """CPU seconds used so far by the live workers."""
    return sum(map(_cpu_of, list(_WORKERS)))


class Worker:
    """One peer in its own long-lived process, ``python -m bench.harness worker MODULE THREADS``.

    Messages are pickles on the worker's stdin and stdout: requests ``(op, key, arg)``, replies ``("ok",
    value)`` or ``("error", type name, message)``; only plain values travel, so this process never imports
    the peer's library. Steps are addressed by key, so several workloads' steps can live in one worker (a
    scaling sweep times all its points together). Closing the worker's stdin (``close``, or this process
    dying) makes it exit.
    """

    def __init__(self, module_path: str, threads: int) -> None:
        env = {**os.environ, **thread_env(threads)}
        cmd = [sys.executable, "-m", "bench.harness", "worker", module_path, str(threads)]
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        _WORKERS[self.proc.pid] = self
        self.version, self.makers, self.pools = module_path, (), []
        self.dead = ""  # why the worker can no longer answer
        self._keys = itertools.count()

    def ready(self) -> str:
        """Wait until the worker has imported its peer; returns "" or the reason it could not (then closed)."""
        try:
            hello = self._recv()
        except WorkerError as e:
            hello = {"note": f"skipped: worker failed ({e})"}
        if "note" in hello:
            self.close()
            return hello["note"]
        self.version, self.makers, self.pools = hello["version"], tuple(hello["makers"]), hello["pools"]
        return ""

    @property
    def has_matmul(self) -> bool:
        return "make_matmul" in self.makers

    def _recv(self):
        if self.dead:
            raise WorkerError("WorkerDied", self.dead)
        try:
            return pickle.load(self.proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            try:
                code = self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = "?"
            self.dead = f"worker exited with code {code}"
            raise WorkerError("WorkerDied", self.dead) from None

    def call(self, op: str, key: int, arg=None):
        """Send one request and wait for its reply; a remote exception is raised here as ``WorkerError``
        (``NotImplementedError`` as itself, so the caller can tell "not run" from "failed")."""
        if not self.dead:
            try:
                pickle.dump((op, key, arg), self.proc.stdin)
                self.proc.stdin.flush()
            except OSError:
                pass  # the worker is gone: _recv says so
        reply = self._recv()
        if reply[0] == "ok":
            return reply[1]
        if reply[1] == "NotImplementedError":
            raise NotImplementedError(reply[2])
        raise WorkerError(reply[1], reply[2])

    def make_step(self, wl: wls.Workload) -> RemoteFn:
        """The peer's ``make_step`` for ``wl``, built in the worker from the same seeded weights and data."""
        key = next(self._keys)
        self.call("step", key, wl)
        return RemoteFn(self, key)

    def make(self, maker: str, n: int) -> RemoteFn:
        """The peer's optional ``maker(n)`` (one of ``OPTIONAL_MAKERS``), built in the worker."""
        key = next(self._keys)
        self.call("make", key, (maker, n))
        return RemoteFn(self, key)

    def close(self, timeout: float = 5.0) -> None:
        """Close stdin (the worker exits after its current request), wait, then terminate, then kill."""
        _WORKERS.pop(self.proc.pid, None)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class RemoteFn:
    """A step (or matmul) living in a worker; stands in for the local callable in ``round_robin``."""

    worker: Worker
    key: int

    def check(self, k: int) -> list[float | None]:
        return self.worker.call("check", self.key, k)

    def timed_batch(self, n: int) -> float:
        return self.worker.call("time", self.key, n)

    def close(self) -> None:
        try:
            self.worker.call("drop", self.key)
        except WorkerError:
            pass


def start_workers(modules: dict[str, str], threads: int) -> tuple[dict[str, Worker], dict[str, str]]:
    """One worker per peer (name -> module path), all started at once so the imports overlap; returns the
    workers whose peer loaded, and a note for each of the others."""
    started = {name: Worker(path, threads) for name, path in modules.items()}
    workers, notes = {}, {}
    for name, w in started.items():
        note = w.ready()
        if note:
            notes[name] = note
        else:
            workers[name] = w
    return workers, notes


def close_workers() -> None:
    """Close every live worker (called in a ``finally``: no worker outlives the benchmark)."""
    for w in list(_WORKERS.values()):
        w.close()


def release(fns) -> None:
    """Drop remote steps in their workers (local ones go with their last reference)."""
    for fn in fns:
        if isinstance(fn, RemoteFn):
            fn.close()


def _worker_main(module_path: str, threads: int) -> None:
    """The worker's side: import the peer, say hello, then serve requests until stdin closes."""
    out = os.fdopen(os.dup(1), "wb")  # the replies' channel; fd 1 now goes to stderr, so a peer's prints
    os.dup2(2, 1)  # cannot corrupt it
    inp = sys.stdin.buffer

    def send(msg) -> None:
        pickle.dump(msg, out)
        out.flush()

    limit_threads(threads)
    mod, note = load_peer(module_path)
    if mod is None:
        send({"note": note})
        return
    limit_threads(threads)  # the pools the peer's library brought
    send({"version": peer_version(mod), "makers": [m for m in OPTIONAL_MAKERS if hasattr(mod, m)],
          "pools": pool_lines()})
    fns: dict[int, Callable] = {}
    while True:
        try:
            op, key, arg = pickle.load(inp)
        except EOFError:
            return
        try:
            value = None
            if op == "step":
                fns[key] = build_step(mod, arg, wls.init_params(arg), wls.make_data(arg), threads)
            elif op == "make":
                fns[key] = getattr(mod, arg[0])(arg[1], threads=threads)
            elif op == "check":
                value = [_sync(fns[key]()) for _ in range(arg)]
            elif op == "time":
                value = _timed_batch(fns[key], arg)
            elif op == "drop":
                del fns[key]
                gc.collect()
            else:
                raise ValueError(f"unknown request {op!r}")
            send(("ok", value))
        except Exception as e:  # reported to the parent, which notes it; the worker serves on
            send(("error", type(e).__name__, str(e)))


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
    loop_n: int = 10_000  # iterations of the while-loop counter (L1)
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


def _time_batch(fn: Callable | RemoteFn, n: int) -> float:
    """Seconds for ``n`` calls of a step, timed where it runs (in its worker for a ``RemoteFn``)."""
    return fn.timed_batch(n) if isinstance(fn, RemoteFn) else _timed_batch(fn, n)


def _check(fn: Callable | RemoteFn, k: int) -> list[float | None]:
    """The losses of ``k`` calls of a step, each synced."""
    return fn.check(k) if isinstance(fn, RemoteFn) else [_sync(fn()) for _ in range(k)]


def round_robin(
    fns: dict[str, Callable | RemoteFn], settings: Settings, notes: dict[str, str], stats: dict | None = None
) -> dict[str, Timing]:
    """Warm up each callable (local or in a worker), size its batch of calls, then time all of them in
    alternating rounds. One that fails is dropped with a note, the others go on.

    ``stats["other_load"]`` gets the mean load of other processes (cores) over the rounds used.
    """
    sizes: dict[str, int] = {}
    slow = False
    for name, fn in list(fns.items()):
        # Warm-up doubles as calibration: batches of n calls, n doubling while a batch is short; the batch
        # size comes from the fastest per-call time seen, so one hiccup cannot shrink it.
        settle(0.0)  # workers only: the previous one's spinning threads would skew the calibration
        try:
            t_end, n, calls, best = time.perf_counter() + settings.warmup_s, 1, 0, math.inf
            while calls < 2 or time.perf_counter() < t_end:
                t = _time_batch(fn, n)
                calls += n
                best = min(best, t / n)
                if t < settings.batch_s / 4:
                    n *= 2
        except Exception as e:
            notes[name] = f"failed during warm-up ({_why(e)})"
            release([fns.pop(name)])
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
                settle(settings.settle_s)  # let the previous peer's spinning worker threads go idle
            try:
                got[name] = _time_batch(fns[name], sizes[name]) / sizes[name]
            except Exception as e:  # e.g. a worker that died: drop the peer, keep the others
                notes[name] = f"failed during timing ({_why(e)})"
                names.remove(name)
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
        for name in names
    }


def settle(min_s: float, max_s: float = 1.0) -> None:
    """Idle pause before a timed batch, so the previous peer's spinning threads go idle (OpenBLAS's helper
    threads spin ~0.1 s after the last call). In this process they would share the next peer's pools; a worker's
    spin would steal a core from the next worker instead. So after ``min_s``, wait until no worker used CPU
    over 20 ms (at most ``max_s``)."""
    time.sleep(min_s)
    t_end, cpu = time.perf_counter() + max_s, _workers_cpu()
    while _WORKERS and time.perf_counter() < t_end:
        time.sleep(0.02)
        cpu, before = _workers_cpu(), cpu
        if cpu == before:
            break


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
    wl: wls.Workload, peers: dict[str, ModuleType | Worker], settings: Settings, threads: int
) -> tuple[WorkloadResult, dict[str, Callable | RemoteFn]]:
    """Build every peer's step from the same weights and data and run the loss check; returns the result
    (losses and notes filled in) and the steps, ready for ``round_robin``. A worker makes the data and
    weights itself, from the same seeds."""
    res = WorkloadResult(wl)
    local = [p for p in peers.values() if not isinstance(p, Worker)]
    data, params = (wls.make_data(wl), wls.init_params(wl)) if local else (None, None)
    steps: dict[str, Callable | RemoteFn] = {}
    for name, peer in peers.items():
        try:
            if isinstance(peer, Worker):
                steps[name] = peer.make_step(wl)
            else:
                steps[name] = build_step(peer, wl, params, data, threads)
            res.losses[name] = _check(steps[name], settings.check_steps)
        except NotImplementedError as e:
            res.notes[name] = f"not run: {e}"
            release([steps.pop(name, None)])
        except Exception as e:
            res.notes[name] = f"failed ({_why(e)})"
            release([steps.pop(name, None)])
    return res, steps


def bench_workload(
    wl: wls.Workload, peers: dict[str, ModuleType | Worker], settings: Settings, threads: int
) -> WorkloadResult:
    """Build every peer's step from the same weights and data, check the losses agree, then time them."""
    waited = wait_quiet(settings.quiet_wait_s, settings.max_other_load)
    res, steps = prepare_workload(wl, peers, settings, threads)
    res.waited_s = waited
    stats: dict = {}
    res.timings = round_robin(steps, settings, res.notes, stats)
    res.other_load = stats.get("other_load")
    release(steps.values())
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


def bench_matmul(peers: dict[str, ModuleType | Worker], settings: Settings, threads: int) -> WorkloadResult:
    """float32 n^3 matmul of every peer that has ``make_matmul``, timed round-robin like a workload."""
    n = settings.matmul_n
    mm = wls.Workload(f"MM{n}", (n, n), "", "", 0, "", 0.0, 0, "GFLOP/s", description=f"float32 matmul {n}^3")
    return _bench_maker(peers, settings, threads, "make_matmul", n, mm)


def bench_loop(peers: dict[str, ModuleType | Worker], settings: Settings, threads: int) -> WorkloadResult:
    """L1: the while-loop counter of every peer that has ``make_loop`` (one call runs the whole loop and
    returns its count, checked to be n), timed round-robin like a workload; per iteration = per call / n."""
    n = settings.loop_n
    wl = wls.Workload("L1", (n,), "", "", 0, "", 0.0, 0, "us/iteration",
                      description=f"while-loop counter, {n:,} iterations (i = i + 1 while i < n), one run per call")
    return _bench_maker(peers, settings, threads, "make_loop", n, wl, expect=n)


def _bench_maker(peers, settings, threads, maker, n, wl, expect=None) -> WorkloadResult:
    """Time every peer's optional ``maker(n)`` round-robin; with ``expect``, a callable must return it."""
    res = WorkloadResult(wl)
    res.waited_s = wait_quiet(settings.quiet_wait_s, settings.max_other_load)
    fns = {}
    for name, peer in peers.items():
        if not (maker in peer.makers if isinstance(peer, Worker) else hasattr(peer, maker)):
            res.notes[name] = f"no {maker}"
            continue
        try:
            fns[name] = peer.make(maker, n) if isinstance(peer, Worker) else getattr(peer, maker)(n, threads=threads)
            if expect is not None and _check(fns[name], 1) != [expect]:
                res.notes[name] = f"failed (returned {_check(fns[name], 1)}, not {expect})"
                release([fns.pop(name)])
        except Exception as e:
            res.notes[name] = f"failed ({_why(e)})"
    stats: dict = {}
    res.timings = round_robin(fns, settings, res.notes, stats)
    res.other_load = stats.get("other_load")
    release(fns.values())
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
    # The peer gets the only copy of the weights: a copy kept here would count a second set of weights in the peak
    # of every peer that copies them into its own storage while it builds (all but NumPy by hand).
    step = build_step(mod, wl, wls.init_params(wl), wls.make_data(wl), threads, copy=False)
    for _ in range(steps):
        out = step()
    _sync(out)
    print(json.dumps({"import_mb": round(import_mb, 1), "peak_mb": round(_maxrss_mb(), 1)}))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "rss":
        _rss_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif len(sys.argv) == 4 and sys.argv[1] == "worker":
        try:
            _worker_main(sys.argv[2], int(sys.argv[3]))
        except (KeyboardInterrupt, BrokenPipeError):  # Ctrl-C reaches the workers too; the parent reports
            raise SystemExit(1) from None
    else:
        raise SystemExit(
            "usage: python -m bench.harness rss MODULE WORKLOAD THREADS STEPS\n"
            "       python -m bench.harness worker MODULE THREADS"
        )
