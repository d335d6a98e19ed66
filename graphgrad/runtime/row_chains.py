"""Chains of steps on one big buffer, compiled into one loop and run over the GEMM pool's threads by blocks of
rows.

The fuse pass (runtime/passes.py) lets an elementwise op write into the fresh buffer of the op before it: a
convolution's output gets its bias added and then its ReLU, both in place. On a big buffer each of those is a
NumPy pass over memory on one core, and islands (runtime/jit.py) leave them alone, since an island would allocate
its results anew. Here a run of such steps on one buffer, each with a `jit` template (framework/op_def.py),
becomes one Numba `cfunc` over a block of the buffer's rows (its first axis): the templates' array expressions,
fused by Numba into one loop over the block, then written back into the block. The pool's threads (the caller
and the workers, runtime/gemm_pool.py) each run it on their blocks, so the buffer is read and written once, in
cache-sized pieces, on every core. (W5: the first convolution's bias add and ReLU 0.70 -> 0.27 ms, its ReLU
gradient 0.65 -> 0.30 ms.)

A chain may also start with an op that allocates its result and declares `rows_independent` (a max pool, its
gradient: image by image): the call allocates the result, and the op's template runs on the blocks' rows of its
inputs, followed by the elementwise steps in place on its result (W5's max-pool gradient and the ReLU gradient
after it, one pass). Such an op alone in an island leaves it for the chain (`prefer_chains`).

The elementwise ops (that is what an `inplace_kernel` declares) read an operand shaped like the buffer by the same
rows, one that broadcasts without the first axis (a bias, a scalar) whole; a row-wise op reads its inputs'
same rows. Other operands keep the chain out. Each element goes through the same operations as the ops' kernels
(or islands), in the same order: the same values bit for bit (float32 tanh excepted, whose island form is
runtime/jitlib.py's, within 5 ulp).

A plan builds its chains when it compiles its islands and the pool runs (runtime/plan.py `_jit_compile`). A
chain's call returns None where it cannot take the arrays it is given (another layout or dtype, rows that do not
match); the plan then runs the steps' kernels, as it does when Numba refuses to compile a chain.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..framework.op_def import ref_indices
from .jit import INPLACE_FROM, _elements

#: A buffer of fewer elements stays with the kernels (or joins an island): the bound below which islands take
#: in-place steps (runtime/jit.py), where the hand-off to the pool's threads would cost more than it saves.
FROM = INPLACE_FROM
#: Rows per block: about this many bytes of the buffer (at least one row), so a block and its temporaries stay in
#: a core's cache.
BLOCK_BYTES = 1 << 18
_POINTERS = {"float32": "_f32", "float64": "_f64"}


@dataclass
class Chain:
    """Steps [start, end) of a plan: `ops` on one buffer, `operands[0]`: the first op's buffer input when it runs
    in place, or its result when it allocates one (`fresh`: a row-wise op such as a max pool's gradient, whose
    result the call allocates). The other `operands` are read ("rows": by the same rows, shaped like the buffer
    where an elementwise op reads them; "whole": broadcast along the rows)."""

    start: int
    end: int
    fresh: bool = False
    ops: list = field(default_factory=list)
    operands: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    same_shape: set = field(default_factory=set)  # operands an elementwise op reads: shaped like the buffer


def _dtype(t):
    return t.dtype.base_dtype.name


def _kind(t, buf, prog, rowwise=False):
    """How a chain reads operand `t` of buffer `buf` ("rows", "whole"), or None (it cannot); `rowwise`: for an op
    whose rows depend on the same rows of its inputs, any operand with the buffer's rows is read by rows."""
    s, sb = prog.sym(t), prog.sym(buf)
    if s is None or _dtype(t) not in _POINTERS:
        return None
    if s == sb or (rowwise and s and (s[0] == sb[0] or not isinstance(s[0], int) or not isinstance(sb[0], int))):
        return "rows"  # (a row-wise op's operand whose rows the plan cannot tell: the call checks them)
    if not s or (not rowwise and (len(s) < len(sb) or (len(s) == len(sb) and s[0] == 1))):
        return "whole"
    return None


