"""`tensorflow.python.client.timeline`: a traced run's step stats as a Chrome trace (open the JSON in
chrome://tracing or https://ui.perfetto.dev) — one row per device and thread, one box per op run.

    from graphgrad.python.client import timeline
    trace = timeline.Timeline(run_metadata.step_stats).generate_chrome_trace_format()
    open("timeline.json", "w").write(trace)
"""
from __future__ import annotations

import json
import re

__all__ = ["Timeline"]

_LABEL = re.compile(r"^(?P<name>[^=]+) = (?P<op>[^(]+)\((?P<inputs>.*)\)$")


class Timeline:
    """The step stats of a traced `Session.run` (`run_metadata.step_stats`) as Chrome's trace event format."""

    def __init__(self, step_stats, graph=None):
        self._step_stats = step_stats
        self._graph = graph

    def generate_chrome_trace_format(self, show_dataflow=True, show_memory=False):
        """The trace as a JSON string: per device a process ("<device> Compute"), per thread id a row, per node
        an "X" (complete) event named by its op type, with the node's name, op and inputs as args."""
        events = []
        for pid, dev in enumerate(self._step_stats.dev_stats):
            events.append({"name": "process_name", "ph": "M", "pid": pid, "args": {"name": f"{dev.device} Compute"}})
            events.append({"name": "process_sort_index", "ph": "M", "pid": pid, "args": {"sort_index": pid}})
            for ns in dev.node_stats:
                m = _LABEL.match(ns.timeline_label)
                op = m.group("op") if m else ns.node_name
                args = {"name": ns.node_name, "op": op}
                if m and m.group("inputs"):
                    args.update({f"input{i}": name for i, name in enumerate(m.group("inputs").split(", "))})
                start = ns.all_start_micros + ns.op_start_rel_micros
                events.append({"ph": "X", "cat": "Op", "name": op, "pid": pid, "tid": ns.thread_id, "ts": start,
                               "dur": max(ns.op_end_rel_micros - ns.op_start_rel_micros, 0), "args": args})
        return json.dumps({"traceEvents": events}, separators=(",", ":"))
