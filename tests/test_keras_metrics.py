"""tf.keras.metrics' stateful classes while executing eagerly, R2Score / F1Score (which tf_keras' TF1 graph mode
never runs, so the recorded programs cannot hold them), user subclasses of Metric, and the metric names of
Model.compile. Expected numbers come from tf-keras 2.21 executing eagerly (TF_USE_LEGACY_KERAS=1); the graph-mode
values, configs and fit/evaluate are recorded programs (keras_metrics_* in tools/record_tf1_reference.py)."""
import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf
from graphgrad import keras
from graphgrad.eager import eager_mode

M = keras.metrics
T1 = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]], np.float32)
P1 = np.array([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]], np.float32)
T2 = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], np.float32)
P2 = np.array([[0.3, 0.45, 0.25], [0.05, 0.55, 0.4], [0.35, 0.35, 0.3]], np.float32)
W2 = [1.0, 0.5, 2.0]

# name: (constructor, tf_keras' result after (T1, P1) and (T2, P2, W2))
TF_KERAS_EAGER = {
    "r2": (lambda: M.R2Score(), 0.2020404040813446),
    "r2_none": (lambda: M.R2Score(class_aggregation=None), [0.0480114, -0.0064733, 0.5645833]),
    "r2_var": (lambda: M.R2Score(class_aggregation="variance_weighted_average"), 0.16231609880924225),
    "r2_adj": (lambda: M.R2Score(num_regressors=2), 0.11337830126285553),
    "f1": (lambda: M.F1Score(), [0.3333334, 0.7058823, 0.8]),
    "f1_macro": (lambda: M.F1Score(average="macro", threshold=0.4), 0.5358973741531372),
    "f1_micro": (lambda: M.F1Score("micro"), 0.5882353782653809),
    "fbeta_w": (lambda: M.FBetaScore(average="weighted", beta=2.0), 0.6442121863365173),
    "auc": (lambda: M.AUC(), 0.8066667914390564),
}


@pytest.fixture(autouse=True)
def _fresh():
    yield
    keras.backend.clear_session()


@pytest.mark.parametrize("eager", [True, False], ids=["eager", "graph"])
def test_scores_match_tf_keras_executing_eagerly(eager):
    """Eagerly the updates run at once; in graph mode update_state returns one op grouping every assignment,
    also for metrics whose update_state returns nothing (graphgrad runs them; tf_keras' TF1 mode loses them)."""
    if eager:
        with eager_mode():
            got = {}
            for key, (make, _) in TF_KERAS_EAGER.items():
                m = make()
                assert m.update_state(T1, P1) is None
                m.update_state(T2, P2, sample_weight=W2)
                got[key] = np.asarray(m.result().numpy())
    else:
        made = {key: make() for key, (make, _) in TF_KERAS_EAGER.items()}
        first = [m.update_state(T1, P1) for m in made.values()]
        assert all(op.type == "NoOp" for op in first)
        results = {key: m(T2, P2, sample_weight=W2) for key, m in made.items()}
        with tf.Session() as s:
            s.run(tf.variables_initializer([v for m in made.values() for v in m.variables]))
            s.run(first)
            got = s.run(results)
    for key, (_, want) in TF_KERAS_EAGER.items():
        np.testing.assert_allclose(got[key], want, rtol=2e-5, atol=1e-6, err_msg=key)


def test_eager_mean_weights_reset_and_call():
    with eager_mode():
        m = M.Mean()
        m.update_state([1.0, 2.0, 3.0])
        m.update_state([[4.0, 5.0]], sample_weight=[[0.5, 1.0]])
        assert float(m.result().numpy()) == pytest.approx(2.8888888359069824)
        auc = M.AUC()
        auc(T1, P1)
        auc.reset_state()
        assert float(auc(T1, P1).numpy()) == pytest.approx(0.921875)
        assert [v.name for v in m.variables] == ["total:0", "count:0"] and m.trainable_weights == []


class Hits(M.Metric):
    """A user's metric as Keras' guide writes one: update_state assigns and returns nothing."""

    def __init__(self, name="hits", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hits = self.add_weight(name="hits", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.hits.assign_add(tf.reduce_sum(tf.cast(tf.greater(y_pred, 0.5), tf.float32)))

    def result(self):
        return self.hits


def test_a_subclassed_metric_in_graph_mode_eager_mode_and_fit():
    with eager_mode():
        c = Hits()
        c.update_state(None, [0.2, 0.7, 0.9])
        assert float(c.result().numpy()) == 2.0 and c.get_config() == {"name": "hits", "dtype": "float32"}
    c = Hits()
    value = c(None, tf.constant([0.2, 0.7, 0.9]))
    with tf.Session() as s:
        s.run(tf.variables_initializer(c.variables))
        assert [s.run(value) for _ in range(2)] == [2.0, 4.0]
        c.reset_state()
        assert s.run(c.result()) == 0.0
    x = np.linspace(-1.0, 1.0, 24, dtype=np.float32).reshape(12, 2)
    y = (x[:, :1] > 0).astype(np.float32)
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,), kernel_initializer="ones")])
    model.compile("sgd", "binary_crossentropy", metrics=[Hits()])
    h = model.fit(x, y, batch_size=5, epochs=2, verbose=0, shuffle=False)
    predicted = model.predict(x)
    assert h.history["hits"][-1] <= 12 and model.evaluate(x, y, verbose=0)[1] == np.sum(predicted > 0.5)


