"""graphgrad.viz: the lecture's graph of derivatives and its sum over paths, equal to tf.gradients; pictures through
Graphviz (skipped only where its `dot` is missing); `graphgrad graph`; the docs' picture script."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import graphgrad as tf
from graphgrad import viz

ROOT = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(not shutil.which("dot") or not __import__("importlib").util.find_spec("graphviz"),
                               reason="Graphviz is not installed (pip install graphviz; apt-get install graphviz)")


def _lecture_deeper():
    g = tf.Graph()
    with g.as_default():
        x1 = tf.placeholder(tf.float64, (), name="x1")
        x2 = tf.placeholder(tf.float64, (), name="x2")
        z1, z2 = tf.multiply(x1, x2, name="z1"), tf.sin(x1 + x2, name="z2")
        h1, h2 = tf.tanh(z1 * z2, name="h1"), tf.subtract(z1, tf.exp(z2), name="h2")
        p = tf.multiply(h1, h2, name="p")
    return p, x1, x2


def _grad(y, x, feed):
    with tf.Session(graph=y.graph) as s:
        return s.run(tf.gradients(y, [x])[0], feed)


@pytest.mark.parametrize("point", [(2.0, 3.0), (-0.4, 0.7), (1.3, -2.2)])
def test_path_sum_equals_tf_gradients_on_the_lecture_example(point):
    p, x1, x2 = _lecture_deeper()
    feed = {x1: point[0], x2: point[1]}
    for x in (x1, x2):
        assert viz.path_sum(p, x, feed) == pytest.approx(_grad(p, x, feed), rel=1e-10, abs=1e-12)


def test_path_sum_lists_the_lectures_four_paths():
    p, x1, x2 = _lecture_deeper()
    total, terms = viz.path_sum(p, x1, {x1: 2.0, x2: 3.0}, return_terms=True)
    routes = {"→".join(n for n in names if not n.startswith(("add", "mul"))) for names, _ in terms}
    assert {"p→h1→z1→x1", "p→h2→z1→x1"} <= routes
    assert len(terms) == viz.count_paths(p, x1) == 4  # the ops inside h1, h2 and z2 lengthen paths, add none
    assert total == pytest.approx(sum(v for _, v in terms))


def test_the_logistic_neuron_has_one_path_from_the_loss_to_alpha():
    g = tf.Graph()
    with g.as_default():
        x1, x2, a, b, y = (tf.placeholder(tf.float64, (), name=n) for n in ("x1", "x2", "alpha", "beta", "y"))
        z = tf.sigmoid(a * x1 + b * x2, name="z")
        loss = tf.squared_difference(z, y, name="L")
    feed = {x1: 1.5, x2: 2.0, a: 0.5, b: -0.3, y: 1.0}
    total, terms = viz.path_sum(loss, a, feed, return_terms=True)
    assert len(terms) == 1
    zv = 1 / (1 + np.exp(-(0.5 * 1.5 - 0.3 * 2.0)))
    assert total == pytest.approx(2 * (zv - 1) * zv * (1 - zv) * 1.5)  # ∂L/∂z ∂z/∂s x1, as on the slide
    assert total == pytest.approx(_grad(loss, a, feed))


def test_path_sum_through_variables_and_repeated_inputs():
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(np.float64(1.5), name="w")
        x = tf.placeholder(tf.float64, (), name="x")
        y = w * w * x + tf.square(w)  # w*w: two edges from one op to the same tensor, one per input slot
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            assert viz.path_sum(y, w, {x: 2.0}, session=s) == pytest.approx(2 * 1.5 * 2.0 + 2 * 1.5)
        assert viz.path_sum(y, x, {x: 2.0}) == pytest.approx(1.5 ** 2)  # a new session with initialized variables


def test_x_that_y_does_not_depend_on_has_no_paths():
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float64, (), name="a")
        b = tf.placeholder(tf.float64, (), name="b")
        y = tf.exp(a, name="y")
    assert viz.count_paths(y, b) == 0 and viz.path_sum(y, b, {a: 1.0, b: 2.0}) == 0.0


def test_path_sum_refuses_tensors():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (3,), name="x")
        y = tf.reduce_sum(tf.square(x), name="y")
    with pytest.raises(ValueError, match="multiplies single numbers"):
        viz.path_sum(y, x, {x: np.ones(3)})


def test_count_paths_grows_exponentially_while_edges_grow_linearly():
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import derivative_graphs as ex
    finally:
        sys.path.pop(0)
    counts = []
    for depth in (1, 2, 3, 4):
        y, xs, feed = ex.scalar_mlp(depth, 3)
        edges = viz.derivative_edges(y)
        counts.append((len(edges), viz.count_paths(y, xs[0], edges)))
    assert [p for _, p in counts] == [3, 9, 27, 81]
    assert len({b - a for (a, _), (b, _) in zip(counts, counts[1:])}) == 1  # the same number of edges per layer
    y, xs, feed = ex.scalar_mlp(3, 2)
    assert viz.path_sum(y, xs[0], feed) == pytest.approx(_grad(y, xs[0], feed), rel=1e-9)


def test_derivative_graph_labels_edges_symbolically_and_with_values():
    p, x1, x2 = _lecture_deeper()
    dg = viz.derivative_graph(p, [x1], {x1: 2.0, x2: 3.0})
    src = dg.picture().source
    assert "∂p/∂h1" in src and "∂h1/" in src and "p = " in src
    hot = [e for e in dg.edges if dg.highlighted(e)]
    assert hot and all(e.inp in dg.on_path for e in hot)
    assert {dg.name(e.inp) for e in dg.edges if not dg.highlighted(e)} == {"x2"}
    assert all(e in dg.partials for e in dg.edges)
    symbolic = viz.derivative_graph(p, [x1])  # no feed: symbols only
    assert not symbolic.partials and "∂p/∂h1\"" in symbolic.picture().source.replace("\\n", "\"")


def test_derivative_graph_of_tensors_shows_shapes():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 2), name="x")
        h = tf.layers.dense(x, 3, activation=tf.nn.relu, name="hidden")
        loss = tf.reduce_mean(tf.square(h), name="loss")
    dg = viz.derivative_graph(loss, [x], {x: np.ones((4, 2), np.float32)})
    src = dg.picture().source
    assert "(4, 3)" in src and "(4, 2)" in src and "loss = " in src


def test_draw_describes_ops_and_shapes_without_graphviz():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 2), name="x")
        with tf.name_scope("layer"):
            y = tf.nn.relu(tf.matmul(x, tf.ones((2, 5))), name="y")
    src = viz.draw(g).source
    assert "cluster_" in src and '"(?, 2)"' in src and '"(?, 5)"' in src and "Placeholder" in src
    assert viz.draw(y).source.count("->") == viz.draw(g).source.count("->")


def test_a_picture_needs_a_known_suffix(tmp_path):
    with pytest.raises(ValueError, match="cannot tell the picture format"):
        viz.Picture("digraph {}").save(tmp_path / "x.jpeg")
    assert viz.Picture("digraph {}").save(tmp_path / "x.dot").endswith("x.dot")


@needs_dot
def test_pictures_render_to_svg_and_png(tmp_path):
    p, x1, x2 = _lecture_deeper()
    viz.draw(p, tmp_path / "f.svg")
    viz.derivative_graph(p, [x1], {x1: 2.0, x2: 3.0}, path=tmp_path / "d.png")
    assert "<svg" in (tmp_path / "f.svg").read_text()
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _run(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


@needs_dot
@pytest.mark.host_process("runs graphgrad graph in a child process")
def test_graphgrad_graph_draws_a_program(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text("import sys\nimport graphgrad as tf\nx = tf.placeholder(tf.float32, (None, 3), name='x')\n"
                    "loss = tf.reduce_mean(tf.layers.dense(x, 2, name='d') ** 2, name='loss')\n"
                    "assert sys.argv[1:] == ['--flag']\n")
    r = _run("-m", "graphgrad", "graph", str(prog), "--flag", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "d/kernel" in (tmp_path / "prog.svg").read_text()
    r = _run("-m", "graphgrad", "graph", "-o", str(tmp_path / "d.dot"), "--derivatives", "loss:0",
             "--wrt", "d/kernel:0", str(prog), "--flag", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "∂loss/∂" in (tmp_path / "d.dot").read_text()
    r = _run("-m", "graphgrad", "graph", "--derivatives", "nope:0", str(prog), "--flag", cwd=tmp_path)
    assert r.returncode == 1 and "error" in r.stderr and "Traceback" not in r.stderr


@needs_dot
@pytest.mark.host_process("runs the script in a child process")
def test_the_docs_picture_script_writes_its_pictures(tmp_path):
    r = _run(str(ROOT / "examples" / "derivative_graphs.py"), "--out", str(tmp_path), "--depths", "1,2,3",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in ("chain_rule", "deeper", "neuron", "forward"):
        assert "<svg" in (tmp_path / f"{name}.svg").read_text()
    assert "∂p/∂x1 = 15 + 6 + 90 + -30 = 81 (tf.gradients: 81)" in r.stdout
    assert "| 3 | 3 |" in (tmp_path / "path_counts.md").read_text()
