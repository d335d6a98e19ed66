"""Session: owns variable values and runs compiled plans, one per (fetches, feed keys) signature."""
from __future__ import annotations

import contextlib
import os
import threading
import warnings

import numpy as np

from ..framework.graph import Graph, Operation, Tensor, get_default_graph
from .backends import Placement
from .context import RunContext
from .passes import optimize_default
from .plan import Plan
from .precision import ENV_VAR as PRECISION_ENV_VAR
from .precision import canonical as canonical_precision


class GraphGrowthWarning(UserWarning):
    """Ops keep being added between runs: usually an op built inside the training loop."""


class _Fetches:
    """Flattens a nested fetch structure (lists, tuples, dicts, namedtuples) and rebuilds it."""

    def __init__(self, fetches):
        self.elems = []
        self.template = self._flatten(fetches)
        kind, items = self.template if isinstance(self.template, tuple) else (None, None)
        # A flat list or tuple in order (the common `[train_op, loss]`) is rebuilt without walking the template.
        self.flat = kind if kind in (list, tuple) and items == list(range(len(items))) else None

    def _flatten(self, f):
        parts = getattr(f, "_composite_parts", None)
        if parts is not None:  # an IndexedSlices: fetched as its `_fetched_as` of its parts
            return (f._fetched_as, [self._flatten(x) for x in parts()])
        if isinstance(f, (list, tuple)) and not hasattr(f, "_as_graph_element"):  # `_fetched_as`: SparseTensor's
            return (getattr(f, "_fetched_as", type(f)), [self._flatten(x) for x in f])
        if isinstance(f, dict):
            return (type(f), [(k, self._flatten(v)) for k, v in f.items()])
        self.elems.append(f)
        return len(self.elems) - 1

    def rebuild(self, values, t=None):
        if t is None:
            if self.flat is list:
                return values
            if self.flat is tuple:
                return tuple(values)
            t = self.template
        if isinstance(t, int):
            return values[t]
        kind, items = t
        if issubclass(kind, dict):
            return kind((k, self.rebuild(values, v)) for k, v in items)
        built = [self.rebuild(values, x) for x in items]
        if kind in (list, tuple):
            return kind(built)
        return kind(*built) if hasattr(kind, "_fields") else kind(built)


def _is_composite(key):
    """A feed key of several tensors: a namedtuple of them (a SparseTensor, an LSTMStateTuple), a plain tuple of
    keys (a MultiRNNCell's state: TF1 feeds a nested structure with a value of the same structure), or a value
    with `_composite_parts` (an IndexedSlices), fed with a value per part."""
    return type(key) is tuple or (isinstance(key, tuple) and hasattr(key, "_fields")) \
        or hasattr(key, "_composite_parts")


def _parts(key):
    """The tensors a feed key stands for, nested tuples flattened in order."""
    parts = getattr(key, "_composite_parts", None)
    if parts is not None:
        return parts()
    if _is_composite(key):
        return tuple(t for k in key for t in _parts(k))
    return (key,)


def _value_parts(key, value):
    """The value fed to a composite `key`, split as `_parts` splits the key."""
    if not _is_composite(key):
        return [value]
    if hasattr(key, "_composite_parts") or type(key).__name__ == "SparseTensor":
        n = len(_parts(key))
        if not isinstance(value, (tuple, list)) or len(value) != n:
            raise TypeError(f"The value fed to a SparseTensor must be a SparseTensorValue or a tuple of {n} "
                            f"(indices, values, dense_shape), got {type(value).__name__}")
        return list(value)
    if not isinstance(value, (tuple, list)) or len(value) != len(key):
        raise ValueError(f"The feed key is a structure of {len(key)} elements, its value must have the same "
                         f"structure, got {type(value).__name__} {value!r:.80}")
    return [v for k, x in zip(key, value) for v in _value_parts(k, x)]


def _split_feeds(values, composite):
    """The fed values with each composite key's value (a SparseTensorValue, a tuple, a nested state) split into
    its parts, in the order of `Session._compile`'s feed tensors; `composite` holds each key that needs it."""
    flat = []
    for v, key in zip(values, composite):
        if key is None:
            flat.append(v)
        else:
            flat.extend(_value_parts(key, v))
    return flat


