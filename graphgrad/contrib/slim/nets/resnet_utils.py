"""`slim.nets.resnet_utils`: what ResNet v1 and v2 share — blocks of units, "same" convolutions that pad the
same way whatever the input size, the stacking of blocks with an optional output stride (atrous convolution
past it), and the arg scope (batch norm after every convolution, L2 weight decay, He initialization)."""
from __future__ import annotations

import collections

from ....framework.graph import GraphKeys
from ....nn import relu
from ....ops import array_ops, math_ops
from ....regularizers import l2_regularizer
from ....variables import variable_scope
from ... import layers
from ...framework import add_arg_scope, arg_scope
from ..utils import collect_named_outputs, convert_collection_to_dict

__all__ = ["Block", "conv2d_same", "resnet_arg_scope", "stack_blocks_dense", "subsample"]


class Block(collections.namedtuple("Block", ["scope", "unit_fn", "args"])):
    """A named block: `unit_fn` applied once per dict of keyword arguments in `args` (depth, depth_bottleneck,
    stride)."""


def subsample(inputs, factor, scope=None):
    """Every `factor`-th position (a 1x1 max pool of stride `factor`), or the inputs when factor is 1."""
    if factor == 1:
        return inputs
    return layers.max_pool2d(inputs, [1, 1], stride=factor, scope=scope)


def conv2d_same(inputs, num_outputs, kernel_size, stride, rate=1, scope=None):
    """A convolution whose padding does not depend on the input size: SAME at stride 1, else explicit zero
    padding (kernel_size - 1 in total, the extra one after) and VALID."""
    if stride == 1:
        return layers.conv2d(inputs, num_outputs, kernel_size, stride=1, rate=rate, padding="SAME", scope=scope)
    effective = kernel_size + (kernel_size - 1) * (rate - 1)
    total = effective - 1
    begin = total // 2
    inputs = array_ops.pad(inputs, [[0, 0], [begin, total - begin], [begin, total - begin], [0, 0]])
    return layers.conv2d(inputs, num_outputs, kernel_size, stride=stride, rate=rate, padding="VALID", scope=scope)


@add_arg_scope
def stack_blocks_dense(net, blocks, output_stride=None, outputs_collections=None):
    """Apply the blocks' units in order (scopes `<block>/unit_<i>`). With `output_stride`, once the strides so
    far reach it the remaining units keep stride 1 and dilate instead, so the output is 1/output_stride of the
    input's size."""
    current_stride, rate = 1, 1
    for block in blocks:
        with variable_scope(block.scope, "block", [net]) as sc:
            for i, unit in enumerate(block.args):
                if output_stride is not None and current_stride > output_stride:
                    raise ValueError("The target output_stride cannot be reached.")
                with variable_scope(f"unit_{i + 1}", values=[net]):
                    if output_stride is not None and current_stride == output_stride:
                        net = block.unit_fn(net, rate=rate, **dict(unit, stride=1))
                        rate *= unit.get("stride", 1)
                    else:
                        net = block.unit_fn(net, rate=1, **unit)
                        current_stride *= unit.get("stride", 1)
            net = collect_named_outputs(outputs_collections, sc.name, net)
    if output_stride is not None and current_stride != output_stride:
        raise ValueError("The target output_stride cannot be reached.")
    return net


def resnet_arg_scope(weight_decay=0.0001, batch_norm_decay=0.997, batch_norm_epsilon=1e-5, batch_norm_scale=True):
    """Convolutions with L2 decay, He (variance scaling) weights, batch norm and ReLU; SAME max pooling."""
    from ...layers import variance_scaling_initializer

    bn = {"decay": batch_norm_decay, "epsilon": batch_norm_epsilon, "scale": batch_norm_scale,
          "updates_collections": GraphKeys.UPDATE_OPS}
    with arg_scope([layers.conv2d], weights_regularizer=l2_regularizer(weight_decay),
                   weights_initializer=variance_scaling_initializer(), activation_fn=relu,
                   normalizer_fn=layers.batch_norm, normalizer_params=bn):
        with arg_scope([layers.batch_norm], **bn):
            with arg_scope([layers.max_pool2d], padding="SAME") as sc:
                return sc


def build_resnet(inputs, blocks, num_classes, is_training, global_pool, output_stride, include_root_block, reuse,
                 scope, default, unit_fn, preactivation):
    """ResNet v1 (`preactivation` False) or v2: the root (7x7/2 convolution — plain in v2 —, 3x3/2 max pool),
    the blocks, v2's `postnorm`, global average pooling and 1x1 logits; returns (net, end_points), with
    end_points['predictions'] the softmax when there are classes."""
    with variable_scope(scope, default, [inputs], reuse=reuse) as sc:
        collection = sc.original_name_scope + "_end_points"
        with arg_scope([layers.conv2d, unit_fn, stack_blocks_dense], outputs_collections=collection):
            with arg_scope([layers.batch_norm], is_training=is_training):
                net = inputs
                if include_root_block:
                    if output_stride is not None:
                        if output_stride % 4 != 0:
                            raise ValueError("The output_stride needs to be a multiple of 4.")
                        output_stride //= 4
                    plain = {"activation_fn": None, "normalizer_fn": None} if preactivation else {}
                    with arg_scope([layers.conv2d], **plain):
                        net = conv2d_same(net, 64, 7, stride=2, scope="conv1")
                    net = layers.max_pool2d(net, [3, 3], stride=2, scope="pool1")
                net = stack_blocks_dense(net, blocks, output_stride)
                if preactivation:
                    net = layers.batch_norm(net, activation_fn=relu, scope="postnorm")
                if global_pool:
                    net = math_ops.reduce_mean(net, [1, 2], name="pool5", keepdims=True)
                if num_classes is not None:
                    net = layers.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None,
                                        scope="logits")
                end_points = convert_collection_to_dict(collection)
                if num_classes is not None:
                    end_points["predictions"] = layers.softmax(net, scope="predictions")
                return net, end_points
