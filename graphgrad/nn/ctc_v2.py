"""tf.nn's v2 CTC signatures over graphgrad's CTC ops (ops/ctc_ops.py, ops/ctc_decoders.py), as TF 2 wraps them.

`ctc_loss_v2` takes dense labels with their lengths (TF 2's `tf.nn.ctc_loss`; blank 0 by default) or a
SparseTensor (then `blank_index` is required). graphgrad turns dense labels into a SparseTensor and moves the
blank class to the end, which is where the `CTCLoss` op wants it (TF does the same for sparse labels); the loss is
the same -log p(labels | logits) that TF's dense implementation computes, and so is its gradient. `unique` is
TF's speed-up for repeated labels and changes no value: it is accepted and not needed.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops.array_ops import concat, shape
from ..ops.cast_ops import cast
from ..ops.comparison_ops import less
from ..ops.core import convert_to_tensor
from ..ops.ctc_decoders import ctc_beam_search_decoder
from ..ops.ctc_ops import ctc_loss
from ..ops.nd_ops import gather_nd
from ..ops.select_ops import where
from ..ops.sequence_ops import sequence_mask
from ..ops.sparse_ops import SparseTensor


def dense_labels_to_sparse(labels, label_length):
    """The first `label_length[i]` labels of each row of the dense [batch, max length] `labels`, as a
    SparseTensor with int64 indices (also Keras' `ctc_label_dense_to_sparse`)."""
    labels = convert_to_tensor(labels, name="labels")
    label_shape = shape(labels)
    indices = where(sequence_mask(label_length, label_shape[1]))
    return SparseTensor(indices, gather_nd(labels, indices), cast(label_shape, dtypes.int64))


def _num_classes(logits):
    n = logits.shape[2].value if logits.shape.ndims is not None else None
    return n if n is not None else shape(logits)[2]


def ctc_loss_v2(labels, logits, label_length, logit_length, logits_time_major=True, unique=None, blank_index=None,
                name=None):
    """CTC loss per batch element, [batch], of `logits` ([time, batch, classes], or [batch, time, classes] with
    `logits_time_major=False`) against `labels` (dense [batch, max length] with `label_length`, or sparse)."""
    del unique  # TF's speed-up for repeated labels; the loss is the same without it
    sparse = isinstance(labels, SparseTensor)
    if sparse and blank_index is None:
        raise ValueError("Argument `blank_index` must be provided when labels is a SparseTensor.")
    with name_scope(name, "ctc_loss_dense" if not sparse else "ctc_loss", [labels, logits]):
        logits = convert_to_tensor(logits, name="logits")
        if not sparse:
            labels = dense_labels_to_sparse(labels, label_length)
            blank_index = 0 if blank_index is None else blank_index
        num_classes = _num_classes(logits)
        if blank_index < 0:
            blank_index += num_classes
        values = cast(labels.values, dtypes.int32)
        if not isinstance(num_classes, int) or blank_index != num_classes - 1:
            logits = concat([logits[:, :, :blank_index], logits[:, :, blank_index + 1:],
                             logits[:, :, blank_index:blank_index + 1]], axis=2)
            values = where(less(values, blank_index), values, values - 1)
        labels = SparseTensor(labels.indices, values, labels.dense_shape)
        return ctc_loss(labels, logits, logit_length, time_major=logits_time_major)


def ctc_beam_search_decoder_v2(inputs, sequence_length, beam_width=100, top_paths=1):
    """`ctc_beam_search_decoder` without merging repeated classes of different beams (TF 2's default)."""
    return ctc_beam_search_decoder(inputs, sequence_length, beam_width=beam_width, top_paths=top_paths,
                                   merge_repeated=False)


__all__ = ["ctc_loss_v2", "ctc_beam_search_decoder_v2"]
