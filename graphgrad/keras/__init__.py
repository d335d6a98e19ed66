"""`graphgrad.keras` (also `tf.keras`): Keras' models, layers, optimizers, losses, metrics and callbacks on
graphgrad's ops and tf.layers (docs/keras.md)."""
from .. import initializers, regularizers  # keras.initializers.he_normal(), ...
from . import applications, backend, callbacks, datasets, layers, losses, metrics, models, optimizers, utils
from .layers import Input
from .models import Model, Sequential

__all__ = ["initializers", "regularizers", "applications", "backend", "callbacks", "datasets", "layers", "losses",
           "metrics", "optimizers", "utils", "models", "Input", "Model", "Sequential"]
