"""tf.saved_model: SavedModels graphgrad writes load back with equal values, SavedModels TensorFlow wrote
(tests/data/tf_saved_models, recorded by tools/record_tf_saved_models.py) load and compute what TF computed, and
writing is crash-safe with TF's errors. That TF loads what graphgrad writes is checked at dev time by the same
tool's --check (docs/saved-model.md)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import graphgrad as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from record_tf_saved_models import FEEDS, builder, cnn, simple  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_saved_models")
sm = tf.saved_model


def _save(program, export_dir, **kw):
    with tf.Graph().as_default(), tf.Session() as sess:
        inputs, outputs = program(tf, sess, str(export_dir), **kw)
        return sess.run(outputs, {inputs[k]: v for k, v in FEEDS[program.__name__].items()})


def _load_and_run(export_dir, tags, feeds, key="serving_default"):
    with tf.Graph().as_default() as g, tf.Session() as sess:
        mg = sm.loader.load(sess, tags, str(export_dir))
        sig = mg.signature_def[key]
        got = sess.run({k: info.name for k, info in sig.outputs.items()},
                       {sig.inputs[k].name: v for k, v in feeds.items()})
        return got, mg, g


@pytest.mark.parametrize("program", [simple, cnn], ids=["mlp_trained_with_adam", "cnn"])
def test_simple_save_round_trips_with_equal_values(tmp_path, program):
    want = _save(program, tmp_path / "m")
    assert sorted(os.listdir(tmp_path)) == ["m"]  # the staging folder was renamed into place
    assert sorted(os.listdir(tmp_path / "m")) == ["saved_model.pb", "variables"]
    got, mg, g = _load_and_run(tmp_path / "m", [sm.tag_constants.SERVING], FEEDS[program.__name__])
    assert sorted(got) == sorted(want)
    for k in want:
        np.testing.assert_array_equal(got[k], want[k])
    assert list(mg.meta_info_def.tags) == ["serve"]
    assert mg.signature_def["serving_default"].method_name == "tensorflow/serving/predict"
    # a serving meta graph keeps what its signature and variables need, not the gradients and optimizer
    assert not any(n.name.startswith(("gradients/", "Adam")) for n in mg.graph_def.node)


def test_top_k_is_written_as_tensorflows_top_k_v2_with_k_as_an_input(tmp_path):
    _save(cnn, tmp_path / "m")
    with tf.Graph().as_default(), tf.Session() as sess:
        mg = sm.loader.load(sess, [sm.tag_constants.SERVING], str(tmp_path / "m"))
    (node,) = [n for n in mg.graph_def.node if n.op == "TopKV2"]
    assert "_graphgrad" not in node.attr and node.attr["sorted"].b
    (k,) = [n for n in mg.graph_def.node if n.name == node.input[1]]
    from graphgrad.graph_io.attrs import make_ndarray

    assert k.op == "Const" and make_ndarray(k.attr["value"].tensor) == 2


def test_builder_meta_graphs_assets_main_op_and_text_format(tmp_path):
    want = _save(builder, tmp_path / "m", as_text=True, asset_dir=str(tmp_path))
    assert sorted(os.listdir(tmp_path / "m")) == ["assets", "saved_model.pbtxt", "variables"]
    with open(tmp_path / "m" / "assets" / "vocab.txt") as f:
        assert f.read() == "cat\ndog\n"
    for tags, key in ((["serve"], "serving_default"), (["train"], "train_sig")):
        got, mg, g = _load_and_run(tmp_path / "m", tags, FEEDS["builder"], key)
        for k in want:  # the main op set `offset` to 2: the outputs are right only if the loader ran it
            np.testing.assert_allclose(got[k], want[k], rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"MetaGraphDef associated with tags 'eval' could not be found in "
                                           r"SavedModel, with available tags '\[\{'serve'\}, \{'train'\}\]'"):
        with tf.Graph().as_default(), tf.Session() as sess:
            sm.loader.load(sess, ["eval"], str(tmp_path / "m"))


def test_a_train_meta_graph_keeps_the_whole_graph_and_training_goes_on(tmp_path):
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.float32, (None, 2), name="x")
        w = tf.Variable(np.ones((2, 1), np.float32), name="w")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w)), name="loss")
        tf.add_to_collection("train_op", tf.train.GradientDescentOptimizer(0.1).minimize(loss))
        sess.run(tf.global_variables_initializer())
        b = sm.builder.SavedModelBuilder(str(tmp_path / "m"))
        b.add_meta_graph_and_variables(sess, [sm.tag_constants.TRAINING])
        b.add_meta_graph([sm.tag_constants.SERVING])
        assert b.save() == str(tmp_path / "m" / "saved_model.pb").encode()
    with tf.Graph().as_default(), tf.Session() as sess:
        sm.loader.load(sess, ["train"], str(tmp_path / "m"))
        feed = {"x:0": np.ones((1, 2), np.float32)}
        before = sess.run("loss:0", feed)
        sess.run(tf.get_collection("train_op")[0], feed)
        assert sess.run("loss:0", feed) < before
    with tf.Graph().as_default(), tf.Session() as sess:
        sm.loader.load(sess, ["serve"], str(tmp_path / "m"))
        assert tf.get_collection("train_op") == []  # the serving graph has no training ops


@pytest.mark.parametrize("name,tags", [("simple", ["serve"]), ("builder", ["serve"]), ("builder", ["train"])])
def test_savedmodels_tensorflow_wrote_compute_what_tensorflow_computed(name, tags):
    recorded = np.load(os.path.join(DATA, f"{name}.npz"))
    feeds = {k[5:]: recorded[k] for k in recorded.files if k.startswith("feed/")}
    key = "serving_default" if tags == ["serve"] else "train_sig"
    got, mg, g = _load_and_run(os.path.join(DATA, name), tags, feeds, key)
    for k, v in got.items():
        np.testing.assert_allclose(v, recorded[f"fetch/{k}"], rtol=1e-5, atol=1e-6)
    assert mg.meta_info_def.tensorflow_version  # TF's own field, read through graphgrad's messages


def test_tensor_info_and_signature_utils():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (None, 3), name="x")
        examples = tf.placeholder(tf.string, (None,), name="examples")
        info = sm.utils.build_tensor_info(x)
        assert (info.name, info.dtype, [d.size for d in info.tensor_shape.dim]) == ("x:0", 1, [-1, 3])
        assert sm.utils.get_tensor_from_tensor_info(info) is x
        classes = tf.placeholder(tf.string, (None, 3), name="classes")
        sig = sm.signature_def_utils.classification_signature_def(examples, classes, x)
        assert (sig.method_name, sorted(sig.outputs)) == ("tensorflow/serving/classify", ["classes", "scores"])
        assert sm.signature_def_utils.is_valid_signature(sig)
        assert sm.is_valid_signature(sm.regression_signature_def(examples, x))
        assert not sm.is_valid_signature(sm.build_signature_def({"x": info}, {}, sm.REGRESS_METHOD_NAME))
        with pytest.raises(ValueError, match="Prediction `inputs` cannot be None or empty."):
            sm.predict_signature_def({}, {"x": x})
        with pytest.raises(ValueError, match="Regression input tensors must be of type string"):
            sm.regression_signature_def(x, x)
        with pytest.raises(ValueError, match="Classification scores must be a float Tensor."):
            sm.classification_signature_def(examples, None, tf.argmax(x, 1))


def test_builder_errors_are_tensorflows(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("")
    with pytest.raises(AssertionError, match="already exists, and isn't empty"):
        sm.builder.SavedModelBuilder(str(tmp_path / "full"))
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.float32, (None, 1), name="x")
        b = sm.builder.SavedModelBuilder(str(tmp_path / "m"))
        with pytest.raises(AssertionError, match="Please invoke `add_meta_graph_and_variables\\(\\)` first."):
            b.add_meta_graph(["serve"])
        with pytest.raises(KeyError, match="__saved_model_init_op"):
            b.add_meta_graph_and_variables(sess, ["serve"], {"__saved_model_init_op": sm.predict_signature_def(
                {"x": x}, {"x": x})})
        b.add_meta_graph_and_variables(sess, ["serve"])  # no variables: allowed, nothing restored on load
        with pytest.raises(AssertionError, match="Please invoke `add_meta_graph\\(\\)` instead."):
            b.add_meta_graph_and_variables(sess, ["serve"])
        (tmp_path / "m" / "late").write_text("")  # someone filled export_dir before save()
        with pytest.raises(AssertionError, match="already exists, and isn't empty"):
            b.save()
    with pytest.raises(OSError, match="SavedModel file does not exist at: .*nowhere/{saved_model.pbtxt|"
                                      "saved_model.pb}"):
        with tf.Graph().as_default(), tf.Session() as sess:
            sm.loader.load(sess, ["serve"], str(tmp_path / "nowhere"))


@pytest.mark.host_process("kills a child Python process, which cannot load the test-only fake GPU")
def test_a_writer_killed_before_save_leaves_export_dir_empty(tmp_path):
    script = f"""
