"""tf.keras.initializers, regularizers, constraints and activations (tf_keras 2.21's classes, names and configs), as
layers take them (object, name, config dict) in graph and eager mode, and Keras' object registry that lets models
with custom objects round-trip through configs, JSON and .h5 files. Values tf_keras computes are recorded in
tests/tf1_reference.json (tools/record_tf1_reference.py: keras_initializers, keras_regularizers_constraints,
keras_activations); here the formulas are checked against NumPy."""
import json

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode

K = tf.keras
I, R, C, A = K.initializers, K.regularizers, K.constraints, K.activations


@pytest.fixture(autouse=True)
def _fresh():
    yield
    K.backend.clear_session()


def run(fetches):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(fetches)


W = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], np.float32)


# --- initializers -----------------------------------------------------------------------------------------------

def test_initializer_names_and_configs_are_tf_keras():
    classes = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "Initializer",
               "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform",
               "TruncatedNormal", "VarianceScaling", "Zeros"]
    aliases = ["constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity", "lecun_normal",
               "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform", "truncated_normal",
               "variance_scaling", "zeros", "normal", "uniform", "get", "serialize", "deserialize"]
    assert set(classes + aliases) <= set(dir(I))
    assert I.he_normal is I.HeNormal and I.normal is I.RandomNormal and I.uniform is I.RandomUniform
    assert I.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert I.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert I.VarianceScaling(distribution="normal").get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None}
    assert I.Zeros().get_config() == {} and I.Constant(2.0).get_config() == {"value": 2.0}
    assert I.Orthogonal().get_config() == {"gain": 1.0, "seed": None}
    # Keras' legacy form in TF1's graph mode, its newer one under TF 2's behaviour
    assert I.serialize(I.HeNormal(seed=2)) == {"class_name": "HeNormal", "config": {"seed": 2}}
    with eager_mode():
        assert I.serialize(I.HeNormal(seed=2)) == {"module": "keras.initializers", "class_name": "HeNormal",
                                                   "config": {"seed": 2}, "registered_name": None}
    # names, class names, and TF1 Keras' configs (with a dtype) all come back
    assert type(I.get("glorot_uniform")) is I.GlorotUniform and type(I.get("HeUniform")) is I.HeUniform
    back = I.deserialize({"class_name": "RandomNormal", "config": {"stddev": 2.0, "seed": 1, "dtype": "float32"}})
    assert type(back) is I.RandomNormal and back.get_config() == {"mean": 0.0, "stddev": 2.0, "seed": 1}
    assert I.get(I.Ones) .get_config() == {} and I.get(None) is None
    with pytest.raises(ValueError, match="Unknown initializer: 'nope'. Please ensure you are using a `keras.utils"):
        I.get("nope")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        I.get(3)
    with pytest.raises(ValueError, match="Invalid `distribution` argument: poisson"):
        I.VarianceScaling(distribution="poisson")
    with pytest.raises(ValueError, match="`scale` must be positive float"):
        I.VarianceScaling(scale=0.0)


@pytest.mark.parametrize("make", [lambda: I.RandomNormal(seed=5), lambda: I.GlorotUniform(seed=5),
                                  lambda: I.TruncatedNormal(seed=5), lambda: I.Orthogonal(seed=5)],
                         ids=["normal", "glorot", "truncated", "orthogonal"])
def test_a_seeded_initializer_gives_the_same_values_at_every_call_graph_and_eager(make):
    """tf_keras draws seeded initializers statelessly (seed [seed, 0])."""
    with tf.Graph().as_default():
        init = make()
        a, b = run([init((4, 3)), init((4, 3))])
    with eager_mode():
        c = make()((4, 3)).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, c, rtol=1e-6, atol=1e-7)
    with tf.Graph().as_default():
        unseeded = I.RandomNormal()
        d, e = run([unseeded((4, 3)), unseeded((4, 3))])
    assert not np.array_equal(d, e)


@pytest.mark.parametrize("name, variance, bound", [
    ("glorot_uniform", 2 / 500, np.sqrt(6 / 500)), ("glorot_normal", 2 / 500, 2 * np.sqrt(2 / 500) / 0.8796),
    ("he_uniform", 2 / 200, np.sqrt(6 / 200)), ("he_normal", 2 / 200, 2 * np.sqrt(2 / 200) / 0.8796),
    ("lecun_uniform", 1 / 200, np.sqrt(3 / 200)), ("lecun_normal", 1 / 200, 2 * np.sqrt(1 / 200) / 0.8796),
    ("random_normal", 0.05 ** 2, None), ("random_uniform", 0.1 ** 2 / 12, 0.05),
    ("truncated_normal", (0.05 * 0.8796) ** 2, 0.1)])
