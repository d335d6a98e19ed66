"""`tf.queue`: TF1's queue classes under their TF 2 namespace (ops/queue_ops.py, docs/queues.md)."""
from .ops.queue_ops import FIFOQueue, PaddingFIFOQueue, PriorityQueue, QueueBase, RandomShuffleQueue

__all__ = ["FIFOQueue", "PaddingFIFOQueue", "PriorityQueue", "QueueBase", "RandomShuffleQueue"]
