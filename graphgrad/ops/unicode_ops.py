"""tf.strings' Unicode ops and `bytes_split`: `unicode_decode` (code points), `unicode_decode_with_offsets` (and
each character's byte offset), `unicode_split` (the characters as strings), `unicode_split_with_offsets`,
`unicode_encode`, `unicode_transcode`, on UTF-8, UTF-16-BE and UTF-32-BE.

As TF: a scalar string gives a 1-D tensor, a vector of strings a `tf.RaggedTensor` (ragged_ops.py) of one row per
string. An ill-formed sequence (its maximal ill-formed part, as ICU and Python's codecs take it) becomes
`replacement_char` with errors="replace", disappears with "ignore", and is an InvalidArgumentError with "strict";
`replace_control_characters` replaces C0 and C1 controls too. Host kernels; no gradients (TF: neither)."""
from __future__ import annotations

import codecs
import threading
import unicodedata

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .array_ops import range as range_
from .array_ops import reshape, shape
from .categorical_ops import _host_values
from .core import apply_op, convert_to_tensor
from .ragged_ops import RaggedTensor, check_splits, is_ragged, ragged_rows

__all__ = ["bytes_split", "unicode_decode", "unicode_decode_with_offsets", "unicode_encode", "unicode_split",
           "unicode_split_with_offsets", "unicode_transcode"]

_CODECS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}
_MARK = "\ud800"  # a lone surrogate: never the result of decoding well-formed text, so it marks an error
_local = threading.local()  # the (start, end) byte spans of the errors the current decode met


def _mark(exc):
    _local.spans.append((exc.start, exc.end))
    return _MARK, exc.end


codecs.register_error("graphgrad-unicode-mark", _mark)


def _codec(encoding, what="encoding"):
    name = _CODECS.get(str(encoding).upper().replace("_", "-"))
    if name is None:
        raise ValueError(f"Unsupported {what}: {encoding!r} (UTF-8, UTF-16-BE or UTF-32-BE)")
    return name


def _check_errors(errors):
    if errors not in ("strict", "replace", "ignore"):
        raise ValueError(f"errors must be one of 'strict', 'replace' or 'ignore', got {errors!r}")


def decode_chars(op, data, codec, errors, replacement, replace_controls):
    """(code points, byte offsets) of one string."""
    _local.spans = []
    text = data.decode(codec, "graphgrad-unicode-mark")
    spans, pos, points, offsets = _local.spans, 0, [], []
    for c in text:
        if c == _MARK:
            start, pos = spans.pop(0)
            if errors == "strict":
                raise InvalidArgumentError(op.node_def, op, f"Invalid formatting on input string at byte {start}")
            if errors == "replace":
                points.append(replacement)
                offsets.append(start)
            continue
        cp = ord(c)
        if replace_controls and unicodedata.category(c) == "Cc":
            cp = replacement
        points.append(cp)
        offsets.append(pos)
        pos += len(c.encode(codec))
    return points, offsets


def encode_chars(op, points, codec, errors, replacement):
    """The bytes of code points in `codec`; invalid ones (negative, surrogates, above U+10FFFF) as `errors` says."""
    out = []
    for cp in points:
        cp = int(cp)
        if cp < 0 or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
            if errors == "strict":
                raise InvalidArgumentError(op.node_def, op, f"Invalid code point {cp}")
            if errors == "ignore":
                continue
            cp = replacement
        out.append(chr(cp).encode(codec))
    return b"".join(out)


def _splits_shape(op):
    """[strings + 1] when the input's size is known while building."""
    dims = static_shape(op.inputs[0])
    return (None,) if dims is None or None in dims else (int(np.prod(dims)) + 1,)


