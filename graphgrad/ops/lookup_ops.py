"""TF1's lookup tables (`tf.lookup`, `tf.contrib.lookup`): word -> id maps that a session fills from tensors or a
vocabulary file when it runs `tf.tables_initializer()`, looked up by graph ops (docs/strings.md).

A table's contents live in the session (`RunContext.resources`, keyed by the table's handle op, as a queue's
are), so two sessions have tables of their own, and a `tf.data` function that looks words up (its traced ops run
in the iterator's session) sees the same table. The ops are TF's: a handle (`HashTableV2`, `MutableHashTableV2`,
... a string scalar naming the table, as graphgrad has no resource dtype), `InitializeTableV2`,
`InitializeTableFromTextFileV2`, `LookupTableFindV2`, `LookupTableSizeV2`, `LookupTableInsertV2`,
`LookupTableRemoveV2`, `LookupTableExportV2`; all stateful, host-side and without gradient. Looking a key up in a
static table before its initializer ran is TF's FailedPreconditionError "Table not initialized.".

Out-of-vocabulary buckets (`IdTableWithHashBuckets`, `StaticVocabularyTable`) are built from graph ops as TF
builds them: the table's id, or where it gave the default, the key's hash bucket (string_ops) after the
vocabulary.
"""
from __future__ import annotations

import collections
import itertools
import threading

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.graph import GraphKeys, add_to_collection, get_collection, get_default_graph, name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from . import string_ops
from .arithmetic_ops import add
from .cast_ops import cast
from .categorical_ops import _host_values
from .comparison_ops import not_equal
from .core import apply_op, convert_to_tensor, group, no_op
from .queue_ops import ResourceHandle, session_resource
from .select_ops import where
from .sparse_ops import SparseTensor

__all__ = ["HashTable", "StaticHashTable", "KeyValueTensorInitializer", "TextFileInitializer", "TextFileIndex",
           "TextFileIdTableInitializer", "TextFileStringTableInitializer", "IdTableWithHashBuckets",
           "StaticVocabularyTable", "MutableHashTable", "MutableDenseHashTable", "HasherSpec", "FastHashSpec",
           "StrongHashSpec",
           "index_table_from_file", "index_table_from_tensor", "index_to_string_table_from_file",
           "index_to_string_table_from_tensor", "tables_initializer", "LookupInterface",
           "InitializableLookupTableBase", "TableInitializerBase"]


# --- a table's contents in one session ---------------------------------------------------------------------------

class TableState:
    """One table's entries in one session: `data` maps a key (bytes, int or float) to its value (a NumPy scalar
    or array); `initialized` stays False for a static table until its initializer runs."""

    def __init__(self, mutable):
        self.data = {}
        self.initialized = mutable
        self.lock = threading.Lock()


def table_state(ctx, handle_op):
    return session_resource(ctx, ("lookup table", handle_op), lambda: TableState(handle_op.attrs["mutable"]))


def _keys(array, dtype):
    """Host keys as the dict keys of a table of `dtype`: bytes for strings, Python ints or floats."""
    if dtype == dtypes.string:
        return _host_values(array).reshape(-1).tolist()
    return np.asarray(array).reshape(-1).tolist()


def _table_keys(op, handle_op, array, dtype):
    """The keys of a find, insert or remove; a MutableDenseHashTable refuses its empty and deleted keys."""
    keys = _keys(array, dtype)
    reserved = handle_op.attrs.get("reserved")
    if reserved:
        for k, what in zip(reserved, ("empty_key", "deleted_key")):
            if k in keys:
                raise op_error(errors.InvalidArgumentError, op, f"Using the {what} as a table key is not allowed")
    return keys


def _insert(op, state, keys, values, static):
    """Put keys -> values into `state`; a static table refuses a key it holds with another value, as TF's."""
    data = state.data
    if not static:
        data.update(zip(keys, values))
        return
    for k, v in zip(keys, values):
        old = data.setdefault(k, v)
        if old is not v and not np.array_equal(old, v):
            shown = k.decode("utf-8", "replace") if isinstance(k, bytes) else k
            raise op_error(errors.FailedPreconditionError, op, f"HashTable has different value for same key. "
                                                               f"Key {shown} has {_shown(old)} and trying to add "
                                                               f"value {_shown(v)}")


def _dims(shape):
    return "[" + ",".join(map(str, shape)) + "]"


def _shown(v):
    v = v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


# --- the ops -------------------------------------------------------------------------------------------------

