"""`tf.train.init_from_checkpoint`, `checkpoints_iterator` and the `RestoreV2` op they rest on (TF1's
training/checkpoint_utils.py).

`init_from_checkpoint(ckpt, assignment_map)` builds nothing that runs now: it replaces the initializers of the
variables the map names by `Assign(var, RestoreV2(...))` ops named `checkpoint_initializer`, which read the
tensor from the checkpoint when the initializer runs (`global_variables_initializer()` made afterwards, or
`var.initializer`). The map's forms, as TF1:

    {"old/w": "new/w"}           one variable, by the name get_variable gave it (or a Variable, or a list of parts)
    {"old_scope/": "new_scope/"}  every get_variable variable under new_scope/, from old_scope/<the rest>
    {"/": "new_scope/"}           ... from the checkpoint's root: new_scope/a/b from a/b
    {"old_scope/": "/"}           every variable, from old_scope/<its name>

A partitioned variable's parts each read their slice of the whole tensor.
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping

import numpy as np

from .. import logging
from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.graph import get_default_graph
from ..framework.op_def import OpDef, not_differentiable
from ..ops import state_ops
from ..ops.core import apply_op, constant
from ..partitioned_variables import PartitionedVariable
from ..variables import Variable
from .saver import CheckpointReader, latest_checkpoint

__all__ = ["init_from_checkpoint", "checkpoints_iterator", "wait_for_new_checkpoint", "restore_v2"]


class RestoreV2(OpDef):
    """RestoreV2(prefix, tensor_names, shape_and_slices): the named tensors of a checkpoint (TF's or graphgrad's),
    read when the op runs; a slice spec ("7 3 0,3:-": the full shape, then offset,length or - per dimension)
    takes a part of one. Outputs in the dtypes of attribute `dtypes`."""

    type = "RestoreV2"
    stateful = True  # the file may change between runs: never folded
    gradient = not_differentiable

    def infer(op):
        return [(None, dtypes.as_dtype(d)) for d in op.attrs["dtypes"]]

    def can_fail(op):
        return True

    def kernel(op, ctx):
        kinds = [dtypes.as_dtype(d).as_numpy_dtype for d in op.attrs["dtypes"]]

        def restore(prefix, names, slices):
            prefix, names, slices = _strings(prefix)[0], _strings(names), _strings(slices)
            try:
                reader = CheckpointReader(prefix)
                values = [_slice(reader.get_tensor(n), s) for n, s in zip(names, slices)]
            except errors.OpError as e:  # as TF's own class (a CheckpointNotFoundError is a NotFoundError)
                tf_class = next(c for c in type(e).__mro__ if c.__module__ == errors.__name__)
                raise op_error(tf_class, op, e.message) from None
            except (OSError, ValueError) as e:  # a file gone or damaged since the graph was built
                raise op_error(errors.NotFoundError, op, str(e)) from None
            out = tuple(ctx.xp.asarray(v.astype(k, copy=False)) for v, k in zip(values, kinds))
            return out if len(out) != 1 else out[0]
        return restore


def _strings(x):
    """The Python strings of a string tensor's value (a host array of bytes)."""
    return [s.decode() if isinstance(s, bytes) else str(s) for s in np.ravel(x).tolist()]


def _slice(value, spec):
    """`value`'s part that a TF slice spec names ("" for all of it)."""
    if not spec:
        return value
    *full, parts = spec.split(" ")
    if [int(d) for d in full] != list(value.shape):
        raise ValueError(f"the slice spec {spec!r} is not of the checkpoint's shape {list(value.shape)}")
    index = []
    for part in parts.split(":"):
        if part == "-":
            index.append(slice(None))
        else:
            start, length = (int(p) for p in part.split(","))
            index.append(slice(start, start + length))
    return value[tuple(index)]


def restore_v2(prefix, tensor_names, shape_and_slices, dtypes, name=None):
    """TF's `io_ops.restore_v2`: the tensors read from checkpoint `prefix` when run."""
    return apply_op(RestoreV2, [constant(prefix, dtype="string"), constant(list(tensor_names), dtype="string"),
                                constant(list(shape_and_slices), dtype="string")],
                    {"dtypes": tuple(d.base_dtype.name if hasattr(d, "base_dtype") else d for d in dtypes)},
                    name or "RestoreV2")


def _checkpoint_file(ckpt_dir_or_file):
    path = os.fspath(ckpt_dir_or_file)
    return latest_checkpoint(path) if os.path.isdir(path) else path


def _set_initializer(variable, ckpt_file, tensor_name, slice_spec):
    """The variable's initializer becomes an Assign of the checkpoint's tensor, read when it runs."""
    g = variable.graph
    with g.as_default(), g.control_dependencies(None):
        restore = restore_v2(ckpt_file, [tensor_name], [slice_spec], [variable.dtype.base_dtype],
                             name="checkpoint_initializer")
        restore.set_shape(variable.shape)
        variable._initializer_op = state_ops.assign(variable._ref(), restore).op
        variable._initial_value = restore


