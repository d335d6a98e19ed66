"""Debugging ops: `tf.Print` (log tensors to stderr as a side effect of running) and numeric checks
(`check_numerics`, `add_check_numerics_ops`) that stop a run at the first NaN or Inf.

Values are formatted the way TensorFlow 1.x prints them (the lecture's `x, f:[1.5879565][2.521606]`):
float32 with `%.6g` when that reads back as the same float32, else `%.8g`; float64 with 15 or 17 digits;
nested brackets per dimension; at most `summarize` elements followed by `...`.
"""
from __future__ import annotations

import sys

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import GraphKeys, get_default_graph, name_scope
from ..framework.op_def import OpDef, aliases_variable, require, same_shape, static_shape
from .core import apply_op, convert_to_tensor, group, identity

__all__ = ["Print", "check_numerics", "add_check_numerics_ops", "verify_tensor_all_finite"]


# --- formatting like TensorFlow's Tensor::SummarizeValue ----------------------------------------------

def _float_formatter(np_type, short, long):
    """TF's FloatToBuffer/DoubleToBuffer: `short` digits if they round-trip, else `long` digits."""
    def fmt(v):
        v = float(v)
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        s = "%.*g" % (short, v)
        return s if np_type(s) == np_type(v) else "%.*g" % (long, v)
    return fmt


_FORMATTERS = {
    "float16": _float_formatter(np.float32, 6, 8),   # TF prints half as float
    "float32": _float_formatter(np.float32, 6, 8),   # FLT_DIG, FLT_DIG + 2
    "float64": _float_formatter(np.float64, 15, 17),  # DBL_DIG, DBL_DIG + 2
    "bool": lambda v: "1" if v else "0",
}


def _format_string(v):
    return v.decode("utf-8", "backslashreplace") if isinstance(v, bytes) else str(v)


def element_formatter(dtype):
    """A function formatting one element of `dtype` (a DType or NumPy dtype) as TensorFlow 1.x prints it."""
    dt = dtypes.as_dtype(dtype).base_dtype
    if dt.name in _FORMATTERS:
        return _FORMATTERS[dt.name]
    if dt.is_integer:
        return lambda v: str(int(v))
    return _format_string


def summarize_value(value, summarize=3, fmt=None) -> str:
    """Up to `summarize` elements of `value` (all if negative), bracketed per dimension, `...` if cut."""
    arr = np.asarray(value)
    fmt = fmt or element_formatter(arr.dtype if arr.dtype != object else dtypes.string)
    flat = arr.reshape(-1)
    n = flat.size
    limit = n if summarize is None or summarize < 0 else min(summarize, n)
    if arr.ndim == 0:
        out = " ".join(fmt(flat[i]) for i in range(limit))
    else:
        parts, pos = [], [0]
        _print_dim(0, arr.shape, limit, flat, fmt, pos, parts)
        out = "".join(parts)
    return out + "..." if n > limit else out


def _print_dim(dim, shape, limit, flat, fmt, pos, parts):
    """TensorFlow's PrintOneDim: `[`...`]` around each sub-array until `limit` elements are printed."""
    if pos[0] >= limit:
        return
    if dim == len(shape) - 1:
        for i in range(shape[dim]):
            if pos[0] >= limit:
                if dim != 0:
                    parts.append("...")
                return
            if i:
                parts.append(" ")
            parts.append(fmt(flat[pos[0]]))
            pos[0] += 1
        return
    for _ in range(shape[dim]):
        if pos[0] >= limit:
            return  # nothing more can be printed (TF keeps looping without output)
        parts.append("[")
        _print_dim(dim + 1, shape, limit, flat, fmt, pos, parts)
        parts.append("]")


# --- Print ---------------------------------------------------------------------------------------------

def _print_counts(ctx):
    """Per-session count of how often each Print op printed (for `first_n`), kept on the RunContext."""
    counts = getattr(ctx, "print_counts", None)
    if counts is None:
        counts = ctx.print_counts = {}
    return counts


