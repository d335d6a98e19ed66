"""What tfprof knows of each graph node (TF's TFGraphNode, core/profiler/internal/tfprof_node.h): its op types,
the shape of a variable or placeholder (its parameters), its outputs' shapes, its float operations, and per
traced step the runs, times and bytes that RunMetadata's step stats report."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..framework.graph import tf_type

#: Op types whose NodeDef has TF's `shape` attribute: their shape is the node's, and counts as its parameters.
_SHAPE_ATTR_TYPES = {"VariableV2", "Variable", "VarHandleOp", "Placeholder", "PlaceholderWithDefault"}
_CPU_OR_GPU = re.compile(r".*/(device:gpu|gpu|device:cpu|cpu):\d+")


def shape_vec(shape):
    """TF's ShapeProtoToVec of a TensorShape: [] for an unknown rank, [1] for a scalar, -1 for unknown dims."""
    dims = shape.dims_tuple if hasattr(shape, "dims_tuple") else shape
    if dims is None:
        return []
    return [-1 if d is None else int(d) for d in dims] or [1]


@dataclass
class ExecStep:
    """One traced step of a node: (start, micros) per device kind, runs, and what its outputs hold."""
    cpu_execs: list = field(default_factory=list)
    accelerator_execs: list = field(default_factory=list)
    run_count: int = 0
    memory: list = field(default_factory=list)  # (requested, peak, residual, output) bytes per run

    def bytes(self, i):
        return sum(m[i] for m in self.memory)


class GraphNode:
    """One op of the profiled graph (or a node only the run metadata names), as tfprof accounts it."""

    def __init__(self, name, op_type, shape=(), output_shapes=None, inputs=()):
        self.name, self.op = name, op_type
        self.op_types = {op_type}
        self.shape = list(shape)
        self.output_shapes = output_shapes or {}
        self.inputs = list(inputs)  # source node name per input, control inputs last
        self.src_output = {}  # source node name -> its output index (the last input from it wins, as in TF)
        self.float_ops_static = 0
        self.canonical_device = ""
        self.execs = {}

    @classmethod
    def of_op(cls, op):
        inputs = [t.op.name for t in op.inputs] + [c.name for c in op.control_inputs]
        node = cls(op.name, tf_type(op), shape_vec(op.attrs["shape"]) if op.type in _SHAPE_ATTR_TYPES and
                   op.attrs.get("shape") is not None else (),
                   {i: shape_vec(t.shape) for i, t in enumerate(op.outputs)}, inputs)
        for t in op.inputs:
            node.src_output[t.op.name] = t.value_index
        for c in op.control_inputs:
            node.src_output[c.name] = 0
        return node

    def parameters(self):
        return 0 if not self.shape or min(self.shape) < 0 else math.prod(self.shape)

    def input_shapes(self, nodes):
        out = {}
        for i, src in enumerate(self.inputs):
            source = nodes.get(src)
            out[i] = list(source.output_shapes.get(self.src_output.get(src, 0), [])) if source else []
        return out

    def add_step_stat(self, step, device, stat):
        """TF's TFGraphNode::AddStepStat: time on the node's canonical device (CPU or GPU), bytes of its outputs."""
        dev = device.lower()
        if _CPU_OR_GPU.fullmatch(dev):
            if self.canonical_device and self.canonical_device != dev:
                return
            if not self.canonical_device:
                self.canonical_device = dev
                self.op_types.add(dev)
        ex = self.execs.setdefault(step, ExecStep())
        if stat.all_start_micros > 0:
            pair = (stat.all_start_micros, stat.op_end_rel_micros or 1)  # a quick op counts as 1 micro
            if "stream:all" in dev:
                ex.accelerator_execs.append(pair)
            elif _CPU_OR_GPU.fullmatch(dev):
                ex.cpu_execs.append(pair)
                ex.run_count += 1
        if dev == self.canonical_device and stat.all_start_micros > 0:
            ex.memory.append(_memory(stat))

    def _per_step(self, step, value):
        if not self.execs:
            return 0
        if step >= 0:
            return value(self.execs[step]) if step in self.execs else 0
        return sum(value(e) for e in self.execs.values()) // len(self.execs)

    def run_count(self, step):
        return self._per_step(step, lambda e: e.run_count)

    def accelerator_exec_micros(self, step):
        return self._per_step(step, lambda e: sum(m for _, m in e.accelerator_execs))

    def cpu_exec_micros(self, step):
        return self._per_step(step, lambda e: sum(m for _, m in e.cpu_execs))

    def exec_micros(self, step):
        return self.accelerator_exec_micros(step) + self.cpu_exec_micros(step)

    def memory_bytes(self, step, kind):
        """requested (0), peak (1), residual (2) or output (3) bytes of the step, or their mean over steps."""
        return self._per_step(step, lambda e: e.bytes(kind))

    def float_ops(self, step):
        return self.float_ops_static if not self.execs else self.float_ops_static * self.run_count(step)


def _memory(stat):
    """(requested, peak, residual, output) bytes of one NodeExecStats, as TF's ExecStep::AddMemoryStats sums them."""
    output = 0
    for out in stat.output:
        alloc = out.tensor_description.allocation_description
        output += max(alloc.allocated_bytes, alloc.requested_bytes)
    requested = sum(m.total_bytes for m in stat.memory)
    peak = sum(m.peak_bytes for m in stat.memory)
    residual = sum(m.live_bytes for m in stat.memory)
    return requested, peak, residual, output

