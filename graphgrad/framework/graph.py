"""Graph, Operation and Tensor: pure bookkeeping of a computation, nothing here touches arrays.

A Graph owns its operations, the names in use, name scopes, control-dependency scopes and collections.
State lives on the Graph object; the only module-level state is the default-graph stack, kept per thread,
so several graphs, threads or processes never trip over each other.
"""
from __future__ import annotations

import contextlib
import re
import threading

from . import dtypes as _dtypes
from .errors import OperatorNotAllowedInGraphError
from .tensor_shape import TensorShape, as_shape


class GraphKeys:
    """Standard collection names, as TensorFlow 1.x spells them."""

    GLOBAL_VARIABLES = "variables"
    VARIABLES = GLOBAL_VARIABLES
    LOCAL_VARIABLES = "local_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    UPDATE_OPS = "update_ops"
    QUEUE_RUNNERS = "queue_runners"
    GLOBAL_STEP = "global_step"
    METRIC_VARIABLES = "metric_variables"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    SAVERS = "savers"
    ACTIVATIONS = "activations"
    WEIGHTS = "weights"
    BIASES = "biases"
    ASSET_FILEPATHS = "asset_filepaths"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    SAVEABLE_OBJECTS = "saveable_objects"
    TABLE_INITIALIZERS = "table_initializer"


class Tensor:
    """The `value_index`-th output of an Operation: a symbolic handle, not a value.

    `==` is identity (tensors are dict keys, as in TensorFlow 1.x); use `tf.equal` for elementwise equality.
    `aliases` is unset until TF-Slim's `collect_named_outputs` names the tensor (as on TF's Python Tensor), and
    `_keras_mask` until a Keras layer's output gets its mask (or None), as Keras 2 sets it on TF's tensors.
    """

    __slots__ = ("op", "value_index", "dtype", "_shape", "_consumers", "aliases", "_keras_mask", "__weakref__")
    __array_priority__ = 100  # so that `ndarray * tensor` defers to Tensor.__rmul__

    def __init__(self, op, value_index, dtype, shape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = shape
        self._consumers = []

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self):
        return self.op.graph

    @property
    def device(self):
        return self.op.device

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape):
        self._shape = self._shape.merge_with(as_shape(shape))

    def consumers(self):
        return list(self._consumers)

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self.dtype.name}>"

    def __str__(self):
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self.dtype.name})'

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise OperatorNotAllowedInGraphError(
            "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed: a graph tensor has no value yet. "
            "Use `if t is not None:` to test if a tensor is defined, and graph ops such as tf.where to "
            "select values depending on a tensor."
        )

    def __iter__(self):
        raise OperatorNotAllowedInGraphError(
            "Iterating over a symbolic `tf.Tensor` is not allowed: a graph tensor has no value yet. "
            "To iterate over this tensor use tf.unstack.")

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors. ({self.name}) "
                        "Please call `x.shape` rather than `len(x)` for shape information.")

    def _as_graph_element(self):
        return self

    def ref(self):
        """A hashable stand-in for this tensor (`t.ref().deref() is t`): the dict key TF 2 asks for once tensor
        equality makes tensors unhashable."""
        return Reference(self)

    experimental_ref = ref


class Reference:
    """What `Tensor.ref()` and `Variable.ref()` return: equal and hashed by the identity of what it refers to."""

    __slots__ = ("_wrapped",)

    def __init__(self, wrapped):
        self._wrapped = wrapped

    def deref(self):
        return self._wrapped

    def __eq__(self, other):
        return isinstance(other, Reference) and self._wrapped is other._wrapped

    def __hash__(self):
        return id(self._wrapped)

    def __repr__(self):
        return f"<Reference wrapping {self._wrapped!r}>"


#: graphgrad op types whose TF type (Conv2D, MaxPool3D, ...) is kept in the `label` attribute.
_LABELLED_TYPES = {"Conv", "ConvBackpropInput", "ConvBackpropFilter", "MaxPool", "AvgPool"}


def tf_type(op):
    """The op's type as TensorFlow names it (graphgrad's Conv of a conv2d is TF's Conv2D)."""
    return op.attrs.get("label", op.type) if op.type in _LABELLED_TYPES else op.type


class NodeDefView:
    """An op's NodeDef as TF's Python reads it: TF's op type name, inputs named as TF names them ("op", "op:1",
    "^op"), its device; `attr` holds graphgrad's attribute values (plain Python, not AttrValue protos)."""

    def __init__(self, op):
        self.name, self.op, self.device, self.attr = op.name, tf_type(op), op.device or "", dict(op.attrs)
        self.input = [t.op.name if t.value_index == 0 else t.name for t in op.inputs] + \
            ["^" + c.name for c in op.control_inputs]

    def __repr__(self):
        return f"<NodeDef name={self.name!r} op={self.op!r}>"


