"""`slim.nets.resnet_v2`: ResNet v2 (He et al. 2016, "identity mappings"): batch norm and ReLU before each
convolution (`preact`), a plain sum at the end of a unit, and a `postnorm` after the last block; TF-Slim's
variable names (`resnet_v2_50/block1/unit_1/bottleneck_v2/preact/beta`, ...)."""
from __future__ import annotations

from ....nn import relu
from ....variables import variable_scope
from ... import layers
from ...framework import add_arg_scope
from ..utils import collect_named_outputs, last_dimension
from . import resnet_utils
from .resnet_utils import resnet_arg_scope  # noqa: F401 - slim exposes it here too
from .resnet_v1 import _resnet

__all__ = ["bottleneck", "resnet_v2", "resnet_v2_block", "resnet_v2_50", "resnet_v2_101", "resnet_v2_152",
           "resnet_v2_200", "resnet_arg_scope"]


@add_arg_scope
def bottleneck(inputs, depth, depth_bottleneck, stride, rate=1, outputs_collections=None, scope=None):
    """shortcut + (conv 1x1 -> conv 3x3 -> conv 1x1) of relu(batch_norm(inputs))."""
    with variable_scope(scope, "bottleneck_v2", [inputs]) as sc:
        depth_in = last_dimension(inputs.shape, min_rank=4)
        preact = layers.batch_norm(inputs, activation_fn=relu, scope="preact")
        if depth == depth_in:
            shortcut = resnet_utils.subsample(inputs, stride, "shortcut")
        else:
            shortcut = layers.conv2d(preact, depth, [1, 1], stride=stride, normalizer_fn=None, activation_fn=None,
                                     scope="shortcut")
        residual = layers.conv2d(preact, depth_bottleneck, [1, 1], stride=1, scope="conv1")
        residual = resnet_utils.conv2d_same(residual, depth_bottleneck, 3, stride, rate=rate, scope="conv2")
        residual = layers.conv2d(residual, depth, [1, 1], stride=1, normalizer_fn=None, activation_fn=None,
                                 scope="conv3")
        return collect_named_outputs(outputs_collections, sc.name, shortcut + residual)


def resnet_v2(inputs, blocks, num_classes=None, is_training=True, global_pool=True, output_stride=None,
              include_root_block=True, reuse=None, scope=None):
    """The root (a plain 7x7/2 convolution, 3x3/2 max pool), the blocks, `postnorm`, global average pooling and
    1x1 logits; returns (net, end_points), end_points['predictions'] the softmax when there are classes."""
    return resnet_utils.build_resnet(inputs, blocks, num_classes, is_training, global_pool, output_stride,
                                     include_root_block, reuse, scope, "resnet_v2", bottleneck, preactivation=True)


resnet_v2.default_image_size = 224


def resnet_v2_block(scope, base_depth, num_units, stride):
    """`num_units` pre-activation bottleneck units of depth 4·base_depth, the last one with `stride`."""
    unit = {"depth": base_depth * 4, "depth_bottleneck": base_depth}
    return resnet_utils.Block(scope, bottleneck, [dict(unit, stride=1)] * (num_units - 1) + [dict(unit, stride=stride)])


resnet_v2_50 = _resnet((3, 4, 6, 3), "resnet_v2_50", resnet_v2_block, resnet_v2)
resnet_v2_101 = _resnet((3, 4, 23, 3), "resnet_v2_101", resnet_v2_block, resnet_v2)
resnet_v2_152 = _resnet((3, 8, 36, 3), "resnet_v2_152", resnet_v2_block, resnet_v2)
resnet_v2_200 = _resnet((3, 24, 36, 3), "resnet_v2_200", resnet_v2_block, resnet_v2)