def _set_variable_or_list_initializer(var, ckpt_file, tensor_name):
    if isinstance(var, (list, tuple)):
        whole = None
        for v in var:
            info = v._save_slice_info
            if whole is None:
                whole = info.full_name
            elif whole != info.full_name:
                raise ValueError(f"Slices must all be from the same tensor: {whole} != {info.full_name}")
            _set_initializer(v, ckpt_file, tensor_name, info.spec)
    else:
        _set_initializer(var, ckpt_file, tensor_name, "")


def _store_vars(graph):
    """get_variable's variables by name, a partitioned one as its parts `<name>/part_<i>` (TF's variable store)."""
    out = {}
    for name, v in graph._variable_store.items():
        if isinstance(v, PartitionedVariable):
            out.update({f"{name}/part_{i}": p for i, p in enumerate(v)})
        else:
            out[name] = v
    return out


def _collect_partitioned(name, store):
    if f"{name}/part_0" not in store:
        return None
    parts, i = [], 0
    while f"{name}/part_{i}" in store:
        parts.append(store[f"{name}/part_{i}"])
        i += 1
    return parts


def _is_variable(x):
    return isinstance(x, Variable)


def init_from_checkpoint(ckpt_dir_or_file, assignment_map):
    """Make the variables `assignment_map` names start from checkpoint `ckpt_dir_or_file` (a file prefix or a
    folder: its newest); see the module for the forms of the map. Names or shapes the checkpoint lacks are a
    ValueError now, not when the initializer runs."""
    ckpt_file = _checkpoint_file(ckpt_dir_or_file)
    if ckpt_file is None:
        raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {ckpt_dir_or_file}")
    variable_map = CheckpointReader(ckpt_file).get_variable_to_shape_map()
    items = assignment_map.items() if isinstance(assignment_map, Mapping) else assignment_map
    store = _store_vars(get_default_graph())
    for tensor_name, current in sorted(items, key=lambda pair: pair[0]):
        if _is_variable(current) or (isinstance(current, list) and all(_is_variable(v) for v in current)):
            var = current
        else:
            var = store.get(current, None)
            var = _collect_partitioned(current, store) if var is None else var
        if var is not None:
            if tensor_name not in variable_map:
                raise ValueError(f"Tensor {tensor_name} is not found in {ckpt_dir_or_file} checkpoint "
                                 f"{variable_map}")
            if _is_variable(var) and not var.shape.is_compatible_with(variable_map[tensor_name]):
                raise ValueError(f"Shape of variable {var.name} ({var.shape}) doesn't match with shape of tensor "
                                 f"{tensor_name} ({variable_map[tensor_name]}) from checkpoint reader.")
            _set_variable_or_list_initializer(var, ckpt_file, tensor_name)
            continue
        scopes = current[:current.rindex("/")] if "/" in current else ""
        if not tensor_name.endswith("/"):
            raise ValueError(f"Assignment map with scope only name {scopes} should map to scope only "
                             f"{tensor_name}. Should be 'scope/': 'other_scope/'.")
        names = set()
        for name in store:
            if not scopes or name.startswith(scopes + "/"):
                names.add(name[:name.index("/part_")] if "/part_" in name else name)
        for name in sorted(names):
            full = name[len(scopes):]
            if current != "/":
                full = full[1:]
            if tensor_name != "/":
                full = tensor_name + full
            full = full[:-1] if full.endswith("/") else full
            if full not in variable_map:
                raise ValueError(f"Tensor {full} ({name[len(scopes) + 1:]} in {tensor_name}) is not found in "
                                 f"{ckpt_dir_or_file} checkpoint")
            var = store.get(name, None)
            var = _collect_partitioned(name, store) if var is None else var
            _set_variable_or_list_initializer(var, ckpt_file, full)
            logging.debug("Initialize variable %s from checkpoint %s with %s", name, ckpt_dir_or_file, full)


def wait_for_new_checkpoint(checkpoint_dir, last_checkpoint=None, seconds_to_sleep=1, timeout=None):
    """The newest checkpoint of `checkpoint_dir` once it differs from `last_checkpoint`; None after `timeout`."""
    logging.info("Waiting for new checkpoint at %s", checkpoint_dir)
    stop_time = time.time() + timeout if timeout is not None else None
    while True:
        checkpoint = latest_checkpoint(checkpoint_dir)
        if checkpoint is not None and checkpoint != last_checkpoint:
            logging.info("Found new checkpoint at %s", checkpoint)
            return checkpoint
        if stop_time is not None and time.time() + seconds_to_sleep > stop_time:
            return None
        time.sleep(seconds_to_sleep)


def checkpoints_iterator(checkpoint_dir, min_interval_secs=0, timeout=None, timeout_fn=None):
    """Yield each new checkpoint of `checkpoint_dir`, at most one per `min_interval_secs`, until none comes for
    `timeout` seconds and `timeout_fn()` (if given) does not say to go on waiting."""
    checkpoint = None
    while True:
        new = wait_for_new_checkpoint(checkpoint_dir, checkpoint, timeout=timeout)
        if new is None:
            if not timeout_fn:
                logging.info("Timed-out waiting for a checkpoint.")
                return
            if timeout_fn():
                return
            continue
        start = time.time()
        checkpoint = new
        yield checkpoint
        remaining = start + min_interval_secs - time.time()
        if remaining > 0:
            time.sleep(remaining)
