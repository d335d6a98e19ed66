"""Fused element-wise kernels: each optimizer's update rule, written once, and the two kernels made from it.

An update rule is a `Fused` body of statements in the common subset of C and Python. It becomes:

- on a GPU, one CuPy `ElementwiseKernel` (`ctx.backend.fused(rule)`): CUDA compiles the body as it is, one pass
  over memory instead of a kernel launch per operation;
- on the CPU, a straight sequence of NumPy ufunc calls with `out=` into per-thread scratch buffers
  (`numpy_kernel(rule)`), generated from the same statements: the fastest NumPy goes, allocating nothing per step.
  A big variable (CHUNKED_FROM elements or more) goes slice by slice: the scratch buffers hold CHUNK elements and
  stay in the cache, instead of doubling a 4096x4096 layer's memory for the whole session (`chunkable`);
- with the `jit` extra, one Numba loop over the elements: in a plan's island (`numba_template`), or, for a big
  variable, over a range of elements that each of the GEMM pool's threads runs on its blocks
  (`numba_block_source`, runtime/gemm_pool.py `update`).

`emulate` runs a body with any array module (in place on the output arrays), which is how the fake GPU of the
tests runs, and checks, the very text CUDA compiles; the tests require the generated NumPy kernel to give
exactly what `emulate` gives.

The subset: statements ending in `;` (a statement may span lines), `name = expr;` or `name += expr;` (any of
`+ - * /`) for an output `name`, and `T name = expr;` declaring a temporary of the parameters' type (declared
once, before its use). Expressions have `+ - * /`, unary minus, parentheses, integer literals, `sqrt(...)` and
the kernel's parameter and temporary names.
"""
from __future__ import annotations

import ast
import functools
import re
import threading
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Fused", "Statement", "emulate", "numpy_kernel", "NumpyKernel", "numba_template", "numba_block_source",
           "scratch"]

_STATEMENT = re.compile(r"^(?:([A-Za-z_]\w*) )?([A-Za-z_]\w*) ?([-+*/]?=) ?(.+)$")
_ALLOWED = re.compile(r"^[\w\s+\-*/().]*$")
_FUNCTIONS = ("sqrt",)


class Statement(NamedTuple):
    target: str
    op: str          # "=", "+=", "-=", "*=", "/="
    expr: str
    declares: bool   # `T name = expr;`: a temporary of the kernel


@dataclass(frozen=True)
class Fused:
    """One fused kernel: `in_params` / `out_params` in CuPy's notation ("T grad, T lr"), `body` as above.
    Called as `kernel(*inputs, *outputs)`; outputs are updated in place (they may be read first).

    `arrays` names the inputs that are arrays shaped like the outputs (the gradient); the other inputs are
    scalars (learning rate, beta1, ...), so the NumPy kernel computes their sub-expressions once per call as
    scalars. The outputs are always arrays. None: not declared, and `numpy_kernel` refuses the body."""

    name: str
    in_params: str
    out_params: str
    body: str
    arrays: tuple | None = None

    def positions(self, args):
        """Where the `arrays` inputs, and the other (scalar) inputs in `in_params` order, are among a kernel's
        argument names `args`: the split an update over the GEMM pool or compiled needs (runtime/gemm_pool.py)."""
        return ([args.index(n) for n in self.arrays],
                [args.index(n) for n in self.names(self.in_params) if n not in self.arrays])

    def names(self, params):
        return [p.split()[-1] for p in params.split(",")]

    def statements(self):
        """[Statement], checked to stay in the C/Python subset."""
        params = [p.split() for p in (self.in_params + "," + self.out_params).split(",")]
        types = {p[0] for p in params if len(p) > 1}
        outs = self.names(self.out_params)
        known = set(self.names(self.in_params) + outs) | set(_FUNCTIONS)
        temporaries = set()
        out = []
        for text in self.body.split(";"):
            line = " ".join(text.split())  # a statement may span lines
            if not line:
                continue
            m = _STATEMENT.match(line)
            if m is None or not _ALLOWED.match(m.group(4)):
                raise ValueError(f"{self.name}: not in the C/Python subset: {line!r}")
            type_, target, op, expr = m.groups()
            unknown = {w for w in re.findall(r"[A-Za-z_]\w*", expr)} - known
            unknown |= {w for w in re.findall(r"([A-Za-z_]\w*) *\(", expr)} - set(_FUNCTIONS)  # calls
            if unknown:
                raise ValueError(f"{self.name}: {line!r} uses {sorted(unknown)!r}")
            if type_ is not None:
                if type_ not in types or op != "=" or target in known:
                    raise ValueError(f"{self.name}: {line!r}: a temporary is declared once, as `T name = ...;` "
                                     f"with the parameters' type ({', '.join(sorted(types))}), and no "
                                     "parameter's name")
                known.add(target)
                temporaries.add(target)
            elif target not in outs and target not in temporaries:
                raise ValueError(f"{self.name}: {line!r} assigns {target!r}, which is neither an output nor a "
                                 "temporary")
            out.append(Statement(target, op, expr, type_ is not None))
        return out


