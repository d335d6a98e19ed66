"""`tf.train.Optimizer`: gradients as graph ops, then one fused in-place update op per variable.

`minimize(loss)` = `compute_gradients` (graphgrad.autodiff.gradients w.r.t. each variable) followed by
`apply_gradients`, which builds, under a name scope named after the optimizer (`GradientDescent/`, `Adam/`):

    <scope>/learning_rate, ...         float32 Const hyper-parameters (cast once per variable dtype)
    <scope>/update_<var>/Apply<Name>   one op per variable that writes the variable AND its slots in place
    <scope>/update  (or <scope>)       a NoOp grouping the updates
    <scope>                            AssignAdd(global_step, 1) after the updates, when global_step is given

Slots (Adam's m and v, Momentum's accumulator, ...) are ordinary non-trainable variables named like
TensorFlow's (`<var>/Adam`, `<var>/Adam_1`), so `global_variables_initializer()` initializes them and a
checkpoint saves them. The fused ops subclass `ApplyOp` (a `state_ops.MutatingOp`) with every variable and slot
as a reference input: the plan passes values only for the hyper-parameters and the gradient and checks up front
that the buffers are initialized. Each op declares its update rule once, as an element-wise body
(`runtime/elementwise.py`); `ApplyOp.kernel` runs it as one fused kernel on a GPU, and on the CPU as the NumPy
kernel generated from it: `out=` arithmetic into scratch buffers kept per thread, so a step allocates nothing
(slice by slice for big variables, so the scratch stays small).
"""
from __future__ import annotations

import math

from .. import eager as _eager
from ..autodiff import gradients as _gradients
from ..eager import context as _eager_context
from ..eager import replay as _replay
from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import GraphKeys, Tensor, get_default_graph, name_scope
from ..framework.op_def import fully_defined, not_differentiable, static_shape
from ..framework.tensor_shape import TensorShape
from ..ops import state_ops
from ..ops.core import constant, convert_to_tensor, group, tuple_, zeros_like
from ..ops.indexed_slices import IndexedSlices, deduplicate
from ..ops.math_ops import cast
from ..partitioned_variables import SaveSliceInfo
from ..runtime import elementwise, gemm_pool
from ..runtime.elementwise import scratch
from ..variables import Variable, trainable_variables

__all__ = ["Optimizer", "ApplyOp", "scratch"]

_VALID_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64)


# --- fused update ops -----------------------------------------------------------------------------------

