"""W4, cold start: build a training step from nothing and run it once, each repeat in a fresh child process.

A steady-state benchmark hides what a user waits for before the first loss appears: graph construction,
gradient construction, session and plan/executor/XLA compilation. Each (peer, repeat) runs
``python -m bench.coldstart MODULE WORKLOAD THREADS`` in a new interpreter, which imports the peer, makes the
data and weights (untimed), calls the peer's ``cold_start`` (phases timed inside, see ``bench.peers``) and
prints one JSON line. The parent runs the peers in rotating order, measures the load of other processes
during each child, repeats disturbed children, and reports medians over the clean repeats.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from bench import harness
from bench import workloads as wls
from bench.peers import COLD_PHASES

FIRST_RUN = ("session", "compile", "first_step")  # phases after construction, up to the first loss


@dataclass
class ColdResult:
    workload: wls.Workload
    runs: dict[str, list[dict]] = field(default_factory=dict)  # peer -> one dict per repeat used
    discarded: dict[str, int] = field(default_factory=dict)
    contended: dict[str, bool] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    other_load: float | None = None
    waited_s: float = 0.0

    def median(self, peer: str, key: str) -> float | None:
        """Median over repeats of one phase, or of ``first_run`` / ``total`` summed per repeat."""
        vals = [_value(r, key) for r in self.runs.get(peer, [])]
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None


def _value(run: dict, key: str) -> float | None:
    if key == "first_run":
        return sum(run.get(k, 0.0) for k in FIRST_RUN)
    if key == "total":
        return sum(run.get(k, 0.0) for k in COLD_PHASES)
    return run.get(key)


def run_child(module_path: str, workload: str, threads: int, timeout: float = 600) -> dict:
    """One cold start in a fresh interpreter: the child's JSON, or ``{"error"}``."""
    env = {**os.environ, **harness.thread_env(threads)}
    cmd = [sys.executable, "-m", "bench.coldstart", module_path, workload, str(threads)]
    try:
        out = subprocess.run(cmd, cwd=harness.REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail[:160]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_cold(wl: wls.Workload, peers: dict[str, str], settings: harness.Settings, threads: int) -> ColdResult:
    """``settings.cold_repeats`` clean children per peer (``peers``: name -> module path), rotating order.

    A child during which other processes kept more than ``settings.max_other_load`` cores busy is repeated
    (up to twice the repeats, and no new child after ``settings.cold_max_s``), after waiting up to
    ``settings.quiet_wait_s`` for quiet; a peer left with fewer than 2 clean children uses the disturbed ones
    too and is marked contended.
    """
    res = ColdResult(wl)
    res.waited_s = harness.wait_quiet(settings.quiet_wait_s, settings.max_other_load)
    kept: dict[str, list[dict]] = {n: [] for n in peers}
    dropped: dict[str, list[dict]] = {n: [] for n in peers}
    loads: dict[str, list[tuple[bool, float | None]]] = {n: [] for n in peers}
    names, t_stop, rnd, disturbed = list(peers), time.perf_counter() + settings.cold_max_s, 0, False
    while True:
        todo = [
            n for n in names
            if n not in res.notes and len(kept[n]) < settings.cold_repeats
            and len(kept[n]) + len(dropped[n]) < 2 * settings.cold_repeats
        ]  # fmt: skip
        if not todo or (rnd and time.perf_counter() > t_stop):
            break
        k = rnd % len(todo)
        rnd += 1
        for name in todo[k:] + todo[:k]:
            if disturbed:  # the last child was disturbed: give the machine a chance to go quiet first
                res.waited_s += harness.wait_quiet(settings.quiet_wait_s, settings.max_other_load)
            load = harness.OtherLoad()
            out = run_child(peers[name], wl.name, threads)
            other = load.cores()
            if "error" in out:
                res.notes[name] = f"failed ({out['error']})"
                continue
            ok = other is None or other <= settings.max_other_load
            disturbed = not ok
            (kept if ok else dropped)[name].append(out)
            loads[name].append((ok, other))
    used_loads = []
    for name in names:
        if name in res.notes and not kept[name]:
            continue
        res.contended[name] = len(kept[name]) < min(2, settings.cold_repeats)
        res.runs[name] = kept[name] + (dropped[name] if res.contended[name] else [])
        res.discarded[name] = len(dropped[name])
        used_loads += [c for ok, c in loads[name] if c is not None and (ok or res.contended[name])]
    res.other_load = statistics.mean(used_loads) if used_loads else None
    return res


# ---------------------------------------------------------------- report


def _s(t: float | None) -> str:
    """Seconds, 3 decimals (4 below 10 ms)."""
    if t is None:
        return "—"
    return f"{t:.3f}" if t >= 0.01 else f"{t:.4f}"


def summary_cells(res: ColdResult, names: list[str], ref: str | None) -> list[str]:
    """Total cold-start seconds per peer (ratio to ``ref``), for the main results table."""
    t_ref = res.median(ref, "total") if ref else None
    cells = []
    for n in names:
        t = res.median(n, "total")
        if t is None:
            cells.append("—")
            continue
        c = f"{t:.3f}" + (f" ({t / t_ref:.2f}x)" if t_ref else "")
        cells.append(c + (" (contended)" if res.contended.get(n) else ""))
    return cells


def report(res: ColdResult, names: list[str], ref: str | None, check_base: str | None, tol: float) -> list[str]:
    """Markdown: phases per peer (medians), first-run breakdown, first-loss check, notes."""
    wl = res.workload
    n_rep = max((len(v) for v in res.runs.values()), default=0)
    load = "?" if res.other_load is None else f"{res.other_load:.2f} cores"
    out = [
        f"\n## {wl.name}: {wl.description} — seconds, median of {n_rep} fresh processes per peer (other load {load})\n",
        "build = forward model/graph with its variables; gradients = gradient and update construction "
        "(minimize, init op); first run = session + variable init + compilation + the first step, up to the "
        "first loss; total = build + gradients + first run (import not included: it is the peer module's import "
        f"after NumPy's, PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')}). "
        f"— = the peer has no such separate phase. Ratio = total / total of `{ref}`.\n",
    ]
    head = ["peer", "import", "build", "gradients", "first run", "total", "ratio", "steady step (ms)"]
    head += ["first run / steady step"]
    out += [harness.md_row(head), harness.md_row(["---"] * len(head))]
    for n in names:
        if n not in res.runs:
            continue
        total, steady = res.median(n, "total"), res.median(n, "steady")
        t_ref = res.median(ref, "total") if ref in res.runs else None
        has = set().union(*(r.keys() for r in res.runs[n]))
        first = res.median(n, "first_run")
        cells = [
            n,
            _s(res.median(n, "import_s")),
            _s(res.median(n, "build")),
            _s(res.median(n, "grad")) if "grad" in has else "—",
            _s(first),
            _s(total) + (" (contended)" if res.contended.get(n) else ""),
            f"{total / t_ref:.2f}x" if t_ref else "—",
            f"{steady * 1e3:.2f}" if steady else "—",
            f"{first / steady:.0f}x" if steady else "—",
        ]
        out.append(harness.md_row(cells))
    out.append("\nFirst run split (medians, s), min–max of total, peak RSS of the child, first loss:\n")
    head = ["peer", "session + init", "compile", "first step", "total min–max", "peak RSS MiB", "first loss"]
    head += ["vs " + (check_base or "?"), "clean / disturbed"]
    out += [harness.md_row(head), harness.md_row(["---"] * len(head))]
    base_loss = res.median(check_base, "loss") if check_base in res.runs else None
    for n in names:
        if n not in res.runs:
            continue
        has = set().union(*(r.keys() for r in res.runs[n]))
        totals = [_value(r, "total") for r in res.runs[n]]
        loss = res.median(n, "loss")
        if base_loss is None or loss is None:
            check = "—"
        else:
            d = harness.rel_diff(loss, base_loss)
            check = f"{d:.1e} " + ("ok" if d <= tol else "**WARNING: differs**")
        clean = len(res.runs[n]) - (res.discarded[n] if res.contended.get(n) else 0)
        cells = [n] + [_s(res.median(n, k)) if k in has else "—" for k in FIRST_RUN]
        cells += [f"{_s(min(totals))}–{_s(max(totals))}", f"{res.median(n, 'peak_mb'):.0f}", f"{loss:.6f}", check]
        cells.append(f"{clean} / {res.discarded[n]}")
        out.append(harness.md_row(cells))
    if res.notes:
        out.append("")
        out += [f"- {wl.name} / {n}: {note}" for n, note in res.notes.items()]
    return out


# ---------------------------------------------------------------- child


def _child(module_path: str, workload: str, threads: int) -> None:
    harness.limit_threads(threads)
    t0 = time.perf_counter()
    mod, note = harness.load_peer(module_path)
    import_s = time.perf_counter() - t0
    if mod is None:
        raise SystemExit(note)
    if not hasattr(mod, "cold_start"):
        raise SystemExit("peer has no cold_start")
    harness.limit_threads(threads)
    wl = wls.WORKLOADS[workload]
    params, data = wls.init_params(wl), wls.make_data(wl)
    kwargs = {"threads": threads} if harness._accepts(mod.cold_start, "threads") else {}
    out = mod.cold_start(wl, params, data, **kwargs)
    out.update(import_s=import_s, peak_mb=round(harness._maxrss_mb(), 1))
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit("usage: python -m bench.coldstart MODULE WORKLOAD THREADS")
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
