"""Array backends (NumPy on the CPU, CuPy on a GPU) and device placement.

A backend is what a session's kernels compute with: `xp` (the array module), `to_device` (host data such as
constants, feeds and random draws onto the device), `to_host` (device arrays back to NumPy, for fetches,
Print, summaries and checkpoints) and `synchronize` (wait for queued device work, for timing). A session runs
all its ops on one backend, chosen once when it is created (see `Placement`); ops pinned elsewhere with
`tf.device` are reported, never silently moved.

CuPy is imported only when a GPU backend is asked for, so `import graphgrad` never needs CUDA.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import sys
import threading
import warnings
from typing import NamedTuple

import numpy as np

from .. import config as _settings
from .precision import emulated_matmul

__all__ = ["Backend", "DeviceSpec", "DevicePlacementWarning", "Placement", "get_backend", "parse_device",
           "register_backend", "available_backends"]

ENV_VAR = "GRAPHGRAD_DEVICE"
_JOB = "/job:localhost/replica:0/task:0"
_HOST_KINDS = frozenset("OUSV")  # object, str, bytes, void: host-only data (tf.string) stays in NumPy


class DevicePlacementWarning(UserWarning):
    """Ops pinned with `tf.device` to a device the session does not run on (soft placement)."""


class DeviceSpec(NamedTuple):
    device_type: str  # "CPU" or "GPU"
    index: int

    def to_string(self):
        return f"{_JOB}/device:{self.device_type}:{self.index}"


class Backend:
    """One device's array module and its host<->device transfers (plain attributes, bound once per run context)."""

    def __init__(self, name, device_type, xp, to_device, to_host, synchronize=None, index=0, description="",
                 matmul=None, graphs=None, elementwise=None):
        self.name = name
        self.device_type = device_type
        self.index = index
        self.xp = xp
        self.to_device = to_device
        self.to_host = to_host
        self.synchronize = synchronize or _nothing
        self.description = description or name
        self._matmul = matmul
        #: CUDA-graph capture (`stream()`, `capture(fn, written) -> (graph, result)`, `launch(graph)`), or None
        #: where the device has none; plans use it to replay whole runs (runtime/graph_replay.py). `written` are
        #: the arrays the work updates in place: a capture records the work without running it, so they must
        #: come out of it unchanged.
        self.graphs = graphs
        self._elementwise = elementwise
        self._fused = {}

    def fused(self, kernel):
        """A fused element-wise kernel (runtime/elementwise.py) compiled for this device, or None where the
        ufunc calls with `out=` are as fast (the CPU): kernels use it when they get one."""
        if self._elementwise is None:
            return None
        fn = self._fused.get(kernel)
        if fn is None:
            fn = self._fused[kernel] = self._elementwise(kernel)
        return fn

    def matmul(self, precision):
        """`(a, b, out=None) -> a @ b` for float32 operands at a session's matmul precision
        (runtime/precision.py): the device's own low-precision products where it has them, else emulated."""
        if self._matmul is not None:
            return self._matmul(precision)
        return emulated_matmul(self.xp, precision)

    @property
    def device_name(self):
        """TensorFlow's full name of the device, as `log_device_placement` prints it."""
        return DeviceSpec(self.device_type, self.index).to_string()

    def __repr__(self):
        return f"<Backend {self.name} ({self.description}) {self.device_name}>"


def _nothing():
    pass


def _identity(a):
    return a


# --- registry ----------------------------------------------------------------------------------------------

_FACTORIES: dict = {}   # name -> (device_type, factory(index) -> Backend)
_CACHE: dict = {}       # (name, index) -> Backend


def register_backend(name, device_type, factory):
    """Make `get_backend(name)` build `factory(index)`; `device_type` ("CPU" or "GPU") is what `tf.device`
    strings of that type match. Used for the built-ins and for test doubles of a GPU."""
    device_type = device_type.upper()
    if device_type not in ("CPU", "GPU"):
        raise ValueError(f"device_type must be 'CPU' or 'GPU', got {device_type!r}")
    _FACTORIES[name.lower()] = (device_type, factory)
    for key in [k for k in _CACHE if k[0] == name.lower()]:
        del _CACHE[key]


