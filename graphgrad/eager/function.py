"""`tf.function` (TF1: `tf.contrib.eager.defun`): a Python function traced into a graph once per input signature
and run as a compiled plan, so an eager training step gets graph speed.

The signature of a call is the structure of its arguments with, for each tensor (or NumPy array), its dtype and
shape, and for every other Python value the value itself (or the object's identity when it is not hashable). A
new signature traces the function again: it runs once, building a graph (`executing_eagerly()` is False while it
does, so Python side effects such as `print` happen only then, as in TF), and the graph is compiled into a `Plan`
in the eager run context. Variables used by the function are captured: the graph's VariableV2 op for each one
reads and writes the variable's own buffer, so a traced training step updates the eager variables in place.
Variables and optimizer slots created while tracing are lifted out of the graph (created eagerly).

Besides what the function returns, the plan runs every op of the trace that writes a variable or prints
(`stateful`, and not a variable, placeholder or random draw nobody reads), as TF runs a function's stateful ops.
"""
from __future__ import annotations

import functools
import weakref

import numpy as np

from ..framework.graph import Graph, Operation, Tensor
from ..ops.core import placeholder
from ..runtime.plan import Plan
from ..variables import Variable
from . import context as _ctx
from .context import executing_eagerly
from .nest import flatten, pack
from .nest import structure as structure_of
from .tensor import EagerTensor

__all__ = ["function", "defun", "Function"]


class FuncGraph(Graph):
    """The graph a traced function is built in: variables created in it are lifted out (made eagerly)."""

    _lifts_variables = True


class _Trace:
    """One traced signature: its graph, its plan and how to call it."""

    def __init__(self, graph, plan, feeds, captured, out_structure, out_kinds):
        self.graph = graph
        self.plan = plan
        self.feeds = feeds
        self.captured = captured          # [(graph VariableV2 op, eager variable handle op)]
        self.out_structure = out_structure
        self.out_kinds = out_kinds        # per flattened output: ("fetch", index, dtype) / ("none",) / ("py", v)

    def __call__(self, arrays):
        ctx = _ctx.context()
        store = ctx.variables
        with ctx.lock:
            for gop, eop in self.captured:
                store[gop] = store[eop]
            try:
                values = self.plan(arrays)
            finally:
                for gop, eop in self.captured:
                    store[eop] = store.pop(gop)
        flat = []
        for kind in self.out_kinds:
            if kind[0] == "fetch":
                flat.append(EagerTensor(values[kind[1]], kind[2]))
            elif kind[0] == "none":
                flat.append(None)
            else:
                flat.append(kind[1])
        return pack(self.out_structure, flat)


class Function:
    """A callable that runs `python_function` as a compiled graph, traced once per input signature."""

    def __init__(self, python_function, name=None, input_signature=None, autograph=True, **kwargs):
        self.python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._traces: dict = {}
        self._instances = weakref.WeakKeyDictionary()
        functools.update_wrapper(self, python_function)
        #: how many times the Python function was traced (one per new signature)
        self.trace_count = 0

    def __get__(self, instance, owner):
        """A tf.function on a method: one Function per instance (its traces read that instance's variables)."""
        if instance is None:
            return self
        bound = self._instances.get(instance)
        if bound is None:
            bound = self._instances[instance] = Function(self.python_function.__get__(instance, owner),
                                                         name=self._name)
        return bound

    def __call__(self, *args, **kwargs):
        if not executing_eagerly() or _ctx._tapes:
            # Inside a graph being built (another trace, graph mode), or under a recording tape (so that the
            # gradient can reach the function's inputs): run the Python function itself.
            return self.python_function(*args, **kwargs)
        structure = (args, kwargs)
        if not kwargs and not any(type(x) in _NESTED for x in args):
            leaves, shape = args, len(args)  # the common case: flat positional arguments
        else:
            leaves, shape = flatten(structure), structure_of(structure)
        key, tensors = [shape], []
        for x in leaves:
            t = type(x)
            if t is EagerTensor:
                v = x._value
                key.append((v.dtype, np.shape(v)))
                tensors.append(v)
            elif t is np.ndarray:
                key.append((x.dtype, x.shape))
                tensors.append(x)
            elif isinstance(x, Variable):
                key.append(("V", id(x)))
            else:
                try:
                    key.append(("P", t, x, hash(x)))
                except TypeError:
                    key.append(("O", id(x)))
        key = tuple(key)
        trace = self._traces.get(key)
        if trace is None:
            trace = self._traces[key] = self._trace(structure, list(leaves))
        return trace(tensors)

    def get_concrete_function(self, *args, **kwargs):
        """The trace for these arguments (traced now if new): `.graph` is the traced graph."""
        self(*args, **kwargs)
        return list(self._traces.values())[-1]

    def _trace(self, structure, leaves):
        from ..ops.core import convert_to_tensor

        g = FuncGraph()
        g.seed = _ctx.eager_graph().seed
        feeds, flat_args = [], []
        with g.as_default():
            for i, x in enumerate(leaves):
                if isinstance(x, (EagerTensor, np.ndarray)):
                    dt = x.dtype if isinstance(x, EagerTensor) else _dtype_of(x)
                    ph = placeholder(dt, np.shape(x._value if isinstance(x, EagerTensor) else x), name=f"arg{i}")
                    feeds.append(ph)
                    flat_args.append(ph)
                else:
                    flat_args.append(x)
            args, kwargs = pack(structure, flat_args)
            self.trace_count += 1
            result = self.python_function(*args, **kwargs)
            outs = flatten(result)
            fetches, kinds = [], []
            for o in outs:
                if o is None:
                    kinds.append(("none",))
                elif isinstance(o, Operation):
                    fetches.append(o)
                    kinds.append(("none",))
                elif isinstance(o, (Tensor, Variable)) or hasattr(o, "_as_tensor"):
                    t = convert_to_tensor(o)
                    kinds.append(("fetch", len(fetches), t.dtype.base_dtype))
                    fetches.append(t)
                else:
                    kinds.append(("py", o))
        reached = _reached(fetches)
        for op in g.get_operations():  # the function's side effects run even when it does not return them
            d = op.op_def
            if op in reached:
                continue
            if d.mutates or (d.stateful and not (d.is_variable or d.must_feed or _is_random(op))
                             and not any(t._consumers for t in op.outputs)):
                fetches.append(op)
        captured = [(ref.op, var._handle_op) for var, ref in g.__dict__.get("_eager_variables", {}).items()]
        plan = Plan(_ctx.context(), fetches, feeds)
        g.finalize()
        return _Trace(g, plan, feeds, captured, result, kinds)


_NESTED = (list, tuple, dict)


def _is_random(op):
    return "seed" in op.attrs and "seed2" in op.attrs


def _reached(fetches):
    seen, stack = set(), [f if isinstance(f, Operation) else f.op for f in fetches]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return seen


def _dtype_of(a):
    from ..framework import dtypes

    return dtypes.as_dtype(a.dtype)


def function(func=None, input_signature=None, autograph=True, experimental_relax_shapes=False, **kwargs):
    """Trace `func` into a graph once per input signature and run the compiled graph (usable as `@tf.function`
    or `@tf.function(...)`)."""
    if func is None:
        return lambda f: Function(f, input_signature=input_signature, autograph=autograph)
    return Function(func, input_signature=input_signature, autograph=autograph)


defun = function
