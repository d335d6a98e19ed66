"""`tf.ragged`: TF1's namespace of ragged-tensor functions over graphgrad's RaggedTensor, which has one ragged
dimension (ragged_rank 1; docs/tf-misc.md): constant / constant_value / placeholder / range
(ops/ragged_factory_ops.py) and the functions composed of graph ops (ops/ragged_array_ops.py)."""
from .ops.ragged_array_ops import (
    boolean_mask,
    cross,
    cross_hashed,
    map_flat_values,
    row_splits_to_segment_ids,
    segment_ids_to_row_splits,
    stack,
    stack_dynamic_partitions,
)
from .ops.ragged_factory_ops import constant, constant_value, placeholder, range  # noqa: A004
from .ops.ragged_ops import RaggedTensorValue

__all__ = ["RaggedTensorValue", "boolean_mask", "constant", "constant_value", "cross", "cross_hashed",
           "map_flat_values", "placeholder", "range", "row_splits_to_segment_ids", "segment_ids_to_row_splits",
           "stack", "stack_dynamic_partitions"]
