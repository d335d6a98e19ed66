"""Matrix products split over the cores by graphgrad's own worker threads (with the `jit` extra, Numba).

OpenBLAS runs a mid-sized product (W2's 128x784x256, W5's 12544x800x64 convolution GEMM, W6's 64x160x512) on two
threads worse than two single-threaded products of half the size each, one per core: its threads share the
packing of each block and synchronise once per block, and on a virtual machine a sleeping thread wakes late. Here
a product is cut into row (or column) blocks of the result, and the calling thread and the workers each claim
blocks and multiply them with the BLAS runtime/blas.py binds (NumPy's own OpenBLAS, or MKL) at one thread. The
workers are threads that never hold the GIL: each runs a loop compiled by Numba (`nogil`) that waits for work by
spinning (`sched_yield`), calls that BLAS by a symbol bound to its address (cached by Numba on disk), and
sleeps after a while without work on a futex that the next caller wakes (an idle process costs nothing; the
workers join the next product within the kernel's wake-up time, which a harness alternating frameworks felt: W6
14.9 -> 12.7 ms against polling up to every 10 ms).

Blocks are claimed with an atomic compare-and-swap on one word holding (task number, next block), so a worker
that is descheduled or asleep never holds up a product: the caller takes the blocks nobody claimed. Each block's
entries are computed by one BLAS call over the whole inner dimension, as in the unsplit product, and blocks are
multiples of the BLAS's kernel tiles, found when the pool starts (`alignments`: 16 rows or columns under OpenBLAS's
SkylakeX kernels; 12 float32 rows and no float32 columns under its Haswell kernels, so products are cut in rows
there): the result is NumPy's single-threaded product bit for bit for the workloads' shapes, and within OpenBLAS's
edge-tile rounding (relative ~1e-6 in float32) where a block ends off its kernel's tile, as between OpenBLAS's
own thread counts.
A product whose inner dimension is 16 times the result's longer side or more (a filter gradient of a convolution
with few channels, a bias gradient as a row of ones times the gradient) is cut along the inner dimension instead:
each block's partial product is added by the caller, in block order (`gemm_pool_kernels.K_SPLIT`).

Where it is used: `blas.matmul` and `blas.gemm` (the products of MatMul, the convolution kernels, the gemm pass
and the loops' summed weight gradients) once `start()` has run; and whole convolution passes (`conv_forward`,
`conv_filter_grad`, `conv_input_grad`), split by images, each image's patch rows written and multiplied by one
thread while they are in its core's cache; LSTM sequences (runtime/recurrent.py); and optimizers' updates of big
variables (`update`: the update rule compiled over a range of elements, run on blocks of them; `update_by_product`:
the same with the gradient, a product, made block by block of rows where the rule reads it). A plan with
products of some size (or such updates) starts it when it has run long enough to compile its islands
(runtime/plan.py), so short programs never load it. While the pool
runs, the BLAS is set to one thread for the whole process (OpenBLAS's own threads would spin beside the workers
after every product they shared; `stop()` gives it back its count). Products of `WHOLE_FLOPS` or more (W3's
17-GFLOP ones) it runs whole on the BLAS's own threads, their count given back for the call and the workers
asleep meanwhile (a spinning one would take a core from them). It declines (and
the caller uses the BLAS whole, on one thread) products below `gemm_pool_kernels.MIN_FLOPS`, other dtypes than
float32/float64, operands BLAS cannot take without a copy, a result overlapping an operand, and a second
thread's product while one is being split.
`GRAPHGRAD_GEMM_POOL=0` turns it off; it does not start when the BLAS is limited to one thread
(`OPENBLAS_NUM_THREADS=1`) or the process has one core.

Measured (bench/RESULTS.md): W2's step 5-10 % faster in the harness; W5's 55 -> 39 ms with the convolution
passes (the products alone ran as fast in OpenBLAS's threads: the patch matrices' copies were what it gained).
"""
from __future__ import annotations

import atexit
import functools
import os
import threading
import time

import numpy as np

from . import blas

ENV_VAR = "GRAPHGRAD_GEMM_POOL"
_lock = threading.Lock()
_state = None  # (ctrl, fctrl, split function, worker threads) once started


