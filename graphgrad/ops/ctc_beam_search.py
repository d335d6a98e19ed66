"""TensorFlow's CTC beam search (core/util/ctc/ctc_beam_search.h with its default scorer), step for step.

Each beam entry is a node of a prefix tree holding P(prefix ending in a blank), P(ending in its last label) and
their sum, at the previous frame (`old_*`) and at this one (`new_*`). A step moves every leaf one frame on
(Graves' recursion: a repeated label continues only from a prefix that ended in a blank), then grows children of
the leaves in order of their old probability, class by class, each child entering the beam only if it beats the
beam's current bottom, which it evicts. The beam is TF's gtl::TopN with libstdc++'s heap algorithms, so which
entry is the "bottom" and the order of ties follow TF; an entry evicted mid-step loses its probability, as in TF.

Probabilities are log-softmax values computed per frame as TF does (max + log sum exp, in double here where TF
uses the input's float type; the results agree to float rounding). It runs on the host: the search is a loop over
a few hundred Python objects per frame, with each parent's candidate classes picked by one NumPy comparison.
"""
from __future__ import annotations

import math

import numpy as np

from .stl_order import make_heap, pop_heap, push_heap

NEG_INF = -math.inf

__all__ = ["beam_search", "TopN"]


def log_add(a, b):
    """TF's LogSumExp of two log probabilities."""
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a)) if a > b else b + math.log1p(math.exp(a - b))


class Entry:
    __slots__ = ("parent", "label", "children", "old_total", "old_blank", "old_label",
                 "new_total", "new_blank", "new_label")

    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, {}
        self.old_total = self.old_blank = self.old_label = NEG_INF
        self.new_total = self.new_blank = self.new_label = NEG_INF

    def reset_old(self):
        self.old_total = self.old_blank = self.old_label = NEG_INF

    def reset_new(self):
        self.new_total = self.new_blank = self.new_label = NEG_INF

    def labels(self, merge_repeated):
        out, prev, e = [], -1, self
        while e.parent is not None:
            if not merge_repeated or e.label != prev:
                out.append(e.label)
            prev, e = e.label, e.parent
        return out[::-1]


def _greater(a, b):
    return a.new_total > b.new_total


def _push_heap(h, hole, top, value):
    push_heap(h, hole, top, value, _greater)


def _pop_heap(h, last):
    """libstdc++'s __pop_heap(first, last - 1, last - 1) on h[:last]: the front goes to h[last - 1]."""
    pop_heap(h, last, _greater)


def _make_heap(h):
    make_heap(h, _greater)


class TopN:
    """TF's gtl::TopN<Entry*, greater by new_total>: an unordered vector until `limit + 1` pushes, then a heap
    whose front is the smallest; `peek_bottom` on the unordered vector swaps the smallest to the front."""

    def __init__(self, limit):
        self.limit, self.items, self.state = limit, [], "unordered"

    def size(self):
        return min(len(self.items), self.limit)

    def push(self, v):
        h = self.items
        if self.state != "heap":
            h.append(v)
            if self.state == "bottom" and not _greater(h[-1], h[0]):
                h[0], h[-1] = h[-1], h[0]
            if len(h) == self.limit + 1:
                _make_heap(h)
                _pop_heap(h, len(h))
                self.state = "heap"
        elif _greater(v, h[0]):
            h[-1] = v
            _push_heap(h, len(h) - 1, 0, v)
            _pop_heap(h, len(h))

    def peek_bottom(self):
        h = self.items
        if self.state == "unordered":
            low = 0
            for i in range(1, len(h)):
                if _greater(h[low], h[i]):
                    low = i
            h[0], h[low] = h[low], h[0]
            self.state = "bottom"
        return h[0]

    def unsorted(self):
        return self.items[:self.size()]

    def extract(self):
        """The entries, largest first; the TopN is left empty. (libstdc++ sorts an unordered vector of up to 16
        entries by insertion, which is stable as Python's sort is; larger unordered beams may order exact ties
        differently.)"""
        h, self.items, state, self.state = self.items, [], self.state, "unordered"
        if state != "heap":
            return sorted(h, key=lambda e: -e.new_total)
        h.pop()
        for last in range(len(h), 1, -1):
            _pop_heap(h, last)
        return h


def _step(leaves, labels, blank, norm, width):
    """One frame of TF's CTCBeamSearchDecoder::Step: `labels` the log probabilities of the classes but the blank
    (a list), `blank` the blank's logit and `norm` the frame's log-sum-exp."""
    logp = labels
    branches = leaves.extract()
    for b in branches:
        b.old_total, b.old_blank, b.old_label = b.new_total, b.new_blank, b.new_label
    for b in branches:
        p = b.parent
        if p is not None:
            if p.new_total != NEG_INF:
                b.new_label = log_add(b.new_label, p.old_blank if b.label == p.label else p.old_total)
            b.new_label += logp[b.label]
        b.new_blank = b.old_total + blank - norm
        b.new_total = log_add(b.new_blank, b.new_label)
        leaves.push(b)
    for b in branches:
        full = leaves.size() >= width
        if b.old_total == NEG_INF or (full and not b.old_total > leaves.peek_bottom().new_total):
            continue
        # A child can only enter above the current bottom, which only rises: classes below it now are not tried,
        # only, in order, the children they name are reset if inactive, as TF resets every child it did not take.
        if full:
            old, bottom = b.old_total, leaves.peek_bottom().new_total
            near = [i for i, v in enumerate(labels) if v + old > bottom]
            order = sorted(set(near).union(b.children)) if b.children else near
            near = set(near)
        else:
            order = near = range(len(labels))
        for label in order:
            c = b.children.get(label)
            if c is None:
                c = b.children[label] = Entry(b, label)
            elif c.new_total != NEG_INF:
                continue
            if label not in near:
                c.reset_old()
                continue
            total = labels[label] + (b.old_blank if label == b.label else b.old_total)
            if total > NEG_INF and (leaves.size() < width or total > leaves.peek_bottom().new_total):
                if leaves.size() == width:
                    leaves.peek_bottom().reset_new()
                c.new_blank, c.new_label, c.new_total = NEG_INF, total, total
                leaves.push(c)
            else:
                c.reset_old()

def beam_search(logits, width, paths, merge_repeated):
    """[(labels, log probability)] of the `paths` best beams after the frames `logits` [time, num_classes]."""
    if paths > width:
        raise ValueError("requested more paths than the beam width.")
    root = Entry(None, -1)
    root.new_total = root.new_blank = 0.0
    leaves = TopN(width)
    leaves.push(root)
    if len(logits):
        top = logits.max(axis=1, keepdims=True)
        norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
        labels = (logits[:, :-1] - norm[:, None]).tolist()
        for t, (blank, n) in enumerate(zip(logits[:, -1].tolist(), norm.tolist())):
            _step(leaves, labels[t], blank, n, width)
    if paths > leaves.size():
        raise ValueError("Less leaves in the beam search than requested.")
    best = TopN(paths)
    for e in leaves.unsorted():
        best.push(e)
    return [(e.labels(merge_repeated), e.new_total) for e in best.extract()[:paths]]
