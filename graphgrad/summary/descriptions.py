"""TF1's remaining `tf.summary` names: `SummaryDescription` (the protobuf message), `get_summary_description`
(the description of a legacy `TensorSummary` NodeDef, JSON in its `description` attr), and the bridge to
`tf.contrib.summary`'s writers: `all_v2_summary_ops()` (the summary ops those writers run in this graph) and
`initialize(graph=None, session=None)` (graph mode: the default writer is ready; `graph` goes to it at step 0)."""
from __future__ import annotations

from tensorboardX.proto import summary_pb2

SummaryDescription = summary_pb2.SummaryDescription

__all__ = ["SummaryDescription", "get_summary_description", "all_v2_summary_ops", "initialize"]


def get_summary_description(node_def):
    """The SummaryDescription of a `TensorSummary` node; TF's ValueError for any other op (TF 2's
    `tensor_summary` makes `TensorSummaryV2` nodes, which have none)."""
    from google.protobuf import json_format

    op = node_def.op if hasattr(node_def, "op") else node_def["op"]
    if op != "TensorSummary":
        raise ValueError(f"Can't get_summary_description on {op}")
    description = node_def.attr["description"].s
    return json_format.Parse(description.decode() if isinstance(description, bytes) else description,
                             SummaryDescription())


def all_v2_summary_ops():
    """The `tf.contrib.summary` ops of the default graph (not tf.summary's v1 ops); None executing eagerly."""
    from ..contrib import summary as contrib_summary
    from ..eager import executing_eagerly

    return None if executing_eagerly() else contrib_summary.all_summary_ops()


def initialize(graph=None, session=None):
    """Ready the thread's default `tf.contrib.summary` writer for graph mode and write `graph` (a Graph or a
    GraphDef) to it; TF's RuntimeError without a default writer, ValueError without a session. A no-op eagerly."""
    from ..contrib import summary as contrib_summary
    from ..eager import executing_eagerly
    from ..runtime.session import get_default_session

    if executing_eagerly():
        return
    writer = contrib_summary._writer()
    if writer is None:
        raise RuntimeError("No default tf.contrib.summary.SummaryWriter found")
    if session is None and get_default_session() is None:
        raise ValueError("Argument `session must be passed if no default session exists")
    writer.init()
    if graph is not None:
        writer._writer.add_graph(graph, global_step=0)
