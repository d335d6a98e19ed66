"""`tf.contrib.feature_column`: TF 1.x's sequence feature columns and `sequence_input_layer`
(graphgrad/sequence_feature_column.py)."""
from ..sequence_feature_column import (  # noqa: F401
    concatenate_context_input,
    sequence_categorical_column_with_hash_bucket,
    sequence_categorical_column_with_identity,
    sequence_categorical_column_with_vocabulary_file,
    sequence_categorical_column_with_vocabulary_list,
    sequence_input_layer,
    sequence_numeric_column,
)

__all__ = ["concatenate_context_input", "sequence_categorical_column_with_hash_bucket",
           "sequence_categorical_column_with_identity", "sequence_categorical_column_with_vocabulary_file",
           "sequence_categorical_column_with_vocabulary_list", "sequence_input_layer", "sequence_numeric_column"]
