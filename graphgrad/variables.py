"""Variables: named, session-owned state; `get_variable` and `variable_scope` for sharing them by name."""
from __future__ import annotations

import contextlib
import enum
import functools

from . import partitioned_variables as _partitioned
from .framework import dtypes
from .framework.graph import GraphKeys, Tensor, get_default_graph
from .framework.op_def import ref_indices as _ref_indices
from .framework.tensor_shape import TensorShape
from .ops import state_ops
from .ops.core import apply_op, convert_to_tensor, group, identity
from .ops.operators import install as install_operators


class VariableSynchronization(enum.Enum):
    """When a distributed variable's copies are brought together (TF's enum; graphgrad runs one copy)."""
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    """How a distributed variable's updates from several replicas combine (TF's enum; graphgrad runs one)."""
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


#: The arguments a `variable_creator_scope` creator receives (TF1's `tf.Variable` signature).
_CREATOR_ARGS = ("initial_value", "trainable", "collections", "validate_shape", "caching_device", "name",
                 "variable_def", "dtype", "expected_shape", "import_scope", "constraint")


class _VariableMeta(type):
    """Routes `tf.Variable(...)` through the creators of `variable_creator_scope` when there are any."""

    def __call__(cls, *args, **kwargs):
        creators = getattr(get_default_graph(), "_variable_creator_stack", None)
        if not creators:
            return super().__call__(*args, **kwargs)
        kwargs = {**dict(zip(_CREATOR_ARGS, args)), **kwargs}
        kwargs.setdefault("synchronization", VariableSynchronization.AUTO)
        kwargs.setdefault("aggregation", VariableAggregation.NONE)

        def make(**kw):
            kw = {k: v for k, v in kw.items() if k not in ("use_resource", "synchronization", "aggregation",
                                                          "shape")}
            return type.__call__(cls, **kw)
        for creator in creators:  # innermost last: it is called first
            make = functools.partial(creator, make)
        return make(**kwargs)


@contextlib.contextmanager
def variable_creator_scope(variable_creator):
    """`tf.Variable(...)` inside the block calls `variable_creator(next_creator, **kwargs)`, which may change
    the arguments, call `next_creator(**kwargs)` (the enclosing scope's creator, at last the plain Variable) or
    return a variable of its own. Per graph, as TF1's."""
    g = get_default_graph()
    stack = g.__dict__.setdefault("_variable_creator_stack", [])
    stack.append(variable_creator)
    try:
        yield
    finally:
        stack.remove(variable_creator)


