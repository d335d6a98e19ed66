"""Small programs of one Keras layer each, written once against the Keras API: run under real TensorFlow's
tf.keras (Keras 2, `TF_USE_LEGACY_KERAS=1`) by tools/record_keras_layers_reference.py, which writes
tests/keras_layers_reference.json, and under graphgrad by tests/test_keras_layers.py. Inputs and weights get
deterministic values from the case's name."""
import numpy as np

#: name -> (layer class, constructor arguments, input shapes (one per input), input kind)
CASES = {
    "global_avg_pool1d": ("GlobalAveragePooling1D", {}, [(2, 5, 3)]),
    "global_max_pool1d_first": ("GlobalMaxPooling1D", {"data_format": "channels_first"}, [(2, 3, 5)]),
    "global_max_pool2d": ("GlobalMaxPooling2D", {}, [(2, 4, 5, 3)]),
    "global_avg_pool2d_keepdims": ("GlobalAveragePooling2D", {"keepdims": True}, [(2, 4, 5, 3)]),
    "global_avg_pool3d": ("GlobalAveragePooling3D", {}, [(2, 3, 4, 2, 3)]),
    "global_max_pool3d": ("GlobalMaxPooling3D", {}, [(2, 3, 4, 2, 3)]),
    "leaky_relu": ("LeakyReLU", {"alpha": 0.2}, [(2, 6)]),
    "prelu_shared": ("PReLU", {"shared_axes": [1, 2]}, [(2, 3, 4, 2)]),
    "elu_alpha": ("ELU", {"alpha": 0.5}, [(2, 6)]),
    "relu_capped_sloped": ("ReLU", {"max_value": 0.5, "negative_slope": 0.1, "threshold": 0.2}, [(2, 6)]),
    "relu6": ("ReLU", {"max_value": 6.0}, [(2, 6)]),
    "softmax_axis1": ("Softmax", {"axis": 1}, [(2, 4, 3)]),
    "thresholded_relu": ("ThresholdedReLU", {"theta": 0.3}, [(2, 6)]),
    "layer_norm": ("LayerNormalization", {}, [(2, 3, 4)]),
    "layer_norm_two_axes": ("LayerNormalization", {"axis": [1, 2], "epsilon": 0.01}, [(2, 3, 4)]),
    "conv1d_transpose": ("Conv1DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, [(2, 5, 2)]),
    "conv2d_transpose_same": ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
                              [(2, 4, 4, 2)]),
    "conv2d_transpose_output_padding": ("Conv2DTranspose", {"filters": 2, "kernel_size": (3, 2), "strides": (2, 3),
                                                            "output_padding": (1, 2), "activation": "relu"},
                                        [(2, 3, 3, 2)]),
    "conv3d": ("Conv3D", {"filters": 2, "kernel_size": 2, "padding": "same"}, [(2, 3, 4, 3, 2)]),
    "conv3d_transpose": ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, [(2, 2, 3, 2, 2)]),
    "separable_conv1d": ("SeparableConv1D", {"filters": 3, "kernel_size": 3, "depth_multiplier": 2}, [(2, 6, 2)]),
    "separable_conv2d": ("SeparableConv2D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
                         [(2, 5, 5, 2)]),
    "depthwise_conv2d": ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2, "activation": "tanh"},
                         [(2, 5, 5, 2)]),
    "depthwise_conv1d": ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, "strides": 2}, [(2, 7, 3)]),
    "max_pool3d": ("MaxPooling3D", {}, [(2, 4, 4, 4, 2)]),
    "avg_pool3d_same": ("AveragePooling3D", {"pool_size": 2, "strides": 1, "padding": "same"}, [(2, 3, 3, 3, 2)]),
    "upsampling1d": ("UpSampling1D", {"size": 3}, [(2, 4, 2)]),
    "upsampling2d": ("UpSampling2D", {"size": (2, 3)}, [(2, 3, 2, 2)]),
    "upsampling2d_bilinear": ("UpSampling2D", {"size": 2, "interpolation": "bilinear"}, [(2, 3, 3, 2)]),
    "upsampling3d": ("UpSampling3D", {"size": (1, 2, 2)}, [(2, 2, 2, 3, 2)]),
    "zero_padding1d": ("ZeroPadding1D", {"padding": (1, 2)}, [(2, 3, 2)]),
    "zero_padding2d": ("ZeroPadding2D", {"padding": ((1, 0), (2, 1))}, [(2, 3, 3, 2)]),
    "zero_padding3d": ("ZeroPadding3D", {"padding": 1}, [(1, 2, 2, 2, 1)]),
    "cropping1d": ("Cropping1D", {"cropping": (1, 2)}, [(2, 6, 2)]),
    "cropping2d": ("Cropping2D", {"cropping": ((1, 0), (1, 2))}, [(2, 5, 5, 2)]),
    "cropping3d": ("Cropping3D", {}, [(1, 4, 4, 4, 2)]),
    "repeat_vector": ("RepeatVector", {"n": 3}, [(2, 4)]),
    "permute": ("Permute", {"dims": (2, 1)}, [(2, 3, 4)]),
    "masking": ("Masking", {"mask_value": 0.0}, [(2, 4, 3)]),
    "multiply": ("Multiply", {}, [(2, 4), (2, 4), (2, 4)]),
    "subtract": ("Subtract", {}, [(2, 4), (2, 4)]),
    "average": ("Average", {}, [(2, 4), (2, 4)]),
    "maximum": ("Maximum", {}, [(2, 4), (2, 4)]),
    "minimum": ("Minimum", {}, [(2, 4), (2, 4)]),
    "dot_sequences": ("Dot", {"axes": (2, 2)}, [(2, 3, 4), (2, 5, 4)]),
    "dot_cosine": ("Dot", {"axes": 1, "normalize": True}, [(2, 4), (2, 4)]),
    "dot_axes_1_2": ("Dot", {"axes": (1, 2)}, [(2, 3, 4), (2, 5, 3)]),
    "identity": ("Identity", {}, [(2, 3)]),
    "activity_regularization": ("ActivityRegularization", {"l1": 0.1, "l2": 0.01}, [(2, 3)]),
    "gaussian_noise_inference": ("GaussianNoise", {"stddev": 0.5}, [(2, 3)]),
    "alpha_dropout_inference": ("AlphaDropout", {"rate": 0.5}, [(2, 3)]),
}

