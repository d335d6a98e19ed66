"""GraphDefs and MetaGraphs in and out (graphgrad/graph_io/, docs/graph-io.md): graphgrad graphs round-trip with
equal values; files real TensorFlow wrote (tests/data/tf_graphs/, tools/record_tf_graphs.py) import and compute
what TF computed."""
import os

import numpy as np
import pytest
from google.protobuf import text_format

import graphgrad as tf

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_graphs")


def _recorded(name):
    d = np.load(os.path.join(DATA, f"{name}.npz"))
    feeds = {k[len("feed/"):]: d[k] for k in d if k.startswith("feed/")}
    return feeds, {k[len("fetch/"):]: d[k] for k in d if k.startswith("fetch/")}


def _build_model():
    """A graph touching many attribute kinds: shapes, dtypes, tuples, slices with Ellipsis/newaxis/tensor indices,
    a float attribute float32 cannot hold, a constant above TensorBoard's size limit, convolutions, an optimizer."""
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, (None, 6, 6, 2), name="x")
    y = tf.placeholder(tf.int64, (None,), name="y")
    h = tf.layers.conv2d(x, 3, 3, padding="same", activation=tf.nn.relu, name="conv")
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    h = tf.reshape(h, [-1, 27])
    h = tf.nn.leaky_relu(tf.layers.dense(h, 10, name="dense"), alpha=0.1)
    big = tf.constant(rng.normal(size=(10, 2000)).astype(np.float32), name="big")
    logits = h[..., tf.newaxis, :][:, 0, 1:] @ big[1:, :5] + h[:, tf.shape(h)[0] - 1][:, None]
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
    step = tf.train.AdamOptimizer(0.01).minimize(loss)
    feeds = {"x:0": rng.normal(size=(4, 6, 6, 2)).astype(np.float32), "y:0": np.array([0, 1, 4, 2])}
    return logits, loss, step, feeds


def test_a_graphgrad_graph_round_trips_through_graph_def_with_equal_values():
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(1)
        logits, loss, step, feeds = _build_model()
        s = tf.Session()
        s.run(tf.global_variables_initializer())
        values = {v.op.name: s.run(v) for v in tf.global_variables()}
        want = s.run([logits, loss], feeds)
    g2 = tf.Graph()
    with g2.as_default():
        tf.import_graph_def(g.as_graph_def(), name="")
        s2 = tf.Session()
        s2.load_variable_values({g2.get_operation_by_name(n): v for n, v in values.items()})
        got = s2.run([logits.name, loss.name], feeds)
        assert all(np.array_equal(a, b) for a, b in zip(got, want))
        s.run(step, feeds)
        s2.run(step.name, feeds)  # the training step round-trips too
        assert np.array_equal(s2.run(loss.name, feeds), s.run(loss, feeds))


def test_import_meta_graph_restores_variables_collections_and_train_op(tmp_path):
    with tf.Graph().as_default():
        logits, loss, step, feeds = _build_model()
        tf.add_to_collection("train_op", step)
        tf.add_to_collection("my_numbers", 3)
        s = tf.Session()
        s.run(tf.global_variables_initializer())
        prefix = tf.train.Saver().save(s, str(tmp_path / "model"), global_step=1)
        assert os.path.exists(prefix + ".meta")
        s.run(step, feeds)
        want = s.run(loss, feeds)
        n_trainable = len(tf.trainable_variables())
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(prefix + ".meta")
        s2 = tf.Session()
        saver.restore(s2, prefix)
        assert len(tf.trainable_variables()) == n_trainable
        assert tf.get_collection("my_numbers") == [3]
        s2.run(tf.get_collection("train_op")[0], feeds)
        assert np.array_equal(s2.run("loss:0", feeds), want)


def test_saver_writes_the_meta_graph_only_when_asked_and_deletes_it_with_its_checkpoint(tmp_path):
    with tf.Graph().as_default():
        v = tf.Variable(1.0, name="v")
        s = tf.Session()
        s.run(v.initializer)
        saver = tf.train.Saver(max_to_keep=1)
        saver.save(s, str(tmp_path / "a"), write_meta_graph=False)
        assert not os.path.exists(tmp_path / "a.meta")
        saver.save(s, str(tmp_path / "m"), global_step=1)
        saver.save(s, str(tmp_path / "m"), global_step=2)
        assert not os.path.exists(tmp_path / "m-1.meta") and os.path.exists(tmp_path / "m-2.meta")


