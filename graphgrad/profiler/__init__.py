"""`tf.profiler` (tfprof): parameter and float-operation counts of a graph, and time and memory of traced runs,
per name scope or per op type, printed as TensorFlow 1.x prints them and returned as TF's protos
(docs/profiler.md)."""
from .model_analyzer import Profiler, advise, profile, write_op_log
from .option_builder import ProfileOptionBuilder
from .protos import AdviceProto, GraphNodeProto, MultiGraphNodeProto, OpLogProto

__all__ = ["AdviceProto", "GraphNodeProto", "MultiGraphNodeProto", "OpLogProto", "ProfileOptionBuilder", "Profiler",
           "advise", "profile", "write_op_log"]
