"""`tf.GradientTape`: reverse-mode autodiff of ops run eagerly, replaying the ops' own gradient rules.

While a tape records, every op run eagerly that reads a watched tensor (a tensor passed to `watch`, a variable's
value read under the tape, or an output of an op recorded before) is kept as a record (`EagerOperation`: the op's
definition, attributes, and the eager tensors it read and made). `gradient` walks the records in reverse
program order and calls each op's gradient rule on its record, exactly as `tf.gradients` calls it on a graph
Operation; the rules are built from the public functions, so here they run eagerly and return eager tensors, and a
tape around the computation of a gradient records it too (second derivatives). Gradients that reach one tensor
along several paths are summed with `add_n`.

Outside eager execution (inside a `tf.function` being traced, or in plain graph mode) a tape computes its
gradients with `tf.gradients` on the graph.
"""
from __future__ import annotations

import contextlib
import enum

import numpy as np

from ..autodiff import _aggregate  # (the sum over paths: add_n, gradient lists, IndexedSlices)
from ..framework import dtypes
from ..framework.graph import Tensor
from ..ops import array_ops
from ..ops.core import convert_to_tensor, ones_like, zeros_like
from ..variables import Variable
from . import context as _ctx
from . import replay as _replay
from .context import EagerOperation, executing_eagerly
from .nest import flatten, pack
from .replay import Replays, operand_key, value_key
from .tensor import EagerTensor

