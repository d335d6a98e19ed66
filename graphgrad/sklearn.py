"""scikit-learn estimators trained by graphgrad: `MLPClassifier` and `MLPRegressor`.

Drop-in for `sklearn.neural_network.MLPClassifier` / `MLPRegressor` with the stochastic solvers: the same
parameters, the same loss (log loss or half squared error plus `alpha / 2 * ||W||² / batch size`), the same
Glorot initialization, batching, stopping rule and fitted attributes. The forward and backward pass is a
graphgrad graph: each fit builds its own `Graph` and `Session` (nothing global, so estimators train in parallel
threads), the optimizer is `tf.train.AdamOptimizer` or `MomentumOptimizer`, and the gradients come from autodiff.

Fitted weights live in the estimator as NumPy arrays (`coefs_`, `intercepts_`); prediction runs a small graph
that takes them as feeds, built on the first predict after unpickling. Pickles hold only the arrays.

Needs scikit-learn: `pip install 'graphgrad[sklearn]'` (docs/sklearn.md).
"""
from __future__ import annotations

import warnings

import numpy as np

try:
    import scipy.sparse as _sp
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state, column_or_1d
    from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
    from sklearn.utils.validation import check_is_fitted
except ImportError as e:  # pragma: no cover - exercised by a test that hides sklearn
    raise ImportError("graphgrad.sklearn needs scikit-learn, an optional extra: "
                      "pip install 'graphgrad[sklearn]'") from e

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)

__all__ = ["MLPClassifier", "MLPRegressor"]

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
SOLVERS = ("adam", "sgd")
LEARNING_RATES = ("constant", "invscaling", "adaptive")


def _activation(tf, name):
    return {"identity": None, "logistic": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu}[name]


def _dense(x):
    return x.toarray() if _sp.issparse(x) else x


def _forward(tf, x, coefs, intercepts, activation):
    """The logits (pre-output-activation values) of the MLP with these weights (Tensors or Variables)."""
    act = _activation(tf, activation)
    h = x
    for i, (w, b) in enumerate(zip(coefs, intercepts)):
        h = tf.matmul(h, w) + b
        if act is not None and i < len(coefs) - 1:
            h = act(h)
    return h


def _output(tf, logits, out_activation):
    if out_activation == "softmax":
        return tf.nn.softmax(logits)
    if out_activation == "logistic":
        return tf.sigmoid(logits)
    return logits


class _Predictor:
    """A graph of the forward pass whose weights are placeholders: stateless, shared by concurrent predicts."""

    def __init__(self, key):
        import graphgrad as tf

        self.key = key
        shapes, activation, out_activation, dtype = key
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.placeholder(dtype, (None, shapes[0][0]), name="x")
            self.coefs = [tf.placeholder(dtype, s, name=f"coef{i}") for i, s in enumerate(shapes)]
            self.intercepts = [tf.placeholder(dtype, (s[1],), name=f"intercept{i}") for i, s in enumerate(shapes)]
            out = _output(tf, _forward(tf, self.x, self.coefs, self.intercepts, activation), out_activation)
        self.session = tf.Session(graph=self.graph)
        self.run = self.session.make_callable(out, [self.x, *self.coefs, *self.intercepts])

    def __call__(self, x, coefs, intercepts, chunk=4096):
        parts = [self.run(_dense(x[i:i + chunk]), *coefs, *intercepts) for i in range(0, x.shape[0], chunk)]
        return np.concatenate(parts) if len(parts) != 1 else parts[0]


