"""graphgrad tf.function: the eager peer's training step (GradientTape + apply_gradients) under tf.function,
traced once into a graph and run as a compiled plan."""

from __future__ import annotations

import graphgrad as tf
from bench.peers import graphgrad_eager_peer as eager

LIBRARY = "graphgrad tf.function"
VERSION = tf.__version__


def make_step(wl, params, data, *, threads: int | None = None, forward_only: bool = False):
    return eager.make_step(wl, params, data, threads=threads, forward_only=forward_only, wrap=tf.function)
