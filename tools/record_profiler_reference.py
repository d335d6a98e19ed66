"""Record what TensorFlow 1.x's profiler (`tf.profiler`, tfprof) prints and returns for small graphs, as the
reference tests/test_profiler.py holds graphgrad to.

Each program is written once against the TF1 API (`tf` is `tensorflow.compat.v1` here, `graphgrad` in the test)
and returns plain JSON: the text tfprof printed (its C++ core prints to the process's stdout, so the file
descriptor is captured), its "no flops stats" line, and the returned GraphNodeProto / MultiGraphNodeProto as a
dict and as bytes. Graphs are built so that graphgrad's and TF's have the same ops where flops are counted:
constant initializers (TF's random_uniform initializer is sub, mul and add ops, graphgrad's one RandomUniform),
forward passes only. Times are masked: only which nodes ran and how often is recorded.

    python tools/record_profiler_reference.py              # writes tests/profiler_reference.json
    python tools/record_profiler_reference.py --graphgrad  # prints what graphgrad observes instead
"""
from __future__ import annotations

import importlib
import io
import json
import os
import re
import sys
import tempfile

import numpy as np

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "profiler_reference.json")
PROGRAMS = {}
#: How the lines tfprof writes to stderr start (the rest of stderr is TF's logging).
PROFILER_STDERR = ("Options -step", "Available steps", "No code trace", "Only 'code'", "INVALID_ARGUMENT", "E.g.") \
    + tuple(f"{n} ops no flops" for n in range(99))


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


def mask_times(text):
    """The text with every time ("12us", "1.03ms", "2.00sec") and byte count ("320B", "1.02KB") replaced by "T"
    (graphgrad's times are its own; its bytes are those of the arrays an op returns, where TF's kernels may
    write into an input's buffer)."""
    text = re.sub(r"\d+(\.\d+)?(us|ms|sec|B|KB|MB)\b", "T", text)
    return re.sub(r"T \(\d+\.\d+%, \d+\.\d+%\)", "T (P, P)", text)


