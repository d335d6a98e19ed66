"""TF1's string ops (`tf.strings`, `tf.string_split`, `tf.substr`, `tf.regex_replace`, ...): host-side ops on
arrays of `bytes`, as TF's string kernels run on the CPU whatever the device.

A string tensor's value is a NumPy object array of `bytes` (a fed `str` is encoded to UTF-8 when the feed is
checked), on the GPU backend too: these kernels never move strings to the device, and send numeric results
(lengths, hash buckets, matches) there with `ctx.to_device`. Each op is mapped over the elements with
`np.frompyfunc`, which keeps the loop in C; none has a gradient, as in TF. Hash buckets use FarmHash's
Fingerprint64 (ops/fingerprint.py, shared with the feature columns), TF's own Hash64 (MurmurHash2-64 with TF's
seed) and SipHash-2-4, each written out here or there in plain Python, so bucket ids are TensorFlow's.
"""
from __future__ import annotations

import base64
import binascii
import functools
import re

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.op_def import OpDef, broadcast_shapes, not_differentiable, static_shape
from ..framework.tensor_shape import TensorShape
from .categorical_ops import StringToHashBucketFast, _host_values
from .core import apply_op, convert_to_tensor
from .sparse_ops import SparseTensor

__all__ = ["as_string", "decode_base64", "encode_base64", "length", "lower", "upper", "reduce_join",
           "regex_full_match", "regex_replace", "string_join", "string_split", "split", "strip", "substr",
           "string_to_hash_bucket", "string_to_hash_bucket_fast", "string_to_hash_bucket_strong",
           "unsorted_segment_join"]

_M = (1 << 64) - 1


def _each(fn, otype=object):
    """`fn` of one element mapped over a host array, giving an array of `otype` of its shape."""
    ufunc = np.frompyfunc(fn, 1, 1)

    def run(x):
        out = ufunc(x)
        return np.asarray(out, dtype=otype) if isinstance(out, np.ndarray) else np.array(out, dtype=otype)
    return run


def _string_input(x, what="input"):
    t = convert_to_tensor(x, dtype=dtypes.string) if not hasattr(x, "dtype") else convert_to_tensor(x)
    if t.dtype.base_dtype != dtypes.string:
        raise TypeError(f"Input '{what}' of op expected type string, got {t.dtype.base_dtype.name}")
    return t


class _Elementwise(OpDef):
    """A string op applying `element(op)` (a function of one bytes value) to each element of input 0; the
    result has input 0's shape and dtype `out_dtype`. Errors from `element` are the op's InvalidArgumentError."""

    out_dtype = dtypes.string
    gradient = not_differentiable

    def infer(op):
        return [(static_shape(op.inputs[0]), op.op_def.out_dtype)]

    def kernel(op, ctx):
        out = op.op_def.out_dtype
        run = _each(op.op_def.element(op), object if out == dtypes.string else out.np)
        to_host, to_dev = ctx.to_host, ctx.to_device

        def elementwise(x, *_):
            try:
                y = run(_host_values(to_host(x)))
            except ValueError as e:  # an element the op refuses: InvalidArgumentError, or the class it names
                raise op_error(getattr(e, "error_class", errors.InvalidArgumentError), op, str(e)) from None
            return y if out == dtypes.string else to_dev(y)
        return elementwise


# --- case, whitespace, length ------------------------------------------------------------------------------

def _utf8_chars(s):
    """The number of UTF-8 characters in `s`: its bytes that do not continue a character."""
    return sum((b & 0xC0) != 0x80 for b in s)


class StringLength(_Elementwise):
    """StringLength(input; unit): int32 bytes per element, or characters with unit UTF8_CHAR."""

    type = "StringLength"
    out_dtype = dtypes.int32

    def element(op):
        return len if op.attrs["unit"] == "BYTE" else _utf8_chars


