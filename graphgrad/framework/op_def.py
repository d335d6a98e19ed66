"""The unit of extension: one op = one class holding its shape rule, its kernel and its gradient.

An op definition is a class that is never instantiated; its functions take the Operation (or arrays)
as their first argument and are called through the class, e.g. `MatMul.infer(op)`:

    class MatMul(OpDef):
        type = "MatMul"
        def infer(op):                 # -> [(shape tuple or None, dtype)], at build time
        def kernel(op, ctx):           # -> plain function of arrays, bound once per compiled plan;
                                       #    ctx.xp is numpy or cupy, so both backends share the code
        def gradient(op, dz):          # -> one graph tensor (or None) per input; built from graph ops,
                                       #    so gradients of gradients work

Besides these three, everything the runtime (the session, the plan and its passes) needs to know about an op
is a *declared fact* on its class, an attribute of `OpDef` with a default that is right for an op that has
never heard of the plan: the runtime reads only these and never names an op type, so a new op gets constant
folding, fusion and buffer reuse by declaring what it is, in its own file. See docs/design.md, "Declared
facts", for the list.

Definitions register themselves by `type`, so a GraphDef or checkpoint can name them; everywhere else the
Operation holds the class itself, so "go to definition" lands here.
"""
from __future__ import annotations

import numpy as np

from . import dtypes

OP_DEFS: dict[str, type] = {}


