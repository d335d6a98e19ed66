"""`tf.TensorArray` as an immutable value: no handle, no shared mutable state, ordinary gradients.

TensorFlow 1.x keeps a TensorArray's elements in a mutable resource named by a handle and threads a float "flow"
scalar through the graph to order the writes. graphgrad keeps the elements in the flow itself: the flow tensor
(dtype `variant`, shape ()) holds a Python tuple with one entry per index (an array, or None where nothing was
written yet), and every op that changes the array returns a new tuple. `ta.write(i, x)` returns a new
TensorArray whose flow is the new tuple, exactly as in TF1's functional style (`ta = ta.write(i, x)`); the old
TensorArray still holds the old elements. A TensorArray is therefore a plain value that can be a loop variable,
pass through tf.cond, be saved for a loop's backward pass, and be differentiated like any tensor.

The gradient with respect to a flow is a variant too: a dict {index: gradient of that element} (missing
indices are zero). `read` sends back {i: dy}, `stack` {i: dy[i] for every i}, `write` takes its element's
gradient out of the dict, and fan-out of a flow sums the dicts (`add_gradient_lists`, which autodiff uses for
variant gradients).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import Tensor, name_scope
from ..framework.op_def import OpDef, fully_defined, not_differentiable, static_shape
from ..framework.tensor_shape import TensorShape, as_shape
from .core import apply_op, convert_to_tensor

__all__ = ["TensorArray"]

VARIANT = dtypes.variant


def _error(op, text):
    return InvalidArgumentError(op.node_def, op, text)


def _index(i):
    return int(i)


# --- gradients of flows: {index: array} ---------------------------------------------------------------------

def add_values(a, b):
    """Sum of two gradient values: arrays, or gradient lists (dicts, summed per index)."""
    if isinstance(a, dict):
        if not a:
            return b
        out = dict(a)
        for k, v in b.items():
            out[k] = out[k] + v if k in out else v
        return out
    return a + b


class GradientListZeros(OpDef):
    """The zero gradient of a flow: an empty gradient list."""

    type = "GradientListZeros"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        return lambda: {}

    gradient = not_differentiable


class AddGradientLists(OpDef):
    """Sum of gradient lists (the fan-in of a flow's gradient)."""

    type = "AddGradientLists"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        def add(*lists):
            out = {}
            for d in lists:
                out = add_values(out, d) if out else d
            return out
        return add

    def gradient(op, dy):
        return [dy] * len(op.inputs)


def zeros_gradient_list(name="zeros"):
    return apply_op(GradientListZeros, [], {}, name)


def add_gradient_lists(grads, name=None):
    return apply_op(AddGradientLists, list(grads), {}, name or "AddGradientLists")


def zeros_for(t):
    """A zero gradient for tensor `t`: zeros_like for arrays, an empty gradient list for a flow."""
    from .core import zeros_like

    return zeros_gradient_list() if t.dtype.base_dtype == VARIANT else zeros_like(t)


# --- the ops -------------------------------------------------------------------------------------------------

def _element_zeros(op, ctx):
    """A function making the zeros an unwritten element reads as (TF1: when the element shape is fully
    defined), or None when it is not."""
    shape = op.attrs.get("element_shape")
    dims = None if shape is None else shape.dims_tuple
    if not fully_defined(dims):
        return None
    dtype = op.attrs["dtype"].np
    xp = ctx.xp
    return lambda: xp.zeros(dims, dtype)


def _elements(op, ctx, flow, indices, what="read from"):
    zeros = _element_zeros(op, ctx)
    out = []
    for i in indices:
        if i < 0 or i >= len(flow):
            raise _error(op, f"Tried to {'read from' if what == 'read from' else what} index {i} but array size "
                             f"is: {len(flow)}")
        e = flow[i]
        if e is None and zeros is None and op.attrs.get("infer_shape", True):
            # TF1: once an element of an array of identical shapes is written, its shape is the element shape
            like = next((x for x in flow if x is not None), None)
            if like is not None:
                zeros = lambda like=like: ctx.xp.zeros_like(like)  # noqa: E731
        if e is None:
            if zeros is None:
                raise _error(op, f"Could not read from TensorArray index {i} because it has not yet been written "
                                 "to.")
            e = zeros()
        out.append(e)
    return out


class TensorArrayV3(OpDef):
    """TensorArrayV3(size) -> flow: a new array of `size` unwritten elements. Stateful: each run makes its own
    (an imported TF graph keeps its gradient arrays on it, `_Handle`)."""

    type = "TensorArrayV3"
    stateful = True

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        def make(size):
            size = int(size)
            if size < 0:
                raise _error(op, f"Size should be >= 0, got {size}")
            return _Handle((None,) * size)
        return make

    gradient = not_differentiable


class GradientArray(list):
    """A gradient array of a TF 1.x gradient graph (`TensorArrayGradV3`, graph_io/tf_while.py). As in TF it is
    mutable and shared: every TensorArrayGradV3 of one forward array and source in a run gets the same one (kept
    on the forward array's handle), one gradient writes it (dynamic_rnn's outputs' gradient, scattered before
    the gradient loop; the inputs' gradient, written in it) and another reads it. Writing an element twice adds
    the values, as TF aggregates gradient writes. Its writes give TF's float flow (`TensorArrayGradFlow`)."""

    def put(self, items):
        for i, v in items:
            if i >= len(self):
                self.extend([None] * (i + 1 - len(self)))
            self[i] = v if self[i] is None else self[i] + v
        return self


class _Handle(tuple):
    """The elements a new array starts with, which are also its handle in an imported TF graph: the gradient
    arrays of the array hang on it (`grads`, {source: GradientArray}) for the run that made it."""


def _put(op, flow, items, dynamic, same_shape=True, overwrite=False):
    """`flow` with `items` ([(index, value)]) written: a new tuple (a GradientArray is written in place).
    `overwrite`: an element may be written again (a TensorList's `TensorListSetItem`, graph_io/tf_functions.py)."""
    if isinstance(flow, GradientArray):
        return flow.put(items)
    n = max((i for i, _ in items), default=-1) + 1
    out = list(flow)
    if n > len(out):
        if not dynamic:
            bad = max(i for i, _ in items)
            raise _error(op, f"Tried to write to index {bad} but array is not resizeable and size is: {len(flow)}")
        out.extend([None] * (n - len(out)))
    shape = None
    for i, v in items:
        if i < 0:
            raise _error(op, f"Tried to write to index {i} but array size is: {len(flow)}")
        if out[i] is not None and not overwrite:
            raise _error(op, f"Could not write to TensorArray index {i} because it has already been written to.")
        s = getattr(v, "shape", ())
        if same_shape and shape is not None and s != shape:
            raise _error(op, f"Could not write to TensorArray index {i} because the value shape is {list(s)} "
                             f"which is incompatible with the TensorArray's inferred element shape: {list(shape)} "
                             "(consider setting infer_shape=False).")
        shape = s
        out[i] = v
    if same_shape and op.attrs.get("infer_shape", True) and shape is not None:
        for e in flow:
            if e is not None and getattr(e, "shape", ()) != shape:
                raise _error(op, f"Could not write to TensorArray because the value shape is {list(shape)} which "
                                 f"is incompatible with the TensorArray's inferred element shape: "
                                 f"{list(getattr(e, 'shape', ()))} (consider setting infer_shape=False).")
            if e is not None:
                break
    return tuple(out)


class TensorArrayWriteV3(OpDef):
    """TensorArrayWriteV3(flow, index, value) -> flow with element `index` set (each index is written once, but
    with attr `overwrite`, a TensorList's set; the gradient is the same: the old element's is zero)."""

    type = "TensorArrayWriteV3"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        dynamic, overwrite = op.attrs["dynamic_size"], op.attrs.get("overwrite", False)
        return lambda flow, index, value: _put(op, flow, [(_index(index), value)], dynamic, overwrite=overwrite)

    def gradient(op, dflow):
        if dflow is None:
            return [None, None, None]
        rest, dvalue = apply_op(TakeGradients, [dflow, op.inputs[1], op.inputs[2]], {"single": True})
        return [rest, None, dvalue]


class TensorArrayScatterV3(OpDef):
    """TensorArrayScatterV3(flow, indices, value) -> flow with element indices[k] = value[k]. With attr
    `unstack` the indices input is absent and the rows go to 0, 1, ..."""

    type = "TensorArrayScatterV3"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        dynamic = op.attrs["dynamic_size"]
        if op.attrs.get("unstack"):
            return lambda flow, value: _put(op, flow, [(i, value[i]) for i in range(value.shape[0])], dynamic)

        def scatter(flow, indices, value):
            idx = [int(i) for i in np.asarray(ctx.to_host(indices) if ctx.xp is not np else indices).ravel()]
            if len(idx) != value.shape[0]:
                raise _error(op, f"Expected len(indices) == values.shape[0], but saw: {len(idx)} vs. "
                                 f"{value.shape[0]}")
            return _put(op, flow, [(i, value[k]) for k, i in enumerate(idx)], dynamic)
        return scatter

    def gradient(op, dflow):
        n = len(op.inputs)
        if dflow is None:
            return [None] * n
        if op.attrs.get("unstack"):
            rest, dvalue = apply_op(TakeGradients, [dflow, op.inputs[1]], {"single": False, "range": True})
            return [rest, dvalue]
        rest, dvalue = apply_op(TakeGradients, [dflow, op.inputs[1], op.inputs[2]], {"single": False})
        return [rest, None, dvalue]


class TakeGradients(OpDef):
    """TakeGradients(dflow, indices, like) -> (dflow without `indices`, the gradients at `indices` stacked like
    `like`, zeros where missing): the gradient of write/scatter (attr `single`: one index) and of unstack (attr
    `range`: indices 0..len(like)-1, and the inputs are (dflow, like))."""

    type = "TakeGradients"

    def infer(op):
        like = op.inputs[-1]
        return [((), VARIANT), (static_shape(like), like.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        single, rng = op.attrs.get("single"), op.attrs.get("range")

        def take(dflow, *args):
            like = args[-1]
            if rng:
                idx = list(range(like.shape[0]))
            elif single:
                idx = [int(args[0])]
            else:
                idx = [int(i) for i in np.asarray(ctx.to_host(args[0]) if xp is not np else args[0]).ravel()]
            dflow = dflow or {}
            if single:  # one index per iteration of a reverse loop: a copy less that key, not a pass per key
                rest = dict(dflow)
                g = rest.pop(idx[0], None)
                return rest, xp.zeros_like(like) if g is None else g
            taken = set(idx)
            rest = {k: v for k, v in dflow.items() if k not in taken}
            out = xp.zeros_like(like)
            for k, i in enumerate(idx):
                g = dflow.get(i)
                if g is not None:
                    out[k] = g
            return rest, out
        return take

    def gradient(op, d_rest, d_taken):
        """Linear in the gradient list: the taken elements' gradients go back to their indices."""
        if d_taken is None:
            return [d_rest] + [None] * (len(op.inputs) - 1)
        if op.attrs.get("range"):
            back = apply_op(GradientListAt, [d_taken], {"range": True})
        else:
            back = apply_op(GradientListAt, [op.inputs[1], d_taken], {"single": op.attrs.get("single")})
        total = back if d_rest is None else add_gradient_lists([d_rest, back])
        return [total] + [None] * (len(op.inputs) - 1)


class TensorArrayReadV3(OpDef):
    """TensorArrayReadV3(flow, index) -> element `index` (zeros if unwritten and the element shape is known)."""

    type = "TensorArrayReadV3"

    def infer(op):
        return [(op.attrs["element_shape"].dims_tuple, op.attrs["dtype"])]

    def kernel(op, ctx):
        return lambda flow, index: _elements(op, ctx, flow, [_index(index)])[0]

    def gradient(op, dy):
        return [apply_op(GradientListAt, [op.inputs[1], dy], {"single": True}), None]


class TensorArrayGatherV3(OpDef):
    """TensorArrayGatherV3(flow, indices) -> the elements at `indices` stacked; with attr `stack` the indices
    input is absent and all elements are stacked (zeros((0,) + element_shape) for an empty array)."""

    type = "TensorArrayGatherV3"

    def infer(op):
        es = op.attrs["element_shape"].dims_tuple
        if op.attrs.get("stack"):
            lead = None
        else:
            s = static_shape(op.inputs[1])
            lead = s[0] if s else None
        return [(None if es is None else (lead,) + es, op.attrs["dtype"])]

    def kernel(op, ctx):
        xp = ctx.xp
        dims = op.attrs["element_shape"].dims_tuple
        dtype = op.attrs["dtype"].np

        def gather(flow, *indices):
            if op.attrs.get("stack"):
                idx = range(len(flow))
            else:
                idx = [int(i) for i in np.asarray(ctx.to_host(indices[0]) if xp is not np else indices[0]).ravel()]
            els = _elements(op, ctx, flow, idx)
            if not els:
                if not fully_defined(dims):
                    raise _error(op, "TensorArray has size zero, but element shape "
                                     f"{as_shape(dims)} is not fully defined. Currently only static shapes are "
                                     "supported when packing zero-size TensorArrays.")
                return xp.zeros((0,) + tuple(dims), dtype)
            return xp.stack(els)
        return gather

    def gradient(op, dy):
        if op.attrs.get("stack"):
            return [apply_op(GradientListAt, [dy], {"range": True})]
        return [apply_op(GradientListAt, [op.inputs[1], dy], {}), None]


class GradientListAt(OpDef):
    """GradientListAt(indices, dy) -> {indices[k]: dy[k]} (duplicates summed): the gradient of read (attr
    `single`: one index, dy is the element), gather, and stack (attr `range`: inputs (dy,), indices 0, 1, ...)."""

    type = "GradientListAt"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        xp = ctx.xp
        single, rng = op.attrs.get("single"), op.attrs.get("range")

        def at(*args):
            dy = args[-1]
            if single:
                return {int(args[0]): dy}
            if rng:
                return {i: dy[i] for i in range(dy.shape[0])}
            idx = [int(i) for i in np.asarray(ctx.to_host(args[0]) if xp is not np else args[0]).ravel()]
            out = {}
            for k, i in enumerate(idx):
                out[i] = out[i] + dy[k] if i in out else dy[k]
            return out
        return at

    def gradient(op, dlist):
        """Linear in dy: each row of dy gets the gradient of its index."""
        dy = op.inputs[-1]
        if dlist is None:
            return [None] * len(op.inputs)
        if op.attrs.get("range"):
            return [apply_op(TakeGradients, [dlist, dy], {"range": True})[1]]
        taken = apply_op(TakeGradients, [dlist, op.inputs[0], dy], {"single": op.attrs.get("single")})[1]
        return [None, taken]


class TensorArrayGradV3(OpDef):
    """TensorArrayGradV3(handle, flow) -> the GradientArray of the array `handle` for attr `source`, made (as
    long as the array `flow` is) at the run's first call."""

    type = "TensorArrayGradV3"
    stateful = True

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        source = op.attrs["source"]

        def grad(handle, flow):
            grads = handle.__dict__.setdefault("grads", {}) if isinstance(handle, _Handle) else {}
            if source not in grads:
                grads[source] = GradientArray([None] * len(flow if isinstance(flow, tuple) else handle))
            return grads[source]
        return grad

    gradient = not_differentiable


class TensorArrayGradFlow(OpDef):
    """TensorArrayGradFlow(array) -> 0.0: the float flow TF's write to a gradient array gives (gradients add
    such flows up), once the array is written."""

    type = "TensorArrayGradFlow"

    def infer(op):
        return [((), dtypes.float32)]

    def kernel(op, ctx):
        zero = ctx.to_device(np.zeros((), np.float32))
        return lambda array: zero

    gradient = not_differentiable


class TensorArraySizeV3(OpDef):
    type = "TensorArraySizeV3"

    def infer(op):
        return [((), dtypes.int32)]

    def kernel(op, ctx):
        to_device = ctx.to_device
        return lambda flow: to_device(np.int32(len(flow)))

    gradient = not_differentiable


class TensorArrayConcatV3(OpDef):
    """TensorArrayConcatV3(flow) -> the elements concatenated along their first axis."""

    type = "TensorArrayConcatV3"

    def infer(op):
        es = op.attrs["element_shape"].dims_tuple
        return [(None if es is None or not es else (None,) + es[1:], op.attrs["dtype"])]

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda flow: xp.concatenate(_elements(op, ctx, flow, range(len(flow))), axis=0)

    def gradient(op, dy):
        return [apply_op(ConcatGradientList, [op.inputs[0], dy], {})]


class ConcatGradientList(OpDef):
    """ConcatGradientList(flow, dy) -> {i: the rows of dy that came from element i}."""

    type = "ConcatGradientList"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        def split(flow, dy):
            out, start = {}, 0
            for i, e in enumerate(flow):
                n = e.shape[0] if e is not None else 0
                out[i] = dy[start:start + n]
                start += n
            return out
        return split

    gradient = None


class TensorArraySplitV3(OpDef):
    """TensorArraySplitV3(flow, value, lengths) -> flow with element i = the i-th piece of `value`."""

    type = "TensorArraySplitV3"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        dynamic = op.attrs["dynamic_size"]
        xp = ctx.xp

        def split(flow, value, lengths):
            ls = [int(n) for n in np.asarray(ctx.to_host(lengths) if xp is not np else lengths).ravel()]
            if sum(ls) != value.shape[0]:
                raise _error(op, f"Expected sum of lengths to be equal to values.shape[0], but sum of lengths is "
                                 f"{sum(ls)} and value's shape is: {list(value.shape)}")
            starts = np.cumsum([0] + ls)
            return _put(op, flow, [(i, value[starts[i]:starts[i + 1]]) for i in range(len(ls))], dynamic,
                        same_shape=False)
        return split

    def gradient(op, dflow):
        if dflow is None:
            return [None, None, None]
        return [None, apply_op(SplitGradients, [dflow, op.inputs[1], op.inputs[2]], {}), None]


class SplitGradients(OpDef):
    type = "SplitGradients"

    def infer(op):
        return [(static_shape(op.inputs[1]), op.inputs[1].dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp

        def grad(dflow, value, lengths):
            ls = [int(n) for n in np.asarray(ctx.to_host(lengths) if xp is not np else lengths).ravel()]
            out, start = xp.zeros_like(value), 0
            for i, n in enumerate(ls):
                g = (dflow or {}).get(i)
                if g is not None:
                    out[start:start + n] = g
                start += n
            return out
        return grad

    gradient = None


# --- the Python object ---------------------------------------------------------------------------------------

class TensorArray:
    """TF1's `tf.TensorArray(dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
    handle=None, flow=None, infer_shape=True, element_shape=None, colocate_with_first_write_call=True,
    name=None)`, as an immutable value (module docstring). Reads never clear an element
    (`clear_after_read` is accepted and has no effect: reading an element twice is fine)."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
                 handle=None, flow=None, infer_shape=True, element_shape=None,
                 colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype).base_dtype
        self._dynamic_size = bool(dynamic_size)
        self._infer_shape = infer_shape
        self._element_shape = TensorShape(None) if element_shape is None else as_shape(element_shape)
        if flow is None and handle is not None:
            flow = handle
        if flow is not None:
            if not isinstance(flow, Tensor) or flow.dtype.base_dtype != VARIANT:
                raise TypeError(f"flow must be the flow tensor of a TensorArray, got {flow!r}")
            self._flow = flow
            return
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        with name_scope(name, "TensorArray", [size]):
            size = convert_to_tensor(size, dtype=dtypes.int32)
            self._flow = apply_op(TensorArrayV3, [size], self._attrs(tensor_array_name=tensor_array_name or ""),
                                  "TensorArrayV3")

    def _attrs(self, **extra):
        return dict(dtype=self._dtype, element_shape=self._element_shape, dynamic_size=self._dynamic_size,
                    infer_shape=self._infer_shape, **extra)

    def _with(self, flow, element_shape=None):
        return TensorArray(self._dtype, dynamic_size=self._dynamic_size, flow=flow, infer_shape=self._infer_shape,
                           element_shape=self._element_shape if element_shape is None else element_shape)

    def _merge_element_shape(self, shape):
        shape = as_shape(shape)
        if not self._infer_shape:
            return self._element_shape
        if not self._element_shape.is_compatible_with(shape):
            raise ValueError(f"Inconsistent shapes: saw {shape} but expected {self._element_shape} "
                             "(and infer_shape=True)")
        return self._element_shape.merge_with(shape)

    def _value(self, value, name):
        value = convert_to_tensor(value, name=name, preferred_dtype=self._dtype)
        if value.dtype.base_dtype != self._dtype:
            raise TypeError(f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                            f"{value.dtype.base_dtype.name}.")
        return value

    # --- properties ---
    @property
    def flow(self) -> Tensor:
        return self._flow

    @property
    def handle(self) -> Tensor:
        return self._flow

    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    def __repr__(self):
        return f"<TensorArray flow={self._flow.name} dtype={self._dtype.name} element_shape={self._element_shape}>"

    # --- reading ---
    def read(self, index, name=None):
        with name_scope(name, "TensorArrayReadV3", [self._flow, index]):
            index = convert_to_tensor(index, dtype=dtypes.int32)
            return apply_op(TensorArrayReadV3, [self._flow, index], self._attrs(), "TensorArrayReadV3")

    def stack(self, name=None):
        with name_scope(name, "TensorArrayStack", [self._flow]):
            return apply_op(TensorArrayGatherV3, [self._flow], self._attrs(stack=True), "TensorArrayGatherV3")

    def gather(self, indices, name=None):
        with name_scope(name, "TensorArrayGatherV3", [self._flow, indices]):
            indices = convert_to_tensor(indices, dtype=dtypes.int32)
            return apply_op(TensorArrayGatherV3, [self._flow, indices], self._attrs(), "TensorArrayGatherV3")

    def concat(self, name=None):
        with name_scope(name, "TensorArrayConcat", [self._flow]):
            return apply_op(TensorArrayConcatV3, [self._flow], self._attrs(), "TensorArrayConcatV3")

    def size(self, name=None):
        return apply_op(TensorArraySizeV3, [self._flow], {}, name or "TensorArraySizeV3")

    # --- writing: each returns a new TensorArray ---
    def write(self, index, value, name=None):
        with name_scope(name, "TensorArrayWrite", [self._flow, index, value]):
            index = convert_to_tensor(index, dtype=dtypes.int32)
            value = self._value(value, "value")
            shape = self._merge_element_shape(value.shape)
            flow = apply_op(TensorArrayWriteV3, [self._flow, index, value], self._attrs(), "TensorArrayWriteV3")
        return self._with(flow, shape)

    def unstack(self, value, name=None):
        with name_scope(name, "TensorArrayUnstack", [self._flow, value]):
            value = self._value(value, "value")
            dims = value.shape.dims_tuple
            shape = self._merge_element_shape(TensorShape(None) if dims is None else TensorShape(dims[1:]))
            flow = apply_op(TensorArrayScatterV3, [self._flow, value], self._attrs(unstack=True),
                            "TensorArrayScatterV3")
        return self._with(flow, shape)

    def scatter(self, indices, value, name=None):
        with name_scope(name, "TensorArrayScatter", [self._flow, indices, value]):
            indices = convert_to_tensor(indices, dtype=dtypes.int32)
            value = self._value(value, "value")
            dims = value.shape.dims_tuple
            shape = self._merge_element_shape(TensorShape(None) if dims is None else TensorShape(dims[1:]))
            flow = apply_op(TensorArrayScatterV3, [self._flow, indices, value], self._attrs(),
                            "TensorArrayScatterV3")
        return self._with(flow, shape)

    def split(self, value, lengths, name=None):
        with name_scope(name, "TensorArraySplit", [self._flow, value, lengths]):
            value = self._value(value, "value")
            lengths = convert_to_tensor(lengths, dtype=dtypes.int64 if not isinstance(lengths, Tensor)
                                        else lengths.dtype.base_dtype)
            dims = value.shape.dims_tuple
            shape = self._merge_element_shape(TensorShape(None) if dims is None else TensorShape((None,) + dims[1:]))
            flow = apply_op(TensorArraySplitV3, [self._flow, value, lengths], self._attrs(), "TensorArraySplitV3")
        return self._with(flow, shape)

    def identity(self):
        return self._with(self._flow)

    def close(self, name=None):
        from .core import no_op

        return no_op(name=name or "TensorArrayCloseV3")

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError("graphgrad's TensorArray has no gradient arrays: its gradients are ordinary "
                                  "(tf.gradients through read/write/stack/...), see docs/control-flow.md")


def is_tensor_array(x) -> bool:
    return isinstance(x, TensorArray)
