"""`from tensorflow.python.framework import ops` (TF1 notebooks' `ops.reset_default_graph()`) under graphgrad."""
import graphgrad as tf
from graphgrad.python.framework import ops


def test_names_are_tfs_own_objects():
    only_here = {"OpStats", "RegisterStatistics", "get_stats_for_node_def"}  # TF exports them as tf.X neither
    for name in set(ops.__all__) - only_here:
        assert getattr(ops, name) is getattr(tf, name), name
    assert only_here <= set(ops.__all__) and not any(hasattr(tf, n) for n in only_here)


def test_reset_default_graph_starts_a_fresh_graph():
    tf.constant(1.0, name="c")
    before = tf.get_default_graph()
    ops.reset_default_graph()
    assert ops.get_default_graph() is not before
    assert ops.get_default_graph().get_operations() == []
    assert tf.constant(2.0, name="c").name == "c:0"
