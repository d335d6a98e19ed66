"""`tf.contrib.layers` (TF-Slim's layers): `fully_connected`, `conv2d`, `batch_norm`, ... with slim's defaults
(ReLU after every layer, Xavier weights, zero biases, SAME convolutions) and names (`fully_connected/weights`,
`Conv/biases`, `BatchNorm/moving_mean`, all MODEL_VARIABLES), plus its initializers, regularizers, `optimize_loss`
and summaries.

The layers are `tf.layers`' own classes (graphgrad/layers) with slim's variable names, `normalizer_fn` and
`activation_fn` applied in the layer's scope (`fully_connected/Relu`), and `@add_arg_scope`, so that
`tf.contrib.framework.arg_scope` sets their defaults. A layer's variable scope is `scope` when given, else its
default name made unique (`fully_connected`, `fully_connected_1`, ...); `reuse=True` with a scope shares its
variables.
"""
from __future__ import annotations

import inspect
import math
import numbers

from ..framework import dtypes
from ..framework.graph import GraphKeys, Tensor, get_default_graph, name_scope
from ..layers import convolutional, core, normalization
from ..layers.convolutional import _padding, _tuple
from ..nn import batch_normalization as _batch_normalization
from ..nn import bias_add, depthwise_conv2d, embedding_lookup
from ..ops import array_ops, clip_ops, conv_ops, init_ops, math_ops, nn_ops, pooling_ops, random_ops
from ..ops.core import convert_to_tensor, with_dependencies
from ..regularizers import (  # noqa: F401  (tf.contrib.layers' names)
    apply_regularization,
    l1_l2_regularizer,
    l1_regularizer,
    l2_regularizer,
    sum_regularizer,
)
from ..variables import get_variable, trainable_variables, variable_scope
from .framework import add_arg_scope, add_model_variable, model_variable

__all__ = ["flatten", "fully_connected", "linear", "conv2d", "convolution2d", "conv1d", "convolution1d", "conv3d",
           "convolution3d", "convolution", "conv2d_transpose", "convolution2d_transpose", "separable_conv2d",
           "separable_convolution2d", "max_pool2d", "avg_pool2d",
           "dropout", "batch_norm", "layer_norm", "one_hot_encoding", "softmax", "embed_sequence", "repeat", "stack",
           "xavier_initializer",
           "xavier_initializer_conv2d", "variance_scaling_initializer", "l1_regularizer", "l2_regularizer",
           "l1_l2_regularizer", "sum_regularizer", "apply_regularization", "optimize_loss", "OPTIMIZER_CLS_NAMES",
           "OPTIMIZER_SUMMARIES", "summarize_tensor", "summarize_tensors", "summarize_activation",
           "summarize_activations", "summarize_collection", "summarize_variables", "summarize_weights",
           "summarize_biases"]

# --- initializers -------------------------------------------------------------------------------------------


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None, dtype=dtypes.float32):
    """Contrib's He-style initializer: variance `factor / n`, n the fan-in, fan-out or their mean (`mode`);
    uniform in ±sqrt(3·factor/n), or a normal truncated at 2σ with σ = sqrt(1.3·factor/n) (the 1.3 undoes the
    truncation's loss of variance). Convolution kernels count their window in both fans."""
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError("Cannot create initializer for non-floating point type.")
    if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")

    def _initializer(shape, dtype=dtype, partition_info=None):
        dtype = dtypes.as_dtype(dtype)
        if not dtype.is_floating:
            raise TypeError("Cannot create initializer for non-floating point type.")
        shape = list(shape)
        if shape:
            fan_in = float(shape[-2]) if len(shape) > 1 else float(shape[-1])
            fan_out = float(shape[-1])
        else:
            fan_in = fan_out = 1.0
        for dim in shape[:-2]:
            fan_in *= float(dim)
            fan_out *= float(dim)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[mode]
        if uniform:
            limit = math.sqrt(3.0 * factor / n)
            return random_ops.random_uniform(shape, -limit, limit, dtype, seed=seed)
        return random_ops.truncated_normal(shape, 0.0, math.sqrt(1.3 * factor / n), dtype, seed=seed)
    return _initializer


def xavier_initializer(uniform=True, seed=None, dtype=dtypes.float32):
    """Glorot & Bengio's initializer: variance 1 / mean(fan_in, fan_out), uniform by default (then the same
    distribution as `tf.glorot_uniform_initializer`)."""
    return variance_scaling_initializer(factor=1.0, mode="FAN_AVG", uniform=uniform, seed=seed, dtype=dtype)


