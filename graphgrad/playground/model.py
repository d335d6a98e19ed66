"""One playground network: its settings (checked against limits), its own Graph and Session, training by time
budget, and the frames the page draws (loss curves, the decision boundary, each hidden neuron's output).

Nothing here is shared between models: each has its Graph, Session and random generator, so two browser tabs
never see each other's state. A model is not thread-safe by itself; the server runs one call at a time on it.
"""
from __future__ import annotations

import base64
import math
import time
from dataclasses import asdict, dataclass, fields

import numpy as np

from ..datasets.playground import PLAYGROUND_SETS, playground
from ..trainer import OPTIMIZERS

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
REGULARIZATIONS = ("none", "l1", "l2")
#: The square [-DOMAIN, DOMAIN]^2 the heat maps cover (the data sets live in [-1, 1]^2, plus noise).
DOMAIN = 1.6
BOUNDARY_GRID = 50
NEURON_GRID = 20
HISTORY_POINTS = 200


class ConfigError(ValueError):
    """Settings the page sent that cannot run; the message is shown on the page."""


@dataclass(frozen=True)
class Config:
    dataset: str = "circle"
    noise: float = 0.0
    test_fraction: float = 0.5
    points: int = 500
    hidden: tuple = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.03
    optimizer: str = "sgd"
    batch_size: int = 10
    regularization: str = "none"
    regularization_rate: float = 0.0
    seed: int = 0

    def as_json(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d


#: name: (kind, lower bound, upper bound) for numbers, or the allowed values for choices.
LIMITS = {
    "dataset": PLAYGROUND_SETS,
    "noise": (float, 0.0, 1.0),
    "test_fraction": (float, 0.1, 0.9),
    "points": (int, 50, 2000),
    "activation": ACTIVATIONS,
    "learning_rate": (float, 1e-6, 10.0),
    "optimizer": tuple(OPTIMIZERS),
    "batch_size": (int, 1, 1000),
    "regularization": REGULARIZATIONS,
    "regularization_rate": (float, 0.0, 1.0),
    "seed": (int, 0, 2**31 - 1),
}
MAX_LAYERS = 6
MAX_NEURONS = 8
NAMES = {"test_fraction": "test fraction", "learning_rate": "learning rate", "batch_size": "batch size",
         "regularization_rate": "regularization rate"}


def limits_json() -> dict:
    out = {k: (list(v) if isinstance(v[0], str) else {"min": v[1], "max": v[2]}) for k, v in LIMITS.items()}
    out["hidden"] = {"max_layers": MAX_LAYERS, "max_neurons": MAX_NEURONS}
    return out


def _number(name, value, kind, lo, hi):
    label = NAMES.get(name, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{label} must be a number, got {value!r}")
    if kind is int and (not float(value).is_integer()):
        raise ConfigError(f"{label} must be a whole number, got {value!r}")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ConfigError(f"{label} must be between {lo:g} and {hi:g}, got {value!r}")
    return kind(value)


def _hidden(value):
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.replace(" ", "").split(",") if v]
        except ValueError:
            raise ConfigError(f"hidden layers must be comma-separated neuron counts like 4,2, got {value!r}") from None
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"hidden layers must be a list of neuron counts, got {value!r}")
    if len(value) > MAX_LAYERS:
        raise ConfigError(f"at most {MAX_LAYERS} hidden layers, got {len(value)}")
    sizes = []
    for i, n in enumerate(value):
        if isinstance(n, bool) or not isinstance(n, (int, float)) or not float(n).is_integer():
            raise ConfigError(f"layer {i + 1}: the number of neurons must be a whole number, got {n!r}")
        if not 1 <= n <= MAX_NEURONS:
            raise ConfigError(f"layer {i + 1}: the number of neurons must be between 1 and {MAX_NEURONS}, got {n:g}")
        sizes.append(int(n))
    return tuple(sizes)


def parse_config(obj, base: Config | None = None) -> Config:
    """Settings from the page (a JSON object; missing keys keep `base`'s values) or a ConfigError saying what is
    wrong in words the page can show."""
    if not isinstance(obj, dict):
        raise ConfigError(f"the settings must be a JSON object, got {type(obj).__name__}")
    known = {f.name for f in fields(Config)}
    unknown = sorted(set(obj) - known)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}; known: {', '.join(sorted(known))}")
    values = asdict(base or Config())
    for name, value in obj.items():
        if name == "hidden":
            values[name] = _hidden(value)
            continue
        rule = LIMITS[name]
        if isinstance(rule[0], str):
            if value not in rule:
                raise ConfigError(f"{NAMES.get(name, name)} must be one of {', '.join(rule)}, got {value!r}")
            values[name] = value
        else:
            values[name] = _number(name, value, *rule)
    values["hidden"] = tuple(values["hidden"])
    return Config(**values)


