"""TF 1.15's `tf.data.experimental` transformations (`dataset.apply(scan(...))`, `unique()`, ...) and iterator
helpers (`get_single_element`, `get_next_as_optional`, `Optional`).

The transformations are Dataset classes like those of dataset_ops.py: `_iterate(env)` gives flat elements, user
functions are traced once (`TracedFunction`). Two graph ops run a pipeline outside an iterator's `get_next`:
`DatasetToSingleElement` (a whole pipeline in one session run, as `DatasetCardinality` does) and
`IteratorGetNextAsOptional` (an iterator's next element, or "no value" instead of OutOfRangeError at the end).
"""
from __future__ import annotations

import itertools

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import Tensor
from ..framework.op_def import OpDef, not_differentiable
from ..framework.random_seed import get_seed
from ..framework.tensor_shape import TensorShape
from ..framework.tensor_spec import TensorSpec
from ..ops import optional_ops
from ..ops.core import apply_op, convert_to_tensor
from ..ops.sparse_ops import SparseTensor
from . import structure as nest
from .dataset_ops import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    Closables,
    Dataset,
    Env,
    TracedFunction,
    _as_array,
    _batches,
    _comp_spec,
    _component,
    _Interleave,
    _merge_shape,
)
from .iterator_ops import EagerIterator, Iterator, IteratorGetNext

__all__ = ["Optional", "assert_cardinality", "copy_to_device", "dense_to_sparse_batch", "get_next_as_optional",
           "get_single_element", "ignore_errors", "map_and_batch_with_legacy_function", "parallel_interleave",
           "prefetch_to_device", "rejection_resample", "scan", "take_while", "unique"]


def _node(op):
    return f"\n\t [[{{{{node {op.name}}}}}]]"


def _specs_text(tmpl, tensors):
    """A traced function's result as TF prints it in errors: TensorSpecs in the result's structure."""
    return str(nest.pack(tmpl, [TensorSpec(t.shape, t.dtype.base_dtype) for t in tensors]))


# --- scan ------------------------------------------------------------------------------------------------------

def scan(initial_state, scan_func):
    """`dataset.apply(scan(state, f))`: `f(state, element) -> (new_state, output)`, the state threaded through."""
    return lambda ds: _Scan(ds, initial_state, scan_func)


class _Scan(Dataset):
    """The state's dtypes and structure are fixed by `initial_state`; its shapes are relaxed, as TF does, until
    `scan_func` returns states of the shapes it was traced with (a state that grows gets unknown dimensions)."""

    _keeps_cardinality = True  # TF 2's scan preserves cardinality

    def __init__(self, ds, initial_state, scan_func):
        state_tmpl = nest.template(initial_state)
        self._state = [_component(x) for x in nest.flatten(initial_state)]
        state_types = [_comp_spec(c)[0] for c in self._state]
        state_shapes = [_comp_spec(c)[1] for c in self._state]
        while True:
            fn = TracedFunction(scan_func, ((state_tmpl, ds._template), [*state_types, *ds._types],
                                            [*state_shapes, *ds._shapes]), "scan")
            if not (isinstance(fn.template, tuple) and len(fn.template) == 2):
                raise TypeError("Invalid `scan_func`. `scan_func` should return a pair consisting of new state and "
                                f"the output value but its return type is {_specs_text(fn.template, fn.outputs)}.")
            new_tmpl, out_tmpl = fn.template
            n = len(nest.flatten(new_tmpl))
            new_state, outputs = fn.outputs[:n], fn.outputs[n:]
            if not nest.same_structure(state_tmpl, new_tmpl) or \
                    nest.sparse_starts(state_tmpl, n) != nest.sparse_starts(new_tmpl, n):
                raise TypeError("Invalid `scan_func`. The element classes for the new state must match the initial "
                                f"state. Expected {_classes(state_tmpl)}, got {_classes(new_tmpl)}.")
            new_types = [t.dtype.base_dtype for t in new_state]
            if new_types != state_types:
                raise TypeError("Invalid `scan_func`. The element types for the new state must match the initial "
                                f"state. Expected {nest.pack(state_tmpl, state_types)}, got "
                                f"{nest.pack(new_tmpl, new_types)}.")
            relaxed = [_merge_shape(old, t.shape) for old, t in zip(state_shapes, new_state)]
            if all(r.dims_tuple == old.dims_tuple for r, old in zip(relaxed, state_shapes)):
                break
            state_shapes = relaxed  # trace again with the relaxed state shapes
        super().__init__([ds], out_tmpl, [t.dtype for t in outputs], [t.shape for t in outputs],
                         [*(c for c in self._state if isinstance(c, Tensor)), *fn.captures])
        self._fn, self._n = fn, n

    def _iterate(self, env):
        plan = self._fn.plan(env)
        caps = self._fn.capture_values(env)
        state = [_as_array(env.value(c)) for c in self._state]
        for e in self._inputs[0]._iterate(env):
            out = plan([*state, *e, *caps])
            state = out[:self._n]
            yield tuple(out[self._n:])


