"""Summary ops: graph ops whose kernel returns a serialized `Summary` protobuf for TensorBoard.

Each op outputs one tf.string scalar: a 0-d object array holding `bytes`, so `Session.run` hands the user
the bytes that `FileWriter.add_summary` takes. Names and tags follow TensorFlow 1.x: the op is named after
its (unique, name-scope prefixed) scope and the tag is that scope without the trailing slash, so
`with tf.name_scope("loss"): tf.summary.scalar("x", v)` logs tag "loss/x" from op "loss/x".
Kernels copy their input to the host (`ctx.to_host`) because the protobuf and PNG encoding are host work.
"""
from __future__ import annotations

import re
import struct
import zlib

import numpy as np
from tensorboardX.proto import summary_pb2

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import GraphKeys, get_collection, name_scope
from ..framework.op_def import OpDef, not_differentiable, require, static_shape
from ..ops.core import apply_op, convert_to_tensor

__all__ = ["scalar", "histogram", "image", "audio", "text", "tensor_summary", "merge", "merge_all"]

Summary = summary_pb2.Summary


# --- helpers ---------------------------------------------------------------------------------------

_INVALID_TAG_CHARS = re.compile(r"[^-/\w.]")


def clean_tag(name):
    """TF's summary_op_util.clean_tag: invalid characters become '_' and a leading '/' is dropped."""
    if name is None:
        return None
    new = _INVALID_TAG_CHARS.sub("_", name).lstrip("/")
    return new


class _SummaryScope:
    """`summary_scope` of TF1: a unique name scope `family/name`, yielding (tag, scope)."""

    def __init__(self, name, family, values):
        name, family = clean_tag(name), clean_tag(family)
        self._base = name if not family else f"{family}/{name}"
        self._family = family
        self._cm = name_scope(self._base, None, values)

    def __enter__(self):
        scope = self._cm.__enter__()
        tag = scope.rstrip("/")
        if not tag:  # executing eagerly: name scopes do nothing, the tag is the name itself
            return self._base, None
        if self._family:
            tag = f"{self._family}/{tag}"
        return tag, scope

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def _collect(tensor, collections, default):
    for key in default if collections is None else collections:
        tensor.graph.add_to_collection(key, tensor)


def _wrap(data: bytes):
    """A tf.string scalar value: a 0-d object array holding the serialized bytes."""
    out = np.empty((), dtype=object)
    out[()] = data
    return out


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _as_bytes(s):
    return s.encode("utf-8") if isinstance(s, str) else bytes(s)


class _SummaryOp(OpDef):
    """Base of all summary ops: one tf.string scalar output, never differentiated."""

    def infer(op):
        return [((), dtypes.string)]

    gradient = not_differentiable


# --- scalar ----------------------------------------------------------------------------------------

class ScalarSummary(_SummaryOp):
    type = "ScalarSummary"

    def infer(op):
        x = op.inputs[0]
        require(op, x, numeric=True)
        shape = static_shape(x)
        if shape is not None and shape != ():
            raise ValueError(f"tags and values not the same shape: [] != {list(shape)} (tag '{op.attrs['tag']}')")
        return [((), dtypes.string)]

    def kernel(op, ctx):
        # The whole Summary is one field of fixed layout, so it is written directly: tag prefix + float32.
        tag = op.attrs["tag"].encode("utf-8")
        value = b"\x0a" + _varint(len(tag)) + tag + b"\x15"
        prefix = b"\x0a" + _varint(len(value) + 4) + value
        pack = struct.Struct("<f").pack

        def run(x):
            if getattr(x, "ndim", 0) != 0:
                raise InvalidArgumentError(op.node_def, op, f"tags and values not the same shape: [] != "
                                                            f"{list(x.shape)} (tag '{op.attrs['tag']}')")
            return _wrap(prefix + pack(float(x)))
        return run


def scalar(name, tensor, collections=None, family=None):
    """A summary op logging the 0-d numeric `tensor` under tag `name` (name-scope prefixed)."""
    with _SummaryScope(name, family, [tensor]) as (tag, scope):
        x = convert_to_tensor(tensor, name="values")
        out = apply_op(ScalarSummary, [x], {"tag": tag}, scope)
    _collect(out, collections, [GraphKeys.SUMMARIES])
    return out


# --- histogram -------------------------------------------------------------------------------------