import os, sys
sys.path.insert(0, {os.path.join(os.path.dirname(__file__), "..")!r})
import numpy as np, graphgrad as tf
w = tf.Variable(np.ones(3, np.float32))
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    b = tf.saved_model.builder.SavedModelBuilder({str(tmp_path / "m")!r})
    b.add_meta_graph_and_variables(s, ["serve"])
    os._exit(9)
"""
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    assert os.listdir(tmp_path / "m") == []
    assert not sm.loader.maybe_saved_model_directory(str(tmp_path / "m"))


def test_load_under_an_import_scope_beside_other_variables(tmp_path):
    want = _save(builder, tmp_path / "m", asset_dir=str(tmp_path))
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.Variable(5.0, name="w")  # a variable of the same name outside the scope is left alone
        mg = tf.saved_model.load(sess, ["serve"], str(tmp_path / "m"), import_scope="served")
        sig = mg.signature_def["serving_default"]
        assert sig.outputs["y"].name == "y:0"  # the MetaGraphDef is returned unscoped, as TF returns it
        y = sm.utils.get_tensor_from_tensor_info(sig.outputs["y"], import_scope="served")
        x = sm.utils.get_tensor_from_tensor_info(sig.inputs["x"], import_scope="served")
        np.testing.assert_allclose(sess.run(y, {x: FEEDS["builder"]["x"]}), want["y"], rtol=1e-6)
        assert [v.name for v in tf.global_variables()] == ["w:0", "served/w:0"]
    with tf.Graph().as_default(), tf.Session() as sess:
        tf.Variable(1.0, name="other")  # not in the SavedModel: the loader restores only what it imported
        sm.loader.load(sess, ["serve"], str(tmp_path / "m"))
        np.testing.assert_allclose(sess.run("y:0", {"x:0": FEEDS["builder"]["x"]}), want["y"], rtol=1e-6)
