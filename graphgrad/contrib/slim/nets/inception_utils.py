"""`slim.nets.inception_utils`: what the Inception family shares — the arg scope (batch norm after every
convolution, L2 weight decay, He initialization), and a small vocabulary for its blocks, so that each net reads
as the table of layers it is: `conv(depth, kernel, scope)`, `max_pool` / `avg_pool`, `fork` (parallel
convolutions concatenated, Inception v3's 1x3 | 3x1) and `mixed` (branches `Branch_<i>` concatenated on the
channels), stacked by `build_base` with TF-Slim's end points and `final_endpoint`."""
from __future__ import annotations

from ....framework.graph import GraphKeys
from ....nn import relu
from ....ops import array_ops, init_ops, math_ops
from ....regularizers import l2_regularizer
from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope

__all__ = ["inception_arg_scope"]


def trunc_normal(stddev):
    return init_ops.truncated_normal_initializer(0.0, stddev)


def inception_arg_scope(weight_decay=0.00004, use_batch_norm=True, batch_norm_decay=0.9997, batch_norm_epsilon=0.001,
                        activation_fn=relu, batch_norm_updates_collections=GraphKeys.UPDATE_OPS,
                        batch_norm_scale=False):
    """Inception v4's arg scope (the models repository's `inception_utils`): L2 decay, He weights, batch norm
    (no gamma unless `batch_norm_scale`) and `activation_fn` after every convolution."""
    params = {"decay": batch_norm_decay, "epsilon": batch_norm_epsilon,
              "updates_collections": batch_norm_updates_collections, "fused": None, "scale": batch_norm_scale}
    return conv_arg_scope(weight_decay, params if use_batch_norm else None, activation_fn)


def conv_arg_scope(weight_decay, batch_norm_params, activation_fn=relu, biases_regularizer=None, he_init=True):
    """L2 `weight_decay` on convolutions and dense layers (and `biases_regularizer`), convolutions (He-initialized
    under `he_init`) followed by batch norm with `batch_norm_params` (none when None) and `activation_fn`."""
    regularizers = {"weights_regularizer": l2_regularizer(weight_decay)}
    if biases_regularizer is not None:
        regularizers["biases_regularizer"] = biases_regularizer
    convs = {"weights_initializer": layers.variance_scaling_initializer()} if he_init else {}
    with arg_scope([layers.conv2d, layers.fully_connected], **regularizers):
        with arg_scope([layers.conv2d], activation_fn=activation_fn,
                       normalizer_fn=layers.batch_norm if batch_norm_params is not None else None,
                       normalizer_params=batch_norm_params or {}, **convs) as sc:
            return sc


def slim_v1_arg_scope(weight_decay, batch_norm_var_collection, use_batch_norm=True, **batch_norm):
    """TF-Slim's Inception v1/v2/v3 arg scope: batch norm decay 0.9997, epsilon 0.001, the moving statistics
    also in `batch_norm_var_collection`."""
    params = {"decay": 0.9997, "epsilon": 0.001, "updates_collections": GraphKeys.UPDATE_OPS, **batch_norm,
              "variables_collections": {"beta": None, "gamma": None, "moving_mean": [batch_norm_var_collection],
                                        "moving_variance": [batch_norm_var_collection]}}
    return conv_arg_scope(weight_decay, params if use_batch_norm else None)


def depth_fn(depth_multiplier, min_depth):
    """Channels scaled by `depth_multiplier`, never below `min_depth`."""
    if depth_multiplier <= 0:
        raise ValueError("depth_multiplier is not greater than zero.")
    return lambda d: max(int(d * depth_multiplier), min_depth)


def reduced_kernel_size_for_small_input(input_tensor, kernel_size):
    """The pooling window shrunk to the input's size when that is known and smaller."""
    shape = input_tensor.get_shape().as_list()
    if shape[1] is None or shape[2] is None:
        return kernel_size
    return [min(shape[1], kernel_size[0]), min(shape[2], kernel_size[1])]


# --- the vocabulary: each builds `fn(net, depth, scope)` -------------------------------------------------------

def conv(depth, kernel, scope=None, **kwargs):
    """slim.conv2d with `depth(depth)` outputs (depth None: the input's channels, Inception-ResNet's up
    projection), in `scope` or the stage's."""
    def fn(net, d, stage=None):
        n = net.shape.as_list()[3] if depth is None else d(depth)
        return layers.conv2d(net, n, kernel, scope=scope or stage, **kwargs)
    return fn