class UnicodeDecode(OpDef):
    """UnicodeDecodeWithOffsets(input) -> row_splits int64, char_values int32, char_to_byte_starts int64 of the
    flattened strings; attrs input_encoding, errors, replacement_char, replace_control_characters, `split` (the
    characters as strings, encoded again, instead of code points)."""

    type = "UnicodeDecodeWithOffsets"
    gradient = not_differentiable

    def infer(op):
        return [(_splits_shape(op), dtypes.int64), ((None,), dtypes.string if op.attrs["split"] else dtypes.int32),
                ((None,), dtypes.int64)]

    def kernel(op, ctx):
        a, to_host, to_dev = op.attrs, ctx.to_host, ctx.to_device
        codec = _codec(a["input_encoding"])

        def decode(x):
            rows, offs = [], []
            for s in _host_values(to_host(x)).reshape(-1).tolist():
                points, offsets = decode_chars(op, s, codec, a["errors"], a["replacement_char"],
                                               a["replace_control_characters"])
                if a["split"]:
                    points = [encode_chars(op, [p], codec, "replace", 0xFFFD) for p in points]
                rows.append(points)
                offs.append(offsets)
            values, splits = ragged_rows(rows, dtypes.string if a["split"] else dtypes.int32)
            offsets = ragged_rows(offs, dtypes.int64)[0]
            return [to_dev(splits), values if a["split"] else to_dev(values), to_dev(offsets)]
        return decode


class UnicodeEncode(OpDef):
    """UnicodeEncode(input_values, input_splits) -> one string per row; attrs output_encoding, errors,
    replacement_char."""

    type = "UnicodeEncode"
    gradient = not_differentiable

    def infer(op):
        n = op.inputs[1].shape.dims_tuple
        return [((None if not n or n[0] is None else n[0] - 1,), dtypes.string)]

    def kernel(op, ctx):
        a, to_host = op.attrs, ctx.to_host
        codec = _codec(a["output_encoding"])

        def encode(values, splits):
            values, splits = np.asarray(to_host(values)), np.asarray(to_host(splits), np.int64)
            check_splits(op, splits, len(values))
            out = np.empty(len(splits) - 1, dtype=object)
            out[:] = [encode_chars(op, values[i:j].tolist(), codec, a["errors"], a["replacement_char"])
                      for i, j in zip(splits[:-1], splits[1:])]
            return out
        return encode


class UnicodeTranscode(OpDef):
    """UnicodeTranscode(input): each string decoded from input_encoding and encoded in output_encoding."""

    type = "UnicodeTranscode"
    gradient = not_differentiable

    def infer(op):
        return [(static_shape(op.inputs[0]), dtypes.string)]

    def kernel(op, ctx):
        a, to_host = op.attrs, ctx.to_host
        source, target = _codec(a["input_encoding"]), _codec(a["output_encoding"])

        def transcode(x):
            arr = _host_values(to_host(x))
            out = np.empty(arr.shape, dtype=object)
            for i, s in np.ndenumerate(arr):
                points, _ = decode_chars(op, s, source, a["errors"], a["replacement_char"],
                                         a["replace_control_characters"])
                out[i] = encode_chars(op, points, target, a["errors"], a["replacement_char"])
            return out
        return transcode


class BytesSplit(OpDef):
    """StringsByteSplit(input) -> row_splits, values: each string's bytes as one-byte strings."""

    type = "StringsByteSplit"
    gradient = not_differentiable

    def infer(op):
        return [(_splits_shape(op), dtypes.int64), ((None,), dtypes.string)]

    def kernel(op, ctx):
        to_host, to_dev = ctx.to_host, ctx.to_device

        def bytes_split(x):
            rows = [[s[i:i + 1] for i in range(len(s))] for s in _host_values(to_host(x)).reshape(-1).tolist()]
            values, splits = ragged_rows(rows, dtypes.string)
            return [to_dev(splits), values]
        return bytes_split


def _by_rank(x, splits, values, name):
    """TF's result shape: a scalar input gives the values, a vector a RaggedTensor."""
    rank = x.shape.ndims
    if rank == 0:
        return values
    if rank == 1:
        return RaggedTensor(values, splits)
    raise NotImplementedError(f"{name} of a rank-{rank} input: graphgrad's RaggedTensor has one ragged dimension; "
                              "reshape the strings to a vector first")