class OpDef:
    type: str = ""

    # --- what the op does to state ---------------------------------------------------------------------------
    #: Side effects or randomness: never constant-folded, merged with a twin or dropped by the passes.
    stateful = False
    #: Set on ops that write variables in place; the session snapshots them so a failed run changes nothing.
    mutates = False
    #: Inputs that are variable *references* (indices, or "all", or a function of the op giving the indices: a
    #: while loop references the variables its body writes): the plan passes no value for them and does not
    #: walk through them when pruning; the kernel finds the buffer through `ctx.variables[op.inputs[i].op]`.
    ref_inputs = ()
    #: The variables behind `ref_inputs` must hold a value before the run starts: the plan checks it up front
    #: (FailedPreconditionError "Attempting to use uninitialized value"), so a run never fails half-way.
    needs_initialized = False
    #: The op's output *is* a variable's live buffer in the session (VariableV2): fetches of it and of its views
    #: are copied, and updates running later in the same run show through it.
    is_variable = False
    #: The kernel works on the host's NumPy arrays, whatever the session's device (ops whose state lives in Python
    #: objects: tensor forests, boosted trees, k-means seeding, lookup tables; TF's host-memory kernels). On a
    #: device backend its value inputs are copied to the host before it runs and its outputs to the device after
    #: (`kernel` is wrapped once, when the class is defined); on the CPU it runs as written.
    host_kernel = False
    #: The op has no value of its own: a run that needs it without feeding it fails up front with
    #: `framework.errors.feed_error(op)` (Placeholder).
    must_feed = False
    #: The op's value is fixed when the graph is built: the plan calls `kernel(op, ctx)()` once, at compile time,
    #: and never runs the op (Const). Fetching such an op directly returns its read-only value.
    is_constant = False
    #: The op computes nothing and only orders its control inputs (NoOp): the passes drop it, and it cannot fail.
    no_op = False
    #: The kernel decides on the host, from values, what runs (tf.cond's If, tf.while_loop's While): a plan with
    #: such an op is never replayed as a CUDA graph, even when the op writes variables (`mutates`).
    host_control = False
    #: Run the op as soon as its inputs exist instead of in creation order among the ops ready at that point
    #: (the plan's order stays deterministic): a collective that *starts* communication (graphgrad.distributed's
    #: bucket allreduce) is issued early, so that it overlaps with the ops after it until its result is awaited.
    urgent = False

    # --- memory ------------------------------------------------------------------------------------------------
    #: The gradient rule takes an IndexedSlices gradient as it is (Identity passes it on to the variable);
    #: autodiff makes it dense for every other rule.
    sparse_gradients = False
    #: Index of the input whose memory the output may share (reshape, identity, ...). Fetches that may
    #: alias a variable's buffer are copied so the user never holds a live view of session state.
    view_of = None
    #: The kernel returns a new array of its own on every run (nobody else holds it), so a later elementwise op
    #: may overwrite it in place: True for every output, or a tuple of the output indices that are (a
    #: convolution's result, not the patch matrix its kernel may keep). Ops with an `inplace_kernel` count as
    #: allocating too.
    allocates = False
    #: The kernel only reads its inputs during the run and its result holds no reference to them: a buffer the
    #: plan keeps from one run to the next may flow into it (the reuse pass). Elementwise ops with an
    #: `inplace_kernel` and variable updates (`mutates`, which copy what they keep) count as reading only.
    reads_only = False
    #: Value inputs (indices) the op reads for their shape and dtype only (SumToShape's `like`): a buffer read
    #: this way may still be overwritten in place by its one real reader.
    shape_only_inputs = ()
    #: Value inputs (indices, or "all") whose buffer an `inplace_kernel` may write its result into.
    inplace_inputs = "all"

    #: `inplace_kernel(op, ctx) -> (f, constants)` or None. With it, an elementwise op can run in place:
    #: `f(*inputs, *constants, out=buf)` computes exactly what the kernel computes (bit for bit), written into
    #: `buf`, the buffer of one of `inplace_inputs` that has the result's shape and dtype and that nobody else
    #: reads (the fuse pass checks). `constants` are bound once (e.g. the 0 of `maximum(x, 0)`). None: the op
    #: always allocates its result the way its kernel does.
    inplace_kernel = None

    #: `result_shape(op) -> (function of the input arrays giving the result's shape) or None`. With it the
    #: plan may keep the op's result buffer from one run to the next and pass it as `kernel(*inputs, out=buf)`
    #: (the reuse pass; MatMul). The kernel must then accept `out=`.
    result_shape = None

    #: `product(op) -> (transpose_a, transpose_b) or None`: the op's value is exactly the 2-D matrix product
    #: op(a)·op(b) of its two inputs (op: transpose when the flag is set), computed by BLAS. With it, a variable
    #: update that adds the product, scaled, to the variable (`accumulates`) may have BLAS add it straight into
    #: the variable's buffer (the gemm pass, runtime/passes.py), when the update is the product's only reader.
    product = None
    #: The op's kernel multiplies matrices that may be large (a convolution's GEMMs, a loop whose body may): a plan
    #: that runs it long enough starts the GEMM pool (runtime/gemm_pool.py), as it does for a large `product`.
    large_products = False
    #: Row i (along the first axis) of the op's result depends only on row i of its inputs that have the result's
    #: first dimension (pooling: image by image). With a `jit` template, the plan may then run the op over blocks
    #: of rows on the GEMM pool's threads, together with the elementwise steps in place after it
    #: (runtime/row_chains.py). Elementwise ops with an `inplace_kernel` join such chains without it.
    rows_independent = False
    #: `pooled_update(op) -> bool`: the op's kernel runs its update split over the GEMM pool's threads
    #: (runtime/gemm_pool.py `update`: an optimizer's update of a big variable), so it stays out of the plan's
    #: islands and a plan that runs it long enough starts the pool.
    pooled_update = None
    #: `update_rule(op) -> (rule, args, grad_index)`: the update the op's kernel runs as one elementwise rule
    #: (runtime/elementwise.py `Fused`): `args`, the rule's parameter for each input that is not a reference, in
    #: order (the kernel's arguments); `grad_index`, the gradient's input. With `pooled_update`, the gemm pass may
    #: give the update its gradient's product operands instead (runtime/gemm_pool.py `update_by_product`).
    update_rule = None
    #: The op's value is the sum of its inputs (AddN: how autodiff adds up a weight's uses). The gemm pass then
    #: adds each product of the sum into the variable by itself.
    sums_inputs = False
    #: `accumulates(op) -> (grad_index, ref_index, scale, then) or None`: the update first does
    #: `ref <- beta·ref + alpha·inputs[grad_index]` on its reference input `ref_index`, with
    #: `(alpha, beta) = scale(*other value inputs)` (Python floats; None where the inputs do not allow it, e.g. a
    #: learning rate that is not a scalar: the op's own kernel then runs and says what is wrong), and then
    #: whatever `then` says without the gradient: None, or `(rule, in_indices, out_indices)`, a
    #: `runtime.elementwise.Fused` rule and the op's inputs that are its in- and out-parameters, in order
    #: (momentum: `var -= accum * lr` on (2,) -> (0, 1)).
    accumulates = None

    #: `pieces(op) -> (axis, [(start, stop), ...]) or None`: output i is input 0 sliced start:stop along `axis`
    #: (a split whose sizes are known while building). With it, a 2-D matrix product (`product`) that only this op
    #: reads, and of whose pieces the run reads only some, multiplies only the rows or columns those pieces cover
    #: (the narrow pass: d[x, h]·Kᵀ split back into d x and d h computes only d h when nobody reads d x).
    pieces = None
    #: `prune_outputs(op, used, ctx) -> kernel or None`: a kernel computing only the outputs whose indices are in
    #: `used` (the others may come back as None), for an op some of whose outputs nothing in the run reads
    #: (WhileGrad: the gradient of a loop input nobody reads is not computed, and the loop's gradient body is
    #: pruned to match). None: the op's own kernel.
    prune_outputs = None

    # --- shapes and algebra --------------------------------------------------------------------------------------
    #: `shape_rule(op, *input_shapes) -> shape of output 0`: the op's shape arithmetic alone, one rule for build
    #: time and for the plan. A shape is a tuple of dims (or None: unknown rank) and a dim is an int or unknown:
    #: None at build time, where `infer` calls the rule on static shapes (after checking dtypes and whatever else
    #: it validates), and an `UnknownDim` in the plan's passes, which call it on symbolic shapes so that the
    #: unknown batch dimension flows through a network as one symbol (`broadcast_shapes` etc. below work on both).
    #: It may raise ValueError for shapes that do not fit. None: the plan knows only the static shape.
    shape_rule = None

    #: `simplify(op, facts) -> (tensor, same_object) or None`: an algebraic identity the plan may use instead of
    #: running the op (x * 1 is x, a reshape to the input's own shape is the input). `tensor` holds the op's
    #: value; `same_object` says whether the kernel would have returned that very array (or a view of it) rather
    #: than a new one. `facts` (the plan's `Program`) answers questions about this run: `args(op)`, `sym(t)`,
    #: `const_equals(t, x)`, `const_shape(t)`, `producer(t)`. None: no identity.
    simplify = None

    #: `specialize(op, facts) -> kernel or None`: a kernel for this plan that uses what the plan knows (symbolic
    #: shapes) to do less per run, e.g. SumToShape's summed axes computed once. It must compute what `kernel`
    #: computes. None: the op's own kernel.
    specialize = None

    #: `jit(op, facts) -> template or None`: the op as Numba-compilable NumPy code, so that a plan can compile
    #: it together with its neighbours into one native function (runtime/jit.py, the optional `jit` extra).
    #: The template is lines of Python with `{i0}`, `{i1}`, ... for the op's inputs (references included: the
    #: variable's array, to be updated in place), `{o0}`, ... for the names to bind its outputs to, `{T}` for
    #: the output dtype (`np.float32`), `{B}` for its bits ("32"), `{u}` for a prefix of local names of its own;
    #: `np` is NumPy and `_lib` is
    #: runtime/jitlib.py. 0-d values are scalars inside an island. It must compute what `kernel` computes, up
    #: to rounding. None (the attribute, or the result for this op's attributes and shapes): the op runs its
    #: kernel.
    jit = None

    #: What compiling the op's `jit` template saves, in kernel calls: 1 for most ops (the call), more for an op
    #: whose kernel makes that many NumPy passes over memory which its template fuses into one loop (LSTMGates, an
    #: optimizer update: one per ufunc call of its rule, 12 for Adam; a max-pool gradient); an island needs two
    #: calls' worth (runtime/jit.py), so such an op is compiled even alone, and the passes beyond the first count
    #: as memory traffic saved, in proportion to the op's largest array (`jit.savings`). A number, or
    #: `jit_calls(op) -> int` where the count depends on the op's attributes (a pooling window's size).
    jit_calls = 1

    #: Whether the op's `jit` template is an island of its own: a loop of runtime/jitlib.py that, compiled into
    #: one function with its neighbours' loops, LLVM inlines and optimizes again at O3, unswitching and unrolling
    #: its already-vectorized loops (a 2x2 MaxPoolGrad after its Mul: 34,000 lines of machine code and 16-23 s of
    #: compile, against 0.4 s alone). Its neighbours form islands before and after it.
    jit_alone = False

    def can_fail(op):
        """Whether the op's kernel may raise at run time for inputs that passed its build-time rule. A plan
        snapshots the variables it writes only when such an op runs from the first write on. Every op may,
        except a no_op; variable updates narrow it down (ops/state_ops.py)."""
        return not op.op_def.no_op

    #: For a variable update that can fail: every failure is found before the op writes anything (its checks come
    #: first: a sparse update's indices), so a plan whose first write is this op needs no snapshot for it.
    checks_before_writing = False

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.type:
            if cls.type in OP_DEFS and OP_DEFS[cls.type].__module__ != cls.__module__:
                raise ValueError(f"Op type {cls.type!r} defined twice ({OP_DEFS[cls.type].__module__}, "
                                 f"{cls.__module__})")
            OP_DEFS[cls.type] = cls
        own = cls.__dict__.get("kernel")
        if cls.host_kernel and own is not None and not getattr(own, "on_host", False):
            cls.kernel = _on_host(own)

    def infer(op):
        raise NotImplementedError

    def kernel(op, ctx):
        raise NotImplementedError

    #: `gradient(op, *output_grads) -> sequence with one entry per input`. None as the attribute means
    #: "no gradient defined" (LookupError when needed); use `not_differentiable` for integer-valued ops.
    gradient = None


