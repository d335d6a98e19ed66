"""The compiled side of runtime/gemm_pool.py: the workers' loop and the caller's split, both Numba `nogil`
functions that call the BLAS runtime/blas.py binds (NumPy's OpenBLAS, or MKL) by its addresses
(`raw_functions`).

One task slot, `ctrl` (int64 words) and `fctrl` (alpha, beta). The word `NEXT` holds (task number << 32 | next
block); a thread owns block i of task t once its compare-and-swap moves NEXT from (t, i) to (t, i + 1). The caller
posts a task by first making NEXT unclaimable (block 2³² - 1, so no stale claim of the last task can succeed
while it writes), then writing the task's words, then storing (t, 0); it claims blocks itself like a worker, and
returns when DONE counts them all. A second thread finding the slot BUSY declines (its product runs whole, as
before the pool started). x86's and ARM's atomics give these stores and loads their order (LLVM's
`seq_cst` / `acquire` orderings, emitted by the intrinsics below).

Numba's cache of these functions holds runtime/jitlib.py's code they call, and runtime/recurrent.py's holds
theirs: runtime/numba_cache.py clears it when any of the three files changes.
"""
from __future__ import annotations

import ctypes
import platform

import llvmlite.binding as ll
import numpy as np
from llvmlite import ir
from numba import carray, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from . import blas
from .jitlib import _tanh32, lstm_gates_grad_row  # (runtime/numba_cache.py refreshed the cache on its import)

#: Products below this many floating-point operations (2·m·n·k) stay whole: a hand-off costs ~1-2 µs, and OpenBLAS
#: itself runs products below ~0.5 MFLOP on one thread.
MIN_FLOPS = 1_000_000
#: Blocks' rows (or columns) are multiples of this where the BLAS's tiles allow no better (`ROW_ALIGN`): whole
#: cache lines, and the tiles of OpenBLAS's SkylakeX kernels.
ALIGN = 16
#: Spins (sched_yield calls, ~0.3 µs each when the core is free) a worker waits for work before it sleeps.
SPINS = 40_000
#: Then it sleeps on a futex (Linux x86-64 and AArch64) that the next caller to post a task wakes: an idle process
#: (a notebook after training) costs nothing, and a worker asleep joins the next product within the kernel's wake-up
#: time (tens of µs) instead of a polling period. It wakes by itself every FUTEX_TIMEOUT_NS to look at STOP.
#: Elsewhere it polls asleep, first every SLEEP_US, the pause doubling up to MAX_SLEEP_US.
SLEEP_US = 200
MAX_SLEEP_US = 10_000
FUTEX_TIMEOUT_NS = 100_000_000
_SYS_FUTEX = {"x86_64": 202, "amd64": 202, "aarch64": 98, "arm64": 98}.get(platform.machine().lower(), 0)
_FUTEX_WAIT_PRIVATE, _FUTEX_WAKE_PRIVATE = 128, 129

# ctrl words (int64) and fctrl (float64) of the one task slot
_NEXT, _DONE, _NBLOCKS, STOP, _KIND, _TA, _TB, _M, _N, _K = range(10)
_A, _LDA, _B, _LDB, _C, _LDC, _AXIS, _BLOCK, _ITEM = range(10, 19)
WORDS = 56
_ALPHA, _BETA = 0, 1

_fns = blas.raw_functions()
if _fns is None:
    raise ImportError("the BLAS found exports no 64-bit cblas_sgemm/dgemm and get/set thread count to call")
_libc = ctypes.CDLL(None)
# The functions are called by symbol names given to LLVM here, not as ctypes objects, so that Numba can cache the
# compiled code on disk (a ctypes pointer is a "dynamic global" it cannot cache) and link it again next time.
_libc_addresses = (ctypes.cast(f, ctypes.c_void_p).value for f in (_libc.sched_yield, _libc.usleep, _libc.memcpy,
                                                                    _libc.memset, _libc.syscall))
for _name, _address in zip(("sgemm", "dgemm", "yield", "usleep", "memcpy", "memset", "syscall"),
                           (*_fns[:2], *_libc_addresses)):
    ll.add_symbol(f"graphgrad_pool_{_name}", _address)


def _extern(name, restype, argtypes, var_arg=False):
    """An intrinsic calling the C function registered as graphgrad_pool_<name>, with its arguments given as one
    tuple (cast to `argtypes`; `var_arg`: the function is variadic and those are all passed)."""
    @intrinsic
    def call(typingctx, args):
        def codegen(context, builder, sig, llargs):
            values = cgutils.unpack_tuple(builder, llargs[0]) if argtypes else []
            fnty = ir.FunctionType(ir.VoidType() if restype is types.void else context.get_value_type(restype),
                                   [context.get_value_type(t) for t in argtypes[:1 if var_arg else None]],
                                   var_arg=var_arg)
            fn = cgutils.get_or_insert_function(builder.module, fnty, f"graphgrad_pool_{name}")
            given = sig.args[0].types if argtypes else ()
            out = builder.call(fn, [context.cast(builder, v, t, want) for v, t, want in zip(values, given, argtypes)])
            return context.get_dummy_value() if restype is types.void else out
        return restype(args), codegen
    return call


_i32, _i64 = types.int32, types.int64
_sgemm = _extern("sgemm", types.void, (_i32, _i32, _i32, _i64, _i64, _i64, types.float32, _i64, _i64, _i64, _i64,
                                       types.float32, _i64, _i64))
