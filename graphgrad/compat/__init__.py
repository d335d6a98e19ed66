"""`tf.compat`: `tf.compat.v1` (graphgrad is the TensorFlow 1.x API, so `tf.compat.v1.X` is `tf.X`:
`tf.compat.v1.data.make_one_shot_iterator(dataset)`, `tf.compat.v1.placeholder`, ...; `import graphgrad.compat.v1
as tf` works too), `tf.compat.v2` (TF 2's names that graphgrad has), TF1's bytes/text helpers that data-reading
code uses (`tf.compat.as_str(zipfile.read(name)).split()` in word2vec programs), and the version checks."""
import contextlib as _contextlib
import datetime as _datetime
import numbers as _numbers
import os as _os
import sys

import numpy as _np

from ..framework.tensor_shape import Dimension as _Dimension
from ..framework.tensor_shape import TensorShape as _TensorShape

v1 = sys.modules[__name__.rsplit(".", 1)[0]]
sys.modules[__name__ + ".v1"] = v1  # `import graphgrad.compat.v1 as tf` is `import graphgrad as tf`

__all__ = ["as_bytes", "as_str", "as_str_any", "as_text", "v1", "v2", "bytes_or_text_types", "complex_types",
           "dimension_at_index", "dimension_value", "forward_compatibility_horizon", "forward_compatible",
           "integral_types", "path_to_str", "real_types"]

#: the Python and NumPy types TF1's `isinstance` checks accept, as tf.compat has them
integral_types = (_numbers.Integral, _np.integer)
real_types = (_numbers.Real, _np.integer, _np.floating)
complex_types = (_numbers.Complex, _np.number)
bytes_or_text_types = (bytes, str)


def as_bytes(bytes_or_text, encoding="utf-8"):
    """`bytes` as they are (a bytearray copied), `str` encoded; anything else is TF1's TypeError."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """`str` as it is, `bytes` decoded; anything else is TF1's TypeError."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text  # Python 3's str is text


def as_str_any(value, encoding="utf-8"):
    """Bytes decoded, anything else through `str()`."""
    return as_str(value, encoding) if isinstance(value, bytes) else str(value)


def path_to_str(path):
    """A path-like object (`pathlib.Path`) as its `str`; anything else as it is."""
    return _os.fspath(path) if hasattr(path, "__fspath__") else path


def dimension_value(dimension):
    """An int or None from a `Dimension` (what `shape[i]` is in TF1) or from an int or None."""
    return dimension.value if isinstance(dimension, _Dimension) else dimension


def dimension_at_index(shape, index):
    """`shape[index]` as a `Dimension`; an unknown-rank shape gives `Dimension(None)` for any index."""
    shape = _TensorShape(shape) if not isinstance(shape, _TensorShape) else shape
    if shape.ndims is None:
        return _Dimension(None)
    return shape[index]


#: TF 2.21's horizon (graphgrad's graphs are read by, and recorded against, TensorFlow 2.21): a GraphDef feature
#: newer than this date is not used. TF_FORWARD_COMPATIBILITY_DELTA_DAYS moves it, as in TensorFlow.
_HORIZON = _datetime.date(2026, 1, 16)
_horizon_override = []


def _horizon():
    if _horizon_override:
        return _horizon_override[-1]
    days = _os.environ.get("TF_FORWARD_COMPATIBILITY_DELTA_DAYS")
    date = _HORIZON + _datetime.timedelta(days=int(days)) if days else _HORIZON
    return max(date, _HORIZON)  # a date before the horizon is ignored, as in TensorFlow


def forward_compatible(year, month, day):
    """Whether graphs written now may use what became available after year-month-day: True for dates before the
    horizon (TF's check, which guards new op attributes)."""
    return _horizon() > _datetime.date(year, month, day)


@_contextlib.contextmanager
def forward_compatibility_horizon(year, month, day):
    """The horizon moved to year-month-day inside the block (what TF's tests use to try both sides); a date before
    the horizon is ignored with TF's warning."""
    date = _datetime.date(year, month, day)
    if date < _HORIZON:
        from .. import logging

        logging.warning(f"Trying to set the forward compatibility date to the past date {date}. This will be "
                        "ignored by TensorFlow.")
    _horizon_override.append(max(date, _horizon()))
    try:
        yield
    finally:
        _horizon_override.pop()


from . import v2  # noqa: E402  (after v1: v2 reads graphgrad's names when they are asked for)
