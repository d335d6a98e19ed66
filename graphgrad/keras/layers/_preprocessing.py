"""Keras' preprocessing layers that run as graph ops: Rescaling, Resizing, CenterCrop, Normalization (`adapt`
computes the mean and variance of data), Discretization (bucket boundaries, or quantiles from `adapt`),
CategoryEncoding (one-hot, multi-hot, counts) and Hashing (FarmHash buckets, as tf.strings.to_hash_bucket_fast)."""
from __future__ import annotations

import numpy as np

from ... import image as _image
from ...framework import dtypes
from ...framework.op_def import static_shape
from ...ops import array_ops, math_ops
from ...ops.core import zeros_like
from ...ops.init_ops import constant_initializer
from ...ops.select_ops import where
from ...ops.string_ops import as_string
from ...ops.string_ops import string_to_hash_bucket_fast as to_hash_bucket_fast
from .. import backend as K
from ._base import Layer


def _float(x):
    return x if x.dtype.base_dtype == dtypes.float32 else math_ops.cast(x, dtypes.float32)


class Rescaling(Layer):
    """x · scale + offset (e.g. 1/255 for pixels), as float32."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        return _float(inputs) * self.scale + self.offset


class Resizing(Layer):
    """Images resized to (height, width) as TF 2's tf.image.resize does (half-pixel centers)."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, **kwargs):
        super().__init__(**kwargs)
        if interpolation not in ("bilinear", "nearest"):
            raise NotImplementedError(f"Resizing(interpolation={interpolation!r}): graphgrad has 'bilinear' and "
                                      "'nearest'")
        if crop_to_aspect_ratio:
            raise NotImplementedError("Resizing(crop_to_aspect_ratio=True) is not supported: crop first "
                                      "(CenterCrop), then resize")
        self.height, self.width, self.interpolation = int(height), int(width), interpolation

    def call(self, inputs):
        resize = _image.resize_bilinear if self.interpolation == "bilinear" else _image.resize_nearest_neighbor
        x = _float(inputs) if self.interpolation == "bilinear" else inputs
        return resize(x, [self.height, self.width], half_pixel_centers=True)


class CenterCrop(Layer):
    """The central (height, width) window of each image."""

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs):
        s = static_shape(inputs)
        h, w = s[-3], s[-2]
        if h is None or w is None:
            raise ValueError("CenterCrop needs the images' height and width while building the graph")
        if h < self.height or w < self.width:
            raise NotImplementedError(f"CenterCrop to ({self.height}, {self.width}) of smaller images ({h}, {w}): "
                                      "Keras resizes them up; resize them first (Resizing)")
        top, left = (h - self.height) // 2, (w - self.width) // 2
        return _float(inputs)[..., top:top + self.height, left:left + self.width, :]


