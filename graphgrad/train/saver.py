"""`tf.train.Saver` and the checkpoint utilities around it, on top of `checkpoint_io`'s safe files.

A checkpoint is written in TensorFlow's V2 format by default (`prefix.index` + `prefix.data-00000-of-00001`,
train/tf_bundle_writer.py), so TensorFlow and TensorBoard's projector read it; `write_version=SaverDef.GRAPHGRAD`
writes graphgrad's own single file (`prefix.safetensors`, with metadata); both are read, and TensorFlow's text
`checkpoint` state file lists them. See docs/checkpoints.md and docs/checkpoint-format.md.
Saving reads variable values straight from the session (no graph ops are added, so saving inside a
training loop never grows the graph). Restoring checks every variable before it writes any, so a failed
restore leaves the session untouched. Each save also removes what killed saves of the same prefix left
behind (checkpoints max_to_keep no longer keeps, temp files of dead writers), so disk use stays bounded.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
import time

import numpy as np

from ..framework import dtypes, errors
from ..framework.graph import GraphKeys, Tensor, get_default_graph, name_scope
from ..framework.tensor_shape import TensorShape
from ..ops.core import placeholder
from ..ops.state_ops import uninitialized_error
from . import checkpoint_io as cio
from . import saveables
from .checkpoint_io import CheckpointError, CheckpointMismatchError, CheckpointState, CorruptCheckpointError

__all__ = [
    "BaseSaverBuilder",
    "Saver",
    "SaverDef",
    "latest_checkpoint",
    "get_checkpoint_state",
    "update_checkpoint_state",
    "checkpoint_exists",
    "get_checkpoint_mtimes",
    "remove_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variable",
    "NewCheckpointReader",
    "CheckpointReader",
    "inspect_checkpoint",
    "CheckpointState",
    "CheckpointError",
    "CorruptCheckpointError",
    "CheckpointMismatchError",
    "CheckpointNotFoundError",
    "VariablesNotFoundInCheckpointError",
    "CheckpointShapeMismatchError",
    "VariablesMissingAndMismatchedError",
]


# --- errors ------------------------------------------------------------------------------------------

class CheckpointNotFoundError(CheckpointError, errors.NotFoundError):
    """No checkpoint at the given path: a `tf.errors.NotFoundError` and, as in TF1's restore, a ValueError."""


class VariablesNotFoundInCheckpointError(CheckpointMismatchError, errors.NotFoundError):
    """Variables the saver restores are missing from the checkpoint (TF: "Key ... not found in checkpoint")."""


class CheckpointShapeMismatchError(CheckpointMismatchError, errors.InvalidArgumentError):
    """Variables have another shape or dtype in the checkpoint than in the graph."""


class VariablesMissingAndMismatchedError(VariablesNotFoundInCheckpointError, CheckpointShapeMismatchError):
    """Both kinds of problem at once: caught by `except NotFoundError` and `except InvalidArgumentError`."""


# --- paths --------------------------------------------------------------------------------------------

def _prefix_of(path) -> str:
    """A checkpoint prefix from a prefix, a data file path or a checkpoint directory (its latest)."""
    path = os.fspath(path)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise CheckpointNotFoundError(f"Couldn't find 'checkpoint' file or checkpoints in given directory "
                                          f"{path}")
        return latest
    for suffix in (cio.DATA_SUFFIX, cio.TF_INDEX_SUFFIX):
        if path.endswith(suffix) and os.path.isfile(path):
            return path[:-len(suffix)]
    if not cio.checkpoint_exists(path):
        raise CheckpointNotFoundError(f"Failed to find any matching files for {path} (no file "
                                      f"{cio.data_path(path)} or {path}{cio.TF_INDEX_SUFFIX})")
    return path


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """Prefix of the newest checkpoint recorded in `checkpoint_dir`, or None when there is none."""
    return cio.latest_checkpoint(checkpoint_dir, latest_filename)


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The `checkpoint` file's content (`model_checkpoint_path`, `all_model_checkpoint_paths`), or None."""
    return cio.read_checkpoint_state(checkpoint_dir, latest_filename or cio.STATE_FILENAME)


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None):
    """Write the `checkpoint` state file of `save_dir` (atomically)."""
    cio.write_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths,
                               latest_filename or cio.STATE_FILENAME)


