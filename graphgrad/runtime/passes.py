"""Graph-level optimization passes over one compiled run (see docs/plan-compiler.md).

The passes rewrite a `Program`: a plan-level view of the pruned, ordered ops of one run. They never touch the
user's Graph. A rewrite is recorded as
  - `consts`: tensors whose value is known when the plan is compiled (Const ops and folded ops);
  - `alias`: tensor -> another tensor that holds the same value (so the op computing it need not run);
  - `live`: the ops that still run, in the original order (dependencies first, then creation order);
  - `inplace`: ops that write their result into the buffer of an input nobody else uses (`out=`).
The plan then generates code for the live ops only, each reading its inputs through the substitutions.

Passes, in order: fold (constant folding), simplify (free aliases and algebraic identities), cse (common
subexpressions), dead (ops whose values are no longer used), narrow (an op computes only the outputs the run reads,
a matrix product only the rows or columns of it the run reads), gemm (a variable update that adds a matrix
product has BLAS add it into the variable's buffer; another big update of a weight takes its gradient product's
operands, made block by block where the update reads it), fuse (elementwise ops run in place on the fresh
buffer of the op before them, e.g. matmul + bias + relu in one buffer), reuse (matrix products whose buffer
never leaves the run keep it from one run to the next). `Program.stats` has the number of ops that run before
and after each pass; `Program.rewrites` names what each pass did.

The passes know ops only through the facts each op class declares (framework/op_def.py: `stateful`, `mutates`,
`is_constant`, `shape_rule`, `simplify`, `inplace_kernel`, `reads_only`, ...); they never name an op type, so a
new op gets folding, fusion and kept buffers by declaring what it is.

Rules that keep the result identical to an unoptimized run:
  - stateful ops (random ops, variables, Print, mutating ops, ...) are never folded, merged or removed;
  - nothing is folded that depends on a feed or a variable; a fed tensor is always read from the feed;
  - ops are never moved: removing ops from a valid order keeps it valid, so control dependencies hold;
  - an op whose input may share memory with a variable is not replaced by that input (nor merged with a
    twin) when a variable update may run in between, because the update would show through;
  - a fetched value never shares memory with a constant, a variable or another fetched value unless it did
    without the passes (the plan copies it otherwise).
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from ..framework.dtypes import DType
from ..framework.graph import Operation, Tensor
from ..framework.op_def import UnknownDim, aliases_variable, ref_indices
from ..framework.tensor_shape import TensorShape
from . import blas, elementwise, gemm_pool

ENV_VAR = "GRAPHGRAD_OPTIMIZE"
PASSES = ("fold", "simplify", "cse", "dead", "narrow", "gemm", "fuse", "reuse")
_REUSE_ELEMENTS = 4096  # smaller products: NumPy's allocation is cheaper than the bookkeeping of a kept buffer
_INTERN_BYTES = 1024  # constants up to this size are deduplicated by value (so CSE sees equal constants)


def optimize_default() -> bool:
    """Passes are on unless GRAPHGRAD_OPTIMIZE is 0 / false / no / off."""
    return os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off")


_ref_inputs = ref_indices


def _fresh(static):
    """A static shape with a new symbol for each unknown dimension."""
    return None if static is None else tuple(UnknownDim() if d is None else d for d in static)


def _merge_static(rule, static):
    """A rule's symbolic shape refined by the op's static shape (which wins where it knows a dimension)."""
    if rule is None:
        return _fresh(static)
    if static is None:
        return rule
    if len(rule) != len(static):
        return _fresh(static)
    out = []
    for r, d in zip(rule, static):
        if d is None:
            out.append(r)
        elif isinstance(r, int) and r != d:
            return _fresh(static)  # inconsistent: trust nothing but the static shape
        else:
            out.append(d)
    return tuple(out)


def _attr_key(v):
    """A hashable key equal for attributes that make an op compute the same thing (None: not comparable)."""
    if isinstance(v, np.ndarray):
        if v.dtype.hasobject:
            return ("ndo", v.shape, tuple(_attr_key(x) for x in v.flat))
        return ("nd", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, np.generic):
        return ("np", v.dtype.str, v.tobytes()) if not v.dtype.hasobject else ("id", id(v))
    if v is None or isinstance(v, (bool, int, str, bytes)):
        return (type(v).__name__, v)
    if isinstance(v, float):
        return ("f", v.hex())  # tells 0.0 from -0.0, and nan equals nan
    if isinstance(v, complex):
        return ("c", v.real.hex(), v.imag.hex())
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, tuple(_attr_key(x) for x in v))
    if isinstance(v, dict):
        return ("d", tuple(sorted((str(k), _attr_key(x)) for k, x in v.items())))
    if isinstance(v, TensorShape):
        return ("shape", v.dims_tuple)
    if isinstance(v, DType):
        return ("dtype", v.name, v.is_ref_dtype)
    return ("id", id(v))  # anything else: equal only to itself (the op holds it, so the id stays unique)


def _const_key(v):
    """Key to deduplicate a small constant by dtype, shape and bytes; None for big or object values. A device
    constant (CuPy) is compared through its host copy."""
    h = v if isinstance(v, (np.ndarray, np.generic)) else _small_host_copy(v)
    if h is not None and not h.dtype.hasobject and h.nbytes <= _INTERN_BYTES:
        return (type(v), h.dtype.str, h.shape, h.tobytes())
    return None


def _small_host_copy(v):
    nbytes, get = getattr(v, "nbytes", None), getattr(v, "get", None)
    return get() if nbytes is not None and nbytes <= _INTERN_BYTES and callable(get) else None


def _all_equal(value, x):
    try:
        if value.dtype.kind not in "biufc":
            return False
        return bool((value == x).all())  # NumPy or device arrays alike (CuPy: one sync, when the plan is built)
    except Exception:
        return False


class Program:
    """What the passes rewrite: see the module docstring. `ops` is the plan's order (never changed)."""

    def __init__(self, ops, fed, fetch_elems, ctx):
        self.ops = list(ops)
        self.pos = {op: i for i, op in enumerate(self.ops)}
        self.fed = fed
        self.ctx = ctx
        self.fetch_tensors = [e for e in fetch_elems if isinstance(e, Tensor) and e not in fed]
        self.fetch_ops = {e for e in fetch_elems if isinstance(e, Operation)}
        self.control_targets = {c for op in self.ops for c in op.control_inputs}
        self.consts = {}       # Tensor -> value known at compile time
        self.folded = set()    # tensors whose constant came from folding an op (not a Const op)
        self.alias = {}        # Tensor -> (Tensor with the same value, whether that value is the same object)
        self.live = dict.fromkeys(self.ops)  # ordered set of the ops that still run
        self.inplace = {}      # op -> index (among its value inputs) of the input whose buffer it writes
        self.kernels = {}      # op -> kernel specialized with facts the plan knows (used instead of its own)
        self.inplace_kernels = {}  # op -> (function, constants) of the ops that can run in place (`inplace_kernel`)
        self.reused = {}       # op -> (inputs) -> result shape, for products written into kept buffers
        self.rewired = {}      # op -> the value inputs it reads (the gemm pass: an update, the product it absorbed)
        self.stats = {}
        self.rewrites = {name: [] for name in PASSES}
        n_mut, self._mut_before = 0, []
        for op in self.ops:    # number of variable-writing ops before each position
            self._mut_before.append(n_mut)
            n_mut += bool(op.op_def.mutates)
        self._mut_total = n_mut
        self._sym = {}
        self._all = {}         # (constant, number) -> whether every element equals it

    # --- queries ------------------------------------------------------------------------------------------
    def resolve(self, t):
        while True:
            a = self.alias.get(t)
            if a is None:
                return t
            t = a[0]

    def path_is_same_object(self, t):
        """Whether the value behind `t` after substitution is the very object the unoptimized plan produced
        for `t` (or a view of it): False once a rewrite replaced a fresh result by another tensor's."""
        while True:
            a = self.alias.get(t)
            if a is None:
                return True
            if not a[1]:
                return False
            t = a[0]

    def args(self, op):
        """The op's value inputs after substitution (reference inputs carry no value)."""
        if op in self.rewired:
            return [self.resolve(t) for t in self.rewired[op]]
        refs = _ref_inputs(op)
        return [self.resolve(t) for i, t in enumerate(op.inputs) if i not in refs]

    def may_alias_variable(self, t):
        """Whether `t`'s value (after substitution) may share memory with a variable buffer."""
        return aliases_variable(t, self.resolve, lambda x: x in self.fed or x in self.consts)

    def _writes_between(self, a, b):
        """Whether a variable-writing op may run between positions a and b (a <= b) of the order."""
        return self._mut_before[b] != self._mut_before[a]

    def _writes_after(self, a):
        return self._mut_total != self._mut_before[a]

    # --- what an op's `simplify` / `specialize` may ask (the `facts` argument) ------------------------------
    # args(op) (above): the op's value inputs after substitution

    def sym(self, t):
        """Symbolic shape of `t` (tuple of ints and shared unknowns, or None for unknown rank)."""
        t = self.resolve(t)
        s = self._sym.get(t, False)
        if s is False:
            s = self._sym[t] = _fresh(t.shape.dims_tuple)
        return s

    def const_equals(self, t, x):
        """Whether `t` is a constant of the plan with every element equal to the number `x`."""
        if t not in self.consts:
            return False
        key = (t, x)
        hit = self._all.get(key)
        if hit is None:
            hit = self._all[key] = _all_equal(self.consts[t], x)
        return hit

    def const_shape(self, t):
        """The shape of the plan constant `t`."""
        return tuple(np.shape(self.consts[t]))

    def producer(self, t):
        """The op of this run that computes `t`, or None when `t` is fed (or comes from outside the run)."""
        return None if t in self.fed or t.op not in self.pos else t.op

    def _set_alias(self, t, target, same_object):
        if t not in self.fed and t is not target:
            self.alias[t] = (target, same_object)

    def _drop(self, op):
        self.live.pop(op, None)

    def _count(self):
        return len(self.live) - len(self.inplace)

    # --- shapes --------------------------------------------------------------------------------------------
    def infer_shapes(self):
        """Symbolic shapes of every value in order: unknown dimensions that are provably equal (the batch
        dimension through a network and its gradient) share one symbol, so shape-only ops can be dropped."""
        for op in self.ops:
            rule = None
            shape_rule = op.op_def.shape_rule
            if shape_rule is not None and op.outputs and not any(t in self.fed for t in op.outputs):
                try:
                    rule = shape_rule(op, *[self.sym(t) for t in op.inputs])
                except Exception:  # a shape the kernel will reject: keep the static shape
                    rule = None
            for i, t in enumerate(op.outputs):
                if t in self.fed or t in self.alias:
                    continue
                if t in self.consts:  # an array, a NumPy or Python scalar, or a variant (a TensorArray's tuple): ()
                    v = self.consts[t]
                    self._sym[t] = tuple(v.shape) if hasattr(v, "shape") else ()
                else:
                    self._sym[t] = _merge_static(rule if i == 0 else None, t.shape.dims_tuple)

    # --- pass 1: constant folding ----------------------------------------------------------------------------
    def fold(self):
        interned = {}
        for op in list(self.live):
            od = op.op_def
            if od.is_constant:
                t = op.outputs[0]
                self._drop(op)  # a Const never runs: its value becomes a constant of the plan
                if t not in self.fed:
                    self._add_const(t, od.kernel(op, self.ctx)(), interned, folded=False)
                continue
            if od.stateful or od.mutates or not op.outputs or _ref_inputs(op):
                continue
            if all(t in self.fed for t in op.outputs):
                continue
            args = self.args(op)
            if not all(a in self.consts for a in args):
                continue
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    out = od.kernel(op, self.ctx)(*[self.consts[a] for a in args])
            except Exception:
                continue  # the error belongs to the run: leave the op in the plan
            if caught:
                continue  # so is a warning (division by zero, ...): it should show each run
            outs = [out] if len(op.outputs) == 1 else list(out)
            self._drop(op)
            self.rewrites["fold"].append(op.name)
            for t, v in zip(op.outputs, outs):
                if t not in self.fed:
                    self._add_const(t, v, interned, folded=True)

    def _add_const(self, t, value, interned, folded):
        if isinstance(value, np.ndarray) and value.flags.writeable:
            value.flags.writeable = False  # shared by every run: no kernel may write into it
        key = _const_key(value)
        if key is not None:
            first = interned.setdefault(key, t)
            if first is not t:
                self._set_alias(t, first, folded)  # equal constants are one constant (CSE sees them equal)
        self.consts[t] = value
        if folded:
            self.folded.add(t)

    # --- pass 2: algebraic simplification ----------------------------------------------------------------------
    def simplify(self):
        done = self.rewrites["simplify"]
        for op in list(self.live):
            if op.op_def.no_op:
                self._drop(op)  # does nothing: its ordering is already in the order
                done.append(op.name)
                continue
            if len(op.outputs) != 1 or op.outputs[0] in self.fed or op.op_def.stateful or op.op_def.mutates:
                continue
            simplify, specialize = op.op_def.simplify, op.op_def.specialize
            hit = None if simplify is None else simplify(op, self)
            if hit is None:
                kernel = None if specialize is None else specialize(op, self)
                if kernel is not None:
                    self.kernels[op] = kernel
                    self.rewrites["static_axes"].append(op.name)
                continue
            target, same_object = hit
            if not same_object and self.may_alias_variable(target) and self._writes_after(self.pos[op]):
                continue  # the copy would no longer be a snapshot of the variable
            self._set_alias(op.outputs[0], target, same_object)
            self._drop(op)
            done.append(op.name)

    # --- pass 3: common-subexpression elimination ----------------------------------------------------------------
    def cse(self):
        seen = {}
        done = self.rewrites["cse"]
        for op in list(self.live):
            od = op.op_def
            if od.stateful or od.mutates or not op.outputs or _ref_inputs(op) or any(
                    t in self.fed for t in op.outputs):
                continue
            try:
                attrs = tuple(sorted((k, _attr_key(v)) for k, v in op.attrs.items()))
            except TypeError:
                continue
            args = self.args(op)
            key = (od, attrs, tuple(args), frozenset(op.control_inputs))
            try:
                twin = seen.setdefault(key, op)
            except TypeError:
                continue
            if twin is op:
                continue
            if any(self.may_alias_variable(a) for a in args) and self._writes_between(self.pos[twin], self.pos[op]):
                seen[key] = op  # a variable may change in between: later twins compare with this one
                continue
            for t, u in zip(op.outputs, twin.outputs):
                self._set_alias(t, u, False)
            self._drop(op)
            done.append((op.name, twin.name))

    # --- pass 4: dead-op removal ---------------------------------------------------------------------------------
    def dead(self):
        used = {self.resolve(t) for t in self.fetch_tensors}
        done = []
        for op in reversed(list(self.live)):
            od = op.op_def
            if (od.stateful or od.mutates or op in self.fetch_ops or op in self.control_targets
                    or any(t in used for t in op.outputs)):
                used.update(self.args(op))
            else:
                self._drop(op)
                done.append(op.name)
        self.rewrites["dead"] = done[::-1]

    # --- pass 5: only what the run reads ----------------------------------------------------------------------
    def narrow(self):
        """Ops compute only what the run reads of them. An op some of whose outputs nobody reads gets the kernel
        its `prune_outputs` gives for the outputs read (a loop's gradient leaves out the gradients of loop inputs
        nobody asked for, and their part of its body). A 2-D matrix product (`product`) whose one reader is a
        split (`pieces`) of which the run reads only some pieces multiplies only the rows or columns those pieces
        cover, and the split cuts its pieces from that: concat([x, h])'s gradient d[x, h] = dz·Kᵀ, split, with
        nobody reading d x, is dz·K[rows of h]ᵀ. Each column of a product is the same sum of the same products
        either way, and the ops it rewrites are kept out of islands (runtime/jit.py)."""
        done = self.rewrites["narrow"]
        readers, fetched = self._readers(), {self.resolve(t) for t in self.fetch_tensors}
        read = set(readers) | fetched

        def used(op):
            return [i for i, t in enumerate(op.outputs) if t in read or t in self.fed]

        for op in list(self.live):
            od = op.op_def
            if len(op.outputs) < 2 or op in self.kernels or op in self.fetch_ops:
                continue
            idx = used(op)
            if len(idx) == len(op.outputs):
                continue
            if od.prune_outputs is not None:
                kernel = od.prune_outputs(op, set(idx), self.ctx)
                if kernel is not None:
                    self._rekernel(op, kernel)
                    done.append(op.name)
                continue
            found = od.pieces(op) if od.pieces is not None else None
            if found is None or not idx:
                continue
            axis, bounds = found
            x = self.resolve(op.inputs[0])
            m = x.op
            trans = m.op_def.product(m) if m.op_def.product is not None and m in self.live else None
            lo, hi = min(bounds[i][0] for i in idx), max(bounds[i][1] for i in idx)
            if (trans is None or axis > 1 or m.outputs[0] is not x or readers.get(x) != [op] or x in fetched
                    or x in self.fed or m in self.fetch_ops or m in self.control_targets or m in self.kernels
                    or (lo, hi) == (bounds[0][0], bounds[-1][1])):
                continue
            self._rekernel(m, _narrowed_product(m, trans, axis, lo, hi, self.ctx))
            self._rekernel(op, _pieces_of_part(axis, [bounds[i] if i in idx else None
                                                      for i in range(len(bounds))], lo))
            done.append((m.name, op.name))

    def _rekernel(self, op, kernel):
        self.kernels[op] = kernel
        self.rewired[op] = [t for i, t in enumerate(op.inputs) if i not in _ref_inputs(op)]  # marks it: no island

    def _readers(self):
        """Tensor -> the live ops that read it (its value or only its shape), each once."""
        users = {}
        for op in self.live:
            for a in self.args(op):
                if op not in users.setdefault(a, []):
                    users[a].append(op)
        return users

    # --- pass 6: matrix products added into variables by BLAS ---------------------------------------------------
    def gemm(self):
        """A variable update that adds a scaled matrix product to its variable or a slot (gradient descent on a
        weight, w -= lr·xᵀ·dy, or momentum's accum = m·accum + xᵀ·dy: `OpDef.accumulates` of an update fed by an
        op with `OpDef.product`) gets the product's operands instead, and BLAS adds alpha·xᵀ·dy into that buffer
        (runtime/blas.py): no product array, no scaling pass, no addition pass. Only where the update is the
        product's one reader, the product is not fetched or fed, the variable holds at least _REUSE_ELEMENTS
        elements of a float type BLAS takes, and neither operand may share memory with a variable (they are read
        later than before: at the update). A gradient that is the sum of such products (`OpDef.sums_inputs`:
        AddN, a weight used at every step of an unrolled RNN) has each of them added in turn, and the sum is not
        made. The product's op stays where it was as a check of the contracted dimension, so a mismatch fails
        there with the same error. The sum is rounded once instead of three times
        (docs/plan-compiler.md)."""
        done = self.rewrites["gemm"]
        if self.ctx.xp is not np or not blas.available() or self.ctx.matmul_precision != "float32":
            return
        users, fetched = self._value_readers(), {self.resolve(t) for t in self.fetch_tensors}
        for op in list(self.live):
            found = op.op_def.accumulates(op) if op.op_def.accumulates is not None else None
            if found is None:
                self._update_by_product(op, users, fetched)
                continue
            grad_index, ref_index, scale, then = found
            g = self.resolve(op.inputs[grad_index])
            var_shape = op.inputs[ref_index].shape.dims_tuple
            if (var_shape is None or None in var_shape or np.prod(var_shape) < _REUSE_ELEMENTS
                    or g.dtype.base_dtype.np not in (np.float32, np.float64)):
                continue
            summed = g.op if g.op.op_def.sums_inputs and self._only_reader(g, op, users, fetched) else None
            terms = [self.resolve(t) for t in summed.inputs] if summed is not None else [g]
            products = [self._product_for(t, op if summed is None else summed, var_shape, users, fetched)
                        for t in terms]
            if not products or None in products or len({m for m, _ in products}) != len(products):
                continue
            refs = _ref_inputs(op)
            others = [t for i, t in enumerate(op.inputs) if i not in refs and i != grad_index]
            self.rewired[op] = others + [t for m, _ in products for t in m.inputs]
            sum_kernel = summed.op_def.kernel(summed, self.ctx) if summed is not None else None
            self.kernels[op] = _update_by_gemm(op, products, sum_kernel, found, self.ctx)
            for m, trans in products:
                self.kernels[m] = _contraction_check(m, trans, self.ctx)
                self.rewired[m] = list(m.inputs)  # its inputs as before; the mark keeps it out of islands
            if summed is not None:
                self._drop(summed)
            done.append(([m.name for m, _ in products] if summed is not None else products[0][0].name, op.name))

    def _update_by_product(self, op, users, fetched):
        """An optimizer's update of a big 2-D variable whose rule is not a product added in (Adam, RMSProp,
        Adagrad: `OpDef.pooled_update`) and whose gradient is a product that only the update reads gets the
        product's operands instead: where the GEMM pool runs, its threads make the product block by block of rows
        and run the rule on each block while it is in their cache (runtime/gemm_pool.py `update_by_product`), so
        the gradient is never written whole nor read back. The same values bit for bit."""
        od = op.op_def
        if od.pooled_update is None or od.update_rule is None or not od.pooled_update(op):
            return
        rule, args, grad_index = od.update_rule(op)
        refs = _ref_inputs(op)
        if args[sum(1 for i in range(grad_index) if i not in refs)] not in (rule.arrays or ()):
            return
        g = self.resolve(op.inputs[grad_index])
        var_shape = op.inputs[0].shape.dims_tuple
        if var_shape is None or len(var_shape) != 2 or g.dtype.base_dtype.np not in (np.float32, np.float64):
            return
        found = self._product_for(g, op, var_shape, users, fetched)
        if found is None:
            return
        m, trans = found
        self.rewired[op] = [t for i, t in enumerate(op.inputs) if i not in refs and i != grad_index] + list(m.inputs)
        self.kernels[op] = _update_by_product(op, m, trans, self.ctx)
        self.kernels[m] = _contraction_check(m, trans, self.ctx)
        self.rewired[m] = list(m.inputs)
        self.rewrites["gemm"].append((m.name, op.name))

    def _only_reader(self, t, op, users, fetched):
        """Whether `op` alone reads `t`, an op's single output that is not fetched, fed, or otherwise needed."""
        p = t.op
        return (p in self.live and users.get(t) == [op] and t not in fetched and t not in self.fed
                and p not in self.fetch_ops and p not in self.control_targets and p not in self.kernels
                and p.outputs[0] is t and len(p.outputs) == 1)

    def _product_for(self, t, reader, var_shape, users, fetched):
        """(op, transposes) when `t` is a 2-D product of the variable's shape that only `reader` reads and
        whose operands may be read later (no variable behind them); else None."""
        m = t.op
        trans = m.op_def.product(m) if m.op_def.product is not None else None
        if (trans is None or not self._only_reader(t, reader, users, fetched) or t.shape.dims_tuple != var_shape
                or any(self.may_alias_variable(a) for a in self.args(m))):
            return None
        return m, trans

    # --- pass 7: in-place fusion ---------------------------------------------------------------------------------
    def fuse(self):
        """Elementwise ops write into the fresh buffer of the op before them when nothing else reads it:
        matmul -> add bias -> relu become one buffer written three times (`out=`), saving two allocations
        and two passes over new memory. A buffer is fresh when its op's kernel allocates it on every run
        (matmul, ufunc ops) or it is such a buffer passed along in place; it is given away only when its
        single reader is this op, it is not fetched, and the result has its shape and dtype."""
        users = self._value_readers()
        fetched = {self.resolve(t) for t in self.fetch_tensors}
        fresh = set()
        chains = {}
        for op in self.live:
            if self._inplace_kernel(op) is None:
                fresh.update(self._fresh_outputs(op))
                continue
            out = op.outputs[0]
            args = self.args(op)
            cands = op.op_def.inplace_inputs
            for i in (range(len(args)) if cands == "all" else cands):
                buf = args[i]
                if (buf in fresh and users.get(buf) == [op] and buf not in fetched
                        and buf.dtype.base_dtype == out.dtype.base_dtype and out not in self.fed
                        and self.sym(buf) == self.sym(out) and self.sym(out) is not None):
                    self.inplace[op] = i
                    fresh.add(out)
                    chain = chains.pop(buf, None) or [buf.op.name]
                    chains[out] = chain + [op.name]
                    break
            else:
                fresh.update(self._fresh_outputs(op))
        self.rewrites["fuse"] = list(chains.values())

    def _inplace_kernel(self, op):
        """(function, constants) with which `op` writes its result into an input's buffer (`out=`), or None: its
        declared `inplace_kernel`, for single-output, non-stateful ops with a numeric result."""
        if op in self.inplace_kernels:
            return self.inplace_kernels[op]
        od, found = op.op_def, None
        if (od.inplace_kernel is not None and len(op.outputs) == 1 and isinstance(od, type) and not od.stateful
                and (op.outputs[0].dtype.base_dtype.is_floating or op.outputs[0].dtype.base_dtype.is_integer)):
            found = od.inplace_kernel(op, self.ctx)
        self.inplace_kernels[op] = found
        return found

    def _fresh_outputs(self, op):
        """The outputs whose buffer the op's kernel allocates anew on every run (safe to write into): those its
        `allocates` names (all, or some of several: a convolution's result but not its patch matrix), or the
        result of an op with an `inplace_kernel`; numeric and not 0-d (a 0-d result may be a NumPy scalar,
        which has no buffer)."""
        declared = op.op_def.allocates
        if declared is True:
            indices = range(len(op.outputs))
        elif declared:
            indices = declared
        else:
            indices = (0,) if len(op.outputs) == 1 and self._inplace_kernel(op) is not None else ()
        out = []
        for i in indices:
            t = op.outputs[i]
            s, dt = t.shape.dims_tuple, t.dtype.base_dtype
            if t not in self.fed and s and (dt.is_floating or dt.is_integer):
                out.append(t)
        return out

    # --- pass 8: buffers kept across runs --------------------------------------------------------------------
    def reuse(self):
        """Matrix products whose buffer never leaves the run write into a buffer the plan keeps from one run to
        the next (`out=`), instead of a new allocation every run: a step of a training loop then reuses the
        memory of the step before (and a fixed set of addresses is what a CUDA graph replays). A product
        qualifies when it is 2-D, holds at least _REUSE_ELEMENTS elements (an unknown dimension counted as a
        mini-batch of 32), and everything that can see its buffer only reads it during the run: the ops that
        continue it in place, its views, and their readers must be products, elementwise ops, activation
        gradients, softmax cross-entropy or variable updates (which copy what they keep). A fetched value
        never qualifies: the caller owns it."""
        readers = self._value_readers()
        fetched = {self.resolve(t) for t in self.fetch_tensors}
        for op in self.live:
            result_shape = op.op_def.result_shape
            shape_of = result_shape(op) if result_shape is not None and op not in self.kernels else None
            if shape_of is None:
                continue
            out = op.outputs[0]
            if not (out.dtype.base_dtype.is_floating or out.dtype.base_dtype.is_integer):
                continue
            if int(np.prod([32 if d is None else d for d in out.shape.dims_tuple])) < _REUSE_ELEMENTS:
                continue
            if self._stays_in_run(out, readers, fetched):
                self.reused[op] = shape_of
        self.rewrites["reuse"] = [op.name for op in self.reused]

    def _stays_in_run(self, t, readers, fetched):
        """Whether no one outside this run can hold the buffer behind `t` (see `reuse`)."""
        holders, seen = [t], {t}
        while holders:
            h = holders.pop()
            if h in fetched:
                return False
            for c in readers.get(h, ()):
                args = self.args(c)
                if self.inplace.get(c) is not None and args[self.inplace[c]] is h:
                    shares = c.outputs[:1]  # continues the buffer in place
                elif c.op_def.view_of is not None and args[c.op_def.view_of] is h:
                    shares = c.outputs
                elif c.op_def.mutates or c.op_def.reads_only or self._inplace_kernel(c) is not None:
                    continue
                else:
                    return False
                for o in shares:
                    if o not in seen:
                        seen.add(o)
                        holders.append(o)
        return True

    def _value_readers(self):
        """Tensor -> the live ops that read its value (not only its shape), each once, in order."""
        users = {}
        for op in self.live:
            shape_only = op.op_def.shape_only_inputs
            for i, a in enumerate(self.args(op)):
                # an op that reads only the shape of a buffer may read it before or after it is overwritten
                if i not in shape_only and op not in users.setdefault(a, []):
                    users[a].append(op)
        return users

    # --- driver ------------------------------------------------------------------------------------------------
    def run_passes(self):
        self.rewrites = {name: [] for name in PASSES}
        self.rewrites["static_axes"] = []
        for name in PASSES:
            before = self._count()
            if name == "simplify":
                self.infer_shapes()  # after folding, so folded constants have exact shapes
            getattr(self, name)()
            self.stats[name] = (before, self._count())
        return self


