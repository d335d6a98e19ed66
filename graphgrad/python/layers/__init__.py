"""`tensorflow.python.layers`: `base` (tf.layers.Layer) and `utils` (smart_cond, ...), as TF1 custom layers import
them."""