def generate_checkpoint_state_proto(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                                    all_model_checkpoint_timestamps=None, last_preserved_timestamp=None):
    """The CheckpointState `update_checkpoint_state` would write, without writing it: the newest path last in
    `all_model_checkpoint_paths`; for a relative `save_dir`, relative paths made relative to it (TF1's rule)."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if all_model_checkpoint_timestamps and len(all_model_checkpoint_timestamps) != len(paths):
        raise ValueError(f"Checkpoint timestamps, if provided, must match checkpoint paths (got paths {paths} and "
                         f"timestamps {all_model_checkpoint_timestamps})")
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else os.path.relpath(p, save_dir) for p in paths]
    return CheckpointState(model_checkpoint_path, tuple(paths))


def checkpoint_exists(checkpoint_prefix) -> bool:
    """Whether checkpoint `checkpoint_prefix` exists: graphgrad's data file, or a checkpoint TensorFlow wrote
    (its `.index`). Contents are verified on load."""
    return cio.checkpoint_exists(checkpoint_prefix)


def get_checkpoint_mtimes(checkpoint_prefixes):
    """Modification times of the given checkpoints' data files; missing ones are skipped."""
    out = []
    for p in checkpoint_prefixes:
        try:
            out.append(os.path.getmtime(cio.checkpoint_file(p)))
        except OSError:
            continue
    return out


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=None, meta_graph_suffix="meta"):
    """Delete a checkpoint's files, in either format (missing ones are fine)."""
    cio.remove_checkpoint(checkpoint_prefix)


# --- reading checkpoints ---------------------------------------------------------------------------------

class CheckpointReader:
    """Read access to one checkpoint (TF's `NewCheckpointReader`): names, shapes, dtypes and values.

    The header is verified when the reader is made; tensor data (with its checksums) is read once, on
    the first `get_tensor`.
    """

    def __init__(self, ckpt_dir_or_file):
        self.prefix = _prefix_of(ckpt_dir_or_file)
        self.path = cio.checkpoint_file(self.prefix)
        self._index = cio.read_checkpoint_index(self.prefix)
        self._arrays = None
        self._metadata = None

    def _load(self):
        if self._arrays is None:
            self._arrays, self._metadata = cio.load_checkpoint(self.prefix)
        return self._arrays

    @property
    def metadata(self) -> dict:
        """The file's user metadata (graphgrad version, global step, variable names, save time)."""
        self._load()
        return dict(self._metadata)

    def has_tensor(self, tensor_str) -> bool:
        return tensor_str in self._index

    def get_tensor(self, tensor_str) -> np.ndarray:
        if tensor_str not in self._index:
            raise errors.NotFoundError(None, None, f"Key {tensor_str} not found in checkpoint {self.prefix}")
        arrays = self._load()
        if tensor_str not in arrays:  # listed, but of a kind graphgrad does not read (a TF checkpoint's)
            why = cio.unreadable_tensors(self.prefix).get(tensor_str, "cannot be read")
            raise cio.UnreadableCheckpointError(f"Checkpoint {self.prefix}: tensor {tensor_str!r} {why}")
        return arrays[tensor_str].copy()

    def get_variable_to_shape_map(self) -> dict:
        return {name: list(shape) for name, (shape, _) in self._index.items()}

    def get_variable_to_dtype_map(self) -> dict:
        return {name: dtypes.as_dtype(dt) for name, (_, dt) in self._index.items()}

    def debug_string(self) -> bytes:
        return "".join(f"{n} ({dtypes.as_dtype(dt).name}) {list(s)}\n" for n, (s, dt) in self._index.items()
                       ).encode()