xavier_initializer_conv2d = xavier_initializer

# --- what every slim layer does -------------------------------------------------------------------------------

_SLIM_NAMES = {"kernel": "weights", "bias": "biases"}


def _variable_collections(variables_collections, name):
    if isinstance(variables_collections, dict):
        return variables_collections.get(name) or []
    return variables_collections or []


def _collect_outputs(outputs_collections, outputs, alias):
    """Slim's `outputs_collections`: the layer's output, aliased by its scope's name (slim.utils), added to each
    named collection."""
    from .slim.utils import collect_named_outputs

    return collect_named_outputs(outputs_collections, alias, outputs)


class _Slim:
    """Mixin over a `tf.layers` class: slim's variable names (weights, biases) and collections (MODEL_VARIABLES,
    `variables_collections`), then `normalizer_fn` and `activation_fn` inside the layer's scope."""

    def __init__(self, *args, scope_name, activation_fn=None, normalizer_fn=None, normalizer_params=None,
                 variables_collections=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._base_name = scope_name
        self._activation_fn, self._normalizer_fn = activation_fn, normalizer_fn
        self._normalizer_params = normalizer_params or {}
        self._variables_collections = variables_collections

    def add_variable(self, name, shape, **kwargs):
        name = _SLIM_NAMES.get(name, name)
        var = super().add_variable(name, shape, **kwargs)
        add_model_variable(var)
        g = get_default_graph()
        for collection in _variable_collections(self._variables_collections, name):
            if var not in g.get_collection(collection):
                g.add_to_collection(collection, var)
        return var

    def call(self, inputs, **kwargs):
        outputs = super().call(inputs, **kwargs)
        if self._normalizer_fn is not None:
            outputs = self._normalizer_fn(outputs, **self._normalizer_params)
        if self._activation_fn is not None:
            outputs = self._activation_fn(outputs)
        return outputs


def _slim_class(layer_class):
    return type(f"Slim{layer_class.__name__}", (_Slim, layer_class), {"__module__": __name__})


_FullyConnected = _slim_class(core.Dense)
_Convs = {n: _slim_class(c) for n, c in ((1, convolutional.Conv1D), (2, convolutional.Conv2D),
                                         (3, convolutional.Conv3D))}
_Conv2DTranspose = _slim_class(convolutional.Conv2DTranspose)
_BatchNorm = type("SlimBatchNormalization", (_Slim, normalization.BatchNormalization),
                  {"__module__": __name__, "_fused_ranks": (2, 4)})  # slim fuses 2-D inputs too


def _apply(layer, inputs, outputs_collections, **call_kwargs):
    outputs = layer.apply(convert_to_tensor(inputs), **call_kwargs)
    return _collect_outputs(outputs_collections, outputs, layer.scope_name)


def _weights_args(normalizer_fn, weights_initializer, weights_regularizer, biases_initializer, biases_regularizer,
                  trainable, scope, reuse, activation_fn, normalizer_params, variables_collections):
    """The keyword arguments a slim layer gives its tf.layers class: no bias when a normalizer follows (it
    would be subtracted away) or when `biases_initializer` is None."""
    return dict(activation=None, use_bias=normalizer_fn is None and biases_initializer is not None,
                kernel_initializer=weights_initializer, bias_initializer=biases_initializer,
                kernel_regularizer=weights_regularizer, bias_regularizer=biases_regularizer, trainable=trainable,
                name=scope, _reuse=reuse, activation_fn=activation_fn, normalizer_fn=normalizer_fn,
                normalizer_params=normalizer_params, variables_collections=variables_collections)


# --- layers -----------------------------------------------------------------------------------------------------

@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=nn_ops.relu, normalizer_fn=None, normalizer_params=None,
                    weights_initializer=xavier_initializer(), weights_regularizer=None,
                    biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None, reuse=None,
                    variables_collections=None, outputs_collections=None, trainable=True, scope=None):
    """`activation_fn(normalizer_fn(inputs @ weights + biases))`: variables `<scope>/weights` [in, num_outputs]
    and `<scope>/biases` (scope default `fully_connected`); inputs of rank > 2 are multiplied along their last
    axis."""
    if isinstance(num_outputs, bool) or not isinstance(num_outputs, numbers.Integral):
        raise ValueError(f"num_outputs type should be one of [<class 'int'>], got {type(num_outputs)}.")
    layer = _FullyConnected(num_outputs, scope_name="fully_connected", **_weights_args(
        normalizer_fn, weights_initializer, weights_regularizer, biases_initializer, biases_regularizer, trainable,
        scope, reuse, activation_fn, normalizer_params, variables_collections))
    return _apply(layer, inputs, outputs_collections)