class Operation:
    """A node of the graph: an op definition applied to input tensors with fixed attributes."""

    __slots__ = ("name", "op_def", "inputs", "outputs", "attrs", "graph", "control_inputs", "device",
                 "_id", "_control_outputs", "_branch", "__weakref__")

    def __init__(self, graph, op_def, name, inputs, attrs, control_inputs, device):
        self.graph = graph
        self.op_def = op_def
        self.name = name
        self.inputs = tuple(inputs)
        self.attrs = attrs
        self.control_inputs = list(control_inputs)
        self.device = device
        self.outputs = []
        self._id = None  # position in graph._ops: set when the graph adds the op (ties in run order break on it)
        self._control_outputs = []
        self._branch = None  # the tf.cond branch the op was built in (runs only when that branch is taken)

    @property
    def type(self) -> str:
        return self.op_def.type

    @property
    def node_def(self):
        """The op as TF's NodeDef shows it (`.name`, `.op`, `.input`, `.device`, `.attr`), as device functions and
        statistics functions read it."""
        return NodeDefView(self)

    def values(self):
        return tuple(self.outputs)

    def get_attr(self, name):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(f"Operation '{self.name}' has no attr named '{name}'.") from None

    def _add_control_input(self, op):
        if op not in self.control_inputs:
            self.control_inputs.append(op)
            op._control_outputs.append(self)

    def __repr__(self):
        return f"<tf.Operation '{self.name}' type={self.type}>"

    def __str__(self):
        inputs = "".join(f'\ninput: "{t.op.name if t.value_index == 0 else t.name}"' for t in self.inputs)
        ctrl = "".join(f'\ninput: "^{c.name}"' for c in self.control_inputs)
        return f'name: "{self.name}"\nop: "{self.type}"{inputs}{ctrl}'

    def _as_graph_element(self):
        return self


class _BuildScopes(threading.local):
    """A graph's name scope, control-dependency frames and device stack, per thread (as in TF1): a thread
    building into a shared graph never sees the scopes another thread has entered."""

    def __init__(self):
        self.name_stack = ""
        self.control_stack: list[tuple[list[Operation], set]] = []
        self.device_stack: list[str] = []
        self.cond_stack: list = []  # branches of tf.cond being built (ops/control_flow_ops.py), innermost last
        self.gradient_overrides: list[dict] = []  # gradient_override_map frames, innermost last


