"""Fake quantization (ops/fake_quant_ops.py) bit for bit: the conformance test compares floats with a tolerance,
so here graphgrad's outputs must equal TF's recorded float32 values exactly (tf1_reference's fake_quant), and the
vars gradients agree with their straight-through definition on random inputs."""
import json
import os

import numpy as np

import graphgrad as tf

REFERENCE = os.path.join(os.path.dirname(__file__), "tf1_reference.json")


def _values(obs):
    return np.asarray(obs["value"], dtype=obs["dtype"])


def test_outputs_equal_tensorflow_bit_for_bit():
    ref = json.load(open(REFERENCE))["fake_quant"]
    q = tf.quantization
    rng = np.random.RandomState(5)  # the recorded program's inputs
    xs = np.concatenate([rng.uniform(-8, 8, 300), rng.uniform(-0.2, 1.5, 200), [-6, 6, 0, -0.5, 2]]).astype("f")
    ranges = [(-6, 6, 8, False), (-0.1, 1.2, 4, True), (0.3, 1.7, 8, False), (-2.5, -0.5, 3, False),
              (-1.0, 1.0, 16, True), (-0.333, 5.1, 7, True)]
    xc = rng.uniform(-3, 5, (40, 3)).astype("f")
    with tf.Session() as s:
        for got, want in zip(s.run([q.fake_quant_with_min_max_args(xs, lo, hi, b, n) for lo, hi, b, n in ranges]),
                             ref["args"]):
            assert np.array_equal(got, _values(want))
        narrow = s.run(q.fake_quant_with_min_max_vars(xs, -3.0, 0.7, num_bits=5, narrow_range=True))
        assert np.array_equal(narrow, _values(ref["vars_narrow"]))
        per_channel = s.run(q.fake_quant_with_min_max_vars_per_channel(xc, [-0.5, 0.0, -1.0], [1.0, 0.4, 4.0], 6))
        assert np.array_equal(per_channel, _values(ref["per_channel"][1]))


def test_vars_gradients_route_outside_values_to_the_bounds():
    from graphgrad.ops.fake_quant_ops import nudge

    rng = np.random.RandomState(0)
    xv = rng.uniform(-3, 3, (5, 4)).astype("f")
    lov, hiv = np.array([-1.0, -0.5, 0.0, -2.0], "f"), np.array([1.0, 0.5, 2.0, 0.25], "f")
    dy = rng.uniform(-1, 1, (5, 4)).astype("f")
    x, lo, hi = tf.constant(xv), tf.constant(lov), tf.constant(hiv)
    y = tf.quantization.fake_quant_with_min_max_vars_per_channel(x, lo, hi, num_bits=8)
    gx, glo, ghi = tf.gradients(y, [x, lo, hi], grad_ys=dy)
    with tf.Session() as s:
        gx, glo, ghi, out = s.run([gx, glo, ghi, y])
    nmin, nmax, scale = nudge(lov, hiv, 8, False)
    below, above = xv < nmin, xv > nmax
    assert below.any() and above.any()
    np.testing.assert_array_equal(gx, np.where(below | above, 0, dy))
    np.testing.assert_allclose(glo, np.where(below, dy, 0).sum(0), rtol=1e-6)
    np.testing.assert_allclose(ghi, np.where(above, dy, 0).sum(0), rtol=1e-6)
    assert np.all(np.abs(out - np.clip(xv, nmin, nmax)) <= scale / 2 + 1e-6)  # each output is its nearest level
