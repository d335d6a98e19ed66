"""tf.profiler against TensorFlow: tools/record_profiler_reference.py holds small programs; run under real
TensorFlow (tensorflow-cpu 2.21, `compat.v1`) it recorded what tfprof printed and returned for each into
tests/profiler_reference.json, and here the same programs run on graphgrad. The graphs use constant initializers
and forward passes so that graphgrad's graph has TF's ops where flops are counted (docs/profiler.md)."""
import json
import os
import sys

import numpy as np
import pytest

import graphgrad as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import record_profiler_reference as recorder  # noqa: E402

with open(os.path.join(HERE, "profiler_reference.json")) as _f:
    REFERENCE = json.load(_f)


@pytest.mark.parametrize("name", sorted(recorder.PROGRAMS))
def test_program_matches_tensorflow(name):
    assert recorder.PROGRAMS[name](tf) == REFERENCE[name]


def _traced(batch=8):
    """An MLP graph, its input and loss, and the RunMetadata of one traced run of `batch` rows."""
    g = tf.Graph()
    with g.as_default():
        x, loss, _ = recorder._mlp(tf, None)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            meta = tf.RunMetadata()
            s.run(loss, {x: np.ones((batch, 20), np.float32)},
                  options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=meta)
    return g, x, loss, meta


def _quiet(**changes):
    return dict(tf.profiler.ProfileOptionBuilder.time_and_memory(min_micros=0, min_bytes=0), output="none",
                **changes)


def test_time_and_memory_count_what_the_traced_run_reported():
    g, _, _, meta = _traced()
    stats = {n.node_name: n for d in meta.step_stats.dev_stats for n in d.node_stats}
    root = tf.profiler.profile(g, run_meta=meta, options=_quiet(order_by="name"))
    nodes = {}

    def walk(p):
        nodes[p.name] = p
        for c in p.children:
            walk(c)

    walk(root)
    for name in ("dense1/MatMul", "Square", "loss"):
        stat, node = stats[name], nodes[name]
        outputs = sum(o.tensor_description.allocation_description.requested_bytes for o in stat.output)
        assert node.output_bytes == outputs > 0
        assert node.requested_bytes == sum(m.total_bytes for m in stat.memory)
        assert node.run_count == 1 and node.exec_micros == max(stat.op_end_rel_micros, 1)
    assert root.total_exec_micros == sum(max(s.op_end_rel_micros, 1) for s in stats.values())


def test_run_shapes_complete_flops_without_changing_the_graph(capsys):
    g, x, loss, meta = _traced(batch=8)
    flops = tf.profiler.ProfileOptionBuilder.float_operation()
    assert tf.profiler.profile(g, options=dict(flops, output="none")).total_float_ops == 0
    assert "ops no flops stats due to incomplete shapes." in capsys.readouterr().err
    with_run = tf.profiler.profile(g, run_meta=meta, options=dict(flops, output="none"))
    # dense1/MatMul reads the fed x, whose shape no traced op reports (as in TF): it stays uncounted
    assert with_run.total_float_ops == 2 * 8 * 30 * 10 + 8 * 30 + 8 * 10 + 8 * 10 + 8 * 10
    assert capsys.readouterr().err == ""
    assert x.shape.as_list() == [None, 20]  # TF sets the run's shapes on the graph; graphgrad leaves it
    with g.as_default(), tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert s.run(loss, {x: np.ones((3, 20), np.float32)}).shape == ()


def test_profiler_averages_times_over_steps():
    g, _, _, meta = _traced()
    profiler = tf.profiler.Profiler(g)
    for step in (3, 5):
        profiler.add_step(step, meta)
    opts = _quiet(select=["micros", "occurrence"])
    per_step = [profiler.profile_name_scope(dict(opts, step=s)) for s in (3, 5)]
    mean = profiler.profile_name_scope(opts)
    assert per_step[0].total_exec_micros == per_step[1].total_exec_micros == mean.total_exec_micros > 0
    assert mean.total_run_count == per_step[0].total_run_count == len(meta.step_stats.dev_stats[0].node_stats)
    by_type = profiler.profile_operations(dict(opts, step=3))
    assert by_type.total_exec_micros == per_step[0].total_exec_micros


def test_views_and_outputs_graphgrad_does_not_have_say_so(capsys, tmp_path):
    g, _, _, meta = _traced()
    opts = tf.profiler.ProfileOptionBuilder.float_operation()
    with pytest.raises(tf.errors.UnimplementedError, match="graph view"):
        tf.profiler.profile(g, cmd="graph", options=opts)
    with pytest.raises(tf.errors.UnimplementedError, match="timeline"):
        tf.profiler.profile(g, options=dict(opts, output=f"timeline:outfile={tmp_path}/t.json"))
    with pytest.raises(tf.errors.UnimplementedError, match="advise"):
        tf.profiler.advise(g, run_meta=meta)
    capsys.readouterr()
    proto = tf.profiler.Profiler(g).profile_python(dict(opts, output="none"))
    assert isinstance(proto, tf.profiler.MultiGraphNodeProto) and proto.ByteSize() == 0
    assert "No code trace information" in capsys.readouterr().err


def test_statistics_registry_is_tfs():
    from graphgrad.profiler import flops_registry  # noqa: F401  (TF's flops statistics, registered on import)
    from graphgrad.python.framework import ops
    with pytest.raises(KeyError, match="Registering two statistics with name 'MatMul,flops'"):
        ops.RegisterStatistics("MatMul", "flops")(lambda graph, node: None)
    total = ops.OpStats("flops", 3)
    total += ops.OpStats("flops", 4)
    assert total.value == 7
    with pytest.raises(ValueError, match="Can't add an OpStat of type weight"):
        total += ops.OpStats("weight", 1)
    g = tf.Graph()
    with g.as_default():
        y = tf.matmul(tf.ones((2, 3)), tf.ones((3, 5)), transpose_a=False)
    node = type("Node", (), {"op": "Unregistered", "name": "n"})()
    assert ops.get_stats_for_node_def(g, node, "flops").value is None
    assert ops.get_stats_for_node_def(g, y.op.node_def, "flops").value == 2 * 3 * 2 * 5


def test_write_op_log_writes_tfs_message(tmp_path):
    g = tf.Graph()
    with g.as_default():
        recorder._mlp(tf, 8, reduce=False)
    tf.profiler.write_op_log(g, str(tmp_path))
    log = tf.profiler.OpLogProto.FromString((tmp_path / "tfprof_log").read_bytes())
    assert {e.name: e.float_ops for e in log.log_entries}["dense1/MatMul"] == 2 * 20 * 8 * 30
