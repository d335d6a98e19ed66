"""`from tensorflow.python.framework import ops` (TF1 notebooks' `ops.reset_default_graph()`) under graphgrad."""
import graphgrad as tf
from graphgrad.python.framework import ops


def test_names_are_tfs_own_objects():
    for name in ops.__all__:
        assert getattr(ops, name) is getattr(tf, name), name


def test_reset_default_graph_starts_a_fresh_graph():
    tf.constant(1.0, name="c")
    before = tf.get_default_graph()
    ops.reset_default_graph()
    assert ops.get_default_graph() is not before
    assert ops.get_default_graph().get_operations() == []
    assert tf.constant(2.0, name="c").name == "c:0"