def _default_bucket_limits():
    """TF's default histogram buckets: +-1e-12 growing by 10% up to 1e20, then +-DBL_MAX, and 0."""
    pos = []
    v = 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(np.finfo(np.float64).max)
    neg = [-x for x in reversed(pos)]
    return np.array(neg + [0.0] + pos, dtype=np.float64)


BUCKET_LIMITS = _default_bucket_limits()


def _bucket_table(float_dtype, uint_dtype, shift):
    """For a float dtype, the tables `_bucket_indices` looks values up in.

    The key of a value is its bits' sign, exponent and top mantissa bits (`bits >> shift`). A key covers values
    within a factor 1 + 2**(shift - mantissa bits) <= 1 + 1/64 of each other, less than the 10 % between limits,
    so at most one limit lies inside: `first[key]` is the bucket of the key's value nearest -inf, and a value
    lies in that bucket or the next, the next where it is >= `limits[first[key]]`. `limits` are the bucket limits
    rounded up to the dtype, so the test compares in the dtype and means the same as in double."""
    nbits = np.dtype(uint_dtype).itemsize * 8
    keys = np.arange(1 << (nbits - shift), dtype=np.uint64)
    low = (keys << np.uint64(shift)).astype(uint_dtype)
    high = low | np.array((1 << shift) - 1, dtype=uint_dtype)
    negative = (keys >> np.uint64(nbits - shift - 1)).astype(bool)
    with np.errstate(invalid="ignore", over="ignore"):
        nearest_minus_inf = np.where(negative, high, low).view(float_dtype).astype(np.float64)
        limits = BUCKET_LIMITS.astype(float_dtype)
    nearest_minus_inf[~np.isfinite(nearest_minus_inf)] = 0.0   # NaN and inf keys: never looked up
    below = limits.astype(np.float64) < BUCKET_LIMITS          # rounded down (or to -inf): the next value up
    limits[below] = np.nextafter(limits[below], np.array(np.inf, float_dtype))
    first = np.searchsorted(BUCKET_LIMITS, nearest_minus_inf, side="right").astype(np.int32)
    return first, limits


_BUCKET_TABLES = {}   # float dtype -> (uint dtype, shift, first, limits), built on first use
_BUCKET_KEYS = {np.dtype(np.float32): (np.uint32, 17), np.dtype(np.float64): (np.uint64, 46)}


def _bucket_indices(v):
    """`np.searchsorted(BUCKET_LIMITS, v, side="right")` for finite float32/float64 `v`, 5x faster: a lookup by
    the float's bits and one comparison instead of a binary search per value (`_bucket_table`)."""
    entry = _BUCKET_TABLES.get(v.dtype)
    if entry is None:
        uint, shift = _BUCKET_KEYS[v.dtype]
        entry = _BUCKET_TABLES[v.dtype] = (uint, shift, *_bucket_table(v.dtype, uint, shift))
    uint, shift, first, limits = entry
    k = first[v.view(uint) >> shift]
    k += limits[k] <= v
    return k


def histogram_proto(values) -> summary_pb2.HistogramProto:
    """TF's `Histogram::EncodeToProto`: counts per bucket, runs of empty buckets collapsed into one entry."""
    v = np.asarray(values)
    if v.dtype not in _BUCKET_KEYS:
        v = v.astype(np.float32 if v.dtype == np.float16 else np.float64)   # float16 -> float32 is exact
    v = np.ascontiguousarray(v).ravel()
    limits = BUCKET_LIMITS
    if v.size == 0:
        return summary_pb2.HistogramProto(min=limits[-1], max=-limits[-1], num=0.0, sum=0.0, sum_squares=0.0,
                                          bucket_limit=[limits[-1]], bucket=[0.0])
    # bucket i holds limits[i-1] <= v < limits[i] (std::upper_bound); sums in double, as TF's
    counts = np.bincount(_bucket_indices(v), minlength=len(limits))[:len(limits)]
    v64 = v.astype(np.float64, copy=False)
    nz = counts > 0
    keep = nz.copy()
    keep[:-1] |= nz[1:]   # the last bucket of a run of empty ones carries the run
    keep[-1] = True
    return summary_pb2.HistogramProto(min=float(v.min()), max=float(v.max()), num=float(v.size),
                                      sum=float(v64.sum()), sum_squares=float(np.dot(v64, v64)),
                                      bucket_limit=limits[keep].tolist(),
                                      bucket=counts[keep].astype(np.float64).tolist())