def NewCheckpointReader(filepattern) -> CheckpointReader:  # noqa: N802 (TF's name)
    return CheckpointReader(filepattern)


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A reader for a checkpoint prefix or a directory (its latest checkpoint)."""
    return CheckpointReader(ckpt_dir_or_file)


def load_variable(ckpt_dir_or_file, name) -> np.ndarray:
    """One variable's value from a checkpoint (a trailing ':0' is ignored, as in TF)."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def list_variables(ckpt_dir_or_file) -> list:
    """`[(name, shape as a list)]` of a checkpoint, sorted by name; reads the header only."""
    reader = load_checkpoint(ckpt_dir_or_file)
    shapes = reader.get_variable_to_shape_map()
    return [(name, shapes[name]) for name in sorted(shapes)]


def _value_summary(arr: np.ndarray) -> list[str]:
    if arr.size == 0 or arr.dtype.kind not in "biuf":  # strings: no statistics
        return ["-"] * 4
    a = arr.astype(np.float64)
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return ["-"] * 4
    return [f"{v:.6g}" for v in (finite.min(), finite.mean(), finite.max(), np.sqrt(np.sum(finite * finite)))]


def inspect_checkpoint(path) -> str:
    """A human-readable listing of a checkpoint: per variable its shape, dtype, min/mean/max/L2 norm.

    `path` is a prefix, a data file or a directory (its latest checkpoint). Statistics ignore NaN and
    Inf, whose counts are listed separately. Used by `graphgrad inspect-checkpoint PATH`.
    """
    reader = load_checkpoint(path)
    arrays = reader._load()
    meta = reader.metadata
    size = os.path.getsize(reader.path)
    lines = [f"checkpoint   {reader.prefix}", f"file         {reader.path} ({size:,} bytes, {len(arrays)} tensors)"]
    if "graphgrad_version" in meta:
        lines.append(f"written by   graphgrad {meta['graphgrad_version']}")
    step = meta.get("global_step")
    if step is None and "global_step" in arrays and arrays["global_step"].shape == () and \
            arrays["global_step"].dtype.kind in "iu":  # TF's format has no metadata: its global_step variable
        step = int(arrays["global_step"])
    if step is not None:
        lines.append(f"global step  {step}")
    with contextlib.suppress(KeyError, ValueError, OverflowError, OSError):
        saved_at = float(meta["saved_at"]) if "saved_at" in meta else os.path.getmtime(reader.path)
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(saved_at))
        lines.append(f"saved at     {when}")
    header = ["name", "shape", "dtype", "min", "mean", "max", "norm"]
    rows = []
    for name, arr in arrays.items():
        row = [name, str(list(arr.shape)), dtypes.as_dtype(arr.dtype).name, *_value_summary(arr)]
        if arr.dtype.kind == "f":
            nan, inf = int(np.isnan(arr).sum()), int(np.isinf(arr).sum())
            if nan or inf:
                row[-1] += f"  ({nan} NaN, {inf} Inf)"
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines.append("")
    for r in [header, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    return "\n".join(lines) + "\n"


# --- the Saver -------------------------------------------------------------------------------------------

class SaverDef:
    """The checkpoint formats `Saver(write_version=...)` takes: TF's enum values, and graphgrad's own format."""

    LEGACY, V1, V2 = 0, 1, 2
    GRAPHGRAD = "graphgrad"  # one safetensors file per checkpoint, with graphgrad's metadata; TF cannot read it


def _checked_write_version(write_version):
    if write_version is None:
        return SaverDef.V2
    if write_version == SaverDef.V1:
        from .. import logging

        logging.warning("graphgrad writes TensorFlow's V2 checkpoint format for write_version=SaverDef.V1: "
                        "V1 is deprecated, and every TensorFlow since 0.12 reads V2.")
        return SaverDef.V2
    if write_version not in (SaverDef.V2, SaverDef.GRAPHGRAD):
        raise RuntimeError(f"Unexpected write_version: {write_version}")
    return write_version


def _key(prefix) -> str:
    """A checkpoint prefix as an absolute, case-normalized path, to compare prefixes however they were given."""
    return os.path.normcase(os.path.abspath(os.fspath(prefix)))


_KEEP_EVERY_N_HOURS_OFF = 10000.0  # TF's default: in practice no checkpoint is ever kept by the N-hours rule


def _shape_str(shape) -> str:
    return "<unknown>" if shape is None else "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


class BaseSaverBuilder:
    """Where TF1 keeps the classes of state a Saver saves besides variables (`BaseSaverBuilder.SaveableObject`)."""

    SaveableObject = saveables.SaveableObject
    SaveSpec = saveables.SaveSpec


class Saver:
    """Saves and restores variables (TF1 `tf.train.Saver`), keeping the newest `max_to_keep` checkpoints.

    `var_list`: None for all global variables at construction time (optimizer slots included, so build
    the Saver after `minimize`), a list of variables (saved under their op names, e.g. "dense/kernel"), or
    a dict `{checkpoint name: variable}` to save under other names or restore a subset into another model.
    Partitioned variables (their PartitionedVariable, or their parts) are saved as one tensor in slices, as TF
    saves them. `write_version`: `SaverDef.V2` (the default, TensorFlow's format), `SaverDef.V1` (deprecated:
    written as V2, with a warning) or `SaverDef.GRAPHGRAD` (graphgrad's single file with metadata).
    Accepted for compatibility and ignored: reshape, sharded (one data file per checkpoint anyway), name,
    restore_sequentially, saver_def, builder, filename, save_relative_paths (paths inside the checkpoint
    directory are always stored relative to it).
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False, saver_def=None,
                 builder=None, defer_build=False, allow_empty=False, write_version=None, pad_step_number=False,
                 save_relative_paths=False, filename=None):
        self._var_list = var_list
        self._write_version = _checked_write_version(write_version)
        self._max_to_keep = max_to_keep
        self._keep_every_s = keep_checkpoint_every_n_hours * 3600.0
        self._allow_empty = allow_empty
        self._pad_step_number = pad_step_number
        self._last_checkpoints = []      # [(prefix, time)], oldest first
        self._to_delete = []
        self._spared = set()             # _key of files this saver keeps off the list: every-N-hours, write_state=False
        self._next_keep_time = time.time() + self._keep_every_s
        self._vars = None
        self._graph = None
        self._restores = []              # per saveable object: (placeholders, restore op)
        if not defer_build:
            self.build()

    def build(self):
        """Collect the variables to save (done at construction unless `defer_build=True`)."""
        if self._vars is not None:
            return
        var_list = self._var_list
        if var_list is None and get_default_graph()._is_eager:
            raise RuntimeError("When eager execution is enabled, `var_list` must specify a list or dict of variables "
                               "to save")
        if var_list is None:  # TF's default: global variables and the SAVEABLE_OBJECTS collection
            from ..variables import global_variables

            var_list = global_variables() + get_default_graph().get_collection(GraphKeys.SAVEABLE_OBJECTS)
        vars_ = saveables.collect(var_list)
        if not vars_ and not self._allow_empty:
            raise ValueError("No variables to save")
        self._vars = vars_
        self._graph = vars_.graph() or get_default_graph()
        self._restores = [self._restore_op(o) for o in vars_.objects]

    def _restore_op(self, saveable):
        """(placeholders, op): the saveable's restore op, built once here on a placeholder per spec, as TF's
        Saver builds its restore ops with the graph."""
        with self._graph.as_default(), name_scope("save"):
            feeds = [placeholder(spec.dtype, name="restore_" + spec.name.replace(":", "_").replace("/", "_"))
                     for spec in saveable.specs]
            return feeds, saveable.restore(feeds, None)

    def _object_values(self, sess):
        """{checkpoint name: array} of the saveable objects' tensors, read by one run of the session."""
        specs = [spec for o in self._vars.objects for spec in o.specs]
        return dict(zip([s.name for s in specs], sess.run([s.tensor for s in specs]))) if specs else {}

    # --- bookkeeping of kept checkpoints ----------------------------------------------------------------
    @property
    def last_checkpoints(self) -> list:
        """Prefixes of the checkpoints this saver keeps, oldest first (as passed to `save`)."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        """Deprecated TF API: adopt `last_checkpoints` (never kept by keep_checkpoint_every_n_hours)."""
        self._last_checkpoints = [(os.fspath(p), float("inf")) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        """Adopt `[(prefix, timestamp)]`, e.g. from a previous run, so max_to_keep continues counting."""
        self._last_checkpoints = [(os.fspath(p), float(t)) for p, t in last_checkpoints_with_time]

    def recover_last_checkpoints(self, checkpoint_paths):
        """Adopt existing checkpoints (e.g. `get_checkpoint_state(d).all_model_checkpoint_paths`) after a
        restart, with their files' modification times; paths without a data file are skipped."""
        kept = []
        for p in checkpoint_paths:
            mtimes = get_checkpoint_mtimes([p])
            if mtimes:
                kept.append((p, mtimes[0]))
        self.set_last_checkpoints_with_time(kept)

    def _record(self, prefix):
        if not self._max_to_keep:
            return
        self._spared.discard(_key(prefix))
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != prefix]
        self._last_checkpoints.append((prefix, time.time()))
        while len(self._last_checkpoints) > self._max_to_keep:
            self._to_delete.append(self._last_checkpoints.pop(0))

    def _delete_old(self):
        while self._to_delete:
            prefix, saved_at = self._to_delete.pop(0)
            if saved_at > self._next_keep_time:  # keep one checkpoint every N hours
                self._next_keep_time += self._keep_every_s
                self._spared.add(_key(prefix))
                continue
            try:
                cio.remove_checkpoint(prefix)
            except OSError:
                pass  # like TF: failing to delete an old checkpoint does not fail the save

    def _sweep(self, save_path, latest_filename, managed):
        """Remove what killed saves into `save_path`'s folder left and this saver's policy does not keep.

        A kill between the data file and the state file, or between the state file and `_delete_old`,
        leaves a checkpoint no list names; a kill mid-write leaves a temp file. Only this saver's own
        files are candidates: temp files for its targets whose writer is gone (see cleanup_temp_files),
        and intact checkpoints named `<save_path>-<step>` (a graphgrad data file that verifies, a TF index
        with its table's magic number). Of those not on its
        list, the newest fill the list up to max_to_keep (a run that did not adopt the previous run's
        list still keeps that many), with keep_checkpoint_every_n_hours set one per N hours of their
        modification times stays, and the rest are deleted. Errors never fail the save.
        """
        from .tf_bundle import is_tf_checkpoint  # (google_crc32c: imported when TF's format is used)
        from .tf_bundle_writer import data_file

        directory, base = os.path.split(save_path)
        directory = directory or os.curdir
        suffixes = r"(\.safetensors|\.index|\.data-[0-9]{5}-of-[0-9]{5})"
        step_file = re.compile(re.escape(base) + r"-([0-9]+)" + suffixes)
        targets = {latest_filename, base + cio.DATA_SUFFIX, base + cio.TF_INDEX_SUFFIX, data_file(base)}
        with contextlib.suppress(OSError):
            cio.cleanup_temp_files(directory, targets=lambda t: t in targets or step_file.fullmatch(t))
        if not managed or not self._max_to_keep:
            return
        kept = {_key(p) for p in self.last_checkpoints} | self._spared
        others = []
        with contextlib.suppress(OSError):
            for name in os.listdir(directory):
                m = step_file.fullmatch(name)
                prefix = os.path.join(directory, name[:-len(m[2])]) if m else None
                if m is not None and m[2].startswith(".data-") and _key(prefix) not in kept and \
                        not os.path.exists(prefix + cio.TF_INDEX_SUFFIX):  # a save killed before its index
                    with contextlib.suppress(OSError):
                        os.remove(os.path.join(directory, name))
                if m is None or m[2] not in (cio.DATA_SUFFIX, cio.TF_INDEX_SUFFIX):
                    continue
                if _key(prefix) in kept or not (is_tf_checkpoint(prefix) if m[2] == cio.TF_INDEX_SUFFIX else
                                                cio.is_graphgrad_checkpoint(cio.data_path(prefix))):
                    continue
                with contextlib.suppress(OSError):
                    others.append((os.stat(os.path.join(directory, name)).st_mtime, int(m[1]), prefix))
        others.sort()
        room = self._max_to_keep - len(self._last_checkpoints)
        if room > 0:
            del others[-room:]
        every_n_hours = self._keep_every_s < _KEEP_EVERY_N_HOURS_OFF * 3600.0
        last_spared = -math.inf
        for mtime, _, prefix in others:
            if every_n_hours and mtime >= last_spared + self._keep_every_s:
                last_spared = mtime
                continue
            with contextlib.suppress(OSError):
                cio.remove_checkpoint(prefix)

    # --- save and restore -------------------------------------------------------------------------------
    def _session(self, sess):
        """`sess`, or while executing eagerly with `sess=None` (TF1's eager Saver) the eager variables' store."""
        if sess is None and get_default_graph()._is_eager:
            return _EagerVariables()
        return sess

    def _check_session(self, sess):
        if sess is None or not hasattr(sess, "variable_values"):
            raise TypeError(f"'sess' must be a Session; {sess!r}")
        if sess.closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if self._vars and sess.graph is not self._graph:
            raise ValueError("The Saver's variables are not elements of the session's graph.")

    def _step_value(self, sess, global_step):
        if isinstance(global_step, (int, np.integer)):
            return int(global_step)
        ref = getattr(global_step, "_ref", None)
        if ref is not None and not isinstance(global_step, Tensor):
            op = ref().op
            value = sess.variable_values([op])[op]
            if value is None:
                raise uninitialized_error(op)
            return int(value)
        return int(sess.run(global_step))

    def _save_graphgrad(self, prefix, values, objects, step):
        from .. import __version__

        names = {**{k: op.name for k, op in self._vars.whole.items()},
                 **{k: [op.name for op, _ in s.parts] for k, s in self._vars.sliced.items()},
                 **{spec.name: o.name for o in self._vars.objects for spec in o.specs}}
        metadata = {"graphgrad_version": __version__, "saved_at": f"{time.time():.6f}",
                    "variables": json.dumps(names, separators=(",", ":"))}
        if step is not None:
            metadata["global_step"] = str(step)
        cio.save_arrays(cio.data_path(prefix), {**self._vars.assembled(values), **objects}, metadata)

    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix="meta",
             write_meta_graph=True, write_state=True, strip_default_attrs=False, save_debug_info=False):
        """Write the variables' values to `save_path[-global_step]` and return that prefix.

        Order of writes: the checkpoint (atomically: TF's format its data file, then its index), then with
        `write_meta_graph` the graph to `prefix.meta` (a MetaGraphDef, for `tf.train.import_meta_graph`), then the
        `checkpoint` state file, then deletion of checkpoints beyond `max_to_keep`, so a crash at any point
        leaves `latest_checkpoint` restorable. The folder is created when missing.
        """
        self.build()
        if not self._vars:
            return None  # an empty saver (allow_empty=True) saves nothing, as in TF
        sess = self._session(sess)
        self._check_session(sess)
        if isinstance(sess, _EagerVariables):
            write_meta_graph = False  # (TF: no graph to export while executing eagerly)
        latest_filename = latest_filename or cio.STATE_FILENAME
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = os.fspath(save_path)
        if os.path.basename(save_path) == latest_filename:
            raise ValueError(f"'latest_filename' collides with 'save_path': '{latest_filename}' and "
                             f"'{save_path}'")
        step = None
        prefix = save_path
        if global_step is not None:
            step = self._step_value(sess, global_step)
            prefix = f"{save_path}-{step:08d}" if self._pad_step_number else f"{save_path}-{step}"

        values = sess.variable_values(self._vars.ops())  # one consistent set, even beside training threads
        for op in self._vars.ops():
            if values[op] is None:
                raise uninitialized_error(op)
        objects = self._object_values(sess)
        if self._write_version == SaverDef.GRAPHGRAD:
            self._save_graphgrad(prefix, values, objects, step)
        else:
            from .tf_bundle_writer import write_bundle

            tensors = {**{k: values[op] for k, op in self._vars.whole.items()}, **objects}
            slices = {k: (s.full_shape, [(offset, values[op]) for op, offset in s.parts])
                      for k, s in self._vars.sliced.items()}
            write_bundle(prefix, tensors, slices)
        # a checkpoint of the other format saved earlier under this prefix would shadow or outlive this one
        cio.remove_checkpoint(prefix, formats=("tf",) if self._write_version == SaverDef.GRAPHGRAD else ("graphgrad",),
                              meta=False)
        if write_meta_graph:
            self.export_meta_graph(f"{prefix}.{meta_graph_suffix}", strip_default_attrs=strip_default_attrs)

        if write_state:
            self._record(prefix)
            cio.write_checkpoint_state(os.path.dirname(prefix), prefix, self.last_checkpoints, latest_filename)
            self._delete_old()
        elif self._max_to_keep:
            self._spared.add(_key(prefix))  # saved outside the list: the sweep must not take it for an orphan
        self._sweep(save_path, latest_filename, managed=write_state and step is not None)
        return prefix

    def as_saver_def(self):
        """This saver's settings as a SaverDef protobuf (graphgrad saves without graph ops: no tensor names)."""
        from ..graph_io.meta_graph import saver_def

        return saver_def(self._max_to_keep, self._keep_every_s / 3600.0)

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False, export_scope=None,
                          clear_devices=False, clear_extraneous_savers=False, strip_default_attrs=False,
                          save_debug_info=False):
        """The saver's graph as a MetaGraphDef with this saver's SaverDef (`tf.train.export_meta_graph`)."""
        from ..graph_io import export_meta_graph

        self.build()
        return export_meta_graph(filename, graph=self._graph, saver_def=self.as_saver_def(),
                                 collection_list=collection_list, as_text=as_text, clear_devices=clear_devices)

    def restore(self, sess, save_path):
        """Load the saver's variables from checkpoint `save_path` into `sess`.

        Every variable is checked first; missing names (NotFoundError), shape and dtype mismatches
        (InvalidArgumentError) are reported together in one error, and nothing is written unless all
        checks pass. Variables in the file that the saver does not know are ignored.
        """
        self.build()
        if not self._vars:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        sess = self._session(sess)
        self._check_session(sess)
        prefix = os.fspath(save_path)
        if not cio.checkpoint_exists(prefix):
            hint = ""
            if os.path.isdir(prefix):
                hint = f" (a directory: pass tf.train.latest_checkpoint({prefix!r}) for its newest checkpoint)"
            raise CheckpointNotFoundError(f"The passed save_path is not a valid checkpoint: {prefix}{hint}")
        try:
            arrays, _ = cio.load_checkpoint(prefix)
        except FileNotFoundError:  # deleted between the check and the read
            raise CheckpointNotFoundError(f"The passed save_path is not a valid checkpoint: {prefix}") from None

        missing, mismatched, values = [], [], []
        targets = [(key, op, op.outputs[0].shape, None) for key, op in self._vars.whole.items()]
        targets += [(key, s.parts[0][0], s.full_shape, s) for key, s in self._vars.sliced.items()]
        for key, op, shape, sliced in targets:
            var_dtype = op.outputs[0].dtype.base_dtype
            if key not in arrays:
                why = cio.unreadable_tensors(prefix).get(key)
                if why:
                    raise cio.UnreadableCheckpointError(f"Restoring from checkpoint {prefix} failed: {key} {why}")
                label = key if key == op.name else f"{key} (variable {op.name})"
                missing.append(f"Key {label} not found in checkpoint")
                continue
            arr = arrays[key]
            problems = []
            shape = TensorShape(shape)
            if not shape.is_compatible_with(arr.shape):
                problems.append(f"shape {_shape_str(arr.shape)} in checkpoint, {_shape_str(shape.dims_tuple)} "
                                f"in graph")
            if arr.dtype != var_dtype.np:
                problems.append(f"dtype {dtypes.as_dtype(arr.dtype).name} in checkpoint, {var_dtype.name} in graph")
            if problems:
                label = key if key == op.name or sliced else f"{key} (variable {op.name})"
                mismatched.append(f"{label}: " + "; ".join(problems))
            elif sliced is None:
                values.append((op, arr))
            else:
                values += [(part, np.ascontiguousarray(arr[sliced.where(i)])) for i, (part, _) in
                           enumerate(sliced.parts)]
        feeds = {}
        for o, (placeholders, _) in zip(self._vars.objects, self._restores):
            for spec, ph in zip(o.specs, placeholders):
                if spec.name not in arrays:
                    missing.append(f"Key {spec.name} not found in checkpoint")
                elif arrays[spec.name].dtype != spec.dtype.base_dtype.np:
                    mismatched.append(f"{spec.name}: dtype {dtypes.as_dtype(arrays[spec.name].dtype).name} in "
                                      f"checkpoint, {spec.dtype.base_dtype.name} in graph")
                else:
                    feeds[ph] = arrays[spec.name]
        if missing or mismatched:
            cls = (VariablesMissingAndMismatchedError if missing and mismatched else
                   VariablesNotFoundInCheckpointError if missing else CheckpointShapeMismatchError)
            lines = "\n".join(f"  {p}" for p in missing + mismatched)
            raise cls(f"Restoring from checkpoint {prefix} failed: {len(missing) + len(mismatched)} of the "
                      f"saver's {len(self._vars)} variables do not match it (nothing was restored):\n{lines}\n"
                      "The graph must define these variables exactly as when the checkpoint was saved; pass a "
                      "dict var_list to Saver to map checkpoint names to other variables.")
        sess.load_variable_values(dict(values))
        if self._restores:
            sess.run([op for _, op in self._restores], feed_dict=feeds)


class _EagerVariables:
    """What a Saver needs of a session, over the eager variables' buffers: TF1's Saver while executing eagerly
    (`saver.save(None, path)`, `saver.restore(None, path)`, a `var_list` of eager variables)."""

    closed = False

    def __init__(self):
        from ..eager.context import context, eager_graph

        self._ctx, self.graph = context(), eager_graph()

    def variable_values(self, ops):
        store = self._ctx.variables
        return {op: None if store.get(op) is None else np.array(store[op], copy=True) for op in ops}

    def load_variable_values(self, values):
        from ..eager.shared_reads import own

        store = self._ctx.variables
        for op, value in values.items():
            value = np.asarray(value, dtype=op.outputs[0].dtype.base_dtype.np)
            own(self._ctx, op)  # (reads that share the buffer keep their values)
            cur = store.get(op)
            if cur is not None and cur.shape == value.shape:
                np.copyto(cur, value)
            else:
                self._ctx.set_variable(op, np.array(value, copy=True))

    def run(self, fetches, feed_dict=None):
        if feed_dict:
            raise RuntimeError("A Saver's restore ops of saveable objects need a Session (graph mode)")
        return [f.numpy() for f in fetches] if isinstance(fetches, (list, tuple)) else fetches.numpy()
