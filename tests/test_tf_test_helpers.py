"""tf.test's helpers beyond TestCase: create_local_cluster's servers run sessions, assert_equal_graph_def on
graphgrad's own GraphDefs (control inputs as a set, internal attrs ignored), test_src_dir_path. TF's messages:
conformance program `test_module_helpers`."""
import os

import pytest

import graphgrad as tf


def test_create_local_cluster_gives_servers_that_run_sessions():
    workers, ps = tf.test.create_local_cluster(2, 1)
    assert len(workers) == 2 and len(ps) == 1
    spec = workers[0].server_def.cluster
    assert {j.name for j in spec.job} == {"worker", "ps"}
    addresses = [w.target for w in workers] + [ps[0].target]
    assert len(set(addresses)) == 3 and all(a.startswith("grpc://localhost:") for a in addresses)
    with tf.Graph().as_default(), tf.Session(workers[1].target) as s:
        assert s.run(tf.constant(2) * 3) == 6


def test_assert_equal_graph_def_control_inputs_and_internal_attrs():
    def graph(order):
        with tf.Graph().as_default() as g:
            a, b, d = tf.constant(1.0, name="a"), tf.constant(2.0, name="b"), tf.constant(3.0, name="d")
            with tf.control_dependencies([b, d][::order]):
                tf.identity(a, name="c")
        return g.as_graph_def()

    tf.test.assert_equal_graph_def(graph(1), graph(-1))   # control inputs compare as a set
    changed = graph(1)
    changed.node[0].attr["_hidden"].i = 3                 # internal attrs are not compared, as TF's default
    tf.test.assert_equal_graph_def(changed, graph(1))
    c = next(n for n in changed.node if n.name == "c")
    assert list(c.input) == ["a", "^b", "^d"]
    del c.input[2:]
    with pytest.raises(AssertionError, match="Node named 'c' has inputs 'a, \\^b' that don't match expected "
                                             "'a, \\^b, \\^d'"):
        tf.test.assert_equal_graph_def(changed, graph(1))


def test_src_dir_path(monkeypatch):
    monkeypatch.delenv("TEST_SRCDIR", raising=False)
    assert os.path.isfile(tf.test.test_src_dir_path("ops/core.py"))
    monkeypatch.setenv("TEST_SRCDIR", "/runfiles")
    assert tf.test.test_src_dir_path("core/x") == "/runfiles/org_tensorflow/tensorflow/core/x"
