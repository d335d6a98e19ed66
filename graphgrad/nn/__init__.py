"""`tf.nn`: activations, softmax, dropout, cross-entropies, convolutions, pooling and recurrent networks.

The ops are defined in their family modules under `graphgrad/ops/` (re-exported by `graphgrad.ops.nn_ops`), the
RNN cells and `dynamic_rnn` in `graphgrad/nn/rnn_cell_impl.py` and `rnn.py`; this module only gathers the
TensorFlow 1.x `tf.nn` names."""
from ..framework.graph import name_scope as _name_scope
from ..ops import math_ops as _math_ops
from ..ops.batch_norm_ops import fused_batch_norm
from ..ops.candidate_sampling_ops import (
    compute_accidental_hits,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)
from ..ops.conv_ops import (
    atrous_conv2d,
    atrous_conv2d_transpose,
    conv1d,
    conv1d_transpose,
    conv2d,
    conv2d_backprop_filter,
    conv2d_backprop_input,
    conv2d_transpose,
    conv3d,
    conv3d_transpose,
    convolution,
    depthwise_conv2d,
    depthwise_conv2d_native,
    separable_conv2d,
)
from ..ops.math_ops import sigmoid, tanh, zero_fraction
from ..ops.moment_stats import log_poisson_loss, normalize_moments, sufficient_statistics, weighted_moments
from ..ops.nn_ops import (
    bias_add,
    crelu,
    dropout,
    elu,
    in_top_k,
    l2_loss,
    l2_normalize,
    leaky_relu,
    log_softmax,
    moments,
    relu,
    relu6,
    relu_layer,
    selu,
    sigmoid_cross_entropy_with_logits,
    softmax,
    softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2,
    softplus,
    softsign,
    sparse_softmax_cross_entropy_with_logits,
    weighted_cross_entropy_with_logits,
    xw_plus_b,
)
from ..ops.patch_ops import dilation2d, erosion2d
from ..ops.pooling_ops import (
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    local_response_normalization,
    lrn,
    max_pool,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_pool_with_argmax,
    pool,
)
from ..ops.smooth_activations import gelu, mish, silu, swish
from .embedding_sparse import embedding_lookup_sparse, safe_embedding_lookup_sparse
from .sampled_losses import embedding_lookup, nce_loss, sampled_softmax_loss


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset; offset and scale may be None."""
    with _name_scope(name, "batchnorm", [x, mean, variance, scale, offset]) as scope:
        inv = _math_ops.rsqrt(_math_ops.add(variance, variance_epsilon))
        if scale is not None:
            inv = _math_ops.multiply(inv, scale)
        shift = _math_ops.negative(_math_ops.multiply(mean, inv))
        if offset is not None:
            shift = _math_ops.add(offset, shift)
        return _math_ops.add(_math_ops.multiply(x, inv), shift, name=scope)


from ..ops.ctc_decoders import ctc_beam_search_decoder, ctc_greedy_decoder  # noqa: E402
from ..ops.ctc_ops import ctc_loss  # noqa: E402
from ..ops.sort_ops import top_k  # noqa: E402
from . import rnn_cell  # noqa: E402
from .rnn import (  # noqa: E402
    bidirectional_dynamic_rnn,
    dynamic_rnn,
    static_bidirectional_rnn,
    static_rnn,
)

__all__ = [
    "top_k", "ctc_loss", "ctc_greedy_decoder", "ctc_beam_search_decoder",
    "rnn_cell", "dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn",
    "bias_add", "crelu", "dropout", "elu", "in_top_k", "l2_loss", "l2_normalize", "leaky_relu", "log_softmax",
    "moments", "relu", "relu6", "relu_layer", "selu", "sigmoid", "sigmoid_cross_entropy_with_logits", "softmax",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2", "softplus", "softsign",
    "sparse_softmax_cross_entropy_with_logits", "swish", "silu", "gelu", "mish", "tanh",
    "weighted_cross_entropy_with_logits", "xw_plus_b",
    "embedding_lookup", "embedding_lookup_sparse", "safe_embedding_lookup_sparse",
    "batch_normalization", "fused_batch_norm", "zero_fraction", "nce_loss", "sampled_softmax_loss",
    "uniform_candidate_sampler", "log_uniform_candidate_sampler", "compute_accidental_hits",
    "atrous_conv2d", "atrous_conv2d_transpose", "conv1d", "conv1d_transpose", "conv2d", "conv2d_backprop_filter",
    "conv2d_backprop_input", "conv2d_transpose", "conv3d", "conv3d_transpose", "convolution", "depthwise_conv2d",
    "depthwise_conv2d_native", "separable_conv2d",
    "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool", "max_pool1d", "max_pool2d", "max_pool3d",
    "max_pool_with_argmax", "pool", "local_response_normalization", "lrn",
    "sufficient_statistics", "normalize_moments", "weighted_moments", "log_poisson_loss", "dilation2d", "erosion2d",
]