def _update_by_gemm(op, products, sum_kernel, accumulates, ctx):
    """The update's kernel on (its other value inputs..., each product's two operands): BLAS adds the products
    into the reference input `accumulates` names (the first with its (alpha, beta), the others with beta 1), then
    its `then` rule runs; where BLAS does not take the arrays (or `scale` refuses the inputs), the products, their
    sum (`sum_kernel`, when the gradient was one) and the op's own kernel, as before the pass."""
    grad_index, ref_index, scale, then = accumulates
    refs = _ref_inputs(op)
    store, target, result = ctx.variables, op.inputs[ref_index].op, op.inputs[refs[0]].op
    update = op.op_def.kernel(op, ctx)
    kernels = [(m.op_def.kernel(m, ctx), trans) for m, trans in products]
    n = 2 * len(kernels)
    at = sum(1 for i in range(grad_index) if i not in refs)  # the gradient's place among the value inputs
    finish, picks = None, ()
    if then is not None:
        rule, in_indices, out_indices = then
        others = [i for i in range(len(op.inputs)) if i not in refs and i != grad_index]
        picks = [others.index(i) for i in in_indices]
        keys = [op.inputs[i].op for i in out_indices]
        finish = elementwise.numpy_kernel(rule).bind(ctx.xp, args=rule.names(rule.in_params), store=store, keys=keys)

    def update_by_gemm(*args):
        others, operands = list(args[:-n]), args[-n:]
        s = scale(*others)
        buf = store[target]
        if s is not None and _gemms(kernels, operands, buf, *s):
            if finish is not None:
                finish(*[others[i] for i in picks])
            return store[result]
        values = [product(operands[2 * j], operands[2 * j + 1]) for j, (product, _) in enumerate(kernels)]
        others.insert(at, values[0] if sum_kernel is None else sum_kernel(*values))
        return update(*others)
    return update_by_gemm


