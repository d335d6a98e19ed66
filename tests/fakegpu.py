"""A test double of the CuPy backend that runs on NumPy, so every host/device boundary is exercised without CUDA.

Device arrays are `DeviceArray`, an ndarray subclass. Like CuPy, the fake refuses to mix them with host
ndarrays (ufuncs, NumPy functions, `xp.*` functions other than the transfers `xp.asarray` / `xp.array`), has
no object (tf.string) arrays, returns 0-d arrays instead of scalars from reductions, and copies on every
transfer. `xp.asnumpy` exists as on CuPy. `check_kernels` additionally asserts that every kernel receives
and returns device arrays.
"""
from __future__ import annotations

import contextlib
import threading
import types

import numpy as np

from graphgrad.runtime import backends
from graphgrad.runtime.elementwise import emulate


class DeviceArray(np.ndarray):
    """An array "on the device": NumPy memory, but marked, and kept apart from host arrays."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        _refuse_host(inputs, f"np.{ufunc.__name__}.{method}" if method != "__call__" else f"np.{ufunc.__name__}")
        if out is not None:
            _refuse_host(out, f"np.{ufunc.__name__}(out=...)")
            kwargs["out"] = tuple(_unwrap(o) for o in out)
        result = getattr(ufunc, method)(*_unwrap(inputs), **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __getitem__(self, key):
        """As CuPy: an element is a 0-d device array, not a NumPy scalar."""
        out = super().__getitem__(key)
        return _wrap(out) if isinstance(out, np.generic) else out

    def get(self):
        """The host copy, as `cupy.ndarray.get()`."""
        return to_host(self)

    # Reading a value on the host waits for the device: CuPy does it, but not while a CUDA graph is captured.
    def __float__(self):
        _no_host_read("float()")
        return float(self.view(np.ndarray))

    def __int__(self):
        _no_host_read("int()")
        return int(self.view(np.ndarray))

    def __index__(self):
        _no_host_read("operator.index()")
        return self.view(np.ndarray).__index__()

    def __bool__(self):
        _no_host_read("bool()")
        return bool(self.view(np.ndarray))

    def item(self, *args):
        _no_host_read(".item()")
        return self.view(np.ndarray).item(*args)

    def tolist(self):
        _no_host_read(".tolist()")
        return self.view(np.ndarray).tolist()

    def __array_function__(self, func, types_, args, kwargs):
        _refuse_host((args, kwargs), f"np.{func.__name__}", index_ok=True)
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))


def _is_host_array(x):
    return type(x) is np.ndarray


def _refuse_host(obj, where, index_ok=False):
    """CuPy raises TypeError for NumPy arrays (0-d included) among a ufunc's arguments; so does the fake. CuPy
    functions read axes, shapes and permutations from any int sequence, so `index_ok` lets 1-d int arrays by."""
    if _is_host_array(obj) and not (index_ok and obj.ndim == 1 and obj.dtype.kind in "iu"):
        raise TypeError(f"fakegpu: {where} got a host numpy.ndarray (shape {obj.shape}, dtype {obj.dtype}) "
                        "mixed with device arrays; CuPy would raise 'Unsupported type <class numpy.ndarray>'")
    if isinstance(obj, (list, tuple)):
        for x in obj:
            _refuse_host(x, where, index_ok)
    elif isinstance(obj, dict):
        for x in obj.values():
            _refuse_host(x, where, index_ok)


def _unwrap(obj):
    if isinstance(obj, DeviceArray):
        return obj.view(np.ndarray)
    if isinstance(obj, tuple):
        return tuple(_unwrap(x) for x in obj)
    if isinstance(obj, list):
        return [_unwrap(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _unwrap(v) for k, v in obj.items()}
    return obj


def _wrap(obj):
    if type(obj) is np.ndarray:
        if obj.dtype.kind in "OUSV":
            raise TypeError(f"fakegpu: CuPy has no {obj.dtype} arrays")
        return obj.view(DeviceArray)
    if isinstance(obj, np.generic) and obj.dtype.kind not in "OUSV":
        return np.asarray(obj).view(DeviceArray)  # CuPy reductions return 0-d arrays, not scalars
    if isinstance(obj, tuple):
        return tuple(_wrap(x) for x in obj)
    if isinstance(obj, list):
        return [_wrap(x) for x in obj]
    return obj


def to_device(a):
    """Host -> device: a copy (as cudaMemcpy), keeping read-only constants read-only; strings stay on the host."""
    dt = getattr(a, "dtype", None)
    if dt is not None and dt.kind in "OUSV":
        return a
    host = np.asarray(a.view(np.ndarray) if isinstance(a, DeviceArray) else a)
    out = np.array(host, copy=True).view(DeviceArray)
    if isinstance(a, np.ndarray) and not a.flags.writeable:
        out.flags.writeable = False
    return out


def to_host(a):
    """Device -> host: a plain ndarray copy; host values (strings, scalars) pass through."""
    if isinstance(a, DeviceArray):
        _no_host_read("a device-to-host copy")
        return np.array(a.view(np.ndarray), copy=True)
    return a


# --- CUDA-graph capture ------------------------------------------------------------------------------------------

class _CaptureState(threading.local):
    """Whether this thread is capturing: a capture restricts the capturing thread only (CuPy captures in CUDA's
    relaxed mode, on the thread's own stream), so other threads' runs read the host as usual meanwhile."""

    active = False


_capture = _CaptureState()


def _no_host_read(what):
    if _capture.active:
        raise RuntimeError(f"fakegpu: {what} while a CUDA graph is being captured (CuPy: operation not permitted "
                           "when stream is capturing)")


class FakeGraphs:
    """`Backend.graphs` of the fake: capturing runs the function once with host reads refused, then restores the
    arrays it wrote (a real capture runs nothing); a "graph" is the function and the arrays it returned, and
    launching it runs the function again and writes its results into those same arrays, as a real graph writes
    to the addresses it captured."""

    def __init__(self):
        self.captures = self.launches = 0

    def stream(self):
        return contextlib.nullcontext()

    def capture(self, fn, written=()):
        saved = [np.array(a.view(np.ndarray), copy=True) for a in written]
        _capture.active = True
        try:
            result = fn()
        finally:
            _capture.active = False
            for a, before in zip(written, saved):  # a real capture runs nothing: undo what running did
                np.copyto(a.view(np.ndarray), before)
        self.captures += 1
        return (fn, result), result

    def launch(self, graph):
        fn, result = graph
        self.launches += 1
        for old, new in zip(result, fn()):
            if isinstance(old, DeviceArray):
                np.copyto(old.view(np.ndarray), new.view(np.ndarray))


def _asarray(a, dtype=None, **kw):
    if isinstance(a, DeviceArray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    arr = np.asarray(a, dtype=dtype, **kw)
    if arr.dtype.kind in "OUSV":
        raise TypeError(f"fakegpu: CuPy has no {arr.dtype} arrays")
    return np.array(arr, copy=True).view(DeviceArray)


def _arange(*args, **kw):
    """cupy.arange takes Python numbers: 0-d device arrays for its bounds are CuPy's TypeError."""
    if any(isinstance(a, DeviceArray) for a in (*args, *kw.values())):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a "
                        "NumPy array explicitly.")
    return _wrap(np.arange(*args, **kw))


