"""The main job: train an MLP or a CNN classifier on a data set with plain graph code, as the lectures do.

Everything here is ordinary graphgrad user code (placeholders, tf.layers.dense, an optimizer's minimize,
Session.run with feed_dict, tf.summary, tf.train.Saver), so it doubles as a worked example of the API.
With a logdir the job writes TensorBoard event files and one checkpoint per epoch there, and `resume=True`
continues a killed run to exactly the numbers an uninterrupted run gives (see docs/main-job.md).
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "selu", "leaky_relu", "softplus", "relu6")
# The job's optimizers, written once: name -> (default learning rate, the optimizer from tf.train and a rate).
OPTIMIZERS = {
    "sgd": (0.1, lambda train, lr: train.GradientDescentOptimizer(lr)),
    "momentum": (0.05, lambda train, lr: train.MomentumOptimizer(lr, 0.9)),
    "adam": (0.001, lambda train, lr: train.AdamOptimizer(lr)),
    "rmsprop": (0.001, lambda train, lr: train.RMSPropOptimizer(lr)),
    "adagrad": (0.1, lambda train, lr: train.AdagradOptimizer(lr)),
    "adadelta": (1.0, lambda train, lr: train.AdadeltaOptimizer(lr)),
}
DATASETS = ("digits", "mnist", "fashion_mnist", "mnist1d", "circle", "xor", "gaussians", "spiral", "triangle")
# Options that fix the model and its trajectory: a resumed run must repeat them (epochs may grow).
RUN_OPTIONS = ("model", "filters", "dataset", "hidden", "activation", "optimizer", "lr", "batch_size", "dropout", "l2",
               "seed")
MODELS = ("mlp", "cnn", "rnn", "lstm", "gru")
# --model rnn|lstm|gru: the recurrent cell of tf.nn.rnn_cell; the first --hidden size is its number of units.
RNN_MODELS = {"rnn": "BasicRNNCell", "lstm": "BasicLSTMCell", "gru": "GRUCell"}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}   # weight blocks of [input + units, units] (plus bias) per cell
# What `--model cnn` sees: the shape of one example of each image or signal data set (channels last).
INPUT_SHAPES = {"digits": (8, 8, 1), "mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "mnist1d": (40, 1)}
# Convolution layers' output channels when --filters is not given: two 3x3 layers on images, three of width 5 on
# MNIST-1D's 40-sample signals (measured: 94-95 % there, see docs/main-job.md).
DEFAULT_FILTERS = {2: (16, 32), 1: (32, 32, 32)}
KERNEL_SIZE = {2: 3, 1: 5}
CONFIG_FILENAME = "config.json"
CHECKPOINT_BASENAME = "model.ckpt"


class ConfigError(ValueError):
    """The options cannot run here (a missing package, a model larger than memory, ...): the CLI exits with 2."""


class LogdirError(ConfigError):
    """The options cannot run against the logdir (nothing to resume, other options, a used or unwritable logdir)."""


class TrainingError(RuntimeError):
    """Training started but could not go on (the loss diverged, a write failed, memory ran out): the CLI exits 1.

    The message is one line; it names the epoch where that is known and the last good checkpoint of a logdir.
    """


@dataclasses.dataclass
class TrainConfig:
    model: str = "mlp"
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
    filters: tuple | None = None  # --model cnn: output channels of each conv + pool layer (None: by data set)
    logdir: str | None = None   # None: no event files, no checkpoints
    resume: bool = False
    log_every: int = 10         # steps between train/loss, train/accuracy points
    progress: bool = True
    distributed: bool = False   # --distributed: one rank of an MPI job (docs/distributed.md)

    def validate(self):
        """Raise ValueError with a one-line reason for any bad option."""
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; choose from {', '.join(DATASETS)}")
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose from {', '.join(MODELS)}")
        if self.model == "cnn":
            self._validate_cnn()
        elif self.filters is not None:
            raise ValueError(f"--filters sets the convolution layers of --model cnn; --model {self.model} has none")
        if self.model in RNN_MODELS and self.dataset not in INPUT_SHAPES:
            raise ValueError(f"--model {self.model} needs images or signals read as sequences "
                             f"({', '.join(INPUT_SHAPES)}); --dataset {self.dataset} has 2 features per point: "
                             "use --model mlp")
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
        if not (self.l2 >= 0 and math.isfinite(self.l2)):
            raise ValueError(f"--l2 must be a non-negative number, got {self.l2}")
        if self.seed < 0:
            raise ValueError(f"--seed must be non-negative, got {self.seed}")
        if self.log_every < 1:
            raise ValueError(f"--log-every must be at least 1, got {self.log_every}")
        if self.logdir is not None and not os.fspath(self.logdir).strip():
            raise ValueError(f"--logdir must name a folder, got {os.fspath(self.logdir)!r}")
        if self.resume and not self.logdir:
            raise ValueError("--resume needs --logdir DIR of the run to continue")

    def _validate_cnn(self):
        if self.dataset not in INPUT_SHAPES:
            raise ValueError(f"--model cnn needs images or signals ({', '.join(INPUT_SHAPES)}); --dataset "
                             f"{self.dataset} has 2 features per point: use --model mlp")
        if self.filters is not None and (not self.filters or any(f < 1 for f in self.filters)):
            raise ValueError(f"--filters must be positive integers, got {','.join(map(str, self.filters or ()))}")
        spatial = INPUT_SHAPES[self.dataset][:-1]
        if min(spatial) >> len(self.conv_filters) < 1:
            raise ValueError(f"--filters {','.join(map(str, self.conv_filters))}: {len(self.conv_filters)} conv + "
                             f"2x pool layers shrink the {'x'.join(map(str, spatial))} input of {self.dataset} "
                             "to nothing")

    @property
    def sequence_shape(self) -> tuple:
        """(time steps, features per step) of --model rnn|lstm|gru: an image's rows (8 of 8 digits, 28 of 28
        MNIST), MNIST-1D's 40 samples one at a time."""
        return tuple(INPUT_SHAPES[self.dataset][:2])

    @property
    def conv_filters(self) -> tuple:
        """The channels of the CNN's conv layers: --filters, or the data set's default; () for the MLP."""
        if self.model != "cnn":
            return ()
        if self.filters is not None:
            return tuple(self.filters)
        return DEFAULT_FILTERS[len(INPUT_SHAPES[self.dataset]) - 1]

    def run_options(self) -> dict:
        """The options a resumed run must share, JSON-ready."""
        d = {k: getattr(self, k) for k in RUN_OPTIONS}
        d["hidden"] = list(d["hidden"])
        d["filters"] = list(self.conv_filters) if self.model == "cnn" else None
        d["lr"] = self.learning_rate
        return d

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else OPTIMIZERS[self.optimizer][0]