def test_frozen_graphs_that_tensorflow_wrote_compute_what_tensorflow_computed():
    # the frozen MLP keeps only what probs and pred need (its loss and accuracy are the meta graph test's)
    for name, file, outputs in (("mlp", "mlp_frozen.pb", ["probs:0", "pred:0"]), ("cnn", "cnn_frozen.pb", None),
                                ("misc", "misc.pb", None), ("segments", "segments.pb", None)):
        feeds, fetches = _recorded(name)
        gd = tf.GraphDef()
        with open(os.path.join(DATA, file), "rb") as f:
            gd.ParseFromString(f.read())
        with tf.Graph().as_default() as g:
            tf.import_graph_def(gd, name="")
            assert not [op for op in g.get_operations() if op.type == "VariableV2"]
            s = tf.Session()
            for key in outputs or fetches:
                np.testing.assert_allclose(s.run(key, {k: v for k, v in feeds.items() if k != "y:0"}), fetches[key],
                                           atol=1e-5)


def test_a_tensorflow_meta_graph_imports_with_its_training_op_and_restores_tf_checkpoint(caplog):
    feeds, fetches = _recorded("mlp")
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(os.path.join(DATA, "mlp", "model.ckpt.meta"))
        assert "left out" not in caplog.text  # TF's gradient and update ops import too (test_tf_training_graphs.py)
        s = tf.Session()
        saver.restore(s, os.path.join(DATA, "mlp", "model.ckpt"))
        assert [v.op.name for v in tf.trainable_variables()] == ["w1", "b1", "w2", "b2"]
        assert [op.type for op in tf.get_collection("train_op")] == ["NoOp", "NoOp"]  # TF's minimize adds it too
        for key, want in fetches.items():
            np.testing.assert_allclose(s.run(key, feeds), want, atol=1e-6)


def test_an_op_type_graphgrad_cannot_build_is_an_error_naming_node_and_type():
    gd = tf.GraphDef()
    with open(os.path.join(DATA, "mlp.pbtxt")) as f:
        text_format.Parse(f.read(), gd, allow_unknown_field=True)  # TF 2.x adds NodeDef.experimental_type
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"node 'save/SaveV2' \(op: 'SaveV2'\): graphgrad cannot build"):
            tf.import_graph_def(gd)


def test_input_map_return_elements_and_the_import_scope():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 2), name="x")
        tf.multiply(x, 3.0, name="y")
    gd = g.as_graph_def()
    with tf.Graph().as_default() as g2:
        c = tf.constant([[1.0, 2.0]])
        y, op = tf.import_graph_def(gd, input_map={"x": c}, return_elements=["y:0", "y"])
        assert y.name == "import/y:0" and op is y.op
        y2 = tf.import_graph_def(gd, input_map={"x:0": c}, return_elements=["y:0"])[0]
        assert y2.name == "import_1/y:0"
        assert np.array_equal(tf.Session().run(y), [[3.0, 6.0]])
        with pytest.raises(ValueError, match=r"not found in graph_def: \[z:0\]"):
            tf.import_graph_def(gd, input_map={"z:0": c})
        tf.import_graph_def(gd, name="")
        with pytest.raises(ValueError, match="Node 'x' already exists in the Graph"):
            tf.import_graph_def(gd, name="")
    assert g2.get_tensor_by_name("import/x:0").op.type == "Placeholder"


def test_an_attribute_holding_a_python_function_is_refused_by_name():
    g = tf.Graph()
    with g.as_default():
        tf.py_func(lambda a: a * 2, [tf.constant(1.0)], tf.float32, name="double")
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"node 'double' \(op: 'PyFunc'\).*Python object"):
            tf.import_graph_def(g.as_graph_def())


def test_write_graph_freeze_and_reload(tmp_path):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (None, 3), name="x")
        w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
        out = tf.identity(tf.nn.relu(tf.matmul(x, w) - 4.0), name="out")
        s = tf.Session()
        s.run(w.initializer)
        feed = np.ones((2, 3), np.float32)
        want = s.run(out, {x: feed})
        text_path = tf.train.write_graph(s.graph_def, str(tmp_path), "g.pbtxt")
        frozen = tf.graph_util.convert_variables_to_constants(s, s.graph_def, ["out"])
        pb_path = tf.train.write_graph(frozen, str(tmp_path / "sub"), "frozen.pb", as_text=False)
    assert text_format.Parse(open(text_path).read(), tf.GraphDef()).node[0].name == "x"
    assert {n.op for n in frozen.node} >= {"Const"} and "VariableV2" not in {n.op for n in frozen.node}
    assert "w/Assign" not in {n.name for n in frozen.node}
    gd = tf.GraphDef()
    with open(pb_path, "rb") as f:
        gd.ParseFromString(f.read())
    gd = tf.graph_util.remove_training_nodes(gd, protected_nodes=["out"])
    assert "w/read" not in {n.name for n in gd.node}
    with tf.Graph().as_default():
        (y,) = tf.import_graph_def(gd, return_elements=["out:0"], name="frozen")
        assert np.array_equal(tf.Session().run(y, {"frozen/x:0": feed}), want)


