"""The switch between graph building and eager execution, and the eager dispatch of an op.

Eager execution is a process-wide mode, as in TensorFlow 1.x (`tf.enable_eager_execution()` at program start):
the global default graph becomes the *eager graph*, a `Graph` whose `create_op` runs the op at once instead of
adding it. Every public function already ends in `apply_op` -> `graph.create_op`, so no op is written twice: the
eager graph checks the op with its own shape rule and runs its own kernel, bound once per signature through
`runtime.kernels.KernelCache`, and returns eager tensors that hold the values.

`executing_eagerly()` is true while the eager graph is the default graph: inside `with tf.Graph().as_default():`
(and while `tf.function` traces a Python function) ops are built into that graph as usual.
"""
from __future__ import annotations

import contextlib
import time

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, OpError
from ..framework.graph import Graph, GraphKeys, Operation, Tensor, _default_graph_stack, _DefaultGraphStack
from ..ops.result_buffers import EAGER_FROM, KeptResults
from ..runtime.context import RunContext
from ..runtime.kernels import KernelCache
from ..runtime.passes import _attr_key
from ..runtime.plan import _tf_message
from .shared_reads import SHARE_FROM, follow, own

__all__ = ["enable_eager_execution", "executing_eagerly", "eager_mode", "graph_mode", "init_scope"]


class _EagerRunContext(RunContext):
    """The run context of eager execution (and of the plans of `tf.function`): its random streams are keyed by
    the ops' (seed, seed2) pair, so every call of a seeded random op continues one stream and
    `tf.set_random_seed` restarts them all (TF eager's "reproducible sequence")."""

    def __init__(self):
        super().__init__()
        self._unseeded = np.random.default_rng()

    def rng(self, op):
        key = (op.attrs.get("seed", 0), op.attrs.get("seed2", 0))
        if key == (0, 0):
            return self._unseeded
        gen = self._rngs.get(key)
        if gen is None:
            gen = self._rngs[key] = np.random.default_rng(list(key))
        return gen

    def restart_streams(self):
        """Every seeded stream back to its start (in place: bound kernels hold the generators)."""
        for key, gen in self._rngs.items():
            gen.bit_generator.state = np.random.default_rng(list(key)).bit_generator.state


class _NullScope:
    """What `name_scope` and `control_dependencies` are when executing eagerly: nothing (ops run in program order
    and have no names to scope). Reusable and reentrant."""

    __slots__ = ()

    def __enter__(self):
        return ""

    def __exit__(self, *exc):
        return False


_NULL_SCOPE = _NullScope()


class _NoStore(dict):
    """get_variable's store of the eager graph: keeps nothing (TF1 eager creates a new variable each call)."""

    def __setitem__(self, key, value):
        pass


class EagerOperation(Operation):
    """The record of one executed op: its definition, attributes and the eager tensors it read and produced. A
    gradient rule reads it as it reads a graph Operation (`op.inputs`, `op.outputs`, `op.attrs`), so the ops'
    existing gradient rules replay on a tape. Made only when a tape records the op."""

    __slots__ = ("_key", "_tapes")
    _counter = 0

    def __init__(self, op_def, attrs, inputs, name):
        self.graph = _EAGER
        self.op_def = op_def
        self.name = name
        self.inputs = inputs
        self.attrs = attrs
        self.control_inputs = []
        self.device = ""
        self.outputs = []
        EagerOperation._counter += 1
        self._id = EagerOperation._counter  # program order: a tape replays its records in reverse of this
        self._control_outputs = []
        self._branch = None
        self._key = None  # the dispatch signature (op, attributes, input dtypes and shapes): replays key on it
        self._tapes = 0   # how many tapes hold the record