class Variable(metaclass=_VariableMeta):
    """A tensor whose value persists across runs of one Session (TF1 `RefVariable`)."""

    SaveSliceInfo = _partitioned.SaveSliceInfo
    _save_slice_info = None  # where a part of a partitioned variable lies in the whole (Saver saves it there)

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, _absolute_name=False):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        g = get_default_graph()
        self.graph = g
        self.trainable = bool(trainable)
        self.constraint = constraint
        with contextlib.ExitStack() as stack:
            stack.enter_context(g.control_dependencies(None))
            if _absolute_name:
                stack.enter_context(g.name_scope(None))
                scope = stack.enter_context(g.name_scope(g.unique_name(name) + "/"))
            else:
                scope = stack.enter_context(g.name_scope(name or "Variable"))
            if callable(initial_value):
                with g.device(None):  # as TF: an initializer function builds outside the device scopes
                    initial_value = initial_value()
            init = convert_to_tensor(initial_value, dtype=dtype, name="initial_value")
            shape = init.shape if validate_shape else TensorShape(None)
            if validate_shape and not init.shape.is_fully_defined():
                raise ValueError(f"initial_value must have a shape specified: {init}")
            self._variable = apply_op(state_ops.VariableV2, [], {"shape": shape, "dtype": init.dtype.base_dtype,
                                                                 "container": "", "shared_name": ""},
                                      scope, graph=g)
            if self._variable.op.device:  # TF colocates the variable's Assign and read with it (a PS task's)
                stack.enter_context(g.device(lambda op, device=self._variable.op.device: device))
            self._initial_value = init
            self._initializer_op = state_ops.assign(self._variable, _guard_uninitialized_reads(init, scope),
                                                    validate_shape=validate_shape, name="Assign").op
            self._snapshot = identity(self._variable, name="read")
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        g.add_to_collections(collections, self)

    @classmethod
    def _from_ops(cls, variable_op, initializer_op, snapshot, initial_value, trainable):
        """A Variable over ops already in a graph (an imported meta graph's VariableDef): no ops are added, and
        the variable joins no collection (the meta graph's collections say where it belongs)."""
        v = cls.__new__(cls)
        v.graph, v.trainable, v.constraint = variable_op.graph, bool(trainable), None
        v._variable = variable_op.outputs[0]
        v._initializer_op = initializer_op
        v._snapshot = snapshot if snapshot is not None else v._variable
        v._initial_value = initial_value
        return v

    # --- identity ---------------------------------------------------------------------------------
    @property
    def name(self):
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    @property
    def device(self):
        return self._variable.device

    @property
    def initializer(self):
        return self._initializer_op

    @property
    def initial_value(self):
        return self._initial_value

    def initialized_value(self) -> Tensor:
        """This variable's value, or its initial value while it is uninitialized: initializes another
        variable from this one whatever order the initializers run in."""
        g = self.graph
        with g.as_default(), g.control_dependencies(None), g.name_scope(None):
            return state_ops.value_or_default(self, self._initial_value, name=self.op.name + "/initialized_value")

    def __repr__(self):
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise TypeError("Using a `tf.Variable` as a Python `bool` is not allowed.")

    ref = experimental_ref = Tensor.ref

    # --- graph protocol -----------------------------------------------------------------------------
    def _ref(self) -> Tensor:
        return self._variable

    def _as_tensor(self, dtype=None, name=None):
        if dtype is not None and dtypes.as_dtype(dtype).base_dtype != self.dtype.base_dtype:
            raise ValueError(f"Incompatible type conversion requested to type '{dtypes.as_dtype(dtype).name}' "
                             f"for variable of type '{self.dtype.name}'")
        return self._snapshot

    def _as_graph_element(self):
        return self._variable

    def value(self) -> Tensor:
        return self._snapshot

    def read_value(self) -> Tensor:
        return identity(self._variable, name="read")

    # --- updates ----------------------------------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        return state_ops.assign(self._variable, value, name=name)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return state_ops.assign_add(self._variable, delta, name=name)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return state_ops.assign_sub(self._variable, delta, name=name)

    def count_up_to(self, limit):
        return state_ops.count_up_to(self._variable, limit)

    def eval(self, session=None, feed_dict=None):
        return self._variable.eval(feed_dict=feed_dict, session=session)

    def load(self, value, session=None):
        """Write `value` into this variable in `session` (or the default) without adding ops."""
        from .runtime.session import _session_for

        s = _session_for(session, self.graph)
        shape = self.shape
        import numpy as np

        arr = np.asarray(value, dtype=self.dtype.base_dtype.np)
        if not shape.is_compatible_with(arr.shape):
            raise ValueError(f"Cannot load value of shape {arr.shape} into variable {self.name} of shape {shape}")
        s.load_variable_values({self.op: arr})

    def set_shape(self, shape):
        self._variable.set_shape(shape)

    def _set_save_slice_info(self, save_slice_info):
        self._save_slice_info = save_slice_info

    def _get_save_slice_info(self):
        return self._save_slice_info


install_operators(Variable)  # a + b, a @ b, a[i] ... on the variable's current value


def _guard_uninitialized_reads(init, scope):
    """TF1's guard for an initial value that reads other variables: the initializer reads each one's
    `initialized_value()` instead (its value, or its own initial value while uninitialized), through copies
    of the ops in between named `<op>_<variable>`, so initializers work in any order."""
    # Ancestors of `init` through value inputs, each after its inputs (reference inputs are left alone).
    order, seen, stack = [], set(), [(init.op, False)]
    while stack:
        op, expanded = stack.pop()
        if expanded:
            order.append(op)
        elif op not in seen:
            seen.add(op)
            stack.append((op, True))
            if op.type != "VariableV2":
                stack.extend((t.op, False) for i, t in enumerate(op.inputs) if i not in _ref_indices(op))
    if not any(op.type == "VariableV2" for op in order):
        return init
    g = init.graph
    variables = {v.op: v for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES)
                 for v in g.get_collection(key) if isinstance(v, Variable)}
    new = {}
    for op in order:
        if op in variables:
            new[op] = variables[op].initialized_value().op
            continue
        if op.type == "VariableV2":  # not in a collection: read as it is (TF does the same)
            new[op] = op
            continue
        refs = _ref_indices(op)
        inputs = [t if i in refs else new[t.op].outputs[t.value_index] for i, t in enumerate(op.inputs)]
        changed = any(a is not b for a, b in zip(inputs, op.inputs))
        new[op] = g.create_op(op.op_def, inputs, dict(op.attrs), name=f"{op.name}_{scope}") if changed else op
    return new[init.op].outputs[init.value_index]