class PrintOp(OpDef):
    """Pass `input_` through; as a side effect write `message` and each data tensor to stderr."""

    type = "Print"
    stateful = True
    view_of = 0
    shape_rule = same_shape

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), x.dtype.base_dtype)]

    def kernel(op, ctx):
        message, first_n, summarize = op.attrs["message"], op.attrs["first_n"], op.attrs["summarize"]
        fmts = [element_formatter(t.dtype) for t in op.inputs[1:]]
        counts = _print_counts(ctx)
        to_host = ctx.to_host

        def run(x, *data):
            if first_n >= 0:
                done = counts.get(op, 0)
                if done >= first_n:
                    return x
                counts[op] = done + 1
            text = message + "".join(f"[{summarize_value(to_host(d), summarize, f)}]" for d, f in zip(data, fmts))
            stream = ctx.stderr or sys.stderr  # looked up per call, so pytest's capsys/capfd see it
            stream.write(text + "\n")
            stream.flush()
            return x
        return run

    def gradient(op, dy):
        return [dy] + [None] * (len(op.inputs) - 1)


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802 (TF's name)
    """`input_` unchanged; each time the op runs, stderr gets `message` then `[value]` per data tensor.

    `first_n` prints only the first n runs per session (None or negative: always); `summarize` is the
    number of elements shown per tensor (default 3, negative: all). The gradient flows to `input_` only.
    """
    x = convert_to_tensor(input_)
    data = [convert_to_tensor(d) for d in (data if isinstance(data, (list, tuple)) else [data])]
    attrs = {"message": "" if message is None else str(message),
             "first_n": -1 if first_n is None else int(first_n),
             "summarize": 3 if summarize is None else int(summarize)}
    return apply_op(PrintOp, [x, *data], attrs, name or "Print")


# --- numeric checks -----------------------------------------------------------------------------------

class CheckNumerics(OpDef):
    """Pass a float tensor through, or fail the run with InvalidArgumentError if it holds NaN or Inf."""

    type = "CheckNumerics"
    view_of = 0
    shape_rule = same_shape

    def infer(op):
        x = op.inputs[0]
        return [(static_shape(x), require(op, x, floating=True))]

    def kernel(op, ctx):
        xp, message = ctx.xp, op.attrs["message"]

        isfinite = xp.isfinite

        def check(x):
            if not isfinite(x).all():
                nan, inf = bool(xp.isnan(x).any()), bool(xp.isinf(x).any())
                what = "Inf and NaN" if nan and inf else ("NaN" if nan else "Inf")
                raise InvalidArgumentError(op.node_def, op, f"{message} : Tensor had {what} values\n"
                                                            f"\t [[{{{{node {op.name}}}}} = CheckNumerics]]")
            return x
        return check

    def gradient(op, dy):
        return [check_numerics(dy, "Not a number (NaN) or infinity (Inf) values detected in gradient. "
                                   + op.attrs["message"])]


def check_numerics(tensor, message, name=None):
    """`tensor` unchanged, but running it raises InvalidArgumentError("<message> : Tensor had NaN values")."""
    return apply_op(CheckNumerics, [convert_to_tensor(tensor)], {"message": str(message)},
                    name or "CheckNumerics")


def verify_tensor_all_finite(t, msg, name=None):
    """`t`, available only after a CheckNumerics op has verified that it holds no NaN or Inf."""
    with name_scope(name, "VerifyFinite", [t]):
        x = convert_to_tensor(t, name="x")
        check = check_numerics(x, message=msg)
        with x.graph.control_dependencies([check.op]):
            return identity(x)


def _checkable_outputs(graph):
    """Float outputs worth checking, in creation order.

    Skipped: ops built inside a tf.cond branch or a tf.while_loop body (their values exist only inside their
    If or While op), ref and variable-aliasing outputs (a read of a variable shares its buffer, so a check running
    after an in-place update would blame the read for the update's NaN), anything downstream of an op
    that writes variables (checking it would make `run(check_op)` apply those updates), ops that only
    feed variable initializers (checking them would re-run random initializers every step), and
    existing CheckNumerics ops.
    """
    ops = graph.get_operations()
    init_ops = {v.initializer for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES)
                for v in graph.get_collection(key) if hasattr(v, "initializer")}
    init_only = set()
    for op in reversed(ops):
        users = [c for t in op.outputs for c in t._consumers] + list(op._control_outputs)
        if users and all(c in init_ops or c in init_only for c in users):
            init_only.add(op)
    writes = set()
    for op in ops:
        if op.op_def.mutates or any(t.op in writes for t in op.inputs) or any(c in writes for c in
                                                                              op.control_inputs):
            writes.add(op)
    # ops of a tf.cond branch or a loop body have values only inside their If or While op
    return [t for op in ops if op not in writes and op not in init_only and op.type != "CheckNumerics"
            and op._branch is None
            for t in op.outputs
            if not t.dtype.is_ref_dtype and t.dtype.is_floating and not aliases_variable(t)]


def add_check_numerics_ops():
    """A group op checking every float tensor of the default graph for NaN and Inf.

    Run it together with the train op (`s.run([train_op, check_op])`): a NaN stops the run with an
    InvalidArgumentError whose message starts with the name of the tensor that first held it, and the
    session rolls back the variable updates of that run. Checks are chained in creation order, as in
    TensorFlow, so the earliest bad tensor is the one reported.
    """
    graph = get_default_graph()
    previous = []
    for t in _checkable_outputs(graph):
        with graph.control_dependencies(previous):
            previous = [check_numerics(t, message=f"{t.op.name}:{t.value_index}").op]
    return group(*previous)
