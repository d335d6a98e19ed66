"""`tensorflow.python.layers.base`: `Layer` and `InputSpec` as `tf.layers` has them."""
from .._alias import public_names

__getattr__ = public_names(__name__, "layers")
