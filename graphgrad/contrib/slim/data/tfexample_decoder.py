"""`slim.tfexample_decoder`: a serialized tf.train.Example parsed (`tf.parse_single_example` with the given
features) and turned into named items by item handlers — a `Tensor` (reshaped, sparse ones made dense), an
`Image` (PNG/JPEG/GIF/BMP by their headers, or raw bytes when the format feature says "raw"), `BoundingBox`
coordinates, or a callback."""
from __future__ import annotations

from ....framework import dtypes as _dtypes
from ....io.parsing_ops import FixedLenFeature, parse_single_example
from ....ops import array_ops, math_ops
from ....ops.control_flow_ops import case
from ....ops.sparse_ops import SparseTensor as _Sparse
from ....ops.sparse_ops import sparse_tensor_to_dense
from .data_decoder import DataDecoder

__all__ = ["BoundingBox", "Image", "ItemHandler", "ItemHandlerCallback", "TFExampleDecoder", "Tensor"]


class ItemHandler:
    """The Example keys an item is made from (`keys`) and how (`tensors_to_item`)."""

    def __init__(self, keys):
        self._keys = [keys] if isinstance(keys, str) else list(keys)

    keys = property(lambda self: self._keys)

    def tensors_to_item(self, keys_to_tensors):
        raise NotImplementedError(f"{type(self).__name__} does not define tensors_to_item")


class ItemHandlerCallback(ItemHandler):
    """An item made by `func(keys_to_tensors)`."""

    def __init__(self, keys, func):
        super().__init__(keys)
        self._func = func

    def tensors_to_item(self, keys_to_tensors):
        return self._func(keys_to_tensors)


class Tensor(ItemHandler):
    """The feature `tensor_key` as it is, reshaped to `shape` or to the values of the `shape_keys` features (not
    both); a sparse (VarLen) feature made dense with `default_value`."""

    def __init__(self, tensor_key, shape_keys=None, shape=None, default_value=0):
        if shape_keys and shape is not None:
            raise ValueError("Cannot specify both shape_keys and shape parameters.")
        if shape_keys and not isinstance(shape_keys, list):
            shape_keys = [shape_keys]
        self._tensor_key, self._shape_keys = tensor_key, shape_keys
        self._shape, self._default_value = shape, default_value
        super().__init__([tensor_key] + (shape_keys or []))

    def tensors_to_item(self, keys_to_tensors):
        tensor = keys_to_tensors[self._tensor_key]
        shape = self._shape
        if self._shape_keys:
            dims = [sparse_tensor_to_dense(d) if isinstance(d, _Sparse) else d
                    for d in (keys_to_tensors[k] for k in self._shape_keys)]
            shape = array_ops.reshape(array_ops.stack(dims), [-1])
        if isinstance(tensor, _Sparse):
            tensor = sparse_tensor_to_dense(tensor, self._default_value)
        if shape is not None:
            tensor = array_ops.reshape(tensor, shape)
        return tensor


class BoundingBox(ItemHandler):
    """[num_boxes, 4] boxes (ymin, xmin, ymax, xmax) from four features `<prefix><key>`."""

    def __init__(self, keys=None, prefix=""):
        if keys is None:
            keys = ["ymin", "xmin", "ymax", "xmax"]
        elif len(keys) != 4:
            raise ValueError(f"BoundingBox expects 4 keys but got {len(keys)}")
        self._full_keys = [prefix + k for k in keys]
        super().__init__(self._full_keys)

    def tensors_to_item(self, keys_to_tensors):
        sides = []
        for key in self._full_keys:
            side = keys_to_tensors[key]
            sides.append(array_ops.expand_dims(side.values if isinstance(side, _Sparse) else side, 0))
        return array_ops.transpose(array_ops.concat(sides, 0))


class Image(ItemHandler):
    """The image encoded in `image_key`: decoded by its header (PNG, JPEG, GIF, BMP; `channels`) and cast to
    `dtype`, or, where `format_key` says "raw", its bytes as `dtype`; reshaped to `shape` when given. `repeated`:
    a vector of encoded images decoded one by one. (`dct_method` is accepted; Pillow decodes JPEG one way.)"""

    def __init__(self, image_key=None, format_key=None, shape=None, channels=3, dtype=_dtypes.uint8,
                 repeated=False, dct_method=""):
        image_key = image_key or "image/encoded"
        format_key = format_key or "image/format"
        super().__init__([image_key, format_key])
        self._image_key, self._format_key = image_key, format_key
        self._shape, self._channels, self._dtype = shape, channels, dtype
        self._repeated, self._dct_method = repeated, dct_method

    def tensors_to_item(self, keys_to_tensors):
        buffer, image_format = keys_to_tensors[self._image_key], keys_to_tensors[self._format_key]
        if self._repeated:
            from ....ops.functional_ops import map_fn

            return map_fn(lambda x: self._decode(x, image_format), buffer, dtype=self._dtype)
        return self._decode(buffer, image_format)

    def _decode(self, buffer, image_format):
        from ....io.decode_ops import decode_raw
        from ....ops.image_codec_ops import decode_image

        def decoded():
            return math_ops.cast(decode_image(buffer, channels=self._channels), self._dtype)

        def raw():
            return decode_raw(buffer, out_type=self._dtype)

        is_raw = math_ops.logical_or(math_ops.equal(image_format, "raw"), math_ops.equal(image_format, "RAW"))
        image = case([(is_raw, raw)], default=decoded, exclusive=True)
        image.set_shape([None, None, self._channels])
        if self._shape is not None:
            image = array_ops.reshape(image, self._shape)
        return image


class TFExampleDecoder(DataDecoder):
    """Decode a serialized Example: parse `keys_to_features` (FixedLenFeature / VarLenFeature), reshape the
    fixed ones to their shapes, and make each item with its handler in `items_to_handlers`."""

    def __init__(self, keys_to_features, items_to_handlers):
        self._keys_to_features = keys_to_features
        self._items_to_handlers = items_to_handlers

    def list_items(self):
        return list(self._items_to_handlers)

    def decode(self, serialized_example, items=None):
        example = parse_single_example(serialized_example, self._keys_to_features)
        for k in sorted(self._keys_to_features):
            feature = self._keys_to_features[k]
            if isinstance(feature, FixedLenFeature):
                example[k] = array_ops.reshape(example[k], feature.shape)
        outputs = []
        for item in items or self._items_to_handlers:
            handler = self._items_to_handlers[item]
            outputs.append(handler.tensors_to_item({key: example[key] for key in handler.keys}))
        return outputs
