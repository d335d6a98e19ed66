"""TensorFlow's op types as graphgrad builds them: how `tf.import_graph_def` turns a NodeDef that TensorFlow wrote
into graphgrad ops. graphgrad's own GraphDefs need none of this (their nodes carry graphgrad's attributes and are
rebuilt from the op definitions themselves); TensorFlow spells several ops differently (axes and shapes as input
tensors where graphgrad keeps attributes, `Conv2D` for graphgrad's `Conv`, data_format strings), so each such type
has a builder here, written with graphgrad's public functions.

Forward ops of MLP, CNN and logistic-regression programs and variable initializers are covered; gradient and
training ops are not (docs/graph-io.md).
"""
from __future__ import annotations

from ..ops import (  # noqa: F401 (their op types build by name below)
    batch_norm_ops,
    bucket_ops,
    partition_ops,
    scatter_ops,
    segment_ops,
    segment_reduce_ops,
)
from ..ops import gradient_args_ops as dyn
from ..train import adadelta, adagrad, momentum, proximal, rmsprop  # noqa: F401

#: TF op types that graphgrad's op of the same type builds directly, with the TF attributes it keeps.
SAME = {
    "Const": ("dtype", "value"), "Placeholder": ("dtype", "shape"), "Identity": (), "NoOp": (),
    "VariableV2": ("shape", "dtype", "container", "shared_name"), "Assign": ("validate_shape",),
    "MatMul": ("transpose_a", "transpose_b"), "Cast": ("SrcT", "DstT"), "Shape": ("out_type",),
    "Pack": ("N", "axis"), "ZerosLike": (), "OnesLike": (), "StopGradient": (), "AddN": (),
    "SparseSoftmaxCrossEntropyWithLogits": (), "SoftmaxCrossEntropyWithLogits": (),
    "Size": ("out_type",), "Unique": ("out_idx",), "ShapeN": ("out_type", "N"), "LeakyReluGrad": ("alpha",),
    # training graphs: the gradient kernels (TF's input order: (dy, x) or (y, dy), as graphgrad's) and updates
    **{t: () for t in ("ReluGrad", "Relu6Grad", "EluGrad", "SeluGrad", "SoftplusGrad", "TanhGrad", "SigmoidGrad",
                       "RsqrtGrad", "SqrtGrad", "ReciprocalGrad", "L2Loss")},
    **{t: ("use_locking",) for t in ("ApplyGradientDescent", "ApplyAdadelta", "ApplyRMSProp", "ApplyCenteredRMSProp",
                                     "AssignAdd", "AssignSub")},
    "ApplyMomentum": ("use_locking", "use_nesterov"), "ApplyAdam": ("use_locking", "use_nesterov"),
    "ApplyAdagrad": ("use_locking", "update_slots"), "SparseApplyAdagrad": ("use_locking", "update_slots"),
    "ScatterAdd": (), "ScatterSub": (), "ScatterUpdate": (), "DynamicStitch": ("N",), "UnsortedSegmentSum": (),
    "Rank": (), "IsVariableInitialized": (),
    # segments, partitions, buckets (ops/segment_reduce_ops.py, partition_ops.py, bucket_ops.py)
    **{t: () for t in ("SegmentSum", "SegmentMean", "SegmentMax", "SegmentMin", "SegmentProd", "UnsortedSegmentMax",
                       "UnsortedSegmentMin", "UnsortedSegmentProd", "SparseSegmentSum", "SparseSegmentMean",
                       "SparseSegmentSqrtN", "SparseSegmentSumWithNumSegments", "SparseSegmentMeanWithNumSegments",
                       "SparseSegmentSqrtNWithNumSegments", "InvertPermutation", "UnravelIndex")},
    "DynamicPartition": ("num_partitions",), "ListDiff": ("out_idx",), "LowerBound": ("out_type",),
    "UpperBound": ("out_type",), "HistogramFixedWidth": ("dtype",),
    **{t: ("epsilon", "data_format", "is_training", "exponential_avg_factor")
       for t in ("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")},
    **{t: ("epsilon", "data_format", "is_training")
       for t in ("FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3")},
    **{t: () for t in ("AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Pow", "SquaredDifference",
                       "FloorDiv", "FloorMod", "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual",
                       "LogicalAnd", "LogicalOr", "LogicalNot", "Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh",
                       "Softplus", "Softsign", "Neg", "Abs", "Exp", "Log", "Log1p", "Sqrt", "Rsqrt", "Square",
                       "Reciprocal", "Sign", "Floor", "Ceil", "Round", "Select", "SelectV2")},
}