class ApplyOp(state_ops.MutatingOp):
    """Base of the fused update ops. Inputs follow TensorFlow's training ops and are named as there
    (`input_names`): the variable and its slots first (reference inputs, listed in `ref_inputs`), then scalar
    hyper-parameters and the gradient at `grad_index`. Every non-reference input has the variable's dtype (the
    optimizer casts its float32 hyper-parameters once per dtype), so kernels never promote.

    The update itself is an element-wise rule (`runtime/elementwise.py`), `update`, or `rule(op)` where the
    op's attributes pick a variant (Nesterov momentum). Its output parameters are the reference inputs and its
    input parameters the other inputs, matched by name; `kernel` runs the rule as one fused kernel on a GPU and
    as the NumPy kernel generated from it on the CPU, so a subclass defines no kernel of its own."""

    ref_inputs = (0,)
    grad_index = -1
    #: TensorFlow's names of the op's inputs, in order ("var", "m", "v", "beta1_power", ..., "grad").
    input_names: tuple = ()
    #: The update rule, a `runtime.elementwise.Fused` body (or override `rule`).
    update = None

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.update is not None and cls.update.arrays is not None and "jit_calls" not in cls.__dict__:
            cls.jit_calls = elementwise.numpy_kernel(cls.update).calls  # each a pass over the variable (Adam: 12)
        if "kernel" in cls.__dict__:
            cls.kernel = _checked_kernel(cls.__dict__["kernel"])
            if "jit" not in cls.__dict__:  # the rule's template is no longer what the op computes
                cls.jit = None
            cls.pooled_update = None  # nor does it run the rule over the pool

    def rule(op):
        """The update rule this op runs (a variant may depend on the op's attributes)."""
        return op.op_def.update

    def kernel(op, ctx):
        """The op's update rule bound to this op's buffers: `apply(*non-reference inputs)` -> the variable."""
        op_def = op.op_def
        body = op_def.rule(op)
        names, refs = op_def.input_names, op_def.ref_inputs
        args = [n for i, n in enumerate(names) if i not in refs]
        outs = [names[i] for i in refs]
        if (len(names) != len(op.inputs) or outs != body.names(body.out_params)
                or sorted(args) != sorted(body.names(body.in_params))):
            raise TypeError(f"{op.type}: inputs {list(names)} (references {outs}) do not match the parameters of "
                            f"its update rule {body.name}: {body.in_params} -> {body.out_params}")
        store, keys = ctx.variables, [op.inputs[i].op for i in refs]
        fused = ctx.backend.fused(body)
        if fused is None:  # the CPU: the NumPy kernel generated from the rule
            apply = elementwise.numpy_kernel(body).bind(ctx.xp, args=args, store=store, keys=keys)
            var_shape = static_shape(op.inputs[0])
            if not fully_defined(var_shape) or math.prod(var_shape) >= gemm_pool.HERE_FROM:
                apply = _compiled_here(apply, body, args, store, keys, ctx)
            return _pooled(apply, body, args, store, keys) if op_def.pooled_update(op) else apply
        order = [args.index(n) for n in body.names(body.in_params)]

        def apply_fused(*a):  # a GPU: the whole update in one kernel
            buffers = [store[k] for k in keys]
            fused(*[a[i] for i in order], *buffers)
            return buffers[0]
        return apply_fused

    def update_rule(op):
        """(the rule, its parameter for each non-reference input, the gradient's input): `OpDef.update_rule`."""
        od = op.op_def
        return (od.rule(op), [n for i, n in enumerate(od.input_names) if i not in od.ref_inputs],
                od.grad_index % len(op.inputs))

    def pooled_update(op):
        """A variable of at least `gemm_pool.UPDATE_FROM` elements (known when the graph was built) is updated
        over the GEMM pool's threads where it runs (`gemm_pool.update`), one block of elements per thread at a
        time, instead of in an island's loop on one core."""
        var_shape = static_shape(op.inputs[0])
        return (op.op_def.rule(op).arrays is not None and fully_defined(var_shape)
                and math.prod(var_shape) >= gemm_pool.UPDATE_FROM and op.outputs[0].dtype.base_dtype.name in
                ("float32", "float64") and gemm_pool.usable())

    def jit(op, facts):
        """The update rule as in-place NumPy statements (runtime/elementwise.py, `numba_template`) on the
        variable's arrays. Inputs whose shapes were unknown when the graph was built keep the checked kernel, and
        a big variable's update its kernel, which runs it over the GEMM pool (`pooled_update`)."""
        if op.op_def.pooled_update(op):
            return None
        var_shape = static_shape(op.inputs[0])
        refs, grad_index = set(op.op_def.ref_inputs), op.op_def.grad_index % len(op.inputs)
        for i, t in enumerate(op.inputs):
            if i not in refs and static_shape(t) != (var_shape if i == grad_index else ()):
                return None
        if not fully_defined(var_shape) or not op.outputs[0].dtype.is_floating:
            return None
        return elementwise.numba_template(op.op_def.rule(op),
                                          {n: f"{{i{i}}}" for i, n in enumerate(op.op_def.input_names)})

    def infer(op):
        var = op.inputs[0]
        state_ops.MutatingOp.infer(op)
        dt = var.dtype.base_dtype
        n = len(op.inputs)
        refs = op.op_def.ref_inputs
        grad_index = op.op_def.grad_index % n
        for i, t in enumerate(op.inputs):
            if i in refs:
                if not t.dtype.is_ref_dtype:
                    raise TypeError(f"Input {i} of '{op.type}' Op requires l-value input ({t.name} is not a "
                                    "variable)")
            if t.dtype.base_dtype != dt:
                raise TypeError(f"Input '{t.name}' of '{op.type}' Op has type {t.dtype.base_dtype.name} that "
                                f"does not match type {dt.name} of argument '{var.name}'")
            if i in refs or i == grad_index:
                if not var.shape.is_compatible_with(t.shape):
                    raise ValueError(f"Shapes must be equal rank, or compatible, but are {var.shape} and "
                                     f"{t.shape}")
            elif static_shape(t) not in (None, ()):
                raise ValueError(f"Shape must be rank 0 but is rank {len(static_shape(t))} for input "
                                 f"'{t.name}' of '{op.type}'")
        return [(static_shape(var), var.dtype)]

    gradient = not_differentiable


