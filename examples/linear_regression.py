"""The lecture's linear regression: recover w from y = x @ w + noise by gradient descent, with checkpoints.

    python examples/linear_regression.py [checkpoint_dir]

The data, graph and loop are the slides' (N=1000, D=3, GradientDescentOptimizer(0.1), 300 steps), with a
fixed NumPy seed so the run is repeatable. Every 50 steps `tf.train.Saver` writes a checkpoint; it keeps
the newest five (max_to_keep=5), so `saver.last_checkpoints` lists steps 50 to 250, as on the slide.
"""
import os
import sys

import numpy as np

import graphgrad as tf


def make_data(N=1000, D=3, seed=0):
    """The slide's model data set: uniform features, uniform true weights, gaussian noise of std 0.2."""
    np.random.seed(seed)
    x = np.random.random((N, D))
    w = np.random.random((D, 1))
    y = x @ w + np.random.randn(N, 1) * 0.20
    return x, w, y


def main(checkpoint_dir="logs/2", steps=300, seed=0):
    """Train and checkpoint; return true weights, found weights, the printed losses and the checkpoints."""
    N, D = 1000, 3
    x, w, y = make_data(N, D, seed)

    tf.reset_default_graph()
    tf.set_random_seed(seed)  # get_variable's default (Glorot uniform) initial weights
    features = tf.placeholder(tf.float32, shape=(None, D))
    target = tf.placeholder(tf.float32, shape=(None, 1))
    weights = tf.get_variable("w", shape=(D, 1), dtype=tf.float32)
    predictions = features @ weights
    loss = tf.reduce_mean((target - predictions) ** 2)
    optimizer = tf.train.GradientDescentOptimizer(0.1)
    step = optimizer.minimize(loss)

    losses, saved = [], {}
    with tf.Session() as s:
        saver = tf.train.Saver(tf.trainable_variables())
        s.run(tf.global_variables_initializer())
        for i in range(steps):
            _, curr_loss, curr_weights = s.run(
                [step, loss, weights], feed_dict={features: x, target: y})
            if i % 50 == 0:
                saver.save(s, os.path.join(checkpoint_dir, "model.ckpt"), global_step=i)
                losses.append((i, curr_loss))
                saved[i] = curr_weights  # fetched with the step, so these are the weights just saved
        found = curr_weights
        checkpoints = list(saver.last_checkpoints)
        # Only variables' values are restored: the graph above must already exist (it does).
        saver.restore(s, checkpoints[0])
        restored = s.run(weights)
    return {"true_weights": w.ravel(), "found_weights": found.ravel(), "losses": losses,
            "last_checkpoints": checkpoints, "saved_weights": saved, "restored_weights": restored.ravel()}


if __name__ == "__main__":
    result = main(*sys.argv[1:2])
    for i, curr_loss in result["losses"]:
        print(f"step {i:3d}  loss {curr_loss:.6f}")
    print("Ground truth weights:", result["true_weights"])
    print("Found weights:       ", result["found_weights"])
    print("saver.last_checkpoints:", result["last_checkpoints"])
    print(f"Restored {result['last_checkpoints'][0]}:", result["restored_weights"])
