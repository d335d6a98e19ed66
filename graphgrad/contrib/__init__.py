"""`tf.contrib`: only the aliases that TensorFlow 1.x recurrent-network programs import — `tf.contrib.rnn` (the
cells and `static_rnn`, ...) and `tf.contrib.seq2seq.sequence_loss` — and `tf.contrib.summary` (summaries that
write themselves, as eager programs use them). The rest of TF1's contrib is not here."""
from . import rnn, seq2seq, summary  # noqa: F401

__all__ = ["rnn", "seq2seq", "summary"]