def _update_by_product(op, m, trans, ctx):
    """The kernel of update `op` on (its other value inputs..., the product `m`'s two operands): the pool's
    `update_by_product` where it runs and takes the arrays; else the product, then the op's own kernel."""
    rule, args, grad_index = op.op_def.update_rule(op)  # args: the kernel's, the gradient among them
    refs = _ref_inputs(op)
    at = sum(1 for i in range(grad_index) if i not in refs)
    arrays, scalars = rule.positions(args)
    grad = rule.arrays.index(args[at])
    update, product = op.op_def.kernel(op, ctx), m.op_def.kernel(m, ctx)
    store, keys = ctx.variables, [op.inputs[i].op for i in refs]
    ta, tb = trans

    def update_by_product(*a):
        values, x, y = list(a[:-2]), a[-2], a[-1]
        if gemm_pool.started():
            outs = [store[k] for k in keys]
            given = values[:at] + [None] + values[at:]
            if gemm_pool.update_by_product(rule, outs, [given[i] for i in arrays], grad, [given[i] for i in scalars],
                                           x, ta, y, tb):
                return outs[0]
        values.insert(at, product(x, y))
        return update(*values)
    return update_by_product


def _gemms(kernels, operands, buf, alpha, beta):
    """buf <- beta·buf + alpha·Σ products, one BLAS call each; False (buf untouched) when BLAS refuses the
    first. A later product BLAS refuses (an empty contraction, say) is added through NumPy."""
    for j, (product, (ta, tb)) in enumerate(kernels):
        a, b = operands[2 * j], operands[2 * j + 1]
        if not blas.gemm(a, ta, b, tb, buf, alpha, beta if j == 0 else 1.0):
            if j == 0:
                return False
            buf += buf.dtype.type(alpha) * product(a, b)
    return True


