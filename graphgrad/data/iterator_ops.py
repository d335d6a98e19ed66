"""TF1's dataset iterators: `make_one_shot_iterator`, `make_initializable_iterator`, `Iterator.from_structure` +
`make_initializer`, `Iterator.from_string_handle` + `string_handle()`.

An iterator's position lives in the session (`RunContext.resources`, keyed by the Iterator object), so two
sessions iterate independently. Three graph ops drive it:
- `MakeIterator(*captures)` (the initializer): instantiates the dataset's pipeline with the values of the tensors
  it captures, computed by the run that runs it (placeholders fed there), replacing (and stopping) the previous
  one;
- `IteratorGetNext([handle])`: the next element, one output per component; stateful (never folded, merged,
  dropped or replayed) and able to fail, so a run that ends with `OutOfRangeError` ("End of sequence") rolls back
  its variable writes — which the reads-before-writes run order puts after it anyway;
- `IteratorToStringHandle`: the iterator's handle, a string a `from_string_handle` iterator is fed.
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import get_default_graph
from ..framework.op_def import OpDef
from ..framework.tensor_shape import TensorShape
from ..ops.core import apply_op, convert_to_tensor
from ..ops.nest import assert_same_structure
from ..ops.script_ops import py_error
from ..ops.sparse_ops import SparseTensor, SparseTensorValue
from . import structure as nest
from .dataset_ops import Closables, Dataset, DatasetType, ElementSpec, Env, VariantDataset, host_plan

_HANDLES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # handle bytes -> Iterator
_numbers = itertools.count(1)


class _IteratorState:
    """One instantiated pipeline in one session: `next()` gives a flat element or raises StopIteration."""

    def __init__(self, ctx, dataset, values):
        self.closables = Closables()
        self.caches = {}
        env = Env(ctx, values, self.closables, self.caches)
        self.it = iter(dataset._iterate(env))
        weakref.finalize(self, self.closables.close)

    def close(self):
        self.closables.close()


def _start(ctx, iterator, dataset, values):
    key = ("tf.data iterator", iterator)
    old = ctx.resources.pop(key, None)
    if old is not None:
        old.close()
    state = ctx.resources[key] = _IteratorState(ctx, dataset, values)
    return state


class MakeIterator(OpDef):
    """MakeIterator(*captures): (re)start `attrs["iterator"]` on `attrs["dataset"]` in this session."""

    type = "MakeIterator"
    stateful = True

    def infer(op):
        return []

    def kernel(op, ctx):
        iterator, dataset = op.attrs["iterator"], op.attrs["dataset"]
        captures = op.inputs

        def make_iterator(*values):
            _start(ctx, iterator, dataset, {t: np.array(ctx.to_host(v), copy=True)
                                           for t, v in zip(captures, values)})
        return make_iterator

    def can_fail(op):
        return False


class IteratorGetNext(OpDef):
    """IteratorGetNext([handle]): the next element of `attrs["iterator"]` (or of the iterator the fed handle names),
    one output per component; OutOfRangeError "End of sequence" at the end."""

    type = "IteratorGetNext"
    stateful = True

    def infer(op):
        return [(s.dims_tuple, t) for t, s in zip(op.attrs["types"], op.attrs["shapes"])]

    def kernel(op, ctx):
        fixed = op.attrs["iterator"]
        single = len(op.attrs["types"]) == 1  # (IteratorGetNextAsOptional calls this kernel too)
        to_device = ctx.to_device
        types = op.attrs["types"]

        def get_next(*handle):
            iterator = fixed if fixed is not None else _from_handle(op, handle[0], types)
            state = ctx.resources.get(("tf.data iterator", iterator))
            if state is None:
                if iterator._one_shot is None:
                    raise errors.FailedPreconditionError(
                        op.node_def, op, "GetNext() failed because the iterator has not been initialized. Ensure "
                                         "that you have run the initializer operation for this iterator before "
                                         f"getting the next element.\n\t [[{{{{node {op.name}}}}}]]")
                ds = iterator._one_shot
                caps = ds._captures()
                values = host_plan(ctx, caps, [])([]) if caps else []
                state = _start(ctx, iterator, ds, dict(zip(caps, values)))
            try:
                e = next(state.it)
            except StopIteration:
                raise errors.OutOfRangeError(op.node_def, op, "End of sequence\n\t [[{{node "
                                                              f"{op.name}}}}}]]") from None
            except errors.OpError as exc:
                if exc.op is None:  # raised by the pipeline: name this op, as TF names the iterator's
                    raise type(exc)(op.node_def, op, f"{exc.message}\n\t [[{{{{node {op.name}}}}}]]") from exc
                raise
            except Exception as exc:  # noqa: BLE001 -- a bug in a source's Python code, as TF1's py_func
                raise py_error(op, exc) from exc
            out = [v if t == dtypes.string else to_device(np.asarray(v)) for v, t in zip(e, types)]
            return out[0] if single else out
        return get_next


class IteratorToStringHandle(OpDef):
    type = "IteratorToStringHandle"
    stateful = True

    def infer(op):
        return [((), dtypes.string)]

    def kernel(op, ctx):
        value = np.array(op.attrs["iterator"]._handle, dtype=object)
        return lambda: value

    def can_fail(op):
        return False


def _from_handle(op, handle, types):
    h = handle.item() if isinstance(handle, np.ndarray) else handle
    it = _HANDLES.get(bytes(h) if not isinstance(h, bytes) else h)
    if it is None:
        raise errors.InvalidArgumentError(op.node_def, op, f"Invalid iterator handle {h!r}\n\t [[{{{{node "
                                                           f"{op.name}}}}}]]")
    if it._types != list(types):
        raise errors.InvalidArgumentError(
            op.node_def, op, f"Expected output types {_types_text(types)} but got iterator with output types "
                             f"{_types_text(it._types)}.\n\t [[{{{{node {op.name}}}}}]]")
    return it


def _types_text(types):
    return "(" + ", ".join(f"tf.{t.name}" for t in types) + ("," if len(types) == 1 else "") + ")"


class Iterator(ElementSpec):
    """TF1's `tf.data.Iterator`."""

    def __init__(self, template, types, shapes, one_shot=None, handle=None, name="Iterator"):
        self._template = template
        self._types = [dtypes.as_dtype(t).base_dtype for t in types]
        self._shapes = [TensorShape(s) for s in shapes]
        self._one_shot = one_shot
        self._handle_tensor = handle
        self._initializer = None
        self._graph = get_default_graph()
        self._name = name
        self._handle = f"graphgrad-iterator:{next(_numbers)}:{name}".encode()
        _HANDLES[self._handle] = self

    # --- TF1 API ------------------------------------------------------------------------------------------------
    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None):
        tmpl, types = nest.template(output_types), nest.flatten(output_types)
        shapes = [TensorShape(None)] * len(types) if output_shapes is None else \
            [TensorShape(s) for s in (nest.flatten(output_shapes) if isinstance(output_types, (tuple, dict))
                                      else [output_shapes])]
        if len(shapes) != len(types):
            raise ValueError("output_shapes must have the structure of output_types")
        if output_classes is not None:  # a SparseTensor entry stands for its three components
            classes = nest.flatten_up_to(tmpl, output_classes)
            tmpl = nest.pack(tmpl, [SparseTensor(None, None, None) if c is SparseTensor else None for c in classes])
            types = [x for c, t in zip(classes, types)
                     for x in ([dtypes.int64, t, dtypes.int64] if c is SparseTensor else [t])]
            shapes = [x for c, s in zip(classes, shapes) for x in (
                [TensorShape([None, s.ndims]), TensorShape([None]), TensorShape([s.ndims])]
                if c is SparseTensor else [s])]
        return Iterator(tmpl, types, shapes)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None, output_classes=None):
        it = Iterator.from_structure(output_types, output_shapes, output_classes=output_classes)
        it._handle_tensor = convert_to_tensor(string_handle, dtype=dtypes.string)
        return it

    @property
    def initializer(self):
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer.")
        return self._initializer

    def make_initializer(self, dataset, name=None):
        if not isinstance(dataset, Dataset):
            raise TypeError(f"make_initializer expects a Dataset, got {type(dataset).__name__}")
        assert_same_structure(self.output_types, dataset.output_types)  # ValueError or TypeError, as TF's nest
        if self._types != dataset._types:
            raise TypeError(f"Expected output types {self.output_types} but got dataset with output types "
                            f"{dataset.output_types}.")
        for mine, theirs in zip(self._shapes, dataset._shapes):
            if not mine.is_compatible_with(theirs):
                raise TypeError(f"Expected output shapes compatible with {self.output_shapes} but got dataset "
                                f"with output shapes {dataset.output_shapes}.")
        return apply_op(MakeIterator, dataset._captures(), {"iterator": self, "dataset": dataset},
                        name or "MakeIterator", graph=self._graph)

    def get_next(self, name=None):
        inputs = [] if self._handle_tensor is None else [self._handle_tensor]
        out = apply_op(IteratorGetNext, inputs,
                       {"iterator": None if self._handle_tensor is not None else self, "types": self._types,
                        "shapes": self._shapes}, name or "IteratorGetNext", graph=self._graph)
        flat = out if isinstance(out, list) else [out]
        return nest.pack(self._template, [VariantDataset(t) if isinstance(t.dtype, DatasetType) else t
                                          for t in flat])

    def string_handle(self, name=None):
        if self._handle_tensor is not None:
            return self._handle_tensor
        return apply_op(IteratorToStringHandle, [], {"iterator": self}, name or "IteratorToStringHandle",
                        graph=self._graph)


