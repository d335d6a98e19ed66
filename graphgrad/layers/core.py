"""TF1 `tf.layers`: Dense, Dropout and Flatten as layer objects plus their functional forms.

A layer picks its variable scope on its first call (`dense`, `dense_1`, ... or the given name) and creates its
variables there with `get_variable`, so `reuse=True` with the same name shares them. Its ops go under the
scope's name scope (`dense/MatMul`, `dense/BiasAdd`, `dense/Relu`); later calls of the same layer object reuse
the variables and put their ops in the same name scope.
"""
from __future__ import annotations

import math
import operator

from ..framework import dtypes
from ..framework.graph import GraphKeys, Tensor, get_default_graph, name_scope
from ..framework.op_def import static_shape
from ..ops import array_ops, dropout_ops, math_ops, nn_ops
from ..ops.core import convert_to_tensor, identity
from ..variables import get_variable, variable_scope

_ACTIVATIONS = {
    "relu": nn_ops.relu, "relu6": nn_ops.relu6, "elu": nn_ops.elu, "selu": nn_ops.selu,
    "softplus": nn_ops.softplus, "softsign": nn_ops.softsign, "softmax": nn_ops.softmax,
    "sigmoid": math_ops.sigmoid, "tanh": math_ops.tanh, "leaky_relu": nn_ops.leaky_relu, "linear": None,
}


def _activation(activation):
    if isinstance(activation, str):
        try:
            return _ACTIVATIONS[activation]
        except KeyError:
            raise ValueError(f"Unknown activation function: {activation}") from None
    return activation


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i:
            out.append("_")
        out.append(c.lower())
    return "".join(out)


class Layer:
    """A callable that owns variables: `outputs = layer(inputs)` (TF1 `tf.layers.Layer`)."""

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None, _scope=None, _reuse=None,
                 **kwargs):
        self.trainable = trainable
        self._given_name = name
        self._base_name = _snake(type(self).__name__)
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype).base_dtype
        self.activity_regularizer = activity_regularizer
        self._reuse = _reuse
        self._scope = None
        self._scope_arg = _scope  # the functional form's exact scope (`tf.layers.dense(..., name=...)`)
        self.built = False
        self._variables = []
        self._losses = []

    # --- identity -----------------------------------------------------------------------------------
    @property
    def name(self):
        if self._scope is not None:
            given = self._given_name
            if given and "/" in given and self._scope.name.endswith(given):  # Keras' DenseNet: "conv1/conv"
                return given
            return self._scope.name.rsplit("/", 1)[-1]
        return self._given_name or self._base_name

    @property
    def scope_name(self):
        if self._scope is None:
            raise ValueError(f"No name available for layer scope because the layer \"{self.name}\" has not been "
                             "used yet.")
        return self._scope.name

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        """The layer's variables (a container of layers overrides this alone to add theirs)."""
        return list(self._variables)

    @property
    def weights(self):
        return self.variables

    @property
    def trainable_variables(self):
        return [v for v in self.variables if v.trainable] if self.trainable else []

    @property
    def trainable_weights(self):
        return self.trainable_variables

    @property
    def non_trainable_variables(self):
        return [v for v in self.variables if not v.trainable or not self.trainable]

    @property
    def non_trainable_weights(self):
        return self.non_trainable_variables

    @property
    def losses(self):
        return list(self._losses)

    # --- building -----------------------------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def add_variable(self, name, shape, dtype=None, initializer=None, regularizer=None, trainable=True,
                     constraint=None):
        """get_variable in the layer's scope; a regularizer's loss goes to REGULARIZATION_LOSSES (once)."""
        g = get_default_graph()
        reg_losses = g.get_collection_ref(GraphKeys.REGULARIZATION_LOSSES)
        before = len(reg_losses)
        var = get_variable(name, shape=shape, dtype=dtype or self._dtype or dtypes.float32, initializer=initializer,
                           regularizer=regularizer, trainable=trainable and self.trainable, constraint=constraint)
        self._losses.extend(reg_losses[before:])
        if var not in self._variables:
            self._variables.append(var)
        return var

    add_weight = add_variable

    def _checkpoint_dependencies(self):
        """What tf.train.Checkpoint saves of the layer: its variables by their names inside the layer."""
        out = []
        for v in self._variables:
            name = v.op.name
            out.append((name[len(self.name) + 1:] if name.startswith(self.name + "/") else name.rsplit("/", 1)[-1],
                        v))
        return out

    def apply(self, inputs, *args, **kwargs):
        return self.__call__(inputs, *args, **kwargs)

    def __call__(self, inputs, *args, **kwargs):
        """Run the layer in the graph of `inputs` (the default graph inside the call, as in TF1)."""
        if not isinstance(inputs, Tensor):
            inputs = convert_to_tensor(inputs)
        if self._dtype is None:
            dt = inputs.dtype.base_dtype
            self._dtype = dt if dt.is_floating else dtypes.float32
        g = inputs.graph
        with g.as_default():
            if self._scope is None:
                # TF1: a layer object's name is a default, made unique in the scope ("memory_layer",
                # "memory_layer_1"); the functional form and `_reuse` take the scope as named
                if self._scope_arg is not None or self._reuse:
                    scope_cm = variable_scope(self._scope_arg or self._given_name or self._base_name,
                                              reuse=self._reuse)
                else:
                    scope_cm = variable_scope(None, default_name=self._given_name or self._base_name)
                with scope_cm as scope:
                    self._scope = scope
                    return self._build_and_call(inputs, args, kwargs)
            with variable_scope(self._scope, reuse=True, auxiliary_name_scope=False), \
                    g.name_scope(self._scope.original_name_scope):
                return self._build_and_call(inputs, args, kwargs)

    def _build_and_call(self, inputs, args, kwargs):
        if not self.built:
            self.build(inputs.shape)
            self.built = True
            for restore in list(self.__dict__.get("_deferred_restores", ())):  # tf.train.Checkpoint's pending
                restore()
        outputs = self.call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            self._regularize_activity(outputs)
        return outputs

    def _regularize_activity(self, outputs):
        """The regularizer's value divided by the batch size, as Keras does, into REGULARIZATION_LOSSES."""
        with name_scope("ActivityRegularizer"):
            loss = self.activity_regularizer(outputs)
            if loss is None:
                return
            s = static_shape(outputs)
            if s is not None and s and s[0] is not None:
                batch = float(s[0])
            else:
                batch = math_ops.cast(array_ops.shape(outputs)[0], loss.dtype.base_dtype)
            loss = math_ops.divide(loss, batch)
        self._losses.append(loss)
        get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)


