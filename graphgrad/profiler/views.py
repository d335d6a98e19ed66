"""tfprof's scope and op views (TF's tfprof_scope.cc, tfprof_op.cc, tfprof_show*.cc): which nodes are accounted
and shown under the options, their totals, the text TF prints, and the GraphNodeProto / MultiGraphNodeProto
returned."""
from __future__ import annotations

import re

from .protos import GraphNodeProto, MultiGraphNodeProto

ROOT = "_TFProfRoot"
#: GraphNodeProto fields a node's own stats fill, and the totals they add to, in TF's AddSelfToTotalStats order.
_STATS = ["run_count", "exec_micros", "accelerator_exec_micros", "cpu_exec_micros", "requested_bytes",
          "peak_bytes", "residual_bytes", "output_bytes", "parameters", "float_ops"]
_MULTI_STATS = _STATS[1:]
#: The byte counts of a node, in the order GraphNode.memory_bytes numbers them.
_MEMORY = ("requested_bytes", "peak_bytes", "residual_bytes", "output_bytes")
#: order_by -> the total it sorts by, largest first ("name" sorts by name).
_ORDER_BY = {"bytes": "total_requested_bytes", "peak_bytes": "total_peak_bytes",
             "residual_bytes": "total_residual_bytes", "output_bytes": "total_output_bytes",
             "micros": "total_exec_micros", "accelerator_micros": "total_accelerator_exec_micros",
             "cpu_micros": "total_cpu_exec_micros", "params": "total_parameters", "float_ops": "total_float_ops"}
#: (option, total compared with it) for the min_* filters; params, float ops and runs compare the node's own.
_MINIMA = [("min_bytes", "total_requested_bytes"), ("min_peak_bytes", "total_peak_bytes"),
           ("min_residual_bytes", "total_residual_bytes"), ("min_output_bytes", "total_output_bytes"),
           ("min_micros", "total_exec_micros"), ("min_accelerator_micros", "total_accelerator_exec_micros"),
           ("min_cpu_micros", "total_cpu_exec_micros")]


def format_number(n):
    return next(f"{n / d:.2f}{u}" for d, u in ((1e9, "b"), (1e6, "m"), (1e3, "k")) if n >= d) if n >= 1000 else str(n)


def format_time(micros):
    return f"{micros}us" if micros < 1000 else f"{micros / 1000:.2f}ms" if micros < 1000000 else \
        f"{micros / 1e6:.2f}sec"


def format_memory(b):
    return f"{b}B" if b < 1000 else f"{b / 1000:.2f}KB" if b < 1000000 else f"{b / 1e6:.2f}MB"


def _full_match(regexes, name):
    return any(re.fullmatch(r, name) for r in regexes)


def _matches_all(regexes):
    return len(regexes) == 1 and regexes[0] == ".*"


def _sorted(nodes, order_by):
    """TF's SortNodes: the root first, then by name, or (stable) by the total `order_by` names, largest first."""
    if not order_by or not nodes:
        return nodes
    key = _ORDER_BY.get(order_by)
    rest = [n for n in nodes if n.name != ROOT]
    rest = sorted(rest, key=lambda n: n.name) if key is None else sorted(rest, key=lambda n: -getattr(n.proto, key))
    return [n for n in nodes if n.name == ROOT] + rest