def _check_one_shot(dataset):
    """TF1 refuses a one-shot iterator on a dataset that captures a placeholder (it has no initializer run to
    feed it)."""
    stack, seen = [t.op for t in dataset._captures()], set()
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.op_def.must_feed:
            raise ValueError("Failed to create a one-shot iterator for a dataset. `Dataset.make_one_shot_iterator()` "
                             "does not support datasets that capture stateful objects, such as a `Variable` or "
                             "`LookupTable`. In these cases, use `Dataset.make_initializable_iterator()`. (Original "
                             f"error: Cannot capture a placeholder (name:{op.name}, type:{op.type}) by value.)")
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)


def make_one_shot_iterator(dataset):
    """An iterator that starts on its first `get_next` in each session and cannot be re-initialized."""
    _check_one_shot(dataset)
    return Iterator(dataset._template, dataset._types, dataset._shapes, one_shot=dataset, name="OneShotIterator")


def make_initializable_iterator(dataset, shared_name=None):
    """An iterator started (and restarted) by running `iterator.initializer`, whose run feeds the placeholders
    the dataset captures."""
    it = Iterator(dataset._template, dataset._types, dataset._shapes)
    it._initializer = it.make_initializer(dataset)
    return it


class EagerIterator(ElementSpec):
    """A dataset's elements one at a time while executing eagerly: what `iter(dataset)` returns then, and TF1's
    `tf.contrib.eager.Iterator(dataset)`. Python iteration ends with StopIteration; `get_next()` raises
    `OutOfRangeError` at the end, as the graph op does."""

    def __init__(self, dataset):
        from ..eager import executing_eagerly

        if not executing_eagerly():
            raise RuntimeError(f"{type(self)} objects can only be used when eager execution is enabled, use "
                               "tf.data.Dataset.make_initializable_iterator or "
                               "tf.data.Dataset.make_one_shot_iterator for graph construction")
        self._template, self._types, self._shapes = dataset._template, dataset._types, dataset._shapes
        self._iterator = make_one_shot_iterator(dataset)

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self._iterator.get_next()
        except errors.OutOfRangeError:
            raise StopIteration from None

    next = __next__

    def get_next(self, name=None):
        """The next element; `OutOfRangeError` after the last."""
        return self._iterator.get_next(name)


def get_output_types(dataset_or_iterator):
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    return dataset_or_iterator.output_classes


def _to_numpy(x):
    if isinstance(x, SparseTensor):
        return SparseTensorValue(*(_to_numpy(t) for t in (x.indices, x.values, x.dense_shape)))
    value = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value  # a NumPy scalar, or bytes


class NumpyIterator:
    """`tf.data.NumpyIterator(dataset)` (`dataset.as_numpy_iterator()`): the elements as NumPy arrays (scalars
    as NumPy scalars, strings as bytes), in the element's structure; eager mode only, as in TF."""

    def __init__(self, dataset):
        self._iterator = EagerIterator(dataset)

    def __iter__(self):
        return self

    def __next__(self):
        return nest.map_structure(next(self._iterator), _to_numpy)

    next = __next__
