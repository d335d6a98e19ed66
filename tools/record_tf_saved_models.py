"""SavedModels both ways between graphgrad and real TensorFlow (docs/saved-model.md).

    python tools/record_tf_saved_models.py           # TF writes tests/data/tf_saved_models/ (tensorflow-cpu 2.x)
    python tools/record_tf_saved_models.py --check --graphgrad-python .venv/bin/python
                                                     # graphgrad writes SavedModels, TF loads and runs them

The same two programs run on either side (`tf` is TensorFlow's compat.v1 or graphgrad):
- `simple`: an MLP trained with Adam, saved with `tf.saved_model.simple_save` (`serve`, a Predict signature);
- `builder`: `SavedModelBuilder` with two meta graphs (`serve` with a Predict signature, and `train`), an asset
  file, a main op that sets a local variable (`--check` also writes it as text, `saved_model.pbtxt`);
- `--check` only: a CNN through simple_save, and an Estimator's `export_saved_model` (TF 2.21 has no
  tf.estimator to record it with).
Recording writes each folder beside `NAME.npz`: the inputs fed (`feed/<signature input key>`) and what TF computed
(`fetch/<signature output key>`). `--check` saves the same programs from graphgrad and has TF load them with
`tf.compat.v1.saved_model.loader.load`, run each signature and compare with what graphgrad computed.
Weights come from a seeded NumPy generator, so every file is deterministic but for TF's version strings.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "tf_saved_models")


def _weights(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).normal(0, 0.5, shape).astype(np.float32)


FEEDS = {"simple": {"x": _weights(4, 3, seed=1)}, "builder": {"x": _weights(3, 3, seed=2)},
         "cnn": {"x": _weights(2, 6, 6, 2, seed=6)}, "estimator": {"x": _weights(5, 3, seed=8)}}


def simple(tf, sess, export_dir):
    """An MLP trained 3 steps with Adam (so the graph holds gradients and optimizer slots), then saved with
    simple_save: x (?, 3) -> relu -> logits -> softmax probabilities and the argmax class."""
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    labels = tf.placeholder(tf.int64, (None,), name="labels")
    w1 = tf.Variable(_weights(3, 5), name="dense/kernel")
    b1 = tf.Variable(_weights(5), name="dense/bias")
    w2 = tf.Variable(_weights(5, 2), name="logits/kernel")
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.nn.bias_add(tf.matmul(h, w2), tf.constant([0.1, -0.1]), name="logits")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    step = tf.train.AdamOptimizer(0.1).minimize(loss)
    outputs = {"probs": tf.nn.softmax(logits, name="probs"), "class": tf.argmax(logits, 1, name="class")}
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        sess.run(step, {x: _weights(8, 3, seed=4), labels: np.arange(8) % 2})
    tf.saved_model.simple_save(sess, export_dir, {"x": x}, outputs)
    return {"x": x}, outputs


def builder(tf, sess, export_dir, as_text=False, asset_dir=None):
    """Two meta graphs, an asset and a main op: the main op sets the local variable `offset` to 2, which the
    outputs add, so an output is right only when the loader ran the main op."""
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    w = tf.Variable(_weights(3, 2, seed=3), name="w")
    offset = tf.Variable(0.0, name="offset", collections=[tf.GraphKeys.LOCAL_VARIABLES], trainable=False)
    y = tf.add(tf.matmul(x, w), offset, name="y")
    norm = tf.reduce_sum(tf.square(y), axis=1, name="norm")
    main_op = tf.group(tf.assign(offset, 2.0), name="main_op")
    vocab = os.path.join(asset_dir or tempfile.mkdtemp(), "vocab.txt")
    with open(vocab, "w") as f:
        f.write("cat\ndog\n")
    asset = tf.constant(vocab, name="vocab_path")
    tf.add_to_collection(tf.GraphKeys.ASSET_FILEPATHS, asset)
    sess.run(tf.global_variables_initializer())
    sm = tf.saved_model
    b = sm.builder.SavedModelBuilder(export_dir)
    signature = sm.signature_def_utils.predict_signature_def({"x": x}, {"y": y, "norm": norm})
    b.add_meta_graph_and_variables(sess, [sm.tag_constants.SERVING], {"serving_default": signature},
                                   assets_collection=tf.get_collection(tf.GraphKeys.ASSET_FILEPATHS), main_op=main_op)
    b.add_meta_graph([sm.tag_constants.TRAINING], {"train_sig": signature})
    b.save(as_text=as_text)
    sess.run(main_op)
    return {"x": x}, {"y": y, "norm": norm}


def cnn(tf, sess, export_dir):
    """A CNN for --check only: Conv2D, max and average pooling, concat, a reshape to `[tf.shape(x)[0], -1]`, a
    transpose, reductions, one_hot, gather, top_k and a glorot-uniform / truncated-normal initialized variable."""
    x = tf.placeholder(tf.float32, (None, 6, 6, 2), name="x")
    k = tf.Variable(_weights(3, 3, 2, 4, seed=5), name="conv/kernel")
    c = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k, [1, 1, 1, 1], "SAME"), tf.Variable(tf.zeros([4]))))
    p = tf.nn.max_pool(c, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    a = tf.nn.avg_pool(c, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    flat = tf.reshape(tf.concat([p, a], axis=3), tf.stack([tf.shape(x)[0], -1]))
    w = tf.get_variable("dense/kernel", (72, 3))
    extra = tf.Variable(tf.truncated_normal((3,), mean=1.0, stddev=0.1), name="extra")
    z = tf.matmul(flat, w) * extra
    outputs = {"z": z, "t": tf.reduce_max(tf.transpose(z), axis=1), "hot": tf.one_hot(tf.argmax(z, 1), 3),
               "picked": tf.gather(z, [2, 0], axis=1), "lsm": tf.nn.log_softmax(z), "top2": tf.nn.top_k(z, 2)[1]}
    sess.run(tf.global_variables_initializer())
    tf.saved_model.simple_save(sess, export_dir, {"x": x}, outputs)
    return {"x": x}, outputs


PROGRAMS = {"simple": simple, "builder": builder}
#: what --check saves from graphgrad: also the builder's SavedModel as text
CHECKED = {**PROGRAMS, "builder_text": lambda tf, sess, export_dir: builder(tf, sess, export_dir, as_text=True),
           "cnn": cnn}


def _run(sess, inputs, outputs, feeds):
    values = sess.run(outputs, {inputs[k]: v for k, v in feeds.items()})
    return {k: np.asarray(v) for k, v in values.items()}


def record():
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    for name, program in PROGRAMS.items():
        with tf.Graph().as_default(), tf.Session() as sess:
            inputs, outputs = program(tf, sess, os.path.join(OUT, name))
            values = _run(sess, inputs, outputs, FEEDS[name])
        np.savez(os.path.join(OUT, f"{name}.npz"), **{f"feed/{k}": v for k, v in FEEDS[name].items()},
                 **{f"fetch/{k}": v for k, v in values.items()})
    for root, _, files in os.walk(OUT):
        for f in sorted(files):
            print(os.path.relpath(os.path.join(root, f), OUT), os.path.getsize(os.path.join(root, f)))


def write(out):
    """The graphgrad side of --check: save each program under `out`, what graphgrad computed beside it."""
    sys.path.insert(0, ROOT)
    import graphgrad as gg

    for name, program in CHECKED.items():
        with gg.Graph().as_default(), gg.Session() as sess:
            inputs, outputs = program(gg, sess, os.path.join(out, name))
            np.savez(os.path.join(out, f"{name}.npz"), **_run(sess, inputs, outputs, FEEDS[name.partition("_")[0]]))
    np.savez(os.path.join(out, "estimator.npz"), **estimator(gg, out))


def estimator(tf, out):
    """For --check: an Estimator trained 30 steps and exported with `export_saved_model` (its PREDICT graph fed
    by `build_raw_serving_input_receiver_fn`), moved to `out/estimator`; returns its predictions."""
    x_train = _weights(64, 3, seed=7)
    y_train = (x_train.sum(1) > 0).astype(np.int64)

    def model_fn(features, labels, mode):
        logits = tf.layers.dense(tf.layers.dense(features["x"], 8, activation=tf.nn.relu), 2)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"class": tf.argmax(logits, 1),
                                                                 "probs": tf.nn.softmax(logits)})
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        train_op = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)

    model = tf.estimator.Estimator(model_fn, os.path.join(out, "estimator_model"),
                                   config=tf.estimator.RunConfig(tf_random_seed=0))
    model.train(tf.estimator.inputs.numpy_input_fn({"x": x_train}, y_train, batch_size=16, num_epochs=None,
                                                   shuffle=True), steps=30)
    receiver = tf.estimator.export.build_raw_serving_input_receiver_fn(
        {"x": tf.placeholder(tf.float32, (None, 3), name="x")})
    os.rename(model.export_saved_model(os.path.join(out, "estimator_export"), receiver).decode(),
              os.path.join(out, "estimator"))
    batches = list(model.predict(tf.estimator.inputs.numpy_input_fn(dict(FEEDS["estimator"]), shuffle=False),
                                 yield_single_examples=False))
    return {k: np.concatenate([b[k] for b in batches]) for k in ("class", "probs")}


def check(graphgrad_python):
    """graphgrad saves each program (in `graphgrad_python`); TF loads every meta graph and runs its signatures."""
    out = tempfile.mkdtemp()
    subprocess.run([graphgrad_python, os.path.abspath(__file__), "--write", out], check=True)
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    ok = True
    for name, tags in (("simple", ["serve"]), ("builder", ["serve"]), ("builder", ["train"]),
                       ("builder_text", ["serve"]), ("cnn", ["serve"]), ("estimator", ["serve"])):
        want = np.load(os.path.join(out, f"{name}.npz"))
        with tf.Graph().as_default(), tf.Session() as sess:
            mg = tf.saved_model.loader.load(sess, tags, os.path.join(out, name))
            for key, sig in mg.signature_def.items():
                feeds = {sig.inputs[k].name: v for k, v in FEEDS[name.partition("_")[0]].items()}
                got = sess.run({k: t.name for k, t in sig.outputs.items()}, feeds)
                same = all(np.allclose(got[k], want[k], atol=1e-6) for k in got)
                ok &= same
                print(f"TF loads graphgrad's {name} {tags} and runs {key}: "
                      f"{'equal' if same else 'DIFFERENT'} ({', '.join(sorted(got))})")
    print("all equal" if ok else "MISMATCH")
    return 0 if ok else 1


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--check", action="store_true", help="graphgrad writes SavedModels, TF loads them")
    parser.add_argument("--graphgrad-python", default=sys.executable, help="a Python that has graphgrad's deps")
    parser.add_argument("--write", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        return write(args.write)
    return check(args.graphgrad_python) if args.check else record()


if __name__ == "__main__":
    sys.exit(main())
