"""TensorFlow's RunOptions, RunMetadata and StepStats messages (core/protobuf/config.proto,
core/framework/step_stats.proto), built at import time from their field lists with TF's field numbers, so the
bytes `FileWriter.add_run_metadata` writes are what TensorBoard reads. Each traced node reports its outputs (dtype,
shape, bytes) and the bytes of the outputs it allocated, which tf.profiler reads; fields graphgrad does not fill
(memory stats, cost graph, debug options) are left out and kept as unknown fields when parsed.

    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    metadata = tf.RunMetadata()
    sess.run(train_op, options=options, run_metadata=metadata)
    writer.add_run_metadata(metadata, "step100")      # TensorBoard's graph: compute time per node
"""
from __future__ import annotations

import numpy as np
from tensorboardX.proto import graph_pb2, tensor_shape_pb2, types_pb2

from ..framework.dtypes import datatype_enum
from ..framework.proto_messages import message_classes

_PACKAGE = "graphgrad.tf.client"

#: message -> [(field name, number, type, repeated)]; a type starting with "." is a message, "enum:" an enum.
_MESSAGES = {
    "AllocationDescription": [("requested_bytes", 1, "int64", False), ("allocated_bytes", 2, "int64", False),
                              ("allocator_name", 3, "string", False), ("allocation_id", 4, "int64", False),
                              ("has_single_reference", 5, "bool", False), ("ptr", 6, "uint64", False)],
    "TensorDescription": [("dtype", 1, "enum:.tensorboardX.DataType", False),
                          ("shape", 2, ".tensorboardX.TensorShapeProto", False),
                          ("allocation_description", 4, ".AllocationDescription", False)],
    "NodeOutput": [("slot", 1, "int32", False), ("tensor_description", 3, ".TensorDescription", False)],
    "AllocatorMemoryUsed": [("allocator_name", 1, "string", False), ("total_bytes", 2, "int64", False),
                            ("peak_bytes", 3, "int64", False), ("live_bytes", 4, "int64", False),
                            ("allocator_bytes_in_use", 5, "int64", False)],
    "NodeExecStats": [("node_name", 1, "string", False), ("all_start_micros", 2, "int64", False),
                      ("op_start_rel_micros", 3, "int64", False), ("op_end_rel_micros", 4, "int64", False),
                      ("all_end_rel_micros", 5, "int64", False), ("memory", 6, ".AllocatorMemoryUsed", True),
                      ("output", 7, ".NodeOutput", True), ("timeline_label", 8, "string", False),
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
    # ConfigProto's graph_options (a Session keeps them; graphgrad's plan compiler has switches of its own);
    # the two enums (L0 = -1) are int32 fields, the same bytes
    "OptimizerOptions": [("do_common_subexpression_elimination", 1, "bool", False),
                         ("do_constant_folding", 2, "bool", False), ("opt_level", 3, "int32", False),
                         ("do_function_inlining", 4, "bool", False), ("global_jit_level", 5, "int32", False),
                         ("max_folded_constant_in_bytes", 6, "int64", False), ("cpu_global_jit", 7, "bool", False)],
    "GraphOptions": [("enable_recv_scheduling", 2, "bool", False), ("optimizer_options", 3, ".OptimizerOptions", False),
                     ("build_cost_model", 4, "int64", False), ("infer_shapes", 5, "bool", False),
                     ("place_pruned_graph", 6, "bool", False), ("enable_bfloat16_sendrecv", 7, "bool", False),
                     ("timeline_step", 8, "int32", False), ("build_cost_model_after", 9, "int64", False),
                     ("rewrite_options", 10, ".RewriterConfig", False)],
    # Grappler's switches (rewriter_config.proto numbers; kept, as graphgrad's plan passes have their own)
    "RewriterConfig": [(name, number, "enum:.RewriterConfig.Toggle", False) for name, number in (
        ("layout_optimizer", 1), ("constant_folding", 3), ("arithmetic_optimization", 7),
        ("dependency_optimization", 8), ("loop_optimization", 9), ("function_optimization", 10),
        ("debug_stripper", 11), ("shape_optimization", 13), ("remapping", 14))] + [
        ("disable_model_pruning", 2, "bool", False)],
}
_ENUMS = {"RunOptions": ("TraceLevel", ["NO_TRACE", "SOFTWARE_TRACE", "HARDWARE_TRACE", "FULL_TRACE"]),
          "RewriterConfig": ("Toggle", ["DEFAULT", "ON", "OFF", "AGGRESSIVE", "EXPERIMENTAL_MLIR",
                                        "EXPERIMENTAL_BOTH"])}


_C = message_classes("graphgrad/tf_run_metadata.proto", _PACKAGE, _MESSAGES, [graph_pb2, tensor_shape_pb2, types_pb2],
                     enums=_ENUMS)
NodeExecStats = _C["NodeExecStats"]
DeviceStepStats = _C["DeviceStepStats"]
StepStats = _C["StepStats"]
RunOptions = _C["RunOptions"]
RunMetadata = _C["RunMetadata"]
GraphOptions = _C["GraphOptions"]
OptimizerOptions = _C["OptimizerOptions"]
RewriterConfig = _C["RewriterConfig"]

#: The device name traced runs report (TF's name of the host CPU in a local session).
CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


def fill_step_stats(run_metadata, records, device=CPU_DEVICE):
    """Add one DeviceStepStats of `records` — (op, start ns, end ns, thread id, what its kernel returned) per
    kernel, in run order — to `run_metadata.step_stats`, as TF's tracer reports nodes: start in epoch micros and
    nanos, durations relative to it, a `timeline_label` "name = Type(inputs)", each output's dtype, shape and
    bytes, and the bytes of the outputs the kernel allocated (arrays owning their memory) as allocator "cpu"'s."""
    dev = run_metadata.step_stats.dev_stats.add(device=device)
    for op, start, end, thread, returned in records:
        rel = end - start
        inputs = ", ".join(t.op.name if t.value_index == 0 else t.name for t in op.inputs)
        node = dev.node_stats.add(node_name=op.name, all_start_micros=start // 1000, op_start_rel_micros=0,
                                  op_end_rel_micros=rel // 1000, all_end_rel_micros=rel // 1000,
                                  timeline_label=f"{op.name} = {op.type}({inputs})", scheduled_micros=start // 1000,
                                  thread_id=thread & 0xFFFFFFFF, all_start_nanos=start, op_start_rel_nanos=0,
                                  op_end_rel_nanos=rel, all_end_rel_nanos=rel, scheduled_nanos=start)
        _describe_outputs(node, op, returned)
    return dev


def _describe_outputs(node, op, returned):
    values = [returned] if len(op.outputs) == 1 else (list(returned) if isinstance(returned, (tuple, list)) else [])
    allocated = 0
    for slot, (t, v) in enumerate(zip(op.outputs, values)):
        if not hasattr(v, "nbytes") or not hasattr(v, "shape"):
            continue
        owns = bool(getattr(getattr(v, "flags", None), "owndata", False))
        allocated += v.nbytes if owns else 0
        desc = node.output.add(slot=slot).tensor_description
        desc.dtype = datatype_enum(t.dtype.base_dtype)
        desc.shape.dim.extend(tensor_shape_pb2.TensorShapeProto.Dim(size=int(d)) for d in np.shape(v))
        desc.allocation_description.requested_bytes = v.nbytes
        desc.allocation_description.allocated_bytes = v.nbytes if owns else 0
        desc.allocation_description.allocator_name = "cpu"
    if allocated:
        node.memory.add(allocator_name="cpu", total_bytes=allocated, peak_bytes=allocated, live_bytes=allocated)