def _classes(tmpl):
    """The Tensor / SparseTensor class at each position of a state template (TF's `output_classes`)."""
    leaves = len(nest.flatten(tmpl))
    return nest.pack(tmpl, [Tensor] * leaves, lambda i, v, d: SparseTensor)


# --- unique, take_while, ignore_errors -------------------------------------------------------------------------

def unique():
    """`dataset.apply(unique())`: each distinct element once, in order of first appearance."""
    return lambda ds: _Unique(ds)


class _Unique(Dataset):
    def __init__(self, ds):
        for t in ds._types:
            if t not in (dtypes.int32, dtypes.int64, dtypes.string):
                raise TypeError(f"`tf.data.Dataset.unique` does not support type {t} -- only `tf.int32`, "
                                "`tf.int64`, and `tf.string` are supported.")
        super().__init__([ds], ds._template, ds._types, ds._shapes)

    def _iterate(self, env):
        if len(self._types) != 1:  # TF's kernel says so when the iterator starts, not when the dataset is built
            raise errors.InvalidArgumentError(None, None, "UniqueDataset only supports inputs with a single "
                                                          "component.")
        seen = set()
        for e in self._inputs[0]._iterate(env):
            a = _as_array(e[0])
            key = (a.shape, tuple(a.ravel().tolist()))
            if key not in seen:
                seen.add(key)
                yield e


def take_while(predicate):
    """`dataset.apply(take_while(p))`: the elements up to (not including) the first for which `p` is False."""
    return lambda ds: _TakeWhile(ds, predicate)


class _TakeWhile(Dataset):
    def __init__(self, ds, predicate):
        self._fn = TracedFunction(predicate, ds._spec, "take_while")
        out = self._fn.outputs
        if len(out) != 1 or out[0].dtype.base_dtype != dtypes.bool_ or out[0].shape.dims_tuple not in ((), None):
            raise ValueError("Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor but its return "
                             f"type is{_specs_text(self._fn.template, out)}.")  # (sic: TF's message has no space)
        super().__init__([ds], ds._template, ds._types, ds._shapes, self._fn.captures)

    def _iterate(self, env):
        plan = self._fn.plan(env)
        caps = self._fn.capture_values(env)
        for e in self._inputs[0]._iterate(env):
            if not plan([*e, *caps])[0]:
                return
            yield e


def ignore_errors(log_warning=False):
    """`dataset.apply(ignore_errors())`: the input's elements, without those whose computation raised an error.

    A pipeline stage is a Python generator, and a generator that raised cannot go on. So the errors are caught
    where TF meets them per element, in the functions of map, filter, ...: upstream of this dataset each
    function's sub-plan is wrapped (`_ErrorMarkingEnv`) so that a failing call gives the `_FAILED` marker as its
    result instead of raising, later functions pass a marker on, and this dataset drops every element holding
    one (a batch that took in a failed element is dropped whole, as TF's batch fails whole). An error raised
    outside a function (a source's generator, batching elements of different shapes) ends the dataset here,
    where TF would try to go on from the same input."""
    return lambda ds: _IgnoreErrors(ds, log_warning)


class _Failed:
    def __repr__(self):
        return "<failed element>"

    def __bool__(self):  # a filter predicate that failed drops its element, as TF's ignore_errors does
        return False


_FAILED = _Failed()