# --- collections of variables ---------------------------------------------------------------------------

def global_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def local_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op that runs every variable's initializer (a NoOp when the list is empty)."""
    var_list = list(var_list)
    if not var_list:
        from .ops.core import no_op

        return no_op(name=name)
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init")


initialize_variables = variables_initializer  # TF1's older names
initialize_local_variables = local_variables_initializer


def moving_average_variables(scope=None):
    """The variables `ExponentialMovingAverage.apply` averages (the MOVING_AVERAGE_VARIABLES collection)."""
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def no_regularizer(_):
    """A regularizer that adds nothing: `get_variable(..., regularizer=tf.no_regularizer)` under a scope that
    has one."""
    return None


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    if var_list is None:
        var_list = global_variables() + local_variables()
    refs = [v._ref() for v in var_list]
    if not refs:
        import numpy as np

        from .ops.core import constant

        return constant(np.array([], dtype=object), name=name)
    return state_ops.report_uninitialized(refs, name=name)


def is_variable_initialized(variable):
    return state_ops.is_variable_initialized(variable)


def assert_variables_initialized(var_list=None):
    return report_uninitialized_variables(var_list)


# --- variable scopes and get_variable ---------------------------------------------------------------

class _ReuseMode(enum.Enum):
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableScope:
    """The state `variable_scope` pushes: a name prefix plus defaults for get_variable."""

    def __init__(self, name, reuse=None, initializer=None, regularizer=None, dtype=dtypes.float32,
                 original_name_scope="", partitioner=None):
        self.name = name
        self.partitioner = partitioner
        self.reuse = False if reuse is None else reuse  # TF1 reports a scope that does not reuse as False
        self.initializer = initializer
        self.regularizer = regularizer
        self.dtype = dtype
        self.original_name_scope = original_name_scope

    def reuse_variables(self):
        self.reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer

    def set_regularizer(self, regularizer):
        self.regularizer = regularizer

    def set_partitioner(self, partitioner):
        self.partitioner = partitioner

    def get_variable(self, name, *args, **kwargs):
        return get_variable(name, *args, **kwargs)


def _scope_stack(g):
    if not g._var_scope_stack:
        g._var_scope_stack.append(VariableScope(""))
    return g._var_scope_stack


def get_variable_scope() -> VariableScope:
    return _scope_stack(get_default_graph())[-1]


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None, regularizer=None,
                   reuse=None, dtype=None, auxiliary_name_scope=True, partitioner=None, **kwargs):
    """Prefix variable names with a scope; `reuse=True` shares existing variables instead of creating them.

    Re-entering a scope by name gives new ops a fresh name scope (`foo_1/`) while variables stay under `foo/`.
    """
    g = get_default_graph()
    stack = _scope_stack(g)
    parent = stack[-1]
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        short = full.rsplit("/", 1)[-1]
        inherit = name_or_scope
    else:
        if name_or_scope is None:
            if default_name is None:
                raise TypeError("If default_name is None then name_or_scope is required")
            short = _unique_scope_name(g._var_scope_counts, parent.name, default_name)
        else:
            short = name_or_scope
        full = f"{parent.name}/{short}" if parent.name else short
        inherit = parent
    if reuse is False:
        reuse = None
    eff_reuse = True if (parent.reuse is True and reuse is None) else (reuse if reuse is not None
                                                                      else inherit.reuse)
    if reuse is None and parent.reuse is AUTO_REUSE:
        eff_reuse = AUTO_REUSE
    scope = VariableScope(full, reuse=eff_reuse,
                          initializer=initializer if initializer is not None else inherit.initializer,
                          regularizer=regularizer if regularizer is not None else inherit.regularizer,
                          dtype=dtypes.as_dtype(dtype) if dtype is not None else inherit.dtype,
                          partitioner=partitioner if partitioner is not None else inherit.partitioner)
    counts = g._var_scope_counts
    counts[full] = counts.get(full, 0) + 1
    saved = dict(counts) if isinstance(name_or_scope, VariableScope) else None
    stack.append(scope)
    try:
        if auxiliary_name_scope:  # a default_name scope's ops go under that name made unique (TF1's rule)
            with g.name_scope(default_name if name_or_scope is None else short) as ns:
                scope.original_name_scope = ns
                yield scope
        else:
            yield scope
    finally:
        stack.pop()
        _close_subscopes(g, full, saved)


