"""tf.summary.initialize / all_v2_summary_ops with a tf.contrib.summary writer in graph mode: the graph reaches
the writer's file at step 0, the writer's summary ops are listed. TF's errors: conformance `summary_descriptions`."""
from __future__ import annotations

import pytest
from test_summary import raw_events

import graphgrad as tf


def test_initialize_writes_the_graph_and_lists_v2_ops(tmp_path):
    writer = tf.contrib.summary.create_file_writer(str(tmp_path))
    x = tf.constant(3.0, name="x")
    with writer.as_default(), tf.contrib.summary.always_record_summaries():
        op = tf.contrib.summary.scalar("loss", x, step=1)
        assert tf.summary.all_v2_summary_ops() == [op]
        with pytest.raises(ValueError, match="session must be passed"):
            tf.summary.initialize(graph=tf.get_default_graph())
        with tf.Session() as s:
            tf.summary.initialize(graph=tf.get_default_graph())
            s.run(op)
    writer.flush()
    events = raw_events(tmp_path)
    graph_events = [e for e in events if e.HasField("graph_def")]
    assert len(graph_events) == 1 and graph_events[0].step == 0
    assert [v.tag for e in events for v in e.summary.value] == ["loss"]
