"""Replays of eager blocks whose dispatches repeat: a tape's reverse pass, a gradient rule, an optimizer's update.

An eager op pays for the public function's Python (argument conversion, name scopes, static checks) before its
bound kernel runs. A block that dispatches the same ops on the same signatures every step (a training step's
`tape.gradient`, an op's gradient rule on a record of one signature, `apply_gradients` on the same variables) is
therefore *captured*: while it runs,
the eager graph reports every dispatched bound kernel (its entry in `EagerGraph._entries`) and the variable reads,
with where each operand came from — a value fed to the block, a value made inside it, or a constant. A later run
with the same key calls those kernels directly, as straight-line generated code, without the block's Python.
The kernels are the ones the block dispatched, so a replay computes exactly what the block computes.

A key's block is captured from its second run on (a key that never repeats costs no capture), and a capture
becomes a program only when a second capture of the same key, on other values, gives the same program
(the same kernels on the same operands, equal constants, the same results): a block whose ops depend on the
values (a constant computed from a value, a branch on one) keeps running as Python. A capture fails, and the key
runs as Python for good, when the block reads a tensor that is neither fed, made inside, nor a constant, or
returns something a program cannot make again.
"""
from __future__ import annotations

import os

import numpy as np

from ..framework.graph import Operation
from . import context as _ctx
from .shared_reads import read_array
from .tensor import EagerTensor

__all__ = ["Replays", "operand_key", "value_key"]

_FAIL = "fail"  # the state of a key whose block runs as Python
_SEEN = "seen"  # the state of a key seen once (with a caller's pass counter: that pass's number)
_CODE: dict = {}  # generated source -> its code object

#: GRAPHGRAD_EAGER_REPLAY=0 runs every block as Python (to compare, or to rule replays out when debugging).
ENABLED = os.environ.get("GRAPHGRAD_EAGER_REPLAY", "1").strip().lower() not in ("0", "false", "no", "off")


class _Capture:
    """What one run of a block dispatched: steps `(entry or handle op, operand refs, produced slots)` where a
    ref is ("f", i) for the i-th fed tensor, ("t", j) for a value made by a step, ("c", k) for a constant."""

    def __init__(self, fed):
        self.refs = {}
        for i, t in enumerate(fed):
            self.refs.setdefault(id(t), ("f", i))
        self.keep = list(fed)   # every tensor whose id is a key in `refs` stays alive, so its id stays unique
        self.steps = []
        self.consts = []        # the constant tensors read
        self.made = []          # per produced slot: (dtype, op, value index, shape) to wrap it as a tensor
        self.ok = True

    def ref(self, t):
        r = self.refs.get(id(t))
        if r is None:
            op = t.op if t.__class__ is EagerTensor else None
            if op is None or not op.op_def.is_constant:
                self.ok = False  # a value from outside the block: a replay could not find it again
                return None
            r = self.refs[id(t)] = ("c", len(self.consts))
            self.consts.append(t)
            self.keep.append(t)
        return r

    def _produce(self, outs):
        slots = []
        for t in outs:
            self.refs[id(t)] = ("t", len(self.made))
            slots.append(len(self.made))
            self.made.append((t.dtype, t.op, t.value_index, t._shape))
            self.keep.append(t)
        return tuple(slots)

    def dispatched(self, entry, inputs, outs):
        """The eager graph ran `entry`'s kernel on the values of the eager tensors among `inputs`."""
        args = tuple(self.ref(t) for t in inputs if t.__class__ is EagerTensor)
        self.steps.append((entry, args, self._produce(outs)))

    def read(self, handle_op, tensor):
        """An eager variable's value was read into `tensor` (eager/shared_reads.py `read_array`)."""
        self.steps.append((handle_op, (), self._produce([tensor])))

    def program(self, results):
        """The canonical form of this capture returning `results` (comparable with another capture's), or None."""
        specs = []
        for r in results:
            if r is None:
                specs.append(None)
            elif r.__class__ is EagerTensor:
                specs.append(self.ref(r))
            elif isinstance(r, Operation):
                specs.append(("o", r))  # an op (a bound op of the eager graph): returned as it is
            else:
                return None
        if not self.ok:
            return None
        return _Program(self.steps, [c._value for c in self.consts], self.consts, self.made, specs)


