"""`tf.keras.callbacks`: History, the progress bar, TensorBoard (tf.summary.FileWriter's event files, one scalar
per log entry and epoch), ModelCheckpoint, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, CSVLogger,
LambdaCallback, TerminateOnNaN, BaseLogger and RemoteMonitor."""
from __future__ import annotations

import csv
import json
import os
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
from absl import logging as _absl_logging

from . import backend as K
from .utils import Progbar, print_msg


class Callback:
    def __init__(self):
        self.model, self.params = None, {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)


class CallbackList:
    def __init__(self, callbacks):
        self.callbacks = list(callbacks)

    def _each(self, method, *args):
        for c in self.callbacks:
            getattr(c, method)(*args)

    def set_model(self, model):
        self._each("set_model", model)

    def set_params(self, params):
        self._each("set_params", params)

    def on_train_begin(self, logs=None):
        self._each("on_train_begin", logs or {})

    def on_train_end(self, logs=None):
        self._each("on_train_end", logs or {})

    def on_epoch_begin(self, epoch, logs=None):
        self._each("on_epoch_begin", epoch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        self._each("on_epoch_end", epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        self._each("on_train_batch_begin", batch, logs or {})

    def on_batch_end(self, batch, logs=None):
        self._each("on_train_batch_end", batch, logs or {})


class History(Callback):
    """`history.history`: {"loss": [per epoch], "accuracy": [...], "val_loss": [...], ...}; `history.epoch`."""

    def on_train_begin(self, logs=None):
        self.epoch, self.history = [], {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    """`Epoch 1/5` and a progress bar per epoch (verbose=1), or one line per epoch (verbose=2)."""

    def __init__(self, verbose=1):
        super().__init__()
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        print_msg(f"Epoch {epoch + 1}/{self.params['epochs']}")
        self.bar = Progbar(self.params.get("steps"), verbose=self.verbose)
        self.seen, self.totals = 0, {}

    def on_batch_end(self, batch, logs=None):
        n = logs.get("size", 1)
        self.seen += n
        for k, v in logs.items():
            if k not in ("batch", "size"):
                self.totals[k] = self.totals.get(k, 0.0) + v * n
        self.bar.update(batch + 1, [(k, v / self.seen) for k, v in self.totals.items()])
        self.done = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        steps = self.params.get("steps")
        if steps is None:   # a generator read to its end (eager mode): the batches there were, as Keras's bar
            steps = self.bar.target = getattr(self, "done", 0)
        self.bar.update(steps, list((logs or {}).items()), finalize=True)


def _monitor_op(mode, monitor):
    if mode == "min" or mode == "auto" and not ("acc" in monitor or monitor.startswith("fmeasure")):
        return np.less, np.inf
    return np.greater, -np.inf


class ModelCheckpoint(Callback):
    """Save the weights after each epoch to `filepath` (formatted with `epoch` and the logs, e.g.
    `weights.{epoch:02d}-{val_loss:.2f}`), only when `monitor` improved with `save_best_only`. The files are
    graphgrad's safetensors checkpoints (`model.load_weights` reads them); a `.h5` path is refused."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", period=1, save_freq="epoch"):
        super().__init__()
        self.filepath, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.save_best_only, self.period = save_best_only, period
        self.op, self.best = _monitor_op(mode, monitor)
        self.since = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.since += 1
        if self.since < self.period:
            return
        self.since = 0
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None or not self.op(current, self.best):
                if self.verbose and current is not None:
                    print(f"\nEpoch {epoch + 1:05d}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1:05d}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose:
            print(f"\nEpoch {epoch + 1:05d}: saving model to {path}")
        self.model.save_weights(path)


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by `min_delta` for `patience` epochs; `restore_best_weights` puts
    back the weights of the best epoch. `stopped_epoch` is the (0-based) epoch it stopped after."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience, self.verbose, self.baseline = monitor, patience, verbose, baseline
        self.restore_best_weights = restore_best_weights
        self.op, _ = _monitor_op(mode, monitor)
        self.min_delta = abs(min_delta) if self.op == np.greater else -abs(min_delta)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights = 0, 0, None
        self.best = self.baseline if self.baseline is not None else (np.inf if self.op == np.less else -np.inf)

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            return
        if self.op(current - self.min_delta, self.best):
            self.best, self.wait = current, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose:
                    print("Restoring model weights from the end of the best epoch.")
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1:05d}: early stopping")


def _lr(model):
    lr = getattr(model.optimizer, "lr", None)
    if lr is None:
        raise ValueError('Optimizer must have a "lr" attribute (a Keras optimizer, or a name such as "adam").')
    return lr


class LearningRateScheduler(Callback):
    """Set the learning rate to `schedule(epoch, lr)` (or `schedule(epoch)`) at the start of each epoch."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = _lr(self.model)
        try:
            new = self.schedule(epoch, float(K.get_value(lr)))
        except TypeError:
            new = self.schedule(epoch)
        K.set_value(lr, float(new))
        if self.verbose:
            print(f"\nEpoch {epoch + 1:05d}: LearningRateScheduler setting learning rate to {new}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(K.get_value(_lr(self.model)))


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when `monitor` has not improved for `patience` epochs."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0.")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.min_delta, self.cooldown, self.min_lr = min_delta, cooldown, min_lr
        self.op, _ = _monitor_op(mode, monitor)

    def on_train_begin(self, logs=None):
        self.wait, self.cooldown_counter = 0, 0
        self.best = np.inf if self.op == np.less else -np.inf

    def _better(self, a, b):
        return a < b - self.min_delta if self.op == np.less else a > b + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        lr = _lr(self.model)
        logs["lr"] = float(K.get_value(lr))
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(K.get_value(lr))
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    K.set_value(lr, new)
                    if self.verbose:
                        print(f"\nEpoch {epoch + 1:05d}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class CSVLogger(Callback):
    """One CSV row per epoch: `epoch` then the logs' keys in sorted order (Keras' columns)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys = self.file = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self.header = not exists
        self.file = open(self.filename, "a" if self.append else "w", newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        writer = csv.writer(self.file, delimiter=self.sep)
        if self.header:
            writer.writerow(["epoch", *self.keys])
            self.header = False
        writer.writerow([epoch, *[logs.get(k, "NA") for k in self.keys]])
        self.file.flush()

    def on_train_end(self, logs=None):
        if self.file is not None:
            self.file.close()
            self.file = None


class TensorBoard(Callback):
    """Scalars per epoch (`loss`, `accuracy`, `val_loss`, ...) in tf.summary.FileWriter's event files under
    `log_dir` (and the model's graph with `write_graph`), for `tensorboard --logdir`."""

    def __init__(self, log_dir="./logs", histogram_freq=0, write_graph=True, update_freq="epoch", **kwargs):
        super().__init__()
        self.log_dir, self.write_graph = os.fspath(log_dir), write_graph
        self.writer = None

    def on_train_begin(self, logs=None):
        from ..summary.writer import FileWriter

        graph = None
        if self.write_graph and not K.executing_eagerly() and self.model.outputs is not None:
            graph = self.model.outputs[0].graph
        self.writer = FileWriter(self.log_dir, graph)

    def on_epoch_end(self, epoch, logs=None):
        from ..summary import Summary

        summary = Summary(value=[Summary.Value(tag=k, simple_value=float(v)) for k, v in (logs or {}).items()])
        self.writer.add_summary(summary, epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class LambdaCallback(Callback):
    """A callback from functions: `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch, logs)`,
    `on_batch_begin(batch, logs)`, `on_batch_end(batch, logs)`, `on_train_begin(logs)`, `on_train_end(logs)`;
    other keyword arguments become attributes."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_batch_begin": on_batch_begin,
                 "on_batch_end": on_batch_end, "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        self.__dict__.update({k: fn for k, fn in given.items() if fn is not None})


class TerminateOnNaN(Callback):
    """Stop training after the first batch whose loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class BaseLogger(Callback):
    """Replaces the epoch's logs of `params["metrics"]` by their mean over the epoch's batches, weighted by
    batch size (the last value for `stateful_metrics`). TF1's Keras added one to every fit; graphgrad's fit
    averages the same way by itself, so it only matters to code that builds its own loop of callbacks."""

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])

    def on_epoch_begin(self, epoch, logs=None):
        self.seen, self.totals = 0, {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 0)
        self.seen += size * logs.get("num_steps", 1)
        for k, v in logs.items():
            self.totals[k] = v if k in self.stateful_metrics else self.totals.get(k, 0) + v * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for k in self.params["metrics"]:
            if k in self.totals:
                logs[k] = self.totals[k] if k in self.stateful_metrics else self.totals[k] / self.seen


class RemoteMonitor(Callback):
    """POST each epoch's logs (and `epoch`) to `root + path`: as the form field `field` holding JSON, or as a
    JSON body with `send_as_json`. Keras uses `requests`; graphgrad the standard library's urllib. A server
    that cannot be reached is a logged warning, as in Keras."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root, self.path, self.field, self.headers, self.send_as_json = root, path, field, headers, send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = v.item() if isinstance(v, (np.ndarray, np.generic)) else v
        if self.send_as_json:
            body, kind = json.dumps(send).encode(), "application/json"
        else:
            body, kind = urllib.parse.urlencode({self.field: json.dumps(send)}).encode(), \
                "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.root + self.path, data=body,
                                         headers={"Content-Type": kind, **(self.headers or {})}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except urllib.error.HTTPError as e:
            e.close()   # the server answered (an error status is no failure to reach it: requests does not raise)
        except (urllib.error.URLError, OSError):
            _absl_logging.warning("Warning: could not reach RemoteMonitor root server at " + str(self.root))


__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "ModelCheckpoint", "EarlyStopping",
           "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "TensorBoard", "LambdaCallback",
           "TerminateOnNaN", "BaseLogger", "RemoteMonitor"]