def test_initializer_statistics(name, variance, bound):
    with tf.Graph().as_default():
        values = run(I.get(name)((200, 300)))
    assert values.dtype == np.float32 and abs(values.mean()) < 0.05 * np.sqrt(variance) * 5
    assert abs(values.var() / variance - 1) < 0.03
    if bound is not None:
        assert np.abs(values).max() <= bound * 1.0001


def test_orthogonal_identity_and_constants():
    with tf.Graph().as_default():
        q, wide, eye, c = run([I.Orthogonal(gain=2.0, seed=1)((6, 4)), I.Orthogonal(seed=1)((3, 5)),
                               I.Identity(gain=3.0)((2, 3)), I.Constant([1.0, 2.0])((2,))])
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-5)
    np.testing.assert_array_equal(eye, 3 * np.eye(2, 3))
    np.testing.assert_array_equal(c, [1.0, 2.0])


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_layers_take_initializers_by_object_name_and_config(eager):
    L = K.layers
    half = {"class_name": "Constant", "config": {"value": 0.5}}
    layers = [L.Dense(2, kernel_initializer=I.Constant(0.25), bias_initializer="ones"),
              L.Conv2D(2, 2, kernel_initializer=half, bias_initializer=I.constant(-1.0)),
              L.Embedding(4, 2, embeddings_initializer="ones"),
              L.SimpleRNN(2, kernel_initializer="zeros", recurrent_initializer=I.Identity(gain=2.0)),
              L.BatchNormalization(gamma_initializer=I.Constant(3.0), beta_initializer=half)]
    inputs = [np.ones((1, 3), np.float32), np.ones((1, 3, 3, 1), np.float32), np.array([[1, 2]]),
              np.ones((1, 2, 3), np.float32), np.ones((2, 3), np.float32)]
    expected = [[np.full((3, 2), 0.25), np.ones(2)], [np.full((2, 2, 1, 2), 0.5), -np.ones(2)],
                [np.ones((4, 2))], [np.zeros((3, 2)), 2 * np.eye(2), np.zeros(2)],
                [np.full(3, 3.0), np.full(3, 0.5), np.zeros(3), np.ones(3)]]
    if eager:
        with eager_mode():
            for layer, x in zip(layers, inputs):
                layer(tf.constant(x))
            got = [[w.numpy() for w in layer.weights] for layer in layers]
    else:
        with tf.Graph().as_default():
            for layer, x in zip(layers, inputs):
                layer(tf.constant(x))
            got = run([list(layer.weights) for layer in layers])
    for g, e in zip(got, expected):
        for a, b in zip(g, e):
            np.testing.assert_allclose(a, b)


# --- regularizers -----------------------------------------------------------------------------------------------