def emulate(xp, kernel: Fused):
    """`kernel` run with array module `xp`: each statement evaluated in order with in-place assignment into
    the output arrays (NumPy semantics, so float32 stays float32); a temporary is a new array of the outputs'
    dtype."""
    ins, outs = kernel.names(kernel.in_params), kernel.names(kernel.out_params)
    steps = [(s.target, s.op, s.declares, compile(s.expr, f"<{kernel.name}>", "eval"))
             for s in kernel.statements()]
    funcs = {f: getattr(xp, f) for f in _FUNCTIONS}
    ufunc = {"+=": xp.add, "-=": xp.subtract, "*=": xp.multiply, "/=": xp.divide}

    letters = [p.split()[0] for p in (kernel.in_params + "," + kernel.out_params).split(",")]

    def run(*args):
        _check_types(kernel, letters, ins + outs, args)
        env = dict(zip(ins + outs, args), **funcs)
        for target, op, declares, code in steps:
            value = eval(code, {"__builtins__": {}}, env)
            if declares:
                env[target] = xp.array(value, dtype=env[outs[0]].dtype)  # a copy, as C's `T t = x;`
            elif op == "=":
                xp.copyto(env[target], value)
            else:
                ufunc[op](env[target], value, out=env[target])
        return args[len(ins):]
    return run


def _check_types(kernel, letters, names, args):
    """CuPy's check: the arrays (and NumPy scalars) of one type letter share one dtype ("Type is mismatched")."""
    seen = {}
    for letter, name, a in zip(letters, names, args):
        dt = getattr(a, "dtype", None)
        if dt is None:
            continue  # a Python number takes the letter's type
        first = seen.setdefault(letter, (name, dt))
        if first[1] != dt:
            raise TypeError(f"Type is mismatched. {name} {first[1]} {dt} {letter} ({kernel.name})")


def numba_template(fused: Fused, names) -> str:
    """`fused` as the lines of an op's `jit` template (framework/op_def.py): one loop over the elements, the
    statements as they are on each element (one pass over memory, no temporaries; LLVM vectorizes it). `names`
    maps each parameter to its placeholder ("{i0}"); the outputs and the `arrays` inputs are read through flat
    views (the outputs are variables' contiguous buffers, updated in place), the other inputs are scalars;
    literals take the dtype (`{T}(1)`: a bare 1 would make Numba compute in float64)."""
    outs = fused.names(fused.out_params)
    flat = {p: "{u}" + p for p in outs + list(fused.arrays or ())}
    lines = [f"{flat[p]} = {names[p]}.reshape(-1)" for p in outs]
    lines += [f"{flat[p]} = {names[p]}.ravel()" for p in fused.arrays or ()]
    lines.append(f"for {{u}}j in range({flat[outs[0]]}.size):")
    return "\n".join(lines + _element_lines(fused, flat, "{u}", names, "{u}j", "{T}"))


