"""`slim.dataset.Dataset`: where the records are (`data_sources`), how to read (`reader`, a reader class) and
decode them (`decoder`), and how many there are; other keyword arguments become attributes too."""
from __future__ import annotations

__all__ = ["Dataset"]


class Dataset:
    def __init__(self, data_sources, reader, decoder, num_samples, items_to_descriptions, **kwargs):
        kwargs.update(data_sources=data_sources, reader=reader, decoder=decoder, num_samples=num_samples,
                      items_to_descriptions=items_to_descriptions)
        self.__dict__.update(kwargs)
