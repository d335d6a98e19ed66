"""`slim.nets.inception_v1`: GoogLeNet (Szegedy et al. 2014, "Going deeper with convolutions") with batch norm, as
TF-Slim builds it, with its variable names (`InceptionV1/Mixed_3b/Branch_1/Conv2d_0b_3x3/weights`, ...), so the
published `inception_v1.ckpt` restores into it. 224x224 inputs; `global_pool` for other sizes."""
from __future__ import annotations

from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from .inception_utils import (
    build_base,
    classifier_head,
    conv,
    max_pool,
    mixed,
    slim_v1_arg_scope,
    trunc_normal,
)

__all__ = ["inception_v1", "inception_v1_arg_scope", "inception_v1_base"]


def _mixed(a, b1, b2, c1, c2, d, c2_scope="Conv2d_0b_3x3"):
    return mixed([conv(a, [1, 1], "Conv2d_0a_1x1")],
                 [conv(b1, [1, 1], "Conv2d_0a_1x1"), conv(b2, [3, 3], "Conv2d_0b_3x3")],
                 [conv(c1, [1, 1], "Conv2d_0a_1x1"), conv(c2, [3, 3], c2_scope)],
                 [max_pool([3, 3], "MaxPool_0a_3x3"), conv(d, [1, 1], "Conv2d_0b_1x1")])


_STAGES = [
    ("Conv2d_1a_7x7", conv(64, [7, 7], stride=2)),
    ("MaxPool_2a_3x3", max_pool([3, 3], stride=2)),
    ("Conv2d_2b_1x1", conv(64, [1, 1])),
    ("Conv2d_2c_3x3", conv(192, [3, 3])),
    ("MaxPool_3a_3x3", max_pool([3, 3], stride=2)),
    ("Mixed_3b", _mixed(64, 96, 128, 16, 32, 32)),
    ("Mixed_3c", _mixed(128, 128, 192, 32, 96, 64)),
    ("MaxPool_4a_3x3", max_pool([3, 3], stride=2)),
    ("Mixed_4b", _mixed(192, 96, 208, 16, 48, 64)),
    ("Mixed_4c", _mixed(160, 112, 224, 24, 64, 64)),
    ("Mixed_4d", _mixed(128, 128, 256, 24, 64, 64)),
    ("Mixed_4e", _mixed(112, 144, 288, 32, 64, 64)),
    ("Mixed_4f", _mixed(256, 160, 320, 32, 128, 128)),
    ("MaxPool_5a_2x2", max_pool([2, 2], stride=2)),
    ("Mixed_5b", _mixed(256, 160, 320, 32, 128, 128, c2_scope="Conv2d_0a_3x3")),  # sic: TF-Slim's name
    ("Mixed_5c", _mixed(384, 192, 384, 48, 128, 128)),
]


def inception_v1_base(inputs, final_endpoint="Mixed_5c", scope="InceptionV1"):
    """The convolutional trunk up to `final_endpoint` (one of the end point names, 'Conv2d_1a_7x7' ...
    'Mixed_5c'); returns (net, end_points)."""
    with variable_scope(scope, "InceptionV1", [inputs]):
        with arg_scope([layers.conv2d, layers.fully_connected], weights_initializer=trunc_normal(0.01)):
            with arg_scope([layers.conv2d, layers.max_pool2d], stride=1, padding="SAME"):
                return build_base(inputs, _STAGES, final_endpoint)


def inception_v1(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.8, prediction_fn=layers.softmax,
                 spatial_squeeze=True, reuse=None, scope="InceptionV1", global_pool=False):
    """The trunk, a 7x7 average pool (`global_pool`: the mean over any size), dropout and 1x1 logits; returns
    (logits, end_points). `num_classes` 0 or None returns the pooled features instead (transfer learning)."""
    with variable_scope(scope, "InceptionV1", [inputs], reuse=reuse) as sc:
        with arg_scope([layers.batch_norm, layers.dropout], is_training=is_training):
            net, end_points = inception_v1_base(inputs, scope=sc)
            net = classifier_head(net, end_points, num_classes, global_pool, [7, 7], "MaxPool_0a_7x7",
                                  dropout_keep_prob, "Dropout_0b", "Conv2d_0c_1x1", spatial_squeeze, prediction_fn,
                                  pool_stride=1, predictions_in_scope=True)
    return net, end_points


inception_v1.default_image_size = 224


def inception_v1_arg_scope(weight_decay=0.00004, use_batch_norm=True, batch_norm_var_collection="moving_vars"):
    """ReLU, He weights, L2 decay and batch norm (decay 0.9997, epsilon 0.001) after every convolution."""
    return slim_v1_arg_scope(weight_decay, batch_norm_var_collection, use_batch_norm)
