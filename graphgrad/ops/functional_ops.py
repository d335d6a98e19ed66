"""`tf.map_fn`, `tf.scan`, `tf.foldl`, `tf.foldr`: TF1's functional ops, built as TF1 builds them, from
tf.while_loop and TensorArrays, so they run as one While op and have gradients."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.tensor_shape import TensorShape
from . import nest
from .array_ops import shape as _shape
from .core import convert_to_tensor
from .tensor_array_ops import TensorArray
from .while_ops import while_loop

__all__ = ["map_fn", "scan", "foldl", "foldr"]


def _inputs(elems, name):
    """(flat tensors, static length or None, length tensor, TensorArrays of their rows)."""
    flat = [convert_to_tensor(e, name="elems") for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{name}: elems must be a Tensor or (possibly nested) sequence of Tensors; got {elems!r}")
    for e in flat:
        dims = e.shape.dims_tuple
        if dims is not None and len(dims) == 0:
            raise ValueError(f"Elements in elems must be 1+ dimensional Tensors, not scalars (saw {e.name})")
    static = next((e.shape.dims_tuple[0] for e in flat
                   if e.shape.dims_tuple is not None and e.shape.dims_tuple[0] is not None), None)
    n = convert_to_tensor(static, dtype=dtypes.int32) if static is not None else _shape(flat[0],
                                                                                       out_type=dtypes.int32)[0]
    tas = [TensorArray(e.dtype.base_dtype, size=n, element_shape=_row_shape(e)).unstack(e) for e in flat]
    return flat, static, n, tas


def _row_shape(t):
    dims = t.shape.dims_tuple
    return TensorShape(None) if dims is None else TensorShape(dims[1:])


def _stacked(tas, static):
    out = []
    for ta in tas:
        s = ta.stack()
        es = ta.element_shape.dims_tuple
        if es is not None:
            s.set_shape((static,) + es)
        out.append(s)
    return out


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True,
           name=None):
    """`fn` applied to the rows of `elems` (a tensor or nested structure of tensors, unstacked along axis 0),
    the results stacked. `dtype` gives the structure and dtypes of `fn`'s results when they differ from
    `elems`'."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with name_scope(name, "map", nest.flatten(elems)):
        flat, static, n, in_tas = _inputs(elems, "map_fn")
        out_struct = elems if dtype is None else dtype
        out_dtypes = [e.dtype.base_dtype for e in flat] if dtype is None else \
            [dtypes.as_dtype(d).base_dtype for d in nest.flatten(dtype)]
        out_tas = [TensorArray(d, size=n, dynamic_size=False, infer_shape=infer_shape) for d in out_dtypes]

        def body(i, tas):
            x = nest.pack_sequence_as(elems, [ta.read(i) for ta in in_tas])
            y = fn(x)
            nest.assert_same_structure(out_struct, y, check_types=False)
            flat_y = [convert_to_tensor(v) for v in nest.flatten(y)]
            for v, d in zip(flat_y, out_dtypes):
                if v.dtype.base_dtype != d:
                    raise TypeError(f"map_fn: fn returned {v.dtype.base_dtype.name} where dtype says {d.name}")
            return i + 1, [ta.write(i, v) for ta, v in zip(tas, flat_y)]

        _, out_tas = while_loop(lambda i, _: i < n, body, [0, out_tas],
                                parallel_iterations=parallel_iterations or 10, back_prop=back_prop,
                                swap_memory=swap_memory)
        return nest.pack_sequence_as(out_struct, _stacked(out_tas, static))


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, infer_shape=True,
         reverse=False, name=None):
    """The successive values of `a = fn(a, x)` over the rows x of `elems`, stacked; `a` starts at
    `initializer`, or at the first row (which is then also the first result). `reverse` goes from the last
    row to the first (results stay in the rows' order)."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with name_scope(name, "scan", nest.flatten(elems)):
        flat, static, n, in_tas = _inputs(elems, "scan")

        def row(i):
            return nest.pack_sequence_as(elems, [ta.read(i) for ta in in_tas])

        if initializer is None:
            a_struct = elems
            first = n - 1 if reverse else 0
            a0 = [ta.read(first) for ta in in_tas]
            start = n - 2 if reverse else 1
        else:
            a_struct = initializer
            a0 = [convert_to_tensor(a) for a in nest.flatten(initializer)]
            start = n - 1 if reverse else 0
        out_tas = [TensorArray(a.dtype.base_dtype, size=n, infer_shape=infer_shape) for a in a0]
        if initializer is None:
            out_tas = [ta.write(first, a) for ta, a in zip(out_tas, a0)]

        def body(i, a, tas):
            y = fn(nest.pack_sequence_as(a_struct, a), row(i))
            nest.assert_same_structure(a_struct, y, check_types=False)
            flat_y = [convert_to_tensor(v) for v in nest.flatten(y)]
            return i + (-1 if reverse else 1), flat_y, [ta.write(i, v) for ta, v in zip(tas, flat_y)]

        cond = (lambda i, a, tas: i >= 0) if reverse else (lambda i, a, tas: i < n)
        _, _, out_tas = while_loop(cond, body, [start, a0, out_tas], parallel_iterations=parallel_iterations,
                                   back_prop=back_prop, swap_memory=swap_memory)
        return nest.pack_sequence_as(a_struct, _stacked(out_tas, static))


def _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, reverse, what):
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with name_scope(name, what, nest.flatten(elems)):
        flat, static, n, in_tas = _inputs(elems, what)
        if initializer is None:
            a_struct = elems
            a0 = [ta.read(n - 1 if reverse else 0) for ta in in_tas]
            start = n - 2 if reverse else 1
        else:
            a_struct = initializer
            a0 = [convert_to_tensor(a) for a in nest.flatten(initializer)]
            start = n - 1 if reverse else 0

        def body(i, a):
            x = nest.pack_sequence_as(elems, [ta.read(i) for ta in in_tas])
            y = fn(nest.pack_sequence_as(a_struct, a), x)
            nest.assert_same_structure(a_struct, y, check_types=False)
            return i + (-1 if reverse else 1), [convert_to_tensor(v) for v in nest.flatten(y)]

        cond = (lambda i, a: i >= 0) if reverse else (lambda i, a: i < n)
        _, a = while_loop(cond, body, [start, a0], parallel_iterations=parallel_iterations, back_prop=back_prop,
                          swap_memory=swap_memory)
        return nest.pack_sequence_as(a_struct, a)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """`fn(...fn(fn(initializer, x0), x1)..., x_{n-1})` over the rows of `elems`; without an initializer the
    first row starts it."""
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, False, "foldl")


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """As foldl, from the last row to the first."""
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, True, "foldr")
