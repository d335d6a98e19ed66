"""Cost growth: time per step against depth (S-depth) and batch size (S-batch), with a least-squares line.

Each point of a sweep is an ordinary workload (``workloads.scaling_workloads``) timed like W1, every peer
alternating in the same rounds. Per peer the medians are fitted with ``t = intercept + slope * x`` by least
squares; the report gives the slope (µs per hidden layer, or µs per sample), the intercept, R² and the slopes
between consecutive points, because with x = 2, 8, 32, 128 the last point carries most of the fit and R² alone
would hide a bend.
"""

from __future__ import annotations

import gc
from dataclasses import replace

import numpy as np

from bench import harness
from bench import workloads as wls

SWEEPS = {  # sweep -> (swept quantity, slope unit, model)
    "S-depth": ("hidden layers", "µs/layer", "MLP 2-8×L-1 (L hidden layers), tanh, log-loss, batch 32, SGD lr 0.1"),
    "S-batch": (
        "batch",
        "µs/sample",
        f"MLP 2-8×{wls.SCALING_BATCH_DEPTH}-1 ({wls.SCALING_BATCH_DEPTH} hidden layers), tanh, log-loss, SGD lr 0.1",
    ),
}


def x_of(wl: wls.Workload) -> int:
    """The swept quantity of a point: hidden layers (S-depth) or batch size (S-batch)."""
    return int(wl.name.split("/")[1])


def linear_fit(x, y) -> dict[str, float]:
    """``{"slope", "intercept", "r2", "segments"}``: the least-squares line through ``(x, y)``, its R², and the
    slopes between consecutive points (equal for a straight line; rising for a cost that grows faster)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    slope, intercept = np.polyfit(x, y, 1)
    fit = intercept + slope * x
    ss_res = float(np.sum((y - fit) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    segments = [float(d) for d in np.diff(y) / np.diff(x)]
    return {"slope": float(slope), "intercept": float(intercept), "r2": r2, "segments": segments}


def bench_sweep(sweep: str, peers: dict, settings: harness.Settings, threads: int) -> list:
    """Time every point of ``sweep`` for every peer in the same rounds; returns one WorkloadResult per point.

    All (point, peer) steps are built first (each point's losses checked as usual), then timed together by
    one ``harness.round_robin``, so a drift of the machine's speed during the sweep moves every point alike
    instead of bending the line. ``max_timing_s`` is scaled by the number of points.
    """
    waited = harness.wait_quiet(settings.quiet_wait_s, settings.max_other_load)
    prepared = [harness.prepare_workload(wl, peers, settings, threads) for wl in wls.scaling_workloads(sweep)]
    fns = {f"{res.workload.name} {n}": fn for res, steps in prepared for n, fn in steps.items()}
    notes: dict[str, str] = {}
    stats: dict = {}
    wide = replace(settings, max_timing_s=settings.max_timing_s * len(prepared))
    timings = harness.round_robin(fns, wide, notes, stats)
    for res, steps in prepared:
        for n in steps:
            key = f"{res.workload.name} {n}"
            if key in timings:
                res.timings[n] = timings[key]
            if key in notes:
                res.notes[n] = notes[key]
        res.other_load = stats.get("other_load")
    results = [res for res, _ in prepared]
    results[0].waited_s = waited
    harness.release(fns.values())  # steps living in worker processes are dropped there
    del fns, prepared  # the steps hold sessions and compiled functions
    gc.collect()
    return results


def fits(results: list, names: list[str]) -> dict[str, dict[str, float]]:
    """Per peer that ran every point: the line through its medians, in µs."""
    out = {}
    for n in names:
        if all(n in r.timings for r in results):
            xs = [x_of(r.workload) for r in results]
            out[n] = linear_fit(xs, [r.timings[n].median * 1e6 for r in results])
    return out


def report(sweep: str, results: list, names: list[str], ref: str | None, bad: set) -> list[str]:
    """Markdown: µs/step per point and peer (ratio to ``ref``), then slope, intercept, R², max deviation."""
    xlabel, slope_unit, model = SWEEPS[sweep]
    f = fits(results, names)
    out = [
        f"\n## {sweep}: µs/step against {xlabel}; {model}; least-squares line t = intercept + slope × {xlabel}\n",
        harness.md_row([xlabel] + names + ["other load"]),
        harness.md_row(["---"] * (len(names) + 2)),
    ]
    for r in results:
        t_ref = r.timings[ref].median if ref in r.timings else None
        cells = []
        for n in names:
            if n not in r.timings:
                cells.append("—")
                continue
            t = r.timings[n].median
            c = f"{t * 1e6:.1f}" + (f" ({t / t_ref:.2f}x)" if t_ref else "")
            c += " (contended)" if r.timings[n].contended else ""
            cells.append(c + (" ⚠ loss mismatch" if (r.workload.name, n) in bad else ""))
        load = "?" if r.other_load is None else f"{r.other_load:.2f} cores"
        out.append(harness.md_row([x_of(r.workload)] + cells + [load]))
    ref_slope = f.get(ref, {}).get("slope")
    rows = [
        (
            f"slope ({slope_unit})",
            lambda v: f"{v['slope']:.3f}" + (f" ({v['slope'] / ref_slope:.2f}x)" * bool(ref_slope)),
        ),
        ("intercept (µs)", lambda v: f"{v['intercept']:.1f}"),
        ("R²", lambda v: f"{v['r2']:.4f}"),
        (f"segment slopes ({slope_unit})", lambda v: " / ".join(f"{d:.3g}" for d in v["segments"])),
    ]
    for label, fmt in rows:
        out.append(harness.md_row([f"**{label}**"] + [fmt(f[n]) if n in f else "—" for n in names] + [""]))
    return out


def summary_lines(sweep: str, results: list, names: list[str]) -> list[str]:
    """One plain line per peer: slope, intercept, R² (printed to the log as the sweep finishes)."""
    _, slope_unit, _ = SWEEPS[sweep]
    return [
        f"{sweep} {n}: slope {v['slope']:.3f} {slope_unit}, intercept {v['intercept']:.1f} µs, R² {v['r2']:.4f}"
        for n, v in fits(results, names).items()
    ]
