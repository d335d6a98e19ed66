"""The classic Keras examples (mnist_mlp.py, mnist_cnn.py on the bundled 8x8 digits) trained by graphgrad and, where
TensorFlow is installed, by Keras itself, over several seeds: the accuracy table of docs/keras.md.

    PYTHONPATH=. /work/bench-venv/bin/python tools/keras_examples_reference.py [--seeds 9]
"""
from __future__ import annotations

import argparse
import os
import statistics

import numpy as np

import graphgrad

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
DIGITS = graphgrad.datasets.load_digits()


def _examples(keras, layers, adadelta):
    """(name, model builder, optimizer builder, epochs, input reshape) of the two examples in `keras`'s API."""
    mlp = lambda: keras.Sequential([layers.Dense(512, activation="relu", input_shape=(64,)), layers.Dropout(0.2),  # noqa: E731
                                    layers.Dense(512, activation="relu"), layers.Dropout(0.2),
                                    layers.Dense(10, activation="softmax")])
    cnn = lambda: keras.Sequential([layers.Conv2D(32, (3, 3), activation="relu", input_shape=(8, 8, 1)),  # noqa: E731
                                    layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
                                    layers.Dropout(0.25), layers.Flatten(), layers.Dense(128, activation="relu"),
                                    layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
    return [("mlp", mlp, keras.optimizers.RMSprop, 10, (-1, 64)), ("cnn", cnn, adadelta, 5, (-1, 8, 8, 1))]


def _accuracies(keras, layers, adadelta, seed_all, clear, seeds):
    out = {}
    yt, yv = keras.utils.to_categorical(DIGITS.y_train, 10), keras.utils.to_categorical(DIGITS.y_test, 10)
    for name, build, optimizer, epochs, shape in _examples(keras, layers, adadelta):
        out[name] = []
        for seed in range(seeds):
            seed_all(seed)
            model = build()
            model.compile(loss="categorical_crossentropy", optimizer=optimizer(), metrics=["accuracy"])
            model.fit(DIGITS.x_train.reshape(shape), yt, batch_size=128, epochs=epochs, verbose=0)
            out[name].append(float(model.evaluate(DIGITS.x_test.reshape(shape), yv, verbose=0)[1]))
            clear()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=9)
    args = ap.parse_args(argv)
    from graphgrad import keras as gk

    def gg_seed(seed):
        np.random.seed(seed)
        graphgrad.set_random_seed(seed)

    rows = {"graphgrad": _accuracies(gk, gk.layers, gk.optimizers.Adadelta, gg_seed, gk.backend.clear_session,
                                     args.seeds)}
    try:
        import tensorflow as tf
        from tensorflow import keras as tk
    except ImportError:
        print("TensorFlow is not installed here: graphgrad's figures only")
    else:
        def tf_seed(seed):
            np.random.seed(seed)
            tf.random.set_seed(seed)

        # TF1-era Keras's Adadelta default learning rate (1.0), which graphgrad keeps; Keras 3's is 0.001
        adadelta = lambda: tk.optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-7)  # noqa: E731
        rows[f"Keras {tk.__version__}"] = _accuracies(tk, tk.layers, adadelta, tf_seed, tk.backend.clear_session,
                                                      args.seeds)
    print("| example | " + " | ".join(rows) + " |\n| --- |" + " --- |" * len(rows))
    for name in ("mlp", "cnn"):
        cells = [f"{statistics.mean(r[name]):.3f} ± {statistics.stdev(r[name]):.3f}" for r in rows.values()]
        print(f"| {name} (seeds 0-{args.seeds - 1}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
