"""`tf.keras.utils`: `to_categorical`, the progress bar `fit` prints (Keras' Progbar), and Keras' object registry
(custom_object_scope, register_keras_serializable, ..., from keras/serialization.py)."""
from __future__ import annotations

import sys
import time

import numpy as np

from .serialization import *  # noqa: F403  (tf.keras.utils' names: custom_object_scope, ...)
from .serialization import __all__ as _registry_all


def to_categorical(y, num_classes=None, dtype="float32"):
    """Integer class labels as one-hot rows."""
    y = np.asarray(y, dtype="int64")
    shape = y.shape[:-1] if y.ndim > 1 and y.shape[-1] == 1 else y.shape
    y = y.ravel()
    n = num_classes or int(y.max()) + 1
    out = np.zeros((y.size, n), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out.reshape(*shape, n)


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
            self.file.write(("\r" if self.interactive and self.verbose == 1 else "") + line + "\n")
            self.file.flush()
        elif self.verbose == 1 and self.interactive:
            eta = elapsed / max(current, 1) * ((self.target or current) - current)
            self.file.write(f"\r{self._bar(current)} - ETA: {eta:.0f}s{values}")
            self.file.flush()


__all__ = ["to_categorical", "Progbar", *_registry_all]
