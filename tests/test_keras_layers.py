"""Keras 2's layers (graphgrad/keras/layers/) against values recorded under real tf.keras
(tools/record_keras_layers_reference.py -> keras_layers_reference.json): weights' names and shapes, output shapes,
outputs and gradients in graph and eager mode; configs that rebuild the layer; the training flag."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from keras_layers_cases import CASES, build, inputs_for, loss_weights, weights_for

import graphgrad as tf
from graphgrad import keras
from graphgrad.eager import eager_mode

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "keras_layers_reference.json")))["cases"]


def _check(case, outs, grads):
    ref = REFERENCE[case]
    assert len(outs) == len(ref["outputs"])
    for got, want in zip(outs, ref["outputs"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert len(grads) == len(ref["grads"])
    for got, want in zip(grads, ref["grads"]):
        np.testing.assert_allclose(np.zeros(np.shape(want)) if got is None else got, want, rtol=1e-4, atol=1e-5)


def _call(layer, xs):
    out = layer(xs if len(xs) > 1 else xs[0])
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize("case", sorted(CASES))
def test_graph_mode_matches_tf_keras(case):
    ref = REFERENCE[case]
    xs = [tf.constant(v) for v in inputs_for(case)]
    layer = build(keras, case)
    outs = _call(layer, xs)
    assert [w.shape.as_list() for w in layer.weights] == ref["weight_shapes"]
    assert [w.name.split("/", 1)[1] for w in layer.weights] == ref["weight_names"]
    loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outs, loss_weights(outs))])
    grads = tf.gradients(loss, xs + layer.weights)
    s = keras.backend.get_session()
    layer.set_weights(weights_for(case, ref["weight_shapes"]))
    _check(case, s.run(outs), [None if g is None else s.run(g) for g in grads])
    in_shapes = [(None, *np.shape(v)[1:]) for v in inputs_for(case)]
    shape = layer.compute_output_shape(in_shapes if len(xs) > 1 else in_shapes[0])
    assert (shape.as_list() if not isinstance(shape, list) else [s.as_list() for s in shape]) == ref["output_shape"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_eager_mode_matches_tf_keras(case):
    with eager_mode():
        xs = [tf.constant(v) for v in inputs_for(case)]
        layer = build(keras, case)
        _call(layer, xs)
        layer.set_weights(weights_for(case, REFERENCE[case]["weight_shapes"]))
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            outs = _call(layer, xs)
            loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outs, loss_weights(outs))])
        grads = tape.gradient(loss, xs + layer.weights)
        _check(case, [o.numpy() for o in outs], [None if g is None else g.numpy() for g in grads])


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_rebuilds_the_layer(case):
    xs = [tf.constant(v) for v in inputs_for(case)]
    layer = build(keras, case)
    outs = _call(layer, xs)
    config = layer.get_config()
    copy = type(layer).from_config(dict(config, name=f"{config['name']}_copy"))
    assert copy.get_config() == dict(config, name=copy.name)
    copied = _call(copy, xs)
    weights = weights_for(case, REFERENCE[case]["weight_shapes"])
    layer.set_weights(weights)
    copy.set_weights(weights)
    s = keras.backend.get_session()
    for a, b in zip(s.run(outs), s.run(copied)):
        np.testing.assert_array_equal(a, b)
