"""`tf.estimator.experimental`: where TF 1.15 moved the k-means estimator (`KMeans`, the class
`tf.contrib.factorization.KMeansClustering`), looked up on first use (contrib's module imports tf.estimator)."""

__all__ = ["KMeans"]  # noqa: F822  (module __getattr__ below)


def __getattr__(name):
    if name == "KMeans":
        from ..contrib.factorization.kmeans import KMeansClustering

        return KMeansClustering
    raise AttributeError(f"module 'tf.estimator.experimental' has no attribute '{name}'")