class _ErrorMarkingEnv(Env):
    """An Env whose traced functions give `[_FAILED] * outputs` instead of raising an OpError."""

    def __init__(self, env, log_warning):
        super().__init__(env.ctx, env.values, env.closables, env.caches)
        self._seed_generators = env._seed_generators
        self._log_warning = log_warning

    def child(self, values):
        return _ErrorMarkingEnv(super().child(values), self._log_warning)

    def session_state(self, key, factory):
        plan = super().session_state(key, factory)
        if key[0] != "tf.data function" or hasattr(key[1], "dataset"):
            return plan  # an interleave's function only computes the inner dataset's captures
        failed = [_FAILED] * len(key[1].outputs)
        log_warning = self._log_warning

        def marking(values):
            if any(_holds_failed(v) for v in values):
                return failed
            try:
                return plan(values)
            except errors.OpError as e:
                if log_warning:
                    print(f"Ignoring error: {e.message}")
                return failed
        return marking


def _holds_failed(v):
    return v is _FAILED or (isinstance(v, np.ndarray) and v.dtype == object and any(x is _FAILED for x in v.flat))


class _IgnoreErrors(Dataset):
    def __init__(self, ds, log_warning):
        super().__init__([ds], ds._template, ds._types, ds._shapes)
        self._log_warning = bool(log_warning)

    def _iterate(self, env):
        try:
            for e in self._inputs[0]._iterate(_ErrorMarkingEnv(env, self._log_warning)):
                if not any(_holds_failed(c) for c in e):
                    yield e
        except errors.OpError:
            return


# --- dense_to_sparse_batch -------------------------------------------------------------------------------------

def dense_to_sparse_batch(batch_size, row_shape):
    """`dataset.apply(dense_to_sparse_batch(n, row_shape))`: batches of `n` elements of varying shape as one
    SparseTensor of dense shape `[n] + row_shape` (a None dimension: the batch's largest)."""
    return lambda ds: _DenseToSparseBatch(ds, batch_size, row_shape)


class _DenseToSparseBatch(Dataset):
    def __init__(self, ds, batch_size, row_shape):
        if ds._template is not nest.LEAF:
            raise TypeError("`dense_to_sparse_batch` requires an input dataset whose elements have a single "
                            "component, but the given dataset has the following component types: "
                            f"{ds.output_types}.")
        self._row = TensorShape(row_shape).dims_tuple
        rank = len(self._row) + 1
        super().__init__([ds], SparseTensor(None, None, None), [dtypes.int64, ds._types[0], dtypes.int64],
                         [[None, rank], [None], [rank]], [batch_size] if isinstance(batch_size, Tensor) else [])
        self._n = batch_size

    @property
    def output_shapes(self):
        return TensorShape([None, *self._row])  # TF knows the row shape: the flat dense_shape component does not

    def _cardinality(self, env):
        return _batches(self._inputs[0]._cardinality(env), env.int(self._n), False)

    def _iterate(self, env):
        n = env.int(self._n)
        if n <= 0:
            raise errors.InvalidArgumentError(None, None, "Batch size must be greater than zero.")
        it = self._inputs[0]._iterate(env)
        while True:
            batch = [_as_array(e[0]) for e in itertools.islice(it, n)]
            if not batch:
                return
            yield self._sparse(batch)

    def _sparse(self, batch):
        row = self._row
        for a in batch:
            text = f"Input element had shape ({_dims(a.shape)}) that is"
            if a.ndim != len(row):
                raise errors.InvalidArgumentError(None, None, f"{text} incompatible with the row shape "
                                                              f"({_dims(row)}).")
            if any(r is not None and d > r for d, r in zip(a.shape, row)):
                raise errors.DataLossError(None, None, f"{text} larger than the row shape ({_dims(row)}).")
        dense = [len(batch), *(r if r is not None else max(a.shape[i] for a in batch) for i, r in enumerate(row))]
        indices = [np.concatenate([np.full((a.size, 1), k, np.int64),
                                   np.argwhere(np.ones(a.shape, bool))], 1)
                   for k, a in enumerate(batch)]
        return (np.concatenate(indices), np.concatenate([a.ravel() for a in batch]), np.array(dense, np.int64))


def _dims(shape):
    return "[" + ",".join("-1" if d is None else str(d) for d in shape) + "]"


# --- rejection_resample ----------------------------------------------------------------------------------------

