"""The run-time operators converted code calls (as `ag__.if_stmt`, `ag__.while_stmt`, ...).

The conversion cannot know, when it rewrites the source, whether a condition will be a Python bool or a graph
tensor: that is decided here, when the code runs. A Python value (or an eager tensor, which has its value)
runs the statement as plain Python; a graph tensor builds `tf.cond` / `tf.while_loop`.

Converted statements are functional: a branch or loop body is a function that takes the statement's state (the
values of the variables it assigns) as arguments and returns their new values, so the same function serves a
Python run and a graph build.
"""
from __future__ import annotations

import builtins

from ..framework import dtypes
from ..framework.graph import Tensor, control_dependencies, get_default_graph
from ..ops.comparison_ops import logical_not
from ..ops.control_flow_ops import cond
from ..ops.core import convert_to_tensor, identity
from ..ops.tensor_array_ops import TensorArray
from ..ops.while_ops import while_loop
from ..variables import Variable


class Undefined:
    """The value of a variable that is not assigned yet at this point of the converted function."""

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name):
        self.symbol_name = symbol_name

    def __repr__(self):
        return f"Undefined({self.symbol_name!r})"


class UndefinedReturnValue:
    """`retval_` of a converted function before a `return` statement has set it."""

    def __repr__(self):
        return "UndefinedReturnValue()"


def ld(value):
    """A read of a variable that may still be `Undefined`: Python's own error, as the original code would raise."""
    if isinstance(value, Undefined):
        raise UnboundLocalError(f"cannot access local variable '{value.symbol_name}' where it is not associated "
                                "with a value")
    return value


def retval(value):
    """What the converted function returns: None when no `return` statement ran (as Python)."""
    return None if isinstance(value, UndefinedReturnValue) else value


def is_graph_tensor(value):
    """True for a tensor (or variable) of a graph being built: its value is only known when the graph runs."""
    return isinstance(value, (Tensor, Variable)) and not get_default_graph()._is_eager


def _as_bool(value, what):
    """`bool(value)` of a Python condition, with a clear error when the condition turns into a graph tensor."""
    if is_graph_tensor(value):
        raise NotImplementedError(f"{what} depends on a tensor inside a Python loop (one over a Python range, list "
                                  "or condition): it cannot stop the loop. Make the loop a TensorFlow loop (iterate "
                                  "over tf.range or loop on a tensor condition).")
    return bool(value)


def _check_no_composites(composites, statement):
    if composites:
        raise NotImplementedError(f"{statement} on a tensor assigns to {', '.join(composites)}: only plain variable "
                                  "names can be outputs of tensor-dependent control flow. Assign to a local "
                                  "variable inside it and store it afterwards.")


# ---------------------------------------------------------------------------------------------- side effects

def _running_effects(fn):
    """`fn` (a branch or a loop body) made to run the state changes it builds — `v.assign_add(1)`, an optimizer's
    update, a `tf.print` — which no output of the cond or loop reads: its tensor outputs wait for them (TF's
    automatic control dependencies in converted code). `found` says whether there were any."""
    found = []

    def run(*args):
        from ..eager.function import changes_state

        g = get_default_graph()
        start = len(g.get_operations())
        level = g._scopes.cond_stack[-1] if g._scopes.cond_stack else None
        out = fn(*args)
        effects = [op for op in g.get_operations()[start:] if op._branch is level and changes_state(op)]
        if not effects:
            return out
        found.append(True)
        with control_dependencies(effects):
            return _map_tensors(out, lambda t: identity(t))
    run.found = found
    return run


def _map_tensors(values, fn):
    if isinstance(values, (list, tuple)) and not hasattr(values, "_fields"):
        return type(values)(_map_tensors(v, fn) for v in values)
    return fn(values) if isinstance(values, Tensor) else values


def _mark_effectful(outputs, *bodies):
    """Register the cond or loop making `outputs` as run for its branches' effects (eager/function.py)."""
    if any(b.found for b in bodies):
        from ..eager.function import EFFECTFUL

        first = next((t for t in _flat(outputs) if isinstance(t, Tensor)), None)
        if first is not None:
            EFFECTFUL.add(first.op)


