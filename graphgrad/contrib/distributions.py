"""`tf.contrib.distributions`: TF 1.x's contrib names for the distributions of `tf.distributions`
(graphgrad/distributions). Contrib's extra ones (MultivariateNormalDiag, OneHotCategorical, ...) are not here."""
from ..distributions import *  # noqa: F401,F403
from ..distributions import __all__  # noqa: F401
