"""Data types: thin named wrappers around NumPy dtypes, printed the way TensorFlow 1.x prints them."""
from __future__ import annotations

import numpy as np


class DType:
    """A tensor element type. `tf.float32 == np.float32` holds, so either spelling works everywhere."""

    __slots__ = ("name", "np", "_is_ref")

    def __init__(self, name: str, np_dtype, is_ref: bool = False):
        self.name = name + ("_ref" if is_ref else "")
        self.np = np.dtype(np_dtype)
        self._is_ref = is_ref

    # --- TensorFlow-compatible properties -------------------------------------------------------
    @property
    def as_numpy_dtype(self):
        return self.np.type

    @property
    def base_dtype(self) -> DType:
        return _BY_NP[self.np] if self._is_ref else self

    @property
    def is_ref_dtype(self) -> bool:
        return self._is_ref

    def _as_ref(self) -> DType:
        return _REFS[self.np]

    @property
    def is_floating(self) -> bool:
        return self.np.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.np.kind == "c"

    @property
    def real_dtype(self) -> DType:
        """float32 for complex64, float64 for complex128, the type itself otherwise."""
        return _BY_NP[np.dtype(self.np.type(0).real.dtype)] if self.is_complex else self.base_dtype

    @property
    def is_integer(self) -> bool:
        return self.np.kind in "iu"

    @property
    def is_bool(self) -> bool:
        return self.np.kind == "b"

    @property
    def is_numeric(self) -> bool:
        return self.np.kind in "fiu"

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_unsigned(self) -> bool:
        return self.np.kind == "u"

    @property
    def size(self) -> int:
        return self.np.itemsize

    @property
    def min(self):
        return np.finfo(self.np).min if self.is_floating else np.iinfo(self.np).min

    @property
    def max(self):
        return np.finfo(self.np).max if self.is_floating else np.iinfo(self.np).max

    def __eq__(self, other):
        if other is None:  # (np.dtype(None) is float64: `tf.float64 == None` must still be False)
            return False
        if isinstance(other, DType):
            return self.name == other.name  # the name says the kind and refness (string and variant share np)
        try:
            return not self._is_ref and self.np == as_dtype(other).np
        except TypeError:
            return False

    def __hash__(self):
        return hash((self.np, self._is_ref))

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return (as_dtype, (self.name,))


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)  # 16-bit PNGs (tf.image.decode_png(dtype=tf.uint16))
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
complex64 = DType("complex64", np.complex64)  # tf.signal's spectra (docs/signal.md)
complex128 = DType("complex128", np.complex128)
bool_ = DType("bool", np.bool_)
string = DType("string", np.object_)
half, double = float16, float64
#: An opaque value (a TensorArray's elements, a loop's saved history): a Python object, scalar-shaped, never fed,
#: never a CUDA graph's; shares NumPy's object dtype with tf.string, so `as_dtype(np.object_)` stays tf.string.
variant = DType("variant", np.object_)

_ALL = [float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool_, string, complex64,
        complex128]
_BY_NP = {d.np: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64, float=float32, variant=variant)
_REFS = {d.np: DType(d.name, d.np, is_ref=True) for d in _ALL}


class _NamedOnly(DType):
    """A TensorFlow type graphgrad has a name for but no arrays of (bfloat16, the quantized types, resource):
    comparing, printing and naming it work; computing in it is a TypeError that says why."""

    __slots__ = ("_why", "_floating", "_quantized", "_size")

    def __init__(self, name, why, floating=False, quantized=False, size=None, is_ref=False):
        self.name = name + ("_ref" if is_ref else "")
        self._is_ref = is_ref
        self._why, self._floating, self._quantized, self._size = why, floating, quantized, size

    @property
    def np(self):
        raise TypeError(f"graphgrad cannot compute in {self.name}: {self._why}")

    @property
    def base_dtype(self):
        return _BY_NAME[self.name[:-4]] if self._is_ref else self

    def _as_ref(self):
        return _NAMED_REFS[self.name]

    is_floating = property(lambda self: self._floating)
    is_quantized = property(lambda self: self._quantized)
    is_complex = is_integer = is_bool = property(lambda self: False)
    is_numeric = property(lambda self: self._floating or self._quantized)
    size = property(lambda self: self._size)
    real_dtype = property(lambda self: self.base_dtype)

    @property
    def min(self):
        raise TypeError(f"Cannot find minimum value of {self.name}.")

    @property
    def max(self):
        raise TypeError(f"Cannot find maximum value of {self.name}.")

    def __eq__(self, other):
        return isinstance(other, DType) and self.name == other.name or (isinstance(other, str) and other == self.name)

    def __hash__(self):
        return hash(self.name)


_QUANTIZED = "a quantized type of TF's quantization kernels, which graphgrad does not have (fake_quant ops " \
             "compute in float32)"
bfloat16 = _NamedOnly("bfloat16", "NumPy has no such type; compute in float16 or float32 (bfloat16 matrix products: "
                      "Session(matmul_precision='bfloat16'))", floating=True, size=2)
qint8 = _NamedOnly("qint8", _QUANTIZED, quantized=True, size=1)
quint8 = _NamedOnly("quint8", _QUANTIZED, quantized=True, size=1)
qint16 = _NamedOnly("qint16", _QUANTIZED, quantized=True, size=2)
quint16 = _NamedOnly("quint16", _QUANTIZED, quantized=True, size=2)
qint32 = _NamedOnly("qint32", _QUANTIZED, quantized=True, size=4)
resource = _NamedOnly("resource", "graphgrad's variables are reference variables in graph mode (no resource "
                                  "handles)")
_NAMED = [bfloat16, qint8, quint8, qint16, quint16, qint32, resource]
_BY_NAME.update({d.name: d for d in _NAMED})
_NAMED_REFS = {d.name: _NamedOnly(d.name, d._why, d._floating, d._quantized, d._size, is_ref=True) for d in _NAMED}
QUANTIZED_DTYPES = frozenset([qint8, quint8, qint16, quint16, qint32, *(_NAMED_REFS[d.name] for d in
                                                                        (qint8, quint8, qint16, quint16, qint32))])


def as_dtype(value) -> DType:
    """Convert a DType, NumPy dtype/type, dtype name or Python type to a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        base = value[:-4] if value.endswith("_ref") else value
        if base in _BY_NAME:
            d = _BY_NAME[base]
            return d._as_ref() if value.endswith("_ref") else d
    if value is float:
        return float32
    if value is int:
        return int32
    if value is bool:
        return bool_
    if value is str or value is bytes:
        return string
    try:
        npd = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert value {value!r} to a TensorFlow DType.") from None
    if npd.kind in "US":
        return string
    if npd in _BY_NP:
        return _BY_NP[npd]
    raise TypeError(f"Cannot convert value {value!r} to a TensorFlow DType.")


_DT_ENUM = {float32: 1, float64: 2, int32: 3, uint8: 4, int16: 5, int8: 6, string: 7, int64: 9, bool_: 10,
            float16: 19, variant: 21, complex64: 8, complex128: 18, uint16: 17, uint32: 22, uint64: 23, qint8: 11,
            quint8: 12, qint32: 13, bfloat16: 14, qint16: 15, quint16: 16, resource: 20}


def datatype_enum(dtype) -> int:
    """TensorFlow's DataType enum value of a dtype; reference dtypes add 100 (DT_FLOAT_REF = 101)."""
    dt = as_dtype(dtype)
    return _DT_ENUM[dt.base_dtype] + (100 if dt.is_ref_dtype else 0)
