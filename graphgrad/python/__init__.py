"""`tensorflow.python`: TensorFlow's internal package, of which classic programs import only
`tensorflow.python.framework.ops` (for `ops.reset_default_graph()`); graphgrad has that module, nothing else."""
