"""Candidate sampling: the negative classes of `tf.nn.nce_loss` and `tf.nn.sampled_softmax_loss` (word2vec).

`tf.random.uniform_candidate_sampler` and `tf.random.log_uniform_candidate_sampler` (TF1: also under `tf.nn`) draw
`num_sampled` classes from [0, range_max) and say how often each true and each sampled class is expected among the
draws; the losses subtract the log of that from the logits, which makes the sampled loss an estimate of the full
one. The arithmetic is TensorFlow's (core/kernels/range_sampler.cc):

- log-uniform (Zipfian) sampling: `value = floor(exp(u * log(range_max + 1))) - 1` for u uniform in [0, 1), so
  P(k) = log((k + 2) / (k + 1)) / log(range_max + 1): small class ids (frequent words, when the vocabulary is
  sorted by frequency) are drawn more often;
- with `unique=True` draws are repeated until `num_sampled` distinct classes came up, after `tries` draws, and the
  expected count of class k is `1 - (1 - P(k)) ** tries` (as `-expm1(tries * log1p(-P(k)))`); without it, and
  also when the first `num_sampled` draws were already distinct (TF's shortcut, which can give a count above 1),
  `num_sampled * P(k)`.

`all_candidate_sampler` returns every class (counts 1); `fixed_unigram_candidate_sampler` draws in proportion to
given unigram counts (`** distortion`), `learned_unigram_candidate_sampler` in proportion to how often each class
was a true class so far in the session (per-session state in `ctx.resources`, as TF's per-kernel sampler).

The numbers drawn differ from TensorFlow's (its Philox stream); their distribution and every count are the same.
`compute_accidental_hits` finds the sampled classes that are also a row's true class, so the losses can push their
logits down by the largest float32.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .random_ops import _seed_attrs


def _true_classes(op, what="true_classes"):
    s = static_shape(op.inputs[0])
    if s is not None and len(s) != 2:
        raise ValueError(f"Shape must be rank 2 but is rank {len(s)} for '{op.name}' ({what})")
    num_true = op.attrs["num_true"]
    if s is not None and s[1] is not None and s[1] != num_true:
        raise ValueError(f"{what} must have num_true columns, expected: {s[1]} was: {num_true}")
    return s


class _CandidateSampler(OpDef):
    """(sampled_candidates [num_sampled] int64, true_expected_count [batch, num_true] float32,
    sampled_expected_count [num_sampled] float32) from true_classes [batch, num_true] int64."""

    stateful = True
    gradient = not_differentiable

    def infer(op):
        s = _true_classes(op)
        n = op.attrs["num_sampled"]
        return [((n,), dtypes.int64), ((None if s is None else s[0], op.attrs["num_true"]), dtypes.float32),
                ((n,), dtypes.float32)]

    def kernel(op, ctx):
        a, gen, to_host, to_dev = op.attrs, ctx.rng(op), ctx.to_host, ctx.to_device
        dist = op.op_def.distribution(op, ctx)
        n, unique, num_true = a["num_sampled"], a["unique"], a["num_true"]

        def sample(true_classes):
            t = np.asarray(to_host(true_classes))
            if t.ndim != 2 or t.shape[1] != num_true:
                raise InvalidArgumentError(op.node_def, op, f"true_classes must be a matrix with num_true columns, "
                                                            f"got shape {list(t.shape)} (num_true = {num_true})")
            dist.check(t)
            if unique and n > dist.range:
                raise InvalidArgumentError(op.node_def, op, "Sampler's range is too small.")
            if unique:
                sampled, tries = _unique_draws(gen, dist.draw, n)
            else:
                sampled, tries = dist.draw(gen, n), n
            out = (to_dev(sampled), to_dev(_expected(dist.probability(t), n, tries)),
                   to_dev(_expected(dist.probability(sampled), n, tries)))
            dist.update(t)
            return out
        return sample

    def distribution(op, ctx):
        return _Formula(op.op_def, op.attrs["range_max"])


class _Formula:
    """A fixed distribution over [0, range) given by its op's `draw(gen, n, range)` and `probability(k, range)`."""

    def __init__(self, op_def, range_max):
        self.op_def, self.range = op_def, range_max

    def draw(self, gen, n):
        return self.op_def.draw(gen, n, self.range)

    def probability(self, k):
        return self.op_def.probability(k, self.range)

    def check(self, true_classes):
        pass

    def update(self, true_classes):
        pass


class _Weighted(_Formula):
    """P(k) = weights[k] / sum(weights) over [0, len(weights)); true classes must lie in that range (TF's
    unigram samplers index their table with them)."""

    def __init__(self, op, weights):
        self.op, self.weights = op, np.asarray(weights, np.float64)
        self.range = len(self.weights)

    def draw(self, gen, n):
        return gen.choice(self.range, n, p=self.weights / self.weights.sum()).astype(np.int64)

    def probability(self, k):
        k = np.asarray(k, np.int64)
        p = np.float32(self.weights[k]) / np.float32(self.weights.sum())  # float, as range_sampler.cc
        return p.astype(np.float64)

    def check(self, t):
        bad = t[(t < 0) | (t >= self.range)]
        if bad.size:
            raise InvalidArgumentError(self.op.node_def, self.op, f"`true_candidate` out of range [0, {self.range}), "
                                                                  f"received {bad[0]}")