class Dense(Layer):
    """`activation(inputs @ kernel + bias)`; inputs of rank > 2 are multiplied along their last axis."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None, bias_initializer=None,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, activity_regularizer=activity_regularizer, **kwargs)
        try:  # an int, NumPy int or known Dimension; not a float (TF1 would truncate 2.5 to 2 silently)
            n = None if isinstance(units, bool) else operator.index(units)
        except TypeError:
            n = None
        if n is None or n <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer, got {units!r}.")
        self.units = n
        self.activation = _activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = None
        self.bias = None

    def build(self, input_shape):
        dims = input_shape.dims_tuple
        if dims is None or not dims or dims[-1] is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. Found `None`.")
        self.kernel = self.add_variable("kernel", [dims[-1], self.units], initializer=self.kernel_initializer,
                                        regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            bias_init = self.bias_initializer
            if bias_init is None:
                from ..ops import init_ops

                bias_init = init_ops.zeros_initializer()
            self.bias = self.add_variable("bias", [self.units], initializer=bias_init,
                                          regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        if inputs.dtype.base_dtype != self._dtype:
            inputs = math_ops.cast(inputs, self._dtype)
        # MatMul broadcasts a rank-3+ input against the 2-D kernel (its gradient sums the kernel's back).
        outputs = math_ops.matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None, bias_initializer=None,
          kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    """A fully connected layer: creates `<name>/kernel` and `<name>/bias` (name defaults to dense, dense_1, ...)
    and returns `activation(inputs @ kernel + bias)`; `reuse=True` with an existing name shares them."""
    layer = Dense(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                  bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, trainable=trainable,
                  name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


class Dropout(Layer):
    """Drop units with probability `rate` while training (`training` is a Python bool or a bool tensor)."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs, training=False):
        switch = training_tensor(training)
        if switch is not None:
            return _dropout_switch(inputs, self.rate, self.noise_shape, self.seed, switch)
        if training:
            return nn_ops.dropout(inputs, noise_shape=self.noise_shape, seed=self.seed, rate=self.rate)
        return identity(inputs)


def training_tensor(training):
    """`training` as a tensor when it is decided at run time (a tensor or variable), None when it is a Python
    value: layers branch at build time on the latter."""
    if isinstance(training, Tensor) or hasattr(training, "_as_tensor"):
        return convert_to_tensor(training)
    return None


def _dropout_switch(inputs, rate, noise_shape, seed, training):
    """One Dropout op that masks when the bool tensor `training` is true and passes `inputs` through if not."""
    if not training.dtype.base_dtype.is_bool:
        raise TypeError(f"training must be a bool tensor, got {training.dtype.name}")
    dt = inputs.dtype.base_dtype
    if isinstance(rate, (int, float)) and rate == 0:
        return identity(inputs)
    with name_scope(None, "dropout", [inputs]) as scope:
        if isinstance(rate, (int, float)):
            keep = convert_to_tensor(1.0 - rate, dtype=dt, name="keep_prob")
        else:
            keep = math_ops.subtract(1.0, math_ops.cast(convert_to_tensor(rate), dt), name="keep_prob")
        return dropout_ops._dropout(inputs, keep, noise_shape, seed, training, scope)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Dropout with TF1 layer semantics: the identity unless `training` (bool or bool tensor) is true."""
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name).apply(inputs, training=training)


class Flatten(Layer):
    """Collapse every dimension but the first: [batch, d1, d2, ...] -> [batch, d1 * d2 * ...]."""

    def __init__(self, data_format="channels_last", name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.data_format = data_format

    def call(self, inputs):
        s = static_shape(inputs)
        if self.data_format == "channels_first" and s is not None and len(s) > 2:
            inputs = array_ops.transpose(inputs, [0] + list(range(2, len(s))) + [1])
            s = static_shape(inputs)
        if s is not None and len(s) == 1:
            return array_ops.expand_dims(inputs, 1)
        if s is not None and all(d is not None for d in s[1:]):
            return array_ops.reshape(inputs, [-1 if s[0] is None else s[0], math.prod(s[1:])])
        batch = array_ops.shape(inputs)[0]
        return array_ops.reshape(inputs, array_ops.stack([batch, -1]))


def flatten(inputs, name=None, data_format="channels_last"):
    """Flatten all but the batch dimension (`flatten/Reshape`)."""
    return Flatten(data_format=data_format, name=name).apply(inputs)


__all__ = ["Layer", "Dense", "Dropout", "Flatten", "dense", "dropout", "flatten"]