#: recurrent layers, cells and wrappers: name -> (builder of the layer from the keras module, kwargs, input shapes)
CASES.update({
    "rnn_simple_cell_sequences": (lambda k: k.layers.RNN(k.layers.SimpleRNNCell(3), return_sequences=True), {},
                                  [(2, 5, 4)]),
    "rnn_lstm_cell_state": (lambda k: k.layers.RNN(k.layers.LSTMCell(3), return_state=True), {}, [(2, 5, 4)]),
    "rnn_gru_cell_backwards": (lambda k: k.layers.RNN(k.layers.GRUCell(3), go_backwards=True,
                                                      return_sequences=True), {}, [(2, 5, 4)]),
    "rnn_gru_cell_reset_before": (lambda k: k.layers.RNN(k.layers.GRUCell(3, reset_after=False),
                                                         return_state=True), {}, [(2, 5, 4)]),
    "rnn_stacked_cells": (lambda k: k.layers.RNN([k.layers.SimpleRNNCell(3), k.layers.LSTMCell(2)],
                                                 return_state=True), {}, [(2, 5, 4)]),
    "bidirectional_lstm_concat": (lambda k: k.layers.Bidirectional(k.layers.LSTM(3, return_sequences=True)), {},
                                  [(2, 5, 4)]),
    "bidirectional_gru_sum_state": (lambda k: k.layers.Bidirectional(k.layers.GRU(3, return_state=True),
                                                                     merge_mode="sum"), {}, [(2, 5, 4)]),
    "bidirectional_rnn_none": (lambda k: k.layers.Bidirectional(k.layers.SimpleRNN(2, return_sequences=True),
                                                                merge_mode=None), {}, [(2, 5, 4)]),
    "bidirectional_ave": (lambda k: k.layers.Bidirectional(k.layers.SimpleRNN(2), merge_mode="ave"), {},
                          [(2, 5, 4)]),
    "time_distributed_dense": (lambda k: k.layers.TimeDistributed(k.layers.Dense(3, activation="tanh")), {},
                               [(2, 5, 4)]),
    "time_distributed_conv2d": (lambda k: k.layers.TimeDistributed(k.layers.Conv2D(2, 2)), {}, [(2, 3, 4, 4, 1)]),
    "conv_lstm2d_sequences": ("ConvLSTM2D", {"filters": 2, "kernel_size": 2, "return_sequences": True},
                              [(2, 3, 4, 4, 2)]),
    "conv_lstm2d_same_backwards_state": ("ConvLSTM2D", {"filters": 2, "kernel_size": 3, "padding": "same",
                                                        "return_state": True, "go_backwards": True},
                                         [(2, 3, 4, 4, 1)]),
    "conv_lstm1d_strided": ("ConvLSTM1D", {"filters": 2, "kernel_size": 2, "strides": 2,
                                           "recurrent_activation": "sigmoid"}, [(2, 3, 6, 2)]),
})

