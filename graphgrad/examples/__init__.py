"""TensorFlow 1.x's `tensorflow.examples` helpers, so that the classic programs need only the import changed."""