#: Resource variables' op types (`use_resource=True`, `tf.enable_resource_variables()`) as the reference-variable
#: ops graphgrad has: a handle is graphgrad's variable, read by an Identity and updated by the same kernels (the
#: attributes are those of the op named). A checkpoint holds both kinds alike.
RESOURCE = {
    "VarHandleOp": "VariableV2", "ReadVariableOp": "Identity", "AssignVariableOp": "Assign",
    "AssignAddVariableOp": "AssignAdd", "AssignSubVariableOp": "AssignSub",
    "VarIsInitializedOp": "IsVariableInitialized",
    **{"Resource" + t: t for t in ("ApplyGradientDescent", "ApplyMomentum", "ApplyAdam", "ApplyAdagrad",
                                   "ApplyRMSProp", "ApplyCenteredRMSProp", "ApplyAdadelta", "SparseApplyAdagrad",
                                   "ScatterAdd", "ScatterSub", "ScatterUpdate", "ApplyFtrl", "ApplyFtrlV2",
                                   "ApplyProximalGradientDescent")},
}

# The sparse updates TF's optimizers build for an IndexedSlices gradient (an embedding's; train/sparse_apply.py).
_SPARSE_UPDATES = {"SparseApplyMomentum": ("use_locking", "use_nesterov"), "SparseApplyRMSProp": ("use_locking",),
                   "SparseApplyCenteredRMSProp": ("use_locking",), "SparseApplyAdadelta": ("use_locking",)}
SAME.update(_SPARSE_UPDATES)
RESOURCE.update({"Resource" + t: t for t in _SPARSE_UPDATES})

#: Attributes graphgrad's op has where TensorFlow's op has none (TF's cross-entropy is over the last axis only).
FIXED = {"SoftmaxCrossEntropyWithLogits": {"axis": -1}, "Unique": {"counts": False}}


def _nhwc(b):
    fmt = b.attr("data_format", "NHWC")
    if fmt not in ("NHWC", "NCHW"):
        raise b.error(f"data_format {fmt!r} is not supported")
    return fmt


def _reduce(b, fn):
    """A reduction over constant axes, or over axes known only when run (TF's gradients of shapes not known
    while building)."""
    keep = b.attr("keep_dims", False)
    if b.input(1).op.type != "Const":
        return dyn.tensor_axes_reduction(b.node.op, b.input(0), b.input(1), keep, name=b.name)
    return fn(b.input(0), axis=b.const(1).tolist(), keepdims=keep, name=b.name)


def _arg(b, fn):
    return fn(b.input(0), axis=int(b.const(1)), output_type=b.attr("output_type"), name=b.name)


def _pool(b, fn):
    return fn(b.input(0), list(b.attr("ksize")), list(b.attr("strides")), b.attr("padding"), data_format=_nhwc(b),
              name=b.name)


def _pool_grad_attrs(b, label):
    """graphgrad's pooling attributes (spatial window and strides) from TF's 4-D ksize and strides."""
    first = _nhwc(b) == "NCHW"
    spatial = slice(2, 4) if first else slice(1, 3)
    return {"ksize": tuple(b.attr("ksize"))[spatial], "strides": tuple(b.attr("strides"))[spatial],
            "padding": b.attr("padding"), "channels_first": first, "label": label}


def _avg_pool_grad(b):
    """AvgPoolGrad(orig_input_shape, grad): the shape is a constant, or the Shape of the pooled input (read for
    its shape when run)."""
    attrs = _pool_grad_attrs(b, "AvgPool")
    shape_src = b.input(0).op
    if shape_src.type == "Shape":
        x = shape_src.inputs[0]
        return _graphgrad_op(b, "AvgPoolGrad", [b.input(1), x], dict(attrs, input_shape=x.shape.as_list()
                                                                      if x.shape.ndims is not None else None))
    return _graphgrad_op(b, "AvgPoolGrad", [b.input(1)], dict(attrs, input_shape=tuple(b.const(0).tolist())))


def _conv_args(b):
    return dict(strides=list(b.attr("strides")), padding=b.attr("padding"), data_format=_nhwc(b),
                dilations=list(b.attr("dilations", (1, 1, 1, 1))), name=b.name)


def _ftrl_rule(tf, refs, args, shrinkage):
    """TF's FTRL-Proximal update (ApplyFtrl: grad, lr, l1, l2, lr_power after the refs; ApplyFtrlV2: l2_shrinkage
    before lr_power), as graphgrad's FtrlOptimizer writes it: (var, accum, linear) after the step."""
    var, accum, linear = refs
    grad, lr, l1, l2 = args[:4]
    power = -args[-1]
    shrunk = grad + 2.0 * args[4] * var if shrinkage else grad
    new_accum = accum + grad * grad
    new_linear = linear + shrunk - (tf.pow(new_accum, power) - tf.pow(accum, power)) / lr * var
    quadratic = tf.pow(new_accum, power) / lr + 2.0 * l2
    new_var = tf.where(tf.abs(new_linear) > l1, (tf.sign(new_linear) * l1 - new_linear) / quadratic,
                       tf.zeros_like(new_linear))
    return [new_var, new_accum, new_linear]


