"""`tf.map_fn`, `tf.scan`, `tf.foldl`, `tf.foldr`: TF1's functional ops, built as TF1 builds them, from
tf.while_loop and TensorArrays, so they run as one While op and have gradients."""
from __future__ import annotations

__all__ = []
