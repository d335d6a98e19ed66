"""Variable storage ops. A variable's value lives in the Session (never in the graph): `VariableV2` reads
the session's buffer, and the mutating ops write into it in place through their first (reference) input."""
from __future__ import annotations

import numpy as np

from ..framework import errors
from ..framework.errors import op_error, uninitialized_error
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, broadcast_shape, fully_defined, not_differentiable, same_dtype, static_shape
from .core import apply_op, convert_to_tensor


class VariableV2(OpDef):
    type = "VariableV2"
    stateful = True
    is_variable = True

    def infer(op):
        return [(op.attrs["shape"].dims_tuple, op.attrs["dtype"]._as_ref())]

    def kernel(op, ctx):
        store = ctx.variables

        def read():
            try:
                return store[op]
            except KeyError:
                raise uninitialized_error(op) from None
        return read

    gradient = not_differentiable


class MutatingOp(OpDef):
    """Base of ops that write a variable in place. Input 0 is the variable's reference: the plan passes no
    value for it; the kernel finds the buffer through `ctx.variables[op.inputs[0].op]`.

    `needs_initialized` says that the variable must hold a value before the run starts (checked up front,
    so a run never fails halfway through its updates)."""

    stateful = True
    mutates = True
    ref_inputs = (0,)
    needs_initialized = True

    def can_fail(op):
        """Only through a value whose shape was unknown when the graph was built: every static shape has been
        checked by `infer` (the variable's own buffer exists: `needs_initialized` is checked before the run)."""
        refs = op.op_def.ref_inputs
        return any(not fully_defined(static_shape(t)) for i, t in enumerate(op.inputs) if i not in refs)

    def infer(op):
        ref = op.inputs[0]
        if not ref.dtype.is_ref_dtype:
            raise TypeError(f"Input 'ref' of '{op.type}' Op requires l-value input ({ref.name} is not a variable)")
        return [(static_shape(ref), ref.dtype)]


def _check_value(op):
    ref, value = op.inputs[0], op.inputs[1]
    same_dtype(op, ref, value)
    if op.attrs.get("validate_shape", True) and not ref.shape.is_compatible_with(value.shape):
        raise ValueError(f"Shapes must be equal rank, or compatible, but are {ref.shape} and {value.shape}")


class Assign(MutatingOp):
    type = "Assign"
    needs_initialized = False

    def infer(op):
        _check_value(op)
        shape = static_shape(op.inputs[1]) if not op.attrs.get("validate_shape", True) else \
            static_shape(op.inputs[0])
        return [(shape, op.inputs[0].dtype)]

    def kernel(op, ctx):
        store, var, xp, replace = ctx.variables, op.inputs[0].op, ctx.xp, ctx.set_variable
        dtype = op.inputs[0].dtype.base_dtype.np
        if dtype == np.dtype(object):  # tf.string variables stay NumPy arrays on every backend
            xp = np

        def assign(value):
            cur = store.get(var)
            if cur is not None and cur.shape == value.shape:
                xp.copyto(cur, value)
                return cur
            new = xp.array(value, dtype=dtype, copy=True)
            replace(var, new)
            return new
        return assign

    gradient = not_differentiable


class AssignAdd(MutatingOp):
    type = "AssignAdd"

    def infer(op):
        _check_value(op)
        broadcast_shape(static_shape(op.inputs[0]), static_shape(op.inputs[1]))
        return MutatingOp.infer(op)

    def kernel(op, ctx):
        store, var = ctx.variables, op.inputs[0].op
        sub = op.op_def.type == "AssignSub"

        def update(value):
            cur = store[var]
            if sub:
                cur -= value
            else:
                cur += value
            return cur
        return update

    gradient = not_differentiable


class AssignSub(AssignAdd):
    type = "AssignSub"


