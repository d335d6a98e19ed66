"""`tf.contrib`: the parts of TF1's contrib that classic programs import — `tf.contrib.layers` (slim's layers,
initializers, regularizers, `optimize_loss`), `tf.contrib.framework` (`arg_scope`, variable helpers),
`tf.contrib.eager` (`tfe`: `implicit_gradients`, `Iterator`, ...), `tf.contrib.rnn` (the cells and `static_rnn`),
`tf.contrib.seq2seq.sequence_loss`, `tf.contrib.summary` (summaries that write themselves, as eager programs use
them), `tf.contrib.tensorboard.plugins.projector` (the embedding projector's config), `tf.contrib.losses` and
`tf.contrib.metrics` (the first losses and streaming metrics, predictions first) and `tf.contrib.slim` (TF-Slim:
all of these in one namespace, with `slim.learning`, `slim.evaluation` and `slim.nets`) and
`tf.contrib.factorization` (k-means and Gaussian mixtures). The rest of TF1's contrib is not here."""
from . import eager, factorization, framework, layers, losses, metrics, rnn, seq2seq, slim, summary, tensorboard  # noqa: F401

__all__ = ["eager", "factorization", "framework", "layers", "losses", "metrics", "rnn", "seq2seq", "slim", "summary",
           "tensorboard"]
