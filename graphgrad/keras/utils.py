"""`tf.keras.utils`: `to_categorical`, `to_ordinal`, `normalize`, `get_source_inputs`, the progress bar `fit`
prints (Keras' Progbar) and where it prints (interactive logging); `Sequence`, `get_file`, `pad_sequences` and
the enqueuers (`data_utils`), `plot_model`/`model_to_dot` (`vis_utils`); Keras' object registry
(custom_object_scope, register_keras_serializable, ..., from keras/serialization.py)."""
from __future__ import annotations

import sys
import threading
import time

import numpy as np
from absl import logging as _absl_logging

from . import backend as K
from .data_utils import (
    GeneratorEnqueuer,
    OrderedEnqueuer,
    Sequence,
    SequenceEnqueuer,
    get_file,
    pad_sequences,
    validate_file,
)
from .image_utils import array_to_img, img_to_array, load_img, save_img
from .serialization import *  # noqa: F403  (tf.keras.utils' names: custom_object_scope, ...)
from .serialization import __all__ as _registry_all
from .vis_utils import model_to_dot, plot_model


def to_categorical(y, num_classes=None, dtype="float32"):
    """Integer class labels as one-hot rows."""
    y = np.asarray(y, dtype="int64")
    shape = y.shape[:-1] if y.ndim > 1 and y.shape[-1] == 1 else y.shape
    y = y.ravel()
    n = num_classes or int(y.max()) + 1
    out = np.zeros((y.size, n), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out.reshape(*shape, n)


def to_ordinal(y, num_classes=None, dtype="float32"):
    """Class labels as ordinal-regression rows: label k is k ones then zeros, `num_classes - 1` columns."""
    y = np.asarray(y, dtype="int64")
    shape = y.shape[:-1] if y.ndim > 1 and y.shape[-1] == 1 else y.shape
    y = y.reshape(-1)
    n = num_classes or int(np.max(y)) + 1
    out = (np.arange(n - 1)[None, :] < y[:, None]).astype(dtype)
    return out.reshape(*shape, n - 1)


def normalize(x, axis=-1, order=2):
    """`x` divided by its `order`-norm along `axis` (rows of norm 0 stay as they are)."""
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def get_source_inputs(tensor, layer=None, node_index=None):
    """The Input tensors that `tensor` was computed from through Keras layers (itself when it is one); a tensor
    no Keras layer made comes back as it is."""
    hist = K.history(tensor.graph) if hasattr(tensor, "graph") else {}
    if tensor not in hist:
        return tensor
    sources = []

    def visit(t):
        made = hist.get(t)
        if made is None or not made[1]:
            if all(t is not s for s in sources):
                sources.append(t)
            return
        for i in made[1]:
            visit(i)
    visit(tensor)
    return sources


_LOGGING = threading.local()


def enable_interactive_logging():
    """Keras prints its messages (progress bars, downloads) to stdout: the default."""
    _LOGGING.enable = True


def disable_interactive_logging():
    """Keras sends its messages to absl logging (INFO) instead of stdout."""
    _LOGGING.enable = False


def is_interactive_logging_enabled():
    return getattr(_LOGGING, "enable", True)


def print_msg(message, line_break=True):
    """`message` to stdout, or to absl logging when interactive logging is off."""
    if is_interactive_logging_enabled():
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        _absl_logging.info(message)


def _fmt(v):
    v = float(np.mean(v))  # a metric of several values (one per threshold) shows their mean, as Keras' Progbar
    return f" {v:.4f}" if abs(v) > 1e-3 else f" {v:.4e}"


class Progbar:
    """`32/43 [=====================>........] - ETA: 0s - loss: 0.5 - accuracy: 0.9` then, at the end,
    `43/43 [==============================] - 0s 2ms/step - loss: ...`; verbose=2 prints only the last part.
    Updates in place on a terminal; otherwise only the finished line is printed."""

    def __init__(self, target, width=30, verbose=1, file=None):
        self.target, self.width, self.verbose = target, width, verbose
        self.file = file or sys.stdout
        self.start = time.time()
        self.interactive = hasattr(self.file, "isatty") and self.file.isatty()

    def _bar(self, current):
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = len(str(self.target))
        filled = int(self.width * current / self.target) if self.target else self.width
        bar = "=" * max(filled - 1, 0) + (">" if current < self.target else "=") if filled else ""
        return f"{current:{digits}d}/{self.target} [{bar}{'.' * (self.width - len(bar))}]"

    def update(self, current, values, finalize=False):
        values = "".join(f" - {k}:{_fmt(v)}" for k, v in values)
        elapsed = time.time() - self.start
        if finalize:
            per = elapsed / max(current, 1)
            per = f"{per * 1e3:.0f}ms/step" if per >= 1e-3 else f"{per * 1e6:.0f}us/step"
            if self.verbose == 2:
                line = f"{current}/{self.target or current} - {elapsed:.0f}s - {per}{values}"
            else:
                line = f"{self._bar(current)} - {elapsed:.0f}s {per}{values}"
            if not is_interactive_logging_enabled():
                _absl_logging.info(line)
                return
            self.file.write(("\r" if self.interactive and self.verbose == 1 else "") + line + "\n")
            self.file.flush()
        elif self.verbose == 1 and self.interactive and is_interactive_logging_enabled():
            eta = elapsed / max(current, 1) * ((self.target or current) - current)
            self.file.write(f"\r{self._bar(current)} - ETA: {eta:.0f}s{values}")
            self.file.flush()


__all__ = ["to_categorical", "to_ordinal", "normalize", "get_source_inputs", "Progbar", "enable_interactive_logging",
           "disable_interactive_logging", "is_interactive_logging_enabled", "Sequence", "SequenceEnqueuer",
           "OrderedEnqueuer", "GeneratorEnqueuer", "get_file", "validate_file", "pad_sequences", "plot_model",
           "model_to_dot", "array_to_img", "img_to_array", "load_img", "save_img", *_registry_all]
