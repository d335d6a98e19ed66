"""`tf.py_func` / `tf.numpy_function`: a Python function as a graph op.

As in TensorFlow 1.x, the function receives NumPy arrays and returns one (or a list, one per declared output
type); the outputs have unknown shape; the op has no gradient unless one is registered
(`@tf.RegisterGradient("name")` plus `graph.gradient_override_map({"PyFunc": "name"})`). A value of another dtype
than declared is an InvalidArgumentError ("0-th value returned by pyfunc_0 is double, but expects float"), and an
exception raised inside the function becomes the error TF1 maps it to (`py_error`): ValueError and TypeError an
InvalidArgumentError, StopIteration an OutOfRangeError, anything else an UnknownError, naming the op.
"""
from __future__ import annotations

import traceback

import numpy as np

from ..framework import dtypes, errors
from ..framework.op_def import OpDef
from .core import apply_op, convert_to_tensor

__all__ = ["py_func", "numpy_function"]

_TF_NAMES = {"float32": "float", "float64": "double", "bool": "bool", "string": "string"}


def _tf_name(dt):
    return _TF_NAMES.get(dt.name, dt.name)


def py_error(op, exc, name=None):
    """The OpError TF1 raises for a Python exception `exc` raised by the function behind `op` (py_func.cc):
    ValueError/TypeError -> InvalidArgumentError, StopIteration -> OutOfRangeError, MemoryError ->
    ResourceExhaustedError, NotImplementedError -> UnimplementedError, else UnknownError. An OpError raised
    inside passes through unchanged."""
    if isinstance(exc, errors.OpError):
        return exc
    if isinstance(exc, (ValueError, TypeError)):
        cls = errors.InvalidArgumentError
    elif isinstance(exc, StopIteration):
        cls = errors.OutOfRangeError
    elif isinstance(exc, MemoryError):
        cls = errors.ResourceExhaustedError
    elif isinstance(exc, NotImplementedError):
        cls = errors.UnimplementedError
    else:
        cls = errors.UnknownError
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    node = name or (op.name if op is not None else "PyFunc")
    return cls(None if op is None else op.node_def, op,
               f"{type(exc).__name__}: {exc}\n{tb}\n\t [[{{{{node {node}}}}}]]")


def _convert_result(value):
    """FuncRegistry._convert of TF1: a returned value as an array, strings as an object array of bytes."""
    result = np.asarray(value, order="C")
    if result.dtype.char in "SU":
        flat = [x.encode("utf-8") if isinstance(x, str) else x for x in result.ravel().tolist()]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(result.shape)
    return result


class PyFunc(OpDef):
    """PyFunc(*inp): `attrs["func"](*arrays)`, checked against `attrs["Tout"]`. Stateful (never folded, merged or
    captured into a CUDA graph); PyFuncStateless is the `stateful=False` twin the passes may fold and merge."""

    type = "PyFunc"
    stateful = True

    def infer(op):
        return [(None, dt) for dt in op.attrs["Tout"]]

    def kernel(op, ctx):
        func, touts, token = op.attrs["func"], op.attrs["Tout"], op.attrs["token"]
        to_host, to_device = ctx.to_host, ctx.to_device
        n = len(touts)

        def run_py_func(*args):
            try:
                ret = func(*[to_host(a) for a in args])
            except Exception as e:  # noqa: BLE001 -- every Python error becomes TF1's OpError for it
                raise py_error(op, e) from e
            if n == 0:
                return None
            if isinstance(ret, bytes):
                ret = [ret]
            values = [_convert_result(x) for x in ret] if isinstance(ret, (list, tuple)) else [_convert_result(ret)]
            if len(values) != n:
                raise errors.InvalidArgumentError(
                    op.node_def, op, f"{token} returns {len(values)} values, but expects to see {n} values.\n"
                                     f"\t [[{{{{node {op.name}}}}}]]")
            out = []
            for i, (v, dt) in enumerate(zip(values, touts)):
                if v.dtype != dt.np and not (dt == dtypes.string and v.dtype == object):
                    got = dtypes.as_dtype(v.dtype) if v.dtype.kind in "biuf" else None
                    raise errors.InvalidArgumentError(
                        op.node_def, op, f"{i}-th value returned by {token} is "
                                         f"{_tf_name(got) if got else v.dtype}, but expects {_tf_name(dt)}\n"
                                         f"\t [[{{{{node {op.name}}}}}]]")
                out.append(v if dt == dtypes.string else to_device(v))
            return out[0] if n == 1 else out
        return run_py_func

    gradient = None  # as TF1: "No gradient defined for operation ... (op type: PyFunc)"


class PyFuncStateless(PyFunc):
    type = "PyFuncStateless"
    stateful = False


class EagerPyFunc(PyFunc):
    """`tf.py_function`'s op: the function gets eager tensors (graphgrad/eager/py_function.py wraps it)."""

    type = "EagerPyFunc"


_tokens = iter(range(1 << 62))


def py_func(func, inp, Tout, stateful=True, name=None, _op_def=None):
    """TF1's `tf.py_func`: wrap `func` (NumPy in, NumPy out) as an op. `Tout` is one dtype (one tensor back) or a
    list of dtypes (a list back, the op itself when empty); the outputs have unknown shape."""
    single = not isinstance(Tout, (list, tuple))
    touts = [dtypes.as_dtype(t).base_dtype for t in ([Tout] if single else Tout)]
    inputs = [convert_to_tensor(x) for x in (inp if isinstance(inp, (list, tuple)) else [inp])]
    attrs = {"func": func, "Tout": touts, "token": f"pyfunc_{next(_tokens)}"}
    op_def = _op_def or (PyFunc if stateful else PyFuncStateless)
    out = apply_op(op_def, inputs, attrs, name or op_def.type)
    if single:
        return out
    if not touts:
        return out  # the Operation
    return list(out) if isinstance(out, list) else [out]


def numpy_function(func, inp, Tout, stateful=True, name=None):
    """`tf.numpy_function` (TF 1.14+): the same op as `py_func`."""
    return py_func(func, inp, Tout, stateful=stateful, name=name)
