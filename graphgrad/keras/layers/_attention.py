"""Keras' attention layers: Attention (dot-product, Luong), AdditiveAttention (Bahdanau) and MultiHeadAttention
with Keras 2's weights (`query/kernel` [dim, heads, key_dim], ..., `attention_output/kernel`
[heads, value_dim, dim]), masks (`mask=[query_mask, value_mask]`, `attention_mask`, `use_causal_mask`, the
inputs' Keras masks) and dropout
on the attention weights while training."""
from __future__ import annotations

import math

from ...framework import dtypes
from ...framework.op_def import static_shape
from ...framework.tensor_shape import TensorShape
from ...layers.core import _dropout_switch, training_tensor
from ...ops import array_ops, math_ops
from ...ops.core import ones_like
from ...ops.dropout_ops import dropout as _dropout
from ...ops.init_ops import ones_initializer
from ...ops.linalg_ops import einsum
from ...ops.matmul_ops import matmul
from ...ops.matrix_diag_ops import matrix_band_part
from ...ops.softmax_ops import softmax
from ...ops.unary_ops import tanh
from ._base import Layer, _initializer, _weight_arguments


def _causal(scores):
    """[1, Tq, Tv] true on and below the diagonal, for scores [batch, Tq, Tv]."""
    return array_ops.expand_dims(math_ops.cast(matrix_band_part(ones_like(scores[0]), -1, 0), dtypes.bool_), 0)


def _drop(layer, weights, training):
    """Dropout of the attention weights at `layer.dropout` while training."""
    if not layer.dropout:
        return weights
    phase = layer._phase(training)
    switch = training_tensor(phase)
    if switch is not None:
        return _dropout_switch(weights, layer.dropout, None, None, switch)
    return _dropout(weights, rate=layer.dropout) if phase else weights


def _masked_softmax(scores, mask):
    if mask is not None:
        scores = scores - 1.0e9 * (1.0 - math_ops.cast(mask, scores.dtype.base_dtype))
    return softmax(scores)


