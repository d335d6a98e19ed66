"""Kernels bound from a signature and cached: how an op runs when it is not part of a graph.

A compiled plan binds each op's kernel once from the graph's Operation. Eager execution (and anything else that
runs single ops on arrays) has no graph: `KernelCache.run(op_def, inputs, attrs)` builds a detached op from the
signature (framework/detached.py: the op's type, attributes, and the dtypes and shapes of the inputs), checks it
with the op's own shape rule (same errors as building a graph), binds the op's own kernel with this context
(array module, variable buffers, random streams), and keeps the bound kernel for the next call with the same
signature. No op is implemented twice.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..framework import dtypes
from ..framework.detached import detached_op, source
from ..framework.graph import Tensor
from .passes import _attr_key


class KernelCache:
    """Bound kernels of one RunContext, keyed by signature; the least recently used go beyond `size`."""

    def __init__(self, ctx, size=4096):
        self.ctx = ctx
        self.size = size
        self._bound = OrderedDict()
        self._by_input = {}  # a reference input's key (`_input_key`) -> the keys bound to it (`forget`)
        self.hits = self.misses = 0

    def bind(self, op_def, inputs, attrs=None):
        """(kernel, detached op) for `op_def` on `inputs`: arrays (or anything with `dtype` and `shape`) for
        value inputs, detached reference tensors (`framework.detached.source(..., ref=True)`) for variables."""
        attrs = attrs or {}
        key = (op_def, _attr_key(attrs), tuple(_input_key(x) for x in inputs))
        hit = self._bound.get(key)
        if hit is not None:
            self._bound.move_to_end(key)
            self.hits += 1
            return hit
        self.misses += 1
        op = detached_op(op_def, [x if isinstance(x, Tensor) else _source_like(x, i) for i, x in enumerate(inputs)],
                         attrs)
        hit = self._bound[key] = (op_def.kernel(op, self.ctx), op)
        for k in key[2]:
            if k[0] == "ref":
                self._by_input.setdefault(k, []).append(key)
        if len(self._bound) > self.size:
            self._unindex(self._bound.popitem(last=False)[0])
        return hit

    def _unindex(self, key):
        for k in key[2]:
            keys = self._by_input.get(k) if k[0] == "ref" else None
            if keys is not None and key in keys:
                keys.remove(key)
                if not keys:
                    del self._by_input[k]

    def forget(self, input_key):
        """Drop the kernels bound to the reference input `input_key` (("ref", its op): a variable that is gone)."""
        for key in self._by_input.pop(input_key, ()):
            self._bound.pop(key, None)

    def run(self, op_def, inputs, attrs=None):
        """Run `op_def` once on `inputs` (see `bind`); returns the list of its outputs (arrays of the context's
        array module; None for an op without outputs)."""
        kernel, op = self.bind(op_def, inputs, attrs)
        values = [x for x in inputs if not isinstance(x, Tensor)]
        out = kernel(*values)
        n = len(op.outputs)
        if n == 0:
            return []
        return [out] if n == 1 else list(out)


def _input_key(x):
    if isinstance(x, Tensor):  # a reference: the kernel is bound to that variable's buffer
        return ("ref", x.op)
    d = x.dtype
    return (d.name if isinstance(d, dtypes.DType) else np.dtype(d).str, tuple(x.shape))


def _source_like(x, i):
    d = x.dtype  # a NumPy dtype, or a DType where the value is no array (variant: a TensorArray's flow)
    return source(d if isinstance(d, dtypes.DType) else dtypes.as_dtype(np.dtype(d)), tuple(x.shape),
                  name=f"input_{i}")
