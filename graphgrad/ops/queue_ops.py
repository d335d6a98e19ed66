"""TF1's queues (`tf.FIFOQueue`, `RandomShuffleQueue`, `PaddingFIFOQueue`, `PriorityQueue`): bounded buffers of
tuples of tensors that the runs of one session share, the way classic input pipelines feed a model
(docs/queues.md).

A queue's contents live in the session (`RunContext.resources`, keyed by the queue object), so two sessions have
queues of their own. Its ops are graph ops, stateful and not differentiable: the handle (`FIFOQueueV2`, ...,
whose value is the queue's name: graphgrad has no resource dtype), enqueue, enqueue_many, dequeue, dequeue_many,
dequeue_up_to, close, size and is_closed. An enqueue into a full queue and a dequeue from one holding too few
elements wait inside `Session.run` until another thread's run makes room or adds some, with the session's lock
released meanwhile (`RunContext.lock_released`), so the run waited for can go. Closing a queue wakes the
waiters: dequeues take what is left and raise `OutOfRangeError` when too little is, new enqueues raise
`CancelledError`, and pending ones are cancelled only by `close(cancel_pending_enqueues=True)`, as in TF.
Closing the session cancels every waiter.
"""
from __future__ import annotations

import collections
import heapq
import itertools
import threading

import numpy as np

from ..framework import dtypes as _dtypes
from ..framework import errors
from ..framework.errors import op_error
from ..framework.graph import get_default_graph, name_scope
from ..framework.op_def import OpDef, not_differentiable
from ..framework.tensor_shape import TensorShape, as_shape
from .core import apply_op, convert_to_tensor
from .random_ops import _seed_attrs

_numbers = itertools.count()  # TF names a queue's kernel `_<n>_<name>`, n counting the queues made in the process


# --- the contents of one queue in one session -------------------------------------------------------------------

class _Fifo:
    """First in, first out (FIFOQueue, PaddingFIFOQueue)."""

    def __init__(self, queue, ctx):
        self.items = collections.deque()

    def __len__(self):
        return len(self.items)

    def put(self, element):
        self.items.append(element)

    def take(self, n):
        return [self.items.popleft() for _ in range(n)]

    def ready(self, n):
        """Whether `n` elements may be taken from an open queue now."""
        return len(self.items) >= n


class _Shuffled(_Fifo):
    """Elements taken at random, leaving at least `min_after_dequeue` behind while the queue is open."""

    def __init__(self, queue, ctx):
        self.items = []
        self.keep = queue._min_after_dequeue
        seed, seed2 = queue._seed
        self.rng = np.random.default_rng([seed, seed2]) if (seed or seed2) else np.random.default_rng()

    def put(self, element):
        self.items.append(element)

    def take(self, n):
        out = []
        for _ in range(n):
            i = int(self.rng.integers(len(self.items)))
            self.items[i], self.items[-1] = self.items[-1], self.items[i]
            out.append(self.items.pop())
        return out

    def ready(self, n):
        return len(self.items) - n >= self.keep


class _Priority(_Fifo):
    """Smallest priority (component 0, an int64 scalar) first; equal priorities in the order they came."""

    def __init__(self, queue, ctx):
        self.items = []
        self.count = itertools.count()

    def put(self, element):
        heapq.heappush(self.items, (int(element[0]), next(self.count), element))

    def take(self, n):
        return [heapq.heappop(self.items)[2] for _ in range(n)]