def _flat(values):
    if isinstance(values, (list, tuple)):
        return [x for v in values for x in _flat(v)]
    return [values]


# ---------------------------------------------------------------------------------------------------- if / else

def if_stmt(test, body, orelse, state, names, composites=()):
    """`if test: body else: orelse`. Python condition: one branch runs. Graph tensor: `tf.cond` over both branches,
    whose outputs are the variables named in `names` (each branch returns their values)."""
    if not is_graph_tensor(test):
        return body(*state) if test else orelse(*state)
    _check_no_composites(composites, "an `if` statement")
    if not names:  # a cond needs an output: the branches' side effects hang on a dummy one
        main, other = _running_effects(lambda: _ran(body(*state))), _running_effects(lambda: _ran(orelse(*state)))
        _mark_effectful(cond(test, main, other), main, other)
        return ()
    return _tf_cond(test, body, orelse, state, names)


def _ran(values):
    return convert_to_tensor(True)


def _tf_cond(test, body, orelse, state, names):
    """The cond of a tensor `if`: each output checked as TF checks it (defined in both branches, same dtype)."""
    kept = {}  # the branches' outputs that do not go through the cond: {"main": [...], "else": [...]}

    def branch(fn, which):
        def run():
            values = list(fn(*state))
            kept[which] = values
            if which == "else":
                _check_branches(names, kept["main"], values)
            return [_cond_output(v) for v in values]
        return run

    main, other = _running_effects(branch(body, "main")), _running_effects(branch(orelse, "else"))
    outputs = cond(test, main, other, strict=True)
    _mark_effectful(outputs, main, other)
    return tuple(out if _through_cond(main) else main for out, main in zip(outputs, kept["main"]))


def _through_cond(value):
    """Whether a branch output is a tensor (or a number or a nest of them) that the cond's outputs carry."""
    if isinstance(value, (list, tuple)):
        return all(_through_cond(v) for v in value)
    return isinstance(value, (Tensor, Variable, TensorArray, bool, int, float, complex)) or (
        hasattr(value, "dtype") and hasattr(value, "shape"))


def _cond_output(value):
    """A branch output as the cond carries it; a value that stays Python (the same object in both branches, or
    undefined in both) is replaced by a placeholder constant."""
    if not _through_cond(value):
        return convert_to_tensor(False)
    if isinstance(value, (list, tuple)):
        return type(value)(_cond_output(v) for v in value) if not hasattr(value, "_fields") else value
    if isinstance(value, TensorArray):
        return value
    return convert_to_tensor(value)


def _check_branches(names, main, orelse):
    """TF's errors for a variable the two branches of a tensor `if` leave in different states."""
    for name, a, b in zip(names, main, orelse):
        for missing, here, there in (("else", a, b), ("main", b, a)):  # defined `here`, not in the other branch
            if isinstance(there, UndefinedReturnValue) and not isinstance(here, UndefinedReturnValue):
                raise ValueError(f"the {missing} branch must also have a return statement.")
            if isinstance(there, Undefined) and not isinstance(here, Undefined):
                raise ValueError(f"'{name}' must also be initialized in the {missing} branch")
        if isinstance(a, (Undefined, UndefinedReturnValue)) or isinstance(b, (Undefined, UndefinedReturnValue)):
            continue
        if not _through_cond(a) or not _through_cond(b):
            if a is not b:
                raise ValueError(f"'{name}' is a Python value of type {type(a).__name__} in the main branch and "
                                 f"{type(b).__name__} in the else branch of a tensor `if`: it must be a tensor (or "
                                 "a number) in both branches, or the same object.")
            continue
        da, db = _dtype_of(a), _dtype_of(b)
        if da is not None and db is not None and da != db:
            raise TypeError(f"'{name}' has dtype {da.name} in the main branch, but dtype {db.name} in the else "
                            "branch")


def _dtype_of(value):
    if isinstance(value, (list, tuple, TensorArray)):
        return None
    return convert_to_tensor(value).dtype.base_dtype


def if_exp(test, body, orelse):
    """`body() if test else orelse()`; on a graph tensor, `tf.cond`."""
    if is_graph_tensor(test):
        return cond(test, body, orelse)
    return body() if test else orelse()


