"""`tf.data.Dataset`: input pipelines as TensorFlow 1.x has them (docs/data.md, "tf.data").

A Dataset is a description built with the graph: where elements come from (arrays, graph tensors, a Python
generator, files) and what happens to them (map, filter, batch, shuffle, ...). Nothing runs until an iterator's
initializer (or a one-shot iterator's first `get_next`) runs in a session: then the pipeline is instantiated as a
chain of Python iterators over *flat* elements (a tuple of arrays, one per component) and lives in that
session (`RunContext.resources`), so two sessions iterate independently.

Functions given to `map`, `filter`, `flat_map` and `interleave` receive tensors and build graph ops, as in TF1:
they are traced once, on placeholders standing for the element's components, and each element (or batch, for a
map after `batch`) runs the traced ops' compiled sub-plan (`ctx.subplan`). Tensors from outside the function
that it uses ("captures", e.g. a placeholder fed to the initializer) are evaluated once, when the iterator is
initialized; variables are read live.

`prefetch` and `map(..., num_parallel_calls=n)` run on background threads while the session runs its plan. They
never take the session's lock (sub-plans of traced functions are inner plans, which do not lock), so a training
step holding the lock while it waits for the next element cannot deadlock them; they are daemon threads, stopped
when the iterator is re-initialized, when the session closes, or when the session is dropped.
"""
from __future__ import annotations

import glob as _glob
import os
import queue
import threading
import weakref
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import Graph, Tensor, get_default_graph, name_scope
from ..framework.op_def import OpDef, not_differentiable
from ..framework.random_seed import get_seed
from ..framework.tensor_shape import TensorShape
from ..framework.tensor_spec import TensorSpec  # noqa: F401  (tf.data.TensorSpec)
from ..ops.core import _infer_numpy, apply_op, convert_to_tensor, placeholder
from ..ops.script_ops import py_error
from ..ops.sparse_ops import SparseTensor
from . import structure as nest
from .shuffle import SeedGenerator, shuffled

AUTOTUNE = -1
INFINITE_CARDINALITY = -1  # what `Dataset.cardinality()` gives for a dataset that never ends
UNKNOWN_CARDINALITY = -2  # ... and for one whose length it cannot tell without iterating (filter, files)


# --- what an instantiated pipeline runs with -----------------------------------------------------------------

class Closables:
    """Background work of one instantiated pipeline (prefetch threads, map thread pools): `close()` stops all."""

    def __init__(self):
        self.items = set()
        self.lock = threading.Lock()
        self.closed = False

    def add(self, item):
        with self.lock:
            if self.closed:
                item.close()
                return
            self.items.add(item)

    def discard(self, item):
        with self.lock:
            self.items.discard(item)

    def close(self):
        with self.lock:
            self.closed = True
            items, self.items = list(self.items), set()
        for item in items:
            item.close()


class Env:
    """What an instantiated pipeline needs: the session's run context (held weakly, so a pipeline thread never
    keeps a dropped session alive), the values of the captured tensors, and the iterator's background work and
    memory caches."""

    def __init__(self, ctx, values, closables, caches):
        self._ctx = weakref.ref(ctx)
        self.values = values
        self.closables = closables
        self.caches = caches
        self._seed_generators = {}  # this instance's own: a dataset made in a function gets new ones each time

    @property
    def ctx(self):
        ctx = self._ctx()
        if ctx is None:
            raise errors.CancelledError(None, None, "The session of this iterator was closed.")
        return ctx

    def value(self, x):
        """A component's array: a NumPy array as is, a captured tensor's value from the initializing run."""
        if isinstance(x, Tensor):
            return self.values[x]
        return x

    def int(self, x):
        return int(self.value(x))

    def child(self, values):
        return Env(self.ctx, {**self.values, **values}, self.closables, self.caches)

    def seed_generator(self, node, seeds, reshuffle_each_iteration):
        """The seed generator of shuffling dataset `node` in this pipeline instance (created on first use)."""
        gen = self._seed_generators.get(node)
        if gen is None:
            gen = self._seed_generators[node] = SeedGenerator(*seeds, reshuffle_each_iteration)
        return gen

    def session_state(self, key, factory):
        """Per-session state of a dataset node (compiled sub-plans)."""
        res = self.ctx.resources
        state = res.get(key)
        if state is None:
            state = res.setdefault(key, factory())
        return state


def _as_array(x):
    return x if isinstance(x, np.ndarray) else np.asarray(x)


# --- datasets as elements: window's windows, group_by_window's groups, a function that returns a dataset -------

class DatasetType(dtypes.DType):
    """The type of a component that is itself a dataset: TF's `tf.variant`, carrying the nested dataset's spec
    (template, types, shapes), which `output_types` and `element_spec` show as a `DatasetSpec`."""

    __slots__ = ("spec",)

    def __init__(self, spec):
        super().__init__("variant", np.object_)
        self.spec = spec


class DatasetValue:
    """A nested dataset as a pipeline carries it, in a 0-d object array (`box`): `iterate()` gives its flat
    elements, from a list (a window) or from a dataset instantiated with the values it captured."""

    def __init__(self, elements=None, dataset=None, env=None):
        self._elements, self._dataset, self._env = elements, dataset, env

    def iterate(self):
        return iter(self._elements) if self._dataset is None else self._dataset._iterate(self._env)


def box(value):
    """`value` in a 0-d object array, as the plans pass opaque (variant) values."""
    out = np.empty((), object)
    out[()] = value
    return out


# --- traced functions ----------------------------------------------------------------------------------------

class TracedFunction:
    """A user function traced once on placeholders for an element's components. `outputs`: the flat result
    tensors (or, with `returns_dataset`, the Dataset it built); `captures`: outside tensors it reads, evaluated
    when the iterator is initialized."""

    def __init__(self, fn, spec, name, returns_dataset=False):
        g = get_default_graph()
        if g._is_eager:  # executing eagerly: traced into a graph of its own, as TF traces a dataset's functions
            with Graph().as_default():
                self._trace(fn, spec, name, returns_dataset)
        else:
            self._trace(fn, spec, name, returns_dataset)

    def _trace(self, fn, spec, name, returns_dataset):
        g = get_default_graph()
        start = g.version
        tmpl, types, shapes = spec
        with name_scope(name):
            self.args = [placeholder(dt, sh, name="arg") for dt, sh in zip(types, shapes)]
            element = nest.pack(tmpl, [VariantDataset(a) if isinstance(dt, DatasetType) else a
                                       for a, dt in zip(self.args, types)])
            result = fn(*element) if type(element) is tuple else fn(element)
        if returns_dataset:
            if not isinstance(result, Dataset):
                raise TypeError(f"`map_func` must return a `Dataset` object. Got {type(result)}")
            self.dataset = result
            self.outputs = result._captures()
        else:
            result = nest.lists_to_tuples(result)
            self.template = nest.template(result)
            with name_scope(name):
                self.outputs = [_as_component(t) for t in nest.flatten(result)]
        self.captures = _external_inputs(self.outputs, start)

    def plan(self, env):
        """The compiled sub-plan for this session: `plan(component values + capture values) -> outputs`."""
        feeds = self.args + self.captures
        return env.session_state(("tf.data function", self), lambda: host_plan(env.ctx, self.outputs, feeds))

    def capture_values(self, env):
        return [env.values[c] for c in self.captures]


