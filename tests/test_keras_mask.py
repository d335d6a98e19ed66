"""Keras masks (graphgrad/keras/layers/_base.py: `_keras_mask`, `compute_mask`, `supports_masking`) and model
structure against values recorded under real tf_keras 2.21 in TF1 graph mode (tools/record_keras_mask_reference.py
→ keras_mask_reference.json): Embedding(mask_zero) and Masking feeding RNNs, Bidirectional, TimeDistributed,
Attention, merges and GlobalAveragePooling1D; the loss and metric over the unmasked steps; and the order of
`Model.layers`, `weights` and `summary()` for a branched model with a shared layer."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from keras_mask_cases import CASES, IDS, compare, run, weights_for

import graphgrad as tf
from graphgrad import keras
from graphgrad.eager import eager_mode

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "keras_mask_reference.json")))["cases"]


@pytest.mark.parametrize("case", CASES)
def test_matches_tf_keras(case):
    with tf.Graph().as_default():
        compare(run(keras, case, keras.backend.get_session()), REFERENCE[case])


def test_eager_sequential_masks_like_graph_mode():
    """The same Sequential run eagerly: the output's mask and the values of the recorded graph-mode case."""
    want = REFERENCE["sequential_embedding_lstm"]
    with eager_mode():
        model, xs, _, _, _ = CASES["sequential_embedding_lstm"](keras)
        out = model(tf.constant(xs[0]))
        for layer, name in zip(model.layers, want["layers"]):
            shapes = [w.shape for w in layer.get_weights()]
            if shapes:
                layer.set_weights(weights_for(name, shapes))
        out = model(tf.constant(IDS))
        np.testing.assert_array_equal(out._keras_mask.numpy(), want["masks"]["output"])
        np.testing.assert_allclose(out.numpy(), want["predict"], rtol=1e-5, atol=1e-6)


def test_layer_without_masking_drops_the_mask_and_compute_mask_checks():
    """Flatten does not support masking: its output has no mask (Keras 2 drops it silently); asking such a layer
    for the mask of a masked input is a TypeError, as in Keras."""
    x = keras.Input((3,), dtype="int32")
    emb = keras.layers.Embedding(5, 2, mask_zero=True)(x)
    flat_layer = keras.layers.Flatten()
    flat = flat_layer(emb)
    assert flat._keras_mask is None and emb._keras_mask is not None
    with pytest.raises(TypeError, match="does not support masking"):
        flat_layer.compute_mask(emb, emb._keras_mask)
    assert keras.layers.Dense(2).compute_mask(emb, emb._keras_mask) is emb._keras_mask
