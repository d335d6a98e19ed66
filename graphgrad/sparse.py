"""`tf.sparse`: the SparseTensor that VarLenFeature parsing gives, and `to_dense` (graphgrad/ops/sparse_ops.py)."""
from .ops.sparse_ops import SparseTensor, SparseTensorValue, to_dense

__all__ = ["SparseTensor", "SparseTensorValue", "to_dense"]
