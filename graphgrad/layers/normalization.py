"""TF1 `tf.layers.batch_normalization`: normalize with the batch's statistics while training, with moving
averages of them otherwise; the moving averages are updated by ops in the UPDATE_OPS collection.

As in TensorFlow 1.x the training step must run those updates, the classic idiom being

    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = optimizer.minimize(loss)

With `training` a bool tensor, both the statistics used and the updates go through `tf.cond`: the updates leave
the moving averages as they are when `training` is false. With `training=False` (the Python value) the layer adds
no updates. The arithmetic is TensorFlow's: the batch is normalized by its population variance, moving averages
are updated as `moving -= (moving - batch) * (1 - momentum)`, and where TF1 runs its fused kernel (4-D inputs unless
`fused=False`) the moving variance takes the batch's variance with Bessel's correction (n / (n - 1)), as that kernel
reports it.
"""
from __future__ import annotations

import math

from ..framework.graph import GraphKeys, get_default_graph, name_scope
from ..framework.op_def import static_shape
from ..nn import batch_normalization as _normalize
from ..ops import array_ops, math_ops, nn_ops, state_ops
from ..ops.control_flow_ops import cond
from ..ops.core import convert_to_tensor
from ..ops.init_ops import ones_initializer, zeros_initializer
from .core import Layer, training_tensor


class BatchNormalization(Layer):
    """Batch normalization over every axis but `axis` (the channels; -1 by default)."""

    #: the input ranks TF1 sends through its fused kernel unless `fused=False` (slim's batch_norm adds 2)
    _fused_ranks = (4,)

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer=None,
                 gamma_initializer=None, moving_mean_initializer=None, moving_variance_initializer=None,
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None, trainable=True,
                 virtual_batch_size=None, adjustment=None, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError("batch renormalization, virtual batches and `adjustment` are not supported")
        self.axis = axis
        self.momentum, self.epsilon = momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = beta_initializer or zeros_initializer()
        self.gamma_initializer = gamma_initializer or ones_initializer()
        self.moving_mean_initializer = moving_mean_initializer or zeros_initializer()
        self.moving_variance_initializer = moving_variance_initializer or ones_initializer()
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.fused = fused
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        dims = input_shape.dims_tuple
        if dims is None:
            raise ValueError(f"Input has undefined rank: {input_shape}")
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        self._axes = sorted(a % len(dims) for a in axes)
        if any(dims[a] is None for a in self._axes):
            raise ValueError(f"Input has undefined `axis` dimension. Received input with shape {input_shape} and "
                             f"axis={tuple(self._axes)}")
        if self.fused and len(dims) not in self._fused_ranks:
            raise ValueError(f"Batch normalization with fused=True needs 4-D inputs, got rank {len(dims)}")
        self._bessel = self.fused is not False and len(dims) in self._fused_ranks
        # one axis: parameters of that size; several: the input's shape with 1 on the reduced axes (as Keras)
        shape = [dims[self._axes[0]]] if len(self._axes) == 1 else [
            dims[i] if i in self._axes else 1 for i in range(len(dims))]
        if self.scale:
            self.gamma = self.add_variable("gamma", shape, initializer=self.gamma_initializer,
                                           regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_variable("beta", shape, initializer=self.beta_initializer,
                                          regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.moving_mean = self.add_variable("moving_mean", shape, initializer=self.moving_mean_initializer,
                                             trainable=False)
        self.moving_variance = self.add_variable("moving_variance", shape,
                                                 initializer=self.moving_variance_initializer, trainable=False)
        self._rank = len(dims)
        self.built = True

    def call(self, inputs, training=False):
        reduction = [i for i in range(self._rank) if i not in self._axes]
        # a single channel axis that is not the last: parameters and statistics reshaped to broadcast along it
        single = self._axes[0] if len(self._axes) == 1 and self._axes[0] != self._rank - 1 else None
        broadcast_shape = [1 if i in reduction else inputs.shape.dims_tuple[i] for i in range(self._rank)]

        def shaped(t):
            return t if t is None or single is None else array_ops.reshape(t, broadcast_shape)

        moving_mean, moving_variance = self.moving_mean.value(), self.moving_variance.value()
        switch = training_tensor(training)
        if switch is None and not training:
            mean, variance = moving_mean, moving_variance
        else:
            batch_mean, batch_variance = nn_ops.moments(inputs, reduction, keep_dims=len(self._axes) > 1)
            if switch is not None:
                mean = cond(switch, lambda: batch_mean, lambda: moving_mean)
                variance = cond(switch, lambda: batch_variance, lambda: moving_variance)
            else:
                mean, variance = batch_mean, batch_variance
            self._add_update(self.moving_mean, batch_mean, switch)
            self._add_update(self.moving_variance, self._unbiased(inputs, batch_mean, batch_variance)
                             if self._bessel else batch_variance, switch)
        return _normalize(inputs, shaped(mean), shaped(variance), shaped(self.beta), shaped(self.gamma),
                          self.epsilon)

    def _unbiased(self, inputs, mean, variance):
        """`variance` times n / (n - 1), n the number of values behind each statistic (the fused kernel's)."""
        x, m = static_shape(inputs), static_shape(mean)
        dt = variance.dtype.base_dtype
        if x is not None and m is not None and None not in x:
            n = float(math.prod(x) // max(math.prod(m), 1))
            return math_ops.multiply(variance, convert_to_tensor(n / max(n - 1.0, 1.0), dtype=dt))
        n = math_ops.cast(math_ops.divide(array_ops.size(inputs), array_ops.size(mean)), dt)
        return math_ops.multiply(variance, math_ops.divide(n, math_ops.maximum(math_ops.subtract(n, 1.0), 1.0)))

    def _add_update(self, variable, value, switch):
        def update():
            with name_scope("AssignMovingAvg") as scope:
                decay = convert_to_tensor(1.0 - self.momentum, dtype=variable.dtype.base_dtype, name="decay")
                delta = math_ops.multiply(math_ops.subtract(variable.value(), value), decay)
                return state_ops.assign_sub(variable, delta, name=scope)
        op = update() if switch is None else cond(switch, update, lambda: variable.value())
        get_default_graph().add_to_collection(GraphKeys.UPDATE_OPS, op)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=None, gamma_initializer=None, moving_mean_initializer=None,
                        moving_variance_initializer=None, beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None,
                        virtual_batch_size=None, adjustment=None):
    """Functional form of BatchNormalization: creates `<name>/gamma`, `beta`, `moving_mean`, `moving_variance`
    (name defaults to batch_normalization, batch_normalization_1, ...) and adds its updates to UPDATE_OPS."""
    layer = BatchNormalization(axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                               beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                               moving_mean_initializer=moving_mean_initializer,
                               moving_variance_initializer=moving_variance_initializer,
                               beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                               beta_constraint=beta_constraint, gamma_constraint=gamma_constraint, renorm=renorm,
                               renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum, fused=fused,
                               trainable=trainable, virtual_batch_size=virtual_batch_size, adjustment=adjustment,
                               name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs, training=training)


__all__ = ["BatchNormalization", "batch_normalization"]