def _compiled_here(apply, rule, args, store, keys, ctx):
    """`apply` (the NumPy kernel of `rule` bound to an op's buffers), or the rule compiled as one loop where the
    run context has it (`RunContext.compiled_update`: Numba already loaded, a variable big enough; bit for bit the
    same values): an eager step's Adam updates once its compile clock ran out (eager/context.py)."""
    if rule.arrays is None:
        return apply
    arrays, scalars = rule.positions(args)

    def apply_compiled(*a):
        done = ctx.compiled_update(rule, store, keys, [a[i] for i in arrays], [a[i] for i in scalars])
        return apply(*a) if done is None else done
    return apply_compiled


def _pooled(apply, rule, args, store, keys):
    """`apply` (the NumPy kernel of `rule` bound to an op's buffers) run over the GEMM pool's threads while the
    pool runs (runtime/gemm_pool.py `update`: bit for bit the same values)."""
    arrays, scalars = rule.positions(args)

    def apply_pooled(*a):
        if gemm_pool.started():
            outs = [store[k] for k in keys]
            if gemm_pool.update(rule, outs, [a[i] for i in arrays], [a[i] for i in scalars]):
                return outs[0]
        return apply(*a)
    return apply_pooled


def _checked_kernel(kernel):
    """An update kernel that first checks the inputs whose shapes were unknown when the graph was built (a
    learning rate from `tf.placeholder(tf.float32)`): hyper-parameters must be scalars and the gradient must
    have the variable's shape, as TensorFlow's training ops demand. Without the check NumPy would broadcast a
    vector learning rate into the update, or fail half-way through it. Inputs known statically cost nothing."""
    def bind(op, ctx):
        fn = kernel(op, ctx)
        refs = op.op_def.ref_inputs
        grad_index = op.op_def.grad_index % len(op.inputs)
        var_shape = static_shape(op.inputs[0])
        # positions among the kernel's arguments (reference inputs carry no value)
        args = [i for i in range(len(op.inputs)) if i not in refs]
        scalars = [(k, op.inputs[i]) for k, i in enumerate(args)
                   if i != grad_index and static_shape(op.inputs[i]) != ()]
        grad = [(k, op.inputs[i]) for k, i in enumerate(args)
                if i == grad_index and static_shape(op.inputs[i]) != var_shape] if fully_defined(var_shape) else []
        if not scalars and not grad:
            return fn

        def checked(*a):
            for k, t in scalars:
                if getattr(a[k], "ndim", 0) != 0:
                    raise InvalidArgumentError(op.node_def, op, f"{op.type}: {t.op.name} is not a scalar: "
                                               f"{list(a[k].shape)}\n\t [[{{{{node {op.name}}}}}]]")
            for k, _ in grad:
                if tuple(a[k].shape) != var_shape:
                    raise InvalidArgumentError(op.node_def, op, f"{op.type}: var and grad do not have the same "
                                               f"shape{list(var_shape)} {list(a[k].shape)}\n\t "
                                               f"[[{{{{node {op.name}}}}}]]")
            return fn(*a)
        return checked
    return bind


