"""Keras' pooling layers: Max/AveragePooling1D/2D/3D on tf.layers' pooling, and the global poolings (the mean or
maximum over every spatial position, `keepdims` keeping those axes at size 1)."""
from __future__ import annotations

from ... import layers as _tfl
from ...ops import array_ops, math_ops
from ._base import Layer, _named


def _pool(base, default, data_format_default=None):
    class Pool(Layer, base):
        def __init__(self, pool_size=default, strides=None, padding="valid", data_format=data_format_default,
                     **kwargs):
            super().__init__(pool_size, strides, padding=padding, data_format=data_format or "channels_last",
                             **kwargs)
    return _named(Pool, base.__name__, f"on tf.layers.{base.__name__} (strides default to pool_size).")


MaxPooling1D = _pool(_tfl.MaxPooling1D, 2, "channels_last")
MaxPooling2D = _pool(_tfl.MaxPooling2D, (2, 2))
MaxPooling3D = _pool(_tfl.MaxPooling3D, (2, 2, 2))
AveragePooling1D = _pool(_tfl.AveragePooling1D, 2, "channels_last")
AveragePooling2D = _pool(_tfl.AveragePooling2D, (2, 2))
AveragePooling3D = _pool(_tfl.AveragePooling3D, (2, 2, 2))


def _global(kind, rank):
    reduce = math_ops.reduce_mean if kind == "Average" else math_ops.reduce_max

    class GlobalPool(Layer):
        def __init__(self, data_format="channels_last" if rank == 1 else None, keepdims=False, **kwargs):
            super().__init__(**kwargs)
            self.data_format = data_format or "channels_last"
            self.keepdims = keepdims

        def call(self, inputs):
            first = self.data_format == "channels_first"
            axes = list(range(2, rank + 2)) if first else list(range(1, rank + 1))
            return reduce(inputs, axis=axes, keepdims=self.keepdims)
    return _named(GlobalPool, f"Global{kind}Pooling{rank}D",
                  f"the {kind.lower()} over the {rank} spatial axes: [batch, *spatial, channels] -> [batch, channels].")


class GlobalAveragePooling1D(_global("Average", 1)):
    """Keras' GlobalAveragePooling1D: the mean over the steps, or over the unmasked steps only where the input has
    a mask (which the output does not carry on)."""

    supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        axis = 1 if self.data_format == "channels_last" else 2
        mask = array_ops.expand_dims(math_ops.cast(mask, inputs.dtype.base_dtype), 3 - axis)
        return (math_ops.reduce_sum(inputs * mask, axis=axis, keepdims=self.keepdims)
                / math_ops.reduce_sum(mask, axis=axis, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


GlobalAveragePooling2D = _global("Average", 2)
GlobalAveragePooling3D = _global("Average", 3)
GlobalMaxPooling1D = _global("Max", 1)
GlobalMaxPooling2D = _global("Max", 2)
GlobalMaxPooling3D = _global("Max", 3)

MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D",
           "AvgPool2D", "AvgPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D",
           "GlobalMaxPool2D", "GlobalMaxPool3D"]
