"""Compile one (fetches, feed keys) signature of Session.run into straight-line Python.

The plan prunes the graph to the ops the fetches need (stopping at fed tensors), orders them once
(reads of a variable before its updates, then dependencies first, then creation order, so runs are
deterministic), rewrites that order with the graph
passes of runtime/passes.py (constant folding, simplification, CSE, dead ops, in-place fusion; see
docs/plan-compiler.md), binds each remaining op's kernel, and generates the source of one function where
every op is a single call on local variables and every intermediate is deleted after its last use.
`plan.source` shows that function; reading it is the best way to see what a run does.
"""
from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import linecache
import re
import sys
import threading
import time
import weakref

import numpy as np

from ..framework.errors import InvalidArgumentError, OpError, feed_error, uninitialized_error
from ..framework.graph import Operation, Tensor
from ..framework.op_def import aliases_variable, ref_indices
from . import aot, gemm_pool, interrupts, jit, row_chains
from .graph_replay import GraphReplay, not_capturable, replay_default
from .passes import optimize as optimize_program

_jit_lock = threading.Lock()  # compiling islands (runtime/jit.py): one plan at a time, once
_plan_numbers = itertools.count(1)  # names each plan's source file; next() is atomic, so threads get distinct ones


def _ref_vars(op):
    """The variable ops an op reaches through its reference inputs (a variable and its slots)."""
    return [op.inputs[i].op for i in ref_indices(op)]


def prune(targets, fed):
    """Ops needed to compute `targets` (ops), not walking past fed tensors; unordered set. A control dependency
    on a fed placeholder is met by the feed (TF rewires a placeholder's control edges to its feed: a metric's
    `control_dependencies([values])` on a fed placeholder runs)."""
    needed = set()
    stack = list(targets)
    while stack:
        op = stack.pop()
        if op in needed:
            continue
        needed.add(op)
        refs = ref_indices(op)
        for i, t in enumerate(op.inputs):
            if i in refs or t in fed:
                continue
            if t.op not in needed:
                stack.append(t.op)
        for c in op.control_inputs:
            if c not in needed and not (c.op_def.must_feed and all(o in fed for o in c.outputs)):
                stack.append(c)
    return needed


def schedule(ops, fed):
    """The run order of `ops` (docs/design.md, "run order"): reads before writes, then dependencies first, then
    creation order (an `urgent` op goes before the other ready ops: a collective issued as early as possible).

    Ops that depend (by data or control) on no variable update of this run go first, in dependency and creation
    order; the updates and what depends on them follow. Within the second group an update also waits for every
    op that reads a variable it writes without depending on that update (a summary or Print wired after an
    earlier update), unless only waiting updates are left (a cycle of such constraints: creation order decides).
    So a value computed from a variable in the same run as its update sees the value from before the update,
    and the rollback snapshot is needed only where something can fail after the first write."""
    ops = set(ops)
    preds, users = {}, {op: [] for op in ops}
    for op in ops:
        refs = ref_indices(op)
        pre = {t.op for i, t in enumerate(op.inputs) if i not in refs and t not in fed and t.op in ops}
        pre.update(c for c in op.control_inputs if c in ops)
        preds[op] = pre
        for p in pre:
            users[p].append(op)
    order = _kahn(ops, preds, users, lambda op: (not op.op_def.urgent, op._id))
    writers = [op for op in order if op.op_def.mutates]
    if not writers:
        return order
    # after[op]: bit set of the updates `op` depends on (itself included), in dependency order.
    bit = {w: 1 << i for i, w in enumerate(writers)}
    after = {}
    for op in order:
        a = bit.get(op, 0)
        for p in preds[op]:
            a |= after[p]
        after[op] = a
    written = {}  # VariableV2 op -> bit set of the updates that write it
    for w in writers:
        for v in _ref_vars(w):
            written[v] = written.get(v, 0) | bit[w]
    # An update waits for the readers of its variables that do not depend on it.
    waits = dict.fromkeys(writers, 0)
    blocks = {}
    for op in order:
        refs = ref_indices(op)
        mask = 0
        for i, t in enumerate(op.inputs):
            if i not in refs and t not in fed:
                v = _variable_behind(t)
                if v is not None:
                    mask |= written.get(v, 0)
        mask &= ~after[op]
        if mask:
            blocked = [w for w in writers if mask & bit[w]]
            blocks[op] = blocked
            for w in blocked:
                waits[w] += 1
    return _kahn(ops, preds, users, lambda op: (after[op] != 0, not op.op_def.urgent, op._id), waits, blocks)


def _kahn(ops, preds, users, key, waits=None, blocks=None):
    """Topological order of `ops`, the smallest `key` first among the ready ones. `waits[op] > 0` holds a
    ready op back until the ops in whose `blocks` list it appears have run (or nothing else is ready)."""
    deps = {op: len(preds[op]) for op in ops}
    ready = [(key(op), op._id, op) for op in ops if deps[op] == 0]
    heapq.heapify(ready)
    held = []
    order = []
    while ready or held:
        if ready:
            k, _, op = heapq.heappop(ready)
            if waits and waits.get(op):
                heapq.heappush(held, (k, op._id, op))
                continue
        else:
            _, _, op = heapq.heappop(held)  # only held updates are left: the earliest created goes
            waits[op] = 0
        order.append(op)
        for w in (blocks.get(op, ()) if blocks else ()):
            waits[w] -= 1
            if waits[w] == 0 and any(h[2] is w for h in held):
                held = [h for h in held if h[2] is not w]
                heapq.heapify(held)
                heapq.heappush(ready, (key(w), w._id, w))
        for u in users[op]:
            deps[u] -= 1
            if deps[u] == 0:
                heapq.heappush(ready, (key(u), u._id, u))
    return order


