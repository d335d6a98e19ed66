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
           "PhysicalDevice", "threading"]

_original_limits = []  # the threadpool_limits object of the first set_num_threads call, to restore defaults


def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def set_num_threads(n):
    """Use `n` threads for BLAS calls (matmul, dot) from now on, process-wide; `None` restores the number
    the process started with (from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else the number of cores)."""
    from threadpoolctl import threadpool_limits

    if n is None:
        if _original_limits:
            _original_limits.pop().restore_original_limits()
        return
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int or None, got {n!r}")
    limiter = threadpool_limits(limits=n, user_api="blas")
    if not _original_limits:
        _original_limits.append(limiter)


def get_num_threads():
    """Threads of the BLAS pool NumPy's matrix products use (the largest if several BLAS libraries are
    loaded), or None when threadpoolctl finds no BLAS library."""
    counts = [lib.num_threads for lib in _controller().select(user_api="blas").lib_controllers]
    return max(counts) if counts else None


threading = types.SimpleNamespace(
    set_intra_op_parallelism_threads=lambda num_threads: set_num_threads(num_threads or None),
    get_intra_op_parallelism_threads=get_num_threads,
    __doc__="tf.config.threading: the intra-op pool is the BLAS pool (0 restores its default).",
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