def _element_lines(fused, flat, prefix, names, index, literal):
    """The statements of `fused` on element `index`, indented for a loop: `flat` names the arrays, `names` the
    scalars, temporaries are `prefix` + their name, and a literal is made `literal`(...) (the dtype)."""
    names = dict(names, sqrt="np.sqrt")
    local = {p: f"{flat[p]}[{index}]" for p in flat}
    local.update({st.target: prefix + st.target for st in fused.statements() if st.declares})

    def expr(text):
        return re.sub(r"\d+(?:\.\d*)?|[A-Za-z_]\w*", lambda m: f"{literal}({m.group()})" if m.group()[0].isdigit()
                      else local.get(m.group(), names.get(m.group())), text)
    return [f"    {local[st.target]} {'=' if st.declares else st.op} {expr(st.expr)}" for st in fused.statements()]


def numba_block_source(fused: Fused, dtype: str, cache: bool) -> str:
    """The source of a module whose `block` is `fused` compiled by Numba as a C function
    `void block(int64 words, int64 lo, int64 hi)` updating elements lo..hi: the GEMM pool's threads each run it on
    their blocks of a big variable (runtime/gemm_pool.py `update`). `words` is the address of int64 words: the
    elements in all (unused: the pool gives each call its range), the outputs' addresses, the `arrays` inputs'
    addresses, then the address of the scalar inputs (in `in_params` order, of `dtype`). Each element goes through
    the statements of `numba_template`."""
    outs, arrays = fused.names(fused.out_params), list(fused.arrays or ())
    scalars = [p for p in fused.names(fused.in_params) if p not in arrays]
    ptr = {"float32": "_f32", "float64": "_f64"}[dtype]
    flat = {p: "_a_" + p for p in outs + arrays}
    lines = ["import numpy as np", "from numba import carray, cfunc, types",
             f"from graphgrad.runtime.gemm_pool_kernels import _i64, {ptr}", "", "",
             f"@cfunc(types.void(types.int64, types.int64, types.int64), cache={cache}, nogil=True, "
             "error_model=\"numpy\")",
             "def block(words, lo, hi):",
             f"    _w = carray(_i64(words), {2 + len(flat)})"]
    # views of elements lo..hi, looped over from 0: LLVM vectorizes `range(n)`, not `range(lo, hi)` (6.2 against
    # 1.8 ms for W5's 3136x1024 Adam update on one core)
    size = {"float32": 4, "float64": 8}[dtype]
    lines += [f"    {flat[p]} = carray({ptr}(_w[{1 + i}] + lo * {size}), hi - lo)" for i, p in enumerate(outs + arrays)]
    if scalars:  # read once, into locals: the loop then cannot think its stores change them
        lines.append(f"    _s = carray({ptr}(_w[{1 + len(flat)}]), {len(scalars)})")
        lines += [f"    _c_{p} = _s[{i}]" for i, p in enumerate(scalars)]
    names = {p: f"_c_{p}" for p in scalars}
    lines.append("    for _j in range(hi - lo):")
    lines += ["    " + line for line in _element_lines(fused, flat, "_t_", names, "_j", f"np.{dtype}")]
    return "\n".join(lines) + "\n"


def scratch(xp, n=2):
    """Temporaries for one kernel, shaped like the variable: allocated on first use (again only if the
    variable's shape changes), so each step reuses them instead of allocating. Each thread gets its own, so
    two runs of one kernel never share a temporary (runs that write variables are also serialized by the
    session's lock; this keeps a kernel safe on its own)."""
    local = threading.local()

    def get(like):
        cells = getattr(local, "cells", None)
        if cells is None or cells[0].shape != like.shape or cells[0].dtype != like.dtype:
            cells = local.cells = [xp.empty_like(like) for _ in range(n)]
        return cells
    return get