class QueueState:
    """One queue's elements (tuples of host arrays) in one session, and the condition its waiters wait on."""

    def __init__(self, queue, ctx):
        self.queue = queue
        self.buffer = queue._buffer(queue, ctx)
        self.cond = threading.Condition()
        self.version = 0  # bumped by every change, so a waiter never misses one
        self.closed = self.cancelled = self.session_closed = False
        self.label = f"{queue._kind} '_{next(_numbers)}_{queue.name}'"

    def _changed(self):
        self.version += 1
        self.cond.notify_all()

    def _wait(self, ctx, seen, op):
        """Wait for a change after `seen`, letting other runs of the session go meanwhile; past the run's
        deadline (RunOptions.timeout_in_ms) a DeadlineExceededError, as TF's."""
        left = ctx.time_left()
        if left is not None and left <= 0:
            raise op_error(errors.DeadlineExceededError, op, "Timed out waiting for notification")
        with ctx.lock_released(), self.cond:
            self.cond.wait_for(lambda: self.version != seen, timeout=1.0 if left is None else min(1.0, left))

    def put(self, ctx, op, rows):
        """Enqueue `rows` (element tuples) one by one as room frees up; CancelledError on a closed queue."""
        done, first = 0, True
        while True:
            with self.cond:
                if self.closed and first and not self.session_closed:
                    raise op_error(errors.CancelledError, op, f"{self.label} is closed.")
                if self.session_closed or self.cancelled:
                    raise op_error(errors.CancelledError, op, "Enqueue operation was cancelled")
                first = False
                start = done
                while done < len(rows) and len(self.buffer) < self.queue._capacity:
                    self.buffer.put(rows[done])
                    done += 1
                if done > start:
                    self._changed()
                if done == len(rows):
                    return
                seen = self.version
            self._wait(ctx, seen, op)

    def take(self, ctx, op, n, up_to):
        """`n` elements (fewer, but at least one, for `up_to` once the queue is closed), waiting for them."""
        while True:
            with self.cond:
                if self.session_closed:
                    raise op_error(errors.CancelledError, op, "Dequeue operation was cancelled")
                size = len(self.buffer)
                if self.closed and (size >= n or (up_to and size)):
                    out = self.buffer.take(min(n, size))
                elif self.closed:
                    raise op_error(errors.OutOfRangeError, op, f"{self.label} is closed and has insufficient "
                                                               f"elements (requested {n}, current size {size})")
                elif self.buffer.ready(n):
                    out = self.buffer.take(n)
                else:
                    seen = self.version
                    out = None
                if out is not None:
                    self._changed()
                    return out
            self._wait(ctx, seen, op)

    def shut(self, cancel_pending_enqueues):
        with self.cond:
            self.closed = True
            self.cancelled = self.cancelled or cancel_pending_enqueues
            self._changed()

    def close(self):
        """The session closes: every waiter is cancelled."""
        with self.cond:
            self.session_closed = True
            self._changed()


def session_resource(ctx, key, make):
    """The per-session object under `key` in `ctx.resources` (a queue's or a reader's state), made by `make()` on
    first use; threads racing to make it get the same one."""
    state = ctx.resources.get(key)
    return state if state is not None else ctx.resources.setdefault(key, make())


def queue_state(ctx, queue):
    """The queue's state in the session of `ctx`."""
    return session_resource(ctx, ("queue", queue), lambda: QueueState(queue, ctx))


def dequeue_strings(ctx, op, queue_handle):
    """One scalar dequeued from the queue behind `queue_handle` (readers take their file names so)."""
    value = queue_state(ctx, queue_handle.op.attrs["queue"]).take(ctx, op, 1, False)[0][0]
    return value.item() if isinstance(value, np.ndarray) else value


# --- the ops -------------------------------------------------------------------------------------------------

class ResourceHandle(OpDef):
    """The handle of an object whose state lives in the session (a queue, a reader): a string scalar naming it,
    as graphgrad has no resource dtype. Each kind subclasses it with its TF type."""

    type = "ResourceHandle"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        return [((), _dtypes.string)]

    def kernel(op, ctx):
        name = np.array(op.name.encode(), dtype=object)
        return lambda: name

    def can_fail(op):
        return False


class QueueHandle(ResourceHandle):
    type = "FIFOQueueV2"


class RandomShuffleQueueHandle(QueueHandle):
    type = "RandomShuffleQueueV2"


class PaddingFIFOQueueHandle(QueueHandle):
    type = "PaddingFIFOQueueV2"


class PriorityQueueHandle(QueueHandle):
    type = "PriorityQueueV2"


class _QueueOp(OpDef):
    stateful = True
    gradient = not_differentiable

    def can_fail(op):
        return True


