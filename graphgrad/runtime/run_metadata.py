"""TensorFlow's RunOptions, RunMetadata and StepStats messages (core/protobuf/config.proto,
core/framework/step_stats.proto), built at import time from their field lists with TF's field numbers, so the
bytes `FileWriter.add_run_metadata` writes are what TensorBoard reads. Fields graphgrad does not fill (memory,
cost graph, debug options) are left out and kept as unknown fields when parsed.

    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    metadata = tf.RunMetadata()
    sess.run(train_op, options=options, run_metadata=metadata)
    writer.add_run_metadata(metadata, "step100")      # TensorBoard's graph: compute time per node
"""
from __future__ import annotations

from tensorboardX.proto import graph_pb2

from ..framework.proto_messages import message_classes

_PACKAGE = "graphgrad.tf.client"

#: message -> [(field name, number, type, repeated)]; a type starting with "." is a message, "enum:" an enum.
_MESSAGES = {
    "NodeExecStats": [("node_name", 1, "string", False), ("all_start_micros", 2, "int64", False),
                      ("op_start_rel_micros", 3, "int64", False), ("op_end_rel_micros", 4, "int64", False),
                      ("all_end_rel_micros", 5, "int64", False), ("timeline_label", 8, "string", False),
                      ("scheduled_micros", 9, "int64", False), ("thread_id", 10, "uint32", False),
                      ("all_start_nanos", 13, "int64", False), ("op_start_rel_nanos", 14, "int64", False),
                      ("op_end_rel_nanos", 15, "int64", False), ("all_end_rel_nanos", 16, "int64", False),
                      ("scheduled_nanos", 17, "int64", False)],
    "DeviceStepStats": [("device", 1, "string", False), ("node_stats", 2, ".NodeExecStats", True)],
    "StepStats": [("dev_stats", 1, ".DeviceStepStats", True)],
    "RunOptions": [("trace_level", 1, "enum:.RunOptions.TraceLevel", False), ("timeout_in_ms", 2, "int64", False),
                   ("inter_op_thread_pool", 3, "int32", False), ("output_partition_graphs", 5, "bool", False),
                   ("report_tensor_allocations_upon_oom", 7, "bool", False)],
    "RunMetadata": [("step_stats", 1, ".StepStats", False),
                    ("partition_graphs", 3, ".tensorboardX.GraphDef", True)],
}
_ENUMS = {"RunOptions": ("TraceLevel", ["NO_TRACE", "SOFTWARE_TRACE", "HARDWARE_TRACE", "FULL_TRACE"])}


_C = message_classes("graphgrad/tf_run_metadata.proto", _PACKAGE, _MESSAGES, [graph_pb2], enums=_ENUMS)
NodeExecStats = _C["NodeExecStats"]
DeviceStepStats = _C["DeviceStepStats"]
StepStats = _C["StepStats"]
RunOptions = _C["RunOptions"]
RunMetadata = _C["RunMetadata"]

#: The device name traced runs report (TF's name of the host CPU in a local session).
CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


def fill_step_stats(run_metadata, records, device=CPU_DEVICE):
    """Add one DeviceStepStats of `records` — (op, start ns, end ns, thread id) per kernel, in run order — to
    `run_metadata.step_stats`, as TF's tracer reports nodes: start in epoch micros and nanos, durations relative
    to it, a `timeline_label` "name = Type(inputs)"."""
    dev = run_metadata.step_stats.dev_stats.add(device=device)
    for op, start, end, thread in records:
        rel = end - start
        inputs = ", ".join(t.op.name if t.value_index == 0 else t.name for t in op.inputs)
        dev.node_stats.add(node_name=op.name, all_start_micros=start // 1000, op_start_rel_micros=0,
                           op_end_rel_micros=rel // 1000, all_end_rel_micros=rel // 1000,
                           timeline_label=f"{op.name} = {op.type}({inputs})", scheduled_micros=start // 1000,
                           thread_id=thread & 0xFFFFFFFF, all_start_nanos=start, op_start_rel_nanos=0,
                           op_end_rel_nanos=rel, all_end_rel_nanos=rel, scheduled_nanos=start)
    return dev