def _decode(input, input_encoding, errors, replacement_char, replace_control_characters, split, name, default):
    _check_errors(errors)
    _codec(input_encoding, "input_encoding")
    with name_scope(name, default, [input]):
        x = convert_to_tensor(input, dtypes.string, name="input")
        splits, values, offsets = apply_op(UnicodeDecode, [x], {
            "input_encoding": input_encoding, "errors": errors, "replacement_char": int(replacement_char),
            "replace_control_characters": bool(replace_control_characters), "split": split}, default)
        return _by_rank(x, splits, values, default), _by_rank(x, splits, offsets, default)


def unicode_decode(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                   replace_control_characters=False, name=None):
    """The code points (int32) of each string: 1-D for a scalar, a RaggedTensor for a vector."""
    return _decode(input, input_encoding, errors, replacement_char, replace_control_characters, False, name,
                   "UnicodeDecode")[0]


def unicode_decode_with_offsets(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                                replace_control_characters=False, name=None):
    """(code points, each one's start as a byte offset in its string, int64)."""
    return _decode(input, input_encoding, errors, replacement_char, replace_control_characters, False, name,
                   "UnicodeDecodeWithOffsets")


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533, name=None):  # noqa: A002
    """Each string's characters as strings (encoded again in `input_encoding`)."""
    return _decode(input, input_encoding, errors, replacement_char, False, True, name, "UnicodeSplit")[0]


def unicode_split_with_offsets(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                               name=None):
    """(the characters as strings, their byte offsets)."""
    return _decode(input, input_encoding, errors, replacement_char, False, True, name, "UnicodeSplitWithOffsets")


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533, name=None):  # noqa: A002
    """Code points to strings: a 1-D tensor to a scalar, a RaggedTensor or a 2-D tensor to one string per row."""
    _check_errors(errors)
    _codec(output_encoding, "output_encoding")
    with name_scope(name, "UnicodeEncode", [input]):
        attrs = {"output_encoding": output_encoding, "errors": errors, "replacement_char": int(replacement_char)}
        if is_ragged(input):
            return apply_op(UnicodeEncode, [input.values, input.row_splits], attrs, "UnicodeEncode")
        x = convert_to_tensor(input, dtypes.int32, name="input")
        rank = x.shape.ndims
        if rank not in (1, 2):
            raise NotImplementedError("unicode_encode takes a 1-D or 2-D tensor or a RaggedTensor")
        dims = shape(x, out_type=dtypes.int64)
        rows = dims[0] if rank == 2 else convert_to_tensor(1, dtypes.int64)
        width = dims[1] if rank == 2 else dims[0]
        splits = range_(convert_to_tensor(0, dtypes.int64), rows * width + 1, width)
        out = apply_op(UnicodeEncode, [reshape(x, [-1]), splits], attrs, "UnicodeEncode")
        known = x.shape.dims_tuple[0]
        if rank == 2:
            return out if known is None else reshape(out, [known], name="Reshape")
        return reshape(out, [], name="Reshape")


def unicode_transcode(input, input_encoding, output_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                      replace_control_characters=False, name=None):
    """Each string re-encoded from `input_encoding` to `output_encoding` (same shape)."""
    _check_errors(errors)
    _codec(input_encoding, "input_encoding")
    _codec(output_encoding, "output_encoding")
    x = convert_to_tensor(input, dtypes.string, name="input")
    return apply_op(UnicodeTranscode, [x], {
        "input_encoding": input_encoding, "output_encoding": output_encoding, "errors": errors,
        "replacement_char": int(replacement_char), "replace_control_characters": bool(replace_control_characters)},
        name or "UnicodeTranscode")


def bytes_split(input, name=None):  # noqa: A002
    """Each string's bytes as one-byte strings: 1-D for a scalar, a RaggedTensor for a vector."""
    with name_scope(name, "StringsByteSplit", [input]):
        x = convert_to_tensor(input, dtypes.string, name="input")
        splits, values = apply_op(BytesSplit, [x], {}, "StringsByteSplit")
        return _by_rank(x, splits, values, "bytes_split")
