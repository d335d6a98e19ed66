"""tf.keras.optimizers.schedules (Keras 2's learning-rate schedules: values against their formulas in NumPy,
configs, serialization), a schedule as a Keras optimizer's learning rate (evaluated at `optimizer.iterations`,
in graph and eager mode, kept by model.save / load_model), and tf.keras.optimizers.legacy. tf_keras' own values are
recorded in tests/tf1_reference.json (tools/record_tf1_reference.py: keras_schedules)."""
import math

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode

K = tf.keras
S = K.optimizers.schedules
STEPS = np.arange(0, 26, dtype=np.float64)


def _cosine(step, lr, steps, alpha):
    fraction = np.minimum(step, steps) / steps
    return lr * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * fraction)) + alpha)


def _restarts(step, lr, first, t_mul, m_mul, alpha):
    """SGDR as TF computes it: m_mul scales the cosine, not the floor alpha."""
    out = []
    for s in step:
        start, period, scale = 0.0, first, 1.0
        while s >= start + period:
            start, period, scale = start + period, period * t_mul, scale * m_mul
        out.append(lr * ((1 - alpha) * 0.5 * scale * (1 + math.cos(math.pi * (s - start) / period)) + alpha))
    return np.array(out)


CASES = {
    "exponential": (lambda: S.ExponentialDecay(0.1, 10, 0.5), 0.1 * 0.5 ** (STEPS / 10)),
    "exponential_staircase": (lambda: S.ExponentialDecay(0.1, 10, 0.5, staircase=True),
                              0.1 * 0.5 ** np.floor(STEPS / 10)),
    "piecewise": (lambda: S.PiecewiseConstantDecay([5, 12], [1.0, 0.5, 0.1]),
                  np.where(STEPS <= 5, 1.0, np.where(STEPS <= 12, 0.5, 0.1))),
    "polynomial": (lambda: S.PolynomialDecay(0.1, 20, 0.01, power=2.0),
                   (0.1 - 0.01) * (1 - np.minimum(STEPS, 20) / 20) ** 2 + 0.01),
    "polynomial_cycle": (lambda: S.PolynomialDecay(0.1, 8, 0.01, cycle=True),
                         (0.1 - 0.01) * (1 - STEPS / (8 * np.maximum(np.ceil(STEPS / 8), 1))) + 0.01),
    "inverse_time": (lambda: S.InverseTimeDecay(0.1, 5, 0.5), 0.1 / (1 + 0.5 * STEPS / 5)),
    "inverse_time_staircase": (lambda: S.InverseTimeDecay(0.1, 5, 0.5, True), 0.1 / (1 + 0.5 * np.floor(STEPS / 5))),
    "cosine": (lambda: S.CosineDecay(0.1, 20, alpha=0.1), _cosine(STEPS, 0.1, 20, 0.1)),
    "cosine_warmup": (lambda: S.CosineDecay(0.0, 15, warmup_target=0.2, warmup_steps=5),
                      np.where(STEPS < 5, 0.2 * STEPS / 5, _cosine(np.minimum(STEPS, 20) - 5, 0.2, 15, 0.0))),
    "restarts": (lambda: S.CosineDecayRestarts(0.1, 4, t_mul=2.0, m_mul=0.5, alpha=0.05),
                 _restarts(STEPS, 0.1, 4, 2.0, 0.5, 0.05)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_schedule_values_graph_and_eager(name):
    make, expected = CASES[name]
    with tf.Graph().as_default():
        step = tf.placeholder(tf.int64, [])
        rate = make()(step)
        with tf.Session() as s:
            graph = [s.run(rate, {step: int(i)}) for i in STEPS]
    with eager_mode():
        eager = [make()(tf.constant(int(i), tf.int64)).numpy() for i in STEPS]
    np.testing.assert_allclose(graph, expected, rtol=1e-5)
    np.testing.assert_allclose(eager, expected, rtol=1e-5)


def test_schedule_configs_serialization_and_errors():
    schedule = S.CosineDecay(0.1, 20, alpha=0.1, warmup_target=0.3, warmup_steps=4)
    assert schedule.get_config() == {"initial_learning_rate": 0.1, "decay_steps": 20, "alpha": 0.1, "name": None,
                                     "warmup_target": 0.3, "warmup_steps": 4}
    with eager_mode():
        spec = S.serialize(S.ExponentialDecay(0.1, 10, 0.5, name="decay"))
    assert spec == {"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay", "config": {
        "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": False, "name": "decay"},
        "registered_name": None}
    back = S.deserialize(spec)
    assert type(back) is S.ExponentialDecay and back.get_config() == spec["config"]
    assert S.CosineDecayRestarts(0.1, 4).get_config() == {"initial_learning_rate": 0.1, "first_decay_steps": 4,
                                                          "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0, "name": None}
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less than the length of values"):
        S.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(NotImplementedError, match="must override `get_config"):
        S.LearningRateSchedule().get_config()
    with pytest.raises(ValueError, match="Unknown decay: 'Nope'"):
        S.deserialize({"class_name": "Nope", "config": {}})


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_a_schedule_is_the_learning_rate_at_the_optimizers_iterations(eager):
    """SGD on a linear model: each step's update uses the schedule at the step count before it (0, 1, 2, ...)."""
    x = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]], np.float32)
    y = np.array([[1.0], [-2.0], [0.5]], np.float32)
    schedule = S.ExponentialDecay(0.1, 2, 0.5)

    def train():
        model = K.Sequential([K.layers.Dense(1, input_shape=(2,), kernel_initializer="zeros")])
        opt = K.optimizers.SGD(schedule)
        model.compile(opt, "mse")
        model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
        model.train_on_batch(x, y)
        return model.get_weights(), opt
    if eager:
        with eager_mode():
            (kernel, bias), opt = train()
            steps = int(opt.iterations.numpy())
    else:
        with tf.Graph().as_default():
            (kernel, bias), opt = train()
            steps = int(K.backend.get_session().run(opt.iterations))
    w, b = np.zeros((2, 1)), np.zeros(1)
    for step in range(3):
        err = x @ w + b - y
        lr = 0.1 * 0.5 ** (step / 2)
        w, b = w - lr * 2 * x.T @ err / len(x), b - lr * 2 * err.mean(0)
    assert steps == 3 and opt.learning_rate is schedule
    np.testing.assert_allclose(kernel, w, rtol=1e-5)
    np.testing.assert_allclose(bias, b, rtol=1e-5)