def _unique_draws(gen, draw, n):
    """`n` distinct classes in the order they first came up, and how many draws that took."""
    seen, out, tries = set(), [], 0
    while len(out) < n:
        batch = draw(gen, max(2 * (n - len(out)), 16))
        for i, v in enumerate(batch.tolist()):
            if v not in seen:
                seen.add(v)
                out.append(v)
                if len(out) == n:
                    tries += i + 1
                    break
        else:
            tries += len(batch)
    return np.asarray(out, np.int64), tries


def _expected(p, n, tries):
    """Expected count of classes of probability `p` among the draws (range_sampler.cc's ExpectedCountHelper)."""
    p = np.asarray(p, np.float64)
    if tries == n:
        return (p * n).astype(np.float32)
    return (-np.expm1(tries * np.log1p(-p))).astype(np.float32)


class UniformCandidateSampler(_CandidateSampler):
    type = "UniformCandidateSampler"

    def draw(gen, n, range_max):
        return gen.integers(0, range_max, n, dtype=np.int64)

    def probability(k, range_max):
        return np.full(np.shape(k), 1.0 / range_max)


class LogUniformCandidateSampler(_CandidateSampler):
    type = "LogUniformCandidateSampler"

    def draw(gen, n, range_max):
        value = np.exp(gen.random(n) * np.log1p(range_max)).astype(np.int64) - 1
        return value % range_max  # exp's rounding may reach range_max, as TF notes

    def probability(k, range_max):
        k = np.asarray(k, np.float64)
        return np.log((k + 2.0) / (k + 1.0)) / np.log1p(range_max)


class AllCandidateSampler(_CandidateSampler):
    """Every class once, in order: sampled = [0, num_sampled), each expected count 1 (TF's AllSampler)."""

    type = "AllCandidateSampler"

    def distribution(op, ctx):
        return _Formula(op.op_def, op.attrs["num_sampled"])

    def draw(gen, n, range_max):
        return np.arange(n, dtype=np.int64) % range_max

    def probability(k, range_max):
        return np.full(np.shape(k), 1.0 / range_max)


class FixedUnigramCandidateSampler(_CandidateSampler):
    """Classes drawn with probability proportional to `unigram ** distortion`, from `unigrams` or the last
    comma-separated column of each line of `vocab_file`, after `num_reserved_ids` classes of weight 0. With
    `num_shards`, shard `shard` keeps the ids `id % num_shards == shard` and numbers them from 0 (TF's
    FixedUnigramSampler, quirk included: the unigrams' ids start at the number of reserved ids the shard kept)."""

    type = "FixedUnigramCandidateSampler"

    def distribution(op, ctx):
        a = op.attrs
        num_shards, shard = a["num_shards"], a["shard"]

        def fail(msg):
            raise InvalidArgumentError(op.node_def, op, msg)
        if (not a["unigrams"]) == (not a["vocab_file"]):
            fail("Must provide either unigrams or vocab_file.")
        if num_shards < 1 or not 0 <= shard < num_shards:
            fail(f"shard must be in [0, num_shards), got shard {shard} of {num_shards}")
        weights = [0.0 for i in range(a["num_reserved_ids"]) if i % num_shards == shard]
        if a["unigrams"]:
            unigrams = list(a["unigrams"])
        else:
            with open(a["vocab_file"]) as f:
                lines = [line.rstrip("\n") for line in f]
            unigrams = []
            for line in lines:
                try:
                    unigrams.append(float(line.split(",")[-1]))
                except ValueError:
                    fail(f"Wrong vocabulary format at line: {line}")
        first = len(weights)
        weights += [float(w) ** a["distortion"] for i, w in enumerate(unigrams, first) if i % num_shards == shard]
        if len(weights) != a["range_max"]:
            fail(f"range is {a['range_max']} must be equal to weights size  {len(weights)}")
        return _Weighted(op, weights)


class LearnedUnigramCandidateSampler(_CandidateSampler):
    """Classes drawn in proportion to how often each was a true class so far in this session, each starting at
    one (TF's UnigramSampler): a run's counts are those before its own true classes are added."""

    type = "LearnedUnigramCandidateSampler"

    def distribution(op, ctx):
        key = (op, "unigram_counts")
        dist = ctx.resources.get(key)
        if dist is None:
            dist = ctx.resources[key] = _Learned(op, np.ones(op.attrs["range_max"], np.int64))
        return dist


class _Learned(_Weighted):
    def update(self, t):
        room = int(np.iinfo(np.int32).max - self.weights.sum())
        np.add.at(self.weights, t.reshape(-1)[:max(room, 0)], 1)


