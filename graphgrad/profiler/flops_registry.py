"""The float-operation counts TF's profiler knows (TF's profiler/internal/flops_registry.py and the Conv2D,
DepthwiseConv2dNative and BiasAdd statistics of nn_ops.py), registered by TF's op type names with
`RegisterStatistics`: one flop per output element for elementwise ops, 2·k per MatMul output, reductions as
input minus output elements (plus the output for Mean), pooling by window area, Softmax 5 per element, L2Loss
3N-1. A shape that is not fully known raises ValueError: the op is counted among those with incomplete shapes."""
from __future__ import annotations

import math

from ..framework.op_stats import OpStats, RegisterStatistics
from ..graph_io.graph_util import tensor_shape_from_node_def_name as _shape


def _elements(graph, name):
    shape = _shape(graph, name)
    shape.assert_is_fully_defined()
    return shape.num_elements()


def _known(graph, name):
    shape = _shape(graph, name)
    shape.assert_is_fully_defined()
    return shape.as_list()


def _register(op_types, fn, **kwargs):
    for op_type in op_types:
        RegisterStatistics(op_type, "flops")(lambda graph, node: fn(graph, node, **kwargs))


def _unary(graph, node, per_element=1):
    return OpStats("flops", _elements(graph, node.input[0]) * per_element)


def _binary(graph, node, per_element=1):
    return OpStats("flops", _elements(graph, node.name) * per_element)


def _reduction(graph, node, finalize=0):
    return OpStats("flops", _elements(graph, node.input[0]) + _elements(graph, node.name) * (finalize - 1))


def _nhwc(node):
    if node.attr.get("channels_first"):
        raise ValueError("Only NHWC format is supported in flops computations")


def _pool(graph, node):
    _nhwc(node)
    return OpStats("flops", math.prod(node.attr["ksize"]) * _elements(graph, node.name))


def _avg_pool_grad(graph, node):
    _nhwc(node)  # the gradient flowing in is the op's last input (TF's input 1, graphgrad's only one)
    return OpStats("flops", math.prod(node.attr["ksize"]) * _elements(graph, node.input[-1]) * 2)


def _max_pool_grad(graph, node):
    _nhwc(node)
    orig_out = _elements(graph, node.input[1])
    return OpStats("flops", math.prod(node.attr["ksize"]) * orig_out + orig_out)


def _conv(graph, node, depthwise=False):
    _known(graph, node.input[0])
    kernel = _known(graph, node.input[1])
    window = kernel[:-2] if depthwise else kernel[:-1]  # spatial extent (times input depth unless depthwise)
    return OpStats("flops", _elements(graph, node.name) * math.prod(window) * 2)


def _conv_backprop_input(graph, node):
    _nhwc(node)
    out = _known(graph, node.name)
    kernel = _elements(graph, node.input[1])
    return OpStats("flops", 2 * math.prod(out) * kernel / (out[-1] * math.prod(node.attr["strides"])))


def _conv_backprop_filter(graph, node):
    _nhwc(node)
    image = _known(graph, node.input[0])
    kernel = _elements(graph, node.name)
    return OpStats("flops", 2 * math.prod(image) * kernel / (image[-1] * math.prod(node.attr["strides"])))


def _add_n(graph, node):
    inputs = [i for i in node.input if not i.startswith("^")]
    if not inputs:
        return OpStats("flops", 0)
    return OpStats("flops", _elements(graph, inputs[0]) * (len(inputs) - 1))


def _matmul(graph, node, batch=False):
    a = _known(graph, node.input[0])
    k = (a[-2] if node.attr.get("transpose_a") or node.attr.get("adj_x") else a[-1]) if batch else \
        (a[0] if node.attr.get("transpose_a") else a[1])
    return OpStats("flops", k * _elements(graph, node.name) * 2)


_register(["Reciprocal", "Square", "Log", "Neg", "AssignSub", "AssignAdd"], _unary)
_register(["Rsqrt"], _unary, per_element=2)
_register(["Softmax"], _unary, per_element=5)
RegisterStatistics("L2Loss", "flops")(lambda graph, node: OpStats("flops", _elements(graph, node.input[0]) * 3 - 1))
_register(["Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Pow", "GreaterEqual", "Greater",
           "LessEqual", "Less", "Equal", "NotEqual"], _binary)
_register(["RsqrtGrad"], _binary, per_element=4)
_register(["SquaredDifference"], _binary, per_element=2)
_register(["Mean"], _reduction, finalize=1)
_register(["Sum", "ArgMax", "ArgMin", "BiasAddGrad"], _reduction)
_register(["AvgPool", "MaxPool"], _pool)
RegisterStatistics("AvgPoolGrad", "flops")(_avg_pool_grad)
RegisterStatistics("MaxPoolGrad", "flops")(_max_pool_grad)
_register(["Conv2D", "Conv3D"], _conv)
_register(["DepthwiseConv2dNative"], _conv, depthwise=True)
RegisterStatistics("Conv2DBackpropInput", "flops")(_conv_backprop_input)
RegisterStatistics("Conv2DBackpropFilter", "flops")(_conv_backprop_filter)
RegisterStatistics("AddN", "flops")(_add_n)
_register(["MatMul"], _matmul)
_register(["BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"], _matmul, batch=True)
RegisterStatistics("BiasAdd", "flops")(lambda graph, node: OpStats("flops", _elements(graph, node.input[0])))
