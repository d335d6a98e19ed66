"""Keras' spatial reshaping layers: UpSampling1D/2D/3D (each position repeated; 2-D also bilinear), ZeroPadding1D/
2D/3D and Cropping1D/2D/3D, over the spatial axes of channels-last or channels-first inputs."""
from __future__ import annotations

from ...framework.op_def import static_shape
from ...ops import array_ops
from ._base import Layer, _named


def _pairs(value, rank, what):
    """Keras' normalization of padding/cropping: an int, `rank` ints (symmetric), or `rank` pairs."""
    if isinstance(value, int):
        return ((value, value),) * rank
    value = tuple(value)
    if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return (tuple(value),)
    if len(value) != rank:
        raise ValueError(f"`{what}` should have {rank} elements. Received: {value}.")
    return tuple((v, v) if isinstance(v, int) else tuple(int(x) for x in v) for v in value)


def _spatial_axes(rank, data_format):
    return list(range(2, rank + 2)) if data_format == "channels_first" else list(range(1, rank + 1))


def _repeat(x, n, axis):
    """Each element of x repeated n times along `axis` (Keras' repeat_elements), as reshape∘tile."""
    if n == 1:
        return x
    s = static_shape(x)
    dyn = array_ops.shape(x)
    y = array_ops.tile(array_ops.expand_dims(x, axis + 1), [n if i == axis + 1 else 1 for i in range(len(s) + 1)])
    dims = [dyn[i] if d is None else d for i, d in enumerate(s)]
    dims[axis] = dims[axis] * n
    shape = dims if all(isinstance(d, int) for d in dims) else array_ops.stack(dims)
    return array_ops.reshape(y, shape)


def _format(data_format, rank):
    return "channels_last" if rank == 1 else (data_format or "channels_last")


def _upsampling(rank):
    class UpSampling(Layer):
        def __init__(self, size=2 if rank == 1 else (2,) * rank, data_format=None, **kwargs):
            interpolation = kwargs.pop("interpolation", "nearest") if rank == 2 else "nearest"
            super().__init__(**kwargs)
            self.size = (int(size),) * rank if isinstance(size, int) else tuple(int(s) for s in size)
            self.data_format = _format(data_format, rank)
            if interpolation not in ("nearest", "bilinear"):
                raise ValueError(f"`interpolation` argument should be one of `\"nearest\"` or `\"bilinear\"`. "
                                 f"Received: \"{interpolation}\".")
            self.interpolation = interpolation

        def call(self, inputs):
            if self.interpolation == "bilinear":
                return self._bilinear(inputs)
            for axis, n in zip(_spatial_axes(rank, self.data_format), self.size):
                inputs = _repeat(inputs, n, axis)
            return inputs

        def _bilinear(self, inputs):
            from ... import image

            first = self.data_format == "channels_first"
            x = array_ops.transpose(inputs, [0, 2, 3, 1]) if first else inputs
            s = static_shape(x)
            y = image.resize_bilinear(x, [s[1] * self.size[0], s[2] * self.size[1]], half_pixel_centers=True)
            return array_ops.transpose(y, [0, 3, 1, 2]) if first else y
    return _named(UpSampling, f"UpSampling{rank}D", f"repeats each of the {rank} spatial positions `size` times "
                  "along its axis.")


UpSampling1D = _upsampling(1)
UpSampling3D = _upsampling(3)


class UpSampling2D(_upsampling(2)):
    """Repeats each row and column `size` times, or resizes bilinearly (`interpolation="bilinear"`)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation=interpolation, **kwargs)



def _padding_layer(rank):
    class ZeroPadding(Layer):
        def __init__(self, padding=1 if rank == 1 else (1,) * rank, data_format=None, **kwargs):
            super().__init__(**kwargs)
            self.padding = _pairs(padding, rank, "padding")
            self.data_format = _format(data_format, rank)

        def call(self, inputs):
            pads = [[0, 0]] * (rank + 2)
            for axis, p in zip(_spatial_axes(rank, self.data_format), self.padding):
                pads[axis] = list(p)
            return array_ops.pad(inputs, pads)
    return _named(ZeroPadding, f"ZeroPadding{rank}D", f"zeros added before and after each of the {rank} spatial "
                  "axes.")


def _cropping_layer(rank, default):
    class Cropping(Layer):
        def __init__(self, cropping=default, data_format=None, **kwargs):
            super().__init__(**kwargs)
            self.cropping = _pairs(cropping, rank, "cropping")
            self.data_format = _format(data_format, rank)

        def call(self, inputs):
            index = [slice(None)] * (rank + 2)
            for axis, (a, b) in zip(_spatial_axes(rank, self.data_format), self.cropping):
                index[axis] = slice(a, -b if b else None)
            return inputs[tuple(index)]
    return _named(Cropping, f"Cropping{rank}D", f"removes positions from the start and end of each of the {rank} "
                  "spatial axes.")


ZeroPadding1D, ZeroPadding2D, ZeroPadding3D = _padding_layer(1), _padding_layer(2), _padding_layer(3)
Cropping1D = _cropping_layer(1, (1, 1))
Cropping2D = _cropping_layer(2, ((0, 0), (0, 0)))
Cropping3D = _cropping_layer(3, ((1, 1), (1, 1), (1, 1)))

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
           "Cropping1D", "Cropping2D", "Cropping3D"]
