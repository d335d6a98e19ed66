"""`tf.sparse`: the SparseTensor that VarLenFeature parsing gives, and `to_dense` (graphgrad/ops/sparse_ops.py);
the sparse segment reductions `segment_sum/mean/sqrt_n` (graphgrad/ops/segment_reduce_ops.py)."""
from .ops.segment_reduce_ops import sparse_segment_mean as segment_mean
from .ops.segment_reduce_ops import sparse_segment_sqrt_n as segment_sqrt_n
from .ops.segment_reduce_ops import sparse_segment_sum as segment_sum
from .ops.sparse_ops import SparseTensor, SparseTensorValue, to_dense

__all__ = ["SparseTensor", "SparseTensorValue", "to_dense", "segment_sum", "segment_mean", "segment_sqrt_n"]
