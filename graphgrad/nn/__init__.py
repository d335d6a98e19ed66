"""`tf.nn`: activations, softmax, dropout, cross-entropies, convolutions, pooling and recurrent networks.

The ops are defined in their family modules under `graphgrad/ops/` (re-exported by `graphgrad.ops.nn_ops`), the
RNN cells and `dynamic_rnn` in `graphgrad/nn/rnn_cell_impl.py` and `rnn.py`; this module only gathers the
TensorFlow 1.x `tf.nn` names."""
from ..framework.graph import name_scope as _name_scope
from ..ops import math_ops as _math_ops
from ..ops.batch_norm_ops import fused_batch_norm
from ..ops.candidate_sampling_ops import (
    all_candidate_sampler,
    compute_accidental_hits,
    fixed_unigram_candidate_sampler,
    learned_unigram_candidate_sampler,
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


def batch_norm_with_global_normalization(t=None, m=None, v=None, beta=None, gamma=None, variance_epsilon=None,
                                         scale_after_normalization=None, name=None, input=None,  # noqa: A002
                                         mean=None, variance=None):
    """TF 0.x's batch norm: batch_normalization with gamma used only if `scale_after_normalization`."""
    t, m, v = (a if a is not None else b for a, b in ((t, input), (m, mean), (v, variance)))
    with _name_scope(name, "batchnorm", [t, m, v, beta, gamma]):
        return batch_normalization(t, m, v, beta, gamma if scale_after_normalization else None, variance_epsilon)



from ..ops.ctc_decoders import ctc_beam_search_decoder, ctc_greedy_decoder  # noqa: E402
from ..ops.ctc_ops import ctc_loss  # noqa: E402
from ..ops.fractional_pool_ops import fractional_avg_pool, fractional_max_pool  # noqa: E402
from ..ops.manip_ops import space_to_batch  # noqa: E402
from ..ops.nd_ops import depth_to_space, space_to_depth  # noqa: E402
from ..ops.sort_ops import approx_max_k, approx_min_k, top_k  # noqa: E402
from . import experimental, rnn_cell  # noqa: E402
from .conv_variants import (  # noqa: E402
    avg_pool_v2,
    conv3d_backprop_filter,
    conv3d_backprop_filter_v2,
    conv_transpose,
    depthwise_conv2d_backprop_filter,
    depthwise_conv2d_backprop_input,
    depthwise_conv2d_native_backprop_filter,
    depthwise_conv2d_native_backprop_input,
    max_pool_v2,
    with_space_to_batch,
)
from .ctc_v2 import ctc_beam_search_decoder_v2, ctc_loss_v2  # noqa: E402
from .extras import collapse_repeated, compute_average_loss, ctc_unique_labels, scale_regularization_loss  # noqa: E402
from .raw_rnn import raw_rnn, static_state_saving_rnn  # noqa: E402
from .rnn import (  # noqa: E402
    bidirectional_dynamic_rnn,
    dynamic_rnn,
    static_bidirectional_rnn,
    static_rnn,
)

__all__ = [
    "top_k", "approx_max_k", "approx_min_k", "ctc_loss", "ctc_greedy_decoder", "ctc_beam_search_decoder",
    "ctc_loss_v2", "ctc_beam_search_decoder_v2",
    "rnn_cell", "experimental", "dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn",
    "raw_rnn", "static_state_saving_rnn",
    "bias_add", "crelu", "dropout", "elu", "in_top_k", "l2_loss", "l2_normalize", "leaky_relu", "log_softmax",
    "moments", "relu", "relu6", "relu_layer", "selu", "sigmoid", "sigmoid_cross_entropy_with_logits", "softmax",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2", "softplus", "softsign",
    "sparse_softmax_cross_entropy_with_logits", "swish", "silu", "gelu", "mish", "tanh",
    "weighted_cross_entropy_with_logits", "xw_plus_b",
    "embedding_lookup", "embedding_lookup_sparse", "safe_embedding_lookup_sparse",
    "batch_normalization", "fused_batch_norm", "zero_fraction", "nce_loss", "sampled_softmax_loss",
    "uniform_candidate_sampler", "log_uniform_candidate_sampler", "compute_accidental_hits",
    "all_candidate_sampler", "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler",
    "atrous_conv2d", "atrous_conv2d_transpose", "conv1d", "conv1d_transpose", "conv2d", "conv2d_backprop_filter",
    "conv2d_backprop_input", "conv2d_transpose", "conv3d", "conv3d_transpose", "convolution", "depthwise_conv2d",
    "depthwise_conv2d_native", "separable_conv2d",
    "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool", "max_pool1d", "max_pool2d", "max_pool3d",
    "max_pool_with_argmax", "pool", "local_response_normalization", "lrn",
    "sufficient_statistics", "normalize_moments", "weighted_moments", "log_poisson_loss", "dilation2d", "erosion2d",
    "space_to_depth", "depth_to_space", "space_to_batch", "avg_pool_v2", "max_pool_v2", "conv_transpose",
    "conv3d_backprop_filter", "conv3d_backprop_filter_v2", "depthwise_conv2d_backprop_filter",
    "depthwise_conv2d_backprop_input", "depthwise_conv2d_native_backprop_filter",
    "depthwise_conv2d_native_backprop_input", "with_space_to_batch", "collapse_repeated", "ctc_unique_labels",
    "compute_average_loss", "scale_regularization_loss", "batch_norm_with_global_normalization",
    "fractional_max_pool", "fractional_avg_pool",
]
