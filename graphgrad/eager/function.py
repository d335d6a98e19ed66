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
import inspect
import weakref

import numpy as np

from ..framework.graph import Graph, Operation, Tensor
from ..framework.tensor_spec import TensorSpec
from ..ops.core import placeholder
from ..runtime.plan import Plan
from ..variables import Variable
from . import context as _ctx
from .context import executing_eagerly
from .nest import flatten, pack
from .nest import structure as structure_of
from .shared_reads import own, sharing
from .tensor import EagerTensor

__all__ = ["function", "defun", "Function"]


#: `tf.config.run_functions_eagerly(True)`: every tf.function runs its Python function op by op (to debug it).
RUN_FUNCTIONS_EAGERLY = False


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
        self._ctx, self._store, self._lock = plan.ctx, plan.ctx.variables, plan.ctx.lock
        self._graph_ops = tuple(gop for gop, _ in captured)
        self._handles = tuple(eop for _, eop in captured)
        self._lent = None  # ctx.replacements when the graph's variable ops last got the variables' buffers
        self._finish = _finisher(out_structure, out_kinds)
        # the graph's variable ops stay keys of the eager store between calls (aliases of the variables' buffers)
        weakref.finalize(self, _forget, self._store, self._graph_ops)

    def __call__(self, arrays):
        """Run the plan on the feed arrays (exactly the placeholders' dtypes and shapes); the fetched arrays
        become eager tensors without a copy.

        The graph's variable op of each captured variable reads and writes the variable's own buffer: the store
        holds it under both keys. Only a buffer *replaced* (a first value, an assign or load of another shape, a
        rollback: `RunContext.set_variable` counts them) moves the aliases: before the run, the graph's ops get
        the variables' buffers again; after a run that replaced one, the variables get the graph's. Eager reads
        that share a buffer (eager/shared_reads.py) give it up first."""
        ctx = self._ctx
        with self._lock:
            if sharing():  # the plan writes its variables in place: not under reads sharing them
                for h in self._handles:
                    own(ctx, h)
            if self._lent != ctx.replacements:
                store = self._store
                store.update(zip(self._graph_ops, map(store.__getitem__, self._handles)))
                self._lent = ctx.replacements
            try:
                values = self.plan(arrays)
            finally:
                if self._lent != ctx.replacements:
                    store = self._store
                    for gop, eop in zip(self._graph_ops, self._handles):
                        if store[eop] is not store[gop]:
                            ctx.set_variable(eop, store[gop])  # counted: other traces' aliases move too
                    self._lent = ctx.replacements
        return self._finish(values)


def _forget(store, keys):
    for k in keys:
        store.pop(k, None)


def _finisher(structure, kinds):
    """`values -> result`: the function's returned structure with the plan's fetched arrays as eager tensors."""
    if len(kinds) == 1 and kinds[0][0] == "fetch" and not isinstance(structure, _NESTED):
        _, i, dtype = kinds[0]  # the common case: one tensor returned
        return lambda values: EagerTensor(values[i], dtype)

    def finish(values):
        flat = []
        for kind in kinds:
            if kind[0] == "fetch":
                flat.append(EagerTensor(values[kind[1]], kind[2]))
            else:
                flat.append(None if kind[0] == "none" else kind[1])
        return pack(structure, flat)
    return finish