def _variable_behind(t):
    """The VariableV2 op whose buffer `t` reads (directly or through views such as Identity), or None."""
    while True:
        op_def = t.op.op_def
        if op_def.is_variable:
            return t.op
        if op_def.view_of is None or op_def.mutates:
            return None
        t = t.op.inputs[op_def.view_of]


class Plan:
    """A compiled run: `plan(feed_values) -> list of fetched values` (NumPy arrays / scalars / None).

    `ops` is the pruned order; the optimization passes (runtime/passes.py, on unless `optimize=False`) decide
    which of them still run. `stats` has the number of ops that run before and after each pass, `rewrites`
    what each pass did, `source` the generated function."""

    #: The Session's note of feed keys made of several tensors (a SparseTensor): each key's field count (0 for a
    #: tensor), so that a run splits the fed values into `feed_tensors`' order; None when every key is one tensor.
    composite_feeds = None

    def __init__(self, ctx, fetch_elems, feed_tensors, optimize=True, inner=False):
        """`inner`: the plan of a tf.cond branch, run by the branch's op inside another plan: its fetches stay
        arrays on the device (no host copies, no Python scalars) and it is never replayed on its own."""
        self.ctx = ctx
        self.inner = inner
        self._local = threading.local()  # the variable snapshot of the run in progress, per thread
        self.feed_tensors = list(feed_tensors)
        fed = {t: i for i, t in enumerate(self.feed_tensors)}
        targets = [e if isinstance(e, Operation) else e.op for e in fetch_elems]
        # A fetched tensor that is itself fed comes straight from the feed.
        targets = [op for op, e in zip(targets, fetch_elems) if not (isinstance(e, Tensor) and e in fed)]
        self.ops = schedule(prune(targets, fed), fed)
        for op in self.ops:
            if op.op_def.must_feed:
                raise feed_error(op)
        self.feed_specs = [(t.dtype.base_dtype.np, t.shape.dims_tuple, t.name) for t in self.feed_tensors]
        self.check_feeds = feed_checker(self.feed_specs)
        self.needs_initialized = list({v: None for op in self.ops if op.op_def.needs_initialized
                                       for v in _ref_vars(op)})
        prog = optimize_program(self.ops, fed, fetch_elems, ctx, enabled=optimize)
        self.stats, self.rewrites = prog.stats, prog.rewrites
        self.islands = []  # compiled islands the current function calls (runtime/jit.py)
        self.chains = []  # in-place steps it runs over the GEMM pool (runtime/row_chains.py)
        self.jit_failures = []  # (island ops, Numba's error) of islands dropped because they did not compile
        self._lines_by_file = {}  # generated file name -> its line_ops: a run of an earlier function still names ops
        self._build(prog, fetch_elems, fed)
        self._attach_replay()
        self._jit_in = None  # runs left before the islands are compiled; None: no islands for this plan
        self._aot = None  # islands built ahead (runtime/aot.py): {"built": {ops: function}, "recorders": ...}
        self._aot_pending = None  # (thread, result, recorded islands) while they are built in the background
        if self.replay is None and ctx.xp is np and jit.jit_default():
            islands = jit.find_islands(self.steps, prog)
            # (a big variable's update runs over the GEMM pool, which the judgment starts, rather than in an island;
            # so do chains of steps on big buffers, runtime/row_chains.py)
            self._chains_found = row_chains.find_chains(self.steps, prog)
            if islands or self._chains_found or any(
                    op.op_def.pooled_update is not None and op.op_def.pooled_update(op) for op in self.steps):
                self._jit_in = jit.runs_before_jit()
                self._jit_key = jit.plan_key(self.source)
                warmth = jit.warmth(self._jit_key)
                built = warmth == "built" and aot.wanted() and not gemm_pool.worth_starting(self.ops, lean=True)
                self._jit_after_s = jit.seconds_before_jit(warmth is not None, built)
                self._jit_spent, self._jit_best, self._jit_tries = 0.0, float("inf"), 0
                self._jit_args = (prog, fetch_elems, fed, islands)

    # --- code generation ------------------------------------------------------------------------------
    def _build(self, prog, fetch_elems, fed, islands=(), chains=()):
        """Generate, compile and bind the run function: name the values, find each name's last use, decide
        snapshot and lock, write one line per step (or per island, runtime/jit.py, or per chain of in-place steps
        run over the GEMM pool, runtime/row_chains.py), the return expression, then compile."""
        ns = {"_np": np}  # the generated function's globals: kernels k<pos>, constants c<j>, helpers
        steps = self.steps = list(prog.live)
        args = {op: prog.args(op) for op in steps}
        fetch_tensors = {prog.resolve(e) for e in fetch_elems if isinstance(e, Tensor)}  # fed ones resolve to self
        names, header = self._name_values(prog, args, fetch_tensors, fed, ns)
        last_use = _last_uses(steps, args, names, fetch_tensors)

        mutated = [op for op in steps if op.op_def.mutates]
        first_mut = steps.index(mutated[0]) if mutated else None
        self.mutated_vars = list({v: None for op in mutated for v in _ref_vars(op)})
        # Snapshot only when something that can fail runs from the first in-place update on (the reads-before-
        # writes order leaves mostly updates there, and an update with static shapes checked at build cannot fail);
        # the first update itself counts only if it may fail after it started writing.
        self.needs_snapshot = first_mut is not None and any(
            op.op_def.can_fail(op) and not (i == 0 and op.op_def.checks_before_writing)
            for i, op in enumerate(steps[first_mut:]))
        # Runs with state (variables, random streams, Print counters, branches) take the session's lock, so
        # concurrent runs are atomic (docs/design.md, "threads"); pure runs on feeds and constants do not.
        self.locked = not self.inner and any(op.op_def.stateful for op in steps)

        body, first_write_line = self._body(prog, args, names, last_use, fed, first_mut, len(header) + 2, ns,
                                            islands, chains)
        body.append(self._return_line(prog, fetch_elems, fed, names, ns))
        ns["_snapshot"] = self._snapshot
        self._compile(header, body, first_write_line, ns)

    def _name_values(self, prog, args, fetch_tensors, fed, ns):
        """The name of every value the function touches, and the header comments describing its constants.

        Feeds are locals f<i>, constants globals c<j> (bound in `ns`), values locals v<pos>_<output>; an op
        running in place gives its output the name of the buffer it writes."""
        used = set(fetch_tensors).union(*args.values())
        names = {t: f"f{i}" for t, i in fed.items()}
        header = []
        for t, value in prog.consts.items():
            if t in used and t not in names:
                names[t] = f"c{len(header)}"
                ns[names[t]] = value
                header.append(f"# {names[t]} = {_describe(value)}: {_oneline(t.name)}"
                              + (" (folded)" if t in prog.folded else ""))
        for pos, op in enumerate(self.steps):
            if op in prog.inplace:
                names[op.outputs[0]] = names[args[op][prog.inplace[op]]]
                continue
            for t in op.outputs:
                if t in used and t not in fed:
                    names[t] = f"v{pos}_{t.value_index}"
        return names, header

    def _body(self, prog, args, names, last_use, fed, first_mut, first_line, ns, islands=(), chains=()):
        """The function's lines after `def run(F):`: read the feeds, then per step one kernel call (the kernel
        bound in `ns` as k<pos>) and a `del` of the locals it read for the last time; `_snapshot()` goes before
        the first write when the plan needs one. An island (runtime/jit.py) is one call of its compiled function,
        with its steps' lines as the fallback. Fills `line_ops`; returns the lines and the line number of the
        first write (None without writes). `first_line` is the line number of the first body line."""
        self.line_ops = {}  # generated line number -> op, to name the op that failed
        local = {n for t, n in names.items() if t not in prog.consts}
        first_write_line = None
        body = [f"    f{i} = F[{i}]" for i in range(len(self.feed_tensors))]
        starts = {isl.start: (k, isl) for k, isl in enumerate(islands)}
        chain_starts = {ch.start: (k, ch, call) for k, (ch, call) in enumerate(chains)}

        def step(pos, op, indent="    ", keep=()):
            nonlocal first_write_line
            a = [names[t] for t in args[op]]
            body.append(indent[4:] + self._step_line(prog, op, pos, a, names, fed, ns))
            self.line_ops[len(body) + first_line - 1] = op
            if pos == first_mut and first_write_line is None:
                first_write_line = len(body) + first_line - 1
            dead = [n for n in dict.fromkeys(a) if n in local and last_use.get(n) == pos and n not in keep]
            if dead:
                body.append(f"{indent}del {', '.join(dead)}")

        pos = 0
        while pos < len(self.steps):
            if pos == first_mut and self.needs_snapshot:
                body.append("    _snapshot()")
            if pos in starts:
                k, isl = starts[pos]
                if self.needs_snapshot and first_mut is not None and pos < first_mut < isl.end:
                    body.append("    _snapshot()")
                self._island_lines(k, isl, prog, args, names, last_use, fed, first_mut, first_line, ns, body,
                                   step, local)
                if first_mut is not None and pos <= first_mut < isl.end:  # the island's call writes first
                    first_write_line = self._island_call_line
                pos = isl.end
                continue
            if pos in chain_starts:
                k, ch, call = chain_starts[pos]
                ns[f"q{k}"] = call
                a = [names[t] for t in ch.operands[ch.fresh:]]
                comment = f"  # {len(ch.ops)} steps over the pool's threads"
                if ch.fresh:  # the first step's result, allocated by the chain
                    out = names[ch.operands[0]]
                    body.append(f"    {out} = q{k}({', '.join(a)}){comment}")
                    body.append(f"    if {out} is None:")
                else:
                    body.append(f"    if q{k}({', '.join(a)}) is None:{comment}")
                self.line_ops[len(body) + first_line - 1] = ch.ops[0]
                dead = [n for n in dict.fromkeys(a) if n in local and ch.start <= last_use.get(n, -1) < ch.end]
                for p in range(ch.start, ch.end):  # the steps' kernels where the chain cannot take the arrays
                    step(p, self.steps[p], indent="        ", keep=set(dead))
                if dead:
                    body.append(f"    del {', '.join(dead)}")
                pos = ch.end
                continue
            step(pos, self.steps[pos])
            pos += 1
        return body, first_write_line

    def _island_lines(self, k, isl, prog, args, names, last_use, fed, first_mut, first_line, ns, body, step,
                      local):
        """Island k's block: its variable reads, the call of its compiled function in a `try`, and in the
        `except` the lines of its steps (runtime/jit.py)."""
        steps = self.steps
        for op in isl.reads:
            step(steps.index(op), op, keep=set(local))
        compiled = set(isl.ops)
        defined, inputs, outputs, refs, lookups = set(), {}, {}, {}, {}
        for pos in range(isl.start, isl.end):
            op = steps[pos]
            if op not in compiled:
                continue
            for t in args[op]:
                n = names[t]
                if n not in defined:
                    inputs.setdefault(n, t)
            for i in ref_indices(op):
                key = op.inputs[i].op
                read = names.get(key.outputs[0]) if key in isl.reads and prog.sym(key.outputs[0]) != () else None
                if read is not None:  # the variable's read just before the island is its buffer (0-d values
                    # become scalars in an island, so a 0-d variable's buffer is looked up on its own)
                    refs[(op, i)] = read
                    inputs.setdefault(read, key.outputs[0])
                    continue
                lookups[(op, i)] = refs[(op, i)] = f"r{k}_{len(lookups)}"
                ns[f"_vk{k}_{len(lookups) - 1}"] = key
            for t in op.outputs:
                if t in names and t not in fed:
                    defined.add(names[t])
                    if last_use.get(names[t], -1) >= isl.end:
                        outputs[names[t]] = t
        params = [(n, t) for n, t in inputs.items()] + [(r, None) for r in lookups.values()]
        source = jit.island_source(isl, k, prog, names, refs, params, list(outputs.items()))
        reads = set(isl.reads)  # arguments that are variables' buffers, as the reads give them (or looked up)
        owned = [i for i, (_, t) in enumerate(params) if t is None or t.op in reads]
        ns[f"j{k}"] = self._island_function(k, isl, source, owned)
        ns["_store"] = self.ctx.variables
        ns["_jit_failed"] = functools.partial(self._jit_failed, self.islands)
        for j, r in enumerate(lookups.values()):
            body.append(f"    {r} = _store[_vk{k}_{j}]")
        outs = ", ".join(outputs) + ("," if len(outputs) == 1 else "")
        call = f"j{k}({', '.join(n for n, _ in params)})"
        body.append("    try:")
        body.append(f"        {outs} = {call}" if outputs else f"        {call}")
        self._island_call_line = len(body) + first_line - 1
        self.line_ops[self._island_call_line] = isl.ops[0]
        dead_inputs = [n for n in inputs if n in local and isl.start <= last_use.get(n, -1) < isl.end]
        if lookups:
            body.append(f"        del {', '.join(lookups.values())}")
        body.append("    except Exception as _e:")
        body.append(f"        _jit_failed({k}, _e)")
        for pos in range(isl.start, isl.end):
            if steps[pos] in compiled:
                step(pos, steps[pos], indent="        ", keep=set(dead_inputs))
        if dead_inputs:
            body.append(f"    del {', '.join(dead_inputs)}")

    def _step_line(self, prog, op, pos, a, names, fed, ns):
        """The line running step `pos` on the locals `a`: its kernel (in place into a buffer, into a kept buffer,
        or returning new values) bound in `ns` as k<pos>."""
        k = f"k{pos}"
        comment = f"  # {_oneline(op.name)} ({op.type})"
        if op in prog.inplace:
            buf = a[prog.inplace[op]]
            ns[k], call_args = _inplace_call(prog.inplace_kernels[op], a, ns, pos)
            return f"    {k}({call_args}, out={buf}){comment} in place"
        ns[k] = prog.kernels[op] if op in prog.kernels else op.op_def.kernel(op, self.ctx)
        if op in prog.reused:
            ns[k] = _into_kept_buffer(ns[k], prog.reused[op], op.outputs[0].dtype.base_dtype.np, self.ctx.xp)
            comment += " into a kept buffer"
        outs = [names[t] if t in names and t not in fed else "_" for t in op.outputs]
        call = f"{k}({', '.join(a)})"
        if not op.outputs or all(o == "_" for o in outs):
            return f"    {call}{comment}"
        if len(op.outputs) == 1:
            return f"    {outs[0]} = {call}{comment}"
        return f"    {', '.join(outs)}, = {call}{comment}"

    def _return_line(self, prog, fetch_elems, fed, names, ns):
        """`return [...]`: per fetch None (an op), or its value brought to the host, copied where it may alias a
        variable or a kept buffer, and made a NumPy scalar when 0-d. Sets `_result_kinds` for graph replay."""
        results = []
        self._result_kinds = []  # per fetch: None (an op), "scalar" or "array"; how a graph replay returns it
        for e in fetch_elems:
            if isinstance(e, Operation):
                results.append("None")
                self._result_kinds.append(None)
                continue
            r = e if e in fed else prog.resolve(e)
            expr = names[r]
            if self.ctx.xp is not np:
                ns["_host"] = _same if self.inner else self.ctx.to_host
                expr = f"_host({expr})"
            elif _must_copy(prog, e, r):
                expr = f"_np.array({expr}, copy=True)"
            # 0-d results are NumPy scalars, as TF's; a fetched feed comes back as fed (a 0-d array, as TF)
            scalar = e not in fed and e.shape.dims_tuple in ((), None)
            if scalar:
                expr = f"_scalar({expr})"
            results.append(expr)
            self._result_kinds.append("scalar" if scalar else "array")
        ns["_scalar"] = _same if self.inner else _to_scalar
        return f"    return [{', '.join(results)}]"

    def _compile(self, header, body, first_write_line, ns):
        """Compile the source into `_fn` under a file name of its own, which tracebacks (linecache) and the
        Ctrl-C guard (runtime/interrupts.py) know for as long as the plan lives."""
        filename = f"<graphgrad-plan-{next(_plan_numbers)}>"
        self.source = "".join(h + "\n" for h in header) + "def run(F):\n" + "\n".join(body) + "\n"
        # Tracebacks show the generated lines while the plan lives; the entry goes with the plan.
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True), filename)
        weakref.finalize(self, linecache.cache.pop, filename, None)
        if first_write_line is not None:  # Ctrl-C from here on waits for the writes to finish (runtime/interrupts.py)
            interrupts.register(filename, first_write_line)
            weakref.finalize(self, interrupts.forget, filename)
        exec(compile(self.source, filename, "exec"), ns)
        self._lines_by_file[filename] = self.line_ops
        self._fn = ns["run"]
        self._ns = ns
        self._filename = filename

    def _attach_replay(self):
        """A CUDA-graph replay of this plan, where the backend has graphs and the plan can be captured."""
        graphs = getattr(self.ctx.backend, "graphs", None)
        self.replay = None
        if graphs is not None and not self.inner and replay_default() and not_capturable(self) is None:
            variables = {v: None for op in self.steps for v in ([op] if op.op_def.is_variable else _ref_vars(op))}
            self.replay = GraphReplay(self, graphs, list(variables))

    def function_for_capture(self):
        """The run function for a CUDA-graph capture: fetches stay device arrays (a copy to the host cannot be
        captured; `finish_outputs` makes it after each replay) and there is no rollback snapshot (a replay
        runs no Python, so nothing can fail half-way)."""
        ns = dict(self._ns, _host=_same, _scalar=_same, _snapshot=_nothing)
        exec(compile(self.source, self._filename, "exec"), ns)
        return ns["run"]

    def finish_outputs(self, values):
        """What the normal run returns for device values computed by `function_for_capture`'s function."""
        to_host = self.ctx.to_host
        return [None if kind is None else _to_scalar(to_host(v)) if kind == "scalar" else to_host(v)
                for kind, v in zip(self._result_kinds, values)]

    # --- running ----------------------------------------------------------------------------------------
    def _snapshot(self):
        store = self.ctx.variables
        self._local.saved = {v: store[v].copy() if v in store else None for v in self.mutated_vars}

    def _restore(self):
        saved = getattr(self._local, "saved", None)
        if not saved:
            return
        self._local.saved = None
        store = self.ctx.variables
        for v, val in saved.items():
            if val is None:
                store.pop(v, None)
                self.ctx.replacements += 1
            elif v in store and store[v].shape == val.shape:
                self.ctx.xp.copyto(store[v], val)
            else:
                self.ctx.set_variable(v, val)

    def enable_trace(self):
        """Time every kernel of this plan's runs (a traced `Session.run`, RunOptions.FULL_TRACE): the kernels are
        wrapped to note (op, start ns, end ns, thread id, what it returned) in `trace_records()`, islands and graph
        replay stay off so that each op is seen; ops inside a tf.cond branch or a loop body count in their op's
        time."""
        self._jit_in, self.replay = None, None
        self._trace = threading.local()
        for name in [n for n in self._ns if n[:1] == "q" and n[1:].isdigit()]:  # chains: their steps' kernels
            self._ns[name] = _declines
        for pos, op in enumerate(self.steps):
            k = f"k{pos}"
            if k in self._ns:
                self._ns[k] = _timed(self._ns[k], op, self._trace)
        return self

    def trace_records(self):
        """The kernels timed by this thread's last run of a traced plan, in run order (emptied)."""
        records, self._trace.records = getattr(self._trace, "records", []), []
        return records

    def __call__(self, feeds):
        if self.locked:
            with self.ctx.lock:
                return self._call(feeds)
        return self._call(feeds)

    def _call(self, feeds):
        if self._jit_in is not None:
            return self._call_counting(feeds)
        return self._call_now(feeds)

    def _call_counting(self, feeds):
        """A run of a plan with islands not compiled yet: they are once the plan has run `runs_before_jit()`
        times and spent `seconds_before_jit()` in its runs (runtime/jit.py), so that a plan run a few times, or
        a short program, never pays a compile."""
        if self._aot_pending is not None:  # islands being built ahead in the background: the kernels meanwhile
            if not self._aot_pending[0].is_alive():
                with _jit_lock:
                    self._aot_finish()
            return self._call_now(feeds)
        if self._jit_in <= 0 and self._jit_spent >= self._jit_after_s:
            compiled = False
            with _jit_lock:  # one thread compiles; the others run the kernels meanwhile, or wait here
                if self._jit_in is not None and self._jit_in <= 0:
                    self._aot = {"built": {}, "recorders": {}} if aot.wanted() else None
                    # a plan this long-running: split its products too (where its islands are built ahead, only
                    # big ones: the pool's workers would load Numba after all)
                    if gemm_pool.worth_starting(self.ops, lean=self._aot is not None):
                        gemm_pool.start()
                        if "numba" in sys.modules and aot.mode() == "auto":
                            self._aot = None
                    pooled = [op for op in self.ops if op.op_def.pooled_update is not None
                              and op.op_def.pooled_update(op)] if gemm_pool.started() else []
                    self._jit_chosen = jit.paying(self._jit_args[3], self._jit_args[0], self._jit_best, pooled)
                    # chains save passes over big buffers, on every core: a compile of their own where they pay
                    compiled = bool(self._jit_chosen) or (
                        bool(self._chains_found) and gemm_pool.started()
                        and row_chains.pays(self._chains_found, self._jit_args[0], self._jit_best))
                    if compiled:
                        self._jit_compile()
                    else:  # what islands save is too small a part of a run: keep the kernels, and the memory;
                        # judged again after twice as many runs, twice (a busy machine's first runs can look
                        # many times longer than the plan's runs: W5's 63 ms as 576 ms of CPU time, spin-waits)
                        self._jit_tries += 1
                        self._jit_in = jit.runs_before_retry(self._jit_tries)
            try:
                low = compiled and self._aot is None and jit.deep(self.islands, self._jit_args[0])
                with jit.compiling() if low else contextlib.nullcontext():  # (jit.ISLAND_OPT)
                    out = self._call_now(feeds)  # Numba compiles (or loads) the islands in this run, or they are
            finally:  # recorded (runtime/aot.py), then built ahead (those the run reached, should it raise)
                if compiled and self._aot is not None:
                    with _jit_lock:
                        self._aot_build()
            if compiled and not self.jit_failures:
                jit.mark_warm(self._jit_key, built=self._aot is not None)
            return out
        self._jit_in -= 1
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return self._call_now(feeds)
        finally:
            self._jit_spent += time.perf_counter() - t0
            # the fastest run in this thread's CPU time: what other processes take from the cores (a loaded
            # machine stretched W5's wall-clock runs threefold) does not make the islands' savings look small
            self._jit_best = min(self._jit_best, time.thread_time() - c0)

    def _call_now(self, feeds):
        if self.needs_initialized:
            self._check_initialized()
        if self.replay is not None:
            out = self.replay(feeds)
            if out is not None:
                return out
        return self.run_normally(feeds)

    def _jit_compile(self):
        """Regenerate the run function with the plan's islands that pay (runtime/jit.py), less those that
        failed to compile."""
        self._jit_in = None
        prog, fetch_elems, fed, _ = self._jit_args
        dropped = {op for ops, _ in self.jit_failures for op in ops}
        self.islands = [isl for isl in self._jit_chosen if not dropped & set(isl.ops)]
        chains = []
        if gemm_pool.started():  # steps on big buffers, over the pool's threads (runtime/row_chains.py)
            found, self.islands = row_chains.prefer_chains(self._chains_found, self.islands)
            chains = row_chains.compile_chains(found, prog)
        self.chains = [ch for ch, _ in chains]
        self._build(prog, fetch_elems, fed, self.islands, chains)

    def _island_function(self, k, isl, source, owned=()):
        """What the run function calls for island k: its function compiled in this process by Numba
        (runtime/jit.py); or, where the plan builds its islands ahead (runtime/aot.py), a recorder of its
        arguments' types for one run, then its function from the built module."""
        if self._aot is None:
            return jit.load(source)
        key = tuple(isl.ops)
        fn = self._aot["built"].get(key)
        if fn is None:
            fn = aot.Recorder(k, owned)
            self._aot["recorders"][key] = (fn, source)
        return fn

    def _aot_build(self):
        """Build the recorded islands in a child process (runtime/aot.py), in a background thread: the plan runs
        its kernels until the module is ready (`_aot_finish`; `wait_for_islands`), so a cold build (seconds)
        never stalls a run. Islands that no run called (a branch not taken) or with arguments Numba has no type
        for keep their kernels."""
        state = self._aot
        kept = [(key, rec, source) for key, (rec, source) in state["recorders"].items() if rec.specs is not None]
        recorded = [(key, rec.specs, source) for key, rec, source in kept]
        items = [(source, rec.specs) for _, rec, source in kept]
        owned = [rec.owned for _, rec, _ in kept]
        done = {}

        def build():
            try:
                done["functions"] = aot.build(items, owned) if items else []
            except Exception:  # noqa: BLE001 - a module that would not load (say, a cache folder gone meanwhile)
                done["functions"] = None
        thread = threading.Thread(target=build, name="graphgrad-build-islands", daemon=True)
        self._aot_pending = (thread, done, recorded)
        prog, fetch_elems, fed, _ = self._jit_args
        self.islands = []
        self._build(prog, fetch_elems, fed)  # the kernels, without the recorders, while the child builds
        self._jit_in = 0  # (runs go through _call_counting, which installs the islands once they are built)
        thread.start()
        if aot.waits():  # GRAPHGRAD_JIT_WAIT=1: this run waits for them (benchmarks, tests)
            self._aot_finish()

    def _aot_finish(self):
        """Install the islands built in the background (under `_jit_lock`); where the child failed, compile them
        in this process instead."""
        if self._aot_pending is None:
            return
        thread, done, recorded = self._aot_pending
        thread.join()
        self._aot_pending = None
        functions = done.get("functions")
        if functions is None:
            self._aot = None
            jit.mark_warm(self._jit_key)  # compiled in this process after all: no module to import next time
        else:
            self._aot["built"] = {key: fn for (key, _, _), fn in zip(recorded, functions)}
            self._aot["recorders"] = {}
            self._jit_chosen = [isl for isl in self._jit_chosen if tuple(isl.ops) in self._aot["built"]]
        self._jit_compile()

    def wait_for_islands(self, timeout=None) -> bool:
        """Wait for islands being built ahead in the background (runtime/aot.py) and install them; whether none
        is pending any more (False when `timeout` seconds passed first)."""
        pending = self._aot_pending
        if pending is not None:
            pending[0].join(timeout)
            if pending[0].is_alive():
                return False
            with _jit_lock:
                self._aot_finish()
        return True

    def _jit_failed(self, islands, k, exc):
        """Island k of `islands` (those of the function that ran) raised: its steps run through their kernels in
        this run; a compile error also drops it from the function of the runs after this one."""
        if jit.is_compile_error(exc):
            with _jit_lock:
                if not any(ops == islands[k].ops for ops, _ in self.jit_failures):
                    self.jit_failures.append((list(islands[k].ops), exc))
                    self._jit_compile()

    def _check_initialized(self):
        if self.needs_initialized:
            store = self.ctx.variables
            for v in self.needs_initialized:
                if v not in store:
                    raise uninitialized_error(v)

    def repeated(self):
        """For an op that runs this inner plan many times in one run (a tf.while_loop's cond and body): checks
        once what every run checks first (the variables it reads hold values) and returns the function to call
        per iteration, `f(feed_values) -> fetched values`. That is the generated function itself when a run
        needs no rollback snapshot, so an iteration costs one Python call; an error it raises is the kernel's
        own, which `translate(exc)` turns into the InvalidArgumentError naming the op. While the plan's islands
        (runtime/jit.py) wait to be compiled, every iteration is a run counted towards that."""
        self._check_initialized()
        if self._jit_in is not None:  # islands not compiled yet: runs counted until they are (then `_fn`)
            return self._call
        return self.run_normally if self.needs_snapshot else self._fn

    def translate(self, exc):
        """The error a run of this plan reports for `exc`, raised by a kernel of the function from `repeated`."""
        return self._translate(exc)

    def run_normally(self, feeds):
        """One run through the generated function (no graph replay), rolled back if it fails."""
        try:
            out = self._fn(feeds)
        except BaseException as e:  # KeyboardInterrupt too: roll back, then re-raise
            self._restore()
            if interrupts.pending and not self.inner:
                interrupts.deliver()
            if not isinstance(e, Exception):
                raise
            raise self._translate(e) from (None if isinstance(e, OpError) else e)
        if self.needs_snapshot:
            self._local.saved = None  # do not keep the copies alive until the next run
        if interrupts.pending and not self.inner:
            interrupts.deliver()  # Ctrl-C came during the writes: the run is whole, now stop
        return out

    def _translate(self, exc):
        if isinstance(exc, OpError):
            return exc
        op = None
        tb = exc.__traceback__
        while tb is not None:
            lines = self._lines_by_file.get(tb.tb_frame.f_code.co_filename)
            if lines is not None:
                op = lines.get(tb.tb_lineno)
            tb = tb.tb_next
        if op is None:
            return exc
        text = _tf_message(exc, len(op.inputs))
        return InvalidArgumentError(op.node_def, op, f"{text}\n\t [[{{{{node {op.name}}}}} = {op.type}]]")


