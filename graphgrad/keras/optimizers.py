"""`tf.keras.optimizers`: Keras' optimizers (with Keras' defaults) as graphgrad's tf.train optimizers whose
learning rate is a variable (`optimizer.lr`), so callbacks can change it between epochs (K.set_value), or a
`schedules.LearningRateSchedule` evaluated at `optimizer.iterations` (a step counter, made for it, that `fit` and
`train_on_batch` increment); `optimizers.schedules` and `optimizers.legacy` (the same classes, as tf_keras has
them) are importable as submodules."""
from __future__ import annotations

import inspect
import sys
import types

from .. import train
from ..framework import dtypes
from ..framework.graph import get_default_graph
from ..ops import array_ops, math_ops, scatter_ops, state_ops
from ..ops.core import convert_to_tensor, group
from ..variables import Variable
from . import schedules


class Optimizer:
    """Keras' optimizer: hyper-parameters now, the tf.train optimizer and its `lr` variable when compiled.

    A subclass lists Keras' arguments in `_defaults` ("lr": the default learning rate, then the others in Keras'
    order); its constructor takes them as Keras' does, `learning_rate, <the others>, name, **kwargs` (`lr` is
    `learning_rate`'s old name), with `_after_name` those that Keras puts after `name` and `_keyword_only` those
    it takes in **kwargs."""

    _defaults: dict = {}
    _after_name: tuple = ()
    _keyword_only: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_defaults" not in cls.__dict__:
            return
        P = inspect.Parameter
        hyper = [k for k in cls._defaults if k != "lr"]
        order = ["learning_rate", *[k for k in hyper if k not in cls._after_name + cls._keyword_only], "name",
                 *cls._after_name]
        defaults = {"learning_rate": cls._defaults["lr"], "name": cls.__name__, **cls._defaults}
        signature = inspect.Signature([P("self", P.POSITIONAL_OR_KEYWORD)]
                                      + [P(k, P.POSITIONAL_OR_KEYWORD, default=defaults[k]) for k in order]
                                      + [P("kwargs", P.VAR_KEYWORD)])

        def __init__(self, *args, **kwargs):
            given = signature.bind(self, *args, **kwargs).arguments
            Optimizer.__init__(self, **{k: v for k, v in given.items() if k not in ("self", "kwargs")},
                               **given.get("kwargs", {}))
        __init__.__signature__ = signature
        cls.__init__ = __init__

    def __init__(self, learning_rate=None, name=None, lr=None, **kwargs):
        lr = lr if lr is not None else learning_rate
        lr = self._defaults["lr"] if lr is None else lr
        if isinstance(lr, dict):  # a schedule's config, as get_config gives it
            lr = schedules.deserialize(lr)
        self._schedule = lr if isinstance(lr, schedules.LearningRateSchedule) else None
        self.learning_rate_value = None if self._schedule is not None else float(lr)
        self.hyper = {k: kwargs.get(k, v) for k, v in self._defaults.items() if k != "lr"}
        self._given, self._name = kwargs, name or type(self).__name__
        self.lr = self._tf = self.iterations = None
        self._check()

    def _check(self):
        """Raise ValueError for hyper-parameters out of range (Keras' messages)."""

    def _make(self, lr):
        raise NotImplementedError

    def build(self, graph=None):
        """The tf.train optimizer in `graph`, its learning rate the variable `<name>/lr` (once per graph)."""
        graph = graph or get_default_graph()
        made_in = self.lr if self._schedule is None else self.iterations
        if self._tf is None or (made_in is not None and getattr(made_in, "graph", graph) is not graph):
            with graph.as_default():
                if self._schedule is None:
                    self.lr = Variable(self.learning_rate_value, trainable=False, dtype=dtypes.float32,
                                       name=f"{type(self).__name__}/lr")
                    self._tf = self._make(self.lr)
                else:  # the schedule at the step count, evaluated again at each (eager) step
                    self.iterations = Variable(0, trainable=False, dtype=dtypes.int64,
                                               name=f"{type(self).__name__}/iter")
                    self._tf = self._make(lambda: self._schedule(self.iterations))
            restores = self.__dict__.get("_deferred_restores")
            if restores:  # a tf.train.Checkpoint restored before the optimizer was built: its values come now
                self._tf._deferred_restores = restores
                for restore in list(restores):
                    restore()
        return self._tf

    def _checkpoint_dependencies(self):
        if self._schedule is not None:
            return [("iter", self.iterations), ("", self._tf)]
        return [("learning_rate", self.lr), ("", self._tf)]

    learning_rate = property(lambda self: self.lr if self._schedule is None else self._schedule)

    def get_config(self):
        rate = self.learning_rate_value if self._schedule is None else schedules.serialize(self._schedule)
        return {"name": self._name, "learning_rate": rate, "decay": 0.0, **self.hyper}

    def get_slot_names(self):
        """The names of the optimizer's slots ("m", "v", ...) once training built it, else []."""
        return self._tf.get_slot_names() if self._tf is not None else []

    # --- a custom training loop's calls (Keras' OptimizerV2) ---------------------------------------------------
    def apply_gradients(self, grads_and_vars, name=None):
        """The update of each variable by its gradient (eagerly: done now; in a graph: the op that does it).
        Pairs whose gradient is None are skipped; all None is TF's ValueError."""
        pairs = list(grads_and_vars)
        kept = [(g, v) for g, v in pairs if g is not None]
        if not kept:
            raise ValueError(f"No gradients provided for any variable: {[v.name for _, v in pairs]}.")
        return self.build().apply_gradients(kept, global_step=self.iterations, name=name)

    def minimize(self, loss, var_list, grad_loss=None, name=None, tape=None):
        """`apply_gradients` of the gradients of `loss` (a callable that computes it, or a tensor: in a graph, or
        eagerly with the `tape` that recorded it) with respect to `var_list` (or a callable giving it)."""
        return self.apply_gradients(self._compute_gradients(loss, var_list, grad_loss, tape), name=name)

    def _compute_gradients(self, loss, var_list, grad_loss=None, tape=None):
        from ..autodiff import gradients
        from ..eager import GradientTape, executing_eagerly

        if callable(loss) or tape is not None or executing_eagerly():
            if not callable(loss) and tape is None:
                raise ValueError("`tape` is required when a `Tensor` loss is passed.")
            tape = tape if tape is not None else GradientTape()
            if callable(loss):
                with tape:
                    if not callable(var_list):
                        tape.watch(var_list)
                    loss = loss()
            var_list = var_list() if callable(var_list) else var_list
            return list(zip(tape.gradient(loss, var_list, grad_loss), var_list))
        var_list = var_list() if callable(var_list) else var_list
        return list(zip(gradients(loss, var_list, grad_loss), var_list))

    def get_gradients(self, loss, params):
        """The gradients of `loss` for `params` (Keras 2's graph-mode call); a None gradient is TF's ValueError."""
        from ..autodiff import gradients

        grads = gradients(loss, params)
        for g, p in zip(grads, params):
            if g is None:
                raise ValueError(f"Variable {p} has `None` for gradient. Please make sure that all of your ops have "
                                 "a gradient defined (i.e. are differentiable). Common ops without gradient: "
                                 "K.argmax, K.round, K.eval.")
        return grads

    def variables(self):
        """The optimizer's variables once built: its learning rate (or step counter) and its slots."""
        if self._tf is None:
            return []
        own = [self.lr if self._schedule is None else self.iterations]
        return own + [v for v in self._tf.variables() if v is not own[0]]

    weights = property(variables)


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


