"""The public names of graphgrad's neural-network ops (`tf.nn`), re-exported from the modules that define them.

This module defines nothing. It keeps every name importable from where it always was
(`graphgrad.ops.nn_ops.relu`, `from graphgrad.ops.nn_ops import softplus_grad`); `graphgrad/nn/__init__.py` builds
`tf.nn` from it. The ops live in one module per family:

- `nn_common.py`          shape rules and helpers the families share (no op types)
- `activation_ops.py`     relu, relu6, leaky_relu, elu, selu, softplus, softsign, crelu (+ their *Grad ops)
- `softmax_ops.py`        softmax, log_softmax
- `bias_ops.py`           bias_add, xw_plus_b, relu_layer
- `dropout_ops.py`        dropout
- `normalization_ops.py`  l2_loss, l2_normalize, moments
- `cross_entropy_ops.py`  softmax / sparse softmax / sigmoid / weighted cross-entropy with logits
- `evaluation_ops.py`     in_top_k

(gelu, silu/swish and mish are in `smooth_activations.py`; sigmoid and tanh in `unary_ops.py`.)
Code inside graphgrad imports from those modules; this one is for users and for `tf.nn`.
"""
from .activation_ops import (
    Elu,
    EluGrad,
    LeakyRelu,
    LeakyReluGrad,
    Relu,
    Relu6,
    Relu6Grad,
    ReluGrad,
    Selu,
    SeluGrad,
    Softplus,
    SoftplusGrad,
    Softsign,
    SoftsignGrad,
    crelu,
    elu,
    leaky_relu,
    relu,
    relu6,
    selu,
    softplus,
    softplus_grad,
    softsign,
)
from .bias_ops import BiasAdd, BiasAddGrad, bias_add, relu_layer, xw_plus_b
from .cross_entropy_ops import (
    SigmoidCrossEntropyWithLogits,
    SoftmaxCrossEntropyWithLogits,
    SparseSoftmaxCrossEntropyWithLogits,
    WeightedCrossEntropyWithLogits,
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2,
    sparse_softmax_cross_entropy_with_logits,
    weighted_cross_entropy_with_logits,
)
from .dropout_ops import Dropout, dropout
from .evaluation_ops import InTopK, in_top_k
from .normalization_ops import L2Loss, l2_loss, l2_normalize, moments
from .softmax_ops import LogSoftmax, Softmax, SoftmaxGrad, log_softmax, softmax

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "softplus", "softsign", "crelu",
    "softmax", "log_softmax", "bias_add", "xw_plus_b", "relu_layer", "dropout", "l2_loss", "l2_normalize",
    "moments", "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
    "weighted_cross_entropy_with_logits", "in_top_k",
]
