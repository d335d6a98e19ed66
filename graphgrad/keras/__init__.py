"""`graphgrad.keras` (also `tf.keras`): Keras' models, layers, optimizers, losses, metrics and callbacks on
graphgrad's ops and tf.layers (docs/keras.md)."""
from . import (
           activations,
           applications,
           backend,
           callbacks,
           constraints,
           datasets,
           experimental,
           initializers,
           layers,
           losses,
           metrics,
           models,
           optimizers,
           preprocessing,
           regularizers,
           saving,
           serialization,  # first: the registry the modules below deserialize through
           utils,
)
from .layers import Input
from .models import Model, Sequential

models.LinearModel, models.WideDeepModel = experimental.LinearModel, experimental.WideDeepModel  # as tf_keras has

__all__ = ["initializers", "regularizers", "constraints", "activations", "applications", "backend", "callbacks",
           "datasets", "experimental", "layers", "losses", "metrics", "optimizers", "preprocessing", "saving", "utils",
           "models", "Input", "Model", "Sequential"]