def host_plan(ctx, fetches, feeds):
    """`ctx.subplan(fetches, feeds)` taking and giving host (NumPy) arrays, as pipelines hold them: on a device
    backend the feeds go to the device and the results come back (strings stay on the host)."""
    plan = ctx.subplan(fetches, feeds)
    if ctx.xp is np:
        return plan
    to_device, to_host = ctx.to_device, ctx.to_host

    def run(values):
        out = plan([v if _as_array(v).dtype == object else to_device(_as_array(v)) for v in values])
        return [v if isinstance(v, np.ndarray) and v.dtype == object else to_host(v) for v in out]
    return run


def _external_inputs(outputs, start):
    """Tensors made before op number `start` that the ops from `start` on (behind `outputs`) read: the function's
    captures. A variable is not captured (its sub-plan reads the live value)."""
    found, seen = {}, set()
    stack = []
    for t in outputs:
        if t.op._id < start:
            if not t.op.op_def.is_variable:
                found[t] = None
        else:
            stack.append(t.op)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        for t in op.inputs:
            if t.op._id < start:
                if not t.op.op_def.is_variable:
                    found[t] = None
            elif t.op not in seen:
                stack.append(t.op)
    return list(found)


# --- Dataset -------------------------------------------------------------------------------------------------

def _shape_tuple(shape):
    return TensorShape(shape).dims_tuple


def _merge_shape(a, b):
    """The most specific shape compatible with both (concatenate, padded_batch)."""
    a, b = TensorShape(a).dims_tuple, TensorShape(b).dims_tuple
    if a is None or b is None or len(a) != len(b):
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a, b)])


class ElementSpec:
    """`output_types`, `output_shapes`, `output_classes` of a Dataset or Iterator, from its flat `_types` and
    `_shapes` and its structure `_template`; a component that is a dataset shows as its `DatasetSpec` in all
    three, as in TF."""

    def _nested(self, flat):
        return [_dataset_spec(t.spec) if isinstance(t, DatasetType) else v for t, v in zip(self._types, flat)]

    @property
    def output_types(self):
        return nest.pack(self._template, self._nested(self._types), lambda i, v, d: v)

    @property
    def output_shapes(self):
        return nest.pack(self._template, self._nested(self._shapes), _sparse_shape)

    @property
    def output_classes(self):
        return nest.pack(self._template, self._nested([Tensor] * len(self._types)), lambda i, v, d: SparseTensor)


def _element_spec(spec):
    tmpl, types, shapes = spec
    return nest.pack(tmpl, [_dataset_spec(t.spec) if isinstance(t, DatasetType) else TensorSpec(s, t)
                            for s, t in zip(shapes, types)])


def _dataset_spec(spec):
    from .dataset_spec import DatasetSpec

    return DatasetSpec(_element_spec(spec))


def _sparse_shape(indices, values, dense_shape):
    """A SparseTensor component's shape as TF gives it: the dense shape's rank, every dimension unknown."""
    rank = dense_shape.dims_tuple[0] if dense_shape.dims_tuple else None
    return TensorShape(None if rank is None else [None] * rank)


