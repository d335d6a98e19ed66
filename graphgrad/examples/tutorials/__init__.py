"""`tensorflow.examples.tutorials`: `from graphgrad.examples.tutorials.mnist import input_data`."""