_dgemm = _extern("dgemm", types.void, (_i32, _i32, _i32, _i64, _i64, _i64, types.float64, _i64, _i64, _i64, _i64,
                                       types.float64, _i64, _i64))
_yield = _extern("yield", _i32, ())
_usleep = _extern("usleep", _i32, (types.uint32,))
_memcpy = _extern("memcpy", _i64, (_i64, _i64, _i64))  # (destination, source, bytes) as addresses
_memset = _extern("memset", _i64, (_i64, _i32, _i64))
_syscall = _extern("syscall", _i64, (_i64, _i64, _i64, _i64, _i64), var_arg=True)  # long syscall(long n, ...)

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_BLOCKS = 0xFFFFFFFF  # NEXT's low 32 bits: the next block; all ones: none to claim (the slot is being written)
#: words after the task slot: the workers started (the caller's split sizes its blocks by them + 1)
WORKERS = 20
TASK = 21
BUSY = 22  # 1 while a caller owns the task slot: a second thread's product meanwhile runs whole, as before
SLEEPING = 48  # 1 while a worker sleeps on its futex (the low 32 bits of this word): the next caller wakes it
#: 1 while the caller runs a product on the BLAS's own threads (runtime/gemm_pool.py `_whole`): a worker stops
#: spinning and sleeps at once, so that it takes no core from them (W3: a worker spinning on from the bias gradient
#: before it made the next 17-GFLOP product 10-18 % slower on two cores). The next task posted wakes it as ever.
PARK = 49
_TIMESPEC = 50  # two words: the futex wait's timeout (seconds, nanoseconds)
#: Two words each (float32, float64): the multiple that row blocks and column blocks of a product are made of, set
#: by runtime/gemm_pool.py's probe of the BLAS (`alignments`), negative where no multiple makes such blocks give the
#: whole product's entries bit for bit (the BLAS computes a block's edge entries with another kernel, and rounds
#: them differently: float32 columns under OpenBLAS's Haswell kernels).
ROW_ALIGN = 52
COL_ALIGN = 54
_OP = 23  # the task's kind: GEMM, or one of the convolution passes below
GEMM, CONV_FORWARD, CONV_INPUT_GRAD, CONV_FILTER_GRAD, LSTM_FORWARD, LSTM_BACKWARD, CALL, PRODUCT_CALL = range(8)
#: The convolution tasks' words (`conv`'s `words`, in this order from CONV_WORDS): the addresses of the input (dy
#: for the input gradient), the filter (dy for the filter gradient), the output (the partial filter gradients),
#: and the threads' scratch; the scratch bytes per thread; images per block and in all; the input's spatial size
#: and channels; the output's spatial size; the window; strides; dilations; the pads before (top, left); the
#: output's channels; the threads that have scratch.
CONV_WORDS = 24
(_X, _WT, _OUT, _COLS, _SLOT_BYTES, _IMGS, _NIMG, _H, _WD, _CIN, _OH, _OW, _KH, _KW, _SH, _SW, _DH, _DW, _PT, _PL,
 _COUT, _NSLOTS) = range(CONV_WORDS, CONV_WORDS + 22)
#: An LSTM sequence's words (runtime/recurrent.py; float32). The batch's rows are cut in blocks of BLOCK, and a
#: block runs every step for its rows: a row's next step needs only that row's h and c, so the threads never wait
#: for each other between steps. The addresses of xw (forward) or dh (backward) [T, B, ...]; h0 (forward) or the
#: carried dh [B, n]; the recurrent kernel [n, 4n] (forward) or its transpose [4n, n], C-contiguous (backward:
#: OpenBLAS multiplies by it 1.5x faster); c0; the activations [T, B, 4n]; c [T, B, n]; tanh(c); h (forward) or
#: the gates' gradient (backward) [T, B, ...]; batch rows; units; the bias [4n] (forward) or the per-row sums of
#: the gates' gradient [B, 4n] (backward: the bias gradient's, summed over the steps in order); steps; the carried
#: dc [B, n] (backward); dh's strides between steps and between rows, in elements (backward: the gradient of a
#: batch-major output arrives transposed, and is read in place). fctrl's first word: forget_bias / 2.
(_LX, _LH, _LW, _LC, _LA, _LCT, _LTC, _LHT, _LB, _LN, _LBIAS, _LT, _LDC, _LDHT, _LDHR) = range(CONV_WORDS,
                                                                                           CONV_WORDS + 15)
#: A CALL task's words: the address of a compiled block function `void f(int64 words, int64 lo, int64 hi)` (a
#: Numba `cfunc`: runtime/gemm_pool.py `update`), the address it is given as `words`, and the elements in all;
#: block b calls it on elements b·BLOCK up to the next block's first or the end.
_FN, _FN_WORDS, _FN_N = range(CONV_WORDS, CONV_WORDS + 3)
#: A PRODUCT_CALL task's words: CALL's three, the threads' scratch and its bytes per thread (_COLS, _SLOT_BYTES),
#: then the product op(A)·op(B) [rows, n] whose rows the blocks make (A's address, leading dimension and CBLAS
#: transpose flag, B's, n, the contraction, the rows in all, rows per block), the index among the block
#: function's words of the array the product stands for, and how many words it has. The scratch's slot holds a
#: copy of those words, then the block's rows of the product.
(_PA, _PLDA, _PTA, _PB, _PLDB, _PTB, _PN, _PK, _PROWS, _PBLOCK, _PG, _PNW) = range(CONV_WORDS + 5, CONV_WORDS + 17)
#: A GEMM split along its contraction (AXIS 2): the address of the partial products [blocks, m, n].
_PARTIALS = CONV_WORDS
#: A product whose contraction is at least this many times its result's longer side is split along the
#: contraction: each block multiplies a share of it into a partial product, and the caller adds the partials in
#: order. Split in columns, each thread would read the whole of the long operand (W5's first convolution's filter
#: gradient, 25x50176 by 50176x32: 0.90 ms in two column blocks, 0.46 in two shares of the contraction); a bias
#: gradient, a row of ones by the gradient, cannot be split in rows or columns at all (W5's: 0.35 -> 0.20 ms).
K_SPLIT = 16
#: ... while its partial products [blocks, m, n] take at most this many bytes.
K_SPLIT_BYTES = 1 << 22


