"""`tensorflow.python.ops`: only `resources` (the registry of session resources such as tensor_forest's trees)."""