class _Shown:
    """A node of a view: the graph node (None for a scope or the root), its proto, and whether it is accounted."""

    def __init__(self, name, node=None):
        self.name, self.node = name, node
        self.children, self.show_children = [], []
        self.account = False
        self.proto = GraphNodeProto(name=name)
        self.text = ""
        self.op_types = node.op_types if node is not None else {"_kTFScopeParent"}
        self.input_shapes = {}

    def reinit(self, stats, step):
        p = self.proto
        p.Clear()
        p.name = self.name
        n = self.node
        if n is None:
            return
        if n.canonical_device:
            p.devices.append(n.canonical_device)
        p.run_count = n.run_count(step)
        p.exec_micros = n.exec_micros(step)
        p.accelerator_exec_micros = n.accelerator_exec_micros(step)
        p.cpu_exec_micros = n.cpu_exec_micros(step)
        for i, f in enumerate(_MEMORY):
            setattr(p, f, n.memory_bytes(step, i))
        p.float_ops = n.float_ops(step)
        self.input_shapes = n.input_shapes(stats.nodes)
        for i, vec in self.input_shapes.items():
            shape = p.input_shapes[i]
            if vec:
                for d in vec:
                    shape.dim.add(size=d)
            else:
                shape.unknown_rank = True
        p.parameters = n.parameters()

    def reset_totals(self):
        self.text = ""
        for f in _STATS:
            setattr(self.proto, f"total_{f}", 0)
        self.proto.total_definition_count = 0
        del self.proto.children[:]

    def add_self(self):
        self.proto.total_definition_count += 1
        for f in _STATS:
            setattr(self.proto, f"total_{f}", getattr(self.proto, f"total_{f}") + getattr(self.proto, f))

    def add_totals(self, other):
        for f in [*_STATS, "definition_count"]:
            setattr(self.proto, f"total_{f}", getattr(self.proto, f"total_{f}") + getattr(other.proto, f"total_{f}"))


def _should_show(node, opts, depth, scope=True):
    """TF's ShouldShow: totals of bytes and times against the min_* options, the scope view's own parameters,
    float ops and runs (the op view's totals, no runs), the depth, then the show and hide regexes."""
    if scope and node.name == ROOT:
        return True
    p = node.proto
    params, flops, runs = (p.parameters, p.float_ops, p.run_count) if scope else \
        (p.total_parameters, p.total_float_ops, opts.get("min_occurrence", 0))
    if any(getattr(p, total) < opts.get(o, 0) for o, total in _MINIMA) or params < opts.get("min_params", 0) \
            or flops < opts.get("min_float_ops", 0) or runs < opts.get("min_occurrence", 0) \
            or depth > opts["max_depth"]:
        return False
    show = opts["show_name_regexes"]
    if not (_matches_all(show) or _full_match(show, node.name)):
        return False
    return not _full_match(opts["hide_name_regexes"], node.name)


def _accounted(node, opts):
    types = opts["account_type_regexes"]
    return _matches_all(types) or any(re.fullmatch(r, t) for r in types for t in node.op_types)


