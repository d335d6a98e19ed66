"""EinsumDense, LocallyConnected1D/2D (all three implementations) and RandomFourierFeatures in small models,
recorded like keras_mask_cases (same `run`) under tf_keras 2.21 in TF1 graph mode into
tests/keras_new_layers_reference.json and replayed by tests/test_keras_new_layers.py; and `premade_models`, the
premade LinearModel and WideDeepModel trained a few steps (its record in the same file, under "premade")."""
import numpy as np
from keras_mask_cases import targets

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def _values(shape, seed=5):
    return np.random.RandomState(seed).uniform(-1, 1, size=shape).astype(np.float32)


@case
def einsum_dense_heads(keras):
    L = keras.layers
    x = keras.Input((5, 4))
    y = L.EinsumDense("abc,cde->abde", (5, 2, 3), bias_axes="de", activation="relu")(x)
    return keras.Model(x, L.Reshape((5, 6))(y)), [_values((3, 5, 4))], targets((3, 5, 6)), "mse", {}


@case
def einsum_dense_elided(keras):
    L = keras.layers
    x = keras.Input((3, 4))
    left = L.EinsumDense("...b,bc->...c", 2, bias_axes="c")(x)  # [batch, 3, 2]
    right = L.EinsumDense("ab...,bc->ac...", (2, None), bias_axes="c")(L.Permute((2, 1))(x))  # [batch, 2, 3]
    out = L.Concatenate()([left, L.Permute((2, 1))(right)])
    return keras.Model(x, out), [_values((3, 3, 4))], targets((3, 3, 4)), "mse", {}


def _local_1d(implementation, **kwargs):
    def build(keras):
        L = keras.layers
        shape = (3, 7) if kwargs.get("data_format") == "channels_first" else (7, 3)
        x = keras.Input(shape)
        y = L.LocallyConnected1D(2, 3, implementation=implementation, activation="tanh", **kwargs)(x)
        out = L.Dense(1)(L.Flatten()(y))
        return keras.Model(x, out), [_values((3, *shape))], targets((3, 1)), "mse", {}
    return build


def _local_2d(implementation, **kwargs):
    def build(keras):
        L = keras.layers
        shape = (2, 4, 5) if kwargs.get("data_format") == "channels_first" else (4, 5, 2)
        x = keras.Input(shape)
        y = L.LocallyConnected2D(3, (2, 3), implementation=implementation, **kwargs)(x)
        out = L.Dense(1)(L.Flatten()(y))
        return keras.Model(x, out), [_values((3, *shape))], targets((3, 1)), "mse", {}
    return build


CASES.update({
    "local1d_impl1_strided": _local_1d(1, strides=2),
    "local1d_impl2_same": _local_1d(2, padding="same"),
    "local1d_impl3_first": _local_1d(3, strides=2, data_format="channels_first"),
    "local1d_impl2_first": _local_1d(2, data_format="channels_first"),
    "local2d_impl1": _local_2d(1, strides=(1, 2)),
    "local2d_impl1_first": _local_2d(1, data_format="channels_first"),
    "local2d_impl2_first_same": _local_2d(2, padding="same", data_format="channels_first"),
    "local2d_impl3_strided": _local_2d(3, strides=(2, 1)),
    "local2d_impl3_same_first": _local_2d(3, padding="same", strides=2, data_format="channels_first"),
})


@case
def random_fourier_features(keras):
    L = keras.layers.experimental
    x = keras.Input((3,))
    gauss = L.RandomFourierFeatures(4, trainable=True)(x)
    laplace = L.RandomFourierFeatures(5, kernel_initializer="laplacian", scale=2.0)(x)
    out = keras.layers.Concatenate()([gauss, laplace])
    return keras.Model(x, out), [_values((3, 3))], targets((3, 9)), "mse", {}



def premade_models(keras):
    """LinearModel (zero-initialized, as Keras) and a WideDeepModel with one optimizer per part, each trained three
    full-batch steps: their losses, predictions and weights."""
    x, y = _values((4, 3), 0), _values((4, 2), 1)
    m = keras.experimental.LinearModel(units=2, activation="sigmoid")
    m.compile(keras.optimizers.SGD(0.5), "mse")
    h = m.fit(x, y, verbose=0, epochs=3, batch_size=4, shuffle=False)
    out = {"linear_loss": h.history["loss"], "linear_pred": m.predict(x).tolist(),
           "linear_weights": [w.name for w in m.weights]}
    dnn = keras.Sequential([keras.layers.Dense(1, kernel_initializer="ones")])
    w = keras.experimental.WideDeepModel(keras.experimental.LinearModel(), dnn, activation="sigmoid")
    w.compile([keras.optimizers.SGD(0.5), keras.optimizers.Adam(0.1)], "mse")
    h = w.fit([x, x[:, :2]], y[:, :1], verbose=0, epochs=3, batch_size=4, shuffle=False)
    out.update(wide_loss=h.history["loss"], wide_pred=w.predict([x, x[:, :2]]).tolist(),
               wide_linear=[v.tolist() for v in w.linear_model.get_weights()],
               wide_dnn=[v.tolist() for v in dnn.get_weights()])
    return out