def test_regularizer_values_configs_and_errors():
    x = W.astype(np.float64)
    rows = x / np.linalg.norm(x, axis=1, keepdims=True)
    cols = x / np.linalg.norm(x, axis=0, keepdims=True)

    def mean_cosine(p):
        n = len(p)
        return np.abs(p * (1 - np.eye(n))).sum() * 0.5 / (n * (n - 1) / 2)
    with tf.Graph().as_default():
        w = tf.constant(W)
        got = run([R.L1(0.1)(w), R.L2(0.1)(w), R.L1L2(0.1, 0.2)(w), R.l1_l2()(w), R.L1L2()(w),
                   R.OrthogonalRegularizer(0.5)(w), R.OrthogonalRegularizer(0.5, "columns")(w)])
    l1, l2 = np.abs(x).sum(), (x ** 2).sum()
    np.testing.assert_allclose(got, [0.1 * l1, 0.1 * l2, 0.1 * l1 + 0.2 * l2, 0.01 * (l1 + l2), 0.0,
                                     0.5 * mean_cosine(rows @ rows.T), 0.5 * mean_cosine(cols.T @ cols)], rtol=1e-5)
    assert R.L2(0.1).get_config() == {"l2": float(np.float32(0.1))}
    assert R.get("l1_l2").get_config() == {"l1": float(np.float32(0.01)), "l2": float(np.float32(0.01))}
    assert R.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0} and type(R.get("l2")) is R.L2
    assert R.L1(l=0.5).get_config() == {"l1": 0.5}
    with eager_mode():
        assert R.serialize(R.OrthogonalRegularizer(0.5, "columns")) == {
            "module": "keras.regularizers", "class_name": "OrthogonalRegularizer",
            "config": {"factor": 0.5, "mode": "columns"}, "registered_name": None}
    assert R.deserialize({"class_name": "L1L2", "config": {"l1": 0.5, "l2": 0.25}}).get_config() == {
        "l1": 0.5, "l2": 0.25}
    with pytest.raises(ValueError, match="is not a valid regularization penalty number, expected an int or float"):
        R.L2("a")
    with pytest.raises(ValueError, match="Inputs to OrthogonalRegularizer must have rank 2"):
        R.OrthogonalRegularizer()(tf.constant(np.ones(3, np.float32)))
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 3"):
        R.get(3)
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        R.Regularizer().get_config()


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_a_kernel_regularizer_is_in_model_losses_and_the_training_loss(eager):
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)

    def train():
        model = K.Sequential([K.layers.Dense(2, input_shape=(3,), kernel_initializer=I.Constant(0.5),
                                             kernel_regularizer=R.L2(0.1), bias_regularizer="l1")])
        model.compile(K.optimizers.SGD(0.1), "mse")
        loss = model.train_on_batch(x, y)
        return loss, model.layers[0].get_weights()[0]
    if eager:
        with eager_mode():
            loss, kernel = train()
    else:
        with tf.Graph().as_default():
            loss, kernel = train()
    mse, penalty = 1.5 ** 2, 0.1 * 6 * 0.25
    assert loss == pytest.approx(mse + penalty, rel=1e-6)
    # d/dw: mse gives 2·1.5 per unit (mean over 2 outputs: 1.5 each), the penalty 2·0.1·0.5
    np.testing.assert_allclose(kernel, 0.5 - 0.1 * (1.5 + 0.1), rtol=1e-6)


# --- constraints ------------------------------------------------------------------------------------------------

def _radial_reference(kernel):
    """tf_keras' RadialConstraint._kernel_constraint for one square slice, its while_loop of pads in NumPy."""
    n = kernel.shape[0]
    start = n // 2
    if n % 2:
        new, index = kernel[start - 1:start, start - 1:start], 0
    else:
        new, index = np.full((2, 2), kernel[start - 1, start - 1]), 1
    while index < start:
        new = np.pad(new, 1, constant_values=kernel[start + index, start + index])
        index += 1
    return new


def test_constraint_values_configs_and_errors():
    x = W.astype(np.float64)
    norms0 = np.linalg.norm(x, axis=0, keepdims=True)
    norms1 = np.linalg.norm(x, axis=1, keepdims=True)
    k3 = np.arange(18, dtype=np.float32).reshape(3, 3, 1, 2)
    k4 = np.arange(32, dtype=np.float32).reshape(4, 4, 2, 1)
    with tf.Graph().as_default():
        w = tf.constant(W)
        got = run([C.MaxNorm(1.5)(w), C.MaxNorm(2.0, axis=1)(w), C.NonNeg()(w), C.UnitNorm()(w),
                   C.MinMaxNorm(1.0, 2.0, rate=0.5)(w), C.RadialConstraint()(tf.constant(k3)),
                   C.RadialConstraint()(tf.constant(k4)), C.Constraint()(w)])
    eps = 1e-7
    expected = [x * np.clip(norms0, 0, 1.5) / (norms0 + eps), x * np.clip(norms1, 0, 2.0) / (norms1 + eps),
                x * (x >= 0), x / (norms0 + eps), x * (0.5 * np.clip(norms0, 1, 2) + 0.5 * norms0) / (norms0 + eps)]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5)
    for g, k in ((got[5], k3), (got[6], k4)):
        for c in range(k.shape[2]):
            for o in range(k.shape[3]):
                np.testing.assert_array_equal(g[:, :, c, o], _radial_reference(k[:, :, c, o]))
    np.testing.assert_array_equal(got[7], W)
    assert C.max_norm is C.MaxNorm and C.get("unit_norm").get_config() == {"axis": 0}
    assert C.serialize(C.MinMaxNorm(0.5)) == {"class_name": "MinMaxNorm", "config": {
        "min_value": 0.5, "max_value": 1.0, "rate": 1.0, "axis": 0}}
    assert type(C.deserialize({"class_name": "maxnorm", "config": {"max_value": 3}})) is C.MaxNorm
    with pytest.raises(ValueError, match="The weight tensor must have rank 4"):
        C.RadialConstraint()(tf.constant(W))
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier: 3"):
        C.get(3)
    with pytest.raises(ValueError, match="Unknown constraint: 'nope'"):
        C.get("nope")


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_constraints_project_the_weights_after_each_update(eager):
    """A constrained model's weights after training are the projection of the unconstrained twin's after one step
    (Keras applies the constraint right after the optimizer's update), for fit and train_on_batch."""
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    y = np.array([[1.0, -2.0], [0.5, -3.0], [-1.0, -1.0], [2.0, -4.0]], np.float32)

    def weights(constrained, how):
        kw = dict(kernel_constraint=C.MaxNorm(0.325), bias_constraint="non_neg") if constrained else {}
        model = K.Sequential([K.layers.Dense(2, input_shape=(3,), kernel_initializer=I.Constant(0.3),
                                             bias_initializer=I.Constant(-0.01), **kw)])
        model.compile(K.optimizers.SGD(0.5), "mse")
        if how == "fit":
            model.fit(x, y, batch_size=4, epochs=1, verbose=0)
        else:
            model.train_on_batch(x, y)
        return model.get_weights()

    def both():
        return [(weights(False, how), weights(True, how)) for how in ("fit", "train_on_batch")]
    if eager:
        with eager_mode():
            pairs = both()
    else:
        with tf.Graph().as_default():
            pairs = both()
    for (kernel, bias), (ck, cb) in pairs:
        norms = np.linalg.norm(kernel, axis=0, keepdims=True)
        assert norms.min() < 0.325 < norms.max() and bias.min() < 0 < bias.max()  # the constraints have something to do
        np.testing.assert_allclose(ck, kernel * np.clip(norms, 0, 0.325) / (norms + 1e-7), rtol=1e-5)
        np.testing.assert_allclose(cb, np.maximum(bias, 0), rtol=1e-6)