class _Scratch(threading.local):
    """`scratch` as the generated kernels use it, without a call on the hot path: each reads `cells` (this
    thread's buffers) inline and calls `refresh` only on first use in a thread or when the variable's shape
    changed (its dtype cannot: a kernel is bound for one op)."""

    def __init__(self, xp, n):
        self.xp, self.n = xp, n

    def refresh(self, like):
        self.cells = [self.xp.empty_like(like) for _ in range(self.n)]
        return self.cells

    def chunk_cells(self, like):
        """This thread's flat buffers of CHUNK elements for the chunked path (`like`'s dtype)."""
        cells = getattr(self, "flat", None)
        if cells is None or cells[0].dtype != like.dtype:
            cells = self.flat = [self.xp.empty(CHUNK, like.dtype) for _ in range(self.n)]
        return cells


CHUNK = 1 << 16  # elements per slice of a chunked update (256 KiB of float32: the temporaries stay in cache)
CHUNKED_FROM = 1 << 18  # variables of at least this many elements are updated slice by slice


def chunked_from(xp):
    """The size from which a kernel bound to `xp` goes slice by slice: CHUNKED_FROM on NumPy, never elsewhere (a
    GPU runs the fused kernel in one launch)."""
    return CHUNKED_FROM if getattr(xp, "__name__", None) == "numpy" else float("inf")


def chunkable(xp, outs, ins):
    """Whether a kernel may run slice by slice over its outputs `outs` and array inputs `ins` (big enough: see
    `chunked_from`): C-contiguous arrays of one shape, no input sharing memory with an output. Elementwise, each
    element then goes through the same statements in the same order as in one pass over the whole arrays, so the
    result is bit for bit the same, and the temporaries hold CHUNK elements instead of the variable's size."""
    first = outs[0]
    for a in outs + ins:
        if getattr(a, "shape", None) != first.shape or not a.flags.c_contiguous:
            return False
    return not any(xp.may_share_memory(a, o) for a in ins for o in outs)


# --- the NumPy kernel generated from a body -------------------------------------------------------------------

_UFUNC = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide", ast.USub: "negative"}
_AUG = {"+=": ast.Add, "-=": ast.Sub, "*=": ast.Mult, "/=": ast.Div}
_RESERVED = re.compile(r"^(?:_\w*|[tsk]\d+|store|scratch|copyto|chunkable|chunked_from|CHUNK|"
                       + "|".join(list(_UFUNC.values()) + list(_FUNCTIONS)) + r")$")


@dataclass(frozen=True)
class NumpyKernel:
    """A body compiled into NumPy ufunc calls. `source` is the generated Python (`kernel(*inputs, *outputs)`);
    `calls` the ufunc calls per run, `temporaries` the scratch buffers shaped like the outputs that it keeps
    (per thread). `bind(xp)` gives the function; `bind(xp, args=names, store=mapping, keys=keys)` one that
    takes the inputs `names` in that order and finds the outputs as `store[key]`, for an op's kernel."""

    fused: Fused
    source: str
    calls: int
    temporaries: int

    def bind(self, xp, args=None, store=None, keys=None):
        make = _factory(self.fused, None if args is None else tuple(args), store is not None)
        if store is None:
            return make(xp, _Scratch(xp, self.temporaries))
        return make(xp, _Scratch(xp, self.temporaries), store, *keys)


@functools.cache
def numpy_kernel(fused: Fused) -> NumpyKernel:
    """The NumPy kernel of `fused` (compiled once per body)."""
    source, calls, temporaries = _generate(fused, None, False)
    return NumpyKernel(fused, source, calls, temporaries)


@functools.cache
def _factory(fused, args, from_store):
    source = _generate(fused, args, from_store)[0]
    ns = {"chunkable": chunkable, "chunked_from": chunked_from, "CHUNK": CHUNK}
    exec(compile(source, f"<numpy kernel {fused.name}>", "exec"), ns)  # noqa: S102 - our own generated code
    return ns["make"]


