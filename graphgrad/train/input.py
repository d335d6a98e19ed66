"""TF1's queue-fed input pipelines (`tf.train.string_input_producer`, `batch`, `shuffle_batch`, ...), built, as in
TF's training/input.py, from queues, their enqueue ops and a QueueRunner per queue in the graph's
`queue_runners` collection (docs/queues.md).

`num_epochs` counts through a local variable `epochs` (`limit_epochs`: run `tf.local_variables_initializer()`),
whose `count_up_to` ends the producer's input with `OutOfRangeError`; its runner then closes the queue, and
consumers get `OutOfRangeError` once it is drained.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import GraphKeys, control_dependencies, name_scope
from ..framework.tensor_shape import TensorShape, as_shape
from ..io.decode_ops import matching_files
from ..ops import array_ops, partition_ops, random_ops
from ..ops.arithmetic_ops import maximum
from ..ops.cast_ops import cast
from ..ops.core import convert_to_tensor, identity
from ..ops.queue_ops import FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue
from ..variables import Variable
from .queue_runner import QueueRunner, add_queue_runner

__all__ = ["match_filenames_once", "limit_epochs", "input_producer", "string_input_producer", "range_input_producer",
           "slice_input_producer", "batch", "batch_join", "shuffle_batch", "shuffle_batch_join", "maybe_batch",
           "maybe_batch_join", "maybe_shuffle_batch", "maybe_shuffle_batch_join"]


def summary_scalar(name, value):
    """TF's summary of how full a queue is (late import: tf.summary loads its protobufs on first use)."""
    from ..summary import scalar

    return scalar(name, value)


def _graph_only(error):
    """TF's refusal of queue pipelines under eager execution (RuntimeError for producers, ValueError for batches)."""
    from ..eager import executing_eagerly

    if executing_eagerly():
        raise error("Input pipelines based on Queues are not supported when eager execution is enabled. Please "
                    "use tf.data to ingest data into your model instead.")


def match_filenames_once(pattern, name=None):
    """A local variable holding the names of the files matching `pattern` (a glob), found once, when
    `tf.local_variables_initializer()` runs."""
    with name_scope(name, "matching_filenames", [pattern]) as scope:
        return Variable(matching_files(pattern), name=scope, trainable=False, validate_shape=False,
                        collections=[GraphKeys.LOCAL_VARIABLES])


