"""tf.train.Saver's two formats on one model: save and restore times of TensorFlow's V2 format (the default,
train/tf_bundle_writer.py) against graphgrad's single file (`write_version=SaverDef.GRAPHGRAD`), alternating, in
one process, on one folder (fsyncs included: each save is durable).

    PYTHONPATH=. python -m bench.checkpoints [--mb 64] [--variables 16] [--rounds 7]

Needs graphgrad's own environment (google-crc32c); prints the best and median ms per save and per restore.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np

import graphgrad as tf


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=64.0, help="float32 megabytes in all")
    ap.add_argument("--variables", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)
    per = int(args.mb * 2**20 / 4 / args.variables)
    rng = np.random.default_rng(0)
    for i in range(args.variables):
        tf.Variable(rng.standard_normal(per, dtype=np.float32), name=f"layer_{i}/kernel")
    formats = {"tf-v2": tf.train.SaverDef.V2, "graphgrad": tf.train.SaverDef.GRAPHGRAD}
    savers = {k: tf.train.Saver(write_version=v, max_to_keep=None) for k, v in formats.items()}
    times = {(k, op): [] for k in formats for op in ("save", "restore")}
    with tf.Session() as s, tempfile.TemporaryDirectory() as d:
        s.run(tf.global_variables_initializer())
        for r in range(args.rounds):
            for k, saver in savers.items():
                t0 = time.perf_counter()
                path = saver.save(s, f"{d}/{k}", global_step=r, write_state=False)
                t1 = time.perf_counter()
                saver.restore(s, path)
                t2 = time.perf_counter()
                times[k, "save"].append(t1 - t0)
                times[k, "restore"].append(t2 - t1)
                tf.train.remove_checkpoint(path)
    print(f"{args.variables} float32 variables, {args.mb:g} MB in all, {args.rounds} rounds alternating")
    print("| format | save best | save median | restore best | restore median |")
    print("|---|---|---|---|---|")
    for k in formats:
        sv, rs = times[k, "save"], times[k, "restore"]
        print(f"| {k} | {min(sv) * 1e3:.1f} ms | {statistics.median(sv) * 1e3:.1f} ms | "
              f"{min(rs) * 1e3:.1f} ms | {statistics.median(rs) * 1e3:.1f} ms |")


if __name__ == "__main__":
    main()