def _on_host(kernel):
    """`kernel` of a `host_kernel` op: on a device backend, inputs come to the host and outputs go back."""
    def bind(op, ctx):
        fn = kernel(op, ctx)
        if fn is None or getattr(ctx, "xp", None) is np:
            return fn
        to_host, to_device = ctx.to_host, ctx.to_device

        def device(x):
            return x if x is None else to_device(x)

        def run(*args):
            out = fn(*[to_host(a) for a in args])
            return tuple(map(device, out)) if isinstance(out, (tuple, list)) else device(out)
        return run
    bind.on_host = True
    return bind


#: Gradient functions registered by name with `RegisterGradient`, used for ops created under
#: `Graph.gradient_override_map({op_type: name})` (TF1's way to give a py_func a gradient).
GRADIENT_REGISTRY: dict[str, object] = {}


class RegisterGradient:
    """TF1's `@tf.RegisterGradient("name")`: registers `f(op, *output_grads) -> input grads` under `name`."""

    def __init__(self, op_type):
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string")
        self._op_type = op_type

    def __call__(self, f):
        if self._op_type in GRADIENT_REGISTRY:
            raise KeyError(f"Registering two gradient with name '{self._op_type}'! (Previous registration was "
                           "in another place.)")
        GRADIENT_REGISTRY[self._op_type] = f
        return f