def limit_epochs(tensor, num_epochs=None, name=None):
    """`tensor`, `num_epochs` times; then its runs raise `OutOfRangeError` (a local variable counts them)."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    with name_scope(name, "limit_epochs", [tensor]) as scope:
        zero64 = convert_to_tensor(0, dtype=dtypes.int64)
        epochs = Variable(zero64, name="epochs", trainable=False, collections=[GraphKeys.LOCAL_VARIABLES])
        counter = epochs.count_up_to(num_epochs)
        with control_dependencies([counter]):
            return identity(tensor, name=scope.rstrip("/"))


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None, capacity=32,
                   shared_name=None, summary_name=None, name=None, cancel_op=None):
    """A FIFOQueue fed with the rows of `input_tensor` (shuffled per epoch when `shuffle`), `num_epochs` times
    or forever, by a QueueRunner."""
    _graph_only(RuntimeError)
    with name_scope(name, "input_producer", [input_tensor]) as scope:
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        if element_shape is None:
            dims = input_tensor.shape.dims_tuple
            element_shape = TensorShape(dims[1:] if dims else None)
        element_shape = as_shape(element_shape)
        if not element_shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape or `element_shape` must be "
                             "specified")
        if shuffle:
            input_tensor = random_ops.random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        q = FIFOQueue(capacity=capacity, dtypes=[input_tensor.dtype.base_dtype], shapes=[element_shape],
                      shared_name=shared_name, name=scope)
        enq = q.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
        if summary_name is not None:
            summary_scalar(summary_name, cast(q.size(), dtypes.float32) * (1.0 / capacity))
        return q


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                          name=None, cancel_op=None):
    """A queue of the strings (file names, usually) for a reader to read, `num_epochs` times or forever."""
    if isinstance(string_tensor, (list, tuple)) and not string_tensor:
        raise ValueError("string_input_producer requires a non-null input tensor")
    with name_scope(name, "input_producer", [string_tensor]) as scope:
        string_tensor = convert_to_tensor(string_tensor, dtype=dtypes.string)
        return input_producer(string_tensor, [], num_epochs, shuffle, seed, capacity, shared_name,
                              f"fraction_of_{capacity}_full", scope, cancel_op)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """A queue of the integers 0 .. limit-1 (int32)."""
    with name_scope(name, "input_producer", [limit]) as scope:
        range_tensor = array_ops.range(limit)
        return input_producer(range_tensor, [], num_epochs, shuffle, seed, capacity, shared_name,
                              f"fraction_of_{capacity}_full", scope)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """One row of each tensor of `tensor_list` per run (the same row of all), through a queue of row numbers."""
    with name_scope(name, "input_producer", tensor_list):
        tensor_list = [convert_to_tensor(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        range_size = array_ops.shape(tensor_list[0])[0]
        queue = range_input_producer(range_size, num_epochs=num_epochs, shuffle=shuffle, seed=seed,
                                     capacity=capacity, shared_name=shared_name)
        index = queue.dequeue()
        return [array_ops.gather(t, index) for t in tensor_list]


# --- batching ------------------------------------------------------------------------------------------------

def _as_tensor_list(tensors):
    if isinstance(tensors, dict):
        return [tensors[k] for k in sorted(tensors, key=str)]
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def _as_original_type(original, dequeued):
    """A dict for a dict; else what the dequeue gave: a list, or one tensor for one tensor (even in a list: TF's
    `batch([x], n)` returns a tensor)."""
    if isinstance(original, dict):
        dequeued = dequeued if isinstance(dequeued, list) else [dequeued]
        return {k: dequeued[i] for i, k in enumerate(sorted(original, key=str))}
    return dequeued


def _shapes(tensor_list_list, shapes, enqueue_many):
    """The queue's shapes: given, or the tensors' own (less the batch dimension for enqueue_many), merged."""
    if shapes is not None:
        return shapes
    out = []
    for i in range(len(tensor_list_list[0])):
        merged = TensorShape(None)
        for tl in tensor_list_list:
            s = tl[i].shape
            if s.ndims is None:
                raise ValueError(f"Cannot infer Tensor's rank: {tl[i]}")
            if enqueue_many:
                if s.ndims < 1:
                    raise ValueError(f"Shape {s} must have rank at least 1")
                s = TensorShape(s.dims_tuple[1:])
            merged = merged.merge_with(s)
        out.append(merged)
    return out


def _dtypes(tensor_list_list):
    types = [t.dtype.base_dtype for t in tensor_list_list[0]]
    for tl in tensor_list_list[1:]:
        other = [t.dtype.base_dtype for t in tl]
        if other != types:
            raise TypeError(f"Expected types to be consistent: {', '.join(t.name for t in types)} vs. "
                            f"{', '.join(t.name for t in other)}.")
    return types


def _validate_keep_input(keep_input, enqueue_many):
    """The `maybe_*` functions' `keep_input`: a bool scalar (keep this example, or this whole batch), or with
    `enqueue_many` a vector (which examples of the batch to keep)."""
    keep_input = convert_to_tensor(keep_input)
    if keep_input.shape.ndims is None:
        raise ValueError("`keep_input` dimensions must be known at graph construction.")
    if not enqueue_many and keep_input.shape.ndims == 1:
        raise ValueError("`keep_input` cannot be a vector when `enqueue_many=False`.")
    if keep_input.shape.ndims > 1:
        raise ValueError("`keep_input` must be 0 or 1 dimensions.")
    return keep_input


def _enqueue(queue, tensors, enqueue_many, keep):
    """The enqueue op of one tensor list; with `keep`, of the examples it keeps only (their rows picked by
    dynamic_partition, TF's `_select_which_to_enqueue`; a scalar keeps one example or the whole batch)."""
    if keep is None:
        return (queue.enqueue_many if enqueue_many else queue.enqueue)(tensors)
    if not enqueue_many:
        tensors = [array_ops.expand_dims(t, 0) for t in tensors]
    if keep.shape.ndims == 0:
        keep = array_ops.fill(array_ops.shape(tensors[0])[:1], keep)
    select = cast(keep, dtypes.int32)
    return queue.enqueue_many([partition_ops.dynamic_partition(t, select, num_partitions=2)[1] for t in tensors])


def _batch(tensors_list, batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name, default,
           threads=1, dynamic_pad=False, min_after_dequeue=None, seed=None, shared_name=None, keep_input=None):
    """The queue, its runner and the dequeue behind every batching function: one enqueue op per tensor list
    (repeated `threads` times for a single list)."""
    _graph_only(ValueError)
    tensor_list_list = [_as_tensor_list(t) for t in tensors_list]
    if not tensor_list_list or not tensor_list_list[0]:
        raise ValueError(f"Expected at least one tensor in {default}().")
    keys = [sorted(t, key=str) for t in tensors_list if isinstance(t, dict)]
    if keys and any(k != keys[0] for k in keys):
        raise ValueError("All dictionaries in tensors_list must have the same keys")
    with name_scope(name, default, [t for tl in tensor_list_list for t in tl]) as scope:
        tensor_list_list = [[convert_to_tensor(t) for t in tl] for tl in tensor_list_list]
        keep = None if keep_input is None else _validate_keep_input(keep_input, enqueue_many)
        types = _dtypes(tensor_list_list)
        shapes = _shapes(tensor_list_list, shapes, enqueue_many)
        if min_after_dequeue is None:
            queue = (PaddingFIFOQueue if dynamic_pad else FIFOQueue)(capacity=capacity, dtypes=types,
                                                                      shapes=shapes, shared_name=shared_name)
            full = cast(queue.size(), dtypes.float32) * (1.0 / capacity)
            summary_name = f"fraction_of_{capacity}_full"
        else:
            if capacity <= min_after_dequeue:
                raise ValueError(f"capacity {capacity} must be bigger than min_after_dequeue {min_after_dequeue}.")
            queue = RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue, seed=seed,
                                       dtypes=types, shapes=shapes, shared_name=shared_name)
            full = cast(maximum(0, queue.size() - min_after_dequeue), dtypes.float32) * (
                1.0 / (capacity - min_after_dequeue))
            summary_name = f"fraction_over_{min_after_dequeue}_of_{capacity - min_after_dequeue}_full"
        ops = [_enqueue(queue, tl, enqueue_many, keep) for tl in tensor_list_list]
        add_queue_runner(QueueRunner(queue, ops * threads if len(ops) == 1 else ops))
        summary_scalar(summary_name, full)
        dequeue = queue.dequeue_up_to if allow_smaller_final_batch else queue.dequeue_many
        return _as_original_type(tensors_list[0], dequeue(batch_size, name=scope))


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
          allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of `batch_size` of `tensors` (a list or dict, one example per run of them, or a batch of them with
    `enqueue_many`), in order, filled by `num_threads` threads; the last batch may be smaller with
    `allow_smaller_final_batch`; `dynamic_pad` pads examples of varying shapes."""
    return _batch([tensors], batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name, "batch",
                  num_threads, dynamic_pad, shared_name=shared_name)


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
               allow_smaller_final_batch=False, shared_name=None, name=None):
    """`batch` of several lists of tensors (one thread each: several readers feeding one queue)."""
    return _batch(tensors_list, batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name,
                  "batch_join", 1, dynamic_pad, shared_name=shared_name)


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None, enqueue_many=False,
                  shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches drawn at random from a RandomShuffleQueue that keeps `min_after_dequeue` examples to mix."""
    return _batch([tensors], batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name,
                  "shuffle_batch", num_threads, min_after_dequeue=min_after_dequeue, seed=seed,
                  shared_name=shared_name)


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None, enqueue_many=False,
                       shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """`shuffle_batch` of several lists of tensors, one thread each."""
    return _batch(tensors_list, batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name,
                  "shuffle_batch_join", min_after_dequeue=min_after_dequeue, seed=seed, shared_name=shared_name)