def test_extract_sub_graph_keeps_what_the_destinations_need():
    with tf.Graph().as_default() as g:
        a = tf.constant(1.0, name="a")
        tf.add(a, 1.0, name="b")
        tf.constant(2.0, name="unused")
    sub = tf.graph_util.extract_sub_graph(g.as_graph_def(), ["b"])
    assert [n.name for n in sub.node] == ["a", "b/y", "b"]
    with pytest.raises(AssertionError, match="nope is not in graph"):
        tf.graph_util.extract_sub_graph(g.as_graph_def(), ["nope"])


def _tf_node(gd, name, op, inputs=(), **attrs):
    """A NodeDef as TensorFlow writes it (no `_graphgrad` mark; `T` on typed ops)."""
    node = gd.node.add(name=name, op=op)
    node.input.extend(inputs)
    node.attr["T"].type = 1  # DT_FLOAT
    for key, value in attrs.items():
        node.attr[key].CopyFrom(value)
    return node


def test_tensorflow_elementwise_ops_and_cross_entropy_build_from_their_nodes():
    from graphgrad.summary.graph_def import attr_value

    gd = tf.GraphDef()
    _tf_node(gd, "a", "Const", dtype=attr_value(tf.float32), value=attr_value(np.array([[1.0, -2.0]], np.float32)))
    _tf_node(gd, "b", "Const", dtype=attr_value(tf.float32), value=attr_value(np.array([[0.5, 3.0]], np.float32)))
    _tf_node(gd, "m", "Maximum", ["a", "b"])
    _tf_node(gd, "sq", "Square", ["m"])
    _tf_node(gd, "e", "Exp", ["a"])
    _tf_node(gd, "xent", "SoftmaxCrossEntropyWithLogits", ["a", "b"])
    with tf.Graph().as_default():
        m, sq, e, loss = tf.import_graph_def(gd, return_elements=["m:0", "sq:0", "e:0", "xent:0"])
        got = tf.Session().run([m, sq, e, loss])
    a, b = np.array([[1.0, -2.0]]), np.array([[0.5, 3.0]])
    logp = a - np.log(np.exp(a).sum())
    for x, want in zip(got, [np.maximum(a, b), np.maximum(a, b) ** 2, np.exp(a), -(b * logp).sum(1)]):
        np.testing.assert_allclose(x, want, rtol=1e-6)


def test_tensorflow_random_initializers_build_with_their_shape_and_dtype():
    from graphgrad.summary.graph_def import attr_value

    gd = tf.GraphDef()
    _tf_node(gd, "shape", "Const", dtype=attr_value(tf.int32), value=attr_value(np.array([2, 3], np.int32)))
    for op in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal"):
        _tf_node(gd, op.lower(), op, ["shape"], dtype=attr_value(tf.float32), seed=attr_value(1), seed2=attr_value(2))
    with tf.Graph().as_default():
        outs = tf.import_graph_def(gd, return_elements=["randomuniform:0", "randomstandardnormal:0",
                                                        "truncatednormal:0"])
        u, n, t = tf.Session().run(outs)
    assert u.shape == n.shape == t.shape == (2, 3) and u.dtype == np.float32
    assert 0 <= u.min() and u.max() < 1 and np.abs(t).max() <= 2


def test_conds_round_trip_with_their_branches_and_gradients_and_loops_are_refused():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 3), name="x")
        training = tf.placeholder_with_default(True, (), name="training")
        w = tf.Variable(np.ones((3, 2), np.float32), name="w")
        h = tf.layers.batch_normalization(x @ w, training=training)
        y = tf.cond(tf.reduce_sum(h) > 0, lambda: tf.cond(training, lambda: h * 2.0, lambda: h - 1.0),
                    lambda: h * 3.0, name="c")
        loss = tf.reduce_mean(y ** 2, name="loss")
        train = [tf.train.GradientDescentOptimizer(0.1).minimize(loss), *tf.get_collection(tf.GraphKeys.UPDATE_OPS)]
        s = tf.Session()
        s.run(tf.global_variables_initializer())
        values = {v.op.name: s.run(v) for v in tf.global_variables()}
        feed = np.arange(6, dtype=np.float32).reshape(2, 3) - 2
        want = [s.run([y, loss], {x: feed, training: t}) for t in (True, False)]
        s.run(train, {x: feed})
        want_after = s.run(loss, {x: feed})
    with tf.Graph().as_default() as g2:
        tf.import_graph_def(g.as_graph_def(), name="")
        s2 = tf.Session()
        s2.load_variable_values({g2.get_operation_by_name(n): v for n, v in values.items()})
        for t, (want_y, want_loss) in zip((True, False), want):
            got_y, got_loss = s2.run([y.name, "loss:0"], {"x:0": feed, "training:0": t})
            assert np.array_equal(got_y, want_y) and got_loss == want_loss
        s2.run([op.name for op in train], {"x:0": feed})
        assert s2.run("loss:0", {"x:0": feed}) == want_after
    with tf.Graph().as_default() as g3:
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)])
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"node 'while/\w+' \(op: 'While'\).*Python object"):
            tf.import_graph_def(g3.as_graph_def())
