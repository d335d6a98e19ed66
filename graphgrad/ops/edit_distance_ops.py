"""`tf.edit_distance`: the Levenshtein distance between the sequences of two SparseTensors, as TF's EditDistance op.

Both SparseTensors hold one sequence per index of their leading dimensions (the last index is the position), the
way a CTC decoder returns its labels; the result has the leading dimensions of the larger of the two shapes.
With `normalize`, each distance is divided by the truth's length: a sequence only in the hypothesis gives inf,
one only in the truth 1.0, a position in neither 0. It is how CTC programs print their label error rate.
Sequences are read on the host (any dtype, strings too).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, not_differentiable
from .core import apply_op, convert_to_tensor
from .sparse_ops import SparseTensor, SparseTensorValue

__all__ = ["edit_distance"]


def levenshtein(a, b):
    """Insertions, deletions and substitutions that turn sequence `a` into `b` (one DP row at a time)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def _groups(indices, values):
    """{leading index tuple: [values in order]}."""
    out = {}
    for idx, v in zip(map(tuple, indices[:, :-1].tolist()), values.tolist()):
        out.setdefault(idx, []).append(v)
    return out


class EditDistance(OpDef):
    """Inputs (hypothesis_indices, hypothesis_values, hypothesis_shape, truth_indices, truth_values, truth_shape);
    output float32 distances shaped like the leading dimensions of the larger shape."""

    type = "EditDistance"
    gradient = not_differentiable

    def infer(op):
        if op.inputs[1].dtype.base_dtype != op.inputs[4].dtype.base_dtype:
            raise TypeError(f"Input 'truth_values' of 'EditDistance' Op has type {op.inputs[4].dtype.base_dtype.name}"
                            f" that does not match type {op.inputs[1].dtype.base_dtype.name} of argument "
                            "'hypothesis_values'.")
        rank = op.inputs[2].shape.dims_tuple or op.inputs[5].shape.dims_tuple
        return [(None if not rank or rank[0] is None else (None,) * (rank[0] - 1), dtypes.float32)]

    def kernel(op, ctx):
        to_host, to_device, normalize = ctx.to_host, ctx.to_device, op.attrs["normalize"]

        def edit_distance(h_ind, h_val, h_shape, t_ind, t_val, t_shape):
            h_ind, h_val, h_shape, t_ind, t_val, t_shape = (np.asarray(to_host(a)) for a in
                                                            (h_ind, h_val, h_shape, t_ind, t_val, t_shape))
            if len(h_shape) != len(t_shape):
                raise InvalidArgumentError(op.node_def, op, f"hypothesis and truth must have the same rank, got "
                                                            f"{len(h_shape)} and {len(t_shape)}")
            shape = np.maximum(h_shape, t_shape)[:-1]
            out = np.zeros(tuple(int(d) for d in shape), np.float32)
            hyp, truth = _groups(h_ind, h_val), _groups(t_ind, t_val)
            with np.errstate(divide="ignore", invalid="ignore"):
                for key in hyp.keys() | truth.keys():
                    h, t = hyp.get(key, []), truth.get(key, [])
                    d = np.float32(levenshtein(h, t))
                    out[key] = d / np.float32(len(t)) if normalize else d
            return to_device(out)
        return edit_distance


def edit_distance(hypothesis, truth, normalize=True, name="edit_distance"):
    """`tf.edit_distance(hypothesis, truth, normalize=True)`: Levenshtein distances between the sequences of two
    SparseTensors of one rank (float32, shaped like their leading dimensions), divided by the truth's lengths
    when `normalize`."""
    for what, st in (("Hypothesis", hypothesis), ("Truth", truth)):
        if not isinstance(st, (SparseTensor, SparseTensorValue)):
            raise TypeError(f"{what} must be a SparseTensor.")
    parts = []
    for st in (hypothesis, truth):
        parts += [convert_to_tensor(st.indices, dtypes.int64), convert_to_tensor(st.values),
                  convert_to_tensor(st.dense_shape, dtypes.int64)]
    return apply_op(EditDistance, parts, {"normalize": bool(normalize)}, name)