class ScopeView:
    """Nodes under their name prefixes (TF's TFScope): "a/b/c" is a child of "a/b", made a scope when no op has
    that name, and every top-level name is a child of _TFProfRoot."""

    def __init__(self, stats):
        self.stats = stats
        shown = {name: _Shown(name, node) for name, node in stats.nodes.items()}
        for name in list(shown):
            while "/" in name:
                name = name.rsplit("/", 1)[0]
                shown.setdefault(name, _Shown(name))
        self.root = _Shown(ROOT)
        for name in sorted(shown):
            parent = self.root if "/" not in name else shown[name.rsplit("/", 1)[0]]
            parent.children.append(shown[name])

    def show(self, opts):
        step = opts["step"]
        self.root.reinit(self.stats, step)
        self.root.reset_totals()
        roots = self._account(self.root.children, opts, step)
        for n in roots:
            self.root.add_totals(n)
        if not _matches_all(opts["start_name_regexes"]):
            roots = self._search(roots, opts["start_name_regexes"])
        self.root.show_children = roots
        root = self._print([self.root], opts, 1, 0)[0]
        lines = [root.text]
        self._format(root.show_children, lines, root.proto)
        return root.proto, legend(opts, scope=True) + "".join(lines)

    def _account(self, nodes, opts, step):
        kept = []
        for n in nodes:
            n.reset_totals()
            children = self._account(n.children, opts, step)
            n.reinit(self.stats, step)
            n.account = _accounted(n, opts)
            if n.account or children:
                n.show_children = []
                n.reset_totals()
                n.add_self()
                for c in children:
                    n.add_totals(c)
                    n.show_children.append(c)
                kept.append(n)
        return kept

    def _search(self, nodes, regexes):
        found = []
        for n in nodes:
            if _full_match(regexes, n.name):
                found.append(n)
            else:
                found.extend(self._search(n.show_children, regexes))
        return found

    def _print(self, nodes, opts, depth, indent):
        shown = []
        for n in nodes:
            show = _should_show(n, opts, depth)
            children = []
            if not _full_match(opts["trim_name_regexes"], n.name) and depth <= opts["max_depth"]:
                children = self._print(n.show_children, opts, depth + 1, indent + 2 if show else indent)
            if show:
                n.show_children = []
                if opts["account_displayed_op_only"]:
                    n.reset_totals()
                    n.add_self()
                for c in _sorted(children, opts["order_by"]):
                    n.show_children.append(c)
                    if opts["account_displayed_op_only"]:
                        n.add_totals(c)
                n.text = " " * indent + format_scope_node(n, opts) + "\n"
                shown.append(n)
            else:
                shown.extend(children)
        return shown

    def _format(self, nodes, lines, proto):
        for n in nodes:
            lines.append(n.text)
            child = proto.children.add()
            child.MergeFrom(n.proto)
            self._format(n.show_children, lines, child)


def _own_total(node, own, total, fmt):
    return f"{fmt(own)}/{fmt(total)}" if node.account else f"--/{fmt(total)}"


def format_scope_node(n, opts):
    """One line of the scope view: "name (shape, params, flops, bytes, times, ...)" for the selected fields."""
    sel, p, info = set(opts["select"]), n.proto, []
    if "params" in sel:
        if n.node is not None and n.node.shape:
            info.append("x".join(str(d) for d in n.node.shape))
        info.append(_own_total(n, p.parameters, p.total_parameters, format_number) + " params")
    if "float_ops" in sel:
        info.append(_own_total(n, p.float_ops, p.total_float_ops, format_number) + " flops")
    for key, f in (("bytes", "requested_bytes"), ("peak_bytes", "peak_bytes"), ("residual_bytes", "residual_bytes"),
                   ("output_bytes", "output_bytes")):
        if key in sel:
            info.append(_own_total(n, getattr(p, f), getattr(p, f"total_{f}"), format_memory))
    for f in _times(sel):
        info.append(_own_total(n, getattr(p, f), getattr(p, f"total_{f}"), format_time))
    if "device" in sel and p.devices:
        info.append("|".join(p.devices))
    if "op_types" in sel:
        info.append("|".join(sorted(n.op_types)))
    if "occurrence" in sel:
        run = _own_total(n, p.run_count, p.total_run_count, format_number)
        info.append(run + "|" + (f"1/{format_number(p.total_definition_count)}" if n.account else
                                 f"--/{format_number(p.total_definition_count)}"))
    if "input_shapes" in sel:
        info.append("|".join(f"{i}:{'x'.join(map(str, v)) if v else 'unknown'}" for i, v in n.input_shapes.items()))
    return f"{n.name} ({', '.join(info)})"


def _times(sel):
    if "micros" in sel:
        return ["exec_micros", "accelerator_exec_micros", "cpu_exec_micros"]
    return [f for key, f in (("accelerator_micros", "accelerator_exec_micros"), ("cpu_micros", "cpu_exec_micros"))
            if key in sel]


_MEMORY_LEGEND = [("bytes", "requested bytes"), ("peak_bytes", "peak bytes"), ("residual_bytes", "residual bytes"),
                  ("output_bytes", "output bytes")]
_TIME_LEGEND = {"exec_micros": "total execution time", "accelerator_exec_micros": "accelerator execution time",
                "cpu_exec_micros": "cpu execution time"}