class StringLower(_Elementwise):
    """StringLower(input; encoding): ASCII letters lowered, or every letter with encoding 'utf-8'."""

    type = "StringLower"
    case = "lower"

    def element(op):
        change = getattr(str, op.op_def.case)
        if op.attrs["encoding"]:
            return lambda s: change(s.decode("utf-8")).encode("utf-8")
        return getattr(bytes, op.op_def.case)


class StringUpper(StringLower):
    type = "StringUpper"
    case = "upper"


class StringStrip(_Elementwise):
    """StringStrip(input): leading and trailing ASCII whitespace removed."""

    type = "StringStrip"

    def element(op):
        return bytes.strip


# --- base64 ----------------------------------------------------------------------------------------------------

_BASE64 = re.compile(rb"[A-Za-z0-9_-]*={0,2}")


def _decode_base64(s):
    """Web-safe base64 with or without padding, as TF's DecodeBase64 reads it."""
    if not _BASE64.fullmatch(s):
        raise ValueError("Invalid character found in base64.")
    body = s.rstrip(b"=")
    if len(body) % 4 == 1:
        raise ValueError("Invalid base64 input length.")
    try:
        return base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
    except binascii.Error:
        raise ValueError("Invalid character found in base64.") from None


class EncodeBase64(_Elementwise):
    """EncodeBase64(input; pad): web-safe base64 ('-' and '_'), '=' padding only with `pad`."""

    type = "EncodeBase64"

    def element(op):
        if op.attrs["pad"]:
            return base64.urlsafe_b64encode
        return lambda s: base64.urlsafe_b64encode(s).rstrip(b"=")


class DecodeBase64(_Elementwise):
    type = "DecodeBase64"

    def element(op):
        return _decode_base64


# --- numbers to strings ------------------------------------------------------------------------------------------

def _as_string_format(dtype, precision, scientific, shortest, width, fill):
    """The printf format TF's AsString builds from its attributes (ValueError where TF's kernel refuses them)."""
    if fill and fill not in " +-0#":
        raise ValueError(f"Fill argument not supported: \"{fill}\"")
    if scientific and shortest:
        raise ValueError("Cannot select both scientific and shortest notation")
    fmt = "%" + (fill or "") + (str(width) if width > -1 else "")
    if dtype.is_floating:
        return fmt + (f".{precision}" if precision > -1 else "") + ("g" if shortest else "e" if scientific else "f")
    if precision > -1:
        raise ValueError(f"precision not supported for datatype {dtype.name}")
    if scientific or shortest:
        raise ValueError(f"{'scientific' if scientific else 'shortest'} not supported for datatype {dtype.name}")
    return fmt + ("s" if dtype == dtypes.bool_ else "d")


class AsString(OpDef):
    """AsString(input; precision, scientific, shortest, width, fill): each number as printf writes it."""

    type = "AsString"
    gradient = not_differentiable

    def infer(op):
        dt = op.inputs[0].dtype.base_dtype
        if dt == dtypes.string or not (dt.is_numeric or dt == dtypes.bool_):
            raise TypeError(f"Value passed to parameter 'input' has DataType {dt.name} not in list of allowed "
                            "values: float32, float64, int32, uint8, int16, int8, int64, bool, complex64, complex128")
        return [(static_shape(op.inputs[0]), dtypes.string)]

    def kernel(op, ctx):
        a, dt = op.attrs, op.inputs[0].dtype.base_dtype
        try:
            fmt = _as_string_format(dt, a["precision"], a["scientific"], a["shortest"], a["width"], a["fill"])
        except ValueError as e:  # TF's kernel refuses the attributes when the op runs
            error = op_error(errors.InvalidArgumentError, op, str(e))

            def refuse(x):
                raise error
            return refuse
        if dt == dtypes.bool_:
            one = _each(lambda v: (fmt % ("true" if v else "false")).encode())
        elif dt.is_floating:
            one = _each(lambda v: (fmt % float(v)).encode())
        else:
            one = _each(lambda v: (fmt % int(v)).encode())
        return lambda x: one(np.asarray(ctx.to_host(x)))