class Graph:
    """A TensorFlow 1.x style computation graph. Threads may build into one graph at once: scopes are
    per thread, and naming and adding an op happen under the graph's lock."""

    #: True on the graph that stands for eager execution (graphgrad/eager): its `create_op` runs the op at once.
    _is_eager = False

    def __init__(self):
        self._ops: list[Operation] = []
        self._nodes_by_name: dict[str, Operation] = {}
        self._names_in_use: dict[str, int] = {}
        self._scopes = _BuildScopes()
        self._lock = threading.RLock()
        self._collections: dict[str, list] = {}
        self._finalized = False
        self.seed = None
        self._variable_store = {}      # name -> Variable, for get_variable / variable_scope
        self._var_scope_stack = []     # active variable_scope names
        self._var_scope_counts = {}    # scope name -> times opened (for unique name scopes)

    # --- defaults ---------------------------------------------------------------------------------
    def as_default(self):
        return _default_graph_stack.get_controller(self)

    @property
    def finalized(self) -> bool:
        return self._finalized

    def finalize(self):
        """Make the graph read-only: adding an op afterwards raises RuntimeError (catches ops built in loops)."""
        self._finalized = True

    def _unsafe_unfinalize(self):
        """Make a finalized graph writable again (a MonitoredSession does so when it closes, if it finalized
        the graph itself), as TensorFlow's method of this name."""
        self._finalized = False

    @property
    def version(self) -> int:
        return len(self._ops)

    # --- naming -----------------------------------------------------------------------------------
    def get_name_scope(self) -> str:
        return self._scopes.name_stack

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """Scope-prefixed name made unique case-insensitively: `matmul` after `MatMul` is `matmul_1`."""
        scope = self._scopes.name_stack
        if scope:
            name = f"{scope}/{name}"
        key = name.lower()
        with self._lock:
            i = self._names_in_use.get(key, 0)
            if mark_as_used:
                self._names_in_use[key] = i + 1
            if i > 0:
                base = key
                while key in self._names_in_use:
                    key = f"{base}_{i}"
                    i += 1
                if mark_as_used:
                    self._names_in_use[key] = 1
                name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        """Enter a name scope; a name ending in '/' re-enters that exact scope, '' or None resets to root."""
        scopes = self._scopes
        old = scopes.name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            if not _VALID_SCOPE.match(name):
                raise ValueError(f"'{name}' is not a valid scope name")
            new = self.unique_name(name)
        scopes.name_stack = new
        try:
            yield f"{new}/" if new else ""
        finally:
            scopes.name_stack = old

    # --- device placement (recorded now; the GPU backend reads it) ----------------------------------
    @contextlib.contextmanager
    def device(self, device_name):
        stack = self._scopes.device_stack
        stack.append(device_name)  # None clears the enclosing scopes' device (it matters under a device function)
        try:
            yield
        finally:
            stack.pop()

    # --- control dependencies ---------------------------------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run after `control_inputs`; `None` clears the enclosing dependencies and, as in
        TF1, the enclosing tf.cond branch (so a variable created in a branch lives outside it)."""
        scopes = self._scopes
        if control_inputs is None:
            saved, scopes.control_stack = scopes.control_stack, []
            saved_branches, scopes.cond_stack = scopes.cond_stack, []
            try:
                yield
            finally:
                scopes.control_stack = saved
                scopes.cond_stack = saved_branches
            return
        ops = []
        for c in control_inputs:
            c = self.as_graph_element(c)
            c = c.op if isinstance(c, Tensor) else c
            if c.graph is not self:
                raise ValueError(f"Control input {c.name} must be from the same graph.")
            ops.append(c)
        stack = scopes.control_stack
        stack.append((ops, set()))
        try:
            yield
        finally:
            stack.pop()

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        """TF1's `gradient_override_map({"PyFunc": "MyGrad"})`: ops of those types created inside use the gradient
        registered with `tf.RegisterGradient("MyGrad")` (recorded as the op's `_gradient_op_type` attribute)."""
        stack = self._scopes.gradient_overrides
        stack.append(dict(op_type_map))
        try:
            yield
        finally:
            stack.pop()

    # --- op creation ------------------------------------------------------------------------------
    def create_op(self, op_def, inputs, attrs=None, name=None):
        """Add an op: name it, infer its outputs' shapes and dtypes, and wire it to its inputs."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        for t in inputs:
            if t.graph is not self:
                inputs = [x if x.graph is self else _foreign_input(self, x, op_def) for x in inputs]
                break
        name = name or op_def.type
        name = name[:-1] if name.endswith("/") else self.unique_name(name)
        attrs = attrs or {}
        scopes = self._scopes
        for frame in reversed(scopes.gradient_overrides):
            if op_def.type in frame:
                attrs = dict(attrs, _gradient_op_type=frame[op_def.type])
                break
        # As TF1: a frame's control inputs are skipped when a data input was created inside that frame (it
        # already depends on them) or is one of them.
        control = []
        input_ops = {t.op for t in inputs}
        for frame, created in scopes.control_stack:
            if input_ops & created:
                continue
            for c in frame:
                if c not in input_ops and c not in control:
                    control.append(c)
        devices = scopes.device_stack
        functions = any(callable(d) for d in devices)
        device = "" if functions or not devices else devices[-1] or ""
        op = Operation(self, op_def, name, inputs, attrs, control, device)
        if functions:  # a device function (tf.train.replica_device_setter's) decides the op's device, as in TF
            _apply_device_functions(op, devices)
        if scopes.cond_stack:
            op._branch = scopes.cond_stack[-1]
        op.outputs = infer_outputs(op)
        with self._lock:
            op._id = len(self._ops)
            for t in inputs:
                t._consumers.append(op)
            for c in control:
                c._control_outputs.append(op)
            self._ops.append(op)
            self._nodes_by_name[name] = op
        for _, created in scopes.control_stack:
            created.add(op)
        return op

    # --- lookup -----------------------------------------------------------------------------------
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        try:
            return self._nodes_by_name[name]
        except KeyError:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        if ":" not in name:
            raise ValueError(f"The name '{name}' looks like an (invalid) Operation name, not a Tensor. "
                             "Tensor names must be of the form \"<op_name>:<output_index>\".")
        op_name, idx = name.rsplit(":", 1)
        op = self._nodes_by_name.get(op_name)
        if op is None:
            raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. "
                           f"The operation, '{op_name}', does not exist in the graph.")
        try:
            return op.outputs[int(idx)]
        except (IndexError, ValueError):
            raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The operation, "
                           f"'{op_name}', exists but only has {len(op.outputs)} outputs.") from None

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolve a tensor, op, variable or name string to an element of this graph."""
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            if allow_operation:
                return self.get_operation_by_name(obj)
            raise ValueError(f"Name '{obj}' names an Operation, not a Tensor.")
        conv = getattr(obj, "_as_graph_element", None)
        if conv is None:
            raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")
        el = conv()
        if el.graph is not self:
            raise ValueError(f"{el!r} is not an element of this graph.")
        return el

    # --- collections ------------------------------------------------------------------------------
    def add_to_collection(self, name, value):
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for n in [names] if isinstance(names, str) else set(names):
            self.add_to_collection(n, value)

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None):
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pat = re.compile(scope)
        return [x for x in items if getattr(x, "name", None) is not None and pat.match(x.name)]

    def get_all_collection_keys(self):
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name):
        self._collections.pop(name, None)


