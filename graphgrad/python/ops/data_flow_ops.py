"""`tensorflow.python.ops.data_flow_ops`: its names are graphgrad's public ones (see graphgrad/python/_alias.py)."""
from .._alias import public_names

__getattr__ = public_names(__name__, "")