def _narrowed_product(m, trans, axis, lo, hi, ctx):
    """The product `m` = op(a)·op(b) computing only its rows (axis 0) or columns (axis 1) lo:hi, from the rows or
    columns of its operands they need (views): the same sums of the same products."""
    product = m.op_def.kernel(m, ctx)
    ta, tb = trans
    if axis == 1:
        if tb:
            return lambda a, b: product(a, b[lo:hi])
        return lambda a, b: product(a, b[:, lo:hi])
    if ta:
        return lambda a, b: product(a[:, lo:hi], b)
    return lambda a, b: product(a[lo:hi], b)


def _pieces_of_part(axis, bounds, lo):
    """A split's kernel on the part of its input that starts at `lo` along `axis`: the pieces of `bounds` (None
    for a piece nobody reads, which comes back as None)."""
    keys = [None if b is None else (slice(None),) * axis + (slice(b[0] - lo, b[1] - lo),) for b in bounds]
    return lambda x: [None if k is None else x[k] for k in keys]


def _contraction_check(m, trans, ctx):
    """In place of a product whose result BLAS now adds elsewhere: the product's own kernel where the contracted
    dimensions differ (it raises the error it raised before), nothing otherwise."""
    product = m.op_def.kernel(m, ctx)
    ka, kb = (0 if trans[0] else 1), (1 if trans[1] else 0)

    def check_contraction(a, b):
        if a.ndim != 2 or b.ndim != 2 or a.shape[ka] != b.shape[kb]:
            product(a, b)
    return check_contraction


def optimize(ops, fed, fetch_elems, ctx, enabled=True) -> Program:
    """The Program for one run: rewritten by every pass when `enabled`, else the ops as scheduled."""
    prog = Program(ops, fed, fetch_elems, ctx)
    return prog.run_passes() if enabled else prog
