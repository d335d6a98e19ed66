"""Training graphs TensorFlow wrote keep training on graphgrad (docs/graph-io.md): each recording in
tests/data/tf_graphs/train/ (tools/record_tf_graphs.py train) is a `.meta` + checkpoint saved before training and
TF's losses and variables over the next steps on fixed batches. graphgrad imports the meta graph, restores, runs
the same steps through the imported `train_op` and must match TensorFlow step for step; a checkpoint it saves
afterwards holds the variables of TF's checkpoint, under TF's names."""
import os

import numpy as np
import pytest

import graphgrad as tf

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_graphs", "train")
RECORDED = sorted(n for n in os.listdir(DATA) if os.path.isdir(os.path.join(DATA, n)))


def _steps(rec):
    steps = sorted({int(k.split("/")[1]) for k in rec.files if k.startswith("feed/")})
    return [{k.split("/", 2)[2]: rec[k] for k in rec.files if k.startswith(f"feed/{i}/")} for i in steps]


def test_every_recorded_training_graph_is_tested():
    from tools.record_tf_graphs import TRAINING

    assert sorted(TRAINING) == RECORDED


@pytest.mark.parametrize("name", RECORDED)
def test_a_tensorflow_training_graph_trains_step_for_step_as_tensorflow(name, tmp_path, caplog):
    rec = np.load(os.path.join(DATA, f"{name}.npz"))
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(os.path.join(DATA, name, "model.ckpt.meta"))
        assert "left out" not in caplog.text, caplog.text
        train_op = tf.get_collection("train_op")[0]  # TF's optimizers put their step there
        assert train_op.name == "train"
        s = tf.Session()
        saver.restore(s, os.path.join(DATA, name, "model.ckpt"))
        for i, feed in enumerate(_steps(rec)):
            np.testing.assert_allclose(s.run("loss:0", feed), rec[f"loss/{i}"], rtol=1e-5, atol=1e-6,
                                       err_msg=f"loss before step {i}")
            s.run(train_op, feed)
        variables = {v.op.name: v for v in tf.global_variables()}
        names = [k[len("var/"):] for k in rec.files if k.startswith("var/")]
        assert sorted(variables) == sorted(names)
        for n in names:
            np.testing.assert_allclose(s.run(variables[n]), rec[f"var/{n}"], rtol=1e-5, atol=1e-6, err_msg=n)
        path = saver.save(s, str(tmp_path / "model.ckpt"))
    tf_names = dict(tf.train.list_variables(os.path.join(DATA, name, "model.ckpt")))
    assert dict(tf.train.list_variables(path)) == tf_names
    for n in names:
        np.testing.assert_allclose(tf.train.load_variable(path, n), rec[f"var/{n}"], rtol=1e-5, atol=1e-6)