def test_a_schedule_is_saved_with_the_optimizer(tmp_path):
    with tf.Graph().as_default():
        model = K.Sequential([K.layers.Dense(1, input_shape=(2,))])
        model.compile(K.optimizers.Adam(S.PolynomialDecay(0.01, 100, 0.001)), "mse")
        model.fit(np.ones((4, 2)), np.zeros((4, 1)), verbose=0)
        config = K.optimizers.serialize(model.optimizer)["config"]["learning_rate"]
        assert config["class_name"] == "PolynomialDecay"
        model.save(tmp_path / "m.h5")
    with tf.Graph().as_default():
        loaded = K.models.load_model(tmp_path / "m.h5")
        assert loaded.optimizer.learning_rate.get_config() == S.PolynomialDecay(0.01, 100, 0.001).get_config()
        loaded.fit(np.ones((4, 2)), np.zeros((4, 1)), verbose=0)
        assert K.backend.get_session().run(loaded.optimizer.iterations) == 2  # the saved count went on


def test_the_legacy_module_and_the_submodule_imports():
    from graphgrad.keras.optimizers.schedules import CosineDecay

    from graphgrad.keras.optimizers import legacy

    names = ["Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop", "SGD"]
    assert sorted(legacy.__all__) == names
    assert all(getattr(legacy, n) is getattr(K.optimizers, n) for n in names)
    assert CosineDecay is S.CosineDecay and K.optimizers.legacy is legacy