# --- activations ------------------------------------------------------------------------------------------------

def test_activation_values_names_and_errors():
    from scipy.special import erf

    x = np.array([[-3.0, -0.5, 0.0, 0.7, 4.0]], np.float32)
    d = x.astype(np.float64)
    softplus = np.log1p(np.exp(d))
    expected = {
        "relu": np.maximum(d, 0), "elu": np.where(d > 0, d, np.expm1(d)),
        "selu": 1.0507009873554805 * np.where(d > 0, d, 1.6732632423543772 * np.expm1(d)),
        "gelu": 0.5 * d * (1 + erf(d / np.sqrt(2))), "softmax": np.exp(d) / np.exp(d).sum(),
        "softplus": softplus, "softsign": d / (1 + np.abs(d)), "swish": d / (1 + np.exp(-d)),
        "silu": d / (1 + np.exp(-d)), "mish": d * np.tanh(softplus), "tanh": np.tanh(d),
        "sigmoid": 1 / (1 + np.exp(-d)), "hard_sigmoid": np.clip(0.2 * d + 0.5, 0, 1), "exponential": np.exp(d),
        "linear": d}
    special = {"relu_alpha": np.where(d > 0, d, 0.1 * d), "relu_cap": np.clip(d, 0, 1.0),
               "relu_threshold": np.where(d > 0.5, d, 0.0), "relu_all": np.where(d > 0.5, np.minimum(d, 3.0), 0.2 *
                                                                                   (d - 0.5)),
               "gelu_tanh": 0.5 * d * (1 + np.tanh(np.sqrt(2 / np.pi) * (d + 0.044715 * d ** 3))),
               "elu_alpha": np.where(d > 0, d, 0.5 * np.expm1(d))}
    with tf.Graph().as_default():
        t = tf.constant(x)
        got = run({**{n: A.get(n)(t) for n in expected},
                   "relu_alpha": A.relu(t, alpha=0.1), "relu_cap": A.relu(t, max_value=1.0),
                   "relu_threshold": A.relu(t, threshold=0.5), "relu_all": A.relu(t, 0.2, 3.0, 0.5),
                   "gelu_tanh": A.gelu(t, approximate=True), "elu_alpha": A.elu(t, 0.5)})
    for name, value in {**expected, **special}.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=1e-6, err_msg=name)
    assert [A.serialize(f) for f in (A.relu, A.swish, A.silu, tf.nn.relu, tf.nn.softmax, tf.sigmoid)] == [
        "relu", "swish", "swish", "relu", "softmax", "sigmoid"]
    assert A.get(None) is A.linear and A.deserialize("relu6") is tf.nn.relu6
    with pytest.raises(ValueError, match="Unknown activation function: 'nope'. Please ensure you are using a"):
        A.get("nope")  # Keras' legacy message in TF1's graph mode
    with eager_mode(), pytest.raises(ValueError, match="Unknown activation function 'nope' cannot be deserialized."):
        A.get("nope")
    with pytest.raises(TypeError, match="Could not interpret activation function identifier: 3"):
        A.get(3)
    with pytest.raises(ValueError, match="Unknown activation function .* cannot be serialized"):
        A.serialize(lambda v: v)


