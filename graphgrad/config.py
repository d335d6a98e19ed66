"""`tf.config`: thread settings for the BLAS pool, the devices graphgrad can run on, and `ConfigProto` for
`tf.Session(config=...)`.

NumPy's matrix products run on its BLAS library's thread pool (OpenBLAS or MKL), which reads
OPENBLAS_NUM_THREADS / MKL_NUM_THREADS / OMP_NUM_THREADS when NumPy is imported; graphgrad leaves that
default alone until `set_num_threads` is called. The setting is process-wide, as TensorFlow 1.x's
intra-op pool is unless `use_per_session_threads` is set.

    import graphgrad as tf
    tf.config.set_num_threads(2)
    sess = tf.Session(config=tf.ConfigProto(log_device_placement=True, device_count={"GPU": 0}))
"""
from __future__ import annotations

import types
from typing import NamedTuple

__all__ = ["set_num_threads", "get_num_threads", "list_physical_devices", "ConfigProto", "GPUOptions",
           "PhysicalDevice", "threading", "LogicalDevice", "LogicalDeviceConfiguration", "list_logical_devices",
           "get_visible_devices", "set_visible_devices", "get_logical_device_configuration",
           "set_logical_device_configuration", "get_soft_device_placement", "set_soft_device_placement",
           "run_functions_eagerly", "functions_run_eagerly", "experimental_run_functions_eagerly",
           "experimental_functions_run_eagerly", "experimental", "optimizer", "set_memory_growth",
           "get_memory_growth", "get_device_details"]

#: (the threadpool_limits object, runtime/blas.py's thread count) of the first set_num_threads call, to restore them
_original_limits = []


def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def set_num_threads(n):
    """Use `n` threads for BLAS calls (matmul, dot) from now on, process-wide; `None` restores the number
    the process started with (from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else the number of cores)."""
    from threadpoolctl import threadpool_limits

    from .runtime import blas, gemm_pool

    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"set_num_threads expects a positive int or None, got {n!r}")
    pooled = gemm_pool.started()
    gemm_pool.stop()  # its workers and OpenBLAS's one thread follow the new count: restarted below where it allows
    if n is None:
        if _original_limits:
            limiter, bound = _original_limits.pop()
            limiter.restore_original_limits()
            if bound is not None:
                blas.set_threads(bound)
    else:
        bound = blas.threads()
        limiter = threadpool_limits(limits=n, user_api="blas")
        # threadpoolctl sets MKL's count for the calling thread only: the bound BLAS's is set for all of them
        blas.set_threads(n)
        blas.quiet_numpy_blas()   # with MKL bound, NumPy's OpenBLAS stays on one thread (runtime/blas.py)
        if not _original_limits:
            _original_limits.append((limiter, bound))
    if pooled:
        gemm_pool.start()


def get_num_threads():
    """Threads of the BLAS pool NumPy's matrix products use (the largest if several BLAS libraries are
    loaded; the GEMM pool's threads while it splits the products, runtime/gemm_pool.py), or None when
    threadpoolctl finds no BLAS library."""
    from .runtime import gemm_pool

    if gemm_pool.started():
        return gemm_pool.threads()
    counts = [lib.num_threads for lib in _controller().select(user_api="blas").lib_controllers]
    return max(counts) if counts else None


_inter_op_threads = 0


def _set_inter_op_parallelism_threads(num_threads):
    """Kept and reported, as TF's context keeps it; graphgrad's sessions run their ops one after another."""
    global _inter_op_threads
    _inter_op_threads = int(num_threads)


threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=lambda num_threads: set_num_threads(num_threads or None),
    get_intra_op_parallelism_threads=get_num_threads,
    set_inter_op_parallelism_threads=_set_inter_op_parallelism_threads,
    get_inter_op_parallelism_threads=lambda: _inter_op_threads,
    __doc__="tf.config.threading: the intra-op pool is the BLAS pool (0 restores its default); the inter-op "
            "setting is kept and reported (sessions run their ops in order).",
)


# --- devices -----------------------------------------------------------------------------------------------

class PhysicalDevice(NamedTuple):
    name: str
    device_type: str


def list_physical_devices(device_type=None):
    """The devices graphgrad can run on: always the CPU, and the GPU when CuPy sees a CUDA device."""
    from .runtime.backends import gpu_unavailable_reason

    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    if (device_type is None or device_type.upper() == "GPU") and gpu_unavailable_reason() is None:
        devices.append(PhysicalDevice("/physical_device:GPU:0", "GPU"))
    return [d for d in devices if device_type is None or d.device_type == device_type.upper()]


