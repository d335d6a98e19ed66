"""`tf.contrib`: only the aliases that TensorFlow 1.x recurrent-network programs import — `tf.contrib.rnn` (the
cells and `static_rnn`, ...) and `tf.contrib.seq2seq.sequence_loss`. The rest of TF1's contrib is not here."""
from . import rnn, seq2seq  # noqa: F401

__all__ = ["rnn", "seq2seq"]
