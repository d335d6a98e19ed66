"""The ops of tensor_forest: `model_ops` (the tree) and `stats_ops` (its leaves' statistics)."""
from . import model_ops, stats_ops  # noqa: F401