_BROADCAST = re.compile(r"operands could not be broadcast together with (?:remapped )?shapes"
                        r"(?: \[original->remapped\])?:? ((?:\([\d, ]*\)(?:->\([\d,newaxis]*\))? ?)+)")
_OUTPUT = re.compile(r"non-broadcastable output operand with shape (\([\d,]*\)) doesn't match the broadcast shape "
                     r"(\([\d,]*\))")


_MATMUL = re.compile(r"matmul: Input operand 1 has a mismatch in its core dimension 0, .*\(size (\d+) is different "
                     r"from (\d+)\)")


def _tf_message(exc, n_inputs):
    """A kernel's NumPy error in TensorFlow's words where TF has them ("Incompatible shapes: [2,3] vs. [4]"),
    else the exception's class and text. NumPy also lists an `out=` operand: only the op's inputs are named."""
    text = str(exc)
    m = _BROADCAST.search(text) or _OUTPUT.search(text)
    if m is not None:
        shapes = re.findall(r"\(([\d, ]*)\)(?!->)", " ".join(m.groups()))  # CuPy writes "(2, 3)"
        dims = ["[" + ",".join(d.strip() for d in s.split(",") if d.strip()) + "]" for s in shapes]
        return "Incompatible shapes: " + " vs. ".join(dims[:max(n_inputs, 2)])
    m = _MATMUL.search(text)
    if m is not None:
        return f"Matrix size-incompatible: In[0] has {m.group(2)} columns, In[1] has {m.group(1)} rows"
    return f"{type(exc).__name__}: {text}"