#: attention: builders and calls (query, value[, key]) with masks
CASES.update({
    "attention_dot": ("Attention", {}, [(2, 3, 4), (2, 5, 4)]),
    "attention_scaled_keyed": ("Attention", {"use_scale": True}, [(2, 3, 4), (2, 5, 4), (2, 5, 4)]),
    "attention_concat": ("Attention", {"score_mode": "concat", "use_scale": True}, [(2, 3, 4), (2, 5, 4)]),
    "additive_attention": ("AdditiveAttention", {}, [(2, 3, 4), (2, 5, 4)]),
    "additive_attention_unscaled": ("AdditiveAttention", {"use_scale": False}, [(2, 3, 4), (2, 5, 4)]),
    "multi_head_attention": ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, [(2, 3, 4), (2, 5, 6)]),
    "multi_head_attention_keyed": ("MultiHeadAttention", {"num_heads": 3, "key_dim": 2, "value_dim": 4,
                                                          "output_shape": 5, "use_bias": False},
                                   [(2, 3, 4), (2, 5, 6), (2, 5, 3)]),
})

#: calls with keyword arguments: name -> (layer class, constructor arguments, input shapes, call arguments)
CALLS = {
    "attention_masked_causal": ("Attention", {}, [(2, 4, 3), (2, 4, 3)],
                                {"mask": [[[True, True, False, True], [True] * 4],
                                          [[True, False, True, True], [True, True, True, False]]],
                                 "use_causal_mask": True, "return_attention_scores": True}),
    "mha_masked_causal": ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, [(2, 4, 3), (2, 4, 3)],
                          {"attention_mask": [[[1, 1, 0, 1]] * 4, [[1, 0, 1, 1]] * 4], "use_causal_mask": True,
                           "return_attention_scores": True}),
}


def inputs_for(case):
    rng = np.random.RandomState(sum(map(ord, case)) + 7)
    values = [rng.uniform(-1, 1, size=s).astype(np.float32) for s in (CASES.get(case) or CALLS[case])[2]]
    if case == "masking":
        values[0][0, 1] = 0.0  # one all-zero time step to mask
        values[0][1, 3] = 0.0
    return values


def weights_for(case, shapes):
    rng = np.random.RandomState(sum(map(ord, case)))
    return [rng.uniform(-0.6, 0.6, size=s).astype(np.float32) for s in shapes]


def build(keras, case):
    """The layer of `case` (not yet built)."""
    kind, kwargs = (CASES.get(case) or CALLS[case])[:2]
    return kind(keras) if callable(kind) else getattr(keras.layers, kind)(**kwargs)


def call(layer, case, xs):
    """The layer called on the case's inputs: a list for the merges and Attention, MultiHeadAttention(q, v, k),
    with the case's keyword arguments (masks as booleans)."""
    kwargs = dict(CALLS[case][3]) if case in CALLS else {}
    if "mask" in kwargs:
        kwargs["mask"] = [np.asarray(m, bool) for m in kwargs["mask"]]
    if "attention_mask" in kwargs:
        kwargs["attention_mask"] = np.asarray(kwargs["attention_mask"], bool)
    if type(layer).__name__ == "MultiHeadAttention":
        return layer(*xs, **kwargs)
    return layer(xs if len(xs) > 1 else xs[0], **kwargs)


