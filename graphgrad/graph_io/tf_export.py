"""graphgrad's nodes as TensorFlow spells them, for GraphDefs that real TensorFlow must import (a SavedModel that
TF Serving or `tf.compat.v1.saved_model.loader.load` reads). The inverse of tf_ops.py: where graphgrad keeps an
attribute that TensorFlow takes as an input tensor (reduction axes, shapes, permutations), the attribute becomes a
`Const` input named as TensorFlow names it; `Conv` becomes `Conv2D`; a random op's range becomes a scale and shift.

Rewritten nodes lose graphgrad's mark, so graphgrad reads them back through tf_ops.py, into the same ops. Nodes
of other types are left as they are: TensorFlow imports those whose graphgrad form is already TensorFlow's
(MatMul, the elementwise ops, Relu, Identity, variables, ...) and rejects the rest (gradient and training ops).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..summary.graph_def import MARKER, attr_value, datatype_enum
from .protos import GraphDef

_REDUCTIONS = ("Mean", "Sum", "Max", "Min", "Prod")


class _Node:
    """One graphgrad op being rewritten: its op, the NodeDef written for it, and the names already taken."""

    def __init__(self, op, node, taken):
        self.op, self.node, self.taken, self.extra, self.attached = op, node, taken, [], 0

    def rank(self, i=0):
        return self.op.inputs[i].shape.ndims

    def const(self, suffix, value, dtype=np.int32, attach=True):
        """Add a Const node `<op>/<suffix>` holding `value` (as the next input, with `attach`); returns its name."""
        arr = np.asarray(value, dtype=dtype)
        node = self.extra_node(suffix, "Const")
        name = node.name
        node.attr["dtype"].type = datatype_enum(dtypes.as_dtype(arr.dtype))
        node.attr["value"].CopyFrom(attr_value(arr, None))
        if attach:
            self.node.input.insert(len(self.op.inputs) + self.attached, name)
            self.attached += 1
        return name

    def extra_node(self, suffix, op_type):
        """A new node `<op>/<suffix>` (`_1`, ... when taken) written before the op's own."""
        name, k = f"{self.op.name}/{suffix}", 1
        while name in self.taken:
            name, k = f"{self.op.name}/{suffix}_{k}", k + 1
        self.taken.add(name)
        node = self.node.__class__(name=name, op=op_type, device=self.node.device)
        self.extra.append(node)
        return node

    def drop(self, *attrs):
        for key in attrs:
            if key in self.node.attr:
                del self.node.attr[key]

    def set(self, **attrs):
        for key, value in attrs.items():
            self.node.attr[key].CopyFrom(attr_value(value, None))


def _axes(node, axis):
    rank = node.rank()
    if axis is None:
        return None if rank is None else list(range(rank))
    return [axis] if isinstance(axis, int) else list(axis)


def _reduction(n):
    axes = _axes(n, n.op.attrs["axis"])
    if axes is None:
        return False
    n.const("reduction_indices", axes)
    n.drop("axis")
    return True


def _arg(n):
    n.const("dimension", n.op.attrs["axis"])
    n.drop("axis")
    return True


def _expand_dims(n):
    n.const("dim", n.op.attrs["axis"])
    n.drop("axis")
    return True


def _bias_add(n):
    axis, rank = n.op.attrs.get("axis", -1), n.rank()
    if axis in (-1, (rank or 0) - 1):
        n.set(data_format="NHWC")
    elif axis == 1 and rank is not None and rank >= 3:
        n.set(data_format="NCHW")
    else:
        return False
    n.drop("axis")
    return True


def _last_axis(n):
    if n.op.attrs.get("axis", -1) not in (-1, (n.rank() or 0) - 1):
        return False
    n.drop("axis")
    return True


def _by_input(attr, suffix, default=None):
    """An attribute that TensorFlow takes as input 1: a Const made from it when graphgrad holds it as an
    attribute, nothing to do when graphgrad already reads it from an input."""

    def rewrite(n):
        value = n.op.attrs.get(attr)
        if len(n.op.inputs) == 1:
            value = default(n) if value is None and default else value
            if value is None:
                return False
            n.const(suffix, value)
        n.drop(attr)
        return True

    return rewrite


def _reverse_perm(n):
    rank = n.rank()
    return None if rank is None else list(range(rank))[::-1]


def _concat(n):
    n.const("axis", n.op.attrs["axis"])
    n.drop("axis")
    n.set(N=len(n.op.inputs))
    return True


def _cast(n):
    n.drop("T")
    return True


def _fill(n):
    n.drop("dims")
    n.set(T=n.op.outputs[0].dtype.base_dtype, index_type=n.op.inputs[0].dtype.base_dtype)
    return True


def _windowed(op_type, windows):
    """Conv (as Conv2D) and the pools: graphgrad's per-spatial-dimension lists and `channels_first` as TF's
    4-element lists and `data_format` (2-D only)."""

    def rewrite(n):
        a = n.op.attrs
        if len(a["strides"]) != 2:
            return False
        first = a["channels_first"]
        defaults = {"dilations": (1, 1)}
        n.node.op = op_type or n.node.op
        n.drop("label", "channels_first")
        n.set(data_format="NCHW" if first else "NHWC",
              **{k: [1, 1, *(a.get(k) or defaults[k])] if first else [1, *(a.get(k) or defaults[k]), 1]
                 for k in windows})
        return True

    return rewrite


