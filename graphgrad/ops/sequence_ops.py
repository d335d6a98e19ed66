"""Ops on batches of variable-length sequences: `tf.reverse_sequence` (op `ReverseSequence`) and
`tf.sequence_mask` (built from `range` and `less`), as TensorFlow 1.x defines them."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, static_shape
from .array_ops import expand_dims
from .array_ops import range as _range
from .cast_ops import cast
from .comparison_ops import less
from .core import apply_op, convert_to_tensor
from .reduction_ops import reduce_max


class ReverseSequence(OpDef):
    """Reverse the first `seq_lengths[b]` elements along `seq_dim` of each slice `b` along `batch_dim`; the
    rest stays in place. Its own gradient (with the same lengths)."""
    type = "ReverseSequence"

    def infer(op):
        x, lengths = op.inputs
        s = static_shape(x)
        if s is not None:
            rank = len(s)
            for what in ("seq_dim", "batch_dim"):
                if not -rank <= op.attrs[what] < rank:
                    raise ValueError(f"{what} {op.attrs[what]} out of range for a tensor of rank {rank}")
            ls = static_shape(lengths)
            b = s[op.attrs["batch_dim"]]
            if ls is not None and (len(ls) != 1 or (b is not None and ls[0] is not None and ls[0] != b)):
                raise ValueError(f"Shape of seq_lengths {list(ls)} must be [{b}], the input's batch dimension")
        return [(s, x.dtype.base_dtype)]

    def kernel(op, ctx):
        xp = ctx.xp
        seq_dim, batch_dim = op.attrs["seq_dim"], op.attrs["batch_dim"]

        def run(x, lengths):
            xt = xp.moveaxis(x, (seq_dim, batch_dim), (0, 1))
            t_len, b_len = xt.shape[0], xt.shape[1]
            n = xp.asarray(lengths).astype("int64").reshape(1, -1)
            if n.shape[1] != b_len:
                raise InvalidArgumentError(None, None, f"len(seq_lens) != input.dims({batch_dim}), ({n.shape[1]} vs."
                                                       f" {b_len})")
            if n.size and (int(n.max()) > t_len or int(n.min()) < 0):  # (CuPy's max has no `initial`)
                raise InvalidArgumentError(None, None, f"seq_lens(i) must be in [0, {t_len}]")
            t = xp.arange(t_len).reshape(-1, 1)
            src = xp.where(t < n, n - 1 - t, t)
            out = xt[src, xp.arange(b_len).reshape(1, -1)]
            return xp.moveaxis(out, (0, 1), (seq_dim, batch_dim))
        return run

    def gradient(op, dy):
        return [reverse_sequence(dy, op.inputs[1], op.attrs["seq_dim"], op.attrs["batch_dim"]), None]


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None, seq_dim=None,  # noqa: A002
                     batch_dim=None):
    """TF1 `tf.reverse_sequence`: per batch element b, reverse its first `seq_lengths[b]` steps."""
    seq_axis = seq_dim if seq_axis is None else seq_axis
    batch_axis = (batch_dim if batch_dim is not None else 0) if batch_axis is None else batch_axis
    if seq_axis is None:
        raise ValueError("reverse_sequence needs seq_axis")
    x = convert_to_tensor(input, name="input")
    lengths = convert_to_tensor(seq_lengths, name="seq_lengths")
    if not lengths.dtype.is_integer:
        raise TypeError(f"seq_lengths must be int32 or int64, not {lengths.dtype.name}")
    return apply_op(ReverseSequence, [x, lengths], {"seq_dim": int(seq_axis), "batch_dim": int(batch_axis)},
                    name or "ReverseSequence")


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool_, name=None):
    """`mask[..., j] = j < lengths[...]`, with `maxlen` defaulting to max(lengths)."""
    with name_scope(name, "SequenceMask", [lengths, maxlen]):
        lengths = convert_to_tensor(lengths, name="lengths")
        if maxlen is None:
            maxlen = reduce_max(lengths)
        maxlen = cast(convert_to_tensor(maxlen, name="maxlen"), lengths.dtype)
        row = _range(0, maxlen, 1, dtype=lengths.dtype)
        mask = less(row, expand_dims(lengths, -1))
        return mask if dtypes.as_dtype(dtype) == dtypes.bool_ else cast(mask, dtype)
