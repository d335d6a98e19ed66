"""``python -m bench``: run the workloads on every installed peer and print markdown tables."""

from __future__ import annotations

import argparse
import os
import time

# Peer registry: name -> module. Modules are imported lazily; a missing one (or a missing library) is
# skipped with a note. ``graphgrad_peer`` is written by the engine's author, same interface as the others.
PEERS: dict[str, str] = {
    "numpy": "bench.peers.numpy_ref",
    "torch": "bench.peers.torch_peer",
    "tf": "bench.peers.tf_peer",
    "jax": "bench.peers.jax_peer",
    "graphgrad": "bench.peers.graphgrad_peer",
    "gg-eager": "bench.peers.graphgrad_eager_peer",
    "gg-function": "bench.peers.graphgrad_function_peer",
}
UNIT_LABEL = {"us/step": "µs/step", "ms/step": "ms/step", "s/epoch": "s/epoch", "s/step": "s/step",
              "us/iteration": "µs/iteration"}
STEADY = ("W1", "W1F", "W2", "W3", "W5", "W6")  # timed round-robin, one worker process per peer
DEFAULT = ("W1", "W1F", "W2", "W3")  # what runs without --workloads
COLD = ("W4",)  # cold start, one fresh child process per peer and repeat (bench/coldstart.py)
SWEEPS = ("S-depth", "S-batch")  # cost growth with depth and batch (bench/scaling.py)
LOOPS = ("L1",)  # while-loop cost per iteration: peers' make_loop (tf.while_loop, lax.while_loop, ...)
ALL = STEADY + COLD + SWEEPS + LOOPS


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument(
        "--workloads",
        type=_csv,
        default=list(DEFAULT),
        help=f"comma list from {','.join(ALL)}, or 'all' (default: {','.join(DEFAULT)})",
    )
    ap.add_argument("--scaling", action="store_true", help="also run the sweeps S-depth and S-batch")
    ap.add_argument("--peers", type=_csv, default=list(PEERS), help=f"comma list from {','.join(PEERS)}")
    ap.add_argument("--threads", type=int, default=2, help="threads for every peer (default 2)")
    ap.add_argument("--ref", default=None, help="reference peer for ratios (default: graphgrad, else first)")
    ap.add_argument("--quick", action="store_true", help="fewer rounds and shorter batches (~1-2 min)")
    ap.add_argument(
        "--memory", action="store_true", help="also measure peak RSS, one child per peer/workload"
    )
    ap.add_argument("--rss-steps", type=int, default=5, help="steps run by each --memory child")
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="run every peer in this process instead of one worker process per peer (the libraries' thread "
        "pools then share the process and disturb each other's timings)",
    )
    args = ap.parse_args(argv)
    if "all" in args.workloads:
        args.workloads = list(ALL)
    if args.scaling:
        args.workloads += [w for w in SWEEPS if w not in args.workloads]
    unknown = [w for w in args.workloads if w not in ALL]
    if unknown:
        ap.error(f"unknown workloads {unknown}; known: {list(ALL)}")
    bad = [p for p in args.peers if p not in PEERS]
    if bad:
        ap.error(f"unknown peers {bad}; known: {list(PEERS)}")
    return args


def _fmt_time(wl, t: float) -> str:
    if wl.unit == "us/step":
        return f"{t * 1e6:.1f}"
    if wl.unit == "ms/step":
        return f"{t * 1e3:.1f}"
    if wl.unit == "us/iteration":
        return f"{t / wl.sizes[0] * 1e6:.3g}"
    if wl.unit == "s/epoch":
        return f"{t * wl.steps_per_epoch:.3f}"
    return f"{t:.3f}"


def _load(res) -> str:
    return "?" if res.other_load is None else f"{res.other_load:.2f} cores"


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"  # same as harness.md_row (harness loads NumPy)


