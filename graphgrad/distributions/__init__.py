"""`tf.distributions` (TF 1.15's): probability distributions whose densities, statistics, samples and KL
divergences are graph ops (docs/distributions.md)."""
from .dirichlet import Dirichlet, Multinomial
from .dirichlet_multinomial import DirichletMultinomial
from .discrete import Bernoulli, Categorical
from .distribution import FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED, Distribution, ReparameterizationType
from .gamma import Beta, Exponential, Gamma, StudentT
from .kullback_leibler import RegisterKL, kl_divergence
from .normal import Laplace, Normal
from .uniform import Uniform

__all__ = ["Distribution", "ReparameterizationType", "FULLY_REPARAMETERIZED", "NOT_REPARAMETERIZED", "RegisterKL",
           "kl_divergence", "Normal", "Laplace", "Bernoulli", "Categorical", "Uniform", "Gamma", "Exponential",
           "Beta", "StudentT", "Dirichlet", "Multinomial", "DirichletMultinomial"]