def loss_weights(outputs):
    """A fixed weighting of every output, so one scalar's gradient checks them all."""
    return [np.cos(np.arange(int(np.prod(o.shape))) + 0.3 * k).reshape(tuple(o.shape)).astype(np.float32)
            for k, o in enumerate(outputs)]


IMAGE, CLASSES, STEPS = (6, 6, 2), 3, 3


def model(keras):
    """A functional model over several of the new layers, for training steps compared with tf.keras."""
    x = keras.Input(IMAGE)
    a = keras.layers.SeparableConv2D(4, 3, padding="same")(x)
    a = keras.layers.LayerNormalization()(a)
    a = keras.layers.PReLU(shared_axes=[1, 2])(a)
    b = keras.layers.Conv2DTranspose(4, 2, strides=2)(x)
    b = keras.layers.DepthwiseConv2D(2, strides=2, activation="tanh")(b)
    m = keras.layers.Multiply()([a, keras.layers.ELU(0.7)(b)])
    m = keras.layers.Subtract()([m, keras.layers.UpSampling2D()(keras.layers.MaxPooling2D()(a))])
    m = keras.layers.ZeroPadding2D(1)(keras.layers.Cropping2D(((1, 0), (0, 1)))(m))
    y = keras.layers.GlobalAveragePooling2D()(m)
    y = keras.layers.Dense(CLASSES, activation="softmax")(keras.layers.LeakyReLU(0.1)(y))
    return keras.Model(x, y)


def model_data():
    rng = np.random.RandomState(3)
    return rng.uniform(-1, 1, size=(8, *IMAGE)).astype(np.float32), rng.randint(0, CLASSES, size=8)


def _images():
    return np.arange(2 * 5 * 6 * 2, dtype=np.float32).reshape(2, 5, 6, 2) % 17


#: preprocessing layers (outputs only): name -> (builder, data for adapt or None, inputs)
PREPROCESSING = {
    "rescaling": (lambda k: k.layers.Rescaling(1 / 255.0, offset=-0.5), None, _images),
    "resizing_bilinear": (lambda k: k.layers.Resizing(3, 8), None, _images),
    "resizing_nearest": (lambda k: k.layers.Resizing(7, 4, interpolation="nearest"), None, _images),
    "center_crop": (lambda k: k.layers.CenterCrop(2, 3), None, _images),
    "normalization_adapted": (lambda k: k.layers.Normalization(), _images, lambda: _images()[:1] * 0.5),
    "normalization_axis_none_given": (lambda k: k.layers.Normalization(axis=None, mean=2.0, variance=4.0), None,
                                      _images),
    "normalization_two_axes_invert": (lambda k: k.layers.Normalization(axis=(1, 3), invert=True), _images,
                                      _images),
    "discretization_boundaries": (lambda k: k.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.5]), None,
                                  lambda: np.array([[-1.0, 0.0, 0.5], [1.0, 2.5, 9.0]], np.float32)),
    "discretization_adapted": (lambda k: k.layers.Discretization(num_bins=4),
                               lambda: np.arange(100, dtype=np.float32), lambda: np.array([[3.0, 30, 60, 90]])),
    "category_one_hot": (lambda k: k.layers.CategoryEncoding(5, output_mode="one_hot"), None,
                         lambda: np.array([3, 0, 4])),
    "category_multi_hot": (lambda k: k.layers.CategoryEncoding(5), None, lambda: np.array([[0, 1, 1], [4, 2, 0]])),
    "category_count": (lambda k: k.layers.CategoryEncoding(5, output_mode="count"), None,
                       lambda: np.array([[0, 1, 1], [4, 4, 4]])),
    "hashing_strings": (lambda k: k.layers.Hashing(7), None, lambda: np.array([["cat"], ["dog"], ["fish"]])),
    "hashing_masked_ints": (lambda k: k.layers.Hashing(5, mask_value=0), None,
                            lambda: np.array([[0, 1, 2], [12, 0, 77]])),
}
