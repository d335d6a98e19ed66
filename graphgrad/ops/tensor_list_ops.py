"""The TensorList ops of TF 2.x loops that graphgrad's TensorArray ops (tensor_array_ops.py) do not already
cover: a TensorList is the same immutable value as a TensorArray's flow (a tuple with one element per index), so
graph_io/tf_functions.py builds `TensorListSetItem` as TensorArrayWriteV3 and so on, and these two are what is
left: the pop with which a v2 loop's gradient takes back what its forward loop pushed (`TensorListPushBack`, a
write at the end), and the element shape the gradient reads."""
from __future__ import annotations

import numpy as np

from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, not_differentiable
from .tensor_array_ops import VARIANT, _Handle


class TensorListPopBack(OpDef):
    """TensorListPopBack(list) -> (the list without its last element, that element), of attr `element_dtype`
    and `element_shape` (a TensorShape: the element's static shape)."""

    type = "TensorListPopBack"

    def infer(op):
        dims = op.attrs["element_shape"].dims_tuple
        return [((), VARIANT), (dims, op.attrs["element_dtype"])]

    def kernel(op, ctx):
        def pop(items):
            if not len(items) or items[-1] is None:
                raise InvalidArgumentError(None, op, "Trying to pop from an empty list." if not len(items) else
                                           "Trying to pop an element that was not set.")
            return [_Handle(items[:-1]), items[-1]]
        return pop

    gradient = not_differentiable  # TF's v2 gradient loops pop; graphgrad does not differentiate them again


class TensorListElementShape(OpDef):
    """TensorListElementShape(list) -> the shape of its elements (of the first one set; -1, unknown, for a list
    with none), of attr `shape_type`."""

    type = "TensorListElementShape"

    def infer(op):
        return [(None, op.attrs["shape_type"])]

    def kernel(op, ctx):
        dtype, to_device = op.attrs["shape_type"].as_numpy_dtype, ctx.to_device

        def element_shape(items):
            first = next((e for e in items if e is not None), None)
            return to_device(np.array(-1 if first is None else first.shape, dtype))
        return element_shape

    gradient = not_differentiable


class TensorListAddN(OpDef):
    """TF's `AddN` of TensorLists (the fan-in of a v2 loop's list gradients): the lists, of equal length, added
    element by element; an element set in none of them stays unset."""

    type = "TensorListAddN"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        def add(*lists):
            if len({len(x) for x in lists}) > 1:
                raise InvalidArgumentError(None, op, "Trying to add two lists of tensors with different lengths. "
                                           f"One is {len(lists[0])} and the other is "
                                           f"{next(len(x) for x in lists if len(x) != len(lists[0]))}")
            out = []
            for items in zip(*lists):
                present = [e for e in items if e is not None]
                out.append(None if not present else present[0] if len(present) == 1 else sum(present[1:], present[0]))
            return _Handle(out)
        return add

    gradient = not_differentiable


class TensorListZerosLike(OpDef):
    """TF's `ZerosLike` of a TensorList: a list as long, each element that is set replaced by zeros."""

    type = "TensorListZerosLike"

    def infer(op):
        return [((), VARIANT)]

    def kernel(op, ctx):
        xp = ctx.xp
        return lambda items: _Handle(None if e is None else xp.zeros_like(e) for e in items)

    gradient = not_differentiable
