"""Strings into numbers, as readers' records need them: `tf.decode_csv`, `tf.decode_raw`, `tf.string_to_number`,
and `tf.read_file` (a whole file as one string), with TF's errors (InvalidArgumentError naming the field and
record; NotFoundError for a missing file)."""
from __future__ import annotations

import glob

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.op_def import OpDef, not_differentiable, static_shape
from ..ops.core import apply_op, convert_to_tensor
from .tfrecord import TFRecordCompressionType, _open

__all__ = ["decode_csv", "decode_raw", "matching_files", "read_file", "string_to_number"]

_INT_RANGE = {dtypes.int32: (-2**31, 2**31 - 1), dtypes.int64: (-2**63, 2**63 - 1)}


def _number(text, dtype):
    """`text` (str) as a number of `dtype`, or None where TF's parser refuses it (surrounding spaces are fine)."""
    if "_" in text:
        return None
    try:
        if dtype.is_integer:
            v = int(text)
            lo, hi = _INT_RANGE[dtype]
            return v if lo <= v <= hi else None
        return float(text)
    except ValueError:
        return None


def _strings(array):
    return [s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s) for s in np.ravel(array).tolist()]


class StringToNumber(OpDef):
    """StringToNumber(strings; out_type): each string parsed as a number of `out_type` (float32 by default)."""

    type = "StringToNumber"
    gradient = not_differentiable

    def infer(op):
        return [(static_shape(op.inputs[0]), op.attrs["out_type"])]

    def kernel(op, ctx):
        dtype = op.attrs["out_type"]

        def string_to_number(strings):
            out = []
            for s in _strings(strings):
                v = _number(s, dtype)
                if v is None:
                    raise op_error(errors.InvalidArgumentError, op,
                                   f"StringToNumberOp could not correctly convert string: {s}")
                out.append(v)
            return ctx.to_device(np.array(out, dtype=dtype.np).reshape(np.shape(strings)))
        return string_to_number

    def can_fail(op):
        return True


def string_to_number(string_tensor, out_type=dtypes.float32, name=None):
    t = convert_to_tensor(string_tensor, dtype=dtypes.string)
    return apply_op(StringToNumber, [t], {"out_type": dtypes.as_dtype(out_type)}, name or "StringToNumber")


def _fields(record, delim, quotes):
    """The fields of one CSV record; a quoted field may hold the delimiter and doubled quotes."""
    if not quotes or '"' not in record:
        return record.split(delim)
    fields, i, n = [], 0, len(record)
    while True:
        if i < n and record[i] == '"':
            j, field = i + 1, []
            while True:
                k = record.find('"', j)
                if k < 0:
                    raise ValueError("Quoted field has to end with quote followed by delim or end")
                field.append(record[j:k])
                if record.startswith('"', k + 1):
                    field.append('"')
                    j = k + 2
                    continue
                break
            if k + 1 < n and record[k + 1] != delim:
                raise ValueError("Quote inside a string has to be escaped by another quote")
            fields.append("".join(field))
            i = k + 1
        else:
            k = record.find(delim, i)
            fields.append(record[i:] if k < 0 else record[i:k])
            i = n if k < 0 else k
        if i >= n:
            return fields
        i += 1
        if i == n:
            fields.append("")
            return fields


class DecodeCSV(OpDef):
    """DecodeCSV(records, *record_defaults): one output per column, shaped like `records`, of its default's
    dtype; an empty field (or `na_value`) takes the default, which must then be given."""

    type = "DecodeCSV"
    gradient = not_differentiable

    def infer(op):
        shape = static_shape(op.inputs[0])
        for i, d in enumerate(op.inputs[1:]):
            if d.shape.ndims is not None and d.shape.ndims > 1:
                raise ValueError(f"Shape must be at most rank 1 but is rank {d.shape.ndims} for record_defaults[{i}]")
        return [(shape, d.dtype.base_dtype) for d in op.inputs[1:]]

    def kernel(op, ctx):
        delim, quotes, na = op.attrs["field_delim"], op.attrs["use_quote_delim"], op.attrs["na_value"]
        cols = op.attrs["select_cols"]
        types = [d.dtype.base_dtype for d in op.inputs[1:]]

        def decode_csv(records, *defaults):
            rows = _strings(records)
            out = [[] for _ in types]
            for r, record in enumerate(rows):
                try:
                    fields = _fields(record, delim, quotes)
                except ValueError as e:
                    raise op_error(errors.InvalidArgumentError, op, f"{e}: {record}") from None
                if cols is not None:
                    fields = [fields[c] if c < len(fields) else "" for c in cols]
                if len(fields) != len(types):
                    raise op_error(errors.InvalidArgumentError, op,
                                   f"Expect {len(types)} fields but have {len(fields)} in record {r}")
                for j, (text, dtype) in enumerate(zip(fields, types)):
                    if text == "" or (na and text == na):
                        if np.size(defaults[j]) == 0:
                            raise op_error(errors.InvalidArgumentError, op,
                                           f"Field {j} is required but missing in record {r}!")
                        out[j].append(np.ravel(defaults[j])[0])
                    elif dtype == dtypes.string:
                        out[j].append(text.encode())
                    else:
                        v = _number(text, dtype)
                        if v is None:
                            kind = {dtypes.float32: "float", dtypes.float64: "double"}.get(dtype, dtype.name)
                            raise op_error(errors.InvalidArgumentError, op,
                                           f"Field {j} in record {r} is not a valid {kind}: {text}")
                        out[j].append(v)
            shape = np.shape(records)
            return [_column(values, dtype, shape, ctx) for values, dtype in zip(out, types)]
        return decode_csv

    def can_fail(op):
        return True