class EagerGraph(Graph):
    """The default graph while executing eagerly. `create_op` runs the op now and returns its record, whose outputs
    are eager tensors; scopes, control dependencies and collections do nothing (ops run in program order)."""

    _is_eager = True

    def __init__(self):
        self._ctx = _EagerRunContext()
        self._seed = None
        super().__init__()
        self._variable_store = _NoStore()
        self._kernels = KernelCache(self._ctx)
        self._entries = {}
        self._bound_to = {}  # a variable's handle op -> the keys of `_entries` bound to it (`forget_variable`)

    # --- what graph building does that means nothing here ---------------------------------------------------
    def name_scope(self, name):
        return _NULL_SCOPE

    def control_dependencies(self, control_inputs):
        return _NULL_SCOPE

    def add_to_collection(self, name, value):
        if name == GraphKeys.GLOBAL_STEP:  # kept, as TF eager does: get_or_create_global_step finds it again
            super().add_to_collection(name, value)

    def add_to_collections(self, names, value):
        for name in [names] if isinstance(names, str) else names:
            self.add_to_collection(name, value)

    def get_collection(self, name, scope=None):
        return super().get_collection(name) if name == GraphKeys.GLOBAL_STEP else []

    def get_collection_ref(self, name):
        return []

    @property
    def version(self):
        return 0

    @property
    def seed(self):
        return self._seed

    @seed.setter
    def seed(self, value):
        """`tf.set_random_seed(s)` while eager: new random ops use streams seeded from s, and the streams already
        seeded restart, so the same program after the same call draws the same numbers."""
        self._seed = value
        self._ctx.restart_streams()

    def _reset(self):
        self.seed = None
        return self

    def finalize(self):
        raise RuntimeError("The eager graph cannot be finalized: eager execution adds no ops to any graph.")

    # --- running an op ---------------------------------------------------------------------------------------
    def create_op(self, op_def, inputs, attrs=None, name=None):
        if _default_graph_stack.stack and _default_graph_stack.stack[-1] is not self:
            # building a graph (tf.function tracing) with an eager tensor as the first input
            return _default_graph_stack.stack[-1].create_op(op_def, inputs, attrs, name)
        if op_def.must_feed:
            raise RuntimeError(f"tf.placeholder() is not compatible with eager execution ({op_def.type}): pass "
                               "the values themselves (NumPy arrays or tensors) to the ops, or build a graph under "
                               "`with tf.Graph().as_default():`.")
        attrs = attrs or {}
        if op_def.is_constant:
            return self._run_constant(op_def, attrs)
        values = []
        key = [op_def, _fast_attr_key(attrs) if attrs else None]
        for t in inputs:
            if t.__class__ is EagerTensor:
                v = t._value
                values.append(v)
                try:
                    key.append(v.dtype)
                    key.append(v.shape)
                except AttributeError:  # a TensorArray's flow: a tuple of its elements, keyed by its dtype
                    key.append(t.dtype)
            else:
                key.append(_input_kind(t))
        key = tuple(key)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._bind(key, op_def, inputs, values, attrs)
        kernel, out_specs, copy, dop = entry
        try:
            out = kernel(*values)
        except OpError:
            raise
        except Exception as e:
            raise InvalidArgumentError(dop.node_def, dop, f"{_tf_message(e, len(inputs))}\n\t [[{{{{node "
                                       f"{op_def.type}}}}} = {op_def.type}]]") from e
        n = len(out_specs)
        watchers = _watchers(inputs) if _tapes else None
        op = EagerOperation(op_def, attrs, tuple(inputs), name or op_def.type) if watchers else dop
        if n == 1:
            dt, shape = out_specs[0]
            if copy:
                out = np.array(out, copy=True)
            outs = [EagerTensor(out, dt, op, 0, shape)]
            if op_def.mutates and op_def.ref_inputs:  # the updated variable: it moves with the buffer
                follow(dop.inputs[op_def.ref_inputs[0]].op, outs[0])
        elif n == 0:
            outs = []
        else:
            outs = [EagerTensor(np.array(v, copy=True) if copy else v, dt, op, i, shape)
                    for i, (v, (dt, shape)) in enumerate(zip(out, out_specs))]
        if _captures:
            _captures[-1].dispatched(entry, inputs, outs)
        if op is not dop:
            op.outputs = outs
            op._key = key
            for tape in watchers:
                tape._record(op)
            return op
        return _Outputs(outs) if n else dop

    def _bind(self, key, op_def, inputs, values, attrs):
        it = iter(values)
        bind_in = []
        for t in inputs:
            if t.__class__ is EagerTensor:
                v = next(it)
                bind_in.append(v if hasattr(v, "dtype") else _FlowSpec(t.dtype.base_dtype))
            elif isinstance(t, Tensor) and t.graph is self and t.dtype.is_ref_dtype:
                bind_in.append(t)  # an eager variable's handle
            else:
                raise ValueError(f"Tensor {t.name} of graph {t.graph!r} cannot be an input of an op run eagerly "
                                 f"({op_def.type}): a graph tensor has no value. Run it in a tf.Session, or compute "
                                 "it eagerly.")
        kernel, dop = self._kernels.bind(op_def, bind_in, attrs)
        dop.graph = self  # what `group(...)` and the gradient rules find through a tensor's `op`
        specs = []
        for t in dop.outputs:
            shape = t.shape if t.shape.is_fully_defined() else None  # else from the value
            specs.append((t.dtype.base_dtype, shape))
        # A variable op's value is copied; an update's result (the updated variable) is not: like TF2's
        # `assign_add`, which returns the variable itself, it shows the variable's current value.
        copy = bool(op_def.is_variable)
        kernel = _recycling(kernel, key, op_def, dop, values, self._ctx.xp)
        kernel = _compiling(kernel, dop, self._ctx.xp)
        if op_def.mutates and op_def.ref_inputs:
            kernel = _owning(kernel, [inputs[i] for i in op_def.ref_inputs], self._ctx)
        entry = (kernel, tuple(specs), copy, dop)
        if len(self._entries) > 8192:
            self._entries.clear()
            self._bound_to.clear()
        self._entries[key] = entry
        for t in inputs:
            if t.__class__ is not EagerTensor:
                self._bound_to.setdefault(t.op, []).append(key)
        return entry

    def forget_variable(self, handle_op):
        """A variable is gone: the kernels bound to it go too (an optimizer's update kernel keeps scratch
        buffers: a program that makes models again and again would otherwise hold them all)."""
        for key in self._bound_to.pop(handle_op, ()):
            self._entries.pop(key, None)
        self._kernels.forget(("ref", handle_op))

    def _run_constant(self, op_def, attrs):
        """A Const: its own shape rule and kernel on a record of its own (its value is an attribute, so a bound
        kernel would serve this one value only)."""
        op = EagerOperation(op_def, attrs, (), op_def.type)
        (_, dt), = op_def.infer(op)
        op.outputs = [EagerTensor(op_def.kernel(op, self._ctx)(), dtypes.as_dtype(dt).base_dtype, op, 0)]
        return op


