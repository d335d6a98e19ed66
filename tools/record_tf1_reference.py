"""Record what small TensorFlow 1.x programs let a user notice, as the reference graphgrad is tested against.

Each program below is written once against the TF1 API (`tf` is `tensorflow.compat.v1` here and `graphgrad`
in tests/test_tf1_conformance.py) and notes what it observes with `r[key] = value`: op names and types,
printed tensors, static shapes, dtypes, fetched values, exception classes and message fragments, gradients
(None when unconnected), optimizer steps. Running this file under real TensorFlow writes tests/tf1_reference.json;
the test (CI has no TensorFlow) runs the same programs under graphgrad and compares with the recording.

Record (in a venv with tensorflow-cpu 2.21 and, for tf.layers, `pip install --no-deps tf-keras==2.21.0`):

    python tools/record_tf1_reference.py            # writes tests/tf1_reference.json
    python tools/record_tf1_reference.py data_shuffle ...   # re-records only these programs
    python tools/record_tf1_reference.py --graphgrad [program ...]  # prints them as graphgrad observes them

Keep observations small and deterministic: random values differ by design (only ranges are recorded), and
TensorFlow runs independent ops of one `Session.run` concurrently, so nothing racy is recorded.
"""
from __future__ import annotations

import collections
import json
import os
import sys
import tempfile
import traceback

import numpy as np

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tf1_reference.json")
PROGRAMS = {}


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


# --- observing ---------------------------------------------------------------------------------------------

def encode(v):
    """A JSON-able picture of a value: arrays and NumPy scalars keep dtype, shape and Python type."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, bytes):
        return {"bytes": v.decode("utf-8", "replace")}
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        if a.dtype.kind == "c":  # JSON has no complex numbers: the real parts as the value, and the imaginary ones
            return {"type": type(v).__name__, "dtype": str(a.dtype), "shape": list(a.shape), "value": a.real.tolist(),
                    "imag": a.imag.tolist()}
        if a.dtype == object:
            items = np.empty(a.size, dtype=object)
            items[:] = [encode(x) for x in a.ravel().tolist()]
            value = items.reshape(a.shape).tolist()
        else:
            value = a.tolist()
        return {"type": type(v).__name__, "dtype": str(a.dtype), "shape": list(a.shape), "value": value}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        return {str(k): encode(x) for k, x in v.items()}
    raise TypeError(f"say explicitly how to record a {type(v).__name__}")


class Recorder:
    """Collects one program's observations; `r[key] = value` notes a value (keys must be new)."""

    def __init__(self, tf):
        self.tf = tf
        self.obs = {}

    def __setitem__(self, key, value):
        if key in self.obs:
            raise KeyError(f"observation {key!r} noted twice")
        self.obs[key] = encode(value)

    def ops(self, graph=None):
        """[name, type] of every op in the graph, in creation order."""
        g = graph or self.tf.get_default_graph()
        return [[op.name, op.type] for op in g.get_operations()]

    def error(self, fn, *fragments):
        """The exception `fn()` raises: class name, nearest built-in base class, which fragments its message
        contains (each must be in TensorFlow's message), and the message itself for reading (not compared)."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001 -- what is raised is the observation
            msg = str(e)
            base = next(c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins")
            return {"error": type(e).__name__, "base": base, "has": [f in msg for f in fragments],
                    "msg": msg[:300]}
        return {"error": None}

    def stderr(self, fn):
        """What `fn()` writes to standard error: file descriptor 2 (TensorFlow's Print writes there from C++)
        and `sys.stderr` (which pytest replaces), both sent to one temporary file."""
        sys.stderr.flush()
        saved_fd, saved_stream = os.dup(2), sys.stderr
        with tempfile.TemporaryFile() as tmp:
            os.dup2(tmp.fileno(), 2)
            sys.stderr = open(tmp.fileno(), "w", closefd=False)  # noqa: SIM115 -- closed below
            try:
                fn()
            finally:
                sys.stderr.close()
                sys.stderr = saved_stream
                os.dup2(saved_fd, 2)
                os.close(saved_fd)
            tmp.seek(0)
            return tmp.read().decode()


def dims(t):
    """Static shape as a list with None for unknown dimensions, or None for unknown rank."""
    s = t.shape if hasattr(t, "shape") else t
    return None if s.ndims is None else s.as_list()


def shapes(*ts):
    return [[str(t.shape), dims(t), t.dtype.name] for t in ts]


def names(ts):
    return [None if t is None else t.name for t in ts]


# --- the lecture's programs ------------------------------------------------------------------------------------

@program
def lecture_operation_example(tf, r):
    x = tf.placeholder(tf.float32, (None, 10))
    w = tf.Variable(tf.random_uniform((10, 20)), name="w")
    z = x @ w
    r["str_z"] = str(z)
    r["repr_z"] = repr(z)
    r["repr_w"] = repr(w)
    r["w_name"] = [w.name, w.op.name, w.op.type, str(w.initializer.name), w.initializer.type]
    r["w_value_tensor"] = str(w.value())
    r["ops"] = r.ops()
    z2 = tf.matmul(x, w)
    r["str_z2"] = str(z2)


@program
def lecture_default_graph_naming(tf, r):
    for _ in range(3):
        tf.placeholder(tf.float32, (None, 10))
    r["ops"] = repr(tf.get_default_graph().get_operations())
    tf.reset_default_graph()
    r["after_reset"] = len(tf.get_default_graph().get_operations())
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(tf.float32, (None, 10))
        r["inside"] = [tf.get_default_graph() is g, p.graph is g]
    r["outside"] = [tf.get_default_graph() is g, len(tf.get_default_graph().get_operations()),
                    len(g.get_operations())]


@program
def lecture_operations_and_tensors(tf, r):
    tf.placeholder(tf.float32, (None, 10), name="x")
    ops = tf.get_default_graph().get_operations()
    r["ops"] = repr(ops)
    r["outputs"] = repr(ops[0].outputs)
    r["by_name"] = [tf.get_default_graph().get_tensor_by_name("x:0") is ops[0].outputs[0],
                    tf.get_default_graph().get_operation_by_name("x") is ops[0]]


@program
def lecture_running_a_graph(tf, r):
    s = tf.InteractiveSession()
    a = tf.constant(5.0)
    b = tf.constant(6.0)
    c = a * b
    r["str_c"] = str(c)
    r["run_c"] = s.run(c)
    r["eval_c"] = c.eval()
    r["ops"] = r.ops()
    s.close()


@program
def lecture_uninitialized_variable(tf, r):
    a = tf.constant(np.ones((2, 2), dtype=np.float32))
    b = tf.Variable(tf.ones((2, 2)))
    c = a @ b
    s = tf.InteractiveSession()
    r["error"] = r.error(lambda: s.run(c), "Attempting to use uninitialized value Variable")
    init = tf.global_variables_initializer()
    r["init"] = [init.name, init.type]
    s.run(init)
    r["run_c"] = s.run(c)
    r["ops"] = r.ops()
    s.close()


@program
def lecture_unfed_placeholder(tf, r):
    a = tf.placeholder(np.float32, (2, 2))
    b = tf.Variable(tf.ones((2, 2)))
    c = a @ b
    s = tf.InteractiveSession()
    s.run(tf.global_variables_initializer())
    r["error"] = r.error(lambda: s.run(c), "You must feed a value for placeholder tensor 'Placeholder'",
                         "with dtype float and shape [2,2]")
    r["fed"] = s.run(c, feed_dict={a: np.ones((2, 2))})
    r["fed_by_name"] = s.run(c, feed_dict={"Placeholder:0": np.ones((2, 2))})
    s.close()


@program
def lecture_x_squared_gradient_descent(tf, r):
    x = tf.get_variable("x", shape=(), dtype=tf.float32, initializer=tf.constant_initializer(0.5))
    f = x ** 2
    optimizer = tf.train.GradientDescentOptimizer(0.1)
    step = optimizer.minimize(f)
    r["trainable"] = repr(tf.trainable_variables())
    r["step"] = [step.name, step.type]
    r["f"] = str(f)
    r["gradient_scope"] = tf.gradients(f, x)[0].name.rsplit("/", 1)[0]  # ops inside it are each one's own
    s = tf.InteractiveSession()
    s.run(tf.global_variables_initializer())
    xs, fs = [], []
    for _ in range(3):
        # TensorFlow may compute f before or after the update in this run (see docs): only x is recorded.
        _, curr_x, _ = s.run([step, x, f])
        xs.append(curr_x)
        fs.append(s.run(f))
    r["x_after_steps"] = xs
    r["f_after_steps"] = fs
    s.close()


@program
def lecture_print(tf, r):
    x = tf.get_variable("x", shape=(), dtype=tf.float32, initializer=tf.constant_initializer(1.5))
    f = x ** 2
    f = tf.Print(f, [x, f], "x, f:")
    r["print"] = [f.op.type, f.name]
    v = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0])
    p = tf.Print(v, [v, tf.constant([[1, 2], [3, 4]]), tf.constant(True)], "v: ")
    p5 = tf.Print(v, [v], summarize=5)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["stderr"] = r.stderr(lambda: s.run(f))
        r["stderr_vec"] = r.stderr(lambda: s.run(p))
        r["stderr_summarize"] = r.stderr(lambda: s.run(p5))


@program
def lecture_summaries(tf, r):
    x = tf.get_variable("x", shape=(), dtype=tf.float32, initializer=tf.constant_initializer(2.0))
    f = x ** 2
    a = tf.summary.scalar("curr_x", x)
    b = tf.summary.scalar("curr_f", f)
    with tf.name_scope("train"):
        c = tf.summary.scalar("loss", f)
        h = tf.summary.histogram("hist", tf.constant([1.0, 2.0, 2.0]))
    d = tf.summary.scalar("curr_x", x)
    e = tf.summary.scalar("with space", x)
    summaries = tf.summary.merge_all()
    r["names"] = names([a, b, c, h, d, e, summaries])
    r["types"] = [t.op.type for t in [a, b, c, h, summaries]]
    r["shape"] = shapes(a, summaries)
    r["collection"] = names(tf.get_collection(tf.GraphKeys.SUMMARIES))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        parsed = tf.Summary.FromString(s.run(summaries))
        r["tags"] = [[v.tag, v.simple_value if v.HasField("simple_value") else None] for v in parsed.value]
        hist = [v.histo for v in parsed.value if v.HasField("histo")][0]
        r["histo"] = [hist.min, hist.max, hist.num, hist.sum, hist.sum_squares]


@program
def lecture_linear_regression(tf, r):
    rng = np.random.RandomState(0)
    xs = rng.random_sample((20, 3)).astype(np.float32)
    ys = xs @ np.array([[0.1], [0.8], [0.5]], np.float32)
    features = tf.placeholder(tf.float32, shape=(None, 3))
    target = tf.placeholder(tf.float32, shape=(None, 1))
    weights = tf.get_variable("w", shape=(3, 1), dtype=tf.float32, initializer=tf.zeros_initializer())
    predictions = features @ weights
    loss = tf.reduce_mean((target - predictions) ** 2)
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    r["shapes"] = shapes(predictions, loss)
    r["names"] = names([predictions, loss])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        out = []
        for _ in range(3):
            s.run(step, feed_dict={features: xs, target: ys})
            out.append(s.run([loss, weights], feed_dict={features: xs, target: ys}))
        r["steps"] = out


# --- naming --------------------------------------------------------------------------------------------------

@program
def naming_operators_and_constants(tf, r):
    a = tf.placeholder(tf.float32, (2, 2), name="a")
    b = tf.placeholder(tf.float32, (2, 2), name="b")
    i = tf.placeholder(tf.int32, (2,), name="i")
    out = [tf.matmul(a, b), a @ b, tf.multiply(a, b), a * b, a * 2.0, 2.0 * a, a + 1, 1 + a, tf.add(a, b),
           a - 1.0, 1.0 - a, a / 2.0, 2.0 / a, a ** 2, -a, abs(a), a // 2.0, a % 2.0, i // 2, i % 3, i / 2,
           tf.subtract(a, b), tf.divide(a, b), tf.div(a, b), tf.truediv(a, b), tf.pow(a, b), a < b, a >= b,
           tf.constant(1.0), tf.constant(2.0, name="c"), tf.constant(3.0, name="c"), tf.negative(a),
           a[0], a[:, 1], a[0, 0], tf.square(a), tf.reduce_sum(a), tf.reduce_mean(a, axis=0)]
    r["outputs"] = names(out)
    r["ops"] = [op for op in r.ops() if op[1] != "Const"]
    r["consts"] = [op[0] for op in r.ops() if op[1] == "Const"]


@program
def naming_case_insensitive(tf, r):
    a = tf.placeholder(tf.float32, (2, 2))
    tf.identity(a, name="Foo")
    r["names"] = names([tf.identity(a, name="foo"), tf.identity(a, name="FOO"), tf.identity(a, name="foo_1"),
                        tf.identity(a, name="Foo_2"), tf.identity(a, name="foo")])
    with tf.name_scope("Scope"):
        r["scope1"] = tf.identity(a).name
    with tf.name_scope("scope"):
        r["scope2"] = tf.identity(a).name


@program
def naming_name_scopes(tf, r):
    g = tf.get_default_graph()
    out = []
    with tf.name_scope("a") as sa:
        out.append(tf.constant(1.0))
        with tf.name_scope("b") as sb:
            out.append(tf.constant(1.0))
            r["inner_scope"] = [sa, sb, g.get_name_scope()]
        with tf.name_scope(None) as sn:
            out.append(tf.constant(1.0))
            r["reset_scope"] = sn
    with tf.name_scope("a") as sa1:
        out.append(tf.constant(1.0))
    with tf.name_scope(sa):
        out.append(tf.constant(1.0))
    with tf.name_scope("a/b/"):
        out.append(tf.constant(1.0, name="k"))
    with tf.name_scope(None, "Default", [out[0]]) as sd:
        out.append(tf.constant(1.0))
    with tf.name_scope(None, "Default") as sd2:
        pass
    r["scopes"] = [sa, sa1, sd, sd2]
    r["names"] = names(out)
    r["bad_scope"] = r.error(lambda: tf.name_scope("bad name!").__enter__(), "'bad name!' is not a valid")


@program
def naming_variable_scopes(tf, r):
    with tf.variable_scope("foo") as vs:
        v = tf.get_variable("v", [1], initializer=tf.constant_initializer(1.0))
        c = tf.constant(1.0)
        r["scope"] = [vs.name, vs.original_name_scope, vs.reuse]
        with tf.name_scope("ns"):
            w = tf.get_variable("w", [1])
            wv = tf.Variable(1.0, name="wv")
            d = tf.constant(1.0)
    with tf.variable_scope("foo", reuse=True) as vs1:
        v1 = tf.get_variable("v", [1])
        c1 = tf.constant(1.0)
        r["scope_reuse"] = [vs1.name, vs1.original_name_scope, vs1.reuse]
    with tf.variable_scope("foo"):
        c2 = tf.constant(1.0)
        r["dup"] = r.error(lambda: tf.get_variable("v", [1]), "Variable foo/v already exists, disallowed")
    with tf.variable_scope("foo", reuse=True):
        r["missing"] = r.error(lambda: tf.get_variable("nope", [1]), "Variable foo/nope does not exist")
    with tf.variable_scope("foo") as scope:
        scope.reuse_variables()
        r["reuse_variables"] = tf.get_variable("v", [1]) is v
    with tf.variable_scope("foo", reuse=True):
        r["shape_mismatch"] = r.error(lambda: tf.get_variable("v", [2]), "Trying to share variable foo/v")
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a1 = tf.get_variable("a", [1])
        a2 = tf.get_variable("a", [1])
    with tf.variable_scope(None, default_name="layer"):
        l1 = tf.get_variable("k", [1])
    with tf.variable_scope(None, default_name="layer"):
        l2 = tf.get_variable("k", [1])
    with tf.variable_scope("outer"):
        with tf.variable_scope("inner"):
            n1 = tf.get_variable("n", [1])
            n2 = tf.constant(1.0)
    with tf.name_scope("ns2"):
        with tf.variable_scope("vs2"):
            m1 = tf.get_variable("m", [1])
            m2 = tf.constant(1.0)
    r["same"] = [v1 is v, a1 is a2]
    r["names"] = names([v, c, w, wv, d, v1, c1, c2, a1, l1, l2, n1, n2, m1, m2])
    r["repr_v"] = repr(v)
    r["global"] = names(tf.global_variables())
    r["trainable"] = names(tf.trainable_variables())
    r["scoped"] = names(tf.global_variables("foo")) + names(tf.trainable_variables(scope="outer"))
    r["ops_v"] = [o for o in r.ops() if o[0].startswith("foo/v")]
    r["ops_w"] = [o for o in r.ops() if o[0].startswith("foo/w/") and "/Initializer/" not in o[0]]


@program
def naming_variables(tf, r):
    v = tf.Variable(1.0)
    v1 = tf.Variable(2.0)
    w = tf.Variable([1, 2], name="w")
    t = tf.Variable(0, trainable=False, name="t")
    a = tf.assign(v, 3.0)
    b = tf.assign_add(v, 1.0)
    c = v.assign_sub(1.0)
    u = tf.Variable(tf.zeros([2, 3]))
    r["names"] = names([v, v1, w, t, a, b, c, u])
    r["reprs"] = [repr(v), repr(w), repr(t), str(v.value()), str(a), repr(u)]
    r["types"] = [x.op.type for x in [v, a, b, c]]
    r["dtypes"] = [x.dtype.name for x in [v, w, a, v.value()]]
    r["shape_dim"] = [str(u.shape[1]), repr(u.shape[1]), u.shape[1].value, u.get_shape().as_list()]
    r["trainable"] = names(tf.trainable_variables())
    r["initial_value"] = [v.initial_value.name, v.initializer.name]
    r["ops"] = r.ops()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["values"] = s.run([v, a, b, c, v])


@program
def naming_gradients(tf, r):
    x = tf.placeholder(tf.float32, (3,), name="x")
    w = tf.Variable(np.ones(3, np.float32), name="w")
    y = x * w
    gx, gw = tf.gradients(y, [x, w])
    r["simple"] = names([gx, gw])
    z = tf.reduce_sum(tf.square(x))
    (gz,) = tf.gradients(z, x)
    r["square"] = gz.name
    m = tf.matmul(tf.reshape(x, (1, 3)), tf.reshape(w, (3, 1)))
    r["matmul_types"] = [t.op.type for t in tf.gradients(m, [x, w])]
    e = tf.exp(x)
    t = tf.tanh(x)
    s = tf.sigmoid(x)
    r["unary"] = [t.op.type for t in tf.gradients(e, x) + tf.gradients(t, x) + tf.gradients(s, x)]
    r["second_call_scope"] = names(tf.gradients(y, x)) + names(tf.gradients(y, x, name="my_grads"))


# --- dtypes and arithmetic --------------------------------------------------------------------------------

@program
def dtype_rules(tf, r):
    i = tf.constant([-7, 7, 6])
    j = tf.constant([2, 2, 4])
    f = tf.constant([-7.0, 7.0, 6.5])
    out = {
        "int_truediv": i / j, "int_truediv_scalar": i / 2, "div_int": tf.div(i, j), "div_float": tf.div(f, 2.0),
        "floordiv": i // j, "floordiv_float": f // 2.0, "mod": i % 3, "mod_float": f % 3.0,
        "truncatediv": tf.truncatediv(i, j), "truncatemod": tf.truncatemod(i, j), "floormod": tf.floormod(i, j),
        "realdiv": tf.realdiv(f, 2.0), "divide": tf.divide(i, j),
        "mean_int": tf.reduce_mean(tf.constant([-1, -2, -4])), "mean_int_axis": tf.reduce_mean(
            tf.constant([[1, 2], [4, 4]]), axis=1),
        "sum_bool": tf.reduce_sum(tf.cast(tf.constant([True, False, True]), tf.int32)),
        "arange": tf.constant(np.arange(3)), "list_int": tf.constant([1, 2]), "float": tf.constant(1.5),
        "np_float64": tf.constant(np.float64(1.5)), "np_float32_array": tf.constant(np.ones(2, np.float32)),
        "big_int": tf.constant(2 ** 40), "bool": tf.constant([True]),
        "argmax": tf.argmax(tf.constant([[1, 5, 5], [3, 3, 0]])),
        "argmax_axis1": tf.argmax(tf.constant([[1, 5, 5], [3, 3, 0]]), axis=1),
        "argmax_int32": tf.argmax(tf.constant([1, 5, 5]), output_type=tf.int32),
        "argmin": tf.argmin(tf.constant([[1, 5, 5], [1, 3, 0]])),
        "cast_trunc": tf.cast(tf.constant([1.7, -1.7, 2.5]), tf.int32),
        "cast_bool": tf.cast(tf.constant([0.0, 0.5]), tf.bool),
        "round": tf.round(tf.constant([0.5, 1.5, 2.5, -0.5, -1.5])),
        "range": tf.range(5), "range_float": tf.range(1.0, 2.0, 0.5), "shape": tf.shape(tf.zeros((2, 3))),
        "size": tf.size(tf.zeros((2, 3))), "rank": tf.rank(tf.zeros((2, 3))), "zeros": tf.zeros((2,)),
        "ones_like_int": tf.ones_like(i), "one_hot": tf.one_hot([0, 2], 3), "fill": tf.fill([2], 7),
        "pow_int": tf.pow(tf.constant([2, 3]), 2), "square_int": tf.square(i), "abs_int": tf.abs(i),
        "sign": tf.sign(f), "equal": tf.equal(i, j), "maximum_int": tf.maximum(i, 0),
        "sqrt_neg": tf.sqrt(tf.constant([-1.0, 4.0])), "log_zero": tf.log(tf.constant([0.0, 1.0])),
        "float_div_zero": tf.constant([1.0, -1.0, 0.0]) / 0.0, "count_nonzero": tf.count_nonzero([0, 1, 2]),
        "to_float": tf.to_float(i), "np_scalar_float64_with_float32": tf.constant([1.0]) + np.float64(1.0),
        "np_array_float64_mul": tf.constant([1.0, 2.0], tf.float64) * np.array([2.0, 3.0]),
        "reduce_sum_int64": tf.reduce_sum(tf.constant(np.arange(4))),
        "linspace_like_range": tf.range(0, 10, 3),
    }
    r["dtypes"] = {k: [v.dtype.name, dims(v)] for k, v in out.items()}
    with tf.Session() as s:
        r["values"] = s.run(out)


@program
def dtype_feeds(tf, r):
    p = tf.placeholder(tf.int32, (None,))
    q = tf.placeholder(tf.float32, (2,))
    b = tf.placeholder(tf.bool, ())
    d = tf.placeholder(tf.float64)
    r["shapes"] = shapes(p, q, b, d)
    with tf.Session() as s:
        r["float_to_int"] = s.run(p, {p: [1.7, -1.7, 2.9]})
        r["int_to_float"] = s.run(q, {q: [1, 2]})
        r["float64_to_float32"] = s.run(q, {q: np.array([0.1, 0.2])})
        r["bool"] = s.run(b, {b: 1})
        r["unknown_shape"] = s.run(d, {d: [[1.0], [2.0]]})
        r["scalar_fetch"] = s.run(tf.reduce_sum(q), {q: [1.0, 2.0]})
        c = tf.constant(3.0)
        r["feed_non_placeholder"] = s.run(c * 2.0, {c: 5.0})
        r["feed_const_bad_shape"] = r.error(lambda: s.run(c * 2.0, {c: [5.0, 1.0]}), "Cannot feed value of shape")
        r["string_to_float"] = r.error(lambda: s.run(q, {q: ["a", "b"]}))
        t = tf.placeholder(tf.string, (None,))
        r["string_feed"] = s.run([t, tf.identity(t)], {t: ["a", "é"]})


@program
def dtype_type_errors(tf, r):
    f = tf.constant([1.0])
    i = tf.constant([1])
    r["float_plus_int"] = r.error(lambda: f + i)
    r["tf_add_mixed"] = r.error(lambda: tf.add(f, i))
    r["int_plus_float_literal"] = r.error(lambda: i + 1.5, "does not match type int32")
    r["matmul_int_float"] = r.error(lambda: tf.matmul(tf.constant([[1.0]]), tf.constant([[1]])))
    r["float64_plus_float32"] = r.error(lambda: tf.constant([1.0], tf.float64) + f)
    r["constant_float_as_int"] = r.error(lambda: tf.constant(1.5, dtype=tf.int32))
    r["constant_int_as_float"] = tf.constant(1, dtype=tf.float32).dtype.name
    r["variable_convert"] = r.error(lambda: tf.convert_to_tensor(tf.Variable(1.0), dtype=tf.int32))
    r["sqrt_int"] = r.error(lambda: tf.sqrt(i))
    r["bool_tensor"] = r.error(lambda: bool(f), "Tensor")
    r["if_tensor"] = r.error(lambda: 1 if f else 0)
    r["iter_tensor"] = r.error(lambda: list(f))
    r["len_tensor"] = r.error(lambda: len(f))
    r["eq_is_identity"] = [f == f, f == i, f != i, {f: 1}[f]]


# --- static shapes and broadcasting ------------------------------------------------------------------------

@program
def broadcasting_shapes(tf, r):
    a = tf.placeholder(tf.float32, (None, 3))
    b = tf.placeholder(tf.float32, (3,))
    c = tf.placeholder(tf.float32, (2, 1))
    d = tf.placeholder(tf.float32, (1, 3))
    e = tf.placeholder(tf.float32, (None, 1))
    u = tf.placeholder(tf.float32)
    n = tf.placeholder(tf.float32, (None, None))
    out = [a + b, c + d, e * b, u + b, a * e, n + b, a + 1.0, tf.maximum(c, d), tf.where(a > 0, a, b + a),
           tf.squared_difference(c, d)]
    r["shapes"] = shapes(*out)
    r["mismatch"] = r.error(lambda: tf.placeholder(tf.float32, (2, 3)) + tf.placeholder(tf.float32, (4,)),
                            "Dimensions must be equal, but are 3 and 4")
    with tf.Session() as s:
        r["values"] = s.run(c + d, {c: [[1.0], [2.0]], d: [[10.0, 20.0, 30.0]]})
        r["unknown_rank_value"] = s.run(u + b, {u: [[1.0], [2.0]], b: [1.0, 2.0, 3.0]})


@program
def none_values(tf, r):
    """None is no tensor: TF's errors for constants, ops and a cond branch that returns None (pkmital's batch norm
    takes `ema.average(mean)` before `ema.apply`, which is None)."""
    r["convert"] = r.error(lambda: tf.convert_to_tensor(None), "None values not supported")
    r["constant"] = r.error(lambda: tf.constant(None), "None values not supported")
    r["op_input"] = r.error(lambda: tf.add(None, 1.0), "None values not supported")
    r["nested"] = r.error(lambda: tf.constant([1.0, None]), "Failed to convert elements")
    p = tf.placeholder(tf.bool, [])
    r["cond_branch"] = r.error(lambda: tf.cond(p, lambda: tf.constant(1.0), lambda: None), "must have a return")
    pair = (tf.constant([1.0]), tf.constant([2.0]))
    r["cond_branch_pair"] = r.error(lambda: tf.cond(p, lambda: pair, lambda: (None, None)), "None values")


@program
def softmax_xent_flattened(tf, r):
    """softmax_cross_entropy_with_logits_v2 flattens logits and labels to rows of classes each: DeepLearningZeroToAll's
    lab-06-2 passes `labels=[Y_one_hot]`, (1, ?, 7) against logits (?, 7), and trains; a single label row
    broadcasts; gradients flow to both."""
    rs = np.random.RandomState(3)
    a = rs.rand(5, 7).astype(np.float32)
    b = np.eye(7, dtype=np.float32)[rs.randint(0, 7, 5)]
    lg = tf.placeholder(tf.float32, [None, 7])
    lb = tf.placeholder(tf.float32, [None, 7])
    listed = tf.nn.softmax_cross_entropy_with_logits_v2(logits=lg, labels=[lb])
    swapped = tf.nn.softmax_cross_entropy_with_logits_v2(logits=a[:, None, :], labels=b[None])
    one_row = tf.nn.softmax_cross_entropy_with_logits_v2(logits=a, labels=b[:1])
    r["shapes"] = shapes(listed, swapped, one_row)
    grads = tf.gradients(tf.reduce_sum(listed * np.arange(5, dtype=np.float32)), [lg, lb])
    with tf.Session() as s:
        r["values"] = s.run([listed, swapped, one_row], {lg: a, lb: b})
        r["gradients"] = s.run(grads, {lg: a, lb: b})


@program
def array_shapes(tf, r):
    x = tf.placeholder(tf.float32, (None, 3, 4))
    u = tf.placeholder(tf.float32)
    out = [tf.reduce_sum(x), tf.reduce_sum(x, axis=1), tf.reduce_sum(x, axis=[0, 2], keepdims=True),
           tf.reduce_mean(x, -1), tf.reduce_max(u, axis=0), tf.transpose(x), tf.transpose(x, [0, 2, 1]),
           tf.reshape(x, [-1, 12]), tf.reshape(x, [2, -1]), tf.reshape(x, tf.shape(x)), tf.expand_dims(x, 1),
           tf.squeeze(tf.zeros((1, 2, 1))), tf.concat([x, x], axis=0), tf.concat([x, x], axis=-1),
           tf.stack([x, x], axis=1), x[:, 0], x[..., 1:3], x[:, tf.newaxis], x[0, :, ::2], tf.shape(x),
           tf.matmul(x[0], tf.zeros((4, 5))), tf.matmul(tf.zeros((2, 3)), tf.zeros((2, 3)), transpose_b=True),
           tf.tile(x, [1, 2, 1]), tf.gather(tf.zeros((5, 2)), [1, 3, 3]), tf.one_hot(tf.zeros((4,), tf.int32), 3),
           tf.argmax(x, axis=1), tf.zeros_like(x), tf.split(tf.zeros((4, 6)), 2, axis=1)[1],
           tf.pad(tf.zeros((2, 3)), [[1, 1], [0, 2]]), tf.reduce_sum(u), tf.reshape(u, [-1]),
           tf.unstack(tf.zeros((2, 3)))[0], tf.nn.softmax(x), tf.nn.relu(u), tf.squeeze(x[:, :1, :1], [1, 2])]
    r["shapes"] = shapes(*out)
    r["dims"] = [str(x.shape[0]), repr(x.shape[0]), x.shape[1].value, x.shape.ndims, str(u.shape),
                 x.shape.as_list(), repr(x.shape), str(tf.zeros(()).shape), repr(tf.TensorShape([None, 2]))]
    r["matmul_bad"] = r.error(lambda: tf.matmul(tf.placeholder(tf.float32, (None, 3)),
                                                tf.placeholder(tf.float32, (4, 2))),
                              "Dimensions must be equal, but are 3 and 4")
    r["reshape_bad"] = r.error(lambda: tf.reshape(tf.zeros((2, 3)), [4, 2]))
    r["concat_bad"] = r.error(lambda: tf.concat([tf.zeros((2, 3)), tf.zeros((2, 4))], axis=0))
    r["set_shape"] = r.error(lambda: u.set_shape([2, 3]) or tf.zeros((2,)).set_shape([3]))
    r["u_after_set_shape"] = str(u.shape)


# --- sessions and errors ------------------------------------------------------------------------------------

@program
def session_fetches(tf, r):
    a = tf.constant(1.0, name="a")
    b = tf.constant([1, 2], name="b")
    v = tf.Variable(3.0, name="v")
    init = tf.global_variables_initializer()
    Pair = collections.namedtuple("Pair", "x y")
    with tf.Session() as s:
        r["init_result"] = s.run(init)
        r["list"] = s.run([a, b])
        out = s.run((a, [b, {"k": a}]))
        r["nested_types"] = [type(out).__name__, type(out[1]).__name__, type(out[1][1]).__name__]
        r["nested"] = out
        p = s.run(Pair(a, b))
        r["namedtuple"] = [type(p).__name__, p.x, p.y]
        r["by_name"] = s.run(["a:0", "b"])
        r["variable"] = s.run(v)
        r["variable_op"] = s.run(v.op)
        r["scalar_type"] = type(s.run(a)).__name__
        r["eval"] = a.eval()
        r["default"] = tf.get_default_session() is s
        r["none_fetch"] = r.error(lambda: s.run(None))
        r["int_fetch"] = r.error(lambda: s.run(3))
        r["missing_name"] = r.error(lambda: s.run("nope:0"), "nope")
        r["empty"] = s.run([])
        r["dup"] = s.run([a, a])
    r["default_after"] = tf.get_default_session() is None


@program
def session_errors(tf, r):
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    y = x * 2.0
    v = tf.Variable(1.0, name="v")
    s = tf.Session()
    r["bad_feed_shape"] = r.error(lambda: s.run(y, {x: np.zeros((2, 4))}),
                                  "Cannot feed value of shape (2, 4) for Tensor", "x:0", "which has shape (?, 3)")
    r["bad_feed_rank"] = r.error(lambda: s.run(y, {x: np.zeros(3)}), "Cannot feed value of shape (3,)")
    r["feed_key_int"] = r.error(lambda: s.run(y, {1: np.zeros((1, 3))}))
    r["uninit"] = r.error(lambda: s.run(v * 2.0), "Attempting to use uninitialized value v")
    r["unfed"] = r.error(lambda: s.run(y), "You must feed a value for placeholder tensor 'x'",
                         "with dtype float and shape [?,3]")
    n = tf.placeholder(tf.float32, (None, None))
    r["reshape_runtime"] = r.error(lambda: s.run(tf.reshape(n, [2, 2]), {n: np.zeros((1, 3))}),
                                   "Input to reshape is a tensor with 3 values, but the requested shape has 4")
    g2 = tf.Graph()
    with g2.as_default():
        other = tf.constant(1.0)
    r["other_graph"] = r.error(lambda: s.run(other), "is not an element of this graph")
    r["other_graph_build"] = r.error(lambda: other + y)
    r["eval_no_session"] = r.error(lambda: y.eval({x: np.zeros((1, 3))}), "No default session is registered")
    s.close()
    r["closed"] = r.error(lambda: s.run(y, {x: np.zeros((1, 3))}), "Attempted to use a closed Session")
    r["variable_no_value"] = r.error(lambda: tf.Variable())
    r["get_variable_no_shape"] = r.error(lambda: tf.get_variable("nos"))
    r["placeholder_bad_dtype"] = r.error(lambda: tf.placeholder("nonsense"))


@program
def session_state(tf, r):
    v = tf.Variable([1.0, 2.0])
    inc = tf.assign_add(v, [1.0, 1.0])
    with tf.Session() as s1, tf.Session() as s2:
        s1.run(v.initializer)
        s2.run(v.initializer)
        s1.run(inc)
        r["independent"] = [s1.run(v), s2.run(v)]
        r["inc_then_read"] = s1.run([inc, v])
        r["uninitialized_report"] = s1.run(tf.report_uninitialized_variables())
        w = tf.Variable(0.0, name="w")
        r["report_w"] = s1.run(tf.report_uninitialized_variables())
        r["is_init"] = s1.run([tf.is_variable_initialized(v), tf.is_variable_initialized(w)])
        v.load([5.0, 6.0], s1)
        r["load"] = s1.run(v)
        r["assign_shape_error"] = r.error(lambda: tf.assign(v, [1.0, 2.0, 3.0]))
        r["assign_validate_false"] = s1.run(tf.assign(v, [1.0, 2.0, 3.0], validate_shape=False))
        r["after"] = s1.run(v)


# --- gradients ------------------------------------------------------------------------------------------

@program
def gradient_conventions(tf, r):
    x = tf.constant([-1.0, 0.0, 1.0, 6.0, 7.0])
    y = tf.constant([0.0, 0.0, 2.0, 6.0, 1.0])
    ties = tf.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    with_zeros = tf.constant([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0]])
    exprs = {
        "relu": tf.nn.relu(x), "relu6": tf.nn.relu6(x), "leaky_relu": tf.nn.leaky_relu(x),
        "elu": tf.nn.elu(x), "selu": tf.nn.selu(x), "softplus": tf.nn.softplus(x), "abs": tf.abs(x),
        "sign": tf.sign(x), "maximum0": tf.maximum(x, 0.0), "minimum0": tf.minimum(x, 0.0),
        "clip": tf.clip_by_value(x, 0.0, 6.0), "square": tf.square(x), "pow2": x ** 2, "pow3": x ** 3.0,
        "sqrt": tf.sqrt(tf.abs(x)), "rsqrt": tf.math.rsqrt(tf.abs(x) + 1.0), "reciprocal": tf.reciprocal(x + 2.0),
        "sigmoid": tf.sigmoid(x), "tanh": tf.tanh(x), "exp": tf.exp(x), "log": tf.log(tf.abs(x) + 1.0),
        "log1p": tf.log1p(tf.abs(x)), "floor": tf.floor(x), "round": tf.round(x), "ceil": tf.ceil(x),
        "reduce_max_ties": tf.reduce_max(ties), "reduce_max_axis": tf.reduce_max(ties, axis=1),
        "reduce_min_ties": tf.reduce_min(ties, axis=0), "reduce_prod_zeros": tf.reduce_prod(with_zeros, axis=1),
        "reduce_prod_all": tf.reduce_prod(with_zeros + 1.0), "reduce_mean": tf.reduce_mean(ties, axis=0),
        "logsumexp": tf.reduce_logsumexp(ties, axis=1), "softmax": tf.nn.softmax(ties)[:, 0],
        "log_softmax": tf.nn.log_softmax(ties)[:, 1], "l2_loss": tf.nn.l2_loss(x),
        "where": tf.where(x > 0.0, x * 2.0, x * 3.0), "squared_difference": tf.squared_difference(x, 1.0),
        "div": x / (tf.abs(x) + 1.0), "cumsum": tf.cumsum(x), "norm_at_zero": tf.sqrt(tf.reduce_sum(y * 0.0)),
        "gather": tf.gather(x, [0, 0, 3]), "concat": tf.concat([x, x * 2.0], 0), "tile": tf.tile(x, [2]),
        "transpose": tf.transpose(ties)[0], "slice": x[1:3], "reshape": tf.reshape(x, (5, 1)),
    }
    pairs = {"maximum_tie": tf.maximum(x, y), "minimum_tie": tf.minimum(x, y), "pow_xy": tf.pow(x + 2.0, y),
             "pow_zero_base": tf.pow(y, x + 2.0), "squared_difference_xy": tf.squared_difference(x, y),
             "truediv_xy": x / (y + 1.0), "atan2_like": x * y}
    out = {}
    for k, e in exprs.items():
        wrt = with_zeros if k.startswith("reduce_prod") else ties if (
            k.startswith("reduce_m") or k in ("logsumexp", "softmax", "log_softmax", "transpose")) \
            else y if k == "norm_at_zero" else x
        out[k] = tf.gradients(e, wrt)[0]
    for k, e in pairs.items():
        gx, gy = tf.gradients(e, [x, y])
        out[k + "_dx"], out[k + "_dy"] = gx, gy
    out = {k: (v if v is None else tf.convert_to_tensor(v)) for k, v in out.items()}
    with tf.Session() as s:
        r["grads"] = s.run({k: v for k, v in out.items() if v is not None})
    r["none"] = sorted(k for k, v in out.items() if v is None)


@program
def gradient_none_and_stops(tf, r):
    x = tf.placeholder(tf.float32, (3,), name="x")
    w = tf.Variable([1.0, 2.0, 3.0])
    u = tf.Variable(1.0)
    i = tf.placeholder(tf.int32, (3,))
    y = tf.reduce_sum(x * w)
    r["unconnected"] = [g is None for g in tf.gradients(y, [x, w, u])]
    r["stop_gradient"] = [g is None for g in tf.gradients(tf.stop_gradient(x) * w, [x, w])]
    r["stop_gradients_arg"] = [g is None for g in tf.gradients(y, [x, w], stop_gradients=[w])]
    r["argmax"] = [g is None for g in tf.gradients(tf.cast(tf.argmax(x), tf.float32) + y, [x])]
    r["cast_int"] = [g is None for g in tf.gradients(tf.cast(tf.cast(x, tf.int32), tf.float32), [x])]
    r["equal"] = [g is None for g in tf.gradients(tf.cast(tf.equal(x, 1.0), tf.float32), [x])]
    r["shape"] = [g is None for g in tf.gradients(tf.cast(tf.shape(x), tf.float32), [x])]
    r["int_input"] = r.error(lambda: tf.gradients(tf.reduce_sum(i), i))
    labels = tf.placeholder(tf.float32, (2, 3))
    logits = tf.placeholder(tf.float32, (2, 3))
    ce1 = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    ce2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    r["softmax_ce_v1_labels"] = [g is None for g in tf.gradients(ce1, [labels, logits])]
    r["softmax_ce_v2_labels"] = [g is None for g in tf.gradients(ce2, [labels, logits])]
    sce = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    r["sigmoid_ce"] = [g is None for g in tf.gradients(sce, [labels, logits])]
    gx, gw = tf.gradients(y, [x, w], grad_ys=tf.constant(2.0))
    gs = tf.gradients([y, y * 3.0], x)
    hx = tf.gradients(tf.gradients(tf.reduce_sum(x ** 3), x)[0], x)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        feed = {x: [1.0, -2.0, 3.0], labels: [[0, 1, 0], [1, 0, 0]], logits: [[1, 2, 3], [0, 0, 0]]}
        r["grad_ys"] = s.run([gx, gw], feed)
        r["list_ys"] = s.run(gs, feed)
        r["second_order"] = s.run(hx, feed)
        r["ce_values"] = s.run([ce1, ce2, sce] + tf.gradients(ce1, logits), feed)


# --- optimizers ----------------------------------------------------------------------------------------------

def _opt_problem(tf, dtype=None):
    dtype = dtype or tf.float32
    w = tf.Variable(np.array([1.0, -2.0], dtype.as_numpy_dtype), name="w")
    b = tf.Variable(np.array(0.5, dtype.as_numpy_dtype), name="b")
    x = tf.constant(np.array([[1.0, 2.0], [3.0, -1.0]], dtype.as_numpy_dtype))
    loss = tf.reduce_sum((tf.reshape(tf.matmul(x, tf.reshape(w, (2, 1))), (2,)) + b - 1.0) ** 2)
    return w, b, loss


def _optimizers(tf):
    t = tf.train
    return {
        "gd": lambda: t.GradientDescentOptimizer(0.1),
        "momentum": lambda: t.MomentumOptimizer(0.05, 0.9),
        "nesterov": lambda: t.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
        "adam": lambda: t.AdamOptimizer(0.1),
        "rmsprop": lambda: t.RMSPropOptimizer(0.05),
        "rmsprop_centered_momentum": lambda: t.RMSPropOptimizer(0.05, momentum=0.5, centered=True),
        "adagrad": lambda: t.AdagradOptimizer(0.2),
        "adadelta": lambda: t.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-3),
    }


def _run_steps(tf, r, key, make, dtype=None, steps=3):
    with tf.Graph().as_default():
        w, b, loss = _opt_problem(tf, dtype)
        opt = make()
        step = opt.minimize(loss)
        slots = {n: opt.get_slot(w, n) for n in sorted(opt.get_slot_names())}
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            out = []
            for _ in range(steps):
                s.run(step)
                out.append(s.run([loss, w, b]))
            r[key] = {"steps": out, "vars": [[v.name, v.dtype.name] for v in tf.global_variables()],
                      "trainable": names(tf.trainable_variables()), "step": [step.name, step.type],
                      "slots": {n: [v.name, s.run(v)] for n, v in slots.items()}}


@program
def optimizer_updates(tf, r):
    for name, make in _optimizers(tf).items():
        _run_steps(tf, r, name, make)


@program
def optimizer_float64(tf, r):
    for name in ("adam", "rmsprop", "momentum"):
        _run_steps(tf, r, name, _optimizers(tf)[name], dtype=tf.float64, steps=2)


@program
def optimizer_api(tf, r):
    w, b, loss = _opt_problem(tf)
    u = tf.Variable(1.0, name="unused")
    gs = tf.train.get_or_create_global_step()
    opt = tf.train.GradientDescentOptimizer(0.1)
    gv = opt.compute_gradients(loss)
    r["compute_gradients"] = [[g is None, v.name] for g, v in gv]
    step = opt.apply_gradients([(g, v) for g, v in gv if g is not None], global_step=gs)
    r["global_step"] = [gs.name, gs.dtype.name, str(gs.shape), names(tf.get_collection(tf.GraphKeys.GLOBAL_STEP)),
                        step.name, step.type]
    r["no_grads"] = r.error(lambda: tf.train.AdamOptimizer().minimize(u * 0.0 + tf.stop_gradient(loss), var_list=[w]),
                            "No gradients provided for any variable")
    lr = tf.train.exponential_decay(0.1, gs, 2, 0.5, staircase=True)
    lr2 = tf.train.exponential_decay(0.1, gs, 2, 0.5)
    pw = tf.train.piecewise_constant(gs, [1, 2], [1.0, 0.5, 0.25])
    others = [tf.train.polynomial_decay(0.1, gs, 4, 0.01, power=2.0), tf.train.inverse_time_decay(0.1, gs, 2, 0.5),
              tf.train.natural_exp_decay(0.1, gs, 2, 0.5, staircase=True), tf.train.cosine_decay(0.1, gs, 4)]
    r["lr_names"] = names([lr, lr2])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        vals = []
        for _ in range(3):
            vals.append(s.run([gs, lr, lr2, pw, w] + others))
            s.run(step)
        r["schedule"] = vals


# --- layers, losses, initializers ---------------------------------------------------------------------------

@program
def layers_dense(tf, r):
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    y = tf.layers.dense(x, 4)
    y2 = tf.layers.dense(y, 2, activation=tf.nn.relu)
    y3 = tf.layers.dense(x, 2, use_bias=False, name="fc")
    y4 = tf.layers.dense(x, 2, name="fc", reuse=True, use_bias=False)
    y5 = tf.layers.dense(x, 5, kernel_regularizer=lambda w: tf.reduce_sum(w) * 0.0, name="reg")
    x3 = tf.placeholder(tf.float32, (None, 7, 3))
    y6 = tf.layers.dense(x3, 2)
    layer = tf.layers.Dense(3, activation=tf.tanh, bias_initializer=tf.ones_initializer())
    y7 = layer(x)
    drop = tf.layers.dropout(x, 0.5)
    drop_t = tf.layers.dropout(x, 0.5, training=True)
    flat = tf.layers.flatten(x3)
    r["outputs"] = names([y, y2, y3, y4, y5, y6, y7, drop, flat])
    r["shapes"] = shapes(y, y2, y3, y5, y6, y7, drop, flat)
    r["dropout_training_shape"] = [str(drop_t.shape)]
    r["global"] = [[v.name, str(v.shape)] for v in tf.global_variables()]
    r["trainable"] = names(tf.trainable_variables())
    r["reg_losses"] = len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    r["layer"] = [names(layer.trainable_variables), names(layer.variables)]
    r["collections"] = sorted(k for k in tf.get_default_graph().get_all_collection_keys() if tf.get_collection(k))
    r["dense_ops"] = [o for o in r.ops() if o[0].startswith("dense/") and "Initializer" not in o[0]]
    r["reuse_missing"] = r.error(lambda: tf.layers.dense(x, 2, name="nothere", reuse=True), "does not exist")
    r["unknown_last_dim"] = r.error(lambda: tf.layers.dense(tf.placeholder(tf.float32, (None, None)), 2))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        feed = {x: np.ones((2, 3), np.float32)}
        kernel = s.run(tf.global_variables()[0])
        limit = np.sqrt(6.0 / (3 + 4))
        r["kernel_glorot_range"] = bool(np.all(np.abs(kernel) <= limit))
        r["bias_zero"] = s.run(tf.global_variables()[1])
        r["y7_bias_one"] = s.run(layer.bias)
        r["dropout_inference_identity"] = bool(np.array_equal(s.run(drop, feed), feed[x]))
        d = s.run(drop_t, {x: np.ones((200, 3), np.float32)})
        r["dropout_training_values"] = sorted(set(np.unique(d).tolist()))


@program
def losses_defaults(tf, r):
    labels = tf.constant([[1.0, 0.0], [0.5, 2.0]])
    preds = tf.constant([[0.5, 0.5], [1.0, 1.0]])
    w = tf.constant([[1.0], [0.0]])
    onehot = tf.constant([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    logits = tf.constant([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
    sparse = tf.constant([1, 0])
    probs = tf.constant([[0.9, 0.2], [0.0, 1.0]])
    binary = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    out = {
        "mse": tf.losses.mean_squared_error(labels, preds),
        "mse_weighted": tf.losses.mean_squared_error(labels, preds, weights=w),
        "mse_none": tf.losses.mean_squared_error(labels, preds, reduction=tf.losses.Reduction.NONE),
        "mse_sum": tf.losses.mean_squared_error(labels, preds, reduction=tf.losses.Reduction.SUM),
        "mse_mean": tf.losses.mean_squared_error(labels, preds, weights=w, reduction=tf.losses.Reduction.MEAN),
        "mse_sbnzw": tf.losses.mean_squared_error(labels, preds, weights=w,
                                                  reduction=tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS),
        "absolute": tf.losses.absolute_difference(labels, preds),
        "huber": tf.losses.huber_loss(labels, preds * 4.0, delta=1.0),
        "log_loss": tf.losses.log_loss(binary, probs),
        "hinge": tf.losses.hinge_loss(binary, logits[:, :2]),
        "softmax_ce": tf.losses.softmax_cross_entropy(onehot, logits),
        "softmax_ce_smooth": tf.losses.softmax_cross_entropy(onehot, logits, label_smoothing=0.1),
        "sparse_ce": tf.losses.sparse_softmax_cross_entropy(sparse, logits),
        "sigmoid_ce": tf.losses.sigmoid_cross_entropy(binary, logits[:, :2]),
        "sigmoid_ce_smooth": tf.losses.sigmoid_cross_entropy(binary, logits[:, :2], label_smoothing=0.2),
        "cosine": tf.losses.cosine_distance(tf.nn.l2_normalize(labels, 1), tf.nn.l2_normalize(preds, 1), axis=1),
        "zero_weights": tf.losses.mean_squared_error(labels, preds, weights=0.0),
    }
    r["names"] = {k: v.name for k, v in out.items()}
    r["shapes"] = {k: dims(v) for k, v in out.items()}
    r["collection"] = names(tf.get_collection(tf.GraphKeys.LOSSES))
    r["reduction_names"] = [tf.losses.Reduction.NONE, tf.losses.Reduction.SUM, tf.losses.Reduction.MEAN,
                            tf.losses.Reduction.SUM_OVER_BATCH_SIZE, tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS,
                            tf.losses.Reduction.SUM_OVER_NONZERO_WEIGHTS]
    with tf.Session() as s:
        r["values"] = s.run(out)
    with tf.Graph().as_default():
        v = tf.get_variable("v", [2], initializer=tf.ones_initializer(),
                            regularizer=lambda t: tf.reduce_sum(t) * 0.5)
        mse = tf.losses.mean_squared_error([1.0, 2.0], [2.0, 4.0])
        total = tf.losses.get_total_loss()
        reg = tf.losses.get_regularization_loss()
        r["total"] = [total.name, reg.name, names(tf.losses.get_regularization_losses()), v.name, mse.name]
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            r["total_values"] = s.run([total, reg])


@program
def initializers_ranges(tf, r):
    tf.set_random_seed(1)
    big = (200, 300)
    limit = float(np.sqrt(6.0 / (200 + 300)))
    ts = {
        "random_uniform": tf.random_uniform(big), "random_uniform_range": tf.random_uniform(big, -2.0, 3.0),
        "random_uniform_int": tf.random_uniform(big, 0, 5, dtype=tf.int32), "random_normal": tf.random_normal(big),
        "truncated_normal": tf.truncated_normal(big, stddev=2.0),
        "glorot_var": tf.get_variable("g", big), "glorot_uniform": tf.glorot_uniform_initializer()(big),
        "glorot_normal": tf.glorot_normal_initializer()(big),
        "he_normal": tf.keras.initializers.he_normal()(big) if hasattr(tf, "keras") else tf.he_normal()(big),
        "variance_scaling": tf.variance_scaling_initializer()(big),
        "random_normal_init": tf.random_normal_initializer(1.0, 0.5)(big),
        "truncated_normal_init": tf.truncated_normal_initializer(0.0, 1.0)(big),
        "random_uniform_init": tf.random_uniform_initializer(-1.0, 1.0)(big),
        "int_var_default": tf.get_variable("iv", (3,), dtype=tf.int32),
        "constant_init": tf.constant_initializer([1.0, 2.0])((2,)),
        "zeros_init": tf.zeros_initializer()((2,), dtype=tf.int64), "ones_init": tf.ones_initializer()((2,)),
        "orthogonal": tf.orthogonal_initializer()((4, 4)),
    }
    r["dtypes"] = {k: [v.dtype.name, dims(v)] for k, v in ts.items()}
    r["uniform_int_needs_max"] = r.error(lambda: tf.random_uniform((2,), dtype=tf.int32))
    a = tf.random_uniform((3,), seed=7)
    b = tf.random_normal((3,), seed=7)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        v = s.run(ts)
        a1, a2 = s.run(a), s.run(a)
        with tf.Session() as s2:
            a3 = s2.run(a)
        r["seeded_repeat"] = [bool(np.array_equal(a1, a3)), bool(np.array_equal(a1, a2)),
                              bool(np.array_equal(s.run(b), s.run(b)))]
    stats = {}
    for k, x in v.items():
        x = np.asarray(x, np.float64)
        stats[k] = [round(float(x.mean()), 1), round(float(x.std()), 1)]
    r["glorot_limit"] = [bool(np.abs(v[k]).max() <= limit) and bool(np.abs(v[k]).max() > 0.95 * limit)
                         for k in ("glorot_var", "glorot_uniform")]
    r["truncated_within_2std"] = [bool(np.abs(v["truncated_normal"]).max() <= 4.0),
                                  bool(np.abs(v["truncated_normal_init"]).max() <= 2.0)]
    r["uniform_ranges"] = [bool(v["random_uniform"].min() >= 0.0 and v["random_uniform"].max() < 1.0),
                           bool(v["random_uniform_range"].min() >= -2.0 and v["random_uniform_range"].max() < 3.0),
                           sorted(np.unique(v["random_uniform_int"]).tolist())]
    r["exact"] = {k: v[k] for k in ("int_var_default", "constant_init", "zeros_init", "ones_init")}
    r["orthogonal"] = bool(np.allclose(v["orthogonal"] @ v["orthogonal"].T, np.eye(4), atol=1e-5))
    # Standard deviations against TF1's formulas (fan_in 200, fan_out 300); truncated normals are cut at 2
    # stddevs of a normal scaled up by 1/0.8796, so that what remains has the wanted stddev.
    want = {"glorot_var": np.sqrt(2 / 500), "glorot_uniform": np.sqrt(2 / 500), "glorot_normal": np.sqrt(2 / 500),
            "he_normal": np.sqrt(2 / 200), "variance_scaling": np.sqrt(1 / 200), "random_normal_init": 0.5,
            "truncated_normal_init": 0.87962566, "random_uniform_init": 2 / np.sqrt(12)}
    r["std_matches_formula"] = {k: bool(abs(np.std(v[k]) / w - 1) < 0.03) for k, w in want.items()}
    # Mean and standard deviation rounded to 0.1 (of 60,000 draws): the distribution, not the stream.
    r["stats"] = {k: stats[k] for k in ("random_uniform", "random_normal", "glorot_normal", "he_normal",
                                        "variance_scaling", "random_normal_init", "random_uniform_init")}


# --- more of the API a TF1 program touches ------------------------------------------------------------------

@program
def api_printing_and_dtypes(tf, r):
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    v = tf.Variable(np.zeros((3, 2), np.float64), name="v")
    c = tf.constant([[1, 2]], name="c")
    y = tf.matmul(x, tf.cast(v, tf.float32), name="y")
    r["dtypes"] = [repr(tf.float32), str(tf.int64), tf.float32.name, repr(v.dtype), repr(v.dtype.base_dtype),
                   tf.as_dtype(np.float64).name, tf.as_dtype("int32").name, tf.float32.is_floating,
                   tf.int32.is_integer, tf.bool.is_floating, tf.as_dtype(np.float32) == tf.float32]
    r["np_dtypes"] = [str(np.dtype(tf.float32.as_numpy_dtype)), str(np.dtype(tf.int64.as_numpy_dtype))]
    r["str_op"] = [str(y.op).split("\nattr")[0], str(c.op).split("\nattr")[0]]
    r["repr_op"] = [repr(y.op), repr(v.op), repr(v.initializer)]
    r["tensor_attrs"] = [y.op.name, y.value_index, y.op.inputs[0].name, [t.name for t in y.op.inputs],
                         [t.name for t in y.op.outputs], names(x.op.outputs), y.graph is tf.get_default_graph(),
                         [op.name for op in x.consumers()]]
    r["shapes"] = [repr(x.shape), str(x.get_shape()), x.shape == tf.TensorShape([None, 3]),
                   x.shape.is_compatible_with([5, 3]), x.shape.is_fully_defined(), str(x.shape.merge_with([4, None])),
                   str(x.shape.concatenate([7])), tf.TensorShape([2, 3]).num_elements(), str(tf.TensorShape(None)),
                   tf.TensorShape([2, None]).as_list(), str(x.shape[1:]), tf.TensorShape([2, 3]) == [2, 3]]
    r["dimension"] = [repr(tf.Dimension(3)), str(tf.Dimension(None)), tf.Dimension(3).value,
                      int(x.shape[1]), x.shape[1] == 3, repr(x.shape[0] * 2), repr(x.shape[1] + 1)]
    r["merge_error"] = r.error(lambda: x.shape.merge_with([4, 4]))
    r["as_list_unknown"] = r.error(lambda: tf.TensorShape(None).as_list(), "as_list() is not defined")


@program
def api_control_dependencies(tf, r):
    v = tf.Variable(0.0, name="v")
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        read = tf.identity(v)
        c = tf.constant(1.0)
        y = v * 2.0
    g = tf.group(inc, read)
    g2 = tf.group(inc, read, name="both")
    t = tf.tuple([read, y])
    n = tf.no_op()
    r["names"] = names([read, c, y, g, g2, n]) + names(t)
    r["control_inputs"] = [[op.name for op in x.op.control_inputs] for x in [read, c, y]]
    r["group"] = [g.type, sorted(op.name for op in g.control_inputs)]
    with tf.Session() as s:
        s.run(v.initializer)
        r["runs"] = [s.run(read), s.run(read), s.run(y), s.run(g), s.run(v)]
    tf.get_default_graph().finalize()
    r["finalized"] = r.error(lambda: tf.constant(1.0), "Graph is finalized and cannot be modified")


@program
def api_variables_more(tf, r):
    a = tf.Variable(1.5, dtype=tf.float64, name="a")
    b = tf.Variable(lambda: tf.ones((2,)), name="b")
    c = tf.Variable(a.initialized_value() * 2.0, name="c")
    d = tf.Variable([1, 2], dtype=tf.float32, name="d")
    e = tf.Variable(np.float64(2.0), name="e")
    f = tf.Variable(a + 1.0, name="f")
    rv = a.read_value()
    r["names"] = names([a, b, c, d, e, f, rv, a.value(), a.initial_value, c.initial_value])
    r["dtypes"] = [x.dtype.name for x in [a, b, c, d, e, f]]
    # TF builds initialized_value() from a cond (its ops are left out): only what reads it is compared.
    ops = [o for o in r.ops() if "cond" not in o[0] and o[1] != "IsVariableInitialized"]
    r["ops_c"] = [o for o in ops if o[0].startswith("c/") or o[0] == "c"]
    r["guarded_init_of_f"] = [o for o in ops if o[0].endswith("_f")]  # copies that read a.initialized_value()
    r["operators"] = names([a + 1.0, 2.0 * a, a[None], -a, a ** 2])
    with tf.Session() as s:
        r["c_before_init"] = r.error(lambda: s.run(c), "Attempting to use uninitialized value")
        s.run(tf.global_variables_initializer())
        r["values"] = s.run([a, b, c, d, e, f, rv])
        r["eval"] = [a.eval(), d.eval()]
        r["run_assign_op"] = [s.run(tf.assign(a, 3.0)), s.run(tf.assign(a, 4.0).op)]
        s.run([c.initializer, f.initializer])
        r["reinitialized_from_current_a"] = s.run([c, f])
    s = tf.InteractiveSession()
    s.run(tf.global_variables_initializer())
    r["interactive_eval"] = [a.eval(), (a * 2.0).eval(), tf.get_default_session() is s]
    s.close()


@program
def api_nn_values(tf, r):
    x = tf.constant([[1.0, 2.0, 3.0], [-1.0, 0.0, 1e4]])
    labels = tf.constant([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    big = tf.constant([-1e4, -100.0, 0.0, 100.0, 1e4])
    out = {
        "softmax": tf.nn.softmax(x), "log_softmax": tf.nn.log_softmax(x), "softmax_axis0": tf.nn.softmax(x, axis=0),
        "sigmoid_big": tf.sigmoid(big), "softplus_big": tf.nn.softplus(big), "tanh_big": tf.tanh(big),
        "relu6": tf.nn.relu6(x * 3.0), "elu": tf.nn.elu(x), "leaky": tf.nn.leaky_relu(x, alpha=0.1),
        "ce_v2": tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=x),
        "sparse_ce": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[2, 0], logits=x),
        "sigmoid_ce": tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=x),
        "weighted_ce": tf.nn.weighted_cross_entropy_with_logits(labels, x, 2.0),
        "l2_normalize": tf.nn.l2_normalize(x, axis=1), "l2_loss": tf.nn.l2_loss(x[0]),
        "moments": tf.nn.moments(x[0], axes=[0]), "bias_add": tf.nn.bias_add(x, [1.0, 2.0, 3.0]),
        "in_top_k": tf.nn.in_top_k(x, [2, 1], 1), "xw_plus_b": tf.nn.xw_plus_b(x, tf.ones((3, 2)), [1.0, 2.0]),
        "logsumexp": tf.reduce_logsumexp(x, axis=1), "dropout_keep1": tf.nn.dropout(x, keep_prob=1.0),
        "embedding": tf.nn.embedding_lookup(x, [1, 1, 0]),
        "clip_norm": tf.clip_by_norm(x[0], 1.0), "global_norm": tf.global_norm([x[0], x[1, :2]]),
        "clip_global": tf.clip_by_global_norm([x[0], x[0] * 2.0], 1.0)[0],
    }
    internal = ("softmax_axis0", "ce_v2", "in_top_k", "embedding")  # names of TF's internal reshapes and identities
    r["names"] = {k: names(v) if isinstance(v, (list, tuple)) else v.name for k, v in out.items() if k not in internal}
    r["dtypes"] = {k: [t.dtype.name for t in v] if isinstance(v, (list, tuple)) else v.dtype.name
                   for k, v in out.items()}
    tiny = {"sigmoid": tf.sigmoid([-100.0, -1e4, 100.0]), "softmax": tf.nn.softmax([0.0, 1e4]),
            "exp": tf.exp([-200.0, -1e4]), "sigmoid_ce": tf.nn.sigmoid_cross_entropy_with_logits(
                labels=[1.0, 0.0], logits=[1e4, -1e4]), "softplus": tf.nn.softplus([-200.0, -1e4])}
    with tf.Session() as s:
        r["values"] = s.run(out)
        # Which results are exactly 0 (the value comparison allows 1e-6 around 0, so this is checked apart).
        r["exact_zeros"] = {k: (v == 0).tolist() for k, v in s.run(tiny).items()}


@program
def api_array_values(tf, r):
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    out = {
        "gather": tf.gather(x, [1, 0, 1]), "gather_axis1": tf.gather(x, [2, 0], axis=1),
        "one_hot": tf.one_hot([0, 2, -1, 5], 3), "one_hot_values": tf.one_hot([1], 3, on_value=5, off_value=-1),
        "one_hot_axis0": tf.one_hot([0, 1], 3, axis=0), "boolean_mask": tf.boolean_mask(x, [True, False]),
        "boolean_mask_2d": tf.boolean_mask(x, tf.greater(x, 2)), "where1": tf.where(tf.greater(x, 2)),
        "where3_rows": tf.where([True, False], x, -x), "split": tf.split(x, 3, axis=1),
        "split_sizes": tf.split(x, [1, -1], axis=1), "unstack": tf.unstack(x, axis=1),
        "tile": tf.tile(x, [1, 2]), "pad": tf.pad(x, [[1, 0], [0, 1]]),
        "pad_reflect": tf.pad(x, [[0, 0], [2, 2]], mode="REFLECT"), "reverse": tf.reverse(x, [1]),
        "range_neg": tf.range(5, 0, -2), "slice_neg_stride": x[::-1, ::-2], "slice_ellipsis": x[..., 1],
        "slice_newaxis": x[:, None, 1], "slice_fn": tf.slice(x, [0, 1], [2, -1]),
        "strided": tf.strided_slice(x, [0, 0], [2, 3], [1, 2]), "reshape": tf.reshape(x, [3, -1]),
        "transpose": tf.transpose(x), "expand": tf.expand_dims(x, -1), "squeeze": tf.squeeze([[1], [2]]),
        "concat_neg": tf.concat([x, x], -1), "stack_axis1": tf.stack([x, x], axis=1), "size": tf.size(x),
        "cumsum": tf.cumsum(x, axis=1), "cumsum_excl_rev": tf.cumsum(x, axis=1, exclusive=True, reverse=True),
        "reduce_prod": tf.reduce_prod(x, axis=0), "reduce_any": tf.reduce_any(tf.greater(x, 5), axis=1),
        "reduce_all": tf.reduce_all(tf.greater(x, 0)), "keep_dims": tf.reduce_sum(x, axis=1, keep_dims=True),
        "reduction_indices": tf.reduce_max(x, reduction_indices=[0]), "argmax_dimension": tf.argmax(x, dimension=1),
        "tensordot": tf.tensordot(tf.ones((2, 3)), tf.ones((3, 4)), axes=1), "matrix_transpose":
            tf.matrix_transpose(tf.zeros((2, 3, 4))), "broadcast_to": tf.broadcast_to([1, 2], [2, 2]),
        "fill": tf.fill([2, 2], 0.5), "zeros_int": tf.zeros([2], dtype=tf.int32), "ones_like_f": tf.ones_like(x,
                                                                                                   dtype=tf.float32),
        "shape_n": tf.shape_n([x, tf.zeros((4,), tf.int32)]), "rank": tf.rank(x),
    }
    r["dtypes"] = {k: [t.dtype.name for t in v] if isinstance(v, (list, tuple)) else [v.dtype.name, dims(v)]
                   for k, v in out.items()}
    with tf.Session() as s:
        r["values"] = s.run(out)
        r["gather_oob"] = r.error(lambda: s.run(tf.gather(x, [5])))
        r["gather_negative"] = r.error(lambda: s.run(tf.gather(x, [-1])))
        p = tf.placeholder(tf.float32, (None, None))
        r["dynamic"] = s.run([tf.shape(p), tf.size(p), tf.reshape(p, [-1]), tf.transpose(p)[0]],
                             {p: [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]})


@program
def api_saver(tf, r):
    w = tf.get_variable("w", shape=(2,), initializer=tf.constant_initializer([1.0, 2.0]))
    step = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w * w))
    gs = tf.train.get_or_create_global_step()
    saver = tf.train.Saver(tf.trainable_variables())
    saver_all = tf.train.Saver(max_to_keep=2)
    tmp = tempfile.mkdtemp()
    prefix = os.path.join(tmp, "ckpt", "model.ckpt")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["missing_folder"] = r.error(lambda: saver.save(s, os.path.join(tmp, "nope", "model.ckpt")))
        os.makedirs(os.path.dirname(prefix))
        paths = []
        for i in range(4):
            s.run(step)
            paths.append(saver.save(s, prefix, global_step=i * 50))
        saver_all.save(s, prefix + "all", global_step=gs)
        saver_all.save(s, prefix + "all", global_step=7)
        saver_all.save(s, prefix + "all", global_step=8)
        rel = lambda ps: [os.path.relpath(p, tmp) for p in ps]  # noqa: E731
        r["paths"] = rel(paths)
        r["last_checkpoints"] = rel(saver.last_checkpoints)
        r["last_checkpoints_max2"] = rel(saver_all.last_checkpoints)
        r["latest"] = os.path.relpath(tf.train.latest_checkpoint(os.path.dirname(prefix)), tmp)
        r["state"] = rel(tf.train.get_checkpoint_state(os.path.dirname(prefix)).all_model_checkpoint_paths)
        r["w_saved"] = s.run(w)
        s.run(step)
        saver.restore(s, paths[-1])
        r["w_restored"] = s.run(w)
    with tf.Session() as s:
        saver.restore(s, paths[1])
        r["fresh_session_restore"] = s.run(w)
        r["unrestored_slot"] = r.error(lambda: s.run(gs), "Attempting to use uninitialized value global_step")
    r["list_variables"] = [[n, list(sh)] for n, sh in tf.train.list_variables(prefix + "all-8")]
    r["saver_var_names"] = sorted(v.name for v in tf.global_variables())


@program
def api_layers_training(tf, r):
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, (None, 2))
    y = tf.placeholder(tf.float32, (None, 1))
    h = tf.layers.dense(x, 3, activation=tf.nn.tanh, kernel_initializer=tf.constant_initializer(0.5),
                        bias_initializer=tf.constant_initializer(0.1))
    out = tf.layers.dense(h, 1, kernel_initializer=tf.ones_initializer())
    loss = tf.losses.mean_squared_error(y, out)
    step = tf.train.AdamOptimizer(0.01).minimize(loss)
    r["names"] = names([h, out, loss])
    r["vars"] = names(tf.global_variables())
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        feed = {x: [[1.0, 2.0], [-1.0, 0.5]], y: [[1.0], [0.0]]}
        r["losses"] = [s.run([step, loss], feed)[1] for _ in range(3)]
        r["kernel"] = s.run(tf.global_variables()[0])


@program
def api_edge_values(tf, r):
    e = tf.placeholder(tf.float32, (None,))
    i = tf.constant([7, -7, 0])
    z = tf.constant([2, 0, 0])
    out = {
        "max_empty": tf.reduce_max(e), "min_empty": tf.reduce_min(e), "mean_empty": tf.reduce_mean(e),
        "sum_empty": tf.reduce_sum(e), "prod_empty": tf.reduce_prod(e), "logsumexp_empty": tf.reduce_logsumexp(e),
        "int_overflow": tf.constant([2 ** 31 - 1]) + 1,
        "batch_matmul": tf.matmul(tf.ones((2, 3, 4)), tf.ones((2, 4, 5))),
        "batch_matmul_broadcast": tf.matmul(tf.ones((1, 3, 4)), tf.ones((2, 4, 5))),
        "int_matmul": tf.matmul([[1, 2]], [[3], [4]]), "mixed_list": tf.constant([1, 2.5]),
        "int64_as_int32": tf.constant(np.array([1, 2], np.int64), dtype=tf.int32), "string": tf.constant("héllo"),
        "strings": tf.constant(["a", "bc"]), "auto_pack": tf.convert_to_tensor([tf.constant(1.0), 2.0]),
        "stack_mixed": tf.stack([1.0, tf.constant(2.0)]), "pow_neg_frac": tf.pow(-8.0, 1.0 / 3.0),
        "sign_nan": tf.sign(tf.constant([np.nan, -0.0])), "maximum_nan": tf.maximum(np.nan, 1.0),
        "reduce_max_nan": tf.reduce_max([1.0, np.nan, 2.0]),
        "relu_nan": tf.nn.relu([np.nan, -1.0]), "cast_nan_to_bool": tf.cast(tf.constant([np.nan, 0.0]), tf.bool),
        "clip_int": tf.clip_by_value(i, -1, 3), "exp_big": tf.exp(tf.constant([100.0], tf.float32)),
        "sigmoid_int_like": tf.sigmoid(tf.constant([0.0], tf.float64)),
    }
    r["dtypes"] = {k: [v.dtype.name, dims(v)] for k, v in out.items()}
    with tf.Session() as s:
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r["values"] = s.run(out, {e: np.zeros(0, np.float32)})
        r["warnings"] = sorted({w.category.__name__ for w in caught})
        r["argmax_nan"] = s.run(tf.argmax([1.0, np.nan, 2.0]))
        r["int_div_zero"] = r.error(lambda: s.run(i // z))
        r["int_mod_zero"] = r.error(lambda: s.run(i % z))
        r["int_truncdiv_zero"] = r.error(lambda: s.run(tf.truncatediv(i, z)))
        r["argmax_empty"] = r.error(lambda: s.run(tf.argmax(e), {e: np.zeros(0, np.float32)}))
        r["sparse_ce_bad_label"] = r.error(lambda: s.run(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=[5], logits=[[1.0, 2.0, 3.0]])), "outside the valid range")
        r["one_hot_float_indices"] = r.error(lambda: tf.one_hot([1.0], 3))
    r["ragged"] = r.error(lambda: tf.constant([[1], [2, 3]]))
    r["softmax_int"] = r.error(lambda: tf.nn.softmax(tf.constant([1, 2])))


@program
def api_print_formats(tf, r):
    vals = [tf.constant([1.0 / 3.0, 1e-8, 1e10, -0.0, 2.5]), tf.constant(np.arange(3, dtype=np.int64)),
            tf.constant([True, False]), tf.constant([1.5], tf.float64), tf.constant("text"),
            tf.constant(np.zeros((2, 2, 2), np.float32)), tf.constant(7), tf.constant([np.nan, np.inf, -np.inf])]
    p = tf.Print(tf.constant(0.0), vals, "m: ", summarize=10)
    q = tf.Print(tf.constant(0.0), [tf.range(10)], first_n=2)
    n = tf.Print(tf.constant(0.0), [tf.range(10)], "default: ")
    with tf.Session() as s:
        r["formats"] = r.stderr(lambda: s.run(p))
        r["first_n"] = r.stderr(lambda: [s.run(q) for _ in range(3)])
        r["default_summarize"] = r.stderr(lambda: s.run(n))


@program
def api_get_variable_forms(tf, r):
    a = tf.get_variable("a", initializer=[1.0, 2.0])
    b = tf.get_variable("b", initializer=tf.constant([1, 2]))
    c = tf.get_variable("c", initializer=np.ones((2, 2)))
    d = tf.get_variable("d", [3], dtype=tf.float64)
    e = tf.get_variable("e", [2], trainable=False, initializer=tf.zeros_initializer())
    f = tf.get_variable("f", [2], collections=[tf.GraphKeys.LOCAL_VARIABLES], initializer=tf.ones_initializer())
    with tf.variable_scope("scoped", initializer=tf.constant_initializer(3.0), dtype=tf.float64):
        g = tf.get_variable("g", [2])
    r["vars"] = [[v.name, v.dtype.name, str(v.shape)] for v in [a, b, c, d, e, f, g]]
    r["collections"] = [names(tf.global_variables()), names(tf.trainable_variables()), names(tf.local_variables())]
    r["shape_and_constant"] = r.error(lambda: tf.get_variable("h", [2], initializer=tf.constant([1.0, 2.0])),
                                      "do not specify shape")
    r["wrong_shape_and_constant"] = r.error(lambda: tf.get_variable("h2", [3], initializer=tf.constant([1.0, 2.0])),
                                            "do not specify shape")
    r["bad_initializer_dtype"] = r.error(lambda: tf.get_variable("i", [2], dtype=tf.int32,
                                                                 initializer=tf.glorot_uniform_initializer()))
    r["ops_a"] = [o for o in r.ops() if o[0].startswith("a")]
    with tf.Session() as s:
        s.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        r["values"] = s.run([a, b, c, e, f, g])
    with tf.Graph().as_default() as g2:
        r["reset_inside"] = r.error(lambda: tf.reset_default_graph(), "Do not use tf.reset_default_graph()")
        r["in_g2"] = tf.get_default_graph() is g2


@program
def api_gradient_more(tf, r):
    x = tf.placeholder(tf.float32, (3,), name="x")
    y = x * x + x
    g = tf.gradients(y, x)[0]
    r["fan_in"] = g.name
    safe = tf.where(x > 0.0, tf.sqrt(tf.abs(x) * x), x * 0.0)
    h = tf.hessians(tf.reduce_sum(x ** 3), x)[0]
    p = tf.placeholder_with_default(tf.constant([1.0, 2.0]), (2,))
    q = tf.placeholder_with_default(tf.constant([1.0, 2.0]), (None,))
    v = tf.Variable(1.0, name="v")
    r["names"] = names([h, p, q])
    r["shapes"] = shapes(h, p, q)
    r["bad_default"] = r.error(lambda: tf.placeholder_with_default(tf.constant([1.0]), (2,)))
    with tf.Session() as s:
        feed = {x: [-1.0, 0.0, 4.0]}
        r["values"] = s.run([g, tf.gradients(safe, x)[0], h], feed)
        r["defaults"] = [s.run(p), s.run(p * 2.0, {p: [3.0, 4.0]}), s.run(q, {q: [1.0, 2.0, 3.0]})]
        r["feed_variable"] = s.run(v * 2.0, {v: 10.0})


@program
def optimizer_twice_and_slots(tf, r):
    w = tf.Variable([1.0, 2.0], name="w")
    loss = tf.reduce_sum(w * w)
    o1 = tf.train.AdamOptimizer(0.1)
    s1 = o1.minimize(loss)
    o2 = tf.train.AdamOptimizer(0.1, name="Adam2")
    s2 = o2.minimize(loss)
    o3 = tf.train.MomentumOptimizer(0.1, 0.9)
    s3 = o3.minimize(loss)
    lr = tf.placeholder(tf.float32, ())
    s4 = tf.train.GradientDescentOptimizer(lr).minimize(loss)
    r["steps"] = [[x.name, x.type] for x in [s1, s2, s3, s4]]
    r["vars"] = names(tf.global_variables())
    r["opt_vars"] = [names(o1.variables()), names(o3.variables()), o1.get_name(), o2.get_name()]
    r["slot_names"] = [o1.get_slot_names(), o3.get_slot_names()]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(s1)
        s.run(s4, {lr: 0.5})
        r["w"] = s.run(w)
        r["beta_powers"] = s.run([v for v in tf.global_variables() if "power" in v.name])


@program
def api_graph_def(tf, r):
    x = tf.placeholder(tf.float32, (None, 2), name="x")
    w = tf.Variable(np.ones((2, 3), np.float32), name="w")
    y = tf.nn.relu(x @ w + 1.0)
    with tf.control_dependencies([y]):
        tf.no_op(name="after")
    nodes = tf.get_default_graph().as_graph_def().node
    r["nodes"] = [[n.name, n.op, list(n.input)] for n in nodes]
    # attributes of the ops' interface: "_"-prefixed ones are internal (TF's _class, graphgrad's _graphgrad marker)
    r["attr_keys"] = {n.name: sorted(k for k in n.attr.keys() if not k.startswith("_"))
                      for n in nodes if n.op in ("Placeholder", "VariableV2")}
    a = np.array([1.0, 2.0])
    r["numpy_operands"] = shapes(tf.constant([1.0, 2.0]) * a, a * tf.constant([1.0, 2.0]),
                                 np.float32(2.0) * tf.constant([1.0]), tf.constant([1, 2]) * np.array([3, 4]))
    r["numpy_operand_names"] = names([tf.constant([1.0]) * a[:1], a[:1] + tf.constant([1.0])])


@program
def api_summary_tags(tf, r):
    img = tf.zeros((2, 4, 4, 3))
    with tf.name_scope("outer"):
        a = tf.summary.image("pics", img, max_outputs=2)
        b = tf.summary.histogram("weights", tf.constant([1.0, 2.0]))
        c = tf.summary.text("note", tf.constant("hi"))
    d = tf.summary.scalar("loss", tf.constant(1.0), family="fam")
    e = tf.summary.scalar("loss", tf.constant(2.0), collections=["mine"])
    m = tf.summary.merge([a, d], name="some")
    r["names"] = names([a, b, c, d, e, m])
    r["collections"] = [names(tf.get_collection(tf.GraphKeys.SUMMARIES)), names(tf.get_collection("mine"))]
    with tf.Session() as s:
        out = tf.Summary.FromString(s.run(tf.summary.merge_all()))
        r["tags"] = [v.tag for v in out.value]
        r["merged_tags"] = [v.tag for v in tf.Summary.FromString(s.run(m)).value]
        r["image_dims"] = [[v.image.height, v.image.width, v.image.colorspace] for v in out.value
                           if v.HasField("image")]


@program
def api_array_errors(tf, r):
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    i = tf.placeholder(tf.int32, ())
    u = tf.placeholder(tf.float32, (None, None))
    r["unstack_unknown"] = r.error(lambda: tf.unstack(u), "from shape (?, ?)")
    r["split_uneven"] = r.error(lambda: tf.split(x, 2, axis=1))
    r["index_out_of_range"] = r.error(lambda: x[5], "out of bounds")
    r["bad_axis"] = r.error(lambda: tf.reduce_sum(x, axis=3))
    r["concat_rank0"] = r.error(lambda: tf.concat([tf.constant(1), tf.constant(2)], 0))
    r["reshape_two_minus_one"] = r.error(lambda: tf.reshape(x, [-1, -1]))
    r["transpose_bad_perm"] = r.error(lambda: tf.transpose(x, [0, 0]))
    r["shapes"] = shapes(x[i], x[:, i], x[i:], tf.gather(x, i))
    with tf.Session() as s:
        r["values"] = s.run([x[i], x[:, i], x[i:], x[-i]], {i: 1})
        r["runtime_index"] = r.error(lambda: s.run(x[i], {i: 7}))


@program
def optimizer_sparse_gradients(tf, r):
    """Embedding rows through tf.gather: TF hands optimizers IndexedSlices and updates only the rows looked
    up in that step (momentum and RMSProp state of the other rows does not move)."""
    for name, make in _optimizers(tf).items():
        with tf.Graph().as_default():
            emb = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2), name="emb")
            ids = tf.placeholder(tf.int32, (None,))
            loss = tf.reduce_sum(tf.square(tf.gather(emb, ids) - 1.0))
            step = make().minimize(loss)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                out = []
                for batch in ([0, 2, 2], [1], [0]):
                    s.run(step, {ids: batch})
                    out.append(s.run(emb))
                r[name] = out


# --- TF 2's behaviour switches and tf.compat (graphgrad/compat/) ----------------------------------------------

@program
def compat_v2_switches(tf, r):
    r["after_disable"] = [tf.executing_eagerly(), tf.executing_eagerly_outside_functions(),
                          tf.control_flow_v2_enabled(), tf.resource_variables_enabled()]
    tf.disable_v2_behavior()
    tf.disable_eager_execution()
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    r["graph_mode"] = [tf.executing_eagerly(), str(x), type(x.shape[1]).__name__, x.shape[1].value]
    with tf.Graph().as_default():
        r["in_graph"] = tf.executing_eagerly_outside_functions()
    tf.enable_tensor_equality()  # graph tensors keep identity equality (TF 2's == is for eager tensors)
    r["graph_equality"] = [x == x, x != x, isinstance(hash(x), int)]
    tf.disable_tensor_equality()
    tf.enable_resource_variables()
    r["resource_enabled"] = tf.resource_variables_enabled()
    tf.disable_resource_variables()
    r["resource_disabled"] = tf.resource_variables_enabled()
    r["variable"] = repr(tf.Variable(1.0, name="v"))
    tf.enable_control_flow_v2()
    r["cfv2_enabled"] = tf.control_flow_v2_enabled()
    tf.disable_control_flow_v2()
    r["cfv2_disabled"] = tf.control_flow_v2_enabled()
    tf.disable_v2_tensorshape()
    r["refs"] = [x.ref().deref() is x, x.ref() == x.ref(), hash(x.ref()) == hash(x.experimental_ref())]
    with tf.Session() as s:
        r["run"] = s.run(x * 2, {x: [[1, 2, 3]]})


@program
def compat_helpers(tf, r):
    import pathlib

    c = tf.compat
    r["dimension_value"] = [c.dimension_value(tf.Dimension(3)), c.dimension_value(tf.Dimension(None)),
                            c.dimension_value(4), c.dimension_value(None)]
    s = tf.TensorShape([None, 5])
    r["dimension_at_index"] = [repr(c.dimension_at_index(s, 1)), repr(c.dimension_at_index(s, 0)),
                               repr(c.dimension_at_index(tf.TensorShape(None), 7))]
    r["dimension_at_index_error"] = r.error(lambda: c.dimension_at_index(s, 2))
    r["types"] = [[isinstance(v, t) for t in (c.integral_types, c.real_types, c.complex_types,
                                              c.bytes_or_text_types)]
                  for v in (3, np.int32(3), 2.5, np.float32(1), 1j, np.complex64(1), "s", b"b", True)]
    r["path_to_str"] = [c.path_to_str(pathlib.PurePosixPath("/a/b")), c.path_to_str("x"), c.path_to_str(3)]
    r["forward_compatible"] = [c.forward_compatible(2019, 1, 1), c.forward_compatible(2099, 1, 1)]
    with c.forward_compatibility_horizon(2021, 6, 1):
        r["horizon"] = [c.forward_compatible(2021, 5, 31), c.forward_compatible(2021, 6, 1)]
    with c.forward_compatibility_horizon(2099, 6, 1):
        r["future_horizon"] = [c.forward_compatible(2099, 5, 31), c.forward_compatible(2099, 6, 1)]
    r["after_horizon"] = c.forward_compatible(2099, 5, 31)
    r["v1"] = [c.v1.placeholder is tf.placeholder, c.v2.Variable is not None, hasattr(c.v2, "placeholder"),
               hasattr(c.v2, "Session"), c.v2.GradientTape is not None]
    r["as_text"] = [c.as_text(b"ab"), c.as_bytes("h\u00e9").hex(), c.as_str_any(3)]


@program
def framework_small_ops(tf, r):
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    i = tf.constant([1, 2], name="i")
    a, b = tf.identity_n([x, i], name="idn")
    r["identity_n"] = [a.name, b.name, a.op.type, str(a.shape), b.dtype.name, len(a.op.outputs)]
    e = tf.ensure_shape(x, (None, 3))
    e2 = tf.ensure_shape(tf.placeholder(tf.float32, None, name="u"), [2, None], name="shaped")
    r["ensure_shape"] = [e.op.type, e.name, str(e.shape), str(e2.shape), e2.name]
    r["ensure_static_error"] = r.error(lambda: tf.ensure_shape(x, (None, 4)), "Shapes", "must be equal")
    v = np.arange(6, dtype=np.float32).reshape(2, 3)
    p = tf.parallel_stack([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])])
    r["parallel_stack"] = [p.name, str(p.shape)]
    t = tf.timestamp()
    r["timestamp"] = [t.op.type, t.name, t.dtype.name, str(t.shape)]
    r["broadcast_static"] = [str(tf.broadcast_static_shape(tf.TensorShape([None, 1, 3]), tf.TensorShape([4, 1]))),
                             str(tf.broadcast_static_shape(tf.TensorShape(None), tf.TensorShape([2])))]
    r["broadcast_static_error"] = r.error(
        lambda: tf.broadcast_static_shape(tf.TensorShape([2, 3]), tf.TensorShape([4])), "Incompatible shapes")
    d = tf.broadcast_dynamic_shape(tf.constant([2, 1, 3]), tf.constant([4, 1]))
    r["broadcast_dynamic"] = [d.op.type, d.name, str(d.shape), d.dtype.name]
    u = tf.placeholder(tf.float32, None, name="u2")
    with tf.Session() as s:
        r["identity_n_run"] = s.run([a, b], {x: v})
        r["ensure_run"] = s.run(tf.ensure_shape(u, [2, None]), {u: [[1.0], [2.0]]})
        r["ensure_run_error"] = r.error(lambda: s.run(tf.ensure_shape(u, [None, 3]), {u: v.T}),
                                        "Shape of tensor", "[3,2]", "is not compatible with expected shape",
                                        "[?,3]")
        r["parallel_stack_run"] = s.run(p)
        ts = s.run(t)
        r["timestamp_run"] = [type(ts).__name__, bool(ts > 1.5e9)]
        r["broadcast_dynamic_run"] = s.run(d)
        r["broadcast_dynamic_error"] = r.error(
            lambda: s.run(tf.broadcast_dynamic_shape(tf.constant([2, 3]), tf.constant([4]))), "Incompatible shapes")
    r["is_tensor"] = [tf.is_tensor(x), tf.is_tensor(v), tf.is_tensor(3.0), tf.is_tensor(tf.Variable(1.0)),
                      tf.is_tensor(tf.SparseTensor([[0]], [1.0], [2])), tf.is_tensor(x.op)]


@program
def framework_switch_case(tf, r):
    k = tf.placeholder(tf.int32, (), name="k")
    out = tf.switch_case(k, [lambda: tf.constant(10), lambda: tf.constant(20)], default=lambda: tf.constant(-1))
    out2 = tf.switch_case(k, {1: lambda: tf.constant([3.0, 4.0]), 0: lambda: tf.constant([1.0, 2.0])})
    x = tf.placeholder(tf.float32, (), name="x")
    sq = tf.switch_case(k, [lambda: x * x, lambda: 3.0 * x])
    g = tf.gradients(sq, x)[0]
    r["static"] = [str(out.shape), out.dtype.name, str(out2.shape)]
    with tf.Session() as s:
        r["runs"] = [s.run(out, {k: i}) for i in (0, 1, 2, -1)]
        r["runs_dict"] = [s.run(out2, {k: i}) for i in (0, 1, 7)]
        r["grads"] = [s.run([sq, g], {k: i, x: 2.0}) for i in (0, 1, 5)]
    r["bad_index"] = r.error(lambda: tf.switch_case(tf.constant(1.0), [lambda: tf.constant(1)]), "branch_index")
    r["empty"] = r.error(lambda: tf.switch_case(k, []), "branch_fns")
    r["gaps"] = r.error(lambda: tf.switch_case(k, {0: lambda: 1, 3: lambda: 2}), "contiguous range of [0 to 2)",
                        "{0,3}")


@program
def framework_variables_and_scopes(tf, r):
    v = tf.get_local_variable("loc", [2], initializer=tf.ones_initializer())
    r["local"] = [v.name, [x.name for x in tf.local_variables()], [x.name for x in tf.global_variables()],
                  [x.name for x in tf.trainable_variables()]]
    w = tf.Variable(2.0, name="w")
    init = tf.initialize_variables([w])
    init_l = tf.initialize_local_variables()
    init_t = tf.initialize_all_tables()
    r["inits"] = [init.name, init.type, init_l.name, init_t.name, init_t.type]
    tf.add_to_collection(tf.GraphKeys.MOVING_AVERAGE_VARIABLES, w)  # what ExponentialMovingAverage.apply does
    r["moving_average_variables"] = [x.name for x in tf.moving_average_variables()]
    r["no_regularizer"] = tf.no_regularizer(w) is None
    with tf.variable_scope("reg", regularizer=lambda t: 0.5 * tf.reduce_sum(t)):
        tf.get_variable("a", [1])
        tf.get_variable("b", [1], regularizer=tf.no_regularizer)
    r["regularization_losses"] = [t.name for t in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)]

    calls = []

    def creator(next_creator, **kwargs):
        calls.append(kwargs["name"])
        kwargs["name"] = "renamed"
        return next_creator(**kwargs)

    with tf.variable_creator_scope(creator):
        made = tf.Variable(1.0, name="orig")
        got = tf.get_variable("via_get", [2])
    r["creator"] = [made.name, got.name, calls]
    with tf.op_scope([w], "outer", "default") as sc:
        r["op_scope"] = [sc, tf.constant(1.0).name]
    with tf.op_scope([w], None, "dflt") as sc:
        r["op_scope_default"] = sc
    with tf.variable_op_scope([w], "vos", "dv") as vs:
        u = tf.get_variable("u", [1])
        r["variable_op_scope"] = [vs.name, u.name, tf.constant(1.0).name]
    with tf.container("c1") as c:
        r["container"] = c
    with tf.colocate_with(w):
        z = tf.identity(w, name="colo")
    r["colocate"] = [z.name, z.device == w.device]
    with tf.Session() as s:
        s.run(init_l)
        s.run(init)
        r["local_value"] = s.run(v)


@program
def framework_enums_and_protos(tf, r):
    r["aggregation"] = [[m.name, m.value] for m in tf.VariableAggregation]
    r["synchronization"] = [[m.name, m.value] for m in tf.VariableSynchronization]
    r["aggregation_method"] = [tf.AggregationMethod.ADD_N, tf.AggregationMethod.DEFAULT,
                               tf.AggregationMethod.EXPERIMENTAL_TREE, tf.AggregationMethod.EXPERIMENTAL_ACCUMULATE_N]
    r["no_gradient"] = tf.NoGradient is tf.NotDifferentiable
    d = tf.DeviceSpec(job="worker", replica=0, task=1, device_type="GPU", device_index=2)
    r["device_spec"] = [d.to_string(), d.job, d.task, d.device_type, d.device_index,
                        tf.DeviceSpec.from_string("/job:ps/task:3/device:CPU:0").to_string(),
                        tf.DeviceSpec.from_string("/gpu:1").to_string(),
                        d.replace(device_type="CPU", device_index=0).to_string(),
                        tf.DeviceSpec.from_string("/job:a").make_merged_spec(
                            tf.DeviceSpec.from_string("/task:2/device:GPU:0")).to_string()]
    n = tf.NodeDef(name="a", op="Const")
    n.attr["dtype"].type = 1
    r["node_def"] = [str(n).replace("\n", " "), type(tf.AttrValue()).__name__, tf.NameAttrList(name="f").name,
                     tf.HistogramProto(min=1.0).min, tf.SummaryMetadata().plugin_data.plugin_name,
                     tf.GraphOptions(build_cost_model=1).build_cost_model,
                     tf.OptimizerOptions(do_common_subexpression_elimination=True).do_common_subexpression_elimination,
                     tf.TensorInfo(name="x:0").name]
    r["node_def_bytes"] = n.SerializeToString().hex()
    p = tf.make_tensor_proto([[1.0, 2.0], [3.0, 4.0]])
    r["tensor_proto"] = [p.dtype, [d.size for d in p.tensor_shape.dim], p.SerializeToString().hex()]
    r["tensor_proto_scalar"] = tf.make_tensor_proto(7, dtype=tf.int64, shape=[3]).SerializeToString().hex()
    r["tensor_proto_str"] = tf.make_tensor_proto([b"ab", b"c"]).SerializeToString().hex()
    r["make_ndarray"] = [tf.make_ndarray(p), tf.make_ndarray(tf.make_tensor_proto(np.arange(4, dtype=np.int32)))]
    r["get_logger"] = [tf.get_logger() is tf.get_logger(), hasattr(tf.get_logger(), "warning")]
    c = tf.convert_to_tensor_or_indexed_slices([1.0, 2.0], name="c")
    sl = tf.IndexedSlices(tf.constant([[1.0]]), tf.constant([0]), tf.constant([2, 1]))
    r["convert_or_slices"] = [c.name, tf.convert_to_tensor_or_indexed_slices(sl) is sl]


@program
def framework_custom_gradient(tf, r):
    @tf.custom_gradient
    def clip_grad(x):
        return tf.identity(x), lambda dy: tf.clip_by_value(dy, -0.1, 0.1)

    @tf.custom_gradient
    def reverse(x, y):
        return x * y, lambda dy: [-dy * y, -tf.reduce_sum(dy * x)]

    x = tf.placeholder(tf.float32, (3,), name="x")
    c = clip_grad(x)
    ry = reverse(x, tf.constant(2.0))
    r["names"] = [c.name, c.op.type, ry.name, len(c.op.inputs), len(ry.op.inputs)]
    loss = tf.reduce_sum(c * 5.0) + tf.reduce_sum(ry)
    g = tf.gradients(loss, x)[0]
    w = tf.Variable(3.0, name="w")

    @tf.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            r["variables"] = [v.name for v in variables]
            return dy * w * 10, [tf.reduce_sum(dy * x) * 100]
        return x * w, grad

    sc = scale(x)
    r["scale_inputs"] = [t.name for t in sc.op.inputs]
    gx, gw = tf.gradients(tf.reduce_sum(sc), [x, w])

    @tf.custom_gradient
    def no_variables_kw(x):
        return x * w, lambda dy: dy

    r["needs_variables_kw"] = r.error(lambda: no_variables_kw(x), "must accept keyword argument 'variables'")
    r["kwargs_in_graph"] = r.error(lambda: clip_grad(x=x), "keywords arguments only when eager")
    straight = tf.grad_pass_through(tf.round)(x * 1.0)
    gs = tf.gradients(tf.reduce_sum(straight * x), x)[0]

    with tf.variable_scope("d"):
        kernel = tf.get_variable("kernel", initializer=tf.constant([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]),
                                 use_resource=True)

    def block(h):
        return tf.tanh(tf.matmul(h, kernel))

    h = tf.reshape(x, (1, 3))
    out = tf.reduce_sum(tf.recompute_grad(block)(h) ** 2)
    rg = tf.gradients(out, [x, kernel])
    r["recompute_vars"] = [v.name for v in tf.trainable_variables()]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        feed = {x: [1.0, -2.0, 0.6]}
        r["grads"] = s.run([g, gx, gw, gs], feed)
        r["recompute"] = s.run([out] + rg, feed)


@program
def framework_make_template(tf, r):
    def layer(x, units):
        w = tf.get_variable("w", [x.shape[1], units], initializer=tf.ones_initializer())
        b = tf.get_variable("b", [units], initializer=tf.zeros_initializer())
        return tf.matmul(x, w) + b

    t = tf.make_template("my_layer", layer, units=2)
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    y1, y2 = t(x), t(x * 2.0)
    r["names"] = [v.name for v in tf.global_variables()]
    r["outputs"] = [y1.name, y2.name]
    r["template"] = [t.name, t.variable_scope.name, t.variable_scope_name, [v.name for v in t.variables],
                     [v.name for v in t.trainable_variables], [v.name for v in t.global_variables]]
    t2 = tf.make_template("my_layer", layer, units=4)
    r["second_template"] = [t2(x).name, t2.variable_scope.name, [v.name for v in t2.variables]]
    with tf.variable_scope("outer"):
        t3 = tf.make_template("inner", layer, create_scope_now_=True, units=1)
    y3 = t3(x)
    r["scope_now"] = [y3.name, [v.name for v in t3.variables]]

    def bad(x):
        return x * tf.Variable(1.0, name="plain")

    t4 = tf.make_template("bad", bad)
    t4(x)
    r["plain_variable_error"] = r.error(lambda: t4(x), "Trainable variable created when calling a template")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["values"] = s.run([y1, y2, y3], {x: [[1.0, 2.0, 3.0]]})


@program
def framework_print(tf, r):
    x = tf.constant([[1, 2, 3], [4, 5, 6]], name="x")
    big = tf.range(10)
    f = tf.constant([0.5, 1.0 / 3.0, 2e-9])
    p = tf.print("x:", x, "big", big, "f", f, {"k": tf.constant(7)}, [1, "s"], output_stream=sys.stderr)
    r["op"] = [p.type, p.name]
    p2 = tf.print(big, summarize=2, sep="|", end="!\n", output_stream=sys.stderr)
    p3 = tf.print(tf.zeros((2, 2, 2)), tf.constant("text"), tf.constant(True), summarize=-1, output_stream=sys.stderr)
    s = tf.Session()
    r["stderr"] = r.stderr(lambda: s.run(p))
    r["stderr_summarize"] = r.stderr(lambda: s.run(p2))
    r["stderr_all"] = r.stderr(lambda: s.run(p3))
    y = tf.placeholder(tf.float32, (2,), name="y")
    with tf.control_dependencies([tf.print("y is", y, output_stream=sys.stderr)]):
        out = y * 2.0
    r["in_dependencies"] = r.stderr(lambda: r.__setitem__("dep_value", s.run(out, {y: [1.5, -2.0]})))
    r["bad_stream"] = r.error(lambda: tf.print(x, output_stream="nowhere"), "Unsupported output stream")
    s.close()


@program
def debugging_checks(tf, r):
    d = tf.debugging
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    i = tf.placeholder(tf.int32, (None,), name="i")
    r["rank_in_static"] = [d.assert_rank_in(x, [1, 2]).name,
                           r.error(lambda: d.assert_rank_in(x, [1, 3]), "must have rank in")]
    u = tf.placeholder(tf.float32, None, name="u")
    dyn = d.assert_rank_in(u, (0, 1))
    r["same_float_dtype"] = [d.assert_same_float_dtype([x, tf.constant(1.0)]).name,
                             d.assert_same_float_dtype(None, tf.float64).name,
                             r.error(lambda: d.assert_same_float_dtype([x, tf.constant(1.0, tf.float64)]),
                                     "Tensor conversion requested dtype" if False else "float64"),
                             r.error(lambda: d.assert_same_float_dtype([i]), "Expected floating point type")]
    r["proper_iterable"] = [r.error(lambda: d.assert_proper_iterable([1, 2])),
                            r.error(lambda: d.assert_proper_iterable(x), "Expected argument \"values\" to be a "),
                            r.error(lambda: d.assert_proper_iterable("abc"), "iterable"),
                            r.error(lambda: d.assert_proper_iterable(np.ones(2)), "iterable")]
    r["is_numeric"] = [d.is_numeric_tensor(x), d.is_numeric_tensor(tf.constant("s")), d.is_numeric_tensor(3.0),
                       d.is_numeric_tensor(tf.constant(True))]
    mono = d.is_non_decreasing(i)
    strict = d.is_strictly_increasing(i)
    r["mono_names"] = [mono.name, strict.name, mono.dtype.name]
    fin = [d.is_finite(x), d.is_inf(x), d.is_nan(x)]
    r["finite_names"] = [t.name for t in fin]
    af = d.assert_all_finite(x, "bad values")
    cn = d.check_numerics(x, "checked")
    r["all_finite"] = [af.name, cn.op.type]
    s1 = tf.placeholder(tf.float32, (None, 3), name="s1")
    s2 = tf.placeholder(tf.float32, (None,), name="s2")
    shapes = d.assert_shapes([(s1, ("N", "D")), (s2, ("N",))])
    r["assert_shapes_static_error"] = r.error(
        lambda: d.assert_shapes([(x, ("N", 4))]), "dimension 1 must have size 4")
    r["assert_shapes_rank_error"] = r.error(lambda: d.assert_shapes([(x, ("N",))]), "must have rank in")
    r["assert_shapes_mismatch"] = r.error(
        lambda: d.assert_shapes([(tf.ones((2, 3)), ("N", "D")), (tf.ones((3,)), ("N",))]),
        "Specified by tensor ones:0 dimension 0", "dimension 0 must have size 2")
    r["modes"] = [d.is_traceback_filtering_enabled(), d.get_log_device_placement()]
    with tf.Session() as s:
        v = np.array([[1.0, np.inf, np.nan]], np.float32)
        r["finite_run"] = s.run(fin, {x: v})
        r["mono_run"] = [s.run([mono, strict], {i: a}) for a in ([1, 2, 2], [1, 2, 3], [3, 1], [])]
        r["rank_in_run"] = [r.error(lambda: s.run(dyn, {u: 1.0})), r.error(lambda: s.run(dyn, {u: [[1.0]]}),
                                                                          "must have rank in")]
        r["all_finite_run"] = [s.run(af, {x: [[1, 2, 3]]}).tolist(),
                               r.error(lambda: s.run(af, {x: v}), "bad values"),
                               r.error(lambda: s.run(cn, {x: v}), "checked")]
        r["shapes_run"] = [r.error(lambda: s.run(shapes, {s1: np.ones((2, 3)), s2: np.ones(2)})),
                           r.error(lambda: s.run(shapes, {s1: np.ones((2, 3)), s2: np.ones(3)}), "s2")]


@program
def errors_and_dtypes(tf, r):
    e = tf.errors
    r["codes"] = [e.UNAUTHENTICATED, e.error_code_from_exception_type(e.NotFoundError),
                  e.exception_type_from_error_code(3).__name__,
                  e.exception_type_from_error_code(16).__name__,
                  e.error_code_from_exception_type(e.UnauthenticatedError)]
    err = e.UnauthenticatedError(None, None, "who")
    r["unauthenticated"] = [err.error_code, err.message, isinstance(err, e.OpError)]
    r["unknown_code"] = r.error(lambda: e.exception_type_from_error_code(99))
    dt = tf.dtypes
    r["uints"] = [[t.name, t.size, t.min, t.max, t.is_unsigned, t.is_integer, t.as_numpy_dtype.__name__]
                  for t in (dt.uint32, dt.uint64)]
    x = tf.constant(np.array([1, 2**31], np.uint32))
    y = tf.constant(np.array([1, 2**63], np.uint64))
    r["uint_ops"] = [x.dtype.name, y.dtype.name, tf.cast(x, tf.int64).dtype.name]
    s = dt.as_string(tf.constant([1.5, 2.25]), precision=1)
    r["quantized"] = [sorted(t.name for t in dt.QUANTIZED_DTYPES), dt.qint8.is_quantized, dt.bfloat16.name,
                      dt.bfloat16.is_floating, dt.resource.name, dt.qint8.name]
    with tf.Session() as sess:
        r["uint_values"] = sess.run([x, tf.cast(x, tf.int64), y])
        r["as_string"] = sess.run(s)


@program
def test_compute_gradient(tf, r):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float64)
    y = tf.reduce_sum(x * x, axis=1)
    with tf.Session():
        theo, num = tf.test.compute_gradient(x, [2, 2], y, [2], x_init_value=np.array([[1.0, 2.0], [3.0, 4.0]]))
        r["jacobians"] = [theo, num]
        r["error"] = float(tf.test.compute_gradient_error(x, [2, 2], y, [2]) < 1e-6)
        a = tf.placeholder(tf.float32, (3,))
        b = tf.sin(a)
        t2, n2 = tf.test.compute_gradient(a, [3], b, [3], x_init_value=np.array([0.0, 1.0, 2.0], np.float32))
        r["float32"] = [t2, np.round(n2, 2), t2.dtype.name]
    r["predicates"] = [tf.test.is_built_with_xla(), tf.test.is_built_with_rocm(),
                       tf.test.is_cpu_target_available("x86"), os.path.isdir(tf.test.get_temp_dir())]


# --- recording ----------------------------------------------------------------------------------------------

# --- convolutional networks (issue 13) ----------------------------------------------------------------------

def _conv_inputs(*shapes):
    rng = np.random.default_rng(13)
    # small integers: every product and sum is exact in float32, so any summation order gives TF's bits
    return [rng.integers(-3, 4, s).astype(np.float32) for s in shapes]


@program
def conv2d_padding_strides_dilations(tf, r):
    xs, ws, ws4 = _conv_inputs((1, 7, 6, 3), (3, 3, 3, 2), (4, 4, 3, 2))
    x = tf.placeholder(tf.float32, (None, 7, 6, 3), name="x")
    w, w4 = tf.constant(ws), tf.constant(ws4)
    ys = [tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME"),                       # odd kernel, stride 2
          tf.nn.conv2d(x, w4, [1, 1, 1, 1], "SAME"),                      # even kernel: one more pad after
          tf.nn.conv2d(x, w4, [1, 3, 2, 1], "SAME"),
          tf.nn.conv2d(x, w, [1, 2, 1, 1], "VALID")]
    dilated = tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID", dilations=[1, 2, 2, 1])
    r["shapes"] = shapes(*ys, dilated)
    r["names"] = names(ys + [dilated])
    loss = tf.add_n([tf.reduce_sum(y * y) for y in ys])
    grads = tf.gradients(loss, [x, w, w4])
    with tf.Session() as s:
        r["values"] = s.run(ys, {x: xs})
        r["dilated"] = s.run(dilated, {x: xs})
        r["grads"] = s.run(grads, {x: xs})
    r["depth_mismatch"] = r.error(
        lambda: tf.nn.conv2d(tf.placeholder(tf.float32, (None, 28, 28, 3)), tf.zeros((5, 5, 4, 32)),
                             [1, 1, 1, 1], "SAME"),
        "Depth of input (3) is not a multiple of input depth of filter (4)", "[?,28,28,3], [5,5,4,32]")
    r["too_small"] = r.error(lambda: tf.nn.conv2d(tf.zeros((1, 3, 3, 4)), tf.zeros((5, 5, 4, 2)), [1, 1, 1, 1],
                                                  "VALID"), "Negative dimension size")


@program
def conv_family_values(tf, r):
    xs, dws, pws, ws1, ws3, wst = _conv_inputs((1, 6, 5, 3), (3, 3, 3, 2), (1, 1, 6, 4), (3, 2, 2), (2, 2, 2, 2, 2),
                                             (3, 3, 2, 3))
    x = tf.constant(xs)
    ys = {"depthwise": tf.nn.depthwise_conv2d(x, dws, [1, 1, 1, 1], "SAME"),
          "depthwise_s2": tf.nn.depthwise_conv2d(x, dws, [1, 2, 2, 1], "VALID"),
          "separable": tf.nn.separable_conv2d(x, dws, pws, [1, 1, 1, 1], "SAME"),
          "atrous": tf.nn.atrous_conv2d(x, dws[..., :1].repeat(2, -1), 2, "SAME"),
          "conv1d": tf.nn.conv1d(x[:, :, 0, :2], ws1, 2, "SAME"),
          "conv3d": tf.nn.conv3d(tf.reshape(x[:, :, :4, :2], [1, 6, 2, 2, 2]), ws3, [1, 2, 1, 1, 1], "SAME"),
          "transpose": tf.nn.conv2d_transpose(x[:, :3, :3, :], wst, [1, 6, 5, 2], [1, 2, 2, 1], "SAME"),
          "transpose_valid": tf.nn.conv2d_transpose(x[:, :3, :3, :], wst, [1, 7, 9, 2], [1, 2, 3, 1], "VALID"),
          "backprop_filter": tf.nn.conv2d_backprop_filter(x, [3, 3, 3, 2], tf.ones((1, 3, 3, 2)), [1, 2, 2, 1],
                                                          "SAME")}
    r["shapes"] = {k: dims(v) for k, v in ys.items()}
    g = tf.gradients(tf.reduce_sum(ys["separable"] ** 2) + tf.reduce_sum(ys["transpose"] ** 2), x)[0]
    with tf.Session() as s:
        r["values"] = s.run(ys)
        r["grad"] = s.run(g)


@program
def pooling_values_and_gradients(tf, r):
    xs, = _conv_inputs((2, 5, 7, 2))
    x = tf.placeholder(tf.float32, (None, 5, 7, 2), name="x")
    h = tf.nn.relu(x)  # zeros: ties inside windows
    ys = {"max_same": tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
          "max_3x3_s2": tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
          "avg_same": tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
          "avg_valid": tf.nn.avg_pool(x, [1, 2, 3, 1], [1, 1, 2, 1], "VALID"),
          "max3d": tf.nn.max_pool3d(tf.reshape(x, [2, 5, 7, 2, 1]), [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "SAME")}
    out, arg = tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    r["shapes"] = {k: dims(v) for k, v in ys.items()}
    r["names"] = names(list(ys.values()))
    loss = tf.add_n([tf.reduce_sum(v) + tf.reduce_sum(v * v) for v in ys.values()])
    with tf.Session() as s:
        r["values"] = s.run(ys, {x: xs})
        r["grad"] = s.run(tf.gradients(loss, x)[0], {x: xs})
        r["argmax"] = s.run([out, arg], {x: xs})


@program
def image_resize_conventions(tf, r):
    img = np.arange(2 * 3 * 4 * 1, dtype=np.float32).reshape(2, 3, 4, 1)
    ys = {"resize_bilinear_up": tf.image.resize(img, [5, 7]),
          "resize_nearest_up": tf.image.resize(img, [5, 7], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR),
          "resize_images_down": tf.image.resize_images(img, [2, 3]),
          "resize_images_align": tf.image.resize_images(img, [5, 7], align_corners=True),
          "bilinear_half_pixel": tf.image.resize_bilinear(img, [5, 6], half_pixel_centers=True),
          "nearest_legacy": tf.image.resize_nearest_neighbor(img, [2, 7]),
          "standardized": tf.image.per_image_standardization(img[0])}
    r["shapes"] = {k: [dims(v), v.dtype.name] for k, v in ys.items()}
    with tf.Session() as s:
        r["values"] = s.run(ys)
        r["eye"] = s.run(tf.eye(2, 3))
        r["gather_nd"] = s.run(tf.gather_nd(img, [[0, 1], [1, 2]]))


@program
def cnn_array_helpers(tf, r):
    xs, = _conv_inputs((2, 4, 6, 3))
    x = tf.placeholder(tf.float32, (None, 4, 6, 3), name="x")
    s2d = tf.space_to_depth(x, 2)
    d2s = tf.depth_to_space(s2d, 2)
    lrn = tf.nn.local_response_normalization(x, depth_radius=1, bias=2.0, alpha=0.5, beta=0.75)
    sc = tf.scatter_nd([[0, 1], [2, 0], [0, 1]], tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [3, 2, 2])
    r["shapes"] = shapes(s2d, d2s, lrn, sc)
    g = tf.gradients(tf.reduce_sum(lrn * lrn) + tf.reduce_sum(s2d * tf.range(12.0)), x)[0]
    with tf.Session() as s:
        r["values"] = s.run([s2d, d2s, lrn, sc], {x: xs})
        r["grad"] = s.run(g, {x: xs})


# --- tf.image's boxes, colours and measures; tf.nn's moments and morphology (graphgrad/image, ops/box_ops.py, ...) --

def _digest(v):
    """A large array as [shape, dtype, sum, sum weighted by a fixed pattern, largest magnitude]: numbers that move
    with any element, so the reference stays small (the full arrays were compared once, by hand)."""
    a = np.asarray(v)
    f = a.astype(np.float64).ravel()
    return [list(a.shape), str(a.dtype), float(f.sum()), float(f @ (1.5 + np.cos(np.arange(f.size) * 0.7))),
            float(np.abs(f).max(initial=0))]


def _image_batch(shape, seed):
    return np.random.default_rng(seed).uniform(0, 1, shape).astype(np.float32)


@program
def nn_moment_statistics(tf, r):
    """tf.nn.sufficient_statistics (shift or not, known or fed shape), normalize_moments, weighted_moments
    (keep_dims, broadcast weights, all-zero weights), log_poisson_loss (full or not), tf.math.top_k, with
    gradients."""
    xs = np.array([[1.0, 2.0, 4.0], [3.0, -1.0, 0.5]], np.float32)
    x = tf.placeholder(tf.float32, [None, 3])
    stats = tf.nn.sufficient_statistics(x, [0])
    shifted = tf.nn.sufficient_statistics(tf.constant(xs), [0, 1], shift=1.5, keep_dims=True)
    moments = tf.nn.normalize_moments(*shifted)
    plain = tf.nn.normalize_moments(*stats)
    weighted = tf.nn.weighted_moments(x, [1], [[1.0, 2.0, 0.0]])
    kept = tf.nn.weighted_moments(x, [0], tf.constant([[2.0], [0.0]]), keep_dims=True)
    zero = tf.nn.weighted_moments(x, [1], tf.zeros([2, 3]))
    targets = tf.constant([0.0, 0.5, 1.0, 3.0, 7.0])
    log_in = tf.constant([0.3, -1.0, 2.0, 1.2, 1.9])
    poisson = [tf.nn.log_poisson_loss(targets, log_in), tf.nn.log_poisson_loss(targets, log_in, compute_full_loss=True)]
    top = tf.math.top_k(x, 2)
    r["shapes"] = [[str(t.shape), t.dtype.name] for t in [*stats[:3], *shifted, *moments, *plain, *weighted, *kept,
                                                          *poisson, *top]]
    r["no_shift"] = stats[3] is None
    loss = tf.reduce_sum(plain[1] * plain[0]) + tf.reduce_sum(weighted[1]) + tf.reduce_sum(kept[0] * kept[1])
    with tf.Session() as s:
        feed = {x: xs}
        r["values"] = s.run({"stats": list(stats[:3]), "shifted": list(shifted), "moments": list(moments),
                             "plain": list(plain), "weighted": list(weighted), "kept": list(kept), "zero": list(zero),
                             "poisson": poisson, "top": list(top)}, feed)
        r["grads"] = s.run(tf.gradients(loss, x)[0], feed)
        r["poisson_grad"] = s.run(tf.gradients(tf.reduce_sum(poisson[1]), log_in)[0])
    r["shape_error"] = r.error(lambda: tf.nn.log_poisson_loss(tf.zeros([3]), tf.zeros([4])),
                               "`log_input` and `targets` must have the same shape")


@program
def image_quality_measures(tf, r):
    """tf.image.total_variation (one image, a batch), psnr (float and uint8), ssim (index map too),
    ssim_multiscale, image_gradients and sobel_edges, with gradients of the first three."""
    a = _image_batch((2, 16, 18, 3), 0)
    b = np.clip(a + np.random.default_rng(1).normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
    x, y = tf.constant(a), tf.constant(b)
    big = [tf.image.resize_images(t, [176, 178]) for t in (x, y)]
    outs = {"tv": tf.image.total_variation(x), "tv_one": tf.image.total_variation(x[0]),
            "psnr": tf.image.psnr(x, y, 1.0),
            "psnr_u8": tf.image.psnr((a * 255).astype(np.uint8), (b * 255).astype(np.uint8), 255),
            "ssim": tf.image.ssim(x, y, 1.0), "ssim_small": tf.image.ssim(x, y, 1.0, filter_size=5, filter_sigma=1.0),
            "ssim_map": tf.image.ssim(x, y, 1.0, filter_size=7, return_index_map=True)[:, :2, :3],
            "ssim_u8": tf.image.ssim((a * 255).astype(np.uint8), (b * 255).astype(np.uint8), 255),
            "ms_ssim": tf.image.ssim_multiscale(big[0], big[1], 1.0),
            "ms_ssim_3": tf.image.ssim_multiscale(big[0], big[1], 1.0, power_factors=(0.3, 0.3, 0.4))}
    dy, dx = tf.image.image_gradients(x[:, :4, :5])
    sobel = tf.image.sobel_edges(x[:, :4, :5])
    r["shapes"] = {k: [str(v.shape), v.dtype.name] for k, v in outs.items()}
    r["filter_shapes"] = [str(t.shape) for t in (dy, dx, sobel)]
    loss = tf.reduce_sum(outs["ssim"]) + 1e-3 * tf.reduce_sum(outs["tv"]) + 1e-2 * tf.reduce_sum(outs["psnr"])
    with tf.Session() as s:
        r["values"] = {k: v if v.size < 7 else _digest(v) for k, v in s.run(outs).items()}
        r["filters"] = [_digest(v) for v in s.run([dy, dx, sobel])]
        r["grad"] = _digest(s.run(tf.gradients(loss, x)[0]))
    r["incompatible"] = r.error(lambda: tf.image.psnr(x, y[:, :8], 1.0), "Dimensions must be equal")
    r["ssim_incompatible"] = r.error(lambda: tf.image.ssim(x, y[:, :8], 1.0), "are incompatible")


@program
def image_colour_spaces(tf, r):
    """rgb_to_hsv / hsv_to_rgb (grays, ties between channels, black), TF's gradient of rgb_to_hsv, YUV and YIQ,
    adjust_hue / saturation / gamma on float and uint8 images."""
    a = _image_batch((3, 5, 3), 2)
    a[0] = [[0.5, 0.5, 0.5], [0.7, 0.7, 0.2], [0.1, 0.6, 0.6], [0.0, 0.0, 0.0], [0.3, 0.9, 0.3]]
    u8 = (a * 255).astype(np.uint8)
    x = tf.constant(a)
    hsv = tf.image.rgb_to_hsv(x)
    outs = {"hsv": hsv, "back": tf.image.hsv_to_rgb(hsv), "hue": tf.image.adjust_hue(x, 0.3),
            "hue_negative": tf.image.adjust_hue(x, -0.45), "hue_u8": tf.image.adjust_hue(u8, 0.2),
            "saturation": tf.image.adjust_saturation(x, 1.7), "saturation_u8": tf.image.adjust_saturation(u8, 0.4),
            "gamma": tf.image.adjust_gamma(x, 2.2, 1.1), "gamma_u8": tf.image.adjust_gamma(u8, 0.5),
            "yuv": tf.image.rgb_to_yuv(x), "yiq": tf.image.rgb_to_yiq(x), "from_yuv": tf.image.yuv_to_rgb(x),
            "from_yiq": tf.image.yiq_to_rgb(x)}
    r["shapes"] = {k: [str(v.shape), v.dtype.name] for k, v in outs.items()}
    w = tf.constant(np.random.default_rng(3).normal(size=(3, 5, 3)).astype(np.float32))
    with tf.Session() as s:
        values = s.run(outs)
        r["values"] = {k: _digest(v) for k, v in values.items()}
        r["hsv_ties"] = values["hsv"][0]
        grad = s.run(tf.gradients(tf.reduce_sum(hsv * w), x)[0])
        r["hsv_grad"] = [grad[0], _digest(grad)]
        r["hsv_to_rgb_grad"] = tf.gradients(tf.reduce_sum(tf.image.hsv_to_rgb(x)), x)[0] is None
    r["gamma_negative"] = r.error(lambda: tf.image.adjust_gamma(x, -1.0), "Gamma should be a non-negative real number")
    r["hue_range"] = r.error(lambda: tf.image.random_hue(x, 0.6), "max_delta must be <= 0.5")
    r["saturation_range"] = r.error(lambda: tf.image.random_saturation(x, 0.5, 0.5), "upper must be > lower")


@program
def image_crop_and_resize(tf, r):
    """crop_and_resize: bilinear and nearest, flipped and out-of-image boxes, one-row crops, uint8 images, and
    its gradients with respect to the image and the boxes; a box index outside the batch."""
    img = _image_batch((2, 6, 7, 3), 4)
    boxes = np.array([[0.1, 0.2, 0.8, 0.9], [0.5, 0.6, 0.1, 0.05], [-0.2, 0.1, 0.6, 1.3], [0.3, 0.3, 0.3, 0.7],
                      [0.15, 0.05, 0.95, 0.45]], np.float32)
    x, b, ind = tf.constant(img), tf.constant(boxes), tf.constant([0, 1, 1, 0, 1])
    outs = {"bilinear": tf.image.crop_and_resize(x, b, ind, [4, 5]),
            "nearest": tf.image.crop_and_resize(x, b, ind, [4, 5], method="nearest", extrapolation_value=-1.0),
            "one_row": tf.image.crop_and_resize(x, b, ind, [1, 3]),
            "uint8": tf.image.crop_and_resize((img * 255).astype(np.uint8), b, ind, [3, 3])}
    r["shapes"] = {k: [str(v.shape), v.dtype.name] for k, v in outs.items()}
    w = np.random.default_rng(5).normal(size=(5, 4, 5, 3)).astype(np.float32)
    loss = (tf.reduce_sum(outs["bilinear"] * w) + tf.reduce_sum(outs["nearest"] * w)
            + tf.reduce_sum(outs["one_row"] * w[:, :1, :3]))
    grads = tf.gradients(loss, [x, b])
    with tf.Session() as s:
        r["values"] = {k: _digest(v) for k, v in s.run(outs).items()}
        grad_image, r["grad_boxes"] = s.run(grads)
        r["grad_image"] = _digest(grad_image)
        r["grad_boxes_uint8"] = s.run(tf.gradients(tf.reduce_sum(outs["uint8"]), b)[0])
        r["grad_uint8_image"] = tf.gradients(tf.reduce_sum(outs["uint8"]), b)[0] is not None
        bad = tf.image.crop_and_resize(x, b[:1], [2], [2, 2])
        r["bad_index"] = r.error(lambda: s.run(bad), "box_index has values outside [0, batch_size)")
    r["bad_method"] = r.error(lambda: tf.image.crop_and_resize(x, b, ind, [2, 2], method="bicubic"),
                              "Attr 'method' of 'CropAndResize' Op passed string 'bicubic' not in")


@program
def image_box_selection(tf, r):
    """non_max_suppression (thresholds, limits), _with_scores (Soft-NMS too), _padded, _overlaps, and
    draw_bounding_boxes (TF's colours, gray images, given colours, clipped and skipped boxes)."""
    rng = np.random.default_rng(6)
    centre, size = rng.uniform(0, 1, (30, 2)), rng.uniform(0.05, 0.4, (30, 2))
    boxes = tf.constant(np.concatenate([centre - size / 2, centre + size / 2], 1).astype(np.float32))
    scores_np = rng.uniform(0, 1, 30).astype(np.float32)
    scores_np[7] = scores_np[8]
    scores = tf.constant(scores_np)
    overlaps = tf.constant(rng.uniform(0, 1, (30, 30)).astype(np.float32))
    selected = {"plain": tf.image.non_max_suppression(boxes, scores, 10),
                "thresholds": tf.image.non_max_suppression(boxes, scores, 50, 0.3, 0.4),
                "with_scores": list(tf.image.non_max_suppression_with_scores(boxes, scores, 8, 0.5)),
                "soft": list(tf.image.non_max_suppression_with_scores(boxes, scores, 12, 1.0, 0.1, soft_nms_sigma=0.5)),
                "padded": list(tf.image.non_max_suppression_padded(boxes, scores, 25, 0.4,
                                                                   pad_to_max_output_size=True)),
                "unpadded": list(tf.image.non_max_suppression_padded(boxes, scores, 25, 0.4)),
                "overlaps": tf.image.non_max_suppression_overlaps(overlaps, scores, 10, 0.7)}
    r["shapes"] = {k: [str(t.shape) for t in (v if isinstance(v, list) else [v])] for k, v in selected.items()}
    img = np.full((2, 9, 11, 3), 0.25, np.float32)
    dboxes = np.array([[[0.1, 0.1, 0.6, 0.7], [-0.2, 0.5, 0.5, 1.5], [0.7, 0.7, 0.3, 0.9]],
                       [[0.0, 0.0, 1.0, 1.0], [1.2, 0.0, 1.5, 1.0], [0.3, 0.2, 0.55, 0.35]]], np.float32)
    drawn = {"rgb": tf.image.draw_bounding_boxes(img, dboxes),
             "gray": tf.image.draw_bounding_boxes(img[..., :1], dboxes),
             "colors": tf.image.draw_bounding_boxes(img, dboxes, colors=[[0.1, 0.2, 0.3, 1.0], [0.9, 0.8, 0.7, 1.0]])}
    with tf.Session() as s:
        r["selected"] = s.run(selected)
        r["drawn"] = {k: _digest(v) for k, v in s.run(drawn).items()}
        r["bad_threshold"] = r.error(lambda: s.run(tf.image.non_max_suppression(boxes, scores, 3, 1.5)),
                                     "iou_threshold must be in [0, 1]")
    r["scores_mismatch"] = r.error(lambda: tf.image.non_max_suppression(boxes, scores[:5], 3),
                                   "Dimensions must be equal, but are 30 and 5")
    r["draw_depth"] = r.error(lambda: tf.image.draw_bounding_boxes(np.zeros((1, 4, 4, 2), np.float32), dboxes[:1]),
                              "Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA)")


@program
def image_patches_and_morphology(tf, r):
    """tf.extract_image_patches / tf.image.extract_patches (SAME, VALID, strides, rates) and tf.nn.dilation2d /
    erosion2d, with their gradients (ties in a window included)."""
    a = np.random.default_rng(7).normal(size=(2, 7, 8, 3)).astype(np.float32)
    a[0, 1, 1:3, 0] = 5.0
    f = (np.random.default_rng(8).normal(size=(3, 2, 3)) * 0.1).astype(np.float32)
    f[1, 0, 0] = f[1, 1, 0] = 0.0
    x, k = tf.constant(a), tf.constant(f)
    outs = {"patches_same": tf.extract_image_patches(x, [1, 3, 2, 1], [1, 2, 2, 1], [1, 1, 2, 1], "SAME"),
            "patches_valid": tf.image.extract_patches(x, [1, 2, 3, 1], [1, 1, 2, 1], [1, 2, 1, 1], "VALID"),
            "dilation_same": tf.nn.dilation2d(x, k, [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
            "dilation_valid": tf.nn.dilation2d(x, k, [1, 2, 1, 1], [1, 1, 2, 1], "VALID"),
            "erosion": tf.nn.erosion2d(x, k, [1, 1, 2, 1], [1, 2, 1, 1], "SAME")}
    r["shapes"] = {k: [str(v.shape), v.dtype.name] for k, v in outs.items()}
    loss = tf.add_n([tf.reduce_sum(v * v) for v in outs.values()])
    with tf.Session() as s:
        r["values"] = {k: _digest(v) for k, v in s.run(outs).items()}
        r["grads"] = [_digest(g) for g in s.run(tf.gradients(loss, [x, k]))]


@program
def image_sample_distorted_box(tf, r):
    """sample_distorted_bounding_box with seeds: four runs in one session and the first again in a new one
    (TF's Philox draws), integer dtypes, ranges, no boxes with use_image_if_no_bounding_boxes, and the whole
    image after max_attempts."""
    bb = tf.constant([[[0.1, 0.2, 0.5, 0.7], [0.3, 0.3, 0.9, 0.8]]])
    outs = [tf.image.sample_distorted_bounding_box([480, 640, 3], bb, seed=7),
            tf.image.sample_distorted_bounding_box(tf.constant([100, 37, 1], tf.int64), bb, seed=3, seed2=11,
                                                   min_object_covered=0.6, aspect_ratio_range=[0.5, 2.0],
                                                   area_range=[0.1, 0.9], max_attempts=20),
            tf.image.sample_distorted_bounding_box([50, 50, 3], tf.zeros([1, 0, 4]), seed=1, min_object_covered=0.0,
                                                   use_image_if_no_bounding_boxes=True, area_range=[0.3, 0.5]),
            tf.image.sample_distorted_bounding_box([64, 64, 3], bb, seed=5, min_object_covered=1.0, max_attempts=3)]
    r["shapes"] = [[str(t.shape) + t.dtype.name for t in o] for o in outs]
    image = tf.reshape(tf.range(64 * 64 * 3), [64, 64, 3])
    crop = tf.slice(image, outs[0][0] // 10, outs[0][1] // 10)      # tf.slice with bounds from the graph
    r["crop_shape"] = str(crop.shape)
    grad = tf.gradients(tf.reduce_sum(tf.slice(tf.cast(image, tf.float32), [3, 4, 0], outs[3][1] // 16)), image)
    with tf.Session() as s:
        c = s.run(crop)
        r["crop"] = [list(c.shape), c[0, :2], c[-1, -1]]
        r["slice_grad"] = grad[0] is None
        runs = [s.run(outs) for _ in range(3)]
        r["bboxes"] = [o[2] for o in runs[0]]
        r["runs"] = [[list(o[:2]) for o in run] for run in runs]
        r["no_boxes"] = r.error(lambda: s.run(tf.image.sample_distorted_bounding_box([8, 8, 3], tf.zeros([1, 0, 4]),
                                                                                     seed=1)),
                                "No bounding boxes provided as input")
    with tf.Session() as s:
        r["new_session"] = [list(o[:2]) for o in s.run(outs[:2])]


@program
def image_glimpse(tf, r):
    """extract_glimpse inside the image (normalized or pixel offsets, centered or from the corner): the values
    that do not depend on its random fill."""
    x = tf.constant(np.arange(3 * 9 * 10 * 2, dtype=np.float32).reshape(3, 9, 10, 2))
    outs = {"centered": tf.image.extract_glimpse(x, [3, 4], [[0.0, 0.0], [-0.3, 0.25], [0.5, -0.6]]),
            "pixels": tf.image.extract_glimpse(x, [4, 3], [[1.0, 1.5], [-2.0, 2.5], [0.0, -2.5]], normalized=False),
            "corner": tf.image.extract_glimpse(x, [2, 4], [[0.3, 0.3], [0.5, 0.4], [0.4, 0.5]], centered=False),
            "corner_pixels": tf.image.extract_glimpse(x, [3, 3], [[2.0, 3.0], [4.0, 4.0], [3.5, 5.9]], centered=False,
                                                      normalized=False)}
    partial = tf.image.extract_glimpse(x, [5, 6], [[-0.9, 0.95], [0.9, -0.9], [0.0, 0.0]])
    r["shapes"] = {k: [str(v.shape), v.dtype.name] for k, v in outs.items()}
    with tf.Session() as s:
        r["values"] = {k: _digest(v) for k, v in s.run(outs).items()}
        p = s.run(partial)
        r["partial_inside"] = p[0, 2:, :4]
        r["partial_noise_in_range"] = bool(((p >= 0) & (p < 540)).all())


# --- TF1's queue input pipeline (graphgrad/ops/queue_ops.py, train/input.py, io/reader_ops.py) -----------------

def _drain_runs(tf, s, fetch, limit=50):
    """Values of `fetch` run until OutOfRangeError (then the error's class), at most `limit` runs."""
    out = []
    for _ in range(limit):
        try:
            out.append(s.run(fetch))
        except tf.errors.OutOfRangeError:
            out.append("OutOfRangeError")
            break
    return out


def _with_runners(tf, s, fn):
    """`fn()` with the graph's queue runners started in `s`, then stopped and joined."""
    s.run(tf.local_variables_initializer())
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(s, coord)
    try:
        return fn()
    finally:
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=10)


@program
def queue_ops(tf, r):
    q = tf.FIFOQueue(3, [tf.float32, tf.int32], shapes=[[2], []])
    e, em = q.enqueue([[1.0, 2.0], 3]), q.enqueue_many([[[4.0, 5.0], [6.0, 7.0]], [8, 9]])
    d, dm, du = q.dequeue(), q.dequeue_many(2), q.dequeue_up_to(2)
    close, size, closed = q.close(), q.size(), q.is_closed()
    r["name"] = [q.name, str(q.queue_ref.op.name), [t.name for t in q.dtypes], [dims(x) for x in q.shapes]]
    r["op_names"] = [e.name, em.name, close.name, q.close(cancel_pending_enqueues=True).name, size.name,
                     closed.name]
    r["dequeue_shapes"] = [shapes(*d), shapes(*dm), shapes(*du)]
    r["bad_shape"] = r.error(lambda: q.enqueue([[1.0, 2.0, 3.0], 3]), "are incompatible")
    r["bad_dtype"] = r.error(lambda: q.enqueue([[1.0, 2.0], 2.5]))
    r["dict_without_names"] = r.error(lambda: q.enqueue({"a": 1}), "Queue must have names")
    unknown = tf.FIFOQueue(4, tf.float32)
    r["unknown"] = [shapes(unknown.dequeue()), shapes(unknown.dequeue_many(2)), unknown.names]
    named = tf.FIFOQueue(4, [tf.int32, tf.string], shapes=[[], []], names=["n", "s"])
    pad = tf.PaddingFIFOQueue(4, [tf.int32], shapes=[[None]])
    prio = tf.PriorityQueue(4, [tf.string], shapes=[[]])
    shuffled = tf.RandomShuffleQueue(10, 2, tf.int32, shapes=[[]], seed=3)
    r["kinds"] = [pad.name, prio.name, shuffled.name, [t.name for t in prio.dtypes], shapes(*prio.dequeue())]
    r["partial_shape_fifo"] = r.error(lambda: tf.FIFOQueue(2, tf.int32, shapes=[[None]]), "must be fully defined")
    with tf.Session() as s:
        s.run(e)
        s.run(em)
        r["size_closed"] = s.run([size, closed])
        r["fifo_order"] = [s.run(d), s.run(dm)]
        s.run(em)
        s.run(e)
        s.run(close)
        r["after_close"] = [s.run(size), s.run(closed), s.run(du), s.run(du)]
        r["dequeue_closed"] = r.error(lambda: s.run(d), "is closed and has insufficient elements (requested 1, "
                                                        "current size 0)")
        r["dequeue_many_closed"] = r.error(lambda: s.run(dm), "(requested 2, current size 0)")
        r["enqueue_closed"] = r.error(lambda: s.run(e), "is closed.")
        r["enqueue_many_closed"] = r.error(lambda: s.run(em), "is closed.")
        r["many_unknown_shape"] = r.error(lambda: (s.run(unknown.enqueue(1.0)), s.run(unknown.dequeue_many(1))),
                                          "require the components to have specified shapes")
        s.run(named.enqueue({"n": 7, "s": "seven"}))
        r["named"] = s.run(named.dequeue())
        s.run(pad.enqueue([[1, 2, 3]]))
        s.run(pad.enqueue([[4]]))
        r["padded"] = s.run(pad.dequeue_many(2))
        for p, v in ((5, "five"), (2, "two"), (9, "nine")):
            s.run(prio.enqueue([tf.constant(p, tf.int64), v]))
        r["priority_order"] = [s.run(prio.dequeue()) for _ in range(3)]
        s.run(shuffled.enqueue_many([list(range(5))]))
        r["shuffle_keeps_min"] = s.run(shuffled.dequeue_many(3)).shape
        s.run(shuffled.close())
        r["shuffle_closed_rest"] = s.run(shuffled.dequeue_up_to(5)).shape


@program
def queue_pipeline(tf, r):
    folder = tempfile.mkdtemp()
    paths = [os.path.join(folder, n) for n in ("a.csv", "b.csv")]
    with open(paths[0], "w") as f:
        f.write("x,label,name\n1.5,1,one\n2.5,,two\n")
    with open(paths[1], "w") as f:
        f.write("x,label,name\n3.5,3,three\r\n-1,4,\"f,our\"\n")
    files = tf.train.string_input_producer(paths, num_epochs=2, shuffle=False)
    r["producer"] = [files.name, [v.name for v in tf.local_variables()],
                     len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)),
                     [x.name for x in tf.get_collection(tf.GraphKeys.SUMMARIES)]]
    reader = tf.TextLineReader(skip_header_lines=1)
    key, value = reader.read(files)
    x, label, name = tf.decode_csv(value, [[0.0], [-1], [""]])
    r["read_shapes"] = shapes(key, value, x, label, name)
    xb, lb, nb = tf.train.batch([x, label, name], 3, allow_smaller_final_batch=True)
    r["batch_shapes"] = shapes(xb, lb, nb)
    r["batch_name"] = xb.op.name
    with tf.Session() as s:
        r["batches"] = _with_runners(tf, s, lambda: _drain_runs(tf, s, [xb, lb, nb]))
    tf.reset_default_graph()
    files = tf.train.string_input_producer(paths, num_epochs=1, shuffle=False)
    key, value = tf.TextLineReader().read(files)
    with tf.Session() as s:
        r["keys"] = [[os.path.basename(k.decode()), v] for k, v in _with_runners(
            tf, s, lambda: _drain_runs(tf, s, [key, value]))[:-1]]
    tf.reset_default_graph()
    i, sq = tf.train.slice_input_producer([tf.range(5), tf.range(5) ** 2], num_epochs=1, shuffle=False)
    b = tf.train.batch({"i": i, "sq": sq}, 2)
    rng = tf.train.range_input_producer(4, num_epochs=1, shuffle=False)
    r["slice_shapes"] = [shapes(i, sq), sorted(b), shapes(b["i"]), rng.name]
    with tf.Session() as s:
        r["slice_batches"] = _with_runners(tf, s, lambda: _drain_runs(tf, s, b))
    tf.reset_default_graph()
    data = tf.constant([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]])
    many = tf.train.batch([data], 2, enqueue_many=True, allow_smaller_final_batch=False)
    r["one_tensor_batch_is_list"] = isinstance(many, list)
    r["enqueue_many_batch"] = shapes(many if not isinstance(many, list) else many[0])
    joined = tf.train.batch_join([[tf.constant(1)], [tf.constant(2)]], 4)
    sb = tf.train.shuffle_batch([tf.constant(1.0)], 4, capacity=10, min_after_dequeue=2)
    r["join_shuffle"] = [shapes(*(joined if isinstance(joined, list) else [joined])),
                         shapes(*(sb if isinstance(sb, list) else [sb])),
                         [x.name for x in tf.get_collection(tf.GraphKeys.SUMMARIES)]]
    r["capacity_error"] = r.error(lambda: tf.train.shuffle_batch([tf.constant(1.0)], 2, capacity=4,
                                                                 min_after_dequeue=4), "must be bigger than")
    r["empty_producer"] = r.error(lambda: tf.train.string_input_producer([]), "requires a non-null input tensor")
    tf.reset_default_graph()
    matched = tf.train.match_filenames_once(os.path.join(folder, "*.csv"))
    lines = tf.TextLineReader(skip_header_lines=1).read(tf.train.string_input_producer(matched, num_epochs=1,
                                                                                        shuffle=False))[1]
    nothing = tf.matching_files(os.path.join(folder, "*.none"))
    r["matched"] = [matched.name, [v.name for v in tf.local_variables()], shapes(nothing)]
    with tf.Session() as s:
        r["matched_lines"] = _with_runners(tf, s, lambda: [os.path.basename(f.decode()) for f in s.run(matched)]
                                           + _drain_runs(tf, s, lines))
        r["matched_none"] = s.run(nothing)


@program
def queue_readers_decode(tf, r):
    folder = tempfile.mkdtemp()
    raw, rec, text = (os.path.join(folder, n) for n in ("fixed.bin", "r.tfrecord", "t.txt"))
    with open(raw, "wb") as f:
        f.write(b"abcdefghij")
    with open(text, "wb") as f:
        f.write(b"x\r\ny\n\nz")
    with tf.python_io.TFRecordWriter(rec) as w:
        w.write(b"one")
        w.write(b"three")

    def read(reader, paths):
        tf.reset_default_graph()
        files = tf.train.string_input_producer(paths, num_epochs=1, shuffle=False)
        key, value = reader().read(files)
        with tf.Session() as s:
            return [[os.path.basename(k.decode()), v] for k, v in _with_runners(
                tf, s, lambda: _drain_runs(tf, s, [key, value]))[:-1]]
    r["fixed"] = read(lambda: tf.FixedLengthRecordReader(3, header_bytes=1, footer_bytes=1), [raw])
    r["fixed_hop"] = read(lambda: tf.FixedLengthRecordReader(2, hop_bytes=3), [raw])
    r["tfrecord"] = read(tf.TFRecordReader, [rec])
    r["whole"] = read(tf.WholeFileReader, [raw, text])
    r["lines"] = read(tf.TextLineReader, [text])
    tf.reset_default_graph()
    files = tf.train.string_input_producer([os.path.join(folder, "missing.txt")], shuffle=False)
    _, value = tf.TextLineReader().read(files)
    with tf.Session() as s:
        r["missing_file"] = r.error(lambda: _with_runners(tf, s, lambda: s.run(value)),
                                    "missing.txt; No such file or directory")
    tf.reset_default_graph()
    records = tf.placeholder(tf.string, [None])
    cols = tf.decode_csv(records, [[0], [1.0], [""], [tf.constant(3, tf.int64)]])
    r["csv_shapes"] = shapes(*cols) + shapes(*tf.decode_csv("1,2", [[0], [0]]))
    b = tf.placeholder(tf.string, [None])
    r["raw_shape"] = shapes(tf.decode_raw(b, tf.int16), tf.read_file("f"), tf.string_to_number(b))

    def csv(values, defaults, **kw):
        return s.run(tf.decode_csv(records, defaults, **kw), {records: values})
    with tf.Session() as s:
        r["csv"] = s.run(cols, {records: ["1,2.5,x,7", ",,,", "-3, 4 ,\"a,b\",8"]})
        r["csv_delim_quotes"] = [csv(['1;"a;b";3.5'], [[0], [""], [1.0]], field_delim=";"),
                                 csv(['"a""b",2'], [[""], [0]]), csv(["NA,2"], [[0], [0]], na_value="NA"),
                                 csv(["1,2,3"], [[0], [0]], select_cols=[0, 2]), csv(["1e3,2"], [[0.0], [0.0]])]
        r["csv_missing"] = r.error(lambda: csv(["1,,x"], [[0], tf.constant([], tf.float32), [""]]),
                                   "Field 1 is required but missing in record 0!")
        r["csv_few"] = r.error(lambda: csv(["1,2"], [[0], [1.0], [""]]), "Expect 3 fields but have 2 in record 0")
        r["csv_many"] = r.error(lambda: csv(["1,2,3,4"], [[0], [1.0], [""]]), "Expect 3 fields but have 4")
        r["csv_int"] = r.error(lambda: csv(["a,2"], [[0], [1.0]]), "Field 0 in record 0 is not a valid int32: a")
        r["csv_float"] = r.error(lambda: csv(["1,b"], [[0], [1.0]]), "Field 1 in record 0 is not a valid float: b")
        r["csv_int_range"] = r.error(lambda: csv(["3000000000"], [[0]]), "not a valid int32: 3000000000")
        r["raw"] = [s.run(tf.decode_raw(b, tf.int16), {b: [b"\x01\x00\x02\x00", b"\x03\x00\x04\x01"]}),
                    s.run(tf.decode_raw(b, tf.int16, little_endian=False), {b: [b"\x01\x00\x02\x00"]}),
                    s.run(tf.decode_raw(b, tf.uint8), {b: [b"ab"]})]
        r["raw_odd"] = r.error(lambda: s.run(tf.decode_raw(b, tf.int16), {b: [b"\x01\x00\x02"]}),
                               "has length 3 that is not a multiple of 2, the size of int16")
        r["raw_sizes"] = r.error(lambda: s.run(tf.decode_raw(b, tf.int16), {b: [b"\x01\x00", b"\x01\x00\x02\x00"]}),
                                 "element 1 has size 2 != 4")
        r["numbers"] = [s.run(tf.string_to_number(b), {b: ["1.5", "-2", "1e3", " 3"]}),
                        s.run(tf.string_to_number(b, tf.int32), {b: ["15", "-2"]}),
                        s.run(tf.string_to_number(b, tf.float64), {b: ["0.1"]})]
        r["number_bad"] = r.error(lambda: s.run(tf.string_to_number(b, tf.int32), {b: ["1.5"]}),
                                  "StringToNumberOp could not correctly convert string: 1.5")
        r["read_file"] = s.run(tf.read_file(raw))
        r["read_missing"] = r.error(lambda: s.run(tf.read_file(os.path.join(folder, "nope.bin"))),
                                    "nope.bin; No such file or directory")


_PNG_RGB = ("iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAF0lEQVR4nGNk4BSSlpaWlpZmCQwMhLAAFH4CWKvo0aYAAAAA"
            "SUVORK5CYII=")
_JPEG_TILES = ("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoK"
               "CgoKBggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoK"
               "CgoKCgoKCgr/wAARCAAIAAwDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF"
               "BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW"
               "V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi"
               "4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC"
               "AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm"
               "Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq"
               "8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD4bsvAv/FJ23/Fuv8AmVtI/wCZL/6ip/6lWvUfhV4F/wBA1r/i3X/M06j/AMyX/wBN2/6l"
               "WiivYPLP/9k=")
# (the PNGs hold `source` in image_decode, the JPEG 4x4 tiles of it, written by Pillow at quality 95)
_PNG_GRAY = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAAAAAC4HznGAAAAEElEQVR4nGNkkJZmDJSWBgACgQDAkAOFqgAAAABJRU5ErkJggg=="


@program
def image_decode(tf, r):
    import base64
    rgb, gray = base64.b64decode(_PNG_RGB), base64.b64decode(_PNG_GRAY)
    source = (np.arange(18).reshape(2, 3, 3) * 9).astype(np.uint8)
    jpeg_path = os.path.join(tempfile.mkdtemp(), "tiles.jpg")
    with open(jpeg_path, "wb") as f:
        f.write(base64.b64decode(_JPEG_TILES))
    png = tf.image.decode_png(rgb)
    png_as_gray = tf.image.decode_png(rgb, channels=1)
    gray_png = tf.image.decode_image(gray)
    jpeg = tf.image.decode_jpeg(tf.read_file(jpeg_path), channels=3)
    r["shapes"] = shapes(png, png_as_gray, gray_png, jpeg,
                         tf.image.rgb_to_grayscale(tf.placeholder(tf.uint8, [None, 4, 3])))
    r["names"] = [png.op.type, jpeg.op.type]
    with tf.Session() as s:
        r["png"] = s.run(png)
        r["png_gray_channels"] = s.run(gray_png)
        r["png_as_gray_close"] = bool(np.abs(s.run(png_as_gray)[..., 0].astype(int) - np.round(
            source.astype(float) @ [0.299, 0.587, 0.114])).max() <= 1)
        r["grayscale"] = np.round(s.run(tf.image.rgb_to_grayscale(tf.cast(png, tf.float32) / 255.0)), 4)
        r["grayscale_uint8"] = s.run(tf.image.rgb_to_grayscale(png))
        decoded = s.run(jpeg)
        r["jpeg"] = [list(decoded.shape), str(decoded.dtype),
                     bool(np.abs(decoded.astype(int) - np.tile(source, (4, 4, 1))).max() <= 16)]
        r["not_an_image"] = r.error(lambda: s.run(tf.image.decode_jpeg(tf.constant(b"nope"))),
                                    "Unknown image file format")


def run_program(tf, name):
    """Run one program on a fresh default graph; its observations (a dict)."""
    tf.reset_default_graph()
    r = Recorder(tf)
    PROGRAMS[name](tf, r)
    s = tf.get_default_session()
    while s is not None:
        s.close()
        s = tf.get_default_session()
    return r.obs


def import_tensorflow():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import warnings

    warnings.filterwarnings("ignore")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    return tf


@program
def api_cond(tf, r):
    x = tf.placeholder(tf.float32, (), name="x")
    p = tf.placeholder(tf.bool, (), name="p")
    y = tf.cond(p, lambda: x * 2.0, lambda: tf.square(x))
    r["y"] = [y.name, dims(y), y.dtype.name]
    one = tf.cond(p, lambda: [x], lambda: [x + 1.0])
    r["single_list_unpacked"] = not isinstance(one, (list, tuple))
    r["strict_keeps_list"] = isinstance(tf.cond(p, lambda: [x], lambda: [x], strict=True), list)
    pair = tf.cond(p, lambda: (x, x * 3.0), lambda: (-x, x))
    r["pair_is_tuple"] = isinstance(pair, tuple)
    a = tf.placeholder(tf.float32, (None, 3))
    b = tf.placeholder(tf.float32, (2, 3))
    r["merged_shape"] = dims(tf.cond(p, lambda: a, lambda: b))
    v = tf.Variable(0.0, name="counter")
    bump = tf.cond(p, lambda: tf.Print(tf.assign_add(v, 1.0), [x], "taken: "), lambda: tf.identity(v))
    xd = tf.placeholder(tf.float64, ())
    w = tf.placeholder(tf.float64, ())
    yd = tf.cond(p, lambda: xd ** 3 * w, lambda: tf.exp(xd))
    gx, gw = tf.gradients(yd, [xd, w])
    (hxx,) = tf.gradients(gx, [xd])
    q = tf.placeholder(tf.float32, (None,))
    shaped = tf.cond(p, lambda: tf.reshape(q, [2, 2]), lambda: tf.reshape(q, [1, -1]))
    with tf.Session() as s:
        s.run(v.initializer)
        r["values"] = [s.run([y, pair], {x: 3.0, p: c}) for c in (True, False)]
        r["only_taken_runs"] = [s.run(bump, {x: 5.0, p: c}) for c in (True, False)]
        r["print_when_taken"] = r.stderr(lambda: s.run(bump, {x: 5.0, p: True})).count("taken: [5]")
        r["print_when_not_taken"] = r.stderr(lambda: s.run(bump, {x: 5.0, p: False})).count("taken:")
        r["counter"] = s.run(v)
        r["grads"] = [s.run([gx, gw, hxx], {xd: 0.7, w: 2.0, p: c}) for c in (True, False)]
        r["untaken_error_skipped"] = s.run(shaped, {q: np.arange(3, dtype=np.float32), p: False})
        r["taken_error"] = r.error(lambda: s.run(shaped, {q: np.arange(3, dtype=np.float32), p: True}))
    r["pred_python_bool"] = r.error(lambda: tf.cond(True, lambda: x, lambda: x), "must not be a Python bool")
    r["dtype_mismatch"] = r.error(lambda: tf.cond(p, lambda: x, lambda: tf.constant(1)), "same type(s)")
    r["structure_mismatch"] = r.error(lambda: tf.cond(p, lambda: (x, x), lambda: [x, x]), "nested structure")
    r["length_mismatch"] = r.error(lambda: tf.cond(p, lambda: (x, x), lambda: (x,)), "nested structure")
    r["pred_float"] = r.error(lambda: tf.cond(x, lambda: x, lambda: x), "does not match expected type of bool")
    r["pred_rank1"] = r.error(lambda: tf.cond(tf.placeholder(tf.bool, (2,)), lambda: x, lambda: x), "rank 0")
    r["returns_none"] = r.error(lambda: tf.cond(p, lambda: None, lambda: None), "must have a return value")


@program
def layers_batch_normalization(tf, r):
    rng = np.random.RandomState(0)
    xs = (rng.standard_normal((8, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -2.0]).astype(np.float32)
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    training = tf.placeholder_with_default(False, (), name="training")
    h = tf.layers.batch_normalization(x, training=training)
    fixed_train = tf.layers.batch_normalization(x, training=True, momentum=0.5, epsilon=1e-5)
    fixed_infer = tf.layers.batch_normalization(x, training=False, name="infer")
    r["variables"] = [[v.name, dims(v)] for v in tf.global_variables()]
    r["trainable"] = [v.name for v in tf.trainable_variables()]
    r["update_ops"] = len(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
    r["shapes"] = shapes(h, fixed_train, fixed_infer)
    loss = tf.reduce_sum(h * tf.constant(np.arange(24, dtype=np.float32).reshape(8, 3)))
    grads = tf.gradients(loss, [x] + tf.trainable_variables()[:2])
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    mm, mv = tf.global_variables()[2:4]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["infer_before"] = s.run(h, {x: xs})
        r["train_out"] = s.run(h, {x: xs, training: True})
        r["grads_train"] = s.run(grads, {x: xs, training: True})
        r["grads_infer"] = s.run(grads, {x: xs})
        r["moving_untouched_by_fetch"] = s.run([mm, mv])
        for _ in range(3):
            s.run(step, {x: xs, training: True})
        r["moving_after_3_steps"] = s.run([mm, mv])
        s.run(step, {x: xs})
        r["moving_after_infer_step"] = s.run([mm, mv])
        r["infer_after"] = s.run(h, {x: xs})
        r["fixed"] = s.run([fixed_train, fixed_infer], {x: xs})
    r["no_channel_dim"] = r.error(lambda: tf.layers.batch_normalization(tf.placeholder(tf.float32, (None, None))),
                                  "undefined `axis` dimension")


@program
def gfile_api(tf, r):
    """tf.gfile on a temporary folder: files written and read back (text and bytes, lines, seek), listings,
    globs, walks, stats, copies and renames, and the errors of missing and existing paths."""
    import tempfile

    g = tf.gfile
    with tempfile.TemporaryDirectory() as d:
        sub = os.path.join(d, "a", "b")
        g.MakeDirs(sub)
        g.MakeDirs(sub)  # again: nothing
        with g.GFile(os.path.join(sub, "t.txt"), "w") as f:
            f.write("one\ntwo\nthree\n")
        with g.GFile(os.path.join(d, "a", "x.bin"), "wb") as f:
            f.write(b"\x00\x01\x02")
        with g.GFile(os.path.join(sub, "t.txt")) as f:
            r["readline"] = [f.readline(), f.tell()]
            f.seek(4)
            r["after_seek"] = f.read()
            r["size"] = f.size()
        with g.GFile(os.path.join(sub, "t.txt"), "r") as f:
            r["lines"] = f.readlines()
        with g.GFile(os.path.join(sub, "t.txt"), "r") as f:
            r["iterated"] = [line for line in f]
        r["bytes"] = g.GFile(os.path.join(d, "a", "x.bin"), "rb").read()
        r["exists"] = [g.Exists(sub), g.Exists(os.path.join(d, "nope")), g.IsDirectory(sub),
                       g.IsDirectory(os.path.join(d, "a", "x.bin"))]
        r["list"] = g.ListDirectory(os.path.join(d, "a"))
        r["glob"] = [os.path.relpath(p, d) for p in g.Glob(os.path.join(d, "a", "*"))]
        r["walk"] = [[os.path.relpath(top, d), sorted(dirs), sorted(files)] for top, dirs, files in g.Walk(d)]
        st = g.Stat(os.path.join(d, "a", "x.bin"))
        r["stat"] = [st.length, st.is_directory, g.Stat(sub).is_directory]
        g.Copy(os.path.join(d, "a", "x.bin"), os.path.join(d, "y.bin"))
        r["copy_exists"] = r.error(lambda: g.Copy(os.path.join(d, "a", "x.bin"), os.path.join(d, "y.bin")))
        g.Copy(os.path.join(d, "a", "x.bin"), os.path.join(d, "y.bin"), overwrite=True)
        r["rename_exists"] = r.error(lambda: g.Rename(os.path.join(d, "y.bin"), os.path.join(d, "a", "x.bin")))
        g.Rename(os.path.join(d, "y.bin"), os.path.join(d, "z.bin"))
        r["after_rename"] = sorted(g.ListDirectory(d))
        r["mkdir_exists"] = r.error(lambda: g.MkDir(sub))
        r["read_missing"] = r.error(lambda: g.GFile(os.path.join(d, "nope")).read(), "No such file or directory")
        r["remove_missing"] = r.error(lambda: g.Remove(os.path.join(d, "nope")))
        r["list_missing"] = r.error(lambda: g.ListDirectory(os.path.join(d, "nope")))
        r["delete_missing"] = r.error(lambda: g.DeleteRecursively(os.path.join(d, "nope")))
        r["write_in_missing_dir"] = r.error(lambda: g.GFile(os.path.join(d, "no", "f"), "w").write("x"))
        g.DeleteRecursively(os.path.join(d, "a"))
        g.Remove(os.path.join(d, "z.bin"))
        r["emptied"] = g.ListDirectory(d)
        r["io_gfile"] = [tf.io.gfile.exists(d), tf.io.gfile.listdir(d), tf.io.gfile.isdir(d)]


# --- tf.data -------------------------------------------------------------------------------------------------

def _spec(ds_or_it):
    """output_types / output_shapes / output_classes of a Dataset or Iterator, as strings (nesting kept)."""
    return [repr(ds_or_it.output_types), repr(ds_or_it.output_shapes),
            repr([c.__name__ for c in _flat_values(ds_or_it.output_classes)])]


def _flat_values(x):
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in _flat_values(x[k])]
    if isinstance(x, (tuple, list)):
        return [v for item in x for v in _flat_values(item)]
    return [x]


def _drain(tf, s, nxt, limit=50, feed=None):
    """Every element `nxt` gives in session `s`, as the classic loop reads them, and the error that ended it."""
    out = []
    while len(out) < limit:
        try:
            out.append(s.run(nxt, feed))
        except tf.errors.OutOfRangeError as e:
            return out + [{"end": type(e).__name__, "msg_has_end_of_sequence": "End of sequence" in str(e)}]
    return out


def _all(tf, ds, limit=50):
    """Every element of `ds` through a one-shot iterator in a fresh session."""
    nxt = tf.data.make_one_shot_iterator(ds).get_next()
    with tf.Session() as s:
        return _drain(tf, s, nxt, limit)


@program
def data_sources(tf, r):
    feats = np.arange(12, dtype=np.float32).reshape(4, 3)
    labels = np.array([0, 1, 0, 1])
    ds = {"slices_tuple": tf.data.Dataset.from_tensor_slices((feats, labels)),
          "slices_dict": tf.data.Dataset.from_tensor_slices({"x": feats, "y": labels}),
          "slices_list": tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]]),
          "slices_nested": tf.data.Dataset.from_tensor_slices(({"a": labels, "b": feats}, np.arange(4.0))),
          "slices_graph_tensor": tf.data.Dataset.from_tensor_slices(tf.constant([1.5, 2.5])),
          "tensors": tf.data.Dataset.from_tensors((feats, np.int32(7))),
          "range_stop": tf.data.Dataset.range(4),
          "range_start_stop_step": tf.data.Dataset.range(10, 2, -3),
          "range_empty": tf.data.Dataset.range(3, 3),
          "strings": tf.data.Dataset.from_tensor_slices(np.array([b"a", b"bc"]))}

    def gen():
        for i in range(3):
            yield [float(i)] * (i + 1), i

    ds["generator"] = tf.data.Dataset.from_generator(gen, (tf.float32, tf.int64),
                                                     (tf.TensorShape([None]), tf.TensorShape([])))
    ds["generator_no_shapes"] = tf.data.Dataset.from_generator(lambda: iter([1, 2]), tf.int32)
    ds["generator_args"] = tf.data.Dataset.from_generator(lambda n: iter(range(n)), tf.int64, (), args=(3,))
    for k, d in ds.items():
        r[f"spec:{k}"] = _spec(d)
        r[f"values:{k}"] = _all(tf, d)
    nxt = tf.data.make_one_shot_iterator(ds["slices_dict"]).get_next()
    r["get_next"] = {k: [v.name, dims(v), v.dtype.name] for k, v in nxt.items()}
    r["sizes_differ"] = r.error(lambda: tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4))),
                                "Dimensions 3 and 4 are not compatible")
    r["scalar_slices"] = r.error(lambda: tf.data.Dataset.from_tensor_slices(np.float32(1.0)), "rank")

    floats = tf.data.Dataset.from_generator(lambda: iter([1.5, -2.7]), tf.int64, ())
    r["generator_float_to_int64"] = _all(tf, floats)
    words = tf.data.Dataset.from_generator(lambda: iter(["x", "é"]), tf.string, ())
    r["generator_str_to_string"] = _all(tf, words)
    bad = tf.data.Dataset.from_generator(lambda: iter([[1, 2]]), tf.int64, ())
    r["generator_wrong_shape"] = r.error(lambda: _all(tf, bad), "yielded an element of shape (2,) where an "
                                                                "element of shape () was expected")


@program
def data_transformations(tf, r):
    ten = tf.data.Dataset.range(10)
    pairs = tf.data.Dataset.from_tensor_slices((np.arange(6), np.arange(6, dtype=np.float32) / 2))
    ragged = tf.data.Dataset.range(1, 5).map(lambda n: tf.fill([tf.cast(n, tf.int32)], n))
    ds = {"map": pairs.map(lambda i, x: (i * 2, x + 1.0)),
          "map_parallel": ten.map(lambda i: i * i, num_parallel_calls=4),
          "map_to_dict": pairs.map(lambda i, x: {"i": i, "x": tf.cast(x, tf.float64)}),
          "map_from_dict": tf.data.Dataset.from_tensor_slices({"a": np.arange(3), "b": np.ones(3)})
          .map(lambda d: d["a"] + tf.cast(d["b"], tf.int64)),
          "filter": ten.filter(lambda i: tf.equal(i % 3, 0)),
          "batch": ten.batch(4),
          "batch_drop": ten.batch(4, drop_remainder=True),
          "batch_tuple": pairs.batch(4),
          "padded_batch": ragged.padded_batch(2, padded_shapes=[None]),
          "padded_batch_fixed": ragged.padded_batch(3, padded_shapes=[5], padding_values=tf.constant(-1, tf.int64)),
          "padded_batch_drop": ragged.padded_batch(3, padded_shapes=[None], drop_remainder=True),
          "unbatch": ten.batch(3).unbatch(),
          "repeat": tf.data.Dataset.range(3).repeat(2),
          "take": ten.take(3),
          "take_all": ten.take(-1),
          "skip": ten.skip(7),
          "skip_past_end": ten.skip(20),
          "zip": tf.data.Dataset.zip((ten, tf.data.Dataset.range(100, 103))),
          "zip_dict": tf.data.Dataset.zip({"a": ten.take(2), "b": pairs}),
          "concatenate": tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7)),
          "flat_map": tf.data.Dataset.range(1, 4).flat_map(
              lambda n: tf.data.Dataset.range(n).map(lambda i: n * 10 + i)),
          "interleave": tf.data.Dataset.range(1, 4).interleave(
              lambda n: tf.data.Dataset.from_tensors(n).repeat(n), cycle_length=2, block_length=2),
          "prefetch": ten.batch(3).prefetch(2),
          "cache_repeat": ten.take(3).cache().repeat(2),
          "chain": pairs.shuffle(1).repeat(2).map(lambda i, x: x, num_parallel_calls=2).batch(5).prefetch(1)}
    for k, d in ds.items():
        r[f"spec:{k}"] = _spec(d)
        r[f"values:{k}"] = _all(tf, d)
    n = tf.placeholder(tf.int64, (), name="n")
    fed = tf.data.Dataset.range(10).batch(n)
    r["spec:batch_fed_size"] = _spec(fed)
    r["spec:batch_fed_drop"] = _spec(tf.data.Dataset.range(10).batch(n, drop_remainder=True))
    r["bad_filter"] = r.error(lambda: ten.filter(lambda i: i), "`predicate`", "scalar")
    r["zip_mismatch"] = r.error(lambda: ten.concatenate(pairs))
    r["batch_ragged"] = r.error(lambda: _all(tf, tf.data.Dataset.range(1, 4).map(lambda n: tf.range(n)).batch(2)),
                                "Cannot", "batch")


@program
def nest_api(tf, r):
    # tf.nest: sorted dict keys, namedtuples, None leaves, composites opened only when asked, TF's errors
    P = collections.namedtuple("P", "x y")
    Q = collections.namedtuple("Q", "x y")
    nested = {"b": [1, None, (2, 3)], "a": P(4, {"z": 5, "y": 6})}
    r["flatten"] = tf.nest.flatten(nested)
    r["flatten_leaf"] = [tf.nest.flatten(None), tf.nest.flatten(7), tf.nest.flatten([[], {}, ()])]
    r["is_nested"] = [tf.nest.is_nested(v) for v in ([], (), {}, "ab", None, {1}, np.zeros(2), P(1, 2))]
    packed = tf.nest.pack_sequence_as(nested, list(range(7)))
    r["pack"] = [packed["b"], list(packed["a"]), type(packed["a"]).__name__, list(packed["a"].y.items())]
    ordered = tf.nest.pack_sequence_as(collections.OrderedDict([("b", 0), ("a", 0)]), [1, 2])
    r["pack_ordered"] = [type(ordered).__name__, list(ordered.items())]
    r["pack_leaf"] = tf.nest.pack_sequence_as(1, [9])
    r["pack_empty"] = tf.nest.pack_sequence_as([[], 1, {}], [5])
    r["map"] = list(tf.nest.map_structure(lambda a, b: a + b, P(1, 2), P(10, 20)))
    r["map_dicts"] = tf.nest.map_structure(lambda a, b: [a, b], {"a": 1, "b": 2},
                                           collections.OrderedDict([("b", 3), ("a", 4)]))
    r["map_unchecked"] = tf.nest.map_structure(lambda a, b: a * b, [1, 2], (3, 4), check_types=False)
    r["map_none"] = r.error(lambda: tf.nest.map_structure(lambda a: a * 2, [None]), "NoneType")
    r["map_nothing"] = r.error(lambda: tf.nest.map_structure(abs), "Must provide at least one structure")
    r["map_kwarg"] = r.error(lambda: tf.nest.map_structure(abs, [1], foo=1),
                             "Only valid keyword arguments are `check_types` and `expand_composites`, not: `foo`")
    r["map_types"] = r.error(lambda: tf.nest.map_structure(lambda a, b: a, [1, 2], (1, 2)),
                             "The two structures don't have the same nested structure.",
                             "don't have the same sequence type", "Entire first structure:\n[., .]")
    r["same_len"] = r.error(lambda: tf.nest.assert_same_structure((1, 2), (1, 2, 3)),
                            "don't have the same number of elements",
                            "First structure: type=tuple str=(1, 2). Second structure: type=tuple str=(1, 2, 3)")
    r["same_nesting"] = r.error(lambda: tf.nest.assert_same_structure([1, {"a": (1, 2)}], [1, {"a": (1, [2])}]),
                                'Substructure "type=list str=[2]" is a sequence, while substructure '
                                '"type=int str=2" is not', "Entire second structure:\n[., {'a': (., [.])}]")
    r["same_keys"] = r.error(lambda: tf.nest.assert_same_structure({"a": 1}, {"b": 1}),
                             "The two dictionaries don't have the same set of keys. First structure has keys "
                             "type=list str=['a'], while second structure has keys type=list str=['b']")
    r["same_namedtuple"] = r.error(lambda: tf.nest.assert_same_structure(P(1, 2), Q(1, 2)),
                                   "First structure type=P str=P(x=1, y=2) has type P, while second structure "
                                   "type=Q str=Q(x=1, y=2) has type Q", "Entire first structure:\nP(x=., y=.)")
    tf.nest.assert_same_structure(P(1, 2), collections.namedtuple("P", "x y")(3, 4))
    tf.nest.assert_same_structure({"a": 1}, collections.OrderedDict(a=2))
    tf.nest.assert_same_structure([1, 2], (1, 2), check_types=False)
    r["pack_short"] = r.error(lambda: tf.nest.pack_sequence_as([1, [2]], [1]),
                              "Could not pack sequence. Structure had 2 atoms, but flat_sequence had 1 items.  "
                              "Structure: [1, [2]], flat_sequence: [1].")
    r["pack_into_leaf"] = r.error(lambda: tf.nest.pack_sequence_as(1, [1, 2]),
                                  "The target structure is of type `<class 'int'>`",
                                  "However the input is a sequence (<class 'list'>) of length 2.")
    r["pack_not_list"] = r.error(lambda: tf.nest.pack_sequence_as([1], 5), "Attempted to pack value:\n  5\n",
                                 "found incompatible type `<class 'int'>` instead.")
    r["unsortable"] = r.error(lambda: tf.nest.flatten({1: "a", "b": 2}), "not supported between instances")
    sp = tf.SparseTensor([[0, 1]], [1.0], [2, 2])
    r["sparse_leaf"] = len(tf.nest.flatten({"s": sp}))
    parts = tf.nest.flatten({"s": sp}, expand_composites=True)
    r["sparse_parts"] = [p.dtype.name for p in parts]
    rebuilt = tf.nest.pack_sequence_as({"s": sp}, parts, expand_composites=True)
    r["sparse_rebuilt"] = [type(rebuilt["s"]).__name__, rebuilt["s"].indices is sp.indices]
    doubled = tf.nest.map_structure(lambda t: t * 2 if t.dtype == tf.float32 else t, [sp], expand_composites=True)
    with tf.Session() as s:
        r["sparse_doubled"] = s.run(doubled[0].values)
    r["composite_vs_list"] = r.error(lambda: tf.nest.assert_same_structure(sp, [1, 2, 3], expand_composites=True))


@program
def ragged_api(tf, r):
    # tf.ragged on one ragged dimension: factories, segment ids, stack, masks, map_flat_values, crosses
    s = tf.Session()

    def rows(x):
        return s.run(x).to_list()
    a = tf.ragged.constant([[1, 2], [3]])
    r["constant"] = [str(a.shape), a.dtype.name, a.row_splits.dtype.name, r.ops(), rows(a)]
    r["constant_dtypes"] = [tf.ragged.constant(v).dtype.name for v in ([[1.5], []], [["a"], []], [[], []])]
    b = tf.ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1)
    r["constant_inner"] = [str(b.shape), b.ragged_rank, rows(b)]
    r["constant_int32_splits"] = tf.ragged.constant([[1.0], [2, 3]], row_splits_dtype=tf.int32).row_splits.dtype.name
    v = tf.ragged.constant_value([[1, 2], [3]])
    r["constant_value"] = [v.values, v.row_splits, v.to_list(), str(v.dtype), v.flat_values, list(v.nested_row_splits),
                           v.ragged_rank, list(v.shape)]
    r["constant_value_inner"] = tf.ragged.constant_value([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1).values
    r["constant_value_dense"] = tf.ragged.constant_value([[1], [2]], ragged_rank=0)
    r["depths"] = r.error(lambda: tf.ragged.constant([[1, 2], 3]), "all scalar values must have the same nesting depth")
    r["inner"] = r.error(lambda: tf.ragged.constant([[[1, 2]], [[3]]], ragged_rank=1), "inner values have inconsistent")
    r["too_ragged"] = r.error(lambda: tf.ragged.constant([[1], [2]], ragged_rank=2),
                              "pylist has scalar values depth 2, but ragged_rank=2 requires scalar value depth "
                              "greater than 2")
    p = tf.ragged.placeholder(tf.float32, 1, [2])
    r["placeholder"] = [str(p.values), str(p.row_splits), str(p.shape)]
    r["placeholder_fed"] = s.run(p, {p: tf.ragged.constant_value([[[1, 2]], []], ragged_rank=1,
                                                                  dtype="float32")}).to_list()
    rg = tf.ragged.range([3, 0, 5], [5, 3, 9], [1, 1, 2])
    r["range"] = [str(rg.shape), rg.dtype.name, rows(rg), rg.values.op.type]
    r["range_more"] = [rows(tf.ragged.range(4)), rows(tf.ragged.range([2, 3])),
                       rows(tf.ragged.range([0.5, 1.0], [2.0, 2.0], 0.5)),
                       tf.ragged.range(0, [2, 1], dtype=tf.int64).dtype.name]
    r["range_delta"] = r.error(lambda: s.run(tf.ragged.range([0], [2], [0])), "Requires delta != 0")
    ids = tf.ragged.row_splits_to_segment_ids([0, 2, 2, 5])
    r["segment_ids"] = [ids.dtype.name, s.run(ids),
                        s.run(tf.ragged.row_splits_to_segment_ids(tf.constant([0, 1, 3]), out_type=tf.int32))]
    r["row_splits"] = [s.run(tf.ragged.segment_ids_to_row_splits([0, 0, 2, 2, 2])),
                       s.run(tf.ragged.segment_ids_to_row_splits([0, 0, 2], num_segments=5)),
                       s.run(tf.ragged.segment_ids_to_row_splits(tf.constant([1, 1]), out_type=tf.int32)),
                       s.run(tf.ragged.segment_ids_to_row_splits([]))]
    r["splits_rank"] = r.error(lambda: tf.ragged.row_splits_to_segment_ids([[0, 1]]), "must have rank 1")
    st = tf.ragged.stack([tf.constant([1, 2, 3]), tf.constant([4])])
    r["stack"] = [str(st.shape), rows(st), rows(tf.ragged.stack([[1, 2], [3]])),
                  s.run(tf.ragged.stack([tf.constant([1, 2]), tf.constant([4, 5])], axis=1))]
    r["stack_empty"] = r.error(lambda: tf.ragged.stack([]), "rt_inputs may not be empty.")
    m = tf.ragged.boolean_mask(tf.constant([[1, 2, 3], [4, 5, 6]]), tf.constant([[True, False, True],
                                                                                [False, False, True]]))
    r["mask"] = [str(m.shape), rows(m),
                 s.run(tf.ragged.boolean_mask(tf.constant([[1, 2, 3], [4, 5, 6]]), tf.constant([True, False]))),
                 rows(tf.ragged.boolean_mask(a, tf.ragged.constant([[True, False], [True]]))),
                 rows(tf.ragged.boolean_mask(a, tf.constant([False, True]))),
                 rows(tf.ragged.boolean_mask(tf.constant([[[1], [2]], [[3], [4]]]),
                                             tf.constant([[True, False], [True, True]])))]
    r["mask_shapes"] = r.error(lambda: tf.ragged.boolean_mask(tf.constant([[1, 2], [3, 4]]),
                                                              tf.constant([True, False, True])),
                               "Shapes (2,) and (3,) are incompatible")
    b2 = tf.ragged.constant([[10, 20], [30]])
    r["map_flat_values"] = [rows(tf.ragged.map_flat_values(tf.add, a, b2)),
                            rows(tf.ragged.map_flat_values(tf.multiply, a, 3)),
                            rows(tf.ragged.map_flat_values(lambda x, y: x * y, a, y=[1, 2, 3])),
                            rows(tf.ragged.map_flat_values(lambda x: tf.stack([x, x], 1), a)),
                            s.run(tf.ragged.map_flat_values(tf.add, 1, 2))]
    c = tf.ragged.constant([[1], [2, 3]])
    r["map_splits"] = r.error(lambda: s.run(tf.ragged.map_flat_values(tf.add, a, c)),
                              "partitions have incompatible row_splits")
    r["map_sizes"] = r.error(lambda: tf.ragged.map_flat_values(tf.add, a, tf.ragged.constant([[1]])),
                             "Input RaggedTensors' flat_values must all have the same outer-dimension size.  "
                             "Got sizes: {1, 3}")
    r["map_output"] = r.error(lambda: tf.ragged.map_flat_values(lambda x: x[:1], a),
                              "(output shape: (1,); expected outer dimension size: 3)")
    words = tf.ragged.constant([["a", "b"], ["c"]])
    r["cross"] = [rows(tf.ragged.cross([words, tf.ragged.constant([["d"], ["e"]]), tf.constant([["f"], ["g"]])])),
                  rows(tf.ragged.cross([tf.constant([["f"], ["g"]]), words])),
                  rows(tf.ragged.cross([tf.ragged.constant([[1, 2], [3]]),
                                        tf.SparseTensor([[0, 0], [1, 0]], ["x", "y"], [2, 1])]))]
    r["cross_hashed"] = [rows(tf.ragged.cross_hashed([words, tf.constant([["f"], ["g"]])], num_buckets=100)),
                         rows(tf.ragged.cross_hashed([words]))]
    r["partitions"] = [rows(tf.ragged.stack_dynamic_partitions([10, 20, 30, 40, 50], [1, 0, 1, 3, 1], 4)),
                       rows(tf.ragged.stack_dynamic_partitions(tf.constant([[1, 2], [3, 4], [5, 6]]),
                                                               tf.constant([2, 0, 2]), 3))]
    r["partition_range"] = r.error(lambda: s.run(tf.ragged.stack_dynamic_partitions([1, 2], [0, 5], 3)))


@program
def type_specs(tf, r):
    # the TypeSpec family, type_spec_from_value, is_symbolic_tensor, tf.queue and tf.types names
    r["reprs"] = [repr(x) for x in (
        tf.SparseTensorSpec(), tf.SparseTensorSpec([2, None], tf.int32), tf.RaggedTensorSpec(ragged_rank=1),
        tf.RaggedTensorSpec([2, None], tf.int32, 1), tf.RaggedTensorSpec([2, None]), tf.IndexedSlicesSpec(),
        tf.TensorArraySpec([2], tf.int32), tf.NoneTensorSpec(), tf.OptionalSpec(tf.TensorSpec([2])),
        tf.TensorSpec([2, None], name="x"))]
    c = tf.constant([1.0], name="c")
    r["from_value"] = [repr(tf.type_spec_from_value(v)) for v in (
        c, tf.SparseTensor([[0]], [1.0], [3]), tf.ragged.constant([[1], [2, 3]]), np.zeros((2, 3)), 5, [1, 2], "abc",
        None, tf.IndexedSlices(c, tf.constant([0])), tf.TensorArray(tf.float32, 3))]
    r["from_object"] = r.error(lambda: tf.type_spec_from_value(object()), "Could not build a TypeSpec for",
                               "of unsupported type <class 'object'>.")
    r["no_ragged_rank"] = r.error(lambda: tf.RaggedTensorSpec(),
                                  "Must specify ragged_rank or a shape with a known rank.")
    r["abstract"] = r.error(lambda: tf.TypeSpec(), "Can't instantiate abstract class TypeSpec")
    r["tensor_spec"] = [repr(tf.TensorSpec.from_tensor(c)),
                        repr(tf.TensorSpec.from_spec(tf.TensorSpec([2]), name="y")),
                        tf.TensorSpec([2]).is_compatible_with(c), tf.TensorSpec([1]).is_compatible_with(c),
                        tf.TensorSpec([None], tf.int32).is_compatible_with(c),
                        tf.TensorSpec([2]).is_compatible_with(tf.TensorSpec([None])),
                        repr(tf.TensorSpec([2]).most_specific_common_supertype([tf.TensorSpec([3])])),
                        tf.TensorSpec([2]).is_subtype_of(tf.TensorSpec([None])),
                        tf.TensorSpec([None]).is_subtype_of(tf.TensorSpec([2]))]
    r["equality"] = [tf.SparseTensorSpec([2]) == tf.SparseTensorSpec([2]),
                     tf.SparseTensorSpec([2]) == tf.SparseTensorSpec([3]),
                     hash(tf.RaggedTensorSpec([2, None])) == hash(tf.RaggedTensorSpec([2, None])),
                     isinstance(tf.TensorSpec([2]), tf.TypeSpec), isinstance(tf.SparseTensorSpec(), tf.TypeSpec)]
    r["compatible"] = [tf.SparseTensorSpec([2]).is_compatible_with(tf.SparseTensor([[0]], [1.0], [2])),
                       tf.SparseTensorSpec([None]).is_compatible_with(tf.SparseTensorSpec([4])),
                       tf.SparseTensorSpec([2]).is_compatible_with(tf.SparseTensorSpec([2], tf.int32)),
                       tf.SparseTensorSpec([2]).is_compatible_with(tf.TensorSpec([2]))]
    r["ragged_spec"] = [tf.RaggedTensorSpec([2, None]).ragged_rank, tf.RaggedTensorSpec([2, None, 3]).ragged_rank,
                        tf.RaggedTensorSpec([2, None]).row_splits_dtype.name]
    r["value_types"] = [s.value_type.__name__ for s in (tf.TensorSpec([2]), tf.SparseTensorSpec(),
                                                         tf.RaggedTensorSpec([None, None]), tf.IndexedSlicesSpec(),
                                                         tf.TensorArraySpec())]
    r["symbolic"] = [tf.is_symbolic_tensor(c), tf.is_symbolic_tensor(np.zeros(2)),
                     tf.is_symbolic_tensor(tf.SparseTensor([[0]], [1.0], [3])), tf.is_symbolic_tensor(3.0)]
    r["queue"] = [tf.queue.FIFOQueue is tf.FIFOQueue, tf.queue.RandomShuffleQueue is tf.RandomShuffleQueue,
                  tf.queue.PaddingFIFOQueue is tf.PaddingFIFOQueue, tf.queue.PriorityQueue is tf.PriorityQueue,
                  tf.queue.QueueBase is tf.QueueBase]
    ft = tf.types.experimental.FunctionType.from_callable(lambda a, b=1: a)
    r["function_type"] = [str(ft), list(ft.parameters), int in tf.types.experimental.TensorLike.__args__]


@program
def misc_aliases(tf, r):
    # tf.fingerprint bit for bit, TF 1's top-level FFT names and casts, tf.io.gfile.join
    s = tf.Session()
    rng = np.random.RandomState(0)
    words = ["", "a", "hello", "x" * 17, "y" * 40, "z" * 70, "w" * 200, "\u00e9t\u00e9"]
    f = tf.fingerprint(tf.constant(words))
    r["fingerprint_words"] = [str(f), s.run(f)]
    r["fingerprint_values"] = [s.run(tf.fingerprint(v)) for v in (
        tf.constant([[1, 2], [3, 4]], tf.int32), tf.constant([1.5, 2.0]), tf.constant(rng.randn(3, 5)),
        tf.constant([True, False]), tf.constant([["a", "b"], ["c", ""]]), tf.zeros([2, 0]),
        tf.constant(np.arange(60, dtype=np.int64).reshape(2, 30)))]
    r["fingerprint_scalar"] = r.error(lambda: tf.fingerprint(tf.constant(1)),
                                      "Shape must be at least rank 1 but is rank 0")
    r["fingerprint_method"] = r.error(lambda: tf.fingerprint(tf.constant([1]), method="x"), "Unsupported method: x")
    c = tf.to_complex64(tf.constant([1.0, 2.0]))
    r["to_complex"] = [str(c), tf.to_complex128(tf.constant([1])).dtype.name, s.run(c)]
    x = tf.constant(rng.randn(2, 4).astype(np.float32))
    r["fft_aliases"] = [tf.fft is tf.signal.fft, tf.ifft2d is tf.signal.ifft2d, tf.fft3d is tf.signal.fft3d,
                        hasattr(tf, "rfft")]
    spectrum = tf.rfftnd(x, [2, 4], [0, 1])  # TF's CPU build has no N-d FFT kernels: only the graph is compared
    back = tf.irfftnd(spectrum, [2, 4], [0, 1])
    z = tf.ifftnd(tf.fftnd(tf.complex(x, x), [4], [1]), [4], [1])
    r["nd_graph"] = [[spectrum.op.type, spectrum.dtype.name]] + [[t.op.type, t.dtype.name, dims(t)]
                                                                  for t in (back, z)]
    r["gfile_join"] = [tf.io.gfile.join("gs://x/", "/y/", "z"), tf.io.gfile.join("a/", "b", "/c", "d"),
                       tf.io.gfile.join(b"a", b"b"), tf.io.gfile.join("ram://a", "b//", "c"), tf.io.gfile.join("f")]


@program
def accumulators(tf, r):
    # ConditionalAccumulator / SparseConditionalAccumulator: stale gradients dropped, means, sums, TF's errors
    s = tf.Session()
    q = tf.ConditionalAccumulator(tf.float32, shape=[2])
    g, step = tf.placeholder(tf.float32, [2]), tf.placeholder(tf.int64, [])
    apply, count, take = q.apply_grad(g, local_step=step), q.num_accumulated(), q.take_grad(2)
    r["dense_graph"] = [q.name, q.dtype.name, apply.type, str(count), take.op.type, dims(take),
                        q.set_global_step(5).type]
    s.run(apply, {g: [1, 2], step: 0})
    s.run(apply, {g: [3, 4], step: 0})
    r["dense_mean"] = [s.run(count), s.run(take), s.run(count)]
    s.run(apply, {g: [1, 2], step: 0})
    after_stale = s.run(count)
    s.run(apply, {g: [5, 7], step: 1})
    r["dense_stale"] = [after_stale, s.run(count), s.run(q.take_grad(1))]
    s.run(q.set_global_step(5))
    s.run(apply, {g: [1, 2], step: 4})
    s.run(apply, {g: [1, 2], step: 5})
    r["dense_set_step"] = s.run(count)
    summed = tf.ConditionalAccumulator(tf.float64, shape=[2], reduction_type="SUM")
    x = tf.constant([1.0, 1.0], tf.float64)
    s.run(summed.apply_grad(x))
    s.run(summed.apply_grad(x * 3))
    r["dense_sum"] = s.run(summed.take_grad(2))
    r["dense_shapes"] = [dims(tf.ConditionalAccumulator(tf.float32).take_grad(1)),
                         dims(tf.ConditionalAccumulator(tf.float64, shape=[None, 2]).take_grad(1))]
    r["bad_shape"] = r.error(lambda: q.apply_grad([1.0, 2.0, 3.0]), "Shapes (3,) and (2,) are incompatible")
    r["bad_required"] = r.error(lambda: s.run(q.take_grad(0)), "Argument num_required must be positive, but was 0")
    r["bad_reduction"] = r.error(lambda: tf.ConditionalAccumulator(tf.float32, reduction_type="X"),
                                 "Attr 'reduction_type' of 'ResourceConditionalAccumulator' Op passed string 'X' "
                                 'not in: "MEAN", "SUM".')
    free, p = tf.ConditionalAccumulator(tf.float32), tf.placeholder(tf.float32)
    s.run(free.apply_grad(p), {p: [1.0, 2.0]})
    r["run_shape"] = r.error(lambda: s.run(free.apply_grad(p), {p: [1.0, 2.0, 3.0]}),
                             "Shape mismatch: expected [2], got [3]")
    sq = tf.SparseConditionalAccumulator(tf.float32, shape=[4, 2])
    s.run(sq.apply_grad([0, 1], [[1.0, 1.0], [2.0, 2.0]]))
    s.run(sq.apply_grad([1, 2], [[5.0, 5.0], [6.0, 6.0]]))
    r["sparse_count"] = s.run(sq.num_accumulated())
    r["sparse_mean"] = list(s.run(sq.take_grad(2)))
    s.run(sq.apply_indexed_slices_grad(tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([3], tf.int64),
                                                        tf.constant([4, 2], tf.int64)), local_step=1))
    taken = s.run(sq.take_indexed_slices_grad(1))
    r["sparse_slices"] = [taken.indices, taken.values, taken.dense_shape]
    sq2 = tf.SparseConditionalAccumulator(tf.float32, shape=[4, 2], reduction_type="SUM")
    s.run(sq2.apply_grad([0, 1], [[1.0, 1.0], [2.0, 2.0]]))
    s.run(sq2.apply_grad([1], [[5.0, 5.0]]))
    r["sparse_sum"] = list(s.run(sq2.take_grad(2)))
    r["sparse_stale_unchecked"] = r.error(lambda: s.run(sq2.apply_grad([0], [[1.0, 1.0, 1.0]])))
    sq2 = tf.SparseConditionalAccumulator(tf.float32, shape=[4, 2])
    r["sparse_values_dim"] = r.error(lambda: s.run(sq2.apply_grad([0], [[1.0, 1.0, 1.0]])),
                                     "Shape mismatch: expected values dim 1 to be 2, got 3")
    r["sparse_count_mismatch"] = r.error(lambda: s.run(sq2.apply_grad([0, 1], [[1.0, 1.0]])),
                                         "Expected 2 non-empty input values, got 1")
    r["sparse_dense_shape"] = r.error(lambda: s.run(sq2.apply_grad([0], [[1.0, 1.0]], grad_shape=[5, 2])),
                                      "Shape mismatch: expected shape dim 0 to be 4, got 5")
    sq3 = tf.SparseConditionalAccumulator(tf.float32)
    s.run(sq3.apply_grad([0, 2], [[1.0, 1.0], [3.0, 3.0]]))
    r["sparse_unknown_shape"] = list(s.run(sq3.take_grad(1)))


@program
def session_tensors_and_partitions(tf, r):
    # persistent tensors (get_session_handle / get_session_tensor / delete_session_tensor), guarantee_const,
    # create_partitioned_variables
    s = tf.Session()
    c = tf.constant([1.0, 2.0]) * 3
    h = tf.get_session_handle(c)
    r["handle_graph"] = [str(h), h.op.type, h.dtype.name]
    first = s.run(h)
    second, value = s.run([h, c])
    r["handles"] = [type(first).__name__, first.handle, second.handle, str(first), value]
    holder, t = tf.get_session_tensor(first.handle, tf.float32)
    r["read"] = [holder.dtype.name, t.op.type, t.dtype.name, dims(t), s.run(t * 2, {holder: first.handle})]
    with s.as_default():
        r["eval"] = first.eval()
    dholder, deleter = tf.delete_session_tensor(first.handle)
    r["deleter"] = [dholder.dtype.name, deleter.type]
    s.run(deleter, {dholder: first.handle})
    r["deleted"] = r.error(lambda: s.run(t, {holder: first.handle}), "is not in the session store.",
                           first.handle)
    r["other_still_there"] = s.run(t, {holder: second.handle})
    x = tf.constant([1.0, 2.0])
    g = tf.guarantee_const(x * 2)
    r["guarantee_const"] = [str(g), g.op.type, s.run(g)]
    r["guarantee_const_grad"] = r.error(lambda: tf.gradients(tf.reduce_sum(g), x), "No gradient defined for operation",
                                        "GuaranteeConst")
    parts = tf.create_partitioned_variables([4, 3], [2, 1], tf.ones_initializer())
    sliced = tf.create_partitioned_variables([5, 2], [3, 1], np.arange(10).reshape(5, 2).astype("f"), name="q")
    s.run(tf.global_variables_initializer())
    r["partitions"] = [[v.name for v in parts + sliced], [dims(v) for v in parts + sliced], s.run(sliced),
                       [v.name for v in tf.global_variables()][-5:]]
    r["partition_lengths"] = r.error(lambda: tf.create_partitioned_variables([4, 3], [2], tf.ones_initializer()),
                                     "The 'shape' and 'slicing' of a partitioned Variable must have the length")
    r["partition_two_axes"] = r.error(lambda: tf.create_partitioned_variables([4, 3], [2, 2], tf.ones_initializer()),
                                      "Can only slice a variable along one dimension")


@program
def audio_wav(tf, r):
    # tf.audio: 16-bit PCM WAV bytes, TF's rounding and clamping, channels and samples asked for, errors
    s = tf.Session()
    rng = np.random.RandomState(3)
    a = np.concatenate([np.array([[0.0, 0.5], [-1.0, 1.0], [0.25, -0.3], [2.0, -2.0]]),
                        rng.uniform(-1.1, 1.1, (7, 2))]).astype(np.float32)
    e = tf.audio.encode_wav(a, 16000)
    data = s.run(e)
    r["encode"] = [str(e), e.op.type, list(data)]
    mono = s.run(tf.audio.encode_wav(a[:, :1], 44100))
    r["encode_mono"] = list(mono[:44])
    d = tf.audio.decode_wav(data)
    r["decode_graph"] = [type(d).__name__, str(d.audio), str(d.sample_rate)]
    out = s.run(d)
    r["decode"] = [out.audio, out.sample_rate]
    r["decode_channels"] = [s.run(tf.audio.decode_wav(data, desired_channels=n)).audio for n in (1, 3)]
    r["decode_samples"] = [s.run(tf.audio.decode_wav(data, desired_samples=n)).audio for n in (3, 14)]
    r["decode_shape"] = dims(tf.audio.decode_wav(data, desired_channels=2, desired_samples=5).audio)
    r["short"] = r.error(lambda: s.run(tf.audio.decode_wav(b"RIFFxxxx")), "Data too short when trying to read")
    r["not_riff"] = r.error(lambda: s.run(tf.audio.decode_wav(b"RIFX" + data[4:])), "Header mismatch")
    r["rank"] = r.error(lambda: tf.audio.encode_wav(np.zeros(3, np.float32), 8000),
                        "Shape must be rank 2 but is rank 1")
    r["empty"] = s.run(tf.audio.decode_wav(s.run(tf.audio.encode_wav(np.zeros((0, 1), np.float32), 8000)))).audio


@program
def batch_function_and_critical_section(tf, r):
    # nondifferentiable_batch_function: values, the BatchFunction op, no gradient; CriticalSection.execute
    s = tf.Session()

    @tf.nondifferentiable_batch_function(1, 4, 10000)
    def f(x, y):
        return x * 2 + y
    x, y = tf.placeholder(tf.float32, [None]), tf.placeholder(tf.float32, [None])
    o = f(x, y)
    r["batch"] = [o.name, dims(o), o.op.type, s.run(o, {x: [1, 2], y: [3, 4]})]
    r["batch_grad"] = r.error(lambda: tf.gradients(o, x), "No gradient defined for operation", "BatchFunction")
    cs = tf.CriticalSection(name="cs")
    v = tf.Variable(0.0)
    out = cs.execute(lambda: tf.assign_add(v, 1.0))
    s.run(v.initializer)
    r["critical"] = [cs.name, tf.CriticalSection().name, out.op.type, out.name.split("/")[0], s.run(out), s.run(out)]
    r["critical_nested"] = r.error(lambda: cs.execute(lambda: cs.execute(lambda: tf.constant(1.0))),
                                   "Attempting to lock a CriticalSection (signature=('', 'cs/', None)) in which "
                                   "we are already running. This is illegal and may cause deadlocks.")


@program
def mixed_precision_loss_scale(tf, r):
    # tf.mixed_precision: fixed and dynamic loss scales, TF's update rule, the loss-scale optimizer skipping overflows
    mp = tf.mixed_precision
    s = tf.Session()
    fixed = mp.FixedLossScale(128.0)
    r["fixed"] = [s.run(fixed()), fixed.get_config(), fixed.update([tf.constant(1.0)])[1],
                  mp.experimental.LossScale is mp.LossScale]
    d = mp.DynamicLossScale(initial_loss_scale=4.0, increment_period=2, multiplier=2.0)
    g = tf.placeholder(tf.float32, [2])
    update, finite = d.update([g])
    s.run(tf.global_variables_initializer())
    r["dynamic_config"] = [d.get_config(), d.initial_loss_scale, d.increment_period, d.multiplier,
                           [v.name for v in tf.global_variables()], [v.name for v in tf.trainable_variables()]]
    seen = []
    for value in ([1, 2], [1, 2], [1, 2], [np.inf, 1], [1, np.nan], [1, 2], [1, 2]):
        seen.append([bool(s.run([update, finite], {g: value})[1]), s.run(d())])
    r["dynamic_steps"] = seen
    r["abstract"] = r.error(lambda: mp.LossScale(), "Can't instantiate abstract class LossScale")
    w = tf.Variable([1.0, 2.0], name="w")
    x = tf.placeholder(tf.float32, [])
    opt = mp.MixedPrecisionLossScaleOptimizer(tf.train.AdamOptimizer(0.1), mp.DynamicLossScale(8.0, 2, 2.0))
    train = opt.minimize(tf.reduce_sum(w * w) * x)
    s.run(tf.global_variables_initializer())
    steps = []
    for xv in (1.0, np.inf, 1.0, 1.0):
        s.run(train, {x: xv})
        steps.append(s.run(w))
    r["optimizer_steps"] = steps
    r["rewrite_wraps"] = type(mp.enable_mixed_precision_graph_rewrite(tf.train.GradientDescentOptimizer(0.1),
                                                                      loss_scale=4.0)).__name__
    mp.disable_mixed_precision_graph_rewrite()


@program
def fake_quant(tf, r):
    # the fake_quant ops bit for bit: TF's nudged ranges, rounding, straight-through gradients, errors
    q = tf.quantization
    s = tf.Session()
    rng = np.random.RandomState(5)
    xs = np.concatenate([rng.uniform(-8, 8, 300), rng.uniform(-0.2, 1.5, 200), [-6, 6, 0, -0.5, 2]]).astype("f")
    x = tf.constant(xs)
    ranges = [(-6, 6, 8, False), (-0.1, 1.2, 4, True), (0.3, 1.7, 8, False), (-2.5, -0.5, 3, False),
              (-1.0, 1.0, 16, True), (-0.333, 5.1, 7, True)]
    r["args"] = [s.run(q.fake_quant_with_min_max_args(x, lo, hi, bits, narrow)) for lo, hi, bits, narrow in ranges]
    y = q.fake_quant_with_min_max_args(x)
    r["args_graph"] = [str(y), y.op.type, tf.fake_quant_with_min_max_args is q.fake_quant_with_min_max_args]
    r["args_grad"] = s.run(tf.gradients(tf.reduce_sum(y * x), x))
    r["args_gradient_op"] = s.run(q.fake_quant_with_min_max_args_gradient(tf.ones_like(x), x, -0.1, 1.2, 4, True))
    r["args_min_max"] = r.error(lambda: s.run(q.fake_quant_with_min_max_args(x, min=1.0, max=0.0)),
                                "min has to be smaller than max, was: 1 >= 0")
    r["args_bits"] = r.error(lambda: s.run(q.fake_quant_with_min_max_args(x, num_bits=1)),
                             "num_bits must be between 2 and 16, inclusive")
    lo, hi = tf.Variable(-0.5), tf.Variable(2.0)
    z = q.fake_quant_with_min_max_vars(x, lo, hi)
    s.run(tf.global_variables_initializer())
    r["vars"] = [z.op.type, s.run(z), s.run(tf.gradients(tf.reduce_sum(z * x), [x, lo, hi]))]
    narrow = q.fake_quant_with_min_max_vars(x, -3.0, 0.7, num_bits=5, narrow_range=True)
    r["vars_narrow"] = s.run(narrow)
    grads = s.run(q.fake_quant_with_min_max_vars_gradient(tf.ones_like(x), x, -0.5, 2.0))
    r["vars_gradient_op"] = [type(grads).__name__, list(grads)]
    xc = tf.constant(rng.uniform(-3, 5, (40, 3)).astype("f"))
    mins, maxs = tf.constant([-0.5, 0.0, -1.0]), tf.constant([1.0, 0.4, 4.0])
    zc = q.fake_quant_with_min_max_vars_per_channel(xc, mins, maxs, num_bits=6)
    r["per_channel"] = [zc.op.type, s.run(zc), s.run(tf.gradients(tf.reduce_sum(zc * xc), [xc, mins, maxs]))]
    pc = q.fake_quant_with_min_max_vars_per_channel_gradient(tf.ones_like(xc), xc, mins, maxs)
    r["per_channel_gradient_op"] = [type(pc).__name__, dims(pc.backprop_wrt_min), list(s.run(pc))]


@program
def data_iterators(tf, r):
    # one-shot: the classic end-of-data loop
    ds = tf.data.Dataset.from_tensor_slices(np.arange(5)).batch(2)
    it = ds.make_one_shot_iterator()
    nxt = it.get_next()
    r["one_shot"] = [nxt.name, dims(nxt), nxt.dtype.name, nxt.op.type]
    with tf.Session() as s:
        r["one_shot_values"] = _drain(tf, s, nxt)
        r["one_shot_after_end"] = r.error(lambda: s.run(nxt), "End of sequence")
    with tf.Session() as s:
        r["one_shot_new_session"] = s.run(nxt)
    # initializable, with a placeholder fed at initialization
    limit = tf.placeholder(tf.int64, (), name="limit")
    xs = tf.placeholder(tf.float32, (None, 2), name="xs")
    init_ds = tf.data.Dataset.from_tensor_slices(xs).take(limit)
    it2 = init_ds.make_initializable_iterator()
    nxt2 = it2.get_next()
    r["initializable"] = [nxt2.name, dims(nxt2), it2.initializer.type, _spec(it2)]
    data = np.arange(8, dtype=np.float32).reshape(4, 2)
    with tf.Session() as s:
        r["not_initialized"] = [r.error(lambda: s.run(nxt2), "GetNext() failed because the iterator has not "
                                                             "been initialized")["error"]]
        s.run(it2.initializer, {xs: data, limit: 3})
        r["initializable_values"] = _drain(tf, s, nxt2)
        s.run(it2.initializer, {xs: data[::-1], limit: 2})
        r["reinitialized_values"] = _drain(tf, s, nxt2)
        r["init_unfed"] = r.error(lambda: s.run(it2.initializer, {xs: data}),
                                  "You must feed a value for placeholder tensor 'limit'")["error"]
    # reinitializable: one iterator, two datasets of one structure
    train = tf.data.Dataset.range(6).map(lambda i: (tf.cast(i, tf.float32), i % 2)).batch(4)
    test = tf.data.Dataset.range(100, 103).map(lambda i: (tf.cast(i, tf.float32), i % 2)).batch(4)
    it3 = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    x3, y3 = it3.get_next()
    r["from_structure"] = [_spec(it3), [x3.name, y3.name, dims(x3)]]
    train_init, test_init = it3.make_initializer(train), it3.make_initializer(test)
    r["initializer_ops"] = [train_init.type, test_init.type]
    with tf.Session() as s:
        rounds = []
        for init in (train_init, test_init, train_init):
            s.run(init)
            rounds.append(_drain(tf, s, (x3, y3)))
        r["reinitializable_values"] = rounds
    others = {"scalar": tf.data.Dataset.range(3), "dict": tf.data.Dataset.range(3).map(lambda i: {"a": i, "b": i}),
              "three": tf.data.Dataset.range(3).map(lambda i: (i, i, i)),
              "types": tf.data.Dataset.range(3).map(lambda i: (tf.cast(i, tf.float32), tf.cast(i, tf.int32))),
              "shapes": tf.data.Dataset.range(3).map(lambda i: (tf.fill([2], 1.0), i))}
    r["make_initializer_mismatch"] = {k: r.error(lambda d=d: it3.make_initializer(d))["error"]
                                      for k, d in others.items()}
    # feedable: a string handle picks the iterator
    a = tf.data.Dataset.range(3).repeat()
    b = tf.data.Dataset.range(10, 13)
    handle = tf.placeholder(tf.string, shape=[], name="handle")
    it4 = tf.data.Iterator.from_string_handle(handle, a.output_types, a.output_shapes)
    nxt4 = it4.get_next()
    ia, ib = a.make_one_shot_iterator(), b.make_initializable_iterator()
    r["string_handle"] = [nxt4.name, dims(nxt4), ia.string_handle().dtype.name, dims(ia.string_handle())]
    with tf.Session() as s:
        ha, hb = s.run([ia.string_handle(), ib.string_handle()])
        r["handle_types"] = [type(ha).__name__, ha != hb]
        s.run(ib.initializer)
        seq = [s.run(nxt4, {handle: h}) for h in (ha, ha, hb, ha, hb, hb)]
        r["feedable_values"] = seq + _drain(tf, s, nxt4, feed={handle: hb})
        s.run(ib.initializer)
        r["feedable_after_reinit"] = s.run(nxt4, {handle: hb})
    # training until the data ends: the run that hits the end changes no variable
    w = tf.Variable(0.0, name="w")
    x = tf.data.Dataset.from_tensor_slices(np.array([1.0, 2.0, 3.0], np.float32)).make_one_shot_iterator().get_next()
    step = tf.assign_add(w, x)
    with tf.Session() as s:
        s.run(w.initializer)
        steps = 0
        while True:
            try:
                s.run(step)
                steps += 1
            except tf.errors.OutOfRangeError:
                break
        r["training_loop"] = [steps, s.run(w)]
    r["end_error_class"] = [tf.errors.OutOfRangeError.__name__,
                            issubclass(tf.errors.OutOfRangeError, tf.errors.OpError)]


@program
def data_shuffle(tf, r):
    base = tf.data.Dataset.range(10)
    orders = {}
    for name, d in {"seeded": base.shuffle(4, seed=7), "seeded_repeat": base.shuffle(4, seed=7).repeat(2),
                    "no_reshuffle_repeat": base.shuffle(10, seed=3, reshuffle_each_iteration=False).repeat(2),
                    "buffer_one": base.shuffle(1, seed=1), "full_buffer": base.shuffle(10, seed=5)}.items():
        a = _all(tf, d)
        orders[name] = a
        r[f"permutation:{name}"] = sorted(int(x) for x in a[:-1])
        r[f"same_next_session:{name}"] = [int(x) for x in _all(tf, d)[:-1]] == [int(x) for x in a[:-1]]
    r["buffer_one_in_order"] = [int(x) for x in orders["buffer_one"][:-1]]
    r["repeat_epochs_differ"] = orders["seeded_repeat"][:10] != orders["seeded_repeat"][10:20]
    r["no_reshuffle_epochs_same"] = [int(x) for x in orders["no_reshuffle_repeat"][:10]] == \
        [int(x) for x in orders["no_reshuffle_repeat"][10:20]]
    r["small_buffer_bound"] = all(int(x) <= i + 3 for i, x in enumerate(orders["seeded"][:-1]))
    r["orders"] = {k: [int(x) for x in v[:-1]] for k, v in orders.items()}
    # reinitializing an initializable iterator reshuffles (a new pass), same across sessions
    it = base.shuffle(10, seed=11).make_initializable_iterator()
    nxt = it.get_next()
    passes = []
    for _ in range(2):
        with tf.Session() as s:
            for _ in range(2):
                s.run(it.initializer)
                passes.append([int(x) for x in _drain(tf, s, nxt)[:-1]])
    r["reinit_reshuffles"] = [passes[0] != passes[1], passes[0] == passes[2], passes[1] == passes[3]]
    r["reinit_orders"] = passes[:2]
    tf.set_random_seed(42)
    r["graph_and_op_seed_orders"] = [int(x) for x in _all(tf, base.shuffle(10, seed=3))[:-1]]
    r["graph_seed_orders"] = [int(x) for x in _all(tf, base.shuffle(10))[:-1]]
    files = tempfile.mkdtemp()
    for i in range(6):
        open(os.path.join(files, f"part-{i}.txt"), "w").close()
    listed = _all(tf, tf.data.Dataset.list_files(os.path.join(files, "*.txt"), seed=4).repeat(2))
    r["list_files_order"] = [os.path.basename(x.decode()) for x in listed[:-1]]
    r["list_files_unshuffled"] = [os.path.basename(x.decode()) for x in _all(
        tf, tf.data.Dataset.list_files(os.path.join(files, "*.txt"), shuffle=False))[:-1]]
    r["bad_buffer"] = r.error(lambda: _all(tf, base.shuffle(0)), "buffer_size must be greater than zero")


@program
def data_tfrecord(tf, r):
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "train.tfrecord")
    rows = [(0, [0.5, 1.0], [1, 2, 3], [b"a"]), (1, [2.0, -1.0], [], [b"b", b"cd"]), (2, [3.0, 4.5], [7], [])]
    with tf.python_io.TFRecordWriter(path) as writer:
        for label, x, tokens, tags in rows:
            writer.write(tf.train.Example(features=tf.train.Features(feature={
                "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[label])),
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=x)),
                "tokens": tf.train.Feature(int64_list=tf.train.Int64List(value=tokens)),
                "tags": tf.train.Feature(bytes_list=tf.train.BytesList(value=tags)),
            })).SerializeToString())
    spec = {"label": tf.FixedLenFeature([], tf.int64), "x": tf.FixedLenFeature([2], tf.float32),
            "tokens": tf.VarLenFeature(tf.int64), "tags": tf.VarLenFeature(tf.string),
            "missing": tf.FixedLenFeature([1], tf.float32, default_value=[9.5])}
    seq_spec = {"tokens": tf.FixedLenSequenceFeature([], tf.int64, allow_missing=True, default_value=-1),
                "label": tf.FixedLenFeature([], tf.int64)}
    raw = tf.data.TFRecordDataset([path])
    r["spec:raw"] = _spec(raw)
    r["records"] = len(_all(tf, raw)) - 1
    single = raw.map(lambda s: tf.parse_single_example(s, spec))
    r["spec:single"] = _spec(single)
    r["values:single"] = _all(tf, single)
    dense = raw.map(lambda s: tf.parse_single_example(s, spec)).map(
        lambda f: (f["x"], f["label"], tf.sparse_tensor_to_dense(f["tokens"], default_value=-1)))
    r["values:padded"] = _all(tf, dense.padded_batch(2, padded_shapes=([2], [], [None]), padding_values=(
        0.0, tf.constant(0, tf.int64), tf.constant(-2, tf.int64))))
    batched = raw.batch(2).map(lambda s: tf.parse_example(s, {**spec, **seq_spec}))
    r["spec:batched"] = _spec(batched)
    r["values:batched"] = _all(tf, batched)
    names = tf.placeholder(tf.string, (None,), name="names")
    it = tf.data.TFRecordDataset(names).map(lambda s: tf.parse_single_example(s, spec)["label"]) \
        .make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as s:
        s.run(it.initializer, {names: [path, path]})
        r["files_fed"] = _drain(tf, s, nxt)
        s.run(it.initializer, {names: [os.path.join(folder, "nope.tfrecord")]})
        r["missing_file"] = r.error(lambda: s.run(nxt))["error"]


@program
def data_text_fixed_files(tf, r):
    """TextLineDataset and FixedLengthRecordDataset: line ends, compression, parallel reads, fed names, headers and
    footers, a body that is not a whole number of records (plain and compressed)."""
    import gzip
    import zlib
    folder = tempfile.mkdtemp()

    def write(name, data):
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def ends(ds):
        return [x if not isinstance(x, dict) or "msg" not in x else {"end": x["end"]} for x in _all(tf, ds)]

    a, b = write("a.txt", b"one\r\ntwo\n\nthree"), write("b.txt", b"x\ny\n")
    empty = write("e.txt", b"")
    r["lines"] = _all(tf, tf.data.TextLineDataset([a, b, empty]))
    r["lines_parallel"] = _all(tf, tf.data.TextLineDataset([a, b], num_parallel_reads=2, buffer_size=4))
    r["lines_gzip"] = _all(tf, tf.data.TextLineDataset(write("c.gz", gzip.compress(b"g1\ng2\r\n")), "GZIP"))
    r["lines_zlib"] = _all(tf, tf.data.TextLineDataset(write("z.z", zlib.compress(b"z1\nz2")), compression_type="ZLIB"))
    names = tf.placeholder(tf.string, [None])
    lines = tf.data.TextLineDataset(names)
    r["spec"] = [_spec(lines), repr(lines.element_spec)]
    it = lines.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as s:
        s.run(it.initializer, {names: [b, a]})
        r["lines_fed"] = _drain(tf, s, nxt)
        s.run(it.initializer, {names: [os.path.join(folder, "nope.txt")]})
        r["lines_missing"] = r.error(lambda: s.run(nxt), "nope.txt")["error"]
    r["lines_int_names"] = r.error(lambda: tf.data.TextLineDataset(tf.constant([1])), "must contain `tf.string`")
    fixed = write("f.bin", b"HHabcdefghiF")
    r["fixed"] = _all(tf, tf.data.FixedLengthRecordDataset(fixed, 3, header_bytes=2, footer_bytes=1))
    r["fixed_two_files"] = _all(tf, tf.data.FixedLengthRecordDataset([fixed, write("g.bin", b"0123")], 2))
    r["fixed_gzip"] = _all(tf, tf.data.FixedLengthRecordDataset(
        write("f.gz", gzip.compress(b"HHabcdefghiF")), 3, 2, 1, compression_type="GZIP"))
    ragged = write("r.bin", b"HHabcdefghXYZF")
    for key, ds in [("fixed_ragged", tf.data.FixedLengthRecordDataset(ragged, 3, 2, 1)),
                    ("fixed_ragged_gzip", tf.data.FixedLengthRecordDataset(
                        write("r.gz", gzip.compress(b"HHabcdefghXYZF")), 3, 2, 1, compression_type="GZIP"))]:
        nxt = tf.data.make_one_shot_iterator(ds).get_next()
        with tf.Session() as s:
            got = []
            try:
                for _ in range(5):
                    got.append(s.run(nxt))
            except tf.errors.OpError as e:
                got.append([type(e).__name__, "has body length 11 bytes, which is not an exact multiple of the "
                            "record length (3 bytes)" in str(e), "Excluding the header (2 bytes) and footer (1 bytes)"
                            in str(e)])
            r[key] = got


@program
def data_cardinality_options(tf, r):
    """Dataset.cardinality() / tf.data.experimental.cardinality through the transformations; tf.data.Options with
    with_options and options(); as_numpy_iterator in graph mode; DatasetSpec."""
    R = tf.data.Dataset.range
    r["constants"] = [tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY,
                      tf.data.experimental.INFINITE_CARDINALITY, tf.data.experimental.UNKNOWN_CARDINALITY]
    cases = {"range": R(10), "range_step": R(0, 10, 3), "repeat": R(10).repeat(), "repeat2_shuffle": R(10).repeat(2)
             .shuffle(3), "repeat0": R(7).repeat(0), "filter": R(10).filter(lambda x: x > 2),
             "map": R(10).map(lambda x: x), "batch": R(10).batch(3), "batch_drop": R(10).batch(3, True),
             "padded": R(10).padded_batch(4), "take": R(10).take(3), "skip": R(10).skip(3), "skip_past": R(10).skip(20),
             "slices": tf.data.Dataset.from_tensor_slices([1, 2, 3]), "tensors": tf.data.Dataset.from_tensors(1),
             "zip": tf.data.Dataset.zip((R(3), R(5))), "zip_inf": tf.data.Dataset.zip((R(3).repeat(), R(5))),
             "concat": R(3).concatenate(R(5)), "inf_take": R(10).repeat().take(4), "inf_skip": R(10).repeat().skip(3),
             "inf_batch": R(10).repeat().batch(2), "shard0": R(10).shard(3, 0), "shard1": R(10).shard(3, 1),
             "prefetch_cache": R(10).prefetch(2).cache(), "flat_map": R(3).flat_map(lambda x: R(x)),
             "unbatch": R(10).batch(2).unbatch(), "filter_repeat": R(3).filter(lambda x: x > 0).repeat(),
             "filter_take": R(3).filter(lambda x: x > 0).take(2), "options": R(4).with_options(tf.data.Options())}
    size = tf.placeholder(tf.int64, [])
    fed = R(10).batch(size).cardinality()
    counts = {k: ds.cardinality() for k, ds in cases.items()}
    exp = tf.data.experimental.cardinality(R(5))
    r["tensor"] = [str(fed), fed.op.type, str(exp)]
    with tf.Session() as s:
        r["counts"] = s.run(counts)
        r["fed"] = [s.run(fed, {size: 4}), s.run(fed, {size: 5})]
        r["exp"] = s.run(exp)
    o = tf.data.Options()
    r["defaults"] = [o.deterministic, o.experimental_deterministic, o.threading.private_threadpool_size,
                     o.threading.max_intra_op_parallelism, o.experimental_slack, o.autotune.enabled,
                     o.threading is o.experimental_threading, o == tf.data.Options()]
    o.threading.private_threadpool_size = 4
    o.experimental_deterministic = False
    ds = R(3).with_options(o)
    o2 = tf.data.Options()
    o2.threading.max_intra_op_parallelism = 1
    o2.threading.private_threadpool_size = 8
    merged = ds.map(lambda x: x).with_options(o2).options()
    r["options"] = [ds.options().threading.private_threadpool_size, ds.options().deterministic,
                    ds.options() == o, ds.options() is o, R(3).options() == tf.data.Options(),
                    ds.batch(2).options().deterministic, merged.threading.private_threadpool_size,
                    merged.threading.max_intra_op_parallelism, merged.deterministic,
                    o.merge(o2).threading.private_threadpool_size]
    r["options_unknown"] = r.error(lambda: setattr(o, "foo", 1), "Cannot set the property foo on Options.")
    r["options_type"] = r.error(lambda: setattr(o, "deterministic", 3), 'Property "deterministic" must be of type')
    r["frozen"] = [r.error(lambda: setattr(ds.options(), "deterministic", True), "Mutating `tf.data.Options()` "
                           "returned by `tf.data.Dataset.options()` has no effect."),
                   r.error(lambda: setattr(ds.options().threading, "private_threadpool_size", 2), "has no effect")]
    r["threading_unknown"] = r.error(lambda: setattr(tf.data.ThreadingOptions(), "bogus", 1),
                                     "Cannot set the property bogus on ThreadingOptions.")
    r["numpy_graph"] = r.error(lambda: ds.as_numpy_iterator(),
                               "`tf.data.Dataset.as_numpy_iterator()` is only supported in eager mode.")
    spec = tf.data.DatasetSpec(tf.TensorSpec([], tf.int64))
    r["spec"] = [repr(spec), repr(spec.element_spec), repr(tf.data.DatasetSpec.from_value(R(2))),
                 spec == tf.data.DatasetSpec.from_value(R(2)),
                 spec == tf.data.DatasetSpec(tf.TensorSpec([], tf.int32))]


@program
def io_serialize_sparse(tf, r):
    """serialize_sparse / serialize_many_sparse (TF's bytes) and deserialize_many_sparse (rows batched, in their
    order), names, static shapes, the tf.io queue and file names."""
    sp = tf.SparseTensor([[0, 1], [2, 0]], [1.5, 2.5], [3, 4])
    one = tf.io.serialize_sparse(sp)
    many = tf.io.serialize_many_sparse(tf.SparseTensor([[0, 1], [0, 3], [2, 0]], [1, 2, 3], [3, 5]))
    back = tf.io.deserialize_many_sparse(many, tf.int32)
    s1 = tf.serialize_sparse(tf.SparseTensor([[0, 1]], [7], [2, 3]))
    s2 = tf.io.serialize_sparse(tf.SparseTensor([[3, 0], [1, 4]], [8, 9], [4, 5]))
    two = tf.deserialize_many_sparse(tf.stack([s1, s2]), tf.int32, rank=3)
    words = tf.io.serialize_many_sparse(tf.SparseTensor([[0, 0], [1, 2]], ["a", "bc"], [2, 3]))
    r["names"] = [[t.name, t.op.type] for t in (one, many, back.indices, back.values, back.dense_shape, two.indices)]
    r["shapes"] = shapes(one, many, back.indices, back.values, back.dense_shape, two.indices, two.dense_shape)
    r["rank1"] = r.error(lambda: tf.io.deserialize_many_sparse(tf.constant(["a", "b"]), tf.int32),
                         "Shape must be rank 2 but is rank 1")
    wrong = tf.io.deserialize_many_sparse(tf.stack([s1]), tf.float32)
    with tf.Session() as s:
        r["bytes"] = s.run([one, many, words])
        r["back"] = list(s.run(back))
        r["two"] = list(s.run(two))
        r["words"] = list(s.run(tf.io.deserialize_many_sparse(words, tf.string)))
        r["wrong_dtype"] = r.error(lambda: s.run(wrong), "Requested SparseTensor of type float")
    r["io_names"] = [tf.io.PaddingFIFOQueue is tf.PaddingFIFOQueue, tf.io.RandomShuffleQueue is tf.RandomShuffleQueue,
                     tf.io.PriorityQueue is tf.PriorityQueue, tf.io.QueueBase is tf.QueueBase,
                     tf.io.write_graph is tf.train.write_graph,
                     tf.io.match_filenames_once is tf.train.match_filenames_once]


@program
def io_parse_sequence_example(tf, r):
    """tf.io.parse_sequence_example: a batch of SequenceExamples to context, feature lists (padded with zeros,
    VarLen ones 3-D SparseTensors) and lengths."""
    def seq(label, toks, words):
        ex = tf.train.SequenceExample()
        ex.context.feature["label"].int64_list.value.append(label)
        for t in toks:
            ex.feature_lists.feature_list["tok"].feature.add().int64_list.value.extend(t)
        for w in words:
            ex.feature_lists.feature_list["w"].feature.add().bytes_list.value.extend(w)
        return ex.SerializeToString()
    data = [seq(1, [[1, 2], [3, 4], [5, 6]], [[b"a"], [b"b", b"c"]]), seq(2, [[7, 8]], []), seq(3, [], [[b"d"]])]
    ser = tf.placeholder(tf.string, [None])
    c, s_, lengths = tf.io.parse_sequence_example(
        ser, context_features={"label": tf.FixedLenFeature([], tf.int64), "v": tf.VarLenFeature(tf.int64),
                               "m": tf.FixedLenFeature([1], tf.float32, default_value=[0.5])},
        sequence_features={"tok": tf.FixedLenSequenceFeature([2], tf.int64, allow_missing=True),
                           "w": tf.VarLenFeature(tf.string)})
    r["keys"] = [sorted(c), sorted(s_), sorted(lengths)]
    r["shapes"] = [shapes(c["label"], c["m"], c["v"].indices, s_["tok"], s_["w"].indices, s_["w"].dense_shape,
                          lengths["tok"])]
    strict = tf.io.parse_sequence_example(ser, sequence_features={"tok": tf.FixedLenSequenceFeature([2], tf.int64)})
    with tf.Session() as sess:
        got = sess.run([c, s_, lengths], {ser: data})
        r["context"] = {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(got[0].items())}
        r["lists"] = {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(got[1].items())}
        r["lengths"] = got[2]
        r["strict_missing"] = r.error(lambda: sess.run(strict, {ser: data}), "Feature list 'tok' is required")
    r["default_refused"] = r.error(lambda: tf.io.parse_sequence_example(ser, sequence_features={
        "tok": tf.FixedLenSequenceFeature([2], tf.int64, allow_missing=True, default_value=-1)}),
        "Value feature_list.dense_defaults[tok] must be None")


@program
def image_jpeg_helpers(tf, r):
    """is_jpeg, extract_jpeg_shape, decode_and_crop_jpeg (a crop of decode_jpeg's pixels), adjust_jpeg_quality and
    random_jpeg_quality: names, shapes, header values, errors (pixel values are the codec's, not recorded)."""
    img = (np.arange(8 * 10 * 3) % 251).astype(np.uint8).reshape(8, 10, 3)
    j, p, g = tf.image.encode_jpeg(img), tf.image.encode_png(img), tf.image.encode_jpeg(img[..., :1])
    a = tf.io.is_jpeg(j)
    s = tf.io.extract_jpeg_shape(j)
    s64 = tf.image.extract_jpeg_shape(g, tf.int64)
    c = tf.io.decode_and_crop_jpeg(j, [1, 2, 4, 5], channels=3)
    c0 = tf.image.decode_and_crop_jpeg(j, tf.constant([0, 0, 8, 10]))
    window = tf.placeholder(tf.int32, [4])
    cw = tf.image.decode_and_crop_jpeg(j, window, channels=1)
    q = tf.image.adjust_jpeg_quality(tf.constant(img), 30)
    qf = tf.image.adjust_jpeg_quality(tf.constant(img.astype(np.float32) / 255), tf.constant(30))
    rq = tf.image.random_jpeg_quality(tf.constant(img), 20, 40, seed=1)
    r["names"] = [[t.name, t.op.type] for t in (a, s, s64, c, c0)] + [q.op.type, q.dtype.name, qf.dtype.name]
    r["shapes"] = shapes(a, s, s64, c, c0, cw, q, qf, rq)
    with tf.Session() as ss:
        full = ss.run(tf.image.decode_jpeg(j))
        got = ss.run([a, tf.io.is_jpeg(p), s, s64, tf.io.is_jpeg(tf.constant(["", "\xff\xd8", "\xff\xd8\xffx"]))])
        r["header"] = got
        cv, c0v, qv, qfv, rqv = ss.run([c, c0, q, qf, rq])
        r["crops"] = [bool((cv == full[1:5, 2:7]).all()), bool((c0v == full).all()), cv.shape, c0v.shape]
        r["requality"] = [qv.shape, qv.dtype.name, qfv.shape, qfv.dtype.name, rqv.shape,
                          bool(0 <= qfv.min() and qfv.max() <= 1)]
        r["crop_gray"] = ss.run(cw, {window: [0, 0, 2, 3]}).shape
        r["crop_outside"] = r.error(lambda: ss.run(tf.io.decode_and_crop_jpeg(j, [4, 4, 8, 8])),
                                    "Invalid JPEG data or crop window")
        r["shape_of_png"] = r.error(lambda: ss.run(tf.io.extract_jpeg_shape(p)), "Invalid JPEG data, size")
    r["range_order"] = r.error(lambda: tf.image.random_jpeg_quality(img, 50, 40),
                               "`min_jpeg_quality` must be less than `max_jpeg_quality`.")
    r["range_bounds"] = r.error(lambda: tf.image.random_jpeg_quality(img, -1, 40),
                                "jpeg encoding range must be between 0 and 100.")


@program
def image_combined_nms(tf, r):
    """combined_non_max_suppression: per-class NMS then the best of all classes, with many tied scores (the heap's
    and std::sort's orders), boxes per class (q = classes), negative scores below the empty slots' -1, padding,
    clipping, static shapes and errors."""
    rng = np.random.default_rng(3)
    boxes = rng.uniform(-0.2, 1.2, (2, 30, 1, 4)).astype(np.float32)
    scores = np.round(rng.uniform(0, 1, (2, 30, 4)), 1).astype(np.float32)
    per_class_boxes = rng.uniform(0, 1, (1, 12, 3, 4)).astype(np.float32)
    negative = np.round(rng.uniform(-3, 1, (1, 12, 3)), 1).astype(np.float32)
    runs = {"ties": tf.image.combined_non_max_suppression(boxes, scores, 6, 20, 0.5, 0.15),
            "pad": tf.image.combined_non_max_suppression(boxes, scores, 2, 30, 0.5, pad_per_class=True,
                                                         clip_boxes=False),
            "q_classes": tf.image.combined_non_max_suppression(per_class_boxes, negative, 5, 16, 0.3),
            "small_total": tf.image.combined_non_max_suppression(boxes, scores, 6, 3, 0.7, 0.5)}
    size = tf.placeholder(tf.int32, [])
    fed = tf.image.combined_non_max_suppression(boxes, scores, 3, size)
    r["ops"] = [[t.name, t.op.type] for t in runs["ties"]]
    r["shapes"] = {k: shapes(*v) for k, v in runs.items()} | {"fed": shapes(*fed)}
    with tf.Session() as s:
        # boxes and scores as digests (order-sensitive sums: tools/record_tf1_reference.py, `_digest`), the
        # classes and counts whole
        r["values"] = {k: [_digest(v[0]), _digest(v[1]), v[2], v[3]] for k, v in s.run(runs).items()}
        r["fed"] = [_digest(v) for v in s.run(fed, {size: 7})]
        r["zero_total"] = r.error(lambda: s.run(fed, {size: 0}), "max_total_size must be > 0")
    r["rank"] = r.error(lambda: tf.image.combined_non_max_suppression(boxes[0], scores, 2, 4), "rank 4")


@program
def image_resize_bicubic_area(tf, r):
    """resize_bicubic (legacy, align_corners, half-pixel; TF's tabulated Keys cubic), resize_area, their gradient
    where TF has one (bicubic), resize_image_with_pad and tf.image.transpose: shapes, dtypes and values (large
    ones as digests)."""
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 255, (2, 5, 7, 3)).astype(np.float32)
    u8 = rng.integers(0, 255, (6, 4, 1)).astype(np.uint8)
    x = tf.constant(img)
    outs = {"bic_up": tf.image.resize_bicubic(x, [9, 11]), "bic_down": tf.image.resize_bicubic(img, [3, 4]),
            "bic_ac": tf.image.resize_bicubic(img, [8, 10], align_corners=True),
            "bic_hp": tf.image.resize_bicubic(img, [9, 12], half_pixel_centers=True),
            "bic_hp_down": tf.image.resize_bicubic(img, [2, 3], half_pixel_centers=True),
            "area_up": tf.image.resize_area(img, [9, 11]), "area_down": tf.image.resize_area(img, [3, 4]),
            "area_ac": tf.image.resize_area(img, [3, 5], align_corners=True),
            "area_u8": tf.image.resize_area(u8[None], [4, 3]), "bic_u8": tf.image.resize_bicubic(u8[None], [7, 5]),
            "pad": tf.image.resize_image_with_pad(img[0], 8, 8),
            "pad_nn": tf.image.resize_image_with_pad(u8, 5, 9, method=1),
            "pad_batch": tf.image.resize_image_with_pad(img, 12, 6), "transpose": tf.image.transpose(img),
            "images_bicubic": tf.image.resize_images(img, [4, 9], method=2),
            "images_area": tf.image.resize_images(img, [4, 9], method=3)}
    weights = tf.constant(rng.uniform(-1, 1, (2, 9, 11, 3)).astype(np.float32))
    grad = tf.gradients(tf.reduce_sum(outs["bic_up"] * weights), x)[0]
    r["shapes"] = {k: shapes(v)[0] for k, v in outs.items()}
    r["names"] = [outs["bic_up"].op.type, outs["area_up"].op.type, outs["bic_up"].name, outs["area_up"].name]
    with tf.Session() as s:
        r["values"] = {k: _digest(v) for k, v in s.run(outs).items()}
        r["grad"] = _digest(s.run(grad))


@program
def strings_format_ngrams_unicode(tf, r):
    """tf.strings.format (summarize, nesting, quoting, floats), ngrams (widths, padding, 2-D), bytes_split, the
    Unicode decode / split / encode / transcode ops with ill-formed input under each `errors`, offsets, and the
    RaggedTensor values they give for vectors."""
    def ragged(v):
        return [v.values, v.row_splits, v.to_list()] if hasattr(v, "row_splits") else v
    x = tf.constant([[1.5, 2], [3, 1e-5]])
    bad = b"a\xffb\xe2\x82c\xc3\xa9\x01"
    outs = {
        "format": tf.strings.format("x={} y={}!", [x, tf.constant("hi")]),
        "format_long": tf.strings.format("{}", tf.range(10)),
        "format_summarize": tf.strings.format("v: {}", tf.range(10), summarize=2),
        "format_all": tf.strings.format("{}", tf.range(10), summarize=-1),
        "format_placeholder": tf.strings.format("<>", [tf.constant([b"a", b'q"t'])], placeholder="<>"),
        "format_3d": tf.strings.format("{}", tf.reshape(tf.range(24), [2, 3, 4]), summarize=1),
        "format_scalars": tf.strings.format("{} {} {} {}", [tf.constant(3.25), tf.constant([True, False]),
                                                            tf.zeros([0]), tf.constant(1234567.0)]),
        "format_double": tf.strings.format("{}", tf.constant([0.1, 1 / 3], tf.float64)),
        "ngrams": tf.strings.ngrams(tf.constant(["a", "b", "c", "d"]), 2),
        "ngrams_pad": tf.strings.ngrams(tf.constant(["a", "b", "c"]), 2, separator="-", pad_values=("<", ">")),
        "ngrams_widths": tf.strings.ngrams(tf.constant([["a", "b", "c"], ["d", "e", "f"]]), (1, 3)),
        "ngrams_short": tf.strings.ngrams(tf.constant(["a"]), 3, pad_values="_", padding_width=1,
                                          preserve_short_sequences=True),
        "bytes": tf.strings.bytes_split(tf.constant(b"h\xc3\xa9")),
        "bytes_rows": tf.strings.bytes_split(tf.constant(["ab", "c", ""])),
        "decode": tf.strings.unicode_decode(tf.constant(bad), "UTF-8"),
        "decode_ignore": tf.strings.unicode_decode(tf.constant(bad), "UTF-8", errors="ignore"),
        "decode_control": tf.strings.unicode_decode(tf.constant(bad), "UTF-8", replacement_char=63,
                                                    replace_control_characters=True),
        "decode_rows": tf.strings.unicode_decode(tf.constant([b"h\xc3\xa9", b"", b"\xff"]), "UTF-8"),
        "decode_offsets": tf.strings.unicode_decode_with_offsets(tf.constant(bad), "UTF-8"),
        "split": tf.strings.unicode_split(tf.constant(bad), "UTF-8"),
        "split_rows_offsets": tf.strings.unicode_split_with_offsets(tf.constant([b"h\xc3\xa9", b"x"]), "UTF-8"),
        "decode_utf16": tf.strings.unicode_decode(tf.constant(b"\x00h\xd8\x3d\xde\x00"), "UTF-16-BE"),
        "transcode": tf.strings.unicode_transcode(tf.constant([b"h\xc3\xa9", bad]), "UTF-8", "UTF-16-BE"),
        "transcode_32": tf.strings.unicode_transcode(tf.constant([[b"\xf0\x9f\x98\x80"]]), "UTF-8", "UTF-32-BE"),
        "encode": tf.strings.unicode_encode(tf.constant([104, 233, 128512, -1, 0x110000]), "UTF-8"),
        "encode_ignore": tf.strings.unicode_encode(tf.constant([104, -1, 233]), "UTF-8", errors="ignore"),
        "encode_rows": tf.strings.unicode_encode(tf.constant([[104, 105], [233, 33]]), "UTF-16-BE"),
    }
    # (a scalar's unicode_split is left out: TF knows its length while building only by folding the constant)
    r["shapes"] = {k: shapes(*([v.values, v.row_splits] if hasattr(v, "row_splits") else v if isinstance(v, tuple)
                               else [v])) for k, v in outs.items() if k != "split"}
    r["format_mismatch"] = r.error(lambda: tf.strings.format("{} {}", [x]),
                                   "The template expects 2 tensors, but the inputs only has 1.")
    strict = tf.strings.unicode_decode(tf.constant(bad), "UTF-8", errors="strict")
    with tf.Session() as s:
        got = s.run(outs)
        r["values"] = {k: ragged(v) if hasattr(v, "row_splits") else [ragged(x) for x in v] if isinstance(v, tuple)
                       else v for k, v in got.items()}
        r["strict"] = r.error(lambda: s.run(strict))["error"]


@program
def sparse_bincount_cross_mask(tf, r):
    """tf.sparse.bincount (whole, per row, min/maxlength, weights, binary, SparseTensor input), cross and
    cross_hashed (TF's FingerprintCat64 values, sparse inputs before dense ones), tf.sparse.mask."""
    v = tf.constant([[1, 1, 5], [2, 5, 5]])
    sp = tf.SparseTensor([[0, 0], [1, 0], [1, 1]], ["a", "b", "c"], [2, 2])
    dense = tf.constant([["x"], ["y"]])
    ints = tf.SparseTensor([[0, 0], [1, 0]], tf.constant([7, 8], tf.int64), [2, 1])
    outs = {"b0": tf.sparse.bincount(v), "b_axis": tf.sparse.bincount(v, axis=-1),
            "b_min": tf.sparse.bincount(v, minlength=8), "b_max": tf.sparse.bincount(v, axis=-1, maxlength=3),
            "b_w": tf.sparse.bincount(v, weights=tf.constant([[0.5, 1, 2], [1, 1, 1.5]]), axis=-1),
            "b_bin": tf.sparse.bincount(v, axis=-1, binary_output=True),
            "b_sp": tf.sparse.bincount(tf.SparseTensor([[0, 0], [0, 2], [1, 1]], tf.constant([3, 3, 7], tf.int64),
                                                       [2, 4]), axis=-1),
            "cross": tf.sparse.cross([dense, sp]), "cross_sep": tf.sparse.cross([sp, ints], separator="+"),
            "hashed": tf.sparse.cross_hashed([dense, sp]),
            "hashed_b": tf.sparse.cross_hashed([sp, ints, dense], num_buckets=10, hash_key=123)}
    r["ops"] = {k: [x.values.op.type, shapes(x.indices, x.values, x.dense_shape)] for k, x in outs.items()}
    a = tf.IndexedSlices(tf.constant([[1., 2], [3, 4], [5, 6]]), tf.constant([0, 4, 7]), tf.constant([10, 2]))
    m = tf.sparse.mask(a, [4])
    r["mask"] = [m.values.name, m.indices.name, shapes(m.values, m.indices)]
    with tf.Session() as s:
        r["values"] = {k: list(x) for k, x in s.run(outs).items()}
        r["mask_values"] = s.run([m.values, m.indices, m.dense_shape])


@program
def naming_layers_in_reentered_scopes(tf, r):
    """A GAN's discriminator built twice under variable_scope('d') (the second time reusing): the layers get the
    same default names on both calls, since leaving a scope forgets the scopes opened inside it."""
    x = tf.placeholder(tf.float32, (None, 3), name="x")

    def disc(inputs, reuse=None):
        with tf.variable_scope("discriminator") as scope:
            if reuse:
                scope.reuse_variables()
            h = tf.layers.dense(inputs, 4, activation=tf.nn.relu)
            with tf.variable_scope(None, default_name="block"):
                h = tf.layers.dense(h, 2)
            return tf.layers.dense(h, 1)
    r["first"] = disc(x).name
    r["second"] = disc(x, True).name
    with tf.variable_scope("dense"):
        pass
    r["after_named"] = tf.layers.dense(x, 2).name
    with tf.variable_scope("outer") as outer:
        with tf.variable_scope(None, default_name="s"):
            tf.get_variable("v", [1])

    def again(scope):
        with tf.variable_scope(scope):
            with tf.variable_scope(None, default_name="s"):
                tf.get_variable("v", [1])
    r["object_again"] = r.error(lambda: again(outer), "outer/s/v already exists")
    r["name_again"] = r.error(lambda: again("outer"), "outer/s/v already exists")
    with tf.variable_scope("outer"):
        with tf.variable_scope(None, default_name="s"):
            pass
        with tf.variable_scope(None, default_name="s"):
            tf.get_variable("w", [1])
    r["variables"] = [v.name for v in tf.global_variables()]


@program
def boosted_trees_ops_static(tf, r):
    # TF 2.21 keeps the boosted-trees op definitions (names, attrs, shape functions) but registers no kernels, so
    # only what building the ops shows is recorded; their values are checked against TF's own kernel tests in
    # tests/test_boosted_trees.py.
    raw = tf.raw_ops
    x = tf.placeholder(tf.float32, (None,), name="x")
    b = raw.BoostedTreesBucketize(float_values=[x, tf.constant([1.0, 2.0, 3.0])],
                                  bucket_boundaries=[tf.constant([0.5]), tf.constant([1.0, 2.5])])
    r["bucketize"] = shapes(*b) + [[t.op.type, t.op.name] for t in b]
    r["bucketize_rank"] = r.error(lambda: raw.BoostedTreesBucketize(
        float_values=[tf.constant([[1.0]])], bucket_boundaries=[tf.constant([1.0])]), "must be rank 1")
    node_ids = tf.placeholder(tf.int32, (None,), name="node_ids")
    g = tf.placeholder(tf.float32, (None, 1), name="g")
    s = raw.BoostedTreesMakeStatsSummary(node_ids=node_ids, gradients=g, hessians=g,
                                         bucketized_features_list=[node_ids, node_ids], max_splits=7,
                                         num_buckets=4)
    r["stats"] = shapes(s) + [s.op.type, s.op.name]
    r["stats_rank"] = r.error(lambda: raw.BoostedTreesMakeStatsSummary(
        node_ids=node_ids, gradients=x, hessians=g, bucketized_features_list=[node_ids], max_splits=7,
        num_buckets=4), "must be rank 2")
    summary = tf.placeholder(tf.float32, (7, 4, 2), name="summary")
    out = raw.BoostedTreesCalculateBestGainsPerFeature(
        node_id_range=[1, 3], stats_summary_list=[summary, summary], l1=0.0, l2=0.1, tree_complexity=0.0,
        min_node_weight=0.0, max_splits=7)
    r["gains"] = [shapes(*ts) for ts in out] + [out[0][0].op.type, out[0][0].op.name]
    r["gains_rank"] = r.error(lambda: raw.BoostedTreesCalculateBestGainsPerFeature(
        node_id_range=[1, 3], stats_summary_list=[summary], l1=[0.0], l2=0.1, tree_complexity=0.0,
        min_node_weight=0.0, max_splits=7), "must be rank 0")
    four = tf.placeholder(tf.float32, (7, 2, 4, 6), name="four")
    split = raw.BoostedTreesCalculateBestFeatureSplit(
        node_id_range=[1, 3], stats_summary=four, l1=0.0, l2=0.1, tree_complexity=0.0, min_node_weight=0.0,
        logits_dimension=3)
    r["split"] = shapes(*split) + [split[0].op.type, split[0].op.name]
    r["split_type"] = r.error(lambda: raw.BoostedTreesCalculateBestFeatureSplit(
        node_id_range=[1, 3], stats_summary=four, l1=0.0, l2=0.1, tree_complexity=0.0, min_node_weight=0.0,
        logits_dimension=3, split_type="sideways"), "split_type")
    r["gradient"] = r.error(lambda: tf.gradients(tf.reduce_sum(split[1]), four), "No gradient defined")


@program
def unique_values(tf, r):
    x = tf.constant([4, 1, 4, 7, 1, 1, 9])
    f = tf.placeholder(tf.float32, (None,), name="f")
    y, idx = tf.unique(x)
    y2, idx2, count = tf.unique_with_counts(f, out_idx=tf.int64)
    r["ops"] = [y.op.type, y.op.name, y2.op.type, y2.op.name]
    r["static"] = [dims(t) for t in (y, idx, y2, idx2, count)] + [t.dtype.name for t in (y, idx, y2, idx2, count)]
    r["rank2"] = r.error(lambda: tf.unique(tf.zeros((2, 2))), "must be rank 1")
    r["gradient"] = r.error(lambda: tf.gradients(tf.reduce_sum(tf.unique(f)[0]), f), "No gradient defined")
    with tf.Session() as s:
        r["values"] = s.run([y, idx])
        r["counts"] = s.run([y2, idx2, count], {f: [0.5, -2.0, 0.5, 0.5, 3.0]})
        r["empty"] = s.run([y2, idx2, count], {f: []})


def _ctc_labels(tf, rows):
    """A SparseTensor of label rows (lists of ints), as CTC programs build one."""
    idx = [[b, i] for b, row in enumerate(rows) for i in range(len(row))]
    vals = np.array([v for row in rows for v in row], np.int32)
    return tf.SparseTensor(np.array(idx, np.int64).reshape(-1, 2), vals, np.array([len(rows), max(map(len, rows))],
                                                                                   np.int64))


@program
def ctc_loss_values(tf, r):
    """tf.nn.ctc_loss's losses and gradients with each option, time-major or not, and its errors. Gradients are
    recorded in float64: in float32 TF's and graphgrad's differ by a few units of rounding (their exp, log and
    sums are not the same code), more than this file's float32 tolerance."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((6, 3, 5)).astype(np.float32) * 2
    rows = [[1, 2, 2], [0, 3, 0, 4], [3, 3, 3]]    # 4 is the blank: a trailing null label
    seq = np.array([6, 5, 5], np.int32)
    labels = _ctc_labels(tf, rows)

    def variants(xt):
        return {
            "default": tf.nn.ctc_loss(labels, xt, seq),
            "no_merge": tf.nn.ctc_loss(labels, xt, seq, ctc_merge_repeated=False),
            "collapse": tf.nn.ctc_loss(labels, xt, seq, preprocess_collapse_repeated=True),
            "collapse_no_merge": tf.nn.ctc_loss(labels, xt, seq, preprocess_collapse_repeated=True,
                                                ctc_merge_repeated=False),
            "batch_major": tf.nn.ctc_loss(labels, tf.transpose(xt, [1, 0, 2]), seq, time_major=False),
            "ignore_longer": tf.nn.ctc_loss(labels, xt, np.array([6, 2, 0], np.int32),
                                            ignore_longer_outputs_than_inputs=True),
            "no_valid_path": tf.nn.ctc_loss(labels, xt, np.array([6, 5, 4], np.int32)),
        }
    xt, x64 = tf.constant(x), tf.constant(x.astype(np.float64))
    losses, losses64 = variants(xt), variants(x64)
    grads = {k: tf.gradients(tf.reduce_sum(losses64[k] * tf.constant([1.0, -2.0, 3.0], tf.float64)), x64)[0]
             for k in ("default", "no_merge", "collapse", "ignore_longer", "no_valid_path")}
    grad32 = tf.gradients(losses["default"], xt)[0]
    r["shapes"] = shapes(losses["default"], grad32)
    r["second_derivative"] = r.error(lambda: tf.gradients(tf.reduce_sum(grad32), xt),
                                     "Gradient explicitly disabled", "second")
    r["not_sparse"] = r.error(lambda: tf.nn.ctc_loss([[1]], xt, seq), "SparseTensor")
    with tf.Session() as s:
        r["losses"] = s.run(losses)
        r["losses64"] = s.run(losses64)
        # 7 significant digits (well inside the comparison's tolerance) keep the recording small
        r["grads"] = {k: np.array([float(f"{v:.7g}") for v in g.ravel()]).reshape(g.shape)
                      for k, g in s.run(grads).items()}
        r["grad_float32"] = np.round(s.run(grad32), 3)
        for key, rows_, seq_, frag in [
                ("not_enough_time", [[1, 2, 2], [0], [1]], [2, 6, 6], "Not enough time for target transition"),
                ("null_then_label", [[4, 2], [0], [1]], [6] * 3, "Saw a non-null label (index >= num_classes"),
                ("negative_label", [[-1, 2], [0], [1]], [6] * 3, "All labels must be nonnegative"),
                ("seq_too_long", [[1], [0], [1]], [7, 6, 6], "sequence_length(0) <= 6")]:
            loss = tf.nn.ctc_loss(_ctc_labels(tf, rows_), xt, np.array(seq_, np.int32))
            r[key] = r.error(lambda loss=loss: s.run(loss), frag)
        empty_row = tf.SparseTensor(np.array([[0, 0], [1, 0]], np.int64), np.array([1, 2], np.int32),
                                    np.array([3, 1], np.int64))
        r["empty_row"] = r.error(lambda: s.run(tf.nn.ctc_loss(empty_row, xt, seq)), "Labels length is zero in batch 2")
        unsorted = tf.SparseTensor(np.array([[0, 1], [0, 0], [1, 0], [2, 0]], np.int64),
                                   np.array([1, 2, 3, 1], np.int32), np.array([3, 2], np.int64))
        r["unsorted"] = r.error(lambda: s.run(tf.nn.ctc_loss(unsorted, xt, seq)), "is out of order")


@program
def ctc_decoders(tf, r):
    """Greedy and beam-search decoding of random logits (several widths, paths, merge settings, sequence lengths):
    the SparseTensors and log probabilities, and the decoders' errors."""
    rng = np.random.default_rng(5)
    out = {}
    for case in range(5):
        t, b, c = int(rng.integers(3, 9)), int(rng.integers(1, 4)), int(rng.integers(3, 8))
        x = (rng.standard_normal((t, b, c)) * rng.choice([0.5, 2.0, 4.0])).astype(np.float32)
        seq = rng.integers(0 if case % 2 else 1, t + 1, b).astype(np.int32)   # a length 0 leaves only one beam
        width, paths, merge = int(rng.choice([1, 3, 5, 16, 40])), int(rng.integers(1, 4)), bool(case % 3)
        paths = min(paths, width) if seq.min() else 1
        decoded, log_p = tf.nn.ctc_beam_search_decoder(x, seq, beam_width=width, top_paths=paths,
                                                       merge_repeated=merge)
        greedy, greedy_p = tf.nn.ctc_greedy_decoder(x, seq, merge_repeated=merge)
        out[f"case{case}"] = {"beam": decoded, "beam_log_p": log_p, "greedy": greedy, "greedy_log_p": greedy_p}
    x = rng.standard_normal((4, 2, 5)).astype(np.float32)
    blank0, _ = tf.nn.ctc_greedy_decoder(x, [4, 3], blank_index=0)
    r["shapes"] = shapes(out["case0"]["beam_log_p"], out["case0"]["greedy"][0].indices,
                         out["case0"]["greedy"][0].values, out["case0"]["greedy"][0].dense_shape)
    with tf.Session() as s:
        for k, v in s.run(out).items():
            r[k] = {"beam": [list(p) for p in v["beam"]], "beam_log_p": v["beam_log_p"],
                    "greedy": [list(p) for p in v["greedy"]], "greedy_log_p": v["greedy_log_p"]}
        r["blank0"] = list(s.run(blank0)[0])
        r["seq_too_long"] = r.error(lambda: s.run(tf.nn.ctc_greedy_decoder(x, [5, 3])[1]), "sequence_length(0) <= 4")
        r["more_paths_than_leaves"] = r.error(
            lambda: s.run(tf.nn.ctc_beam_search_decoder(x, [0, 3], beam_width=4, top_paths=2)[1]),
            "Less leaves in the beam search than requested")


@program
def edit_distances(tf, r):
    """tf.edit_distance, normalized or not, with sequences missing on either side and strings."""
    h = tf.SparseTensor([[0, 0], [0, 1], [1, 0], [3, 0], [3, 1]], np.array([1, 2, 3, 4, 5], np.int64), [4, 3])
    t = tf.SparseTensor([[0, 0], [0, 1], [0, 2], [2, 0], [3, 0]], np.array([1, 3, 2, 7, 5], np.int64), [4, 3])
    h3 = tf.SparseTensor([[0, 0, 0], [0, 1, 0], [1, 0, 1]], ["a", "b", "c"], [2, 2, 2])
    t3 = tf.SparseTensor([[0, 0, 0], [0, 0, 1], [1, 0, 0]], ["a", "b", "c"], [2, 1, 2])
    d = tf.edit_distance(h, t)
    r["name"] = [d.name, d.op.type, d.dtype.name]
    with tf.Session() as s:
        r["values"] = s.run([d, tf.edit_distance(h, t, normalize=False), tf.edit_distance(h3, t3),
                             tf.edit_distance(h3, t3, normalize=False)])


@program
def sampled_losses(tf, r):
    """word2vec's losses with the negatives given (the samplers' draws differ by design), the samplers' counts and
    shapes, accidental hits, and embedding_lookup over partitions and with max_norm."""
    rng = np.random.default_rng(7)
    classes, dim, batch, k = 12, 4, 5, 4
    w = tf.Variable(rng.standard_normal((classes, dim)).astype(np.float32), name="w")
    b = tf.Variable(rng.standard_normal(classes).astype(np.float32) * 0.1, name="b")
    x = tf.constant(rng.standard_normal((batch, dim)).astype(np.float32))
    labels = tf.constant([[3], [0], [7], [3], [11]], tf.int64)
    labels2 = tf.constant([[3, 5], [0, 1], [7, 7], [2, 3], [11, 0]], tf.int64)
    sampled = tf.constant([5, 3, 9, 0], tf.int64)
    values = (sampled, tf.constant([[0.5]] * batch), tf.constant([0.25, 0.5, 0.125, 0.75]))
    values2 = (sampled, tf.constant([[0.5, 0.25]] * batch), tf.constant([0.25, 0.5, 0.125, 0.75]))
    losses = {
        "nce": tf.nn.nce_loss(w, b, labels, x, k, classes, sampled_values=values),
        "nce_hits": tf.nn.nce_loss(w, b, labels, x, k, classes, sampled_values=values, remove_accidental_hits=True),
        "nce_true2": tf.nn.nce_loss(w, b, labels2, x, k, classes, num_true=2, sampled_values=values2),
        "softmax": tf.nn.sampled_softmax_loss(w, b, labels, x, k, classes, sampled_values=values),
        "softmax_keep_hits": tf.nn.sampled_softmax_loss(w, b, labels, x, k, classes, sampled_values=values,
                                                        remove_accidental_hits=False),
        "softmax_true2": tf.nn.sampled_softmax_loss(w, b, labels2, x, k, classes, num_true=2,
                                                    sampled_values=values2),
    }
    grads = {}
    for name in ("nce", "softmax", "nce_true2"):
        gw, gb, gx = tf.gradients(tf.reduce_sum(losses[name]), [w, b, x])
        grads[name] = [tf.convert_to_tensor(gw), tf.convert_to_tensor(gb), gx]
    hits = tf.nn.compute_accidental_hits(labels2, tf.constant([3, 7, 3, 1], tf.int64), num_true=2)
    n = 6
    uni = tf.nn.uniform_candidate_sampler(labels, 1, n, False, classes)
    log = tf.nn.log_uniform_candidate_sampler(labels, 1, n, False, classes)
    log_unique = tf.nn.log_uniform_candidate_sampler(labels2, 2, n, True, classes)
    r["sampler_shapes"] = [dims(t) for t in uni + log + log_unique]
    r["sampler_dtypes"] = [t.dtype.name for t in uni + log + log_unique]
    parts = [tf.constant(np.arange(9, dtype=np.float32).reshape(3, 3) + 100 * i) for i in range(3)]
    uneven = [tf.constant(np.arange(8, dtype=np.float32).reshape(4, 2) + 100 * i) for i in range(2)] + [
        tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2) + 200)]
    ids = tf.constant([[0, 4], [8, 2]])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["losses"] = s.run(losses)
        r["grads"] = s.run(grads)
        r["hits"] = s.run(hits)
        u, lg, lu = s.run([uni, log, log_unique])
        logp = lambda c: np.log((c + 2.0) / (c + 1.0)) / np.log(classes + 1.0)  # noqa: E731
        r["uniform_counts"] = [np.allclose(u[1], n / classes), np.allclose(u[2], n / classes),
                               bool(((u[0] >= 0) & (u[0] < classes)).all())]
        r["log_uniform_counts"] = [np.allclose(lg[1], n * logp(np.array([[3], [0], [7], [3], [11]]))),
                                   np.allclose(lg[2], n * logp(lg[0]), rtol=1e-5)]
        r["log_uniform_unique"] = [len(set(lu[0].tolist())) == n, bool((lu[2] >= logp(lu[0]) * 0.999).all())]
        r["mod"] = s.run(tf.nn.embedding_lookup(parts, ids))
        r["div"] = s.run(tf.nn.embedding_lookup(parts, ids, partition_strategy="div"))
        r["div_uneven"] = s.run(tf.nn.embedding_lookup(uneven, [0, 3, 4, 7, 8, 10], partition_strategy="div"))
        r["max_norm"] = s.run(tf.nn.embedding_lookup(w, [[1, 2]], max_norm=1.0))
        r["range_too_small"] = r.error(lambda: s.run(tf.nn.uniform_candidate_sampler(labels, 1, 20, True, 10)),
                                     "range is too small")


@program
def candidate_samplers(tf, r):
    """The other candidate samplers: all classes; fixed unigrams (distortion, reserved ids, shards, a vocabulary
    file) and learned unigrams through a session's runs; their expected counts (exact where the draws cannot
    change them) and TF's run-time errors."""
    t = tf.constant([[0, 1], [2, 1]], tf.int64)
    n = 2
    every = tf.nn.all_candidate_sampler(t, 2, 3, True)
    fixed = {
        "distortion": tf.nn.fixed_unigram_candidate_sampler(t, 2, n, False, 3, unigrams=[1.0, 2.0, 3.0],
                                                            distortion=0.5, seed=1),
        "shards": tf.nn.fixed_unigram_candidate_sampler(t, 2, n, False, 3, unigrams=[1, 2, 3, 4, 5, 6], num_shards=2,
                                                        shard=1, seed=1),
        "reserved": tf.nn.fixed_unigram_candidate_sampler(t, 2, n, False, 3, unigrams=[1, 2, 3, 4], num_reserved_ids=3,
                                                          num_shards=2, shard=1, seed=1),
    }
    vocab = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    with open(vocab, "w") as f:
        f.write("a,1\nb,2\nc,3\n")
    fixed["vocab_file"] = tf.random.fixed_unigram_candidate_sampler(t, 2, n, False, 3, vocab_file=vocab,
                                                                    distortion=2.0, seed=1)
    learned = tf.nn.learned_unigram_candidate_sampler(tf.constant([[0, 1], [3, 4]], tf.int64), 2, 3, False, 6, seed=1)
    r["shapes"] = [dims(x) for x in every + fixed["shards"] + learned]
    r["dtypes"] = [x.dtype.name for x in every + learned]
    with tf.Session() as s:
        r["all"] = s.run(every)
        for key, op in fixed.items():
            sampled, true_count, sampled_count = s.run(op)
            r[key] = true_count
            # each sampled class's count is that of a true class with the same id (all three ids are true classes)
            r[key + "_sampled"] = bool(np.allclose(sampled_count, [true_count.ravel()[t_ids.index(c)]
                                                                   for t_ids in [[0, 1, 2, 1]] for c in sampled]))
        r["learned"] = [s.run(learned)[1] for _ in range(3)]
        r["range_mismatch"] = r.error(lambda: s.run(tf.nn.fixed_unigram_candidate_sampler(
            t, 2, n, False, 4, unigrams=[1.0, 2.0, 3.0])), "range is 4 must be equal to weights size")
        r["range_too_small"] = r.error(lambda: s.run(tf.nn.fixed_unigram_candidate_sampler(
            t, 2, 4, True, 3, unigrams=[1.0, 2.0, 3.0])), "Sampler's range is too small")
        r["out_of_range"] = r.error(lambda: s.run(tf.nn.fixed_unigram_candidate_sampler(
            tf.constant([[0, 3]], tf.int64), 2, 1, False, 3, unigrams=[1.0, 2.0, 3.0])), "out of range [0, 3)")
    with tf.Session() as s:
        r["learned_new_session"] = s.run(learned)[1]


@program
def raw_rnn_loops(tf, r):
    """raw_rnn with TF1's loop_fn protocol: per-element lengths (finished elements emit zeros, keep their state),
    a loop state counting steps, an emit structure of its own; static_state_saving_rnn carrying an LSTM's state
    through a state saver across runs. Weights set by value, so both sides compute the same numbers."""
    batch, steps, depth, units = 3, 4, 2, 3
    x = tf.constant(np.linspace(-1, 1, steps * batch * depth, dtype=np.float32).reshape(steps, batch, depth))
    lengths = tf.constant([4, 2, 3])
    inputs_ta = tf.TensorArray(tf.float32, size=steps).unstack(x)
    cell = tf.nn.rnn_cell.BasicRNNCell(units)

    def loop_fn(time, cell_output, cell_state, loop_state):
        finished = time >= lengths
        next_input = tf.cond(tf.reduce_all(finished), lambda: tf.zeros([batch, depth]), lambda: inputs_ta.read(time))
        if cell_output is None:
            return finished, next_input, cell.zero_state(batch, tf.float32), None, tf.constant(0)
        return finished, next_input, cell_state, cell_output, loop_state + 1

    emit_ta, final_state, final_loop = tf.nn.raw_rnn(cell, loop_fn, scope="raw")
    outputs = emit_ta.stack()

    def loop_fn2(time, cell_output, cell_state, loop_state):
        emit = (tf.zeros([units]), tf.zeros([1]))
        if cell_output is not None:
            emit = (2.0 * cell_output, tf.reduce_sum(cell_output, 1, keepdims=True))
        state = cell.zero_state(batch, tf.float32) if cell_state is None else cell_state
        return time >= lengths, inputs_ta2.read(tf.minimum(time, steps - 1)), state, emit, None

    inputs_ta2 = tf.TensorArray(tf.float32, size=steps, clear_after_read=False).unstack(x)

    emit2, state2, loop2 = tf.nn.raw_rnn(cell, loop_fn2, scope="raw2")
    r["emit_shapes"] = [dims(outputs), dims(final_state), dims(final_loop)]
    r["loop2_none"] = loop2 is None
    r["errors"] = [r.error(lambda: tf.nn.raw_rnn(cell, 3), "Argument `loop_fn` must be a callable. Received: 3.")]

    class Saver:
        def __init__(self):
            self.vars = {}

        def state(self, name):
            self.vars[name] = tf.Variable(tf.zeros([batch, units]), name=name, trainable=False)
            return self.vars[name].value()

        def save_state(self, name, value):
            return tf.assign(self.vars[name], value)

    saver = Saver()
    lstm = tf.nn.rnn_cell.BasicLSTMCell(units, state_is_tuple=True)
    seq = [x[t] for t in range(steps)]
    ssr_out, ssr_state = tf.nn.static_state_saving_rnn(lstm, seq, saver, ("c", "h"), scope="ssr")
    r["ssr_control"] = sorted(i.type for i in ssr_out[-1].op.control_inputs)
    r["ssr_errors"] = [r.error(lambda: tf.nn.static_state_saving_rnn(lstm, seq, saver, "c"),
                               "Argument `state_name` should be the same type as `cell.state_size`.",
                               "Received: state_name=c"),
                       r.error(lambda: tf.nn.static_state_saving_rnn(lstm, seq, saver, ("c", "h", "x")),
                               "Number of elements in argument `state_name` and `cell.state_size` are mismatched.",
                               "with 3 elements", "with 2 elements")]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for v in tf.trainable_variables():
            n = int(np.prod(v.shape.as_list()))
            s.run(v.assign(np.linspace(-0.5, 0.5, n, dtype=np.float32).reshape(v.shape.as_list())))
        r["raw"] = s.run([outputs, final_state, final_loop])
        r["raw2"] = s.run([emit2[0].stack(), emit2[1].stack(), state2])
        r["ssr"] = [s.run([ssr_out, ssr_state]) for _ in range(2)]


@program
def ctc_v2_and_approx_top_k(tf, r):
    """TF 2's CTC signatures in tf.compat.v1.nn: ctc_loss_v2 with dense labels (blank 0, a middle blank, the last
    one by -1; batch-major logits) and sparse ones, their gradients, ctc_beam_search_decoder_v2; approx_max_k and
    friends' static shapes and errors (TF has no CPU kernel for ApproxTopK outside XLA, so no values)."""
    rng = np.random.default_rng(3)
    time_steps, batch, classes = 6, 2, 5
    logits = tf.constant(rng.standard_normal((time_steps, batch, classes)).astype(np.float32))
    labels = tf.constant([[1, 2, 2], [3, 1, 0]])
    label_length = tf.constant([3, 2])
    logit_length = tf.constant([6, 5])
    losses = {
        "blank0": tf.nn.ctc_loss_v2(labels, logits, label_length, logit_length),
        "blank2": tf.nn.ctc_loss_v2(labels + tf.cast(labels >= 2, tf.int32), logits, label_length, logit_length,
                                    blank_index=2),
        "blank_last": tf.nn.ctc_loss_v2(labels, logits, label_length, logit_length, blank_index=-1),
        "batch_major": tf.nn.ctc_loss_v2(labels, tf.transpose(logits, [1, 0, 2]), label_length, logit_length,
                                         logits_time_major=False, unique=None),
    }
    sparse = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([1, 3, 2]), [2, 2])
    losses["sparse"] = tf.nn.ctc_loss_v2(sparse, logits, None, logit_length, blank_index=0)
    grads = {k: tf.gradients(tf.reduce_sum(v), logits)[0] for k, v in losses.items()}
    decoded, log_probs = tf.nn.ctc_beam_search_decoder_v2(logits, logit_length, beam_width=4, top_paths=2)
    r["sparse_needs_blank"] = r.error(lambda: tf.nn.ctc_loss_v2(sparse, logits, None, logit_length),
                                      "Argument `blank_index` must be provided when labels is a SparseTensor.")
    with tf.Session() as s:
        r["losses"] = s.run(losses)
        r["grads"] = s.run(grads)
        r["decoded"] = s.run([[d.indices, d.values, d.dense_shape] for d in decoded] + [log_probs])
    with tf.Graph().as_default():  # a graph with an ApproxTopK node cannot run on TF's CPU
        x = tf.placeholder(tf.float32, [3, None, 7])
        approx = [tf.math.approx_max_k(x, 2), tf.math.approx_min_k(x, 3, reduction_dimension=0),
                  tf.nn.approx_max_k(x, 4, reduction_dimension=2), tf.nn.approx_min_k(x, 1),
                  tf.approx_top_k(x, 5, is_max_k=False)]
        r["approx_shapes"] = [[dims(v), dims(i), v.dtype.name, i.dtype.name] for v, i in approx]
        r["approx_fields"] = list(approx[0]._fields)
        r["approx_too_big"] = r.error(lambda: tf.math.approx_max_k(x, 9), "input must have last dimension >= k = 9")


@program
def nn_experimental_dropout(tf, r):
    """tf.nn.experimental's stateless_dropout (a seed's mask: TF's numbers), with a tensor rate, noise_shape and
    rng_alg, general_dropout with a stateless sampler; names, gradient, TF's errors."""
    x = tf.constant(np.arange(1, 13, dtype=np.float32).reshape(3, 4))
    a = tf.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 2])
    b = tf.nn.experimental.stateless_dropout(x, tf.constant(0.25), seed=[3, 4], noise_shape=[3, 1], rng_alg="philox")
    d = tf.nn.experimental.general_dropout(
        x, 0.5, lambda shape, dtype: tf.random.stateless_uniform(shape, [5, 6], dtype=dtype))
    r["names"] = [a.name, b.name, d.name, tf.nn.experimental.stateless_dropout(x, 0.0, seed=[1, 2]) is x]
    r["errors"] = [r.error(lambda: tf.nn.experimental.stateless_dropout(x, 1.0, seed=[1, 2]),
                           "`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate=1.0"),
                   r.error(lambda: tf.nn.experimental.stateless_dropout(tf.constant([1, 2]), 0.5, seed=[1, 2]),
                           "`x.dtype` must be a floating point tensor as `x` will be scaled.")]
    with tf.Session() as s:
        r["values"] = s.run([a, b, d])
        r["grad"] = s.run(tf.gradients(tf.reduce_sum(a * x), x)[0])


@program
def test_module_helpers(tf, r):
    """tf.test's helpers: assert_equal_graph_def's verdicts and TF's messages (missing, extra, op, attr value,
    input order), its TypeErrors; with_eager_op_as_function, disable_with_predicate, StubOutForTesting, mock."""
    def graph(build):
        with tf.Graph().as_default() as g:
            build()
        return g.as_graph_def()

    def add(x=1.0, y=2.0, op=tf.add):
        return op(tf.constant(x, name="a"), tf.constant(y, name="b"), name="c")

    base = graph(add)
    cases = {
        "same": (graph(add), ()),
        "missing": (graph(lambda: tf.constant(1.0, name="a")), ("Did not find expected node '{{node b}} = Const[",)),
        "extra": (graph(lambda: [add(), tf.constant(3.0, name="d")]), ("Found unexpected node '{{node d}} = Const",)),
        "op": (graph(lambda: add(op=tf.subtract)), ("Node named 'c' has op 'Sub' that is not expected 'AddV2'",)),
        "value": (graph(lambda: add(y=5.0)), ("Node named 'b' has attr 'value' with value: ", "that does not match")),
        "inputs": (graph(lambda: tf.add(tf.constant(2.0, name="b"), tf.constant(1.0, name="a"), name="c")),
                   ("Node named 'c' has input 0 'b' that doesn't match expected 'a'",)),
    }
    for key, (actual, fragments) in cases.items():
        r["graph_def_" + key] = r.error(lambda a=actual: tf.test.assert_equal_graph_def(a, base), *fragments)
    r["graph_def_types"] = [r.error(lambda: tf.test.assert_equal_graph_def(1, base), "Expected tf.GraphDef for actual, "
                                                                                      "got int"),
                            r.error(lambda: tf.test.assert_equal_graph_def(base, "x"), "Expected tf.GraphDef for "
                                                                                       "expected, got str")]

    class Case:
        ran = []

        def skipTest(self, message):  # noqa: N802 - unittest's name
            raise RuntimeError(message)

        @tf.test.disable_with_predicate(lambda: True, "off here")
        def off(self):
            self.ran.append("off")

        @tf.test.disable_with_predicate(lambda: False, "on")
        def on(self):
            self.ran.append("on")
            return 7

    r["eager_op_as_function"] = [tf.test.with_eager_op_as_function(Case) is Case,
                                 tf.test.with_eager_op_as_function(only_as_function=True)(Case) is Case]
    r["disable"] = [r.error(Case().off, "off here"), Case().on(), Case.ran]
    stubs = tf.test.StubOutForTesting()
    stubs.Set(os.path, "exists", lambda p: "stubbed")
    stubs.SmartSet(Case(), "on", lambda self: "smart")
    r["stubbed"] = [os.path.exists("/"), Case().on()]
    stubs.CleanUp()
    r["restored"] = [os.path.exists("/"), Case().on(), tf.test.mock.MagicMock()(3) is not None]
    r["benchmark_config"] = str(tf.test.benchmark_config().graph_options)


@program
def summary_descriptions(tf, r):
    """tf.summary's SummaryDescription and get_summary_description (a TensorSummary NodeDef's JSON description;
    TF's ValueError for other ops, TensorSummaryV2 included), all_v2_summary_ops of a graph without v2 summaries,
    initialize without a default writer."""
    node = tf.NodeDef(name="legacy", op="TensorSummary")
    node.attr["description"].s = b'{"typeHint": "scalar"}'
    d = tf.summary.get_summary_description(node)
    r["description"] = [type(d).__name__, d.type_hint, tf.summary.SummaryDescription(type_hint="x").type_hint]
    t = tf.summary.tensor_summary("t", tf.constant([1.0]), summary_description="hello")
    r["errors"] = [r.error(lambda: tf.summary.get_summary_description(t.op.node_def),
                           "Can't get_summary_description on TensorSummaryV2"),
                   r.error(lambda: tf.summary.get_summary_description(tf.summary.scalar("s", 1.0).op.node_def),
                           "Can't get_summary_description on ScalarSummary"),
                   r.error(tf.summary.initialize, "No default tf.contrib.summary.SummaryWriter found")]
    r["v2_ops"] = tf.summary.all_v2_summary_ops()


@program
def proto_decode_encode(tf, r):
    """tf.io.decode_proto / encode_proto over a message type given as a serialized FileDescriptorSet: sizes, values
    padded with each field's default (a singular field's own default), a nested message serialized, text format,
    the round trip through encode_proto, TF's errors."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FileDescriptorProto(name="probe.proto", package="probe", syntax="proto2")
    inner = fdp.message_type.add(name="Inner")
    f = descriptor_pb2.FieldDescriptorProto
    inner.field.add(name="x", number=1, type=f.TYPE_INT32, label=f.LABEL_OPTIONAL)
    m = fdp.message_type.add(name="M")
    one, many = f.LABEL_OPTIONAL, f.LABEL_REPEATED
    for name, number, kind, label in [("a", 1, f.TYPE_INT32, one), ("b", 2, f.TYPE_FLOAT, many),
                                      ("c", 3, f.TYPE_STRING, one), ("d", 4, f.TYPE_INT64, many),
                                      ("e", 5, f.TYPE_BOOL, one), ("g", 6, f.TYPE_DOUBLE, one)]:
        m.field.add(name=name, number=number, type=kind, label=label)
    m.field.add(name="sub", number=7, type=f.TYPE_MESSAGE, label=f.LABEL_REPEATED, type_name=".probe.Inner")
    m.field[0].default_value = "7"
    m.field[2].default_value = "none"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("probe.M"))
    inner_cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("probe.Inner"))
    msgs = [cls(a=3, b=[1.5, 2.5, 3.5], c="hi", d=[10], e=True, sub=[inner_cls(x=4), inner_cls(x=5)]),
            cls(b=[4.0], g=2.25), cls()]
    src = b"bytes://" + descriptor_pb2.FileDescriptorSet(file=[fdp]).SerializeToString()
    names = ["a", "b", "c", "d", "e", "g", "sub"]
    types = [tf.int32, tf.float32, tf.string, tf.int64, tf.bool, tf.float64, tf.string]
    data = tf.constant([[x.SerializeToString() for x in msgs]])
    sizes, values = tf.io.decode_proto(data, "probe.M", names, types, descriptor_source=src)
    wide = tf.io.decode_proto(data, "probe.M", ["a", "b"], [tf.int64, tf.float64], descriptor_source=src)
    encoded = tf.io.encode_proto(sizes, values, names, "probe.M", descriptor_source=src)
    text = tf.io.decode_proto(tf.constant([str(msgs[0]).encode()]), "probe.M", ["a", "b"], [tf.int32, tf.float32],
                              descriptor_source=src, message_format="text")
    r["shapes"] = [dims(sizes)] + [dims(v) for v in values]

    def fails(message_type, fields, out_types, *fragments, x=data):
        return r.error(lambda: s.run(tf.io.decode_proto(x, message_type, fields, out_types, descriptor_source=src)),
                       *fragments)
    with tf.Session() as s:
        r["decoded"] = s.run([sizes, values])
        r["wide"] = s.run(wide)
        r["round_trip"] = [cls.FromString(b) == x for b, x in zip(s.run(encoded).ravel().tolist(), msgs)]
        r["text"] = s.run(text)
        r["errors"] = [fails("probe.Nope", ["a"], [tf.int32], "No descriptor found for message type probe.Nope"),
                       fails("probe.M", ["zz"], [tf.int32], "Unknown field: zz in message type probe.M"),
                       fails("probe.M", ["a"], [tf.float32], "Unexpected output type for probe.M.a: int32 to DT_FLOAT"),
                       fails("probe.M", ["a", "b"], [tf.int32],
                             "field_names and output_types attributes must have the same length"),
                       fails("probe.M", ["a"], [tf.int32], x=tf.constant([b"\xff\xff"]))]


@program
def separable_conv1d_layers(tf, r):
    """tf.layers.separable_conv1d / SeparableConv1D (same padding with depth multiplier, strides, channels_first),
    their variables and values; tf.layers.InputSpec."""
    x = tf.constant(np.linspace(-1, 1, 2 * 7 * 3, dtype=np.float32).reshape(2, 7, 3))
    y = tf.layers.separable_conv1d(
        x, 4, 3, depth_multiplier=2, padding="same", activation=tf.nn.relu,
        depthwise_initializer=tf.constant_initializer(np.linspace(-1, 1, 18).reshape(3, 3, 2)),
        pointwise_initializer=tf.constant_initializer(np.linspace(-0.5, 0.5, 24).reshape(1, 6, 4)),
        bias_initializer=tf.constant_initializer(0.1))
    z = tf.layers.SeparableConv1D(2, 2, strides=2, depthwise_initializer=tf.ones_initializer(), name="sep",
                                  pointwise_initializer=tf.constant_initializer(np.arange(6.0).reshape(1, 3, 2)))(x)
    w = tf.layers.SeparableConv1D(2, 3, data_format="channels_first", dilation_rate=2, name="first",
                                  depthwise_initializer=tf.constant_initializer(0.5),
                                  pointwise_initializer=tf.constant_initializer(-0.25))(tf.transpose(x, [0, 2, 1]))
    spec = tf.layers.InputSpec(ndim=3, axes={-1: 3})
    r["shapes"] = [dims(y), dims(z), dims(w), spec.ndim, spec.axes == {-1: 3}]
    r["variables"] = [(v.name, v.shape.as_list()) for v in tf.global_variables()]
    grad = tf.gradients(tf.reduce_sum(y * y), [x] + tf.trainable_variables()[:3])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["values"] = s.run([y, z, w])
        r["grads"] = s.run(grad)


@program
def graph_util_threading_checkpoint_options(tf, r):
    """tf.graph_util.import_graph_def (tf.import_graph_def) and must_run_on_cpu on Operations and NodeDefs;
    tf.config.threading's inter-op setting; tf.train.CheckpointOptions' fields and its sharding-callback error."""
    ops = [tf.constant(1), tf.constant("s"), tf.constant(1.0), tf.cast(tf.constant(2), tf.float32),
           tf.cast(tf.constant(2.0), tf.int32), tf.dynamic_stitch([[0], [1]], [[1], [2]]),
           tf.Variable(1.0)]
    ops = [t.op for t in ops]
    r["must_run_on_cpu"] = [tf.graph_util.must_run_on_cpu(o) for o in ops]
    r["pinned"] = [tf.graph_util.must_run_on_cpu(o, pin_variables_on_cpu=True) for o in ops]
    node = tf.NodeDef(name="c", op="Const")
    node.attr["dtype"].type = 3
    r["node_def"] = tf.graph_util.must_run_on_cpu(node)
    r["same_import"] = tf.graph_util.import_graph_def is tf.import_graph_def
    before = tf.config.threading.get_inter_op_parallelism_threads()
    tf.config.threading.set_inter_op_parallelism_threads(3)
    r["inter_op"] = [before, tf.config.threading.get_inter_op_parallelism_threads()]
    tf.config.threading.set_inter_op_parallelism_threads(0)
    o = tf.train.CheckpointOptions(experimental_io_device="/job:localhost", experimental_enable_async_checkpoint=True)
    r["options"] = [o.experimental_io_device, o.enable_async, o.experimental_enable_async_checkpoint,
                    tf.train.CheckpointOptions().enable_async, o.experimental_skip_slot_variables]
    r["bad_callback"] = r.error(lambda: tf.train.CheckpointOptions(experimental_sharding_callback=3),
                                "experimental_sharding_callback checkpoint option")


@program
def partitioned_variables(tf, r):
    """get_variable with TF1's three partitioners: the parts' names and shapes, the whole value, embedding_lookup
    over the partitions ("mod" and "div"), reuse, a tensor initializer sliced per part, TF's errors."""
    table = np.arange(21, dtype=np.float32).reshape(7, 3)
    with tf.variable_scope("emb"):
        pv = tf.get_variable("table", initializer=tf.constant(table), partitioner=tf.fixed_size_partitioner(3))
    r["parts"] = [[v.name, v.shape.as_list(), v._save_slice_info.spec] for v in pv]
    r["pv"] = [pv.name, pv.get_shape().as_list(), pv.dtype.name, len(pv), pv._get_partitions()]
    r["globals"] = [v.name for v in tf.global_variables()]
    r["trainable"] = [v.name for v in tf.trainable_variables()]
    whole = tf.convert_to_tensor(pv)
    r["whole"] = [whole.name, whole.op.type, whole.shape.as_list()]
    with tf.variable_scope("emb", reuse=True):
        r["reused"] = tf.get_variable("table", (7, 3), partitioner=tf.fixed_size_partitioner(3)) is pv
        r["reused_without_partitioner"] = tf.get_variable("table") is pv
        r["other_partitions"] = r.error(lambda: tf.get_variable("table", (7, 3),
                                                                partitioner=tf.fixed_size_partitioner(2)),
                                        "specified partitions [2, 1]")
    r["exists"] = r.error(lambda: tf.get_variable("emb/table", (7, 3), partitioner=tf.fixed_size_partitioner(3)),
                          "already exists")
    tf.get_variable("plain", (2,))
    r["unpartitioned"] = r.error(lambda: tf.get_variable("plain", (2,), partitioner=tf.fixed_size_partitioner(2)),
                                 "unpartitioned version")
    r["partitioned_without"] = r.error(lambda: tf.get_variable("emb/table", (7, 3)), "partitioned version")
    r["scalar"] = tf.get_variable("s", (), partitioner=tf.fixed_size_partitioner(2)).name
    r["not_callable"] = r.error(lambda: tf.get_variable("nc", (4,), partitioner=3), "must be callable")
    r["two_axes"] = r.error(lambda: tf.get_variable("t", (4, 4), partitioner=lambda shape, dtype: [2, 2]),
                            "one dimension")
    axis = tf.get_variable("by_axis", (10, 4), tf.float64, tf.ones_initializer(),
                           partitioner=tf.variable_axis_size_partitioner(70))
    r["axis_size"] = [v.shape.as_list() for v in axis]
    r["axis_size_capped"] = tf.variable_axis_size_partitioner(70, max_shards=2)(
        shape=tf.TensorShape([10, 4]), dtype=tf.float64)
    r["min_max"] = [tf.min_max_variable_partitioner(4, min_slice_size=64 << 10)(
        shape=tf.TensorShape(s), dtype=tf.float32) for s in ([1000, 100], [10, 100], [3, 100000])]
    r["min_max_axis"] = r.error(lambda: tf.min_max_variable_partitioner(2, axis=2)(
        shape=tf.TensorShape([3, 4]), dtype=tf.float32), "Cannot partition variable along axis 2")
    with tf.variable_scope("scoped", partitioner=tf.fixed_size_partitioner(2, axis=1)):
        scoped = tf.get_variable("w", (2, 5), initializer=tf.zeros_initializer())
    r["scoped"] = [v.name for v in scoped]
    ids = tf.constant([[0, 4], [6, 2]])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["whole_value"] = s.run(whole)
        r["sum"] = s.run(tf.reduce_sum(pv, 0))
        r["no_operators"] = r.error(lambda: pv * 2.0, "unsupported operand")
        r["mod"] = s.run(tf.nn.embedding_lookup(pv, ids))
        r["div"] = s.run(tf.nn.embedding_lookup(pv, ids, partition_strategy="div"))
        r["axis_values"] = s.run(tf.convert_to_tensor(axis))
        s.run(pv.assign(table[::-1] * 1.0))
        r["assigned"] = s.run([v.value() for v in pv])


@program
def linalg_values_and_gradients(tf, r):
    """Determinants, inverse, Cholesky, solves, decompositions and band/diagonal ops in float64, with their
    gradients: sign-free functions of singular and eigen vectors and of Q, R (LAPACK's and Eigen's signs may
    differ), and shape errors."""
    rng = np.random.default_rng(11)
    a = tf.constant(rng.uniform(-0.5, 0.5, (2, 3, 3)) + 2 * np.eye(3))
    m = rng.uniform(-1, 1, (3, 3))
    spd = tf.constant(m @ m.T + 3 * np.eye(3))
    b = tf.constant(rng.standard_normal((2, 3, 2)))
    w = tf.constant(rng.standard_normal((4, 3)) + np.eye(4, 3) * np.array([2.0, 4.0, 6.0]))
    sym = (spd + tf.linalg.adjoint(spd)) * 0.5
    s, u, v = tf.svd(w)
    q, rr = tf.qr(w)
    e, vecs = tf.self_adjoint_eig(sym)
    sign, logabs = tf.linalg.slogdet(a)  # TF 1.x also had tf.log_matrix_determinant; TF 2's compat.v1 has not
    ys = {"det": tf.matrix_determinant(a), "sign": sign, "logabs": logabs, "inv": tf.matrix_inverse(a),
          "chol": tf.cholesky(sym),
          "solve": tf.matrix_solve(a, b), "solve_adjoint": tf.matrix_solve(a, b, adjoint=True),
          "tri_lower": tf.matrix_triangular_solve(a, b), "tri_upper_adjoint": tf.matrix_triangular_solve(
              a, b, lower=False, adjoint=True), "chol_solve": tf.cholesky_solve(tf.cholesky(sym), b[0]),
          "lstsq": tf.matrix_solve_ls(w, tf.constant([[1.0], [2.0], [3.0], [4.0]], tf.float64), 0.1),
          "logdet": tf.linalg.logdet(sym), "s": s, "abs_u": tf.abs(u), "abs_v": tf.abs(v), "abs_q": tf.abs(q),
          "abs_r": tf.abs(rr), "e": e, "abs_vecs": tf.abs(vecs), "eigvals": tf.self_adjoint_eigvals(sym),
          "singular_values": tf.svd(w, compute_uv=False), "band": tf.matrix_band_part(w, 1, 0),
          "diag": tf.matrix_diag(b[..., 0]), "diag_part": tf.matrix_diag_part(w), "trace": tf.trace(a),
          "set_diag": tf.matrix_set_diag(w, [7.0, 8.0, 9.0]), "expm": tf.linalg.expm(a - 2 * np.eye(3))}
    r["shapes"] = {k: [dims(t), t.dtype.name] for k, t in ys.items()}
    weights = {k: tf.constant(rng.standard_normal(dims(t))) for k, t in ys.items() if k != "sign"}
    loss = tf.add_n([tf.reduce_sum(ys[k] * weights[k]) for k in sorted(weights)])
    grads = tf.gradients(loss, [a, spd, b, w])
    second = tf.gradients(tf.reduce_sum(tf.gradients(tf.reduce_sum(ys["det"] + ys["inv"][..., 0, 1]), a)[0]
                                        * weights["inv"]), a)[0]
    with tf.Session() as sess:
        r["values"] = sess.run(ys)
        r["grads"] = sess.run(grads)
        r["second"] = sess.run(second)
    rank1, unequal = "Shape must be at least rank 2 but is rank 1", "Dimensions must be equal"
    for key, build, fragment in [
            ("det_rank1", lambda: tf.matrix_determinant(tf.ones([3])), rank1),
            ("det_not_square", lambda: tf.matrix_determinant(tf.ones([2, 3])), unequal),
            ("solve_mismatch", lambda: tf.matrix_solve(tf.ones([3, 3]), tf.ones([2, 1])), unequal),
            ("svd_rank1", lambda: tf.svd(tf.ones([3])), rank1),
            ("det_int", lambda: tf.matrix_determinant(tf.ones([2, 2], tf.int32)), "not in list of allowed values")]:
        r[key] = r.error(build, fragment)

@program
def image_adjustments(tf, r):
    """tf.image's dtype conversion, flips, rotations, crops and pads, brightness, contrast and grayscale on a uint8
    and a float image (one and a batch), with a gradient through the float ones; random ones by shape and range."""
    rng = np.random.default_rng(12)
    u8 = tf.constant(rng.integers(0, 256, (4, 5, 3)).astype(np.uint8))
    f32 = tf.constant(rng.integers(0, 17, (1, 4, 5, 3)).astype(np.float32) / 16)  # short decimals: a small file
    ys = {"to_uint8": tf.image.convert_image_dtype(f32, tf.uint8),
          "to_uint8_sat": tf.image.convert_image_dtype(f32 * 1.5 - 0.25, tf.uint8, saturate=True),
          "lr": tf.image.flip_left_right(u8), "ud": tf.image.flip_up_down(u8),
          "rot1": tf.image.rot90(u8), "rot3": tf.image.rot90(f32[:1], 3),
          "central": tf.image.central_crop(u8, 0.5),
          "crop": tf.image.crop_to_bounding_box(f32, 1, 2, 3, 3),
          "pad": tf.image.pad_to_bounding_box(u8, 1, 2, 6, 8),
          "crop_or_pad": tf.image.resize_image_with_crop_or_pad(u8, 3, 7),
          "crop_or_pad_batch": tf.image.resize_image_with_crop_or_pad(f32[:1], 6, 3),
          "gray_u8": tf.image.rgb_to_grayscale(u8),
          "rgb": tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(u8)),
          "bright_u8": tf.image.adjust_brightness(u8, 0.2),
          "contrast_u8": tf.image.adjust_contrast(u8, 1.7), "contrast_f32": tf.image.adjust_contrast(f32[:1], 0.5)}
    r["shapes"] = {k: [dims(t), t.dtype.name] for k, t in ys.items() if not k.startswith("rot")}
    r["rot_shapes"] = {k: [dims(t), t.dtype.name] for k, t in ys.items() if k.startswith("rot")}
    floats = [k for k, t in ys.items() if t.dtype == tf.float32 and not k.startswith("contrast")]  # TF: no gradient
    loss = tf.add_n([tf.reduce_sum(ys[k] * (i + 1.0)) for i, k in enumerate(sorted(floats))])
    grad = tf.gradients(loss, f32)[0]
    rand = {"flip": tf.image.random_flip_left_right(u8, seed=1), "flip_ud": tf.image.random_flip_up_down(f32, seed=1),
            "brightness": tf.image.random_brightness(f32, 0.3, seed=1),
            "contrast": tf.image.random_contrast(u8, 0.5, 1.5, seed=1), "crop": tf.random_crop(u8, [3, 3, 3], seed=1),
            "image_crop": tf.image.random_crop(f32, [1, 2, 2, 3], seed=1)}
    r["random_shapes"] = {k: [dims(t), t.dtype.name] for k, t in rand.items()}
    with tf.Session() as s:
        r["values"] = s.run(ys)
        r["grad"] = s.run(grad)
        got, img, imgf = s.run([rand, u8, f32])
    r["random_flip_is_a_flip"] = bool((got["flip"] == img).all() or (got["flip"] == img[:, ::-1]).all())
    delta = got["brightness"] - imgf
    r["random_brightness_in_range"] = bool(np.ptp(delta) < 1e-5 and abs(delta.flat[0]) <= 0.3)
    windows = [img[i:i + 3, j:j + 3] for i in range(2) for j in range(3)]
    r["random_crop_is_a_window"] = any((w == got["crop"]).all() for w in windows)
    r["errors"] = [r.error(lambda: tf.image.crop_to_bounding_box(u8, 2, 0, 3, 5), "height must be >= target + offset"),
                   r.error(lambda: tf.image.pad_to_bounding_box(u8, -1, 0, 8, 8), "offset_height must be >= 0"),
                   r.error(lambda: tf.image.flip_left_right(tf.zeros([3, 3])), "must be at least three-dimensional"),
                   r.error(lambda: tf.image.random_contrast(u8, 1.0, 0.5), "upper must be > lower")]


def _fc_features(tf):
    """A small census-like batch: dense strings of shape [batch] and [batch, 2], a SparseTensor of strings, ints,
    floats and weights."""
    return {"edu": tf.constant(["Bachelors", "HS-grad", "Masters", "Doctorate"]),
            "tags": tf.constant([["a", "b"], ["c", ""], ["", ""], ["b", "zz"]]),
            "occ": tf.SparseTensor([[0, 0], [1, 0], [1, 1], [3, 2]], ["Sales", "Tech", "Sales", "Exec-managerial"],
                                   [4, 3]),
            "n": tf.constant([[1, 3], [2, -1], [7, 0], [-1, -1]], tf.int64),
            "code": tf.constant([10, 20, 30, 40]),
            "nw": tf.constant([[0.5, 2.0], [1.0, 0.0], [3.0, 1.0], [0.0, 0.0]]),  # 0 where n is -1
            "age": tf.constant([17.0, 30.0, 44.5, 80.0]), "xy": tf.constant([[0.5, -1.0], [2.0, 0.0], [1.0, 1.0],
                                                                             [-3.0, 5.0]])}


@program
def feature_column_ids_and_input_layer(tf, r):
    """tf.feature_column's categorical columns seen through indicator columns (their bucket ids: vocabulary with
    OOV buckets and defaults, identity, FarmHash buckets of strings and ints, buckets, hashed crosses of dense,
    sparse and categorical inputs, weights), embeddings from fixed tables with each combiner and max_norm, the
    input_layer's variables, width and gradient, and the columns' errors."""
    fc = tf.feature_column
    f = _fc_features(tf)
    edu = fc.categorical_column_with_vocabulary_list("edu", ["Bachelors", "Masters", "HS-grad"], num_oov_buckets=3)
    tags = fc.categorical_column_with_vocabulary_list("tags", ["a", "b", "c"], default_value=1)
    occ = fc.categorical_column_with_hash_bucket("occ", 50)
    code_hash = fc.categorical_column_with_hash_bucket("code", 7, dtype=tf.int32)
    code_vocab = fc.categorical_column_with_vocabulary_list("code", [20, 40, 10], num_oov_buckets=2)
    ident = fc.categorical_column_with_identity("n", 4, default_value=0)
    age = fc.bucketized_column(fc.numeric_column("age"), [18.0, 30.0, 50.0])
    xy = fc.bucketized_column(fc.numeric_column("xy", shape=2), [0.0, 1.5])
    cats = {"edu": edu, "tags": tags, "occ": occ, "code_hash": code_hash, "code_vocab": code_vocab,
            "ident": ident, "age": age, "xy": xy, "weighted": fc.weighted_categorical_column(ident, "nw"),
            "cross_dense": fc.crossed_column(["edu", age], 30), "cross_sparse": fc.crossed_column(["occ", "tags"], 40),
            "cross_cats": fc.crossed_column([tags, code_vocab], 25)}
    ind = {k: fc.input_layer(f, [fc.indicator_column(c)]) for k, c in cats.items()}
    r["indicator_names"] = {k: fc.indicator_column(c).name for k, c in cats.items()}
    dense_buckets = fc.input_layer(f, [xy, age])
    tables = {}

    def table(rows, dim):
        tables[rows, dim] = np.arange(rows * dim, dtype=np.float32).reshape(rows, dim) / 10 - 1
        return tf.constant_initializer(tables[rows, dim])

    embs = [fc.embedding_column(edu, 3, initializer=table(6, 3)),
            fc.embedding_column(tags, 2, combiner="sqrtn", initializer=table(3, 2)),
            fc.embedding_column(fc.weighted_categorical_column(ident, "nw"), 2, combiner="sum",
                                initializer=table(4, 2)),
            fc.embedding_column(occ, 2, combiner="mean", initializer=table(50, 2), max_norm=1.5),
            fc.numeric_column("age")]
    out = fc.input_layer(f, embs)
    r["input_layer_shape"] = dims(out)
    r["variables"] = [[v.name, dims(v)] for v in tf.global_variables()]
    spec_columns = [c for k, c in cats.items() if k != "code_hash"] + embs
    r["spec"] = {k: str(v) for k, v in sorted(fc.make_parse_example_spec(spec_columns).items())}
    r["spec_clash"] = r.error(lambda: fc.make_parse_example_spec([code_hash, code_vocab]), "different parse_spec")
    loss = tf.reduce_sum(out * tf.constant(np.linspace(-1, 1, 10).astype(np.float32)))
    grads = [tf.convert_to_tensor(g) for g in tf.gradients(loss, tf.trainable_variables())]
    with tf.Session() as s:
        s.run([tf.global_variables_initializer(), tf.tables_initializer()])
        r["indicators"] = s.run(ind)
        r["dense_buckets"] = s.run(dense_buckets)
        r["embeddings"] = s.run(out)
        r["grads"] = s.run(grads)
    r["errors"] = [
        r.error(lambda: fc.categorical_column_with_vocabulary_list("k", []), "must be non-empty"),
        r.error(lambda: fc.categorical_column_with_vocabulary_list("k", ["a", "a"]), "Duplicate keys"),
        r.error(lambda: fc.categorical_column_with_vocabulary_list("k", ["a"], default_value=0, num_oov_buckets=1),
                "Can't specify both num_oov_buckets and default_value"),
        r.error(lambda: fc.bucketized_column(fc.numeric_column("a"), [3.0, 1.0]), "boundaries must be a sorted list"),
        r.error(lambda: fc.embedding_column(edu, 0), "Invalid dimension"),
        r.error(lambda: fc.crossed_column(["a"], 10), "keys must be a list with length > 1"),
        r.error(lambda: fc.crossed_column([occ, "a"], 10), "is not supported for crossing"),
        r.error(lambda: fc.crossed_column([fc.numeric_column("a"), "b"], 10), "Unsupported key type"),
        r.error(lambda: fc.input_layer(f, [edu]), "must be a _DenseColumn"),
        r.error(lambda: fc.input_layer(f, [fc.indicator_column(fc.categorical_column_with_vocabulary_list(
            "code", ["x"]))]), "dtype must be compatible")]


@program
def feature_column_linear_model(tf, r):
    """linear_model over numeric, bucketized, vocabulary, hashed, crossed and weighted columns: its variables
    (names, shapes), its output from fixed weights with the sum and mean sparse combiners, and the gradient."""
    fc = tf.feature_column
    f = _fc_features(tf)
    age = fc.bucketized_column(fc.numeric_column("age"), [18.0, 30.0, 50.0])
    columns = [fc.numeric_column("xy", shape=2), age,
               fc.categorical_column_with_vocabulary_list("edu", ["Bachelors", "Masters"], num_oov_buckets=1),
               fc.categorical_column_with_hash_bucket("occ", 6), fc.crossed_column(["edu", age], 5),
               fc.weighted_categorical_column(fc.categorical_column_with_identity("n", 4, default_value=0), "nw")]
    out = fc.linear_model(f, columns, units=2)
    mean = fc.linear_model(f, columns[2:4], units=1, sparse_combiner="mean")
    r["variables"] = [[v.name, dims(v)] for v in tf.global_variables()]
    r["shapes"] = [dims(out), dims(mean)]
    sets = [tf.assign(v, np.linspace(-1, 1, int(np.prod(dims(v)))).reshape(dims(v)).astype(np.float32))
            for v in tf.global_variables()]
    grads = [tf.convert_to_tensor(g) for g in tf.gradients(tf.reduce_sum(out * [1.0, -2.0]), tf.global_variables()[:7])]
    with tf.Session() as s:
        s.run([tf.global_variables_initializer(), tf.tables_initializer()])
        s.run(sets)
        r["outputs"] = s.run([out, mean])
        r["grads"] = s.run(grads)


@program
def feature_column_shared_embeddings(tf, r):
    """shared_embedding_columns: the columns' names, the one table (named by the sorted column names) made by the
    first input_layer and reused by the next, and the values from a fixed table."""
    fc = tf.feature_column
    a = fc.categorical_column_with_vocabulary_list("a", ["x", "y", "z"])
    b = fc.categorical_column_with_vocabulary_list("b", ["x", "y", "z"])
    sb, sa = fc.shared_embedding_columns([b, a], 2, combiner="sum",
                                         initializer=tf.constant_initializer(np.arange(6.0).reshape(3, 2)))
    f = {"a": tf.constant([["x", "z"], ["y", ""]]), "b": tf.constant(["y", "z"])}
    both, one = fc.input_layer(f, [sb, sa]), fc.input_layer(f, [sa])
    r["names"] = [sa.name, sb.name]
    r["variables"] = [[v.name, dims(v)] for v in tf.global_variables()]
    r["unlike"] = r.error(lambda: fc.shared_embedding_columns(
        [a, fc.categorical_column_with_identity("c", 5)], 2), "all categorical_columns must have the same type")
    r["uneven"] = r.error(lambda: fc.shared_embedding_columns(
        [a, fc.categorical_column_with_vocabulary_list("c", ["x"])], 2), "must have the same number of buckets")
    with tf.Session() as s:
        s.run([tf.global_variables_initializer(), tf.tables_initializer()])
        r["values"] = s.run([both, one])


# --- tf.metrics: the streaming metrics beyond accuracy and AUC (graphgrad/metrics/) ------------------------------

def _floats(values):
    """Each value's numbers as (nested lists of) floats to 7 significant digits: a compact record of many small
    results, their dtypes noted apart."""
    def one(v):
        a = np.asarray(v, np.float64)
        return np.vectorize(lambda x: float(f"{x:.7g}"), otypes=[float])(a).tolist() if a.size else a.tolist()
    return [one(v) for v in values]


def _stream(tf, r, key, pairs, batches, feeds):
    """Runs every metric's update_op over the batches (all fed at once), noting each update's result, the values
    before and after; also the local variables' names and dtypes and the value/update tensors' names and dtypes."""
    r[f"{key}_locals"] = [[v.name, v.dtype.base_dtype.name, dims(v)] for v in tf.local_variables()]
    r[f"{key}_names"] = [[v.name, u.name, v.dtype.base_dtype.name, u.dtype.base_dtype.name] for v, u in pairs]
    with tf.Session() as s:
        s.run(tf.local_variables_initializer())
        fd = dict(zip(feeds, batches[0]))
        r[f"{key}_before"] = _floats(s.run([v for v, _ in pairs], fd))
        for i, batch in enumerate(batches):
            fd = dict(zip(feeds, batch))
            r[f"{key}_update{i}"] = _floats(s.run([u for _, u in pairs], fd))
        r[f"{key}_after"] = _floats(s.run([v for v, _ in pairs], fd))


@program
def metrics_thresholds(tf, r):
    labels = tf.placeholder(tf.bool, [None])
    scores = tf.placeholder(tf.float32, [None])
    w = tf.placeholder(tf.float32, [None])
    m = tf.metrics
    th = [0.0, 0.25, 0.5, 0.9]
    pairs = [m.true_positives_at_thresholds(labels, scores, th), m.false_positives_at_thresholds(labels, scores, th),
             m.true_negatives_at_thresholds(labels, scores, th), m.false_negatives_at_thresholds(labels, scores, th),
             m.true_positives_at_thresholds(labels, scores, th, weights=w, name="tp_w"),
             m.precision_at_thresholds(labels, scores, th), m.recall_at_thresholds(labels, scores, th),
             m.precision_at_thresholds(labels, scores, th, weights=w),
             m.sensitivity_at_specificity(labels, scores, 0.5), m.sensitivity_at_specificity(labels, scores, 0.8, w),
             m.specificity_at_sensitivity(labels, scores, 0.5, num_thresholds=7),
             m.specificity_at_sensitivity(labels, scores, 0.9, weights=w)]
    batches = [([True, False, True, False, True], [0.9, 0.8, 0.3, 0.1, 0.6], [1.0, 2.0, 0.5, 1.0, 0.0]),
               ([False, False, True], [0.4, 0.95, 0.2], [1.0, 1.0, 3.0]),
               ([True, True, False, False], [1.0, 0.0, 0.5, 0.25], [0.5, 0.5, 2.0, 1.0])]
    _stream(tf, r, "t", pairs, batches, [labels, scores, w])
    r["bad_specificity"] = r.error(lambda: m.sensitivity_at_specificity(labels, scores, 1.5),
                                   "`specificity` must be in the range [0, 1]")
    r["bad_sensitivity"] = r.error(lambda: m.specificity_at_sensitivity(labels, scores, -0.1),
                                   "`sensitivity` must be in the range [0, 1]")


@program
def metrics_means(tf, r):
    x = tf.placeholder(tf.float32, [2, 3])
    y = tf.placeholder(tf.float32, [2, 3])
    w = tf.placeholder(tf.float32, [2, 1])
    m = tf.metrics
    pairs = [m.mean_tensor(x), m.mean_tensor(x, weights=w), m.percentage_below(x, 0.5),
             m.percentage_below(x, 0.5, weights=w), m.mean_relative_error(y, x, y),
             m.mean_relative_error(y, x, y, weights=w), m.mean_cosine_distance(y, x, 1),
             m.mean_cosine_distance(y, x, 1, weights=w)]
    batches = [([[0.1, 0.6, -1.0], [2.0, 0.5, 0.0]], [[1.0, 0.0, 0.0], [0.6, 0.8, 0.0]], [[1.0], [2.0]]),
               ([[0.3, 0.3, 0.3], [1.0, -2.0, 4.0]], [[0.0, 1.0, 0.0], [0.0, 0.6, 0.8]], [[0.0], [1.0]]),
               ([[-1.0, 0.7, 0.2], [0.4, 0.4, 0.5]], [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], [[3.0], [0.5]])]
    _stream(tf, r, "m", pairs, batches, [x, y, w])


@program
def metrics_classes(tf, r):
    """mean_iou and mean_per_class_accuracy with a class that never occurs (4 of 5) and one only predicted."""
    labels = tf.placeholder(tf.int64, [None])
    pred = tf.placeholder(tf.int32, [None])
    w = tf.placeholder(tf.float32, [None])
    m = tf.metrics
    pairs = [m.mean_iou(labels, pred, 5), m.mean_iou(labels, pred, 5, weights=w),
             m.mean_per_class_accuracy(labels, pred, 5), m.mean_per_class_accuracy(labels, pred, 5, weights=w)]
    batches = [([0, 1, 2, 2, 1], [0, 2, 2, 2, 1], [1.0, 0.5, 2.0, 1.0, 0.0]),
               ([3, 0, 0], [3, 1, 0], [1.0, 1.0, 4.0]),
               ([1, 2], [3, 2], [2.0, 0.5])]
    _stream(tf, r, "c", pairs, batches, [labels, pred, w])
    with tf.Graph().as_default():  # 2-D inputs are flattened; nothing seen yet gives 0
        iou, iou_op = tf.metrics.mean_iou(tf.constant([[0, 1], [1, 1]]), tf.constant([[0, 1], [0, 1]]), 3)
        with tf.Session() as s:
            s.run(tf.local_variables_initializer())
            r["iou_2d"] = [s.run(iou), s.run(iou_op), s.run(iou)]


@program
def metrics_at_k(tf, r):
    """precision/recall/average precision at k: two labels per row (one padded with -1), one label per row,
    class_id, weights, k larger than the number of labels, top-k ids given directly."""
    scores = tf.placeholder(tf.float32, [None, 4])
    labels = tf.placeholder(tf.int64, [None, 2])
    w = tf.placeholder(tf.float32, [None])
    m = tf.metrics
    single = labels[:, 0]
    top = tf.nn.top_k(scores, 2)[1]
    pairs = [m.precision_at_k(labels, scores, 2), m.recall_at_k(labels, scores, 2),
             m.precision_at_k(labels, scores, 1, class_id=2), m.recall_at_k(labels, scores, 3, class_id=0),
             m.sparse_precision_at_k(single, scores, 3), m.recall_at_k(single, scores, 4, weights=w),
             m.precision_at_k(labels, scores, 2, weights=w), m.precision_at_top_k(labels, top),
             m.recall_at_top_k(labels, top, k=2), m.recall_at_top_k(single, top, class_id=1),
             m.average_precision_at_k(labels, scores, 1), m.average_precision_at_k(labels, scores, 3),
             m.sparse_average_precision_at_k(single, scores, 2), m.average_precision_at_k(labels, scores, 2, w)]
    batches = [([[0.1, 0.5, 0.3, 0.2], [0.4, 0.3, 0.2, 0.1], [0.0, 0.1, 0.7, 0.2]], [[0, 2], [1, -1], [2, 3]],
                [1.0, 2.0, 0.5]),
               ([[0.9, 0.05, 0.03, 0.02], [0.2, 0.2, 0.5, 0.1]], [[0, 1], [3, 7]], [0.0, 1.0]),
               ([[0.25, 0.3, 0.35, 0.1]], [[2, 2]], [3.0])]
    _stream(tf, r, "k", pairs, batches, [scores, labels, w])
    r["bad_k"] = r.error(lambda: m.average_precision_at_k(labels, scores, 0), "Invalid k=0")
    r["k_over_classes"] = r.error(lambda: m.precision_at_k(labels, tf.constant([[0.1, 0.9]]), 3),
                                  "input must have last dimension >= k")


# --- tf.keras.losses and tf.keras.optimizers (Keras 2: tf-keras 2.21, TF_USE_LEGACY_KERAS=1) -----------------------

@program
def keras_losses_values(tf, r):
    """Every tf.keras loss function (Keras 2) on the same batch, and the loss objects with each reduction,
    sample weights, from_logits, label smoothing, the focal parameters and ignore_class."""
    L = tf.keras.losses
    yt = tf.constant([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    yp = tf.constant([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.0, 1.0, 0.0]])
    reg = tf.constant([[1.5, -2.0, 0.0], [3.0, 0.5, 0.1], [-1.0, 2.0, 4.0], [0.0, 0.2, 1e-9]])
    ids = tf.constant([1, 0, 2, 1])
    names = ["mse", "mae", "mape", "msle", "kld", "MSE", "MAE", "MAPE", "MSLE", "KLD", "hinge", "squared_hinge",
             "categorical_hinge", "log_cosh", "logcosh", "kl_divergence", "kullback_leibler_divergence", "poisson",
             "cosine_similarity", "cosine", "cosine_proximity", "mean_absolute_percentage_error",
             "mean_squared_logarithmic_error", "binary_crossentropy", "categorical_crossentropy",
             "binary_focal_crossentropy", "categorical_focal_crossentropy"]
    out = {n: getattr(L, n)(yt, yp) for n in names}
    out.update({f"{n}_reg": getattr(L, n)(reg, yp) for n in ["mse", "mape", "msle", "hinge", "squared_hinge",
                                                            "log_cosh", "poisson", "cosine_similarity"]})
    out["hinge_pm1"] = L.hinge(yt * 2.0 - 1.0, reg)
    out["scce"] = L.sparse_categorical_crossentropy(ids, yp)
    out["scce_logits"] = L.sparse_categorical_crossentropy(ids, reg, from_logits=True)
    out["cce_softmax"] = L.categorical_crossentropy(yt, tf.nn.softmax(reg * 10.0))
    out["bce_sigmoid"] = L.binary_crossentropy(yt, tf.sigmoid(reg * 10.0))
    out["bfce_args"] = L.binary_focal_crossentropy(yt, reg, apply_class_balancing=True, alpha=0.4, gamma=1.5,
                                                   from_logits=True, label_smoothing=0.1)
    out["cfce_args"] = L.categorical_focal_crossentropy(yt, reg, alpha=0.5, gamma=3.0, from_logits=True,
                                                        label_smoothing=0.2)
    out["cosine_axis0"] = L.cosine_similarity(yt, reg, axis=0)
    w = tf.constant([1.0, 2.0, 0.0, 0.5])
    objs = {"mse": L.MeanSquaredError(), "mse_sum": L.MeanSquaredError(reduction="sum"),
            "mse_none": L.MeanSquaredError(reduction="none"), "mae_sobs": L.MeanAbsoluteError("sum_over_batch_size"),
            "huber": L.Huber(), "huber_03": L.Huber(0.3), "huber_2_sum": L.Huber(delta=2.0, reduction="sum"),
            "hinge": L.Hinge(), "sq_hinge": L.SquaredHinge(), "cat_hinge": L.CategoricalHinge(),
            "kld": L.KLDivergence(), "logcosh": L.LogCosh(), "poisson": L.Poisson(), "cos": L.CosineSimilarity(),
            "cos0": L.CosineSimilarity(axis=0), "mape": L.MeanAbsolutePercentageError(),
            "msle": L.MeanSquaredLogarithmicError(), "bce": L.BinaryCrossentropy(),
            "bce_ls": L.BinaryCrossentropy(label_smoothing=0.2), "cce_logits": L.CategoricalCrossentropy(
                from_logits=True, label_smoothing=0.1), "bfce": L.BinaryFocalCrossentropy(gamma=1.0),
            "cfce": L.CategoricalFocalCrossentropy(alpha=0.3)}
    for k, obj in objs.items():
        pred = reg if k in ("huber", "huber_03", "huber_2_sum", "hinge", "sq_hinge", "cos", "cos0", "cce_logits",
                            "logcosh") else yp
        out[f"obj_{k}"] = obj(yt, pred)
        out[f"obj_{k}_w"] = obj(yt, pred, sample_weight=w[:3] if k == "cos0" else w)
    out["obj_mse_w2d"] = L.MeanSquaredError()(yt, yp, sample_weight=tf.reshape(w, [4, 1]))
    out["obj_mse_scalar_w"] = L.MeanSquaredError(reduction="sum")(yt, yp, sample_weight=3.0)
    out["obj_scce"] = L.SparseCategoricalCrossentropy()(ids, yp)
    out["obj_scce_col"] = L.SparseCategoricalCrossentropy(from_logits=True)(tf.reshape(ids, [4, 1]), reg)
    out["obj_scce_ignore"] = L.SparseCategoricalCrossentropy(ignore_class=1)(ids, yp)
    out["obj_scce_ignore_w"] = L.SparseCategoricalCrossentropy(ignore_class=2, reduction="sum")(ids, yp, w)
    out["obj_bce_vector"] = L.BinaryCrossentropy()(tf.constant([1.0, 0.0, 1.0]), tf.constant([[0.9], [0.2], [0.4]]))
    with tf.Session() as s:
        got = s.run(out)
    r["values"] = dict(zip(got, _floats(got.values())))
    r["dtypes"] = sorted({t.dtype.base_dtype.name for t in out.values()})
    r["names"] = [L.MeanSquaredError()(yt, yp).name, L.Huber()(yt, reg).name,
                  L.Huber(name="my_huber")(yt, reg, sample_weight=w).name]


@program
def keras_losses_config(tf, r):
    """get_config / from_config / serialize / deserialize / get of tf.keras' loss classes, and their errors."""
    L = tf.keras.losses
    classes = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
               "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
               "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy", "CosineSimilarity", "Hinge",
               "SquaredHinge", "CategoricalHinge", "Poisson", "LogCosh", "KLDivergence", "Huber"]
    r["configs"] = {c: getattr(L, c)().get_config() for c in classes}
    r["serialized"] = L.serialize(L.Huber(delta=2.5, reduction="sum", name="h"))
    r["focal"] = L.serialize(L.BinaryFocalCrossentropy(True, 0.4, 1.0, True))
    back = L.deserialize({"class_name": "CategoricalFocalCrossentropy", "config": {"alpha": 0.1, "gamma": 4.0}})
    r["deserialized"] = [type(back).__name__, back.get_config()]
    r["from_config"] = L.Huber.from_config(L.Huber(0.5, name="x").get_config()).get_config()
    r["by_name"] = [L.deserialize(n).__name__ for n in ["mse", "huber", "logcosh", "kld", "cosine_similarity"]]
    r["by_class_name"] = [type(L.get(n)).__name__ for n in ["Huber", "LogCosh", "Poisson"]]
    r["get_fn"] = [L.get("MAPE").__name__, L.get(L.hinge).__name__, L.get(None)]
    r["aliases"] = [L.KLD is L.kl_divergence, L.cosine is L.cosine_similarity, L.logcosh is L.log_cosh,
                    L.mse is L.mean_squared_error, L.msle is L.MSLE]
    r["bad_reduction"] = r.error(lambda: L.Huber(reduction="mean"), "Invalid Reduction Key: mean")
    r["unknown"] = r.error(lambda: L.deserialize("nope"), "Unknown loss function: 'nope'")
    r["bad_get"] = r.error(lambda: L.get(3), "Could not interpret loss function identifier: 3")


# --- tf.keras.metrics (Keras 2's stateful Metric classes; graphgrad/keras/metrics/) ------------------------------

def _keras_metric_objects(M):
    return {"auc": M.AUC(), "auc_pr": M.AUC(curve="PR"), "auc_pr_trap": M.AUC(curve="PR", summation_method="majoring"),
            "auc_min": M.AUC(num_thresholds=5, summation_method="minoring"), "auc_thr": M.AUC(thresholds=[0.3, 0.6]),
            "auc_ml": M.AUC(multi_label=True), "auc_ml_w": M.AUC(multi_label=True, label_weights=[1.0, 2.0, 0.5]),
            "auc_lw": M.AUC(label_weights=[1.0, 0.0, 2.0]), "auc_logits": M.AUC(from_logits=True),
            "prec": M.Precision(), "prec_thr": M.Precision(thresholds=[0.15, 0.5, 0.65]), "rec": M.Recall(),
            "prec_top": M.Precision(top_k=1), "rec_top": M.Recall(top_k=2), "prec_cls": M.Precision(class_id=1),
            "rec_cls_thr": M.Recall(thresholds=[0.2, 0.4], class_id=0), "tp": M.TruePositives(),
            "fp": M.FalsePositives(0.3), "tn": M.TrueNegatives([0.1, 0.5]), "fn": M.FalseNegatives(),
            "sas": M.SensitivityAtSpecificity(0.7), "sas_cls": M.SensitivityAtSpecificity(0.5, class_id=2),
            "spas": M.SpecificityAtSensitivity(0.6, num_thresholds=50), "par": M.PrecisionAtRecall(0.5),
            "rap": M.RecallAtPrecision(0.8), "rap_none": M.RecallAtPrecision(1.0, num_thresholds=3),
            "acc": M.Accuracy(), "bin_acc": M.BinaryAccuracy(), "bin_acc_03": M.BinaryAccuracy(threshold=0.3),
            "cat_acc": M.CategoricalAccuracy(), "top2": M.TopKCategoricalAccuracy(k=2),
            "bce": M.BinaryCrossentropy(), "bce_ls": M.BinaryCrossentropy(label_smoothing=0.1),
            "cce": M.CategoricalCrossentropy(), "kld": M.KLDivergence(), "poisson": M.Poisson(), "hinge": M.Hinge(),
            "sq_hinge": M.SquaredHinge(), "cat_hinge": M.CategoricalHinge(), "cos": M.CosineSimilarity(),
            "mae": M.MeanAbsoluteError(), "mape": M.MeanAbsolutePercentageError(),
            "mse": M.MeanSquaredError(), "msle": M.MeanSquaredLogarithmicError(), "logcosh": M.LogCoshError(),
            "rmse": M.RootMeanSquaredError(), "mre": M.MeanRelativeError(normalizer=[1.0, 2.0, 4.0]),
            "ohiou": M.OneHotIoU(3, [0, 2]),
            "ohmiou": M.OneHotMeanIoU(3), "mwrap": M.MeanMetricWrapper(M.mse)}


@program
def keras_metrics_values(tf, r):
    """Keras 2's metric classes in graph mode: two batches (the second weighted) added by update_state / calling
    the metric, the results so far, and after reset_state one more batch. (R2Score and F1Score are checked in
    tests/test_keras_metrics.py: in TF1 graph mode tf_keras builds their assignments without returning them, so
    a Session never runs them.)"""
    M = tf.keras.metrics
    yt = tf.placeholder(tf.float32, [None, 3])
    yp = tf.placeholder(tf.float32, [None, 3])
    w = tf.placeholder(tf.float32, [None])
    t1 = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]], np.float32)
    p1 = np.array([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]], np.float32)
    t2 = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], np.float32)
    p2 = np.array([[0.3, 0.45, 0.25], [0.05, 0.55, 0.4], [0.35, 0.35, 0.3]], np.float32)
    objs = _keras_metric_objects(M)
    first = {k: m.update_state(yt, yp) for k, m in objs.items()}
    second = {k: m(yt, yp, sample_weight=w) for k, m in objs.items()}
    results = {k: m.result() for k, m in objs.items()}
    sparse = {"sparse_acc": M.SparseCategoricalAccuracy(), "sparse_top2": M.SparseTopKCategoricalAccuracy(2),
              "scce": M.SparseCategoricalCrossentropy(), "miou": M.MeanIoU(3), "iou": M.IoU(3, [1]),
              "miou_ignore": M.MeanIoU(3, ignore_class=0, sparse_y_pred=False)}
    ids = tf.placeholder(tf.int32, [None])
    sparse_out = {k: m(ids, yp if k != "miou" and k != "iou" else tf.argmax(yp, 1), sample_weight=w)
                  for k, m in sparse.items()}
    means = {"mean": M.Mean(), "sum": M.Sum(), "mean_tensor": M.MeanTensor(), "bin_iou": M.BinaryIoU([0, 1], 0.4)}
    v = tf.placeholder(tf.float32, [4, 3])
    means_out = {k: (m(v, sample_weight=w) if k != "bin_iou" else m(yt, v)) for k, m in means.items()}
    every = list(objs.values()) + list(sparse.values()) + list(means.values())
    with tf.Session() as s:
        s.run(tf.variables_initializer([var for m in every for var in m.variables]))
        s.run(first, {yt: t1, yp: p1})
        got = s.run(second, {yt: t2, yp: p2, w: [1.0, 0.5, 2.0]})
        r["called"] = dict(zip(got, _floats(got.values())))
        got = s.run(results)
        r["results"] = dict(zip(got, _floats(got.values())))
        got = s.run(sparse_out, {ids: [1, 0, 2, 2], yp: p1, w: [1.0, 2.0, 0.0, 0.5]})
        r["sparse"] = dict(zip(got, _floats(got.values())))
        got = s.run(means_out, {v: p1, yt: t1, w: [1.0, 2.0, 0.0, 0.5]})
        r["means"] = dict(zip(got, _floats(got.values())))
        for m in objs.values():
            m.reset_state()
        got = s.run(second, {yt: t1, yp: p1, w: [0.5, 1.0, 1.0, 0.0]})
        r["after_reset"] = dict(zip(got, _floats(got.values())))
    r["variables"] = {k: [v.name.split("/")[-1].split(":")[0].rstrip("_0123456789") for v in m.variables]
                      for k, m in list(objs.items())[:3] + list(means.items())[:2]}
    r["shapes"] = {k: [v.shape.as_list() for v in m.variables] for k, m in
                   [("auc_ml", objs["auc_ml"]), ("prec_thr", objs["prec_thr"]), ("ohiou", objs["ohiou"])]}


@program
def keras_metrics_config(tf, r):
    """Names, get_config, serialize / deserialize / get of Keras 2's metrics, and the argument checks."""
    M = tf.keras.metrics
    objs = _keras_metric_objects(M)
    skip = ("auc_ml_w", "auc_lw", "mre", "mwrap")  # tensors or functions in the config
    r["names"] = {k: m.name.rstrip("_0123456789") for k, m in objs.items()}
    r["configs"] = {k: {c: v for c, v in m.get_config().items() if c != "name"} for k, m in objs.items()
                    if k not in skip}
    r["dtypes"] = [M.Mean().dtype, M.Mean(dtype="float64").dtype]
    r["serialized"] = M.serialize(M.AUC(name="a", num_thresholds=7, curve="PR"))
    back = M.deserialize({"class_name": "Precision", "config": {"name": "p", "thresholds": [0.2, 0.7], "top_k": 2}})
    r["deserialized"] = [type(back).__name__, back.get_config()]
    r["by_name"] = [M.get(n).__name__ for n in ["mse", "binary_accuracy", "top_k_categorical_accuracy", "logcosh"]]
    r["by_class_name"] = [type(M.get(n)).__name__ for n in ["AUC", "MeanIoU", "Recall"]
                          if n != "MeanIoU"]
    r["aliases"] = [M.mse is M.mean_squared_error, M.KLD is M.kl_divergence, M.MAE is M.mae, M.logcosh is M.log_cosh]
    r["unknown"] = r.error(lambda: M.get("precision"), "Unknown metric function: 'precision'")
    r["bad_get"] = r.error(lambda: M.get(3), "Could not interpret metric identifier: 3")
    r["bad_auc"] = [r.error(lambda: M.AUC(num_thresholds=1), "Argument `num_thresholds` must be an integer > 1"),
                    r.error(lambda: M.AUC(num_labels=3), "`num_labels` is needed only when `multi_label` is True")]
    r["bad_sas"] = r.error(lambda: M.SensitivityAtSpecificity(1.5), "Argument `specificity` must be in the range")
    r["bad_iou"] = r.error(lambda: M.IoU(2, [0, 2]), "Target class id 2 is out of range, which is [0, 2)")
    r["bad_f1"] = [r.error(lambda: M.F1Score(average="avg"), "Invalid `average` argument value"),
                   r.error(lambda: M.FBetaScore(beta=2), "Invalid `beta` argument value. It should be a Python float")]
    r["r2_f1_configs"] = [M.R2Score(None, 2).get_config(), M.F1Score("macro", 0.4).get_config(),
                          M.FBetaScore("weighted", 2.0).get_config()]
    r["bad_r2"] = r.error(lambda: M.R2Score(class_aggregation="x"), "Invalid value for argument `class_aggregation`")


@program
def keras_metrics_compile(tf, r):
    """Model.compile(metrics=[...]) with strings, functions and Metric objects: the names in fit's History
    (with validation) and evaluate, the values (stateful metrics over the epoch, reset per epoch and per
    evaluation), and train_on_batch / test_on_batch. (Names that TF1-mode Keras gives otherwise than Keras 2's
    fit loop, 'accuracy' -> 'acc', 'mse' -> 'mean_squared_error', are left out: graphgrad names as Keras 2.)"""
    M = tf.keras.metrics
    x = np.linspace(-1.0, 1.0, 24, dtype=np.float32).reshape(12, 2)
    y = (x[:, :1] + 0.3 * x[:, 1:] > 0.1).astype(np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(2,),
                                                       kernel_initializer=tf.constant_initializer([[1.0], [-0.5]]))])
    model.compile(tf.keras.optimizers.SGD(0.5), "binary_crossentropy",
                  metrics=["acc", "AUC", M.AUC(curve="PR", name="pr"), M.Precision(name="p"), "Recall",
                           M.binary_accuracy, "TruePositives", M.MeanSquaredError(name="m")])
    h = model.fit(x, y, batch_size=5, epochs=2, verbose=0, validation_data=(x[:6], y[:6]), shuffle=False)
    r["history_keys"] = sorted(h.history)
    r["history"] = {k: _floats(v) for k, v in h.history.items()}
    r["metrics_names"] = model.metrics_names
    r["evaluate"] = _floats(model.evaluate(x, y, batch_size=4, verbose=0))
    r["train_on_batch"] = _floats(model.train_on_batch(x[:4], y[:4]))
    r["test_on_batch"] = _floats(model.test_on_batch(x[4:], y[4:]))
    labels = (y[:, 0] > 0).astype(np.int32)
    r["sparse_acc"] = _floats(_compile_fit(tf, x, labels, ["acc", "sparse_top_k_categorical_accuracy"],
                                           units=2, loss="sparse_categorical_crossentropy").history.values())


def _compile_fit(tf, x, y, metrics, units=1, loss="binary_crossentropy"):
    model = tf.keras.Sequential([tf.keras.layers.Dense(units, activation="sigmoid" if units == 1 else "softmax",
                                                       input_shape=(2,), kernel_initializer="ones")])
    model.compile("sgd", loss, metrics=metrics)
    return model.fit(x, y, batch_size=6, epochs=1, verbose=0, shuffle=False)


@program
def keras_optimizers_extra(tf, r):
    """Keras 2's Adamax, Nadam and Ftrl training a dense layer by `fit` (two batches an epoch, three epochs, in
    order): the weights, their configs and serialized forms, the slot names; Ftrl's argument checks."""
    O = tf.keras.optimizers
    x = np.linspace(-1.0, 1.0, 24, dtype=np.float32).reshape(8, 3)
    y = np.stack([x @ np.array([0.5, -1.0, 2.0], np.float32), np.sin(x[:, 0]) + 0.1], 1)
    makers = {"adamax": lambda: O.Adamax(0.05), "adamax_args": lambda: O.Adamax(learning_rate=0.1, beta_1=0.8,
                                                                                beta_2=0.99, epsilon=1e-3),
              "nadam": lambda: O.Nadam(0.05), "nadam_args": lambda: O.Nadam(0.02, beta_1=0.7, epsilon=1e-4),
              "ftrl": lambda: O.Ftrl(0.3), "ftrl_l1_l2": lambda: O.Ftrl(0.3, l1_regularization_strength=0.01,
                                                                      l2_regularization_strength=0.1),
              "ftrl_beta": lambda: O.Ftrl(0.5, learning_rate_power=-0.3, initial_accumulator_value=0.5, beta=0.2),
              "ftrl_shrinkage": lambda: O.Ftrl(0.3, l2_shrinkage_regularization_strength=0.05),
              "by_name": lambda: O.get("nadam")}
    for key, make in makers.items():
        with tf.Graph().as_default():
            model = tf.keras.Sequential([tf.keras.layers.Dense(
                2, input_shape=(3,), kernel_initializer=tf.constant_initializer(np.arange(6).reshape(3, 2) / 10.0),
                bias_initializer=tf.constant_initializer([0.1, -0.2]))])
            opt = make()
            model.compile(opt, "mse")
            model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
            r[key] = _floats(model.get_weights())
            r[f"{key}_slots"] = sorted(opt.get_slot_names())
            r[f"{key}_config"] = O.serialize(make())
    back = O.deserialize({"class_name": "Ftrl", "config": {"learning_rate": 0.2, "beta": 0.1}})
    r["deserialized"] = [type(back).__name__, back.get_config()]
    r["bad_ftrl"] = [r.error(lambda: O.Ftrl(0.1, learning_rate_power=0.5), "`learning_rate_power` needs to be"),
                     r.error(lambda: O.Ftrl(0.1, initial_accumulator_value=-1.0), "`initial_accumulator_value` needs"),
                     r.error(lambda: O.Ftrl(0.1, l1_regularization_strength=-1.0), "`l1_regularization_strength`")]


# --- tf.keras initializers, regularizers, constraints, activations, schedules (tf_keras 2.21) --------------------
# tf.compat.v2.keras is tf_keras' TF2 API (GlorotUniform, HeNormal, OrthogonalRegularizer, gelu): graphgrad's
# tf.keras is that one, and tf.compat.v2.keras is graphgrad's tf.keras.

_KW = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], np.float32)


@program
def keras_initializers(tf, r):
    """tf_keras' initializers: seeded values (drawn statelessly, so the same in every run and at every call),
    in a Dense layer too, the deterministic ones, configs, serialized forms, get / deserialize and errors."""
    I = tf.compat.v2.keras.initializers
    seeded = {"random_normal": I.RandomNormal(0.5, 2.0, seed=3), "random_uniform": I.RandomUniform(-1.0, 2.0, seed=4),
              "truncated_normal": I.TruncatedNormal(seed=5), "glorot_uniform": I.GlorotUniform(seed=6),
              "glorot_normal": I.GlorotNormal(7), "he_uniform": I.HeUniform(8), "he_normal": I.HeNormal(9),
              "lecun_uniform": I.LecunUniform(10), "lecun_normal": I.LecunNormal(11),
              "untruncated": I.VarianceScaling(2.0, "fan_out", "untruncated_normal", seed=12),
              "orthogonal": I.Orthogonal(1.5, seed=13)}
    fetch = {k: init((3, 4)) for k, init in seeded.items()}
    fetch.update(conv=I.HeNormal(seed=14)((2, 2, 3, 2)), wide_orthogonal=I.Orthogonal(seed=15)((2, 5)),
                 twice=I.GlorotUniform(seed=6)((3, 4)), zeros=I.Zeros()((2,)), ones=I.Ones()((2,)),
                 constant=I.Constant(2.5)((2, 2)), identity=I.Identity(2.0)((2, 3)))
    dense = tf.compat.v2.keras.layers.Dense(2, kernel_initializer=I.HeUniform(seed=16),
                                            bias_initializer=I.RandomNormal(seed=17))
    dense(tf.placeholder(tf.float32, [None, 3]))
    fetch.update(dense_kernel=dense.kernel, dense_bias=dense.bias)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        values = s.run(fetch)
    r["values"] = dict(zip(values, _floats(list(values.values()))))
    names = ["Zeros", "Ones", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling", "GlorotUniform",
             "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal", "Identity"]
    r["configs"] = {n: getattr(I, n)().get_config() for n in names}
    r["serialized"] = [I.serialize(I.VarianceScaling(2.0, "fan_avg", "normal", seed=1)), I.serialize(I.Constant(3.0))]
    r["by_name"] = [type(I.get(n)).__name__ for n in ("glorot_uniform", "he_normal", "Orthogonal", "zeros",
                                                     "random_normal", "variance_scaling", "identity")]
    back = I.deserialize({"class_name": "TruncatedNormal", "config": {"stddev": 0.5, "seed": 2}})
    r["deserialized"] = [type(back).__name__, back.get_config()]
    r["errors"] = [r.error(lambda: I.get("nope"), "Unknown initializer: 'nope'", "custom_object_scope"),
                   r.error(lambda: I.get(3), "Could not interpret initializer identifier: 3"),
                   r.error(lambda: I.VarianceScaling(mode="fan"), "Invalid `mode` argument: fan"),
                   r.error(lambda: I.VarianceScaling(-1.0), "`scale` must be positive float"),
                   r.error(lambda: I.Orthogonal()((3,)), "The tensor to initialize must be at least two-dimensional")]


@program
def keras_regularizers_constraints(tf, r):
    """Keras 2's regularizers and constraints on one matrix (and RadialConstraint on conv kernels), their configs
    and errors, and a Dense layer trained with both: model.losses, the training loss, the projected weights."""
    K2 = tf.compat.v2.keras
    R, C = K2.regularizers, K2.constraints
    w = tf.constant(_KW)
    k3 = tf.constant(np.arange(18, dtype=np.float32).reshape(3, 3, 1, 2))
    k4 = tf.constant(np.arange(32, dtype=np.float32).reshape(4, 4, 2, 1))
    # (tf_keras' OrthogonalRegularizer fails in TF1 graph mode, tf.eye of a Dimension; tests/test_keras_objects.py
    # checks graphgrad's against its formula)
    fetch = [R.L1(0.1)(w), R.L2(0.1)(w), R.L1L2(0.1, 0.2)(w), R.l1_l2()(w), C.MaxNorm(1.5)(w),
             C.MaxNorm(2.0, axis=1)(w), C.NonNeg()(w), C.UnitNorm()(w), C.UnitNorm(axis=1)(w),
             C.MinMaxNorm(1.0, 2.0, rate=0.5)(w), C.RadialConstraint()(k3), C.RadialConstraint()(k4)]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())  # tf_keras' RadialConstraint makes a variable for even sizes
        r["values"] = _floats(s.run(fetch))
    r["configs"] = [R.L2(0.1).get_config(), R.get("l1_l2").get_config(), R.get("L1L2").get_config(),
                    R.get("l1").get_config(), R.serialize(R.L1L2(0.1, 0.2)),
                    R.serialize(R.OrthogonalRegularizer(0.2, "columns")), C.serialize(C.MinMaxNorm(0.5, 2.0, 0.7, 1)),
                    C.serialize(C.MaxNorm(3)), type(C.get("non_neg")).__name__, type(C.get("unit_norm")).__name__]
    r["errors"] = [r.error(lambda: R.L2("a"), "is not a valid regularization penalty number"),
                   r.error(lambda: R.L1(float("nan")), "an infinite number or NaN are not valid values"),
                   r.error(lambda: R.OrthogonalRegularizer(mode="diag"), "Invalid value for argument `mode`"),
                   r.error(lambda: R.get(3), "Could not interpret regularizer identifier: 3"),
                   r.error(lambda: C.get(3), "Could not interpret constraint function identifier: 3"),
                   r.error(lambda: C.get("nope"), "Unknown constraint: 'nope'"),
                   r.error(lambda: C.RadialConstraint()(w), "The weight tensor must have rank 4")]
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    y = np.array([[1.0, -2.0], [0.5, -3.0], [-1.0, -1.0], [2.0, -4.0]], np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(
        2, input_shape=(3,), kernel_initializer=tf.constant_initializer(np.arange(6).reshape(3, 2) / 10.0),
        bias_initializer=tf.constant_initializer([0.1, -0.02]), kernel_regularizer=R.L2(0.1),
        bias_regularizer=R.L1(0.05), kernel_constraint=C.MaxNorm(0.5), bias_constraint=C.NonNeg())])
    model.compile(tf.keras.optimizers.SGD(0.2), "mse")
    r["train_losses"] = _floats([model.train_on_batch(x, y) for _ in range(3)])
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    r["penalties"] = _floats(tf.keras.backend.get_session().run(model.losses))
    r["weights"] = _floats(model.get_weights())


@program
def keras_activations(tf, r):
    """Every Keras 2 activation on one batch, relu's and gelu's and elu's options, the names get / serialize
    give, and their errors."""
    A = tf.compat.v2.keras.activations
    x = tf.constant(np.array([[-3.0, -0.5, 0.0, 0.7, 4.0], [10.0, -10.0, 0.2, -0.2, 1.5]], np.float32))
    names = ["relu", "elu", "selu", "gelu", "softmax", "softplus", "softsign", "swish", "mish", "tanh", "sigmoid",
             "hard_sigmoid", "exponential", "linear"]
    fetch = [A.get(n)(x) for n in names] + [A.relu(x, alpha=0.1), A.relu(x, max_value=1.0), A.relu(x, threshold=0.5),
                                            A.relu(x, 0.2, 3.0, 0.5), A.gelu(x, approximate=True), A.elu(x, 0.5),
                                            A.softmax(x, axis=0)]
    with tf.Session() as s:
        r["values"] = _floats(s.run(fetch))
    r["serialized"] = [A.serialize(A.get(n)) for n in names] + [A.serialize(tf.nn.relu), A.serialize(tf.nn.softmax),
                                                                A.serialize(tf.sigmoid)]
    r["get_none"] = A.get(None).__name__
    r["errors"] = [r.error(lambda: A.get("nope"), "Unknown activation function: 'nope'", "custom_object_scope"),
                   r.error(lambda: A.get(3), "Could not interpret activation function identifier: 3"),
                   r.error(lambda: A.softmax(tf.constant([1.0, 2.0])), "Cannot apply softmax to a tensor that is 1D")]


@program
def keras_schedules(tf, r):
    """Keras 2's learning-rate schedules at steps 0..24, their configs and serialized forms, and SGD with a
    schedule trained by fit: the weights and the optimizer's iterations."""
    S = tf.keras.optimizers.schedules
    schedules = [S.ExponentialDecay(0.1, 10, 0.5), S.ExponentialDecay(0.1, 10, 0.5, staircase=True),
                 S.PiecewiseConstantDecay([5, 12], [1.0, 0.5, 0.1]), S.PolynomialDecay(0.1, 20, 0.01, power=2.0),
                 S.PolynomialDecay(0.1, 8, 0.01, cycle=True), S.InverseTimeDecay(0.1, 5, 0.5),
                 S.InverseTimeDecay(0.1, 5, 0.5, True), S.CosineDecay(0.1, 20, alpha=0.1),
                 S.CosineDecay(0.0, 15, warmup_target=0.2, warmup_steps=5),
                 S.CosineDecayRestarts(0.1, 4, t_mul=2.0, m_mul=0.5, alpha=0.05)]
    step = tf.placeholder(tf.int64, [])
    rates = [sch(step) for sch in schedules]
    with tf.Session() as s:
        r["values"] = _floats(np.array([s.run(rates, {step: i}) for i in range(25)]).T)
    r["configs"] = [S.serialize(sch) for sch in schedules]
    back = S.deserialize(S.serialize(S.PolynomialDecay(0.5, 7, name="p")))
    r["deserialized"] = [type(back).__name__, back.get_config()]
    r["bad_piecewise"] = r.error(lambda: S.PiecewiseConstantDecay([1, 2], [0.1, 0.2]),
                                 "The length of boundaries should be 1 less than the length of values")
    x = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [-1.0, 1.0]], np.float32)
    y = np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,), kernel_initializer="zeros")])
    opt = tf.keras.optimizers.SGD(S.ExponentialDecay(0.1, 2, 0.5))
    model.compile(opt, "mse")
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    r["weights"] = _floats(model.get_weights())
    r["iterations"] = int(tf.keras.backend.get_session().run(opt.iterations))
    r["optimizer_config"] = tf.keras.optimizers.serialize(opt)["config"]["learning_rate"]
# --- Keras 2's data helpers: tf.keras.preprocessing and tf.keras.utils (tf-keras 2.21) ------------------------------

@program
def keras_preprocessing_sequence(tf, r):
    """pad_sequences' padding/truncating/value/dtype/maxlen and errors, TimeseriesGenerator's batches,
    make_sampling_table, skipgrams with a seed (Python's random stream)."""
    import random

    S = tf.keras.preprocessing.sequence
    seqs = [[1], [2, 3], [4, 5, 6, 7], []]
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            r[f"pad_{padding}_{truncating}"] = S.pad_sequences(seqs, maxlen=3, padding=padding,
                                                               truncating=truncating)
    r["pad_default"] = S.pad_sequences(seqs)
    r["pad_value_dtype"] = S.pad_sequences(seqs, value=-1.5, dtype="float32", padding="post")
    r["pad_vectors"] = S.pad_sequences([[[1, 2]], [[3, 4], [5, 6]]], maxlen=3)
    r["pad_strings"] = S.pad_sequences([["a"], ["b", "c"]], dtype=object, value="-")
    r["utils_alias"] = tf.keras.utils.pad_sequences([[1, 2, 3]], maxlen=2)
    r["pad_errors"] = [r.error(lambda: S.pad_sequences([[1]], padding="mid"), 'Padding type "mid" not understood'),
                       r.error(lambda: S.pad_sequences([[1, 2]], maxlen=1, truncating="x"), "Truncating type"),
                       r.error(lambda: S.pad_sequences([1, 2]), "must be a list of iterables"),
                       r.error(lambda: S.pad_sequences([["a"]], value="-"), "You should set `dtype=object`"),
                       r.error(lambda: S.pad_sequences([[1], [[1, 2]]]), "is different from expected shape")]
    data = np.arange(50).reshape(50, 1)
    gen = S.TimeseriesGenerator(data, data * 10, length=10, sampling_rate=2, stride=3, batch_size=2,
                                start_index=1, end_index=40)
    r["ts_len"] = len(gen)
    r["ts_batches"] = [list(gen[0]), list(gen[len(gen) - 1])]
    rev = S.TimeseriesGenerator(data, data, length=4, reverse=True, batch_size=3)
    r["ts_reverse"] = list(rev[1])
    r["ts_config"] = json.loads(S.TimeseriesGenerator(np.arange(6), np.arange(6), length=2).to_json())
    r["ts_errors"] = [r.error(lambda: S.TimeseriesGenerator(data, data[:3], length=2), "Data and targets have to be"),
                      r.error(lambda: S.TimeseriesGenerator(data, data, length=20, end_index=10),
                              "is disallowed, as no part of the sequence")]
    r["sampling_table"] = S.make_sampling_table(6, sampling_factor=0.01)
    random.seed(5)
    r["skipgrams"] = list(S.skipgrams([1, 2, 0, 3, 4], 6, window_size=2, seed=3))
    random.seed(7)
    r["skipgrams_categorical"] = list(S.skipgrams([3, 1, 2], 5, window_size=1, negative_samples=0.5,
                                                  categorical=True, seed=1))
    random.seed(11)
    r["skipgrams_table"] = list(S.skipgrams([1, 2, 3, 4, 5], 6, window_size=1, negative_samples=0.0,
                                            shuffle=False, sampling_table=np.array([0, 1, 0.0, 1, 0.5, 1])))


@program
def keras_preprocessing_text(tf, r):
    """Tokenizer: word_index by count, sequences with num_words and oov_token, the four matrix modes, char
    level, filters, JSON round trip; text_to_word_sequence and hashing_trick with md5."""
    T = tf.keras.preprocessing.text
    texts = ["The cat sat on the mat.", "The dog ate my homework!", "cat, dog; cat? Dog", "A new-word"]
    tok = T.Tokenizer(num_words=5, oov_token="<unk>")
    tok.fit_on_texts(texts)
    r["word_index"] = tok.word_index
    r["word_counts"] = dict(tok.word_counts)
    r["document_count"] = tok.document_count
    r["sequences"] = tok.texts_to_sequences(texts + ["unseen words here the"])
    r["back_to_texts"] = tok.sequences_to_texts([[1, 2, 3, 4, 5, 6, 99]])
    for mode in ("binary", "count", "freq", "tfidf"):
        r[f"matrix_{mode}"] = tok.texts_to_matrix(texts[:3], mode=mode)
    plain = T.Tokenizer(filters="!", lower=False, split=",")
    plain.fit_on_texts(["a,B,b!,a", "c"])
    r["plain"] = [plain.word_index, plain.texts_to_sequences(["B,a,zz"]), plain.texts_to_matrix(["a,a"], "count")]
    chars = T.Tokenizer(char_level=True)
    chars.fit_on_texts(["abca", "Bd"])
    r["char_level"] = [chars.word_index, chars.texts_to_sequences(["dab"])]
    seqs = T.Tokenizer(num_words=4)
    seqs.fit_on_sequences([[1, 2], [2, 3, 3]])
    r["from_sequences"] = seqs.sequences_to_matrix([[1, 2, 3, 3]], mode="tfidf")
    back = T.tokenizer_from_json(tok.to_json())
    r["json_round_trip"] = [back.word_index, back.texts_to_sequences(texts[:2]), back.num_words, back.oov_token,
                            back.index_word[1]]
    r["text_to_word_sequence"] = [T.text_to_word_sequence("Hello, World! x-y\tz"),
                                  T.text_to_word_sequence("a:b c", filters=":", lower=False, split=":")]
    r["hashing_trick_md5"] = T.hashing_trick("The cat sat on the mat", 10, hash_function="md5")
    r["one_hot_range"] = all(1 <= i < 7 for i in T.one_hot("a b c d e f g", 7))
    r["text_errors"] = [r.error(lambda: T.Tokenizer().texts_to_matrix(["a"]), "Specify a dimension"),
                        r.error(lambda: T.Tokenizer(num_words=3).sequences_to_matrix([[1]], "tfidf"),
                                "Fit the Tokenizer on some data"),
                        r.error(lambda: tok.texts_to_matrix(["cat"], mode="bogus"), "Unknown vectorization mode"),
                        r.error(lambda: T.Tokenizer(bogus=1), "Unrecognized keyword arguments")]


@program
def keras_preprocessing_image(tf, r):
    """ImageDataGenerator: seeded random transforms (rotation, shifts, shear, zoom, flips, channel shift) with
    each fill_mode, featurewise and samplewise standardisation, ZCA, rescale, flow's batches and its errors."""
    I = tf.keras.preprocessing.image
    x = np.arange(2 * 5 * 6 * 3, dtype=np.float32).reshape(2, 5, 6, 3) % 17
    for fill in ("nearest", "constant", "reflect", "wrap"):
        gen = I.ImageDataGenerator(rotation_range=30, width_shift_range=0.2, height_shift_range=1, shear_range=10,
                                   zoom_range=0.3, horizontal_flip=True, vertical_flip=True, fill_mode=fill, cval=-1.0,
                                   channel_shift_range=2.0)
        r[f"transform_{fill}"] = gen.random_transform(x[0], seed=4)
    gen = I.ImageDataGenerator(width_shift_range=[1, 2], height_shift_range=0.4)
    r["params"] = {k: (None if v is None else float(v)) for k, v in gen.get_random_transform((5, 6, 3), seed=2).items()}
    feat = I.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True, rescale=0.5)
    feat.fit(x)
    r["featurewise"] = [feat.mean, feat.std, feat.standardize(x[1].copy())]
    samp = I.ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True)
    r["samplewise"] = samp.standardize(x[0].copy())
    zca = I.ImageDataGenerator(zca_whitening=True, zca_epsilon=0.1)
    zca.fit(np.concatenate([x, x[::-1] * 0.5 + 1]))
    r["zca"] = zca.standardize(x[0].copy())
    flow = I.ImageDataGenerator(rotation_range=20, horizontal_flip=True).flow(x, np.array([3, 4]), batch_size=1,
                                                                               seed=9)
    r["flow_len"] = len(flow)
    r["flow_items"] = [list(flow[0]), list(flow[1])]
    flow.on_epoch_end()
    r["flow_next"] = list(next(I.ImageDataGenerator(zoom_range=[0.5, 0.9]).flow(x, batch_size=2, seed=1,
                                                                                shuffle=False))[:1])
    chw = I.ImageDataGenerator(rotation_range=45, data_format="channels_first")
    r["channels_first"] = chw.random_transform(x[0].transpose(2, 0, 1), seed=3)
    r["image_errors"] = [r.error(lambda: I.ImageDataGenerator(zoom_range=(1, 2, 3)), "`zoom_range` should be"),
                         r.error(lambda: I.ImageDataGenerator().flow(x[0]), "should have rank 4"),
                         r.error(lambda: I.ImageDataGenerator().flow(x, np.ones(3)), "should have the same length"),
                         r.error(lambda: I.ImageDataGenerator(validation_split=1.5), "strictly between 0 and 1"),
                         r.error(lambda: I.ImageDataGenerator(data_format="nhwc"), "`data_format` should be")]


@program
def keras_utils_data(tf, r):
    """keras.utils: Sequence and ImageDataGenerator.flow in fit/evaluate/predict (weights after fitting in
    order), to_ordinal, normalize, to_categorical, get_source_inputs (the PIL helpers are tested in
    tests/test_keras_preprocessing.py: the bench venv has no Pillow)."""
    U = tf.keras.utils
    x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)

    class Batches(U.Sequence):
        def __init__(self):
            self.ends = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 3:i * 3 + 3], y[i * 3:i * 3 + 3]

        def on_epoch_end(self):
            self.ends += 1

    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,), kernel_initializer="ones")])
        model.compile(tf.keras.optimizers.SGD(0.1), "mse")
        seq = Batches()
        history = model.fit(seq, epochs=3, shuffle=False, verbose=0)
        r["sequence_fit"] = [_floats(model.get_weights()), _floats(history.history["loss"]), seq.ends]
        r["sequence_evaluate"] = [round(float(model.evaluate(seq, verbose=0)), 5), seq.ends]
        r["sequence_predict"] = [model.predict(seq, verbose=0).shape, seq.ends]

        def batches():
            while True:
                yield x[:4], y[:4]
        history = model.fit(batches(), steps_per_epoch=2, epochs=2, verbose=0)
        r["generator_fit"] = [_floats(model.get_weights()), _floats(history.history["loss"])]
    imgs = (np.arange(4 * 4 * 4, dtype=np.float32).reshape(4, 4, 4, 1) % 7) / 7
    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(4, 4, 1)),
                                     tf.keras.layers.Dense(1, kernel_initializer="zeros")])
        model.compile(tf.keras.optimizers.SGD(0.05), "mse")
        flow = tf.keras.preprocessing.image.ImageDataGenerator(rescale=2.0, horizontal_flip=True).flow(
            imgs, np.arange(4.0), batch_size=2, shuffle=False, seed=3)
        model.fit(flow, epochs=2, verbose=0, shuffle=False)   # (shuffled, TF1's Keras orders by Python's random)
        r["flow_fit"] = _floats(model.get_weights())
    r["to_ordinal"] = U.to_ordinal(np.array([[0], [2], [1]]), num_classes=4)
    r["to_categorical"] = U.to_categorical([1, 0, 2])
    r["normalize"] = [U.normalize(np.array([[3.0, 4.0], [0.0, 0.0]])), U.normalize(np.array([[1.0, 2.0]]), 0, 1)]
    with tf.Graph().as_default():
        a, b = tf.keras.Input((2,)), tf.keras.Input((2,))
        out = tf.keras.layers.Dense(1)(tf.keras.layers.Concatenate()([a, tf.keras.layers.Dense(2)(b), a]))
        r["source_inputs"] = [t is s for t, s in zip(U.get_source_inputs(out), (a, b))]
        r["source_of_input"] = U.get_source_inputs(a)[0] is a
    r["interactive_logging"] = U.is_interactive_logging_enabled()


@program
def keras_callbacks_lambda_nan(tf, r):
    """LambdaCallback's hooks in the order fit calls them (with validation), the logs they see, extra attributes;
    TerminateOnNaN stopping after the first batch whose loss is not finite; BaseLogger's epoch means."""
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(6, 2)
    y = x.sum(1, keepdims=True)
    calls = []
    cb = tf.keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append(["train_begin"]),
        on_epoch_begin=lambda epoch, logs: calls.append(["epoch_begin", epoch]),
        on_batch_begin=lambda batch, logs: calls.append(["batch_begin", batch, sorted(logs)]),
        on_batch_end=lambda batch, logs: calls.append(["batch_end", batch, sorted(logs)]),
        on_epoch_end=lambda epoch, logs: calls.append(["epoch_end", epoch, sorted(logs)]),
        on_train_end=lambda logs: calls.append(["train_end"]), note="kept")
    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,), kernel_initializer="ones")])
        model.compile(tf.keras.optimizers.SGD(0.1), "mse")
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(x, y), callbacks=[cb])
    r["lambda_calls"] = calls
    r["lambda_attribute"] = cb.note
    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,), kernel_initializer="ones")])
        model.compile(tf.keras.optimizers.SGD(0.1), "mse")
        seen = []
        huge = x * np.float32([[1.0], [1e20], [1.0], [1.0], [1.0], [1.0]])   # the first batch's loss is inf
        history = model.fit(huge, y, batch_size=2, epochs=3, shuffle=False, verbose=0,
                            callbacks=[tf.keras.callbacks.TerminateOnNaN(),
                                       tf.keras.callbacks.LambdaCallback(
                                           on_batch_end=lambda b, logs: seen.append(bool(np.isfinite(logs["loss"]))))])
        r["terminate_on_nan"] = [seen, len(history.history["loss"])]
    logger = tf.keras.callbacks.BaseLogger()
    logger.set_params({"metrics": ["loss", "acc"]})
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"size": 2, "loss": 1.0, "acc": 0.5})
    logger.on_batch_end(1, {"size": 1, "loss": 4.0, "acc": 1.0})
    logs = {"loss": 0.0}
    logger.on_epoch_end(0, logs)
    r["base_logger"] = logs


def _keras_dataset_files(folder):
    """Small files in the formats of Keras's data sets (CIFAR tarballs of pickled batches, the word-index npz
    files and JSON, Boston's npz) written into `folder` under Keras's file names."""
    import io
    import pickle
    import tarfile

    rng = np.random.RandomState(0)
    os.makedirs(folder, exist_ok=True)

    def tarball(name, members):
        with tarfile.open(os.path.join(folder, name), "w:gz") as t:
            for member, value in members.items():
                data = pickle.dumps(value, protocol=2)
                info = tarfile.TarInfo(member)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))

    def batch(n, **labels):
        return {b"data": rng.randint(0, 256, (n, 3072)).astype(np.uint8),
                **{k.encode(): rng.randint(0, 10, n).tolist() for k in labels}}
    tarball("cifar-10-batches-py.tar.gz", {**{f"cifar-10-batches-py/data_batch_{i}": batch(2, labels=1)
                                              for i in range(1, 6)},
                                           "cifar-10-batches-py/test_batch": batch(3, labels=1)})
    tarball("cifar-100-python.tar.gz", {f"cifar-100-python/{part}": batch(n, fine_labels=1, coarse_labels=1)
                                        for part, n in (("train", 4), ("test", 2))})

    def sequences(n):
        out = np.empty(n, dtype=object)
        out[:] = [rng.randint(1, 12, rng.randint(1, 8)).tolist() for _ in range(n)]
        return out
    np.savez(os.path.join(folder, "imdb.npz"), x_train=sequences(8), y_train=rng.randint(0, 2, 8),
             x_test=sequences(6), y_test=rng.randint(0, 2, 6))
    np.savez(os.path.join(folder, "reuters.npz"), x=sequences(10), y=rng.randint(0, 46, 10))
    np.savez(os.path.join(folder, "boston_housing.npz"), x=rng.uniform(0, 10, (12, 13)), y=rng.uniform(5, 50, 12))
    for name in ("imdb", "reuters"):
        with open(os.path.join(folder, f"{name}_word_index.json"), "w") as f:
            json.dump({"the": 1, "and": 2, name: 3}, f)


@program
def keras_datasets_load_data(tf, r):
    """cifar100, imdb, reuters and boston_housing `load_data` over small files in Keras's formats, found
    in Keras's cache ~/.keras/datasets/ (HOME pointed at a temporary folder; the hash check stubbed, the files
    being made up): shapes, dtypes, values, and the word-index options (num_words, skip_top, maxlen, start_char,
    oov_char, index_from, test_split, seed). (Keras's cifar10 wants 10 000 images a batch: tested by pytest.)"""
    import sys

    D = tf.keras.datasets
    utils = sys.modules[tf.keras.utils.get_file.__module__]
    saved_home, saved_validate = os.environ.get("HOME"), utils.validate_file
    with tempfile.TemporaryDirectory() as home:
        _keras_dataset_files(os.path.join(home, ".keras", "datasets"))
        os.environ["HOME"], utils.validate_file = home, lambda *args, **kwargs: True
        try:
            for name, out in (("cifar100", D.cifar100.load_data()),
                              ("cifar100_coarse", D.cifar100.load_data(label_mode="coarse"))):
                (x_train, y_train), (x_test, y_test) = out   # images: layout and a corner, not every pixel
                r[name] = [[x.shape, str(x.dtype), x.reshape(len(x), -1).sum(1), x[:, :2, :3, :]] for x in
                           (x_train, x_test)] + [y_train, y_test]
            r["cifar_extracted"] = sorted(os.listdir(os.path.join(home, ".keras", "datasets")))
            r["imdb"] = [list(part) for part in D.imdb.load_data()]
            r["imdb_options"] = [list(part) for part in D.imdb.load_data(num_words=10, skip_top=2, maxlen=6, seed=1,
                                                                          start_char=None, oov_char=None,
                                                                          index_from=1)]
            r["imdb_oov"] = [list(part) for part in D.imdb.load_data(num_words=9, oov_char=7, start_char=5)]
            r["imdb_word_index"] = D.imdb.get_word_index()
            r["reuters"] = [list(part) for part in D.reuters.load_data(test_split=0.3)]
            r["reuters_options"] = [list(part) for part in D.reuters.load_data(num_words=8, maxlen=5, seed=3,
                                                                                index_from=0, start_char=None)]
            r["reuters_word_index"] = D.reuters.get_word_index()
            r["reuters_labels"] = list(D.reuters.get_label_names())
            r["boston"] = [list(part) for part in D.boston_housing.load_data()]
            r["boston_split"] = [list(part) for part in D.boston_housing.load_data(test_split=0.5, seed=4)]
            r["errors"] = [r.error(lambda: D.cifar100.load_data(label_mode="medium"), "`label_mode` must be one of"),
                           r.error(lambda: D.imdb.load_data(bogus=1), "Unrecognized keyword arguments"),
                           r.error(lambda: D.imdb.load_data(maxlen=1), "no sequence was kept")]
        finally:
            utils.validate_file = saved_validate
            if saved_home is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = saved_home


# --- tf.distributions, special functions and the small modules --------------------------------------------------

def _dist_cases(tf):
    """(name, distribution, value) triples covering every family with a batch of two."""
    d = tf.distributions
    return [
        ("normal", d.Normal(loc=[0.0, 1.0], scale=[1.0, 2.0]), [0.5, -3.0]),
        ("laplace", d.Laplace(loc=[0.0, 1.0], scale=[1.0, 2.0]), [0.5, -3.0]),
        ("bernoulli", d.Bernoulli(logits=[0.5, -1.0]), [1, 0]),
        ("bernoulli_p", d.Bernoulli(probs=[0.3, 0.9], dtype=tf.float32), [1.0, 1.0]),
        ("categorical", d.Categorical(logits=[[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]), [2, 0]),
        ("uniform", d.Uniform(low=0.0, high=[1.0, 3.0]), [0.5, 3.5]),
        ("gamma", d.Gamma(concentration=[2.0, 0.5], rate=[1.0, 3.0]), [0.5, 2.0]),
        ("exponential", d.Exponential(rate=[1.0, 3.0]), [0.5, 2.0]),
        ("beta", d.Beta(concentration1=[2.0, 0.5], concentration0=[1.5, 3.0]), [0.3, 0.7]),
        ("student_t", d.StudentT(df=[3.0, 1.5], loc=[0.0, 1.0], scale=[1.0, 2.0]), [0.5, -1.0]),
        ("dirichlet", d.Dirichlet([1.0, 2.5, 3.0]), [0.2, 0.3, 0.5]),  # TF 2.21's mode fails for a batch
        ("multinomial", d.Multinomial(total_count=[5.0, 2.0], logits=[[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]]),
         [[1.0, 1.0, 3.0], [0.0, 2.0, 0.0]]),
    ]


_DIST_METHODS = ("log_prob", "prob", "cdf", "log_cdf", "survival_function", "log_survival_function")
_DIST_STATS = ("entropy", "mean", "mode", "stddev", "variance", "covariance")


@program
def distributions_values(tf, r):
    """Each family's names, shapes, reparameterization, densities, distribution functions and statistics (a
    method TF does not implement is noted as NotImplementedError)."""
    cases = _dist_cases(tf)
    fetch = {}
    for name, dist, value in cases:
        r[f"{name}.info"] = [dist.name, str(dist.batch_shape), str(dist.event_shape), dist.dtype.name,
                             dist.reparameterization_type == tf.distributions.FULLY_REPARAMETERIZED]
        for method in _DIST_METHODS + _DIST_STATS:
            try:
                t = getattr(dist, method)(value) if method in _DIST_METHODS else getattr(dist, method)()
            except NotImplementedError:
                r[f"{name}.{method}"] = "NotImplementedError"
                continue
            fetch[f"{name}.{method}"] = t
        fetch[f"{name}.batch_shape_tensor"] = dist.batch_shape_tensor()
        fetch[f"{name}.event_shape_tensor"] = dist.event_shape_tensor()
    with tf.Session() as s:
        values = s.run(fetch)
    for k in sorted(values):
        r[k] = values[k]


@program
def distributions_gradients_and_kl(tf, r):
    """Gradients of log_prob and entropy with respect to the parameters, KL divergences of every registered pair
    (Exponential through Gamma's), cross_entropy, and the errors of kl_divergence, RegisterKL and Bernoulli."""
    d = tf.distributions
    loc, scale = tf.constant([0.3, -1.0]), tf.constant([1.5, 0.5])
    logits = tf.constant([[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]])
    conc = tf.constant([[1.5, 2.0, 0.7], [3.0, 1.0, 2.0]])
    rate = tf.constant([2.0, 0.5])
    objectives = {
        "normal": (tf.reduce_sum(d.Normal(loc, scale).log_prob([1.0, 2.0]) + d.Normal(loc, scale).entropy()),
                   [loc, scale]),
        "categorical": (tf.reduce_sum(d.Categorical(logits=logits).log_prob([0, 2])
                                      + d.Categorical(logits=logits).entropy()), [logits]),
        "gamma": (tf.reduce_sum(d.Gamma(rate * 2.0, rate).log_prob([0.5, 1.5]) + d.Gamma(rate, rate).entropy()),
                  [rate]),
        "dirichlet": (tf.reduce_sum(d.Dirichlet(conc).log_prob([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
                                    + d.Dirichlet(conc).entropy()), [conc]),
        "student_t": (tf.reduce_sum(d.StudentT(rate * 3.0, loc, scale).log_prob([0.2, 0.4])
                                    + d.StudentT(rate * 3.0, loc, scale).entropy()), [rate, loc, scale]),
    }
    grads = {k: tf.gradients(y, xs) for k, (y, xs) in objectives.items()}
    kls = {
        "normal": d.kl_divergence(d.Normal(loc, scale), d.Normal([0.0, 1.0], [1.0, 2.0])),
        "bernoulli": d.kl_divergence(d.Bernoulli(logits=[0.3, -2.0]), d.Bernoulli(probs=[0.5, 0.2])),
        "categorical": d.kl_divergence(d.Categorical(logits=logits), d.Categorical(probs=[0.2, 0.3, 0.5])),
        "gamma": d.kl_divergence(d.Gamma([2.0, 0.5], [1.0, 3.0]), d.Gamma(1.5, 2.0)),
        "exponential": d.kl_divergence(d.Exponential([1.0, 3.0]), d.Exponential(2.0)),
        "beta": d.kl_divergence(d.Beta([2.0, 0.5], [1.5, 3.0]), d.Beta(1.0, 2.0)),
        "dirichlet": d.kl_divergence(d.Dirichlet(conc), d.Dirichlet([1.0, 1.0, 1.0])),
        "method": d.Normal(loc, scale).kl_divergence(d.Normal(0.0, 1.0)),
        "cross_entropy": d.Normal(loc, scale).cross_entropy(d.Normal(0.0, 1.0)),
    }
    with tf.Session() as s:
        r["grads"] = s.run(grads)
        r["kl"] = s.run(kls)

    class Mine(d.Normal):
        pass

    @d.RegisterKL(Mine, d.Normal)
    def _kl_mine(a, b, name=None):
        return tf.zeros_like(a.loc)

    r["errors"] = [
        r.error(lambda: d.kl_divergence(d.Normal(0.0, 1.0), d.Bernoulli(probs=0.5)),
                "No KL(distribution_a || distribution_b) registered for distribution_a type Normal and "
                "distribution_b type Bernoulli"),
        r.error(lambda: d.RegisterKL(Mine, d.Normal)(_kl_mine), "has already been registered to"),
        r.error(lambda: d.RegisterKL(Mine, d.Gamma)(3), "kl_fn must be callable"),
        r.error(lambda: d.Bernoulli(), "Must pass probs or logits, but not both."),
        r.error(lambda: d.Categorical(logits=[0.5], probs=[1.0]), "Must pass probs or logits, but not both."),
        r.error(lambda: d.Categorical(logits=[0.1, 0.2]).mean(), "is not implemented"),
    ]
    with tf.Session() as s:
        r["kl_subclass"] = s.run(d.kl_divergence(Mine(0.0, 1.0), d.Normal(0.0, 1.0)))
        r["kl_subclass_to_parent"] = s.run(d.kl_divergence(d.Normal(0.0, 1.0), Mine(1.0, 1.0)))
        bad = d.Normal(0.0, tf.placeholder_with_default(-1.0, []), validate_args=True)
        r["validate"] = r.error(lambda: s.run(bad.log_prob(0.0)), "x > 0 did not hold")
        nan_kl = d.kl_divergence(d.Normal(0.0, 1.0), d.Normal(np.nan, 1.0), allow_nan_stats=False)
        r["kl_nan"] = r.error(lambda: s.run(nan_kl), "returned NaN values")
        r["mode_nan"] = s.run(d.Beta(0.5, 2.0).mode())
        strict = d.Beta(tf.placeholder_with_default(0.5, []), 2.0, allow_nan_stats=False).mode()
        r["mode_strict"] = r.error(lambda: s.run(strict), "Mode undefined")


@program
def distributions_samples(tf, r):
    """Sample shapes and dtypes, and sample means and variances of 20000 draws (loosely compared: the generators
    differ), and gradients through reparameterized samples (Gamma's, Beta's, StudentT's and Dirichlet's
    concentrations through RandomGamma's implicit gradient)."""
    d = tf.distributions
    loc, scale = tf.constant([0.5, -1.0]), tf.constant([1.0, 0.2])
    cases = [d.Normal(loc, scale), d.Laplace(loc, scale), d.Bernoulli(probs=[0.2, 0.7]),
             d.Categorical(probs=[[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]), d.Uniform([0.0, 1.0], 3.0),
             d.Gamma([2.0, 0.5], [1.0, 3.0]), d.Exponential([1.0, 3.0]), d.Beta([2.0, 0.5], [1.5, 3.0]),
             d.StudentT(5.0, loc, scale), d.Dirichlet([1.0, 2.0, 3.0]),
             d.Multinomial(total_count=[4.0, 2.0], probs=[0.2, 0.3, 0.5])]
    shaped = [c.sample([3, 2], seed=7) for c in cases]
    r["shapes"] = [[str(t.shape), t.dtype.name] for t in shaped]
    draws = [tf.cast(c.sample(20000, seed=3), tf.float32) for c in cases]
    stats = [[tf.reduce_mean(x, 0), tf.reduce_mean(tf.square(x - tf.reduce_mean(x, 0)), 0)] for x in draws]
    rep = [d.Normal(loc, scale), d.Uniform(loc, loc + scale), d.Laplace(loc, scale), d.Exponential(scale),
           d.Gamma(scale + 1.0, loc + 1.5), d.Beta(scale + 1.0, loc + 1.5), d.StudentT(scale + 4.0, loc, 1.0)]
    rep_grads = [tf.gradients(tf.reduce_mean(tf.square(c.sample(20000, seed=5)), 0)[1], [loc, scale])
                 for c in rep]
    conc = tf.constant([0.7, 2.0, 5.0])
    rep_grads.append(tf.gradients(tf.reduce_mean(d.Dirichlet(conc).sample(20000, seed=5)[:, 0]), [conc]))
    r["unconnected"] = [[g is None for g in gs] for gs in rep_grads]
    with tf.Session() as s:
        r["stats"] = s.run(stats)
        r["reparameterized_grads"] = s.run([[g for g in gs if g is not None] for gs in rep_grads])
        r["scalar_sample"] = str(d.Normal(0.0, 1.0).sample().shape)


@program
def special_functions(tf, r):
    """lgamma, digamma, polygamma, erf, erfc, lbeta and random_gamma's shape; gradients of the first five."""
    x = tf.constant([-2.5, -0.3, 0.1, 0.5, 1.0, 3.7, 12.0, 150.0], tf.float64)
    fns = {"lgamma": tf.lgamma(x), "digamma": tf.digamma(x), "polygamma1": tf.polygamma(tf.ones_like(x), x),
           "polygamma3": tf.polygamma(3.0 * tf.ones_like(x), x), "erf": tf.erf(x), "erfc": tf.erfc(x / 10.0),
           "lbeta": tf.lbeta([[1.0, 2.0], [3.0, 4.0], [0.5, 0.5]]),
           "math": [tf.math.lgamma(2.5), tf.math.digamma(2.5), tf.math.erf(0.5), tf.math.polygamma(2.0, 2.5)],
           "igamma": [tf.igamma([0.1, 0.5, 2.0, 30.0], [0.05, 1.0, 4.0, 35.0]),
                      tf.igammac([0.1, 0.5, 2.0, 30.0], [0.05, 1.0, 4.0, 35.0]), tf.igamma(-1.0, 1.0)],
           "betainc": [tf.betainc([0.3, 2.0, 7.0], [2.0, 0.5, 20.0], [0.01, 0.9, 0.3]), tf.betainc(1.0, 1.0, 1.5)]}
    y = tf.constant([0.3, 1.7, 4.0], tf.float64)
    grads = {k: tf.gradients(tf.reduce_sum(f(y)), y)[0] for k, f in
             [("lgamma", tf.lgamma), ("digamma", tf.digamma), ("erf", tf.erf), ("erfc", tf.erfc),
              ("polygamma", lambda v: tf.polygamma(tf.constant(2.0, tf.float64), v)),
              ("igamma_x", lambda v: tf.igamma(tf.constant(1.5, tf.float64), v)),
              ("igamma_a", lambda v: tf.igamma(v, tf.constant(2.0, tf.float64))),
              ("igammac_a", lambda v: tf.igammac(v, tf.constant(2.0, tf.float64))),
              ("betainc_x", lambda v: tf.betainc(tf.constant(2.0, tf.float64), tf.constant(3.0, tf.float64),
                                                 v / 5.0))]}
    r["betainc_ab_unconnected"] = [g is None for g in tf.gradients(tf.betainc(y, y, 0.5 * tf.ones_like(y)), [y])]
    g = tf.random_gamma([4, 1], [1.0, 2.0, 3.0], seed=1)
    r["gamma"] = [str(g.shape), g.dtype.name, str(tf.random_gamma([2], 1.0, [1.0, 2.0]).shape)]
    with tf.Session() as s:
        r["values"] = s.run(fns)
        r["grads"] = s.run(grads)
        r["gamma_positive"] = bool(s.run(tf.reduce_all(g > 0)))


@program
def small_modules(tf, r):
    """tf.bitwise, tf.manip / tf.roll, space_to_batch_nd, tf.dtypes.saturate_cast and the names the small TF1
    modules (tf.version, tf.sysconfig, tf.resource_loader) have; their values are each framework's own."""
    a = tf.constant([5, 3, -8, 12], tf.int32)
    b = tf.constant([6, 6, 1, 2], tf.int32)
    u = tf.constant([0, 5, 255], tf.uint8)
    bw = tf.bitwise
    x = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    rolled = [tf.roll(x, 1, 0), tf.roll(x, [2, -1], [1, 2]), tf.manip.roll(x, [1, 1], [2, 2]), tf.roll(x, 5, -1)]
    img = tf.constant(np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3))
    s2b = tf.space_to_batch_nd(img, [2, 3], [[0, 0], [1, 2]])
    b2s = tf.manip.batch_to_space_nd(s2b, [2, 3], [[0, 0], [1, 2]])
    w = tf.constant(np.linspace(-1, 1, 12 * 2 * 3 * 3).reshape(12, 2, 3, 3).astype(np.float32))
    grads = tf.gradients([tf.reduce_sum(tf.roll(x, [2, -1], [1, 2]) * x), tf.reduce_sum(s2b * w)], [x, img])
    sat = [tf.saturate_cast(tf.constant([-300.0, 1.5, 300.0]), tf.uint8),
           tf.dtypes.saturate_cast(tf.constant([-3, 70000], tf.int32), tf.int16),
           tf.dtypes.cast(tf.constant([1.7, -1.7]), tf.int32), tf.saturate_cast(tf.constant([-1e10, 1e10]), tf.int32)]
    r["shapes"] = [[str(t.shape), t.dtype.name] for t in [s2b, b2s] + rolled]
    with tf.Session() as s:
        r["bitwise"] = s.run([bw.bitwise_and(a, b), bw.bitwise_or(a, b), bw.bitwise_xor(a, b), bw.invert(a),
                              bw.invert(u), bw.left_shift(a, tf.constant([1, 2, 3, 0])),
                              bw.right_shift(a, tf.constant([1, 1, 2, 2])),
                              bw.bitwise_and(u, tf.constant(6, tf.uint8))])
        r["roll"] = s.run(rolled)
        r["space_to_batch"] = s.run([s2b, tf.reduce_max(tf.abs(b2s - img))])
        r["grads"] = s.run(grads)
        r["saturate_cast"] = s.run(sat)
    r["errors"] = [r.error(lambda: bw.bitwise_and(tf.constant(1.0), tf.constant(2.0)), "not in list of allowed values"),
                   r.error(lambda: bw.invert(tf.constant(1.0)), "not in list of allowed values")]
    r["dtypes"] = [tf.dtypes.as_dtype("float32").name, tf.dtypes.float64.name, tf.dtypes.DType is tf.DType,
                   tf.dtypes.int32 == tf.int32, tf.dtypes.bool.name]
    r["names"] = {m: sorted(n for n in names if hasattr(getattr(tf, m) if m else tf, n)) for m, names in [
        ("version", ["VERSION", "GIT_VERSION", "COMPILER_VERSION", "CXX11_ABI_FLAG", "MONOLITHIC_BUILD",
                     "GRAPH_DEF_VERSION", "GRAPH_DEF_VERSION_MIN_CONSUMER", "GRAPH_DEF_VERSION_MIN_PRODUCER"]),
        ("", ["VERSION", "GIT_VERSION", "COMPILER_VERSION", "CXX11_ABI_FLAG", "MONOLITHIC_BUILD", "GRAPH_DEF_VERSION",
              "GRAPH_DEF_VERSION_MIN_CONSUMER", "GRAPH_DEF_VERSION_MIN_PRODUCER", "roll", "space_to_batch_nd",
              "batch_to_space_nd", "saturate_cast", "random_gamma", "lgamma", "digamma", "polygamma", "erf", "erfc",
              "lbeta"]),
        ("sysconfig", ["get_include", "get_lib", "get_compile_flags", "get_link_flags", "CXX11_ABI_FLAG",
                       "MONOLITHIC_BUILD"]),
        ("resource_loader", ["get_data_files_path", "get_path_to_datafile", "get_root_dir_with_all_resources",
                             "load_resource", "readahead_file_path"]),
        ("manip", ["batch_to_space_nd", "gather_nd", "reshape", "reverse", "roll", "scatter_nd", "space_to_batch_nd",
                   "tile"]),
        ("bitwise", ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"])]}
    r["top_level"] = [isinstance(tf.VERSION, str), tf.VERSION == tf.version.VERSION, isinstance(tf.GIT_VERSION, str),
                      isinstance(tf.COMPILER_VERSION, str), isinstance(tf.GRAPH_DEF_VERSION, int),
                      tf.GRAPH_DEF_VERSION_MIN_CONSUMER, tf.GRAPH_DEF_VERSION_MIN_PRODUCER]
    here = os.path.dirname(os.path.abspath(__file__))
    rl = tf.resource_loader
    r["resource_loader"] = [os.path.abspath(rl.get_data_files_path()) == here,
                            os.path.abspath(rl.get_path_to_datafile("x.txt")) == os.path.join(here, "x.txt"),
                            rl.readahead_file_path("/a/b") == "/a/b",
                            os.path.isdir(tf.sysconfig.get_include()), os.path.isdir(tf.sysconfig.get_lib()),
                            any(f.startswith("-I") for f in tf.sysconfig.get_compile_flags()),
                            any(f.startswith("-L") for f in tf.sysconfig.get_link_flags())]


@program
def signal_and_complex(tf, r):
    """Complex tensors (complex/real/imag/conj/angle/abs, arithmetic, casts) and tf.signal / tf.spectral: FFTs of
    every rank with their gradients, framing, overlap-add, windows, stft and its inverse, the mel filterbank,
    DCTs and MFCCs (float64 where float32 rounding of different FFT codes would show), and their errors."""
    rng = np.random.RandomState(0)
    x = tf.constant(rng.standard_normal((2, 6)).astype(np.float32))
    y = tf.constant(rng.standard_normal((2, 3, 4)))  # float64
    z = tf.complex(x, x * 0.5 + 1.0)
    sp, sg = tf.spectral, tf.signal
    c = {"z": z, "real": tf.real(z), "imag": tf.imag(z), "conj": tf.conj(z), "angle": tf.angle(z), "abs": tf.abs(z),
         "arith": (z * z - z / tf.complex(x + 3.0, x)) + tf.square(z), "sum": tf.reduce_sum(z, 1),
         "mean": tf.reduce_mean(z), "cast": tf.cast(z, tf.float32), "up": tf.cast(x, tf.complex64),
         "real_of_real": tf.real(x), "imag_of_real": tf.imag(x), "dtypes_complex": tf.dtypes.complex(x, x)}
    outs = {"fft": sp.fft(z), "ifft": sg.ifft(z), "fft2d": sg.fft2d(z), "ifft2d": sp.ifft2d(z),
            "fft3d": sg.fft3d(tf.complex(y, y)), "ifft3d": sg.ifft3d(tf.complex(y, -y)), "rfft": sg.rfft(x),
            "rfft8": sp.rfft(x, [8]), "rfft4": sg.rfft(x, [4]), "irfft": sg.irfft(sg.rfft(x)),
            "irfft7": sg.irfft(z, [7]), "irfft4": sg.irfft(z, [4]), "rfft2d": sg.rfft2d(y, [3, 6]),
            "irfft2d": sg.irfft2d(tf.complex(y, y)[..., :3], [3, 5]), "rfft3d": sg.rfft3d(y)}
    w = {k: tf.constant(rng.standard_normal(dims(v)).astype(v.dtype.real_dtype.as_numpy_dtype))
         for k, v in outs.items()}
    grads = {k: tf.gradients(tf.reduce_sum((tf.abs(v) if v.dtype.is_complex else v) * w[k]), [x, y])
             for k, v in outs.items()  # TF's gradients fail for these (graphgrad's work: tests/test_signal.py)
             if k not in ("rfft4", "rfft8", "irfft7", "irfft4", "rfft3d")}
    grads = {k: [g for g in gs if g is not None] for k, gs in grads.items()}
    grads["complex_ops"] = tf.gradients(tf.reduce_sum(tf.abs(c["arith"]) + c["angle"] + c["imag"] * c["real"])
                                        + tf.reduce_sum(tf.real(c["mean"] * tf.conj(c["sum"][0]))), x)
    signal = tf.constant(np.sin(np.arange(64) / 5.0)[None] * [[1.0], [0.5]])  # float64
    spectrum = sg.stft(signal, 16, 4)
    mel_matrix = sg.linear_to_mel_weight_matrix(6, 9, 16000, 50.0, 7000.0, dtype=tf.float64)
    mel = tf.tensordot(tf.abs(sg.stft(signal, 16, 8, fft_length=16)), mel_matrix, 1)
    frames = sg.frame(signal, 12, 10)
    sig = {"frame": frames[:, :3], "frame_pad": sg.frame(signal, 12, 10, pad_end=True, pad_value=-1.0)[:, -1],
           "frame_axis": sg.frame(tf.reshape(tf.range(24.0), [2, 12, 1]), 5, 3, axis=1),
           "ola": sg.overlap_and_add(frames, 10)[:, :30], "ola_fast": sg.overlap_and_add(frames, 12)[:, 8:20],
           "ola_gap": sg.overlap_and_add(frames, 15)[:, 8:20],
           "hann": [sg.hann_window(8), sg.hann_window(8, periodic=False), sg.hann_window(7), sg.hann_window(1)],
           "hamming": [sg.hamming_window(8), sg.hamming_window(5, periodic=False, dtype=tf.float64)],
           "stft_shape": tf.shape(spectrum), "stft_pad": tf.shape(sg.stft(signal, 16, 4, 32, pad_end=True)),
           "stft": spectrum[0, :2],
           "roundtrip": tf.reduce_max(tf.abs(sg.inverse_stft(spectrum, 16, 4, window_fn=sg.inverse_stft_window_fn(4))
                                             [:, 12:52] - signal[:, 12:52])),
           "inverse_plain": sg.inverse_stft(spectrum, 16, 4)[:, 20:30],
           "mel_matrix": [mel_matrix, sg.linear_to_mel_weight_matrix()[::32, ::4]],
           "mfcc": sg.mfccs_from_log_mel_spectrograms(tf.log(mel + 1e-6)),
           "dct": [sg.dct(x, type=t) for t in (1, 2, 3, 4)] + [
               sg.dct(x, norm="ortho"), sg.dct(x, type=3, norm="ortho"), sg.dct(x, n=4), sg.dct(x, n=9),
               sp.dct(x, type=4, norm="ortho")],
           "idct": [sg.idct(x), sp.idct(x, type=3, norm="ortho"), sg.idct(sg.dct(x, norm="ortho"), norm="ortho")]}
    wave = tf.constant(rng.standard_normal((1, 48)))
    loss = tf.reduce_sum(sg.mfccs_from_log_mel_spectrograms(tf.log(tf.tensordot(
        tf.abs(sg.stft(wave, 16, 8)), mel_matrix, 1) + 1e-3)) * 0.1)
    r["shapes"] = {k: [str(v.shape), v.dtype.name] for k, v in {**c, **outs, "stft": spectrum, "mel": mel,
                                                                 "frames": frames}.items()}
    with tf.Session() as s:
        r["complex"] = s.run(c)
        r["transforms"] = s.run(outs)
        r["grads"] = s.run(grads)
        r["signal"] = s.run(sig)
        r["mfcc_grad"] = s.run(tf.gradients(loss, wave)[0][0, ::4])
    r["errors"] = [
        r.error(lambda: sg.fft(x), "not in list of allowed values"),
        r.error(lambda: sg.rfft(z), "RFFT requires tf.float32 or tf.float64 inputs"),
        r.error(lambda: tf.complex(tf.constant(1), tf.constant(2)), "components have incorrect types: int32 int32"),
        r.error(lambda: sg.fft(tf.complex(1.0, 2.0)), "must be at least rank 1"),
        r.error(lambda: sg.linear_to_mel_weight_matrix(0), "num_mel_bins must be positive"),
        r.error(lambda: sg.linear_to_mel_weight_matrix(lower_edge_hertz=-1.0), "must be non-negative"),
        r.error(lambda: sg.linear_to_mel_weight_matrix(lower_edge_hertz=500.0, upper_edge_hertz=400.0),
                "lower_edge_hertz 500.0 >= upper_edge_hertz 400.0"),
        r.error(lambda: sg.linear_to_mel_weight_matrix(sample_rate=6000), "must not be larger than the Nyquist"),
        r.error(lambda: sg.dct(x, type=5), "Types I, II, III and IV (I)DCT are supported."),
        r.error(lambda: sg.dct(x, type=1, norm="ortho"), "Normalization is not supported for the Type-I DCT."),
        r.error(lambda: sg.dct(x, norm="bad"), "Unknown normalization"),
        r.error(lambda: sg.dct(x, axis=0), "axis must be -1"),
        r.error(lambda: sg.hann_window(4, dtype=tf.int32), "dtype must be a floating point type")]

@program
def sets(tf, r):
    """tf.sets on dense and sparse operands (either order), strings, and set_size; their errors."""
    a = tf.constant([[[1, 2, 2], [3, 4, 5]], [[0, 0, 0], [9, 8, 7]]])
    b = tf.constant([[[2, 5, 1], [9, 3, 3]], [[0, 1, 1], [7, 7, 7]]])
    sp = tf.SparseTensor([[0, 0, 0], [0, 0, 2], [1, 1, 0], [1, 1, 1]], [2, 6, 7, 7], [2, 2, 3])
    words = tf.constant([["a", "b"], ["c", "c"]])
    res = {"intersection": tf.sets.set_intersection(a, b), "union": tf.sets.union(a, b),
           "difference": tf.sets.set_difference(a, b), "b_minus_a": tf.sets.difference(a, b, aminusb=False),
           "dense_sparse": tf.sets.set_intersection(a, sp), "sparse_dense": tf.sets.set_difference(sp, a),
           "sparse_sparse": tf.sets.union(sp, sp), "int64": tf.sets.intersection(tf.cast(a, tf.int64),
                                                                                   tf.cast(b, tf.int64)),
           "strings": tf.sets.set_union(words, tf.constant([["b", "d"], ["a", "c"]]))}
    r["shapes"] = {k: [str(v.indices.shape), str(v.values.shape), str(v.dense_shape.shape), v.values.dtype.name]
                   for k, v in res.items()}
    with tf.Session() as s:
        r["values"] = {k: list(v) for k, v in s.run(res).items()}
        r["size"] = s.run([tf.sets.set_size(sp), tf.sets.size(res["union"])])
    r["errors"] = [r.error(lambda: tf.sets.set_size(a), "Expected `SparseTensor`"),
                   r.error(lambda: tf.sets.set_union(tf.constant([[1.0]]), tf.constant([[2.0]])),
                           "'a' has invalid dtype"),
                   r.error(lambda: tf.sets.set_union(tf.constant([1, 2]), tf.constant([1, 2])),
                           "Shape must be at least rank 2 but is rank 1"),
                   r.error(lambda: tf.sets.set_union(a, tf.constant([[1]], tf.int64)), "Types don't match")]


@program
def clustering_kernels(tf, r):
    """The k-means kernels as `tf.raw_ops` (TF1's gen_clustering_ops): nearest centres with their squared
    distances, k-means++ and k-MC2 picks for fixed seeds (TF's Philox stream), their errors; and the ops k-means
    builds on: unsorted_segment_sum, scatter_add."""
    rng = np.random.RandomState(0)
    points = rng.uniform(-1, 1, (40, 3)).astype(np.float32)
    centers = rng.uniform(-1, 1, (5, 3)).astype(np.float32)
    raw = tf.raw_ops
    near = {k: raw.NearestNeighbors(points=points, centers=centers, k=k) for k in (1, 3, 9)}
    r["nn_shapes"] = shapes(*near[1])
    pp = {(n, seed, retries): raw.KmeansPlusPlusInitialization(
        points=points, num_to_sample=n, seed=seed, num_retries_per_sample=retries)
        for n, seed, retries in ((1, 0, 0), (4, 0, 0), (4, 7, 2), (6, 123, -1), (40, 5, 1))}
    r["pp_shape"] = shapes(pp[1, 0, 0])
    dist = rng.uniform(0, 1, 30).astype(np.float32)
    dist[20:] *= 0.01  # small last candidates: where a chain ends depends on its draws
    chains = [raw.KMC2ChainInitialization(distances=dist, seed=seed) for seed in (0, 1, 42, 2**40, 7, 99)]
    r["chain_shape"] = shapes(chains[0])
    with tf.Session() as s:
        r["nn"] = s.run(near[1])
        r["nn_k3"] = s.run(near[3])
        r["nn_k9"] = s.run(near[9])
        r["pp_rows"] = [[int(np.flatnonzero((points == row).all(1))[0]) for row in s.run(v)] for v in pp.values()]
        r["chains"] = s.run(chains)
        r["pp_too_many"] = r.error(lambda: s.run(raw.KmeansPlusPlusInitialization(
            points=points, num_to_sample=41, seed=0, num_retries_per_sample=0)),
            "Expected num_to_sample <= points.rows()")
        r["nn_not_matrix"] = r.error(lambda: s.run(raw.NearestNeighbors(points=points[0], centers=centers, k=1)),
                                     "should be a matrix")
        r["nn_dims"] = r.error(lambda: s.run(raw.NearestNeighbors(points=points[:, :2], centers=centers, k=1)),
                               "Expected point_dimensions == center_dimensions")
        r["chain_empty"] = r.error(lambda: s.run(raw.KMC2ChainInitialization(
            distances=np.zeros(0, np.float32), seed=0)), "Expected distances_tensor.size() > 0.")
        seg = tf.unsorted_segment_sum(points[:6], [0, 2, -1, 2, 1, 0], 4)
        r["segment_sum"] = [shapes(seg), s.run(seg)]
        r["segment_range"] = r.error(lambda: s.run(tf.unsorted_segment_sum(points[:2], [0, 4], 4)), "out of range")
        v = tf.Variable(np.zeros((4, 3), np.float32), name="v")
        up = tf.scatter_add(v, [3, 0, 3], points[:3])
        s.run(v.initializer)
        r["scatter_add"] = [up.op.type, shapes(up), s.run(up), s.run(v)]


def main(argv):
    if "--graphgrad" in argv:
        import graphgrad as tf
        chosen = [a for a in argv[1:] if a in PROGRAMS] or list(PROGRAMS)
        print(json.dumps({n: run_program(tf, n) for n in chosen}, indent=1))
        return
    tf = import_tensorflow()
    out = {"_recorded_with": f"tensorflow {tf.VERSION} (compat.v1, graph mode), numpy {np.__version__}"}
    chosen = [a for a in argv[1:] if a in PROGRAMS]
    if chosen:  # re-record only these; the others keep their recording
        with open(REFERENCE) as f:
            out = {**json.load(f), **out}
    crashed = []
    for name in chosen or PROGRAMS:
        try:
            out[name] = run_program(tf, name)
        except Exception:  # noqa: BLE001 -- report every broken program at once, write nothing
            traceback.print_exc()
            crashed.append(name)
    if crashed:
        sys.exit(f"programs that failed under TensorFlow (nothing written): {crashed}")
    missing = [f"{p}.{k}" for p, obs in out.items() if isinstance(obs, dict)
               for k, v in obs.items() if isinstance(v, dict) and False in v.get("has", [])]
    if missing:
        print("message fragments not in TensorFlow's message (fix the program):", missing, file=sys.stderr)
    out = {k: out[k] for k in ["_recorded_with", *PROGRAMS]}
    with open(REFERENCE, "w") as f:  # one program per line: small, and a re-recording diffs by program
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}"
                                    for k, v in out.items()) + "\n}\n")
    print(f"wrote {os.path.relpath(REFERENCE)} ({os.path.getsize(REFERENCE)} bytes, {len(PROGRAMS)} programs)")


# --- strings and lookup tables ------------------------------------------------------------------------------

_WORDS = ["hello world", " two  spaces ", "", "héllo wörld", "a,b,,c,", "tab\tsep\nline"]


@program
def strings_elementwise(tf, r):
    x = tf.placeholder(tf.string, [None])
    n = tf.placeholder(tf.float32, [None])
    i = tf.placeholder(tf.int64, [None])
    r["shapes"] = shapes(tf.strings.length(x), tf.strings.upper(x), tf.strings.strip(x), tf.as_string(n),
                         tf.regex_replace(x, "o", "0"), tf.strings.regex_full_match(x, "h.*"),
                         tf.substr(x, 0, 2), tf.encode_base64(x), tf.string_to_hash_bucket_fast(x, 5))
    feed = {x: _WORDS, n: [1.5, -0.25, 1e10, 3.0], i: [0, -7, 12345678901]}
    with tf.Session() as s:
        r["length"] = s.run([tf.strings.length(x), tf.strings.length(x, unit="UTF8_CHAR")], feed)
        r["case"] = s.run([tf.strings.upper(x), tf.strings.lower(tf.strings.upper(x)),
                           tf.strings.upper(x, encoding="utf-8")], feed)
        r["strip"] = s.run([tf.strings.strip(x), tf.string_strip(x)], feed)
        r["as_string"] = s.run([tf.as_string(n), tf.as_string(n, precision=2), tf.as_string(n, scientific=True),
                                tf.as_string(n, shortest=True), tf.as_string(i), tf.as_string(i, width=5, fill="0"),
                                tf.as_string(tf.constant([True, False])), tf.as_string(n, width=12)], feed)
        r["as_string_bad"] = r.error(lambda: s.run(tf.as_string(n, scientific=True, shortest=True), feed),
                                     "Cannot select both scientific and shortest notation")
        r["regex"] = s.run([tf.regex_replace(x, "o", "0"), tf.regex_replace(x, "l+", "L", replace_global=False),
                            tf.regex_replace(x, r"(\w+) (\w+)", r"\2 \1"), tf.strings.regex_replace(x, "^", ">"),
                            tf.strings.regex_full_match(x, "h.*"), tf.strings.regex_full_match(x, "")], feed)
        p = tf.placeholder(tf.string, [])
        r["regex_dynamic"] = s.run([tf.regex_replace(x, p, "_"), tf.strings.regex_full_match(x, p)],
                                   {**feed, p: "[aeiou]"})
        r["base64"] = s.run([tf.encode_base64(x), tf.encode_base64(x, pad=True),
                             tf.decode_base64(tf.encode_base64(x)), tf.decode_base64(tf.encode_base64(x, pad=True))],
                            feed)
        r["base64_bad"] = r.error(lambda: s.run(tf.decode_base64(tf.constant(["ab+/"]))), "Invalid character")
        r["to_number"] = s.run([tf.strings.to_number(tf.constant(["1.5", "-3"])),
                                tf.strings.to_number(tf.constant(["7", "-3"]), tf.int64)])


@program
def strings_substr(tf, r):
    x = tf.placeholder(tf.string, [None])
    feed = {x: ["hello", "héllo", "ab"]}
    with tf.Session() as s:
        r["bytes"] = s.run([tf.substr(x, 0, 3), tf.substr(x, 1, 10), tf.substr(x, 2, 0), tf.substr(x, -2, 2),
                            tf.strings.substr(x, [0, 1, 1], [1, 2, 3])], feed)
        r["chars"] = s.run([tf.strings.substr(x, 0, 2, unit="UTF8_CHAR"),
                            tf.strings.substr(x, 1, 3, unit="UTF8_CHAR")], feed)
        r["out_of_range"] = r.error(lambda: s.run(tf.substr(x, 3, 1), feed),
                                    "pos 3 out of range for string b'ab' at index 2")
        r["negative_out_of_range"] = r.error(lambda: s.run(tf.substr(x, -3, 1), feed), "pos -3 out of range")
        r["scalar"] = s.run(tf.substr("hello", 1, 2))
    r["shape"] = shapes(tf.substr(x, 0, 1), tf.substr(["abc", "de"], [0, 1], [1, 1]))
    r["pos_rank"] = r.error(lambda: tf.substr("abc", [0, 1], 1), "Shape must be rank 0 but is rank 1")


@program
def strings_split_join(tf, r):
    x = tf.placeholder(tf.string, [None])
    feed = {x: _WORDS}
    sp = tf.string_split(x)
    r["sparse_shapes"] = shapes(sp.indices, sp.values, sp.dense_shape)
    with tf.Session() as s:
        r["split"] = list(s.run(sp, feed))
        r["split_chars"] = list(s.run(tf.string_split(x, ", "), feed))
        r["split_keep_empty"] = list(s.run(tf.string_split(x, ",", skip_empty=False), feed))
        r["split_bytes"] = list(s.run(tf.string_split(tf.constant(["ab", "", "é"]), ""), feed))
        r["split_v2"] = list(s.run(tf.strings.split(x), feed))
        r["split_v2_sep"] = list(s.run(tf.strings.split(x, sep=","), feed))
        r["split_v2_max"] = list(s.run(tf.strings.split(x, sep=",", maxsplit=1), feed))
        r["split_v2_ws_max"] = list(s.run(tf.strings.split(x, maxsplit=1), feed))
        r["join"] = s.run([tf.string_join([x, x], "-"), tf.string_join([x, "!"]), tf.strings.join(["a", "b"], "/")],
                          feed)
        m = tf.constant([["a", "b", "c"], ["d", "", "f"]])
        r["reduce_join"] = s.run([tf.reduce_join(m), tf.reduce_join(m, 0), tf.reduce_join(m, 1, separator="."),
                                  tf.reduce_join(m, -1, keep_dims=True),
                                  tf.strings.reduce_join(m, [0, 1], separator="|"),
                                  tf.strings.reduce_join(m, axis=1, keepdims=True)])
        r["join_mismatch"] = r.error(lambda: s.run(tf.string_join([x, tf.constant(["a", "b"])]), feed),
                                     "Input shapes do not match: [6] vs. [2]")
    r["reduce_shapes"] = shapes(tf.reduce_join(tf.constant([["a"]]), 1), tf.reduce_join(x, 0, keep_dims=True),
                                tf.string_join([x, "b"]))
    r["split_rank"] = r.error(lambda: tf.string_split(tf.constant([["a"]])), "must be rank 1")


@program
def strings_hash_buckets(tf, r):
    words = ["", "a", "hello", "héllo", "the quick brown fox", "x" * 17, "y" * 40, "z" * 70, "0123456789" * 13]
    x = tf.constant(words)
    with tf.Session() as s:
        r["fast"] = s.run([tf.string_to_hash_bucket_fast(x, 1000), tf.strings.to_hash_bucket_fast(x, 7)])
        r["strong"] = s.run([tf.string_to_hash_bucket_strong(x, 1000, [1, 2]),
                             tf.strings.to_hash_bucket_strong(x, 97, [0xDECAFCAFFE, 12345678901234567])])
        r["legacy"] = s.run([tf.string_to_hash_bucket(x, 1000), tf.strings.to_hash_bucket(x, 13)])
    r["dtypes"] = shapes(tf.string_to_hash_bucket_fast(x, 3), tf.string_to_hash_bucket_strong(x, 3, [1, 2]))


def _lookup_module(tf):
    """`tf.contrib.lookup` in graphgrad; TF 2.21 has no contrib, but its lookup_ops module holds the same names."""
    if tf.__name__.startswith("graphgrad"):
        return tf.contrib.lookup
    from tensorflow.python.ops import lookup_ops

    return lookup_ops


def _vocab_file(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


@program
def lookup_tables(tf, r):
    lookup = _lookup_module(tf)
    keys = tf.placeholder(tf.string, [None])
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b", "é"], [1, 2, 3],
                                                                          value_dtype=tf.int64), -1)
    found = table.lookup(keys)
    r["found"] = shapes(found)
    contrib = lookup.HashTable(lookup.KeyValueTensorInitializer(["x", "y"], [0.5, 1.5]), 0.0)
    ids = lookup.index_table_from_tensor(["the", "cat", "sat"])
    oov = lookup.index_table_from_tensor(tf.constant(["the", "cat", "sat"]), num_oov_buckets=3)
    strong = lookup.index_table_from_tensor(["the", "cat"], num_oov_buckets=5,
                                            hasher_spec=lookup.StrongHashSpec([7, 11]))
    ints = lookup.index_table_from_tensor([10, 20, 30], num_oov_buckets=2, dtype=tf.int64)
    words = lookup.index_to_string_table_from_tensor(["the", "cat", "sat"])
    vocab = tf.lookup.StaticVocabularyTable(tf.lookup.KeyValueTensorInitializer(["the", "cat"], [0, 1],
                                                                                value_dtype=tf.int64), 4)
    r["collection"] = len(tf.get_collection(tf.GraphKeys.TABLE_INITIALIZERS))
    r["init_type"] = [tf.tables_initializer().type, tf.tables_initializer().name,
                      tf.initializers.tables_initializer().type]
    feed = {keys: ["a", "é", "zz", ""]}
    sentence = tf.constant(["the", "dog", "sat", "", "cat", "mat"])
    with tf.Session() as s:
        r["before_init"] = r.error(lambda: s.run(found, feed), "Table not initialized.")
        s.run(tf.tables_initializer())
        r["values"] = s.run([found, table.size(), contrib.lookup(tf.constant(["y", "q"])), contrib.size()], feed)
        r["default"] = s.run(table.default_value)
        r["ids"] = s.run([ids.lookup(sentence), oov.lookup(sentence), strong.lookup(sentence), oov.size(),
                          ints.lookup(tf.constant([20, 99, 10, -1], tf.int64)),
                          words.lookup(tf.constant([2, 0, 7, -1], tf.int64)), vocab.lookup(sentence), vocab.size()])
        sp = tf.string_split(tf.constant(["the cat sat", "a dog"]))
        r["sparse"] = list(s.run(oov.lookup(sp)))
        r["again"] = r.error(lambda: s.run(tf.tables_initializer()))
    r["bad_keys"] = r.error(lambda: table.lookup(tf.constant([1, 2])), "<dtype: 'string'>")
    r["bad_oov"] = r.error(lambda: lookup.index_table_from_tensor(["a"], num_oov_buckets=-1),
                           "must be greater or equal than 0, got -1")
    r["vocab_no_oov"] = r.error(lambda: tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(["a"], [0], value_dtype=tf.int64), 0), "must be > 0; use StaticHashTable")
    dup = lookup.index_table_from_tensor(["a", "b", "a"])
    with tf.Session() as s:
        r["duplicate"] = r.error(lambda: s.run(dup.initializer), "HashTable has different value for same key. "
                                 "Key a has 0 and trying to add value 2")


@program
def lookup_text_files(tf, r):
    lookup = _lookup_module(tf)
    folder = tempfile.mkdtemp()
    path = _vocab_file(folder, "vocab.txt", "the\ncat\nsat\nhéllo\n")
    cols = _vocab_file(folder, "cols.txt", "7\tseven\tx\n3\tthree\ty\n")
    table = lookup.index_table_from_file(path)
    short = lookup.index_table_from_file(path, vocab_size=2, default_value=-5)
    oov = lookup.index_table_from_file(path, num_oov_buckets=2)
    back = lookup.index_to_string_table_from_file(path, default_value="<unk>")
    by_col = lookup.HashTable(lookup.TextFileInitializer(cols, tf.int64, 0, tf.string, 1, delimiter="\t"), "none")
    whole = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER), -1)
    words = tf.constant(["cat", "héllo", "dog", "the", ""])
    with tf.Session() as s:
        s.run(tf.tables_initializer())
        r["values"] = s.run([table.lookup(words), short.lookup(words), oov.lookup(words), table.size(),
                             short.size(), back.lookup(tf.constant([0, 3, 4], tf.int64)),
                             by_col.lookup(tf.constant([3, 7, 5], tf.int64)), whole.lookup(words)])
    tf.reset_default_graph()
    too_big = lookup.index_table_from_file(path, vocab_size=9)
    missing = lookup.index_table_from_file(os.path.join(folder, "nope.txt; No such file or directory"))
    empty_line = lookup.index_table_from_file(_vocab_file(folder, "empty.txt", "a\n\nb\n"))
    few_cols = lookup.HashTable(lookup.TextFileInitializer(cols, tf.int64, 0, tf.string, 5), "none")
    bad_int = lookup.HashTable(lookup.TextFileInitializer(cols, tf.int64, 1, tf.string, 0), "none")
    with tf.Session() as s:
        r["too_big"] = r.error(lambda: s.run(too_big.initializer), "Invalid vocab_size in", "expected 9 but got 4")
        r["missing"] = r.error(lambda: s.run(missing.initializer), "nope.txt; No such file or directory")
        r["empty_line"] = r.error(lambda: s.run(empty_line.initializer), "empty line found at position 3.")
        r["few_cols"] = r.error(lambda: s.run(few_cols.initializer), "Invalid number of columns in",
                                "line 0 (7\tseven\tx) : expected at least 6 got 3")
        r["bad_int"] = r.error(lambda: s.run(bad_int.initializer), "Field seven in line 0 is not a valid int64.")
    r["no_file"] = r.error(lambda: lookup.index_table_from_file(""), "must be specified and must not be empty")


@program
def lookup_mutable(tf, r):
    table = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
    vec = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, [0.0, 0.0])
    insert = table.insert(tf.constant(["a", "b", "c"]), tf.constant([1, 2, 3], tf.int64))
    keys = tf.constant(["b", "z", "a"])
    with tf.Session() as s:
        r["empty"] = s.run([table.lookup(keys), table.size()])
        s.run(insert)
        s.run(table.insert(tf.constant(["a"]), tf.constant([10], tf.int64)))
        r["after"] = s.run([table.lookup(keys), table.size()])
        s.run(table.remove(tf.constant(["b", "nope"])))
        k, v = s.run(table.export())
        r["export"] = sorted(zip(k.tolist(), v.tolist()))
        r["size"] = s.run(table.size())
        s.run(vec.insert(tf.constant([5, 6], tf.int64), tf.constant([[1.0, 2.0], [3.0, 4.0]])))
        r["vectors"] = s.run(vec.lookup(tf.constant([6, 9], tf.int64)))
        r["bad_values"] = r.error(lambda: s.run(vec.insert(tf.constant([5], tf.int64), tf.constant([[1.0]]))),
                                  "Expected shape [1,2] for value, got [1,1]")
    r["shapes"] = shapes(table.lookup(keys), vec.lookup(tf.constant([1], tf.int64)), *table.export())


@program
def lookup_in_dataset(tf, r):
    lookup = _lookup_module(tf)
    table = lookup.index_table_from_tensor(["the", "cat", "sat"], num_oov_buckets=1)
    lines = tf.data.Dataset.from_tensor_slices(["the cat sat", "the dog", "sat"])
    ds = lines.map(lambda line: table.lookup(tf.string_split([line]).values))
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as s:
        s.run([tf.tables_initializer(), it.initializer])
        r["ids"] = [s.run(nxt) for _ in range(3)]
        r["end"] = r.error(lambda: s.run(nxt))


@program
def strings_codecs(tf, r):
    import gzip
    import zlib

    raw = tf.placeholder(tf.string, [None])
    packed = [zlib.compress(b"hello hello hello"), zlib.compress(b"")]
    t = tf.constant([[1.5, -2.0], [0.0, 3.25]])
    words = tf.constant([["a", "bé"], ["", "c"]])
    json = tf.constant(['{"features": {"feature": {"x": {"int64List": {"value": ["7", "-1"]}}, '
                        '"s": {"bytesList": {"value": ["aGk="]}}}}}'])
    example = tf.decode_json_example(json)
    parsed = tf.parse_example(example, {"x": tf.FixedLenFeature([2], tf.int64),
                                        "s": tf.FixedLenFeature([], tf.string)})
    with tf.Session() as s:
        r["zlib"] = s.run(tf.io.decode_compressed(raw, "ZLIB"), {raw: packed})
        r["gzip"] = s.run(tf.io.decode_compressed(raw, compression_type="GZIP"), {raw: [gzip.compress(b"xyz")]})
        r["none"] = s.run(tf.io.decode_compressed(raw), {raw: [b"as is"]})
        r["bad_zlib"] = r.error(lambda: s.run(tf.io.decode_compressed(raw, "ZLIB"), {raw: [b"nope"]}))
        r["roundtrip"] = s.run([tf.parse_tensor(tf.serialize_tensor(t), tf.float32),
                                tf.io.parse_tensor(tf.io.serialize_tensor(words), tf.string),
                                tf.parse_tensor(tf.serialize_tensor(tf.constant(7, tf.int64)), tf.int64)])
        r["serialized_float"] = s.run(tf.serialize_tensor(tf.constant([1.0, 2.0])))
        r["parse_wrong_type"] = r.error(lambda: s.run(tf.parse_tensor(tf.serialize_tensor(t), tf.int32)),
                                        "Type mismatch between parsed tensor (float) and dtype (int32)")
        r["json"] = s.run(parsed)
    r["shapes"] = shapes(tf.serialize_tensor(t), tf.parse_tensor(tf.serialize_tensor(t), tf.float32), example)


@program
def lookup_dense(tf, r):
    table = tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, default_value=-1, empty_key=0, deleted_key=-1)
    words = tf.lookup.experimental.DenseHashTable(tf.string, tf.float32, default_value=0.5, empty_key="",
                                                  deleted_key="<deleted>")
    with tf.Session() as s:
        s.run(table.insert(tf.constant([5, 7, 9], tf.int64), tf.constant([50, 70, 90], tf.int64)))
        s.run(table.remove(tf.constant([7], tf.int64)))
        r["values"] = s.run([table.lookup(tf.constant([5, 7, 9, 11], tf.int64)), table.size()])
        s.run(words.insert(tf.constant(["a", "b"]), tf.constant([1.0, 2.0])))
        r["words"] = s.run([words.lookup(tf.constant(["b", "zz"])), words.size()])
        r["empty_key"] = r.error(lambda: s.run(table.insert(tf.constant([0], tf.int64), tf.constant([1], tf.int64))),
                                 "Using the empty_key as a table key is not allowed")
        r["deleted_key"] = r.error(lambda: s.run(table.lookup(tf.constant([-1], tf.int64))),
                                   "Using the deleted_key as a table key is not allowed")
        r["empty_string"] = r.error(lambda: s.run(words.lookup(tf.constant([""]))), "empty_key")


@program
def strings_segment_join(tf, r):
    x = tf.constant(["a", "b", "c", "d", "é"])
    m = tf.constant([["a", "b"], ["c", "d"], ["e", "f"]])
    ids = tf.placeholder(tf.int32, [None])
    joined = tf.strings.unsorted_segment_join(x, [1, 0, 1, 0, 1], 3, separator="+")
    r["shapes"] = shapes(joined, tf.strings.unsorted_segment_join(m, [0, 0, 1], 2),
                         tf.strings.unsorted_segment_join(m, ids, 4))
    with tf.Session() as s:
        r["values"] = s.run([joined, tf.strings.unsorted_segment_join(m, [0, 0, 1], 2, separator=","),
                             tf.strings.unsorted_segment_join(m, [[0, 1], [1, 1], [0, 0]], 2)])
        bad = tf.strings.unsorted_segment_join(m, ids, 2)
        r["out_of_range"] = r.error(lambda: s.run(bad, {ids: [0, 5, 1]}), "segment_ids are not allowed to exceed "
                                                                          "num_segments or to have negative values.")
        r["negative"] = r.error(lambda: s.run(bad, {ids: [0, -1, 1]}), "not allowed to exceed")


@program
def counting_and_grids(tf, r):
    """tf.bincount (minlength, maxlength, weights, empty input), tf.confusion_matrix (num_classes given or not,
    weights, dtype), tf.meshgrid ("xy" and "ij", with gradients), tf.cumprod (exclusive, reverse, axis, gradient)
    and their run-time errors."""
    x = tf.constant([[1.0, 2.0, 3.0], [0.5, -2.0, 4.0]])
    c = [tf.cumprod(x, 1), tf.cumprod(x, 1, exclusive=True), tf.cumprod(x, 1, reverse=True),
         tf.math.cumprod(x, 0, exclusive=True, reverse=True)]
    a, b = tf.constant([1.0, 2.0, 3.0]), tf.constant([4.0, 5.0])
    grids = tf.meshgrid(a, b) + tf.meshgrid(a, b, tf.constant([7.0, 8.0]), indexing="ij")
    counts = {"plain": tf.bincount([1, 1, 3, 0, 7]), "min": tf.bincount([1, 1, 3], minlength=6),
              "max": tf.bincount([1, 1, 3, 0, 7], maxlength=4),
              "weights": tf.math.bincount([1, 2, 2], weights=[0.5, 1.0, 2.0]),
              "empty": tf.bincount(tf.constant([], tf.int32), minlength=2),
              "dtype": tf.bincount([2, 2], dtype=tf.float32), "matrix": tf.bincount([[0, 1], [1, 5]])}
    cms = {"auto": tf.confusion_matrix([0, 1, 2, 1], [0, 2, 2, 1]),
           "given": tf.confusion_matrix([0, 1], [1, 1], num_classes=4),
           "weights": tf.confusion_matrix([0, 1, 1], [1, 1, 1], num_classes=3, weights=[2.0, 3.0, 0.5],
                                          dtype=tf.float32),
           "math": tf.math.confusion_matrix(tf.constant([2, 0], tf.int64), [2, 2])}
    r["shapes"] = [[str(t.shape), t.dtype.name] for t in c + grids]
    r["dtypes"] = [t.dtype.name for t in list(counts.values()) + list(cms.values())]
    fed = tf.placeholder(tf.int32, [None])  # sizes from constants are folded by TF's shape inference, not here
    r["fed_shapes"] = [str(t.shape) for t in (tf.bincount(fed), tf.bincount(fed, minlength=3, maxlength=5),
                                              tf.confusion_matrix(fed, fed), tf.confusion_matrix(fed, fed, 4))]
    grads = tf.gradients(tf.reduce_sum(c[0] * c[2]) + tf.reduce_sum(grids[0] * grids[1]) + tf.reduce_sum(grids[4]),
                         [x, a, b])
    with tf.Session() as s:
        r["cumprod"] = s.run(c)
        r["grids"] = s.run(grids)
        r["counts"] = s.run(counts)
        r["confusion"] = s.run(cms)
        r["grads"] = s.run(grads)
        r["errors"] = [r.error(lambda: s.run(tf.bincount([-1, 2])), "must be non-negative"),
                       r.error(lambda: s.run(tf.confusion_matrix([0, 3], [1, 1], num_classes=3)),
                               "`labels` out of bound"),
                       r.error(lambda: s.run(tf.confusion_matrix([0, 1], [-1, 1])),
                               "`predictions` contains negative values")]
    r["meshgrid_bad"] = r.error(lambda: tf.meshgrid(a, b, indexing="yx"), "parameter must be either 'xy' or 'ij'")


@program
def segment_reductions(tf, r):
    """tf.segment_* (sorted ids, empty segments), tf.unsorted_segment_* (negative ids dropped, TF's identity values
    for empty segments), tf.sparse_segment_* (with and without num_segments), their gradients (ties of a max/min,
    zeros in a product) and TF's run-time errors."""
    x = tf.constant([[1.0, 2.0], [3.0, -4.0], [3.0, 0.0], [5.0, 6.0], [0.0, 0.0], [0.5, 7.0]])
    ids = [0, 0, 0, 2, 4, 4]
    sorted_ = [tf.segment_sum(x, ids), tf.segment_mean(x, ids), tf.segment_max(x, ids), tf.math.segment_min(x, ids),
               tf.segment_prod(x, ids)]
    uids = [1, -1, 1, 3, 3, 1]
    unsorted = [tf.unsorted_segment_max(x, uids, 5), tf.unsorted_segment_min(x, uids, 5),
                tf.math.unsorted_segment_prod(x, uids, 5), tf.unsorted_segment_mean(x, uids, 5),
                tf.unsorted_segment_sqrt_n(x, uids, 5)]
    idx, sids = [5, 0, 5, 2], [0, 0, 1, 3]
    sparse = [tf.sparse_segment_sum(x, idx, sids), tf.sparse_segment_mean(x, idx, sids),
              tf.sparse.segment_sqrt_n(x, idx, sids), tf.sparse.segment_sum(x, idx, sids, num_segments=6),
              tf.sparse_segment_mean(x, idx, sids, num_segments=5)]
    every = sorted_ + unsorted + sparse
    r["types"] = [t.op.type for t in every]
    r["shapes"] = [[str(t.shape), t.dtype.name] for t in every]
    r["int_extrema"] = [tf.unsorted_segment_max(tf.constant([1, 2]), [0, 0], 2).dtype.name]
    grads = tf.gradients(sum(tf.reduce_sum(t * t) for t in every), x)[0]
    tie = tf.gradients(tf.reduce_sum(tf.segment_max(x, ids)) + tf.reduce_sum(tf.unsorted_segment_min(x, uids, 5)),
                       x)[0]
    prod = tf.gradients(tf.reduce_sum(tf.segment_prod(x, ids)) + tf.reduce_sum(tf.unsorted_segment_prod(x, uids, 5)),
                        x)[0]
    second = tf.gradients(tf.reduce_sum(tf.gradients(tf.reduce_sum(tf.segment_prod(x, ids) ** 2), x)[0]), x)[0]
    p = tf.placeholder(tf.int32, [None])
    with tf.Session() as s:
        r["sorted"] = s.run(sorted_)
        r["unsorted"] = s.run(unsorted)
        r["ints"] = s.run([tf.unsorted_segment_max(tf.constant([1, 2]), [0, 0], 2),
                           tf.unsorted_segment_min(tf.constant([3, 2], tf.int64), [1, 1], 3),
                           tf.segment_max(tf.constant([4, 1, 7]), [1, 1, 3])])
        r["sparse"] = s.run(sparse)
        r["grads"] = s.run([grads, tie, prod, second])
        r["empty"] = s.run(tf.segment_sum(tf.zeros([0, 2]), tf.zeros([0], tf.int32))).shape
        r["errors"] = [
            r.error(lambda: s.run(tf.segment_sum(x, p), {p: [0, 1, 0, 2, 2, 2]}), "segment ids are not increasing"),
            r.error(lambda: s.run(tf.segment_max(x, p), {p: [-1, 0, 0, 1, 1, 1]}),
                    "Segment id -1 out of range [0, 2), possibly because 'segment_ids' input is not sorted."),
            r.error(lambda: s.run(tf.segment_mean(x, p), {p: [0, 1, 2]}),
                    "segment_ids should be the same size as dimension 0 of input."),
            r.error(lambda: s.run(tf.segment_prod(x, p), {p: [0, 0, 1, 1, 1, -1]}), "segment ids must be >= 0"),
            r.error(lambda: s.run(tf.unsorted_segment_max(x, p, 2), {p: [0, 1, 2, 0, 0, 0]}),
                    "segment_ids[2] = 2 is out of range [0, 2)"),
            r.error(lambda: s.run(tf.sparse_segment_sum(x, p, [0, 0, 2]), {p: [0, 1, 6]}),
                    "indices[2] == 6 out of range [0, 6)"),
            r.error(lambda: s.run(tf.sparse_segment_sum(x, [0, 1], p), {p: [0]}),
                    "segment_ids and indices should have same size."),
            r.error(lambda: s.run(tf.sparse_segment_mean(x, [0, 1, 2], p, num_segments=2), {p: [0, 1, 2]}),
                    "segment ids must be < num_segments"),
            r.error(lambda: s.run(tf.sparse_segment_sqrt_n(x, [0, 1, 2], p), {p: [1, 0, 2]}),
                    "segment ids are not increasing")]
    r["build_errors"] = [r.error(lambda: tf.segment_sum(x, [[0, 0, 0, 1, 1, 1]]), "Shape must be rank 1 but is rank 2"),
                         r.error(lambda: tf.segment_sum(x, [0.0] * 6), "not in list of allowed values")]


@program
def partitions_and_buckets(tf, r):
    """tf.dynamic_partition (with its gradient), tf.invert_permutation, tf.setdiff1d, tf.searchsorted,
    tf.histogram_fixed_width(_bins), tf.unravel_index and tf.batch_gather, and their errors."""
    x = tf.constant([[1.0, 2.0], [3.0, -4.0], [5.0, 6.0], [0.0, 7.0]])
    parts = tf.dynamic_partition(x, [1, 0, 1, 2], 3)
    deep = tf.dynamic_partition(tf.reshape(tf.range(12.0), [2, 3, 2]), [[0, 1, 1], [1, 0, 1]], 2)
    r["partition_shapes"] = [str(t.shape) for t in parts + deep]
    r["partition_names"] = [t.name for t in parts]
    g = tf.gradients(tf.reduce_sum(parts[0] * 3.0) + tf.reduce_sum(parts[1] ** 2), x)[0]
    inv = tf.invert_permutation([2, 0, 3, 1])
    r["invert"] = [str(inv), tf.math.invert_permutation(tf.constant([1, 0], tf.int64)).dtype.name]
    diff = tf.setdiff1d([1, 2, 3, 4, 2, 5], [2, 5, 9])
    diff64 = tf.setdiff1d([1.0, 2.0], [2.0], index_dtype=tf.int64)
    r["setdiff"] = [str(diff.out.shape), diff.idx.dtype.name, diff64.idx.dtype.name, type(diff).__name__]
    left = tf.searchsorted([[1, 3, 3, 7], [0, 2, 4, 6]], [[3, 8], [-1, 4]])
    right = tf.searchsorted([1.0, 3.0, 3.0, 7.0], [3.0, 0.0, 8.0], side="right", out_type=tf.int64)
    r["search_shapes"] = [[str(t.shape), t.dtype.name] for t in (left, right)]
    v = [-1.0, 0.0, 1.5, 2.0, 4.99, 5.0, 15.0]
    hist = [tf.histogram_fixed_width(v, [0.0, 5.0], nbins=5),
            tf.histogram_fixed_width(tf.constant([1, 2, 3, 9, 10]), [0, 10], nbins=3, dtype=tf.int64),
            tf.histogram_fixed_width_bins(v, [0.0, 5.0], nbins=5),
            tf.histogram_fixed_width_bins([[0.3, 4.9], [2.5, -3.0]], [0.0, 5.0], nbins=4)]
    r["hist_shapes"] = [[str(t.shape), t.dtype.name] for t in hist]
    r["hist_name"] = hist[0].name
    unravel = [tf.unravel_index([22, 41, 37], [7, 6]), tf.unravel_index(5, [3, 4]),
               tf.unravel_index(tf.constant([0, 23], tf.int64), [2, 3, 4])]
    r["unravel_shapes"] = [[str(t.shape), t.dtype.name] for t in unravel]
    params = tf.reshape(tf.range(24.0), [2, 3, 4])
    bg = [tf.batch_gather(params, [[2, 0], [1, 1]]),
          tf.batch_gather(params, [[[2, 0], [1, 1], [3, 3]], [[0, 0], [1, 2], [3, 0]]]),
          tf.batch_gather(tf.placeholder(tf.float32, [None, 3]), [[0], [1]])]
    r["batch_gather_shapes"] = [str(t.shape) for t in bg]
    bg_grad = tf.gradients(tf.reduce_sum(bg[1] * bg[1]), params)[0]
    p = tf.placeholder(tf.int32, [None])
    with tf.Session() as s:
        r["partitions"] = s.run(parts + deep)
        r["partition_grad"] = s.run(g)
        r["inverted"] = s.run(inv)
        r["diff"] = s.run([diff.out, diff.idx, diff64.out, diff64.idx])
        r["searched"] = s.run([left, right])
        r["hist"] = s.run(hist)
        r["unravelled"] = s.run(unravel)
        r["gathered"] = s.run(bg[:2] + [bg_grad])
        r["errors"] = [
            r.error(lambda: s.run(tf.dynamic_partition(x, p, 2), {p: [0, 1, 2, 0]}),
                    "partitions[2] = 2 is not in [0, 2)"),
            r.error(lambda: s.run(tf.dynamic_partition(x, p, 2), {p: [0, 1, 0]}),
                    "data.shape must start with partitions.shape"),
            r.error(lambda: s.run(tf.invert_permutation(p), {p: [2, 0, 0]}), "0 is duplicated in the input."),
            r.error(lambda: s.run(tf.invert_permutation(p), {p: [3, 0, 1]}), "3 is not between 0 and 3"),
            r.error(lambda: s.run(tf.searchsorted([[1, 3], [2, 4]], [[3], [2], [5]])),
                    "Leading dim_size of both tensors must match."),
            r.error(lambda: s.run(tf.histogram_fixed_width(v, [5.0, 0.0], nbins=5)),
                    "value_range should satisfy value_range[0] < value_range[1]"),
            r.error(lambda: s.run(tf.histogram_fixed_width([1.0, float("nan")], [0.0, 1.0])),
                    "Histogram values must not contain NaN"),
            r.error(lambda: s.run(tf.unravel_index([22, 42], [7, 6])), "index is out of bound as with dims"),
            r.error(lambda: s.run(tf.unravel_index([1], [3, 0])),
                    "Input dims cannot contain a dim of zero, but dims contains zero at index 1")]
    r["build_errors"] = [
        r.error(lambda: tf.searchsorted([1.0, 3.0], [3.0], side="middle"), "must be either 'right' or 'left'"),
        r.error(lambda: tf.invert_permutation([[1]]), "Shape must be rank 1 but is rank 2"),
        r.error(lambda: tf.invert_permutation([1.0]), "not in list of allowed values: int32, int64"),
        r.error(lambda: tf.histogram_fixed_width(v, [0.0, 5.0], nbins=0), "Requires nbins > 0")]
# --- SparseTensor and the tf.sparse ops (docs/sparse.md) -------------------------------------------------------

@program
def sparse_tensor_basics(tf, r):
    """tf.SparseTensor built, printed, shaped, fed (SparseTensorValue or tuple) and fetched; sparse_placeholder,
    convert_to_tensor_or_sparse_tensor, from_dense, to_dense and sparse_to_dense with its index checks."""
    sp = tf.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
    r["repr"] = [repr(sp), str(sp.get_shape()), sp.dtype.name, sp.op.name, sp.graph is tf.get_default_graph()]
    p = tf.sparse_placeholder(tf.float32, name="sp")
    q = tf.sparse_placeholder(tf.int64, shape=[None, 5])
    r["placeholders"] = [str(p), str(p.get_shape()), str(q.get_shape()), str(q.indices), str(q.dense_shape)]
    conv = tf.convert_to_tensor_or_sparse_tensor(tf.SparseTensorValue([[1]], [7], [3]))
    r["convert"] = [type(conv).__name__, str(conv.get_shape()), conv.dtype.name,
                    isinstance(tf.convert_to_tensor_or_sparse_tensor([1.0]), tf.Tensor)]
    r["bad_rank"] = r.error(lambda: tf.SparseTensor([0, 1], [1.0, 2.0], [3]), "must have rank 2")
    d = tf.constant([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    fd = tf.sparse.from_dense(d)
    r["from_dense"] = [str(fd.indices.shape), str(fd.get_shape())]
    dense = tf.sparse_tensor_to_dense(sp, default_value=-1.0)
    s2d = tf.sparse_to_dense([[0, 1], [1, 0]], [2, 2], [5, 6])
    vec = tf.sparse_to_dense([3, 1], [5], 1.0, 0.0, validate_indices=False)
    g = tf.gradients(tf.reduce_sum(tf.sparse.to_dense(tf.SparseTensor([[0, 1], [1, 1]], d[0, 1:], [2, 3]),
                                                      default_value=d[1, 0]) * [[1.0, 2.0, 3.0]]), d)
    with tf.Session() as s:
        got = s.run(sp)
        r["fetch"] = [type(got).__name__, got]
        r["eval"] = sp.eval()
        r["fed_tuple"] = s.run(tf.sparse.to_dense(p), {p: ([[0, 1], [1, 0]], [3.0, 4.0], [2, 2])})
        r["fed_value"] = s.run(q, {q: tf.SparseTensorValue([[0, 4]], [9], [1, 5])})
        r["fed_default_shape"] = s.run(q.dense_shape)
        r["fed_into_add"] = s.run(tf.sparse.reduce_sum(p), {p: tf.SparseTensorValue([[0, 0], [2, 1]], [1.5, 2.0],
                                                                                    [3, 2])})
        r["from_dense_value"] = s.run(fd)
        r["to_dense"] = s.run([dense, s2d, vec])
        r["grad"] = s.run(g)
        r["unordered"] = r.error(lambda: s.run(tf.sparse_to_dense([[1, 0], [0, 1]], [2, 2], [5, 6])),
                                 "is out of order")
        r["repeated"] = r.error(lambda: s.run(tf.sparse_to_dense([[1, 0], [1, 0]], [2, 2], [5, 6])),
                                "is repeated")
        r["out_of_bounds"] = r.error(lambda: s.run(tf.sparse.to_dense(tf.SparseTensor([[3, 0]], [1.0], [2, 2]))),
                                     "out of bounds")


@program
def sparse_matmul_and_add(tf, r):
    """sparse_tensor_dense_matmul (adjoints, gradients w.r.t. the values and the dense side), sparse_add of two
    SparseTensors (thresh, gradients) and of a SparseTensor and a dense tensor, and their shape errors."""
    vals = tf.constant([1.0, 2.0, 3.0, -4.0])
    a = tf.SparseTensor([[0, 0], [0, 2], [1, 1], [2, 2]], vals, [3, 3])
    b = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    prods = [tf.sparse_tensor_dense_matmul(a, b), tf.sparse_tensor_dense_matmul(a, b, adjoint_a=True),
             tf.sparse.matmul(a, tf.transpose(b), adjoint_b=True),
             tf.sparse.sparse_dense_matmul(a, tf.transpose(b), adjoint_a=True, adjoint_b=True)]
    r["prod_shapes"] = [str(t.shape) for t in prods]
    w = tf.constant([[1.0, -1.0], [0.5, 2.0], [1.0, 3.0]])
    loss = sum(tf.reduce_sum(t * w) for t in prods)
    c = tf.SparseTensor([[0, 0], [1, 0], [2, 2]], tf.constant([-1.0, 5.0, 4.5]), [3, 3])
    sums = [tf.sparse_add(a, c), tf.sparse.add(a, c, threshold=1.0), tf.sparse_add(a, c, thresh=0.6)]
    r["sum_shapes"] = [[str(t.indices.shape), str(t.get_shape())] for t in sums]
    dense_sum = tf.sparse_add(a, b[:, :1] * tf.ones([3, 3]))
    r["dense_sum"] = [isinstance(dense_sum, tf.Tensor), str(dense_sum.shape), dense_sum.op.type]
    loss2 = tf.reduce_sum(sums[1].values * tf.range(1.0, 1.0 + tf.cast(tf.size(sums[1].values), tf.float32))) \
        + tf.reduce_sum(dense_sum * w[:, :1])
    with tf.Session() as s:
        r["prods"] = s.run(prods)
        r["grads"] = s.run(tf.gradients(loss, [vals, b]))
        r["sums"] = s.run(sums)
        r["dense_sum_value"] = s.run(dense_sum)
        r["sum_grads"] = s.run(tf.gradients(loss2, [vals, c.values]))
        r["dense_sparse_matmul"] = s.run(tf.sparse_matmul(b, b, transpose_a=True, a_is_sparse=True))
        big = tf.SparseTensor([[0, 0]], [1.0], [3, 4])
        r["inner_mismatch"] = r.error(lambda: tf.sparse_tensor_dense_matmul(a, tf.ones([4, 2])),
                                      "Dimensions must be equal")
        r["add_mismatch"] = r.error(lambda: tf.sparse_add(a, big), "")
        r["add_none"] = r.error(lambda: tf.sparse_add(b, b), "At least one input should be SparseTensor")


@program
def sparse_reshaping(tf, r):
    """sparse_concat (and expand_nonconcat_dim), sparse_reorder (with its gradient), sparse_reshape (-1, static
    and run-time size errors), sparse_retain, sparse_slice (with its gradient), sparse_split,
    sparse_fill_empty_rows (with its gradient), sparse_transpose, sparse_to_indicator and tf.sparse.eye."""
    vals = tf.constant([1.0, 2.0, 3.0, 4.0])
    a = tf.SparseTensor([[0, 2], [1, 0], [2, 1], [2, 3]], vals, [3, 4])
    b = tf.SparseTensor([[1, 1], [2, 0]], [5.0, 6.0], [3, 2])
    cat = tf.sparse_concat(1, [a, b])
    cat0 = tf.sparse.concat(0, [a, tf.SparseTensor([[0, 0]], [7.0], [1, 4])])
    wide = tf.sparse_concat(0, [a, b], expand_nonconcat_dim=True)
    r["concat_shapes"] = [str(cat.indices.shape), str(cat.get_shape()), str(cat0.get_shape())]
    un = tf.SparseTensor([[2, 1], [0, 3], [1, 0], [0, 1]], vals, [3, 4])
    ro = tf.sparse_reorder(un)
    rs = tf.sparse_reshape(a, [2, -1])
    rs3 = tf.sparse.reshape(a, [2, 3, 2])
    r["reshape_shapes"] = [str(rs.get_shape()), str(rs3.get_shape()), str(ro.get_shape())]
    r["reshape_static_error"] = r.error(lambda: tf.sparse_reshape(a, [5, 2]), "Cannot reshape a tensor with 12")
    ret = tf.sparse_retain(a, [True, False, True, False])
    sl = tf.sparse_slice(a, [1, 1], [5, 2])
    sp3 = tf.sparse_split(sp_input=a, num_split=3, axis=1)
    filled, empty = tf.sparse_fill_empty_rows(tf.SparseTensor([[1, 0], [1, 2], [3, 1]], vals[:3], [5, 3]), -1.0)
    r["fill_shapes"] = [str(filled.indices.shape), str(empty.shape)]
    tr = tf.sparse_transpose(a)
    r["transpose_shape"] = str(tr.get_shape())
    ind = tf.sparse_to_indicator(tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([3, 0, 2], tf.int64),
                                                 [2, 2]), 4)
    eye = tf.sparse.eye(3, 4)
    grads = tf.gradients(tf.reduce_sum(ro.values * [1.0, 10.0, 100.0, 1000.0])
                         + tf.reduce_sum(sl.values * [2.0, 3.0]) + tf.reduce_sum(filled.values * 7.0), vals)
    with tf.Session() as s:
        r["concat"] = s.run([cat, cat0, wide])
        r["reorder"] = s.run(ro)
        r["reshape"] = s.run([rs, rs3])
        r["retain"] = s.run(ret)
        r["slice"] = s.run(sl)
        r["split"] = s.run(sp3)
        r["fill"] = s.run([filled, empty])
        r["transpose"] = s.run(tr)
        r["indicator"] = s.run(ind)
        r["eye"] = s.run(eye)
        r["grads"] = s.run(grads)
        shape = tf.placeholder(tf.int64, [2])
        r["reshape_run_error"] = r.error(lambda: s.run(tf.sparse_reshape(a, shape).indices, {shape: [5, 2]}),
                                         "dense values")
        r["concat_error"] = r.error(lambda: s.run(tf.sparse_concat(0, [a, b]).indices), "")
    r["split_keywords"] = r.error(lambda: tf.sparse_split(a, 2, 1), "Keyword arguments are required")


@program
def sparse_reductions(tf, r):
    """sparse_reduce_sum / max (axes, keepdims, empty rows; the _sparse forms), the sum's gradient,
    sparse_softmax and its gradient, sparse_maximum / minimum, and SparseTensor * and / a dense tensor."""
    vals = tf.constant([1.0, -2.0, 3.0, -1.0, 0.5])
    a = tf.SparseTensor([[0, 0], [0, 2], [1, 1], [1, 2], [3, 0]], vals, [4, 3])
    sums = [tf.sparse_reduce_sum(a), tf.sparse_reduce_sum(a, 1), tf.sparse_reduce_sum(a, 0, keepdims=True),
            tf.sparse.reduce_sum(a, [0, 1]), tf.sparse_reduce_sum(a, axis=-1, keep_dims=True)]
    maxes = [tf.sparse_reduce_max(a), tf.sparse_reduce_max(a, 1), tf.sparse.reduce_max(a, 0)]
    r["shapes"] = [str(t.shape) for t in sums + maxes]
    ss = tf.sparse_reduce_sum_sparse(a, 1)
    ms = tf.sparse.reduce_max_sparse(a, 0, keepdims=True)
    sm = tf.sparse_softmax(a)
    b = tf.SparseTensor([[0, 0], [0, 1], [2, 2]], [-3.0, 4.0, 1.0], [4, 3])
    mx, mn = tf.sparse_maximum(a, b), tf.sparse.minimum(a, b)
    dense = tf.constant([[2.0, 4.0, -1.0]])
    prod, quot = a * dense, a / tf.constant([[1.0], [2.0], [4.0], [0.5]])
    r["product"] = [type(prod).__name__, str(prod.get_shape())]
    loss = (tf.reduce_sum(sums[1] * [1.0, 2.0, 3.0, 4.0]) + tf.reduce_sum(sm.values * [1.0, 2.0, 3.0, 4.0, 5.0])
            + tf.reduce_sum(prod.values * quot.values))
    with tf.Session() as s:
        r["sums"] = s.run(sums)
        r["maxes"] = s.run(maxes)
        r["sparse_forms"] = s.run([ss, ms])
        r["softmax"] = s.run(sm)
        r["extrema"] = s.run([mx, mn])
        r["cwise"] = s.run([prod, quot])
        r["grads"] = s.run(tf.gradients(loss, [vals, dense]))


@program
def embedding_lookup_sparse(tf, r):
    """tf.nn.embedding_lookup_sparse (sum, mean, sqrtn; with and without weights; repeated ids; an empty middle
    row) with gradients w.r.t. params and weights, and safe_embedding_lookup_sparse (invalid ids and weights,
    default_id, rank-3 ids, partitions)."""
    params = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    ids = tf.SparseTensor([[0, 0], [0, 1], [0, 2], [2, 0], [3, 0], [3, 1]], tf.constant([1, 3, 1, 0, 2, 3],
                                                                                      tf.int64), [4, 3])
    wv = tf.constant([2.0, 0.5, 1.0, 3.0, -1.0, 0.0])
    w = tf.SparseTensor(ids.indices, wv, ids.dense_shape)
    looks = [tf.nn.embedding_lookup_sparse(params, ids, None, combiner=c) for c in ("sum", "mean", "sqrtn")]
    looks += [tf.nn.embedding_lookup_sparse(params, ids, w, combiner=c) for c in ("sum", "mean", "sqrtn")]
    r["shapes"] = [str(t.shape) for t in looks]
    short = tf.nn.embedding_lookup_sparse(params, tf.SparseTensor([[0, 0], [1, 1]], tf.constant([2, 0], tf.int64),
                                                                  [4, 2]), None)
    bad_ids = tf.SparseTensor([[0, 0], [0, 1], [1, 0], [3, 1]], tf.constant([1, -1, 2, 3], tf.int64), [4, 2])
    bad_w = tf.SparseTensor(bad_ids.indices, [1.0, 1.0, 0.0, 2.0], bad_ids.dense_shape)
    safe = [tf.nn.safe_embedding_lookup_sparse(params, bad_ids),
            tf.nn.safe_embedding_lookup_sparse(params, bad_ids, bad_w, combiner="sum"),
            tf.nn.safe_embedding_lookup_sparse(params, bad_ids, bad_w, default_id=3),
            tf.nn.safe_embedding_lookup_sparse([params[:2], params[2:]], bad_ids, combiner="sqrtn")]
    rank3 = tf.nn.safe_embedding_lookup_sparse(
        params, tf.SparseTensor([[0, 1, 0], [1, 0, 0], [1, 0, 1]], tf.constant([3, 1, 2], tf.int64), [2, 2, 2]))
    r["safe_shapes"] = [str(t.shape) for t in safe + [rank3]]
    loss = sum(tf.reduce_sum(t * [[1.0, -2.0]]) for t in looks + safe[1:])
    with tf.Session() as s:
        r["looks"] = s.run(looks)
        r["short"] = s.run(short)
        r["safe"] = s.run(safe)
        r["rank3"] = s.run(rank3)
        r["grads"] = s.run(tf.gradients(loss, [params, wv]))
    r["bad_combiner"] = r.error(lambda: tf.nn.embedding_lookup_sparse(params, ids, None, combiner="max"),
                                "combiner must be one of")


@program
def data_batch_sparse(tf, r):
    """Dataset.batch of SparseTensor components (from_dense in a map, beside a dense one): one SparseTensor per
    batch, each element's indices behind its position, the dense shape the largest; the short last batch."""
    def gen():
        for n in [1, 3, 0, 2]:
            yield np.arange(n, dtype=np.int64)
    ds = tf.data.Dataset.from_generator(gen, tf.int64, [None])
    ds = ds.map(lambda x: {"sp": tf.sparse.from_dense(tf.reshape(x + 1, [1, -1])), "n": tf.size(x)}).batch(3)
    r["shapes"] = str(tf.data.get_output_shapes(ds))
    it = tf.data.make_one_shot_iterator(ds).get_next()
    r["static"] = [str(it["sp"].indices.shape), str(it["sp"].dense_shape.shape), str(it["sp"].get_shape())]
    with tf.Session() as s:
        r["batches"] = [s.run(it), s.run(it)]
        r["end"] = r.error(lambda: s.run(it), "")


@program
def sparse_segments_and_merge(tf, r):
    """sparse_segment_sum / mean / sqrt_n (num_segments, empty segments, gradients), sparse_merge,
    sparse_reset_shape (default, given, too small) and tf.sparse.expand_dims."""
    data = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    segs = [tf.sparse_segment_sum(data, [0, 2, 1, 1], [0, 0, 2, 2]),
            tf.sparse_segment_mean(data, [0, 2, 1], [0, 0, 2]), tf.sparse_segment_sqrt_n(data, [0, 2, 1], [0, 0, 2]),
            tf.sparse.segment_sum(data, [0, 1], [0, 1], num_segments=4)]
    r["segment_shapes"] = [str(t.shape) for t in segs]
    sp_ids = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], tf.constant([4, 1, 2], tf.int64), [2, 2])
    sp_vals = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [0.5, 1.5, 2.5], [2, 2])
    merged = tf.sparse_merge(sp_ids, sp_vals, 5)
    reset, reset2 = tf.sparse_reset_shape(sp_ids), tf.sparse.reset_shape(sp_ids, [3, 4])
    expanded = tf.sparse.expand_dims(sp_vals, 1)
    r["shapes"] = [str(merged.get_shape()), str(reset2.get_shape()), str(expanded.get_shape())]
    r["too_small"] = r.error(lambda: tf.sparse_reset_shape(sp_ids, [1, 4]),
                             "Requested new_shape should have dimension sizes >= sp_input.shape")
    g = tf.gradients(tf.reduce_sum(segs[1] * [[1.0, 2.0]]) + tf.reduce_sum(segs[2]) + tf.reduce_sum(segs[0]), data)
    with tf.Session() as s:
        r["segments"] = s.run(segs)
        r["sparse"] = s.run([merged, reset, reset2, expanded])
        r["grad"] = s.run(g)


# --- tf.IndexedSlices: sparse gradients and the optimizers' sparse updates --------------------------------------

def _slices_summary(tf, g):
    return [type(g).__name__, isinstance(g, tf.IndexedSlices), isinstance(g, tf.Tensor), g.dtype.name,
            str(g.values.shape), str(g.indices.shape), g.indices.dtype.name, str(g.dense_shape.shape), g.op.type,
            g.graph is tf.get_default_graph(), str(g.shape) if hasattr(g, "shape") else None]


@program
def indexed_slices_gradients(tf, r):
    """tf.gradients of gathered rows is an IndexedSlices: its parts, fetch (IndexedSlicesValue), eval, feed,
    convert_to_tensor, aggregation of two lookups (concatenated) and of a lookup with a dense use (dense),
    clip_by_norm / clip_by_global_norm (which keep it sparse and count repeated rows once each), second order."""
    emb = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3), name="emb")
    ids = tf.constant([2, 0, 2])
    rows = tf.nn.embedding_lookup(emb, ids)
    (g,) = tf.gradients(tf.reduce_sum(rows * rows), emb)
    r["summary"] = _slices_summary(tf, g)
    dense = tf.convert_to_tensor(g)
    r["dense"] = [str(dense.shape), dense.dtype.name, isinstance(dense, tf.Tensor)]
    (two,) = tf.gradients(tf.reduce_sum(tf.gather(emb, [1, 1])) + tf.reduce_sum(rows * 3.0), emb)
    (mixed,) = tf.gradients(tf.reduce_sum(tf.gather(emb, [3])) + tf.reduce_sum(emb * emb), emb)
    r["aggregated"] = [type(two).__name__, str(two.values.shape), isinstance(mixed, tf.Tensor), str(mixed.shape)]
    clipped, norm = tf.clip_by_global_norm([g, tf.constant([3.0, 4.0])], 5.0)
    by_norm = tf.clip_by_norm(g, 1.0)
    r["clipped"] = [type(clipped[0]).__name__, isinstance(clipped[1], tf.Tensor), type(by_norm).__name__]
    (hess,) = tf.gradients(tf.reduce_sum(tf.convert_to_tensor(g) * tf.constant(np.ones((4, 3), np.float32))), emb)
    neg = -g
    r["neg"] = type(neg).__name__
    fed = tf.IndexedSlices(tf.placeholder(tf.float32, (None, 3)), tf.placeholder(tf.int32, (None,)),
                           tf.placeholder(tf.int32, (2,)))
    r["fed_repr"] = [str(fed), str(fed.shape), fed.name]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        got = s.run(g)
        r["fetch"] = [type(got).__name__, got]
        r["fetch_in_list"] = s.run({"g": [g, dense]})
        r["no_eval"] = hasattr(g, "eval")
        r["aggregated_values"] = s.run([two, mixed])
        r["clip_values"] = s.run([clipped, norm, by_norm])
        r["second_order"] = s.run(hess)
        r["neg_values"] = s.run(neg.values)
        r["fed"] = s.run(tf.convert_to_tensor(fed), {fed: type(got)(
            np.ones((2, 3), np.float32), np.array([3, 3], np.int32), np.array([4, 3], np.int32))})
        r["fed_tuple"] = s.run(fed.values * 2.0, {fed: (np.full((1, 3), 7, np.float32), np.array([1], np.int32),
                                                        np.array([4, 3], np.int32))})


@program
def indexed_slices_optimizers(tf, r):
    """An embedding trained a few steps by each optimizer where each step looks up only some rows (one of them
    twice): the variable and every slot, which TF's sparse updates leave unchanged for the rows not looked up
    (Adam's m and v decay in every row)."""
    t = tf.train
    makers = dict(_optimizers(tf), ftrl=lambda: t.FtrlOptimizer(0.1, l1_regularization_strength=0.01,
                                                                 l2_regularization_strength=0.1),
                  ftrl_shrinkage=lambda: t.FtrlOptimizer(0.1, l2_shrinkage_regularization_strength=0.05))
    for name, make in makers.items():
        with tf.Graph().as_default():
            emb = tf.Variable(np.linspace(-1.0, 1.0, 15, dtype=np.float32).reshape(5, 3), name="emb")
            ids = tf.placeholder(tf.int32, (None,))
            target = tf.constant(np.linspace(0.5, -0.5, 3, dtype=np.float32))
            loss = tf.reduce_sum(tf.square(tf.nn.embedding_lookup(emb, ids) - target))
            opt = make()
            step = opt.minimize(loss)
            slots = [opt.get_slot(emb, n) for n in sorted(opt.get_slot_names())]
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                for batch in ([1, 3, 1], [4], [1, 0, 0, 0]):
                    s.run(step, {ids: batch})
                r[name] = s.run([emb] + slots)


@program
def indexed_slices_apply_ops(tf, r):
    """TF's raw sparse training ops on indices with a repeat (applied one after the other) and the error for an
    index out of range."""
    raw = tf.raw_ops
    var0 = np.arange(8, dtype=np.float32).reshape(4, 2) / 4
    grad = np.array([[1.0, -2.0], [0.5, 0.5], [2.0, 1.0]], np.float32)
    hyper = dict(lr=0.1, rho=0.9, momentum=0.5, epsilon=1e-3)

    def run(build, n_slots, fill=0.5, indices=(2, 0, 2)):
        with tf.Graph().as_default():
            v = tf.Variable(var0)
            slots = [tf.Variable(np.full((4, 2), fill + k, np.float32)) for k in range(n_slots)]
            h = {k: tf.constant(x) for k, x in hyper.items()}
            op = build(v, *slots, h, dict(grad=tf.constant(grad), indices=tf.constant(list(indices))))
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                s.run(op)
                return s.run([v] + slots)
    r["momentum"] = run(lambda v, a, h, g: raw.SparseApplyMomentum(var=v, accum=a, lr=h["lr"],
                                                                    momentum=h["momentum"], **g), 1)
    r["nesterov"] = run(lambda v, a, h, g: raw.SparseApplyMomentum(var=v, accum=a, lr=h["lr"],
                                                                    momentum=h["momentum"], use_nesterov=True, **g), 1)
    r["adagrad"] = run(lambda v, a, h, g: raw.SparseApplyAdagrad(var=v, accum=a, lr=h["lr"], **g), 1)
    r["rmsprop"] = run(lambda v, ms, m, h, g: raw.SparseApplyRMSProp(var=v, ms=ms, mom=m, **h, **g), 2)
    r["centered_rmsprop"] = run(lambda v, mg, ms, m, h, g: raw.SparseApplyCenteredRMSProp(
        var=v, mg=mg, ms=ms, mom=m, **h, **g), 3, 0.1)
    r["adadelta"] = run(lambda v, a, u, h, g: raw.SparseApplyAdadelta(
        var=v, accum=a, accum_update=u, lr=h["lr"], rho=h["rho"], epsilon=h["epsilon"], **g), 2)
    r["out_of_range"] = r.error(lambda: run(lambda v, a, h, g: raw.SparseApplyMomentum(
        var=v, accum=a, lr=h["lr"], momentum=h["momentum"], **g), 1, indices=(0, 4, 1)),
        "Index 4 at offset 1 in indices is out of range")



def _bits(v):
    """An array as [shape, dtype, SHA-256 of its bytes, its first values]: equal only for the same bits."""
    import hashlib

    a = np.ascontiguousarray(v)
    return [list(a.shape), str(a.dtype), hashlib.sha256(a.tobytes()).hexdigest()[:20], a.ravel()[:3].tolist()]


_SEEDS = [(1, 2), (-7, 3), (2**40, -5)]


@program
def random_stateless_values(tf, r):
    """tf.random.stateless_uniform / normal / truncated_normal / categorical, split and fold_in: TF's Philox draws
    bit for bit (several shapes, dtypes, seeds of int32 and int64, bounds, full-range integers), and their errors."""
    outs = {}
    for i, sd in enumerate(_SEEDS):
        seed = tf.constant(sd, tf.int64 if abs(sd[0]) >= 2**31 else tf.int32)
        for shape in ([7], [3, 5]):
            key = f"{i}_{len(shape)}"
            for dt in (tf.float16, tf.float32, tf.float64):
                outs[f"uniform_{dt.name}_{key}"] = tf.random.stateless_uniform(shape, seed, dtype=dt)
                outs[f"normal_{dt.name}_{key}"] = tf.random.stateless_normal(shape, seed, 1.5, 2.0, dtype=dt)
            for dt in (tf.float32, tf.float64):
                outs[f"truncated_{dt.name}_{key}"] = tf.random.stateless_truncated_normal(shape, seed, dtype=dt)
            outs[f"range_{key}"] = tf.random.stateless_uniform(shape, seed, -2.0, 3.0)
            for dt in (tf.int32, tf.int64):
                outs[f"int_{dt.name}_{key}"] = tf.random.stateless_uniform(shape, seed, -5, 1000, dtype=dt)
                outs[f"full_{dt.name}_{key}"] = tf.random.stateless_uniform(shape, seed, None, None, dtype=dt)
        logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 1e-30], [1, 2, 3]], np.float32))
        outs[f"categorical_{i}"] = tf.random.stateless_categorical(logits, 40, seed)
        outs[f"multinomial_{i}"] = tf.random.stateless_multinomial(logits, 5, seed, output_dtype=tf.int32)
        outs[f"split_{i}"] = tf.random.split(seed, 3)
        outs[f"fold_in_{i}"] = tf.random.fold_in(seed, 7)
    big = tf.random.stateless_normal([1000], [3, 4])
    outs["philox_alg"] = tf.random.stateless_uniform([5], [3, 4], alg="philox")
    r["shapes"] = shapes(outs["uniform_float32_0_2"], outs["categorical_0"], outs["split_0"], outs["fold_in_2"])
    with tf.Session() as s:
        vals = s.run(outs)
        r["values"] = {k: _bits(v) for k, v in sorted(vals.items())}
        r["big_normal"] = _bits(s.run(big))
        r["minval_not_less"] = r.error(lambda: s.run(tf.random.stateless_uniform([2], [1, 2], 5, 3, tf.int32)),
                                       "Need minval < maxval")
    r["seed_shape"] = r.error(lambda: tf.random.stateless_uniform([2], [1, 2, 3]), "Dimension must be 2 but is 3")
    r["bad_dtype"] = r.error(lambda: tf.random.stateless_uniform([2], [1, 2], dtype=tf.bool), "Accepted dtypes")
    r["half_bounds"] = r.error(lambda: tf.random.stateless_uniform([2], [1, 2], 0, None, tf.int32),
                               "must be both None or not None")



@program
def random_index_shuffle(tf, r):
    """tf.random_index_shuffle: TF's Simon-cipher permutation (block sizes 16 to 42 bits, 4 and 6 rounds, int32 and
    int64, batches of seeds and bounds), and a whole permutation of [0, 69999]."""
    pad = [498247692]
    one = tf.random_index_shuffle(tf.range(10), pad + [5, 8], 9)
    batch = tf.random_index_shuffle(tf.constant([3, 5, 0, 2**33], tf.int64),
                                    tf.constant([[1, 2, 3], [-4, 5, 2**31], [7, 7, 7], [0, 0, 1]], tf.int64),
                                    tf.constant([10, 2**40, 0, 2**35], tf.int64), rounds=6)
    whole = tf.random_index_shuffle(tf.range(70000), pad + [1, 2], 69999)
    with tf.Session() as s:
        a, b, w = s.run([one, batch, whole])
    r["values"] = [a, b, _bits(w), bool((np.sort(w) == np.arange(70000)).all())]



@program
def signal_mdct_windows_shifts(tf, r):
    """tf.signal.mdct / inverse_mdct (Vorbis, KBD and no window; norm None and ortho; pad_end) and mdct's gradient,
    kaiser_window / kaiser_bessel_derived_window / vorbis_window (float32 and float64), fftshift / ifftshift."""
    sig = np.sin(np.arange(40) * 0.3).astype(np.float32).reshape(2, 20)
    x = tf.constant(sig)
    m = tf.signal.mdct(x, 8)
    kbd = tf.signal.mdct(x, 8, window_fn=tf.signal.kaiser_bessel_derived_window, norm="ortho", pad_end=True)
    plain = tf.signal.mdct(x, 12, window_fn=None)
    outs = [m, tf.signal.inverse_mdct(m), kbd,
            tf.signal.inverse_mdct(kbd, window_fn=tf.signal.kaiser_bessel_derived_window, norm="ortho"),
            plain, tf.signal.inverse_mdct(plain, window_fn=None), tf.gradients(tf.reduce_sum(m * m), x)[0]]
    windows = [tf.signal.kaiser_window(7), tf.signal.kaiser_window(6, beta=3.0, dtype=tf.float64),
               tf.signal.kaiser_window(1), tf.signal.kaiser_bessel_derived_window(10),
               tf.signal.kaiser_bessel_derived_window(8, beta=5.0, dtype=tf.float64), tf.signal.vorbis_window(6),
               tf.signal.vorbis_window(5, dtype=tf.float64)]
    grid = tf.reshape(tf.range(30), [5, 6])
    shifts = [tf.signal.fftshift(tf.range(5)), tf.signal.ifftshift(tf.range(6)), tf.signal.fftshift(grid),
              tf.signal.ifftshift(grid, axes=1), tf.signal.fftshift(grid, axes=[0, -1]), tf.signal.ifftshift(grid, 0)]
    r["shapes"] = shapes(m, kbd, plain, outs[1], outs[3])
    with tf.Session() as s:
        r["mdct"], r["windows"], r["shifts"] = s.run([outs, windows, shifts])
    r["not_multiple_of_4"] = r.error(lambda: tf.signal.mdct(x, 6), "multiple of 4")



@program
def feature_column_sequences(tf, r):
    """Sequence feature columns (identity, vocabulary list and file, hash bucket, numeric) through an embedding
    or indicator column into TF 1.x's sequence_input_layer: values per step, lengths, several columns side by side,
    lengths that disagree. TF 2.21 has no tf.contrib: its Keras SequenceFeatures layer computes the same there."""
    fc = tf.feature_column

    def layer(features, columns):
        if hasattr(tf, "contrib"):
            return tf.contrib.feature_column.sequence_input_layer(features, columns)
        import tf_keras

        return tf_keras.experimental.SequenceFeatures(columns)(features)

    def sparse(indices, values, shape):
        return tf.SparseTensor(indices=indices, values=values, dense_shape=shape)

    steps = [[0, 0], [0, 1], [1, 0], [2, 0], [2, 1], [2, 2]]
    feats = {"ids": sparse(steps, tf.constant([1, 2, 0, 3, 3, 1], tf.int64), [4, 3]),
             "tags": sparse(steps, ["x", "y", "x", "zz", "y", "q"], [4, 3]),
             "nums": sparse(steps, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], [4, 3]),
             "pairs": sparse([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1]], [1.0, 2, 3, 4, 5, 6], [4, 4]),
             "words": sparse([[0, 0], [1, 0], [1, 1], [1, 3]], ["a", "b", "zz", "a"], [4, 4]),
             "late": sparse([[0, 0], [1, 0], [3, 1]], [1.0, 2.0, 3.0], [4, 4])}
    vocab = os.path.join(tempfile.mkdtemp(), "vocab.txt")
    with open(vocab, "w") as f:
        f.write("x\ny\n")
    table = tf.constant_initializer(np.arange(15).reshape(5, 3) * 0.1)
    table2 = tf.constant_initializer(np.arange(10).reshape(5, 2) * -0.1)
    ids = fc.sequence_categorical_column_with_identity("ids", 5)
    words = fc.sequence_categorical_column_with_vocabulary_list("words", ["a", "b"], num_oov_buckets=1)
    tags = fc.sequence_categorical_column_with_vocabulary_file("tags", vocab, num_oov_buckets=2)
    hashed = fc.sequence_categorical_column_with_hash_bucket("tags", 7)
    layers = {"embedding": layer(feats, [fc.embedding_column(ids, 3, initializer=table)]),
              "indicator": layer(feats, [fc.indicator_column(words)]),
              "pairs": layer(feats, [fc.sequence_numeric_column("pairs", shape=(2,))]),
              "together": layer(feats, [fc.sequence_numeric_column("nums"), fc.indicator_column(tags),
                                        fc.embedding_column(ids, 2, combiner="sum", initializer=table2)]),
              "hashed": layer(feats, [fc.indicator_column(hashed)])}
    disagree = layer(feats, [fc.indicator_column(words), fc.sequence_numeric_column("late")])
    r["names"] = [ids.name, words.name, fc.embedding_column(ids, 3).name, fc.indicator_column(words).name]
    r["spec"] = sorted(fc.make_parse_example_spec([ids, words]))
    with tf.Session() as s:
        s.run([tf.global_variables_initializer(), tf.tables_initializer()])
        r["layers"] = s.run(layers)
        r["disagree"] = r.error(lambda: s.run(disagree))



@program
def distributions_dirichlet_multinomial(tf, r):
    """tf.distributions.DirichletMultinomial: log_prob / prob of counts (batch of concentrations), mean, variance,
    covariance, shapes, samples (their shape, and that each sums to total_count), validate_args."""
    alpha = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 4.0]], np.float32)
    d = tf.distributions.DirichletMultinomial(5.0, alpha)
    counts = np.array([[1.0, 1.0, 3.0], [0.0, 0.0, 5.0]], np.float32)
    x = d.sample(7, seed=3)
    r["shapes"] = [dims(d.batch_shape), dims(d.event_shape), dims(x), d.dtype.name,
                   d.reparameterization_type == tf.distributions.NOT_REPARAMETERIZED]
    checked = tf.distributions.DirichletMultinomial(5.0, alpha, validate_args=True)
    with tf.Session() as s:
        r["stats"] = s.run([d.log_prob(counts), d.prob(counts), d.mean(), d.variance(), d.covariance(),
                            d.total_concentration, d.log_prob([[2.0, 2.0, 1.0]])])
        xv = s.run(x)
        r["samples"] = [bool((xv.sum(-1) == 5).all()), bool((xv >= 0).all()), bool((xv == np.round(xv)).all())]
        r["bad_counts"] = r.error(lambda: s.run(checked.log_prob([[1.0, 1.0, 1.0], [0.0, 0.0, 5.0]])),
                                  "counts last-dimension must sum to `self.total_count`")


@program
def random_stateless_samplers(tf, r):
    """tf.random.stateless_gamma / poisson / binomial: TF's CPU rejection samplers (Marsaglia-Tsang, Knuth and
    Hormann, inversion and BTRS) bit for bit, gamma's gradient; parameterized truncated normal within its bounds."""
    outs = {}
    alpha = np.array([0.3, 1.0, 2.5, 40.0])
    for i, sd in enumerate(_SEEDS[:2]):
        for dt in (tf.float32, tf.float64):
            outs[f"gamma_{dt.name}_{i}"] = tf.random.stateless_gamma([30, 4], sd, alpha.astype(dt.as_numpy_dtype),
                                                                     dtype=dt)
        outs[f"gamma_beta_{i}"] = tf.random.stateless_gamma([5, 2, 3], sd, [[1.5], [0.5]], [2.0, 1.0, 0.5])
        lam = np.array([0.5, 3, 9.9, 10, 11.9, 50, 1000.0], np.float32)
        outs[f"poisson_{i}"] = tf.random.stateless_poisson([20, 7], sd, lam)
        outs[f"poisson_float_{i}"] = tf.random.stateless_poisson([3, 7], sd, lam.astype(np.float64), tf.float64)
        counts = np.array([5.0, 20, 100, 1000, 0, 7, 30], np.float32)
        probs = np.array([0.3, 0.1, 0.7, 0.5, 0.5, 1.0, 0.95], np.float32)
        outs[f"binomial_{i}"] = tf.random.stateless_binomial([20, 7], sd, counts, probs)
        outs[f"binomial_bcast_{i}"] = tf.random.stateless_binomial([4, 2, 3], sd, [[10.0], [50.0]], [0.2, 0.5, 0.9],
                                                                   output_dtype=tf.float32)
    a = tf.constant([0.7, 3.0])
    g = tf.random.stateless_gamma([6, 2], [5, 6], a)
    lo, hi = np.array([-1.0, 0.5, 2.5, -3.0], np.float32), np.array([1.0, 0.6, 4.0, np.inf], np.float32)
    tn = tf.random.stateless_parameterized_truncated_normal([500, 4], [1, 2], 0.0, 1.0, lo, hi)
    r["shapes"] = shapes(outs["gamma_beta_0"], outs["poisson_0"], outs["binomial_bcast_0"], tn)
    with tf.Session() as s:
        r["values"] = {k: _bits(v) for k, v in sorted(s.run(outs).items())}
        gv, grad = s.run([g, tf.gradients(tf.reduce_sum(g), a)[0]])
        r["gamma_grad"] = [_bits(gv), grad]
        t = s.run(tn)
        r["truncated_in_bounds"] = [bool(((t >= lo) & (t <= hi)).all()), t.dtype.name]
        r["poisson_shape"] = r.error(lambda: s.run(tf.random.stateless_poisson([3, 2], [1, 2], [1.0, 2.0, 3.0])),
                                     "Shape passed in must end with broadcasted shape")


@program
def random_generator_values(tf, r):
    """tf.random.Generator in a graph: TF's state variable, its counter moving 256 blocks per output, draws that
    equal TF's (normal, uniform, truncated_normal, integers, make_seeds, binomial), from_key_counter and
    create_rng_state."""
    gen = tf.random.Generator.from_seed(5)
    r["state_var"] = [gen.state.name, dims(gen.state), gen.algorithm]
    draws = [gen.normal([3]), gen.uniform([5], dtype=tf.float64), gen.truncated_normal([2, 3], 1.0, 0.5),
             gen.uniform([4], 0, 10, dtype=tf.int32), gen.uniform([3], -1.0, 1.0), gen.make_seeds(2),
             gen.binomial([6], 20.0, 0.3)]
    kc = tf.random.Generator.from_key_counter(7, [1, 2], "philox")
    seeded = [tf.random.create_rng_state(s, alg) for s, alg in ((5, "philox"), (2**70 + 3, 1), ([1, 2], 3))]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["draws"] = [[_bits(s.run(d)), s.run(gen.state)] for d in draws]
        r["from_key_counter"] = [s.run(kc.state), _bits(s.run(kc.normal([4])))]
        r["rng_states"] = s.run(seeded)
# --- tf.train's moving averages, proximal optimizers, SGDR schedules; tf.losses.mean_pairwise_squared_error ----

@program
def exponential_moving_average(tf, r):
    """The CIFAR-10 idiom: averages updated after each step (num_updates = the global step caps the decay at
    (1+n)/(10+n)), their names and ops, the collection, variables_to_restore, and a debiased average of a tensor."""
    w, b, loss = _opt_problem(tf)
    gs = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
    ema = tf.train.ExponentialMovingAverage(0.9, gs)
    with tf.control_dependencies([train]):
        step = ema.apply([w, b])
    r["step"] = [step.name, step.type, sorted(c.name for c in step.control_inputs)]
    r["averages"] = [[ema.average(v).name, ema.average_name(v)] for v in (w, b)]
    r["unapplied"] = [ema.average(loss) is None, ema.average_name(loss), ema.name]
    r["collection"] = names(tf.get_collection(tf.GraphKeys.MOVING_AVERAGE_VARIABLES))
    r["to_restore"] = sorted([k, v.name] for k, v in ema.variables_to_restore().items())
    r["to_restore_given"] = sorted([k, v.name] for k, v in ema.variables_to_restore([w]).items())
    debiased = tf.train.ExponentialMovingAverage(0.5, zero_debias=True, name="avg")
    avg_step = debiased.apply([loss])
    r["debiased_vars"] = [v.name for v in tf.global_variables()]
    r["trainable"] = names(tf.trainable_variables())
    again = tf.train.ExponentialMovingAverage(0.8)
    again.apply([w])
    r["second_name"] = again.average(w).name
    r["int_variable"] = r.error(lambda: again.apply([tf.Variable(1, name="count")]), "must be half, float, or double")
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        r["initial"] = s.run([ema.average(w), ema.average(b), debiased.average(loss)])
        out = []
        for _ in range(3):
            s.run(avg_step)  # alone: in one run with `step`, TF reads the loss before or after the step, by chance
            s.run(step)
            out.append(s.run([ema.average(w), ema.average(b), w, debiased.average(loss), gs]))
        r["steps"] = out


@program
def proximal_optimizers(tf, r):
    """ProximalGradientDescent, ProximalAdagrad and AdagradDA (its step from the global step) on dense gradients,
    the l1 soft-thresholding reaching exact zeros; slot names and defaults."""
    t = tf.train
    makers = {
        "proximal_gd": lambda gs: t.ProximalGradientDescentOptimizer(0.05, l1_regularization_strength=0.5,
                                                                     l2_regularization_strength=0.1),
        "proximal_gd_plain": lambda gs: t.ProximalGradientDescentOptimizer(0.05),
        "proximal_adagrad": lambda gs: t.ProximalAdagradOptimizer(0.2, l1_regularization_strength=0.3,
                                                                  l2_regularization_strength=0.2),
        "proximal_adagrad_l2": lambda gs: t.ProximalAdagradOptimizer(0.2, initial_accumulator_value=0.5,
                                                                     l2_regularization_strength=0.2),
        "adagrad_da": lambda gs: t.AdagradDAOptimizer(0.3, gs, l1_regularization_strength=0.4,
                                                      l2_regularization_strength=0.1),
        "adagrad_da_plain": lambda gs: t.AdagradDAOptimizer(0.3, gs, initial_gradient_squared_accumulator_value=0.5),
    }
    for name, make in makers.items():
        with tf.Graph().as_default():
            w, b, loss = _opt_problem(tf)
            gs = tf.train.get_or_create_global_step()
            opt = make(gs)
            step = opt.minimize(loss, global_step=gs)
            slots = {n: opt.get_slot(w, n) for n in opt.get_slot_names()}
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                out = []
                for _ in range(4):
                    s.run(step)
                    out.append(s.run([loss, w, b]))
                r[name] = {"steps": out, "vars": [v.name for v in tf.global_variables()], "name": opt.get_name(),
                           "slots": {n: [v.name, s.run(v)] for n, v in sorted(slots.items())}}
    r["bad_accumulator"] = r.error(lambda: t.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0),
                                   "initial_accumulator_value must be positive")


@program
def cosine_restarts_and_linear_cosine_decay(tf, r):
    """SGDR (geometric and equal periods), linear cosine decay, and the noisy one without noise (variance 0),
    over a fed step; their names. (TF 2.21 builds them in float32 only: a float64 rate is a TypeError there.)"""
    step = tf.placeholder(tf.int64, (), name="step")
    fstep = tf.placeholder(tf.float64, (), name="fstep")
    schedules = [tf.train.cosine_decay_restarts(0.1, step, 10),
                 tf.train.cosine_decay_restarts(0.1, step, 10, t_mul=1.0, m_mul=0.5, alpha=0.1),
                 tf.train.cosine_decay_restarts(0.2, step, 4, t_mul=3.0, m_mul=0.8),
                 tf.train.linear_cosine_decay(0.1, step, 20),
                 tf.train.linear_cosine_decay(0.1, step, 20, num_periods=2.0, alpha=0.1, beta=0.01),
                 tf.train.noisy_linear_cosine_decay(0.1, step, 20, initial_variance=0.0, num_periods=1.5),
                 tf.train.cosine_decay_restarts(0.5, fstep, 3.0, name="fed_float")]
    r["names"] = names(schedules)
    r["dtypes"] = [t.dtype.name for t in schedules]
    r["no_step"] = r.error(lambda: tf.train.cosine_decay_restarts(0.1, None, 10))
    with tf.Session() as s:
        r["values"] = [s.run(schedules, {step: i, fstep: i}) for i in (0, 1, 5, 9, 10, 11, 29, 30, 31, 47, 100)]


@program
def losses_mean_pairwise_squared_error(tf, r):
    """TF1's pairwise loss: scalar and per-example weights (one zero), rank 3, a single element per example (no
    pairs), ints cast to float32; the loss's name and the LOSSES collection."""
    labels = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0, -1.0, 2.0]], np.float32)
    preds = np.array([[1.5, 2.0, 4.0], [4.0, 6.5, 6.0], [1.0, 1.0, 1.0]], np.float32)
    losses = [tf.losses.mean_pairwise_squared_error(labels, preds),
              tf.losses.mean_pairwise_squared_error(labels, preds, weights=2.5),
              tf.losses.mean_pairwise_squared_error(labels, preds, weights=[[1.0], [0.0], [3.0]]),
              tf.losses.mean_pairwise_squared_error(labels, preds, weights=[[1.0, 0.0, 2.0]] * 3),
              tf.losses.mean_pairwise_squared_error(labels.reshape(3, 3, 1), preds.reshape(3, 3, 1)),
              tf.losses.mean_pairwise_squared_error(labels[:, :1], preds[:, :1]),
              tf.losses.mean_pairwise_squared_error(np.array([[1, 2], [3, 5]]), np.array([[2, 2], [0, 0]]),
                                                    scope="ints"),
              tf.losses.mean_pairwise_squared_error(labels, preds, weights=0.0)]
    r["names"] = names(losses)
    r["collection"] = names(tf.get_collection(tf.GraphKeys.LOSSES))
    r["none"] = r.error(lambda: tf.losses.mean_pairwise_squared_error(None, preds))
    p = tf.constant(preds)
    grad = tf.gradients(tf.losses.mean_pairwise_squared_error(labels, p, weights=[[1.0], [2.0], [0.5]]), p)[0]
    with tf.Session() as s:
        r["values"] = s.run(losses)
        r["gradient"] = s.run(grad)


@program
def init_from_checkpoint_forms(tf, r):
    """tf.train.init_from_checkpoint: scope to scope, one name, the root, a partitioned variable by name; the
    initializers it puts in place (RestoreV2 ops named checkpoint_initializer) and its errors."""
    d = tempfile.mkdtemp()
    with tf.Graph().as_default():
        with tf.variable_scope("old"):
            tf.get_variable("a", [2, 3], initializer=tf.constant_initializer(np.arange(6.0).reshape(2, 3)))
            tf.get_variable("inner/b", [4], initializer=tf.constant_initializer([1.0, 2.0, 3.0, 4.0]))
        tf.get_variable("c", [6, 2], initializer=tf.constant_initializer(np.arange(12.0).reshape(6, 2)))
        tf.get_variable("n", [], tf.int64, initializer=tf.constant_initializer(7))
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            path = tf.train.Saver().save(s, os.path.join(d, "model.ckpt"))

    def model():
        with tf.variable_scope("new"):
            a = tf.get_variable("a", [2, 3], initializer=tf.zeros_initializer())
            b = tf.get_variable("inner/b", [4], initializer=tf.zeros_initializer())
        return a, b

    with tf.Graph().as_default():
        a, b = model()
        p = tf.get_variable("p", [6, 2], initializer=tf.zeros_initializer(), partitioner=tf.fixed_size_partitioner(3))
        n = tf.get_variable("n", [], tf.int64, initializer=tf.zeros_initializer())
        other = tf.Variable(5.0, name="other")
        tf.train.init_from_checkpoint(d, {"old/": "new/", "c": "p", "n": n})
        r["initializers"] = [[v.initial_value.op.name, v.initial_value.op.type] for v in [a, b, n] + list(p)]
        r["initial_shape"] = str(a.initial_value.shape)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            r["values"] = s.run([a, b, tf.convert_to_tensor(p), n, other])
    maps = [({"old/inner/": "new/inner/"}, ()), ({"old/a": "new/a"}, ()), ({"/": "new/"}, ("is not found in",)),
            ({"old/": "/"}, ("is not found in",)), ({"old/zz": "new/a"}, ("is not found in",)),
            ({"old/a": "new/inner/b"}, ("doesn't match with shape",)), ({"old": "new/"}, ("should map to scope only",))]
    for i, (amap, fragments) in enumerate(maps):
        with tf.Graph().as_default():
            a, b = model()

            def run(amap=amap, a=a, b=b):
                tf.train.init_from_checkpoint(path, amap)
                with tf.Session() as s:
                    s.run(tf.global_variables_initializer())
                    return s.run([a, b])
            r[f"map_{i}"] = r.error(run, *fragments)
            if r.obs[f"map_{i}"]["error"] is None:
                r[f"map_{i}_values"] = run()


@program
def warm_start_forms(tf, r):
    """tf.train.warm_start: a regex over the trainable variables, renamed variables, a list of names, an embedding
    remapped by vocabulary (rows, with an OOV bucket and a backup initializer; partitioned), a layer's columns by
    vocabulary, and the errors for unused names."""
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "old.txt"), "w") as f:
        f.write("apple\nbanana\ncherry\ndate\n")
    with open(os.path.join(d, "new.txt"), "w") as f:
        f.write("cherry\nfig\napple\ndate\nbanana\n")
    with tf.Graph().as_default():
        tf.get_variable("emb", [4, 2], initializer=tf.constant_initializer(np.arange(8.0).reshape(4, 2)))
        tf.get_variable("dense/kernel", [2, 4], initializer=tf.constant_initializer(np.arange(8.0).reshape(2, 4) / 2))
        tf.get_variable("dense/bias", [4], initializer=tf.constant_initializer([1.0, 2.0, 3.0, 4.0]))
        tf.get_variable("old_name", [3], initializer=tf.constant_initializer([7.0, 8.0, 9.0]))
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            tf.train.Saver().save(s, os.path.join(d, "model.ckpt"))

    def model(partitioned=False):
        part = tf.fixed_size_partitioner(2) if partitioned else None
        emb = tf.get_variable("emb", [6, 2], initializer=tf.constant_initializer(-1.0), partitioner=part)
        kernel = tf.get_variable("dense/kernel", [2, 5], initializer=tf.constant_initializer(-2.0))
        bias = tf.get_variable("dense/bias", [4], initializer=tf.constant_initializer(-3.0))
        renamed = tf.get_variable("new_name", [3], initializer=tf.constant_initializer(-4.0))
        frozen = tf.get_variable("frozen", [2], initializer=tf.constant_initializer(-5.0), trainable=False)
        return [tf.convert_to_tensor(emb) if partitioned else emb, kernel, bias, renamed, frozen]

    rows = tf.train.VocabInfo(os.path.join(d, "new.txt"), 5, 1, os.path.join(d, "old.txt"),
                              backup_initializer=tf.ones_initializer())
    cols = tf.train.VocabInfo(os.path.join(d, "new.txt"), 5, 0, os.path.join(d, "old.txt"), old_vocab_size=3,
                              axis=1)
    cases = {
        "regex": dict(vars_to_warm_start="dense/b.*"),
        "renamed": dict(vars_to_warm_start=".*", var_name_to_prev_var_name={"new_name": "old_name"},
                        var_name_to_vocab_info={"emb": rows, "dense/kernel": cols}),
        "names": dict(vars_to_warm_start=["dense/bias", "emb"], var_name_to_vocab_info={"emb": rows}),
        "vocab_only": dict(vars_to_warm_start=None, var_name_to_vocab_info={"emb": rows}),
    }
    for name, kw in cases.items():
        for partitioned in (False, True):
            with tf.Graph().as_default():
                vs = model(partitioned)
                tf.train.warm_start(d, **kw)
                with tf.Session() as s:
                    s.run(tf.global_variables_initializer())
                    r[f"{name}_{partitioned}"] = s.run(vs)
    only = "dense/b.*"
    for name, kw in {"unused_name": dict(vars_to_warm_start=only, var_name_to_prev_var_name={"nope": "old"}),
                     "unused_vocab": dict(vars_to_warm_start=only, var_name_to_vocab_info={"nope": rows})}.items():
        with tf.Graph().as_default():
            model()
            r[name] = r.error(lambda kw=kw: tf.train.warm_start(d, **kw), "that were not used", "misspelled")
    with tf.Graph().as_default():
        model()
        r["shape"] = r.error(lambda: tf.train.warm_start(d, "dense/.*"), "doesn't match with shape")
    r["bad_axis"] = r.error(lambda: tf.train.VocabInfo("a", 1, 0, "b", axis=2), "axis argument are 0 and 1")


@program
def summary_iterator_events(tf, r):
    """tf.train.summary_iterator over the events file a FileWriter wrote: the version record, scalar and histogram
    summaries at their steps, a session log."""
    d = tempfile.mkdtemp()
    x = tf.placeholder(tf.float32, (None,), name="x")
    merged = tf.summary.merge([tf.summary.scalar("mean", tf.reduce_mean(x)), tf.summary.histogram("values", x)])
    writer = tf.summary.FileWriter(d)
    with tf.Session() as s:
        for step in range(3):
            writer.add_summary(s.run(merged, {x: [1.0, 2.0 * step, 3.0]}), global_step=step * 10)
    writer.add_session_log(tf.SessionLog(status=tf.SessionLog.START), global_step=30)
    writer.close()
    path = os.path.join(d, os.listdir(d)[0])
    events = []
    for e in tf.train.summary_iterator(path):
        kind = e.WhichOneof("what")
        values = [[v.tag, v.WhichOneof("value"), round(v.simple_value, 6) if v.HasField("simple_value") else
                   [v.histo.min, v.histo.max, v.histo.num, v.histo.sum]] for v in e.summary.value]
        events.append([kind, e.step, e.file_version, values, e.session_log.status, e.wall_time > 0])
    r["events"] = events


def _listed(batch):
    """A batch of one tensor is that tensor (TF1's rule), of several a list."""
    return batch if isinstance(batch, list) else [batch]


@program
def queue_maybe_batch(tf, r):
    """The maybe_* batches: only the examples keep_input keeps reach the queue (a scalar per example, a vector per
    row with enqueue_many), in order from one thread; errors for a keep_input of the wrong rank."""
    i, = tf.train.slice_input_producer([tf.range(10)], num_epochs=1, shuffle=False)
    b = _listed(tf.train.maybe_batch([i], tf.equal(i % 3, 0), 2, allow_smaller_final_batch=True))
    r["names"] = [b[0].op.name, shapes(b[0])]
    with tf.Session() as s:
        r["scalar_keep"] = _with_runners(tf, s, lambda: _drain_runs(tf, s, b))
    tf.reset_default_graph()
    data = tf.reshape(tf.range(12), (6, 2))
    limited = tf.train.limit_epochs(data, 1)
    many = _listed(tf.train.maybe_batch([limited], [True, False, True, True, False, True], 3, enqueue_many=True,
                                        allow_smaller_final_batch=True))
    with tf.Session() as s:
        r["vector_keep"] = _with_runners(tf, s, lambda: _drain_runs(tf, s, many))
    tf.reset_default_graph()
    limited = tf.train.limit_epochs(tf.constant([[1, 2], [3, 4]]), 2)
    whole = _listed(tf.train.maybe_batch_join([[limited]], tf.constant(True), 3, enqueue_many=True,
                                              allow_smaller_final_batch=True))
    dropped = _listed(tf.train.maybe_shuffle_batch([tf.constant(1.0)], 2, 10, 1, keep_input=False))
    joined = _listed(tf.train.maybe_shuffle_batch_join([[tf.constant(1.0)], [tf.constant(2.0)]], 2, 10, 1,
                                                       keep_input=True))
    r["shapes"] = [shapes(*whole), shapes(*dropped), shapes(*joined)]
    with tf.Session() as s:
        r["whole_batch_keep"] = _with_runners(tf, s, lambda: s.run(whole))
    r["vector_without_many"] = r.error(lambda: tf.train.maybe_batch([tf.constant(1)], [True], 2),
                                       "cannot be a vector when `enqueue_many=False`")
    r["matrix_keep"] = r.error(lambda: tf.train.maybe_batch([tf.constant([1])], [[True]], 2, enqueue_many=True),
                               "must be 0 or 1 dimensions")


@program
def profiler_and_step_waiter_hooks(tf, r):
    """ProfilerHook traces every second step after the first (timeline-<step>.json and run metadata step_<step> in
    the events file); GlobalStepWaiterHook lets a worker start once the global step has reached its target."""
    d = tempfile.mkdtemp()
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, global_step=step)
    hooks = [tf.train.ProfilerHook(save_steps=2, output_dir=d), tf.train.GlobalStepWaiterHook(0)]
    with tf.train.MonitoredSession(hooks=hooks) as s:
        for _ in range(6):
            s.run(train)
    files = sorted(f for f in os.listdir(d) if f.startswith("timeline"))
    r["timelines"] = files
    with open(os.path.join(d, files[0])) as f:
        trace = json.load(f)
    r["traced_ops"] = "ApplyGradientDescent" in {e.get("name") for e in trace["traceEvents"] if e.get("ph") == "X"}
    tf.summary.FileWriterCache.get(d).flush()  # the hook's writer is the cached one, still open
    events = [os.path.join(d, f) for f in os.listdir(d) if f.startswith("events")]
    r["run_metadata_tags"] = sorted(e.tagged_run_metadata.tag for path in events
                                    for e in tf.train.summary_iterator(path) if e.HasField("tagged_run_metadata"))
    tf.reset_default_graph()
    step = tf.Variable(5, dtype=tf.int64, name="global_step", trainable=False,
                       collections=[tf.GraphKeys.GLOBAL_VARIABLES, tf.GraphKeys.GLOBAL_STEP])
    bump = tf.assign_add(step, 1)
    with tf.train.MonitoredSession(hooks=[tf.train.GlobalStepWaiterHook(3)]) as s:
        r["waited"] = [s.run(bump), s.run(bump)]
    tf.reset_default_graph()
    r["no_step"] = r.error(lambda: tf.train.MonitoredSession(hooks=[tf.train.GlobalStepWaiterHook(3)]),
                           "Global step should be created")


@program
def session_manager_and_basic_loop(tf, r):
    """tf.train.SessionManager: prepare_session initializes, then restores from a checkpoint; recover_session
    without and with one; wait_for_session when ready and its deadline; its errors. basic_train_loop over a
    Supervisor until it stops."""
    d = tempfile.mkdtemp()
    w = tf.Variable([1.0, 2.0], name="w")
    local = tf.Variable(0.0, name="local", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    bump = w.assign_add([1.0, 1.0])
    saver = tf.train.Saver([w])
    sm = tf.train.SessionManager(local_init_op=tf.local_variables_initializer(),
                                 ready_op=tf.report_uninitialized_variables(), recovery_wait_secs=0.01)
    sess = sm.prepare_session("", init_op=tf.global_variables_initializer(), saver=saver, checkpoint_dir=d)
    r["initialized"] = sess.run([w, local])
    sess.run(bump)
    saver.save(sess, os.path.join(d, "model.ckpt"), global_step=1)
    sess.close()
    restored = sm.prepare_session("", init_op=tf.global_variables_initializer(), saver=saver, checkpoint_dir=d)
    r["restored"] = restored.run(w)
    sess, ok = sm.recover_session("", saver=saver, checkpoint_dir=d)
    r["recovered"] = [ok, sess.run(w)]
    sess, ok = sm.recover_session("", saver=saver, checkpoint_dir=tempfile.mkdtemp())
    r["not_recovered"] = [ok, sess.run(tf.report_uninitialized_variables())]
    r["not_ready"] = r.error(lambda: sm.prepare_session("", init_op=tf.no_op()), "Init operations did not make "
                                                                                 "model ready", "w")
    r["nothing_to_init"] = r.error(lambda: tf.train.SessionManager().prepare_session(""),
                                   "Model is not initialized and no init_op or init_fn or local_init_op was given")
    r["both_paths"] = r.error(lambda: sm.prepare_session("", saver=saver, checkpoint_dir=d,
                                                         checkpoint_filename_with_path=d),
                              "Can not provide both checkpoint_dir and checkpoint_filename_with_path")
    r["local_without_op"] = r.error(lambda: tf.train.SessionManager(ready_for_local_init_op=tf.constant([""])),
                                    "you must also pass a local_init_op")
    r["wait_deadline"] = r.error(lambda: sm.wait_for_session("", max_wait_secs=0.05), "Session was not ready after")
    ready_now = tf.train.SessionManager(ready_op=tf.report_uninitialized_variables(tf.local_variables()),
                                        local_init_op=tf.local_variables_initializer())
    r["waited"] = ready_now.wait_for_session("", max_wait_secs=1).run(local)
    tf.reset_default_graph()
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    sv = tf.train.Supervisor(logdir=None, save_model_secs=0, save_summaries_secs=0)
    seen = []

    def train_step(sess, factor, offset=0):
        seen.append(int(sess.run(inc)) * factor + offset)
        if len(seen) == 4:
            sv.request_stop()
    tf.train.basic_train_loop(sv, train_step, args=[10], kwargs={"offset": 1})
    r["loop"] = seen


@program
def cluster_spec_and_replica_device_setter(tf, r):
    """ClusterSpec (dense and sparse jobs, its ClusterDef, errors), replica_device_setter's placements (variables
    round robin over the PS tasks with their Assign and read, the rest on the worker, a PS job given in the op's
    own device), Server's ServerDef and target."""
    c = tf.train.ClusterSpec({"ps": ["ps0:2222", "ps1:2222"], "worker": {1: "w1:2222", 3: "w3:2222"}})
    r["spec"] = [repr(c), c.jobs, c.num_tasks("worker"), c.task_indices("worker"), c.job_tasks("worker"),
                 c.as_dict(), c.task_address("ps", 1)]
    r["cluster_def"] = str(c.as_cluster_def())
    r["equal"] = [tf.train.ClusterSpec(c.as_cluster_def()) == c, tf.train.ClusterSpec(c) == c.as_dict(),
                  bool(tf.train.ClusterSpec({})), c != tf.train.ClusterSpec({"ps": ["ps0:2222"]})]
    r["no_job"] = r.error(lambda: c.num_tasks("chief"), "No such job in cluster")
    r["no_task"] = r.error(lambda: c.task_address("worker", 0), "No task with index 0 in job 'worker'")
    r["bad_tasks"] = r.error(lambda: tf.train.ClusterSpec({"ps": "ps0:2222"}), "must be a list or a dictionary")
    with tf.device(tf.train.replica_device_setter(cluster=c, worker_device="/job:worker/task:1")):
        w = tf.Variable(1.0, name="w")
        b = tf.get_variable("b", [], initializer=tf.constant_initializer(2.0))
        v3 = tf.Variable(3.0, name="v3")
        y = w * b + v3
    with tf.device(tf.train.replica_device_setter(ps_tasks=3, ps_device="/job:ps/device:CPU:0")):
        with tf.device("/job:ps/task:2"):
            pinned = tf.Variable(4.0, name="pinned")
        free = tf.Variable(5.0, name="free")
    r["devices"] = [[o.name, o.device] for o in tf.get_default_graph().get_operations()]
    r["none"] = [tf.train.replica_device_setter(ps_tasks=0) is None,
                 tf.train.replica_device_setter(cluster={"worker": ["a:1"]}) is None]
    r["ops"] = names([y, pinned, free])  # (TF cannot run them without the cluster; graphgrad runs them in-process)
    server = tf.train.Server(c, job_name="worker", task_index=3, start=False)
    r["server"] = [server.target, str(server.server_def)]
    r["server_job"] = r.error(lambda: tf.train.Server(c, task_index=0, start=False), "Must specify an explicit "
                                                                                      "`job_name`")
# --- tf.keras.backend, Keras 2's K.* (graphgrad/keras/backend/) ----------------------------------------------------

_KX = (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 2


def _k_values(K, named):
    """{name: value} of {name: tensor} in one run of Keras' session; arrays of more than 6 elements as digests."""
    names = sorted(named)
    return {n: v if np.size(v) < 7 else _digest(v) for n, v in zip(names, K.batch_get_value([named[n] for n in names]))}


@program
def keras_backend_math(tf, r):
    """K.* math: element-wise functions, reductions with axis/keepdims, products, reshaping and padding, with the
    settings and shapes Keras code asks for."""
    K = tf.keras.backend
    r["settings"] = [K.floatx(), K.epsilon(), K.image_data_format(), K.backend()]
    x = K.variable(_KX)
    i = K.constant([[0, 3, 1], [2, 2, 0]], dtype="int32")
    r["variable"] = [x.name, K.int_shape(x), K.ndim(x), K.dtype(x), int(K.count_params(x)), K.dtype(i)]
    r["eval"] = K.eval(x)
    elementwise = {f: getattr(K, f)(x) for f in ("abs", "square", "sqrt", "exp", "sign", "sin", "cos", "round",
                                                   "sigmoid", "tanh", "softplus", "softsign", "hard_sigmoid")}
    r["elementwise"] = _k_values(K, {**elementwise, "log": K.log(K.abs(x) + 1), "pow": K.pow(x, 2),
                                     "clip": K.clip(x, -1, 2), "clip_crossed": K.clip(x, 1, 0),
                                     "maximum": K.maximum(x, 0.5), "minimum": K.minimum(x, 0.5)})
    r["comparisons"] = _k_values(K, {f: getattr(K, f)(x, 0.5) for f in ("equal", "not_equal", "greater",
                                                                         "greater_equal", "less", "less_equal")})
    reductions = {}
    for f in ("sum", "prod", "max", "min", "mean", "std", "var", "any", "all"):
        reductions[f] = getattr(K, f)(x)
        reductions[f + "_1"] = getattr(K, f)(x, axis=1)
        reductions[f + "_0k"] = getattr(K, f)(x, axis=0, keepdims=True)
    reductions["mean_bool"] = K.mean(K.greater(x, 0), axis=-1)
    reductions.update(argmax=K.argmax(x), argmin=K.argmin(x, axis=0), cumsum=K.cumsum(x), cumprod=K.cumprod(x, 1))
    r["reductions"] = _k_values(K, reductions)
    a = K.constant(_KX.reshape(3, 2, 2))
    b = K.constant(np.arange(18, dtype=np.float32).reshape(3, 2, 3) / 10)
    v = K.constant(_KX[:, :2])
    products = {"dot": K.dot(x, K.transpose(x)), "dot_3d": K.dot(a, K.constant(np.ones((2, 5), np.float32))),
                "dot_3d_3d": K.dot(a, b), "batch_dot": K.batch_dot(a, b), "batch_dot_12": K.batch_dot(a, a, (1, 2)),
                "batch_dot_vec": K.batch_dot(v, v, axes=1), "batch_dot_vec_mat": K.batch_dot(v, a),
                "batch_dot_4d": K.batch_dot(K.reshape(b, (3, 2, 3, 1)), K.ones((3, 1, 2)), axes=(3, 1))}
    r["products"] = _k_values(K, products)
    r["product_shapes"] = {k: K.int_shape(t) for k, t in sorted(products.items())}
    shaping = {"reshape": K.reshape(x, (2, 6)), "transpose": K.transpose(x),
               "permute": K.permute_dimensions(a, (2, 0, 1)),
               "expand": K.expand_dims(x), "squeeze": K.squeeze(K.expand_dims(x, 1), 1), "flatten": K.flatten(x),
               "batch_flatten": K.batch_flatten(a), "stack": K.stack([x, x], axis=1),
               "concatenate": K.concatenate([x, x]), "concatenate_0": K.concatenate([x, x], axis=0),
               "tile": K.tile(x, (1, 2)), "tile_int": K.tile(K.flatten(x), 2), "repeat": K.repeat(v, 2),
               "repeat_elements": K.repeat_elements(x, 2, axis=1), "reverse": K.reverse(x, 1),
               "reverse_both": K.reverse(x, [0, 1]), "gather": K.gather(x, [2, 0]), "one_hot": K.one_hot(i, 4),
               "arange": K.arange(2, 8, 2), "arange_neg": K.arange(-3), "arange_float": K.arange(3, dtype="float32"),
               "temporal_padding": K.temporal_padding(a, (1, 2)),
               "spatial_2d": K.spatial_2d_padding(K.reshape(x, (1, 3, 4, 1)), ((1, 0), (0, 1))),
               "spatial_2d_first": K.spatial_2d_padding(K.reshape(x, (1, 1, 3, 4)), data_format="channels_first"),
               "spatial_3d": K.spatial_3d_padding(K.reshape(x, (1, 3, 2, 2, 1)), ((0, 1), (1, 0), (0, 0)))}
    r["shaping"] = _k_values(K, shaping)
    r["shaping_shapes"] = {k: K.int_shape(t) for k, t in sorted(shaping.items())}
    r["shape"] = [K.eval(K.shape(x)), K.int_shape(K.placeholder(ndim=3)), K.int_shape(K.placeholder(shape=(None, 4)))]
    r["errors"] = [r.error(lambda: K.batch_dot(a, b, axes=0), "Cannot perform batch_dot over axis 0"),
                   r.error(lambda: K.batch_dot(a, b, axes=(2, 2)), "Cannot do batch_dot on inputs with shapes"),
                   r.error(lambda: K.batch_dot(K.flatten(x), v), "Cannot do batch_dot on inputs with rank < 2"),
                   r.error(lambda: K.set_floatx("int8"), "Unknown `floatx` value: int8"),
                   r.error(lambda: K.set_image_data_format("nchw"), "Unknown `data_format`: nchw"),
                   r.error(lambda: K.is_keras_tensor(np.ones(2)), "Expected a symbolic tensor instance")]


@program
def keras_backend_variables(tf, r):
    """K.variable and friends: names, dtypes, constants, zeros/ones as variables, get_value/set_value, updates,
    the zero-debiased moving average, gradients and K.function with updates and fetches."""
    K = tf.keras.backend
    v = K.variable(np.ones((2, 2)), name="w")
    z, o, e = K.zeros((2, 3)), K.ones((3,), dtype="int32"), K.eye(2, name="identity")
    zt = K.zeros_like(v)
    c = K.constant(2, shape=(2,))
    # (tf_keras 2.21 makes TF2 resource variables, dtype float32; TF1's Keras and graphgrad ref ones, float32_ref)
    r["made"] = [[t.name, t.dtype.base_dtype.name, K.int_shape(t)] for t in (v, z, o, e, c)]
    r["kinds"] = [hasattr(t, "assign") for t in (v, z, o, e, zt, c)]
    r["values"] = K.batch_get_value([v, z, o, e, zt, c, K.ones_like(o, dtype="float32"), K.cast_to_floatx(o)])
    r["cast_numpy"] = K.cast_to_floatx([1, 2])
    K.set_value(v, [[1, 2], [3, 4]])
    K.batch_set_value([(z, np.full((2, 3), 5.0))])
    r["set"] = K.batch_get_value([v, z])
    r["get_value_python"] = K.get_value(3.5)
    steps = [K.update(v, v * 2), K.update_add(v, K.ones_like(v)), K.update_sub(v, 0.5 * K.ones_like(v))]
    r["updates"] = [K.get_session().run(s) for s in steps]
    m = K.variable(np.zeros(3), name="mean")
    avg = K.moving_average_update(m, K.constant([1.0, 2.0, 4.0]), 0.9)
    avg2 = K.moving_average_update(m, K.constant([2.0, 2.0, 2.0]), 0.5)
    r["moving_average_vars"] = sorted(t.name for t in tf.global_variables() if t.name.startswith("mean"))
    # TF's Keras session initializes only the variables Keras made (K.variable, layers): these two are TF's own
    K.get_session().run(tf.variables_initializer([t for t in tf.global_variables() if t.name.startswith("mean/")]))
    r["moving_average"] = [K.get_session().run(avg), K.get_session().run(avg), K.get_session().run(avg2)]
    x = K.placeholder(shape=(None, 2))
    loss = K.sum(K.square(K.dot(x, v)))
    g = K.gradients(loss, [v])
    counter = K.variable(0.0)
    f = K.function([x], [loss, g[0]], updates=[K.update_add(counter, 1.0), (v, v * 0.5)])
    one = K.function([x], loss)
    feed = np.array([[1.0, -1.0], [0.5, 2.0]], np.float32)
    r["function"] = [f([feed]), K.eval(counter), K.eval(v), one([feed]), f([feed])[0], K.eval(counter)]
    r["stop_gradient"] = K.gradients(K.sum(K.stop_gradient(v) * v), v)[0] is not None
    r["uids"] = [K.get_uid("dense"), K.get_uid("dense"), K.get_uid("conv")]
    K.reset_uids()
    r["uids_reset"] = K.get_uid("dense")
    sp = K.placeholder(shape=(2, 3), sparse=True)
    r["sparse"] = [K.is_sparse(sp), K.is_sparse(x), K.int_shape(K.to_dense(sp)), K.is_keras_tensor(x)]
    rv = [K.random_uniform_variable((20, 3), -1, 1, seed=1), K.random_normal_variable((40,), 1.0, 0.1, seed=2),
          K.random_uniform((50,), 2, 3, seed=3), K.random_normal((60,), seed=4), K.truncated_normal((60,), seed=5),
          K.random_bernoulli((200,), p=0.5, seed=6), K.random_binomial((5,), p=1.0, seed=7),
          K.dropout(K.ones((4, 50)), 0.5, seed=8)]
    values = K.batch_get_value(rv)
    r["random"] = [[t.dtype.base_dtype.name, K.int_shape(t)] for t in rv]
    r["random_ranges"] = [bool(values[0].min() >= -1 and values[0].max() <= 1),
                          bool(abs(values[1].mean() - 1) < 0.1), bool(values[2].min() >= 2 and values[2].max() <= 3),
                          bool(np.abs(values[4]).max() <= 2), sorted(set(values[5].tolist())), values[6],
                          sorted(set(values[7].ravel().tolist()))]


@program
def keras_backend_nn(tf, r):
    """K.* activations, cross-entropies (probabilities, logits, and the logits under a softmax or sigmoid op),
    normalization, convolutions and pooling in both data formats, locally connected convolutions and resizing,
    with gradients of the differentiable ones."""
    K = tf.keras.backend
    rng = np.random.default_rng(7)
    x = K.constant(_KX)
    acts = {"relu": K.relu(x), "relu_alpha": K.relu(x, alpha=0.1), "relu_max": K.relu(x, max_value=1.5),
            "relu6": K.relu(x * 3, max_value=6), "relu_threshold": K.relu(x, threshold=0.5),
            "relu_all": K.relu(x, alpha=0.2, max_value=2.0, threshold=-1.0), "elu": K.elu(x),
            "elu_alpha": K.elu(x, 0.5),
            "softmax": K.softmax(x), "softmax_0": K.softmax(x, axis=0), "l2_normalize": K.l2_normalize(x, axis=1),
            "l2_normalize_all": K.l2_normalize(x)}
    r["activations"] = _k_values(K, acts)
    r["softmax_1d"] = r.error(lambda: K.softmax(K.constant([1.0, 2.0])), "Cannot apply softmax to a tensor that is 1D")
    p = K.constant([[0.1, 0.6, 0.3], [0.0, 0.0, 1.0]])
    onehot = K.constant([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    logits = K.constant([[1.0, 2.0, -1.0], [0.5, -0.5, 3.0]])
    bins = K.constant([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    seq = K.constant(rng.normal(size=(2, 3, 4)).astype(np.float32))
    losses = {"bce": K.binary_crossentropy(bins, p),
              "bce_logits": K.binary_crossentropy(bins, logits, from_logits=True),
              "bce_sigmoid": K.binary_crossentropy(bins, K.sigmoid(logits)),
              "cce": K.categorical_crossentropy(onehot, p),
              "cce_unnormalized": K.categorical_crossentropy(onehot, p * 2),
              "cce_logits": K.categorical_crossentropy(onehot, logits, from_logits=True),
              "cce_softmax": K.categorical_crossentropy(onehot, K.softmax(logits)),
              "cce_axis0": K.categorical_crossentropy(K.transpose(onehot), K.transpose(p), axis=0),
              "scce": K.sparse_categorical_crossentropy(K.constant([1, 2]), p),
              "scce_column": K.sparse_categorical_crossentropy(K.constant([[1], [0]]), logits, from_logits=True),
              "scce_seq": K.sparse_categorical_crossentropy(K.constant([[0, 3, 1], [2, 2, 0]]), seq, from_logits=True),
              "scce_axis": K.sparse_categorical_crossentropy(K.constant([1, 0]), K.transpose(logits), True, axis=0),
              "scce_ignore": K.sparse_categorical_crossentropy(K.constant([[0, 3, 1], [2, 2, 0]]), seq, True,
                                                               ignore_class=2),
              "bfce": K.binary_focal_crossentropy(bins, p),
              "bfce_balanced": K.binary_focal_crossentropy(bins, logits, apply_class_balancing=True, from_logits=True),
              "cfce": K.categorical_focal_crossentropy(onehot, p),
              "cfce_logits": K.categorical_focal_crossentropy(onehot, logits, from_logits=True),
              "in_top_k": K.in_top_k(logits, K.constant([1, 0], dtype="int32"), 2)}
    r["losses"] = _k_values(K, losses)
    images = K.constant(rng.normal(size=(2, 5, 6, 3)).astype(np.float32))
    first = K.permute_dimensions(images, (0, 3, 1, 2))
    kernel = K.constant(rng.normal(size=(3, 3, 3, 4)).astype(np.float32))
    dw = K.constant(rng.normal(size=(2, 2, 3, 2)).astype(np.float32))
    pw = K.constant(rng.normal(size=(1, 1, 6, 4)).astype(np.float32))
    vol = K.constant(rng.normal(size=(1, 4, 4, 4, 2)).astype(np.float32))
    k3 = K.constant(rng.normal(size=(2, 2, 2, 2, 3)).astype(np.float32))
    k1 = K.constant(rng.normal(size=(3, 4, 2)).astype(np.float32))
    mean, var = K.constant([0.1, -0.2, 0.3]), K.constant([1.0, 0.5, 2.0])
    beta, gamma = K.constant([0.0, 1.0, -1.0]), K.constant([1.0, 2.0, 0.5])
    local1 = K.constant(rng.normal(size=(2, 8, 3)).astype(np.float32))  # 2 positions of 2x4 patches, 3 filters
    local2 = K.constant(rng.normal(size=(4, 12, 2)).astype(np.float32))  # 2x2 positions of 2x2x3 patches
    conv = {"conv1d": K.conv1d(seq, k1, padding="same"), "conv1d_causal": K.conv1d(seq, k1, padding="causal",
                                                                                   dilation_rate=2),
            "conv1d_strided": K.conv1d(seq, k1, strides=2), "conv2d": K.conv2d(images, kernel),
            "conv2d_same_strided": K.conv2d(images, kernel, strides=(2, 2), padding="same"),
            "conv2d_dilated": K.conv2d(images, kernel, dilation_rate=(2, 1)),
            "conv2d_first": K.conv2d(first, kernel, padding="same", data_format="channels_first"),
            "conv2d_transpose": K.conv2d_transpose(K.conv2d(images, kernel), kernel, (2, 5, 6, 3)),
            "conv2d_transpose_strided": K.conv2d_transpose(images, K.ones((2, 2, 2, 3)), (None, 10, 12, 2), (2, 2)),
            "conv3d": K.conv3d(vol, k3, padding="same"), "depthwise": K.depthwise_conv2d(images, dw, padding="same"),
            "separable": K.separable_conv2d(images, dw, pw, strides=(1, 2)),
            "max_pool": K.pool2d(images, (2, 2), (2, 2)), "avg_pool_same": K.pool2d(images, (3, 3), padding="same",
                                                                                   pool_mode="avg"),
            "pool_first": K.pool2d(first, (2, 3), (1, 2), data_format="channels_first"),
            "pool3d": K.pool3d(vol, (2, 2, 2), (2, 2, 2)), "pool3d_avg": K.pool3d(vol, (3, 3, 3), pool_mode="avg"),
            "local1d": K.local_conv1d(seq, local1, (2,), (1,)),
            "local2d": K.local_conv2d(images[:, :4, :4], local2, (2, 2), (2, 2), (2, 2)),
            "local2d_first": K.local_conv2d(first[:, :, :4, :4], local2, (2, 2), (2, 2), (2, 2), "channels_first"),
            "bias_add": K.bias_add(images, mean), "bias_add_first": K.bias_add(first, mean, "channels_first"),
            "bias_add_full": K.bias_add(seq, K.ones((3, 4))),
            "batch_norm": K.batch_normalization(images, mean, var, beta, gamma, epsilon=1e-3),
            "batch_norm_2d": K.batch_normalization(x[:, :3], mean, var, beta, gamma),
            "batch_norm_first": K.batch_normalization(first, mean, var, beta, gamma, axis=1),
            "resize_nearest": K.resize_images(images, 2, 3, "channels_last"),
            "resize_bilinear": K.resize_images(images, 2, 2, "channels_last", interpolation="bilinear"),
            "resize_first": K.resize_images(first, 1, 2, "channels_first"),
            "resize_volumes": K.resize_volumes(vol, 2, 1, 2, "channels_last")}
    normed = {f"normalize_{i}": t for i, t in enumerate(K.normalize_batch_in_training(images, gamma, beta, [0, 1, 2]))}
    normed.update({f"normalize_2d_{i}": t for i, t in enumerate(K.normalize_batch_in_training(x[:, :3], None, None,
                                                                                              [0]))})
    normed.update({f"normalize_bc_{i}": t for i, t in enumerate(K.normalize_batch_in_training(seq, None, beta,
                                                                                              [0, 2]))})
    r["conv"] = _k_values(K, {**conv, **normed})
    r["conv_shapes"] = {k: K.int_shape(t) for k, t in sorted(conv.items())}
    grads = {}
    for name in ("relu_all", "elu_alpha", "softmax", "l2_normalize"):
        grads[name] = K.gradients(K.sum(acts[name] * K.constant(_KX[::-1].copy())), x)[0]
    for name in ("bce", "cce", "cfce", "bfce"):
        grads[name] = K.gradients(K.sum(losses[name]), p)[0]
    grads["cce_logits"] = K.gradients(K.sum(losses["cce_logits"]), logits)[0]
    for name in ("conv1d_causal", "conv2d_first", "separable", "max_pool", "local2d", "resize_bilinear",
                 "batch_norm_first", "conv2d_transpose_strided"):
        grads[name] = K.gradients(K.sum(K.square(conv[name])), seq if name.startswith("conv1d") else images)[0]
    r["gradients"] = _k_values(K, grads)
    r["errors"] = [r.error(lambda: K.conv2d(images, kernel, padding="full"), "Invalid padding: full"),
                   r.error(lambda: K.conv2d(images, kernel, data_format="nhwc"), "Unknown data_format: nhwc"),
                   r.error(lambda: K.pool2d(images, (2, 2), pool_mode="sum"), "Invalid pooling mode: sum"),
                   r.error(lambda: K.resize_images(images, 2, 2, "channels_last", "cubic"),
                           "`interpolation` argument should be one of")]


@program
def keras_backend_control(tf, r):
    """K.switch and the learning phase, K.rnn (masks, go_backwards, constants, unrolled or a while loop) with its
    gradients, the functional ops, and CTC: the batch cost with its gradient, greedy and beam decoding."""
    K = tf.keras.backend
    rng = np.random.default_rng(11)
    x = K.constant(_KX)
    flag = K.placeholder(shape=(), dtype="bool")
    switched = {"scalar": K.switch(flag, x, -x), "callable": K.switch(flag, lambda: x * 2, lambda: x - 1),
                "vector": K.switch(K.constant([True, False, False, True]), x, -x),
                "tiled": K.switch(K.greater(x, 0), K.stack([x, x * 10], axis=-1), K.zeros((3, 4, 2))),
                "int_condition": K.switch(K.constant(1, dtype="int32"), x, -x)}
    names = sorted(switched)
    r["switch"] = [[_digest(a) for a in K.get_session().run([switched[n] for n in names], {flag: v})]
                   for v in (True, False)]
    r["switch_rank"] = r.error(lambda: K.switch(K.greater(K.stack([x, x]), 0), x, -x),
                               "Rank of `condition` should be less than or equal to rank of `then_expression`")
    phase = K.learning_phase()
    train = K.in_train_phase(x * 2, lambda: x * 3)
    test = K.in_test_phase(x * 2, x * 3)
    fixed = K.in_train_phase(x * 2, x * 3, training=0)
    r["phase"] = [phase.name, phase.dtype.name, fixed is not None and K.eval(fixed)[0, 0]]
    r["phase_values"] = [[_digest(a) for a in K.get_session().run([train, test], {phase: v})] for v in (True, False)]
    r["phase_default"] = K.get_session().run(train)[0]
    K.set_learning_phase(1)
    set_phase = [K.learning_phase()]
    with K.learning_phase_scope(0):
        set_phase.append(K.learning_phase())
        scoped = K.in_train_phase(x * 2, x * 3)
    set_phase.append(K.learning_phase())
    r["set_phase"] = set_phase + [K.eval(scoped)[0].tolist(), K.eval(K.in_train_phase(x * 2, x * 3))[0].tolist()]
    r["set_phase_error"] = r.error(lambda: K.set_learning_phase(2), "Expected learning phase to be 0 or 1.")
    r["functional"] = _k_values(K, dict(enumerate([K.map_fn(lambda t: t * 2, x), K.foldl(lambda a, t: a + t, x),
                                         K.foldr(lambda a, t: a * 0.5 + t, x, initializer=K.ones((4,)))])))
    w = K.constant(rng.normal(size=(4, 3)).astype(np.float32) / 2)
    u = K.constant(rng.normal(size=(3, 3)).astype(np.float32) / 2)
    inputs = K.placeholder(shape=(2, 5, 4))
    h0 = K.zeros_like(inputs[:, 0, :3])
    extra = K.constant([0.1, -0.2, 0.3])

    def step(x_t, states):
        h = K.tanh(K.dot(x_t, w) + K.dot(states[0], u) + (states[1] if len(states) > 1 else 0))
        return h, [h]
    mask = K.constant(np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool), dtype="bool")
    runs = {"plain": K.rnn(step, inputs, [h0]), "backwards": K.rnn(step, inputs, [h0], go_backwards=True),
            "mask": K.rnn(step, inputs, [h0], mask=mask),
            "mask_zero": K.rnn(step, inputs, [h0], mask=mask, zero_output_for_mask=True),
            "mask_backwards": K.rnn(step, inputs, [h0], mask=mask, go_backwards=True),
            "constants": K.rnn(step, inputs, [h0], constants=[extra]),
            "unrolled": K.rnn(step, inputs, [h0], unroll=True),
            "unrolled_mask": K.rnn(step, inputs, [h0], mask=mask, unroll=True, go_backwards=True),
            "time_major": K.rnn(step, K.permute_dimensions(inputs, (1, 0, 2)), [h0], time_major=True),
            "input_length": K.rnn(step, inputs, [h0], input_length=K.constant([3, 5], dtype="int32"))}
    feed = {inputs: rng.normal(size=(2, 5, 4)).astype(np.float32)}
    fetch = {k: [last, outs, states[0], K.gradients(K.sum(outs * outs) + K.sum(last), inputs)[0]]
             for k, (last, outs, states) in runs.items()}
    names = sorted(fetch)
    r["rnn"] = {k: [_digest(v) for v in vs] for k, vs in zip(names, K.get_session().run([fetch[n] for n in names],
                                                                                        feed))}
    r["rnn_shapes"] = {k: [K.int_shape(t) for t in (last, outs, states[0])] for k, (last, outs, states) in
                       sorted(runs.items())}
    logits = K.constant(rng.normal(size=(2, 6, 4)).astype(np.float32) * 2)
    y_pred = K.softmax(logits)
    y_true = K.constant([[0, 1, 0], [2, 0, 1]], dtype="int32")
    label_length, input_length = K.constant([[2], [3]], dtype="int32"), K.constant([[6], [5]], dtype="int32")
    cost = K.ctc_batch_cost(y_true, y_pred, input_length, label_length)
    greedy, greedy_p = K.ctc_decode(y_pred, K.flatten(input_length))
    beam, beam_p = K.ctc_decode(y_pred, K.flatten(input_length), greedy=False, beam_width=3, top_paths=2)
    sparse = K.ctc_label_dense_to_sparse(y_true, K.flatten(label_length))
    s = K.get_session()
    r["ctc"] = s.run([cost, K.gradients(K.sum(cost), logits)[0], greedy, greedy_p, beam, beam_p])
    r["ctc_sparse"] = list(s.run(sparse))
    r["ctc_shapes"] = [K.int_shape(cost), K.int_shape(greedy[0]), len(beam)]
def weighted_sums(tf, ts):
    """Each tensor as two float64 numbers, its sum and its sum weighted by cos(0), cos(1), ... in row-major order:
    a small observation of a large value that still notices any wrong element (computed in float64, so float32
    results that differ in the last bit only still agree)."""
    out = []
    for t in ts:
        x = tf.reshape(tf.cast(t, tf.float64), [-1])
        out.append(tf.stack([tf.reduce_sum(x), tf.reduce_sum(x * tf.cos(tf.cast(tf.range(tf.size(x)), tf.float64)))]))
    return out


@program
def math_inverse_and_special(tf, r):
    """tf.acos/asin/acosh/asinh/atanh/atan2 and tf.math.erfinv/erfcinv/ndtri/zeta/bessel_i0/i0e/i1/i1e: op types,
    values (domain edges: NaN, inf), first and second derivatives."""
    x = tf.constant([-0.9, -0.3, 0.0, 0.4, 0.8])
    big = tf.constant([1.5, 2.0, 4.0, 7.5, 40.0])
    q = tf.constant([0.5, 1.0, 2.5, 3.0, 10.0])
    m = tf.math
    unary_x = [tf.acos(x), tf.asin(x), tf.asinh(x), tf.atanh(x), m.erfinv(x), m.bessel_i0(x), m.bessel_i0e(x),
               m.bessel_i1(x), m.bessel_i1e(x), tf.math.atan2(x, big)]
    positive = tf.constant([0.05, 0.3, 0.5, 0.7, 0.99])
    others = [tf.acosh(big), m.ndtri(positive), m.erfcinv(positive * 2), m.zeta(big, q), m.bessel_i0(big),
              m.bessel_i0e(big), m.bessel_i1(-big), m.bessel_i1e(big)]
    every = unary_x + others
    r["types"] = [t.op.type for t in every]
    r["shapes"] = shapes(every[0], every[9], every[13])
    r["top_level"] = [n for n in ["acos", "asin", "acosh", "asinh", "atanh", "atan2", "zeta", "erfinv", "ndtri",
                                  "bessel_i0"] if hasattr(tf, n)]
    total = tf.add_n([tf.reduce_sum(t * (k + 1.0)) for k, t in enumerate(unary_x)])
    gx = tf.gradients(total, x)[0]
    x64 = tf.constant([-0.9, -0.3, 0.0, 0.4, 0.8], tf.float64)  # second derivatives sum large terms: float64
    fns = [tf.acos, tf.asin, tf.asinh, tf.atanh, m.erfinv, m.bessel_i0, m.bessel_i0e, m.bessel_i1, m.bessel_i1e]
    g64 = tf.gradients(tf.add_n([tf.reduce_sum(f(x64) * (k + 1.0)) for k, f in enumerate(fns)]), x64)[0]
    gxx = tf.gradients(tf.reduce_sum(g64 * g64), x64)[0]
    gb = tf.gradients(tf.reduce_sum(others[0]) + tf.reduce_sum(others[3]) + tf.reduce_sum(others[5] * 2.0)
                      + tf.reduce_sum(others[7]), [big, q])
    gp = tf.gradients(tf.reduce_sum(others[1]) + tf.reduce_sum(others[2] * 3.0), positive)[0]
    edges = [tf.acos(tf.constant([1.0, -1.0, 1.5])), tf.acosh(tf.constant([1.0, 0.5])),
             tf.atanh(tf.constant([1.0, -1.0])), m.erfinv(tf.constant([1.0, -1.0, 2.0])),
             m.ndtri(tf.constant([0.0, 1.0, -0.5])), m.zeta(tf.constant([1.0, 0.5, 2.0]), tf.constant([1.0, 1.0, 0.0])),
             tf.atan2(tf.constant([0.0, 0.0, -0.0, 1.0]), tf.constant([0.0, -1.0, -1.0, 0.0]))]
    zero = tf.constant([0.0, 0.0])
    g_zero = tf.gradients(tf.reduce_sum(m.bessel_i1(zero)) + 2.0 * tf.reduce_sum(m.bessel_i1e(zero)), zero)[0]
    z64 = tf.constant([0.2, -0.7], tf.float64)
    with tf.Session() as s:
        r["values"] = s.run(every)
        r["grads"] = s.run([gx, gxx, gp] + gb)
        r["edges"] = s.run(edges)
        r["grad_at_zero"] = s.run(g_zero)
        r["float64"] = s.run([tf.acos(z64), m.erfinv(z64), m.bessel_i1e(z64)])
    r["int_error"] = r.error(lambda: tf.acos(tf.constant([1, 2])), "not in list of allowed values")


@program
def math_safe_and_compositions(tf, r):
    """tf.math's guarded ops (multiply_no_nan, xdivy, xlog1py, reciprocal_no_nan, divide_no_nan, nextafter), the
    compositions (log_sigmoid, reduce_std/variance, polyval, is_non_decreasing, is_strictly_increasing,
    zero_fraction, reduce_euclidean_norm) and cumulative_logsumexp: values, names, gradients."""
    m = tf.math
    x = tf.constant([[0.0, 2.0, -1.5], [3.0, 0.0, 0.5]])
    y = tf.constant([[np.inf, 0.0, 4.0], [np.nan, 2.0, -0.5]])
    safe = [m.multiply_no_nan(y, x), m.xdivy(x, y), m.xlog1py(x, y), m.reciprocal_no_nan(x), m.divide_no_nan(y, x),
            m.nextafter(x, y)]
    comp = [tf.log_sigmoid(x), m.reduce_std(x), m.reduce_variance(x, axis=1), m.reduce_std(x, 0, keepdims=True),
            m.polyval([1.0, -2.0, 0.5], x), m.polyval([], x), tf.is_non_decreasing(x),
            tf.is_strictly_increasing([1, 2, 2]),
            m.is_strictly_increasing([4.0]), m.zero_fraction(x), m.reduce_euclidean_norm(x, 1),
            m.cumulative_logsumexp(x, axis=1), m.cumulative_logsumexp(x, 0, exclusive=True, reverse=True),
            m.softplus(x), m.softsign(x), m.softmax(x), m.log_softmax(x, axis=0), m.l2_normalize(x, 1)]
    r["names"] = [t.name for t in safe + comp[:13]]
    r["shapes"] = shapes(*(safe + comp))
    w = tf.constant([[1.0, 2.0, 3.0], [0.0, -1.0, 2.0]])
    a = tf.constant([[0.5, 0.0, -1.0], [2.0, 1.5, 0.0]])
    b = tf.constant([[1.0, 3.0, 0.0], [-0.5, 2.0, 1.0]])
    ops = [m.multiply_no_nan(a, b), m.xdivy(a, b + 2.0), m.xlog1py(a, b + 1.0), m.nextafter(a, b), tf.log_sigmoid(a),
           m.reduce_variance(a, 1, keepdims=True), m.reduce_std(b), m.polyval([a, 2.0, b], a),
           m.cumulative_logsumexp(a * 3.0, 1), m.cumulative_logsumexp(b, 0, exclusive=True)]
    loss = tf.add_n([tf.reduce_sum(t * w[:, :1]) if t.shape.ndims else t for t in ops])
    grads = tf.gradients(loss, [a, b])
    second = tf.gradients(tf.reduce_sum(grads[0] * grads[1]), [a, b])
    with tf.Session() as s:
        r["safe"] = s.run(safe)
        r["comp"] = s.run(comp[:13] + weighted_sums(tf, comp[13:]))
        r["grads"] = s.run(grads + second)
        r["big_logsumexp"] = s.run(m.cumulative_logsumexp(tf.constant([1000.0, 1000.0, -1000.0, 1001.0])))
    r["errors"] = [r.error(lambda: m.polyval(tf.constant([1.0]), x), "Argument coeffs must be list type"),
                   r.error(lambda: m.reduce_variance(tf.constant([1, 2])), "Input must be either real or complex"),
                   r.error(lambda: tf.is_non_decreasing(tf.constant(["a"])), "Expected x to be numeric"),
                   r.error(lambda: m.cumulative_logsumexp(tf.constant([1, 2])), "not in list of allowed values"),
                   r.error(lambda: m.multiply_no_nan(x, tf.constant([1.0], tf.float64)), "")]


@program
def sequences_and_tensor_scatters(tf, r):
    """tf.linspace / lin_space (batched, axis), tf.repeat, tf.tensor_scatter_nd_update/add/sub/min/max (and the
    tensor_scatter_* aliases): values, static shapes, gradients (ties of min/max) and index errors."""
    a, b = tf.constant([1.0, 2.0]), tf.constant([[3.0, 10.0], [4.0, -1.0], [0.0, 0.0]])
    lins = [tf.linspace(0.0, 1.0, 5), tf.lin_space(-1.0, 7.0, 4), tf.linspace(a, b, 4, axis=-1),
            tf.linspace(2.0, 3.0, 1), tf.linspace(a, b, 3), tf.linspace(tf.constant(0.0, tf.float64), 1.0, 7)]
    reps = [tf.repeat([[1, 2], [3, 4]], 2), tf.repeat(b, [1, 0, 3], axis=0), tf.repeat(b, 2, axis=1),
            tf.repeat(b, [2, 1], axis=-1)]
    t = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    scatters = [tf.tensor_scatter_nd_update(t, [[0], [2]], [[9.0, 9.0], [8.0, 8.0]]),
                tf.tensor_scatter_nd_add(t, [[1, 1], [1, 1], [3, 0]], [10.0, 20.0, 30.0]),
                tf.tensor_scatter_nd_sub(t, [[2]], [[1.0, 1.0]]), tf.tensor_scatter_update(t, [[3, 1]], [0.0]),
                tf.tensor_scatter_add(t, [[0]], [[1.0, 1.0]]), tf.tensor_scatter_sub(t, [[0, 0]], [5.0]),
                tf.tensor_scatter_nd_min(t, [[0, 1], [1, 0], [1, 0]], [2.0, 0.0, 3.0]),
                tf.tensor_scatter_nd_max(t, [[0, 1], [2, 1], [2, 1]], [2.0, 9.0, 9.0])]
    every = lins + reps + scatters
    r["types"] = [x.op.type for x in scatters]  # linspace: TF 2's linspace_nd composes ops, TF 1's LinSpace did not
    r["names"] = [x.name for x in scatters]
    r["shapes"] = shapes(*every)
    u = tf.constant([[1.5, -2.0], [0.5, 3.0]])
    weights = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    grads = [tf.gradients(tf.reduce_sum(op(t, [[1], [3]], u) * weights), [t, u])
             for op in (tf.tensor_scatter_nd_update, tf.tensor_scatter_nd_add, tf.tensor_scatter_nd_sub,
                        tf.tensor_scatter_nd_min, tf.tensor_scatter_nd_max)]
    tie = tf.gradients(tf.reduce_sum(scatters[7] * weights), t)[0]
    lin_grads = tf.gradients(tf.reduce_sum(lins[2] * tf.reshape(tf.range(24.0), [3, 2, 4])), [a, b])
    lin_grads0 = tf.gradients(tf.reduce_sum(lins[4] * tf.reshape(tf.range(18.0), [3, 3, 2])), [a, b])
    rep_grad = tf.gradients(tf.reduce_sum(reps[1] * tf.reshape(tf.range(8.0), [4, 2])), b)[0]
    p = tf.placeholder(tf.int32)
    with tf.Session() as s:
        r["values"] = s.run(every)
        r["grads"] = s.run(weighted_sums(tf, sum(grads, []) + [tie] + lin_grads + lin_grads0 + [rep_grad]))
        r["fed_num"] = s.run(tf.linspace(0.0, 2.0, p), {p: 3})
        r["index_error"] = r.error(lambda: s.run(tf.tensor_scatter_nd_update(t, p, [[1.0, 1.0]]), {p: [[4]]}),
                                   "indices[0] = [4] does not index into shape [4,2]")
    r["build_errors"] = [r.error(lambda: tf.tensor_scatter_nd_update(t, [[1]], tf.ones((2, 2))), "must match"),
                         r.error(lambda: tf.tensor_scatter_nd_add(t, [[1.0]], [[1.0, 1.0]]), "allowed values")]


@program
def variable_scatters(tf, r):
    """TF1's scatter ops on variables: scatter_mul/div/min/max (repeated indices), scatter_nd_update/add/sub,
    batch_scatter_update; the returned value, op names and index errors."""
    init = np.arange(8, dtype=np.float32).reshape(4, 2) + 1
    cube = np.arange(24, dtype=np.float32).reshape(2, 3, 4)

    def run(build, start):
        with tf.Graph().as_default():
            v = tf.Variable(start)
            out = build(v)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                return [out.name, s.run(out), s.run(v)]
    r["mul"] = run(lambda v: tf.scatter_mul(v, [1, 1, 3], [[2.0, 3.0], [2.0, 2.0], [0.5, 1.0]]), init)
    r["div"] = run(lambda v: tf.scatter_div(v, [0, 2], [[2.0, 4.0], [8.0, 1.0]]), init)
    r["min"] = run(lambda v: tf.scatter_min(v, [2, 2], [[0.0, 9.0], [-1.0, 5.0]]), init)
    r["max"] = run(lambda v: tf.scatter_max(v, [3, 0], [[100.0, -1.0], [0.0, 3.0]], use_locking=True), init)
    r["nd_update"] = run(lambda v: tf.scatter_nd_update(v, [[0, 1], [1, 2]], [[1.0, 2, 3, 4], [5, 6, 7, 8]]), cube)
    r["nd_add"] = run(lambda v: tf.scatter_nd_add(v, [[1, 0, 3], [1, 0, 3]], [10.0, 5.0]), cube)
    r["nd_sub"] = run(lambda v: tf.scatter_nd_sub(v, [[1]], np.ones((1, 3, 4), np.float32)), cube)
    r["batch"] = run(lambda v: tf.batch_scatter_update(v, [[0, 3], [2, 1]], [[-1.0, -2.0], [-3.0, -4.0]]),
                     np.zeros((2, 4), np.float32))
    r["batch3"] = run(lambda v: tf.batch_scatter_update(v, np.array([[[3], [0], [1]], [[2], [2], [0]]]),
                                                        np.full((2, 3, 1), -5.0, np.float32)), cube)
    r["errors"] = [r.error(lambda: run(lambda v: tf.scatter_nd_update(v, [[5]], [[1.0, 1.0]]), init),
                           "indices[0] = [5] does not index into shape [4,2]"),
                   r.error(lambda: run(lambda v: tf.scatter_max(v, [4], [[1.0, 1.0]]), init),
                           "indices[0] = 4 is not in [0, 4)"),
                   r.error(lambda: run(lambda v: tf.scatter_nd_add(v, [[1]], tf.ones((2, 2))), init), "must match")]


@program
def blocks_patches_cross_bitcast(tf, r):
    """TF1's space_to_batch / batch_to_space (one block_size), required_space_to_batch_paddings,
    tf.extract_volume_patches (values, gradient), tf.cross / tf.linalg.cross (gradients) and tf.bitcast."""
    x = tf.reshape(tf.range(1.0, 1.0 + 2 * 4 * 6 * 3), [2, 4, 6, 3])
    stb = tf.space_to_batch(x, [[0, 0], [1, 1]], block_size=2)
    bts = tf.batch_to_space(stb, [[0, 0], [1, 1]], 2)
    paddings, crops = tf.required_space_to_batch_paddings([5, 7], [2, 3], base_paddings=[[1, 0], [0, 2]])
    vol = tf.reshape(tf.range(1.0, 1.0 + 1 * 4 * 5 * 3 * 2), [1, 4, 5, 3, 2])
    patches = [tf.extract_volume_patches(vol, [1, 2, 3, 2, 1], [1, 2, 1, 2, 1], "SAME"),
               tf.extract_volume_patches(vol, [1, 3, 2, 1, 1], [1, 1, 2, 1, 1], "VALID")]
    u = tf.constant([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    w = tf.constant([[0.0, 1.0, -2.0], [3.0, 1.0, 1.0]])
    crosses = [tf.cross(u, w), tf.linalg.cross(w, u)]
    bits = [tf.bitcast(tf.constant([1.0, -2.0]), tf.int32),
            tf.bitcast(tf.constant([[1, 2], [3, 4]], tf.int16), tf.int32),
            tf.bitcast(tf.constant([258], tf.int32), tf.uint8), tf.bitcast(tf.constant([1.5], tf.float64), tf.int64)]
    r["shapes"] = shapes(stb, bts, paddings, crops, *patches, *crosses, *bits)
    r["types"] = [t.op.type for t in patches + crosses + bits]
    gp = tf.gradients(tf.reduce_sum(patches[0] * patches[0]) + tf.reduce_sum(patches[1]), vol)[0]
    gc = tf.gradients(tf.reduce_sum(crosses[0] * tf.constant([[1.0, -1.0, 2.0], [0.5, 2.0, 1.0]])), [u, w])
    gcc = tf.gradients(tf.reduce_sum(gc[0] * gc[1]), [u, w])
    gs = tf.gradients(tf.reduce_sum(stb * stb), x)[0]
    with tf.Session() as s:
        r["values"] = s.run([paddings, crops] + crosses + bits + weighted_sums(tf, [stb, bts] + patches))
        r["grads"] = s.run(gc + gcc + weighted_sums(tf, [gp, gs]))
    r["errors"] = [r.error(lambda: tf.cross(tf.ones([2, 4]), tf.ones([2, 4])), "must be 3"),
                   r.error(lambda: tf.bitcast(tf.constant([1, 2], tf.int8), tf.int32), "")]


@program
def nn_conv_pool_variants(tf, r):
    """tf.nn's other spellings: conv_transpose, max_pool_v2 / avg_pool_v2, conv2d_backprop_filter_v2 /
    input_v2 (top level), conv3d_backprop_filter(_v2), the depthwise backprops, with_space_to_batch, space_to_depth,
    depth_to_space, space_to_batch; and batch_norm_with_global_normalization, collapse_repeated,
    ctc_unique_labels, compute_average_loss, scale_regularization_loss: values (and shapes)."""
    rng = np.random.RandomState(4)
    x = tf.constant(rng.randn(2, 5, 6, 3).astype(np.float32))
    w = tf.constant(rng.randn(3, 2, 3, 4).astype(np.float32))
    dy = tf.constant(rng.randn(2, 3, 3, 4).astype(np.float32))
    dw = tf.constant(rng.randn(3, 3, 3, 2).astype(np.float32))  # depthwise [kh, kw, C, M]
    ddy = tf.constant(rng.randn(2, 5, 6, 6).astype(np.float32))
    x64, ddy64 = tf.cast(x, tf.float64), tf.cast(ddy, tf.float64)  # filter gradients sum 60 products each
    v = tf.constant(rng.randn(1, 4, 4, 4, 2).astype(np.float32))
    v_dy = tf.constant(rng.randn(1, 2, 4, 2, 3).astype(np.float32))
    mean, var, beta, gamma = (tf.constant(c) for c in ([0.5, 0.0, -1.0], [1.0, 2.0, 0.5], [0.1, 0.2, 0.3],
                                                       [2.0, 1.0, 0.5]))
    nn = tf.nn
    outs = [nn.conv_transpose(dy, w, [2, 5, 6, 3], [1, 2, 2, 1], "SAME"),
            nn.conv_transpose(tf.ones([1, 4, 2]), tf.ones([3, 1, 2]), [1, 8, 1], 2),
            nn.max_pool_v2(x, 2, 2, "SAME"), nn.avg_pool_v2(x, [1, 3, 2, 1], [1, 1, 2, 1], "VALID"),
            nn.avg_pool_v2(v, 2, 2, "VALID"), nn.max_pool_v2(x[:, 0], 3, 1, "SAME"),
            nn.conv3d_backprop_filter(v, [3, 1, 3, 2, 3], v_dy, [1, 2, 1, 2, 1], "SAME"),
            nn.conv3d_backprop_filter_v2(v, [3, 1, 3, 2, 3], v_dy, [1, 2, 1, 2, 1], "SAME"),
            nn.depthwise_conv2d_backprop_filter(x64, [3, 3, 3, 2], ddy64, [1, 1, 1, 1], "SAME"),
            nn.depthwise_conv2d_native_backprop_input([2, 5, 6, 3], dw, ddy, [1, 1, 1, 1], "SAME"),
            nn.depthwise_conv2d_backprop_input([2, 5, 6, 3], dw, ddy, [1, 1, 1, 1], "SAME"),
            nn.depthwise_conv2d_native_backprop_filter(x64, [3, 3, 3, 2], ddy64, [1, 1, 1, 1], "SAME"),
            nn.with_space_to_batch(x, [2, 2], "SAME", lambda t, n, p: tf.nn.conv2d(t, w, [1, 1, 1, 1], p),
                                   filter_shape=[3, 2]),
            nn.with_space_to_batch(x, [1, 1], "VALID", lambda t, n, p: tf.nn.max_pool(t, [1, 2, 2, 1], 1, p)),
            nn.space_to_depth(x[:, :4], 2), nn.depth_to_space(tf.ones([1, 2, 2, 8]), 2),
            nn.space_to_batch(x[:, :4], [[0, 0], [1, 1]], 2),
            nn.batch_norm_with_global_normalization(x, mean, var, beta, gamma, 0.001, True),
            nn.batch_norm_with_global_normalization(x, mean, var, beta, gamma, 0.001, False)]
    # TF's CPU build has no kernels for the _v2 backprops: their shapes only (tests/test_nn_linalg_variants.py
    # checks their values against conv2d_backprop_filter / input)
    r["shapes"] = shapes(*outs)
    with tf.Graph().as_default():  # a graph of their own: TF's constant folding would try to run them
        args = [tf.zeros([2, 5, 6, 3]), tf.zeros([3, 2, 3, 4]), tf.zeros([2, 3, 3, 4]), [1, 2, 2, 1], "SAME"]
        r["v2_shapes"] = shapes(tf.conv2d_backprop_filter_v2(*args), tf.conv2d_backprop_input_v2(*args))
    labels = tf.constant([[1, 1, 2, 2, 3, 0], [4, 4, 4, 1, 1, 1], [5, 6, 5, 6, 0, 0]])
    collapsed = nn.collapse_repeated(labels, [5, 6, 2])
    unique = nn.ctc_unique_labels(labels)
    losses = [nn.compute_average_loss([1.0, 2.0, 4.0]), nn.compute_average_loss([1.0, 2.0, 4.0], [0.5, 0.0, 1.0]),
              nn.compute_average_loss([[1.0, 3.0], [2.0, 2.0]], global_batch_size=8),
              nn.scale_regularization_loss([0.5, 0.25])]
    with tf.Session() as s:
        r["values"] = s.run(weighted_sums(tf, outs))
        r["labels"] = s.run([collapsed, unique])
        r["losses"] = s.run(losses)
    r["errors"] = [r.error(lambda: nn.compute_average_loss(1.0), "Expected a tensor with at least rank 1"),
                   r.error(lambda: nn.conv_transpose(dy, w, [1, 2], 1), "")]


@program
def linalg_simple(tf, r):
    """tf.linalg's eye, global_norm, l2_normalize, matvec, normalize, pinv, matrix_rank, lu (+ lu_solve,
    lu_reconstruct, lu_matrix_inverse), tridiagonal_solve / tridiagonal_matmul (three formats), tensor_diag,
    tensor_diag_part: values, shapes and gradients."""
    la = tf.linalg
    a = tf.constant([[2.0, 1.0, 0.5], [4.0, -1.0, 3.0], [1.0, 5.0, 2.0]])
    batch = tf.constant([[[1.0, 2.0], [3.0, 4.0]], [[0.5, -1.0], [2.0, 3.0]]])
    rect = tf.constant([[1.0, 2.0], [2.0, 4.0], [0.0, 1.0]])
    diags = tf.constant([[1.0, 2.0, 3.0, 0.0], [4.0, 5.0, 6.0, 7.0], [0.0, 1.0, -1.0, 2.0]])
    rhs = tf.constant([[1.0, 0.0], [2.0, 1.0], [3.0, -1.0], [4.0, 2.0]])
    lu, p = la.lu(a)
    blu, bp = la.lu(batch)
    outs = [la.eye(2, 3), la.eye(2, batch_shape=[2]), la.global_norm([a, rect]), la.l2_normalize(a, 1),
            la.matvec(a, [1.0, -1.0, 2.0]), la.matvec(batch, [[1.0, 1.0], [2.0, 0.0]], transpose_a=True),
            la.normalize(a, axis=1)[0], la.normalize(rect, ord=1)[1], la.pinv(rect), la.pinv(batch),
            la.matrix_rank(rect), la.matrix_rank(batch), la.matrix_rank(tf.zeros([3, 3])), lu, p, blu, bp,
            la.lu_reconstruct(lu, p), la.lu_solve(lu, p, rect), la.lu_matrix_inverse(blu, bp),
            la.lu_reconstruct(blu, bp),
            la.tridiagonal_solve(diags, rhs), la.tridiagonal_solve(diags, rhs[:, 0]),
            la.tridiagonal_solve((diags[0], diags[1], diags[2]), tf.transpose(rhs), diagonals_format="sequence",
                                 transpose_rhs=True),
            la.tridiagonal_matmul(diags, rhs), la.tridiagonal_matmul((diags[0], diags[1], diags[2]), rhs,
                                                                     diagonals_format="sequence"),
            la.tensor_diag([1.0, 2.0]), la.tensor_diag_part(tf.reshape(tf.range(16.0), [2, 2, 2, 2]))]
    r["shapes"] = shapes(*outs)
    r["lu_types"] = [lu.op.type, p.dtype.name, la.lu(a, output_idx_type=tf.int64)[1].dtype.name]
    g = tf.gradients(tf.reduce_sum(la.pinv(rect) * tf.constant([[1.0, 2.0, 3.0], [-1.0, 0.5, 1.0]]))
                     + tf.reduce_sum(la.tridiagonal_solve(diags, rhs) * rhs)
                     + tf.reduce_sum(la.tridiagonal_matmul(diags, rhs) ** 2)
                     + tf.reduce_sum(la.matvec(a, [1.0, -1.0, 2.0]) ** 2), [rect, diags, rhs, a])
    g_lu = tf.gradients(tf.reduce_sum(la.lu_solve(lu, p, rect)), lu)[0]
    spd = tf.constant([[[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], [[2.0, 0.3, 0.0], [-0.4, 1.5, 0.1],
                                                                            [0.2, 0.0, 1.0]]], tf.float64)
    roots = [la.sqrtm(spd), tf.matrix_square_root(spd[0])]
    g_root = tf.gradients(tf.reduce_sum(roots[0] * tf.reshape(tf.range(18.0, dtype=tf.float64), [2, 3, 3])), spd)[0]
    with tf.Session() as s:
        r["sqrtm"] = s.run(roots + [g_root])
        r["values"] = s.run(outs[:3] + outs[13:17] + weighted_sums(tf, outs[3:13] + outs[17:]))
        r["grads"] = s.run(weighted_sums(tf, g + [g_lu]))


@program
def linalg_linear_operators(tf, r):
    """tf.linalg.LinearOperator*: shapes, hints, names and the values of every method (matmul with adjoints, matvec,
    solve, solvevec, determinants, trace, diag_part, to_dense, add_to_tensor, eigvals, cond) for each structured
    operator in float64, and gradients of them with respect to the tensors the operators hold."""
    la = tf.linalg
    rng = np.random.default_rng(5)

    def c(a):
        return tf.constant(np.asarray(a, np.float64))

    def spd(n):
        m = rng.standard_normal((n, n))
        return m @ m.T + n * np.eye(n)

    full, diag, u = c(rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)), c(rng.uniform(1, 2, (2, 3))), c(
        rng.standard_normal((4, 2)))
    k1, k2, spectrum = c(rng.standard_normal((2, 2)) + 2 * np.eye(2)), c(spd(3)), c([4.0, 1.0, 2.0, 1.0])
    col, axis = c([3.0, 1.0, 0.5, 0.2]), c([1.0, 2.0, -1.0])
    tri = c([[1.0, 0.5, -1.0, 0.0], [4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, -0.5]])
    ops = {
        "full": la.LinearOperatorFullMatrix(full),
        "full_spd": la.LinearOperatorFullMatrix(k2, is_self_adjoint=True, is_positive_definite=True),
        "diag": la.LinearOperatorDiag(diag),
        "identity": la.LinearOperatorIdentity(3, batch_shape=[2], dtype=tf.float64),
        "scaled": la.LinearOperatorScaledIdentity(3, c([2.0, -0.5])),
        "tril": la.LinearOperatorLowerTriangular(c(rng.standard_normal((3, 3)) + 3 * np.eye(3))),
        "composition": la.LinearOperatorComposition([la.LinearOperatorFullMatrix(k2), la.LinearOperatorDiag(
            c([1.0, 2.0, 3.0]))]),
        "block_diag": la.LinearOperatorBlockDiag([la.LinearOperatorFullMatrix(k1), la.LinearOperatorDiag(
            c([1.0, 2.0, 3.0]))]),
        "block_lower": la.LinearOperatorBlockLowerTriangular([[la.LinearOperatorFullMatrix(k1)], [
            la.LinearOperatorFullMatrix(c(rng.standard_normal((3, 2)))), la.LinearOperatorDiag(c([1.0, 2.0, 3.0]))]]),
        "kronecker": la.LinearOperatorKronecker([la.LinearOperatorFullMatrix(k1), la.LinearOperatorFullMatrix(k2)]),
        "low_rank": la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(c([1.0, 2.0, 3.0, 4.0])), u,
                                                   diag_update=c([0.5, 1.5]), v=c(rng.standard_normal((4, 2)))),
        "low_rank_spd": la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(c([1.0, 2.0, 3.0, 4.0]),
                                                                             is_positive_definite=True), u),
        "circulant": la.LinearOperatorCirculant(spectrum, input_output_dtype=tf.float64),
        "circulant_2d": la.LinearOperatorCirculant2D(c([[5.0, 1.0, 1.0], [2.0, 0.5, 0.5]]),
                                                     input_output_dtype=tf.float64),
        "circulant_3d": la.LinearOperatorCirculant3D(c(np.full((2, 2, 2), 1.0) + 3 * np.eye(2)[:, :, None]),
                                                     input_output_dtype=tf.float64),
        "toeplitz": la.LinearOperatorToeplitz(col, c([9.0, -1.0, 0.4, 0.1])),
        "householder": la.LinearOperatorHouseholder(axis),
        "permutation": la.LinearOperatorPermutation(tf.constant([2, 0, 3, 1]), dtype=tf.float64),
        "tridiag": la.LinearOperatorTridiag(tri),
        "zeros": la.LinearOperatorZeros(3, batch_shape=[2], dtype=tf.float64),
    }
    ops["adjoint"] = ops["full"].adjoint()
    ops["inversion"] = ops["kronecker"].inverse()
    r["shapes"] = {k: [o.shape.as_list(), o.batch_shape.as_list(), o.domain_dimension.value,
                       o.range_dimension.value, o.tensor_rank, o.dtype.name] for k, o in ops.items()}
    r["hints"] = {k: [o.is_non_singular, o.is_self_adjoint, o.is_positive_definite, o.is_square]
                  for k, o in ops.items()}
    r["names"] = {k: o.name for k, o in ops.items()}
    values = []
    for k, o in ops.items():
        n, m, batch = int(o.shape[-1]), int(o.shape[-2]), tuple(o.batch_shape.as_list())
        x, xr = c(rng.standard_normal((n, 2))), c(rng.standard_normal((m, 2)))
        values += [o.to_dense(), o.matmul(x), o.matmul(xr, adjoint=True), o.matmul(tf.transpose(x), adjoint_arg=True),
                   o.matvec(x[:, 0]), o.trace(), o.diag_part(), o.add_to_tensor(c(np.ones(batch + (m, n)))), o.cond()]
        if k != "zeros":
            values += [o.determinant(), o.log_abs_determinant(), o.solve(xr), o.solve(x, adjoint=True),
                       o.solvevec(xr[:, 0]), o.solve(tf.transpose(xr), adjoint_arg=True)]
        if o.is_self_adjoint:
            values.append(o.eigvals())
    x4 = c(rng.standard_normal((4, 2)))
    loss = tf.add_n([tf.reduce_sum(ops["low_rank"].solve(x4) ** 2), ops["low_rank_spd"].log_abs_determinant(),
                     tf.reduce_sum(ops["kronecker"].solve(c(np.ones((6, 1))))), ops["kronecker"].log_abs_determinant(),
                     tf.reduce_sum(ops["circulant"].matmul(x4) ** 2), ops["circulant"].log_abs_determinant(),
                     tf.reduce_sum(ops["toeplitz"].matmul(x4) ** 2), tf.reduce_sum(ops["householder"].to_dense() ** 3),
                     tf.reduce_sum(ops["full"].solve(c(np.ones((3, 1))))), tf.reduce_sum(ops["diag"].determinant()),
                     tf.reduce_sum(ops["tridiag"].solve(x4) ** 2)])
    grads = tf.gradients(loss, [full, diag, u, k1, k2, spectrum, col, axis, tri])
    with tf.Session() as s:
        r["values"] = s.run(weighted_sums(tf, values))
        r["grads"] = s.run(weighted_sums(tf, grads))
        r["small"] = s.run([ops["kronecker"].determinant(), ops["low_rank"].determinant(), ops["block_lower"].solvevec(
            c([1.0, 2.0, 3.0, 4.0, 5.0])), ops["circulant"].convolution_kernel()])


@program
def linalg_linear_operator_algebra(tf, r):
    """LinearOperator algebra (@, solve with an operator, inverse, cholesky, adjoint/H: the types TF returns and
    their values), TF's hint checks and error messages, the assert_* ops, tf.linalg.eigh_tridiagonal,
    tf.linalg.logm and tf.linalg.experimental.conjugate_gradient."""
    la = tf.linalg

    def c(a):
        return tf.constant(np.asarray(a, np.float64))

    spd = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    a = la.LinearOperatorFullMatrix(c(spd), is_self_adjoint=True, is_positive_definite=True)
    d = la.LinearOperatorDiag(c([1.0, 2.0, 3.0]))
    low = la.LinearOperatorLowerTriangular(c([[1.0, 0, 0], [2.0, 3.0, 0], [1.0, -1.0, 2.0]]))
    derived = {"a@d": a @ d, "d@d": d @ d, "low@d": low.matmul(d), "a.solve(d)": a.solve(d), "d.inverse": d.inverse(),
               "a.inverse": a.inverse(), "a.cholesky": a.cholesky(), "low.H": low.H,
               "pd_diag.cholesky": la.LinearOperatorDiag(c([1.0, 4.0]), is_positive_definite=True).cholesky(),
               "scaled@scaled": la.LinearOperatorScaledIdentity(3, c(2.0)) @ la.LinearOperatorScaledIdentity(
                   3, c(3.0)), "identity@d": la.LinearOperatorIdentity(3, dtype=tf.float64) @ d}
    r["types"] = {k: type(o).__name__ for k, o in derived.items()}
    r["hints"] = {k: [o.is_non_singular, o.is_self_adjoint, o.is_positive_definite, o.is_square]
                  for k, o in derived.items()}
    r["involution"] = [low.H.H is low, a.H is a]
    alpha, beta = c([2.0, 3.0, 1.0, 4.0]), c([0.5, -1.0, 0.7])
    w, v = la.eigh_tridiagonal(alpha, beta, eigvals_only=False)
    cg = la.experimental.conjugate_gradient(a, c([1.0, 2.0, 3.0]))
    cgp = la.experimental.conjugate_gradient(a, c([[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]]), preconditioner=la.
                                             LinearOperatorDiag(c(1 / np.diag(spd))), tol=1e-8, max_iter=2)
    extras = [la.eigh_tridiagonal(alpha, beta), la.eigh_tridiagonal(alpha, beta, select="i", select_range=[1, 2]),
              la.eigh_tridiagonal(alpha, beta, select="v", select_range=[1.5, 4.0]), w, tf.abs(v),
              la.logm(tf.constant(np.array([[2.0, 1.0], [0.5, 3.0]], np.complex128))), cg.x, cg.r, cgp.x, cgp.gamma]
    with tf.Session() as s:
        r["dense"] = s.run(weighted_sums(tf, [o.to_dense() for o in derived.values()]))
        r["extras"] = s.run([tf.round(t * 1e6) / 1e6 if t.dtype != tf.complex128 else t for t in extras])
        r["cg_steps"] = s.run([cg.i, cgp.i])
    full = la.LinearOperatorFullMatrix
    r["errors"] = {
        "pd_not_ns": r.error(lambda: full(c(spd), is_positive_definite=True, is_non_singular=False),
                             "A positive definite matrix is always non-singular."),
        "ns_not_square": r.error(lambda: full(c(spd), is_non_singular=True, is_square=False),
                                 "A non-singular matrix is always square."),
        "sa_not_square": r.error(lambda: full(c(spd), is_self_adjoint=True, is_square=False),
                                 "A self-adjoint matrix is always square."),
        "real_diag": r.error(lambda: la.LinearOperatorDiag(c([1.0]), is_self_adjoint=False),
                             "A real diagonal operator is always self adjoint."),
        "identity": r.error(lambda: la.LinearOperatorIdentity(2, is_non_singular=False),
                            "An identity operator is always non-singular."),
        "dtype": r.error(lambda: d.matmul(tf.ones([3, 2])), "Expected argument to have dtype"),
        "dims": r.error(lambda: d.matmul(c(np.ones((2, 2)))), "are not compatible"),
        "operator_dims": r.error(lambda: d.matmul(la.LinearOperatorDiag(c([1.0, 2.0]))), "Operators are incompatible"),
        "empty": r.error(lambda: la.LinearOperatorComposition([]), "Expected a non-empty list of operators"),
        "inverse_singular": r.error(lambda: full(c(spd), is_non_singular=False).inverse(),
                                    "This operator represents a singular matrix."),
        "cholesky": r.error(lambda: d.cholesky(), "Not a positive definite self adjoint matrix."),
        "eigvals": r.error(lambda: low.eigvals(), "Only self-adjoint matrices are supported."),
        "solve_singular": r.error(lambda: full(c(spd), is_non_singular=False).solve(c(spd)),
                                  "expected to be singular"),
        "det_not_square": r.error(lambda: full(c(np.ones((2, 3)))).determinant(), "expected to not be square"),
        "cg": r.error(lambda: la.experimental.conjugate_gradient(low, c([1.0, 2.0, 3.0])),
                      "Expected a self-adjoint, positive definite operator."),
        "perm": r.error(lambda: la.LinearOperatorPermutation(tf.constant([0, 0, 1])), "must be a vector of unique"),
        "zeros": r.error(lambda: la.LinearOperatorZeros(2, 3), "initialized as is_square=True"),
        "inversion": r.error(lambda: la.LinearOperatorInversion(full(c(spd), is_non_singular=False)),
                             "must have supplied hint `is_non_singular`"),
        "adjoint": r.error(lambda: la.LinearOperatorAdjoint(a, is_self_adjoint=False),
                           "An operator is self-adjoint if and only if its adjoint is self-adjoint."),
        "rank1": r.error(lambda: full(c([1.0, 2.0])), "must have at least 2 dimensions"),
        "logm_real": r.error(lambda: la.logm(c(spd)), "not in list of allowed values: complex64, complex128"),
    }

    def run(make):
        try:
            with tf.Session() as s:
                s.run(make())
            return "ran"
        except Exception as e:  # noqa: BLE001 -- the class is the observation
            return type(e).__name__

    r["asserts"] = [run(f) for f in [
        d.assert_non_singular, la.LinearOperatorDiag(c([1.0, 0.0])).assert_non_singular, a.assert_positive_definite,
        la.LinearOperatorDiag(c([1.0, -1.0])).assert_positive_definite,
        full(c([[1.0, 2.0], [0.0, 1.0]])).assert_self_adjoint, a.assert_self_adjoint,
        full(c([[1.0, 2.0], [2.0, 4.0]])).assert_non_singular]]


@program
def fractional_pooling(tf, r):
    """tf.nn.fractional_max_pool / fractional_avg_pool with seeds: TF's row and column pooling sequences (random and
    pseudo-random, several sizes and seeds), the pooled values (overlapping or not) and the gradients."""
    x = tf.constant(np.cos(np.arange(2 * 11 * 9 * 2) * 1.3).reshape(2, 11, 9, 2).astype(np.float32))
    outs = []
    for k, (ratio, pseudo, overlap) in enumerate([([1.0, 1.5, 1.5, 1.0], False, False),
                                                  ([1.0, 1.44, 1.73, 1.0], True, False),
                                                  ([1.0, 2.2, 1.3, 1.0], False, True),
                                                  ([1.0, 1.7, 2.0, 1.0], True, True)]):
        for pool in (tf.nn.fractional_max_pool, tf.nn.fractional_avg_pool):
            outs.append(pool(x, ratio, pseudo_random=pseudo, overlapping=overlap, deterministic=True,
                             seed=7 + k, seed2=3 * k + 1))
    # the pooled shapes only: TF's shape function gives the sequences one entry fewer than they have at run time
    r["shapes"] = shapes(*[o[0] for o in outs])
    r["types"] = [o[0].op.type for o in outs[:2]]
    grads = [tf.gradients(tf.reduce_sum(o[0] * o[0]), x)[0] for o in outs[:4]]
    seqs = [tf.nn.fractional_max_pool(tf.zeros([1, n, n, 1]), [1.0, ratio, ratio, 1.0], pseudo_random=pseudo,
                                      deterministic=True, seed=seed, seed2=5)[1:]
            for n, ratio, pseudo, seed in [(30, 1.4142, True, 1), (30, 1.4142, False, 1), (25, 1.1, False, 99),
                                          (25, 1.9, True, 12345)]]
    with tf.Session() as s:
        r["sequences"] = s.run([o[1:] for o in outs] + seqs)
        r["values"] = s.run(weighted_sums(tf, [o[0] for o in outs]))
        r["grads"] = s.run(weighted_sums(tf, grads))


if __name__ == "__main__":
    main(sys.argv)