def legend(opts, scope):
    """The "node name | ..." line: the selected fields' names, in the order the view prints them (the scope view
    puts parameters and float ops first, the op view after the memory and times)."""
    sel = set(opts["select"])
    counts = [text for key, text in (("params", "# parameters"), ("float_ops", "# float_ops")) if key in sel]
    names = [text for key, text in _MEMORY_LEGEND if key in sel] + [_TIME_LEGEND[f] for f in _times(sel)]
    names = counts + names if scope else names + counts
    names += [text for key, text in (("device", "assigned devices"), ("op_types", "op types"),
                                     ("occurrence", "op count (run|defined)" if scope else
                                      "op occurrence (run|defined)"), ("input_shapes", "input shapes"))
              if key in sel]
    return f"node name | {' | '.join(names)}\n"


class _OpType:
    """All nodes of one op type (TF's TFMultiGraphNode and ShowMultiNode)."""

    def __init__(self, name, nodes=()):
        self.name, self.nodes = name, sorted(nodes, key=lambda n: n.name)
        self.proto = MultiGraphNodeProto(name=name)
        self.account = False
        self.devices, self.op_types = set(), set()

    def reinit(self, stats, step, type_regexes):
        picked = self.nodes if _matches_all(type_regexes) else \
            [n for r in type_regexes for n in self.nodes if any(re.fullmatch(r, t) for t in n.op_types)]
        p = self.proto
        p.Clear()
        p.name = self.name
        self.devices = {n.canonical_device for n in picked}
        self.op_types = {t for n in picked for t in n.op_types}
        for n in picked:  # a node two regexes pick counts twice, as in TF
            p.exec_micros += n.exec_micros(step)
            p.accelerator_exec_micros += n.accelerator_exec_micros(step)
            p.cpu_exec_micros += n.cpu_exec_micros(step)
            for i, f in enumerate(_MEMORY):
                setattr(p, f, getattr(p, f) + n.memory_bytes(step, i))
            p.float_ops += n.float_ops(step)
            p.parameters += n.parameters()
        for n in {n.name: n for n in picked}.values():
            shown = _Shown(n.name, n)
            shown.reinit(stats, step)
            shown.add_self()
            p.graph_nodes.add().MergeFrom(shown.proto)
        return bool(picked) or _matches_all(type_regexes)

    def reset_totals(self):
        for f in _MULTI_STATS:
            setattr(self.proto, f"total_{f}", 0)
        del self.proto.children[:]

    def add_self(self):
        for f in _MULTI_STATS:
            setattr(self.proto, f"total_{f}", getattr(self.proto, f"total_{f}") + getattr(self.proto, f))

    def add_totals(self, other):
        for f in _MULTI_STATS:
            setattr(self.proto, f"total_{f}", getattr(self.proto, f"total_{f}") + getattr(other.proto, f"total_{f}"))


class OpView:
    """Nodes grouped by op type (TF's TFOp): each type's own stats, and cumulative totals down the sorted list."""

    def __init__(self, stats):
        self.stats = stats
        by_type = {}
        for node in stats.nodes.values():
            by_type.setdefault(node.op, []).append(node)
        self.types = [_OpType(t, nodes) for t, nodes in sorted(by_type.items())]
        self.root = _OpType(ROOT)

    def show(self, opts):
        root = self.root
        root.proto.Clear()
        root.proto.name = ROOT
        root.reset_totals()
        for t in self.types:
            t.account = t.reinit(self.stats, opts["step"], opts["account_type_regexes"])
            t.reset_totals()
            t.add_self()
        accounted = [t for t in _sorted(self.types, opts["order_by"]) if t.account]
        _cumulate(accounted)
        if accounted:
            root.add_totals(accounted[0])
        start = 0
        if not (not opts["start_name_regexes"] or _matches_all(opts["start_name_regexes"])):
            start = next((i for i, t in enumerate(accounted) if _full_match(opts["start_name_regexes"], t.name)),
                         len(accounted))
        shown = []
        for depth, t in enumerate(accounted[start:]):
            if _full_match(opts["trim_name_regexes"], t.name) or depth > opts["max_depth"]:
                break
            if _should_show(t, opts, depth, scope=False):
                shown.append(t)
        if opts["account_displayed_op_only"]:
            for t in shown:
                t.reset_totals()
                t.add_self()
            _cumulate(shown)
            root.reset_totals()
            if shown:
                root.add_totals(shown[0])
        text = legend(opts, scope=False) + "".join(format_type(t, root, opts) for t in shown)
        proto = root.proto
        for t in shown:
            del proto.children[:]
            proto.children.add().CopyFrom(t.proto)
            proto = proto.children[0]
        return root.proto, text


