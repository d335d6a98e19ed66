"""`tf.nn.nce_loss` and `tf.nn.sampled_softmax_loss`: a softmax over a large vocabulary (word2vec's) estimated
from the true classes and `num_sampled` negative ones, and `tf.nn.embedding_lookup` over partitioned tables.

Both losses are TensorFlow's `_compute_sampled_logits` built from graph ops (so gradients reach the weights,
biases and inputs, only through the rows looked up): the true and sampled rows of `weights` are gathered, the
logits of the true classes are row-wise dot products, those of the sampled ones one matrix product, both less
the log of the class's expected count among the draws (`subtract_log_q`); accidental hits (a sampled class that
is a row's true class) get -FLT_MAX added when asked. NCE then takes a sigmoid cross-entropy per logit (true
classes labelled 1 / num_true), summed per row; the sampled softmax a softmax cross-entropy over each row.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops import math_ops
from ..ops.array_ops import concat, expand_dims, gather, reshape, shape
from ..ops.candidate_sampling_ops import compute_accidental_hits, log_uniform_candidate_sampler
from ..ops.cast_ops import cast
from ..ops.clip_ops import clip_by_norm
from ..ops.core import convert_to_tensor, ones_like, stop_gradient, zeros_like
from ..ops.cross_entropy_ops import sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2
from ..ops.matmul_ops import matmul
from ..ops.nd_ops import scatter_nd
from ..ops.reduction_ops import reduce_sum
from ..partitioned_variables import PartitionedVariable


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None):
    """Rows of `params` at `ids`. `params` may be a list of partitions of one table (first dimensions known
    while building), split as TF1 does: "mod" puts id i in partition i % n at row i // n, "div" gives each
    partition a contiguous range of ids (the first ones one more when the sizes are uneven). With `max_norm`,
    each looked-up embedding whose L2 norm exceeds it is scaled down to it."""
    del validate_indices  # TF1 ignores it too
    parts = list(params) if isinstance(params, (list, tuple, PartitionedVariable)) else [params]
    if not parts:
        raise ValueError("Need at least one param")
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}")
    with name_scope(name, "embedding_lookup", parts + [ids]) as scope:
        parts = [convert_to_tensor(p) for p in parts]
        ids = convert_to_tensor(ids, name="ids")
        table, rows = parts[0], ids
        if len(parts) > 1:
            sizes = [p.shape[0] if p.shape.ndims else None for p in parts]
            if any(s is None for s in sizes):
                raise ValueError("embedding_lookup over partitions needs each partition's first dimension known")
            table = concat(parts, 0)  # "div": the partitions hold consecutive ids, so this is the table
            if partition_strategy == "mod":  # id -> offset of partition id % n, plus id // n
                n = len(parts)
                offsets = convert_to_tensor([sum(sizes[:k]) for k in range(n)], ids.dtype.base_dtype)
                rows = math_ops.add(gather(offsets, math_ops.floormod(ids, n)), math_ops.floordiv(ids, n))
        out = gather(table, rows, name=scope if max_norm is None else None)
        if max_norm is None:
            return out
        ids_rank, rank = ids.shape.ndims, out.shape.ndims
        if ids_rank is None or rank is None:
            raise ValueError("embedding_lookup with max_norm needs the ranks of ids and params known")
        return clip_by_norm(out, max_norm, axes=list(range(ids_rank, rank)), name=scope)


def _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
                            subtract_log_q, remove_accidental_hits, partition_strategy, name, seed=None):
    """(logits [batch, num_true + num_sampled], labels of the same shape: 1 / num_true for the true classes)."""
    weights = list(weights) if isinstance(weights, (list, tuple)) else [weights]
    with name_scope(name, "compute_sampled_logits", weights + [biases, inputs, labels]):
        labels = convert_to_tensor(labels, name="labels")
        if labels.dtype.base_dtype != dtypes.int64:
            labels = cast(labels, dtypes.int64)
        inputs = convert_to_tensor(inputs, name="inputs")
        labels_flat = reshape(labels, [-1])
        if sampled_values is None:
            sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True, num_classes,
                                                           seed=seed)
        sampled, true_expected, sampled_expected = (stop_gradient(s) for s in sampled_values)
        sampled = cast(sampled, dtypes.int64)
        n_true = shape(labels_flat)[0]
        all_ids = concat([labels_flat, sampled], 0)
        all_w = embedding_lookup(weights, all_ids, partition_strategy=partition_strategy)
        if all_w.dtype.base_dtype != inputs.dtype.base_dtype:
            all_w = cast(all_w, inputs.dtype.base_dtype)
        true_w, sampled_w = all_w[:n_true], all_w[n_true:]
        sampled_logits = matmul(inputs, sampled_w, transpose_b=True)  # [batch, num_sampled]
        all_b = embedding_lookup(biases, all_ids, partition_strategy=partition_strategy)
        if all_b.dtype.base_dtype != inputs.dtype.base_dtype:
            all_b = cast(all_b, inputs.dtype.base_dtype)
        true_b, sampled_b = all_b[:n_true], all_b[n_true:]
        dim = shape(true_w)[1:2]
        row_dots = math_ops.multiply(expand_dims(inputs, 1), reshape(true_w, concat([[-1, num_true], dim], 0)))
        true_logits = reduce_sum(row_dots, axis=2) + reshape(true_b, [-1, num_true])  # [batch, num_true]
        sampled_logits = sampled_logits + sampled_b
        if remove_accidental_hits:
            indices, ids, hit_weights = compute_accidental_hits(labels, sampled, num_true=num_true)
            where = concat([reshape(cast(indices, dtypes.int64), [-1, 1]), reshape(ids, [-1, 1])], 1)
            dense_shape = concat([cast(shape(labels)[:1], dtypes.int64), [num_sampled]], 0)
            sampled_logits = sampled_logits + scatter_nd(where, cast(hit_weights, sampled_logits.dtype),
                                                         dense_shape)
        if subtract_log_q:
            true_logits = true_logits - math_ops.log(true_expected)
            sampled_logits = sampled_logits - math_ops.log(sampled_expected)
        out_logits = concat([true_logits, sampled_logits], 1)
        out_labels = concat([ones_like(true_logits) / num_true, zeros_like(sampled_logits)], 1)
        return out_logits, out_labels


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
             remove_accidental_hits=False, partition_strategy="mod", name="nce_loss"):
    """Noise-contrastive estimation loss per example [batch]: `weights` [num_classes, dim] (or its partitions),
    `biases` [num_classes], `labels` [batch, num_true] class ids, `inputs` [batch, dim]; negatives drawn by
    `log_uniform_candidate_sampler` unless `sampled_values` are given. Training only: evaluate with the full
    sigmoid cross-entropy (as TF's documentation says)."""
    logits, targets = _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                              sampled_values, True, remove_accidental_hits, partition_strategy, name)
    losses = sigmoid_cross_entropy_with_logits(labels=targets, logits=logits, name="sampled_losses")
    return reduce_sum(losses, axis=1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
                         remove_accidental_hits=True, partition_strategy="mod", name="sampled_softmax_loss",
                         seed=None):
    """Sampled softmax cross-entropy per example [batch] (Jean et al.), the arguments as `nce_loss`'s; accidental
    hits removed by default. Training only: evaluate with the full softmax."""
    logits, targets = _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                              sampled_values, True, remove_accidental_hits, partition_strategy, name,
                                              seed=seed)
    targets = stop_gradient(targets, name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels=targets, logits=logits)


__all__ = ["embedding_lookup", "nce_loss", "sampled_softmax_loss"]
