"""`tf.data.experimental`'s sources as TF 1.15 has them (docs/data.md, "Experimental sources"): CSV files
(`CsvDataset`, `make_csv_dataset`), SQLite queries (`SqlDataset`), `Counter`, `RandomDataset`, mixing datasets
(`sample_from_datasets`, `choose_from_datasets`), writing a dataset as a TFRecord file (`TFRecordWriter`) and
parsing Examples (`parse_example_dataset`, `make_batched_features_dataset`); also `Dataset.from_sparse_tensor_slices`.

Each is either a Dataset subclass that yields flat elements (dataset_ops.py explains the protocol) or a composition
of existing Dataset methods, written the way TF 1.15's Python builds it, so shapes, types and order follow TF's.
"""
from __future__ import annotations

import csv
import glob as _glob
import gzip
import itertools
import os
import re
import sqlite3
import urllib.parse
from collections import OrderedDict

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import Tensor
from ..framework.op_def import OpDef, not_differentiable
from ..framework.random_seed import get_seed
from ..framework.tensor_shape import TensorShape
from ..io.parsing_ops import parse_example
from ..io.tfrecord import TFRecordWriter as _RecordFileWriter
from ..io.tfrecord import _open, compression_name
from ..ops.core import apply_op
from ..ops.philox import Philox
from ..ops.sparse_ops import SparseTensor
from . import structure as nest
from .dataset_ops import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    Closables,
    Dataset,
    Env,
    _as_array,
    _comp_spec,
    _component,
    _merge_shape,
)
from .readers import TFRecordDataset, _FileDataset, _scalar
from .shuffle import _nondeterministic

__all__ = ["Counter", "CsvDataset", "RandomDataset", "SqlDataset", "TFRecordWriter", "choose_from_datasets",
           "make_batched_features_dataset", "make_csv_dataset", "parse_example_dataset", "sample_from_datasets"]


def _error(message):
    return errors.InvalidArgumentError(None, None, message)


def _text(x):
    """A Python str from a str, bytes or a NumPy scalar of either (a captured string tensor's value)."""
    if isinstance(x, np.ndarray):
        x = x.item()
    return x.decode() if isinstance(x, bytes) else str(x)


# --- CSV ---------------------------------------------------------------------------------------------------------

_CSV_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)


def _csv_column(value):
    """(dtype, default) of one of `record_defaults`: a DType or an empty tensor makes a required column (default
    None); a scalar or length-1 value (an array, or a graph tensor read when the iterator starts) is the default."""
    if isinstance(value, dtypes.DType):
        dt, default = value.base_dtype, None
    else:
        default = _component(value)
        dt, shape = _comp_spec(default)
        dims = shape.dims_tuple
        if dims == (0,):
            default = None
        elif dims not in ((), (1,), None):
            raise ValueError("Shape of a default must be a length-0 or length-1 vector, or a scalar.")
    if dt not in _CSV_TYPES:
        raise TypeError(f"Value passed to parameter 'record_defaults' has DataType {dt.name} not in list of allowed "
                        "values: float32, float64, int32, int64, string")
    return dt, default


def _csv_records(data, delim, use_quote):
    """The records of CSV bytes `data` as TF's CSV reader splits them: (fields, error message or None) each.

    A record ends at `\\n`, `\\r\\n` or `\\r` (an empty line is a record of one empty field); with `use_quote`,
    a field that starts with `"` runs to the next lone `"` (`""` inside stands for `"`, delimiters and line
    ends are kept) and an unquoted field may not contain `"`."""
    d = re.escape(delim)
    unquoted = re.compile(b"[^" + d + rb"\r\n]*")
    quoted = re.compile(rb'"((?:[^"]|"")*)"')
    n, pos = len(data), 0
    while pos < n:
        fields, problem = [], None
        while True:
            m = quoted.match(data, pos) if use_quote and data[pos:pos + 1] == b'"' else None
            if m is not None or (use_quote and data[pos:pos + 1] == b'"'):
                if m is None or data[m.end():m.end() + 1] not in (delim, b"\r", b"\n", b""):
                    # TF reads on, looking for the quote that closes the field, to the end of the file
                    yield fields, "Reached end of file without closing quoted field in record"
                    return
                fields.append(m.group(1).replace(b'""', b'"'))
            else:
                m = unquoted.match(data, pos)
                if use_quote and b'"' in m.group():
                    problem = problem or "Unquoted fields cannot have quotes inside"
                fields.append(m.group())
            pos = m.end()
            end = data[pos:pos + 1]
            if end == delim:
                pos += 1
                continue
            pos += 2 if data[pos:pos + 2] == b"\r\n" else len(end)
            break
        yield fields, problem