@add_arg_scope
def linear(inputs, num_outputs, **kwargs):
    """fully_connected without an activation."""
    return fully_connected(inputs, num_outputs, activation_fn=None, **kwargs)


_DATA_FORMATS = (None, "NWC", "NCW", "NHWC", "NCHW", "NDHWC", "NCDHW")


@add_arg_scope
def convolution(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None, rate=1,
                activation_fn=nn_ops.relu, normalizer_fn=None, normalizer_params=None,
                weights_initializer=xavier_initializer(), weights_regularizer=None,
                biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None, reuse=None,
                variables_collections=None, outputs_collections=None, trainable=True, scope=None, conv_dims=None):
    """An N-d convolution (N from the input's rank, or `conv_dims`): variables `<scope>/weights`
    [*kernel_size, in, num_outputs] and `<scope>/biases` (scope default `Conv`); `rate` > 1 dilates."""
    if data_format not in _DATA_FORMATS:
        raise ValueError(f"Invalid data_format: {data_format!r}")
    inputs = convert_to_tensor(inputs)
    rank = inputs.shape.ndims
    if conv_dims is not None and rank is not None and conv_dims + 2 != rank:
        raise ValueError(f"Convolution expects input with rank {conv_dims + 2}, got {rank}")
    if rank is None or rank - 2 not in _Convs:
        raise ValueError(f"Convolution not supported for input with rank {rank}")
    df = "channels_first" if data_format and data_format.startswith("NC") else "channels_last"
    layer = _Convs[rank - 2](num_outputs, kernel_size, strides=stride, padding=padding, data_format=df,
                             dilation_rate=rate, scope_name="Conv", **_weights_args(
                                 normalizer_fn, weights_initializer, weights_regularizer, biases_initializer,
                                 biases_regularizer, trainable, scope, reuse, activation_fn, normalizer_params,
                                 variables_collections))
    return _apply(layer, inputs, outputs_collections)


def _with_dims(n):
    def conv(inputs, num_outputs, kernel_size, *args, **kwargs):
        return convolution(inputs, num_outputs, kernel_size, *args, conv_dims=n, **kwargs)
    conv.__name__ = conv.__qualname__ = f"convolution{n}d"
    sig = inspect.signature(convolution)
    conv.__signature__ = sig.replace(parameters=[p for p in sig.parameters.values() if p.name != "conv_dims"])
    conv.__doc__ = f"`convolution` of {n}-D inputs (scope default `Conv`): variables `Conv/weights`, `Conv/biases`."
    return add_arg_scope(conv)


convolution1d, convolution2d, convolution3d = _with_dims(1), _with_dims(2), _with_dims(3)
conv1d, conv2d, conv3d = convolution1d, convolution2d, convolution3d


@add_arg_scope
def convolution2d_transpose(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format="NHWC",
                            activation_fn=nn_ops.relu, normalizer_fn=None, normalizer_params=None,
                            weights_initializer=xavier_initializer(), weights_regularizer=None,
                            biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None, reuse=None,
                            variables_collections=None, outputs_collections=None, trainable=True, scope=None):
    """The transpose of a 2-D convolution (output size input · stride with SAME): variables
    `Conv2d_transpose/weights` [kh, kw, num_outputs, in] and `Conv2d_transpose/biases`."""
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    df = "channels_first" if data_format == "NCHW" else "channels_last"
    layer = _Conv2DTranspose(num_outputs, kernel_size, strides=stride, padding=padding, data_format=df,
                             scope_name="Conv2d_transpose", **_weights_args(
                                 normalizer_fn, weights_initializer, weights_regularizer, biases_initializer,
                                 biases_regularizer, trainable, scope, reuse, activation_fn, normalizer_params,
                                 variables_collections))
    return _apply(layer, inputs, outputs_collections)


conv2d_transpose = convolution2d_transpose


