"""`tf.keras.layers`: Keras' layer classes on graphgrad's tf.layers (same ops, same variable names: `dense/kernel`,
`conv2d/bias`, ...), plus the Keras-only layers (Input, Activation, Reshape, Concatenate, Add, Embedding).

A Keras layer accepts Keras' arguments (`input_shape`, initializer names, default strides), takes a list for
the merge layers, reads the learning phase when `training` is not given (Dropout, BatchNormalization), and
records which layer made each output, so a functional `Model(inputs, outputs)` can list its layers."""
from __future__ import annotations

import functools
import inspect

import numpy as np

from .. import initializers as _inits
from .. import layers as _tfl
from ..framework import dtypes
from ..framework.graph import GraphKeys, Tensor, get_default_graph
from ..framework.op_def import static_shape
from ..layers.core import _ACTIVATIONS, _activation
from ..nn import embedding_lookup
from ..ops import array_ops, math_ops
from ..ops.arithmetic_ops import add_n
from ..ops.core import convert_to_tensor, placeholder
from ..variables import variable_scope
from . import backend as K


def _initializer(init):
    if isinstance(init, str):
        fn = getattr(_inits, {"glorot_uniform": "glorot_uniform", "zeros": "zeros", "ones": "ones",
                              "uniform": "random_uniform", "normal": "random_normal"}.get(init, init), None)
        if fn is None:
            raise ValueError(f"Unknown initializer: {init}")
        return fn()
    return init


def _shape_tuple(t):
    s = static_shape(t)
    return None if s is None else tuple(s)


def _recording(init):
    """`init` that first notes the arguments of the outermost constructor call (the layer's config)."""
    @functools.wraps(init)
    def recording(self, *args, **kwargs):
        self.__dict__.setdefault("_init_args", (args, dict(kwargs)))
        init(self, *args, **kwargs)
    return recording