class _DenseAttention(Layer):
    """What Attention and AdditiveAttention share: the masks, the softmax, dropout and the weighted sum."""

    supports_masking = True

    def __init__(self, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.dropout = dropout

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or [query, "
                             f"value, key]. Received: {inputs}.")
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask, v_mask = (mask[0], mask[1]) if mask else (None, None)
        scores = self._calculate_scores(q, k)
        scores_mask = None if v_mask is None else array_ops.expand_dims(v_mask, -2)
        if use_causal_mask:
            causal = _causal(scores)
            scores_mask = causal if scores_mask is None else math_ops.logical_and(scores_mask, causal)
        weights = _masked_softmax(scores, scores_mask)
        result = matmul(_drop(self, weights, training), v)
        if q_mask is not None:
            result = result * math_ops.cast(array_ops.expand_dims(q_mask, -1), result.dtype.base_dtype)
        return [result, weights] if return_attention_scores else result

    def compute_mask(self, inputs, mask=None):
        """The query's mask (the output has one row per query step)."""
        return mask[0] if mask else None


class Attention(_DenseAttention):
    """Dot-product attention: scores query·keyᵀ (times a learned `scale` with `use_scale`), or with
    `score_mode="concat"` the sum of tanh(query + key)."""

    def __init__(self, use_scale=False, score_mode="dot", **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. "
                             f"Received: score_mode={score_mode}")
        self.use_scale, self.score_mode = use_scale, score_mode

    def build(self, input_shape):
        self.scale = self.add_variable("scale", [], initializer=ones_initializer()) if self.use_scale else None
        self.concat_score_weight = (self.add_variable("concat_score_weight", [], initializer=ones_initializer())
                                    if self.score_mode == "concat" else None)
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = matmul(query, key, transpose_b=True)
            return scores if self.scale is None else scores * self.scale
        total = array_ops.expand_dims(query, -2) + array_ops.expand_dims(key, -3)
        if self.scale is not None:
            total = self.scale * total
        return self.concat_score_weight * math_ops.reduce_sum(tanh(total), axis=-1)


class AdditiveAttention(_DenseAttention):
    """Bahdanau-style attention: scores sum(scale · tanh(query + key)) over the features, `scale` learned."""

    def __init__(self, use_scale=True, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale

    def build(self, input_shape):
        dim = input_shape[1].as_list()[-1]
        self.scale = (self.add_variable("scale", [dim], initializer=_initializer("glorot_uniform"))
                      if self.use_scale else None)
        self.built = True

    def _calculate_scores(self, query, key):
        t = tanh(array_ops.expand_dims(query, -2) + array_ops.expand_dims(key, -3))
        return math_ops.reduce_sum(t if self.scale is None else self.scale * t, axis=-1)


class MultiHeadAttention(Layer):
    """Keras 2's multi-head attention over [batch, T, dim] inputs: per-head projections of query, key and value
    (einsum kernels [dim, heads, key_dim]), softmax(q·kᵀ / sqrt(key_dim)) over the value positions, and an output
    projection back to the query's width (or `output_shape`)."""

    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if attention_axes is not None:
            raise NotImplementedError("MultiHeadAttention(attention_axes=...) is not supported: it attends over "
                                      "axis 1 of [batch, T, dim] inputs")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias, self.output_shape_arg = dropout, use_bias, output_shape
        _weight_arguments(self, locals())
        self._projections = None

    def build(self, input_shape):
        self.built = True  # the weights are made on the first call, from the query, value and key shapes

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = TensorShape(query_shape).as_list()
        out = self.output_shape_arg
        return TensorShape([*query_shape[:-1], query_shape[-1] if out is None else
                            (out if isinstance(out, int) else int(out[-1]))])

    def _dense(self, name, kernel_shape, bias_shape):
        from ...variables import variable_scope

        with variable_scope(name):
            kernel = self.add_variable("kernel", kernel_shape, initializer=self.kernel_initializer,
                                       regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
            bias = (self.add_variable("bias", bias_shape, initializer=self.bias_initializer,
                                      regularizer=self.bias_regularizer, constraint=self.bias_constraint)
                    if self.use_bias else None)
        return kernel, bias

    def _build_from(self, query, value, key):
        h, kd, vd = self.num_heads, self.key_dim, self.value_dim
        out = self.output_shape_arg
        out = static_shape(query)[-1] if out is None else (out if isinstance(out, int) else int(out[-1]))
        self._projections = {
            "query": self._dense("query", [static_shape(query)[-1], h, kd], [h, kd]),
            "key": self._dense("key", [static_shape(key)[-1], h, kd], [h, kd]),
            "value": self._dense("value", [static_shape(value)[-1], h, vd], [h, vd]),
            "attention_output": self._dense("attention_output", [h, vd, out], [out])}

    def _project(self, name, x, equation):
        kernel, bias = self._projections[name]
        y = einsum(equation, x, kernel)
        return y if bias is None else y + bias

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        if self._projections is None:
            self._build_from(query, value, key)
        q = self._project("query", query, "abc,cde->abde") * (1.0 / math.sqrt(float(self.key_dim)))
        k = self._project("key", key, "abc,cde->abde")
        v = self._project("value", value, "abc,cde->abde")
        scores = einsum("aecd,abcd->acbe", k, q)  # [batch, heads, Tq, Tv]
        mask = None if attention_mask is None else math_ops.cast(attention_mask, dtypes.bool_)
        for t, axis in ((query, -1), (value, -2), (None if key is value else key, -2)):
            m = getattr(t, "_keras_mask", None)  # as Keras 2: query's [B, T, 1], value's and key's [B, 1, S]
            if m is not None:
                m = array_ops.expand_dims(math_ops.cast(m, dtypes.bool_), axis)
                mask = m if mask is None else math_ops.logical_and(mask, m)
        if use_causal_mask:
            causal = _causal(scores[:, 0])
            mask = causal if mask is None else math_ops.logical_and(mask, causal)
        if mask is not None:
            mask = array_ops.expand_dims(mask, -3)
        probs = _masked_softmax(scores, mask)
        out = einsum("acbe,aecd->abcd", _drop(self, probs, training), v)
        out = self._project("attention_output", out, "abcd,cde->abe")
        return [out, probs] if return_attention_scores else out


__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention"]
