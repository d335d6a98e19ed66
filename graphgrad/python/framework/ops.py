"""`from tensorflow.python.framework import ops`, as TF1 notebooks write it to call `ops.reset_default_graph()`:
the graph-building names of that internal module, the same objects as `tf.X`."""
from ... import (  # noqa: F401
    Graph,
    GraphKeys,
    Operation,
    Tensor,
    add_to_collection,
    add_to_collections,
    control_dependencies,
    convert_to_tensor,
    device,
    get_collection,
    get_default_graph,
    name_scope,
    reset_default_graph,
)

__all__ = ["Graph", "GraphKeys", "Operation", "Tensor", "add_to_collection", "add_to_collections",
           "control_dependencies", "convert_to_tensor", "device", "get_collection", "get_default_graph",
           "name_scope", "reset_default_graph"]
from ...framework.op_stats import OpStats, RegisterStatistics, get_stats_for_node_def  # noqa: E402,F401

__all__ += ["OpStats", "RegisterStatistics", "get_stats_for_node_def"]
