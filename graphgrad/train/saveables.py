"""What a `Saver` saves: checkpoint names mapped to variables, whole or in slices.

A variable is saved whole under its op name (or the dict key given). The parts of a partitioned variable
(graphgrad/partitioned_variables.py) are saved as TF saves them: one tensor under the full variable's name, each
part one slice of it at the offset its `_save_slice_info` records; so a checkpoint written with one partitioning
restores into another, or into a whole variable, and back. State that is not a variable (a tensor_forest tree)
is a `SaveableObject` (TF's `BaseSaverBuilder.SaveableObject`, found in the SAVEABLE_OBJECTS collection): tensors
to save, each under its spec's name, and an op that restores them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..framework.graph import Tensor
from ..partitioned_variables import PartitionedVariable


def variable_op(v):
    """The VariableV2 op behind a Variable (or its reference tensor); an eager variable's handle op."""
    handle = getattr(v, "_handle_op", None)
    if handle is not None:
        return handle
    ref = getattr(v, "_ref", None)
    t = ref() if ref is not None and not isinstance(v, Tensor) else v
    if not isinstance(t, Tensor) or t.op.type != "VariableV2":
        raise TypeError(f"Saver can save only variables, got {v!r}")
    return t.op


@dataclass
class Sliced:
    """A tensor saved in slices: its full shape and [(VariableV2 op, offset per dimension)]."""
    full_shape: list
    parts: list = field(default_factory=list)

    def where(self, i):
        op, offset = self.parts[i]
        return tuple(slice(o, o + int(n)) for o, n in zip(offset, op.outputs[0].shape.dims_tuple))


class SaveSpec:
    """One tensor a SaveableObject saves, under checkpoint name `name` (`slice_spec` "" for a whole tensor)."""

    def __init__(self, tensor, slice_spec, name, dtype=None, device=None):
        self.tensor, self.slice_spec, self.name = tensor, slice_spec, name
        self.dtype = dtype if dtype is not None else tensor.dtype
        self.device = device


class SaveableObject:
    """State saved as tensors and restored by an op (TF's `BaseSaverBuilder.SaveableObject`): `op` is what is
    saved (a resource's handle), `specs` its SaveSpecs; subclasses define `restore(restored_tensors,
    restored_shapes) -> op`, which the Saver builds once, with a placeholder per spec, and runs on restore."""

    def __init__(self, op, specs, name):
        self.op, self.specs, self.name = op, specs, name

    def restore(self, restored_tensors, restored_shapes):
        raise NotImplementedError(f"{type(self).__name__} must define restore()")


@dataclass
class Saveables:
    """`whole`: {checkpoint name: VariableV2 op}; `sliced`: {checkpoint name: Sliced}; `objects`: the
    SaveableObjects, each saving tensors under its specs' names."""
    whole: dict = field(default_factory=dict)
    sliced: dict = field(default_factory=dict)
    objects: list = field(default_factory=list)

    def ops(self):
        return list(self.whole.values()) + [op for s in self.sliced.values() for op, _ in s.parts]

    def spec_names(self):
        return [spec.name for o in self.objects for spec in o.specs]

    def names(self):
        return sorted(set(self.whole) | set(self.sliced) | set(self.spec_names()))

    def graph(self):
        owners = self.ops() + [o.op for o in self.objects]
        return owners[0].graph if owners else None

    def __len__(self):
        return len(self.whole) + len(self.sliced) + len(self.spec_names())

    def assembled(self, values):
        """{name: full array} from {op: value}: what graphgrad's own format stores."""
        out = {k: values[op] for k, op in self.whole.items()}
        for k, s in self.sliced.items():
            full = np.empty(s.full_shape, values[s.parts[0][0]].dtype)
            for i, (op, _) in enumerate(s.parts):
                full[s.where(i)] = values[op]
            out[k] = full
        return out


def _parts(name, v):
    """[(op, offset)] of a PartitionedVariable or a list of its parts, and the full shape."""
    parts = list(v)
    infos = [getattr(p, "_save_slice_info", None) for p in parts]
    if not parts or any(i is None for i in infos):
        raise ValueError(f"Variables saved as slices of {name!r} must be the parts of a partitioned variable")
    if len({tuple(i.full_shape) for i in infos}) > 1:
        raise ValueError(f"The parts saved under {name!r} do not come from one partitioned variable")
    return [(variable_op(p), list(i.var_offset)) for p, i in zip(parts, infos)], list(infos[0].full_shape)


def collect(var_list) -> Saveables:
    """Saveables from a list of variables (parts of partitioned ones grouped under their full name) or a dict
    {checkpoint name: variable, PartitionedVariable or list of parts}, checked for names and variables saved
    twice."""
    out, seen = Saveables(), {}

    def add_part(name, op, offset, full_shape):
        s = out.sliced.setdefault(name, Sliced(full_shape))
        if list(s.full_shape) != list(full_shape):
            raise ValueError(f"The parts saved under {name!r} do not come from one partitioned variable")
        s.parts.append((op, offset))
        claim(name, op)

    def claim(name, op):
        if op in seen:
            raise ValueError(f"Variable {op.name} is saved twice, under {seen[op]!r} and {name!r}")
        seen[op] = name

    def add_whole(name, op):
        if name in out.whole or name in out.sliced:
            raise ValueError(f"At least two variables have the same name: {name}")
        out.whole[name] = op
        claim(name, op)

    if isinstance(var_list, dict):
        for name, v in var_list.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"var_list keys must be non-empty strings, got {name!r}")
            if isinstance(v, (PartitionedVariable, list, tuple)):
                if name in out.whole or name in out.sliced:
                    raise ValueError(f"At least two variables have the same name: {name}")
                parts, full_shape = _parts(name, v)
                for op, offset in parts:
                    add_part(name, op, offset, full_shape)
            else:
                add_whole(name, variable_op(v))
    elif isinstance(var_list, (list, tuple, set, frozenset)):
        flat = [p for v in var_list for p in (v if isinstance(v, PartitionedVariable) else [v])]
        for v in flat:
            if isinstance(v, SaveableObject):
                for spec in v.specs:
                    if spec.name in out.whole or spec.name in out.sliced or spec.name in out.spec_names():
                        raise ValueError(f"At least two variables have the same name: {spec.name}")
                out.objects.append(v)
                continue
            info = getattr(v, "_save_slice_info", None) if not isinstance(v, Tensor) else None
            if info is None:
                op = variable_op(v)
                add_whole(op.name, op)
            elif info.full_name in out.whole:
                raise ValueError(f"At least two variables have the same name: {info.full_name}")
            else:
                add_part(info.full_name, variable_op(v), list(info.var_offset), info.full_shape)
    else:
        raise TypeError(f"Variables to save should be passed in a dict or a list: {var_list!r}")
    for s in out.sliced.values():
        s.parts.sort(key=lambda p: p[1])
    if len({op.graph for op in out.ops()} | {o.op.graph for o in out.objects}) > 1:
        raise ValueError("All variables of a Saver must belong to the same graph")
    return out
