"""`tf.contrib.tensor_forest.client`: `random_forest` (the estimators) and `eval_metrics`."""
from . import eval_metrics, random_forest  # noqa: F401

__all__ = ["eval_metrics", "random_forest"]
