"""`tensorflow.python.framework`: `ops`, `tensor_shape`, `tensor_util`, `dtypes`, `constant_op` (see
graphgrad/python/__init__.py)."""