#: Op types declared not differentiable by `no_gradient` (TF1's `tf.NotDifferentiable`): their inputs get None.
NO_GRADIENT: set[str] = set()


def no_gradient(op_type):
    """TF1's `tf.no_gradient` / `tf.NotDifferentiable`: ops of type `op_type` pass no gradient to their inputs
    (None), where an op type without any gradient is a "No gradient defined" LookupError."""
    if not isinstance(op_type, str):
        raise TypeError("op_type must be a string")
    NO_GRADIENT.add(op_type)


def gradient_rule(op):
    """The gradient function of `op`: the one registered under its `_gradient_op_type` attribute (set by
    `gradient_override_map`), else `not_differentiable` for a type given to `no_gradient`, else its class's
    `gradient` (None: no gradient defined)."""
    name = op.attrs.get("_gradient_op_type")
    if name is not None:
        if name not in GRADIENT_REGISTRY:
            raise LookupError(f"gradient registry has no entry for: {name}")
        return GRADIENT_REGISTRY[name]
    if op.type in NO_GRADIENT:
        return not_differentiable
    return op.op_def.gradient


def ref_indices(op):
    """The indices of `op`'s reference inputs (`ref_inputs`, with "all" spelled out)."""
    refs = op.op_def.ref_inputs
    if callable(refs):
        return refs(op)
    return range(len(op.inputs)) if refs == "all" else refs


def aliases_variable(tensor, resolve=None, is_fresh=None) -> bool:
    """Whether a tensor's array may share memory with a variable buffer: a fetch of it must be copied, and a
    numerics check of it would blame the read for an update's NaN. The plan passes `resolve` (its
    substitutions) and `is_fresh` (fed and constant values, which never alias)."""
    while True:
        if resolve is not None:
            tensor = resolve(tensor)
            if is_fresh(tensor):
                return False
        op_def = tensor.op.op_def
        if op_def.is_variable or op_def.mutates:
            return True
        if op_def.view_of is None:
            return False
        tensor = tensor.op.inputs[op_def.view_of]


