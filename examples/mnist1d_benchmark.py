"""The MNIST-1D benchmark (Greydanus 2020): logistic regression vs an MLP, trained the paper's way.

    pip install 'graphgrad[mnist1d]'
    python examples/mnist1d_benchmark.py

MNIST-1D has 4,000 training and 1,000 test signals of length 40, 10 classes. The paper's table reports
about 32 % test accuracy for logistic regression and 68 % for the MLP. Its reference code (PyTorch,
github.com/greydanus/mnist1d, notebooks/models.py and train.py) is followed here:

- logistic regression: one dense layer 40 -> 10;
- MLP: h = relu(dense(x, 100)); h = h + relu(dense(h, 100)); logits = dense(h, 10);
- layers start like PyTorch's nn.Linear: weights and biases uniform in ±1/sqrt(fan_in);
- Adam, learning rate 1e-2, no weight decay, batch size 100 taken in order (no shuffling), steps 0..6000,
  the test accuracy evaluated every 250 steps.
"""
import time

import numpy as np

import graphgrad as tf
from graphgrad.datasets import load_mnist1d


def dense(inputs, units, name, activation=None):
    """tf.layers.dense with PyTorch nn.Linear's initialization, as in the paper's models."""
    bound = 1.0 / np.sqrt(inputs.shape[-1].value)
    init = tf.random_uniform_initializer(-bound, bound)
    return tf.layers.dense(inputs, units, activation=activation, kernel_initializer=init,
                           bias_initializer=init, name=name)


def logistic_regression(x, num_classes):
    return dense(x, num_classes, "linear")


def mlp(x, num_classes, hidden_units=100):
    h = dense(x, hidden_units, "linear1", tf.nn.relu)
    h = h + dense(h, hidden_units, "linear2", tf.nn.relu)
    return dense(h, num_classes, "linear3")


def train(ds, model, total_steps=6000, batch_size=100, learning_rate=1e-2, eval_every=250, seed=42):
    """The reference training loop; return the final test accuracy, the best evaluated one and the seconds."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    features = tf.placeholder(tf.float32, shape=(None, ds.num_features))
    labels = tf.placeholder(tf.int64, shape=(None,))
    logits = model(features, ds.num_classes)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    step = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, axis=1), labels), tf.float32))

    test_feed = {features: ds.x_test, labels: ds.y_test}
    test_accuracies = []
    start = time.perf_counter()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for i in range(total_steps + 1):
            b = (i * batch_size) % len(ds.x_train)
            s.run(step, feed_dict={features: ds.x_train[b:b + batch_size], labels: ds.y_train[b:b + batch_size]})
            if eval_every > 0 and i % eval_every == 0:
                test_accuracies.append(float(s.run(accuracy, test_feed)))
        seconds = time.perf_counter() - start
        final = float(s.run(accuracy, test_feed))
        train_acc = float(s.run(accuracy, {features: ds.x_train, labels: ds.y_train}))
    return {"train_accuracy": train_acc, "test_accuracy": final,
            "best_test_accuracy": max(test_accuracies, default=final), "seconds": seconds}


def main(total_steps=6000, seed=42, cache=True):
    """Train both models on the published data set; return their results keyed by model name."""
    ds = load_mnist1d(cache=cache)
    return {name: train(ds, model, total_steps=total_steps, seed=seed)
            for name, model in (("logistic regression", logistic_regression), ("MLP", mlp))}


if __name__ == "__main__":
    for name, r in main().items():
        print(f"{name:20s} test accuracy {r['test_accuracy']:.1%} (best evaluated {r['best_test_accuracy']:.1%}, "
              f"train {r['train_accuracy']:.1%}), trained in {r['seconds']:.1f} s")