__all__ = ["GradientTape", "UnconnectedGradients"]


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on: None, or zeros of its shape."""

    NONE = "none"
    ZERO = "zero"


def _is_variable(x):
    return isinstance(x, Variable)


#: the dtypes gradients flow through (eager tensors carry base dtypes): real and complex floats, as in graph mode
_FLOATING = frozenset((dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128))
#: ... and into: also a TensorArray's flow (variant), whose gradient is a gradient list (ops/tensor_array_ops.py)
_FLOWING = _FLOATING | {dtypes.variant}


class GradientTape:
    """Records the ops run eagerly inside `with tf.GradientTape() as tape:` for `tape.gradient(target, sources)`.

    `persistent=True` allows several `gradient`/`jacobian` calls; `watch_accessed_variables=False` records only
    what `watch` names (trainable variables read under the tape are watched by default)."""

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._recording = False
        self._ids: set = set()      # ids of watched tensors and of the outputs of recorded ops
        self._keep: list = []       # the watched tensors (their ids stay unique while the tape lives)
        self._records: list = []    # EagerOperations, in program order
        self._by_id: dict = {}      # id(record) -> record
        self._variables: dict = {}  # id(variable) -> watched variable, in the order first watched
        self._reads: dict = {}      # id(tensor read from a variable) -> (tensor, variable)
        self._used = False

    # --- recording --------------------------------------------------------------------------------------------
    def __enter__(self):
        self._recording = True
        _ctx._tapes.append(self)
        return self

    def __exit__(self, *exc):
        self._recording = False
        if self in _ctx._tapes:
            _ctx._tapes.remove(self)
        return False

    def _record(self, op):
        self._records.append(op)
        self._by_id[id(op)] = op
        op._tapes += 1
        for t in op.outputs:
            self._ids.add(id(t))

    def _release(self):
        """Forget the records; those no other tape holds drop their outputs, so that a record and its output
        tensors (which point back at it) are freed as soon as the tensors are, not by the cycle collector (whose
        passes over each step's records cost ~10% of an eager training step), and their inputs: a result still
        held (the loss a training step returns) no longer keeps every value of the step alive, among them the
        variables' reads, which would make the optimizer's writes copy the variables (eager/shared_reads.py)."""
        for op in self._records:
            op._tapes -= 1
            if not op._tapes:
                op.outputs = ()
                op.inputs = ()
        self._records = []

    def _variable_read(self, var, tensor):
        if (self._watch_accessed and var.trainable) or id(var) in self._variables:
            self._variables.setdefault(id(var), var)
            if tensor is not None:
                self._reads[id(tensor)] = (tensor, var)
                self._ids.add(id(tensor))
                self._keep.append(tensor)

    def watch(self, tensor):
        """Record the ops that use `tensor` (a tensor, a variable, or a nested structure of them)."""
        for t in flatten(tensor):
            if _is_variable(t):
                self._variables.setdefault(id(t), t)
            elif isinstance(t, EagerTensor):
                if id(t) not in self._ids:
                    self._ids.add(id(t))
                    self._keep.append(t)
            elif not isinstance(t, Tensor):
                raise ValueError(f"Passed in object of type {type(t).__name__}, not tf.Tensor or tf.Variable: "
                                 f"{t!r}")

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run inside the block are not recorded on this tape."""
        if not self._recording:
            raise ValueError("Tape must be recording when stop_recording is called (inside its `with` block).")
        self._recording = False
        try:
            yield
        finally:
            self._recording = True

    def reset(self):
        """Forget everything recorded so far (the tape keeps recording)."""
        self._ids.clear()
        self._keep.clear()
        self._release()
        self._by_id.clear()
        self._variables.clear()
        self._reads.clear()

    def watched_variables(self):
        return list(self._variables.values())

    # --- gradients --------------------------------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target)/d(source) for each source in the (nested) `sources`, in the same structure.

        `output_gradients` (one per flattened target) weight the targets; `unconnected_gradients` is
        UnconnectedGradients.NONE or ZERO (or "none"/"zero") for sources the target does not depend on."""
        self._check_usable("gradient")
        unconnected = UnconnectedGradients(unconnected_gradients)
        targets = flatten(target)
        flat_sources = flatten(sources)
        seeds = [None] * len(targets) if output_gradients is None else flatten(output_gradients)
        if len(seeds) != len(targets):
            raise ValueError(f"Passed {len(seeds)} output_gradients for {len(targets)} targets")
        grads = self._gradients(targets, flat_sources, seeds, unconnected)
        self._done()
        return pack(sources, grads)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE, parallel_iterations=None,
                 experimental_use_pfor=True):
        """The full Jacobian of `target` with respect to each source: shape target.shape + source.shape (one
        reverse pass per element of the target)."""
        self._check_usable("jacobian")
        unconnected = UnconnectedGradients(unconnected_gradients)
        flat_sources = flatten(sources)
        if executing_eagerly():
            out = self._jacobian_eager(target, flat_sources, unconnected)
        else:
            from ..jacobians import jacobian

            out = jacobian(target, [_graph_source(s) for s in flat_sources])
            out = [_zeros_jacobian(target, s) if j is None and unconnected is UnconnectedGradients.ZERO else j
                   for j, s in zip(out, flat_sources)]
        self._done()
        return pack(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: for target [B, ...] and source [B, ...], where example b of the target depends
        only on example b of the source, the [B, target dims..., source dims...] Jacobians."""
        self._check_usable("batch_jacobian")
        unconnected = UnconnectedGradients(unconnected_gradients)
        target_t = _value_of(target)
        src_shape = _value_of(source).shape.as_list()
        shape = target_t.shape.as_list()
        if not shape or shape[0] != src_shape[0]:
            raise ValueError(f"Need first dimension of target shape ({shape}) and source shape ({src_shape}) to "
                             "match.")
        batch, rest = shape[0], shape[1:]
        m = int(np.prod(rest)) if rest else 1
        if not executing_eagerly():
            from ..jacobians import batch_jacobian

            out = batch_jacobian(target_t, _graph_source(source))
        else:
            dt = target_t.dtype.base_dtype.np
            rows = []
            for j in range(m):
                seed = np.zeros((batch, m), dt)
                seed[:, j] = 1
                (g,) = self._gradients([target_t], [source], [seed.reshape(shape)], unconnected)
                if g is None:
                    rows = None
                    break
                rows.append(array_ops.reshape(g, [batch, -1]))
            if rows is None:
                out = None
            else:
                out = array_ops.reshape(array_ops.stack(rows, axis=1), [batch, *rest, *src_shape[1:]])
        if out is None and unconnected is UnconnectedGradients.ZERO:
            out = array_ops.zeros([batch, *rest, *src_shape[1:]], dtype=target_t.dtype.base_dtype)
        self._done()
        return out

    # --- the reverse walk -------------------------------------------------------------------------------------
    def _check_usable(self, what):
        if self._used:
            raise RuntimeError(f"GradientTape.{what} can only be called once on non-persistent tapes.")

    def _done(self):
        if not self._persistent:
            self._used = True
            self._release()
            self._by_id = {}
            self._keep = []
            self._ids = set()
            self._reads = {}

    def _gradients(self, targets, sources, seeds, unconnected):
        if not executing_eagerly():
            return self._graph_gradients(targets, sources, seeds, unconnected)
        was, self._recording = self._recording, False  # the gradient's own ops are not recorded on this tape
        try:
            targets = [_value_of(t) for t in targets]
            # A source is a tensor, or a variable: the sum over the tensors read from it under this tape.
            reads_of = {}  # id(variable) -> the tensors read from it
            for t, v in self._reads.values():
                reads_of.setdefault(id(v), []).append(t)
            ends = []  # per source, the tensors whose gradients make its gradient
            for s in sources:
                if isinstance(s, Variable):
                    ends.append(reads_of.get(id(s), ()))
                elif isinstance(s, EagerTensor):
                    ends.append((s,))
                elif s is None:
                    ends.append(())
                else:
                    raise ValueError(f"Sources must be tensors or variables when executing eagerly, got {s!r}")
            seeds = [None if seed is None or t.dtype not in _FLOATING else convert_to_tensor(
                seed, dtype=t.dtype.base_dtype) for t, seed in zip(targets, seeds)]

            def block(_):
                return self._source_gradients(targets, sources, seeds, unconnected, ends)
            key, fed = self._replay_key(targets, seeds, unconnected, ends)
            if key is None:
                return block(None)
            return _TAPES.run(key, fed, block)
        finally:
            self._recording = was

    def _replay_key(self, targets, seeds, unconnected, ends):
        """(key, operands) of this reverse pass in `_TAPES`; the key is None when it must run as Python (a tape
        records it, or a record holds a tensor a replay cannot key on). The operands are the targets, seeds and
        sources, then each record's inputs and outputs; a record's key already holds its inputs' dtypes and
        shapes, and its outputs' where they follow from them."""
        if not _replay.ENABLED or any(tape._recording for tape in _ctx._tapes):
            return None, None
        fed = [*targets, *(s for s in seeds if s is not None)]
        for e in ends:
            fed.extend(e)
        first = {}
        key = operand_key(fed, [unconnected, tuple(s is None for s in seeds), tuple(len(e) for e in ends)], first)
        if key is None:
            return None, None
        for op in self._records:
            k = op._key
            if k is None:
                return None, None
            key.append(k)
            for t in op.inputs:
                i = id(t)
                j = first.get(i)
                if j is None:
                    first[i] = len(first)
                    if t.__class__ is not EagerTensor:
                        return None, None
                    v = t._value
                    if not hasattr(v, "dtype"):  # a TensorArray's flow: the pass runs as Python
                        return None, None
                    if v.size <= 8 or v.dtype.kind not in "fc":
                        j = value_key(t, v)
                        if j is False:
                            return None, None
                key.append(j)
            for t in op.outputs:
                first[id(t)] = len(first)
                key.append(t._value.shape if t._shape is None else None)
            fed.extend(op.inputs)
            fed.extend(op.outputs)
        return tuple(key), fed

    def _source_gradients(self, targets, sources, seeds, unconnected, ends):
        """The gradient of the targets for each source (None or zeros where not connected)."""
        wanted = {id(t) for e in ends for t in e}
        grads = self._backward(targets, seeds, wanted)
        out = []
        for s, e in zip(sources, ends):
            g = _aggregate([grads.get(id(t)) for t in e])
            if g is None and unconnected is UnconnectedGradients.ZERO:
                g = zeros_like(s.value() if isinstance(s, Variable) else s)
            out.append(g)
        return out

    def _backward(self, targets, seeds, wanted):
        """{id(tensor): gradient} for the tensors in `wanted`: the records between them and the targets, last
        first, each op's gradient rule called on its record with the summed gradients of its outputs."""
        grads: dict = {}  # id(tensor) -> list of contributions, summed when the tensor's producer is reached
        for t, seed in zip(targets, seeds):
            if t.dtype not in _FLOATING:
                continue  # nothing flows back from an integer target
            grads.setdefault(id(t), []).append(ones_like(t) if seed is None else seed)
        recorded = self._by_id
        reached, stack = set(), [t.op for t in targets]
        while stack:  # the records the targets depend on
            op = stack.pop()
            i = id(op)
            if i in reached or i not in recorded:
                continue
            reached.add(i)
            stack.extend(x.op for x in op.inputs)
        order, leads = [], set()  # ... of which those that lead back to a source, in program order
        for op in self._records:
            if id(op) in reached:
                for x in op.inputs:
                    if id(x) in wanted or id(x.op) in leads:
                        leads.add(id(op))
                        order.append(op)
                        break
        replayable = not any(tape._recording for tape in _ctx._tapes)  # else the rules' ops must be recorded
        _RULES.epoch += 1
        for op in reversed(order):
            out_grads = []
            for t in op.outputs:
                gs = grads.get(id(t))
                if gs is not None and len(gs) > 1:
                    gs = grads[id(t)] = [_aggregate(gs)]
                out_grads.append(gs[0] if gs else None)
            if out_grads.count(None) == len(out_grads):
                continue
            rule = op.op_def.gradient
            if rule is None:
                raise LookupError(f"No gradient defined for operation '{op.name}' (op type: {op.type})")
            if None in out_grads:  # (an output without a value, a convolution's patch matrix the GEMM pool's
                # passes never make, gets none either)
                out_grads = [g if g is not None else (zeros_like(t) if t.dtype in _FLOATING
                                                      and getattr(t, "_value", 0) is not None else None)
                             for g, t in zip(out_grads, op.outputs)]
            needed = tuple((id(x) in wanted or id(x.op) in leads) and x.dtype in _FLOWING for x in op.inputs)
            if replayable:
                in_grads = _replayed_rule(op, rule, out_grads, needed)
            else:
                in_grads = _needed_only(rule(op, *out_grads), needed)
            for x, g in zip(op.inputs, in_grads):
                if g is not None:
                    grads.setdefault(id(x), []).append(g)
        return {i: _aggregate(grads[i]) for i in wanted if i in grads}

    def _graph_gradients(self, targets, sources, seeds, unconnected):
        from ..autodiff import gradients

        srcs = [_graph_source(s) for s in sources]
        grads = gradients(targets, srcs, grad_ys=seeds)
        if unconnected is UnconnectedGradients.ZERO:
            grads = [zeros_like(s) if g is None else g for g, s in zip(grads, srcs)]
        return grads

    def _jacobian_eager(self, target, sources, unconnected):
        target = _value_of(target)
        shape = target.shape.as_list()
        n = int(np.prod(shape)) if shape else 1
        dt = target.dtype.base_dtype.np
        rows = [[] for _ in sources]
        for i in range(n):
            seed = np.zeros(n, dt)
            seed[i] = 1
            grads = self._gradients([target], sources, [seed.reshape(shape)], unconnected)
            for r, g in zip(rows, grads):
                r.append(g)
        out = []
        for s, r in zip(sources, rows):
            s_shape = (s.shape if not _is_variable(s) else s.value().shape).as_list()
            if any(g is None for g in r):
                out.append(None)
                continue
            out.append(array_ops.reshape(array_ops.stack(r), shape + s_shape))
        return out


#: The reverse passes' programs (replay.py), by the tape's records and operands: a training step's
#: `tape.gradient` runs the same kernels on the same signatures each step, and then runs them straight.
_TAPES = Replays(size=256)

#: The gradient rules' programs, by record signature (replay.py): a rule that ran twice on records of one
#: signature with the same kernels runs as its bound kernels from then on, without the public functions.
_RULES = Replays()


def _needed_only(in_grads, needed):
    """The gradients of the inputs in `needed`; an IndexedSlices (a gather's) made dense, as eager gradients are."""
    if not isinstance(in_grads, (list, tuple)):
        in_grads = [in_grads]
    return [(convert_to_tensor(g) if hasattr(g, "_composite_parts") else g) if need else None
            for g, need in zip(in_grads, needed)]


def _replayed_rule(op, rule, out_grads, needed):
    """`rule(op, *out_grads)` for the inputs in `needed` (None for the others), replayed when its signature has a
    program: the record's signature, the dtypes and shapes of its outputs and of the gradients, the values of small
    integer operands (a shape, an axis: the rule's ops may depend on them), which inputs need a gradient, and
    which operands are the same tensor."""
    key = _rule_key(op, out_grads, needed)
    if key is None:
        return _needed_only(rule(op, *out_grads), needed)
    n_in, n_out = len(op.inputs), len(op.outputs)
    fed = [*op.inputs, *op.outputs, *out_grads]

    def block(ts):
        if ts is fed:
            return _needed_only(rule(op, *out_grads), needed)
        record = EagerOperation(op.op_def, op.attrs, tuple(ts[:n_in]), op.name)
        record.outputs = outs = ts[n_in:n_in + n_out]
        for t in outs:
            t.op = record
        return _needed_only(rule(record, *ts[n_in + n_out:]), needed)
    return _RULES.run(key, fed, block, proxies=True, epoch=_RULES.epoch)


def _rule_key(op, out_grads, needed):
    if op._key is None or not _replay.ENABLED:
        return None
    operands = operand_key((*op.inputs, *op.outputs, *out_grads))
    return None if operands is None else (op._key, needed, *operands)


def _value_of(t):
    if isinstance(t, Variable):
        return t.value()
    return convert_to_tensor(t)


def _graph_source(s):
    ref = getattr(s, "_ref", None)
    return ref() if ref is not None and not isinstance(s, Tensor) else s


def _zeros_jacobian(target, source):
    t = _value_of(target)
    s = _value_of(source)
    return array_ops.zeros(t.shape.as_list() + s.shape.as_list(), dtype=t.dtype.base_dtype)


def variable_accessed(var, tensor):
    """Called by an eager variable whenever it is read while tapes exist (`tensor` is None in graph mode)."""
    for tape in _ctx._tapes:
        if tape._recording:
            tape._variable_read(var, tensor)