_INTEGER = re.compile(rb"\s*[+-]?\d+\s*\Z")
_FLOAT_NAME = {dtypes.float32: "float", dtypes.float64: "double"}


def _csv_value(field, dt, index):
    """One field as a scalar of `dt`; TF allows spaces around numbers, not in them."""
    if dt == dtypes.string:
        return _scalar(field)
    if dt.is_integer:
        if _INTEGER.match(field):
            v = int(field)
            if dt.min <= v <= dt.max:
                return np.array(v, dt.np)
    elif b"_" not in field:
        try:
            with np.errstate(over="ignore"):  # 1e40 as a float32 is inf, as in TF
                return np.array(float(field), dt.np)
        except ValueError:
            pass
    name = _FLOAT_NAME.get(dt, dt.name)
    raise _error(f"Field {index} in record is not a valid {name}: {field.decode(errors='replace')}")


class CsvDataset(_FileDataset):
    """`tf.data.experimental.CsvDataset(filenames, record_defaults, ...)`: the records of CSV files (RFC 4180
    with TF's leniencies), a tuple of scalars per record, one per column of `record_defaults` (or of
    `select_cols`, increasing column indices). A required column (a DType or an empty default) that is empty or
    `na_value` in a record is an InvalidArgumentError naming it; so is a record with the wrong number of fields.
    Each file is decompressed (`compression_type` "GZIP"/"ZLIB") and read whole when the iterator reaches it."""

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None, header=False,
                 field_delim=",", use_quote_delim=True, na_value="", select_cols=None):
        columns = [_csv_column(v) for v in record_defaults]
        self._defaults = [default for _, default in columns]
        super().__init__(filenames, compression_type, buffer_size, None,
                         [d for d in self._defaults if isinstance(d, Tensor)])
        types = [dt for dt, _ in columns]
        self._template = tuple(nest.LEAF for _ in types)
        self._types, self._shapes = types, [TensorShape([])] * len(types)
        self._header, self._use_quote = bool(header), bool(use_quote_delim)
        self._delim = field_delim.encode() if isinstance(field_delim, str) else bytes(field_delim)
        self._na = na_value.encode() if isinstance(na_value, str) else bytes(na_value)
        self._select = None if select_cols is None else [int(c) for c in select_cols]
        self._skip_bad_records = False  # make_csv_dataset(ignore_errors=True): drop records that fail to parse

    def _check(self):
        """TF checks these when the dataset runs, so the errors are InvalidArgumentErrors from the iterator."""
        if len(self._delim) != 1:
            raise _error("field_delim should be only 1 char")
        if self._select is not None:
            if len(self._select) != len(self._types):
                raise _error("select_cols should match output size")
            if any(c < 0 for c in self._select):
                raise _error("select_cols should be non-negative indices")
            if any(a >= b for a, b in zip(self._select, self._select[1:])):
                raise _error("select_cols should be strictly increasing indices")

    def _iterate(self, env):
        self._check()
        kind = self._kind
        if isinstance(self._compression, Tensor):
            kind = compression_name(_text(env.value(self._compression)))
        buffer = None if self._buffer is None else env.int(self._buffer)
        defaults = [None if d is None else _as_array(env.value(d)).reshape(()) for d in self._defaults]
        for name in self._names(env):
            with _open(name, kind, buffer) as f:
                data = f.read()
            records = _csv_records(data, self._delim, self._use_quote)
            if self._header:
                next(records, None)
            for fields, problem in records:
                try:
                    if problem:
                        raise _error(problem)
                    yield self._row(fields, defaults)
                except errors.InvalidArgumentError:
                    if not self._skip_bad_records:
                        raise

    def _row(self, fields, defaults):
        n = len(self._types)
        if self._select is None:
            chosen = fields[:n]
        else:
            chosen = [fields[c] for c in self._select if c < len(fields)]
        out = []
        for i, field in enumerate(chosen):  # converted in order: a bad field is reported before a bad count
            if field == b"" or field == self._na:
                if defaults[i] is None:
                    raise _error(f"Field {i} is required but missing in record!")
                value = defaults[i].astype(self._types[i].np) if self._types[i] != dtypes.string else defaults[i]
                out.append(value)
            else:
                out.append(_csv_value(field, self._types[i], i))
        if self._select is None and len(fields) > n:
            raise _error(f"Expect {n} fields but have more in record")
        if len(chosen) != n:
            raise _error(f"Expect {n} fields but have {len(chosen)} in record")
        return tuple(out)


