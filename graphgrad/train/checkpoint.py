"""Object-based checkpoints: `tf.train.Checkpoint` and `tf.train.CheckpointManager` (TF 1.x eager's API).

A checkpoint names each variable by the *path of attributes* that reaches it from the Checkpoint, not by its
graph name: `model/layer-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`, an optimizer slot under the variable it belongs to
(`model/layer-0/kernel/.OPTIMIZER_SLOT/optimizer/m/...`). So a fresh model in another program (other variable
names: `dense_3/kernel`) restores it. Objects say what they hold through `_checkpoint_dependencies()` (tf.layers
layers, Keras models and optimizers); Variables are leaves and tf.train optimizers add their slots.

Values that find no object yet (a Keras model not built, optimizer slots made by the first `apply_gradients`)
stay pending and are restored when the object creates them (*deferred restoration*, as TF does), so training
resumes exactly. Files are graphgrad's safetensors checkpoints, written atomically by the Saver's writer
(train/checkpoint_io.py), with the same `checkpoint` state file, so `tf.train.latest_checkpoint` and
`graphgrad inspect-checkpoint` read them."""
from __future__ import annotations

import os
import time

import numpy as np

from .. import eager as _eager
from ..framework.graph import get_default_graph
from ..runtime.session import get_default_session
from ..variables import Variable
from . import checkpoint_io as cio
from .optimizer import Optimizer, _owner_graph

__all__ = ["Checkpoint", "CheckpointManager", "CheckpointOptions"]

_VALUE = ".ATTRIBUTES/VARIABLE_VALUE"
_FORMAT = "graphgrad object checkpoint"


def _join(prefix, name):
    return f"{prefix}/{name}" if prefix and name else prefix or name


def _variables(root):
    """{path: variable} for every variable reachable from `root`, optimizer slots included (each slot under the
    path of its variable, so it follows the variable into another program)."""
    found, optimizers, seen = {}, [], set()

    def walk(obj, path):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Variable):
            found[_join(path, _VALUE)] = obj
        elif isinstance(obj, Optimizer):
            optimizers.append((path, obj))
            g = _owner_graph(get_default_graph())
            for (name, graph), v in sorted(obj._non_slot_dict.items(), key=lambda kv: kv[0][0]):
                if graph is g:
                    found[_join(_join(path, name), _VALUE)] = v
        elif hasattr(obj, "_checkpoint_dependencies"):
            for name, child in obj._checkpoint_dependencies():
                if child is not None:
                    walk(child, _join(path, name))

    walk(root, "")
    for opt_path, opt in optimizers:
        for path, v in list(found.items()):
            for slot_name in opt.get_slot_names():
                slot = opt.get_slot(v, slot_name)
                if slot is not None:
                    base = path[:-len(_VALUE) - 1]
                    found[f"{base}/.OPTIMIZER_SLOT/{opt_path}/{slot_name}/{_VALUE}"] = slot
    return found


def object_variables(root):
    """{checkpoint path: variable} of everything reachable from `root` (an object with
    `_checkpoint_dependencies()`), optimizer slots included: what a Checkpoint of `root` saves."""
    return _variables(root)


def _watch(root, callback):
    """Ask every object under `root` that can create variables later to call `callback` when it does."""
    seen = set()

    def walk(obj):
        if id(obj) in seen or isinstance(obj, Variable):
            return
        seen.add(id(obj))
        if isinstance(obj, Optimizer) or hasattr(obj, "_checkpoint_dependencies"):
            obj.__dict__.setdefault("_deferred_restores", []).append(callback)
        if hasattr(obj, "_checkpoint_dependencies"):
            for _, child in obj._checkpoint_dependencies():
                if child is not None:
                    walk(child)
    walk(root)


def notify_created(obj):
    """Called by an object (a layer after building, an optimizer after making its slots) whose new variables a
    pending restore may be waiting for."""
    for fn in list(obj.__dict__.get("_deferred_restores", ())):
        fn()


def _is_eager(v):
    return isinstance(v, _eager.EagerVariable)


def _session(session):
    s = session or get_default_session()
    if s is None:
        raise ValueError("In graph mode a Checkpoint needs a session: pass `session=` or use it inside "
                         "`with tf.Session() as sess:`")
    return s


def _read_values(variables, session):
    """{path: NumPy copy of the value} of {path: variable}, eager variables directly, graph ones from a session."""
    out = {p: v.numpy() for p, v in variables.items() if _is_eager(v)}
    graph = {p: v for p, v in variables.items() if not _is_eager(v)}
    if graph:
        values = _session(session).variable_values(graph.values())
        for p, v in graph.items():
            value = values[v.op]
            if value is None:
                raise ValueError(f"Cannot save {p}: the variable {v.op.name} is not initialized")
            out[p] = value
    return out