# --- hashing -------------------------------------------------------------------------------------------------

def hash64(data: bytes, seed: int = 0xDECAFCAFFE) -> int:
    """TF's Hash64 (tensorflow/core/lib/hash/hash.cc, MurmurHash2-64 with TF's seed): `string_to_hash_bucket`."""
    m, n = 0xC6A4A7935BD1E995, len(data)
    h = (seed ^ (n * m)) & _M
    full = n - n % 8
    for i in range(0, full, 8):
        k = (int.from_bytes(data[i:i + 8], "little") * m) & _M
        k = ((k ^ (k >> 47)) * m) & _M
        h = ((h ^ k) * m) & _M
    if n % 8:
        h = ((h ^ int.from_bytes(data[full:], "little")) * m) & _M
    h = ((h ^ (h >> 47)) * m) & _M
    return h ^ (h >> 47)


def _rotl(v, r):
    return ((v << r) | (v >> (64 - r))) & _M


def siphash(k0: int, k1: int, data: bytes) -> int:
    """SipHash-2-4 of `data` under the key (k0, k1): TF's StrongKeyedHash, behind `string_to_hash_bucket_strong`."""
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def rounds(v0, v1, v2, v3, n):
        for _ in range(n):
            v0 = (v0 + v1) & _M
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)
        return v0, v1, v2, v3

    n = len(data)
    tail = n - n % 8
    blocks = [int.from_bytes(data[i:i + 8], "little") for i in range(0, tail, 8)]
    blocks.append(((n & 0xFF) << 56) | int.from_bytes(data[tail:], "little"))
    for m in blocks:
        v3 ^= m
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


class StringToHashBucket(_Elementwise):
    """StringToHashBucket(string_tensor; num_buckets): TF's Hash64 modulo num_buckets (the deprecated form)."""

    type = "StringToHashBucket"
    out_dtype = dtypes.int64

    def element(op):
        n = op.attrs["num_buckets"]
        return lambda s: hash64(s) % n


class StringToHashBucketStrong(_Elementwise):
    """StringToHashBucketStrong(input; num_buckets, key): SipHash-2-4 under `key` modulo num_buckets."""

    type = "StringToHashBucketStrong"
    out_dtype = dtypes.int64

    def element(op):
        n, (k0, k1) = op.attrs["num_buckets"], op.attrs["key"]
        return lambda s: siphash(k0, k1, s) % n


def _buckets(num_buckets):
    if int(num_buckets) < 1:
        raise ValueError(f"Attr 'num_buckets' of 'StringToHashBucketFast' Op passed {num_buckets} less than "
                         "minimum 1.")
    return int(num_buckets)


def string_to_hash_bucket_fast(input, num_buckets, name=None):
    """Fingerprint64 of each string modulo `num_buckets` (int64): TF's fast, stable bucketing."""
    return apply_op(StringToHashBucketFast, [_string_input(input)], {"num_buckets": _buckets(num_buckets),
                                                                     "ignore": None},
                    name or "StringToHashBucketFast")


def string_to_hash_bucket_strong(input, num_buckets, key, name=None):
    """SipHash-2-4 of each string under `key` (two ints) modulo `num_buckets`: buckets an adversary cannot aim at."""
    key = [int(k) & _M for k in key]
    if len(key) != 2:
        raise ValueError("Key must have 2 elements")
    return apply_op(StringToHashBucketStrong, [_string_input(input)], {"num_buckets": _buckets(num_buckets),
                                                                       "key": tuple(key)},
                    name or "StringToHashBucketStrong")


def string_to_hash_bucket(string_tensor, num_buckets, name=None, input=None):
    """TF's deprecated Hash64 bucketing (prefer `to_hash_bucket_fast`, whose hash is stable across platforms)."""
    string_tensor = input if string_tensor is None else string_tensor
    return apply_op(StringToHashBucket, [_string_input(string_tensor)], {"num_buckets": _buckets(num_buckets)},
                    name or "StringToHashBucket")