def _host_rows(op, ctx, values, many):
    """The elements `values` make (one, or one per row for enqueue_many), as host arrays checked against the
    queue's shapes (InvalidArgumentError, as TF's kernel, for what the graph could not check)."""
    queue = op.attrs["queue"]
    strings = [t == _dtypes.string for t in queue._dtypes]
    arrays = [np.array(v, dtype=object) if st else np.array(ctx.to_host(v), copy=True)
              for v, st in zip(values, strings)]
    if many:
        counts = {a.shape[0] if a.ndim else None for a in arrays}
        if len(counts) != 1 or None in counts:
            raise op_error(errors.InvalidArgumentError, op, "Shape mismatch in tuple components: every component "
                                                            "of enqueue_many needs the same first dimension, got "
                                                            + ", ".join(str(list(a.shape)) for a in arrays))
        rows = list(zip(*arrays)) if arrays[0].shape[0] else []
    else:
        rows = [tuple(arrays)]
    rows = [tuple(np.array(c, dtype=object) if st else np.asarray(c) for c, st in zip(row, strings)) for row in rows]
    for i, shape in enumerate(queue._shapes):
        got = rows[0][i].shape if rows else None
        if got is not None and shape.ndims is not None and not shape.is_compatible_with(TensorShape(got)):
            raise op_error(errors.InvalidArgumentError, op, f"Shape mismatch in tuple component {i}. Expected "
                                                            f"{shape.as_list()}, got {list(got)}")
    return rows


class QueueEnqueue(_QueueOp):
    """QueueEnqueueV2(handle, *components): one element."""

    type = "QueueEnqueueV2"
    many = False

    def infer(op):
        return []

    def kernel(op, ctx):
        queue, many = op.attrs["queue"], op.op_def.many

        def enqueue(handle, *values):
            queue_state(ctx, queue).put(ctx, op, _host_rows(op, ctx, values, many))
        return enqueue


class QueueEnqueueMany(QueueEnqueue):
    """QueueEnqueueManyV2(handle, *components): one element per row of the components."""

    type = "QueueEnqueueManyV2"
    many = True


def _stack(queue, i, parts):
    """Component `i` of several elements as one batch; a PaddingFIFOQueue pads each to the largest with zeros."""
    if not queue._pads:
        return np.stack(parts) if parts else np.zeros((0, *queue._shapes[i].as_list()), queue._dtypes[i].np)
    shape = [max((p.shape[d] for p in parts), default=0) for d in range(queue._shapes[i].ndims)]
    fill = b"" if queue._dtypes[i] == _dtypes.string else 0
    out = np.full([len(parts), *shape], fill, dtype=object if fill == b"" else queue._dtypes[i].np)
    for j, p in enumerate(parts):
        out[(j, *(slice(0, d) for d in p.shape))] = p
    return out


class QueueDequeue(_QueueOp):
    """QueueDequeueV2(handle): one element; QueueDequeueManyV2 / QueueDequeueUpToV2 (handle, n): a batch of n."""

    type = "QueueDequeueV2"
    batch = False
    up_to = False

    def infer(op):
        queue = op.attrs["queue"]
        if not op.op_def.batch:
            return [(s.dims_tuple, t) for s, t in zip(queue._shapes, queue._dtypes)]
        n = None if op.op_def.up_to else _static_int(op.inputs[1])
        return [((n, *s.dims_tuple) if s.ndims is not None else None, t)
                for s, t in zip(queue._shapes, queue._dtypes)]

    def kernel(op, ctx):
        queue, batch, up_to = op.attrs["queue"], op.op_def.batch, op.op_def.up_to
        types = queue._dtypes
        single = len(types) == 1
        to_device = ctx.to_device
        if batch and not queue._pads and not all(s.is_fully_defined() for s in queue._shapes):
            def dequeue(handle, n):
                raise op_error(errors.InvalidArgumentError, op, f"{queue._kind}'s DequeueMany and DequeueUpTo "
                                                                "require the components to have specified shapes.")
            return dequeue

        def dequeue(handle, n=None):
            elements = queue_state(ctx, queue).take(ctx, op, int(n) if batch else 1, up_to)
            if batch:
                values = [_stack(queue, i, [e[i] for e in elements]) for i in range(len(types))]
            else:
                values = list(elements[0])
            out = [v if t == _dtypes.string else to_device(v) for v, t in zip(values, types)]
            return out[0] if single else out
        return dequeue


class QueueDequeueMany(QueueDequeue):
    type = "QueueDequeueManyV2"
    batch = True


class QueueDequeueUpTo(QueueDequeueMany):
    type = "QueueDequeueUpToV2"
    up_to = True


class QueueClose(_QueueOp):
    """QueueCloseV2(handle): no more enqueues; with `cancel_pending_enqueues`, the waiting ones fail too."""

    type = "QueueCloseV2"

    def infer(op):
        return []

    def kernel(op, ctx):
        queue, cancel = op.attrs["queue"], op.attrs["cancel_pending_enqueues"]
        return lambda handle: queue_state(ctx, queue).shut(cancel)

    def can_fail(op):
        return False