def wanted() -> bool:
    """Whether the pool may be used: Numba and a BLAS (runtime/blas.py) found, several cores, and not turned off."""
    from . import jit
    off = os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off")
    return (not off and jit.numba_available() and blas.available() and blas.threads() is not None
            and _cores() >= 2)


def usable() -> bool:
    """Whether the pool runs, or can start: wanted, and a core and a BLAS thread for a worker beside the caller.
    (Unchanged by `start`, which sets the BLAS to one thread.)"""
    return _state is not None or (wanted() and min(_cores(), _blas_threads()) >= 2)


def _blas_threads() -> int:
    """The BLAS's thread count, counting the one a child compiling islands holds meanwhile (runtime/aot.py)."""
    from .aot import lent_threads
    return lent_threads() or blas.threads() or 1


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worth_starting(ops, lean=False) -> bool:
    """Whether a plan's ops multiply matrices that may be large: a 2-D product (`OpDef.product`) whose known k·n
    is at least 16,384 (an unknown batch dimension is not held against it), or an op that says it does
    (`OpDef.large_products`: the convolutions, the loops); or update a big variable (`OpDef.pooled_update`).
    `lean` (a plan whose islands are built ahead, runtime/aot.py, so that the process needs no Numba): products
    whose k·n is at least LEAN_WEIGHTS only. (W2's 784x256 products are 2-4 % faster split, in the harness; the
    pool's Numba costs its process ~130 MiB.) With MKL as the BLAS (runtime/blas.py) products do not count: its own
    threads run them as fast or faster (W3's step 263 ms against 274 split, W2's the same)."""
    least = LEAN_WEIGHTS if lean else 16384
    products = blas.library() != "mkl"
    for op in ops:
        if op.op_def.large_products or (op.op_def.pooled_update is not None and op.op_def.pooled_update(op)):
            return True
        if products and op.op_def.product is not None and op.op_def.product(op) is not None:
            sb = op.inputs[1].shape.dims_tuple
            if sb is not None and all(d is not None for d in sb) and sb[0] * sb[1] >= least:
                return True
    return False


#: Weights (k·n) of a product from which a plan whose islands are built ahead starts the pool (`worth_starting`).
LEAN_WEIGHTS = 1 << 20


def started() -> bool:
    return _state is not None


def threads() -> int:
    """The threads products are split over: the caller and the workers (1 when the pool is not running)."""
    st = _state
    return 1 if st is None else len(st[3]) + 1


def start() -> bool:
    """Compile (or load from Numba's cache) the pool's functions and start its workers, once per process: one
    worker per core beyond the caller's, at most as many as the BLAS's threads less one. True when running."""
    global _state
    if _state is not None:
        return True
    with _lock:
        if _state is not None:
            return True
        if not wanted():
            return False
        before = _blas_threads()
        n_workers = min(_cores(), before) - 1
        if n_workers < 1:
            return False
        from . import gemm_pool_kernels as kern  # compiles (or loads from Numba's cache) both functions
        ctrl = np.zeros(kern.WORDS, np.int64)
        fctrl = np.zeros(2, np.float64)
        threads = []
        _, _, _, set_threads = blas.raw_functions()
        set_threads(1)  # OpenBLAS's own threads would spin beside the workers after each product they share
        for d, dtype in enumerate((np.float32, np.float64)):
            for word, (align, exact) in zip((kern.ROW_ALIGN, kern.COL_ALIGN), alignments(dtype)):
                ctrl[word + d] = align if exact else -align
        for i in range(n_workers):
            t = threading.Thread(target=kern.worker, args=(ctrl, fctrl), name=f"graphgrad-gemm-{i}", daemon=True)
            t.start()
            threads.append(t)
        deadline = time.monotonic() + 2.0
        while ctrl[kern.WORKERS] < n_workers and time.monotonic() < deadline:
            time.sleep(0.0005)  # the workers announce themselves on entering their loop
        _state = (ctrl, fctrl, kern.split, threads, (set_threads, before))
        blas.set_pool(_pooled_gemm)
        return True