# --- regular expressions -------------------------------------------------------------------------------------

def _compile(pattern):
    try:
        return re.compile(pattern if isinstance(pattern, bytes) else str(pattern).encode())
    except re.error as e:
        raise ValueError(f"Invalid pattern: {pattern!r}, error: {e}") from None


def _rewriter(rewrite):
    """RE2's rewrite string (\\0 the match, \\1 ... groups, \\\\ a backslash) as a function of a match."""
    parts, i = [], 0
    rewrite = rewrite if isinstance(rewrite, bytes) else str(rewrite).encode()
    while i < len(rewrite):
        c = rewrite[i:i + 1]
        if c == b"\\" and i + 1 < len(rewrite):
            nxt = rewrite[i + 1:i + 2]
            parts.append(int(nxt) if nxt.isdigit() else nxt)
            i += 2
        else:
            parts.append(c)
            i += 1
    return lambda m: b"".join(p if isinstance(p, bytes) else (m.group(p) or b"") for p in parts)


class _Regex(OpDef):
    """A regular-expression op on each string: `matcher(op, regex, rewrite)` gives the function of one string.
    Patterns are RE2's syntax, read by Python's `re`, which agrees on the common subset. The plain forms take the
    pattern (and rewrite) as string inputs, the Static forms (`static`) as attributes, as TF's do."""

    gradient = not_differentiable
    out_dtype = dtypes.string
    static = False

    def infer(op):
        if op.op_def.static:
            _compile(op.attrs["pattern"])
        return [(static_shape(op.inputs[0]), op.op_def.out_dtype)]

    def kernel(op, ctx):
        d = op.op_def
        strings = d.out_dtype == dtypes.string
        out = (lambda y: y) if strings else ctx.to_device

        def run(x, pattern, rewrite):
            try:
                regex = _compile(pattern)
            except ValueError as e:
                raise op_error(errors.InvalidArgumentError, op, str(e)) from None
            return out(_each(d.matcher(op, regex, rewrite), object if strings else bool)(_host_values(x)))
        if d.static:
            return lambda x: run(x, op.attrs["pattern"], op.attrs.get("rewrite"))
        return lambda x, pattern, rewrite=None: run(x, np.asarray(pattern).item(),
                                                    None if rewrite is None else np.asarray(rewrite).item())


class RegexReplace(_Regex):
    """RegexReplace(input, pattern, rewrite; replace_global): matches replaced by `rewrite` (all, or the first)."""

    type = "RegexReplace"

    def matcher(op, regex, rewrite):
        sub, count = _rewriter(rewrite), 0 if op.attrs["replace_global"] else 1
        return lambda s: regex.sub(sub, s, count=count)


class StaticRegexReplace(RegexReplace):
    type = "StaticRegexReplace"
    static = True


class RegexFullMatch(_Regex):
    """RegexFullMatch(input, pattern): whether each whole string matches (bool)."""

    type = "RegexFullMatch"
    out_dtype = dtypes.bool_

    def matcher(op, regex, rewrite):
        return lambda s: regex.fullmatch(s) is not None


