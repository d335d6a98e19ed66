"""`tf.version` (and TF1's top-level `tf.VERSION`, `tf.GIT_VERSION`, ...): graphgrad's own values, not TensorFlow's.
A program that compares `tf.VERSION` with "1.x" sees graphgrad's version; the GraphDef versions are those graphgrad
writes and reads (it writes TF 1.15's producer version, 134)."""
from __future__ import annotations

import platform

from . import __version__ as VERSION  # noqa: N812

#: graphgrad is installed from source or a wheel, not built from a git tree by bazel: TF says "unknown" then too.
GIT_VERSION = "unknown"
#: graphgrad compiles nothing: the compiler that built the Python running it.
COMPILER_VERSION = platform.python_compiler()
GRAPH_DEF_VERSION = 134
GRAPH_DEF_VERSION_MIN_CONSUMER = 0
GRAPH_DEF_VERSION_MIN_PRODUCER = 0

__all__ = ["VERSION", "GIT_VERSION", "COMPILER_VERSION", "GRAPH_DEF_VERSION", "GRAPH_DEF_VERSION_MIN_CONSUMER",
           "GRAPH_DEF_VERSION_MIN_PRODUCER"]
