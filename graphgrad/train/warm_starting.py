"""`tf.train.warm_start` and `tf.train.VocabInfo` (TF1's training/warm_starting_util.py): start a new model's
variables from another model's checkpoint, through `init_from_checkpoint` (their initializers read the checkpoint
when they run).

    tf.train.warm_start("old_run/", vars_to_warm_start=".*",                 # a regex over the trainable ones,
                        var_name_to_prev_var_name={"new/w": "old/w"},        # or a list of regexes / variables
                        var_name_to_vocab_info={"emb": tf.train.VocabInfo(new_vocab="new.txt", new_vocab_size=5,
                                                                          num_oov_buckets=1, old_vocab="old.txt")})

A VocabInfo remaps an embedding's rows (`axis=0`) or a layer's columns (`axis=1`) by word: the row of each word of
the new vocabulary (its first `new_vocab_size` lines) comes from that word's row in the checkpoint (the first
`old_vocab_size` lines of the old vocabulary, -1 for all); new words and the `num_oov_buckets` rows after them get
`backup_initializer` (zeros by default). graphgrad reads the vocabulary files when `warm_start` is called (TF when
the initializer runs); the checkpoint is read when the initializer runs, as in TF. (For columns TF1 ignores
`old_vocab_size`, and graphgrad does too.)
"""
from __future__ import annotations

import collections

import numpy as np

from .. import gfile, logging
from ..framework.graph import GraphKeys, get_collection
from ..ops import array_ops, select_ops, state_ops
from ..ops.core import constant, convert_to_tensor
from ..ops.init_ops import zeros_initializer
from ..partitioned_variables import PartitionedVariable
from ..variables import Variable
from .checkpoint_utils import _checkpoint_file, init_from_checkpoint, restore_v2

__all__ = ["warm_start", "VocabInfo"]


class VocabInfo(collections.namedtuple("VocabInfo", ["new_vocab", "new_vocab_size", "num_oov_buckets", "old_vocab",
                                                     "old_vocab_size", "backup_initializer", "axis"])):
    """How to warm-start a variable whose rows (axis 0) or columns (axis 1) follow a vocabulary that changed."""

    def __new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size=-1,
                backup_initializer=None, axis=0):
        if axis not in (0, 1):
            raise ValueError(f"The only supported values for the axis argument are 0 and 1.  Provided axis: {axis}")
        return super().__new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size,
                               backup_initializer, axis)


def _var_name(v):
    """The name a variable (or a part of one) is saved under."""
    info = getattr(v, "_save_slice_info", None)
    return info.full_name if info is not None else v.op.name


def _grouped_variables(vars_to_warm_start):
    """{saved name: [the variable, or its parts]} of the variables to warm-start."""
    if isinstance(vars_to_warm_start, str) or vars_to_warm_start is None:
        found = get_collection(GraphKeys.TRAINABLE_VARIABLES, scope=vars_to_warm_start)
    elif isinstance(vars_to_warm_start, list):
        if all(isinstance(v, str) for v in vars_to_warm_start):
            found = [x for v in vars_to_warm_start for x in get_collection(GraphKeys.GLOBAL_VARIABLES, scope=v)]
        elif all(isinstance(v, Variable) for v in vars_to_warm_start):
            found = vars_to_warm_start
        else:
            raise ValueError("If `vars_to_warm_start` is a list, it must be all `Variable` or all `str`.  Given "
                             f"types are {[type(v) for v in vars_to_warm_start]}")
    else:
        raise ValueError(f"`vars_to_warm_start must be a `list` or `str`.  Given type is {type(vars_to_warm_start)}")
    grouped = {}
    for v in found:
        grouped.setdefault(_var_name(v), []).append(v)
    return grouped