def _pair(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (int(value), int(value))


@add_arg_scope
def separable_convolution2d(inputs, num_outputs, kernel_size, depth_multiplier=1, stride=1, padding="SAME",
                            data_format="NHWC", rate=1, activation_fn=nn_ops.relu, normalizer_fn=None,
                            normalizer_params=None, weights_initializer=xavier_initializer(),
                            pointwise_initializer=None, weights_regularizer=None,
                            biases_initializer=init_ops.zeros_initializer(), biases_regularizer=None, reuse=None,
                            variables_collections=None, outputs_collections=None, trainable=True, scope=None):
    """A depthwise convolution (`depth_multiplier` filters per input channel: `<scope>/depthwise_weights`
    [kh, kw, in, depth_multiplier]) and, unless `num_outputs` is None, a 1x1 convolution mixing the channels
    (`<scope>/pointwise_weights` [1, 1, in · depth_multiplier, num_outputs]); then biases or `normalizer_fn`, and
    `activation_fn` (scope default `SeparableConv2d`). MobileNet's depthwise layers pass `num_outputs=None`."""
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    with variable_scope(scope, "SeparableConv2d", [inputs], reuse=reuse) as sc:
        inputs = convert_to_tensor(inputs)
        dtype = inputs.dtype.base_dtype
        channels = inputs.shape.as_list()[1 if data_format == "NCHW" else -1]
        (kh, kw), (sh, sw) = _pair(kernel_size), _pair(stride)
        weights = _variable_collections(variables_collections, "weights")
        depthwise = model_variable("depthwise_weights", [kh, kw, channels, depth_multiplier], dtype,
                                   weights_initializer, weights_regularizer, trainable, weights)
        strides = [1, 1, sh, sw] if data_format == "NCHW" else [1, sh, sw, 1]
        if num_outputs is None:
            outputs = depthwise_conv2d(inputs, depthwise, strides, padding, rate=_pair(rate),
                                       data_format=data_format)
            num_outputs = channels * depth_multiplier
        else:
            pointwise = model_variable("pointwise_weights", [1, 1, channels * depth_multiplier, num_outputs], dtype,
                                       pointwise_initializer or weights_initializer, weights_regularizer, trainable,
                                       weights)
            outputs = conv_ops.separable_conv2d(inputs, depthwise, pointwise, strides, padding, rate=_pair(rate),
                                                data_format=data_format)
        if normalizer_fn is not None:
            outputs = normalizer_fn(outputs, **(normalizer_params or {}))
        elif biases_initializer is not None:
            biases = model_variable("biases", [num_outputs], dtype, biases_initializer, biases_regularizer, trainable,
                                    _variable_collections(variables_collections, "biases"))
            outputs = bias_add(outputs, biases, data_format=data_format)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
    return _collect_outputs(outputs_collections, outputs, sc.name)


separable_conv2d = separable_convolution2d


def _pool2d(kind, default, inputs, kernel_size, stride, padding, data_format, outputs_collections, scope):
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    with name_scope(scope, default, [inputs]) as sc:
        fmt = "NC..." if data_format == "NCHW" else "N...C"
        label = "MaxPool" if kind == "MAX" else "AvgPool"
        outputs = pooling_ops._pool(kind, 2, convert_to_tensor(inputs), _tuple(kernel_size, 2, "pool_size"),
                                    _tuple(stride, 2, "strides"), _padding(padding), fmt, None, label, label)
    return _collect_outputs(outputs_collections, outputs, sc)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC", outputs_collections=None,
               scope=None):
    """2-D max pooling (stride 2 and VALID by default), ops under `MaxPool2D/`."""
    return _pool2d("MAX", "MaxPool2D", inputs, kernel_size, stride, padding, data_format, outputs_collections, scope)


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC", outputs_collections=None,
               scope=None):
    """2-D average pooling (stride 2 and VALID by default), ops under `AvgPool2D/`."""
    return _pool2d("AVG", "AvgPool2D", inputs, kernel_size, stride, padding, data_format, outputs_collections, scope)


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """[batch, d1, d2, ...] -> [batch, d1 · d2 · ...] (ops under `Flatten/`)."""
    with name_scope(scope, "Flatten", [inputs]) as sc:
        outputs = core.flatten(convert_to_tensor(inputs))
    return _collect_outputs(outputs_collections, outputs, sc)


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None, scope=None,
            seed=None):
    """Keep each unit with probability `keep_prob` (scaled by 1/keep_prob) while `is_training` (a Python bool or
    a bool tensor; the identity otherwise). Note slim's default: training, unlike `tf.layers.dropout`."""
    rate = 1 - keep_prob if isinstance(keep_prob, numbers.Real) else math_ops.subtract(1.0, keep_prob)
    layer = core.Dropout(rate=rate, noise_shape=noise_shape, seed=seed, name=scope)
    layer._base_name = "Dropout"
    return _apply(layer, inputs, outputs_collections, training=is_training)


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None, updates_collections=GraphKeys.UPDATE_OPS,
               is_training=True, reuse=None, variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC", zero_debias_moving_mean=False, scope=None,
               renorm=False, renorm_clipping=None, renorm_decay=0.99, adjustment=None):
    """Batch normalization with slim's defaults: moving averages decay 0.999, `beta` but no `gamma` (scale=False:
    a ReLU after it makes the scale redundant), batch statistics unless `is_training` is False (or a bool tensor
    that is false). The moving averages' updates go to `updates_collections` (UPDATE_OPS: run them with the
    training step); with `updates_collections=None` the output waits for them instead."""
    if batch_weights is not None or zero_debias_moving_mean:
        raise NotImplementedError("batch_norm's batch_weights and zero_debias_moving_mean are not supported")
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    inits, regs = param_initializers or {}, param_regularizers or {}
    layer = _BatchNorm(
        axis=1 if data_format == "NCHW" else -1, momentum=decay, epsilon=epsilon, center=center, scale=scale,
        beta_initializer=inits.get("beta"), gamma_initializer=inits.get("gamma"),
        moving_mean_initializer=inits.get("moving_mean"), moving_variance_initializer=inits.get("moving_variance"),
        beta_regularizer=regs.get("beta"), gamma_regularizer=regs.get("gamma"), renorm=renorm,
        renorm_clipping=renorm_clipping, renorm_momentum=renorm_decay, fused=fused, adjustment=adjustment,
        trainable=trainable, name=scope, _reuse=reuse, scope_name="BatchNorm", activation_fn=activation_fn,
        variables_collections=variables_collections)
    updates = get_default_graph().get_collection_ref(GraphKeys.UPDATE_OPS)
    before = len(updates)
    outputs = layer.apply(convert_to_tensor(inputs), training=is_training)
    if updates_collections != GraphKeys.UPDATE_OPS:
        mine = updates[before:]
        del updates[before:]
        if updates_collections is None:
            if mine:
                outputs = with_dependencies(mine, outputs)
        else:
            for update in mine:
                get_default_graph().add_to_collections(updates_collections, update)
    return _collect_outputs(outputs_collections, outputs, layer.scope_name)