def default_logdir(dataset, root="runs") -> str:
    """`runs/<dataset>-<YYYYmmdd-HHMMSS>`, with `-2`, `-3`, ... when that folder exists already."""
    base = os.path.join(root, f"{dataset}-{time.strftime('%Y%m%d-%H%M%S')}")
    path, n = base, 1
    while os.path.exists(path):
        n += 1
        path = f"{base}-{n}"
    return path


def load_dataset(name, seed=0, progress=True):
    """The data set of `--dataset name`; MNIST and Fashion-MNIST are downloaded on first use (DownloadError)."""
    from . import datasets as data

    if name == "digits":
        return data.load_digits(seed=0)
    if name == "mnist":
        return data.load_mnist(progress=progress)
    if name == "fashion_mnist":
        return data.load_fashion_mnist(progress=progress)
    if name == "mnist1d":
        try:
            return data.load_mnist1d()
        except ImportError:
            raise ConfigError("--dataset mnist1d needs the mnist1d package: pip install 'graphgrad[mnist1d]'") from None
    return data.playground(name, n=1000, noise=0.1, seed=seed)


SLOTS = {"sgd": 0, "momentum": 1, "adam": 2, "rmsprop": 2, "adagrad": 1, "adadelta": 2}  # per variable


def physical_memory() -> int | None:
    """Bytes of RAM of this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def parameter_count(cfg: TrainConfig, num_features: int, num_classes: int) -> int:
    if cfg.model == "cnn":   # each conv layer (SAME) is followed by a 2x max pool (VALID: the size halves, floored)
        shape = INPUT_SHAPES[cfg.dataset]
        rank, channels, spatial = len(shape) - 1, shape[-1], list(shape[:-1])
        params = 0
        for f in cfg.conv_filters:
            params += KERNEL_SIZE[rank] ** rank * channels * f + f
            channels, spatial = f, [n // 2 for n in spatial]
        num_features = int(np.prod(spatial)) * channels
    elif cfg.model in RNN_MODELS:   # the cell's kernel [features + units, k * units] and bias; then dense layers
        units, features = cfg.hidden[0], cfg.sequence_shape[1]
        return (GATES[cfg.model] * ((features + units) * units + units)
                + parameter_count(dataclasses.replace(cfg, model="mlp", hidden=cfg.hidden[1:]), units, num_classes))
    else:
        params = 0
    sizes = (num_features, *cfg.hidden, num_classes)
    return params + sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def check_model_size(cfg: TrainConfig, num_features: int, num_classes: int):
    """ConfigError when the float32 weights, their gradients and the optimizer's slots alone exceed the RAM.

    Checked before anything is allocated: asking NumPy for such arrays may succeed under memory overcommit and
    then have the process killed, instead of raising MemoryError.
    """
    ram = physical_memory()
    params = parameter_count(cfg, num_features, num_classes)
    need = params * 4 * (2 + SLOTS[cfg.optimizer])
    if ram is not None and need > ram:
        raise ConfigError(f"--hidden {','.join(map(str, cfg.hidden))} gives a model of {params:,} parameters that "
                          f"needs about {need / 1e9:.1f} GB to train with {cfg.optimizer}, more than the "
                          f"{ram / 1e9:.1f} GB of memory here")


def _out_of_memory(e: BaseException) -> bool:
    """Whether `e` is, or was raised from, a MemoryError (a Session reports a kernel's as InvalidArgumentError)."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, MemoryError):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def make_optimizer(tf, name, lr):
    return OPTIMIZERS[name][1](tf.train, lr)


class Model:
    """The graph of an MLP or CNN classifier: inputs, logits, loss, accuracy, train op.

    The CNN reshapes each flat example to INPUT_SHAPES[dataset] (8x8x1 digits, 28x28x1 MNIST, 40x1 MNIST-1D
    signals) and puts before the dense layers, for each of --filters, a convolution (3x3 on images, width 5 on
    signals, SAME, the activation) and a 2x max pool; `first_kernel` is the first convolution's kernel.
    The RNN, LSTM and GRU read each example as a sequence (`TrainConfig.sequence_shape`: an image's rows, MNIST-1D's
    samples), run tf.nn.dynamic_rnn of a cell of --hidden's first size over it, and feed the last step's output to
    the dense layers of the other --hidden sizes.
    """

    def __init__(self, tf, cfg: TrainConfig, num_features: int, num_classes: int):
        self.x = tf.placeholder(tf.float32, (None, num_features), name="x")
        self.y = tf.placeholder(tf.int64, (None,), name="y")
        self.training = tf.placeholder_with_default(False, (), name="training")
        act = getattr(tf.nn, cfg.activation)
        reg = tf.regularizers.l2_regularizer(cfg.l2) if cfg.l2 > 0 else None
        h = self.x
        self.first_kernel = None
        dense = cfg.hidden
        if cfg.model == "cnn":
            h = self._conv_trunk(tf, cfg, act, reg)
        elif cfg.model in RNN_MODELS:
            h, dense = self._recurrent_trunk(tf, cfg), cfg.hidden[1:]
        for i, units in enumerate(dense):
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
        optimizer = make_optimizer(tf, cfg.optimizer, cfg.learning_rate)
        objective, self.loss_scale = self.loss, None
        if cfg.distributed:   # gradients averaged over the ranks; loss_scale weighs a rank's part of the batch
            from . import distributed as hvd

            self.loss_scale = tf.placeholder_with_default(1.0, (), name="loss_scale")
            objective = self.loss * self.loss_scale
            optimizer = hvd.DistributedOptimizer(optimizer)
        self.train_op = optimizer.minimize(objective, global_step=self.global_step)

    def _recurrent_trunk(self, tf, cfg):
        cell = getattr(tf.nn.rnn_cell, RNN_MODELS[cfg.model])(cfg.hidden[0])
        sequence = tf.reshape(self.x, (-1, *cfg.sequence_shape), name="sequence")
        outputs, _ = tf.nn.dynamic_rnn(cell, sequence, dtype=tf.float32, scope="rnn")
        return outputs[:, -1, :]

    def _conv_trunk(self, tf, cfg, act, reg):
        shape = INPUT_SHAPES[cfg.dataset]
        rank = len(shape) - 1
        conv, pool = (tf.layers.Conv2D, tf.layers.max_pooling2d) if rank == 2 else (tf.layers.Conv1D,
                                                                                      tf.layers.max_pooling1d)
        h = tf.reshape(self.x, (-1, *shape), name="image")
        for i, filters in enumerate(cfg.conv_filters):
            layer = conv(filters, KERNEL_SIZE[rank], padding="same", activation=act, kernel_regularizer=reg,
                         name=f"conv{i + 1}")
            h = pool(layer(h), 2, 2, name=f"pool{i + 1}")
            if i == 0:
                self.first_kernel = layer.kernel
        return tf.layers.flatten(h, name="flatten")


def evaluate(sess, model, x, y, batch_size=1024):
    """Mean loss and accuracy over a whole split, in batches."""
    total_loss = total_acc = 0.0
    for i in range(0, len(x), batch_size):
        xb, yb = x[i:i + batch_size], y[i:i + batch_size]
        loss, acc = sess.run([model.data_loss, model.accuracy], {model.x: xb, model.y: yb})
        total_loss += float(loss) * len(xb)
        total_acc += float(acc) * len(xb)
    return total_loss / len(x), total_acc / len(x)


def reseed_random_ops(sess, ops, epoch):
    """Restart each random op's generator (dropout masks) from (its seeds, its index, epoch).

    The session's generators otherwise run on from wherever the process started, so a resumed process
    would draw other masks than the uninterrupted one. Making them a function of the epoch (runs resume
    at epoch boundaries) needs no extra state in the checkpoint.
    """
    for i, op in enumerate(ops):
        sess.reseed(op, [op.attrs["seed"], op.attrs["seed2"], i, epoch])


# --- the logdir: config, TensorBoard events, checkpoints ------------------------------------------------

def _write_json_atomically(path, obj):
    from .train.checkpoint_io import _atomic_write

    data = (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode()
    _atomic_write(path, lambda f: f.write(data))


def _option_text(key, value):
    if key in ("hidden", "filters") and isinstance(value, list):
        value = ",".join(map(str, value))
    return f"--{key.replace('_', '-')} {value}"


def run_files(logdir) -> list[str]:
    """The names in `logdir` that a run writes: its options file, checkpoint state and data, event files."""
    try:
        names = sorted(os.listdir(logdir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as e:
        raise LogdirError(f"cannot read {logdir}: {_one_line(e)}") from None
    from .train import checkpoint_io as cio

    return [n for n in names if n in (CONFIG_FILENAME, cio.STATE_FILENAME) or n.startswith("events.out.tfevents.")
            or n.endswith(cio.DATA_SUFFIX) or n.lstrip(".").startswith(CHECKPOINT_BASENAME)]


def check_logdir(cfg: TrainConfig) -> list[str]:
    """Fail early (LogdirError) when the logdir cannot serve this run.

    A fresh run only goes into a folder with nothing of a run in it (see `run_files`), so two runs never mix
    their checkpoints and events. For --resume, return the checkpoints to try, newest first; an empty list
    means the run was stopped before its first checkpoint and starts again from the beginning.
    """
    from .train import checkpoint_io as cio

    logdir = cfg.logdir
    if not cfg.resume:
        found = run_files(logdir)
        if found:
            shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
            raise LogdirError(f"{logdir} already holds a run ({shown}); pass --resume to continue it or choose "
                              "another --logdir")
        return []
    try:
        state = cio.read_checkpoint_state(logdir)
    except (cio.CheckpointError, OSError) as e:
        raise LogdirError(f"cannot read the checkpoint state in {logdir}: {_one_line(e)}") from None
    candidates = []
    if state is not None:
        candidates = list(state.all_model_checkpoint_paths)
        if state.model_checkpoint_path not in candidates:
            candidates.append(state.model_checkpoint_path)
        candidates.reverse()
    config_path = os.path.join(logdir, CONFIG_FILENAME)
    try:
        with open(config_path, encoding="utf-8") as f:
            saved = json.load(f)["options"]
    except FileNotFoundError:
        if not candidates:
            raise LogdirError(f"no checkpoint to resume from in {logdir}") from None
        return candidates  # a checkpoint from elsewhere: restoring checks names and shapes
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise LogdirError(f"cannot read {config_path}: {_one_line(e)}") from None
    saved.setdefault("model", "mlp")   # written before --model cnn existed
    now = cfg.run_options()
    diffs = [f"{_option_text(k, now.get(k))} (the run has {_option_text(k, saved.get(k))})"
             for k in RUN_OPTIONS if saved.get(k) != now.get(k)
             and not (k == "filters" and saved.get("model") != now.get("model"))]   # named by --model already
    if diffs:
        raise LogdirError(f"--resume: options differ from the run in {logdir}: " + ", ".join(diffs))
    return candidates


def resume_argv(cfg: TrainConfig) -> list[str]:
    """The command that continues this run: `graphgrad train --logdir DIR --resume` and the options it needs."""
    argv = ["graphgrad", "train", "--logdir", os.fspath(cfg.logdir), "--resume"]
    default = TrainConfig()
    for key in RUN_OPTIONS + ("epochs",):
        value = getattr(cfg, key)
        if value is not None and value != getattr(default, key):
            text = ",".join(map(str, value)) if key in ("hidden", "filters") else str(value)
            argv += [f"--{key.replace('_', '-')}", text]
    return argv


def last_good_checkpoint(logdir) -> str:
    """`the last good checkpoint is PATH` (what --resume restores), for messages about a stopped run."""
    from .train import checkpoint_io as cio

    try:
        latest = cio.latest_checkpoint(logdir)
    except (cio.CheckpointError, OSError):
        latest = None
    return f"the last good checkpoint is {latest}" if latest else "no checkpoint was written"


def _one_line(e) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def filter_image(tf, kernel):
    """The first conv layer's filters side by side as one [1, height, width, 1] image for tf.summary.image.

    A 2-D kernel [k, k, 1, F] gives a strip of F k x k tiles, one blank column and row after each; a 1-D kernel
    [k, 1, F] gives F rows of k pixels, one filter a row. TensorBoard rescales the image as a whole (0 is mid-grey
    when weights of both signs are present), so the filters' magnitudes stay comparable.
    """
    shape = kernel.shape.as_list()
    if len(shape) == 3:   # [k, 1, F] -> [F, k]
        return tf.reshape(tf.transpose(kernel[:, 0, :]), (1, shape[2], shape[0], 1))
    k, f = shape[0], shape[3]
    tiles = tf.pad(kernel[:, :, 0, :], [[0, 1], [0, 1], [0, 0]])        # [k+1, k+1, F]
    return tf.reshape(tf.transpose(tiles, (0, 2, 1)), (1, k + 1, f * (k + 1), 1))


class RunLog:
    """What the job writes to its logdir: event files (scalars, histograms, graph) and per-epoch checkpoints.

    Built inside the graph (summary ops, Saver) before it is finalized; `open` starts or resumes the
    session state and returns the epoch to start at.
    """

    def __init__(self, tf, cfg: TrainConfig, model: Model):
        self.tf, self.cfg, self.model = tf, cfg, model
        with tf.name_scope("train"):
            self.train_summary = tf.summary.merge([tf.summary.scalar("loss", model.data_loss),
                                                   tf.summary.scalar("accuracy", model.accuracy)])
        with tf.name_scope("weights"):
            summaries = [tf.summary.histogram(v.op.name, v) for v in tf.trainable_variables()]
        if model.first_kernel is not None:
            summaries.append(tf.summary.image("conv1/filters", filter_image(tf, model.first_kernel), max_outputs=1))
        self.weight_summary = tf.summary.merge(summaries)
        # all global variables (Adam slots, global step too), in graphgrad's format: inspect-checkpoint shows its
        # metadata and resume tells its damaged files apart (docs/checkpoints.md#which-format)
        self.saver = tf.train.Saver(max_to_keep=5, write_version=tf.train.SaverDef.GRAPHGRAD)
        self.writer = None

    def open(self, sess, init, resume_from, batches_per_epoch, out) -> int:
        """Initialize or restore the variables, open the event file, write config/graph; return the epoch.

        `resume_from` is check_logdir's list: for --resume the checkpoints to try, newest first. A damaged one is
        skipped with a warning on stderr naming its file; an empty list starts the stopped run from the beginning.
        """
        tf, cfg = self.tf, self.cfg
        if not cfg.resume:
            sess.run(init)
            self._write(lambda: _write_json_atomically(os.path.join(cfg.logdir, CONFIG_FILENAME),
                                                       {"options": cfg.run_options()}))
            self.writer = self._write(lambda: tf.summary.FileWriter(cfg.logdir, sess.graph))
            print(f"logging to {cfg.logdir} (TensorBoard events and a checkpoint per epoch)", file=out)
            return 0
        from .train import checkpoint_io as cio

        self._write(lambda: cio.cleanup_temp_files(cfg.logdir))  # left by a killed save
        if not resume_from:
            sess.run(init)
            epoch, step, message = 0, 0, f"resuming {cfg.logdir} from the start: it has no checkpoint yet"
        else:
            restored = self._restore_newest_intact(sess, resume_from)
            self.saver.recover_last_checkpoints(resume_from[::-1])
            step = int(sess.run(self.model.global_step))
            epoch, rest = divmod(step, batches_per_epoch)
            if rest:
                raise LogdirError(f"cannot resume from {restored}: global step {step} is not the end of an epoch of "
                                  f"{batches_per_epoch} batches")
            if epoch > cfg.epochs:
                raise LogdirError(f"cannot resume from {restored}: it is at epoch {epoch}, beyond --epochs "
                                  f"{cfg.epochs}")
            message = f"resuming from {restored} after epoch {epoch}/{cfg.epochs}"
        self.writer = self._write(lambda: tf.summary.FileWriter(cfg.logdir))
        # TensorBoard drops what the stopped process logged after the checkpoint (steps >= step + 1).
        self._write(lambda: self.writer.add_session_log(
            tf.summary.SessionLog(status=tf.summary.SessionLog.START), step + 1))
        print(message, file=out)
        return epoch

    def _restore_newest_intact(self, sess, candidates) -> str:
        from .train import checkpoint_io as cio

        for prefix in candidates:
            if not cio.checkpoint_exists(prefix):
                continue   # deleted (max_to_keep) after the state file was written
            try:
                self.saver.restore(sess, prefix)
                return prefix
            except self.tf.errors.DataLossError as e:
                print(f"graphgrad train: warning: skipping the damaged checkpoint {cio.data_path(prefix)}: "
                      f"{_one_line(e)}", file=sys.stderr)
            except self.tf.errors.OpError as e:
                raise LogdirError(f"cannot resume from {prefix}: {_one_line(e)}") from None
        raise LogdirError(f"cannot resume: no intact checkpoint in {self.cfg.logdir}")

    def _write(self, write):
        """Run `write` (a first write to the logdir); an OSError there is a LogdirError naming the folder."""
        try:
            return write()
        except OSError as e:
            raise LogdirError(f"cannot write to {self.cfg.logdir}: {_one_line(e)}") from None

    def end_epoch(self, sess, step, test_metrics):
        """Log test metrics and weight histograms, then checkpoint (after the events are on disk)."""
        tf = self.tf
        test_loss, test_acc = test_metrics
        self.writer.add_summary(tf.summary.Summary(value=[
            tf.summary.Summary.Value(tag="test/loss", simple_value=test_loss),
            tf.summary.Summary.Value(tag="test/accuracy", simple_value=test_acc)]), step)
        self.writer.add_summary(sess.run(self.weight_summary), step)
        self.writer.flush()
        self.saver.save(sess, os.path.join(self.cfg.logdir, CHECKPOINT_BASENAME), global_step=self.model.global_step)

    def close(self, failing=False):
        """Close the events file; when the run is already failing, a failure to flush it is not another error."""
        if self.writer is not None:
            try:
                self.writer.close()
            except OSError:
                if not failing:
                    raise


# --- the job ---------------------------------------------------------------------------------------------

def train(cfg: TrainConfig, out=None):
    """Train and evaluate, printing to `out` (default: sys.stdout at call time); returns the final metrics.

    Raises ConfigError (LogdirError among them) when the options cannot run, before anything is trained, and
    TrainingError when training cannot go on: the loss or the weights become NaN or infinite (no checkpoint of
    them is written), a write to the logdir fails, memory runs out.
    """
    import graphgrad as tf

    from .datasets import BatchIterator

    out = sys.stdout if out is None else out

    cfg.validate()
    job = join_job(cfg)
    root = job is None or job.rank == 0
    resume_from = _root_decides(job, lambda: check_logdir(cfg)) if cfg.logdir else None
    ds = load_dataset(cfg.dataset, cfg.seed, cfg.progress and root)
    check_model_size(cfg, ds.x_train.shape[1], ds.num_classes)
    graph = tf.Graph()
    with graph.as_default():
        # rank 0 draws the weights a one-process run draws (and the others get them by broadcast); dropout masks
        # differ per rank (rank_seed); the shuffle (BatchIterator's seed) is the same on every rank
        tf.set_random_seed(cfg.seed if job is None else _rank_seed(cfg.seed))
        model = Model(tf, cfg, ds.x_train.shape[1], ds.num_classes)
        init = tf.global_variables_initializer()
        log = RunLog(tf, cfg, model) if cfg.logdir else None   # on every rank: one graph, one plan everywhere
        bcast = _broadcast_op() if job is not None else None
        graph.finalize()
    random_ops = [op for op in graph.get_operations() if "seed2" in op.attrs]
    batches = BatchIterator(ds.x_train, ds.y_train, cfg.batch_size, shuffle=True, seed=cfg.seed)
    start = time.perf_counter()
    finished = False
    with tf.Session(graph=graph) as sess:
        try:
            if log is None:
                sess.run(init)
                first_epoch = 0
            elif root:
                first_epoch = _root_decides(job, lambda: log.open(sess, init, resume_from, len(batches), out))
            else:
                sess.run(init)
                _root_decides(job, None)
            if bcast is not None:   # every rank from rank 0's weights, slots and step (fresh or restored)
                sess.run(bcast)
                first_epoch = int(sess.run(model.global_step)) // len(batches)
            _fit(sess, model, cfg, batches, first_epoch, random_ops, log, ds, job)
            test_loss, test_acc = evaluate(sess, model, ds.x_test, ds.y_test)
            train_loss, train_acc = evaluate(sess, model, ds.x_train, ds.y_train)
            finished = True
        except Exception as e:
            if not _out_of_memory(e):
                raise
            params = parameter_count(cfg, ds.x_train.shape[1], ds.num_classes)
            kept = f"; {last_good_checkpoint(cfg.logdir)}" if cfg.logdir else ""
            raise TrainingError(f"out of memory with --model {cfg.model} --hidden {','.join(map(str, cfg.hidden))} "
                                f"({params:,} "
                                f"parameters) and --batch-size {cfg.batch_size}{kept}") from None
        finally:
            if log is not None and root:
                log.close(failing=not finished)
    elapsed = time.perf_counter() - start
    if root:
            print(f"{cfg.dataset}: train loss {train_loss:.4f} accuracy {train_acc:.4f} | "
              f"test loss {test_loss:.4f} accuracy {test_acc:.4f} ({elapsed:.1f}s)", file=out)
    return {"test_loss": test_loss, "test_accuracy": test_acc, "train_loss": train_loss,
            "train_accuracy": train_acc, "seconds": elapsed}


def _fit(sess, model, cfg, batches, first_epoch, random_ops, log, ds, job=None):
    """The epochs from `first_epoch` on; with a RunLog, summaries every `log_every` steps and each epoch.

    In a job of several processes (`job`, a graphgrad.distributed World) each rank trains on its part of every
    global batch (split_batch) and only rank 0 writes events and checkpoints and shows the progress bar.

    Stops with TrainingError at the first step whose loss is not finite, or at the end of an epoch whose last
    update left a variable that is not finite, before anything of it is logged or saved. A failed write to
    the logdir stops it too.
    """
    import graphgrad as tf

    fetches, feeds = [model.train_op, model.loss, model.accuracy], [model.x, model.y, model.training]
    if model.loss_scale is not None:
        feeds.append(model.loss_scale)
    root = job is None or job.rank == 0
    step = sess.make_callable(fetches, feeds)
    logged_step = sess.make_callable(fetches + [log.train_summary], feeds) if log else None
    log_every = cfg.log_every if log else 0
    variables = [v for v in sess.graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) if v.dtype.base_dtype.is_floating]
    global_step = first_epoch * len(batches)   # train_op adds 1 to model.global_step per batch
    epoch = first_epoch

    def diverged(what):
        kept = f"; {last_good_checkpoint(cfg.logdir)}" if log else ""
        return TrainingError(f"training diverged in epoch {epoch + 1}/{cfg.epochs} at step {global_step}: {what}"
                             f"{kept} (a smaller --lr may help)")

    try:
        for epoch in range(first_epoch, cfg.epochs):
            reseed_random_ops(sess, random_ops, epoch)
            bar = _progress(batches.epoch(epoch), len(batches), f"epoch {epoch + 1}/{cfg.epochs}",
                            cfg.progress and root)
            seen = loss_sum = acc_sum = 0.0
            try:
                for xb, yb in bar:
                    global_step += 1
                    summary = None
                    args = (xb, yb, True) if job is None else _rank_part(job, xb, yb)
                    if log_every and global_step % log_every == 0:
                        _, loss, acc, summary = logged_step(*args)
                    else:
                        _, loss, acc = step(*args)
                    loss = float(loss)
                    if not math.isfinite(loss):
                        raise diverged(f"the loss is {loss}")
                    if summary is not None and root:
                        log.writer.add_summary(summary, global_step)
                    n = len(xb)
                    seen += n
                    loss_sum += loss * n
                    acc_sum += float(acc) * n
                    if hasattr(bar, "set_postfix"):
                        bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{acc_sum / seen:.4f}", refresh=False)
            finally:
                if hasattr(bar, "close"):
                    bar.close()   # the bar's line ends before any message that follows
            for v, value in zip(variables, sess.run(variables)):
                if not np.all(np.isfinite(value)):
                    raise diverged(f"{v.op.name} is no longer finite after the update")
            if log is not None and root:
                log.end_epoch(sess, global_step, evaluate(sess, model, ds.x_test, ds.y_test))
    except OSError as e:
        raise TrainingError(f"cannot write to {cfg.logdir} in epoch {epoch + 1}/{cfg.epochs}: {_one_line(e)}; "
                            f"{last_good_checkpoint(cfg.logdir)}") from None


# --- --distributed: one rank of an MPI job (docs/distributed.md) -------------------------------------------

def join_job(cfg: TrainConfig):
    """--distributed: the graphgrad.distributed World joined (a job of one outside a launcher); else None."""
    if not cfg.distributed:
        return None
    from . import distributed as hvd

    try:
        job = hvd.init()
    except hvd.DistributedError as e:
        raise ConfigError(_one_line(e)) from None
    if job.size == 1:
        print("graphgrad train: --distributed: no MPI launcher started several processes; training as one process",
              file=sys.stderr)
    elif cfg.batch_size < job.size:
        raise ConfigError(f"--batch-size {cfg.batch_size} is the global batch, split across the {job.size} "
                          f"processes: it needs at least {job.size}")
    return job


def _rank_seed(seed):
    from . import distributed as hvd

    return hvd.rank_seed(seed)


def _broadcast_op():
    from . import distributed as hvd

    return hvd.broadcast_global_variables(0)


def _rank_part(job, xb, yb):
    """This rank's feeds for one global batch: its rows (split_batch) and the loss scale size * rows / batch, which
    makes the ranks' average gradient the gradient of the mean loss over the whole batch (lengths may differ).
    A rank left without rows (a last batch smaller than the job) runs the step on one row, scaled by 0."""
    from . import distributed as hvd

    x, y = hvd.split_batch(xb, yb, size=job.size, rank=job.rank)
    scale = job.size * len(x) / len(xb)
    if len(x) == 0:
        x, y = xb[:1], yb[:1]
    return x, y, True, np.float32(scale)


def _root_decides(job, decide):
    """`decide()` on rank 0 only (reading or writing the logdir); its ConfigError stops every rank alike.

    Returns decide's result on rank 0, None elsewhere; in a job of one, just decide(). Any other exception of
    rank 0 reaches the others as a TrainingError, so no rank waits for ever for a rank 0 that gave up.
    """
    if job is None or job.size == 1:
        return decide()
    result = failure = None
    if job.rank == 0:
        try:
            result = decide()
        except BaseException as e:
            failure = (isinstance(e, ConfigError), f"rank 0 failed: {_one_line(e)}")
            job.comm.bcast(failure, root=0)
            raise
    failure = job.comm.bcast(failure, root=0)
    if failure is not None:
        raise (ConfigError if failure[0] else TrainingError)(failure[1])
    return result


def _progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=True, dynamic_ncols=True, file=sys.stderr)