def _check(path, v, arr):
    if not v.shape.is_compatible_with(arr.shape) or np.dtype(arr.dtype) != v.dtype.base_dtype.np:
        raise ValueError(f"Restoring {path} failed: the checkpoint holds {arr.dtype}{list(arr.shape)}, the object "
                         f"{v.op.name} is {v.dtype.base_dtype.name}{v.shape}")


class CheckpointLoadStatus:
    """What `Checkpoint.restore` returns: which saved values found their objects. Eager values load at once (or
    as soon as their objects are created); in graph mode `run_restore_ops(session)` loads them."""

    def __init__(self, root, arrays, path):
        self._root, self._path = root, path
        self._pending = dict(arrays)
        self._matched = set()
        self._match()
        if self._pending:
            _watch(root, self._match)

    def _match(self, session=None, graph_too=False):
        if not self._pending:
            return
        found = _variables(self._root)
        ready = {p: v for p, v in found.items() if p in self._pending and (graph_too or _is_eager(v))}
        for p, v in ready.items():
            _check(p, v, self._pending[p])
        graph = {}
        for p, v in ready.items():
            if _is_eager(v):
                v.load(self._pending.pop(p))
            else:
                graph[v] = self._pending.pop(p)
            self._matched.add(p)
        if graph:
            _session(session).load_variable_values(graph)

    def _unmatched_objects(self):
        return sorted(p for p in _variables(self._root) if p not in self._matched)

    def assert_consumed(self):
        """Every saved value restored and every variable of the objects given a value, else AssertionError."""
        if self._pending:
            raise AssertionError(f"Unresolved object in checkpoint {self._path}: values not matched to any object "
                                 f"yet: {sorted(self._pending)}")
        return self.assert_existing_objects_matched()

    def assert_existing_objects_matched(self):
        """Every variable that exists now got a value from the checkpoint, else AssertionError."""
        missing = self._unmatched_objects()
        if missing:
            raise AssertionError(f"Some Python objects were not bound to checkpointed values, likely due to changes "
                                 f"in the Python program: {missing}")
        return self

    def assert_nontrivial_match(self):
        if not self._matched:
            raise AssertionError(f"Nothing except the root object matched a checkpointed value ({self._path})")
        return self

    def expect_partial(self):
        """Values for objects that never come are expected: nothing to warn about (graphgrad does not warn)."""
        return self

    def run_restore_ops(self, session=None):
        """Graph mode: load the matched values into `session` (the default session when None)."""
        self._match(session, graph_too=True)

    def initialize_or_restore(self, session=None):
        """Graph mode: initialize the objects' variables, then load the saved values over them."""
        variables = [v for v in _variables(self._root).values() if not _is_eager(v)]
        if variables:
            _session(session).run([v.initializer for v in variables])
        self.run_restore_ops(session)