def rejection_resample(class_func, target_dist, initial_dist=None, seed=None):
    """`dataset.apply(rejection_resample(class_func, target_dist))`: (class, element) pairs whose classes follow
    `target_dist`, by TF's scheme: with probability m (the smallest target/initial ratio) the next element of
    the input as it is, otherwise the next element a rejection sampler accepts (class i with probability
    (ratio_i - m) / (max ratio - m)). Without `initial_dist` it is estimated as the input goes (class counts
    from 10 each, updated every 32 elements)."""
    return lambda ds: _RejectionResample(ds, class_func, target_dist, initial_dist, seed)


class _RejectionResample(Dataset):
    def __init__(self, ds, class_func, target_dist, initial_dist, seed):
        self._fn = TracedFunction(class_func, ds._spec, "rejection_resample")
        out = self._fn.outputs
        if len(out) != 1 or out[0].dtype.base_dtype not in (dtypes.int32, dtypes.int64):
            dt = out[0].dtype.base_dtype.name if len(out) == 1 else "a structure"
            raise TypeError(f"Value passed to parameter 'indices' has DataType {dt} not in list of allowed values: "
                            "uint8, int8, int32, int64")
        self._target, self._initial = _component(target_dist), (None if initial_dist is None
                                                                 else _component(initial_dist))
        caps = [x for x in (self._target, self._initial) if isinstance(x, Tensor)]
        super().__init__([ds], (nest.LEAF, ds._template), [out[0].dtype, *ds._types], [out[0].shape, *ds._shapes],
                         [*caps, *self._fn.captures])
        self._seeds = get_seed(seed)

    def _iterate(self, env):
        plan, caps = self._fn.plan(env), self._fn.capture_values(env)
        target = np.asarray(env.value(self._target), np.float32)
        initial = None if self._initial is None else np.asarray(env.value(self._initial), np.float32)
        rng = np.random.default_rng(list(env.seed_generator(self, self._seeds, True).next_seeds()))

        def classified():  # one pass over the input: (class, element) pairs; TF, too, reads the input 2-3 times
            for e in self._inputs[0]._iterate(env):
                yield plan([*e, *caps])[0], e

        def with_estimates():  # ... each with the initial distribution as known when it is read
            if initial is not None:
                for c, e in classified():
                    yield c, e, initial
                return
            counts, it = np.full(len(target), 10, np.int64), classified()
            while batch := list(itertools.islice(it, 32)):
                counts += np.bincount([int(c) for c, _ in batch], minlength=len(target))[:len(target)]
                dist = (counts / counts.sum()).astype(np.float32)
                for c, e in batch:
                    yield c, e, dist

        def accepted():
            for c, e, dist in with_estimates():
                if rng.uniform() < _acceptance(dist, target)[0][int(c)]:
                    yield (c, *e)

        original = ((c, *e) for c, e in classified())
        if initial is not None:
            m = _acceptance(initial, target)[1]
            if m == 1 or m == 0:  # TF decides this while building: no mixing needed
                yield from original if m == 1 else accepted()
                return
        filtered = accepted()
        for _, _, dist in with_estimates():  # as many draws as the input has elements
            source = original if rng.uniform() < _acceptance(dist, target)[1] else filtered
            e = next(source, None)
            if e is None:
                return  # TF 2 stops at the first exhausted input (stop_on_empty_dataset=True)
            yield e


def _acceptance(initial, target):
    """TF's per-class acceptance probabilities and the probability of taking an element unfiltered."""
    ratio = target / (initial + np.finfo(np.float32).tiny)
    m = ratio.min()
    with np.errstate(divide="ignore", invalid="ignore"):
        return (ratio - m) / (ratio.max() - m), m


# --- parallel_interleave, map_and_batch_with_legacy_function, assert_cardinality, device copies ----------------

def parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False, buffer_output_elements=None,
                        prefetch_input_elements=None):
    """`dataset.apply(parallel_interleave(f, cycle_length))`: `interleave`'s elements in `interleave`'s order.
    The inner datasets are read in turn on the iterator's thread: that order is the one TF gives with
    `sloppy=False`, and one of those it may give with `sloppy=True`; the buffer sizes only tune TF's threads."""
    return lambda ds: _Interleave(ds, map_func, cycle_length, block_length, name="parallel_interleave")


def map_and_batch_with_legacy_function(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                                       num_parallel_calls=None):
    """TF 1.15's `map_and_batch` traced as a legacy function: here, functions are traced the one way there is."""
    from .experimental import map_and_batch

    return map_and_batch(map_func, batch_size, num_parallel_batches, drop_remainder, num_parallel_calls)


