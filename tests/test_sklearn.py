"""graphgrad.sklearn: scikit-learn's estimator checks, its tools (Pipeline, GridSearchCV, cross_val_score), pickling,
the same numbers as sklearn's own MLP from the same seed, threads, and scikit-learn as an optional extra.

Skips that parametrize_with_checks reports come from scikit-learn itself, not from a choice here:
`check_array_api_input` (runs only with SCIPY_ARRAY_API=1), the pandas part of `check_*_data_not_an_array` (pandas
is not installed) and `check_classifiers_multilabel_output_format_decision_function` (no decision_function, as
sklearn's MLPClassifier)."""
import pickle
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from graphgrad.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks([MLPClassifier(max_iter=100), MLPRegressor(max_iter=100)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _blobs(n=120, classes=3, seed=0):
    return make_classification(n_samples=n, n_features=6, n_informative=4, n_classes=classes, class_sep=2.0,
                               n_clusters_per_class=1, random_state=seed)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_same_loss_curve_and_weights_as_sklearns_mlp(solver):
    """Same seed, same initialization, batches, loss and optimizer: sklearn's numbers, to rounding."""
    X, y = _blobs()
    kw = dict(hidden_layer_sizes=(8, 5), solver=solver, max_iter=15, random_state=3, batch_size=32,
              learning_rate_init=0.01)
    ours, theirs = MLPClassifier(**kw).fit(X, y), SkMLPClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-5)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-4, atol=1e-6)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_


def test_regressor_matches_sklearn_multi_output():
    X, y = make_regression(n_samples=80, n_features=5, n_targets=2, noise=0.1, random_state=0)
    y = y / 100
    kw = dict(hidden_layer_sizes=(7,), max_iter=10, random_state=0, activation="tanh", alpha=0.01)
    ours, theirs = MLPRegressor(**kw).fit(X, y), SkMLPRegressor(**kw).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-5)
    assert ours.predict(X).shape == (80, 2)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), atol=1e-4)   # Adam amplifies rounding


def test_binary_and_multilabel_targets():
    X, y = _blobs(classes=2)
    clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=50, random_state=0).fit(X, np.where(y, "yes", "no"))
    assert list(clf.classes_) == ["no", "yes"] and clf.out_activation_ == "logistic"
    assert clf.predict_proba(X).shape == (120, 2) and set(clf.predict(X)) <= {"no", "yes"}
    Y = np.stack([y, 1 - y, (X[:, 0] > 0).astype(int)], axis=1)
    kw = dict(hidden_layer_sizes=(10,), max_iter=50, random_state=0)
    ml = MLPClassifier(**kw).fit(X, Y)
    assert ml.predict(X).shape == (120, 3) and ml.predict_proba(X).shape == (120, 3)
    np.testing.assert_allclose(ml.predict_proba(X), SkMLPClassifier(**kw).fit(X, Y).predict_proba(X), atol=1e-4)


def test_fitted_attributes_early_stopping_and_convergence_warning():
    X, y = _blobs(n=200)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        MLPClassifier(max_iter=3, random_state=0).fit(X, y)
    clf = MLPClassifier(early_stopping=True, n_iter_no_change=3, max_iter=200, random_state=0).fit(X, y)
    assert clf.n_iter_ < 200 and len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_) and clf.best_loss_ is None
    assert all(isinstance(c, np.ndarray) for c in clf.coefs_ + clf.intercepts_)
    assert [c.shape for c in clf.coefs_] == [(6, 100), (100, 3)] and clf.n_features_in_ == 6
    assert clf.loss_ == clf.loss_curve_[-1]


def test_warm_start_partial_fit_and_float32():
    X, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, warm_start=True, random_state=0).fit(X, y)
    clf.fit(X, y)
    assert clf.n_iter_ == 8 and len(clf.loss_curve_) == 8
    inc = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    for _ in range(3):
        inc.partial_fit(X, y, classes=np.unique(y))
    assert inc.n_iter_ == 3
    f32 = MLPRegressor(hidden_layer_sizes=(5,), max_iter=5).fit(X.astype(np.float32), y.astype(np.float32))
    assert f32.coefs_[0].dtype == np.float32 and f32.predict(X.astype(np.float32)).dtype == np.float32


def test_bad_parameters_raise_clear_errors():
    X, y = _blobs()
    with pytest.raises(ValueError, match="lbfgs.*not implemented"):
        MLPClassifier(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="'activation' parameter"):
        MLPClassifier(activation="softsign").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=(3, 0)).fit(X, y)


def test_pipeline_grid_search_and_cross_val_score():
    X, y = _blobs(n=150)
    kw = dict(hidden_layer_sizes=(16,), max_iter=60, learning_rate_init=0.02, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**kw))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.9
    np.testing.assert_allclose(scores, cross_val_score(make_pipeline(StandardScaler(), SkMLPClassifier(**kw)), X, y,
                                                       cv=3), atol=0.02)   # a prediction may flip, no more
    grid = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-1], "mlpclassifier__activation": ["relu", "tanh"]},
                        cv=2).fit(X, y)
    assert grid.best_estimator_.score(X, y) > 0.7


def test_pickle_holds_arrays_only_and_predicts_the_same():
    X, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(9,), max_iter=20, random_state=0).fit(X, y)
    state = clf.__getstate__()
    assert "_trainer" not in state and "_predictor" not in state
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    again.partial_fit(X, y)                 # a fresh optimizer, the same weights
    assert again.n_iter_ == 21


def test_estimators_train_in_parallel_threads():
    X, y = _blobs()
    kw = dict(hidden_layer_sizes=(12,), max_iter=20, random_state=1)
    expected = MLPClassifier(**kw).fit(X, y).predict_proba(X)
    results = [None] * 4

    def fit(i):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                results[i] = MLPClassifier(**kw).fit(X, y).predict_proba(X)
            except Exception as e:  # a thread's error would otherwise vanish (a real GPU's capture once did)
                results[i] = e

    threads = [threading.Thread(target=fit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert not isinstance(r, Exception), r
        np.testing.assert_array_equal(r, expected)


def test_scikit_learn_stays_optional():
    code = ("import sys; import graphgrad; assert 'sklearn' not in sys.modules\n"
            "sys.modules['sklearn'] = None\n"
            "try:\n    import graphgrad.sklearn\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'graphgrad[sklearn]'" in out