class StaticRegexFullMatch(RegexFullMatch):
    type = "StaticRegexFullMatch"
    static = True


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Each string with the matches of `pattern` replaced by `rewrite` (all of them, or the first)."""
    input = _string_input(input)
    if isinstance(pattern, (str, bytes)) and isinstance(rewrite, (str, bytes)):
        return apply_op(StaticRegexReplace, [input], {"pattern": pattern, "rewrite": rewrite,
                                                      "replace_global": bool(replace_global)},
                        name or "StaticRegexReplace")
    return apply_op(RegexReplace, [input, _string_input(pattern, "pattern"), _string_input(rewrite, "rewrite")],
                    {"replace_global": bool(replace_global)}, name or "RegexReplace")


def regex_full_match(input, pattern, name=None):
    """Whether each whole string matches `pattern` (bool, of the input's shape)."""
    input = _string_input(input)
    if isinstance(pattern, (str, bytes)):
        return apply_op(StaticRegexFullMatch, [input], {"pattern": pattern}, name or "StaticRegexFullMatch")
    return apply_op(RegexFullMatch, [input, _string_input(pattern, "pattern")], {}, name or "RegexFullMatch")


# --- joining ---------------------------------------------------------------------------------------------------

class StringJoin(OpDef):
    """StringJoin(*inputs; separator): the inputs joined element by element; scalars join every element."""

    type = "StringJoin"
    gradient = not_differentiable

    def infer(op):
        shapes = [static_shape(t) for t in op.inputs if static_shape(t) != ()]
        for s in shapes[1:]:
            if shapes[0] is not None and s is not None and not TensorShape(shapes[0]).is_compatible_with(s):
                raise ValueError(f"Input shapes do not match: {TensorShape(shapes[0])} vs. {TensorShape(s)}")
        return [(shapes[0] if shapes else (), dtypes.string)]

    def kernel(op, ctx):
        sep = op.attrs["separator"]

        def string_join(*inputs):
            arrays = [_host_values(x) for x in inputs]
            shapes = [a.shape for a in arrays if a.ndim]
            for other in shapes[1:]:
                if other != shapes[0]:
                    raise op_error(errors.InvalidArgumentError, op,
                                   f"Input shapes do not match: {_dims(shapes[0])} vs. {_dims(other)}")
            shape = shapes[0] if shapes else ()
            parts = [np.broadcast_to(a, shape).reshape(-1) for a in arrays]
            out = np.empty(len(parts[0]) if parts else 0, object)
            out[:] = [sep.join(row) for row in zip(*parts)]
            return out.reshape(shape)
        return string_join


def string_join(inputs, separator="", name=None):
    """The strings of `inputs` (tensors of one shape, or scalars) joined element by element with `separator`."""
    sep = separator.encode() if isinstance(separator, str) else bytes(separator)
    return apply_op(StringJoin, [_string_input(x, "inputs") for x in inputs], {"separator": sep},
                    name or "StringJoin")


class ReduceJoin(OpDef):
    """ReduceJoin(inputs; axes, keep_dims, separator): strings joined along `axes` (all when None), in order."""

    type = "ReduceJoin"
    gradient = not_differentiable

    def infer(op):
        shape, axes, keep = static_shape(op.inputs[0]), op.attrs["axes"], op.attrs["keep_dims"]
        if shape is None:
            return [(None, dtypes.string)]
        rank = len(shape)
        for a in axes or ():
            if not -rank <= a < rank:
                raise ValueError(f"Invalid reduction dimension {a} for input with {rank} dimensions.")
        axes = range(rank) if axes is None else {a % rank for a in axes}
        return [(tuple(1 if i in axes else d for i, d in enumerate(shape)) if keep
                 else tuple(d for i, d in enumerate(shape) if i not in axes), dtypes.string)]

    def kernel(op, ctx):
        axes, keep, sep = op.attrs["axes"], op.attrs["keep_dims"], op.attrs["separator"]

        def reduce_join(x):
            x = _host_values(x)
            # TF joins along the axes one after the other: the first one listed varies fastest (all: row-major)
            order = range(x.ndim - 1, -1, -1) if axes is None else [a % x.ndim for a in axes]
            reduced = list(dict.fromkeys(order))
            kept = [i for i in range(x.ndim) if i not in reduced]
            rows = np.transpose(x, kept + reduced[::-1]).reshape(*[x.shape[i] for i in kept], -1)
            out = np.empty(rows.shape[:-1], object)
            flat = rows.reshape(-1, rows.shape[-1]) if rows.size else np.empty((out.size, 0), object)
            out.reshape(-1)[:] = [sep.join(r) for r in flat]
            return out.reshape([1 if i in reduced else d for i, d in enumerate(x.shape)]) if keep else out
        return reduce_join


def reduce_join(inputs, axis=None, keep_dims=None, separator="", name=None, reduction_indices=None,
                keepdims=None):
    """The strings of `inputs` joined along `axis` (an int, a list, or None for all) with `separator`."""
    axis = reduction_indices if axis is None else axis
    keep = bool(keepdims if keepdims is not None else keep_dims)
    axes = None if axis is None else tuple(int(a) for a in np.ravel(axis))
    sep = separator.encode() if isinstance(separator, str) else bytes(separator)
    return apply_op(ReduceJoin, [_string_input(inputs, "inputs")], {"axes": axes, "keep_dims": keep,
                                                                    "separator": sep}, name or "ReduceJoin")


class UnsortedSegmentJoin(OpDef):
    """UnsortedSegmentJoin(inputs, segment_ids, num_segments; separator): the strings of each segment joined in
    the order they come; an id outside [0, num_segments) is InvalidArgumentError."""

    type = "UnsortedSegmentJoin"
    gradient = not_differentiable

    def infer(op):
        shape, ids = static_shape(op.inputs[0]), static_shape(op.inputs[1])
        n = op.inputs[2].op.attrs["value"] if op.inputs[2].op.op_def.is_constant else None
        if shape is None or ids is None:
            return [(None, dtypes.string)]
        return [((None if n is None else int(n), *shape[len(ids):]), dtypes.string)]

    def kernel(op, ctx):
        sep = op.attrs["separator"]

        def segment_join(x, ids, n):
            x, ids, n = _host_values(x), np.asarray(ctx.to_host(ids)), int(ctx.to_host(n))
            if x.shape[:ids.ndim] != ids.shape:
                raise op_error(errors.InvalidArgumentError, op, "segment_ids.shape = "
                                                                f"{_dims(ids.shape)} does not prefix input.shape = "
                                                                f"{_dims(x.shape)}")
            rows = x.reshape(ids.size, -1)
            parts = [[[] for _ in range(rows.shape[1])] for _ in range(n)]
            for i, seg in enumerate(ids.reshape(-1).tolist()):
                if not 0 <= seg < n:
                    raise op_error(errors.InvalidArgumentError, op, "segment_ids are not allowed to exceed "
                                                                    "num_segments or to have negative values.")
                for j, v in enumerate(rows[i]):
                    parts[seg][j].append(v)
            out = np.empty((n, rows.shape[1]), object)
            out[:] = [[sep.join(p) for p in row] for row in parts] if n else out
            return out.reshape(n, *x.shape[ids.ndim:])
        return segment_join


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """The strings of `inputs` joined per segment (`segment_ids` a prefix of its shape) into `num_segments` rows."""
    sep = separator.encode() if isinstance(separator, str) else bytes(separator)
    return apply_op(UnsortedSegmentJoin, [_string_input(inputs, "inputs"), convert_to_tensor(segment_ids),
                                          convert_to_tensor(num_segments)], {"separator": sep},
                    name or "UnsortedSegmentJoin")


# --- splitting -------------------------------------------------------------------------------------------------

def _split_v1(s, delimiters, skip_empty):
    """TF's StringSplit of one string: at any byte of `delimiters` (into bytes when it is empty)."""
    if not delimiters:
        return [s[i:i + 1] for i in range(len(s))]
    if not s:
        return []
    tokens = s.split(delimiters) if len(delimiters) == 1 else _any_of(delimiters).split(s)
    return [t for t in tokens if t] if skip_empty else tokens


@functools.lru_cache(maxsize=64)
def _any_of(delimiters):
    return re.compile(b"[" + re.escape(delimiters) + b"]")


def _split_v2(s, sep, maxsplit):
    """TF's StringSplitV2 of one string: Python's `bytes.split` at `sep`; with no `sep`, at whitespace runs,
    where TF keeps what follows the last allowed split (even nothing) as one more token."""
    if sep:
        return s.split(sep, maxsplit)
    if maxsplit == 0:
        return [s]
    tokens, rest = [], s.lstrip(_WHITESPACE)
    while rest:
        end = next((i for i, c in enumerate(rest) if c in _WHITESPACE), len(rest))
        tokens.append(rest[:end])
        rest = rest[end:].lstrip(_WHITESPACE)
        if maxsplit > 0 and len(tokens) == maxsplit:
            tokens.append(rest)
            break
    return tokens


_WHITESPACE = b" \t\n\r\x0b\x0c"


class _Split(OpDef):
    """A rank-1 string tensor split into tokens: a SparseTensor's (indices [n, 2], values [n], shape [2])."""

    gradient = not_differentiable

    def infer(op):
        shape = static_shape(op.inputs[0])
        if shape is not None and len(shape) != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {len(shape)} for '{op.name}' (op: '{op.type}') "
                             f"with input shapes: {TensorShape(shape)}, [].")
        return [((None, 2), dtypes.int64), ((None,), dtypes.string), ((2,), dtypes.int64)]

    def kernel(op, ctx):
        split = op.op_def.split(op)

        def string_split(x, sep):
            x = _host_values(x)
            if x.ndim != 1:
                raise op_error(errors.InvalidArgumentError, op, f"input must be a vector, got shape: {list(x.shape)}")
            sep = np.asarray(sep).item()
            tokens = [split(s, sep) for s in x]
            counts = np.array([len(t) for t in tokens], np.int64)
            rows = np.repeat(np.arange(len(tokens), dtype=np.int64), counts)
            cols = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
            values = np.empty(int(counts.sum()), object)
            values[:] = [t for ts in tokens for t in ts]
            shape = np.array([len(tokens), counts.max(initial=0)], np.int64)
            return [ctx.to_device(np.stack([rows, cols], 1)), values, ctx.to_device(shape)]
        return string_split