def available_backends():
    """Registered backend names (whether each can run here is another matter: see `get_backend`)."""
    return sorted(_FACTORIES)


def get_backend(name="cpu", index=None):
    """The backend for `name`: a registered name ("cpu", "gpu") or a TensorFlow device string ("/gpu:0",
    "/device:GPU:0", "/job:localhost/replica:0/task:0/device:CPU:0"). Raises RuntimeError saying what is
    missing when the GPU cannot be used, ValueError for a name that is neither."""
    if isinstance(name, Backend):
        return name
    key = name.strip().lower() if isinstance(name, str) else name
    if key in _FACTORIES:
        idx = 0 if index is None else index
    else:
        spec = parse_device(name)
        if spec is None:
            raise ValueError(f"Device {name!r} names no device type (expected e.g. '/cpu:0' or '/gpu:0')")
        key, idx = spec.device_type.lower(), (spec.index if index is None else index)
    backend = _CACHE.get((key, idx))
    if backend is None:
        backend = _CACHE[(key, idx)] = _FACTORIES[key][1](idx)
    return backend


def _cpu_backend(index):
    if index != 0:
        raise ValueError(f"There is one CPU device, /cpu:0; got /cpu:{index}")
    return Backend("cpu", "CPU", np, _identity, _identity, description="NumPy")


@functools.lru_cache(maxsize=1)
def _import_cupy():
    if importlib.util.find_spec("cupy") is None:
        raise RuntimeError("graphgrad's GPU backend needs CuPy: pip install 'graphgrad[gpu]' (CuPy for CUDA 12; "
                           "for CUDA 13 drivers also cupy-cuda13x works)")
    try:
        import cupy
    except Exception as e:  # a broken install: missing CUDA libraries, wrong wheel for the driver
        raise RuntimeError(f"CuPy is installed but failed to import ({type(e).__name__}: {e}); reinstall the "
                           "wheel that matches your CUDA driver (cupy-cuda12x or cupy-cuda13x)") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        why = "cudaGetDeviceCount() found 0 devices"
    except Exception as e:  # CUDARuntimeError: no driver, no device, CUDA_VISIBLE_DEVICES=""
        count, why = 0, f"{type(e).__name__}: {e}"
    if count == 0:
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        hint = f" (CUDA_VISIBLE_DEVICES={visible!r})" if visible is not None else ""
        raise RuntimeError(f"CuPy is installed but no CUDA device is visible: {why}{hint}; check the NVIDIA "
                           "driver (nvidia-smi) or run on the CPU with GRAPHGRAD_DEVICE=cpu")
    return cupy, count


def _cupy_backend(index):
    cupy, count = _import_cupy()
    if index != 0:
        raise ValueError(f"graphgrad runs a session on one GPU, /gpu:0 (got /gpu:{index}, {count} visible); pick "
                         "another GPU with CUDA_VISIBLE_DEVICES")
    asarray, ndarray = cupy.asarray, cupy.ndarray

    def to_device(a):
        dt = getattr(a, "dtype", None)
        if dt is not None and dt.kind in _HOST_KINDS:
            return a  # tf.string values (summaries, names) are host objects; CuPy has no object arrays
        return asarray(a)

    def to_host(a):
        return a.get() if isinstance(a, ndarray) else a

    def synchronize():
        cupy.cuda.get_current_stream().synchronize()

    def matmul(precision):
        return _cupy_matmul(cupy, precision)

    try:
        props = cupy.cuda.runtime.getDeviceProperties(index)
        desc = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    except Exception:
        desc = "CUDA device"
    def elementwise(kernel):
        return cupy.ElementwiseKernel(kernel.in_params, kernel.out_params, kernel.body, kernel.name)

    return Backend("gpu", "GPU", cupy, to_device, to_host, synchronize, index, f"CuPy on {desc}", matmul,
                   _CupyGraphs(cupy), elementwise)


#: Per thread: while a thread works on its capture stream, `gemm(a, b, out, precision)` runs float32 products
#: through runtime/cublas_capture.py (CuPy refuses cuBLAS inside a capture); None elsewhere.
_ON_CAPTURE_STREAM = threading.local()


