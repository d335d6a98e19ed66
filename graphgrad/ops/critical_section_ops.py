"""`tf.CriticalSection(name=None, shared_name=None)`: `execute(fn)` builds `fn()`'s ops so that no two runs execute
them at once. graphgrad needs no MutexLock op for that: concurrent `Session.run` calls on one session are atomic
(docs/design.md), so every execution is already exclusive; what `execute` adds is TF's graph shape (its outputs are
Identities under `critical_section_execute/`) and TF's refusal to lock a section inside itself."""
from __future__ import annotations

from ..framework.graph import name_scope
from . import nest
from .core import identity

__all__ = ["CriticalSection"]


class CriticalSection:
    """A section whose `execute(fn)` calls never overlap."""

    def __init__(self, name=None, shared_name=None, critical_section_def=None, import_scope=None):
        if critical_section_def is not None:
            raise ValueError("graphgrad builds a CriticalSection from its name only, not from a CriticalSectionDef")
        with name_scope(name, "CriticalSection") as scope:
            self._scope = scope
        self._name = scope.rstrip("/").split("/")[-1]
        self._running = False

    name = property(lambda self: self._name)

    def execute(self, fn, exclusive_resource_access=True, name=None):
        """`fn()` (no arguments) run with the section held; its outputs (any nesting) come back as Identities."""
        if self._running:
            raise ValueError(f"Attempting to lock a CriticalSection (signature=('', '{self._scope}', None)) in which "
                             f"we are already running. This is illegal and may cause deadlocks.")
        with name_scope(name, "critical_section_execute"):
            self._running = True
            try:
                out = fn()
            finally:
                self._running = False
            return nest.map_structure(lambda t: identity(t) if hasattr(t, "dtype") else t, out)