class HashTableHandle(ResourceHandle):
    """HashTableV2(; key_dtype, value_dtype, shared_name): a static table, filled once by its initializer."""

    type = "HashTableV2"


class MutableHashTableHandle(ResourceHandle):
    type = "MutableHashTableV2"


class MutableHashTableOfTensorsHandle(ResourceHandle):
    type = "MutableHashTableOfTensorsV2"


class MutableDenseHashTableHandle(ResourceHandle):
    type = "MutableDenseHashTableV2"


class _TableOp(OpDef):
    stateful = True
    gradient = not_differentiable

    def infer(op):
        return []

    def can_fail(op):
        return True


class InitializeTable(_TableOp):
    """InitializeTableV2(handle, keys, values): the table's entries from two vectors of one length."""

    type = "InitializeTableV2"

    def kernel(op, ctx):
        handle_op, key_dtype = op.inputs[0].op, op.inputs[1].dtype.base_dtype
        to_host = ctx.to_host

        def initialize(handle, keys, values):
            keys = _keys(to_host(keys), key_dtype)
            values = _host_values(to_host(values)).reshape(-1).tolist()
            if len(keys) != len(values):
                raise op_error(errors.InvalidArgumentError, op, f"Expected shape [{len(keys)}] for value, got "
                                                                f"[{len(values)}]")
            state = table_state(ctx, handle_op)
            with state.lock:
                _insert(op, state, keys, values, True)
                state.initialized = True
        return initialize


class InitializeTableFromTextFile(_TableOp):
    """InitializeTableFromTextFileV2(handle, filename; key_index, value_index, vocab_size, delimiter): entries
    from the lines of a file: the whole line (-2), the line number (-1) or a column of it, as key and value."""

    type = "InitializeTableFromTextFileV2"

    def kernel(op, ctx):
        handle_op = op.inputs[0].op
        a = op.attrs

        def initialize(handle, filename):
            name = _host_values(filename).item().decode()
            entries = _text_file_entries(op, name, a["key_index"], a["value_index"], a["vocab_size"],
                                         a["delimiter"], a["key_dtype"], a["value_dtype"])
            state = table_state(ctx, handle_op)
            with state.lock:
                _insert(op, state, *zip(*entries) if entries else ((), ()), True)
                state.initialized = True
        return initialize


def _text_file_entries(op, filename, key_index, value_index, vocab_size, delimiter, key_dtype, value_dtype):
    """The (key, value) pairs of a vocabulary file's first `vocab_size` lines (all when -1), with TF's errors."""
    try:
        with open(filename, "rb") as f:
            lines = f.read().split(b"\n")
    except FileNotFoundError:
        raise op_error(errors.NotFoundError, op, f"{filename}; No such file or directory") from None
    if lines and lines[-1] == b"":
        lines.pop()
    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
    if vocab_size != -1:
        if len(lines) < vocab_size:
            raise op_error(errors.InvalidArgumentError, op, f"Invalid vocab_size in {filename}: expected "
                                                            f"{vocab_size} but got {len(lines)}")
        lines = lines[:vocab_size]
    delim = delimiter.encode() if isinstance(delimiter, str) else delimiter
    entries = []
    for n, line in enumerate(lines):
        if not line:
            raise op_error(errors.InvalidArgumentError, op, f"Invalid content in {filename}: empty line found at "
                                                            f"position {sum(len(x) + 1 for x in lines[:n + 1])}.")
        cols = line.split(delim) if max(key_index, value_index) >= 0 else None
        if cols is not None and max(key_index, value_index) >= len(cols):
            raise op_error(errors.InvalidArgumentError, op, f"Invalid number of columns in {filename} line {n} "
                                                            f"({line.decode('utf-8', 'replace')}) : expected at "
                                                            f"least {max(key_index, value_index) + 1} got {len(cols)}")
        pair = []
        for index, dtype in ((key_index, key_dtype), (value_index, value_dtype)):
            text = line if index == -2 else str(n).encode() if index == -1 else cols[index]
            pair.append(_field(op, text, dtype, n, filename))
        entries.append(tuple(pair))
    return entries


def _field(op, text, dtype, line, filename):
    if dtype == dtypes.string:
        return text
    try:
        return int(text) if dtype.is_integer else float(text)
    except ValueError:
        raise op_error(errors.InvalidArgumentError, op, f"Field {text.decode('utf-8', 'replace')} in line {line} "
                                                        f"is not a valid {dtype.name}.") from None


