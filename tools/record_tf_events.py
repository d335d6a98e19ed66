"""Write tests/data/tf_events/: a small TensorBoard events file written by real TensorFlow's FileWriter, for
tests/test_summary_iterator.py (graphgrad's `tf.train.summary_iterator` must read TF's files, not only its own).

    python tools/record_tf_events.py    # in a venv with tensorflow-cpu (2.x: compat.v1 graph mode)

The scalar at step s is `value(s)` below, so the test knows every value without TensorFlow.
"""
from __future__ import annotations

import os
import shutil

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "tf_events")
STEPS = (0, 5, 10)


def value(step):
    return 0.5 * step - 1.0


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    shutil.rmtree(OUT, ignore_errors=True)
    x = tf.placeholder(tf.float32, (), name="x")
    loss = tf.summary.scalar("loss", x)
    writer = tf.summary.FileWriter(OUT, filename_suffix=".tf")
    with tf.Session() as s:
        for step in STEPS:
            writer.add_summary(s.run(loss, {x: value(step)}), global_step=step)
    writer.close()
    for f in os.listdir(OUT):  # a fixed name: the time and host TF puts in it would change at each recording
        os.rename(os.path.join(OUT, f), os.path.join(OUT, "events.out.tfevents.tf"))
    print(os.listdir(OUT), os.path.getsize(os.path.join(OUT, "events.out.tfevents.tf")))


if __name__ == "__main__":
    main()