def _generate(fused, args, from_store):
    """(source of `make(xp, scratch) -> kernel` (or `make(xp, scratch, store, *keys)`: `from_store`), ufunc calls,
    scratch buffers)."""
    ins, outs = fused.names(fused.in_params), fused.names(fused.out_params)
    if fused.arrays is None:
        raise ValueError(f"{fused.name}: declare which inputs are arrays (Fused.arrays) to compile it for NumPy")
    statements = fused.statements()
    temporaries = [s.target for s in statements if s.declares]
    bad = [n for n in fused.arrays if n not in ins] + [n for n in ins + outs + temporaries if _RESERVED.match(n)]
    if bad:
        raise ValueError(f"{fused.name}: {bad} are not inputs, or are names the NumPy kernel uses itself")
    args = ins if args is None else list(args)
    if sorted(args) != sorted(ins):
        raise ValueError(f"{fused.name}: arguments {args} are not the inputs {ins}")
    gen = _Generator(set(fused.arrays) | set(outs) | set(temporaries))
    for s in statements:
        gen.statement(s)
    body = gen.allocate(statements, outs)

    sig = ", ".join(args if from_store else args + outs)
    keys = [f"k{i}" for i in range(len(outs))] if from_store else []
    lines = [f"def make(xp, scratch{''.join(', ' + k for k in ['store'] + keys) if from_store else ''}):",
             f"    {', '.join(sorted(gen.functions))} = {', '.join('xp.' + f for f in sorted(gen.functions))}",
             "    _xp, _chunkable, _CHUNK, _FROM = xp, chunkable, CHUNK, chunked_from(xp)",
             "",
             f"    def {fused.name}({sig}):"]
    if from_store:
        lines.append(f"        {', '.join(outs)} = {', '.join(f'store[{k}]' for k in keys)}")
    lines += [f"        {name} = {text}" for text, name in gen.scalars.items()]
    bufs = f"{', '.join(gen.buffers)}{',' if len(gen.buffers) == 1 else ''}"
    arrays = [n for n in ins if n in fused.arrays]
    if gen.buffers:  # big variables: slice by slice (`chunkable`), temporaries of CHUNK elements
        lines += [f"        if {outs[0]}.size >= _FROM and _chunkable(_xp, [{', '.join(outs)}], "
                  f"[{', '.join(arrays)}]):",
                  f"            _all, _n = {outs[0]}, {outs[0]}.size",
                  f"            _cells = scratch.chunk_cells({outs[0]})",
                  *[f"            _{a} = {a}.reshape(-1)" for a in outs + arrays],
                  "            for _i in range(0, _n, _CHUNK):",
                  "                _j = min(_i + _CHUNK, _n)",
                  *[f"                {a} = _{a}[_i:_j]" for a in outs + arrays],
                  f"                {bufs} = [_c[:_j - _i] for _c in _cells]"]
        lines += ["                " + line for line in body]
        lines += ["            return _all",
                  "        try:  # this thread's scratch buffers, allocated again only for a new shape",
                  f"            {bufs} = scratch.cells",
                  f"            if {gen.buffers[0]}.shape != {outs[0]}.shape:",
                  f"                {bufs} = scratch.refresh({outs[0]})",
                  "        except AttributeError:  # first use in this thread",
                  f"            {bufs} = scratch.refresh({outs[0]})"]
    lines += ["        " + line for line in body]
    lines += [f"        return {outs[0]}", f"    return {fused.name}", ""]
    return "\n".join(lines), sum(1 for line in body if not line.startswith("#")), len(gen.buffers)