class _Program:
    """A captured block as data (compared by `same`), compiled to a function of the fed tensors on first use."""

    def __init__(self, steps, const_values, const_tensors, made, results):
        self.steps, self.const_values, self.const_tensors = steps, const_values, const_tensors
        self.made, self.results = made, results
        self.run = None

    def same(self, other):
        if (len(self.steps) != len(other.steps) or self.results != other.results
                or len(self.const_values) != len(other.const_values)):
            return False
        for (a, a_args, a_out), (b, b_args, b_out) in zip(self.steps, other.steps):
            if a is not b or a_args != b_args or a_out != b_out:
                return False
        for x, y in zip(self.const_values, other.const_values):
            if x is not y and (x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes()):
                return False
        return self.made == other.made

    def compile(self):
        """Straight-line Python: one call per live step, then the results wrapped as eager tensors."""
        live = self._live_steps()
        ns = {"_ET": EagerTensor, "_np": np, "_ctx": _ctx.context(), "_read": read_array}
        lines, used_fed = [], set()

        def name(ref):
            kind, i = ref
            if kind == "f":
                used_fed.add(i)
            return f"{kind}{i}"
        for k, (entry, args, outs) in enumerate(self.steps):
            if k not in live:
                continue
            targets = ", ".join(f"t{j}" for j in outs)
            if isinstance(entry, Operation):  # a variable read
                ns[f"h{k}"] = entry
                lines.append(f"t{outs[0]} = _read(h{k}, _ctx.variables[h{k}])")
                continue
            kernel, _, copy, _ = entry
            ns[f"k{k}"] = kernel
            call = f"k{k}({', '.join(name(a) for a in args)})"
            lines.append(f"{targets} = {call}" if outs else call)
            if copy:
                lines.extend(f"t{j} = _np.array(t{j}, copy=True)" for j in outs)
        for i, v in enumerate(self.const_values):
            ns[f"c{i}"] = v
        ret = []
        for r in self.results:
            if r is None:
                ret.append("None")
            elif r[0] == "o":
                ns[f"o{len(ret)}"] = r[1]
                ret.append(f"o{len(ret)}")
            elif r[0] == "f":
                ret.append(f"F[{r[1]}]")
            elif r[0] == "c":
                ns[f"C{r[1]}"] = self.const_tensors[r[1]]
                ret.append(f"C{r[1]}")
            else:
                j = r[1]
                for field, v in zip("doxs", self.made[j]):  # dtype, op, value index, shape
                    ns[f"{field}{j}"] = v
                ret.append(f"_ET(t{j}, d{j}, o{j}, x{j}, s{j})")
        head = [f"f{i} = F[{i}]._value" for i in sorted(used_fed)]
        src = "def replay(F):\n" + "".join(f"    {s}\n" for s in head + lines) + f"    return [{', '.join(ret)}]\n"
        code = _CODE.get(src)
        if code is None:  # the source names kernels and specs, not shapes: one code object serves every shape
            if len(_CODE) >= 1024:
                _CODE.clear()
            code = _CODE[src] = compile(src, "<eager replay>", "exec")
        exec(code, ns)
        self.run = ns["replay"]
        self.source = src
        return self.run

    def _live_steps(self):
        """The steps a result needs, and those with effects (updates, random draws, ops without outputs)."""
        need = {r[1] for r in self.results if r is not None and r[0] == "t"}
        live = set()
        for k in range(len(self.steps) - 1, -1, -1):
            entry, args, outs = self.steps[k]
            effect = False
            if not isinstance(entry, Operation):
                op_def = entry[3].op_def
                effect = op_def.mutates or op_def.stateful or (not outs and not op_def.no_op)
            if effect or any(j in need for j in outs):
                live.add(k)
                need.update(i for kind, i in args if kind == "t")
        return live


