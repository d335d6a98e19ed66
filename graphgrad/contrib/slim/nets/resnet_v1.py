"""`slim.nets.resnet_v1`: ResNet v1 (He et al. 2015) with bottleneck units as TF-Slim builds it — the stride of a
block in its last unit, TF-Slim's variable names (`resnet_v1_50/block1/unit_1/bottleneck_v1/conv1/weights`) —
so the published slim checkpoints restore into it. `num_classes=None` gives the pooled features (transfer);
`output_stride` (8, 16, ...) keeps a denser feature map with atrous convolutions."""
from __future__ import annotations

from ....nn import relu
from ....variables import variable_scope
from ... import layers
from ...framework import add_arg_scope
from ..utils import collect_named_outputs, last_dimension
from . import resnet_utils
from .resnet_utils import resnet_arg_scope  # noqa: F401 - slim exposes it here too

__all__ = ["bottleneck", "resnet_v1", "resnet_v1_block", "resnet_v1_50", "resnet_v1_101", "resnet_v1_152",
           "resnet_v1_200", "resnet_arg_scope"]


@add_arg_scope
def bottleneck(inputs, depth, depth_bottleneck, stride, rate=1, outputs_collections=None, scope=None):
    """relu(shortcut + conv 1x1 -> conv 3x3 (stride, rate) -> conv 1x1), the shortcut a projection when the depth
    changes, else the subsampled input."""
    with variable_scope(scope, "bottleneck_v1", [inputs]) as sc:
        depth_in = last_dimension(inputs.shape, min_rank=4)
        if depth == depth_in:
            shortcut = resnet_utils.subsample(inputs, stride, "shortcut")
        else:
            shortcut = layers.conv2d(inputs, depth, [1, 1], stride=stride, activation_fn=None, scope="shortcut")
        residual = layers.conv2d(inputs, depth_bottleneck, [1, 1], stride=1, scope="conv1")
        residual = resnet_utils.conv2d_same(residual, depth_bottleneck, 3, stride, rate=rate, scope="conv2")
        residual = layers.conv2d(residual, depth, [1, 1], stride=1, activation_fn=None, scope="conv3")
        output = relu(shortcut + residual)
        return collect_named_outputs(outputs_collections, sc.name, output)


def resnet_v1(inputs, blocks, num_classes=None, is_training=True, global_pool=True, output_stride=None,
              include_root_block=True, reuse=None, scope=None):
    """The root (7x7/2 convolution, 3x3/2 max pool), the blocks, global average pooling and 1x1 logits;
    returns (net, end_points) with end_points['predictions'] the softmax when there are classes."""
    return resnet_utils.build_resnet(inputs, blocks, num_classes, is_training, global_pool, output_stride,
                                     include_root_block, reuse, scope, "resnet_v1", bottleneck, preactivation=False)


resnet_v1.default_image_size = 224


def resnet_v1_block(scope, base_depth, num_units, stride):
    """`num_units` bottleneck units of depth 4·base_depth, the last one with `stride`."""
    unit = {"depth": base_depth * 4, "depth_bottleneck": base_depth}
    return resnet_utils.Block(scope, bottleneck, [dict(unit, stride=1)] * (num_units - 1) + [dict(unit, stride=stride)])


def _resnet(units, name, block_fn, net_fn):
    def build(inputs, num_classes=None, is_training=True, global_pool=True, output_stride=None, reuse=None,
              scope=name):
        blocks = [block_fn(f"block{i + 1}", base_depth=64 * 2 ** i, num_units=n, stride=2 if i < 3 else 1)
                  for i, n in enumerate(units)]
        return net_fn(inputs, blocks, num_classes, is_training, global_pool, output_stride, include_root_block=True,
                      reuse=reuse, scope=scope)
    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"{name}: blocks of {', '.join(map(str, units))} bottleneck units."
    build.default_image_size = 224
    return build


resnet_v1_50 = _resnet((3, 4, 6, 3), "resnet_v1_50", resnet_v1_block, resnet_v1)
resnet_v1_101 = _resnet((3, 4, 23, 3), "resnet_v1_101", resnet_v1_block, resnet_v1)
resnet_v1_152 = _resnet((3, 8, 36, 3), "resnet_v1_152", resnet_v1_block, resnet_v1)
resnet_v1_200 = _resnet((3, 24, 36, 3), "resnet_v1_200", resnet_v1_block, resnet_v1)