class _CupyGraphs:
    """CUDA-graph capture with CuPy. Everything of a replayed plan (feed copies, launch, fetch copies) runs on a
    non-blocking stream of its own, ordered with the caller's stream by events both ways: a blocking stream would tie
    the legacy default stream to it, and work another thread issues on that stream while this one captures would
    fail ("operation would make the legacy stream depend on a capturing blocking stream"). Each thread has its own
    such stream: a capture records everything issued to its stream, so a second thread replaying or capturing on
    the same stream would end up inside the first one's graph. The captured run allocates from a memory pool of its
    own, kept with the graph: nothing else can be handed the memory the graph reads and writes. Products on the
    stream go through runtime/cublas_capture.py, which CuPy's capture refuses otherwise."""

    def __init__(self, cupy):
        self._cupy = cupy
        self._local = threading.local()
        self._gemm = self.gemm_unavailable = None

    def _raw_stream(self):
        stream = getattr(self._local, "stream", None)
        if stream is None:
            stream = self._local.stream = self._cupy.cuda.Stream(non_blocking=True)
            gemm = self._capture_gemm()
            if gemm is not None:
                try:
                    gemm.prepare(stream)
                except Exception as e:  # products stay CuPy's (a capture with one then fails: runs normally)
                    self._gemm, self.gemm_unavailable = None, f"{type(e).__name__}: {e}"
        return stream

    def _capture_gemm(self):
        if self._gemm is None and self.gemm_unavailable is None:
            from .cublas_capture import CaptureGemm

            try:
                self._gemm = CaptureGemm(self._cupy)
            except Exception as e:  # products then stay CuPy's, and a capture with one fails (runs normally)
                self.gemm_unavailable = f"{type(e).__name__}: {e}"
        return self._gemm

    @contextlib.contextmanager
    def stream(self):
        """Work inside runs on this thread's capture stream, after what the caller's stream has queued, and the
        caller's stream waits for it afterwards."""
        cuda = self._cupy.cuda
        caller, stream = cuda.get_current_stream(), self._raw_stream()
        stream.wait_event(caller.record())
        gemm = self._gemm
        _ON_CAPTURE_STREAM.gemm = None if gemm is None else functools.partial(gemm.matmul, stream)
        try:
            with stream:
                yield stream
        finally:
            _ON_CAPTURE_STREAM.gemm = None
            caller.wait_event(stream.record())

    def capture(self, fn, written=()):
        del written  # a stream capture runs nothing, so it changes nothing
        cuda = self._cupy.cuda
        pool = cuda.MemoryPool()
        with self.stream() as stream, cuda.using_allocator(pool.malloc):
            stream.begin_capture()
            _ON_CAPTURE_STREAM.capturing = True
            try:
                result = fn()
            except BaseException:
                try:
                    stream.end_capture()
                except Exception:
                    pass  # the capture was invalidated by the failure being raised
                raise
            finally:
                _ON_CAPTURE_STREAM.capturing = False
            graph = stream.end_capture()
        return (graph, pool), result

    def launch(self, graph):
        graph[0].launch(stream=self._raw_stream())


def _cupy_matmul(cupy, precision):
    """The session's float32 product: `_cupy_products`, or runtime/cublas_capture.py's on a capture stream; a
    contracted dimension that differs is NumPy's error, which the plan words as TF does."""
    mm = _cupy_products(cupy, precision)

    def matmul(a, b, out=None):
        if a.ndim >= 2 and b.ndim >= 2 and a.shape[-1] != b.shape[-2]:  # CuPy says only "Axis dimension mismatch"
            raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                             f"signature (n?,k),(k,m?)->(n?,m?) (size {b.shape[-2]} is different from {a.shape[-1]})")
        gemm = getattr(_ON_CAPTURE_STREAM, "gemm", None)
        if gemm is not None:
            try:
                c = gemm(a, b, out, precision)
            except Exception:
                if getattr(_ON_CAPTURE_STREAM, "capturing", False):
                    raise  # the capture fails, and the plan runs normally from then on
                c = None   # a warm-up run: CuPy's product instead
            if c is not None:
                return c
        return mm(a, b, out=out)
    return matmul