def test_layers_take_every_activation_by_name_and_save_it():
    names = ["gelu", "swish", "mish", "selu", "hard_sigmoid", "exponential", "softsign", "silu"]
    with tf.Graph().as_default():
        model = K.Sequential([K.layers.Dense(3, input_shape=(2,), activation=n) for n in names[:1]]
                             + [K.layers.Dense(3, activation=n) for n in names[1:]]
                             + [K.layers.Dense(3, activation=A.mish), K.layers.Activation("gelu")])
        config = json.loads(model.to_json())["config"]["layers"]
        assert [c["config"]["activation"] for c in config] == names + ["mish", "gelu"]
        copy = K.models.model_from_json(model.to_json())
        assert [layer.activation for layer in copy.layers[:-1]] == [A.get(n) for n in names] + [A.mish]
        out = run(model(tf.constant(np.ones((1, 2), np.float32))))
    assert out.shape == (1, 3) and np.all(np.isfinite(out))


# --- the registry: custom objects through configs, JSON and .h5 files --------------------------------------------

def test_custom_objects_round_trip_through_config_json_and_h5(tmp_path):
    class Scaled(K.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, inputs):
            return inputs * self.factor

    @K.utils.register_keras_serializable(package="test_objects")
    class Halves(I.Initializer):
        def __call__(self, shape, dtype=None, **kwargs):
            return tf.fill(shape, 0.5)

        def get_config(self):
            return {}

    @K.utils.register_keras_serializable("test_objects")
    def cube(v):
        return v * v * v

    assert K.utils.get_registered_name(Halves) == "test_objects>Halves"
    assert K.saving.get_registered_object("test_objects>cube") is cube
    assert K.utils.get_registered_object("Scaled") is None
    with tf.Graph().as_default():
        model = K.Sequential([K.layers.Dense(2, input_shape=(3,), kernel_initializer=Halves(), activation=cube,
                                             kernel_regularizer=R.L2(0.5), kernel_constraint=C.UnitNorm(1)),
                              Scaled(3.0)])
        x = np.ones((1, 3), np.float32)
        want = run(model(tf.constant(x)))
        text = model.to_json()
        spec = json.loads(text)["config"]["layers"][0]["config"]
        assert spec["kernel_initializer"]["class_name"] == "test_objects>Halves"
        assert spec["activation"] == "test_objects>cube"
        with pytest.raises(ValueError, match="Unknown layer: Scaled"):
            K.models.model_from_json(text)
        with K.utils.custom_object_scope({"Scaled": Scaled}):
            copy = K.models.model_from_json(text)
        assert K.utils.get_registered_object("Scaled") is None  # the scope is gone
        assert isinstance(copy.layers[0].kernel_initializer, Halves) and copy.layers[1].factor == 3.0
        np.testing.assert_allclose(run(copy(tf.constant(x))), want)
        model.compile("sgd", "mse")
        model.save(tmp_path / "m.h5")
    with tf.Graph().as_default():
        loaded = K.models.load_model(tmp_path / "m.h5", custom_objects={"Scaled": Scaled})
        np.testing.assert_allclose(loaded.predict(x), want, rtol=1e-6)
        assert isinstance(loaded.layers[0].kernel_constraint, C.UnitNorm)
        assert loaded.layers[0].kernel_regularizer.get_config() == {"l2": 0.5}


def test_serialize_and_deserialize_keras_object_and_the_global_registry():
    S = K.utils
    assert S.serialize_keras_object(None) is None
    spec = S.serialize_keras_object(R.L1(0.5))
    assert spec["class_name"] == "L1" and spec["config"] == {"l1": 0.5}
    assert type(S.deserialize_keras_object(spec, module_objects={"L1": R.L1})) is R.L1
    with pytest.raises(ValueError, match="Unknown object: 'L1'"):
        S.deserialize_keras_object(spec)

    def twice(v):
        return 2 * v
    S.get_custom_objects()["twice"] = twice
    try:
        assert A.get("twice") is twice and A.serialize(twice) == "twice"
        with S.CustomObjectScope({"twice": A.relu}):  # a scope shadows the global registry
            assert A.get("twice") is A.relu
        assert A.get("twice") is twice
    finally:
        del S.get_custom_objects()["twice"]
    with pytest.raises(ValueError, match="Cannot register a class that does not have a get_config"):
        S.register_keras_serializable()(type("NoConfig", (), {}))


