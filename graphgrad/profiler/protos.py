"""tfprof's messages (tensorflow/core/profiler/tfprof_output.proto and tfprof_log.proto) with TF's field numbers,
so what `profile` returns and `write_op_log` writes are TF's bytes. GraphNodeProto's `tensor_value` (checkpoint
values, a field TF fills only with a checkpoint reader) is left out."""
from __future__ import annotations

from tensorboardX.proto import tensor_shape_pb2

from ..framework.proto_messages import message_classes

_SHAPE = ".tensorboardX.TensorShapeProto"
_NODE_STATS = [("exec_micros", 2, "int64", False), ("requested_bytes", 3, "int64", False),
               ("parameters", 4, "int64", False), ("total_exec_micros", 6, "int64", False),
               ("total_requested_bytes", 7, "int64", False), ("total_parameters", 8, "int64", False)]
_MESSAGES = {
    "GraphNodeProto": [("name", 1, "string", False), *_NODE_STATS, ("devices", 10, "string", True),
                       ("shapes", 11, _SHAPE, True), ("children", 12, ".GraphNodeProto", True),
                       ("float_ops", 13, "int64", False), ("total_float_ops", 14, "int64", False),
                       ("input_shapes", 16, ".GraphNodeProto.InputShapesEntry", True),
                       ("accelerator_exec_micros", 17, "int64", False), ("cpu_exec_micros", 18, "int64", False),
                       ("total_accelerator_exec_micros", 19, "int64", False),
                       ("total_cpu_exec_micros", 20, "int64", False), ("run_count", 21, "int64", False),
                       ("total_run_count", 22, "int64", False), ("total_definition_count", 23, "int64", False),
                       ("peak_bytes", 24, "int64", False), ("residual_bytes", 25, "int64", False),
                       ("output_bytes", 26, "int64", False), ("total_peak_bytes", 27, "int64", False),
                       ("total_residual_bytes", 28, "int64", False), ("total_output_bytes", 29, "int64", False)],
    "GraphNodeProto.InputShapesEntry": [("key", 1, "int32", False), ("value", 2, _SHAPE, False)],
    "MultiGraphNodeProto": [("name", 1, "string", False), *_NODE_STATS, ("float_ops", 5, "int64", False),
                            ("total_float_ops", 9, "int64", False),
                            ("graph_nodes", 10, ".GraphNodeProto", True),
                            ("children", 11, ".MultiGraphNodeProto", True),
                            ("accelerator_exec_micros", 12, "int64", False), ("cpu_exec_micros", 13, "int64", False),
                            ("total_accelerator_exec_micros", 14, "int64", False),
                            ("total_cpu_exec_micros", 15, "int64", False), ("peak_bytes", 16, "int64", False),
                            ("residual_bytes", 17, "int64", False), ("output_bytes", 18, "int64", False),
                            ("total_peak_bytes", 19, "int64", False), ("total_residual_bytes", 20, "int64", False),
                            ("total_output_bytes", 21, "int64", False)],
    "AdviceProto": [("checkers", 1, ".AdviceProto.CheckersEntry", True)],
    "AdviceProto.CheckersEntry": [("key", 1, "string", False), ("value", 2, ".AdviceProto.Checker", False)],
    "AdviceProto.Checker": [("reports", 2, "string", True)],
    "CodeDef": [("traces", 1, ".CodeDef.Trace", True)],
    "CodeDef.Trace": [("lineno", 2, "int32", False), ("func_start_line", 5, "int32", False),
                      ("file_id", 6, "int64", False), ("function_id", 7, "int64", False),
                      ("line_id", 8, "int64", False)],
    "OpLogEntry": [("name", 1, "string", False), ("float_ops", 2, "int64", False), ("types", 3, "string", True),
                   ("code_def", 4, ".CodeDef", False)],
    "OpLogProto": [("log_entries", 1, ".OpLogEntry", True), ("id_to_string", 2, ".OpLogProto.IdToStringEntry", True)],
    "OpLogProto.IdToStringEntry": [("key", 1, "int64", False), ("value", 2, "string", False)],
}

_C = message_classes("graphgrad/tfprof.proto", "graphgrad.tfprof", _MESSAGES, [tensor_shape_pb2])
GraphNodeProto = _C["GraphNodeProto"]
MultiGraphNodeProto = _C["MultiGraphNodeProto"]
AdviceProto = _C["AdviceProto"]
CodeDef = _C["CodeDef"]
OpLogEntry = _C["OpLogEntry"]
OpLogProto = _C["OpLogProto"]
