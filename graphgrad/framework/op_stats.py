"""TF's per-op-type statistics (`tensorflow.python.framework.ops`: `OpStats`, `RegisterStatistics`,
`get_stats_for_node_def`): functions registered by op type and statistic name ("flops"), which the profiler
(graphgrad/profiler) asks for each op of a graph. The registry is keyed by TensorFlow's op type names, so a
statistic written for TensorFlow registers here unchanged."""
from __future__ import annotations

_REGISTRY = {}


class OpStats:
    """A statistic's type and value (None: not known); `+=` adds values of the same type."""

    def __init__(self, statistic_type, value=None):
        self.statistic_type = statistic_type
        self.value = value

    def __iadd__(self, other):
        if other.statistic_type != self.statistic_type:
            raise ValueError(f"Can't add an OpStat of type {other.statistic_type} to one of "
                             f"{self.statistic_type}.")
        if self.value is None:
            self.value = other.value
        elif other.value is not None:
            self.value += other.value
        return self


class RegisterStatistics:
    """Decorator registering `fn(graph, node) -> OpStats` as the `statistic_type` of ops of type `op_type`; a
    second registration of the same pair is a KeyError, as TF's registry raises."""

    def __init__(self, op_type, statistic_type):
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string.")
        if "," in op_type:
            raise TypeError("op_type must not contain a comma.")
        if not isinstance(statistic_type, str):
            raise TypeError("statistic_type must be a string.")
        if "," in statistic_type:
            raise TypeError("statistic_type must not contain a comma.")
        self._key = f"{op_type},{statistic_type}"

    def __call__(self, f):
        if self._key in _REGISTRY:
            raise KeyError(f"Registering two statistics with name '{self._key}'!")
        _REGISTRY[self._key] = f
        return f


def get_stats_for_node_def(graph, node, statistic_type):
    """The registered `statistic_type` of `node` (anything with TF's `op` type name and `name`), or an empty
    OpStats when none is registered for its type. A registered function's ValueError (a shape not fully known)
    is the caller's to handle, as in TF."""
    fn = _REGISTRY.get(f"{node.op},{statistic_type}")
    return OpStats(statistic_type) if fn is None else fn(graph, node)