def warm_start(ckpt_to_initialize_from, vars_to_warm_start=".*", var_name_to_vocab_info=None,
               var_name_to_prev_var_name=None):
    """Make the chosen variables start from checkpoint `ckpt_to_initialize_from` (a file prefix or a folder);
    see the module. Names in the two maps that match no chosen variable are a ValueError (a misspelling would
    otherwise warm-start nothing, silently)."""
    logging.info("Warm-starting from: %s", ckpt_to_initialize_from)
    grouped = _grouped_variables(vars_to_warm_start)
    vocab_infos = dict(var_name_to_vocab_info or {})
    prev_names = dict(var_name_to_prev_var_name or {})
    prev_used, vocab_used, count = set(), set(), 0
    vocabless = {}
    for name, variable in grouped.items():
        prev = prev_names.get(name)
        if prev:
            prev_used.add(name)
        info = vocab_infos.get(name)
        if info:
            vocab_used.add(name)
            count += 1
            _warm_start_with_vocab(variable, info, ckpt_to_initialize_from, prev or name)
        elif vars_to_warm_start:
            count += 1
            var = variable[0] if len(variable) == 1 else variable
            prev = prev or name
            if prev in vocabless:  # one checkpoint tensor for two variables: a map holds one, so apply it now
                init_from_checkpoint(ckpt_to_initialize_from, vocabless)
                vocabless.clear()
            vocabless[prev] = var
    if vocabless:
        init_from_checkpoint(ckpt_to_initialize_from, vocabless)
    logging.info("Warm-started %d variables.", count)
    for what, given, used in (("var_name_to_prev_var_name", prev_names, prev_used),
                              ("var_name_to_vocab_info", vocab_infos, vocab_used)):
        unused = set(given) - used
        if unused:
            raise ValueError(f"You provided the following variables in {what} that were not used: {unused}.  "
                             f"Perhaps you misspelled them?  Here is the list of viable variable names: "
                             f"{list(grouped)}")


def _vocabulary(path, size):
    """The first `size` words (lines) of a vocabulary file (-1: all)."""
    with gfile.GFile(path, "r") as f:
        words = [line.rstrip("\r\n") for line in f]
    if size is not None and size >= 0:
        if size > len(words):
            raise ValueError(f"Vocabulary file {path} has {len(words)} entries, fewer than {size} requested")
        words = words[:size]
    return words


def _warm_start_with_vocab(variable, info, ckpt, prev_tensor_name):
    if not (info.new_vocab and info.new_vocab_size and ckpt and info.old_vocab):
        raise ValueError("Invalid args: Must provide all of [current_vocab_path, current_vocab_size, prev_ckpt, "
                         "prev_vocab_path}.")
    parts = list(variable) if isinstance(variable, (list, PartitionedVariable)) else [variable]
    old_size = info.old_vocab_size if info.axis == 0 else -1  # TF1 reads every old column word, whatever the size
    old_index = {w: i for i, w in reversed(list(enumerate(_vocabulary(info.old_vocab, old_size))))}
    new_words = _vocabulary(info.new_vocab, info.new_vocab_size)
    # where each new row (axis 0) or column (axis 1) comes from in the checkpoint; -1: the backup initializer
    remap = np.array([old_index.get(w, -1) for w in new_words] + [-1] * info.num_oov_buckets, np.int64)
    ckpt_file = _checkpoint_file(ckpt)
    initializer = info.backup_initializer or zeros_initializer()
    for v in parts:
        shape = v.shape.as_list()
        offset = v._save_slice_info.var_offset[0] if getattr(v, "_save_slice_info", None) is not None else 0
        g = v.graph
        with g.as_default(), g.control_dependencies(None), g.name_scope(v.op.name + "/warm_start/"):
            old = restore_v2(ckpt_file, [prev_tensor_name], [""], [v.dtype.base_dtype], name="checkpoint_initializer")
            if info.axis == 0:
                picked = remap[offset:offset + shape[0]]
                mask = (picked >= 0).reshape(-1, 1)
            else:  # the part's rows as they are, its columns by word
                old = array_ops.gather(old, constant(np.arange(offset, offset + shape[0])))
                picked = remap
                mask = (picked >= 0).reshape(1, -1)
            if len(picked) != shape[info.axis]:
                raise ValueError(f"{v.op.name} has {shape[info.axis]} entries along axis {info.axis}, but its "
                                 f"VocabInfo gives {len(picked)} (new_vocab_size + num_oov_buckets)")
            taken = array_ops.gather(old, constant(np.maximum(picked, 0)), axis=info.axis)
            backup = convert_to_tensor(initializer(shape, dtype=v.dtype.base_dtype))
            value = select_ops.where_v2(constant(np.broadcast_to(mask, shape)), taken, backup)
            v._initializer_op = state_ops.assign(v._ref(), value).op
            v._initial_value = value