def _grid(n):
    """Points of an n x n grid over the square, row by row from the top (y = +DOMAIN) to the bottom."""
    c = (np.arange(n) + 0.5) / n * 2 * DOMAIN - DOMAIN
    xs, ys = np.meshgrid(c, c[::-1])
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def _b64(values01: np.ndarray) -> str:
    """Values in [0, 1] as one byte each, base64: 2,500 numbers in 3.3 kB."""
    q = np.clip(np.nan_to_num(values01, nan=0.5) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def _finite(v):
    v = float(v)
    return v if math.isfinite(v) else None


class PlaygroundModel:
    """A binary classifier of 2-D points: dense hidden layers, one logit, sigmoid cross-entropy."""

    def __init__(self, cfg: Config):
        import graphgrad as tf

        self.cfg = cfg
        self.data = playground(cfg.dataset, n=cfg.points, noise=cfg.noise, seed=cfg.seed,
                               test_fraction=cfg.test_fraction)
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(cfg.seed)
            self.x = tf.placeholder(tf.float32, (None, 2), name="x")
            self.y = tf.placeholder(tf.float32, (None,), name="y")
            act = {"sigmoid": tf.nn.sigmoid, "tanh": tf.nn.tanh, "relu": tf.nn.relu, "linear": None}[cfg.activation]
            reg = None
            if cfg.regularization != "none" and cfg.regularization_rate > 0:
                make = tf.regularizers.l1_regularizer if cfg.regularization == "l1" else tf.regularizers.l2_regularizer
                reg = make(float(cfg.regularization_rate))
            h, self.hidden = self.x, []
            for i, units in enumerate(cfg.hidden):
                h = tf.layers.dense(h, units, activation=act, kernel_regularizer=reg, name=f"layer{i + 1}")
                self.hidden.append(h)
            logit = tf.reshape(tf.layers.dense(h, 1, kernel_regularizer=reg, name="output"), (-1,), name="logit")
            self.prob = tf.sigmoid(logit, name="prob")
            self.data_loss = tf.reduce_mean(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=self.y, logits=logit), name="loss")
            self.loss = self.data_loss
            if reg is not None:
                self.loss = tf.add(self.data_loss, tf.losses.get_regularization_loss(), name="total_loss")
            self.train_op = OPTIMIZERS[cfg.optimizer][1](tf.train, cfg.learning_rate).minimize(self.loss)
            self.variables = tf.trainable_variables()
            init = tf.global_variables_initializer()
        self.sess = tf.Session(graph=self.graph)
        self.sess.run(init)
        self.rng = np.random.default_rng(cfg.seed)
        self.x_train, self.y_train = self.data.x_train, self.data.y_train.astype(np.float32)
        self.x_test, self.y_test = self.data.x_test, self.data.y_test.astype(np.float32)
        self.batch = min(cfg.batch_size, len(self.x_train))
        self.order = self.rng.permutation(len(self.x_train))
        self.position = 0
        self.epoch = 0
        self.steps = 0
        self.history: list[tuple[float, float | None, float | None]] = []
        self.grid = _grid(BOUNDARY_GRID)
        self.neuron_grid = _grid(NEURON_GRID)
        self._step = self.sess.make_callable(self.train_op, [self.x, self.y])
        self._record()

    # --- training ----------------------------------------------------------------------------------------

    def train_steps(self, n: int):
        for _ in range(n):
            idx = self.order[self.position:self.position + self.batch]
            self._step(self.x_train[idx], self.y_train[idx])
            self.steps += 1
            self.position += self.batch
            if self.position >= len(self.order):
                self.epoch += 1
                self.position = 0
                self.order = self.rng.permutation(len(self.x_train))
                self._record()

    def train_epoch(self):
        """Train to the end of the current epoch (the page's "step" button)."""
        start = self.epoch
        while self.epoch == start:
            self.train_steps(1)

    def train_for(self, seconds: float):
        """Train mini-batches for about `seconds` (at least one); the losses are recorded after each epoch."""
        deadline = time.perf_counter() + seconds
        self.train_steps(1)
        while time.perf_counter() < deadline:
            self.train_steps(4)

    def losses(self):
        train = self.sess.run(self.data_loss, {self.x: self.x_train, self.y: self.y_train})
        test = self.sess.run(self.data_loss, {self.x: self.x_test, self.y: self.y_test})
        return _finite(train), _finite(test)

    def _record(self):
        train, test = self.losses()
        self.history.append((round(self.epoch + self.position / len(self.order), 3), train, test))
        if len(self.history) > 2 * HISTORY_POINTS:
            self.history = self.history[::2]

    @property
    def diverged(self) -> bool:
        return self.losses()[0] is None

    # --- what the page draws ------------------------------------------------------------------------------

    def data_json(self) -> dict:
        def points(x, y):
            return [[round(float(a), 3), round(float(b), 3), int(c)] for (a, b), c in zip(x, y)]
        return {"train": points(self.x_train, self.y_train), "test": points(self.x_test, self.y_test),
                "domain": DOMAIN}

    def frame(self) -> dict:
        prob = self.sess.run(self.prob, {self.x: self.grid})
        neurons = []
        if self.hidden:
            for layer in self.sess.run(self.hidden, {self.x: self.neuron_grid}):
                cells = []
                for j in range(layer.shape[1]):
                    v = np.nan_to_num(layer[:, j].astype(np.float64))
                    scale = max(float(np.abs(v).max()), 1e-6)
                    cells.append(_b64(0.5 + 0.5 * v / scale))
                neurons.append(cells)
        train, test = self.losses() if self.position else self.history[-1][1:]
        return {"epoch": self.epoch, "steps": self.steps, "train_loss": train, "test_loss": test,
                "history": self.history if len(self.history) <= HISTORY_POINTS else self.history[::2],
                "boundary": _b64(prob), "boundary_grid": BOUNDARY_GRID, "neurons": neurons,
                "neuron_grid": NEURON_GRID}

    def derivative_svg(self) -> bytes:
        """The graph of derivatives of the loss on one training point, edges to the weights in red."""
        from ..viz import derivative_graph

        feed = {self.x: self.x_train[:1], self.y: self.y_train[:1]}
        dg = derivative_graph(self.data_loss, self.variables, feed, session=self.sess)
        return dg.picture(f"graph of derivatives of the loss on the point ({self.x_train[0, 0]:.2f}, "
                          f"{self.x_train[0, 1]:.2f})").pipe("svg")

    def close(self):
        self.sess.close()
