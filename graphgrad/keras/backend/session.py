"""The session Keras runs in (TF1's `K.get_session()`), the learning phase, uids, and reading and writing values:
`get_value` / `set_value`, `K.function` (a callable over the session)."""
from __future__ import annotations

import collections
import contextlib
import weakref

import numpy as np

from ... import eager as _eager
from ...framework import dtypes
from ...framework.graph import Graph, GraphKeys, control_dependencies, get_default_graph, reset_default_graph
from ...ops import nest
from ...ops.core import group, placeholder_with_default
from ...ops.state_ops import assign
from ...runtime.session import Session, get_default_session
from ...variables import variables_initializer

_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PHASES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()     # graph -> the keras_learning_phase tensor
_SET_PHASES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> 0 or 1 from set_learning_phase
_HISTORY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UIDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_EAGER = {"phase": False}
_MANUAL_INIT = {"on": False}


def executing_eagerly():
    return _eager.executing_eagerly()


def _graph_of(op_input_list):
    if isinstance(op_input_list, Graph):  # graphgrad's own callers name the graph
        return op_input_list
    for x in nest.flatten(list(op_input_list) if isinstance(op_input_list, (list, tuple)) else [op_input_list]):
        if getattr(x, "graph", None) is not None:
            return x.graph
    return get_default_graph()


def get_session(op_input_list=()):
    """The default session when one is active in the graph of `op_input_list` (or the default graph), else
    Keras' own session for that graph, created on first use; its variables are initialized unless
    `manual_variable_initialization(True)`, as TF1's K.get_session()."""
    graph = _graph_of(op_input_list)
    default = get_default_session()
    if default is not None and default.graph is graph:
        s = default
    else:
        s = _SESSIONS.get(graph)
        if s is None or s.closed:
            s = _SESSIONS[graph] = Session(graph=graph)
    if not _MANUAL_INIT["on"]:
        initialize_variables(s)
    return s


def set_session(session):
    _SESSIONS[session.graph] = session


def manual_variable_initialization(value):
    """True: Keras leaves initializing variables to you (get_session no longer runs initializers)."""
    _MANUAL_INIT["on"] = bool(value)


def initialize_variables(session):
    """Initialize the variables of the session's graph that are new to Keras and not initialized in the session
    yet (new layers, slots), leaving values the session already holds (restored, assigned) alone."""
    done = session.__dict__.setdefault("_keras_initialized", set())
    new = [v for v in session.graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
           if id(v) not in done and hasattr(v, "initializer")]
    if new:
        values = session.variable_values(new).values()
        todo = [v for v, value in zip(new, values) if value is None]
        if todo:
            with session.graph.as_default():
                session.run(variables_initializer(todo))
        done.update(id(v) for v in new)


def clear_session():
    """Forget every Keras session, the learning phases and the uids, and start a new default graph."""
    for s in list(_SESSIONS.values()):
        s.close()
    _SESSIONS.clear()
    _SET_PHASES.clear()
    reset_uids()
    reset_default_graph()


# --- the learning phase ------------------------------------------------------------------------------------
def learning_phase():
    """0 or 1 where `set_learning_phase` fixed it; otherwise a bool tensor, False unless fed (fit feeds True);
    a Python bool while executing eagerly."""
    if _eager.executing_eagerly():
        return _EAGER["phase"]
    g = get_default_graph()
    if g in _SET_PHASES:
        return _SET_PHASES[g]
    t = _PHASES.get(g)
    if t is None:
        with g.as_default(), g.name_scope(None):
            t = _PHASES[g] = placeholder_with_default(False, shape=(), name="keras_learning_phase")
    return t


def _check_phase(value):
    if value not in {0, 1}:
        raise ValueError("Expected learning phase to be 0 or 1.")


def set_learning_phase(value):
    """Fix the learning phase of the default graph to 0 (test) or 1 (train): layers built afterwards take that
    branch in Python, with no tensor to feed."""
    _check_phase(value)
    if _eager.executing_eagerly():
        _EAGER["phase"] = value
    else:
        _SET_PHASES[get_default_graph()] = value


@contextlib.contextmanager
def learning_phase_scope(value):
    """`set_learning_phase(value)` inside the block, the previous phase restored after it."""
    _check_phase(value)
    g, eager = get_default_graph(), _EAGER["phase"]
    previous = _SET_PHASES.get(g)
    set_learning_phase(value)
    try:
        yield
    finally:
        _EAGER["phase"] = eager
        if previous is None:
            _SET_PHASES.pop(g, None)
        else:
            _SET_PHASES[g] = previous


