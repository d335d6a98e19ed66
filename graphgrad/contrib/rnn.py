"""`tf.contrib.rnn`: TF1's aliases of `tf.nn.rnn_cell` and the static/bidirectional RNN functions."""
from ..nn.rnn import bidirectional_dynamic_rnn as _bidirectional_dynamic_rnn  # noqa: F401
from ..nn.rnn import static_bidirectional_rnn, static_rnn  # noqa: F401
from ..nn.rnn_cell_impl import (  # noqa: F401
    BasicLSTMCell,
    BasicRNNCell,
    DeviceWrapper,
    DropoutWrapper,
    GRUCell,
    LayerRNNCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    ResidualWrapper,
    RNNCell,
)

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LayerRNNCell",
           "LSTMCell", "LSTMStateTuple", "MultiRNNCell", "ResidualWrapper", "RNNCell", "static_rnn",
           "static_bidirectional_rnn"]