def _column(values, dtype, shape, ctx):
    if dtype == dtypes.string:
        a = np.empty(len(values), dtype=object)
        a[:] = values
        return a.reshape(shape)
    return ctx.to_device(np.array(values, dtype=dtype.np).reshape(shape))


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None, na_value="",
               select_cols=None):
    """The columns of CSV `records` (a string tensor), one tensor per entry of `record_defaults`: each a list
    with the default value of its column, or empty for a column that must be present."""
    records = convert_to_tensor(records, dtype=dtypes.string)
    defaults = [convert_to_tensor(d) for d in record_defaults]
    if select_cols is not None and sorted(set(select_cols)) != list(select_cols):
        raise ValueError("select_cols is not strictly increasing.")
    if select_cols is not None and len(select_cols) != len(defaults):
        raise ValueError("Length of select_cols and record_defaults do not match.")
    attrs = {"field_delim": field_delim, "use_quote_delim": bool(use_quote_delim), "na_value": na_value,
             "select_cols": None if select_cols is None else [int(c) for c in select_cols]}
    out = apply_op(DecodeCSV, [records, *defaults], attrs, name or "DecodeCSV")
    return out if isinstance(out, list) else [out]


class DecodeRaw(OpDef):
    """DecodeRaw(bytes; out_type, little_endian): each string's bytes as a vector of `out_type` numbers."""

    type = "DecodeRaw"
    gradient = not_differentiable

    def infer(op):
        shape = static_shape(op.inputs[0])
        return [(None if shape is None else (*shape, None), op.attrs["out_type"])]

    def kernel(op, ctx):
        dtype = op.attrs["out_type"]
        np_type = np.dtype(dtype.np).newbyteorder("<" if op.attrs["little_endian"] else ">")

        def decode_raw(strings):
            items = np.ravel(strings).tolist()
            size = len(items[0]) if items else 0
            if size % np_type.itemsize:
                raise op_error(errors.InvalidArgumentError, op, f"Input to DecodeRaw has length {size} that is not "
                                                                f"a multiple of {np_type.itemsize}, the size of "
                                                                f"{dtype.name}")
            for i, s in enumerate(items):
                if len(s) != size:
                    raise op_error(errors.InvalidArgumentError, op, "DecodeRaw requires input strings to all be the "
                                                                    f"same size, but element {i} has size {size} != "
                                                                    f"{len(s)}")
            flat = np.frombuffer(b"".join(items), dtype=np_type).astype(dtype.np)
            return ctx.to_device(flat.reshape(*np.shape(strings), size // np_type.itemsize))
        return decode_raw

    def can_fail(op):
        return True


def decode_raw(bytes, out_type, little_endian=True, name=None):  # noqa: A002 -- TF's argument name
    t = convert_to_tensor(bytes, dtype=dtypes.string)
    return apply_op(DecodeRaw, [t], {"out_type": dtypes.as_dtype(out_type), "little_endian": bool(little_endian)},
                    name or "DecodeRaw")


class ReadFile(OpDef):
    """ReadFile(filename): the file's contents as one string."""

    type = "ReadFile"
    stateful = True  # the file may change between runs: never folded
    gradient = not_differentiable

    def infer(op):
        return [((), dtypes.string)]

    def kernel(op, ctx):
        def read_file(filename):
            name = np.ravel(filename).tolist()[0] if isinstance(filename, np.ndarray) else filename
            name = name.decode() if isinstance(name, bytes) else str(name)
            try:
                with _open(name, TFRecordCompressionType.NONE, None) as f:
                    return np.array(f.read(), dtype=object)
            except errors.OpError as e:
                raise op_error(type(e), op, e.message) from None
        return read_file

    def can_fail(op):
        return True


def read_file(filename, name=None):
    return apply_op(ReadFile, [convert_to_tensor(filename, dtype=dtypes.string)], None, name or "ReadFile")


class MatchingFiles(OpDef):
    """MatchingFiles(pattern): the sorted names of the files matching the glob `pattern` (or each of a vector of
    patterns); empty when none does."""

    type = "MatchingFiles"
    stateful = True  # the folder may change between runs: never folded
    gradient = not_differentiable

    def infer(op):
        return [((None,), dtypes.string)]

    def kernel(op, ctx):
        def matching_files(pattern):
            names = []
            for p in _strings(pattern):
                names.extend(sorted(glob.glob(p)))
            out = np.empty(len(names), dtype=object)
            out[:] = [n.encode() for n in names]
            return out
        return matching_files

    def can_fail(op):
        return False


def matching_files(pattern, name=None):
    return apply_op(MatchingFiles, [convert_to_tensor(pattern, dtype=dtypes.string)], None, name or "MatchingFiles")
