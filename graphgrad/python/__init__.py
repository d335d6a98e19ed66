"""`tensorflow.python`: TensorFlow's internal package, which programs import from in three ways: classic programs
use `framework.ops` (`ops.reset_default_graph()`), `client.timeline` and `ops.resources` (tensor_forest's
programs); code copied from TF's own sources (SELU's `dropout_selu`, custom layers) imports `framework.tensor_shape`,
`framework.tensor_util`, `ops.math_ops`, `ops.array_ops`, `ops.random_ops`, ... and `layers.utils`. Those modules
hold graphgrad's public functions under the same names (graphgrad/python/_alias.py); TF's private helpers are not
there."""