def test_eager_fit_history_matches_tf_keras():
    """Keras 2's names (a string keeps its name, 'accuracy' and 'mse'), stateful metrics over each epoch, a
    metric of several thresholds logged as an array."""
    x = np.linspace(-1.0, 1.0, 24, dtype=np.float32).reshape(12, 2)
    y = (x[:, :1] + 0.3 * x[:, 1:] > 0.1).astype(np.float32)
    with eager_mode():
        model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,),
                                                     kernel_initializer=tf.constant_initializer([[1.0], [-0.5]]))])
        model.compile(keras.optimizers.SGD(0.5), "binary_crossentropy",
                      metrics=["accuracy", "mse", M.AUC(name="a"), M.Precision(thresholds=[0.3, 0.7], name="p2")])
        h = model.fit(x, y, batch_size=5, epochs=2, verbose=0, shuffle=False)
        evaluated = model.evaluate(x, y, batch_size=4, verbose=0)
    assert list(h.history) == ["loss", "accuracy", "mse", "a", "p2"]
    want = {"loss": [0.557961, 0.442626], "accuracy": [0.916667, 1.0], "mse": [0.183407, 0.130998], "a": [1.0, 1.0],
            "p2": [[0.416667, 0.0], [0.5, 1.0]]}
    for key, values in want.items():
        np.testing.assert_allclose(np.asarray(h.history[key], float), values, rtol=1e-4, atol=1e-5, err_msg=key)
    np.testing.assert_allclose(evaluated[:4], [0.3830712, 0.9166667, 0.1075681, 1.0], rtol=1e-4)
    np.testing.assert_allclose(evaluated[4], [0.5555556, 1.0], rtol=1e-5)


def test_compile_names_and_duplicates_as_keras_2():
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy", "mse", "AUC", "Precision", M.binary_accuracy])
    assert model.metrics_names == ["loss", "accuracy", "mse", "auc", "precision", "binary_accuracy"]
    assert [type(m).__name__ for m in model.metrics] == ["MeanMetricWrapper", "MeanMetricWrapper", "AUC",
                                                         "Precision", "MeanMetricWrapper"]
    with pytest.raises(ValueError, match="Found two metrics with the same name: recall. All the metrics added to "
                                         "the model need to have unique names."):  # Keras: at the first fit
        model.compile("sgd", "binary_crossentropy", metrics=[M.Recall(), "Recall"])
    with pytest.raises(ValueError, match="Unknown metric function: 'precision'"):
        model.compile("sgd", "binary_crossentropy", metrics=["precision"])


def test_the_module_has_every_name_of_tf_keras_metrics():
    tf_keras = {  # dir(tf.keras.metrics) in tf-keras 2.21, public names
        "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU", "CategoricalAccuracy",
        "CategoricalCrossentropy", "CategoricalHinge", "CosineSimilarity", "F1Score", "FBetaScore", "FalseNegatives",
        "FalsePositives", "Hinge", "IoU", "KLD", "KLDivergence", "LogCoshError", "MAE", "MAPE", "MSE", "MSLE", "Mean",
        "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanIoU", "MeanMetricWrapper", "MeanRelativeError",
        "MeanSquaredError", "MeanSquaredLogarithmicError", "MeanTensor", "Metric", "OneHotIoU", "OneHotMeanIoU",
        "Poisson", "Precision", "PrecisionAtRecall", "R2Score", "Recall", "RecallAtPrecision", "RootMeanSquaredError",
        "SensitivityAtSpecificity", "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
        "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity", "SquaredHinge", "Sum", "TopKCategoricalAccuracy",
        "TrueNegatives", "TruePositives", "binary_accuracy", "binary_crossentropy", "binary_focal_crossentropy",
        "categorical_accuracy", "categorical_crossentropy", "categorical_focal_crossentropy", "cosine",
        "cosine_proximity", "deserialize", "get", "hinge", "kl_divergence", "kld", "kullback_leibler_divergence",
        "log_cosh", "logcosh", "mae", "mape", "mean_absolute_error", "mean_absolute_percentage_error",
        "mean_squared_error", "mean_squared_logarithmic_error", "mse", "msle", "poisson", "serialize",
        "sparse_categorical_accuracy", "sparse_categorical_crossentropy", "sparse_top_k_categorical_accuracy",
        "squared_hinge", "top_k_categorical_accuracy"}
    assert tf_keras <= set(dir(M)) and set(M.__all__) == tf_keras
    for name in tf_keras:
        obj = getattr(M, name)
        if isinstance(obj, type) and name not in ("Metric", "MeanMetricWrapper"):
            assert issubclass(obj, M.Metric) and obj.__doc__, name