def _json_value(layer, key, value):
    """`value` as Keras' config holds it: JSON types, an activation function by its name."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(layer, key, v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(layer, key, v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "name") and hasattr(value, "is_floating"):  # a dtype
        return value.name
    for name, fn in _ACTIVATIONS.items():
        if fn is value and name is not None:
            return name
    raise ValueError(f"Layer {layer.name}: argument {key}={value!r} cannot be saved in the model's config; pass "
                     "it by name (a string) to save the model")


class Layer(_tfl.Layer):
    """What Keras adds to a tf.layers Layer (mixed in before it)."""

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording(cls.__dict__["__init__"])

    def get_config(self):
        """The constructor's arguments as given (by name, through the classes' chain of `__init__`s), the
        layer's name and trainability: what `from_config` (and `keras.models.load_model`) rebuilds it from."""
        args, kwargs = self.__dict__.get("_init_args", ((), {}))
        config = {}
        for klass in type(self).__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or klass is object:
                continue
            sig = inspect.signature(inspect.unwrap(init))
            bound = sig.bind_partial(None, *args, **kwargs).arguments
            args, kwargs = (), {}
            for name, value in list(bound.items())[1:]:
                kind = sig.parameters[name].kind
                if kind is inspect.Parameter.VAR_POSITIONAL:
                    args = value
                elif kind is inspect.Parameter.VAR_KEYWORD:
                    kwargs = value
                else:
                    config[name] = value
            if not args and not kwargs:
                break
        config.update(name=self.name, trainable=self.trainable)
        return {k: _json_value(self, k, v) for k, v in config.items()}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __init__(self, *args, input_shape=None, batch_input_shape=None, input_dim=None, batch_size=None,
                 **kwargs):
        self.__dict__.setdefault("_init_args", (args, dict(input_shape=input_shape, batch_input_shape=
                                 batch_input_shape, input_dim=input_dim, batch_size=batch_size, **kwargs)))
        for key in ("kernel_initializer", "bias_initializer", "embeddings_initializer"):
            if key in kwargs:
                kwargs[key] = _initializer(kwargs[key])
        super().__init__(*args, **kwargs)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size, *tuple(input_shape))
        self._batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)
        self._inbound = []  # [(input tensors, output tensors)] per call

    # --- Keras' accessors ------------------------------------------------------------------------------------
    def get_weights(self):
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        if len(weights) != len(self.weights):
            raise ValueError(f"You called `set_weights(weights)` on layer \"{self.name}\" with a weight list of "
                             f"length {len(weights)}, but the layer was expecting {len(self.weights)} weights.")
        for v, w in zip(self.weights, weights):
            if tuple(v.shape.as_list()) != tuple(np.shape(w)):
                raise ValueError(f"Layer weight shape {tuple(v.shape.as_list())} not compatible with provided "
                                 f"weight shape {np.shape(w)}")
        K.batch_set_value(zip(self.weights, weights))

    @property
    def updates(self):
        """The update ops (batch norm's moving averages) this layer's calls added to UPDATE_OPS."""
        return list(self.__dict__.get("_updates", []))

    def count_params(self):
        return int(sum(np.prod(v.shape.as_list()) for v in self.weights))

    @property
    def input(self):
        return self._inbound[0][0] if self._inbound else None

    @property
    def output(self):
        if not self._inbound:
            raise AttributeError(f"Layer {self.name} has no inbound nodes.")
        out = self._inbound[0][1]
        return out[0] if len(out) == 1 else out

    @property
    def output_shape(self):
        if not self._inbound and getattr(self, "_eager_shapes", None):
            shapes = self._eager_shapes
            return shapes[0] if len(shapes) == 1 else shapes
        out = self.output
        return [_shape_tuple(o) for o in out] if isinstance(out, list) else _shape_tuple(out)

    # --- calling -----------------------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        eager = K.executing_eagerly()
        graph = None if eager else (inputs[0] if isinstance(inputs, (list, tuple)) else inputs).graph
        before = 0 if eager else len(graph.get_collection(GraphKeys.UPDATE_OPS))
        if isinstance(inputs, (list, tuple)):
            outputs = self._call_many([x if isinstance(x, Tensor) else convert_to_tensor(x) for x in inputs],
                                      args, kwargs)
            ins = list(inputs)
        else:
            outputs = super().__call__(inputs, *args, **kwargs)
            ins = [inputs]
        if K.executing_eagerly():
            outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            self._eager_shapes = [(None, *tuple(o.shape.as_list())[1:]) for o in outs]
        else:
            outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            self._inbound.append((ins, outs))
            hist = K.history(outs[0].graph)
            for o in outs:
                hist[o] = (self, ins)
            self.__dict__.setdefault("_updates", []).extend(graph.get_collection(GraphKeys.UPDATE_OPS)[before:])
        return outputs

    def _call_many(self, inputs, args, kwargs):
        """A merge layer's call: no variables, ops under the layer's name scope."""
        g = inputs[0].graph
        with g.as_default():
            if self._scope is None:
                with variable_scope(self._given_name, default_name=self._base_name) as scope:
                    self._scope = scope
                    return self.call(inputs, *args, **kwargs)
            with g.name_scope(self._scope.original_name_scope):
                return self.call(inputs, *args, **kwargs)

    def _phase(self, training):
        return K.learning_phase() if training is None else training


class InputLayer(Layer):
    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None, name=None,
                 batch_input_shape=None, **kwargs):
        super().__init__(name=name, input_shape=input_shape, batch_size=batch_size,
                         batch_input_shape=batch_input_shape)
        self._base_name = "input"
        dtype = dtypes.as_dtype(dtype or "float32")
        if input_tensor is None:
            g = get_default_graph()
            with variable_scope(name, default_name="input") as scope:
                self._scope = scope
            input_tensor = placeholder(dtype, self._batch_input_shape, name=self.name)
            K.history(g)[input_tensor] = (self, [])
        self.built = True
        self._inbound.append(([], [input_tensor]))

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "name": self.name,
                "dtype": self._inbound[0][1][0].dtype.base_dtype.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, tensor=None, batch_shape=None):
    """A placeholder of shape (batch, *shape) that starts a functional model (TF1 Keras: a graph placeholder)."""
    if K.executing_eagerly():
        raise RuntimeError("keras.Input builds a graph placeholder: functional models are built in graph mode "
                           "(use Sequential or a subclassed Model while executing eagerly)")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype, input_tensor=tensor, name=name,
                       batch_input_shape=batch_shape)
    return layer._inbound[0][1][0]