ApplyOp.kernel = _checked_kernel(ApplyOp.kernel)  # subclasses that define their own are wrapped on definition


# --- the optimizer base class ------------------------------------------------------------------------

def _var_key(var):
    return var.op


def _ref(var):
    """The reference tensor of a Variable (what gradients and update ops take)."""
    r = getattr(var, "_ref", None)
    return r() if r is not None and not isinstance(var, Tensor) else var


def _assert_valid_dtypes(tensors):
    for t in tensors:
        dt = t.dtype.base_dtype
        if dt not in _VALID_DTYPES:
            raise ValueError(f"Invalid type {dt.name} for {t.name}, expected: "
                             f"[{', '.join(d.name for d in _VALID_DTYPES)}].")


class Optimizer:
    """Base class of optimizers (TF1 `tf.train.Optimizer`). Subclasses define `_create_slots`, `_prepare`
    (hyper-parameter tensors), `_apply_dense(grad, var)` (the fused update op), `_apply_sparse(grad, var)` (the
    update of the rows of an IndexedSlices gradient: train/sparse_apply.py) and optionally `_finish`."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict] = {}           # slot name -> {VariableV2 op: slot Variable}
        self._non_slot_dict: dict[tuple, Variable] = {}  # (name, graph) -> Variable (Adam's beta powers)
        self._hyper_tensors: dict[str, Tensor] = {}  # name -> hyper-parameter tensor, per apply_gradients
        self._casts: dict[tuple, Tensor] = {}       # (hyper name, dtype) -> tensor, per apply_gradients

    def get_name(self):
        return self._name

    # --- the public API -------------------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """Add ops that compute the gradients of `loss` and apply them; returns the training op."""
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients, aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        if not [v for g, v in grads_and_vars if g is not None]:
            raise ValueError("No gradients provided for any variable, check your graph for ops that do not "
                             f"support gradients, between variables {[str(v) for _, v in grads_and_vars]} "
                             f"and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """[(gradient or None, variable)] for `var_list` (default: the trainable variables). When executing
        eagerly `loss` is a function, run under a GradientTape (default var_list: the variables it read)."""
        if _eager.executing_eagerly():
            return self._compute_gradients_eagerly(loss, var_list, grad_loss)
        if callable(loss) and not isinstance(loss, Tensor):
            loss = loss()
        loss = convert_to_tensor(loss)
        _assert_valid_dtypes([loss])
        if grad_loss is not None:
            grad_loss = convert_to_tensor(grad_loss)
            _assert_valid_dtypes([grad_loss])
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH):
            raise ValueError(f"gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, "
                             f"Optimizer.GATE_GRAPH. Not {gate_gradients}")
        if var_list is None:
            with loss.graph.as_default():
                var_list = trainable_variables()
        else:
            var_list = list(_flatten(var_list))
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = _gradients(loss, [_ref(v) for v in var_list], grad_ys=grad_loss,
                           aggregation_method=aggregation_method,
                           colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gate_gradients == Optimizer.GATE_GRAPH:
            grads = tuple_(grads)
        grads_and_vars = list(zip(grads, var_list))
        _assert_valid_dtypes([_ref(v) for g, v in grads_and_vars if g is not None])
        return grads_and_vars

    def _compute_gradients_eagerly(self, loss, var_list, grad_loss):
        if not callable(loss):
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a function when eager "
                               "execution is enabled: `opt.minimize(lambda: loss_of(model), var_list=...)`.")
        if var_list is not None:
            var_list = list(_flatten(var_list))
        with _eager.GradientTape() as tape:
            if var_list is not None:
                tape.watch(var_list)
            value = loss()
        _assert_valid_dtypes([convert_to_tensor(value)])
        if var_list is None:
            var_list = tape.watched_variables()
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = tape.gradient(value, var_list, output_gradients=None if grad_loss is None else [grad_loss])
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """One op that runs every variable's update, then increments `global_step` (if given) once."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for g, v in grads_and_vars:
            if g is not None and not isinstance(g, IndexedSlices):
                try:
                    g = convert_to_tensor(g)
                except (TypeError, ValueError):
                    raise TypeError(f"Gradient must be convertible to a Tensor or IndexedSlices, or None: "
                                    f"{g}") from None
            if not isinstance(v, Variable):
                raise TypeError(f"Can not update {v!r}: optimizers update tf.Variable objects")
            converted.append((g, v))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError(f"No gradients provided for any variable: {[str(v) for _, v in converted]}.")
        graph = var_list[0].graph
        with graph.as_default():
            self._create_slots(var_list)
            for restore in list(self.__dict__.get("_deferred_restores", ())):  # tf.train.Checkpoint's pending
                restore()
            with name_scope(name, self._name) as scope:
                self._casts, self._hyper_tensors = {}, {}
                self._prepare()
                try:
                    if graph._is_eager and _replay.ENABLED and _replayable(self, var_list):
                        return self._replayed_updates(converted, var_list, global_step, scope)
                    return self._build_updates(converted, var_list, global_step, scope)
                finally:
                    self._casts, self._hyper_tensors = {}, {}

    def _build_updates(self, converted, var_list, global_step, scope):
        """The updates of `apply_gradients` after `_prepare`: casts, one update op per variable, `_finish`."""
        graph = get_default_graph()
        # Every cast before the first update op: after the first in-place write only other
        # in-place updates may run, or the plan would have to snapshot the variables each step.
        for dt in dict.fromkeys(v.dtype.base_dtype for v in var_list):
            for hyper_name, t in self._hyper_tensors.items():
                self._cast(hyper_name, t, dt)
        one = None
        if global_step is not None:
            step_ref = _ref(global_step)
            # Made before the updates (not under their control dependency), so that nothing but
            # in-place updates runs after the first write and the plan needs no snapshot.
            one = constant(1, dtype=step_ref.dtype.base_dtype, name="value")
        update_ops = []
        for g, v in converted:
            if g is None:
                continue
            with name_scope("update_" + v.op.name):
                update_ops.append(self._update(g, v))
        if global_step is None:
            apply_updates = self._finish(update_ops, scope)
        else:
            with graph.control_dependencies([self._finish(update_ops, "update")]):
                apply_updates = state_ops.assign_add(step_ref, one, name=scope)
        if isinstance(apply_updates, Tensor):
            apply_updates = apply_updates.op
        train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
        if apply_updates not in train_ops:
            train_ops.append(apply_updates)
        return apply_updates

    def _replayed_updates(self, converted, var_list, global_step, scope):
        """`_build_updates` while executing eagerly, replayed (eager/replay.py) once two calls with the same
        variables, gradient signatures and hyper-parameter signatures ran the same kernels: then a step calls each
        variable's bound update kernel on the gradient, with none of the code above. The hyper-parameters are
        operands (`_prepare` made them this call), so a changed learning rate is used."""
        fed = [g for g, _ in converted if g is not None] + list(self._hyper_tensors.values())
        operands = _replay.operand_key(fed)
        if operands is None or any(t._recording for t in _eager_context._tapes):
            return self._build_updates(converted, var_list, global_step, scope)
        key = (tuple((v, g is None) for g, v in converted), global_step, scope, *operands)
        replays = self.__dict__.get("_replays")
        if replays is None:
            replays = self._replays = _replay.Replays(size=64)
        return replays.run(key, fed, lambda _: [self._build_updates(converted, var_list, global_step, scope)])[0]

    def _update(self, grad, var):
        if isinstance(grad, IndexedSlices):
            if var.constraint is not None:
                raise RuntimeError("Cannot use a constraint function on a sparse variable.")
            return self._apply_sparse_duplicate_indices(grad, var)
        op = self._apply_dense(grad, var)
        if var.constraint is not None:
            with get_default_graph().control_dependencies([op]):
                return var.assign(var.constraint(var.value()))
        return op

    # --- slots ----------------------------------------------------------------------------------------
    def get_slot(self, var, name):
        """The slot variable `name` (see `get_slot_names`) created for `var`, or None."""
        named = self._slots.get(name)
        return None if named is None else named.get(_var_key(var))

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        """The optimizer's own variables in the current graph (slots and e.g. Adam's beta powers), by name."""
        g = get_default_graph()
        out = [v for (_, graph), v in self._non_slot_dict.items() if graph is g]
        for named in self._slots.values():
            out.extend(v for v in named.values() if v.graph is g)
        return sorted(out, key=lambda v: v.name)

    def _slot(self, var, slot_name, fill_value=0.0, op_name=None):
        """Get or create `var`'s slot `slot_name`: a variable `<var>/<optimizer name>[_n]` filled with
        `fill_value`, of the variable's shape and dtype, non-trainable, in GLOBAL_VARIABLES."""
        named = self._slots.setdefault(slot_name, {})
        key = _var_key(var)
        if key not in named:
            named[key] = _create_slot(var, lambda: fill_value, op_name or self._name)
        return named[key]

    def _zeros_slot(self, var, slot_name, op_name=None):
        return self._slot(var, slot_name, 0.0, op_name)

    def _get_or_make_slot(self, var, val, slot_name, op_name):
        """TF1's hook for custom optimizers: a slot whose initial value is the tensor `val`."""
        named = self._slots.setdefault(slot_name, {})
        key = _var_key(var)
        if key not in named:
            named[key] = _create_slot(var, lambda: convert_to_tensor(val), op_name)
        return named[key]

    def _get_or_make_slot_with_initializer(self, var, initializer, shape, dtype, slot_name, op_name):
        """TF1's hook for custom optimizers: a slot initialized by `initializer(shape, dtype=dtype)`."""
        named = self._slots.setdefault(slot_name, {})
        key = _var_key(var)
        if key not in named:
            shape = TensorShape(shape).as_list()
            named[key] = _create_slot(var, lambda: initializer(shape, dtype=dtypes.as_dtype(dtype)), op_name)
        return named[key]

    def _create_non_slot_variable(self, initial_value, name, colocate_with=None):
        g = _owner_graph(colocate_with.graph if colocate_with is not None else get_default_graph())
        key = (name, g)
        v = self._non_slot_dict.get(key)
        if v is None:
            with g.as_default():
                v = Variable(self._call_if_callable(initial_value), name=name, trainable=False)
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, _owner_graph(graph or get_default_graph())))

    # --- hyper-parameters -----------------------------------------------------------------------------
    @staticmethod
    def _call_if_callable(param):
        return param() if callable(param) else param

    def _hyper(self, name, value):
        """A hyper-parameter as a tensor named `<scope>/<name>` (a Python float becomes float32); registered
        so that `apply_gradients` casts it to each variable dtype before the first update."""
        value = self._call_if_callable(value)
        if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
            t = convert_to_tensor(value)
        else:
            t = convert_to_tensor(value, name=name)
        self._hyper_tensors[name] = t
        return t

    def _cast(self, name, tensor, dtype):
        """`tensor` in the variable's dtype, cast once per apply_gradients call and dtype."""
        dtype = dtype.base_dtype
        if tensor.dtype.base_dtype == dtype:
            return tensor
        key = (name, dtype)
        t = self._casts.get(key)
        if t is None:
            t = self._casts[key] = cast(tensor, dtype)
        return t

    # --- hooks for subclasses -------------------------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _apply_sparse_duplicate_indices(self, grad, var):
        """Apply an IndexedSlices gradient: its repeated indices summed first, then `_apply_sparse` (TF1's
        order; an optimizer whose update adds up repeated rows by itself overrides this)."""
        values, indices = deduplicate(grad.values, grad.indices)
        return self._apply_sparse(IndexedSlices(values, indices, grad.dense_shape), var)

    def _apply_sparse(self, grad, var):
        """The update of the rows `grad.indices` (unique) from an IndexedSlices gradient (an embedding's)."""
        raise NotImplementedError()

    def _finish(self, update_ops, name_scope):
        return group(*update_ops, name=name_scope)


