"""`tf.lookup`: TF 1.15's static tables (`StaticHashTable`, `StaticVocabularyTable`), their initializers and, as
`tf.lookup.experimental`, `MutableHashTable` and `DenseHashTable` (ops/lookup_ops.py; docs/strings.md)."""
import types as _types

from .ops.lookup_ops import (
    KeyValueTensorInitializer,
    MutableDenseHashTable,
    MutableHashTable,
    StaticHashTable,
    StaticVocabularyTable,
    TextFileIndex,
    TextFileInitializer,
)

experimental = _types.SimpleNamespace(MutableHashTable=MutableHashTable, DenseHashTable=MutableDenseHashTable)

__all__ = ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable", "TextFileIndex",
           "TextFileInitializer", "experimental"]
