"""Nested structures of values as TensorFlow's `nest` sees them, and `tf.nest` itself (graphgrad/nest.py).

Lists, tuples, namedtuples, mappings (flattened by sorted key, rebuilt in their own key order) and `attrs` classes
are structure; everything else is a leaf: tensors, None, strings, NumPy arrays, and the composite tensors
(SparseTensor, RaggedTensor, IndexedSlices) unless `expand_composites=True` opens them into their component tensors.
tf.while_loop, the functional ops (scan, map_fn, fold), the RNNs and Keras use it for their nested values. Errors
are TF's classes and messages: ValueError for a different nesting, length or key set, TypeError for other types.
"""
from __future__ import annotations

import collections
import collections.abc

__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure", "pack_sequence_as"]


def _is_composite(x) -> bool:
    """A graph composite tensor (graphgrad's SparseTensor, RaggedTensor and IndexedSlices mark themselves with the
    value class a fetch gives); a namedtuple of dtypes or shapes as tf.data keeps is structure, not a composite."""
    from ..framework.graph import Tensor

    return hasattr(type(x), "_fetched_as") and isinstance(_components(x)[0], Tensor)


def _components(x):
    return tuple(x._composite_parts()) if hasattr(x, "_composite_parts") else tuple(x)


def _is_attrs(x) -> bool:
    return hasattr(type(x), "__attrs_attrs__")


def is_nested(seq) -> bool:
    """Whether `seq` is a structure nest opens: a list, tuple, namedtuple, mapping or attrs object (not a string,
    set, array or tensor)."""
    if hasattr(type(seq), "_fetched_as"):  # graph composites and their fetched values are leaves
        return False
    return isinstance(seq, (list, tuple, collections.abc.Mapping)) or _is_attrs(seq)


is_sequence = is_nested  # TF 1's older name, which graphgrad's own modules use


def _sorted_keys(mapping):
    return sorted(mapping)  # TypeError for keys that do not compare, as in TF


def _children(x, expand_composites):
    """The direct sub-structures of `x` in flattening order, or None for a leaf."""
    if isinstance(x, collections.abc.Mapping):
        return [x[k] for k in _sorted_keys(x)]
    if _is_attrs(x):
        return [getattr(x, a.name) for a in type(x).__attrs_attrs__]
    if isinstance(x, (list, tuple)) and not hasattr(type(x), "_fetched_as"):
        return list(x)
    if expand_composites and _is_composite(x):
        return list(_components(x))
    return None


def flatten(structure, expand_composites=False) -> list:
    """The leaves of `structure` in TF's order (a mapping's values by sorted key); a leaf gives `[leaf]`."""
    out = []
    _flatten_into(structure, expand_composites, out)
    return out


def _flatten_into(x, expand_composites, out):
    children = _children(x, expand_composites)
    if children is None:
        out.append(x)
    else:
        for c in children:
            _flatten_into(c, expand_composites, out)


def _rebuild(template, items):
    """An object like `template` holding `items` (its children in flattening order)."""
    if isinstance(template, collections.abc.Mapping):
        by_key = dict(zip(_sorted_keys(template), items))
        pairs = [(k, by_key[k]) for k in template]
        if isinstance(template, collections.defaultdict):
            return type(template)(template.default_factory, pairs)
        return type(template)(pairs)
    if _is_attrs(template):
        return type(template)(*items)
    if isinstance(template, tuple) and hasattr(template, "_fields") or _is_composite(template):
        return type(template)(*items)
    return type(template)(items)