def _foreign_input(graph, t, op_def):
    """An input from elsewhere: an eager tensor is captured as a constant of `graph` (its `_capture`, installed by
    graphgrad/eager); a tensor of another graph is an error."""
    capture = getattr(t, "_capture", None)
    if capture is None:
        raise ValueError(f"Tensor {t.name} must be from the same graph as the op being created ({op_def.type}).")
    return capture(graph)


_VALID_SCOPE = re.compile(r"^[A-Za-z0-9_.\\/>-][A-Za-z0-9_.\\/>-]*$")


def infer_outputs(op) -> list:
    """The op's output tensors, from its shape rule; a rule's error names the op and its input shapes."""
    try:
        specs = op.op_def.infer(op)
    except (ValueError, TypeError) as e:
        shapes = ", ".join(_shape_str(t.shape) for t in op.inputs)
        raise type(e)(f"{e} for '{op.name}' (op: '{op.type}') with input shapes: {shapes}.") from None
    return [Tensor(op, i, _dtypes.as_dtype(dt), as_shape(sh)) for i, (sh, dt) in enumerate(specs)]


def _shape_str(shape: TensorShape) -> str:
    if shape.dims_tuple is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.dims_tuple) + "]"


class _DefaultGraphStack(threading.local):
    """Per-thread stack of default graphs over one process-wide global default graph (made at import, so
    two threads asking for it at once never get two different graphs)."""

    _global_default = Graph()

    def __init__(self):
        self.stack = []

    def get_default(self) -> Graph:
        return self.stack[-1] if self.stack else _DefaultGraphStack._global_default

    @contextlib.contextmanager
    def get_controller(self, graph):
        self.stack.append(graph)
        try:
            yield graph
        finally:
            self.stack.pop()

    def reset(self):
        if self.stack:
            raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If you need "
                                 "a cleared graph, exit the nesting and create a new graph.")
        old = _DefaultGraphStack._global_default
        # the eager graph stays (eager execution is switched on for the process), it only forgets its seed
        _DefaultGraphStack._global_default = old._reset() if old._is_eager else Graph()


_default_graph_stack = _DefaultGraphStack()


def get_default_graph() -> Graph:
    return _default_graph_stack.get_default()


def reset_default_graph():
    """Start a fresh default graph (the lecture's cure for a cluttered notebook graph)."""
    _default_graph_stack.reset()


def name_scope(name, default_name=None, values=None):
    """`with tf.name_scope("layer1"):` prefixes op names with `layer1/` (made unique: `layer1_1/`).

    As in TF1, when `values` come from a graph other than the default one, that graph is the default inside
    the scope, so the constants an op converts its arguments to are made next to its inputs."""
    default = get_default_graph()
    if default._is_eager:  # executing eagerly: ops have no names to scope
        return default.name_scope(name)
    g = default
    for v in values or ():
        el = getattr(v, "graph", None)
        if isinstance(el, Graph) and not el._is_eager:
            g = el
            break
    scope = g.name_scope(name if name is not None else default_name)
    return scope if g is default else _scope_in_graph(g, scope)


@contextlib.contextmanager
def _scope_in_graph(g, scope):
    with g.as_default(), scope as s:
        yield s


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def _apply_device_functions(op, devices):
    """TF1's device stack, from the outermost scope in: a device function gives the op's device (seeing the one so
    far as `op.device`), a device string merges into it."""
    from .device_spec import merge_device

    for d in devices:
        op.device = (d(op) or "") if callable(d) else merge_device(op.device, d)


def device(device_name):
    return get_default_graph().device(device_name)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)
