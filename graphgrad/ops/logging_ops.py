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
from ..framework.graph import GraphKeys, Tensor, get_default_graph, name_scope
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


# --- tf.print: TF 2's PrintV2 -------------------------------------------------------------------------

_V2_FORMATTERS = {"float16": _float_formatter(np.float32, 6, 9), "float32": _float_formatter(np.float32, 6, 9),
                  "float64": _float_formatter(np.float64, 15, 17), "bool": lambda v: "1" if v else "0"}


_C_ESCAPES = {10: "\\n", 13: "\\r", 9: "\\t", 34: '\\"', 39: "\\'", 92: "\\\\"}


def _c_escape(b):
    """absl's CEscape: C escapes for quotes, backslash and whitespace, octal for other unprintable bytes."""
    return "".join(_C_ESCAPES.get(c) or (chr(c) if 32 <= c < 127 else "\\%03o" % c) for c in b)


def _v2_element(dtype):
    """One element as PrintV2 writes it: floats with %.6g where that reads back, else %.9g (float64: 15, 17
    digits), strings quoted and escaped."""
    dt = dtypes.as_dtype(dtype).base_dtype
    if dt.name in _V2_FORMATTERS:
        return _V2_FORMATTERS[dt.name]
    if dt.is_integer:
        return lambda v: str(int(v))
    if dt == dtypes.string:
        return lambda v: '"' + _c_escape(v if isinstance(v, bytes) else str(v).encode()) + '"'
    return str


def summarize_v2(value, summarize, fmt):
    """TF's Tensor::SummarizeValue(print_v2=true): NumPy-like nesting, rows on new lines, the first and last
    `summarize` entries of each dimension around `...` (all when negative)."""
    a = np.asarray(value)
    if a.ndim == 0:
        return fmt(a.item() if a.dtype != object else a.reshape(()).tolist())
    flat, shape, n = a.ravel(), a.shape, a.ndim
    ends = a.size if summarize < 0 else summarize
    out = []

    def spacing(dim):
        out.append(" " if dim == n - 1 else "\n" * (n - dim - 1) + " " * (dim + 1))

    def dim_text(dim, start):
        if dim == n:
            out.append(fmt(flat[start]))
            return
        out.append("[")
        count, per = shape[dim], int(np.prod(shape[dim + 1:], dtype=np.int64))
        for i in range(min(ends, count)):
            if i:
                spacing(dim)
            dim_text(dim + 1, start + per * i)
        if count > 2 * ends:
            spacing(dim)
            out.append("...")
        for i in range(max(ends, count - ends), count):
            spacing(dim)
            dim_text(dim + 1, start + per * i)
        out.append("]")
    dim_text(0, 0)
    return "".join(out)


class PrintV2(OpDef):
    """Writes `template` with each `{}` replaced by one input's value (summarized), then `end`, to the stream:
    "stderr", "stdout", a "file://" path (appended) or a logging function. No outputs: run it, or put it in
    control_dependencies."""

    type = "PrintV2"
    stateful = True

    def infer(op):
        return []

    def kernel(op, ctx):
        template, summarize, stream, end = (op.attrs[k] for k in ("template", "summarize", "output_stream", "end"))
        fmts = [_v2_element(t.dtype) for t in op.inputs]
        pieces = template.split("{}")
        to_host = ctx.to_host

        def run(*data):
            values = [summarize_v2(to_host(d), summarize, f) for d, f in zip(data, fmts)]
            text = pieces[0] + "".join(v + p for v, p in zip(values, pieces[1:]))
            if callable(stream):
                stream(text)
            elif stream.startswith("file://"):
                with open(stream[len("file://"):], "a") as f:
                    f.write(text + end)
            else:
                out = (ctx.stderr or sys.stderr) if stream == "stderr" else sys.stdout
                out.write(text + end)
                out.flush()
        return run

    gradient = None  # TF's PrintV2 has none: it has no outputs to differentiate


_LOG_LEVELS = ("info", "warning", "warn", "error")


def _stream_attr(output_stream):
    if output_stream is sys.stderr:
        return "stderr"
    if output_stream is sys.stdout:
        return "stdout"
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        return output_stream
    if callable(output_stream) and getattr(output_stream, "__name__", "") in _LOG_LEVELS and \
            getattr(output_stream, "__module__", "").endswith("logging"):
        return output_stream
    raise ValueError(f"Unsupported output stream, logging level, or file.{output_stream}. Supported streams are "
                     "sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, tf.logging.error. File needs to "
                     "be in the form of 'file://<filepath>'.")


def _template_of(x, tensors, marker):
    """x as text with each tensor inside it replaced by `marker` (collected into `tensors`), as tf.print
    formats lists, tuples and dicts that hold tensors."""
    if isinstance(x, str):
        return x
    if hasattr(x, "_as_tensor") or isinstance(x, Tensor):
        tensors.append(convert_to_tensor(x))
        return "{}"
    if isinstance(x, (list, tuple, dict)):
        def swap(v):
            if isinstance(v, (list, tuple)):
                return type(v)(swap(u) for u in v)
            if isinstance(v, dict):
                return {k: swap(u) for k, u in v.items()}
            if hasattr(v, "_as_tensor") or isinstance(v, Tensor):
                tensors.append(convert_to_tensor(v))
                return marker
            return v
        return str(swap(x)).replace(repr(marker), "{}")
    return str(x)


def print_v2(*inputs, **kwargs):
    """TF 2's `tf.print(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\\n", name=None)`: Python
    values as `str` gives them, tensors as PrintV2 writes them. In graph mode the result is the op to run (or
    to put in `tf.control_dependencies`); executing eagerly it prints at once."""
    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep, end, name = kwargs.pop("sep", " "), kwargs.pop("end", "\n"), kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    stream = _stream_attr(output_stream)
    tensors, marker = [], "\x00tensor\x00"
    template = sep.join(_template_of(x, tensors, marker) for x in inputs)
    attrs = {"template": template, "summarize": 3 if summarize is None else int(summarize), "output_stream": stream,
             "end": end}
    g = tensors[0].graph if tensors else get_default_graph()
    op = g.create_op(PrintV2, tensors, attrs, name or "PrintV2")
    return None if g._is_eager else op


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
            return identity(x, name="control_dependency")  # TF's with_dependencies names it so


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
