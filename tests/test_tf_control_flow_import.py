"""TF 1.x control flow in GraphDefs TensorFlow wrote (graph_io/tf_cond.py): Switch/Merge conds import as graphgrad's
If ops and compute what TensorFlow computed, for either branch, nested, in tf.case and in their gradients.
Training graphs with conds (batch norm with a `training` tensor) are in tests/test_tf_training_graphs.py."""
import os

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.graph_io.protos import GraphDef

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_graphs")


def _graph_def():
    gd = tf.GraphDef()
    with open(os.path.join(DATA, "conds.pb"), "rb") as f:
        gd.ParseFromString(f.read())
    return gd


def test_conds_tensorflow_wrote_compute_what_tensorflow_computed_for_each_branch():
    rec = np.load(os.path.join(DATA, "conds.npz"))
    gd = _graph_def()
    assert {"Switch", "Merge"} <= {n.op for n in gd.node}
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name="")
        assert not [op for op in g.get_operations() if op.type in ("Switch", "Merge")]
        assert g.get_operation_by_name("pair/Merge").type == "If"  # the cond of two outputs is one If
        s = tf.Session()
        runs = sorted({k.split("/")[1] for k in rec.files})
        assert len(runs) == 4
        for i in runs:
            feed = {k.split("/", 2)[2]: rec[k] for k in rec.files if k.startswith(f"feed/{i}/")}
            for k in (k for k in rec.files if k.startswith(f"fetch/{i}/")):
                np.testing.assert_allclose(s.run(k.split("/", 2)[2], feed), rec[k], rtol=1e-5, atol=1e-6, err_msg=k)


def _graph(text):
    from google.protobuf import text_format

    return text_format.Parse(text, GraphDef())


PLACEHOLDERS = """
node { name: "p" op: "Placeholder" attr { key: "dtype" value { type: DT_BOOL } } }
node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
"""
FLOAT = 'attr { key: "T" value { type: DT_FLOAT } }'


def test_a_merge_outside_a_cond_and_its_value_index_are_value_errors():
    gd = _graph(PLACEHOLDERS + f'node {{ name: "m" op: "Merge" input: "x" input: "x" {FLOAT} }}')
    with tf.Graph().as_default(), pytest.raises(ValueError, match="Cannot import node 'm' .*Merge whose inputs"):
        tf.import_graph_def(gd)
    cond = PLACEHOLDERS + f"""
        node {{ name: "s" op: "Switch" input: "x" input: "p" {FLOAT} }}
        node {{ name: "neg" op: "Neg" input: "s" {FLOAT} }}
        node {{ name: "m" op: "Merge" input: "neg" input: "s:1" {FLOAT} }}"""
    bad = cond + 'node { name: "i" op: "Identity" input: "m:1" attr { key: "T" value { type: DT_INT32 } } }'
    with tf.Graph().as_default(), pytest.raises(ValueError, match="value_index output of the Merge 'm'"):
        tf.import_graph_def(_graph(bad))
    with tf.Graph().as_default():
        tf.import_graph_def(_graph(cond), name="")
        s = tf.Session()
        assert s.run("m:0", {"x:0": 3.0, "p:0": False}) == -3.0
        assert s.run("m:0", {"x:0": 3.0, "p:0": True}) == 3.0


def test_only_the_branch_taken_runs():
    """The ops of the branch not taken are dead in TensorFlow: a reshape there that cannot work does not run."""
    gd = _graph(PLACEHOLDERS + f"""
        node {{ name: "s" op: "Switch" input: "x" input: "p" {FLOAT} }}
        node {{ name: "t" op: "Identity" input: "s:1" input: "^s" {FLOAT} }}
        node {{ name: "f" op: "Identity" input: "s" {FLOAT} }}
        node {{ name: "shape" op: "Const" input: "^f"
               attr {{ key: "dtype" value {{ type: DT_INT32 }} }}
               attr {{ key: "value" value {{ tensor {{ dtype: DT_INT32 tensor_shape {{ dim {{ size: 1 }} }}
                                                    int_val: 7 }} }} }} }}
        node {{ name: "bad" op: "Reshape" input: "s" input: "shape" {FLOAT} }}
        node {{ name: "m" op: "Merge" input: "bad" input: "t" {FLOAT} }}""")
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name="")
        s = tf.Session()
        x = np.arange(3, dtype=np.float32)
        np.testing.assert_array_equal(s.run("m:0", {"x:0": x, "p:0": True}), x)
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run("m:0", {"x:0": x, "p:0": False})


def test_a_tf1_while_loop_beside_a_cond_imports_with_it():
    """A TF 1.x loop's own Switch and Merge (graph_io/tf_while.py) are not mistaken for a cond's: the loop
    (`v * 2.0` three times) and the cond beside it import and run, from the .meta and from its GraphDef."""
    rec = np.load(os.path.join(DATA, "loop_and_cond.npz"))
    meta = os.path.join(DATA, "loop_and_cond.meta")
    from graphgrad.graph_io.meta_graph import read_meta_graph_file

    feed = {"x:0": rec["feed/x:0"], "flag:0": False}
    for load in (tf.train.import_meta_graph, lambda m: tf.import_graph_def(read_meta_graph_file(m).graph_def, name="")):
        with tf.Graph().as_default() as g:
            load(meta)
            assert g.get_operation_by_name("loop/LoopCond").type == "While"
            s = tf.Session()
            np.testing.assert_allclose(s.run("cond/Merge:0", feed), rec["fetch/cond/Merge:0"])
            np.testing.assert_allclose(s.run("looped:0", feed), rec["feed/x:0"] * 8.0)