class QueueSize(_QueueOp):
    """QueueSizeV2(handle): how many elements the queue holds (int32)."""

    type = "QueueSizeV2"

    def infer(op):
        return [((), _dtypes.int32)]

    def kernel(op, ctx):
        queue = op.attrs["queue"]
        to_device = ctx.to_device
        return lambda handle: to_device(np.int32(len(queue_state(ctx, queue).buffer)))

    def can_fail(op):
        return False


class QueueIsClosed(QueueSize):
    type = "QueueIsClosedV2"

    def infer(op):
        return [((), _dtypes.bool_)]

    def kernel(op, ctx):
        queue = op.attrs["queue"]
        to_device = ctx.to_device
        return lambda handle: to_device(np.bool_(queue_state(ctx, queue).closed))


def _static_int(t):
    """The value of a Const scalar, else None (a dequeue_many's batch size fed at run time)."""
    return int(t.op.attrs["value"]) if t.op.op_def.is_constant else None


# --- the Python classes ------------------------------------------------------------------------------------------

def _type_list(types):
    return [_dtypes.as_dtype(t) for t in (types if isinstance(types, (list, tuple)) else [types])]


def _shape_list(shapes, types, unknown_dim_allowed):
    if shapes is None:
        return [TensorShape(None)] * len(types)
    if isinstance(shapes, TensorShape) or (isinstance(shapes, (list, tuple)) and
                                           all(d is None or isinstance(d, int) for d in shapes)):
        shapes = [shapes]
    shapes = [as_shape(s) for s in shapes]
    if not unknown_dim_allowed and any(not s.is_fully_defined() for s in shapes):
        raise ValueError(f"All shapes must be fully defined: {shapes}")
    if len(shapes) != len(types):
        raise ValueError("shapes must be None or have the same length as dtypes")
    return shapes


