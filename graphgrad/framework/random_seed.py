"""Graph- and op-level random seeds, combined with TensorFlow 1.x's rules.

A random op is deterministic when its graph or the op itself has a seed: the pair `get_seed` returns becomes
the op's `seed`/`seed2` attributes, from which each Session seeds the op's own NumPy generator (so every new
Session repeats the same numbers, in any process). With neither seed the op draws fresh numbers each Session.
"""
from __future__ import annotations

from .graph import get_default_graph

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1


def _truncate_seed(seed):
    return int(seed) % _MAXINT32


def get_seed(op_seed):
    """`(graph seed, op seed)` for a new random op, following TF1:

    - graph seed set, op seed None: the graph's op count stands in for the op seed, so ops differ but the whole
      graph is reproducible;
    - op seed set, graph seed None: `(DEFAULT_GRAPH_SEED, op_seed)`;
    - both set: both; neither: `(None, None)`, i.e. nondeterministic.
    `(0, 0)` would mean "nondeterministic" to the kernels, so it becomes `(0, 2**31 - 1)`.
    """
    g = get_default_graph()
    global_seed = g.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = g.version
        seeds = _truncate_seed(global_seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        seeds = None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def set_random_seed(seed):
    """Set the default graph's seed: every random op created afterwards becomes reproducible."""
    get_default_graph().seed = None if seed is None else int(seed)