def maybe_batch(tensors, keep_input, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None,
                dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """`batch` of the examples `keep_input` keeps (a bool scalar, or per example with `enqueue_many`)."""
    return _batch([tensors], batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name, "batch",
                  num_threads, dynamic_pad, shared_name=shared_name, keep_input=keep_input)


def maybe_batch_join(tensors_list, keep_input, batch_size, capacity=32, enqueue_many=False, shapes=None,
                     dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """`batch_join` of the examples `keep_input` keeps."""
    return _batch(tensors_list, batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name,
                  "batch_join", 1, dynamic_pad, shared_name=shared_name, keep_input=keep_input)


def maybe_shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, keep_input, num_threads=1, seed=None,
                        enqueue_many=False, shapes=None, allow_smaller_final_batch=False, shared_name=None,
                        name=None):
    """`shuffle_batch` of the examples `keep_input` keeps."""
    return _batch([tensors], batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name,
                  "shuffle_batch", num_threads, min_after_dequeue=min_after_dequeue, seed=seed,
                  shared_name=shared_name, keep_input=keep_input)


def maybe_shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, keep_input, seed=None,
                             enqueue_many=False, shapes=None, allow_smaller_final_batch=False, shared_name=None,
                             name=None):
    """`shuffle_batch_join` of the examples `keep_input` keeps."""
    return _batch(tensors_list, batch_size, capacity, enqueue_many, shapes, allow_smaller_final_batch, name,
                  "shuffle_batch_join", min_after_dequeue=min_after_dequeue, seed=seed, shared_name=shared_name,
                  keep_input=keep_input)
