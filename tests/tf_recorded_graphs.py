"""Replaying GraphDefs that TensorFlow wrote (tests/data/tf_graphs/) against the values TF computed for them."""

import os

import numpy as np

import graphgrad as tf

DATA = os.path.join(os.path.dirname(__file__), "data", "tf_graphs")


def graph_def(name):
    gd = tf.GraphDef()
    with open(os.path.join(DATA, name), "rb") as f:
        gd.ParseFromString(f.read())
    return gd


def check_runs(name, graph_def, init=(), absent=frozenset()):
    """Import `graph_def`, run `init`, and for each recorded feed of `name`.npz compare every recorded fetch with
    TF's value (rtol 1e-5); no imported op may be of a type in `absent`. Returns the graph."""
    rec = np.load(os.path.join(DATA, f"{name}.npz"))
    with tf.Graph().as_default() as g:
        tf.import_graph_def(graph_def, name="")
        assert not [op for op in g.get_operations() if op.type in absent]
        s = tf.Session()
        s.run(list(init))
        runs = sorted({k.split("/")[1] for k in rec.files})
        assert len(runs) >= 3
        for i in runs:
            feed = {k.split("/", 2)[2]: rec[k] for k in rec.files if k.startswith(f"feed/{i}/")}
            for k in (k for k in rec.files if k.startswith(f"fetch/{i}/")):
                got = s.run(k.split("/", 2)[2], feed)
                assert np.shape(got) == rec[k].shape, k
                np.testing.assert_allclose(got, rec[k], rtol=1e-5, atol=1e-6, err_msg=k)
        return g
