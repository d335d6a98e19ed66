"""Stateless random ops (`tf.random.stateless_*`): pure functions of a shape, a seed (two int32/int64) and their
parameters, computed as TF's CPU kernels compute them (ops/philox_draws.py, ops/philox_samplers.py), so a seed gives
TF's numbers bit for bit. The V2 ops (`StatelessRandomUniformV2`, ...) take the Philox key and counter themselves
(int64 words here, uint64 in TF), as `tf.random.Generator` passes them. The kernels run on the host; on a device
backend their outputs are copied over (`host_kernel`)."""
from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.errors import op_error
from ..framework.op_def import OpDef, not_differentiable, static_shape
from . import philox_draws as draws
from . import philox_samplers as samplers
from .array_ops import _shape_from_tensor, get_static_value


def _check_seed(op, t, what="seed"):
    s = static_shape(t)
    if s is not None and (len(s) != 1 or s[0] not in (None, 2)):
        raise ValueError(f"Dimension must be 2 but is {s[0] if len(s) == 1 else len(s)} for '{op.name}' ({what} "
                         f"of shape {t.shape})")
    if t.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter '{what}' has DataType {t.dtype.base_dtype.name} not in list of "
                        "allowed values: int32, int64")


class _Stateless(OpDef):
    """Inputs: shape (an int vector), the stream (`seed`, or `key` and `counter` for the V2 ops), parameters.
    Output: `shape` of `dtype`. Subclasses give `draw(op, stream, shape, *params) -> flat NumPy array`."""

    host_kernel = True
    gradient = not_differentiable
    stream_inputs = 1  # 2 for the V2 ops (key, counter)

    def out_dtype(op):
        return op.attrs["dtype"]

    def infer(op):
        seed = op.inputs[1]
        if op.op_def.stream_inputs == 1:
            _check_seed(op, seed)
        shape = _shape_from_tensor(op.inputs[0])
        if shape is not None and any(d is not None and d < 0 for d in shape):
            raise ValueError(f"Shape entries must be non-negative, got {list(shape)}")
        return [(shape, op.op_def.out_dtype(op))]

    def stream(op, values):
        """(key, counter) of the op's Philox stream from its stream inputs' values."""
        if op.op_def.stream_inputs == 1:
            seed = np.asarray(values[0]).reshape(-1)
            if seed.size != 2:
                raise op_error(errors.InvalidArgumentError, op, f"seed must have shape [2], not {list(seed.shape)}")
            return draws.seed_key_counter(int(seed[0]), int(seed[1]))
        key, counter = (np.asarray(v).reshape(-1) for v in values)
        return draws.key_counter_from_words(int(key[0]), int(counter[0]), int(counter[1]))

    def kernel(op, ctx):
        k, d = op.op_def.stream_inputs, op.op_def

        def run(shape, *rest):
            shape = tuple(int(v) for v in np.asarray(shape).reshape(-1))
            out = d.draw(op, d.stream(op, rest[:k]), shape, *(np.asarray(v) for v in rest[k:]))
            return np.asarray(out, op.outputs[0].dtype.base_dtype.np).reshape(shape)
        return run


def _v2(cls):
    """The V2 op of `cls`: the same draws from an explicit key and counter."""
    return type(cls.__name__ + "V2", (cls,), {"type": cls.type + "V2", "stream_inputs": 2, "__module__": __name__,
                                              "__doc__": f"{cls.type} from a key and counter."})


class _Fixed(_Stateless):
    """A distribution of ops/philox_draws.py (`dist`) with a fixed number of samples per output."""

    dist = None

    def draw(op, stream, shape):
        return op.op_def.dist(*stream, _size(shape), op.attrs["dtype"].np)


def _fixed(type_, dist, doc):
    return type(type_, (_Fixed,), {"type": type_, "dist": staticmethod(dist), "__doc__": doc,
                                   "__module__": __name__})


StatelessRandomUniform = _fixed("StatelessRandomUniform", draws.uniform, "Uniform floats in [0, 1).")
StatelessRandomNormal = _fixed("StatelessRandomNormal", draws.normal, "Standard normal floats (Box-Muller).")
StatelessTruncatedNormal = _fixed("StatelessTruncatedNormal", draws.truncated_normal,
                                  "Standard normal floats within two standard deviations.")
StatelessRandomUniformFullInt = _fixed("StatelessRandomUniformFullInt", draws.full_int,
                                       "Integers over the dtype's whole range.")