class Normalization(Layer):
    """(x - mean) / sqrt(variance) per feature along `axis`: given, or computed from data by `adapt` (then held in
    the non-trainable weights `mean`, `variance`, `count`, as Keras 2 holds them); `invert` undoes it."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        if (mean is None) != (variance is None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must be set. Got mean: "
                             f"{mean} and variance: {variance}")
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        self._adapted = None

    def _axes(self, rank):
        keep = sorted(a % rank for a in self.axis)
        return keep, [d for d in range(rank) if d not in keep]

    def build(self, input_shape):
        dims = input_shape.as_list()
        keep, _ = self._axes(len(dims))
        shape = [dims[d] for d in keep]
        self._broadcast = [dims[d] if d in keep else 1 for d in range(len(dims))]
        if self.input_mean is None:
            mean, var, count = self._adapted or (np.zeros(shape), np.ones(shape), 0)
            self.adapt_mean = self.add_variable("mean", shape, initializer=constant_initializer(mean),
                                                trainable=False)
            self.adapt_variance = self.add_variable("variance", shape, initializer=constant_initializer(var),
                                                    trainable=False)
            self.count = self.add_variable("count", [], dtype=dtypes.int64, initializer=constant_initializer(count),
                                           trainable=False)
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """The mean and variance of `data` (an array) over every axis but `axis`."""
        data = np.asarray(data.numpy() if hasattr(data, "numpy") else data, np.float64)
        keep, reduce = self._axes(data.ndim)
        stats = (data.mean(axis=tuple(reduce)), data.var(axis=tuple(reduce)),
                 int(np.prod([data.shape[d] for d in reduce])))
        self._adapted = stats
        if self.built and self.input_mean is None:
            K.batch_set_value(zip([self.adapt_mean, self.adapt_variance, self.count], stats))

    def call(self, inputs):
        x = _float(inputs)
        if self.input_mean is None:
            mean, var = self.adapt_mean, self.adapt_variance
        else:
            shape = [d for d in self._broadcast if d != 1] or [1]
            mean = np.broadcast_to(np.asarray(self.input_mean, np.float32), shape).astype(np.float32)
            var = np.broadcast_to(np.asarray(self.input_variance, np.float32), shape).astype(np.float32)
        mean, var = array_ops.reshape(mean, self._broadcast), array_ops.reshape(var, self._broadcast)
        std = math_ops.maximum(math_ops.sqrt(var), K.epsilon())
        return mean + x * std if self.invert else (x - mean) / std


class Discretization(Layer):
    """The bucket index (int64) of each value: i where bin_boundaries[i-1] <= x < bin_boundaries[i]; `adapt`
    with `num_bins` takes the boundaries at the data's quantiles (exact ones, where Keras approximates)."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 **kwargs):
        super().__init__(**kwargs)
        if output_mode != "int" or sparse:
            raise NotImplementedError("Discretization: output_mode='int' (dense) is supported; follow it with "
                                      "CategoryEncoding for one-hot or counts")
        if bin_boundaries is not None and num_bins is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. Received: num_bins="
                             f"{num_bins} and bin_boundaries={bin_boundaries}")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse

    def adapt(self, data, batch_size=None, steps=None):
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, "
                             "use `num_bins` instead.")
        data = np.asarray(data.numpy() if hasattr(data, "numpy") else data, np.float64).ravel()
        self.bin_boundaries = np.quantile(data, np.arange(1, self.num_bins) / self.num_bins).tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("Discretization needs `bin_boundaries`, or `num_bins` and a call of adapt(data)")
        x = array_ops.expand_dims(_float(inputs), -1)
        above = math_ops.greater_equal(x, np.asarray(self.bin_boundaries, np.float32))
        return math_ops.reduce_sum(math_ops.cast(above, dtypes.int64), axis=-1)


class CategoryEncoding(Layer):
    """Integer ids in [0, num_tokens) as float vectors: 'one_hot' (one id per example), 'multi_hot' (the ids
    present) or 'count' (how often each id occurs, weighted by `count_weights`)."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if sparse:
            raise NotImplementedError("CategoryEncoding(sparse=True) is not supported: its output is dense")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is not known "
                             "beforehand, use the IntegerLookup layer instead.")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, sparse

    def call(self, inputs, count_weights=None):
        rank = len(static_shape(inputs))
        if self.output_mode == "one_hot" and rank > 1 and static_shape(inputs)[-1] == 1:
            inputs = array_ops.squeeze(inputs, [-1])
        elif self.output_mode != "one_hot" and rank == 1:
            inputs = array_ops.expand_dims(inputs, -1)
        hot = array_ops.one_hot(math_ops.cast(inputs, dtypes.int32), self.num_tokens, dtype=dtypes.float32)
        if self.output_mode == "one_hot":
            return hot
        if self.output_mode == "multi_hot":
            return math_ops.reduce_max(hot, axis=-2)
        if count_weights is not None:
            hot = hot * array_ops.expand_dims(_float(array_ops.reshape(count_weights, array_ops.shape(inputs))), -1)
        return math_ops.reduce_sum(hot, axis=-2)


class Hashing(Layer):
    """Strings (or integers, as their decimal strings) hashed into `num_bins` buckets with FarmHash64, as
    tf.strings.to_hash_bucket_fast; with `mask_value` that value goes to bucket 0 and the others to 1..num_bins-1."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if salt is not None:
            raise NotImplementedError("Hashing(salt=...) (keyed SipHash) is not supported")
        if output_mode != "int" or sparse:
            raise NotImplementedError("Hashing: output_mode='int' (dense) is supported; follow it with "
                                      "CategoryEncoding for one-hot or counts")
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: "
                             f"num_bins={num_bins}.")
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.output_mode, self.sparse = output_mode, sparse

    def call(self, inputs):
        strings = inputs if inputs.dtype.base_dtype == dtypes.string else as_string(inputs)
        if self.mask_value is None:
            return to_hash_bucket_fast(strings, self.num_bins)
        hashed = to_hash_bucket_fast(strings, self.num_bins - 1) + 1
        masked = math_ops.equal(inputs, self.mask_value)
        return where(masked, zeros_like(hashed), hashed)


__all__ = ["Rescaling", "Resizing", "CenterCrop", "Normalization", "Discretization", "CategoryEncoding", "Hashing"]