class Replays:
    """Programs by key. `run(key, fed, block)` runs `block(tensors)` (which returns a list) as Python and captures
    it, or replays the program the key's captures agreed on."""

    def __init__(self, size=4096):
        self._states: dict = {}
        self.size = size
        self.replays = 0  # runs served by a program
        self.epoch = 0    # the caller's pass counter (see `run`)

    def run(self, key, fed, block, proxies=False, epoch=None):
        """`block(fed)`'s results. `proxies`: capture it on fresh tensors holding the fed values (so a fed
        tensor that is also a constant the block uses on its own is told apart from it). `epoch`: the pass this
        run belongs to (a tape's reverse pass, for its rules): a key is captured only when seen in an earlier pass,
        so keys that repeat within one pass but never across passes cost no capture."""
        if _ctx._captures or not ENABLED:  # inside another capture, the block's kernels belong to that one
            return block(fed)
        state = self._states.get(key)
        if state.__class__ is _Program:
            if state.run is not None:
                self.replays += 1
                return state.run(fed)
        elif state is None or state is _FAIL or (state is not _SEEN and state == epoch):
            if state is None:  # first seen: captured from the next pass on, so keys that never repeat cost no
                if len(self._states) >= self.size:  # capture
                    self._states.clear()
                self._states[key] = _SEEN if epoch is None else epoch
            return block(fed)
        args = _proxies(fed) if proxies else fed
        cap = _Capture(args)
        _ctx._captures.append(cap)
        try:
            results = block(args)
        finally:
            _ctx._captures.pop()
        program = cap.program(results)
        if program is None:
            self._states[key] = _FAIL
        elif state.__class__ is not _Program:  # seen before
            self._states[key] = program  # a candidate, compiled when a second capture agrees
        elif state.same(program):
            state.compile()
        else:
            self._states[key] = _FAIL
        if proxies:
            back = {id(p): t for p, t in zip(args, fed)}
            results = [back.get(id(r), r) for r in results]
        return results


def operand_key(tensors, key=None, first=None):
    """What a replay key needs of a block's operands, as a list: each one's dtype and shape, the values of small
    integer ones (a shape or an axis: the block's ops may depend on them) and of small constants (which the block
    may also use as themselves: a cached `2.0`), and which are the same tensor (an operand seen before is keyed by
    its position among the distinct ones, `first`). None when one is not an eager tensor, has no value, or is a
    large integer tensor (labels, indices: the block runs as Python). `key` and `first` continue a key being built."""
    key = [] if key is None else key
    first = {} if first is None else first
    for t in tensors:
        i = id(t)
        j = first.get(i)
        if j is not None:
            key.append(j)
            continue
        first[i] = len(first)
        if t.__class__ is not EagerTensor:
            return None
        v = t._value
        if v is None or not hasattr(v, "dtype"):  # an output with no value (a convolution's patch matrix the
            return None  # GEMM pool's passes never make), a TensorArray's flow (a tuple): the block runs as Python
        key.append(v.dtype)
        key.append(v.shape)
        values = value_key(t, v)
        if values is not None:
            if values is False:
                return None
            key.append(values)
    return key


def value_key(t, v):
    """The bytes of eager tensor `t`'s value `v` that a replay key holds (see `operand_key`), None when its values
    do not matter, False when they would and it is too large to key on."""
    if v.dtype.kind not in "fc":
        return v.tobytes() if v.size <= 8 else False
    if v.size <= 8 and t.op is not None and t.op.op_def.is_constant:
        return v.tobytes()
    return None


def _proxies(fed):
    """Fresh eager tensors with the values (and ops) of `fed`; the same tensor twice gives the same proxy."""
    made = {}
    out = []
    for t in fed:
        p = made.get(id(t))
        if p is None:
            p = made[id(t)] = EagerTensor(t._value, t.dtype, t.op, t.value_index, t._shape)
        out.append(p)
    return out
