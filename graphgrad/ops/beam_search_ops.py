"""`GatherTree` (`tf.contrib.seq2seq.gather_tree`): the token sequences of a beam search, followed back from the
last step through each beam's parents, as TF's kernel does it."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor

__all__ = ["gather_tree"]


class GatherTree(OpDef):
    """beams[t, b, w]: the token at step t of the sequence that ends in beam w at step max_sequence_lengths[b]-1,
    found by following `parent_ids` back from there; `end_token` past the first end token and past the length."""

    type = "GatherTree"
    gradient = not_differentiable

    def infer(op):
        step_ids, parent_ids, lengths, end_token = op.inputs
        s, p = static_shape(step_ids), static_shape(parent_ids)
        if s is not None and len(s) != 3:
            raise ValueError(f"step_ids must be a 3-tensor, saw shape: {list(s)}")
        if s is not None and p is not None and len(p) == 3 and any(
                a is not None and b is not None and a != b for a, b in zip(s, p)):
            raise ValueError(f"step_ids.shape {list(s)} and parent_ids.shape {list(p)} must match")
        ls = static_shape(lengths)
        if ls is not None and len(ls) != 1:
            raise ValueError(f"max_sequence_lengths must be a vector, saw shape: {list(ls)}")
        es = static_shape(end_token)
        if es is not None and es != ():
            raise ValueError(f"end_token must be a scalar, saw shape: {list(es)}")
        return [(s, step_ids.dtype.base_dtype)]

    def kernel(op, ctx):
        xp, to_host = ctx.xp, ctx.to_host

        def run(step_ids, parent_ids, lengths, end_token):
            steps, parents = np.asarray(to_host(step_ids)), np.asarray(to_host(parent_ids))
            lengths, end = np.asarray(to_host(lengths)), int(to_host(end_token))
            max_time, batch, width = steps.shape
            if parents.shape != steps.shape or lengths.shape != (batch,):
                raise InvalidArgumentError(None, None, f"step_ids.shape {list(steps.shape)}, parent_ids.shape "
                                                       f"{list(parents.shape)} and max_sequence_lengths.shape "
                                                       f"{list(lengths.shape)} do not match")
            beams = np.full(steps.shape, end, steps.dtype)
            for b in range(batch):
                n = min(max_time, int(lengths[b]))
                for w in range(width):
                    if n <= 0:
                        continue
                    beams[n - 1, b, w] = steps[n - 1, b, w]
                    parent = int(parents[n - 1, b, w])
                    for t in range(n - 2, -1, -1):
                        if parent < 0 or parent >= width:
                            beams[t, b, w] = -1
                            parent = -1
                            continue
                        beams[t, b, w] = steps[t, b, parent]
                        parent = int(parents[t, b, parent])
                    done = False
                    for t in range(n):
                        if done:
                            beams[t, b, w] = end
                        elif beams[t, b, w] == end:
                            done = True
            return xp.asarray(beams)
        return run


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token, name=None):
    """`beams` [max_time, batch_size, beam_width] (see GatherTree) from a beam search's `step_ids` and
    `parent_ids` (both [max_time, batch_size, beam_width], int32) and each batch entry's length."""
    step_ids = convert_to_tensor(step_ids, name="step_ids")
    parent_ids = convert_to_tensor(parent_ids, dtype=step_ids.dtype.base_dtype, name="parent_ids")
    lengths = convert_to_tensor(max_sequence_lengths, dtype=dtypes.int32, name="max_sequence_lengths")
    end_token = convert_to_tensor(end_token, dtype=step_ids.dtype.base_dtype, name="end_token")
    return apply_op(GatherTree, [step_ids, parent_ids, lengths, end_token], {}, name or "GatherTree")
