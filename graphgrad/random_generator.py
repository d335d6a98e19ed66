"""`tf.random.Generator`: a Philox state held in an int64 variable [counter_lo, counter_hi, key]; each draw reads
the state and moves the counter on (`RngReadAndSkip`), then runs the stateless V2 op on that key and counter, so
`Generator.from_seed(s)` gives TF's numbers. `get_global_generator` keeps one generator per graph (TF keeps one per
process; graphgrad keeps state out of module globals)."""
from __future__ import annotations

import weakref

import numpy as np

from .framework import dtypes
from .framework.graph import get_default_graph, name_scope
from .ops import rng_state_ops
from .ops import stateless_random_ops as sro
from .ops.arithmetic_ops import add, multiply, subtract
from .ops.array_ops import stack, unstack
from .ops.cast_ops import cast
from .ops.core import _is_tensorlike, apply_op, convert_to_tensor, zeros_like
from .ops.reduction_ops import reduce_prod
from .stateless_random import _bounds, _shape_tensor, convert_alg_to_int

_STATE_SIZE = 3  # Philox: two counter words, one key word


def _wrap(n):
    return n - 2**64 if isinstance(n, int) and n >= 2**63 else n


def create_rng_state(seed, alg):
    """A Philox state (int64 [3]) from an integer seed (its 64-bit words, lowest first) or a list or tensor of
    words (padded with zeros in front)."""
    if convert_alg_to_int(alg) not in (1, 3):
        raise ValueError(f"Argument `alg` got unsupported value {alg}.")
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        seed = int(seed)
        words = []
        for _ in range(_STATE_SIZE):
            words.append(_wrap(seed & (2**64 - 1)))
            seed >>= 64
        return convert_to_tensor(np.array(words, np.int64))
    if not _is_tensorlike(seed):
        words = [_wrap(int(v)) for v in np.reshape(np.asarray(seed, object), -1)][:_STATE_SIZE]
        return convert_to_tensor(np.array([0] * (_STATE_SIZE - len(words)) + words, np.int64))
    from .ops.array_ops import concat, reshape

    seed = reshape(cast(seed, dtypes.int64), [-1])
    n = seed.shape[0].value if seed.shape[0].value is not None else None
    if n is None or n > _STATE_SIZE:
        seed = seed[:_STATE_SIZE]
    return concat([np.zeros(max(_STATE_SIZE - (n or _STATE_SIZE), 0), np.int64), seed], 0)