class QueueBase:
    """What every queue offers: enqueue / enqueue_many / dequeue / dequeue_many / dequeue_up_to / close / size /
    is_closed, each a graph op named `<queue>_<Verb>` in the current name scope, as TF names them."""

    _kind = "FIFOQueue"
    _handle = QueueHandle
    _buffer = _Fifo
    _pads = False

    def __init__(self, capacity, dtypes, shapes, names, name, unknown_dim_allowed=False):
        self._capacity = int(capacity)
        self._dtypes = _type_list(dtypes)
        self._shapes = _shape_list(shapes, self._dtypes, unknown_dim_allowed)
        if names is not None:
            names = list(names) if isinstance(names, (list, tuple)) else [names]
            if len(names) != len(self._dtypes):
                raise ValueError("Queue names must have the same length as dtypes")
        self._names = names
        self._queue_ref = apply_op(self._handle, [], {"queue": self}, name, graph=get_default_graph())
        self._name = self._queue_ref.op.name.split("/")[-1]

    queue_ref = property(lambda self: self._queue_ref)
    name = property(lambda self: self._queue_ref.op.name)
    dtypes = property(lambda self: self._dtypes)
    shapes = property(lambda self: self._shapes)
    names = property(lambda self: self._names)

    def _components(self, vals, scope_name, many):
        """`vals` (a tensor, a list, or a dict for a queue with names) as tensors of the queue's dtypes, checked
        against its shapes (ValueError, at build time as in TF)."""
        if isinstance(vals, dict):
            if not self._names:
                raise ValueError("Queue must have names to enqueue a dictionary")
            if sorted(self._names, key=str) != sorted(vals.keys(), key=str):
                raise ValueError(f"Keys in dictionary to enqueue do not match names of Queue.  Dictionary: "
                                 f"{sorted(vals.keys())}, Queue: {sorted(self._names)}")
            vals = [vals[k] for k in self._names]
        elif self._names:
            raise ValueError("You must enqueue a dictionary in a Queue with names")
        elif not isinstance(vals, (list, tuple)):
            vals = [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError(f"Expected {len(self._dtypes)} components to enqueue, got {len(vals)}")
        tensors = [convert_to_tensor(v, dtype=t, name=f"component_{i}")
                   for i, (v, t) in enumerate(zip(vals, self._dtypes))]
        batch = TensorShape(None)
        for t, shape in zip(tensors, self._shapes):
            got = t.shape
            if many:
                if got.ndims == 0:
                    raise ValueError(f"Shape must be at least rank 1 but is rank 0 for '{scope_name}'")
                if got.ndims is not None:
                    batch = batch.merge_with(TensorShape(got.dims_tuple[:1]))
                    got = TensorShape(got.dims_tuple[1:])
            got.assert_is_compatible_with(shape)
        return tensors

    def _enqueue(self, op_def, vals, name, default):
        with name_scope(name, f"{self._name}_{default}") as scope:
            tensors = self._components(vals, scope.rstrip("/"), op_def.many)
            return apply_op(op_def, [self._queue_ref, *tensors], {"queue": self}, scope)

    def enqueue(self, vals, name=None):
        return self._enqueue(QueueEnqueue, vals, name, "enqueue")

    def enqueue_many(self, vals, name=None):
        return self._enqueue(QueueEnqueueMany, vals, name, "EnqueueMany")

    def _dequeue(self, op_def, n, name, default):
        inputs = [self._queue_ref]
        if n is not None:
            inputs.append(convert_to_tensor(n, dtype=_dtypes.int32, name="n"))
        out = apply_op(op_def, inputs, {"queue": self}, name or f"{self._name}_{default}")
        out = out if isinstance(out, list) else [out]
        if self._names:
            return dict(zip(self._names, out))
        return out[0] if len(out) == 1 else out

    def dequeue(self, name=None):
        return self._dequeue(QueueDequeue, None, name, "Dequeue")

    def dequeue_many(self, n, name=None):
        return self._dequeue(QueueDequeueMany, n, name, "DequeueMany")

    def dequeue_up_to(self, n, name=None):
        return self._dequeue(QueueDequeueUpTo, n, name, "DequeueUpTo")

    def close(self, cancel_pending_enqueues=False, name=None):
        return apply_op(QueueClose, [self._queue_ref], {"queue": self, "cancel_pending_enqueues":
                                                        bool(cancel_pending_enqueues)}, name or f"{self._name}_Close")

    def size(self, name=None):
        return apply_op(QueueSize, [self._queue_ref], {"queue": self}, name or f"{self._name}_Size")

    def is_closed(self, name=None):
        return apply_op(QueueIsClosed, [self._queue_ref], {"queue": self}, name or f"{self._name}_Is_Closed")


class FIFOQueue(QueueBase):
    """`tf.FIFOQueue(capacity, dtypes, shapes=None, names=None)`: elements in the order they came."""

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None, name="fifo_queue"):
        super().__init__(capacity, dtypes, shapes, names, name)


class PaddingFIFOQueue(QueueBase):
    """A FIFOQueue whose shapes may have unknown dimensions (None): dequeue_many pads each batch to its largest
    element with zeros (empty strings)."""

    _kind = "PaddingFIFOQueue"
    _handle = PaddingFIFOQueueHandle
    _pads = True

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None, name="padding_fifo_queue"):
        types = _type_list(dtypes)
        if shapes is None or len(_shape_list(shapes, types, True)) != len(types):
            raise ValueError(f"Shapes must be provided for all components, but received {len(types)} dtypes and "
                             f"{0 if shapes is None else len(shapes)} shapes.")
        super().__init__(capacity, types, shapes, names, name, unknown_dim_allowed=True)


class RandomShuffleQueue(QueueBase):
    """Elements dequeued in random order; while open, at least `min_after_dequeue` stay behind, so that a batch
    mixes examples from across that many."""

    _kind = "RandomShuffleQueue"
    _handle = RandomShuffleQueueHandle
    _buffer = _Shuffled

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None, shared_name=None,
                 name="random_shuffle_queue"):
        self._min_after_dequeue = int(min_after_dequeue)
        attrs = _seed_attrs(seed)
        self._seed = (attrs["seed"], attrs["seed2"])
        super().__init__(capacity, dtypes, shapes, names, name)


class PriorityQueue(QueueBase):
    """Elements dequeued smallest priority first: each element starts with an int64 scalar priority, before the
    components `types` name."""

    _kind = "PriorityQueue"
    _handle = PriorityQueueHandle
    _buffer = _Priority

    def __init__(self, capacity, types, shapes=None, names=None, shared_name=None, name="priority_queue"):
        types = [_dtypes.int64, *_type_list(types)]
        if shapes is not None:
            shapes = [(), *_shape_list(shapes, types[1:], False)]
        super().__init__(capacity, types, shapes, names, name)