def _replayable(optimizer, var_list):
    """Whether the eager updates may be replayed: graphgrad's own optimizers (whose update code has no Python side
    effects), and no variable with a constraint (a Python function)."""
    cls = type(optimizer)
    own = _OWN_CLASSES.get(cls)
    if own is None:
        own = _OWN_CLASSES[cls] = all(c.__module__.startswith("graphgrad.") for c in cls.__mro__ if c is not object)
    return own and all(v.constraint is None for v in var_list)


_OWN_CLASSES: dict = {}  # optimizer class -> whether it and its bases are graphgrad's


def _owner_graph(g):
    """The graph an optimizer's own variables (Adam's beta powers) belong to: the eager graph while executing
    eagerly and while a tf.function is traced (they are created eagerly and outlive the trace), else `g`."""
    if _eager.eager_enabled() and getattr(g, "_lifts_variables", g._is_eager):
        return _eager.eager_graph()
    return g


def _flatten(x):
    """The variables of a var_list: any iterable of them (a list, a dict view, a generator, a set, nested), or a
    dict's values. A set comes in creation order, so slot names and update order do not depend on hashing."""
    if isinstance(x, (Variable, Tensor, str, bytes)):
        yield x
    elif isinstance(x, dict):
        for y in x.values():
            yield from _flatten(y)
    elif isinstance(x, (set, frozenset)):
        for y in sorted(x, key=_creation_order):
            yield from _flatten(y)
    elif hasattr(x, "__iter__"):
        for y in x:
            yield from _flatten(y)
    else:
        yield x