# --- Keras 2's own update rules (tf-keras' legacy optimizers), as tf.train optimizers -----------------------

def _average(a, x, beta):
    """beta·a + (1 - beta)·x: a moment's moving average."""
    return math_ops.add(math_ops.multiply(beta, a), math_ops.multiply(math_ops.subtract(1.0, beta), x))


class _Stepped(train.Optimizer):
    """A tf.train optimizer with Keras' step counter `<name>/iter` (int64, +1 after each step): Keras' bias
    corrections use the step t = iter + 1 (`self._step`, float32), and `decay` divides the learning rate by
    1 + decay * iter, as Keras' `_decayed_lr`."""

    def __init__(self, lr, hyper, name):
        super().__init__(False, name)
        self._lr, self._h = lr, dict(hyper)

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        self._create_non_slot_variable(lambda: convert_to_tensor(0, dtypes.int64), f"{self._name}/iter", first)
        self._create_keras_slots(var_list)

    def _create_keras_slots(self, var_list):
        for name in ("m", "v"):  # Keras creates all m slots, then all v slots
            for v in var_list:
                self._zeros_slot(v, name, self._name)

    def _iterations(self, graph=None):
        return self._get_non_slot_variable(f"{self._name}/iter", graph)

    def _prepare(self):
        it = math_ops.cast(self._iterations().value(), dtypes.float32)
        self._step = math_ops.add(it, 1.0)
        lr = self._hyper("learning_rate", self._lr)
        if self._h.get("decay"):
            lr = math_ops.divide(lr, math_ops.add(1.0, math_ops.multiply(self._h["decay"], it)))
        self._lr_t = lr
        self._prepare_keras()

    def _c(self, name, value, var):
        """A float32 coefficient in the variable's dtype (cast once per step)."""
        return self._cast(name, convert_to_tensor(value), var.dtype)

    def _finish(self, update_ops, name_scope):
        it = self._iterations(update_ops[0].graph)
        with update_ops[0].graph.control_dependencies(update_ops):
            step = state_ops.assign_add(it, convert_to_tensor(1, dtypes.int64))
        return super()._finish(list(update_ops) + [step], name_scope)


