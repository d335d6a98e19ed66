"""The lecture's triangle problem: why an MLP needs a non-linear activation.

    python examples/triangle.py

Points of the square [-1, 1]² are labelled 1 inside a triangle and 0 outside. Each of 3 hidden sigmoid
neurons learns one edge (a "smooth indicator" of a half-plane), z_i = σ(w_0i + w_1i·x_1 + w_2i·x_2), and the
output neuron a = σ(w_0 + w_1·z_1 + w_2·z_2 + w_3·z_3) ANDs them. Throw the σ of the hidden layer away and
the model collapses into a linear function of (x_1, x_2): one straight line cannot cut out a triangle.
"""
import graphgrad as tf
from graphgrad.datasets import playground


def build_mlp(features, hidden_units=3, activation=tf.sigmoid):
    """The slide's MLP: a hidden dense layer (optionally without activation) and one output neuron (logit)."""
    w1 = tf.get_variable("w1", shape=(2, hidden_units))
    b1 = tf.get_variable("b1", shape=(hidden_units,), initializer=tf.zeros_initializer())
    z = features @ w1 + b1
    if activation is not None:
        z = activation(z)
    w2 = tf.get_variable("w2", shape=(hidden_units, 1))
    b2 = tf.get_variable("b2", shape=(1,), initializer=tf.zeros_initializer())
    return z @ w2 + b2


def train(ds, activation, steps, learning_rate, seed):
    """Full-batch Adam on the logistic loss; return (train accuracy, test accuracy)."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    features = tf.placeholder(tf.float32, shape=(None, 2))
    target = tf.placeholder(tf.float32, shape=(None, 1))
    logits = build_mlp(features, activation=activation)
    loss = tf.losses.sigmoid_cross_entropy(target, logits)
    step = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    predicted = tf.cast(logits > 0, tf.float32)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, target), tf.float32))

    train_feed = {features: ds.x_train, target: ds.y_train.reshape(-1, 1)}
    test_feed = {features: ds.x_test, target: ds.y_test.reshape(-1, 1)}
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for _ in range(steps):
            s.run(step, feed_dict=train_feed)
        return float(s.run(accuracy, train_feed)), float(s.run(accuracy, test_feed))


def main(n=2000, steps=2000, learning_rate=0.1, seed=0):
    """Train the 3-neuron MLP with and without its sigmoid; return their train/test accuracies."""
    ds = playground("triangle", n=n, seed=seed)
    return {
        "sigmoid": train(ds, tf.sigmoid, steps, learning_rate, seed),
        "linear": train(ds, None, steps, learning_rate, seed),
    }


if __name__ == "__main__":
    for name, (train_acc, test_acc) in main().items():
        print(f"hidden layer of 3 {name:7s} neurons: train accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")