class Function:
    """A callable that runs `python_function` as a compiled graph, traced once per input signature.

    A call's own key (its arguments' structure, each tensor's dtype and shape, each Python value) finds an entry
    in `_calls`: the trace of the call's *canonical* signature (the arguments bound to the Python function's
    parameters with their defaults, as TF binds them, so `f(x)`, `f(x, s=1.0)` and `f(x=x)` share a trace) and
    whether the call's own arrays are the trace's feeds in order (then they go straight to the plan; otherwise
    each call binds its arguments again). With an `input_signature` the function is traced once, for the
    signature's TensorSpecs; arguments are checked against them and converted to their dtypes."""

    def __init__(self, python_function, name=None, input_signature=None, autograph=True, **kwargs):
        self.python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self.input_signature = None if input_signature is None else _as_signature(input_signature)
        self._autograph = autograph
        self._function = None    # what is called to trace: python_function, converted by AutoGraph unless not
        self._traces: dict = {}  # canonical signature -> _Trace
        self._calls: dict = {}   # a call's own key -> (_Trace, whether its arrays are the feeds)
        self._parameters = None  # inspect.Signature of python_function, when it has one (else False)
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
                                                         name=self._name, input_signature=self.input_signature,
                                                         autograph=self._autograph)
        return bound

    def __call__(self, *args, **kwargs):
        if _ctx._tapes or RUN_FUNCTIONS_EAGERLY or not executing_eagerly():
            # Inside a graph being built (another trace, graph mode), or under a recording tape (so that the
            # gradient can reach the function's inputs): run the Python function itself.
            return self._traced_function()(*args, **kwargs)
        key, arrays = (None, None) if kwargs else _call_key(args, len(args))
        if key is None:  # keywords or nested structures
            structure = (args, kwargs)
            key, arrays = _call_key(flatten(structure), structure_of(structure))
        entry = self._calls.get(key)
        if entry is None:
            entry = self._calls[key] = self._entry(args, kwargs, arrays)
        trace, direct = entry
        return trace(arrays if direct else self._canonical(args, kwargs)[2])

    def _traced_function(self):
        """The Python function with its control flow on tensors converted (tf.autograph), unless autograph=False."""
        if self._function is None:
            from ..autograph.conversion import convert

            self._function = convert(self.python_function) if self._autograph else self.python_function
        return self._function

    def get_concrete_function(self, *args, **kwargs):
        """The trace for these arguments (traced now if new; with an input_signature, no arguments are needed):
        `.graph` is the traced graph."""
        if self.input_signature is not None and not args and not kwargs:
            signature = list(self.input_signature)
            return self._trace_of(_SIGNATURE_KEY, flatten(signature), (tuple(signature), {}))
        return self._entry(args, kwargs, None)[0]

    def _trace_of(self, key, leaves, structure):
        trace = self._traces.get(key)
        if trace is None:
            trace = self._traces[key] = self._trace(structure, leaves)
        return trace

    def _entry(self, args, kwargs, arrays):
        """(trace, direct) for a call with these arguments, tracing its canonical signature when it is new."""
        key, leaves, feed_arrays, structure = self._canonical(args, kwargs)
        trace = self._trace_of(key, leaves, structure)
        # The call's own arrays are the feeds in order (then so are those of every call with its key), told apart
        # by identity: an array passed twice could hide keywords that bind in another order.
        direct = arrays is not None and len(arrays) == len(feed_arrays) == len({id(a) for a in arrays}) and all(
            a is b for a, b in zip(arrays, feed_arrays))
        return trace, direct

    def _canonical(self, args, kwargs):
        """(signature key, leaves to trace with, arrays to feed, structure) of a call, its arguments bound to the
        function's parameters (defaults applied); with an input_signature, checked against it."""
        args, kwargs = self._bind(args, kwargs)
        if self.input_signature is not None:
            return self._signature_call(args, kwargs)
        structure = (args, kwargs)
        leaves = flatten(structure)
        key, arrays = _call_key(leaves, structure_of(structure))
        return key, leaves, arrays, structure

    def _bind(self, args, kwargs):
        if self._parameters is None:
            try:
                self._parameters = inspect.signature(self.python_function)
            except (TypeError, ValueError):  # no signature to bind to (some callables): the call as it is
                self._parameters = False
        if self._parameters is False:
            return args, kwargs
        bound = self._parameters.bind(*args, **kwargs)  # Python's own TypeError for a call that cannot bind
        if self.input_signature is None:  # (with one, the arguments are the signature's, defaults not added)
            bound.apply_defaults()
        return bound.args, bound.kwargs

    def _signature_call(self, args, kwargs):
        """A call of a function with an input_signature: its positional arguments, one per TensorSpec (nested
        alike), as arrays of the specs' dtypes; TF's TypeError for anything else."""
        signature = self.input_signature
        values = list(args)
        why = None
        if kwargs or len(values) != len(signature):
            why = "too many positional arguments" if len(values) > len(signature) or kwargs else \
                "missing a required argument"
        else:
            leaves = _leaves_up_to(list(signature), values)
            if leaves is None:
                why = "the arguments' nesting does not match the signature's"
        arrays = []
        if why is None:
            for spec, value in zip(flatten(list(signature)), leaves):
                arr, why = _conform(value, spec)
                if why is not None:
                    break
                arrays.append(arr)
        if why is not None:
            described = _describe_signature(self.python_function, signature)
            raise TypeError(f"Binding inputs to tf.function failed due to `{why}`. Received args: {args} and "
                            f"kwargs: {kwargs} for signature: ({described}).")
        return _SIGNATURE_KEY, flatten(list(signature)), arrays, (tuple(signature), {})

    def _trace(self, structure, leaves):
        from ..ops.core import convert_to_tensor

        g = FuncGraph()
        g.seed = _ctx.eager_graph().seed
        feeds, flat_args = [], []
        with g.as_default():
            for i, x in enumerate(leaves):
                if isinstance(x, (EagerTensor, np.ndarray, TensorSpec)):
                    if isinstance(x, TensorSpec):
                        dt, shape = x.dtype, x.shape
                    else:
                        dt = x.dtype if isinstance(x, EagerTensor) else _dtype_of(x)
                        shape = np.shape(x._value if isinstance(x, EagerTensor) else x)
                    ph = placeholder(dt, shape, name=f"arg{i}")
                    feeds.append(ph)
                    flat_args.append(ph)
                else:
                    flat_args.append(x)
            args, kwargs = pack(structure, flat_args)
            self.trace_count += 1
            result = self._traced_function()(*args, **kwargs)
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
            if op not in reached and op._branch is None and changes_state(op):  # (a cond's ops run through its op)
                fetches.append(op)
        captured = [(ref.op, var._handle_op) for var, ref in g.__dict__.get("_eager_variables", {}).items()]
        plan = Plan(_ctx.context(), fetches, feeds)
        g.finalize()
        return _Trace(g, plan, feeds, captured, result, kinds)