class Dense(Layer, _tfl.Dense):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, **kwargs)


class Dropout(Layer, _tfl.Dropout):
    def call(self, inputs, training=None):
        return super().call(inputs, training=self._phase(training))


class Flatten(Layer, _tfl.Flatten):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(data_format=data_format or "channels_last", **kwargs)


class BatchNormalization(Layer, _tfl.BatchNormalization):
    def call(self, inputs, training=None):
        return super().call(inputs, training=self._phase(training))


def _conv(base, rank, strides_default=1):
    class ConvLayer(Layer, base):
        def __init__(self, filters, kernel_size, strides=strides_default, padding="valid", data_format=None,
                     activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                     **kwargs):
            super().__init__(filters, kernel_size, strides, padding, data_format or "channels_last",
                             activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                             bias_initializer=bias_initializer, **kwargs)
    ConvLayer.__name__ = ConvLayer.__qualname__ = base.__name__
    ConvLayer.__doc__ = f"Keras' {base.__name__} on tf.layers.{base.__name__}."
    return ConvLayer


Conv1D = _conv(_tfl.Conv1D, 1)
Conv2D = _conv(_tfl.Conv2D, 2)


def _pool(base, default):
    class PoolLayer(Layer, base):
        def __init__(self, pool_size=default, strides=None, padding="valid", data_format=None, **kwargs):
            super().__init__(pool_size, strides, padding=padding, data_format=data_format or "channels_last",
                             **kwargs)
    PoolLayer.__name__ = PoolLayer.__qualname__ = base.__name__
    PoolLayer.__doc__ = f"Keras' {base.__name__} on tf.layers.{base.__name__}."
    return PoolLayer


MaxPooling1D = _pool(_tfl.MaxPooling1D, 2)
MaxPooling2D = _pool(_tfl.MaxPooling2D, (2, 2))
AveragePooling1D = _pool(_tfl.AveragePooling1D, 2)
AveragePooling2D = _pool(_tfl.AveragePooling2D, (2, 2))
MaxPool2D, AvgPool2D, Convolution2D = MaxPooling2D, AveragePooling2D, Conv2D


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = _activation(activation)

    def call(self, inputs):
        return inputs if self.activation is None else self.activation(inputs)


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def call(self, inputs):
        return array_ops.reshape(inputs, [-1, *self.target_shape])


class Concatenate(Layer):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return array_ops.concat(list(inputs), self.axis)


class Add(Layer):
    def call(self, inputs):
        return add_n(list(inputs))


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


class Embedding(Layer):
    """Rows of an `[input_dim, output_dim]` matrix (`embedding/embeddings`) looked up by integer ids."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", input_length=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = (None if embeddings_initializer == "uniform"
                                       else _initializer(embeddings_initializer))

    def build(self, input_shape):
        init = self.embeddings_initializer
        if init is None:
            from ..ops.init_ops import random_uniform_initializer

            init = random_uniform_initializer(-0.05, 0.05)
        self.embeddings = self.add_variable("embeddings", [self.input_dim, self.output_dim], initializer=init)
        self.built = True

    def call(self, inputs):
        if not inputs.dtype.base_dtype.is_integer:
            inputs = math_ops.cast(inputs, dtypes.int32)
        return embedding_lookup(self.embeddings, inputs)


__all__ = ["Layer", "InputLayer", "Input", "Dense", "Dropout", "Flatten", "BatchNormalization", "Conv1D", "Conv2D",
           "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "MaxPool2D", "AvgPool2D",
           "Convolution2D", "Activation", "Reshape", "Concatenate", "Add", "concatenate", "add", "Embedding"]

from .recurrent import GRU, LSTM, SimpleRNN  # noqa: E402 (they subclass Layer above)

__all__ += ["SimpleRNN", "LSTM", "GRU"]
