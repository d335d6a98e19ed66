"""tf.keras.backend (K.*) beyond the values recorded under tf_keras (tests/test_tf1_conformance.py, programs
keras_backend_*): K.rnn against a hand-written loop, gradients against finite differences, a custom loss in K.*
training a model, the session and learning-phase rules, and clone_model / model_from_json."""
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf
from graphgrad import keras
from graphgrad.eager import eager_mode

K = keras.backend
RNG = np.random.default_rng(3)
W = RNG.normal(size=(4, 3)) / 2
U = RNG.normal(size=(3, 3)) / 2


@pytest.fixture(autouse=True)
def _fresh():
    yield
    K.clear_session()


def _step(w, u):
    def step(x_t, states):
        h = K.tanh(K.dot(x_t, w) + K.dot(states[0], u))
        return h, [h]
    return step


def _hand_rnn(x, mask, go_backwards, zero_output):
    """The same recurrence in NumPy: skipped steps keep the previous state (and output, or zeros)."""
    batch, steps, _ = x.shape
    h, out, outs = np.zeros((batch, 3)), np.zeros((batch, 3)), []
    for t in (range(steps)[::-1] if go_backwards else range(steps)):
        new = np.tanh(x[:, t] @ W + h @ U)
        keep = mask[:, t:t + 1] if mask is not None else np.ones((batch, 1), bool)
        h = np.where(keep, new, h)
        out = np.where(keep, new, 0 if zero_output else out)
        outs.append(out)
    return outs[-1], np.stack(outs, 1), h


@pytest.mark.parametrize("unroll", [False, True])
@pytest.mark.parametrize("go_backwards, masked, zero_output", [(False, False, False), (True, False, False),
                                                                (False, True, False), (True, True, False),
                                                                (False, True, True)])
