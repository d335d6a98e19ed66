"""EagerTensor: a Tensor that holds its value.

It is a `Tensor` (so every public function accepts it as it accepts a graph tensor, and the Python operators
installed on Tensor work), whose `op` is the op that made it: the record a tape replays, or, when no tape was
recording, the op's definition applied to the signature (type, attributes, input shapes).
"""
from __future__ import annotations

import numpy as np

from ..framework.graph import Tensor
from ..framework.tensor_shape import TensorShape


class EagerTensor(Tensor):
    __slots__ = ("_value",)

    #: the eager graph (set when it is made): what `apply_op` creates ops on for an eager input
    graph = None

    def __init__(self, value, dtype, op=None, value_index=0, shape=None):
        self._value = value
        self.dtype = dtype
        self.op = op
        self.value_index = value_index
        self._shape = shape
        self._consumers = ()

    # --- the value ------------------------------------------------------------------------------------------
    def numpy(self):
        """The value as a NumPy array (a NumPy scalar for a 0-d tensor, as TF). Do not write into it."""
        return self._value

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self._value)
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    @property
    def shape(self) -> TensorShape:
        s = self._shape
        if s is None:
            s = self._shape = TensorShape(np.shape(self._value))
        return s

    def get_shape(self) -> TensorShape:
        return self.shape

    def set_shape(self, shape):
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied shape {TensorShape(shape)}")

    @property
    def ndim(self):
        return np.ndim(self._value)

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def eval(self, feed_dict=None, session=None):
        return self._value

    def consumers(self):
        return []

    # --- Python protocols, on the value ---------------------------------------------------------------------
    def __bool__(self):
        return bool(self._value)

    def __len__(self):
        if np.ndim(self._value) == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return len(self._value)

    def __iter__(self):
        if np.ndim(self._value) == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(len(self._value)):
            yield self[i]

    def __int__(self):
        return int(self._value)

    def __float__(self):
        return float(self._value)

    def __index__(self):
        return int(np.asarray(self._value).__index__())

    def __complex__(self):
        return complex(self._value)

    def __format__(self, spec):
        """The value's format, as TF's EagerTensor (`f"{loss}"` prints 2.5, not the tensor's repr)."""
        return format(self._value, spec)

    def __reduce__(self):
        return (_rebuild, (np.asarray(self._value), self.dtype.name))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return (f"<tf.Tensor: shape={_shape_text(self._value)}, dtype={self.dtype.name}, "
                f"numpy={np.asarray(self._value)!r}>")

    def __str__(self):
        return f"tf.Tensor({_value_text(self._value)}, shape={_shape_text(self._value)}, dtype={self.dtype.name})"

    # --- graph protocols ------------------------------------------------------------------------------------
    def _as_graph_element(self):
        raise RuntimeError("An eager tensor cannot be run in a Session or fed: its value is already computed. "
                           "Use `tensor.numpy()` (or pass it where a NumPy array goes).")

    def _capture(self, graph):
        """This tensor as a constant of `graph` (a graph being built uses a value computed eagerly), one per
        graph."""
        from ..ops.core import Const

        captures = graph.__dict__.setdefault("_eager_captures", {})
        hit = captures.get(id(self))
        if hit is None:
            value = np.array(self._value, copy=True)
            value.flags.writeable = False
            with graph.control_dependencies(None), graph.name_scope(None):
                const = graph.create_op(Const, [], {"value": value, "dtype": self.dtype}, "captured").outputs[0]
            hit = captures[id(self)] = (self, const)  # keeps the tensor, so its id stays unique
        return hit[1]


def _rebuild(value, dtype):
    from ..ops.core import constant

    return constant(value, dtype=dtype)


def _shape_text(value):
    return str(tuple(np.shape(value)))


def _value_text(value):
    a = np.asarray(value)
    if a.dtype == object:  # tf.string: bytes
        return repr(a.tolist()) if a.ndim else repr(a.item())
    return np.array2string(a, separator=" ") if a.ndim else str(a)