def assert_cardinality(expected_cardinality):
    """`dataset.apply(assert_cardinality(n))`: the input's elements, failing (FailedPreconditionError) when
    iterating finds more or fewer than `n`; `cardinality()` gives `n`."""
    return lambda ds: _AssertCardinality(ds, expected_cardinality)


def _elements(n):
    return "an infinite number of elements" if n == INFINITE_CARDINALITY else f"{n} element{'' if n == 1 else 's'}"


class _AssertCardinality(Dataset):
    def __init__(self, ds, expected):
        super().__init__([ds], ds._template, ds._types, ds._shapes, [expected] if isinstance(expected, Tensor) else [])
        self._expected = expected

    def _cardinality(self, env):
        return env.int(self._expected)

    def _iterate(self, env):
        expected, count = env.int(self._expected), 0
        for e in self._inputs[0]._iterate(env):
            count += 1
            if expected != INFINITE_CARDINALITY and count > expected:
                raise errors.FailedPreconditionError(None, None, "Input dataset was expected to contain "
                                                                 f"{_elements(expected)} but contained at least "
                                                                 f"{_elements(count)}.")
            yield e
        if count != expected:
            raise errors.FailedPreconditionError(None, None, f"Input dataset was expected to contain "
                                                             f"{_elements(expected)} but contained only "
                                                             f"{_elements(count)}.")


def copy_to_device(target_device, source_device="/cpu:0"):
    """`dataset.apply(copy_to_device("/gpu:0"))`: the same elements. A graphgrad pipeline always runs on the host
    (NumPy arrays) and `get_next` hands its element to the session's device, so there is nothing to copy; the
    dataset only stands where TF's is (its cardinality is unknown, as TF's)."""
    return lambda ds: _CopyToDevice(ds)


class _CopyToDevice(Dataset):
    def __init__(self, ds):
        super().__init__([ds], ds._template, ds._types, ds._shapes)

    def _iterate(self, env):
        return self._inputs[0]._iterate(env)


def prefetch_to_device(device, buffer_size=None):
    """`dataset.apply(prefetch_to_device("/gpu:0"))`: as TF, `copy_to_device` then `prefetch` (AUTOTUNE by
    default): elements are computed ahead on a background thread."""
    return lambda ds: ds.apply(copy_to_device(device)).prefetch(AUTOTUNE if buffer_size is None else buffer_size)


# --- get_single_element ----------------------------------------------------------------------------------------

class DatasetToSingleElement(OpDef):
    """DatasetToSingleElement(*captures) -> the components of `attrs["dataset"]`'s one element, the whole pipeline
    run inside the session run (InvalidArgumentError when it has none or more than one)."""

    type = "DatasetToSingleElement"
    stateful = True  # a pipeline's files, generators and random ops may give something else each run
    gradient = not_differentiable

    def infer(op):
        ds = op.attrs["dataset"]
        return [(s.dims_tuple, t) for t, s in zip(ds._types, ds._shapes)]

    def kernel(op, ctx):
        dataset, captures, to_device = op.attrs["dataset"], op.inputs, ctx.to_device
        single = len(op.outputs) == 1

        def single_element(*values):
            closables = Closables()
            env = Env(ctx, {t: ctx.to_host(v) for t, v in zip(captures, values)}, closables, {})
            try:
                it = dataset._iterate(env)
                first = next(it, None)
                second = None if first is None else next(it, None)
            except errors.OpError as exc:
                raise type(exc)(op.node_def, op, f"{exc.message}{_node(op)}") from exc
            finally:
                closables.close()
            if first is None:
                raise errors.InvalidArgumentError(op.node_def, op, f"Dataset was empty.{_node(op)}")
            if second is not None:
                raise errors.InvalidArgumentError(op.node_def, op, f"Dataset had more than one element.{_node(op)}")
            out = [v if t == dtypes.string else to_device(np.asarray(v)) for v, t in zip(first, dataset._types)]
            return out[0] if single else out
        return single_element

    def can_fail(op):
        return True


