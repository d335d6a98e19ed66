"""`tensorflow.python.framework`: only `ops` (see graphgrad/python/__init__.py)."""
