"""`tensorflow.examples.tutorials.mnist`: the `input_data` module of TensorFlow 1.x's MNIST tutorials."""

from . import input_data
