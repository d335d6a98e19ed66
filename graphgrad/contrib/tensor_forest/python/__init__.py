"""`tf.contrib.tensor_forest.python`: `tensor_forest` (the graph builders) and `ops` (the tree and stats ops)."""
from . import ops, tensor_forest  # noqa: F401

__all__ = ["ops", "tensor_forest"]