class Captured:
    """Captures what is written to sys.stdout / sys.stderr and to file descriptors 1 and 2 (TF's C++ core prints
    there; graphgrad writes to sys.stdout, which pytest replaces)."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.files = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.files[0].fileno(), 1)
        os.dup2(self.files[1].fileno(), 2)
        self.streams, self.saved_streams = [io.StringIO(), io.StringIO()], [sys.stdout, sys.stderr]
        sys.stdout, sys.stderr = self.streams
        return self

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved_streams
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in zip((1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)
        self.out, self.err = [(f.seek(0), f.read().decode())[1] + s.getvalue()
                              for f, s in zip(self.files, self.streams)]
        return False


def run_profile(tf, fn, same_graph=True):
    """What `fn()` (a tf.profiler call) prints to stdout, its "flops stats" lines on stderr, and its proto: whole
    and as bytes when graphgrad's graph has TF's ops, else only its tree of names, parameters and float ops (TF's
    reductions take their axes from a Const op, graphgrad's from an attribute: the input shapes and node counts
    differ)."""
    with Captured() as c:
        proto = fn()
    from google.protobuf import json_format
    out = {"stdout": c.out, "stderr": [ln for ln in c.err.splitlines() if ln.startswith(PROFILER_STDERR)]}
    if same_graph:
        out.update(proto=json_format.MessageToDict(proto, preserving_proto_field_name=True),
                   bytes=proto.SerializeToString().hex())
    else:
        out["tree"] = _tree(proto)
    return out


def _tree(proto):
    kids = [_tree(c) for c in proto.children]
    return [proto.name, proto.parameters, proto.total_parameters, proto.float_ops, proto.total_float_ops,
            [g.name for g in getattr(proto, "graph_nodes", [])], kids]


def _graph(tf, build, *args, **kwargs):
    """A new graph holding what `build(tf, *args, **kwargs)` builds."""
    g = tf.Graph()
    with g.as_default():
        build(tf, *args, **kwargs)
    return g


def _mlp(tf, batch, reduce=True):
    x = tf.placeholder(tf.float32, (batch, 20), name="x")
    h = x
    for i, (n_in, n_out) in enumerate([(20, 30), (30, 10)]):
        with tf.variable_scope(f"dense{i + 1}"):
            w = tf.get_variable("w", (n_in, n_out), initializer=tf.constant_initializer(0.1))
            b = tf.get_variable("b", (n_out,), initializer=tf.constant_initializer(0.0))
            h = tf.matmul(h, w) + b
            if i == 0:
                h = tf.nn.relu(h)
    steps = tf.Variable(0, trainable=False, name="steps")
    return x, tf.reduce_mean(tf.square(h), name="loss") if reduce else tf.square(h, name="loss"), steps


def _cnn(tf):
    x = tf.placeholder(tf.float32, (4, 8, 8, 1), name="images")
    with tf.variable_scope("conv1"):
        k = tf.get_variable("kernel", (3, 3, 1, 6), initializer=tf.constant_initializer(0.1))
        b = tf.get_variable("bias", (6,), initializer=tf.constant_initializer(0.0))
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k, [1, 1, 1, 1], "SAME"), b))
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID", name="pool1")
    h = tf.reshape(h, (4, 96))
    with tf.variable_scope("logits"):
        w = tf.get_variable("w", (96, 10), initializer=tf.constant_initializer(0.01))
        logits = tf.matmul(h, w)
    probs = tf.nn.softmax(logits, name="probs")
    return x, tf.reduce_sum(probs * probs, name="total")


@program
def builder_options(tf):
    B = tf.profiler.ProfileOptionBuilder
    return {"float_operation": B.float_operation(), "params": B.trainable_variables_parameter(),
            "time_and_memory": B.time_and_memory(), "time_and_memory_5": B.time_and_memory(min_micros=5),
            "chained": B(B.float_operation()).with_max_depth(3).select(["params", "float_ops"])
            .order_by("params").with_node_names(show_name_regexes=["dense.*"]).account_displayed_op_only(False)
            .with_file_output("/x").build(),
            "none": B().with_empty_output().with_step(2).with_min_occurrence(1).with_min_parameters(3)
            .with_min_float_operations(4).with_min_memory(5, 6, 7, 8).with_min_execution_time(9, 10, 11)
            .with_accounted_types(["MatMul"]).build(),
            "stdout": B().with_stdout_output().with_timeline_output("/t").with_pprof_output("/p").build()}


@program
def mlp_params(tf):
    g = _graph(tf, _mlp, None)
    return run_profile(tf, lambda: tf.profiler.profile(g))


@program
def mlp_params_unknown_batch_flops(tf):
    g = _graph(tf, _mlp, None)
    return run_profile(tf, lambda: tf.profiler.profile(
        g, options=tf.profiler.ProfileOptionBuilder.float_operation()))


@program
def mlp_flops(tf):
    g = _graph(tf, _mlp, 8)
    return run_profile(tf, lambda: tf.profiler.profile(
        g, options=tf.profiler.ProfileOptionBuilder.float_operation()), same_graph=False)


@program
def mlp_flops_depth1_by_name(tf):
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _mlp, 8)
    return run_profile(tf, lambda: tf.profiler.profile(
        g, options=B(B.float_operation()).with_max_depth(1).order_by("name").build()))


@program
def mlp_all_ops_params_flops(tf):
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _mlp, 8, reduce=False)
    opts = B(B.float_operation()).select(["params", "float_ops"]).with_min_float_operations(0) \
        .account_displayed_op_only(False).with_node_names(hide_name_regexes=[".*Initializer.*", ".*/Assign"]).build()
    return run_profile(tf, lambda: tf.profiler.profile(g, options=opts))


@program
def regex_options(tf):
    """start, trim, show and hide regexes, depth and order in both views, with more fields selected."""
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _mlp, 8, reduce=False)
    scope = B(B.float_operation()).with_min_float_operations(0).order_by("params") \
        .select(["params", "float_ops", "op_types", "input_shapes"]) \
        .with_node_names(start_name_regexes=["dense2"], trim_name_regexes=["dense2/w"], hide_name_regexes=[".*/b"])
    op = B(B.float_operation()).with_min_float_operations(0).with_max_depth(1).select(["float_ops", "op_types"]) \
        .with_node_names(start_name_regexes=["AddV2"])
    out = {"scope": run_profile(tf, lambda: tf.profiler.profile(g, options=scope.build())),
           "op": run_profile(tf, lambda: tf.profiler.profile(g, cmd="op", options=op.build()))}
    scope.with_max_depth(2).with_node_names(start_name_regexes=[".*"], trim_name_regexes=["dense1"])
    op.with_max_depth(9).with_node_names(start_name_regexes=[".*"], trim_name_regexes=["Relu"])
    out["scope_depth2"] = run_profile(tf, lambda: tf.profiler.profile(
        g, options=scope.account_displayed_op_only(False).build()))
    out["op_trim"] = run_profile(tf, lambda: tf.profiler.profile(
        g, cmd="op", options=op.account_displayed_op_only(False).build()))
    return out


@program
def mlp_op_view(tf):
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _mlp, 8)
    return run_profile(tf, lambda: tf.profiler.profile(g, cmd="op", options=B.float_operation()), same_graph=False)


@program
def mlp_op_view_all_fields(tf):
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _mlp, 8, reduce=False)
    opts = B(B.float_operation()).select(["float_ops", "params", "occurrence", "input_shapes"]) \
        .with_min_float_operations(0).order_by("params").build()
    return run_profile(tf, lambda: tf.profiler.profile(g, cmd="op", options=opts))


@program
def mlp_op_view_params(tf):
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _mlp, 8)
    opts = B(B.trainable_variables_parameter()).order_by("params").build()
    return run_profile(tf, lambda: tf.profiler.profile(g, cmd="op", options=opts))


@program
def cnn_flops(tf):
    g = _graph(tf, _cnn)
    return run_profile(tf, lambda: tf.profiler.profile(
        g, options=tf.profiler.ProfileOptionBuilder.float_operation()), same_graph=False)


@program
def cnn_params_file(tf):
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _cnn)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "out.txt")
        r = run_profile(tf, lambda: tf.profiler.profile(
            g, options=B(B.trainable_variables_parameter()).with_file_output(path).build()))
        with open(path) as f:
            r["file"] = f.read()
    return r


@program
def cnn_op_view_regexes(tf):
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _cnn)
    opts = B(B.float_operation()).with_node_names(show_name_regexes=["Conv2D", "MatMul", "MaxPool"]).build()
    return run_profile(tf, lambda: tf.profiler.profile(g, cmd="op", options=opts))


@program
def cnn_gradient_flops(tf):
    """Flops of the backward pass's convolution, pooling and bias ops (their names and formulas are TF's)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2, 8, 8, 3), name="x")
        k = tf.get_variable("k", (3, 3, 3, 4), initializer=tf.constant_initializer(0.1))
        h = tf.nn.conv2d(x, k, [1, 2, 2, 1], "SAME")
        h = tf.nn.bias_add(h, tf.get_variable("b", (4,), initializer=tf.constant_initializer(0.0)))
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID") + tf.nn.avg_pool(h, [1, 2, 2, 1], [1, 2, 2, 1],
                                                                                    "VALID")
        tf.gradients(tf.reduce_sum(h), [x, k])
    B = tf.profiler.ProfileOptionBuilder
    opts = B(B.float_operation()).with_node_names(show_name_regexes=[".*Backprop.*", ".*PoolGrad", ".*BiasAddGrad"])
    return run_profile(tf, lambda: tf.profiler.profile(g, options=opts.build()), same_graph=False)


