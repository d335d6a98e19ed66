"""`slim.data_provider.DataProvider`: named tensors of one record (`get(items)`) and the data set's size."""
from __future__ import annotations

__all__ = ["DataProvider"]


class DataProvider:
    def __init__(self, items_to_tensors, num_samples):
        self._items_to_tensors = items_to_tensors
        self._num_samples = num_samples

    def get(self, items):
        """The tensors of `items`, in that order; ValueError naming an unknown item."""
        for item in items:
            if item not in self._items_to_tensors:
                raise ValueError(f"Item [{item}] is invalid. Valid entries include: {self._items_to_tensors.keys()}")
        return [self._items_to_tensors[item] for item in items]

    def list_items(self):
        return list(self._items_to_tensors)

    def num_samples(self):
        return self._num_samples