def _cupy_products(cupy, precision):
    """Tensor-core products: TF32 through cuBLAS's compute type (set around each call: CuPy keeps it
    process-wide), bfloat16/float16 by casting the operands, as autocast does; cuBLAS accumulates in float32."""
    mm, f32 = cupy.matmul, cupy.float32
    if precision == "float32":
        return mm
    if precision == "tensorfloat32":
        from cupy._core import _routines_linalg as linalg

        tf32 = getattr(linalg, "COMPUTE_TYPE_TF32", 7)  # 7 in CuPy's enumeration of compute types

        def matmul_tf32(a, b, out=None):
            before = linalg.get_compute_type(f32)
            linalg.set_compute_type(f32, tf32)
            try:
                return mm(a, b, out=out)
            finally:
                linalg.set_compute_type(f32, before)
        return matmul_tf32
    if precision == "float16":
        low = cupy.float16
    else:
        low = getattr(cupy, "bfloat16", None)
        if low is None:
            try:
                from ml_dtypes import bfloat16 as low
            except ImportError:
                raise RuntimeError("bfloat16 matmuls on the GPU need CuPy with bfloat16 support (CuPy 14+ and "
                                   "ml_dtypes); use matmul_precision='float16' or 'tensorfloat32'") from None

    def matmul_lowp(a, b, out=None):
        c = mm(a.astype(low), b.astype(low))
        if out is None:
            return c.astype(f32)
        out[...] = c
        return out
    return matmul_lowp


register_backend("cpu", "CPU", _cpu_backend)
register_backend("gpu", "GPU", _cupy_backend)


def gpu_unavailable_reason():
    """None when `get_backend("gpu")` works, else the message of the RuntimeError it raises."""
    try:
        get_backend("gpu")
        return None
    except RuntimeError as e:
        return str(e)


# --- device strings ----------------------------------------------------------------------------------------