class StringSplit(_Split):
    """StringSplit(input, delimiter; skip_empty): `tf.string_split`."""

    type = "StringSplit"

    def split(op):
        skip = op.attrs["skip_empty"]
        return lambda s, sep: _split_v1(s, sep, skip)


class StringSplitV2(_Split):
    """StringSplitV2(input, sep; maxsplit): `tf.strings.split`."""

    type = "StringSplitV2"

    def split(op):
        maxsplit = op.attrs["maxsplit"]
        return lambda s, sep: _split_v2(s, sep, maxsplit)


def _dims(shape):
    return "[" + ",".join(map(str, shape)) + "]"


def _sparse(outputs):
    return SparseTensor(*outputs)


def string_split(source, sep=None, skip_empty=True, delimiter=None, result_type="SparseTensor", name=None):
    """`tf.string_split`: each string of the vector `source` split at any character of `sep` (default ' '),
    as a SparseTensor of tokens [batch, longest]; empty tokens are dropped with `skip_empty`."""
    _sparse_only(result_type)
    sep = delimiter if sep is None else sep
    sep = " " if sep is None else sep
    return _sparse(apply_op(StringSplit, [_string_input(source, "source"), _string_input(sep, "delimiter")],
                            {"skip_empty": bool(skip_empty)}, name or "StringSplit"))


