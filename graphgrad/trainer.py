"""The main job: train an MLP classifier on a data set with plain graph code, as the lectures do.

Everything here is ordinary graphgrad user code (placeholders, tf.layers.dense, an optimizer's minimize,
Session.run with feed_dict), so it doubles as a worked example of the API.
"""
from __future__ import annotations

import dataclasses
import math
import sys
import time

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "selu", "leaky_relu", "softplus", "relu6")
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad", "adadelta")
DATASETS = ("digits", "mnist1d", "circle", "xor", "gaussians", "spiral", "triangle")


@dataclasses.dataclass
class TrainConfig:
    dataset: str = "digits"
    hidden: tuple = (128, 64)
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float | None = None
    batch_size: int = 32
    epochs: int = 30
    dropout: float = 0.0
    l2: float = 0.0
    seed: int = 0
    logdir: str | None = None
    resume: bool = False
    progress: bool = True

    def validate(self):
        """Raise ValueError with a one-line reason for any bad option."""
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; choose from {', '.join(DATASETS)}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose from {', '.join(ACTIVATIONS)}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"--hidden sizes must be positive integers, got {','.join(map(str, self.hidden))}")
        if self.lr is not None and not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"--lr must be a positive number, got {self.lr}")
        if self.batch_size < 1:
            raise ValueError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.epochs < 1:
            raise ValueError(f"--epochs must be at least 1, got {self.epochs}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"--dropout must be in [0, 1), got {self.dropout}")
        if self.l2 < 0:
            raise ValueError(f"--l2 must be non-negative, got {self.l2}")


DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 0.001, "rmsprop": 0.001, "adagrad": 0.1, "adadelta": 1.0}


def load_dataset(name, seed=0):
    from . import data

    if name == "digits":
        return data.load_digits(seed=0)
    if name == "mnist1d":
        return data.load_mnist1d()
    return data.playground(name, n=1000, noise=0.1, seed=seed)


def make_optimizer(tf, name, lr):
    t = tf.train
    return {"sgd": lambda: t.GradientDescentOptimizer(lr),
            "momentum": lambda: t.MomentumOptimizer(lr, 0.9),
            "adam": lambda: t.AdamOptimizer(lr),
            "rmsprop": lambda: t.RMSPropOptimizer(lr),
            "adagrad": lambda: t.AdagradOptimizer(lr),
            "adadelta": lambda: t.AdadeltaOptimizer(lr)}[name]()


class Model:
    """The graph of an MLP classifier: inputs, logits, loss, accuracy, train op."""

    def __init__(self, tf, cfg: TrainConfig, num_features: int, num_classes: int):
        self.x = tf.placeholder(tf.float32, (None, num_features), name="x")
        self.y = tf.placeholder(tf.int64, (None,), name="y")
        self.training = tf.placeholder_with_default(False, (), name="training")
        act = getattr(tf.nn, cfg.activation)
        reg = tf.regularizers.l2_regularizer(cfg.l2) if cfg.l2 > 0 else None
        h = self.x
        for i, units in enumerate(cfg.hidden):
            h = tf.layers.dense(h, units, activation=act, kernel_regularizer=reg, name=f"hidden{i + 1}")
            if cfg.dropout > 0:
                h = tf.layers.dropout(h, rate=cfg.dropout, training=self.training, seed=cfg.seed + i)
        self.logits = tf.layers.dense(h, num_classes, kernel_regularizer=reg, name="logits")
        with tf.name_scope("loss"):
            self.data_loss = tf.losses.sparse_softmax_cross_entropy(self.y, self.logits)
            self.loss = tf.losses.get_total_loss() if reg is not None else self.data_loss
        with tf.name_scope("accuracy"):
            correct = tf.equal(tf.argmax(self.logits, axis=1), self.y)
            self.accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
        self.global_step = tf.train.get_or_create_global_step()
        lr = cfg.lr if cfg.lr is not None else DEFAULT_LR[cfg.optimizer]
        self.train_op = make_optimizer(tf, cfg.optimizer, lr).minimize(self.loss, global_step=self.global_step)


def evaluate(sess, model, x, y, batch_size=1024):
    """Mean loss and accuracy over a whole split, in batches."""
    total_loss = total_acc = 0.0
    for i in range(0, len(x), batch_size):
        xb, yb = x[i:i + batch_size], y[i:i + batch_size]
        loss, acc = sess.run([model.data_loss, model.accuracy], {model.x: xb, model.y: yb})
        total_loss += float(loss) * len(xb)
        total_acc += float(acc) * len(xb)
    return total_loss / len(x), total_acc / len(x)


def train(cfg: TrainConfig, out=sys.stdout):
    """Train and evaluate; returns a dict of final metrics."""
    import graphgrad as tf

    from .data import BatchIterator

    cfg.validate()
    ds = load_dataset(cfg.dataset, cfg.seed)
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(cfg.seed)
        model = Model(tf, cfg, ds.x_train.shape[1], ds.num_classes)
        init = tf.global_variables_initializer()
        graph.finalize()
    batches = BatchIterator(ds.x_train, ds.y_train, cfg.batch_size, shuffle=True, seed=cfg.seed)
    start = time.perf_counter()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        step = sess.make_callable([model.train_op, model.loss, model.accuracy],
                                  [model.x, model.y, model.training])
        for epoch in range(cfg.epochs):
            bar = _progress(batches.epoch(epoch), len(batches), f"epoch {epoch + 1}/{cfg.epochs}", cfg.progress)
            seen = loss_sum = acc_sum = 0.0
            for xb, yb in bar:
                _, loss, acc = step(xb, yb, True)
                n = len(xb)
                seen += n
                loss_sum += float(loss) * n
                acc_sum += float(acc) * n
                if hasattr(bar, "set_postfix"):
                    bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{acc_sum / seen:.4f}", refresh=False)
        test_loss, test_acc = evaluate(sess, model, ds.x_test, ds.y_test)
        train_loss, train_acc = evaluate(sess, model, ds.x_train, ds.y_train)
    elapsed = time.perf_counter() - start
    print(f"{cfg.dataset}: train loss {train_loss:.4f} accuracy {train_acc:.4f} | "
          f"test loss {test_loss:.4f} accuracy {test_acc:.4f} ({elapsed:.1f}s)", file=out)
    return {"test_loss": test_loss, "test_accuracy": test_acc, "train_loss": train_loss,
            "train_accuracy": train_acc, "seconds": elapsed}


def _progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=True, dynamic_ncols=True, file=sys.stderr)