def test_a_registered_layer_is_named_by_its_registered_name_in_both_forms():
    @K.utils.register_keras_serializable("test_objects")
    class Shift(K.layers.Layer):
        def __init__(self, by=1.0, **kwargs):
            super().__init__(**kwargs)
            self.by = by

        def call(self, inputs):
            return inputs + self.by

    with tf.Graph().as_default():
        legacy = K.layers.serialize(Shift(2.0, name="s"))
        assert legacy["class_name"] == "test_objects>Shift" and "registered_name" not in legacy
        copy = K.layers.deserialize(legacy)
        assert type(copy) is Shift and copy.by == 2.0
        with eager_mode():
            spec = K.layers.serialize(Shift(3.0, name="t"))
        assert spec["class_name"] == "Shift" and spec["registered_name"] == "test_objects>Shift"
        assert K.layers.deserialize(spec).by == 3.0


def test_the_modules_have_tf_keras_public_names():
    """The union of tf_keras 2.21's TF1 and TF2 public names of each module (dir() under TF_USE_LEGACY_KERAS=1)."""
    names = {
        R: "L1 L1L2 L2 OrthogonalRegularizer Regularizer deserialize get l1 l1_l2 l2 orthogonal_regularizer serialize",
        C: "Constraint MaxNorm MinMaxNorm NonNeg RadialConstraint UnitNorm deserialize get max_norm min_max_norm "
           "non_neg radial_constraint serialize unit_norm",
        A: "deserialize elu exponential gelu get hard_sigmoid linear mish relu selu serialize sigmoid softmax "
           "softplus softsign swish tanh",
        K.optimizers.schedules: "CosineDecay CosineDecayRestarts ExponentialDecay InverseTimeDecay "
                                "LearningRateSchedule PiecewiseConstantDecay PolynomialDecay deserialize serialize",
        K.saving: "custom_object_scope deserialize_keras_object get_custom_objects get_registered_name "
                  "get_registered_object load_model register_keras_serializable save_model serialize_keras_object",
    }
    for module, listed in names.items():
        assert [n for n in listed.split() if not hasattr(module, n)] == [], module.__name__


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_a_custom_layers_add_weight_takes_keras_arguments(eager):
    """Keras' add_weight: no name needed (`Variable`, `Variable_1`, as tf_keras names them in graph mode), the
    initializer, regularizer and constraint by name."""
    class Affine(K.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones", regularizer="l1",
                                     constraint="non_neg")
            self.b = self.add_weight(shape=(2,), initializer=I.Constant(-0.5), trainable=False)

        def call(self, inputs):
            return tf.matmul(inputs, self.w) + self.b

    def build():
        layer = Affine(name="affine")
        out = layer(tf.constant(np.ones((1, 3), np.float32)))
        return layer, out, layer.losses
    if eager:
        with eager_mode():
            layer, out, losses = build()
            out, losses = out.numpy(), [p.numpy() for p in losses]
    else:
        with tf.Graph().as_default():
            layer, out, losses = build()
            out, losses = run([out, losses])
    assert [v.name for v in layer.weights] == ["affine/Variable:0", "affine/Variable_1:0"]
    assert len(layer.trainable_weights) == 1 and isinstance(layer.w.constraint, C.NonNeg)
    np.testing.assert_allclose(out, [[2.5, 2.5]])
    np.testing.assert_allclose(losses, [0.01 * 6], rtol=1e-6)


def test_tf1_initializer_objects_and_array_constants_are_saved_in_the_config():
    kernel = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    with tf.Graph().as_default():
        model = K.Sequential([K.layers.Dense(2, input_shape=(3,), kernel_initializer=tf.constant_initializer(kernel),
                                             bias_initializer=I.Constant(np.array([1.0, 2.0])))])
        spec = json.loads(model.to_json())["config"]["layers"][0]["config"]
        assert spec["kernel_initializer"]["config"]["value"] == kernel.tolist()
        copy = K.models.model_from_json(model.to_json())
        np.testing.assert_array_equal(copy.layers[0].get_weights()[0], kernel)
        np.testing.assert_array_equal(copy.layers[0].get_weights()[1], [1.0, 2.0])
