"""`tensorflow.python`: TensorFlow's internal package, of which classic programs import only
`tensorflow.python.framework.ops` (for `ops.reset_default_graph()`), `tensorflow.python.client.timeline` and
`tensorflow.python.ops.resources` (tensor_forest's programs); graphgrad has those modules, nothing else."""
