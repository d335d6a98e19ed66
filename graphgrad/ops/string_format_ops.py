"""`tf.strings.format` (TF's StringFormat: tensors summarized as `tf.print` shows them) and `tf.strings.ngrams`
(TF's StringNGrams: joined windows of tokens, optionally padded). Host kernels on object arrays of bytes; no
gradients (TF: neither)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable
from .array_ops import range as range_
from .array_ops import reshape, shape, stack
from .categorical_ops import _host_values
from .core import apply_op, convert_to_tensor
from .ragged_ops import RaggedTensor, check_splits, is_ragged, ragged_rows

__all__ = ["string_format", "ngrams"]


def _element(x):
    """One value as TF's print_v2 writes it: strings quoted, floats shortest ("%.6g", or more digits when that
    does not read back), bools as 1 / 0."""
    if isinstance(x, bytes):
        return '"' + x.decode("utf-8", "backslashreplace").replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(x, (np.floating, float)):
        digits = (6, 9) if isinstance(x, np.float32) or np.asarray(x).dtype == np.float32 else (15, 17)
        text = "%.*g" % (digits[0], x)
        if type(x)(float(text)) != x and not np.isnan(x):
            text = "%.*g" % (digits[1], x)
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(text, text)
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    return str(x)


def summarize(a, n):
    """TF's SummarizeValue(n, print_v2): nested brackets, `n` elements at each end of a dimension longer than 2n
    (all when n < 0), "..." between."""
    if a.ndim == 0:
        return _element(a[()])
    out = []

    def spacing(dim):
        out.append(" " if dim == a.ndim - 1 else "\n" * (a.ndim - dim - 1) + " " * (dim + 1))

    def walk(dim, index):
        if dim == a.ndim:
            out.append(_element(a[index]))
            return
        out.append("[")
        count = a.shape[dim]
        ends = count if n < 0 else n
        for i in range(min(ends, count)):
            if i:
                spacing(dim)
            walk(dim + 1, index + (i,))
        if count > 2 * ends:
            spacing(dim)
            out.append("...")
        for i in range(max(ends, count - ends), count):
            spacing(dim)
            walk(dim + 1, index + (i,))
        out.append("]")
    walk(0, ())
    return "".join(out)


class StringFormat(OpDef):
    """StringFormat(*inputs; template, placeholder, summarize) -> the template with each placeholder replaced by
    the next input, summarized."""

    type = "StringFormat"
    gradient = not_differentiable
    stateful = False

    def infer(op):
        return [((), dtypes.string)]

    def kernel(op, ctx):
        pieces, n, to_host = op.attrs["pieces"], op.attrs["summarize"], ctx.to_host

        def string_format(*values):
            text = pieces[0]
            for v, piece in zip(values, pieces[1:]):
                text += summarize(_host_values(to_host(v)), n) + piece
            return np.array(text.encode(), dtype=object)
        return string_format


def string_format(template, inputs, placeholder="{}", summarize=3, name=None):
    """`tf.strings.format(template, inputs, placeholder="{}", summarize=3)`: a string scalar."""
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    pieces = template.split(placeholder)
    if len(pieces) - 1 != len(inputs):
        raise ValueError(f"The template expects {len(pieces) - 1} tensors, but the inputs only has {len(inputs)}. "
                         "Please ensure the number of placeholders in template matches inputs length.")
    tensors = [convert_to_tensor(x) for x in inputs]
    return apply_op(StringFormat, tensors, {"pieces": pieces, "summarize": int(summarize)}, name or "StringFormat")


def _ngrams_of(row, widths, separator, left, right, padding_width, preserve_short):
    """TF's StringNGrams of one row of tokens (bytes)."""
    out = []
    for width in widths:
        pad = (width - 1 if padding_width < 0 else padding_width) if (left or right) else 0
        count = len(row) + 2 * pad - width + 1
        if count <= 0 and preserve_short and len(row):
            tokens = [left] * pad + list(row) + [right] * pad
            out.append(separator.join(tokens))
            continue
        for start in range(max(count, 0)):
            tokens = []
            for k in range(start, start + width):
                pos = k - pad
                tokens.append(left if pos < 0 else right if pos >= len(row) else row[pos])
            out.append(separator.join(tokens))
    return out