def _file_names(file_pattern):
    """The files matching a pattern or list of patterns (sorted), as TF's `_get_file_names`."""
    patterns = file_pattern if isinstance(file_pattern, list) else [file_pattern]
    if not patterns:
        raise ValueError("File pattern is empty.")
    names = [n for p in patterns for n in _glob.glob(os.fsdecode(p))]
    if not names:
        raise ValueError(f"No files match {file_pattern}.")
    return sorted(names)


def _csv_rows(name, field_delim, use_quote_delim, compression_type):
    """The rows of a CSV file read with Python's csv module, as TF probes column names and types."""
    kind = "" if compression_type is None else _text(compression_type).upper()
    if kind == "ZLIB":
        raise ValueError(f"compression_type ({compression_type}) is not supported for probing columns")
    if kind not in ("", "GZIP"):
        raise ValueError(f"compression_type ({compression_type}) is not supported")
    f = gzip.open(name, "rt", newline="") if kind == "GZIP" else open(name, newline="")
    with f:
        yield from csv.reader(f, delimiter=field_delim,
                              quoting=csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE)


def _data_rows(names, field_delim, use_quote_delim, compression_type, header):
    for name in names:
        rows = _csv_rows(name, field_delim, use_quote_delim, compression_type)
        if header:
            next(rows, None)
        yield from rows


def _infer_type(text, na_value, previous):
    """The narrowest of int32, int64, float32, float64, string that holds `text` and all earlier values."""
    if text in ("", na_value):
        return previous
    order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64, dtypes.string]
    start = 0 if previous is None else order.index(previous)
    for dt in order[start:]:
        if dt == dtypes.string:
            return dt
        try:
            if dt.is_integer:
                v = int(text)
                if dt.min <= v <= dt.max:
                    return dt
            else:
                with np.errstate(over="ignore"):
                    if np.array(float(text), dt.np) < np.inf:  # too large for float32 is float64; nan a string
                        return dt
        except (ValueError, OverflowError):
            pass
    return dtypes.string