class Dataset(ElementSpec):
    """TF1's `tf.data.Dataset`. Subclasses define `_iterate(env)`: a Python iterator of flat elements."""

    def __init__(self, inputs, tmpl, types, shapes, captures=()):
        self._inputs = list(inputs)
        self._template = tmpl
        self._types = [dtypes.as_dtype(t).base_dtype for t in types]
        self._shapes = [TensorShape(s) for s in shapes]
        self._own_captures = list(captures)
        self._graph = get_default_graph()

    # --- element spec -------------------------------------------------------------------------------------
    @property
    def _spec(self):
        return self._template, self._types, self._shapes

    @property
    def element_spec(self):
        return _element_spec(self._spec)

    def __repr__(self):
        shapes = nest.map_structure(self.output_shapes, lambda s: _Text(str(s)))
        types = nest.map_structure(self.output_types,
                                   lambda t: _Text(f"tf.{t.name}" if isinstance(t, dtypes.DType) else repr(t)))
        return f"<DatasetV1Adapter shapes: {shapes}, types: {types}>"

    def _captures(self):
        """Every graph tensor this pipeline reads from outside (evaluated when an iterator is initialized)."""
        out = dict.fromkeys(self._own_captures)
        for d in self._inputs:
            out.update(dict.fromkeys(d._captures()))
        return list(out)

    def _iterate(self, env):
        raise NotImplementedError

    _keeps_cardinality = False  # shuffle, prefetch, cache, with_options: as many elements as their input

    def _cardinality(self, env):
        """How many elements iterating would give, with the captured tensors' values in `env`; TF's rules, which
        give up (UNKNOWN_CARDINALITY) where only iterating could tell."""
        return self._inputs[0]._cardinality(env) if self._keeps_cardinality else UNKNOWN_CARDINALITY

    # --- sources -------------------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors):
        return _TensorSlices(tensors)

    @staticmethod
    def from_tensors(tensors):
        return _FromTensors(tensors)

    @staticmethod
    def from_generator(generator, output_types, output_shapes=None, args=None):
        return _Generator(generator, output_types, output_shapes, args)

    @staticmethod
    def range(*args):
        return _Range(*args)

    @staticmethod
    def zip(datasets):
        return _Zip(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None):
        return _ListFiles(file_pattern, shuffle, seed)

    @staticmethod
    def from_sparse_tensor_slices(sparse_tensor):
        """The rows of a SparseTensor, each a SparseTensor of one rank less (TF 1.x)."""
        from .sources_experimental import from_sparse_tensor_slices

        return from_sparse_tensor_slices(sparse_tensor)

    # (TF 2.x's compat.v1 static names for tf.data.experimental's sources)
    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None):
        return _experimental().sample_from_datasets(datasets, weights, seed)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset):
        return _experimental().choose_from_datasets(datasets, choice_dataset)

    @staticmethod
    def counter(start=0, step=1, dtype=dtypes.int64):
        return _experimental().Counter(start, step, dtype)

    @staticmethod
    def random(seed=None):
        return _experimental().RandomDataset(seed)

    # --- transformations -----------------------------------------------------------------------------------
    def concatenate(self, dataset):
        return _Concatenate(self, dataset)

    def map(self, map_func, num_parallel_calls=None):
        return _Map(self, map_func, num_parallel_calls)

    def filter(self, predicate):
        return _Filter(self, predicate)

    # (TF 1.15's names for map and filter traced as legacy functions: here they are traced the one way there is)
    def map_with_legacy_function(self, map_func, num_parallel_calls=None):
        return self.map(map_func, num_parallel_calls)

    def filter_with_legacy_function(self, predicate):
        return self.filter(predicate)

    def enumerate(self, start=0):
        """(index, element) pairs, the index an int64 counting from `start`."""
        return Dataset.zip((Dataset.range(start, np.iinfo(np.int64).max), self))

    def flat_map(self, map_func):
        return _Interleave(self, map_func, 1, 1, name="flat_map")

    def interleave(self, map_func, cycle_length=AUTOTUNE, block_length=1, num_parallel_calls=None):
        return _Interleave(self, map_func, cycle_length, block_length)

    def batch(self, batch_size, drop_remainder=False):
        return _Batch(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False):
        return _PaddedBatch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self):
        return _Unbatch(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True):
        return _Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None):
        return _Repeat(self, count)

    def take(self, count):
        return _Take(self, count)

    def skip(self, count):
        return _Skip(self, count)

    def shard(self, num_shards, index):
        return _Shard(self, num_shards, index)

    def prefetch(self, buffer_size):
        return _Prefetch(self, buffer_size)

    def cache(self, filename=""):
        return _Cache(self, filename)

    def window(self, size, shift=None, stride=1, drop_remainder=False):
        """Windows of `size` elements, a new one every `shift` (default `size`) elements, `stride` apart; each
        element component becomes a dataset of that component (`flat_map(lambda w: w.batch(size))` batches them).
        Without `drop_remainder` the last windows may be shorter."""
        from .grouping import window

        return window(self, size, shift, stride, drop_remainder)

    def reduce(self, initial_state, reduce_func):
        """The state `reduce_func(state, element)` leaves after the last element: tensors that iterate the whole
        dataset each time they run."""
        from .grouping import reduce

        return reduce(self, initial_state, reduce_func)

    # --- TF 2.x's compat.v1 Dataset methods for tf.data.experimental's transformations --------------------------
    def scan(self, initial_state, scan_func):
        return self.apply(_experimental().scan(initial_state, scan_func))

    def unique(self):
        return self.apply(_experimental().unique())

    def take_while(self, predicate):
        return self.apply(_experimental().take_while(predicate))

    def ignore_errors(self, log_warning=False):
        return self.apply(_experimental().ignore_errors(log_warning))

    def rejection_resample(self, class_func, target_dist, initial_dist=None, seed=None):
        return self.apply(_experimental().rejection_resample(class_func, target_dist, initial_dist, seed))

    def sparse_batch(self, batch_size, row_shape):
        return self.apply(_experimental().dense_to_sparse_batch(batch_size, row_shape))

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None):
        return self.apply(_experimental().group_by_window(key_func, reduce_func, window_size, window_size_func))

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries, bucket_batch_sizes,
                                  padded_shapes=None, padding_values=None, pad_to_bucket_boundary=False,
                                  no_padding=False, drop_remainder=False):
        return self.apply(_experimental().bucket_by_sequence_length(
            element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes, padding_values,
            pad_to_bucket_boundary, no_padding, drop_remainder))

    def get_single_element(self):
        return _experimental().get_single_element(self)

    def cardinality(self):
        """The number of elements as an int64 scalar tensor, or INFINITE_CARDINALITY / UNKNOWN_CARDINALITY."""
        from .cardinality import cardinality

        return cardinality(self)

    def options(self):
        """The `tf.data.Options` of this dataset: those its inputs were given by `with_options`, merged."""
        from .options import Options

        merged = Options()
        for d in self._inputs:
            merged = merged.merge(d.options())
        return merged._frozen()

    def with_options(self, options, name=None):
        """This dataset with `options` (a `tf.data.Options`) merged into its own: set values win."""
        from .options import _OptionsDataset

        return _OptionsDataset(self, options)

    def as_numpy_iterator(self):
        """The elements as NumPy values (eager mode only, as TF): `tf.data.NumpyIterator`."""
        from ..eager import executing_eagerly
        from .iterator_ops import NumpyIterator

        if not executing_eagerly():
            raise RuntimeError("`tf.data.Dataset.as_numpy_iterator()` is only supported in eager mode.")
        return NumpyIterator(self)

    def apply(self, transformation_func):
        ds = transformation_func(self)
        if not isinstance(ds, Dataset):
            raise TypeError("`transformation_func` must return a Dataset.")
        return ds

    # --- iterators (TF1's methods; tf.data.make_one_shot_iterator is the same) ------------------------------
    def make_one_shot_iterator(self):
        from .iterator_ops import make_one_shot_iterator

        return make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name=None):
        from .iterator_ops import make_initializable_iterator

        return make_initializable_iterator(self, shared_name)

    def __iter__(self):
        from ..eager import executing_eagerly

        if executing_eagerly():
            from .iterator_ops import EagerIterator

            return EagerIterator(self)
        raise RuntimeError("dataset.__iter__() is only supported when eager execution is enabled. In graph mode "
                           "use dataset.make_one_shot_iterator() (or tf.data.make_one_shot_iterator(dataset)).")


def _experimental():
    from . import experimental

    return experimental


class VariantDataset(Dataset):
    """The dataset a variant tensor holds: what a traced function gets for a dataset component (a window, a group)
    and what `get_next` gives for one. It iterates the value the tensor has when its pipeline runs."""

    def __init__(self, tensor):
        from ..eager.tensor import EagerTensor

        tmpl, types, shapes = tensor.dtype.spec
        eager = isinstance(tensor, EagerTensor)  # executing eagerly: the value is at hand
        super().__init__([], tmpl, types, shapes, [] if eager else [tensor])
        self._tensor = tensor.numpy() if eager else tensor

    def _iterate(self, env):
        value = env.value(self._tensor)
        yield from (value[()] if isinstance(value, np.ndarray) else value).iterate()


