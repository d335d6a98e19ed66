"""Counting: `tf.bincount` (how often each value occurs, or the sum of its weights), `tf.confusion_matrix`
(label × prediction counts) and `tf.meshgrid`, built from graph ops as TensorFlow builds them: a maximum for the
size, checks as assert ops that fail at run time with TF's messages, and a segment sum or `scatter_nd` (which add
repeated entries); meshgrid's grids are products with a tensor of ones, so gradients reach every input. Values
at or past `maxlength` are left out of a bincount (TF 2's rule; TF 1.15's weighted form raised)."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from .arithmetic_ops import add, maximum, minimum, multiply
from .array_ops import concat, ones, reshape, size, stack
from .cast_ops import cast
from .check_ops import assert_less, assert_non_negative
from .comparison_ops import less
from .core import convert_to_tensor, ones_like, with_dependencies
from .nd_ops import scatter_nd
from .reduction_ops import reduce_max
from .segment_ops import unsorted_segment_sum
from .select_ops import where

__all__ = ["bincount", "confusion_matrix", "meshgrid"]


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None):
    """TF's `tf.bincount` / `tf.math.bincount`: out[v] = how many entries of `arr` equal v (or the sum of their
    `weights`), for v below max(max(arr) + 1, minlength), at most `maxlength`; negative values are an
    InvalidArgumentError ("Input arr must be non-negative!") when the graph runs."""
    with name_scope(name, "bincount", [arr, weights]):
        arr = convert_to_tensor(arr, name="arr", dtype=dtypes.int32)
        arr = with_dependencies([assert_non_negative(arr, message="Input arr must be non-negative!")], arr)
        flat = reshape(arr, [-1])
        size = add(reduce_max(concat([flat, [-1]], 0)), 1)  # 0 for an empty arr (TF: nonempty * (max + 1))
        if minlength is not None:
            size = maximum(convert_to_tensor(minlength, name="minlength", dtype=dtypes.int32), size)
        if maxlength is not None:
            size = minimum(convert_to_tensor(maxlength, name="maxlength", dtype=dtypes.int32), size)
        ids = where(less(flat, size), flat, -1 * ones_like(flat))  # past maxlength: dropped (negative ids are)
        if weights is None:
            values = ones_like(flat, dtype=dtype)
        else:
            values = reshape(convert_to_tensor(weights, name="weights"), [-1])
        return unsorted_segment_sum(values, ids, size)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32, name=None):
    """TF's `tf.confusion_matrix` / `tf.math.confusion_matrix`: a [num_classes, num_classes] matrix whose
    [i, j] counts (or sums the `weights` of) the examples with label i predicted as j; num_classes defaults to
    max(labels, predictions) + 1. Negative or out-of-bound labels and predictions fail when the graph runs, with
    TF's messages."""
    with name_scope(name, "confusion_matrix", [predictions, labels, num_classes, weights]):
        labels = cast(convert_to_tensor(labels, name="labels"), dtypes.int64)
        predictions = cast(convert_to_tensor(predictions, name="predictions"), dtypes.int64)
        labels = with_dependencies([assert_non_negative(labels, message="`labels` contains negative values")],
                                   labels)
        predictions = with_dependencies(
            [assert_non_negative(predictions, message="`predictions` contains negative values")], predictions)
        if num_classes is None:
            num_classes = add(maximum(reduce_max(predictions), reduce_max(labels)), 1)
        else:
            bound = cast(convert_to_tensor(num_classes), dtypes.int64)
            labels = with_dependencies([assert_less(labels, bound, message="`labels` out of bound")], labels)
            predictions = with_dependencies(
                [assert_less(predictions, bound, message="`predictions` out of bound")], predictions)
            num_classes = bound
        if weights is None:
            values = ones_like(predictions, dtype=dtype)
        else:
            weights = convert_to_tensor(weights, name="weights")
            predictions.shape.assert_is_compatible_with(weights.shape)
            values = cast(weights, dtype)
        n = cast(num_classes, dtypes.int64)
        return scatter_nd(stack([labels, predictions], axis=1), values, stack([n, n]))


def meshgrid(*args, **kwargs):
    """TF's `tf.meshgrid(*args, indexing="xy", name=None)`: N-D coordinate grids from 1-D tensors; "xy" (Cartesian)
    swaps the first two axes of the outputs, "ij" (matrix) does not."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        key = list(kwargs)[0]
        raise TypeError(f"'{key}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got '{indexing}'")
    with name_scope(name, "meshgrid", args):
        ndim = len(args)
        s0 = (1,) * ndim
        output = [reshape(convert_to_tensor(x), s0[:i] + (-1,) + s0[i + 1:]) for i, x in enumerate(args)]
        shapes = [size(x) for x in args]
        dtype = convert_to_tensor(args[0]).dtype.base_dtype
        if indexing == "xy" and ndim > 1:
            output[0] = reshape(output[0], (1, -1) + (1,) * (ndim - 2))
            output[1] = reshape(output[1], (-1, 1) + (1,) * (ndim - 2))
            shapes[0], shapes[1] = shapes[1], shapes[0]
        grid = ones(stack(shapes), dtype)
        return [multiply(x, grid) for x in output]