class CountUpTo(MutatingOp):
    """CountUpTo(ref; limit): the integer variable's value before adding 1; `OutOfRangeError` "Reached limit of
    <limit>" once it has reached `limit` (how `tf.train.limit_epochs` counts epochs)."""

    type = "CountUpTo"

    def infer(op):
        if not op.inputs[0].dtype.base_dtype.is_integer:
            raise TypeError(f"Value passed to parameter 'ref' has DataType {op.inputs[0].dtype.base_dtype.name} "
                            "not in list of allowed values: int32, int64")
        return [(static_shape(op.inputs[0]), op.inputs[0].dtype.base_dtype)]

    def kernel(op, ctx):
        store, var, limit = ctx.variables, op.inputs[0].op, op.attrs["limit"]

        def count_up_to():
            cur = store[var]
            before = cur.copy()
            if before >= limit:
                raise op_error(errors.OutOfRangeError, op, f"Reached limit of {limit}")
            cur += 1
            return before
        return count_up_to

    def can_fail(op):
        return True

    gradient = not_differentiable


def count_up_to(ref, limit, name=None):
    """Increment the integer variable `ref` until it reaches `limit`; returns its value before the increment."""
    ref = _ref_of(ref)
    return apply_op(CountUpTo, [ref], {"limit": int(limit)}, name or "CountUpTo")


def _ref_of(ref):
    t = getattr(ref, "_ref", None)
    return t() if t is not None else convert_to_tensor(ref)


def _update(op_def, ref, value, attrs, name):
    """Create a variable-writing op; a Python `value` becomes a Const named `<op>/value`, as in TF1."""
    ref = _ref_of(ref)
    with name_scope(name, op_def.type, [ref]) as scope:
        value = convert_to_tensor(value, dtype=ref.dtype.base_dtype, name="value")
        return apply_op(op_def, [ref, value], attrs, scope)


def assign(ref, value, validate_shape=True, use_locking=None, name=None):
    return _update(Assign, ref, value, {"validate_shape": validate_shape}, name)


def assign_add(ref, value, use_locking=None, name=None):
    return _update(AssignAdd, ref, value, None, name)


def assign_sub(ref, value, use_locking=None, name=None):
    return _update(AssignSub, ref, value, None, name)


class IsVariableInitialized(OpDef):
    type = "IsVariableInitialized"
    ref_inputs = (0,)
    stateful = True

    def infer(op):
        return [((), "bool")]

    def kernel(op, ctx):
        store, var = ctx.variables, op.inputs[0].op
        xp = ctx.xp
        return lambda: xp.asarray(var in store)

    gradient = not_differentiable


def is_variable_initialized(variable):
    return apply_op(IsVariableInitialized, [_ref_of(variable)], None, "IsVariableInitialized")


class ValueOrDefault(OpDef):
    """The variable's value when it holds one in this session, else `default` (its initial value): what
    `Variable.initialized_value()` reads, without TF1's cond."""

    type = "ValueOrDefault"
    ref_inputs = (0,)
    stateful = True
    view_of = 0  # may be the variable's own buffer

    def infer(op):
        ref, default = op.inputs
        same_dtype(op, ref, default)
        return [(static_shape(ref), ref.dtype.base_dtype)]

    def kernel(op, ctx):
        store, var = ctx.variables, op.inputs[0].op
        return lambda default: store.get(var, default)

    gradient = not_differentiable


def value_or_default(variable, default, name=None):
    ref = _ref_of(variable)
    return apply_op(ValueOrDefault, [ref, convert_to_tensor(default, dtype=ref.dtype.base_dtype)], None,
                    name or "ValueOrDefault")


class ReportUninitialized(OpDef):
    """Names of the variables (given as references) that hold no value in this session."""

    type = "ReportUninitializedVariables"
    stateful = True
    ref_inputs = "all"

    def infer(op):
        return [((None,), "string")]

    def kernel(op, ctx):
        import numpy as np

        store = ctx.variables
        vars_ = [t.op for t in op.inputs]
        names = [v.name.encode() for v in vars_]  # tf.string values are bytes
        return lambda *a: np.array([n for v, n in zip(vars_, names) if v not in store], dtype=object)

    gradient = not_differentiable


def report_uninitialized(refs, name=None):
    op_def = ReportUninitialized
    return apply_op(op_def, list(refs), None, name or "report_uninitialized_variables",
                    graph=refs[0].graph if refs else None)
