"""Where one workload's graphgrad training step goes: every kernel and Numba island (runtime/jit.py) of the
step's plan timed, the BLAS products inside the convolution kernels timed apart, and the times summed into parts
(GEMMs, im2col/col2im, pooling, optimizer updates, other ops, islands, the framework around them). The kernels
of loop bodies (inner plans a While/WhileGrad runs per iteration) are timed too, and the loops' own part is their
kernels' time less those and less the weight-gradient products WhileGrad adds into its sums. With Numba
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
         "islands compiled by Numba (their small products included)", "framework (plan function, feeds, results)",
         "BLAS GEMMs: weight gradients summed by loops (WhileGrad: per iteration or rows stacked)",
         "loops: While/WhileGrad less their bodies' kernels and products (Python loop, history, plan functions)",
         "convolution passes split by images over the GEMM pool (patch rows and their GEMMs together)",
         "LSTM sequences (LSTMSequence and its gradient: the steps' products and gate arithmetic, d w_h's product)",
         "in-place chains over the GEMM pool (bias adds, ReLU and its gradient on big buffers: runtime/row_chains.py)")
ISLAND = "island"
CHAIN = "chain"
LOOPS = {"While", "UpdatingWhile", "WhileGrad", "WhileGradGrad"}


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
    if op_type == CHAIN:
        return PARTS[12]
    if op_type in LOOPS:
        return PARTS[9]
    if op_type in ("LSTMSequence", "LSTMSequenceGrad"):
        return PARTS[11]
    return PARTS[5]


def _timed_kernels(plan, prefix, clock, times, labels):
    """Wrap every kernel and island the generated function of `plan` calls with a timer adding to `times`."""
    names = {f"j{k}": (f"island {k}: {len(isl.ops)} ops ({', '.join(sorted({o.type for o in isl.ops}))})"[:90],
                       ISLAND) for k, isl in enumerate(plan.islands)}
    names.update({f"q{k}": (f"chain {k}: {len(ch.ops)} ops ({', '.join(op.type for op in ch.ops)})"[:90], CHAIN)
                  for k, ch in enumerate(plan.chains)})
    for line in plan.source.splitlines():
        m = re.search(r"\b(k\d+)\(.*#\s*(.*) \((\w+)\)", line)
        if m:
            names[m.group(1)] = (m.group(2), m.group(3))
    by_blas = {update for _, update in plan.rewrites.get("gemm", ())}
    names = {k: (label, op_type + BY_BLAS if label in by_blas else op_type) for k, (label, op_type) in names.items()}
    g = plan._fn.__globals__
    for k, label in names.items():
        def wrapped(*a, _f=g[k], _k=prefix + k, **kw):
            t = clock()
            out = _f(*a, **kw)
            times[_k][-1] += clock() - t
            return out
        g[k] = wrapped
        labels[prefix + k] = label


def _kernel_ops(plan):
    """{kernel global: op} of the ops `plan` runs through one kernel each."""
    by_name = {op.name: op for op in plan.steps}
    out = {}
    for line in plan.source.splitlines():
        m = re.search(r"\b(k\d+)\(.*#\s*(.*) \((\w+)\)", line)
        if m and m.group(2) in by_name:
            out[m.group(1)] = by_name[m.group(2)]
    return out


def profile(name, steps, clock):
    """(median step time, {kernel global: (label, op type, median time)}, median GEMM time in conv kernels,
    median time of the MatMul kernels loops call outside their bodies' plans). Kernels of inner plans (loop
    bodies: `Plan(inner=True)`) are timed too, labelled "loop body:"; the While/WhileGrad kernels' times then
    exclude them."""
    from graphgrad.ops import conv_ops
    from graphgrad.ops.matmul_ops import MatMul
    from graphgrad.runtime import context as context_mod
    from graphgrad.runtime import gemm_pool
    from graphgrad.runtime import plan as plan_mod

    plans, gemm, loop_gemm, pooled = [], [0.0], [0.0], [0.0]
    conv_passes = gemm_pool.conv_forward, gemm_pool.conv_input_grad
    init, matmul, mm_kernel = plan_mod.Plan.__init__, conv_ops._matmul, MatMul.__dict__["kernel"]
    ctx_init = context_mod.RunContext.__init__

    def record_plan(self, *a, **k):
        init(self, *a, **k)
        plans.append(self)

    def timed(f, bucket):
        def run(*a, **k):
            t = clock()
            out = f(*a, **k)
            bucket[-1] += clock() - t
            return out
        return run

    def timed_matmul(ctx, dtype):
        return timed(matmul(ctx, dtype), gemm)

    def timed_mm_kernel(op, ctx):  # every MatMul kernel, in plans or called by a loop (summed products)
        return timed(mm_kernel(op, ctx), loop_gemm)

    def timed_ctx_gemm(self, *a, **k):  # the products a loop's gradient adds into its sums (ctx.gemm)
        ctx_init(self, *a, **k)
        self.gemm = timed(self.gemm, loop_gemm)

    plan_mod.Plan.__init__, conv_ops._matmul, MatMul.kernel = record_plan, timed_matmul, timed_mm_kernel
    context_mod.RunContext.__init__ = timed_ctx_gemm
    gemm_pool.conv_forward, gemm_pool.conv_input_grad = (timed(f, pooled) for f in conv_passes)
    try:
        wl = workloads.WORKLOADS[name]
        step = graphgrad_peer.make_step(wl, workloads.init_params(wl), workloads.make_data(wl))
        for _ in range(peers.WARM_STEPS):  # where Numba is installed, the plan's islands are compiled in the last
            step()  # (runtime/jit.py; with the timed products bound)
    finally:
        plan_mod.Plan.__init__, conv_ops._matmul, MatMul.kernel = init, matmul, mm_kernel
        context_mod.RunContext.__init__ = ctx_init
    outer = plans[-1]  # the training step's (make_callable compiles it last); inner plans are built by its kernels
    fn, same = outer._fn, 0
    for _ in range(80):  # until the plan has made its jit judgment (it replaces its function then): 10 steps alike
        step()
        same = same + 1 if outer._fn is fn else 0
        fn = outer._fn
        if same >= 10:
            break
    times, labels = defaultdict(lambda: [0.0]), {}  # entry 0: the warm-up steps'
    _timed_kernels(outer, "", clock, times, labels)
    inner = [p for p in plans if p.inner]
    for i, p in enumerate(inner):
        _timed_kernels(p, f"i{i}.", clock, times, labels)
    labels = {k: (f"loop body: {v[0]}" if "." in k else v[0], v[1]) for k, v in labels.items()}
    step()
    step()
    totals = []
    for _ in range(steps):
        for k in labels:
            times[k].append(0.0)
        gemm.append(0.0)
        loop_gemm.append(0.0)
        pooled.append(0.0)
        t = clock()
        step()
        totals.append(clock() - t)
    med = statistics.median
    kernels = {k: (*labels[k], med(times[k][1:])) for k in labels}
    mm = {k for k, (_, op_type, _) in kernels.items() if op_type == "MatMul"}
    summed = max(0.0, med(loop_gemm[1:]) - sum(kernels[k][2] for k in mm))
    # a loop's own time: its kernel's less its bodies' kernels (and a WhileGrad's less the products it sums)
    keys = {op: f"{prefix}{k}" for prefix, p in [("", outer)] + [(f"i{i}.", p) for i, p in enumerate(inner)]
            for k, op in _kernel_ops(p).items()}
    grads = [k for op, k in keys.items() if op.type == "WhileGrad"]
    for i, p in enumerate(inner):
        branch = next((op._branch for op in p.steps if op._branch is not None), None)
        owner = next((keys[op] for op in keys if op.type in LOOPS and branch is not None and any(
            op.attrs.get(a) is branch for a in ("body", "grad", "gg"))), None)
        if owner is not None:
            body = sum(t for k, (*_, t) in kernels.items() if k.startswith(f"i{i}."))
            kernels[owner] = (*kernels[owner][:2], kernels[owner][2] - body)
    for k in grads:
        kernels[k] = (*kernels[k][:2], kernels[k][2] - summed / len(grads))
    gemm_pool.conv_forward, gemm_pool.conv_input_grad = conv_passes
    return med(totals), kernels, med(gemm[1:]), summed, med(pooled[1:])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--top", type=int, default=12, help="kernels listed one by one")
    args = ap.parse_args(argv)
    one_thread = os.environ.get("OPENBLAS_NUM_THREADS") == "1"
    clock = time.thread_time if one_thread else time.perf_counter
    total, kernels, conv_gemm, summed, pooled = profile(args.workload, args.steps, clock)
    parts = dict.fromkeys(PARTS, 0.0)
    for _, op_type, t in kernels.values():
        parts[_part(op_type)] += t
    parts[PARTS[1]], parts[PARTS[2]], parts[PARTS[8]] = conv_gemm, parts[PARTS[2]] - conv_gemm - pooled, summed
    parts[PARTS[10]] = pooled
    parts[PARTS[7]] = total - sum(parts.values())
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
