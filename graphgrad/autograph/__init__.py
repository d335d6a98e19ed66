"""`tf.autograph`: converts Python control flow on tensors into graph control flow, as TensorFlow's AutoGraph.

`tf.function` converts the function it traces (`autograph=True`, the default): an `if`, `while` or `for` whose
condition or iterable is a graph tensor becomes `tf.cond` / `tf.while_loop`, while Python conditions keep their
Python meaning. See docs/autograph.md for what is converted and what is not.
"""
from __future__ import annotations

import builtins
import enum

from . import conversion
from .conversion import ConversionError

__all__ = ["to_graph", "to_code", "do_not_convert", "experimental", "set_verbosity", "trace", "ConversionError"]


class Feature(enum.Enum):
    """TF's optional conversion features. They are accepted and checked; graphgrad always converts control flow,
    `and`/`or`/`not`, `print` and calls, and none of the optional ones."""

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


def _check_features(features):
    if features is None:
        return
    for f in features if isinstance(features, (list, tuple, set, frozenset)) else [features]:
        if not isinstance(f, Feature):
            raise ValueError(f"experimental_optional_features must be tf.autograph.experimental.Feature values, "
                             f"got {f!r}")


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """The converted version of a Python function or method: calling it builds graph control flow where its
    conditions are tensors. `recursive`: also convert the functions it calls."""
    _check_features(experimental_optional_features)
    return conversion.convert(entity, recursive=recursive, user_requested=True)


def to_code(entity, recursive=True, experimental_optional_features=None):
    """The source code of the converted function, as a string (it calls the operators as `ag__.*`)."""
    return to_graph(entity, recursive, experimental_optional_features).ag_source


def do_not_convert(func=None):
    """Mark `func` so that AutoGraph calls it as it is (usable as a decorator, with or without parentheses)."""
    if func is None:
        return do_not_convert
    try:
        setattr(func, conversion._DO_NOT_CONVERT, True)
    except AttributeError:  # a builtin or an object without attributes: it is not converted anyway
        pass
    return func


def set_verbosity(level, alsologtostdout=False):
    """How much AutoGraph reports: 1 and more warn about functions it cannot convert and runs as they are; 3 and
    more print each converted function's code (to stdout too with `alsologtostdout`)."""
    conversion.VERBOSITY[0] = int(level)
    conversion.ALSO_STDOUT = bool(alsologtostdout)


def trace(*args):
    """Print the arguments when the code runs in Python (in a tf.function: once, while tracing), as TF's."""
    builtins.print(*args)


class experimental:  # noqa: N801  (tf.autograph.experimental, a namespace as TF's)
    """`tf.autograph.experimental`: do_not_convert and Feature."""

    do_not_convert = staticmethod(do_not_convert)
    Feature = Feature