def _last_uses(steps, args, names, fetch_tensors):
    """The position of the last step reading each local name, so that the generated code `del`s it right
    after; fetched values live to the end (position len(steps))."""
    last_use = {}
    for pos, op in enumerate(steps):
        for t in args[op]:
            last_use[names[t]] = pos
    for t in fetch_tensors:
        last_use[names[t]] = len(steps)
    return last_use


def _must_copy(prog, e, r):
    """Whether fetching `e` (whose value is `r` after the passes) must copy, so that the caller never holds a
    live view of a variable, and gets a fresh array wherever the unoptimized plan gave one."""
    if aliases_variable(e) or prog.may_alias_variable(r):
        return True
    if r in prog.consts:
        return isinstance(prog.consts[r], np.ndarray) and not e.op.op_def.is_constant
    return not prog.path_is_same_object(e)


def _same(x):
    return x


def _declines(*_):
    return None


def _nothing():
    pass


def _timed(kernel, op, trace):
    def run(*args, **kwargs):
        start = time.time_ns()
        result = None
        try:
            result = kernel(*args, **kwargs)
            return result
        finally:
            records = getattr(trace, "records", None)
            if records is None:
                records = trace.records = []
            outputs = kwargs["out"] if result is None and "out" in kwargs else result  # an in-place kernel's buffer
            records.append((op, start, time.time_ns(), threading.get_ident(), outputs))
    return run


