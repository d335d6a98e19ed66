"""`tf.keras.activations`: Keras 2's activation functions (on graphgrad's ops and the Keras backend's relu / elu /
softmax / hard_sigmoid), and get / serialize / deserialize, which name a function as a model's config saves it
("relu"); a layer's `activation=` takes a function, its name, or a registered custom one."""
from __future__ import annotations

from ..ops import activation_ops, math_ops, smooth_activations, softmax_ops, unary_ops
from . import backend as _K
from . import serialization as _s


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (a 1-D input is a ValueError, as Keras' backend says)."""
    return _K.softmax(x, axis)


def elu(x, alpha=1.0):
    """x above 0, alpha·(exp(x) - 1) below."""
    return _K.elu(x, alpha)


def selu(x):
    """scale·elu(x, alpha) with the self-normalizing constants (1.0507..., 1.6732...)."""
    return activation_ops.selu(x)


def softplus(x):
    return activation_ops.softplus(x)


def softsign(x):
    return activation_ops.softsign(x)


def swish(x):
    """x·sigmoid(x) (also `silu`)."""
    return smooth_activations.silu(x)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0) by default; `alpha`: the slope below `threshold`; `max_value`: a cap."""
    return _K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def gelu(x, approximate=False):
    """x·Φ(x) (exact, with erf) or its tanh approximation."""
    return smooth_activations.gelu(x, approximate)


def tanh(x):
    return unary_ops.tanh(x)


def sigmoid(x):
    return unary_ops.sigmoid(x)


def exponential(x):
    return unary_ops.exp(x)


def hard_sigmoid(x):
    """clip(0.2·x + 0.5, 0, 1) (Keras 2's piecewise-linear sigmoid)."""
    return _K.hard_sigmoid(x)


def linear(x):
    """x itself (what `activation=None` means)."""
    return x


def mish(x):
    """x·tanh(softplus(x))."""
    return math_ops.multiply(x, unary_ops.tanh(activation_ops.softplus(x)))


silu = swish
# deserializable, as in tf_keras' module, though not in its public names
leaky_relu, log_softmax, relu6 = activation_ops.leaky_relu, softmax_ops.log_softmax, activation_ops.relu6

_OBJECTS = {fn.__name__: fn for fn in (softmax, elu, selu, softplus, softsign, swish, relu, gelu, tanh, sigmoid,
                                       exponential, hard_sigmoid, linear, mish)}
_OBJECTS.update(silu=silu, leaky_relu=leaky_relu, log_softmax=log_softmax, relu6=relu6)
# graphgrad's own functions (`activation=tf.nn.relu`) are saved under Keras' names
_NAMES = {id(fn): name for name, fn in reversed(_OBJECTS.items())}  # swish, not silu
_NAMES.update({id(f): n for n, f in (("relu", activation_ops.relu), ("softmax", softmax_ops.softmax),
                                     ("sigmoid", unary_ops.sigmoid), ("tanh", unary_ops.tanh),
                                     ("swish", smooth_activations.swish), ("gelu", smooth_activations.gelu),
                                     ("silu", smooth_activations.silu), ("selu", selu), ("elu", activation_ops.elu),
                                     ("softplus", activation_ops.softplus), ("softsign", activation_ops.softsign),
                                     ("exponential", unary_ops.exp))})


def serialize(activation, use_legacy_format=False):
    """The name a config saves `activation` under: Keras' name, or a registered custom function's name."""
    if id(activation) in _NAMES:
        return _NAMES[id(activation)]
    name = _s.get_registered_name(activation) if hasattr(activation, "__name__") else None
    if name is None or _s.get_registered_object(name) is not activation:
        raise ValueError(f"Unknown activation function '{activation}' cannot be serialized due to invalid function "
                         "name. Make sure to use an activation name that matches the references defined in "
                         "activations.py or use `@keras.saving.register_keras_serializable()` to register any "
                         "custom activations.")
    return name


def deserialize(name, custom_objects=None, use_legacy_format=False):
    """The function known by `name` (or by a config dict's class_name)."""
    try:
        found = _s.deserialize_keras_object(name, _OBJECTS, custom_objects, "activation function")
    except ValueError:
        found = None
    if found is None or isinstance(found, str):
        if not _s.tf2_behavior():  # Keras' legacy deserialization says it so in TF1's graph mode
            raise _s._unknown("activation function", name)
        raise ValueError(f"Unknown activation function '{name}' cannot be deserialized.")
    return found


def get(identifier):
    """linear for None, the function of a name or config dict, a callable as it is."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier}")


__all__ = ["softmax", "elu", "selu", "softplus", "softsign", "swish", "silu", "relu", "gelu", "tanh", "sigmoid",
           "exponential", "hard_sigmoid", "linear", "mish", "get", "serialize", "deserialize"]
