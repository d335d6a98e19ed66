"""The three kernels of TF1's k-means (`tf.contrib.factorization`, today `tf.raw_ops.*`): `NearestNeighbors`,
`KmeansPlusPlusInitialization` and `KMC2ChainInitialization`, as tensorflow/core/kernels/clustering_ops.cc
computes them. The two initializations draw from TF's Philox stream seeded by their `seed` input, so a seed picks
the same points as in TensorFlow (checked against recordings, tests/tf1_reference.json `clustering_kernels`).
Inputs are float32 and int64 as in TF; none has a gradient (TF registers none)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, op_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable
from .core import apply_op, convert_to_tensor
from .philox import SimplePhilox

__all__ = ["nearest_neighbors", "kmeans_plus_plus_initialization", "kmc2_chain_initialization"]


def _signature(op, *want):
    for t, (name, dt) in zip(op.inputs, want):
        if t.dtype.base_dtype != dt:
            raise TypeError(f"Input '{name}' of '{op.type}' Op has type {t.dtype.base_dtype.name} that does not "
                            f"match expected type of {dt.name}.")


def _fail(op, text):
    raise op_error(InvalidArgumentError, op, text)


def _require(op, ok, text):
    if not ok:
        _fail(op, text)


def _matrix(op, a, what):
    _require(op, a.ndim == 2, f"Input {what} should be a matrix.")


def _scalar(op, a, what):
    _require(op, a.ndim == 0, f"Input {what} should be a scalar.")
    return int(a)


class NearestNeighbors(OpDef):
    """(indices int64 [n, k'], distances float32 [n, k']) of each point's k' = min(k, #centers) nearest centers,
    nearest first (ties: the lower index), by squared Euclidean distance computed as TF does:
    2·(½|p|² + (½|c|² − p·c)), so a distance may come out slightly negative for a point on a centre."""

    type = "NearestNeighbors"
    gradient = not_differentiable

    def infer(op):
        _signature(op, ("points", dtypes.float32), ("centers", dtypes.float32), ("k", dtypes.int64))
        return [(None, dtypes.int64), (None, dtypes.float32)]

    def kernel(op, ctx):
        to_host, to_dev = ctx.to_host, ctx.to_device

        def nearest(points, centers, k):
            p, c, k = np.asarray(to_host(points)), np.asarray(to_host(centers)), np.asarray(to_host(k))
            _matrix(op, p, "points")
            _matrix(op, c, "centers")
            k = _scalar(op, k, "k")
            _require(op, p.shape[0] > 0, "Expected points.rows() > 0.")
            _require(op, p.shape[1] == c.shape[1], "Expected point_dimensions == center_dimensions: "
                     f"{p.shape[1]} vs {c.shape[1]}.")
            _require(op, k >= 0, "Expected k >= 0.")
            k = min(k, c.shape[0])
            # centres transposed into a contiguous copy: BLAS runs this skinny product twice as fast
            partial = np.float32(0.5) * np.einsum("ij,ij->i", c, c)[None, :] - p @ np.ascontiguousarray(c.T)
            order = None
            if k == 1:  # k-means's assignment: the first minimum is the stable sort's first, unless NaN came first
                order = np.argmin(partial, axis=1)[:, None]
                if np.isnan(np.take_along_axis(partial, order, axis=1)).any():
                    order = None
            if order is None:
                order = np.argsort(partial, axis=1, kind="stable")[:, :k]
            half = np.float32(0.5) * np.einsum("ij,ij->i", p, p)
            dist = np.float32(2) * (half[:, None] + np.take_along_axis(partial, order, axis=1))
            return to_dev(order.astype(np.int64)), to_dev(dist.astype(np.float32))
        return nearest


def _half_squared_distances(points, half_norms, i):
    """½|x − points[i]|² for every row x, as TF's GetHalfSquaredDistancesToY computes it."""
    return (half_norms - points @ points[i]) + half_norms[i]


class KmeansPlusPlusInitialization(OpDef):
    """`num_to_sample` rows of `points` chosen by k-means++: the first uniformly, each next one with probability
    proportional to its squared distance to the nearest chosen row; with `num_retries_per_sample` r > 0 (r < 0:
    2 + ⌊ln num_to_sample⌋), 1 + r candidates are drawn per row and the one leaving the least total distance wins."""

    type = "KmeansPlusPlusInitialization"
    gradient = not_differentiable

    def infer(op):
        _signature(op, ("points", dtypes.float32), ("num_to_sample", dtypes.int64), ("seed", dtypes.int64),
                   ("num_retries_per_sample", dtypes.int64))
        return [(None, dtypes.float32)]

    def kernel(op, ctx):
        to_host, to_dev = ctx.to_host, ctx.to_device

        def kmeans_pp(points, num_to_sample, seed, retries):
            p = np.asarray(to_host(points))
            _matrix(op, p, "points")
            n = _scalar(op, np.asarray(to_host(num_to_sample)), "num_to_sample")
            seed = _scalar(op, np.asarray(to_host(seed)), "seed")
            r = _scalar(op, np.asarray(to_host(retries)), "num_retries_per_sample")
            r = r if r >= 0 else 2 + int(np.log(n)) if n > 0 else 2
            rows = p.shape[0]
            _require(op, rows > 0, "Expected points.rows() > 0.")
            _require(op, n > 0, "Expected num_to_sample > 0.")
            _require(op, n <= rows, f"Expected num_to_sample <= points.rows(). {n} vs {rows}.")
            return to_dev(p[_kmeans_pp_indices(p, n, SimplePhilox(seed), r)])
        return kmeans_pp


def _kmeans_pp_indices(p, n, rng, retries):
    """The rows TF's kernel picks, in order (its draws, its float32 arithmetic)."""
    rows = p.shape[0]
    half = np.float32(0.5) * np.einsum("ij,ij->i", p, p)
    min_d = np.full(rows, np.inf, np.float32)
    cumsum = np.zeros(rows, np.float32)
    chosen, picked = [], set()

    def draw():
        if not picked:
            return rng.uniform64(rows)
        while True:
            total = cumsum[-1]
            if not total > 0:
                i = rng.uniform64(rows)
            else:
                i = min(int(np.searchsorted(cumsum, rng.rand_float() * total, side="right")), rows - 1)
            if i not in picked:
                return i

    for step in range(n):
        if step > 0:
            cumsum = np.cumsum(min_d, dtype=np.float32)
        best, best_potential, best_d = 0, np.inf, None
        for _ in range(1 + retries):
            i = draw()
            d = np.minimum(min_d, _half_squared_distances(p, half, i))
            if retries == 0:
                best, best_d = i, d
                break
            potential = d.sum(dtype=np.float32)
            if potential < best_potential:
                best, best_potential, best_d = i, potential, d
        min_d = best_d
        best = min(best, rows - 1)
        chosen.append(best)
        picked.add(best)
    return chosen


class KMC2ChainInitialization(OpDef):
    """The index (int64 scalar) a k-MC² Markov chain over `distances` ends in: it starts at 0 and moves to
    candidate i when distances[i] > u·distances[current], u uniform in [0, 1) from TF's Philox stream."""

    type = "KMC2ChainInitialization"
    gradient = not_differentiable

    def infer(op):
        _signature(op, ("distances", dtypes.float32), ("seed", dtypes.int64))
        return [((), dtypes.int64)]

    def kernel(op, ctx):
        to_host, to_dev = ctx.to_host, ctx.to_device

        def chain(distances, seed):
            d = np.asarray(to_host(distances))
            _require(op, d.ndim == 1, "Input distances should be a vector.")
            rng = SimplePhilox(_scalar(op, np.asarray(to_host(seed)), "seed"))
            _require(op, d.shape[0] > 0, "Expected distances_tensor.size() > 0.")
            selected = 0
            for i in range(1, d.shape[0]):
                if d[i] > rng.rand_float() * d[selected]:
                    selected = i
            return to_dev(np.asarray(selected, np.int64))
        return chain


def _int64(x, name):
    return convert_to_tensor(x, dtype=dtypes.int64, name=name)


def nearest_neighbors(points, centers, k, name=None):
    """(nearest_center_indices, nearest_center_distances): each point's k nearest centers (TF's
    `gen_clustering_ops.nearest_neighbors`)."""
    with name_scope(name, "NearestNeighbors", [points, centers, k]) as scope:
        ins = [convert_to_tensor(points, name="points"), convert_to_tensor(centers, name="centers"), _int64(k, "k")]
        return tuple(apply_op(NearestNeighbors, ins, None, scope))


def kmeans_plus_plus_initialization(points, num_to_sample, seed, num_retries_per_sample, name=None):
    """`num_to_sample` rows of `points` chosen by k-means++ (TF's `gen_clustering_ops`)."""
    with name_scope(name, "KmeansPlusPlusInitialization", [points]) as scope:
        ins = [convert_to_tensor(points, name="points"), _int64(num_to_sample, "num_to_sample"),
               _int64(seed, "seed"), _int64(num_retries_per_sample, "num_retries_per_sample")]
        return apply_op(KmeansPlusPlusInitialization, ins, None, scope)


def kmc2_chain_initialization(distances, seed, name=None):
    """The index a k-MC² chain over `distances` selects (TF's `gen_clustering_ops`)."""
    with name_scope(name, "KMC2ChainInitialization", [distances]) as scope:
        ins = [convert_to_tensor(distances, name="distances"), _int64(seed, "seed")]
        return apply_op(KMC2ChainInitialization, ins, None, scope)