def _unique_scope_name(counts, parent, prefix):
    """`prefix`, or `prefix_1`, `prefix_2`, ...: the first not opened under `parent` since it was last closed
    (TF1's `_get_unique_variable_scope`)."""
    name = f"{parent}/{prefix}" if parent else prefix
    if not counts.get(name):
        return prefix
    idx = 1
    while counts.get(f"{name}_{idx}"):
        idx += 1
    return f"{prefix}_{idx}"


def _close_subscopes(g, full, saved):
    """Leaving a scope forgets which scopes were opened inside it (TF1's `close_variable_subscopes`), so entering
    it again names them as the first time: a function that builds `tf.layers.dense` twice under
    `variable_scope("d")` makes `d/dense` and `d/dense_1` on every call, and a reusing call finds them. A scope
    entered by its `VariableScope` object restores the counts it found instead."""
    if saved is not None:
        g._var_scope_counts = saved
        return
    inner = full + "/"
    counts = g._var_scope_counts
    for k in counts:
        if k.startswith(inner):
            counts[k] = 0


def _default_initializer(dtype):
    from .ops import init_ops

    if dtype.is_floating:
        return init_ops.glorot_uniform_initializer()
    return init_ops.zeros_initializer()


def _initial_value(initializer, shape, dtype):
    return convert_to_tensor(initializer(shape, dtype=dtype), dtype=dtype)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                 collections=None, caching_device=None, partitioner=None, validate_shape=True,
                 use_resource=None, custom_getter=None, constraint=None, **kwargs):
    """Create a variable named `<scope>/<name>`, or return the existing one when the scope reuses. With a
    `partitioner` (or the scope's), a PartitionedVariable of parts `<name>/part_<i>` (partitioned_variables.py)."""
    g = get_default_graph()
    scope = _scope_stack(g)[-1]
    full = f"{scope.name}/{name}" if scope.name else name
    store = g._variable_store
    reuse = scope.reuse
    partitioner = partitioner if partitioner is not None else scope.partitioner
    scalar = isinstance(shape, (list, tuple)) and not shape  # TF1 makes a scalar whole whatever the partitioner
    if partitioner is not None and not callable(partitioner):
        raise ValueError(f"Partitioner must be callable, but received: {partitioner}")
    partitioned = isinstance(store.get(full), _partitioned.PartitionedVariable)
    if (partitioner is not None and not scalar) or (reuse is True and partitioned):
        return _get_partitioned(g, full, reuse, shape, dtype, initializer, partitioner,
                                dict(regularizer=regularizer, trainable=trainable, collections=collections,
                                     validate_shape=validate_shape, constraint=constraint))
    if partitioned:
        raise ValueError(f"No partitioner was provided, but a partitioned version of the variable was found: "
                         f"{full}/part_0. Perhaps a variable of the same name was already created with "
                         "partitioning?")
    if full in store:
        if not reuse:
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set reuse=True or "
                             "reuse=tf.AUTO_REUSE in VarScope?")
        var = store[full]
        if shape is not None and not var.shape.is_compatible_with(TensorShape(shape)):
            raise ValueError(f"Trying to share variable {full}, but specified shape {TensorShape(shape)} and "
                             f"found shape {var.shape}.")
        if dtype is not None and dtypes.as_dtype(dtype).base_dtype != var.dtype.base_dtype:
            raise ValueError(f"Trying to share variable {full}, but specified dtype "
                             f"{dtypes.as_dtype(dtype).name} and found dtype {var.dtype.base_dtype.name}.")
        return var
    if reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with tf.get_variable(). Did you "
                         "mean to set reuse=tf.AUTO_REUSE in VarScope?")
    if initializer is not None and not callable(initializer):
        dtype = _constant_initializer_dtype(full, initializer, shape, dtype)
    var = _new_variable(g, scope, full, shape, dtype, initializer, regularizer=regularizer, trainable=trainable,
                        collections=collections, validate_shape=validate_shape, constraint=constraint)
    store[full] = var
    return var


