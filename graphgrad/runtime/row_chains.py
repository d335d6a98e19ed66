"""Chains of in-place elementwise ops on one big buffer, compiled into one loop and run over the GEMM pool's
threads by blocks of rows.

The fuse pass (runtime/passes.py) lets an elementwise op write into the fresh buffer of the op before it: a
convolution's output gets its bias added and then its ReLU, both in place. On a big buffer each of those is a
NumPy pass over memory on one core, and islands (runtime/jit.py) leave them alone, since an island would allocate
its results anew. Here a run of such steps on one buffer, each with a `jit` template (framework/op_def.py),
becomes one Numba `cfunc` over a block of the buffer's rows (its first axis): the templates' array expressions,
fused by Numba into one loop over the block, then written back into the block. The pool's threads (the caller
and the workers, runtime/gemm_pool.py) each run it on their blocks, so the buffer is read and written once, in
cache-sized pieces, on every core. (W5: the first convolution's bias add and ReLU 0.70 -> 0.27 ms, its ReLU
gradient 0.65 -> 0.30 ms.)

The ops are elementwise (that is what an `inplace_kernel` declares), so each row depends only on the same row of
the operands: an operand shaped like the buffer is read by the same rows, one that broadcasts without the first
axis (a bias, a scalar) whole. Other operands keep the chain out. Each element goes through the same operations
as the ops' kernels, in the same order: the same values bit for bit (float32 tanh excepted, whose island form is
runtime/jitlib.py's, within 5 ulp).

A plan builds its chains when it compiles its islands and the pool runs (runtime/plan.py `_jit_compile`). A
chain's call returns False where it cannot take the arrays it is given (another layout, a buffer too small to
split); the plan then runs the steps' kernels, as it does when Numba refuses to compile a chain.
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
    """Steps [start, end) of a plan: `ops` in place on one buffer (`operands[0]`, the first op's buffer input),
    reading the other `operands` (`kinds`: "rows" shaped like the buffer, "whole" broadcast along its rows)."""

    start: int
    end: int
    ops: list = field(default_factory=list)
    operands: list = field(default_factory=list)
    kinds: list = field(default_factory=list)


def _dtype(t):
    return t.dtype.base_dtype.name


def _kind(t, buf, prog):
    """How a chain reads operand `t` of buffer `buf`: "rows", "whole", or None (it cannot)."""
    s, sb = prog.sym(t), prog.sym(buf)
    if s is None or _dtype(t) not in _POINTERS:
        return None
    if s == sb:
        return "rows"
    if len(s) < len(sb) or (len(s) == len(sb) and s[0] == 1):
        return "whole"
    return None


def _link(op, prog):
    """The buffer op writes in place when it can join a chain (a `jit` template, float operands, a buffer of
    FROM elements or more, no variable read), else None."""
    if op not in prog.inplace or op in prog.rewired or ref_indices(op) or op.op_def.jit is None:
        return None
    args = prog.args(op)
    buf = args[prog.inplace[op]]
    sb = prog.sym(buf)
    if not sb or _elements(sb) < FROM or _dtype(buf) not in _POINTERS or len(op.outputs) != 1:
        return None
    if any(t is not buf and _kind(t, buf, prog) is None for t in args):
        return None
    return buf if op.op_def.jit(op, prog) is not None else None


def find_chains(steps, prog, taken=()):
    """Maximal runs of consecutive steps outside the positions `taken` (islands), each in place on the result of
    the step before it (the first on any buffer it may join a chain with)."""
    chains, cur = [], None
    for pos, op in enumerate(steps):
        buf = None if pos in taken else _link(op, prog)
        if buf is None:
            cur = None
            continue
        if cur is None or cur.end != pos or buf is not cur.ops[-1].outputs[0]:
            cur = Chain(pos, pos, operands=[buf], kinds=["buffer"])
            chains.append(cur)
        cur.ops.append(op)
        cur.end = pos + 1
        made = {o.outputs[0] for o in cur.ops}
        for t in prog.args(op):
            if t not in made and t not in cur.operands:
                cur.operands.append(t)
                cur.kinds.append(_kind(t, cur.operands[0], prog))
    return chains


def chain_source(chain, prog, cache):
    """The source of a module whose `block(words, lo, hi)` runs `chain` on rows lo..hi (a Numba `cfunc` the
    pool's threads call). `words` holds, as int64: the buffer's address, its bytes per row and its dimensions
    after the first; then per other operand its address, and its bytes per row ("rows") or its dimensions
    ("whole")."""
    from .jit import FAST
    buf = chain.operands[0]
    rank = len(prog.sym(buf))
    lines, word = [], rank + 1
    rest = ", ".join(f"_w[{2 + d}]" for d in range(rank - 1))
    block_shape = f"(hi - lo, {rest})" if rank > 1 else "hi - lo"
    names = {buf: "_b"}
    lines.append(f"    _b = carray({_POINTERS[_dtype(buf)]}(_w[0] + lo * _w[1]), {block_shape})")
    for j, (t, kind) in enumerate(zip(chain.operands[1:], chain.kinds[1:])):
        ptr, name = _POINTERS[_dtype(t)], f"_a{j}"
        if kind == "rows":
            lines.append(f"    {name} = carray({ptr}(_w[{word}] + lo * _w[{word + 1}]), {block_shape})")
            word += 2
        else:
            dims = len(prog.sym(t))
            shape = "(" + "".join(f"_w[{word + 1 + d}], " for d in range(dims)) + ")" if dims else "1"
            lines.append(f"    {name} = carray({ptr}(_w[{word}]), {shape})")
            if not dims:
                name = f"{name}[0]"  # 0-d: a scalar in the loop
            word += 1 + dims
        names[t] = name
    for k, op in enumerate(chain.ops):
        ins = {f"i{i}": names[t] for i, t in enumerate(prog.args(op))}
        out = f"_t{k}"
        dt = op.outputs[0].dtype.base_dtype
        ins.update(o0=out, T=f"np.{dt.name}", B=str(dt.size * 8), u=f"_u{k}_")
        code = op.op_def.jit(op, prog).format(**ins)
        for (fn, dtype), fast in FAST.items():
            if dt.name == dtype:
                code = code.replace(f"np.{fn}(", f"_lib.{fast}(")
        lines.append(f"    # {op.name} ({op.type})")
        lines.extend("    " + line for line in code.splitlines())
        names[op.outputs[0]] = out
    lines += ["    _d = _b.reshape(-1)", f"    _s = _t{len(chain.ops) - 1}.reshape(-1)",
              "    for _j in range(_d.size):", "        _d[_j] = _s[_j]"]
    pointers = ", ".join(sorted({_POINTERS[_dtype(t)] for t in chain.operands}))
    head = ["import numpy as np", "from numba import carray, cfunc, types",
            f"from graphgrad.runtime.gemm_pool_kernels import _i64, {pointers}",
            "from graphgrad.runtime import jitlib as _lib", "", "",
            f"@cfunc(types.void(types.int64, types.int64, types.int64), cache={cache}, nogil=True, "
            "error_model=\"numpy\")",
            "def block(words, lo, hi):",
            f"    _w = carray(_i64(words), {word})"]
    return "\n".join(head + lines) + "\n"


class ChainCall:
    """The plan's call of a compiled chain: `(buffer, *operands) -> bool`, True when it ran the chain over the
    pool's threads (or, with the pool busy, in the calling thread), False (nothing written) where the arrays are
    not what it was compiled for (dtype, rank, C order; an operand not broadcasting along the buffer's rows)."""

    def __init__(self, chain, prog, address):
        self.address = address
        self.kinds = chain.kinds
        self.dtypes = [np.dtype(_dtype(t)) for t in chain.operands]
        self.ranks = [len(prog.sym(t)) for t in chain.operands]
        # constants in C order once (a folded gradient seed is a broadcast view); the call reads these instead
        self.consts = {j - 1: np.ascontiguousarray(prog.consts[t]) for j, t in enumerate(chain.operands)
                       if j and t in prog.consts and isinstance(prog.consts[t], (np.ndarray, np.generic))}

    def __call__(self, buf, *operands):
        from . import gemm_pool
        st = gemm_pool._state
        if st is None or not isinstance(buf, np.ndarray) or buf.ndim != self.ranks[0] or buf.ndim == 0:
            return False
        if buf.dtype != self.dtypes[0] or not buf.flags.c_contiguous or not buf.flags.writeable or not len(buf):
            return False
        words, keep = [buf.ctypes.data, buf.strides[0], *buf.shape[1:]], []
        if self.consts:
            operands = [self.consts.get(j, a) for j, a in enumerate(operands)]
        for a, kind, dtype, rank in zip(operands, self.kinds[1:], self.dtypes[1:], self.ranks[1:]):
            if rank == 0:  # read as one element (a 0-d result may come as a NumPy scalar, a constant as [x])
                a = np.asarray(a)
                if a.dtype != dtype or a.size != 1:
                    return False
                keep.append(a)  # alive until the chain has run
                words.append(a.ctypes.data)
                continue
            if (not isinstance(a, np.ndarray) or a.dtype != dtype or a.ndim != rank or not a.flags.c_contiguous
                    or (a is not buf and np.may_share_memory(a, buf))):
                return False
            if kind == "rows":
                if a.shape != buf.shape:
                    return False
                words += [a.ctypes.data, a.strides[0]]
            else:
                if (a.ndim == buf.ndim and a.shape[0] != 1) or not _broadcasts(a.shape, buf.shape):
                    return False
                words += [a.ctypes.data, *a.shape]
        from . import gemm_pool_kernels as kern
        words = np.array(words, np.int64)
        n = len(buf)
        rows = max(1, BLOCK_BYTES // max(buf.strides[0], 1))
        kern.run_rows(st[0], st[1], np.zeros(kern.WORDS, np.int64), kern.CALL,
                      np.array([self.address, words.ctypes.data, n], np.int64), n, rows, 0.0)
        return True


def _broadcasts(shape, into):
    """Whether an array of `shape` broadcasts to `into` without growing it."""
    try:
        return np.broadcast_shapes(shape, into) == into
    except ValueError:
        return False


def compile_chains(chains, prog):
    """{chain: its ChainCall} for the chains Numba compiles (the others keep their kernels)."""
    from . import jit
    out = {}
    for chain in chains:
        try:
            module = jit.load_module(chain_source(chain, prog, jit._cache_dir() is not None), "graphgrad_chain_")
        except Exception:  # noqa: BLE001 - Numba refusing a template: the steps keep their kernels
            continue
        out[id(chain)] = ChainCall(chain, prog, module.block.address)
    return out