def _graph_rule(rule):
    """A rule of train/proximal.py, which builds with graphgrad's ops directly, in this module's (tf, refs, args)
    form."""
    return lambda tf, refs, args: rule(refs, args)


def _dense_update(rule, n_refs):
    """A builder of TF's dense update op whose arithmetic is `rule(tf, refs, other inputs)`: the refs assigned."""
    def build(b, tf):
        return proximal.apply_rule(lambda refs, args: rule(tf, refs, args), b.inputs[:n_refs], b.inputs[n_refs:],
                                   b.name + "/")
    return build


def _sparse_update(rule, n_refs, indices_at):
    """The builder of its sparse form (the input `indices_at` the rows): the rule on the gathered rows of the
    variable and slots, scattered back once all are computed. Rows must be distinct, as TF's optimizers make
    them (repeated rows, which TF's kernel applies in turn, would be computed from the same old rows)."""
    def build(b, tf):
        inputs = list(b.inputs)
        rows = inputs.pop(indices_at)
        return proximal.apply_rule(lambda refs, args: rule(tf, refs, args), inputs[:n_refs], inputs[n_refs:],
                                   b.name + "/", rows)
    return build


def _random(b, fn):
    """A random initializer: the op-level seed only (values differ from TF's: a restore overwrites them)."""
    seed, seed2 = b.attr("seed", 0), b.attr("seed2", 0)
    return fn(b.const(0).tolist(), dtype=b.attr("dtype"), seed=(seed2 or seed) or None, name=b.name)


def _channel_axis(b):
    return 1 if _nhwc(b) == "NCHW" else -1


def _graphgrad_op(b, type_name, inputs, attrs):
    """graphgrad's op `type_name` (one TF spells with other attributes) over `inputs`, named after the node."""
    from ..framework.op_def import OP_DEFS
    from ..ops.core import apply_op

    return apply_op(OP_DEFS[type_name], list(inputs), attrs, b.name)


