"""`tf.compat.v1`: graphgrad is the TensorFlow 1.x API, so `tf.compat.v1.X` is `tf.X`
(`tf.compat.v1.data.make_one_shot_iterator(dataset)`, `tf.compat.v1.placeholder`, ...)."""
import sys

v1 = sys.modules[__name__.rsplit(".", 1)[0]]
