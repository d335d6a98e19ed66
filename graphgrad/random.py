"""`tf.random`: TF 1.x's newer names for the random ops (`tf.random.uniform` is `tf.random_uniform`), the
stateless ops and `Generator` (TF's numbers for a seed: stateless_random.py, random_generator.py), and the
candidate samplers of `tf.nn.nce_loss` / `tf.nn.sampled_softmax_loss`."""
from .ops.candidate_sampling_ops import (
    all_candidate_sampler,
    compute_accidental_hits,
    fixed_unigram_candidate_sampler,
    learned_unigram_candidate_sampler,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from .ops.random_ops import get_seed, multinomial, random_poisson, set_random_seed, truncated_normal
from .ops.random_ops import random_gamma as gamma
from .ops.random_ops import random_normal as normal
from .ops.random_ops import random_shuffle as shuffle
from .ops.random_ops import random_uniform as uniform
from .random_generator import Generator, create_rng_state, get_global_generator, set_global_generator
from .stateless_random import (
    Algorithm,
    fold_in,
    split,
    stateless_categorical,
    stateless_multinomial,
    stateless_parameterized_truncated_normal,
    stateless_truncated_normal,
)
from .stateless_random import stateless_random_binomial as stateless_binomial
from .stateless_random import stateless_random_gamma as stateless_gamma
from .stateless_random import stateless_random_normal as stateless_normal
from .stateless_random import stateless_random_poisson as stateless_poisson
from .stateless_random import stateless_random_uniform as stateless_uniform

poisson = random_poisson


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """`num_samples` class indices per row of `logits` (TF's `tf.random.categorical`; int64 by default)."""
    return multinomial(logits, num_samples, seed=seed, name=name, output_dtype=dtype)


__all__ = ["uniform", "normal", "gamma", "truncated_normal", "shuffle", "set_random_seed", "get_seed", "categorical",
           "multinomial", "uniform_candidate_sampler", "log_uniform_candidate_sampler", "compute_accidental_hits",
           "all_candidate_sampler", "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler",
           "poisson", "stateless_uniform", "stateless_normal", "stateless_truncated_normal", "stateless_categorical",
           "stateless_multinomial", "stateless_binomial", "stateless_gamma", "stateless_poisson",
           "stateless_parameterized_truncated_normal", "Generator", "create_rng_state", "get_global_generator",
           "set_global_generator", "Algorithm", "fold_in", "split"]
