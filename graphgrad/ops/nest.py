"""Nested structures of values as TensorFlow's `nest` sees them: lists, tuples, namedtuples and dicts (by sorted
key) are structure; everything else (tensors, TensorArrays, numbers) is a leaf. Used by tf.while_loop and the
functional ops (scan, map_fn, fold) for their loop variables."""
from __future__ import annotations

__all__ = []


def is_sequence(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def _items(x):
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x)


def flatten(structure) -> list:
    if not is_sequence(structure):
        return [structure]
    return [leaf for item in _items(structure) for leaf in flatten(item)]


def pack_sequence_as(structure, flat):
    """`flat` (a list of leaves) in the nesting of `structure`."""
    flat = list(flat)
    it = iter(flat)

    def build(s):
        if not is_sequence(s):
            return next(it)
        if isinstance(s, dict):
            built = {k: build(s[k]) for k in sorted(s)}
            return type(s)((k, built[k]) for k in s)
        items = [build(x) for x in s]
        return type(s)(*items) if hasattr(s, "_fields") else type(s)(items)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError(f"Could not pack sequence. Structure had {n} elements, but flat_sequence had "
                         f"{len(flat)} elements.")
    return build(structure)


def assert_same_structure(a, b, check_types=True):
    """As TensorFlow's nest: ValueError for a different nesting or length, TypeError for other sequence types."""
    msg = (f"The two structures don't have the same nested structure.\n\nFirst structure: {a!r}\n\n"
           f"Second structure: {b!r}")
    a_seq, b_seq = is_sequence(a), is_sequence(b)
    if a_seq != b_seq:
        raise ValueError(msg)
    if not a_seq:
        return
    if len(a) != len(b):
        raise ValueError(msg)
    if check_types and type(a) is not type(b) and not (isinstance(a, list) and isinstance(b, list)):
        raise TypeError(f"The two structures don't have the same sequence type. First structure has type "
                        f"{type(a)}, while second structure has type {type(b)}.")
    if isinstance(a, dict):
        if sorted(a) != sorted(b):
            raise ValueError(f"The two dictionaries don't have the same set of keys. First structure has keys "
                             f"{sorted(a)}, while second structure has keys {sorted(b)}.")
    for x, y in zip(_items(a), _items(b)):
        assert_same_structure(x, y, check_types)


def map_structure(fn, structure):
    return pack_sequence_as(structure, [fn(x) for x in flatten(structure)])
