"""`tf.debugging`: the `assert_*` family (ops/check_ops.py), numeric checks and the debugging switches.

`enable_check_numerics()` puts a CheckNumerics op after every float output of the ops built (or, eagerly, run)
from then on, so the first NaN or Inf stops the run naming the op that made it; `disable_check_numerics()` stops
adding them. graphgrad does not filter tracebacks (its frames are few and plain Python), so
`is_traceback_filtering_enabled()` is False whatever the switch; `set_log_device_placement(True)` makes every
session created afterwards print where its ops run, as `ConfigProto(log_device_placement=True)` does.
"""
from __future__ import annotations

from . import config as _config
from . import logging as _logging
from .ops import core as _core
from .ops.check_ops import *  # noqa: F401,F403
from .ops.check_ops import __all__ as _check_names
from .ops.check_ops import assert_shapes  # noqa: F401  (tf.debugging only, as in TF1)
from .ops.logging_ops import CheckNumerics, check_numerics, verify_tensor_all_finite
from .ops.math_ops import is_finite, is_inf, is_nan  # noqa: F401

__all__ = [*_check_names, "assert_shapes", "check_numerics", "assert_all_finite", "is_finite", "is_inf", "is_nan",
           "enable_check_numerics", "disable_check_numerics", "enable_traceback_filtering",
           "disable_traceback_filtering", "is_traceback_filtering_enabled", "set_log_device_placement",
           "get_log_device_placement"]


def assert_all_finite(t=None, msg=None, name=None, x=None, message=None):
    """`t` (or `x`), available only after a CheckNumerics op found no NaN or Inf in it (`msg` or `message` in
    the error)."""
    t = x if t is None else t
    msg = message if msg is None else msg
    return verify_tensor_all_finite(t, msg, name=name)


def _check_outputs(op_def, outs):
    if op_def is CheckNumerics or op_def.is_variable or op_def.mutates:
        return outs
    return [check_numerics(t, f"Detected Infinity or NaN in output {i} of op {op_def.type}")
            if t.dtype.is_floating and not t.dtype.is_ref_dtype else t for i, t in enumerate(outs)]


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """From now on every float output of a new op (graph mode) or of an op run eagerly is checked for NaN and
    Inf: InvalidArgumentError "Detected Infinity or NaN in output 0 of op Log : Tensor had Inf values"."""
    if _check_outputs not in _core.op_callbacks:
        _core.op_callbacks.append(_check_outputs)


def disable_check_numerics():
    """No more checks for the ops built from now on (those already instrumented keep theirs)."""
    if _check_outputs in _core.op_callbacks:
        _core.op_callbacks.remove(_check_outputs)


def enable_traceback_filtering():
    """graphgrad's tracebacks are not filtered (nothing of TF's C++ bridge to hide): nothing changes."""
    _logging.info("tf.debugging.enable_traceback_filtering: graphgrad does not filter tracebacks")


def disable_traceback_filtering():
    """Tracebacks stay whole, as they always are in graphgrad."""


def is_traceback_filtering_enabled():
    return False


def set_log_device_placement(enabled):
    """Sessions created from now on print each op's device, as `ConfigProto(log_device_placement=True)`."""
    _config._log_device_placement = bool(enabled)


def get_log_device_placement():
    return _config._log_device_placement