def _into_kept_buffer(kernel, shape_of, dtype, xp):
    """`kernel` writing into a buffer kept from one run to the next (one per thread, so that threads running
    the same plan never share it); a new buffer only when the result's shape changes (a different batch)."""
    local = threading.local()

    def run(*args):
        shape = shape_of(*args)
        out = getattr(local, "out", None)
        if out is None or out.shape != shape:
            out = local.out = xp.empty(shape, dtype)
        return kernel(*args, out=out)
    return run


def _inplace_call(inplace, a, ns, pos):
    """(function, argument text) of an op that writes into the buffer of one of its inputs (`out=` that buffer):
    `inplace` is what the op's `inplace_kernel` returned, its constants bound as globals z<pos>(_<j>)."""
    fn, consts = inplace
    names = [f"z{pos}" if len(consts) == 1 else f"z{pos}_{j}" for j in range(len(consts))]
    for name, value in zip(names, consts):
        ns[name] = value
    return fn, ", ".join(list(a) + names)


def _oneline(text):
    """Op names go into comments of the generated code: no line breaks."""
    return text.replace("\r", " ").replace("\n", " ")


def _describe(value):
    shape = getattr(value, "shape", ())
    dt = getattr(value, "dtype", type(value).__name__)
    return f"{dt}[{', '.join(map(str, shape))}]"


