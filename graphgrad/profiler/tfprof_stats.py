"""What tfprof gathers before it shows anything (TF's tfprof_logger.py and TFStats): per op its flops from the
statistics registry and the `_trainable_variables` type (an OpLogProto), merged with a caller's op log; then
the graph's nodes with those facts and the step stats of each traced step added."""
from __future__ import annotations

import sys

from ..framework.graph import GraphKeys
from ..framework.op_stats import get_stats_for_node_def
from ..framework.tensor_shape import TensorShape
from . import flops_registry  # noqa: F401 (registers TF's flops statistics)
from .option_builder import TRAINABLE_VARIABLES
from .protos import OpLogEntry, OpLogProto
from .tfprof_node import GraphNode


class _RunShapes:
    """The graph as statistics functions see it with a run's shapes: a tensor whose static shape is not fully
    known takes the shape the run reported (TF sets it on the graph for good; graphgrad leaves the graph as is)."""

    def __init__(self, graph, shapes):
        self._graph, self._shapes = graph, shapes

    def __getattr__(self, name):
        return getattr(self._graph, name)

    def get_tensor_by_name(self, name):
        t = self._graph.get_tensor_by_name(name)
        return _ShapedTensor(t, self._shapes[t]) if t in self._shapes else t


class _ShapedTensor:
    def __init__(self, tensor, shape):
        self._tensor, self.shape = tensor, shape

    def __getattr__(self, name):
        return getattr(self._tensor, name)

    def get_shape(self):
        return self.shape


def _run_shapes(graph, run_meta, shapes):
    """Add to `shapes` {tensor: static shape merged with the run's} for outputs not fully defined in the graph
    that it does not hold yet."""
    for dev in run_meta.step_stats.dev_stats:
        for stat in dev.node_stats:
            if not stat.output:
                continue
            try:
                op = graph.get_operation_by_name(stat.node_name)
            except KeyError:
                continue
            if len(stat.output) != len(op.outputs):
                continue
            for i, out in enumerate(stat.output):
                t = op.outputs[i]
                if t.get_shape().is_fully_defined() or t in shapes:
                    continue
                try:
                    shapes[t] = t.get_shape().merge_with(TensorShape([d.size for d in
                                                                      out.tensor_description.shape.dim]))
                except ValueError as e:
                    sys.stderr.write(f"Node {stat.node_name} incompatible shapes: {e}.\n")
    return shapes


def logged_ops(graph, run_meta=None, run_shapes=None):
    """{op name: OpLogEntry} with each op's flops and the trainable variables' type (TF's _get_logged_ops);
    writes TF's "N ops no flops stats due to incomplete shapes." to stderr when shapes are missing.
    `run_shapes` keeps the shapes runs reported across calls."""
    run_shapes = {} if run_shapes is None else run_shapes
    if run_meta:
        _run_shapes(graph, run_meta, run_shapes)
    stats_graph = _RunShapes(graph, run_shapes) if run_shapes else graph
    entries, missing = {}, 0
    for op in graph.get_operations():
        try:
            stats = get_stats_for_node_def(stats_graph, op.node_def, "flops")
        except ValueError:
            missing += 1
            stats = None
        if stats is not None and stats.value:
            entries[op.name] = OpLogEntry(name=op.name, float_ops=int(stats.value))
    for v in graph.get_collection(GraphKeys.TRAINABLE_VARIABLES):
        entries.setdefault(v.op.name, OpLogEntry(name=v.op.name)).types.append(TRAINABLE_VARIABLES)
    if missing and not run_meta:
        sys.stderr.write(f"{missing} ops no flops stats due to incomplete shapes.\n")
    return entries


def merge_default_with_oplog(graph, op_log=None, run_meta=None, run_shapes=None):
    """The OpLogProto tfprof uses: `op_log`'s entries, with the graph's flops (where the entry has none) and
    types added (TF's tfprof_logger.merge_default_with_oplog)."""
    logged = logged_ops(graph, run_meta, run_shapes)
    merged = OpLogProto()
    if not op_log:
        merged.log_entries.extend(logged.values())
        return merged
    all_ops = {e.name: e for e in op_log.log_entries}
    for name, entry in logged.items():
        if name in all_ops:
            all_ops[name].types.extend(entry.types)
            if entry.float_ops > 0 and all_ops[name].float_ops == 0:
                all_ops[name].float_ops = entry.float_ops
        else:
            all_ops[name] = entry
    merged.log_entries.extend(all_ops.values())
    merged.id_to_string.update(op_log.id_to_string)
    return merged


class Stats:
    """The profiled graph's nodes (TF's TFStats), with op logs and traced steps added."""

    def __init__(self, graph):
        self.nodes, self.steps = {}, set()
        self.add_graph(graph)

    def add_graph(self, graph):
        for op in graph.get_operations():
            if op.name not in self.nodes:
                self.nodes[op.name] = GraphNode.of_op(op)

    def add_op_log(self, op_log):
        for entry in op_log.log_entries:
            node = self.nodes.get(entry.name)
            if node is None:
                continue
            node.op_types.update(entry.types)
            if entry.float_ops:
                node.float_ops_static = entry.float_ops

    def add_run_meta(self, step, run_meta):
        self.steps.add(step)
        for dev in run_meta.step_stats.dev_stats:
            for stat in dev.node_stats:
                name = stat.node_name.split(":")[0]
                node = self.nodes.get(name)
                if node is None:
                    if name in ("RecvTensor", "_SOURCE") or "MEMCPY" in name:
                        continue
                    node = self.nodes[name] = GraphNode(name, name)
                node.add_step_stat(step, dev.device, stat)