def test_rnn_matches_a_hand_written_loop(unroll, go_backwards, masked, zero_output):
    x = RNG.normal(size=(2, 5, 4)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool) if masked else None
    inputs = K.placeholder(shape=(2, 5, 4))
    last, outputs, states = K.rnn(_step(K.constant(W), K.constant(U)), inputs, [K.zeros_like(inputs[:, 0, :3])],
                                  go_backwards=go_backwards, mask=None if mask is None else K.constant(mask, "bool"),
                                  unroll=unroll, zero_output_for_mask=zero_output)
    assert K.int_shape(outputs) == (2, 5, 3) and K.int_shape(last) == (2, 3)
    got = K.get_session().run([last, outputs, states[0]], {inputs: x})
    for a, b in zip(got, _hand_rnn(x.astype(np.float64), mask, go_backwards, zero_output)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_rnn_runs_eagerly_unrolled():
    x = RNG.normal(size=(2, 4, 4)).astype(np.float32)
    with eager_mode():
        last, outputs, (h,) = K.rnn(_step(K.constant(W), K.constant(U)), K.constant(x), [K.zeros((2, 3))])
        np.testing.assert_allclose(outputs.numpy(), _hand_rnn(x.astype(np.float64), None, False, False)[1],
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(K.eval(last), K.eval(h))


@pytest.mark.parametrize("unroll", [False, True])
def test_rnn_gradients_match_finite_differences(unroll):
    mask = np.array([[1, 1, 0], [1, 1, 1]], bool)

    def build(x, w, u):
        _, outputs, _ = K.rnn(_step(w, u), x, [K.zeros_like(x[:, 0, :3])], mask=K.constant(mask, "bool"),
                              unroll=unroll)
        return outputs
    check_gradients(build, [RNG.normal(size=(2, 3, 4)), W, U])


@pytest.mark.parametrize("build, shapes", [
    (lambda x, y: K.batch_dot(x, y), [(3, 2, 4), (3, 4, 5)]),
    (lambda x, y: K.batch_dot(x, y, axes=(1, 1)), [(3, 4, 2), (3, 4, 5, 2)]),
    (lambda x, y: K.batch_dot(x, y, axes=1), [(3, 4), (3, 4)]),
    (lambda x, y: K.dot(x, y), [(2, 3, 4), (5, 4, 2)]),
    (lambda x, y: K.repeat_elements(x, 2, axis=1) * K.sum(y), [(2, 3), (2,)]),
    (lambda x, y: K.categorical_crossentropy(K.softmax(y), K.softmax(x)), [(3, 4), (3, 4)]),
    (lambda x, y: K.binary_focal_crossentropy(K.sigmoid(y), x, from_logits=True, apply_class_balancing=True),
     [(3, 4), (3, 4)]),
    (lambda x, y: K.switch(K.greater(y, 0), x * 2, K.square(x)), [(3, 4), (3, 4)]),
    (lambda x, y: K.local_conv1d(x, y, (2,), (1,)), [(2, 3, 2), (2, 4, 3)]),
    (lambda x, y: K.std(x, axis=1) + K.l2_normalize(y), [(3, 4), (3,)]),
])
def test_gradients_match_finite_differences(build, shapes):
    check_gradients(build, [RNG.normal(size=s) for s in shapes])


def test_a_custom_loss_in_k_trains_a_model_and_is_what_evaluate_reports():
    """A TF1-era custom loss (per-sample weighted squared error plus a hinge term), written in K.* and passed
    to compile: fit lowers it, and evaluate reports the loss the same formula gives in NumPy."""
    def loss(y_true, y_pred):
        err = K.mean(K.square(y_pred - y_true) * K.constant([1.0, 2.0]), axis=-1)
        return err + 0.1 * K.sum(K.relu(K.abs(y_pred) - 1.0), axis=-1)

    x = RNG.normal(size=(64, 3)).astype(np.float32)
    y = np.stack([x @ [1.0, -2.0, 0.5], x[:, 0] * 0.3], 1).astype(np.float32)
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    model.compile(keras.optimizers.SGD(0.05), loss)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert after < before / 10
    p = model.predict(x)
    expected = np.mean(np.mean((p - y) ** 2 * [1.0, 2.0], -1) + 0.1 * np.maximum(np.abs(p) - 1, 0).sum(-1))
    np.testing.assert_allclose(after, expected, rtol=1e-5)


def test_set_learning_phase_fixes_the_branch_and_fit_still_trains():
    K.set_learning_phase(0)
    model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.Dropout(0.5),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((8, 3), np.float32)
    model.fit(x, np.zeros((8, 1)), epochs=1, verbose=0)  # nothing to feed: dropout is fixed off
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    assert K.learning_phase() == 0


def test_get_session_uses_the_default_session_and_keeps_its_values():
    v = K.variable(np.ones(3))
    w = K.variable(np.zeros(2))
    with tf.Session() as s:
        s.run(v.initializer)
        s.run(v.assign([4.0, 5.0, 6.0]))
        assert K.get_session() is s
        np.testing.assert_array_equal(K.eval(v), [4, 5, 6])  # restored or assigned values stay
        np.testing.assert_array_equal(K.eval(w), [0, 0])     # what the session lacked is initialized
    assert K.get_session() is not s


def test_manual_variable_initialization_leaves_variables_alone():
    K.manual_variable_initialization(True)
    try:
        v = K.variable(1.0)
        with pytest.raises(tf.errors.FailedPreconditionError):
            K.eval(v)
    finally:
        K.manual_variable_initialization(False)
    assert K.eval(v) == 1.0


def test_function_returns_the_outputs_structure_and_runs_updates_after_them():
    x = K.placeholder(shape=(None, 2))
    total = K.variable(0.0)
    f = K.function([x], {"sum": K.sum(x), "seen": total + 0}, updates=[K.update_add(total, K.sum(x))])
    assert f([np.ones((2, 2))]) == {"sum": 4.0, "seen": 0.0}
    assert f([np.ones((1, 2))]) == {"sum": 2.0, "seen": 4.0}
    with pytest.raises(ValueError, match='Invalid argument "session" passed to K.function'):
        K.function([x], [x], session=None)


def test_moving_average_update_is_zero_debiased_and_initialized_by_keras():
    m = K.variable(np.zeros(2))
    avg = K.moving_average_update(m, K.constant([2.0, 4.0]), 0.9)
    s = K.get_session()
    np.testing.assert_allclose(s.run(avg), [2.0, 4.0], rtol=1e-6)  # biased 0.1 v over 1 - 0.9
    assert sorted(v.op.name for v in tf.global_variables()) == ["Variable", "Variable/biased", "Variable/local_step"]


def test_clone_model_gives_new_weights_and_the_same_architecture():
    inp = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="relu")(inp)
    model = keras.Model(inp, keras.layers.Dense(2)(hidden))
    clone = keras.models.clone_model(model)
    assert [type(layer).__name__ for layer in clone.layers] == [type(layer).__name__ for layer in model.layers]
    assert {id(w) for w in clone.weights}.isdisjoint(id(w) for w in model.weights)
    clone.set_weights(model.get_weights())
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
    new_input = keras.Input((3,))
    on_input = keras.models.clone_model(model, input_tensors=new_input)
    assert on_input.inputs[0] is new_input
    seq = keras.Sequential([keras.layers.Dense(3, input_shape=(2,)), keras.layers.Dense(1)])
    seq_clone = keras.models.clone_model(seq, clone_function=lambda layer: layer.__class__.from_config(
        layer.get_config()))
    assert seq_clone.built and [w.shape.as_list() for w in seq_clone.weights] == [[2, 3], [3], [3, 1], [1]]


def test_model_from_json_rebuilds_the_architecture_and_yaml_is_refused():
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(2,), activation="tanh"), keras.layers.Dense(1)])
    text = model.to_json()
    rebuilt = keras.models.model_from_json(text)
    assert rebuilt.to_json() != "" and [type(layer).__name__ for layer in rebuilt.layers] == ["Dense", "Dense"]
    assert rebuilt.layers[0].get_config()["activation"] == "tanh"
    assert keras.models.model_from_config({"class_name": "Sequential", "config": model.get_config()}).built
    with pytest.raises(TypeError, match="expects a dictionary, not a list"):
        keras.models.model_from_config([])
    with pytest.raises(RuntimeError, match="`model_from_yaml\\(\\)` has been removed"):
        keras.models.model_from_yaml("")
    with pytest.raises(RuntimeError, match="`model.to_yaml\\(\\)` has been removed"):
        model.to_yaml()