class LookupTableFind(_TableOp):
    """LookupTableFindV2(handle, keys, default_value): each key's value, `default_value` where absent; the keys'
    shape followed by the values' own shape (scalars but in a MutableHashTable of tensors)."""

    type = "LookupTableFindV2"

    def infer(op):
        keys = static_shape(op.inputs[1])
        value_shape = op.attrs["value_shape"]
        return [(None if keys is None else keys + value_shape, op.attrs["value_dtype"])]

    def kernel(op, ctx):
        handle_op, key_dtype = op.inputs[0].op, op.inputs[1].dtype.base_dtype
        value_dtype, value_shape = op.attrs["value_dtype"], op.attrs["value_shape"]
        to_host, to_dev = ctx.to_host, ctx.to_device

        def find(handle, keys, default):
            state = table_state(ctx, handle_op)
            if not state.initialized:
                raise op_error(errors.FailedPreconditionError, op, "Table not initialized.")
            keys = to_host(keys)
            default = _host_values(to_host(default))
            flat = _table_keys(op, handle_op, keys, key_dtype)
            get = state.data.get
            default = default.item() if default.ndim == 0 else default
            values = list(map(get, flat, itertools.repeat(default, len(flat))))
            if value_dtype != dtypes.string:
                return to_dev(np.array(values, value_dtype.np).reshape(*np.shape(keys), *value_shape))
            out = np.empty((len(flat), *value_shape), object)
            for i, v in enumerate(values):
                out[i] = v
            return out.reshape(*np.shape(keys), *value_shape)
        return find


class LookupTableSize(_TableOp):
    """LookupTableSizeV2(handle): the number of entries (int64)."""

    type = "LookupTableSizeV2"

    def infer(op):
        return [((), dtypes.int64)]

    def kernel(op, ctx):
        handle_op = op.inputs[0].op
        return lambda handle: ctx.to_device(np.int64(len(table_state(ctx, handle_op).data)))


class LookupTableInsert(_TableOp):
    """LookupTableInsertV2(handle, keys, values): entries added or replaced (mutable tables)."""

    type = "LookupTableInsertV2"

    def kernel(op, ctx):
        handle_op, key_dtype, to_host = op.inputs[0].op, op.inputs[1].dtype.base_dtype, ctx.to_host
        value_ndim = len(op.attrs["value_shape"])

        def insert(handle, keys, values):
            keys, values = to_host(keys), _host_values(to_host(values))
            expected = tuple(np.shape(keys)) + tuple(op.attrs["value_shape"])
            if values.shape != expected:
                raise op_error(errors.InvalidArgumentError, op, f"Expected shape {_dims(expected)} for value, got "
                                                                f"{_dims(values.shape)}")
            values = values.reshape(-1, *values.shape[values.ndim - value_ndim:])
            state = table_state(ctx, handle_op)
            with state.lock:
                _insert(op, state, _table_keys(op, handle_op, keys, key_dtype),
                        [np.array(v, copy=True) for v in values] if value_ndim else values.tolist(), False)
        return insert


class LookupTableRemove(_TableOp):
    """LookupTableRemoveV2(handle, keys): the entries of `keys` removed (absent keys are ignored)."""

    type = "LookupTableRemoveV2"

    def kernel(op, ctx):
        handle_op, key_dtype = op.inputs[0].op, op.inputs[1].dtype.base_dtype

        def remove(handle, keys):
            state = table_state(ctx, handle_op)
            with state.lock:
                for k in _table_keys(op, handle_op, ctx.to_host(keys), key_dtype):
                    state.data.pop(k, None)
        return remove


class LookupTableExport(_TableOp):
    """LookupTableExportV2(handle): every key and its value, as two tensors of one length."""

    type = "LookupTableExportV2"

    def infer(op):
        return [(None, op.attrs["key_dtype"]), (None, op.attrs["value_dtype"])]

    def kernel(op, ctx):
        handle_op, a = op.inputs[0].op, op.attrs

        def export(handle):
            state = table_state(ctx, handle_op)
            with state.lock:
                items = list(state.data.items())
            keys = np.empty(len(items), object) if a["key_dtype"] == dtypes.string else \
                np.empty(len(items), a["key_dtype"].np)
            keys[:] = [k for k, _ in items]
            vdt = object if a["value_dtype"] == dtypes.string else a["value_dtype"].np
            values = np.empty((len(items), *a["value_shape"]), vdt)
            for i, (_, v) in enumerate(items):
                values[i] = v
            fix = (lambda x: x) if vdt is object else ctx.to_device
            return [keys if a["key_dtype"] == dtypes.string else ctx.to_device(keys), fix(values)]
        return export


