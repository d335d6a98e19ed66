"""`slim.nets.inception_v3`: Inception v3 (Szegedy et al. 2015, "Rethinking the Inception architecture") as TF-Slim
builds it — factorized 1x7/7x1 convolutions, the auxiliary head `AuxLogits` on Mixed_6e — with its variable
names, so the published `inception_v3.ckpt` restores into it (299x299 inputs). `depth_multiplier` / `min_depth`
thin every layer; inputs down to 75x75 work (the auxiliary head needs about 150x150 or
`create_aux_logits=False`)."""
from __future__ import annotations

from ....framework.graph import GraphKeys
from ....ops import array_ops
from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from .inception_utils import (
    avg_pool,
    build_base,
    classifier_head,
    conv,
    depth_fn,
    fork,
    max_pool,
    mixed,
    reduced_kernel_size_for_small_input,
    slim_v1_arg_scope,
    trunc_normal,
)

__all__ = ["inception_v3", "inception_v3_arg_scope", "inception_v3_base"]


def _mixed_5(d, b_scopes=("Conv2d_0a_1x1", "Conv2d_0b_5x5")):
    return mixed([conv(64, [1, 1], "Conv2d_0a_1x1")],
                 [conv(48, [1, 1], b_scopes[0]), conv(64, [5, 5], b_scopes[1])],
                 [conv(64, [1, 1], "Conv2d_0a_1x1"), conv(96, [3, 3], "Conv2d_0b_3x3"),
                  conv(96, [3, 3], "Conv2d_0c_3x3")],
                 [avg_pool([3, 3], "AvgPool_0a_3x3"), conv(d, [1, 1], "Conv2d_0b_1x1")])


def _mixed_6(m):
    return mixed([conv(192, [1, 1], "Conv2d_0a_1x1")],
                 [conv(m, [1, 1], "Conv2d_0a_1x1"), conv(m, [1, 7], "Conv2d_0b_1x7"),
                  conv(192, [7, 1], "Conv2d_0c_7x1")],
                 [conv(m, [1, 1], "Conv2d_0a_1x1"), conv(m, [7, 1], "Conv2d_0b_7x1"), conv(m, [1, 7], "Conv2d_0c_1x7"),
                  conv(m, [7, 1], "Conv2d_0d_7x1"), conv(192, [1, 7], "Conv2d_0e_1x7")],
                 [avg_pool([3, 3], "AvgPool_0a_3x3"), conv(192, [1, 1], "Conv2d_0b_1x1")])


def _mixed_7(b_second):
    return mixed([conv(320, [1, 1], "Conv2d_0a_1x1")],
                 [conv(384, [1, 1], "Conv2d_0a_1x1"),
                  fork(conv(384, [1, 3], "Conv2d_0b_1x3"), conv(384, [3, 1], b_second))],
                 [conv(448, [1, 1], "Conv2d_0a_1x1"), conv(384, [3, 3], "Conv2d_0b_3x3"),
                  fork(conv(384, [1, 3], "Conv2d_0c_1x3"), conv(384, [3, 1], "Conv2d_0d_3x1"))],
                 [avg_pool([3, 3], "AvgPool_0a_3x3"), conv(192, [1, 1], "Conv2d_0b_1x1")])


_VALID = {"padding": "VALID"}
_STAGES = [  # a VALID stem, then SAME Inception blocks
    ("Conv2d_1a_3x3", conv(32, [3, 3], stride=2, **_VALID)),
    ("Conv2d_2a_3x3", conv(32, [3, 3], **_VALID)),
    ("Conv2d_2b_3x3", conv(64, [3, 3])),
    ("MaxPool_3a_3x3", max_pool([3, 3], stride=2, **_VALID)),
    ("Conv2d_3b_1x1", conv(80, [1, 1], **_VALID)),
    ("Conv2d_4a_3x3", conv(192, [3, 3], **_VALID)),
    ("MaxPool_5a_3x3", max_pool([3, 3], stride=2, **_VALID)),

    ("Mixed_5b", _mixed_5(32)),
    ("Mixed_5c", _mixed_5(64, ("Conv2d_0b_1x1", "Conv_1_0c_5x5"))),  # sic: TF-Slim's names
    ("Mixed_5d", _mixed_5(64)),
    ("Mixed_6a", mixed([conv(384, [3, 3], "Conv2d_1a_1x1", stride=2, **_VALID)],
                       [conv(64, [1, 1], "Conv2d_0a_1x1"), conv(96, [3, 3], "Conv2d_0b_3x3"),
                        conv(96, [3, 3], "Conv2d_1a_1x1", stride=2, **_VALID)],
                       [max_pool([3, 3], "MaxPool_1a_3x3", stride=2, **_VALID)])),
    ("Mixed_6b", _mixed_6(128)),
    ("Mixed_6c", _mixed_6(160)),
    ("Mixed_6d", _mixed_6(160)),
    ("Mixed_6e", _mixed_6(192)),
    ("Mixed_7a", mixed([conv(192, [1, 1], "Conv2d_0a_1x1"), conv(320, [3, 3], "Conv2d_1a_3x3", stride=2, **_VALID)],
                       [conv(192, [1, 1], "Conv2d_0a_1x1"), conv(192, [1, 7], "Conv2d_0b_1x7"),
                        conv(192, [7, 1], "Conv2d_0c_7x1"), conv(192, [3, 3], "Conv2d_1a_3x3", stride=2, **_VALID)],
                       [max_pool([3, 3], "MaxPool_1a_3x3", stride=2, **_VALID)])),
    ("Mixed_7b", _mixed_7("Conv2d_0b_3x1")),
    ("Mixed_7c", _mixed_7("Conv2d_0c_3x1")),
]
_POOLED = [layers.conv2d, layers.max_pool2d, layers.avg_pool2d]