def _link(op, prog):
    """(buffer, fresh) when op can join a chain (a `jit` template, float operands, a buffer of FROM elements or
    more, no variable read): the buffer it writes in place (fresh False), or its result when it allocates one and
    declares `rows_independent` (fresh True, the start of a chain); else None."""
    if op in prog.rewired or ref_indices(op) or op.op_def.jit is None or len(op.outputs) != 1:
        return None
    args = prog.args(op)
    fresh = op not in prog.inplace
    if fresh and not op.op_def.rows_independent:
        return None
    buf = op.outputs[0] if fresh else args[prog.inplace[op]]
    sb = prog.sym(buf)
    if not sb or _elements(sb) < FROM or _dtype(buf) not in _POINTERS:
        return None
    if any(t is not buf and _kind(t, buf, prog, fresh) is None for t in args):
        return None
    return (buf, fresh) if op.op_def.jit(op, prog) is not None else None


def find_chains(steps, prog):
    """Maximal runs of consecutive steps, each in place on the result of the step before it; the first on any
    buffer it may join a chain with, or a row-wise op's new result."""
    chains, cur = [], None
    for pos, op in enumerate(steps):
        link = _link(op, prog)
        if link is None:
            cur = None
            continue
        buf, fresh = link
        if fresh or cur is None or cur.end != pos or buf is not cur.ops[-1].outputs[0]:
            cur = Chain(pos, pos, fresh, operands=[buf], kinds=["buffer"])
            chains.append(cur)
        cur.ops.append(op)
        cur.end = pos + 1
        made = {o.outputs[0] for o in cur.ops}
        for t in prog.args(op):
            if t not in made and t not in cur.operands:
                cur.operands.append(t)
                cur.kinds.append(_kind(t, cur.operands[0], prog, fresh))
            if not fresh and t not in made:
                cur.same_shape.add(t)
    return chains


def pays(chains, prog, run_s):
    """Whether `chains` alone are worth a compile for a plan whose runs take `run_s` (no island pays): their ops'
    kernels make `jit_calls` passes each over the buffer on one core, a chain about half of one pass's time on
    two; judged as islands' passes are (runtime/jit.py `pays`). (W3's bias adds and ReLUs, 1 % of its step, are
    not: the compile would cost seconds and Numba's compiler ~35 MiB.)"""
    from . import jit
    passes = sum((sum(jit.jit_calls(op) for op in ch.ops) - 0.5) * _elements(prog.sym(ch.operands[0]))
                 for ch in chains)
    return jit.pays((0.0, passes * jit.PASS_S), run_s)


def prefer_chains(chains, islands):
    """Islands made only of ops that chains run leave them to the chains (W5's max pool and its gradient: an
    island's one loop on one core, a chain's over all cores); chains that overlap another island are dropped."""
    in_chains = {op for ch in chains for op in ch.ops}
    kept = [isl for isl in islands if not set(isl.ops) <= in_chains]
    owned = {op for isl in kept for op in isl.ops}
    return [ch for ch in chains if not owned & set(ch.ops)], kept


