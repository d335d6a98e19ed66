"""`tf.keras.experimental`: Keras 2's premade models (also `tf.keras.models.LinearModel` / `WideDeepModel`), and
the cosine learning-rate schedules under their experimental names. `LinearModel` is
activation(Σ inputs_i · kernel_i + bias) over one input, a list or a dict of inputs (its weights
`linear_model/kernel`, `kernel_1`, ..., `bias`, as tf_keras names them under tf.compat.v1); `WideDeepModel` adds a
linear model's output to a deep model's and can train the two with an optimizer each
(`compile([linear_optimizer, dnn_optimizer], ...)`)."""
from __future__ import annotations

from contextlib import nullcontext

from ..framework.graph import get_default_graph
from ..layers.core import _activation
from ..ops import math_ops
from ..ops.arithmetic_ops import add_n
from ..ops.matmul_ops import matmul
from ..variables import variable_scope
from . import layers as _layers
from . import optimizers as _optimizers
from .layers._base import _weight_arguments
from .models import Model

_OWN = _layers.Layer  # a model whose weights are its own (not its layers')


class LinearModel(Model):
    """activation(Σ_i inputs_i · kernel_i + bias): a linear (or, with an activation, generalized linear) model of
    one tensor, a list of tensors or a dict of them (taken in the keys' sorted order); kernels of shape
    [features_i, units], initialized to zeros as Keras does."""

    def __init__(self, units=1, activation=None, use_bias=True, kernel_initializer="zeros", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.activation, self.use_bias = int(units), _activation(activation), use_bias
        _weight_arguments(self, locals())
        self.kernels = None

    variables = property(lambda self: list(self._variables))
    weights = _OWN.weights
    trainable_weights = trainable_variables = _OWN.trainable_variables
    non_trainable_weights = non_trainable_variables = _OWN.non_trainable_variables

    def _build_from(self, xs):
        with _own_scope(self):
            self.kernels = [self.add_variable("kernel" if i == 0 else f"kernel_{i}", [x.shape.as_list()[-1],
                            self.units], initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
                            for i, x in enumerate(xs)]
            self.bias = self.add_variable("bias", [self.units], initializer=self.bias_initializer,
                                          regularizer=self.bias_regularizer) if self.use_bias else None

    def call(self, inputs):
        if isinstance(inputs, dict):
            xs = [inputs[k] for k in sorted(inputs)]
        else:
            xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        xs = [x if x.dtype.base_dtype.is_floating else math_ops.cast(x, "float32") for x in xs]
        if self.kernels is None:
            self._build_from(xs)
        if len(xs) != len(self.kernels):
            raise ValueError(f"LinearModel {self.name} was built for {len(self.kernels)} inputs, got {len(xs)}")
        out = add_n([matmul(x, k) for x, k in zip(xs, self.kernels)])
        if self.bias is not None:
            out = out + self.bias
        return out if self.activation is None else self.activation(out)


class WideDeepModel(Model):
    """activation(linear_model(linear inputs) + dnn_model(dnn inputs)): the inputs a pair [linear, dnn], or one
    input for both. Compiled with a pair of optimizers, the first trains the linear model's weights and the second
    the deep model's."""

    def __init__(self, linear_model, dnn_model, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.linear_model, self.dnn_model = linear_model, dnn_model
        self.activation = _activation(activation)

    def call(self, inputs, training=None):
        if isinstance(inputs, (list, tuple)) and len(inputs) == 2:
            linear_inputs, dnn_inputs = inputs
        else:
            linear_inputs = dnn_inputs = inputs
        with _own_scope(self):  # the two models' weights under this one's name, as Keras names them
            linear = self.linear_model(linear_inputs)
            dnn = self.dnn_model(dnn_inputs, training=training)
        out = linear + dnn
        return out if self.activation is None else self.activation(out)

    def _get_optimizer(self, optimizer):
        if isinstance(optimizer, (list, tuple)):
            return [_optimizers.get(o) for o in optimizer]
        return _optimizers.get(optimizer)

    def _optimizer_groups(self):
        if isinstance(self.optimizer, list):
            return [(self.optimizer[0], self.linear_model.trainable_weights),
                    (self.optimizer[1], self.dnn_model.trainable_weights)]
        return super()._optimizer_groups()


def _own_scope(model):
    """The model's variable scope (its weights named `<model>/...`), in a graph."""
    if get_default_graph()._is_eager:
        return nullcontext()
    model.name  # noqa: B018 (makes the scope, once)
    return variable_scope(model._scope, auxiliary_name_scope=False)


from .schedules import CosineDecay, CosineDecayRestarts  # noqa: E402 (tf_keras' experimental names of the two)

__all__ = ["LinearModel", "WideDeepModel", "CosineDecay", "CosineDecayRestarts"]