BUILDERS = {
    "BroadcastGradientArgs": lambda b, tf: dyn.broadcast_gradient_args_op(b.input(0), b.input(1), name=b.name),
    "ConcatOffset": lambda b, tf: dyn.concat_offset(b.input(0), b.inputs[1:], name=b.name),
    "Slice": lambda b, tf: (tf.slice(b.input(0), b.const(1).tolist(), b.const(2).tolist(), name=b.name)
                            if b.input(1).op.type == b.input(2).op.type == "Const"
                            else dyn.tensor_slice(b.input(0), b.input(1), b.input(2), name=b.name)),
    "Conv2DBackpropInput": lambda b, tf: tf.nn.conv2d_backprop_input(b.input(0), b.input(1), b.input(2),
                                                                     **_conv_args(b)),
    "Conv2DBackpropFilter": lambda b, tf: tf.nn.conv2d_backprop_filter(b.input(0), b.input(1), b.input(2),
                                                                       **_conv_args(b)),
    "MaxPoolGrad": lambda b, tf: _graphgrad_op(b, "MaxPoolGrad", b.inputs, _pool_grad_attrs(b, "MaxPool")),
    "AvgPoolGrad": lambda b, tf: _avg_pool_grad(b),
    "BiasAddGrad": lambda b, tf: _graphgrad_op(b, "BiasAddGrad", b.inputs, {"axis": _channel_axis(b)}),
    "ResourceGather": lambda b, tf: tf.gather(b.input(0), b.input(1), batch_dims=b.attr("batch_dims", 0),
                                              name=b.name),
    "Add": lambda b, tf: tf.add(b.input(0), b.input(1), name=b.name),
    "PlaceholderWithDefault": lambda b, tf: tf.placeholder_with_default(b.input(0), b.attr("shape"), name=b.name),
    "BiasAdd": lambda b, tf: tf.nn.bias_add(b.input(0), b.input(1), data_format=_nhwc(b), name=b.name),
    "Softmax": lambda b, tf: tf.nn.softmax(b.input(0), name=b.name),
    "LogSoftmax": lambda b, tf: tf.nn.log_softmax(b.input(0), name=b.name),
    "LeakyRelu": lambda b, tf: tf.nn.leaky_relu(b.input(0), alpha=b.attr("alpha", 0.2), name=b.name),
    "Mean": lambda b, tf: _reduce(b, tf.reduce_mean),
    "Sum": lambda b, tf: _reduce(b, tf.reduce_sum),
    "Max": lambda b, tf: _reduce(b, tf.reduce_max),
    "Min": lambda b, tf: _reduce(b, tf.reduce_min),
    "Prod": lambda b, tf: _reduce(b, tf.reduce_prod),
    "ArgMax": lambda b, tf: _arg(b, tf.argmax),
    "ArgMin": lambda b, tf: _arg(b, tf.argmin),
    "Reshape": lambda b, tf: tf.reshape(b.input(0), b.input(1), name=b.name),
    "ConcatV2": lambda b, tf: tf.concat(b.inputs[:-1], int(b.const(len(b.inputs) - 1)), name=b.name),
    "ExpandDims": lambda b, tf: tf.expand_dims(b.input(0), int(b.const(1)), name=b.name),
    "Squeeze": lambda b, tf: tf.squeeze(b.input(0), list(b.attr("squeeze_dims", ())) or None, name=b.name),
    "Transpose": lambda b, tf: tf.transpose(b.input(0), b.const(1).tolist(), name=b.name),
    "BroadcastTo": lambda b, tf: tf.broadcast_to(b.input(0), b.input(1), name=b.name),
    "ApplyFtrl": _dense_update(lambda tf, refs, args: _ftrl_rule(tf, refs, args, False), 3),
    "ApplyFtrlV2": _dense_update(lambda tf, refs, args: _ftrl_rule(tf, refs, args, True), 3),
    "ApplyProximalGradientDescent": _dense_update(_graph_rule(proximal.gradient_descent_rule), 1),
    "TopKV2": lambda b, tf: tf.nn.top_k(b.input(0), int(b.const(1)), sorted=b.attr("sorted", True), name=b.name),
    "Fill": lambda b, tf: tf.fill(b.input(0), b.input(1), name=b.name),
    "Tile": lambda b, tf: tf.tile(b.input(0), b.input(1), name=b.name),
    "GatherV2": lambda b, tf: tf.gather(b.input(0), b.input(1), axis=int(b.const(2)), name=b.name),
    "OneHot": lambda b, tf: tf.one_hot(b.input(0), int(b.const(1)), on_value=b.const(2).item(),
                                       off_value=b.const(3).item(), axis=b.attr("axis", -1), dtype=b.attr("T"),
                                       name=b.name),
    "Range": lambda b, tf: tf.range(b.input(0), b.input(1), b.input(2), dtype=b.attr("Tidx"), name=b.name),
    "StridedSlice": lambda b, tf: tf.strided_slice(
        b.input(0), b.const(1).tolist(), b.const(2).tolist(), b.const(3).tolist(),
        **{k: b.attr(k, 0) for k in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                     "shrink_axis_mask")}, name=b.name),
    "Conv2D": lambda b, tf: tf.nn.conv2d(b.input(0), b.input(1), list(b.attr("strides")), b.attr("padding"),
                                         data_format=_nhwc(b), dilations=list(b.attr("dilations", (1, 1, 1, 1))),
                                         name=b.name),
    "MaxPool": lambda b, tf: _pool(b, tf.nn.max_pool),
    "AvgPool": lambda b, tf: _pool(b, tf.nn.avg_pool),
    "RandomUniform": lambda b, tf: _random(b, tf.random_uniform),
    "RandomStandardNormal": lambda b, tf: _random(b, tf.random_normal),
    "TruncatedNormal": lambda b, tf: _random(b, tf.truncated_normal),
}

# The proximal and FTRL updates' sparse forms, ProximalAdagrad and AdagradDA, in TF's input order (indices after
# grad).
_PROXIMAL_AND_FTRL = {
    "SparseApplyFtrl": _sparse_update(lambda tf, refs, args: _ftrl_rule(tf, refs, args, False), 3, 4),
    "SparseApplyFtrlV2": _sparse_update(lambda tf, refs, args: _ftrl_rule(tf, refs, args, True), 3, 4),
    "SparseApplyProximalGradientDescent": _sparse_update(_graph_rule(proximal.gradient_descent_rule), 1, 5),
    "ApplyProximalAdagrad": _dense_update(_graph_rule(proximal.adagrad_rule), 2),
    "SparseApplyProximalAdagrad": _sparse_update(_graph_rule(proximal.adagrad_rule), 2, 6),
    "ApplyAdagradDA": _dense_update(_graph_rule(proximal.adagrad_da_rule), 3),
    "SparseApplyAdagradDA": _sparse_update(_graph_rule(proximal.adagrad_da_rule), 3, 4),
}
BUILDERS.update(_PROXIMAL_AND_FTRL)
RESOURCE.update({"Resource" + t: t for t in _PROXIMAL_AND_FTRL})
