"""`tf.raw_ops`: ops by their TensorFlow op names, called with keyword arguments only, as TF 2.x spells them.
graphgrad has the clustering kernels here (the ops TF1's `tf.contrib.factorization` was built on), so that a
program written against `tf.raw_ops` runs on graphgrad and its recordings under TF replay here."""
from __future__ import annotations

from .ops import clustering_ops as _c

__all__ = ["NearestNeighbors", "KmeansPlusPlusInitialization", "KMC2ChainInitialization"]


def NearestNeighbors(*, points, centers, k, name=None):  # noqa: N802 (TF's op name)
    return _c.nearest_neighbors(points, centers, k, name=name)


def KmeansPlusPlusInitialization(*, points, num_to_sample, seed, num_retries_per_sample, name=None):  # noqa: N802
    return _c.kmeans_plus_plus_initialization(points, num_to_sample, seed, num_retries_per_sample, name=name)


def KMC2ChainInitialization(*, distances, seed, name=None):  # noqa: N802
    return _c.kmc2_chain_initialization(distances, seed, name=name)
