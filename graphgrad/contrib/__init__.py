"""`tf.contrib`: the parts of TF1's contrib that classic programs import — `tf.contrib.layers` (slim's layers,
initializers, regularizers, `optimize_loss`), `tf.contrib.framework` (`arg_scope`, variable helpers),
`tf.contrib.eager` (`tfe`: `implicit_gradients`, `Iterator`, ...), `tf.contrib.rnn` (the cells and `static_rnn`),
`tf.contrib.seq2seq.sequence_loss`, `tf.contrib.summary` (summaries that write themselves, as eager programs use
them), `tf.contrib.tensorboard.plugins.projector` (the embedding projector's config), `tf.contrib.losses` and
`tf.contrib.metrics` (the first losses and streaming metrics, predictions first), `tf.contrib.slim` (TF-Slim:
all of these in one namespace, with `slim.learning`, `slim.evaluation` and `slim.nets`), `tf.contrib.learn`
(`RunConfig`, `Estimator.fit`) and `tf.contrib.boosted_trees` (GBDT estimators). The rest of TF1's contrib is not
here."""
from . import (  # noqa: F401
    boosted_trees,
    eager,
    framework,
    layers,
    learn,
    losses,
    metrics,
    rnn,
    seq2seq,
    slim,
    summary,
    tensorboard,
)

__all__ = ["boosted_trees", "eager", "framework", "layers", "learn", "losses", "metrics", "rnn", "seq2seq", "slim",
           "summary", "tensorboard"]