class HistogramSummary(_SummaryOp):
    type = "HistogramSummary"

    def infer(op):
        require(op, op.inputs[0], numeric=True)
        return [((), dtypes.string)]

    def kernel(op, ctx):
        tag, to_host = op.attrs["tag"], ctx.to_host

        def run(x):
            x = np.asarray(to_host(x))
            if x.dtype.kind not in "iub" and not np.isfinite(x).all():
                raise InvalidArgumentError(op.node_def, op, f"Nan in summary histogram for: {op.name}")
            s = Summary(value=[Summary.Value(tag=tag, histo=histogram_proto(x))])
            return _wrap(s.SerializeToString())
        return run


def histogram(name, values, collections=None, family=None):
    """A summary op logging the distribution of `values` (any shape) with TF's exponential buckets."""
    with _SummaryScope(name, family, [values]) as (tag, scope):
        x = convert_to_tensor(values, name="values")
        out = apply_op(HistogramSummary, [x], {"tag": tag}, scope)
    _collect(out, collections, [GraphKeys.SUMMARIES])
    return out


# --- image -----------------------------------------------------------------------------------------

def encode_png(image) -> bytes:
    """PNG bytes of a uint8 [h, w, c] array, c in 1 (gray), 2 (gray+alpha), 3 (RGB), 4 (RGBA)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    h, w, c = image.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = np.zeros((h, 1 + w * c), dtype=np.uint8)   # filter byte 0 (None) before each row
    raw[:, 1:] = image.reshape(h, w * c)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
            + chunk(b"IEND", b""))


_BAD_COLOR = np.array([255, 0, 0, 255], dtype=np.uint8)


def _normalize_float_image(img, bad_color):
    """TF's NormalizeFloatImage: nonnegative images scale their max to 255; otherwise 0 maps to 128 and the
    largest magnitude to +-127. Pixels with a non-finite channel become `bad_color`."""
    img = np.asarray(img, dtype=np.float32)
    finite = np.isfinite(img).all(axis=-1)
    vals = img[finite]
    lo = float(vals.min()) if vals.size else np.inf
    hi = float(vals.max()) if vals.size else -np.inf
    if lo < 0:
        m = max(abs(lo), abs(hi))
        scale, offset = (0.0 if m < 1e-6 else 127.0 / m), 128.0
    else:
        scale, offset = (0.0 if hi < 1e-6 else 255.0 / hi), 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(finite[..., None], img * np.float32(scale) + np.float32(offset), 0).astype(np.uint8)
    out[~finite] = bad_color
    return out


class ImageSummary(_SummaryOp):
    type = "ImageSummary"

    def infer(op):
        x = op.inputs[0]
        dt = x.dtype.base_dtype
        if dt not in (dtypes.uint8, dtypes.float16, dtypes.float32, dtypes.float64):
            raise TypeError(f"Value passed to parameter 'tensor' of op 'ImageSummary' has DataType {dt.name} "
                            "not in list of allowed values: uint8, float32, float16, float64")
        shape = static_shape(x)
        if shape is not None:
            if len(shape) != 4:
                raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {list(shape)}")
            if shape[3] is not None and shape[3] not in (1, 3, 4):
                raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {list(shape)}")
        return [((), dtypes.string)]

    def kernel(op, ctx):
        tag, max_images, to_host = op.attrs["tag"], op.attrs["max_images"], ctx.to_host
        bad = np.asarray(op.attrs["bad_color"], dtype=np.uint8)

        def run(x):
            x = to_host(x)
            if x.ndim != 4 or x.shape[3] not in (1, 3, 4):
                raise InvalidArgumentError(op.node_def, op, f"Tensor must be 4-D with last dim 1, 3, or 4, "
                                                            f"not {list(x.shape)}")
            b, h, w, c = x.shape
            values = []
            for i in range(min(b, max_images)):
                img = x[i] if x.dtype == np.uint8 else _normalize_float_image(x[i], bad[:c])
                itag = f"{tag}/image/{i}" if max_images > 1 else f"{tag}/image"
                values.append(Summary.Value(tag=itag, image=Summary.Image(
                    height=h, width=w, colorspace=c, encoded_image_string=encode_png(img))))
            return _wrap(Summary(value=values).SerializeToString())
        return run


def image(name, tensor, max_outputs=3, collections=None, family=None, bad_color=None):
    """A summary op logging up to `max_outputs` PNG images from a [batch, height, width, channels] tensor.

    uint8 images are written as they are; float images are rescaled per image as TensorFlow does (an image
    in [0, 1] whose maximum is 1 maps to [0, 255]), non-finite pixels become `bad_color` (opaque red). Tags are
    `<tag>/image/<i>` (`<tag>/image` if max_outputs=1).
    """
    if max_outputs < 1:
        raise ValueError(f"max_outputs must be at least 1, got {max_outputs}")
    with _SummaryScope(name, family, [tensor]) as (tag, scope):
        x = convert_to_tensor(tensor, name="tensor")
        out = apply_op(ImageSummary, [x], {"tag": tag, "max_images": int(max_outputs),
                                           "bad_color": _BAD_COLOR.copy() if bad_color is None else
                                           np.asarray(bad_color, np.uint8)}, scope)
    _collect(out, collections, [GraphKeys.SUMMARIES])
    return out


# --- audio -----------------------------------------------------------------------------------------

def encode_wav(samples, sample_rate) -> bytes:
    """16-bit PCM WAV bytes of float samples [frames, channels] in [-1, 1], rounded and clipped as TF does."""
    pcm = np.clip(np.round(np.asarray(samples, dtype=np.float32) * 32768.0), -32768, 32767).astype("<i2")
    frames, channels = pcm.shape
    data = pcm.tobytes()
    rate = int(sample_rate)
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16)
            + b"data" + struct.pack("<I", len(data)) + data)


class AudioSummaryV2(_SummaryOp):
    type = "AudioSummaryV2"

    def infer(op):
        x = op.inputs[0]
        require(op, x, floating=True)
        shape = static_shape(x)
        if shape is not None and len(shape) not in (2, 3):
            raise ValueError(f"Tensor must be 3-D or 2-D, got: {list(shape)}")
        return [((), dtypes.string)]

    def kernel(op, ctx):
        tag, max_outputs, to_host = op.attrs["tag"], op.attrs["max_outputs"], ctx.to_host

        def run(x, rate):
            x = np.asarray(to_host(x))
            rate = float(to_host(rate))
            if x.ndim == 2:
                x = x[:, :, None]
            values = []
            for i in range(min(x.shape[0], max_outputs)):
                itag = f"{tag}/audio/{i}" if max_outputs > 1 else f"{tag}/audio"
                values.append(Summary.Value(tag=itag, audio=Summary.Audio(
                    sample_rate=rate, num_channels=x.shape[2], length_frames=x.shape[1],
                    encoded_audio_string=encode_wav(x[i], rate), content_type="audio/wav")))
            return _wrap(Summary(value=values).SerializeToString())
        return run


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """A summary op logging up to `max_outputs` WAV clips from a [batch, frames(, channels)] float tensor."""
    with _SummaryScope(name, family, [tensor]) as (tag, scope):
        x = convert_to_tensor(tensor, name="tensor")
        rate = convert_to_tensor(sample_rate, dtype=dtypes.float32, name="sample_rate")
        out = apply_op(AudioSummaryV2, [x, rate], {"tag": tag, "max_outputs": int(max_outputs)}, scope)
    _collect(out, collections, [GraphKeys.SUMMARIES])
    return out


# --- tensor summaries and text ---------------------------------------------------------------------

_DATA_TYPES = {np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.int32): 3, np.dtype(np.uint8): 4,
               np.dtype(np.int16): 5, np.dtype(np.int8): 6, np.dtype(np.object_): 7, np.dtype(np.int64): 9,
               np.dtype(np.bool_): 10, np.dtype(np.float16): 19, np.dtype(np.complex64): 8,
               np.dtype(np.complex128): 18}


def tensor_proto(array, include_content=True):
    """A TensorProto of a NumPy array: strings as string_val, numbers little-endian in tensor_content."""
    from tensorboardX.proto import tensor_pb2, tensor_shape_pb2

    arr = np.asarray(array)
    if arr.dtype.kind in "USO":
        dtype, arr = 7, arr.astype(object)
    else:
        dtype = _DATA_TYPES.get(arr.dtype)
        if dtype is None:
            raise TypeError(f"No TensorProto data type for NumPy dtype {arr.dtype}")
    shape = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d)
                                                   for d in arr.shape])
    proto = tensor_pb2.TensorProto(dtype=dtype, tensor_shape=shape)
    if include_content:
        if dtype == 7:
            proto.string_val.extend(_as_bytes(s) for s in arr.ravel())
        else:
            proto.tensor_content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    return proto


class TensorSummaryV2(_SummaryOp):
    type = "TensorSummaryV2"

    def infer(op):
        return [((), dtypes.string)]

    def kernel(op, ctx):
        tag, to_host = op.attrs["tag"], ctx.to_host
        metadata = summary_pb2.SummaryMetadata.FromString(op.attrs["serialized_summary_metadata"])

        def run(x):
            value = Summary.Value(tag=tag, metadata=metadata, tensor=tensor_proto(to_host(x)))
            return _wrap(Summary(value=[value]).SerializeToString())
        return run


def tensor_summary(name, tensor, summary_description=None, collections=None, summary_metadata=None,
                   family=None, display_name=None):
    """A summary op logging a whole tensor (any dtype) with optional plugin metadata."""
    if summary_metadata is None:
        summary_metadata = summary_pb2.SummaryMetadata()
    if summary_description is not None:
        summary_metadata.summary_description = summary_description
    if display_name is not None:
        summary_metadata.display_name = display_name
    with _SummaryScope(name, family, [tensor]) as (tag, scope):
        x = convert_to_tensor(tensor, name="tensor")
        out = apply_op(TensorSummaryV2, [x], {"tag": tag, "serialized_summary_metadata":
                                              summary_metadata.SerializeToString()}, scope)
    _collect(out, collections, [GraphKeys.SUMMARIES])
    return out


def text(name, tensor, collections=None):
    """A summary op logging a tf.string tensor for TensorBoard's Text dashboard (markdown is rendered)."""
    dt = getattr(tensor, "dtype", None)
    is_string = (dtypes.as_dtype(dt).base_dtype == dtypes.string if hasattr(tensor, "graph")
                 else np.asarray(tensor).dtype.kind in "USO")
    if not is_string:
        raise ValueError(f"Expected tensor {getattr(tensor, 'name', tensor)!r} to have dtype string, got "
                         f"{getattr(dt, 'name', dt)}")
    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
    return tensor_summary(name, tensor, collections=collections, summary_metadata=meta)


