"""graphgrad.sklearn.MLPClassifier against scikit-learn's own MLPClassifier on the 8x8 digits.

Both with the same parameters (sklearn's defaults: hidden_layer_sizes=(100,), relu, adam, batch 200, max_iter=200,
tol 1e-4), the same seeds and the same split (graphgrad's fixed digits split, pixels / 16); each fit is timed
alone, the two estimators alternating (which goes first alternates too) so that load on a shared machine hits both
alike. Prints one row per fit and the medians:

    python -m bench.sklearn_mlp [--seeds 0,1,2] [--rounds 2] [--dtype float64|float32] [--hidden 100]
                             [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--rounds", type=int, default=2, help="fits per estimator and seed")
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--hidden", default="100")
    p.add_argument("--max-iter", type=int, default=200)
    p.add_argument("--threads", type=int, default=1, help="BLAS threads for both (threadpoolctl)")
    args = p.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        return _run(args)


def _run(args):

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SkMLP

    from graphgrad.datasets import load_digits
    from graphgrad.sklearn import MLPClassifier as GgMLP

    ds = load_digits(seed=0)
    scale = 16.0 if ds.x_train.max() > 1 else 1.0
    x_train, x_test = (np.asarray(x, args.dtype) / scale for x in (ds.x_train, ds.x_test))
    y_train, y_test = ds.y_train, ds.y_test
    hidden = tuple(int(h) for h in args.hidden.split(","))
    peers = {"sklearn": SkMLP, "graphgrad": GgMLP}
    rows = {name: [] for name in peers}
    print(f"digits {x_train.shape[0]} train / {x_test.shape[0]} test, {args.dtype}, hidden={hidden}, "
          f"max_iter={args.max_iter}, "
          f"{args.threads} BLAS thread(s), load average {os.getloadavg()[0]:.1f}")
    print(f"{'peer':10} {'seed':>4} {'test acc':>8} {'epochs':>6} {'seconds':>8}")
    turn = 0
    for seed in (int(s) for s in args.seeds.split(",")):
        for _ in range(args.rounds):
            order = list(peers) if turn % 2 == 0 else list(peers)[::-1]
            turn += 1
            for name in order:
                est = peers[name](hidden_layer_sizes=hidden, max_iter=args.max_iter, random_state=seed)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    t = time.perf_counter()
                    est.fit(x_train, y_train)
                    seconds = time.perf_counter() - t
                acc = est.score(x_test, y_test)
                rows[name].append((seed, acc, est.n_iter_, seconds))
                print(f"{name:10} {seed:>4} {acc:>8.4f} {est.n_iter_:>6} {seconds:>8.3f}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    med = {name: statistics.median(r[3] for r in rs) for name, rs in rows.items()}
    for name, rs in rows.items():
        accs = [r[1] for r in rs]
        print(f"{name:10} mean test accuracy {statistics.mean(accs):.4f} (min {min(accs):.4f}), "
              f"median fit {med[name]:.3f} s, {med[name] / med['sklearn']:.2f}x sklearn's time")
    return rows


if __name__ == "__main__":
    main()
