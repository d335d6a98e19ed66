"""Keras' merge layers, called on a list of tensors: Concatenate, Add, Subtract, Multiply, Average, Maximum,
Minimum, Dot, and their functional forms (`keras.layers.add([a, b])`)."""
from __future__ import annotations

import functools

from ...framework import dtypes
from ...framework.op_def import static_shape
from ...ops import array_ops, math_ops
from ...ops.arithmetic_ops import add_n
from ...ops.core import ones_like
from ...ops.matmul_ops import matmul
from ...ops.normalization_ops import l2_normalize
from ._base import Layer


class _Merge(Layer):
    """An elementwise merge of two or more tensors of one shape."""

    supports_masking = True

    def _merge(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"A merge layer should be called on a list of at least 2 inputs. Got {len(inputs)} "
                             "inputs." if isinstance(inputs, (list, tuple)) else
                             "A merge layer should be called on a list of inputs.")
        return self._merge(list(inputs))

    def compute_mask(self, inputs, mask=None):
        """True where every input's mask is (inputs without a mask count as all true)."""
        if mask is None or all(m is None for m in mask):
            return None
        return math_ops.reduce_all(array_ops.stack([m for m in mask if m is not None]), axis=0)


class Add(_Merge):
    def _merge(self, inputs):
        return add_n(inputs)


class Subtract(_Merge):
    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        return math_ops.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    def _merge(self, inputs):
        return functools.reduce(math_ops.multiply, inputs)


class Average(_Merge):
    def _merge(self, inputs):
        return add_n(inputs) / float(len(inputs))


class Maximum(_Merge):
    def _merge(self, inputs):
        return functools.reduce(math_ops.maximum, inputs)


class Minimum(_Merge):
    def _merge(self, inputs):
        return functools.reduce(math_ops.minimum, inputs)


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _merge(self, inputs):
        return array_ops.concat(inputs, self.axis)

    def compute_mask(self, inputs, mask=None):
        """The inputs' masks (all true for an input without one), each widened to its input's rank, concatenated
        along `axis` and reduced over the last axis, as Keras 2 does."""
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(math_ops.cast(ones_like(x), dtypes.bool_))
            else:
                masks.append(array_ops.expand_dims(m, -1) if m.shape.ndims < x.shape.ndims else m)
        return math_ops.reduce_all(array_ops.concat(masks, self.axis), axis=-1)


def _batch_dot(x, y, axes):
    """Keras' batch_dot: per example, the sum over x's axis axes[0] and y's axis axes[1] of their product."""
    xs, ys = static_shape(x), static_shape(y)
    ax, ay = axes
    x_rest = [d for i, d in enumerate(xs) if i not in (0, ax)]
    y_rest = [d for i, d in enumerate(ys) if i not in (0, ay)]
    x = array_ops.transpose(x, [0] + [i for i in range(1, len(xs)) if i != ax] + [ax])
    y = array_ops.transpose(y, [0, ay] + [i for i in range(1, len(ys)) if i != ay])
    depth = xs[ax] if xs[ax] is not None else ys[ay]
    out = matmul(array_ops.reshape(x, [-1, _prod(x_rest), depth]), array_ops.reshape(y, [-1, depth, _prod(y_rest)]))
    shape = [-1, *x_rest, *y_rest]
    return array_ops.reshape(out, shape if len(shape) > 1 else [-1, 1])


def _prod(dims):
    n = 1
    for d in dims:
        n *= d
    return n


class Dot(_Merge):
    """The dot product of two tensors along `axes` (an int or a pair), per example; `normalize` makes it the cosine
    similarity (each input L2-normalized along its axis first)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        x, y = inputs
        ranks = [len(static_shape(t)) for t in (x, y)]
        axes = [self.axes] * 2 if isinstance(self.axes, int) else list(self.axes)
        axes = [a % r if a < 0 else a for a, r in zip(axes, ranks)]
        if self.normalize:
            x, y = l2_normalize(x, axis=axes[0]), l2_normalize(y, axis=axes[1])
        return _batch_dot(x, y, axes)

    def compute_mask(self, inputs, mask=None):
        return None


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = f"`{cls.__name__}(**kwargs)(inputs)`: the functional form of the {cls.__name__} layer."
    return merge


add, subtract, multiply = _functional(Add), _functional(Subtract), _functional(Multiply)
average, maximum, minimum = _functional(Average), _functional(Maximum), _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "add", "subtract",
           "multiply", "average", "maximum", "minimum", "concatenate", "dot"]
