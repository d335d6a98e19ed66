"""What the BLAS thread count costs on a busy machine: an MLP training step (784-256x6-10, ReLU, batch 64, sparse
softmax cross-entropy, SGD) timed with OpenBLAS's default threads and with one, each in its own child process
(OPENBLAS_NUM_THREADS is read when NumPy loads), alone and beside `--busy` processes that spin on a core each.
The figures of docs/devices.md ("Threads") come from it.

    PYTHONPATH=. python -m bench.blas_threads [--busy 0,1] [--steps 40] [--rounds 5]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time

_CHILD = r"""
import time, numpy as np, graphgrad as tf
x = tf.placeholder(tf.float32, (64, 784)); y = tf.placeholder(tf.int64, (64,))
h = x
for i in range(6):
    with tf.variable_scope(f"dense{i}"):
        w = tf.get_variable("w", (784 if i == 0 else 256, 256), initializer=tf.glorot_uniform_initializer(seed=i))
        h = tf.nn.relu(tf.matmul(h, w) + tf.get_variable("b", (256,), initializer=tf.zeros_initializer()))
logits = tf.matmul(h, tf.get_variable("logits/w", (256, 10), initializer=tf.glorot_uniform_initializer(seed=9)))
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
sess = tf.Session(); sess.run(tf.global_variables_initializer())
rng = np.random.default_rng(0)
feed = {x: rng.standard_normal((64, 784)).astype(np.float32), y: rng.integers(0, 10, 64)}
for _ in range(30):
    sess.run(train, feed)
times = []
for _ in range(ROUNDS):
    t = time.perf_counter()
    for _ in range(STEPS):
        sess.run(train, feed)
    times.append((time.perf_counter() - t) / STEPS)
times.sort()
print(times[len(times) // 2] * 1e3, times[0] * 1e3)
"""


def _spin():
    while True:
        pass


def _time(threads, steps, rounds):
    env = dict(os.environ)
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    code = _CHILD.replace("ROUNDS", str(rounds)).replace("STEPS", str(steps))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    median, best = (float(v) for v in out.stdout.split()[-2:])
    return median, best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--busy", default="0,1", help="numbers of spinning processes to run beside the step")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    print("| busy processes | default BLAS threads: median (best) ms/step | one thread: median (best) ms/step |")
    print("| --- | --- | --- |")
    for busy in (int(b) for b in args.busy.split(",")):
        spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(busy)]
        for p in spinners:
            p.start()
        time.sleep(0.5)
        try:
            row = [_time(None, args.steps, args.rounds), _time(1, args.steps, args.rounds)]
        finally:
            for p in spinners:
                p.terminate()
                p.join()
        print(f"| {busy} | " + " | ".join(f"{m:.2f} ({b:.2f})" for m, b in row) + " |", flush=True)


if __name__ == "__main__":
    main()