class _FlowSpec:
    """What a kernel is bound for where an input's value is not an array (a TensorArray's flow, a tuple of its
    elements): its dtype (variant), and no dimensions."""

    shape = ()

    def __init__(self, dtype):
        self.dtype = dtype


def _owning(kernel, refs, ctx):
    """`kernel` of an op that writes the variables `refs` (their handles) in place, run once reads no longer
    share their buffers (eager/shared_reads.py). A variable too small for its reads to share it (its shape known
    and fixed) needs no check."""
    handles = [r.op for r in refs if not (r.shape.is_fully_defined()
                                          and r.shape.num_elements() * r.dtype.base_dtype.size < SHARE_FROM)]
    if not handles:
        return kernel
    if len(handles) == 1:
        handle, = handles

        def owning(*args):
            own(ctx, handle)
            return kernel(*args)
        return owning

    def owning_all(*args):
        for h in handles:
            own(ctx, h)
        return kernel(*args)
    return owning_all


#: Matrix products' results kept for their next run (`_recycling`): at most this many bytes per thread.
KEEP_PRODUCTS = 256 << 20
_kept = KeptResults(KEEP_PRODUCTS)


def _recycling(kernel, key, op_def, dop, values, xp):
    """`kernel`, or for a 2-D product of EAGER_FROM bytes or more (an op with `result_shape`, on NumPy arrays) a
    kernel that writes into its last result once the step that used it is over and nothing holds it
    (ops/result_buffers.py): an eager training loop's forward products and weight gradients then reuse their
    memory every step instead of allocating it anew (W3 eager: two 64 MiB gradients, 8 MiB activations)."""
    shape_of = op_def.result_shape(dop) if op_def.result_shape is not None else None
    if shape_of is None or xp is not np or len(values) != 2 or len(dop.outputs) != 1:
        return kernel
    shape = shape_of(*values)
    dtype = dop.outputs[0].dtype.base_dtype
    if not dtype.is_floating or np.prod(shape) * dtype.size < EAGER_FROM:
        return kernel
    dt = dtype.np

    def product(a, b):
        return kernel(a, b, out=_kept.get(key, np, shape, dt))
    return product


