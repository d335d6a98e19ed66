"""`tf.data.Options` and its groups (`ThreadingOptions`, `AutotuneOptions`, `OptimizationOptions`,
`DistributeOptions`): settings a dataset carries (`dataset.with_options(o)`, `dataset.options()`), with TF's
fields, types and merge rule. graphgrad's pipelines are deterministic and size their own thread pools, so the
settings are kept and given back but change nothing about the elements (docs/data.md, "Options")."""
from __future__ import annotations

import enum

from .dataset_ops import Dataset

__all__ = ["AutoShardPolicy", "AutotuneOptions", "DistributeOptions", "OptimizationOptions", "Options",
           "ThreadingOptions"]


class _OptionsBase:
    """Fields declared as `_fields = {name: type}` (an _OptionsBase subclass: a group, made with the options);
    `_aliases` names other spellings of a field (TF's experimental_ ones). Unset fields are None."""

    _fields: dict = {}
    _aliases: dict = {}
    _defaults: dict = {}

    def __init__(self):
        object.__setattr__(self, "_mutable", True)
        for name, kind in self._fields.items():
            default = kind() if _is_group(kind) else self._defaults.get(name)
            object.__setattr__(self, name, default)

    def __getattr__(self, name):
        if name in type(self)._aliases:
            return getattr(self, type(self)._aliases[name])
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        if not self._mutable:
            raise ValueError("Mutating `tf.data.Options()` returned by `tf.data.Dataset.options()` has no effect. "
                             "Use `tf.data.Dataset.with_options(options)` to set or update dataset options.")
        name = self._aliases.get(name, name)
        kind = self._fields.get(name)
        if kind is None:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        if not isinstance(value, kind):
            raise TypeError(f'Property "{name}" must be of type {kind}, got: {value} (type: {type(value)})')
        object.__setattr__(self, name, value)

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, n) == getattr(other, n) for n in self._fields)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def _frozen(self):
        """This object, no longer settable (what `dataset.options()` gives), its groups too."""
        for name, kind in self._fields.items():
            if _is_group(kind):
                getattr(self, name)._frozen()
        object.__setattr__(self, "_mutable", False)
        return self

    def merge(self, options):
        """A new object with this one's settings and, over them, those `options` has set."""
        out = type(self)()
        for src in (self, options):
            for name, kind in self._fields.items():
                value = getattr(src, name)
                if _is_group(kind):
                    object.__setattr__(out, name, getattr(out, name).merge(value))
                elif value is not None and (src is self or value != self._defaults.get(name)):
                    object.__setattr__(out, name, value)
        return out


def _is_group(kind):
    return isinstance(kind, type) and issubclass(kind, _OptionsBase)


class ThreadingOptions(_OptionsBase):
    """`private_threadpool_size`, `max_intra_op_parallelism` (ints)."""

    _fields = {"max_intra_op_parallelism": int, "private_threadpool_size": int}


class AutotuneOptions(_OptionsBase):
    _fields = {"autotune_algorithm": object, "cpu_budget": int, "enabled": bool, "initial_parallelism": int,
               "min_parallelism": int, "ram_budget": int}


class OptimizationOptions(_OptionsBase):
    _fields = dict.fromkeys(
        ["apply_default_optimizations", "filter_fusion", "filter_parallelization", "inject_prefetch",
         "map_and_batch_fusion", "map_and_filter_fusion", "map_fusion", "map_parallelization", "noop_elimination",
         "parallel_batch", "seq_interleave_prefetch", "shuffle_and_repeat_fusion"], bool)


class AutoShardPolicy(enum.IntEnum):
    """`tf.data.experimental.AutoShardPolicy`."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class DistributeOptions(_OptionsBase):
    _fields = {"auto_shard_policy": AutoShardPolicy, "num_devices": int}
    _defaults = {"auto_shard_policy": AutoShardPolicy.AUTO}


class Options(_OptionsBase):
    """`tf.data.Options()`: `deterministic`, `threading` (ThreadingOptions), `autotune`, `experimental_optimization`,
    `experimental_distribute`, `experimental_slack`, ...; setting a name it lacks is an AttributeError, a value of
    the wrong type a TypeError, as in TF."""

    _fields = {"autotune": AutotuneOptions, "dataset_name": str, "deterministic": bool,
               "experimental_distribute": DistributeOptions, "experimental_external_state_policy": object,
               "experimental_optimization": OptimizationOptions, "experimental_slack": bool,
               "experimental_symbolic_checkpoint": bool, "experimental_warm_start": bool, "framework_type": list,
               "threading": ThreadingOptions}
    _aliases = {"experimental_deterministic": "deterministic", "experimental_threading": "threading"}


class _OptionsDataset(Dataset):
    """`dataset.with_options(options)`: the same elements, with `options` merged into the input's."""

    _keeps_cardinality = True

    def __init__(self, ds, options):
        if not isinstance(options, Options):
            raise TypeError(f"`options` must be a `tf.data.Options`, got {type(options).__name__}.")
        super().__init__([ds], ds._template, ds._types, ds._shapes)
        self._options = options

    def options(self):
        return super().options().merge(self._options)._frozen()

    def _iterate(self, env):
        return self._inputs[0]._iterate(env)
