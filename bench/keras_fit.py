"""`model.fit` of a Keras MLP, graphgrad's `tf.keras` against TensorFlow's (tf_keras, `TF_USE_LEGACY_KERAS=1`):
seconds per epoch, each framework in a fresh child process, one after the other.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.keras_fit [--epochs 20] [--cold] [--frameworks gg,tf]
        [--inputs 784 --width 256 --batch 128 --samples 60000]

The model is by default W2's (Dense 784-256-256-10, ReLU, softmax; Adam 1e-3, sparse categorical cross-entropy,
accuracy as a metric; batch 128, shuffled) on 60,000 random samples (`--inputs 1024 --width 2048 --batch 512
--samples 5120`: a bigger one, whose steps are mostly its products), `fit(..., epochs=1)` called once per epoch as a
loop that reports each epoch would. The per-epoch times show a cold plan's first seconds on the ops' kernels,
the islands being compiled (`--cold`: graphgrad's island cache a new empty folder, as in a program's first run
on a machine) and the steps after; then `evaluate` and `predict` of 10,000 samples.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def child(framework, epochs, inputs, width, batch, samples):
    import numpy as np
    if framework == "tf":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tensorflow as tf
    else:
        import graphgrad as tf
    keras = tf.keras
    rng = np.random.default_rng(0)
    x = rng.random((samples, inputs), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    model = keras.Sequential([keras.layers.Dense(width, activation="relu", input_shape=(inputs,)),
                              keras.layers.Dense(width, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    t = time.perf_counter()
    model.evaluate(x[:10000], y[:10000], batch_size=batch, verbose=0)
    evaluate = time.perf_counter() - t
    t = time.perf_counter()
    model.predict(x[:10000], batch_size=batch, verbose=0)
    predict = time.perf_counter() - t
    print("RESULT", framework, " ".join(f"{v:.2f}" for v in times), f"{total:.1f}", f"{evaluate:.3f}",
          f"{predict:.3f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--cold", action="store_true", help="graphgrad from an empty island cache")
    p.add_argument("--frameworks", default="gg,tf")
    p.add_argument("--inputs", type=int, default=784)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--samples", type=int, default=60000)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    size = ["--inputs", str(a.inputs), "--width", str(a.width), "--batch", str(a.batch), "--samples", str(a.samples)]
    if a.child:
        child(a.child, a.epochs, a.inputs, a.width, a.batch, a.samples)
        return
    print("| framework | s per epoch, in order | all epochs, s | evaluate 10k, s | predict 10k, s |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as empty:
        for fw in a.frameworks.split(","):
            env = dict(os.environ)
            if a.cold and fw == "gg":
                env["GRAPHGRAD_JIT_CACHE"] = empty
            out = subprocess.run([sys.executable, "-m", "bench.keras_fit", "--child", fw, "--epochs", str(a.epochs),
                                  *size], env=env, capture_output=True, text=True)
            line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")), None)
            if line is None:
                print(f"| {fw} | failed: {(out.stderr.strip().splitlines() or ['?'])[-1]} | | | |")
                continue
            _, name, *vals = line.split()
            *epochs, total, evaluate, predict = vals
            label = {"gg": "graphgrad" + (" (empty island cache)" if a.cold else ""), "tf": "tf.keras (TF 2.21)"}[name]
            print(f"| {label} | {' '.join(epochs)} | {total} | {evaluate} | {predict} |")


if __name__ == "__main__":
    main()
