"""`tf.contrib.distributions`: TF 1.x's contrib names for the distributions of `tf.distributions`
(graphgrad/distributions), and contrib's MultivariateNormalDiag, MultivariateNormalTriL, OneHotCategorical and
RelaxedOneHotCategorical (graphgrad/distributions/multivariate.py)."""
from ..distributions import *  # noqa: F401,F403
from ..distributions import __all__ as _core
from ..distributions.multivariate import (  # noqa: F401
    MultivariateNormalDiag,
    MultivariateNormalTriL,
    OneHotCategorical,
    RelaxedOneHotCategorical,
)

__all__ = [*_core, "MultivariateNormalDiag", "MultivariateNormalTriL", "OneHotCategorical",
           "RelaxedOneHotCategorical"]
