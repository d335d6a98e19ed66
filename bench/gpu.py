"""GPU benchmarks of issue 7, graphgrad against PyTorch CUDA in one run.

    python -m bench.gpu                       # G1 and G2 on the GPU (CuPy, PyTorch with CUDA)
    python -m bench.gpu --device cpu --quick  # smoke test of this script on the CPU (small sizes, no CUDA)

G1: MLP 784-256-256-10, batch 128, Adam: microseconds per training step, launch-bound. graphgrad runs its plan
    through `make_callable`, captured as a CUDA graph after two warm-up runs; PyTorch runs eagerly and with the
    whole step captured by hand as a CUDA graph (static input tensors, `Adam(capturable=True)`). Every step
    copies its batch from the host, in both; the loss is fetched once per timed batch of steps.
G2: MLP 8192-8192-8192-8192-10, batch 8192, SGD, in TF32 and in bfloat16 mixed precision (float32 weights):
    achieved TFLOP/s counting 6 x params x batch per step, next to the rate of one 8192^3 product of the same
    precision on the same GPU (cuBLAS through PyTorch).

Medians over rounds that alternate between the peers; each timed batch ends with a device synchronisation.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

G1_SIZES, G1_BATCH = (784, 256, 256, 10), 128
G2_SIZES, G2_BATCH = (8192, 8192, 8192, 8192, 10), 8192


def _params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        lim = np.sqrt(6.0 / (i + o))
        out.append((rng.uniform(-lim, lim, (i, o)).astype(np.float32), np.zeros(o, np.float32)))
    return out


def _batch(sizes, batch, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, sizes[0])).astype(np.float32), rng.integers(0, sizes[-1], batch).astype(np.int32)


def graphgrad_step(sizes, batch, device, optimizer="adam", precision="float32"):
    """(step, sync): `step()` trains once on the host batch; `sync()` returns the last loss (waits for it)."""
    import graphgrad as tf

    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, sizes[0]))
        y = tf.placeholder(tf.int32, (None,))
        h = x
        params = _params(sizes)
        for k, (w, b) in enumerate(params):
            h = tf.matmul(h, tf.Variable(w)) + tf.Variable(b)
            if k < len(params) - 1:
                h = tf.nn.relu(h)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        opt = tf.train.AdamOptimizer(1e-3) if optimizer == "adam" else tf.train.GradientDescentOptimizer(1e-3)
        train = opt.minimize(loss)
        s = tf.Session(device=device, matmul_precision=precision)
        s.run(tf.global_variables_initializer())
        step_fn = s.make_callable(train, [x, y])
        loss_fn = s.make_callable(loss, [x, y])
    xb, yb = _batch(sizes, batch)

    def step():
        return step_fn(xb, yb)
    step.plans = [step_fn.plan, loss_fn.plan]  # for bench/gpu_diag.py
    return step, (lambda: float(loss_fn(xb, yb)))


def torch_step(sizes, batch, device, optimizer="adam", precision="float32", graph=False):
    import torch

    dev = torch.device("cuda" if device == "gpu" else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = precision == "tensorfloat32"
    layers = []
    for k, (w, b) in enumerate(_params(sizes)):
        lin = torch.nn.Linear(*w.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin] + ([torch.nn.ReLU()] if k < len(sizes) - 2 else [])
    model = torch.nn.Sequential(*layers).to(dev)
    capturable = graph and dev.type == "cuda"
    opt = (torch.optim.Adam(model.parameters(), 1e-3, capturable=capturable) if optimizer == "adam"
           else torch.optim.SGD(model.parameters(), 1e-3))
    xh, yh = (torch.from_numpy(a) for a in _batch(sizes, batch))
    x, y = xh.to(dev), yh.long().to(dev)
    autocast = precision == "bfloat16"

    def body():
        opt.zero_grad(set_to_none=False)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=autocast):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if not graph:
        def step():
            x.copy_(xh)
            y.copy_(yh)
            return body()
        return step, lambda: float(body().detach())
    if dev.type != "cuda":
        raise NotImplementedError("CUDA graphs need a GPU")
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):  # warm-up on a side stream, as the PyTorch docs' whole-network capture does
            body()
    torch.cuda.current_stream().wait_stream(side)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        static_loss = body()

    def step():
        x.copy_(xh)
        y.copy_(yh)
        g.replay()
    return step, lambda: float(static_loss.detach())


def matmul_rate(n, device, precision, repeats=5):
    """TFLOP/s of one n^3 product at `precision` (cuBLAS via PyTorch), the ceiling for G2."""
    import torch

    dev = torch.device("cuda" if device == "gpu" else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = precision == "tensorfloat32"
    dt = torch.bfloat16 if precision == "bfloat16" else torch.float32
    a = torch.randn(n, n, device=dev, dtype=dt)
    b = torch.randn(n, n, device=dev, dtype=dt)
    times = []
    for _ in range(repeats + 1):
        _sync(dev.type)
        t = time.perf_counter()
        a @ b
        _sync(dev.type)
        times.append(time.perf_counter() - t)
    return 2 * n**3 / statistics.median(times[1:]) / 1e12


def _sync(kind):
    if kind == "cuda":
        import torch

        torch.cuda.synchronize()


def time_peers(peers, steps, rounds):
    """Median seconds per step of each (step, sync) pair, in alternating rounds."""
    for step, sync in peers.values():
        for _ in range(5):
            step()
        sync()
    times = {name: [] for name in peers}
    for r in range(rounds):
        names = list(peers)[r % len(peers):] + list(peers)[:r % len(peers)]
        for name in names:
            step, sync = peers[name]
            t = time.perf_counter()
            for _ in range(steps):
                step()
            sync()
            times[name].append((time.perf_counter() - t) / (steps + 1))  # sync() runs one more step's loss
    return {name: statistics.median(v) for name, v in times.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="gpu", choices=["gpu", "cpu"])
    ap.add_argument("--workloads", default="G1,G2")
    ap.add_argument("--quick", action="store_true", help="small sizes and few rounds (a smoke test)")
    args = ap.parse_args(argv)
    quick, dev = args.quick, args.device
    g1 = ((64, 32, 32, 10), 16) if quick else (G1_SIZES, G1_BATCH)
    g2 = ((256, 256, 256, 256, 10), 256) if quick else (G2_SIZES, G2_BATCH)
    steps, rounds = (5, 3) if quick else (50, 11)
    print(f"# graphgrad GPU benchmark ({'quick, ' if quick else ''}device={dev})\n")
    if "G1" in args.workloads:
        peers = {"graphgrad": graphgrad_step(*g1, dev), "torch eager": torch_step(*g1, dev)}
        if dev == "gpu":
            peers["torch + CUDA graph"] = torch_step(*g1, dev, graph=True)
        res = time_peers(peers, steps, rounds)
        print(f"## G1: MLP {'-'.join(map(str, g1[0]))}, batch {g1[1]}, Adam (µs per step)\n")
        print("| peer | µs/step | ratio to graphgrad |\n| --- | --- | --- |")
        for name, t in res.items():
            print(f"| {name} | {t * 1e6:.1f} | {t / res['graphgrad']:.2f}x |")
        print()
    if "G2" in args.workloads:
        sizes, batch = g2
        n_params = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))
        flop = 6 * n_params * batch
        print(f"## G2: MLP {'-'.join(map(str, sizes))}, batch {batch}, SGD (TFLOP/s, 6 x params x batch)\n")
        print("| precision | graphgrad | torch | graphgrad / torch | matmul ceiling | graphgrad / ceiling |")
        print("| --- | --- | --- | --- | --- | --- |")
        for precision in ("tensorfloat32", "bfloat16"):
            peers = {"graphgrad": graphgrad_step(sizes, batch, dev, "sgd", precision),
                     "torch": torch_step(sizes, batch, dev, "sgd", precision)}
            res = time_peers(peers, max(1, steps // 5), rounds)
            rate = {k: flop / t / 1e12 for k, t in res.items()}
            ceiling = matmul_rate(sizes[1], dev, precision)
            print(f"| {precision} | {rate['graphgrad']:.1f} | {rate['torch']:.1f} | "
                  f"{rate['graphgrad'] / rate['torch']:.2f}x | {ceiling:.1f} | {rate['graphgrad'] / ceiling:.0%} |")
        print()


if __name__ == "__main__":
    main()
