"""tools/run_classic_programs.py: the rewrite a user makes (imports, step counts), and one TF1-style program run
through it end to end on the stand-in MNIST."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import pytest  # noqa: E402
import run_classic_programs as rcp  # noqa: E402

PROGRAM = '''
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

mnist = input_data.read_data_sets("MNIST_data/", one_hot=True, seed=1)  # the same batches every run
num_steps = 100000
x = tf.placeholder(tf.float32, [None, 784])
y = tf.placeholder(tf.float32, [None, 10])
W = tf.Variable(tf.zeros([784, 10]))
b = tf.Variable(tf.zeros([10]))
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(num_steps):
        batch_x, batch_y = mnist.train.next_batch(50)
        sess.run(train, feed_dict={x: batch_x, y: batch_y})
    print("steps", step + 1, "accuracy", sess.run(accuracy, {x: mnist.test.images, y: mnist.test.labels}))
'''


def test_rewrite_changes_only_imports_and_step_counts():
    src = "import tensorflow as tf\nfrom tensorflow.contrib import rnn\nimport tensorflow.contrib.eager as tfe\n" \
          "num_steps = 5000\ntraining_epochs = 25\nx = 'import tensorflow as tf'\n"
    out = rcp.rewrite(src, 7, 1)
    assert out == "import graphgrad as tf\nfrom graphgrad.contrib import rnn\nimport graphgrad.contrib.eager as tfe\n" \
                  "num_steps = 7\ntraining_epochs = 1\nx = 'import tensorflow as tf'\n"


@pytest.mark.host_process("runs the program in a child process")
def test_a_classic_mnist_program_runs_on_the_stand_in_data(tmp_path):
    # read_data_sets keeps 5,000 of the 5,600 training images for validation
    result, last, log = rcp.run_text(tmp_path, "softmax", PROGRAM, steps=40)
    assert result == "runs", log
    steps, acc = last.split()[1], float(last.split()[3])
    assert steps == "40" and acc > 0.5
