"""Islands: runs of a plan's steps compiled by Numba into one native function each (the optional `jit` extra).

A plan runs one kernel call per op; for a small model most of a step is the cost of those calls, not the
arithmetic. Where Numba is installed, a plan that has run `GRAPHGRAD_JIT_AFTER` times (default 20) and spent
`GRAPHGRAD_JIT_AFTER_S` seconds in its runs (default 2: a plan run a few times, or a short program, is not worth
compiling) groups consecutive steps whose ops declare a `jit` template (framework/op_def.py)
into islands. Each island becomes one function compiled by Numba (its element-wise work fused into loops by
Numba's array-expression pass, its matrix products calling BLAS), and the plan is regenerated to call it:

    try:
        v12_0, v15_0 = j0(f0, f1, v0_0, ...)      # one native call for the island's ops
    except Exception as _e:
        _jit_failed(0, _e)                       # a compile error drops the island from later runs
        v2_0 = k2(f0, v0_0)                      # this run: the ops' own kernels, line by line,
        ...                                      # so an error is the op's own (TF's message, the op's name)

Everything else about the plan stays: feeds checked, the rollback snapshot before the first write, the session's
lock, fetches copied where they may alias a variable. An island never writes a variable before it has computed
everything else (the writes close it), so when it fails the rerun starts from unchanged state.

A plan compiles only where it pays (`pays`): when the calls its islands save are at least 0.5% of its fastest run
(in the thread's CPU time), or the passes over memory they save (an optimizer update's dozen NumPy passes become
one loop) at least 1.5%.

Compiled code is cached on disk (`GRAPHGRAD_JIT_CACHE`, default ~/.cache/graphgrad/jit): each island's source is
written once to a file named by its hash, and Numba caches the machine code beside it, so a second process loads
it instead of compiling. `GRAPHGRAD_JIT=0` turns islands off. Where a C compiler is at hand and Numba is not
loaded yet, the islands are compiled in a child process instead, into an extension module the plan imports, so
that the training process never loads Numba and LLVM (runtime/aot.py, `GRAPHGRAD_JIT_AOT`).

Division by zero gives inf or nan as in NumPy (Numba's "numpy" error model), which also lets LLVM vectorize
loops with a division (W2's Adam update: 3.4x faster than under Numba's default, which checks every divisor).

Rounding: Numba adds and multiplies as NumPy does, but sums in a different order, and float32 tanh is the
vectorizable rational form (runtime/jitlib.py, at most 5 ulp from the exact value); tests/test_jit.py states
the tolerance (relative 1e-5 on a step's values).
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
import types
from dataclasses import dataclass, field
from functools import cache

from ..framework.op_def import ref_indices

ENV_VAR = "GRAPHGRAD_JIT"
AFTER_VAR = "GRAPHGRAD_JIT_AFTER"
SECONDS_VAR = "GRAPHGRAD_JIT_AFTER_S"
CACHE_VAR = "GRAPHGRAD_JIT_CACHE"

_DTYPES = {"float32", "float64", "int32", "int64", "bool"}
#: (NumPy function, dtype) -> the function of runtime/jitlib.py an island calls instead
FAST = {("tanh", "float32"): "tanh32"}


@cache
def numba_available() -> bool:
    return importlib.util.find_spec("numba") is not None


def jit_default() -> bool:
    """Islands are on where Numba is installed, unless GRAPHGRAD_JIT is 0 / false / no / off."""
    off = os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off")
    return not off and numba_available()


def runs_before_jit() -> int:
    """How many runs of a plan go by before its islands are compiled (GRAPHGRAD_JIT_AFTER, default 20)."""
    return int(_number(AFTER_VAR, 20))


#: How many times a plan whose islands did not pay is judged again before it keeps its kernels for good.
RETRIES = 2


def runs_before_retry(tries):
    """Runs before a plan whose islands did not pay at its `tries`-th judgment is judged again (twice as many
    as the time before), or None after RETRIES: its fastest run so far may have been slowed by other load."""
    return None if tries > RETRIES else runs_before_jit() * 2 ** tries


def seconds_before_jit(warm=True, built=False) -> float:
    """How long a plan's runs take in all before its islands are compiled (GRAPHGRAD_JIT_AFTER_S, default 2 s),
    five times that when they are not in the cache yet: compiling costs seconds (W1: 3 s, W2: 4 s; about 0.4 s
    to load from Numba's cache, Numba's import included), which only a plan that has already run about that long
    may expect to repay. `built`: the islands, in the cache, would be imported as a module built ahead
    (runtime/aot.py) by a process that loads no Numba for them (nor for the GEMM pool): 14 ms for W1's, so a
    twentieth of the time (0.1 s by default), and a program of a few seconds runs most of its steps through them."""
    return _number(SECONDS_VAR, 2.0) * (1 if warm else 5) / (20 if warm and built else 1)


def plan_key(source):
    """A name for a plan's kernel-only function (its source, and this module and jitlib's): the islands made
    from it are the same, so whether they were compiled once is known before building them. (A stale answer
    only moves when the plan compiles.)"""
    return hashlib.sha1((_code_version() + source).encode()).hexdigest()[:20]


@cache
def _code_version():
    here = os.path.dirname(__file__)
    return "".join(str(os.path.getmtime(os.path.join(here, f))) for f in ("jit.py", "jitlib.py"))


def warmth(key):
    """How the islands of the plan named `key` were compiled before: "built" (ahead, into a module the cache
    holds: runtime/aot.py), "compiled" (by Numba in its process, cached by it), or None (never, or no cache)."""
    base = _cache_dir()
    try:
        with open(os.path.join(base, f"plan_{key}.compiled")) as f:
            return "built" if f.read().strip() == "built" else "compiled"
    except (OSError, TypeError):
        return None


def mark_warm(key, built=False):
    base = _cache_dir()
    if base is not None:
        try:
            with open(os.path.join(base, f"plan_{key}.compiled"), "w") as f:
                f.write("built" if built else "compiled")
        except OSError:
            pass


#: What an island saves per op it compiles: about one kernel call of the plan's function (measured on W1: 37 calls,
#: 35 µs, against 11 µs as one island).
CALL_S = 1e-6
#: What an island saves per element for each pass over it that an op's NumPy kernel makes beyond the first
#: (`OpDef.jit_calls`): W5's Adam update of its 3136x1024 kernel, 12 ufunc calls over cache-sized slices,
#: took 7.9 ms, its island's one loop 3.7 ms: 0.115 ns per element and pass saved.
PASS_S = 1e-10
#: An island is compiled only when the calls it saves are at least this share of a run's time ...
MIN_SHARE = 0.005
#: ... or the passes it saves are at least this share: an estimate that depends on the caches, so it must show
#: more before the plan pays a compile (seconds; in-process, also Numba's resident ~130 MiB). W3's SGD updates
#: (two passes each, 1.1 % of its step) stay NumPy's; W5's Adam (12 passes, 4.8 % of a quiet step) compiles, also
#: when the machine's other load makes the step look up to three times slower.
MIN_PASS_SHARE = 0.015
#: An unknown dimension (the batch) counted as this many elements, as the reuse pass counts it.
UNKNOWN_DIM = 32


def saved_calls(islands, pooled=()):
    """Kernel calls' worth of work that compiling `islands` saves (`OpDef.jit_calls` of their ops, and of the
    `pooled` ops: optimizer updates that run compiled over the GEMM pool, `OpDef.pooled_update`)."""
    return sum(jit_calls(op) for op in _compiled_ops(islands, pooled))


def jit_calls(op) -> int:
    """`OpDef.jit_calls` of `op` (a number, or a function of the op)."""
    calls = op.op_def.jit_calls
    return calls(op) if callable(calls) else calls


def _compiled_ops(islands, pooled):
    return [op for isl in islands for op in isl.ops] + list(pooled)


def savings(islands, prog, pooled=()):
    """(seconds of kernel calls, seconds of passes over memory) that compiling `islands` (and the `pooled`
    updates) saves per run: their `saved_calls`, and for each op `jit_calls - 1` passes over its largest array
    (the NumPy kernel's passes beyond the one its compiled loop makes; shapes from the plan, an unknown dimension
    counted as UNKNOWN_DIM)."""
    passes = 0
    for op in _compiled_ops(islands, pooled):
        extra = jit_calls(op) - 1
        if extra > 0:
            passes += extra * max((_elements(prog.sym(t)) for t in list(op.inputs) + list(op.outputs)), default=0)
    return saved_calls(islands, pooled) * CALL_S, passes * PASS_S


def paying(islands, prog, run_s, pooled=()):
    """`islands` when what they save together with the `pooled` updates pays (`pays`), else none. (Judged one by
    one, W2's small islands around its activations and loss, a few calls each, would not pay, yet together they
    take 5 % off its step; W5's pooled Adam update of its dense layer is most of what its islands and it save.)"""
    return list(islands) if pays(savings(islands, prog, pooled), run_s) else []


def _elements(shape):
    n = 1
    for d in shape or ():
        n *= d if isinstance(d, int) else UNKNOWN_DIM
    return n


def pays(saved, run_s):
    """Whether compiling islands that save `saved` (`savings`) is worth it for a plan whose runs take `run_s`
    (the fastest seen, in CPU time): for a large model (W3: 0.3 s a step, matrix products 93 % of it) the calls
    are nothing and a compile would only cost seconds (in-process, Numba's ~130 MiB too); a small one (W1) is
    mostly calls, and an optimizer update of millions of parameters (W5's Adam) makes a dozen NumPy passes where an
    island makes one.
    GRAPHGRAD_JIT=always compiles anyway."""
    if os.environ.get(ENV_VAR, "").strip().lower() == "always":
        return True
    calls, passes = saved
    return calls >= MIN_SHARE * run_s or passes >= MIN_PASS_SHARE * run_s


def _number(var, default):
    try:
        return max(0.0, float(os.environ.get(var, default)))
    except ValueError:
        return default


@dataclass
class Island:
    """Steps [start, end) of a plan: `ops` compiled together, `reads` (variable reads) run just before."""

    start: int
    end: int
    ops: list = field(default_factory=list)
    reads: list = field(default_factory=list)
    templates: dict = field(default_factory=dict)


def _typed(t, prog):
    return t.dtype.base_dtype.name in _DTYPES and prog.sym(t) is not None


#: An op the plan runs in place (runtime/passes.py `fuse`) on a buffer of at least this many elements stays its
#: kernel: an island would allocate its result anew every run, and at that size the new memory's page faults cost
#: more than the calls an island saves (W5's bias add and ReLU on the first convolution's 6 MiB output: 1.9 ms in
#: an island, 0.8 ms in place). While the GEMM pool runs they become chains over its threads (runtime/row_chains.py).
INPLACE_FROM = 1 << 16


def _template(op, prog):
    """The op's jit template for this plan, or None when the op cannot join an island."""
    jit = op.op_def.jit
    if jit is None or op in prog.rewired or not all(_typed(t, prog) for t in list(op.inputs) + list(op.outputs)):
        return None
    if op in prog.inplace and _elements(prog.sym(prog.args(op)[prog.inplace[op]])) >= INPLACE_FROM:
        return None
    return jit(op, prog)


#: Compiled ops per island at most: Numba's compile time grows with a function's size (W1's 29 ops take a few
#: seconds), so a deep network becomes several islands rather than one that compiles for minutes.
MAX_OPS = 64


def find_islands(steps, prog, min_ops=2, max_ops=MAX_OPS):
    """Maximal runs of steps with templates (variable reads may sit among them); a read after a write, a step
    that is not a variable read and has no template, or `max_ops` compiled ops end a run; an op whose template is
    `jit_alone` is a run by itself. Runs of fewer than
    `min_ops` kernel calls' worth of compiled ops (`OpDef.jit_calls`: one per op, more for an op whose template
    fuses several passes over memory) are left to the kernels."""
    islands, cur, pending = [], None, []  # pending: the variable reads since the last other step

    def close():
        if cur is not None and saved_calls([cur]) >= min_ops:
            islands.append(cur)

    for pos, op in enumerate(steps):
        if op.op_def.is_variable and not op.op_def.mutates:
            if cur is not None:
                cur.reads.append(op)
                cur.end = pos + 1
            else:
                pending.append((pos, op))
            continue
        tpl = _template(op, prog)
        wrote = cur is not None and any(o.op_def.mutates for o in cur.ops)
        alone = tpl is not None and op.op_def.jit_alone
        if (tpl is None or alone or (wrote and not op.op_def.mutates)
                or (cur is not None and (len(cur.ops) >= max_ops or cur.ops[-1].op_def.jit_alone))):
            close()
            cur = None
            if tpl is None:
                pending = []
                continue
        if cur is None:  # the reads just before the island join it
            cur = Island(pending[0][0] if pending else pos, pos + 1, reads=[r for _, r in pending])
            pending = []
        cur.ops.append(op)
        cur.templates[op] = tpl
        cur.end = pos + 1
    close()
    for isl in islands:  # reads after the last compiled op are not part of the island
        last = max(steps.index(op) for op in isl.ops)
        isl.reads = [r for r in isl.reads if steps.index(r) < last]
        isl.end = last + 1
    return islands


def island_source(isl, k, prog, names, ref_names, inputs, outputs):
    """The Python source of island `k`'s function `island(*inputs) -> tuple(outputs)`; `names` maps tensors to
    the plan's local names, `ref_names[(op, i)]` names the variable buffer behind reference input i."""
    lines = []
    for n, t in inputs:
        if t is not None and prog.sym(t) == ():
            lines.append(f"    {n} = _lib.scalar({n})")  # 0-d values are scalars inside an island
    for op in isl.ops:
        refs = set(ref_indices(op))
        args = iter(prog.args(op))
        ins = {}
        for i in range(len(op.inputs)):
            ins[f"i{i}"] = ref_names[(op, i)] if i in refs else names[next(args)]
        for j, t in enumerate(op.outputs):
            ins[f"o{j}"] = names.get(t) or f"_u{k}_{j}"
        dt = (op.outputs[0] if op.outputs else op.inputs[0]).dtype.base_dtype
        ins.update(T=f"np.{dt.name}", B=str(dt.size * 8), u=f"_t{k}_{len(lines)}_")
        code = isl.templates[op].format(**ins)
        for (name, dtype), fast in FAST.items():  # the vectorizable forms of runtime/jitlib.py
            if dt.name == dtype:
                code = code.replace(f"np.{name}(", f"_lib.{fast}(")
        lines.append(f"    # {op.name} ({op.type})")
        lines.extend("    " + line for line in code.splitlines())
    rets = []
    for n, t in outputs:
        if prog.sym(t) == ():
            dt = t.dtype.base_dtype.name
            lines.append(f"    _z_{n} = np.empty((), np.{dt})")
            lines.append(f"    _z_{n}[()] = {n}")
            rets.append(f"_z_{n}")
        else:
            rets.append(n)
    params = ", ".join(n for n, _ in inputs)
    head = ["import numpy as np", "from numba import njit", "from graphgrad.runtime import jitlib as _lib", "",
            "", f"@njit(cache={_cache_dir() is not None}, nogil=True, error_model=\"numpy\")", f"def island({params}):"]
    ret = "    return (" + ", ".join(rets) + ("," if len(rets) == 1 else "") + ")"
    return "\n".join(head + lines + [ret]) + "\n"


#: LLVM's optimization level for the islands of a plan with arrays of rank 3 or more (Numba's default is 3,
#: `NUMBA_OPT`, which a user's setting keeps). At O3 an island of an AddN and two TanhGrads over 4-D arrays
#: (aymericdamien's DCGAN) took 76 s to compile (three such islands 145 s, the program's first run waiting): the
#: element-wise loops over 4-D operands that may broadcast are loop nests O3 multiplies; at O2 it takes 1.2 s, and
#: W5's step is the same (41.1 ms). Islands of matrices stay at O3, 10 % faster than O2 on W1 (18.7-19.3 against
#: 21.2 µs), compiled in seconds.
ISLAND_OPT = 2


def deep(islands, prog) -> bool:
    """Whether any of the islands' ops reads or writes an array of rank 3 or more (see ISLAND_OPT)."""
    return any(len(prog.sym(t)) >= 3 for isl in islands for op in isl.ops for t in list(op.inputs) + list(op.outputs))


@contextlib.contextmanager
def compiling(low=True):
    """Within (where `low`): Numba compiles at ISLAND_OPT (under its compiler lock, so that no other thread's
    compile meanwhile sees the level), unless NUMBA_OPT is set."""
    if not low or "NUMBA_OPT" in os.environ:
        yield
        return
    from numba.core import config
    from numba.core.compiler_lock import global_compiler_lock
    with global_compiler_lock:
        before = config.OPT
        config.OPT = type(before)(ISLAND_OPT)
        try:
            yield
        finally:
            config.OPT = before


@cache
def _cache_dir():
    """The folder for island sources and Numba's cache, or None when none can be written."""
    base = os.environ.get(CACHE_VAR) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "graphgrad", "jit")
    try:
        os.makedirs(base, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=base, delete=True)
        probe.close()
    except OSError:
        return None
    return base