# ---------------------------------------------------------------------------------------------------- loops

def while_stmt(test, body, state, names, composites=(), has_return=False):
    """`while test: body`. The first evaluation of `test` decides: a graph tensor makes a `tf.while_loop` over the
    variables in `names`; otherwise the loop runs in Python (every later test must stay Python too)."""
    first = test(*state)
    if not is_graph_tensor(first):
        while _as_bool(first, "The condition of this `while` loop"):
            state = body(*state)
            first = test(*state)
        return tuple(state)
    _check_no_composites(composites, "a `while` loop")
    _check_no_return(has_return)
    return _tf_loop(test, body, state, names)


def for_stmt(iterable, extra_test, body, state, names, composites=(), has_return=False, iterate_names=()):
    """`for target in iterable: body` (`extra_test` is the `break` flag's test, or None). A graph tensor iterates
    over its first dimension in a `tf.while_loop` (`tf.range(n)` is such a tensor); anything else is a Python loop
    (unrolled when it builds ops, as TF)."""
    if _is_dataset(iterable) and not _executing_eagerly():
        _check_no_composites(composites, "a `for` loop over a dataset")
        _check_no_return(has_return)
        return _dataset_loop(iterable, extra_test, body, state, names)
    if not is_graph_tensor(iterable):
        for item in iterable:
            if extra_test is not None and not _as_bool(extra_test(*state), "A `break` or `return` condition"):
                break
            state = body(item, *state)
        return tuple(state)
    _check_no_composites(composites, "a `for` loop")
    _check_no_return(has_return)
    from ..ops.array_ops import gather, shape, zeros

    items = convert_to_tensor(iterable)
    count = shape(items, out_type=dtypes.int32)[0]
    state = list(state)
    for i, name in enumerate(names):  # the loop's target before its first iteration: zeros, as TF gives
        if name in iterate_names and isinstance(state[i], Undefined):
            state[i] = zeros(items.shape[1:].as_list(), items.dtype.base_dtype)

    def loop_test(index, *values):
        more = index < count
        if extra_test is None:
            return more
        return and_(lambda: more, lambda: extra_test(*values))

    def loop_body(index, *values):
        return (index + 1,) + tuple(body(gather(items, index), *values))

    result = _tf_loop(loop_test, loop_body, (convert_to_tensor(0),) + tuple(state), ("<index>",) + tuple(names))
    return result[1:]


def _is_dataset(value):
    from ..data.dataset_ops import Dataset

    return isinstance(value, Dataset)


def _executing_eagerly():
    from ..eager import executing_eagerly

    return executing_eagerly()


def _dataset_loop(dataset, extra_test, body, state, names):
    """`for element in dataset` in a graph (a traced tf.function): a `tf.while_loop` that takes the dataset's
    elements one at a time from an iterator started anew each run, as an optional that is empty at the end."""
    from ..data import make_initializable_iterator
    from ..data.structure import pack
    from ..data.transformations_experimental import get_next_as_optional
    from ..ops import optional_ops
    from ..ops.core import apply_op

    iterator = make_initializable_iterator(dataset)
    attrs = {"output_types": iterator._types, "output_shapes": iterator._shapes}
    with control_dependencies([iterator.initializer]):
        first = get_next_as_optional(iterator)._variant

    def loop_test(optional, *values):
        more = apply_op(optional_ops.OptionalHasValue, [optional], {}, "OptionalHasValue")
        if extra_test is None:
            return more
        return and_(lambda: more, lambda: extra_test(*values))

    def loop_body(optional, *values):
        element = apply_op(optional_ops.OptionalGetValue, [optional], attrs, "OptionalGetValue")
        new = tuple(body(pack(iterator._template, element if isinstance(element, list) else [element]), *values))
        with control_dependencies([t for t in _flat(new) if isinstance(t, Tensor)]):  # after this element's work
            following = get_next_as_optional(iterator)._variant
        return (following,) + new

    result = _tf_loop(loop_test, loop_body, (first,) + tuple(state), ("<element>",) + tuple(names))
    return result[1:]


