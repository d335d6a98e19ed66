"""`tf.profiler.profile`, `Profiler`, `advise` and `write_op_log` (TF's model_analyzer.py, tfprof_logger.py and
the C++ that prints): options read as TF reads them, the "Options" block and report TF prints, the report
written to stdout, a file or nowhere, and the proto returned."""
from __future__ import annotations

import os
import sys

from ..framework import errors
from ..framework.graph import get_default_graph
from .option_builder import ProfileOptionBuilder
from .protos import GraphNodeProto, MultiGraphNodeProto
from .tfprof_stats import Stats, merge_default_with_oplog
from .views import OpView, ScopeView

_DEFAULT_PROFILE_OPTIONS = 0
_DEFAULTS = {"max_depth": 10, "min_bytes": 0, "min_peak_bytes": 0, "min_residual_bytes": 0, "min_output_bytes": 0,
             "min_micros": 0, "min_accelerator_micros": 0, "min_cpu_micros": 0, "min_params": 0,
             "min_float_ops": 0, "min_occurrence": 0, "step": -1, "order_by": "name", "account_type_regexes": [],
             "start_name_regexes": [], "trim_name_regexes": [], "show_name_regexes": [], "hide_name_regexes": [],
             "account_displayed_op_only": False, "select": [], "output": "stdout", "dump_to_file": ""}
_OUTPUT_TYPES = ("timeline", "stdout", "file", "pprof", "none")
_DOCS = {"scope": "scope: The nodes in the model graph are organized by their names, which is hierarchical like "
                  "filesystem.",
         "op": "op: The nodes are operation kernel type, such as MatMul, Conv2D. Graph nodes belonging to the same "
               "type are aggregated together.",
         "code": "code: When python trace is available, the nodes are python lines and their are organized by the "
                 "python call stack."}
_SELECT_DOCS = {
    "bytes": "requested bytes: The memory requested by the operation, accumulatively.",
    "micros": "total execution time: Sum of accelerator execution time and cpu execution time.\ncpu execution "
              "time: The time from the start to the end of the operation. It's the sum of actual cpu run time "
              "plus the time that it spends waiting if part of computation is launched asynchronously.\n"
              "accelerator execution time: Time spent executing on the accelerator. This is normally measured "
              "by the actual hardware library.",
    "params": "param: Number of parameters (in the Variable).",
    "float_ops": "flops: Number of float operations. Note: Please read the implementation for the math behind it.",
    "tensor_value": "tensor_value: Not supported now.",
    "device": "device: which device is placed on.",
    "op_types": "op_types: The attributes of the operation, includes the Kernel name device placed on and "
                "user-defined strings.",
    "occurrence": "occurrence: The number of times it occurs",
    "input_shapes": "input shape: The shape of input tensors",
    "accelerator_micros": "accelerator execution time: Time spent executing on the accelerator. This is normally "
                          "measured by the actual hardware library.",
    "cpu_micros": "cpu execution time: The time from the start to the end of the operation. It's the sum of "
                  "actual cpu run time plus the time that it spends waiting if part of computation is launched "
                  "asynchronously.",
    "peak_bytes": "peak bytes: The peak amount of memory that the operation is holding at some point.",
    "residual_bytes": "residual bytes: The memory not de-allocated after the operation finishes.",
    "output_bytes": "output bytes: The memory that is output from the operation (not necessarilty allocated by "
                    "the operation)"}
_NUMBERS = ["max_depth", "min_bytes", "min_peak_bytes", "min_residual_bytes", "min_output_bytes", "min_micros",
            "min_accelerator_micros", "min_cpu_micros", "min_params", "min_float_ops", "min_occurrence", "step"]
_LISTS = ["account_type_regexes", "start_name_regexes", "trim_name_regexes", "show_name_regexes",
          "hide_name_regexes"]


