"""`slim.data_decoder.DataDecoder`: what a decoder of serialized records offers (`decode`, `list_items`)."""
from __future__ import annotations

import abc

__all__ = ["DataDecoder"]


class DataDecoder(abc.ABC):
    @abc.abstractmethod
    def decode(self, data, items):
        """The tensors of `items` decoded from the serialized record `data`, in the order of `items`."""

    @abc.abstractmethod
    def list_items(self):
        """The names of the items this decoder can decode."""