def _check_no_return(has_return):
    if has_return:
        raise NotImplementedError("a return statement cannot be placed inside this TensorFlow loop; this may happen "
                                  "if a return statement depends on a static Python condition such as a "
                                  "hyperparameter")


def _tf_loop(test, body, state, names):
    """A `tf.while_loop` over the state's tensors; Python values the body leaves alone stay out of the loop."""
    carried = [i for i, v in enumerate(state) if _through_cond(v) or isinstance(v, Undefined)]
    for i in carried:
        if isinstance(state[i], Undefined):
            raise ValueError(f"'{names[i]}' must be defined before the loop.")
    start = [state[i] if isinstance(state[i], TensorArray) else convert_to_tensor(state[i]) for i in carried]

    def full(values):
        merged = list(state)
        for i, v in zip(carried, values):
            merged[i] = v
        return merged

    def loop_test(*values):
        return convert_to_tensor(test(*full(values)))

    def loop_body(*values):
        new = list(body(*full(values)))
        for i, v in enumerate(new):
            if i not in carried and v is not state[i]:
                raise ValueError(f"'{names[i]}' is a Python {type(state[i]).__name__} that this TensorFlow loop "
                                 "changes: only tensors (and numbers) can be loop variables.")
        out = []
        for i, before in zip(carried, start):
            after = new[i]
            if isinstance(after, Undefined):
                raise ValueError(f"'{names[i]}' must be defined before the loop.")
            if not isinstance(before, TensorArray):
                after = convert_to_tensor(after, preferred_dtype=before.dtype.base_dtype)
                _check_loop_var(names[i], before, after)
            out.append(after)
        return out

    body_run = _running_effects(loop_body)
    values = while_loop(loop_test, body_run, start, return_same_structure=True)
    _mark_effectful(values, body_run)
    return tuple(full(values))


def _check_loop_var(name, before, after):
    """TF's errors for a loop variable whose dtype or shape the body changes."""
    if after.dtype.base_dtype != before.dtype.base_dtype:
        raise TypeError(f"'{name}' has dtype {before.dtype.base_dtype.name} before the loop, but dtype "
                        f"{after.dtype.base_dtype.name} after one iteration")
    a, b = before.shape.dims_tuple, after.shape.dims_tuple
    if a is not None and (b is None or len(a) != len(b) or any(x is not None and x != y for x, y in zip(a, b))):
        raise ValueError(f"'{name}' has shape {before.shape} before the loop, but shape {after.shape} after one "
                         "iteration. Use tf.autograph.experimental.set_loop_options to set shape invariants.")


# ---------------------------------------------------------------------------------------------------- operators

def and_(*operands):
    """`a and b and ...` with each operand a function: evaluated lazily; a graph tensor short-circuits through
    `tf.cond` (the next operands run only when it is true), as TF's `tf.logical_and` in AutoGraph."""
    value = operands[0]()
    if len(operands) == 1:
        return value
    if is_graph_tensor(value):
        return cond(value, lambda: convert_to_tensor(and_(*operands[1:]), dtype=dtypes.bool_),
                    lambda: convert_to_tensor(value))
    return and_(*operands[1:]) if value else value


def or_(*operands):
    """`a or b or ...`, lazily as `and_`."""
    value = operands[0]()
    if len(operands) == 1:
        return value
    if is_graph_tensor(value):
        return cond(value, lambda: convert_to_tensor(value),
                    lambda: convert_to_tensor(or_(*operands[1:]), dtype=dtypes.bool_))
    return value if value else or_(*operands[1:])


def not_(value):
    """`not value`; `tf.logical_not` on a graph tensor."""
    if is_graph_tensor(value):
        return logical_not(value)
    return not value


def print_(*objects, sep=" ", end="\n", file=None, flush=False):
    """`print(...)` in converted code: `tf.print` (printed when the graph runs) when an argument is a graph tensor,
    else Python's print."""
    if any(is_graph_tensor(o) for o in objects):
        from ..ops.logging_ops import print_v2

        kwargs = {} if file is None else {"output_stream": file}
        return print_v2(*objects, sep=sep, end=end, **kwargs)
    return builtins.print(*objects, sep=sep, end=end, file=file, flush=flush)
