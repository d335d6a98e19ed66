"""Graph construction: names, scopes, collections, control dependencies, shapes, errors."""
import numpy as np
import pytest

import graphgrad as tf


def test_unique_names_ignore_case_and_scopes_prefix():
    a = tf.placeholder(tf.float32, (2, 2))
    b = tf.placeholder(tf.float32, (2, 2))
    m = tf.matmul(a, b)
    m2 = a @ b
    assert m.op.name == "MatMul" and m2.op.name == "matmul_1"
    with tf.name_scope("layer1"):
        c = tf.matmul(a, b)
    with tf.name_scope("layer1"):
        d = tf.matmul(a, b)
    assert c.op.name == "layer1/MatMul" and d.op.name == "layer1_1/MatMul"
    with tf.name_scope("layer1/"):
        e = tf.matmul(a, b)
    assert e.op.name == "layer1/MatMul_1"


def test_python_scalar_becomes_const_named_after_consumer():
    x = tf.placeholder(tf.float32, ())
    y = x * 2
    assert y.op.name == "mul" and y.op.inputs[1].op.name == "mul/y"
    assert y.op.inputs[1].dtype == tf.float32
    z = x + 1
    assert z.op.type == "AddV2" and z.op.name == "add"


def test_lookup_by_name_and_errors():
    g = tf.get_default_graph()
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    assert g.get_tensor_by_name("x:0") is x
    assert g.get_operation_by_name("x") is x.op
    with pytest.raises(KeyError):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(ValueError):
        g.get_tensor_by_name("x")


def test_finalize_blocks_new_ops():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)
        g.finalize()
        assert g.finalized
        with pytest.raises(RuntimeError, match="finalized"):
            tf.constant(2.0)


def test_graphs_are_separate():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0)
        assert tf.get_default_graph() is g1
    with g2.as_default():
        b = tf.constant(1.0)
    assert a.graph is g1 and b.graph is g2 and a.op.name == b.op.name == "Const"
    with g2.as_default(), pytest.raises(ValueError):
        tf.multiply(a, b)


def test_collections_and_scope_filter():
    tf.add_to_collection("things", tf.constant(1.0, name="a"))
    with tf.name_scope("s"):
        tf.add_to_collection("things", tf.constant(2.0, name="b"))
    assert len(tf.get_collection("things")) == 2
    assert [t.name for t in tf.get_collection("things", scope="s")] == ["s/b:0"]
    assert tf.get_collection("missing") == []


def test_control_dependencies_add_control_inputs():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    with tf.control_dependencies([a]):
        c = tf.identity(b)
        with tf.control_dependencies(None):
            d = tf.identity(b)
    assert c.op.control_inputs == [a.op]
    assert d.op.control_inputs == []


def test_static_shapes_and_build_time_errors():
    x = tf.placeholder(tf.float32, (None, 3))
    w = tf.placeholder(tf.float32, (4, 2))
    with pytest.raises(ValueError, match=r"MatMul.*\[\?,3\], \[4,2\]"):
        tf.matmul(x, w)
    i = tf.placeholder(tf.int32, (None, 3))
    with pytest.raises(TypeError):
        x + i
    assert x.shape.as_list() == [None, 3]
    assert x.shape[1].value == 3 and x.shape[0].value is None
    assert str(x.shape) == "(?, 3)"


def test_tensor_truthiness_and_identity_equality():
    x = tf.constant(1.0)
    with pytest.raises(TypeError):
        bool(x)
    y = tf.constant(1.0)
    assert (x == x) is True and (x == y) is False
    assert {x: 1, y: 2}[x] == 1


def test_dtypes_convert_from_numpy():
    assert tf.as_dtype(np.float32) is tf.float32
    assert tf.float32 == np.float32
    assert tf.as_dtype("int64") is tf.int64
    assert tf.constant(np.arange(3)).dtype == tf.int64
    assert tf.constant([1, 2]).dtype == tf.int32
    assert tf.constant(1.5).dtype == tf.float32
    with pytest.raises(TypeError):
        tf.as_dtype("complex-ish")


def test_gradients_named_under_gradients_scope_and_none_for_unconnected():
    x = tf.placeholder(tf.float32, ())
    z = tf.placeholder(tf.float32, ())
    y = x * x
    gx, gz = tf.gradients(y, [x, z])
    assert gz is None
    assert gx.op.name.startswith("gradients/")


def test_gradient_chain_of_1000_ops_builds_fast_and_correct():
    x = tf.placeholder(tf.float64, ())
    y = x
    for _ in range(1000):
        y = y * 1.001
    (g,) = tf.gradients(y, [x])
    with tf.Session() as s:
        np.testing.assert_allclose(s.run(g, {x: 1.0}), 1.001 ** 1000)