def _pool(layer):
    def make(kernel, scope=None, **kwargs):
        return lambda net, d, stage=None: layer(net, kernel, scope=scope or stage, **kwargs)
    return make


max_pool, avg_pool = _pool(layers.max_pool2d), _pool(layers.avg_pool2d)


def fork(*parts):
    """The parts applied to the same input, concatenated on the channels."""
    return lambda net, d, stage=None: array_ops.concat([p(net, d) for p in parts], 3)


def branches(net, d, branch_list):
    """Each branch (a list of layers) applied to `net` in scope `Branch_<i>`; their outputs in a list."""
    outputs = []
    for i, branch in enumerate(branch_list):
        with variable_scope(f"Branch_{i}"):
            h = net
            for layer in branch:
                h = layer(h, d)
        outputs.append(h)
    return outputs


def block(default, *branch_list):
    """An Inception block as a function `fn(inputs, scope=None, reuse=None)` (Inception v4's
    `block_inception_a`, ...): the branches concatenated, stride 1 and SAME unless a layer says otherwise."""
    def fn(inputs, scope=None, reuse=None):
        with arg_scope([layers.conv2d, layers.avg_pool2d, layers.max_pool2d], stride=1, padding="SAME"):
            with variable_scope(scope, default, [inputs], reuse=reuse):
                return array_ops.concat(branches(inputs, lambda d: d, branch_list), 3)
    return fn


def mixed(*branch_list):
    """An Inception block: the branches concatenated on the channels, in the stage's scope."""
    def fn(net, d, stage=None):
        with variable_scope(stage):
            return array_ops.concat(branches(net, d, branch_list), 3)
    return fn


def build_base(net, stages, final_endpoint, depth=lambda d: d):
    """Apply `stages` ([(end point, layer)]) in order, each output an end point; stop after `final_endpoint`.
    Returns (net, end_points)."""
    end_points = {}
    for name, layer in stages:
        net = end_points[name] = layer(net, depth, name)
        if name == final_endpoint:
            return net, end_points
    raise ValueError(f"Unknown final endpoint {final_endpoint}")


def pool_features(net, end_points, global_pool, kernel_size, pool_scope, pool_end_point=None, stride=2):
    """Before the logits: global average pooling (`global_pool`, end point 'global_pool') or a VALID average
    pool of `kernel_size` (end point `pool_end_point` when given)."""
    if global_pool:
        net = end_points["global_pool"] = math_ops.reduce_mean(net, [1, 2], keepdims=True, name="global_pool")
        return net
    net = layers.avg_pool2d(net, kernel_size, stride=stride, padding="VALID", scope=pool_scope)
    if pool_end_point:
        end_points[pool_end_point] = net
    return net


def classifier_head(net, end_points, num_classes, global_pool, kernel_size, pool_scope, dropout_keep_prob,
                    dropout_scope, logits_scope, spatial_squeeze, prediction_fn, pool_stride=2, pool_end_point=None,
                    pre_logits=False, predictions_in_scope=False):
    """The `Logits` scope of Inception v1-v3 and MobileNet: pooling (`pool_features`), then — unless
    `num_classes` is 0 or None, which returns the pooled features — dropout ('PreLogits' under `pre_logits`), a
    1x1 linear convolution squeezed to [batch, classes] under `spatial_squeeze`, and the end points 'Logits'
    and 'Predictions' (made inside the scope under `predictions_in_scope`, as Inception v1 does)."""
    with variable_scope("Logits"):
        net = pool_features(net, end_points, global_pool, kernel_size, pool_scope, pool_end_point, pool_stride)
        if not num_classes:
            return net
        net = layers.dropout(net, dropout_keep_prob, scope=dropout_scope)
        if pre_logits:
            end_points["PreLogits"] = net
        logits = layers.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None, scope=logits_scope)
        if spatial_squeeze:
            logits = array_ops.squeeze(logits, [1, 2], name="SpatialSqueeze")
        if predictions_in_scope:
            _predictions(logits, end_points, prediction_fn)
    if not predictions_in_scope:
        _predictions(logits, end_points, prediction_fn)
    return logits


def _predictions(logits, end_points, prediction_fn):
    end_points["Logits"] = logits
    if prediction_fn:
        end_points["Predictions"] = prediction_fn(logits, scope="Predictions")
