"""`tf.contrib.lookup`: TF1's tables and the index-table helpers classic NLP programs use
(`index_table_from_file`, `HashTable`, `IdTableWithHashBuckets`, ...), from ops/lookup_ops.py."""
from ..ops.lookup_ops import (  # noqa: F401
    FastHashSpec,
    HasherSpec,
    HashTable,
    IdTableWithHashBuckets,
    KeyValueTensorInitializer,
    LookupInterface,
    MutableDenseHashTable,
    MutableHashTable,
    StrongHashSpec,
    TextFileIdTableInitializer,
    TextFileIndex,
    TextFileInitializer,
    TextFileStringTableInitializer,
    index_table_from_file,
    index_table_from_tensor,
    index_to_string_table_from_file,
    index_to_string_table_from_tensor,
)