class DatasetToVariant(OpDef):
    """DatasetToVariant(*captures) -> the dataset `attrs["dataset"]` as a variant value, instantiated with the
    values of the tensors it captures: what a function traced for a pipeline returns for a dataset."""

    type = "DatasetToVariant"
    stateful = True  # each run instantiates the dataset anew
    gradient = not_differentiable

    def infer(op):
        return [((), DatasetType(op.attrs["dataset"]._spec))]

    def kernel(op, ctx):
        dataset, captures = op.attrs["dataset"], op.inputs

        def to_variant(*values):
            env = Env(ctx, {t: ctx.to_host(v) for t, v in zip(captures, values)}, Closables(), {})
            return box(DatasetValue(dataset=dataset, env=env))
        return to_variant

    def can_fail(op):
        return False


def _as_component(x):
    """A function's result leaf as a tensor: a dataset becomes a variant tensor holding it."""
    if isinstance(x, Dataset):
        return apply_op(DatasetToVariant, x._captures(), {"dataset": x}, "DatasetToVariant")
    return convert_to_tensor(x)


class _Text(str):
    def __repr__(self):
        return str(self)


# --- sources ---------------------------------------------------------------------------------------------------

def _component(x):
    """A leaf of from_tensor(s|_slices): a graph tensor stays one (captured); anything else becomes an array as
    tf.constant would make it (Python floats float32, ints int32; strings bytes), kept out of the graph."""
    if isinstance(x, Tensor) or hasattr(x, "_as_tensor"):
        return convert_to_tensor(x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        arr = x
    else:
        arr = _infer_numpy(x, None)
    return np.array(arr, copy=True)


def _comp_spec(c):
    if isinstance(c, Tensor):
        return c.dtype.base_dtype, c.shape
    return dtypes.as_dtype(c.dtype), TensorShape(c.shape)


class _TensorSlices(Dataset):
    def __init__(self, tensors):
        tmpl = nest.template(tensors)
        comps = [_component(x) for x in nest.flatten(tensors)]
        specs = [_comp_spec(c) for c in comps]
        first = None
        for _dt, shape in specs:
            dims = shape.dims_tuple
            if dims is not None and len(dims) == 0:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1")
            if dims is not None and dims[0] is not None:
                if first is not None and first != dims[0]:
                    raise ValueError(f"Dimensions {first} and {dims[0]} are not compatible")
                first = dims[0]
        super().__init__([], tmpl, [s[0] for s in specs],
                         [TensorShape(None) if s[1].dims_tuple is None else TensorShape(list(s[1].dims_tuple[1:]))
                          for s in specs], [c for c in comps if isinstance(c, Tensor)])
        self._comps = comps

    def _cardinality(self, env):
        return len(_as_array(env.value(self._comps[0])))

    def _iterate(self, env):
        arrays = [_as_array(env.value(c)) for c in self._comps]
        n = {a.shape[0] for a in arrays}
        if len(n) > 1:
            raise errors.InvalidArgumentError(None, None, "All components must have the same size in the 0th "
                                                          f"dimension, got {sorted(n)}")
        n = n.pop()
        if len(arrays) == 1:
            a = arrays[0]
            for i in range(n):
                yield (a[i, ...],)
        else:
            for i in range(n):
                yield tuple(a[i, ...] for a in arrays)


class _FromTensors(Dataset):
    def __init__(self, tensors):
        comps = [_component(x) for x in nest.flatten(tensors)]
        specs = [_comp_spec(c) for c in comps]
        super().__init__([], nest.template(tensors), [s[0] for s in specs], [s[1] for s in specs],
                         [c for c in comps if isinstance(c, Tensor)])
        self._comps = comps

    def _cardinality(self, env):
        return 1

    def _iterate(self, env):
        yield tuple(_as_array(env.value(c)) for c in self._comps)


class _Generator(Dataset):
    def __init__(self, generator, output_types, output_shapes, args):
        if not callable(generator):
            raise TypeError("`generator` must be callable.")
        tmpl = nest.template(output_types)
        types = nest.flatten(output_types)
        if output_shapes is None:
            shapes = [TensorShape(None)] * len(types)
        else:
            if not isinstance(output_shapes, (tuple, dict)) and isinstance(output_types, (tuple, dict)):
                raise ValueError("output_shapes must have the structure of output_types")
            shapes = nest.flatten(output_shapes) if isinstance(output_types, (tuple, dict)) else [output_shapes]
            shapes = [TensorShape(s) for s in shapes]
        if len(shapes) != len(types):
            raise ValueError("The two structures don't have the same number of elements "
                             f"(output_types: {output_types}, output_shapes: {output_shapes}).")
        args = [] if args is None else [_component(a) for a in (args if isinstance(args, (list, tuple))
                                                                  else [args])]
        super().__init__([], tmpl, types, shapes, [a for a in args if isinstance(a, Tensor)])
        self._generator, self._args = generator, args

    def _iterate(self, env):
        args = [_as_array(env.value(a)) for a in self._args]
        types = [(dt, dt.np, s.dims_tuple) for dt, s in zip(self._types, self._shapes)]
        structured = isinstance(self._template, (tuple, dict))
        try:
            for value in self._generator(*args):
                try:
                    flat = nest.flatten_up_to(self._template, value) if structured else [value]
                except TypeError:
                    raise TypeError(f"`generator` yielded an element that did not match the expected structure. "
                                    f"The expected structure was {self.output_types}, but the yielded element "
                                    f"was {value}.") from None
                out = []
                for v, (dt, npdt, shape) in zip(flat, types):
                    if dt == dtypes.string:
                        arr = _infer_numpy(v, None) if not isinstance(v, np.ndarray) else v
                    else:
                        try:
                            arr = np.asarray(v, dtype=npdt)
                        except (TypeError, ValueError) as e:
                            raise TypeError(f"`generator` yielded an element that could not be converted to the "
                                            f"expected type. The expected type was {dt.name}, but the yielded "
                                            f"element was {v!r}.") from e
                    if shape is not None and (len(shape) != arr.ndim or any(
                            d is not None and d != x for d, x in zip(shape, arr.shape))):
                        raise ValueError(f"`generator` yielded an element of shape {arr.shape} where an element "
                                         f"of shape {tuple(shape)} was expected.")
                    out.append(arr)
                yield tuple(out)
        except errors.OpError:
            raise
        except Exception as e:  # noqa: BLE001 -- TF1 runs the generator in a py_func: its errors map the same way
            raise py_error(None, e, name="PyFunc") from e


class _Range(Dataset):
    def __init__(self, *args):
        if not 1 <= len(args) <= 3:
            raise ValueError("Invalid arguments to range: expected 1 to 3 arguments")
        super().__init__([], nest.LEAF, [dtypes.int64], [TensorShape([])],
                         [a for a in args if isinstance(a, Tensor)])
        self._args = args

    def _range(self, env):
        vals = [env.int(a) for a in self._args]
        if len(vals) == 1:
            vals = [0, vals[0]]
        if len(vals) == 3 and vals[2] == 0:
            raise errors.InvalidArgumentError(None, None, "step must be a non-zero integer.")
        return range(*vals)

    def _cardinality(self, env):
        return len(self._range(env))

    def _iterate(self, env):
        for i in self._range(env):
            yield (np.array(i, dtype=np.int64),)


class _Zip(Dataset):
    def __init__(self, datasets):
        datasets = nest.lists_to_tuples(datasets) if isinstance(datasets, tuple) else datasets
        leaves = nest.flatten(datasets)
        if not leaves or not all(isinstance(d, Dataset) for d in leaves):
            raise TypeError("The argument to `Dataset.zip()` must be a (nested) structure of `Dataset` objects.")
        tmpl = nest.pack(nest.template(datasets), [d._template for d in leaves])
        super().__init__(leaves, tmpl, [t for d in leaves for t in d._types],
                         [s for d in leaves for s in d._shapes])

    def _cardinality(self, env):
        counts = [d._cardinality(env) for d in self._inputs]
        if UNKNOWN_CARDINALITY in counts:
            return UNKNOWN_CARDINALITY
        finite = [n for n in counts if n != INFINITE_CARDINALITY]
        return min(finite) if finite else INFINITE_CARDINALITY

    def _iterate(self, env):
        its = [d._iterate(env) for d in self._inputs]
        while True:
            out = []
            for it in its:
                e = next(it, None)
                if e is None:
                    return
                out.extend(e)
            yield tuple(out)


class _ListFiles(Dataset):
    def __init__(self, file_pattern, shuffle, seed):
        patterns = file_pattern if isinstance(file_pattern, (list, tuple)) else [file_pattern]
        self._patterns = [p if isinstance(p, Tensor) else os.fsdecode(p) for p in patterns]
        self._shuffle = True if shuffle is None else bool(shuffle)
        self._seeds = get_seed(seed)
        super().__init__([], nest.LEAF, [dtypes.string], [TensorShape([])],
                         [p for p in self._patterns if isinstance(p, Tensor)])

    def _cardinality(self, env):
        return len(self._matches(env))

    def _matches(self, env):
        names = []
        patterns = []
        for p in self._patterns:
            v = env.value(p)
            vals = np.asarray(v, dtype=object).ravel().tolist() if isinstance(v, np.ndarray) else [v]
            patterns.extend(os.fsdecode(x) for x in vals)
        for p in patterns:
            names.extend(_glob.glob(p))
        if not names:
            raise errors.InvalidArgumentError(None, None, "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be "
                                                          f"true. Summarized data: b'No files matched pattern: "
                                                          f"{', '.join(patterns)}'")
        return sorted(set(names))

    def _iterate(self, env):
        names = self._matches(env)
        if self._shuffle:  # TF: .shuffle(max(number of files, 1), seed)
            names = shuffled(names, len(names), env.seed_generator(self, self._seeds, True).next_seeds())
        for n in names:
            yield (np.array(os.fsencode(n), dtype=object),)


# --- transformations -------------------------------------------------------------------------------------------

class _Concatenate(Dataset):
    def __init__(self, a, b):
        if a._types != b._types or not nest.same_structure(a._template, b._template):
            raise TypeError(f"Two datasets to concatenate have different types {a.output_types} and "
                            f"{b.output_types}")
        super().__init__([a, b], a._template, a._types,
                         [_merge_shape(x, y) for x, y in zip(a._shapes, b._shapes)])

    def _cardinality(self, env):
        a, b = (d._cardinality(env) for d in self._inputs)
        for special in (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY):
            if special in (a, b):
                return special
        return a + b

    def _iterate(self, env):
        yield from self._inputs[0]._iterate(env)
        yield from self._inputs[1]._iterate(env)


def _parallelism(n):
    if n is None:
        return 1
    n = int(n)
    if n == AUTOTUNE:
        return max(2, os.cpu_count() or 2)
    if n < 1:
        raise ValueError(f"num_parallel_calls must be positive or AUTOTUNE, got {n}")
    return n


class _Map(Dataset):
    # its cardinality is unknown: TF1's map does not promise one element per input (preserve_cardinality=False)

    def __init__(self, ds, fn, num_parallel_calls):
        self._fn = TracedFunction(fn, ds._spec, "map")
        out = self._fn.outputs
        super().__init__([ds], self._fn.template, [t.dtype for t in out], [t.shape for t in out],
                         self._fn.captures)
        self._parallel = _parallelism(num_parallel_calls)

    def _iterate(self, env):
        plan = self._fn.plan(env)
        caps = self._fn.capture_values(env)
        upstream = self._inputs[0]._iterate(env)
        if self._parallel == 1:
            for e in upstream:
                yield tuple(plan([*e, *caps]))
            return
        pool = _Pool(self._parallel)
        env.closables.add(pool)
        try:
            window = deque()
            for e in upstream:
                window.append(pool.submit(plan, [*e, *caps]))
                if len(window) >= self._parallel:
                    yield tuple(window.popleft().result())
            while window:
                yield tuple(window.popleft().result())
        finally:
            env.closables.discard(pool)
            pool.close()


class _Pool:
    """The thread pool of a parallel map (daemon-like: `close` does not wait for running calls)."""

    def __init__(self, n):
        self.executor = ThreadPoolExecutor(max_workers=n, thread_name_prefix="graphgrad-map")

    def submit(self, fn, arg):
        return self.executor.submit(fn, arg)

    def close(self):
        self.executor.shutdown(wait=False, cancel_futures=True)


class _Filter(Dataset):
    def __init__(self, ds, predicate):
        self._fn = TracedFunction(predicate, ds._spec, "filter")
        out = self._fn.outputs
        if len(out) != 1 or out[0].dtype.base_dtype != dtypes.bool_ or out[0].shape.dims_tuple not in ((), None):
            what = ", ".join(f"TensorSpec(shape={t.shape}, dtype=tf.{t.dtype.base_dtype.name})" for t in out)
            raise ValueError(f"`predicate` return type must be convertible to a scalar boolean tensor. Was {what}.")
        super().__init__([ds], ds._template, ds._types, ds._shapes, self._fn.captures)

    def _iterate(self, env):
        plan = self._fn.plan(env)
        caps = self._fn.capture_values(env)
        for e in self._inputs[0]._iterate(env):
            if plan([*e, *caps])[0]:
                yield e


class _Interleave(Dataset):
    """interleave (and flat_map, its cycle_length=1 case) in TF's order: `cycle_length` input elements' datasets
    open at once, `block_length` elements from each in turn, an exhausted one replaced by the next input's."""

    def __init__(self, ds, fn, cycle_length, block_length, name="interleave"):
        self._fn = TracedFunction(fn, ds._spec, name, returns_dataset=True)
        inner = self._fn.dataset
        super().__init__([ds], inner._template, inner._types, inner._shapes, self._fn.captures)
        self._cycle, self._block = cycle_length, block_length

    def _iterate(self, env):
        plan = self._fn.plan(env)
        caps = self._fn.capture_values(env)
        inner = self._fn.dataset
        inner_caps = self._fn.outputs
        cycle = env.int(self._cycle)
        if cycle == AUTOTUNE:
            cycle = max(2, os.cpu_count() or 2)
        block = env.int(self._block)
        if cycle < 1 or block < 1:
            raise errors.InvalidArgumentError(None, None, "cycle_length and block_length must be positive")
        upstream = self._inputs[0]._iterate(env)
        current = [None] * cycle
        num_open, index, block_index, end_of_input = 0, 0, 0, False

        def open_element(e):
            values = plan([*e, *caps]) if inner_caps else []
            return inner._iterate(env.child(dict(zip(inner_caps, values))))

        while not end_of_input or num_open > 0:
            if current[index] is not None:
                e = next(current[index], None)
                if e is not None:
                    block_index += 1
                    if block_index == block:
                        block_index, index = 0, (index + 1) % cycle
                    yield e
                    continue
                current[index] = None
                num_open -= 1
                block_index, index = 0, (index + 1) % cycle
            elif not end_of_input:
                e = next(upstream, None)
                if e is None:
                    end_of_input = True
                else:
                    current[index] = open_element(e)
                    num_open += 1
            else:
                block_index, index = 0, (index + 1) % cycle


def _static_int(x):
    return None if isinstance(x, Tensor) else int(x)


def _stack(batch, i):
    try:
        return np.stack([e[i] for e in batch])
    except ValueError:
        shapes = [np.shape(e[i]) for e in batch]
        j = next(k for k, s in enumerate(shapes) if s != shapes[0])
        raise errors.InvalidArgumentError(
            None, None, f"Cannot batch tensors with different shapes in component {i}. First element had shape "
                        f"[{','.join(map(str, shapes[0]))}] and element {j} had shape "
                        f"[{','.join(map(str, shapes[j]))}].") from None


def _batch_sparse(batch, i):
    """SparseTensor components i, i+1, i+2 of a batch's elements as one SparseTensor's, as TF batches them: each
    element's indices behind its position in the batch, the dense shape the largest in each dimension."""
    shapes = [np.asarray(e[i + 2], np.int64) for e in batch]
    if len({len(s) for s in shapes}) > 1:
        raise errors.InvalidArgumentError(None, None, f"Cannot batch SparseTensors of different ranks in component "
                                                      f"{i}")
    rank = len(shapes[0])
    indices = np.concatenate([np.concatenate([np.full((len(e[i]), 1), k, np.int64),
                                              np.asarray(e[i], np.int64).reshape(len(e[i]), rank)], 1)
                              for k, e in enumerate(batch)])
    return (indices, np.concatenate([np.asarray(e[i + 1]) for e in batch]),
            np.array([len(batch), *np.max(shapes, 0)], np.int64))


def _sparse_batched_shape(shape, part):
    """A SparseTensor component's static shape after batch: part 0 indices [n, rank + 1], 1 values, 2 the shape."""
    d = shape.dims_tuple
    if part == 1:
        return TensorShape([None])
    grown = None if d is None or d[-1] is None else d[-1] + 1
    return TensorShape([None, grown] if part == 0 else [grown])


def _batches(n, size, drop_remainder):
    """How many batches of `size` a dataset of `n` elements gives."""
    if n < 0 or size <= 0:
        return n
    return n // size if drop_remainder else -(-n // size)


def _no_nested(ds, what):
    if any(isinstance(t, DatasetType) for t in ds._types):
        raise TypeError(f"graphgrad cannot {what} elements that are datasets (windows, groups): batch each one "
                        "instead, as in `ds.window(n).flat_map(lambda w: w.batch(n))`.")


class _Batch(Dataset):
    def __init__(self, ds, batch_size, drop_remainder):
        _no_nested(ds, "batch")
        n = _static_int(batch_size)
        dim = n if drop_remainder and n is not None else None
        starts = set(nest.sparse_starts(ds._template, len(ds._types)))
        part = {i + k: k for i in starts for k in range(3)}
        super().__init__([ds], ds._template, ds._types,
                         [_sparse_batched_shape(s, part[i]) if i in part else
                          TensorShape(None) if s.dims_tuple is None else TensorShape([dim, *s.dims_tuple])
                          for i, s in enumerate(ds._shapes)], [batch_size] if isinstance(batch_size, Tensor) else [])
        self._n, self._drop, self._sparse = batch_size, bool(drop_remainder), starts

    def _cardinality(self, env):
        return _batches(self._inputs[0]._cardinality(env), env.int(self._n), self._drop)

    def _iterate(self, env):
        n = env.int(self._n)
        if n <= 0:
            raise errors.InvalidArgumentError(None, None, "Batch size must be greater than zero.")
        batch = []
        for e in self._inputs[0]._iterate(env):
            batch.append(e)
            if len(batch) == n:
                yield self._stacked(batch)
                batch = []
        if batch and not self._drop:
            yield self._stacked(batch)

    def _stacked(self, batch):
        out, i, k = [], 0, len(self._types)
        while i < k:
            if i in self._sparse:
                out += _batch_sparse(batch, i)
                i += 3
            else:
                out.append(_stack(batch, i))
                i += 1
        return tuple(out)


class _PaddedBatch(Dataset):
    def __init__(self, ds, batch_size, padded_shapes, padding_values, drop_remainder):
        _no_nested(ds, "padded_batch")
        shape_tensors = {}
        if padded_shapes is None:
            padded = [TensorShape([None] * len(s.dims_tuple)) if s.dims_tuple is not None else TensorShape(None)
                      for s in ds._shapes]
        else:
            try:  # a shape at each component: a list there is a shape, not structure
                leaves = nest.flatten_up_to(ds._template, padded_shapes)
            except TypeError:
                raise ValueError("padded_shapes must have the structure of the dataset's elements") from None
            padded, shape_tensors = [], {}
            for i, s in enumerate(leaves):
                if isinstance(s, Tensor) or (isinstance(s, (list, tuple)) and any(isinstance(d, Tensor) for d in s)):
                    # a shape computed in the graph (as bucket_by_sequence_length's): known when the pipeline runs
                    shape_tensors[i] = convert_to_tensor(s, dtypes.int64)
                    rank = shape_tensors[i].shape.dims_tuple
                    padded.append(TensorShape(None if not rank or rank[0] is None else [None] * rank[0]))
                else:
                    padded.append(TensorShape(s))
        for p, s in zip(padded, ds._shapes):
            if p.dims_tuple is None:
                raise ValueError("padded_shapes must have a known rank")
            if not p.is_compatible_with(s) and s.dims_tuple is not None:
                if len(p.dims_tuple) != len(s.dims_tuple) or any(
                        a is not None and b is not None and a < b for a, b in zip(p.dims_tuple, s.dims_tuple)):
                    raise ValueError(f"The padded shape {p} is not compatible with the corresponding input "
                                     f"component shape {s}.")
        if padding_values is None:
            pads = [np.array(b"", dtype=object) if t == dtypes.string else np.zeros((), t.np) for t in ds._types]
        else:
            pv = nest.flatten(padding_values) if isinstance(ds._template, (tuple, dict)) else [padding_values]
            pads = [_infer_numpy(v, t if t != dtypes.string else None).reshape(()) if not isinstance(v, Tensor)
                    else v for v, t in zip(pv, ds._types)]
        n = _static_int(batch_size)
        dim = n if drop_remainder and n is not None else None
        super().__init__([ds], ds._template, ds._types, [TensorShape([dim, *p.dims_tuple]) for p in padded],
                         [x for x in [batch_size, *pads, *shape_tensors.values()] if isinstance(x, Tensor)])
        self._n, self._padded, self._pads, self._drop = batch_size, padded, pads, bool(drop_remainder)
        self._shape_tensors = shape_tensors

    def _cardinality(self, env):
        return _batches(self._inputs[0]._cardinality(env), env.int(self._n), self._drop)

    def _pad(self, batch, i, pads, targets):
        arrays = [_as_array(e[i]) for e in batch]
        target = list(targets[i])
        for d, size in enumerate(target):
            longest = max(a.shape[d] for a in arrays)
            if size is None:
                target[d] = longest
            elif longest > size:
                raise errors.InvalidArgumentError(
                    None, None, "Attempted to pad to a smaller size than the input element.")
        dt = self._types[i].np
        out = np.empty([len(arrays), *target], dtype=dt)
        out[...] = _as_array(pads[i])
        for j, a in enumerate(arrays):
            out[(j, *(slice(0, s) for s in a.shape))] = a
        return out

    def _iterate(self, env):
        n = env.int(self._n)
        pads = [env.value(p) for p in self._pads]
        targets = [p.dims_tuple for p in self._padded]
        for i, t in self._shape_tensors.items():  # -1: the longest, as an unknown dimension
            targets[i] = [None if d == -1 else int(d) for d in _as_array(env.value(t))]
        k = len(self._types)
        batch = []
        for e in self._inputs[0]._iterate(env):
            batch.append(e)
            if len(batch) == n:
                yield tuple(self._pad(batch, i, pads, targets) for i in range(k))
                batch = []
        if batch and not self._drop:
            yield tuple(self._pad(batch, i, pads, targets) for i in range(k))


class _Unbatch(Dataset):
    def __init__(self, ds):
        for s in ds._shapes:
            if s.dims_tuple is not None and len(s.dims_tuple) == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
        super().__init__([ds], ds._template, ds._types,
                         [TensorShape(None) if s.dims_tuple is None else TensorShape(list(s.dims_tuple[1:]))
                          for s in ds._shapes])

    def _iterate(self, env):
        for e in self._inputs[0]._iterate(env):
            arrays = [_as_array(x) for x in e]
            n = {a.shape[0] for a in arrays}
            if len(n) > 1:
                raise errors.InvalidArgumentError(None, None, "Input element must have the same batch size in "
                                                              "each component.")
            for i in range(n.pop()):
                yield tuple(a[i, ...] for a in arrays)


class _Shuffle(Dataset):
    """TF's buffer semantics and element order (graphgrad/data/shuffle.py): with the same seeds (op or graph
    level, TF's rules) the same order as TensorFlow; each pass (`repeat` epoch) reshuffles unless
    `reshuffle_each_iteration=False`."""

    _keeps_cardinality = True

    def __init__(self, ds, buffer_size, seed, reshuffle_each_iteration):
        super().__init__([ds], ds._template, ds._types, ds._shapes,
                         [buffer_size] if isinstance(buffer_size, Tensor) else [])
        self._size = buffer_size
        self._seeds = get_seed(seed)
        self._reshuffle = bool(reshuffle_each_iteration)

    def _iterate(self, env):
        size = env.int(self._size)
        if size <= 0:
            raise errors.InvalidArgumentError(None, None, "buffer_size must be greater than zero.")
        seeds = env.seed_generator(self, self._seeds, self._reshuffle).next_seeds()
        yield from shuffled(self._inputs[0]._iterate(env), size, seeds)


class _Repeat(Dataset):
    def __init__(self, ds, count):
        super().__init__([ds], ds._template, ds._types, ds._shapes,
                         [count] if isinstance(count, Tensor) else [])
        self._count = count

    def _cardinality(self, env):
        count, n = -1 if self._count is None else env.int(self._count), self._inputs[0]._cardinality(env)
        if count < 0:
            return 0 if n == 0 else INFINITE_CARDINALITY
        if count == 0 or n < 0:
            return 0 if count == 0 else n
        return count * n

    def _iterate(self, env):
        count = -1 if self._count is None else env.int(self._count)
        i = 0
        while count < 0 or i < count:
            empty = True
            for e in self._inputs[0]._iterate(env):
                empty = False
                yield e
            if empty:
                return  # as TF: repeating an empty dataset ends instead of spinning
            i += 1


class _Take(Dataset):
    def __init__(self, ds, count):
        super().__init__([ds], ds._template, ds._types, ds._shapes, [count] if isinstance(count, Tensor) else [])
        self._count = count

    def _cardinality(self, env):
        count, n = env.int(self._count), self._inputs[0]._cardinality(env)
        if n == UNKNOWN_CARDINALITY or count < 0:
            return n
        return count if n == INFINITE_CARDINALITY else min(n, count)

    def _iterate(self, env):
        count = env.int(self._count)
        if count == 0:
            return
        for i, e in enumerate(self._inputs[0]._iterate(env)):
            yield e
            if i + 1 == count:
                return


class _Skip(Dataset):
    def __init__(self, ds, count):
        super().__init__([ds], ds._template, ds._types, ds._shapes, [count] if isinstance(count, Tensor) else [])
        self._count = count

    def _cardinality(self, env):
        count, n = env.int(self._count), self._inputs[0]._cardinality(env)
        if n < 0:
            return n
        return 0 if count < 0 else max(0, n - count)

    def _iterate(self, env):
        count = env.int(self._count)
        it = self._inputs[0]._iterate(env)
        if count < 0:
            for _ in it:
                pass
            return
        for i, e in enumerate(it):
            if i >= count:
                yield e


class _Shard(Dataset):
    def __init__(self, ds, num_shards, index):
        n, i = _static_int(num_shards), _static_int(index)
        if n is not None and n <= 0:
            raise errors.InvalidArgumentError(None, None, f"Number of shards must be greater than zero "
                                                          f"(currently num_shards = {n}).")
        if n is not None and i is not None and not 0 <= i < n:
            raise errors.InvalidArgumentError(None, None, f"Index must be between 0 and {n - 1} "
                                                          f"(currently index = {i}).")
        super().__init__([ds], ds._template, ds._types, ds._shapes,
                         [x for x in (num_shards, index) if isinstance(x, Tensor)])
        self._n, self._i = num_shards, index

    def _cardinality(self, env):
        n, shards, i = self._inputs[0]._cardinality(env), env.int(self._n), env.int(self._i)
        return n if n < 0 else n // shards + (i < n % shards)

    def _iterate(self, env):
        n, i = env.int(self._n), env.int(self._i)
        for k, e in enumerate(self._inputs[0]._iterate(env)):
            if k % n == i:
                yield e


_END, _ITEM, _ERROR = 0, 1, 2


class _Background:
    """A producer thread filling a bounded queue from `source`. `close()` returns at once: the thread sees the
    stop flag within 50 ms of waiting on a full queue (or after the element it is computing) and exits."""

    def __init__(self, source, maxsize):
        self.queue = queue.Queue(maxsize)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=_pump, args=(source, self.queue, self.stop), daemon=True,
                                       name="graphgrad-prefetch")
        self.thread.start()

    def close(self):
        self.stop.set()

    def __iter__(self):
        q, stop = self.queue, self.stop
        while True:
            try:
                kind, item = q.get(timeout=0.05)
            except queue.Empty:
                if stop.is_set():
                    raise errors.CancelledError(None, None, "The iterator was closed.") from None
                continue
            if kind == _ITEM:
                yield item
            elif kind == _END:
                return
            else:
                raise item