def _to_scalar(v):
    return v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v


def check_feed(value, spec):
    """Convert a fed value to the tensor's dtype (no copy when it already is) and check its shape."""
    dtype, shape, name = spec
    if type(value) is np.ndarray and value.dtype == dtype:
        arr = value
    else:
        arr = _convert_feed(value, dtype, name)
    if shape is not None:
        s = arr.shape
        if len(s) != len(shape):
            _bad_feed_shape(s, shape, name)
        for d, x in zip(shape, s):
            if d is not None and d != x:
                _bad_feed_shape(s, shape, name)
    return arr


def feed_checker(specs):
    """`check(values) -> list`: check_feed of each value against `specs`, as one function generated for them.
    A step of a tiny model is a few microseconds; check_feed called per feed costs 0.5 µs each, this a fifth of
    that for an array of the tensor's dtype (any other value goes through check_feed, which converts it)."""
    ns = {"_nd": np.ndarray, "_check": check_feed, "_bad": _bad_feed_shape}
    lines = [f"def check(values):\n    if len(values) != {len(specs)}:\n"
             "        return [_check(v, s) for v, s in zip(values, _specs)]"]
    names = [f"v{i}" for i in range(len(specs))]
    if specs:
        lines.append(f"    {', '.join(names)}{',' if len(specs) == 1 else ''} = values")
    for i, (dtype, shape, _) in enumerate(specs):
        ns[f"_d{i}"], ns[f"_s{i}"] = np.dtype(dtype), specs[i]
        lines.append(f"    if type(v{i}) is _nd and v{i}.dtype is _d{i}:")
        if shape is not None:
            dims = [f"_x[{j}] != {d}" for j, d in enumerate(shape) if d is not None]
            lines.append(f"        _x = v{i}.shape\n        if len(_x) != {len(shape)}"
                         + "".join(f" or {c}" for c in dims) + f":\n            _bad(_x, _s{i}[1], _s{i}[2])")
        else:
            lines.append("        pass")
        lines.append(f"    else:\n        v{i} = _check(v{i}, _s{i})")
    lines.append(f"    return [{', '.join(names)}]")
    ns["_specs"] = specs
    exec(compile("\n".join(lines), "<graphgrad feed check>", "exec"), ns)  # noqa: S102 - our own generated code
    return ns["check"]


