"""Keras' DenseFeatures: feature columns as a layer (tf.feature_column.input_layer in the layer's scope, so an
embedding table is `dense_features/<column>_embedding/embedding_weights`), called on a dict of features."""
from __future__ import annotations

from ...feature_column import _checked, _dense_columns
from ...framework.graph import GraphKeys, Tensor, get_default_graph
from ...variables import variable_scope
from .. import backend as K
from ._base import Layer


class DenseFeatures(Layer):
    """The dense `feature_columns` (numeric, bucketized, embedding, indicator, ...) of a dict of features side by
    side, in the columns' name order: [batch, total width]. The dict's tensors (Keras Inputs in a functional model)
    are the call's inputs."""

    def __init__(self, feature_columns, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._feature_columns = _checked(feature_columns)

    def __call__(self, features, cols_to_output_tensors=None, training=None):
        if not isinstance(features, dict):
            raise ValueError("We expected a dictionary here. Instead we got: ", features)
        g = get_default_graph()
        known = set(g.get_collection(GraphKeys.GLOBAL_VARIABLES))
        with g.as_default():
            if self._scope is None:
                with variable_scope(self._given_name, default_name=self._base_name) as scope:
                    self._scope = scope
                    out = _dense_columns(features, self._feature_columns, cols_to_output_tensors)
            else:
                with variable_scope(self._scope, reuse=True):
                    out = _dense_columns(features, self._feature_columns, cols_to_output_tensors)
        for v in g.get_collection(GraphKeys.GLOBAL_VARIABLES):
            if v not in known and v not in self._variables:
                self._variables.append(v)
        self.built = True
        ins = [t for t in features.values() if isinstance(t, Tensor)]
        self._inbound.append((ins, [out]))
        K.history(g)[out] = (self, ins)
        out._keras_mask = None
        return out

    @property
    def feature_columns(self):
        return list(self._feature_columns)


__all__ = ["DenseFeatures"]