def _pump(source, q, stop):
    def put(x):
        while not stop.is_set():
            try:
                q.put(x, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False
    try:
        for item in source:
            if not put((_ITEM, item)):
                return
        put((_END, None))
    except BaseException as e:  # noqa: BLE001 -- handed to the consumer, raised in its thread
        put((_ERROR, e))


class _Prefetch(Dataset):
    _keeps_cardinality = True

    def __init__(self, ds, buffer_size):
        super().__init__([ds], ds._template, ds._types, ds._shapes)
        self._size = buffer_size

    def _iterate(self, env):
        size = env.int(self._size)
        if size == AUTOTUNE:
            size = 2
        if size == 0:
            yield from self._inputs[0]._iterate(env)
            return
        bg = _Background(self._inputs[0]._iterate(env), size)
        env.closables.add(bg)
        try:
            yield from bg
        finally:
            env.closables.discard(bg)
            bg.close()


class _Cache(Dataset):
    """`cache()`: the first complete pass is kept in memory for the iterator's later passes (repeat after
    cache); `cache(filename)`: written to `<filename>.graphgrad-cache.npz` when the first pass completes and read
    from that file by every later pass, iterator and program (a NumPy archive, no pickles)."""

    _keeps_cardinality = True

    def __init__(self, ds, filename):
        super().__init__([ds], ds._template, ds._types, ds._shapes,
                         [filename] if isinstance(filename, Tensor) else [])
        self._filename = filename

    def _iterate(self, env):
        filename = env.value(self._filename)
        if isinstance(filename, np.ndarray):
            filename = filename.item()
        filename = os.fsdecode(filename) if filename else ""
        if filename:
            path = filename + ".graphgrad-cache.npz"
            if os.path.exists(path):
                yield from _read_cache(path, len(self._types))
                return
        elif self in env.caches:
            yield from env.caches[self]
            return
        kept = []
        for e in self._inputs[0]._iterate(env):
            kept.append(e)
            yield e
        if filename:
            _write_cache(path, kept, len(self._types))
        else:
            env.caches[self] = kept


def _write_cache(path, elements, k):
    arrays = {}
    for i in range(k):
        comps = [_as_array(e[i]) for e in elements]
        arrays[f"shape{i}"] = np.array([list(c.shape) for c in comps], dtype=np.int64).reshape(
            len(comps), comps[0].ndim if comps else 0)
        if comps and comps[0].dtype == object:
            items = [bytes(x) for c in comps for x in c.ravel().tolist()]
            arrays[f"lengths{i}"] = np.array([len(x) for x in items], dtype=np.int64)
            arrays[f"data{i}"] = np.frombuffer(b"".join(items), dtype=np.uint8)
        else:
            arrays[f"data{i}"] = np.concatenate([c.ravel() for c in comps]) if comps else np.zeros(0)
    tmp = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _read_cache(path, k):
    with np.load(path, allow_pickle=False) as f:
        cols = []
        for i in range(k):
            shapes, data = f[f"shape{i}"], f[f"data{i}"]
            out, pos = [], 0
            if f"lengths{i}" in f:
                lengths = f[f"lengths{i}"]
                starts = np.concatenate([[0], np.cumsum(lengths)])
                item = 0
                raw = data.tobytes()
                for s in shapes:
                    size = int(np.prod(s))
                    a = np.empty(size, dtype=object)
                    a[:] = [raw[starts[j]:starts[j + 1]] for j in range(item, item + size)]
                    item += size
                    out.append(a.reshape(tuple(s)))
            else:
                for s in shapes:
                    size = int(np.prod(s))
                    out.append(data[pos:pos + size].reshape(tuple(s)))
                    pos += size
            cols.append(out)
    yield from zip(*cols)
