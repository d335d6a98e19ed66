"""Each rank its own data and its own random streams, reproducibly.

- `shard_arrays(x, size, rank)`: rank `rank`'s shard of `x` (every `size`-th row from `rank` on, as tf.data's
  `Dataset.shard(size, rank)` takes elements): the shards are disjoint and cover the data, and differ in length
  by at most one row.
- `split_batch(x, size, rank)`: rank `rank`'s contiguous part of one *global* batch (lengths differ by at most
  one), for training that is equivalent to one process on the whole batch.
- `rank_seed(seed, rank)`: the seed of rank `rank` for a run seeded `seed`: `seed` itself on rank 0 (a one-process
  run is unchanged), a different, fixed seed on each other rank, so that dropout masks and shuffles differ between
  ranks while the same command gives the same numbers.
"""
from __future__ import annotations

import numpy as np

from . import comm

__all__ = ["shard_arrays", "split_batch", "rank_seed"]


def _who(size, rank):
    if size is None or rank is None:
        w = comm.world()
        size = w.size if size is None else size
        rank = w.rank if rank is None else rank
    if not (isinstance(size, (int, np.integer)) and size >= 1 and 0 <= rank < size):
        raise ValueError(f"need 0 <= rank < size, got size={size!r}, rank={rank!r}")
    return int(size), int(rank)


def shard_arrays(*arrays, size=None, rank=None):
    """Rank `rank`'s shard (rows rank, rank + size, ...) of each array; `size`/`rank` default to this process's.
    One array in, one array out; several in, a tuple out."""
    size, rank = _who(size, rank)
    out = tuple(np.asarray(a)[rank::size] for a in arrays)
    return out[0] if len(out) == 1 else out


def split_batch(*arrays, size=None, rank=None):
    """Rank `rank`'s contiguous part of a global batch (np.array_split's part `rank` of `size`)."""
    size, rank = _who(size, rank)
    out = []
    for a in arrays:
        a = np.asarray(a)
        n = len(a)
        start = rank * (n // size) + min(rank, n % size)
        out.append(a[start: start + n // size + (rank < n % size)])
    return out[0] if len(out) == 1 else tuple(out)


def rank_seed(seed, rank=None) -> int:
    """The seed of rank `rank` (default: this process's) in a run seeded `seed` (module docstring)."""
    if rank is None:
        rank = comm.world().rank
    if seed is None:
        return None
    if rank == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(rank)]).generate_state(1)[0] % (2**31 - 1)) + 1
