"""The chain-rule lecture's pictures, drawn from graphgrad graphs, and the path count of reverse mode.

    python examples/derivative_graphs.py --out docs/images

writes
- chain_rule.svg        p(z1(x1, x2), z2(x1, x2)): the graph of derivatives, paths from p to x1 in red
- deeper.svg            p(h1(z1, z2), h2(z1, z2)): four paths from p to x1, their products adding up to ∂p/∂x1
- neuron.svg            a logistic neuron z = σ(αx1 + βx2) with loss L = (z - y)²: the one path from L to α
- forward.svg           the forward graph of `deeper`, as `graphgrad.viz.draw` draws any graph
- path_counts.md        paths from the output to one input vs edges, on MLPs of scalar neurons of growing depth
and prints the lecture's sums (each path's product) next to what tf.gradients computes.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import graphgrad as tf
from graphgrad import viz


def lecture_graph(deeper: bool):
    """p(z1, z2) (the first picture) or p(h1(z1, z2), h2(z1, z2)) (deeper), with z1 = x1 x2 and z2 = x1 + x2."""
    g = tf.Graph()
    with g.as_default():
        x1 = tf.placeholder(tf.float64, (), name="x1")
        x2 = tf.placeholder(tf.float64, (), name="x2")
        z1 = tf.multiply(x1, x2, name="z1")
        z2 = tf.add(x1, x2, name="z2")
        if deeper:
            p = tf.multiply(tf.multiply(z1, z2, name="h1"), tf.subtract(z1, z2, name="h2"), name="p")
        else:
            p = tf.multiply(z1, z2, name="p")
    return p, [x1, x2], {x1: 2.0, x2: 3.0}


def neuron():
    g = tf.Graph()
    with g.as_default():
        x1 = tf.placeholder(tf.float64, (), name="x1")
        x2 = tf.placeholder(tf.float64, (), name="x2")
        alpha = tf.placeholder(tf.float64, (), name="alpha")
        beta = tf.placeholder(tf.float64, (), name="beta")
        y = tf.placeholder(tf.float64, (), name="y")
        s = tf.add(tf.multiply(alpha, x1, name="alpha_x1"), tf.multiply(beta, x2, name="beta_x2"), name="s")
        z = tf.sigmoid(s, name="z")
        loss = tf.squared_difference(z, y, name="L")
    labels = {alpha: "α", beta: "β", g.get_tensor_by_name("alpha_x1:0"): "αx1",
              g.get_tensor_by_name("beta_x2:0"): "βx2"}
    return loss, [alpha, beta], {x1: 1.5, x2: 2.0, alpha: 0.5, beta: -0.3, y: 1.0}, labels


def scalar_mlp(depth, width, seed=0):
    """An MLP written neuron by neuron: every value is one number, so every edge carries one number."""
    rng = np.random.default_rng(seed)
    g = tf.Graph()
    with g.as_default():
        xs = [tf.placeholder(tf.float64, (), name=f"x{i + 1}") for i in range(width)]
        h = xs
        for layer in range(depth):
            h = [tf.sigmoid(tf.add_n([tf.constant(rng.normal(), tf.float64) * v for v in h]),
                            name=f"h{layer + 1}_{j + 1}") for j in range(width)]
        y = tf.add_n([tf.constant(rng.normal(), tf.float64) * v for v in h], name="y")
    return y, xs, {x: float(rng.normal()) for x in xs}


def edge_visits(y, x, edges):
    """How many edge values path_sum multiplies in all: the sum of the paths' lengths (by dynamic programming)."""
    by_out = {}
    for e in edges:
        by_out.setdefault(e.out, []).append(e)
    paths, visits = {x: 1}, {x: 0}
    for t in sorted(by_out, key=lambda t: t.op._id):
        if t is not x:
            paths[t] = sum(paths.get(e.inp, 0) for e in by_out[t])
            visits[t] = sum(visits.get(e.inp, 0) + paths.get(e.inp, 0) for e in by_out[t])
    return visits.get(y, 0)


def path_count_table(depths=(1, 2, 3, 4, 5, 6, 8, 10), width=3, enumerate_up_to=729) -> str:
    rows = ["| depth | width | edges (reverse mode visits each once) | paths y→x1 | edge values multiplied by "
            "path_sum | path_sum | tf.gradients (build + run) |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for depth in depths:
        y, xs, feed = scalar_mlp(depth, width)
        edges = viz.derivative_edges(y)
        paths = viz.count_paths(y, xs[0], edges)
        with tf.Session(graph=y.graph) as s:
            t0 = time.perf_counter()
            (grad,) = tf.gradients(y, [xs[0]])
            want = s.run(grad, feed)
            t_grad = time.perf_counter() - t0
        if paths <= enumerate_up_to:
            t0 = time.perf_counter()
            got = viz.path_sum(y, xs[0], feed)
            t_sum = f"{time.perf_counter() - t0:.3f} s"
            assert np.isclose(got, want, rtol=1e-9, atol=1e-12), (depth, got, want)
        else:
            t_sum = "—"
        rows.append(f"| {depth} | {width} | {len(edges)} | {paths:,} | {edge_visits(y, xs[0], edges):,} | {t_sum} "
                    f"| {t_grad:.3f} s |")
    return "\n".join(rows) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="docs/images", help="folder for the pictures (default docs/images)")
    ap.add_argument("--format", default="svg", choices=("svg", "png", "pdf", "dot"))
    ap.add_argument("--depths", default="1,2,3,4,5,6,8,10", help="MLP depths for the path-count table")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    for name, title in [("chain_rule", "p(z1(x1, x2), z2(x1, x2)) at x1 = 2, x2 = 3"),
                        ("deeper", "p(h1(z1, z2), h2(z1, z2)) at x1 = 2, x2 = 3")]:
        p, xs, feed = lecture_graph(name == "deeper")
        viz.derivative_graph(p, xs[:1], feed, path=out / f"{name}.{args.format}", title=title)
        total, terms = viz.path_sum(p, xs[0], feed, return_terms=True)
        with tf.Session(graph=p.graph) as s:
            want = s.run(tf.gradients(p, xs[:1])[0], feed)
        print(f"{name}: ∂p/∂x1 = " + " + ".join(f"{v:g}" for _, v in terms) + f" = {total:g}"
              f" (tf.gradients: {want:g}), paths: " + "; ".join("→".join(names) for names, _ in terms))
        if name == "deeper":
            viz.draw(p, out / f"forward.{args.format}", title="the forward graph of p(h1(z1, z2), h2(z1, z2))")

    loss, (alpha, beta), feed, labels = neuron()
    viz.derivative_graph(loss, [alpha], feed, labels=labels, path=out / f"neuron.{args.format}",
                         title="a logistic neuron: z = σ(αx1 + βx2), L = (z - y)²")
    for x in (alpha, beta):
        total, terms = viz.path_sum(loss, x, feed, return_terms=True)
        with tf.Session(graph=loss.graph) as s:
            want = s.run(tf.gradients(loss, [x])[0], feed)
        print(f"neuron: ∂L/∂{labels[x]} = {total:.6g} along {len(terms)} path (tf.gradients: {want:.6g})")

    table = path_count_table(tuple(int(d) for d in args.depths.split(",")))
    (out / "path_counts.md").write_text(table)
    print(table, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
