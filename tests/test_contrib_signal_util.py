"""tf.contrib.signal and tf.contrib.util: tf.signal's functions and the tensor-proto helpers under TF 1.x
contrib's names."""
import numpy as np

import graphgrad as tf


def test_contrib_signal_is_tf_signal():
    for name in tf.contrib.signal.__all__:
        assert getattr(tf.contrib.signal, name) is getattr(tf.signal, name)
    with tf.Graph().as_default(), tf.Session() as s:
        frames = s.run(tf.contrib.signal.frame(np.arange(6, dtype=np.float32), 3, 2))
    assert frames.tolist() == [[0, 1, 2], [2, 3, 4]]


def test_contrib_util_values_and_protos():
    with tf.Graph().as_default():
        assert tf.contrib.util.constant_value(tf.constant([1, 2])).tolist() == [1, 2]
        assert tf.contrib.util.constant_value(tf.placeholder(tf.float32)) is None
        assert tf.contrib.util.constant_value(tf.shape(tf.zeros([2, 3]))).tolist() == [2, 3]
    proto = tf.contrib.util.make_tensor_proto(np.array([[1.5, 2.5]], np.float32))
    assert tf.contrib.util.make_ndarray(proto).tolist() == [[1.5, 2.5]]
    assert list(proto.tensor_shape.dim[i].size for i in range(2)) == [1, 2]