def load(source):
    """The compiled function of an island's source (`load_module`)."""
    return load_module(source, "graphgrad_island_").island


def _source_file(source, prefix):
    """(module name, path) of generated source written to the cache folder (once, atomically), named `prefix` +
    the hash of the source and of the runtime's Numba-compiled files it calls (a new file, and cache, when they
    change); the path is None when no cache folder can be written."""
    from . import numba_cache
    digest = hashlib.sha1((source + numba_cache.digest()).encode()).hexdigest()[:20]
    name = prefix + digest
    base = _cache_dir()
    if base is None:
        return name, None
    path = os.path.join(base, name + ".py")
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(dir=base, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(source)
        os.replace(tmp, path)
    return name, path


_load_lock = threading.RLock()


def load_module(source, prefix):
    """The module of generated source (an island's, a pooled update's block): from a file named `prefix` + the
    source's hash (written once, atomically), so Numba's on-disk cache finds it again in the next process; in
    memory when no cache folder can be written. One thread at a time: a module is in `sys.modules` while it
    compiles, and another thread must not take it half made (two threads' first Adam updates over the GEMM pool
    did: "has no attribute 'block'")."""
    with _load_lock:
        return _load_module(source, prefix)


def _load_module(source, prefix):
    name, path = _source_file(source, prefix)
    base = _cache_dir()
    known = sys.modules.get(name)
    if known is not None and os.path.dirname(getattr(known, "__file__", None) or "") == (base or ""):
        return known
    if path is None:
        module = types.ModuleType(name)
        exec(compile(source, f"<graphgrad {name}>", "exec"), module.__dict__)  # noqa: S102 - our generated code
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before it runs, as an import does: a `cfunc` compiles (and is cached) right then,
    try:  # and Numba names the module its compiled code's environment comes from
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def is_compile_error(exc) -> bool:
    """Whether `exc` is Numba refusing to compile (typing or lowering), as opposed to the island's code
    raising at run time (a label out of range, shapes that do not broadcast)."""
    return type(exc).__module__.startswith("numba")