class _CompileClock:
    """The calls of, and seconds in, eager kernels that compiled code would serve (`_compiling`) until it is
    loaded: `due` is cleared then, or once it cannot be; `convolutions`: whether one of them was a convolution."""
    due = True
    calls = 0
    seconds = 0.0
    convolutions = False


def _compiling(kernel, dop, xp):
    """`kernel`, or for an op that compiled code serves better a kernel that counts its runs and time, and once
    such eager kernels have run as many times and as long as a plan runs before it compiles its islands
    (runtime/jit.py) loads that code, as a plan would:

    - a convolution (`OpDef.large_products`: its kernel gives the GEMM pool whole passes) starts the pool: the
      convolutions then run as the pool's passes, products are split over the cores and big updates compiled
      over them, and max pools use runtime/jitlib.py's loops (`RunContext.compiled_loop`), as in graph mode;
    - an optimizer's update of a variable of `gemm_pool.HERE_FROM` elements or more whose NumPy kernel makes
      several passes (Adam's 12) loads Numba and runtime/jitlib.py: updates then run their rule compiled as one
      loop (`RunContext.compiled_update`).

    Big products alone do not start the pool: an eager step's Python and variable copies between them leave the
    workers time to fall asleep, and a worker woken late leaves its blocks to the caller (W3 eager on OpenBLAS:
    0.39 -> 0.50 s/step in `python -m bench`, where a plan's back-to-back products keep them awake). Nothing is
    loaded where islands are off (`GRAPHGRAD_JIT=0`), nor on the GPU. W5 and W2 eager: see docs/eager.md."""
    if not _CompileClock.due or xp is not np:
        return kernel
    from ..runtime import gemm_pool, jit
    od = dop.op_def
    convolution = od.large_products
    if not convolution:
        shape = dop.inputs[0].shape if od.update_rule is not None else None
        if (shape is None or not shape.is_fully_defined() or shape.num_elements() < gemm_pool.HERE_FROM
                or jit.jit_calls(dop) < 3):
            return kernel
    if not (jit.jit_default() and (not convolution or gemm_pool.wanted())):
        return kernel
    clock = time.perf_counter

    def counted(*args, **kw):
        if not _CompileClock.due:
            return kernel(*args, **kw)
        t0 = clock()
        try:
            return kernel(*args, **kw)
        finally:
            _CompileClock.calls += 1
            _CompileClock.seconds += clock() - t0
            _CompileClock.convolutions |= convolution
            if _CompileClock.calls >= jit.runs_before_jit() and _CompileClock.seconds >= jit.seconds_before_jit():
                _CompileClock.due = False
                if jit.jit_default():  # (unless islands were turned off since)
                    _load_compiled(_CompileClock.convolutions)
    return counted


def _load_compiled(convolutions):
    """Load runtime/jitlib.py (and Numba), and start the GEMM pool where convolutions asked for it."""
    from ..runtime import gemm_pool
    try:
        from ..runtime import jitlib  # noqa: F401 - what RunContext.compiled_loop / compiled_update look for
    except ImportError:  # no Numba after all
        return
    if convolutions:
        gemm_pool.start()


class _Outputs:
    """What `create_op` returns for an op that no tape records: just its outputs (what `apply_op` reads)."""

    __slots__ = ("outputs",)

    def __init__(self, outputs):
        self.outputs = outputs


_PLAIN = {bool, int, str, type(None), dtypes.DType}


def _fast_attr_key(attrs):
    """The cache key of an op's attributes: the items themselves when they are plain values (most ops: flags,
    axes, dtypes), else `_attr_key`'s canonical form."""
    items = []
    for k, v in attrs.items():
        t = type(v)
        if t not in _PLAIN:
            return _attr_key(attrs)
        items.append((k, t, v))
    return tuple(items)


def _input_kind(t):
    if isinstance(t, Tensor) and t.dtype.is_ref_dtype:
        return ("ref", t.op)
    return ("graph", id(t))


# --- the mode switch ---------------------------------------------------------------------------------------

_EAGER = None      # the eager graph (made on first use)
_saved_graph = []  # the graph-mode global default graphs replaced by the eager graph, to go back to


def eager_graph() -> EagerGraph:
    global _EAGER
    if _EAGER is None:
        _EAGER = EagerGraph()
        EagerTensor.graph = _EAGER
    return _EAGER


