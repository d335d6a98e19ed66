"""`tf.strings`: TF 1.15's string ops under their short names (`tf.strings.split`, `join`, `to_number`, ...).
The ops are ops/string_ops.py's; the top-level TF1 aliases (`tf.string_split`, `tf.substr`, ...) are the same
functions (docs/strings.md). The Unicode ops and `bytes_split` give a `tf.RaggedTensor` (ops/ragged_ops.py's
subset) for a vector of strings."""
from .io.decode_ops import string_to_number as to_number
from .ops.string_format_ops import ngrams
from .ops.string_format_ops import string_format as format  # noqa: A004
from .ops.string_ops import (
    as_string,
    length,
    lower,
    reduce_join,
    regex_full_match,
    regex_replace,
    split,
    strip,
    substr,
    unsorted_segment_join,
    upper,
)
from .ops.string_ops import string_join as join
from .ops.string_ops import string_to_hash_bucket as to_hash_bucket
from .ops.string_ops import string_to_hash_bucket_fast as to_hash_bucket_fast
from .ops.string_ops import string_to_hash_bucket_strong as to_hash_bucket_strong
from .ops.unicode_ops import (
    bytes_split,
    unicode_decode,
    unicode_decode_with_offsets,
    unicode_encode,
    unicode_split,
    unicode_split_with_offsets,
    unicode_transcode,
)

__all__ = ["as_string", "bytes_split", "format", "join", "length", "lower", "ngrams", "reduce_join",
           "regex_full_match", "regex_replace", "split", "strip", "substr", "to_hash_bucket", "to_hash_bucket_fast",
           "to_hash_bucket_strong", "to_number", "unicode_decode", "unicode_decode_with_offsets", "unicode_encode",
           "unicode_split", "unicode_split_with_offsets", "unicode_transcode", "unsorted_segment_join", "upper"]
