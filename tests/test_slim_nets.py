"""slim.nets' Inception family, MobileNet v1 and nets_factory beyond what tests/test_slim.py replays from the
TF recordings (tools/record_slim_reference.py: inception_graphs, inception_variants, inception_values,
transfer_checkpoint): the import paths TF-Slim code uses, the factory over every net, and transfer learning
from a checkpoint TensorFlow wrote (tests/data/slim_mobilenet: a small MobileNet v1 saved by TF with tf-slim and
research/slim's mobilenet_v1.py) — restore all but the logits, train a new head, keep the trunk's values."""
import json
import os
import sys

import numpy as np
import pytest

import graphgrad as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import record_slim_reference as recorder  # noqa: E402

slim = tf.contrib.slim


def test_import_paths_as_tf_slim_code_writes_them():
    from graphgrad.contrib.slim.nets import inception, inception_v3, mobilenet_v1, nets_factory

    assert inception.inception_v3 is inception_v3.inception_v3 is slim.nets.inception.inception_v3
    assert inception.inception_v4_arg_scope is inception.inception_arg_scope
    assert nets_factory.networks_map["mobilenet_v1_025"].keywords == {"depth_multiplier": 0.25}
    assert mobilenet_v1.mobilenet_v1_025.default_image_size == 224
    assert tf.contrib.slim.nets.nets_factory is nets_factory


@pytest.mark.parametrize("name", sorted(slim.nets.nets_factory.networks_map))
def test_factory_builds_every_net_in_its_arg_scope(name):
    network_fn = slim.nets.nets_factory.get_network_fn(name, num_classes=5, weight_decay=0.01, is_training=True)
    size = network_fn.default_image_size
    with tf.Graph().as_default():
        logits, end_points = network_fn(tf.placeholder(tf.float32, [1, size, size, 3]))
        assert logits.shape.as_list()[-1] == 5 and logits.shape.as_list()[0] == 1
        # the arg scope was applied: every (full or 1x1) convolution and dense layer regularized
        weights = [v for v in tf.trainable_variables() if v.op.name.endswith("/weights")]  # not depthwise
        assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) >= len(weights) > 0


def test_factory_errors_and_features():
    with pytest.raises(ValueError, match="Name of network unknown nasnet"):
        slim.nets.nets_factory.get_network_fn("nasnet", 5)
    network_fn = slim.nets.nets_factory.get_network_fn("inception_v3", num_classes=None)
    with tf.Graph().as_default():
        features, end_points = network_fn(tf.placeholder(tf.float32, [2, 80, 90, 3]), global_pool=True,
                                          depth_multiplier=0.25)
        assert features.shape.as_list() == [2, 1, 1, 512] and "Logits" not in end_points
        assert end_points["global_pool"] is features


def _reference():
    with open(os.path.join(HERE, "slim_reference.json")) as f:
        return json.load(f)["transfer_checkpoint"]


def test_transfer_learning_from_a_tensorflow_checkpoint():
    """Restore TF's MobileNet without its logits into a net with a new 2-class head, train only the head on a
    tiny data set, and check the trunk's end points are TF's before and after."""
    nets = slim.nets.mobilenet_v1
    want = np.array(_reference()["end_points"]["AvgPool_1a"], np.float32)
    images, labels = recorder.transfer_images()  # the images the recording used
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 32, 32, 3])
        y = tf.placeholder(tf.int64, [None])
        logits, end_points = recorder.transfer_net(tf, slim, nets, x, num_classes=2)
        trunk = slim.get_variables_to_restore(exclude=["MobilenetV1/Logits"])
        assert trunk and all(not v.op.name.startswith("MobilenetV1/Logits") for v in trunk)
        init_fn = slim.assign_from_checkpoint_fn(recorder.TRANSFER_CHECKPOINT, trunk)
        loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
        head = slim.get_trainable_variables("MobilenetV1/Logits")
        train_op = slim.learning.create_train_op(loss, tf.train.AdamOptimizer(0.05), variables_to_train=head)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            init_fn(s)
            feed = {x: images, y: labels}
            np.testing.assert_allclose(s.run(end_points["AvgPool_1a"], feed), want, rtol=1e-4, atol=1e-4)
            losses = [s.run(train_op, feed) for _ in range(40)]
            assert losses[-1] < 0.5 * losses[0]
            assert (s.run(tf.argmax(logits, 1), feed) == labels).all()
            np.testing.assert_allclose(s.run(end_points["AvgPool_1a"], feed), want, rtol=1e-4, atol=1e-4)
    # the same restore through a Saver over the name map slim.get_variables_to_restore gives
    with tf.Graph().as_default():
        logits, end_points = recorder.transfer_net(tf, slim, nets, tf.constant(images), num_classes=7)
        saver = tf.train.Saver(slim.get_variables_to_restore(exclude=["MobilenetV1/Logits"]))
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            saver.restore(s, recorder.TRANSFER_CHECKPOINT)
            np.testing.assert_allclose(s.run(end_points["AvgPool_1a"]), want, rtol=1e-4, atol=1e-4)
            assert s.run(logits).shape == (4, 7)
