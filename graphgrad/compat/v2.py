"""`tf.compat.v2`: the top-level names of TensorFlow 2 that graphgrad has, as graphgrad has them.

A name TF 2 has is graphgrad's own object (`v2.function`, `v2.GradientTape`, `v2.keras`, ...); where TF 1 and TF 2
differ under one name, it behaves as TF 1's (`v2.summary` is TF 1's summary module, ops run eagerly only after
`enable_v2_behavior()`). A TF 1-only name (`v2.placeholder`, `v2.Session`) is an AttributeError that says so, as in
TensorFlow; a TF 2 name graphgrad lacks is an AttributeError too. The list of TF 2's names is
graphgrad/compat/_tf2_names.py (tools/record_tf2_names.py wrote it under TensorFlow 2.21).
"""
import sys

from ._tf2_names import NAMES

_gg = sys.modules[__name__.split(".", 1)[0]]


def __getattr__(name):
    if name not in NAMES:
        where = " (TF 1 only: graphgrad.compat.v1 has it)" if hasattr(_gg, name) else ""
        raise AttributeError(f"module 'graphgrad.compat.v2' has no attribute {name!r}{where}")
    try:
        return getattr(_gg, name)
    except AttributeError:
        raise AttributeError(f"module 'graphgrad.compat.v2' has no attribute {name!r}: TensorFlow 2 has it, "
                             "graphgrad does not") from None


def __dir__():
    return sorted(n for n in NAMES if hasattr(_gg, n))
