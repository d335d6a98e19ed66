"""A TF1 queue-fed input pipeline, graphgrad against TensorFlow's compat.v1 in one process, rounds alternating:
`string_input_producer` -> `TextLineReader` -> `decode_csv` (10 float columns) -> `tf.train.batch(128)` with
its queue runners, drained to `OutOfRangeError`; records per second (wall) and CPU time per record (the whole
process, every thread: steadier on a busy machine), best round of each (docs/queues.md).

    cd /work/wt-queue && PYTHONPATH=. /work/bench-venv/bin/python -m bench.queue_pipeline [--rows 20000] [--rounds 3]

Each record costs a Session.run of the reader's enqueue (one line per run, as TF's pipeline is built), so this
measures the per-run cost of the queue machinery and the runner threads, not NumPy kernels.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def _frameworks():
    import graphgrad

    out = {"graphgrad": graphgrad}
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow.compat.v1 as tf

        tf.disable_v2_behavior()
        tf.logging.set_verbosity(tf.logging.ERROR)
        out["tensorflow"] = tf
    except ImportError:
        print("tensorflow not installed: graphgrad only")
    return out


def one_round(tf, path, columns, batch_size):
    """Wall and CPU seconds (this process, all threads) to drain the pipeline over `path`, and its record count."""
    graph = tf.Graph()
    with graph.as_default():
        files = tf.train.string_input_producer([path], num_epochs=1, shuffle=False)
        _, line = tf.TextLineReader(skip_header_lines=1).read(files)
        row = tf.stack(tf.decode_csv(line, [[0.0]] * columns))
        batch = tf.train.batch([row], batch_size, capacity=4 * batch_size, allow_smaller_final_batch=True)
        with tf.Session(graph=graph) as s:
            s.run(tf.local_variables_initializer())
            coord = tf.train.Coordinator()
            t0, c0 = time.perf_counter(), time.process_time()
            threads = tf.train.start_queue_runners(s, coord)
            n = 0
            try:
                while True:
                    n += len(s.run(batch))  # one tensor: TF returns a tensor for a list of one
            except tf.errors.OutOfRangeError:
                pass
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            coord.request_stop()
            coord.join(threads)
    return seconds, cpu, n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--columns", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    path = os.path.join(tempfile.mkdtemp(), "rows.csv")
    with open(path, "w") as f:
        f.write(",".join(f"c{i}" for i in range(args.columns)) + "\n")
        for row in rng.normal(size=(args.rows, args.columns)).round(4):
            f.write(",".join(map(str, row)) + "\n")
    frameworks = _frameworks()
    best = {name: [float("inf"), float("inf")] for name in frameworks}
    for _ in range(args.rounds):
        for name, tf in frameworks.items():
            seconds, cpu, n = one_round(tf, path, args.columns, args.batch_size)
            assert n == args.rows, (name, n)
            best[name] = [min(best[name][0], seconds), min(best[name][1], cpu)]
    print(f"| framework | records/s, wall (best of {args.rounds}) | CPU µs per record (best; all threads) |")
    print("| --- | --- | --- |")
    for name, (seconds, cpu) in best.items():
        print(f"| {name} | {args.rows / seconds:,.0f} | {1e6 * cpu / args.rows:.0f} |")


if __name__ == "__main__":
    main()
