"""Proof that TensorFlow reads the checkpoints graphgrad writes: graphgrad saves (in a Python that has graphgrad),
then real TensorFlow restores them with `tf.compat.v1.train.Saver` and reads them as TensorBoard's embedding
projector does, and every value must come back equal. Run once at dev time, under a Python with TensorFlow:

    TF_USE_LEGACY_KERAS=1 /work/bench-venv/bin/python tools/tf_reads_graphgrad_checkpoints.py \\
        --graphgrad-python .venv/bin/python

What it checks (the result is noted in docs/checkpoints.md):
- a model with float32/float64/int64/bool/string variables, Adam's slots, the global step and an embedding table
  partitioned in 3 (its Adam slots too), saved by `tf.train.Saver()` in graphgrad: TF restores every variable,
  the partitioned ones both into 3 partitions and into 2 (TF reassembles the slices), and lists the same names
  and shapes;
- an embedding saved for the projector with `projector.visualize_embeddings`: TF finds the newest checkpoint in
  the logdir, strips the config's `:0` and reads the 2-D tensor, as the projector plugin does;
- an index of more than 256 KiB (several table blocks): TF reads every entry.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MANY = 1200


def write(out):
    """The graphgrad side: save the checkpoints under `out`, the values beside them in .npz files."""
    import graphgrad as tf
    from graphgrad.contrib.tensorboard.plugins import projector
    from graphgrad.train.tf_bundle_writer import write_bundle

    tf.set_random_seed(0)
    x = tf.constant(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))
    kernel = tf.get_variable("dense/kernel", (3, 4))
    bias = tf.get_variable("dense/bias", (4,), initializer=tf.constant_initializer(0.5))
    emb = tf.get_variable("emb/table", (10, 3), partitioner=tf.fixed_size_partitioner(3))
    tf.Variable(np.arange(5, dtype=np.int64) * 7, name="counts")
    tf.Variable(True, name="flag")
    tf.Variable(np.eye(2) * np.pi, name="dbl")
    tf.Variable(np.array([b"", b"a\0b", "caf\u00e9".encode(), b"x" * 300], object), name="vocab")
    step = tf.train.get_or_create_global_step()
    loss = tf.reduce_sum(tf.square(tf.matmul(x, kernel) + bias)) + tf.reduce_sum(
        tf.nn.embedding_lookup(emb, [1, 4, 9]))
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    saver = tf.train.Saver()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(3):
            s.run(train)
        prefix = saver.save(s, os.path.join(out, "model", "model.ckpt"), global_step=step)
        values = {}
        for v in tf.global_variables():  # the parts of the table and of its Adam slots assembled
            info, value = v._save_slice_info, s.run(v)
            if info is None:
                values[v.op.name] = value
                continue
            whole = values.setdefault(info.full_name, np.zeros(info.full_shape, value.dtype))
            whole[tuple(slice(o, o + n) for o, n in zip(info.var_offset, info.var_shape))] = value
    np.savez(os.path.join(out, "model.npz"), **{k: v for k, v in values.items() if v.dtype != object})
    with open(os.path.join(out, "strings.json"), "w") as f:  # string tensors, without pickle
        json.dump({k: [list(v.shape), [x.hex() for x in v.reshape(-1)]] for k, v in values.items()
                   if v.dtype == object}, f)

    with tf.Graph().as_default():
        embedding = tf.Variable(np.arange(60, dtype=np.float32).reshape(20, 3) / 7, name="embedding")
        logdir = os.path.join(out, "projector")
        config = projector.ProjectorConfig()
        config.embeddings.add(tensor_name=embedding.name, metadata_path="labels.tsv")
        projector.visualize_embeddings(tf.summary.FileWriter(logdir), config)
        with tf.Session() as s:
            s.run(embedding.initializer)
            tf.train.Saver([embedding]).save(s, os.path.join(logdir, "model.ckpt"), 1)
            np.save(os.path.join(out, "embedding.npy"), s.run(embedding))

    write_bundle(os.path.join(out, "many"), {f"{i:05d}{'/layer' * 40}": np.array([i], np.int32) for i in range(MANY)})
    return {"prefix": prefix, "config": os.path.join(logdir, "projector_config.pbtxt")}


def check(out, written):
    """The TensorFlow side: restore and read what graphgrad wrote; a list of failures."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    failures = []
    want = dict(np.load(os.path.join(out, "model.npz")))
    with open(os.path.join(out, "strings.json")) as f:
        for k, (shape, items) in json.load(f).items():
            want[k] = np.array([bytes.fromhex(x) for x in items] + [b""], object)[:-1].reshape(shape)
    reader = tf.train.load_checkpoint(written["prefix"])
    listed = {k: tuple(v) for k, v in reader.get_variable_to_shape_map().items()}
    if listed != {k: v.shape for k, v in want.items()}:
        failures.append(f"TF lists {sorted(listed)}, graphgrad saved {sorted(want)}")
    for shards in (3, 2):
        with tf.Graph().as_default():
            made = {}
            for name, value in want.items():
                if name.startswith("emb/table"):  # the table and its Adam slots
                    made[name] = tf.get_variable(name, value.shape, partitioner=tf.fixed_size_partitioner(shards))
                elif value.dtype == object:  # strings
                    made[name] = tf.Variable(np.full(value.shape, b"", object), name=name)
                else:
                    made[name] = tf.Variable(np.zeros_like(value), name=name)
            with tf.Session() as s:
                tf.train.Saver().restore(s, tf.train.latest_checkpoint(os.path.join(out, "model")))
                for name, var in made.items():
                    got = s.run(tf.convert_to_tensor(var) if name.startswith("emb/table") else var)
                    if got.dtype != want[name].dtype or not np.array_equal(got, want[name]):
                        failures.append(f"{name} restored by TF ({shards} partitions) differs")
    with open(written["config"]) as f:
        tensor_name = next(line.split('"')[1] for line in f if "tensor_name" in line)
    name = tensor_name[:-2] if tensor_name.endswith(":0") else tensor_name  # as the projector plugin does
    projector_reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(os.path.join(out, "projector")))
    if not projector_reader.has_tensor(name) or len(projector_reader.get_variable_to_shape_map()[name]) != 2:
        failures.append(f"the projector's tensor {name!r} is not a 2-D tensor of the checkpoint")
    elif not np.array_equal(projector_reader.get_tensor(name), np.load(os.path.join(out, "embedding.npy"))):
        failures.append("the projector's embedding differs")
    many = tf.train.load_checkpoint(os.path.join(out, "many"))
    keys = many.get_variable_to_shape_map()
    if len(keys) != MANY or any(many.get_tensor(k)[0] != int(k[:5]) for k in keys):
        failures.append("TF does not read the index of several blocks")
    print("restored by TF:", ", ".join(f"{k} {list(v.shape)} {v.dtype}" for k, v in sorted(want.items())))
    return failures, tf.VERSION


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graphgrad-python", default=os.path.join(ROOT, ".venv", "bin", "python"),
                        help="a Python with graphgrad installed (it writes the checkpoints)")
    parser.add_argument("--write", metavar="DIR", help=argparse.SUPPRESS)  # the graphgrad side, run by the other
    args = parser.parse_args()
    if args.write:
        print(json.dumps(write(args.write)))
        return 0
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "PYTHONPATH": ROOT}
        done = subprocess.run([args.graphgrad_python, os.path.abspath(__file__), "--write", out], env=env,
                              check=True, capture_output=True, text=True)
        failures, version = check(out, json.loads(done.stdout.strip().splitlines()[-1]))
    for f in failures:
        print("FAIL:", f)
    print(f"TensorFlow {version} read graphgrad's checkpoints: {'all values equal' if not failures else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