class _Trainer:
    """One fit's graph and session: weights as variables, the loss, one optimizer step (its slots persist, so
    partial_fit continues where the last call stopped)."""

    def __init__(self, est, coefs, intercepts, dtype):
        import graphgrad as tf

        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf.placeholder(dtype, (None, coefs[0].shape[0]), name="x")
            self.y = tf.placeholder(dtype, (None, coefs[-1].shape[1]), name="y")
            self.lr = tf.placeholder(dtype, (), name="learning_rate")
            self.coefs = [tf.Variable(c, name=f"coef{i}") for i, c in enumerate(coefs)]
            self.intercepts = [tf.Variable(b, name=f"intercept{i}") for i, b in enumerate(intercepts)]
            logits = _forward(tf, self.x, self.coefs, self.intercepts, est.activation)
            self.out = _output(tf, logits, est.out_activation_)
            if est.out_activation_ == "softmax":
                data_loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=self.y, logits=logits))
            elif est.out_activation_ == "logistic":
                per_output = tf.nn.sigmoid_cross_entropy_with_logits(labels=self.y, logits=logits)
                data_loss = tf.reduce_mean(tf.reduce_sum(per_output, axis=1))
            else:
                data_loss = 0.5 * tf.reduce_mean(tf.square(logits - self.y))
            self.loss = data_loss
            if est.alpha > 0:
                n = tf.cast(tf.shape(self.x)[0], dtype)
                l2 = tf.add_n([tf.reduce_sum(tf.square(w)) for w in self.coefs])
                self.loss = data_loss + (0.5 * est.alpha) * l2 / n
            if est.solver == "adam":
                opt = tf.train.AdamOptimizer(self.lr, est.beta_1, est.beta_2, est.epsilon)
            elif est.momentum > 0:
                opt = tf.train.MomentumOptimizer(self.lr, est.momentum, use_nesterov=est.nesterovs_momentum)
            else:
                opt = tf.train.GradientDescentOptimizer(self.lr)
            self.step_op = opt.minimize(self.loss)
            init = tf.global_variables_initializer()
        self.variables = self.coefs + self.intercepts
        self.session = tf.Session(graph=self.graph)
        self.session.run(init)
        self.step = self.session.make_callable([self.step_op, self.loss], [self.x, self.y, self.lr])
        self.predict = self.session.make_callable(self.out, [self.x])

    def load(self, coefs, intercepts):
        self.session.load_variable_values(dict(zip(self.variables, [*coefs, *intercepts])))

    def weights(self):
        values = self.session.variable_values(self.variables)
        arrays = [values[v.op] for v in self.variables]
        n = len(self.coefs)
        return arrays[:n], arrays[n:]


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share (sklearn's BaseMultilayerPerceptron, stochastic solvers)."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # --- checks -----------------------------------------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}.")
        return [int(s) for s in sizes]

    def _check_params(self):
        def choose(name, options):
            if getattr(self, name) not in options:
                raise ValueError(f"The '{name}' parameter of {type(self).__name__} must be one of "
                                 f"{', '.join(map(repr, options))}. Got {getattr(self, name)!r} instead.")

        if self.solver == "lbfgs":
            raise ValueError("solver='lbfgs' is not implemented in graphgrad.sklearn; use solver='adam' or 'sgd' "
                             "(or sklearn.neural_network for L-BFGS).")
        choose("solver", SOLVERS)
        choose("activation", ACTIVATIONS)
        choose("learning_rate", LEARNING_RATES)
        checks = [("alpha", self.alpha >= 0), ("learning_rate_init", self.learning_rate_init > 0),
                  ("power_t", self.power_t >= 0), ("tol", self.tol >= 0), ("momentum", 0 <= self.momentum <= 1),
                  ("validation_fraction", 0 <= self.validation_fraction < 1), ("beta_1", 0 <= self.beta_1 < 1),
                  ("beta_2", 0 <= self.beta_2 < 1), ("epsilon", self.epsilon > 0)]
        for name, ok in checks:
            if not ok:
                raise ValueError(f"The '{name}' parameter of {type(self).__name__} is out of range: "
                                 f"{getattr(self, name)!r}.")
        for name in ("max_iter", "n_iter_no_change"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"The '{name}' parameter of {type(self).__name__} must be an int >= 1, got {v!r}.")
        b = self.batch_size
        if b != "auto" and (isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1):
            raise ValueError(f"The 'batch_size' parameter of {type(self).__name__} must be 'auto' or an int >= 1, "
                             f"got {b!r}.")

    # --- fitting ----------------------------------------------------------------------------------------
    def fit(self, X, y):
        """Fit the model to data matrix X and target(s) y; returns self."""
        return self._fit(X, y, incremental=False)

    def _initialize(self, y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        if not is_classifier(self):
            self.out_activation_ = "identity"
        elif self._label_binarizer.y_type_ == "multiclass":
            self.out_activation_ = "softmax"
        else:
            self.out_activation_ = "logistic"
        factor = 2.0 if self.activation == "logistic" else 6.0   # Glorot et al., as sklearn
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in zip(layer_units, layer_units[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            self.coefs_.append(self._random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
            self.intercepts_.append(self._random_state.uniform(-bound, bound, fan_out).astype(dtype))
        self.loss_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None
        self._trainer = None

    def _fit(self, X, y, incremental):
        self._check_params()
        hidden = self._hidden_sizes()
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        layer_units = [X.shape[1], *hidden, y.shape[1]]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, X.dtype)
        elif [c.shape for c in self.coefs_] != list(zip(layer_units, layer_units[1:])):
            raise ValueError("warm_start or partial_fit needs the same layer sizes as the fit before; got "
                             f"{layer_units}")
        y = y.astype(X.dtype)
        trainer = self.__dict__.get("_trainer")
        if trainer is None or not incremental or trainer.dtype != X.dtype:
            trainer = self._trainer = _Trainer(self, self.coefs_, self.intercepts_, X.dtype)
            trainer.dtype = X.dtype
            trainer.lr_value = float(self.learning_rate_init)
        else:
            trainer.load(self.coefs_, self.intercepts_)
        self._fit_stochastic(trainer, X, y, incremental)
        if not all(np.isfinite(w).all() for w in [*self.coefs_, *self.intercepts_]):
            raise ValueError("Solver produced non-finite parameter weights. The input data may contain large "
                             "values and need to be preprocessed.")
        self._predictor = _Predictor(self._predictor_key())
        return self

    def _fit_stochastic(self, trainer, X, y, incremental):
        rng = self._random_state
        if self.early_stopping:
            stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
            X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=rng,
                                                              test_size=self.validation_fraction, stratify=stratify)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' or the size of "
                                 "your dataset.")
            if is_classifier(self):
                y_val = self._label_binarizer.inverse_transform(y_val)
        else:
            X_train, y_train, X_val, y_val = X, y, None, None
        n = X_train.shape[0]
        if self.batch_size == "auto":
            batch = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                              stacklevel=3)
            batch = int(np.clip(self.batch_size, 1, n))
        idx = np.arange(n)
        dtype = X.dtype.type
        try:
            for _ in range(1 if incremental else self.max_iter):
                if self.shuffle:
                    idx = rng.permutation(idx)
                    xs, ys = X_train[idx], y_train[idx]
                else:
                    xs, ys = X_train, y_train
                total = 0.0
                lr = dtype(trainer.lr_value)
                for i in range(0, n, batch):
                    _, loss = trainer.step(_dense(xs[i:i + batch]), ys[i:i + batch], lr)
                    total += float(loss) * min(batch, n - i)
                self.n_iter_ += 1
                self.loss_ = total / n
                self.t_ += n
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                self._update_no_improvement_count(trainer, X_val, y_val)
                if self.solver == "sgd" and self.learning_rate == "invscaling":
                    trainer.lr_value = float(self.learning_rate_init) / (self.t_ + 1) ** self.power_t
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if self.early_stopping else "Training loss"
                    msg = (f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} "
                           "consecutive epochs.")
                    if self.solver == "sgd" and self.learning_rate == "adaptive" and trainer.lr_value > 1e-6:
                        trainer.lr_value /= 5.0
                        self._no_improvement_count = 0
                        if self.verbose:
                            print(f"{msg} Setting learning rate to {trainer.lr_value:f}")
                    else:
                        if self.verbose:
                            print(msg + (" Learning rate too small. Stopping." if self.solver == "sgd"
                                         and self.learning_rate == "adaptive" else " Stopping."))
                        break
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                                  "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)
        self.coefs_, self.intercepts_ = trainer.weights()
        if self.early_stopping:
            self.coefs_, self.intercepts_ = self._best_coefs, self._best_intercepts

    def _update_no_improvement_count(self, trainer, X_val, y_val):
        if self.early_stopping:
            out = np.concatenate([trainer.predict(_dense(X_val[i:i + 4096])) for i in range(0, X_val.shape[0], 4096)])
            pred = self._output_to_prediction(out)
            if np.issubdtype(pred.dtype, np.floating) and not np.isfinite(pred).all():
                score = np.nan
            else:
                score = self._score_function(y_val, pred)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_coefs, self._best_intercepts = trainer.weights()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    # --- predicting -------------------------------------------------------------------------------------
    def _predictor_key(self):
        dtype = self.coefs_[0].dtype
        return (tuple(c.shape for c in self.coefs_), self.activation, self.out_activation_, np.dtype(dtype).name)

    def _forward_pass_fast(self, X):
        X = _validate_data(self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False)
        key = self._predictor_key()
        predictor = self.__dict__.get("_predictor")
        if predictor is None or predictor.key != key:
            predictor = self._predictor = _Predictor(key)   # after unpickling, or weights set by hand
        dtype = self.coefs_[0].dtype
        coefs = [np.asarray(c, dtype) for c in self.coefs_]
        intercepts = [np.asarray(b, dtype) for b in self.intercepts_]
        return predictor(X.astype(dtype, copy=False), coefs, intercepts)

    # --- pickling ---------------------------------------------------------------------------------------
    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        state.pop("_trainer", None)     # graphs and sessions are rebuilt: on predict, or by the next fit
        state.pop("_predictor", None)
        return state

    def __setstate__(self, state):
        if hasattr(super(), "__setstate__"):
            super().__setstate__(state)
        else:  # pragma: no cover
            self.__dict__.update(state)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multilabel": is_classifier(self)}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by graphgrad; the parameters of sklearn's MLPClassifier
    (solvers 'adam' and 'sgd'). Softmax output for multi-class, logistic for binary and multi-label targets."""

    def _validate_input(self, X, y, incremental, reset):
        X, y = _validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                              dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same classes as in the "
                                     f"previous call to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                                 f"'y' has {classes}.")
        return X, self._label_binarizer.transform(y).astype(X.dtype)

    def _output_to_prediction(self, out):
        if self.n_outputs_ == 1:
            out = out.ravel()
        return self._label_binarizer.inverse_transform(out)

    @staticmethod
    def _score_function(y, pred):
        return accuracy_score(y, pred)

    def predict(self, X):
        """The predicted classes, shape (n_samples,) or (n_samples, n_classes) for multi-label targets."""
        check_is_fitted(self)
        return self._output_to_prediction(self._forward_pass_fast(X))

    def predict_proba(self, X):
        """Probability of each class, in the order of `classes_`."""
        check_is_fitted(self)
        out = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            out = out.ravel()
        return np.vstack([1 - out, out]).T if out.ndim == 1 else out

    def predict_log_proba(self, X):
        """log(predict_proba(X))."""
        p = self.predict_proba(X)
        return np.log(p, out=p)

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y); `classes` is needed on the first call. The optimizer's state carries over
        between calls (not across pickling: an unpickled estimator's next partial_fit starts it afresh)."""
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y if type_of_target(y).startswith("multilabel") else classes)
        return self._fit(X, y, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by graphgrad (half squared error, identity output); the
    parameters of sklearn's MLPRegressor (solvers 'adam' and 'sgd'); multi-output targets."""

    def _validate_input(self, X, y, incremental, reset):
        X, y = _validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True, y_numeric=True,
                              dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _output_to_prediction(self, out):
        return out.ravel() if out.shape[1] == 1 else out

    @staticmethod
    def _score_function(y, pred):
        return r2_score(y, pred)

    def predict(self, X):
        """The predicted values, shape (n_samples,) or (n_samples, n_outputs)."""
        check_is_fitted(self)
        return self._output_to_prediction(self._forward_pass_fast(X))

    def partial_fit(self, X, y):
        """One epoch over (X, y), the optimizer's state carrying over between calls."""
        return self._fit(X, y, incremental=True)