class LogicalDevice(NamedTuple):
    name: str
    device_type: str


class LogicalDeviceConfiguration(NamedTuple):
    """TF's description of a logical device carved out of a physical one (graphgrad makes one per device)."""
    memory_limit: object = None
    experimental_priority: object = None
    experimental_device_ordinal: object = None


#: The devices sessions may use (set_visible_devices); None: every physical device.
_visible = None
#: Process defaults a session's config overrides: soft placement (TF's default: on) and placement logging
#: (tf.debugging.set_log_device_placement).
_soft_device_placement = True
_log_device_placement = False


def get_visible_devices(device_type=None):
    devices = list_physical_devices() if _visible is None else list(_visible)
    return [d for d in devices if device_type is None or d.device_type == device_type.upper()]


def set_visible_devices(devices, device_type=None):
    """Restrict the devices of `device_type` (all types when None) to `devices`: `set_visible_devices([],
    "GPU")` makes new sessions run on the CPU. The CPU cannot be hidden, as in TensorFlow."""
    global _visible
    devices = [devices] if isinstance(devices, PhysicalDevice) else list(devices)
    physical = list_physical_devices()
    for d in devices:
        if d not in physical:
            raise ValueError(f"Unrecognized device: {d!r}")
    kept = [d for d in get_visible_devices() if device_type is not None and d.device_type != device_type.upper()]
    chosen = [d for d in physical if d in devices or d in kept]
    if not any(d.device_type == "CPU" for d in chosen):
        raise ValueError("Must specify at least one CPU device: the CPU cannot be hidden.")
    _visible = chosen


def gpu_hidden():
    """Whether `set_visible_devices` hid the GPU (sessions then run on the CPU)."""
    return _visible is not None and not any(d.device_type == "GPU" for d in _visible)


def list_logical_devices(device_type=None):
    """One logical device per visible physical device (`/device:CPU:0`, `/device:GPU:0`)."""
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in get_visible_devices(device_type)]


def get_logical_device_configuration(device):
    """None: graphgrad does not split a physical device into logical ones."""
    return None


def set_logical_device_configuration(device, logical_devices):
    """Only one logical device per physical device (graphgrad runs a session on one device): a list of one
    configuration is accepted (its memory limit is not applied), more is a ValueError."""
    if logical_devices is not None and len(logical_devices) > 1:
        raise ValueError("graphgrad cannot split a physical device into several logical devices")


def get_soft_device_placement():
    return _soft_device_placement


def set_soft_device_placement(enabled):
    """Whether an op pinned to a device the session does not run on runs on the session's device anyway (with a
    warning) or fails the run; a session's `ConfigProto(allow_soft_placement=...)` overrides it."""
    global _soft_device_placement
    _soft_device_placement = bool(enabled)


def _function_module():
    import importlib

    return importlib.import_module(".eager.function", __package__)  # graphgrad.eager.function is the decorator


def run_functions_eagerly(run_eagerly):
    """`tf.function`s run their Python functions op by op instead of their traced graphs (to debug them)."""
    _function_module().RUN_FUNCTIONS_EAGERLY = bool(run_eagerly)


def functions_run_eagerly():
    return _function_module().RUN_FUNCTIONS_EAGERLY


experimental_run_functions_eagerly = run_functions_eagerly
experimental_functions_run_eagerly = functions_run_eagerly


# --- tf.config.experimental and tf.config.optimizer (TF 1.14/1.15's names) ------------------------------------

_memory_growth = {}


def _known(device):
    if device not in list_physical_devices():
        raise ValueError(f"Unrecognized device: {device!r}")


def set_memory_growth(device, enable):
    """Whether a GPU's memory grows as needed: CuPy's memory pool, which graphgrad's GPU backend allocates
    from, always does; the setting is kept for `get_memory_growth`, and refused for the CPU as in TF."""
    _known(device)
    if device.device_type != "GPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")
    _memory_growth[device] = bool(enable)


def get_memory_growth(device):
    """What `set_memory_growth` set for a GPU (None before); a KeyError for the CPU, as TF gives."""
    _known(device)
    if device.device_type != "GPU":
        raise KeyError(device)
    return _memory_growth.get(device)


