"""tf.CriticalSection (ops/critical_section_ops.py): a read-modify-write executed in the section from several
threads loses no update, outputs keep their nesting, and locking a section inside itself is TF's ValueError."""
import threading

import pytest

import graphgrad as tf


def test_executions_from_threads_do_not_interleave():
    cs = tf.CriticalSection(name="counter")
    w = tf.Variable(0.0)
    inc = cs.execute(lambda: tf.assign(w, w.read_value() + 1.0))
    with tf.Session() as s:
        s.run(w.initializer)
        threads = [threading.Thread(target=lambda: [s.run(inc) for _ in range(25)]) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert s.run(w) == 100.0


def test_nesting_outputs_and_self_locking():
    cs = tf.CriticalSection()
    assert cs.name == "CriticalSection"
    out = cs.execute(lambda: {"a": tf.constant(1.0), "b": (tf.constant(2), None)})
    assert out["b"][1] is None and out["a"].op.type == "Identity"
    assert out["a"].name.startswith("critical_section_execute/")
    with tf.Session() as s:
        assert s.run([out["a"], out["b"][0]]) == [1.0, 2]
    with pytest.raises(ValueError, match="in which we are already running"):
        cs.execute(lambda: cs.execute(lambda: tf.constant(1.0)))