def _constant_initializer_dtype(full, initializer, shape, dtype):
    """The dtype of a constant initializer (a value or a tensor), which brings its own shape and dtype, as in TF1
    (which also refuses any `shape`; graphgrad accepts one that agrees)."""
    if isinstance(initializer, Tensor) or hasattr(initializer, "_as_tensor"):
        initializer = convert_to_tensor(initializer)
        init_dtype, init_shape = initializer.dtype.base_dtype, initializer.shape
    else:
        from .ops.core import _infer_numpy

        value = _infer_numpy(initializer, None)
        init_dtype, init_shape = dtypes.as_dtype(value.dtype), TensorShape(value.shape)
    if shape is not None and not init_shape.is_compatible_with(TensorShape(shape)):
        raise ValueError(f"If initializer is a constant, do not specify shape: the initializer's shape "
                         f"{init_shape} does not match the shape {TensorShape(shape)} of variable {full}.")
    if dtype is not None and dtypes.as_dtype(dtype).base_dtype != init_dtype:
        raise ValueError(f"Initializer type '{init_dtype.name}' and explicit dtype "
                         f"'{dtypes.as_dtype(dtype).base_dtype.name}' don't match.")
    return init_dtype


def _new_variable(g, scope, full, shape, dtype, initializer, regularizer, trainable, collections, validate_shape,
                  constraint):
    """A new variable `full` of get_variable's, its regularizer's loss collected."""
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else scope.dtype
    initializer = initializer if initializer is not None else scope.initializer
    regularizer = regularizer if regularizer is not None else scope.regularizer
    if trainable is None:
        trainable = True
    with g.control_dependencies(None), g.name_scope(None):
        if initializer is None:
            initializer = _default_initializer(dtype)
        if isinstance(initializer, Tensor) or not callable(initializer):
            init_val = initializer  # converted by Variable, under the variable's own name scope
        else:
            if shape is None:
                raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but instead was None.")
            shape = TensorShape(shape)
            if not shape.is_fully_defined():
                raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but instead was "
                                 f"{shape}.")
            if getattr(g, "_lifts_variables", False):  # a tf.function's trace lifts the variable out: its
                init_val = functools.partial(_initial_value, initializer, shape.as_list(), dtype)  # value, eagerly
            else:
                with g.name_scope(full + "/Initializer/"), g.device(None):  # TF builds it outside device scopes
                    init_val = _initial_value(initializer, shape.as_list(), dtype)
        var = Variable(init_val, trainable=trainable, collections=collections, validate_shape=validate_shape,
                       name=full, dtype=dtype, constraint=constraint, _absolute_name=True)
    if regularizer is not None:
        with g.name_scope(None), g.name_scope(full + "/Regularizer/"):
            loss = regularizer(var.value())
        if loss is not None:
            g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return var


def _get_partitioned(g, full, reuse, shape, dtype, initializer, partitioner, options):
    """get_variable's partitioned variable `full`: the existing one when the scope reuses it, else a new one."""
    store = g._variable_store
    scope = _scope_stack(g)[-1]
    if isinstance(store.get(full), Variable):
        raise ValueError(f"A partitioner was provided, but an unpartitioned version of the variable was found: "
                         f"{full}.  Perhaps a variable of the same name was already created without "
                         "partitioning?")
    shape = TensorShape(shape)
    if isinstance(initializer, Tensor):
        shape = shape.merge_with(initializer.shape)
    if initializer is not None and not callable(initializer):
        dtype = _constant_initializer_dtype(full, initializer, None, dtype)
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype is not None else scope.dtype
    partitions = None if partitioner is None else _partitioned.call_partitioner(partitioner, shape, dtype)
    existing = store.get(full)
    if existing is not None:
        if not reuse:
            raise ValueError(f"Partitioned variable with name {full} already exists. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        if not shape.is_compatible_with(existing.get_shape()):
            raise ValueError(f"Trying to reuse partitioned variable {full}, but specified shape {shape} and found "
                             f"shape {existing.get_shape()}.")
        if dtype != existing.dtype.base_dtype:
            raise ValueError(f"Trying to reuse partitioned variable {full}, but specified dtype {dtype.name} and "
                             f"found dtype {existing.dtype.name}.")
        if partitions is not None and existing._get_partitions() != partitions:
            raise ValueError(f"Trying to reuse partitioned variable {full}, but specified partitions {partitions} "
                             f"and found partitions {existing._get_partitions()}.")
        return existing
    if reuse is True:
        raise ValueError(f"PartitionedVariable {full} does not exist, or was not created with tf.get_variable(). "
                         "Did you mean to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?")
    if initializer is None:
        initializer = scope.initializer if scope.initializer is not None else _default_initializer(dtype)

    def make_part(name, part_shape, init):
        return _new_variable(g, scope, name, part_shape, dtype, init, **options)

    store[full] = _partitioned.create(full, shape, dtype, initializer, partitions, make_part)
    return store[full]