def main(argv=None) -> None:
    args = parse_args(argv)
    # Fix thread counts before NumPy (imported by bench.harness) or any peer library loads.
    os.environ.update(
        {k: str(args.threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    )
    from bench import harness

    try:
        _bench(args)
    finally:
        harness.close_workers()  # also on Ctrl-C or an error: no worker outlives the run


def _bench(args: argparse.Namespace) -> None:
    from bench import coldstart, harness, scaling
    from bench import workloads as wls

    settings = harness.QUICK if args.quick else harness.FULL
    t_start = time.perf_counter()

    if args.in_process:
        peers, notes = {}, {}
        for name in args.peers:
            mod, note = harness.load_peer(PEERS[name])
            if mod is None:
                notes[name] = note
            else:
                peers[name] = mod
    else:  # this process imports no peer library: each peer loads in its own worker
        peers, notes = harness.start_workers({n: PEERS[n] for n in args.peers}, args.threads)
    limit_note = harness.limit_threads(args.threads)
    ref = args.ref or ("graphgrad" if "graphgrad" in peers else next(iter(peers), None))
    if not peers:
        raise SystemExit("no peer could be loaded: " + "; ".join(f"{k}: {v}" for k, v in notes.items()))

    print(f"# graphgrad benchmark ({'quick' if args.quick else 'full'})\n")
    env_lines = harness.environment_lines(args.threads)
    for line in env_lines:
        print(f"- {line}")
    print("- peers: " + ", ".join(f"{n} = {harness.peer_version(m)}" for n, m in peers.items()))
    if args.in_process:
        print("- isolation: none (--in-process): all peers run in this process")
    else:
        print("- isolation: one worker process per peer (`python -m bench.harness worker`); the lines above are")
        print("  this process's, which drives the rounds and imports no peer library")
        for name, w in peers.items():
            for line in w.pools:
                if line not in env_lines:
                    print(f"- {name} worker {line}")
    for name, note in notes.items():
        print(f"- {name}: {note}")
    if limit_note:
        print(f"- {limit_note}")
    print(f"- workloads: {','.join(args.workloads)}", flush=True)
    print()

    def done(label, t0, waited):
        dt = time.perf_counter() - t0
        print(f"<!-- {label} done in {dt:.1f} s (waited {waited:.0f} s for quiet) -->", flush=True)

    results = []
    for w in [w for w in args.workloads if w in STEADY]:
        t0 = time.perf_counter()
        results.append(harness.bench_workload(wls.WORKLOADS[w], peers, settings, args.threads))
        done(w, t0, results[-1].waited_s)
    mm = None
    if "W3" in args.workloads:
        t0 = time.perf_counter()
        mm = harness.bench_matmul(peers, settings, args.threads)
        done("matmul", t0, mm.waited_s)
    loop = None
    if "L1" in args.workloads:
        t0 = time.perf_counter()
        loop = harness.bench_loop(peers, settings, args.threads)
        done("L1", t0, loop.waited_s)
    cold = []
    for w in [w for w in args.workloads if w in COLD]:
        t0 = time.perf_counter()
        cold.append(coldstart.bench_cold(wls.WORKLOADS[w], {n: PEERS[n] for n in peers}, settings, args.threads))
        done(w, t0, cold[-1].waited_s)
    sweeps: dict[str, list] = {}
    for w in [w for w in args.workloads if w in SWEEPS]:
        t0 = time.perf_counter()
        sweeps[w] = scaling.bench_sweep(w, peers, settings, args.threads)
        done(w, t0, sum(r.waited_s for r in sweeps[w]))
        for line in scaling.summary_lines(w, sweeps[w], list(peers)):
            print(f"<!-- {line} -->", flush=True)

    names = list(peers)
    checked = results + [r for rs in sweeps.values() for r in rs]
    # Losses are compared with the hand-written NumPy oracle when it ran, else with the reference peer.
    check_base = "numpy" if "numpy" in peers else ref
    checks = {r.workload.name: harness.check_rows(r, check_base, settings.tol) for r in checked}
    bad = {(w, row[0]) for w, rows in checks.items() for row in rows if not row[3]}
    for w, n in sorted(bad):
        print(f"\n**WARNING: {w} / {n}: losses differ from {check_base} by more than {settings.tol:g}**")

    if results or cold or loop:
        _results_table(results + ([loop] if loop else []), mm, cold, names, ref, bad, settings, wls, coldstart)
    for res in cold:
        print("\n".join(coldstart.report(res, names, ref, check_base, settings.tol)))
    for w, rs in sweeps.items():
        print("\n".join(scaling.report(w, rs, names, ref, bad)))
    if checked:
        _check_table(checked, checks, settings)
    if checked or mm or loop:
        _details_table(checked + [r for r in (mm, loop) if r], settings)

    if args.memory:
        mem = [w for w in args.workloads if w in STEADY]
        print(
            f"\n## Peak RSS (MiB; one child process per cell, {args.rss_steps} steps; "
            "peak includes the data set)\n"
        )
        if not mem:
            print("(only W1-W3 are measured here; W4's table has the peak RSS of its children)")
        print(_row(["workload"] + [f"{n} peak (after import)" for n in names]))
        print(_row(["---"] * (1 + len(names))))
        for w in mem:
            cells = []
            for n in names:
                m = harness.peak_rss(PEERS[n], w, args.threads, args.rss_steps)
                cells.append(m["error"] if "error" in m else f"{m['peak_mb']:.0f} ({m['import_mb']:.0f})")
            print(_row([w] + cells), flush=True)

    print(f"\n<!-- total {time.perf_counter() - t_start:.1f} s -->")


def _results_table(results, mm, cold, names, ref, bad, settings, wls, coldstart) -> None:
    print(
        f"\n## Results (median per step; ratio = time / time of `{ref}`, below 1 is faster; other load = "
        "mean cores kept busy by other processes during the rounds used)\n"
    )
    print(_row(["workload", "unit"] + names + ["other load"]))
    print(_row(["---"] * (3 + len(names))))
    w3_rate = {}
    for r in results:
        wl = r.workload
        t_ref = r.timings[ref].median if ref in r.timings else None
        cells = []
        for n in names:
            if n not in r.timings:
                cells.append("—")
                continue
            t = r.timings[n].median
            c = _fmt_time(wl, t) + (f" ({t / t_ref:.2f}x)" if t_ref else "")
            c += " (contended)" if r.timings[n].contended else ""
            cells.append(c + (" ⚠ loss mismatch" if (wl.name, n) in bad else ""))
        print(_row([f"{wl.name}: {wl.description}", UNIT_LABEL[wl.unit]] + cells + [_load(r)]))
        if wl.name == "W3":
            flops = wls.train_flops(wl)
            gf = [f"{flops / r.timings[n].median / 1e9:.1f}" if n in r.timings else "—" for n in names]
            label = "W3 throughput (6 × params × batch per step; overstates work ~1.2x)"
            print(_row([label, "GFLOP/s"] + gf + [_load(r)]))
            w3_rate = {n: wls.gemm_flops(wl) / r.timings[n].median / 1e9 for n in names if n in r.timings}
            gf = [f"{w3_rate[n]:.1f}" if n in w3_rate else "—" for n in names]
            label = "W3 throughput (the step's matrix products, 2·m·n·k each)"
            print(_row([label, "GFLOP/s"] + gf + [_load(r)]))
    if mm is not None:
        n3 = settings.matmul_n
        gf = [f"{2 * n3**3 / mm.timings[n].median / 1e9:.1f}" if n in mm.timings else "—" for n in names]
        print(_row([f"float32 matmul {n3}³ (2n³ FLOP, same run)", "GFLOP/s"] + gf + [_load(mm)]))
        if w3_rate and "numpy" in mm.timings:  # the machine's BLAS rate: NumPy's matmul
            machine = 2 * n3**3 / mm.timings["numpy"].median / 1e9
            pct = [f"{100 * w3_rate[n] / machine:.0f} %" if n in w3_rate else "—" for n in names]
            print(_row(["W3 matrix-product rate / NumPy's matmul rate", "%"] + pct + [_load(mm)]))
        if w3_rate and mm.timings:  # ... or the fastest BLAS any peer brings (MKL: PyTorch's, graphgrad's mkl extra)
            best = max(2 * n3**3 / t.median / 1e9 for t in mm.timings.values())
            pct = [f"{100 * w3_rate[n] / best:.0f} %" if n in w3_rate else "—" for n in names]
            print(_row([f"W3 matrix-product rate / the run's best {n3}³ rate", "%"] + pct + [_load(mm)]))
    for res in cold:
        label = f"{res.workload.name}: {res.workload.description}; build → first loss"
        print(_row([label, "s (fresh process)"] + coldstart.summary_cells(res, names, ref) + [_load(res)]))


def _check_table(checked, checks, settings) -> None:
    print(
        f"\n## Loss check (first {settings.check_steps} steps from the same weights and batches, "
        f"tolerance {settings.tol:g} relative)\n"
    )
    print(_row(["workload", "peer", "first loss", "last loss", "max rel diff", "vs", "status"]))
    print(_row(["---"] * 7))
    for r in checked:
        for peer, base, d, ok in checks[r.workload.name]:
            ls = r.losses[peer]
            status = "ok" if ok else "**WARNING: losses differ**"
            print(_row([r.workload.name, peer, f"{ls[0]:.6f}", f"{ls[-1]:.6f}", f"{d:.1e}", base, status]))


def _details_table(timed, settings) -> None:
    print("\n## Timing details (per step)\n")
    print(
        f"Rounds during which other processes kept > {settings.max_other_load:g} cores busy are disturbed "
        "and left out, unless too few clean rounds remain (then all are used and the cell says contended).\n"
    )
    head = ["workload", "peer", "steps/batch", "clean rounds", "disturbed rounds"]
    head += ["median", "min", "max", "max/min"]
    print(_row(head))
    print(_row(["---"] * len(head)))
    for r in timed:
        for n, t in r.timings.items():
            scale, u = (1e6, "µs") if t.median < 1e-2 else (1e3, "ms")
            lo, hi = min(t.per_step), max(t.per_step)
            clean = len(t.per_step) - (t.discarded if t.contended else 0)
            cells = [r.workload.name, n, t.steps_per_batch, clean, t.discarded]
            cells += [f"{v * scale:.1f} {u}" for v in (t.median, lo, hi)] + [f"{hi / lo:.2f}"]
            print(_row(cells))
    run_notes = [(r.workload.name, n, note) for r in timed for n, note in r.notes.items()]
    if run_notes:
        print()
        for w, n, note in run_notes:
            print(f"- {w} / {n}: {note}")


if __name__ == "__main__":
    main()
