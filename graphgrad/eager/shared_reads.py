"""Reads of big eager variables that share the variable's buffer until its next write (copy on write).

An eager read must hold the value the variable had then: no later update may change it. Copying the buffer at
every read does that, at the cost of a pass over the variable's memory (W3 eager: two 64 MiB weights a step, 20 of
its ~350 ms). Instead a big variable's read is a read-only array over the buffer itself, remembered weakly, and
every writer of an eager variable's buffer in place calls `own` first (the eager ops that mutate a reference:
eager/context.py; tf.function's plans: eager/function.py; `Variable.load`). While a read is still alive, `own`
gives the variable a copy to write into; a training loop's reads are gone by the time its optimizer writes, so
it reads and updates without copying at all.

A read's array is made over a memoryview of the buffer, so what it is viewed as later (a slice, a reshape, a
kernel's transposed operand) keeps that array alive: NumPy's views reach the memory through it, not through the
buffer. Update results (`v.assign_add(1)`) are the buffer itself and show the variable's current value, as TF's
do: they move to the copy (`follow`).
"""
from __future__ import annotations

import weakref

import numpy as np

from ..ops.result_buffers import EAGER_FROM

__all__ = ["SHARE_FROM", "follow", "own", "read_array", "sharing"]

#: A read of a variable of this many bytes or more shares the variable's buffer (copy on write, `read_array`);
#: a smaller one is a copy, which costs less than keeping track of it.
SHARE_FROM = EAGER_FROM
_readers = weakref.WeakKeyDictionary()    # handle op -> [weakrefs to the arrays of reads sharing its buffer]
_followers = weakref.WeakKeyDictionary()  # handle op -> [weakrefs to update results: tensors that are the buffer]


def read_array(handle_op, buf):
    """The value a read of variable `handle_op` (buffer `buf`) holds: a copy of a small variable (which costs less
    than keeping track of it), a read-only array over a big one's buffer."""
    if buf.nbytes < SHARE_FROM or type(buf) is not np.ndarray:
        return np.array(buf, copy=True)
    try:
        arr = np.asarray(memoryview(buf).toreadonly())
    except (TypeError, ValueError):  # a dtype the buffer protocol does not carry (bfloat16, strings)
        return np.array(buf, copy=True)
    if arr.dtype != buf.dtype:
        return np.array(buf, copy=True)
    _remember(_readers, handle_op, arr)
    return arr


def follow(handle_op, tensor):
    """`tensor` (an update's result, whose value is the variable's buffer itself: it shows the current value, as
    TF's `assign_add` result does) moves with the buffer when `own` replaces it."""
    if tensor._value.nbytes >= SHARE_FROM:
        _remember(_followers, handle_op, tensor)


def _remember(table, handle_op, obj):
    refs = table.get(handle_op)
    if refs is None:
        refs = table.setdefault(handle_op, [])
    if len(refs) >= 8:  # a variable read (or updated) many times between writes: only the live ones
        refs[:] = [r for r in refs if r() is not None]
    refs.append(weakref.ref(obj))


def sharing() -> bool:
    """Whether any eager read may share a variable's buffer (else `own` has nothing to do: a tf.function call
    skips its per-variable calls, ~0.3 µs each in the weak dictionary)."""
    return bool(_readers.data)


def own(ctx, handle_op):
    """Called before a write into variable `handle_op`'s buffer in place: while a read shares the buffer
    (`read_array`), the variable gets a copy to write into (`RunContext.set_variable`, so tf.function's
    aliases move too), and the update results that showed the old buffer show the new one."""
    if not _readers.data:  # no read shares a buffer (small variables' reads are copies)
        return
    refs = _readers.pop(handle_op, None)
    if refs is None or all(r() is None for r in refs):
        return
    buf = ctx.variables[handle_op]
    new = np.array(buf, copy=True)
    ctx.set_variable(handle_op, new)
    for r in _followers.pop(handle_op, ()):
        t = r()
        if t is not None and t._value is buf:
            t._value = new
