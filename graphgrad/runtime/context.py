"""What a kernel may touch besides its input arrays: the array module, the session's variable buffers,
and per-op random generators. One RunContext per Session; an eager mode would make its own."""
from __future__ import annotations

import numpy as np


class RunContext:
    def __init__(self, xp=np):
        self.xp = xp
        self.variables: dict = {}   # VariableV2 op -> array (the session owns variable values)
        self._rngs: dict = {}       # random op -> np.random.Generator, so each session replays its seeds
        self.stderr = None          # where Print writes; None means sys.stderr at call time
        self.print_counts: dict = {}  # Print op -> times printed (for first_n), per session

    def to_device(self, array):
        """Constant data as the backend's array type (a no-op for NumPy)."""
        return array if self.xp is np else self.xp.asarray(array)

    def to_host(self, array):
        return array if self.xp is np else self.xp.asnumpy(array)

    def rng(self, op) -> np.random.Generator:
        """The op's random stream: seeded from (seed, seed2) when the graph or op has a seed, else fresh."""
        gen = self._rngs.get(op)
        if gen is None:
            seed, seed2 = op.attrs.get("seed", 0), op.attrs.get("seed2", 0)
            gen = np.random.default_rng([seed, seed2]) if (seed or seed2) else np.random.default_rng()
            self._rngs[op] = gen
        return gen