def chain_source(chain, prog, cache):
    """The source of a module whose `block(words, lo, hi)` runs `chain` on rows lo..hi (a Numba `cfunc` the
    pool's threads call). `words` holds, as int64, per operand (the buffer first): its address, then its bytes per
    row and its dimensions after the first ("rows", the buffer) or its dimensions ("whole")."""
    from .jit import FAST
    lines, word, names = [], 0, {}
    for j, (t, kind) in enumerate(zip(chain.operands, chain.kinds)):
        ptr, name, dims = _POINTERS[_dtype(t)], "_b" if j == 0 else f"_a{j - 1}", len(prog.sym(t))
        if kind in ("rows", "buffer"):
            rest = "".join(f", _w[{word + 2 + d}]" for d in range(dims - 1))
            lines.append(f"    {name} = carray({ptr}(_w[{word}] + lo * _w[{word + 1}]), (hi - lo{rest}))")
            word += 1 + dims
        else:
            shape = "(" + "".join(f"_w[{word + 1 + d}], " for d in range(dims)) + ")" if dims else "1"
            lines.append(f"    {name} = carray({ptr}(_w[{word}]), {shape})")
            if not dims:
                name = f"{name}[0]"  # 0-d: a scalar in the loop
            word += 1 + dims
        if not (j == 0 and chain.fresh):  # a fresh buffer is written, never read
            names[t] = name
    view = _elementwise_view(chain, prog)
    for k, op in enumerate(chain.ops):
        rowwise = chain.fresh and k == 0
        ins = {f"i{i}": names[t] if rowwise or _whole(t, chain) else f"{names[t]}{view}"
               for i, t in enumerate(prog.args(op))}
        out = f"_t{k}"
        dt = op.outputs[0].dtype.base_dtype
        ins.update(o0=out, T=f"np.{dt.name}", B=str(dt.size * 8), u=f"_u{k}_")
        code = op.op_def.jit(op, prog).format(**ins)
        for (fn, dtype), fast in FAST.items():
            if dt.name == dtype:
                code = code.replace(f"np.{fn}(", f"_lib.{fast}(")
        lines.append(f"    # {op.name} ({op.type})")
        lines.extend("    " + line for line in code.splitlines())
        names[op.outputs[0]] = out  # (viewed again by the next step: the same view, a no-op)
    lines += ["    _d = _b.reshape(-1)", f"    _s = _t{len(chain.ops) - 1}.reshape(-1)",
              "    for _j in range(_d.size):", "        _d[_j] = _s[_j]"]
    pointers = ", ".join(sorted({_POINTERS[_dtype(t)] for t in chain.operands}))
    head = ["import numpy as np", "from numba import carray, cfunc, types",
            f"from graphgrad.runtime.gemm_pool_kernels import _i64, {pointers}",
            "from graphgrad.runtime import jitlib as _lib", "", "",
            f"@cfunc(types.void(types.int64, types.int64, types.int64), cache={cache}, nogil=True, "
            "error_model=\"numpy\")",
            "def block(words, lo, hi):",
            f"    _w = carray(_i64(words), {max(word, 1)})"]
    return "\n".join(head + lines) + "\n"


def _whole(t, chain):
    j = chain.operands.index(t) if t in chain.operands else -1
    return j > 0 and chain.kinds[j] == "whole"


def _elementwise_view(chain, prog):
    """The view the elementwise steps read their operands through (a reshape appended to each name): flat where
    every operand they broadcast is 0-d, rows of the buffer's last axis where they are 1-D (a bias), else none.
    Numba compiles an expression over 4-D arrays ten to twenty times slower (8 s for W5's ReLU gradient after a
    max-pool gradient, against 0.3 s flat), and runs it no faster."""
    rank = len(prog.sym(chain.operands[0]))
    ranks = {len(prog.sym(t)) for t, kind in zip(chain.operands, chain.kinds) if kind == "whole"}
    if rank <= 1 or ranks <= {0}:
        return ".reshape(-1)"
    if ranks <= {0, 1}:
        return f".reshape(-1, _w[{rank}])"  # the buffer's last dimension
    return ""