# --- the Python classes --------------------------------------------------------------------------------------------

class TextFileIndex:
    """What a TextFileInitializer column index may be besides a column: the whole line or the line number."""

    WHOLE_LINE = -2
    LINE_NUMBER = -1


class _Typed:
    """Something mapping keys of one dtype to values of another: a table or a table's initializer."""

    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = dtypes.as_dtype(key_dtype)
        self._value_dtype = dtypes.as_dtype(value_dtype)

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype


class LookupInterface(_Typed):
    """What every table offers: key_dtype, value_dtype, name, resource_handle, size() and lookup(keys)."""

    @property
    def name(self):
        return self._name

    @property
    def resource_handle(self):
        return self._handle

    def _check_keys(self, keys):
        if keys.dtype.base_dtype != self._key_dtype:
            raise TypeError(f"Signature mismatch. Keys must be dtype {self._key_dtype}, got {keys.dtype}.")

    def size(self, name=None):
        """The number of entries (an int64 scalar tensor)."""
        with name_scope(name, f"{self.name}_Size"):
            return apply_op(LookupTableSize, [self._handle], {}, "LookupTableSizeV2")

    def _find(self, keys, default, name):
        """`keys` (a tensor or SparseTensor) looked up: values of their shape, or a SparseTensor of them."""
        sparse = isinstance(keys, SparseTensor)
        key_tensor = keys.values if sparse else _keys_tensor(keys, self._key_dtype)
        self._check_keys(key_tensor)
        with name_scope(name, f"{self.name}_Lookup"):
            values = apply_op(LookupTableFind, [self._handle, key_tensor, default],
                              {"value_dtype": self._value_dtype, "value_shape": tuple(default.shape.dims_tuple or ())
                               if self._value_shape else ()}, "LookupTableFindV2")
        return SparseTensor(keys.indices, values, keys.dense_shape) if sparse else values

    _value_shape = ()


def _keys_tensor(keys, dtype):
    """Keys as a tensor: a tensor as it is (a wrong dtype is the lookup's TypeError), Python values as `dtype`."""
    return keys if hasattr(keys, "dtype") and hasattr(keys, "op") else convert_to_tensor(keys, dtype=dtype)


def _handle(op_def, name, key_dtype, value_dtype, mutable, shared_name=None, reserved=None):
    if get_default_graph()._is_eager:
        raise RuntimeError("graphgrad's lookup tables live in a Session: build them in graph mode (TF1 programs "
                           "do); eager execution has no session to hold them")
    return apply_op(op_def, [], {"key_dtype": key_dtype, "value_dtype": value_dtype, "mutable": mutable,
                                 "shared_name": shared_name or "", "reserved": reserved}, name)


class InitializableLookupTableBase(LookupInterface):
    """A static table: filled by its initializer's op (in the TABLE_INITIALIZERS collection), then read only."""

    def __init__(self, default_value, initializer):
        super().__init__(initializer.key_dtype, initializer.value_dtype)
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        if self._default_value.shape.ndims not in (None, 0):
            raise ValueError(f"Shapes () and {self._default_value.shape} are not compatible")
        self._initializer = initializer
        self._init_op = initializer.initialize(self)

    @property
    def default_value(self):
        return self._default_value

    @property
    def initializer(self):
        return self._init_op

    init = initializer

    def lookup(self, keys, name=None):
        """Each key's value; `default_value` for keys not in the table. A SparseTensor gives a SparseTensor."""
        return self._find(keys, self._default_value, name)


class HashTable(InitializableLookupTableBase):
    """`tf.contrib.lookup.HashTable` / `tf.lookup.StaticHashTable`: a static key -> value table."""

    def __init__(self, initializer, default_value, shared_name=None, name=None, experimental_is_anonymous=False):
        self._handle = _handle(HashTableHandle, name or "hash_table", initializer.key_dtype,
                               initializer.value_dtype, False, shared_name)
        self._name = self._handle.op.name
        super().__init__(default_value, initializer)


class StaticHashTable(HashTable):
    def __init__(self, initializer, default_value, name=None, experimental_is_anonymous=False):
        super().__init__(initializer, default_value, name=name)


class TableInitializerBase(_Typed):
    """What fills a static table: `initialize(table)` gives the op, added to TABLE_INITIALIZERS."""

    def _check_table_dtypes(self, table):
        if table.key_dtype != self._key_dtype or table.value_dtype != self._value_dtype:
            raise TypeError(f"Invalid key dtype, expected {self._key_dtype} but got {table.key_dtype}.")