class InitializationOnlyStatus(CheckpointLoadStatus):
    """`restore(None)`: nothing to restore (a first run); `initialize_or_restore` initializes."""

    def __init__(self, root):
        super().__init__(root, {}, None)

    def assert_consumed(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    assert_existing_objects_matched = assert_nontrivial_match = assert_consumed


class CheckpointOptions:
    """TF's `tf.train.CheckpointOptions`, accepted by `Checkpoint.save` / `write`. graphgrad writes in this
    process, synchronously, every variable: `enable_async` (alias `experimental_enable_async_checkpoint`) gives a
    checkpoint that is complete when `save` returns (as an async one is after TF's `sync()`), `experimental_io_device`
    has no other device to use, and the slot-skipping and sharding options are kept, not applied."""

    __slots__ = ("experimental_io_device", "enable_async", "experimental_write_callbacks",
                 "experimental_skip_slot_variables", "experimental_sharding_callback")

    def __init__(self, experimental_io_device=None, experimental_enable_async_checkpoint=False,
                 experimental_write_callbacks=None, enable_async=False, experimental_skip_slot_variables=False,
                 experimental_sharding_callback=None):
        if experimental_sharding_callback is not None and not callable(experimental_sharding_callback):
            raise ValueError(f"The experimental_sharding_callback checkpoint optionmust be of type "
                             f"ShardingCallback. The option providedwas of type "
                             f"{type(experimental_sharding_callback)}.")
        self.experimental_io_device = experimental_io_device
        self.enable_async = bool(experimental_enable_async_checkpoint or enable_async)
        self.experimental_write_callbacks = experimental_write_callbacks
        self.experimental_skip_slot_variables = experimental_skip_slot_variables
        self.experimental_sharding_callback = experimental_sharding_callback

    @property
    def experimental_enable_async_checkpoint(self):
        return self.enable_async


def _check_options(options):
    if options is not None and not isinstance(options, CheckpointOptions):
        raise TypeError(f"options must be a tf.train.CheckpointOptions, got {type(options).__name__}")


class Checkpoint:
    """`tf.train.Checkpoint(model=..., optimizer=..., step=...)`: saves and restores the variables of the objects
    given, named by the attribute path that reaches them (see the module doc)."""

    def __init__(self, **kwargs):
        for name, value in kwargs.items():
            if value is None or not (isinstance(value, Variable) or hasattr(value, "_checkpoint_dependencies")
                                     or isinstance(value, Optimizer)):
                raise ValueError(f"`Checkpoint` was expecting a trackable object (a Variable, a model, a layer, "
                                 f"an optimizer or a Checkpoint) for {name!r}, got {value!r}.")
        self._children = dict(kwargs)
        self._save_counter = 0

    def __getattr__(self, name):
        children = self.__dict__.get("_children", {})
        if name in children:
            return children[name]
        raise AttributeError(f"'Checkpoint' object has no attribute {name!r}")

    def _checkpoint_dependencies(self):
        return list(self._children.items())

    @property
    def save_counter(self):
        """How many times `save` has run (restored from a checkpoint along with the rest); numbers the files."""
        return self._save_counter

    def write(self, file_prefix, session=None, options=None):
        """Write the checkpoint to exactly `file_prefix` (no counter, no `checkpoint` state file)."""
        _check_options(options)
        file_prefix = os.fspath(file_prefix)
        arrays = _read_values(_variables(self), session)
        arrays["save_counter/" + _VALUE] = np.asarray(self._save_counter, np.int64)
        cio.save_arrays(cio.data_path(file_prefix), arrays,
                        {"format": _FORMAT, "saved_at": f"{time.time():.6f}"})
        return file_prefix

    def save(self, file_prefix, session=None, options=None):
        """Write `<file_prefix>-<save_counter>` (the counter counts this save) and record it as the directory's
        latest checkpoint; returns that path."""
        _check_options(options)
        self._save_counter += 1
        path = self.write(f"{os.fspath(file_prefix)}-{self._save_counter}", session, options)
        cio.write_checkpoint_state(os.path.dirname(path) or ".", path, [path], cio.STATE_FILENAME)
        return path

    def restore(self, save_path):
        """Load the checkpoint at `save_path` (a prefix, as `save` and `latest_checkpoint` return; None: nothing
        to restore). Returns a status: `assert_consumed()`, `expect_partial()`, `run_restore_ops(session)`."""
        if save_path is None:
            return InitializationOnlyStatus(self)
        return self.read(save_path)

    def read(self, save_path):
        path = os.fspath(save_path)
        if not cio.checkpoint_exists(path):
            from .saver import CheckpointNotFoundError

            raise CheckpointNotFoundError(f"Failed to find any matching files for {path}")
        arrays, meta = cio.load_arrays(cio.data_path(path))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{path} is not an object-based checkpoint (tf.train.Checkpoint); a tf.train.Saver "
                             "checkpoint is restored with Saver.restore")
        counter = arrays.pop("save_counter/" + _VALUE, None)
        if counter is not None:
            self._save_counter = int(counter)
        return CheckpointLoadStatus(self, arrays, path)


class CheckpointManager:
    """`tf.train.CheckpointManager(checkpoint, directory, max_to_keep)`: numbered saves in `directory`
    (`ckpt-1`, `ckpt-2`, ...), the newest `max_to_keep` kept (None keeps all) and listed in its `checkpoint`
    state file, which a new manager on the same directory reads back."""

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt"):
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._prefix = os.path.join(self._directory, checkpoint_name)
        state = cio.read_checkpoint_state(self._directory, cio.STATE_FILENAME) if os.path.isdir(
            self._directory) else None
        self._checkpoints = [p for p in (state.all_model_checkpoint_paths if state else [])
                             if cio.checkpoint_exists(p)]

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoints(self):
        """The kept checkpoints, oldest first."""
        return list(self._checkpoints)

    @property
    def latest_checkpoint(self):
        return self._checkpoints[-1] if self._checkpoints else None

    def save(self, checkpoint_number=None, session=None):
        """Save `ckpt-<n>` (n: `checkpoint_number`, else the checkpoint's save counter), then drop the oldest
        beyond `max_to_keep`; returns the path. The data file is written before the state file names it."""
        ckpt = self._checkpoint
        ckpt._save_counter += 1
        n = ckpt._save_counter if checkpoint_number is None else int(checkpoint_number)
        path = ckpt.write(f"{self._prefix}-{n}", session)
        self._checkpoints = [p for p in self._checkpoints if p != path] + [path]
        old = []
        if self._max_to_keep is not None and len(self._checkpoints) > self._max_to_keep:
            old = self._checkpoints[:-self._max_to_keep]
            self._checkpoints = self._checkpoints[-self._max_to_keep:]
        cio.write_checkpoint_state(self._directory, path, self._checkpoints, cio.STATE_FILENAME)
        for p in old:
            cio.remove_checkpoint(p)
        return path