# --- merging ---------------------------------------------------------------------------------------

class MergeSummary(_SummaryOp):
    type = "MergeSummary"

    def infer(op):
        for t in op.inputs:
            if t.dtype.base_dtype != dtypes.string:
                raise TypeError(f"Input '{t.name}' of 'MergeSummary' Op has type {t.dtype.name} that does not "
                                "match expected type of string.")
        return [((), dtypes.string)]

    def kernel(op, ctx):
        from_string = Summary.FromString

        def run(*inputs):
            # Serialized repeated fields concatenate, so the merged Summary is the inputs' bytes joined;
            # they are parsed only to reject garbage and duplicate tags, as TensorFlow does.
            parts, seen = [], set()
            for x in inputs:
                for data in (x.ravel() if isinstance(x, np.ndarray) else [x]):
                    data = _as_bytes(data)
                    try:
                        s = from_string(data)
                    except Exception:
                        raise InvalidArgumentError(op.node_def, op, "Could not parse one of the summary "
                                                                    "inputs") from None
                    for v in s.value:
                        if v.tag in seen:
                            raise InvalidArgumentError(op.node_def, op, f"Duplicate tag {v.tag} found in "
                                                                        "summary inputs")
                        seen.add(v.tag)
                    parts.append(data)
            return _wrap(b"".join(parts))
        return run


def merge(inputs, collections=None, name=None):
    """One summary op whose value holds every value of `inputs` (tags must differ)."""
    inputs = list(inputs)
    with name_scope(name, "Merge", inputs):
        ts = [convert_to_tensor(t) for t in inputs]
        out = apply_op(MergeSummary, ts, None, name or "MergeSummary")
    _collect(out, collections, [])
    return out


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """Merge every summary in collection `key` of the default graph; None when there is none."""
    ops = get_collection(key, scope=scope)
    if not ops:
        return None
    return merge(ops, name=name)
