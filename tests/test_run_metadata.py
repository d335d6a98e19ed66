"""tf.RunOptions / tf.RunMetadata: a traced Session.run's step stats (TensorBoard's per-node compute time, the
Chrome timeline of tensorflow.python.client.timeline) and timeout_in_ms on a blocking run."""
import json
import threading
import time

import numpy as np
import pytest
from tensorboard.compat.proto import config_pb2
from test_summary import raw_events

import graphgrad as tf
from graphgrad.python.client import timeline


def _model():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    y = tf.nn.relu(tf.matmul(x, w), name="y")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(y))
    return x, w, y, train


def test_a_full_trace_times_every_op_of_the_run_and_tensorflow_parses_it():
    x, w, y, train = _model()
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    metadata = tf.RunMetadata()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        before = time.time_ns() // 1000
        assert s.run(y, {x: [[1, 2, 3]]}, options=options, run_metadata=metadata).tolist() == [[6.0, 6.0]]
        stats = metadata.step_stats.dev_stats
        assert [d.device for d in stats] == ["/job:localhost/replica:0/task:0/device:CPU:0"]
        names = [n.node_name for n in stats[0].node_stats]
        assert names == ["w", "MatMul", "y"]
        matmul = stats[0].node_stats[1]
        assert matmul.timeline_label == "MatMul = MatMul(x, w/read)"  # the graph's inputs, as TF labels them
        assert before <= matmul.all_start_micros <= time.time_ns() // 1000
        assert matmul.op_end_rel_nanos >= 0 and matmul.all_end_rel_micros == matmul.op_end_rel_nanos // 1000
        # a second traced run replaces the first's metadata, as TF's does
        s.run(train, {x: [[1, 2, 3]]}, options=options, run_metadata=metadata)
        names = [n.node_name for n in metadata.step_stats.dev_stats[0].node_stats]
        assert len(metadata.step_stats.dev_stats) == 1 and "GradientDescent/update_w/ApplyGradientDescent" in names
        assert s.run(w)[0, 0] == pytest.approx(0.9)  # the traced run trained
        # without a trace level the metadata comes back empty, and the result is the same
        s.run(y, {x: [[1, 2, 3]]}, options=tf.RunOptions(), run_metadata=metadata)
        assert not metadata.step_stats.dev_stats
    parsed = config_pb2.RunMetadata.FromString(metadata.SerializeToString())
    assert parsed.step_stats.dev_stats == []
    traced = tf.RunMetadata()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(y, {x: [[1, 2, 3]]}, options=options, run_metadata=traced)
    parsed = config_pb2.RunMetadata.FromString(traced.SerializeToString())  # TensorFlow's own message
    assert [n.node_name for n in parsed.step_stats.dev_stats[0].node_stats] == ["w", "MatMul", "y"]


def test_timeline_is_a_chrome_trace_of_the_step_stats():
    x, w, y, train = _model()
    metadata = tf.RunMetadata()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(y, {x: [[1, 2, 3]]}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
              run_metadata=metadata)
    trace = json.loads(timeline.Timeline(metadata.step_stats).generate_chrome_trace_format())
    events = trace["traceEvents"]
    assert events[0] == {"name": "process_name", "ph": "M", "pid": 0,
                         "args": {"name": "/job:localhost/replica:0/task:0/device:CPU:0 Compute"}}
    ops = [e for e in events if e["ph"] == "X"]
    assert [(e["name"], e["args"]["name"]) for e in ops] == [("VariableV2", "w"), ("MatMul", "MatMul"),
                                                              ("Relu", "y")]
    assert ops[1]["args"] == {"name": "MatMul", "op": "MatMul", "input0": "x", "input1": "w/read"}
    assert ops[0]["ts"] <= ops[1]["ts"] <= ops[2]["ts"] and all(e["dur"] >= 0 for e in ops)


def test_add_run_metadata_writes_a_tagged_event_tensorboard_reads(tmp_path):
    x, w, y, train = _model()
    metadata = tf.RunMetadata()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(train, {x: [[1, 2, 3]]}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
              run_metadata=metadata)
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.add_run_metadata(metadata, "step001", global_step=1)
    writer.close()
    tagged = [e for e in raw_events(tmp_path) if e.HasField("tagged_run_metadata")]
    assert len(tagged) == 1 and tagged[0].tagged_run_metadata.tag == "step001" and tagged[0].step == 1
    parsed = config_pb2.RunMetadata.FromString(tagged[0].tagged_run_metadata.run_metadata)
    assert "MatMul" in [n.node_name for n in parsed.step_stats.dev_stats[0].node_stats]


def test_timeout_in_ms_ends_a_run_waiting_on_a_queue_with_deadline_exceeded():
    queue = tf.FIFOQueue(2, tf.float32)
    item = queue.dequeue()
    with tf.Session() as s:
        start = time.monotonic()
        with pytest.raises(tf.errors.DeadlineExceededError, match="Timed out waiting for notification"):
            s.run(item, options=tf.RunOptions(timeout_in_ms=200))
        assert 0.15 < time.monotonic() - start < 5
        # a run that gets its element in time is not affected, nor is a run without options
        threading.Timer(0.1, lambda: s.run(queue.enqueue(1.0))).start()
        assert s.run(item, options=tf.RunOptions(timeout_in_ms=5000)) == 1.0
        s.run(queue.enqueue(2.0))
        assert s.run(item) == 2.0
