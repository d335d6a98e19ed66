"""`tf.contrib.tensor_forest`: TF 1.15's random forests grown online (`python.tensor_forest`) and their
estimators (`client.random_forest`); see docs/tensor-forest.md."""
from . import client, python  # noqa: F401

__all__ = ["client", "python"]
