"""Where one workload's graphgrad training step goes: every kernel and Numba island (runtime/jit.py) of the
step's plan timed, the BLAS products inside the convolution kernels timed apart, and the times summed into parts
(GEMMs, im2col/col2im, pooling, optimizer updates, other ops, islands, the framework around them). With Numba
installed the islands are compiled first; `GRAPHGRAD_JIT=0` profiles the kernels alone.

    PYTHONPATH=. python -m bench.step_profile W5 [--steps 12] [--top 12]

Figures are medians over the steps. With one BLAS thread (`OPENBLAS_NUM_THREADS=1`) the clock is the thread's
CPU time, which other processes on a shared machine do not inflate; otherwise wall time. "framework" is the
step's time less its kernels' (the generated function's Python, feed checks, result conversion).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections import defaultdict

from . import peers, workloads
from .peers import graphgrad_peer

CONV = {"Conv", "ConvBackpropInput", "ConvBackpropInputSizes", "ConvBackpropFilter"}
POOL = {"MaxPool", "MaxPoolGrad", "MaxPoolGradGrad", "AvgPool", "AvgPoolGrad", "MaxPoolWithArgmax"}
PARTS = ("BLAS GEMMs: dense layers (MatMul; descent updates BLAS adds into the weights)",
         "BLAS GEMMs: inside the convolution kernels",
         "im2col / col2im: the convolution kernels outside their GEMMs", "pooling (MaxPool, MaxPoolGrad)",
         "optimizer updates", "other ops (bias adds, ReLU, reductions, softmax cross-entropy, reshapes)",
         "islands compiled by Numba (their small products included)", "framework (plan function, feeds, results)")
ISLAND = "island"


BY_BLAS = " (by BLAS)"  # marks an update whose product BLAS adds into the variable (the gemm pass)


def _part(op_type):
    if op_type == "MatMul" or op_type.endswith(BY_BLAS):
        return PARTS[0]
    if op_type in CONV:
        return PARTS[2]
    if op_type in POOL:
        return PARTS[3]
    if op_type.startswith("Apply") or op_type == "AdamBetaPowers":
        return PARTS[4]
    if op_type == ISLAND:
        return PARTS[6]
    return PARTS[5]


def profile(name, steps, clock):
    """(median step time, {kernel global: (label, op type, median time)}, median GEMM time in conv kernels)."""
    from graphgrad.ops import conv_ops
    from graphgrad.runtime import plan as plan_mod

    plans, gemm = [], [0.0]
    init, matmul = plan_mod.Plan.__init__, conv_ops._matmul

    def record_plan(self, *a, **k):
        init(self, *a, **k)
        plans.append(self)

    def timed_matmul(ctx, dtype):
        mm = matmul(ctx, dtype)

        def run(*a, **k):
            t = clock()
            out = mm(*a, **k)
            gemm[-1] += clock() - t
            return out
        return run

    plan_mod.Plan.__init__, conv_ops._matmul = record_plan, timed_matmul
    try:
        wl = workloads.WORKLOADS[name]
        step = graphgrad_peer.make_step(wl, workloads.init_params(wl), workloads.make_data(wl))
        plan = plans[-1]  # the training step's (make_callable compiles it last)
        for _ in range(peers.WARM_STEPS):  # where Numba is installed, the plan's islands are compiled in the last
            step()  # (its kernels bound again, with the timed products)
    finally:
        plan_mod.Plan.__init__, conv_ops._matmul = init, matmul
    labels = {f"j{k}": (f"island {k}: {len(isl.ops)} ops ({', '.join(sorted({o.type for o in isl.ops}))})"[:90],
                        ISLAND) for k, isl in enumerate(plan.islands)}
    for line in plan.source.splitlines():
        m = re.search(r"\b(k\d+)\(.*#\s*(.*) \((\w+)\)", line)
        if m:
            labels[m.group(1)] = (m.group(2), m.group(3))
    by_blas = {update for _, update in plan.rewrites.get("gemm", ())}
    labels = {k: (label, op_type + BY_BLAS if label in by_blas else op_type) for k, (label, op_type) in labels.items()}
    g, times = plan._fn.__globals__, defaultdict(lambda: [0.0])  # entry 0: the warm-up steps'
    for k in labels:
        def wrapped(*a, _f=g[k], _k=k, **kw):
            t = clock()
            out = _f(*a, **kw)
            times[_k][-1] += clock() - t
            return out
        g[k] = wrapped
    step()
    step()
    totals = []
    for _ in range(steps):
        for k in labels:
            times[k].append(0.0)
        gemm.append(0.0)
        t = clock()
        step()
        totals.append(clock() - t)
    med = statistics.median
    kernels = {k: (*labels[k], med(times[k][1:])) for k in labels}
    return med(totals), kernels, med(gemm[1:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--top", type=int, default=12, help="kernels listed one by one")
    args = ap.parse_args(argv)
    one_thread = os.environ.get("OPENBLAS_NUM_THREADS") == "1"
    clock = time.thread_time if one_thread else time.perf_counter
    total, kernels, conv_gemm = profile(args.workload, args.steps, clock)
    parts = dict.fromkeys(PARTS, 0.0)
    for _, op_type, t in kernels.values():
        parts[_part(op_type)] += t
    parts[PARTS[1]], parts[PARTS[2]] = conv_gemm, parts[PARTS[2]] - conv_gemm
    parts[PARTS[7]] = total - sum(t for *_, t in kernels.values())
    scale, unit = (1e6, "µs") if total < 1e-3 else (1e3, "ms")
    print(f"{args.workload}: {total * scale:.1f} {unit}/step (median of {args.steps}; "
          f"{'thread CPU time, 1 BLAS thread' if one_thread else 'wall time'})\n")
    print(f"| part | {unit}/step | share |\n| --- | --- | --- |")
    for p, t in parts.items():
        print(f"| {p} | {t * scale:.1f} | {t / total:.0%} |")
    print(f"\n| kernel | op type | {unit}/step |\n| --- | --- | --- |")
    for label, op_type, t in sorted(kernels.values(), key=lambda v: -v[2])[:args.top]:
        print(f"| {label} | {op_type} | {t * scale:.2f} |")


if __name__ == "__main__":
    main()
