"""An MLP classifier for 8×8 handwritten digits, in plain TF1 graph code.

    python examples/digits_mlp.py

64 pixels -> dense(64, relu) -> dense(10) logits, softmax cross-entropy against the integer labels,
Adam on shuffled mini-batches, accuracy as the mean of argmax(logits) == label on the held-out test set.
"""
import graphgrad as tf
from graphgrad.datasets import BatchIterator, load_digits


def main(epochs=20, batch_size=32, hidden_units=64, learning_rate=1e-2, seed=0, verbose=False):
    """Train on the 1,347 training digits; return the final train and test accuracy and the loss per epoch."""
    ds = load_digits(seed=seed)

    tf.reset_default_graph()
    tf.set_random_seed(seed)
    features = tf.placeholder(tf.float32, shape=(None, ds.num_features), name="features")
    labels = tf.placeholder(tf.int64, shape=(None,), name="labels")
    hidden = tf.layers.dense(features, hidden_units, activation=tf.nn.relu, name="hidden")
    logits = tf.layers.dense(hidden, ds.num_classes, name="logits")
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    step = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    correct = tf.equal(tf.argmax(logits, axis=1), labels)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

    batches = BatchIterator(ds.x_train, ds.y_train, batch_size, seed=seed)
    epoch_losses = []
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for epoch in range(epochs):
            total = 0.0
            for xb, yb in batches.epoch(epoch):
                _, batch_loss = s.run([step, loss], feed_dict={features: xb, labels: yb})
                total += batch_loss * len(xb)
            epoch_losses.append(total / batches.num_samples)
            if verbose:
                print(f"epoch {epoch + 1:3d}  train loss {epoch_losses[-1]:.4f}")
        train_acc = s.run(accuracy, feed_dict={features: ds.x_train, labels: ds.y_train})
        test_acc = s.run(accuracy, feed_dict={features: ds.x_test, labels: ds.y_test})
    return {"train_accuracy": float(train_acc), "test_accuracy": float(test_acc), "losses": epoch_losses}


if __name__ == "__main__":
    result = main(verbose=True)
    print(f"train accuracy {result['train_accuracy']:.4f}, test accuracy {result['test_accuracy']:.4f}")
