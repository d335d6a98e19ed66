"""`tf.keras.backend`: the session Keras models run in (TF1's `K.get_session()`), the learning phase, and
`get_value` / `set_value` for variables in graph or eager mode."""
from __future__ import annotations

import weakref

import numpy as np

from .. import eager as _eager
from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph, reset_default_graph
from ..ops.core import placeholder_with_default
from ..runtime.session import Session
from ..variables import variables_initializer

_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PHASES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_HISTORY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_EAGER = {"phase": False}
_EPSILON = 1e-7


def epsilon():
    return _EPSILON


def floatx():
    return "float32"


def executing_eagerly():
    return _eager.executing_eagerly()


def get_session(graph=None):
    """The session Keras runs `graph` (the default graph) in, created on first use, as TF1's K.get_session()."""
    graph = graph or get_default_graph()
    s = _SESSIONS.get(graph)
    if s is None:
        s = _SESSIONS[graph] = Session(graph=graph)
        s._keras_initialized = set()
    initialize_variables(s)
    return s


def set_session(session):
    _SESSIONS[session.graph] = session
    if not hasattr(session, "_keras_initialized"):
        session._keras_initialized = set()


def initialize_variables(session):
    """Initialize the variables of the session's graph that Keras has not initialized yet (new layers, slots)."""
    done = session._keras_initialized
    new = [v for v in session.graph.get_collection(GraphKeys.GLOBAL_VARIABLES) if id(v) not in done]
    if new:
        with session.graph.as_default():
            session.run(variables_initializer(new))
        done.update(id(v) for v in new)


def clear_session():
    """Forget every Keras session and start a new default graph (TF1's K.clear_session())."""
    for s in list(_SESSIONS.values()):
        s.close()
    _SESSIONS.clear()
    reset_default_graph()


def learning_phase():
    """A bool tensor, False unless fed (fit feeds True); a Python bool while executing eagerly."""
    if _eager.executing_eagerly():
        return _EAGER["phase"]
    g = get_default_graph()
    t = _PHASES.get(g)
    if t is None:
        with g.as_default():
            t = _PHASES[g] = placeholder_with_default(False, shape=(), name="keras_learning_phase")
    return t


def phase_of(graph):
    return _PHASES.get(graph)


def history(graph):
    """{tensor: (layer, input tensors)} for the tensors Keras layers made in `graph`."""
    h = _HISTORY.get(graph)
    if h is None:
        h = _HISTORY[graph] = {}
    return h


def get_value(x):
    if _eager.executing_eagerly():
        return np.asarray(x.numpy())
    return get_session(x.graph).run(x)


def set_value(x, value):
    value = np.asarray(value, dtype=dtypes.as_dtype(x.dtype).base_dtype.as_numpy_dtype)
    if _eager.executing_eagerly():
        x.assign(value)
    else:
        x.load(value, get_session(x.graph))


def batch_get_value(xs):
    return [get_value(x) for x in xs]


def batch_set_value(pairs):
    for x, v in pairs:
        set_value(x, v)