def _pointer(context, builder, sig, args):
    arr_t, idx_t = sig.args[0], sig.args[1]
    ary = context.make_array(arr_t)(context, builder, args[0])
    i = context.cast(builder, args[1], idx_t, types.intp)
    return cgutils.get_item_pointer(context, builder, arr_t, ary, [i])


@intrinsic
def _load(typingctx, arr, idx):
    """arr[idx] read atomically (acquire)."""
    def codegen(context, builder, sig, args):
        return builder.load_atomic(_pointer(context, builder, sig, args), "acquire", 8)
    return types.int64(arr, idx), codegen


@intrinsic
def _store(typingctx, arr, idx, value):
    """arr[idx] = value atomically, ordered after every earlier load and store (seq_cst)."""
    def codegen(context, builder, sig, args):
        v = context.cast(builder, args[2], sig.args[2], types.int64)
        builder.store_atomic(v, _pointer(context, builder, sig, args), "seq_cst", 8)
        return context.get_dummy_value()
    return types.void(arr, idx, value), codegen


@intrinsic
def _cas(typingctx, arr, idx, expected, new):
    """Compare-and-swap arr[idx] from `expected` to `new`; True when it swapped."""
    def codegen(context, builder, sig, args):
        e = context.cast(builder, args[2], sig.args[2], types.int64)
        n = context.cast(builder, args[3], sig.args[3], types.int64)
        res = builder.cmpxchg(_pointer(context, builder, sig, args), e, n, "seq_cst", "seq_cst")
        return builder.extract_value(res, 1)
    return types.boolean(arr, idx, expected, new), codegen


@intrinsic
def _add(typingctx, arr, idx, value):
    """arr[idx] += value atomically; the old value."""
    def codegen(context, builder, sig, args):
        v = context.cast(builder, args[2], sig.args[2], types.int64)
        return builder.atomic_rmw("add", _pointer(context, builder, sig, args), v, "seq_cst")
    return types.int64(arr, idx, value), codegen