def _shuffle_and_repeat(dataset, num_epochs, shuffle, buffer_size, seed):
    """TF's `_maybe_shuffle_and_repeat`: shuffle (each epoch anew) and repeat as the arguments ask."""
    if shuffle:
        dataset = dataset.shuffle(buffer_size, seed)
    return dataset.repeat(num_epochs) if num_epochs != 1 else dataset


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None, label_name=None,
                     select_columns=None, field_delim=",", use_quote_delim=True, na_value="", header=True,
                     num_epochs=None, shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False, num_rows_for_inference=100,
                     compression_type=None, ignore_errors=False):
    """Batches of CSV records as `(features, label)` (or `features`), `features` a dict by column name. Column
    names come from the first file's header, types from the first `num_rows_for_inference` rows when not given
    (both read now, while the graph is built, as in TF). Without `num_epochs` the files repeat forever and every
    batch is full, so the batch dimension is static."""
    names = _file_names(file_pattern)
    if column_names is None:
        if not header:
            raise ValueError("Expected `column_names` or `header` arguments. Neither is provided.")
        heads = [next(_csv_rows(n, field_delim, use_quote_delim, compression_type), None) for n in names]
        if heads[0] is None:
            raise ValueError(f"Received StopIteration when reading the header line of {names[0]}.  Empty file?")
        if any(h != heads[0] for h in heads[1:]):
            raise ValueError("Files have different column names in the header row.")
        column_names = heads[0]
    column_names = list(column_names)
    duplicates = {n for n in column_names if column_names.count(n) > 1}
    if duplicates:
        raise ValueError(f"Either `column_names` argument or CSV header row contains duplicate column names: "
                         f"{duplicates}.")
    if select_columns is not None:
        select_columns = _column_indices(select_columns, column_names)
    if column_defaults is None:
        chosen = select_columns if select_columns is not None else range(len(column_names))
        found = [None] * len(chosen)
        for i, row in enumerate(_data_rows(names, field_delim, use_quote_delim, compression_type, header)):
            if num_rows_for_inference is not None and i >= num_rows_for_inference:
                break
            if len(row) != len(column_names):
                raise ValueError("Problem inferring types: CSV row has different number of fields than expected.")
            found = [_infer_type(row[c], na_value, t) for c, t in zip(chosen, found)]
        found = [dtypes.string if t is None else t for t in found]  # (`t in (None, ...)` would compare DTypes)
        column_defaults = [np.array([""], dtype=object) if t == dtypes.string else np.array([0], t.np)
                           for t in found]
    if select_columns is not None and len(column_defaults) != len(select_columns):
        raise ValueError("If specified, column_defaults and select_columns must have same length.")
    if select_columns is not None and len(column_names) > len(select_columns):
        column_names = [column_names[i] for i in select_columns]
    if label_name is not None and label_name not in column_names:
        raise ValueError(f"`label_name` provided must be one of the columns: {column_names}. Received: {label_name}.")

    def read_file(filename):
        ds = CsvDataset(filename, column_defaults, compression_type, None, header, field_delim, use_quote_delim,
                        na_value, select_columns)
        ds._skip_bad_records = bool(ignore_errors)
        return ds

    def to_features(*columns):
        features = OrderedDict(zip(column_names, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    dataset = Dataset.from_tensor_slices(names)
    if shuffle:
        dataset = dataset.shuffle(len(names), shuffle_seed)
    dataset = dataset.interleave(read_file, cycle_length=num_parallel_reads or 1, block_length=1)
    dataset = _shuffle_and_repeat(dataset, num_epochs, shuffle, shuffle_buffer_size, shuffle_seed)
    dataset = dataset.batch(batch_size, drop_remainder=num_epochs is None)
    dataset = dataset.map(to_features)
    return dataset.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


def _column_indices(select_columns, column_names):
    """`select_columns` (names or indices) as sorted column indices."""
    index = {n: i for i, n in enumerate(column_names)}
    out = []
    for v in select_columns:
        if isinstance(v, int):
            if not 0 <= v < len(column_names):
                raise ValueError(f"Column index {v} specified in `select_columns` should be > 0  and <= "
                                 f"{len(column_names)}, which is the number of columns.")
            out.append(v)
        elif v in index:
            out.append(index[v])
        else:
            raise ValueError(f"Column {v} specified in `select_columns` must be of one of the columns: "
                             f"{index.keys()}.")
    result = sorted(set(out))
    if len(result) != len(out):
        raise ValueError("The `select_columns` argument contains duplicate columns: "
                         f"{ {c for c in out if out.count(c) > 1} }.")
    return result


# --- SQL -----------------------------------------------------------------------------------------------------

_SQL_TYPES = (dtypes.string, dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16,
              dtypes.bool_, dtypes.float64)
_LEADING_INT = re.compile(r"\s*[+-]?\d+")
_LEADING_FLOAT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _sql_value(v, dt):
    """A column value as SQLite's sqlite3_column_* calls give it: NULL is 0 / "", text read as a number is its
    leading number (or 0), integers wrap to the column's type."""
    if dt == dtypes.string:
        return _scalar(b"" if v is None else v if isinstance(v, bytes) else str(v).encode())
    if isinstance(v, bytes):
        v = v.decode(errors="replace")
    if isinstance(v, str):
        m = (_LEADING_FLOAT if dt == dtypes.float64 else _LEADING_INT).match(v)
        v = float(m.group()) if m else 0
    if v is None:
        v = 0
    if dt == dtypes.float64:
        return np.array(float(v), np.float64)
    if dt == dtypes.bool_:
        return np.array(int(v) != 0)
    return np.array(int(v), np.int64).astype(dt.np)


class SqlDataset(Dataset):
    """`tf.data.experimental.SqlDataset("sqlite", path, query, output_types)`: the rows of a query, one
    component per column (`output_types` a DType, or a tuple/dict of them). The database opens read-only when
    the iterator starts; driver, path and query may be string tensors."""

    def __init__(self, driver_name, data_source_name, query, output_types):
        types = nest.flatten(output_types)
        self._args = (driver_name, data_source_name, query)
        super().__init__([], nest.template(output_types), types, [TensorShape([])] * len(types),
                         [a for a in self._args if isinstance(a, Tensor)])

    def __repr__(self):
        return f"<SqlDatasetV2 element_spec={self.element_spec}>"

    def _iterate(self, env):
        driver, path, query = (_text(env.value(a)) for a in self._args)
        if driver != "sqlite":
            raise _error(f"The database type, {driver}, is not supported by SqlDataset. The set of supported "
                         "databases is: {'sqlite'}.")
        if any(t not in _SQL_TYPES for t in self._types):
            raise _error("Each element of `output_types_` must be one of: DT_STRING, DT_INT8, DT_INT16, DT_INT32, "
                         "DT_INT64, DT_UINT8, DT_UINT16, DT_BOOL, DT_DOUBLE")
        try:
            db = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True)
        except sqlite3.Error as e:
            raise _error(f"Sqlite::Open({path}) failed: {e}") from None
        try:
            try:
                cursor = db.execute(query)
            except sqlite3.Error as e:
                code = getattr(e, "sqlite_errorcode", 1)
                raise errors.UnknownError(None, None, f"Prepare() failed: [{code}] {e}: {query}") from None
            columns = len(cursor.description or ())
            if columns != len(self._types):
                raise _error(f"The number of columns in query ({columns}) must match the number of elements in "
                             f"output_types ({len(self._types)}).")
            for row in cursor:
                yield tuple(_sql_value(v, t) for v, t in zip(row, self._types))
        finally:
            db.close()


# --- Counter, RandomDataset ----------------------------------------------------------------------------------

class Counter(Dataset):
    """`tf.data.experimental.Counter(start=0, step=1, dtype=tf.int64)`: start, start + step, ... forever (sums in
    `dtype`, so integers wrap as TF's do)."""

    def __init__(self, start=0, step=1, dtype=dtypes.int64):
        dt = dtypes.as_dtype(dtype).base_dtype
        self._start, self._step = (x if isinstance(x, Tensor) else np.array(x, dt.np) for x in (start, step))
        super().__init__([], nest.LEAF, [dt], [TensorShape([])],
                         [x for x in (self._start, self._step) if isinstance(x, Tensor)])

    def _cardinality(self, env):
        return INFINITE_CARDINALITY

    def _iterate(self, env):
        dt = self._types[0].np
        value, step = (np.asarray(env.value(x), dt) for x in (self._start, self._step))
        with np.errstate(over="ignore"):
            while True:
                yield (value,)
                value = np.asarray(value + step, dt)


class RandomDataset(Dataset):
    """`tf.data.experimental.RandomDataset(seed=None)`: uniform int64 scalars in [0, 2**32) forever, from TF's
    Philox generator with the seeds of `get_seed(seed)` (fresh ones each iterator without a seed); each pass
    (iterator, `repeat` epoch) starts the same sequence."""

    def __init__(self, seed=None):
        super().__init__([], nest.LEAF, [dtypes.int64], [TensorShape([])])
        self._seeds = get_seed(seed)

    def __repr__(self):
        return f"<RandomDatasetV2 element_spec={self.element_spec}>"

    def _cardinality(self, env):
        return INFINITE_CARDINALITY

    def _iterate(self, env):
        draw = Philox(*_nondeterministic(*self._seeds))
        while True:
            yield (np.array(draw(), np.int64),)


# --- choosing among datasets ---------------------------------------------------------------------------------

class _DirectedInterleave(Dataset):
    """Elements of `datasets` in the order of the indices `selector` gives: an exhausted dataset's index is
    passed over (TF logs it), and the dataset ends with the selector or when every input is exhausted."""

    def __init__(self, selector, datasets):
        first = datasets[0]
        for d in datasets[1:]:
            if d._types != first._types or not nest.same_structure(d._template, first._template) or (
                    nest.sparse_starts(d._template, len(d._types))
                    != nest.sparse_starts(first._template, len(first._types))):
                specs = "\n".join(f"Dataset {i} element_spec={x.element_spec}." for i, x in enumerate(datasets))
                raise TypeError(f"Invalid `datasets`. `datasets` must have compatible element specs.\n {specs}")
        shapes = first._shapes
        for d in datasets[1:]:
            shapes = [_merge_shape(a, b) for a, b in zip(shapes, d._shapes)]
        super().__init__([selector, *datasets], first._template, first._types, shapes)

    def __repr__(self):
        return f"<_DirectedInterleaveDataset element_spec={self.element_spec}>"

    def _iterate(self, env):
        selector, *datasets = self._inputs
        inputs = [d._iterate(env) for d in datasets]
        active = len(inputs)
        for (index,) in selector._iterate(env):
            i = int(index)
            if not 0 <= i < len(inputs):
                raise _error(f"Selector index out of range: {i} >= {len(inputs)}")
            if inputs[i] is None:
                continue
            element = next(inputs[i], None)
            if element is not None:
                yield element
                continue
            inputs[i] = None
            active -= 1
            if active == 0:
                return


def _check_datasets(datasets):
    datasets = list(datasets)
    if not datasets:
        raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
    return datasets


def choose_from_datasets(datasets, choice_dataset):
    """The elements of `datasets` in the order `choice_dataset` (scalar int64 indices) picks them."""
    datasets = _check_datasets(datasets)
    if (not isinstance(choice_dataset, Dataset) or choice_dataset._types != [dtypes.int64]
            or choice_dataset._template is not nest.LEAF
            or not choice_dataset._shapes[0].is_compatible_with(TensorShape([]))):
        spec = choice_dataset.element_spec if isinstance(choice_dataset, Dataset) else choice_dataset
        raise TypeError("Invalid `choice_dataset`. Elements of `choice_dataset` must be scalar `tf.int64` tensors "
                        f"but are {spec}.")
    return _DirectedInterleave(choice_dataset, datasets)


class _WeightedChoice(Dataset):
    """Indices in [0, n) drawn with probabilities proportional to `weights` (a vector, or a Dataset of vectors,
    one per draw): int64 scalars from a Philox stream seeded as `get_seed(seed)`."""

    def __init__(self, weights, n, seed):
        inputs = [weights] if isinstance(weights, Dataset) else []
        super().__init__(inputs, nest.LEAF, [dtypes.int64], [TensorShape([])],
                         [weights] if isinstance(weights, Tensor) else [])
        self._weights, self._n, self._seeds = weights, n, get_seed(seed)

    def _iterate(self, env):
        draw = Philox(*_nondeterministic(*self._seeds))
        if self._inputs:
            rows = (np.asarray(e[0], np.float64) for e in self._inputs[0]._iterate(env))
        else:
            fixed = np.full(self._n, 1.0) if self._weights is None else np.asarray(env.value(self._weights),
                                                                                   np.float64)
            rows = itertools.repeat(fixed)
        for w in rows:
            cumulative = np.cumsum(w)
            u = (draw() / 2.0**32) * cumulative[-1]
            yield (np.array(min(int(np.searchsorted(cumulative, u, side="right")), self._n - 1), np.int64),)


def sample_from_datasets(datasets, weights=None, seed=None):
    """Elements of `datasets` drawn at random, dataset i with probability weights[i] / sum(weights) (uniform
    without weights; `weights` may be a Dataset of weight vectors, one per element drawn)."""
    datasets = _check_datasets(datasets)
    if isinstance(weights, Dataset):
        if weights._types[0] not in (dtypes.float32, dtypes.float64):
            raise TypeError("Invalid `weights`. `weights` type must be either `tf.float32` or `tf.float64` but is "
                            f"{weights._types[0]!r}.")
    elif weights is not None:
        weights = _component(weights)
        dt, shape = _comp_spec(weights)
        if dt not in (dtypes.float32, dtypes.float64):
            raise TypeError(f"Invalid `weights`. `weights` type must be either `tf.float32` or `tf.float64` but is "
                            f"<dtype: '{dt.name}'>.")
        if not shape.is_compatible_with(TensorShape([len(datasets)])):
            raise ValueError("Invalid `weights`. `weights` should have the same length as `datasets` but got "
                             f"`len(weights)={shape.dims_tuple[0] if shape.dims_tuple else shape}` vs. "
                             f"`len(datasets)={len(datasets)}`.")
    if len(datasets) == 1 and not isinstance(weights, Dataset):
        return datasets[0]
    return _DirectedInterleave(_WeightedChoice(weights, len(datasets), seed), datasets)


# --- writing and parsing TFRecords ---------------------------------------------------------------------------

class DatasetToTFRecord(OpDef):
    """DatasetToTFRecord(*captures[, filename]): writes every element of `attrs["dataset"]` (scalar strings) as
    a record of the TFRecord file, with the existing record writer (io/tfrecord.py)."""

    type = "DatasetToTFRecord"
    stateful = True
    gradient = not_differentiable

    def infer(op):
        return []

    def kernel(op, ctx):
        dataset, filename, kind = op.attrs["dataset"], op.attrs["filename"], op.attrs["compression"]
        inputs = op.inputs

        def write(*values):
            env = Env(ctx, {t: ctx.to_host(v) for t, v in zip(inputs, values)}, Closables(), {})
            try:
                with _RecordFileWriter(_text(env.value(filename)), kind) as writer:
                    for (record,) in dataset._iterate(env):
                        writer.write(_as_array(record).item())
            finally:
                env.closables.close()
        return write

    def can_fail(op):
        return True


class TFRecordWriter:
    """`tf.data.experimental.TFRecordWriter(filename, compression_type=None)`: `write(dataset)` is an op that,
    when run, writes the dataset's scalar strings as the records of a TFRecord file (in eager mode it writes at
    once)."""

    def __init__(self, filename, compression_type=None):
        self._filename = filename
        self._kind = compression_name(compression_type)

    def write(self, dataset):
        if not isinstance(dataset, Dataset):
            raise TypeError(f"Invalid `dataset.` Expected a `tf.data.Dataset` object but got {type(dataset)}.")
        if (dataset._template is not nest.LEAF or dataset._types != [dtypes.string]
                or not dataset._shapes[0].is_compatible_with(TensorShape([]))):
            types = nest.map_structure(dataset.output_types, lambda t: f"<dtype: '{t.name}'>")
            raise TypeError("Invalid `dataset`. Expected a`dataset` that produces scalar `tf.string` elements, but "
                            f"got a dataset which produces elements with shapes {dataset.output_shapes} and types "
                            f"{types if isinstance(types, str) else str(types).replace(chr(34), '')}.")
        inputs = dataset._captures() + ([self._filename] if isinstance(self._filename, Tensor) else [])
        return apply_op(DatasetToTFRecord, inputs,
                        {"dataset": dataset, "filename": self._filename, "compression": self._kind},
                        "DatasetToTFRecord")


def parse_example_dataset(features, num_parallel_calls=1):
    """`dataset.apply(parse_example_dataset(features))`: batches (vectors) of serialized Examples parsed into
    dicts of tensors with `tf.io.parse_example`."""
    if features is None:
        raise ValueError("Argument `features` is required, but not specified.")

    def apply(dataset):
        if (dataset._template is not nest.LEAF or dataset._types != [dtypes.string]
                or not dataset._shapes[0].is_compatible_with(TensorShape([None]))):
            raise TypeError("Input dataset should be a dataset of vectors of strings. Instead it is "
                            f"`{dataset.element_spec}`.")
        return dataset.map(lambda serialized: parse_example(serialized, features), num_parallel_calls)
    return apply


def make_batched_features_dataset(file_pattern, batch_size, features, reader=TFRecordDataset, label_key=None,
                                  reader_args=None, num_epochs=None, shuffle=True, shuffle_buffer_size=10000,
                                  shuffle_seed=None, prefetch_buffer_size=None, reader_num_threads=None,
                                  parser_num_threads=None, sloppy_ordering=False, drop_final_batch=False):
    """Batches of parsed Examples from files (`reader` each, TFRecord by default) as dicts of feature tensors, or
    `(features, label)` with `label_key`; TF 1.15's pipeline: list_files, interleave, shuffle/repeat, batch,
    parse, prefetch. Without `num_epochs` the files repeat forever and the batch dimension is static."""
    reader_args = list(reader_args or [])
    dataset = Dataset.list_files(file_pattern, shuffle=shuffle, seed=shuffle_seed)
    dataset = dataset.interleave(lambda filename: reader(filename, *reader_args),
                                 cycle_length=reader_num_threads or 1, block_length=1)
    if dataset._types == [dtypes.string, dtypes.string] and isinstance(dataset._template, tuple):
        dataset = dataset.map(lambda _, value: value)  # a reader of (key, value) pairs: keep the value
    dataset = _shuffle_and_repeat(dataset, num_epochs, shuffle, shuffle_buffer_size, shuffle_seed)
    dataset = dataset.batch(batch_size, drop_remainder=drop_final_batch or num_epochs is None)
    dataset = dataset.apply(parse_example_dataset(features, parser_num_threads or 2))
    if label_key:
        if label_key not in features:
            raise ValueError(f"The `label_key` provided ({label_key}) must be one of the `features` keys: "
                             f"{features.keys()}.")
        dataset = dataset.map(lambda x: (x, x.pop(label_key)))
    return dataset.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


# --- Dataset.from_sparse_tensor_slices -----------------------------------------------------------------------

class _SparseTensorSlices(Dataset):
    """The rows of a SparseTensor along its first dimension, each as TF 1.15 gives it: a tuple (indices without
    the first column, values, dense shape without the first dimension), empty rows included."""

    def __init__(self, sparse_tensor):
        indices, values, dense_shape = sparse_tensor
        rank = dense_shape.shape.dims_tuple[0] if dense_shape.shape.dims_tuple else None
        row_rank = None if rank is None else rank - 1
        super().__init__([], (nest.LEAF,) * 3, [dtypes.int64, values.dtype, dtypes.int64],
                         [TensorShape([None, row_rank]), TensorShape([None]), TensorShape([row_rank])],
                         [indices, values, dense_shape])
        self._parts = (indices, values, dense_shape)

    def __repr__(self):
        return f"<_SparseTensorSliceDataset element_spec={self.element_spec}>"

    def _cardinality(self, env):
        return int(_as_array(env.value(self._parts[2]))[0])

    def _iterate(self, env):
        indices, values, dense_shape = (_as_array(env.value(p)) for p in self._parts)
        indices = indices.reshape(len(values), len(dense_shape))
        for row in range(int(dense_shape[0])):
            mine = indices[:, 0] == row
            yield indices[mine, 1:], values[mine], dense_shape[1:]


def from_sparse_tensor_slices(sparse_tensor):
    """`Dataset.from_sparse_tensor_slices(sparse_tensor)` (TF 1.x): one element per row of `sparse_tensor`."""
    if not isinstance(sparse_tensor, SparseTensor):
        raise TypeError("Invalid `sparse_tensor`. `sparse_tensor` must be a `tf.sparse.SparseTensor`. Got "
                        f"{type(sparse_tensor)}.")
    return _SparseTensorSlices(sparse_tensor)