def _convert_feed(value, dtype, name):
    """The slow path of check_feed: a value that is not an ndarray of the tensor's dtype. As TF1, floats fed to an
    integer tensor are truncated; values that do not fit the integer dtype (and NaN or infinity) are a ValueError
    rather than NumPy's wrapped-around numbers or a raw OverflowError."""
    dt = np.dtype(dtype)
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        raise TypeError(f"The value of a feed cannot be a tf.Tensor object (fed to {name}). Acceptable feed values "
                        "include Python scalars, strings, lists, numpy ndarrays, or TensorHandles.")
    why = "None is not a value" if value is None else None
    if why is None:
        try:
            src = np.asarray(value) if dt.kind in "iu" else value
            if dt.kind in "iu" and src.dtype.kind in "iuf" and src.size:
                why = _out_of_range(src, dt)
            if why is None:
                arr = np.asarray(src, dtype=dt)
                return _as_bytes(arr) if dt.kind == "O" else arr
        except (TypeError, ValueError, OverflowError) as e:
            why = str(e)
    raise ValueError(f"Cannot feed value {_short(value)} of type {type(value).__name__} for Tensor {name}, which "
                     f"has dtype {dt.name}: {why}")


def _as_bytes(arr):
    """A tf.string feed as TF holds it: `str` elements encoded to UTF-8 `bytes` (a copy only if any is a str)."""
    if not any(isinstance(v, str) for v in arr.flat):
        return arr
    out = np.empty(arr.shape, dtype=object)
    for i, v in np.ndenumerate(arr):
        out[i] = v.encode() if isinstance(v, str) else v
    return out


def _out_of_range(src, dt):
    """Why the numbers of `src` (ints or floats, to be truncated) do not fit the integer dtype `dt`, or None."""
    info = np.iinfo(dt)
    lo, hi = src.min(), src.max()
    if src.dtype.kind == "f":
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return "not a finite number"
        bad = np.trunc(lo) < float(info.min) or np.trunc(hi) >= float(info.max) + 1
    else:
        bad = lo < info.min or hi > info.max
    return f"out of range for {dt.name} [{info.min}, {info.max}]" if bad else None


def _bad_feed_shape(s, shape, name):
    want = "(" + ", ".join("?" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    raise ValueError(f"Cannot feed value of shape {s} for Tensor {name}, which has shape {want}")


def _short(value):
    r = repr(value)
    return r if len(r) < 60 else r[:57] + "..."

