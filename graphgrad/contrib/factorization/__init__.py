"""`tf.contrib.factorization`: TF 1.15's k-means (`KMeans`, the graph; `KMeansClustering`, the estimator) and
Gaussian mixtures (`GMM`, `gmm_ops.gmm`), on graphgrad's ops (docs/factorization.md)."""
from . import clustering_ops, gmm, gmm_ops, kmeans
from .clustering_ops import (
    COSINE_DISTANCE,
    KMC2_INIT,
    KMEANS_PLUS_PLUS_INIT,
    RANDOM_INIT,
    SQUARED_EUCLIDEAN_DISTANCE,
    KMeans,
)
from .gmm import GMM
from .gmm_ops import GmmAlgorithm
from .kmeans import KMeansClustering

__all__ = ["KMeans", "KMeansClustering", "GMM", "GmmAlgorithm", "clustering_ops", "gmm", "gmm_ops", "kmeans",
           "COSINE_DISTANCE", "SQUARED_EUCLIDEAN_DISTANCE",
           "RANDOM_INIT", "KMEANS_PLUS_PLUS_INIT", "KMC2_INIT"]
