"""Two-dimensional toy problems in the style of the TensorFlow Playground, plus the lecture's triangle.

Every set lives roughly in the square [-1, 1]^2 so that the same learning rates work for all of them.
Labels come from the clean generator; `noise` then jitters the features with gaussian noise whose
standard deviation is `noise * NOISE_SCALE[name]`, so noise=0 is cleanly separable and noise=0.5 is
hard but learnable, much like the Playground's noise slider.
"""

from __future__ import annotations

import numpy as np

from .digits import Dataset, check_fraction, make_dataset

# Vertices of the triangle problem: every edge cuts the square, so all three half-planes (three hidden
# sigmoid units) are needed, and about a third of the square is inside.
TRIANGLE = np.array([[-0.9, -0.7], [0.9, -0.7], [0.0, 0.9]])

# Feature scale each set's noise is measured in: the gap between the classes differs per set.
NOISE_SCALE = {"circle": 0.5, "xor": 0.5, "gaussians": 0.5, "spiral": 0.2, "triangle": 0.5}


def _split_counts(n: int) -> tuple[int, int]:
    return n // 2, n - n // 2


def _circle(n: int, rng: np.random.Generator):
    """Class 1: a disc of radius 0.5; class 0: a ring between radii 0.7 and 1 around it."""
    n0, n1 = _split_counts(n)
    r = np.concatenate([rng.uniform(0.7, 1.0, n0), rng.uniform(0.0, 0.5, n1)])
    angle = rng.uniform(0.0, 2 * np.pi, n)
    y = np.repeat([0, 1], [n0, n1])
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1), y


def _xor(n: int, rng: np.random.Generator):
    """Label 1 where x1 * x2 > 0; points keep 0.05 away from the axes so the clean set has a margin."""
    x = rng.uniform(0.05, 1.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    return x, (x[:, 0] * x[:, 1] > 0).astype(np.int64)


def _gaussians(n: int, rng: np.random.Generator):
    """Two isotropic blobs (std 0.15) centred at (-0.5, -0.5) for class 0 and (0.5, 0.5) for class 1."""
    n0, n1 = _split_counts(n)
    y = np.repeat([0, 1], [n0, n1])
    centres = np.where(y[:, None] == 1, 0.5, -0.5)
    return centres + rng.normal(0.0, 0.15, (n, 2)), y


def _spiral(n: int, rng: np.random.Generator):
    """Two interleaved arms of 1.75 turns each, the second rotated by pi; radius grows to 1."""
    n0, n1 = _split_counts(n)
    r = np.concatenate([np.linspace(0.05, 1.0, n0), np.linspace(0.05, 1.0, n1)])
    y = np.repeat([0, 1], [n0, n1])
    t = 1.75 * 2 * np.pi * r + np.pi * y
    return np.stack([r * np.sin(t), r * np.cos(t)], axis=1), y


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def inside_triangle(x: np.ndarray, vertices: np.ndarray = TRIANGLE) -> np.ndarray:
    """True for points on the inner side of all three edges: an AND of three half-planes."""
    inside = np.ones(len(x), dtype=bool)
    for i in range(3):
        a, b, c = vertices[i], vertices[(i + 1) % 3], vertices[(i + 2) % 3]
        # x is on the inner side of edge a->b when it lies on the same side as the opposite vertex c.
        inside &= _cross(b - a, x - a) * _cross(b - a, c - a) > 0
    return inside


def _triangle(n: int, rng: np.random.Generator):
    """Uniform points in [-1, 1]^2, label 1 inside TRIANGLE: linear models fail, 3 hidden units suffice."""
    x = rng.uniform(-1.0, 1.0, (n, 2))
    return x, inside_triangle(x).astype(np.int64)


_GENERATORS = {
    "circle": _circle, "xor": _xor, "gaussians": _gaussians, "spiral": _spiral, "triangle": _triangle,
}
PLAYGROUND_SETS = tuple(_GENERATORS)


def playground(name: str, n: int = 500, noise: float = 0.0, seed: int = 0,
               test_fraction: float = 0.25) -> Dataset:
    """Generate `n` points of one 2-D problem (see PLAYGROUND_SETS), split stratified into train/test."""
    if name not in _GENERATORS:
        raise ValueError(f"unknown playground set {name!r}; valid names: {', '.join(PLAYGROUND_SETS)}")
    if not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    check_fraction(test_fraction)
    rng = np.random.default_rng(seed)
    x, y = _GENERATORS[name](n, rng)
    if noise > 0:
        x = x + rng.normal(0.0, noise * NOISE_SCALE[name], x.shape)
    return make_dataset(x, y, 2, name, test_fraction, rng)
