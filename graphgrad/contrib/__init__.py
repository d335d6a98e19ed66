"""`tf.contrib`: the parts of TF1's contrib that classic programs import — `tf.contrib.layers` (slim's layers,
initializers, regularizers, `optimize_loss`), `tf.contrib.framework` (`arg_scope`, variable helpers),
`tf.contrib.eager` (`tfe`: `implicit_gradients`, `Iterator`, ...), `tf.contrib.rnn` (the cells and `static_rnn`),
`tf.contrib.seq2seq` (decoders, attention, `sequence_loss`), `tf.contrib.crf` (linear-chain CRF),
`tf.contrib.legacy_seq2seq` (`rnn_decoder`, the basic and tied seq2seq models, `sequence_loss(_by_example)`),
`tf.contrib.lookup` (TF1's tables), `tf.contrib.summary` (summaries that write themselves, as eager programs use
them), `tf.contrib.tensorboard.plugins.projector` (the embedding projector's config), `tf.contrib.losses` and
`tf.contrib.metrics` (the first losses and streaming metrics, predictions first), `tf.contrib.slim` (TF-Slim:
all of these in one namespace, with `slim.learning`, `slim.evaluation` and `slim.nets`),
`tf.contrib.tensor_forest` (random forests grown online, and their estimators), `tf.contrib.distributions`
(`tf.distributions`' classes under contrib's name), `tf.contrib.factorization` (k-means and Gaussian mixtures),
`tf.contrib.learn` (`RunConfig`, `Estimator.fit`), `tf.contrib.boosted_trees` (GBDT estimators) and
`tf.contrib.opt` (`LazyAdamOptimizer`), `tf.contrib.training.HParams` and `tf.contrib.feature_column`
(sequence columns, `sequence_input_layer`), `tf.contrib.data` (`tf.data.experimental` under its older
names), `tf.contrib.image` (projective transforms, connected components, flow warps) and
`tf.contrib.cudnn_rnn` (the fused RNN layers and their compatible cells), `tf.contrib.signal` and
`tf.contrib.util` (tf.signal's functions and the tensor-proto helpers under their old names). The rest of
TF1's contrib is not here."""
from . import (  # noqa: F401
    boosted_trees,
    crf,
    cudnn_rnn,
    data,
    distributions,
    eager,
    factorization,
    feature_column,
    framework,
    image,
    layers,
    learn,
    legacy_seq2seq,
    lookup,
    losses,
    metrics,
    opt,
    rnn,
    seq2seq,
    signal,
    slim,
    summary,
    tensor_forest,
    tensorboard,
    training,
    util,
)

__all__ = ["boosted_trees", "crf", "cudnn_rnn", "data", "distributions", "eager", "factorization", "feature_column",
           "framework", "image", "layers", "learn", "legacy_seq2seq", "lookup", "losses", "metrics", "opt", "rnn",
           "seq2seq", "signal", "slim", "summary", "tensor_forest", "tensorboard", "training", "util"]
