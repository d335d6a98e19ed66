"""`slim.prefetch_queue.prefetch_queue`: a FIFO queue (a padding one with `dynamic_pad`) of `tensors` (a list or
a dict, kept by name), filled by `num_threads` enqueue threads of a QueueRunner, so that the next batch is ready
while the step runs; dequeue from it."""
from __future__ import annotations

from ....framework import dtypes
from ....framework.graph import name_scope
from ....ops import math_ops
from ....ops.queue_ops import FIFOQueue, PaddingFIFOQueue
from ....train.queue_runner import QueueRunner, add_queue_runner

__all__ = ["prefetch_queue"]


def prefetch_queue(tensors, capacity=8, num_threads=1, dynamic_pad=False, shared_name=None, name=None):
    from ....summary import scalar

    if isinstance(tensors, dict):
        names, tensor_list = list(tensors), list(tensors.values())
    else:
        names, tensor_list = None, list(tensors)
    with name_scope(name, "prefetch_queue", tensor_list):
        queue_class = PaddingFIFOQueue if dynamic_pad else FIFOQueue
        queue = queue_class(capacity=capacity, dtypes=[t.dtype.base_dtype for t in tensor_list],
                            shapes=[t.shape for t in tensor_list], names=names, shared_name=shared_name)
        enqueue = queue.enqueue(tensors)
        add_queue_runner(QueueRunner(queue, [enqueue] * num_threads))
        scalar(f"fraction_of_{capacity}_full", math_ops.cast(queue.size(), dtypes.float32) * (1.0 / capacity))
        return queue