@program
def user_statistic(tf):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (5, 7), name="x")
        tf.identity(tf.nn.softsign(x, name="soft"), name="out")
    ops = importlib.import_module(tf.__name__.split(".")[0] + ".python.framework.ops")

    def softsign_flops(graph, node):
        shape = tf.graph_util.tensor_shape_from_node_def_name(graph, node.input[0])
        shape.assert_is_fully_defined()
        return ops.OpStats("flops", 3 * shape.num_elements())

    try:
        ops.RegisterStatistics("Softsign", "flops")(softsign_flops)
    except KeyError:  # registered by an earlier run in this process
        pass

    return run_profile(tf, lambda: tf.profiler.profile(
        g, options=tf.profiler.ProfileOptionBuilder.float_operation()))


@program
def run_meta_mlp(tf):
    """A traced run of a batch the graph does not know: flops from the run's shapes, times its run count. TF's
    grappler rewrites the MatMuls it runs (fused, renamed kernels), so only ops it runs as they are are shown."""
    g = tf.Graph()
    B = tf.profiler.ProfileOptionBuilder
    with g.as_default():
        x, loss, _ = _mlp(tf, None)
        init = tf.global_variables_initializer()
        with tf.Session() as s:
            s.run(init)
            meta = tf.RunMetadata()
            s.run(loss, {x: np.ones((8, 20), np.float32)},
                  options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=meta)
    shown = ["Square", "loss"]
    opts = B(B.float_operation()).select(["float_ops", "occurrence"]).with_node_names(show_name_regexes=shown)
    flops = run_profile(tf, lambda: tf.profiler.profile(g, run_meta=meta, options=opts.build()), same_graph=False)
    opts = B(B.time_and_memory()).with_min_execution_time(0).with_min_memory(0).with_min_occurrence(1) \
        .select(["occurrence", "params"]).order_by("name").with_node_names(show_name_regexes=shown + ["dense.*/[wb]"])
    runs = run_profile(tf, lambda: tf.profiler.profile(g, run_meta=meta, options=opts.build()), same_graph=False)
    op_view = run_profile(tf, lambda: tf.profiler.profile(g, run_meta=meta, cmd="op", options=B(
        B.float_operation()).select(["float_ops", "occurrence"]).with_node_names(show_name_regexes=["Square",
                                                                                                  "Mean"]).build()),
        same_graph=False)
    return {"flops": flops, "runs": runs, "op_view": op_view}