def _array(a, dtype=None, copy=True, **kw):
    arr = np.array(_unwrap(a), dtype=dtype, copy=copy, **kw)
    if arr.dtype.kind in "OUSV":
        raise TypeError(f"fakegpu: CuPy has no {arr.dtype} arrays")
    return arr.view(DeviceArray) if type(arr) is np.ndarray else arr


def _copyto(dst, src, **kw):
    if not isinstance(dst, DeviceArray):
        raise TypeError("fakegpu: xp.copyto destination must be a device array")
    if _is_host_array(src) and src.size != 1:
        raise ValueError("fakegpu: non-scalar numpy.ndarray cannot be used for copyto (as in CuPy)")
    np.copyto(dst.view(np.ndarray), _unwrap(src), **kw)


class FakeXP(types.ModuleType):
    """`xp` of the fake backend: NumPy's names, with array results on the "device" and host inputs refused."""

    _special = {"asarray": _asarray, "asanyarray": _asarray, "ascontiguousarray": _asarray, "array": _array,
                "copyto": _copyto, "asnumpy": to_host, "ndarray": DeviceArray, "arange": _arange}

    def __init__(self, name="fakegpu_xp", base=np):
        super().__init__(name)
        self._base = base

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._special and self._base is np:
            value = self._special[name]
        else:
            obj = getattr(self._base, name)
            if isinstance(obj, types.ModuleType):
                value = FakeXP(f"{self.__name__}.{name}", obj)
            elif isinstance(obj, np.ufunc):
                value = _UfuncProxy(obj)
            elif callable(obj) and not isinstance(obj, type):
                value = _device_function(obj, name)
            else:
                value = obj  # dtypes, scalar types, constants
        setattr(self, name, value)
        return value


#: CuPy functions joining a sequence of arrays take device arrays only: a NumPy scalar there is a TypeError
#: ("Argument 'a' has incorrect type (expected cupy._core.core._ndarray_base, got numpy.bool)").
_JOINS = frozenset({"stack", "concatenate", "vstack", "hstack", "dstack", "column_stack"})