class _Options(dict):
    """The options as tfprof's C++ reads them: TF's defaults for what is missing, `output` split into its type
    and `key=value` options (an error as TF words it when they are wrong)."""

    def __init__(self, options):
        super().__init__({k: options.get(k, v) for k, v in _DEFAULTS.items()})
        self["select"] = sorted(set(self["select"]))
        out = self["output"] or "stdout"
        kind, _, rest = out.partition(":")
        if kind not in _OUTPUT_TYPES:
            raise ValueError(f"E.g. Unknown output type: {kind}, Valid types: {','.join(sorted(_OUTPUT_TYPES))}\n")
        values = dict(kv.split("=", 1) for kv in rest.split(",") if kv) if ":" in out else {}
        if any(len(kv.split("=")) < 2 for kv in rest.split(",") if kv):
            raise ValueError("Visualize format: -output timeline:key=value,key=value,...")
        for key in values:
            if kind in ("stdout", "none") or key != "outfile":
                raise ValueError(f"Unrecognized options {key} for output_type: {kind}\n")
        if kind in ("timeline", "file", "pprof") and "outfile" not in values:
            raise ValueError(f"Missing required output_options for {kind}\nE.g. -output {kind}:outfile=...\n")
        if self["dump_to_file"]:
            sys.stderr.write("-dump_to_file option is deprecated. Please use -output file:outfile=<filename>\n")
            sys.stderr.write(f"-output {out} is overwritten with -output file:outfile={self['dump_to_file']}\n")
            kind, values = "file", {"outfile": self["dump_to_file"]}
        self.output_type, self.output_options = kind, values

    def __str__(self):
        rows = [(f"-{k}", self[k]) for k in _NUMBERS] + [("-order_by", self["order_by"])]
        rows += [(f"-{k}", ",".join(self[k])) for k in _LISTS]
        rows += [("-account_displayed_op_only", "true" if self["account_displayed_op_only"] else "false"),
                 ("-select", ",".join(self["select"])),
                 ("-output", f"{self.output_type}:" + ",".join(f"{k}={v}" for k, v in
                                                            sorted(self.output_options.items())))]
        return "".join(f"{k:<28}{v}\n" for k, v in rows)


def _report_prefix(cmd, opts):
    helps = [_SELECT_DOCS.get(s, f"Unknown select: {s}") for s in opts["select"]]
    return f"\nDoc:\n{_DOCS[cmd]}\n" + "\n".join(helps) + "\n\nProfile:\n"


class _Session:
    """One profiled graph with its op logs and steps: shows views (TF's TFStats behind print_model_analysis)."""

    def __init__(self, graph, op_log):
        self.graph, self.stats, self._views = graph, Stats(graph), {}
        self.stats.add_op_log(op_log)

    def add_step(self, step, run_meta, op_log):
        self.stats.add_graph(self.graph)
        self.stats.add_run_meta(step, run_meta)
        self.stats.add_op_log(op_log)
        self._views.clear()

    def show(self, cmd, options):
        """Show view `cmd` ("scope", "op", "code"; TF's "graph" is not in graphgrad) under `options`."""
        if cmd == "graph":
            raise errors.UnimplementedError(None, None, "tf.profiler's graph view (cmd 'graph') is not implemented "
                                                        "in graphgrad: use cmd 'scope' or 'op'")
        if cmd not in ("scope", "op", "code"):
            raise errors.InvalidArgumentError(None, None, f"unknown cmd: {cmd}\n")
        empty = MultiGraphNodeProto() if cmd != "scope" else GraphNodeProto()
        try:
            opts = _Options(options)
        except ValueError as e:
            sys.stderr.write(f"INVALID_ARGUMENT: {e}\n")
            return empty
        if opts.output_type == "timeline":
            raise errors.UnimplementedError(None, None, "tf.profiler's timeline output is not implemented in "
                                                        "graphgrad: write a Chrome trace with python.client."
                                                        "timeline.Timeline(run_metadata.step_stats)")
        stdout = opts.output_type == "stdout"
        if stdout:
            sys.stdout.write("\n=========================Options=============================\n" + str(opts)
                             + "\n==================Model Analysis Report======================\n")
        proto = self._show(cmd, opts, empty)
        if stdout:
            sys.stdout.write("\n======================End of Report==========================\n")
            sys.stdout.flush()
        return proto

    def _show(self, cmd, opts, empty):
        if opts["step"] >= 0 and opts["step"] not in self.stats.steps:
            sys.stderr.write(f"Options -step={opts['step']} not found.\nAvailable steps: "
                             + "".join(f"{s} " for s in sorted(self.stats.steps)) + "\n")
            return empty
        if cmd == "code":  # graphgrad ops carry no Python traceback: TF's answer for a graph without traces
            sys.stderr.write("No code trace information\n")
            return empty
        if opts.output_type == "pprof":
            sys.stderr.write("Only 'code' view supports pprof output now.\n")
            return empty
        if cmd not in self._views:
            self._views[cmd] = (OpView if cmd == "op" else ScopeView)(self.stats)
        proto, text = self._views[cmd].show(opts)
        report = _report_prefix(cmd, opts) + text
        if opts.output_type == "stdout":
            sys.stdout.write(report)
        elif opts.output_type == "file":
            try:
                with open(opts.output_options["outfile"], "w") as f:
                    f.write(report)
            except OSError as e:
                sys.stderr.write(f"{e}\n")
        return proto