def _call_key(leaves, head):
    """(key, arrays) of a call's leaves: the key is `head` and, per leaf, a tensor's or NumPy array's dtype and
    shape, a variable's identity, another value itself (its identity when unhashable); the arrays are the
    tensors' values to feed. (None, None) when a leaf is a list, tuple or dict (the caller flattens first)."""
    key, arrays = [head], []
    for x in leaves:
        t = type(x)
        if t is EagerTensor:
            v = x._value
            key.append((v.dtype, v.shape))
            arrays.append(v)
        elif t is np.ndarray:
            key.append((x.dtype, x.shape))
            arrays.append(x)
        elif isinstance(x, _NESTED):
            return None, None
        elif isinstance(x, (EagerTensor, np.ndarray)):
            v = x._value if isinstance(x, EagerTensor) else x
            key.append((v.dtype, np.shape(v)))
            arrays.append(v)
        elif isinstance(x, Variable):
            key.append(("V", id(x)))
        else:
            try:
                key.append(("P", t, x, hash(x)))
            except TypeError:
                key.append(("O", id(x)))
    return tuple(key), arrays


def _as_signature(input_signature):
    signature = tuple(input_signature)
    for spec in flatten(list(signature)):
        if not isinstance(spec, TensorSpec):
            raise TypeError(f"input_signature must be a possibly nested sequence of TensorSpec objects, got "
                            f"{spec!r}")
    return signature


def _leaves_up_to(signature, values):
    """The values standing where the signature has TensorSpecs (a list there is one value), or None when the
    nesting differs."""
    if isinstance(signature, TensorSpec):
        return [values]
    if isinstance(signature, dict):
        if not isinstance(values, dict) or set(values) != set(signature):
            return None
        pairs = [(signature[k], values[k]) for k in sorted(signature, key=repr)]
    elif not isinstance(values, (list, tuple)) or len(values) != len(signature):
        return None
    else:
        pairs = zip(signature, values)
    out = []
    for spec, value in pairs:
        leaves = _leaves_up_to(spec, value)
        if leaves is None:
            return None
        out.extend(leaves)
    return out


def _conform(value, spec):
    """(array of the spec's dtype, None), or (None, why) when `value` does not fit `spec`: a tensor must have its
    dtype; NumPy arrays and Python values are converted as tf.convert_to_tensor with that dtype would."""
    if isinstance(value, EagerTensor):
        arr = value._value
        dtype = value.dtype.base_dtype
    else:
        try:
            arr = np.asarray(value, dtype=spec.dtype.np) if isinstance(value, np.ndarray) else \
                _converted(value, spec.dtype)
        except (TypeError, ValueError) as e:
            return None, str(e)
        dtype = spec.dtype
    shape = np.shape(arr)
    if not spec.accepts(dtype, shape):
        return None, f"Can not cast {TensorSpec(shape, dtype)} to {spec}"
    return arr, None


def _converted(value, dtype):
    from ..ops.core import convert_to_tensor

    with _ctx.init_scope():
        return convert_to_tensor(value, dtype=dtype)._value


def _describe_signature(fn, signature):
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    names += [f"arg{i}" for i in range(len(names), len(signature))]
    return ", ".join(f"{n}: {s}" for n, s in zip(names, signature))


_NESTED = (list, tuple, dict)
_SIGNATURE_KEY = ("input_signature",)  # the one trace of a function with an input_signature


def _is_random(op):
    return "seed" in op.attrs and "seed2" in op.attrs


#: Conds and loops of converted code whose branches change state (autograph/operators.py): they run for that.
EFFECTFUL = weakref.WeakSet()


def changes_state(op):
    """Whether `op` is a side effect a function runs although nothing reads it: it writes a variable, is a stateful
    op nothing consumes (a print, an iterator's step; not a variable, placeholder or random op), or is a cond or
    loop of converted code whose branches do such things."""
    d = op.op_def
    return d.mutates or op in EFFECTFUL or (d.stateful and not (d.is_variable or d.must_feed or _is_random(op))
                                             and not any(t._consumers for t in op.outputs))


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