_TASK_PART = re.compile(r"(job:[A-Za-z0-9_.\-]+|replica:\d+|task:\d+)", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def parse_device(spec):
    """A TensorFlow device string as (device_type, index); None for "" or a spec naming no device type.

    Accepted, case-insensitive: "/cpu:0", "/gpu:0", "/device:GPU:0", "/job:localhost/replica:0/task:0/device:CPU:0",
    "gpu" (index 0) and "/gpu:*". Anything else is a ValueError."""
    if spec is None:
        return None
    if not isinstance(spec, str):
        raise TypeError(f"A device must be a string such as '/gpu:0', got {type(spec).__name__}")
    found = None
    for part in spec.strip().split("/"):
        if not part or _TASK_PART.fullmatch(part):
            continue
        fields = part.lower().split(":")
        if fields[0] == "device" and len(fields) > 1:
            fields = fields[1:]
        kind = fields[0]
        ok_index = len(fields) == 1 or (len(fields) == 2 and (fields[1].isdigit() or fields[1] == "*"))
        if found is not None or not ok_index:
            raise ValueError(f"Invalid device specification {spec!r}: expected '/cpu:0', '/gpu:0', "
                             "'/device:GPU:0' or '/job:localhost/replica:0/task:0/device:CPU:0'")
        if kind not in ("cpu", "gpu"):
            raise ValueError(f"Unknown device type {fields[0].upper()!r} in {spec!r}: graphgrad runs on 'CPU' and "
                             "'GPU' devices")
        found = DeviceSpec(kind.upper(), int(fields[1]) if len(fields) == 2 and fields[1] != "*" else 0)
    return found


# --- placement ---------------------------------------------------------------------------------------------

def _config_get(config, key, default=None):
    """A field of a Session config: a dict, graphgrad.ConfigProto or anything with TF's attribute names."""
    if config is None:
        return default
    if isinstance(config, dict):
        return config.get(key, default)
    return getattr(config, key, default)


def _pinned(op):
    """The device `tf.device` pinned `op` to, or None (device functions and "" pin nothing here)."""
    dev = op.device
    if not dev or not isinstance(dev, str):
        return None
    try:
        return parse_device(dev)
    except ValueError as e:
        raise ValueError(f"Operation '{op.name}' was built under tf.device({dev!r}): {e}") from None


class Placement:
    """Which backend a session runs on, and what happens to ops that `tf.device` pinned elsewhere.

    The session's backend is, in order: the `device` argument; the CPU when the config says
    `device_count={"GPU": 0}`; the `GRAPHGRAD_DEVICE` environment variable; the GPU when ops of the graph are
    pinned to one and a GPU can be used; else the CPU. An explicit request for a GPU that cannot be used raises
    RuntimeError. Execution is whole-session (one array module per session): an op pinned to another device
    type runs on the session's device with a one-time DevicePlacementWarning naming it (soft placement), or
    fails the run with InvalidArgumentError when the config sets `allow_soft_placement=False`.
    """

    def __init__(self, device=None, config=None, graph=None):
        soft = _config_get(config, "allow_soft_placement", None)
        self.soft = _settings._soft_device_placement if soft is None else soft is not False
        self.log = bool(_config_get(config, "log_device_placement", False)) or _settings._log_device_placement
        self.why_not_gpu = None  # set when the CPU was chosen although a GPU might have been wanted
        self.backend = self._choose(device, config, graph)
        self._warned = False
        self._logged = set()

    def _choose(self, device, config, graph):
        if device is not None:
            return get_backend(device)
        counts = _config_get(config, "device_count")
        if counts is not None and counts.get("GPU", counts.get("gpu")) == 0:
            self.why_not_gpu = "the session's config sets device_count={'GPU': 0}"
            return get_backend("cpu")
        if _settings.gpu_hidden():
            self.why_not_gpu = "tf.config.set_visible_devices hid the GPU"
            return get_backend("cpu")
        env = os.environ.get(ENV_VAR, "").strip()
        if env:
            try:
                backend = get_backend(env)
            except ValueError as e:
                raise ValueError(f"{ENV_VAR}={env!r}: {e}") from None
            except RuntimeError as e:
                raise RuntimeError(f"{e} (asked for by {ENV_VAR}={env})") from None
            if backend.device_type == "CPU":
                self.why_not_gpu = f"{ENV_VAR}={env} runs every session on the CPU"
            return backend
        if graph is not None and any(_safe_type(op) == "GPU" for op in graph.get_operations()):
            try:
                return get_backend("gpu")
            except RuntimeError as e:
                self.why_not_gpu = str(e)
        return get_backend("cpu")

    def check(self, ops):
        """Called once per compiled plan with its ops: report (or refuse) ops pinned to another device type,
        and print placements when the config asks for `log_device_placement`."""
        session_type = self.backend.device_type
        moved = [op for op in ops if (s := _pinned(op)) is not None and s.device_type != session_type]
        if moved and not self.soft:
            op = moved[0]
            from ..framework.errors import InvalidArgumentError

            raise InvalidArgumentError(
                op.node_def, op, f"Cannot assign a device for operation {op.name}: Operation was explicitly "
                f"assigned to {op.device} but this session runs every op on {self.backend.device_name} "
                f"({self._why(op)}). Set allow_soft_placement=True in the session config to run it there.")
        if moved and not self._warned:
            self._warned = True
            names = ", ".join(f"{op.name} ({op.device})" for op in moved[:8])
            more = f" and {len(moved) - 8} more" if len(moved) > 8 else ""
            warnings.warn(
                f"Soft placement: {len(moved)} ops pinned with tf.device run on {self.backend.device_name} "
                f"instead, because {self._why(moved[0])}: {names}{more}. graphgrad runs a whole session on one "
                "device; ops pinned the same way in later runs of this session are not reported again.",
                DevicePlacementWarning, stacklevel=4)
        if self.log:
            new = [op for op in ops if op not in self._logged]
            if new:
                self._logged.update(new)
                where = self.backend.device_name
                sys.stderr.write("".join(f"{op.name}: ({op.type}): {where}\n" for op in new))

    def _why(self, op):
        if self.backend.device_type == "GPU":
            return "mixed CPU/GPU placement within one session is not supported"
        if self.why_not_gpu is None:
            self.why_not_gpu = gpu_unavailable_reason() or (
                "the session was created for the CPU before any op was pinned to the GPU (create it with "
                f"device='/gpu:0' or set {ENV_VAR}=gpu)")
        return self.why_not_gpu


def _safe_type(op):
    try:
        s = _pinned(op)
    except (TypeError, ValueError):
        return None
    return None if s is None else s.device_type
