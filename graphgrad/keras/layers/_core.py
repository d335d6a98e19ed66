"""Keras' core layers: Dense, Dropout, Flatten, Activation, Reshape, Embedding (on graphgrad's tf.layers where TF1
has one, so the variables are named as there: `dense/kernel`), and the variable-free Lambda, RepeatVector, Permute,
Masking, ActivityRegularization and Identity."""
from __future__ import annotations

import sys

from ... import layers as _tfl
from ...framework import dtypes
from ...nn import embedding_lookup
from ...ops import array_ops, math_ops
from ...ops.core import identity
from ...ops.init_ops import random_uniform_initializer
from .. import regularizers as _regularizers
from ._base import Layer, _activation, _initializer


class Dense(Layer, _tfl.Dense):
    supports_masking = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, **kwargs)


class Dropout(Layer, _tfl.Dropout):
    supports_masking = True

    def call(self, inputs, training=None):
        return super().call(inputs, training=self._phase(training))


class Flatten(Layer, _tfl.Flatten):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(data_format=data_format or "channels_last", **kwargs)


class Activation(Layer):
    supports_masking = True

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


class Embedding(Layer):
    """Rows of an `[input_dim, output_dim]` matrix (`embedding/embeddings`) looked up by integer ids; with
    `mask_zero` id 0 is padding: the output's mask is `ids != 0`, which later layers (RNNs, pooling, the loss)
    consume."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", mask_zero=False, input_length=None,
                 **kwargs):
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.mask_zero = self.supports_masking = bool(mask_zero)
        self.embeddings_initializer = (None if embeddings_initializer == "uniform"
                                       else _initializer(embeddings_initializer))

    def build(self, input_shape):
        init = self.embeddings_initializer or random_uniform_initializer(-0.05, 0.05)
        self.embeddings = self.add_variable("embeddings", [self.input_dim, self.output_dim], initializer=init)
        self.built = True

    def call(self, inputs):
        if not inputs.dtype.base_dtype.is_integer:
            inputs = math_ops.cast(inputs, dtypes.int32)
        return embedding_lookup(self.embeddings, inputs)

    def compute_mask(self, inputs, mask=None):
        return math_ops.not_equal(inputs, 0) if self.mask_zero else None


class Lambda(Layer):
    """`function(inputs, **arguments)` as a layer. Saved as Keras 2 saves it: a named function by module and name
    (found again among the loaded modules or `custom_objects`); a lambda's bytecode is written for Keras but not
    run when loading, since running code read from a file is what graphgrad's formats avoid."""

    _config_keys = ("function_type", "module", "output_shape_type", "output_shape_module", "arguments")

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function, self.output_shape_arg, self.mask = function, output_shape, mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None

    def compute_mask(self, inputs, mask=None):
        """`mask(inputs, input_mask)` when `mask` is a function, else `mask` itself (Keras: None drops masks)."""
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def _config(self):
        config = super()._config()
        fn = self.function
        if fn.__name__ == "<lambda>":
            import codecs
            import marshal

            code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
            closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
            config.update(function=[code, fn.__defaults__, closure], function_type="lambda")
        else:
            config.update(function=fn.__name__, function_type="function")
        config.update(module=fn.__module__, output_shape_type="raw", output_shape_module=None,
                      arguments=self.arguments, output_shape=self.output_shape_arg)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        kind, module = config.pop("function_type", "function"), config.pop("module", None)
        for key in ("output_shape_type", "output_shape_module"):
            config.pop(key, None)
        name = config["function"]
        if kind != "function":
            raise ValueError(f"Lambda layer {config.get('name')}: the file holds a Python lambda's bytecode, which "
                             "graphgrad does not run; define the function with `def` (saved by name) or rebuild "
                             "the layer in code")
        found = (custom_objects or {}).get(name)
        if found is None and module in sys.modules:
            found = getattr(sys.modules[module], name, None)
        if found is None:
            raise ValueError(f"Unknown function in Lambda layer: {name}. Please ensure this object is passed to "
                             "the `custom_objects` argument.")
        config["function"] = found
        return cls(**config)


class RepeatVector(Layer):
    """[batch, features] -> [batch, n, features]."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)

    def call(self, inputs):
        return array_ops.tile(array_ops.expand_dims(inputs, 1), [1, self.n, 1])


class Permute(Layer):
    """Transposes the non-batch axes: `dims` is a permutation of 1..rank-1."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={dims}")

    def call(self, inputs):
        return array_ops.transpose(inputs, [0, *self.dims])


class Masking(Layer):
    """Zeroes the time steps whose features all equal `mask_value`; the output's mask (which later layers
    consume) is false at those steps."""

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return math_ops.reduce_any(math_ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = math_ops.reduce_any(math_ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * math_ops.cast(keep, inputs.dtype.base_dtype)


class ActivityRegularization(Layer):
    """Identity that adds l1·sum|x| + l2·sum(x²), divided by the batch size, to the layer's losses."""

    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=_regularizers.L1L2(l1, l2), **kwargs)
        self.l1, self.l2 = l1, l2

    def call(self, inputs):
        return identity(inputs)


class Identity(Layer):
    """Returns its input unchanged (a placeholder layer in a model's structure)."""

    def call(self, inputs):
        return identity(inputs)



__all__ = ["Dense", "Dropout", "Flatten", "Activation", "Reshape", "Embedding", "Lambda", "RepeatVector", "Permute",
           "Masking", "ActivityRegularization", "Identity"]
