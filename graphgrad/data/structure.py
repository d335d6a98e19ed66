"""Nested element structures of tf.data, as TensorFlow's `nest` sees them: tuples (namedtuples included) and dicts
(in sorted key order) are structure, everything else is a leaf. Elements travel through a pipeline flat (a tuple
of arrays, one per component); the structure rebuilds them for the user."""
from __future__ import annotations

LEAF = None  # what a template holds in place of a component


def is_structure(x) -> bool:
    return isinstance(x, (tuple, dict))


def flatten(x) -> list:
    """The leaves of `x` in TF's order (dict keys sorted)."""
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in flatten(x[k])]
    if isinstance(x, tuple):
        return [leaf for v in x for leaf in flatten(v)]
    return [x]


def template(x):
    """`x` with every leaf replaced by LEAF: what `pack` rebuilds (dicts keep their key order for the user,
    leaves are flat in sorted key order)."""
    if isinstance(x, dict):
        return {k: template(x[k]) for k in x}
    if isinstance(x, tuple):
        items = [template(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    return LEAF


def is_sparse(t) -> bool:
    """Whether a template node is a SparseTensor: three flat components, one entry of an element's spec."""
    return isinstance(t, tuple) and getattr(t, "_fields", None) == ("indices", "values", "dense_shape")


def pack(tmpl, flat, sparse=None):
    """The leaves `flat` in the nesting of `tmpl`. With `sparse`, a SparseTensor's three leaves become the one
    value `sparse(indices, values, dense_shape)` (TF's output_types / output_shapes / output_classes)."""
    it = iter(flat)

    def build(t):
        if isinstance(t, dict):
            built = {k: build(t[k]) for k in sorted(t)}
            return {k: built[k] for k in t}
        if sparse is not None and is_sparse(t):
            return sparse(next(it), next(it), next(it))
        if isinstance(t, tuple):
            items = [build(v) for v in t]
            return type(t)(*items) if hasattr(t, "_fields") else tuple(items)
        return next(it)
    out = build(tmpl)
    return out


def sparse_starts(tmpl, n) -> list:
    """The flat index of each SparseTensor's first component (its indices) among an element's `n` components."""
    starts = []
    pack(tmpl, list(range(n)), lambda i, v, d: starts.append(i))
    return starts


def map_structure(x, fn):
    """`fn` of every leaf of `x`, in `x`'s nesting."""
    if isinstance(x, dict):
        return {k: map_structure(v, fn) for k, v in x.items()}
    if isinstance(x, tuple):
        items = [map_structure(v, fn) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    return fn(x)


def same_structure(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b) and all(
            same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(same_structure(x, y) for x, y in zip(a, b)))
    return True


def lists_to_tuples(x):
    """A function's result as tf.data reads it: lists become tuples (TF1 warns and does the same)."""
    if isinstance(x, list):
        return tuple(lists_to_tuples(v) for v in x)
    if isinstance(x, tuple):
        items = [lists_to_tuples(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    if isinstance(x, dict):
        return {k: lists_to_tuples(v) for k, v in x.items()}
    return x


def flatten_up_to(tmpl, value):
    """The leaves of `value` following `tmpl` (TF's nest.flatten_up_to): a list where `tmpl` has a tuple counts as
    the tuple; whatever sits at a leaf of `tmpl` is a leaf, lists included. TypeError when they do not match."""
    if isinstance(tmpl, dict):
        if not isinstance(value, dict) or sorted(value) != sorted(tmpl):
            raise TypeError("structure mismatch")
        return [leaf for k in sorted(tmpl) for leaf in flatten_up_to(tmpl[k], value[k])]
    if isinstance(tmpl, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(tmpl):
            raise TypeError("structure mismatch")
        return [leaf for t, v in zip(tmpl, value) for leaf in flatten_up_to(t, v)]
    return [value]
