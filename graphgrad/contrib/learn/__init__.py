"""`tf.contrib.learn`, the part GBDT programs use: `RunConfig` (contrib's arguments over `tf.estimator.RunConfig`)
and `Estimator` with contrib's `fit` / `evaluate` / `predict` over an input_fn (the numpy `x`/`y` arguments and
monitors of contrib are not here), and `preprocessing.VocabularyProcessor` for text."""
from . import preprocessing
from .estimator import Estimator, RunConfig

__all__ = ["Estimator", "RunConfig", "preprocessing"]