class _AdamaxUpdate(_Stepped):
    """Keras' Adamax (TF's ApplyAdaMax): m = β1·m + (1 - β1)·g; v = max(β2·v, |g|);
    var -= lr / (1 - β1^t) · m / (v + ε)."""

    def _prepare_keras(self):
        b1 = convert_to_tensor(float(self._h["beta_1"]))
        self._coef = {"beta_1": b1, "beta_2": convert_to_tensor(float(self._h["beta_2"])),
                      "epsilon": convert_to_tensor(float(self._h["epsilon"])),
                      "scaled_lr": math_ops.divide(self._lr_t, math_ops.subtract(1.0, math_ops.pow(b1, self._step)))}

    def _moments(self, grad, var, m, v):
        c = {k: self._c(k, t, var) for k, t in self._coef.items()}
        m_t = _average(m, grad, c["beta_1"])
        v_t = math_ops.maximum(math_ops.multiply(v, c["beta_2"]), math_ops.abs(grad))
        return m_t, v_t, math_ops.multiply(c["scaled_lr"], math_ops.divide(m_t, math_ops.add(v_t, c["epsilon"])))

    def _apply_dense(self, grad, var):
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        m_t, v_t, step = self._moments(grad, var, m, v)
        return group(state_ops.assign_sub(var, step), state_ops.assign(m, m_t), state_ops.assign(v, v_t))

    def _apply_sparse(self, grad, var):
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        idx = grad.indices
        m_t, v_t, step = self._moments(grad.values, var, array_ops.gather(m, idx), array_ops.gather(v, idx))
        return group(scatter_ops.scatter_sub(var, idx, step), scatter_ops.scatter_update(m, idx, m_t),
                     scatter_ops.scatter_update(v, idx, v_t))


class _NadamUpdate(_Stepped):
    """Keras' Nadam (Dozat 2016) with its momentum schedule μ_t = β1(1 - 0.5·0.96^(0.004·t)), whose running
    product is the variable `<name>/momentum_cache` (starting at 1)."""

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        self._create_non_slot_variable(1.0, f"{self._name}/momentum_cache", first)
        super()._create_slots(var_list)

    def _prepare_keras(self):
        b1 = convert_to_tensor(float(self._h["beta_1"]))
        b2 = convert_to_tensor(float(self._h["beta_2"]))
        decay = self._h["schedule_decay"]

        def momentum(step):
            return math_ops.multiply(b1, math_ops.subtract(1.0, math_ops.multiply(0.5, math_ops.pow(
                0.96, math_ops.multiply(decay, step)))))
        m_t, m_t_1 = momentum(self._step), momentum(math_ops.add(self._step, 1.0))
        cache = self._get_non_slot_variable(f"{self._name}/momentum_cache")
        schedule_new = state_ops.assign(cache, math_ops.multiply(cache.value(), m_t))
        schedule_next = math_ops.multiply(schedule_new, m_t_1)
        self._coef = {"lr": self._lr_t, "epsilon": convert_to_tensor(float(self._h["epsilon"])), "beta_1": b1,
                      "beta_2": b2, "m_t_1": m_t_1, "one_minus_m_t": math_ops.subtract(1.0, m_t),
                      "one_minus_schedule_new": math_ops.subtract(1.0, schedule_new),
                      "one_minus_schedule_next": math_ops.subtract(1.0, schedule_next),
                      "v_denominator": math_ops.subtract(1.0, math_ops.pow(b2, self._step))}

    def _moments(self, grad, var, m, v):
        c = {k: self._c(k, t, var) for k, t in self._coef.items()}
        g_prime = math_ops.divide(grad, c["one_minus_schedule_new"])
        m_t, v_t = _average(m, grad, c["beta_1"]), _average(v, math_ops.square(grad), c["beta_2"])
        m_bar = math_ops.add(math_ops.multiply(c["one_minus_m_t"], g_prime),
                             math_ops.multiply(c["m_t_1"], math_ops.divide(m_t, c["one_minus_schedule_next"])))
        denominator = math_ops.add(math_ops.sqrt(math_ops.divide(v_t, c["v_denominator"])), c["epsilon"])
        return m_t, v_t, math_ops.divide(math_ops.multiply(c["lr"], m_bar), denominator)

    _apply_dense = _AdamaxUpdate._apply_dense
    _apply_sparse = _AdamaxUpdate._apply_sparse