def _freeze(f):
    """A hashable key for a fetch structure: equal for the same elements in the same nesting and types."""
    t = type(f)
    if t is list or t is tuple or (isinstance(f, tuple) and hasattr(f, "_fields")):
        return (t, tuple(_freeze(x) for x in f))
    if hasattr(f, "_composite_parts"):
        return (t, f._composite_parts())
    if isinstance(f, dict):
        return (t, tuple((k, _freeze(v)) for k, v in f.items()))
    return f


class _DefaultSessionStack(threading.local):
    def __init__(self):
        self.stack = []


_default_sessions = _DefaultSessionStack()


def get_default_session():
    return _default_sessions.stack[-1] if _default_sessions.stack else None


def _session_for(session, graph):
    s = session or get_default_session()
    if s is None:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. Use `with "
                         "sess.as_default()` or pass an explicit session to `eval(session=sess)`")
    if s.graph is not graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's graph is different "
                         "from the session's graph.")
    return s


class Session:
    """Runs ops of `graph`; variable values live here, so two sessions on one graph are independent."""

    _GROWTH_RUNS = 10  # runs that found new ops (in a row or not: a loop may also run without building)

    def __init__(self, target="", graph=None, config=None, device=None, optimize=True, matmul_precision=None):
        """`device` ("/cpu:0", "/gpu:0", "cpu", "gpu") picks the backend every op of this session runs on;
        without it `config` (a dict or tf.ConfigProto) and the GRAPHGRAD_DEVICE variable decide (docs/devices.md).
        `optimize=False` (or GRAPHGRAD_OPTIMIZE=0) turns off the plan's graph passes (docs/plan-compiler.md).
        `matmul_precision` ("float32", "tensorfloat32", "bfloat16", "float16"; default: the
        GRAPHGRAD_MATMUL_PRECISION variable, else float32) sets the inputs of float32 matrix products
        (docs/devices.md, mixed precision)."""
        self.graph = graph if graph is not None else get_default_graph()
        if not isinstance(self.graph, Graph):
            raise TypeError(f"graph must be a tf.Graph, but got {type(self.graph).__name__}")
        if self.graph._is_eager:
            raise RuntimeError("tf.Session is not compatible with eager execution: ops run as they are called and "
                               "their results hold values (`tensor.numpy()`). To run a graph, build it under `with "
                               "tf.Graph().as_default() as g:` and pass `tf.Session(graph=g)`.")
        if matmul_precision is None:
            matmul_precision = os.environ.get(PRECISION_ENV_VAR) or None
        precision = canonical_precision(matmul_precision)
        self._placement = Placement(device, config, self.graph)
        self._ctx = RunContext(self._placement.backend, precision)
        self._feed_to_device = None if self._ctx.xp is np else self._ctx.to_device
        if config is not None:
            from ..config import apply_session_config

            apply_session_config(config)
        self._optimize = bool(optimize) and optimize_default()
        self._ctx.optimize = self._optimize
        self._plans = {}
        self._closed = False
        self._last_version = self.graph.version
        self._growth_runs = 0
        self._warned_growth = False
        self._default_cm = None

    # --- running ----------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluate `fetches` (a tensor, op, name or any nesting of them); returns the same structure."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        feed_dict = feed_dict or {}
        if options is not None or run_metadata is not None:
            return self._run_with_options(fetches, feed_dict, options, run_metadata)
        try:
            key = (_freeze(fetches), tuple(feed_dict))
            entry = self._plans.get(key)  # hashes the key once
        except TypeError:  # an unhashable fetch: compiled each run (and reported by _compile if invalid)
            key = entry = None
        if entry is None:
            entry = self._compile(fetches, feed_dict)
            if key is not None:
                self._plans[key] = entry
        plan, structure = entry
        composite = plan.composite_feeds
        if self.graph.version != self._last_version:
            self._note_growth()
        feeds = plan.check_feeds(feed_dict.values() if composite is None
                                 else _split_feeds(feed_dict.values(), composite)) if feed_dict else ()
        if feeds and self._feed_to_device is not None:
            feeds = [self._feed_to_device(f) for f in feeds]
        values = plan(feeds)
        return values[0] if structure is None else structure.rebuild(values)

    def _run_with_options(self, fetches, feed_dict, options, run_metadata):
        """`run` with a RunOptions and/or a RunMetadata: `timeout_in_ms` bounds the run's waits (a queue op,
        DeadlineExceededError after it), and with a `trace_level` and a RunMetadata the kernels are timed into
        `run_metadata.step_stats` (one device, one NodeExecStats per op run, as TF's tracer fills it; the
        metadata of each run replaces the last's, as in TF)."""
        from .run_metadata import RunOptions, fill_step_stats

        if run_metadata is not None:
            run_metadata.Clear()  # TF parses each run's metadata into it afresh
        trace = run_metadata is not None and options is not None and options.trace_level != RunOptions.NO_TRACE
        timeout = options.timeout_in_ms if options is not None else 0
        if not trace:
            if timeout <= 0:
                return self.run(fetches, feed_dict)
            with self._ctx.deadline(timeout / 1000):
                return self.run(fetches, feed_dict)
        try:
            key = ("traced", _freeze(fetches), tuple(feed_dict))
            entry = self._plans.get(key)
        except TypeError:
            key = entry = None
        if entry is None:
            entry = self._compile(fetches, feed_dict)
            entry[0].enable_trace()
            if key is not None:
                self._plans[key] = entry
        plan, structure = entry
        composite = plan.composite_feeds
        feeds = plan.check_feeds(feed_dict.values() if composite is None
                                 else _split_feeds(feed_dict.values(), composite))
        if feeds and self._feed_to_device is not None:
            feeds = [self._feed_to_device(f) for f in feeds]
        plan.trace_records()
        try:
            if timeout > 0:
                with self._ctx.deadline(timeout / 1000):
                    values = plan(feeds)
            else:
                values = plan(feeds)
        finally:
            fill_step_stats(run_metadata, plan.trace_records())
        return values[0] if structure is None else structure.rebuild(values)

    def _compile(self, fetches, feed_dict):
        structure = _Fetches(fetches)
        elems = [self._resolve_fetch(f) for f in structure.elems]
        # A structure key (a SparseTensor, an RNN state) is fed part by part: `composite` holds those keys.
        composite = [k if _is_composite(k) else None for k in feed_dict]
        feed_tensors = [self._resolve_feed(t) for k in feed_dict for t in _parts(k)]
        plan = Plan(self._ctx, elems, feed_tensors, optimize=self._optimize)
        self._placement.check(plan.ops)
        single = ((not isinstance(fetches, (list, tuple, dict)) or hasattr(fetches, "_as_graph_element"))
                  and not hasattr(fetches, "_composite_parts"))
        plan.composite_feeds = composite if any(k is not None for k in composite) else None
        return plan, (None if single else structure)

    def _resolve_fetch(self, f):
        try:
            el = self.graph.as_graph_element(f)
        except TypeError:
            raise TypeError(f"Fetch argument {f!r} has invalid type {type(f)}, must be a string or Tensor. "
                            f"(Can not convert a {type(f).__name__} into a Tensor or Operation.)") from None
        except (ValueError, KeyError) as e:
            msg = e.args[0] if isinstance(e, KeyError) and e.args else e
            raise ValueError(f"Fetch argument {f!r} cannot be interpreted as a Tensor. ({msg})") from None
        return el

    def _resolve_feed(self, k):
        if hasattr(k, "_ref") and not isinstance(k, Tensor):
            k = k._ref()
        try:
            el = self.graph.as_graph_element(k, allow_operation=False) if isinstance(k, str) else k
        except (KeyError, ValueError) as e:  # as TF1: a name that is not a tensor of this graph
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e.args[0] if e.args else e}") from None
        if not isinstance(el, Tensor):
            raise TypeError(f"The value of a feed cannot be a {type(k).__name__}: feed keys are tensors or "
                            f"tensor names, got {k!r}")
        if el.graph is not self.graph:
            raise ValueError(f"Tensor {el} is not an element of this graph.")
        return el

    def make_callable(self, fetches, feed_list=None):
        """A function that runs one fixed signature: the cheapest way to run the same plan again."""
        feed_list = list(feed_list or [])
        plan, structure = self._compile(fetches, dict.fromkeys(feed_list))
        composite = plan.composite_feeds
        to_device = self._feed_to_device

        def call(*feed_values):
            if self._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            if composite is not None:
                feed_values = _split_feeds(feed_values, composite)
            feeds = plan.check_feeds(feed_values)
            if to_device is not None:
                feeds = [to_device(f) for f in feeds]
            values = plan(feeds)
            return values[0] if structure is None else structure.rebuild(values)
        call.plan = plan  # what it runs: `call.plan.source`
        return call

    def _note_growth(self):
        new_ops = self.graph._ops[self._last_version:]
        self._last_version = self.graph.version
        self._growth_runs += 1
        if self._growth_runs >= self._GROWTH_RUNS and not self._warned_growth:
            self._warned_growth = True
            types = sorted({op.type for op in new_ops})
            warnings.warn(
                f"The graph grew before {self._growth_runs} runs of this session (latest: "
                f"{len(new_ops)} new ops of type {', '.join(types)}). Ops built inside a training loop make "
                "every step slower and leak memory: build the graph once before the loop, then call "
                "graph.finalize() so that any op added later raises.", GraphGrowthWarning, stacklevel=3)

    # --- lifetime ---------------------------------------------------------------------------------
    @property
    def graph_def(self):
        """The session's graph as a GraphDef protobuf (`Graph.as_graph_def()`)."""
        return self.graph.as_graph_def()

    def close(self):
        """Release variable values and compiled plans."""
        self._closed = True
        self._ctx.variables.clear()
        self._plans.clear()
        self._ctx.close()

    @property
    def closed(self):
        return self._closed

    def as_default(self):
        return _as_default(self)

    def __enter__(self):
        self._default_cm = _as_default(self)
        self._default_cm.__enter__()
        self._graph_cm = self.graph.as_default()
        self._graph_cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._graph_cm.__exit__(*exc)
        self._default_cm.__exit__(*exc)
        self.close()

    # --- variable values and random streams, outside any run (Saver, Variable.load, the trainer) -------
    def variable_values(self, variables):
        """{variable op: NumPy copy of its value} for `variables` (Variables or their ops), read together under
        the session's lock, so concurrent training never shows half a step; None for an uninitialized one."""
        self._check_open()
        ops = [_variable_op(v) for v in variables]
        with self._ctx.lock:
            values = [self._ctx.variables.get(op) for op in ops]
            return {op: None if v is None else np.array(self._ctx.to_host(v), copy=True)
                    for op, v in zip(ops, values)}

    def load_variable_values(self, values):
        """Set variables from {Variable or its op: array-like} (converted to each variable's dtype), all under
        the session's lock, as one atomic update; a value of another shape replaces the buffer."""
        self._check_open()
        items = [(_variable_op(v), value) for v, value in values.items()]
        arrays = [(op, np.asarray(value, dtype=op.outputs[0].dtype.base_dtype.np)) for op, value in items]
        store = self._ctx.variables
        with self._ctx.lock:
            for op, value in arrays:
                cur = store.get(op)
                host = value.dtype == object  # tf.string variables stay NumPy arrays on every backend
                xp = np if host else self._ctx.xp
                if cur is not None and cur.shape == value.shape:
                    xp.copyto(cur, value if host else self._ctx.to_device(value))
                else:
                    self._ctx.set_variable(op, xp.array(value, copy=True))

    def reseed(self, op, seed):
        """Restart random op `op`'s stream in this session from `seed` (anything np.random.default_rng
        takes): the trainer makes dropout masks a function of the epoch, so that a resumed run repeats them."""
        self._check_open()
        with self._ctx.lock:
            self._ctx.rng(op).bit_generator.state = np.random.default_rng(seed).bit_generator.state

    def _check_open(self):
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")


def _variable_op(v):
    """The VariableV2 op of a Variable (or the op itself)."""
    ref = getattr(v, "_ref", None)
    return ref().op if ref is not None and not isinstance(v, Operation) else v


@contextlib.contextmanager
def _as_default(session):
    _default_sessions.stack.append(session)
    try:
        yield session
    finally:
        _default_sessions.stack.remove(session)


class InteractiveSession(Session):
    """A Session that installs itself as the default on creation (for notebooks and the lectures)."""

    def __init__(self, target="", graph=None, config=None, device=None, optimize=True):
        super().__init__(target, graph, config, device, optimize)
        _default_sessions.stack.append(self)

    def close(self):
        super().close()
        if self in _default_sessions.stack:
            _default_sessions.stack.remove(self)


# --- installed on the graph classes from here (framework/ knows nothing about running) ------------------------

def _tensor_eval(self, feed_dict=None, session=None):
    """Run this tensor in `session` or the default session."""
    return _session_for(session, self.graph).run(self, feed_dict)


def _operation_run(self, feed_dict=None, session=None):
    """Run this op in `session` or the default session."""
    _session_for(session, self.graph).run(self, feed_dict)


Tensor.eval = _tensor_eval
Operation.run = _operation_run