class _Generator:
    """Turns each statement into ops on arrays (post-order, as C and Python evaluate them), then gives every
    intermediate result a buffer: the statement's target where its old value is no longer read, else a buffer
    whose value dies at that op (ufuncs run in place), else a free scratch buffer, else a new one."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.scalars = {}             # source of a scalar sub-expression -> its name (s0, s1, ...)
        self.functions = set()                # the xp functions it calls
        self.ops = []                 # per statement: [(ufunc, operands)], operands ("array", name) /
        #                               ("scalar", text) / ("tmp", index of the op in the statement)
        self.buffers = []

    def statement(self, s):
        tree = ast.parse(s.expr.strip(), mode="eval").body
        if s.op != "=":               # name op= expr  is  name = name op (expr)
            tree = ast.BinOp(ast.Name(s.target, ast.Load()), _AUG[s.op](), tree)
        ops = []
        root = self._emit(tree, ops)
        if root[0] != "tmp":          # a plain copy: name = other  (or a scalar)
            self.functions.add("copyto")
            ops.append(("copyto", [root]))
        self.ops.append(ops)

    def _is_array(self, node):
        if isinstance(node, ast.Name):
            return node.id in self.arrays
        return any(self._is_array(c) for c in ast.iter_child_nodes(node))

    def _emit(self, node, ops):
        if not self._is_array(node):
            return ("scalar", self._scalar(node))
        if isinstance(node, ast.Name):
            return ("array", node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _UFUNC:
            operands = [self._emit(node.left, ops), self._emit(node.right, ops)]
            fn = _UFUNC[type(node.op)]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self._emit(node.operand, ops)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operands, fn = [self._emit(node.operand, ops)], "negative"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
              and len(node.args) == 1 and not node.keywords):
            operands, fn = [self._emit(node.args[0], ops)], node.func.id
        else:
            raise ValueError(f"not in the C/Python subset: {ast.unparse(node)!r}")
        self.functions.add(fn)
        ops.append((fn, operands))
        return ("tmp", len(ops) - 1)

    def _scalar(self, node):
        """A literal or a scalar parameter as it is; a sub-expression of them named and computed once per call."""
        if isinstance(node, (ast.Name, ast.Constant)):
            return ast.unparse(node)
        for n in ast.walk(node):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCTIONS:
                self.functions.add(n.func.id)
            elif not isinstance(n, (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop,
                                    ast.expr_context)):
                raise ValueError(f"not in the C/Python subset: {ast.unparse(node)!r}")
        text = ast.unparse(node)
        return self.scalars.setdefault(text, f"s{len(self.scalars)}")

    def allocate(self, statements, outs):
        """The kernel's lines: a comment with each statement, then its ufunc calls with their buffers."""
        # where each temporary is read last: (statement, op)
        last_read = {}
        for si, ops in enumerate(self.ops):
            for oi, (_, operands) in enumerate(ops):
                for kind, x in operands:
                    if kind == "array":
                        last_read[x] = (si, oi)
        held = {}                     # buffer -> what it holds: a temporary's name, ("tmp", op) or None (free)
        home = {o: o for o in outs}   # array name -> its buffer
        lines = []
        for si, (s, ops) in enumerate(zip(statements, self.ops)):
            lines.append(f"# {s.target} {s.op} {' '.join(s.expr.split())}" if not s.declares
                         else f"# T {s.target} = {' '.join(s.expr.split())}")
            target = None if s.declares else home[s.target]
            # the last op of this statement that reads the target's old value
            old_read = max((oi for oi, (_, operands) in enumerate(ops) for kind, x in operands
                            if kind == "array" and x == s.target), default=-1)
            where = {}                # op -> buffer of its result
            for oi, (fn, operands) in enumerate(ops):
                dying = []
                for kind, x in operands:
                    if kind == "tmp":
                        dying.append(where[x])
                    elif (kind == "array" and x in home and x not in outs and x != s.target
                          and last_read[x] == (si, oi)):
                        dying.append(home[x])   # a temporary read for the last time
                for b in dying:
                    held[b] = None
                if oi == len(ops) - 1 and target is not None:
                    buf = target
                else:
                    free_target = (target is not None and oi >= old_read and held.get(target) is None)
                    buf = (dying[0] if dying else target if free_target
                           else next((b for b in self.buffers if held.get(b) is None), None))
                    if buf is None:
                        buf = f"t{len(self.buffers)}"
                        self.buffers.append(buf)
                held[buf] = ("tmp", si, oi)
                where[oi] = buf
                args = [where[x] if kind == "tmp" else home.get(x, x) if kind == "array" else x
                        for kind, x in operands]
                lines.append(f"{fn}({', '.join(args)}, out={buf})" if fn != "copyto"
                             else f"copyto({buf}, {args[0]})")
            result = where[len(ops) - 1]
            if s.declares:
                home[s.target] = result
                held[result] = s.target
                if s.target not in last_read:      # never read
                    held[result] = None
            elif target in outs:
                held.pop(target, None)
            else:
                held[target] = s.target
        return lines