def get_device_details(device):
    """TF's details of a physical device: nothing for the CPU, a GPU's name and compute capability."""
    _known(device)
    if device.device_type != "GPU":
        return {}
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    return {"device_name": props["name"].decode(), "compute_capability": (props["major"], props["minor"])}


_jit = False
_optimizer_options = {}


def set_jit(enabled):
    """TF's XLA auto-clustering switch, kept and reported by `get_jit`: graphgrad compiles every plan the same way
    (docs/plan-compiler.md) whatever it says."""
    global _jit
    _jit = bool(enabled)


def get_jit():
    return _jit


def set_experimental_options(options):
    """Grappler's options (`{"layout_optimizer": False, ...}`), kept and reported: graphgrad's plan compiler has
    its own passes (docs/plan-compiler.md)."""
    _optimizer_options.update(options)


def get_experimental_options():
    return dict(_optimizer_options)


experimental = types.SimpleNamespace(
    list_physical_devices=list_physical_devices, list_logical_devices=list_logical_devices,
    get_visible_devices=get_visible_devices, set_visible_devices=set_visible_devices,
    set_memory_growth=set_memory_growth, get_memory_growth=get_memory_growth, get_device_details=get_device_details,
    VirtualDeviceConfiguration=LogicalDeviceConfiguration,
    get_virtual_device_configuration=get_logical_device_configuration,
    set_virtual_device_configuration=set_logical_device_configuration,
    __doc__="tf.config.experimental: TF 1.15's names for the device functions (tf.config's own, and memory growth).")
optimizer = types.SimpleNamespace(
    set_jit=set_jit, get_jit=get_jit, set_experimental_options=set_experimental_options,
    get_experimental_options=get_experimental_options,
    __doc__="tf.config.optimizer: XLA and Grappler settings, kept and reported (graphgrad has its own compiler).")


# --- session configuration ---------------------------------------------------------------------------------

class GPUOptions:
    """TensorFlow's GPUOptions: accepted for compatibility. CuPy's memory pool grows on demand (like
    `allow_growth=True`); `per_process_gpu_memory_fraction` and `visible_device_list` are not applied."""

    _FIELDS = ("allow_growth", "per_process_gpu_memory_fraction", "visible_device_list", "allocator_type",
               "deferred_deletion_bytes", "polling_active_delay_usecs", "force_gpu_compatible", "experimental")

    def __init__(self, **fields):
        _set_fields(self, self._FIELDS, fields, "GPUOptions")


class ConfigProto:
    """The fields of TensorFlow's ConfigProto that a graphgrad Session reads (others are accepted and kept):

    device_count={"GPU": 0} runs the session on the CPU; allow_soft_placement=False turns the warning about
    ops pinned to another device into an InvalidArgumentError; log_device_placement=True prints where each op
    runs; intra_op_parallelism_threads > 0 calls `set_num_threads` (process-wide)."""

    _FIELDS = ("device_count", "intra_op_parallelism_threads", "inter_op_parallelism_threads",
               "use_per_session_threads", "session_inter_op_thread_pool", "placement_period", "device_filters",
               "gpu_options", "allow_soft_placement", "log_device_placement", "graph_options",
               "operation_timeout_in_ms", "rpc_options", "cluster_def", "isolate_session_state", "experimental")

    def __init__(self, **fields):
        self.device_count = {}
        self.gpu_options = GPUOptions()
        self.allow_soft_placement = None   # unset: soft placement with a warning
        self.log_device_placement = False
        self.intra_op_parallelism_threads = 0
        self.inter_op_parallelism_threads = 0
        _set_fields(self, self._FIELDS, fields, "ConfigProto")
        self.device_count = dict(self.device_count)

    def __repr__(self):
        return "ConfigProto(" + ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "gpu_options") + ")"


def _set_fields(obj, allowed, fields, what):
    for key, value in fields.items():
        if key not in allowed:
            raise ValueError(f'Protocol message {what} has no "{key}" field.')
        setattr(obj, key, value)


def apply_session_config(config):
    """What a session config changes beyond placement: `intra_op_parallelism_threads` > 0 sets the BLAS pool."""
    n = config.get("intra_op_parallelism_threads") if isinstance(config, dict) else \
        getattr(config, "intra_op_parallelism_threads", 0)
    if n and n > 0 and n != get_num_threads():
        set_num_threads(int(n))