@add_arg_scope
def layer_norm(inputs, center=True, scale=True, activation_fn=None, reuse=None, variables_collections=None,
               outputs_collections=None, trainable=True, begin_norm_axis=1, begin_params_axis=-1, scope=None):
    """Normalize each example over its axes from `begin_norm_axis` on (Ba et al. 2016): `LayerNorm/beta` and
    `LayerNorm/gamma` over the axes from `begin_params_axis` on; epsilon 1e-12, as TF1's."""
    with variable_scope(scope, "LayerNorm", [inputs], reuse=reuse) as sc:
        inputs = convert_to_tensor(inputs)
        shape = inputs.shape
        rank = shape.ndims
        if rank is None:
            raise ValueError(f"Inputs {inputs.name} has undefined rank.")
        if begin_norm_axis < 0:
            begin_norm_axis = rank + begin_norm_axis
        if begin_params_axis >= rank or begin_norm_axis >= rank:
            raise ValueError(f"begin_params_axis ({begin_params_axis}) and begin_norm_axis ({begin_norm_axis}) must "
                             f"be < rank(inputs) ({rank})")
        params_shape = shape[begin_params_axis:]
        if not params_shape.is_fully_defined():
            raise ValueError(f"Inputs {inputs.name}: shape(inputs)[{begin_params_axis}:] is not fully defined: "
                             f"{shape}")
        dtype = inputs.dtype.base_dtype
        params = {}
        for name, init, wanted in (("beta", init_ops.zeros_initializer(), center),
                                   ("gamma", init_ops.ones_initializer(), scale)):
            if wanted:
                params[name] = model_variable(
                    name, shape=params_shape, dtype=dtype, initializer=init, trainable=trainable,
                    collections=_variable_collections(variables_collections, name))
        mean, variance = nn_ops.moments(inputs, list(range(begin_norm_axis, rank)), keep_dims=True)
        outputs = _batch_normalization(inputs, mean, variance, params.get("beta"), params.get("gamma"), 1e-12)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
    return _collect_outputs(outputs_collections, outputs, sc.name)