def _random(low_key, high_key, unit, as_range):
    """TF's random ops draw the unit distribution; graphgrad's scale it in place. The TF node takes the op's
    name plus `/unit`, and `<name>` becomes `unit * scale + shift` so consumers still read `<name>:0`."""

    def rewrite(n):
        a = n.op.attrs
        shape = a.get("shape")
        if shape is None or any(d is None for d in shape):
            return False
        low, high = float(a[low_key]), float(a[high_key])
        scale, shift = (high - low, low) if as_range else (high, low)
        n.drop(low_key, high_key, "shape")
        n.const("shape", list(shape))
        n.set(T=dtypes.int32)
        if (scale, shift) == unit:
            return True
        dtype = n.op.outputs[0].dtype.base_dtype
        raw = n.extra_node("unit", n.node.op)
        raw.input.extend(n.node.input)
        for key in n.node.attr:
            if key != MARKER:
                raw.attr[key].CopyFrom(n.node.attr[key])
        del n.node.input[:]
        n.node.ClearField("attr")
        n.node.op = "AddV2"
        n.node.attr["T"].type = datatype_enum(dtype)
        scaled = n.extra_node("mul", "Mul")
        scaled.attr["T"].type = datatype_enum(dtype)
        scaled.input.extend([raw.name, n.const("scale", scale, dtype.np, attach=False)])
        n.node.input.extend([scaled.name, n.const("shift", shift, dtype.np, attach=False)])
        return True

    return rewrite


def _gather(n):
    n.const("axis", n.op.attrs["axis"])
    n.drop("axis", "T")
    n.set(Tparams=n.op.inputs[0].dtype.base_dtype, Tindices=n.op.inputs[1].dtype.base_dtype, Taxis=dtypes.int32)
    return True


def _one_hot(n):
    a, dtype = n.op.attrs, n.op.outputs[0].dtype.base_dtype
    n.const("depth", a["depth"])
    n.const("on_value", a["on_value"], dtype.np)
    n.const("off_value", a["off_value"], dtype.np)
    n.drop("depth", "on_value", "off_value")
    n.set(T=dtype, TI=n.op.inputs[0].dtype.base_dtype)
    return True


def _top_k(n):
    """TF's TopKV2 takes `k` as an input and is always descending: graphgrad's ascending form (what `tf.sort`
    builds) and k=None (the whole last axis) stay graphgrad's."""
    k = n.op.attrs["k"]
    if k is None or not n.op.attrs.get("descending", True):
        return False
    n.const("k", k)
    n.drop("k", "descending")
    n.set(sorted=True)
    return True


def _range(n):
    n.drop("T")
    n.set(Tidx=n.op.outputs[0].dtype.base_dtype)
    return True


def _strided_slice(n):
    """A constant slice spec (ints, slices of ints, `...`, newaxis) as begin/end/strides and TF's masks."""
    begin, end, strides, masks = [], [], [], dict.fromkeys(("begin_mask", "end_mask", "ellipsis_mask",
                                                              "new_axis_mask", "shrink_axis_mask"), 0)
    for i, item in enumerate(n.op.attrs["spec"]):
        bit = 1 << i
        if isinstance(item, int):
            begin.append(item), end.append(item + 1), strides.append(1)
            masks["shrink_axis_mask"] |= bit
        elif isinstance(item, slice) and all(v is None or isinstance(v, int) for v in (item.start, item.stop,
                                                                                         item.step)):
            begin.append(item.start or 0), end.append(item.stop or 0), strides.append(item.step or 1)
            masks["begin_mask"] |= bit if item.start is None else 0
            masks["end_mask"] |= bit if item.stop is None else 0
        elif item is Ellipsis or item is None:
            begin.append(0), end.append(0), strides.append(1)
            masks["ellipsis_mask" if item is Ellipsis else "new_axis_mask"] |= bit
        else:  # an index read from a tensor input
            return False
    for suffix, values in (("stack", begin), ("stack_1", end), ("stack_2", strides)):
        n.const(suffix, values)
    n.drop("spec")
    n.set(Index=dtypes.int32, **masks)
    return True


REWRITES = {
    **dict.fromkeys(_REDUCTIONS, _reduction), "ArgMax": _arg, "ArgMin": _arg, "ExpandDims": _expand_dims,
    "BiasAdd": _bias_add, "Softmax": _last_axis, "LogSoftmax": _last_axis, "Cast": _cast, "Fill": _fill,
    "Reshape": _by_input("shape", "shape"), "Tile": _by_input("multiples", "multiples"),
    "Transpose": _by_input("perm", "perm", _reverse_perm), "ConcatV2": _concat,
    "Conv": _windowed("Conv2D", ("strides", "dilations")), "MaxPool": _windowed(None, ("strides", "ksize")),
    "AvgPool": _windowed(None, ("strides", "ksize")), "GatherV2": _gather, "OneHot": _one_hot, "Range": _range,
    "StridedSlice": _strided_slice, "SoftmaxCrossEntropyWithLogits": _last_axis, "TopKV2": _top_k,
    "RandomUniform": _random("minval", "maxval", (1.0, 0.0), True),
    "RandomStandardNormal": _random("mean", "stddev", (1.0, 0.0), False),
    "TruncatedNormal": _random("mean", "stddev", (1.0, 0.0), False),
}


def tf_graph_def(graph_def, graph) -> GraphDef:
    """A copy of `graph_def` (written from `graph`) with the nodes of REWRITES in TensorFlow's form."""
    out = GraphDef()
    out.CopyFrom(graph_def)
    taken = {node.name for node in out.node}
    nodes = []
    for node in out.node:
        rewrite = REWRITES.get(node.op)
        if rewrite is not None and MARKER in node.attr:
            n = _Node(graph.get_operation_by_name(node.name), node.__class__(), taken)
            n.node.CopyFrom(node)
            if rewrite(n):
                n.drop(MARKER)
                nodes += [*n.extra, n.node]
                continue
        nodes.append(node)
    del out.node[:]
    out.node.extend(nodes)
    return out
