"""The proximal optimizers (train/proximal.py) built by graphgrad train as TensorFlow's did: the programs of
tools/record_tf_graphs.py that TF recorded (tests/data/tf_graphs/train: TF's loss before each step and every
variable after them, slots included) run natively here, step for step. The dense updates of ProximalAdagrad and
AdagradDA, float64 and the errors are recorded programs of tools/record_tf1_reference.py (proximal_optimizers)."""
import os
import sys

import numpy as np
import pytest

import graphgrad as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tools.record_tf_graphs import TRAINING  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_graphs", "train")
NAMES = ["mlp_proximal", "embedding_proximal_gd", "embedding_proximal_adagrad", "embedding_adagrad_da",
         "resource_embedding_proximal_adagrad", "resource_embedding_adagrad_da"]


@pytest.mark.parametrize("name", NAMES)
def test_trains_step_for_step_as_tensorflow(name):
    rec = np.load(os.path.join(DATA, f"{name}.npz"))
    build, optimizer = TRAINING[name]
    with tf.Graph().as_default():
        loss, batches = build(tf)
        opt = optimizer(tf)
        step = opt.minimize(loss, global_step=tf.train.get_or_create_global_step(), name="train")
        g = tf.get_default_graph()
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for i, batch in enumerate(batches):
                feed = {g.get_tensor_by_name(k + ":0"): v for k, v in batch.items()}
                np.testing.assert_allclose(s.run(loss, feed), rec[f"loss/{i}"], rtol=1e-5, atol=1e-6)
                s.run(step, feed)
            variables = {v.op.name: v for v in tf.global_variables()}
            names = [k[len("var/"):] for k in rec.files if k.startswith("var/")]
            assert sorted(variables) == sorted(names)  # the slots' names are TF's
            for n in names:
                np.testing.assert_allclose(s.run(variables[n]), rec[f"var/{n}"], rtol=1e-5, atol=1e-6, err_msg=n)


def test_errors_and_slot_names():
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(ValueError, match="initial_gradient_squared_accumulator_value must be positive"):
        tf.train.AdagradDAOptimizer(0.1, tf.train.get_or_create_global_step(),
                                    initial_gradient_squared_accumulator_value=-1.0)
    w = tf.Variable([1.0, -2.0], name="w")
    opt = tf.train.AdagradDAOptimizer(0.1, tf.train.get_or_create_global_step())
    opt.minimize(tf.reduce_sum(w * w))
    assert opt.get_slot_names() == ["gradient_accumulator", "gradient_squared_accumulator"]
    assert [opt.get_slot(w, n).op.name for n in opt.get_slot_names()] == ["w/AdagradDA", "w/AdagradDA_1"]
