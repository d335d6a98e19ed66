"""`tensorflow.python.framework.tensor_util`: `constant_value` (a tensor's value when graph building can know it);
other names as `tf.X` (`is_tensor`, `make_tensor_proto`, ...)."""
from ...ops.array_ops import get_static_value as constant_value
from .._alias import public_names

__all__ = ["constant_value"]

__getattr__ = public_names(__name__, "")
