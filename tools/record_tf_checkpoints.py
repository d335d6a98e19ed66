"""Write the small checkpoints of tests/data/tf_checkpoints/ with real TensorFlow, for tests/test_tf_checkpoints.py
and tests/test_tf_bundle_writer.py: graphgrad must restore what TF1's `tf.train.Saver` wrote (train/tf_bundle.py),
and write the same bytes for the same variables (train/tf_bundle_writer.py).

    python tools/record_tf_checkpoints.py    # in a venv with tensorflow-cpu (2.x: compat.v1 graph mode)
    python tools/record_tf_checkpoints.py ema   # only the moving averages' checkpoint

Every value is a function of its name and shape (`expected` below, which the test imports), so the test knows
them without TensorFlow.
"""
from __future__ import annotations

import os
import shutil
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "tf_checkpoints")
#: name -> (shape, dtype) of the plain checkpoint's variables
PLAIN = {"dense/kernel": ((3, 2), "float32"), "dense/bias": ((2,), "float32"), "counts": ((4,), "int64"),
         "halfs": ((2, 2), "float16"), "flag": ((), "bool"), "dbl": ((3,), "float64"), "small": ((), "int32"),
         "global_step": ((), "int64")}
STEP = 7
#: checkpoint -> {name: (shape, dtype, partitions or None)}: TF saves each; graphgrad must write the same bytes.
#: Partitions are fixed_size_partitioner's (shards, axis).
WRITTEN = {
    "dtypes": {"f32": ((2, 3), "float32", None), "f64": ((3,), "float64", None), "i32": ((), "int32", None),
               "i64": ((2, 2), "int64", None), "flags": ((4,), "bool", None), "empty": ((0, 3), "float32", None),
               "empty_i64": ((0,), "int64", None), "scope/inner/w": ((1, 2), "float32", None),
               "scope/b": ((), "float64", None)},
    "many": {f"layer_{i:02d}/{k}": ((i % 3 + 1,), "float32", None) for i in range(20) for k in ("bias", "kernel")},
    "partitioned_mix": {"a_bias": ((2,), "float32", None), "emb": ((7, 3), "float32", (3, 0)),
                        "wide": ((2, 5), "float64", (2, 1)), "zz": ((), "int32", None)},
    "partitioned_adam": {"emb": ((7, 3), "float32", (3, 0)), "w": ((3,), "float32", None)},
    "strings": {"vocab": ((4,), "string", None), "word": ((), "string", None), "none": ((0,), "string", None),
                "grid": ((2, 3), "string", None), "table": ((5,), "string", (2, 0)), "n": ((2,), "int32", None)},
}
#: checkpoints saved with Adam's slots (before any step, so every value is known): a part's slot is a slice too
ADAM = {"partitioned_adam"}
#: the model of the checkpoint with an ExponentialMovingAverage (CIFAR-10's cifar10_eval.py restores from it)
EMA = {"conv/weights": ((2, 2, 1, 3), "float32"), "conv/biases": ((3,), "float32"), "logits/w": ((3, 2), "float32")}


def expected(name, shape, dtype):
    """The value stored under `name`: distinct per variable, exact in every dtype."""
    base = sum(name.encode()) % 17
    if dtype == "string":  # some empty, some with bytes a C string would end at, some long
        words = [(name.encode() + bytes([i, 255])) * ((base + i) % 4) + b"x" * (200 * (i == 2))
                 for i in range(int(np.prod(shape)))]
        return np.array(words + [b""], object)[:-1].reshape(shape)
    vals = (np.arange(int(np.prod(shape))) + base) * (0.5 if np.dtype(dtype).kind == "f" else 1)
    if dtype == "bool" and shape:
        return (vals % 3 == 1).reshape(shape)
    if dtype == "bool":
        return np.array(base % 2 == 1)
    if name == "global_step":
        return np.array(STEP, np.int64)
    return vals.astype(dtype).reshape(shape)


def _record_written(tf, name, spec):
    with tf.Graph().as_default():
        for var, (shape, dtype, parts) in spec.items():
            partitioner = None if parts is None else tf.fixed_size_partitioner(*parts)
            tf.get_variable(var, shape, getattr(tf, dtype), tf.zeros_initializer(), partitioner=partitioner)
        if name in ADAM:
            loss = tf.add_n([tf.reduce_sum(v) for v in tf.trainable_variables()])
            tf.train.AdamOptimizer(0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in tf.global_variables():
                info = v._save_slice_info
                full = info.full_name if info else v.op.name
                if full not in spec:  # an optimizer's slot: as initialized
                    continue
                value = expected(full, *spec[full][:2])
                if info:
                    value = value[tuple(slice(o, o + n) for o, n in zip(info.var_offset, info.var_shape))]
                v.load(value, sess)
            tf.train.Saver(save_relative_paths=True).save(sess, os.path.join(OUT, name, "model.ckpt"),
                                                         write_meta_graph=False)


def _record_ema(tf):
    """A model trained with `ExponentialMovingAverage(0.9999, global_step)` as CIFAR-10's cifar10.train does: the
    variables, their averages `<name>/ExponentialMovingAverage` (every value from `expected`) and the step."""
    shutil.rmtree(os.path.join(OUT, "ema"), ignore_errors=True)
    with tf.Graph().as_default():
        vs = [tf.get_variable(n, s, getattr(tf, d), tf.zeros_initializer()) for n, (s, d) in EMA.items()]
        step = tf.train.get_or_create_global_step()
        ema = tf.train.ExponentialMovingAverage(0.9999, step)
        ema.apply(vs)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in tf.global_variables():
                if v is not step:
                    v.load(expected(v.op.name, v.shape.as_list(), v.dtype.base_dtype.name), sess)
            step.load(STEP, sess)
            tf.train.Saver(save_relative_paths=True).save(sess, os.path.join(OUT, "ema", "model.ckpt"),
                                                         global_step=step, write_meta_graph=False)


def main(only=()):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    if "ema" in only:
        return _record_ema(tf)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    _record_ema(tf)
    with tf.Graph().as_default():
        vs = [tf.Variable(expected(n, s, d), name=n) for n, (s, d) in PLAIN.items()]
        with tf.Session() as sess:
            sess.run(tf.variables_initializer(vs))
            saver = tf.train.Saver(vs, save_relative_paths=True)
            saver.save(sess, os.path.join(OUT, "plain", "model.ckpt"), global_step=STEP, write_meta_graph=False)
    with tf.Graph().as_default():
        tf.get_variable("table", (6, 2), initializer=tf.constant_initializer(1.5),
                        partitioner=tf.fixed_size_partitioner(2))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver = tf.train.Saver(save_relative_paths=True)
            saver.save(sess, os.path.join(OUT, "partitioned", "model.ckpt"), write_meta_graph=False)
    for name, spec in WRITTEN.items():
        _record_written(tf, name, spec)
    for root, _, files in os.walk(OUT):
        for f in files:
            print(os.path.relpath(os.path.join(root, f), OUT), os.path.getsize(os.path.join(root, f)))


if __name__ == "__main__":
    main(sys.argv[1:])
