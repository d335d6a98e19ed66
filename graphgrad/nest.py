"""`tf.nest`: TF's five public functions on nested structures (flatten, pack_sequence_as, map_structure,
assert_same_structure, is_nested), the same code graphgrad's control flow and RNNs use (graphgrad/ops/nest.py)."""
from .ops.nest import assert_same_structure, flatten, is_nested, map_structure, pack_sequence_as

__all__ = ["assert_same_structure", "flatten", "is_nested", "map_structure", "pack_sequence_as"]