@add_arg_scope
def one_hot_encoding(labels, num_classes, on_value=1.0, off_value=0.0, outputs_collections=None, scope=None):
    """float32 one-hot rows of `num_classes` for integer `labels` (ops under `OneHotEncoding/`)."""
    with name_scope(scope, "OneHotEncoding", [labels]) as sc:
        labels = convert_to_tensor(labels)
        if labels.dtype.base_dtype == dtypes.int32:
            labels = math_ops.cast(labels, dtypes.int64)
        outputs = array_ops.one_hot(labels, num_classes, on_value=on_value, off_value=off_value)
    return _collect_outputs(outputs_collections, outputs, sc)


@add_arg_scope
def softmax(logits, scope=None):
    """Softmax over the last axis of logits of any rank >= 2 (ops under `softmax/`), its static shape kept."""
    with variable_scope(scope, "softmax", [logits]):
        logits = convert_to_tensor(logits)
        shape = logits.shape
        if shape.ndims is None or shape.ndims < 2:
            raise ValueError(f"rank of shape must be at least 2 not: {shape.ndims}")
        num_logits = shape.dims[-1].value
        if num_logits is None:
            raise ValueError("last dimension shape must be known but is None")
        predictions = nn_ops.softmax(array_ops.reshape(logits, [-1, num_logits]))
        predictions = array_ops.reshape(predictions, array_ops.shape(logits))
        predictions.set_shape(shape)
        return predictions


def embed_sequence(ids, vocab_size=None, embed_dim=None, unique=False, initializer=None, regularizer=None,
                   trainable=True, scope=None, reuse=None):
    """Rows of a new `EmbedSequence/embeddings` [vocab_size, embed_dim] variable at `ids` ([batch, time] ->
    [batch, time, embed_dim])."""
    if not (vocab_size and embed_dim):
        raise ValueError("Must specify vocab size and embedding dimension")
    with variable_scope(scope, "EmbedSequence", [ids], reuse=reuse):
        embeddings = model_variable("embeddings", shape=[vocab_size, embed_dim], dtype=dtypes.float32,
                                    initializer=initializer, regularizer=regularizer, trainable=trainable)
        return embedding_lookup(embeddings, ids)


def _repeated(inputs, layer, args_list, kwargs, default):
    """`layer` applied in turn with each of `args_list`, the i-th in scope `<name>_<i>` inside `scope` (default:
    the layer function's name), as slim's `repeat` and `stack` name them (`conv1/conv1_1/weights`)."""
    scope = kwargs.pop("scope", None)
    with variable_scope(scope, default, [inputs]):
        outputs = convert_to_tensor(inputs)
        if scope is None:
            scope = getattr(layer, "__name__", None) or getattr(getattr(layer, "func", None), "__name__", None) \
                or default.lower()
        for i, layer_args in enumerate(args_list):
            kwargs["scope"] = f"{scope}_{i + 1}"
            outputs = layer(outputs, *(layer_args if isinstance(layer_args, (list, tuple)) else [layer_args]),
                            **kwargs)
        return outputs


def repeat(inputs, repetitions, layer, *args, **kwargs):
    """`layer(inputs, *args, **kwargs)` applied `repetitions` times, each with variables of its own
    (`repeat(x, 2, conv2d, 64, [3, 3], scope="conv1")`: `conv1/conv1_1/weights`, `conv1/conv1_2/weights`)."""
    return _repeated(inputs, layer, [args] * repetitions, kwargs, "Repeat")


def stack(inputs, layer, stack_args, **kwargs):
    """`layer` applied once per entry of `stack_args` (its positional arguments), e.g.
    `stack(x, fully_connected, [32, 64, 128], scope="fc")`: `fc/fc_1`, `fc/fc_2`, `fc/fc_3`."""
    if not isinstance(stack_args, (list, tuple)):
        raise ValueError("stack_args need to be a list or tuple")
    return _repeated(inputs, layer, stack_args, kwargs, "Stack")


# --- optimize_loss ------------------------------------------------------------------------------------------------

def _optimizers():
    from .. import train

    return {"Adagrad": train.AdagradOptimizer, "Adam": train.AdamOptimizer,
            "Momentum": lambda learning_rate: train.MomentumOptimizer(learning_rate, momentum=0.9),
            "RMSProp": train.RMSPropOptimizer, "SGD": train.GradientDescentOptimizer}


OPTIMIZER_CLS_NAMES = ("Adagrad", "Adam", "Momentum", "RMSProp", "SGD")
OPTIMIZER_SUMMARIES = ["learning_rate", "loss", "gradients", "gradient_norm", "global_gradient_norm"]


