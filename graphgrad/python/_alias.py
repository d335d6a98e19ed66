"""TensorFlow's internal modules (`tensorflow.python.ops.math_ops`, ...) hold the functions the public `tf.X`
names are bound to; programs copied from TF's own sources (SELU's `dropout_selu`, custom layers) import them from
there. Each such module of graphgrad's is this lookup: a name is taken from graphgrad's public namespaces, in the
order the module lists them, so `math_ops.floor is tf.floor`."""
from __future__ import annotations

import importlib


def _namespace(path):
    """`graphgrad` itself for "", else the attribute path under it ("nn.rnn_cell": tf.nn.rnn_cell)."""
    ns = importlib.import_module("graphgrad")
    for part in filter(None, path.split(".")):
        ns = getattr(ns, part)
    return ns


def public_names(module_name: str, *namespaces: str):
    """A module `__getattr__` that finds `name` in `graphgrad.<namespace>` (the first that has it; "" is
    `graphgrad` itself), else raises TF's AttributeError for the internal module `module_name`."""

    def __getattr__(name):
        if not name.startswith("__"):
            for path in namespaces:
                ns = _namespace(path)
                if hasattr(ns, name):
                    return getattr(ns, name)
        raise AttributeError(f"module {module_name!r} has no attribute {name!r} (graphgrad: not there)")

    return __getattr__