def _traced_mlp(tf, batches):
    """A graph with the MLP, and the RunMetadata of one traced run per batch size."""
    g = tf.Graph()
    with g.as_default():
        x, loss, _ = _mlp(tf, None)
        init = tf.global_variables_initializer()
        metas = []
        with tf.Session() as s:
            s.run(init)
            for n in batches:
                metas.append(tf.RunMetadata())
                s.run(loss, {x: np.ones((n, 20), np.float32)},
                      options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=metas[-1])
    return g, metas


@program
def profiler_steps(tf):
    """Profiler over two traced steps: per step, their mean, a step it was not given; the op view."""
    g, metas = _traced_mlp(tf, [8, 4])
    B = tf.profiler.ProfileOptionBuilder
    profiler = tf.profiler.Profiler(g)
    for step, meta in zip((1, 2), metas):
        profiler.add_step(step, meta)
    opts = B(B.float_operation()).select(["float_ops", "occurrence"]).with_node_names(show_name_regexes=["Square",
                                                                                                        "loss"])
    out = {"mean": run_profile(tf, lambda: profiler.profile_name_scope(opts.build()), same_graph=False)}
    out["step1"] = run_profile(tf, lambda: profiler.profile_name_scope(opts.with_step(1).build()), same_graph=False)
    out["step2"] = run_profile(tf, lambda: profiler.profile_name_scope(opts.with_step(2).build()), same_graph=False)
    out["step7"] = run_profile(tf, lambda: profiler.profile_name_scope(opts.with_step(7).build()))
    out["ops"] = run_profile(tf, lambda: profiler.profile_operations(
        B(B.trainable_variables_parameter()).with_step(1).build()), same_graph=False)
    return out


@program
def time_and_memory_text(tf):
    """The time and memory view's text with the times masked: bytes of what the ops output."""
    g, (meta,) = _traced_mlp(tf, [8])
    B = tf.profiler.ProfileOptionBuilder
    opts = B(B.time_and_memory(min_micros=0, min_bytes=0)).order_by("name") \
        .with_node_names(show_name_regexes=["Square", "loss", "dense2/add"]).build()
    r = run_profile(tf, lambda: tf.profiler.profile(g, run_meta=meta, options=opts), same_graph=False)
    return {"stdout": mask_times(r["stdout"]), "tree": r["tree"]}


@program
def outputs_and_errors(tf):
    """Output to nowhere, a bad output option, an unknown cmd."""
    B = tf.profiler.ProfileOptionBuilder
    g = _graph(tf, _mlp, 8, reduce=False)
    out = {"none": run_profile(tf, lambda: tf.profiler.profile(g, options=B(
        B.trainable_variables_parameter()).with_empty_output().build()))}
    for name, output in (("unknown", "screen"), ("no_file", "file"), ("bad_key", "file:path=x")):
        opts = dict(B.trainable_variables_parameter(), output=output)
        out[name] = run_profile(tf, lambda opts=opts: tf.profiler.profile(g, options=opts))
    try:
        tf.profiler.profile(g, cmd="tree")
    except Exception as e:  # noqa: BLE001 (the class is observed)
        out["unknown_cmd"] = [type(e).__name__, str(e)]
    return out


@program
def op_log_file(tf):
    """write_op_log's tfprof_log: each op's float ops and types, and a caller's op log merged in."""
    g = _graph(tf, _mlp, 8, reduce=False)
    log = tf.profiler.OpLogProto()
    entry = log.log_entries.add()
    entry.name, entry.float_ops = "dense1/Relu", 240
    entry.types.append("my_type")
    entry = log.log_entries.add()
    entry.name = "dense1/w"
    entry.types.append("weights")
    with tempfile.TemporaryDirectory() as d:
        tf.profiler.write_op_log(g, d, op_log=log, add_trace=False)
        with open(os.path.join(d, "tfprof_log"), "rb") as f:
            written = tf.profiler.OpLogProto.FromString(f.read())
    entries = sorted([e.name, e.float_ops, list(e.types)] for e in written.log_entries)
    opts = tf.profiler.ProfileOptionBuilder(tf.profiler.ProfileOptionBuilder.float_operation()) \
        .with_accounted_types(["my_type", "weights"]).select(["float_ops", "params", "op_types"]).build()
    return {"entries": entries, "profile": run_profile(tf, lambda: tf.profiler.profile(g, op_log=log, options=opts))}


def main(argv):
    names = [a for a in argv if not a.startswith("--")]
    if "--graphgrad" in argv:
        import graphgrad as tf
        for name in names or PROGRAMS:
            print(name, json.dumps(PROGRAMS[name](tf), indent=1, default=str))
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    ref = {}
    if names and os.path.exists(REFERENCE):
        with open(REFERENCE) as f:
            ref = json.load(f)
    for name in names or PROGRAMS:
        ref[name] = PROGRAMS[name](tf)
    with open(REFERENCE, "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