def not_differentiable(op, *grads):
    """Gradient rule of ops whose outputs do not depend smoothly on inputs (argmax, comparisons, shape)."""
    return [None] * len(op.inputs)


# --- shape helpers shared by op definitions ----------------------------------------------------------

class UnknownDim:
    """An unknown dimension as the plan's passes track it: two shapes holding the same UnknownDim object have
    sizes that are provably equal at run time (the batch dimension through a network and its gradient)."""

    __slots__ = ()

    def __repr__(self):
        return "?"


def known(d) -> bool:
    """Whether a dimension is a number (not None, not an UnknownDim)."""
    return d is not None and not isinstance(d, UnknownDim)


def _either_unknown(x, y):
    """Two different unknown dims: still unknown (None at build time, a new symbol in the passes)."""
    return None if x is None or y is None else UnknownDim()


def _shape_text(shape):
    if shape is None:
        return "<unknown>"
    inner = ", ".join(str(d) if known(d) else "?" for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def broadcast_shape(a, b):
    """NumPy broadcasting of two shapes (tuples of dims, see `OpDef.shape_rule`; None for unknown rank)."""
    if a is None or b is None:
        return None
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x is y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        elif known(x) and known(y):
            if x != y:
                raise ValueError(f"Dimensions must be equal, but are {x} and {y}")
            out.append(x)
        elif known(x) or known(y):
            out.append(x if known(x) else y)
        else:
            out.append(_either_unknown(x, y))
    return tuple(reversed(out))


def broadcast_shapes(op, *shapes):
    """Shape rule of elementwise ops with broadcasting: all input shapes broadcast together."""
    out = shapes[0]
    for s in shapes[1:]:
        out = broadcast_shape(out, s)
    return out


def merge_shapes(a, b, what="Shapes"):
    """Two shapes that must be equal, merged (a known dim wins over an unknown one); ValueError otherwise."""
    if a is None:
        return b
    if b is None:
        return a
    if len(a) != len(b):
        raise ValueError(f"{what} must be equal, but are {_shape_text(a)} and {_shape_text(b)}")
    out = []
    for x, y in zip(a, b):
        if x is y or (known(x) and not known(y)):
            out.append(x)
        elif known(y) and not known(x):
            out.append(y)
        elif known(x):
            if x != y:
                raise ValueError(f"{what} must be equal, but are {_shape_text(a)} and {_shape_text(b)}")
            out.append(x)
        else:
            out.append(_either_unknown(x, y))
    return tuple(out)


def equal_shapes(op, *shapes):
    """Shape rule of elementwise ops whose inputs must have one shape (gradient ops of activations, AddN)."""
    out = shapes[0]
    for s in shapes[1:]:
        out = merge_shapes(out, s)
    return out


def shape_of_input(i):
    """Shape rule `output 0 has input i's shape` (unary elementwise ops, identities, casts)."""
    def rule(op, *shapes):
        return shapes[i]
    rule.__qualname__ = rule.__name__ = f"shape_of_input_{i}"
    return rule


same_shape = shape_of_input(0)


def same_dtype(op, *tensors):
    """The common dtype of `tensors`, or the TypeError TensorFlow raises for float32 + int32."""
    first = tensors[0].dtype.base_dtype
    for t in tensors[1:]:
        if t.dtype.base_dtype != first:
            raise TypeError(f"Input '{t.name}' of '{op.type}' Op has type {t.dtype.base_dtype.name} that does "
                            f"not match type {first.name} of argument '{tensors[0].name}'")
    return first


def require(op, tensor, *, floating=False, numeric=False, integer=False):
    dt = tensor.dtype.base_dtype
    if floating and not dt.is_floating:
        raise TypeError(f"Value passed to parameter 'x' of op '{op.type}' has DataType {dt.name} not in list "
                        "of allowed values: float16, float32, float64")
    if integer and not dt.is_integer:
        raise TypeError(f"Value passed to op '{op.type}' has DataType {dt.name}; an integer type is required")
    if numeric and not dt.is_numeric:
        raise TypeError(f"Value passed to op '{op.type}' has DataType {dt.name}; a numeric type is required")
    return dt


def static_shape(tensor):
    """The tensor's static shape as a tuple with None for unknown dims, or None for unknown rank."""
    return tensor.shape.dims_tuple


def fully_defined(shape) -> bool:
    return shape is not None and all(d is not None for d in shape)


BOOL = dtypes.bool_