@njit(nogil=True, cache=True, inline="always")
def _gemm(item, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    if item == 4:
        _sgemm((_ROW_MAJOR, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
    else:
        _dgemm((_ROW_MAJOR, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))


@njit(nogil=True, cache=True)
def _gemm_block(ctrl, fctrl, blk):
    item = ctrl[_ITEM]
    ta, tb = ctrl[_TA], ctrl[_TB]
    m, n, k = ctrl[_M], ctrl[_N], ctrl[_K]
    a, lda, b, ldb, c, ldc = ctrl[_A], ctrl[_LDA], ctrl[_B], ctrl[_LDB], ctrl[_C], ctrl[_LDC]
    lo = blk * ctrl[_BLOCK]
    last = blk == ctrl[_NBLOCKS] - 1  # the last block takes the rest (`_blocks`)
    beta = fctrl[_BETA]
    if ctrl[_AXIS] == 0:  # rows lo.. of C: rows of op(A)
        m = m - lo if last else ctrl[_BLOCK]
        a += lo * item if ta == _TRANS else lo * lda * item
        c += lo * ldc * item
    elif ctrl[_AXIS] == 1:  # columns lo.. of C: columns of op(B)
        n = n - lo if last else ctrl[_BLOCK]
        b += lo * ldb * item if tb == _TRANS else lo * item
        c += lo * item
    else:  # terms lo.. of the contraction: columns of op(A) and rows of op(B), into partial product blk
        k = k - lo if last else ctrl[_BLOCK]
        a += lo * lda * item if ta == _TRANS else lo * item
        b += lo * item if tb == _TRANS else lo * ldb * item
        c = ctrl[_PARTIALS] + blk * m * n * item
        ldc = n
        beta = 0.0
    _gemm(item, ta, tb, m, n, k, fctrl[_ALPHA], a, lda, b, ldb, beta, c, ldc)


@njit(nogil=True, cache=True, inline="always")
def _copy_run(dst, src, first, stop, count, width):
    """dst <- entries first..stop-1 of a run of `count` (each `width` bytes) read from src, zeros elsewhere."""
    if stop <= first:
        _memset((dst, 0, count * width))
        return
    if first > 0:
        _memset((dst, 0, first * width))
    _memcpy((dst + first * width, src + first * width, (stop - first) * width))
    if stop < count:
        _memset((dst + stop * width, 0, (count - stop) * width))


@njit(nogil=True, cache=True)
def _patch_rows(ctrl, img, dst):
    """Image `img`'s rows of the patch matrix [OH·OW, KH·KW·C] written at `dst` from the unpadded input (2-D,
    channels last; zeros for the padding): one copy per window row, or per window offset when dilated."""
    item = ctrl[_ITEM]
    h, wd, cin, oh, ow = ctrl[_H], ctrl[_WD], ctrl[_CIN], ctrl[_OH], ctrl[_OW]
    kh, kw, sh, sw, dh, dw = ctrl[_KH], ctrl[_KW], ctrl[_SH], ctrl[_SW], ctrl[_DH], ctrl[_DW]
    pt, pl = ctrl[_PT], ctrl[_PL]
    cb = cin * item
    base = ctrl[_X] + img * h * wd * cb
    for y in range(oh):
        for x in range(ow):
            c0 = x * sw - pl
            for i in range(kh):
                r = y * sh + i * dh - pt
                if r < 0 or r >= h:
                    _memset((dst, 0, kw * cb))
                elif dw == 1:
                    _copy_run(dst, base + (r * wd + c0) * cb, max(0, -c0), min(kw, wd - c0), kw, cb)
                else:
                    for j in range(kw):
                        c = c0 + j * dw
                        _copy_run(dst + j * cb, base + (r * wd + c) * cb, 0, 1 if 0 <= c < wd else 0, 1, cb)
                dst += kw * cb


@njit(nogil=True, cache=True)
def _conv_block(ctrl, blk, slot, filter_grad):
    """Images blk·IMGS.. of a 2-D convolution (channels last, one group), image by image: its patch rows written
    into this thread's scratch, then multiplied while they are in this core's cache, by the filter [KH·KW·C, O]
    into the output's rows (forward), or with dy's rows into this block's partial filter gradient, transposed
    [O, KH·KW·C] (summed over the block's images in order; the caller sums the blocks' in order)."""
    item = ctrl[_ITEM]
    rows, o = ctrl[_OH] * ctrl[_OW], ctrl[_COUT]
    k = ctrl[_KH] * ctrl[_KW] * ctrl[_CIN]
    scratch = ctrl[_COLS] + slot * ctrl[_SLOT_BYTES]
    n0 = blk * ctrl[_IMGS]
    for img in range(n0, min(n0 + ctrl[_IMGS], ctrl[_NIMG])):
        _patch_rows(ctrl, img, scratch)
        if filter_grad:  # transposed, dyᵀ·cols [O, K]: the long axis of the result inside (MKL: 0-14 % faster)
            _gemm(item, _TRANS, _NO_TRANS, o, k, rows, 1.0, ctrl[_WT] + img * rows * o * item, o, scratch, k,
                  0.0 if img == n0 else 1.0, ctrl[_OUT] + blk * k * o * item, k)
        else:
            _gemm(item, _NO_TRANS, _NO_TRANS, rows, o, k, 1.0, scratch, k, ctrl[_WT], o, 0.0,
                  ctrl[_OUT] + img * rows * o * item, o)


@njit(nogil=True, cache=True)
def _conv_input_grad_block(ctrl, blk, slot):
    """Images blk·IMGS.. of the input gradient of a unit-stride 2-D convolution (conv_ops `_unit_input_grad`,
    image by image): dy's rows unfolded along the width into this thread's scratch [rows, KW·O], then one GEMM
    per window row with the flipped filter [KW·O, C], added (beta = 1) into the rows of dx it reaches."""
    item = ctrl[_ITEM]
    hd, wout, o = ctrl[_H], ctrl[_WD], ctrl[_CIN]  # dy's height, width, channels
    h, win, c = ctrl[_OH], ctrl[_OW], ctrl[_COUT]  # dx's
    kh, kw, pt, pl = ctrl[_KH], ctrl[_KW], ctrl[_PT], ctrl[_PL]
    scratch = ctrl[_COLS] + slot * ctrl[_SLOT_BYTES]
    lo = kw - 1 - pl  # dyw[..., q, j, :] = dy[..., q + j - lo, :]
    ob = o * item
    row = kw * ob
    n0 = blk * ctrl[_IMGS]
    n1 = min(n0 + ctrl[_IMGS], ctrl[_NIMG])
    for img in range(n0, n1):
        dst = scratch
        for y in range(hd):
            src = ctrl[_X] + (img * hd + y) * wout * ob
            for q in range(win):
                _copy_run(dst, src + (q - lo) * ob, max(0, lo - q), min(kw, wout + lo - q), kw, ob)
                dst += row
        for i in range(kh):
            top, bottom = max(0, i - pt), min(h, hd + i - pt)  # dx rows whose dy row y = top + pt - i exists
            if top < bottom:
                _gemm(item, _NO_TRANS, _NO_TRANS, (bottom - top) * win, c, kw * o, 1.0,
                      scratch + (top + pt - i) * win * row, kw * o, ctrl[_WT] + i * kw * o * c * item, c, 1.0,
                      ctrl[_OUT] + (img * h + top) * win * c * item, c)


@intrinsic
def _f32(typingctx, addr):
    """A float32 pointer from an address (for `carray` views of a task's arrays)."""
    def codegen(context, builder, sig, args):
        return builder.inttoptr(args[0], ir.PointerType(ir.FloatType()))
    return types.CPointer(types.float32)(types.int64), codegen


@intrinsic
def _f64(typingctx, addr):
    """A float64 pointer from an address."""
    def codegen(context, builder, sig, args):
        return builder.inttoptr(args[0], ir.PointerType(ir.DoubleType()))
    return types.CPointer(types.float64)(types.int64), codegen


@intrinsic
def _i64(typingctx, addr):
    """An int64 pointer from an address."""
    def codegen(context, builder, sig, args):
        return builder.inttoptr(args[0], ir.PointerType(ir.IntType(64)))
    return types.CPointer(types.int64)(types.int64), codegen


@intrinsic
def _call(typingctx, fn, words, lo, hi):
    """Call the C function `void fn(int64 words, int64 lo, int64 hi)` at the address `fn`."""
    def codegen(context, builder, sig, args):
        i64 = ir.IntType(64)
        f = builder.inttoptr(args[0], ir.FunctionType(ir.VoidType(), [i64, i64, i64]).as_pointer())
        builder.call(f, args[1:])
        return context.get_dummy_value()
    return types.void(types.int64, types.int64, types.int64, types.int64), codegen


@njit(nogil=True, cache=True)
def _call_block(ctrl, blk):
    lo = blk * ctrl[_BLOCK]
    _call(ctrl[_FN], ctrl[_FN_WORDS], lo, min(lo + ctrl[_BLOCK], ctrl[_FN_N]))


@njit(nogil=True, cache=True)
def _product_call_block(ctrl, blk, slot):
    """Rows blk·PBLOCK.. of the product op(A)·op(B), made by one BLAS call into this thread's scratch while the
    block function (CALL's) runs on their elements, its words copied with the product's array pointing there: a
    weight gradient consumed by its optimizer's update while it is in this core's cache, never written whole."""
    item, n, nw = ctrl[_ITEM], ctrl[_PN], ctrl[_PNW]
    r0 = blk * ctrl[_PBLOCK]
    rows = min(ctrl[_PBLOCK], ctrl[_PROWS] - r0)
    words = ctrl[_COLS] + slot * ctrl[_SLOT_BYTES]
    g = words + nw * 8
    ta, lda = ctrl[_PTA], ctrl[_PLDA]
    a = ctrl[_PA] + (r0 * item if ta == _TRANS else r0 * lda * item)
    _gemm(item, ta, ctrl[_PTB], rows, n, ctrl[_PK], 1.0, a, lda, ctrl[_PB], ctrl[_PLDB], 0.0, g, n)
    _memcpy((words, ctrl[_FN_WORDS], nw * 8))
    lo = r0 * n
    carray(_i64(words), nw)[ctrl[_PG]] = g - lo * item  # the block function reads elements lo.. from there
    _call(ctrl[_FN], words, lo, lo + rows * n)


@njit(nogil=True, cache=True, inline="always")
def _rows(ctrl, word, r0, m, width):
    """Rows r0..r0 + m of the [rows, width] float32 array at the address in ctrl[word], as an array."""
    return carray(_f32(ctrl[word] + r0 * width * 4), (m, width))


#: An LSTM step's product in calls of this many result columns: OpenBLAS takes [32, 128] by [128, 128] four
#: times in 27-37 µs where [128, 512] at once costs 38 (its small-matrix path, no packing of the kernel), and the
#: gradient's [32, 512] by [512, 32] four times in 34-38 against 40-43 (`python -m bench.gemm_pool --columns`).
#: The forward's sums are the one call's bit for bit; the gradient's, made by another OpenBLAS kernel, round
#: differently (within float32 rounding, and the same on every run: the widths are fixed).
STEP_FORWARD_COLUMNS = 128
STEP_BACKWARD_COLUMNS = 32


@njit(nogil=True, cache=True, inline="always")
def _columns(m, n, k, a, lda, b, ldb, c, cols):
    """c [m, n] <- a [m, k] · b [k, n] (float32, row-major, c's rows n apart) in calls of `cols` columns."""
    for j in range(0, n, cols):
        _gemm(4, _NO_TRANS, _NO_TRANS, m, min(cols, n - j), k, 1.0, a, lda, b + j * 4, ldb, 0.0, c + j * 4, n)


@njit(nogil=True, cache=True, inline="always")
def _step_rows(ctrl, word, t, r0, m, width):
    """Rows r0..r0 + m of step t of the [T, B, width] float32 array at the address in ctrl[word]."""
    return _rows(ctrl, word, t * ctrl[_LB] + r0, m, width)


@njit(nogil=True, cache=True, inline="always")
def _seq_block(ctrl, blk):
    """(units, first row, rows) of block blk of an LSTM sequence."""
    n, rows = ctrl[_LN], ctrl[_BLOCK]
    r0 = blk * rows
    return n, r0, min(rows, ctrl[_LB] - r0)


@njit(nogil=True, cache=True, error_model="numpy")
def _lstm_forward_block(ctrl, fctrl, blk):
    """Rows blk·BLOCK.. of an LSTM sequence, step after step: gates = h_prev·w_h (one BLAS call) + xw[t] + bias,
    then LSTMGates' formulas (runtime/jitlib.py `lstm_gates`: σ(x) = tanh(x/2)/2 + 1/2, the forget bias halved)
    into the activations, c, tanh(c) and h of those rows."""
    n, r0, m = _seq_block(ctrl, blk)
    n4 = 4 * n
    h, hfb = np.float32(0.5), np.float32(fctrl[_ALPHA])
    b = carray(_f32(ctrl[_LBIAS]), (n4,))
    for t in range(ctrl[_LT]):
        g, x = _step_rows(ctrl, _LA, t, r0, m, n4), _step_rows(ctrl, _LX, t, r0, m, n4)
        hp = ctrl[_LH] + r0 * n * 4 if t == 0 else ctrl[_LHT] + ((t - 1) * ctrl[_LB] + r0) * n * 4
        _columns(m, n4, n, hp, n, ctrl[_LW], n4, g.ctypes.data, STEP_FORWARD_COLUMNS)
        cp = _rows(ctrl, _LC, r0, m, n) if t == 0 else _step_rows(ctrl, _LCT, t - 1, r0, m, n)
        ct, tct, ht = _step_rows(ctrl, _LCT, t, r0, m, n), _step_rows(ctrl, _LTC, t, r0, m, n), \
            _step_rows(ctrl, _LHT, t, r0, m, n)
        for r in range(m):
            gr, xr = g[r], x[r]
            for u in range(n4):
                gr[u] = gr[u] + xr[u] + b[u]  # the gates: h_prev·w_h + xw[t] + bias
            for u in range(n):  # (each loop from 0: Numba's index wraparound check keeps LLVM from vectorizing)
                gr[u] = _tanh32(gr[u] * h) * h + h
            for u in range(n):
                gr[n + u] = _tanh32(gr[n + u])
            for u in range(n):
                gr[2 * n + u] = _tanh32(gr[2 * n + u] * h + hfb) * h + h
            for u in range(n):
                gr[3 * n + u] = _tanh32(gr[3 * n + u] * h) * h + h
            cr, tr, hr, pr = ct[r], tct[r], ht[r], cp[r]  # short loops over few arrays: what LLVM vectorizes
            for u in range(n):
                cr[u] = pr[u] * gr[2 * n + u] + gr[u] * gr[n + u]
            for u in range(n):
                tr[u] = _tanh32(cr[u])
            for u in range(n):
                hr[u] = tr[u] * gr[3 * n + u]


@njit(nogil=True, cache=True, error_model="numpy")
def _lstm_backward_block(ctrl, blk):
    """Rows blk·BLOCK.. of an LSTM sequence backwards, step after step from the last: LSTMGatesGrad's formulas
    (runtime/jitlib.py `lstm_gates_grad`) from dh[t] plus the carried dh and the carried dc, into the gates'
    gradient and the carried dc; then the carried dh of those rows <- gates' gradient · w_hᵀ (one BLAS call)."""
    n, r0, m = _seq_block(ctrl, blk)
    n4 = 4 * n
    dhn, dcn, db = _rows(ctrl, _LH, r0, m, n), _rows(ctrl, _LDC, r0, m, n), _rows(ctrl, _LBIAS, r0, m, n4)
    g = np.empty(n, np.float32)
    dct = np.empty(n, np.float32)
    for t in range(ctrl[_LT] - 1, -1, -1):
        a, d = _step_rows(ctrl, _LA, t, r0, m, n4), _step_rows(ctrl, _LHT, t, r0, m, n4)
        tc = _step_rows(ctrl, _LTC, t, r0, m, n)
        cp = _rows(ctrl, _LC, r0, m, n) if t == 0 else _step_rows(ctrl, _LCT, t - 1, r0, m, n)
        for r in range(m):
            hr = carray(_f32(ctrl[_LX] + (t * ctrl[_LDHT] + (r0 + r) * ctrl[_LDHR]) * 4), (n,))
            nhr = dhn[r]
            for u in range(n):
                g[u] = hr[u] + nhr[u]
            dr, dbr = d[r], db[r]
            lstm_gates_grad_row(n, a[r], tc[r], g, dcn[r], cp[r], dr, dcn[r], dct)
            for u in range(n4):
                dbr[u] += dr[u]
        _columns(m, n, n4, d.ctypes.data, n4, ctrl[_LW], n, dhn.ctypes.data, STEP_BACKWARD_COLUMNS)


@njit(nogil=True, cache=True)
def _run_block(ctrl, fctrl, blk, slot):
    op = ctrl[_OP]
    if op == GEMM:
        _gemm_block(ctrl, fctrl, blk)
    elif op == LSTM_FORWARD:
        _lstm_forward_block(ctrl, fctrl, blk)
    elif op == LSTM_BACKWARD:
        _lstm_backward_block(ctrl, blk)
    elif op == CONV_INPUT_GRAD:
        _conv_input_grad_block(ctrl, blk, slot)
    elif op == CALL:
        _call_block(ctrl, blk)
    elif op == PRODUCT_CALL:
        _product_call_block(ctrl, blk, slot)
    else:
        _conv_block(ctrl, blk, slot, op == CONV_FILTER_GRAD)


@njit(nogil=True, cache=True)
def _claim_and_run(ctrl, fctrl, slot):
    """Run blocks of the posted task until none is left to claim; whether any ran. A worker started after the
    caller sized a task's scratch (`slot` not below NSLOTS) leaves that task to the others."""
    ran = False
    while True:
        v = _load(ctrl, _NEXT)
        blk = v & _BLOCKS
        if blk >= _load(ctrl, _NBLOCKS) or slot >= ctrl[_NSLOTS]:
            return ran
        if _cas(ctrl, _NEXT, v, v + 1):
            _run_block(ctrl, fctrl, blk, slot)
            _add(ctrl, _DONE, 1)
            ran = True


@njit(nogil=True, cache=True)
def wake(ctrl):
    """Wake a worker asleep on its futex (a caller that posted a task; `stop`)."""
    if _load(ctrl, SLEEPING) != 0:
        _store(ctrl, SLEEPING, 0)  # changed first: a worker about to wait sees it and does not
        _syscall((_SYS_FUTEX, ctrl.ctypes.data + SLEEPING * 8, _FUTEX_WAKE_PRIVATE, 1 << 30, 0))


@njit(nogil=True, cache=True)
def _sleep(ctrl, fctrl, slot):
    """Sleep until a caller posts a task (`wake`) or FUTEX_TIMEOUT_NS pass. True when there is work again (blocks
    posted while it was going to sleep, or a caller woke it: more products are likely to follow, so it spins
    again); False after a timeout."""
    _store(ctrl, SLEEPING, 1)
    if _claim_and_run(ctrl, fctrl, slot):  # a task posted before the caller could see SLEEPING
        _store(ctrl, SLEEPING, 0)
        return True
    ctrl[_TIMESPEC] = FUTEX_TIMEOUT_NS // 1_000_000_000
    ctrl[_TIMESPEC + 1] = FUTEX_TIMEOUT_NS % 1_000_000_000
    _syscall((_SYS_FUTEX, ctrl.ctypes.data + SLEEPING * 8, _FUTEX_WAIT_PRIVATE, 1, ctrl.ctypes.data + _TIMESPEC * 8))
    woken = _load(ctrl, SLEEPING) == 0  # a caller's `wake` cleared it
    _store(ctrl, SLEEPING, 0)
    return woken


@njit(types.int64(types.int64[::1], types.float64[::1]), nogil=True, cache=True)
def worker(ctrl, fctrl):
    """A worker thread's whole life: claim blocks while there are any, spin a while, then sleep."""
    slot = _add(ctrl, WORKERS, 1) + 1  # the caller's is 0
    idle = 0
    pause = SLEEP_US
    while _load(ctrl, STOP) == 0:
        if _claim_and_run(ctrl, fctrl, slot):
            idle = 0
            pause = SLEEP_US
        elif idle < SPINS and _load(ctrl, PARK) == 0:
            idle += 1
            _yield(())
        elif _SYS_FUTEX:
            if _sleep(ctrl, fctrl, slot):
                idle = 0
        else:
            _usleep((pause,))
            pause = min(2 * pause, MAX_SLEEP_US)
    _add(ctrl, WORKERS, -1)
    return 0


@njit(nogil=True, cache=True, inline="always")
def _layout(strides, rows, cols, item):
    """(CBLAS transpose flag, leading dimension) of a rows x cols operand with these strides, or (0, 0) when
    BLAS cannot read it in place."""
    s0, s1 = strides
    if s1 == item and s0 % item == 0 and s0 >= cols * item:
        return _NO_TRANS, s0 // item
    if s0 == item and s1 % item == 0 and s1 >= rows * item:
        return _TRANS, s1 // item
    return 0, 0


@njit(nogil=True, cache=True, inline="always")
def _span(x):
    """[first byte, last byte] of x's elements."""
    lo = x.ctypes.data
    return lo, lo + (x.shape[0] - 1) * x.strides[0] + (x.shape[1] - 1) * x.strides[1] + x.itemsize - 1


def _split(ctrl, fctrl, a, b, c, alpha, beta):
    """c <- alpha·a·b + beta·c over the caller and the workers (see the module's docstring); False where the
    pool declines the product (nothing written)."""
    m, k = a.shape
    n = b.shape[1]
    item = a.itemsize
    if b.shape[0] != k or c.shape[0] != m or c.shape[1] != n or min(m, n) < 1 or k < 2:
        return False
    if 2.0 * m * n * k < MIN_FLOPS:
        return False
    ta, lda = _layout(a.strides, m, k, item)
    tb, ldb = _layout(b.strides, k, n, item)
    tc, ldc = _layout(c.strides, m, n, item)
    if ta == 0 or tb == 0 or tc != _NO_TRANS:
        return False
    c0, c1 = _span(c)
    a0, a1 = _span(a)
    b0, b1 = _span(b)
    if (a0 <= c1 and c0 <= a1) or (b0 <= c1 and c0 <= b1):
        return False  # the result overwrites an operand: NumPy's matmul copies first
    if _load(ctrl, WORKERS) < 1 or not _cas(ctrl, BUSY, 0, 1):
        return False
    workers = _load(ctrl, WORKERS)
    # products above 0.2 GFLOP in two blocks per thread: a late worker leaves the caller half as much, and each
    # block packs the whole other operand again (W3's 512x4096x4096 in 8 blocks: 68.8 ms, in 4: 62.7, OpenBLAS 61.2)
    parts = (workers + 1) * (2 if 2.0 * m * n * k > 2e8 else 1)
    row_align, col_align = ctrl[ROW_ALIGN + (item == 8)], ctrl[COL_ALIGN + (item == 8)]
    # rows where the result is taller, or where only row blocks give the whole product's entries bit for bit
    axis = 0 if m >= n or (col_align < 0 < row_align and m >= 2 * row_align) else 1
    dim = m if axis == 0 else n
    size, nblocks = _blocks(dim, parts, abs(row_align if axis == 0 else col_align))
    if k >= K_SPLIT * max(m, n) and (workers + 1) * m * n * item <= K_SPLIT_BYTES:
        axis, dim = 2, k
        size = _block_size(k, workers + 1)
        nblocks = (dim + size - 1) // size
    elif nblocks < 2 or min(m, n) < 2:
        _store(ctrl, BUSY, 0)
        return False
    partials = np.empty((nblocks if axis == 2 else 0, m, n), a.dtype)
    task = _claim_slot(ctrl)
    ctrl[_OP] = GEMM
    ctrl[_NSLOTS] = 1 << 30
    ctrl[_KIND] = item
    ctrl[_TA] = ta
    ctrl[_TB] = tb
    ctrl[_M] = m
    ctrl[_N] = n
    ctrl[_K] = k
    ctrl[_A] = a0
    ctrl[_LDA] = lda
    ctrl[_B] = b0
    ctrl[_LDB] = ldb
    ctrl[_C] = c0
    ctrl[_LDC] = ldc
    ctrl[_AXIS] = axis
    ctrl[_BLOCK] = size
    ctrl[_ITEM] = item
    ctrl[_PARTIALS] = partials.ctypes.data
    fctrl[_ALPHA] = alpha
    fctrl[_BETA] = beta
    _run_posted(ctrl, fctrl, task, nblocks)
    if axis == 2:  # the partial products added in order, then beta·c (read only where beta is not 0, as BLAS)
        for i in range(m):
            for j in range(n):
                s = partials[0, i, j]
                for p in range(1, nblocks):
                    s += partials[p, i, j]
                c[i, j] = s if beta == 0.0 else beta * c[i, j] + s
    return True


@njit(nogil=True, cache=True, inline="always")
def _blocks(dim, parts, align):
    """(size, count) of at most `parts` blocks of `dim` rows (columns): each but the last `size`, a multiple of
    `align`, the last the rest; of the two multiples nearest an even share, the one whose largest block is the
    smaller (128 rows in 12s: 60 + 68, not 72 + 56; 512 in four: 3 x 132 + 116)."""
    low = max(align, dim // parts // align * align)
    best, count, largest = low, 1, dim + 1
    for size in (low, low + align):
        n = min(parts, (dim + size - 1) // size)
        big = max(size, dim - (n - 1) * size)
        if big < largest:
            best, count, largest = size, n, big
    return best, count


@njit(nogil=True, cache=True, inline="always")
def _block_size(dim, parts):
    """Terms of the contraction per block: `dim` over `parts` blocks, in multiples of ALIGN."""
    size = (dim + parts - 1) // parts
    return (size + ALIGN - 1) // ALIGN * ALIGN


@njit(nogil=True, cache=True, inline="always")
def _claim_slot(ctrl):
    """The next task's number, with NEXT made unclaimable while its words are written (BUSY already held)."""
    task = ctrl[TASK] + 1
    ctrl[TASK] = task
    _store(ctrl, _NEXT, (task << 32) | _BLOCKS)
    return task


@njit(nogil=True, cache=True, inline="always")
def _run_posted(ctrl, fctrl, task, nblocks):
    """Open the written task to the workers, run blocks with them, wait for the last, free the slot."""
    _store(ctrl, _DONE, 0)
    _store(ctrl, _NBLOCKS, nblocks)
    _store(ctrl, _NEXT, task << 32)
    if _SYS_FUTEX:
        wake(ctrl)
    _claim_and_run(ctrl, fctrl, 0)
    while _load(ctrl, _DONE) < nblocks:
        _yield(())
    _store(ctrl, BUSY, 0)


@njit(nogil=True, cache=True)
def run_rows(ctrl, fctrl, local, op, words, rows, block, scalar):
    """Run task `op` (LSTM_FORWARD, LSTM_BACKWARD or CALL) over `rows` rows (elements) in blocks of `block`, its
    words from CONV_WORDS and fctrl's first word `scalar`: over the caller and the workers, or all in the calling
    thread (through the task words `local`, a private copy of the slot) where the pool has no worker or is busy."""
    nblocks = (rows + block - 1) // block
    pooled = nblocks > 1 and _load(ctrl, WORKERS) >= 1 and _cas(ctrl, BUSY, 0, 1)
    c = ctrl if pooled else local
    task = _claim_slot(ctrl) if pooled else 0
    c[_OP] = op
    c[_KIND] = 4
    c[_ITEM] = 4
    c[_NSLOTS] = 1 << 30
    c[_BLOCK] = block
    for i in range(words.shape[0]):
        c[CONV_WORDS + i] = words[i]
    if pooled:
        fctrl[_ALPHA] = scalar
        _run_posted(ctrl, fctrl, task, nblocks)
    else:
        lf = np.empty(2)
        lf[_ALPHA] = scalar
        for b in range(nblocks):
            _run_block(local, lf, b, 0)


@njit(types.boolean(types.int64[::1], types.float64[::1], types.int64, types.int64, types.int64[::1], types.int64),
      nogil=True, cache=True)
def conv(ctrl, fctrl, op, item, words, nblocks):
    """Run a convolution pass (`op`: CONV_FORWARD or CONV_INPUT_GRAD, on `item`-byte floats) of `nblocks` blocks
    of images (or a PRODUCT_CALL task's blocks of rows) over the caller and the workers; False where the pool is
    busy with another thread's task."""
    if _load(ctrl, WORKERS) < 1 or not _cas(ctrl, BUSY, 0, 1):
        return False
    task = _claim_slot(ctrl)
    ctrl[_OP] = op
    ctrl[_KIND] = item
    ctrl[_ITEM] = item
    for i in range(words.shape[0]):
        ctrl[CONV_WORDS + i] = words[i]
    _run_posted(ctrl, fctrl, task, nblocks)
    return True


def _signatures():
    sigs = []
    for dt in (types.float32, types.float64):
        operand = types.Array(dt, 2, "A", readonly=True)
        sigs.append(types.boolean(types.int64[::1], types.float64[::1], operand, operand, types.Array(dt, 2, "A"),
                                  types.float64, types.float64))
    return sigs


split = njit(_signatures(), nogil=True, cache=True)(_split)
