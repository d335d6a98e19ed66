"""`tf.py_function`: a Python function as an op that receives eager tensors (`.numpy()`, and tf ops on them run
at once), where `tf.py_func` passes NumPy arrays. In a session the function runs with eager execution on for its
duration (graphgrad.eager.eager_mode), so do not build graphs in other threads while such an op runs."""
from __future__ import annotations

from ..ops.core import convert_to_tensor
from ..ops.script_ops import EagerPyFunc, py_func
from .context import eager_mode
from .tensor import EagerTensor

__all__ = ["py_function"]


def py_function(func=None, inp=None, Tout=None, name=None):
    """TF's `tf.py_function(func, inp, Tout)`: `func` gets one eager tensor per input and returns tensors, NumPy
    values or Python numbers, one per `Tout` dtype (a single dtype: one tensor back; a list: a list back)."""
    if func is None:  # the decorator form, as TF 2.x allows it
        return lambda f: lambda *args: py_function(f, list(args), Tout, name)
    inputs = [convert_to_tensor(x) for x in (inp or [])]
    in_dtypes = [t.dtype.base_dtype for t in inputs]

    def call(*arrays):
        with eager_mode():
            return func(*[EagerTensor(a, dt) for a, dt in zip(arrays, in_dtypes)])

    return py_func(call, inputs, Tout if Tout is not None else [], name=name or "EagerPyFunc", _op_def=EagerPyFunc)