def _sampler(op_def, default, true_classes, num_true, num_sampled, unique, range_max, seed, name, range_attr=True,
             **extra):
    with name_scope(name, default, [true_classes]) as scope:
        t = convert_to_tensor(true_classes, dtypes.int64, name="true_classes")
        if num_sampled < 1 or range_max < 1 or num_true < 1:
            raise ValueError(f"num_sampled, range_max and num_true must be positive, got {num_sampled}, "
                             f"{range_max}, {num_true}")
        attrs = {"num_true": int(num_true), "num_sampled": int(num_sampled), "unique": bool(unique),
                 **({"range_max": int(range_max)} if range_attr else {}), **extra, **_seed_attrs(seed)}
        return tuple(apply_op(op_def, [t], attrs, scope))


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """`num_sampled` classes drawn uniformly from [0, range_max) (distinct ones with `unique`), and the expected
    counts of the true and sampled classes: (sampled_candidates, true_expected_count, sampled_expected_count)."""
    return _sampler(UniformCandidateSampler, "UniformCandidateSampler", true_classes, num_true, num_sampled, unique,
                    range_max, seed, name)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """As `uniform_candidate_sampler`, drawn from the log-uniform (Zipfian) distribution
    P(k) = log((k + 2) / (k + 1)) / log(range_max + 1)."""
    return _sampler(LogUniformCandidateSampler, "LogUniformCandidateSampler", true_classes, num_true, num_sampled,
                    unique, range_max, seed, name)


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """All `num_sampled` classes, [0, num_sampled), each with expected count 1: the full softmax through the
    sampled losses' code path (for testing them)."""
    return _sampler(AllCandidateSampler, "AllCandidateSampler", true_classes, num_true, num_sampled, unique,
                    num_sampled, seed, name, range_attr=False)


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, vocab_file="",
                                    distortion=1.0, num_reserved_ids=0, num_shards=1, shard=0, unigrams=(),
                                    seed=None, name=None):
    """As `uniform_candidate_sampler`, drawn in proportion to `unigram ** distortion` (unigrams given, or read
    from `vocab_file`, one `word,count` line per class)."""
    extra = {"vocab_file": str(vocab_file), "distortion": float(distortion), "num_reserved_ids": int(num_reserved_ids),
             "num_shards": int(num_shards), "shard": int(shard), "unigrams": [float(u) for u in unigrams]}
    return _sampler(FixedUnigramCandidateSampler, "FixedUnigramCandidateSampler", true_classes, num_true,
                    num_sampled, unique, range_max, seed, name, **extra)


def learned_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None):
    """As `uniform_candidate_sampler`, drawn in proportion to 1 + how often each class was a true class in the
    session's earlier runs of this op."""
    return _sampler(LearnedUnigramCandidateSampler, "LearnedUnigramCandidateSampler", true_classes, num_true,
                    num_sampled, unique, range_max, seed, name)


class ComputeAccidentalHits(OpDef):
    """(indices int32, ids int64, weights float32): for each row i of true_classes and each of its true classes
    that was sampled, i, the class's position j in sampled_candidates (its last, if drawn twice) and -FLT_MAX;
    rows in order, a row's true classes in order (TF's kernel)."""

    type = "ComputeAccidentalHits"
    gradient = not_differentiable

    def infer(op):
        _true_classes(op)
        return [((None,), dtypes.int32), ((None,), dtypes.int64), ((None,), dtypes.float32)]

    def kernel(op, ctx):
        to_host, to_dev, num_true = ctx.to_host, ctx.to_device, op.attrs["num_true"]

        def hits(true_classes, sampled):
            t, s = np.asarray(to_host(true_classes)), np.asarray(to_host(sampled))
            if t.ndim != 2 or t.shape[1] != num_true:
                raise InvalidArgumentError(op.node_def, op, f"true_classes must be a matrix with num_true columns, "
                                                            f"got shape {list(t.shape)} (num_true = {num_true})")
            pos = {v: j for j, v in enumerate(s.tolist())}  # a class sampled twice: its last position, as TF
            found = [(i, pos[v]) for i, row in enumerate(t.tolist()) for v in row if v in pos]
            rows, cols = (np.asarray(c, np.int64) for c in zip(*found)) if found else (np.zeros(0, np.int64),) * 2
            weights = np.full(len(rows), -np.finfo(np.float32).max, np.float32)
            return to_dev(rows.astype(np.int32)), to_dev(cols.astype(np.int64)), to_dev(weights)
        return hits


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """Where a sampled class is one of its row's true classes: (indices, ids, weights), weights -FLT_MAX, for
    adding to the sampled logits so an accidental hit counts for nothing."""
    del seed  # TF's signature has it; the op draws nothing
    with name_scope(name, "ComputeAccidentalHits", [true_classes, sampled_candidates]) as scope:
        t = convert_to_tensor(true_classes, dtypes.int64, name="true_classes")
        s = convert_to_tensor(sampled_candidates, dtypes.int64, name="sampled_candidates")
        return tuple(apply_op(ComputeAccidentalHits, [t, s], {"num_true": int(num_true)}, scope))


__all__ = ["uniform_candidate_sampler", "log_uniform_candidate_sampler", "all_candidate_sampler",
           "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler", "compute_accidental_hits"]