def _make_optimizer(optimizer, lr, learning_rate):
    from ..train.optimizer import Optimizer

    if isinstance(optimizer, str):
        if lr is None:
            raise ValueError(f"Learning rate is None, but should be specified if optimizer is string ({optimizer}).")
        if optimizer not in OPTIMIZER_CLS_NAMES:
            raise ValueError(f"Optimizer name should be one of [{', '.join(OPTIMIZER_CLS_NAMES)}], you provided "
                             f"{optimizer}.")
        return _optimizers()[optimizer](learning_rate=lr)
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        if lr is None:
            raise ValueError(f"Learning rate is None, but should be specified if optimizer is class ({optimizer}).")
        return optimizer(learning_rate=lr)
    if isinstance(optimizer, Optimizer):
        return optimizer
    if callable(optimizer):
        opt = optimizer(lr) if learning_rate is not None else optimizer()
        if not isinstance(opt, Optimizer):
            raise ValueError(f"Unrecognized optimizer: function should return subclass of Optimizer. Got {opt}.")
        return opt
    raise ValueError("Unrecognized optimizer: should be string, subclass of Optimizer, instance of subclass of "
                     f"Optimizer or function with one argument. Got {optimizer}.")


def optimize_loss(loss, global_step, learning_rate, optimizer, gradient_noise_scale=None, gradient_multipliers=None,
                  clip_gradients=None, learning_rate_decay_fn=None, update_ops=None, variables=None, name=None,
                  summaries=None, colocate_gradients_with_ops=False, increment_global_step=True):
    """One op that trains: the loss after a step of `optimizer` ("SGD", "Adam", "Adagrad", "Momentum",
    "RMSProp", an Optimizer class, instance or `fn(lr)`) over `variables` (default: the trainable ones), with the
    UPDATE_OPS run first, gradients clipped to a global norm `clip_gradients` (a float, or a function of the
    (gradient, variable) list) and the global step incremented. `learning_rate` (a float) becomes the variable
    `OptimizeLoss/learning_rate`; summaries (loss, learning_rate, global_gradient_norm by default) go to
    tf.summary."""
    from .. import summary
    from ..ops.check_ops import assert_scalar
    from ..train.global_step import assert_global_step, get_global_step

    loss = convert_to_tensor(loss)
    assert_scalar(loss)
    if global_step is None:
        global_step = get_global_step()
    else:
        assert_global_step(global_step)
    with variable_scope(name, "OptimizeLoss", [loss, global_step]):
        if update_ops is None:
            update_ops = list(dict.fromkeys(get_default_graph().get_collection(GraphKeys.UPDATE_OPS)))
        if update_ops:
            loss = with_dependencies(list(update_ops), loss)
        lr = None
        if learning_rate is not None:
            if isinstance(learning_rate, Tensor) and learning_rate.shape.ndims == 0:
                lr = learning_rate
            elif isinstance(learning_rate, float):
                if learning_rate < 0.0:
                    raise ValueError(f"Invalid learning_rate {learning_rate}.")
                lr = get_variable("learning_rate", [], trainable=False,
                                  initializer=init_ops.constant_initializer(learning_rate))
            else:
                raise ValueError(f"Learning rate should be 0d Tensor or float. Got {learning_rate} of type "
                                 f"{type(learning_rate)}")
        if summaries is None:
            summaries = ["loss", "learning_rate", "global_gradient_norm"]
        for s in summaries:
            if s not in OPTIMIZER_SUMMARIES:
                raise ValueError(f"Summaries should be one of [{', '.join(OPTIMIZER_SUMMARIES)}], you provided {s}.")
        if learning_rate is not None and learning_rate_decay_fn is not None:
            if global_step is None:
                raise ValueError("global_step is required for learning_rate_decay_fn.")
            lr = learning_rate_decay_fn(lr, global_step)
        if lr is not None and "learning_rate" in summaries:
            summary.scalar("learning_rate", lr)
        opt = _make_optimizer(optimizer, lr, learning_rate)
        if variables is None:
            variables = trainable_variables()
        gradients = opt.compute_gradients(loss, variables, colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gradient_noise_scale is not None:
            gradients = _add_scaled_noise_to_gradients(gradients, gradient_noise_scale)
        if gradient_multipliers is not None:
            gradients = _multiply_gradients(gradients, gradient_multipliers)
            if not gradients:
                raise ValueError("Empty list of (gradient, var) pairs encountered. This is most likely to be caused "
                                 "by an improper value of gradient_multipliers.")
        norm_summaries = "global_gradient_norm" in summaries or "gradient_norm" in summaries
        if norm_summaries:
            summary.scalar("global_norm/gradient_norm", clip_ops.global_norm([g for g, _ in gradients]))
        if isinstance(clip_gradients, float):
            clipped, _ = clip_ops.clip_by_global_norm([g for g, _ in gradients], clip_gradients)
            gradients = list(zip(clipped, [v for _, v in gradients]))
        elif callable(clip_gradients):
            gradients = clip_gradients(gradients)
        elif clip_gradients is not None:
            raise ValueError(f"Unknown type {type(clip_gradients)} for clip_gradients")
        if "loss" in summaries:
            summary.scalar("loss", loss)
        for gradient, var in gradients:
            if gradient is not None and "gradients" in summaries:
                summary.histogram("gradients/" + var.op.name, gradient)
            if gradient is not None and "gradient_norm" in summaries:
                summary.scalar("gradient_norm/" + var.op.name, clip_ops.global_norm([gradient]))
        if norm_summaries and clip_gradients is not None:
            summary.scalar("global_norm/clipped_gradient_norm", clip_ops.global_norm([g for g, _ in gradients]))
        grad_updates = opt.apply_gradients(gradients, global_step=global_step if increment_global_step else None,
                                           name="train")
        return with_dependencies([grad_updates], loss)


def _add_scaled_noise_to_gradients(grads_and_vars, gradient_noise_scale):
    """Each gradient plus normal noise of standard deviation `gradient_noise_scale`."""
    out = []
    for gradient, var in grads_and_vars:
        if gradient is not None:
            noise = random_ops.random_normal(array_ops.shape(gradient), dtype=gradient.dtype.base_dtype)
            gradient = math_ops.add(gradient, math_ops.multiply(noise, gradient_noise_scale))
        out.append((gradient, var))
    return out


def _multiply_gradients(grads_and_vars, gradient_multipliers):
    """Gradients of the variables named in `gradient_multipliers` (by variable or by name) times their factor."""
    out = []
    for gradient, var in grads_and_vars:
        key = var if var in gradient_multipliers else var.op.name
        if gradient is not None and key in gradient_multipliers:
            factor = convert_to_tensor(gradient_multipliers[key], dtype=gradient.dtype.base_dtype)
            gradient = math_ops.multiply(gradient, factor)
        out.append((gradient, var))
    return out


# --- summaries ----------------------------------------------------------------------------------------------------

def summarize_tensor(tensor, tag=None):
    """A scalar summary of a 0-d tensor, a histogram of any other, tagged `tag` or the tensor's op name."""
    from .. import summary

    if tensor.shape.ndims == 0:
        return summary.scalar(tag or tensor.op.name, tensor)
    return summary.histogram(tag or tensor.op.name, tensor)


def summarize_tensors(tensors, summarizer=summarize_tensor):
    return [summarizer(t) for t in tensors]


def summarize_activation(op):
    """A histogram of an activation (`<op>/activation`) and, after a Relu/Relu6/Softplus, the fraction of its
    inputs below 0 (`<op>/zeros`; after Relu6 also above 6, `<op>/sixes`)."""
    from .. import summary

    producer = op.op
    if producer.type in ("Relu", "Softplus", "Relu6"):
        x = producer.inputs[0]
        below = math_ops.reduce_mean(math_ops.cast(math_ops.less(x, math_ops.cast(0.0, x.dtype)), dtypes.float32))
        summary.scalar(f"{producer.name}/zeros", below)
    if producer.type == "Relu6":
        x = producer.inputs[0]
        above = math_ops.reduce_mean(math_ops.cast(math_ops.greater(x, math_ops.cast(6.0, x.dtype)), dtypes.float32))
        summary.scalar(f"{producer.name}/sixes", above)
    return summary.histogram(f"{producer.name}/activation", op)


def summarize_collection(collection, name_filter=None, summarizer=summarize_tensor):
    """`summarizer` over the tensors of `collection` whose names match `name_filter` (a regular expression)."""
    import re

    tensors = [t for t in get_default_graph().get_collection(collection)
               if name_filter is None or re.match(name_filter, t.op.name)]
    return summarize_tensors(tensors, summarizer)


def summarize_variables(name_filter=None):
    return summarize_collection(GraphKeys.GLOBAL_VARIABLES, name_filter)


def summarize_weights(name_filter=None):
    return summarize_collection(GraphKeys.WEIGHTS, name_filter)


def summarize_biases(name_filter=None):
    return summarize_collection(GraphKeys.BIASES, name_filter)


def summarize_activations(name_filter=None, summarizer=summarize_activation):
    return summarize_collection(GraphKeys.ACTIVATIONS, name_filter, summarizer)
