"""TF1 `tf.layers` pooling: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and their functional forms (no variables;
ops under `max_pooling2d/`, `average_pooling2d/`, ...)."""
from __future__ import annotations

from ..ops import pooling_ops
from .convolutional import _data_format, _padding, _tuple
from .core import Layer


class _Pooling(Layer):
    rank, kind = 2, "MAX"

    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        n = self.rank
        self.pool_size = _tuple(pool_size, n, "pool_size")
        self.strides = _tuple(strides if strides is not None else pool_size, n, "strides")
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)
        kind = "max" if self.kind == "MAX" else "average"
        self._base_name = f"{kind}_pooling{n}d"

    def call(self, inputs):
        fmt = "NC..." if self.data_format == "channels_first" else "N...C"
        label = {("MAX", 3): "MaxPool3D", ("AVG", 3): "AvgPool3D"}.get((self.kind, self.rank),
                                                                        "MaxPool" if self.kind == "MAX" else "AvgPool")
        return pooling_ops._pool(self.kind, self.rank, inputs, self.pool_size, self.strides, self.padding, fmt, None,
                                 label, label)


def _layer(kind, rank, name):
    cls = type(name, (_Pooling,), {"rank": rank, "kind": kind, "__doc__": (
        f"{'Max' if kind == 'MAX' else 'Average'} pooling over {rank}-D windows of `pool_size` (strides default "
        "to pool_size).")})
    cls.__module__ = __name__

    def layer_fn(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
        return cls(pool_size, strides, padding=padding, data_format=data_format, name=name).apply(inputs)
    layer_fn.__name__ = layer_fn.__qualname__ = cls(1, 1)._base_name
    layer_fn.__doc__ = cls.__doc__
    return cls, layer_fn


MaxPooling1D, max_pooling1d = _layer("MAX", 1, "MaxPooling1D")
MaxPooling2D, max_pooling2d = _layer("MAX", 2, "MaxPooling2D")
MaxPooling3D, max_pooling3d = _layer("MAX", 3, "MaxPooling3D")
AveragePooling1D, average_pooling1d = _layer("AVG", 1, "AveragePooling1D")
AveragePooling2D, average_pooling2d = _layer("AVG", 2, "AveragePooling2D")
AveragePooling3D, average_pooling3d = _layer("AVG", 3, "AveragePooling3D")
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "max_pooling1d", "max_pooling2d", "max_pooling3d", "average_pooling1d",
           "average_pooling2d", "average_pooling3d", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D",
           "AvgPool3D"]
