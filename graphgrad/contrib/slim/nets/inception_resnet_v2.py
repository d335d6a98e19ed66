"""`slim.nets.inception_resnet_v2`: Inception-ResNet v2 (Szegedy et al. 2016) as the TensorFlow models
repository's research/slim builds it — Inception blocks whose output, scaled, is added to their input — with its
variable names (`InceptionResnetV2/Repeat/block35_1/Branch_1/Conv2d_0b_3x3/weights`, ...), so the published
`inception_resnet_v2_2016_08_30.ckpt` (1001 classes) restores into it. 299x299 inputs (75x75 and up without the
auxiliary head)."""
from __future__ import annotations

from ....framework.graph import GraphKeys
from ....nn import relu, relu6
from ....ops import array_ops, clip_ops
from ....regularizers import l2_regularizer
from ....variables import variable_scope
from ... import layers
from ...framework import arg_scope
from .inception_utils import avg_pool, branches, build_base, conv, conv_arg_scope, max_pool, mixed
from .inception_v4 import dense_aux_logits, dense_head

__all__ = ["block35", "block17", "block8", "inception_resnet_v2", "inception_resnet_v2_arg_scope",
           "inception_resnet_v2_base"]


def _residual(default, *branch_list):
    def block_fn(net, scale=1.0, activation_fn=relu, scope=None, reuse=None):
        with variable_scope(scope, default, [net], reuse=reuse):
            mixed_ = array_ops.concat(branches(net, lambda d: d, branch_list), 3)
            up = layers.conv2d(mixed_, net.get_shape().as_list()[3], 1, normalizer_fn=None, activation_fn=None,
                               scope="Conv2d_1x1")
            scaled_up = up * scale
            if activation_fn == relu6:
                scaled_up = clip_ops.clip_by_value(scaled_up, -6.0, 6.0)
            net += scaled_up
            if activation_fn:
                net = activation_fn(net)
        return net
    return block_fn


block35 = _residual("Block35", [conv(32, 1, "Conv2d_1x1")],
                    [conv(32, 1, "Conv2d_0a_1x1"), conv(32, 3, "Conv2d_0b_3x3")],
                    [conv(32, 1, "Conv2d_0a_1x1"), conv(48, 3, "Conv2d_0b_3x3"), conv(64, 3, "Conv2d_0c_3x3")])
block35.__name__ = "block35"
block35.__doc__ = "The 35x35 residual block: 1x1 | 1x1-3x3 | 1x1-3x3-3x3, projected back and added (Block35)."
block17 = _residual("Block17", [conv(192, 1, "Conv2d_1x1")],
                    [conv(128, 1, "Conv2d_0a_1x1"), conv(160, [1, 7], "Conv2d_0b_1x7"),
                     conv(192, [7, 1], "Conv2d_0c_7x1")])
block17.__name__ = "block17"
block17.__doc__ = "The 17x17 residual block: 1x1 | 1x1-1x7-7x1, projected back and added (Block17)."
block8 = _residual("Block8", [conv(192, 1, "Conv2d_1x1")],
                   [conv(192, 1, "Conv2d_0a_1x1"), conv(224, [1, 3], "Conv2d_0b_1x3"),
                    conv(256, [3, 1], "Conv2d_0c_3x1")])
block8.__name__ = "block8"
block8.__doc__ = "The 8x8 residual block: 1x1 | 1x1-1x3-3x1, projected back and added (Block8)."


def _stages(padding, use_atrous, activation_fn):
    p = {"padding": padding}
    s2 = {"stride": 1 if use_atrous else 2, "padding": padding}

    def repeat(n, block_fn, scale, rate=1):
        def fn(net, d, stage):
            with arg_scope([layers.conv2d], rate=rate):
                return layers.repeat(net, n, block_fn, scale=scale, activation_fn=activation_fn)
        return fn

    def tail(net, d, stage):
        net = layers.repeat(net, 9, block8, scale=0.2, activation_fn=activation_fn)
        net = block8(net, activation_fn=None)
        return layers.conv2d(net, 1536, 1, scope=stage)

    stem = [
        ("Conv2d_1a_3x3", conv(32, 3, stride=2, **p)),
        ("Conv2d_2a_3x3", conv(32, 3, **p)),
        ("Conv2d_2b_3x3", conv(64, 3)),
        ("MaxPool_3a_3x3", max_pool(3, stride=2, **p)),
        ("Conv2d_3b_1x1", conv(80, 1, **p)),
        ("Conv2d_4a_3x3", conv(192, 3, **p)),
        ("MaxPool_5a_3x3", max_pool(3, stride=2, **p)),
        ("Mixed_5b", mixed([conv(96, 1, "Conv2d_1x1")],
                           [conv(48, 1, "Conv2d_0a_1x1"), conv(64, 5, "Conv2d_0b_5x5")],
                           [conv(64, 1, "Conv2d_0a_1x1"), conv(96, 3, "Conv2d_0b_3x3"), conv(96, 3, "Conv2d_0c_3x3")],
                           [avg_pool(3, "AvgPool_0a_3x3", stride=1, padding="SAME"), conv(64, 1, "Conv2d_0b_1x1")])),
    ]
    middle = [
        ("Mixed_6a", lambda net, d, stage: mixed(
            [conv(384, 3, "Conv2d_1a_3x3", **s2)],
            [conv(256, 1, "Conv2d_0a_1x1"), conv(256, 3, "Conv2d_0b_3x3"), conv(384, 3, "Conv2d_1a_3x3", **s2)],
            [max_pool(3, "MaxPool_1a_3x3", **s2)])(repeat(10, block35, 0.17)(net, d, None), d, stage)),
        ("PreAuxLogits", repeat(20, block17, 0.1, rate=2 if use_atrous else 1)),
    ]
    top = [
        ("Mixed_7a", mixed([conv(256, 1, "Conv2d_0a_1x1"), conv(384, 3, "Conv2d_1a_3x3", stride=2, **p)],
                           [conv(256, 1, "Conv2d_0a_1x1"), conv(288, 3, "Conv2d_1a_3x3", stride=2, **p)],
                           [conv(256, 1, "Conv2d_0a_1x1"), conv(288, 3, "Conv2d_0b_3x3"),
                            conv(320, 3, "Conv2d_1a_3x3", stride=2, **p)],
                           [max_pool(3, "MaxPool_1a_3x3", stride=2, **p)])),
        ("Conv2d_7b_1x1", tail),
    ]
    return stem + middle, top


