"""`tensorflow.python.framework.dtypes`: its names are graphgrad's `tf.X` (see graphgrad/python/_alias.py)."""
from .._alias import public_names

__getattr__ = public_names(__name__, "dtypes", "")