class ChainCall:
    """The plan's call of a compiled chain: `(buffer, *operands)` (in place) or `(*operands)` (fresh: the first
    op's inputs) -> the buffer, written over the pool's threads (or, with the pool busy, in the calling thread);
    None (nothing written) where the arrays are not what it was compiled for (dtype, rank, C order, the
    dimensions the plan knows; an operand not broadcasting along the buffer's rows)."""

    def __init__(self, chain, prog, address):
        self.address = address
        self.fresh = chain.fresh
        self.kinds = chain.kinds
        self.dtypes = [np.dtype(_dtype(t)) for t in chain.operands]
        self.dims = [tuple(d if isinstance(d, int) else None for d in prog.sym(t)) for t in chain.operands]
        self.same_shape = [t in chain.same_shape for t in chain.operands]
        # constants in C order once (a folded gradient seed is a broadcast view); the call reads these instead
        self.consts = {j: np.ascontiguousarray(prog.consts[t]) for j, t in enumerate(chain.operands)
                       if j and t in prog.consts and isinstance(prog.consts[t], (np.ndarray, np.generic))}
        first = chain.ops[0]
        self.first = first
        self.first_args = [chain.operands.index(t) for t in prog.args(first)]

    def _fits(self, a, j):
        dims = self.dims[j]
        return (isinstance(a, np.ndarray) and a.dtype == self.dtypes[j] and a.ndim == len(dims)
                and a.flags.c_contiguous and all(d is None or d == n for d, n in zip(dims, a.shape)))

    def __call__(self, *arrays):
        from . import gemm_pool
        st = gemm_pool._state
        if st is None:
            return None
        arrays = list(arrays)
        if self.fresh:  # the first op's result, allocated here
            try:
                shape = tuple(self.first.op_def.shape_rule(self.first, *(np.shape(arrays[j - 1])
                                                                         for j in self.first_args)))
            except (ValueError, TypeError):
                return None
            arrays.insert(0, np.empty(shape, self.dtypes[0]))
        for j, value in self.consts.items():
            arrays[j] = value
        buf = arrays[0]
        if not self._fits(buf, 0) or buf.ndim == 0 or not buf.flags.writeable or not len(buf):
            return None
        words, keep, widest = [], [], buf.strides[0]
        for j, (a, kind) in enumerate(zip(arrays, self.kinds)):
            if j and len(self.dims[j]) == 0:  # one element (a 0-d result may be a NumPy scalar, a constant [x])
                a = np.asarray(a)
                if a.dtype != self.dtypes[j] or a.size != 1:
                    return None
                keep.append(a)  # alive until the chain has run
                words.append(a.ctypes.data)
                continue
            if not self._fits(a, j) or (j and np.may_share_memory(a, buf)):
                return None
            if kind in ("rows", "buffer"):
                if len(a) != len(buf) or (self.same_shape[j] and a.shape != buf.shape):
                    return None
                words += [a.ctypes.data, a.strides[0], *a.shape[1:]]
                widest = max(widest, a.strides[0])
            else:
                if (a.ndim == buf.ndim and a.shape[0] != 1) or not _broadcasts(a.shape, buf.shape):
                    return None
                words += [a.ctypes.data, *a.shape]
        from . import gemm_pool_kernels as kern
        words = np.array(words, np.int64)
        n = len(buf)
        rows = max(1, BLOCK_BYTES // max(widest, 1))
        kern.run_rows(st[0], st[1], np.zeros(kern.WORDS, np.int64), kern.CALL,
                      np.array([self.address, words.ctypes.data, n], np.int64), n, rows, 0.0)
        return buf


def _broadcasts(shape, into):
    """Whether an array of `shape` broadcasts to `into` without growing it."""
    try:
        return np.broadcast_shapes(shape, into) == into
    except ValueError:
        return False


def compile_chains(chains, prog):
    """[(chain, its ChainCall)] for the chains Numba compiles (the others' steps keep their kernels)."""
    from . import jit
    out = []
    for chain in chains:
        try:
            module = jit.load_module(chain_source(chain, prog, jit._cache_dir() is not None), "graphgrad_chain_")
        except Exception:  # noqa: BLE001 - Numba refusing a template: the steps keep their kernels
            continue
        out.append((chain, ChainCall(chain, prog, module.block.address)))
    return out