def inception_v3_base(inputs, final_endpoint="Mixed_7c", min_depth=16, depth_multiplier=1.0, scope=None):
    """The convolutional trunk up to `final_endpoint` ('Conv2d_1a_3x3' ... 'Mixed_7c'); returns
    (net, end_points)."""
    depth = depth_fn(depth_multiplier, min_depth)
    with variable_scope(scope, "InceptionV3", [inputs]):
        with arg_scope(_POOLED, stride=1, padding="SAME"):
            return build_base(inputs, _STAGES, final_endpoint, depth)


def _aux_logits(net, depth, num_classes, spatial_squeeze):
    """The auxiliary classifier on Mixed_6e: 5x5/3 average pool, 1x1 and (up to) 5x5 convolutions, 1x1 logits."""
    with arg_scope(_POOLED, stride=1, padding="SAME"), variable_scope("AuxLogits"):
        net = layers.avg_pool2d(net, [5, 5], stride=3, padding="VALID", scope="AvgPool_1a_5x5")
        net = layers.conv2d(net, depth(128), [1, 1], scope="Conv2d_1b_1x1")
        kernel_size = reduced_kernel_size_for_small_input(net, [5, 5])
        net = layers.conv2d(net, depth(768), kernel_size, weights_initializer=trunc_normal(0.01), padding="VALID",
                            scope="Conv2d_2a_{}x{}".format(*kernel_size))
        net = layers.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None,
                            weights_initializer=trunc_normal(0.001), scope="Conv2d_2b_1x1")
        if spatial_squeeze:
            net = array_ops.squeeze(net, [1, 2], name="SpatialSqueeze")
        return net


def inception_v3(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.8, min_depth=16,
                 depth_multiplier=1.0, prediction_fn=layers.softmax, spatial_squeeze=True, reuse=None,
                 create_aux_logits=True, scope="InceptionV3", global_pool=False):
    """The trunk, the auxiliary head (`create_aux_logits`; end point 'AuxLogits'), an average pool of up to 8x8
    (`global_pool`: the mean), dropout ('PreLogits') and 1x1 logits; returns (logits, end_points).
    `num_classes` 0 or None returns the pooled features."""
    depth = depth_fn(depth_multiplier, min_depth)
    with variable_scope(scope, "InceptionV3", [inputs], reuse=reuse) as sc:
        with arg_scope([layers.batch_norm, layers.dropout], is_training=is_training):
            net, end_points = inception_v3_base(inputs, scope=sc, min_depth=min_depth,
                                                depth_multiplier=depth_multiplier)
            if create_aux_logits and num_classes:
                end_points["AuxLogits"] = _aux_logits(end_points["Mixed_6e"], depth, num_classes, spatial_squeeze)
            kernel_size = reduced_kernel_size_for_small_input(net, [8, 8])
            net = classifier_head(net, end_points, num_classes, global_pool, kernel_size,
                                  "AvgPool_1a_{}x{}".format(*kernel_size), dropout_keep_prob, "Dropout_1b",
                                  "Conv2d_1c_1x1", spatial_squeeze, prediction_fn, pre_logits=True)
    return net, end_points


inception_v3.default_image_size = 299


def inception_v3_arg_scope(weight_decay=0.00004, batch_norm_var_collection="moving_vars", batch_norm_decay=0.9997,
                           batch_norm_epsilon=0.001, updates_collections=GraphKeys.UPDATE_OPS,
                           use_fused_batchnorm=True):
    """ReLU, He weights, L2 decay and batch norm after every convolution."""
    return slim_v1_arg_scope(weight_decay, batch_norm_var_collection, decay=batch_norm_decay,
                             epsilon=batch_norm_epsilon, updates_collections=updates_collections,
                             fused=use_fused_batchnorm)