def inception_resnet_v2_base(inputs, final_endpoint="Conv2d_7b_1x1", output_stride=16, align_feature_maps=False,
                             scope=None, activation_fn=relu):
    """The trunk up to `final_endpoint` ('Conv2d_1a_3x3' ... 'Mixed_5b', 'Mixed_6a', 'PreAuxLogits',
    'Mixed_7a', 'Conv2d_7b_1x1'); `output_stride` 8 keeps the 35x35 resolution with atrous convolutions (up to
    'PreAuxLogits'); `align_feature_maps` pads with SAME instead of VALID. Returns (net, end_points)."""
    if output_stride not in (8, 16):
        raise ValueError("output_stride must be 8 or 16.")
    lower, upper = _stages("SAME" if align_feature_maps else "VALID", output_stride == 8, activation_fn)
    with variable_scope(scope, "InceptionResnetV2", [inputs]):
        with arg_scope([layers.conv2d, layers.max_pool2d, layers.avg_pool2d], stride=1, padding="SAME"):
            names = [name for name, _ in lower]
            net, end_points = build_base(inputs, lower, final_endpoint if final_endpoint in names else names[-1])
            if final_endpoint in names:
                return net, end_points
            if output_stride == 8:
                raise ValueError("output_stride==8 is only supported up to the PreAuxlogits end_point for now.")
            try:
                net, more = build_base(net, upper, final_endpoint)
            except ValueError:
                raise ValueError(f"final_endpoint ({final_endpoint}) not recognized") from None
            end_points.update(more)
            return net, end_points


def inception_resnet_v2(inputs, num_classes=1001, is_training=True, dropout_keep_prob=0.8, reuse=None,
                        scope="InceptionResnetV2", create_aux_logits=True, activation_fn=relu):
    """The trunk, the auxiliary head on PreAuxLogits (`create_aux_logits`), average pooling, flatten, dropout and
    dense logits; returns (logits, end_points), or the pooled features when `num_classes` is 0 or None."""
    with variable_scope(scope, "InceptionResnetV2", [inputs], reuse=reuse) as sc:
        with arg_scope([layers.batch_norm, layers.dropout], is_training=is_training):
            net, end_points = inception_resnet_v2_base(inputs, scope=sc, activation_fn=activation_fn)
            if create_aux_logits and num_classes:
                with variable_scope("AuxLogits"):
                    end_points["AuxLogits"] = dense_aux_logits(end_points["PreAuxLogits"], num_classes,
                                                               "Conv2d_1a_3x3", "Conv2d_2a_5x5", "Logits")
            with variable_scope("Logits"):
                net = dense_head(net, end_points, num_classes, dropout_keep_prob, "Dropout", "AvgPool_1a_8x8",
                                 is_training=is_training, flatten_first=True)
    return net, end_points


inception_resnet_v2.default_image_size = 299


def inception_resnet_v2_arg_scope(weight_decay=0.00004, batch_norm_decay=0.9997, batch_norm_epsilon=0.001,
                                  activation_fn=relu, batch_norm_updates_collections=GraphKeys.UPDATE_OPS,
                                  batch_norm_scale=False):
    """L2 decay on weights and biases, batch norm and `activation_fn` after every convolution."""
    params = {"decay": batch_norm_decay, "epsilon": batch_norm_epsilon,
              "updates_collections": batch_norm_updates_collections, "fused": None, "scale": batch_norm_scale}
    return conv_arg_scope(weight_decay, params, activation_fn, biases_regularizer=l2_regularizer(weight_decay),
                          he_init=False)