def phase_of(graph):
    return _PHASES.get(graph)


def history(graph):
    """{tensor: (layer, input tensors)} for the tensors Keras layers made in `graph`."""
    h = _HISTORY.get(graph)
    if h is None:
        h = _HISTORY[graph] = {}
    return h


# --- uids ----------------------------------------------------------------------------------------------------
def get_uid(prefix=""):
    """1, 2, 3, ... per prefix and graph: how Keras numbers default layer names (dense, dense_1, ...)."""
    counts = _UIDS.setdefault(get_default_graph(), collections.defaultdict(int))
    counts[prefix] += 1
    return counts[prefix]


def reset_uids():
    _UIDS.clear()


# --- values ------------------------------------------------------------------------------------------------
def _is_symbolic(x):
    return getattr(x, "graph", None) is not None and hasattr(x, "dtype")


def get_value(x):
    """The value of a variable or tensor as a NumPy array (run in `get_session` in graph mode); other values
    come back as they are."""
    if not _is_symbolic(x) and not hasattr(x, "numpy"):
        return x
    if _eager.executing_eagerly() or not _is_symbolic(x):
        return np.asarray(x.numpy())
    return get_session((x,)).run(x)


def batch_get_value(tensors):
    """The values of several tensors in one run."""
    if _eager.executing_eagerly():
        return [np.asarray(x.numpy()) for x in tensors]
    return get_session(tensors).run(list(tensors)) if tensors else []


def _numpy_value(x, value):
    return np.asarray(value, dtype=dtypes.as_dtype(x.dtype).base_dtype.as_numpy_dtype)


def set_value(x, value):
    """Load `value` into the variable `x` (no graph op is added)."""
    value = _numpy_value(x, value)
    if _eager.executing_eagerly():
        x.assign(value)
    else:
        x.load(value, get_session((x,)))


def batch_set_value(tuples):
    """`set_value` for each (variable, value) pair."""
    for x, v in tuples:
        set_value(x, v)


# --- K.function ----------------------------------------------------------------------------------------------
_RUN_ARGS = {"fetches", "feed_dict", "options", "run_metadata"}


class Function:
    """`K.function(inputs, outputs, updates)`: called with a list of input values, it runs `outputs` (and the
    updates, after them) in the Keras session and returns their values in the structure of `outputs`."""

    def __init__(self, inputs, outputs, updates=None, name=None, **session_kwargs):
        updates = updates or []
        if not isinstance(updates, (list, tuple)):
            raise TypeError("`updates` in a TF-Keras backend function should be a list or tuple.")
        self.inputs = nest.flatten(inputs)
        self._outputs_structure = outputs
        self.outputs = nest.flatten(outputs)
        graph = _graph_of(self.inputs + self.outputs)
        with graph.as_default(), control_dependencies(self.outputs[:1]):
            self.updates_op = group(*[assign(*u) if isinstance(u, tuple) else u for u in updates])
        self.name = name
        self.feed_dict = session_kwargs.pop("feed_dict", None)
        fetches = session_kwargs.pop("fetches", [])
        self.fetches = fetches if isinstance(fetches, list) else [fetches]
        self.run_options = session_kwargs.pop("options", None)
        self.run_metadata = session_kwargs.pop("run_metadata", None)
        if session_kwargs:
            raise ValueError(f"Some keys in session_kwargs are not supported at this time: {session_kwargs.keys()}")

    def __call__(self, inputs):
        values = nest.flatten(inputs)
        feed = {t: np.asarray(v, dtype=dtypes.as_dtype(t.dtype).base_dtype.as_numpy_dtype)
                for t, v in zip(self.inputs, values) if v is not None}
        feed.update(self.feed_dict or {})
        session = get_session(self.inputs + self.outputs)
        outs, _, _ = session.run([self.outputs, self.fetches, self.updates_op], feed, options=self.run_options,
                                 run_metadata=self.run_metadata)
        return nest.pack_sequence_as(self._outputs_structure, outs)


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A `Function` over the session; keyword arguments are Session.run's (`feed_dict`, `fetches`, `options`,
    `run_metadata`)."""
    for key in kwargs:
        if key not in _RUN_ARGS:
            raise ValueError(f'Invalid argument "{key}" passed to K.function with TensorFlow backend')
    return Function(inputs, outputs, updates=updates, name=name, **kwargs)
