"""`tf.data.DatasetSpec(element_spec, dataset_shape=())`: the type of a dataset (its elements' specs), as a
`tf.function`'s signature or a nested dataset's element names it."""
from __future__ import annotations

from ..framework.tensor_shape import TensorShape
from . import structure as nest
from .dataset_ops import Dataset

__all__ = ["DatasetSpec"]


class DatasetSpec:
    def __init__(self, element_spec, dataset_shape=()):
        self._element_spec = element_spec
        self._dataset_shape = TensorShape(dataset_shape)

    element_spec = property(lambda self: self._element_spec)
    value_type = property(lambda self: Dataset)

    @staticmethod
    def from_value(value):
        """The spec of the dataset `value`."""
        return DatasetSpec(value.element_spec)

    def is_compatible_with(self, spec_or_value):
        """Whether a dataset or a DatasetSpec has this spec's element specs and shape."""
        other = DatasetSpec.from_value(spec_or_value) if isinstance(spec_or_value, Dataset) else spec_or_value
        return isinstance(other, DatasetSpec) and self == other

    def __eq__(self, other):
        if not isinstance(other, DatasetSpec) or self._dataset_shape != other._dataset_shape:
            return False
        mine, theirs = self._element_spec, other._element_spec
        return nest.same_structure(mine, theirs) and all(
            a == b for a, b in zip(nest.flatten(mine), nest.flatten(theirs)))

    __hash__ = None

    def __repr__(self):
        return f"DatasetSpec({self._element_spec!r}, {self._dataset_shape!r})"
