"""`tf.keras.optimizers`: Keras' optimizers (with Keras' defaults) as graphgrad's tf.train optimizers whose
learning rate is a variable (`optimizer.lr`), so callbacks can change it between epochs (K.set_value)."""
from __future__ import annotations

from .. import train
from ..framework import dtypes
from ..framework.graph import get_default_graph
from ..variables import Variable


class Optimizer:
    """Keras' optimizer: hyper-parameters now, the tf.train optimizer and its `lr` variable when compiled."""

    _defaults: dict = {}

    def __init__(self, lr=None, learning_rate=None, **kwargs):
        self.learning_rate_value = float(learning_rate if learning_rate is not None else
                                         lr if lr is not None else self._defaults["lr"])
        self.hyper = {k: kwargs.get(k, v) for k, v in self._defaults.items() if k != "lr"}
        self.lr = self._tf = None

    def _make(self, lr):
        raise NotImplementedError

    def build(self, graph=None):
        """The tf.train optimizer in `graph`, its learning rate the variable `<name>/lr` (once per graph)."""
        graph = graph or get_default_graph()
        if self._tf is None or (self.lr is not None and getattr(self.lr, "graph", graph) is not graph):
            with graph.as_default():
                self.lr = Variable(self.learning_rate_value, trainable=False, dtype=dtypes.float32,
                                   name=f"{type(self).__name__}/lr")
                self._tf = self._make(self.lr)
            restores = self.__dict__.get("_deferred_restores")
            if restores:  # a tf.train.Checkpoint restored before the optimizer was built: its values come now
                self._tf._deferred_restores = restores
                for restore in list(restores):
                    restore()
        return self._tf

    def _checkpoint_dependencies(self):
        return [("learning_rate", self.lr), ("", self._tf)]

    learning_rate = property(lambda self: self.lr)

    def get_config(self):
        return {"learning_rate": self.learning_rate_value, **self.hyper}


class SGD(Optimizer):
    _defaults = {"lr": 0.01, "momentum": 0.0, "nesterov": False}

    def _make(self, lr):
        if self.hyper["momentum"]:
            return train.MomentumOptimizer(lr, self.hyper["momentum"], use_nesterov=self.hyper["nesterov"])
        return train.GradientDescentOptimizer(lr)


class Adam(Optimizer):
    _defaults = {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}

    def _make(self, lr):
        h = self.hyper
        return train.AdamOptimizer(lr, h["beta_1"], h["beta_2"], h["epsilon"])


class _ZeroStartRMSProp(train.RMSPropOptimizer):
    """tf.train's RMSProp update with Keras' zero-initialized accumulators (TF1 starts them at 1, which makes
    the first steps ~sqrt(1 / g^2) times smaller than Keras')."""

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "rms", 0.0)
            self._zeros_slot(v, "momentum", self._name)


class RMSprop(Optimizer):
    _defaults = {"lr": 0.001, "rho": 0.9, "epsilon": 1e-7}

    def _make(self, lr):
        return _ZeroStartRMSProp(lr, decay=self.hyper["rho"], epsilon=self.hyper["epsilon"])


class Adagrad(Optimizer):
    _defaults = {"lr": 0.01, "initial_accumulator_value": 0.1}

    def _make(self, lr):
        return train.AdagradOptimizer(lr, self.hyper["initial_accumulator_value"])


class Adadelta(Optimizer):
    _defaults = {"lr": 1.0, "rho": 0.95, "epsilon": 1e-7}

    def _make(self, lr):
        return train.AdadeltaOptimizer(lr, self.hyper["rho"], self.hyper["epsilon"])


class TFOptimizer(Optimizer):
    """A tf.train optimizer passed to compile (its learning rate stays as it was built)."""

    def __init__(self, optimizer):
        self._tf, self.lr = optimizer, None
        self.hyper = {}

    def build(self, graph=None):
        return self._tf


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta}


def get(identifier):
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier.lower()]()
        except KeyError:
            raise ValueError(f"Unknown optimizer: {identifier}") from None
    if isinstance(identifier, train.Optimizer):
        return TFOptimizer(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "TFOptimizer", "get"]