def context():
    """The RunContext eager ops run in (variable buffers, random streams)."""
    return eager_graph()._ctx


def executing_eagerly() -> bool:
    """Whether ops run as they are called (eager execution enabled, and no graph being built)."""
    stack = _default_graph_stack.stack
    g = stack[-1] if stack else _DefaultGraphStack._global_default
    return g._is_eager


def eager_enabled() -> bool:
    """Whether eager execution is switched on for the process (even while a graph is being built)."""
    return _DefaultGraphStack._global_default._is_eager


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """TF1's switch, called at program start: from now on ops run as they are called and return tensors that hold
    their values (`.numpy()`). Graphs can still be built inside `with tf.Graph().as_default():`."""
    if _default_graph_stack.stack:
        raise ValueError("tf.enable_eager_execution must be called at program startup (not while a graph is "
                         "the default graph).")
    g = _DefaultGraphStack._global_default
    if not g._is_eager:
        _saved_graph.append(g)
        _DefaultGraphStack._global_default = eager_graph()


def _disable_eager_execution():
    """Back to graph mode, with the default graph that was there before eager execution was enabled."""
    if _DefaultGraphStack._global_default._is_eager:
        _DefaultGraphStack._global_default = _saved_graph.pop() if _saved_graph else Graph()
        g = eager_graph()  # the next eager block starts without this one's global step and layer names
        g._collections.clear()
        g._var_scope_counts.clear()


@contextlib.contextmanager
def eager_mode():
    """Eager execution inside the block, graph mode (as it was) after it: for tests and notebooks that mix both.
    The default graph stack of the thread is set aside inside, so the block really executes eagerly."""
    was = eager_enabled()
    stack = _default_graph_stack.stack
    saved, stack[:] = list(stack), []
    enable_eager_execution()
    try:
        yield
    finally:
        if not was:
            _disable_eager_execution()
        stack[:] = saved


@contextlib.contextmanager
def graph_mode():
    """Graph building inside the block even when eager execution is enabled (a fresh default graph)."""
    with Graph().as_default() as g:
        yield g


@contextlib.contextmanager
def init_scope():
    """Leave any graph being traced for the eager context (when eager execution is enabled): where `tf.function`
    creates variables and optimizer slots, so they outlive the trace. In graph mode it changes nothing."""
    if not eager_enabled() or executing_eagerly():
        yield
        return
    stack = _default_graph_stack.stack
    saved, stack[:] = list(stack), []
    try:
        yield
    finally:
        stack[:] = saved


# --- Python scalars converted while executing eagerly --------------------------------------------------------

_scalars: dict = {}


def _eager_scalar(value, dtype, preferred_dtype):
    """`convert_to_tensor` of a Python scalar while executing eagerly: one constant per (value, dtype) kept for
    the next use (`x * 2.0` in a loop converts 2.0 once). Floats are told apart by their bits (0.0 and -0.0)."""
    if not executing_eagerly():
        return None
    key = (value.hex() if type(value) is float else value, type(value), dtype, preferred_dtype)
    t = _scalars.get(key)
    if t is None:
        from ..ops.core import constant

        if dtype is None and preferred_dtype is not None:
            try:
                t = constant(value, dtype=preferred_dtype)
            except (TypeError, ValueError):
                pass
        if t is None:
            t = constant(value, dtype=dtype)
        if len(_scalars) > 4096:
            _scalars.clear()
        _scalars[key] = t
    return t


def _install():
    from ..ops import core

    core._eager_scalar = _eager_scalar


_install()


# --- tapes (graphgrad/eager/tape.py registers itself here) ----------------------------------------------------

#: The captures of replay.py being made, innermost last: each dispatch reports its bound kernel to the last.
_captures: list = []

#: The tapes being recorded, innermost last (per process: eager execution runs on the thread that enabled it).
_tapes: list = []


def _watchers(inputs):
    """The recording tapes that watch one of `inputs` (they record the op), or None."""
    found = None
    for tape in _tapes:
        if tape._recording:
            ids = tape._ids
            for t in inputs:
                if id(t) in ids:
                    if found is None:
                        found = [tape]
                    else:
                        found.append(tape)
                    break
    return found


from .tensor import EagerTensor  # noqa: E402  (the tensor class needs this module's graph)
