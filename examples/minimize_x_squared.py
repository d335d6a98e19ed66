"""The lecture's first optimization: minimize f(x) = x² by gradient descent, logging three ways.

    python examples/minimize_x_squared.py [logdir]

1. fetching x and f in `s.run([step, x, f])` (the GD step is already applied to the fetched x),
2. `tf.Print`, which writes `x, f:[...][...]` to stderr each time f is computed (values from before the step),
3. summaries for TensorBoard (`tensorboard --logdir=<logdir>`), one curr_x and one curr_f per step, both
   from before the step (reads of a variable run before its update in the same run), so curr_f = curr_x².

With learning rate 0.1 each step is x ← x - 0.1·2x = 0.8·x, so x shrinks by the factor 0.8 per step.
"""
import sys

import graphgrad as tf


def main(logdir="logs/1", steps=10, x0=2.0, learning_rate=0.1):
    """Run `steps` GD steps from x = x0; return the (x, f) pairs that `s.run([step, x, f])` fetched."""
    tf.reset_default_graph()
    x = tf.get_variable("x", shape=(), dtype=tf.float32, initializer=tf.constant_initializer(x0))
    f = x ** 2
    f = tf.Print(f, [x, f], "x, f:")

    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    step = optimizer.minimize(f)

    tf.summary.scalar('curr_x', x)
    tf.summary.scalar('curr_f', f)
    summaries = tf.summary.merge_all()

    history = []
    with tf.Session() as s:
        summary_writer = tf.summary.FileWriter(logdir, s.graph)
        s.run(tf.global_variables_initializer())
        for i in range(steps):
            _, curr_x, curr_f, curr_summaries = s.run([step, x, f, summaries])
            summary_writer.add_summary(curr_summaries, i)
            summary_writer.flush()
            history.append((curr_x, curr_f))
        summary_writer.close()
    return history


if __name__ == "__main__":
    for curr_x, curr_f in main(*sys.argv[1:2]):
        print(curr_x, curr_f)