def test_an_array_metric_in_the_progress_bar_shows_its_mean(capsys):
    x = np.linspace(-1.0, 1.0, 8, dtype=np.float32).reshape(4, 2)
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,), kernel_initializer="ones")])
    model.compile("sgd", "binary_crossentropy", metrics=[M.Precision(thresholds=[0.3, 0.99], name="p")])
    h = model.fit(x, (x[:, :1] > 0).astype(np.float32), epochs=1, verbose=2)
    assert np.shape(h.history["p"][0]) == (2,)
    assert f"p: {np.mean(h.history['p'][0]):.4f}" in capsys.readouterr().out


def test_metric_objects_are_saved_with_the_model(tmp_path):
    pytest.importorskip("h5py")
    x = np.linspace(-1.0, 1.0, 16, dtype=np.float32).reshape(8, 2)
    y = (x[:, :1] > 0).astype(np.float32)
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile("sgd", "binary_crossentropy", metrics=[M.AUC(name="a", curve="PR"), "accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(str(tmp_path / "m.h5"))
    want = model.evaluate(x, y, verbose=0)
    back = keras.models.load_model(str(tmp_path / "m.h5"))
    assert back.metrics_names == ["loss", "a", "accuracy"] and back.metrics[0].get_config()["curve"] == "PR"
    np.testing.assert_allclose(back.evaluate(x, y, verbose=0), want, rtol=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**16), st.booleans())
def test_means_and_rates_against_numpy(rows, cols, seed, weighted):
    """Mean, Sum, MeanTensor, Precision and Recall over two batches against NumPy's arithmetic."""
    rng = np.random.RandomState(seed)
    batches = [(rng.randint(0, 2, (rows, cols)).astype(np.float32), rng.uniform(size=(rows, cols)).astype(np.float32),
                rng.uniform(size=(rows, 1)).astype(np.float32) if weighted else None) for _ in range(2)]
    with eager_mode():
        made = {"mean": M.Mean(), "sum": M.Sum(), "tensor": M.MeanTensor(), "p": M.Precision(thresholds=[0.3, 0.6]),
                "r": M.Recall(thresholds=[0.3, 0.6])}
        for t, p, w in batches:
            for key, m in made.items():
                if key in ("p", "r"):
                    m.update_state(t, p, sample_weight=w)
                else:
                    m.update_state(p, sample_weight=w)
        got = {k: np.asarray(m.result().numpy()) for k, m in made.items()}
    t = np.concatenate([b[0] for b in batches])
    p = np.concatenate([b[1] for b in batches])
    ws = [b[2] * np.ones_like(b[1]) if weighted else np.ones_like(b[1]) for b in batches]
    w = np.concatenate(ws)
    np.testing.assert_allclose(got["mean"], (p * w).sum() / w.sum(), rtol=1e-5)
    np.testing.assert_allclose(got["sum"], (p * w).sum(), rtol=1e-5)
    np.testing.assert_allclose(got["tensor"], sum(b[1] * wb for b, wb in zip(batches, ws)) / sum(ws), rtol=1e-5)
    for i, threshold in enumerate([0.3, 0.6]):
        tp = (w * (t == 1) * (p > threshold)).sum()
        fp = (w * (t == 0) * (p > threshold)).sum()
        fn = (w * (t == 1) * (p <= threshold)).sum()
        np.testing.assert_allclose(got["p"][i], tp / (tp + fp) if tp + fp else 0.0, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(got["r"][i], tp / (tp + fn) if tp + fn else 0.0, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_accuracy_is_chosen_as_keras_chooses_it(eager):
    """One output unit: binary accuracy (also with an MSE loss); the sparse loss: ids, as a vector or a column."""
    x = np.random.RandomState(0).normal(size=(20, 3)).astype(np.float32)
    ids = (x[:, 0] > 0).astype(np.int32)
    with eager_mode() if eager else contextlib.nullcontext():
        one = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(3,))])
        one.compile("sgd", "mse", metrics=["accuracy"])
        got = one.evaluate(x, ids[:, None].astype(np.float32), verbose=0)[1]
        assert got == pytest.approx(np.mean((one.predict(x)[:, 0] > 0.5) == ids))
        two = keras.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=(3,))])
        two.compile("sgd", "sparse_categorical_crossentropy", metrics=["acc"])
        want = np.mean(two.predict(x).argmax(1) == ids)
        assert [two.evaluate(x, y, verbose=0)[1] for y in (ids, ids[:, None])] == pytest.approx([want, want])