class KeyValueTensorInitializer(TableInitializerBase):
    """A table's entries from two vectors: keys[i] -> values[i]."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        with name_scope(name, "key_value_init"):
            self._keys = convert_to_tensor(keys, dtype=key_dtype, name="keys")
            self._values = convert_to_tensor(values, dtype=value_dtype, name="values")
        self._name = name or "key_value_init"
        super().__init__(self._keys.dtype.base_dtype, self._values.dtype.base_dtype)

    def initialize(self, table):
        self._check_table_dtypes(table)
        with name_scope(self._name):
            op = apply_op(InitializeTable, [table.resource_handle, self._keys, self._values], {},
                          "table_init")
        add_to_collection(GraphKeys.TABLE_INITIALIZERS, op)
        return op


class TextFileInitializer(TableInitializerBase):
    """A table's entries from a text file's lines: key and value each the whole line (TextFileIndex.WHOLE_LINE),
    the line number (LINE_NUMBER) or a column split at `delimiter`; the first `vocab_size` lines (all: None)."""

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index, vocab_size=None, delimiter="\t",
                 name=None):
        key_dtype, value_dtype = dtypes.as_dtype(key_dtype), dtypes.as_dtype(value_dtype)
        if key_index < -2:
            raise ValueError(f"Invalid key index {key_index}.")
        if key_index == TextFileIndex.LINE_NUMBER and key_dtype != dtypes.int64:
            raise ValueError(f"Signature mismatch. Keys must be dtype {dtypes.int64}, got {key_dtype}.")
        if key_index == TextFileIndex.WHOLE_LINE and not key_dtype.is_integer and key_dtype != dtypes.string:
            raise ValueError(f"Signature mismatch. Keys must be integer or string, got {key_dtype}.")
        if value_index < -2:
            raise ValueError(f"Invalid value index {value_index}.")
        if value_index == TextFileIndex.LINE_NUMBER and value_dtype != dtypes.int64:
            raise ValueError(f"Signature mismatch. Values must be dtype {dtypes.int64}, got {value_dtype}.")
        if value_index == TextFileIndex.WHOLE_LINE and value_dtype != dtypes.string:
            raise ValueError(f"Signature mismatch. Values must be dtype {dtypes.string}, got {value_dtype}.")
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError(f"Invalid vocab_size {vocab_size}.")
        self._filename, self._key_index, self._value_index = filename, key_index, value_index
        self._vocab_size, self._delimiter, self._name = vocab_size, delimiter, name or "text_file_init"
        super().__init__(key_dtype, value_dtype)

    def initialize(self, table):
        self._check_table_dtypes(table)
        with name_scope(self._name):
            filename = convert_to_tensor(self._filename, dtypes.string, name="asset_filepath")
            op = apply_op(InitializeTableFromTextFile, [table.resource_handle, filename],
                          {"key_index": self._key_index, "value_index": self._value_index,
                           "vocab_size": -1 if self._vocab_size is None else int(self._vocab_size),
                           "delimiter": self._delimiter, "key_dtype": self._key_dtype,
                           "value_dtype": self._value_dtype}, "table_init")
        add_to_collection(GraphKeys.TABLE_INITIALIZERS, op)
        if isinstance(self._filename, str):
            add_to_collection(GraphKeys.ASSET_FILEPATHS, filename)
        return op


class TextFileStringTableInitializer(TextFileInitializer):
    """Line number -> whole line (int64 -> string): the id-to-word table."""

    def __init__(self, filename, key_column_index=TextFileIndex.LINE_NUMBER,
                 value_column_index=TextFileIndex.WHOLE_LINE, vocab_size=None, delimiter="\t",
                 name="text_file_string_table_init"):
        super().__init__(filename, dtypes.int64, key_column_index, dtypes.string, value_column_index, vocab_size,
                         delimiter, name)


class TextFileIdTableInitializer(TextFileInitializer):
    """Whole line -> line number (string -> int64): the word-to-id table."""

    def __init__(self, filename, key_column_index=TextFileIndex.WHOLE_LINE,
                 value_column_index=TextFileIndex.LINE_NUMBER, vocab_size=None, delimiter="\t",
                 name="text_file_id_table_init", key_dtype=dtypes.string):
        super().__init__(filename, key_dtype, key_column_index, dtypes.int64, value_column_index, vocab_size,
                         delimiter, name)


HasherSpec = collections.namedtuple("HasherSpec", ["hasher", "key"])
FastHashSpec = HasherSpec("fasthash", None)


class StrongHashSpec(HasherSpec):
    """SipHash under `key` (two ints) for the out-of-vocabulary buckets."""

    __slots__ = ()

    def __new__(cls, key):
        if len(key) != 2:
            raise ValueError(f"key must have size 2, got {len(key)}.")
        if not isinstance(key[0], int) or not isinstance(key[1], int):
            raise TypeError(f"Invalid key {key}. Must be unsigned integer values.")
        return super().__new__(cls, "stronghash", key)


def _as_string(t):
    return t if t.dtype.base_dtype == dtypes.string else string_ops.as_string(t)


class IdTableWithHashBuckets(LookupInterface):
    """A table's ids, and for keys it lacks one of `num_oov_buckets` hash buckets after its size."""

    def __init__(self, table, num_oov_buckets, hasher_spec=FastHashSpec, name=None, key_dtype=None):
        if num_oov_buckets < 0:
            raise ValueError(f"oov_buckets must be >= 0, got {num_oov_buckets}")
        if not isinstance(hasher_spec, HasherSpec):
            raise TypeError(f"hasher_spec must be of type HasherSpec, got {hasher_spec}")
        if table is None and key_dtype is None:
            raise ValueError("Must specify a key_dtype if table is None.")
        self._table, self._num_oov_buckets, self._hasher_spec = table, int(num_oov_buckets), hasher_spec
        key_dtype = dtypes.as_dtype(key_dtype) if key_dtype is not None else table.key_dtype
        super().__init__(key_dtype, dtypes.int64)
        self._name = name or (f"{table.name}_hash_bucket" if table is not None else "hash_bucket")
        self._handle = table.resource_handle if table is not None else None

    @property
    def init(self):
        return self._table.init if self._table is not None else no_op()

    initializer = init

    def size(self, name=None):
        with name_scope(name, f"{self.name}_Size"):
            size = self._table.size() if self._table is not None else convert_to_tensor(0, dtypes.int64)
            return add(size, convert_to_tensor(self._num_oov_buckets, dtypes.int64))

    def _hash(self, values):
        spec = self._hasher_spec
        if spec.hasher == "fasthash":
            return string_ops.string_to_hash_bucket_fast(values, self._num_oov_buckets, name="hash_bucket")
        return string_ops.string_to_hash_bucket_strong(values, self._num_oov_buckets, spec.key, name="hash_bucket")

    def lookup(self, keys, name=None):
        sparse = isinstance(keys, SparseTensor)
        values = keys.values if sparse else convert_to_tensor(keys)
        self._check_keys(values)
        if self._table is not None and self._table.key_dtype == dtypes.int64 and values.dtype != dtypes.int64:
            values = cast(values, dtypes.int64)
        if not self._num_oov_buckets:
            ids = self._table.lookup(values, name=name)
        else:
            with name_scope(name, f"{self.name}_Lookup"):
                buckets = self._hash(_as_string(values))
                if self._table is not None:
                    ids = self._table.lookup(values)
                    buckets = add(buckets, self._table.size())
                    ids = where(not_equal(ids, self._table.default_value), ids, buckets)
                else:
                    ids = buckets
        return SparseTensor(keys.indices, ids, keys.dense_shape) if sparse else ids

    def _check_keys(self, keys):
        if keys.dtype.base_dtype != self._key_dtype and not (self._key_dtype.is_integer and keys.dtype.is_integer):
            raise TypeError(f"Signature mismatch. Keys must be dtype {self._key_dtype}, got {keys.dtype}.")


