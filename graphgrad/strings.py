"""`tf.strings`: TF 1.15's string ops under their short names (`tf.strings.split`, `join`, `to_number`, ...).
The ops are ops/string_ops.py's; the top-level TF1 aliases (`tf.string_split`, `tf.substr`, ...) are the same
functions (docs/strings.md)."""
from .io.decode_ops import string_to_number as to_number
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

__all__ = ["as_string", "join", "length", "lower", "reduce_join", "regex_full_match", "regex_replace", "split",
           "strip", "substr", "to_hash_bucket", "to_hash_bucket_fast", "to_hash_bucket_strong", "to_number",
           "unsorted_segment_join", "upper"]
