"""`tensorflow.python.ops`: `resources` (the registry of session resources such as tensor_forest's trees) and the
op modules whose functions are the public `tf.X` (`math_ops`, `array_ops`, `random_ops`, `nn_ops`, ...)."""