def test_settings_round_trip_and_shape_the_defaults():
    K.set_floatx("float64")
    K.set_epsilon(1e-4)
    try:
        assert K.variable(1.0).dtype.base_dtype == tf.float64 and K.placeholder((2,)).dtype == tf.float64
        assert K.cast_to_floatx([1]).dtype == np.float64 and K.epsilon() == 1e-4
    finally:
        K.set_floatx("float32")
        K.set_epsilon(1e-7)
    K.set_image_data_format("channels_first")
    try:
        images = K.constant(np.ones((1, 2, 4, 4), np.float32))
        assert K.int_shape(K.pool2d(images, (2, 2), (2, 2))) == (1, 2, 2, 2)
    finally:
        K.set_image_data_format("channels_last")


def test_function_over_a_model_with_the_learning_phase_as_an_input():
    """The TF1 Keras idiom for intermediate outputs with or without dropout: K.function([model.input,
    K.learning_phase()], [layer output]) called with 0 (test) or 1 (train)."""
    inp = keras.Input((3,))
    dense = keras.layers.Dense(4, kernel_initializer="ones")(inp)
    dropped = keras.layers.Dropout(0.5)(dense)
    assert K.is_keras_tensor(dropped) and not K.is_keras_tensor(dropped * 2)
    f = K.function([inp, K.learning_phase()], [dense, dropped])
    x = np.ones((64, 3), np.float32)
    test_dense, test_dropped = f([x, 0])
    np.testing.assert_array_equal(test_dropped, test_dense)
    _, train_dropped = f([x, 1])
    assert set(np.unique(train_dropped)) == {0.0, 6.0}  # dropped, or scaled by 1 / (1 - 0.5)