# --- the optimizers' update rules: the one definition of each, run by its Apply op (train/) on every device ------

ADAM = Fused(
    "graphgrad_apply_adam",
    "T grad, T beta1_power, T beta2_power, T lr, T beta1, T beta2, T epsilon", "T var, T m, T v",
    """
    m += (grad - m) * (1 - beta1);
    v += (grad * grad - v) * (1 - beta2);
    var -= m * (lr * sqrt(1 - beta2_power) / (1 - beta1_power)) / (sqrt(v) + epsilon);
    """, arrays=("grad",))

# after every variable's ApplyAdam: beta1^t, beta2^t for the next step. Two types: each power has its own beta's
# dtype (TF makes beta1_power from beta1, so a float64 beta1 tensor gives a float64 power beside a float32 one)
ADAM_BETA_POWERS = Fused(
    "graphgrad_adam_beta_powers", "T beta1, U beta2", "T beta1_power, U beta2_power",
    """
    beta1_power *= beta1;
    beta2_power *= beta2;
    """, arrays=())

MOMENTUM = Fused(
    "graphgrad_apply_momentum", "T grad, T lr, T momentum", "T var, T accum",
    """
    accum = accum * momentum + grad;
    var -= accum * lr;
    """, arrays=("grad",))

MOMENTUM_STEP = Fused(  # MOMENTUM after its first statement (once BLAS has added the gradient into accum)
    "graphgrad_momentum_step", "T lr", "T var, T accum",
    """
    var -= accum * lr;
    """, arrays=())

NESTEROV = Fused(
    "graphgrad_apply_nesterov", "T grad, T lr, T momentum", "T var, T accum",
    """
    accum = accum * momentum + grad;
    var -= grad * lr + accum * momentum * lr;
    """, arrays=("grad",))

GRADIENT_DESCENT = Fused(
    "graphgrad_apply_gradient_descent", "T delta, T alpha", "T var",
    """
    var -= delta * alpha;
    """, arrays=("delta",))

RMSPROP = Fused(
    "graphgrad_apply_rmsprop", "T grad, T lr, T rho, T momentum, T epsilon", "T var, T ms, T mom",
    """
    ms += (grad * grad - ms) * (1 - rho);
    mom = mom * momentum + grad * lr / sqrt(ms + epsilon);
    var -= mom;
    """, arrays=("grad",))

CENTERED_RMSPROP = Fused(
    "graphgrad_apply_centered_rmsprop", "T grad, T lr, T rho, T momentum, T epsilon", "T var, T mg, T ms, T mom",
    """
    ms += (grad * grad - ms) * (1 - rho);
    mg += (grad - mg) * (1 - rho);
    mom = mom * momentum + grad * lr / sqrt(ms - mg * mg + epsilon);
    var -= mom;
    """, arrays=("grad",))

ADAGRAD = Fused(
    "graphgrad_apply_adagrad", "T grad, T lr", "T var, T accum",
    """
    accum += grad * grad;
    var -= grad * lr * (1 / sqrt(accum));
    """, arrays=("grad",))

ADAGRAD_FROZEN_SLOTS = Fused(  # update_slots=False: the accumulator is read, not updated
    "graphgrad_apply_adagrad_frozen", "T grad, T lr", "T var, T accum",
    """
    var -= grad * lr * (1 / sqrt(accum));
    """, arrays=("grad",))

ADADELTA = Fused(
    "graphgrad_apply_adadelta", "T grad, T lr, T rho, T epsilon", "T var, T accum, T accum_update",
    """
    accum = accum * rho + grad * grad * (1 - rho);
    T update = sqrt(accum_update + epsilon) * (1 / sqrt(accum + epsilon)) * grad;
    var -= update * lr;
    accum_update = accum_update * rho + update * update * (1 - rho);
    """, arrays=("grad",))
