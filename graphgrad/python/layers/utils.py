"""`tensorflow.python.layers.utils`: the helpers TF1's layers share, which custom layers copied from TF use."""
from __future__ import annotations

from ...ops.array_ops import get_static_value as constant_value

__all__ = ["smart_cond", "constant_value", "normalize_tuple", "normalize_data_format", "convert_data_format"]


def smart_cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` or `false_fn()` chosen now when `pred` is a Python bool or a tensor whose value graph building
    knows; otherwise `tf.cond(pred, true_fn, false_fn)`."""
    from ...ops.control_flow_ops import cond

    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("`true_fn` and `false_fn` must be callable.")
    value = pred if isinstance(pred, (bool, int)) else constant_value(pred)
    if value is None:
        return cond(pred, true_fn, false_fn, name=name)
    return true_fn() if bool(value) else false_fn()


def normalize_tuple(value, n, name):
    """`value` (an int or n ints) as a tuple of n ints; TF's ValueError naming `name` otherwise."""
    if isinstance(value, int):
        return (value,) * n
    try:
        out = tuple(value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {value}") from None
    if len(out) != n or not all(isinstance(v, int) for v in out):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {value}")
    return out


def normalize_data_format(value):
    fmt = (value or "channels_last").lower()
    if fmt not in ("channels_first", "channels_last"):
        raise ValueError(f'The `data_format` argument must be one of "channels_first", "channels_last". '
                         f"Received: {value}")
    return fmt


def convert_data_format(data_format, ndim):
    """Keras's `channels_last`/`channels_first` as tf.nn's NWC/NHWC/NDHWC or NCW/NCHW/NCDHW."""
    spatial = {3: "W", 4: "HW", 5: "DHW"}
    if ndim not in spatial:
        raise ValueError(f"Input rank not supported: {ndim}")
    if data_format == "channels_last":
        return "N" + spatial[ndim] + "C"
    if data_format == "channels_first":
        return "NC" + spatial[ndim]
    raise ValueError(f"Invalid data_format: {data_format}")
