"""`tf.Variable` when eager execution is enabled: a variable that holds its value.

The value is a buffer in the eager run context (`context().variables`), keyed by the variable's *handle*, a
detached reference tensor (framework/detached.py) standing for the variable as a VariableV2 op does in a graph.
So the ops that write variables (Assign, AssignAdd, the optimizers' fused updates) run eagerly on it unchanged,
through their reference inputs. Reading the variable gives an eager tensor whose value a later update never
changes (a copy, or for a big variable its buffer shared until the next write: `read_array`), and tells the tapes
that the variable was read.

Inside a graph being traced by `tf.function` the variable is *captured*: the graph gets a VariableV2 op standing
for it, which the compiled plan reads and writes in the same buffer, so a traced training step updates the
variable in place. Reads there get control dependencies on the updates of the variable built before them, so
they see the values the code above them wrote, as when the function runs eagerly.
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from ..framework import dtypes
from ..framework.detached import source
from ..framework.graph import GraphKeys, Tensor, get_default_graph
from ..framework.tensor_shape import TensorShape
from ..ops import state_ops
from ..ops.core import convert_to_tensor, identity
from ..variables import Variable
from . import context as _ctx
from .context import eager_graph, executing_eagerly, init_scope
from .shared_reads import own, read_array
from .tape import variable_accessed
from .tensor import EagerTensor

_creation_order = itertools.count()

def _drop(store, handle_op):
    """A variable is gone: its buffer goes with it (what still holds its values holds the arrays themselves), and
    so do the kernels bound to it."""
    store.pop(handle_op, None)
    eager_graph().forget_variable(handle_op)


class EagerVariable(Variable):
    """A Variable created while executing eagerly (or lifted out of a `tf.function` trace)."""

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, _absolute_name=False):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        with init_scope():
            if callable(initial_value):
                initial_value = initial_value()
            init = convert_to_tensor(initial_value, dtype=dtype)
            if not isinstance(init, EagerTensor):
                raise ValueError(
                    f"A variable created inside tf.function needs an initial value computable outside the traced "
                    f"graph (a callable, a NumPy array or an eager tensor), not the graph tensor {init}. Create the "
                    "variable before calling the function, or pass `lambda: ...` as its initial value.")
        self.trainable = bool(trainable)
        self.constraint = constraint
        self._initial_value = init
        dt = init.dtype.base_dtype
        shape = init.shape if validate_shape else TensorShape(None)
        handle = source(dt, shape.dims_tuple, name=_eager_name(name), ref=True)
        handle.op.graph = eager_graph()
        self._variable = handle
        self._handle_op = handle.op
        self._unique_id = next(_creation_order)  # what orders tfe.implicit_gradients' variables, as TF's
        self._run_context = _ctx.context()
        self._read_dtype = dt  # what a read's tensor holds (its shape when known: else from the value)
        self._read_shape = shape if shape.is_fully_defined() else None
        ctx = _ctx.context()
        ctx.set_variable(handle.op, np.array(init.numpy(), dtype=dt.np, copy=True))
        weakref.finalize(self, _drop, ctx.variables, handle.op)
        eager_graph().add_to_collections(collections or [], self)  # keeps only the global step, as TF eager

    # --- identity -------------------------------------------------------------------------------------------
    @property
    def graph(self):
        """The graph the variable is used in now: the eager graph, or the graph a tf.function is tracing."""
        return get_default_graph()

    @property
    def initializer(self):
        return None

    def initialized_value(self):
        return self.read_value()

    def __repr__(self):
        return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.base_dtype.name}, "
                f"numpy={self.numpy()!r}>")

    # --- the value ------------------------------------------------------------------------------------------
    def numpy(self):
        """A copy of the current value."""
        return np.array(_ctx.context().variables[self._handle_op], copy=True)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def _read(self):
        t = EagerTensor(read_array(self._handle_op, self._run_context.variables[self._handle_op]),
                        self._read_dtype, self._handle_op, 0, self._read_shape)
        if _ctx._tapes:
            variable_accessed(self, t)
        if _ctx._captures:
            _ctx._captures[-1].read(self._handle_op, t)
        return t

    def _ref(self) -> Tensor:
        if executing_eagerly():
            return self._variable
        return self._graph_ref(get_default_graph())

    def _as_tensor(self, dtype=None, name=None):
        if dtype is not None and dtypes.as_dtype(dtype).base_dtype != self.dtype.base_dtype:
            raise ValueError(f"Incompatible type conversion requested to type '{dtypes.as_dtype(dtype).name}' "
                             f"for variable of type '{self.dtype.name}'")
        return self.read_value()

    def _as_graph_element(self):
        if executing_eagerly():
            raise RuntimeError("An eager variable cannot be run in a Session: use `variable.numpy()`.")
        return self._graph_ref(get_default_graph())

    def value(self):
        return self.read_value()

    def read_value(self):
        if executing_eagerly():
            return self._read()
        return self._graph_read(get_default_graph())

    def eval(self, session=None, feed_dict=None):
        return self.numpy()

    def load(self, value, session=None):
        arr = np.asarray(value, dtype=self.dtype.base_dtype.np)
        if not self.shape.is_compatible_with(arr.shape):
            raise ValueError(f"Cannot load value of shape {arr.shape} into variable {self.name} of shape {self.shape}")
        ctx = _ctx.context()
        own(ctx, self._handle_op)
        cur = ctx.variables[self._handle_op]
        if cur.shape == arr.shape:
            np.copyto(cur, arr)
        else:
            ctx.set_variable(self._handle_op, arr.copy())

    # --- updates (eager: run now; traced: graph ops on the captured variable) --------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        return state_ops.assign(self._ref(), value, name=name)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return state_ops.assign_add(self._ref(), delta, name=name)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return state_ops.assign_sub(self._ref(), delta, name=name)

    # --- capture in a graph being traced ----------------------------------------------------------------------
    def _graph_ref(self, g):
        captures = g.__dict__.setdefault("_eager_variables", {})
        ref = captures.get(self)
        if ref is None:
            with g.control_dependencies(None), g.name_scope(None):
                ref = g.create_op(state_ops.VariableV2, [], {"shape": self.shape, "dtype": self.dtype.base_dtype,
                                                             "container": "", "shared_name": ""},
                                  self._handle_op.name).outputs[0]
            captures[self] = ref
            if self.trainable:  # what `tf.trainable_variables()` and `minimize` find in the traced graph
                g.add_to_collection(GraphKeys.TRAINABLE_VARIABLES, self)
            g.add_to_collection(GraphKeys.GLOBAL_VARIABLES, self)
        return ref

    def _graph_read(self, g):
        ref = self._graph_ref(g)
        if _ctx._tapes:
            from .tape import variable_accessed

            variable_accessed(self, None)
        # the updates built at this level or around it; one inside a cond or loop body runs through its op (an
        # updating While or If), which is among them
        level = g._scopes.cond_stack[-1] if g._scopes.cond_stack else None
        updates = [c for c in ref._consumers if c.op_def.mutates
                   and (c._branch is None or (level is not None and level.encloses(c._branch)))]
        with g.control_dependencies(updates):
            return identity(ref, name="read")


def _eager_name(name):
    """TF eager does not make variable names unique: `Variable`, or the name given (inside a variable scope)."""
    if not name:
        return "Variable"
    return name[:-1] if name.endswith("/") else name


def _new_variable(cls, *args, **kwargs):
    """`Variable(...)` makes an EagerVariable while executing eagerly or tracing a tf.function (whose variables
    are lifted out of the graph, as TF2's are)."""
    if cls is Variable and _lifts_variables():
        return object.__new__(EagerVariable)
    return object.__new__(cls)


def _lifts_variables():
    g = get_default_graph()
    return g._is_eager or (getattr(g, "_lifts_variables", False) and _ctx.eager_enabled())


Variable.__new__ = _new_variable
