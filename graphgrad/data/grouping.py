"""Datasets of datasets, and folds over a dataset: `Dataset.window`, `Dataset.reduce`, and
`tf.data.experimental.group_by_window`, `group_by_reducer` (with `Reducer`) and `bucket_by_sequence_length`.

A window or a group is an element component of type `DatasetType` (TF's variant) whose value lists the elements
it holds (`DatasetValue`); a function given such an element (flat_map's, group_by_window's `reduce_func`, map's)
receives it as a Dataset it can batch, zip, or reduce. Groups come out as TF's kernels give them: a group as soon
as it is full, and at the end of the input the unfinished ones in ascending key order."""
from __future__ import annotations

from collections import deque

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import Tensor
from ..framework.op_def import OpDef, not_differentiable
from ..framework.tensor_shape import TensorShape
from ..ops.core import apply_op, convert_to_tensor
from . import structure as nest
from .dataset_ops import (
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Closables,
    Dataset,
    DatasetType,
    DatasetValue,
    Env,
    TracedFunction,
    _merge_shape,
    box,
)

__all__ = ["Reducer", "bucket_by_sequence_length", "group_by_reducer", "group_by_window"]

_KEY = (nest.LEAF, [dtypes.int64], [TensorShape([])])  # the spec of a key, as init_func / window_size_func get it


def _leaves(tmpl):
    """`tmpl` with each leaf (a component, or a SparseTensor's three) made one component, and each leaf's own
    template and number of flat components, in flat order."""
    leaves = []

    def walk(t):
        if nest.is_sparse(t):
            leaves.append((t, 3))
            return nest.LEAF
        if isinstance(t, dict):
            built = {k: walk(t[k]) for k in sorted(t)}
            return {k: built[k] for k in t}
        if isinstance(t, tuple):
            items = [walk(v) for v in t]
            return type(t)(*items) if hasattr(t, "_fields") else tuple(items)
        leaves.append((nest.LEAF, 1))
        return nest.LEAF
    return walk(tmpl), leaves


def _positive(env, value, what):
    n = env.int(value)
    if n <= 0:
        raise errors.InvalidArgumentError(None, None, f"Window {what} must be greater than zero.")
    return n