class Generator:
    """TF's `tf.random.Generator` over Philox: `from_seed`, `from_state`, `from_key_counter`,
    `from_non_deterministic_state`, draws (`normal`, `uniform`, `truncated_normal`, `uniform_full_int`,
    `binomial`), `make_seeds`, `split`, `reset*`, `skip`, `state`, `key`, `algorithm`."""

    def __init__(self, copy_from=None, state=None, alg=None):
        from .variables import Variable

        if copy_from is not None:
            state, alg = copy_from.state, copy_from.algorithm
        alg = convert_alg_to_int(alg if alg is not None else 1)
        if alg not in (1, 3):
            raise ValueError(f"Argument `alg` got unsupported value {alg}.")
        self._alg = alg
        if isinstance(state, Variable):
            self._state_var = state
        else:
            if not _is_tensorlike(state):
                state = np.array([_wrap(int(v)) for v in np.reshape(np.asarray(state, object), -1)], np.int64)
            state = convert_to_tensor(state)
            if state.dtype.base_dtype != dtypes.int64:
                state = cast(state, dtypes.int64)
            if not state.shape.is_compatible_with([_STATE_SIZE]):
                raise ValueError(f"Shapes {state.shape} and ({_STATE_SIZE},) are incompatible")
            with name_scope("random_generator"):
                self._state_var = Variable(state, dtype=dtypes.int64, trainable=False, name="StateVar")

    @classmethod
    def from_state(cls, state, alg):
        return cls(state=state, alg=alg)

    @classmethod
    def from_seed(cls, seed, alg=None):
        alg = convert_alg_to_int(alg if alg is not None else 1)
        return cls(state=create_rng_state(seed, alg), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        shape = convert_to_tensor(np.array([_STATE_SIZE], np.int32), name="shape")
        state = apply_op(rng_state_ops.NonDeterministicInts, [shape], {"dtype": dtypes.int64},
                         "NonDeterministicInts")
        return cls(state=state, alg=alg if alg is not None else 1)

    @classmethod
    def from_key_counter(cls, key, counter, alg):
        return cls(state=_key_counter_state(key, counter), alg=alg)

    @property
    def state(self):
        """The int64 [3] variable holding [counter_lo, counter_hi, key]."""
        return self._state_var

    @property
    def algorithm(self):
        return self._alg

    @property
    def key(self):
        return self._state_var[-1]

    def reset(self, state):
        """Assign a new state (the assign op; TF runs it at once in eager mode)."""
        return self._state_var.assign(convert_to_tensor(np.asarray(state, np.int64)) if not _is_tensorlike(state)
                                      else cast(state, dtypes.int64))

    def reset_from_seed(self, seed):
        return self._state_var.assign(create_rng_state(seed, self._alg))

    def reset_from_key_counter(self, key, counter):
        return self._state_var.assign(_key_counter_state(key, counter))

    def skip(self, delta):
        """Read the state and move the counter on by 256 · delta blocks (RngReadAndSkip)."""
        delta = convert_to_tensor(delta, name="delta")
        if delta.dtype.base_dtype != dtypes.int64:
            delta = cast(delta, dtypes.int64)
        return apply_op(rng_state_ops.RngReadAndSkip, [self._state_var._ref(), delta], {}, "RngReadAndSkip")

    def _key_counter(self, delta):
        state = self.skip(delta)
        return state[2:3], state[:2]

    def _draw(self, op_def, shape, attrs, *params, name=None, delta=None):
        key, counter = self._key_counter(reduce_prod(shape) if delta is None else delta)
        return apply_op(op_def, [shape, key, counter, *params], attrs, name or op_def.type)

    def _scaled(self, op_def, default_name, shape, mean, stddev, dtype, name):
        dt = dtypes.as_dtype(dtype).base_dtype
        with name_scope(name, default_name, [shape, mean, stddev]) as scope:
            shape = _shape_tensor(shape)
            mean = convert_to_tensor(mean, dtype=dt, name="mean")
            stddev = convert_to_tensor(stddev, dtype=dt, name="stddev")
            rnd = self._draw(op_def, shape, {"dtype": dt})
            return add(multiply(rnd, stddev), mean, name=scope)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        return self._scaled(sro.StatelessRandomNormalV2, "stateful_normal", shape, mean, stddev, dtype, name)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        return self._scaled(sro.StatelessTruncatedNormalV2, "truncated_normal", shape, mean, stddev, dtype, name)

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        dt = dtypes.as_dtype(dtype).base_dtype
        maxval = _bounds(dt, minval, maxval, f"For integer dtype {dt!r}, minval and maxval must be both `None` or "
                         f"both non-`None`; got minval={minval} and maxval={maxval}")
        with name_scope(name, "stateful_uniform", [shape, minval, maxval]) as scope:
            shape = _shape_tensor(shape)
            if dt.is_integer and minval is None:
                return self._draw(sro.StatelessRandomUniformFullIntV2, shape, {"dtype": dt}, name=scope)
            lo = convert_to_tensor(minval, dtype=dt, name="min")
            hi = convert_to_tensor(maxval, dtype=dt, name="max")
            if dt.is_integer:
                return self._draw(sro.StatelessRandomUniformIntV2, shape, {}, lo, hi, name=scope)
            rnd = self._draw(sro.StatelessRandomUniformV2, shape, {"dtype": dt})
            return add(multiply(rnd, subtract(hi, lo)), lo, name=scope)

    def uniform_full_int(self, shape, dtype=dtypes.int64, name=None):
        """Integers over the dtype's whole range (TF's default dtype, uint64, is not in graphgrad: int64 holds the
        same bits)."""
        dt = dtypes.as_dtype(dtype).base_dtype
        with name_scope(name, "stateful_uniform_full_int", [shape]) as scope:
            return self._draw(sro.StatelessRandomUniformFullIntV2, _shape_tensor(shape), {"dtype": dt}, name=scope)

    def binomial(self, shape, counts, probs, dtype=dtypes.int32, name=None):
        """Binomial(counts, probs) draws of `shape`: TF's sampler on this generator's stream; the counter moves on
        as TF's StatefulRandomBinomial moves it, by 256 · (batches · 200 · (samples per batch + 3) // 4)."""
        from .ops.arithmetic_ops import floordiv
        from .ops.array_ops import shape as shape_of

        with name_scope(name, "binomial", [shape, counts, probs]) as scope:
            probs = convert_to_tensor(probs, name="probs")
            counts = convert_to_tensor(counts, name="counts", preferred_dtype=probs.dtype.base_dtype)
            shape = _shape_tensor(shape)
            batches = reduce_prod(shape_of(add(zeros_like(counts), zeros_like(probs)), out_type=dtypes.int64))
            per_batch = floordiv(reduce_prod(cast(shape, dtypes.int64)), batches)
            delta = floordiv(batches * 200 * (per_batch + 3), 4)
            return self._draw(_BinomialV2, shape, {"dtype": dtypes.as_dtype(dtype).base_dtype}, counts, probs,
                              name=scope, delta=delta)

    def make_seeds(self, count=1):
        """[2, count] seeds for the stateless ops: full-range int64 keys over zeros."""
        keys = self.uniform_full_int([count], dtype=dtypes.int64)
        return stack([keys, zeros_like(keys)])

    def split(self, count=1):
        """`count` new generators, each keyed by a full-range int64 drawn from this one, counters at zero."""
        keys = self.uniform_full_int([count], dtype=dtypes.int64)
        return [Generator(state=stack([np.int64(0), np.int64(0), k]), alg=self._alg)
                for k in unstack(keys, num=count)]


_BinomialV2 = sro._v2(sro.StatelessRandomBinomial)


def _key_counter_state(key, counter):
    from .ops.array_ops import concat, reshape

    counter = cast(convert_to_tensor(counter), dtypes.int64)
    key = reshape(cast(convert_to_tensor(key), dtypes.int64), [1])
    return concat([counter, key], 0)


_GLOBAL = weakref.WeakKeyDictionary()


def get_global_generator():
    """The default graph's global generator, created from a non-deterministic state on first use."""
    g = get_default_graph()
    gen = _GLOBAL.get(g)
    if gen is None:
        gen = _GLOBAL[g] = Generator.from_non_deterministic_state()
    return gen


def set_global_generator(generator):
    """Replace the default graph's global generator."""
    _GLOBAL[get_default_graph()] = generator