def _creation_order(v):
    op = getattr(v, "op", None)
    return getattr(op, "_id", None) or 0


def _create_slot(var, initial, op_name):
    """A slot variable `<var>/<op_name>` (made unique: `_1`, `_2`, ...) shaped like `var`. `initial()` gives
    a number to fill it with, or a tensor. The slot of a partitioned variable's part is saved as that part of
    `<whole variable>/<op_name>`, as TF saves it."""
    g = var.graph
    dtype = var.dtype.base_dtype
    shape = var.shape
    name = f"{var.op.name}/{op_name}"
    with g.as_default(), g.control_dependencies(None), g.name_scope(None):
        def init():
            value = initial()
            if _is_tensor(value):
                return value
            if shape.is_fully_defined():
                return _filled(shape.as_list(), value, dtype)
            # A variable made with validate_shape=False: take the shape of its initial value at run time.
            return zeros_like(var.initial_value) + constant(value, dtype=dtype)
        slot = Variable(init, trainable=False, name=name, dtype=dtype, validate_shape=shape.is_fully_defined(),
                        _absolute_name=True)
    info = getattr(var, "_save_slice_info", None)
    n = slot.shape.ndims
    if info is not None and n != 0:  # the slot of a part is the same part of the whole variable's slot, as in TF
        n = len(info.full_shape) if n is None else n
        slot._save_slice_info = SaveSliceInfo(f"{info.full_name}/{slot.op.name[len(var.op.name) + 1:]}",
                                              info.full_shape[:n], info.var_offset[:n], info.var_shape[:n])
    return slot


def _is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")


def _filled(shape, value, dtype):
    """A tensor of `shape` filled with `value` (a small Const, or a Fill op made when the initializer runs,
    so a big model's slots do not store their initial values in the graph)."""
    from ..ops import array_ops

    if value == 0:
        return array_ops.zeros(shape, dtype=dtype)
    if value == 1:
        return array_ops.ones(shape, dtype=dtype)
    return array_ops.fill(shape, constant(value, dtype=dtype, name="value"), name="Const")