def split(input=None, sep=None, maxsplit=-1, result_type="SparseTensor", source=None, name=None):  # noqa: A002
    """`tf.strings.split` (TF 1.15's v1 form): each string split at `sep` (whitespace runs when None), at most
    `maxsplit` times, as a SparseTensor."""
    _sparse_only(result_type)
    source = source if input is None else input
    return _sparse(apply_op(StringSplitV2, [_string_input(source, "input"), _string_input(sep or "", "sep")],
                            {"maxsplit": int(maxsplit)}, name or "StringSplit"))


def _sparse_only(result_type):
    if result_type != "SparseTensor":
        raise ValueError(f"result_type {result_type!r}: graphgrad has no RaggedTensor, so string splits give "
                         "the SparseTensor form only")


# --- substrings -------------------------------------------------------------------------------------------------

def _char_starts(s):
    """Byte offsets where the UTF-8 characters of `s` start, and len(s) at the end."""
    return [i for i, b in enumerate(s) if (b & 0xC0) != 0x80] + [len(s)]


class Substr(OpDef):
    """Substr(input, pos, len; unit): `len` bytes (or characters) from `pos` (from the end when negative);
    pos and len broadcast against the input. A position outside the string is InvalidArgumentError, as TF's."""

    type = "Substr"
    gradient = not_differentiable

    def infer(op):
        shapes = [static_shape(t) for t in op.inputs]
        rank = None if shapes[0] is None else len(shapes[0])
        for s in shapes[1:]:
            if rank is not None and s is not None and len(s) > rank:
                raise ValueError(f"Shape must be rank {rank} but is rank {len(s)} for '{op.name}' (op: 'Substr')")
        return [(broadcast_shapes(op, *shapes), dtypes.string)]

    def kernel(op, ctx):
        chars = op.attrs["unit"] == "UTF8_CHAR"

        def substr(x, pos, length):
            x = _host_values(x)
            pos, length = np.asarray(ctx.to_host(pos)), np.asarray(ctx.to_host(length))
            x, pos, length = np.broadcast_arrays(x, pos, length)
            out = np.empty(x.shape, object)
            for i, (s, p, n) in enumerate(zip(x.reshape(-1), pos.reshape(-1), length.reshape(-1))):
                starts = _char_starts(s) if chars else None
                size = len(starts) - 1 if chars else len(s)
                p = int(p)
                if not -size <= p <= size:
                    raise op_error(errors.InvalidArgumentError, op,
                                   f"pos {p} out of range for string {s!r} at index {i}")
                p = p + size if p < 0 else p
                e = min(size, p + max(int(n), 0))
                out.reshape(-1)[i] = s[starts[p]:starts[e]] if chars else s[p:e]
            return out
        return substr