class _Window(Dataset):
    """`dataset.window(size, shift, stride, drop_remainder)`: windows of `size` elements, `stride` apart, a new
    one every `shift` input elements; each element component becomes a dataset of that component."""

    def __init__(self, ds, size, shift, stride, drop_remainder):
        tmpl, leaves = _leaves(ds._template)
        types, self._parts, start = [], [], 0
        for sub, n in leaves:
            types.append(DatasetType((sub, ds._types[start:start + n], ds._shapes[start:start + n])))
            self._parts.append((start, start + n))
            start += n
        shift = size if shift is None else shift
        self._args = (size, shift, stride, drop_remainder)
        super().__init__([ds], tmpl, types, [TensorShape([])] * len(types),
                         [x for x in self._args if isinstance(x, Tensor)])

    def _sizes(self, env):
        size, shift, stride, drop = self._args
        return (_positive(env, size, "size"), _positive(env, shift, "shift"), _positive(env, stride, "stride"),
                bool(env.value(drop)))

    def _cardinality(self, env):
        n = self._inputs[0]._cardinality(env)
        if n in (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY):
            return n
        size, shift, stride, drop = self._sizes(env)
        if drop:
            rest = n - ((size - 1) * stride + 1)
            return 0 if rest < 0 else rest // shift + 1
        return -(-n // shift)

    def _iterate(self, env):
        size, shift, stride, drop = self._sizes(env)
        span = (size - 1) * stride + 1  # the input elements a whole window covers
        upstream = self._inputs[0]._iterate(env)
        buf, ended, skip = deque(), False, 0
        while True:
            while skip and not ended:  # a shift longer than the buffer skips input elements
                ended = next(upstream, None) is None
                skip -= 1
            while len(buf) < span and not ended:
                e = next(upstream, None)
                if e is None:
                    ended = True
                else:
                    buf.append(e)
            if not buf or (ended and drop and len(buf) < span):
                return
            window = list(buf)[::stride][:size]
            yield tuple(box(DatasetValue([e[a:b] for e in window])) for a, b in self._parts)
            dropped = min(shift, len(buf))
            for _ in range(dropped):
                buf.popleft()
            skip = shift - dropped


def window(dataset, size, shift=None, stride=1, drop_remainder=False):
    return _Window(dataset, size, shift, stride, drop_remainder)


# --- keyed groups ----------------------------------------------------------------------------------------------

def _key_function(key_func, ds):
    fn = TracedFunction(key_func, ds._spec, "key_func")
    out = fn.outputs
    if len(out) != 1 or out[0].dtype.base_dtype != dtypes.int64 or out[0].shape.dims_tuple not in ((), None):
        what = ", ".join(f"TensorSpec(shape={t.shape}, dtype=tf.{t.dtype.base_dtype.name}, name=None)" for t in out)
        raise ValueError("Invalid `key_func`. `key_func` must return a single `tf.int64` scalar tensor but its "
                         f"return type is {what}.")
    return fn


def _run(fn, env):
    """`fn`'s sub-plan as a function of its arguments (its captures' values added)."""
    plan, caps = fn.plan(env), fn.capture_values(env)
    return lambda *args: plan([*args, *caps])


class _GroupByWindow(Dataset):
    def __init__(self, ds, key_func, reduce_func, window_size, window_size_func):
        if (window_size is None) == (window_size_func is None):
            raise ValueError("Either the `window_size` argument or the `window_size_func` argument must be "
                             "specified.")
        self._key = _key_function(key_func, ds)
        self._size = None
        if window_size_func is not None:
            self._size = TracedFunction(window_size_func, _KEY, "window_size_func")
            out = self._size.outputs
            if len(out) != 1 or out[0].dtype.base_dtype != dtypes.int64:
                raise ValueError("`window_size_func` must return a single tf.int64 scalar tensor.")
        group = (nest.LEAF, nest.LEAF), [dtypes.int64, DatasetType(ds._spec)], [TensorShape([]), TensorShape([])]
        self._reduce = TracedFunction(reduce_func, group, "reduce_func", returns_dataset=True)
        inner = self._reduce.dataset
        fns = [f for f in (self._key, self._size, self._reduce) if f is not None]
        captures = [c for f in fns for c in f.captures] + ([window_size] if isinstance(window_size, Tensor) else [])
        super().__init__([ds], inner._template, inner._types, inner._shapes, captures)
        self._window_size = window_size

    def _iterate(self, env):
        key_of = _run(self._key, env)
        size_of = (lambda k: env.int(self._window_size)) if self._size is None else \
            (lambda k, f=_run(self._size, env): int(f(k)[0]))
        reduce = _run(self._reduce, env)
        inner, inner_caps = self._reduce.dataset, self._reduce.outputs

        def emit(key, elements):
            values = reduce(key, box(DatasetValue(elements)))
            return inner._iterate(env.child(dict(zip(inner_caps, values))))

        groups, sizes = {}, {}
        for e in self._inputs[0]._iterate(env):
            key = np.int64(key_of(*e)[0])
            if key not in sizes:
                sizes[key] = size_of(key)
                if sizes[key] <= 0:
                    raise errors.InvalidArgumentError(None, None, "Window size must be greater than zero, but got "
                                                                  f"{sizes[key]}.")
            group = groups.setdefault(key, [])
            group.append(e)
            if len(group) == sizes[key]:
                del groups[key], sizes[key]
                yield from emit(key, group)
        for key in sorted(groups):
            yield from emit(key, groups[key])


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    """`dataset.apply(group_by_window(key_func, reduce_func, window_size))`: elements grouped by the int64 key
    `key_func` gives; each group of `window_size` (or `window_size_func(key)`) elements, and each unfinished
    group at the end, becomes the dataset `reduce_func(key, group)`, whose elements come out in turn."""
    return lambda ds: _GroupByWindow(ds, key_func, reduce_func, window_size, window_size_func)


class Reducer:
    """`tf.data.experimental.Reducer(init_func, reduce_func, finalize_func)`: how `group_by_reducer` folds a
    group: `init_func(key)` the first state, `reduce_func(state, element)` the next, `finalize_func(state)` the
    group's element."""

    def __init__(self, init_func, reduce_func, finalize_func):
        self.init_func, self.reduce_func, self.finalize_func = init_func, reduce_func, finalize_func


def _fold_function(reduce_func, state_spec, element_spec, name):
    """`reduce_func(state, element)` traced with the state's shapes relaxed until what it returns fits them, as
    TF retraces; its results must have the state's structure and dtypes."""
    tmpl, types, shapes = state_spec
    while True:
        spec = (tmpl, element_spec[0]), [*types, *element_spec[1]], [*shapes, *element_spec[2]]
        fn = TracedFunction(reduce_func, spec, name)
        out = fn.outputs
        if fn.template != tmpl:
            raise TypeError(f"The structure of the new state {nest.pack(fn.template, out)} does not match the "
                            f"structure of the initial state.")
        got = [t.dtype.base_dtype for t in out]
        if got != list(types):
            def show(ts):
                return ts[0] if len(ts) == 1 else tuple(ts)
            raise TypeError("The element types for the new state must match the initial state. Expected "
                            f"{show(types)} but got {show(got)}.")
        relaxed = [_merge_shape(s, t.shape) for s, t in zip(shapes, out)]
        if [r.dims_tuple for r in relaxed] == [s.dims_tuple for s in shapes]:
            return fn
        shapes = relaxed


class _GroupByReducer(Dataset):
    def __init__(self, ds, key_func, reducer):
        self._key = _key_function(key_func, ds)
        self._init = TracedFunction(reducer.init_func, _KEY, "init_func")
        state = self._init.template, [t.dtype.base_dtype for t in self._init.outputs], \
            [t.shape for t in self._init.outputs]
        self._reduce = _fold_function(reducer.reduce_func, state, ds._spec, "reduce_func")
        state = state[0], state[1], [a.shape for a in self._reduce.args[:len(state[1])]]
        self._finalize = TracedFunction(reducer.finalize_func, state, "finalize_func")
        out = self._finalize.outputs
        fns = (self._key, self._init, self._reduce, self._finalize)
        super().__init__([ds], self._finalize.template, [t.dtype for t in out], [t.shape for t in out],
                         [c for f in fns for c in f.captures])

    def _iterate(self, env):
        key_of, init, reduce, finalize = (_run(f, env) for f in (self._key, self._init, self._reduce,
                                                                   self._finalize))
        states = {}
        for e in self._inputs[0]._iterate(env):
            key = np.int64(key_of(*e)[0])
            state = states[key] if key in states else init(key)
            states[key] = reduce(*state, *e)
        for key in sorted(states):
            yield tuple(finalize(*states[key]))


def group_by_reducer(key_func, reducer):
    """`dataset.apply(group_by_reducer(key_func, reducer))`: one element per key, the `Reducer`'s fold of the
    elements with that key, in ascending key order once the input ends."""
    return lambda ds: _GroupByReducer(ds, key_func, reducer)


# --- Dataset.reduce -------------------------------------------------------------------------------------------

class ReduceDataset(OpDef):
    """ReduceDataset(*initial state, *captures) -> the final state of folding `attrs["fn"]` over
    `attrs["dataset"]`, as the run that runs it instantiates the pipeline."""

    type = "ReduceDataset"
    stateful = True  # a pipeline's files, generators and random ops may give other elements each run
    gradient = not_differentiable

    def infer(op):
        fn, n = op.attrs["fn"], op.attrs["state_count"]
        return [(a.shape.dims_tuple, a.dtype.base_dtype) for a in fn.args[:n]]

    def kernel(op, ctx):
        dataset, fn, n = op.attrs["dataset"], op.attrs["fn"], op.attrs["state_count"]
        captures = op.inputs[n:]
        single = len(op.outputs) == 1

        def reduce(*values):
            env = Env(ctx, {t: ctx.to_host(v) for t, v in zip(captures, values[n:])}, Closables(), {})
            state = [ctx.to_host(v) for v in values[:n]]
            step = _run(fn, env)
            try:
                for e in dataset._iterate(env):
                    state = step(*state, *e)
            finally:
                env.closables.close()
            out = [v if isinstance(v, np.ndarray) and v.dtype == object else ctx.to_device(np.asarray(v))
                   for v in state]
            return out[0] if single else out
        return reduce

    def can_fail(op):
        return True


def reduce(dataset, initial_state, reduce_func):
    """`dataset.reduce(initial_state, reduce_func)`: the state `reduce_func(state, element)` leaves after the last
    element, as tensors computed when they run."""
    tmpl = nest.template(nest.lists_to_tuples(initial_state))
    init = [convert_to_tensor(x) for x in nest.flatten(nest.lists_to_tuples(initial_state))]
    fn = _fold_function(reduce_func, (tmpl, [t.dtype.base_dtype for t in init], [t.shape for t in init]),
                        dataset._spec, "reduce_func")
    captures = list(dict.fromkeys([*dataset._captures(), *fn.captures]))
    out = apply_op(ReduceDataset, [*init, *captures], {"dataset": dataset, "fn": fn, "state_count": len(init)},
                   "ReduceDataset")
    return nest.pack(tmpl, out if isinstance(out, list) else [out])


# --- bucket_by_sequence_length ---------------------------------------------------------------------------------

def bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes=None,
                              padding_values=None, pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    """`dataset.apply(bucket_by_sequence_length(...))`: elements put in buckets by `element_length_func`'s length
    (bucket i holds lengths in [boundaries[i-1], boundaries[i])), each bucket batched (padded) by its own batch
    size: TF's composition of group_by_window and padded_batch."""
    from ..framework.graph import control_dependencies
    from ..ops.array_ops import gather
    from ..ops.cast_ops import cast
    from ..ops.check_ops import assert_less
    from ..ops.comparison_ops import less, less_equal, logical_and
    from ..ops.reduction_ops import reduce_min
    from ..ops.select_ops import where

    boundaries = [int(b) for b in bucket_boundaries]
    if len(bucket_batch_sizes) != len(boundaries) + 1:
        raise ValueError("len(bucket_batch_sizes) must equal len(bucket_boundaries) + 1")
    low = [np.iinfo(np.int32).min] + boundaries
    high = boundaries + [np.iinfo(np.int32).max]

    def bucket_of(*element):
        length = cast(element_length_func(*element), dtypes.int64)
        inside = logical_and(less_equal(np.array(low, np.int64), length), less(length, np.array(high, np.int64)))
        return reduce_min(where(inside))

    def batch_size_of(bucket):
        return gather(np.array(bucket_batch_sizes, np.int64), bucket)

    def batching(bucket, group):
        size = batch_size_of(bucket)
        if no_padding:
            return group.batch(size, drop_remainder=drop_remainder)
        filler = None
        if pad_to_bucket_boundary:
            check = assert_less(bucket, np.int64(len(bucket_batch_sizes) - 1), message=(
                "When pad_to_bucket_boundary=True, elements must have length < max(bucket_boundaries)."))
            with control_dependencies([check]):
                filler = gather(np.array(boundaries, np.int64), bucket) - 1
        shapes = padded_shapes if padded_shapes is not None else group.output_shapes
        if filler is not None:
            shapes = nest.map_structure(shapes, lambda s: [filler if d is None else d
                                                           for d in TensorShape(s).dims_tuple])
        return group.padded_batch(size, shapes, padding_values, drop_remainder=drop_remainder)

    return group_by_window(bucket_of, batching, window_size_func=batch_size_of)
