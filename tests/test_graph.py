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


def test_ops_on_tensors_of_another_graph_are_built_in_that_graph():
    """As TF1's name_scope(values=...): the inputs' graph is the default inside the op, so its constants (and
    a layer's variables, and gradient ops) are made next to the inputs, not in the default graph."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (1, 2), name="x")
    y = tf.reduce_sum(tf.layers.dense(x * 2.0 - 1.0, 3)) + 1.0
    (gx,) = tf.gradients(y, x)
    assert y.graph is g and gx.graph is g
    assert tf.get_default_graph().get_operations() == []
    with tf.Session(graph=g) as s:
        s.run([v.initializer for v in g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)])
        assert s.run(gx, {x: [[1.0, 2.0]]}).shape == (1, 2)


def test_gradients_skip_ops_that_do_not_lead_back_to_xs():
    """As TF1's stop ops: differentiating with respect to a hidden layer's output builds no gradient ops for
    the matmul that computed it (they could never be used)."""
    x = tf.placeholder(tf.float32, (None, 3))
    w = tf.Variable(tf.ones((3, 2)))
    h = tf.matmul(x, w)
    y = tf.reduce_sum(h * h)
    n = len(tf.get_default_graph().get_operations())
    (gh,) = tf.gradients(y, h)
    new = [op.name for op in tf.get_default_graph().get_operations()[n:]]
    assert not any("MatMul_grad" in name for name in new), new
    with tf.Session() as s:
        s.run(w.initializer)
        np.testing.assert_allclose(s.run(gh, {x: [[1.0, 2.0, 3.0]]}), [[12.0, 12.0]])


def test_threads_building_into_one_graph_keep_their_own_scopes():
    """As TF1: name scopes, control dependencies and devices are per thread, so a thread entering a scope
    does not rename (or add control inputs to) the ops another thread builds meanwhile."""
    import threading

    g = tf.Graph()
    with g.as_default():
        dep = tf.no_op(name="dep")
    entered, built = threading.Event(), threading.Event()
    names = {}

    def other():
        with g.as_default(), g.name_scope("other"), g.control_dependencies([dep]), g.device("/gpu:0"):
            entered.set()
            built.wait(5)

    t = threading.Thread(target=other)
    t.start()
    assert entered.wait(5)
    with g.as_default():
        c = tf.constant(1.0, name="c")
        names["c"] = c.op.name
    built.set()
    t.join()
    assert names["c"] == "c" and c.op.control_inputs == [] and c.op.device == ""


def test_ops_built_by_many_threads_get_distinct_names_and_ids():
    """Naming and adding an op happen under the graph's lock: no name or run-order id is handed out twice
    (a duplicate id would make the plan's scheduler compare two ops)."""
    import sys
    import threading

    g = tf.Graph()

    def build():
        with g.as_default():
            for _ in range(200):
                tf.constant(1.0, name="c")

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so an unlocked section would be interleaved
    try:
        threads = [threading.Thread(target=build) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    ops = g.get_operations()
    assert len(ops) == 800 and len({op.name for op in ops}) == 800
    assert [op._id for op in ops] == list(range(800))


def test_import_does_not_load_the_summary_protobufs_until_used():
    import subprocess
    import sys

    code = ("import sys, graphgrad as tf; assert 'tensorboardX' not in sys.modules; "
            "tf.summary.scalar; assert tf.Summary is not None; assert 'tensorboardX' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_leaves_tf_test_distributions_and_the_downloader_s_http_for_first_use():
    import subprocess
    import sys

    code = """if True:
        import sys, graphgrad as tf
        late = ('unittest', 'asyncio', 'http.client', 'urllib.request', 'graphgrad.test', 'graphgrad.distributions',
                'graphgrad.feature_column')
        assert not [m for m in late if m in sys.modules], [m for m in late if m in sys.modules]
        assert tf.test.TestCase.__name__ == 'TestCase' and tf.compat.v1.test is tf.test
        assert tf.distributions.Normal.__name__ == 'Normal' and callable(tf.feature_column.numeric_column)
        from graphgrad import distributions, test  # from-imports load them as well
        assert test is tf.test and distributions is tf.distributions
    """
    subprocess.run([sys.executable, "-c", code], check=True)


def test_contrib_and_estimator_load_on_first_use_and_imported_graphs_find_their_ops():
    import subprocess
    import sys

    code = """if True:
        import sys, graphgrad as tf
        from graphgrad.framework.op_def import OP_DEFS
        assert 'graphgrad.contrib' not in sys.modules and 'graphgrad.estimator' not in sys.modules
        assert 'TreeSize' not in OP_DEFS  # tf.contrib's tensor-forest op, defined by a module not loaded yet
        from graphgrad.graph_io import importer
        assert importer._lazy_op_def('TreeSize') is OP_DEFS['TreeSize']
        assert importer._lazy_op_def('NoSuchOp') is None
        assert tf.estimator.Estimator.__name__ == 'Estimator' and callable(tf.contrib.layers.fully_connected)
        from graphgrad.contrib import layers  # the from-import loads the package as well
        assert layers.fully_connected is tf.contrib.layers.fully_connected
    """
    subprocess.run([sys.executable, "-c", code], check=True)


def test_node_def_reads_as_tfs_in_a_device_function():
    """The multi-GPU tutorials' device function: `op.node_def.op` picks the variables for the parameter server."""
    def assign_to_device(op):
        node_def = op if isinstance(op, tf.NodeDef) else op.node_def
        return "/cpu:0" if node_def.op in ("Variable", "VariableV2") else "/gpu:0"

    with tf.Graph().as_default():
        with tf.device(assign_to_device):
            w = tf.Variable(tf.zeros([2]), name="w")
            y = tf.identity(w * 2.0, name="y")
        assert w.op.device.lower().endswith("cpu:0") and y.op.device.lower().endswith("gpu:0")
        nd = y.op.node_def
        assert (nd.name, nd.op, nd.input) == ("y", "Identity", ["mul"]) and nd.device == y.op.device
