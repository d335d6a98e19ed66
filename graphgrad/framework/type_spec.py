"""`tf.TypeSpec`, the base of the specs: descriptions of a value without the value (dtype, partial shape, the kind
of composite). TensorSpec (tensor_spec.py) is one; the composite tensors' specs and `type_spec_from_value` are in
graphgrad/type_specs.py, above the ops they describe.

Each spec is its constructor's arguments (`_fields`): equality, hashing and TF's repr
(`SparseTensorSpec(TensorShape([Dimension(2)]), tf.float32)`) come from them. `is_compatible_with` takes a spec or
a value (whose spec `type_spec_from_value` makes); shapes are compatible where every known dimension agrees.
"""
from __future__ import annotations

from .tensor_shape import TensorShape

__all__ = ["TypeSpec", "common_shape"]


class TypeSpec:
    """The base class: a spec is its `_fields`; subclasses name their `value_type`."""

    _fields: tuple = ()
    #: `type_spec_from_value`, installed from above by graphgrad/type_specs.py (it knows the composite tensors)
    _spec_of = None

    def __init__(self):
        if type(self) is TypeSpec:
            raise TypeError("Can't instantiate abstract class TypeSpec with abstract methods _component_specs, "
                            "_from_components, _serialize, _to_components, value_type")

    def _serialize(self) -> tuple:
        return tuple(getattr(self, "_" + f) for f in self._fields)

    @property
    def value_type(self):
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self).__name__, self._key()))

    def _key(self):
        return tuple(tuple(v.as_list()) if isinstance(v, TensorShape) and v.ndims is not None else
                     ("?" if isinstance(v, TensorShape) else v) for v in self._serialize())

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(repr(v) for v in self._serialize())})"

    def is_compatible_with(self, spec_or_value) -> bool:
        """Whether the two describe values that could be the same: same kind and dtypes, shapes that agree."""
        other = spec_or_value if isinstance(spec_or_value, TypeSpec) else TypeSpec._spec_of(spec_or_value)
        if type(self) is not type(other):
            return False
        for a, b in zip(self._serialize(), other._serialize()):
            if isinstance(a, TensorShape) and isinstance(b, TensorShape):
                if not a.is_compatible_with(b):
                    return False
            elif isinstance(a, TypeSpec) and isinstance(b, TypeSpec):
                if not a.is_compatible_with(b):
                    return False
            elif a != b:
                return False
        return True

    def is_subtype_of(self, other) -> bool:
        """Whether every value of this spec is one of `other`'s (its shapes at least as known)."""
        if type(self) is not type(other):
            return False
        for a, b in zip(self._serialize(), other._serialize()):
            if isinstance(a, TensorShape):
                if b.ndims is not None and (a.ndims != b.ndims or any(
                        y is not None and x != y for x, y in zip(a.as_list(), b.as_list()))):
                    return False
            elif a != b:
                return False
        return True

    def most_specific_common_supertype(self, others):
        """The narrowest spec of this kind that holds this and `others` (dimensions that differ become None), or
        None when one is of another kind or dtype."""
        values = list(self._serialize())
        for other in others:
            if type(other) is not type(self):
                return None
            for i, (a, b) in enumerate(zip(values, other._serialize())):
                if isinstance(a, TensorShape):
                    values[i] = common_shape(a, b)
                elif a != b:
                    return None
        return type(self)(*values)


def common_shape(a, b) -> TensorShape:
    if a.ndims is None or b.ndims is None or a.ndims != b.ndims:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])