def substr(input, pos, len, name=None, unit="BYTE"):  # noqa: A002 -- TF's argument names
    """`len` bytes (or, with unit 'UTF8_CHAR', characters) of each string from `pos`."""
    _unit(unit)
    input = _string_input(input)
    pos = convert_to_tensor(pos)
    return apply_op(Substr, [input, pos, convert_to_tensor(len, dtype=pos.dtype.base_dtype)], {"unit": unit},
                    name or "Substr")


def _unit(unit):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"Attr 'unit' of 'StringLength' Op passed string '{unit}' not in: \"BYTE\", \"UTF8_CHAR\".")
    return unit


# --- the public functions of the elementwise ops ----------------------------------------------------------------

def length(input, name=None, unit="BYTE"):
    """The length of each string in bytes (int32), or in UTF-8 characters with unit 'UTF8_CHAR'."""
    return apply_op(StringLength, [_string_input(input)], {"unit": _unit(unit)}, name or "StringLength")


def lower(input, encoding="", name=None):
    return apply_op(StringLower, [_string_input(input)], {"encoding": encoding}, name or "StringLower")


def upper(input, encoding="", name=None):
    return apply_op(StringUpper, [_string_input(input)], {"encoding": encoding}, name or "StringUpper")


def strip(input, name=None):
    """Each string without leading and trailing whitespace."""
    return apply_op(StringStrip, [_string_input(input)], {}, name or "StringStrip")


def encode_base64(input, pad=False, name=None):
    """Each string in web-safe base64; '=' padding only with `pad`."""
    return apply_op(EncodeBase64, [_string_input(input)], {"pad": bool(pad)}, name or "EncodeBase64")


def decode_base64(input, name=None):
    """Each web-safe base64 string decoded (padding optional); another character is InvalidArgumentError."""
    return apply_op(DecodeBase64, [_string_input(input)], {}, name or "DecodeBase64")


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):
    """Each number (or bool) as a string, formatted as C's printf with TF's attributes."""
    return apply_op(AsString, [convert_to_tensor(input)], {"precision": int(precision), "scientific": bool(scientific),
                                                           "shortest": bool(shortest), "width": int(width),
                                                           "fill": fill}, name or "AsString")