class StatelessRandomUniformInt(_Stateless):
    """Integers in [minval, maxval) (the last two inputs, scalars); InvalidArgumentError unless minval < maxval."""

    type = "StatelessRandomUniformInt"

    def out_dtype(op):
        return op.inputs[-1].dtype.base_dtype

    def draw(op, stream, shape, lo, hi):
        lo, hi, n = int(lo), int(hi), _size(shape)
        if n and not lo < hi:
            raise op_error(errors.InvalidArgumentError, op, f"Need minval < maxval: {lo} >= {hi}")
        return draws.uniform_int(*stream, n, lo, hi, op.outputs[0].dtype.base_dtype.np)


StatelessRandomUniformV2 = _v2(StatelessRandomUniform)
StatelessRandomNormalV2 = _v2(StatelessRandomNormal)
StatelessTruncatedNormalV2 = _v2(StatelessTruncatedNormal)
StatelessRandomUniformFullIntV2 = _v2(StatelessRandomUniformFullInt)
StatelessRandomUniformIntV2 = _v2(StatelessRandomUniformInt)


def _per_param(op, shape, param):
    """Samples per parameter value (InvalidArgumentError unless `shape` ends with the parameters' shape, as TF
    checks it when the op runs)."""
    tail = param.shape
    if len(tail) > len(shape) or tuple(shape[len(shape) - len(tail):]) != tail:
        raise op_error(errors.InvalidArgumentError, op, "Shape passed in must end with broadcasted shape.")
    return _size(shape[:len(shape) - len(tail)])


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


class StatelessRandomGammaV2(_Stateless):
    """Gamma(alpha, 1) draws of `shape` (which ends with alpha's shape); its gradient with respect to alpha is
    RandomGamma's implicit one."""

    type = "StatelessRandomGammaV2"

    def out_dtype(op):
        return op.inputs[2].dtype.base_dtype

    def draw(op, stream, shape, alpha):
        return samplers.gamma(*stream, alpha, _per_param(op, shape, alpha))

    def gradient(op, dz):
        from .random_ops import gamma_alpha_gradient

        return [None, None, gamma_alpha_gradient(op.inputs[2], op.outputs[0], dz)]


class StatelessRandomPoisson(_Stateless):
    """Poisson(lam) counts of `shape` (which ends with lam's shape), as `dtype`."""

    type = "StatelessRandomPoisson"

    def draw(op, stream, shape, lam):
        return samplers.poisson(*stream, lam, _per_param(op, shape, lam))


class StatelessRandomBinomial(_Stateless):
    """Binomial(counts, probs) draws of `shape` (which ends with the broadcast shape of counts and probs)."""

    type = "StatelessRandomBinomial"

    def draw(op, stream, shape, counts, probs):
        counts, probs = np.broadcast_arrays(counts, probs)
        return samplers.binomial(*stream, counts, probs, _per_param(op, shape, counts))


class StatelessParameterizedTruncatedNormal(_Stateless):
    """Normal(means, stddevs) draws within [minvals, maxvals] (parameters broadcast against each other and the
    shape's end). Same distribution as TF's kernel, not its numbers: see ops/philox_samplers.py."""

    type = "StatelessParameterizedTruncatedNormal"

    def out_dtype(op):
        return op.inputs[2].dtype.base_dtype

    def draw(op, stream, shape, *params):
        params = [p.astype(np.float64) for p in np.broadcast_arrays(*params)]
        return samplers.truncated_normal(*stream, *params, _per_param(op, shape, params[0]))


class StatelessMultinomial(OpDef):
    """StatelessMultinomial(logits [batch, classes], num_samples, seed): class indices per row."""

    type = "StatelessMultinomial"
    host_kernel = True
    gradient = not_differentiable

    def infer(op):
        logits, num, seed = op.inputs
        s = static_shape(logits)
        if s is not None and len(s) != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {len(s)} for '{op.name}' (logits {logits.shape})")
        _check_seed(op, seed)
        v = get_static_value(num)
        return [((None if s is None else s[0], None if v is None else int(v)), op.attrs["output_dtype"])]

    def kernel(op, ctx):
        dt = op.attrs["output_dtype"].np

        def sample(logits, num, seed):
            seed = np.asarray(seed).reshape(-1)
            k, c = draws.seed_key_counter(int(seed[0]), int(seed[1]))
            return draws.categorical(k, c, np.asarray(logits), int(num)).astype(dt)
        return sample