def _pack(structure, it, expand_composites):
    children = _children(structure, expand_composites)
    if children is None:
        return next(it)
    return _rebuild(structure, [_pack(c, it, expand_composites) for c in children])


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """The leaves `flat_sequence` (a list) in the nesting of `structure`."""
    if not is_nested(flat_sequence):
        raise TypeError(f"Attempted to pack value:\n  {flat_sequence}\ninto a structure, but found incompatible "
                        f"type `{type(flat_sequence)}` instead.")
    flat = list(flat_sequence)
    if _children(structure, expand_composites) is None:
        if len(flat) != 1:
            raise ValueError(f"The target structure is of type `{type(structure)}`\n  {structure}\nHowever the "
                             f"input is a sequence ({type(flat_sequence)}) of length {len(flat)}.\n  "
                             f"{flat_sequence}\nnest cannot guarantee that it is safe to map one to the other.")
        return flat[0]
    n = len(flatten(structure, expand_composites))
    if n != len(flat):
        raise ValueError(f"Could not pack sequence. Structure had {n} atoms, but flat_sequence had {len(flat)} "
                         f"items.  Structure: {structure}, flat_sequence: {flat_sequence}.")
    return _pack(structure, iter(flat), expand_composites)


class _Dot:
    def __repr__(self):
        return "."


def _show(x):
    return f"type={type(x).__name__} str={x}"


def _same_namedtuple(a, b) -> bool:
    return (hasattr(a, "_fields") and hasattr(b, "_fields") and type(a).__name__ == type(b).__name__
            and a._fields == b._fields)


def _mismatch(a, b, check_types, expand_composites):
    """(exception class, TF's "More specifically" sentence) for the first difference of `a` and `b`, or None."""
    ca, cb = _children(a, expand_composites), _children(b, expand_composites)
    if (ca is None) != (cb is None):
        seq, leaf = (a, b) if ca is not None else (b, a)
        return ValueError, f'Substructure "{_show(seq)}" is a sequence, while substructure "{_show(leaf)}" is not'
    if ca is None:
        return None
    if len(ca) != len(cb):
        return ValueError, (f"The two structures don't have the same number of elements. First structure: "
                            f"{_show(a)}. Second structure: {_show(b)}")
    both_mappings = isinstance(a, collections.abc.Mapping) and isinstance(b, collections.abc.Mapping)
    if (check_types or expand_composites and _is_composite(a)) and type(a) is not type(b) \
            and not both_mappings and not _same_namedtuple(a, b):
        return TypeError, (f"The two namedtuples don't have the same sequence type. First structure {_show(a)} has "
                           f"type {type(a).__name__}, while second structure {_show(b)} has type "
                           f"{type(b).__name__}")
    if both_mappings and set(a) != set(b):
        return ValueError, (f"The two dictionaries don't have the same set of keys. First structure has keys "
                            f"{_show(_sorted_keys(a))}, while second structure has keys {_show(_sorted_keys(b))}")
    for x, y in zip(ca, cb):
        found = _mismatch(x, y, check_types, expand_composites)
        if found:
            return found
    return None


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises ValueError (nesting, length, keys) or TypeError (sequence types, when `check_types`) as TF does;
    namedtuples of one name and fields, and any two mappings, count as the same type."""
    found = _mismatch(nest1, nest2, check_types, expand_composites)
    if found:
        cls, detail = found
        dots1 = pack_sequence_as(nest1, [_Dot()] * len(flatten(nest1, expand_composites)), expand_composites)
        dots2 = pack_sequence_as(nest2, [_Dot()] * len(flatten(nest2, expand_composites)), expand_composites)
        raise cls(f"The two structures don't have the same nested structure.\n\nFirst structure: {_show(nest1)}\n\n"
                  f"Second structure: {_show(nest2)}\n\nMore specifically: {detail}\nEntire first structure:\n"
                  f"{dots1!r}\nEntire second structure:\n{dots2!r}")


def map_structure(func, *structure, **kwargs):
    """`func` applied to the leaves of the structures (all of one nesting), packed as the first structure."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    check_types = kwargs.pop("check_types", True)
    expand_composites = kwargs.pop("expand_composites", False)
    if kwargs:
        raise ValueError(f"Only valid keyword arguments are `check_types` and `expand_composites`, not: "
                         f"`{'`, `'.join(kwargs)}`")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types, expand_composites)
    flats = [flatten(s, expand_composites) for s in structure]
    return pack_sequence_as(structure[0], [func(*leaves) for leaves in zip(*flats)], expand_composites)