def get_single_element(dataset):
    """The one element of `dataset` as tensors (values, when executing eagerly); running them runs the pipeline."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"Invalid `dataset`. Expected a `tf.data.Dataset` object but got {type(dataset)}.")
    out = apply_op(DatasetToSingleElement, dataset._captures(), {"dataset": dataset}, "DatasetToSingleElement")
    return nest.pack(dataset._template, out if isinstance(out, list) else [out])


# --- Optional and get_next_as_optional -------------------------------------------------------------------------

class IteratorGetNextAsOptional(OpDef):
    """IteratorGetNextAsOptional([handle]) -> an optional (ops/optional_ops.py) holding IteratorGetNext's element,
    or holding none where IteratorGetNext would raise "End of sequence"."""

    type = "IteratorGetNextAsOptional"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        return [((), dtypes.variant)]

    def kernel(op, ctx):
        get_next = IteratorGetNext.kernel(op, ctx)
        single = len(op.attrs["types"]) == 1

        def get_next_as_optional(*handle):
            try:
                values = get_next(*handle)
            except errors.OutOfRangeError as exc:
                if not exc.message.startswith("End of sequence"):
                    raise
                return optional_ops.ABSENT
            return optional_ops.Present([values] if single else values)
        return get_next_as_optional


class Optional:
    """TF 1.15's `tf.data.experimental.Optional`: a value that may be missing, one variant tensor as in TF
    (`has_value()` a bool scalar, `get_value()` the value's tensors). In a graph, an Optional from
    `get_next_as_optional` takes the iterator's next element each session run that evaluates it."""

    def __init__(self, variant, template, types, shapes):
        self._variant, self._template = variant, template
        self._types, self._shapes = list(types), [TensorShape(s) for s in shapes]

    @staticmethod
    def from_value(value):
        """An Optional holding `value` (a nested structure of tensors or values)."""
        value = nest.lists_to_tuples(value) if isinstance(value, tuple) else value
        comps = [convert_to_tensor(x) for x in nest.flatten(value)]
        variant = apply_op(optional_ops.OptionalFromValue, comps, {}, "OptionalFromValue")
        return Optional(variant, nest.template(value), [c.dtype.base_dtype for c in comps], [c.shape for c in comps])

    @staticmethod
    def none_from_structure(value_structure):
        """An Optional without a value, for values of `value_structure` (TensorSpecs, e.g. another Optional's
        `value_structure`)."""
        specs = nest.flatten(value_structure)
        variant = apply_op(optional_ops.OptionalNone, [], {}, "OptionalNone")
        return Optional(variant, nest.template(value_structure), [dtypes.as_dtype(s.dtype).base_dtype for s in specs],
                        [s.shape for s in specs])

    empty = none_from_structure  # TF 2's name

    def has_value(self, name=None):
        """A bool scalar tensor: whether there is a value."""
        return apply_op(optional_ops.OptionalHasValue, [self._variant], {}, name or "OptionalHasValue")

    def get_value(self, name=None):
        """The value, in its structure; running it raises InvalidArgumentError where there is none."""
        out = apply_op(optional_ops.OptionalGetValue, [self._variant],
                       {"output_types": self._types, "output_shapes": self._shapes}, name or "OptionalGetValue")
        return nest.pack(self._template, out if isinstance(out, list) else [out])

    @property
    def value_structure(self):
        """TensorSpecs of the value, in its structure (TF 1.15 gave `tf.data` Structure objects here)."""
        return nest.pack(self._template, [TensorSpec(s, t) for s, t in zip(self._shapes, self._types)])

    element_spec = value_structure  # TF 2's name


def get_next_as_optional(iterator):
    """An `Optional` with `iterator`'s next element, or without a value (instead of OutOfRangeError) at the end."""
    if isinstance(iterator, EagerIterator):
        iterator = iterator._iterator
    if not isinstance(iterator, Iterator):
        raise TypeError(f"`iterator` must be a `tf.data.Iterator`, got {type(iterator).__name__}.")
    inputs = [] if iterator._handle_tensor is None else [iterator._handle_tensor]
    variant = apply_op(IteratorGetNextAsOptional, inputs,
                       {"iterator": None if iterator._handle_tensor is not None else iterator,
                        "types": iterator._types, "shapes": iterator._shapes},
                       "IteratorGetNextAsOptional", graph=iterator._graph)
    return Optional(variant, iterator._template, iterator._types, iterator._shapes)