class _FtrlUpdate(train.FtrlOptimizer):
    """tf.train's FTRL update with Keras' slot names ("accumulator", "linear") and `beta`, which adds
    beta / (2·lr) to the l2 strength."""

    _KERAS_SLOTS = {"accum": "accumulator"}

    def __init__(self, lr, beta, **kwargs):
        super().__init__(lr, **kwargs)
        self._beta = beta

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accumulator", self._initial_accumulator_value, self._name)
            self._zeros_slot(v, "linear", self._name)

    def get_slot(self, var, name):
        return super().get_slot(var, self._KERAS_SLOTS.get(name, name))

    def _prepare(self):
        super()._prepare()
        if self._beta:
            t = self._tensors
            t["l2"] = math_ops.add(t["l2"], math_ops.divide(self._beta, math_ops.multiply(2.0, t["learning_rate"])))


class Adamax(Optimizer):
    """Keras' Adamax (Kingma & Ba's infinity-norm Adam): slots "m" and "v"."""

    _defaults = {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "decay": 0.0}
    _keyword_only = ("decay",)

    def _make(self, lr):
        return _AdamaxUpdate(lr, self.hyper, "Adamax")


class Nadam(Optimizer):
    """Keras' Nadam (Adam with Nesterov momentum): slots "m" and "v" and the momentum cache; `schedule_decay`
    (0.004) sets the momentum schedule."""

    _defaults = {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "schedule_decay": 0.004}
    _keyword_only = ("schedule_decay",)

    def _check(self):
        if "decay" in self._given:  # Keras keeps the schedule decay as `decay` (get_config, saved files)
            self.hyper["schedule_decay"] = self._given["decay"]

    def _make(self, lr):
        return _NadamUpdate(lr, self.hyper, "Nadam")

    def get_config(self):
        config = super().get_config()
        config["decay"] = config.pop("schedule_decay")
        return config


class Ftrl(Optimizer):
    """Keras' Ftrl (FTRL-Proximal): slots "accumulator" (from `initial_accumulator_value`) and "linear"."""

    _defaults = {"lr": 0.001, "learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                 "l1_regularization_strength": 0.0, "l2_regularization_strength": 0.0,
                 "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0}

    _after_name = ("l2_shrinkage_regularization_strength", "beta")

    def _check(self):
        h = self.hyper
        if h["initial_accumulator_value"] < 0.0:
            raise ValueError("`initial_accumulator_value` needs to be positive or zero. Received: "
                             f"initial_accumulator_value={h['initial_accumulator_value']}.")
        if h["learning_rate_power"] > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={h['learning_rate_power']}.")
        for key in ("l1_regularization_strength", "l2_regularization_strength",
                    "l2_shrinkage_regularization_strength"):
            if h[key] < 0.0:
                raise ValueError(f"`{key}` needs to be positive or zero. Received: {key}={h[key]}.")

    def _make(self, lr):
        h = dict(self.hyper)
        return _FtrlUpdate(lr, h.pop("beta"), name="Ftrl", **h)


def _legacy_module(name, *classes):
    """`optimizers.legacy`: tf_keras' home of its Keras 2 optimizers, which are the ones here."""
    module = types.ModuleType(f"{name}.legacy", "tf_keras' optimizers.legacy: the same optimizer classes.")
    for cls in classes:
        setattr(module, cls.__name__, cls)
    module.__all__ = [cls.__name__ for cls in classes]
    sys.modules[module.__name__] = module
    return module


class TFOptimizer(Optimizer):
    """A tf.train optimizer passed to compile (its learning rate stays as it was built)."""

    def __init__(self, optimizer):
        self._tf, self.lr = optimizer, None
        self.hyper, self._schedule, self.iterations = {}, None, None

    def build(self, graph=None):
        return self._tf


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta, "adamax": Adamax,
            "nadam": Nadam, "ftrl": Ftrl}


def serialize(optimizer, use_legacy_format=False):
    """{'class_name': ..., 'config': get_config()} of a Keras optimizer."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """A new optimizer from `serialize`'s dict (class names as Keras': 'Adam', or lower case: 'adam')."""
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is included in the scope.")
    return cls(**{k: v for k, v in (config.get("config") or {}).items() if k != "name"})


def get(identifier):
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier.lower()]()
        except KeyError:
            raise ValueError(f"Unknown optimizer: {identifier}") from None
    if isinstance(identifier, train.Optimizer):
        return TFOptimizer(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


legacy = _legacy_module(__name__, Optimizer, SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl)
sys.modules[__name__ + ".schedules"] = schedules  # `from graphgrad.keras.optimizers.schedules import ...`

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "TFOptimizer",
           "get", "serialize", "deserialize", "schedules", "legacy"]