class StaticVocabularyTable(IdTableWithHashBuckets):
    """`tf.lookup.StaticVocabularyTable`: an initializer's string/int64 -> int64 ids, and `num_oov_buckets`
    Fingerprint64 buckets after them for the rest (there must be some: without, use a StaticHashTable)."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        if num_oov_buckets <= 0:
            raise ValueError("oov_buckets must be > 0; use StaticHashTable.")
        if initializer.value_dtype != dtypes.int64:
            raise TypeError(f"Invalid value dtype, expected {dtypes.int64} but got {initializer.value_dtype}.")
        table = HashTable(initializer, -1, name=name or "hash_table")
        super().__init__(table, num_oov_buckets, FastHashSpec, name=name or "vocab_table",
                         key_dtype=lookup_key_dtype or initializer.key_dtype)

    @property
    def resource_handle(self):
        return self._table.resource_handle


class MutableHashTable(LookupInterface):
    """A table the graph writes: `insert(keys, values)`, `remove(keys)`, `export()`; `lookup` gives
    `default_value` (whose shape is every value's) for absent keys. Usable without initialization."""

    def __init__(self, key_dtype, value_dtype, default_value, name="MutableHashTable", checkpoint=True,
                 experimental_is_anonymous=False):
        super().__init__(key_dtype, value_dtype)
        self._default_value = convert_to_tensor(default_value, dtype=self._value_dtype)
        self._value_shape = tuple(self._default_value.shape.dims_tuple or ())
        self._handle = self._make_handle(name)
        self._name = self._handle.op.name

    def _make_handle(self, name):
        kind = MutableHashTableOfTensorsHandle if self._value_shape else MutableHashTableHandle
        return _handle(kind, name, self._key_dtype, self._value_dtype, True)

    @property
    def default_value(self):
        return self._default_value

    def lookup(self, keys, dynamic_default_values=None, name=None):
        default = self._default_value if dynamic_default_values is None else convert_to_tensor(
            dynamic_default_values, self._value_dtype)
        return self._find(keys, default, name)

    def insert(self, keys, values, name=None):
        """An op putting keys -> values into the table (replacing what a key held)."""
        keys = _keys_tensor(keys, self._key_dtype)
        values = convert_to_tensor(values, dtype=self._value_dtype)
        self._check_keys(keys)
        with name_scope(name, f"{self.name}_lookup_table_insert"):
            return apply_op(LookupTableInsert, [self._handle, keys, values], {"value_shape": self._value_shape},
                            "LookupTableInsertV2")

    def remove(self, keys, name=None):
        """An op taking `keys` out of the table (keys it lacks are ignored)."""
        keys = _keys_tensor(keys, self._key_dtype)
        self._check_keys(keys)
        with name_scope(name, f"{self.name}_lookup_table_remove"):
            return apply_op(LookupTableRemove, [self._handle, keys], {}, "LookupTableRemoveV2")

    def export(self, name=None):
        """(keys, values): every entry, in no particular order."""
        with name_scope(name, f"{self.name}_lookup_table_export_values"):
            return tuple(apply_op(LookupTableExport, [self._handle],
                                  {"key_dtype": self._key_dtype, "value_dtype": self._value_dtype,
                                   "value_shape": self._value_shape}, "LookupTableExportV2"))


class MutableDenseHashTable(MutableHashTable):
    """`tf.contrib.lookup.MutableDenseHashTable` / `tf.lookup.experimental.DenseHashTable`: a MutableHashTable
    whose keys may not be `empty_key` or `deleted_key` (TF's open addressing reserves them). `export()` gives the
    entries, where TF gives its bucket arrays (empty buckets holding `empty_key`)."""

    def __init__(self, key_dtype, value_dtype, default_value, empty_key, deleted_key, initial_num_buckets=None,
                 name="MutableDenseHashTable", checkpoint=True, experimental_is_anonymous=False):
        self._reserved = (empty_key, deleted_key)
        super().__init__(key_dtype, value_dtype, default_value, name=name)

    def _make_handle(self, name):
        kind = self._key_dtype
        reserved = tuple(_keys(np.asarray(k, object if kind == dtypes.string else kind.np), kind)[0]
                         for k in self._reserved)
        if reserved[0] == reserved[1]:
            raise ValueError("Empty and deleted keys must differ")
        return _handle(MutableDenseHashTableHandle, name, kind, self._value_dtype, True, reserved=reserved)


# --- the index-table helpers -------------------------------------------------------------------------------------

def _check_oov(num_oov_buckets):
    if num_oov_buckets < 0:
        raise ValueError(f"num_oov_buckets must be greater or equal than 0, got {num_oov_buckets}.")


def _with_buckets(table, num_oov_buckets, hasher_spec, key_dtype):
    if not num_oov_buckets:
        return table
    return IdTableWithHashBuckets(table, num_oov_buckets, hasher_spec, key_dtype=key_dtype)


def index_table_from_file(vocabulary_file=None, num_oov_buckets=0, vocab_size=None, default_value=-1,
                          hasher_spec=FastHashSpec, key_dtype=dtypes.string, name=None,
                          key_column_index=TextFileIndex.WHOLE_LINE, value_column_index=TextFileIndex.LINE_NUMBER,
                          delimiter="\t"):
    """Word -> line number of a vocabulary file (one word a line); unknown words get `default_value`, or one of
    `num_oov_buckets` hash buckets after the vocabulary. Filled when `tf.tables_initializer()` runs."""
    if vocabulary_file is None or (isinstance(vocabulary_file, str) and not vocabulary_file):
        raise ValueError("vocabulary_file must be specified and must not be empty.")
    _check_oov(num_oov_buckets)
    if vocab_size is not None and vocab_size < 1:
        raise ValueError(f"vocab_size must be greater than 0, got {vocab_size}. vocabulary_file: {vocabulary_file}")
    key_dtype = dtypes.as_dtype(key_dtype)
    if not key_dtype.is_integer and key_dtype != dtypes.string:
        raise TypeError("Only integer and string keys are supported.")
    with name_scope(name, "string_to_index"):
        with name_scope(None, "hash_table"):
            init = TextFileIdTableInitializer(vocabulary_file, key_column_index, value_column_index, vocab_size,
                                              delimiter, "table_init",
                                              dtypes.int64 if key_dtype.is_integer else key_dtype)
            table = HashTable(init, default_value)
        return _with_buckets(table, num_oov_buckets, hasher_spec, key_dtype)


def index_table_from_tensor(vocabulary_list, num_oov_buckets=0, default_value=-1, hasher_spec=FastHashSpec,
                            dtype=dtypes.string, name=None):
    """Word -> its position in `vocabulary_list` (a 1-D tensor or list); unknown words as index_table_from_file."""
    if vocabulary_list is None:
        raise ValueError("vocabulary_list must be specified.")
    _check_oov(num_oov_buckets)
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_integer and dtype != dtypes.string:
        raise TypeError(f"Expected integer or string, got {dtype}.")
    with name_scope(name, "string_to_index"):
        keys = convert_to_tensor(vocabulary_list)
        if keys.dtype.is_integer != dtype.is_integer:
            raise ValueError(f"Expected {'integer' if dtype.is_integer else 'non-integer'}, got {keys.dtype}.")
        if not dtype.is_integer and keys.dtype.base_dtype != dtype:
            raise ValueError(f"Expected {dtype}, got {keys.dtype}.")
        with name_scope(None, "hash_table"):
            table_keys = cast(keys, dtypes.int64) if keys.dtype.is_integer and keys.dtype != dtypes.int64 else keys
            n = keys.shape.num_elements() if keys.shape.is_fully_defined() else None
            values = _positions(keys, n)
            init = KeyValueTensorInitializer(table_keys, values, table_keys.dtype.base_dtype, dtypes.int64,
                                             name="table_init")
            table = HashTable(init, default_value)
        return _with_buckets(table, num_oov_buckets, hasher_spec, dtype)


def _positions(keys, n):
    """int64 0..n-1 for the n keys of a vocabulary (a range of its size where that is known only at run time)."""
    if n is not None:
        return convert_to_tensor(np.arange(n, dtype=np.int64))
    from .array_ops import size
    from .sequence_ops import range as range_
    return cast(range_(size(keys)), dtypes.int64)


def index_to_string_table_from_file(vocabulary_file, vocab_size=None, default_value="UNK", name=None,
                                    key_column_index=TextFileIndex.LINE_NUMBER,
                                    value_column_index=TextFileIndex.WHOLE_LINE, delimiter="\t"):
    """Id (line number) -> word of a vocabulary file; unknown ids give `default_value`."""
    if vocabulary_file is None or (isinstance(vocabulary_file, str) and not vocabulary_file):
        raise ValueError("vocabulary_file must be specified and must not be empty.")
    if vocab_size is not None and vocab_size < 1:
        raise ValueError(f"vocab_size must be greater than 0, got {vocab_size}.")
    with name_scope(name, "index_to_string"):
        init = TextFileStringTableInitializer(vocabulary_file, key_column_index, value_column_index, vocab_size,
                                              delimiter, "table_init")
        return HashTable(init, default_value)


def index_to_string_table_from_tensor(vocabulary_list, default_value="UNK", name=None):
    """Id (position) -> word of `vocabulary_list`; unknown ids give `default_value`."""
    if vocabulary_list is None:
        raise ValueError("vocabulary_list must be specified.")
    with name_scope(name, "index_to_string"):
        values = convert_to_tensor(vocabulary_list, dtypes.string)
        n = values.shape.num_elements() if values.shape.is_fully_defined() else None
        init = KeyValueTensorInitializer(_positions(values, n), values, dtypes.int64, dtypes.string,
                                         name="table_init")
        return HashTable(init, default_value)


def tables_initializer(name="init_all_tables"):
    """The op that fills every table of the graph (the TABLE_INITIALIZERS collection); a NoOp when there is none."""
    inits = get_collection(GraphKeys.TABLE_INITIALIZERS)
    return group(*inits, name=name) if inits else no_op(name=name)