def _device_function(fn, name):
    def call(*args, **kwargs):
        _refuse_host((args, kwargs), f"xp.{name}", index_ok=True)
        if name in _JOINS and args:
            for x in args[0]:
                if not isinstance(x, DeviceArray):
                    raise TypeError(f"fakegpu: xp.{name} got a {type(x).__name__}; CuPy takes device arrays only")
        return _wrap(fn(*_unwrap(args), **_unwrap(kwargs)))
    call.__name__ = name
    return call


class _UfuncProxy:
    """`xp.add` and friends: callable, with `.reduce`, `.at`, `.outer`, `.accumulate` refusing host arrays."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return self._apply("__call__", args, kwargs)

    def _apply(self, method, args, kwargs):
        where = f"xp.{self.__name__}" + ("" if method == "__call__" else f".{method}")
        _refuse_host((args, kwargs), where)
        out = kwargs.get("out")
        result = getattr(self._ufunc, method)(*_unwrap(args), **_unwrap(kwargs))
        if out is not None:
            return out
        return _wrap(result)

    def __getattr__(self, name):
        if name in ("reduce", "accumulate", "reduceat", "outer", "at"):
            return lambda *a, **k: self._apply(name, a, k)
        return getattr(self._ufunc, name)


xp = FakeXP()
try:  # ops/special_ops.py takes `xp.scipy_special` where CuPy's backend takes cupyx.scipy.special
    from scipy import special as _scipy_special

    xp.scipy_special = FakeXP("fakegpu_xp.scipy_special", _scipy_special)
except ImportError:  # pragma: no cover - the special functions' GPU path is then untested
    pass


def make_backend(index=0):
    return backends.Backend("fakegpu", "GPU", xp, to_device, to_host, index=index, description="NumPy test double",
                            graphs=FakeGraphs(), elementwise=lambda kernel: emulate(xp, kernel))


def register(name="fakegpu"):
    backends.register_backend(name, "GPU", make_backend)


# --- kernel-level checks ---------------------------------------------------------------------------------------

def _on_device(v):
    if isinstance(v, DeviceArray) or v is None:
        return True
    if isinstance(v, np.ndarray):
        return v.dtype.kind in "OUSV"  # tf.string values live on the host on every backend
    return isinstance(v, np.generic)   # NumPy scalars are accepted by CuPy kernels


def check_kernels(monkeypatch, violations):
    """Wrap every op's kernel so that, on the fake backend, host arrays in or out are recorded in `violations`
    as (op name, 'input'/'output', type name). Patches op definitions only for the test's duration."""
    from graphgrad.framework.op_def import OP_DEFS

    # Only classes that define a kernel: subclasses keep inheriting theirs, so the plan's passes (which tell a
    # plain ufunc op by its inherited kernel) rewrite the same way as without the checks.
    classes = {c for cls in OP_DEFS.values() for c in cls.__mro__ if "kernel" in c.__dict__}
    originals = {cls: cls.__dict__["kernel"] for cls in classes}  # resolved before any patch
    for cls, original in originals.items():
        monkeypatch.setattr(cls, "kernel", _checked(original, violations))


def _checked(kernel_fn, violations):
    def kernel(op, ctx):
        fn = kernel_fn(op, ctx)
        if not isinstance(ctx.xp, FakeXP):
            return fn

        def run(*args, **kw):  # kw: `out=` of in-place and kept-buffer calls
            for a in (*args, *kw.values()):
                if not _on_device(a):
                    violations.append((op.name, "input", type(a).__name__))
            out = fn(*args, **kw)
            outs = out if len(op.outputs) > 1 else [out]
            for o in outs if op.outputs else []:
                if not _on_device(o):
                    violations.append((op.name, "output", type(o).__name__))
            return out
        return run
    return kernel


# --- NumPy's implicit conversions, refused as CuPy refuses them --------------------------------------------------

_NUMPY_CONVERSIONS = ("asarray", "array", "asanyarray", "ascontiguousarray")


def refuse_implicit_conversion():
    """Make `np.asarray(x)` (and `array`, `asanyarray`, `ascontiguousarray`) of a device array raise CuPy's
    TypeError, so that the suite on the fake GPU catches a kernel that would read a CuPy array as a NumPy one
    (a DeviceArray is an ndarray subclass, which NumPy would otherwise accept). `to_host` and the fake's own
    functions go through `.view(np.ndarray)` and are unaffected."""
    for name in _NUMPY_CONVERSIONS:
        original = getattr(np, name)
        if getattr(original, "refuses_device", False):
            continue

        def refusing(a, *args, _original=original, **kw):
            if isinstance(a, DeviceArray):
                raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
                                "construct a NumPy array explicitly.")
            return _original(a, *args, **kw)
        refusing.refuses_device = True
        setattr(np, name, refusing)