class StringNGrams(OpDef):
    """StringNGrams(data, data_splits) -> ngrams, ngrams_splits; attrs separator, ngram_widths, left_pad,
    right_pad, pad_width, preserve_short_sequences."""

    type = "StringNGrams"
    gradient = not_differentiable

    def infer(op):
        return [((None,), dtypes.string), (op.inputs[1].shape.dims_tuple, dtypes.int64)]

    def kernel(op, ctx):
        a, to_host, to_dev = op.attrs, ctx.to_host, ctx.to_device

        def string_ngrams(data, splits):
            data, splits = _host_values(to_host(data)), np.asarray(to_host(splits), np.int64)
            check_splits(op, splits, len(data))
            rows = [_ngrams_of(data[i:j].tolist(), a["ngram_widths"], a["separator"], a["left_pad"],
                               a["right_pad"], a["pad_width"], a["preserve_short_sequences"])
                    for i, j in zip(splits[:-1], splits[1:])]
            values, out_splits = ragged_rows(rows, dtypes.string)
            return [values, to_dev(out_splits)]
        return string_ngrams


def _bytes(s):
    return s.encode() if isinstance(s, str) else s


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None, preserve_short_sequences=False,
           name=None):
    """`tf.strings.ngrams`: the n-grams of the innermost dimension of `data` (a 1-D or 2-D string tensor, or a
    RaggedTensor), for each width of `ngram_width` (an int or a list), joined by `separator`; `pad_values` (a
    string or a (left, right) pair) pads each sequence by `padding_width` (default width - 1)."""
    widths = [int(ngram_width)] if isinstance(ngram_width, int) else [int(w) for w in ngram_width]
    if pad_values is None:
        left = right = b""
    elif isinstance(pad_values, (str, bytes)):
        left = right = pad_values
    elif isinstance(pad_values, (tuple, list)) and len(pad_values) == 2:
        left, right = pad_values
    else:
        raise ValueError("pad_values must be a string, tuple or list.")
    if padding_width is not None and padding_width < 1:
        raise ValueError("padding_width must be greater than 0.")
    if padding_width is not None and pad_values is None:
        raise ValueError("pad_values must be provided if padding_width is set.")
    attrs = {"separator": _bytes(separator), "ngram_widths": widths, "left_pad": _bytes(left),
             "right_pad": _bytes(right),
             "pad_width": -1 if padding_width is None else int(padding_width),
             "preserve_short_sequences": bool(preserve_short_sequences)}
    with name_scope(name, "StringNGrams", [data]):
        if is_ragged(data):
            values, splits = apply_op(StringNGrams, [data.values, data.row_splits], attrs, "StringNGrams")
            return RaggedTensor(values, splits)
        x = convert_to_tensor(data, dtypes.string, name="data")
        rank = x.shape.ndims
        if rank not in (1, 2):
            raise NotImplementedError("ngrams takes a 1-D or 2-D string tensor or a RaggedTensor")
        dims = shape(x, out_type=dtypes.int64)
        if rank == 1:
            splits = stack([convert_to_tensor(0, dtypes.int64), dims[0]])
            values, _ = apply_op(StringNGrams, [x, splits], attrs, "StringNGrams")
            return values
        splits = range_(convert_to_tensor(0, dtypes.int64), dims[0] * dims[1] + 1, dims[1])
        values, _ = apply_op(StringNGrams, [reshape(x, [-1]), splits], attrs, "StringNGrams")
        rows = x.shape.dims_tuple[0]
        return reshape(values, [shape(x)[0] if rows is None else rows, -1], name="Reshape")
