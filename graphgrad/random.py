"""`tf.random`: TF 1.x's newer names for the random ops (`tf.random.uniform` is `tf.random_uniform`), and the
candidate samplers of `tf.nn.nce_loss` / `tf.nn.sampled_softmax_loss`."""
from .ops.candidate_sampling_ops import (
    compute_accidental_hits,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from .ops.random_ops import get_seed, multinomial, set_random_seed, truncated_normal
from .ops.random_ops import random_gamma as gamma
from .ops.random_ops import random_normal as normal
from .ops.random_ops import random_shuffle as shuffle
from .ops.random_ops import random_uniform as uniform


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """`num_samples` class indices per row of `logits` (TF's `tf.random.categorical`; int64 by default)."""
    return multinomial(logits, num_samples, seed=seed, name=name, output_dtype=dtype)


__all__ = ["uniform", "normal", "gamma", "truncated_normal", "shuffle", "set_random_seed", "get_seed", "categorical",
           "multinomial", "uniform_candidate_sampler", "log_uniform_candidate_sampler", "compute_accidental_hits"]
