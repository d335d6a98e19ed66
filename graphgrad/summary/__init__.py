"""`tf.summary`: summary ops and the FileWriter that logs them for TensorBoard.

    tf.summary.scalar("curr_f", f)
    summaries = tf.summary.merge_all()
    writer = tf.summary.FileWriter("logs/1", s.graph)
    writer.add_summary(s.run(summaries), step)
"""
from .descriptions import SummaryDescription, all_v2_summary_ops, get_summary_description, initialize
from .graph_def import graph_to_graph_def
from .summary_ops import (
    Summary,
    audio,
    histogram,
    image,
    merge,
    merge_all,
    scalar,
    tensor_summary,
    text,
)
from .writer import Event, FileWriter, FileWriterCache, SessionLog, TaggedRunMetadata

__all__ = ["Event", "FileWriter", "FileWriterCache", "SessionLog", "Summary", "TaggedRunMetadata", "audio",
           "graph_to_graph_def", "histogram", "image", "merge", "merge_all", "scalar", "tensor_summary", "text",
           "SummaryDescription", "get_summary_description", "all_v2_summary_ops", "initialize"]