#: Block multiples tried by `alignments`, in order of preference: 16 first (whole cache lines; OpenBLAS's
#: SkylakeX kernels), then those of other kernels' tiles (12 for float32 rows under OpenBLAS's Haswell kernels,
#: which AMD's Zen cores use).
ALIGNMENTS = (16, 32, 12, 24, 48, 64)


@functools.cache
def alignments(dtype) -> tuple:
    """((row multiple, exact), (column multiple, exact)) of the bound BLAS at one thread for `dtype`: the first of
    ALIGNMENTS whose blocks of a product's rows (columns), each multiplied alone, give the whole product's entries
    bit for bit, found by multiplying a 135x300 by a 300x135 matrix whole and in blocks (the last one short, as a
    product's last block mostly is); (16, False) where none does (the blocks' edge entries then round as the
    BLAS's edge kernels do, within float rounding of the whole)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((135, 300)).astype(dtype), rng.standard_normal((300, 135)).astype(dtype)
    whole = _one_thread_product(a, b)
    found = []
    for axis in (0, 1):
        for align in ALIGNMENTS:
            if all(np.array_equal(_one_thread_product(a[lo:lo + align], b), whole[lo:lo + align]) if axis == 0 else
                   np.array_equal(_one_thread_product(a, b[:, lo:lo + align]), whole[:, lo:lo + align])
                   for lo in range(0, 135, align)):
                found.append((align, True))
                break
        else:
            found.append((ALIGNMENTS[0], False))
    return tuple(found)


def _one_thread_product(a, b):
    """a·b by the bound BLAS (at the thread count it has: one while the pool runs), never split."""
    c = np.empty((a.shape[0], b.shape[1]), a.dtype)
    routed = blas._POOL
    blas.set_pool(None)
    try:
        if not blas.gemm(a, False, b, False, c, 1.0, 0.0):
            np.matmul(a, b, out=c)
    finally:
        blas.set_pool(routed)
    return c


def route(on: bool):
    """Send products to the running pool (True), or back to the BLAS at its own threads (False): for
    comparing the two in one process (bench/step_time.py `--pool both`). The workers keep running."""
    if _state is None:
        return
    set_threads, before = _state[4]
    blas.set_pool(_pooled_gemm if on else None)
    set_threads(1 if on else before)


#: Products of at least this many floating-point operations (2·m·n·k) run whole on the BLAS's own threads, its
#: thread count given back for the call: split in row blocks, each block packs the whole other operand again,
#: where the BLAS's threads pack it once and share it. (W3's 512x4096x4096 products, 17 GFLOP: its step 0.52-0.53
#: s split, 0.49-0.50 whole, AMD EPYC, OpenBLAS; the pool's gains are on products of 1-400 MFLOP.)
WHOLE_FLOPS = 2e9


def _pooled_gemm(a, b, c, alpha, beta):
    """`c <- alpha·a·b + beta·c` split over the workers (a, b: 2-D, possibly transposed views); False (nothing
    done) where the pool declines."""
    ctrl, fctrl, split = _state[:3]
    if a.dtype.char not in "fd" or b.dtype != a.dtype or c.dtype != a.dtype:
        return False
    if 2.0 * a.shape[0] * a.shape[1] * b.shape[1] >= WHOLE_FLOPS:
        return _whole(a, b, c, alpha, beta)
    return split(ctrl, fctrl, a, b, c, alpha, beta)


def _whole(a, b, c, alpha, beta):
    """A big product on the BLAS's threads (WHOLE_FLOPS): their count as before the pool started for the call,
    then one again, the workers asleep meanwhile (`gemm_pool_kernels.PARK`). (A product another thread starts
    meanwhile may get them too, which is harmless.)"""
    from .gemm_pool_kernels import PARK

    ctrl, (set_threads, before) = _state[0], _state[4]
    ctrl[PARK] = 1
    set_threads(before)
    try:
        return blas.gemm(a, False, b, False, c, alpha, beta, split=False)
    finally:
        set_threads(1)
        ctrl[PARK] = 0


#: An optimizer's update of a variable of at least this many elements runs split over the pool (`update`): the
#: update rule's statements compiled as one loop (runtime/elementwise.py `numba_block_source`), each thread running
#: it on blocks of UPDATE_BLOCK elements. Smaller variables stay in the plan's islands (one loop on one core): a
#: hand-off costs ~10 µs from Python, and the gradient just computed sits in the caller's cache. (Measured: W5's
#: 3136x1024 Adam update 1.9 -> 1.0 ms alone, its step 42-43 -> 40-41 ms; W2's 784x256 and 256x256 ones pooled
#: made its step 1-6 % slower.)
UPDATE_FROM = 1 << 20
UPDATE_BLOCK = 1 << 14
_blocks = {}  # (rule, dtype name) -> the address of its compiled block function


def _update_words(rule, outs, arrays, scalars, least=UPDATE_FROM):
    """The block function of `rule` for the outputs' dtype (compiled once, or loaded from Numba's cache) and its
    words (`elementwise.numba_block_source`), the scalars' array (to keep alive for the call); None where it
    declines the update (see `update`; fewer than `least` elements). A None among `arrays` is written as address 0
    (`update_by_product`)."""
    first = outs[0]
    if (first.dtype.char not in "fd" or first.size < least or rule.arrays is None
            or any(np.ndim(v) != 0 for v in scalars)):
        return None
    given = [a for a in arrays if a is not None]
    for a in outs + given:
        if a.dtype != first.dtype or a.shape != first.shape or not a.flags.c_contiguous:
            return None
    if not all(o.flags.writeable for o in outs) or any(np.may_share_memory(a, o) for a in given for o in outs):
        return None
    dtype = first.dtype.name
    fn = _blocks.get((rule, dtype))
    if fn is None:
        from . import elementwise, jit
        source = elementwise.numba_block_source(rule, dtype, cache=jit._cache_dir() is not None)
        fn = _blocks[(rule, dtype)] = jit.load_module(source, "graphgrad_update_").block.address
    values = np.array(scalars, dtype=first.dtype)
    words = np.array([first.size, *(a.ctypes.data for a in outs),
                      *(0 if a is None else a.ctypes.data for a in arrays), values.ctypes.data], np.int64)
    return fn, words, values


def update(rule, outs, arrays, scalars) -> bool:
    """Run the update rule `rule` (a `runtime.elementwise.Fused`) in place on `outs` (the variable and its slots,
    in `out_params` order), with its `arrays` inputs and its other inputs `scalars` (in `in_params` order), split
    over the pool; False (nothing done) where the pool is not running or declines: fewer than UPDATE_FROM
    elements, other dtypes than float32/float64, arrays of other shapes or not C-contiguous, an input sharing
    memory with an output. Each element goes through the rule's statements in their order, as in the NumPy kernel
    and an island's loop: the same values bit for bit, however the blocks fall to the threads."""
    found = _update_words(rule, outs, arrays, scalars) if _state is not None else None
    if found is None:
        return False
    fn, words, _values = found
    from . import gemm_pool_kernels as kern
    n = outs[0].size
    kern.run_rows(_state[0], _state[1], np.zeros(kern.WORDS, np.int64), kern.CALL,
                  np.array([fn, words.ctypes.data, n], np.int64), n, UPDATE_BLOCK, 0.0)
    return True


