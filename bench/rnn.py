"""W6 (standalone for now): one training step of an LSTM language-model-shaped network — hidden 128, sequence 50,
batch 64, input 32, dense 128->10 on the last output, softmax CE, Adam lr 1e-3 — in graphgrad (BasicLSTMCell +
dynamic_rnn) and PyTorch (nn.LSTM), same float32 sizes. Reports the median wall and CPU time per step.

    python -m bench.rnn [--quick]      # run with a Python that has torch (e.g. /work/bench-venv/bin/python)
"""
import argparse
import statistics
import sys
import time

import numpy as np

HIDDEN, SEQ, BATCH, INPUT, CLASSES = 128, 50, 64, 32, 10


def _time(step, n):
    step()  # warm-up (compiles graphgrad's plans)
    walls, cpus = [], []
    for _ in range(n):
        w, c = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1e3, statistics.median(cpus) * 1e3


def graphgrad_step(x, y):
    import graphgrad as tf

    tf.reset_default_graph()
    xs = tf.placeholder(tf.float32, [BATCH, SEQ, INPUT])
    ys = tf.placeholder(tf.int32, [BATCH])
    out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(HIDDEN), xs, dtype=tf.float32)
    logits = tf.layers.dense(state.h, CLASSES)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ys, logits=logits))
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    return lambda: sess.run(train, {xs: x, ys: y})


def torch_step(x, y):
    import torch

    torch.manual_seed(0)
    lstm, dense = torch.nn.LSTM(INPUT, HIDDEN, batch_first=True), torch.nn.Linear(HIDDEN, CLASSES)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(dense.parameters()), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    def step():
        opt.zero_grad()
        _, (h, _) = lstm(xt)
        loss = torch.nn.functional.cross_entropy(dense(h[-1]), yt)
        loss.backward()
        opt.step()
    return step


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    n = 5 if a.quick else 20
    rng = np.random.RandomState(0)
    x = rng.randn(BATCH, SEQ, INPUT).astype(np.float32)
    y = rng.randint(0, CLASSES, BATCH).astype(np.int32)
    print(f"W6 LSTM hidden {HIDDEN}, seq {SEQ}, batch {BATCH}, input {INPUT}, Adam; median of {n} steps")
    for name, make in (("graphgrad", graphgrad_step), ("pytorch", torch_step)):
        try:
            wall, cpu = _time(make(x, y), n)
        except ImportError as e:
            print(f"{name:10s} skipped ({e})")
            continue
        print(f"{name:10s} {wall:8.1f} ms/step wall  {cpu:8.1f} ms/step CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