def profile(graph=None, run_meta=None, op_log=None, cmd="scope", options=_DEFAULT_PROFILE_OPTIONS):
    """Profile `graph` (default: the default graph) once: cmd "scope" (a GraphNodeProto, nodes under their name
    scopes) or "op" (a MultiGraphNodeProto, nodes grouped by op type), with `run_meta`'s step as step 0. Without
    options, the trainable variables' parameters."""
    graph = graph or get_default_graph()
    if options == _DEFAULT_PROFILE_OPTIONS:
        options = ProfileOptionBuilder.trainable_variables_parameter()
    if cmd not in ("scope", "graph", "op", "code"):
        raise errors.InvalidArgumentError(None, None, f"unknown cmd: {cmd}\n")
    merged = merge_default_with_oplog(graph, op_log, run_meta)
    session = _Session(graph, merged)
    if run_meta is not None and run_meta.HasField("step_stats"):
        session.stats.add_run_meta(0, run_meta)
    return session.show(cmd, options)


class Profiler:
    """Profiles a graph over several traced steps: `add_step(step, run_meta)` after each traced run, then
    `profile_name_scope` / `profile_operations` with options (`with_step(n)` for one step; by default the mean
    over the steps added)."""

    def __init__(self, graph=None, op_log=None):
        self._graph = graph or get_default_graph()
        self._session = _Session(self._graph, merge_default_with_oplog(self._graph, op_log=op_log))
        self._run_shapes = {}  # tensor -> shape from the first step that ran it (TF sets it on the graph)

    def add_step(self, step, run_meta):
        """Add one traced run's step stats as step `step`; the run's shapes complete the flops where the graph's
        shapes are not fully known (the first run to report a tensor's shape fixes it, as in TF)."""
        self._session.add_step(step, run_meta, merge_default_with_oplog(self._graph, run_meta=run_meta,
                                                                        run_shapes=self._run_shapes))

    def profile_name_scope(self, options):
        return self._session.show("scope", options)

    def profile_operations(self, options):
        return self._session.show("op", options)

    def profile_graph(self, options):
        return self._session.show("graph", options)

    def profile_python(self, options):
        return self._session.show("code", options)

    def advise(self, options):
        return advise(self._graph, options=options)

    def serialize_to_string(self):
        raise errors.UnimplementedError(None, None, "Profiler.serialize_to_string (TF's ProfileProto) is not "
                                                    "implemented in graphgrad")


def advise(graph=None, run_meta=None, options=_DEFAULT_PROFILE_OPTIONS):
    """TF's advisor (its checkers look at GPU kernels, data formats and TF's own job structure) is not in
    graphgrad: an UnimplementedError that says so."""
    raise errors.UnimplementedError(None, None, "tf.profiler.advise is not implemented in graphgrad: profile with "
                                                "ProfileOptionBuilder.time_and_memory() instead")


def write_op_log(graph, log_dir, op_log=None, run_meta=None, add_trace=True):
    """Write `log_dir/tfprof_log`: `op_log` with the graph's flops and trainable-variable types added, an
    OpLogProto in TF's bytes (no code traces: graphgrad ops do not keep the Python stack that built them)."""
    graph = graph or get_default_graph()
    merged = merge_default_with_oplog(graph, op_log, run_meta)
    os.makedirs(log_dir, exist_ok=True)
    with open(os.path.join(log_dir, "tfprof_log"), "wb") as f:
        f.write(merged.SerializeToString())


__all__ = ["Profiler", "advise", "profile", "write_op_log"]
