"""Nested structures of lists, tuples (namedtuples too) and dicts: flattened in a fixed order (dict keys sorted)
and rebuilt, for `GradientTape.gradient`'s nested sources and `tf.function`'s arguments and results."""
from __future__ import annotations


def _keys(d):
    return sorted(d, key=repr)


def flatten(x, out=None):
    """The leaves of `x`, in order (a dict's values by sorted key)."""
    out = [] if out is None else out
    if isinstance(x, (list, tuple)):
        for v in x:
            flatten(v, out)
    elif isinstance(x, dict):
        for k in _keys(x):
            flatten(x[k], out)
    else:
        out.append(x)
    return out


def structure(x):
    """A hashable description of the nesting of `x` (types and dict keys, not the leaves)."""
    if isinstance(x, (list, tuple)):
        return (type(x), tuple(structure(v) for v in x))
    if isinstance(x, dict):
        return (type(x), tuple((k, structure(x[k])) for k in _keys(x)))
    return None


def pack(template, flat):
    """`template`'s nesting with `flat`'s leaves in place of its own."""
    return _build(template, iter(flat))


def _build(x, it):
    # a module function, not a recursive closure: that would be a reference cycle keeping `flat` alive until the
    # cycle collector runs
    if isinstance(x, (list, tuple)):
        items = [_build(v, it) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        built = {k: _build(x[k], it) for k in _keys(x)}
        return type(x)((k, built[k]) for k in x)
    return next(it)
