"""`tensorflow.python.ops.lookup_ops`: its names are graphgrad's `tf.lookup` and `tf.contrib.lookup` ones (see
graphgrad/python/_alias.py)."""
from .._alias import public_names

__getattr__ = public_names(__name__, "lookup", "contrib.lookup", "")