#: Variables of at least this many elements are updated by `update_here` (smaller ones: NumPy's calls cost less
#: than the call of the compiled rule; W2's 256x10 Adam update 8.1 µs either way, its 784x256 one 398 -> 108 µs).
HERE_FROM = 1 << 12
_call_block = {}  # block function address -> a ctypes function calling it


def update_here(rule, outs, arrays, scalars) -> bool:
    """`update` in the calling thread, for variables of HERE_FROM elements or more, without the pool: the rule
    compiled as one loop instead of its NumPy kernel's dozen passes (an eager step's Adam updates once Numba is
    loaded: `RunContext.compiled_update`). The same values bit for bit; False (nothing done) where it declines."""
    found = _update_words(rule, outs, arrays, scalars, HERE_FROM)
    if found is None:
        return False
    fn, words, _values = found
    call = _call_block.get(fn)
    if call is None:
        import ctypes
        call = _call_block[fn] = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)(fn)
    call(words.ctypes.data, 0, outs[0].size)
    return True


#: `update_by_product` makes its product in blocks of rows of about this many bytes: a block and the variable's
#: and slots' same rows stay in a core's cache while the rule runs on them.
PRODUCT_BLOCK_BYTES = 1 << 18
_product_scratch = threading.local()


def update_by_product(rule, outs, arrays, grad, scalars, a, ta, b, tb) -> bool:
    """`update` with its gradient, `arrays[grad]` (None), the product op(a)·op(b) (`ta`, `tb`: transpose), made
    by the threads in blocks of rows, each block by one BLAS call into the thread's scratch and consumed there by
    the rule: the gradient is never written whole, nor read back from memory (W5's 3136x1024 weight under Adam).
    Each block's rows are the BLAS's product over the whole contraction, as the pool's row blocks are; the rule
    runs on each element as `update` does. False (nothing done) where `update` would decline, or the operands do
    not make a 2-D product of the variable's shape and dtype that BLAS takes as they are."""
    first = outs[0]
    if first.ndim != 2 or a.ndim != 2 or b.ndim != 2 or a.dtype != first.dtype or b.dtype != first.dtype:
        return False
    m, k = (a.shape[1], a.shape[0]) if ta else a.shape
    k2, n = (b.shape[1], b.shape[0]) if tb else b.shape
    if k != k2 or (m, n) != first.shape or k == 0 or any(np.may_share_memory(x, o) for x in (a, b) for o in outs):
        return False
    layouts = [blas.layout(x, t) for x, t in ((a, ta), (b, tb))]
    if None in layouts:
        return False
    found = _update_words(rule, outs, arrays, scalars) if _state is not None else None
    if found is None:
        return False
    fn, words, _values = found
    from . import gemm_pool_kernels as kern
    item = first.itemsize
    align = alignments(first.dtype.type)[0][0]
    rows = max(align, PRODUCT_BLOCK_BYTES // (n * item) // align * align)
    slot_bytes = -(-(len(words) * 8 + rows * n * item) // 4096) * 4096
    nthreads = threads()
    scratch = getattr(_product_scratch, "buf", None)
    if scratch is None or scratch.nbytes < nthreads * slot_bytes:
        scratch = _product_scratch.buf = np.empty(nthreads * slot_bytes, np.uint8)
    (fa, lda), (fb, ldb) = layouts
    task = np.array([fn, words.ctypes.data, first.size, scratch.ctypes.data, slot_bytes,
                     a.ctypes.data, lda, fa, b.ctypes.data, ldb, fb, n, k, m, rows, 1 + len(outs) + grad, len(words),
                     0, 0, 0, 0, nthreads], np.int64)
    return kern.conv(_state[0], _state[1], kern.PRODUCT_CALL, item, task, -(-m // rows))


#: Images per block of a convolution pass: about this many bytes of patch rows (or unfolded dy rows), and at least
#: two blocks per thread.
_BLOCK_BYTES = 1 << 20
#: A thread's scratch holds one image's patch rows (or unfolded dy rows) while they are multiplied in its cache;
#: images needing more take the whole-batch kernels.
MAX_SCRATCH_BYTES = 16 << 20
#: The filter gradient's images are cut into this many blocks whatever the number of threads: each block sums its
#: images' products in order and the caller sums the blocks' in order, the same sums on any machine.
FILTER_BLOCKS = 8


def conv_scratch(image_bytes):
    """(threads, bytes) of a convolution pass's scratch, one image's rows per thread; None where the pool does
    not run or the rows are too large for it."""
    if _state is None or image_bytes > MAX_SCRATCH_BYTES:
        return None
    return threads(), image_bytes


def _conv_task(op, item, words, n, scratch, nblocks=None):
    """Run convolution pass `op` over `n` images in blocks of whole images; False where the pool is not running
    or is busy."""
    st = _state
    if st is None:
        return False
    if nblocks is None:
        imgs = max(1, min(_BLOCK_BYTES // max(scratch.strides[0], 1), -(-n // (2 * (len(st[3]) + 1)))))
    else:
        imgs = -(-n // nblocks)
    from . import gemm_pool_kernels as kern
    for word, value in ((kern._COLS, scratch.ctypes.data), (kern._SLOT_BYTES, scratch.strides[0]),
                        (kern._IMGS, imgs), (kern._NIMG, n), (kern._NSLOTS, scratch.shape[0])):
        words[word - kern.CONV_WORDS] = value
    return kern.conv(st[0], st[1], op, item, words, -(-n // imgs))


def _conv_words(x, a, out, w_shape, y_shape, strides, dilations, pads):
    n, h, wd, c = x.shape
    kh, kw, _, o = w_shape
    return np.array([x.ctypes.data, a.ctypes.data, out.ctypes.data, 0, 0, 0, 0, h, wd, c, *y_shape[1:3], kh, kw,
                     *strides, *dilations, pads[0][0], pads[1][0], o, 0], np.int64)


def conv_forward(x, w, y, strides, dilations, pads, scratch) -> bool:
    """y [N, OH, OW, O] of a 2-D convolution of x [N, H, W, C] (channels last, one group) by w [KH, KW, C, O],
    split over the pool's threads by images: each image's patch rows (zeros for the padding `pads`, ((top,
    bottom), (left, right))) are written into the thread's row of `scratch` (`conv_scratch`) and multiplied by the
    filter while they are in its cache. The products of `cols @ w`, row for row. Every array C-contiguous, one
    float dtype. False (nothing written) where the pool is not running or is busy."""
    from .gemm_pool_kernels import CONV_FORWARD
    words = _conv_words(x, w, y, w.shape, y.shape, strides, dilations, pads)
    return _conv_task(CONV_FORWARD, x.itemsize, words, x.shape[0], scratch)


def conv_filter_grad(x, dy, partials, w_shape, strides, dilations, pads, scratch) -> bool:
    """The filter gradient of that convolution (filter shape `w_shape`) as `filter_blocks(N)` partial sums
    `partials` [blocks, O, KH·KW·C] (transposed: BLAS makes dyᵀ·cols, the long axis inside, as fast as
    colsᵀ·dy or faster), for the caller to add in order: each block's images' patch rows, built as `conv_forward` builds
    them, multiplied by their rows of dy [N, OH, OW, O] and summed image by image. False where the pool is not
    running or is busy."""
    from .gemm_pool_kernels import CONV_FILTER_GRAD
    words = _conv_words(x, dy, partials, w_shape, dy.shape, strides, dilations, pads)
    return _conv_task(CONV_FILTER_GRAD, x.itemsize, words, x.shape[0], scratch, len(partials))


def filter_blocks(n) -> int:
    """How many partial sums `conv_filter_grad` makes for n images (blocks of ceil(n / FILTER_BLOCKS) images)."""
    return -(-n // -(-n // min(n, FILTER_BLOCKS)))


def conv_input_grad(dy, wf, dx, pads, scratch) -> bool:
    """The input gradient `dx` [N, H, W, C] (zeros on entry) of a unit-stride, undilated 2-D convolution, channels
    last, from `dy` [N, OH, OW, O] and the flipped filter `wf` [KH, KW·O, C] (conv_ops `_unit_input_grad`'s
    arithmetic, image by image): each thread unfolds an image's dy rows into its row of `scratch` and adds one
    product per window row into dx. False where the pool is not running or is busy."""
    from .gemm_pool_kernels import CONV_INPUT_GRAD
    n, hd, wout, o = dy.shape
    kh, row, c = wf.shape
    h, win = dx.shape[1:3]
    words = np.array([dy.ctypes.data, wf.ctypes.data, dx.ctypes.data, 0, 0, 0, 0, hd, wout, o, h, win, kh, row // o,
                      1, 1, 1, 1, pads[0][0], pads[1][0], c, 0], np.int64)
    return _conv_task(CONV_INPUT_GRAD, dy.itemsize, words, n, scratch)


def stop():
    """Ask the workers to return (at exit, and after a fork in the child, which has none)."""
    global _state
    st = _state
    _state = None
    blas.set_pool(None)
    if st is not None:
        from .gemm_pool_kernels import STOP, wake
        st[0][STOP] = 1
        wake(st[0])
        for t in st[3]:
            t.join(timeout=1.0)
        set_threads, before = st[4]
        set_threads(before)


def _after_fork_in_child():
    global _state
    _state = None  # the workers did not survive the fork; the products run whole again
    blas.set_pool(None)


atexit.register(stop)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