def _cumulate(types):
    """Each type's totals also count every type after it (TF's op view totals are cumulative)."""
    for later, t in zip(reversed(types[1:]), reversed(types[:-1])):
        t.add_totals(later)


def _share(own, node_total, root_total, counted):
    """"(cumulative%, own%)" of the root's total; 0 unless `counted` (TF: the node's total, or own bytes)."""
    if counted <= 0:
        return "(0.00%, 0.00%)"
    return f"({100.0 * node_total / root_total:.2f}%, {100.0 * own / root_total:.2f}%)"


def format_type(t, root, opts):
    """One line of the op view: the type, then per selected field its value with its cumulative and own share."""
    sel, p, r, attrs = set(opts["select"]), t.proto, root.proto, []

    def field(f, text):
        own, total = getattr(p, f), getattr(p, f"total_{f}")
        counted = own if f.endswith("bytes") else total
        attrs.append(f"{text(own)} {_share(own, total, getattr(r, f'total_{f}'), counted)}".rjust(30))

    for key, f in (("bytes", "requested_bytes"), ("peak_bytes", "peak_bytes"), ("residual_bytes", "residual_bytes"),
                   ("output_bytes", "output_bytes")):
        if key in sel:
            field(f, format_memory)
    for f in _times(sel):
        field(f, format_time)
    if "params" in sel:
        field("parameters", lambda v: f"{format_number(v)} params")
    if "float_ops" in sel:
        field("float_ops", lambda v: f"{format_number(v)} float_ops")
    if "device" in sel:
        attrs.append("|".join(sorted(t.devices)))
    if "op_types" in sel:
        attrs.append("|".join(sorted(t.op_types)))
    if "occurrence" in sel:
        attrs.append(f"{sum(g.run_count for g in p.graph_nodes)}|{len(p.graph_nodes)}".rjust(10))
    line = f"{t.name:<25}{', '.join(attrs)}\n"
    if "input_shapes" in sel:
        shapes = _input_shape_lines(p)
        if shapes:
            line = f"{line}\n{shapes}\n\n"
    return line


def _input_shape_lines(p):
    """Per distinct list of input shapes: how many of the type's nodes ran and were defined with it, and their time."""
    kinds = {}
    for g in p.graph_nodes:
        parts = []
        for i in sorted(g.input_shapes):
            s = g.input_shapes[i]
            vec = [d.size for d in s.dim] or ([] if s.unknown_rank else [1])
            parts.append(f"{i}:{'x'.join(map(str, vec))}" if vec else f"{i}:unknown")
        key = "input_type: " + ",\t".join(parts)
        defined, runs, micros = kinds.get(key, (0, 0, 0))
        kinds[key] = (defined + 1, runs + g.run_count, micros + g.exec_micros)
    ordered = sorted(sorted(kinds.items()), key=lambda kv: -kv[1][1])
    return "\n".join(f"{k}\t(run*{runs}|defined*{defined})\texec_time: {format_time(micros)}"
                     for k, (defined, runs, micros) in ordered)
